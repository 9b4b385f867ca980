/*
 * The policy objects as data: creation, lookup by name, copies, equality,
 * generations and compilation of what changed.
 */
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>

/* Process-wide, so a cloned configuration that is edited never reuses a
 * generation another copy already had. */
static uint64_t generation_counter;

struct policy_config *policy_config_new(void)
{
	struct policy_config *pc = calloc(1, sizeof(*pc));

	if (pc != NULL)
		pc->generation = ++generation_counter;
	return pc;
}

uint64_t policy_generation(const struct policy_config *pc)
{
	return pc != NULL ? pc->generation : 0;
}

void policy_touch(struct policy_config *pc, struct policy_head *head)
{
	pc->generation = ++generation_counter;
	if (head != NULL) {
		head->generation = pc->generation;
		head->compiled = false;
	}
}

/* ---- entries ----------------------------------------------------------------- */

void policy_regex_free(struct policy_regex *rx)
{
	if (rx->re != NULL) {
		regfree(rx->re);
		free(rx->re);
	}
	free(rx->text);
	rx->re = NULL;
	rx->text = NULL;
}

void clist_entry_free(struct clist_entry *e)
{
	free(e->comms);
	free(e->lcomms);
	policy_regex_free(&e->rx);
}

void rmap_entry_free(struct rmap_entry *e)
{
	free(e->set_comms);
	free(e->set_lcomms);
	free(e->prepend);
	e->set_comms = NULL;
	e->set_lcomms = NULL;
	e->prepend = NULL;
}

static void *dup_mem(const void *src, size_t n, bool *failed)
{
	if (n == 0 || src == NULL)
		return NULL;
	void *p = malloc(n);
	if (p == NULL)
		*failed = true;
	else
		memcpy(p, src, n);
	return p;
}

int rmap_entry_copy(struct rmap_entry *dst, const struct rmap_entry *src)
{
	bool failed = false;

	*dst = *src;
	dst->set_comms = dup_mem(src->set_comms, src->set_ncomms * sizeof(uint32_t), &failed);
	dst->set_lcomms = dup_mem(src->set_lcomms, src->set_nlcomms * sizeof(*src->set_lcomms), &failed);
	dst->prepend = dup_mem(src->prepend, src->nprepend * sizeof(uint32_t), &failed);
	dst->r_plist4 = dst->r_plist6 = NULL;
	dst->r_aspath = NULL;
	dst->r_comm = dst->r_lcomm = dst->r_comm_delete = dst->r_lcomm_delete = NULL;
	dst->r_call = NULL;
	if (failed) {
		rmap_entry_free(dst);
		return -1;
	}
	return 0;
}

uint32_t policy_next_seq(uint32_t highest, uint32_t max)
{
	uint64_t next = ((uint64_t)highest / POLICY_SEQ_STEP) * POLICY_SEQ_STEP + POLICY_SEQ_STEP;

	return next > max ? max : (uint32_t)next;
}

/* ---- objects ----------------------------------------------------------------- */

enum obj_kind { OBJ_PLIST, OBJ_ASPATH, OBJ_CLIST, OBJ_RMAP };

static void object_free(enum obj_kind kind, void *obj)
{
	if (obj == NULL)
		return;
	switch (kind) {
	case OBJ_PLIST: {
		struct prefix_list *pl = obj;
		plist_trie_free(pl->trie);
		free(pl->entries);
		break;
	}
	case OBJ_ASPATH: {
		struct aspath_list *l = obj;
		aspath_list_uncompile(l);
		for (size_t i = 0; i < l->count; i++)
			policy_regex_free(&l->entries[i].rx);
		free(l->entries);
		break;
	}
	case OBJ_CLIST: {
		struct community_list *l = obj;
		for (size_t i = 0; i < l->count; i++)
			clist_entry_free(&l->entries[i]);
		free(l->entries);
		break;
	}
	case OBJ_RMAP: {
		struct route_map *m = obj;
		for (size_t i = 0; i < m->count; i++)
			rmap_entry_free(&m->entries[i]);
		free(m->entries);
		break;
	}
	}
	free(obj);
}

