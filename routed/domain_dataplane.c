/*
 * ip rules and the nftables table of network domains (domain_dataplane.h).
 */
#include "domain_dataplane.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/fib_rules.h>
#include <netlink/netlink.h>
#include <netlink/route/rule.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "domain_view.h"
#include "fib.h"
#include "log.h"

#define LOG_TAG "domain"
/* Longest an nft run may take before it is stopped. */
#define NFT_TIMEOUT_MS 10000
#define NFT_OUTPUT_MAX (256u << 10)
/* Counter names are this and the domain's name: a domain named like an
 * nft keyword ("counter", "drop") stays a valid identifier. */
#define COUNTER_PREFIX "from_"

static bool enabled = true;
/* The ruleset last loaded, as domain_dataplane_ruleset() gives it with no
 * counters to delete: an unchanged one is not loaded again. */
static char *loaded;

void domain_dataplane_enable(bool on)
{
	enabled = on;
}

/* ---- nft -f - ------------------------------------------------------------------- */

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run nft with args, input on its stdin; its stdout into *out (malloc'd,
 * NUL-terminated, may be NULL), its stderr into err. Returns 0 when nft
 * exited with 0. */
static int run_nft(const char *const args[], const char *input, char **out, char *err, size_t errlen)
{
	int in[2] = {-1, -1}, so[2] = {-1, -1}, se[2] = {-1, -1};
	char *buf = NULL;
	size_t len = 0, elen = 0;
	int rc = -1;

	err[0] = '\0';
	if (out != NULL)
		*out = NULL;
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(so, O_CLOEXEC) != 0 || pipe2(se, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		goto close;
	}
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		goto close;
	}
	if (pid == 0) {
		if (dup2(in[0], 0) < 0 || dup2(so[1], 1) < 0 || dup2(se[1], 2) < 0)
			_exit(127);
		char *argv[8];
		size_t n = 0;
		argv[n++] = (char *)"nft";
		for (size_t i = 0; args[i] != NULL && n < 7; i++)
			argv[n++] = (char *)args[i];
		argv[n] = NULL;
		/* Only the pipes: no socket of the daemon's lives on in nft. */
		closefrom(3);
		execvp("nft", argv);
		_exit(127);
	}
	close(in[0]);
	close(so[1]);
	close(se[1]);
	in[0] = so[1] = se[1] = -1;
	/* The input is a few kilobytes: the pipe takes it whole, and nft
	 * reads all of it before it writes. A broken pipe is nft's failure,
	 * reported by its exit status. */
	void (*old)(int) = signal(SIGPIPE, SIG_IGN);
	size_t todo = input != NULL ? strlen(input) : 0, done = 0;
	while (done < todo) {
		ssize_t w = write(in[1], input + done, todo - done);
		if (w <= 0)
			break;
		done += (size_t)w;
	}
	signal(SIGPIPE, old);
	close(in[1]);
	in[1] = -1;
	buf = malloc(NFT_OUTPUT_MAX + 1);
	long long deadline = now_ms() + NFT_TIMEOUT_MS;
	struct pollfd fds[2] = {{.fd = so[0], .events = POLLIN}, {.fd = se[0], .events = POLLIN}};
	while ((fds[0].fd >= 0 || fds[1].fd >= 0) && now_ms() < deadline) {
		if (poll(fds, 2, (int)(deadline - now_ms())) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			char tmp[4096];
			ssize_t r = read(fds[i].fd, tmp, sizeof(tmp));
			if (r <= 0) {
				fds[i].fd = -1;
				continue;
			}
			if (i == 0 && buf != NULL) {
				size_t take = (size_t)r < NFT_OUTPUT_MAX - len ? (size_t)r : NFT_OUTPUT_MAX - len;
				memcpy(buf + len, tmp, take);
				len += take;
			} else if (i == 1 && elen + 1 < errlen) {
				size_t take = (size_t)r < errlen - elen - 1 ? (size_t)r : errlen - elen - 1;
				memcpy(err + elen, tmp, take);
				elen += take;
				err[elen] = '\0';
			}
		}
	}
	if (fds[0].fd >= 0 || fds[1].fd >= 0)
		kill(pid, SIGKILL);
	int status = 0;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
	if (rc != 0 && err[0] == '\0')
		snprintf(err, errlen, "nft failed (status %d)", status);
	/* One line is enough for a log. */
	char *nl = strchr(err, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (buf != NULL) {
		buf[len] = '\0';
		if (out != NULL) {
			*out = buf;
			buf = NULL;
		}
	}
close:
	free(buf);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (so[i] >= 0)
			close(so[i]);
		if (se[i] >= 0)
			close(se[i]);
	}
	return rc;
}

