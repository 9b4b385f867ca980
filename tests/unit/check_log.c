/*
 * Logging: level names, per-module levels, the RFC 5424 formatter and the
 * syslog target (a UNIX datagram socket in a temporary directory, so the
 * test sends nothing over any network).
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "unit.h"

START_TEST(test_level_names)
{
	enum log_level lvl;

	ck_assert_int_eq(log_level_parse("debug", &lvl), 0);
	ck_assert_int_eq(lvl, LOG_LVL_DEBUG);
	ck_assert_int_eq(log_level_parse("warn", &lvl), 0);
	ck_assert_int_eq(lvl, LOG_LVL_WARNING);
	ck_assert_int_eq(log_level_parse("err", &lvl), 0);
	ck_assert_int_eq(lvl, LOG_LVL_ERR);
	ck_assert_int_eq(log_level_parse("loud", &lvl), -1);
	ck_assert_int_eq(log_level_parse("", &lvl), -1);
	ck_assert_int_eq(log_level_parse(NULL, &lvl), -1);
	for (int i = LOG_LVL_EMERG; i <= LOG_LVL_DEBUG; i++) {
		ck_assert_int_eq(log_level_parse(log_level_name((enum log_level)i), &lvl), 0);
		ck_assert_int_eq(lvl, i);
	}
	ck_assert_str_eq(log_level_name((enum log_level)42), "unknown");
}
END_TEST

START_TEST(test_module_levels)
{
	log_open("check-log");
	log_set_level(LOG_LVL_NOTICE);
	ck_assert(!log_enabled("bgp", LOG_LVL_DEBUG));
	ck_assert(log_enabled("bgp", LOG_LVL_WARNING));
	ck_assert_int_eq(log_set_module_level("bgp", LOG_LVL_DEBUG), 0);
	ck_assert(log_enabled("bgp", LOG_LVL_DEBUG));
	ck_assert(!log_enabled("esp", LOG_LVL_INFO));
	ck_assert(!log_enabled(NULL, LOG_LVL_INFO));
	/* Setting again replaces, it does not add a second entry. */
	ck_assert_int_eq(log_set_module_level("bgp", LOG_LVL_ERR), 0);
	ck_assert(!log_enabled("bgp", LOG_LVL_WARNING));
	char tag[LOG_TAG_MAX + 2];
	memset(tag, 'x', sizeof(tag) - 1);
	tag[sizeof(tag) - 1] = '\0';
	ck_assert_int_eq(log_set_module_level(tag, LOG_LVL_DEBUG), -1);
	for (int i = 0; i < LOG_MODULE_MAX + 4; i++) {
		char name[16];
		snprintf(name, sizeof(name), "m%d", i);
		int rc = log_set_module_level(name, LOG_LVL_DEBUG);
		/* "bgp" already holds one of the slots. */
		ck_assert_int_eq(rc, i < LOG_MODULE_MAX - 1 ? 0 : -1);
	}
}
END_TEST

START_TEST(test_format_5424_fields)
{
	char buf[512];
	struct timespec when = {.tv_sec = 1700000000, .tv_nsec = 123456789};

	size_t n = log_format_5424(buf, sizeof(buf), LOG_FACILITY_DAEMON, LOG_LVL_WARNING, &when,
				   "gw1", "skygate-routed", 4242, "bgp",
				   "[skygate@32473 peer=\"192.0.2.2\"]", "neighbor down");
	/* PRI 3*8+4 = 28; timestamp in UTC (RFC 5424 section 6.2.3). */
	ck_assert_str_eq(buf, "<28>1 2023-11-14T22:13:20.123456Z gw1 skygate-routed 4242 bgp "
			      "[skygate@32473 peer=\"192.0.2.2\"] neighbor down");
	ck_assert_uint_eq(n, strlen(buf));
}
END_TEST

START_TEST(test_format_5424_nil_and_sanitised)
{
	char buf[256];

	log_format_5424(buf, sizeof(buf), LOG_FACILITY_DAEMON, LOG_LVL_DEBUG, NULL, "", "app name",
			0, NULL, NULL, NULL);
	/* Empty fields become the NILVALUE; spaces in header fields are not
	 * allowed (PRINTUSASCII) and must not shift the field positions. */
	ck_assert_str_eq(buf, "<31>1 - - app_name - - -");
}
END_TEST