static enum obj_kind set_kind(const struct policy_config *pc, const struct policy_set *set)
{
	if (set == &pc->plist4 || set == &pc->plist6)
		return OBJ_PLIST;
	if (set == &pc->aspath)
		return OBJ_ASPATH;
	if (set == &pc->rmap)
		return OBJ_RMAP;
	return OBJ_CLIST;
}

static int name_cmp(const void *item, const void *name)
{
	return strcmp((*(const struct policy_head *const *)item)->name, name);
}

/* Index of name in set, or where it would go (*found false). */
static size_t set_search(const struct policy_set *set, const char *name, bool *found)
{
	return sarray_search(set->items, set->count, sizeof(void *), 0, name, name_cmp, found);
}

void *policy_set_find(const struct policy_set *set, const char *name)
{
	bool found;
	size_t i = set_search(set, name, &found);

	return found ? set->items[i] : NULL;
}

/* Find name in set, or add a zeroed object of size bytes. */
static void *set_get(struct policy_config *pc, struct policy_set *set, const char *name, size_t size)
{
	bool found;
	size_t i = set_search(set, name, &found);

	if (found)
		return set->items[i];
	if (strlen(name) > POLICY_NAME_MAX)
		return NULL;
	struct policy_head *obj = calloc(1, size);
	if (obj == NULL)
		return NULL;
	snprintf(obj->name, sizeof(obj->name), "%s", name);
	if (sarray_insert((void **)&set->items, &set->count, &set->cap, sizeof(void *), i) != 0) {
		free(obj);
		return NULL;
	}
	set->items[i] = obj;
	policy_touch(pc, obj);
	return obj;
}

int policy_set_delete(struct policy_config *pc, struct policy_set *set, const char *name)
{
	bool found;
	size_t i = set_search(set, name, &found);

	if (!found)
		return -1;
	object_free(set_kind(pc, set), set->items[i]);
	sarray_remove(set->items, &set->count, sizeof(void *), i);
	policy_touch(pc, NULL);
	return 0;
}

struct policy_set *policy_plist_set(struct policy_config *pc, int family)
{
	return family == AF_INET6 ? &pc->plist6 : &pc->plist4;
}

struct prefix_list *policy_plist_get(struct policy_config *pc, int family, const char *name)
{
	struct prefix_list *pl = set_get(pc, policy_plist_set(pc, family), name, sizeof(*pl));

	if (pl != NULL)
		pl->family = (uint8_t)family;
	return pl;
}

struct aspath_list *policy_aspath_get(struct policy_config *pc, const char *name)
{
	return set_get(pc, &pc->aspath, name, sizeof(struct aspath_list));
}

struct community_list *policy_clist_get(struct policy_config *pc, bool large, const char *name, bool expanded)
{
	struct policy_set *set = large ? &pc->lclist : &pc->clist;
	bool existed = policy_set_find(set, name) != NULL;
	struct community_list *l = set_get(pc, set, name, sizeof(*l));

	if (l != NULL && !existed) {
		l->large = large;
		l->expanded = expanded;
	}
	return l;
}

struct route_map *policy_rmap_get(struct policy_config *pc, const char *name)
{
	return set_get(pc, &pc->rmap, name, sizeof(struct route_map));
}

struct route_map *route_map_find(struct policy_config *pc, const char *name)
{
	return pc != NULL && name != NULL ? policy_set_find(&pc->rmap, name) : NULL;
}

void policy_config_free(struct policy_config *pc)
{
	if (pc == NULL)
		return;
	struct policy_set *sets[] = {&pc->plist4, &pc->plist6, &pc->aspath, &pc->clist, &pc->lclist, &pc->rmap};
	for (size_t s = 0; s < sizeof(sets) / sizeof(sets[0]); s++) {
		for (size_t i = 0; i < sets[s]->count; i++)
			object_free(set_kind(pc, sets[s]), sets[s]->items[i]);
		free(sets[s]->items);
	}
	free(pc);
}

