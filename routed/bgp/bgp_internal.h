/*
 * The speaker's internal structures, shared by bgp_peer.c (sessions),
 * bgp_input.c (received UPDATEs), bgp_output.c (what we send) and
 * bgp_show.c. Not for other modules: they use bgp_peer.h.
 */
#ifndef SKYGATE_BGP_INTERNAL_H
#define SKYGATE_BGP_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bgp_fsm.h"
#include "bgp_msg.h"
#include "bgp_peer.h"
#include "config_model.h"
#include "loop.h"
#include "policy.h"
#include "radix.h"
#include "bgp_rib.h"

struct bufferevent;
struct evconnlistener;

/* One TCP connection to a peer and the state machine that runs on it. */
struct bgp_conn {
	struct bgp_peer *peer;
	struct bufferevent *bev;
	bool outgoing;                /* we opened it (RFC 4271 section 6.8) */
	struct bgp_fsm fsm;
	struct timer connect_retry;
	struct timer hold;
	struct timer keepalive;
	bool open_received;
	struct bgp_open their_open;
	struct bgp_negotiated neg;
	/* Our end of the connection, learned when it comes up: next hops
	 * we announce are these addresses (next-hop-self). */
	bool has_local4, has_local6;
	uint8_t local4[4];
	uint8_t local6[16];
	/* The interface holding the local address ("" for a loopback or
	 * none): which domain the session really runs in. */
	char ifname[CONFIG_IFNAME_MAX + 1];
	bool notified;                  /* a NOTIFICATION went either way */
	/* The message being handled (points into the input buffer while an
	 * UPDATE or ROUTE-REFRESH event runs). */
	const uint8_t *msg;
	size_t msg_len;
};

struct bgp_peer {
	struct bgp_instance *bgp;
	struct bgp_peer *next;
	struct bgp_neighbor_config cfg; /* a copy, not a pointer into the model */
	char name[48];                  /* the address as text */
	struct bgp_conn *conn;          /* the session (NULL when admin down) */
	struct bgp_conn *candidate;     /* a colliding incoming connection */
	struct timer idle_hold;         /* automatic restart after a failure */
	unsigned idle_hold_s;
	struct bgp_open our_open;
	struct bgp_peer_stats stats;
	time_t up_since;                /* CLOCK_MONOTONIC seconds, when Established */
	time_t down_since;
	char last_reset[BGP_ERROR_NAME_MAX + 32];
	struct bgp_error last_notification_sent, last_notification_received;
	bool has_sent_notification, has_received_notification;
	uint32_t pfx_rcvd[BGP_AFSAFI_COUNT];
	uint32_t pfx_sent[BGP_AFSAFI_COUNT];
	/* Adj-RIB-Out (RFC 4271 section 3.2): the interned attribute set
	 * last announced to this peer for each destination, indexed by
	 * bgp_dest.id (NULL: nothing announced); both families.  8 bytes a
	 * destination, where a tree of prefixes per peer took about 130.
	 * Read it with bgp_output_adj_out(). */
	struct bgp_attr_set **adj_out;
	uint32_t adj_out_cap;
	bool md5_on_listener;           /* our listening socket holds its key */
	/* Stopped for exceeding maximum-prefix: stays down until `clear bgp`
	 * or a configuration change, as in FRR (no restart timer). */
	bool held_down;
	bool max_prefix_warned[BGP_AFI_COUNT];
	/* RFC 4724 section 4.2, as the receiving speaker: the peer restarts,
	 * its routes are kept stale until it is back and says End-of-RIB, or
	 * the timers run out. */
	bool gr_retaining;
	unsigned gr_afis;               /* bit per enum bgp_afi still stale */
	struct timer gr_restart;        /* the peer's Restart Time */
	struct timer gr_stale;          /* our stalepath-time once it is back */
	/* RFC 7313 section 4, as the receiver of a re-advertisement: paths
	 * of the families in err_afis were marked stale by a BoRR and go at
	 * the EoRR, or when err_stale runs out. */
	unsigned err_afis;              /* bit per enum bgp_afi */
	struct timer err_stale;
	unsigned eor_afis;              /* End-of-RIB received this session, bit per enum bgp_afi */
	/* MinRouteAdvertisementIntervalTimer (RFC 4271 section 9.2.1.1):
	 * while it runs, changed routes wait (mrai_deferred) and only
	 * withdrawals leave. */
	struct timer mrai;
	bool mrai_deferred;
	/* What the peer's policy was when last applied, per family and
	 * direction (bgp_policy.c); 0 before the first configuration. */
	uint64_t policy_sig[BGP_AFI_COUNT][BGP_POLICY_DIR_COUNT];
	/* The network domain of the session: its number in the views of
	 * bgp_domain.c (0, the default, unless `neighbor X domain NAME`). */
	uint8_t domain;
	/* maximum-prefix-out, advertise-summary, advertise-cidrs
	 * (bgp_advertise.c): NULL unless the neighbor has one of them and
	 * its session is up. In a family where it is active
	 * (bgp_advertise_active()), adj_out holds what the outbound policy
	 * allows and this decides what is sent. */
	struct bgp_advertise *advertise;
	/* `soft-reconfiguration inbound`: the routes as received, before
	 * inbound policy (bgp_adjin.c); NULL when none are kept. adj_in_afis
	 * (bit per enum bgp_afi): the families whose copy holds everything
	 * the peer sent on the current session, so it can stand in for a
	 * ROUTE-REFRESH. */
	struct bgp_adj_in *adj_in;
	unsigned adj_in_afis;
};

