/*
 * check.h — the unit-test harness: each TEST() is a function; CHECK() records
 * a failure with its line and keeps going. Each test prints one line:
 * "PASS <file>:<name>" or "FAIL <file>:<name>" (tests/run.sh counts them).
 * The process exits 1 if any test failed.
 */
#ifndef PARLEY_CHECK_H
#define PARLEY_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failed_now;
static int check_failures;
static int check_printed; /* failures reported in the current test (the rest are counted, not printed) */

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (!(cond)) {                                                   \
			if (check_printed++ < 10)                                \
				fprintf(stderr, "  %s:%d: CHECK(%s) failed\n",  \
					__FILE__, __LINE__, #cond);              \
			check_failed_now = 1;                                    \
		}                                                                \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                              \
	do {                                                                            \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);         \
		if (check_a_ != check_b_) {                                             \
			fprintf(stderr, "  %s:%d: %s == %lld, expected %s == %lld\n",   \
				__FILE__, __LINE__, #a, check_a_, #b, check_b_);        \
			check_failed_now = 1;                                           \
		}                                                                       \
	} while (0)

#define CHECK_STR(a, b)                                                                  \
	do {                                                                             \
		const char *check_a_ = (a), *check_b_ = (b);                             \
		if (!check_a_ || !check_b_ || strcmp(check_a_, check_b_) != 0) {        \
			fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n",      \
				__FILE__, __LINE__, #a, check_a_ ? check_a_ : "(null)",  \
				check_b_ ? check_b_ : "(null)");                         \
			check_failed_now = 1;                                            \
		}                                                                        \
	} while (0)

/* Checks that the current error message contains the substring s. */
#define CHECK_MSG(s) CHECK(strstr(err_msg(), (s)) != NULL || (fprintf(stderr, "  message was: %s\n", err_msg()), 0))

#define RUN(fn)                                                       \
	do {                                                          \
		check_failed_now = 0;                                 \
		check_printed = 0;                                    \
		fn();                                                 \
		printf("%s %s:%s\n", check_failed_now ? "FAIL" : "PASS", \
		       check_file_name(__FILE__), #fn);               \
		fflush(stdout);                                       \
		check_failures += check_failed_now;                   \
	} while (0)

static inline const char *check_file_name(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

#define CHECK_EXIT() return check_failures ? 1 : 0

/*
 * A fresh directory NAME.XXXXXX under $TMPBASE (tests/run.sh sets it), else
 * $TMPDIR, else /tmp, its path into out (n bytes). 0, or -1 (errno set).
 */
static inline int check_tmpdir(char *out, size_t n, const char *name)
{
	const char *base = getenv("TMPBASE") ? getenv("TMPBASE") : getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
	if ((size_t)snprintf(out, n, "%s/%s.XXXXXX", base, name) >= n)
		return -1;
	return mkdtemp(out) ? 0 : -1;
}

/* Removes dir and everything below it. 0, or -1 (after saying so on stderr). */
static inline int check_rmtree(const char *dir)
{
	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) == 0)
		return 0;
	fprintf(stderr, "cannot remove %s\n", dir);
	return -1;
}

#endif
