/*
 * bgp_feeder: the BGP speaker behind bench/bgp_ingest.py.
 *
 * Feed mode: build a deterministic table of N prefixes, encode it once
 * with skygate's own UPDATE builder into one byte stream in memory, open a
 * session (AS4, multiprotocol for one unicast family, route refresh) and,
 * once Established and told to go, write the stream as fast as TCP takes
 * it. The speaker does nothing else while feeding, so the time from the
 * first UPDATE until the receiver holds the table is the receiver's.
 *
 * Sink mode: open a session and count the distinct prefixes the peer
 * announces, saying when it has N. Several sinks stand for downstream
 * peers of the router under test.
 *
 * Generate mode: build the stream, check it by parsing every message back
 * with bgp_update_parse(), print what it holds and exit; no network.
 *
 * Output is one JSON object per line on stdout, each event stamped with
 * CLOCK_MONOTONIC seconds ("t"), the clock Python's time.monotonic()
 * reads, so the driver can line up our events with its own polls.
 *
 * Address rules (shared/DESIGN.md, "Network rules for tests and
 * benchmarks"): the generated prefixes lie only in 198.18.0.0/15 (IPv4)
 * or 2001:db8:8000::/33 (IPv6, the half of the documentation prefix that
 * the benchmark's underlay does not use). Transport addresses come from
 * the command line and are the driver's business.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bgp_attr.h"
#include "bgp_msg.h"
#include "bgp_update.h"
#include "cursor.h"
#include "prefix.h"

/* ---- options ---------------------------------------------------------- */

enum mode { MODE_FEED, MODE_SINK, MODE_GENERATE };

struct options {
	enum mode mode;
	int family; /* of the NLRI: AF_INET or AF_INET6 */
	const char *connect_to;
	const char *listen_on;
	const char *bind_addr;
	uint16_t port;
	uint32_t asn;
	uint32_t peer_as;   /* 0: accept any */
	uint32_t router_id; /* host byte order */
	uint16_t hold;
	uint64_t prefixes; /* feed: table size; sink: how many to wait for */
	uint64_t seed;
	const char *next_hop;
	bool wait_go;
	double deadline_s;
	const char *dump_path;
};

static void usage(FILE *out)
{
	fputs("usage: bgp_feeder [--feed | --sink | --generate] [options]\n"
	      "  --connect ADDR      connect to the peer at ADDR (retried until the deadline)\n"
	      "  --listen ADDR       or accept one connection on ADDR\n"
	      "  --bind ADDR         local address for --connect\n"
	      "  --port N            TCP port (default 179)\n"
	      "  --as N              our AS (required)\n"
	      "  --peer-as N         the peer's AS; anything else is refused (default: any)\n"
	      "  --router-id A.B.C.D our BGP identifier (default: --bind, if IPv4)\n"
	      "  --family ipv4|ipv6  NLRI family (default ipv4)\n"
	      "  --hold N            hold time we offer (default 180)\n"
	      "  --prefixes N        feed/generate: table size; sink: prefixes to wait for\n"
	      "  --seed N            workload seed (default 1)\n"
	      "  --next-hop ADDR     next hop of the table (default: --bind)\n"
	      "  --wait-go           once Established, wait for SIGUSR1 before feeding\n"
	      "  --deadline S        give up after S seconds (default 3600)\n"
	      "  --dump FILE         also write the UPDATE stream to FILE\n",
	      out);
}

static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

enum {
	OPT_FEED = 256,
	OPT_SINK,
	OPT_GENERATE,
	OPT_CONNECT,
	OPT_LISTEN,
	OPT_BIND,
	OPT_PORT,
	OPT_AS,
	OPT_PEER_AS,
	OPT_ROUTER_ID,
	OPT_FAMILY,
	OPT_HOLD,
	OPT_PREFIXES,
	OPT_SEED,
	OPT_NEXT_HOP,
	OPT_WAIT_GO,
	OPT_DEADLINE,
	OPT_DUMP,
};

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
	    {"feed", no_argument, NULL, OPT_FEED},
	    {"sink", no_argument, NULL, OPT_SINK},
	    {"generate", no_argument, NULL, OPT_GENERATE},
	    {"connect", required_argument, NULL, OPT_CONNECT},
	    {"listen", required_argument, NULL, OPT_LISTEN},
	    {"bind", required_argument, NULL, OPT_BIND},
	    {"port", required_argument, NULL, OPT_PORT},
	    {"as", required_argument, NULL, OPT_AS},
	    {"peer-as", required_argument, NULL, OPT_PEER_AS},
	    {"router-id", required_argument, NULL, OPT_ROUTER_ID},
	    {"family", required_argument, NULL, OPT_FAMILY},
	    {"hold", required_argument, NULL, OPT_HOLD},
	    {"prefixes", required_argument, NULL, OPT_PREFIXES},
	    {"seed", required_argument, NULL, OPT_SEED},
	    {"next-hop", required_argument, NULL, OPT_NEXT_HOP},
	    {"wait-go", no_argument, NULL, OPT_WAIT_GO},
	    {"deadline", required_argument, NULL, OPT_DEADLINE},
	    {"dump", required_argument, NULL, OPT_DUMP},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	uint64_t v;
	int c;

	*o = (struct options){.mode = MODE_FEED,
	                      .family = AF_INET,
	                      .port = 179,
	                      .hold = 180,
	                      .seed = 1,
	                      .deadline_s = 3600};
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		const char *bad = NULL;
		switch (c) {
		case OPT_FEED:
			o->mode = MODE_FEED;
			break;
		case OPT_SINK:
			o->mode = MODE_SINK;
			break;
		case OPT_GENERATE:
			o->mode = MODE_GENERATE;
			break;
		case OPT_CONNECT:
			o->connect_to = optarg;
			break;
		case OPT_LISTEN:
			o->listen_on = optarg;
			break;
		case OPT_BIND:
			o->bind_addr = optarg;
			break;
		case OPT_NEXT_HOP:
			o->next_hop = optarg;
			break;
		case OPT_WAIT_GO:
			o->wait_go = true;
			break;
		case OPT_DUMP:
			o->dump_path = optarg;
			break;
		case OPT_PORT:
			if (parse_u64(optarg, 65535, &v) != 0 || v == 0)
				bad = "--port";
			o->port = (uint16_t)v;
			break;
		case OPT_AS:
		case OPT_PEER_AS:
			if (parse_u64(optarg, UINT32_MAX, &v) != 0 || v == 0)
				bad = c == OPT_AS ? "--as" : "--peer-as";
			else if (c == OPT_AS)
				o->asn = (uint32_t)v;
			else
				o->peer_as = (uint32_t)v;
			break;
		case OPT_ROUTER_ID: {
			struct in_addr a;
			if (inet_pton(AF_INET, optarg, &a) != 1 || a.s_addr == 0)
				bad = "--router-id";
			o->router_id = ntohl(a.s_addr);
			break;
		}
		case OPT_FAMILY:
			if (strcmp(optarg, "ipv4") == 0)
				o->family = AF_INET;
			else if (strcmp(optarg, "ipv6") == 0)
				o->family = AF_INET6;
			else
				bad = "--family";
			break;
		case OPT_HOLD:
			/* RFC 4271 section 4.2: 0 or at least 3 seconds. */
			if (parse_u64(optarg, 65535, &v) != 0 || v == 1 || v == 2)
				bad = "--hold";
			o->hold = (uint16_t)v;
			break;
		case OPT_PREFIXES:
			if (parse_u64(optarg, UINT32_MAX, &v) != 0 || v == 0)
				bad = "--prefixes";
			o->prefixes = v;
			break;
		case OPT_SEED:
			if (parse_u64(optarg, UINT64_MAX, &v) != 0)
				bad = "--seed";
			o->seed = v;
			break;
		case OPT_DEADLINE:
			if (parse_u64(optarg, 7 * 86400, &v) != 0 || v == 0)
				bad = "--deadline";
			o->deadline_s = (double)v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
		if (bad != NULL) {
			fprintf(stderr, "bgp_feeder: bad value for %s: %s\n", bad, optarg);
			return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "bgp_feeder: unexpected argument %s\n", argv[optind]);
		return -1;
	}
	if (o->prefixes == 0) {
		fputs("bgp_feeder: --prefixes is required\n", stderr);
		return -1;
	}
	if (o->asn == 0) {
		fputs("bgp_feeder: --as is required\n", stderr);
		return -1;
	}
	if (o->mode == MODE_GENERATE)
		return 0;
	if ((o->connect_to == NULL) == (o->listen_on == NULL)) {
		fputs("bgp_feeder: give exactly one of --connect and --listen\n", stderr);
		return -1;
	}
	if (o->router_id == 0 && o->bind_addr != NULL) {
		struct in_addr a;
		if (inet_pton(AF_INET, o->bind_addr, &a) == 1)
			o->router_id = ntohl(a.s_addr);
	}
	if (o->router_id == 0) {
		fputs("bgp_feeder: give --router-id (no IPv4 --bind to take it from)\n", stderr);
		return -1;
	}
	return 0;
}

