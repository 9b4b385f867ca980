/*
 * ike_backend.c - tunneld's IKE tunnels as charon's configuration: a
 * backend_t (the peer, IKE and CHILD configurations charon looks up when
 * it initiates or responds), an in-memory credential set with the
 * pre-shared keys, and a bus listener that keeps each tunnel's IKE state
 * and last error for `show tunnel` (ike.h).
 *
 * Why a backend and not VICI from inside tunneld: the configuration is
 * already parsed and checked here, a backend_t is three lookups, and no
 * message encoding or socket round trip can fail between the two. VICI
 * stays for operators (swanctl --list-sas).
 */
/* strongSwan first: its utils.h defines _GNU_SOURCE before any libc header.
 * libcharon's daemon.h is reached through one of its subdirectories
 * because lib/daemon.h, the project's own, comes first on the -I path. */
#include <sa/../daemon.h>
#include <credentials/sets/mem_cred.h>
#include <processing/jobs/callback_job.h>
#include <threading/mutex.h>
#include <threading/rwlock.h>

#include "ike.h"
#include "ike_backend.h"
#include "ike_kernel.h"

#include <string.h>

#include "log.h"

#define LOG_TAG "ike"
/* charon's retransmissions when a tunnel sets a DPD timeout: this many
 * resends, evenly spaced, so the last one gives up at the timeout. */
#define DPD_RETRANSMIT_TRIES 4
/* charon's own schedule otherwise (task_manager.h): 4 s, growing 1.8 times
 * a try, given up after the fifth resend (about 165 s). */
#define CHARON_RETRANSMIT_TIMEOUT 4.0
#define CHARON_RETRANSMIT_BASE    1.8
#define CHARON_RETRANSMIT_TRIES   5

struct ike_state {
	char name[IKE_NAME_MAX + 1];
	/* The tunnel's current IKE SA (charon's unique ID; 0: none yet):
	 * after a rekey (RFC 7296 2.8.2) the old one is deleted while the
	 * new one carries on, and its end must not mark the tunnel down. */
	uint32_t ike_id;
	char state[32];
	char error[160];
	bool used;
};

struct ike_backend {
	backend_t backend;
	listener_t listener;
	rwlock_t *lock;
	linked_list_t *peers; /* peer_cfg_t */
	mem_cred_t *creds;
	mutex_t *state_lock;
	struct ike_state states[IPSEC_MAX_REQID];
};

static struct ike_backend *be;

/* ---- backend_t ------------------------------------------------------------------- */

CALLBACK(peer_ike_filter, bool, void *data, enumerator_t *orig, va_list args)
{
	peer_cfg_t *cfg;
	ike_cfg_t **out;

	(void)data;
	VA_ARGS_VGET(args, out);
	if (orig->enumerate(orig, &cfg)) {
		*out = cfg->get_ike_cfg(cfg);
		return TRUE;
	}
	return FALSE;
}

METHOD(backend_t, create_ike_cfg_enumerator, enumerator_t *, struct ike_backend *this, host_t *me,
       host_t *other)
{
	(void)me;
	(void)other;
	this->lock->read_lock(this->lock);
	return enumerator_create_filter(this->peers->create_enumerator(this->peers), peer_ike_filter, this->lock,
	                                (void *)this->lock->unlock);
}

METHOD(backend_t, create_peer_cfg_enumerator, enumerator_t *, struct ike_backend *this, identification_t *me,
       identification_t *other)
{
	(void)me;
	(void)other;
	this->lock->read_lock(this->lock);
	return enumerator_create_cleaner(this->peers->create_enumerator(this->peers), (void *)this->lock->unlock,
	                                 this->lock);
}

static peer_cfg_t *find_peer(struct ike_backend *this, const char *name)
{
	peer_cfg_t *cfg, *found = NULL;

	this->lock->read_lock(this->lock);
	enumerator_t *e = this->peers->create_enumerator(this->peers);
	while (e->enumerate(e, &cfg))
		if (streq(cfg->get_name(cfg), name)) {
			found = cfg->get_ref(cfg);
			break;
		}
	e->destroy(e);
	this->lock->unlock(this->lock);
	return found;
}

METHOD(backend_t, get_peer_cfg_by_name, peer_cfg_t *, struct ike_backend *this, char *name)
{
	return find_peer(this, name);
}

/* ---- state for `show tunnel` --------------------------------------------------------- */

