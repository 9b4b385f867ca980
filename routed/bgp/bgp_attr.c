/*
 * BGP path attributes: decode, encode, canonical hash/equality, text.
 */
#include "bgp_attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* --- arena ----------------------------------------------------------------- */

void bgp_arena_init(struct bgp_arena *a, void *buf, size_t cap)
{
	a->buf = buf;
	a->cap = buf != NULL ? cap : 0;
	a->used = 0;
}

void bgp_arena_reset(struct bgp_arena *a)
{
	a->used = 0;
}

void *bgp_arena_alloc(struct bgp_arena *a, size_t size)
{
	const size_t align = _Alignof(max_align_t);

	if (size == 0 || a->buf == NULL)
		return NULL;
	uintptr_t at = (uintptr_t)(a->buf + a->used);
	size_t pad = (align - at % align) % align;
	if (pad > a->cap - a->used || size > a->cap - a->used - pad)
		return NULL;
	void *p = a->buf + a->used + pad;
	a->used += pad + size;
	return p;
}

/* --- names ----------------------------------------------------------------- */

const char *bgp_attr_name(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
		return "ORIGIN";
	case BGP_ATTR_AS_PATH:
		return "AS_PATH";
	case BGP_ATTR_NEXT_HOP:
		return "NEXT_HOP";
	case BGP_ATTR_MED:
		return "MULTI_EXIT_DISC";
	case BGP_ATTR_LOCAL_PREF:
		return "LOCAL_PREF";
	case BGP_ATTR_ATOMIC_AGGREGATE:
		return "ATOMIC_AGGREGATE";
	case BGP_ATTR_AGGREGATOR:
		return "AGGREGATOR";
	case BGP_ATTR_COMMUNITIES:
		return "COMMUNITIES";
	case BGP_ATTR_ORIGINATOR_ID:
		return "ORIGINATOR_ID";
	case BGP_ATTR_CLUSTER_LIST:
		return "CLUSTER_LIST";
	case BGP_ATTR_MP_REACH_NLRI:
		return "MP_REACH_NLRI";
	case BGP_ATTR_MP_UNREACH_NLRI:
		return "MP_UNREACH_NLRI";
	case BGP_ATTR_EXT_COMMUNITIES:
		return "EXTENDED_COMMUNITIES";
	case BGP_ATTR_AS4_PATH:
		return "AS4_PATH";
	case BGP_ATTR_AS4_AGGREGATOR:
		return "AS4_AGGREGATOR";
	case BGP_ATTR_LARGE_COMMUNITIES:
		return "LARGE_COMMUNITY";
	default:
		return NULL;
	}
}

/* --- AS paths --------------------------------------------------------------- */

static bool seg_is_sequence(uint8_t type)
{
	return type == BGP_AS_SEQUENCE || type == BGP_AS_CONFED_SEQUENCE;
}

static bool seg_is_confed(uint8_t type)
{
	return type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET;
}

/*
 * A path under construction: segments and one contiguous ASN array, so
 * that a sequence following a sequence of the same type can simply grow.
 */
struct path_build {
	struct bgp_as_segment *segs;
	size_t nsegs;
	uint32_t *asns;
	size_t nasns;
};

static int path_alloc(struct path_build *pb, struct bgp_arena *arena, size_t nsegs, size_t nasns)
{
	pb->nsegs = 0;
	pb->nasns = 0;
	pb->segs = bgp_arena_alloc(arena, nsegs * sizeof(*pb->segs));
	pb->asns = bgp_arena_alloc(arena, nasns * sizeof(*pb->asns));
	return pb->segs != NULL && pb->asns != NULL ? 0 : -1;
}

/* The count ASNs just written at asns[nasns] join the path. */
static void path_commit(struct path_build *pb, uint8_t type, uint32_t count)
{
	struct bgp_as_segment *last = pb->nsegs > 0 ? &pb->segs[pb->nsegs - 1] : NULL;

	if (last != NULL && last->type == type && seg_is_sequence(type)) {
		last->count += count;
	} else {
		struct bgp_as_segment *s = &pb->segs[pb->nsegs++];
		s->type = type;
		s->count = count;
		s->asns = pb->asns + pb->nasns;
	}
	pb->nasns += count;
}

static void path_append(struct path_build *pb, uint8_t type, const uint32_t *asns, uint32_t count)
{
	memcpy(pb->asns + pb->nasns, asns, (size_t)count * sizeof(*asns));
	path_commit(pb, type, count);
}

static void path_finish(const struct path_build *pb, struct bgp_aspath *out)
{
	out->nsegs = pb->nsegs;
	out->segs = pb->nsegs > 0 ? pb->segs : NULL;
}

enum bgp_decode bgp_aspath_decode(struct cursor *value, unsigned as_size, struct bgp_arena *arena,
                                  struct bgp_aspath *out, const char **why)
{
	struct cursor scan = *value;
	size_t nsegs = 0, nasns = 0;

