/*
 * ipsec_sa.c - the SA database: kernel_ipsec_t-shaped operations, the
 * snapshot the packet path reads, quiescent-state reclamation, and expiry
 * events handed from workers to the main thread.
 */
#include "ipsec_sa.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAX_SAS        (2 * IPSEC_MAX_REQID * 4)
#define EVENT_RING     256
#define GRACE_POLL_US  1000
#define GRACE_MAX_US   (5 * 1000 * 1000)

struct ipsec_sa_cb {
	struct ipsec_sadb *db;
	uint32_t reqid, spi;
	bool inbound;
};

struct expire_event {
	uint32_t reqid, spi;
	bool inbound, hard;
};

struct ipsec_sadb {
	struct ipsec_sadb_head head; /* first: ipsec_sadb_snap() relies on it */
	pthread_mutex_t lock;
	struct esp_spi_pool *spis;
	struct ipsec_sa_entry *all[MAX_SAS];
	size_t count;

	/* Reclamation: a generation counter bumped by every change, and the
	 * generation each worker last saw at a quiescent point. */
	_Atomic uint64_t gen;
	_Atomic uint64_t seen[IPSEC_MAX_WORKERS];
	_Atomic unsigned nworkers;
	void (*kick)(void *arg); /* wakes idle workers (main thread) */
	void *kick_arg;

	/* Expiry events from workers. */
	pthread_mutex_t ev_lock;
	struct expire_event ring[EVENT_RING];
	size_t ev_head, ev_count;
	int ev_fd;
	ipsec_expire_fn on_expire;
	void *on_expire_arg;
};

/* ---- snapshots --------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	const struct ipsec_sa_entry *x = *(struct ipsec_sa_entry *const *)a;
	const struct ipsec_sa_entry *y = *(struct ipsec_sa_entry *const *)b;

	return x->id.spi < y->id.spi ? -1 : x->id.spi > y->id.spi;
}

static struct ipsec_sa_snap *snap_build(const struct ipsec_sadb *db)
{
	struct ipsec_sa_snap *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->in = calloc(db->count + 1, sizeof(*s->in));
	if (s->in == NULL) {
		free(s);
		return NULL;
	}
	for (size_t i = 0; i < db->count; i++) {
		struct ipsec_sa_entry *e = db->all[i];
		if (e->inbound)
			s->in[s->nin++] = e;
		else if (e->reqid < IPSEC_MAX_REQID)
			/* The newest outbound SA of a tunnel carries its traffic
			 * (strongSwan installs the new one, then deletes the
			 * old). */
			if (s->out[e->reqid] == NULL || s->out[e->reqid]->added <= e->added)
				s->out[e->reqid] = e;
	}
	qsort(s->in, s->nin, sizeof(*s->in), cmp_entry);
	return s;
}

static void snap_free(struct ipsec_sa_snap *s)
{
	if (s == NULL)
		return;
	free(s->in);
	free(s);
}

