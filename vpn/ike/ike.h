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
	/* IKE's NAT-T port (RFC 3948). tunneld's workers own UDP 4500 for
	 * ESP, so by default (0) charon takes a port of the kernel's
	 * choosing. */
	uint16_t natt_port;
};

/* Start charon. 0, or -1 with a reason in err. Only one at a time. */
int ike_start(const struct ike_params *p, char *err, size_t errlen);

/* Stop charon: IKE SAs are dropped, their CHILD_SAs deleted from the
 * engine. Safe when not started. */
void ike_stop(void);

bool ike_running(void);

/* An engine expiry notice (ipsec_expire_fn's arguments). true when the
 * SA was negotiated by IKE and charon has been told (it rekeys on soft,
 * deletes on hard); false: a manual SA, the caller reports it. */
bool ike_sa_expired(uint32_t spi, bool inbound, bool hard);

/* The VICI socket's path for rundir, into buf. */
void ike_vici_path(const char *rundir, char *buf, size_t len);

#endif