static struct ike_state *state_of(struct ike_backend *this, const char *name, bool create)
{
	struct ike_state *free_slot = NULL;

	for (size_t i = 0; i < IPSEC_MAX_REQID; i++) {
		struct ike_state *s = &this->states[i];
		if (s->used && strcmp(s->name, name) == 0)
			return s;
		if (!s->used && free_slot == NULL)
			free_slot = s;
	}
	if (!create || free_slot == NULL)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->name, sizeof(free_slot->name), "%s", name);
	free_slot->used = true;
	return free_slot;
}

/* How a state change relates to the tunnel's current IKE SA. */
enum ike_which {
	STATE_OF_ANY_SA,      /* whichever IKE SA: it becomes the current one */
	STATE_OF_CURRENT_SA,  /* only the current one (or any when there is none) */
	STATE_OF_GONE_SA,     /* as STATE_OF_CURRENT_SA, and there is none after it */
};

static void set_state_of(struct ike_backend *this, ike_sa_t *ike_sa, enum ike_which which, const char *state,
                         const char *error)
{
	if (ike_sa == NULL)
		return;
	const char *name = ike_sa->get_name(ike_sa);
	uint32_t id = ike_sa->get_unique_id(ike_sa);
	this->state_lock->lock(this->state_lock);
	struct ike_state *s = state_of(this, name, false);
	if (s != NULL && which != STATE_OF_ANY_SA && s->ike_id != 0 && s->ike_id != id)
		s = NULL; /* e.g. the old IKE SA going away after a rekey */
	else if (s != NULL)
		s->ike_id = which == STATE_OF_GONE_SA ? 0 : id;
	if (s != NULL) {
		if (state != NULL)
			snprintf(s->state, sizeof(s->state), "%s", state);
		if (error != NULL)
			snprintf(s->error, sizeof(s->error), "%s", error);
	}
	this->state_lock->unlock(this->state_lock);
	if (s != NULL && error != NULL && error[0] != '\0')
		log_warn(LOG_TAG, "tunnel %s: %s", name, error);
}

static void set_state(struct ike_backend *this, ike_sa_t *ike_sa, const char *state, const char *error)
{
	set_state_of(this, ike_sa, STATE_OF_ANY_SA, state, error);
}

/* The listener is not the first member: `this` comes from the global. */
METHOD(listener_t, on_alert, bool, listener_t *listener, ike_sa_t *ike_sa, alert_t alert, va_list args)
{
	struct ike_backend *this = be;
	const char *why = NULL;

	(void)listener;
	(void)args;
	switch (alert) {
	case ALERT_PEER_AUTH_FAILED:
		why = "authentication failed: the peer's AUTH did not verify (pre-shared key mismatch?)";
		break;
	case ALERT_LOCAL_AUTH_FAILED:
		why = "authentication failed: the peer rejected ours (pre-shared key mismatch?)";
		break;
	case ALERT_PROPOSAL_MISMATCH_IKE:
		why = "no IKE proposal in common with the peer (ike-proposal)";
		break;
	case ALERT_PROPOSAL_MISMATCH_CHILD:
		why = "no ESP proposal in common with the peer (esp-proposal)";
		break;
	case ALERT_TS_MISMATCH:
		why = "traffic selectors do not match the peer's";
		break;
	case ALERT_RETRANSMIT_SEND_TIMEOUT:
	case ALERT_PEER_INIT_UNREACHABLE:
		why = "the peer does not answer";
		break;
	case ALERT_INSTALL_CHILD_SA_FAILED:
		why = "the CHILD_SA could not be installed in the ESP engine";
		break;
	default:
		break;
	}
	if (why != NULL)
		set_state(this, ike_sa, "down", why);
	return TRUE;
}

/* The listener is not the first member: `this` comes from the global. */
METHOD(listener_t, on_ike_state_change, bool, listener_t *listener, ike_sa_t *ike_sa, ike_sa_state_t state)
{
	struct ike_backend *this = be;

	(void)listener;
	switch (state) {
	/* Neither of the two for the new IKE SA of a rekey (it passes
	 * through both): on_ike_rekey() hands over. */
	case IKE_CONNECTING:
		set_state_of(this, ike_sa, STATE_OF_CURRENT_SA, "connecting", NULL);
		break;
	case IKE_ESTABLISHED:
		set_state_of(this, ike_sa, STATE_OF_CURRENT_SA, "ike-established", "");
		break;
	case IKE_DELETING:
		set_state_of(this, ike_sa, STATE_OF_CURRENT_SA, "down", NULL);
		break;
	case IKE_DESTROYING:
		set_state_of(this, ike_sa, STATE_OF_GONE_SA, "down", NULL);
		break;
	default:
		break;
	}
	return TRUE;
}