	if (as_size != 2 && as_size != 4) {
		*why = "bad AS number size";
		return BGP_DECODE_BAD_VALUE;
	}
	/* First pass: validate and count, so the second allocates exactly. */
	while (cursor_remaining(&scan) > 0) {
		uint8_t type, count;

		if (cursor_get_u8(&scan, &type) < 0 || cursor_get_u8(&scan, &count) < 0) {
			*why = "one octet left after the last segment (RFC 7606 section 7.2)";
			return BGP_DECODE_BAD_VALUE;
		}
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET) {
			*why = "unknown path segment type (RFC 7606 section 7.2)";
			return BGP_DECODE_BAD_VALUE;
		}
		if (count == 0) {
			*why = "zero-length path segment (RFC 7606 section 7.2)";
			return BGP_DECODE_BAD_VALUE;
		}
		if (cursor_skip(&scan, (size_t)count * as_size) < 0) {
			*why = "path segment overruns the attribute (RFC 7606 section 7.2)";
			return BGP_DECODE_BAD_VALUE;
		}
		nsegs++;
		nasns += count;
	}

	struct path_build pb;
	out->nsegs = 0;
	out->segs = NULL;
	if (nsegs == 0)
		return BGP_DECODE_OK;
	if (path_alloc(&pb, arena, nsegs, nasns) < 0)
		return BGP_DECODE_NO_MEMORY;
	while (cursor_remaining(value) > 0) {
		uint8_t type = 0, count = 0;

		cursor_get_u8(value, &type);
		cursor_get_u8(value, &count);
		for (unsigned i = 0; i < count; i++) {
			uint32_t asn = 0;
			if (as_size == 2) {
				uint16_t a16 = 0;
				cursor_get_u16(value, &a16);
				asn = a16;
			} else {
				cursor_get_u32(value, &asn);
			}
			/* RFC 7607 section 2: AS 0 is never a real hop. */
			if (asn == 0) {
				*why = "AS number 0 (RFC 7607 section 2)";
				return BGP_DECODE_BAD_VALUE;
			}
			pb.asns[pb.nasns + i] = asn;
		}
		path_commit(&pb, type, count);
	}
	if (!cursor_ok(value)) {
		*why = "path shorter than its segments";
		return BGP_DECODE_BAD_VALUE;
	}
	path_finish(&pb, out);
	return BGP_DECODE_OK;
}

size_t bgp_aspath_count(const struct bgp_aspath *path)
{
	size_t n = 0;

	for (size_t i = 0; i < path->nsegs; i++) {
		if (path->segs[i].type == BGP_AS_SEQUENCE)
			n += path->segs[i].count;
		else if (path->segs[i].type == BGP_AS_SET)
			n += 1;
	}
	return n;
}

static size_t aspath_total_asns(const struct bgp_aspath *path)
{
	size_t n = 0;

	for (size_t i = 0; i < path->nsegs; i++)
		n += path->segs[i].count;
	return n;
}

bool bgp_aspath_has_confed(const struct bgp_aspath *path)
{
	for (size_t i = 0; i < path->nsegs; i++)
		if (seg_is_confed(path->segs[i].type))
			return true;
	return false;
}

size_t bgp_aspath_strip_confed(struct bgp_aspath *path)
{
	size_t kept = 0, dropped = 0;

	for (size_t i = 0; i < path->nsegs; i++) {
		if (seg_is_confed(path->segs[i].type))
			dropped++;
		else
			path->segs[kept++] = path->segs[i];
	}
	path->nsegs = kept;
	if (kept == 0)
		path->segs = NULL;
	return dropped;
}

int bgp_aspath_merge_as4(const struct bgp_aspath *as_path, const struct bgp_aspath *as4_path,
                         struct bgp_arena *arena, struct bgp_aspath *out)
{
	size_t n2 = bgp_aspath_count(as_path);
	size_t n4 = bgp_aspath_count(as4_path);
	struct path_build pb;

	/* RFC 6793 section 4.2.3: a longer AS4_PATH cannot be right (an OLD
	 * speaker aggregated or truncated); AS_PATH stands alone. */
	if (n2 < n4)
		return 1;
	size_t nsegs = as_path->nsegs + as4_path->nsegs;
	size_t nasns = aspath_total_asns(as_path) + aspath_total_asns(as4_path);
	if (nsegs == 0) {
		out->nsegs = 0;
		out->segs = NULL;
		return 0;
	}
	if (path_alloc(&pb, arena, nsegs, nasns > 0 ? nasns : 1) < 0)
		return -1;

	/* Take the leading hops AS4_PATH lacks (those added by OLD speakers)
	 * so the result counts as many ASes as AS_PATH. A set counts one and
	 * goes whole. A confederation segment goes along when it leads the
	 * path or follows a segment taken whole. */
	size_t need = n2 - n4;
	bool prev_taken = false;
	for (size_t i = 0; i < as_path->nsegs; i++) {
		const struct bgp_as_segment *s = &as_path->segs[i];

		if (seg_is_confed(s->type)) {
			if (i != 0 && !prev_taken)
				break;
			path_append(&pb, s->type, s->asns, s->count);
			prev_taken = true;
			continue;
		}
		if (need == 0)
			break;
		if (s->type == BGP_AS_SET) {
			path_append(&pb, s->type, s->asns, s->count);
			need--;
			prev_taken = true;
		} else {
			uint32_t take = need < s->count ? (uint32_t)need : s->count;
			path_append(&pb, s->type, s->asns, take);
			need -= take;
			prev_taken = take == s->count;
		}
	}
	for (size_t i = 0; i < as4_path->nsegs; i++) {
		const struct bgp_as_segment *s = &as4_path->segs[i];
		if (!seg_is_confed(s->type))
			path_append(&pb, s->type, s->asns, s->count);
	}
	path_finish(&pb, out);
	return 0;
}

/* --- decoding one attribute ---------------------------------------------- */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

