/*
 * builtin — what parley carries of its profiles inside the binary: each body
 * type's example body (a template for an officer to fill in: `parley body
 * template`, the desk's GET /api/template) and the published JSON Schemas of
 * docs/schemas/ (the desk's forms, GET /api/schema). The example bodies are
 * the profiles' valid examples in tests/data/<profile>/valid/, checked against
 * the C checker and the schemas in `make check` (profile_schemas.sh,
 * body_template.sh). Pure data: no I/O.
 */
#ifndef PARLEY_BUILTIN_H
#define PARLEY_BUILTIN_H

#include <stddef.h>

struct builtin_body {
	const char *profile;  /* "cyber-mla" or "aid-crossing" */
	const char *type;     /* the body's "type" */
	const char *command;  /* how an officer sends it, in words */
	const char *data;     /* the JSON, NUL-terminated */
	size_t len;
};

/* The i-th template in listing order: 0, or -1 past the end. */
int builtin_template_at(size_t i, struct builtin_body *out);
/*
 * The template of type in profile (NULL: the first profile that has it, so a
 * type both profiles have — ack, close — is cyber-mla's): 0, or -1 if none.
 */
int builtin_template_find(const char *profile, const char *type, struct builtin_body *out);
/* The schema called name ("ack", "common", ...) of profile (NULL: any): 0, or -1. */
int builtin_schema_find(const char *profile, const char *name, const char **data, size_t *len);

#endif
