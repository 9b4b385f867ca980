/*
 * Regular expressions as FRR's BGP uses them (AS-path access-lists,
 * expanded community and large-community lists), community values as
 * text, and the matching of community lists.
 *
 * FRR's `_` (bgp_regcomp): it stands for any of start of text, end of
 * text, space, comma, braces and parentheses, so "_64512_" finds AS 64512
 * anywhere in "64511 64512 {64513,64514}" but not in "645120". It is
 * replaced everywhere in the pattern, as FRR does, before POSIX extended
 * compilation.
 */
#include "policy_internal.h"

#include <stdlib.h>
#include <string.h>

#define UNDERSCORE_REGEX "(^|[,{}() ]|$)"

int policy_regex_compile(struct policy_regex *rx, const char *text, char *err, size_t errlen)
{
	size_t len = strlen(text), n = 0;
	char *pattern = malloc(len * (sizeof(UNDERSCORE_REGEX) - 1) + 1);
	regex_t *re = malloc(sizeof(*re));

	if (pattern == NULL || re == NULL) {
		free(pattern);
		free(re);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < len; i++) {
		if (text[i] == '_') {
			memcpy(pattern + n, UNDERSCORE_REGEX, sizeof(UNDERSCORE_REGEX) - 1);
			n += sizeof(UNDERSCORE_REGEX) - 1;
		} else {
			pattern[n++] = text[i];
		}
	}
	pattern[n] = '\0';
	int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
	free(pattern);
	if (rc != 0) {
		regerror(rc, re, err, errlen);
		free(re);
		return -1;
	}
	if (rx->re != NULL) {
		regfree(rx->re);
		free(rx->re);
	}
	rx->re = re;
	return 0;
}

static bool regex_matches(const struct policy_regex *rx, const char *text)
{
	return rx->re != NULL && regexec(rx->re, text, 0, NULL, 0) == 0;
}

/* ---- community values -------------------------------------------------------- */

static const struct {
	const char *name;
	uint32_t value;
} well_known[] = {
	/* "internet" is FRR's name for 0:0, which every route matches in a
	 * standard community-list. */
	{"internet", 0},
	{"graceful-shutdown", BGP_COMMUNITY_GRACEFUL_SHUTDOWN},
	{"accept-own", BGP_COMMUNITY_ACCEPT_OWN},
	{"llgr-stale", BGP_COMMUNITY_LLGR_STALE},
	{"no-llgr", BGP_COMMUNITY_NO_LLGR},
	{"blackhole", BGP_COMMUNITY_BLACKHOLE},
	{"no-export", BGP_COMMUNITY_NO_EXPORT},
	{"no-advertise", BGP_COMMUNITY_NO_ADVERTISE},
	{"local-AS", BGP_COMMUNITY_NO_EXPORT_SUBCONFED},
	{"no-peer", BGP_COMMUNITY_NOPEER},
};

/* Strict unsigned decimal of at most max; 0 or -1. */
static int parse_u32(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	if (len == 0 || len > 10)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max || (len > 1 && s[0] == '0'))
		return -1;
	*out = (uint32_t)v;
	return 0;
}

int policy_community_parse(const char *text, uint32_t *out)
{
	for (size_t i = 0; i < sizeof(well_known) / sizeof(well_known[0]); i++) {
		if (strcmp(text, well_known[i].name) == 0) {
			*out = well_known[i].value;
			return 0;
		}
	}
	const char *colon = strchr(text, ':');
	uint32_t as, val;
	if (colon == NULL || parse_u32(text, (size_t)(colon - text), 65535, &as) != 0 ||
	    parse_u32(colon + 1, strlen(colon + 1), 65535, &val) != 0)
		return -1;
	*out = as << 16 | val;
	return 0;
}

int policy_lcommunity_parse(const char *text, struct bgp_large_community *out)
{
	const char *a = strchr(text, ':');
	const char *b = a != NULL ? strchr(a + 1, ':') : NULL;

	/* RFC 8092 section 5: Global Administrator:Local Data 1:Local Data 2. */
	if (a == NULL || b == NULL || parse_u32(text, (size_t)(a - text), UINT32_MAX, &out->global) != 0 ||
	    parse_u32(a + 1, (size_t)(b - a - 1), UINT32_MAX, &out->local1) != 0 ||
	    parse_u32(b + 1, strlen(b + 1), UINT32_MAX, &out->local2) != 0)
		return -1;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static int cmp_lcomm(const struct bgp_large_community *x, const struct bgp_large_community *y)
{
	if (x->global != y->global)
		return x->global < y->global ? -1 : 1;
	if (x->local1 != y->local1)
		return x->local1 < y->local1 ? -1 : 1;
	return x->local2 < y->local2 ? -1 : x->local2 > y->local2;
}

static int cmp_lcomm_void(const void *a, const void *b)
{
	return cmp_lcomm(a, b);
}

size_t policy_comms_sort(uint32_t *v, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_u32);
	for (size_t i = 1; i < n; i++)
		if (v[i] != v[k])
			v[++k] = v[i];
	return k + 1;
}

