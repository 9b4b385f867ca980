/*
 * check_fib.c - unit tests for routed/fib.
 *
 * "memory": the memory backend in full, and the checks and helpers every
 * backend shares.
 *
 * "netlink": the kernel backend against a real kernel, in a network
 * namespace made for the run (ip netns add skygate-fib-PID) holding a veth
 * pair, fib0 with 192.0.2.1/24 and 2001:db8:1::1/64, its peer fib1 up so
 * the link has carrier.  Each test enters the namespace (setns) and leaves
 * it clean; the namespace is deleted by name when the case ends, whether
 * its tests passed or not, and namespaces a crashed run left behind are
 * deleted at the next start.  iproute2 (`ip -o route show`) is the oracle
 * next to fib_route_get(): code no one here wrote says what the kernel
 * holds.  These tests need root (CAP_SYS_ADMIN for the namespace,
 * CAP_NET_ADMIN for routes); without it each fails saying so, so that a
 * run without root never passes quietly.  CK_RUN_CASE=memory runs the rest.
 *
 * The "netlink" case also reports how long 10,000 routes take to install
 * one netlink round trip at a time, and to flush; a figure, not a pass
 * mark.
 */
#include <arpa/inet.h>
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fib.h"
#include "log.h"
#include "prefix.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Our protocol number as the tests expect to see it in `ip route`; some
 * commands below spell it out. */
#define PROTO FIB_PROTO_SKYGATE
_Static_assert(FIB_PROTO_SKYGATE == 211, "check_fib.c writes 211 in ip commands");

static struct prefix
pfx(const char *text)
{
	struct prefix p;

	if (prefix_parse(text, &p) != 0)
		ck_abort_msg("bad prefix in test: %s", text);
	return p;
}

/* A gateway next hop; the family follows the text. */
static struct fib_nexthop
gw(const char *addr, int ifindex)
{
	struct fib_nexthop nh = {.ifindex = ifindex};

	if (inet_pton(AF_INET, addr, nh.addr) == 1)
		nh.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, nh.addr) == 1)
		nh.family = AF_INET6;
	else
		ck_abort_msg("bad address in test: %s", addr);
	return nh;
}

/* A next hop straight onto an interface. */
static struct fib_nexthop
dev(int ifindex)
{
	struct fib_nexthop nh = {.family = AF_UNSPEC, .ifindex = ifindex};

	return nh;
}

static void
set_ok(struct fib *f, const char *prefix, const struct fib_nexthop *nhs, size_t n,
       uint32_t metric)
{
	struct prefix p = pfx(prefix);

	ck_assert_msg(fib_route_set(f, &p, nhs, n, metric) == 0, "set %s: %s", prefix,
		      fib_last_error(f));
	ck_assert_str_eq(fib_last_error(f), "");
}

static void
set_fails(struct fib *f, const char *prefix, const struct fib_nexthop *nhs, size_t n,
	  uint32_t metric, const char *reason_part)
{
	struct prefix p = pfx(prefix);

	ck_assert_msg(fib_route_set(f, &p, nhs, n, metric) == -1, "set %s should fail", prefix);
	ck_assert_msg(strstr(fib_last_error(f), reason_part) != NULL,
		      "set %s: reason \"%s\" lacks \"%s\"", prefix, fib_last_error(f), reason_part);
}

static int
get(struct fib *f, const char *prefix, struct fib_nexthop *nhs, size_t max)
{
	struct prefix p = pfx(prefix);

	return fib_route_get(f, &p, nhs, max);
}

static void
del_ok(struct fib *f, const char *prefix)
{
	struct prefix p = pfx(prefix);

	ck_assert_msg(fib_route_del(f, &p) == 0, "del %s: %s", prefix, fib_last_error(f));
}

static bool
find(struct fib *f, const char *prefix, struct fib_route *r)
{
	struct prefix p = pfx(prefix);

	return fib_route_find(f, &p, r);
}

static bool
has_nh(const struct fib_nexthop *nhs, size_t n, struct fib_nexthop want)
{
	for (size_t i = 0; i < n; i++)
		if (fib_nexthop_equal(&nhs[i], &want))
			return true;
	return false;
}

/* ---- memory backend --------------------------------------------------- */

static struct fib *
mem_new(void)
{
	struct fib *f = fib_memory_new();

	ck_assert_ptr_nonnull(f);
	return f;
}

START_TEST(mem_set_get)
{
	struct fib *f = mem_new();
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 3);
	struct fib_nexthop out[4];
	struct fib_route r;

	set_ok(f, "198.18.1.0/24", &v4, 1, 20);
	set_ok(f, "2001:db8:100::/48", &v6, 1, 20);
	ck_assert_uint_eq(fib_count(f), 2);
	ck_assert_int_eq(get(f, "198.18.1.0/24", out, ARRAY_LEN(out)), 1);
	ck_assert(fib_nexthop_equal(&out[0], &v4));
	ck_assert_int_eq(get(f, "2001:db8:100::/48", out, ARRAY_LEN(out)), 1);
	ck_assert(fib_nexthop_equal(&out[0], &v6));

	ck_assert(find(f, "198.18.1.0/24", &r));
	ck_assert_uint_eq(r.metric, 20);
	ck_assert(!r.stale);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(fib_nexthop_equal(&r.nhs[0], &v4));

	/* Exact match only: neither a covering nor a covered prefix. */
	ck_assert_int_eq(get(f, "198.18.0.0/15", out, ARRAY_LEN(out)), 0);
	ck_assert_int_eq(get(f, "198.18.1.0/25", out, ARRAY_LEN(out)), 0);
	ck_assert(!find(f, "198.18.1.128/25", &r));
	/* Lookups ignore host bits. */
	ck_assert_int_eq(get(f, "198.18.1.7/24", out, ARRAY_LEN(out)), 1);
	/* A NULL array asks only for the count. */
	ck_assert_int_eq(get(f, "198.18.1.0/24", NULL, 0), 1);
	fib_free(f);
}
END_TEST

START_TEST(mem_replace)
{
	struct fib *f = mem_new();
	struct fib_nexthop a = gw("192.0.2.2", 0), b = gw("192.0.2.3", 7);
	struct fib_route r;

	set_ok(f, "198.18.5.0/24", &a, 1, 20);
	set_ok(f, "198.18.5.0/24", &b, 1, 30);
	ck_assert_uint_eq(fib_count(f), 1);
	ck_assert(find(f, "198.18.5.0/24", &r));
	ck_assert_uint_eq(r.metric, 30);
	ck_assert_uint_eq(r.n, 1);
	ck_assert(fib_nexthop_equal(&r.nhs[0], &b));
	fib_free(f);
}
END_TEST

START_TEST(mem_ecmp)
{
	struct fib *f = mem_new();
	struct fib_nexthop nhs[3] = {gw("2001:db8:1::2", 0), gw("2001:db8:1::3", 0),
				     gw("2001:db8:1::4", 5)};
	struct fib_nexthop out[2];
	struct fib_route r;

	set_ok(f, "2001:db8:104::/48", nhs, 3, 0);
	/* More next hops than room: the count, and the first ones. */
	ck_assert_int_eq(get(f, "2001:db8:104::/48", out, 2), 3);
	ck_assert(fib_nexthop_equal(&out[0], &nhs[0]));
	ck_assert(fib_nexthop_equal(&out[1], &nhs[1]));
	ck_assert(find(f, "2001:db8:104::/48", &r));
	ck_assert_uint_eq(r.n, 3);
	ck_assert(fib_nexthop_equal(&r.nhs[2], &nhs[2]));

	/* Down to one. */
	set_ok(f, "2001:db8:104::/48", &nhs[2], 1, 0);
	ck_assert_int_eq(get(f, "2001:db8:104::/48", out, 2), 1);
	ck_assert(fib_nexthop_equal(&out[0], &nhs[2]));
	fib_free(f);
}
END_TEST

