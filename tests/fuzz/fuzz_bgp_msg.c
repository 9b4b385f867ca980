/*
 * Fuzz harness for the BGP message codec (routed/bgp/bgp_msg.c): header
 * splitting, OPEN, NOTIFICATION, ROUTE-REFRESH. UPDATE has its own.
 *
 * Input: the first byte picks the session state the bytes arrive in (bit 0
 * extended messages, bit 1 enhanced route refresh, bit 2 before the OPEN
 * exchange), the rest is a TCP byte stream. The stream is cut into
 * messages with bgp_msg_split() and each is handed to its parser in a heap
 * buffer of exactly its size, so that AddressSanitizer sees any read past
 * its end; the parsers are also given the raw bytes as one message.
 *
 * Besides "no crash, no sanitizer report" it checks properties that hold
 * for every input: an error names a NOTIFICATION we may send and fits in
 * struct bgp_error; the splitter only asks for more bytes than it has; an
 * accepted OPEN, NOTIFICATION or ROUTE-REFRESH rebuilds and parses back to
 * the same value; text taken from the peer holds no control characters.
 *
 * Built two ways (tests/fuzz/README.md):
 *  - with clang -fsanitize=fuzzer: libFuzzer drives LLVMFuzzerTestOneInput;
 *  - with -DFUZZ_STANDALONE and any C11 compiler: a main() that runs the
 *    files named on the command line, writes the built-in seeds to a
 *    directory (--seeds DIR), or with no arguments runs the seeds and a
 *    fixed number of random mutations of them (--mutate N [SEED]).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"
#include "fuzz_check.h"

/* An error we would send must be a code we send and fit its buffer. */
static void check_error(const struct bgp_error *err, uint8_t code_a, uint8_t code_b)
{
	FUZZ_CHECK(err->code == code_a || err->code == code_b);
	FUZZ_CHECK(err->data_len <= BGP_ERROR_DATA_MAX);
}

static void check_text(const char *s, size_t max)
{
	size_t n = strnlen(s, max + 1);

	FUZZ_CHECK(n <= max);
	for (size_t i = 0; i < n; i++) {
		uint8_t u = (uint8_t)s[i];
		FUZZ_CHECK(u >= 0x20 && u != 0x7f);
	}
}

/* What the builder does not encode (unknown and dropped entries) is
 * cleared before an OPEN is compared with its rebuilt self. */
static void open_normalize(struct bgp_open *o)
{
	struct bgp_caps *c = &o->caps;

	if (c->as4)
		o->my_as_2byte = 0;
	c->mp_present = c->mp_afsafi != 0;
	c->mp_unknown = 0;
	c->gr.unknown = 0;
	c->ext_nh_dropped = 0;
	c->addpath_dropped = 0;
	c->unknown_count = 0;
	c->unknown_dropped = 0;
	memset(c->unknown, 0, sizeof(c->unknown));
}

static void fuzz_open(const uint8_t *msg, size_t len)
{
	struct bgp_open open, again, local;
	struct bgp_error err;
	struct bgp_negotiated neg;
	uint8_t buf[BGP_MAX_LEN];
	struct builder b;

	if (bgp_open_parse(msg, len, &open, &err) != 0) {
		check_error(&err, BGP_ERR_HEADER, BGP_ERR_OPEN);
		return;
	}
	FUZZ_CHECK(open.version == BGP_VERSION);
	FUZZ_CHECK(bgp_open_peer_as(&open) != 0);
	FUZZ_CHECK(open.hold_time == 0 || open.hold_time >= 3);
	FUZZ_CHECK(open.caps.unknown_count <= BGP_CAPS_MAX_LIST);
	check_text(open.caps.hostname, BGP_FQDN_MAX);
	check_text(open.caps.domain, BGP_FQDN_MAX);

	/* What we accepted we can also send, and it reads back the same. */
	builder_init_fixed(&b, buf, sizeof(buf));
	FUZZ_CHECK(bgp_open_build(&b, &open) == 0);
	FUZZ_CHECK(bgp_open_parse(buf, builder_len(&b), &again, &err) == 0);
	open_normalize(&open);
	open_normalize(&again);
	FUZZ_CHECK(memcmp(&open, &again, sizeof(open)) == 0);

	bgp_open_init(&local, 65001, 90, 0x0a000001);
	local.caps.mp_afsafi = BGP_AFSAFI_ALL;
	local.caps.extended_message = true;
	bgp_negotiate(&local, &again, &neg);
	FUZZ_CHECK(neg.hold_time <= local.hold_time && neg.hold_time <= again.hold_time);
	FUZZ_CHECK(neg.keepalive_time == neg.hold_time / 3);
	FUZZ_CHECK((neg.afsafi & ~BGP_AFSAFI_ALL) == 0);
	FUZZ_CHECK(neg.rx_max_len == BGP_EXTENDED_MAX_LEN);
}