/* ---- the ruleset ---------------------------------------------------------------- */

/* `{ "a", "b" }` for the interfaces of one domain. */
static void put_set(FILE *f, const struct domain_def *d)
{
	fputs("{ ", f);
	for (size_t i = 0; i < d->ifname_count; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", d->ifnames[i]);
	fputs(" }", f);
}

/* Every interface some named domain lists: the default domain is the rest. */
static void put_all(FILE *f, const struct domain_config *dc)
{
	bool first = true;

	fputs("{ ", f);
	for (size_t k = 0; k < dc->count; k++)
		for (size_t i = 0; i < dc->domains[k].ifname_count; i++, first = false)
			fprintf(f, "%s\"%s\"", first ? "" : ", ", dc->domains[k].ifnames[i]);
	fputs(" }", f);
}

/* The interfaces of domain n as a match: named ones are listed; the
 * default one is every interface not listed. */
static void put_match(FILE *f, const char *dir, const struct domain_config *dc, unsigned n)
{
	if (n == 0) {
		fprintf(f, "%s != ", dir);
		put_all(f, dc);
	} else {
		fprintf(f, "%s ", dir);
		put_set(f, &dc->domains[n - 1]);
	}
}

/*
 * The drop counters are named objects of the table, and a reload keeps
 * them: rather than deleting and re-creating the table (which would reset
 * them), one transaction flushes the table's rules, adds each domain's
 * counter (`add` leaves an existing counter's values alone), writes the
 * chain's rules again and deletes the counters of domains that are gone.
 * nft applies the whole file atomically, so no packet sees a half-written
 * filter. Only when no domain lists an interface does the table go, with
 * its counters.
 */
char *domain_dataplane_ruleset(const struct domain_config *dc, const char *const *have, size_t nhave)
{
	struct domain_view v;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	size_t listed = 0;

	if (f == NULL)
		return NULL;
	for (size_t k = 0; k < dc->count; k++)
		listed += dc->domains[k].ifname_count;
	/* Creating the table first makes the flush or the delete succeed
	 * whether or not it existed. */
	fputs("table inet " DOMAIN_NFT_TABLE "\n", f);
	if (listed == 0 || domain_view_build(&v, dc) != 0) {
		fputs("delete table inet " DOMAIN_NFT_TABLE "\n", f);
	} else {
		/* A previous run's rules go too, whatever chain they are in. */
		fputs("flush table inet " DOMAIN_NFT_TABLE "\n", f);
		for (unsigned n = 0; n < v.count; n++)
			fprintf(f, "add counter inet " DOMAIN_NFT_TABLE " " COUNTER_PREFIX "%s\n", domain_view_name(dc, n));
		fputs("table inet " DOMAIN_NFT_TABLE " {\n", f);
		fputs("\tchain forward {\n\t\ttype filter hook forward priority filter; policy accept;\n", f);
		for (unsigned from = 0; from < v.count; from++) {
			for (unsigned to = 0; to < v.count; to++) {
				bool empty = (from > 0 && dc->domains[from - 1].ifname_count == 0) ||
					     (to > 0 && dc->domains[to - 1].ifname_count == 0);
				if (from == to || empty || domain_view_sees(&v, from, to))
					continue;
				fputs("\t\t", f);
				put_match(f, "iifname", dc, from);
				fputc(' ', f);
				put_match(f, "oifname", dc, to);
				fprintf(f, " counter name \"" COUNTER_PREFIX "%s\" drop\n", domain_view_name(dc, from));
			}
		}
		fputs("\t}\n}\n", f);
		/* After the flush: no rule refers to them any more. */
		for (size_t i = 0; i < nhave; i++)
			if (!domain_is_default(have[i]) && domain_find(dc, have[i]) == NULL)
				fprintf(f, "delete counter inet " DOMAIN_NFT_TABLE " " COUNTER_PREFIX "%s\n", have[i]);
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static struct json_object *read_counters(void);

/* Load dc's ruleset unless it is what was loaded last. */
static int nft_load(const struct domain_config *dc, char *err, size_t errlen)
{
	static const char *const args[] = {"-f", "-", NULL};
	char *want = domain_dataplane_ruleset(dc, NULL, 0);
	int rc = -1;

	if (want == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (loaded != NULL && strcmp(loaded, want) == 0) {
		free(want);
		return 0;
	}
	/* The counters the table holds now, a previous run's included:
	 * the ones of domains that are gone are deleted. */
	struct json_object *now = strstr(want, "\nflush table") != NULL ? read_counters() : NULL;
	const char *have[DOMAIN_MAX + 1];
	size_t nhave = 0;
	if (now != NULL) {
		json_object_object_foreach(now, name, value) {
			(void)value;
			if (nhave < sizeof(have) / sizeof(have[0]))
				have[nhave++] = name;
		}
	}
	char *text = domain_dataplane_ruleset(dc, have, nhave);
	if (text == NULL)
		snprintf(err, errlen, "out of memory");
	else if (run_nft(args, text, NULL, err, errlen) == 0)
		rc = 0;
	json_object_put(now);
	free(text);
	if (rc == 0) {
		free(loaded);
		loaded = want;
	} else {
		free(want);
	}
	return rc;
}

struct json_object *domain_dataplane_zero_counter(void)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "packets", json_object_new_int64(0));
	json_object_object_add(o, "bytes", json_object_new_int64(0));
	return o;
}

struct json_object *domain_dataplane_counters(void)
{
	if (!enabled || loaded == NULL || strstr(loaded, "counter ") == NULL)
		return NULL;
	return read_counters();
}

/* {NAME: {"packets": N, "bytes": N}} of the counters our table holds;
 * NULL when there is no table or it cannot be read. */
static struct json_object *read_counters(void)
{
	static const char *const args[] = {"-j", "list", "counters", "table", "inet", DOMAIN_NFT_TABLE, NULL};
	char err[256], *out = NULL;

	if (run_nft(args, NULL, &out, err, sizeof(err)) != 0) {
		/* No table (a first run) is the usual reason. */
		log_debug(LOG_TAG, "cannot read the drop counters: %s", err);
		free(out);
		return NULL;
	}
	struct json_object *doc = json_tokener_parse(out), *list = NULL;
	free(out);
	if (doc == NULL || !json_object_object_get_ex(doc, "nftables", &list) ||
	    !json_object_is_type(list, json_type_array)) {
		json_object_put(doc);
		return NULL;
	}
	struct json_object *result = json_object_new_object();
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		struct json_object *c = NULL, *name = NULL, *p = NULL, *b = NULL;
		if (!json_object_object_get_ex(json_object_array_get_idx(list, i), "counter", &c) ||
		    !json_object_object_get_ex(c, "name", &name) || !json_object_object_get_ex(c, "packets", &p) ||
		    !json_object_object_get_ex(c, "bytes", &b) ||
		    strncmp(json_object_get_string(name), COUNTER_PREFIX, strlen(COUNTER_PREFIX)) != 0)
			continue;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "packets", json_object_new_int64(json_object_get_int64(p)));
		json_object_object_add(o, "bytes", json_object_new_int64(json_object_get_int64(b)));
		json_object_object_add(result, json_object_get_string(name) + strlen(COUNTER_PREFIX), o);
	}
	json_object_put(doc);
	return result;
}

