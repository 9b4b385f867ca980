/*
 * ipc_server.h - the server side of the lib/ipc.h protocol on a UNIX
 * stream socket: what skygate-routed's CLI socket and skygate-tunneld's
 * control socket share. It accepts connections, cuts frames (closing a
 * connection that breaks the framing), hands each REQUEST, COMPLETE or
 * LOAD to the daemon's session with a memory stream for the output (and
 * logs who loaded which configuration), and answers
 * with OUTPUT frames and one DONE carrying the session's prompt. A
 * session that is closing (`exit`) is closed once its last answer is
 * written.
 *
 * Access: the socket is mode 0660, group `group` when that group exists
 * (root's otherwise, with a warning), so membership of the group is what
 * lets an operator use skysh without root.
 *
 * Ownership: the server owns its listener and connections and the
 * sessions ops->open() made (freed with ops->close()); it borrows the
 * loop, the ops and arg, which must outlive it. ipc_server_free()
 * closes everything and removes the socket file.
 */
#ifndef SKYGATE_IPC_SERVER_H
#define SKYGATE_IPC_SERVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "ipc.h"
#include "loop.h"

struct ipc_server;

struct ipc_peer {
	pid_t pid;
	uid_t uid;
};

/* What a daemon plugs in: its CLI sessions. The server parses each frame
 * and answers it; these do the work, printing to out. */
struct ipc_server_ops {
	/* A connection: make its session (NULL refuses it). */
	void *(*open)(void *arg, const struct ipc_peer *peer);
	void (*close)(void *arg, void *session);
	/* A command line (REQUEST): 0, or -1 with the error printed. */
	int (*execute)(void *arg, void *session, const char *line, FILE *out);
	/* The completions of a partial line (COMPLETE): 0 or -1. */
	int (*complete)(void *arg, void *session, const char *line, FILE *out);
	/* A configuration text named name, applied all or nothing (LOAD): 0,
	 * or -1 with the errors printed. */
	int (*load)(void *arg, const char *name, const char *text, size_t len, FILE *out);
	/* The prompt for DONE (at most IPC_PROMPT_MAX characters). */
	void (*prompt)(void *arg, void *session, char *buf, size_t len);
	/* Whether the session ended (after `exit`). */
	bool (*closing)(void *arg, void *session);
	/* The tag of the log lines about loads: the daemon's. */
	const char *log_tag;
};

/* Listen on dir/name (unlinked first: callers hold the run directory's
 * pid lock). NULL with a reason in err. */
struct ipc_server *ipc_server_new(struct loop *loop, const char *dir, const char *name, const char *group,
                                  unsigned max_sessions, const struct ipc_server_ops *ops, void *arg, char *err,
                                  size_t errlen);
void ipc_server_free(struct ipc_server *srv);
/* Sessions open now. */
unsigned ipc_server_sessions(const struct ipc_server *srv);

#endif
