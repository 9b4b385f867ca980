/*
 * BGP sessions: the instance's listening socket, one peer per configured
 * neighbor, TCP connections driven by the state machine, the OPEN checks of
 * RFC 4271 section 6.2 that need configuration, and collision resolution
 * (section 6.8).
 */
#include "bgp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <ifaddrs.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fib.h"
#include "log.h"

#define LOG_TAG "bgp"

static const struct bgp_fsm_ops conn_ops;

/* `bgp log-neighbor-changes` (on by default, as in FRR): session changes
 * at notice level; off, they drop to debug. */
static enum log_level change_level(const struct bgp_peer *peer)
{
	return peer->bgp->log_neighbor_changes ? LOG_LVL_NOTICE : LOG_LVL_DEBUG;
}

time_t bgp_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

bool bgp_peer_established(const struct bgp_peer *peer)
{
	return peer->conn != NULL && peer->conn->fsm.state == BGP_STATE_ESTABLISHED;
}

uint32_t bgp_instance_asn(const struct bgp_instance *bgp)
{
	return bgp->asn;
}

struct bgp_rib *bgp_instance_rib(struct bgp_instance *bgp)
{
	return bgp->rib;
}

/* ---- connections ---------------------------------------------------------- */

static void conn_timer_connect_retry(void *arg)
{
	struct bgp_conn *conn = arg;
	bgp_fsm_event(&conn->fsm, BGP_EV_CONNECT_RETRY_EXPIRES);
}

static void conn_timer_hold(void *arg)
{
	struct bgp_conn *conn = arg;
	log_warn(LOG_TAG, "%s: hold timer expired", conn->peer->name);
	bgp_fsm_event(&conn->fsm, BGP_EV_HOLD_EXPIRES);
}

static void conn_timer_keepalive(void *arg)
{
	struct bgp_conn *conn = arg;
	bgp_fsm_event(&conn->fsm, BGP_EV_KEEPALIVE_EXPIRES);
}

static struct bgp_conn *conn_new(struct bgp_peer *peer, bool outgoing, bool passive)
{
	struct bgp_conn *conn = calloc(1, sizeof(*conn));
	struct loop *loop = peer->bgp->loop;

	if (conn == NULL)
		return NULL;
	conn->peer = peer;
	conn->outgoing = outgoing;
	bgp_fsm_init(&conn->fsm, &conn_ops, conn, passive);
	if (timer_init(&conn->connect_retry, loop, conn_timer_connect_retry, conn) != 0 ||
	    timer_init(&conn->hold, loop, conn_timer_hold, conn) != 0 ||
	    timer_init(&conn->keepalive, loop, conn_timer_keepalive, conn) != 0) {
		timer_fini(&conn->connect_retry);
		timer_fini(&conn->hold);
		timer_fini(&conn->keepalive);
		free(conn);
		return NULL;
	}
	return conn;
}

static void conn_close_socket(struct bgp_conn *conn)
{
	if (conn->bev != NULL) {
		/* Whatever is queued (a NOTIFICATION) goes out before the close:
		 * the kernel keeps sending after close() on a TCP socket. */
		struct evbuffer *out = bufferevent_get_output(conn->bev);
		evutil_socket_t fd = bufferevent_getfd(conn->bev);
		if (fd >= 0 && evbuffer_get_length(out) > 0) {
			/* A socket bufferevent keeps the front of its output
			 * frozen for itself; thaw it to flush by hand. */
			evbuffer_unfreeze(out, 1);
			evbuffer_write(out, fd);
		}
		bufferevent_free(conn->bev);
		conn->bev = NULL;
	}
	conn->open_received = false;
	conn->notified = false;
}

static void conn_free(struct bgp_conn *conn)
{
	if (conn == NULL)
		return;
	conn_close_socket(conn);
	timer_fini(&conn->connect_retry);
	timer_fini(&conn->hold);
	timer_fini(&conn->keepalive);
	free(conn);
}

void bgp_conn_send(struct bgp_conn *conn, struct builder *b, uint8_t type)
{
	if (conn->bev == NULL || !builder_ok(b))
		return;
	if (evbuffer_add(bufferevent_get_output(conn->bev), builder_data(b), builder_len(b)) == 0 && type <= 5)
		conn->peer->stats.msgs_out[type]++;
}

static void conn_send_simple(struct bgp_conn *conn, int (*build)(struct builder *), uint8_t type)
{
	uint8_t buf[BGP_HEADER_LEN];
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	build(&b);
	bgp_conn_send(conn, &b, type);
}

/* ---- reading messages ------------------------------------------------------- */

static void record_received_notification(struct bgp_peer *peer, const struct bgp_error *e)
{
	char name[BGP_ERROR_NAME_MAX], text[BGP_SHUTDOWN_TEXT_SIZE];

	peer->last_notification_received = *e;
	peer->has_received_notification = true;
	if (peer->conn != NULL)
		peer->conn->notified = true;
	bgp_error_format(e, name, sizeof(name));
	if (bgp_error_shutdown_text(e, text, sizeof(text)) == BGP_SHUTDOWN_TEXT_OK)
		log_notice(LOG_TAG, "%s: NOTIFICATION received: %s \"%s\"", peer->name, name, text);
	else
		log_notice(LOG_TAG, "%s: NOTIFICATION received: %s", peer->name, name);
	snprintf(peer->last_reset, sizeof(peer->last_reset), "NOTIFICATION received (%s)", name);
}

/* RFC 4271 section 6.2 checks that need the configuration, then the hold
 * time negotiation. Returns 0, or -1 with the NOTIFICATION in *err. */
static int check_open(struct bgp_conn *conn, const struct bgp_open *open, struct bgp_error *err)
{
	struct bgp_peer *peer = conn->peer;
	uint32_t peer_as = bgp_open_peer_as(open);
	uint32_t our_as = peer->bgp->asn;
	bool as_ok;

	switch (peer->cfg.remote_as_kind) {
	case REMOTE_AS_INTERNAL:
		as_ok = peer_as == our_as;
		break;
	case REMOTE_AS_EXTERNAL:
		as_ok = peer_as != our_as;
		break;
	default:
		as_ok = peer_as == peer->cfg.remote_as;
		break;
	}
	if (!as_ok) {
		/* RFC 4271 section 6.2 defines no data for Bad Peer AS. */
		bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, NULL, 0);
		log_warn(LOG_TAG, "%s: OPEN from AS %u, configured remote-as does not match", peer->name, peer_as);
		return -1;
	}
	/* RFC 6286 section 2.2: the identifier must differ from ours within an
	 * AS; across ASes it may be equal, but then loop detection of the
	 * ORIGINATOR_ID kind breaks, so refuse it as FRR does. */
	if (open->bgp_id == peer->bgp->router_id) {
		bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_BGP_ID, NULL, 0);
		log_warn(LOG_TAG, "%s: OPEN carries our own router-id", peer->name);
		return -1;
	}
	return 0;
}

/* RFC 4271 section 6.8: with two connections to one peer, the one opened by
 * the speaker with the higher BGP Identifier survives. */
static void resolve_collision(struct bgp_peer *peer)
{
	struct bgp_conn *existing = peer->conn, *incoming = peer->candidate;
	uint32_t remote_id = incoming->open_received ? incoming->their_open.bgp_id : existing->their_open.bgp_id;
	bool keep_local_initiated = peer->bgp->router_id > remote_id;
	struct bgp_conn *loser = (existing->outgoing == keep_local_initiated) ? incoming : existing;

	log_info(LOG_TAG, "%s: connection collision, closing the connection %s opened", peer->name,
		 loser->outgoing ? "we" : "the peer");
	if (loser == existing) {
		peer->conn = incoming;
		peer->candidate = existing;
	}
	bgp_fsm_event(&loser->fsm, BGP_EV_COLLISION_DUMP);
	conn_free(peer->candidate);
	peer->candidate = NULL;
}

