/*
 * The BGP finite state machine of RFC 4271 section 8, for one connection.
 *
 * The machine is pure: it decides, and asks its owner to act through a
 * table of hooks (open a connection, send a message, arm a timer, tear
 * down). The owner (bgp_peer.c) turns sockets, timers and parsed messages
 * into events and feeds them in. This keeps every transition readable in
 * one screen (the table in bgp_fsm.c) and testable without sockets.
 *
 * Deviations from the letter of section 8, each deliberate and common to
 * deployed speakers:
 *  - No DelayOpen and no DampPeerOscillations (optional session attributes,
 *    section 8.1.1 / 8.1.2): always off.
 *  - After falling to Idle the owner restarts the machine itself after an
 *    idle hold time that doubles on each failure (the "automatic start"
 *    events 3-5 of section 8.1.2, with the damping left to the owner).
 *  - Connection collisions (section 6.8) are resolved by the owner, which
 *    may run two machines for one peer until an OPEN decides.
 *
 * Ownership: struct bgp_fsm is embedded in its connection; ops and ctx are
 * borrowed.
 */
#ifndef SKYGATE_BGP_FSM_H
#define SKYGATE_BGP_FSM_H

#include <stdbool.h>
#include <stdint.h>

#include "bgp_proto.h"

/* RFC 4271 section 8.2.2 */
enum bgp_state {
	BGP_STATE_IDLE = 0,
	BGP_STATE_CONNECT,
	BGP_STATE_ACTIVE,
	BGP_STATE_OPENSENT,
	BGP_STATE_OPENCONFIRM,
	BGP_STATE_ESTABLISHED,
	BGP_STATE_COUNT,
};

/* RFC 4271 section 8.1: the events we use, by their RFC numbers. */
enum bgp_event {
	BGP_EV_MANUAL_START = 1,
	BGP_EV_MANUAL_STOP = 2,
	BGP_EV_AUTOMATIC_START = 3,
	BGP_EV_MANUAL_START_PASSIVE = 4,
	BGP_EV_AUTOMATIC_START_PASSIVE = 5,
	BGP_EV_CONNECT_RETRY_EXPIRES = 9,
	BGP_EV_HOLD_EXPIRES = 10,
	BGP_EV_KEEPALIVE_EXPIRES = 11,
	BGP_EV_TCP_CR_ACKED = 16,          /* our connect() completed */
	BGP_EV_TCP_CONFIRMED = 17,         /* we accepted the peer's connection */
	BGP_EV_TCP_FAILS = 18,
	BGP_EV_OPEN = 19,                  /* a valid OPEN, checked by the owner */
	BGP_EV_HEADER_ERR = 21,
	BGP_EV_OPEN_ERR = 22,
	BGP_EV_COLLISION_DUMP = 23,
	BGP_EV_NOTIF_VERSION_ERR = 24,
	BGP_EV_NOTIFICATION = 25,
	BGP_EV_KEEPALIVE = 26,
	BGP_EV_UPDATE = 27,
	BGP_EV_UPDATE_ERR = 28,
	BGP_EV_ROUTE_REFRESH = 29,         /* not an RFC 4271 event: RFC 2918 */
};

/* What the machine asks of its owner. Every hook is required. */
struct bgp_fsm_ops {
	int (*connect)(void *ctx);                 /* start a TCP connection; 0 or -1 */
	void (*disconnect)(void *ctx);             /* drop the TCP connection */
	void (*send_open)(void *ctx);
	void (*send_keepalive)(void *ctx);
	/* Send a NOTIFICATION (when a connection exists) before the teardown
	 * that always follows it. */
	void (*send_notification)(void *ctx, const struct bgp_error *err);
	void (*start_connect_retry)(void *ctx);    /* (re)arm ConnectRetryTimer */
	void (*stop_connect_retry)(void *ctx);
	/* Hold and keepalive timers, with the values negotiated at OPEN (the
	 * owner knows them); hold_large arms the 4-minute OpenSent hold
	 * (section 8.2.2, Connect state). */
	void (*start_hold)(void *ctx, bool hold_large);
	void (*stop_hold)(void *ctx);
	void (*start_keepalive)(void *ctx);
	void (*stop_keepalive)(void *ctx);
	void (*established)(void *ctx);            /* the session is up */
	/* Left Established, or gave up before it: release routes, count the
	 * failure. reason is what went wrong, for show output and logs. */
	void (*down)(void *ctx, const char *reason);
	void (*process_update)(void *ctx);         /* the owner has the message */
	void (*process_refresh)(void *ctx);
};

struct bgp_fsm {
	enum bgp_state state;
	const struct bgp_fsm_ops *ops;
	void *ctx;
	bool passive;             /* never connect; wait for the peer (Active) */
	uint32_t connect_retry_counter;
	/* Set by the owner before BGP_EV_HEADER_ERR / OPEN_ERR / UPDATE_ERR:
	 * the NOTIFICATION the parser chose. */
	struct bgp_error pending_error;
	/* The last reason the session went down, for show output. */
	char last_reset[96];
};

void bgp_fsm_init(struct bgp_fsm *fsm, const struct bgp_fsm_ops *ops, void *ctx, bool passive);

/* Feed one event; returns the state after it. */
enum bgp_state bgp_fsm_event(struct bgp_fsm *fsm, enum bgp_event ev);

/* As FRR prints them: "Idle", "Connect", "Active", "OpenSent",
 * "OpenConfirm", "Established". */
const char *bgp_state_name(enum bgp_state state);
const char *bgp_event_name(enum bgp_event ev);

#endif
