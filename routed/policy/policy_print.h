/*
 * Text and JSON forms of single policy objects, for the configuration
 * printer and the `show` commands (routed/policy/ only). JSON objects
 * returned here belong to the caller.
 */
#ifndef SKYGATE_ROUTED_POLICY_PRINT_H
#define SKYGATE_ROUTED_POLICY_PRINT_H

#include <stdio.h>

#include "policy_internal.h"

/* Room for one printed clause or entry value (longer ones are cut). */
#define POLICY_TEXT_MAX 4096

/* Each match (is_set false) and set clause of an entry as the text after
 * "match "/"set ", in canonical order. */
typedef void (*rmap_clause_fn)(void *arg, bool is_set, const char *text);
void rmap_entry_clauses(const struct rmap_entry *e, rmap_clause_fn fn, void *arg);
void rmap_entry_print_action(const struct rmap_entry *e, FILE *out, const char *indent);

/* "198.18.0.0/15 le 24" or "any"; returns buf. */
const char *plist_entry_text(const struct plist_entry *e, char *buf, size_t len);

struct json_object *plist_json(const struct prefix_list *pl);
struct json_object *aspath_list_json(const struct aspath_list *l);
struct json_object *clist_json(const struct community_list *l);
/* counters: with FRR's "invoked" counts, for `show route-map`. */
struct json_object *rmap_json(const struct route_map *m, bool counters);

void plist_show(const struct prefix_list *pl, FILE *out);
void aspath_list_show(const struct aspath_list *l, FILE *out);
void clist_show(const struct community_list *l, FILE *out);
void rmap_show(const struct route_map *m, FILE *out);

#endif