/* ---- ip rules -------------------------------------------------------------------- */

static bool rule_is_ours(struct rtnl_rule *r)
{
	uint8_t proto = 0;

	return rtnl_rule_get_protocol(r, &proto) == 0 && proto == FIB_PROTO_SKYGATE;
}

/* Whether dc wants rule r (iif and table of one of its domains). */
static bool rule_wanted(const struct domain_config *dc, struct rtnl_rule *r)
{
	const char *iif = rtnl_rule_get_iif(r);
	const struct domain_def *d = iif != NULL ? domain_of_interface(dc, iif) : NULL;

	return d != NULL && rtnl_rule_get_table(r) == d->table && rtnl_rule_get_prio(r) == DOMAIN_RULE_PRIORITY &&
	       rtnl_rule_get_action(r) == FR_ACT_TO_TBL;
}

struct rule_scan {
	const struct domain_config *dc;   /* NULL: every rule of ours goes */
	struct nl_sock *sock;
	int family;                       /* the cache may hold every family's rules */
	int errors;
	char *have;                       /* per interface of dc, in order: a rule exists */
};

static void scan_rule(struct nl_object *obj, void *arg)
{
	struct rule_scan *sc = arg;
	struct rtnl_rule *r = (struct rtnl_rule *)obj;

	if (rtnl_rule_get_family(r) != sc->family || !rule_is_ours(r))
		return;
	if (sc->dc != NULL && rule_wanted(sc->dc, r)) {
		size_t k = 0;
		for (size_t i = 0; i < sc->dc->count; i++)
			for (size_t j = 0; j < sc->dc->domains[i].ifname_count; j++, k++)
				if (strcmp(sc->dc->domains[i].ifnames[j], rtnl_rule_get_iif(r)) == 0)
					sc->have[k] = 1;
		return;
	}
	if (rtnl_rule_delete(sc->sock, r, 0) < 0)
		sc->errors++;
}

