/*
 * IPC framing: round trips, every truncation of a valid stream, oversized
 * and malformed headers, DONE and REQUEST payload checks.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ipc.h"
#include "unit.h"

START_TEST(test_roundtrip_sequence)
{
	struct builder b;
	struct ipc_frame f;
	size_t used;
	char prompt[IPC_PROMPT_MAX + 1], line[IPC_LINE_MAX + 1];
	enum ipc_status status;

	builder_init_dynamic(&b, 1 << 20);
	ipc_put_frame(&b, IPC_REQUEST, "show ip bgp summary", 19);
	ipc_put_frame(&b, IPC_OUTPUT, "", 0);
	ipc_put_frame(&b, IPC_OUTPUT, "BGP router identifier 192.0.2.1\n", 32);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1(config-router)# ");
	ck_assert(builder_ok(&b));

	const uint8_t *p = builder_data(&b);
	size_t left = builder_len(&b);
	ck_assert_int_eq(ipc_parse(p, left, &f, &used), IPC_PARSE_FRAME);
	ck_assert_int_eq(f.type, IPC_REQUEST);
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "show ip bgp summary");
	p += used, left -= used;

	ck_assert_int_eq(ipc_parse(p, left, &f, &used), IPC_PARSE_FRAME);
	ck_assert_int_eq(f.type, IPC_OUTPUT);
	ck_assert_uint_eq(f.len, 0);
	p += used, left -= used;
	ck_assert_int_eq(ipc_parse(p, left, &f, &used), IPC_PARSE_FRAME);
	ck_assert_uint_eq(f.len, 32);
	ck_assert_int_eq(memcmp(f.payload, "BGP router identifier", 21), 0);
	p += used, left -= used;

	ck_assert_int_eq(ipc_parse(p, left, &f, &used), IPC_PARSE_FRAME);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), 0);
	ck_assert_int_eq(status, IPC_STATUS_OK);
	ck_assert_str_eq(prompt, "gw1(config-router)# ");
	ck_assert_uint_eq(used, left);
	builder_free(&b);
}
END_TEST

/* Every cut of a valid frame asks for more, and says how much it needs. */
START_TEST(test_every_truncation_needs_more)
{
	struct builder b;
	struct ipc_frame f;
	size_t used;

	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, "0123456789", 10);
	ck_assert(builder_ok(&b));
	for (size_t cut = 0; cut < builder_len(&b); cut++) {
		ck_assert_int_eq(ipc_parse(builder_data(&b), cut, &f, &used), IPC_PARSE_NEED_MORE);
		ck_assert_uint_eq(used, cut < IPC_HEADER_LEN ? IPC_HEADER_LEN : IPC_HEADER_LEN + 10);
	}
	ck_assert_int_eq(ipc_parse(builder_data(&b), builder_len(&b), &f, &used), IPC_PARSE_FRAME);
	builder_free(&b);
}
END_TEST

struct header_case {
	const char *name;
	uint8_t header[8];
	enum ipc_parse_result want;
};