/* ---- events --------------------------------------------------------------- */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One JSON line: "event" and "t", then the caller's fields (already JSON,
 * starting with a comma, or ""). Flushed at once: the driver reads the
 * file while we run. */
static void emit(const char *event, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(const char *event, const char *fmt, ...)
{
	va_list ap;

	printf("{\"event\": \"%s\", \"t\": %.6f", event, now_s());
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputs("}\n", stdout);
	fflush(stdout);
}

/* An event with nothing but its name and time. */
static void emit_plain(const char *event)
{
	emit(event, "%s", "");
}

/* ---- the workload ---------------------------------------------------------- */

/*
 * Where the table's prefixes come from: every prefix of length min_len to
 * max_len inside base/base_len, taken in table order (a network right
 * before its more-specifics). base holds the address in its top bits, so
 * one 64-bit value serves both families (IPv6 lengths stay <= 64).
 */
struct space {
	int family;
	uint64_t base;
	unsigned base_len, min_len, max_len;
	const char *text;
};

/* 198.18.0.0/15: the benchmark range of RFC 2544, allowed for workload
 * prefixes. All lengths /16-/32 give 262,142 prefixes, which is as large
 * as an IPv4 table inside the rules can be. */
static const struct space space4 = {AF_INET, 0xc612000000000000ull,   15, 16,
                                    32,      "198.18.0.0/15, /16-/32"};
/* The upper half of 2001:db8::/32 (RFC 3849); the lower half is the
 * benchmark's underlay. /48-/56 give 16,744,448 prefixes. */
static const struct space space6 = {AF_INET6, 0x20010db880000000ull,        33, 48,
                                    56,       "2001:db8:8000::/33, /48-/56"};

static uint64_t space_size(const struct space *s)
{
	uint64_t n = 0;

	for (unsigned len = s->min_len; len <= s->max_len; len++)
		n += (uint64_t)1 << (len - s->base_len);
	return n;
}

/* splitmix64: tiny, fast and fully determined by its seed, so every run
 * (and every machine) builds the same table from the same seed. */
static uint64_t rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n) for n > 0. The modulo bias is at most n / 2^64,
 * nothing next to what a benchmark table cares about. */
static uint64_t rng_below(uint64_t *state, uint64_t n)
{
	return rng_next(state) % n;
}

static void space_prefix(const struct space *s, uint64_t v, unsigned depth, struct prefix *p)
{
	uint64_t a = s->base;

	if (depth > 0)
		a |= v << (64 - s->base_len - depth);
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)s->family;
	p->len = (uint8_t)(s->base_len + depth);
	for (int i = 0; i < 8; i++)
		p->addr[i] = (uint8_t)(a >> (56 - 8 * i));
	if (s->family == AF_INET)
		memset(p->addr + 4, 0, 4);
}

/*
 * Choose exactly n prefixes of the space, each subset equally likely, and
 * return them in table order (caller frees). Knuth's selection sampling
 * (TAOCP vol. 2, 3.4.2, Algorithm S) does this in one pass over the
 * candidates, which are walked in pre-order over the binary trie under
 * the base: node, then its left subtree, then its right one.
 */
static struct prefix *select_prefixes(const struct space *s, uint64_t n, uint64_t seed)
{
	uint64_t total = space_size(s), seen = 0, got = 0, v = 0;
	unsigned depth = 0, dmin = s->min_len - s->base_len, dmax = s->max_len - s->base_len;
	uint64_t rng = seed ^ 0x5e1ec7ull;
	struct prefix *out;

	if (n > total) {
		fprintf(stderr,
		        "bgp_feeder: %" PRIu64 " prefixes asked, the space %s holds %" PRIu64 "\n",
		        n, s->text, total);
		return NULL;
	}
	out = malloc(n * sizeof(*out));
	if (out == NULL)
		return NULL;
	while (got < n) {
		if (depth >= dmin) {
			if (rng_below(&rng, total - seen) < n - got)
				space_prefix(s, v, depth, &out[got++]);
			seen++;
		}
		if (depth < dmax) {
			v <<= 1;
			depth++;
			continue;
		}
		while (depth > 0 && (v & 1)) {
			v >>= 1;
			depth--;
		}
		if (depth == 0)
			break;
		v++;
	}
	return out;
}

