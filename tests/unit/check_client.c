/*
 * cli/client: the CLI socket client against an in-process fake server on
 * the other end of a socketpair(). Each test gives the server a script that
 * runs in a thread; the thread records what it saw and the test asserts on
 * it after joining (Check's assertions belong to the test's own thread).
 *
 * The client socket has a receive timeout, so a client that waits where it
 * should have failed fails the test instead of hanging it.
 */
#include <check.h>
#include <errno.h>
#include <linux/sockios.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "unit.h"

#define RECV_TIMEOUT_SEC 30

struct fake;
typedef void (*script_fn)(struct fake *f);

struct fake {
	int fd;
	pthread_t thread;
	script_fn script;
	const void *arg;        /* the script's input, borrowed from the test */
	/* What the server received: the last frame, and how many. */
	enum ipc_type got_type;
	uint8_t got[IPC_HEADER_LEN + IPC_PAYLOAD_MAX];
	size_t got_len;
	int got_frames;
	bool read_failed;       /* the client's frame was not readable */
	bool bytewise_ok;       /* every byte was consumed before the next was sent */
	size_t bytes_after;     /* bytes received while waiting for EOF */
};

/* --- server side helpers (run in the server thread) ------------------- */

static int srv_write(struct fake *f, const void *p, size_t len)
{
	const uint8_t *b = p;

	while (len > 0) {
		ssize_t n = send(f->fd, b, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		b += n;
		len -= (size_t)n;
	}
	return 0;
}

static int srv_send(struct fake *f, struct builder *b)
{
	int rc = builder_ok(b) ? srv_write(f, builder_data(b), builder_len(b)) : -1;

	builder_free(b);
	return rc;
}

static int srv_read_exact(struct fake *f, uint8_t *p, size_t len)
{
	while (len > 0) {
		ssize_t n = recv(f->fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Read one frame from the client into f->got. */
static int srv_read_frame(struct fake *f)
{
	struct ipc_frame frame;
	size_t need = 0;
	enum ipc_parse_result r = IPC_PARSE_NEED_MORE;

	/* The header tells the length; an empty payload is whole already. */
	if (srv_read_exact(f, f->got, IPC_HEADER_LEN) == 0)
		r = ipc_parse(f->got, IPC_HEADER_LEN, &frame, &need);
	if (r == IPC_PARSE_NEED_MORE && need > IPC_HEADER_LEN &&
	    srv_read_exact(f, f->got + IPC_HEADER_LEN, need - IPC_HEADER_LEN) == 0)
		r = ipc_parse(f->got, need, &frame, &need);
	if (r != IPC_PARSE_FRAME) {
		f->read_failed = true;
		return -1;
	}
	f->got_type = frame.type;
	f->got_len = frame.len;
	memmove(f->got, frame.payload, frame.len);
	f->got_frames++;
	return 0;
}

/* Keep the connection open until the client closes it, counting anything
 * it still sends: a client that gave up must not go on talking. */
static void srv_wait_eof(struct fake *f)
{
	uint8_t buf[512];
	ssize_t n;

	while ((n = recv(f->fd, buf, sizeof(buf), 0)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		f->bytes_after += (size_t)n;
	}
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Send one byte at a time, each only after the client has read the one
 * before (SIOCOUTQ counts what the peer has not read yet), so every read()
 * of the client returns exactly one byte. */
static void srv_write_bytewise(struct fake *f, const uint8_t *p, size_t len)
{
	double deadline = now_sec() + 60;
	struct timespec pause = {.tv_nsec = 50000};

	f->bytewise_ok = true;
	for (size_t i = 0; i < len; i++) {
		int queued = 1;

		if (srv_write(f, p + i, 1) != 0) {
			f->bytewise_ok = false;
			return;
		}
		while (ioctl(f->fd, SIOCOUTQ, &queued) == 0 && queued > 0 && now_sec() < deadline)
			nanosleep(&pause, NULL);
		if (queued != 0)
			f->bytewise_ok = false;
	}
}

static void *fake_main(void *arg)
{
	struct fake *f = arg;

	f->script(f);
	close(f->fd);
	return NULL;
}

/* --- test side -------------------------------------------------------- */

static struct client *fake_start(struct fake *f, script_fn script, const void *arg)
{
	int sv[2];
	struct timeval tv = {.tv_sec = RECV_TIMEOUT_SEC};

	memset(f, 0, sizeof(*f));
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	f->fd = sv[1];
	f->script = script;
	f->arg = arg;
	ck_assert_int_eq(pthread_create(&f->thread, NULL, fake_main, f), 0);
	struct client *c = client_from_fd(sv[0]);
	ck_assert_ptr_nonnull(c);
	return c;
}

/* Close the client (so a server waiting for EOF ends) and join. */
static void fake_finish(struct fake *f, struct client *c)
{
	client_close(c);
	ck_assert_int_eq(pthread_join(f->thread, NULL), 0);
}

/* Collects OUTPUT text. */
struct collect {
	char *buf;
	size_t len;
	size_t cap;
	size_t calls;
};

static void collect_output(void *arg, const char *text, size_t len)
{
	struct collect *col = arg;

	col->calls++;
	if (col->len + len + 1 > col->cap) {
		col->cap = (col->len + len + 1) * 2;
		col->buf = realloc(col->buf, col->cap);
		ck_assert_ptr_nonnull(col->buf);
	}
	memcpy(col->buf + col->len, text, len);
	col->len += len;
	col->buf[col->len] = '\0';
}

/* --- scripts ---------------------------------------------------------- */

static void script_version(struct fake *f)
{
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, "skygate 0.1.0\n", 14);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1# ");
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_normal_answer)
{
	struct fake f;
	struct collect col = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_version, NULL);

	ck_assert_int_eq(client_request(c, "show version", collect_output, &col, &done), CLIENT_OK);
	ck_assert_str_eq(col.buf, "skygate 0.1.0\n");
	ck_assert_int_eq(done.status, IPC_STATUS_OK);
	ck_assert_str_eq(done.prompt, "gw1# ");
	ck_assert_str_eq(client_error(c), "");
	fake_finish(&f, c);
	ck_assert(!f.read_failed);
	ck_assert_int_eq(f.got_type, IPC_REQUEST);
	ck_assert_uint_eq(f.got_len, 12);
	ck_assert_int_eq(memcmp(f.got, "show version", 12), 0);
	free(col.buf);
}
END_TEST

#define MANY_SMALL 2000

/* Many small frames, then two of the largest size: the answer is larger
 * than the client's buffer, which must be reused frame after frame. Each
 * largest frame goes out in one send() with small frames before it, so the
 * client reads the start of it behind them and has to move it to the front
 * of its buffer to make room. */
static void script_many(struct fake *f)
{
	struct builder b;
	char line[32];
	uint8_t *big = malloc(IPC_PAYLOAD_MAX);

	if (big == NULL || srv_read_frame(f) != 0) {
		free(big);
		return;
	}
	for (int k = 0; k < 2; k++) {
		builder_init_dynamic(&b, 1 << 20);
		for (int i = k * MANY_SMALL / 2; i < (k + 1) * MANY_SMALL / 2; i++) {
			int n = snprintf(line, sizeof(line), "line %04d\n", i);
			ipc_put_frame(&b, IPC_OUTPUT, line, (size_t)n);
		}
		memset(big, 'a' + k, IPC_PAYLOAD_MAX);
		ipc_put_frame(&b, IPC_OUTPUT, big, IPC_PAYLOAD_MAX);
		srv_send(f, &b);
	}
	builder_init_dynamic(&b, 4096);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1# ");
	srv_send(f, &b);
	free(big);
	srv_wait_eof(f);
}

START_TEST(test_output_many_frames)
{
	struct fake f;
	struct collect col = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_many, NULL);
	const size_t small = MANY_SMALL * 10;

	ck_assert_int_eq(client_request(c, "show ip route", collect_output, &col, &done),
			 CLIENT_OK);
	const size_t half = small / 2, big = IPC_PAYLOAD_MAX;

	ck_assert_uint_eq(col.calls, MANY_SMALL + 2);
	ck_assert_uint_eq(col.len, small + 2 * big);
	ck_assert_int_eq(memcmp(col.buf, "line 0000\nline 0001\n", 20), 0);
	ck_assert_int_eq(memcmp(col.buf + half - 10, "line 0999\n", 10), 0);
	ck_assert_int_eq(col.buf[half], 'a');
	ck_assert_int_eq(col.buf[half + big - 1], 'a');
	ck_assert_int_eq(memcmp(col.buf + half + big, "line 1000\n", 10), 0);
	ck_assert_int_eq(memcmp(col.buf + small + big - 10, "line 1999\n", 10), 0);
	ck_assert_int_eq(col.buf[small + big], 'b');
	ck_assert_int_eq(col.buf[col.len - 1], 'b');
	ck_assert_int_eq(done.status, IPC_STATUS_OK);
	fake_finish(&f, c);
	free(col.buf);
}
END_TEST

static void script_bytewise(struct fake *f)
{
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, "BGP router identifier 192.0.2.1\n", 32);
	ipc_put_frame(&b, IPC_OUTPUT, "", 0);
	ipc_put_frame(&b, IPC_OUTPUT, "Neighbor        V  AS\n", 22);
	ipc_put_done(&b, IPC_STATUS_ERROR, "gw1(config-router)# ");
	if (builder_ok(&b))
		srv_write_bytewise(f, builder_data(&b), builder_len(&b));
	builder_free(&b);
	srv_wait_eof(f);
}

START_TEST(test_frame_split_bytewise)
{
	struct fake f;
	struct collect col = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_bytewise, NULL);

	ck_assert_int_eq(client_request(c, "show ip bgp summary", collect_output, &col, &done),
			 CLIENT_OK);
	ck_assert_uint_eq(col.calls, 3);
	ck_assert_str_eq(col.buf, "BGP router identifier 192.0.2.1\nNeighbor        V  AS\n");
	ck_assert_int_eq(done.status, IPC_STATUS_ERROR);
	ck_assert_str_eq(done.prompt, "gw1(config-router)# ");
	fake_finish(&f, c);
	ck_assert(f.bytewise_ok);
	free(col.buf);
}
END_TEST

/* A header the client must refuse, with no body following: a client that
 * waited for the body would hit the receive timeout instead. */
struct header_case {
	const char *name;
	uint8_t header[IPC_HEADER_LEN];
	enum ipc_parse_result want;
};

static const struct header_case header_cases[] = {
	{"length MAX + 1", {1, IPC_OUTPUT, 0, 0, 0x00, 0x04, 0x00, 0x01}, IPC_PARSE_TOO_BIG},
	{"length 4 GiB - 1", {1, IPC_OUTPUT, 0, 0, 0xff, 0xff, 0xff, 0xff}, IPC_PARSE_TOO_BIG},
	{"version 2", {2, IPC_OUTPUT, 0, 0, 0, 0, 0, 4}, IPC_PARSE_BAD_VERSION},
	{"version 0", {0, IPC_DONE, 0, 0, 0, 0, 0, 2}, IPC_PARSE_BAD_VERSION},
	{"type 0", {1, 0, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_TYPE},
	{"type 99", {1, 99, 0, 0, 0, 0, 0, 0}, IPC_PARSE_BAD_TYPE},
	{"reserved bits", {1, IPC_OUTPUT, 0, 1, 0, 0, 0, 0}, IPC_PARSE_BAD_RESERVED},
};

static void script_bad_header(struct fake *f)
{
	const struct header_case *hc = f->arg;
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	/* A good frame first: the bad one must be caught mid-answer too. */
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, "ok\n", 3);
	builder_put_bytes(&b, hc->header, sizeof(hc->header));
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_bad_header_table)
{
	const struct header_case *hc = &header_cases[_i];
	struct fake f;
	struct collect col = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_bad_header, hc);
	char want[CLIENT_ERROR_MAX];

	ck_assert_msg(client_request(c, "show version", collect_output, &col, &done) ==
			      CLIENT_ERR_PROTOCOL,
		      "%s: not refused", hc->name);
	ck_assert_int_eq(client_parse_error(c), hc->want);
	snprintf(want, sizeof(want), "protocol error from skygate-routed: %s",
		 ipc_parse_result_str(hc->want));
	ck_assert_str_eq(client_error(c), want);
	ck_assert_str_eq(col.buf, "ok\n");
	/* Sticky: the stream cannot be resynchronised, so nothing more is
	 * sent, and the same error comes back. */
	ck_assert_int_eq(client_request(c, "show version", NULL, NULL, &done), CLIENT_ERR_PROTOCOL);
	ck_assert_str_eq(client_error(c), want);
	fake_finish(&f, c);
	ck_assert_int_eq(f.got_frames, 1);
	ck_assert_uint_eq(f.bytes_after, 0);
	free(col.buf);
}
END_TEST

