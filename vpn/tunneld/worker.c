/*
 * worker.c - the I/O loop of each worker thread: TUN reads (with TSO
 * super-packets cut into segments), encapsulation and batched sends
 * (sendmmsg; UDP_SEGMENT for ESP-in-UDP), and batched underlay receives
 * (recvmmsg; UDP_GRO) decapsulated and written to the TUN devices.
 */
#include "worker.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "esp_packet.h"
#include "log.h"
#include "vnet.h"

#define LOG_TAG "worker"

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#define RX_BATCH     16
#define RX_BUF       (65536 + 64)
/* Raw sockets read single IP packets: more of them per recvmmsg, in
 * smaller slots of the same buffer (a reassembled datagram over the slot
 * comes back truncated and is dropped as malformed). */
#define RAW_RX_BATCH 64
#define RAW_RX_SLOT  (RX_BATCH * RX_BUF / RAW_RX_BATCH)
#define RX_HEADROOM  16 /* room for the virtio-net header before a NULL-ESP inner packet */
#define TX_BATCH     32
/* Packets per sendmmsg: every segment of a 64 KB super-packet at the
 * smallest MSS we expect (1,000-odd octets) in one call. */
#define SEND_BATCH   64
#define TX_SLOT      (DP_HEADROOM + VNET_MAX_PKT + DP_TAILROOM + 64)
#define ARENA_SIZE   (2 * 65536 + VNET_MAX_SEGS * 256)
#define UDP_GSO_MAX_SEGS  64
#define UDP_GSO_MAX_BYTES 60000
#define POLL_MS      100
/* The port 4500 socket's receive buffer. One SA is one UDP flow, so all
 * of a tunnel's traffic lands on one worker's socket, in GRO trains of up
 * to 64 KB; with 4 MB (net.core.rmem_max here) a sender made faster by
 * UDP GSO overflowed it under 4 TCP flows, each drop a whole train: 1,000
 * to 8,000 retransmissions in 3 s of iperf3 -P 4. 16 MB: none. */
#define UDP_RCVBUF   (16 << 20)
#define ICMP_BUF     1400

enum ev_kind {
	EV_STOP = 1,
	EV_TUN,
	EV_UDP,
	EV_RAW_GRE,
	EV_RAW_ESP,
	EV_UDP6,     /* the same three over an IPv6 underlay */
	EV_RAW_GRE6,
	EV_RAW_ESP6,
	EV_KICK,  /* the main thread waits for a grace period: pass a quiescent point now */
};

struct worker {
	struct worker_pool *pool;
	struct dp_worker dp;
	pthread_t thread;
	bool started;
	int epfd;
	int udp_fd, udp6_fd;
	/* Receive batch. The names and control messages serve the IPv6 raw
	 * GRE socket (the sender, and our address from IPV6_PKTINFO) and
	 * the UDP sockets (UDP_GRO). */
	uint8_t *rxbuf;
	struct mmsghdr rxmsg[RAW_RX_BATCH];
	struct iovec rxiov[RAW_RX_BATCH];
	struct sockaddr_in6 rxname[RAW_RX_BATCH];
	char rxcmsg[RAW_RX_BATCH][CMSG_SPACE(sizeof(struct in6_pktinfo))];
	/* Send batch: packets read from one TUN queue, encapsulated in place. */
	uint8_t *slots;
	struct mmsghdr txmsg[SEND_BATCH];
	struct iovec txiov[TX_BATCH];
	unsigned ntx;
	struct tunnel *tx_tunnel;
	uint8_t *arena;
	size_t seg_len[VNET_MAX_SEGS];
	/* Tunnels with received segments waiting in their run (gro.h). */
	struct tunnel *gro_pending[TCFG_MAX_TUNNELS];
	unsigned ngro_pending;
	uint8_t icmp[VNET_HDR_LEN + ICMP_BUF];
};

struct worker_pool {
	struct tunneld *td;
	struct worker *w;
	int stop_fd;
	int kick_fd; /* eventfd, edge-triggered in every worker's epoll set */
	struct tun_offload offload;
	atomic_bool udp_gso;
	bool udp_open, udp6_open; /* the workers' UDP 4500 sockets (main thread) */
	bool offload_logged;
};

/* Where and how a tunnel's packets go. For ESP, the outbound SA says
 * (update_sa() may have moved the peer or switched to UDP); for GRE, the
 * configuration. */
struct peer {
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
	} addr;
	socklen_t addr_len;
	int fd;
	bool udp;
	/* Our address as the source (IP_PKTINFO / IPV6_PKTINFO): the
	 * sockets are shared by every tunnel and bound to no address, and
	 * the kernel's own choice would be the interface's first address,
	 * not necessarily the tunnel's `source`, which the peer matches. */
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} ctl;
	size_t ctl_len;
};

/* The control message that makes src (af's octets) the source. */
static void peer_source(struct peer *p, int af, const uint8_t *src)
{
	struct msghdr mh = {.msg_control = p->ctl.buf, .msg_controllen = sizeof(p->ctl.buf)};
	struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);

	memset(p->ctl.buf, 0, sizeof(p->ctl.buf));
	if (af == AF_INET6) {
		struct in6_pktinfo pi = {0};
		memcpy(&pi.ipi6_addr, src, 16);
		cm->cmsg_level = IPPROTO_IPV6;
		cm->cmsg_type = IPV6_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		p->ctl_len = CMSG_SPACE(sizeof(pi));
	} else {
		struct in_pktinfo pi = {0};
		memcpy(&pi.ipi_spec_dst, src, 4);
		cm->cmsg_level = IPPROTO_IP;
		cm->cmsg_type = IP_PKTINFO;
		cm->cmsg_len = CMSG_LEN(sizeof(pi));
		memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		p->ctl_len = CMSG_SPACE(sizeof(pi));
	}
}

/* The peer's source control message followed by UDP_SEGMENT of seg
 * octets, in buf; returns the control length. */