size_t policy_lcomms_sort(struct bgp_large_community *v, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_lcomm_void);
	for (size_t i = 1; i < n; i++)
		if (cmp_lcomm(&v[i], &v[k]) != 0)
			v[++k] = v[i];
	return k + 1;
}

/* ---- AS-path access-lists ------------------------------------------------------ */

/*
 * The verdict cache: direct-mapped, keyed by a hash of the path's
 * segments, each slot holding the path itself (as segment headers and AS
 * numbers) so a hit is exact. Paths longer than the slot are evaluated
 * every time; they are rare.
 */
#define ASPATH_CACHE_SLOTS 2048
#define ASPATH_CACHE_WORDS 26

struct aspath_slot {
	uint64_t hash;
	uint16_t nwords; /* 0: empty slot */
	uint8_t permit;
	uint32_t words[ASPATH_CACHE_WORDS];
};

struct aspath_cache {
	struct aspath_slot slots[ASPATH_CACHE_SLOTS];
	/* The slot last used, plus one (0: none). The routes of one UPDATE
	 * share their AS_PATH, so comparing with it first spares building
	 * and hashing the words for all but the first. */
	uint32_t last;
};

/*
 * `^N_` ("the path starts with AS N"), with N written as the path text
 * writes it (decimal, no leading zero, at most 4294967295): true with
 * *asn = N. The most common AS-path expression; deciding it on the AS
 * numbers spares formatting every new path as text (lead_matches()).
 */
static bool parse_lead_only(const char *text, uint32_t *asn)
{
	uint64_t v = 0;
	size_t i = 1;

	if (text[0] != '^' || text[1] < '1' || text[1] > '9')
		return false;
	for (; text[i] >= '0' && text[i] <= '9'; i++) {
		v = v * 10 + (uint64_t)(text[i] - '0');
		if (v > UINT32_MAX)
			return false;
	}
	if (text[i] != '_' || text[i + 1] != '\0')
		return false;
	*asn = (uint32_t)v;
	return true;
}

/*
 * The verdict of a `^N_` entry without the text, when the path's first
 * segment is an AS_SEQUENCE with an AS in it: bgp_aspath_format() then
 * writes that AS first, in decimal, followed by a space or the end of the
 * text, both of which `_` matches; so `^N_` matches exactly when that AS
 * is N. -1 for any other path (empty, or starting with a set or a
 * confederation segment): the regular expression decides those.
 */
static int lead_matches(const struct aspath_entry *e, const struct bgp_aspath *path)
{
	if (path->nsegs == 0 || path->segs[0].type != BGP_AS_SEQUENCE || path->segs[0].count == 0)
		return -1;
	return path->segs[0].asns[0] == e->lead_asn;
}

int aspath_list_compile(struct aspath_list *l)
{
	char err[256];

	for (size_t i = 0; i < l->count; i++) {
		struct aspath_entry *e = &l->entries[i];
		if (policy_regex_compile(&e->rx, e->rx.text, err, sizeof(err)) != 0)
			return -1;
		e->lead_only = parse_lead_only(e->rx.text, &e->lead_asn);
	}
	if (l->cache == NULL) {
		l->cache = calloc(1, sizeof(*l->cache));
		if (l->cache == NULL)
			return -1;
	} else {
		memset(l->cache, 0, sizeof(*l->cache));
	}
	l->head.compiled = true;
	return 0;
}

void aspath_list_uncompile(struct aspath_list *l)
{
	free(l->cache);
	l->cache = NULL;
}

/* The path as cache words; 0 when it does not fit. */
static size_t path_words(const struct bgp_aspath *path, uint32_t *words)
{
	size_t n = 0;

	for (size_t s = 0; s < path->nsegs; s++) {
		const struct bgp_as_segment *seg = &path->segs[s];
		if (n + 1 + seg->count > ASPATH_CACHE_WORDS)
			return 0;
		words[n++] = (uint32_t)seg->type << 24 | (seg->count & 0xffffff);
		memcpy(&words[n], seg->asns, seg->count * sizeof(uint32_t));
		n += seg->count;
	}
	/* An empty path is one word, so a used slot never has nwords 0. */
	if (n == 0)
		words[n++] = 0;
	return n;
}

static uint64_t words_hash(const uint32_t *w, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n;

	for (size_t i = 0; i < n; i++) {
		h ^= w[i];
		h *= 0x100000001b3ull;
		h ^= h >> 29;
	}
	return h;
}

