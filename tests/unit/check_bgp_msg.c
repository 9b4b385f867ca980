/*
 * BGP message codec: table-driven byte vectors with the exact NOTIFICATION
 * each must produce, OPENs laid out as FRR and BIRD lay them out, every
 * truncation of a valid OPEN, build->parse round trips, negotiation.
 *
 * Vectors are written by hand from RFC 4271, 5492, 9072 and the capability
 * RFCs. Truncated inputs are copied into buffers of exactly their length,
 * so that AddressSanitizer sees any read past the end.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_msg.h"
#include "unit.h"

#define MARKER                                                                                     \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  \
	    0xff

/* Session states the tables refer to. */
enum neg_kind { NEG_NONE, NEG_EXT, NEG_ERR, NEG_EXT_ERR };

static const struct bgp_negotiated *neg_of(enum neg_kind kind, struct bgp_negotiated *neg)
{
	if (kind == NEG_NONE)
		return NULL;
	memset(neg, 0, sizeof(*neg));
	neg->rx_max_len =
	    (kind == NEG_EXT || kind == NEG_EXT_ERR) ? BGP_EXTENDED_MAX_LEN : BGP_MAX_LEN;
	neg->tx_max_len = neg->rx_max_len;
	neg->enhanced_refresh = kind == NEG_ERR || kind == NEG_EXT_ERR;
	return neg;
}

/* Header, then body: the length field is computed, never typed. */
static size_t wrap(uint8_t *out, size_t cap, uint8_t type, const uint8_t *body, size_t body_len)
{
	struct builder b;

	builder_init_fixed(&b, out, cap);
	for (int i = 0; i < BGP_MARKER_LEN; i++)
		builder_put_u8(&b, 0xff);
	builder_put_u16(&b, (uint16_t)(BGP_HEADER_LEN + body_len));
	builder_put_u8(&b, type);
	builder_put_bytes(&b, body, body_len);
	ck_assert(builder_ok(&b));
	return builder_len(&b);
}

/* An exact-size heap copy: the sanitizer's view of "the message ends here". */
static uint8_t *exact_copy(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n > 0 ? n : 1);

	ck_assert_ptr_nonnull(p);
	if (n > 0)
		memcpy(p, src, n);
	return p;
}

static void assert_error(const struct bgp_error *e, uint8_t code, uint8_t subcode,
                         const uint8_t *data, size_t data_len, const char *name)
{
	ck_assert_msg(e->code == code && e->subcode == subcode, "%s: got %u/%u, want %u/%u", name,
	              e->code, e->subcode, code, subcode);
	ck_assert_msg(e->data_len == data_len, "%s: data_len %u, want %zu", name, e->data_len,
	              data_len);
	if (data_len > 0)
		ck_assert_msg(memcmp(e->data, data, data_len) == 0, "%s: data differs", name);
}

/* --- header ----------------------------------------------------------------- */

struct header_case {
	const char *name;
	uint8_t bytes[24];
	size_t len;
	enum neg_kind neg;
	enum bgp_split want;
	size_t want_need;
	uint8_t code, subcode;
	uint8_t data[2];
	size_t data_len;
};

/* clang-format off */
static const struct header_case header_cases[] = {
	{"keepalive", {MARKER, 0, 19, 4}, 19, NEG_NONE, BGP_SPLIT_MESSAGE, 19, 0, 0, {0}, 0},
	{"empty buffer", {0}, 0, NEG_NONE, BGP_SPLIT_MORE, 19, 0, 0, {0}, 0},
	{"part of the marker", {MARKER}, 10, NEG_NONE, BGP_SPLIT_MORE, 19, 0, 0, {0}, 0},
	{"marker, no length", {MARKER, 0}, 17, NEG_NONE, BGP_SPLIT_MORE, 19, 0, 0, {0}, 0},
	{"marker byte 0 wrong", {0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				 0xff, 0xff, 0xff, 0xff, 0xff, 0, 19, 4},
	 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 1, {0}, 0},
	{"marker byte 15 wrong", {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
				  0xff, 0xff, 0xff, 0xff, 0x00, 0, 19, 4},
	 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 1, {0}, 0},
	{"wrong marker seen early", {0xff, 0xff, 0x00}, 3, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 1,
	 {0}, 0},
	{"length 0", {MARKER, 0, 0, 4}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 0}, 2},
	{"length 18", {MARKER, 0, 18, 4}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 18}, 2},
	{"update 4097", {MARKER, 0x10, 0x01, 2}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0x10, 0x01}, 2},
	{"update 65535", {MARKER, 0xff, 0xff, 2}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0xff, 0xff}, 2},
	{"update 4097 extended", {MARKER, 0x10, 0x01, 2}, 19, NEG_EXT, BGP_SPLIT_MORE, 4097, 0, 0,
	 {0}, 0},
	{"update 65535 extended", {MARKER, 0xff, 0xff, 2}, 19, NEG_EXT, BGP_SPLIT_MORE, 65535, 0, 0,
	 {0}, 0},
	{"update 4096", {MARKER, 0x10, 0x00, 2}, 19, NEG_NONE, BGP_SPLIT_MORE, 4096, 0, 0, {0}, 0},
	{"update 22", {MARKER, 0, 22, 2}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 22}, 2},
	{"update 23", {MARKER, 0, 23, 2}, 19, NEG_NONE, BGP_SPLIT_MORE, 23, 0, 0, {0}, 0},
	{"open 28", {MARKER, 0, 28, 1}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 28}, 2},
	{"open 29", {MARKER, 0, 29, 1}, 19, NEG_NONE, BGP_SPLIT_MORE, 29, 0, 0, {0}, 0},
	{"open 4097 extended", {MARKER, 0x10, 0x01, 1}, 19, NEG_EXT, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0x10, 0x01}, 2},
	{"notification 20", {MARKER, 0, 20, 3}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 20},
	 2},
	{"notification 21", {MARKER, 0, 21, 3}, 19, NEG_NONE, BGP_SPLIT_MORE, 21, 0, 0, {0}, 0},
	{"notification 8000 extended", {MARKER, 0x1f, 0x40, 3}, 19, NEG_EXT, BGP_SPLIT_MORE, 8000,
	 0, 0, {0}, 0},
	{"keepalive 20", {MARKER, 0, 20, 4}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 20}, 2},
	{"keepalive 4096", {MARKER, 0x10, 0, 4}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0x10, 0}, 2},
	{"keepalive 20 extended", {MARKER, 0, 20, 4}, 19, NEG_EXT, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0, 20}, 2},
	{"refresh 23", {MARKER, 0, 23, 5}, 19, NEG_NONE, BGP_SPLIT_MORE, 23, 0, 0, {0}, 0},
	{"refresh 22", {MARKER, 0, 22, 5}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 22}, 2},
	{"refresh 24", {MARKER, 0, 24, 5}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2, {0, 24}, 2},
	{"refresh 24 enhanced", {MARKER, 0, 24, 5}, 19, NEG_ERR, BGP_SPLIT_MORE, 24, 0, 0, {0}, 0},
	{"refresh 22 enhanced", {MARKER, 0, 22, 5}, 19, NEG_ERR, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0, 22}, 2},
	{"refresh 4097 enhanced", {MARKER, 0x10, 0x01, 5}, 19, NEG_ERR, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0x10, 0x01}, 2},
	{"type 0", {MARKER, 0, 19, 0}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 3, {0}, 1},
	{"type 6", {MARKER, 0, 19, 6}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 3, {6}, 1},
	{"type 255", {MARKER, 0, 40, 255}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 3, {255}, 1},
	/* The length range is judged before the type. */
	{"type 6, length 5000", {MARKER, 0x13, 0x88, 6}, 19, NEG_NONE, BGP_SPLIT_ERROR, 19, 1, 2,
	 {0x13, 0x88}, 2},
	{"two keepalives", {MARKER, 0, 19, 4, 0xff, 0xff}, 21, NEG_NONE, BGP_SPLIT_MESSAGE, 19, 0,
	 0, {0}, 0},
};
/* clang-format on */

START_TEST(test_header_table)
{
	const struct header_case *tc = &header_cases[_i];
	struct bgp_negotiated negbuf;
	struct bgp_header hdr;
	struct bgp_error err = {0};
	size_t need = 0;
	uint8_t *copy = exact_copy(tc->bytes, tc->len);

	enum bgp_split got =
	    bgp_msg_split(copy, tc->len, neg_of(tc->neg, &negbuf), &hdr, &need, &err);
	ck_assert_msg(got == tc->want, "%s: split %d, want %d", tc->name, got, tc->want);
	ck_assert_msg(need == tc->want_need, "%s: need %zu, want %zu", tc->name, need,
	              tc->want_need);
	if (got == BGP_SPLIT_ERROR)
		assert_error(&err, tc->code, tc->subcode, tc->data, tc->data_len, tc->name);
	if (got == BGP_SPLIT_MESSAGE)
		ck_assert_uint_eq(hdr.length, need);
	free(copy);
}
END_TEST

/* Bytes arriving one at a time: the splitter asks for the header, then for
 * the rest, and yields each message exactly once. */