/* The server ends the connection at some point of its answer. */
struct close_case {
	const char *name;
	size_t cut;            /* bytes of the answer sent before closing */
	const char *when;      /* where the message says it happened */
};

/* The answer: OUTPUT "partial\n" (16 bytes), then DONE OK "gw1# " (15).
 * No answer has been complete yet, so a close between frames may be the
 * daemon refusing one session too many. */
static const struct close_case close_cases[] = {
	{"before anything", 0, " before it answered (too many sessions open?)"},
	{"inside the first header", 5, " in the middle of a frame"},
	{"inside the first payload", 12, " in the middle of a frame"},
	{"between OUTPUT and DONE", 16, " before it answered (too many sessions open?)"},
	{"inside the DONE", 20, " in the middle of a frame"},
	{"one byte short of the end", 30, " in the middle of a frame"},
};

static void script_close(struct fake *f)
{
	const struct close_case *cc = f->arg;
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, "partial\n", 8);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1# ");
	if (builder_ok(&b) && builder_len(&b) == 31)
		srv_write(f, builder_data(&b), cc->cut);
	builder_free(&b);
	/* fake_main closes the socket when the script returns. */
}

START_TEST(test_server_closes_table)
{
	const struct close_case *cc = &close_cases[_i];
	struct fake f;
	struct client_done done;
	char want[CLIENT_ERROR_MAX];
	struct client *c = fake_start(&f, script_close, cc);

	ck_assert_msg(client_request(c, "show version", NULL, NULL, &done) == CLIENT_ERR_CLOSED,
		      "%s: not reported as closed", cc->name);
	snprintf(want, sizeof(want),
		 "lost connection to skygate-routed%s: it closed the connection", cc->when);
	ck_assert_str_eq(client_error(c), want);
	ck_assert_int_eq(client_request(c, "show version", NULL, NULL, &done), CLIENT_ERR_CLOSED);
	fake_finish(&f, c);
}
END_TEST