static void handle_open(struct bgp_conn *conn, const uint8_t *msg, size_t len)
{
	struct bgp_peer *peer = conn->peer;
	struct bgp_open open;

	if (bgp_open_parse(msg, len, &open, &conn->fsm.pending_error) != 0 ||
	    check_open(conn, &open, &conn->fsm.pending_error) != 0) {
		bgp_fsm_event(&conn->fsm, BGP_EV_OPEN_ERR);
		return;
	}
	conn->their_open = open;
	conn->open_received = true;
	bgp_negotiate(&peer->our_open, &open, &conn->neg);
	/* A configured hold time of ours may be shorter still; the keepalive
	 * interval follows the negotiated hold time unless set lower. */
	uint16_t keepalive = peer->cfg.timers_set ? peer->cfg.keepalive : peer->bgp->keepalive;
	if (keepalive > 0 && keepalive < conn->neg.keepalive_time)
		conn->neg.keepalive_time = keepalive;
	if (peer->conn != NULL && peer->candidate != NULL) {
		bgp_fsm_event(&conn->fsm, BGP_EV_OPEN);
		resolve_collision(peer);
		return;
	}
	bgp_fsm_event(&conn->fsm, BGP_EV_OPEN);
}

static void handle_message(struct bgp_conn *conn, const struct bgp_header *hdr, const uint8_t *msg)
{
	struct bgp_peer *peer = conn->peer;
	struct bgp_error err;

	if (hdr->type <= 5)
		peer->stats.msgs_in[hdr->type]++;
	switch (hdr->type) {
	case BGP_MSG_OPEN:
		handle_open(conn, msg, hdr->length);
		break;
	case BGP_MSG_KEEPALIVE:
		bgp_fsm_event(&conn->fsm, BGP_EV_KEEPALIVE);
		break;
	case BGP_MSG_NOTIFICATION:
		if (bgp_notification_parse(msg, hdr->length, &err) == 0)
			record_received_notification(peer, &err);
		/* RFC 4271 section 6.2: a version error asks for a retry
		 * with another version; we have none. */
		bgp_fsm_event(&conn->fsm, err.code == BGP_ERR_OPEN && err.subcode == BGP_OPEN_UNSUPPORTED_VERSION
					  ? BGP_EV_NOTIF_VERSION_ERR : BGP_EV_NOTIFICATION);
		break;
	case BGP_MSG_UPDATE:
		peer->stats.updates_in++;
		conn->msg = msg;
		conn->msg_len = hdr->length;
		bgp_fsm_event(&conn->fsm, BGP_EV_UPDATE);
		conn->msg = NULL;
		break;
	case BGP_MSG_ROUTE_REFRESH:
		conn->msg = msg;
		conn->msg_len = hdr->length;
		bgp_fsm_event(&conn->fsm, BGP_EV_ROUTE_REFRESH);
		conn->msg = NULL;
		break;
	}
}

static void conn_on_read(struct bufferevent *bev, void *arg)
{
	struct bgp_conn *conn = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	/* The connection may be closed by the message it reads: stop then. */
	while (conn->bev == bev) {
		size_t avail = evbuffer_get_length(in), need = BGP_HEADER_LEN;
		struct bgp_header hdr;
		const struct bgp_negotiated *neg = conn->open_received ? &conn->neg : NULL;
		if (avail < BGP_HEADER_LEN)
			return;
		const uint8_t *p = evbuffer_pullup(in, BGP_HEADER_LEN);
		enum bgp_split r = bgp_msg_split(p, BGP_HEADER_LEN, neg, &hdr, &need, &conn->fsm.pending_error);
		if (r == BGP_SPLIT_MORE && avail >= need) {
			p = evbuffer_pullup(in, (ssize_t)need);
			r = bgp_msg_split(p, need, neg, &hdr, &need, &conn->fsm.pending_error);
		}
		if (r == BGP_SPLIT_MORE)
			return;
		if (r == BGP_SPLIT_ERROR) {
			bgp_fsm_event(&conn->fsm, BGP_EV_HEADER_ERR);
			return;
		}
		handle_message(conn, &hdr, p);
		if (conn->bev == bev)
			evbuffer_drain(in, need);
	}
}

static void conn_on_event(struct bufferevent *bev, short what, void *arg)
{
	struct bgp_conn *conn = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		evutil_socket_t fd = bufferevent_getfd(bev);
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		bgp_fsm_event(&conn->fsm, BGP_EV_TCP_CR_ACKED);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		if (conn->fsm.state >= BGP_STATE_OPENSENT)
			snprintf(conn->peer->last_reset, sizeof(conn->peer->last_reset), "%s",
				 (what & BEV_EVENT_EOF) ? "Peer closed the session" : "TCP connection error");
		bgp_fsm_event(&conn->fsm, BGP_EV_TCP_FAILS);
	}
}