/* The listener is not the first member: `this` comes from the global. */
METHOD(listener_t, on_ike_rekey, bool, listener_t *listener, ike_sa_t *old, ike_sa_t *new)
{
	struct ike_backend *this = be;

	(void)listener;
	/* The CHILD_SAs moved to the new IKE SA: the state stays as it was. */
	this->state_lock->lock(this->state_lock);
	struct ike_state *s = state_of(this, old->get_name(old), false);
	if (s != NULL && (s->ike_id == 0 || s->ike_id == old->get_unique_id(old)))
		s->ike_id = new->get_unique_id(new);
	this->state_lock->unlock(this->state_lock);
	return TRUE;
}

/* The listener is not the first member: `this` comes from the global. */
METHOD(listener_t, on_child_updown, bool, listener_t *listener, ike_sa_t *ike_sa, child_sa_t *child_sa,
       bool up)
{
	struct ike_backend *this = be;

	(void)listener;
	(void)child_sa;
	if (up)
		set_state(this, ike_sa, "up", "");
	else if (ike_sa->get_state(ike_sa) == IKE_ESTABLISHED)
		set_state(this, ike_sa, "ike-established", NULL);
	return TRUE;
}

void ike_backend_state(const char *name, char *state, size_t slen, char *error, size_t elen)
{
	snprintf(state, slen, "%s", "not-running");
	snprintf(error, elen, "%s", "");
	if (be == NULL)
		return;
	be->state_lock->lock(be->state_lock);
	struct ike_state *s = state_of(be, name, false);
	if (s != NULL) {
		snprintf(state, slen, "%s", s->state[0] != '\0' ? s->state : "down");
		snprintf(error, elen, "%s", s->error);
	}
	be->state_lock->unlock(be->state_lock);
}

/* ---- building a tunnel's configuration ------------------------------------------------- */

static bool add_proposals(const char *list, protocol_id_t proto, ike_cfg_t *ike, child_cfg_t *child)
{
	char buf[IKE_PROPOSAL_MAX + 1];
	bool any = false;

	snprintf(buf, sizeof(buf), "%s", list);
	for (char *save = NULL, *p = strtok_r(buf, ",", &save); p != NULL; p = strtok_r(NULL, ",", &save)) {
		proposal_t *prop = proposal_create_from_string(proto, p);
		if (prop == NULL)
			return false;
		if (ike != NULL)
			ike->add_proposal(ike, prop);
		else
			child->add_proposal(child, prop);
		any = true;
	}
	return any;
}

static identification_t *v4_id(const uint8_t a[4])
{
	return identification_create_from_encoding(ID_IPV4_ADDR, chunk_create((u_char *)a, 4));
}

static auth_cfg_t *psk_auth(const uint8_t addr[4])
{
	auth_cfg_t *auth = auth_cfg_create();

	auth->add(auth, AUTH_RULE_AUTH_CLASS, AUTH_CLASS_PSK);
	auth->add(auth, AUTH_RULE_IDENTITY, v4_id(addr));
	return auth;
}

static void add_any_ts(child_cfg_t *child, bool local)
{
	/* Route-based: the TUN device decides what enters the tunnel, so
	 * the selectors are everything (RFC 7296 2.9). */
	child->add_traffic_selector(child, local, traffic_selector_create_from_cidr("0.0.0.0/0", 0, 0, 65535));
	child->add_traffic_selector(child, local, traffic_selector_create_from_cidr("::/0", 0, 0, 65535));
}

