/*
 * Bounded cursor and builder: table-driven reads over complete and truncated
 * input, sticky errors, limits.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "unit.h"

enum op { OP_U8, OP_U16, OP_U24, OP_U32, OP_U64, OP_BYTES4, OP_SKIP3 };

struct read_case {
	const char *name;
	uint8_t input[12];
	size_t len;
	enum op op;
	int want_rc;
	uint64_t want_value;
	size_t want_pos;
};

/* Each width read from exact-length input, one byte short, and empty input. */
static const struct read_case read_cases[] = {
	{"u8 ok", {0xab}, 1, OP_U8, 0, 0xab, 1},
	{"u8 empty", {0}, 0, OP_U8, -1, 0, 0},
	{"u16 ok", {0x12, 0x34}, 2, OP_U16, 0, 0x1234, 2},
	{"u16 short", {0x12}, 1, OP_U16, -1, 0, 0},
	{"u24 ok", {0x01, 0x02, 0x03}, 3, OP_U24, 0, 0x010203, 3},
	{"u24 short", {0x01, 0x02}, 2, OP_U24, -1, 0, 0},
	{"u32 ok", {0xde, 0xad, 0xbe, 0xef}, 4, OP_U32, 0, 0xdeadbeef, 4},
	{"u32 short", {0xde, 0xad, 0xbe}, 3, OP_U32, -1, 0, 0},
	{"u64 ok", {1, 2, 3, 4, 5, 6, 7, 8}, 8, OP_U64, 0, 0x0102030405060708ULL, 8},
	{"u64 short", {1, 2, 3, 4, 5, 6, 7}, 7, OP_U64, -1, 0, 0},
	{"u32 with trailing", {0, 0, 0, 9, 0xff}, 5, OP_U32, 0, 9, 4},
	{"bytes ok", {9, 8, 7, 6}, 4, OP_BYTES4, 0, 0x09080706, 4},
	{"bytes short", {9, 8, 7}, 3, OP_BYTES4, -1, 0, 0},
	{"skip ok", {1, 2, 3}, 3, OP_SKIP3, 0, 0, 3},
	{"skip short", {1, 2}, 2, OP_SKIP3, -1, 0, 0},
};

static int run_op(struct cursor *c, enum op op, uint64_t *value)
{
	uint8_t u8;
	uint16_t u16;
	uint32_t u32;
	uint8_t bytes[4];
	int rc;

	switch (op) {
	case OP_U8:
		rc = cursor_get_u8(c, &u8);
		*value = u8;
		return rc;
	case OP_U16:
		rc = cursor_get_u16(c, &u16);
		*value = u16;
		return rc;
	case OP_U24:
		rc = cursor_get_u24(c, &u32);
		*value = u32;
		return rc;
	case OP_U32:
		rc = cursor_get_u32(c, &u32);
		*value = u32;
		return rc;
	case OP_U64:
		return cursor_get_u64(c, value);
	case OP_BYTES4:
		rc = cursor_get_bytes(c, bytes, sizeof(bytes));
		*value = ((uint64_t)bytes[0] << 24) | ((uint64_t)bytes[1] << 16) | ((uint64_t)bytes[2] << 8) | bytes[3];
		return rc;
	case OP_SKIP3:
		*value = 0;
		return cursor_skip(c, 3);
	}
	return -2;
}

START_TEST(test_read_table)
{
	const struct read_case *tc = &read_cases[_i];
	struct cursor c;
	uint64_t value = 0;

	cursor_init(&c, tc->input, tc->len);
	int rc = run_op(&c, tc->op, &value);
	ck_assert_msg(rc == tc->want_rc, "%s: rc %d, want %d", tc->name, rc, tc->want_rc);
	ck_assert_msg(cursor_offset(&c) == tc->want_pos, "%s: pos %zu, want %zu", tc->name,
		      cursor_offset(&c), tc->want_pos);
	if (tc->want_rc == 0)
		ck_assert_msg(value == tc->want_value, "%s: value %#llx", tc->name, (unsigned long long)value);
	ck_assert_msg(cursor_ok(&c) == (tc->want_rc == 0), "%s: sticky flag", tc->name);
}
END_TEST

