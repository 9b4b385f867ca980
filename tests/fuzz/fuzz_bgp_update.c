/*
 * Fuzz harness for the BGP UPDATE parser (routed/bgp/bgp_update.c).
 *
 * Input: one octet choosing the session, then an UPDATE body (the message
 * after its 19-octet header). Session octet bits: 0 four-octet AS,
 * 1 external peer, 2 extended messages, 3 no IPv4 unicast, 4 no IPv6
 * unicast, 5 AS_SETs rejected, 6 our address is 192.0.2.1 / 2001:db8::1.
 *
 * Beyond the sanitizers, it checks that:
 *   - the parse arena sized by BGP_UPDATE_ARENA_SIZE() never runs out;
 *   - the outcome and the NOTIFICATION agree (a reset has an error code,
 *     UPD_OK has none);
 *   - whatever parses as announcements survives a round trip: the parsed
 *     attributes and prefixes, built again with bgp_update_build() for
 *     the same session and parsed again, come back equal, in as many
 *     messages as packing takes.
 *
 * With libFuzzer:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Ilib -Irouted/bgp \
 *     lib/cursor.c lib/prefix.c routed/bgp/bgp_attr.c routed/bgp/bgp_update.c \
 *     tests/fuzz/fuzz_bgp_update.c -o fuzz_bgp_update
 * Without it (any C11 compiler), add -DFUZZ_STANDALONE: the program then
 * has its own main() with built-in seeds and a deterministic mutator (see
 * the end of this file), which is what make check runs.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bgp_attr.h"
#include "bgp_update.h"
#include "cursor.h"
#include "fuzz_check.h"
#include "prefix.h"

static unsigned long outcomes[4];

#ifdef FUZZ_STANDALONE
/* The input being run, saved as ./crash-standalone when a check fails
 * (libFuzzer saves its own). */
static const uint8_t *current;
static size_t current_len;

static void save_current(void)
{
	FILE *f = fopen("crash-standalone", "wb");
	if (f != NULL) {
		fwrite(current, 1, current_len, f);
		fclose(f);
		fprintf(stderr, "input saved as crash-standalone\n");
	}
}
#endif

static struct bgp_update_ctx ctx_from(uint8_t f)
{
	static const uint8_t local4[4] = {192, 0, 2, 1};
	static const uint8_t local6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
	struct bgp_update_ctx c = {
	    .as4 = f & 1,
	    .ebgp = (f >> 1) & 1,
	    .extended_msg = (f >> 2) & 1,
	    .families = BGP_UPD_AF_IPV4_UNICAST | BGP_UPD_AF_IPV6_UNICAST,
	    .reject_as_sets = (f >> 5) & 1,
	};

	if (f & 8)
		c.families &= ~BGP_UPD_AF_IPV4_UNICAST;
	if (f & 16)
		c.families &= ~BGP_UPD_AF_IPV6_UNICAST;
	if (f & 64) {
		c.has_local4 = c.has_local6 = true;
		memcpy(c.local4, local4, 4);
		memcpy(c.local6, local6, 16);
	}
	return c;
}

static void fail(const char *what, const struct bgp_update *u)
{
	fprintf(stderr, "fuzz_bgp_update: %s (outcome %s, %s)\n", what,
	        bgp_update_outcome_name(u->outcome), u->reason);
#ifdef FUZZ_STANDALONE
	save_current();
#endif
	abort();
}

/* RFC 6793 section 4.2.3 keeps confederation segments across a two-octet
 * session only where they lead the path; others are lost by design. */
static bool confed_leads(const struct bgp_aspath *p)
{
	bool other = false;

	for (size_t i = 0; i < p->nsegs; i++) {
		bool confed = p->segs[i].type == BGP_AS_CONFED_SEQUENCE ||
		              p->segs[i].type == BGP_AS_CONFED_SET;
		if (confed && other)
			return false;
		other |= !confed;
	}
	return true;
}