static int cmp_large(const void *a, const void *b)
{
	const struct bgp_large_community *x = a, *y = b;

	if (x->global != y->global)
		return x->global < y->global ? -1 : 1;
	if (x->local1 != y->local1)
		return x->local1 < y->local1 ? -1 : 1;
	if (x->local2 != y->local2)
		return x->local2 < y->local2 ? -1 : 1;
	return 0;
}

/* Sort and drop repeats; returns the new count. Communities are sets
 * (RFC 1997 section 3; RFC 8092 section 5 asks receivers to drop repeats). */
static size_t sort_unique(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *))
{
	uint8_t *v = base;
	size_t out = 0;

	if (n < 2)
		return n;
	qsort(base, n, size, cmp);
	for (size_t i = 1; i < n; i++) {
		if (cmp(v + out * size, v + i * size) != 0) {
			out++;
			if (out != i)
				memcpy(v + out * size, v + i * size, size);
		}
	}
	return out + 1;
}

/* Read a list of n four-octet values (COMMUNITIES, CLUSTER_LIST). */
static uint32_t *get_u32_list(struct cursor *v, size_t n, struct bgp_arena *arena)
{
	uint32_t *list = bgp_arena_alloc(arena, n * sizeof(*list));

	if (list == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++)
		cursor_get_u32(v, &list[i]);
	return list;
}

static enum bgp_decode bad_length(const char **why, const char *rule)
{
	*why = rule;
	return BGP_DECODE_BAD_LENGTH;
}

enum bgp_decode bgp_attr_decode(struct bgp_attrs *attrs, uint8_t type, struct cursor *v, bool as4,
                                struct bgp_arena *arena, const char **why)
{
	size_t len = cursor_remaining(v);

	switch (type) {
	case BGP_ATTR_ORIGIN: {
		uint8_t origin = 0;
		if (len != 1)
			return bad_length(why, "length is not 1 (RFC 7606 section 7.1)");
		cursor_get_u8(v, &origin);
		if (origin > BGP_ORIGIN_INCOMPLETE) {
			*why = "undefined ORIGIN value (RFC 7606 section 7.1)";
			return BGP_DECODE_BAD_VALUE;
		}
		attrs->origin = origin;
		break;
	}
	case BGP_ATTR_AS_PATH: {
		struct bgp_aspath path;
		enum bgp_decode rc = bgp_aspath_decode(v, as4 ? 4 : 2, arena, &path, why);
		if (rc != BGP_DECODE_OK)
			return rc;
		attrs->aspath = path;
		break;
	}
	case BGP_ATTR_NEXT_HOP:
		if (len != 4)
			return bad_length(why, "length is not 4 (RFC 7606 section 7.3)");
		cursor_get_bytes(v, attrs->nexthop, 4);
		break;
	case BGP_ATTR_MED:
		if (len != 4)
			return bad_length(why, "length is not 4 (RFC 7606 section 7.4)");
		cursor_get_u32(v, &attrs->med);
		break;
	case BGP_ATTR_LOCAL_PREF:
		if (len != 4)
			return bad_length(why, "length is not 4 (RFC 7606 section 7.5)");
		cursor_get_u32(v, &attrs->local_pref);
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		if (len != 0)
			return bad_length(why, "length is not 0 (RFC 7606 section 7.6)");
		break;
	case BGP_ATTR_AGGREGATOR: {
		uint32_t asn = 0;
		if (len != (as4 ? 8u : 6u))
			return bad_length(why, as4 ? "length is not 8 on a four-octet AS session "
			                             "(RFC 7606 section 7.7)"
			                           : "length is not 6 on a two-octet AS session "
			                             "(RFC 7606 section 7.7)");
		if (as4) {
			cursor_get_u32(v, &asn);
		} else {
			uint16_t a16 = 0;
			cursor_get_u16(v, &a16);
			asn = a16;
		}
		if (asn == 0) {
			*why = "AS number 0 (RFC 7607 section 2)";
			return BGP_DECODE_BAD_VALUE;
		}
		attrs->aggregator_as = asn;
		cursor_get_bytes(v, attrs->aggregator_addr, 4);
		break;
	}
	case BGP_ATTR_COMMUNITIES: {
		if (len == 0 || len % 4 != 0)
			return bad_length(why, "length is not a non-zero multiple of 4 "
			                       "(RFC 7606 section 7.8)");
		uint32_t *list = get_u32_list(v, len / 4, arena);
		if (list == NULL)
			return BGP_DECODE_NO_MEMORY;
		attrs->communities = list;
		attrs->ncommunities = sort_unique(list, len / 4, sizeof(*list), cmp_u32);
		break;
	}
	case BGP_ATTR_ORIGINATOR_ID:
		if (len != 4)
			return bad_length(why, "length is not 4 (RFC 7606 section 7.9)");
		cursor_get_u32(v, &attrs->originator_id);
		break;
	case BGP_ATTR_CLUSTER_LIST: {
		if (len == 0 || len % 4 != 0)
			return bad_length(why, "length is not a non-zero multiple of 4 "
			                       "(RFC 7606 section 7.10)");
		uint32_t *list = get_u32_list(v, len / 4, arena);
		if (list == NULL)
			return BGP_DECODE_NO_MEMORY;
		attrs->cluster_list = list;
		attrs->ncluster_list = len / 4;
		break;
	}
	case BGP_ATTR_EXT_COMMUNITIES: {
		if (len == 0 || len % 8 != 0)
			return bad_length(why, "length is not a non-zero multiple of 8 "
			                       "(RFC 7606 section 7.14)");
		size_t n = len / 8;
		uint64_t *list = bgp_arena_alloc(arena, n * sizeof(*list));
		if (list == NULL)
			return BGP_DECODE_NO_MEMORY;
		for (size_t i = 0; i < n; i++)
			cursor_get_u64(v, &list[i]);
		attrs->ext_communities = list;
		attrs->next_communities = sort_unique(list, n, sizeof(*list), cmp_u64);
		break;
	}
	case BGP_ATTR_LARGE_COMMUNITIES: {
		if (len == 0 || len % 12 != 0)
			return bad_length(why, "length is not a non-zero multiple of 12 "
			                       "(RFC 8092 section 6)");
		size_t n = len / 12;
		struct bgp_large_community *list = bgp_arena_alloc(arena, n * sizeof(*list));
		if (list == NULL)
			return BGP_DECODE_NO_MEMORY;
		for (size_t i = 0; i < n; i++) {
			cursor_get_u32(v, &list[i].global);
			cursor_get_u32(v, &list[i].local1);
			cursor_get_u32(v, &list[i].local2);
		}
		attrs->large_communities = list;
		attrs->nlarge_communities = sort_unique(list, n, sizeof(*list), cmp_large);
		break;
	}
	default:
		*why = "not an attribute this decoder knows";
		return BGP_DECODE_BAD_VALUE;
	}
	if (!cursor_ok(v)) {
		*why = "value shorter than its length";
		return BGP_DECODE_BAD_LENGTH;
	}
	attrs->present |= BGP_ATTR_MASK(type);
	return BGP_DECODE_OK;
}

