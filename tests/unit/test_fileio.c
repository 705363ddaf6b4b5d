/* Files: file_write_unsynced (the node's bodies) appears whole, replaces, and leaves no temporary behind. */
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
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

int main(void)
{
	if (check_tmpdir(dir, sizeof dir, "parley-fileio"))
		return 2;
	RUN(test_unsynced_write_creates_and_replaces);
	check_rmtree(dir);
	CHECK_EXIT();
}
