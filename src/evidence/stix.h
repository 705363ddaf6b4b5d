/*
 * stix — validation of STIX 2.1 bundles (OASIS STIX Version 2.1), the
 * evidence format of incident notices and legal-assistance requests.
 *
 * stix_check_bundle() parses untrusted JSON strictly (valid UTF-8, no
 * duplicate keys, no NUL characters, at most STIX_MAX_INPUT bytes and
 * STIX_MAX_DEPTH levels of nesting) and checks the bundle against the STIX 2.1
 * rules: the bundle envelope, the common properties of every object, the
 * properties of every predefined object type (SDOs, SROs, SCOs and their
 * predefined extensions, marking definitions including TLP 1.0 and TLP 2.0,
 * language content, extension definitions), custom objects and properties,
 * and that every reference has an allowed type and names an object in the
 * bundle (the predefined TLP marking definitions excepted). parley is
 * stricter than the OASIS JSON schemas in several places; docs/stix.md lists
 * every rule and every deviation.
 *
 * Errors name the place as a JSON path ("$.objects[3].created") and the
 * rule broken.
 */
#ifndef PARLEY_STIX_H
#define PARLEY_STIX_H

#include <stddef.h>
#include <stdint.h>

/* Largest accepted input, in bytes (16 MiB). */
#define STIX_MAX_INPUT ((size_t)16 << 20)
/* Deepest accepted nesting of JSON arrays and objects (the bundle is level 1). */
#define STIX_MAX_DEPTH 32
/* Longest JSON path reported; longer ones are cut and end in "...". */
#define STIX_PATH_MAX 256

struct stix_result {
	size_t objects;              /* objects in the bundle (valid bundles only) */
	char path[STIX_PATH_MAX];    /* where the first violation is ("" if none) */
};

/*
 * Checks the bundle json[0..len). Returns
 *   0            valid; res->objects holds the number of objects;
 *   ERR_VERIFY   well-formed JSON that breaks a STIX rule; err_msg() is
 *                "<json path>: <rule>" and res->path holds the path;
 *   ERR_LIMIT    larger than STIX_MAX_INPUT or nested deeper than STIX_MAX_DEPTH;
 *   ERR_FORMAT   not UTF-8, or not JSON (err_msg() says which and where);
 *   ERR_NOMEM.
 * res may be NULL.
 */
int stix_check_bundle(const uint8_t *json, size_t len, struct stix_result *res);

/*
 * Checks a bundle already parsed by the caller (for a bundle embedded in a
 * larger document, such as the "evidence" member of a message body). The
 * caller is responsible for strict parsing (base/jsonload.h) and for the size
 * and depth caps: the bundle should be nested at most STIX_MAX_DEPTH levels.
 * Paths in messages and in res->path start with root_path instead of "$"
 * (e.g. "$.evidence"; NULL means "$"). Returns 0, ERR_VERIFY or ERR_NOMEM as
 * stix_check_bundle does.
 */
struct json_t;
int stix_check_json(struct json_t *bundle, const char *root_path, struct stix_result *res);

/*
 * The syntax checks the validator is built from, exposed for the tests.
 * Each returns 1 if s (a NUL-terminated string) is valid, 0 if not.
 */

/* RFC 3339 "YYYY-MM-DDTHH:MM:SS[.fraction]Z" with a real calendar date, at
 * most 9 fraction digits; with need_millis, at least 3 fraction digits. */
int stix_timestamp_valid(const char *s, int need_millis);
/* Orders two valid timestamps: <0, 0, >0 like strcmp. */
int stix_timestamp_cmp(const char *a, const char *b);
/* An object type: 3-250 characters of a-z, 0-9 and '-', starting with a
 * letter, without "--" and not ending in '-'. */
int stix_type_valid(const char *s);
/* A property name: "id", or 3-250 characters of a-z, 0-9 and '_' starting with a letter. */
int stix_property_name_valid(const char *s);
/* An RFC 4122 UUID (version 1-5, variant 10xx), 36 characters, hex digits
 * in either case (ids are compared case-insensitively). */
int stix_uuid_valid(const char *s);
/* "<type>--<uuid>"; with type non-NULL, the type part must equal it. */
int stix_identifier_valid(const char *s, const char *type);
/* Dotted-quad IPv4 address with an optional /0-32 prefix, no leading zeros. */
int stix_ipv4_valid(const char *s);
/* IPv6 address (hex groups, no embedded IPv4, no zone) with an optional /0-128 prefix. */
int stix_ipv6_valid(const char *s);
/* MAC address: six lowercase hex pairs separated by ':'. */
int stix_mac_valid(const char *s);
/* An absolute URI: scheme ":" and only RFC 3986 characters, '%' escapes well formed. */
int stix_url_valid(const char *s);
/* An e-mail address: dot-atom local part "@" a domain of two or more labels. */
int stix_email_valid(const char *s);
/* A domain name: dot-separated labels of 1-63 letters, digits, '-' or '_'
 * (not starting or ending with '-'), or non-ASCII (IDN), 253 bytes at most. */
int stix_domain_valid(const char *s);
/* Padded, non-empty base64 (RFC 4648 standard alphabet). */
int stix_base64_valid(const char *s);
/* A non-empty, even number of hex digits. */
int stix_hex_valid(const char *s);
/* An RFC 5646 language tag (simplified: alpha 2-8, then "-" subtags of 1-8 alphanumerics). */
int stix_lang_valid(const char *s);

#endif
