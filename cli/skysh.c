/*
 * skysh: skygate's command shell, in the manner of FRR's vtysh.
 *
 * Every command runs in skygate-routed: skysh only carries lines over the
 * CLI socket (lib/ipc.h framing, through cli/client.h) and shows what comes
 * back. This file has the options, the batch modes (-c, -f, commands on
 * standard input), output and paging; skysh_edit.c has the interactive line
 * editor.
 */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "skysh.h"

#ifndef PACKAGE_VERSION
#define PACKAGE_VERSION "0.1.0"
#endif

#define SKYSH_DEFAULT_PAGER "less -FRX"

volatile sig_atomic_t skysh_interrupted;
/* While a pager runs, ^C belongs to it. */
static volatile sig_atomic_t pager_running;

static void on_sigint(int sig)
{
	(void)sig;
	if (!pager_running)
		skysh_interrupted = 1;
}

struct options {
	const char *rundir;
	const char *daemon;    /* --daemon: routed (default) or tunneld */
	const char **commands; /* -c, in order */
	size_t ncommands;
	const char *file;      /* -f */
	bool no_pager;
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: " SKYSH_NAME " [--rundir DIR] [--daemon routed|tunneld] [-c CMD]... [-f FILE] [--no-pager]\n"
		"  --rundir DIR   run directory of the daemon\n"
		"                 (default " DAEMON_DEFAULT_RUNDIR ")\n"
		"  --daemon NAME  talk to skygate-routed (default) or skygate-tunneld\n"
		"  -c CMD         run CMD; repeat to run several in order in one session\n"
		"  -f FILE        apply FILE ('-': standard input) as one all-or-nothing change\n"
		"  --no-pager     never page output\n"
		"  -h, --help     this text\n"
		"  -V, --version  print the version\n"
		"Without -c or -f, skysh is interactive on a terminal and otherwise runs the\n"
		"commands on standard input, one per line.\n");
}

/* Long-only options, past any char so that optopt tells them apart. */
enum { OPT_RUNDIR = 256, OPT_NO_PAGER, OPT_DAEMON };

/* Returns 0 to run, 1 to exit successfully (help/version), -1 on bad usage. */
static int parse_options(int argc, char **argv, struct options *opt)
{
	static const struct option longopts[] = {
		{"rundir", required_argument, NULL, OPT_RUNDIR},
		{"daemon", required_argument, NULL, OPT_DAEMON},
		{"no-pager", no_argument, NULL, OPT_NO_PAGER},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	char name[64];
	int c;

	/* Our own messages, so they start with "skysh:" like every other. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:f:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_RUNDIR:
			opt->rundir = optarg;
			break;
		case OPT_DAEMON:
			if (strcmp(optarg, "routed") != 0 && strcmp(optarg, "tunneld") != 0) {
				fprintf(stderr, SKYSH_NAME ": --daemon takes routed or tunneld, not '%s'\n",
					optarg);
				return -1;
			}
			opt->daemon = optarg;
			break;
		case 'c':
			opt->commands[opt->ncommands++] = optarg;
			break;
		case 'f':
			if (opt->file != NULL) {
				fprintf(stderr, SKYSH_NAME ": -f may be given once\n");
				return -1;
			}
			opt->file = optarg;
			break;
		case OPT_NO_PAGER:
			opt->no_pager = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf(SKYSH_NAME " %s\n", PACKAGE_VERSION);
			return 1;
		case ':':
		default:
			/* optopt names a short option (perhaps inside "-xc");
			 * a long one is the whole argument just read. */
			if (optopt > 0 && optopt < OPT_RUNDIR)
				snprintf(name, sizeof(name), "-%c", optopt);
			else
				snprintf(name, sizeof(name), "%s", argv[optind - 1]);
			fprintf(stderr, SKYSH_NAME ": %s '%s'\n",
				c == ':' ? "missing argument for option" : "bad option", name);
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr,
			SKYSH_NAME ": unexpected argument '%s' (quote a command: -c \"%s ...\")\n",
			argv[optind], argv[optind]);
		return -1;
	}
	if (opt->file != NULL && opt->ncommands > 0) {
		fprintf(stderr, SKYSH_NAME ": -c and -f cannot be combined: -f applies a whole "
				"configuration at once\n");
		return -1;
	}
	if (opt->rundir[0] == '\0') {
		fprintf(stderr, SKYSH_NAME ": --rundir needs a directory\n");
		return -1;
	}
	return 0;
}

