/* Tests of the TAXII 2.1 API root (src/desk/taxii.h): discovery, API root,
 * collections, paging walked to the end by a client that follows `next`
 * (also while objects are appended), added_after, the match filters, object
 * and versions endpoints, the manifest, Accept (406), credentials (401),
 * errors and the query parser. */
#include "check.h"

#include "base/enc.h"
#include "base/err.h"
#include "desk/taxii.h"
#include "desk/taxii_fill.h"
#include "desk/taxii_secret.h"
#include "evidence/stix.h"

#include <jansson.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECRET "s3cret-token-for-the-tests"
#define BASE "http://127.0.0.1:8443"

static const uint8_t channel[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};

static struct taxii_store *mkstore(void)
{
	struct taxii_store *s;
	if (taxii_store_new(&s, channel, "ru.gp", BASE, SECRET)) {
		fprintf(stderr, "taxii_store_new: %s\n", err_msg());
		exit(2);
	}
	return s;
}

/* A valid version-4 UUID from n and a salt. */
static void uuid(char out[37], unsigned n, unsigned salt)
{
	snprintf(out, 37, "%08x-%04x-4%03x-8%03x-%012x", n, salt & 0xffff, n & 0xfff, salt & 0xfff, n * 7 + salt);
}

/* Adds a bundle of k indicators numbered from first (type "indicator", or "malware" for every third). */
static void add_objects(struct taxii_store *s, unsigned first, unsigned k, int64_t t, const char *source)
{
	json_t *objs = json_array();
	for (unsigned i = first; i < first + k; i++) {
		char u[37], id[64];
		uuid(u, i, 7);
		const char *type = i % 3 == 2 ? "malware" : "indicator";
		snprintf(id, sizeof id, "%s--%s", type, u);
		json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s, s:I}", "type", type, "spec_version",
						      "2.1", "id", id, "created", "2026-01-01T00:00:00.000Z", "modified",
						      "2026-01-01T00:00:00.000Z", "x_n", (json_int_t)i));
	}
	json_t *b = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", "bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8",
			      "objects", objs);
	size_t added = 0;
	int rc = taxii_store_add_bundle(s, b, t, source, &added, NULL);
	if (rc || added != k)
		fprintf(stderr, "add_objects %s: rc %d added %zu: %s\n", source, rc, added, err_msg());
	json_decref(b);
}

struct answer {
	int status;
	json_t *j;
	char first[32], last[32], www[96];
};

static void answer_free(struct answer *a)
{
	json_decref(a->j);
	memset(a, 0, sizeof *a);
}

static struct answer req(struct taxii_store *s, const char *method, const char *path, const char *query,
			 const char *accept, const char *auth)
{
	struct taxii_request rq = {method, path, query, accept, auth};
	struct taxii_response rs;
	struct answer a;
	memset(&a, 0, sizeof a);
	CHECK(taxii_handle(s, &rq, &rs) == 0);
	a.status = rs.status;
	CHECK_STR(rs.content_type, TAXII_MEDIA);
	json_error_t je;
	a.j = json_loadb((const char *)rs.body.data, rs.body.len, JSON_REJECT_DUPLICATES, &je);
	CHECK(a.j != NULL);
	for (size_t i = 0; i < rs.nheaders; i++) {
		if (!strcmp(rs.headers[i].name, "X-TAXII-Date-Added-First"))
			snprintf(a.first, sizeof a.first, "%s", rs.headers[i].value);
		if (!strcmp(rs.headers[i].name, "X-TAXII-Date-Added-Last"))
			snprintf(a.last, sizeof a.last, "%s", rs.headers[i].value);
		if (!strcmp(rs.headers[i].name, "WWW-Authenticate") && !a.www[0])
			snprintf(a.www, sizeof a.www, "%s", rs.headers[i].value);
	}
	taxii_response_release(&rs);
	return a;
}

static struct answer get(struct taxii_store *s, const char *path, const char *query)
{
	return req(s, "GET", path, query, TAXII_MEDIA, "Bearer " SECRET);
}

static const char *jstr(json_t *o, const char *k)
{
	const char *v = json_string_value(json_object_get(o, k));
	return v ? v : "";
}

static void coll_path(struct taxii_store *s, char *out, size_t n, const char *rest)
{
	char cid[37];
	taxii_store_collection_id(s, cid);
	snprintf(out, n, TAXII_ROOT "collections/%s/%s", cid, rest);
}

static void test_discovery(void)
{
	struct taxii_store *s = mkstore();
	struct answer a = get(s, "/taxii2/", NULL);
	CHECK_EQ_INT(a.status, 200);
	CHECK_STR(jstr(a.j, "default"), BASE TAXII_ROOT);
	CHECK_STR(json_string_value(json_array_get(json_object_get(a.j, "api_roots"), 0)), BASE TAXII_ROOT);
	CHECK(strstr(jstr(a.j, "title"), "ru.gp") != NULL);
	answer_free(&a);
	taxii_store_free(s);
}

static void test_api_root(void)
{
	struct taxii_store *s = mkstore();
	struct answer a = get(s, TAXII_ROOT, NULL);
	CHECK_EQ_INT(a.status, 200);
	CHECK_STR(json_string_value(json_array_get(json_object_get(a.j, "versions"), 0)), TAXII_MEDIA);
	CHECK(json_is_integer(json_object_get(a.j, "max_content_length")));
	CHECK(json_is_string(json_object_get(a.j, "title")));
	answer_free(&a);
	taxii_store_free(s);
}