static peer_cfg_t *build_peer(const struct ike_conn *c, char *err, size_t errlen)
{
	char local[INET_ADDRSTRLEN], remote[INET_ADDRSTRLEN];

	snprintf(local, sizeof(local), "%u.%u.%u.%u", c->local[0], c->local[1], c->local[2], c->local[3]);
	snprintf(remote, sizeof(remote), "%u.%u.%u.%u", c->peer[0], c->peer[1], c->peer[2], c->peer[3]);
	ike_cfg_create_t ike = {
	    .version = IKEV2,
	    .local = local,
	    .local_port = charon->socket->get_port(charon->socket, FALSE),
	    .remote = remote,
	    .remote_port = IKEV2_UDP_PORT,
	    .no_certreq = TRUE,
	    /* RFC 3948 / RFC 7296 2.23: charon fakes the NAT detection
	     * payloads, so both ends encapsulate. */
	    .force_encap = c->natt_force,
	    .fragmentation = FRAGMENTATION_YES,
	};
	ike_cfg_t *ike_cfg = ike_cfg_create(&ike);
	if (!add_proposals(c->ike_proposal, PROTO_IKE, ike_cfg, NULL)) {
		snprintf(err, errlen, "ike-proposal '%s' is not a valid strongSwan proposal", c->ike_proposal);
		ike_cfg->destroy(ike_cfg);
		return NULL;
	}
	/* The lifetimes are hard limits, as providers publish them; the
	 * rekey starts before, swanctl's way: rekey = life / 1.1, minus a
	 * random jitter of up to the remaining margin (RFC 7296 2.8 asks
	 * for the randomness, so two ends do not rekey at once). */
	uint32_t ike_rekey = c->ike_lifetime * 10 / 11, esp_rekey = c->esp_lifetime * 10 / 11;
	peer_cfg_create_t peer = {
	    .cert_policy = CERT_NEVER_SEND,
	    .unique = UNIQUE_REPLACE,
	    .keyingtries = c->initiate ? 0 : 1, /* 0: an initiator keeps trying */
	    .rekey_time = ike_rekey,
	    .jitter_time = c->ike_lifetime - ike_rekey,
	    .over_time = c->ike_lifetime - ike_rekey,
	    .dpd = c->dpd_interval,
	    .dpd_timeout = c->dpd_timeout, /* IKEv1's; IKEv2 retransmits (ike_backend_sync) */
	    .if_id_in = c->if_id,
	    .if_id_out = c->if_id,
	};
	char name[IKE_NAME_MAX + 1];
	snprintf(name, sizeof(name), "%s", c->name);
	peer_cfg_t *pc = peer_cfg_create(name, ike_cfg, &peer);
	pc->add_auth_cfg(pc, psk_auth(c->local), TRUE);
	pc->add_auth_cfg(pc, psk_auth(c->peer), FALSE);

	child_cfg_create_t child = {
	    .lifetime = {.time = {.life = c->esp_lifetime, .rekey = esp_rekey, .jitter = c->esp_lifetime - esp_rekey}},
	    .mode = MODE_TUNNEL,
	    /* The tunnel the SAs belong to (ike_kernel.h). */
	    .if_id_in = c->if_id,
	    .if_id_out = c->if_id,
	    .dpd_action = c->dpd_restart ? ACTION_START : ACTION_NONE,
	    .close_action = c->initiate ? ACTION_START : ACTION_NONE,
	};
	child_cfg_t *cc = child_cfg_create(name, &child);
	if (!add_proposals(c->esp_proposal, PROTO_ESP, NULL, cc)) {
		snprintf(err, errlen, "esp-proposal '%s' is not a valid strongSwan proposal", c->esp_proposal);
		cc->destroy(cc);
		pc->destroy(pc);
		return NULL;
	}
	add_any_ts(cc, TRUE);
	add_any_ts(cc, FALSE);
	pc->add_child_cfg(pc, cc);
	return pc;
}

/* ---- jobs: terminate and initiate outside the main thread ------------------------------- */

struct name_job {
	char name[IKE_NAME_MAX + 1];
};

static job_requeue_t terminate_job(void *data)
{
	struct name_job *j = data;
	uint32_t ids[16];
	size_t n = 0;
	ike_sa_t *ike_sa;

	enumerator_t *e = charon->controller->create_ike_sa_enumerator(charon->controller, TRUE);
	while (n < sizeof(ids) / sizeof(ids[0]) && e->enumerate(e, &ike_sa))
		if (streq(ike_sa->get_name(ike_sa), j->name))
			ids[n++] = ike_sa->get_unique_id(ike_sa);
	e->destroy(e);
	for (size_t i = 0; i < n; i++)
		charon->controller->terminate_ike(charon->controller, ids[i], FALSE, NULL, NULL, 0);
	return JOB_REQUEUE_NONE;
}

