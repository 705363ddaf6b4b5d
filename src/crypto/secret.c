#include "crypto/secret.h"
#include "base/err.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void secret_text_free(struct secret_text *t)
{
	if (t->data)
		sodium_free(t->data); /* sodium_free wipes the block */
	t->data = NULL;
	t->len = 0;
}

int secret_read_fd(int fd, size_t max, struct secret_text *t)
{
	t->data = NULL;
	t->len = 0;
	if (max > (size_t)1 << 30)
		return err_set(ERR_USAGE, "secret files are limited to 1 GiB");
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	/* One byte past max, so an oversized file is detected, not cut; and the NUL. */
	char *p = sodium_malloc(max + 2);
	size_t len = 0;
	if (!p)
		return err_set(ERR_NOMEM, "out of secure memory");
	for (;;) {
		ssize_t r = read(fd, p + len, max + 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			sodium_free(p);
			return err_set(ERR_IO, "read failed: %s", strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
		if (len > max) {
			sodium_free(p);
			return err_set(ERR_LIMIT, "larger than the limit of %zu bytes", max);
		}
	}
	p[len] = '\0';
	t->data = p;
	t->len = len;
	return 0;
}

int secret_read_file(const char *path, size_t max, struct secret_text *t)
{
	t->data = NULL;
	t->len = 0;
	if (!strcmp(path, "-"))
		return secret_read_fd(0, max, t);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? err_set(ERR_NOTFOUND, "%s: no such file", path)
				       : err_set(ERR_IO, "%s: %s", path, strerror(errno));
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0)
		rc = err_set(ERR_IO, "%s: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = err_set(ERR_IO, "%s: is a directory", path);
	else if ((rc = secret_read_fd(fd, max, t)))
		err_wrap(rc, "%s", path);
	close(fd);
	return rc;
}