static void test_collections(void)
{
	struct taxii_store *s = mkstore(), *s2 = mkstore(), *other;
	char cid[37], cid2[37], cid3[37], path[256];
	taxii_store_collection_id(s, cid);
	taxii_store_collection_id(s2, cid2);
	CHECK_STR(cid, cid2); /* fixed: derived from channel and agency */
	CHECK(taxii_store_new(&other, channel, "us.doj", BASE, SECRET) == 0);
	taxii_store_collection_id(other, cid3);
	CHECK(strcmp(cid, cid3) != 0);
	CHECK_EQ_INT(strlen(cid), 36);
	CHECK(cid[8] == '-' && cid[13] == '-' && cid[14] == '8' && cid[18] == '-' && cid[23] == '-');
	CHECK(strchr("89ab", cid[19]) != NULL);

	struct answer a = get(s, TAXII_ROOT "collections/", NULL);
	CHECK_EQ_INT(a.status, 200);
	json_t *c = json_array_get(json_object_get(a.j, "collections"), 0);
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "collections")), 1);
	CHECK_STR(jstr(c, "id"), cid);
	CHECK(json_is_true(json_object_get(c, "can_read")));
	CHECK(json_is_false(json_object_get(c, "can_write")));
	CHECK(strstr(jstr(c, "title"), "ru.gp") != NULL);
	CHECK_STR(json_string_value(json_array_get(json_object_get(c, "media_types"), 0)), TAXII_STIX_MEDIA);
	answer_free(&a);

	coll_path(s, path, sizeof path, "");
	a = get(s, path, NULL);
	CHECK_EQ_INT(a.status, 200);
	CHECK_STR(jstr(a.j, "id"), cid);
	answer_free(&a);

	/* an empty collection: an envelope with an empty list */
	coll_path(s, path, sizeof path, "objects/");
	a = get(s, path, NULL);
	CHECK_EQ_INT(a.status, 200);
	CHECK(json_is_false(json_object_get(a.j, "more")));
	CHECK(json_is_array(json_object_get(a.j, "objects")) && !json_object_get(a.j, "next"));
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), 0);
	CHECK(!a.first[0] && !a.last[0]);
	answer_free(&a);
	taxii_store_free(other);
	taxii_store_free(s2);
	taxii_store_free(s);
}

/*
 * A client that follows `next` with limit 7 from the start, checking the date
 * headers; after each page it calls grow(k) (may add objects). Fills seen[x_n]++
 * and order[] with the x_n values in the order received; returns the count.
 */
static size_t walk(struct taxii_store *s, const char *extra, unsigned *seen, unsigned *order, size_t max,
		   void (*grow)(struct taxii_store *, size_t))
{
	char path[256], q[512], next[32] = "", prev_last[32] = "";
	size_t n = 0, pages = 0;
	coll_path(s, path, sizeof path, "objects/");
	for (;;) {
		snprintf(q, sizeof q, "limit=7%s%s%s", next[0] ? "&next=" : "", next, extra ? extra : "");
		struct answer a = get(s, path, q);
		CHECK_EQ_INT(a.status, 200);
		json_t *objs = json_object_get(a.j, "objects"), *o;
		size_t i;
		CHECK(json_array_size(objs) <= 7);
		if (json_array_size(objs)) {
			CHECK(a.first[0] && a.last[0]);
			CHECK(strcmp(a.first, a.last) <= 0);
			CHECK(strcmp(prev_last, a.first) < 0); /* date_added strictly increases across pages */
			snprintf(prev_last, sizeof prev_last, "%s", a.last);
		}
		json_array_foreach(objs, i, o) {
			json_int_t x = json_integer_value(json_object_get(o, "x_n"));
			if (x >= 0 && (size_t)x < max)
				seen[x]++;
			if (n < max)
				order[n] = (unsigned)x;
			n++;
		}
		int more = json_is_true(json_object_get(a.j, "more"));
		CHECK(more == (json_object_get(a.j, "next") != NULL));
		if (more)
			snprintf(next, sizeof next, "%s", jstr(a.j, "next"));
		answer_free(&a);
		pages++;
		if (grow)
			grow(s, pages);
		if (!more || pages > 10000)
			break;
	}
	return n;
}

/* How many of 0..n-1 were seen exactly once and at their place. */
static unsigned exactly_once_in_order(const unsigned *seen, const unsigned *order, unsigned n)
{
	unsigned good = 0;
	for (unsigned i = 0; i < n; i++)
		good += seen[i] == 1 && order[i] == i;
	return good;
}

static void add_many(struct taxii_store *s, unsigned n)
{
	/* bundles of 1..13 objects, several in the same second, so date_added is bumped by 1 µs */
	unsigned k = 0, b = 0;
	int64_t t = 1767225600LL * 1000000;
	while (k < n) {
		unsigned m = 1 + b % 13;
		if (m > n - k)
			m = n - k;
		char src[32];
		snprintf(src, sizeof src, "aa/%u", b);
		add_objects(s, k, m, t + (int64_t)(b / 4) * 1000000, src);
		k += m;
		b++;
	}
}

static void test_paging_walk(void)
{
	struct taxii_store *s = mkstore();
	enum { N = 1000 };
	add_many(s, N);
	CHECK_EQ_INT(taxii_store_count(s), N);
	unsigned seen[N] = {0}, order[N];
	size_t n = walk(s, NULL, seen, order, N, NULL);
	CHECK_EQ_INT(n, N);
	CHECK_EQ_INT(exactly_once_in_order(seen, order, N), N);
	taxii_store_free(s);
}

static unsigned appended;

static void grow3(struct taxii_store *s, size_t page)
{
	if (appended >= 300)
		return;
	char src[32];
	snprintf(src, sizeof src, "bb/%zu", page);
	/* an earlier time than everything held: date_added still goes up */
	add_objects(s, 1000 + appended, 3, 1000000, src);
	appended += 3;
}

static void test_paging_appended(void)
{
	struct taxii_store *s = mkstore();
	enum { N = 1300 };
	add_many(s, 1000);
	appended = 0;
	unsigned seen[N] = {0}, order[N];
	size_t n = walk(s, NULL, seen, order, N, grow3);
	CHECK_EQ_INT(appended, 300);
	CHECK_EQ_INT(n, N);
	CHECK_EQ_INT(exactly_once_in_order(seen, order, N), N);
	/* a filtered walk: only the malware (every third), also exactly once each */
	memset(seen, 0, sizeof seen);
	n = walk(s, "&match%5Btype%5D=malware", seen, order, N, NULL);
	CHECK_EQ_INT(n, N / 3);
	unsigned good = 0;
	for (unsigned i = 0; i < N; i++)
		good += seen[i] == (i % 3 == 2);
	CHECK_EQ_INT(good, N);
	taxii_store_free(s);
}

/*
 * OpenCTI's TAXII feed ingester: each poll sends added_after (the feed's
 * start, then X-TAXII-Date-Added-Last of the last page, kept as a
 * JavaScript Date: milliseconds) together with next while `more` is true.
 * Objects arrive between polls, some with an older envelope time. Every
 * object reaches it once.
 */