/* AS numbers on paths: the private ranges of RFC 6996, less 64512-64519,
 * which the benchmark topology gives its own speakers (a path holding the
 * receiver's or a sink's AS would be dropped as a loop). */
#define PATH_AS16_FIRST 64520u
#define PATH_AS16_LAST  65534u
#define PATH_AS32_FIRST 4200000000u
#define PATH_AS32_LAST  4294967294u

/* Attributes shared by one group of prefixes, with the arrays they point
 * to. */
struct group_attrs {
	struct bgp_attrs a;
	struct bgp_as_segment seg;
	uint32_t asns[8];
	uint32_t comms[6];
	struct bgp_large_community large[3];
};

static uint32_t path_as(uint64_t *rng)
{
	if (rng_next(rng) & 1)
		return PATH_AS16_FIRST +
		       (uint32_t)rng_below(rng, PATH_AS16_LAST - PATH_AS16_FIRST + 1);
	return PATH_AS32_FIRST +
	       (uint32_t)rng_below(rng, (uint64_t)PATH_AS32_LAST - PATH_AS32_FIRST + 1);
}

/*
 * A plausible eBGP attribute set: an AS_SEQUENCE of 2-8 hops starting with
 * our AS (RFC 4271 section 5.1.2, and what the receiver's first-AS check
 * wants), ORIGIN mostly IGP, communities on about a third, large
 * communities on about a tenth, the next hop ours.
 */
static void random_attrs(struct group_attrs *g, const struct options *o, const uint8_t nh[16],
                         uint64_t *rng)
{
	struct bgp_attrs *a = &g->a;
	uint64_t r;

	memset(g, 0, sizeof(*g));
	a->present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
	r = rng_below(rng, 100);
	a->origin = r < 85 ? BGP_ORIGIN_IGP : r < 95 ? BGP_ORIGIN_INCOMPLETE : BGP_ORIGIN_EGP;

	g->seg.type = BGP_AS_SEQUENCE;
	g->seg.count = 2 + (uint32_t)rng_below(rng, 7);
	g->seg.asns = g->asns;
	g->asns[0] = o->asn;
	for (uint32_t i = 1; i < g->seg.count; i++)
		g->asns[i] = path_as(rng);
	a->aspath.nsegs = 1;
	a->aspath.segs = &g->seg;

	if (o->family == AF_INET) {
		a->present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
		memcpy(a->nexthop, nh, 4);
	} else {
		a->mp_nexthop.family = AF_INET6;
		memcpy(a->mp_nexthop.global, nh, 16);
	}
	if (rng_below(rng, 3) == 0) {
		/* RFC 1997: the high half an AS of ours, never 0 or 65535,
		 * whose values are reserved or well-known (NO_EXPORT would
		 * keep the route from downstream peers). */
		size_t n = 1 + (size_t)rng_below(rng, 6);
		for (size_t i = 0; i < n; i++)
			g->comms[i] = (PATH_AS16_FIRST + (uint32_t)rng_below(rng, 1000)) << 16 |
			              (uint32_t)rng_below(rng, 65536);
		a->present |= BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES);
		a->communities = g->comms;
		a->ncommunities = n;
	}
	if (rng_below(rng, 10) == 0) {
		size_t n = 1 + (size_t)rng_below(rng, 3);
		for (size_t i = 0; i < n; i++)
			g->large[i] = (struct bgp_large_community){
			    .global = o->asn,
			    .local1 = (uint32_t)rng_below(rng, 1000),
			    .local2 = (uint32_t)rng_next(rng),
			};
		a->present |= BGP_ATTR_MASK(BGP_ATTR_LARGE_COMMUNITIES);
		a->large_communities = g->large;
		a->nlarge_communities = n;
	}
	/* The builder wants the canonical form: communities sorted, no
	 * duplicates. */
	bgp_attrs_normalize(a);
}

struct workload {
	const struct space *space;
	uint64_t nprefixes;
	uint64_t nupdates; /* UPDATEs with NLRI; End-of-RIB not counted */
	uint64_t ngroups;
	uint8_t *stream;
	size_t len;
	char first[PREFIX_STRLEN], last[PREFIX_STRLEN];
	double build_s;
};

static struct bgp_update_ctx feed_ctx(int family)
{
	/* What every receiver here negotiates with us: four-octet ASes,
	 * external, no extended messages (we do not offer them, so every
	 * UPDATE stays within 4096 octets). */
	return (struct bgp_update_ctx){
	    .as4 = true,
	    .ebgp = true,
	    .families = family == AF_INET ? BGP_UPD_AF_IPV4_UNICAST : BGP_UPD_AF_IPV6_UNICAST,
	};
}

/* The whole table as UPDATE messages, End-of-RIB last (RFC 4724 section 2,
 * as a real speaker ends its initial table). Groups of 1-8 consecutive
 * prefixes share one attribute set, so the stream has roughly one UPDATE
 * per group, as tables with many distinct paths do. */
static int build_workload(const struct options *o, struct workload *w)
{
	double t0 = now_s();
	uint8_t nh[16] = {0};
	const char *nh_text = o->next_hop != NULL ? o->next_hop : o->bind_addr;

	memset(w, 0, sizeof(*w));
	w->space = o->family == AF_INET ? &space4 : &space6;
	w->nprefixes = o->prefixes;
	if (nh_text == NULL && o->mode == MODE_GENERATE)
		nh_text = o->family == AF_INET ? "192.0.2.1" : "2001:db8:0:1::1";
	if (nh_text == NULL || inet_pton(o->family, nh_text, nh) != 1) {
		fprintf(stderr, "bgp_feeder: need an %s --next-hop (or --bind)\n",
		        o->family == AF_INET ? "IPv4" : "IPv6");
		return -1;
	}
	struct prefix *list = select_prefixes(w->space, o->prefixes, o->seed);
	if (list == NULL)
		return -1;

	struct bgp_update_ctx ctx = feed_ctx(o->family);
	struct builder b;
	struct group_attrs g;
	uint64_t rng = o->seed ^ 0xa77e5ull;
	int rc = -1;

	/* The builder's hard limit only guards against a runaway; the stream
	 * is about 30 bytes per prefix. */
	builder_init_dynamic(&b, (size_t)1 << 34);
	for (uint64_t i = 0; i < o->prefixes;) {
		uint64_t n = 1 + rng_below(&rng, 8);
		if (n > o->prefixes - i)
			n = o->prefixes - i;
		random_attrs(&g, o, nh, &rng);
		struct bgp_update_spec spec = {.family = o->family,
		                               .attrs = &g.a,
		                               .announce = &list[i],
		                               .nannounce = (size_t)n};
		while (spec.nannounce > 0) {
			size_t nw = 0, na = 0;
			if (bgp_update_build(&b, &ctx, &spec, BGP_MAX_LEN, &nw, &na) != 0 ||
			    na == 0) {
				fprintf(stderr,
				        "bgp_feeder: cannot encode the UPDATE for prefix %" PRIu64
				        "\n",
				        i);
				goto out;
			}
			spec.announce += na;
			spec.nannounce -= na;
			w->nupdates++;
		}
		w->ngroups++;
		i += n;
	}
	bgp_update_build_eor(&b, o->family == AF_INET ? BGP_AFI_IPV4_WIRE : BGP_AFI_IPV6_WIRE,
	                     BGP_SAFI_UNICAST);
	if (!builder_ok(&b)) {
		fputs("bgp_feeder: the UPDATE stream did not build\n", stderr);
		goto out;
	}
	prefix_format(&list[0], w->first, sizeof(w->first));
	prefix_format(&list[o->prefixes - 1], w->last, sizeof(w->last));
	w->stream = builder_take(&b, &w->len);
	w->build_s = now_s() - t0;
	rc = w->stream != NULL ? 0 : -1;
out:
	builder_free(&b);
	free(list);
	return rc;
}

