/*
 * Logging for every skygate process: levels, per-module tags, stderr and
 * syslog (RFC 5424) targets.
 *
 * Every message carries a module tag ("bgp", "fib", "esp", ...); the tag is
 * the RFC 5424 MSGID on the syslog target and can have its own level, so an
 * operator can turn on "debug bgp" without drowning in ESP noise.
 *
 * Thread safety: log_msg() may be called from any thread (the data plane
 * logs from its workers); configuration calls (log_open, log_set_*) are made
 * from the main thread before workers start or under the caller's control.
 *
 * Ownership: the logger copies every string it is given; nothing is retained.
 */
#ifndef SKYGATE_LOG_H
#define SKYGATE_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Severities are RFC 5424 section 6.2.1 numbers, so they go on the wire as is. */
enum log_level {
	LOG_LVL_EMERG = 0,
	LOG_LVL_ALERT = 1,
	LOG_LVL_CRIT = 2,
	LOG_LVL_ERR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* RFC 5424 facility for daemon messages (section 6.2.1, table 1). */
#define LOG_FACILITY_DAEMON 3

#define LOG_MODULE_MAX 16    /* distinct per-module level overrides */
#define LOG_TAG_MAX 32       /* longest module tag; RFC 5424 MSGID allows 32 */
#define LOG_LINE_MAX 2048    /* one message, formatted; longer ones are cut */

/* Parse "debug", "info", "notice", "warning", "error", ... into *out.
 * Returns 0, or -1 for an unknown name. */
int log_level_parse(const char *name, enum log_level *out);
const char *log_level_name(enum log_level level);

/*
 * Set up the logger for this process. app is the RFC 5424 APP-NAME (e.g.
 * "skygate-routed"); it is copied. Logging goes to stderr until a syslog
 * target is added. Safe to call again (re-initialises the settings).
 */
void log_open(const char *app);

/* Close syslog sockets. Messages after this go to stderr only. */
void log_close(void);

/* The level below which messages are dropped, globally and per module. */
void log_set_level(enum log_level level);
int log_set_module_level(const char *module, enum log_level level);
bool log_enabled(const char *module, enum log_level level);

/* Turn the stderr target on or off (daemons in the background turn it off). */
void log_set_stderr(bool on);

/*
 * Send RFC 5424 messages to a syslog collector. target is one of
 *   "udp:HOST:PORT"   e.g. "udp:192.0.2.10:5000" or "udp:[2001:db8::1]:5000"
 *   "unix:PATH"       a datagram socket such as /dev/log
 * Returns 0, or -1 with a reason in err (errlen bytes) for a bad target.
 */
int log_set_syslog(const char *target, char *err, size_t errlen);

/* Log one message. Prefer the wrappers below. */
void log_msg(enum log_level level, const char *module, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void log_vmsg(enum log_level level, const char *module, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/*
 * The same with RFC 5424 structured data (section 6.3): sd is one or more
 * complete SD-ELEMENTs, e.g. `[skygate-approval@32473 prefix="..."]`,
 * built with log_sd_param(). The stderr target prints it before the text.
 */
#define LOG_SD_MAX 1024
void log_msg_sd(enum log_level level, const char *module, const char *sd, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Append ` name="value"` to the SD-ELEMENT being built in buf (buflen
 * bytes, used of them taken), escaping '"', '\\' and ']' in value as RFC
 * 5424 section 6.3.3 requires. Returns the new length; buflen when it did
 * not fit (the caller then drops the structured data).
 */
size_t log_sd_param(char *buf, size_t buflen, size_t used, const char *name, const char *value);

#define log_err(module, ...) log_msg(LOG_LVL_ERR, (module), __VA_ARGS__)
#define log_warn(module, ...) log_msg(LOG_LVL_WARNING, (module), __VA_ARGS__)
#define log_notice(module, ...) log_msg(LOG_LVL_NOTICE, (module), __VA_ARGS__)
#define log_info(module, ...) log_msg(LOG_LVL_INFO, (module), __VA_ARGS__)
#define log_debug(module, ...) log_msg(LOG_LVL_DEBUG, (module), __VA_ARGS__)

/*
 * Format one RFC 5424 message (section 6) into buf:
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID STRUCTURED-DATA MSG
 * Empty or NULL fields become the NILVALUE "-"; fields are cut to the
 * lengths section 6 allows and characters outside PRINTUSASCII are replaced
 * by '_' in header fields. sd is already-formatted structured data (or NULL).
 * Returns the length written (excluding NUL), truncating MSG if needed.
 */
size_t log_format_5424(char *buf, size_t buflen, int facility, enum log_level level,
		       const struct timespec *when, const char *hostname, const char *app,
		       long procid, const char *msgid, const char *sd, const char *msg);

#endif