/* Every prefix of a well-formed TLV sequence must be rejected somewhere,
 * never read past: the shape of a truncated BGP capability list. */
START_TEST(test_truncated_tlv_walk)
{
	const uint8_t msg[] = {1, 2, 0xaa, 0xbb, 2, 0, 3, 3, 0xcc, 0xdd, 0xee};

	for (size_t cut = 0; cut <= sizeof(msg); cut++) {
		uint8_t *copy = malloc(cut > 0 ? cut : 1);
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, msg, cut);
		struct cursor c;
		cursor_init(&c, copy, cut);
		size_t tlvs = 0;
		bool broken = false;
		while (cursor_remaining(&c) > 0) {
			uint8_t type, len;
			struct cursor value;
			if (cursor_get_u8(&c, &type) != 0 || cursor_get_u8(&c, &len) != 0 ||
			    cursor_sub(&c, len, &value) != 0) {
				broken = true;
				break;
			}
			ck_assert_uint_eq(cursor_remaining(&value), len);
			tlvs++;
		}
		/* Only cuts at TLV boundaries parse cleanly. */
		bool boundary = cut == 0 || cut == 4 || cut == 6 || cut == 11;
		ck_assert_msg(broken != boundary, "cut %zu: broken=%d", cut, broken);
		if (cut == sizeof(msg))
			ck_assert_uint_eq(tlvs, 3);
		free(copy);
	}
}
END_TEST

START_TEST(test_sub_cursor_isolated)
{
	const uint8_t msg[] = {0, 0, 0, 1, 0xff, 0xff};
	struct cursor c, sub;
	uint32_t v;
	uint8_t b;

	cursor_init(&c, msg, sizeof(msg));
	ck_assert_int_eq(cursor_sub(&c, 4, &sub), 0);
	ck_assert_int_eq(cursor_get_u32(&sub, &v), 0);
	ck_assert_uint_eq(v, 1);
	/* The sub-cursor ends where its field ends, whatever follows. */
	ck_assert_int_eq(cursor_get_u8(&sub, &b), -1);
	ck_assert_int_eq(cursor_get_u8(&c, &b), 0);
	ck_assert_uint_eq(b, 0xff);
	ck_assert_int_eq(cursor_sub(&c, 2, &sub), -1);
	ck_assert_uint_eq(cursor_remaining(&c), 1);
	ck_assert(!cursor_ok(&c));
}
END_TEST

START_TEST(test_failed_read_keeps_position)
{
	const uint8_t msg[] = {7, 1, 2};
	struct cursor c;
	uint8_t b;
	uint32_t v;

	cursor_init(&c, msg, sizeof(msg));
	ck_assert_int_eq(cursor_get_u8(&c, &b), 0);
	ck_assert_int_eq(cursor_get_u32(&c, &v), -1);
	ck_assert_uint_eq(cursor_offset(&c), 1);
	ck_assert_int_eq(cursor_peek_u8(&c, &b), 0);
	ck_assert_uint_eq(b, 1);
	ck_assert_int_eq(cursor_skip(&c, 2), 0);
	ck_assert_int_eq(cursor_peek_u8(&c, &b), -1);
}
END_TEST

START_TEST(test_null_buffer)
{
	struct cursor c;
	uint8_t b;

	cursor_init(&c, NULL, 100);
	ck_assert_uint_eq(cursor_remaining(&c), 0);
	ck_assert_int_eq(cursor_get_u8(&c, &b), -1);
}
END_TEST