#define GSO_CTL_SIZE (CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(uint16_t)))
static size_t gso_control(const struct peer *p, char *buf, uint16_t seg)
{
	struct cmsghdr *cm;

	memset(buf, 0, GSO_CTL_SIZE);
	memcpy(buf, p->ctl.buf, p->ctl_len);
	/* ctl_len is a CMSG_SPACE(), so the next header is aligned. */
	cm = (struct cmsghdr *)(void *)(buf + p->ctl_len);
	cm->cmsg_level = SOL_UDP;
	cm->cmsg_type = UDP_SEGMENT;
	cm->cmsg_len = CMSG_LEN(sizeof(uint16_t));
	memcpy(CMSG_DATA(cm), &seg, sizeof(seg));
	return p->ctl_len + CMSG_SPACE(sizeof(uint16_t));
}

/* addr (af's octets) and port (network order) into p. */
static void peer_addr(struct peer *p, int af, const uint8_t *addr, uint16_t port)
{
	if (af == AF_INET6) {
		p->addr.sin6 = (struct sockaddr_in6){.sin6_family = AF_INET6, .sin6_port = port};
		memcpy(&p->addr.sin6.sin6_addr, addr, 16);
		p->addr_len = sizeof(p->addr.sin6);
	} else {
		p->addr.sin = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = port};
		memcpy(&p->addr.sin.sin_addr, addr, 4);
		p->addr_len = sizeof(p->addr.sin);
	}
}

static void peer_of(struct worker *w, const struct tunnel *t, struct peer *p)
{
	const struct ipsec_sa_entry *e = NULL;
	struct tunneld *td = w->pool->td;
	int af = tcfg_underlay_af(&t->cfg);

	memset(p, 0, sizeof(*p));
	if (t->cfg.kind == TCFG_GRE) {
		peer_addr(p, af, t->cfg.destination, 0);
		peer_source(p, af, t->cfg.source);
		p->fd = af == AF_INET6 ? td->raw_gre6_fd : td->raw_gre_fd;
		return;
	}
	if (t->index < IPSEC_MAX_REQID)
		e = ipsec_sadb_snap(td->sadb)->out[t->index];
	p->udp = e != NULL ? e->encap : t->cfg.encap == TCFG_ENCAP_UDP;
	if (e != NULL)
		af = e->id.family == AF_INET6 ? AF_INET6 : AF_INET;
	uint16_t port = p->udp ? htons(e != NULL && e->encap_dport != 0 ? e->encap_dport : ESP_NATT_PORT) : 0;
	peer_addr(p, af, e != NULL ? e->id.dst : t->cfg.destination, port);
	peer_source(p, af, e != NULL ? e->id.src : t->cfg.source);
	if (af == AF_INET6)
		p->fd = p->udp ? w->udp6_fd : td->raw_esp6_fd;
	else
		p->fd = p->udp ? w->udp_fd : td->raw_esp_fd;
}

/* ---- send ------------------------------------------------------------------------- */

/* Send n packets to t's peer with sendmmsg, counting what the socket
 * refuses. */
static void send_many(struct worker *w, struct tunnel *t, struct iovec *iov, unsigned n)
{
	struct peer peer;
	struct mmsghdr *m = w->txmsg;
	unsigned done = 0;

	peer_of(w, t, &peer);
	for (unsigned i = 0; i < n; i++) {
		memset(&m[i], 0, sizeof(m[i]));
		m[i].msg_hdr.msg_name = &peer.addr;
		m[i].msg_hdr.msg_namelen = peer.addr_len;
		m[i].msg_hdr.msg_iov = &iov[i];
		m[i].msg_hdr.msg_iovlen = 1;
		m[i].msg_hdr.msg_control = peer.ctl.buf;
		m[i].msg_hdr.msg_controllen = peer.ctl_len;
	}
	/* Bounded: every round sends at least one packet or drops one. */
	while (done < n) {
		int rc = peer.fd >= 0 ? sendmmsg(peer.fd, m + done, n - done, 0) : -1;
		if (rc > 0) {
			done += (unsigned)rc;
			continue;
		}
		if (rc < 0 && errno == EINTR)
			continue;
		/* The first packet failed (EMSGSIZE, ENOBUFS, no route): drop
		 * it and go on with the rest. */
		wc_add(&t->w[w->dp.id].c.drops[TD_TX_SEND], 1);
		done++;
	}
}


static void write_tun(struct worker *w, struct tunnel *t, uint8_t *pkt, size_t len)
{
	struct tunnel_counters *c = &t->w[w->dp.id].c;
	int fd = t->w[w->dp.id].tun_fd;
	uint8_t *hdr = pkt - VNET_HDR_LEN;

	/* No offload asked for: the stack checks every checksum itself. */
	memset(hdr, 0, VNET_HDR_LEN);
	if (fd < 0 || write(fd, hdr, len + VNET_HDR_LEN) < 0) {
		wc_add(&c->drops[TD_RX_TUN_WRITE], 1);
		return;
	}
	wc_add(&c->rx_packets, 1);
	wc_add(&c->rx_bytes, len);
}

/* An ICMP error to a sender, from the host stack (see tunneld.h). */
static void send_icmp(struct worker *w, struct tunnel *t, const uint8_t *pkt, size_t len)
{
	struct tunneld *td = w->pool->td;
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	int fd;

	if ((pkt[0] >> 4) == 4) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, pkt + 16, 4);
		sl = sizeof(*sin);
		fd = td->icmp4_fd;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, pkt + 24, 16);
		sl = sizeof(*sin6);
		fd = td->icmp6_fd;
	}
	if (fd < 0 || sendto(fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0)
		wc_add(&t->w[w->dp.id].c.drops[TD_TX_SEND], 1);
}

