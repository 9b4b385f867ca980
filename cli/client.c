/*
 * The client side of the CLI socket (see client.h for the contract).
 */
#include "client.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define CLIENT_BUF_SIZE (IPC_HEADER_LEN + IPC_PAYLOAD_MAX)

struct client {
	int fd;
	/* Received bytes live in buf[start, end). A frame handed to the caller
	 * stays in place until the next receive. A partial frame is moved to
	 * the front only when it would not fit, so many small frames read at
	 * once cost no copying. */
	uint8_t *buf;
	size_t start;
	size_t end;
	const volatile sig_atomic_t *interrupt;
	enum client_result failed;       /* sticky transport/protocol error */
	enum ipc_parse_result parse_err; /* which header check failed, if any */
	bool answered;                   /* a DONE has come: the session was accepted */
	char err[CLIENT_ERROR_MAX];
};

static const char *type_name(enum ipc_type type)
{
	switch (type) {
	case IPC_REQUEST:
		return "REQUEST";
	case IPC_OUTPUT:
		return "OUTPUT";
	case IPC_DONE:
		return "DONE";
	case IPC_COMPLETE:
		return "COMPLETE";
	case IPC_LOAD:
		return "LOAD";
	}
	return "unknown";
}

static void set_msg(struct client *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_msg(struct client *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
}

/* Record a failure that leaves the stream unusable; later calls repeat it. */
static enum client_result fail(struct client *c, enum client_result r)
{
	c->failed = r;
	return r;
}

/*
 * The daemon went away; how is "it closed the connection" or an errno text.
 * Before any answer that is most likely the daemon turning away one session
 * too many: it closes at once, without reading.
 */
static enum client_result fail_closed(struct client *c, const char *how, bool reading)
{
	const char *when = "";

	if (reading && c->end > c->start)
		when = " in the middle of a frame";
	else if (!c->answered)
		when = " before it answered (too many sessions open?)";
	set_msg(c, "lost connection to skygate-routed%s: %s", when, how);
	return fail(c, CLIENT_ERR_CLOSED);
}

static enum client_result fail_protocol(struct client *c, const char *reason)
{
	set_msg(c, "protocol error from skygate-routed: %s", reason);
	return fail(c, CLIENT_ERR_PROTOCOL);
}

static void format_connect_error(char *err, size_t errlen, const char *daemon, const char *path, int errnum);

void client_format_connect_error(char *err, size_t errlen, const char *path, int errnum)
{
	format_connect_error(err, errlen, "routed", path, errnum);
}

static void format_connect_error(char *err, size_t errlen, const char *daemon, const char *path, int errnum)
{
	const char *hint = "";

	if (err == NULL || errlen == 0)
		return;
	switch (errnum) {
	case ENOENT:
	case ENOTDIR:
	case ECONNREFUSED:
		/* No socket, or a socket nobody listens on: a daemon that is
		 * not running, or one running with another run directory. */
		hint = " (is it running? wrong --rundir?)";
		break;
	case EACCES:
		hint = " (the socket is group 'skygate': add your user to it)";
		break;
	case EAGAIN:
		hint = " (too many sessions are connecting; try again)";
		break;
	default:
		break;
	}
	snprintf(err, errlen, "cannot connect to skygate-%s at %s: %s%s", daemon, path,
		 strerror(errnum), hint);
}

struct client *client_from_fd(int fd)
{
	struct client *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->buf = malloc(CLIENT_BUF_SIZE);
	if (c == NULL || c->buf == NULL) {
		free(c);
		close(fd);
		return NULL;
	}
	c->fd = fd;
	c->parse_err = IPC_PARSE_FRAME;
	return c;
}

struct client *client_connect(const char *rundir, char *err, size_t errlen)
{
	return client_connect_daemon(rundir, "routed", err, errlen);
}

struct client *client_connect_daemon(const char *rundir, const char *daemon, char *err, size_t errlen)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char path[sizeof(sun.sun_path) + 64];
	int n, fd, rc;

	n = snprintf(path, sizeof(path), "%s/%s.sock", rundir, daemon);
	if (n < 0 || (size_t)n >= sizeof(sun.sun_path)) {
		snprintf(err, errlen,
			 "cannot connect to skygate-%s in %s: the socket path would be too "
			 "long for a UNIX socket (at most %zu bytes)",
			 daemon, rundir, sizeof(sun.sun_path) - 1);
		return NULL;
	}
	memcpy(sun.sun_path, path, (size_t)n + 1);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create a socket: %s", strerror(errno));
		return NULL;
	}
	/* A connect cut short by a signal leaves an AF_UNIX socket unconnected
	 * (it was waiting for room in the listener's backlog): try again. */
	do
		rc = connect(fd, (const struct sockaddr *)&sun, sizeof(sun));
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		format_connect_error(err, errlen, daemon, path, errno);
		close(fd);
		return NULL;
	}
	struct client *c = client_from_fd(fd);
	if (c == NULL)
		snprintf(err, errlen, "out of memory");
	return c;
}

