/*
 * Files: file_write_unsynced (the node's bodies) appears whole, replaces, and leaves no temporary behind;
 * file_read and secret_read_file read every size up to the limit whole and refuse one byte more.
 */
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/secret.h"
#include "check.h"

#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[PATH_MAX];

static int entries(void)
{
	int n = 0;
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static int holds(const char *name, const char *want)
{
	char path[PATH_MAX + 64];
	struct buf b;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	buf_init(&b, 1 << 20);
	int ok = file_read(path, b.max, &b) == 0 && b.len == strlen(want) && (b.len == 0 || !memcmp(b.data, want, b.len));
	buf_release(&b);
	return ok;
}

static void test_unsynced_write_creates_and_replaces(void)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	CHECK(fd >= 0);
	CHECK(file_write_unsynced(fd, "a", "first", 5) == 0);
	CHECK(holds("a", "first"));
	CHECK(file_write_unsynced(fd, "a", "second!", 7) == 0); /* exists: replaced */
	CHECK(holds("a", "second!"));
	CHECK(file_write_unsynced(fd, "b", "", 0) == 0);
	CHECK(holds("b", ""));
	CHECK_EQ_INT(entries(), 2); /* no temporary left beside them */
	struct stat st;
	char path[PATH_MAX + 8];
	snprintf(path, sizeof path, "%s/a", dir);
	CHECK(stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0644) == 0644);
	CHECK_EQ_INT(file_write_unsynced(fd, "no/such/dir", "x", 1), ERR_IO);
	CHECK(err_msg()[0] != 0);
	CHECK_EQ_INT(entries(), 2);
	close(fd);
}

/* Writes n bytes of a pattern to dir/name. */
static int write_pattern(const char *name, size_t n, char *path, size_t pathsz)
{
	uint8_t *p = malloc(n ? n : 1);
	if (!p)
		return -1;
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 7 + i / 251);
	snprintf(path, pathsz, "%s/%s", dir, name);
	int rc = file_write_atomic(path, p, n, 0600, 0);
	free(p);
	return rc;
}

static int is_pattern(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (uint8_t)(i * 7 + i / 251))
			return 0;
	return 1;
}

static void test_reads_are_whole_up_to_the_limit(void)
{
	static const size_t sizes[] = {0, 1, 4095, 4096, 4097, 8191, 65536, 65537, 300001};
	char path[PATH_MAX + 16];
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		size_t n = sizes[i];
		CHECK(write_pattern("r", n, path, sizeof path) == 0);
		struct buf b;
		/* At the limit, above it, and the limit one byte short. */
		buf_init(&b, 0);
		CHECK_EQ_INT(file_read(path, n, &b), 0);
		CHECK(b.len == n && is_pattern(b.data, n) && (!b.data || b.data[n] == 0));
		CHECK_EQ_INT(file_read(path, n + 4096, &b), 0);
		CHECK(b.len == n && is_pattern(b.data, n) && (!b.data || b.data[n] == 0));
		if (n) {
			CHECK_EQ_INT(file_read(path, n - 1, &b), ERR_LIMIT);
			CHECK_MSG("larger than the limit");
		}
		buf_release(&b);
		struct secret_text t;
		CHECK_EQ_INT(secret_read_file(path, n, &t), 0);
		CHECK(t.len == n && is_pattern((const uint8_t *)t.data, n) && t.data[n] == 0);
		secret_text_free(&t);
		CHECK(t.data == NULL && t.len == 0);
		if (n) {
			CHECK_EQ_INT(secret_read_file(path, n - 1, &t), ERR_LIMIT);
			CHECK(t.data == NULL);
			CHECK_MSG("larger than the limit");
		}
	}
	struct secret_text t;
	CHECK_EQ_INT(secret_read_file("/nonexistent/key", 10, &t), ERR_NOTFOUND);
	CHECK_EQ_INT(secret_read_file(dir, 10, &t), ERR_IO);
	CHECK_MSG("is a directory");
	secret_text_free(&t); /* safe on an empty one */
}

int main(void)
{
	if (check_tmpdir(dir, sizeof dir, "parley-fileio"))
		return 2;
	RUN(test_unsynced_write_creates_and_replaces);
	RUN(test_reads_are_whole_up_to_the_limit);
	check_rmtree(dir);
	CHECK_EXIT();
}
