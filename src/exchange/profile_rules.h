/*
 * profile_rules — the table-driven checker behind profile.h (internal to
 * src/exchange/profile*.c).
 *
 * A body type is a shape: a table of members, each with a value kind, flags
 * (required, a list, unique items) and, for enumerations and nested objects,
 * the allowed values or the nested shape, plus an optional function for the
 * rules that tie members together ("reason is required when urgent is true").
 * profile.c walks a parsed body against a shape; profile_mla.c holds the
 * tables of the cyber-mla profile, profile_aid.c those of aid-crossing.
 * docs/schemas/cyber-mla/ and docs/schemas/aid-crossing/ publish the same
 * rules as JSON Schemas; tests/cli/profile_schemas.sh checks that the two
 * never disagree in the checker's favour.
 */
#ifndef PARLEY_PROFILE_RULES_H
#define PARLEY_PROFILE_RULES_H

#include "exchange/envelope.h"

#include <jansson.h>
#include <stddef.h>

/* Value kinds of a member (docs/profile-cyber-mla.md, "Value forms"). */
enum profile_value {
	PV_FIXED,    /* "profile" and "type": checked before the shape */
	PV_LINE,     /* one line of text, 1-PROFILE_LINE_MAX characters */
	PV_TEXT,     /* text with newlines and tabs, 1-PROFILE_TEXT_MAX characters */
	PV_TIME,     /* RFC 3339 date-time in UTC ("Z"), 0-9 fraction digits */
	PV_DATE,     /* RFC 3339 full-date */
	PV_BOOL,
	PV_TRUE,     /* the literal true */
	PV_ENUM,     /* one of values, "a|b|c" */
	PV_COUNT,    /* integer 1 .. PROFILE_COUNT_MAX */
	PV_INDEX,    /* integer 0 .. PROFILE_LIST_MAX - 1 */
	PV_EMAIL,
	PV_PHONE,    /* "+" and 7-24 digits or spaces, international form */
	PV_COUNTRY,  /* ISO 3166-1 alpha-2 form: two capital letters */
	PV_AMOUNT,   /* a decimal number as a string */
	PV_CURRENCY, /* ISO 4217 code or a crypto-asset ticker */
	PV_OBJECT,   /* the nested shape */
	PV_BUNDLE,   /* a STIX 2.1 bundle */
	/* aid-crossing (docs/profile-aid-crossing.md) */
	PV_STIME,    /* RFC 3339 UTC time in whole seconds, as the envelope's aid line writes it */
	PV_CROSSING, /* a crossing point id, [a-z0-9-]{1,32} */
	PV_TRUCKS,   /* integer 1 .. ENVELOPE_AID_TRUCKS_MAX */
	PV_TRUCKS0,  /* integer 0 .. ENVELOPE_AID_TRUCKS_MAX */
	PV_PEOPLE,   /* integer 1 .. ENVELOPE_AID_BENEFICIARIES_MAX */
};

enum {
	PF_REQ = 1,     /* required */
	PF_LIST = 2,    /* a list of 1..PROFILE_LIST_MAX values of the kind */
	PF_UNIQUE = 4,  /* with PF_LIST: no two items equal */
	PF_LONG = 8,    /* with PF_LIST: up to ENVELOPE_AID_TRUCKS_MAX items, not PROFILE_LIST_MAX */
};

/* Where a value is: a chain from the value up to the root "$". */
struct profile_path {
	const struct profile_path *up;
	const char *key;   /* member name; NULL for a list item */
	size_t index;      /* list index when key is NULL */
};

struct profile_shape;

struct profile_field {
	const char *name;
	unsigned char kind;      /* enum profile_value */
	unsigned char flags;     /* PF_* */
	const char *values;      /* PV_ENUM: "a|b|c" */
	const struct profile_shape *shape; /* PV_OBJECT */
};

struct profile_shape {
	const struct profile_field *fields;  /* ends with a NULL name */
	/* Rules across members, run after every member checked; 0 or ERR_FORMAT. */
	int (*check)(json_t *obj, const struct profile_path *at);
};

/* A body type of a profile and the envelope kind it travels in. */
struct profile_type {
	const char *name;
	enum envelope_kind kind;
	const struct profile_shape *shape;
};

/* The cyber-mla body types, ending with a NULL name (profile_mla.c). */
extern const struct profile_type profile_mla_types[];
/* The aid-crossing body types, ending with a NULL name (profile_aid.c). */
extern const struct profile_type profile_aid_types[];

/* Checks obj against shape (members, then shape->check). */
int profile_check_shape(json_t *obj, const struct profile_shape *shape, const struct profile_path *at);

/* err_set(ERR_FORMAT, "<path of at[.key]>: <rule>"). key may be NULL. */
int profile_fail(const struct profile_path *at, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