START_TEST(test_builder_fixed_roundtrip)
{
	uint8_t buf[19];
	struct builder b;
	struct cursor c;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;
	uint64_t u64;

	builder_init_fixed(&b, buf, sizeof(buf));
	builder_put_u8(&b, 0x11);
	builder_put_u16(&b, 0x2233);
	builder_put_u24(&b, 0x445566);
	builder_put_u32(&b, 0x778899aa);
	builder_put_u64(&b, 0x0102030405060708ULL);
	builder_put_u8(&b, 0xff);
	ck_assert(builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), 19);

	cursor_init(&c, builder_data(&b), builder_len(&b));
	cursor_get_u8(&c, &u8);
	cursor_get_u16(&c, &u16);
	cursor_get_u24(&c, &u24);
	cursor_get_u32(&c, &u32);
	cursor_get_u64(&c, &u64);
	ck_assert(cursor_ok(&c));
	ck_assert_uint_eq(u8, 0x11);
	ck_assert_uint_eq(u16, 0x2233);
	ck_assert_uint_eq(u24, 0x445566);
	ck_assert_uint_eq(u32, 0x778899aa);
	ck_assert(u64 == 0x0102030405060708ULL);

	/* Full: the next put fails, and so does every put after it. */
	builder_put_u8(&b, 1);
	ck_assert(!builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), 19);
	ck_assert_ptr_null(builder_take(&b, NULL));
}
END_TEST

START_TEST(test_builder_sticky_error)
{
	uint8_t buf[4];
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	builder_put_u24(&b, 0x1000000); /* does not fit 24 bits */
	ck_assert(!builder_ok(&b));
	builder_put_u8(&b, 1);
	ck_assert_uint_eq(builder_len(&b), 0);
}
END_TEST

START_TEST(test_builder_dynamic_limit_and_patch)
{
	struct builder b;
	size_t len = 0;

	builder_init_dynamic(&b, 4096);
	size_t length_at = builder_reserve(&b, 2);
	ck_assert_uint_eq(length_at, 0);
	for (int i = 0; i < 1000; i++)
		builder_put_u32(&b, (uint32_t)i);
	builder_patch_u16(&b, length_at, (uint16_t)builder_len(&b));
	ck_assert(builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), 4002);
	ck_assert_uint_eq(builder_data(&b)[0], 4002 >> 8);
	ck_assert_uint_eq(builder_data(&b)[1], 4002 & 0xff);
	ck_assert_uint_eq(builder_data(&b)[4001], 999 & 0xff);

	/* 4096 is the RFC 4271 maximum message size: 94 more bytes fit, 95 do not. */
	builder_put_zero(&b, 94);
	ck_assert(builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), 4096);
	builder_put_u8(&b, 0);
	ck_assert(!builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), 4096);
	builder_free(&b);

	builder_init_dynamic(&b, 16);
	builder_put_bytes(&b, "0123456789", 10);
	uint8_t *taken = builder_take(&b, &len);
	ck_assert_ptr_nonnull(taken);
	ck_assert_uint_eq(len, 10);
	ck_assert_int_eq(memcmp(taken, "0123456789", 10), 0);
	free(taken);
	builder_free(&b);
}
END_TEST

START_TEST(test_builder_patch_out_of_range)
{
	uint8_t buf[8];
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	builder_put_u8(&b, 0);
	builder_patch_u16(&b, 0, 1); /* only 1 byte written so far */
	ck_assert(!builder_ok(&b));
	builder_init_fixed(&b, buf, sizeof(buf));
	ck_assert_uint_eq(builder_reserve(&b, 9), SIZE_MAX);
	ck_assert(!builder_ok(&b));
}
END_TEST

static Suite *cursor_suite(void)
{
	Suite *s = suite_create("cursor");
	TCase *tc = tcase_create("read");

	tcase_add_loop_test(tc, test_read_table, 0, (int)(sizeof(read_cases) / sizeof(read_cases[0])));
	tcase_add_test(tc, test_truncated_tlv_walk);
	tcase_add_test(tc, test_sub_cursor_isolated);
	tcase_add_test(tc, test_failed_read_keeps_position);
	tcase_add_test(tc, test_null_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_test(tc, test_builder_fixed_roundtrip);
	tcase_add_test(tc, test_builder_sticky_error);
	tcase_add_test(tc, test_builder_dynamic_limit_and_patch);
	tcase_add_test(tc, test_builder_patch_out_of_range);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(cursor_suite());
}
