/*
 * ipc_server.c - framing in, sessions, framing out (ipc_server.h).
 */
#include "ipc_server.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "cursor.h"
#include "log.h"

#define LOG_TAG      "ipc"
#define OUTPUT_CHUNK (64u * 1024u)

struct ipc_conn {
	struct ipc_server *srv;
	struct bufferevent *bev;
	void *session;
	struct ipc_conn *next;
	struct ipc_peer peer;
};

struct ipc_server {
	struct loop *loop;
	const struct ipc_server_ops *ops;
	void *arg;
	struct evconnlistener *listener;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct ipc_conn *conns;
	unsigned count, max;
};

static void conn_free(struct ipc_conn *conn)
{
	struct ipc_server *srv = conn->srv;

	for (struct ipc_conn **pp = &srv->conns; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == conn) {
			*pp = conn->next;
			break;
		}
	}
	srv->count--;
	bufferevent_free(conn->bev);
	srv->ops->close(srv->arg, conn->session);
	free(conn);
}

/* One frame from the client, answered by the daemon's session. */
static enum ipc_status dispatch(struct ipc_conn *conn, const struct ipc_frame *frame, FILE *out)
{
	const struct ipc_server_ops *ops = conn->srv->ops;
	void *arg = conn->srv->arg;
	char line[IPC_LINE_MAX + 1];

	switch (frame->type) {
	case IPC_REQUEST:
		if (ipc_parse_request(frame, line, sizeof(line)) != 0) {
			fputs("% Command line too long or not text\n", out);
			return IPC_STATUS_ERROR;
		}
		if (ops->execute(arg, conn->session, line, out) != 0)
			return IPC_STATUS_ERROR;
		return ops->closing(arg, conn->session) ? IPC_STATUS_CLOSE : IPC_STATUS_OK;
	case IPC_COMPLETE:
		if (ipc_parse_request(frame, line, sizeof(line)) != 0 || ops->complete(arg, conn->session, line, out) != 0)
			return IPC_STATUS_ERROR;
		return IPC_STATUS_OK;
	case IPC_LOAD: {
		char name[256];
		const char *text;
		size_t len;
		if (ipc_parse_load(frame, name, sizeof(name), &text, &len) != 0) {
			fputs("% Malformed configuration load request\n", out);
			return IPC_STATUS_ERROR;
		}
		if (ops->load(arg, name, text, len, out) != 0) {
			log_warn(ops->log_tag, "configuration from %s rejected (uid %u)", name, (unsigned)conn->peer.uid);
			return IPC_STATUS_ERROR;
		}
		log_notice(ops->log_tag, "configuration from %s applied (uid %u)", name, (unsigned)conn->peer.uid);
		return IPC_STATUS_OK;
	}
	case IPC_OUTPUT:
	case IPC_DONE:
		break;
	}
	fputs("% Unexpected frame from client\n", out);
	return IPC_STATUS_ERROR;
}

/* OUTPUT frames for text (in chunks) and one DONE. */
static int send_reply(struct ipc_conn *conn, const char *text, size_t len, enum ipc_status status)
{
	struct ipc_server *srv = conn->srv;
	struct builder b;
	char prompt[IPC_PROMPT_MAX + 1];

	builder_init_dynamic(&b, len + (len / OUTPUT_CHUNK + 2) * IPC_HEADER_LEN + 2 + IPC_PROMPT_MAX + 64);
	for (size_t off = 0; off < len; off += OUTPUT_CHUNK) {
		size_t n = len - off < OUTPUT_CHUNK ? len - off : OUTPUT_CHUNK;
		ipc_put_frame(&b, IPC_OUTPUT, text + off, n);
	}
	srv->ops->prompt(srv->arg, conn->session, prompt, sizeof(prompt));
	ipc_put_done(&b, status, prompt);
	int rc = -1;
	if (builder_ok(&b) && evbuffer_add(bufferevent_get_output(conn->bev), builder_data(&b), builder_len(&b)) == 0)
		rc = 0;
	builder_free(&b);
	return rc;
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct ipc_conn *conn = arg;
	struct ipc_server *srv = conn->srv;
	struct evbuffer *in = bufferevent_get_input(bev);

	for (;;) {
		size_t avail = evbuffer_get_length(in);
		size_t need = IPC_HEADER_LEN;
		struct ipc_frame frame;
		if (avail < need)
			return;
		/* Look at the header first; only pull up a whole frame once its
		 * length is known to be within bounds. */
		enum ipc_parse_result r = ipc_parse(evbuffer_pullup(in, IPC_HEADER_LEN), IPC_HEADER_LEN, &frame, &need);
		if (r == IPC_PARSE_NEED_MORE && avail >= need)
			r = ipc_parse(evbuffer_pullup(in, (ssize_t)need), need, &frame, &need);
		if (r == IPC_PARSE_NEED_MORE)
			return;
		if (r != IPC_PARSE_FRAME) {
			log_warn(LOG_TAG, "closing connection from pid %ld to %s: %s", (long)conn->peer.pid, srv->path,
			         ipc_parse_result_str(r));
			conn_free(conn);
			return;
		}
		char *text = NULL;
		size_t len = 0;
		FILE *out = open_memstream(&text, &len);
		if (out == NULL) {
			conn_free(conn);
			return;
		}
		enum ipc_status status = dispatch(conn, &frame, out);
		fclose(out);
		evbuffer_drain(in, need);
		int rc = send_reply(conn, text, len, status);
		free(text);
		if (rc != 0) {
			conn_free(conn);
			return;
		}
		if (srv->ops->closing(srv->arg, conn->session)) {
			/* Nothing after `exit` is read; on_write closes once the
			 * reply is out. */
			bufferevent_disable(bev, EV_READ);
			return;
		}
	}
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		conn_free(arg);
}