struct ipsec_sa_entry *ipsec_snap_lookup_in(const struct ipsec_sa_snap *s, uint32_t spi)
{
	size_t lo = 0, hi = s->nin;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		uint32_t v = s->in[mid]->id.spi;
		if (v == spi)
			return s->in[mid];
		if (v < spi)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

void ipsec_sa_entry_used(struct ipsec_sa_entry *e, int64_t now_s)
{
	/* A load first: the line is written once a second, not per packet. */
	if (atomic_load_explicit(&e->last_use, memory_order_relaxed) != now_s)
		atomic_store_explicit(&e->last_use, now_s, memory_order_relaxed);
}

void ipsec_sadb_set_workers(struct ipsec_sadb *db, unsigned n)
{
	uint64_t g = atomic_load(&db->gen);

	for (unsigned i = 0; i < IPSEC_MAX_WORKERS; i++)
		atomic_store(&db->seen[i], g);
	atomic_store(&db->nworkers, n > IPSEC_MAX_WORKERS ? IPSEC_MAX_WORKERS : n);
}

void ipsec_sadb_quiescent(struct ipsec_sadb *db, unsigned worker)
{
	if (worker < IPSEC_MAX_WORKERS)
		atomic_store_explicit(&db->seen[worker], atomic_load_explicit(&db->gen, memory_order_acquire),
		                      memory_order_release);
}

/* Wait until no worker can hold the snapshot replaced before generation g.
 * Workers pass a quiescent point at least every poll timeout (100 ms). */
static bool wait_grace(struct ipsec_sadb *db, uint64_t g)
{
	unsigned n = atomic_load(&db->nworkers);

	if (n > 0 && db->kick != NULL)
		db->kick(db->kick_arg);
	for (unsigned waited = 0; waited < GRACE_MAX_US; waited += GRACE_POLL_US) {
		unsigned behind = 0;
		for (unsigned i = 0; i < n; i++)
			behind += atomic_load_explicit(&db->seen[i], memory_order_acquire) < g;
		if (behind == 0)
			return true;
		usleep(GRACE_POLL_US);
	}
	/* A worker stuck for seconds is a bug elsewhere; freeing now could
	 * crash it, so the old data leaks instead. */
	return false;
}

void ipsec_sadb_set_kick(struct ipsec_sadb *db, void (*kick)(void *arg), void *arg)
{
	db->kick = kick;
	db->kick_arg = arg;
}

bool ipsec_sadb_synchronize(struct ipsec_sadb *db)
{
	return wait_grace(db, atomic_fetch_add(&db->gen, 1) + 1);
}

/* Publish a snapshot of the current set; free the old one and the entry
 * `gone` (with its SA when free_sa) after the grace period. Under
 * db->lock. */
static int publish(struct ipsec_sadb *db, struct ipsec_sa_entry *gone, bool free_sa)
{
	struct ipsec_sa_snap *s = snap_build(db);

	if (s == NULL)
		return -1;
	struct ipsec_sa_snap *old = atomic_exchange_explicit(&db->head.snap, s, memory_order_acq_rel);
	uint64_t g = atomic_fetch_add(&db->gen, 1) + 1;
	if (!wait_grace(db, g))
		return 0;
	snap_free(old);
	if (gone != NULL) {
		if (free_sa) {
			esp_sa_free(gone->sa);
			free(gone->cb);
		}
		free(gone);
	}
	return 0;
}

/* ---- expiry events ------------------------------------------------------------ */

static void queue_expire(const struct ipsec_sa_cb *cb, bool hard)
{
	struct ipsec_sadb *db = cb->db;
	uint64_t one = 1;

	pthread_mutex_lock(&db->ev_lock);
	if (db->ev_count < EVENT_RING) {
		db->ring[(db->ev_head + db->ev_count) % EVENT_RING] =
		    (struct expire_event){.reqid = cb->reqid, .spi = cb->spi, .inbound = cb->inbound, .hard = hard};
		db->ev_count++;
	}
	pthread_mutex_unlock(&db->ev_lock);
	if (write(db->ev_fd, &one, sizeof(one)) < 0) {
		/* The counter only saturates; the ring still holds the event. */
	}
}

static void on_soft(struct esp_sa *sa, enum esp_limit why, void *arg)
{
	(void)sa;
	(void)why;
	queue_expire(arg, false);
}

static void on_hard(struct esp_sa *sa, enum esp_limit why, void *arg)
{
	(void)sa;
	(void)why;
	queue_expire(arg, true);
}

int ipsec_sadb_event_fd(const struct ipsec_sadb *db)
{
	return db->ev_fd;
}

void ipsec_sadb_run_events(struct ipsec_sadb *db)
{
	uint64_t n;
	struct expire_event ev[EVENT_RING];
	size_t count;

	if (read(db->ev_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	pthread_mutex_lock(&db->ev_lock);
	count = db->ev_count;
	for (size_t i = 0; i < count; i++)
		ev[i] = db->ring[(db->ev_head + i) % EVENT_RING];
	db->ev_head = (db->ev_head + count) % EVENT_RING;
	db->ev_count = 0;
	pthread_mutex_unlock(&db->ev_lock);
	for (size_t i = 0; i < count; i++) {
		if (db->on_expire != NULL)
			db->on_expire(db->on_expire_arg, ev[i].reqid, ev[i].spi, ev[i].inbound, ev[i].hard);
	}
}

/* ---- the ops ------------------------------------------------------------------- */

size_t ipsec_addr_len(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static ssize_t find(const struct ipsec_sadb *db, const struct ipsec_sa_id *id)
{
	for (size_t i = 0; i < db->count; i++) {
		const struct ipsec_sa_entry *e = db->all[i];
		if (e->id.spi == id->spi && ipsec_addr_len(e->id.family) == ipsec_addr_len(id->family) &&
		    memcmp(e->id.dst, id->dst, ipsec_addr_len(id->family)) == 0)
			return (ssize_t)i;
	}
	return -1;
}

static int op_get_spi(struct ipsec_sadb *db, const uint8_t src[4], const uint8_t dst[4], uint32_t *spi)
{
	(void)src;
	(void)dst;
	/* RFC 4303 2.1: 1-255 are reserved; the pool starts at 256. Inbound
	 * SPIs are unique in the whole engine, so lookups need only the SPI. */
	return esp_spi_alloc(db->spis, ESP_SPI_MIN, UINT32_MAX, spi);
}

static int op_add_sa(struct ipsec_sadb *db, const struct ipsec_sa_id *id, const struct ipsec_add_sa *d)
{
	struct ipsec_sa_entry *e;
	int rc = -1, err = 0;

	if (d->reqid >= IPSEC_MAX_REQID) {
		errno = EINVAL;
		return -1;
	}
	e = calloc(1, sizeof(*e));
	struct ipsec_sa_cb *cb = calloc(1, sizeof(*cb));
	if (e == NULL || cb == NULL) {
		free(e);
		free(cb);
		errno = ENOMEM;
		return -1;
	}
	*cb = (struct ipsec_sa_cb){.db = db, .reqid = d->reqid, .spi = id->spi, .inbound = d->inbound};
	e->cb = cb;
	struct esp_sa_config cfg = {
	    .dir = d->inbound ? ESP_DIR_IN : ESP_DIR_OUT,
	    .cipher = d->cipher,
	    .spi = id->spi,
	    .keymat = d->keymat,
	    .keymat_len = d->keymat_len,
	    .icv_len = d->icv_len,
	    .esn = d->esn,
	    .replay_window = d->replay_window,
	    /* Every worker sends on a tunnel's one outbound SA: see
	     * esp_sa.h and vpn/tunneld/README.md. */
	    .shared_out = !d->inbound,
	    .life = d->life,
	    .on_soft = on_soft,
	    .on_hard = on_hard,
	    .cb_arg = cb,
	};
	pthread_mutex_lock(&db->lock);
	ssize_t at = find(db, id);
	if (at >= 0 && !d->update) {
		err = EEXIST;
		goto out;
	}
	if (at < 0 && db->count >= MAX_SAS) {
		err = ENOSPC;
		goto out;
	}
	if (d->inbound && at < 0 && !esp_spi_in_use(db->spis, id->spi) &&
	    esp_spi_reserve(db->spis, id->spi) != 0) {
		err = errno;
		goto out;
	}
	e->sa = esp_sa_new(&cfg);
	if (e->sa == NULL) {
		err = errno;
		goto out;
	}
	e->id = *id;
	e->reqid = d->reqid;
	e->inbound = d->inbound;
	e->encap = d->encap;
	e->encap_sport = d->encap_sport;
	e->encap_dport = d->encap_dport;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	e->added = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	struct ipsec_sa_entry *gone = NULL;
	if (at >= 0) {
		gone = db->all[at];
		db->all[at] = e;
	} else {
		db->all[db->count++] = e;
	}
	if (publish(db, gone, true) != 0) {
		err = ENOMEM;
		if (at >= 0) {
			db->all[at] = gone;
		} else {
			db->count--;
		}
		esp_sa_free(e->sa);
		goto out;
	}
	e = NULL;
	rc = 0;
out:
	pthread_mutex_unlock(&db->lock);
	if (e != NULL)
		free(e->cb);
	free(e);
	if (rc != 0)
		errno = err;
	return rc;
}

static int op_update_sa(struct ipsec_sadb *db, const struct ipsec_sa_id *id, const struct ipsec_update_sa *d)
{
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	ssize_t at = find(db, id);
	struct ipsec_sa_entry *e = at >= 0 ? malloc(sizeof(*e)) : NULL;
	if (at < 0) {
		errno = ENOENT;
	} else if (e == NULL) {
		errno = ENOMEM;
	} else {
		/* Workers read addresses and ports from the entry without a
		 * lock: the update is a new entry around the same SA (its
		 * keys, sequence numbers and window carry on), published like
		 * any change; the old entry goes after the grace period. */
		struct ipsec_sa_entry *old = db->all[at];
		memcpy(e, old, sizeof(*e));
		atomic_init(&e->last_use, atomic_load(&old->last_use));
		e->id.family = d->new_family;
		memset(e->id.src, 0, sizeof(e->id.src));
		memset(e->id.dst, 0, sizeof(e->id.dst));
		memcpy(e->id.src, d->new_src, ipsec_addr_len(d->new_family));
		memcpy(e->id.dst, d->new_dst, ipsec_addr_len(d->new_family));
		e->encap = d->encap;
		e->encap_sport = d->encap_sport;
		e->encap_dport = d->encap_dport;
		db->all[at] = e;
		rc = publish(db, old, false);
		if (rc != 0) {
			db->all[at] = old;
			free(e);
			errno = ENOMEM;
		}
	}
	pthread_mutex_unlock(&db->lock);
	return rc;
}

static int op_query_sa(struct ipsec_sadb *db, const struct ipsec_sa_id *id, struct ipsec_sa_usage *out)
{
	struct esp_sa_stats st;
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	ssize_t at = find(db, id);
	if (at < 0) {
		errno = ENOENT;
	} else {
		esp_sa_stats(db->all[at]->sa, &st);
		out->bytes = st.bytes;
		out->packets = st.packets;
		out->last_use = (time_t)atomic_load_explicit(&db->all[at]->last_use, memory_order_relaxed);
		rc = 0;
	}
	pthread_mutex_unlock(&db->lock);
	return rc;
}

static int op_del_sa(struct ipsec_sadb *db, const struct ipsec_sa_id *id)
{
	int rc = -1;

	pthread_mutex_lock(&db->lock);
	ssize_t at = find(db, id);
	if (at < 0) {
		errno = ENOENT;
	} else {
		struct ipsec_sa_entry *e = db->all[at];
		/* Refuse packets at once; the memory goes after the grace
		 * period. */
		esp_sa_expire(e->sa);
		db->all[at] = db->all[--db->count];
		if (e->inbound)
			esp_spi_release(db->spis, e->id.spi);
		rc = publish(db, e, true);
		if (rc != 0) {
			db->all[db->count++] = e;
			errno = ENOMEM;
		}
	}
	pthread_mutex_unlock(&db->lock);
	return rc;
}

const struct ipsec_sa_ops ipsec_sa_engine_ops = {
    .get_spi = op_get_spi,
    .add_sa = op_add_sa,
    .update_sa = op_update_sa,
    .query_sa = op_query_sa,
    .del_sa = op_del_sa,
};

/* ---- lifecycle ---------------------------------------------------------------- */

struct ipsec_sadb *ipsec_sadb_new(ipsec_expire_fn on_expire, void *arg)
{
	struct ipsec_sadb *db = calloc(1, sizeof(*db));

	if (db == NULL)
		return NULL;
	db->ev_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	db->spis = esp_spi_pool_new();
	struct ipsec_sa_snap *s = snap_build(db);
	if (db->ev_fd < 0 || db->spis == NULL || s == NULL) {
		if (db->ev_fd >= 0)
			close(db->ev_fd);
		esp_spi_pool_free(db->spis);
		snap_free(s);
		free(db);
		return NULL;
	}
	atomic_init(&db->head.snap, s);
	pthread_mutex_init(&db->lock, NULL);
	pthread_mutex_init(&db->ev_lock, NULL);
	db->on_expire = on_expire;
	db->on_expire_arg = arg;
	return db;
}

void ipsec_sadb_free(struct ipsec_sadb *db)
{
	if (db == NULL)
		return;
	for (size_t i = 0; i < db->count; i++) {
		esp_sa_free(db->all[i]->sa);
		free(db->all[i]->cb);
		free(db->all[i]);
	}
	snap_free(atomic_load(&db->head.snap));
	esp_spi_pool_free(db->spis);
	close(db->ev_fd);
	pthread_mutex_destroy(&db->lock);
	pthread_mutex_destroy(&db->ev_lock);
	free(db);
}

void ipsec_sadb_foreach(struct ipsec_sadb *db, void (*fn)(void *arg, const struct ipsec_sa_entry *e),
                        void *arg)
{
	pthread_mutex_lock(&db->lock);
	for (size_t i = 0; i < db->count; i++)
		fn(arg, db->all[i]);
	pthread_mutex_unlock(&db->lock);
}