/* The path as text for the regular expressions, formatted at the first
 * entry that needs it; NULL when out of memory. */
static const char *path_text(const struct bgp_aspath *path, char *stack, size_t len, char **heap)
{
	size_t need = bgp_aspath_format(path, stack, len);

	if (need < len)
		return stack;
	*heap = malloc(need + 1);
	if (*heap == NULL)
		return NULL;
	bgp_aspath_format(path, *heap, need + 1);
	return *heap;
}

static bool aspath_list_evaluate(const struct aspath_list *l, const struct bgp_aspath *path)
{
	char stack[1024];
	char *heap = NULL;
	const char *text = NULL;
	bool permit = false;

	for (size_t i = 0; i < l->count; i++) {
		const struct aspath_entry *e = &l->entries[i];
		int lead = e->lead_only ? lead_matches(e, path) : -1;
		if (lead < 0 && text == NULL) {
			text = path_text(path, stack, sizeof(stack), &heap);
			if (text == NULL)
				return false;
		}
		if (lead == 1 || (lead < 0 && regex_matches(&e->rx, text))) {
			permit = e->permit;
			break;
		}
	}
	free(heap);
	return permit;
}

/* Whether path is the one words (n of them, from path_words) stand for. */
static bool path_is(const struct bgp_aspath *path, const uint32_t *words, size_t n)
{
	size_t k = 0;

	if (path->nsegs == 0)
		return n == 1 && words[0] == 0;
	for (size_t s = 0; s < path->nsegs; s++) {
		const struct bgp_as_segment *seg = &path->segs[s];
		if (k + 1 + seg->count > n || words[k] != ((uint32_t)seg->type << 24 | (seg->count & 0xffffff)) ||
		    memcmp(&words[k + 1], seg->asns, seg->count * sizeof(uint32_t)) != 0)
			return false;
		k += 1 + seg->count;
	}
	return k == n;
}

bool aspath_list_permits(struct aspath_list *l, const struct bgp_aspath *path)
{
	uint32_t words[ASPATH_CACHE_WORDS];

	if (l->cache != NULL && l->cache->last != 0) {
		const struct aspath_slot *last = &l->cache->slots[l->cache->last - 1];
		if (last->nwords != 0 && path_is(path, last->words, last->nwords))
			return last->permit;
	}
	size_t n = l->cache != NULL ? path_words(path, words) : 0;

	if (n == 0)
		return aspath_list_evaluate(l, path);
	uint64_t h = words_hash(words, n);
	struct aspath_slot *slot = &l->cache->slots[h % ASPATH_CACHE_SLOTS];
	l->cache->last = (uint32_t)(h % ASPATH_CACHE_SLOTS) + 1;
	if (slot->nwords == n && slot->hash == h && memcmp(slot->words, words, n * sizeof(uint32_t)) == 0)
		return slot->permit;
	bool permit = aspath_list_evaluate(l, path);
	slot->hash = h;
	slot->nwords = (uint16_t)n;
	slot->permit = permit;
	memcpy(slot->words, words, n * sizeof(uint32_t));
	return permit;
}

/* ---- community lists ------------------------------------------------------------ */

int clist_compile(struct community_list *l)
{
	char err[256];

	for (size_t i = 0; i < l->count; i++)
		if (l->entries[i].rx.text != NULL &&
		    policy_regex_compile(&l->entries[i].rx, l->entries[i].rx.text, err, sizeof(err)) != 0)
			return -1;
	l->head.compiled = true;
	return 0;
}

void clist_uncompile(struct community_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		if (l->entries[i].rx.re != NULL) {
			regfree(l->entries[i].rx.re);
			free(l->entries[i].rx.re);
			l->entries[i].rx.re = NULL;
		}
	}
}

/* Every element of small (sorted) is in big (sorted). */
static bool comms_subset(const uint32_t *small, size_t ns, const uint32_t *big, size_t nb)
{
	size_t j = 0;

	for (size_t i = 0; i < ns; i++) {
		while (j < nb && big[j] < small[i])
			j++;
		if (j == nb || big[j] != small[i])
			return false;
		j++;
	}
	return true;
}

static bool lcomms_subset(const struct bgp_large_community *small, size_t ns, const struct bgp_large_community *big,
			  size_t nb)
{
	size_t j = 0;

	for (size_t i = 0; i < ns; i++) {
		while (j < nb && cmp_lcomm(&big[j], &small[i]) < 0)
			j++;
		if (j == nb || cmp_lcomm(&big[j], &small[i]) != 0)
			return false;
		j++;
	}
	return true;
}