static void conn_attach(struct bgp_conn *conn, struct bufferevent *bev)
{
	conn->bev = bev;
	/* Never buffer more than one maximal message before handling it. */
	bufferevent_setwatermark(bev, EV_READ, 0, BGP_EXTENDED_MAX_LEN * 2);
	bufferevent_setcb(bev, conn_on_read, NULL, conn_on_event, conn);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

/* ---- what the state machine asks of a connection ---------------------------- */

/* Fill in the session's missing family from the interface that carries it:
 * IPv6 routes sent over an IPv4 session and IPv4 routes sent over an IPv6
 * one need a next hop of their own family (RFC 4760 section 3; RFC 2545
 * section 3 wants a global IPv6 address). An IPv4-mapped IPv6 address is
 * what we fall back to, and BIRD refuses it as an IPv4 next hop for IPv6
 * NLRI, so the interface's own address is what FRR and BIRD use too. */
static void conn_other_family_address(struct bgp_conn *conn)
{
	struct ifaddrs *ifs = NULL;
	const char *ifname = NULL;

	if (conn->has_local4 == conn->has_local6 || getifaddrs(&ifs) != 0)
		return;
	for (const struct ifaddrs *i = ifs; i != NULL && ifname == NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (conn->has_local4 && i->ifa_addr->sa_family == AF_INET &&
		    memcmp(&((const struct sockaddr_in *)i->ifa_addr)->sin_addr, conn->local4, 4) == 0)
			ifname = i->ifa_name;
		if (conn->has_local6 && i->ifa_addr->sa_family == AF_INET6 &&
		    memcmp(&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, conn->local6, 16) == 0)
			ifname = i->ifa_name;
	}
	for (const struct ifaddrs *i = ifs; i != NULL && ifname != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || strcmp(i->ifa_name, ifname) != 0)
			continue;
		if (!conn->has_local4 && i->ifa_addr->sa_family == AF_INET) {
			memcpy(conn->local4, &((const struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			conn->has_local4 = true;
			break;
		}
		const struct in6_addr *a6 = &((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (!conn->has_local6 && i->ifa_addr->sa_family == AF_INET6 && !IN6_IS_ADDR_LINKLOCAL(a6) &&
		    !IN6_IS_ADDR_V4MAPPED(a6) && !IN6_IS_ADDR_LOOPBACK(a6)) {
			memcpy(conn->local6, a6, 16);
			conn->has_local6 = true;
			break;
		}
	}
	freeifaddrs(ifs);
}

static socklen_t peer_sockaddr(const struct bgp_peer *peer, struct sockaddr_storage *ss, uint16_t port)
{
	memset(ss, 0, sizeof(*ss));
	if (peer->cfg.addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, peer->cfg.addr.addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(&sin6->sin6_addr, peer->cfg.addr.addr, 16);
	return sizeof(*sin6);
}

/* TCP-MD5 (RFC 2385) key for the peer's address on socket fd; an empty
 * password removes it. */
static int set_md5(int fd, const struct bgp_peer *peer, const char *password)
{
	struct tcp_md5sig sig;
	struct sockaddr_storage ss;
	int domain = 0;
	socklen_t dl = sizeof(domain);

	memset(&sig, 0, sizeof(sig));
	getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &dl);
	if (peer->cfg.addr.family == AF_INET && domain == AF_INET6) {
		/* The listening socket is IPv6 dual-stack: IPv4 peers appear
		 * there as mapped addresses. */
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&sig.tcpm_addr;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_addr.s6_addr[10] = sin6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6->sin6_addr.s6_addr[12], peer->cfg.addr.addr, 4);
	} else {
		peer_sockaddr(peer, &ss, 0);
		memcpy(&sig.tcpm_addr, &ss, sizeof(ss));
	}
	sig.tcpm_keylen = (uint16_t)strlen(password);
	memcpy(sig.tcpm_key, password, sig.tcpm_keylen);
	return setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig));
}

static void set_listener_md5(struct bgp_peer *peer)
{
	struct bgp_instance *bgp = peer->bgp;

	if (bgp->listener == NULL || (peer->cfg.password[0] == '\0' && !peer->md5_on_listener))
		return;
	int fd = evconnlistener_get_fd(bgp->listener);
	if (set_md5(fd, peer, peer->cfg.password) != 0)
		log_err(LOG_TAG, "%s: cannot set the TCP-MD5 password (RFC 2385): %s%s", peer->name, strerror(errno),
			errno == ENOPROTOOPT || errno == ENOENT ? " (the kernel lacks TCP_MD5SIG)" : "");
	peer->md5_on_listener = peer->cfg.password[0] != '\0';
}

/* TTL handling: RFC 5082 (ttl-security) sends with 255 and accepts only
 * packets that crossed at most N hops; plain eBGP sends with TTL 1 unless
 * ebgp-multihop says more, as deployed speakers do; iBGP keeps the system
 * default. */
static void set_ttl(int fd, const struct bgp_peer *peer)
{
	bool v6 = peer->cfg.addr.family == AF_INET6;
	int ttl = -1, minttl = 0;

	if (peer->cfg.ttl_security_hops > 0) {
		ttl = 255;
		minttl = 256 - peer->cfg.ttl_security_hops;
	} else if (bgp_peer_is_ebgp(peer)) {
		ttl = peer->cfg.ebgp_multihop ? peer->cfg.ebgp_multihop : 1;
	}
	if (ttl > 0 && setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_UNICAST_HOPS : IP_TTL, &ttl,
				  sizeof(ttl)) != 0)
		log_warn(LOG_TAG, "%s: cannot set TTL %d: %s", peer->name, ttl, strerror(errno));
	if (minttl > 0 && setsockopt(fd, v6 ? IPPROTO_IPV6 : IPPROTO_IP, v6 ? IPV6_MINHOPCOUNT : IP_MINTTL, &minttl,
				     sizeof(minttl)) != 0)
		log_warn(LOG_TAG, "%s: cannot enforce ttl-security: %s", peer->name, strerror(errno));
}

/* update-source: the local address (or device) the session leaves from. */
static int bind_update_source(int fd, const struct bgp_peer *peer)
{
	if (peer->cfg.update_source == UPDATE_SOURCE_INTERFACE)
		return setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, peer->cfg.update_source_ifname,
				  (socklen_t)strlen(peer->cfg.update_source_ifname));
	if (peer->cfg.update_source != UPDATE_SOURCE_ADDRESS)
		return 0;
	struct sockaddr_storage ss;
	struct bgp_peer local = {.cfg = {.addr = peer->cfg.update_source_addr}};
	socklen_t len = peer_sockaddr(&local, &ss, 0);
	return bind(fd, (struct sockaddr *)&ss, len);
}

