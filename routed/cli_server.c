/*
 * CLI socket server: one routed CLI session per connection of the shared
 * IPC server (lib/ipc_server.h).
 */
#include "cli_server.h"

#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>

#include "ipc_server.h"

#define LOG_TAG "cli"

struct cli_server {
	struct cli_env *env;
	struct ipc_server *ipc;
};

static void *session_open(void *arg, const struct ipc_peer *peer)
{
	struct cli_server *srv = arg;
	struct cli_session *s = malloc(sizeof(*s));

	if (s == NULL)
		return NULL;
	cli_session_init(s, srv->env, NULL);
	/* The audit trail of route approval names the user behind the
	 * socket (SO_PEERCRED, which the kernel vouches for). */
	struct passwd pw, *found = NULL;
	char buf[1024];
	if (getpwuid_r(peer->uid, &pw, buf, sizeof(buf), &found) == 0 && found != NULL)
		snprintf(s->user, sizeof(s->user), "cli:%s", found->pw_name);
	else
		snprintf(s->user, sizeof(s->user), "cli:uid%u", (unsigned)peer->uid);
	srv->env->sessions_open++;
	return s;
}

static void session_close(void *arg, void *session)
{
	struct cli_server *srv = arg;

	srv->env->sessions_open--;
	free(session);
}

static int session_execute(void *arg, void *session, const char *line, FILE *out)
{
	struct cli_session *s = session;

	(void)arg;
	s->out = out;
	return cli_execute(s, line);
}

static int session_complete(void *arg, void *session, const char *line, FILE *out)
{
	struct cli_session *s = session;

	(void)arg;
	s->out = out;
	return cli_complete(s, line, out);
}

static int config_load(void *arg, const char *name, const char *text, size_t len, FILE *out)
{
	struct cli_server *srv = arg;

	return cli_load_text(srv->env, name, text, len, out, NULL);
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
    .execute = session_execute,
    .complete = session_complete,
    .load = config_load,
    .prompt = session_prompt,
    .closing = session_closing,
    .log_tag = LOG_TAG,
};

struct cli_server *cli_server_new(struct loop *loop, struct cli_env *env, const char *rundir,
				  char *err, size_t errlen)
{
	struct cli_server *srv = calloc(1, sizeof(*srv));

	if (srv == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	srv->env = env;
	srv->ipc = ipc_server_new(loop, rundir, CLI_SERVER_SOCKET, CLI_SERVER_GROUP, CLI_SERVER_MAX_SESSIONS, &cli_ops,
				  srv, err, errlen);
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
