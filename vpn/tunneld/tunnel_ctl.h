/*
 * tunnel_ctl.h - skygate-tunneld's control socket, RUNDIR/tunneld.sock:
 * the lib/ipc.h framing routed's CLI socket speaks (REQUEST, COMPLETE,
 * LOAD -> OUTPUT..., DONE), so `skysh --daemon tunneld` talks to it. Each
 * connection is one CLI session (tunnel_cli.h: configure terminal, the
 * tunnel nodes, write memory, transactions); this file adds the show
 * commands of the running data plane:
 *
 *   show tunnel [NAME] [json]   state, counters, drops by reason, per worker
 *   show ipsec sa [json]        the SAs and their counters, never keys
 *
 * and, only in a test build (configure --enable-test-hooks), to root:
 *
 *   debug ipsec sa keys json    every SA with its key and salt in hex
 *
 * Access as routed's: mode 0660, group `skygate` when it exists.
 *
 * Ownership: the server owns its listener and connections; it borrows the
 * loop and the state it shows, which must outlive it.
 */
#ifndef SKYGATE_TUNNEL_CTL_H
#define SKYGATE_TUNNEL_CTL_H

#include <stddef.h>
#include <stdio.h>

#include "loop.h"
#include "tunnel_cli.h"
#include "tunneld.h"
#include "worker.h"

#define TUNNEL_CTL_SOCKET "tunneld.sock"

struct tunnel_ctl;

struct tunnel_ctl_env {
	struct tunnel_cli_env *cli; /* the sessions' environment */
	struct tunneld *td;
	struct worker_pool *pool; /* NULL until started */
	time_t started;
	/* A tunnel's IKE state and last error (vpn/ike/ike.h); NULL: no IKE. */
	void (*ike_state)(const char *name, char *state, size_t slen, char *error, size_t elen);
};

/* Listen on RUNDIR/tunneld.sock (rundir NULL: no socket, for tests) and
 * register the show commands in env->cli's registry. */
struct tunnel_ctl *tunnel_ctl_new(struct loop *loop, struct tunnel_ctl_env *env, const char *rundir,
                                  char *err, size_t errlen);
void tunnel_ctl_free(struct tunnel_ctl *ctl);

/* Run one command line, writing its output to out: 0, or -1 when the
 * command is not valid (its message went to out). For the socket and
 * tests. */
int tunnel_ctl_execute(struct tunnel_ctl *ctl, const char *line, FILE *out);

#endif
