/*
 * ike_kernel.c - kernel_ipsec_t over tunneld's SA database (ike_kernel.h).
 */
/* strongSwan first: its utils.h defines _GNU_SOURCE before any libc header.
 * libcharon's daemon.h is reached through one of its subdirectories
 * because lib/daemon.h, the project's own, comes first on the -I path. */
#include <sa/../daemon.h>

#include "ike_kernel.h"

#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

#define LOG_TAG "ike"

/* One SA this interface added: enough to delete it on flush or destroy
 * and to name it to charon when the engine reports an expiry. */
struct ike_sa_rec {
	struct ipsec_sa_id id; /* spi in host order */
	bool inbound;
	bool used;
};

#define IKE_MAX_SAS (2 * IPSEC_MAX_REQID * 4)

struct ike_kernel {
	kernel_ipsec_t public;
	struct ipsec_sadb *db;
	const struct ipsec_sa_ops *ops;
	pthread_mutex_t lock;
	struct ike_sa_rec recs[IKE_MAX_SAS];
};

/* charon's constructor takes no argument: the binding and the one
 * instance live here. */
static struct ipsec_sadb *bound_db;
static const struct ipsec_sa_ops *bound_ops;
static struct ike_kernel *instance;
static pthread_mutex_t instance_lock = PTHREAD_MUTEX_INITIALIZER;

void ike_kernel_bind(struct ipsec_sadb *db, const struct ipsec_sa_ops *ops)
{
	bound_db = db;
	bound_ops = ops;
}

bool ike_kernel_active(void)
{
	return instance != NULL;
}

/* ---- conversions ---------------------------------------------------------------- */

/* The SA database carries IPv4 underlays only. */
static bool host_v4(host_t *h, uint8_t out[4])
{
	if (h == NULL || h->get_family(h) != AF_INET)
		return false;
	chunk_t a = h->get_address(h);
	if (a.len != 4)
		return false;
	memcpy(out, a.ptr, 4);
	return true;
}

static bool sa_id_from(const kernel_ipsec_sa_id_t *id, struct ipsec_sa_id *out)
{
	memset(out, 0, sizeof(*out));
	if (id->proto != IPPROTO_ESP) {
		log_warn(LOG_TAG, "SA 0x%08x: protocol %u is not ESP; only ESP is supported", ntohl(id->spi),
		         id->proto);
		return false;
	}
	if (!host_v4(id->src, out->src) || !host_v4(id->dst, out->dst)) {
		log_warn(LOG_TAG, "SA 0x%08x: only IPv4 underlay addresses are supported", ntohl(id->spi));
		return false;
	}
	out->spi = ntohl(id->spi);
	return true;
}

/* AES-GCM (RFC 4106) is what the engine implements; its key material is
 * the key and the 4-byte salt, 20 or 36 octets (RFC 4106 8.1). */
static bool cipher_from(const kernel_ipsec_add_sa_t *d, enum esp_cipher *cipher, uint8_t *icv_len)
{
	switch (d->enc_alg) {
	case ENCR_AES_GCM_ICV8:
		*icv_len = 8;
		break;
	case ENCR_AES_GCM_ICV12:
		*icv_len = 12;
		break;
	case ENCR_AES_GCM_ICV16:
		*icv_len = 16;
		break;
	default:
		return false;
	}
	if (d->int_alg != AUTH_UNDEFINED && d->int_alg != 0)
		return false; /* an AEAD has no separate integrity algorithm */
	if (d->enc_key.len != 20 && d->enc_key.len != 36)
		return false;
	*cipher = ESP_CIPHER_AES_GCM;
	return true;
}

static uint16_t port_of(host_t *h)
{
	return h != NULL ? h->get_port(h) : 0;
}

/* ---- the record of IKE's SAs --------------------------------------------------------- */

static struct ike_sa_rec *rec_find(struct ike_kernel *k, const struct ipsec_sa_id *id)
{
	for (size_t i = 0; i < IKE_MAX_SAS; i++) {
		struct ike_sa_rec *r = &k->recs[i];
		if (r->used && r->id.spi == id->spi && memcmp(r->id.dst, id->dst, 4) == 0)
			return r;
	}
	return NULL;
}