/* Is addr inside a subnet of one of our interfaces? */
static bool on_connected_network(const struct prefix *addr)
{
	struct ifaddrs *ifs = NULL;
	bool found = false;
	size_t len = addr->family == AF_INET6 ? 16 : 4;

	if (getifaddrs(&ifs) != 0)
		return true; /* cannot tell: do not hold the session back */
	for (const struct ifaddrs *i = ifs; i != NULL && !found; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_netmask == NULL || i->ifa_addr->sa_family != addr->family)
			continue;
		const uint8_t *a, *m;
		if (addr->family == AF_INET) {
			a = (const uint8_t *)&((const struct sockaddr_in *)i->ifa_addr)->sin_addr;
			m = (const uint8_t *)&((const struct sockaddr_in *)i->ifa_netmask)->sin_addr;
		} else {
			a = ((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr.s6_addr;
			m = ((const struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr.s6_addr;
		}
		bool same = true;
		for (size_t k = 0; k < len && same; k++)
			same = (a[k] & m[k]) == (addr->addr[k] & m[k]);
		found = same;
	}
	freeifaddrs(ifs);
	return found;
}

/* A single-hop eBGP peer (TTL 1) must be on one of our networks, else its
 * packets could never reach us; as FRR, we do not try (and say why) unless
 * `disable-connected-check`, `ebgp-multihop` or `ttl-security` says the
 * peer is further away. */
static bool connected_check_fails(struct bgp_peer *peer)
{
	if (!bgp_peer_is_ebgp(peer) || peer->cfg.disable_connected_check || peer->cfg.ebgp_multihop ||
	    peer->cfg.ttl_security_hops || on_connected_network(&peer->cfg.addr)) {
		if (strncmp(peer->last_reset, "No path", 7) == 0)
			peer->last_reset[0] = '\0'; /* the reason is gone */
		return false;
	}
	snprintf(peer->last_reset, sizeof(peer->last_reset), "%s",
		 "No path to specified Neighbor: not on a connected network (ebgp-multihop or disable-connected-check)");
	log_warn(LOG_TAG, "%s: not on a connected network; not connecting (configure ebgp-multihop or "
		 "disable-connected-check if it is further away)", peer->name);
	return true;
}

static int op_connect(void *ctx)
{
	struct bgp_conn *conn = ctx;
	struct bgp_peer *peer = conn->peer;
	struct sockaddr_storage ss;
	socklen_t sslen = peer_sockaddr(peer, &ss, peer->bgp->port);

	conn_close_socket(conn);
	conn->outgoing = true;
	if (connected_check_fails(peer))
		return -1;
	/* Our own socket, so options that must precede connect() (MD5, TTL,
	 * source) are in place for the SYN. */
	int fd = socket(peer->cfg.addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (peer->cfg.password[0] != '\0' && set_md5(fd, peer, peer->cfg.password) != 0)
		log_err(LOG_TAG, "%s: cannot set the TCP-MD5 password: %s", peer->name, strerror(errno));
	set_ttl(fd, peer);
	if (bind_update_source(fd, peer) != 0) {
		log_warn(LOG_TAG, "%s: update-source not usable: %s", peer->name, strerror(errno));
		close(fd);
		return -1;
	}
	struct bufferevent *bev = bufferevent_socket_new(peer->bgp->loop->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return -1;
	}
	conn_attach(conn, bev);
	if (bufferevent_socket_connect(bev, (struct sockaddr *)&ss, (int)sslen) != 0) {
		log_debug(LOG_TAG, "%s: connect failed at once: %s", peer->name, strerror(errno));
		conn_close_socket(conn);
		return -1;
	}
	log_debug(LOG_TAG, "%s: connecting", peer->name);
	return 0;
}

static void op_disconnect(void *ctx)
{
	conn_close_socket(ctx);
}

static void op_send_open(void *ctx)
{
	struct bgp_conn *conn = ctx;
	uint8_t buf[BGP_MAX_LEN];
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_open_build(&b, &conn->peer->our_open);
	bgp_conn_send(conn, &b, BGP_MSG_OPEN);
}

static void op_send_keepalive(void *ctx)
{
	conn_send_simple(ctx, bgp_keepalive_build, BGP_MSG_KEEPALIVE);
}

static void op_send_notification(void *ctx, const struct bgp_error *err)
{
	struct bgp_conn *conn = ctx;
	uint8_t buf[BGP_MAX_LEN];
	struct builder b;
	char name[BGP_ERROR_NAME_MAX];

	if (conn->bev == NULL)
		return;
	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_notification_build(&b, err);
	bgp_conn_send(conn, &b, BGP_MSG_NOTIFICATION);
	conn->peer->last_notification_sent = *err;
	conn->peer->has_sent_notification = true;
	conn->notified = true;
	bgp_error_format(err, name, sizeof(name));
	log_notice(LOG_TAG, "%s: NOTIFICATION sent: %s", conn->peer->name, name);
	snprintf(conn->peer->last_reset, sizeof(conn->peer->last_reset), "NOTIFICATION sent (%s)", name);
}

static uint32_t connect_retry_ms(const struct bgp_peer *peer)
{
	return (peer->cfg.connect_retry ? peer->cfg.connect_retry : BGP_DEFAULT_CONNECT_RETRY) * 1000u;
}

static void op_start_connect_retry(void *ctx)
{
	struct bgp_conn *conn = ctx;
	/* RFC 4271 section 10: jittered to 75-100%. */
	timer_start_jitter(&conn->connect_retry, connect_retry_ms(conn->peer), 25);
}

static void op_stop_connect_retry(void *ctx)
{
	struct bgp_conn *conn = ctx;
	timer_stop(&conn->connect_retry);
}

static void op_start_hold(void *ctx, bool large)
{
	struct bgp_conn *conn = ctx;

	if (large) {
		timer_start(&conn->hold, BGP_OPEN_HOLD_LARGE * 1000u);
		return;
	}
	/* A negotiated hold time of zero means no keepalives and no hold
	 * timer (RFC 4271 section 4.2). */
	if (conn->neg.hold_time == 0)
		timer_stop(&conn->hold);
	else
		timer_start(&conn->hold, conn->neg.hold_time * 1000u);
}

static void op_stop_hold(void *ctx)
{
	struct bgp_conn *conn = ctx;
	timer_stop(&conn->hold);
}

static void op_start_keepalive(void *ctx)
{
	struct bgp_conn *conn = ctx;

	if (conn->neg.keepalive_time == 0)
		timer_stop(&conn->keepalive);
	else
		timer_start_jitter(&conn->keepalive, conn->neg.keepalive_time * 1000u, 25);
}

static void op_stop_keepalive(void *ctx)
{
	struct bgp_conn *conn = ctx;
	timer_stop(&conn->keepalive);
}

static void build_our_open(struct bgp_peer *peer);

/* RFC 4724 section 4.1: selection waits for End-of-RIB from every peer
 * that is configured and not shut down, each for every family its session
 * carries; the deferral timer bounds the wait for the others. */
static bool gr_all_eor(const struct bgp_instance *bgp)
{
	for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
		if (p->cfg.shutdown)
			continue;
		if (!bgp_peer_established(p))
			return false;
		for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
			enum bgp_afsafi f = afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST;
			if ((p->conn->neg.afsafi & BGP_AFSAFI_BIT(f)) && !(p->eor_afis & (1u << afi)))
				return false;
		}
	}
	return true;
}

static void gr_end_deferral(struct bgp_instance *bgp, const char *why)
{
	if (!bgp->gr_restarting)
		return;
	bgp->gr_restarting = false;
	timer_stop(&bgp->gr_deferral);
	log_notice(LOG_TAG, "graceful restart: route selection done (%s); sending our routes", why);
	for (struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
		build_our_open(p); /* later sessions: no Restart State bit */
		if (bgp_peer_established(p))
			bgp_output_established(p);
	}
}

static void gr_deferral_expired(void *arg)
{
	gr_end_deferral(arg, "deferral time is up");
}

static void gr_check_deferral(struct bgp_instance *bgp)
{
	if (bgp->gr_restarting && gr_all_eor(bgp))
		gr_end_deferral(bgp, "End-of-RIB from every peer");
}

void bgp_peer_eor_received(struct bgp_peer *peer, unsigned afis)
{
	peer->eor_afis |= afis;
	gr_check_deferral(peer->bgp);
}

static void op_established(void *ctx)
{
	struct bgp_conn *conn = ctx;
	struct bgp_peer *peer = conn->peer;

	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	conn->has_local4 = conn->has_local6 = false;
	if (conn->bev != NULL && getsockname(bufferevent_getfd(conn->bev), (struct sockaddr *)&ss, &sslen) == 0) {
		if (ss.ss_family == AF_INET) {
			memcpy(conn->local4, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			conn->has_local4 = true;
		} else if (ss.ss_family == AF_INET6) {
			const uint8_t *a6 = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
			if (IN6_IS_ADDR_V4MAPPED((const struct in6_addr *)a6)) {
				memcpy(conn->local4, a6 + 12, 4);
				conn->has_local4 = true;
			} else {
				memcpy(conn->local6, a6, 16);
				conn->has_local6 = true;
			}
		}
	}
	conn_other_family_address(conn);
	bgp_domain_session_check(peer);
	peer->stats.established++;
	peer->up_since = bgp_now();
	peer->eor_afis = 0;
	if (peer->gr_retaining) {
		/* Back: its stale routes go unless refreshed before End-of-RIB
		 * or our stalepath-time (RFC 4724 section 4.2). */
		timer_stop(&peer->gr_restart);
		timer_start(&peer->gr_stale, peer->bgp->gr_stalepath_time * 1000u);
		/* A family whose F bit is clear in the new OPEN (or with no
		 * capability at all) lost its forwarding state: its stale
		 * routes go now (RFC 4724 section 4.2). */
		const struct bgp_cap_gr *gr = &conn->neg.peer_gr;
		unsigned kept = 0;
		if (conn->neg.graceful_restart && gr->present) {
			if (gr->forwarding & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST))
				kept |= 1u << BGP_AFI_IPV4;
			if (gr->forwarding & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST))
				kept |= 1u << BGP_AFI_IPV6;
		}
		if (peer->gr_afis & ~kept)
			bgp_peer_gr_done(peer, peer->gr_afis & ~kept);
	}
	peer->idle_hold_s = BGP_IDLE_HOLD_MIN;
	log_msg(change_level(peer), LOG_TAG, "%s: session Established, AS %u, hold time %u s", peer->name,
		conn->neg.peer_as, conn->neg.hold_time);
	bgp_output_established(peer);
	gr_check_deferral(peer->bgp);
}

static void schedule_restart(struct bgp_peer *peer)
{
	if (peer->cfg.shutdown || peer->held_down)
		return;
	timer_start(&peer->idle_hold, peer->idle_hold_s * 1000u);
	/* Each failure in a row doubles the wait, so a peer that keeps
	 * refusing us is not hammered (RFC 4271 section 8.1.1's damping). */
	peer->idle_hold_s = peer->idle_hold_s * 2 > BGP_IDLE_HOLD_MAX ? BGP_IDLE_HOLD_MAX : peer->idle_hold_s * 2;
}

/* RFC 4724 section 4.2: when both sides advertised graceful restart and
 * the session ended without a NOTIFICATION (a NOTIFICATION ends it for
 * good, RFC 8538's N bit aside, which we do not set), keep every family
 * the peer listed in its capability; whether it really kept forwarding
 * (the F bit) is read from its next OPEN. Bit per enum bgp_afi. */
static unsigned gr_families_to_keep(const struct bgp_conn *conn)
{
	const struct bgp_cap_gr *gr = &conn->neg.peer_gr;
	unsigned keep = 0;

	if (!conn->neg.graceful_restart || !gr->present || conn->notified || gr->restart_time == 0)
		return 0;
	if (gr->afsafi & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST))
		keep |= 1u << BGP_AFI_IPV4;
	if (gr->afsafi & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST))
		keep |= 1u << BGP_AFI_IPV6;
	return keep;
}