static void script_close_status(struct fake *f)
{
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_done(&b, IPC_STATUS_CLOSE, "");
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_close_status)
{
	struct fake f;
	struct client_done done;
	struct client *c = fake_start(&f, script_close_status, NULL);

	ck_assert_int_eq(client_request(c, "exit", NULL, NULL, &done), CLIENT_OK);
	ck_assert_int_eq(done.status, IPC_STATUS_CLOSE);
	ck_assert_str_eq(done.prompt, "");
	fake_finish(&f, c);
	ck_assert_int_eq(memcmp(f.got, "exit", 4), 0);
}
END_TEST

/* Once the session has been answered, a close between frames is plainly
 * the daemon going away. */
static void script_answer_then_close(struct fake *f)
{
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1# ");
	srv_send(f, &b);
	srv_read_frame(f);
}

START_TEST(test_closed_after_answer)
{
	struct fake f;
	struct client_done done;
	struct client *c = fake_start(&f, script_answer_then_close, NULL);

	ck_assert_int_eq(client_request(c, "", NULL, NULL, &done), CLIENT_OK);
	ck_assert_str_eq(done.prompt, "gw1# ");
	ck_assert_int_eq(client_request(c, "show version", NULL, NULL, &done), CLIENT_ERR_CLOSED);
	ck_assert_str_eq(client_error(c),
			 "lost connection to skygate-routed: it closed the connection");
	fake_finish(&f, c);
	ck_assert_int_eq(f.got_frames, 2);
}
END_TEST