static job_requeue_t initiate_job(void *data)
{
	struct name_job *j = data;
	peer_cfg_t *pc = be != NULL ? find_peer(be, j->name) : NULL;

	if (pc == NULL)
		return JOB_REQUEUE_NONE;
	child_cfg_t *cc = NULL;
	enumerator_t *e = pc->create_child_cfg_enumerator(pc);
	if (e->enumerate(e, &cc))
		cc = cc->get_ref(cc);
	e->destroy(e);
	if (cc == NULL) {
		pc->destroy(pc);
		return JOB_REQUEUE_NONE;
	}
	log_info(LOG_TAG, "tunnel %s: initiating", j->name);
	/* The controller takes both references. */
	charon->controller->initiate(charon->controller, pc, cc, NULL, NULL, 0, FALSE);
	return JOB_REQUEUE_NONE;
}

static void queue_name_job(callback_job_cb_t cb, const char *name)
{
	struct name_job *j = malloc(sizeof(*j));

	if (j == NULL)
		return;
	snprintf(j->name, sizeof(j->name), "%s", name);
	lib->processor->queue_job(lib->processor, (job_t *)callback_job_create(cb, j, free, NULL));
}

/* ---- sync --------------------------------------------------------------------------- */

static bool conn_same(const struct ike_conn *a, const struct ike_conn *b)
{
	return strcmp(a->name, b->name) == 0 && a->if_id == b->if_id && memcmp(a->local, b->local, 4) == 0 &&
	       memcmp(a->peer, b->peer, 4) == 0 && strcmp(a->psk, b->psk) == 0 &&
	       strcmp(a->ike_proposal, b->ike_proposal) == 0 && strcmp(a->esp_proposal, b->esp_proposal) == 0 &&
	       a->initiate == b->initiate && a->ike_lifetime == b->ike_lifetime && a->esp_lifetime == b->esp_lifetime &&
	       a->dpd_interval == b->dpd_interval && a->dpd_timeout == b->dpd_timeout &&
	       a->dpd_restart == b->dpd_restart && a->natt_force == b->natt_force;
}

/*
 * RFC 7296 2.4: an IKEv2 peer is dead when a request (a DPD probe is an
 * empty INFORMATIONAL) goes unanswered through all its retransmissions;
 * there is no separate timeout. charon's schedule is process-wide and
 * read when an IKE SA is created, so the shortest DPD timeout among the
 * tunnels is made the schedule's length, resends evenly spaced; without
 * one, charon's own schedule applies.
 */
static void set_retransmission(const struct ike_conn *conns, size_t n)
{
	uint32_t shortest = 0;

	for (size_t i = 0; i < n; i++)
		if (conns[i].dpd_timeout != 0 && (shortest == 0 || conns[i].dpd_timeout < shortest))
			shortest = conns[i].dpd_timeout;
	settings_t *s = lib->settings;
	if (shortest == 0) {
		s->set_double(s, "%s.retransmit_timeout", CHARON_RETRANSMIT_TIMEOUT, lib->ns);
		s->set_double(s, "%s.retransmit_base", CHARON_RETRANSMIT_BASE, lib->ns);
		s->set_int(s, "%s.retransmit_tries", CHARON_RETRANSMIT_TRIES, lib->ns);
		return;
	}
	/* The request and its resends go out at 0, t, ..., tries * t; the
	 * timer after the last gives up at (tries + 1) * t. */
	s->set_double(s, "%s.retransmit_timeout", (double)shortest / (DPD_RETRANSMIT_TRIES + 1), lib->ns);
	s->set_double(s, "%s.retransmit_base", 1.0, lib->ns);
	s->set_int(s, "%s.retransmit_tries", DPD_RETRANSMIT_TRIES, lib->ns);
}

/* What the last sync installed, to see what changed. */
static struct ike_conn current[IPSEC_MAX_REQID];
static size_t current_count;

static const struct ike_conn *find_conn(const struct ike_conn *list, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(list[i].name, name) == 0)
			return &list[i];
	return NULL;
}