/* Would the attribute set, with the longest prefix, fit one message? */
static bool fits(const struct bgp_update_ctx *ctx, const struct bgp_attrs *a, int family)
{
	struct bgp_attr_encode_opts o = {ctx->as4, ctx->ebgp, family == AF_INET};
	struct builder b;
	bool ok;

	builder_init_dynamic(&b, BGP_EXTENDED_MAX_LEN);
	/* the longest prefix: 5 octets (IPv4), or 17 in an MP_REACH_NLRI of
	 * 4 header and 5 + 32 fixed octets (IPv6) */
	ok = bgp_attrs_encode(&b, a, &o) == 0 &&
	     BGP_UPDATE_MIN_LEN + builder_len(&b) + (family == AF_INET ? 5 : 4 + 5 + 32 + 17) <=
	         BGP_EXTENDED_MAX_LEN;
	builder_free(&b);
	return ok;
}

/* Build the announcements of one family again and parse them back. */
static void round_trip(const struct bgp_update_ctx *ctx, const struct bgp_update *u, int family)
{
	const struct prefix *list = family == AF_INET ? u->nlri : u->mp_reach.prefixes;
	size_t n = family == AF_INET ? u->nnlri : u->mp_reach.count;
	struct bgp_update_ctx big = *ctx;
	struct bgp_attrs want = u->attrs;
	struct bgp_attr_raw *unknown = NULL;
	size_t done = 0;

	if (!ctx->as4 && !confed_leads(&u->attrs.aspath))
		return;
	big.extended_msg = true;
	if (!fits(&big, &u->attrs, family))
		return;

	/* What the peer sees: the next hop of this family only, unknown
	 * attributes marked Partial (RFC 4271 section 5). */
	if (family == AF_INET)
		memset(&want.mp_nexthop, 0, sizeof(want.mp_nexthop));
	else
		want.present &= ~BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
	if (want.nunknown > 0) {
		unknown = malloc(want.nunknown * sizeof(*unknown));
		memcpy(unknown, want.unknown, want.nunknown * sizeof(*unknown));
		for (size_t i = 0; i < want.nunknown; i++)
			unknown[i].flags |= BGP_ATTR_FLAG_PARTIAL;
		want.unknown = unknown;
	}

	while (done < n) {
		struct bgp_update_spec s = {.family = family,
		                            .attrs = &u->attrs,
		                            .announce = list + done,
		                            .nannounce = n - done};
		struct builder b;
		size_t nw, na;

		builder_init_dynamic(&b, BGP_EXTENDED_MAX_LEN);
		if (bgp_update_build(&b, &big, &s, BGP_EXTENDED_MAX_LEN, &nw, &na) < 0 || na == 0)
			fail("round trip: cannot build", u);

		size_t len = builder_len(&b) - BGP_HEADER_LEN;
		uint8_t *body = malloc(len);
		memcpy(body, builder_data(&b) + BGP_HEADER_LEN, len);
		builder_free(&b);
		size_t cap = BGP_UPDATE_ARENA_SIZE(len);
		uint8_t *buf = malloc(cap);
		struct bgp_arena arena;
		struct bgp_update v;
		bgp_arena_init(&arena, buf, cap);
		if (bgp_update_parse(&big, body, len, &arena, &v) != UPD_OK)
			fail("round trip: rebuilt message does not parse", &v);
		if (!bgp_attrs_equal(&v.attrs, &want) ||
		    bgp_attrs_hash(&v.attrs) != bgp_attrs_hash(&want))
			fail("round trip: attributes differ", &v);
		const struct prefix *got = family == AF_INET ? v.nlri : v.mp_reach.prefixes;
		size_t ngot = family == AF_INET ? v.nnlri : v.mp_reach.count;
		if (ngot != na)
			fail("round trip: prefix count", &v);
		for (size_t i = 0; i < na; i++)
			if (!prefix_equal(&got[i], &list[done + i]))
				fail("round trip: prefix differs", &v);
		done += na;
		free(buf);
		free(body);
	}
	free(unknown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size - 1 > BGP_EXTENDED_MAX_LEN - BGP_HEADER_LEN)
		return 0;

	struct bgp_update_ctx ctx = ctx_from(data[0]);
	size_t len = size - 1;
#ifdef FUZZ_STANDALONE
	current = data;
	current_len = size;
#endif
	/* An exact-size copy of the body, so reading past it is caught. */
	uint8_t *body = malloc(len > 0 ? len : 1);
	size_t cap = BGP_UPDATE_ARENA_SIZE(len);
	uint8_t *buf = malloc(cap);
	struct bgp_arena arena;
	struct bgp_update u;

	memcpy(body, data + 1, len);
	bgp_arena_init(&arena, buf, cap);
	enum bgp_update_outcome o = bgp_update_parse(&ctx, body, len, &arena, &u);
	if ((unsigned)o > UPD_SESSION_RESET || o != u.outcome)
		fail("outcome out of range", &u);
	outcomes[o]++;
	if (o == UPD_SESSION_RESET && u.error.code == BGP_ERR_CEASE)
		fail("arena of BGP_UPDATE_ARENA_SIZE() ran out", &u);
	if (o == UPD_SESSION_RESET && u.error.code == 0)
		fail("reset without a NOTIFICATION", &u);
	if (o == UPD_OK && (u.error.code != 0 || u.reason[0] != '\0'))
		fail("OK with an error", &u);
	if (o != UPD_OK && u.reason[0] == '\0')
		fail("no reason given", &u);
	if (u.error.data_len > BGP_ERROR_DATA_MAX)
		fail("NOTIFICATION data too long", &u);

	if (o == UPD_OK || o == UPD_ATTR_DISCARD) {
		if (u.nnlri > 0)
			round_trip(&ctx, &u, AF_INET);
		if (u.mp_reach.count > 0 && u.mp_reach.afi == BGP_AFI_IPV6_WIRE)
			round_trip(&ctx, &u, AF_INET6);
	}
	free(buf);
	free(body);
	return 0;
}