/* ---- copies -------------------------------------------------------------------- */

/* Deep copies of one entry: 0, or -1 with dst owning nothing. */
typedef int entry_copy_fn(void *dst, const void *src);

static int aspath_entry_copy(void *dst, const void *src)
{
	struct aspath_entry *d = dst;
	const struct aspath_entry *s = src;

	*d = *s;
	d->rx.re = NULL;
	d->rx.text = strdup(s->rx.text);
	return d->rx.text != NULL ? 0 : -1;
}

static int clist_entry_copy(void *dst, const void *src)
{
	struct clist_entry *d = dst;
	const struct clist_entry *s = src;
	bool failed = false;

	*d = *s;
	d->rx.re = NULL;
	d->rx.text = s->rx.text ? strdup(s->rx.text) : NULL;
	d->comms = dup_mem(s->comms, s->ncomms * sizeof(uint32_t), &failed);
	d->lcomms = dup_mem(s->lcomms, s->ncomms * sizeof(*s->lcomms), &failed);
	if (failed || (s->rx.text != NULL && d->rx.text == NULL)) {
		clist_entry_free(d);
		return -1;
	}
	return 0;
}

static int rmap_entry_copy_any(void *dst, const void *src)
{
	return rmap_entry_copy(dst, src);
}

/*
 * The entries of a copied object: room for count (at least one), each
 * copied with copy (NULL: as bytes, for entries that own nothing). *done
 * counts the entries copied, so that on failure (-1) freeing the object
 * frees just those.
 */
static int clone_entries(void **entries, size_t *done, size_t *cap, const void *src, size_t count, size_t size,
			 entry_copy_fn *copy)
{
	*done = 0;
	*entries = calloc(count ? count : 1, size);
	if (*entries == NULL)
		return -1;
	*cap = count ? count : 1;
	for (; *done < count; (*done)++) {
		void *d = (char *)*entries + *done * size;
		const void *s = (const char *)src + *done * size;
		if (copy == NULL)
			memcpy(d, s, size);
		else if (copy(d, s) != 0)
			return -1;
	}
	return 0;
}

/* A byte copy of an object, to be made deep: not compiled yet. */
static void *shallow_copy(const void *src, size_t size)
{
	struct policy_head *d = malloc(size);

	if (d != NULL) {
		memcpy(d, src, size);
		d->compiled = false;
	}
	return d;
}

static void *clone_object(enum obj_kind kind, const void *src)
{
	void *obj = NULL;
	int r = -1;

	switch (kind) {
	case OBJ_PLIST: {
		const struct prefix_list *s = src;
		struct prefix_list *d = obj = shallow_copy(s, sizeof(*s));
		if (d != NULL) {
			d->trie = NULL;
			r = clone_entries((void **)&d->entries, &d->count, &d->cap, s->entries, s->count,
					  sizeof(*s->entries), NULL);
		}
		break;
	}
	case OBJ_ASPATH: {
		const struct aspath_list *s = src;
		struct aspath_list *d = obj = shallow_copy(s, sizeof(*s));
		if (d != NULL) {
			d->cache = NULL;
			r = clone_entries((void **)&d->entries, &d->count, &d->cap, s->entries, s->count,
					  sizeof(*s->entries), aspath_entry_copy);
		}
		break;
	}
	case OBJ_CLIST: {
		const struct community_list *s = src;
		struct community_list *d = obj = shallow_copy(s, sizeof(*s));
		if (d != NULL)
			r = clone_entries((void **)&d->entries, &d->count, &d->cap, s->entries, s->count,
					  sizeof(*s->entries), clist_entry_copy);
		break;
	}
	case OBJ_RMAP: {
		const struct route_map *s = src;
		struct route_map *d = obj = shallow_copy(s, sizeof(*s));
		if (d != NULL)
			r = clone_entries((void **)&d->entries, &d->count, &d->cap, s->entries, s->count,
					  sizeof(*s->entries), rmap_entry_copy_any);
		break;
	}
	}
	if (r != 0) {
		object_free(kind, obj);
		return NULL;
	}
	return obj;
}

