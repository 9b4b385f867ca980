/*
 * skygate-tunneld: the userspace GRE/ESP data plane.
 *
 * Start-up order: options, logging, the configuration (all or nothing;
 * --check stops here), run directory and pid lock, the (empty) runtime,
 * the worker threads, then the configuration applied as any later change
 * is (tunnel_apply.h: devices, sockets, SAs), then the control socket,
 * through which the tunnels are configured live (tunnel_cli.h); the main
 * thread runs the event loop (control socket, SA expiry notices, GRE
 * keepalives) until SIGTERM/SIGINT, then stops the workers and removes
 * the devices by closing them.
 */
#include "config.h"

#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#ifdef HAVE_LIBCHARON
#include "ike.h"
#endif
#include "log.h"
#include "loop.h"
#include "tunnel_apply.h"
#include "tunnel_cli.h"
#include "tunnel_config.h"
#include "tunnel_ctl.h"
#include "tunneld.h"
#include "worker.h"

#define TUNNELD_NAME "skygate-tunneld"
#define LOG_TAG      "tunneld"
#define DEFAULT_CONFIG "/etc/skygate/tunneld.conf"
#define TICK_MS      1000

struct options {
	const char *config_path;
	const char *rundir;
	unsigned workers; /* 0: one per online CPU */
	enum log_level level;
	bool check_only;
};

struct daemon_ctx {
	struct tunneld td;
	struct worker_pool *pool;
	struct timer tick;
	unsigned ticks;
	struct event *sa_events;
	struct tunnel_cli_env cli;
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: " TUNNELD_NAME " -f CONFIG [--rundir DIR] [--workers N] [--log-level LEVEL] [--check]\n"
	             "  -f, --config FILE   tunnel configuration (default " DEFAULT_CONFIG ")\n"
	             "  --rundir DIR        run directory for the pid file and control socket\n"
	             "                      (default " DAEMON_DEFAULT_RUNDIR ")\n"
	             "  --workers N         data-plane threads (default: one per CPU)\n"
	             "  --log-level LEVEL   debug, info, notice, warning, error (default info)\n"
	             "  --check             check the configuration, print the result, exit\n"
	             "  -h, --help          this text\n"
	             "  -V, --version       print the version\n");
}