#ifdef FUZZ_STANDALONE
/*
 * Without libFuzzer: built-in seeds (hand-written bodies and builder
 * output), files named on the command line, and deterministic mutations.
 *   fuzz_bgp_update                      seeds + 20000 mutations
 *   fuzz_bgp_update --mutate N [SEED]    seeds + N mutations from SEED
 *   fuzz_bgp_update --seeds DIR          write the seeds (for libFuzzer)
 *   fuzz_bgp_update FILE...              replay files
 */

#define FUZZ_INPUT_MAX (BGP_EXTENDED_MAX_LEN - BGP_HEADER_LEN + 1)
#define FUZZ_SEEDS_MAX 64
#define FUZZ_SEED_MAX  4200

#include "fuzz_mutate.h"

/* Session octet and the three parts of a body in hex; seed_hex() puts
 * the two length fields in. */
static const struct {
	uint8_t session;
	const char *withdrawn, *attrs, *nlri;
} hex_seeds[] = {
    /* ORIGIN, AS_PATH 64513, NEXT_HOP 192.0.2.1, 198.51.100.0/24 */
    {0x03, "", "40010100 4002060201 0000fc01 400304 c0000201", "18c63364"},
    /* the same from a two-octet speaker, with AS4_PATH and AS4_AGGREGATOR */
    {0x02, "",
     "40010100 400206 0202 fc01 5ba0 400304 c0000201 c00706 5ba0 c0000209"
     " c0110a 0202 0000fc01 fa56ea01 c01208 fa56ea02 c0000209",
     "18c61200"},
    /* IPv6 through MP_REACH_NLRI with a link-local next hop */
    {0x01, "",
     "800e2a 000201 20 20010db8000000000000000000000001 fe800000000000000000000000000001"
     " 00 2020010db8 40010100 4002060201 0000fc01 400504 00000064 c00804 fde80001",
     ""},
    /* withdrawals, classic and MP; End-of-RIB both ways */
    {0x03, "18c63364 20c6336401", "", ""},
    {0x03, "", "800f08 000201 2020010db8", ""},
    {0x03, "", "", ""},
    {0x03, "", "800f03 000201", ""},
    /* communities of every kind, an unknown transitive attribute */
    {0x03, "",
     "40010100 4002060201 0000fc01 400304 c0000201 400600 c00708 0000fc01 c0000201"
     " c00808 fde80001 ffffff01 c01008 0002fde800000001 c0200c 0000fde8 00000001 00000002"
     " e06402 abcd",
     "18c63364"},
    /* internal: LOCAL_PREF, ORIGINATOR_ID, CLUSTER_LIST, a confederation */
    {0x01, "",
     "40010100 40020c 0301 0000fc00 0201 0000fc01 400304 c0000201 400504 00000064"
     " 800904 c0000202 800a08 c0000202 c6336401",
     "18c63364"},
    /* malformed: ORIGIN length, duplicate MP_REACH_NLRI, overrun */
    {0x03, "", "4001020000 4002060201 0000fc01 400304 c0000201", "18c63364"},
    {0x03, "",
     "40010100 4002060201 0000fc01 800e1a 000201 10 20010db8000000000000000000000001 00"
     " 2020010db8 800e1a 000201 10 20010db8000000000000000000000001 00 2020010db8",
     ""},
    {0x03, "", "40010100 4002060201 0000fc01 400304 c0000201 c00808 fde80001", "18c63364"},
};

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Append hex at d[*len], returning how many octets it made. */
static size_t put_hex(uint8_t *d, size_t *len, size_t cap, const char *hex)
{
	size_t start = *len;

	for (const char *c = hex; c[0] != '\0'; c++) {
		if (hexval(c[0]) < 0)
			continue;
		if (hexval(c[1]) < 0 || *len == cap)
			abort();
		d[(*len)++] = (uint8_t)(hexval(c[0]) << 4 | hexval(c[1]));
		c++;
	}
	return *len - start;
}