static void fuzz_notification(const uint8_t *msg, size_t len)
{
	struct bgp_error notif, again;
	char name[BGP_ERROR_NAME_MAX];
	char text[BGP_SHUTDOWN_TEXT_SIZE];
	uint8_t buf[BGP_MAX_LEN];
	struct builder b;

	if (bgp_notification_parse(msg, len, &notif) != 0) {
		FUZZ_CHECK(len < BGP_NOTIFICATION_MIN_LEN);
		return;
	}
	FUZZ_CHECK(notif.data_len <= BGP_ERROR_DATA_MAX);
	bgp_error_format(&notif, name, sizeof(name));
	FUZZ_CHECK(strlen(name) < sizeof(name));
	enum bgp_shutdown_text st = bgp_error_shutdown_text(&notif, text, sizeof(text));
	if (st == BGP_SHUTDOWN_TEXT_OK)
		check_text(text, BGP_SHUTDOWN_COMM_MAX);
	else
		FUZZ_CHECK(text[0] == '\0');

	builder_init_fixed(&b, buf, sizeof(buf));
	FUZZ_CHECK(bgp_notification_build(&b, &notif) == 0);
	FUZZ_CHECK(bgp_notification_parse(buf, builder_len(&b), &again) == 0);
	FUZZ_CHECK(memcmp(&notif, &again, sizeof(notif)) == 0);
}

static void fuzz_refresh(const uint8_t *msg, size_t len, const struct bgp_negotiated *neg)
{
	struct bgp_refresh rr, again;
	struct bgp_error err;
	uint8_t buf[64];
	struct builder b;

	enum bgp_refresh_parse r = bgp_refresh_parse(msg, len, neg, &rr, &err);
	if (r == BGP_REFRESH_PARSE_ERROR) {
		check_error(&err, BGP_ERR_HEADER, BGP_ERR_ROUTE_REFRESH);
		return;
	}
	if (r == BGP_REFRESH_PARSE_IGNORE)
		return;
	builder_init_fixed(&b, buf, sizeof(buf));
	FUZZ_CHECK(bgp_refresh_build(&b, &rr) == 0);
	FUZZ_CHECK(bgp_refresh_parse(buf, builder_len(&b), neg, &again, &err) ==
	           BGP_REFRESH_PARSE_OK);
	FUZZ_CHECK(memcmp(&rr, &again, sizeof(rr)) == 0);
}

