/*
 * stix_types — the table of STIX 2.1 object types, their properties and
 * predefined extensions, with the checks over several properties (marking
 * definitions and granular markings among them), used by stix.c. Internal
 * to src/evidence/. Violations are reported through stix_ctx.h.
 */
#ifndef PARLEY_STIX_TYPES_H
#define PARLEY_STIX_TYPES_H

#include <jansson.h>

/* Object classes, as bits, for the types a reference may point at. */
enum {
	STIX_SDO = 1u,
	STIX_SRO = 2u,
	STIX_SCO = 4u,
	STIX_MARKING = 8u,     /* marking-definition */
	STIX_LANG = 16u,       /* language-content */
	STIX_EXTDEF = 32u,     /* extension-definition */
};

/* How a property's value is checked. */
enum stix_kind {
	SK_STRING,
	SK_TIMESTAMP,
	SK_TIMESTAMP_MS,  /* at least millisecond precision (created, modified) */
	SK_BOOL,
	SK_INT,           /* JSON integer; .lo/.hi bound it when .ranged */
	SK_NUMBER,        /* any JSON number; .lo/.hi bound it when .ranged */
	SK_ENUM,          /* one of .vals */
	SK_STRINGS,       /* non-empty list of strings */
	SK_ENUMS,         /* non-empty list of strings from .vals */
	SK_REF,           /* identifier of a type allowed by .to, present in the bundle */
	SK_REFS,          /* non-empty list of SK_REF */
	SK_HASHES,        /* hash-algorithm-ov keys, or x_ custom keys */
	SK_HASHES_STD,    /* hash-algorithm-ov keys only (external references) */
	SK_DICT,          /* non-empty dictionary */
	SK_OBJECT,        /* object checked against .sub */
	SK_OBJECTS,       /* non-empty list of objects checked against .sub */
	SK_EXTENSIONS,    /* the extensions dictionary */
	SK_URL,
	SK_BINARY,
	SK_HEX,
	SK_IPV4,
	SK_IPV6,
	SK_MAC,
	SK_EMAIL,
	SK_DOMAIN,
	SK_LANG,
	SK_MIME,          /* artifact media type */
};

struct stix_ctx;
struct stix_shape;

struct stix_prop {
	const char *name;
	unsigned char kind;          /* enum stix_kind */
	unsigned char required;
	unsigned char ranged;        /* SK_INT / SK_NUMBER: .lo and .hi apply */
	double lo, hi;
	/*
	 * SK_REF / SK_REFS: the allowed targets, space-separated type names and
	 * class names "@sdo" "@sro" "@sco" "@any" (any object).
	 */
	const char *to;
	/* SK_ENUM / SK_ENUMS: "a|b|c". SK_DICT: the value kinds allowed (NULL: any):
	 * s string, i integer, a non-empty list of strings, A list of two or more strings. */
	const char *vals;
	const struct stix_shape *sub; /* SK_OBJECT / SK_OBJECTS */
};

/* A set of properties: an object type's own, a common set, a sub-object. */
struct stix_shape {
	const char *name;                 /* for messages */
	const struct stix_prop *props;    /* ends with a {NULL} entry */
	const char *any_of;               /* "a b c": at least one must be present */
	/* Extra rules over several properties; returns 0 or ERR_VERIFY via stix_fail (stix_ctx.h). */
	int (*check)(struct stix_ctx *c, json_t *obj);
};

/* A predefined extension ("ntfs-ext") of an object type. */
struct stix_ext {
	const char *name;
	const struct stix_shape *shape;
};

struct stix_type {
	const char *type;
	unsigned cls;
	const struct stix_shape *shape;
	const struct stix_ext *exts;      /* NULL, or ends with a {NULL} entry */
};

/* The predefined type, or NULL for a custom one. */
const struct stix_type *stix_type_find(const char *type);

/* The common properties of SDOs, SROs and the meta objects (core.json)... */
extern const struct stix_shape stix_core_shape;
/* ...of SCOs (cyber-observable-core.json)... */
extern const struct stix_shape stix_sco_core_shape;
/* ...and of an extension-definition extension's body. */
extern const struct stix_shape stix_ext_body_shape;

/* The predefined TLP marking-definition ids (1.0 and 2.0), NULL-terminated. */
extern const char *const stix_tlp_ids[];

#endif