static int clone_set(struct policy_config *dst, struct policy_set *d, const struct policy_set *s)
{
	*d = (struct policy_set){0};
	if (s->count == 0)
		return 0;
	d->items = calloc(s->count, sizeof(void *));
	if (d->items == NULL)
		return -1;
	d->cap = s->count;
	for (size_t i = 0; i < s->count; i++) {
		d->items[i] = clone_object(set_kind(dst, d), s->items[i]);
		if (d->items[i] == NULL)
			return -1;
		d->count++;
	}
	return 0;
}

struct policy_config *policy_config_clone(const struct policy_config *pc)
{
	struct policy_config *copy = calloc(1, sizeof(*copy));

	if (copy == NULL)
		return NULL;
	if (pc == NULL) {
		copy->generation = ++generation_counter;
		return copy;
	}
	copy->generation = pc->generation;
	if (clone_set(copy, &copy->plist4, &pc->plist4) != 0 || clone_set(copy, &copy->plist6, &pc->plist6) != 0 ||
	    clone_set(copy, &copy->aspath, &pc->aspath) != 0 || clone_set(copy, &copy->clist, &pc->clist) != 0 ||
	    clone_set(copy, &copy->lclist, &pc->lclist) != 0 || clone_set(copy, &copy->rmap, &pc->rmap) != 0) {
		policy_config_free(copy);
		return NULL;
	}
	return copy;
}

/* ---- equality ------------------------------------------------------------------- */

static bool regex_equal(const struct policy_regex *a, const struct policy_regex *b)
{
	if (a->text == NULL || b->text == NULL)
		return a->text == b->text;
	return strcmp(a->text, b->text) == 0;
}