START_TEST(test_split_stream)
{
	uint8_t stream[256];
	struct builder b;
	struct bgp_open open;
	struct bgp_error cease;
	size_t ends[3];

	builder_init_fixed(&b, stream, sizeof(stream));
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	ends[0] = builder_len(&b);
	bgp_open_init(&open, 65001, 180, 0x0a000001);
	open.caps.mp_afsafi = BGP_AFSAFI_ALL;
	ck_assert_int_eq(bgp_open_build(&b, &open), 0);
	ends[1] = builder_len(&b);
	ck_assert_int_eq(bgp_error_set_shutdown(&cease, BGP_CEASE_ADMIN_SHUTDOWN, "bye"), 0);
	ck_assert_int_eq(bgp_notification_build(&b, &cease), 0);
	ends[2] = builder_len(&b);

	size_t consumed = 0, seen = 0;
	for (size_t avail = 0; avail <= ends[2]; avail++) {
		struct bgp_header hdr;
		struct bgp_error err;
		size_t need;
		enum bgp_split r =
		    bgp_msg_split(stream + consumed, avail - consumed, NULL, &hdr, &need, &err);

		ck_assert_int_ne(r, BGP_SPLIT_ERROR);
		if (r == BGP_SPLIT_MORE) {
			ck_assert_uint_gt(need, avail - consumed);
			continue;
		}
		ck_assert_uint_eq(consumed + need, ends[seen]);
		consumed += need;
		seen++;
	}
	ck_assert_uint_eq(seen, 3);
}
END_TEST

/* --- OPEN errors -------------------------------------------------------------- */

/* Version 4, AS 65001, hold 180, identifier 192.0.2.1. */
#define OPEN_FIXED 4, 0xfd, 0xe9, 0, 180, 192, 0, 2, 1

struct open_case {
	const char *name;
	uint8_t body[48];
	size_t body_len;
	int want_rc;
	uint8_t code, subcode;
	uint8_t data[2];
	size_t data_len;
};

/* clang-format off */
static const struct open_case open_cases[] = {
	{"minimal", {OPEN_FIXED, 0}, 10, 0, 0, 0, {0}, 0},
	{"version 3", {3, 0xfd, 0xe9, 0, 180, 192, 0, 2, 1, 0}, 10, -1, 2, 1, {0, 4}, 2},
	{"version 5", {5, 0xfd, 0xe9, 0, 180, 192, 0, 2, 1, 0}, 10, -1, 2, 1, {0, 4}, 2},
	{"AS 0", {4, 0, 0, 0, 180, 192, 0, 2, 1, 0}, 10, -1, 2, 2, {0}, 0},
	{"hold 0", {4, 0xfd, 0xe9, 0, 0, 192, 0, 2, 1, 0}, 10, 0, 0, 0, {0}, 0},
	{"hold 1", {4, 0xfd, 0xe9, 0, 1, 192, 0, 2, 1, 0}, 10, -1, 2, 6, {0}, 0},
	{"hold 2", {4, 0xfd, 0xe9, 0, 2, 192, 0, 2, 1, 0}, 10, -1, 2, 6, {0}, 0},
	{"hold 3", {4, 0xfd, 0xe9, 0, 3, 192, 0, 2, 1, 0}, 10, 0, 0, 0, {0}, 0},
	{"identifier 0", {4, 0xfd, 0xe9, 0, 180, 0, 0, 0, 0, 0}, 10, -1, 2, 3, {0}, 0},
	{"identifier all ones", {4, 0xfd, 0xe9, 0, 180, 255, 255, 255, 255, 0}, 10, 0, 0, 0, {0},
	 0},
	/* Optional parameter framing (RFC 4271 section 4.2). */
	{"optlen past the end", {OPEN_FIXED, 4, 2, 2}, 12, -1, 2, 0, {0}, 0},
	{"bytes after the parameters", {OPEN_FIXED, 2, 2, 0, 0}, 13, -1, 2, 0, {0}, 0},
	{"optlen 0 with bytes after", {OPEN_FIXED, 0, 2, 0}, 12, -1, 2, 0, {0}, 0},
	{"parameter length past optlen", {OPEN_FIXED, 4, 2, 5, 65, 4}, 14, -1, 2, 0, {0}, 0},
	{"parameter header cut", {OPEN_FIXED, 1, 2}, 11, -1, 2, 0, {0}, 0},
	{"zero-length capabilities", {OPEN_FIXED, 2, 2, 0}, 12, 0, 0, 0, {0}, 0},
	{"authentication parameter", {OPEN_FIXED, 3, 1, 1, 0}, 13, -1, 2, 4, {0}, 0},
	{"parameter type 3", {OPEN_FIXED, 2, 3, 0}, 12, -1, 2, 4, {0}, 0},
	{"unsupported after capabilities", {OPEN_FIXED, 6, 2, 2, 2, 0, 9, 0}, 16, -1, 2, 4, {0},
	 0},
	{"type 255 not first", {OPEN_FIXED, 4, 2, 0, 255, 0}, 14, -1, 2, 4, {0}, 0},
	{"two parameters", {OPEN_FIXED, 12, 2, 6, 65, 4, 0, 0, 0xfd, 0xe9, 2, 2, 2, 0}, 22, 0, 0,
	 0, {0}, 0},
	/* Capability framing inside a parameter (RFC 5492 section 4). */
	{"capability header cut", {OPEN_FIXED, 3, 2, 1, 65}, 13, -1, 2, 0, {0}, 0},
	{"capability past its parameter", {OPEN_FIXED, 6, 2, 4, 65, 4, 0, 0}, 16, -1, 2, 0, {0},
	 0},
	{"capability past param, more follows", {OPEN_FIXED, 8, 2, 2, 65, 4, 2, 2, 2, 0}, 18, -1,
	 2, 0, {0}, 0},
	/* Known capabilities with the wrong length: recognised but malformed. */
	{"AS4 length 2", {OPEN_FIXED, 6, 2, 4, 65, 2, 0, 1}, 16, -1, 2, 0, {0}, 0},
	{"AS4 length 5", {OPEN_FIXED, 9, 2, 7, 65, 5, 0, 0, 0xfd, 0xe9, 0}, 19, -1, 2, 0, {0}, 0},
	{"AS4 says AS 0", {OPEN_FIXED, 8, 2, 6, 65, 4, 0, 0, 0, 0}, 18, -1, 2, 2, {0}, 0},
	{"MP length 3", {OPEN_FIXED, 7, 2, 5, 1, 3, 0, 1, 0}, 17, -1, 2, 0, {0}, 0},
	{"MP length 5", {OPEN_FIXED, 9, 2, 7, 1, 5, 0, 1, 0, 1, 0}, 19, -1, 2, 0, {0}, 0},
	{"route refresh length 1", {OPEN_FIXED, 5, 2, 3, 2, 1, 0}, 15, -1, 2, 0, {0}, 0},
	{"enhanced refresh length 1", {OPEN_FIXED, 5, 2, 3, 70, 1, 0}, 15, -1, 2, 0, {0}, 0},
	{"extended message length 2", {OPEN_FIXED, 6, 2, 4, 6, 2, 0, 0}, 16, -1, 2, 0, {0}, 0},
	{"code 128 with a value is unknown", {OPEN_FIXED, 5, 2, 3, 128, 1, 0}, 15, 0, 0, 0, {0},
	 0},
	{"GR length 1", {OPEN_FIXED, 5, 2, 3, 64, 1, 0}, 15, -1, 2, 0, {0}, 0},
	{"GR length 4", {OPEN_FIXED, 8, 2, 6, 64, 4, 0, 120, 0, 1}, 18, -1, 2, 0, {0}, 0},
	{"GR length 2", {OPEN_FIXED, 6, 2, 4, 64, 2, 0, 120}, 16, 0, 0, 0, {0}, 0},
	{"GR length 6", {OPEN_FIXED, 10, 2, 8, 64, 6, 0, 120, 0, 1, 1, 0x80}, 20, 0, 0, 0, {0}, 0},
	{"extended next hop length 0", {OPEN_FIXED, 4, 2, 2, 5, 0}, 14, -1, 2, 0, {0}, 0},
	{"extended next hop length 4", {OPEN_FIXED, 8, 2, 6, 5, 4, 0, 1, 0, 1}, 18, -1, 2, 0, {0},
	 0},
	{"add-path length 0", {OPEN_FIXED, 4, 2, 2, 69, 0}, 14, -1, 2, 0, {0}, 0},
	{"add-path length 3", {OPEN_FIXED, 7, 2, 5, 69, 3, 0, 1, 1}, 17, -1, 2, 0, {0}, 0},
	{"FQDN hostname past the end", {OPEN_FIXED, 7, 2, 5, 73, 3, 5, 'a', 'b'}, 17, -1, 2, 0,
	 {0}, 0},
	{"FQDN without domain length", {OPEN_FIXED, 7, 2, 5, 73, 3, 2, 'a', 'b'}, 17, -1, 2, 0,
	 {0}, 0},
	{"FQDN bytes after domain", {OPEN_FIXED, 7, 2, 5, 73, 3, 0, 0, 'x'}, 17, -1, 2, 0, {0}, 0},
	{"FQDN both empty", {OPEN_FIXED, 6, 2, 4, 73, 2, 0, 0}, 16, 0, 0, 0, {0}, 0},
	{"unknown capability, any length", {OPEN_FIXED, 7, 2, 5, 200, 3, 1, 2, 3}, 17, 0, 0, 0,
	 {0}, 0},
	/* RFC 9072 extended encoding. */
	{"extended", {OPEN_FIXED, 255, 255, 0, 9, 2, 0, 6, 65, 4, 0, 0, 0xfd, 0xe9}, 22, 0, 0, 0,
	 {0}, 0},
	{"extended, other Non-Ext OP Len", {OPEN_FIXED, 1, 255, 0, 9, 2, 0, 6, 65, 4, 0, 0, 0xfd,
					    0xe9},
	 22, 0, 0, 0, {0}, 0},
	{"extended, empty", {OPEN_FIXED, 255, 255, 0, 0}, 13, 0, 0, 0, {0}, 0},
	{"extended length cut", {OPEN_FIXED, 255, 255, 0}, 12, -1, 2, 0, {0}, 0},
	{"extended length too long", {OPEN_FIXED, 255, 255, 0, 10, 2, 0, 6, 65, 4, 0, 0, 0xfd,
				      0xe9},
	 22, -1, 2, 0, {0}, 0},
	{"extended parameter length past", {OPEN_FIXED, 255, 255, 0, 9, 2, 0, 7, 65, 4, 0, 0, 0xfd,
					    0xe9},
	 22, -1, 2, 0, {0}, 0},
	{"extended, parameter type 255", {OPEN_FIXED, 255, 255, 0, 3, 255, 0, 0}, 16, -1, 2, 4,
	 {0}, 0},
	{"extended, parameter type 1", {OPEN_FIXED, 255, 255, 0, 4, 1, 0, 1, 0}, 17, -1, 2, 4, {0},
	 0},
};
/* clang-format on */

