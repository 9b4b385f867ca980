/*
 * Logging: stderr and RFC 5424 syslog targets with per-module levels.
 */
#include "log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct module_level {
	char tag[LOG_TAG_MAX + 1];
	enum log_level level;
};

static struct {
	pthread_mutex_t lock;
	char app[49];            /* RFC 5424 APP-NAME: at most 48 characters */
	char hostname[256];      /* RFC 5424 HOSTNAME: at most 255 characters */
	enum log_level level;
	struct module_level modules[LOG_MODULE_MAX];
	size_t module_count;
	bool to_stderr;
	int syslog_fd;
} logger = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.app = "skygate",
	.level = LOG_LVL_INFO,
	.to_stderr = true,
	.syslog_fd = -1,
};

static const char *const level_names[] = {
	[LOG_LVL_EMERG] = "emergency", [LOG_LVL_ALERT] = "alert",
	[LOG_LVL_CRIT] = "critical",   [LOG_LVL_ERR] = "error",
	[LOG_LVL_WARNING] = "warning", [LOG_LVL_NOTICE] = "notice",
	[LOG_LVL_INFO] = "info",       [LOG_LVL_DEBUG] = "debug",
};

int log_level_parse(const char *name, enum log_level *out)
{
	if (name == NULL)
		return -1;
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++) {
		if (strcmp(name, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return 0;
		}
	}
	/* The short spellings people type from syslog habits. */
	if (strcmp(name, "err") == 0) {
		*out = LOG_LVL_ERR;
		return 0;
	}
	if (strcmp(name, "warn") == 0) {
		*out = LOG_LVL_WARNING;
		return 0;
	}
	return -1;
}

const char *log_level_name(enum log_level level)
{
	if ((unsigned)level > LOG_LVL_DEBUG)
		return "unknown";
	return level_names[level];
}

static void copy_field(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src ? src : "");
}

void log_open(const char *app)
{
	pthread_mutex_lock(&logger.lock);
	copy_field(logger.app, sizeof(logger.app), app ? app : "skygate");
	if (gethostname(logger.hostname, sizeof(logger.hostname)) != 0)
		logger.hostname[0] = '\0';
	logger.hostname[sizeof(logger.hostname) - 1] = '\0';
	logger.level = LOG_LVL_INFO;
	logger.module_count = 0;
	logger.to_stderr = true;
	pthread_mutex_unlock(&logger.lock);
}

void log_close(void)
{
	pthread_mutex_lock(&logger.lock);
	if (logger.syslog_fd >= 0)
		close(logger.syslog_fd);
	logger.syslog_fd = -1;
	pthread_mutex_unlock(&logger.lock);
}

void log_set_level(enum log_level level)
{
	pthread_mutex_lock(&logger.lock);
	logger.level = level;
	pthread_mutex_unlock(&logger.lock);
}

int log_set_module_level(const char *module, enum log_level level)
{
	int rc = -1;

	if (module == NULL || strlen(module) > LOG_TAG_MAX)
		return -1;
	pthread_mutex_lock(&logger.lock);
	for (size_t i = 0; i < logger.module_count; i++) {
		if (strcmp(logger.modules[i].tag, module) == 0) {
			logger.modules[i].level = level;
			rc = 0;
			goto out;
		}
	}
	if (logger.module_count < LOG_MODULE_MAX) {
		struct module_level *m = &logger.modules[logger.module_count++];
		copy_field(m->tag, sizeof(m->tag), module);
		m->level = level;
		rc = 0;
	}
out:
	pthread_mutex_unlock(&logger.lock);
	return rc;
}

/* Called with the lock held. */
static enum log_level effective_level(const char *module)
{
	if (module != NULL) {
		for (size_t i = 0; i < logger.module_count; i++)
			if (strcmp(logger.modules[i].tag, module) == 0)
				return logger.modules[i].level;
	}
	return logger.level;
}

bool log_enabled(const char *module, enum log_level level)
{
	pthread_mutex_lock(&logger.lock);
	bool on = level <= effective_level(module);
	pthread_mutex_unlock(&logger.lock);
	return on;
}

void log_set_stderr(bool on)
{
	pthread_mutex_lock(&logger.lock);
	logger.to_stderr = on;
	pthread_mutex_unlock(&logger.lock);
}

