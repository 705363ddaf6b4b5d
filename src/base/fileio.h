/*
 * fileio — bounded reads and durable writes.
 *
 * Durability rule used throughout parley: a file is durable once its data has
 * been fsync'd AND the directory holding its name has been fsync'd. Replacing
 * a file (such as a checkpoint) goes through a temporary file in the same
 * directory and rename(2), so a reader or a crash sees the old or the new
 * contents, never a mix.
 */
#ifndef PARLEY_FILEIO_H
#define PARLEY_FILEIO_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Reads the whole file at path into out (which is reset first). Fails with
 * ERR_NOTFOUND if it does not exist, ERR_LIMIT if it is larger than max
 * bytes, ERR_IO otherwise. Use path "-" for standard input.
 *
 * Not for key files: the buffer grows by realloc and is freed unwiped, which
 * leaves copies of the bytes in freed memory. Secrets are read with
 * crypto/secret.h's secret_read_file into wiped, fixed-size memory.
 */
int file_read(const char *path, size_t max, struct buf *out);

/* Reads until EOF from fd into out, at most max bytes, straight into out's memory. */
int fd_read_all(int fd, size_t max, struct buf *out);

/* write(2) all of p, retrying on EINTR and short writes. 0 or ERR_IO. */
int fd_write_all(int fd, const void *p, size_t n);

/*
 * Durably replaces path with data: temporary file, fsync, rename, fsync of
 * the directory. With excl, fails with ERR_CONFLICT if path already exists.
 */
int file_write_atomic(const char *path, const void *data, size_t n, mode_t mode, int excl);

/*
 * The durable tail of file_write_atomic(), for callers that create and write
 * the temporary file themselves. tmp is the temporary's name, in path's
 * directory; fd is open on it, written. In order: fsync(2) and close(2) of
 * fd, rename(2) of tmp to path (with excl instead link(2), ERR_CONFLICT if
 * path exists, and unlink of tmp), fsync of path's directory.
 *
 * rc is the caller's result so far: if non-zero (writing failed), fd is only
 * closed, tmp unlinked, and rc returned unchanged with its message. fd is
 * always closed; on any failure tmp is unlinked. Returns 0, rc, ERR_IO or
 * ERR_CONFLICT.
 */
int file_commit_tmp(int fd, const char *tmp, const char *path, int excl, int rc);

/* fsync(2) of a directory, so that names created or renamed in it persist. */
int dir_fsync(const char *path);

/*
 * Creates dirfd/name holding data (mode 0644) so that it appears only whole,
 * WITHOUT syncing: the caller makes it durable later (syncfs, say). An
 * unnamed O_TMPFILE inode is written and then linked in (no temporary name, no
 * rename); where O_TMPFILE or /proc is missing, a temporary file and rename.
 * If name exists it is replaced. 0 or ERR_IO.
 */
int file_write_unsynced(int dirfd, const char *name, const void *data, size_t n);

/* mkdir -p with the given mode; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode);

/* The directory part of path ("." if none), into out of size outsz. */
void path_dirname(const char *path, char *out, size_t outsz);

#endif
