/*
 * taxii — a read-only TAXII 2.1 API root (OASIS TAXII Version 2.1) over the
 * STIX objects of the evidence an agency received, as pure functions: no
 * sockets, no threads of its own. The desk (src/desk/desk_http.c) passes each
 * request under /taxii2/ to taxii_handle() and writes back what it returns;
 * taxii_fill() (taxii_fill.h) fills the store from the agency's inbox.
 * docs/taxii.md describes what is served and why.
 *
 * The store: every STIX object once per (id, version), in the order it was
 * added, each with a date_added that strictly increases along that order
 * (date_added = max(the time given for its bundle cut to the millisecond,
 * previous date_added + 1 ms)), so the position of an object and its
 * date_added name each other. Steps of a millisecond, not a microsecond,
 * because clients keep X-TAXII-Date-Added-Last at millisecond precision
 * (OpenCTI parses it into a JavaScript Date) and send it back as
 * added_after: with distinct milliseconds nothing is sent twice. The store
 * only grows. Its size is bounded (TAXII_MAX_OBJECTS, TAXII_MAX_BYTES), and so
 * is each sender's part of it (taxii_store_set_limits): one counterpart
 * cannot fill it and starve the others.
 *
 * Paging: `next` is the date_added (in µs) of the last object of a page; the
 * next page starts strictly after it, whatever was appended in between, so a
 * client that follows `next` sees every object once, in order.
 *
 * Thread safety: the store carries a read-write lock; taxii_handle() and the
 * readers take it shared, taxii_store_add_bundle() exclusive, so the desk may
 * refresh the store while serving.
 */
#ifndef PARLEY_TAXII_H
#define PARLEY_TAXII_H

#include "base/buf.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define TAXII_MEDIA "application/taxii+json;version=2.1"
#define TAXII_STIX_MEDIA "application/stix+json;version=2.1"
#define TAXII_DISCOVERY "/taxii2/"
#define TAXII_ROOT "/taxii2/evidence/"     /* the one API root */

#define TAXII_DATE_STEP_US 1000            /* date_added granularity: 1 ms */
#define TAXII_TIME_MAX_US 253402300799999999LL /* 9999-12-31T23:59:59.999999Z */
#define TAXII_LIMIT_DEFAULT 100            /* objects per page when no limit is given */
#define TAXII_LIMIT_MAX 1000               /* a larger limit is lowered to this */
#define TAXII_PAGE_BYTES ((size_t)8 << 20) /* a page stops growing past this (at least one object) */
#define TAXII_MAX_OBJECTS 1000000u         /* objects in the store */
#define TAXII_MAX_BYTES ((size_t)512 << 20) /* their serialized bytes */
#define TAXII_QUERY_MAX 4096               /* bytes of a query string */
#define TAXII_MATCH_MAX 64                 /* values in one match[...] list */
#define TAXII_SECRET_MAX 256               /* bytes of the credential */

struct taxii_store;

/*
 * A new, empty store for the agency's collection. channel: the channel id
 * (charter id, 32 bytes); agency: its name; base_url: the desk's own origin
 * ("http://127.0.0.1:8443", no trailing slash) used in the discovery answer's
 * absolute URLs, or "" for paths only; secret: the credential clients must
 * present (HTTP basic password or bearer token), at most TAXII_SECRET_MAX
 * bytes; an empty secret refuses every request (401). ERR_USAGE / ERR_NOMEM.
 */
int taxii_store_new(struct taxii_store **out, const uint8_t channel[32], const char *agency, const char *base_url,
		    const char *secret);
void taxii_store_free(struct taxii_store *s);

/*
 * Adds the objects of bundle (a STIX bundle already checked by
 * stix_check_json) in their order, date_added starting at time_us (µs since
 * the epoch) cut to the millisecond, or 1 ms after the last one, whichever is later. An object whose
 * (id, version) is already held is skipped (the same object in two
 * envelopes; other content under a held (id, version) is skipped too, and
 * counted: taxii_store_conflicts); version is modified, else created, compared as an instant
 * (…00.000Z and …00.000000Z are one version); an object with neither (an
 * SCO, whose id derives from its value) is held once per id, its version
 * being its date_added. source names where the bundle came from ("PARTY/INDEX"); a
 * source already added is refused with ERR_CONFLICT and nothing is added.
 * The sender of a source is its PARTY (the part before '/'): a bundle that
 * would take its sender past its share (taxii_store_set_limits; counted
 * with the bundle's objects and bytes before duplicates are skipped) is
 * dropped whole: 0 with nothing added, the source remembered as added, and
 * counted (taxii_store_dropped).
 * All or nothing: ERR_FORMAT (an object without a string id and type),
 * ERR_LIMIT (the store would exceed its bounds), ERR_USAGE (time_us outside
 * 1970..9999, or a sender name longer than 63 bytes), ERR_NOMEM.
 * *added (may be NULL) receives the number of objects added, *first_added
 * (may be NULL) the date_added of the first of them (0 if none).
 */
int taxii_store_add_bundle(struct taxii_store *s, json_t *bundle, int64_t time_us, const char *source, size_t *added,
			   int64_t *first_added);
/*
 * Objects skipped so far because their (id, version) was held already with
 * other content (the first one stays served: the store cannot tell which is
 * true); last (lastsz > 0) receives the last of them, "ID at VERSION".
 */