START_TEST(test_format_5424_truncation)
{
	char small[24];
	char big[200];
	char longtag[64];

	memset(longtag, 'a', sizeof(longtag) - 1);
	longtag[sizeof(longtag) - 1] = '\0';
	size_t n = log_format_5424(small, sizeof(small), 1, LOG_LVL_ERR, NULL, "host", "app", 1,
				   "tag", NULL, "a message much longer than the buffer");
	ck_assert_uint_eq(n, sizeof(small) - 1);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, "<11>1 - host app 1 tag -", n), 0);

	/* MSGID is at most 32 characters (section 6). */
	log_format_5424(big, sizeof(big), 1, LOG_LVL_ERR, NULL, "h", "a", 1, longtag, NULL, "m");
	char want[128];
	snprintf(want, sizeof(want), "<11>1 - h a 1 %.32s - m", longtag);
	ck_assert_str_eq(big, want);
	ck_assert_uint_eq(log_format_5424(big, 0, 1, LOG_LVL_ERR, NULL, "h", "a", 1, "t", NULL, "m"), 0);
}
END_TEST

START_TEST(test_bad_syslog_targets)
{
	char err[256];
	static const char *const bad[] = {
		"192.0.2.1:514", "udp:", "udp:192.0.2.1", "udp:192.0.2.1:0", "udp:192.0.2.1:70000",
		"udp:192.0.2.1:port", "udp:[2001:db8::1]", "udp:[2001:db8::1:514", "udp:not-an-ip:514",
		"unix:", "tcp:192.0.2.1:514",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		ck_assert_msg(log_set_syslog(bad[i], err, sizeof(err)) == -1, "accepted %s", bad[i]);
		ck_assert_msg(err[0] != '\0', "no reason for %s", bad[i]);
	}
	ck_assert_int_eq(log_set_syslog(NULL, err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_syslog_unix_delivery)
{
	char dir[] = "/tmp/skygate-log-XXXXXX";
	char path[128], target[160], err[256], got[LOG_LINE_MAX + 512];

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/log.sock", dir);
	int rx = socket(AF_UNIX, SOCK_DGRAM, 0);
	ck_assert_int_ge(rx, 0);
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	memcpy(sun.sun_path, path, strlen(path) + 1);
	ck_assert_int_eq(bind(rx, (struct sockaddr *)&sun, sizeof(sun)), 0);

	log_open("skygate-test");
	log_set_stderr(false);
	log_set_level(LOG_LVL_INFO);
	snprintf(target, sizeof(target), "unix:%s", path);
	ck_assert_msg(log_set_syslog(target, err, sizeof(err)) == 0, "%s", err);

	log_debug("bgp", "not sent: below the level");
	log_warn("bgp", "peer %s went %s", "192.0.2.2", "down");
	ssize_t n = recv(rx, got, sizeof(got) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	/* <28>1 TIMESTAMP HOST skygate-test PID bgp - MSG */
	ck_assert_int_eq(strncmp(got, "<28>1 ", 6), 0);
	ck_assert_ptr_nonnull(strstr(got, " skygate-test "));
	ck_assert_ptr_nonnull(strstr(got, " bgp - peer 192.0.2.2 went down"));
	/* Only one datagram: the debug line was filtered. */
	ck_assert_int_eq(recv(rx, got, sizeof(got), MSG_DONTWAIT), -1);
	ck_assert_int_eq(errno, EAGAIN);

	/* Structured data goes between MSGID and MSG. */
	char sd[LOG_SD_MAX] = "[skygate-approval@32473";
	size_t used = log_sd_param(sd, sizeof(sd), strlen(sd), "prefix", "198.18.1.0/24");
	used = log_sd_param(sd, sizeof(sd), used, "reason", "say \"hi\" [x]");
	ck_assert_uint_lt(used, sizeof(sd) - 1);
	sd[used++] = ']';
	sd[used] = '\0';
	log_msg_sd(LOG_LVL_NOTICE, "approval", sd, "pending");
	n = recv(rx, got, sizeof(got) - 1, MSG_DONTWAIT);
	ck_assert_int_gt(n, 0);
	got[n] = '\0';
	ck_assert_ptr_nonnull(strstr(got, " approval [skygate-approval@32473 prefix=\"198.18.1.0/24\" "
					  "reason=\"say \\\"hi\\\" [x\\]\"] pending"));

	log_close();
	log_warn("bgp", "after close");
	ck_assert_int_eq(recv(rx, got, sizeof(got), MSG_DONTWAIT), -1);
	close(rx);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_level_names);
	tcase_add_test(tc, test_module_levels);
	tcase_add_test(tc, test_format_5424_fields);
	tcase_add_test(tc, test_format_5424_nil_and_sanitised);
	tcase_add_test(tc, test_format_5424_truncation);
	tcase_add_test(tc, test_bad_syslog_targets);
	tcase_add_test(tc, test_syslog_unix_delivery);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(log_suite());
}
