/*
 * Shared by the files that declare routed's CLI commands; not for other
 * modules.
 */
#ifndef SKYGATE_ROUTED_CLI_INTERNAL_H
#define SKYGATE_ROUTED_CLI_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>

#include "cli.h"
#include "cmd.h"

#define CLI_LINE_MAX 4096           /* as IPC_LINE_MAX */
#define CLI_FILE_MAX (16u << 20)    /* a config file larger than this is refused */

/* Print "% message" to the session and return -1, so a handler can
 * `return cli_error(s, ...)`. */
int cli_error(struct cli_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cli_register_all(struct cmd_registry *reg, const struct cmd_def *defs, size_t n, char *err, size_t errlen);

/* Defined by the configuration command files (hostname, router bgp, ...). */
int cli_register_config_commands(struct cmd_registry *reg, char *err, size_t errlen);
/* BGP show commands (routed/bgp/bgp_cli.c). */
int cli_register_bgp_show_commands(struct cmd_registry *reg, char *err, size_t errlen);
/* `show ip route`, `show ipv6 route` (routed/route_show.c). */
int cli_register_route_show_commands(struct cmd_registry *reg, char *err, size_t errlen);

/* Route approval: `approval mode`, `neighbor X approval`, `bgp approval
 * ...` decisions and `show bgp approval` (routed/bgp/bgp_approval_cli.c). */
int cli_register_approval_commands(struct cmd_registry *reg, char *err, size_t errlen);

/* Prefix-lists, AS-path and community lists, route-maps
 * (routed/policy/policy_cli.c). */
int cli_register_policy_commands(struct cmd_registry *reg, char *err, size_t errlen);
/* Whether the route-map entry a NODE_ROUTE_MAP session edits still exists. */
bool cli_route_map_node_valid(struct cli_session *s);

/* Network domains and their show commands (routed/domain_cli.c). */
int cli_register_domain_commands(struct cmd_registry *reg, char *err, size_t errlen);
/* Whether the domain a NODE_DOMAIN session edits still exists. */
bool cli_domain_node_valid(struct cli_session *s);

#endif