static bool has_internet(const struct clist_entry *e)
{
	/* Sorted ascending, so 0 (internet) can only be first. */
	return e->ncomms > 0 && e->comms != NULL && e->comms[0] == 0;
}

/* FRR's text of communities: well-known names, "internet" for 0:0. */
static size_t comms_text(const uint32_t *v, size_t n, char *buf, size_t len)
{
	size_t need = 0;

	if (len > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		char one[24];
		const char *name = NULL;
		for (size_t k = 0; k < sizeof(well_known) / sizeof(well_known[0]) && name == NULL; k++)
			if (well_known[k].value == v[i])
				name = well_known[k].name;
		if (name == NULL) {
			snprintf(one, sizeof(one), "%u:%u", v[i] >> 16, v[i] & 0xffff);
			name = one;
		}
		size_t add = strlen(name) + (i > 0);
		if (need + add < len)
			snprintf(buf + need, len - need, "%s%s", i > 0 ? " " : "", name);
		need += add;
	}
	return need;
}

/* Run regex rx over text made by fmt into a buffer big enough. */
static bool regex_over_comms(const struct policy_regex *rx, const void *v, size_t n, bool large)
{
	char stack[1024];
	char *text = stack;
	size_t need = large ? bgp_large_communities_format(v, n, stack, sizeof(stack))
			    : comms_text(v, n, stack, sizeof(stack));

	if (need >= sizeof(stack)) {
		text = malloc(need + 1);
		if (text == NULL)
			return false;
		if (large)
			bgp_large_communities_format(v, n, text, need + 1);
		else
			comms_text(v, n, text, need + 1);
	}
	bool m = regex_matches(rx, text);
	if (text != stack)
		free(text);
	return m;
}

bool clist_match(const struct community_list *l, const struct bgp_attrs *attrs, bool exact)
{
	bool large = l->large;
	bool present = attrs->present & BGP_ATTR_MASK(large ? BGP_ATTR_LARGE_COMMUNITIES : BGP_ATTR_COMMUNITIES);
	size_t n = !present ? 0 : large ? attrs->nlarge_communities : attrs->ncommunities;
	const uint32_t *comms = present ? attrs->communities : NULL;
	const struct bgp_large_community *lcomms = present ? attrs->large_communities : NULL;

	for (size_t i = 0; i < l->count; i++) {
		const struct clist_entry *e = &l->entries[i];
		bool hit;
		if (e->rx.text != NULL)
			hit = regex_over_comms(&e->rx, large ? (const void *)lcomms : (const void *)comms, n, large);
		else if (!large && has_internet(e))
			hit = true; /* FRR: an entry with "internet" matches every route */
		else if (exact)
			hit = e->ncomms == n &&
			      (large ? memcmp(e->lcomms, lcomms, n * sizeof(*lcomms)) == 0
				     : memcmp(e->comms, comms, n * sizeof(*comms)) == 0);
		else
			hit = large ? lcomms_subset(e->lcomms, e->ncomms, lcomms, n)
				    : comms_subset(e->comms, e->ncomms, comms, n);
		if (hit)
			return e->permit;
	}
	return false;
}

/* Whether entry e matches the one value v (a uint32_t community, or a
 * large community when large), as `set comm-list L delete` tests it. */
static bool entry_hits_value(const struct clist_entry *e, const void *v, bool large)
{
	if (e->rx.text != NULL)
		return regex_over_comms(&e->rx, v, 1, large);
	return large ? lcomms_subset(v, 1, e->lcomms, e->ncomms) : has_internet(e) || comms_subset(v, 1, e->comms, e->ncomms);
}

/* The values of in (n of size bytes) that l's first matching entry does
 * not permit, copied to out; returns how many. */
static size_t delete_values(const struct community_list *l, const void *in, size_t n, size_t size, bool large,
			    void *out)
{
	size_t kept = 0;

	for (size_t v = 0; v < n; v++) {
		const void *value = (const char *)in + v * size;
		bool drop = false;
		for (size_t i = 0; i < l->count; i++) {
			const struct clist_entry *e = &l->entries[i];
			if (entry_hits_value(e, value, large)) {
				drop = e->permit;
				break;
			}
		}
		if (!drop)
			memcpy((char *)out + kept++ * size, value, size);
	}
	return kept;
}

size_t clist_delete_comms(const struct community_list *l, const uint32_t *in, size_t n, uint32_t *out)
{
	return delete_values(l, in, n, sizeof(*in), false, out);
}

size_t clist_delete_lcomms(const struct community_list *l, const struct bgp_large_community *in, size_t n,
			   struct bgp_large_community *out)
{
	return delete_values(l, in, n, sizeof(*in), true, out);
}

size_t policy_community_format(const uint32_t *v, size_t n, char *buf, size_t len)
{
	return comms_text(v, n, buf, len);
}