/* Write tunnel t's run of coalesced segments, if it has one. */
static void flush_gro(struct worker *w, struct tunnel *t)
{
	struct tunnel_wstate *ws = &t->w[w->dp.id];
	uint32_t nsegs = ws->gro.nsegs;
	size_t bytes = ws->gro.inner_bytes;
	uint8_t *out;

	if (nsegs == 0)
		return;
	size_t n = gro_finish(&ws->gro, &out);
	if (ws->tun_fd < 0 || write(ws->tun_fd, out, n) < 0) {
		wc_add(&ws->c.drops[TD_RX_TUN_WRITE], nsegs);
		return;
	}
	wc_add(&ws->c.rx_packets, nsegs);
	wc_add(&ws->c.rx_bytes, bytes);
	if (nsegs > 1)
		wc_add(&ws->c.tun_gso_writes, 1);
}

static void flush_all_gro(struct worker *w)
{
	for (unsigned i = 0; i < w->ngro_pending; i++)
		flush_gro(w, w->gro_pending[i]);
	w->ngro_pending = 0;
}

/* A decapsulated packet for t's device: into the run of its flow when it
 * continues it, else after the run, in order. */
static void to_tun(struct worker *w, struct tunnel *t, uint8_t *pkt, size_t len, const struct ip_pkt *ip)
{
	struct gro_run *run = &t->w[w->dp.id].gro;
	bool had = run->nsegs > 0;

	if (gro_add_parsed(run, pkt, len, ip))
		goto queued;
	if (had) {
		flush_gro(w, t);
		if (gro_add_parsed(run, pkt, len, ip))
			goto queued;
	}
	write_tun(w, t, pkt, len);
	return;
queued:
	if (!had) {
		for (unsigned i = 0; i < w->ngro_pending; i++)
			if (w->gro_pending[i] == t)
				return;
		w->gro_pending[w->ngro_pending++] = t;
	}
}

/* ESP-in-UDP segments laid out back to back, all `stride` long but the
 * last: one sendmsg per UDP_GSO_MAX_SEGS with UDP_SEGMENT, so the kernel
 * (or the NIC) cuts them (Linux 4.18+). */
static bool send_udp_gso(struct worker *w, struct tunnel *t, uint8_t *base, size_t stride, size_t total,
                         unsigned nsegs)
{
	struct peer peer;
	unsigned per = (unsigned)(UDP_GSO_MAX_BYTES / stride);

	if (per > UDP_GSO_MAX_SEGS)
		per = UDP_GSO_MAX_SEGS;
	peer_of(w, t, &peer);
	if (per < 2 || !peer.udp || peer.fd < 0)
		return false;
	for (unsigned first = 0; first < nsegs; first += per) {
		unsigned n = nsegs - first < per ? nsegs - first : per;
		size_t off = (size_t)first * stride;
		size_t len = first + n == nsegs ? total - off : (size_t)n * stride;
		_Alignas(struct cmsghdr) char cbuf[GSO_CTL_SIZE];
		struct iovec iov = {.iov_base = base + off, .iov_len = len};
		struct msghdr mh = {.msg_name = &peer.addr, .msg_namelen = peer.addr_len, .msg_iov = &iov, .msg_iovlen = 1,
		                    .msg_control = peer.ctl.buf, .msg_controllen = peer.ctl_len};
		if (n > 1) {
			mh.msg_control = cbuf;
			mh.msg_controllen = gso_control(&peer, cbuf, (uint16_t)stride);
		}
		if (sendmsg(peer.fd, &mh, 0) < 0) {
			if (first == 0 && (errno == EIO || errno == EINVAL || errno == ENOPROTOOPT)) {
				/* The path cannot do GSO: every later super-packet
				 * goes out one datagram at a time. */
				w->pool->udp_gso = false;
				return false;
			}
			wc_add(&t->w[w->dp.id].c.drops[TD_TX_SEND], n);
			continue;
		}
		wc_add(&t->w[w->dp.id].c.udp_gso_sends, 1);
	}
	return true;
}

/*
 * Packets read one at a time (no TSO: UDP, ACKs, anything the stack did
 * not merge) and encapsulated in their own slots: a run of them with the
 * same length (the last may be shorter) goes to a UDP peer in one
 * sendmsg with UDP_SEGMENT, its iovecs gathered by the kernel and cut
 * into datagrams again, as a super-packet's segments are. A stream of
 * equal-sized datagrams (the common case for UDP applications) then
 * crosses the underlay stack once per run instead of once per packet.
 * false: not sent (no UDP peer, GSO refused); the caller sends them
 * one by one.
 */
static bool send_udp_gso_iov(struct worker *w, struct tunnel *t, const struct peer *peer, struct iovec *iov,
                             unsigned n, size_t seg)
{
	_Alignas(struct cmsghdr) char cbuf[GSO_CTL_SIZE];
	struct msghdr mh = {.msg_name = (void *)&peer->addr, .msg_namelen = peer->addr_len, .msg_iov = iov,
	                    .msg_iovlen = n, .msg_control = cbuf};

	mh.msg_controllen = gso_control(peer, cbuf, (uint16_t)seg);
	if (sendmsg(peer->fd, &mh, 0) < 0) {
		/* EIO, ENOPROTOOPT: the path cannot do GSO at all. EINVAL:
		 * this run cannot (a datagram over the path MTU, say); one by
		 * one, each packet gets its own verdict. */
		if (errno == EIO || errno == ENOPROTOOPT)
			w->pool->udp_gso = false;
		if (errno == EIO || errno == ENOPROTOOPT || errno == EINVAL)
			return false;
		wc_add(&t->w[w->dp.id].c.drops[TD_TX_SEND], n);
		return true;
	}
	wc_add(&t->w[w->dp.id].c.udp_gso_sends, 1);
	return true;
}

/* The packets of the send batch, in order: runs of equal length through
 * UDP GSO when the peer is a UDP one, the rest with sendmmsg. */
