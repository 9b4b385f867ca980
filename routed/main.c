/*
 * skygate-routed: the control-plane daemon.
 *
 * Start-up order: options, appliance settings, logging, the routing
 * configuration (all or nothing), run directory and pid lock, the CLI
 * socket, then the event loop until SIGTERM/SIGINT. The BGP speaker, RIBs
 * and FIB join this loop as their modules land.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "bgp_peer.h"
#include "cli.h"
#include "cli_server.h"
#include "daemon.h"
#include "domain_dataplane.h"
#include "log.h"
#include "loop.h"
#include "settings.h"

#define ROUTED_NAME "skygate-routed"
#define LOG_TAG "routed"
#define DEFAULT_SETTINGS "/etc/skygate/skygate.conf"
#define DEFAULT_CONFIG "/etc/skygate/routed.conf"

struct routed_options {
	const char *rundir;           /* NULL: from the settings */
	const char *statedir;         /* NULL: from the settings */
	const char *settings_path;
	bool settings_explicit;
	const char *config_path;
	bool config_explicit;
	const char *syslog_target;    /* NULL: from the settings */
	bool level_given;
	enum log_level level;
	bool cli_reference;
	bool check_only;
	uint16_t bgp_port;
};

/* What the configuration-change hook needs. */
struct routed_ctx {
	struct loop *loop;
	struct cli_env *env;
	uint16_t bgp_port;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " ROUTED_NAME " [options]\n"
		"  -f, --config FILE   routing configuration (default " DEFAULT_CONFIG "; `write memory` saves here)\n"
		"  --settings FILE     appliance settings (default " DEFAULT_SETTINGS ")\n"
		"  --rundir DIR        run directory for the pid file and CLI socket (default from settings, " DAEMON_DEFAULT_RUNDIR ")\n"
		"  --statedir DIR      state directory: the route approval store (default from settings, /var/lib/skygate)\n"
		"  --log-level LEVEL   debug, info, notice, warning, error (default from settings, info)\n"
		"  --syslog TARGET     also log RFC 5424 to udp:HOST:PORT or unix:PATH\n"
		"  --bgp-port PORT     TCP port for BGP, listening and connecting (default 179)\n"
		"  --no-fib            install no routes in the kernel (benchmarks of BGP alone)\n"
		"  --check             check the settings and configuration, print the result, exit\n"
		"  --cli-reference     print every CLI command as Markdown (docs/cli.md) and exit\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n");
}

/* Returns 0 to run, 1 to exit successfully (help/version), -1 on bad usage. */
static int parse_options(int argc, char **argv, struct routed_options *opt)
{
	enum { OPT_RUNDIR = 256, OPT_STATEDIR, OPT_LOG_LEVEL, OPT_SYSLOG, OPT_SETTINGS, OPT_CHECK, OPT_CLI_REF, OPT_BGP_PORT,
	       OPT_NO_FIB };
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"rundir", required_argument, NULL, OPT_RUNDIR},
		{"statedir", required_argument, NULL, OPT_STATEDIR},
		{"log-level", required_argument, NULL, OPT_LOG_LEVEL},
		{"syslog", required_argument, NULL, OPT_SYSLOG},
		{"settings", required_argument, NULL, OPT_SETTINGS},
		{"check", no_argument, NULL, OPT_CHECK},
		{"cli-reference", no_argument, NULL, OPT_CLI_REF},
		{"bgp-port", required_argument, NULL, OPT_BGP_PORT},
		{"no-fib", no_argument, NULL, OPT_NO_FIB},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*opt = (struct routed_options){.settings_path = DEFAULT_SETTINGS, .config_path = DEFAULT_CONFIG,
				       .level = LOG_LVL_INFO, .bgp_port = 179};
	while ((c = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt->config_path = optarg;
			opt->config_explicit = true;
			break;
		case OPT_RUNDIR:
			opt->rundir = optarg;
			break;
		case OPT_STATEDIR:
			opt->statedir = optarg;
			break;
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &opt->level) != 0) {
				fprintf(stderr, ROUTED_NAME ": unknown log level '%s' (debug, info, notice, warning, error)\n",
					optarg);
				return -1;
			}
			opt->level_given = true;
			break;
		case OPT_SYSLOG:
			opt->syslog_target = optarg;
			break;
		case OPT_SETTINGS:
			opt->settings_path = optarg;
			opt->settings_explicit = true;
			break;
		case OPT_CHECK:
			opt->check_only = true;
			break;
		case OPT_CLI_REF:
			opt->cli_reference = true;
			break;
		case OPT_BGP_PORT: {
			char *end;
			errno = 0;
			unsigned long port = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 || port == 0 || port > 65535) {
				fprintf(stderr, ROUTED_NAME ": bad BGP port '%s' (1-65535)\n", optarg);
				return -1;
			}
			opt->bgp_port = (uint16_t)port;
			break;
		}
		case OPT_NO_FIB:
			bgp_fib_enable(false);
			domain_dataplane_enable(false);
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(ROUTED_NAME " %s\n", PACKAGE_VERSION);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, ROUTED_NAME ": unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return -1;
	}
	return 0;
}