/* A session that said `exit` is closed once its last reply is written. */
static void on_write(struct bufferevent *bev, void *arg)
{
	struct ipc_conn *conn = arg;

	(void)bev;
	if (conn->srv->ops->closing(conn->srv->arg, conn->session))
		conn_free(conn);
}

static void on_accept(struct evconnlistener *listener, evutil_socket_t fd, struct sockaddr *sa, int salen, void *arg)
{
	struct ipc_server *srv = arg;
	struct ucred cred = {0};
	socklen_t credlen = sizeof(cred);

	(void)listener;
	(void)sa;
	(void)salen;
	if (srv->count >= srv->max) {
		log_warn(LOG_TAG, "refusing a connection to %s: %u sessions open", srv->path, srv->count);
		close(fd);
		return;
	}
	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen);
	struct ipc_conn *conn = calloc(1, sizeof(*conn));
	struct bufferevent *bev = bufferevent_socket_new(srv->loop->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (conn != NULL)
		conn->peer = (struct ipc_peer){.pid = cred.pid, .uid = cred.uid};
	if (conn == NULL || bev == NULL || (conn->session = srv->ops->open(srv->arg, &conn->peer)) == NULL) {
		free(conn);
		if (bev != NULL)
			bufferevent_free(bev);
		else
			close(fd);
		return;
	}
	conn->srv = srv;
	conn->bev = bev;
	conn->next = srv->conns;
	srv->conns = conn;
	srv->count++;
	/* Never buffer more than one maximal frame of input per session. */
	bufferevent_setwatermark(bev, EV_READ, 0, IPC_HEADER_LEN + IPC_PAYLOAD_MAX);
	bufferevent_setcb(bev, on_read, on_write, on_event, conn);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
	log_debug(LOG_TAG, "session on %s opened by pid %ld uid %u", srv->path, (long)cred.pid, (unsigned)cred.uid);
}

struct ipc_server *ipc_server_new(struct loop *loop, const char *dir, const char *name, const char *group,
                                  unsigned max_sessions, const struct ipc_server_ops *ops, void *arg, char *err,
                                  size_t errlen)
{
	struct ipc_server *srv = calloc(1, sizeof(*srv));
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	char path[4096];

	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	int joined = snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (joined < 0 || (size_t)joined >= sizeof(path)) {
		snprintf(err, errlen, "run directory too long for a socket path: %s", dir);
		free(srv);
		return NULL;
	}
	srv->loop = loop;
	srv->ops = ops;
	srv->arg = arg;
	srv->max = max_sessions;
	size_t n = strlen(path);
	if (n >= sizeof(srv->path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		free(srv);
		return NULL;
	}
	memcpy(srv->path, path, n + 1);
	/* The socket is made under a temporary name and renamed into place
	 * once it listens, so whoever waits for the file to appear (a test,
	 * a service manager) can connect as soon as it sees it: between
	 * bind() and listen() a connect() is refused. */
	int tn = snprintf(sun.sun_path, sizeof(sun.sun_path), "%s.new", path);
	if (tn < 0 || (size_t)tn >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", path);
		free(srv);
		return NULL;
	}
	const char *tmp = sun.sun_path;
	/* The pid lock is held, so a socket file here is a crashed run's. */
	unlink(srv->path);
	unlink(tmp);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	mode_t old_mask = umask(0117);
	int bound = fd >= 0 ? bind(fd, (struct sockaddr *)&sun, sizeof(sun)) : -1;
	umask(old_mask);
	if (bound != 0) {
		snprintf(err, errlen, "cannot create socket %s: %s", srv->path, strerror(errno));
		if (fd >= 0)
			close(fd);
		free(srv);
		return NULL;
	}
	struct group *grp = getgrnam(group);
	if (grp == NULL)
		log_warn(LOG_TAG, "group '%s' does not exist: only root can use %s", group, srv->path);
	else if (chown(tmp, (uid_t)-1, grp->gr_gid) != 0)
		log_warn(LOG_TAG, "cannot give %s to group '%s': %s", srv->path, group, strerror(errno));
	chmod(tmp, 0660);
	srv->listener = evconnlistener_new(loop->base, on_accept, srv, LEV_OPT_CLOSE_ON_FREE, 16, fd);
	if (srv->listener == NULL) {
		snprintf(err, errlen, "cannot listen on %s: %s", srv->path, strerror(errno));
		close(fd);
		unlink(tmp);
		free(srv);
		return NULL;
	}
	if (rename(tmp, srv->path) != 0) {
		snprintf(err, errlen, "cannot create socket %s: %s", srv->path, strerror(errno));
		evconnlistener_free(srv->listener);
		unlink(tmp);
		free(srv);
		return NULL;
	}
	return srv;
}

void ipc_server_free(struct ipc_server *srv)
{
	if (srv == NULL)
		return;
	while (srv->conns != NULL)
		conn_free(srv->conns);
	evconnlistener_free(srv->listener);
	unlink(srv->path);
	free(srv);
}

unsigned ipc_server_sessions(const struct ipc_server *srv)
{
	return srv->count;
}