void client_close(struct client *c)
{
	if (c == NULL)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	free(c);
}

int client_fd(const struct client *c)
{
	return c->fd;
}

void client_set_interrupt(struct client *c, const volatile sig_atomic_t *flag)
{
	c->interrupt = flag;
}

const char *client_error(const struct client *c)
{
	return c->err;
}

enum ipc_parse_result client_parse_error(const struct client *c)
{
	return c->parse_err;
}

static enum client_result write_all(struct client *c, const uint8_t *p, size_t len)
{
	while (len > 0) {
		/* MSG_NOSIGNAL: a daemon that went away must be an error we
		 * report, not a SIGPIPE that kills whoever links this. */
		ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE || errno == ECONNRESET)
				return fail_closed(c, strerror(errno), false);
			set_msg(c, "cannot write to skygate-routed: %s", strerror(errno));
			return fail(c, CLIENT_ERR_IO);
		}
		p += n;
		len -= (size_t)n;
	}
	return CLIENT_OK;
}

/* Send what a builder holds, or report why it could not be built. */
static enum client_result send_built(struct client *c, struct builder *b)
{
	enum client_result r;

	if (!builder_ok(b)) {
		builder_free(b);
		set_msg(c, "frame too large for the IPC protocol (payload at most %u bytes)",
			IPC_PAYLOAD_MAX);
		return CLIENT_ERR_USAGE;
	}
	r = write_all(c, builder_data(b), builder_len(b));
	builder_free(b);
	return r;
}

enum client_result client_send(struct client *c, enum ipc_type type, const void *payload,
			       size_t len)
{
	struct builder b;

	if (c->failed != CLIENT_OK)
		return c->failed;
	builder_init_dynamic(&b, CLIENT_BUF_SIZE);
	ipc_put_frame(&b, type, payload, len);
	return send_built(c, &b);
}

/* Read more bytes into the buffer; the caller made room. */
static enum client_result fill(struct client *c)
{
	for (;;) {
		/* Also before blocking: the signal may have come between reads. */
		if (c->interrupt != NULL && *c->interrupt) {
			set_msg(c, "interrupted while waiting for skygate-routed");
			return fail(c, CLIENT_ERR_INTERRUPTED);
		}
		ssize_t n = recv(c->fd, c->buf + c->end, CLIENT_BUF_SIZE - c->end, 0);
		if (n > 0) {
			c->end += (size_t)n;
			return CLIENT_OK;
		}
		if (n == 0)
			return fail_closed(c, "it closed the connection", true);
		if (errno == EINTR)
			continue;
		if (errno == ECONNRESET)
			return fail_closed(c, strerror(errno), true);
		set_msg(c, "cannot read from skygate-routed: %s", strerror(errno));
		return fail(c, CLIENT_ERR_IO);
	}
}

enum client_result client_recv(struct client *c, struct ipc_frame *frame)
{
	if (c->failed != CLIENT_OK)
		return c->failed;
	if (c->start == c->end)
		c->start = c->end = 0;
	for (;;) {
		size_t need = 0;
		enum ipc_parse_result r;

		r = ipc_parse(c->buf + c->start, c->end - c->start, frame, &need);

		if (r == IPC_PARSE_FRAME) {
			c->start += need;
			return CLIENT_OK;
		}
		if (r != IPC_PARSE_NEED_MORE) {
			c->parse_err = r;
			return fail_protocol(c, ipc_parse_result_str(r));
		}
		/* ipc_parse judged the header, so need <= CLIENT_BUF_SIZE:
		 * moving the partial frame to the front always makes room. */
		if (c->start + need > CLIENT_BUF_SIZE) {
			memmove(c->buf, c->buf + c->start, c->end - c->start);
			c->end -= c->start;
			c->start = 0;
		}
		enum client_result fr = fill(c);
		if (fr != CLIENT_OK)
			return fr;
	}
}