/* --- encoding --------------------------------------------------------------- */

#define FLAGS_WELL_KNOWN   BGP_ATTR_FLAG_TRANSITIVE
#define FLAGS_OPT_TRANS    (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE)
#define FLAGS_OPT_NONTRANS BGP_ATTR_FLAG_OPTIONAL

/* RFC 4271 section 4.3: the Extended Length bit only when the length
 * needs two octets; the four low bits are zero when sent. */
void bgp_attr_put_header(struct builder *b, uint8_t flags, uint8_t type, size_t len)
{
	flags &= BGP_ATTR_FLAGS_KEPT;
	if (len > 255) {
		builder_put_u8(b, flags | BGP_ATTR_FLAG_EXTENDED);
		builder_put_u8(b, type);
		builder_put_u16(b, (uint16_t)len);
	} else {
		builder_put_u8(b, flags);
		builder_put_u8(b, type);
		builder_put_u8(b, (uint8_t)len);
	}
}

/* Wire length of a path with as_size-octet ASNs, sequences cut into
 * segments of at most 255 (RFC 4271 section 4.3). -1 if it cannot be sent. */
static int aspath_wire_len(const struct bgp_aspath *p, unsigned as_size, bool skip_confed,
                           size_t *out)
{
	size_t len = 0;

	for (size_t i = 0; i < p->nsegs; i++) {
		const struct bgp_as_segment *s = &p->segs[i];
		if (s->count == 0 || (skip_confed && seg_is_confed(s->type)))
			continue;
		/* Splitting a set would make it count as two hops. */
		if (!seg_is_sequence(s->type) && s->count > BGP_AS_SEGMENT_MAX)
			return -1;
		size_t chunks = (s->count + BGP_AS_SEGMENT_MAX - 1) / BGP_AS_SEGMENT_MAX;
		len += 2 * chunks + (size_t)s->count * as_size;
	}
	if (len > UINT16_MAX)
		return -1;
	*out = len;
	return 0;
}

static void aspath_put(struct builder *b, const struct bgp_aspath *p, unsigned as_size,
                       bool skip_confed)
{
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct bgp_as_segment *s = &p->segs[i];
		if (skip_confed && seg_is_confed(s->type))
			continue;
		for (uint32_t off = 0; off < s->count; off += BGP_AS_SEGMENT_MAX) {
			uint32_t n = s->count - off;
			if (n > BGP_AS_SEGMENT_MAX)
				n = BGP_AS_SEGMENT_MAX;
			builder_put_u8(b, s->type);
			builder_put_u8(b, (uint8_t)n);
			for (uint32_t k = 0; k < n; k++) {
				uint32_t asn = s->asns[off + k];
				if (as_size == 4)
					builder_put_u32(b, asn);
				else /* RFC 6793 section 4.2.2 */
					builder_put_u16(b, asn > UINT16_MAX ? BGP_AS_TRANS
					                                    : (uint16_t)asn);
			}
		}
	}
}

/* RFC 6793 section 4.2.2: AS4_PATH only when some AS outside the
 * confederation segments does not fit two octets. */
static bool aspath_needs_as4(const struct bgp_aspath *p)
{
	for (size_t i = 0; i < p->nsegs; i++) {
		const struct bgp_as_segment *s = &p->segs[i];
		if (seg_is_confed(s->type))
			continue;
		for (uint32_t k = 0; k < s->count; k++)
			if (s->asns[k] > UINT16_MAX)
				return true;
	}
	return false;
}

static bool attr_type_known(uint8_t type)
{
	return bgp_attr_name(type) != NULL;
}

static bool has(const struct bgp_attrs *a, uint8_t type)
{
	return (a->present & BGP_ATTR_MASK(type)) != 0;
}