/*
 * Parse the stream back with skygate's own parser, as the receiver would
 * on a session like ours, and count what it announces: a stream that does
 * not parse cleanly into exactly the table is a bug here, not a result.
 */
static int verify_workload(const struct workload *w, int family)
{
	struct bgp_update_ctx ctx = feed_ctx(family);
	uint8_t *arena_buf = malloc(BGP_UPDATE_ARENA_SIZE(BGP_MAX_LEN));
	uint64_t prefixes = 0, updates = 0, eor = 0;
	size_t off = 0;
	int rc = -1;

	if (arena_buf == NULL)
		return -1;
	while (off < w->len) {
		struct bgp_header hdr;
		struct bgp_error err;
		size_t need = 0;
		enum bgp_split r =
		    bgp_msg_split(w->stream + off, w->len - off, NULL, &hdr, &need, &err);
		if (r != BGP_SPLIT_MESSAGE || hdr.type != BGP_MSG_UPDATE) {
			fprintf(stderr, "bgp_feeder: verify: bad message at offset %zu\n", off);
			goto out;
		}
		struct bgp_arena arena;
		struct bgp_update u;
		bgp_arena_init(&arena, arena_buf, BGP_UPDATE_ARENA_SIZE(BGP_MAX_LEN));
		if (bgp_update_parse(&ctx, w->stream + off + BGP_HEADER_LEN, need - BGP_HEADER_LEN,
		                     &arena, &u) != UPD_OK) {
			fprintf(stderr, "bgp_feeder: verify: UPDATE at offset %zu: %s (%s)\n", off,
			        bgp_update_outcome_name(u.outcome), u.reason);
			goto out;
		}
		prefixes += u.nnlri + u.mp_reach.count;
		eor += (u.flags & BGP_UPD_F_EOR) != 0;
		updates++;
		off += need;
	}
	if (prefixes != w->nprefixes || eor != 1 || updates != w->nupdates + 1) {
		fprintf(stderr,
		        "bgp_feeder: verify: %" PRIu64 " prefixes in %" PRIu64 " UPDATEs (%" PRIu64
		        " End-of-RIB), expected %" PRIu64 " in %" PRIu64 "\n",
		        prefixes, updates, eor, w->nprefixes, w->nupdates + 1);
		goto out;
	}
	rc = 0;
out:
	free(arena_buf);
	return rc;
}

