/*
 * What every skygate daemon does at start: make its run directory, take the
 * pid file lock so two instances cannot share one run directory, and undo
 * both on a clean exit.
 *
 * Several instances run side by side (tests put one per network namespace),
 * each with its own --rundir; the lock is per run directory, not global.
 *
 * Ownership: struct daemon_pidfile owns its open descriptor and its path copy
 * until daemon_pidfile_release().
 */
#ifndef SKYGATE_DAEMON_H
#define SKYGATE_DAEMON_H

#include <stddef.h>
#include <sys/types.h>

#define DAEMON_DEFAULT_RUNDIR "/run/skygate"
#define DAEMON_PATH_MAX 4096

struct daemon_pidfile {
	int fd;
	char path[DAEMON_PATH_MAX];
};

/* Create dir (and missing parents) with the given mode if it does not exist.
 * Returns 0, or -1 with a reason in err. */
int daemon_make_rundir(const char *dir, mode_t mode, char *err, size_t errlen);

/*
 * Lock DIR/NAME.pid and write our pid into it. If another live process holds
 * the lock, fail and say which pid (so the operator knows what to stop).
 * A stale file from a crashed run is taken over silently: the lock, not the
 * file's existence, is what counts.
 */
int daemon_pidfile_acquire(struct daemon_pidfile *pf, const char *dir, const char *name,
			   char *err, size_t errlen);

/* Remove the file and drop the lock; harmless twice. */
void daemon_pidfile_release(struct daemon_pidfile *pf);

#endif