/* Well-framed answers that are still not our protocol. */
struct answer_case {
	const char *name;
	uint8_t type;
	const char *payload;
	size_t len;
	const char *reason;
};

static const struct answer_case answer_cases[] = {
	{"DONE status 3", IPC_DONE, "\x03\x00", 2, "malformed DONE frame"},
	{"DONE without prompt length", IPC_DONE, "\x00", 1, "malformed DONE frame"},
	{"DONE prompt longer than said", IPC_DONE, "\x00\x02gw1", 5, "malformed DONE frame"},
	{"DONE prompt shorter than said", IPC_DONE, "\x00\x09gw1", 5, "malformed DONE frame"},
	{"DONE prompt with NUL", IPC_DONE, "\x00\x03g\0w", 5, "malformed DONE frame"},
	{"REQUEST in an answer", IPC_REQUEST, "show", 4, "unexpected REQUEST frame in an answer"},
	{"LOAD in an answer", IPC_LOAD, "x\0y", 3, "unexpected LOAD frame in an answer"},
};

static void script_answer(struct fake *f)
{
	const struct answer_case *ac = f->arg;
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, (enum ipc_type)ac->type, ac->payload, ac->len);
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_bad_answer_table)
{
	const struct answer_case *ac = &answer_cases[_i];
	struct fake f;
	struct client_done done;
	struct client *c = fake_start(&f, script_answer, ac);
	char want[CLIENT_ERROR_MAX];

	ck_assert_msg(client_request(c, "show version", NULL, NULL, &done) == CLIENT_ERR_PROTOCOL,
		      "%s: accepted", ac->name);
	snprintf(want, sizeof(want), "protocol error from skygate-routed: %s", ac->reason);
	ck_assert_str_eq(client_error(c), want);
	ck_assert_int_eq(client_parse_error(c), IPC_PARSE_FRAME);
	fake_finish(&f, c);
}
END_TEST