static int parse_options(int argc, char **argv, struct options *opt)
{
	enum { OPT_RUNDIR = 256, OPT_WORKERS, OPT_LOG_LEVEL, OPT_CHECK };
	static const struct option longopts[] = {
	    {"config", required_argument, NULL, 'f'},
	    {"rundir", required_argument, NULL, OPT_RUNDIR},
	    {"workers", required_argument, NULL, OPT_WORKERS},
	    {"log-level", required_argument, NULL, OPT_LOG_LEVEL},
	    {"check", no_argument, NULL, OPT_CHECK},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	*opt = (struct options){.config_path = DEFAULT_CONFIG, .rundir = DAEMON_DEFAULT_RUNDIR, .level = LOG_LVL_INFO};
	while ((c = getopt_long(argc, argv, "f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			opt->config_path = optarg;
			break;
		case OPT_RUNDIR:
			opt->rundir = optarg;
			break;
		case OPT_WORKERS: {
			char *end;
			errno = 0;
			unsigned long n = strtoul(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || errno != 0 || n == 0 || n > TUNNELD_MAX_WORKERS) {
				fprintf(stderr, TUNNELD_NAME ": --workers takes 1 to %d\n", TUNNELD_MAX_WORKERS);
				return -1;
			}
			opt->workers = (unsigned)n;
			break;
		}
		case OPT_LOG_LEVEL:
			if (log_level_parse(optarg, &opt->level) != 0) {
				fprintf(stderr, TUNNELD_NAME ": unknown log level '%s'\n", optarg);
				return -1;
			}
			break;
		case OPT_CHECK:
			opt->check_only = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(TUNNELD_NAME " %s\n", PACKAGE_VERSION);
			return 1;
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, TUNNELD_NAME ": unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	return 0;
}

static unsigned default_workers(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		return 1;
	return n > TUNNELD_MAX_WORKERS ? TUNNELD_MAX_WORKERS : (unsigned)n;
}

/* Manual SAs have no IKE to rekey them: an expiry is only reported. */
static void on_sa_expire(void *arg, uint32_t reqid, uint32_t spi, bool inbound, bool hard)
{
	struct daemon_ctx *d = arg;
	const struct tunnel *t = reqid < TCFG_MAX_TUNNELS ? tunneld_table(&d->td)->slot[reqid] : NULL;
	const char *name = t != NULL ? t->cfg.name : "?";

#ifdef HAVE_LIBCHARON
	if (ike_sa_expired(spi, inbound, hard))
		return; /* negotiated: charon rekeys or deletes it */
#endif
	if (hard)
		log_warn(LOG_TAG, "tunnel %s: %s SA 0x%08x reached its hard limit and refuses traffic", name,
		         inbound ? "inbound" : "outbound", spi);
	else
		log_notice(LOG_TAG, "tunnel %s: %s SA 0x%08x reached its soft limit (rekey due)", name,
		           inbound ? "inbound" : "outbound", spi);
}

static void on_sa_events(evutil_socket_t fd, short what, void *arg)
{
	struct daemon_ctx *d = arg;

	(void)fd;
	(void)what;
	ipsec_sadb_run_events(d->td.sadb);
}

/* Once a second: GRE keepalives that are due. */
static void on_tick(void *arg)
{
	struct daemon_ctx *d = arg;

	d->ticks++;
	struct tunnel_table *tab = tunneld_table(&d->td);
	for (size_t i = 0; i < tab->count; i++) {
		struct tunnel *t = tab->list[i];
		if (t->cfg.kind != TCFG_GRE || t->cfg.keepalive_interval == 0 || t->cfg.shutdown)
			continue;
		if (d->ticks % t->cfg.keepalive_interval == 0 && worker_pool_send_keepalive(d->pool, t) != 0)
			log_debug(LOG_TAG, "tunnel %s: keepalive not sent: %s", t->cfg.name, strerror(errno));
	}
	timer_start(&d->tick, TICK_MS);
}

/* Every configuration change, from the CLI or a transaction. */
static int apply_config(void *arg, const struct tunneld_config *old, const struct tunneld_config *new, char *err,
                        size_t errlen)
{
	struct daemon_ctx *d = arg;
	int rc = tunnel_apply(&d->td, d->pool, old, new, err, errlen);

#ifdef HAVE_LIBCHARON
	/* The tunnels exist now: charon's connections follow them. */
	if (rc == 0 && ike_running())
		ike_sync_tunnels(&d->td, new);
#endif
	return rc;
}

int main(int argc, char **argv)
{
	struct options opt;
	struct daemon_pidfile pidfile = {.fd = -1};
	struct daemon_ctx d;
	struct tunnel_ctl_env env = {0};
	struct tunnel_ctl *ctl = NULL;
	struct tunneld_config *cfg = NULL;
	struct loop loop;
	bool loop_ready = false, td_ready = false, cli_ready = false;
	char err[512];
	int rc = parse_options(argc, argv, &opt);

	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : 2;
	memset(&d, 0, sizeof(d));
	log_open(TUNNELD_NAME);
	log_set_level(opt.level);
	rc = EXIT_FAILURE;
	cfg = tcfg_load_file(opt.config_path, stderr);
	if (cfg == NULL)
		goto out;
	if (opt.check_only) {
		printf("%s: configuration %s: OK (%zu tunnels)\n", TUNNELD_NAME, opt.config_path, cfg->count);
		rc = EXIT_SUCCESS;
		goto out;
	}
	if (daemon_make_rundir(opt.rundir, 0750, err, sizeof(err)) != 0 ||
	    daemon_pidfile_acquire(&pidfile, opt.rundir, "tunneld", err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	/* Empty: the configuration is applied once the workers run, the
	 * way every later change is. */
	if (tunneld_init(&d.td, NULL, opt.workers != 0 ? opt.workers : default_workers(), on_sa_expire, &d, err,
	                 sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	td_ready = true;
	if (tunnel_cli_env_init(&d.cli, err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	cli_ready = true;
	d.cli.config_path = opt.config_path;
	if (loop_init(&loop) != 0 || loop_default_signals(&loop) != 0) {
		log_err(LOG_TAG, "cannot set up the event loop");
		goto out;
	}
	loop_ready = true;
	d.pool = worker_pool_new(&d.td, err, sizeof(err));
	if (d.pool == NULL) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	d.sa_events = event_new(loop.base, ipsec_sadb_event_fd(d.td.sadb), EV_READ | EV_PERSIST, on_sa_events, &d);
	if (d.sa_events == NULL || event_add(d.sa_events, NULL) != 0 || timer_init(&d.tick, &loop, on_tick, &d) != 0 ||
	    worker_pool_start(d.pool, err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "cannot start: %s", err);
		goto out;
	}
#ifdef HAVE_LIBCHARON
	/* Before the tunnels: IKE's socket must be the first in the port
	 * 4500 group that the workers join (vpn/ike/ike_socket.h). */
	struct ike_params ike = {.sadb = d.td.sadb, .ops = d.td.sa_ops, .rundir = opt.rundir,
	                         .nworkers = d.td.nworkers};
	if (ike_start(&ike, err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "IKE: %s", err);
		goto out;
	}
#endif
	/* The file's tunnels, applied like any change (all or nothing). */
	d.cli.apply = apply_config;
	d.cli.apply_arg = &d;
	rc = tunnel_cli_start(&d.cli, cfg, err, sizeof(err));
	cfg = NULL; /* the CLI's running configuration now, or freed */
	if (rc != 0) {
		log_err(LOG_TAG, "%s: %s", opt.config_path, err);
		rc = EXIT_FAILURE;
		goto out;
	}
	rc = EXIT_FAILURE;
	env.cli = &d.cli;
	env.td = &d.td;
	env.pool = d.pool;
	env.started = time(NULL);
#ifdef HAVE_LIBCHARON
	env.ike_state = ike_tunnel_state;
#endif
	ctl = tunnel_ctl_new(&loop, &env, opt.rundir, err, sizeof(err));
	if (ctl == NULL) {
		log_err(LOG_TAG, "%s", err);
		goto out;
	}
	timer_start(&d.tick, TICK_MS);
	log_notice(LOG_TAG, TUNNELD_NAME " %s started, pid %ld, %zu tunnels, %u workers, run directory %s",
	           PACKAGE_VERSION, (long)getpid(), tunneld_table(&d.td)->count, d.td.nworkers, opt.rundir);
	rc = loop_run(&loop) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
	log_notice(LOG_TAG, "shutting down");
out:
#ifdef HAVE_LIBCHARON
	/* Charon first: it deletes its SAs from the engine as it stops. */
	ike_stop();
#endif
	/* Workers next: nothing may touch the tunnels or SAs after this. */
	worker_pool_free(d.pool);
	d.pool = NULL;
	tunnel_ctl_free(ctl);
	timer_fini(&d.tick);
	if (d.sa_events != NULL)
		event_free(d.sa_events);
	if (loop_ready)
		loop_fini(&loop);
	if (td_ready)
		tunneld_fini(&d.td);
	if (cli_ready)
		tunnel_cli_env_fini(&d.cli);
	tcfg_free(cfg);
	daemon_pidfile_release(&pidfile);
	if (rc == EXIT_SUCCESS && !opt.check_only)
		log_notice(LOG_TAG, "stopped");
	log_close();
	return rc;
}