START_TEST(test_open_table)
{
	const struct open_case *tc = &open_cases[_i];
	uint8_t msg[128];
	struct bgp_open open;
	struct bgp_error err = {0};
	size_t len = wrap(msg, sizeof(msg), BGP_MSG_OPEN, tc->body, tc->body_len);
	uint8_t *copy = exact_copy(msg, len);

	int rc = bgp_open_parse(copy, len, &open, &err);
	ck_assert_msg(rc == tc->want_rc, "%s: rc %d (%u/%u), want %d", tc->name, rc, err.code,
	              err.subcode, tc->want_rc);
	if (rc != 0)
		assert_error(&err, tc->code, tc->subcode, tc->data, tc->data_len, tc->name);
	free(copy);
}
END_TEST

/* A message too short or too long for an OPEN, handed to the parser
 * directly, is the header's Bad Message Length. */
START_TEST(test_open_bad_lengths)
{
	uint8_t big[BGP_MAX_LEN + 1];
	struct bgp_open open;
	struct bgp_error err;
	const uint8_t want28[] = {0, 28}, want4097[] = {0x10, 0x01};

	memset(big, 0, sizeof(big));
	ck_assert_int_eq(bgp_open_parse(big, 28, &open, &err), -1);
	assert_error(&err, 1, 2, want28, 2, "28");
	ck_assert_int_eq(bgp_open_parse(big, sizeof(big), &open, &err), -1);
	assert_error(&err, 1, 2, want4097, 2, "4097");
}
END_TEST

/* --- capability edge cases ------------------------------------------------------ */

static void parse_body_ok(const uint8_t *body, size_t body_len, struct bgp_open *open)
{
	uint8_t msg[600];
	struct bgp_error err;
	size_t len = wrap(msg, sizeof(msg), BGP_MSG_OPEN, body, body_len);
	uint8_t *copy = exact_copy(msg, len);
	int rc = bgp_open_parse(copy, len, open, &err);

	ck_assert_msg(rc == 0, "parse failed: %u/%u", err.code, err.subcode);
	free(copy);
}

START_TEST(test_caps_duplicates)
{
	/* One parameter: MP v4 twice, MP v6, MP l2vpn/evpn (25/70), AS4 twice
	 * (the last wins), GR twice (the last wins, with an l2vpn/evpn entry
	 * we count but do not keep), FQDN twice, ADD-PATH in
	 * two instances (they add up), unknown codes 0 and 71. */
	/* clang-format off */
	const uint8_t body[] = {
		OPEN_FIXED, 89, 2, 87,
		1, 4, 0, 1, 0, 1,
		1, 4, 0, 1, 0, 1,
		1, 4, 0, 2, 0, 1,
		1, 4, 0, 25, 0, 70,
		65, 4, 0, 0, 0xfd, 0xe9,
		65, 4, 0, 0, 0xfd, 0xea,
		64, 6, 0x80, 10, 0, 1, 1, 0x80,
		64, 14, 0x40, 90, 0, 2, 1, 0x80, 0, 1, 1, 0, 0, 25, 70, 0x80,
		73, 4, 1, 'a', 1, 'b',
		73, 3, 1, 'z', 0,
		69, 4, 0, 1, 1, 1,
		69, 4, 0, 2, 1, 3,
		0, 0,
		71, 0,
	};
	/* clang-format on */
	struct bgp_open open;

	ck_assert_uint_eq(sizeof(body), 10 + 89);
	parse_body_ok(body, sizeof(body), &open);
	const struct bgp_caps *c = &open.caps;
	ck_assert(c->mp_present);
	ck_assert_uint_eq(c->mp_afsafi, BGP_AFSAFI_ALL);
	ck_assert_uint_eq(c->mp_unknown, 1);
	ck_assert(c->as4);
	ck_assert_uint_eq(c->as4_as, 65002);
	ck_assert_uint_eq(bgp_open_peer_as(&open), 65002);
	ck_assert(c->gr.present);
	ck_assert(!c->gr.restart);
	ck_assert(c->gr.notification);
	ck_assert_uint_eq(c->gr.restart_time, 90);
	ck_assert_uint_eq(c->gr.afsafi, BGP_AFSAFI_ALL);
	ck_assert_uint_eq(c->gr.forwarding, BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST));
	ck_assert_uint_eq(c->gr.unknown, 1);
	ck_assert(c->fqdn);
	ck_assert_str_eq(c->hostname, "z");
	ck_assert_str_eq(c->domain, "");
	ck_assert_uint_eq(c->addpath_count, 2);
	ck_assert_uint_eq(c->addpath[1].afi, 2);
	ck_assert_uint_eq(c->addpath[1].send_receive, BGP_ADDPATH_BOTH);
	ck_assert_uint_eq(c->unknown_count, 2);
	ck_assert_uint_eq(c->unknown[0], 0);
	ck_assert_uint_eq(c->unknown[1], 71);
	ck_assert(!c->route_refresh);
}
END_TEST

/* Lists stop at their bound and count the rest. */
START_TEST(test_caps_bounded)
{
	const uint8_t fixed[] = {OPEN_FIXED};
	uint8_t body[10 + 2 + 255];
	size_t n = sizeof(fixed);
	struct bgp_open open;

	memcpy(body, fixed, sizeof(fixed));
	n += 3;                        /* optlen, parameter type and length, filled in below */
	for (int i = 0; i < 90; i++) { /* 90 unknown capabilities */
		body[n++] = (uint8_t)(150 + i);
		body[n++] = 0;
	}
	/* ADD-PATH in two instances, 11 and 6 entries: 17 in all. */
	const int entries[2] = {11, 6};
	for (int k = 0; k < 2; k++) {
		body[n++] = BGP_CAP_ADD_PATH;
		body[n++] = (uint8_t)(4 * entries[k]);
		for (int i = 0; i < entries[k]; i++) {
			body[n++] = 0;
			body[n++] = (uint8_t)(k + 1);
			body[n++] = 1;
			body[n++] = BGP_ADDPATH_RECEIVE;
		}
	}
	ck_assert_uint_le(n - 12, 253);
	body[9] = (uint8_t)(n - 10);
	body[10] = BGP_OPT_PARAM_CAPABILITIES;
	body[11] = (uint8_t)(n - 12);
	parse_body_ok(body, n, &open);
	ck_assert_uint_eq(open.caps.unknown_count, BGP_CAPS_MAX_LIST);
	ck_assert_uint_eq(open.caps.unknown_dropped, 90 - BGP_CAPS_MAX_LIST);
	ck_assert_uint_eq(open.caps.unknown[15], 165);
	ck_assert_uint_eq(open.caps.addpath_count, BGP_CAPS_MAX_LIST);
	ck_assert_uint_eq(open.caps.addpath_dropped, 1);
	ck_assert_uint_eq(open.caps.addpath[15].afi, 2);
}
END_TEST

struct fqdn_case {
	const char *name;
	const char *wire; /* hostname bytes as sent */
	size_t wire_len;
	const char *want;
};

/* clang-format off */
static const struct fqdn_case fqdn_cases[] = {
	{"plain", "r1.example", 10, "r1.example"},
	{"UTF-8 kept", "k\xc3\xb6ln", 5, "k\xc3\xb6ln"},
	{"escape sequence", "\x1b[31mred", 8, "?[31mred"},
	{"newline and DEL", "a\nb\x7f", 4, "a?b?"},
	{"NUL inside", "a\0b", 3, "a?b"},
	{"C1 control", "x\xc2\x9b" "1m", 5, "x??1m"},
	{"not UTF-8", "caf\xe9", 4, "caf?"},
	{"overlong UTF-8", "\xc0\xaf", 2, "??"},
};
/* clang-format on */

START_TEST(test_caps_fqdn_text)
{
	const struct fqdn_case *tc = &fqdn_cases[_i];
	uint8_t body[64];
	size_t n = 0;
	struct bgp_open open;
	const uint8_t fixed[] = {OPEN_FIXED};

	memcpy(body, fixed, sizeof(fixed));
	n = sizeof(fixed);
	body[n++] = (uint8_t)(tc->wire_len + 6);
	body[n++] = 2;
	body[n++] = (uint8_t)(tc->wire_len + 4);
	body[n++] = BGP_CAP_FQDN;
	body[n++] = (uint8_t)(tc->wire_len + 2);
	body[n++] = (uint8_t)tc->wire_len;
	memcpy(body + n, tc->wire, tc->wire_len);
	n += tc->wire_len;
	body[n++] = 0;
	parse_body_ok(body, n, &open);
	ck_assert_msg(strcmp(open.caps.hostname, tc->want) == 0, "%s: got \"%s\"", tc->name,
	              open.caps.hostname);
}
END_TEST