enum client_result client_read_answer(struct client *c, client_output_fn out, void *arg,
				      struct client_done *done)
{
	struct ipc_frame f;
	enum client_result r;
	char reason[64];

	for (;;) {
		r = client_recv(c, &f);
		if (r != CLIENT_OK)
			return r;
		if (f.type == IPC_OUTPUT) {
			if (out != NULL)
				out(arg, (const char *)f.payload, f.len);
			continue;
		}
		if (f.type != IPC_DONE) {
			snprintf(reason, sizeof(reason), "unexpected %s frame in an answer",
				 type_name(f.type));
			return fail_protocol(c, reason);
		}
		if (ipc_parse_done(&f, &done->status, done->prompt, sizeof(done->prompt)) != 0)
			return fail_protocol(c, "malformed DONE frame");
		c->answered = true;
		return CLIENT_OK;
	}
}

/* A line must fit a REQUEST or COMPLETE as ipc_parse_request() checks it. */
static enum client_result check_line(struct client *c, const char *line, size_t len)
{
	if (len > IPC_LINE_MAX) {
		set_msg(c, "command line too long (%zu bytes, at most %d)", len, IPC_LINE_MAX);
		return CLIENT_ERR_USAGE;
	}
	if (strpbrk(line, "\r\n") != NULL) {
		set_msg(c, "a command line cannot contain a line break");
		return CLIENT_ERR_USAGE;
	}
	return CLIENT_OK;
}

enum client_result client_request(struct client *c, const char *line, client_output_fn out,
				  void *arg, struct client_done *done)
{
	size_t len = strlen(line);
	enum client_result r;

	if (c->failed != CLIENT_OK)
		return c->failed;
	r = check_line(c, line, len);
	if (r == CLIENT_OK)
		r = client_send(c, IPC_REQUEST, line, len);
	if (r == CLIENT_OK)
		r = client_read_answer(c, out, arg, done);
	return r;
}

size_t client_load_max(const char *name)
{
	size_t n = strlen(name);

	/* payload = name, NUL, text */
	return n + 1 >= IPC_PAYLOAD_MAX ? 0 : IPC_PAYLOAD_MAX - n - 1;
}

enum client_result client_load(struct client *c, const char *name, const char *text,
			       size_t len, client_output_fn out, void *arg,
			       struct client_done *done)
{
	struct builder b;
	size_t namelen = strlen(name);
	enum client_result r;

	if (c->failed != CLIENT_OK)
		return c->failed;
	if (namelen == 0 || namelen > CLIENT_LOAD_NAME_MAX) {
		set_msg(c, "a configuration name must be 1 to %d bytes long", CLIENT_LOAD_NAME_MAX);
		return CLIENT_ERR_USAGE;
	}
	if (len > client_load_max(name)) {
		set_msg(c,
			"%s is too large to load: %zu bytes, one load holds at most %zu bytes "
			"(the %u-byte IPC frame less the name)",
			name, len, client_load_max(name), IPC_PAYLOAD_MAX);
		return CLIENT_ERR_USAGE;
	}
	builder_init_dynamic(&b, CLIENT_BUF_SIZE);
	ipc_put_load(&b, name, text, len);
	r = send_built(c, &b);
	if (r == CLIENT_OK)
		r = client_read_answer(c, out, arg, done);
	return r;
}

/* Gathers a completion answer, bounded by CLIENT_COMPLETE_MAX. */
struct gather {
	char *buf;
	size_t len;
	size_t cap;
	bool too_big;
	bool no_memory;
};

