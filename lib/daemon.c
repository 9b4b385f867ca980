/*
 * Run directory and pid file handling shared by the daemons.
 */
#include "daemon.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

int daemon_make_rundir(const char *dir, mode_t mode, char *err, size_t errlen)
{
	char path[DAEMON_PATH_MAX];
	struct stat st;

	if (dir == NULL || dir[0] == '\0' || strlen(dir) >= sizeof(path)) {
		snprintf(err, errlen, "bad run directory '%s'", dir ? dir : "");
		return -1;
	}
	memcpy(path, dir, strlen(dir) + 1);
	/* mkdir -p: create each missing component in turn. */
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(errno));
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, mode) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "cannot create run directory %s: %s", path, strerror(errno));
		return -1;
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "run directory %s is not a directory", path);
		return -1;
	}
	return 0;
}

int daemon_pidfile_acquire(struct daemon_pidfile *pf, const char *dir, const char *name,
			   char *err, size_t errlen)
{
	pf->fd = -1;
	int n = snprintf(pf->path, sizeof(pf->path), "%s/%s.pid", dir, name);
	if (n < 0 || (size_t)n >= sizeof(pf->path)) {
		snprintf(err, errlen, "pid file path too long");
		return -1;
	}
	int fd = open(pf->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", pf->path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		char held[32] = "";
		ssize_t got = pread(fd, held, sizeof(held) - 1, 0);
		if (got > 0)
			held[got] = '\0';
		held[strcspn(held, "\n")] = '\0';
		snprintf(err, errlen, "another %s is running with run directory %s (pid %s)", name, dir,
			 held[0] ? held : "unknown");
		close(fd);
		return -1;
	}
	char line[32];
	int len = snprintf(line, sizeof(line), "%ld\n", (long)getpid());
	if (ftruncate(fd, 0) != 0 || pwrite(fd, line, (size_t)len, 0) != len) {
		snprintf(err, errlen, "cannot write %s: %s", pf->path, strerror(errno));
		close(fd);
		return -1;
	}
	pf->fd = fd;
	return 0;
}

void daemon_pidfile_release(struct daemon_pidfile *pf)
{
	if (pf->fd < 0)
		return;
	/* Unlink before unlocking, so a new instance never locks a file we
	 * are about to delete. */
	unlink(pf->path);
	close(pf->fd);
	pf->fd = -1;
}