START_TEST(mem_ipv6_metric_zero)
{
	struct fib *f = mem_new();
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	struct fib_route r;

	set_ok(f, "2001:db8:105::/48", &v6, 1, 0);
	ck_assert(find(f, "2001:db8:105::/48", &r));
	ck_assert_uint_eq(r.metric, 1024); /* what Linux stores for IPv6 metric 0 */
	set_ok(f, "198.18.5.0/24", &v4, 1, 0);
	ck_assert(find(f, "198.18.5.0/24", &r));
	ck_assert_uint_eq(r.metric, 0); /* IPv4 keeps 0 */
	fib_free(f);
}
END_TEST

START_TEST(mem_del)
{
	struct fib *f = mem_new();
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	struct fib_nexthop out[1];

	set_ok(f, "198.18.1.0/24", &v4, 1, 20);
	set_ok(f, "2001:db8:100::/48", &v6, 1, 20);
	del_ok(f, "198.18.1.0/24");
	ck_assert_uint_eq(fib_count(f), 1);
	ck_assert_int_eq(get(f, "198.18.1.0/24", out, 1), 0);
	del_ok(f, "198.18.1.0/24"); /* again: nothing to do */
	del_ok(f, "203.0.113.0/24"); /* never there */
	del_ok(f, "2001:db8:100::/48");
	ck_assert_uint_eq(fib_count(f), 0);
	fib_free(f);
}
END_TEST

/* Table of arguments fib_route_set() refuses, with a word of the reason. */
struct bad_route {
	const char *prefix;
	int family; /* of the one next hop; -1: from gw_text */
	const char *gw_text;
	int ifindex;
	const char *reason;
};

static const struct bad_route bad_routes[] = {
	{"198.18.0.1/15", -1, "192.0.2.2", 0, "host bits"},
	{"198.18.0.0/15", -1, "2001:db8:1::2", 0, "address family"},
	{"2001:db8:100::/48", -1, "192.0.2.2", 0, "address family"},
	{"198.18.0.0/15", -1, "0.0.0.0", 0, "all zeros"},
	{"2001:db8:100::/48", -1, "::", 0, "all zeros"},
	{"2001:db8:100::/48", -1, "fe80::1", 0, "link-local"},
	{"198.18.0.0/15", AF_UNSPEC, NULL, 0, "neither gateway nor interface"},
	{"198.18.0.0/15", -1, "192.0.2.2", -1, "interface index"},
	{"198.18.0.0/15", 99, NULL, 0, "unknown address family"},
};

START_TEST(mem_rejects)
{
	struct fib *f = mem_new();
	const struct bad_route *t = &bad_routes[_i];
	struct fib_nexthop nh = {0};
	char err[FIB_ERR_MAX];
	struct prefix p = pfx(t->prefix);

	if (t->family == -1)
		nh = gw(t->gw_text, t->ifindex);
	else
		nh.family = t->family;
	nh.ifindex = t->ifindex;
	set_fails(f, t->prefix, &nh, 1, 20, t->reason);
	ck_assert_uint_eq(fib_count(f), 0);
	/* fib_route_check() says the same without a fib. */
	ck_assert_int_eq(fib_route_check(&p, &nh, 1, err, sizeof(err)), -1);
	ck_assert_str_eq(err, fib_last_error(f));
	fib_free(f);
}
END_TEST

START_TEST(mem_rejects_counts)
{
	struct fib *f = mem_new();
	struct fib_nexthop many[FIB_NEXTHOP_MAX + 1];
	struct fib_nexthop twice[2] = {gw("192.0.2.2", 0), gw("192.0.2.2", 0)};
	struct fib_nexthop ok = gw("192.0.2.2", 0), ll = gw("fe80::1", 4);
	struct prefix bad = {.family = AF_INET, .len = 33};

	for (size_t i = 0; i < ARRAY_LEN(many); i++) {
		char text[INET_ADDRSTRLEN];

		snprintf(text, sizeof(text), "192.0.2.%zu", i + 1);
		many[i] = gw(text, 0);
	}
	set_fails(f, "198.18.0.0/15", many, 0, 20, "no next hop");
	set_fails(f, "198.18.0.0/15", many, ARRAY_LEN(many), 20, "too many");
	set_fails(f, "198.18.0.0/15", twice, 2, 20, "twice");
	ck_assert_int_eq(fib_route_set(f, &bad, &ok, 1, 20), -1);
	ck_assert_str_eq(fib_last_error(f), "invalid prefix");
	ck_assert_int_eq(fib_route_set(f, NULL, &ok, 1, 20), -1);
	ck_assert_int_eq(fib_route_del(f, &bad), -1);
	ck_assert_int_eq(fib_route_get(f, &bad, NULL, 0), -1);
	ck_assert_uint_eq(fib_count(f), 0);

	/* The most next hops there may be, and a link-local one with its
	 * interface, are fine; a success clears the reason. */
	set_ok(f, "198.18.0.0/15", many, FIB_NEXTHOP_MAX, 20);
	set_ok(f, "2001:db8:100::/48", &ll, 1, 20);

	/* A refused change leaves the route as it was. */
	set_fails(f, "198.18.0.0/15", twice, 2, 30, "twice");
	ck_assert_int_eq(get(f, "198.18.0.0/15", NULL, 0), FIB_NEXTHOP_MAX);
	fib_free(f);
}
END_TEST

START_TEST(mem_refuse)
{
	struct fib *f = mem_new();
	struct fib_nexthop nh = gw("192.0.2.2", 0);
	struct prefix within = pfx("198.18.0.0/15");

	ck_assert_int_eq(fib_memory_refuse(f, &within, "Nexthop has invalid gateway"), 0);
	set_fails(f, "198.18.1.0/24", &nh, 1, 20, "Nexthop has invalid gateway");
	set_fails(f, "198.18.0.0/15", &nh, 1, 20, "invalid gateway");
	set_ok(f, "203.0.113.0/24", &nh, 1, 20);
	ck_assert_uint_eq(fib_count(f), 1);
	ck_assert_int_eq(fib_memory_refuse(f, NULL, NULL), 0);
	set_ok(f, "198.18.1.0/24", &nh, 1, 20);
	ck_assert_int_eq(fib_memory_refuse(NULL, &within, "x"), -1);
	fib_free(f);
}
END_TEST