static void test_opencti_client(void)
{
	struct taxii_store *s = mkstore();
	enum { N = 500 };
	unsigned seen[N] = {0}, got = 0, added = 0, polls = 0;
	char path[256], added_after[40] = "2020-01-01T00:00:00.000Z", next[32] = "";
	coll_path(s, path, sizeof path, "objects/");
	while (polls++ < 300) { /* every poll, also the idle ones after the last object */
		if (added < N && polls % 5 == 1) { /* new evidence now and then, with times going back and forth */
			char src[32];
			unsigned k = added + 37 <= N ? 37 : N - added;
			snprintf(src, sizeof src, "oc/%u", polls);
			add_objects(s, added, k, (1767225600LL + (polls % 2 ? 100 : -100) + polls) * 1000000, src);
			added += k;
		}
		char q[160];
		snprintf(q, sizeof q, "limit=10&added_after=%s%s%s", added_after, next[0] ? "&next=" : "", next);
		struct answer a = get(s, path, q);
		CHECK_EQ_INT(a.status, 200);
		json_t *o;
		size_t i;
		json_array_foreach(json_object_get(a.j, "objects"), i, o) {
			json_int_t x = json_integer_value(json_object_get(o, "x_n"));
			if (x >= 0 && x < N)
				seen[x]++;
			got++;
		}
		if (json_is_true(json_object_get(a.j, "more"))) {
			snprintf(next, sizeof next, "%s", jstr(a.j, "next"));
		} else {
			next[0] = 0;
			if (a.last[0]) /* Date(last).toISOString(): milliseconds */
				snprintf(added_after, sizeof added_after, "%.23sZ", a.last);
		}
		answer_free(&a);
	}
	CHECK_EQ_INT(got, N);
	unsigned once = 0;
	for (unsigned i = 0; i < N; i++)
		once += seen[i] == 1;
	CHECK_EQ_INT(once, N);
	taxii_store_free(s);
}

static void test_manifest_and_added_after(void)
{
	struct taxii_store *s = mkstore();
	char path[256], q[128];
	add_many(s, 50);
	coll_path(s, path, sizeof path, "manifest/");
	struct answer a = get(s, path, "limit=1000");
	CHECK_EQ_INT(a.status, 200);
	json_t *m = json_object_get(a.j, "objects");
	CHECK_EQ_INT(json_array_size(m), 50);
	CHECK(json_is_false(json_object_get(a.j, "more")));
	for (size_t i = 1; i < json_array_size(m); i++)
		CHECK(strcmp(jstr(json_array_get(m, i - 1), "date_added"), jstr(json_array_get(m, i), "date_added")) < 0);
	json_t *e = json_array_get(m, 20);
	CHECK_STR(jstr(e, "version"), "2026-01-01T00:00:00.000Z");
	CHECK_STR(jstr(e, "media_type"), TAXII_STIX_MEDIA);
	CHECK_STR(a.first, jstr(json_array_get(m, 0), "date_added"));
	CHECK_STR(a.last, jstr(json_array_get(m, 49), "date_added"));
	char id21[128];
	snprintf(id21, sizeof id21, "%s", jstr(json_array_get(m, 21), "id"));

	/* added_after the 21st object's date_added: the 22nd is the first returned */
	snprintf(q, sizeof q, "added_after=%s", jstr(e, "date_added"));
	struct answer b = get(s, path, q);
	CHECK_EQ_INT(b.status, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(b.j, "objects")), 29);
	CHECK_STR(jstr(json_array_get(json_object_get(b.j, "objects"), 0), "id"), id21);
	answer_free(&b);
	/* with nanoseconds: the fraction beyond µs cannot move the boundary */
	char ns[40];
	CHECK_EQ_INT(strlen(jstr(e, "date_added")), 24); /* YYYY-MM-DDTHH:MM:SS.sssZ */
	snprintf(ns, sizeof ns, "%.23s999999Z", jstr(e, "date_added"));
	snprintf(q, sizeof q, "added_after=%s", ns);
	b = get(s, path, q);
	CHECK_EQ_INT(json_array_size(json_object_get(b.j, "objects")), 29);
	answer_free(&b);
	/* after the last: nothing */
	snprintf(q, sizeof q, "added_after=%s", a.last);
	b = get(s, path, q);
	CHECK_EQ_INT(json_array_size(json_object_get(b.j, "objects")), 0);
	CHECK(json_is_false(json_object_get(b.j, "more")));
	answer_free(&b);
	answer_free(&a);
	taxii_store_free(s);
}

static json_t *indicator(const char *id, const char *modified)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "spec_version", "2.1", "id", id, "created",
			 "2026-01-01T00:00:00.000Z", "modified", modified);
}

static json_t *bundle_of(json_t *objs)
{
	return json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", "bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8",
			 "objects", objs);
}

static size_t count_objects(struct taxii_store *s, const char *rest, const char *q, int *status)
{
	char path[512];
	coll_path(s, path, sizeof path, rest);
	struct answer a = get(s, path, q);
	*status = a.status;
	size_t n = json_array_size(json_object_get(a.j, strstr(rest, "versions") ? "versions" : "objects"));
	answer_free(&a);
	return n;
}

/* A bundle whose dates would pass 9999-12-31T23:59:59.999Z is refused whole, also as the first bundle of an
 * empty store and when its own time (not the store's last date) is the late one; before, such objects got
 * dates in the year 10000, printed as 0000-01-01 (X-TAXII-Date-Added-Last going back to year 0). */
static void test_dates_past_9999(void)
{
	const char *A = "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c1";
	const char *B = "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c2";
	const char *C = "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c4";
	json_t *two = bundle_of(json_pack("[o, o]", indicator(A, "2026-02-01T00:00:00.000Z"),
					  indicator(B, "2026-02-01T00:00:00.000Z")));
	json_t *one = bundle_of(json_pack("[o]", indicator(C, "2026-02-01T00:00:00.000Z")));
	size_t added = 99;
	int64_t first = 99;
	struct taxii_store *e = mkstore();
	/* an empty store: the first object at ...59.999, the second would be in the year 10000 */
	CHECK(taxii_store_add_bundle(e, two, TAXII_TIME_MAX_US, "x/1", &added, &first) == ERR_LIMIT);
	CHECK_EQ_INT(taxii_store_count(e), 0);
	CHECK(first == 0 && !taxii_store_has_source(e, "x/1"));
	/* a store holding an early object: the bundle's own time is what runs out */
	CHECK(taxii_store_add_bundle(e, one, 1000, "x/2", &added, NULL) == 0);
	CHECK(taxii_store_add_bundle(e, two, TAXII_TIME_MAX_US, "x/3", &added, NULL) == ERR_LIMIT);
	CHECK_EQ_INT(taxii_store_count(e), 1);
	/* exactly the last millisecond is still a date */
	json_t *a = bundle_of(json_pack("[o]", indicator(A, "2026-02-01T00:00:00.000Z")));
	CHECK(taxii_store_add_bundle(e, a, TAXII_TIME_MAX_US, "x/4", &added, &first) == 0);
	CHECK(added == 1 && first == TAXII_TIME_MAX_US / 1000 * 1000);
	/* every date the store serves is in 1970..9999 */
	char path[200];
	coll_path(e, path, sizeof path, "manifest/");
	struct answer m = get(e, path, NULL);
	CHECK_EQ_INT(m.status, 200);
	CHECK_STR(m.last, "9999-12-31T23:59:59.999Z");
	answer_free(&m);
	json_decref(a);
	json_decref(one);
	json_decref(two);
	taxii_store_free(e);
}