static int encode_one(struct builder *b, const struct bgp_attrs *a,
                      const struct bgp_attr_encode_opts *o, unsigned t)
{
	size_t len;

	switch (t) {
	case BGP_ATTR_ORIGIN:
		bgp_attr_put_header(b, FLAGS_WELL_KNOWN, BGP_ATTR_ORIGIN, 1);
		builder_put_u8(b, a->origin);
		break;
	case BGP_ATTR_AS_PATH:
		if (aspath_wire_len(&a->aspath, o->as4 ? 4 : 2, false, &len) < 0)
			return -1;
		bgp_attr_put_header(b, FLAGS_WELL_KNOWN, BGP_ATTR_AS_PATH, len);
		aspath_put(b, &a->aspath, o->as4 ? 4 : 2, false);
		break;
	case BGP_ATTR_NEXT_HOP:
		if (!o->next_hop)
			break;
		bgp_attr_put_header(b, FLAGS_WELL_KNOWN, BGP_ATTR_NEXT_HOP, 4);
		builder_put_bytes(b, a->nexthop, 4);
		break;
	case BGP_ATTR_MED:
		bgp_attr_put_header(b, FLAGS_OPT_NONTRANS, BGP_ATTR_MED, 4);
		builder_put_u32(b, a->med);
		break;
	case BGP_ATTR_LOCAL_PREF:
		if (o->ebgp) /* RFC 4271 section 5.1.5 */
			break;
		bgp_attr_put_header(b, FLAGS_WELL_KNOWN, BGP_ATTR_LOCAL_PREF, 4);
		builder_put_u32(b, a->local_pref);
		break;
	case BGP_ATTR_ATOMIC_AGGREGATE:
		bgp_attr_put_header(b, FLAGS_WELL_KNOWN, BGP_ATTR_ATOMIC_AGGREGATE, 0);
		break;
	case BGP_ATTR_AGGREGATOR:
		bgp_attr_put_header(b, FLAGS_OPT_TRANS, BGP_ATTR_AGGREGATOR, o->as4 ? 8 : 6);
		if (o->as4)
			builder_put_u32(b, a->aggregator_as);
		else /* RFC 6793 section 4.2.2 */
			builder_put_u16(b, a->aggregator_as > UINT16_MAX
			                       ? BGP_AS_TRANS
			                       : (uint16_t)a->aggregator_as);
		builder_put_bytes(b, a->aggregator_addr, 4);
		break;
	case BGP_ATTR_COMMUNITIES:
		if (a->ncommunities == 0)
			break;
		if (a->ncommunities > UINT16_MAX / 4)
			return -1;
		bgp_attr_put_header(b, FLAGS_OPT_TRANS, BGP_ATTR_COMMUNITIES, a->ncommunities * 4);
		for (size_t i = 0; i < a->ncommunities; i++)
			builder_put_u32(b, a->communities[i]);
		break;
	case BGP_ATTR_ORIGINATOR_ID:
		if (o->ebgp) /* RFC 4456 section 8: reflection stays in the AS */
			break;
		bgp_attr_put_header(b, FLAGS_OPT_NONTRANS, BGP_ATTR_ORIGINATOR_ID, 4);
		builder_put_u32(b, a->originator_id);
		break;
	case BGP_ATTR_CLUSTER_LIST:
		if (o->ebgp || a->ncluster_list == 0)
			break;
		if (a->ncluster_list > UINT16_MAX / 4)
			return -1;
		bgp_attr_put_header(b, FLAGS_OPT_NONTRANS, BGP_ATTR_CLUSTER_LIST,
		                    a->ncluster_list * 4);
		for (size_t i = 0; i < a->ncluster_list; i++)
			builder_put_u32(b, a->cluster_list[i]);
		break;
	case BGP_ATTR_EXT_COMMUNITIES:
		if (a->next_communities == 0)
			break;
		if (a->next_communities > UINT16_MAX / 8)
			return -1;
		bgp_attr_put_header(b, FLAGS_OPT_TRANS, BGP_ATTR_EXT_COMMUNITIES,
		                    a->next_communities * 8);
		for (size_t i = 0; i < a->next_communities; i++)
			builder_put_u64(b, a->ext_communities[i]);
		break;
	case BGP_ATTR_LARGE_COMMUNITIES:
		if (a->nlarge_communities == 0)
			break;
		if (a->nlarge_communities > UINT16_MAX / 12)
			return -1;
		bgp_attr_put_header(b, FLAGS_OPT_TRANS, BGP_ATTR_LARGE_COMMUNITIES,
		                    a->nlarge_communities * 12);
		for (size_t i = 0; i < a->nlarge_communities; i++) {
			builder_put_u32(b, a->large_communities[i].global);
			builder_put_u32(b, a->large_communities[i].local1);
			builder_put_u32(b, a->large_communities[i].local2);
		}
		break;
	default:
		break;
	}
	return 0;
}