static void gather_output(void *arg, const char *text, size_t len)
{
	struct gather *g = arg;

	if (g->too_big || g->no_memory)
		return;
	if (len > CLIENT_COMPLETE_MAX - g->len) {
		g->too_big = true;
		return;
	}
	if (g->len + len + 1 > g->cap) {
		size_t cap = g->cap == 0 ? 4096 : g->cap;
		while (cap < g->len + len + 1)
			cap *= 2;
		char *nb = realloc(g->buf, cap);
		if (nb == NULL) {
			g->no_memory = true;
			return;
		}
		g->buf = nb;
		g->cap = cap;
	}
	memcpy(g->buf + g->len, text, len);
	g->len += len;
	g->buf[g->len] = '\0';
}

/* Split "k|v<TAB>word<TAB>help" lines in place. Returns 0; -1 if a line is
 * malformed (then *bad_line is its number, from 1, or 0 for a NUL byte);
 * -2 when out of memory. */
static int parse_candidates(struct client_completion *comp, size_t *bad_line)
{
	char *p = comp->text, *end = comp->text + comp->text_len;
	size_t lines = 0;

	if (memchr(p, '\0', comp->text_len) != NULL) {
		*bad_line = 0;
		return -1;
	}
	for (char *q = p; q < end; q++)
		if (*q == '\n')
			lines++;
	if (comp->text_len > 0 && end[-1] != '\n')
		lines++;
	if (lines == 0)
		return 0;
	comp->items = calloc(lines, sizeof(*comp->items));
	if (comp->items == NULL)
		return -2;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		char *eol = nl != NULL ? nl : end;
		struct client_candidate *cand = &comp->items[comp->n];

		*bad_line = comp->n + 1;
		*eol = '\0';
		if (eol - p < 3 || (p[0] != 'k' && p[0] != 'v') || p[1] != '\t')
			return -1;
		char *word = p + 2;
		char *tab = strchr(word, '\t');
		if (tab == NULL || tab == word)
			return -1;
		*tab = '\0';
		cand->is_keyword = p[0] == 'k';
		cand->word = word;
		cand->help = tab + 1;
		if (strchr(cand->help, '\t') != NULL)
			return -1;
		comp->n++;
		p = eol + 1;
	}
	return 0;
}

enum client_result client_complete(struct client *c, const char *text,
				   struct client_completion *out, struct client_done *done)
{
	struct gather g = {0};
	size_t len = strlen(text), bad_line = 0;
	enum client_result r;
	char reason[96];

	*out = (struct client_completion){0};
	if (c->failed != CLIENT_OK)
		return c->failed;
	r = check_line(c, text, len);
	if (r == CLIENT_OK)
		r = client_send(c, IPC_COMPLETE, text, len);
	if (r == CLIENT_OK)
		r = client_read_answer(c, gather_output, &g, done);
	if (r != CLIENT_OK) {
		free(g.buf);
		return r;
	}
	if (g.no_memory) {
		free(g.buf);
		set_msg(c, "out of memory");
		return fail(c, CLIENT_ERR_IO);
	}
	if (g.too_big) {
		free(g.buf);
		snprintf(reason, sizeof(reason), "completion answer larger than %u bytes",
			 CLIENT_COMPLETE_MAX);
		return fail_protocol(c, reason);
	}
	out->text = g.buf != NULL ? g.buf : strdup("");
	out->text_len = g.len;
	if (out->text == NULL) {
		set_msg(c, "out of memory");
		return fail(c, CLIENT_ERR_IO);
	}
	if (done->status != IPC_STATUS_OK)
		return CLIENT_OK;
	int pr = parse_candidates(out, &bad_line);
	if (pr == -2) {
		client_completion_free(out);
		set_msg(c, "out of memory");
		return fail(c, CLIENT_ERR_IO);
	}
	if (pr != 0) {
		if (bad_line == 0)
			snprintf(reason, sizeof(reason), "malformed completion answer");
		else
			snprintf(reason, sizeof(reason), "malformed completion line %zu", bad_line);
		client_completion_free(out);
		return fail_protocol(c, reason);
	}
	return CLIENT_OK;
}

void client_completion_free(struct client_completion *comp)
{
	if (comp == NULL)
		return;
	free(comp->items);
	free(comp->text);
	*comp = (struct client_completion){0};
}
