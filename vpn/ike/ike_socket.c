/*
 * ike_socket.c - charon's `socket` feature inside tunneld (ike_socket.h).
 */
/* strongSwan first: its utils.h defines _GNU_SOURCE before any libc header.
 * libcharon's daemon.h is reached through one of its subdirectories
 * because lib/daemon.h, the project's own, comes first on the -I path. */
#include <sa/../daemon.h>
#include <threading/thread.h>

#include "ike_socket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define LOG_TAG "ike"

struct ike_socket {
	socket_t public;
	int fd;      /* IKE's port (500) */
	int natt_fd; /* NAT-T (4500), in the workers' SO_REUSEPORT group */
	uint16_t port, natt;
	int max_packet;
	/* Charon has one receiver thread: one buffer, big enough for any
	 * datagram, so truncation cannot happen below max_packet. */
	char buf[65536];
};

static unsigned bound_workers;

void ike_socket_bind(unsigned nworkers)
{
	bound_workers = nworkers;
}

/*
 * The steering program of the port 4500 group (classic BPF; the kernel
 * runs it with the UDP payload at offset 0 and takes its result as the
 * index of the socket in the group, in the order they joined; an index
 * past the end falls back to the kernel's hash). RFC 3948 2.2: IKE
 * starts with four zero octets (the non-ESP marker), ESP with its
 * non-zero SPI. IKE goes to index 0, this socket, which joins first;
 * ESP is spread over the workers (1..n) by its SPI: one SA stays on one
 * worker, as one UDP flow does with the kernel's own hash, and the
 * choice needs no flow hash the kernel may not have computed. A
 * datagram too short for the load (a NAT keepalive, RFC 3948 2.3)
 * returns 0 too: charon's receiver drops keepalives.
 */
static int attach_steering(int fd, unsigned nworkers)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	    BPF_STMT(BPF_ALU | BPF_MOD | BPF_K, nworkers),
	    BPF_STMT(BPF_ALU | BPF_ADD | BPF_K, 1),
	    BPF_STMT(BPF_RET | BPF_A, 0),
	};
	struct sock_fprog prog = {.len = sizeof(code) / sizeof(code[0]), .filter = code};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &prog, sizeof(prog));
}

static int open_udp(uint16_t port, bool reuseport, unsigned nworkers)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int one = 1;
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_IP, IP_PKTINFO, &one, sizeof(one)) != 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) != 0 ||
	    (reuseport && attach_steering(fd, nworkers > 0 ? nworkers : 1) != 0)) {
		int err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	return fd;
}

METHOD(socket_t, receiver, status_t, struct ike_socket *this, packet_t **packet)
{
	char *buf = this->buf;
	struct pollfd pfd[] = {{.fd = this->fd, .events = POLLIN}, {.fd = this->natt_fd, .events = POLLIN}};

	/* Charon cancels its receiver thread at shutdown: only in poll(). */
	bool old = thread_cancelability(TRUE);
	int n = poll(pfd, 2, -1);
	thread_cancelability(old);
	if (n <= 0)
		return FAILED;
	int i = (pfd[0].revents & POLLIN) ? 0 : 1;
	if (!(pfd[i].revents & POLLIN))
		return FAILED;
	uint16_t port = i == 0 ? this->port : this->natt;

	struct sockaddr_in src;
	char control[64];
	struct iovec iov = {.iov_base = buf, .iov_len = (size_t)this->max_packet};
	struct msghdr msg = {.msg_name = &src,
	                     .msg_namelen = sizeof(src),
	                     .msg_iov = &iov,
	                     .msg_iovlen = 1,
	                     .msg_control = control,
	                     .msg_controllen = sizeof(control)};
	ssize_t len = recvmsg(pfd[i].fd, &msg, 0);
	if (len < 0 || (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || src.sin_family != AF_INET)
		return FAILED;
	struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
	bool have_dst = false;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == SOL_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			dst.sin_addr = pi.ipi_addr;
			have_dst = true;
		}
	}
	if (!have_dst)
		return FAILED;
	packet_t *pkt = packet_create();
	pkt->set_source(pkt, host_create_from_sockaddr((sockaddr_t *)&src));
	pkt->set_destination(pkt, host_create_from_sockaddr((sockaddr_t *)&dst));
	pkt->set_data(pkt, chunk_clone(chunk_create((u_char *)buf, (size_t)len)));
	*packet = pkt;
	return SUCCESS;
}

