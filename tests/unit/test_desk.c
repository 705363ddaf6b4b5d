/*
 * desk: what the desk parses or writes without a node (src/desk/): the Cookie
 * header, the listen-address rule, and the ustar writer of the downloads
 * (headers, checksums, long names, refusals). The rest is tests/cli/desk.sh.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "check.h"
#include "desk/desk.h"
#include "desk/desk_internal.h"
#include "desk/desk_titles.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void test_cookie(void)
{
	char v[48];
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=abc", "parley_desk_80", v, sizeof v), 0);
	CHECK_STR(v, "abc");
	CHECK_EQ_INT(desk_cookie_value("x=1; parley_desk_80=abc-_9;y=2", "parley_desk_80", v, sizeof v), 0);
	CHECK_STR(v, "abc-_9");
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=\"q\"", "parley_desk_80", v, sizeof v), 0);
	CHECK_STR(v, "q");
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=", "parley_desk_80", v, sizeof v), 0);
	CHECK_STR(v, "");
	/* absent, twice, a prefix of another name, too long, malformed */
	CHECK_EQ_INT(desk_cookie_value("", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_8080=abc", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=a; parley_desk_80=b", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=0123456789", "parley_desk_80", v, 10), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=0123456789", "parley_desk_80", v, 11), 0);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=a b", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=a,b", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=\"a", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("=a; parley_desk_80=b", "parley_desk_80", v, sizeof v), -1);
	CHECK_EQ_INT(desk_cookie_value("parley_desk_80=b;;", "parley_desk_80", v, sizeof v), -1);
}