/* Two requests; the server answers both in one write after the second
 * arrives, so the second answer is already buffered when it is read. */
static void script_two_answers(struct fake *f)
{
	struct builder b;

	if (srv_read_frame(f) != 0 || srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, "first\n", 6);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1(config)# ");
	ipc_put_frame(&b, IPC_OUTPUT, "second\n", 7);
	ipc_put_done(&b, IPC_STATUS_ERROR, "gw1# ");
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_pipelined_answers)
{
	struct fake f;
	struct collect one = {0}, two = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_two_answers, NULL);

	ck_assert_int_eq(client_send(c, IPC_REQUEST, "configure terminal", 18), CLIENT_OK);
	ck_assert_int_eq(client_send(c, IPC_REQUEST, "end", 3), CLIENT_OK);
	ck_assert_int_eq(client_read_answer(c, collect_output, &one, &done), CLIENT_OK);
	ck_assert_str_eq(one.buf, "first\n");
	ck_assert_str_eq(done.prompt, "gw1(config)# ");
	ck_assert_int_eq(client_read_answer(c, collect_output, &two, &done), CLIENT_OK);
	ck_assert_str_eq(two.buf, "second\n");
	ck_assert_int_eq(done.status, IPC_STATUS_ERROR);
	ck_assert_str_eq(done.prompt, "gw1# ");
	fake_finish(&f, c);
	free(one.buf);
	free(two.buf);
}
END_TEST

/* Lines the protocol cannot carry are refused before anything is sent, and
 * the session goes on. */
START_TEST(test_request_line_checks)
{
	struct fake f;
	struct collect col = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_version, NULL);
	char *longline = malloc(IPC_LINE_MAX + 2);

	ck_assert_ptr_nonnull(longline);
	memset(longline, 'x', IPC_LINE_MAX + 1);
	longline[IPC_LINE_MAX + 1] = '\0';
	ck_assert_int_eq(client_request(c, longline, NULL, NULL, &done), CLIENT_ERR_USAGE);
	ck_assert_ptr_nonnull(strstr(client_error(c), "too long"));
	ck_assert_int_eq(client_request(c, "show\nversion", NULL, NULL, &done), CLIENT_ERR_USAGE);
	ck_assert_int_eq(client_request(c, "show\rversion", NULL, NULL, &done), CLIENT_ERR_USAGE);
	ck_assert_int_eq(client_send(c, IPC_OUTPUT, longline, IPC_PAYLOAD_MAX + 1),
			 CLIENT_ERR_USAGE);
	ck_assert_int_eq(client_request(c, "show version", collect_output, &col, &done), CLIENT_OK);
	ck_assert_str_eq(col.buf, "skygate 0.1.0\n");
	fake_finish(&f, c);
	ck_assert_int_eq(f.got_frames, 1);
	ck_assert_int_eq(memcmp(f.got, "show version", 12), 0);
	free(longline);
	free(col.buf);
}
END_TEST