int bgp_attrs_encode(struct builder *b, const struct bgp_attrs *a,
                     const struct bgp_attr_encode_opts *o)
{
	for (unsigned t = 0; t <= UINT8_MAX; t++) {
		if (t < 64 && has(a, (uint8_t)t) && encode_one(b, a, o, t) < 0)
			return -1;

		/* The two-octet session's companions, at their own type codes
		 * so the order stays canonical (RFC 6793 section 4.2.2). */
		if (t == BGP_ATTR_AS4_PATH && !o->as4 && has(a, BGP_ATTR_AS_PATH) &&
		    aspath_needs_as4(&a->aspath)) {
			size_t len;
			if (aspath_wire_len(&a->aspath, 4, true, &len) < 0)
				return -1;
			bgp_attr_put_header(b, FLAGS_OPT_TRANS, BGP_ATTR_AS4_PATH, len);
			aspath_put(b, &a->aspath, 4, true);
		}
		if (t == BGP_ATTR_AS4_AGGREGATOR && !o->as4 && has(a, BGP_ATTR_AGGREGATOR) &&
		    a->aggregator_as > UINT16_MAX) {
			bgp_attr_put_header(b, FLAGS_OPT_TRANS, BGP_ATTR_AS4_AGGREGATOR, 8);
			builder_put_u32(b, a->aggregator_as);
			builder_put_bytes(b, a->aggregator_addr, 4);
		}

		/* Unrecognised optional transitive attributes are passed on
		 * with the Partial bit set (RFC 4271 section 5); the first of
		 * a type only, and never one of the types we generate. */
		if (attr_type_known((uint8_t)t))
			continue;
		for (size_t i = 0; i < a->nunknown; i++) {
			const struct bgp_attr_raw *r = &a->unknown[i];
			if (r->type != t)
				continue;
			if ((r->flags & FLAGS_OPT_TRANS) == FLAGS_OPT_TRANS) {
				bgp_attr_put_header(b, r->flags | BGP_ATTR_FLAG_PARTIAL, r->type,
				                    r->len);
				builder_put_bytes(b, r->value, r->len);
			}
			break;
		}
	}
	return builder_ok(b) ? 0 : -1;
}

/* --- canonical form: normalise, hash, compare ------------------------------ */

void bgp_attrs_normalize(struct bgp_attrs *a)
{
	if (a->ncommunities > 0)
		a->ncommunities =
		    sort_unique(a->communities, a->ncommunities, sizeof(*a->communities), cmp_u32);
	if (a->next_communities > 0)
		a->next_communities = sort_unique(a->ext_communities, a->next_communities,
		                                  sizeof(*a->ext_communities), cmp_u64);
	if (a->nlarge_communities > 0)
		a->nlarge_communities = sort_unique(a->large_communities, a->nlarge_communities,
		                                    sizeof(*a->large_communities), cmp_large);

	/* Unknown attributes: stable insertion sort by type (the lists are
	 * short), keep the first of each type as RFC 7606 section 3 (g) does. */
	for (size_t i = 1; i < a->nunknown; i++) {
		struct bgp_attr_raw r = a->unknown[i];
		size_t j = i;
		while (j > 0 && a->unknown[j - 1].type > r.type) {
			a->unknown[j] = a->unknown[j - 1];
			j--;
		}
		a->unknown[j] = r;
	}
	size_t kept = 0;
	for (size_t i = 0; i < a->nunknown; i++) {
		if (kept > 0 && a->unknown[kept - 1].type == a->unknown[i].type)
			continue;
		a->unknown[kept] = a->unknown[i];
		a->unknown[kept].flags &= BGP_ATTR_FLAGS_KEPT;
		kept++;
	}
	a->nunknown = kept;
}

/*
 * An AS path as a stream of 64-bit tokens that does not depend on where
 * sequences were split: each AS of a sequence is (type << 32 | asn); a set
 * is a marker (1 << 40 | type << 32 | count) followed by its members.
 */
struct path_iter {
	const struct bgp_aspath *path;
	size_t seg;
	uint32_t idx;
	bool marked;
};

static bool path_next(struct path_iter *it, uint64_t *tok)
{
	while (it->seg < it->path->nsegs) {
		const struct bgp_as_segment *s = &it->path->segs[it->seg];

		if (!seg_is_sequence(s->type) && !it->marked) {
			it->marked = true;
			*tok = (UINT64_C(1) << 40) | ((uint64_t)s->type << 32) | s->count;
			return true;
		}
		if (it->idx < s->count) {
			*tok = ((uint64_t)s->type << 32) | s->asns[it->idx++];
			return true;
		}
		it->seg++;
		it->idx = 0;
		it->marked = false;
	}
	return false;
}

/* Segment by segment: the usual case, and a quick answer when it holds. */
static bool aspath_same_segments(const struct bgp_aspath *x, const struct bgp_aspath *y)
{
	if (x->nsegs != y->nsegs)
		return false;
	for (size_t i = 0; i < x->nsegs; i++) {
		const struct bgp_as_segment *sx = &x->segs[i], *sy = &y->segs[i];
		if (sx->type != sy->type || sx->count != sy->count ||
		    (sx->asns != sy->asns && memcmp(sx->asns, sy->asns, sx->count * sizeof(uint32_t)) != 0))
			return false;
	}
	return true;
}

static bool aspath_equal(const struct bgp_aspath *x, const struct bgp_aspath *y)
{
	struct path_iter a = {.path = x}, b = {.path = y};
	uint64_t ta, tb;

	if (aspath_same_segments(x, y))
		return true;

	for (;;) {
		bool ma = path_next(&a, &ta), mb = path_next(&b, &tb);
		if (ma != mb)
			return false;
		if (!ma)
			return true;
		if (ta != tb)
			return false;
	}
}

/* FNV-1a, 64-bit: simple, no seed to manage, good enough for a hash
 * table whose keys an attacker does not choose in bulk. */
#define FNV_OFFSET UINT64_C(14695981039346656037)
#define FNV_PRIME  UINT64_C(1099511628211)

static uint64_t hash_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++) {
		h ^= s[i];
		h *= FNV_PRIME;
	}
	return h;
}