static bool rmap_entry_equal(const struct rmap_entry *a, const struct rmap_entry *b)
{
	if (a->seq != b->seq || a->permit != b->permit || strcmp(a->description, b->description) != 0 ||
	    a->match != b->match || a->set != b->set || a->exit != b->exit ||
	    (a->exit == RMAP_EXIT_GOTO && a->goto_seq != b->goto_seq) || strcmp(a->call, b->call) != 0)
		return false;
	if ((a->match & RMAP_MATCH_PLIST4) && strcmp(a->match_plist4, b->match_plist4) != 0)
		return false;
	if ((a->match & RMAP_MATCH_PLIST6) && strcmp(a->match_plist6, b->match_plist6) != 0)
		return false;
	if ((a->match & RMAP_MATCH_ASPATH) && strcmp(a->match_aspath, b->match_aspath) != 0)
		return false;
	if ((a->match & RMAP_MATCH_COMMUNITY) &&
	    (strcmp(a->match_comm, b->match_comm) != 0 || a->match_comm_exact != b->match_comm_exact))
		return false;
	if ((a->match & RMAP_MATCH_LCOMMUNITY) &&
	    (strcmp(a->match_lcomm, b->match_lcomm) != 0 || a->match_lcomm_exact != b->match_lcomm_exact))
		return false;
	if ((a->match & RMAP_MATCH_PEER) && !prefix_equal(&a->match_peer, &b->match_peer))
		return false;
	if ((a->match & RMAP_MATCH_ORIGIN) && a->match_origin != b->match_origin)
		return false;
	if ((a->match & RMAP_MATCH_METRIC) && a->match_metric != b->match_metric)
		return false;
	if ((a->match & RMAP_MATCH_LOCAL_PREF) && a->match_local_pref != b->match_local_pref)
		return false;
	if ((a->set & RMAP_SET_LOCAL_PREF) && a->set_local_pref != b->set_local_pref)
		return false;
	if ((a->set & RMAP_SET_METRIC) && (a->set_metric_op != b->set_metric_op || a->set_metric != b->set_metric))
		return false;
	if ((a->set & RMAP_SET_WEIGHT) && a->set_weight != b->set_weight)
		return false;
	if ((a->set & RMAP_SET_COMMUNITY) &&
	    (a->set_ncomms != b->set_ncomms || a->set_comm_additive != b->set_comm_additive ||
	     (a->set_ncomms && memcmp(a->set_comms, b->set_comms, a->set_ncomms * sizeof(uint32_t)) != 0)))
		return false;
	if ((a->set & RMAP_SET_COMM_DELETE) && strcmp(a->set_comm_delete, b->set_comm_delete) != 0)
		return false;
	if ((a->set & RMAP_SET_LCOMMUNITY) &&
	    (a->set_nlcomms != b->set_nlcomms || a->set_lcomm_additive != b->set_lcomm_additive ||
	     (a->set_nlcomms && memcmp(a->set_lcomms, b->set_lcomms, a->set_nlcomms * sizeof(*a->set_lcomms)) != 0)))
		return false;
	if ((a->set & RMAP_SET_LCOMM_DELETE) && strcmp(a->set_lcomm_delete, b->set_lcomm_delete) != 0)
		return false;
	if ((a->set & RMAP_SET_PREPEND) &&
	    (a->nprepend != b->nprepend || a->prepend_last_as != b->prepend_last_as ||
	     (a->nprepend && memcmp(a->prepend, b->prepend, a->nprepend * sizeof(uint32_t)) != 0)))
		return false;
	if ((a->set & RMAP_SET_NEXTHOP4) &&
	    (a->nexthop4_peer != b->nexthop4_peer || memcmp(a->nexthop4, b->nexthop4, 4) != 0))
		return false;
	if ((a->set & RMAP_SET_NEXTHOP6) && memcmp(a->nexthop6, b->nexthop6, 16) != 0)
		return false;
	if ((a->set & RMAP_SET_ORIGIN) && a->set_origin != b->set_origin)
		return false;
	return true;
}

static bool object_equal(enum obj_kind kind, const void *x, const void *y)
{
	if (strcmp(((const struct policy_head *)x)->name, ((const struct policy_head *)y)->name) != 0)
		return false;
	switch (kind) {
	case OBJ_PLIST: {
		const struct prefix_list *a = x, *b = y;
		if (a->family != b->family || a->count != b->count || strcmp(a->description, b->description) != 0)
			return false;
		for (size_t i = 0; i < a->count; i++) {
			const struct plist_entry *p = &a->entries[i], *q = &b->entries[i];
			if (p->seq != q->seq || p->permit != q->permit || !prefix_equal(&p->prefix, &q->prefix) ||
			    p->ge != q->ge || p->le != q->le)
				return false;
		}
		return true;
	}
	case OBJ_ASPATH: {
		const struct aspath_list *a = x, *b = y;
		if (a->count != b->count)
			return false;
		for (size_t i = 0; i < a->count; i++)
			if (a->entries[i].seq != b->entries[i].seq || a->entries[i].permit != b->entries[i].permit ||
			    !regex_equal(&a->entries[i].rx, &b->entries[i].rx))
				return false;
		return true;
	}
	case OBJ_CLIST: {
		const struct community_list *a = x, *b = y;
		if (a->large != b->large || a->expanded != b->expanded || a->count != b->count)
			return false;
		for (size_t i = 0; i < a->count; i++) {
			const struct clist_entry *p = &a->entries[i], *q = &b->entries[i];
			if (p->seq != q->seq || p->permit != q->permit || p->ncomms != q->ncomms ||
			    !regex_equal(&p->rx, &q->rx))
				return false;
			if (p->ncomms && a->large && memcmp(p->lcomms, q->lcomms, p->ncomms * sizeof(*p->lcomms)) != 0)
				return false;
			if (p->ncomms && !a->large && memcmp(p->comms, q->comms, p->ncomms * sizeof(uint32_t)) != 0)
				return false;
		}
		return true;
	}
	case OBJ_RMAP: {
		const struct route_map *a = x, *b = y;
		if (a->count != b->count)
			return false;
		for (size_t i = 0; i < a->count; i++)
			if (!rmap_entry_equal(&a->entries[i], &b->entries[i]))
				return false;
		return true;
	}
	}
	return false;
}

