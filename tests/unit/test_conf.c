/*
 * conf: the --config file of parley node and parley witness (base/conf.h).
 * What it accepts, and every refusal with the line it names; and logline,
 * the structured log's formatting (base/logline.h).
 */
#include "base/conf.h"
#include "base/err.h"
#include "base/logline.h"
#include "check.h"

#include <string.h>

static const char *const known[] = {"dir", "listen", "poll", "log-format", "reindex"};
#define NKNOWN (sizeof known / sizeof known[0])

static int parse(struct conf *c, const char *text)
{
	return conf_parse(c, (const uint8_t *)text, strlen(text), known, NKNOWN);
}

static void test_accepts(void)
{
	struct conf c;
	CHECK_EQ_INT(parse(&c, "# a node\n\ndir = /var/lib/parley/us\n  listen:127.0.0.1:8080  \n\tpoll\t=\t5\t\n"
			       "log-format = json # not a comment"),
		     0);
	CHECK_EQ_INT(c.n, 4);
	CHECK_STR(c.e[0].key, "dir");
	CHECK_STR(c.e[0].value, "/var/lib/parley/us");
	CHECK_EQ_INT(c.e[0].line, 3);
	CHECK_STR(c.e[1].key, "listen");
	CHECK_STR(c.e[1].value, "127.0.0.1:8080"); /* split at the first ':' only */
	CHECK_EQ_INT(c.e[1].line, 4);
	CHECK_STR(c.e[2].value, "5");
	CHECK_STR(c.e[3].value, "json # not a comment");
	conf_release(&c);
	CHECK_EQ_INT(parse(&c, ""), 0);
	CHECK_EQ_INT(c.n, 0);
	conf_release(&c);
	CHECK_EQ_INT(parse(&c, "dir = /tmp/ü\n"), 0); /* UTF-8 paths */
	conf_release(&c);
}

/* refused REQUEST MESSAGE */
static void refused(const char *text, const char *msg)
{
	struct conf c;
	int rc = parse(&c, text);
	CHECK(rc == ERR_FORMAT || rc == ERR_LIMIT);
	CHECK(c.n == 0 && c.e == NULL && c.text == NULL);
	CHECK_MSG(msg);
}

static void test_refusals(void)
{
	refused("dir = a\nlisten = b\nbogus = 1\n", "line 3: unknown key 'bogus'");
	refused("dir = a\n\ndir = b\n", "line 3: dir is given twice (first on line 1)");
	refused("dir = a\r\n", "line 1: carriage return");
	refused("dir = a\nlisten = \x01\n", "line 2: control character 0x01");
	refused("dir = a\nlisten = b\x7f\n", "line 2: control character 0x7f");
	refused("dir = a\n\nlisten = \xff\n", "line 3: not UTF-8 text");
	refused("dir =\n", "line 1: dir: no value");
	refused("dir = \t \n", "line 1: dir: no value");
	refused("dir /x\n", "line 1: expected '=' or ':' after 'dir'");
	refused("Dir = /x\n", "line 1: expected 'key = value' with a lowercase key");
	refused("= /x\n", "line 1: expected 'key = value'");
	refused("--dir = /x\n", "line 1: expected 'key = value'");
	refused("dir_x = /x\n", "line 1: expected '=' or ':' after 'dir'");
	char zero[] = "dir = a\0b\n";
	struct conf c;
	CHECK_EQ_INT(conf_parse(&c, (const uint8_t *)zero, sizeof zero - 1, known, NKNOWN), ERR_FORMAT);
	CHECK_MSG("line 1: control character 0x00");
	char big[CONF_MAX_SIZE + 2];
	memset(big, '#', sizeof big);
	CHECK_EQ_INT(conf_parse(&c, (const uint8_t *)big, sizeof big, known, NKNOWN), ERR_LIMIT);
	char longkey[CONF_KEY_MAX + 16];
	memset(longkey, 'a', CONF_KEY_MAX + 1);
	memcpy(longkey + CONF_KEY_MAX + 1, " = 1\n", 6);
	refused(longkey, "line 1: key longer than");
}

static void test_load_names_the_file(void)
{
	struct conf c;
	CHECK(conf_load(&c, "/nonexistent/parley.conf", known, NKNOWN) != 0);
	CHECK_MSG("/nonexistent/parley.conf");
}

static int line(struct buf *b, enum logline_format f, const char *const *kv, size_t n)
{
	buf_reset(b);
	int rc = logline_format_line(b, f, 1625788800, LOGLINE_WARN, "push_failed", kv, n);
	buf_append_byte(b, 0);
	return rc;
}

static void test_logline(void)
{
	struct buf b;
	buf_init(&b, 4096);
	const char *kv[] = {"target", "ru", "error", "ru: HTTP 503 \"busy\"\nnext=1", "n", "42", "empty", "", "bad", "a\xff"};
	CHECK_EQ_INT(line(&b, LOGLINE_KV, kv, 5), 0);
	CHECK_STR((char *)b.data, "time=2021-07-09T00:00:00Z level=warn event=push_failed target=ru "
				  "error=\"ru: HTTP 503 \\\"busy\\\"\\nnext=1\" n=42 empty=\"\" bad=\"a\\xff\"\n");
	CHECK_EQ_INT(line(&b, LOGLINE_JSON, kv, 5), 0);
	CHECK_STR((char *)b.data, "{\"time\":\"2021-07-09T00:00:00Z\",\"level\":\"warn\",\"event\":\"push_failed\","
				  "\"target\":\"ru\",\"error\":\"ru: HTTP 503 \\\"busy\\\"\\nnext=1\",\"n\":42,"
				  "\"empty\":\"\",\"bad\":\"a\\ufffd\"}\n");
	const char *nums[] = {"a", "007", "b", "-0", "c", "-12", "d", "12345678901234567890"};
	CHECK_EQ_INT(line(&b, LOGLINE_JSON, nums, 4), 0);
	CHECK(strstr((char *)b.data, "\"a\":\"007\",\"b\":\"-0\",\"c\":-12,\"d\":\"12345678901234567890\"}"));
	enum logline_format f;
	CHECK_EQ_INT(logline_parse_format("json", &f), 0);
	CHECK_EQ_INT(f, LOGLINE_JSON);
	CHECK_EQ_INT(logline_parse_format("JSON", &f), ERR_USAGE);
	buf_release(&b);
}

static void test_limit(void)
{
	struct logline_limit l = LOGLINE_LIMIT_INIT;
	uint64_t dropped = 99;
	CHECK(logline_allow(&l, 100, 2, &dropped) && dropped == 0);
	CHECK(logline_allow(&l, 100, 2, &dropped));
	CHECK(!logline_allow(&l, 100, 2, &dropped));
	CHECK(!logline_allow(&l, 100, 2, &dropped));
	CHECK(logline_allow(&l, 101, 2, &dropped) && dropped == 2);
}

int main(void)
{
	RUN(test_accepts);
	RUN(test_refusals);
	RUN(test_load_names_the_file);
	RUN(test_logline);
	RUN(test_limit);
	CHECK_EXIT();
}