static void flush_tx(struct worker *w)
{
	struct tunnel *t = w->tx_tunnel;
	struct iovec *iov = w->txiov;
	unsigned n = w->ntx, first = 0, i = 0;
	struct peer peer;

	w->ntx = 0;
	if (n == 0)
		return;
	if (n == 1 || !w->pool->udp_gso) {
		send_many(w, t, iov, n);
		return;
	}
	peer_of(w, t, &peer);
	if (!peer.udp || peer.fd < 0) {
		send_many(w, t, iov, n);
		return;
	}
	/* [first, i): packets not yet sent, none of them in a run. */
	while (i < n) {
		size_t seg = iov[i].iov_len, total = seg;
		unsigned end = i + 1;
		while (end < n && end - i < UDP_GSO_MAX_SEGS && iov[end].iov_len <= seg &&
		       total + iov[end].iov_len <= UDP_GSO_MAX_BYTES) {
			total += iov[end].iov_len;
			if (iov[end++].iov_len < seg)
				break; /* a shorter one ends the run */
		}
		if (end - i < 2) {
			i = end;
			continue;
		}
		if (i > first)
			send_many(w, t, iov + first, i - first);
		if (!w->pool->udp_gso || !send_udp_gso_iov(w, t, &peer, iov + i, end - i, seg))
			send_many(w, t, iov + i, end - i);
		first = i = end;
	}
	if (first < n)
		send_many(w, t, iov + first, n - first);
}

/* A TSO/USO super-packet: cut, encapsulate each segment where it lies,
 * send all of them in as few calls as the socket allows. */
static void tx_super(struct worker *w, struct tunnel *t, const struct virtio_net_hdr *h, uint8_t *pkt,
                     size_t len)
{
	struct tunnel_counters *c = &t->w[w->dp.id].c;
	struct vnet_gso g;

	if (vnet_gso_parse(h, pkt, len, &g) != VNET_OK) {
		wc_add(&c->drops[TD_TX_VNET], 1);
		return;
	}
	size_t full = vnet_gso_seg_len(&g, 0);
	size_t pre = dp_tx_prepend(&w->dp, t);
	size_t stride = full + dp_tx_overhead(&w->dp, t, full);
	uint8_t *base = w->arena + DP_HEADROOM;
	if (DP_HEADROOM + (size_t)g.nsegs * stride + DP_TAILROOM > ARENA_SIZE ||
	    vnet_gso_segment(&g, pkt, base + pre, stride, w->seg_len, VNET_MAX_SEGS) != VNET_OK) {
		wc_add(&c->drops[TD_TX_VNET], 1);
		return;
	}
	wc_add(&c->gso_super, 1);
	wc_add(&c->gso_segments, g.nsegs);

	struct iovec iov[VNET_MAX_SEGS];
	unsigned n = 0;
	bool contiguous = true;
	size_t total = 0;
	for (uint32_t i = 0; i < g.nsegs; i++) {
		uint8_t *seg = base + (size_t)i * stride + pre, *out;
		size_t out_len;
		switch (dp_tx(&w->dp, t, seg, w->seg_len[i], &out, &out_len, w->icmp + VNET_HDR_LEN, ICMP_BUF)) {
		case DP_TX_SEND:
			if (out != base + (size_t)i * stride || (i + 1 < g.nsegs && out_len != stride))
				contiguous = false;
			iov[n++] = (struct iovec){.iov_base = out, .iov_len = out_len};
			total = (size_t)(out - base) + out_len;
			break;
		case DP_TX_ICMP:
			send_icmp(w, t, out, out_len);
			contiguous = false;
			break;
		case DP_TX_DROP:
			contiguous = false;
			break;
		}
	}
	if (n == 0)
		return;
	if (t->cfg.kind == TCFG_IPSEC && contiguous && w->pool->udp_gso && n == g.nsegs &&
	    send_udp_gso(w, t, base, stride, total, n))
		return;
	for (unsigned first = 0; first < n; first += SEND_BATCH)
		send_many(w, t, iov + first, n - first < SEND_BATCH ? n - first : SEND_BATCH);
}

/* Read everything queued on tunnel t's TUN queue (bounded per wake-up so
 * that one busy device cannot starve the sockets). */
static void on_tun(struct worker *w, struct tunnel *t)
{
	int fd = t->w[w->dp.id].tun_fd;
	struct tunnel_counters *c = &t->w[w->dp.id].c;

	w->tx_tunnel = t;
	w->ntx = 0;
	for (unsigned reads = 0; reads < 4 * TX_BATCH; reads++) {
		uint8_t *slot = w->slots + (size_t)w->ntx * TX_SLOT;
		uint8_t *pkt = slot + DP_HEADROOM;
		ssize_t n = read(fd, pkt - VNET_HDR_LEN, VNET_HDR_LEN + VNET_MAX_PKT);
		if (n < 0)
			break;
		if ((size_t)n < VNET_HDR_LEN) {
			wc_add(&c->drops[TD_TX_VNET], 1);
			continue;
		}
		struct virtio_net_hdr h;
		memcpy(&h, pkt - VNET_HDR_LEN, sizeof(h));
		size_t len = (size_t)n - VNET_HDR_LEN;
		if (h.gso_type != VIRTIO_NET_HDR_GSO_NONE) {
			/* Keep the order of the device's packets. */
			flush_tx(w);
			w->tx_tunnel = t;
			tx_super(w, t, &h, pkt, len);
			continue;
		}
		if (vnet_csum_complete(pkt, len, &h) != VNET_OK) {
			wc_add(&c->drops[TD_TX_VNET], 1);
			continue;
		}
		uint8_t *out;
		size_t out_len;
		switch (dp_tx(&w->dp, t, pkt, len, &out, &out_len, w->icmp + VNET_HDR_LEN, ICMP_BUF)) {
		case DP_TX_SEND:
			w->txiov[w->ntx++] = (struct iovec){.iov_base = out, .iov_len = out_len};
			if (w->ntx == TX_BATCH)
				flush_tx(w);
			break;
		case DP_TX_ICMP:
			send_icmp(w, t, out, out_len);
			break;
		case DP_TX_DROP:
			break;
		}
	}
	flush_tx(w);
}