/* A default file that is absent means "all defaults"; a file named on the
 * command line must exist. */
static bool file_missing_ok(const char *path, bool explicit_path)
{
	return !explicit_path && access(path, F_OK) != 0 && errno == ENOENT;
}

static int load_settings(const struct routed_options *opt, struct skygate_settings *settings)
{
	char err[1024];

	settings_defaults(settings);
	if (file_missing_ok(opt->settings_path, opt->settings_explicit))
		return 0;
	if (settings_load_file(opt->settings_path, settings, err, sizeof(err)) != 0) {
		fprintf(stderr, ROUTED_NAME ": %s\n", err);
		return -1;
	}
	return 0;
}

static int setup_logging(const struct routed_options *opt, const struct skygate_settings *settings)
{
	char err[512];
	const char *target = opt->syslog_target != NULL ? opt->syslog_target : settings->log.syslog;

	log_open(ROUTED_NAME);
	log_set_level(opt->level_given ? opt->level : settings->log.level);
	for (size_t i = 0; i < settings->log.module_count; i++)
		log_set_module_level(settings->log.modules[i].name, settings->log.modules[i].level);
	if (target[0] != '\0' && log_set_syslog(target, err, sizeof(err)) != 0) {
		fprintf(stderr, ROUTED_NAME ": %s\n", err);
		return -1;
	}
	return 0;
}

/* The routing configuration: all of the file applies, or the daemon does
 * not start. */
static int load_config(const struct routed_options *opt, struct cli_env *env)
{
	if (file_missing_ok(opt->config_path, opt->config_explicit)) {
		log_notice(LOG_TAG, "no %s: starting with an empty configuration", opt->config_path);
		return 0;
	}
	struct routed_config *loaded = NULL;
	if (cli_load_file(env, opt->config_path, stderr, &loaded) != 0)
		return -1;
	rcfg_free(env->running);
	env->running = loaded;
	return 0;
}

/* The BGP speaker follows the configuration: created with `router bgp`,
 * replaced when the ASN changes, removed with `no router bgp`. */
static void on_config_changed(void *arg, const struct routed_config *cfg)
{
	struct routed_ctx *ctx = arg;
	struct cli_env *env = ctx->env;
	char err[256];

	/* Rules and filters first: a domain's table selection and its
	 * isolation exist before its routes do. */
	if (domain_dataplane_apply(cfg->domains, err, sizeof(err)) != 0)
		log_err(LOG_TAG, "network domains: %s", err);

	if (env->bgp != NULL && (cfg->bgp == NULL || bgp_instance_asn(env->bgp) != cfg->bgp->asn)) {
		bgp_instance_free(env->bgp);
		env->bgp = NULL;
	}
	if (cfg->bgp == NULL)
		return;
	if (env->bgp == NULL) {
		env->bgp = bgp_instance_new(ctx->loop, cfg->bgp->asn, ctx->bgp_port, err, sizeof(err));
		if (env->bgp == NULL) {
			log_err(LOG_TAG, "cannot start BGP: %s", err);
			return;
		}
		log_notice(LOG_TAG, "BGP instance AS %u started", cfg->bgp->asn);
		bgp_instance_set_approval(env->bgp, env->approval);
	}
	bgp_instance_apply(env->bgp, cfg);
}

