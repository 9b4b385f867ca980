/*
 * ike_charon.c - libcharon's lifecycle inside skygate-tunneld (ike.h).
 */
/* strongSwan first: its utils.h defines _GNU_SOURCE before any libc header.
 * libcharon's daemon.h is reached through one of its subdirectories
 * because lib/daemon.h, the project's own, comes first on the -I path. */
#include <sa/../daemon.h>
#include <library.h>

#include "ike.h"
#include "ike_backend.h"
#include "ike_kernel.h"
#include "ike_socket.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ipsec_sa.h"
#include "log.h"

#define LOG_TAG     "ike"
#define IKE_NS      "charon-skygate"
#define VICI_NAME   "charon.vici"
/* Charon's threads: its receiver, sender, scheduler, the VICI watcher and
 * kernel-netlink each keep one blocked for good, so fewer than this starve
 * the jobs (a VICI request then never gets an answer). */
#define IKE_THREADS 16

/*
 * The plugins charon loads from /usr/lib/ipsec/plugins: randomness and
 * nonces, the IKE crypto (openssl: DH, ECDH, AES, SHA-2; the kdf plugin
 * for prf+), credentials for pre-shared keys and certificates,
 * kernel-netlink for `kernel-net` (addresses and routes; its XFRM
 * `kernel-ipsec` is not used: ours is registered first and charon keeps
 * the first), and vici. IKE's UDP sockets are ours (ike_socket.h), not
 * socket-default's, so that port 4500 is shared with the workers.
 */
#define IKE_PLUGINS                                                                                          \
	"random nonce openssl aes sha1 sha2 hmac gcm kdf gmp pem pkcs1 pkcs8 x509 pubkey revocation constraints " \
	"kernel-netlink vici"

static bool started;
static bool lib_ready, charon_ready;

/* ---- logging: charon's bus into the project's log module ---------------------------- */

struct ike_logger {
	logger_t public;
};

static enum log_level level_of(level_t l)
{
	/* LEVEL_AUDIT: what an operator must see (SA up, down, failures). */
	if (l <= LEVEL_AUDIT)
		return LOG_LVL_NOTICE;
	return l == LEVEL_CTRL ? LOG_LVL_INFO : LOG_LVL_DEBUG;
}

METHOD(logger_t, ike_log, void, struct ike_logger *this, debug_t group, level_t level, int thread,
       ike_sa_t *ike_sa, const char *message)
{
	(void)this;
	(void)thread;
	if (ike_sa != NULL)
		log_msg(level_of(level), LOG_TAG, "%s[%u] %s: %s", enum_to_name(debug_names, group),
		        ike_sa->get_unique_id(ike_sa), ike_sa->get_name(ike_sa), message);
	else
		log_msg(level_of(level), LOG_TAG, "%s %s", enum_to_name(debug_names, group), message);
}

METHOD(logger_t, ike_get_level, level_t, struct ike_logger *this, debug_t group)
{
	(void)this;
	(void)group;
	/* Never LEVEL_RAW or LEVEL_PRIVATE: they dump key material. */
	if (log_enabled(LOG_TAG, LOG_LVL_DEBUG))
		return LEVEL_DIAG;
	if (log_enabled(LOG_TAG, LOG_LVL_INFO))
		return LEVEL_CTRL;
	return LEVEL_AUDIT;
}

/* Filled in by ike_start(): METHOD()'s pointers are not constants. */
static struct ike_logger logger;

/* ---- settings ---------------------------------------------------------------------- */

void ike_vici_path(const char *rundir, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", rundir, VICI_NAME);
}

/*
 * library_init() reads /etc/strongswan.conf when given no file, and that
 * configures the system's charon, not this one. It needs a regular file
 * it can parse (not /dev/null): an empty one in the run directory, since
 * every value is set in code (set_settings()).
 */