START_TEST(mem_stale_sweep)
{
	struct fib *f = mem_new();
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	struct fib_route r;
	size_t removed = 99;

	set_ok(f, "198.18.20.0/24", &v4, 1, 20);
	set_ok(f, "198.18.21.0/24", &v4, 1, 20);
	set_ok(f, "2001:db8:120::/48", &v6, 1, 20);
	ck_assert_uint_eq(fib_stale_count(f), 0);
	ck_assert_int_eq(fib_mark_stale(f), 0);
	ck_assert_uint_eq(fib_stale_count(f), 3);
	ck_assert(find(f, "198.18.20.0/24", &r));
	ck_assert(r.stale);

	/* Installing again clears the mark, even with no change at all. */
	set_ok(f, "198.18.20.0/24", &v4, 1, 20);
	set_ok(f, "198.18.22.0/24", &v4, 1, 20);
	ck_assert(find(f, "198.18.20.0/24", &r));
	ck_assert(!r.stale);
	ck_assert_uint_eq(fib_stale_count(f), 2);

	ck_assert_int_eq(fib_sweep(f, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_uint_eq(fib_count(f), 2);
	ck_assert(!find(f, "198.18.21.0/24", &r));
	ck_assert(!find(f, "2001:db8:120::/48", &r));
	ck_assert(find(f, "198.18.22.0/24", &r));

	ck_assert_int_eq(fib_sweep(f, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	ck_assert_int_eq(fib_sweep(f, NULL), 0);
	fib_free(f);
}
END_TEST

START_TEST(mem_flush)
{
	struct fib *f = mem_new();
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	size_t removed = 0;

	set_ok(f, "198.18.20.0/24", &v4, 1, 20);
	set_ok(f, "198.18.21.0/24", &v4, 1, 20);
	set_ok(f, "2001:db8:120::/48", &v6, 1, 20);
	ck_assert_int_eq(fib_mark_stale(f), 0);
	set_ok(f, "2001:db8:121::/48", &v6, 1, 20);
	ck_assert_int_eq(fib_flush(f, &removed), 0);
	ck_assert_uint_eq(removed, 4); /* stale or not */
	ck_assert_uint_eq(fib_count(f), 0);
	ck_assert_int_eq(fib_flush(f, &removed), 0);
	ck_assert_uint_eq(removed, 0);
	fib_free(f);
}
END_TEST

struct walk_log {
	char text[8][PREFIX_STRLEN];
	size_t n;
	size_t stop_after;
};

static int
walk_record(const struct fib_route *r, void *arg)
{
	struct walk_log *w = arg;

	prefix_format(&r->prefix, w->text[w->n], PREFIX_STRLEN);
	w->n++;
	return w->n == w->stop_after ? 42 : 0;
}

START_TEST(mem_walk_order)
{
	struct fib *f = mem_new();
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	struct walk_log w = {.stop_after = 0};

	set_ok(f, "2001:db8:120::/48", &v6, 1, 20);
	set_ok(f, "198.19.0.0/16", &v4, 1, 20);
	set_ok(f, "198.18.0.0/15", &v4, 1, 20);
	set_ok(f, "0.0.0.0/0", &v4, 1, 20);
	set_ok(f, "2001:db8::/32", &v6, 1, 20);
	ck_assert_int_eq(fib_walk(f, walk_record, &w), 0);
	ck_assert_uint_eq(w.n, 5);
	ck_assert_str_eq(w.text[0], "0.0.0.0/0");
	ck_assert_str_eq(w.text[1], "198.18.0.0/15");
	ck_assert_str_eq(w.text[2], "198.19.0.0/16");
	ck_assert_str_eq(w.text[3], "2001:db8::/32");
	ck_assert_str_eq(w.text[4], "2001:db8:120::/48");

	w.n = 0;
	w.stop_after = 2;
	ck_assert_int_eq(fib_walk(f, walk_record, &w), 42);
	ck_assert_uint_eq(w.n, 2);
	fib_free(f);
}
END_TEST

START_TEST(mem_nexthop_helpers)
{
	struct fib_nexthop a = gw("192.0.2.2", 0), b = gw("192.0.2.2", 0);
	struct fib_nexthop c = gw("2001:db8:1::2", 3), d = dev(3);
	char buf[FIB_NEXTHOP_STRLEN];

	/* Bytes an IPv4 next hop does not use do not count. */
	b.addr[12] = 0xff;
	ck_assert(fib_nexthop_equal(&a, &b));
	b.ifindex = 2;
	ck_assert(!fib_nexthop_equal(&a, &b));
	ck_assert(!fib_nexthop_equal(&c, &d));

	ck_assert_str_eq(fib_nexthop_format(&a, buf, sizeof(buf)), "192.0.2.2");
	ck_assert_str_eq(fib_nexthop_format(&c, buf, sizeof(buf)), "2001:db8:1::2 ifindex 3");
	ck_assert_str_eq(fib_nexthop_format(&d, buf, sizeof(buf)), "ifindex 3");
	ck_assert_str_eq(fib_nexthop_format(&c, buf, 8), ""); /* does not fit */
	d.family = 99;
	ck_assert_str_eq(fib_nexthop_format(&d, buf, sizeof(buf)), "");

	/* The unused bytes of what the fib keeps are zero. */
	{
		struct fib *f = mem_new();
		struct fib_route r;

		set_ok(f, "198.18.1.0/24", &b, 1, 20);
		ck_assert(find(f, "198.18.1.0/24", &r));
		ck_assert_uint_eq(r.nhs[0].addr[12], 0);
		fib_free(f);
	}
	fib_free(NULL);
	ck_assert_uint_eq(fib_count(NULL), 0);
	ck_assert_int_eq(fib_route_set(NULL, NULL, NULL, 0, 0), -1);
}
END_TEST

/* ---- netlink backend, in a network namespace ------------------------------ */

static char ns_name[64];
static char ns_error[512]; /* why there is no namespace; "" when there is one */
static int ns_home_fd = -1;
static int link_ifindex; /* fib0, inside the namespace */

/* Run a shell command made from fmt; its exit status, or -1. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int
sh(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	rc = system(cmd);
	if (rc == -1 || !WIFEXITED(rc))
		return -1;
	return WEXITSTATUS(rc);
}

/* What a command printed (caller frees); aborts the test if it fails. */
static char *sh_out(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *
sh_out(const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	FILE *p;
	char *buf = NULL;
	size_t len = 0, cap = 0, got;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "popen %s", cmd);
	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
		got = fread(buf + len, 1, cap - len - 1, p);
		len += got;
	} while (got > 0);
	buf[len] = '\0';
	ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
	return buf;
}

static size_t
count_lines(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* `ip -o route show` of our protocol, one family, every table; caller frees. */
static char *
ours(int family)
{
	return sh_out("ip -%d -n %s -o route show table all proto %d", family == AF_INET6 ? 6 : 4,
		      ns_name, PROTO);
}

static void
expect_ours(int family, size_t lines, const char *contains)
{
	char *out = ours(family);

	ck_assert_msg(count_lines(out) == lines, "expected %zu routes of ours, kernel has:\n%s",
		      lines, out);
	if (contains != NULL)
		ck_assert_msg(strstr(out, contains) != NULL, "no \"%s\" in:\n%s", contains, out);
	free(out);
}

static void
expect_kernel(const char *what, const char *contains, bool present)
{
	char *out = sh_out("ip -n %s -o %s", ns_name, what);

	ck_assert_msg((strstr(out, contains) != NULL) == present, "\"%s\" %s in `ip %s`:\n%s",
		      contains, present ? "missing" : "unexpected", what, out);
	free(out);
}

/* Delete namespaces of earlier runs of this program that died before they
 * could (their pid is gone). */
static void
ns_reap_orphans(void)
{
	DIR *d = opendir("/run/netns");
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		long pid;
		char tail;

		if (sscanf(e->d_name, "skygate-fib-%ld%c", &pid, &tail) != 1 || pid <= 0)
			continue;
		if (kill((pid_t)pid, 0) == -1 && errno == ESRCH)
			sh("ip netns del skygate-fib-%ld", pid);
	}
	closedir(d);
}

/* Unchecked fixture: runs once for the case, in the runner's process. */
static void
ns_create(void)
{
	/* Each is run as `ip -n NAME <step>`. */
	static const char *const steps[] = {
		"link set lo up",
		"link add fib0 type veth peer name fib1",
		"link set fib0 up",
		"link set fib1 up",
		"addr add 192.0.2.1/24 dev fib0",
		/* nodad: usable at once, no Duplicate Address Detection
		 * wait (RFC 4862 section 5.4) */
		"addr add 2001:db8:1::1/64 dev fib0 nodad",
	};

	ns_error[0] = '\0';
	ns_name[0] = '\0';
	if (geteuid() != 0) {
		snprintf(ns_error, sizeof(ns_error),
			 "the netlink FIB tests need root (CAP_SYS_ADMIN to make a network "
			 "namespace, CAP_NET_ADMIN to change its routes); run them as root, or "
			 "only the memory backend with CK_RUN_CASE=memory");
		return;
	}
	ns_reap_orphans();
	snprintf(ns_name, sizeof(ns_name), "skygate-fib-%ld", (long)getpid());
	if (sh("ip netns add %s", ns_name) != 0) {
		snprintf(ns_error, sizeof(ns_error), "`ip netns add %s` failed", ns_name);
		ns_name[0] = '\0';
		return;
	}
	for (size_t i = 0; i < ARRAY_LEN(steps); i++) {
		if (sh("ip -n %s %s", ns_name, steps[i]) != 0) {
			snprintf(ns_error, sizeof(ns_error),
				 "setting up the namespace: `ip -n %s %s` failed", ns_name,
				 steps[i]);
			return;
		}
	}
}

static void
ns_destroy(void)
{
	if (ns_name[0] != '\0' && sh("ip netns del %s", ns_name) != 0)
		fprintf(stderr, "check_fib: could not delete network namespace %s\n", ns_name);
	ns_name[0] = '\0';
}

/* Remove every route of ours and every static route in the namespace.
 * Run before each test as well as after: in fork mode Check skips the
 * checked teardown of a test that failed. */
static void
ns_clean(void)
{
	for (int v = 4; v <= 6; v += 2) {
		sh("ip -%d -n %s route flush table all proto %d", v, ns_name, PROTO);
		sh("ip -%d -n %s route flush table all proto static", v, ns_name);
	}
}

/* Checked fixture: around each test, in the process that runs it. */
static void
ns_enter(void)
{
	char path[128];
	int fd;

	if (ns_error[0] != '\0')
		ck_abort_msg("%s", ns_error);
	ns_home_fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ck_assert_msg(ns_home_fd >= 0, "open /proc/self/ns/net: %s", strerror(errno));
	snprintf(path, sizeof(path), "/run/netns/%s", ns_name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	ck_assert_msg(fd >= 0, "open %s: %s", path, strerror(errno));
	/* Netlink sockets belong to the namespace they are opened in, so
	 * every fib a test makes from here on works inside it. */
	ck_assert_msg(setns(fd, CLONE_NEWNET) == 0, "setns: %s", strerror(errno));
	close(fd);
	link_ifindex = (int)if_nametoindex("fib0");
	ck_assert_msg(link_ifindex > 0, "no fib0 in %s", ns_name);
	ns_clean();
}

static void
ns_leave(void)
{
	ns_clean();
	if (ns_home_fd >= 0) {
		if (setns(ns_home_fd, CLONE_NEWNET) != 0)
			fprintf(stderr, "check_fib: setns back: %s\n", strerror(errno));
		close(ns_home_fd);
		ns_home_fd = -1;
	}
}

static struct fib *
nl_new(uint32_t table)
{
	char err[256];
	struct fib *f = fib_netlink_new(0, table, err, sizeof(err));

	ck_assert_msg(f != NULL, "fib_netlink_new: %s", err);
	return f;
}

static void
flush_ok(struct fib *f, size_t expect)
{
	size_t removed = 0;

	ck_assert_msg(fib_flush(f, &removed) == 0, "flush: %s", fib_last_error(f));
	ck_assert_uint_eq(removed, expect);
	ck_assert_uint_eq(fib_count(f), 0);
}

START_TEST(nl_single)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	struct fib_nexthop out[4];

	set_ok(f, "198.18.1.0/24", &v4, 1, 20);
	set_ok(f, "2001:db8:100::/48", &v6, 1, 20);
	ck_assert_uint_eq(fib_count(f), 2);

	/* The kernel found the interface itself. */
	ck_assert_int_eq(get(f, "198.18.1.0/24", out, ARRAY_LEN(out)), 1);
	ck_assert(has_nh(out, 1, gw("192.0.2.2", link_ifindex)));
	ck_assert_int_eq(get(f, "2001:db8:100::/48", out, ARRAY_LEN(out)), 1);
	ck_assert(has_nh(out, 1, gw("2001:db8:1::2", link_ifindex)));
	ck_assert_int_eq(get(f, "198.18.1.0/25", out, ARRAY_LEN(out)), 0);
	ck_assert_int_eq(get(f, "198.18.0.0/15", out, ARRAY_LEN(out)), 0);

	expect_ours(AF_INET, 1, "198.18.1.0/24 via 192.0.2.2 dev fib0 metric 20");
	expect_ours(AF_INET6, 1, "2001:db8:100::/48 via 2001:db8:1::2 dev fib0 metric 20");

	/* Given an interface, the kernel uses that one. */
	{
		struct fib_nexthop with_if = gw("192.0.2.2", link_ifindex);

		set_ok(f, "198.18.0.0/15", &with_if, 1, 20);
		expect_ours(AF_INET, 2, "198.18.0.0/15 via 192.0.2.2 dev fib0 metric 20");
	}
	flush_ok(f, 3);
	expect_ours(AF_INET, 0, NULL);
	expect_ours(AF_INET6, 0, NULL);
	fib_free(f);
}
END_TEST

START_TEST(nl_ecmp)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop v4[2] = {gw("192.0.2.2", 0), gw("192.0.2.3", 0)};
	struct fib_nexthop v6[2] = {gw("2001:db8:1::2", 0), gw("2001:db8:1::3", 0)};
	struct fib_nexthop v6b[2] = {gw("2001:db8:1::3", 0), gw("2001:db8:1::4", 0)};
	struct fib_nexthop out[4];

	set_ok(f, "198.18.4.0/24", v4, 2, 20);
	ck_assert_int_eq(get(f, "198.18.4.0/24", out, ARRAY_LEN(out)), 2);
	ck_assert(has_nh(out, 2, gw("192.0.2.2", link_ifindex)));
	ck_assert(has_nh(out, 2, gw("192.0.2.3", link_ifindex)));
	expect_ours(AF_INET, 1, "nexthop via 192.0.2.2 dev fib0");
	expect_ours(AF_INET, 1, "nexthop via 192.0.2.3 dev fib0");

	set_ok(f, "2001:db8:104::/48", v6, 2, 20);
	ck_assert_int_eq(get(f, "2001:db8:104::/48", out, ARRAY_LEN(out)), 2);
	ck_assert(has_nh(out, 2, gw("2001:db8:1::2", link_ifindex)));
	ck_assert(has_nh(out, 2, gw("2001:db8:1::3", link_ifindex)));
	expect_ours(AF_INET6, 1, "nexthop via 2001:db8:1::2 dev fib0");

	/* Replacing a multipath route replaces the whole set (IPv6 too). */
	set_ok(f, "2001:db8:104::/48", v6b, 2, 20);
	ck_assert_int_eq(get(f, "2001:db8:104::/48", out, ARRAY_LEN(out)), 2);
	ck_assert(!has_nh(out, 2, gw("2001:db8:1::2", link_ifindex)));
	ck_assert(has_nh(out, 2, gw("2001:db8:1::4", link_ifindex)));
	expect_ours(AF_INET6, 1, "nexthop via 2001:db8:1::4 dev fib0");

	/* Down to one next hop, and back up. */
	set_ok(f, "198.18.4.0/24", &v4[1], 1, 20);
	ck_assert_int_eq(get(f, "198.18.4.0/24", out, ARRAY_LEN(out)), 1);
	expect_ours(AF_INET, 1, "198.18.4.0/24 via 192.0.2.3 dev fib0 metric 20");
	set_ok(f, "2001:db8:104::/48", &v6[0], 1, 20);
	expect_ours(AF_INET6, 1, "2001:db8:104::/48 via 2001:db8:1::2 dev fib0 metric 20");
	set_ok(f, "2001:db8:104::/48", v6, 2, 20);
	ck_assert_int_eq(get(f, "2001:db8:104::/48", out, ARRAY_LEN(out)), 2);
	expect_ours(AF_INET6, 1, NULL);

	ck_assert_uint_eq(fib_count(f), 2);
	flush_ok(f, 2);
	expect_ours(AF_INET, 0, NULL);
	expect_ours(AF_INET6, 0, NULL);
	fib_free(f);
}
END_TEST

START_TEST(nl_replace_metric)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop a = gw("192.0.2.2", 0), b = gw("192.0.2.3", 0);
	struct fib_nexthop v6 = gw("2001:db8:1::2", 0);
	struct fib_route r;

	set_ok(f, "198.18.5.0/24", &a, 1, 20);
	set_ok(f, "198.18.5.0/24", &b, 1, 20);
	expect_ours(AF_INET, 1, "198.18.5.0/24 via 192.0.2.3 dev fib0 metric 20");

	/* A new metric is a new kernel route; the old one goes after. */
	set_ok(f, "198.18.5.0/24", &b, 1, 30);
	expect_ours(AF_INET, 1, "198.18.5.0/24 via 192.0.2.3 dev fib0 metric 30");
	ck_assert(find(f, "198.18.5.0/24", &r));
	ck_assert_uint_eq(r.metric, 30);

	/* IPv6 metric 0 is the kernel's 1024, recorded as such. */
	set_ok(f, "2001:db8:105::/48", &v6, 1, 0);
	expect_ours(AF_INET6, 1, "2001:db8:105::/48 via 2001:db8:1::2 dev fib0 metric 1024");
	ck_assert(find(f, "2001:db8:105::/48", &r));
	ck_assert_uint_eq(r.metric, 1024);
	set_ok(f, "2001:db8:105::/48", &v6, 1, 1024); /* the same route */
	expect_ours(AF_INET6, 1, "metric 1024");
	set_ok(f, "2001:db8:105::/48", &v6, 1, 50);
	expect_ours(AF_INET6, 1, "2001:db8:105::/48 via 2001:db8:1::2 dev fib0 metric 50");

	flush_ok(f, 2);
	fib_free(f);
}
END_TEST

START_TEST(nl_delete)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop v4 = gw("192.0.2.2", 0);
	struct fib_nexthop v6[2] = {gw("2001:db8:1::2", 0), gw("2001:db8:1::3", 0)};
	struct fib_nexthop out[2];

	set_ok(f, "198.18.1.0/24", &v4, 1, 20);
	set_ok(f, "2001:db8:104::/48", v6, 2, 20);
	del_ok(f, "198.18.1.0/24");
	del_ok(f, "2001:db8:104::/48"); /* every sibling of the multipath route */
	ck_assert_int_eq(get(f, "198.18.1.0/24", out, 2), 0);
	ck_assert_int_eq(get(f, "2001:db8:104::/48", out, 2), 0);
	expect_ours(AF_INET, 0, NULL);
	expect_ours(AF_INET6, 0, NULL);
	ck_assert_uint_eq(fib_count(f), 0);
	del_ok(f, "198.18.1.0/24"); /* not there: fine */

	/* Gone behind our back (an interface went away, say): fine too. */
	set_ok(f, "198.18.1.0/24", &v4, 1, 20);
	ck_assert_int_eq(sh("ip -n %s route del 198.18.1.0/24 proto %d", ns_name, PROTO), 0);
	del_ok(f, "198.18.1.0/24");
	ck_assert_uint_eq(fib_count(f), 0);
	fib_free(f);
}
END_TEST