struct bgp_instance {
	struct loop *loop;
	uint32_t asn;
	uint32_t router_id;             /* host byte order; 0 until known */
	bool router_id_configured;
	uint16_t port;
	struct evconnlistener *listener;
	struct bgp_peer *peers;         /* sorted by address */
	struct bgp_rib *rib;
	struct bgp_originate *orig;     /* network, aggregate-address, redistribute */
	char hostname[64];
	/* Router-level settings copied from the configuration. */
	uint16_t keepalive, holdtime;   /* `timers bgp`, for neighbors without their own */
	uint8_t maximum_paths[BGP_AFI_COUNT];      /* ECMP over eBGP paths */
	uint8_t maximum_paths_ibgp[BGP_AFI_COUNT]; /* ECMP over iBGP paths */
	bool log_neighbor_changes;
	bool graceful_restart;          /* `bgp graceful-restart` */
	uint16_t gr_restart_time, gr_stalepath_time;
	/* RFC 4724 section 4.1, as the restarting speaker: this run found the
	 * previous run's routes still forwarding in the kernel, with graceful
	 * restart on. Until every peer has sent End-of-RIB (or gr_deferral
	 * runs out) route selection is deferred: nothing is sent to peers,
	 * and our OPENs carry the Restart State bit. */
	bool gr_restarting;
	bool gr_restart_checked;        /* decided once, at the first configuration */
	struct timer gr_deferral;
	struct timer flush;             /* sends queued RIB changes */
	struct fib *fib;                /* NULL: not installing routes */
	struct event *fib_ev;           /* the fib's answers are readable */
	struct timer fib_sweep;         /* removes a previous run's leftovers */
	/* The running configuration's policy objects (routed/policy/policy.h),
	 * set by every bgp_instance_apply(): the configuration calls it after
	 * each change, so this never outlives the object. */
	struct policy_config *policy;
	bool ebgp_requires_policy;      /* RFC 8212 */
	/* Route approval (bgp_approval.c): the store (borrowed from the
	 * daemon, which outlives every instance; NULL: no store, nothing is
	 * ever held), the mode, and what the last re-evaluation saw of the
	 * configuration (mode and neighbors' `approval`), to know when to
	 * re-evaluate. */
	struct appr_db *approval;
	enum bgp_approval_mode approval_mode;
	uint64_t approval_sig;
	struct bgp_approval_stats approval_stats;
	/* Network domains other than the default one (bgp_domain.c); NULL
	 * while only the default exists, which keeps that case as fast as
	 * a speaker without domains. */
	struct bgp_domains *domains;
	struct timer domain_sweep;      /* removes a previous run's leftovers from domain tables */
	struct bgp_domain_counts *domain_counts; /* `show domain`'s route counts (bgp_domain.c); owned */
	uint8_t *arena_buf;             /* scratch for one UPDATE's parse */
	size_t arena_cap;
};