/* --- real-world OPENs ------------------------------------------------------------- */

/*
 * The OPEN of an FRR 8.4 speaker (AS 65001, router-id 192.0.2.1, ipv4 and
 * ipv6 unicast activated, hostname r1, default timers and helper-mode
 * graceful restart), laid out as FRR lays it out: one Optional Parameter
 * per capability.
 */
/* clang-format off */
static const uint8_t frr_open[] = {
	MARKER, 0, 99, 1,
	4, 0xfd, 0xe9, 0, 180, 192, 0, 2, 1, 70,
	2, 6, 1, 4, 0, 1, 0, 1,            /* MP IPv4 unicast */
	2, 6, 1, 4, 0, 2, 0, 1,            /* MP IPv6 unicast */
	2, 2, 128, 0,                      /* route refresh, old code */
	2, 2, 2, 0,                        /* route refresh */
	2, 2, 70, 0,                       /* enhanced route refresh */
	2, 6, 65, 4, 0, 0, 0xfd, 0xe9,     /* AS4 65001 */
	2, 2, 6, 0,                        /* extended message */
	2, 10, 69, 8, 0, 1, 1, 1, 0, 2, 1, 1, /* ADD-PATH receive v4, v6 */
	2, 6, 73, 4, 2, 'r', '1', 0,       /* FQDN r1, no domain */
	2, 4, 64, 2, 0x40, 120,            /* GR: N bit, 120 s, no families */
	2, 2, 71, 0,                       /* long-lived GR (unknown to us) */
};
/* clang-format on */
/* Where each parameter ends within the optional parameters. */
static const size_t frr_param_ends[] = {0, 8, 16, 20, 24, 28, 36, 40, 52, 60, 66, 70};

/*
 * The OPEN of a BIRD 2 speaker (AS 4200000001, router id 198.51.100.7,
 * ipv4 and ipv6 channels, default hold time 240, graceful restart and
 * long-lived graceful restart "aware"), laid out as BIRD lays it out: all
 * capabilities in one Optional Parameter, AS_TRANS in the 2-byte field.
 */
/* clang-format off */
static const uint8_t bird_open[] = {
	MARKER, 0, 59, 1,
	4, 0x5b, 0xa0, 0, 240, 198, 51, 100, 7, 30,
	2, 28,
	1, 4, 0, 1, 0, 1,                  /* MP IPv4 unicast */
	1, 4, 0, 2, 0, 1,                  /* MP IPv6 unicast */
	2, 0,                              /* route refresh */
	64, 2, 0, 120,                     /* GR: no flags, 120 s */
	65, 4, 0xfa, 0x56, 0xea, 0x01,     /* AS4 4200000001 */
	70, 0,                             /* enhanced route refresh */
	71, 0,                             /* long-lived GR */
};
/* clang-format on */

/* Parse a whole message and compare with the value it must give, all of
 * it: nothing unexpected may be set either. */
static void expect_open(const uint8_t *msg, size_t len, const struct bgp_open *want)
{
	struct bgp_header hdr;
	struct bgp_error err;
	struct bgp_open got;
	size_t need;

	ck_assert_int_eq(bgp_msg_split(msg, len, NULL, &hdr, &need, &err), BGP_SPLIT_MESSAGE);
	ck_assert_uint_eq(need, len);
	ck_assert_uint_eq(hdr.type, BGP_MSG_OPEN);
	ck_assert_int_eq(bgp_open_parse(msg, len, &got, &err), 0);
	ck_assert_uint_eq(got.caps.as4_as, want->caps.as4_as);
	ck_assert_str_eq(got.caps.hostname, want->caps.hostname);
	ck_assert_msg(memcmp(&got, want, sizeof(got)) == 0, "parsed OPEN differs");
}

START_TEST(test_open_frr)
{
	struct bgp_open want;
	struct bgp_caps *c = &want.caps;

	ck_assert_uint_eq(sizeof(frr_open), 99);
	bgp_open_init(&want, 65001, 180, 0xc0000201);
	c->mp_present = true;
	c->mp_afsafi = BGP_AFSAFI_ALL;
	c->route_refresh = c->enhanced_route_refresh = c->extended_message = true;
	c->addpath_count = 2;
	c->addpath[0] = (struct bgp_cap_addpath){1, 1, BGP_ADDPATH_RECEIVE};
	c->addpath[1] = (struct bgp_cap_addpath){2, 1, BGP_ADDPATH_RECEIVE};
	c->fqdn = true;
	strcpy(c->hostname, "r1");
	c->gr.present = c->gr.notification = true;
	c->gr.restart_time = 120;
	c->unknown_count = 1;
	c->unknown[0] = BGP_CAP_LONG_LIVED_GR;
	expect_open(frr_open, sizeof(frr_open), &want);
	ck_assert_uint_eq(bgp_open_peer_as(&want), 65001);
}
END_TEST

START_TEST(test_open_bird)
{
	struct bgp_open want;
	struct bgp_caps *c = &want.caps;

	ck_assert_uint_eq(sizeof(bird_open), 59);
	/* bgp_open_init puts AS_TRANS in the 2-byte field, as BIRD did. */
	bgp_open_init(&want, 4200000001u, 240, 0xc6336407);
	ck_assert_uint_eq(want.my_as_2byte, BGP_AS_TRANS);
	c->mp_present = true;
	c->mp_afsafi = BGP_AFSAFI_ALL;
	c->route_refresh = c->enhanced_route_refresh = true;
	c->gr.present = true;
	c->gr.restart_time = 120;
	c->unknown_count = 1;
	c->unknown[0] = BGP_CAP_LONG_LIVED_GR;
	expect_open(bird_open, sizeof(bird_open), &want);
	ck_assert_uint_eq(bgp_open_peer_as(&want), 4200000001u);
}
END_TEST

/* --- truncation -------------------------------------------------------------------- */

/* Every cut of a valid OPEN: the splitter waits for the rest, and the
 * parser, given the cut message as if the peer had sent it, rejects it
 * with Bad Message Length (shorter than 29) or Unspecific. */
static void check_all_cuts(const uint8_t *full, size_t full_len)
{
	for (size_t cut = 0; cut < full_len; cut++) {
		uint8_t *copy = exact_copy(full, cut);
		struct bgp_header hdr;
		struct bgp_error err;
		struct bgp_open open;
		size_t need;

		ck_assert_int_eq(bgp_msg_split(copy, cut, NULL, &hdr, &need, &err), BGP_SPLIT_MORE);
		ck_assert_uint_eq(need, cut < BGP_HEADER_LEN ? BGP_HEADER_LEN : full_len);
		if (cut >= BGP_HEADER_LEN) {
			copy[16] = (uint8_t)(cut >> 8);
			copy[17] = (uint8_t)cut;
		}
		memset(&err, 0xaa, sizeof(err));
		ck_assert_int_eq(bgp_open_parse(copy, cut, &open, &err), -1);
		if (cut < BGP_OPEN_MIN_LEN) {
			const uint8_t want[2] = {0, (uint8_t)cut};
			assert_error(&err, 1, 2, want, 2, "short cut");
		} else {
			assert_error(&err, 2, 0, NULL, 0, "cut");
		}
		free(copy);
	}
}

START_TEST(test_open_every_cut)
{
	check_all_cuts(frr_open, sizeof(frr_open));
	check_all_cuts(bird_open, sizeof(bird_open));
}
END_TEST

/* Cuts inside the parameters with every length field made consistent
 * around them: only cuts on a parameter boundary still parse. */
START_TEST(test_open_cut_parameters)
{
	const size_t fixed = BGP_HEADER_LEN + 10;

	for (size_t opt = 0; opt <= sizeof(frr_open) - fixed; opt++) {
		size_t len = fixed + opt;
		uint8_t *copy = exact_copy(frr_open, len);
		struct bgp_error err;
		struct bgp_open open;
		bool boundary = false;

		copy[17] = (uint8_t)len;
		copy[fixed - 1] = (uint8_t)opt;
		for (size_t i = 0; i < sizeof(frr_param_ends) / sizeof(frr_param_ends[0]); i++)
			boundary |= frr_param_ends[i] == opt;
		int rc = bgp_open_parse(copy, len, &open, &err);
		ck_assert_msg((rc == 0) == boundary, "opt %zu: rc %d", opt, rc);
		if (rc != 0)
			assert_error(&err, 2, 0, NULL, 0, "parameter cut");
		free(copy);
	}
}
END_TEST

/* --- round trips -------------------------------------------------------------------- */

static void roundtrip_open(const struct bgp_open *in, size_t *out_len, uint8_t *first_opt)
{
	uint8_t buf[BGP_MAX_LEN];
	struct builder b;
	struct bgp_header hdr;
	struct bgp_error err;
	struct bgp_open out;
	size_t need;

	builder_init_fixed(&b, buf, sizeof(buf));
	ck_assert_int_eq(bgp_open_build(&b, in), 0);
	size_t len = builder_len(&b);
	ck_assert_int_eq(bgp_msg_split(buf, len, NULL, &hdr, &need, &err), BGP_SPLIT_MESSAGE);
	ck_assert_uint_eq(need, len);
	int rc = bgp_open_parse(buf, len, &out, &err);
	ck_assert_msg(rc == 0, "parse of built OPEN: %u/%u", err.code, err.subcode);
	ck_assert_msg(memcmp(&out, in, sizeof(out)) == 0, "OPEN differs after round trip");
	if (out_len != NULL)
		*out_len = len;
	if (first_opt != NULL)
		memcpy(first_opt, buf + BGP_HEADER_LEN + 9, 4);
}