static const struct header_case header_cases[] = {
	{"version 0", {0, 1, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_VERSION},
	{"version 2", {2, 1, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_VERSION},
	{"type 0", {1, 0, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_TYPE},
	{"type 6", {1, 6, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_TYPE},
	{"type 255", {1, 255, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_TYPE},
	{"complete", {1, 4, 0, 0, 0, 0, 0, 0}, IPC_PARSE_FRAME},
	{"reserved", {1, 2, 0, 1, 0, 0, 0, 0}, IPC_PARSE_BAD_RESERVED},
	/* 256 KiB + 1 */
	{"one over max", {1, 2, 0, 0, 0, 0x04, 0x00, 0x01}, IPC_PARSE_TOO_BIG},
	{"4 GiB", {1, 2, 0, 0, 0xff, 0xff, 0xff, 0xff}, IPC_PARSE_TOO_BIG},
	/* exactly the max is fine, but the body is not here yet */
	{"at max", {1, 2, 0, 0, 0, 0x04, 0x00, 0x00}, IPC_PARSE_NEED_MORE},
	{"empty output", {1, 2, 0, 0, 0, 0, 0, 0}, IPC_PARSE_FRAME},
};

START_TEST(test_header_table)
{
	const struct header_case *tc = &header_cases[_i];
	struct ipc_frame f;
	size_t used = 0;

	ck_assert_msg(ipc_parse(tc->header, sizeof(tc->header), &f, &used) == tc->want, "%s", tc->name);
	ck_assert_str_ne(ipc_parse_result_str(tc->want), "unknown");
}
END_TEST

START_TEST(test_builder_rejects_oversized)
{
	struct builder b;
	static uint8_t big[IPC_PAYLOAD_MAX + 1];

	builder_init_dynamic(&b, 2 * IPC_PAYLOAD_MAX);
	ipc_put_frame(&b, IPC_OUTPUT, big, sizeof(big));
	ck_assert(!builder_ok(&b));
	builder_free(&b);

	builder_init_dynamic(&b, 2 * IPC_PAYLOAD_MAX);
	ipc_put_frame(&b, IPC_OUTPUT, big, IPC_PAYLOAD_MAX);
	ck_assert(builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), IPC_HEADER_LEN + IPC_PAYLOAD_MAX);
	builder_free(&b);

	char prompt[IPC_PROMPT_MAX + 2];
	memset(prompt, 'p', sizeof(prompt) - 1);
	prompt[sizeof(prompt) - 1] = '\0';
	builder_init_dynamic(&b, 4096);
	ipc_put_done(&b, IPC_STATUS_OK, prompt);
	ck_assert(!builder_ok(&b));
	builder_free(&b);

	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, (enum ipc_type)9, "x", 1);
	ck_assert(!builder_ok(&b));
	builder_free(&b);
}
END_TEST

START_TEST(test_done_payload_checks)
{
	char prompt[IPC_PROMPT_MAX + 1];
	enum ipc_status status;
	struct ipc_frame f = {.type = IPC_DONE};

	static const uint8_t short_payload[] = {0};
	f.payload = short_payload, f.len = sizeof(short_payload);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), -1);
	static const uint8_t long_len[] = {0, 5, 'a', 'b'};
	f.payload = long_len, f.len = sizeof(long_len);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), -1);
	static const uint8_t trailing[] = {0, 1, 'a', 'b'};
	f.payload = trailing, f.len = sizeof(trailing);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), -1);
	static const uint8_t bad_status[] = {7, 0};
	f.payload = bad_status, f.len = sizeof(bad_status);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), -1);
	static const uint8_t nul_inside[] = {1, 2, 'a', 0};
	f.payload = nul_inside, f.len = sizeof(nul_inside);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), -1);
	static const uint8_t good[] = {1, 2, '>', ' '};
	f.payload = good, f.len = sizeof(good);
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), 0);
	ck_assert_int_eq(status, IPC_STATUS_ERROR);
	ck_assert_str_eq(prompt, "> ");
	/* Too small a buffer for the prompt is refused, not overrun. */
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, 2), -1);
	f.type = IPC_OUTPUT;
	ck_assert_int_eq(ipc_parse_done(&f, &status, prompt, sizeof(prompt)), -1);
}
END_TEST

START_TEST(test_request_payload_checks)
{
	char line[IPC_LINE_MAX + 1];
	struct ipc_frame f = {.type = IPC_REQUEST};
	static char big[IPC_LINE_MAX + 1];

	f.payload = (const uint8_t *)"show\nrun", f.len = 8;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), -1);
	f.payload = (const uint8_t *)"sh\0w", f.len = 4;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), -1);
	f.payload = (const uint8_t *)"end\r", f.len = 4;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), -1);
	memset(big, 'a', sizeof(big));
	f.payload = (const uint8_t *)big, f.len = IPC_LINE_MAX + 1;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), -1);
	f.len = IPC_LINE_MAX;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), 0);
	ck_assert_uint_eq(strlen(line), IPC_LINE_MAX);
	f.payload = (const uint8_t *)"", f.len = 0;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "");
	f.type = IPC_OUTPUT;
	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), -1);
}
END_TEST