static bool set_equal(enum obj_kind kind, const struct policy_set *a, const struct policy_set *b)
{
	if (a->count != b->count)
		return false;
	for (size_t i = 0; i < a->count; i++)
		if (!object_equal(kind, a->items[i], b->items[i]))
			return false;
	return true;
}

bool policy_config_equal(const struct policy_config *a, const struct policy_config *b)
{
	static const struct policy_config empty;

	if (a == NULL)
		a = &empty;
	if (b == NULL)
		b = &empty;
	return set_equal(OBJ_PLIST, &a->plist4, &b->plist4) && set_equal(OBJ_PLIST, &a->plist6, &b->plist6) &&
	       set_equal(OBJ_ASPATH, &a->aspath, &b->aspath) && set_equal(OBJ_CLIST, &a->clist, &b->clist) &&
	       set_equal(OBJ_CLIST, &a->lclist, &b->lclist) && set_equal(OBJ_RMAP, &a->rmap, &b->rmap);
}

/* ---- compilation and signatures --------------------------------------------------- */

static int compile_rmap(struct policy_config *pc, struct route_map *m)
{
	for (size_t i = 0; i < m->count; i++) {
		struct rmap_entry *e = &m->entries[i];
		e->r_plist4 = (e->match & RMAP_MATCH_PLIST4) ? policy_set_find(&pc->plist4, e->match_plist4) : NULL;
		e->r_plist6 = (e->match & RMAP_MATCH_PLIST6) ? policy_set_find(&pc->plist6, e->match_plist6) : NULL;
		e->r_aspath = (e->match & RMAP_MATCH_ASPATH) ? policy_set_find(&pc->aspath, e->match_aspath) : NULL;
		e->r_comm = (e->match & RMAP_MATCH_COMMUNITY) ? policy_set_find(&pc->clist, e->match_comm) : NULL;
		e->r_lcomm = (e->match & RMAP_MATCH_LCOMMUNITY) ? policy_set_find(&pc->lclist, e->match_lcomm) : NULL;
		e->r_comm_delete =
			(e->set & RMAP_SET_COMM_DELETE) ? policy_set_find(&pc->clist, e->set_comm_delete) : NULL;
		e->r_lcomm_delete =
			(e->set & RMAP_SET_LCOMM_DELETE) ? policy_set_find(&pc->lclist, e->set_lcomm_delete) : NULL;
		e->r_call = e->call[0] != '\0' ? policy_set_find(&pc->rmap, e->call) : NULL;
	}
	m->head.compiled = true;
	return 0;
}