/* ---- receive ------------------------------------------------------------------------ */

static void deliver(struct worker *w, enum dp_rx_verdict v, struct dp_rx *rx)
{
	switch (v) {
	case DP_RX_DELIVER:
		to_tun(w, rx->t, rx->inner, rx->inner_len, &rx->ip);
		break;
	case DP_RX_REFLECT: {
		/* A peer's keepalive: its inner IPv4 packet is GRE to the
		 * peer; the raw socket writes the IP header itself. */
		struct ip_pkt ip;
		if (ip_parse(rx->inner, rx->inner_len, &ip) == IP_PARSE_OK && ip.version == 4 &&
		    ip.tot_len <= rx->inner_len) {
			struct iovec iov = {.iov_base = rx->inner + ip.hdr_len, .iov_len = ip.tot_len - ip.hdr_len};
			send_many(w, rx->t, &iov, 1);
		}
		break;
	}
	case DP_RX_CONSUMED:
	case DP_RX_DROP:
		break;
	}
}

/* Our address of an IPv6 packet (IPV6_PKTINFO); false when missing. */
static bool pktinfo_dst(struct msghdr *mh, uint8_t dst[16])
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;
			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(dst, &pi.ipi6_addr, 16);
			return true;
		}
	}
	return false;
}

static int gro_size(struct msghdr *mh)
{
	for (struct cmsghdr *cm = CMSG_FIRSTHDR(mh); cm != NULL; cm = CMSG_NXTHDR(mh, cm)) {
		if (cm->cmsg_level == SOL_UDP && cm->cmsg_type == UDP_GRO) {
			int v;
			memcpy(&v, CMSG_DATA(cm), sizeof(v));
			return v;
		}
	}
	return 0;
}

static void on_socket(struct worker *w, int fd, enum ev_kind kind)
{
	/* UDP reads may be GRO trains of up to 64 KB; raw reads are single
	 * packets. */
	const bool udp = kind == EV_UDP || kind == EV_UDP6;
	const unsigned batch = udp ? RX_BATCH : RAW_RX_BATCH;
	const size_t slot = udp ? RX_BUF : RAW_RX_SLOT;

	for (unsigned rounds = 0; rounds < 8; rounds++) {
		for (unsigned i = 0; i < batch; i++) {
			w->rxiov[i] = (struct iovec){.iov_base = w->rxbuf + (size_t)i * slot + RX_HEADROOM,
			                             .iov_len = slot - RX_HEADROOM};
			memset(&w->rxmsg[i], 0, sizeof(w->rxmsg[i]));
			w->rxmsg[i].msg_hdr.msg_iov = &w->rxiov[i];
			w->rxmsg[i].msg_hdr.msg_iovlen = 1;
			if (udp || kind == EV_RAW_GRE6) {
				w->rxmsg[i].msg_hdr.msg_control = w->rxcmsg[i];
				w->rxmsg[i].msg_hdr.msg_controllen = sizeof(w->rxcmsg[i]);
			}
			if (kind == EV_RAW_GRE6) {
				w->rxmsg[i].msg_hdr.msg_name = &w->rxname[i];
				w->rxmsg[i].msg_hdr.msg_namelen = sizeof(w->rxname[i]);
			}
		}
		int n = recvmmsg(fd, w->rxmsg, batch, MSG_DONTWAIT, NULL);
		if (n <= 0)
			break;
		for (int i = 0; i < n; i++) {
			uint8_t *data = w->rxiov[i].iov_base;
			size_t len = w->rxmsg[i].msg_len;
			struct dp_rx rx;
			if (w->rxmsg[i].msg_hdr.msg_flags & MSG_TRUNC) {
				wc_add(&w->pool->td->gdrops[w->dp.id][GD_MALFORMED], 1);
				continue;
			}
			if (udp) {
				/* With UDP_GRO one read may hold several datagrams of
				 * gso bytes each, the last one shorter. */
				int gso = gro_size(&w->rxmsg[i].msg_hdr);
				size_t seg = gso > 0 ? (size_t)gso : len;
				for (size_t off = 0; off < len; off += seg) {
					size_t l = len - off < seg ? len - off : seg;
					deliver(w, dp_rx_udp(&w->dp, data + off, l, &rx), &rx);
				}
			} else if (kind == EV_RAW_GRE) {
				deliver(w, dp_rx_gre(&w->dp, data, len, &rx), &rx);
			} else if (kind == EV_RAW_GRE6) {
				uint8_t dst[16];
				if (!pktinfo_dst(&w->rxmsg[i].msg_hdr, dst) ||
				    w->rxmsg[i].msg_hdr.msg_namelen < sizeof(struct sockaddr_in6)) {
					wc_add(&w->pool->td->gdrops[w->dp.id][GD_MALFORMED], 1);
					continue;
				}
				deliver(w, dp_rx_gre6(&w->dp, w->rxname[i].sin6_addr.s6_addr, dst, data, len, &rx), &rx);
			} else if (kind == EV_RAW_ESP6) {
				/* An IPv6 raw socket gives what follows the headers:
				 * the ESP header itself. */
				deliver(w, dp_rx_esp(&w->dp, data, len, &rx), &rx);
			} else {
				deliver(w, dp_rx_raw_esp(&w->dp, data, len, &rx), &rx);
			}
		}
		if ((unsigned)n < batch)
			break;
	}
	/* Nothing waits past the batch it came in: the runs go out now. */
	flush_all_gro(w);
}

/* ---- the loop ------------------------------------------------------------------------- */