static void seed_hex(struct seed *s, uint8_t session, const char *withdrawn, const char *attrs,
                     const char *nlri)
{
	const size_t cap = sizeof(s->bytes);
	size_t at;

	s->len = 0;
	s->bytes[s->len++] = session;
	at = s->len;
	s->len += 2;
	size_t n = put_hex(s->bytes, &s->len, cap, withdrawn);
	s->bytes[at] = (uint8_t)(n >> 8);
	s->bytes[at + 1] = (uint8_t)n;
	at = s->len;
	s->len += 2;
	n = put_hex(s->bytes, &s->len, cap, attrs);
	s->bytes[at] = (uint8_t)(n >> 8);
	s->bytes[at + 1] = (uint8_t)n;
	put_hex(s->bytes, &s->len, cap, nlri);
}

/* Builder output: one rich attribute set, both families, both AS sizes. */
static size_t seed_built(struct seed *seeds, size_t n)
{
	static uint32_t asns[] = {64513, 4200000001u, 64514};
	static uint32_t set[] = {64515, 4200000003u};
	static uint32_t comms[] = {0xfde80001u, 0xffffff01u};
	static uint8_t value[300];
	struct bgp_as_segment segs[] = {{BGP_AS_SEQUENCE, 3, asns}, {BGP_AS_SET, 2, set}};
	struct bgp_attr_raw unknown = {0xe0, 200, sizeof(value), value};
	struct bgp_attrs a = {
	    .present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH) |
	               BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP) | BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF) |
	               BGP_ATTR_MASK(BGP_ATTR_AGGREGATOR) | BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES),
	    .aspath = {2, segs},
	    .nexthop = {192, 0, 2, 1},
	    .local_pref = 100,
	    .aggregator_as = 4200000004u,
	    .aggregator_addr = {192, 0, 2, 9},
	    .ncommunities = 2,
	    .communities = comms,
	    .mp_nexthop = {.family = AF_INET6, .global = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}},
	    .nunknown = 1,
	    .unknown = &unknown,
	};
	struct prefix p[6];

	for (size_t i = 0; i < sizeof(value); i++)
		value[i] = (uint8_t)i;
	for (int k = 0; k < 8; k++) {
		uint8_t session = (uint8_t)(k & 3);
		struct bgp_update_ctx ctx = ctx_from(session);
		int family = k & 4 ? AF_INET6 : AF_INET;
		for (size_t i = 0; i < 6; i++) {
			memset(&p[i], 0, sizeof(p[i]));
			p[i].family = (uint8_t)family;
			p[i].len = family == AF_INET ? 24 : 48;
			memcpy(p[i].addr,
			       family == AF_INET ? (uint8_t[]){198, 18, 0, 0}
			                         : (uint8_t[]){0x20, 0x01, 0x0d, 0xb8},
			       4);
			p[i].addr[family == AF_INET ? 2 : 5] = (uint8_t)i;
		}
		struct bgp_update_spec spec = {.family = family,
		                               .attrs = &a,
		                               .announce = p,
		                               .nannounce = 6,
		                               .withdraw = p,
		                               .nwithdraw = k & 1};
		for (int round = 0; round < 2 && n < FUZZ_SEEDS_MAX; round++) {
			struct builder b;
			size_t nw, na;
			uint8_t msg[4096];
			builder_init_fixed(&b, msg, sizeof(msg));
			if (bgp_update_build(&b, &ctx, &spec, sizeof(msg), &nw, &na) != 0)
				abort();
			seeds[n].bytes[0] = session;
			memcpy(seeds[n].bytes + 1, msg + BGP_HEADER_LEN,
			       builder_len(&b) - BGP_HEADER_LEN);
			seeds[n].len = 1 + builder_len(&b) - BGP_HEADER_LEN;
			n++;
			spec.nwithdraw = 0;
		}
	}
	return n;
}