/* SKYSH_PAGER wins over PAGER, as GIT_PAGER does for git; "off" or an empty
 * value turns paging off. NULL: do not page. */
static const char *choose_pager(void)
{
	const char *p = getenv("SKYSH_PAGER");

	if (p == NULL)
		p = getenv("PAGER");
	if (p == NULL)
		return SKYSH_DEFAULT_PAGER;
	if (p[0] == '\0' || strcmp(p, "off") == 0)
		return NULL;
	return p;
}

void skysh_term_size(int fd, size_t *cols, size_t *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (ioctl(fd, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/*
 * Where one answer's OUTPUT goes. When paging is possible the text is held
 * back until it is known to overflow the screen (then a pager starts and
 * gets it all) or the answer ends (then it is printed). At most a screenful
 * and one frame are ever held, since past that the pager has it.
 */
struct sink {
	struct skysh *sh;
	bool holding;
	char *held;
	size_t held_len;
	size_t held_cap;
	size_t cols;
	size_t rows;
	size_t line;        /* screen lines the held text fills so far */
	size_t col;
	int pager_fd;
	pid_t pager_pid;
	bool dropping;      /* the reader went away (EPIPE): drain quietly */
};

static void sink_write_out(struct sink *s, const char *text, size_t len)
{
	if (s->dropping || len == 0)
		return;
	if (fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0)
		return;
	/* With SIGPIPE ignored, a closed reader (skysh -c ... | head) is EPIPE:
	 * stop writing but keep draining, so the commands still all run. */
	if (errno != EPIPE && !s->sh->out_error) {
		fprintf(stderr, SKYSH_NAME ": cannot write output: %s\n", strerror(errno));
		s->sh->out_error = true;
	}
	s->dropping = true;
}

static void sink_write_pager(struct sink *s, const char *text, size_t len)
{
	while (len > 0 && !s->dropping) {
		ssize_t n = write(s->pager_fd, text, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* The user quit the pager before the end. */
			s->dropping = true;
			return;
		}
		text += n;
		len -= (size_t)n;
	}
}

/* Start the pager reading from a pipe. The child must not inherit our
 * ignored SIGPIPE (exec keeps ignored signals), or a pager pipeline such as
 * PAGER='grep x | less' could not end normally. */
static int pager_start(struct sink *s)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		return -1;
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (pid == 0) {
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		if (dup2(fds[0], STDIN_FILENO) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", s->sh->pager, (char *)NULL);
		_exit(127);
	}
	close(fds[0]);
	pager_running = 1;
	s->pager_fd = fds[1];
	s->pager_pid = pid;
	return 0;
}

/* Count the screen lines text adds, wrapping at the terminal width. Escape
 * sequences are counted as text, which can only make paging start early. */
static void sink_count(struct sink *s, const char *text, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\n') {
			s->line++;
			s->col = 0;
		} else if (ch == '\r') {
			s->col = 0;
		} else if ((ch & 0xc0) == 0x80) {
			continue; /* UTF-8 continuation byte: same column */
		} else {
			/* A full line wraps only when one more character comes. */
			if (s->col >= s->cols) {
				s->line++;
				s->col = 0;
			}
			s->col = ch == '\t' ? (s->col / 8 + 1) * 8 : s->col + 1;
		}
	}
}

static int sink_hold(struct sink *s, const char *text, size_t len)
{
	if (s->held_len + len > s->held_cap) {
		size_t cap = s->held_cap == 0 ? 8192 : s->held_cap;
		while (cap < s->held_len + len)
			cap *= 2;
		char *nb = realloc(s->held, cap);
		if (nb == NULL)
			return -1;
		s->held = nb;
		s->held_cap = cap;
	}
	memcpy(s->held + s->held_len, text, len);
	s->held_len += len;
	return 0;
}

static void sink_output(void *arg, const char *text, size_t len)
{
	struct sink *s = arg;

	if (s->pager_fd >= 0) {
		sink_write_pager(s, text, len);
		return;
	}
	if (!s->holding) {
		sink_write_out(s, text, len);
		return;
	}
	sink_count(s, text, len);
	if (sink_hold(s, text, len) != 0) {
		/* No memory to hold it back: show it unpaged. */
		s->holding = false;
		sink_write_out(s, s->held, s->held_len);
		sink_write_out(s, text, len);
		s->held_len = 0;
		return;
	}
	/* The prompt needs the last row, so rows-1 lines of output fit. */
	if (s->line + (s->col > 0) >= s->rows) {
		s->holding = false;
		if (pager_start(s) == 0)
			sink_write_pager(s, s->held, s->held_len);
		else
			sink_write_out(s, s->held, s->held_len);
		s->held_len = 0;
	}
}

static void sink_init(struct sink *s, struct skysh *sh)
{
	*s = (struct sink){.sh = sh, .pager_fd = -1, .pager_pid = -1};
	if (sh->page) {
		skysh_term_size(STDOUT_FILENO, &s->cols, &s->rows);
		s->holding = true;
	}
}

static void sink_finish(struct sink *s)
{
	if (s->pager_fd >= 0) {
		int status;

		close(s->pager_fd);
		while (waitpid(s->pager_pid, &status, 0) < 0 && errno == EINTR)
			;
		pager_running = 0;
	} else if (s->held_len > 0) {
		sink_write_out(s, s->held, s->held_len);
	}
	free(s->held);
	s->held = NULL;
}

enum skysh_outcome skysh_fatal(struct skysh *sh, enum client_result r)
{
	fflush(stdout);
	/* After ^C on a terminal, start the message on a line of its own. */
	fprintf(stderr, "%s" SKYSH_NAME ": %s\n",
		r == CLIENT_ERR_INTERRUPTED && isatty(STDERR_FILENO) ? "\n" : "",
		client_error(sh->client));
	sh->fatal_status =
		r == CLIENT_ERR_INTERRUPTED ? SKYSH_EXIT_INTERRUPTED : SKYSH_EXIT_TROUBLE;
	return SKYSH_FATAL;
}

static enum skysh_outcome outcome_of(struct skysh *sh, enum client_result r,
				     const struct client_done *done)
{
	if (r == CLIENT_ERR_USAGE) {
		/* Nothing was sent: the session goes on, the command failed. */
		fprintf(stderr, SKYSH_NAME ": %s\n", client_error(sh->client));
		return SKYSH_ERROR;
	}
	if (r != CLIENT_OK)
		return skysh_fatal(sh, r);
	snprintf(sh->prompt, sizeof(sh->prompt), "%s", done->prompt);
	switch (done->status) {
	case IPC_STATUS_OK:
		return SKYSH_OK;
	case IPC_STATUS_ERROR:
		return SKYSH_ERROR;
	case IPC_STATUS_CLOSE:
		return SKYSH_CLOSE;
	}
	return SKYSH_ERROR;
}

enum skysh_outcome skysh_run(struct skysh *sh, const char *line)
{
	struct client_done done;
	struct sink s;
	enum client_result r;

	sink_init(&s, sh);
	r = client_request(sh->client, line, sink_output, &s, &done);
	sink_finish(&s);
	return outcome_of(sh, r, &done);
}

/* -c: every command in order, going on after a failure. */
static int run_commands(struct skysh *sh, const struct options *opt)
{
	bool failed = false;

	for (size_t i = 0; i < opt->ncommands; i++) {
		switch (skysh_run(sh, opt->commands[i])) {
		case SKYSH_OK:
			break;
		case SKYSH_ERROR:
			failed = true;
			break;
		case SKYSH_CLOSE:
			if (i + 1 < opt->ncommands) {
				fprintf(stderr,
					SKYSH_NAME ": the session ended at \"%s\"; %zu later "
						   "command(s) not run\n",
					opt->commands[i], opt->ncommands - i - 1);
				return SKYSH_EXIT_FAILED;
			}
			break;
		case SKYSH_FATAL:
			return sh->fatal_status;
		}
	}
	return failed || sh->out_error ? SKYSH_EXIT_FAILED : SKYSH_EXIT_OK;
}

/*
 * Read one line of at most max bytes (newline and CR dropped) from f into
 * buf (max + 1 bytes). Returns 1 for a line, 0 at the end, -1 for a read
 * error, -2 for a line too long (the rest of it is skipped).
 */
static int read_line(FILE *f, char *buf, size_t max)
{
	size_t len = 0;
	int ch;
	bool too_long = false;

	while ((ch = getc(f)) != EOF && ch != '\n') {
		if (len < max)
			buf[len++] = (char)ch;
		else
			too_long = true;
	}
	if (ch == EOF && ferror(f))
		return -1;
	if (ch == EOF && len == 0 && !too_long)
		return 0;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	return too_long ? -2 : 1;
}

/* Standard input that is not a terminal: one command per line. */
static int run_script(struct skysh *sh)
{
	char line[IPC_LINE_MAX + 1];
	bool failed = false;
	size_t lineno = 0;
	int rc;

	while ((rc = read_line(stdin, line, IPC_LINE_MAX)) != 0) {
		lineno++;
		if (rc == -1) {
			if (skysh_interrupted)
				return SKYSH_EXIT_INTERRUPTED;
			fprintf(stderr, SKYSH_NAME ": cannot read standard input: %s\n",
				strerror(errno));
			return SKYSH_EXIT_TROUBLE;
		}
		if (rc == -2) {
			fprintf(stderr,
				SKYSH_NAME ": line %zu: command too long (at most %d bytes)\n",
				lineno, IPC_LINE_MAX);
			failed = true;
			continue;
		}
		switch (skysh_run(sh, line)) {
		case SKYSH_OK:
			break;
		case SKYSH_ERROR:
			failed = true;
			break;
		case SKYSH_CLOSE:
			return failed || sh->out_error ? SKYSH_EXIT_FAILED : SKYSH_EXIT_OK;
		case SKYSH_FATAL:
			return sh->fatal_status;
		}
	}
	return failed || sh->out_error ? SKYSH_EXIT_FAILED : SKYSH_EXIT_OK;
}

/*
 * Read all of FILE ('-': standard input), refusing more than max bytes
 * without reading further (the text is bounded by one LOAD frame). Returns
 * the text (caller frees) or NULL after printing why.
 */
static char *read_config(const char *file, size_t max, size_t *len)
{
	int fd = strcmp(file, "-") == 0 ? STDIN_FILENO : open(file, O_RDONLY | O_CLOEXEC);
	char *text = NULL;
	size_t used = 0;

	if (fd < 0) {
		fprintf(stderr, SKYSH_NAME ": cannot open %s: %s\n", file, strerror(errno));
		return NULL;
	}
	/* One byte more than allowed tells "too large" from "exactly max". */
	text = malloc(max + 1);
	if (text == NULL) {
		fprintf(stderr, SKYSH_NAME ": out of memory\n");
		goto fail;
	}
	for (;;) {
		ssize_t n = read(fd, text + used, max + 1 - used);
		if (n < 0 && errno == EINTR && !skysh_interrupted)
			continue;
		if (n < 0) {
			fprintf(stderr, SKYSH_NAME ": cannot read %s: %s\n", file, strerror(errno));
			goto fail;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			fprintf(stderr,
				SKYSH_NAME ": %s is too large to load: more than %zu bytes "
					   "(one load is one IPC frame of at most %u bytes, "
					   "name included)\n",
				file, max, IPC_PAYLOAD_MAX);
			goto fail;
		}
	}
	if (memchr(text, '\0', used) != NULL) {
		fprintf(stderr, SKYSH_NAME ": %s contains a NUL byte: not a configuration file\n",
			file);
		goto fail;
	}
	if (fd != STDIN_FILENO)
		close(fd);
	*len = used;
	return text;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	free(text);
	return NULL;
}

static void print_stderr(void *arg, const char *text, size_t len)
{
	(void)arg;
	fwrite(text, 1, len, stderr);
}

/* -f: the whole file as one LOAD, so that it applies all or nothing. */
static int run_load(struct skysh *sh, const char *file, const char *text, size_t len)
{
	struct client_done done;
	enum client_result r;

	r = client_load(sh->client, file, text, len, print_stderr, NULL, &done);
	if (r == CLIENT_ERR_USAGE) {
		fprintf(stderr, SKYSH_NAME ": %s\n", client_error(sh->client));
		return SKYSH_EXIT_TROUBLE;
	}
	if (r != CLIENT_OK) {
		skysh_fatal(sh, r);
		return sh->fatal_status;
	}
	return done.status == IPC_STATUS_ERROR ? SKYSH_EXIT_FAILED : SKYSH_EXIT_OK;
}

static void install_signals(void)
{
	struct sigaction sa = {.sa_handler = on_sigint};

	/* Every write checks for EPIPE instead. */
	signal(SIGPIPE, SIG_IGN);
	/* No SA_RESTART: a blocked read must see EINTR to notice ^C. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
}

int main(int argc, char **argv)
{
	struct options opt = {.rundir = DAEMON_DEFAULT_RUNDIR, .daemon = "routed"};
	struct skysh sh = {.fatal_status = SKYSH_EXIT_TROUBLE};
	char err[CLIENT_ERROR_MAX];
	char *config = NULL;
	size_t config_len = 0;
	int rc;

	/* Each -c takes two arguments at least, so argc bounds their number. */
	opt.commands = calloc((size_t)argc, sizeof(*opt.commands));
	if (opt.commands == NULL) {
		fprintf(stderr, SKYSH_NAME ": out of memory\n");
		return SKYSH_EXIT_TROUBLE;
	}
	rc = parse_options(argc, argv, &opt);
	if (rc != 0) {
		free(opt.commands);
		return rc > 0 ? SKYSH_EXIT_OK : SKYSH_EXIT_TROUBLE;
	}
	install_signals();

	if (opt.file != NULL) {
		if (strlen(opt.file) > CLIENT_LOAD_NAME_MAX) {
			fprintf(stderr,
				SKYSH_NAME ": the file name is longer than %d bytes, which a load "
					   "cannot carry: use a shorter path\n",
				CLIENT_LOAD_NAME_MAX);
			rc = SKYSH_EXIT_TROUBLE;
			goto out;
		}
		/* Read before connecting: a bad file needs no daemon to be found. */
		config = read_config(opt.file, client_load_max(opt.file), &config_len);
		if (config == NULL) {
			rc = skysh_interrupted ? SKYSH_EXIT_INTERRUPTED : SKYSH_EXIT_TROUBLE;
			goto out;
		}
	}

	sh.pager = choose_pager();
	sh.page = !opt.no_pager && sh.pager != NULL && isatty(STDOUT_FILENO);
	sh.client = client_connect_daemon(opt.rundir, opt.daemon, err, sizeof(err));
	if (sh.client == NULL) {
		fprintf(stderr, SKYSH_NAME ": %s\n", err);
		rc = SKYSH_EXIT_TROUBLE;
		goto out;
	}
	client_set_interrupt(sh.client, &skysh_interrupted);

	if (opt.file != NULL)
		rc = run_load(&sh, opt.file, config, config_len);
	else if (opt.ncommands > 0)
		rc = run_commands(&sh, &opt);
	else if (isatty(STDIN_FILENO))
		rc = skysh_interactive(&sh);
	else
		rc = run_script(&sh);
out:
	fflush(stdout);
	client_close(sh.client);
	free(config);
	free(opt.commands);
	return rc;
}