int policy_compile(struct policy_config *pc)
{
	if (pc == NULL || pc->compiled_generation == pc->generation)
		return 0;
	for (size_t f = 0; f < 2; f++) {
		struct policy_set *set = f == 0 ? &pc->plist4 : &pc->plist6;
		for (size_t i = 0; i < set->count; i++) {
			struct prefix_list *pl = set->items[i];
			if (pl->head.compiled)
				continue;
			plist_trie_free(pl->trie);
			pl->trie = plist_trie_build(pl);
			if (pl->trie == NULL)
				return -1;
			pl->head.compiled = true;
		}
	}
	for (size_t i = 0; i < pc->aspath.count; i++) {
		struct aspath_list *l = pc->aspath.items[i];
		if (!l->head.compiled && aspath_list_compile(l) != 0)
			return -1;
	}
	for (size_t s = 0; s < 2; s++) {
		struct policy_set *set = s == 0 ? &pc->clist : &pc->lclist;
		for (size_t i = 0; i < set->count; i++) {
			struct community_list *l = set->items[i];
			if (!l->head.compiled && clist_compile(l) != 0)
				return -1;
		}
	}
	/* References are resolved again after any change: an object that
	 * appeared or went away changes what a name points to. */
	for (size_t i = 0; i < pc->rmap.count; i++)
		compile_rmap(pc, pc->rmap.items[i]);
	pc->compiled_generation = pc->generation;
	return 0;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	/* splitmix64's finaliser over the running value: order-dependent and
	 * well spread, which is all a change detector needs. */
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebull;
	h ^= h >> 31;
	return h;
}

static uint64_t name_gen(const struct policy_set *set, const char *name)
{
	const struct policy_head *h = policy_set_find(set, name);

	return h != NULL ? h->generation : 0;
}

static uint64_t rmap_signature(struct policy_config *pc, const char *name, unsigned depth, uint64_t h)
{
	const struct route_map *m = policy_set_find(&pc->rmap, name);

	h = mix(h, m != NULL ? m->head.generation : 0);
	if (m == NULL || depth > POLICY_CALL_DEPTH_MAX)
		return h;
	for (size_t i = 0; i < m->count; i++) {
		const struct rmap_entry *e = &m->entries[i];
		if (e->match & RMAP_MATCH_PLIST4)
			h = mix(h, name_gen(&pc->plist4, e->match_plist4));
		if (e->match & RMAP_MATCH_PLIST6)
			h = mix(h, name_gen(&pc->plist6, e->match_plist6));
		if (e->match & RMAP_MATCH_ASPATH)
			h = mix(h, name_gen(&pc->aspath, e->match_aspath));
		if (e->match & RMAP_MATCH_COMMUNITY)
			h = mix(h, name_gen(&pc->clist, e->match_comm));
		if (e->match & RMAP_MATCH_LCOMMUNITY)
			h = mix(h, name_gen(&pc->lclist, e->match_lcomm));
		if (e->set & RMAP_SET_COMM_DELETE)
			h = mix(h, name_gen(&pc->clist, e->set_comm_delete));
		if (e->set & RMAP_SET_LCOMM_DELETE)
			h = mix(h, name_gen(&pc->lclist, e->set_lcomm_delete));
		if (e->call[0] != '\0')
			h = rmap_signature(pc, e->call, depth + 1, h);
	}
	return h;
}

uint64_t route_map_signature(struct policy_config *pc, const char *name)
{
	if (pc == NULL || name == NULL)
		return 1;
	uint64_t h = rmap_signature(pc, name, 0, 0x5347u);
	return h != 0 ? h : 1;
}

uint64_t prefix_list_signature(struct policy_config *pc, int family, const char *name)
{
	if (pc == NULL || name == NULL)
		return 1;
	uint64_t h = mix(0x504cu, name_gen(family == AF_INET6 ? &pc->plist6 : &pc->plist4, name));
	return h != 0 ? h : 1;
}

uint64_t as_path_list_signature(struct policy_config *pc, const char *name)
{
	if (pc == NULL || name == NULL)
		return 1;
	uint64_t h = mix(0x4150u, name_gen(&pc->aspath, name));
	return h != 0 ? h : 1;
}

bool prefix_list_exists(struct policy_config *pc, int family, const char *name)
{
	return pc != NULL && name != NULL && policy_set_find(family == AF_INET6 ? &pc->plist6 : &pc->plist4, name) != NULL;
}

bool as_path_list_exists(struct policy_config *pc, const char *name)
{
	return pc != NULL && name != NULL && policy_set_find(&pc->aspath, name) != NULL;
}