METHOD(socket_t, sender, status_t, struct ike_socket *this, packet_t *packet)
{
	host_t *src = packet->get_source(packet), *dst = packet->get_destination(packet);
	chunk_t data = packet->get_data(packet);
	int fd;

	if (dst->get_family(dst) != AF_INET)
		return FAILED;
	/* The sender added the non-ESP marker already for port 4500. */
	uint16_t sport = src->get_port(src);
	if (sport == 0 || sport == this->port)
		fd = this->fd;
	else if (sport == this->natt)
		fd = this->natt_fd;
	else
		return FAILED;

	struct iovec iov = {.iov_base = data.ptr, .iov_len = data.len};
	union {
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} control = {0};
	struct msghdr msg = {.msg_name = dst->get_sockaddr(dst),
	                     .msg_namelen = *dst->get_sockaddr_len(dst),
	                     .msg_iov = &iov,
	                     .msg_iovlen = 1};
	/* From the IKE SA's own address (the socket is bound to any). */
	if (!src->is_anyaddr(src)) {
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
		struct in_pktinfo pi = {0};
		memcpy(&pi.ipi_spec_dst, src->get_address(src).ptr, 4);
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if (sendmsg(fd, &msg, 0) != (ssize_t)data.len) {
		int err = errno;
		char to[INET_ADDRSTRLEN] = "?";
		inet_ntop(AF_INET, dst->get_address(dst).ptr, to, sizeof(to));
		log_warn(LOG_TAG, "IKE packet to %s port %u not sent: %s", to, dst->get_port(dst), strerror(err));
		return FAILED;
	}
	return SUCCESS;
}

METHOD(socket_t, get_port, uint16_t, struct ike_socket *this, bool nat_t)
{
	return nat_t ? this->natt : this->port;
}

METHOD(socket_t, supported_families, socket_family_t, struct ike_socket *this)
{
	(void)this;
	return SOCKET_FAMILY_IPV4; /* the SA database's underlay */
}

METHOD(socket_t, destroy, void, struct ike_socket *this)
{
	if (this->fd >= 0)
		close(this->fd);
	if (this->natt_fd >= 0)
		close(this->natt_fd);
	free(this);
}

socket_t *ike_socket_create(void)
{
	struct ike_socket *this;

	INIT(this,
	     .public = {.send = _sender,
	                .receive = _receiver,
	                .get_port = _get_port,
	                .supported_families = _supported_families,
	                .destroy = _destroy},
	     .fd = -1, .natt_fd = -1,
	     .port = (uint16_t)lib->settings->get_int(lib->settings, "%s.port", CHARON_UDP_PORT, lib->ns),
	     .natt = (uint16_t)lib->settings->get_int(lib->settings, "%s.port_nat_t", CHARON_NATT_PORT, lib->ns),
	     .max_packet = lib->settings->get_int(lib->settings, "%s.max_packet", PACKET_MAX_DEFAULT, lib->ns), );
	if (this->max_packet < 1500 || this->max_packet > 65535)
		this->max_packet = PACKET_MAX_DEFAULT;
	this->fd = open_udp(this->port, false, 0);
	if (this->fd < 0) {
		log_err(LOG_TAG, "cannot open UDP port %u for IKE: %s", this->port, strerror(errno));
		destroy(this);
		return NULL;
	}
	this->natt_fd = open_udp(this->natt, true, bound_workers);
	if (this->natt_fd < 0) {
		log_err(LOG_TAG, "cannot join UDP port %u (NAT-T) for IKE: %s", this->natt, strerror(errno));
		destroy(this);
		return NULL;
	}
	return &this->public;
}