void bgp_peer_gr_done(struct bgp_peer *peer, unsigned afis)
{
	if (!peer->gr_retaining)
		return;
	size_t purged = bgp_rib_peer_purge_stale(peer->bgp->rib, peer, afis & peer->gr_afis);
	peer->gr_afis &= ~afis;
	if (purged > 0)
		log_info(LOG_TAG, "%s: graceful restart: %zu stale routes removed", peer->name, purged);
	if (peer->gr_afis == 0) {
		peer->gr_retaining = false;
		timer_stop(&peer->gr_restart);
		timer_stop(&peer->gr_stale);
	}
}

static void gr_timer_expired(void *arg)
{
	struct bgp_peer *peer = arg;

	log_info(LOG_TAG, "%s: graceful restart time is up", peer->name);
	bgp_peer_gr_done(peer, peer->gr_afis);
}

static void op_down(void *ctx, const char *reason)
{
	struct bgp_conn *conn = ctx;
	struct bgp_peer *peer = conn->peer;

	/* A losing collision candidate goes quietly: the peer's session is
	 * the other connection. */
	if (conn != peer->conn)
		return;
	if (peer->up_since != 0) {
		peer->stats.dropped++;
		peer->err_afis = 0;
		timer_stop(&peer->err_stale);
		log_msg(change_level(peer), LOG_TAG, "%s: session down: %s", peer->name, reason);
		unsigned keep = gr_families_to_keep(conn);
		if (keep != 0) {
			log_msg(change_level(peer), LOG_TAG, "%s: graceful restart: keeping its routes for %u s",
				peer->name, conn->neg.peer_gr.restart_time);
			bgp_rib_peer_mark_stale(peer->bgp->rib, peer, keep);
			bgp_adj_in_session_down(peer);
			bgp_output_peer_down(peer);
			peer->gr_retaining = true;
			peer->gr_afis = keep;
			timer_stop(&peer->gr_stale);
			timer_start(&peer->gr_restart, conn->neg.peer_gr.restart_time * 1000u);
		} else {
			bgp_input_peer_down(peer);
		}
		peer->up_since = 0;
	}
	peer->down_since = bgp_now();
	if (peer->last_reset[0] == '\0' || strcmp(reason, "Admin. shutdown") == 0)
		snprintf(peer->last_reset, sizeof(peer->last_reset), "%s", reason);
	schedule_restart(peer);
}

static void op_process_update(void *ctx)
{
	struct bgp_conn *conn = ctx;

	if (bgp_input_update(conn) != 0)
		bgp_fsm_event(&conn->fsm, BGP_EV_UPDATE_ERR);
}

static bool family_carried(const struct bgp_conn *conn, enum bgp_afi afi)
{
	enum bgp_afsafi f = afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST;
	return (conn->neg.afsafi & BGP_AFSAFI_BIT(f)) != 0;
}

static const char *afi_text(enum bgp_afi afi)
{
	return afi == BGP_AFI_IPV6 ? "IPv6 unicast" : "IPv4 unicast";
}

static void send_refresh(struct bgp_conn *conn, enum bgp_afi afi, uint8_t subtype)
{
	uint8_t buf[BGP_ROUTE_REFRESH_LEN];
	struct bgp_refresh rr = {.subtype = subtype, .safi = BGP_SAFI_UNICAST,
				 .afi = afi == BGP_AFI_IPV6 ? BGP_AFI_IPV6_WIRE : BGP_AFI_IPV4_WIRE};
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_refresh_build(&b, &rr);
	bgp_conn_send(conn, &b, BGP_MSG_ROUTE_REFRESH);
}

void bgp_peer_request_refresh(struct bgp_peer *peer, enum bgp_afi afi)
{
	if (!bgp_peer_established(peer) || !family_carried(peer->conn, afi))
		return;
	if (!peer->conn->neg.route_refresh) {
		log_notice(LOG_TAG, "%s: inbound policy changed, but the peer cannot refresh (RFC 2918): "
			   "`clear bgp %s` applies it to the routes it sent", peer->name, peer->name);
		return;
	}
	log_info(LOG_TAG, "%s: inbound policy changed: asking for %s again", peer->name, afi_text(afi));
	send_refresh(peer->conn, afi, BGP_REFRESH_NORMAL);
}

/* Send the family's routes again. With enhanced route refresh they go
 * between a BoRR and an EoRR, so the peer can drop what we no longer
 * send without withdrawals (RFC 7313 section 4). */
static void peer_resend_family(struct bgp_peer *peer, enum bgp_afi afi)
{
	bool enhanced = peer->conn->neg.enhanced_refresh;

	if (!family_carried(peer->conn, afi))
		return;
	if (enhanced)
		send_refresh(peer->conn, afi, BGP_REFRESH_BORR);
	bgp_output_resend(peer, afi);
	if (enhanced)
		send_refresh(peer->conn, afi, BGP_REFRESH_EORR);
}

static void err_purge(struct bgp_peer *peer, unsigned afis, const char *why)
{
	size_t purged = bgp_rib_peer_purge_stale(peer->bgp->rib, peer, afis & peer->err_afis);

	peer->err_afis &= ~afis;
	if (peer->err_afis == 0)
		timer_stop(&peer->err_stale);
	log_info(LOG_TAG, "%s: enhanced route refresh %s: %zu stale routes removed", peer->name, why, purged);
	if (purged > 0)
		bgp_output_schedule(peer->bgp);
}

static void err_stale_expired(void *arg)
{
	struct bgp_peer *peer = arg;

	/* RFC 7313 section 4 lets the receiver bound how long stale routes
	 * wait for an EoRR that never comes: our stalepath-time. */
	err_purge(peer, peer->err_afis, "timed out");
}

