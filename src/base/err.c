#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ERR_CAP 1024

static _Thread_local char err_buf[ERR_CAP];

/*
 * Both functions format into a local buffer and copy it into err_buf at the end:
 * their arguments may point into err_buf (err_set(c, "x: %s", err_msg()) is the
 * natural way to add context), and vsnprintf into the buffer it reads from is
 * undefined (glibc printed "--time: --time: t be RFC 3339...").
 */
int err_set(int code, const char *fmt, ...)
{
	char msg[ERR_CAP];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	memcpy(err_buf, msg, strlen(msg) + 1);
	return code;
}

int err_wrap(int code, const char *fmt, ...)
{
	char prefix[512], msg[ERR_CAP];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	/* Truncating an over-long message is the intended behaviour. */
#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
	if (err_buf[0])
		snprintf(msg, sizeof msg, "%s: %s", prefix, err_buf);
	else
		snprintf(msg, sizeof msg, "%s", prefix);
#pragma GCC diagnostic pop
	memcpy(err_buf, msg, strlen(msg) + 1);
	return code;
}

const char *err_msg(void)
{
	return err_buf;
}

void err_clear(void)
{
	err_buf[0] = '\0';
}

int err_exit_code(int code)
{
	if (code == ERR_OK)
		return 0;
	return code == ERR_VERIFY ? 1 : 2;
}
