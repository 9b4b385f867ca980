/*
 * cfgfile.h - saving a daemon's configuration file the way `write memory`
 * must: never a torn file, the previous one kept as PATH.bak. Shared by
 * skygate-routed and skygate-tunneld.
 *
 * Ownership: the caller owns path and whatever print writes; nothing is
 * kept.
 */
#ifndef SKYGATE_CFGFILE_H
#define SKYGATE_CFGFILE_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * Write path atomically: print(arg, f) fills a temporary file in the same
 * directory (created with mode), which is flushed and fsync'd; the old
 * file is kept as PATH.bak (a hard link); the temporary file is renamed
 * over path and the directory fsync'd. A crash leaves either the old file
 * or the whole new one. 0, or -1 with a reason in err (the old file is
 * then untouched).
 */
int cfgfile_save(const char *path, mode_t mode, void (*print)(void *arg, FILE *f), void *arg, char *err,
                 size_t errlen);

#endif
