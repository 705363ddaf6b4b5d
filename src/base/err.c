#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char err_buf[1024];

int err_set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err_buf, sizeof err_buf, fmt, ap);
	va_end(ap);
	return code;
}

int err_wrap(int code, const char *fmt, ...)
{
	char prefix[512], old[sizeof err_buf];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof prefix, fmt, ap);
	va_end(ap);
	memcpy(old, err_buf, sizeof old);
	/* Truncating an over-long message is the intended behaviour. */
#pragma GCC diagnostic push
#ifndef __clang__
#pragma GCC diagnostic ignored "-Wformat-truncation"
#endif
	if (old[0])
		snprintf(err_buf, sizeof err_buf, "%s: %s", prefix, old);
	else
		snprintf(err_buf, sizeof err_buf, "%s", prefix);
#pragma GCC diagnostic pop
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