static void op_process_refresh(void *ctx)
{
	struct bgp_conn *conn = ctx;
	struct bgp_peer *peer = conn->peer;
	struct bgp_refresh rr;
	struct bgp_error err;
	enum bgp_afi afi;

	enum bgp_refresh_parse r = bgp_refresh_parse(conn->msg, conn->msg_len, &conn->neg, &rr, &err);
	if (r == BGP_REFRESH_PARSE_ERROR) {
		conn->fsm.pending_error = err;
		bgp_fsm_event(&conn->fsm, BGP_EV_UPDATE_ERR);
		return;
	}
	/* RFC 2918 section 4 and RFC 7313 section 5: a family the session
	 * does not carry, or an unknown subtype, is ignored. */
	bool known = rr.safi == BGP_SAFI_UNICAST && (rr.afi == BGP_AFI_IPV4_WIRE || rr.afi == BGP_AFI_IPV6_WIRE);
	afi = rr.afi == BGP_AFI_IPV6_WIRE ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	if (r != BGP_REFRESH_PARSE_OK || !known || !family_carried(conn, afi)) {
		log_info(LOG_TAG, "%s: ROUTE-REFRESH for AFI %u SAFI %u subtype %u ignored", peer->name, rr.afi,
			 rr.safi, rr.subtype);
		return;
	}
	switch (rr.subtype) {
	case BGP_REFRESH_NORMAL:
		log_info(LOG_TAG, "%s: route refresh requested for %s", peer->name, afi_text(afi));
		peer_resend_family(peer, afi);
		break;
	case BGP_REFRESH_BORR:
		/* RFC 7313 section 4: what the peer does not announce again
		 * before its EoRR is gone. */
		bgp_rib_peer_mark_stale_afis(peer->bgp->rib, peer, 1u << afi);
		peer->err_afis |= 1u << afi;
		timer_start(&peer->err_stale, peer->bgp->gr_stalepath_time * 1000u);
		log_info(LOG_TAG, "%s: BoRR for %s: its routes are stale until the EoRR", peer->name,
			 afi_text(afi));
		break;
	case BGP_REFRESH_EORR:
		if (peer->err_afis & (1u << afi))
			err_purge(peer, 1u << afi, "done");
		break;
	}
}

static const struct bgp_fsm_ops conn_ops = {
	.connect = op_connect,
	.disconnect = op_disconnect,
	.send_open = op_send_open,
	.send_keepalive = op_send_keepalive,
	.send_notification = op_send_notification,
	.start_connect_retry = op_start_connect_retry,
	.stop_connect_retry = op_stop_connect_retry,
	.start_hold = op_start_hold,
	.stop_hold = op_stop_hold,
	.start_keepalive = op_start_keepalive,
	.stop_keepalive = op_stop_keepalive,
	.established = op_established,
	.down = op_down,
	.process_update = op_process_update,
	.process_refresh = op_process_refresh,
};

/* ---- peers -------------------------------------------------------------------- */

/* Our OPEN for this peer: families it is active in, route refresh, AS4, our
 * hostname (FRR shows it), hold time as configured. */
static void build_our_open(struct bgp_peer *peer)
{
	uint16_t hold = peer->cfg.timers_set ? peer->cfg.holdtime : peer->bgp->holdtime;
	struct bgp_open *o = &peer->our_open;

	/* `local-as`: this peer sees us as another AS (an AS migration). */
	bgp_open_init(o, peer->cfg.local_as ? peer->cfg.local_as : peer->bgp->asn, hold, peer->bgp->router_id);
	o->caps.mp_present = true;
	if (peer->cfg.active[BGP_AFI_IPV4])
		o->caps.mp_afsafi |= BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST);
	if (peer->cfg.active[BGP_AFI_IPV6])
		o->caps.mp_afsafi |= BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST);
	o->caps.route_refresh = true;
	o->caps.enhanced_route_refresh = true; /* RFC 7313 */
	o->caps.extended_message = true;       /* RFC 8654 */
	o->caps.fqdn = true;
	/* RFC 4724 section 3: the capability is always sent. Without `bgp
	 * graceful-restart` it lists no families: we are a receiving
	 * speaker (a helper) only, FRR's default. Sending it matters beyond
	 * restarts: FRR sends End-of-RIB only to peers that advertise it,
	 * and with enhanced route refresh it answers a ROUTE-REFRESH only
	 * after its End-of-RIB. With `bgp graceful-restart` we list our
	 * families with forwarding kept (the FIB keeps our routes across a
	 * restart of routed until they are relearned or swept). */
	o->caps.gr.present = true;
	o->caps.gr.restart_time = peer->bgp->gr_restart_time;
	if (peer->bgp->graceful_restart) {
		o->caps.gr.afsafi = o->caps.mp_afsafi;
		o->caps.gr.forwarding = o->caps.mp_afsafi;
		o->caps.gr.restart = peer->bgp->gr_restarting;
	}
	snprintf(o->caps.hostname, sizeof(o->caps.hostname), "%s", peer->bgp->hostname);
}

static void peer_idle_hold_expired(void *arg)
{
	struct bgp_peer *peer = arg;

	if (peer->conn != NULL && peer->conn->fsm.state == BGP_STATE_IDLE && !peer->cfg.shutdown) {
		build_our_open(peer);
		bgp_fsm_event(&peer->conn->fsm, BGP_EV_AUTOMATIC_START);
	}
}

static void peer_start(struct bgp_peer *peer)
{
	if (peer->cfg.shutdown || peer->bgp->router_id == 0)
		return;
	if (peer->conn == NULL) {
		peer->conn = conn_new(peer, true, peer->cfg.passive);
		if (peer->conn == NULL) {
			log_err(LOG_TAG, "%s: out of memory", peer->name);
			return;
		}
	}
	build_our_open(peer);
	peer->idle_hold_s = BGP_IDLE_HOLD_MIN;
	peer->conn->fsm.passive = peer->cfg.passive;
	set_listener_md5(peer);
	bgp_fsm_event(&peer->conn->fsm, peer->cfg.passive ? BGP_EV_MANUAL_START_PASSIVE : BGP_EV_MANUAL_START);
}

/* Stop the session with a Cease of the given subcode. */
static void peer_stop(struct bgp_peer *peer, uint8_t cease_subcode, const char *why)
{
	timer_stop(&peer->idle_hold);
	if (peer->candidate != NULL) {
		conn_free(peer->candidate);
		peer->candidate = NULL;
	}
	if (peer->conn == NULL)
		return;
	if (peer->conn->fsm.state >= BGP_STATE_OPENSENT) {
		struct bgp_error err = {.code = BGP_ERR_CEASE, .subcode = cease_subcode};
		op_send_notification(peer->conn, &err);
	}
	snprintf(peer->last_reset, sizeof(peer->last_reset), "%s", why);
	/* ManualStop without its own Cease: we sent the precise one above. */
	struct bgp_conn *conn = peer->conn;
	conn_close_socket(conn);
	bgp_fsm_event(&conn->fsm, BGP_EV_MANUAL_STOP);
	timer_stop(&peer->idle_hold);
}

static struct bgp_peer *peer_new(struct bgp_instance *bgp, const struct bgp_neighbor_config *cfg)
{
	struct bgp_peer *peer = calloc(1, sizeof(*peer));

	if (peer == NULL)
		return NULL;
	peer->bgp = bgp;
	peer->cfg = *cfg;
	if (inet_ntop(cfg->addr.family, cfg->addr.addr, peer->name, sizeof(peer->name)) == NULL)
		snprintf(peer->name, sizeof(peer->name), "?");
	if (timer_init(&peer->idle_hold, bgp->loop, peer_idle_hold_expired, peer) != 0 ||
	    timer_init(&peer->gr_restart, bgp->loop, gr_timer_expired, peer) != 0 ||
	    timer_init(&peer->gr_stale, bgp->loop, gr_timer_expired, peer) != 0 ||
	    timer_init(&peer->err_stale, bgp->loop, err_stale_expired, peer) != 0) {
		timer_fini(&peer->idle_hold);
		timer_fini(&peer->gr_restart);
		timer_fini(&peer->gr_stale);
		free(peer);
		return NULL;
	}
	peer->idle_hold_s = BGP_IDLE_HOLD_MIN;
	return peer;
}

