/*
 * ike_tunnels.c - tunneld's configuration turned into charon's
 * connections (ike.h): which tunnels IKE keys, and the interface ID that
 * binds their CHILD_SAs to each one's TUN device.
 */
/* strongSwan first (ike_kernel.h): its utils.h defines _GNU_SOURCE */
#include "ike_kernel.h"

#include "ike.h"

#include <string.h>

#include "log.h"
#include "tunneld.h"

#define LOG_TAG "ike"

void ike_sync_tunnels(struct tunneld *td, const struct tunneld_config *cfg)
{
	static struct ike_conn conns[TCFG_MAX_TUNNELS];
	size_t n = 0;
	char err[256];

	for (size_t i = 0; i < cfg->count; i++) {
		const struct tcfg_tunnel *c = &cfg->tunnels[i];
		if (c->kind != TCFG_IPSEC || !c->ike.enabled || c->shutdown || !tcfg_complete(c, NULL, 0))
			continue;
		const struct tunnel *t = tunneld_find(td, c->name);
		if (t == NULL)
			continue;
		struct ike_conn *k = &conns[n++];
		memset(k, 0, sizeof(*k));
		snprintf(k->name, sizeof(k->name), "%s", c->name);
		k->if_id = ike_kernel_index_to_if_id(t->index);
		memcpy(k->local, c->source, 4);
		memcpy(k->peer, c->destination, 4);
		snprintf(k->psk, sizeof(k->psk), "%s", c->ike.psk);
		snprintf(k->ike_proposal, sizeof(k->ike_proposal), "%s", tcfg_ike_proposal(&c->ike));
		snprintf(k->esp_proposal, sizeof(k->esp_proposal), "%s", tcfg_esp_proposal(&c->ike));
		k->initiate = c->ike.initiate;
		k->ike_lifetime = tcfg_ike_lifetime(&c->ike);
		k->esp_lifetime = tcfg_esp_lifetime(&c->ike);
		struct tcfg_dpd d = tcfg_ike_dpd(&c->ike);
		k->dpd_interval = d.action == TCFG_DPD_NONE ? 0 : d.interval;
		k->dpd_timeout = d.action == TCFG_DPD_NONE ? 0 : d.timeout;
		k->dpd_restart = d.action == TCFG_DPD_RESTART;
		k->natt_force = c->ike.natt_force;
	}
	if (ike_sync(conns, n, err, sizeof(err)) != 0)
		log_err(LOG_TAG, "connections not loaded: %s", err);
	explicit_bzero(conns, sizeof(conns));
}