START_TEST(nl_unreachable)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop far4 = gw("203.0.113.9", 0), far6 = gw("2001:db8:ffff::9", 0);
	struct fib_nexthop near = gw("192.0.2.2", 0), nodev = dev(999999);
	struct fib_nexthop out[2];
	struct fib_route r;

	/* No route to the gateway: the kernel refuses and says why. */
	set_fails(f, "198.18.2.0/24", &far4, 1, 20, "gateway");
	printf("check_fib: IPv4 unreachable next hop: \"%s\"\n", fib_last_error(f));
	set_fails(f, "2001:db8:200::/48", &far6, 1, 20, "");
	ck_assert_str_ne(fib_last_error(f), "");
	printf("check_fib: IPv6 unreachable next hop: \"%s\"\n", fib_last_error(f));
	set_fails(f, "198.18.2.0/24", &nodev, 1, 20, "");
	ck_assert_str_ne(fib_last_error(f), "");
	printf("check_fib: next hop on a missing interface: \"%s\"\n", fib_last_error(f));
	ck_assert_uint_eq(fib_count(f), 0);
	expect_ours(AF_INET, 0, NULL);
	expect_ours(AF_INET6, 0, NULL);

	/* A refused replacement leaves the route that was there. */
	set_ok(f, "198.18.6.0/24", &near, 1, 20);
	set_fails(f, "198.18.6.0/24", &far4, 1, 20, "gateway");
	ck_assert_int_eq(get(f, "198.18.6.0/24", out, 2), 1);
	ck_assert(has_nh(out, 1, gw("192.0.2.2", link_ifindex)));
	ck_assert(find(f, "198.18.6.0/24", &r));
	ck_assert(fib_nexthop_equal(&r.nhs[0], &near));
	/* Likewise at a new metric (the old route is kept). */
	set_fails(f, "198.18.6.0/24", &far4, 1, 40, "gateway");
	expect_ours(AF_INET, 1, "198.18.6.0/24 via 192.0.2.2 dev fib0 metric 20");
	flush_ok(f, 1);
	fib_free(f);
}
END_TEST