/* Route approval (bgp_approval.c): between inbound policy and the
 * Loc-RIB (bgp_policy.c shows the whole order). */
/* Are routes from peer subject to approval (mode and `neighbor X
 * approval`, with a store open)? */
bool bgp_approval_applies(const struct bgp_peer *peer);
/* Should a route for p from peer (subject to approval) be held? */
bool bgp_approval_wanted_held(const struct bgp_peer *peer, const struct prefix *p);
/* A route from a subject peer went into the RIB, held or not, after
 * being held (was_held) or not: logs and counts a newly pending or
 * rejected route. */
void bgp_approval_learned(struct bgp_peer *peer, const struct prefix *p, bool held, bool was_held);
/* Status code of a held path in `show bgp`: 'r' when a reject rule
 * holds it, 'p' when it is pending. */
char bgp_approval_status_code(const struct bgp_dest *dest, const struct bgp_path *path);
/* After a configuration change: re-evaluate every path when the mode or
 * a neighbor's `approval` changed. */
void bgp_approval_follow(struct bgp_instance *bgp);

/* Monotonic seconds, for uptimes. */
time_t bgp_now(void);

/* Send a built message on the connection; counts it. */
void bgp_conn_send(struct bgp_conn *conn, struct builder *b, uint8_t type);

/* Is the peer's session up? */
bool bgp_peer_established(const struct bgp_peer *peer);

/* The peer's stale routes of the families in afis are no longer awaited
 * (End-of-RIB or a timer); ends retention when none are left. */
void bgp_peer_gr_done(struct bgp_peer *peer, unsigned afis);

/* The peer sent End-of-RIB for the families in afis (bgp_input.c). */
void bgp_peer_eor_received(struct bgp_peer *peer, unsigned afis);

/* Received UPDATE on an Established connection (bgp_input.c). Returns 0,
 * or -1 after filling conn->fsm.pending_error for a session reset. */
int bgp_input_update(struct bgp_conn *conn);
/* One route into the RIB after inbound policy: held when approval
 * (bgp_approval_applies(peer)) and no rule approves it. Also used when
 * the policy is applied again from the pre-policy copy (bgp_adjin.c), so
 * a replayed route passes the same approval stage. */
int bgp_input_rib_add(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct prefix *p,
		      struct bgp_attr_set *set, bool approval);

/* The session just came up / went down: send our routes / forget theirs. */
void bgp_output_established(struct bgp_peer *peer);
void bgp_input_peer_down(struct bgp_peer *peer);

/* Routing policy of a neighbor (bgp_policy.c). */
/* Does a route to/from peer in this family and direction need evaluating:
 * a policy is configured, or RFC 8212 applies (eBGP without one). */
bool bgp_policy_wanted(const struct bgp_peer *peer, enum bgp_afi afi, enum bgp_policy_dir dir, bool ebgp);
/* The peer's prefix-list, filter-list and route-map of one direction, in
 * that order (FRR's). in is canonical and read-only; on POLICY_PERMIT
 * *out holds the attributes to use (sharing arrays with in and scratch,
 * valid while both are). local_addr: our address on the session, on
 * export only (NULL on import). Never POLICY_NO_MEMORY (logged, denied).
 * memo, when not NULL, records the evaluation for routes that share in
 * (policy.h: struct policy_memo, policy_memo_replay()). */
enum policy_result bgp_policy_eval(struct bgp_peer *peer, enum bgp_afi afi, enum bgp_policy_dir dir,
                                   bool ebgp, const struct prefix *p, const struct bgp_attrs *in,
                                   const struct prefix *local_addr, struct bgp_arena *scratch,
                                   struct bgp_attrs *out, struct policy_memo *memo);
/* The route-map of that direction alone (none: permit), for routes the
 * prefix-list and filter-list do not select (summaries and CIDRs of
 * bgp_advertise.c); as bgp_policy_eval() otherwise. */