/* One version of an object is one timestamp, however it is written: a second "version" of A whose
 * modified is the same instant written with more digits (…00.000Z and …00.000000Z) is the version held, not a
 * twin served beside it (a sender could otherwise slip other content under a version a client holds). */
static void test_same_version_other_spelling(void)
{
	struct taxii_store *e = mkstore();
	const char *A = "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c1";
	json_t *b1 = bundle_of(json_pack("[o]", indicator(A, "2026-02-01T00:00:00.000Z")));
	json_t *twin = indicator(A, "2026-02-01T00:00:00.000000Z");
	json_object_set_new(twin, "description", json_string("other content"));
	json_t *b2 = bundle_of(json_pack("[o]", twin));
	size_t added = 99;
	CHECK(taxii_store_add_bundle(e, b1, 1000, "x/1", &added, NULL) == 0 && added == 1);
	CHECK(taxii_store_add_bundle(e, b2, 1000, "x/2", &added, NULL) == 0);
	CHECK_EQ_INT(added, 0);
	CHECK_EQ_INT(taxii_store_count(e), 1);
	char path[200];
	coll_path(e, path, sizeof path, "objects/");
	struct answer a = get(e, path, "match%5Bversion%5D=all");
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), 1);
	CHECK(!json_object_get(json_array_get(json_object_get(a.j, "objects"), 0), "description"));
	answer_free(&a);
	/* the same object again (keys in another order) is no conflict; other content under the held version is,
	   named, and the first stays */
	char last[160];
	CHECK_EQ_INT(taxii_store_conflicts(e, last, sizeof last), 1);
	CHECK_STR(last, "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c1 at 2026-02-01T00:00:00.000000Z");
	json_t *again = json_pack("{s:s, s:s, s:s, s:s, s:s}", "modified", "2026-02-01T00:00:00.000Z", "created",
				  "2026-01-01T00:00:00.000Z", "id", A, "spec_version", "2.1", "type", "indicator");
	json_t *b3 = bundle_of(json_pack("[o]", again));
	CHECK(taxii_store_add_bundle(e, b3, 1000, "x/3", &added, NULL) == 0 && added == 0);
	CHECK_EQ_INT(taxii_store_conflicts(e, NULL, 0), 1);
	json_decref(b3);
	json_decref(b1);
	json_decref(b2);
	taxii_store_free(e);
}

