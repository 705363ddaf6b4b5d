/*
 * desk_tar — a minimal POSIX ustar writer (POSIX.1-1988 "ustar" as in
 * pax(1)), for the desk's downloads: a receipt's directory, a report's
 * bundle. Only what those need: directories and regular files, names up to
 * ustar's 100 + 155 bytes, sizes under 8 GiB. Written here rather than taking
 * libarchive for ~120 lines that only ever write archives of files the desk
 * itself just wrote (docs/desk.md "Downloads").
 *
 * Each header: name, mode, uid, gid, size and mtime as NUL-terminated octal,
 * the checksum (the sum of the header's bytes with the checksum field taken
 * as spaces: six octal digits, NUL, space), typeflag '0' or '5', "ustar\0"
 * "00", the prefix for long names. Contents are padded to 512 bytes; two
 * zero blocks end the archive.
 */
#include "desk/desk_internal.h"

#include "base/err.h"
#include "base/fileio.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define BLOCK 512

static void octal(char *field, size_t width, unsigned long long v)
{
	/* width - 1 octal digits (the caller keeps v in range) and a NUL */
	field[width - 1] = 0;
	for (size_t i = width - 1; i > 0; i--, v >>= 3)
		field[i - 1] = (char)('0' + (v & 7));
}

/* Splits name into ustar's prefix and name fields. */
static int put_name(unsigned char *h, const char *name)
{
	size_t n = strlen(name);
	if (n <= 100) {
		memcpy(h, name, n);
		return 0;
	}
	/* the prefix ends at a '/' (not stored): prefix <= 155, the rest <= 100 */
	for (size_t i = n - 1; i > 0; i--) {
		if (name[i] != '/')
			continue;
		if (n - i - 1 > 100 || n - i - 1 == 0)
			break;
		if (i <= 155) {
			memcpy(h + 345, name, i);
			memcpy(h, name + i + 1, n - i - 1);
			return 0;
		}
	}
	return err_set(ERR_LIMIT, "the name %.80s... is too long for a tar archive", name);
}

static int put_header(struct buf *out, const char *name, int is_dir, unsigned long long size, long long mtime)
{
	unsigned char h[BLOCK];
	memset(h, 0, sizeof h);
	int rc = put_name(h, name);
	if (rc)
		return rc;
	char f[13];
	octal(f, 8, is_dir ? 0755 : 0644), memcpy(h + 100, f, 8);
	octal(f, 8, 0), memcpy(h + 108, f, 8);
	octal(f, 8, 0), memcpy(h + 116, f, 8);
	octal(f, 12, size), memcpy(h + 124, f, 12);
	octal(f, 12, (unsigned long long)(mtime < 0 ? 0 : mtime)), memcpy(h + 136, f, 12);
	h[156] = is_dir ? '5' : '0';
	memcpy(h + 257, "ustar", 6);
	memcpy(h + 263, "00", 2);
	memcpy(h + 265, "root", 4);
	memcpy(h + 297, "root", 4);
	memset(h + 148, ' ', 8);
	unsigned sum = 0;
	for (size_t i = 0; i < BLOCK; i++)
		sum += h[i];
	snprintf(f, 8, "%06o", sum);
	memcpy(h + 148, f, 7); /* six digits, NUL; the eighth byte stays a space */
	return buf_append(out, h, BLOCK) ? err_set(ERR_LIMIT, "the archive is too large") : 0;
}

static int pad(struct buf *out, size_t len)
{
	static const unsigned char zero[BLOCK];
	size_t r = len % BLOCK;
	return r && buf_append(out, zero, BLOCK - r) ? err_set(ERR_LIMIT, "the archive is too large") : 0;
}

static int add_tree(const char *path, const char *name, long long mtime, struct buf *out, int depth)
{
	struct dirent **list;
	if (depth > 16)
		return err_set(ERR_LIMIT, "%s: directories nested too deep", path);
	int n = scandir(path, &list, NULL, alphasort), rc = 0;
	if (n < 0)
		return err_set(ERR_IO, "cannot read %s", path);
	for (int i = 0; i < n; i++) {
		const char *e = list[i]->d_name;
		char p[PATH_MAX], nm[PATH_MAX];
		struct stat st;
		if (rc || !strcmp(e, ".") || !strcmp(e, ".."))
			continue;
		if (snprintf(p, sizeof p, "%s/%s", path, e) >= (int)sizeof p ||
		    snprintf(nm, sizeof nm, "%s/%s", name, e) >= (int)sizeof nm) {
			rc = err_set(ERR_LIMIT, "path too long under %s", path);
			continue;
		}
		if (lstat(p, &st)) {
			rc = err_set(ERR_IO, "cannot read %s", p);
		} else if (S_ISDIR(st.st_mode)) {
			if (!(rc = put_header(out, nm, 1, 0, mtime)))
				rc = add_tree(p, nm, mtime, out, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			struct buf data;
			buf_init(&data, out->max);
			if (!(rc = file_read(p, out->max, &data)) && !(rc = put_header(out, nm, 0, data.len, mtime))) {
				if (buf_append(out, data.data, data.len))
					rc = err_set(ERR_LIMIT, "the archive is too large");
				else
					rc = pad(out, data.len);
			}
			buf_release(&data);
		} else {
			rc = err_set(ERR_USAGE, "%s is neither a file nor a directory", p);
		}
	}
	for (int i = 0; i < n; i++)
		free(list[i]);
	free(list);
	return rc;
}

int desk_tar_dir(const char *dir, const char *prefix, long long mtime, struct buf *out)
{
	static const unsigned char zero[2 * BLOCK];
	int rc = put_header(out, prefix, 1, 0, mtime);
	if (!rc)
		rc = add_tree(dir, prefix, mtime, out, 0);
	if (!rc && buf_append(out, zero, sizeof zero))
		rc = err_set(ERR_LIMIT, "the archive is too large");
	return rc;
}
