/* libFuzzer target: the TAXII request parsers (src/desk/taxii.h) on arbitrary
 * bytes — the query string (taxii_query_parse), the cursor, the Accept header,
 * the Authorization header — and taxii_handle() with the input as query,
 * Accept and Authorization over a small store, and the journal parser
 * (taxii_journal_parse) with the input after a valid header and as it is. Each must return one of its
 * documented codes, never crash, leak or read out of bounds; every answer is
 * JSON with a known status. The empty input is run as (NULL, 0) too. */
#include "fuzz_common.h"

#include "desk/taxii.h"
#include "desk/taxii_fill.h"

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define SECRET "fuzz-secret"

static struct taxii_store *store;
static char objects_path[128];

static void setup(void)
{
	static const uint8_t channel[32] = {7};
	FUZZ_ASSERT(taxii_store_new(&store, channel, "ru.gp", "", SECRET) == 0);
	json_t *b = json_pack(
		"{s:s, s:s, s:[{s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s, s:s, s:s}, {s:s, s:s, s:s}]}", "type", "bundle",
		"id", "bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8", "objects", "type", "indicator", "spec_version",
		"2.1", "id", "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c1", "created", "2026-01-01T00:00:00.000Z",
		"modified", "2026-02-01T00:00:00.000Z", "type", "indicator", "spec_version", "2.1", "id",
		"indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c1", "created", "2026-01-01T00:00:00.000Z", "modified",
		"2026-03-01T00:00:00.000Z", "type", "ipv4-addr", "id", "ipv4-addr--6ba7b810-9dad-51d1-80b4-00c04fd430c3",
		"value", "192.0.2.1");
	FUZZ_ASSERT(b && taxii_store_add_bundle(store, b, 1767225600000000LL, "p/1", NULL, NULL) == 0);
	json_decref(b);
	char cid[37];
	taxii_store_collection_id(store, cid);
	snprintf(objects_path, sizeof objects_path, TAXII_ROOT "collections/%s/objects/", cid);
}

static void handle(const char *query, const char *accept, const char *auth)
{
	struct taxii_request rq = {"GET", objects_path, query, accept, auth};
	struct taxii_response rs;
	FUZZ_ASSERT(taxii_handle(store, &rq, &rs) == 0);
	FUZZ_ASSERT(rs.status == 200 || rs.status == 400 || rs.status == 401 || rs.status == 404 || rs.status == 406);
	json_error_t je;
	json_t *j = json_loadb((const char *)rs.body.data, rs.body.len, 0, &je);
	FUZZ_ASSERT(j != NULL);
	json_decref(j);
	taxii_response_release(&rs);
}

static void one(const uint8_t *data, size_t size)
{
	struct taxii_query *q = malloc(sizeof *q);
	FUZZ_ASSERT(q != NULL);
	int rc = taxii_query_parse((const char *)data, size, q);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_LIMIT);
	if (rc == 0) {
		FUZZ_ASSERT(q->nids <= TAXII_MATCH_MAX && q->ntypes <= TAXII_MATCH_MAX &&
			    q->nversions <= TAXII_MATCH_MAX && q->nspecs <= TAXII_MATCH_MAX);
		FUZZ_ASSERT(q->limit <= TAXII_LIMIT_MAX);
	}
	free(q);
	int64_t t;
	rc = taxii_cursor_parse((const char *)data, size, &t);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT);
	if (rc == 0) {
		char back[24];
		taxii_cursor_format(t, back);
		FUZZ_ASSERT(strlen(back) == size && !memcmp(back, data, size)); /* one text per cursor */
	}
	/* The journal: as it is, and after the collection's header. */
	char cid[37];
	taxii_store_collection_id(store, cid);
	struct taxii_journal_entry *je;
	size_t nje;
	rc = taxii_journal_parse((const char *)data, size, cid, &je, &nje);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT);
	FUZZ_ASSERT(rc == 0 || je == NULL);
	free(je);
	char *jt = malloc(size + 64);
	FUZZ_ASSERT(jt != NULL);
	int hl = snprintf(jt, 64, "parley taxii journal 1 %s\n", cid);
	if (size)
		memcpy(jt + hl, data, size);
	rc = taxii_journal_parse(jt, (size_t)hl + size, cid, &je, &nje);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT);
	for (size_t k = 0; rc == 0 && k < nje; k++) {
		FUZZ_ASSERT(strlen(je[k].source) < sizeof je[k].source && strchr(je[k].source, '/'));
		FUZZ_ASSERT(k == 0 || je[k].first > je[k - 1].first);
	}
	free(je);
	free(jt);
	/* The headers and the query arrive as C strings. */
	char *s = malloc(size + 1);
	FUZZ_ASSERT(s != NULL);
	if (size)
		memcpy(s, data, size);
	s[size] = 0;
	(void)taxii_accept_ok(s);
	if (strlen(s) == size) {
		char auth[600];
		snprintf(auth, sizeof auth, "Bearer %s", SECRET);
		handle(s, TAXII_MEDIA, auth);
		handle("", s, auth);
		handle("", TAXII_MEDIA, s);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!store)
		setup();
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