static int dump_stream(const struct workload *w, const char *path)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL || fwrite(w->stream, 1, w->len, f) != w->len || fclose(f) != 0) {
		fprintf(stderr, "bgp_feeder: cannot write %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ---- the sink's set of prefixes -------------------------------------------- */

/*
 * Open addressing with linear probing over (address, length). A sink
 * counts distinct prefixes, not NLRI occurrences, so a router that sends
 * a prefix twice does not finish early; withdrawals take prefixes out.
 */
struct pfx_slot {
	uint64_t hi, lo;
	uint8_t len;
	bool used;
};

struct pfx_set {
	struct pfx_slot *slots;
	size_t mask;
	size_t count;
};

static int pfx_set_init(struct pfx_set *s, uint64_t expect)
{
	size_t cap = 1024;

	while (cap < expect * 2)
		cap <<= 1;
	s->slots = calloc(cap, sizeof(*s->slots));
	s->mask = cap - 1;
	s->count = 0;
	return s->slots != NULL ? 0 : -1;
}

static size_t pfx_hash(uint64_t hi, uint64_t lo, uint8_t len)
{
	uint64_t st = hi ^ (lo * 0x9e3779b97f4a7c15ull) ^ ((uint64_t)len << 56);
	return (size_t)rng_next(&st);
}

static int pfx_set_grow(struct pfx_set *s)
{
	struct pfx_set bigger = {.mask = s->mask * 2 + 1};

	bigger.slots = calloc(bigger.mask + 1, sizeof(*bigger.slots));
	if (bigger.slots == NULL)
		return -1;
	for (size_t i = 0; i <= s->mask; i++) {
		const struct pfx_slot *e = &s->slots[i];
		if (!e->used)
			continue;
		size_t k = pfx_hash(e->hi, e->lo, e->len) & bigger.mask;
		while (bigger.slots[k].used)
			k = (k + 1) & bigger.mask;
		bigger.slots[k] = *e;
	}
	bigger.count = s->count;
	free(s->slots);
	*s = bigger;
	return 0;
}

/* 1 if new, 0 if already there, -1 out of memory. */
static int pfx_set_add(struct pfx_set *s, uint64_t hi, uint64_t lo, uint8_t len)
{
	if ((s->count + 1) * 2 > s->mask + 1 && pfx_set_grow(s) != 0)
		return -1;
	size_t k = pfx_hash(hi, lo, len) & s->mask;
	for (; s->slots[k].used; k = (k + 1) & s->mask)
		if (s->slots[k].hi == hi && s->slots[k].lo == lo && s->slots[k].len == len)
			return 0;
	s->slots[k] = (struct pfx_slot){.hi = hi, .lo = lo, .len = len, .used = true};
	s->count++;
	return 1;
}

/* Backward-shift deletion keeps probe chains whole without tombstones. */
static void pfx_set_del(struct pfx_set *s, uint64_t hi, uint64_t lo, uint8_t len)
{
	size_t k = pfx_hash(hi, lo, len) & s->mask;

	for (; s->slots[k].used; k = (k + 1) & s->mask)
		if (s->slots[k].hi == hi && s->slots[k].lo == lo && s->slots[k].len == len)
			break;
	if (!s->slots[k].used)
		return;
	s->slots[k].used = false;
	s->count--;
	for (size_t j = (k + 1) & s->mask; s->slots[j].used; j = (j + 1) & s->mask) {
		size_t home = pfx_hash(s->slots[j].hi, s->slots[j].lo, s->slots[j].len) & s->mask;
		/* Move j into the hole unless its home lies cyclically in
		 * (k, j], where a lookup would still find it. */
		bool stays = k <= j ? (home > k && home <= j) : (home > k || home <= j);
		if (stays)
			continue;
		s->slots[k] = s->slots[j];
		s->slots[j].used = false;
		k = j;
	}
}

/* ---- the session ----------------------------------------------------------- */

enum sess_state { ST_OPENSENT, ST_OPENCONFIRM, ST_ESTABLISHED };

struct sink_stats {
	struct pfx_set set;
	uint64_t announced; /* NLRI occurrences */
	uint64_t withdrawn;
	uint64_t duplicates;
	uint64_t malformed;
	bool first_seen, complete;
};

struct session {
	const struct options *o;
	int fd;
	enum sess_state state;
	struct bgp_open ours;
	struct bgp_negotiated neg;
	/* Received bytes not yet handled. */
	uint8_t *rbuf;
	size_t rlen, rcap;
	/* Whole control messages (OPEN, KEEPALIVE, NOTIFICATION) waiting to
	 * be written; they are only ever queued between stream messages. */
	uint8_t ctl[2 * BGP_MAX_LEN];
	size_t ctl_len;
	/* Feed mode: the UPDATE stream and how much of it went out. */
	const struct workload *w;
	size_t off;
	bool feeding, written, drained;
	double t_first, t_written;
	double next_keepalive;
	uint64_t msgs_in[6];
	struct sink_stats sink;
	bool done;
	/* The connection went away before the session was Established:
	 * the peer was not ready for us yet, so connect again. */
	bool retry;
	char retry_why[160];
	int exit_code;
};

static volatile sig_atomic_t got_stop, got_go;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		got_go = 1;
	else
		got_stop = 1;
}

/* Control messages are built straight into the free end of s->ctl. */
static void ctl_begin(struct session *s, struct builder *b)
{
	builder_init_fixed(b, s->ctl + s->ctl_len, sizeof(s->ctl) - s->ctl_len);
}

static int ctl_commit(struct session *s, struct builder *b, int built)
{
	if (built != 0 || !builder_ok(b))
		return -1;
	s->ctl_len += builder_len(b);
	return 0;
}

static int queue_keepalive(struct session *s)
{
	struct builder b;

	ctl_begin(s, &b);
	return ctl_commit(s, &b, bgp_keepalive_build(&b));
}

static int queue_open(struct session *s)
{
	struct builder b;

	ctl_begin(s, &b);
	return ctl_commit(s, &b, bgp_open_build(&b, &s->ours));
}

/* Queue a NOTIFICATION and write what is queued at once: the caller is
 * about to close the connection. */
static void send_notification(struct session *s, uint8_t code, uint8_t subcode)
{
	struct bgp_error e;
	struct builder b;

	/* Only between whole messages; a NOTIFICATION written into the middle
	 * of an UPDATE would be garbage to the peer. */
	if (s->feeding && !s->written)
		return;
	bgp_error_set(&e, code, subcode, NULL, 0);
	ctl_begin(s, &b);
	if (ctl_commit(s, &b, bgp_notification_build(&b, &e)) != 0)
		return;
	/* Best effort: whatever the socket does not take is dropped with it. */
	ssize_t n = write(s->fd, s->ctl, s->ctl_len);
	(void)n;
	s->ctl_len = 0;
}

/* The peer closed or refused the session. Before Established that means
 * "not yet" (a daemon still starting, or not configured for us yet) and
 * we try again; afterwards the measurement is over. */
static void peer_gone(struct session *s, const char *why)
{
	s->done = true;
	if (s->state != ST_ESTABLISHED) {
		s->retry = true;
		snprintf(s->retry_why, sizeof(s->retry_why), "%s", why);
		return;
	}
	emit("closed", ", \"why\": \"%s\"", why);
	s->exit_code = 1;
}

static void fail(struct session *s, int code, const char *what)
{
	emit("error", ", \"what\": \"%s\"", what);
	s->done = true;
	s->exit_code = code;
}

static void handle_open(struct session *s, const uint8_t *msg, size_t len)
{
	const struct options *o = s->o;
	struct bgp_open theirs;
	struct bgp_error err;
	enum bgp_afsafi want =
	    o->family == AF_INET ? BGP_AFSAFI_IPV4_UNICAST : BGP_AFSAFI_IPV6_UNICAST;

	if (bgp_open_parse(msg, len, &theirs, &err) != 0) {
		send_notification(s, err.code, err.subcode);
		fail(s, 1, "malformed OPEN");
		return;
	}
	uint32_t peer_as = bgp_open_peer_as(&theirs);
	if (o->peer_as != 0 && peer_as != o->peer_as) {
		send_notification(s, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS);
		fail(s, 1, "OPEN from an unexpected AS");
		return;
	}
	bgp_negotiate(&s->ours, &theirs, &s->neg);
	/* The stream was encoded for four-octet AS paths, and the family must
	 * be one both sides carry, or the table would not mean anything. */
	if (!s->neg.as4 || !(s->neg.afsafi & BGP_AFSAFI_BIT(want))) {
		send_notification(s, BGP_ERR_OPEN, BGP_OPEN_UNSUPPORTED_CAPABILITY);
		fail(s, 1, "peer lacks the four-octet AS capability or the address family");
		return;
	}
	if (queue_keepalive(s) != 0) {
		fail(s, 1, "cannot queue a KEEPALIVE");
		return;
	}
	s->state = ST_OPENCONFIRM;
	emit("open", ", \"peer_as\": %" PRIu32 ", \"hold\": %u", peer_as, s->neg.hold_time);
}

/* Read the prefixes of one NLRI field (RFC 4271 section 4.3, RFC 4760
 * sections 3 and 4) into the sink's set. */
static int sink_prefixes(struct session *s, struct cursor *c, int family, bool announce)
{
	struct sink_stats *k = &s->sink;
	unsigned max = family == AF_INET ? 32 : 128;

	while (cursor_remaining(c) > 0) {
		uint8_t len, addr[16] = {0};
		if (cursor_get_u8(c, &len) != 0 || len > max ||
		    cursor_get_bytes(c, addr, (len + 7u) / 8) != 0)
			return -1;
		if (len % 8 != 0)
			addr[len / 8] &= (uint8_t)(0xffu << (8 - len % 8));
		uint64_t hi = 0, lo = 0;
		for (int i = 0; i < 8; i++) {
			hi = hi << 8 | addr[i];
			lo = lo << 8 | addr[8 + i];
		}
		if (family == AF_INET6)
			len = (uint8_t)(len | 0x80); /* keep the families apart */
		if (announce) {
			k->announced++;
			int r = pfx_set_add(&k->set, hi, lo, len);
			if (r < 0)
				return -1;
			k->duplicates += r == 0;
		} else {
			k->withdrawn++;
			pfx_set_del(&k->set, hi, lo, len);
		}
	}
	return 0;
}

static int afi_family(uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_UNICAST)
		return 0;
	return afi == BGP_AFI_IPV4_WIRE ? AF_INET : afi == BGP_AFI_IPV6_WIRE ? AF_INET6 : 0;
}