static void refresh_clock(struct dp_worker *dp)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	dp->now_ns = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
	clock_gettime(CLOCK_REALTIME, &ts);
	dp->now_s = ts.tv_sec;
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;
	struct tunneld *td = w->pool->td;
	struct epoll_event evs[32];

	w->dp.cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO);
	if (w->dp.cc == NULL)
		log_warn(LOG_TAG, "worker %u: no crypto context (%s): AES-GCM SAs will fail", w->dp.id,
		         strerror(errno));
	for (;;) {
		/* Between batches no snapshot of the SA database is held. */
		ipsec_sadb_quiescent(td->sadb, w->dp.id);
		int n = epoll_wait(w->epfd, evs, 32, POLL_MS);
		if (n < 0 && errno != EINTR)
			break;
		refresh_clock(&w->dp);
		bool stop = false;
		for (int i = 0; i < n; i++) {
			enum ev_kind kind = (enum ev_kind)(evs[i].data.u64 >> 32);
			uint32_t idx = (uint32_t)evs[i].data.u64;
			switch (kind) {
			case EV_STOP:
				stop = true;
				break;
			case EV_TUN: {
				/* NULL: the tunnel is on its way in or out (tunnel_apply.c). */
				struct tunnel *t = idx < TCFG_MAX_TUNNELS ? tunneld_table(td)->slot[idx] : NULL;
				if (t != NULL)
					on_tun(w, t);
				break;
			}
			case EV_UDP:
				on_socket(w, w->udp_fd, EV_UDP);
				break;
			case EV_RAW_GRE:
				on_socket(w, td->raw_gre_fd, EV_RAW_GRE);
				break;
			case EV_RAW_ESP:
				on_socket(w, td->raw_esp_fd, EV_RAW_ESP);
				break;
			case EV_UDP6:
				on_socket(w, w->udp6_fd, EV_UDP6);
				break;
			case EV_RAW_GRE6:
				on_socket(w, td->raw_gre6_fd, EV_RAW_GRE6);
				break;
			case EV_RAW_ESP6:
				on_socket(w, td->raw_esp6_fd, EV_RAW_ESP6);
				break;
			case EV_KICK:
				break; /* the loop's next turn is the quiescent point */
			}
		}
		if (stop)
			break;
	}
	esp_crypto_ctx_free(w->dp.cc);
	w->dp.cc = NULL;
	return NULL;
}

/* ---- set-up ---------------------------------------------------------------------------- */

static int watch(int epfd, int fd, enum ev_kind kind, uint32_t idx, bool exclusive)
{
	struct epoll_event ev = {.events = EPOLLIN | (exclusive ? EPOLLEXCLUSIVE : 0),
	                         .data.u64 = (uint64_t)kind << 32 | idx};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* DF on every delivery packet (RFC 4459 section 3: the tunnel MTU, not
 * fragmentation, keeps inner packets whole); for IPv6, no fragment
 * header from our own stack either. */
static int no_fragments(int fd, int af)
{
	int pmtu = af == AF_INET6 ? IPV6_PMTUDISC_DO : IP_PMTUDISC_DO;

	if (af == AF_INET6)
		return setsockopt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu, sizeof(pmtu));
	return setsockopt(fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu, sizeof(pmtu));
}

static int raw_socket(int af, int proto, char *err, size_t errlen)
{
	int fd = socket(af, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
	int one = 1;

	/* An IPv6 raw socket reads without the IPv6 header: GRE needs our
	 * address of each packet to find its tunnel (RFC 7676 keeps the
	 * address pair as GRE over IPv4 has it). */
	if (fd < 0 || no_fragments(fd, af) != 0 ||
	    (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) != 0)) {
		snprintf(err, errlen, "cannot open a raw %s socket for protocol %d: %s",
		         af == AF_INET6 ? "IPv6" : "IPv4", proto, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	int rcvbuf = 4 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	return fd;
}

/* A buffer size over net.core.[rw]mem_max when we may (CAP_NET_ADMIN,
 * which tunneld has for its TUN devices anyway), else up to the limit. */
static void set_buf(int fd, int force_opt, int opt, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) != 0)
		setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes));
}

static int udp_socket(int af, bool *gro, char *err, size_t errlen)
{
	int fd = socket(af, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int one = 1, buf = 4 << 20;
	struct peer any;

	peer_addr(&any, af, (const uint8_t[16]){0}, htons(ESP_NATT_PORT));
	/* Every worker binds port 4500; the kernel spreads flows over them
	 * (SO_REUSEPORT). The IPv6 sockets take IPv6 only: IPv4 has its own. */
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) != 0 ||
	    no_fragments(fd, af) != 0 ||
	    (af == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(fd, &any.addr.sa, any.addr_len) != 0) {
		snprintf(err, errlen, "cannot open UDP port %d (%s): %s", ESP_NATT_PORT,
		         af == AF_INET6 ? "IPv6" : "IPv4", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	set_buf(fd, SO_RCVBUFFORCE, SO_RCVBUF, UDP_RCVBUF);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buf, sizeof(buf));
	*gro = setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof(one)) == 0;
	return fd;
}

/* Open the underlay sockets a tunnel of this kind needs and that are not
 * open yet, and give them to the workers. Main thread. */