static void peer_free(struct bgp_peer *peer)
{
	peer_stop(peer, BGP_CEASE_PEER_DECONFIGURED, "Peer deconfigured");
	if (peer->md5_on_listener) {
		peer->cfg.password[0] = '\0';
		set_listener_md5(peer);
	}
	/* Its paths, live or kept stale for a restart, go with it. */
	if (peer->up_since != 0 || peer->gr_retaining)
		bgp_input_peer_down(peer);
	bgp_output_peer_down(peer);
	conn_free(peer->conn);
	conn_free(peer->candidate);
	timer_fini(&peer->idle_hold);
	timer_fini(&peer->gr_restart);
	timer_fini(&peer->gr_stale);
	timer_fini(&peer->err_stale);
	timer_fini(&peer->mrai);
	free(peer);
}

static struct bgp_peer *peer_find(struct bgp_instance *bgp, const struct prefix *addr)
{
	for (struct bgp_peer *p = bgp->peers; p != NULL; p = p->next)
		if (prefix_equal(&p->cfg.addr, addr))
			return p;
	return NULL;
}

/* Changes that need a new session: who the peer is and what we offer. */
static bool needs_reset(const struct bgp_neighbor_config *old, const struct bgp_neighbor_config *cfg)
{
	return old->remote_as_kind != cfg->remote_as_kind || old->remote_as != cfg->remote_as ||
	       old->active[BGP_AFI_IPV4] != cfg->active[BGP_AFI_IPV4] ||
	       old->active[BGP_AFI_IPV6] != cfg->active[BGP_AFI_IPV6] || old->local_as != cfg->local_as ||
	       strcmp(old->password, cfg->password) != 0 || old->passive != cfg->passive ||
	       old->ebgp_multihop != cfg->ebgp_multihop || old->ttl_security_hops != cfg->ttl_security_hops ||
	       old->disable_connected_check != cfg->disable_connected_check ||
	       old->update_source != cfg->update_source ||
	       !prefix_equal(&old->update_source_addr, &cfg->update_source_addr) ||
	       strcmp(old->update_source_ifname, cfg->update_source_ifname) != 0;
}

/* ---- the instance --------------------------------------------------------------- */

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct bgp_instance *bgp = arg;
	struct prefix addr;

	(void)listener;
	(void)salen;
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			prefix_from_addr(AF_INET, &sin6->sin6_addr.s6_addr[12], &addr);
		else
			prefix_from_addr(AF_INET6, &sin6->sin6_addr, &addr);
	} else {
		prefix_from_addr(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, &addr);
	}
	struct bgp_peer *peer = peer_find(bgp, &addr);
	char name[PREFIX_STRLEN];
	if (peer == NULL || peer->cfg.shutdown || peer->conn == NULL || peer->held_down) {
		log_info(LOG_TAG, "refused BGP connection from %s: %s", prefix_format(&addr, name, sizeof(name)),
			 peer == NULL ? "not a configured neighbor"
			 : peer->held_down ? "held down after maximum-prefix (clear bgp to lift)"
					   : "neighbor is shut down");
		close(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	int one = 1;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	set_ttl(fd, peer);
	struct bufferevent *bev = bufferevent_socket_new(bgp->loop->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	struct bgp_conn *conn = peer->conn;
	switch (conn->fsm.state) {
	case BGP_STATE_IDLE:
	case BGP_STATE_CONNECT:
	case BGP_STATE_ACTIVE:
		/* No session yet: this connection becomes it; an attempt of
		 * ours in progress is dropped. */
		conn_close_socket(conn);
		conn->outgoing = false;
		timer_stop(&peer->idle_hold);
		if (conn->fsm.state == BGP_STATE_IDLE) {
			build_our_open(peer);
			bgp_fsm_event(&conn->fsm, BGP_EV_AUTOMATIC_START_PASSIVE);
		}
		conn_attach(conn, bev);
		bgp_fsm_event(&conn->fsm, BGP_EV_TCP_CONFIRMED);
		return;
	case BGP_STATE_OPENSENT:
	case BGP_STATE_OPENCONFIRM:
		if (peer->candidate == NULL) {
			/* Section 6.8: keep both until an OPEN tells which wins. */
			peer->candidate = conn_new(peer, false, true);
			if (peer->candidate != NULL) {
				bgp_fsm_event(&peer->candidate->fsm, BGP_EV_MANUAL_START_PASSIVE);
				conn_attach(peer->candidate, bev);
				bgp_fsm_event(&peer->candidate->fsm, BGP_EV_TCP_CONFIRMED);
				return;
			}
		}
		break;
	default:
		break;
	}
	/* Established (or a second collision): the new connection loses
	 * (section 6.8: an Established session is kept). */
	log_info(LOG_TAG, "%s: refused a second connection (session is %s)", peer->name,
		 bgp_state_name(conn->fsm.state));
	bufferevent_free(bev);
}

/* The highest IPv4 address of an interface that is up and not loopback, as
 * FRR picks a router-id when none is configured. */
static uint32_t guess_router_id(void)
{
	struct ifaddrs *ifs = NULL, *i;
	uint32_t best = 0;

	if (getifaddrs(&ifs) != 0)
		return 0;
	for (i = ifs; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET)
			continue;
		uint32_t a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		if ((a >> 24) == 127)
			continue;
		if (a > best)
			best = a;
	}
	freeifaddrs(ifs);
	return best;
}

struct bgp_instance *bgp_instance_new(struct loop *loop, uint32_t asn, uint16_t port, char *err, size_t errlen)
{
	struct bgp_instance *bgp = calloc(1, sizeof(*bgp));
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(port), .sin6_addr = IN6ADDR_ANY_INIT};

	if (bgp == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	bgp->loop = loop;
	bgp->asn = asn;
	bgp->port = port;
	bgp->rib = bgp_rib_new(bgp);
	if (bgp->rib == NULL) {
		snprintf(err, errlen, "out of memory");
		free(bgp);
		return NULL;
	}
	bgp_fib_open(bgp, RT_TABLE_MAIN);
	/* One dual-stack socket accepts IPv4 peers as mapped addresses. */
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int zero = 0, one = 1;
	if (fd >= 0) {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	}
	if (fd < 0 || bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) != 0) {
		/* Not fatal: sessions we open still work. Say so clearly. */
		log_err(LOG_TAG, "cannot listen on BGP port %u: %s; only outgoing sessions will work", port,
			strerror(errno));
		if (fd >= 0)
			close(fd);
	} else {
		bgp->listener = evconnlistener_new(loop->base, on_accept, bgp, LEV_OPT_CLOSE_ON_FREE, 64, fd);
		if (bgp->listener == NULL)
			close(fd);
	}
	return bgp;
}

void bgp_instance_free(struct bgp_instance *bgp)
{
	if (bgp == NULL)
		return;
	while (bgp->peers != NULL) {
		struct bgp_peer *p = bgp->peers;
		bgp->peers = p->next;
		peer_free(p);
	}
	if (bgp->listener != NULL)
		evconnlistener_free(bgp->listener);
	timer_fini(&bgp->flush);
	timer_fini(&bgp->gr_deferral);
	bgp_domain_free(bgp);
	bgp_fib_close(bgp);
	bgp_originate_free(bgp);
	bgp_rib_free(bgp->rib);
	free(bgp->arena_buf);
	free(bgp);
}