static void full_open(struct bgp_open *o, uint32_t asn)
{
	bgp_open_init(o, asn, 90, 0x0a000001);
	o->caps.mp_present = true;
	o->caps.mp_afsafi = BGP_AFSAFI_ALL;
	o->caps.route_refresh = true;
	o->caps.enhanced_route_refresh = true;
	o->caps.extended_message = true;
	o->caps.gr.present = true;
	o->caps.gr.restart = true;
	o->caps.gr.notification = true;
	o->caps.gr.restart_time = 4095;
	o->caps.gr.afsafi = BGP_AFSAFI_ALL;
	o->caps.gr.forwarding = BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST);
	o->caps.ext_nh_count = 1;
	o->caps.ext_nh[0] = (struct bgp_cap_ext_nh){1, 1, 2};
	o->caps.addpath_count = 2;
	o->caps.addpath[0] = (struct bgp_cap_addpath){1, 1, BGP_ADDPATH_BOTH};
	o->caps.addpath[1] = (struct bgp_cap_addpath){2, 1, BGP_ADDPATH_RECEIVE};
	o->caps.fqdn = true;
	strcpy(o->caps.hostname, "gw1");
	strcpy(o->caps.domain, "example.net");
}

START_TEST(test_roundtrip_open)
{
	struct bgp_open o;
	uint8_t opt[4];
	size_t len;

	full_open(&o, 65001);
	roundtrip_open(&o, &len, opt);
	ck_assert_uint_lt(len, 19 + 10 + 255);
	ck_assert_uint_eq(opt[1], BGP_OPT_PARAM_CAPABILITIES);

	full_open(&o, 4200000001u);
	ck_assert_uint_eq(o.my_as_2byte, BGP_AS_TRANS);
	roundtrip_open(&o, NULL, NULL);

	/* No capabilities at all: Optional Parameters Length 0. */
	memset(&o, 0, sizeof(o));
	o.version = 4;
	o.my_as_2byte = 64512;
	o.hold_time = 0;
	o.bgp_id = 1;
	roundtrip_open(&o, &len, opt);
	ck_assert_uint_eq(len, BGP_OPEN_MIN_LEN);
	ck_assert_uint_eq(opt[0], 0);
}
END_TEST

/* Past 255 bytes of capabilities the builder switches to RFC 9072. */
START_TEST(test_roundtrip_open_extended)
{
	struct bgp_open o;
	uint8_t opt[4];
	size_t len;

	full_open(&o, 65001);
	memset(o.caps.hostname, 'h', 200);
	o.caps.hostname[200] = '\0';
	memset(o.caps.domain, 'd', 51);
	o.caps.domain[51] = '\0';
	roundtrip_open(&o, &len, opt);
	ck_assert_uint_gt(len, 19 + 10 + 255);
	ck_assert_uint_eq(opt[0], 255);
	ck_assert_uint_eq(opt[1], 255);
	ck_assert_uint_eq((size_t)(opt[2] << 8 | opt[3]), len - 19 - 13);
}
END_TEST

enum spoil { HOLD1, HOLD2, ID0, AS4_0, AS2_0, GR_TIME, FQDN_LONG, DOMAIN_UNTERMINATED };

/* Things a peer would have to refuse, or that do not fit, are not built. */
static void spoil(struct bgp_open *o, enum spoil how)
{
	switch (how) {
	case HOLD1:
	case HOLD2:
		o->hold_time = how == HOLD1 ? 1 : 2;
		break;
	case ID0:
		o->bgp_id = 0;
		break;
	case AS4_0:
		o->caps.as4_as = 0;
		break;
	case AS2_0:
		o->caps.as4 = false;
		o->my_as_2byte = 0;
		break;
	case GR_TIME:
		o->caps.gr.restart_time = 4096;
		break;
	case FQDN_LONG: /* 200 + 60 bytes of names: over one capability */
		memset(o->caps.hostname, 'h', 200);
		o->caps.hostname[200] = '\0';
		memset(o->caps.domain, 'd', 60);
		o->caps.domain[60] = '\0';
		break;
	case DOMAIN_UNTERMINATED:
		memset(o->caps.domain, 'd', sizeof(o->caps.domain));
		break;
	}
}

START_TEST(test_open_build_refuses)
{
	uint8_t buf[BGP_MAX_LEN];
	struct builder b;
	struct bgp_open o;

	full_open(&o, 65001);
	spoil(&o, (enum spoil)_i);
	builder_init_fixed(&b, buf, sizeof(buf));
	ck_assert_msg(bgp_open_build(&b, &o) == -1, "spoil %d: built", _i);
	ck_assert(!builder_ok(&b));
	/* The sticky error holds for whatever comes next. */
	ck_assert_int_eq(bgp_keepalive_build(&b), -1);
}
END_TEST

START_TEST(test_open_build_too_big)
{
	uint8_t buf[100];
	struct builder b;
	struct bgp_open o;

	full_open(&o, 65001);
	builder_init_fixed(&b, buf, sizeof(buf));
	ck_assert_int_eq(bgp_open_build(&b, &o), -1);
	ck_assert(!builder_ok(&b));
}
END_TEST

/* --- AS_TRANS (RFC 6793) ------------------------------------------------------------ */

struct as_case {
	bool as4;
	uint32_t as4_as;
	uint16_t my_as_2byte;
	uint8_t want_wire[2];
	uint32_t want_peer_as;
};

/* clang-format off */
static const struct as_case as_cases[] = {
	{true, 65001, 0, {0xfd, 0xe9}, 65001},
	{true, 65535, 0, {0xff, 0xff}, 65535},
	{true, 65536, 0, {0x5b, 0xa0}, 65536},
	{true, 4200000001u, 0, {0x5b, 0xa0}, 4200000001u},
	{true, 23456, 0, {0x5b, 0xa0}, 23456},
	/* An old speaker: no AS4 capability, its 2-byte AS is its AS. */
	{false, 0, 64512, {0xfc, 0x00}, 64512},
	/* AS_TRANS without the capability: that is all anyone can know. */
	{false, 0, 23456, {0x5b, 0xa0}, 23456},
};
/* clang-format on */

START_TEST(test_as_trans)
{
	const struct as_case *tc = &as_cases[_i];
	uint8_t buf[128];
	struct builder b;
	struct bgp_open o, parsed;
	struct bgp_error err;

	memset(&o, 0, sizeof(o));
	o.hold_time = 180;
	o.bgp_id = 7;
	o.caps.as4 = tc->as4;
	o.caps.as4_as = tc->as4_as;
	o.my_as_2byte = tc->my_as_2byte;
	builder_init_fixed(&b, buf, sizeof(buf));
	ck_assert_int_eq(bgp_open_build(&b, &o), 0);
	ck_assert_mem_eq(buf + 20, tc->want_wire, 2);
	ck_assert_int_eq(bgp_open_parse(buf, builder_len(&b), &parsed, &err), 0);
	ck_assert_uint_eq(bgp_open_peer_as(&parsed), tc->want_peer_as);
	ck_assert(parsed.caps.as4 == tc->as4);
}
END_TEST

START_TEST(test_open_init)
{
	struct bgp_open o;

	bgp_open_init(&o, 4200000001u, 180, 0xc0000201);
	ck_assert_uint_eq(o.version, 4);
	ck_assert_uint_eq(o.my_as_2byte, BGP_AS_TRANS);
	ck_assert(o.caps.as4);
	ck_assert_uint_eq(bgp_open_peer_as(&o), 4200000001u);
	bgp_open_init(&o, 65010, 180, 1);
	ck_assert_uint_eq(o.my_as_2byte, 65010);
}
END_TEST

/* --- negotiation ---------------------------------------------------------------------- */

START_TEST(test_negotiate_full)
{
	struct bgp_open ours, theirs;
	struct bgp_negotiated n;

	full_open(&ours, 65001);
	ck_assert_int_eq(
	    bgp_open_parse(frr_open, sizeof(frr_open), &theirs, &(struct bgp_error){0}), 0);
	bgp_negotiate(&ours, &theirs, &n);
	ck_assert_uint_eq(n.peer_as, 65001);
	ck_assert_uint_eq(n.hold_time, 90);
	ck_assert_uint_eq(n.keepalive_time, 30);
	ck_assert_uint_eq(n.afsafi, BGP_AFSAFI_ALL);
	ck_assert(n.as4 && n.route_refresh && n.enhanced_refresh && n.extended_message);
	ck_assert_uint_eq(n.rx_max_len, BGP_EXTENDED_MAX_LEN);
	ck_assert_uint_eq(n.tx_max_len, BGP_EXTENDED_MAX_LEN);
	ck_assert(n.graceful_restart);
	ck_assert(n.peer_gr.present && n.peer_gr.notification);
	ck_assert_uint_eq(n.peer_gr.restart_time, 120);
}
END_TEST