START_TEST(nl_device_route)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop d = dev(link_ifindex);
	struct fib_nexthop out[2];

	set_ok(f, "198.18.3.0/24", &d, 1, 20);
	set_ok(f, "2001:db8:103::/48", &d, 1, 20);
	expect_ours(AF_INET, 1, "198.18.3.0/24 dev fib0 scope link metric 20");
	expect_ours(AF_INET6, 1, "2001:db8:103::/48 dev fib0 metric 20");
	ck_assert_int_eq(get(f, "198.18.3.0/24", out, 2), 1);
	ck_assert(fib_nexthop_equal(&out[0], &d));
	ck_assert_int_eq(get(f, "2001:db8:103::/48", out, 2), 1);
	ck_assert(fib_nexthop_equal(&out[0], &d));
	flush_ok(f, 2);
	fib_free(f);
}
END_TEST

START_TEST(nl_foreign_untouched)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v6 = gw("2001:db8:1::2", 0);
	size_t removed;

	ck_assert_int_eq(sh("ip -n %s route add 198.18.200.0/24 via 192.0.2.2 proto static",
			    ns_name), 0);
	ck_assert_int_eq(sh("ip -n %s route add 198.18.10.0/24 via 192.0.2.3 metric 20 "
			    "proto static",
			    ns_name),
			 0);
	ck_assert_int_eq(sh("ip -6 -n %s route add 2001:db8:110::/48 via 2001:db8:1::3 metric 20 "
			    "proto static",
			    ns_name),
			 0);

	/* Same prefix and metric as another protocol's route: the kernel
	 * would replace theirs, so we do not. */
	set_fails(f, "198.18.10.0/24", &v4, 1, 20, "another protocol");
	set_fails(f, "2001:db8:110::/48", &v6, 1, 20, "another protocol");
	expect_kernel("-4 route show proto static", "198.18.10.0/24 via 192.0.2.3", true);
	expect_kernel("-6 route show proto static", "2001:db8:110::/48 via 2001:db8:1::3", true);
	ck_assert_uint_eq(fib_count(f), 0);

	/* At another metric both live side by side. */
	set_ok(f, "198.18.10.0/24", &v4, 1, 30);
	set_ok(f, "2001:db8:110::/48", &v6, 1, 30);
	set_ok(f, "198.18.11.0/24", &v4, 1, 20);
	/* Deleting a prefix we never installed touches nothing. */
	del_ok(f, "198.18.200.0/24");

	ck_assert_int_eq(fib_mark_stale(f), 0);
	ck_assert_uint_eq(fib_stale_count(f), 3);
	ck_assert_int_eq(fib_sweep(f, &removed), 0);
	ck_assert_uint_eq(removed, 3);
	set_ok(f, "198.18.10.0/24", &v4, 1, 30);
	set_ok(f, "2001:db8:110::/48", &v6, 1, 30);
	flush_ok(f, 2);

	expect_ours(AF_INET, 0, NULL);
	expect_ours(AF_INET6, 0, NULL);
	expect_kernel("-4 route show proto static", "198.18.200.0/24 via 192.0.2.2", true);
	expect_kernel("-4 route show proto static", "198.18.10.0/24 via 192.0.2.3", true);
	expect_kernel("-6 route show proto static", "2001:db8:110::/48 via 2001:db8:1::3", true);
	/* The connected routes are the kernel's and still there. */
	expect_kernel("-4 route show proto kernel", "192.0.2.0/24 dev fib0", true);
	expect_kernel("-6 route show proto kernel", "2001:db8:1::/64 dev fib0", true);
	fib_free(f);
}
END_TEST