static void rec_add(struct ike_kernel *k, const struct ipsec_sa_id *id, bool inbound)
{
	pthread_mutex_lock(&k->lock);
	struct ike_sa_rec *r = rec_find(k, id);
	for (size_t i = 0; r == NULL && i < IKE_MAX_SAS; i++)
		if (!k->recs[i].used)
			r = &k->recs[i];
	/* The database holds at most IKE_MAX_SAS SAs, so a slot is free. */
	if (r != NULL)
		*r = (struct ike_sa_rec){.id = *id, .inbound = inbound, .used = true};
	pthread_mutex_unlock(&k->lock);
}

static void rec_del(struct ike_kernel *k, const struct ipsec_sa_id *id)
{
	pthread_mutex_lock(&k->lock);
	struct ike_sa_rec *r = rec_find(k, id);
	if (r != NULL)
		r->used = false;
	pthread_mutex_unlock(&k->lock);
}

/* ---- kernel_ipsec_t ---------------------------------------------------------------------- */

METHOD(kernel_ipsec_t, get_features, kernel_feature_t, struct ike_kernel *this)
{
	(void)this;
	/* No policies to reinstall when an SA moves: the tunnel, not a
	 * selector, takes the traffic. */
	return KERNEL_NO_POLICY_UPDATES;
}

METHOD(kernel_ipsec_t, get_spi, status_t, struct ike_kernel *this, host_t *src, host_t *dst, uint8_t protocol,
       uint32_t *spi)
{
	uint8_t s[4], d[4];
	uint32_t v;

	if (protocol != IPPROTO_ESP || !host_v4(src, s) || !host_v4(dst, d))
		return NOT_SUPPORTED;
	if (this->ops->get_spi(this->db, s, d, &v) != 0) {
		log_err(LOG_TAG, "no inbound SPI: %s", strerror(errno));
		return FAILED;
	}
	*spi = htonl(v);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, get_cpi, status_t, struct ike_kernel *this, host_t *src, host_t *dst, uint16_t *cpi)
{
	(void)this;
	(void)src;
	(void)dst;
	(void)cpi;
	return NOT_SUPPORTED; /* no IPComp */
}

METHOD(kernel_ipsec_t, add_sa, status_t, struct ike_kernel *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_add_sa_t *data)
{
	struct ipsec_sa_id sid;
	struct ipsec_add_sa add = {0};
	int index = ike_kernel_if_id_to_index(id->if_id);

	if (!sa_id_from(id, &sid))
		return NOT_SUPPORTED;
	if (index < 0) {
		log_err(LOG_TAG, "SA 0x%08x: interface ID %u names no tunnel; refused", sid.spi, id->if_id);
		return FAILED;
	}
	if (data->mode != MODE_TUNNEL) {
		log_err(LOG_TAG, "SA 0x%08x: only tunnel mode is supported", sid.spi);
		return NOT_SUPPORTED;
	}
	if (data->ipcomp != IPCOMP_NONE) {
		log_err(LOG_TAG, "SA 0x%08x: IPComp is not supported", sid.spi);
		return NOT_SUPPORTED;
	}
	if (!cipher_from(data, &add.cipher, &add.icv_len)) {
		log_err(LOG_TAG, "SA 0x%08x: algorithm %u/%u with a %zu-octet key is not supported (AES-GCM only)",
		        sid.spi, data->enc_alg, data->int_alg, data->enc_key.len);
		return NOT_SUPPORTED;
	}
	add.reqid = (uint32_t)index;
	add.inbound = data->inbound;
	add.keymat = data->enc_key.ptr;
	add.keymat_len = data->enc_key.len;
	add.esn = data->esn;
	add.replay_window = data->replay_window;
	/* RFC 3948: the ports are the IKE SA's, carried on the addresses. */
	add.encap = data->encap;
	add.encap_sport = port_of(id->src);
	add.encap_dport = port_of(id->dst);
	if (data->lifetime != NULL) {
		add.life.soft_bytes = data->lifetime->bytes.rekey;
		add.life.hard_bytes = data->lifetime->bytes.life;
		add.life.soft_packets = data->lifetime->packets.rekey;
		add.life.hard_packets = data->lifetime->packets.life;
	}
	/* `update` means the SPI came from get_spi(): the engine reserved it
	 * then, and the SA itself is new. */
	add.update = false;
	if (this->ops->add_sa(this->db, &sid, &add) != 0) {
		log_err(LOG_TAG, "SA 0x%08x: not installed: %s", sid.spi, strerror(errno));
		return FAILED;
	}
	rec_add(this, &sid, data->inbound);
	log_info(LOG_TAG, "%s SA 0x%08x installed on tunnel index %d%s", data->inbound ? "inbound" : "outbound",
	         sid.spi, index, data->encap ? ", UDP-encapsulated" : "");
	return SUCCESS;
}