static void script_load(struct fake *f)
{
	struct builder b;
	struct ipc_frame frame = {.type = IPC_LOAD};
	char name[256];
	const char *text;
	size_t textlen;
	static const char msg[] = "bgp.conf:3: % Unknown command: 'remote-asx'\n";

	if (srv_read_frame(f) != 0)
		return;
	frame.payload = f->got;
	frame.len = f->got_len;
	builder_init_dynamic(&b, 4096);
	if (f->got_type == IPC_LOAD &&
	    ipc_parse_load(&frame, name, sizeof(name), &text, &textlen) == 0 &&
	    strcmp(name, "bgp.conf") == 0 && textlen == strlen(f->arg) &&
	    memcmp(text, f->arg, textlen) == 0) {
		ipc_put_frame(&b, IPC_OUTPUT, msg, sizeof(msg) - 1);
		ipc_put_done(&b, IPC_STATUS_ERROR, "gw1# ");
	} else {
		ipc_put_done(&b, IPC_STATUS_OK, "mismatch# ");
	}
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_load)
{
	static const char conf[] = "router bgp 65001\n neighbor 192.0.2.2 remote-as 65002\n"
				   " neighbor 192.0.2.2 remote-asx 1\n";
	struct fake f;
	struct collect col = {0};
	struct client_done done;
	struct client *c = fake_start(&f, script_load, conf);

	ck_assert_int_eq(client_load(c, "bgp.conf", conf, strlen(conf), collect_output, &col,
				     &done),
			 CLIENT_OK);
	ck_assert_str_eq(done.prompt, "gw1# ");
	ck_assert_int_eq(done.status, IPC_STATUS_ERROR);
	ck_assert_str_eq(col.buf, "bgp.conf:3: % Unknown command: 'remote-asx'\n");
	fake_finish(&f, c);
	free(col.buf);
}
END_TEST

static void script_load_size(struct fake *f)
{
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_done(&b, IPC_STATUS_OK, "gw1# ");
	srv_send(f, &b);
	srv_wait_eof(f);
}

/* The largest text one LOAD can carry goes; one byte more is refused with
 * the limit in the message, and nothing is sent. */
START_TEST(test_load_size_limit)
{
	struct fake f;
	struct client_done done;
	struct client *c = fake_start(&f, script_load_size, NULL);
	const char *name = "big.conf";
	size_t max = client_load_max(name);
	char *text = malloc(max + 1), limit[32];

	ck_assert_uint_eq(max, IPC_PAYLOAD_MAX - strlen(name) - 1);
	ck_assert_ptr_nonnull(text);
	memset(text, '!', max + 1);
	ck_assert_int_eq(client_load(c, name, text, max + 1, NULL, NULL, &done), CLIENT_ERR_USAGE);
	snprintf(limit, sizeof(limit), "%zu bytes", max);
	ck_assert_ptr_nonnull(strstr(client_error(c), limit));
	ck_assert_ptr_nonnull(strstr(client_error(c), "too large"));
	ck_assert_int_eq(client_load(c, "", text, 1, NULL, NULL, &done), CLIENT_ERR_USAGE);
	ck_assert_int_eq(client_load(c, name, text, max, NULL, NULL, &done), CLIENT_OK);
	ck_assert_int_eq(done.status, IPC_STATUS_OK);
	fake_finish(&f, c);
	ck_assert_int_eq(f.got_frames, 1);
	ck_assert_int_eq(f.got_type, IPC_LOAD);
	ck_assert_uint_eq(f.got_len, IPC_PAYLOAD_MAX);
	free(text);
}
END_TEST

