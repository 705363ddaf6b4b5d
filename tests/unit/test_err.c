/*
 * err: err_set and err_wrap give the exact message whatever their arguments
 * point at, including the message buffer itself (err_msg()): issue 13 hole 7,
 * where "--time: %s" with err_msg() printed "--time: --time: t be RFC 3339...".
 */
#include "base/err.h"
#include "check.h"

#include <string.h>

static void test_set_reads_its_own_message(void)
{
	err_set(ERR_FORMAT, "time must be RFC 3339 UTC like 2021-07-09T15:04:05Z");
	CHECK_EQ_INT(err_set(ERR_USAGE, "--time: %s", err_msg()), ERR_USAGE);
	CHECK_STR(err_msg(), "--time: time must be RFC 3339 UTC like 2021-07-09T15:04:05Z");
	/* The message twice, and a part of it (a pointer into the buffer, not at its start). */
	err_set(ERR_FORMAT, "abcdef");
	err_set(ERR_FORMAT, "%s/%s", err_msg(), err_msg());
	CHECK_STR(err_msg(), "abcdef/abcdef");
	err_set(ERR_FORMAT, "abcdef");
	err_set(ERR_FORMAT, "x%sy%s", err_msg() + 3, err_msg());
	CHECK_STR(err_msg(), "xdefyabcdef");
}

static void test_wrap_reads_its_own_message(void)
{
	err_set(ERR_FORMAT, "bad");
	CHECK_EQ_INT(err_wrap(ERR_VERIFY, "line %d (%s)", 3, err_msg()), ERR_VERIFY);
	CHECK_STR(err_msg(), "line 3 (bad): bad");
	err_clear();
	err_wrap(ERR_FORMAT, "only %s", "context");
	CHECK_STR(err_msg(), "only context");
	/* The nesting the parsers use: err_wrap(err_set(...), ...) with err_msg() in the err_set. */
	err_set(ERR_FORMAT, "inner");
	err_wrap(err_set(ERR_FORMAT, "time: %s", err_msg()), "envelope line %zu", (size_t)7);
	CHECK_STR(err_msg(), "envelope line 7: time: inner");
}

static void test_long_messages_truncate_cleanly(void)
{
	char big[3000];
	memset(big, 'a', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	err_set(ERR_LIMIT, "%s", big);
	size_t n = strlen(err_msg());
	CHECK(n > 0 && n < sizeof big);
	err_set(ERR_LIMIT, "p: %s", err_msg());
	CHECK(!strncmp(err_msg(), "p: aaaa", 7));
	CHECK_EQ_INT(strlen(err_msg()), n);
	err_wrap(ERR_LIMIT, "w");
	CHECK(!strncmp(err_msg(), "w: p: aaaa", 10));
	CHECK_EQ_INT(strlen(err_msg()), n);
}

int main(void)
{
	RUN(test_set_reads_its_own_message);
	RUN(test_wrap_reads_its_own_message);
	RUN(test_long_messages_truncate_cleanly);
	CHECK_EXIT();
}