METHOD(kernel_ipsec_t, update_sa, status_t, struct ike_kernel *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_update_sa_t *data)
{
	struct ipsec_sa_id sid;
	struct ipsec_update_sa up = {0};

	if (!sa_id_from(id, &sid))
		return NOT_SUPPORTED;
	if (!host_v4(data->new_src, up.new_src) || !host_v4(data->new_dst, up.new_dst))
		return NOT_SUPPORTED;
	up.encap = data->new_encap;
	up.encap_sport = port_of(data->new_src);
	up.encap_dport = port_of(data->new_dst);
	if (this->ops->update_sa(this->db, &sid, &up) != 0) {
		int err = errno;
		log_err(LOG_TAG, "SA 0x%08x: not updated: %s", sid.spi, strerror(err));
		return err == ENOENT ? NOT_FOUND : FAILED;
	}
	/* The database finds SAs by destination and SPI: so does the record. */
	pthread_mutex_lock(&this->lock);
	struct ike_sa_rec *r = rec_find(this, &sid);
	if (r != NULL) {
		memcpy(r->id.src, up.new_src, 4);
		memcpy(r->id.dst, up.new_dst, 4);
	}
	pthread_mutex_unlock(&this->lock);
	return SUCCESS;
}

METHOD(kernel_ipsec_t, query_sa, status_t, struct ike_kernel *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_query_sa_t *data, uint64_t *bytes, uint64_t *packets, time_t *use_time)
{
	struct ipsec_sa_id sid;
	struct ipsec_sa_usage u;

	(void)data;
	if (!sa_id_from(id, &sid))
		return NOT_SUPPORTED;
	if (this->ops->query_sa(this->db, &sid, &u) != 0)
		return errno == ENOENT ? NOT_FOUND : FAILED;
	if (bytes != NULL)
		*bytes = u.bytes;
	if (packets != NULL)
		*packets = u.packets;
	if (use_time != NULL) {
		/* The engine keeps wall-clock seconds; charon compares use
		 * times with time_monotonic(). 0: never used. */
		*use_time = u.last_use != 0 ? time_monotonic(NULL) - (time(NULL) - u.last_use) : 0;
	}
	return SUCCESS;
}

METHOD(kernel_ipsec_t, del_sa, status_t, struct ike_kernel *this, kernel_ipsec_sa_id_t *id,
       kernel_ipsec_del_sa_t *data)
{
	struct ipsec_sa_id sid;

	(void)data;
	if (!sa_id_from(id, &sid))
		return NOT_SUPPORTED;
	rec_del(this, &sid);
	if (this->ops->del_sa(this->db, &sid) != 0) {
		if (errno == ENOENT)
			return NOT_FOUND;
		log_err(LOG_TAG, "SA 0x%08x: not deleted: %s", sid.spi, strerror(errno));
		return FAILED;
	}
	log_info(LOG_TAG, "SA 0x%08x deleted", sid.spi);
	return SUCCESS;
}

/* Delete every SA this interface added (the manual ones stay). The
 * records are copied out (to the heap: too large for a charon thread's
 * stack) so that the engine is not called with the lock held. */
static void delete_all(struct ike_kernel *this)
{
	struct ike_sa_rec *recs = malloc(sizeof(this->recs));

	pthread_mutex_lock(&this->lock);
	if (recs == NULL) {
		/* Out of memory: delete under the lock instead. */
		for (size_t i = 0; i < IKE_MAX_SAS; i++)
			if (this->recs[i].used)
				this->ops->del_sa(this->db, &this->recs[i].id);
		memset(this->recs, 0, sizeof(this->recs));
		pthread_mutex_unlock(&this->lock);
		return;
	}
	memcpy(recs, this->recs, sizeof(this->recs));
	memset(this->recs, 0, sizeof(this->recs));
	pthread_mutex_unlock(&this->lock);
	for (size_t i = 0; i < IKE_MAX_SAS; i++)
		if (recs[i].used)
			this->ops->del_sa(this->db, &recs[i].id);
	free(recs);
}

METHOD(kernel_ipsec_t, flush_sas, status_t, struct ike_kernel *this)
{
	delete_all(this);
	return SUCCESS;
}