static int write_conf(const char *rundir, char *path, size_t len, char *err, size_t errlen)
{
	if (snprintf(path, len, "%s/" IKE_NS ".conf", rundir) >= (int)len) {
		snprintf(err, errlen, "run directory path too long");
		return -1;
	}
	FILE *f = fopen(path, "we");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	fputs("# skygate-tunneld's embedded charon: its settings are made in code\n"
	      "# (vpn/ike/ike_charon.c); this file is rewritten at every start.\n",
	      f);
	if (fclose(f) != 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static bool set_settings(const struct ike_params *p, char *err, size_t errlen)
{
	char vici[512], uri[600];
	settings_t *s = lib->settings;

	ike_vici_path(p->rundir, vici, sizeof(vici));
	if (snprintf(uri, sizeof(uri), "unix://%s", vici) >= (int)sizeof(uri)) {
		snprintf(err, errlen, "run directory path too long for the VICI socket");
		return false;
	}
	s->set_int(s, "%s.port", p->port != 0 ? p->port : 500, lib->ns);
	s->set_int(s, "%s.port_nat_t", p->natt_port != 0 ? p->natt_port : 4500, lib->ns);
	s->set_int(s, "%s.threads", IKE_THREADS, lib->ns);
	/* The TUN device is the route: charon installs no routes, no
	 * virtual IPs and no policies of its own. */
	s->set_bool(s, "%s.install_routes", FALSE, lib->ns);
	s->set_bool(s, "%s.install_virtual_ip", FALSE, lib->ns);
	s->set_str(s, "%s.plugins.vici.socket", uri, lib->ns);
	/* Plugins named by IKE_PLUGINS only, not strongswan.d's. */
	s->set_bool(s, "%s.load_modular", FALSE, lib->ns);
	return true;
}

/* ---- start and stop ------------------------------------------------------------------ */

static void teardown(void)
{
	if (charon_ready) {
		ike_backend_stop();
		charon->bus->remove_logger(charon->bus, &logger.public);
		libcharon_deinit();
		charon_ready = false;
	}
	if (lib_ready) {
		library_deinit();
		lib_ready = false;
	}
}

int ike_start(const struct ike_params *p, char *err, size_t errlen)
{
	static plugin_feature_t features[] = {
	    PLUGIN_CALLBACK(kernel_ipsec_register, ike_kernel_ipsec_create),
	    PLUGIN_PROVIDE(CUSTOM, "kernel-ipsec"),
	    PLUGIN_CALLBACK(socket_register, ike_socket_create),
	    PLUGIN_PROVIDE(CUSTOM, "socket"),
	    PLUGIN_DEPENDS(CUSTOM, "kernel-ipsec"),
	};
	char conf[512];

	if (started) {
		snprintf(err, errlen, "IKE is already running");
		return -1;
	}
	ike_kernel_bind(p->sadb, p->ops);
	ike_socket_bind(p->nworkers);
	if (write_conf(p->rundir, conf, sizeof(conf), err, errlen) != 0)
		return -1;
	if (!library_init(conf, IKE_NS)) {
		lib_ready = lib != NULL;
		teardown();
		snprintf(err, errlen, "strongSwan's library failed to initialise");
		return -1;
	}
	lib_ready = true;
	if (!set_settings(p, err, errlen)) {
		teardown();
		return -1;
	}
	if (!libcharon_init()) {
		charon_ready = charon != NULL;
		teardown();
		snprintf(err, errlen, "libcharon failed to initialise");
		return -1;
	}
	charon_ready = true;
	logger.public = (logger_t){.log = _ike_log, .get_level = _ike_get_level};
	charon->bus->add_logger(charon->bus, &logger.public);
	/* Before initialize(): registered first, ours is the kernel-ipsec
	 * charon keeps (kernel_interface_t keeps the first constructor). */
	lib->plugins->add_static_features(lib->plugins, "skygate-esp", features, countof(features), TRUE, NULL,
	                                  NULL);
	char plugins[] = IKE_PLUGINS;
	if (!charon->initialize(charon, plugins)) {
		teardown();
		snprintf(err, errlen, "charon failed to load its plugins (" IKE_PLUGINS ")");
		return -1;
	}
	if (!ike_kernel_active()) {
		teardown();
		snprintf(err, errlen, "charon did not take tunneld's ESP engine as its kernel-ipsec");
		return -1;
	}
	ike_backend_start();
	charon->start(charon);
	started = true;
	char vici[512];
	ike_vici_path(p->rundir, vici, sizeof(vici));
	log_notice(LOG_TAG, "IKE (strongSwan libcharon) started, VICI on %s", vici);
	return 0;
}

void ike_stop(void)
{
	if (!started && !charon_ready && !lib_ready)
		return;
	/* libcharon_deinit() destroys the IKE SAs (their CHILD_SAs leave
	 * the engine through del_sa) and then the kernel interface. */
	teardown();
	ike_kernel_bind(NULL, NULL);
	if (started)
		log_notice(LOG_TAG, "IKE stopped");
	started = false;
}

bool ike_running(void)
{
	return started;
}

bool ike_sa_expired(uint32_t spi, bool inbound, bool hard)
{
	return ike_kernel_expire(spi, inbound, hard);
}

int ike_sync(const struct ike_conn *conns, size_t n, char *err, size_t errlen)
{
	return ike_backend_sync(conns, n, err, errlen);
}

void ike_tunnel_state(const char *name, char *state, size_t slen, char *error, size_t elen)
{
	ike_backend_state(name, state, slen, error, elen);
}