static void fuzz_message(uint8_t type, const uint8_t *msg, size_t len,
                         const struct bgp_negotiated *neg)
{
	switch (type) {
	case BGP_MSG_OPEN:
		fuzz_open(msg, len);
		break;
	case BGP_MSG_NOTIFICATION:
		fuzz_notification(msg, len);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		fuzz_refresh(msg, len, neg);
		break;
	default:
		/* KEEPALIVE is all header; UPDATE has its own harness. */
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_negotiated negbuf;
	const struct bgp_negotiated *neg = &negbuf;

	if (size == 0)
		return 0;
	uint8_t mode = data[0];
	data++;
	size--;
	memset(&negbuf, 0, sizeof(negbuf));
	negbuf.rx_max_len = (mode & 1) ? BGP_EXTENDED_MAX_LEN : BGP_MAX_LEN;
	negbuf.enhanced_refresh = (mode & 2) != 0;
	if (mode & 4)
		neg = NULL;

	size_t off = 0;
	while (off < size) {
		struct bgp_header hdr;
		struct bgp_error err;
		size_t need;
		enum bgp_split r = bgp_msg_split(data + off, size - off, neg, &hdr, &need, &err);

		if (r == BGP_SPLIT_ERROR) {
			check_error(&err, BGP_ERR_HEADER, BGP_ERR_HEADER);
			FUZZ_CHECK(err.data_len <= 2);
			break;
		}
		if (r == BGP_SPLIT_MORE) {
			FUZZ_CHECK(need > size - off);
			FUZZ_CHECK(need <= BGP_EXTENDED_MAX_LEN);
			break;
		}
		FUZZ_CHECK(need == hdr.length && need >= BGP_HEADER_LEN && need <= size - off);
		uint8_t *msg = fuzz_exact_copy(data + off, need);
		fuzz_message(hdr.type, msg, need, neg);
		free(msg);
		off += need;
	}

	/* The parsers on their own, trusting no header. */
	fuzz_open(data, size);
	fuzz_notification(data, size);
	fuzz_refresh(data, size, neg);
	return 0;
}

#ifdef FUZZ_STANDALONE

#define FUZZ_SEED_MAX 8192
#define FUZZ_SEEDS_MAX 16
#define FUZZ_INPUT_MAX (1 << 20)

#include "fuzz_mutate.h"

/* An OPEN laid out one capability per Optional Parameter, as FRR does;
 * the builder never writes that layout, so it is a seed of its own. */
/* clang-format off */
static const uint8_t per_param_open[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0, 63, 1, 4, 0xfd, 0xe9, 0, 180, 192, 0, 2, 1, 34,
	2, 6, 1, 4, 0, 1, 0, 1,
	2, 2, 128, 0,
	2, 6, 65, 4, 0, 0, 0xfd, 0xe9,
	2, 6, 73, 4, 2, 'r', '1', 0,
	2, 4, 64, 2, 0x40, 120,
};
/* clang-format on */

/* Seeds are made by the builders, so they follow the code. */
static size_t make_seeds(struct seed *seeds)
{
	uint8_t buf[FUZZ_SEED_MAX];
	struct builder b, all;
	struct bgp_open o;
	struct bgp_error e;
	struct bgp_refresh rr = {BGP_AFI_IPV6_WIRE, BGP_REFRESH_BORR, BGP_SAFI_UNICAST};
	uint8_t stream[FUZZ_SEED_MAX];
	size_t n = 0;

	builder_init_fixed(&all, stream, sizeof(stream));

	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_keepalive_build(&b);
	bgp_keepalive_build(&all);
	fuzz_seed_add(seeds, &n, 0, buf, builder_len(&b));

	bgp_open_init(&o, 4200000001u, 90, 0xc0000201);
	o.caps.mp_present = true;
	o.caps.mp_afsafi = BGP_AFSAFI_ALL;
	o.caps.route_refresh = o.caps.enhanced_route_refresh = o.caps.extended_message = true;
	o.caps.gr = (struct bgp_cap_gr){.present = true,
	                                .notification = true,
	                                .restart_time = 120,
	                                .afsafi = BGP_AFSAFI_ALL,
	                                .forwarding = 1};
	o.caps.ext_nh_count = 1;
	o.caps.ext_nh[0] = (struct bgp_cap_ext_nh){1, 1, 2};
	o.caps.addpath_count = 1;
	o.caps.addpath[0] = (struct bgp_cap_addpath){1, 1, BGP_ADDPATH_RECEIVE};
	o.caps.fqdn = true;
	strcpy(o.caps.hostname, "gw1");
	strcpy(o.caps.domain, "example.net");
	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_open_build(&b, &o);
	bgp_open_build(&all, &o);
	fuzz_seed_add(seeds, &n, 4, buf, builder_len(&b));

	/* Long enough for the RFC 9072 encoding. */
	memset(o.caps.hostname, 'h', 200);
	o.caps.hostname[200] = '\0';
	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_open_build(&b, &o);
	fuzz_seed_add(seeds, &n, 4, buf, builder_len(&b));

	fuzz_seed_add(seeds, &n, 4, per_param_open, sizeof(per_param_open));

	bgp_error_set_shutdown(&e, BGP_CEASE_ADMIN_SHUTDOWN, "maintenance \xe2\x80\x94 back soon");
	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_notification_build(&b, &e);
	bgp_notification_build(&all, &e);
	fuzz_seed_add(seeds, &n, 0, buf, builder_len(&b));

	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_refresh_build(&b, &rr);
	bgp_refresh_build(&all, &rr);
	fuzz_seed_add(seeds, &n, 2, buf, builder_len(&b));

	if (!builder_ok(&all))
		abort();
	fuzz_seed_add(seeds, &n, 3, stream, builder_len(&all));
	return n;
}

static int run_mutations(unsigned long iterations, uint64_t seed)
{
	static const uint8_t interesting[] = {0,  1,  2,  3,  4,  5,  6,   19,  21,  23,
	                                      29, 64, 65, 69, 70, 73, 127, 128, 254, 255};
	static const struct fuzz_mutator m = {
	    .interesting = interesting,
	    .interesting_len = sizeof(interesting),
	    .max_ops = 8,
	    .repeat_chunks = true,
	    .cap = FUZZ_SEED_MAX * 2,
	    .glue = true,
	};

	return fuzz_run_mutations(&m, iterations, seed);
}

#include "fuzz_standalone.h"

#endif