static void test_listen(void)
{
	CHECK_EQ_INT(desk_listen_check("127.0.0.1:0", 0), 0);
	CHECK_EQ_INT(desk_listen_check("127.1.2.3:8080", 0), 0);
	CHECK_EQ_INT(desk_listen_check("localhost:65535", 0), 0);
	CHECK_EQ_INT(desk_listen_check("[::1]:8080", 0), 0);
	CHECK_EQ_INT(desk_listen_check("0.0.0.0:8080", 0), ERR_USAGE);
	CHECK_MSG("not a loopback address");
	CHECK_EQ_INT(desk_listen_check("0.0.0.0:8080", 1), 0);
	CHECK_EQ_INT(desk_listen_check("192.168.1.5:8080", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("[::]:8080", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("[::ffff:127.0.0.1]:8080", 0), ERR_USAGE); /* not ::1: refused, conservatively */
	CHECK_EQ_INT(desk_listen_check(":8080", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("127.0.0.1", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("127.0.0.1:", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("127.0.0.1:65536", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("127.0.0.1:-1", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("127.0.0.1:8O", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("::1:8080", 0), ERR_USAGE);
	CHECK_EQ_INT(desk_listen_check("127.0.0.1.evil.example:80", 0), ERR_USAGE);
}

/* The octal number in a header field. */
static unsigned long long field(const unsigned char *h, size_t off, size_t len)
{
	char f[16];
	memcpy(f, h + off, len);
	f[len] = 0;
	return strtoull(f, NULL, 8);
}

static int checksum_ok(const unsigned char *h)
{
	unsigned sum = 0;
	for (size_t i = 0; i < 512; i++)
		sum += (i >= 148 && i < 156) ? ' ' : h[i];
	return field(h, 148, 6) == sum && h[154] == 0 && h[155] == ' ';
}

static void test_tar(void)
{
	char dir[] = "/tmp/parley-test-tar.XXXXXX", p[512];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(p, sizeof p, "%s/README", dir);
	CHECK_EQ_INT(file_write_atomic(p, "hello\n", 6, 0644, 0), 0);
	snprintf(p, sizeof p, "%s/sub", dir);
	CHECK_EQ_INT(mkdir(p, 0755), 0);
	char longname[140];
	memset(longname, 'n', sizeof longname - 1);
	longname[sizeof longname - 1] = 0;
	longname[0] = 'L';
	char lp[512];
	snprintf(lp, sizeof lp, "%s/sub/%.90s", dir, longname);
	CHECK_EQ_INT(file_write_atomic(lp, "", 0, 0644, 0), 0);
	struct buf out;
	buf_init(&out, 1u << 20);
	CHECK_EQ_INT(desk_tar_dir(dir, "receipt-x", 1700000000, &out), 0);
	/* receipt-x/, receipt-x/README + 1 block, receipt-x/sub/, the long one (name split), two zero blocks */
	CHECK_EQ_INT(out.len, 512 * 7);
	const unsigned char *h = out.data;
	CHECK_STR((const char *)h, "receipt-x");
	CHECK(h[156] == '5' && checksum_ok(h) && !memcmp(h + 257, "ustar", 6) && !memcmp(h + 263, "00", 2));
	h += 512;
	CHECK_STR((const char *)h, "receipt-x/README");
	CHECK(h[156] == '0' && checksum_ok(h));
	CHECK_EQ_INT(field(h, 124, 11), 6);
	CHECK_EQ_INT(field(h, 136, 11), 1700000000);
	CHECK_EQ_INT(field(h, 100, 7), 0644);
	CHECK(!memcmp(h + 512, "hello\n", 6) && h[512 + 6] == 0);
	h += 1024;
	CHECK_STR((const char *)h, "receipt-x/sub");
	h += 512;
	/* 9 + 1 + 3 + 1 + 90 = 104 > 100: the prefix holds "receipt-x/sub" */
	CHECK(!memcmp(h, longname, 90) && h[90] == 0);
	CHECK(!memcmp(h + 345, "receipt-x/sub", 13) && h[345 + 13] == 0);
	CHECK(checksum_ok(h));
	h += 512;
	for (size_t i = 0; i < 1024; i++)
		CHECK(h[i] == 0);
	/* a name too long for ustar, and a symbolic link, are refused */
	char deep[512];
	snprintf(deep, sizeof deep, "%s/sub/%s", dir, longname);
	CHECK_EQ_INT(file_write_atomic(deep, "", 0, 0644, 0), 0);
	buf_reset(&out);
	CHECK_EQ_INT(desk_tar_dir(dir, "receipt-x", 0, &out), ERR_LIMIT);
	CHECK_MSG("too long for a tar archive");
	unlink(deep);
	snprintf(p, sizeof p, "%s/link", dir);
	CHECK_EQ_INT(symlink("/etc/passwd", p), 0);
	buf_reset(&out);
	CHECK_EQ_INT(desk_tar_dir(dir, "receipt-x", 0, &out), ERR_USAGE);
	CHECK_MSG("neither a file nor a directory");
	/* the buffer's cap */
	unlink(p);
	struct buf small;
	buf_init(&small, 1024);
	CHECK_EQ_INT(desk_tar_dir(dir, "receipt-x", 0, &small), ERR_LIMIT);
	buf_release(&small);
	buf_release(&out);
	CHECK_EQ_INT(desk_remove_tree(dir), 0);
	CHECK(access(dir, F_OK) != 0);
}

/* The title cache (desk_titles.h): what a body gives, a title cut at a character, the bound. */
static void test_titles(void)
{
	struct desk_titles *t = desk_titles_new();
	const char *s;
	char id[64];
	CHECK(t != NULL);
	CHECK_EQ_INT(desk_titles_get(t, "us.doj/2026-0001", &s), 0);
	json_t *b = json_pack("{s:s, s:s}", "type", "mla-request", "title", "Ransomware wallet");
	desk_titles_put(t, "us.doj/2026-0001", b);
	json_decref(b);
	CHECK_EQ_INT(desk_titles_get(t, "us.doj/2026-0001", &s), 1);
	CHECK_STR(s, "Ransomware wallet");
	/* a body without a title (an update) keeps the title; a case without one is "tried, none" */
	b = json_pack("{s:s}", "type", "update");
	desk_titles_put(t, "us.doj/2026-0001", b);
	desk_titles_put(t, "us.doj/2026-0002", b);
	json_decref(b);
	CHECK_EQ_INT(desk_titles_get(t, "us.doj/2026-0001", &s), 1);
	CHECK_STR(s, "Ransomware wallet");
	CHECK_EQ_INT(desk_titles_get(t, "us.doj/2026-0002", &s), 1);
	CHECK_STR(s, "");
	desk_titles_put(t, "us.doj/2026-0003", NULL); /* a body that did not open */
	CHECK_EQ_INT(desk_titles_get(t, "us.doj/2026-0003", &s), 1);
	CHECK_STR(s, "");
	/* a consignment: its shipment, district and crossing */
	b = json_pack("{s:s, s:s, s:s}", "shipment_id", "BAH-1", "destination_district", "Idlib", "crossing", "bab-al-hawa");
	desk_titles_put(t, "un.ocha/2026-0001", b);
	json_decref(b);
	desk_titles_get(t, "un.ocha/2026-0001", &s);
	CHECK_STR(s, "BAH-1 · Idlib · bab-al-hawa");
	/* cut at DESK_TITLE_MAX bytes, never inside a character (é is 2 bytes: 101 of them are 202) */
	char longt[300] = "";
	for (int i = 0; i < 101; i++)
		memcpy(longt + 2 * i, "\xc3\xa9", 2);
	b = json_pack("{s:s}", "title", longt);
	desk_titles_put(t, "us.doj/2026-0004", b);
	json_decref(b);
	desk_titles_get(t, "us.doj/2026-0004", &s);
	CHECK_EQ_INT(strlen(s), DESK_TITLE_MAX);
	/* the bound: DESK_TITLES_MAX cases more evict the first */
	b = json_pack("{s:s}", "title", "x");
	for (int i = 0; i < DESK_TITLES_MAX; i++) {
		snprintf(id, sizeof id, "ru.gp/2026-%04d", i);
		desk_titles_put(t, id, b);
	}
	json_decref(b);
	CHECK_EQ_INT(desk_titles_get(t, "us.doj/2026-0001", &s), 0);
	CHECK_EQ_INT(desk_titles_get(t, "ru.gp/2026-0000", &s), 1);
	CHECK_EQ_INT(desk_titles_get(t, id, &s), 1);
	desk_titles_free(t);
}

int main(void)
{
	RUN(test_cookie);
	RUN(test_listen);
	RUN(test_tar);
	RUN(test_titles);
	CHECK_EXIT();
}