static uint64_t hash_u64(uint64_t h, uint64_t v)
{
	uint8_t be[8];

	for (int i = 7; i >= 0; i--) {
		be[i] = (uint8_t)v;
		v >>= 8;
	}
	return hash_bytes(h, be, sizeof(be));
}

static size_t nexthop_len(const struct bgp_mp_nexthop *nh)
{
	return nh->family == AF_INET ? 4 : nh->family == AF_INET6 ? 16 : 0;
}

uint64_t bgp_attrs_hash(const struct bgp_attrs *a)
{
	uint64_t h = hash_u64(FNV_OFFSET, a->present);

	if (has(a, BGP_ATTR_ORIGIN))
		h = hash_u64(h, a->origin);
	if (a->weight != 0)
		h = hash_u64(h, 0x100000000ull | a->weight);
	if (has(a, BGP_ATTR_AS_PATH)) {
		struct path_iter it = {.path = &a->aspath};
		uint64_t tok;
		while (path_next(&it, &tok))
			h = hash_u64(h, tok);
	}
	if (has(a, BGP_ATTR_NEXT_HOP))
		h = hash_bytes(h, a->nexthop, 4);
	if (has(a, BGP_ATTR_MED))
		h = hash_u64(h, a->med);
	if (has(a, BGP_ATTR_LOCAL_PREF))
		h = hash_u64(h, a->local_pref);
	if (has(a, BGP_ATTR_AGGREGATOR)) {
		h = hash_u64(h, a->aggregator_as);
		h = hash_bytes(h, a->aggregator_addr, 4);
	}
	if (has(a, BGP_ATTR_COMMUNITIES))
		for (size_t i = 0; i < a->ncommunities; i++)
			h = hash_u64(h, a->communities[i]);
	if (has(a, BGP_ATTR_ORIGINATOR_ID))
		h = hash_u64(h, a->originator_id);
	if (has(a, BGP_ATTR_CLUSTER_LIST))
		for (size_t i = 0; i < a->ncluster_list; i++)
			h = hash_u64(h, a->cluster_list[i]);
	if (has(a, BGP_ATTR_EXT_COMMUNITIES))
		for (size_t i = 0; i < a->next_communities; i++)
			h = hash_u64(h, a->ext_communities[i]);
	if (has(a, BGP_ATTR_LARGE_COMMUNITIES))
		for (size_t i = 0; i < a->nlarge_communities; i++) {
			h = hash_u64(h, a->large_communities[i].global);
			h = hash_u64(h, a->large_communities[i].local1);
			h = hash_u64(h, a->large_communities[i].local2);
		}
	h = hash_u64(h, a->mp_nexthop.family);
	h = hash_bytes(h, a->mp_nexthop.global, nexthop_len(&a->mp_nexthop));
	if (a->mp_nexthop.family == AF_INET6 && a->mp_nexthop.has_link_local)
		h = hash_bytes(h, a->mp_nexthop.link_local, 16);
	for (size_t i = 0; i < a->nunknown; i++) {
		const struct bgp_attr_raw *r = &a->unknown[i];
		h = hash_u64(h, ((uint64_t)(r->flags & BGP_ATTR_FLAGS_KEPT) << 24) |
		                    ((uint64_t)r->type << 16) | r->len);
		h = hash_bytes(h, r->value, r->len);
	}
	return h;
}

static bool mp_nexthop_equal(const struct bgp_mp_nexthop *x, const struct bgp_mp_nexthop *y)
{
	if (x->family != y->family)
		return false;
	if (memcmp(x->global, y->global, nexthop_len(x)) != 0)
		return false;
	if (x->family != AF_INET6)
		return true;
	if (x->has_link_local != y->has_link_local)
		return false;
	return !x->has_link_local || memcmp(x->link_local, y->link_local, 16) == 0;
}

static bool list_equal(const void *x, size_t nx, const void *y, size_t ny, size_t size)
{
	return nx == ny && (nx == 0 || memcmp(x, y, nx * size) == 0);
}

bool bgp_attrs_equal(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	if (a->present != b->present || a->weight != b->weight)
		return false;
	if (has(a, BGP_ATTR_ORIGIN) && a->origin != b->origin)
		return false;
	if (has(a, BGP_ATTR_AS_PATH) && !aspath_equal(&a->aspath, &b->aspath))
		return false;
	if (has(a, BGP_ATTR_NEXT_HOP) && memcmp(a->nexthop, b->nexthop, 4) != 0)
		return false;
	if (has(a, BGP_ATTR_MED) && a->med != b->med)
		return false;
	if (has(a, BGP_ATTR_LOCAL_PREF) && a->local_pref != b->local_pref)
		return false;
	if (has(a, BGP_ATTR_AGGREGATOR) && (a->aggregator_as != b->aggregator_as ||
	                                    memcmp(a->aggregator_addr, b->aggregator_addr, 4) != 0))
		return false;
	if (has(a, BGP_ATTR_COMMUNITIES) &&
	    !list_equal(a->communities, a->ncommunities, b->communities, b->ncommunities,
	                sizeof(*a->communities)))
		return false;
	if (has(a, BGP_ATTR_ORIGINATOR_ID) && a->originator_id != b->originator_id)
		return false;
	if (has(a, BGP_ATTR_CLUSTER_LIST) &&
	    !list_equal(a->cluster_list, a->ncluster_list, b->cluster_list, b->ncluster_list,
	                sizeof(*a->cluster_list)))
		return false;
	if (has(a, BGP_ATTR_EXT_COMMUNITIES) &&
	    !list_equal(a->ext_communities, a->next_communities, b->ext_communities,
	                b->next_communities, sizeof(*a->ext_communities)))
		return false;
	if (has(a, BGP_ATTR_LARGE_COMMUNITIES)) {
		if (a->nlarge_communities != b->nlarge_communities)
			return false;
		for (size_t i = 0; i < a->nlarge_communities; i++)
			if (cmp_large(&a->large_communities[i], &b->large_communities[i]) != 0)
				return false;
	}
	if (!mp_nexthop_equal(&a->mp_nexthop, &b->mp_nexthop))
		return false;
	if (a->nunknown != b->nunknown)
		return false;
	for (size_t i = 0; i < a->nunknown; i++) {
		const struct bgp_attr_raw *x = &a->unknown[i], *y = &b->unknown[i];
		if (((x->flags ^ y->flags) & BGP_ATTR_FLAGS_KEPT) != 0 || x->type != y->type ||
		    !list_equal(x->value, x->len, y->value, y->len, 1))
			return false;
	}
	return true;
}

