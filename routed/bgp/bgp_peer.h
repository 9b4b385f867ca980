/*
 * BGP speaker: the instance (one per `router bgp`), its peers and their
 * connections. This is where sockets, timers and messages meet the state
 * machine of bgp_fsm.c.
 *
 * An instance follows the running configuration: bgp_instance_apply() is
 * called after every change and reconciles peers (new ones start, removed
 * ones are told Cease/Peer De-configured, `shutdown` stops, changed
 * remote-as resets).
 *
 * A peer has up to two connections while a collision is being resolved
 * (RFC 4271 section 6.8): the one it has, and one the peer opened to us.
 * The OPEN on the second decides which survives.
 *
 * Ownership: the instance owns its peers, their connections and its
 * listening socket; it borrows the loop. Peers keep a copy of their
 * configuration, never a pointer into the config model.
 */
#ifndef SKYGATE_BGP_PEER_H
#define SKYGATE_BGP_PEER_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bgp_fsm.h"
#include "config_model.h"
#include "loop.h"
#include "prefix.h"

struct bgp_instance;
struct bgp_peer;
struct bgp_rib;
struct bgp_dest;
struct bgp_path;
struct json_object;

/* FRR's defaults, so a configuration moved from FRR behaves the same. */
#define BGP_DEFAULT_KEEPALIVE 60
#define BGP_DEFAULT_HOLDTIME 180
#define BGP_DEFAULT_CONNECT_RETRY 120
/* MinRouteAdvertisementIntervalTimer without `advertisement-interval`:
 * 0, as FRR's default profile has it for eBGP and iBGP alike (RFC 4271
 * section 10 suggests 30 s for eBGP; convergence matters more here). */
#define BGP_DEFAULT_MRAI 0
/* OpenSent waits this long for the peer's OPEN (RFC 4271 section 8.2.2
 * suggests 4 minutes). */
#define BGP_OPEN_HOLD_LARGE 240
#define BGP_IDLE_HOLD_MIN 1
#define BGP_IDLE_HOLD_MAX 60

struct bgp_peer_stats {
	uint64_t msgs_in[6];   /* by message type; [0] unused */
	uint64_t msgs_out[6];
	uint32_t established;  /* times the session came up */
	uint32_t dropped;      /* times it went down from Established */
	uint64_t updates_in;
	uint64_t prefixes_in;  /* currently in Adj-RIB-In, all families */
};

/* Create an instance for `router bgp ASN` and start listening on port port
 * (179; tests may pick another). Returns NULL with a reason in err. */
/* Whether instances made from now on install their routes in the kernel
 * (default yes; `--no-fib` says no, to measure BGP alone). */
void bgp_fib_enable(bool on);

struct bgp_instance *bgp_instance_new(struct loop *loop, uint32_t asn, uint16_t port, char *err,
				      size_t errlen);
/* Stop every peer with Cease and free everything. NULL is fine. */
void bgp_instance_free(struct bgp_instance *bgp);

/* Make the instance match cfg->bgp, which exists and has the instance's
 * ASN (the caller replaces the instance when the ASN changes). */
void bgp_instance_apply(struct bgp_instance *bgp, const struct routed_config *cfg);

uint32_t bgp_instance_asn(const struct bgp_instance *bgp);

/* `show bgp summary`, `show bgp neighbors`: text to out, or JSON with FRR's
 * key names. afi_filter < 0 means both families. */
void bgp_show_summary(const struct bgp_instance *bgp, int afi_filter, FILE *out);
struct json_object *bgp_show_summary_json(const struct bgp_instance *bgp, int afi_filter);
void bgp_show_neighbors(const struct bgp_instance *bgp, const struct prefix *only, FILE *out);
struct json_object *bgp_show_neighbors_json(const struct bgp_instance *bgp, const struct prefix *only);

enum bgp_clear_kind {
	BGP_CLEAR_HARD,      /* Cease/Administrative Reset and a new session */
	BGP_CLEAR_SOFT_IN,   /* ask for the peer's routes again (ROUTE-REFRESH) */
	BGP_CLEAR_SOFT_OUT,  /* send ours again */
};

/* `clear bgp`: every peer, or only the one at *only. Returns how many
 * peers matched. */
int bgp_peer_clear(struct bgp_instance *bgp, const struct prefix *only, enum bgp_clear_kind kind);

/* `show bgp [afi] neighbors X routes|received-routes|advertised-routes`:
 * the paths learned from the peer (after inbound policy), the routes as
 * received (before it; only with `soft-reconfiguration inbound`, as in
 * FRR), or its Adj-RIB-Out (RFC 4271 section 3.2). Returns -1 when no
 * neighbor has that address, BGP_SHOW_NO_SOFT_IN for received-routes
 * without the knob. */
#define BGP_SHOW_NO_SOFT_IN (-2)
enum bgp_neighbor_view {
	BGP_VIEW_ROUTES,
	BGP_VIEW_RECEIVED,
	BGP_VIEW_ADVERTISED,
};
int bgp_show_neighbor_routes(struct bgp_instance *bgp, const struct prefix *addr, enum bgp_afi afi,
			     enum bgp_neighbor_view view, FILE *out);
