/*
 * stix_ctx — the JSON path of the place being checked, and the reporting of
 * violations (see stix_ctx.h).
 */
#include "evidence/stix_ctx.h"
#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- paths and messages ------------------------------------------------ */

size_t stix_path_push(struct stix_ctx *c, const char *fmt, ...)
{
	size_t old = c->plen, room = sizeof c->path - c->plen;
	va_list ap;
	va_start(ap, fmt);
	int n = room > 1 ? vsnprintf(c->path + c->plen, room, fmt, ap) : 0;
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n >= room) {
		c->plen = sizeof c->path - 1;
		memcpy(c->path + sizeof c->path - 4, "...", 4);
	} else {
		c->plen += (size_t)n;
	}
	return old;
}

void stix_path_pop(struct stix_ctx *c, size_t old)
{
	c->plen = old;
	c->path[old] = '\0';
}

/* Appends ".key", or "['key']" with unusual characters replaced by '?'. */
size_t stix_path_key(struct stix_ctx *c, const char *key)
{
	char safe[68];
	size_t n = 0;
	int plain = key[0] != '\0';
	for (const char *p = key; *p && n < 64; p++) {
		unsigned char ch = (unsigned char)*p;
		int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_';
		plain &= ok;
		safe[n++] = (ch < 0x20 || ch >= 0x7f || ch == '\'' || ch == '\\') ? '?' : (char)ch;
	}
	/* the loop stopped at 64 only if key has at least 64 characters */
	if (n == 64 && key[n]) { // cppcheck-suppress arrayIndexOutOfBoundsCond
		memcpy(safe + n, "...", 3);
		n += 3;
	}
	safe[n] = '\0';
	return plain ? stix_path_push(c, ".%s", safe) : stix_path_push(c, "['%s']", safe);
}

static int vfail(struct stix_ctx *c, const char *fmt, va_list ap)
{
	char rule[512];
	vsnprintf(rule, sizeof rule, fmt, ap);
	if (c->res)
		snprintf(c->res->path, sizeof c->res->path, "%s", c->path);
	return err_set(ERR_VERIFY, "%s: %s", c->path, rule);
}

int stix_fail(struct stix_ctx *c, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(c, fmt, ap);
	va_end(ap);
	return rc;
}

int stix_fail_at(struct stix_ctx *c, const char *name, const char *fmt, ...)
{
	size_t old = stix_path_key(c, name);
	va_list ap;
	va_start(ap, fmt);
	int rc = vfail(c, fmt, ap);
	va_end(ap);
	stix_path_pop(c, old);
	return rc;
}

int stix_check_order(struct stix_ctx *c, json_t *obj, const char *a, const char *b, int strict)
{
	const char *ta = json_string_value(json_object_get(obj, a));
	const char *tb = json_string_value(json_object_get(obj, b));
	if (!ta || !tb)
		return 0;
	int cmp = stix_timestamp_cmp(tb, ta);
	if (cmp < 0 || (strict && cmp == 0))
		return stix_fail_at(c, b, "must be %s %s", strict ? "later than" : "no earlier than", a);
	return 0;
}
