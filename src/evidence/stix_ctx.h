/*
 * stix_ctx — the state of one bundle check and how a violation is reported:
 * the JSON path of the place being checked, and stix_fail*, which record
 * "<path>: <rule>" with err_set(ERR_VERIFY, ...). Internal to src/evidence/.
 *
 * The lowest of the validator's modules: stix_types.c (the rule tables and
 * their cross-property checks) and stix.c (the driver) both use it, and it
 * uses neither, so the dependency runs one way:
 * stix.c -> stix_types.c -> stix_ctx.c -> stix_syntax.c.
 */
#ifndef PARLEY_STIX_CTX_H
#define PARLEY_STIX_CTX_H

#include "evidence/stix.h"

#include <jansson.h>
#include <stddef.h>

struct stix_ext;

struct stix_ctx {
	json_t *index;                 /* id -> class bits of the first object with it */
	json_t *versions;              /* "id modified" of every object seen */
	json_t *object;                /* the object being checked (selectors resolve in it) */
	const struct stix_ext *exts;   /* its type's predefined extensions */
	int toplevel_ext;              /* it declares a toplevel-property-extension */
	char path[STIX_PATH_MAX];
	size_t plen;
	struct stix_result *res;
};

/*
 * Appends to the path (printf-style; cut with "..." at STIX_PATH_MAX) and
 * returns the old length, for stix_path_pop.
 */
size_t stix_path_push(struct stix_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Cuts the path back to the length stix_path_push returned. */
void stix_path_pop(struct stix_ctx *c, size_t old);
/* Appends ".key", or "['key']" with unusual characters replaced by '?'; returns the old length. */
size_t stix_path_key(struct stix_ctx *c, const char *key);

/*
 * Records a violation at the current path: err_set(ERR_VERIFY, "<path>: <rule>"),
 * and the path in c->res. Returns ERR_VERIFY.
 */
int stix_fail(struct stix_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Same, at the path of obj's property name (which need not exist). */
int stix_fail_at(struct stix_ctx *c, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fails unless obj.a <= obj.b (strictly < with strict), both timestamps, when both are present. */
int stix_check_order(struct stix_ctx *c, json_t *obj, const char *a, const char *b, int strict);

#endif