static void test_versions_and_match(void)
{
	struct taxii_store *s = mkstore();
	const char *A = "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c1";
	const char *B = "indicator--6ba7b810-9dad-41d1-80b4-00c04fd430c2";
	const char *SCO = "ipv4-addr--6ba7b810-9dad-51d1-80b4-00c04fd430c3";
	json_t *b1 = bundle_of(json_pack("[o, o, {s:s, s:s, s:s}]", indicator(A, "2026-02-01T00:00:00.000Z"),
					 indicator(B, "2026-02-01T00:00:00.000Z"), "type", "ipv4-addr", "id", SCO,
					 "value", "192.0.2.1"));
	/* a second envelope: A again (same version: skipped), A's newer and older versions, the SCO again (skipped) */
	json_t *b2 = bundle_of(json_pack("[o, o, o, {s:s, s:s, s:s}]", indicator(A, "2026-02-01T00:00:00.000Z"),
					 indicator(A, "2026-03-01T00:00:00.000Z"), indicator(A, "2026-01-15T00:00:00.000Z"),
					 "type", "ipv4-addr", "id", SCO, "value", "192.0.2.1"));
	size_t added;
	CHECK(taxii_store_add_bundle(s, b1, 1000, "p/1", &added, NULL) == 0);
	CHECK_EQ_INT(added, 3);
	int64_t first;
	CHECK(taxii_store_add_bundle(s, b2, 1000, "p/2", &added, &first) == 0);
	CHECK_EQ_INT(added, 2);
	CHECK_EQ_INT(first, 4000); /* after 1, 2 and 3 ms; the repeated A took no date */
	CHECK(taxii_store_add_bundle(s, b2, 1000, "p/2", &added, NULL) == ERR_CONFLICT);
	CHECK(taxii_store_add_bundle(s, b2, -1, "p/3", &added, NULL) == ERR_USAGE);
	CHECK(taxii_store_add_bundle(s, b2, TAXII_TIME_MAX_US + 1, "p/3", &added, NULL) == ERR_USAGE);
	{ /* dates run out at the year 10000: refused, never an overflow */
		struct taxii_store *e = mkstore();
		json_t *x = bundle_of(json_pack("[o]", indicator(A, "2026-02-01T00:00:00.000Z")));
		json_t *y = bundle_of(json_pack("[o]", indicator(B, "2026-02-01T00:00:00.000Z")));
		json_t *z = bundle_of(json_pack("[o]", indicator(A, "2026-03-01T00:00:00.000Z")));
		CHECK(taxii_store_add_bundle(e, x, TAXII_TIME_MAX_US - 1000, "x/1", &added, NULL) == 0);
		CHECK(taxii_store_add_bundle(e, y, 0, "x/2", &added, NULL) == 0);
		CHECK(taxii_store_add_bundle(e, z, 0, "x/3", &added, NULL) == ERR_LIMIT);
		CHECK_EQ_INT(taxii_store_count(e), 2);
		json_decref(x);
		json_decref(y);
		json_decref(z);
		taxii_store_free(e);
	}
	CHECK_EQ_INT(taxii_store_count(s), 5);
	CHECK(taxii_store_has_source(s, "p/1") && !taxii_store_has_source(s, "p/3"));
	json_t *bad = bundle_of(json_pack("[{s:s}]", "type", "indicator"));
	CHECK(taxii_store_add_bundle(s, bad, 1000, "p/9", &added, NULL) == ERR_FORMAT);
	json_decref(bad);
	/* all or nothing: a good object, then one whose id is not "<type>--<UUID>" */
	bad = bundle_of(json_pack("[o, {s:s, s:s}]", indicator(B, "2026-04-01T00:00:00.000Z"), "type", "indicator", "id",
				  "indicator--not-a-uuid"));
	CHECK(taxii_store_add_bundle(s, bad, 1000, "p/9", &added, NULL) == ERR_FORMAT);
	CHECK_EQ_INT(taxii_store_count(s), 5);
	CHECK(!taxii_store_has_source(s, "p/9"));
	json_decref(bad);
	json_decref(b1);
	json_decref(b2);

	int st;
	/* default match[version]=last: A once (its newest), B, the SCO */
	CHECK_EQ_INT(count_objects(s, "objects/", NULL, &st), 3);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[version]=all", &st), 5);
	CHECK_EQ_INT(count_objects(s, "objects/", "match%5Bversion%5D=first", &st), 3);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[version]=first,last", &st), 4);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[version]=2026-02-01T00:00:00Z", &st), 2);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[type]=ipv4-addr", &st), 1);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[type]=malware", &st), 0);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[type]=malware,ipv4-addr,indicator", &st), 3);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[spec_version]=2.0", &st), 0);
	CHECK_EQ_INT(count_objects(s, "objects/", "match[spec_version]=2.0,2.1", &st), 3);
	char q[256];
	snprintf(q, sizeof q, "match[id]=%s,%s", B, SCO);
	CHECK_EQ_INT(count_objects(s, "objects/", q, &st), 2);
	snprintf(q, sizeof q, "match[id]=indicator--6ba7b810-9dad-41d1-80b4-00c04fd43fff&match[version]=all");
	CHECK_EQ_INT(count_objects(s, "objects/", q, &st), 0);
	CHECK_EQ_INT(st, 200);
	/* ids compare without regard to case */
	snprintf(q, sizeof q, "match[id]=indicator--6BA7B810-9DAD-41D1-80B4-00C04FD430C2");
	CHECK_EQ_INT(count_objects(s, "objects/", q, &st), 1);

	/* one object, and its versions */
	char rest[256];
	snprintf(rest, sizeof rest, "objects/%s/", A);
	char path[512];
	coll_path(s, path, sizeof path, rest);
	struct answer a = get(s, path, NULL);
	CHECK_EQ_INT(a.status, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), 1);
	CHECK_STR(jstr(json_array_get(json_object_get(a.j, "objects"), 0), "modified"), "2026-03-01T00:00:00.000Z");
	answer_free(&a);
	CHECK_EQ_INT(count_objects(s, rest, "match[version]=all", &st), 3);
	snprintf(rest, sizeof rest, "objects/%s/versions/", A);
	coll_path(s, path, sizeof path, rest);
	a = get(s, path, NULL);
	CHECK_EQ_INT(a.status, 200);
	json_t *v = json_object_get(a.j, "versions");
	CHECK_EQ_INT(json_array_size(v), 3);
	CHECK_STR(json_string_value(json_array_get(v, 0)), "2026-02-01T00:00:00.000Z");
	CHECK_STR(json_string_value(json_array_get(v, 1)), "2026-03-01T00:00:00.000Z");
	answer_free(&a);
	CHECK_EQ_INT(count_objects(s, rest, "limit=2", &st), 2);
	/* the SCO has no modified: its version is its date_added */
	snprintf(rest, sizeof rest, "objects/%s/versions/", SCO);
	coll_path(s, path, sizeof path, rest);
	a = get(s, path, NULL);
	CHECK_STR(json_string_value(json_array_get(json_object_get(a.j, "versions"), 0)), "1970-01-01T00:00:00.003Z");
	answer_free(&a);

	/* 404s: unknown id, malformed id, no trailing slash, unknown sub-resource */
	snprintf(rest, sizeof rest, "objects/indicator--6ba7b810-9dad-41d1-80b4-00c04fd43fff/");
	count_objects(s, rest, NULL, &st);
	CHECK_EQ_INT(st, 404);
	count_objects(s, "objects/not-an-id/", NULL, &st);
	CHECK_EQ_INT(st, 404);
	snprintf(rest, sizeof rest, "objects/%s", A);
	count_objects(s, rest, NULL, &st);
	CHECK_EQ_INT(st, 404);
	snprintf(rest, sizeof rest, "objects/%s/other/", A);
	count_objects(s, rest, NULL, &st);
	CHECK_EQ_INT(st, 404);
	snprintf(rest, sizeof rest, "objects/%s/", A);
	snprintf(q, sizeof q, "match[id]=%s", A);
	count_objects(s, rest, q, &st);
	CHECK_EQ_INT(st, 400);
	taxii_store_free(s);
}

static void test_accept(void)
{
	struct taxii_store *s = mkstore();
	static const char *ok[] = {NULL,
				   "",
				   TAXII_MEDIA,
				   "application/taxii+json",
				   "Application/TAXII+JSON; Version=2.1",
				   "application/taxii+json; version=\"2.1\"",
				   "*/*",
				   "application/*",
				   "text/html, application/taxii+json;version=2.1;q=0.9",
				   "text/html,*/*;q=0.1",
				   "application/taxii+json;q=0.05"};
	static const char *bad[] = {"application/json",
				    "application/taxii+json;version=2.0",
				    "application/stix+json;version=2.1",
				    "text/html",
				    "application/taxii+json;version=2.1;q=0",
				    "*/*;q=0.000",
				    "*/*;q=0.",
				    "application/taxii+json ;q=0 , text/html",
				    "application/taxii+json;version",
				    "application/*;version=2.1",
				    ","};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		struct answer a = req(s, "GET", "/taxii2/", NULL, ok[i], "Bearer " SECRET);
		if (a.status != 200)
			fprintf(stderr, "  Accept: %s\n", ok[i] ? ok[i] : "(none)");
		CHECK_EQ_INT(a.status, 200);
		answer_free(&a);
	}
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct answer a = req(s, "GET", "/taxii2/", NULL, bad[i], "Bearer " SECRET);
		if (a.status != 406)
			fprintf(stderr, "  Accept: %s\n", bad[i]);
		CHECK_EQ_INT(a.status, 406);
		CHECK_STR(jstr(a.j, "http_status"), "406");
		CHECK(jstr(a.j, "title")[0] != 0);
		answer_free(&a);
	}
	taxii_store_free(s);
}