int ike_backend_sync(const struct ike_conn *conns, size_t n, char *err, size_t errlen)
{
	if (be == NULL) {
		snprintf(err, errlen, "IKE is not running");
		return -1;
	}
	if (n > IPSEC_MAX_REQID) {
		snprintf(err, errlen, "too many IKE tunnels");
		return -1;
	}
	set_retransmission(conns, n);
	linked_list_t *peers = linked_list_create();
	mem_cred_t *creds = mem_cred_create();
	char why[IKE_PROPOSAL_MAX + 64];
	bool bad[IPSEC_MAX_REQID] = {false};
	for (size_t i = 0; i < n; i++) {
		peer_cfg_t *pc = build_peer(&conns[i], why, sizeof(why));
		if (pc == NULL) {
			/* Left out; the other tunnels still get theirs. */
			log_err(LOG_TAG, "tunnel %s: %s", conns[i].name, why);
			bad[i] = true;
			continue;
		}
		peers->insert_last(peers, pc);
		/* RFC 7296 2.15: one key for both directions, bound to the
		 * two identities. */
		shared_key_t *key =
		    shared_key_create(SHARED_IKE, chunk_clone(chunk_create((u_char *)conns[i].psk, strlen(conns[i].psk))));
		creds->add_shared(creds, key, v4_id(conns[i].local), v4_id(conns[i].peer), NULL);
	}

	/* Swap in the new configuration and keys. */
	be->lock->write_lock(be->lock);
	linked_list_t *old_peers = be->peers;
	be->peers = peers;
	be->lock->unlock(be->lock);
	lib->credmgr->add_set(lib->credmgr, &creds->set);
	if (be->creds != NULL) {
		lib->credmgr->remove_set(lib->credmgr, &be->creds->set);
		be->creds->destroy(be->creds);
	}
	be->creds = creds;
	old_peers->destroy_offset(old_peers, offsetof(peer_cfg_t, destroy));

	be->state_lock->lock(be->state_lock);
	for (size_t i = 0; i < n; i++) {
		struct ike_state *st = state_of(be, conns[i].name, true);
		if (st != NULL && bad[i]) {
			snprintf(st->state, sizeof(st->state), "down");
			snprintf(st->error, sizeof(st->error), "not loaded: a proposal charon cannot parse");
		}
	}
	for (size_t i = 0; i < IPSEC_MAX_REQID; i++)
		if (be->states[i].used && find_conn(conns, n, be->states[i].name) == NULL)
			be->states[i].used = false;
	be->state_lock->unlock(be->state_lock);

	/* Gone or changed: their IKE SAs end. New or changed initiators
	 * start. */
	for (size_t i = 0; i < current_count; i++) {
		const struct ike_conn *now = find_conn(conns, n, current[i].name);
		if (now == NULL || !conn_same(now, &current[i]))
			queue_name_job(terminate_job, current[i].name);
	}
	for (size_t i = 0; i < n; i++) {
		const struct ike_conn *was = find_conn(current, current_count, conns[i].name);
		if (conns[i].initiate && !bad[i] && (was == NULL || !conn_same(was, &conns[i])))
			queue_name_job(initiate_job, conns[i].name);
	}
	for (size_t i = 0; i < current_count; i++)
		explicit_bzero(current[i].psk, sizeof(current[i].psk));
	memcpy(current, conns, n * sizeof(*conns));
	current_count = n;
	return 0;
}

/* ---- lifecycle ------------------------------------------------------------------------ */

void ike_backend_start(void)
{
	if (be != NULL)
		return;
	INIT(be,
	     .backend = {.create_ike_cfg_enumerator = _create_ike_cfg_enumerator,
	                 .create_peer_cfg_enumerator = _create_peer_cfg_enumerator,
	                 .get_peer_cfg_by_name = _get_peer_cfg_by_name},
	     .listener = {.alert = _on_alert, .ike_state_change = _on_ike_state_change,
	                  .ike_rekey = _on_ike_rekey, .child_updown = _on_child_updown},
	     .lock = rwlock_create(RWLOCK_TYPE_DEFAULT), .peers = linked_list_create(),
	     .state_lock = mutex_create(MUTEX_TYPE_DEFAULT), );
	charon->backends->add_backend(charon->backends, &be->backend);
	charon->bus->add_listener(charon->bus, &be->listener);
}

void ike_backend_stop(void)
{
	if (be == NULL)
		return;
	charon->bus->remove_listener(charon->bus, &be->listener);
	charon->backends->remove_backend(charon->backends, &be->backend);
	if (be->creds != NULL) {
		lib->credmgr->remove_set(lib->credmgr, &be->creds->set);
		be->creds->destroy(be->creds);
	}
	be->peers->destroy_offset(be->peers, offsetof(peer_cfg_t, destroy));
	be->lock->destroy(be->lock);
	be->state_lock->destroy(be->state_lock);
	free(be);
	be = NULL;
	for (size_t i = 0; i < current_count; i++)
		explicit_bzero(current[i].psk, sizeof(current[i].psk));
	current_count = 0;
}