enum policy_result bgp_policy_route_map(struct bgp_peer *peer, enum bgp_afi afi,
                                        enum bgp_policy_dir dir, bool ebgp, const struct prefix *p,
                                        const struct bgp_attrs *in, const struct prefix *local_addr,
                                        struct bgp_arena *scratch, struct bgp_attrs *out);
/* After a configuration change: act on every peer whose policy changed
 * (outbound: recompute its Adj-RIB-Out; inbound: ROUTE-REFRESH). */
void bgp_policy_follow(struct bgp_instance *bgp);
/* Apply the family's inbound policy again (`clear bgp X soft in`, a
 * changed policy): from the copy `soft-reconfiguration inbound` keeps,
 * else by a ROUTE-REFRESH. No-op unless Established. */
void bgp_policy_soft_in(struct bgp_peer *peer, enum bgp_afi afi);
/* Ask the peer to send the family's routes again (RFC 2918), as `clear
 * bgp X soft in`; logs when the peer cannot. */
void bgp_peer_request_refresh(struct bgp_peer *peer, enum bgp_afi afi);
/* The pre-policy Adj-RIB-In of a peer with `soft-reconfiguration
 * inbound` (bgp_adjin.c). Ownership: the peer owns it; each entry holds a
 * reference to its attribute set. set/remove: one route as received (set
 * takes its own reference; -1 out of memory). drop: every route of a
 * family (afi < 0: both), freeing the copy once empty. replay: the
 * family's inbound policy applied again to every kept route, into the RIB
 * (-1 out of memory). walk: in prefix order. bytes: memory held, not
 * counting the shared attribute sets. */
struct bgp_adj_in;
int bgp_adj_in_set(struct bgp_peer *peer, const struct prefix *p, struct bgp_attr_set *set);
void bgp_adj_in_remove(struct bgp_peer *peer, const struct prefix *p);
void bgp_adj_in_drop(struct bgp_peer *peer, int afi);
int bgp_adj_in_replay(struct bgp_peer *peer, enum bgp_afi afi);
/* The session is gone: nothing is kept, and the next session's copy will
 * be complete for every family with the knob. */
void bgp_adj_in_session_down(struct bgp_peer *peer);
uint32_t bgp_adj_in_count(const struct bgp_peer *peer, enum bgp_afi afi);
size_t bgp_adj_in_bytes(const struct bgp_peer *peer);
typedef int (*bgp_adj_out_fn)(const struct prefix *p, const struct bgp_attr_set *set, void *arg);
int bgp_adj_in_walk(struct bgp_peer *peer, enum bgp_afi afi, bgp_adj_out_fn fn, void *arg);
/* Scratch an evaluation allocates from, per route (docs/policy.md: 4 KB
 * covers long prepends and community lists). */
#define BGP_POLICY_SCRATCH 4096

/* Seconds a previous run's routes are kept in the kernel to be relearned. */
#define BGP_FIB_STALE_SECONDS 120

/* The forwarding table (bgp_fib.c): open it (start-up), install the best
 * paths of changed destinations (queued: each destination's fib_installed
 * and reason follow once the kernel has answered), and flush it (clean
 * stop). */
struct fib;
struct fib_nexthop;
int bgp_fib_open(struct bgp_instance *bgp, uint32_t table);
/* Kernel route metric for BGP routes, as FRR's zebra uses for eBGP (its
 * administrative distance 20). */
#define BGP_FIB_METRIC 20
/* The next hops domain's view of dest forwards over (FIB_NEXTHOP_MAX of
 * nhs at most); 0 when nothing is to be installed. */
size_t bgp_fib_nexthops(const struct bgp_instance *bgp, const struct bgp_dest *dest, unsigned domain,
			struct fib_nexthop *nhs);
void bgp_fib_sync(struct bgp_instance *bgp, struct bgp_dest *changed);
void bgp_fib_close(struct bgp_instance *bgp);

/* Network domains (bgp_domain.c): one view of the RIB per domain. */
struct bgp_domains;
struct domain_view;
/* The best path domain sees for dest: its own paths' and those of the
 * domains connected to it, held ones never (NULL: none). */
