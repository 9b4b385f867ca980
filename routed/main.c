/*
 * skygate-routed: the control-plane daemon.
 *
 * This is the process skeleton every later part plugs into: options, logging,
 * run directory and pid lock, the event loop, and a clean shutdown on
 * SIGTERM/SIGINT. The BGP speaker, RIBs, FIB and the CLI socket are added to
 * this loop by their own modules.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "loop.h"

#define ROUTED_NAME "skygate-routed"
#define LOG_TAG "routed"

struct routed_options {
	const char *rundir;
	const char *syslog_target;
	enum log_level level;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " ROUTED_NAME " [options]\n"
		"  --rundir DIR        run directory for the pid file and sockets (default " DAEMON_DEFAULT_RUNDIR ")\n"
		"  --log-level LEVEL   debug, info, notice, warning, error (default info)\n"
		"  --syslog TARGET     also log RFC 5424 to udp:HOST:PORT or unix:PATH\n"
		"  -h, --help          this text\n"
		"  -V, --version       print the version\n");
}

/* Returns 0 to run, 1 to exit successfully (help/version), -1 on bad usage. */
static int parse_options(int argc, char **argv, struct routed_options *opt)
{
	static const struct option longopts[] = {
		{"rundir", required_argument, NULL, 'r'},
		{"log-level", required_argument, NULL, 'l'},
		{"syslog", required_argument, NULL, 's'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	*opt = (struct routed_options){.rundir = DAEMON_DEFAULT_RUNDIR, .level = LOG_LVL_INFO};
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			opt->rundir = optarg;
			break;
		case 'l':
			if (log_level_parse(optarg, &opt->level) != 0) {
				fprintf(stderr, ROUTED_NAME ": unknown log level '%s' (debug, info, notice, warning, error)\n",
					optarg);
				return -1;
			}
			break;
		case 's':
			opt->syslog_target = optarg;
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

static void announce_shutdown(void *arg)
{
	(void)arg;
	log_notice(LOG_TAG, "shutting down");
}

int main(int argc, char **argv)
{
	struct routed_options opt;
	struct daemon_pidfile pidfile = {.fd = -1};
	struct loop loop;
	char err[512];
	int rc;

	rc = parse_options(argc, argv, &opt);
	if (rc != 0)
		return rc > 0 ? EXIT_SUCCESS : 2;

	log_open(ROUTED_NAME);
	log_set_level(opt.level);
	if (opt.syslog_target != NULL && log_set_syslog(opt.syslog_target, err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		return EXIT_FAILURE;
	}
	if (daemon_make_rundir(opt.rundir, 0750, err, sizeof(err)) != 0 ||
	    daemon_pidfile_acquire(&pidfile, opt.rundir, "routed", err, sizeof(err)) != 0) {
		log_err(LOG_TAG, "%s", err);
		return EXIT_FAILURE;
	}
	if (loop_init(&loop) != 0 || loop_default_signals(&loop) != 0) {
		log_err(LOG_TAG, "cannot set up the event loop");
		daemon_pidfile_release(&pidfile);
		return EXIT_FAILURE;
	}
	loop_on_shutdown(&loop, announce_shutdown, NULL);

	log_notice(LOG_TAG, ROUTED_NAME " %s started, pid %ld, run directory %s", PACKAGE_VERSION,
		   (long)getpid(), opt.rundir);
	rc = loop_run(&loop);

	loop_fini(&loop);
	daemon_pidfile_release(&pidfile);
	log_notice(LOG_TAG, "stopped");
	log_close();
	return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