START_TEST(nl_restart)
{
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v4b = gw("192.0.2.3", 0);
	struct fib_nexthop ecmp[2] = {gw("192.0.2.2", 0), gw("192.0.2.3", 0)};
	struct fib_nexthop v6 = gw("2001:db8:1::2", 0);
	struct fib_nexthop out[4];
	struct fib *a, *b, *t;
	struct fib_route r;
	size_t removed;

	/* The first run installs routes and dies without flushing. */
	a = nl_new(0);
	set_ok(a, "198.18.20.0/24", &v4, 1, 20);
	set_ok(a, "198.18.21.0/24", &v4, 1, 20);
	set_ok(a, "198.18.22.0/24", ecmp, 2, 20);
	set_ok(a, "2001:db8:120::/48", &v6, 1, 20);
	set_ok(a, "2001:db8:121::/48", &v6, 1, 20);
	fib_free(a);
	/* ... and one in another table, with the same protocol number. */
	t = nl_new(100);
	set_ok(t, "198.18.30.0/24", &v4, 1, 20);
	fib_free(t);
	/* ... and a second copy of one route at another metric. */
	ck_assert_int_eq(sh("ip -n %s route add 198.18.20.0/24 via 192.0.2.3 metric 99 proto %d",
			    ns_name, PROTO),
			 0);
	expect_ours(AF_INET, 5, NULL);
	expect_ours(AF_INET6, 2, NULL);

	/* The next run adopts them (table main only), all stale; they
	 * keep forwarding meanwhile. */
	b = nl_new(0);
	ck_assert_uint_eq(fib_count(b), 0);
	ck_assert_int_eq(fib_mark_stale(b), 0);
	ck_assert_uint_eq(fib_count(b), 5);
	ck_assert_uint_eq(fib_stale_count(b), 5);
	ck_assert(find(b, "198.18.22.0/24", &r));
	ck_assert(r.stale);
	ck_assert_uint_eq(r.metric, 20);
	ck_assert_uint_eq(r.n, 2);
	ck_assert(find(b, "198.18.20.0/24", &r));
	ck_assert_uint_eq(r.metric, 20); /* the active copy; the metric 99 one went */
	expect_kernel("-4 route show proto 211", "metric 99", false);
	ck_assert_int_eq(get(b, "198.18.22.0/24", out, ARRAY_LEN(out)), 2);

	/* It learns some again, one changed, one new. */
	set_ok(b, "198.18.20.0/24", &v4, 1, 20);
	set_ok(b, "198.18.21.0/24", &v4b, 1, 20);
	set_ok(b, "2001:db8:120::/48", &v6, 1, 20);
	set_ok(b, "198.18.23.0/24", &v4, 1, 20);
	ck_assert_uint_eq(fib_stale_count(b), 2);

	ck_assert_int_eq(fib_sweep(b, &removed), 0);
	ck_assert_uint_eq(removed, 2);
	ck_assert_uint_eq(fib_count(b), 4);
	expect_kernel("-4 route show proto 211", "198.18.22.0/24", false);
	expect_kernel("-6 route show proto 211", "2001:db8:121::/48", false);
	expect_kernel("-4 route show proto 211", "198.18.21.0/24 via 192.0.2.3", true);
	/* Table 100 is another fib's business. */
	expect_kernel("-4 route show table 100 proto 211", "198.18.30.0/24", true);

	flush_ok(b, 4);
	fib_free(b);
	expect_kernel("-4 route show table all proto 211",
		      "198.18.30.0/24 via 192.0.2.2 dev fib0 table 100", true);
	expect_ours(AF_INET, 1, NULL);
	expect_ours(AF_INET6, 0, NULL);

	t = nl_new(100);
	ck_assert_int_eq(fib_mark_stale(t), 0);
	ck_assert_uint_eq(fib_count(t), 1);
	flush_ok(t, 1);
	fib_free(t);
	expect_ours(AF_INET, 0, NULL);
}
END_TEST

START_TEST(nl_takeover_without_mark)
{
	struct fib_nexthop v4 = gw("192.0.2.2", 0), v4b = gw("192.0.2.3", 0);
	struct fib *a = nl_new(0), *b;

	set_ok(a, "198.18.40.0/24", &v4, 1, 20);
	fib_free(a);
	/* A fib that did not adopt the route finds it is ours and replaces
	 * it, instead of failing on "File exists". */
	b = nl_new(0);
	set_ok(b, "198.18.40.0/24", &v4b, 1, 20);
	expect_ours(AF_INET, 1, "198.18.40.0/24 via 192.0.2.3 dev fib0 metric 20");
	flush_ok(b, 1);
	fib_free(b);
}
END_TEST

START_TEST(nl_new_rejects)
{
	char err[256];
	struct fib *f;
	struct prefix p = pfx("198.18.0.0/15");

	ck_assert_ptr_null(fib_netlink_new(2, 0, err, sizeof(err))); /* RTPROT_KERNEL */
	ck_assert_str_ne(err, "");
	ck_assert_ptr_null(fib_netlink_new(4, 0, err, sizeof(err))); /* RTPROT_STATIC */
	ck_assert_ptr_null(fib_netlink_new(0, 255, err, sizeof(err))); /* local */
	ck_assert_ptr_null(fib_netlink_new(0, 252, NULL, 0));
	f = fib_netlink_new(0, 1000, err, sizeof(err)); /* a table past 255 is fine */
	ck_assert_msg(f != NULL, "%s", err);
	ck_assert_str_eq(err, "");
	ck_assert_int_eq(fib_memory_refuse(f, &p, "x"), -1);
	/* Nothing in table 1000 yet: an IPv4 dump of it says ENOENT. */
	ck_assert_int_eq(fib_mark_stale(f), 0);
	ck_assert_int_eq(get(f, "198.18.0.0/15", NULL, 0), 0);
	{
		struct fib_nexthop v4 = gw("192.0.2.2", 0);

		set_ok(f, "198.18.0.0/15", &v4, 1, 20);
		expect_kernel("-4 route show table 1000 proto 211", "198.18.0.0/15 via 192.0.2.2",
			      true);
		ck_assert_int_eq(get(f, "198.18.0.0/15", NULL, 0), 1);
	}
	flush_ok(f, 1);
	fib_free(f);
}
END_TEST

static double
seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

#define BULK_ROUTES 10000

START_TEST(nl_bulk_10k)
{
	struct fib *f = nl_new(0);
	struct fib_nexthop v4 = gw("192.0.2.2", 0);
	struct timespec t0;
	double install, flush;
	size_t removed = 0;
	char *out;

	/* Host routes from 198.18.0.0/15 (RFC 2544's benchmarking block),
	 * one request and acknowledgement each. */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (unsigned i = 0; i < BULK_ROUTES; i++) {
		struct prefix p = {.family = AF_INET, .len = 32};

		p.addr[0] = 198;
		p.addr[1] = (uint8_t)(18 + (i >> 16));
		p.addr[2] = (uint8_t)(i >> 8);
		p.addr[3] = (uint8_t)i;
		if (fib_route_set(f, &p, &v4, 1, 20) != 0)
			ck_abort_msg("route %u: %s", i, fib_last_error(f));
	}
	install = seconds_since(&t0);
	ck_assert_uint_eq(fib_count(f), BULK_ROUTES);
	out = ours(AF_INET);
	ck_assert_uint_eq(count_lines(out), BULK_ROUTES);
	free(out);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_int_eq(fib_flush(f, &removed), 0);
	flush = seconds_since(&t0);
	ck_assert_uint_eq(removed, BULK_ROUTES);
	expect_ours(AF_INET, 0, NULL);
	printf("check_fib: %d routes installed one by one in %.3f s (%.1f us each), "
	       "flushed in %.3f s\n",
	       BULK_ROUTES, install, install * 1e6 / BULK_ROUTES, flush);
	fib_free(f);
}
END_TEST