/* Per-family options other than policy differ (policy changes are
 * followed by bgp_policy_follow(), which knows the direction). */
static bool af_options_differ(const struct bgp_neighbor_af_config *a, const struct bgp_neighbor_af_config *b)
{
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		struct bgp_neighbor_af_config x = a[afi], y = b[afi];
		memset(x.prefix_list, 0, sizeof(x.prefix_list));
		memset(x.filter_list, 0, sizeof(x.filter_list));
		memset(x.route_map, 0, sizeof(x.route_map));
		memset(y.prefix_list, 0, sizeof(y.prefix_list));
		memset(y.filter_list, 0, sizeof(y.filter_list));
		memset(y.route_map, 0, sizeof(y.route_map));
		if (memcmp(&x, &y, sizeof(x)) != 0)
			return true;
	}
	return false;
}

void bgp_instance_apply(struct bgp_instance *bgp, const struct routed_config *rcfg)
{
	const struct bgp_config *cfg = rcfg->bgp;
	uint32_t router_id = 0;

	snprintf(bgp->hostname, sizeof(bgp->hostname), "%s", rcfg->hostname);
	bgp->policy = rcfg->policy;
	bgp->ebgp_requires_policy = cfg->ebgp_requires_policy;
	bgp->approval_mode = cfg->approval_mode;
	bgp->keepalive = cfg->keepalive;
	bgp->holdtime = cfg->holdtime;
	bgp->log_neighbor_changes = cfg->log_neighbor_changes;
	/* Graceful restart settings go into the next OPEN of each session. */
	bgp->graceful_restart = cfg->graceful_restart;
	bgp->gr_restart_time = cfg->restart_time;
	bgp->gr_stalepath_time = cfg->stalepath_time;
	if (!bgp->gr_restart_checked) {
		/* Routes of a previous run still forwarding, and graceful
		 * restart on: we are the restarting speaker (RFC 4724 4.1). */
		bgp->gr_restart_checked = true;
		size_t kept = bgp->fib != NULL ? fib_stale_count(bgp->fib) : 0;
		if (bgp->graceful_restart && kept > 0 &&
		    timer_init(&bgp->gr_deferral, bgp->loop, gr_deferral_expired, bgp) == 0) {
			bgp->gr_restarting = true;
			timer_start(&bgp->gr_deferral, bgp->gr_restart_time * 1000u);
			log_notice(LOG_TAG, "graceful restart: %zu routes of the previous run keep forwarding; "
				   "routes go to peers once each has sent End-of-RIB, %u s at most", kept,
				   bgp->gr_restart_time);
		}
	}
	bool paths_changed = false;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		paths_changed |= bgp->maximum_paths[afi] != cfg->af[afi].maximum_paths ||
				 bgp->maximum_paths_ibgp[afi] != cfg->af[afi].maximum_paths_ibgp;
		bgp->maximum_paths[afi] = cfg->af[afi].maximum_paths;
		bgp->maximum_paths_ibgp[afi] = cfg->af[afi].maximum_paths_ibgp;
	}
	if (paths_changed)
		bgp_rib_requeue_all(bgp->rib);
	if (cfg->router_id_set) {
		memcpy(&router_id, cfg->router_id, 4);
		router_id = ntohl(router_id);
	} else {
		router_id = guess_router_id();
	}
	bool id_changed = bgp->router_id != 0 && router_id != bgp->router_id;
	bgp->router_id = router_id;
	bgp_originate_apply(bgp, cfg);

	/* Remove peers no longer configured. */
	for (struct bgp_peer **pp = &bgp->peers; *pp != NULL;) {
		struct bgp_peer *p = *pp;
		if (rcfg_neighbor_find((struct bgp_config *)cfg, &p->cfg.addr) == NULL) {
			*pp = p->next;
			log_notice(LOG_TAG, "%s: neighbor removed", p->name);
			peer_free(p);
			continue;
		}
		pp = &p->next;
	}
	for (size_t i = 0; i < cfg->neighbor_count; i++) {
		const struct bgp_neighbor_config *n = &cfg->neighbors[i];
		struct bgp_peer *peer = peer_find(bgp, &n->addr);
		if (peer == NULL) {
			peer = peer_new(bgp, n);
			if (peer == NULL) {
				log_err(LOG_TAG, "out of memory adding a neighbor");
				continue;
			}
			/* Kept sorted by address: show output lists peers in order. */
			struct bgp_peer **pp = &bgp->peers;
			while (*pp != NULL && prefix_cmp(&(*pp)->cfg.addr, &peer->cfg.addr) < 0)
				pp = &(*pp)->next;
			peer->next = *pp;
			*pp = peer;
			peer_start(peer);
			continue;
		}
		struct bgp_neighbor_config old = peer->cfg;
		peer->cfg = *n;
		if (peer->held_down && memcmp(&old, n, sizeof(old)) != 0) {
			/* A changed configuration (say, a higher limit) lifts
			 * a maximum-prefix hold-down. */
			peer->held_down = false;
			peer_start(peer);
			continue;
		}
		if (n->shutdown && !old.shutdown) {
			peer_stop(peer, BGP_CEASE_ADMIN_SHUTDOWN, "Admin. shutdown");
		} else if (!n->shutdown && (old.shutdown || peer->conn == NULL)) {
			peer_start(peer);
		} else if (needs_reset(&old, n) || id_changed) {
			peer_stop(peer, BGP_CEASE_CONFIG_CHANGE, "Configuration change");
			peer_start(peer);
		} else if (bgp_peer_established(peer) && af_options_differ(old.af, n->af)) {
			/* Export options changed (next-hop-self, ...): bring the
			 * Adj-RIB-Out up to date without a reset. */
			bgp_output_refresh(peer);
		}
	}
	if (bgp->router_id == 0)
		log_warn(LOG_TAG, "no router-id: configure `bgp router-id A.B.C.D` (no IPv4 address to take one from)");
	bgp_domain_apply(bgp, rcfg);
	bgp_policy_follow(bgp);
	bgp_approval_follow(bgp);
	bgp_output_networks_changed(bgp);
}

int bgp_peer_clear(struct bgp_instance *bgp, const struct prefix *only, enum bgp_clear_kind kind)
{
	int found = 0;

	for (struct bgp_peer *peer = bgp->peers; peer != NULL; peer = peer->next) {
		if (only != NULL && !prefix_equal(only, &peer->cfg.addr))
			continue;
		found++;
		switch (kind) {
		case BGP_CLEAR_HARD:
			peer->held_down = false;
			peer_stop(peer, BGP_CEASE_ADMIN_RESET, "Admin. reset");
			peer_start(peer);
			break;
		case BGP_CLEAR_SOFT_OUT:
			if (bgp_peer_established(peer))
				for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
					peer_resend_family(peer, (enum bgp_afi)afi);
			break;
		case BGP_CLEAR_SOFT_IN:
			/* From the routes kept as received, else RFC 2918: ask
			 * the peer to send its routes again. */
			if (bgp_peer_established(peer))
				for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
					if (family_carried(peer->conn, (enum bgp_afi)afi))
						bgp_policy_soft_in(peer, (enum bgp_afi)afi);
			break;
		}
	}
	return found;
}