size_t taxii_store_conflicts(struct taxii_store *s, char *last, size_t lastsz);
/*
 * The store's bounds: at most max_objects objects (1..TAXII_MAX_OBJECTS) and
 * max_bytes bytes of their JSON (1..TAXII_MAX_BYTES), and each sender at
 * most max_objects / senders objects and max_bytes / senders bytes (its
 * share; senders 1..max_objects). A new store has TAXII_MAX_OBJECTS,
 * TAXII_MAX_BYTES and one sender (no share smaller than the store); the desk
 * gives the number of parties of the charter. ERR_USAGE out of range.
 */
int taxii_store_set_limits(struct taxii_store *s, size_t max_objects, size_t max_bytes, size_t senders);
/*
 * Bundles dropped so far because their sender was over its share; last
 * (lastsz > 0) receives the last of them ("SOURCE: N objects (B bytes)
 * dropped: PARTY holds ... of its share of ...").
 */
size_t taxii_store_dropped(struct taxii_store *s, char *last, size_t lastsz);
/* 1 if source was added already. */
int taxii_store_has_source(struct taxii_store *s, const char *source);
/* Objects held. */
size_t taxii_store_count(struct taxii_store *s);
/* The collection's id: a UUID (RFC 9562 version 8) from SHA-256 of channel and agency, 36 characters and a NUL. */
void taxii_store_collection_id(const struct taxii_store *s, char out[37]);

/* ---- requests ---- */

struct taxii_request {
	const char *method;         /* "GET", ... */
	const char *path;           /* as received, starting with "/taxii2/" */
	const char *query;          /* after '?', NULL or "" for none (still percent-encoded) */
	const char *accept;         /* the Accept header, NULL if absent */
	const char *authorization;  /* the Authorization header, NULL if absent */
};

#define TAXII_HEADERS_MAX 4

struct taxii_response {
	int status;                         /* HTTP status */
	const char *content_type;           /* static string */
	struct buf body;                    /* JSON; taxii_response_release it */
	size_t nheaders;                    /* extra headers */
	struct {
		char name[32];
		char value[96];
	} headers[TAXII_HEADERS_MAX];
};

/*
 * Answers one request. Order of the checks: credentials (401 with
 * WWW-Authenticate for Basic and Bearer), method (405 unless GET), Accept
 * (406 unless it allows TAXII_MEDIA), path (404), query (400). Every answer,
 * errors included, is TAXII_MEDIA JSON (errors are TAXII error messages:
 * title, description, http_status). Returns 0 with rs filled (rs->body
 * initialised here), or ERR_NOMEM (answer 500).
 */
int taxii_handle(struct taxii_store *s, const struct taxii_request *rq, struct taxii_response *rs);
/* 1 if the Authorization header (NULL: none) carries the store's credential (taxii_handle's first check). */
int taxii_authorized(const struct taxii_store *s, const char *authorization);
void taxii_response_release(struct taxii_response *rs);

/* ---- the parsers, exposed for the tests and the fuzzer ---- */

struct taxii_query {
	int has_added_after;
	int64_t added_after_us;         /* floor of the timestamp, in µs */
	int has_next;
	int64_t next_us;                /* the cursor: date_added of the last object returned */
	size_t limit;                   /* 0: not given */
	size_t nids, ntypes, nversions, nspecs;
	const char *ids[TAXII_MATCH_MAX];
	const char *types[TAXII_MATCH_MAX];
	const char *versions[TAXII_MATCH_MAX];  /* "first", "last", "all" or timestamps */
	const char *specs[TAXII_MATCH_MAX];
	char text[TAXII_QUERY_MAX + 1]; /* the decoded values the pointers point into */
};

/*
 * Parses a query string q[0..len) (percent-encoded, '&'-separated name=value
 * pairs; NULL with len 0 is the empty query). Known names: added_after (RFC
 * 3339 UTC timestamp), limit (1..), next (a cursor), match[id], match[type],
 * match[version], match[spec_version] (comma lists); others are ignored.
 * ERR_FORMAT naming the parameter and what is wrong (malformed encoding, a
 * name given twice, an empty value, a bad value), ERR_LIMIT if q is longer
 * than TAXII_QUERY_MAX or a list has more than TAXII_MATCH_MAX values.
 */
int taxii_query_parse(const char *q, size_t len, struct taxii_query *out);

/* The cursor text for date_added t ("N", decimal µs) and back (strict: canonical decimal). */
void taxii_cursor_format(int64_t t, char out[24]);
int taxii_cursor_parse(const char *s, size_t len, int64_t *t);

/* An RFC 3339 timestamp for t (µs since the epoch): "YYYY-MM-DDTHH:MM:SS.sssZ" if t is a whole
 * millisecond (every date_added is), else "YYYY-MM-DDTHH:MM:SS.uuuuuuZ". */
void taxii_time_format(int64_t t, char out[32]);
/* A STIX timestamp (stix_timestamp_valid) to µs since the epoch, fraction beyond µs dropped; a leap second
 * (23:59:60[.f]) is 23:59:59.999999 of its day. ERR_FORMAT. */
int taxii_time_parse(const char *s, int64_t *t);

/* 1 if the Accept header value allows TAXII_MEDIA (absent or empty: yes). */
int taxii_accept_ok(const char *accept);

#endif