START_TEST(test_negotiate_bird)
{
	struct bgp_open ours, theirs;
	struct bgp_negotiated n;

	full_open(&ours, 65001);
	ours.caps.mp_afsafi = BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST);
	ours.hold_time = 300;
	ck_assert_int_eq(
	    bgp_open_parse(bird_open, sizeof(bird_open), &theirs, &(struct bgp_error){0}), 0);
	bgp_negotiate(&ours, &theirs, &n);
	ck_assert_uint_eq(n.peer_as, 4200000001u);
	ck_assert_uint_eq(n.hold_time, 240);
	ck_assert_uint_eq(n.keepalive_time, 80);
	ck_assert_uint_eq(n.afsafi, BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST));
	ck_assert(n.enhanced_refresh);
	/* We may receive extended messages; they never asked for them. */
	ck_assert(!n.extended_message);
	ck_assert_uint_eq(n.rx_max_len, BGP_EXTENDED_MAX_LEN);
	ck_assert_uint_eq(n.tx_max_len, BGP_MAX_LEN);
}
END_TEST

struct neg_case {
	const char *name;
	bool ours_mp, theirs_mp;
	uint32_t ours_af, theirs_af;
	uint16_t theirs_mp_unknown;
	uint32_t want_af;
};

/* clang-format off */
static const struct neg_case neg_cases[] = {
	{"both v4+v6", true, true, BGP_AFSAFI_ALL, BGP_AFSAFI_ALL, 0, BGP_AFSAFI_ALL},
	{"peer without MP speaks v4", true, false, BGP_AFSAFI_ALL, 0, 0,
	 BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST)},
	{"neither has MP", false, false, 0, 0, 0, BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST)},
	{"us without MP, peer v6 only", false, true, 0, BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST), 0,
	 0},
	{"peer only unknown families", true, true, BGP_AFSAFI_ALL, 0, 1, 0},
	{"v6 on both, v4 on one", true, true, BGP_AFSAFI_ALL,
	 BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST), 0, BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST)},
};
/* clang-format on */

START_TEST(test_negotiate_families)
{
	const struct neg_case *tc = &neg_cases[_i];
	struct bgp_open ours, theirs;
	struct bgp_negotiated n;

	bgp_open_init(&ours, 65001, 180, 1);
	bgp_open_init(&theirs, 65002, 0, 2);
	ours.caps.mp_present = tc->ours_mp;
	ours.caps.mp_afsafi = tc->ours_af;
	theirs.caps.mp_present = tc->theirs_mp;
	theirs.caps.mp_afsafi = tc->theirs_af;
	theirs.caps.mp_unknown = tc->theirs_mp_unknown;
	bgp_negotiate(&ours, &theirs, &n);
	ck_assert_msg(n.afsafi == tc->want_af, "%s: %#x", tc->name, n.afsafi);
	/* Hold time 0 on either side: no keepalives, no hold timer. */
	ck_assert_uint_eq(n.hold_time, 0);
	ck_assert_uint_eq(n.keepalive_time, 0);
	ck_assert(!n.route_refresh && !n.extended_message && !n.graceful_restart);
	ck_assert_uint_eq(n.rx_max_len, BGP_MAX_LEN);
}
END_TEST

/* The negotiated state feeds the header checks. */
START_TEST(test_negotiated_limits)
{
	struct bgp_open ours, theirs;
	struct bgp_negotiated n;
	struct bgp_header hdr;
	struct bgp_error err;
	size_t need;
	const uint8_t rr24[] = {MARKER, 0, 24, 5};
	const uint8_t upd5000[] = {MARKER, 0x13, 0x88, 2};

	bgp_open_init(&ours, 65001, 180, 1);
	bgp_open_init(&theirs, 65002, 180, 2);
	bgp_negotiate(&ours, &theirs, &n);
	ck_assert_int_eq(bgp_msg_split(rr24, sizeof(rr24), &n, &hdr, &need, &err), BGP_SPLIT_ERROR);
	ck_assert_int_eq(bgp_msg_split(upd5000, sizeof(upd5000), &n, &hdr, &need, &err),
	                 BGP_SPLIT_ERROR);
	ours.caps.enhanced_route_refresh = theirs.caps.enhanced_route_refresh = true;
	ours.caps.extended_message = true;
	bgp_negotiate(&ours, &theirs, &n);
	ck_assert_int_eq(bgp_msg_split(rr24, sizeof(rr24), &n, &hdr, &need, &err), BGP_SPLIT_MORE);
	ck_assert_int_eq(bgp_msg_split(upd5000, sizeof(upd5000), &n, &hdr, &need, &err),
	                 BGP_SPLIT_MORE);
	ck_assert_uint_eq(need, 5000);
}
END_TEST

/* --- NOTIFICATION ------------------------------------------------------------------------ */

START_TEST(test_roundtrip_notification)
{
	static const struct bgp_error cases[] = {
	    {BGP_ERR_HOLD_TIMER, 0, 0, {0}},
	    {BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, 2, {0x10, 0x01}},
	    {BGP_ERR_OPEN, BGP_OPEN_UNSUPPORTED_VERSION, 2, {0, 4}},
	    {BGP_ERR_CEASE, BGP_CEASE_PEER_DECONFIGURED, 0, {0}},
	    {BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN, 4, {3, 'b', 'y', 'e'}},
	    {200, 17, 3, {1, 2, 3}},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[512];
		struct builder b;
		struct bgp_header hdr;
		struct bgp_error err, out;
		size_t need;

		builder_init_fixed(&b, buf, sizeof(buf));
		ck_assert_int_eq(bgp_notification_build(&b, &cases[i]), 0);
		ck_assert_uint_eq(builder_len(&b), 21 + cases[i].data_len);
		ck_assert_int_eq(bgp_msg_split(buf, builder_len(&b), NULL, &hdr, &need, &err),
		                 BGP_SPLIT_MESSAGE);
		ck_assert_uint_eq(hdr.type, BGP_MSG_NOTIFICATION);
		ck_assert_int_eq(bgp_notification_parse(buf, need, &out), 0);
		assert_error(&out, cases[i].code, cases[i].subcode, cases[i].data,
		             cases[i].data_len, "notification");
	}
}
END_TEST

START_TEST(test_notification_parse_edges)
{
	uint8_t msg[400];
	struct bgp_error out;
	const uint8_t body[] = {6, 2};

	size_t len = wrap(msg, sizeof(msg), BGP_MSG_NOTIFICATION, body, sizeof(body));
	ck_assert_int_eq(bgp_notification_parse(msg, len - 1, &out), -1);
	ck_assert_int_eq(bgp_notification_parse(msg, len, &out), 0);
	assert_error(&out, 6, 2, NULL, 0, "no data");

	/* More data than we keep (a NOTIFICATION from an extended-message
	 * peer may be long): the start is kept. */
	memset(msg + len, 0x5a, sizeof(msg) - len);
	ck_assert_int_eq(bgp_notification_parse(msg, sizeof(msg), &out), 0);
	ck_assert_uint_eq(out.data_len, BGP_ERROR_DATA_MAX);
	ck_assert_uint_eq(out.data[BGP_ERROR_DATA_MAX - 1], 0x5a);

	struct builder b;
	struct bgp_error too_long = {.code = 6, .data_len = BGP_ERROR_DATA_MAX + 1};
	builder_init_fixed(&b, msg, sizeof(msg));
	ck_assert_int_eq(bgp_notification_build(&b, &too_long), -1);
}
END_TEST

struct name_case {
	uint8_t code, subcode;
	const char *want;
};

/* clang-format off */
static const struct name_case name_cases[] = {
	{6, 2, "Cease/Administrative Shutdown"},
	{6, 4, "Cease/Administrative Reset"},
	{6, 3, "Cease/Peer De-configured"},
	{6, 10, "Cease/BFD Down"},
	{6, 0, "Cease/Unspecific"},
	{6, 99, "Cease/Unrecognized Error Subcode"},
	{2, 2, "OPEN Message Error/Bad Peer AS"},
	{2, 0, "OPEN Message Error/Unspecific"},
	{2, 1, "OPEN Message Error/Unsupported Version Number"},
	{2, 7, "OPEN Message Error/Unsupported Capability"},
	{2, 11, "OPEN Message Error/Role Mismatch"},
	{2, 5, "OPEN Message Error/Unrecognized Error Subcode"},
	{4, 0, "Hold Timer Expired"},
	{8, 0, "Send Hold Timer Expired"},
	{1, 1, "Message Header Error/Connection Not Synchronized"},
	{1, 2, "Message Header Error/Bad Message Length"},
	{1, 3, "Message Header Error/Bad Message Type"},
	{3, 11, "UPDATE Message Error/Malformed AS_PATH"},
	{3, 7, "UPDATE Message Error/Unrecognized Error Subcode"},
	{5, 1, "Neighbor Events Error/Receive Unexpected Message in OpenSent State"},
	{7, 1, "ROUTE-REFRESH Message Error/Invalid Message Length"},
	{0, 0, "Unrecognized Error Code"},
	{9, 1, "Unrecognized Error Code"},
};
/* clang-format on */

START_TEST(test_error_names)
{
	const struct name_case *tc = &name_cases[_i];
	struct bgp_error e = {.code = tc->code, .subcode = tc->subcode};
	char buf[BGP_ERROR_NAME_MAX];

	ck_assert_str_eq(bgp_error_format(&e, buf, sizeof(buf)), tc->want);
}
END_TEST