static void basic(char *out, size_t n, const char *userpass)
{
	char b64[256];
	b64_encode(b64, (const uint8_t *)userpass, strlen(userpass));
	snprintf(out, n, "Basic %s", b64);
}

static void test_auth(void)
{
	struct taxii_store *s = mkstore();
	char h[300];
	static const char *paths[] = {"/taxii2/", TAXII_ROOT, TAXII_ROOT "collections/"};
	for (size_t i = 0; i < 3; i++) {
		struct answer a = req(s, "GET", paths[i], NULL, TAXII_MEDIA, NULL);
		CHECK_EQ_INT(a.status, 401);
		CHECK(strncmp(a.www, "Basic realm=", 12) == 0);
		CHECK_STR(jstr(a.j, "http_status"), "401");
		CHECK(!json_object_get(a.j, "api_roots") && !json_object_get(a.j, "collections"));
		answer_free(&a);
	}
	static const char *wrong[] = {"Bearer wrong",
				      "Bearer " SECRET "x",
				      "Bearer",
				      "Bearer ",
				      "Token " SECRET,
				      "Basic !!!",
				      "Basic",
				      "",
				      "Bearer s3cret-token-for-the-test"};
	for (size_t i = 0; i < sizeof wrong / sizeof *wrong; i++) {
		struct answer a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, wrong[i]);
		CHECK_EQ_INT(a.status, 401);
		answer_free(&a);
	}
	basic(h, sizeof h, "parley:" SECRET);
	struct answer a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, h);
	CHECK_EQ_INT(a.status, 200);
	answer_free(&a);
	a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, "bearer " SECRET);
	CHECK_EQ_INT(a.status, 200);
	answer_free(&a);
	basic(h, sizeof h, "parley:wrong");
	a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, h);
	CHECK_EQ_INT(a.status, 401);
	answer_free(&a);
	basic(h, sizeof h, SECRET); /* no colon: no password */
	a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, h);
	CHECK_EQ_INT(a.status, 401);
	answer_free(&a);
	/* credentials are checked before anything else: no 406 or 404 leaks to a stranger */
	a = req(s, "GET", "/nowhere", NULL, "text/html", NULL);
	CHECK_EQ_INT(a.status, 401);
	answer_free(&a);
	taxii_store_free(s);

	/* a store without a secret refuses everyone */
	CHECK(taxii_store_new(&s, channel, "ru.gp", "", "") == 0);
	a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, "Bearer ");
	CHECK_EQ_INT(a.status, 401);
	answer_free(&a);
	basic(h, sizeof h, "parley:");
	a = req(s, "GET", "/taxii2/", NULL, TAXII_MEDIA, h);
	CHECK_EQ_INT(a.status, 401);
	answer_free(&a);
	taxii_store_free(s);
}

static void test_errors(void)
{
	struct taxii_store *s = mkstore();
	char path[256];
	add_many(s, 20);
	static const char *notfound[] = {"/taxii2", "/taxii2/other/", TAXII_ROOT "collections",
					 TAXII_ROOT "collections/00000000-0000-8000-8000-000000000000/",
					 TAXII_ROOT "status/x/", "/"};
	for (size_t i = 0; i < sizeof notfound / sizeof *notfound; i++) {
		struct answer a = get(s, notfound[i], NULL);
		CHECK_EQ_INT(a.status, 404);
		CHECK_STR(jstr(a.j, "http_status"), "404");
		answer_free(&a);
	}
	coll_path(s, path, sizeof path, "objects/");
	struct answer a = req(s, "POST", path, NULL, TAXII_MEDIA, "Bearer " SECRET);
	CHECK_EQ_INT(a.status, 405);
	answer_free(&a);
	static const char *badq[] = {"limit=0", "limit=-1", "limit=abc", "limit=07", "added_after=2026-01-01",
				     "added_after=2026-02-30T00:00:00Z", "next=abc", "next=", "next=-5",
				     "limit=5&limit=6", "match[type]=Indicator", "match[type]=indicator,,malware",
				     "match[id]=indicator--x", "match[version]=latest", "match[spec_version]=two",
				     "limit=%zz", "limit=5&&next=1", "&", "limit", "x=%00"};
	for (size_t i = 0; i < sizeof badq / sizeof *badq; i++) {
		a = get(s, path, badq[i]);
		if (a.status != 400)
			fprintf(stderr, "  query: %s\n", badq[i]);
		CHECK_EQ_INT(a.status, 400);
		CHECK(jstr(a.j, "description")[0] != 0);
		answer_free(&a);
	}
	/* unknown parameters are ignored; a limit above the maximum is lowered */
	a = get(s, path, "foo=bar&limit=100000");
	CHECK_EQ_INT(a.status, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), 20);
	answer_free(&a);
	taxii_store_free(s);
}

static void test_limits(void)
{
	struct taxii_store *s = mkstore();
	char path[256];
	add_many(s, 1500);
	coll_path(s, path, sizeof path, "objects/");
	struct answer a = get(s, path, NULL);
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), TAXII_LIMIT_DEFAULT);
	CHECK(json_is_true(json_object_get(a.j, "more")));
	answer_free(&a);
	a = get(s, path, "limit=5000");
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), TAXII_LIMIT_MAX);
	answer_free(&a);
	taxii_store_free(s);
}

/* Adds a bundle of k indicators numbered from first; returns what taxii_store_add_bundle did, *added the count. */
static int try_objects(struct taxii_store *s, unsigned first, unsigned k, int64_t t, const char *source, size_t *added)
{
	json_t *objs = json_array();
	for (unsigned i = first; i < first + k; i++) {
		char u[37], id[64];
		uuid(u, i, 11);
		snprintf(id, sizeof id, "indicator--%s", u);
		json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s}", "type", "indicator", "spec_version", "2.1",
						      "id", id, "created", "2026-01-01T00:00:00.000Z", "modified",
						      "2026-01-01T00:00:00.000Z"));
	}
	json_t *b = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id", "bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8",
			      "objects", objs);
	int rc = taxii_store_add_bundle(s, b, t, source, added, NULL);
	json_decref(b);
	return rc;
}