START_TEST(test_load_roundtrip_and_checks)
{
	struct builder b;
	struct ipc_frame f;
	size_t used, textlen;
	char name[256];
	const char *text;
	static const char conf[] = "hostname gw1\nrouter bgp 64512\n";

	builder_init_dynamic(&b, 4096);
	ipc_put_load(&b, "/etc/skygate/routed.conf", conf, sizeof(conf) - 1);
	ck_assert(builder_ok(&b));
	ck_assert_int_eq(ipc_parse(builder_data(&b), builder_len(&b), &f, &used), IPC_PARSE_FRAME);
	ck_assert_int_eq(ipc_parse_load(&f, name, sizeof(name), &text, &textlen), 0);
	ck_assert_str_eq(name, "/etc/skygate/routed.conf");
	ck_assert_uint_eq(textlen, sizeof(conf) - 1);
	ck_assert_int_eq(memcmp(text, conf, textlen), 0);
	/* The name buffer must hold the name: refused, not overrun. */
	ck_assert_int_eq(ipc_parse_load(&f, name, 5, &text, &textlen), -1);
	builder_free(&b);

	/* Empty text is a valid (empty) transaction. */
	builder_init_dynamic(&b, 4096);
	ipc_put_load(&b, "-", "", 0);
	ck_assert(builder_ok(&b));
	ipc_parse(builder_data(&b), builder_len(&b), &f, &used);
	ck_assert_int_eq(ipc_parse_load(&f, name, sizeof(name), &text, &textlen), 0);
	ck_assert_uint_eq(textlen, 0);
	builder_free(&b);

	builder_init_dynamic(&b, 4096);
	ipc_put_load(&b, "", "x", 1);
	ck_assert(!builder_ok(&b));
	builder_free(&b);

	struct ipc_frame bad = {.type = IPC_LOAD};
	bad.payload = (const uint8_t *)"no-nul-here", bad.len = 11;
	ck_assert_int_eq(ipc_parse_load(&bad, name, sizeof(name), &text, &textlen), -1);
	bad.payload = (const uint8_t *)"\0text", bad.len = 5;
	ck_assert_int_eq(ipc_parse_load(&bad, name, sizeof(name), &text, &textlen), -1);
	bad.type = IPC_REQUEST;
	bad.payload = (const uint8_t *)"n\0text", bad.len = 6;
	ck_assert_int_eq(ipc_parse_load(&bad, name, sizeof(name), &text, &textlen), -1);
}
END_TEST

START_TEST(test_complete_request_accepted)
{
	char line[IPC_LINE_MAX + 1];
	struct ipc_frame f = {.type = IPC_COMPLETE, .payload = (const uint8_t *)"sh ip ", .len = 6};

	ck_assert_int_eq(ipc_parse_request(&f, line, sizeof(line)), 0);
	ck_assert_str_eq(line, "sh ip ");
}
END_TEST

static Suite *ipc_suite(void)
{
	Suite *s = suite_create("ipc");
	TCase *tc = tcase_create("framing");

	tcase_add_test(tc, test_roundtrip_sequence);
	tcase_add_test(tc, test_every_truncation_needs_more);
	tcase_add_loop_test(tc, test_header_table, 0, (int)(sizeof(header_cases) / sizeof(header_cases[0])));
	tcase_add_test(tc, test_builder_rejects_oversized);
	tcase_add_test(tc, test_done_payload_checks);
	tcase_add_test(tc, test_request_payload_checks);
	tcase_add_test(tc, test_load_roundtrip_and_checks);
	tcase_add_test(tc, test_complete_request_accepted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ipc_suite());
}