/*
 * Count an UPDATE's prefixes without decoding the attributes: a sink
 * should cost as little CPU as it can, since it shares the machine with
 * the router being measured. Only MP_REACH_NLRI and MP_UNREACH_NLRI are
 * looked into.
 */
static int sink_update(struct session *s, const uint8_t *body, size_t len)
{
	struct cursor c, withdrawn, attrs;
	uint16_t wlen, alen;

	cursor_init(&c, body, len);
	if (cursor_get_u16(&c, &wlen) != 0 || cursor_sub(&c, wlen, &withdrawn) != 0 ||
	    sink_prefixes(s, &withdrawn, AF_INET, false) != 0 || cursor_get_u16(&c, &alen) != 0 ||
	    cursor_sub(&c, alen, &attrs) != 0)
		return -1;
	while (cursor_remaining(&attrs) > 0) {
		uint8_t flags, type, len8;
		uint16_t alen16 = 0;
		struct cursor v;
		if (cursor_get_u8(&attrs, &flags) != 0 || cursor_get_u8(&attrs, &type) != 0)
			return -1;
		if (flags & BGP_ATTR_FLAG_EXTENDED) {
			if (cursor_get_u16(&attrs, &alen16) != 0)
				return -1;
		} else {
			if (cursor_get_u8(&attrs, &len8) != 0)
				return -1;
			alen16 = len8;
		}
		if (cursor_sub(&attrs, alen16, &v) != 0)
			return -1;
		uint16_t afi;
		uint8_t safi, nhlen, reserved;
		if (type == BGP_ATTR_MP_REACH_NLRI) {
			if (cursor_get_u16(&v, &afi) != 0 || cursor_get_u8(&v, &safi) != 0 ||
			    cursor_get_u8(&v, &nhlen) != 0 || cursor_skip(&v, nhlen) != 0 ||
			    cursor_get_u8(&v, &reserved) != 0)
				return -1;
			int fam = afi_family(afi, safi);
			if (fam != 0 && sink_prefixes(s, &v, fam, true) != 0)
				return -1;
		} else if (type == BGP_ATTR_MP_UNREACH_NLRI) {
			if (cursor_get_u16(&v, &afi) != 0 || cursor_get_u8(&v, &safi) != 0)
				return -1;
			int fam = afi_family(afi, safi);
			if (fam != 0 && sink_prefixes(s, &v, fam, false) != 0)
				return -1;
		}
	}
	return sink_prefixes(s, &c, AF_INET, true);
}

static void handle_update(struct session *s, const uint8_t *msg, size_t len)
{
	struct sink_stats *k = &s->sink;

	if (s->o->mode != MODE_SINK)
		return; /* a feeder ignores what the receiver sends back */
	uint64_t before = k->announced;
	if (sink_update(s, msg + BGP_HEADER_LEN, len - BGP_HEADER_LEN) != 0) {
		if (k->malformed++ == 0)
			emit_plain("malformed_update");
		return;
	}
	if (!k->first_seen && k->announced > before) {
		k->first_seen = true;
		emit_plain("first_update");
	}
	if (!k->complete && k->set.count >= s->o->prefixes) {
		k->complete = true;
		emit("complete",
		     ", \"prefixes\": %zu, \"announced\": %" PRIu64 ", \"duplicates\": %" PRIu64,
		     k->set.count, k->announced, k->duplicates);
	}
}

static void handle_message(struct session *s, const struct bgp_header *hdr, const uint8_t *msg)
{
	struct bgp_error err;

	if (hdr->type <= 5)
		s->msgs_in[hdr->type]++;
	switch (hdr->type) {
	case BGP_MSG_OPEN:
		if (s->state != ST_OPENSENT) {
			send_notification(s, BGP_ERR_FSM, 0);
			fail(s, 1, "OPEN after OPEN");
			return;
		}
		handle_open(s, msg, hdr->length);
		return;
	case BGP_MSG_KEEPALIVE:
		if (s->state == ST_OPENCONFIRM) {
			s->state = ST_ESTABLISHED;
			s->next_keepalive = now_s() + s->neg.keepalive_time;
			emit_plain("established");
		}
		return;
	case BGP_MSG_UPDATE:
		if (s->state != ST_ESTABLISHED) {
			send_notification(s, BGP_ERR_FSM, 0);
			fail(s, 1, "UPDATE before the session was Established");
			return;
		}
		handle_update(s, msg, hdr->length);
		return;
	case BGP_MSG_NOTIFICATION: {
		char name[BGP_ERROR_NAME_MAX], why[BGP_ERROR_NAME_MAX + 32];
		if (bgp_notification_parse(msg, hdr->length, &err) != 0)
			bgp_error_set(&err, 0, 0, NULL, 0);
		bgp_error_format(&err, name, sizeof(name));
		if (s->state != ST_ESTABLISHED) {
			snprintf(why, sizeof(why), "NOTIFICATION %s", name);
			peer_gone(s, why);
			return;
		}
		emit("notification", ", \"code\": %u, \"subcode\": %u, \"name\": \"%s\"", err.code,
		     err.subcode, name);
		s->done = true;
		s->exit_code = 1;
		return;
	}
	case BGP_MSG_ROUTE_REFRESH:
		/* Answering would mean sending the table again inside the
		 * measurement; say so instead. */
		emit_plain("route_refresh_ignored");
		return;
	}
}