/* ---- queued changes ------------------------------------------------------ */

/* Every outcome reported, in order. */
struct outcomes {
	struct outcome {
		struct prefix p;
		bool removal;
		int rc;
		char reason[FIB_ERR_MAX];
	} *list;
	size_t n, cap;
};

static void
note_outcome(const struct prefix *p, bool removal, int rc, const char *reason, void *arg)
{
	struct outcomes *o = arg;

	if (o->n == o->cap) {
		o->cap = o->cap ? o->cap * 2 : 256;
		o->list = realloc(o->list, o->cap * sizeof(*o->list));
		ck_assert_ptr_nonnull(o->list);
	}
	o->list[o->n].p = *p;
	o->list[o->n].removal = removal;
	o->list[o->n].rc = rc;
	snprintf(o->list[o->n].reason, sizeof(o->list[o->n].reason), "%s", reason);
	o->n++;
}

/* Host route i of 198.18.0.0/15. */
static struct prefix
host4(unsigned i)
{
	struct prefix p = {.family = AF_INET, .len = 32};

	p.addr[0] = 198;
	p.addr[1] = (uint8_t)(18 + (i >> 16));
	p.addr[2] = (uint8_t)(i >> 8);
	p.addr[3] = (uint8_t)i;
	return p;
}

/* A /64 of 2001:db8:8000::/33 for i. */
static struct prefix
net6(unsigned i)
{
	struct prefix p = {.family = AF_INET6, .len = 64};

	p.addr[0] = 0x20;
	p.addr[1] = 0x01;
	p.addr[2] = 0x0d;
	p.addr[3] = 0xb8;
	p.addr[4] = 0x80;
	p.addr[6] = (uint8_t)(i >> 8);
	p.addr[7] = (uint8_t)i;
	return p;
}

/* Queue n4 IPv4 and n6 IPv6 routes, those with i % bad_every == 1 through
 * an unreachable gateway, and check that each outcome is reported for its
 * own route, in order, with the kernel's reason for the bad ones.  Returns
 * how many were installed. */
static size_t
queue_mixed(struct fib *f, struct outcomes *o, unsigned n4, unsigned n6, unsigned bad_every)
{
	struct fib_nexthop near4 = gw("192.0.2.2", 0), far4 = gw("203.0.113.9", 0);
	struct fib_nexthop near6 = gw("2001:db8:1::2", 0), far6 = gw("2001:db8:ffff::9", 0);
	size_t good = 0, base = o->n;

	for (unsigned i = 0; i < n4 + n6; i++) {
		bool bad = i % bad_every == 1;
		struct prefix p = i < n4 ? host4(i) : net6(i - n4);
		const struct fib_nexthop *nh = i < n4 ? (bad ? &far4 : &near4) : (bad ? &far6 : &near6);

		ck_assert_msg(fib_route_set_queued(f, &p, nh, 1, 20) == 0, "queue %u: %s", i,
			      fib_last_error(f));
	}
	ck_assert_int_eq(fib_submit(f), 0);
	fib_drain(f);
	ck_assert_uint_eq(fib_in_flight(f), 0);
	ck_assert_uint_eq(o->n - base, n4 + n6);
	for (unsigned i = 0; i < n4 + n6; i++) {
		const struct outcome *e = &o->list[base + i];
		struct prefix want = i < n4 ? host4(i) : net6(i - n4);
		char pbuf[PREFIX_STRLEN];

		ck_assert_msg(prefix_equal(&e->p, &want), "outcome %u is for %s", i,
			      prefix_format(&e->p, pbuf, sizeof(pbuf)));
		ck_assert(!e->removal);
		if (i % bad_every == 1) {
			ck_assert_msg(e->rc == -1, "route %u through an unreachable gateway installed",
				      i);
			ck_assert_str_ne(e->reason, "");
			if (i < n4)
				ck_assert_msg(strstr(e->reason, "gateway") != NULL, "reason \"%s\"",
					      e->reason);
		} else {
			ck_assert_msg(e->rc == 0, "route %u: %s", i, e->reason);
			ck_assert_str_eq(e->reason, "");
			good++;
		}
	}
	return good;
}

static size_t
count_good(unsigned n, unsigned bad_every)
{
	size_t good = 0;

	for (unsigned i = 0; i < n; i++)
		good += i % bad_every != 1;
	return good;
}

START_TEST(nl_queued_errors_mapped)
{
	struct fib *f = nl_new(0);
	struct outcomes o = {0};
	size_t good;

	fib_set_result_fn(f, note_outcome, &o);
	ck_assert_int_ge(fib_fd(f), 0);
	good = queue_mixed(f, &o, 3000, 1000, 7);
	ck_assert_uint_eq(fib_count(f), good);
	expect_ours(AF_INET, count_good(3000, 7), NULL);
	ck_assert_uint_eq(fib_netlink_answers_lost(f), 0);

	/* Removals are reported too, and one of a route never installed at
	 * once. */
	{
		struct prefix gone = host4(1), kept = host4(2);

		o.n = 0;
		ck_assert_int_eq(fib_route_del_queued(f, &gone), 0);
		ck_assert_uint_eq(o.n, 1);
		ck_assert(o.list[0].removal && o.list[0].rc == 0);
		ck_assert_int_eq(fib_route_del_queued(f, &kept), 0);
		ck_assert_int_eq(fib_submit(f), 0);
		/* The kernel answered inside the send: one read finds it. */
		ck_assert_uint_eq(fib_process(f), 1);
		ck_assert_uint_eq(o.n, 2);
		ck_assert(o.list[1].removal && o.list[1].rc == 0 && prefix_equal(&o.list[1].p, &kept));
		ck_assert_uint_eq(fib_count(f), good - 1);
		good--;
	}
	flush_ok(f, good);
	expect_ours(AF_INET, 0, NULL);
	expect_ours(AF_INET6, 0, NULL);
	free(o.list);
	fib_free(f);
}
END_TEST

START_TEST(nl_queued_full_buffer)
{
	struct fib *f = nl_new(0);
	struct outcomes o = {0};
	size_t good, removed = 0;

	/* A receive buffer far too small for the answers in flight: the
	 * kernel drops most of them (ENOBUFS), and the fib must still learn
	 * what became of every change. */
	ck_assert_int_eq(fib_netlink_tune(f, 20000, 4096), 0);
	fib_set_result_fn(f, note_outcome, &o);
	good = queue_mixed(f, &o, 6000, 0, 11);
	ck_assert_uint_gt(fib_netlink_answers_lost(f), 0);
	printf("check_fib: %zu of 6000 answers dropped by a full buffer, all recovered\n",
	       fib_netlink_answers_lost(f));
	ck_assert_uint_eq(fib_count(f), good);
	expect_ours(AF_INET, good, NULL);
	ck_assert_int_eq(fib_flush(f, &removed), 0);
	ck_assert_uint_eq(removed, good);
	expect_ours(AF_INET, 0, NULL);
	free(o.list);
	fib_free(f);
}
END_TEST

START_TEST(nl_queued_small_ring)
{
	struct fib *f = nl_new(0);
	struct outcomes o = {0};
	size_t good;

	/* Eight in flight at most: the ring wraps around many times. */
	ck_assert_int_eq(fib_netlink_tune(f, 8, 0), 0);
	fib_set_result_fn(f, note_outcome, &o);
	good = queue_mixed(f, &o, 500, 100, 5);
	ck_assert_uint_eq(fib_count(f), good);
	ck_assert_uint_eq(fib_netlink_answers_lost(f), 0);
	flush_ok(f, good);
	free(o.list);
	fib_free(f);
}
END_TEST