/* A completion answer whose lines are cut across OUTPUT frames at awkward
 * places: candidates are lines of the whole answer, not of a frame. */
static void script_complete(struct fake *f)
{
	static const char *const parts[] = {
		"k\tbgp\tBGP informa", "tion\nk\tinterface\tInterface status and configuration\n",
		"v", "\tA.B.C.D\tNeighbor address\nv\t<cr>\t\n",
	};
	struct builder b;

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		ipc_put_frame(&b, IPC_OUTPUT, parts[i], strlen(parts[i]));
	ipc_put_done(&b, IPC_STATUS_OK, "gw1# ");
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_complete)
{
	struct fake f;
	struct client_completion comp;
	struct client_done done;
	struct client *c = fake_start(&f, script_complete, NULL);

	ck_assert_int_eq(client_complete(c, "show ", &comp, &done), CLIENT_OK);
	ck_assert_uint_eq(comp.n, 4);
	ck_assert(comp.items[0].is_keyword);
	ck_assert_str_eq(comp.items[0].word, "bgp");
	ck_assert_str_eq(comp.items[0].help, "BGP information");
	ck_assert_str_eq(comp.items[1].word, "interface");
	ck_assert(!comp.items[2].is_keyword);
	ck_assert_str_eq(comp.items[2].word, "A.B.C.D");
	ck_assert_str_eq(comp.items[2].help, "Neighbor address");
	ck_assert_str_eq(comp.items[3].word, "<cr>");
	ck_assert_str_eq(comp.items[3].help, "");
	client_completion_free(&comp);
	client_completion_free(&comp); /* harmless twice */
	fake_finish(&f, c);
	ck_assert_int_eq(f.got_type, IPC_COMPLETE);
	ck_assert_uint_eq(f.got_len, 5);
	ck_assert_int_eq(memcmp(f.got, "show ", 5), 0);
}
END_TEST

struct complete_case {
	const char *name;
	const char *text;
	size_t len;             /* 0: strlen(text) */
	enum ipc_status status;
	enum client_result want;
	size_t n;
};