static void read_messages(struct session *s)
{
	if (s->rcap - s->rlen < 65536) {
		size_t cap = s->rcap ? s->rcap * 2 : 262144;
		uint8_t *b = realloc(s->rbuf, cap);
		if (b == NULL) {
			fail(s, 1, "out of memory");
			return;
		}
		s->rbuf = b;
		s->rcap = cap;
	}
	ssize_t n = read(s->fd, s->rbuf + s->rlen, s->rcap - s->rlen);
	if (n == 0) {
		peer_gone(s, "peer closed the connection");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			peer_gone(s, strerror(errno));
		return;
	}
	s->rlen += (size_t)n;

	size_t off = 0;
	while (!s->done) {
		struct bgp_header hdr;
		struct bgp_error err;
		size_t need = 0;
		const struct bgp_negotiated *neg = s->state == ST_OPENSENT ? NULL : &s->neg;
		enum bgp_split r =
		    bgp_msg_split(s->rbuf + off, s->rlen - off, neg, &hdr, &need, &err);
		if (r == BGP_SPLIT_MORE)
			break;
		if (r == BGP_SPLIT_ERROR) {
			send_notification(s, err.code, err.subcode);
			fail(s, 1, "bad message header from the peer");
			break;
		}
		handle_message(s, &hdr, s->rbuf + off);
		off += need;
	}
	memmove(s->rbuf, s->rbuf + off, s->rlen - off);
	s->rlen -= off;
	return;
}

/* Write what is due: control messages first (they are only queued while
 * no stream message is half written), then the stream. */
static void write_some(struct session *s)
{
	if (s->ctl_len > 0) {
		ssize_t n = write(s->fd, s->ctl, s->ctl_len);
		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				peer_gone(s, strerror(errno));
			return;
		}
		memmove(s->ctl, s->ctl + n, s->ctl_len - (size_t)n);
		s->ctl_len -= (size_t)n;
		return;
	}
	if (!s->feeding || s->written)
		return;
	if (s->off == 0) {
		s->t_first = now_s();
		emit_plain("first_update");
	}
	/* Big writes: the kernel takes what fits in the send buffer. */
	size_t chunk = s->w->len - s->off;
	if (chunk > ((size_t)1 << 20))
		chunk = (size_t)1 << 20;
	ssize_t n = write(s->fd, s->w->stream + s->off, chunk);
	if (n < 0) {
		if (errno != EAGAIN && errno != EINTR)
			peer_gone(s, strerror(errno));
		return;
	}
	s->off += (size_t)n;
	if (s->off == s->w->len) {
		s->written = true;
		s->t_written = now_s();
		emit("written", ", \"bytes\": %zu, \"seconds\": %.6f", s->w->len,
		     s->t_written - s->t_first);
	}
	return;
}

/* All written bytes acknowledged by the peer: the send queue is empty. */
static void check_drained(struct session *s)
{
	int pending = 0;

	if (!s->written || s->drained || ioctl(s->fd, SIOCOUTQ, &pending) != 0 || pending != 0)
		return;
	s->drained = true;
	double t = now_s();
	emit("drained", ", \"seconds\": %.6f", t - s->t_first);
}

static int sockaddr_of(const char *text, uint16_t port, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, text, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, text, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		*len = sizeof(*sin6);
		return 0;
	}
	fprintf(stderr, "bgp_feeder: not an address: %s\n", text);
	return -1;
}

/* Sleep on fds until something happens, timeout_s passes or a signal
 * arrives; the signals we handle are blocked except inside ppoll, so none
 * is lost between a check of the flags and the wait. */
static int wait_fds(struct pollfd *fds, nfds_t n, double timeout_s, const sigset_t *during)
{
	if (timeout_s < 0)
		timeout_s = 0;
	struct timespec ts = {.tv_sec = (time_t)timeout_s,
	                      .tv_nsec = (long)((timeout_s - (double)(time_t)timeout_s) * 1e9)};
	int r = ppoll(fds, n, &ts, during);
	return r < 0 && errno != EINTR ? -1 : r < 0 ? 0 : r;
}

/* A TCP connection to the peer: connect (retrying while the peer is not
 * listening yet) or accept one. -1 at the deadline or on a stop signal. */