/* Route-based: the TUN device selects the traffic, so policies have
 * nothing to install. Accepting them lets charon set up its CHILD_SAs
 * as it would over XFRM. */
METHOD(kernel_ipsec_t, add_policy, status_t, struct ike_kernel *this, kernel_ipsec_policy_id_t *id,
       kernel_ipsec_manage_policy_t *data)
{
	(void)this;
	(void)id;
	(void)data;
	return SUCCESS;
}

METHOD(kernel_ipsec_t, query_policy, status_t, struct ike_kernel *this, kernel_ipsec_policy_id_t *id,
       kernel_ipsec_query_policy_t *data, time_t *use_time)
{
	(void)this;
	(void)id;
	(void)data;
	(void)use_time;
	return NOT_SUPPORTED; /* charon then asks query_sa for the use time */
}

METHOD(kernel_ipsec_t, del_policy, status_t, struct ike_kernel *this, kernel_ipsec_policy_id_t *id,
       kernel_ipsec_manage_policy_t *data)
{
	(void)this;
	(void)id;
	(void)data;
	return SUCCESS;
}

METHOD(kernel_ipsec_t, flush_policies, status_t, struct ike_kernel *this)
{
	(void)this;
	return SUCCESS;
}

/* IKE's own sockets never pass through the engine: nothing to bypass. */
METHOD(kernel_ipsec_t, bypass_socket, bool, struct ike_kernel *this, int fd, int family)
{
	(void)this;
	(void)fd;
	(void)family;
	return TRUE;
}

/* tunneld's workers decapsulate RFC 3948 themselves. */
METHOD(kernel_ipsec_t, enable_udp_decap, bool, struct ike_kernel *this, int fd, int family, uint16_t port)
{
	(void)this;
	(void)fd;
	(void)family;
	(void)port;
	return TRUE;
}

METHOD(kernel_ipsec_t, destroy, void, struct ike_kernel *this)
{
	delete_all(this);
	pthread_mutex_lock(&instance_lock);
	if (instance == this)
		instance = NULL;
	pthread_mutex_unlock(&instance_lock);
	pthread_mutex_destroy(&this->lock);
	free(this);
}

kernel_ipsec_t *ike_kernel_ipsec_create(void)
{
	struct ike_kernel *this;

	if (bound_db == NULL || bound_ops == NULL)
		return NULL;
	INIT(this,
	     .public =
	         {
	             .get_features = _get_features,
	             .get_spi = _get_spi,
	             .get_cpi = _get_cpi,
	             .add_sa = _add_sa,
	             .update_sa = _update_sa,
	             .query_sa = _query_sa,
	             .del_sa = _del_sa,
	             .flush_sas = _flush_sas,
	             .add_policy = _add_policy,
	             .query_policy = _query_policy,
	             .del_policy = _del_policy,
	             .flush_policies = _flush_policies,
	             .bypass_socket = _bypass_socket,
	             .enable_udp_decap = _enable_udp_decap,
	             .destroy = _destroy,
	         },
	     .db = bound_db, .ops = bound_ops, );
	pthread_mutex_init(&this->lock, NULL);
	pthread_mutex_lock(&instance_lock);
	instance = this;
	pthread_mutex_unlock(&instance_lock);
	return &this->public;
}

bool ike_kernel_expire(uint32_t spi, bool inbound, bool hard)
{
	struct ike_sa_rec rec = {0};

	pthread_mutex_lock(&instance_lock);
	struct ike_kernel *k = instance;
	if (k != NULL) {
		pthread_mutex_lock(&k->lock);
		for (size_t i = 0; i < IKE_MAX_SAS; i++)
			if (k->recs[i].used && k->recs[i].id.spi == spi && k->recs[i].inbound == inbound)
				rec = k->recs[i];
		pthread_mutex_unlock(&k->lock);
	}
	pthread_mutex_unlock(&instance_lock);
	if (!rec.used)
		return false;
	if (charon != NULL && charon->kernel != NULL) {
		host_t *dst = host_create_from_chunk(AF_INET, chunk_create(rec.id.dst, 4), 0);
		if (dst != NULL) {
			/* kernel_interface_t.expire queues a rekey (soft) or a
			 * delete (hard) of the CHILD_SA that owns the SPI. */
			charon->kernel->expire(charon->kernel, IPPROTO_ESP, htonl(spi), dst, hard);
			dst->destroy(dst);
		}
	}
	return true;
}