static int rules_sync(const struct domain_config *dc, char *err, size_t errlen)
{
	static const int families[] = {AF_INET, AF_INET6};
	struct nl_sock *sock = nl_socket_alloc();
	size_t total = 0;
	int rc = 0;

	if (sock == NULL || nl_connect(sock, NETLINK_ROUTE) < 0) {
		snprintf(err, errlen, "netlink unavailable");
		nl_socket_free(sock);
		return -1;
	}
	for (size_t i = 0; dc != NULL && i < dc->count; i++)
		total += dc->domains[i].ifname_count;
	for (size_t fi = 0; fi < sizeof(families) / sizeof(families[0]); fi++) {
		struct nl_cache *cache = NULL;
		struct rule_scan sc = {.dc = dc, .sock = sock, .family = families[fi], .have = calloc(total + 1, 1)};
		int e = rtnl_rule_alloc_cache(sock, families[fi], &cache);
		if (e < 0 || sc.have == NULL) {
			snprintf(err, errlen, "cannot read the rules: %s", e < 0 ? nl_geterror(e) : "out of memory");
			free(sc.have);
			nl_cache_free(cache);
			rc = -1;
			continue;
		}
		nl_cache_foreach(cache, scan_rule, &sc);
		nl_cache_free(cache);
		size_t k = 0;
		for (size_t i = 0; dc != NULL && i < dc->count; i++) {
			for (size_t j = 0; j < dc->domains[i].ifname_count; j++, k++) {
				if (sc.have[k])
					continue;
				struct rtnl_rule *r = rtnl_rule_alloc();
				if (r == NULL) {
					sc.errors++;
					continue;
				}
				rtnl_rule_set_family(r, families[fi]);
				rtnl_rule_set_prio(r, DOMAIN_RULE_PRIORITY);
				rtnl_rule_set_iif(r, dc->domains[i].ifnames[j]);
				rtnl_rule_set_table(r, dc->domains[i].table);
				rtnl_rule_set_action(r, FR_ACT_TO_TBL);
				rtnl_rule_set_protocol(r, FIB_PROTO_SKYGATE);
				e = rtnl_rule_add(sock, r, NLM_F_CREATE | NLM_F_EXCL);
				if (e < 0) {
					snprintf(err, errlen, "rule iif %s lookup %u: %s", dc->domains[i].ifnames[j],
						 dc->domains[i].table, nl_geterror(e));
					sc.errors++;
				}
				rtnl_rule_put(r);
			}
		}
		if (sc.errors > 0)
			rc = -1;
		free(sc.have);
	}
	nl_socket_free(sock);
	return rc;
}

int domain_dataplane_apply(const struct domain_config *dc, char *err, size_t errlen)
{
	char nft_err[512];
	int rc = 0;

	err[0] = '\0';
	if (!enabled)
		return 0;
	if (dc->count == 0 && loaded == NULL) {
		/* Once: a crashed run's table may still drop traffic. Quietly,
		 * as a gateway without domains need not have nft at all. */
		static bool cleaned;
		if (!cleaned) {
			cleaned = true;
			if (nft_load(dc, nft_err, sizeof(nft_err)) != 0)
				log_info(LOG_TAG, "removing a previous run's table inet " DOMAIN_NFT_TABLE ": %s", nft_err);
		}
		return rules_sync(NULL, err, errlen);
	}
	if (rules_sync(dc, err, errlen) != 0)
		rc = -1;
	if (nft_load(dc, nft_err, sizeof(nft_err)) != 0) {
		if (err[0] == '\0')
			snprintf(err, errlen, "nftables: %s", nft_err);
		rc = -1;
	}
	return rc;
}

void domain_dataplane_clear(void)
{
	char err[256];

	if (!enabled)
		return;
	if (rules_sync(NULL, err, sizeof(err)) != 0)
		log_warn(LOG_TAG, "removing the domains' rules: %s", err);
	if (loaded != NULL) {
		struct domain_config none = {0};
		if (nft_load(&none, err, sizeof(err)) != 0)
			log_warn(LOG_TAG, "removing table inet " DOMAIN_NFT_TABLE ": %s", err);
	}
	free(loaded);
	loaded = NULL;
}