const struct bgp_path *bgp_view_best_of(const struct domain_view *v, const struct bgp_dest *dest, unsigned domain);
/* The best path domain would see if every held path of dest were
 * approved (`show bgp approval preview`); NULL: none visible. */
const struct bgp_path *bgp_view_best_if_approved(const struct bgp_instance *bgp, const struct bgp_dest *dest,
						 unsigned domain);
/* As bgp_dest_multipath(), within domain's view. */
size_t bgp_view_multipath_of(const struct domain_view *v, const struct bgp_dest *dest, unsigned domain,
			     unsigned max_paths, const struct bgp_path **out, size_t max);
const struct bgp_path *bgp_view_best_slow(const struct bgp_instance *bgp, const struct bgp_dest *dest,
					  unsigned domain);
/* The instance's view for domain; the RIB's best while only the default
 * domain exists. */
static inline const struct bgp_path *bgp_view_best(const struct bgp_instance *bgp, const struct bgp_dest *dest,
						   unsigned domain)
{
	return bgp->domains == NULL ? bgp_dest_best(dest) : bgp_view_best_slow(bgp, dest, domain);
}
size_t bgp_view_multipath(const struct bgp_instance *bgp, const struct bgp_dest *dest, unsigned domain,
			  unsigned max_paths, const struct bgp_path **out, size_t max);
/* Follow the configuration's domains: views, tables, each peer's domain;
 * requeues every destination when any view changed. */
void bgp_domain_apply(struct bgp_instance *bgp, const struct routed_config *cfg);
void bgp_domain_free(struct bgp_instance *bgp);
/* Bring each domain's count of routes in its view up to date with changed
 * destinations (every change of a view passes here: bgp_domain_apply()
 * requeues every destination when the views change). */
void bgp_domain_count_sync(struct bgp_instance *bgp, const struct bgp_dest *changed);
/* Bring the domains' own tables up to date with changed destinations. */
void bgp_domain_fib_sync(struct bgp_instance *bgp, struct bgp_dest *changed);
/* An Established session: note the interface it runs over and warn
 * when another domain lists it (docs/domains.md). */
void bgp_domain_session_check(struct bgp_peer *peer);
/* The domain listing the interface peer's session runs over when that is
 * not peer's own domain; NULL otherwise (borrowed from the domains). */
const char *bgp_domain_session_mismatch(const struct bgp_peer *peer);
/* A domain's name by number ("default" for 0 or out of range). */
const char *bgp_domain_name(const struct bgp_instance *bgp, unsigned domain);
/* Domains in the views (1 while only the default exists). */
unsigned bgp_domain_count(const struct bgp_instance *bgp);

/* Locally originated routes (bgp_originate.c): make them match the
 * configuration; bring aggregates up to date with the queued changes
 * before they go out (queue: bgp_rib_queue_peek()); free at the end. */
struct bgp_originate;
void bgp_originate_apply(struct bgp_instance *bgp, const struct bgp_config *cfg);
void bgp_originate_before_flush(struct bgp_instance *bgp, const struct bgp_dest *queue);
void bgp_originate_free(struct bgp_instance *bgp);

/* RIB changes are waiting: send them soon (next loop turn). */
void bgp_output_schedule(struct bgp_instance *bgp);
/* `network` statements or the router-id changed. */
void bgp_output_networks_changed(struct bgp_instance *bgp);
/* Recompute what peer should have from the Loc-RIB and send the
 * differences (its export options changed). */
void bgp_output_refresh(struct bgp_peer *peer);
/* Send every route of one family to peer again (RFC 2918 section 4, a
 * ROUTE-REFRESH or `clear bgp X soft out`); the caller frames it with
 * BoRR/EoRR when enhanced route refresh is on (RFC 7313 section 4). */
void bgp_output_resend(struct bgp_peer *peer, enum bgp_afi afi);
/* Visit the peer's Adj-RIB-Out of one family in prefix order: each prefix
 * and the attributes it was announced with. Non-zero from fn stops. */
