/*
 * The CLI socket of skygate-routed: RUNDIR/routed.sock, a UNIX stream socket
 * speaking lib/ipc.h frames. Each connection is one CLI session.
 *
 * Access: the socket is mode 0660, group `skygate` when that group exists
 * (root's group otherwise, with a warning), so membership of `skygate` is
 * what lets an operator run skysh without root.
 *
 * The socket, framing and connections are lib/ipc_server.h's (shared with
 * skygate-tunneld); this file makes each connection a routed CLI session.
 *
 * Ownership: the server owns its listener, its connections and their
 * sessions; it borrows the loop and the CLI environment, which must outlive
 * it. cli_server_free() closes everything and removes the socket file.
 */
#ifndef SKYGATE_ROUTED_CLI_SERVER_H
#define SKYGATE_ROUTED_CLI_SERVER_H

#include <stddef.h>

#include "cli.h"
#include "loop.h"

#define CLI_SERVER_SOCKET "routed.sock"
#define CLI_SERVER_GROUP "skygate"
#define CLI_SERVER_MAX_SESSIONS 64

struct cli_server;

/* Listen on RUNDIR/routed.sock. NULL with a reason in err on failure. */
struct cli_server *cli_server_new(struct loop *loop, struct cli_env *env, const char *rundir,
				  char *err, size_t errlen);
void cli_server_free(struct cli_server *srv);

#endif