/* One sender floods: its excess is dropped, and another sender's objects still go in (docs/taxii.md, "Filters and
   limits"). Without the share, us's flood filled the store and ru's bundle was refused with ERR_LIMIT. */
static void test_sender_share(void)
{
	struct taxii_store *s = mkstore();
	size_t added = 0;
	char last[320], path[256], src[16];
	CHECK(taxii_store_set_limits(s, 100, TAXII_MAX_BYTES, 2) == 0);
	/* us sends 6 bundles of 20: its share is 50, so us/1 and us/2 go in and the rest is dropped */
	for (unsigned b = 1; b <= 6; b++) {
		snprintf(src, sizeof src, "us/%u", b);
		CHECK_EQ_INT(try_objects(s, b * 100, 20, 1767225600000000LL + b, src, &added), 0);
		CHECK_EQ_INT(added, b <= 2 ? 20 : 0);
		CHECK(taxii_store_has_source(s, src)); /* remembered: not fetched again */
	}
	CHECK_EQ_INT(taxii_store_dropped(s, last, sizeof last), 4);
	CHECK(strstr(last, "us/6: 20 objects") == last);
	CHECK(strstr(last, "us holds 40 objects") != NULL);
	/* what is left of us's share still fits */
	CHECK_EQ_INT(try_objects(s, 900, 10, 1767225700000000LL, "us/7", &added), 0);
	CHECK_EQ_INT(added, 10);
	CHECK_EQ_INT(try_objects(s, 950, 1, 1767225700000000LL, "us/8", &added), 0);
	CHECK_EQ_INT(added, 0);
	CHECK_EQ_INT(taxii_store_dropped(s, NULL, 0), 5);
	/* the other sender's evidence still goes in, and is served */
	CHECK_EQ_INT(try_objects(s, 2000, 30, 1767225800000000LL, "ru/1", &added), 0);
	CHECK_EQ_INT(added, 30);
	CHECK_EQ_INT(taxii_store_count(s), 80);
	CHECK_EQ_INT(taxii_store_dropped(s, NULL, 0), 5);
	char u[37], id[64];
	uuid(u, 2029, 11);
	snprintf(id, sizeof id, "indicator--%s/", u);
	coll_path(s, path, sizeof path, "objects/");
	strncat(path, id, sizeof path - strlen(path) - 1);
	struct answer a = get(s, path, NULL);
	CHECK_EQ_INT(a.status, 200);
	CHECK_EQ_INT(json_array_size(json_object_get(a.j, "objects")), 1);
	answer_free(&a);
	/* a duplicate of what a sender holds is not charged twice; the store's own bound still stands */
	CHECK_EQ_INT(try_objects(s, 2000, 20, 1767225900000000LL, "ru/2", &added), 0);
	CHECK_EQ_INT(added, 0);
	CHECK_EQ_INT(try_objects(s, 3000, 21, 1767225900000000LL, "ru/3", &added), 0);
	CHECK_EQ_INT(added, 0); /* ru holds 30: 21 more is past its 50 */
	CHECK_EQ_INT(try_objects(s, 3000, 21, 1767225900000000LL, "ru/3", &added), ERR_CONFLICT);
	/* the bounds' own checks */
	CHECK(taxii_store_set_limits(s, 0, TAXII_MAX_BYTES, 1) == ERR_USAGE);
	CHECK(taxii_store_set_limits(s, 10, TAXII_MAX_BYTES, 0) == ERR_USAGE);
	CHECK(taxii_store_set_limits(s, 10, TAXII_MAX_BYTES, 11) == ERR_USAGE);
	CHECK(taxii_store_set_limits(s, TAXII_MAX_OBJECTS + 1u, TAXII_MAX_BYTES, 1) == ERR_USAGE);
	/* lowered below what a sender holds: it takes nothing more (no wrap-around) */
	CHECK(taxii_store_set_limits(s, 40, TAXII_MAX_BYTES, 2) == 0);
	CHECK_EQ_INT(try_objects(s, 4000, 1, 1767226000000000LL, "us/9", &added), 0);
	CHECK_EQ_INT(added, 0);
	/* bytes count as well: a share of 1,000 bytes holds no 20 indicators */
	struct taxii_store *b = mkstore();
	CHECK(taxii_store_set_limits(b, 1000, 2000, 2) == 0);
	CHECK_EQ_INT(try_objects(b, 100, 20, 1767225600000000LL, "us/1", &added), 0);
	CHECK_EQ_INT(added, 0);
	CHECK_EQ_INT(try_objects(b, 200, 2, 1767225600000000LL, "ru/1", &added), 0);
	CHECK_EQ_INT(added, 2);
	taxii_store_free(b);
	taxii_store_free(s);
}