START_TEST(test_error_format_small)
{
	struct bgp_error e = {.code = 6, .subcode = 2};
	char buf[6];

	ck_assert_str_eq(bgp_error_format(&e, buf, sizeof(buf)), "Cease");
	ck_assert_str_eq(bgp_msg_type_name(BGP_MSG_OPEN), "OPEN");
	ck_assert_str_eq(bgp_msg_type_name(BGP_MSG_UPDATE), "UPDATE");
	ck_assert_str_eq(bgp_msg_type_name(BGP_MSG_NOTIFICATION), "NOTIFICATION");
	ck_assert_str_eq(bgp_msg_type_name(BGP_MSG_KEEPALIVE), "KEEPALIVE");
	ck_assert_str_eq(bgp_msg_type_name(BGP_MSG_ROUTE_REFRESH), "ROUTE-REFRESH");
	ck_assert_str_eq(bgp_msg_type_name(9), "Unknown");
}
END_TEST

START_TEST(test_error_add_capability)
{
	struct bgp_error e;
	const uint8_t mp_v6[] = {0, 2, 0, 1};
	const uint8_t want[] = {1, 4, 0, 2, 0, 1, 65, 0};
	uint8_t big[250] = {0};

	bgp_error_set(&e, BGP_ERR_CEASE, 1, "junk", 4);
	ck_assert_int_eq(bgp_error_add_capability(&e, BGP_CAP_MULTIPROTOCOL, mp_v6, 4), 0);
	ck_assert_int_eq(bgp_error_add_capability(&e, BGP_CAP_AS4, NULL, 0), 0);
	assert_error(&e, 2, 7, want, sizeof(want), "two capabilities");
	ck_assert_int_eq(bgp_error_add_capability(&e, 200, big, 250), -1);
	ck_assert_uint_eq(e.data_len, sizeof(want));
}
END_TEST

/* --- shutdown communication (RFC 9003) ---------------------------------------------------- */

START_TEST(test_shutdown_roundtrip)
{
	static const char *texts[] = {
	    "maintenance, back at 10:00 UTC",
	    /* Russian: the multibyte text RFC 9003 raised the limit for */
	    ("\xd0\xbf\xd0\xbb\xd0\xb0\xd0\xbd\xd0\xbe\xd0\xb2\xd1\x8b\xd0\xb5 "
	     "\xd1\x80\xd0\xb0\xd0\xb1\xd0\xbe\xd1\x82\xd1\x8b"),
	    "\xf0\x9f\x9b\xa0 tools",
	};
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct bgp_error e, parsed;
		uint8_t buf[512];
		struct builder b;
		char out[BGP_SHUTDOWN_TEXT_SIZE];

		ck_assert_int_eq(bgp_error_set_shutdown(&e, BGP_CEASE_ADMIN_RESET, texts[i]), 0);
		ck_assert_uint_eq(e.data[0], strlen(texts[i]));
		builder_init_fixed(&b, buf, sizeof(buf));
		ck_assert_int_eq(bgp_notification_build(&b, &e), 0);
		ck_assert_int_eq(bgp_notification_parse(buf, builder_len(&b), &parsed), 0);
		ck_assert_int_eq(bgp_error_shutdown_text(&parsed, out, sizeof(out)),
		                 BGP_SHUTDOWN_TEXT_OK);
		ck_assert_str_eq(out, texts[i]);
	}
}
END_TEST

START_TEST(test_shutdown_build_limits)
{
	struct bgp_error e = {0};
	char text[BGP_SHUTDOWN_COMM_MAX + 2];
	char out[BGP_SHUTDOWN_TEXT_SIZE];

	memset(text, 'x', sizeof(text) - 1);
	text[BGP_SHUTDOWN_COMM_MAX] = '\0';
	ck_assert_int_eq(bgp_error_set_shutdown(&e, BGP_CEASE_ADMIN_SHUTDOWN, text), 0);
	ck_assert_uint_eq(e.data_len, 256);
	ck_assert_int_eq(bgp_error_shutdown_text(&e, out, sizeof(out)), BGP_SHUTDOWN_TEXT_OK);
	ck_assert_uint_eq(strlen(out), 255);

	text[BGP_SHUTDOWN_COMM_MAX] = 'x';
	text[BGP_SHUTDOWN_COMM_MAX + 1] = '\0';
	e.code = 0;
	ck_assert_int_eq(bgp_error_set_shutdown(&e, BGP_CEASE_ADMIN_SHUTDOWN, text), -1);
	ck_assert_uint_eq(e.code, 0);
	ck_assert_int_eq(bgp_error_set_shutdown(&e, BGP_CEASE_PEER_DECONFIGURED, "x"), -1);

	static const char *invalid[] = {
	    "\xc0\xaf",         /* overlong '/' */
	    "\xe0\x80\xaf",     /* overlong, three bytes */
	    "\xed\xa0\x80",     /* UTF-16 surrogate */
	    "\xf4\x90\x80\x80", /* past U+10FFFF */
	    "\xf5\x80\x80\x80",
	    "\xe2\x82", /* cut short */
	    "\x80",     /* lone continuation */
	    "\xff",
	};
	for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++)
		ck_assert_msg(bgp_error_set_shutdown(&e, 2, invalid[i]) == -1, "invalid %zu", i);

	ck_assert_int_eq(bgp_error_set_shutdown(&e, 2, ""), 0);
	ck_assert_uint_eq(e.data_len, 0);
	ck_assert_int_eq(bgp_error_shutdown_text(&e, out, sizeof(out)), BGP_SHUTDOWN_TEXT_NONE);
	ck_assert_int_eq(bgp_error_set_shutdown(&e, 4, NULL), 0);
	ck_assert_uint_eq(e.subcode, 4);
}
END_TEST

struct shutdown_rx_case {
	const char *name;
	uint8_t code, subcode;
	uint8_t data[12];
	size_t data_len;
	enum bgp_shutdown_text want;
	const char *want_text;
};

/* clang-format off */
static const struct shutdown_rx_case shutdown_rx_cases[] = {
	{"plain", 6, 2, {3, 'b', 'y', 'e'}, 4, BGP_SHUTDOWN_TEXT_OK, "bye"},
	{"reset", 6, 4, {2, 'o', 'k'}, 3, BGP_SHUTDOWN_TEXT_OK, "ok"},
	{"no data", 6, 2, {0}, 0, BGP_SHUTDOWN_TEXT_NONE, ""},
	{"length 0", 6, 2, {0}, 1, BGP_SHUTDOWN_TEXT_NONE, ""},
	{"other cease", 6, 3, {3, 'b', 'y', 'e'}, 4, BGP_SHUTDOWN_TEXT_NONE, ""},
	{"not cease", 2, 2, {3, 'b', 'y', 'e'}, 4, BGP_SHUTDOWN_TEXT_NONE, ""},
	{"length overruns", 6, 2, {5, 'b', 'y'}, 3, BGP_SHUTDOWN_TEXT_INVALID, ""},
	{"bytes after", 6, 2, {2, 'b', 'y', 'e'}, 4, BGP_SHUTDOWN_TEXT_INVALID, ""},
	{"length 0, bytes after", 6, 2, {0, 'x'}, 2, BGP_SHUTDOWN_TEXT_INVALID, ""},
	{"not UTF-8", 6, 2, {3, 'b', 0xff, 'e'}, 4, BGP_SHUTDOWN_TEXT_INVALID, ""},
	{"overlong", 6, 2, {2, 0xc0, 0xaf}, 3, BGP_SHUTDOWN_TEXT_INVALID, ""},
	{"controls", 6, 2, {4, 'a', '\n', 0x1b, 'b'}, 5, BGP_SHUTDOWN_TEXT_OK, "a??b"},
};
/* clang-format on */

START_TEST(test_shutdown_receive)
{
	const struct shutdown_rx_case *tc = &shutdown_rx_cases[_i];
	struct bgp_error e;
	char out[BGP_SHUTDOWN_TEXT_SIZE];

	bgp_error_set(&e, tc->code, tc->subcode, tc->data, tc->data_len);
	ck_assert_msg(bgp_error_shutdown_text(&e, out, sizeof(out)) == tc->want, "%s", tc->name);
	ck_assert_str_eq(out, tc->want_text);
}
END_TEST

START_TEST(test_shutdown_small_buffer)
{
	struct bgp_error e;
	char out[3];

	/* "h\xc3\xa9llo": a 2-byte buffer keeps "h", not half of the e-acute. */
	ck_assert_int_eq(bgp_error_set_shutdown(&e, 2, "h\xc3\xa9llo"), 0);
	ck_assert_int_eq(bgp_error_shutdown_text(&e, out, sizeof(out)), BGP_SHUTDOWN_TEXT_OK);
	ck_assert_str_eq(out, "h");
	ck_assert_int_eq(bgp_error_shutdown_text(&e, out, 0), BGP_SHUTDOWN_TEXT_OK);
}
END_TEST

/* --- KEEPALIVE and ROUTE-REFRESH ------------------------------------------------------------ */

START_TEST(test_keepalive)
{
	const uint8_t want[] = {MARKER, 0, 19, 4};
	uint8_t buf[64];
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	ck_assert_int_eq(bgp_keepalive_build(&b), 0);
	ck_assert_uint_eq(builder_len(&b), 38);
	ck_assert_mem_eq(buf, want, sizeof(want));
	ck_assert_mem_eq(buf + 19, want, sizeof(want));

	builder_init_fixed(&b, buf, 18);
	ck_assert_int_eq(bgp_keepalive_build(&b), -1);
}
END_TEST

