/*
 * CLI socket server: one routed CLI session per connection of the shared
 * IPC server (lib/ipc_server.h).
 */
#include "cli_server.h"

#include <stdio.h>
#include <stdlib.h>

#include "ipc_server.h"
#include "log.h"

#define LOG_TAG "cli"

struct cli_server {
	struct cli_env *env;
	struct ipc_server *ipc;
};

static void *session_open(void *arg, const struct ipc_peer *peer)
{
	struct cli_server *srv = arg;
	struct cli_session *s = malloc(sizeof(*s));

	(void)peer;
	if (s == NULL)
		return NULL;
	cli_session_init(s, srv->env, NULL);
	srv->env->sessions_open++;
	return s;
}

static void session_close(void *arg, void *session)
{
	struct cli_server *srv = arg;

	srv->env->sessions_open--;
	free(session);
}

static enum ipc_status session_handle(void *arg, void *session, const struct ipc_frame *frame, FILE *out,
                                      const struct ipc_peer *peer)
{
	struct cli_server *srv = arg;
	struct cli_session *s = session;
	char line[IPC_LINE_MAX + 1];

	s->out = out;
	switch (frame->type) {
	case IPC_REQUEST:
		if (ipc_parse_request(frame, line, sizeof(line)) != 0) {
			fputs("% Command line too long or not text\n", out);
			return IPC_STATUS_ERROR;
		}
		if (cli_execute(s, line) != 0)
			return IPC_STATUS_ERROR;
		return s->closing ? IPC_STATUS_CLOSE : IPC_STATUS_OK;
	case IPC_COMPLETE:
		if (ipc_parse_request(frame, line, sizeof(line)) != 0 || cli_complete(s, line, out) != 0)
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
		if (cli_load_text(srv->env, name, text, len, out, NULL) != 0) {
			log_warn(LOG_TAG, "configuration from %s rejected (uid %u)", name, (unsigned)peer->uid);
			return IPC_STATUS_ERROR;
		}
		log_notice(LOG_TAG, "configuration from %s applied (uid %u)", name, (unsigned)peer->uid);
		return IPC_STATUS_OK;
	}
	case IPC_OUTPUT:
	case IPC_DONE:
		break;
	}
	fputs("% Unexpected frame from client\n", out);
	return IPC_STATUS_ERROR;
}

static void session_prompt(void *arg, void *session, char *buf, size_t len)
{
	(void)arg;
	cli_prompt(session, buf, len);
}

static bool session_closing(void *arg, void *session)
{
	(void)arg;
	return ((struct cli_session *)session)->closing;
}

static const struct ipc_server_ops cli_ops = {
    .open = session_open,
    .close = session_close,
    .handle = session_handle,
    .prompt = session_prompt,
    .closing = session_closing,
};

struct cli_server *cli_server_new(struct loop *loop, struct cli_env *env, const char *rundir,
				  char *err, size_t errlen)
{
	struct cli_server *srv = calloc(1, sizeof(*srv));
	char path[4096];

	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->env = env;
	int n = snprintf(path, sizeof(path), "%s/%s", rundir, CLI_SERVER_SOCKET);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		snprintf(err, errlen, "run directory too long for a socket path: %s", rundir);
		free(srv);
		return NULL;
	}
	srv->ipc = ipc_server_new(loop, path, CLI_SERVER_GROUP, CLI_SERVER_MAX_SESSIONS, &cli_ops, srv, err, errlen);
	if (srv->ipc == NULL) {
		free(srv);
		return NULL;
	}
	return srv;
}

void cli_server_free(struct cli_server *srv)
{
	if (srv == NULL)
		return;
	ipc_server_free(srv->ipc);
	free(srv);
}