/* --- text --------------------------------------------------------------------- */

/* Appends into a fixed buffer, always NUL-terminated, counting what the
 * whole text would need. */
struct textbuf {
	char *buf;
	size_t len;
	size_t need;
};

static void tb_init(struct textbuf *tb, char *buf, size_t len)
{
	tb->buf = buf;
	tb->len = buf != NULL ? len : 0;
	tb->need = 0;
	if (tb->len > 0)
		buf[0] = '\0';
}

static void tb_puts(struct textbuf *tb, const char *s)
{
	size_t n = strlen(s);

	if (tb->len > 0 && tb->need < tb->len - 1) {
		size_t room = tb->len - 1 - tb->need;
		size_t k = n < room ? n : room;
		memcpy(tb->buf + tb->need, s, k);
		tb->buf[tb->need + k] = '\0';
	}
	tb->need += n;
}

/* By hand rather than snprintf: an AS-path access-list formats every new
 * AS_PATH it meets, and that formatting was most of its cost. */
static void tb_putu(struct textbuf *tb, uint32_t v)
{
	char tmp[11]; /* 4294967295 and the NUL */
	size_t i = sizeof(tmp) - 1;

	tmp[i] = '\0';
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0);
	tb_puts(tb, tmp + i);
}

size_t bgp_aspath_format(const struct bgp_aspath *path, char *buf, size_t len)
{
	struct textbuf tb;

	tb_init(&tb, buf, len);
	for (size_t i = 0; i < path->nsegs; i++) {
		const struct bgp_as_segment *s = &path->segs[i];
		const char *open = "", *close = "", *sep = " ";

		switch (s->type) {
		case BGP_AS_SET:
			open = "{";
			close = "}";
			sep = ",";
			break;
		case BGP_AS_CONFED_SEQUENCE:
			open = "(";
			close = ")";
			break;
		case BGP_AS_CONFED_SET:
			open = "[";
			close = "]";
			sep = ",";
			break;
		default:
			break;
		}
		if (i > 0)
			tb_puts(&tb, " ");
		tb_puts(&tb, open);
		for (uint32_t k = 0; k < s->count; k++) {
			if (k > 0)
				tb_puts(&tb, sep);
			tb_putu(&tb, s->asns[k]);
		}
		tb_puts(&tb, close);
	}
	return tb.need;
}

static const char *community_name(uint32_t c)
{
	switch (c) {
	case BGP_COMMUNITY_GRACEFUL_SHUTDOWN:
		return "graceful-shutdown";
	case BGP_COMMUNITY_ACCEPT_OWN:
		return "accept-own";
	case BGP_COMMUNITY_LLGR_STALE:
		return "llgr-stale";
	case BGP_COMMUNITY_NO_LLGR:
		return "no-llgr";
	case BGP_COMMUNITY_BLACKHOLE:
		return "blackhole";
	case BGP_COMMUNITY_NO_EXPORT:
		return "no-export";
	case BGP_COMMUNITY_NO_ADVERTISE:
		return "no-advertise";
	case BGP_COMMUNITY_NO_EXPORT_SUBCONFED:
		return "local-AS";
	case BGP_COMMUNITY_NOPEER:
		return "no-peer";
	default:
		return NULL;
	}
}

size_t bgp_communities_format(const uint32_t *comms, size_t n, char *buf, size_t len)
{
	struct textbuf tb;

	tb_init(&tb, buf, len);
	for (size_t i = 0; i < n; i++) {
		const char *name = community_name(comms[i]);
		if (i > 0)
			tb_puts(&tb, " ");
		if (name != NULL) {
			tb_puts(&tb, name);
		} else {
			tb_putu(&tb, comms[i] >> 16);
			tb_puts(&tb, ":");
			tb_putu(&tb, comms[i] & 0xffff);
		}
	}
	return tb.need;
}

size_t bgp_large_communities_format(const struct bgp_large_community *comms, size_t n, char *buf,
                                    size_t len)
{
	struct textbuf tb;

	tb_init(&tb, buf, len);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			tb_puts(&tb, " ");
		tb_putu(&tb, comms[i].global);
		tb_puts(&tb, ":");
		tb_putu(&tb, comms[i].local1);
		tb_puts(&tb, ":");
		tb_putu(&tb, comms[i].local2);
	}
	return tb.need;
}