static const struct complete_case complete_cases[] = {
	{"no candidates", "", 0, IPC_STATUS_OK, CLIENT_OK, 0},
	{"no final newline", "k\tshow\tShow", 0, IPC_STATUS_OK, CLIENT_OK, 1},
	{"help with spaces", "k\tshow\tShow system information\n", 0, IPC_STATUS_OK, CLIENT_OK, 1},
	{"error text is not parsed", "% Unknown command\n", 0, IPC_STATUS_ERROR, CLIENT_OK, 0},
	{"unknown kind", "x\tshow\thelp\n", 0, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
	{"spaces for tabs", "k show help\n", 0, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
	{"empty word", "k\t\thelp\n", 0, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
	{"no help field", "k\tshow\n", 0, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
	{"extra field", "k\tshow\thelp\tmore\n", 0, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
	{"empty line", "k\tshow\thelp\n\n", 0, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
	{"NUL byte", "k\tsh\0w\thelp\n", 12, IPC_STATUS_OK, CLIENT_ERR_PROTOCOL, 0},
};

static void script_complete_case(struct fake *f)
{
	const struct complete_case *cc = f->arg;
	struct builder b;
	size_t len = cc->len != 0 ? cc->len : strlen(cc->text);

	if (srv_read_frame(f) != 0)
		return;
	builder_init_dynamic(&b, 4096);
	ipc_put_frame(&b, IPC_OUTPUT, cc->text, len);
	ipc_put_done(&b, cc->status, "gw1# ");
	srv_send(f, &b);
	srv_wait_eof(f);
}

START_TEST(test_complete_table)
{
	const struct complete_case *cc = &complete_cases[_i];
	struct fake f;
	struct client_completion comp;
	struct client_done done;
	struct client *c = fake_start(&f, script_complete_case, cc);

	ck_assert_msg(client_complete(c, "sh", &comp, &done) == cc->want, "%s: %s", cc->name,
		      client_error(c));
	ck_assert_uint_eq(comp.n, cc->n);
	if (cc->want == CLIENT_OK && cc->status != IPC_STATUS_OK)
		ck_assert_str_eq(comp.text, cc->text);
	if (cc->want == CLIENT_ERR_PROTOCOL)
		ck_assert_ptr_nonnull(strstr(client_error(c), "malformed completion"));
	client_completion_free(&comp);
	fake_finish(&f, c);
}
END_TEST

static void script_silent(struct fake *f)
{
	srv_read_frame(f);
	srv_wait_eof(f);
}

/* A raised interrupt flag ends the wait for an answer that never comes. */
START_TEST(test_interrupt_flag)
{
	static volatile sig_atomic_t flag;
	struct fake f;
	struct client_done done;
	struct client *c = fake_start(&f, script_silent, NULL);

	flag = 1;
	client_set_interrupt(c, &flag);
	ck_assert_int_eq(client_request(c, "show version", NULL, NULL, &done),
			 CLIENT_ERR_INTERRUPTED);
	ck_assert_ptr_nonnull(strstr(client_error(c), "interrupted"));
	fake_finish(&f, c);
}
END_TEST

START_TEST(test_connect_errors)
{
	char dir[] = "/tmp/check_client.XXXXXX", err[CLIENT_ERROR_MAX], want[CLIENT_ERROR_MAX];
	char path[256], longdir[200];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/" CLIENT_SOCKET_NAME, dir);

	/* Nothing there. */
	ck_assert_ptr_null(client_connect(dir, err, sizeof(err)));
	snprintf(want, sizeof(want),
		 "cannot connect to skygate-routed at %s: No such file or directory "
		 "(is it running? wrong --rundir?)",
		 path);
	ck_assert_str_eq(err, want);

	/* A socket nobody listens on (a daemon that died). */
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_uint_lt(strlen(path), sizeof(sun.sun_path));
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_ptr_null(client_connect(dir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "Connection refused (is it running? wrong --rundir?)"));

	/* Listening: connected, even though nobody accepts yet. */
	ck_assert_int_eq(listen(fd, 1), 0);
	struct client *c = client_connect(dir, err, sizeof(err));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_ge(client_fd(c), 0);
	client_close(c);
	client_close(NULL);
	close(fd);
	unlink(path);
	rmdir(dir);

	/* Tests run as root here, so EACCES is checked on the wording. */
	client_format_connect_error(err, sizeof(err), "/run/skygate/routed.sock", EACCES);
	ck_assert_str_eq(err,
			 "cannot connect to skygate-routed at /run/skygate/routed.sock: "
			 "Permission denied (the socket is group 'skygate': add your user to it)");

	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	ck_assert_ptr_null(client_connect(longdir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "too long"));
}
END_TEST

static Suite *client_suite(void)
{
	Suite *s = suite_create("client");
	TCase *tc = tcase_create("framing");
	TCase *tm = tcase_create("malformed");
	TCase *tx = tcase_create("requests");

	tcase_add_test(tc, test_normal_answer);
	tcase_add_test(tc, test_output_many_frames);
	tcase_add_test(tc, test_frame_split_bytewise);
	tcase_add_test(tc, test_close_status);
	tcase_add_test(tc, test_closed_after_answer);
	tcase_add_test(tc, test_pipelined_answers);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);

	tcase_add_loop_test(tm, test_bad_header_table, 0,
			    (int)(sizeof(header_cases) / sizeof(header_cases[0])));
	tcase_add_loop_test(tm, test_server_closes_table, 0,
			    (int)(sizeof(close_cases) / sizeof(close_cases[0])));
	tcase_add_loop_test(tm, test_bad_answer_table, 0,
			    (int)(sizeof(answer_cases) / sizeof(answer_cases[0])));
	suite_add_tcase(s, tm);

	tcase_add_test(tx, test_request_line_checks);
	tcase_add_test(tx, test_load);
	tcase_add_test(tx, test_load_size_limit);
	tcase_add_test(tx, test_complete);
	tcase_add_loop_test(tx, test_complete_table, 0,
			    (int)(sizeof(complete_cases) / sizeof(complete_cases[0])));
	tcase_add_test(tx, test_interrupt_flag);
	tcase_add_test(tx, test_connect_errors);
	suite_add_tcase(s, tx);
	return s;
}

int main(void)
{
	return unit_run(client_suite());
}