static void test_query_parse(void)
{
	struct taxii_query *q = malloc(sizeof *q);
	CHECK(taxii_query_parse(NULL, 0, q) == 0);
	CHECK(!q->has_next && !q->has_added_after && !q->limit && !q->nids);
	CHECK(taxii_query_parse("", 0, q) == 0);
	const char *s = "added_after=2026-01-01T00:00:00.123456789Z&limit=7&next=42&match%5Bid%5D=indicator--"
			"6ba7b810-9dad-41d1-80b4-00c04fd430c1&match[type]=a-b,indicator";
	CHECK(taxii_query_parse(s, strlen(s), q) == 0);
	CHECK(q->has_added_after && q->added_after_us == 1767225600LL * 1000000 + 123456);
	CHECK_EQ_INT(q->limit, 7);
	CHECK(q->has_next && q->next_us == 42);
	CHECK_EQ_INT(q->nids, 1);
	CHECK_EQ_INT(q->ntypes, 2);
	CHECK_STR(q->types[1], "indicator");
	CHECK(taxii_query_parse("next=1", 6, q) == 0); /* the previous parse leaves nothing behind */
	CHECK(!q->has_added_after && !q->nids && !q->ntypes && !q->limit);
	char big[TAXII_QUERY_MAX + 2];
	memset(big, 'a', sizeof big);
	CHECK(taxii_query_parse(big, sizeof big, q) == ERR_LIMIT);
	char list[1024] = "match[type]=a-a";
	for (int i = 0; i < TAXII_MATCH_MAX; i++)
		strncat(list, ",a-a", sizeof list - strlen(list) - 1);
	CHECK(taxii_query_parse(list, strlen(list), q) == ERR_LIMIT);
	CHECK(taxii_query_parse("limit=5", 3, q) == ERR_FORMAT); /* "lim": no '=' */
	CHECK_MSG("without '='");
	CHECK(taxii_query_parse("limit=5&limit=6", 15, q) == ERR_FORMAT);
	CHECK_MSG("limit: given twice");
	int64_t t;
	char c[24];
	taxii_cursor_format(1767225600123456LL, c);
	CHECK(taxii_cursor_parse(c, strlen(c), &t) == 0 && t == 1767225600123456LL);
	CHECK(taxii_cursor_parse("0123", 4, &t) == ERR_FORMAT);
	CHECK(taxii_cursor_parse("99999999999999999999", 20, &t) == ERR_FORMAT);
	CHECK(taxii_cursor_parse("", 0, &t) == ERR_FORMAT);
	CHECK(taxii_cursor_parse(NULL, 0, &t) == ERR_FORMAT);
	char ts[32];
	taxii_time_format(1767225600123456LL, ts);
	CHECK_STR(ts, "2026-01-01T00:00:00.123456Z");
	CHECK(taxii_time_parse(ts, &t) == 0 && t == 1767225600123456LL);
	taxii_time_format(-1, ts);
	CHECK_STR(ts, "1969-12-31T23:59:59.999999Z");
	/* a leap second (STIX allows 23:59:60) is the end of its day, never the next day's first second:
	   added_after=...23:59:60.5Z must not hide an object added at 00:00:00.000 */
	CHECK(taxii_time_parse("2016-12-31T23:59:60.5Z", &t) == 0 && t == 1483228799999999LL);
	CHECK(taxii_time_parse("2016-12-31T23:59:60Z", &t) == 0 && t == 1483228799999999LL);
	CHECK(taxii_time_parse("2016-12-31T23:59:59.999999999Z", &t) == 0 && t == 1483228799999999LL);
	free(q);
}

static void test_secret_file(void)
{
	char dir[512], path[600], a[TAXII_SECRET_LEN + 1], b[TAXII_SECRET_LEN + 1];
	struct stat st;
	CHECK(check_tmpdir(dir, sizeof dir, "taxii") == 0);
	snprintf(path, sizeof path, "%s/taxii.secret", dir);
	CHECK(taxii_secret_load(path, a) == 0); /* created */
	CHECK_EQ_INT(strlen(a), TAXII_SECRET_LEN);
	CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
	CHECK(taxii_secret_load(path, b) == 0); /* read back: the same */
	CHECK_STR(a, b);
	/* a store keyed with it accepts it */
	struct taxii_store *s;
	char h[80];
	CHECK(taxii_store_new(&s, channel, "ru.gp", "", a) == 0);
	snprintf(h, sizeof h, "Bearer %s", a);
	struct answer r = req(s, "GET", "/taxii2/", NULL, NULL, h);
	CHECK_EQ_INT(r.status, 200);
	answer_free(&r);
	taxii_store_free(s);
	/* readable by others: refused; not a secret: refused; neither is changed */
	CHECK(chmod(path, 0644) == 0);
	CHECK(taxii_secret_load(path, b) == ERR_USAGE);
	CHECK_MSG("chmod 600");
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("short\n", f);
		fclose(f);
	}
	CHECK(chmod(path, 0600) == 0);
	CHECK(taxii_secret_load(path, b) == ERR_FORMAT);
	CHECK_MSG("not a TAXII secret");
	f = fopen(path, "w");
	if (f) {
		fprintf(f, "%s", a); /* no newline */
		fclose(f);
	}
	CHECK(taxii_secret_load(path, b) == ERR_FORMAT);
	unlink(path);
	rmdir(dir);
}

static void test_journal_parse(void)
{
	const char *cid = "0a1b2c3d-0000-8000-8000-000000000001";
	struct taxii_journal_entry *e;
	size_t n;
	char t[512];
	CHECK(taxii_journal_parse("", 0, cid, &e, &n) == 0 && n == 0);
	free(e);
	CHECK(taxii_journal_parse(NULL, 0, cid, &e, &n) == 0 && n == 0 && e == NULL);
	snprintf(t, sizeof t, "parley taxii journal 1 %s\nus/1 1767225600000000\nru/12 1767225600005000\nus/2 17672", cid);
	CHECK(taxii_journal_parse(t, strlen(t), cid, &e, &n) == 0); /* the cut last line is ignored */
	CHECK_EQ_INT(n, 2);
	if (n == 2) {
		CHECK_STR(e[0].source, "us/1");
		CHECK(e[1].first == 1767225600005000LL);
		CHECK_STR(e[1].source, "ru/12");
	}
	free(e);
	CHECK(taxii_journal_parse(t, strlen(t), "0a1b2c3d-0000-8000-8000-000000000002", &e, &n) == ERR_FORMAT);
	CHECK_MSG("line 1: not a TAXII journal of collection");
	static const char *bad[] = {"us/1 17\nus/2 17\n", "us/01 17\n", "US/1 17\n", "us 17\n", "us/1 -5\n",
				    "us/1  17\n", "us/1 17 \n", "us/1\n", "us/1 99999999999999999999\n", "\n",
				    "us/1 253402300800000000\n",
				    "us/1 17\nus/2 16\n"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		snprintf(t, sizeof t, "parley taxii journal 1 %s\n%s", cid, bad[i]);
		e = NULL;
		int rc = taxii_journal_parse(t, strlen(t), cid, &e, &n);
		if (rc != ERR_FORMAT)
			fprintf(stderr, "  journal accepted: %s", bad[i]);
		CHECK(rc == ERR_FORMAT);
		CHECK(e == NULL);
	}
	CHECK_MSG("line 3: its date is not after");
}

int main(void)
{
	RUN(test_discovery);
	RUN(test_api_root);
	RUN(test_collections);
	RUN(test_paging_walk);
	RUN(test_paging_appended);
	RUN(test_opencti_client);
	RUN(test_manifest_and_added_after);
	RUN(test_versions_and_match);
	RUN(test_dates_past_9999);
	RUN(test_same_version_other_spelling);
	RUN(test_accept);
	RUN(test_auth);
	RUN(test_errors);
	RUN(test_limits);
	RUN(test_sender_share);
	RUN(test_query_parse);
	RUN(test_secret_file);
	RUN(test_journal_parse);
	CHECK_EXIT();
}