struct json_object *bgp_show_neighbor_routes_json(struct bgp_instance *bgp, const struct prefix *addr,
						  enum bgp_afi afi, enum bgp_neighbor_view view);

/* ---- route approval (bgp_approval.c, docs/approval.md) ---- */
struct appr_db;
struct appr_rule;

/* Counted since the instance started. */
struct bgp_approval_stats {
	uint64_t pending_learned;    /* routes that became pending (one syslog event each) */
	uint64_t rejected_learned;   /* routes held because a reject rule matched */
	uint64_t released;           /* held routes released by an approval or a mode change */
};

/* Use the store db (borrowed; NULL: none) for the instance's decisions. */
void bgp_instance_set_approval(struct bgp_instance *bgp, struct appr_db *db);
/* Rules changed: hold and release paths to match. Returns how many paths
 * changed; their routes go out from the next loop turn. */
size_t bgp_approval_reevaluate(struct bgp_instance *bgp);

enum bgp_approval_state {
	BGP_APPROVAL_PENDING,
	BGP_APPROVAL_APPROVED,
	BGP_APPROVAL_REJECTED,
};
const char *bgp_approval_state_name(enum bgp_approval_state state); /* "pending", ... */

/* A route learned from a connection subject to approval. */
struct bgp_approval_route {
	struct prefix prefix;
	struct prefix neighbor;
	enum bgp_approval_state state;
	const struct appr_rule *rule;  /* the deciding rule, NULL when pending (borrowed) */
	uint32_t age;                  /* seconds since it arrived or last changed */
};
typedef int (*bgp_approval_route_fn)(const struct bgp_approval_route *route, void *arg);
/* Visit those routes, only neighbor's when neighbor is not NULL: in prefix
 * order (IPv4 first) when ordered, else in no particular order without
 * the cost of a sort (the routes of one prefix still come together).
 * Non-zero from fn stops the walk; fn must not change the RIB or the
 * rules. */
int bgp_approval_routes(struct bgp_instance *bgp, const struct prefix *neighbor, bool ordered,
			bgp_approval_route_fn fn, void *arg);
/* The mode, and the counters. */
enum bgp_approval_mode bgp_approval_mode(const struct bgp_instance *bgp);
const struct bgp_approval_stats *bgp_approval_stats(const struct bgp_instance *bgp);

/* `show bgp approval preview P`: for each established peer, what it would
 * be sent for P if P's held paths were approved (the real export path:
 * built-in rules and outbound policy). Returns -1 when no path for P is
 * in the RIB. */
int bgp_approval_preview(struct bgp_instance *bgp, const struct prefix *p, FILE *out);
struct json_object *bgp_approval_preview_json(struct bgp_instance *bgp, const struct prefix *p);

/* `show bgp [ipv4|ipv6 unicast] neighbors X advertise-plan [json]`: what
 * the last plan of a shaped neighbor sends, what it holds back and what
 * it summarised (bgp_advertise.c). The text form returns -1 when no
 * neighbor has that address; the JSON then has "warning". */
int bgp_show_advertise_plan(const struct bgp_instance *bgp, const struct prefix *addr, enum bgp_afi afi, FILE *out);
struct json_object *bgp_show_advertise_plan_json(const struct bgp_instance *bgp, const struct prefix *addr,
						 enum bgp_afi afi);

/* The instance's RIB (for show commands and the FIB). */
struct bgp_rib *bgp_instance_rib(struct bgp_instance *bgp);

/* Network domains as the speaker has them in effect (bgp_domain.c): a
 * domain's number by name (-1: not in effect), how many prefixes its view
 * holds, and `show bgp domain NAME [ipv4|ipv6] [json]` (caller owns the
 * JSON object). */
int bgp_domain_number_of(const struct bgp_instance *bgp, const char *name);
/* The default domain's best path for dest: what the main table holds. */
const struct bgp_path *bgp_default_view_best(const struct bgp_instance *bgp, const struct bgp_dest *dest);
uint32_t bgp_domain_route_count(struct bgp_instance *bgp, unsigned domain, enum bgp_afi afi);
/* The best path of domain's view of dest (NULL: none): what its kernel
 * table should hold. */
const struct bgp_path *bgp_domain_view_best(const struct bgp_instance *bgp, const struct bgp_dest *dest,
					    unsigned domain);
/* Whether domain's best route for dest is in the domain's kernel table
 * (the main table for the default domain): installed; refused, *why the
 * kernel's reason (borrowed until the next change of the table); or
 * waiting for the kernel's answer (*why ""). */
enum bgp_domain_install {
	BGP_DOMAIN_INSTALLED,
	BGP_DOMAIN_PENDING,
	BGP_DOMAIN_REFUSED,
};
enum bgp_domain_install bgp_domain_installed(const struct bgp_instance *bgp, unsigned domain,
					     const struct bgp_dest *dest, const char **why);
void bgp_domain_show(struct bgp_instance *bgp, unsigned domain, enum bgp_afi afi, FILE *out);
struct json_object *bgp_domain_show_json(struct bgp_instance *bgp, unsigned domain, enum bgp_afi afi);

#endif