int bgp_output_walk(const struct bgp_peer *peer, enum bgp_afi afi, bgp_adj_out_fn fn, void *arg);
/* The peer's MRAI timer ran out: send what waited (its timer callback). */
void bgp_output_mrai_expired(void *arg);
/* The attribute set peer would be sent if best were dest's best path
 * (the export rules and the neighbor's outbound policy), interned with
 * one reference for the caller, or NULL when nothing would be sent.
 * `show bgp approval preview` asks it about held paths. */
struct bgp_attr_set *bgp_output_export(struct bgp_peer *peer, const struct bgp_dest *dest, const struct bgp_path *best);
/* Forget what was sent to peer (its session is gone). */
void bgp_output_peer_down(struct bgp_peer *peer);
/* What peer's Adj-RIB-Out holds for dest: the attribute set announced
 * (borrowed), or NULL. */
struct bgp_attr_set *bgp_output_adj_out(const struct bgp_peer *peer, const struct bgp_dest *dest);
/* dest is being freed: drop whatever an Adj-RIB-Out still holds under its
 * id (the RIB calls this; normally nothing is left). */
void bgp_output_dest_gone(struct bgp_instance *bgp, const struct bgp_dest *dest);

/* Send withdrawals and announcements (grouped by attribute set) of one
 * family to peer, as they are; for bgp_advertise.c. Borrows everything.
 * -1 when out of memory before anything was sent (logged). */
int bgp_output_send(struct bgp_peer *peer, enum bgp_afi afi, const struct prefix *withdrawn,
                    size_t nwithdrawn, const struct prefix *announced,
                    struct bgp_attr_set *const *sets, size_t nannounced);
/* Our address on the session as a's next hop, for family afi; -1 when we
 * have no usable address. */
int bgp_output_self_next_hop(struct bgp_attrs *a, const struct bgp_conn *conn, enum bgp_afi afi);
/* a (canonical, as the built-in export rules made it) through peer's
 * outbound policy, interned: one reference for the caller, or NULL when
 * the policy denies p (or out of memory). route_map_only: the outbound
 * route-map alone (bgp_policy_route_map()). */
struct bgp_attr_set *bgp_output_intern_allowed(struct bgp_peer *peer, enum bgp_afi afi,
                                               const struct prefix *p, const struct bgp_attrs *a,
                                               bool route_map_only);

/* Outbound shaping (bgp_advertise.c, docs/advertise.md). */
struct bgp_advertise;
/* Make or drop peer->advertise to match the configuration (at a full
 * sync of an established session). */
void bgp_advertise_configure(struct bgp_peer *peer);
/* Whether peer->advertise decides what is sent in afi (the family has
 * one of the options and the session is up). */
bool bgp_advertise_active(const struct bgp_peer *peer, enum bgp_afi afi);
/* The Adj-RIB-Out of a shaped peer changed in afi: plan again soon. */
void bgp_advertise_changed(struct bgp_peer *peer, enum bgp_afi afi);
/* The Loc-RIB changed (the queue of changed destinations): a peer with
 * advertise-cidrs or advertise-summary plans again when afi is among
 * them, since CIDR reachability and the routed set follow the Loc-RIB,
 * not only the peer's Adj-RIB-Out. */
void bgp_advertise_rib_changed(struct bgp_peer *peer, enum bgp_afi afi, const struct bgp_dest *changed);
/* Plan and send now (after a full sync); nothing for unshaped peers. */
void bgp_advertise_run(struct bgp_peer *peer, enum bgp_afi afi);
/* The next plan of afi announces everything it sends again (the peer
 * asked for our routes). */
void bgp_advertise_resend(struct bgp_peer *peer, enum bgp_afi afi);
/* The session went down: free the state. */
void bgp_advertise_peer_down(struct bgp_peer *peer);
/* Visit what a shaped peer was sent, in prefix order. */
int bgp_advertise_walk(const struct bgp_peer *peer, enum bgp_afi afi, bgp_adj_out_fn fn, void *arg);

/* The update context (RFC 6793 AS size, families, our addresses) of the
 * peer's current session. */
struct bgp_update_ctx;
void bgp_session_update_ctx(const struct bgp_conn *conn, struct bgp_update_ctx *ctx);
bool bgp_peer_is_ebgp(const struct bgp_peer *peer);

#endif
