/*
 * ike.h - the IKE daemon embedded in skygate-tunneld: strongSwan's
 * libcharon, started in-process the way charon-svc and Android's charon
 * embed it (library_init, libcharon_init, charon->initialize with a
 * plugin list, charon->start), with tunneld's ESP engine registered as
 * its `kernel-ipsec` feature (ike_kernel.h), so every negotiated
 * CHILD_SA is installed in the engine. docs/ike.md describes it.
 *
 * This header is plain C11 and names no strongSwan type, so that the
 * daemon's main.c builds without strongSwan's headers.
 *
 * Settings: charon reads none of /etc/strongswan.conf (that is the stock
 * charon's); its namespace is "charon-skygate" and ike_start() sets every
 * value it needs. The VICI plugin listens on unix://RUNDIR/charon.vici,
 * so `swanctl --uri unix://RUNDIR/charon.vici --list-sas` shows the SAs.
 * Charon's messages go to the project's log module under the tag "ike";
 * never with strongSwan's RAW or PRIVATE levels, which print keys.
 *
 * Threads: ike_start() and ike_stop() run on the main thread; charon runs
 * its own threads, which call into the SA database (ipsec_sa.h).
 *
 * Ownership: the database is borrowed and must outlive ike_stop().
 */
#ifndef SKYGATE_IKE_H
#define SKYGATE_IKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ipsec_sadb;
struct ipsec_sa_ops;

struct ike_params {
	struct ipsec_sadb *sadb;         /* borrowed */
	const struct ipsec_sa_ops *ops;  /* the engine's ops */
	const char *rundir;              /* where charon.vici goes */
	uint16_t port;                   /* IKE's port; 0: 500 */
	uint16_t natt_port;              /* NAT-T's port (RFC 3948); 0: 4500 */
	/* The workers that share port 4500 with IKE (ike_socket.h). */
	unsigned nworkers;
};

/* Start charon. 0, or -1 with a reason in err. Only one at a time.
 * Before the workers open their UDP sockets (ike_socket.h). */
int ike_start(const struct ike_params *p, char *err, size_t errlen);

/* Stop charon: IKE SAs are dropped, their CHILD_SAs deleted from the
 * engine. Safe when not started. */
void ike_stop(void);

bool ike_running(void);

/* An engine expiry notice (ipsec_expire_fn's arguments). true when the
 * SA was negotiated by IKE and charon has been told (it rekeys on soft,
 * deletes on hard); false: a manual SA, the caller reports it. */
bool ike_sa_expired(uint32_t spi, bool inbound, bool hard);

#define IKE_NAME_MAX     15  /* a tunnel's name, an interface name */
#define IKE_PSK_MAX      128
#define IKE_PROPOSAL_MAX 127

/* One tunnel keyed by IKE, as charon gets it: a copy, keys included. */
struct ike_conn {
	char name[IKE_NAME_MAX + 1];
	uint32_t if_id; /* the tunnel's index + 1 (ike_kernel.h) */
	uint8_t local[4], peer[4];
	char psk[IKE_PSK_MAX + 1];
	char ike_proposal[IKE_PROPOSAL_MAX + 1];
	char esp_proposal[IKE_PROPOSAL_MAX + 1];
	bool initiate;
	uint32_t ike_lifetime, esp_lifetime; /* hard lifetimes, seconds */
	uint16_t dpd_interval;               /* 0: no probes */
	uint16_t dpd_timeout;                /* 0: charon's retransmission schedule */
	bool dpd_restart;                    /* initiate again when the peer is dead */
	bool natt_force;                     /* UDP-encapsulate ESP without a NAT */
};

/*
 * Make charon's connections these (after every configuration change):
 * new and changed initiators start, removed and changed tunnels' IKE SAs
 * are closed. A tunnel whose proposals charon cannot parse is left out,
 * with the reason in its state. 0, or -1 with a reason (not running).
 */
int ike_sync(const struct ike_conn *conns, size_t n, char *err, size_t errlen);

struct tunneld;
struct tunneld_config;

/* ike_sync() for the IPsec tunnels of cfg that have a pre-shared key,
 * are complete and not shut down, bound to their runtime tunnels in td
 * (ike_tunnels.c). Failures are logged. */
void ike_sync_tunnels(struct tunneld *td, const struct tunneld_config *cfg);

/* A tunnel's IKE state ("connecting", "ike-established", "up", "down",
 * "not-running") and its last error ("" when none). */
void ike_tunnel_state(const char *name, char *state, size_t slen, char *error, size_t elen);

/* The VICI socket's path for rundir, into buf. */
void ike_vici_path(const char *rundir, char *buf, size_t len);

#endif