int main(int argc, char **argv)
{
	struct routed_options opt;
	struct skygate_settings settings;
	struct daemon_pidfile pidfile = {.fd = -1};
	struct cli_env env = {0};
	struct cli_server *cli = NULL;
	struct loop loop;
	char err[512];
	int rc = parse_options(argc, argv, &opt);

	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : 2;
	env.reg = cli_registry_new(err, sizeof(err));
	if (env.reg == NULL) {
		fprintf(stderr, ROUTED_NAME ": CLI: %s\n", err);
		return EXIT_FAILURE;
	}
	if (opt.cli_reference) {
		cli_print_reference(env.reg, stdout);
		cmd_registry_free(env.reg);
		return EXIT_SUCCESS;
	}
	env.running = rcfg_new();
	env.config_path = opt.config_path;
	env.started = time(NULL);
	rc = EXIT_FAILURE;
	if (env.running == NULL || load_settings(&opt, &settings) != 0 || setup_logging(&opt, &settings) != 0 ||
	    load_config(&opt, &env) != 0)
		goto out;
	if (opt.check_only) {
		printf("%s: settings %s, configuration %s: OK\n", ROUTED_NAME, opt.settings_path, opt.config_path);
		rc = EXIT_SUCCESS;
		goto out;
	}

	const char *rundir = opt.rundir != NULL ? opt.rundir : settings.rundir;
	if (daemon_make_rundir(rundir, 0750, err, sizeof(err)) != 0 ||
	    daemon_pidfile_acquire(&pidfile, rundir, "routed", err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	/* Route approval decisions outlive the process (SQLite under the
	 * state directory): without them routes would flow unapproved, so
	 * the daemon does not start without its store. */
	const char *statedir = opt.statedir != NULL ? opt.statedir : settings.statedir;
	if (daemon_make_rundir(statedir, 0750, err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	env.approval = appr_open(statedir, err, sizeof(err));
	if (env.approval == NULL) {
		log_err(LOG_TAG, "cannot open the route approval store: %s", err);
		goto out;
	}
	if (loop_init(&loop) != 0 || loop_default_signals(&loop) != 0) {
		log_err(LOG_TAG, "cannot set up the event loop");
		goto out;
	}
	cli = cli_server_new(&loop, &env, rundir, err, sizeof(err));
	if (cli == NULL) {
		log_err(LOG_TAG, "%s", err);
		loop_fini(&loop);
		goto out;
	}
	struct routed_ctx ctx = {.loop = &loop, .env = &env, .bgp_port = opt.bgp_port};
	env.config_changed = on_config_changed;
	env.config_changed_arg = &ctx;
	log_notice(LOG_TAG, ROUTED_NAME " %s started, pid %ld, run directory %s", PACKAGE_VERSION,
		   (long)getpid(), rundir);
	on_config_changed(&ctx, env.running);
	rc = loop_run(&loop) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_notice(LOG_TAG, "shutting down");
	/* Peers are told (Cease) before the loop goes away. */
	bgp_instance_free(env.bgp);
	env.bgp = NULL;
	domain_dataplane_clear();
	cli_server_free(cli);
	loop_fini(&loop);
	log_notice(LOG_TAG, "stopped");
out:
	appr_close(env.approval);
	daemon_pidfile_release(&pidfile);
	rcfg_free(env.running);
	cmd_registry_free(env.reg);
	log_close();
	return rc;
}