START_TEST(test_roundtrip_refresh)
{
	static const struct bgp_refresh cases[] = {
	    {1, BGP_REFRESH_NORMAL, 1},
	    {2, BGP_REFRESH_BORR, 1},
	    {2, BGP_REFRESH_EORR, 1},
	};
	const uint8_t want0[] = {MARKER, 0, 23, 5, 0, 1, 0, 1};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t buf[64];
		struct builder b;
		struct bgp_negotiated negbuf;
		struct bgp_header hdr;
		struct bgp_error err;
		struct bgp_refresh out;
		size_t need;
		const struct bgp_negotiated *neg = neg_of(NEG_ERR, &negbuf);

		builder_init_fixed(&b, buf, sizeof(buf));
		ck_assert_int_eq(bgp_refresh_build(&b, &cases[i]), 0);
		if (i == 0)
			ck_assert_mem_eq(buf, want0, sizeof(want0));
		ck_assert_int_eq(bgp_msg_split(buf, builder_len(&b), neg, &hdr, &need, &err),
		                 BGP_SPLIT_MESSAGE);
		ck_assert_int_eq(bgp_refresh_parse(buf, need, neg, &out, &err),
		                 BGP_REFRESH_PARSE_OK);
		ck_assert_mem_eq(&out, &cases[i], sizeof(out));
	}
}
END_TEST

struct refresh_case {
	const char *name;
	enum neg_kind neg;
	uint8_t body[12];
	size_t body_len;
	enum bgp_refresh_parse want;
	uint8_t want_subtype;
	uint8_t code, subcode;
};

/* clang-format off */
static const struct refresh_case refresh_cases[] = {
	{"RFC 2918", NEG_NONE, {0, 1, 0, 1}, 4, BGP_REFRESH_PARSE_OK, 0, 0, 0},
	{"RFC 2918 reserved ignored", NEG_NONE, {0, 1, 1, 1}, 4, BGP_REFRESH_PARSE_OK, 0, 0, 0},
	{"RFC 2918 too long", NEG_NONE, {0, 1, 0, 1, 0}, 5, BGP_REFRESH_PARSE_ERROR, 0, 1, 2},
	{"too short", NEG_ERR, {0, 1, 0}, 3, BGP_REFRESH_PARSE_ERROR, 0, 1, 2},
	{"BoRR", NEG_ERR, {0, 2, 1, 1}, 4, BGP_REFRESH_PARSE_OK, 1, 0, 0},
	{"EoRR", NEG_ERR, {0, 2, 2, 1}, 4, BGP_REFRESH_PARSE_OK, 2, 0, 0},
	{"BoRR too long", NEG_ERR, {0, 2, 1, 1, 0}, 5, BGP_REFRESH_PARSE_ERROR, 1, 7, 1},
	{"EoRR too long", NEG_ERR, {0, 2, 2, 1, 9, 9, 9, 9}, 8, BGP_REFRESH_PARSE_ERROR, 2, 7, 1},
	{"normal with ORF bytes", NEG_ERR, {0, 1, 0, 1, 1, 64, 0}, 7, BGP_REFRESH_PARSE_OK, 0, 0,
	 0},
	{"subtype 3", NEG_ERR, {0, 1, 3, 1}, 4, BGP_REFRESH_PARSE_IGNORE, 3, 0, 0},
	{"subtype 255, long", NEG_ERR, {0, 1, 255, 1, 0, 0, 0}, 7, BGP_REFRESH_PARSE_IGNORE, 255,
	 0, 0},
};
/* clang-format on */

START_TEST(test_refresh_table)
{
	const struct refresh_case *tc = &refresh_cases[_i];
	uint8_t msg[64];
	struct bgp_negotiated negbuf;
	struct bgp_refresh out;
	struct bgp_error err;
	size_t len = wrap(msg, sizeof(msg), BGP_MSG_ROUTE_REFRESH, tc->body, tc->body_len);
	uint8_t *copy = exact_copy(msg, len);

	enum bgp_refresh_parse got =
	    bgp_refresh_parse(copy, len, neg_of(tc->neg, &negbuf), &out, &err);
	ck_assert_msg(got == tc->want, "%s: %d", tc->name, got);
	if (got == BGP_REFRESH_PARSE_ERROR) {
		ck_assert_msg(err.code == tc->code && err.subcode == tc->subcode, "%s: %u/%u",
		              tc->name, err.code, err.subcode);
		if (tc->code == BGP_ERR_ROUTE_REFRESH)
			/* RFC 7313 section 5: the whole message is the data. */
			assert_error(&err, tc->code, tc->subcode, msg, len, tc->name);
		else
			ck_assert_uint_eq(err.data_len, 2);
	} else {
		ck_assert_uint_eq(out.subtype, tc->want_subtype);
		ck_assert_uint_eq(out.afi, tc->body[1]);
	}
	free(copy);
}
END_TEST

/* A long BoRR's data is cut at what struct bgp_error holds. */
START_TEST(test_refresh_long_borr)
{
	uint8_t msg[4000];
	uint8_t body[4000 - 19];
	struct bgp_negotiated negbuf;
	struct bgp_refresh out;
	struct bgp_error err;

	memset(body, 0x11, sizeof(body));
	body[2] = BGP_REFRESH_BORR;
	size_t len = wrap(msg, sizeof(msg), BGP_MSG_ROUTE_REFRESH, body, sizeof(body));
	ck_assert_int_eq(bgp_refresh_parse(msg, len, neg_of(NEG_ERR, &negbuf), &out, &err),
	                 BGP_REFRESH_PARSE_ERROR);
	assert_error(&err, 7, 1, msg, BGP_ERROR_DATA_MAX, "long BoRR");
}
END_TEST

START_TEST(test_afsafi)
{
	uint16_t afi;
	uint8_t safi;

	ck_assert_int_eq(bgp_afsafi_from_wire(1, 1), BGP_AFSAFI_IPV4_UNICAST);
	ck_assert_int_eq(bgp_afsafi_from_wire(2, 1), BGP_AFSAFI_IPV6_UNICAST);
	ck_assert_int_eq(bgp_afsafi_from_wire(1, 2), -1);
	ck_assert_int_eq(bgp_afsafi_from_wire(25, 70), -1);
	ck_assert_int_eq(bgp_afsafi_to_wire(BGP_AFSAFI_IPV6_UNICAST, &afi, &safi), 0);
	ck_assert_uint_eq(afi, 2);
	ck_assert_uint_eq(safi, 1);
	ck_assert_int_eq(bgp_afsafi_to_wire(BGP_AFSAFI_COUNT, &afi, &safi), -1);
	ck_assert_str_eq(bgp_afsafi_name(BGP_AFSAFI_IPV4_UNICAST), "IPv4 Unicast");
	ck_assert_str_eq(bgp_afsafi_name(BGP_AFSAFI_COUNT), "Unknown");
}
END_TEST

#define N(t) ((int)(sizeof(t) / sizeof((t)[0])))

static Suite *bgp_msg_suite(void)
{
	Suite *s = suite_create("bgp_msg");
	TCase *tc;

	tc = tcase_create("header");
	tcase_add_loop_test(tc, test_header_table, 0, N(header_cases));
	tcase_add_test(tc, test_split_stream);
	suite_add_tcase(s, tc);

	tc = tcase_create("open");
	tcase_add_loop_test(tc, test_open_table, 0, N(open_cases));
	tcase_add_test(tc, test_open_bad_lengths);
	tcase_add_test(tc, test_caps_duplicates);
	tcase_add_test(tc, test_caps_bounded);
	tcase_add_loop_test(tc, test_caps_fqdn_text, 0, N(fqdn_cases));
	tcase_add_test(tc, test_open_frr);
	tcase_add_test(tc, test_open_bird);
	tcase_add_test(tc, test_open_every_cut);
	tcase_add_test(tc, test_open_cut_parameters);
	suite_add_tcase(s, tc);

	tc = tcase_create("open_build");
	tcase_add_test(tc, test_roundtrip_open);
	tcase_add_test(tc, test_roundtrip_open_extended);
	tcase_add_loop_test(tc, test_open_build_refuses, HOLD1, DOMAIN_UNTERMINATED + 1);
	tcase_add_test(tc, test_open_build_too_big);
	tcase_add_loop_test(tc, test_as_trans, 0, N(as_cases));
	tcase_add_test(tc, test_open_init);
	suite_add_tcase(s, tc);

	tc = tcase_create("negotiate");
	tcase_add_test(tc, test_negotiate_full);
	tcase_add_test(tc, test_negotiate_bird);
	tcase_add_loop_test(tc, test_negotiate_families, 0, N(neg_cases));
	tcase_add_test(tc, test_negotiated_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("notification");
	tcase_add_test(tc, test_roundtrip_notification);
	tcase_add_test(tc, test_notification_parse_edges);
	tcase_add_loop_test(tc, test_error_names, 0, N(name_cases));
	tcase_add_test(tc, test_error_format_small);
	tcase_add_test(tc, test_error_add_capability);
	tcase_add_test(tc, test_shutdown_roundtrip);
	tcase_add_test(tc, test_shutdown_build_limits);
	tcase_add_loop_test(tc, test_shutdown_receive, 0, N(shutdown_rx_cases));
	tcase_add_test(tc, test_shutdown_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("keepalive_refresh");
	tcase_add_test(tc, test_keepalive);
	tcase_add_test(tc, test_roundtrip_refresh);
	tcase_add_loop_test(tc, test_refresh_table, 0, N(refresh_cases));
	tcase_add_test(tc, test_refresh_long_borr);
	tcase_add_test(tc, test_afsafi);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return unit_run(bgp_msg_suite());
}