static int need_sockets(struct worker_pool *p, int af, bool gre, bool esp, bool udp, char *err, size_t errlen)
{
	struct tunneld *td = p->td;
	bool v6 = af == AF_INET6;
	int *gre_fd = v6 ? &td->raw_gre6_fd : &td->raw_gre_fd;
	int *esp_fd = v6 ? &td->raw_esp6_fd : &td->raw_esp_fd;
	bool *udp_open = v6 ? &p->udp6_open : &p->udp_open;
	bool gro = false;
	int rc = 0;

	if (gre && *gre_fd < 0) {
		if ((*gre_fd = raw_socket(af, IPPROTO_GRE, err, errlen)) < 0)
			return -1;
		/* A raw socket cannot spread flows over several sockets as
		 * SO_REUSEPORT does for UDP, and two threads reading one
		 * socket reorder a flow's packets (TCP then retransmits): each
		 * raw socket is read by one worker. */
		rc |= watch(p->w[0].epfd, *gre_fd, v6 ? EV_RAW_GRE6 : EV_RAW_GRE, 0, false);
	}
	if (esp && *esp_fd < 0) {
		if ((*esp_fd = raw_socket(af, IPPROTO_ESP, err, errlen)) < 0)
			return -1;
		rc |= watch(p->w[1 % td->nworkers].epfd, *esp_fd, v6 ? EV_RAW_ESP6 : EV_RAW_ESP, 0, false);
	}
	if (udp && !*udp_open) {
		for (unsigned i = 0; i < td->nworkers; i++) {
			int *fd = v6 ? &p->w[i].udp6_fd : &p->w[i].udp_fd;
			if (*fd >= 0)
				continue; /* opened by an earlier, failed call */
			if ((*fd = udp_socket(af, &gro, err, errlen)) < 0)
				return -1;
			rc |= watch(p->w[i].epfd, *fd, v6 ? EV_UDP6 : EV_UDP, 0, false);
		}
		*udp_open = true;
		td->need_udp = true;
		log_info(LOG_TAG, "UDP %d (%s) open; UDP GRO %s", ESP_NATT_PORT, v6 ? "IPv6" : "IPv4",
		         gro ? "on" : "off");
	}
	if (rc != 0) {
		snprintf(err, errlen, "epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int worker_pool_sockets_for(struct worker_pool *p, const struct tcfg_tunnel *c, char *err, size_t errlen)
{
	/* An IKE-keyed tunnel's encapsulation is charon's to choose: UDP only
	 * when NAT detection asks for it (RFC 7296 2.23), plain ESP between
	 * two public addresses, so it needs both sockets. */
	bool ike = c->kind == TCFG_IPSEC && c->ike.enabled;
	return need_sockets(p, tcfg_underlay_af(c), c->kind == TCFG_GRE,
	                    c->kind == TCFG_IPSEC && (c->encap == TCFG_ENCAP_ESP || ike),
	                    c->kind == TCFG_IPSEC, err, errlen);
}

int worker_pool_attach(struct worker_pool *p, struct tunnel *t, char *err, size_t errlen)
{
	struct tunneld *td = p->td;
	int fds[TUNNELD_MAX_WORKERS];

	if (worker_pool_sockets_for(p, &t->cfg, err, errlen) != 0)
		return -1;
	/* The TUN device: one queue per worker. */
	if (tun_dev_open(t->cfg.name, td->nworkers, fds, &p->offload, err, errlen) != 0)
		return -1;
	if (!p->offload_logged) {
		log_info(LOG_TAG, "TUN offload%s%s%s", p->offload.flags != 0 ? " csum" : " none",
		         p->offload.tso ? " tso4 tso6" : "", p->offload.uso ? " uso4 uso6" : "");
		p->offload_logged = true;
	}
	for (unsigned q = 0; q < td->nworkers; q++)
		t->w[q].tun_fd = fds[q];
	for (unsigned q = 0; q < td->nworkers; q++) {
		if (gro_run_init(&t->w[q].gro) != 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		/* A kernel that hands us USO super-packets (Linux 6.2+)
		 * also takes them from us. */
		t->w[q].gro.udp = p->offload.uso;
	}
	t->ifindex = tun_dev_configure(t->cfg.name, t->mtu, t->cfg.inside, t->cfg.inside_count, err, errlen);
	if (t->ifindex < 0 || (t->cfg.shutdown && tun_dev_set_up(t->ifindex, false, err, errlen) != 0))
		goto fail;
	for (unsigned i = 0; i < td->nworkers; i++) {
		if (watch(p->w[i].epfd, t->w[i].tun_fd, EV_TUN, t->index, false) != 0) {
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	worker_pool_detach(p, t);
	worker_pool_release(p, t);
	return -1;
}

void worker_pool_detach(struct worker_pool *p, struct tunnel *t)
{
	for (unsigned i = 0; i < p->td->nworkers; i++)
		if (t->w[i].tun_fd >= 0 && p->w[i].epfd >= 0)
			epoll_ctl(p->w[i].epfd, EPOLL_CTL_DEL, t->w[i].tun_fd, NULL);
}

void worker_pool_release(struct worker_pool *p, struct tunnel *t)
{
	for (unsigned q = 0; q < p->td->nworkers; q++) {
		if (t->w[q].tun_fd >= 0)
			close(t->w[q].tun_fd);
		t->w[q].tun_fd = -1;
		gro_run_fini(&t->w[q].gro);
	}
}

/* Wake every worker so that a grace period ends as soon as they have
 * finished what they are doing, not at their next poll timeout. */
static void kick_workers(void *arg)
{
	struct worker_pool *p = arg;
	uint64_t one = 1, drained;

	if (read(p->kick_fd, &drained, sizeof(drained)) < 0) {
		/* Nothing to drain: the counter is already 0. */
	}
	if (write(p->kick_fd, &one, sizeof(one)) < 0)
		log_debug(LOG_TAG, "cannot wake the workers: %s", strerror(errno));
}

struct worker_pool *worker_pool_new(struct tunneld *td, char *err, size_t errlen)
{
	struct worker_pool *p = calloc(1, sizeof(*p));
	struct tunnel_table *tab = tunneld_table(td);

	if (p == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	p->td = td;
	p->udp_gso = true;
	p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->kick_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	p->w = calloc(td->nworkers, sizeof(*p->w));
	if (p->w == NULL || p->stop_fd < 0 || p->kick_fd < 0) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < td->nworkers; i++) {
		p->w[i].epfd = -1;
		p->w[i].udp_fd = p->w[i].udp6_fd = -1;
	}
	/* IPPROTO_RAW: we write the IP header (IP_HDRINCL, and for IPv6
	 * IPV6_HDRINCL implied since Linux 4.5). A host without IPv6 has no
	 * IPv6 senders to answer. */
	td->icmp4_fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	td->icmp6_fd = socket(AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_RAW);
	if (td->icmp4_fd < 0) {
		snprintf(err, errlen, "cannot open a raw IPv4 socket: %s", strerror(errno));
		goto fail;
	}

	for (unsigned i = 0; i < td->nworkers; i++) {
		struct worker *w = &p->w[i];
		w->pool = p;
		w->dp.td = td;
		w->dp.id = i;
		w->rxbuf = malloc((size_t)RX_BATCH * RX_BUF);
		w->slots = malloc((size_t)TX_BATCH * TX_SLOT);
		w->arena = malloc(ARENA_SIZE);
		w->epfd = epoll_create1(EPOLL_CLOEXEC);
		if (w->rxbuf == NULL || w->slots == NULL || w->arena == NULL || w->epfd < 0) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		/* Edge-triggered: every write wakes every worker, and none
		 * has to read it (kick_workers() resets the counter). */
		struct epoll_event kick = {.events = EPOLLIN | EPOLLET, .data.u64 = (uint64_t)EV_KICK << 32};
		if (watch(w->epfd, p->stop_fd, EV_STOP, 0, false) != 0 ||
		    epoll_ctl(w->epfd, EPOLL_CTL_ADD, p->kick_fd, &kick) != 0) {
			snprintf(err, errlen, "epoll: %s", strerror(errno));
			goto fail;
		}
	}
	/* Sockets and devices of the tunnels tunneld_init() built; tunnels
	 * added later come through worker_pool_attach() too. */
	for (size_t i = 0; i < tab->count; i++)
		if (worker_pool_attach(p, tab->list[i], err, errlen) != 0)
			goto fail;
	ipsec_sadb_set_kick(td->sadb, kick_workers, p);
	log_info(LOG_TAG, "%u workers", td->nworkers);
	return p;
fail:
	worker_pool_free(p);
	return NULL;
}

int worker_pool_start(struct worker_pool *p, char *err, size_t errlen)
{
	ipsec_sadb_set_workers(p->td->sadb, p->td->nworkers);
	for (unsigned i = 0; i < p->td->nworkers; i++) {
		int rc = pthread_create(&p->w[i].thread, NULL, worker_main, &p->w[i]);
		if (rc != 0) {
			snprintf(err, errlen, "cannot start worker %u: %s", i, strerror(rc));
			/* Workers never started never pass a quiescent point. */
			ipsec_sadb_set_workers(p->td->sadb, i);
			return -1;
		}
		p->w[i].started = true;
	}
	return 0;
}

void worker_pool_free(struct worker_pool *p)
{
	uint64_t one = 1;

	if (p == NULL)
		return;
	struct tunneld *td = p->td;
	if (p->stop_fd >= 0 && write(p->stop_fd, &one, sizeof(one)) < 0)
		log_err(LOG_TAG, "cannot signal the workers: %s", strerror(errno));
	for (unsigned i = 0; p->w != NULL && i < td->nworkers; i++) {
		if (p->w[i].started)
			pthread_join(p->w[i].thread, NULL);
		p->w[i].started = false;
	}
	ipsec_sadb_set_workers(td->sadb, 0);
	ipsec_sadb_set_kick(td->sadb, NULL, NULL);
	for (unsigned i = 0; p->w != NULL && i < td->nworkers; i++) {
		struct worker *w = &p->w[i];
		if (w->epfd >= 0)
			close(w->epfd);
		if (w->udp_fd >= 0)
			close(w->udp_fd);
		if (w->udp6_fd >= 0)
			close(w->udp6_fd);
		free(w->rxbuf);
		free(w->slots);
		free(w->arena);
	}
	struct tunnel_table *tab = tunneld_table(td);
	for (size_t t = 0; tab != NULL && t < tab->count; t++)
		worker_pool_release(p, tab->list[t]);
	if (td->raw_gre_fd >= 0)
		close(td->raw_gre_fd);
	if (td->raw_esp_fd >= 0)
		close(td->raw_esp_fd);
	if (td->raw_gre6_fd >= 0)
		close(td->raw_gre6_fd);
	if (td->raw_esp6_fd >= 0)
		close(td->raw_esp6_fd);
	td->raw_gre_fd = td->raw_esp_fd = td->raw_gre6_fd = td->raw_esp6_fd = -1;
	if (td->icmp4_fd >= 0)
		close(td->icmp4_fd);
	if (td->icmp6_fd >= 0)
		close(td->icmp6_fd);
	td->icmp4_fd = td->icmp6_fd = -1;
	if (p->stop_fd >= 0)
		close(p->stop_fd);
	if (p->kick_fd >= 0)
		close(p->kick_fd);
	free(p->w);
	free(p);
}

const struct tun_offload *worker_pool_offload(const struct worker_pool *p)
{
	return &p->offload;
}

bool worker_pool_udp_gso(const struct worker_pool *p)
{
	return p->udp_gso;
}

int worker_pool_send_keepalive(struct worker_pool *p, struct tunnel *t)
{
	uint8_t buf[128];
	struct builder b;
	struct peer peer;
	static uint16_t id;

	/* Keepalives are IPv4 only (the configuration refuses others). */
	if (tcfg_underlay_af(&t->cfg) != AF_INET)
		return -1;
	memset(&peer, 0, sizeof(peer));
	peer_addr(&peer, AF_INET, t->cfg.destination, 0);
	peer_source(&peer, AF_INET, t->cfg.source);

	builder_init_fixed(&b, buf, sizeof(buf));
	id++;
	if (p->td->raw_gre_fd < 0 || gre_keepalive_build(&t->ka_gre, &b, id, id) != 0)
		return -1;
	/* The raw socket writes the delivery header: send what follows it. */
	struct iovec iov = {.iov_base = buf + 20, .iov_len = builder_len(&b) - 20};
	struct msghdr mh = {.msg_name = &peer.addr, .msg_namelen = peer.addr_len, .msg_iov = &iov, .msg_iovlen = 1,
	                    .msg_control = peer.ctl.buf, .msg_controllen = peer.ctl_len};
	if (sendmsg(p->td->raw_gre_fd, &mh, 0) < 0)
		return -1;
	wc_add(&t->w[0].c.keepalive_tx, 1);
	return 0;
}
