/*
 * tunnel_table.h - building the versions of a tunnel the workers see, and
 * publishing the table that lists them (tunneld.h explains the
 * reclamation). For tunnel_apply.c and tunneld_init(); not for the packet
 * path.
 *
 * Ownership: tunnel_version_new() returns a tunnel the caller owns until
 * it is put into a table that tunneld_publish() makes current; from then
 * on struct tunneld owns it. The per-worker slices (t->w) are owned by
 * whichever version last received them (tunnel_version_free() says
 * whether to free them).
 */
#ifndef SKYGATE_TUNNEL_TABLE_H
#define SKYGATE_TUNNEL_TABLE_H

#include <stdbool.h>
#include <stddef.h>

#include "tunneld.h"

/*
 * A new version of a tunnel from configuration c at slot index. With
 * share non-NULL its per-worker slices (counters, GRE state, TUN queues,
 * receive runs) carry over; otherwise fresh ones are made with no TUN
 * queue (tun_fd -1). NULL when out of memory.
 */
struct tunnel *tunnel_version_new(struct tunneld *td, const struct tcfg_tunnel *c, uint32_t index,
                                  struct tunnel_wstate *share);
/* Free a version; its slices too when free_w (their TUN queues are not
 * closed here: worker.c owns those descriptors). */
void tunnel_version_free(struct tunneld *td, struct tunnel *t, bool free_w);

/* A copy of the current table to edit (main thread). NULL when out of memory. */
struct tunnel_table *tunnel_table_copy(struct tunneld *td);
/* Remove t from tab (by pointer); put replaces it in place when non-NULL. */
void tunnel_table_replace(struct tunnel_table *tab, const struct tunnel *t, struct tunnel *put);
/* Append t at its index. */
void tunnel_table_add(struct tunnel_table *tab, struct tunnel *t);
/* A free index, or -1. */
int tunnel_table_free_index(const struct tunnel_table *tab);

/*
 * Make tab current and wait until no worker can still hold the previous
 * table or any version only it referred to; then free the previous table
 * (not the tunnels: the caller frees the versions it retired, which is
 * safe once this returns true). false: a worker did not pass a quiescent
 * point within seconds; the caller must then leak what it retired.
 */
bool tunneld_publish(struct tunneld *td, struct tunnel_table *tab);

/* The manual SA s of tunnel c at reqid through the SA ops (update: replace
 * an SA with the same id). 0, or -1 with a message in err. */
int tunnel_sa_add(struct tunneld *td, const struct tcfg_tunnel *c, uint32_t reqid, const struct tcfg_sa *s,
                  bool inbound, bool update, char *err, size_t errlen);
/* Delete tunnel c's SA with spi. 0 or -1 (errno). */
int tunnel_sa_del(struct tunneld *td, const struct tcfg_tunnel *c, uint32_t spi, bool inbound);

#endif
