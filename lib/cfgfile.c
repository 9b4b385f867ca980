/*
 * cfgfile.c - atomic configuration file saves (cfgfile.h).
 */
#include "cfgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <unistd.h>

int cfgfile_save(const char *path, mode_t mode, void (*print)(void *arg, FILE *f), void *arg, char *err,
                 size_t errlen)
{
	char tmp[4096], bak[4096], dirbuf[4096];
	int n1 = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	int n2 = snprintf(bak, sizeof(bak), "%s.bak", path);

	if (n1 < 0 || (size_t)n1 >= sizeof(tmp) || n2 < 0 || (size_t)n2 >= sizeof(bak)) {
		snprintf(err, errlen, "config path too long");
		return -1;
	}
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		snprintf(err, errlen, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	FILE *f = fdopen(fd, "w");
	if (f == NULL) {
		close(fd);
		unlink(tmp);
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		return -1;
	}
	print(arg, f);
	/* Data on disk before the rename makes it visible: a crash leaves
	 * either the old file or the whole new one, never a torn one. */
	if (fflush(f) != 0 || fsync(fd) != 0) {
		snprintf(err, errlen, "cannot write %s: %s", tmp, strerror(errno));
		fclose(f);
		unlink(tmp);
		return -1;
	}
	fclose(f);
	/* Keep the previous file as .bak: a hard link, so the old name still
	 * holds the old content until the rename below replaces it. */
	if (access(path, F_OK) == 0) {
		unlink(bak);
		if (link(path, bak) != 0) {
			snprintf(err, errlen, "cannot keep %s: %s", bak, strerror(errno));
			unlink(tmp);
			return -1;
		}
	}
	if (rename(tmp, path) != 0) {
		snprintf(err, errlen, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	snprintf(dirbuf, sizeof(dirbuf), "%s", path);
	int dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return 0;
}