static int open_connection(const struct options *o, double deadline, const sigset_t *during)
{
	struct sockaddr_storage peer, local;
	socklen_t plen, llen;
	int one = 1;

	if (o->listen_on != NULL) {
		if (sockaddr_of(o->listen_on, o->port, &local, &llen) != 0)
			return -1;
		int lfd = socket(local.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (lfd < 0 || setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
		    bind(lfd, (struct sockaddr *)&local, llen) != 0 || listen(lfd, 1) != 0) {
			fprintf(stderr, "bgp_feeder: cannot listen on %s: %s\n", o->listen_on,
			        strerror(errno));
			if (lfd >= 0)
				close(lfd);
			return -1;
		}
		emit_plain("listening");
		while (!got_stop && now_s() < deadline) {
			struct pollfd p = {.fd = lfd, .events = POLLIN};
			if (wait_fds(&p, 1, deadline - now_s(), during) < 0)
				break;
			int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
			if (fd >= 0) {
				close(lfd);
				return fd;
			}
		}
		close(lfd);
		return -1;
	}
	if (sockaddr_of(o->connect_to, o->port, &peer, &plen) != 0)
		return -1;
	if (o->bind_addr != NULL && sockaddr_of(o->bind_addr, 0, &local, &llen) != 0)
		return -1;
	unsigned attempts = 0;
	while (!got_stop && now_s() < deadline) {
		int fd = socket(peer.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		attempts++;
		if (o->bind_addr != NULL && bind(fd, (struct sockaddr *)&local, llen) != 0) {
			fprintf(stderr, "bgp_feeder: cannot bind %s: %s\n", o->bind_addr,
			        strerror(errno));
			close(fd);
			return -1;
		}
		int r = connect(fd, (struct sockaddr *)&peer, plen);
		if (r != 0 && errno == EINPROGRESS) {
			struct pollfd p = {.fd = fd, .events = POLLOUT};
			double until = now_s() + 2.0;
			if (wait_fds(&p, 1, until < deadline ? until - now_s() : deadline - now_s(),
			             during) > 0) {
				int err = 0;
				socklen_t elen = sizeof(err);
				getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
				r = err == 0 ? 0 : -1;
			} else {
				r = -1;
			}
		}
		if (r == 0) {
			emit("connected", ", \"attempts\": %u", attempts);
			return fd;
		}
		close(fd);
		/* The peer may not be listening yet: try again shortly. */
		struct pollfd none = {.fd = -1};
		wait_fds(&none, 1, 0.2, during);
	}
	return -1;
}

/* One connection: OPEN exchange, then feed or count, until it ends. */
static void session_loop(struct session *s, double deadline, const sigset_t *during)
{
	const struct options *o = s->o;

	while (!s->done) {
		double now = now_s();
		if (got_stop) {
			send_notification(s, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN);
			emit_plain("stopped");
			break;
		}
		if (now >= deadline) {
			emit("deadline", ", \"phase\": \"%s\"",
			     s->state != ST_ESTABLISHED  ? "open"
			     : s->feeding && !s->drained ? "feed"
			                                 : "session");
			s->exit_code = 2;
			break;
		}
		if (s->state == ST_ESTABLISHED) {
			/* RFC 4271 section 4.4: KEEPALIVEs at a third of the hold
			 * time; none while a stream message may be half written
			 * (the UPDATEs themselves keep the peer's hold timer). */
			if (s->neg.keepalive_time > 0 && now >= s->next_keepalive &&
			    (!s->feeding || s->written)) {
				if (s->ctl_len + BGP_KEEPALIVE_LEN <= sizeof(s->ctl))
					queue_keepalive(s);
				s->next_keepalive = now + s->neg.keepalive_time;
			}
			if (o->mode == MODE_FEED && !s->feeding && (!o->wait_go || got_go))
				s->feeding = true;
		}
		check_drained(s);

		struct pollfd p = {.fd = s->fd, .events = POLLIN};
		if (s->ctl_len > 0 || (s->feeding && !s->written))
			p.events |= POLLOUT;
		double timeout = deadline - now;
		if (s->state == ST_ESTABLISHED && s->neg.keepalive_time > 0 &&
		    s->next_keepalive - now < timeout)
			timeout = s->next_keepalive - now;
		/* While the send queue drains, look every millisecond. */
		if (s->written && !s->drained && timeout > 0.001)
			timeout = 0.001;
		if (wait_fds(&p, 1, timeout, during) < 0) {
			fail(s, 1, "poll failed");
			break;
		}
		if (p.revents & (POLLIN | POLLHUP | POLLERR))
			read_messages(s);
		if (!s->done && (p.revents & POLLOUT))
			write_some(s);
	}
}

/* Establish the session, feed or count, until the deadline or a stop. */
static int run_session(const struct options *o, const struct workload *w)
{
	double deadline = now_s() + o->deadline_s;
	struct session s = {.o = o, .w = w, .fd = -1};
	sigset_t block, during;
	unsigned connections = 0;

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGUSR1);
	sigprocmask(SIG_BLOCK, &block, &during);
	sigdelset(&during, SIGTERM);
	sigdelset(&during, SIGINT);
	sigdelset(&during, SIGUSR1);

	if (o->mode == MODE_SINK && pfx_set_init(&s.sink.set, o->prefixes) != 0)
		return 1;
	bgp_open_init(&s.ours, o->asn, o->hold, o->router_id);
	s.ours.caps.mp_present = true;
	s.ours.caps.mp_afsafi = BGP_AFSAFI_BIT(o->family == AF_INET ? BGP_AFSAFI_IPV4_UNICAST
	                                                            : BGP_AFSAFI_IPV6_UNICAST);
	s.ours.caps.route_refresh = true;

	for (;;) {
		s.fd = open_connection(o, deadline, &during);
		if (s.fd < 0) {
			emit(got_stop ? "stopped" : "deadline", ", \"phase\": \"connect\"");
			s.exit_code = got_stop ? 0 : 2;
			break;
		}
		connections++;
		int one = 1;
		/* OPEN and KEEPALIVE go out at once; stream writes are large
		 * enough that Nagle would add nothing. */
		setsockopt(s.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		s.state = ST_OPENSENT;
		s.rlen = s.ctl_len = 0;
		s.done = s.retry = false;
		if (queue_open(&s) != 0) {
			fail(&s, 1, "cannot build our OPEN");
			break;
		}
		session_loop(&s, deadline, &during);
		if (!s.retry)
			break;
		emit("reconnect", ", \"why\": \"%s\"", s.retry_why);
		close(s.fd);
		s.fd = -1;
		struct pollfd none = {.fd = -1};
		wait_fds(&none, 1, 0.5, &during);
	}
	emit("exit",
	     ", \"state\": \"%s\", \"connections\": %u, \"updates_in\": %" PRIu64
	     ", \"keepalives_in\": %" PRIu64
	     ", \"stream_bytes_written\": %zu, \"sink_prefixes\": %zu"
	     ", \"sink_announced\": %" PRIu64 ", \"sink_withdrawn\": %" PRIu64
	     ", \"sink_duplicates\": %" PRIu64 ", \"sink_malformed\": %" PRIu64,
	     s.state == ST_ESTABLISHED   ? "Established"
	     : s.state == ST_OPENCONFIRM ? "OpenConfirm"
	                                 : "OpenSent",
	     connections, s.msgs_in[BGP_MSG_UPDATE], s.msgs_in[BGP_MSG_KEEPALIVE], s.off,
	     s.sink.set.count, s.sink.announced, s.sink.withdrawn, s.sink.duplicates,
	     s.sink.malformed);
	if (s.fd >= 0)
		close(s.fd);
	free(s.rbuf);
	free(s.sink.set.slots);
	return s.exit_code;
}

int main(int argc, char **argv)
{
	struct options o;
	struct workload w = {0};
	struct sigaction sa = {.sa_handler = on_signal};

	if (parse_options(argc, argv, &o) != 0)
		return 64;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* A peer that resets the connection must not kill us mid-report. */
	signal(SIGPIPE, SIG_IGN);

	if (o.mode != MODE_SINK) {
		if (build_workload(&o, &w) != 0)
			return 1;
		emit("ready",
		     ", \"family\": \"%s\", \"space\": \"%s\", \"prefixes\": %" PRIu64
		     ", \"updates\": %" PRIu64 ", \"attr_sets\": %" PRIu64
		     ", \"bytes\": %zu, \"first\": \"%s\", \"last\": \"%s\""
		     ", \"build_seconds\": %.3f",
		     o.family == AF_INET ? "ipv4" : "ipv6", w.space->text, w.nprefixes, w.nupdates,
		     w.ngroups, w.len, w.first, w.last, w.build_s);
		if (o.dump_path != NULL && dump_stream(&w, o.dump_path) != 0)
			return 1;
		if (o.mode == MODE_GENERATE) {
			int rc = verify_workload(&w, o.family);
			if (rc == 0)
				emit("verified", ", \"prefixes\": %" PRIu64, w.nprefixes);
			free(w.stream);
			return rc == 0 ? 0 : 1;
		}
	}
	int rc = run_session(&o, &w);
	free(w.stream);
	return rc;
}