/* "udp:HOST:PORT" with HOST possibly in brackets for IPv6. */
static int open_udp_target(const char *spec, char *err, size_t errlen)
{
	char host[256];
	const char *port;

	if (spec[0] == '[') {
		const char *close_br = strchr(spec, ']');
		if (close_br == NULL || close_br[1] != ':') {
			snprintf(err, errlen, "bad syslog target 'udp:%s': expected udp:[ADDR]:PORT", spec);
			return -1;
		}
		size_t n = (size_t)(close_br - spec - 1);
		if (n == 0 || n >= sizeof(host)) {
			snprintf(err, errlen, "bad syslog address in 'udp:%s'", spec);
			return -1;
		}
		memcpy(host, spec + 1, n);
		host[n] = '\0';
		port = close_br + 2;
	} else {
		const char *colon = strrchr(spec, ':');
		if (colon == NULL || colon == spec || (size_t)(colon - spec) >= sizeof(host)) {
			snprintf(err, errlen, "bad syslog target 'udp:%s': expected udp:HOST:PORT", spec);
			return -1;
		}
		memcpy(host, spec, (size_t)(colon - spec));
		host[colon - spec] = '\0';
		port = colon + 1;
	}
	char *end;
	errno = 0;
	unsigned long portnum = strtoul(port, &end, 10);
	if (*port == '\0' || *end != '\0' || errno != 0 || portnum == 0 || portnum > 65535) {
		snprintf(err, errlen, "bad syslog port '%s' (1-65535)", port);
		return -1;
	}

	/* Numeric only: a daemon must not block on DNS while logging. */
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV};
	struct addrinfo *res = NULL;
	int gai = getaddrinfo(host, port, &hints, &res);
	if (gai != 0) {
		snprintf(err, errlen, "bad syslog address '%s': %s (give a numeric address)", host, gai_strerror(gai));
		return -1;
	}
	int fd = socket(res->ai_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		snprintf(err, errlen, "cannot reach syslog target '%s': %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

static int open_unix_target(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	if (path[0] == '\0' || strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "bad syslog socket path '%s'", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		snprintf(err, errlen, "cannot connect to syslog socket '%s': %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int log_set_syslog(const char *target, char *err, size_t errlen)
{
	int fd;

	if (target == NULL) {
		snprintf(err, errlen, "no syslog target given");
		return -1;
	}
	if (strncmp(target, "udp:", 4) == 0)
		fd = open_udp_target(target + 4, err, errlen);
	else if (strncmp(target, "unix:", 5) == 0)
		fd = open_unix_target(target + 5, err, errlen);
	else {
		snprintf(err, errlen, "bad syslog target '%s': expected udp:HOST:PORT or unix:PATH", target);
		return -1;
	}
	if (fd < 0)
		return -1;
	pthread_mutex_lock(&logger.lock);
	if (logger.syslog_fd >= 0)
		close(logger.syslog_fd);
	logger.syslog_fd = fd;
	pthread_mutex_unlock(&logger.lock);
	return 0;
}

/* A bounded text sink: appends never overrun and the result is always a
 * NUL-terminated string, cut where the buffer ends. */
struct textbuf {
	char *buf;
	size_t cap;
	size_t len;
};

static void tb_printf(struct textbuf *tb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void tb_printf(struct textbuf *tb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(tb->buf + tb->len, tb->cap - tb->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	tb->len += (size_t)n;
	if (tb->len >= tb->cap)
		tb->len = tb->cap - 1;
}

/* RFC 5424 section 6: header fields are PRINTUSASCII (33-126) and bounded;
 * an empty field is the NILVALUE "-". */
static void tb_header_field(struct textbuf *tb, const char *src, size_t maxlen)
{
	if (src == NULL || src[0] == '\0')
		src = "-";
	for (size_t i = 0; src[i] != '\0' && i < maxlen && tb->len + 1 < tb->cap; i++) {
		unsigned char c = (unsigned char)src[i];
		tb->buf[tb->len++] = (c >= 33 && c <= 126) ? (char)c : '_';
	}
	tb->buf[tb->len] = '\0';
}

size_t log_format_5424(char *buf, size_t buflen, int facility, enum log_level level,
		       const struct timespec *when, const char *hostname, const char *app,
		       long procid, const char *msgid, const char *sd, const char *msg)
{
	struct textbuf tb = {.buf = buf, .cap = buflen, .len = 0};

	if (buflen == 0)
		return 0;
	buf[0] = '\0';
	/* PRI = facility * 8 + severity (section 6.2.1); VERSION is 1. */
	tb_printf(&tb, "<%d>1 ", facility * 8 + (int)level);
	/* TIMESTAMP: RFC 3339 in UTC with microseconds (section 6.2.3). */
	if (when != NULL) {
		struct tm tm;
		char stamp[40];
		gmtime_r(&when->tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
		tb_printf(&tb, "%s.%06ldZ ", stamp, when->tv_nsec / 1000);
	} else {
		tb_printf(&tb, "- ");
	}
	tb_header_field(&tb, hostname, 255);
	tb_printf(&tb, " ");
	tb_header_field(&tb, app, 48);
	if (procid > 0)
		tb_printf(&tb, " %ld ", procid);
	else
		tb_printf(&tb, " - ");
	tb_header_field(&tb, msgid, 32);
	tb_printf(&tb, " %s", (sd != NULL && sd[0] != '\0') ? sd : "-");
	if (msg != NULL && msg[0] != '\0')
		tb_printf(&tb, " %s", msg);
	return tb.len;
}

/* One message with optional structured data (already formatted SD-ELEMENTs). */
static void log_vmsg_sd(enum log_level level, const char *module, const char *sd, const char *fmt, va_list ap)
{
	char text[LOG_LINE_MAX];
	struct timespec now;

	pthread_mutex_lock(&logger.lock);
	if (level > effective_level(module)) {
		pthread_mutex_unlock(&logger.lock);
		return;
	}
	/* Format under the lock: the settings read below must not change mid-line. */
	vsnprintf(text, sizeof(text), fmt, ap);
	clock_gettime(CLOCK_REALTIME, &now);

	if (logger.to_stderr) {
		struct tm tm;
		char stamp[32];
		localtime_r(&now.tv_sec, &tm);
		strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(stderr, "%s.%03ld %s %s: %s%s%s\n", stamp, now.tv_nsec / 1000000,
			log_level_name(level), module ? module : "-", sd != NULL ? sd : "", sd != NULL ? " " : "", text);
	}
	if (logger.syslog_fd >= 0) {
		char line[LOG_LINE_MAX + LOG_SD_MAX + 512];
		size_t n = log_format_5424(line, sizeof(line), LOG_FACILITY_DAEMON, level, &now,
					   logger.hostname, logger.app, (long)getpid(), module, sd, text);
		/* Best effort: a full or absent collector must never stall the daemon. */
		ssize_t sent = send(logger.syslog_fd, line, n, MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)sent;
	}
	pthread_mutex_unlock(&logger.lock);
}

void log_vmsg(enum log_level level, const char *module, const char *fmt, va_list ap)
{
	log_vmsg_sd(level, module, NULL, fmt, ap);
}

void log_msg_sd(enum log_level level, const char *module, const char *sd, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg_sd(level, module, sd, fmt, ap);
	va_end(ap);
}

size_t log_sd_param(char *buf, size_t buflen, size_t used, const char *name, const char *value)
{
	/* RFC 5424 section 6.3.3: inside PARAM-VALUE, '"', '\\' and ']'
	 * must be escaped with a backslash. */
	if (used >= buflen)
		return used;
	int n = snprintf(buf + used, buflen - used, " %s=\"", name);
	if (n < 0 || (size_t)n >= buflen - used)
		return buflen;
	used += (size_t)n;
	for (const char *c = value != NULL ? value : ""; *c != '\0'; c++) {
		bool esc = *c == '"' || *c == '\\' || *c == ']';
		if (used + (esc ? 2 : 1) + 2 >= buflen)
			return buflen;
		if (esc)
			buf[used++] = '\\';
		buf[used++] = *c;
	}
	buf[used++] = '"';
	buf[used] = '\0';
	return used;
}

void log_msg(enum log_level level, const char *module, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, module, fmt, ap);
	va_end(ap);
}