static size_t make_seeds(struct seed *seeds)
{
	size_t n = 0;

	for (size_t i = 0; i < sizeof(hex_seeds) / sizeof(hex_seeds[0]); i++)
		seed_hex(&seeds[n++], hex_seeds[i].session, hex_seeds[i].withdrawn,
		         hex_seeds[i].attrs, hex_seeds[i].nlri);
	return seed_built(seeds, n);
}

/* splitmix64: a fixed sequence, so a failure can be repeated. */
static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

/* The usual blind mutations, plus some aimed at what UPDATE parsing turns
 * on: 16-bit length fields, flag octets, type codes, repeated attributes,
 * and the session octet. */
static size_t mutate(uint8_t *d, size_t len, size_t cap)
{
	static const uint8_t interesting[] = {0,    1,    2,    3,    4,    6,    8,    14,
	                                      15,   16,   17,   18,   32,   0x10, 0x20, 0x40,
	                                      0x50, 0x7f, 0x80, 0x90, 0xc0, 0xd0, 0xe0, 0xff};
	int rounds = 1 + (int)(rnd() % 4);

	for (int r = 0; r < rounds; r++) {
		size_t at = len > 0 ? rnd() % len : 0;
		switch (rnd() % 9) {
		case 0:
			if (len > 0)
				d[at] ^= (uint8_t)(1u << (rnd() % 8));
			break;
		case 1:
			if (len > 0)
				d[at] = (uint8_t)rnd();
			break;
		case 2:
			if (len > 0)
				d[at] = interesting[rnd() % sizeof(interesting)];
			break;
		case 3: /* nudge a 16-bit length */
			if (at + 1 < len) {
				unsigned v =
				    (unsigned)(d[at] << 8 | d[at + 1]) + (unsigned)(rnd() % 7) - 3;
				d[at] = (uint8_t)(v >> 8);
				d[at + 1] = (uint8_t)v;
			}
			break;
		case 4:
			len = at;
			break;
		case 5:
			if (len < cap) {
				memmove(d + at + 1, d + at, len - at);
				d[at] = (uint8_t)rnd();
				len++;
			}
			break;
		case 6:
			if (len > 0) {
				memmove(d + at, d + at + 1, len - at - 1);
				len--;
			}
			break;
		case 7: /* repeat a chunk: duplicate attributes */
			if (len > 1) {
				size_t n = 1 + rnd() % (len - at);
				if (n > cap - len)
					n = cap - len;
				memmove(d + at + n, d + at, len - at);
				len += n;
			}
			break;
		default:
			if (len > 0)
				d[0] = (uint8_t)rnd();
			break;
		}
	}
	return len;
}

static int run_mutations(unsigned long iterations, uint64_t seed)
{
	static struct seed seeds[FUZZ_SEEDS_MAX];
	static uint8_t buf[FUZZ_INPUT_MAX];
	size_t n = make_seeds(seeds);

	rng_state = seed != 0 ? seed : 0x5eed;
	for (size_t i = 0; i < n; i++)
		fuzz_run_exact(seeds[i].bytes, seeds[i].len);
	for (unsigned long it = 0; it < iterations; it++) {
		const struct seed *s = &seeds[rnd() % n];
		memcpy(buf, s->bytes, s->len);
		fuzz_run_exact(buf, mutate(buf, s->len, sizeof(buf)));
	}
	printf("%zu seeds and %lu mutations: no property violated (ok %lu, "
	       "attribute-discard %lu, treat-as-withdraw %lu, session-reset %lu)\n",
	       n, iterations, outcomes[UPD_OK], outcomes[UPD_ATTR_DISCARD],
	       outcomes[UPD_TREAT_AS_WITHDRAW], outcomes[UPD_SESSION_RESET]);
	return 0;
}

#include "fuzz_standalone.h"

#endif