START_TEST(nl_queued_same_prefix)
{
	struct fib *f = nl_new(0);
	struct outcomes o = {0};
	struct fib_nexthop a = gw("192.0.2.2", 0), b = gw("192.0.2.3", 0), c = gw("192.0.2.4", 0);
	struct prefix p = pfx("198.18.5.0/24"), q = pfx("198.18.6.0/24");
	struct fib_route r;

	fib_set_result_fn(f, note_outcome, &o);
	/* Changes to one prefix never overtake each other: the last wins. */
	ck_assert_int_eq(fib_route_set_queued(f, &p, &a, 1, 20), 0);
	ck_assert_int_eq(fib_route_set_queued(f, &p, &b, 1, 20), 0);
	ck_assert_int_eq(fib_route_del_queued(f, &p), 0);
	ck_assert_int_eq(fib_route_set_queued(f, &q, &a, 1, 20), 0);
	ck_assert_int_eq(fib_route_set_queued(f, &p, &c, 1, 20), 0);
	fib_drain(f);
	ck_assert_uint_eq(o.n, 5);
	for (size_t i = 0; i < o.n; i++)
		ck_assert_msg(o.list[i].rc == 0, "outcome %zu: %s", i, o.list[i].reason);
	ck_assert(o.list[2].removal && prefix_equal(&o.list[2].p, &p));
	ck_assert(prefix_equal(&o.list[3].p, &q) && prefix_equal(&o.list[4].p, &p));
	expect_ours(AF_INET, 2, "198.18.5.0/24 via 192.0.2.4 dev fib0");
	ck_assert(find(f, "198.18.5.0/24", &r));
	ck_assert(fib_nexthop_equal(&r.nhs[0], &c));

	/* A metric change through the queue: the route moves. */
	ck_assert_int_eq(fib_route_set_queued(f, &p, &c, 1, 40), 0);
	fib_drain(f);
	ck_assert_int_eq(o.list[o.n - 1].rc, 0);
	expect_ours(AF_INET, 2, "198.18.5.0/24 via 192.0.2.4 dev fib0 metric 40");
	flush_ok(f, 2);
	free(o.list);
	fib_free(f);
}
END_TEST

START_TEST(nl_queued_existing)
{
	struct fib *f = nl_new(0);
	struct outcomes o = {0};
	struct fib_nexthop v4 = gw("192.0.2.2", 0);
	struct prefix theirs = pfx("198.18.10.0/24"), left = pfx("198.18.12.0/24");

	ck_assert_int_eq(sh("ip -n %s route add 198.18.10.0/24 via 192.0.2.3 metric 20 "
			    "proto static",
			    ns_name),
			 0);
	/* Ours from a run that left it, not adopted by fib_mark_stale(). */
	ck_assert_int_eq(sh("ip -n %s route add 198.18.12.0/24 via 192.0.2.3 metric 20 proto %d",
			    ns_name, PROTO),
			 0);
	fib_set_result_fn(f, note_outcome, &o);
	ck_assert_int_eq(fib_route_set_queued(f, &theirs, &v4, 1, 20), 0);
	ck_assert_int_eq(fib_route_set_queued(f, &left, &v4, 1, 20), 0);
	fib_drain(f);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_int_eq(o.list[0].rc, -1);
	ck_assert_msg(strstr(o.list[0].reason, "another protocol") != NULL, "reason \"%s\"",
		      o.list[0].reason);
	ck_assert_msg(o.list[1].rc == 0, "take-over: %s", o.list[1].reason);
	expect_kernel("-4 route show proto static", "198.18.10.0/24 via 192.0.2.3", true);
	expect_ours(AF_INET, 1, "198.18.12.0/24 via 192.0.2.2 dev fib0 metric 20");
	ck_assert_uint_eq(fib_count(f), 1);
	flush_ok(f, 1);
	free(o.list);
	fib_free(f);
}
END_TEST

START_TEST(mem_queued)
{
	struct fib *f = mem_new();
	struct outcomes o = {0};
	struct fib_nexthop v4 = gw("192.0.2.2", 0);
	struct prefix ok = pfx("198.18.1.0/24"), refused = pfx("198.18.200.0/24");
	struct prefix within = pfx("198.18.200.0/22");

	ck_assert_int_eq(fib_fd(f), -1);
	fib_set_result_fn(f, note_outcome, &o);
	ck_assert_int_eq(fib_memory_refuse(f, &within, "Nexthop has invalid gateway"), 0);
	/* The memory backend decides at once and reports before returning. */
	ck_assert_int_eq(fib_route_set_queued(f, &ok, &v4, 1, 20), 0);
	ck_assert_int_eq(fib_route_set_queued(f, &refused, &v4, 1, 20), 0);
	ck_assert_uint_eq(o.n, 2);
	ck_assert_int_eq(o.list[0].rc, 0);
	ck_assert_int_eq(o.list[1].rc, -1);
	ck_assert_str_eq(o.list[1].reason, "Nexthop has invalid gateway");
	ck_assert_int_eq(fib_route_del_queued(f, &ok), 0);
	ck_assert_uint_eq(o.n, 3);
	ck_assert(o.list[2].removal && o.list[2].rc == 0);
	ck_assert_uint_eq(fib_count(f), 0);
	/* Invalid arguments are refused at once and not reported. */
	ck_assert_int_eq(fib_route_set_queued(f, &ok, &v4, 0, 20), -1);
	ck_assert_uint_eq(o.n, 3);
	free(o.list);
	fib_free(f);
}
END_TEST

static Suite *
fib_suite(void)
{
	Suite *s = suite_create("fib");
	TCase *mem = tcase_create("memory");
	TCase *nl = tcase_create("netlink");

	/* Reasons are what the tests look at; the log would only repeat them. */
	log_set_level(LOG_LVL_WARNING);

	tcase_add_test(mem, mem_set_get);
	tcase_add_test(mem, mem_replace);
	tcase_add_test(mem, mem_ecmp);
	tcase_add_test(mem, mem_ipv6_metric_zero);
	tcase_add_test(mem, mem_del);
	tcase_add_loop_test(mem, mem_rejects, 0, (int)ARRAY_LEN(bad_routes));
	tcase_add_test(mem, mem_rejects_counts);
	tcase_add_test(mem, mem_refuse);
	tcase_add_test(mem, mem_stale_sweep);
	tcase_add_test(mem, mem_flush);
	tcase_add_test(mem, mem_walk_order);
	tcase_add_test(mem, mem_nexthop_helpers);
	tcase_add_test(mem, mem_queued);
	suite_add_tcase(s, mem);

	tcase_add_unchecked_fixture(nl, ns_create, ns_destroy);
	tcase_add_checked_fixture(nl, ns_enter, ns_leave);
	/* Ten thousand round trips, and iproute2 runs, under the sanitizers
	 * on a loaded machine. */
	tcase_set_timeout(nl, 300);
	tcase_add_test(nl, nl_new_rejects);
	tcase_add_test(nl, nl_single);
	tcase_add_test(nl, nl_ecmp);
	tcase_add_test(nl, nl_replace_metric);
	tcase_add_test(nl, nl_delete);
	tcase_add_test(nl, nl_unreachable);
	tcase_add_test(nl, nl_device_route);
	tcase_add_test(nl, nl_foreign_untouched);
	tcase_add_test(nl, nl_restart);
	tcase_add_test(nl, nl_takeover_without_mark);
	tcase_add_test(nl, nl_bulk_10k);
	tcase_add_test(nl, nl_queued_errors_mapped);
	tcase_add_test(nl, nl_queued_full_buffer);
	tcase_add_test(nl, nl_queued_small_ring);
	tcase_add_test(nl, nl_queued_same_prefix);
	tcase_add_test(nl, nl_queued_existing);
	suite_add_tcase(s, nl);
	return s;
}

int
main(void)
{
	return unit_run(fib_suite());
}
