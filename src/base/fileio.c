#include "base/fileio.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int fd_read_all(int fd, size_t max, struct buf *out)
{
	buf_reset(out);
	out->max = max;
	for (;;) {
		/*
		 * Read straight into the buffer, with no stack copy in between. Once
		 * max bytes are in, read one more byte so an oversized input is
		 * detected, not truncated.
		 */
		uint8_t extra;
		uint8_t *at = &extra;
		size_t want = 1;
		if (out->len < max) {
			if (out->cap <= out->len + 1) {
				size_t step = max - out->len < 4096 ? max - out->len : 4096;
				int rc = buf_reserve(out, step);
				if (rc)
					return rc;
				out->data[out->len] = 0; /* stays a C string if nothing more comes */
			}
			at = out->data + out->len;
			want = out->cap - out->len - 1; /* keep room for the NUL */
			if (want > max - out->len)
				want = max - out->len;
		}
		ssize_t r = read(fd, at, want);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return err_set(ERR_IO, "read failed: %s", strerror(errno));
		}
		if (r == 0)
			return 0;
		if (at == &extra)
			return err_set(ERR_LIMIT, "input is larger than the limit of %zu bytes", max);
		out->len += (size_t)r;
		out->data[out->len] = 0;
	}
}

int file_read(const char *path, size_t max, struct buf *out)
{
	if (strcmp(path, "-") == 0)
		return fd_read_all(0, max, out);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(ERR_NOTFOUND, "%s: no such file", path);
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	}
	struct stat st;
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return err_set(ERR_IO, "%s: is a directory", path);
	}
	int rc = fd_read_all(fd, max, out);
	close(fd);
	if (rc)
		return err_wrap(rc, "%s", path);
	return 0;
}

int fd_write_all(int fd, const void *p, size_t n)
{
	const uint8_t *b = p;
	while (n) {
		ssize_t w = write(fd, b, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return err_set(ERR_IO, "write failed: %s", strerror(errno));
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

void path_dirname(const char *path, char *out, size_t outsz)
{
	const char *slash = strrchr(path, '/');
	if (!slash) {
		snprintf(out, outsz, ".");
	} else if (slash == path) {
		snprintf(out, outsz, "/");
	} else {
		snprintf(out, outsz, "%.*s", (int)(slash - path), path);
	}
}

int dir_fsync(const char *path)
{
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	int rc = 0;
	if (fsync(fd) != 0)
		rc = err_set(ERR_IO, "fsync %s: %s", path, strerror(errno));
	close(fd);
	return rc;
}

int file_write_atomic(const char *path, const void *data, size_t n, mode_t mode, int excl)
{
	char tmp[4096];
	if (snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= (int)sizeof tmp)
		return err_set(ERR_USAGE, "path too long: %s", path);
	if (excl && access(path, F_OK) == 0)
		return err_set(ERR_CONFLICT, "%s already exists", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	int rc = fd_write_all(fd, data, n);
	if (!rc && fchmod(fd, mode) != 0)
		rc = err_set(ERR_IO, "chmod %s: %s", tmp, strerror(errno));
	return file_commit_tmp(fd, tmp, path, excl, rc);
}

int file_commit_tmp(int fd, const char *tmp, const char *path, int excl, int rc)
{
	char dir[4096];
	if (!rc && fsync(fd) != 0)
		rc = err_set(ERR_IO, "fsync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = err_set(ERR_IO, "close %s: %s", tmp, strerror(errno));
	if (!rc && excl) {
		/* link(2) fails if path exists, so two writers cannot both win. */
		if (link(tmp, path) != 0)
			rc = errno == EEXIST ? err_set(ERR_CONFLICT, "%s already exists", path)
					     : err_set(ERR_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
	} else if (!rc && rename(tmp, path) != 0) {
		rc = err_set(ERR_IO, "rename to %s: %s", path, strerror(errno));
	}
	if (rc) {
		unlink(tmp);
		return rc;
	}
	path_dirname(path, dir, sizeof dir);
	return dir_fsync(dir);
}

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[4096];
	size_t n = strlen(path);
	if (n == 0 || n >= sizeof tmp)
		return err_set(ERR_USAGE, "bad directory path");
	memcpy(tmp, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (tmp[i] == '/' || tmp[i] == 0) {
			char c = tmp[i];
			tmp[i] = 0;
			if (mkdir(tmp, mode) != 0 && errno != EEXIST)
				return err_set(ERR_IO, "mkdir %s: %s", tmp, strerror(errno));
			tmp[i] = c;
		}
	}
	return 0;
}

/* The temporary-file way for file_write_unsynced: a unique name beside it, then rename. */
static int write_by_rename(int dirfd, const char *name, const void *data, size_t n)
{
	static atomic_uint seq;
	char tmp[300];
	snprintf(tmp, sizeof tmp, ".tmp.%ld.%u", (long)getpid(), atomic_fetch_add(&seq, 1));
	int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(ERR_IO, "create %s: %s", tmp, strerror(errno));
	int rc = fd_write_all(fd, data, n);
	if (close(fd) != 0 && !rc)
		rc = err_set(ERR_IO, "close %s: %s", tmp, strerror(errno));
	if (!rc && renameat(dirfd, tmp, dirfd, name) != 0)
		rc = err_set(ERR_IO, "rename to %s: %s", name, strerror(errno));
	if (rc)
		unlinkat(dirfd, tmp, 0);
	return rc;
}

int file_write_unsynced(int dirfd, const char *name, const void *data, size_t n)
{
	int fd = openat(dirfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0644);
	if (fd < 0)
		return write_by_rename(dirfd, name, data, n);
	int rc = fd_write_all(fd, data, n);
	if (!rc) {
		/* linkat(AT_EMPTY_PATH) needs a capability; the /proc name of the descriptor does not */
		char self[64];
		snprintf(self, sizeof self, "/proc/self/fd/%d", fd);
		if (linkat(AT_FDCWD, self, dirfd, name, AT_SYMLINK_FOLLOW) != 0) {
			close(fd);
			return write_by_rename(dirfd, name, data, n); /* it exists already, or no /proc */
		}
	}
	close(fd);
	return rc;
}
