/* taxii — see taxii.h and docs/taxii.md. */
#include "desk/taxii.h"

#include "base/enc.h"
#include "base/err.h"
#include "evidence/stix.h"

#include <ctype.h>
#include <inttypes.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define NONE UINT32_MAX
#define ID_MAX 300   /* "<type up to 250>--<uuid 36>" */

/* ---- a string map (open addressing, SipHash with a random key: ids come from peers) ---- */

struct strmap {
	char **keys;
	uint32_t *vals;
	size_t cap, n;
	uint8_t key[crypto_shorthash_KEYBYTES];
};

static void strmap_init(struct strmap *m)
{
	memset(m, 0, sizeof *m);
	randombytes_buf(m->key, sizeof m->key);
}

static void strmap_free(struct strmap *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
}

static size_t strmap_slot(const struct strmap *m, const char *k)
{
	uint8_t h[crypto_shorthash_BYTES];
	uint64_t v;
	crypto_shorthash(h, (const uint8_t *)k, strlen(k), m->key);
	memcpy(&v, h, sizeof v);
	size_t i = (size_t)v & (m->cap - 1);
	while (m->keys[i] && strcmp(m->keys[i], k) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of k, or NONE. */
static uint32_t strmap_get(const struct strmap *m, const char *k)
{
	if (!m->cap)
		return NONE;
	size_t i = strmap_slot(m, k);
	return m->keys[i] ? m->vals[i] : NONE;
}

static int strmap_grow(struct strmap *m)
{
	struct strmap g = *m;
	g.cap = m->cap ? m->cap * 2 : 64;
	g.n = 0;
	g.keys = calloc(g.cap, sizeof *g.keys);
	g.vals = calloc(g.cap, sizeof *g.vals);
	if (!g.keys || !g.vals) {
		free(g.keys);
		free(g.vals);
		return err_set(ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = strmap_slot(&g, m->keys[i]);
			g.keys[j] = m->keys[i];
			g.vals[j] = m->vals[i];
			g.n++;
		}
	free(m->keys);
	free(m->vals);
	*m = g;
	return 0;
}

/* Sets k (copied) to v; k must not be present. */
static int strmap_put(struct strmap *m, const char *k, uint32_t v)
{
	if ((m->n + 1) * 2 > m->cap && strmap_grow(m))
		return ERR_NOMEM;
	size_t i = strmap_slot(m, k);
	if (!(m->keys[i] = strdup(k)))
		return err_set(ERR_NOMEM, "out of memory");
	m->vals[i] = v;
	m->n++;
	return 0;
}

/* Removes k (present or not) — used only to roll back a failed add: reinserts the cluster after it. */
static void strmap_del(struct strmap *m, const char *k)
{
	if (!m->cap)
		return;
	size_t i = strmap_slot(m, k);
	if (!m->keys[i])
		return;
	free(m->keys[i]);
	m->keys[i] = NULL;
	m->n--;
	for (size_t j = (i + 1) & (m->cap - 1); m->keys[j]; j = (j + 1) & (m->cap - 1)) {
		char *key = m->keys[j];
		uint32_t v = m->vals[j];
		m->keys[j] = NULL;
		size_t t = strmap_slot(m, key);
		m->keys[t] = key;
		m->vals[t] = v;
	}
}

/* ---- the store ---- */

struct tobj {
	char *json;              /* the object, compact JSON */
	size_t len;
	int64_t added;           /* date_added, µs */
	uint32_t idrec;          /* its id's record */
	uint16_t type_len;       /* the id's type part */
	uint8_t versioned;       /* has modified or created */
	char version[32];        /* modified, else created, else date_added (RFC 3339) */
};

struct idrec {
	char *id;                /* as first seen */
	uint32_t latest, earliest; /* objects holding the greatest / smallest version */
};

/* What one sender holds. */
struct sender {
	char name[64];           /* the PARTY of its sources */
	size_t objects, bytes;
};

struct taxii_store {
	pthread_rwlock_t lock;
	struct tobj *objs;
	size_t nobjs, capobjs, bytes;
	struct idrec *ids;
	size_t nids, capids;
	struct strmap idmap;     /* lowercase id -> idrec */
	struct strmap vermap;    /* lowercase id "\n" version -> object */
	struct strmap sources;   /* "PARTY/INDEX" -> 0 */
	int64_t last_added;
	size_t conflicts;        /* objects skipped because their (id, version) was held with other content */
	char conflict[160];      /* the last of them: "ID at VERSION" */
	/* the bounds (taxii_store_set_limits) and what each sender holds: the sender of source "PARTY/INDEX" is
	   PARTY, and it may hold max_objects / senders objects and max_bytes / senders bytes */
	size_t max_objects, max_bytes, senders;
	struct sender *snd;
	size_t nsnd, capsnd;
	size_t dropped;          /* bundles dropped because their sender was over its share */
	char drop[320];          /* the last of them: "SOURCE: ..." */
	char agency[128];
	char base[256];
	char collection[37];
	int has_secret;
	uint8_t secret_hash[crypto_generichash_BYTES];
	uint8_t hash_key[crypto_generichash_KEYBYTES];
};

int taxii_store_new(struct taxii_store **out, const uint8_t channel[32], const char *agency, const char *base_url,
		    const char *secret)
{
	*out = NULL;
	if (!agency || strlen(agency) >= sizeof((struct taxii_store *)0)->agency || !base_url ||
	    strlen(base_url) >= sizeof((struct taxii_store *)0)->base || !secret || strlen(secret) > TAXII_SECRET_MAX)
		return err_set(ERR_USAGE, "taxii: agency, base URL or secret missing or too long");
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium did not initialise");
	struct taxii_store *s = calloc(1, sizeof *s);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	if (pthread_rwlock_init(&s->lock, NULL)) {
		free(s);
		return err_set(ERR_NOMEM, "taxii: cannot create a lock");
	}
	strmap_init(&s->idmap);
	strmap_init(&s->vermap);
	strmap_init(&s->sources);
	s->last_added = INT64_MIN;
	s->max_objects = TAXII_MAX_OBJECTS;
	s->max_bytes = TAXII_MAX_BYTES;
	s->senders = 1;
	snprintf(s->agency, sizeof s->agency, "%s", agency);
	snprintf(s->base, sizeof s->base, "%s", base_url);
	/* The collection id: RFC 9562 version 8 from SHA-256("parley taxii collection\n" channel agency). */
	uint8_t h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state st;
	static const char label[] = "parley taxii collection\n";
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const uint8_t *)label, sizeof label - 1);
	crypto_hash_sha256_update(&st, channel, 32);
	crypto_hash_sha256_update(&st, (const uint8_t *)agency, strlen(agency));
	crypto_hash_sha256_final(&st, h);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	char hex[33];
	hex_encode(hex, h, 16);
	snprintf(s->collection, sizeof s->collection, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16,
		 hex + 20);
	/* The secret is kept only as a keyed hash: compared in constant time, whatever its length. */
	randombytes_buf(s->hash_key, sizeof s->hash_key);
	s->has_secret = secret[0] != 0;
	crypto_generichash(s->secret_hash, sizeof s->secret_hash, (const uint8_t *)secret, strlen(secret), s->hash_key,
			   sizeof s->hash_key);
	*out = s;
	return 0;
}

void taxii_store_free(struct taxii_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nobjs; i++)
		free(s->objs[i].json);
	for (size_t i = 0; i < s->nids; i++)
		free(s->ids[i].id);
	free(s->objs);
	free(s->ids);
	free(s->snd);
	strmap_free(&s->idmap);
	strmap_free(&s->vermap);
	strmap_free(&s->sources);
	pthread_rwlock_destroy(&s->lock);
	sodium_memzero(s, sizeof *s);
	free(s);
}

void taxii_store_collection_id(const struct taxii_store *s, char out[37])
{
	memcpy(out, s->collection, 37);
}

size_t taxii_store_count(struct taxii_store *s)
{
	pthread_rwlock_rdlock(&s->lock);
	size_t n = s->nobjs;
	pthread_rwlock_unlock(&s->lock);
	return n;
}

int taxii_store_has_source(struct taxii_store *s, const char *source)
{
	pthread_rwlock_rdlock(&s->lock);
	int r = strmap_get(&s->sources, source) != NONE;
	pthread_rwlock_unlock(&s->lock);
	return r;
}

size_t taxii_store_conflicts(struct taxii_store *s, char *last, size_t lastsz)
{
	pthread_rwlock_rdlock(&s->lock);
	size_t n = s->conflicts;
	if (lastsz)
		snprintf(last, lastsz, "%s", s->conflict);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

int taxii_store_set_limits(struct taxii_store *s, size_t max_objects, size_t max_bytes, size_t senders)
{
	if (!max_objects || max_objects > TAXII_MAX_OBJECTS || !max_bytes || max_bytes > TAXII_MAX_BYTES || !senders ||
	    senders > max_objects)
		return err_set(ERR_USAGE, "taxii: limits of %zu objects, %zu bytes, %zu senders are out of range", max_objects,
			       max_bytes, senders);
	pthread_rwlock_wrlock(&s->lock);
	s->max_objects = max_objects;
	s->max_bytes = max_bytes;
	s->senders = senders;
	pthread_rwlock_unlock(&s->lock);
	return 0;
}

size_t taxii_store_dropped(struct taxii_store *s, char *last, size_t lastsz)
{
	pthread_rwlock_rdlock(&s->lock);
	size_t n = s->dropped;
	if (lastsz)
		snprintf(last, lastsz, "%s", s->drop);
	pthread_rwlock_unlock(&s->lock);
	return n;
}

/* The record of source's sender (the part before '/'), made if new; NULL when out of memory or the name is too long. */
static struct sender *sender_of(struct taxii_store *s, const char *source)
{
	const char *sl = strchr(source, '/');
	size_t n = sl ? (size_t)(sl - source) : strlen(source);
	if (n >= sizeof s->snd->name)
		return NULL;
	for (size_t i = 0; i < s->nsnd; i++)
		if (strlen(s->snd[i].name) == n && !memcmp(s->snd[i].name, source, n))
			return &s->snd[i];
	if (s->nsnd == s->capsnd) {
		size_t cap = s->capsnd ? 2 * s->capsnd : 8;
		struct sender *ns = realloc(s->snd, cap * sizeof *ns);
		if (!ns)
			return NULL;
		s->snd = ns;
		s->capsnd = cap;
	}
	struct sender *r = &s->snd[s->nsnd++];
	memset(r, 0, sizeof *r);
	memcpy(r->name, source, n);
	return r;
}

/* 1 if the JSON texts a and b are one value (key order aside). */
static int same_value(const char *a, const char *b)
{
	if (!strcmp(a, b))
		return 1;
	json_t *ja = json_loads(a, 0, NULL), *jb = json_loads(b, 0, NULL);
	int same = ja && jb && json_equal(ja, jb);
	json_decref(ja);
	json_decref(jb);
	return same;
}

/* ---- times ---- */

static int64_t floordiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

void taxii_time_format(int64_t t, char out[32])
{
	int64_t sec = floordiv(t, 1000000), us = t - sec * 1000000;
	time_t tt = (time_t)sec;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || tm.tm_year + 1900 < 0 || tm.tm_year + 1900 > 9999) {
		snprintf(out, 32, "%s", "0000-01-01T00:00:00.000000Z");
		return;
	}
	char tmp[96];
	/* milliseconds when that is exact (every date_added), else microseconds */
	if (us % 1000 == 0)
		snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(us / 1000));
	else
		snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)us);
	snprintf(out, 32, "%.31s", tmp);
}

static int num(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

int taxii_time_parse(const char *s, int64_t *t)
{
	if (!stix_timestamp_valid(s, 0))
		return err_set(ERR_FORMAT, "not an RFC 3339 UTC timestamp (YYYY-MM-DDTHH:MM:SS[.fraction]Z)");
	struct tm tm = {0};
	tm.tm_year = num(s, 4) - 1900;
	tm.tm_mon = num(s + 5, 2) - 1;
	tm.tm_mday = num(s + 8, 2);
	tm.tm_hour = num(s + 11, 2);
	tm.tm_min = num(s + 14, 2);
	tm.tm_sec = num(s + 17, 2);
	int64_t us = 0;
	const char *f = s + 19;
	if (*f == '.') {
		int d = 0;
		for (f++; *f >= '0' && *f <= '9'; f++, d++)
			if (d < 6)
				us = us * 10 + (*f - '0');
		for (; d < 6; d++)
			us *= 10;
	}
	if (tm.tm_sec == 60) { /* a leap second (23:59:60, stix_timestamp_valid) is the last instant of its day,
				  not the next day's first second: 23:59:59.999999, so "after it" hides nothing */
		tm.tm_sec = 59;
		us = 999999;
	}
	*t = (int64_t)timegm(&tm) * 1000000 + us;
	return 0;
}

void taxii_cursor_format(int64_t t, char out[24])
{
	snprintf(out, 24, "%" PRId64, t < 0 ? 0 : t);
}

int taxii_cursor_parse(const char *s, size_t len, int64_t *t)
{
	uint64_t v;
	if (!s || len == 0 || len > 19 || dec_u64(s, len, &v) || v > (uint64_t)INT64_MAX)
		return err_set(ERR_FORMAT, "next: not a cursor this server gave");
	*t = (int64_t)v;
	return 0;
}

/* ---- adding ---- */

/* The version as the key of (id, version): one spelling per instant, "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"
   (a STIX timestamp's fraction has 0 to 9 digits: …00.000Z and …00.000000Z are one version), "" for none. */
static void version_key(const char *ver, char out[32])
{
	if (!ver[0]) {
		out[0] = 0;
		return;
	}
	const char *f = ver[19] == '.' ? ver + 20 : "";
	memcpy(out, ver, 19);
	out[19] = '.';
	for (int i = 0; i < 9; i++)
		out[20 + i] = *f >= '0' && *f <= '9' ? *f++ : '0';
	out[29] = 'Z';
	out[30] = 0;
}

static const char *jstr(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

struct pending {
	char *json;
	size_t len;
	char key[ID_MAX + 1];         /* lowercase id */
	char id[ID_MAX + 1];
	char version[32];
	uint16_t type_len;
};

int taxii_store_add_bundle(struct taxii_store *s, json_t *bundle, int64_t time_us, const char *source, size_t *added,
			   int64_t *first_added)
{
	int64_t first = 0;
	json_t *objs = json_object_get(bundle, "objects"), *o;
	size_t n = json_array_size(objs), i, bytes = 0, fresh = 0, fresh_bytes = 0;
	int rc = 0;
	if (added)
		*added = 0;
	if (!json_is_array(objs))
		return err_set(ERR_FORMAT, "taxii: the bundle has no objects list");
	if (!source || !*source || strlen(source) > 128)
		return err_set(ERR_USAGE, "taxii: a bundle needs a source name");
	if (time_us < 0 || time_us > TAXII_TIME_MAX_US)
		return err_set(ERR_USAGE, "taxii: a time before 1970 or after 9999");
	struct pending *p = calloc(n ? n : 1, sizeof *p);
	char vkey[ID_MAX + 48];
	if (!p)
		return err_set(ERR_NOMEM, "out of memory");
	/* Everything that can fail, before the store changes: serialise and check each object. */
	json_array_foreach(objs, i, o) {
		const char *id = jstr(o, "id"), *type = jstr(o, "type"), *ver = jstr(o, "modified");
		if (!ver)
			ver = jstr(o, "created");
		size_t tl = type ? strlen(type) : 0;
		if (!json_is_object(o) || !id || !type || strlen(id) > ID_MAX || !stix_identifier_valid(id, type)) {
			rc = err_set(ERR_FORMAT, "taxii: objects[%zu] has no valid id and type", i);
			goto out;
		}
		if (ver && (!stix_timestamp_valid(ver, 0) || strlen(ver) >= sizeof p[i].version)) {
			rc = err_set(ERR_FORMAT, "taxii: objects[%zu]: modified/created is not a timestamp", i);
			goto out;
		}
		for (size_t k = 0; id[k]; k++)
			p[i].key[k] = (char)tolower((unsigned char)id[k]);
		snprintf(p[i].id, sizeof p[i].id, "%s", id);
		p[i].type_len = (uint16_t)tl;
		if (ver)
			snprintf(p[i].version, sizeof p[i].version, "%s", ver);
		if (!(p[i].json = json_dumps(o, JSON_COMPACT))) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		p[i].len = strlen(p[i].json);
		bytes += p[i].len;
	}
	pthread_rwlock_wrlock(&s->lock);
	if (strmap_get(&s->sources, source) != NONE) {
		rc = err_set(ERR_CONFLICT, "taxii: %s was added already", source);
		goto unlock;
	}
	/* The first date this bundle may take (its time cut to the millisecond, or 1 ms after the store's last),
	   and n of them must fit before the year 10000: checked on that date, not only on the store's last one
	   (an empty store, or a bundle later than everything held, would otherwise run past 9999). */
	int64_t start = floordiv(time_us, TAXII_DATE_STEP_US) * TAXII_DATE_STEP_US;
	if (s->last_added != INT64_MIN && s->last_added >= start)
		start = s->last_added + TAXII_DATE_STEP_US; /* last_added <= TAXII_TIME_MAX_US: no overflow */
	if (n && start > TAXII_TIME_MAX_US - ((int64_t)n - 1) * TAXII_DATE_STEP_US) {
		rc = err_set(ERR_LIMIT, "taxii: no date_added left before the year 10000");
		goto unlock;
	}
	struct sender *snd = sender_of(s, source);
	if (!snd) {
		rc = err_set(ERR_USAGE, "taxii: no memory for the sender of %s, or its name is too long", source);
		goto unlock;
	}
	/* The sender's share: one counterpart filling the store would starve the others (docs/taxii.md, "Filters
	   and limits"). Its bundle is dropped whole and the source remembered, so it is not fetched again. Counted
	   with the bundle's objects before duplicates are skipped, as the store's own bound below. */
	size_t share_o = s->max_objects / s->senders, share_b = s->max_bytes / s->senders;
	if (snd->objects > share_o || n > share_o - snd->objects || snd->bytes > share_b || bytes > share_b - snd->bytes) {
		rc = strmap_put(&s->sources, source, 0);
		if (!rc) {
			s->dropped++;
			int dn = snprintf(s->drop, sizeof s->drop, "%.64s: %zu objects (%zu bytes) dropped: ", source, n, bytes);
			if (dn > 0 && (size_t)dn < sizeof s->drop)
				snprintf(s->drop + dn, sizeof s->drop - (size_t)dn,
					 "%.63s holds %zu objects (%zu bytes) of its share of %zu (%zu bytes)", snd->name,
					 snd->objects, snd->bytes, share_o, share_b);
		}
		goto unlock;
	}
	if (n > s->max_objects - s->nobjs || bytes > s->max_bytes - s->bytes) {
		rc = err_set(ERR_LIMIT, "taxii: the store would hold more than %zu objects or %zu MiB", s->max_objects,
			     s->max_bytes >> 20);
		goto unlock;
	}
	if (s->nobjs + n > s->capobjs) {
		size_t cap = s->capobjs ? s->capobjs : 1024;
		while (cap < s->nobjs + n)
			cap *= 2;
		struct tobj *no = realloc(s->objs, cap * sizeof *no);
		if (!no) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto unlock;
		}
		s->objs = no;
		s->capobjs = cap;
	}
	if (s->nids + n > s->capids) {
		size_t cap = s->capids ? s->capids : 1024;
		while (cap < s->nids + n)
			cap *= 2;
		struct idrec *ni = realloc(s->ids, cap * sizeof *ni);
		if (!ni) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto unlock;
		}
		s->ids = ni;
		s->capids = cap;
	}
	/* Commit. */
	size_t nobjs0 = s->nobjs, nids0 = s->nids, conflicts0 = s->conflicts;
	int64_t last0 = s->last_added;
	for (i = 0; i < n && !rc; i++) {
		int64_t base = floordiv(time_us, TAXII_DATE_STEP_US) * TAXII_DATE_STEP_US;
		int64_t t = s->last_added == INT64_MIN || base > s->last_added ? base : s->last_added + TAXII_DATE_STEP_US;
		char ver[32];
		if (p[i].version[0])
			snprintf(ver, sizeof ver, "%s", p[i].version);
		else
			taxii_time_format(t, ver);
		/* an object without modified/created (an SCO: its id is derived from its value) is held once */
		char vk[32];
		version_key(p[i].version, vk);
		snprintf(vkey, sizeof vkey, "%s\n%s", p[i].key, vk);
		uint32_t held = strmap_get(&s->vermap, vkey);
		if (held != NONE) {
			/* the same object again is skipped; other content under a held (id, version) too (no telling
			   which is true: the first stays), but counted and named, not dropped in silence */
			if (!same_value(s->objs[held].json, p[i].json)) {
				s->conflicts++;
				snprintf(s->conflict, sizeof s->conflict, "%.*s at %s", 120, p[i].id,
					 p[i].version[0] ? p[i].version : "(no version)");
			}
			continue;
		}
		uint32_t r = strmap_get(&s->idmap, p[i].key), oi = (uint32_t)s->nobjs;
		if (r == NONE) {
			r = (uint32_t)s->nids;
			if (!(s->ids[r].id = strdup(p[i].id))) {
				rc = err_set(ERR_NOMEM, "out of memory");
				break;
			}
			if ((rc = strmap_put(&s->idmap, p[i].key, r))) {
				free(s->ids[r].id);
				break;
			}
			s->ids[r].latest = s->ids[r].earliest = oi;
			s->nids++;
		}
		if ((rc = strmap_put(&s->vermap, vkey, oi)))
			break;
		struct tobj *ob = &s->objs[oi];
		ob->json = p[i].json;
		ob->len = p[i].len;
		ob->added = t;
		ob->idrec = r;
		ob->type_len = p[i].type_len;
		ob->versioned = p[i].version[0] != 0;
		memcpy(ob->version, ver, sizeof ver);
		if (oi != s->ids[r].latest && stix_timestamp_cmp(ver, s->objs[s->ids[r].latest].version) > 0)
			s->ids[r].latest = oi;
		if (oi != s->ids[r].earliest && stix_timestamp_cmp(ver, s->objs[s->ids[r].earliest].version) < 0)
			s->ids[r].earliest = oi;
		p[i].json = NULL;
		s->nobjs++;
		s->bytes += ob->len;
		fresh_bytes += ob->len;
		s->last_added = t;
		if (!fresh++)
			first = t;
	}
	if (!rc)
		rc = strmap_put(&s->sources, source, 0);
	if (!rc) {
		snd->objects += fresh;
		snd->bytes += fresh_bytes;
	}
	if (rc) { /* out of memory half way: take back what was added (records of older ids stay right: only
		     objects at or after nobjs0 are removed, and latest/earliest are recomputed for the ids touched) */
		for (size_t k = s->nobjs; k-- > nobjs0;) {
			struct tobj *ob = &s->objs[k];
			snprintf(vkey, sizeof vkey, "%s", s->ids[ob->idrec].id);
			for (char *c = vkey; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			size_t kl = strlen(vkey);
			char vk[32];
			version_key(ob->versioned ? ob->version : "", vk);
			snprintf(vkey + kl, sizeof vkey - kl, "\n%s", vk);
			strmap_del(&s->vermap, vkey);
			s->bytes -= ob->len;
			free(ob->json);
		}
		for (size_t k = nids0; k < s->nids; k++) {
			char key[ID_MAX + 1];
			snprintf(key, sizeof key, "%s", s->ids[k].id);
			for (char *c = key; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			strmap_del(&s->idmap, key);
			free(s->ids[k].id);
		}
		s->nobjs = nobjs0;
		s->nids = nids0;
		s->conflicts = conflicts0;
		s->last_added = last0;
		for (size_t k = 0; k < nids0; k++) {
			struct idrec *ir = &s->ids[k];
			if (ir->latest >= nobjs0 || ir->earliest >= nobjs0) {
				ir->latest = ir->earliest = NONE;
				for (size_t j = 0; j < nobjs0; j++)
					if (s->objs[j].idrec == k) {
						if (ir->latest == NONE ||
						    stix_timestamp_cmp(s->objs[j].version, s->objs[ir->latest].version) > 0)
							ir->latest = (uint32_t)j;
						if (ir->earliest == NONE ||
						    stix_timestamp_cmp(s->objs[j].version, s->objs[ir->earliest].version) < 0)
							ir->earliest = (uint32_t)j;
					}
			}
		}
		fresh = 0;
	}
unlock:
	pthread_rwlock_unlock(&s->lock);
out:
	for (i = 0; i < n; i++)
		free(p[i].json);
	free(p);
	if (!rc && added)
		*added = fresh;
	if (first_added)
		*first_added = rc ? 0 : first;
	return rc;
}

/* ---- the query ---- */

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Percent-decodes p[0..n) into out (room for n+1); printable ASCII only. Returns the length or -1. */
static long pct_decode(const char *p, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		int c = (unsigned char)p[i];
		if (c == '%') {
			int h, l;
			if (i + 2 >= n || (h = hexval(p[i + 1])) < 0 || (l = hexval(p[i + 2])) < 0)
				return -1;
			c = h * 16 + l;
			i += 2;
		}
		if (c < 0x21 || c > 0x7e)
			return -1;
		out[o++] = (char)c;
	}
	out[o] = 0;
	return (long)o;
}

static int split_list(char *v, const char *name, const char **list, size_t *n, int (*ok)(const char *))
{
	*n = 0;
	for (char *p = v;;) {
		char *c = strchr(p, ',');
		if (c)
			*c = 0;
		if (!*p)
			return err_set(ERR_FORMAT, "%s: an empty value in the list", name);
		if (!ok(p))
			return err_set(ERR_FORMAT, "%s: '%.80s' is not a valid value", name, p);
		if (*n == TAXII_MATCH_MAX)
			return err_set(ERR_LIMIT, "%s: more than %d values", name, TAXII_MATCH_MAX);
		list[(*n)++] = p;
		if (!c)
			return 0;
		p = c + 1;
	}
}

static int ok_id(const char *s)
{
	return stix_identifier_valid(s, NULL);
}

static int ok_type(const char *s)
{
	return stix_type_valid(s);
}

static int ok_version(const char *s)
{
	return !strcmp(s, "first") || !strcmp(s, "last") || !strcmp(s, "all") || stix_timestamp_valid(s, 0);
}

static int ok_spec(const char *s)
{
	size_t a = strspn(s, "0123456789");
	return a >= 1 && a <= 3 && s[a] == '.' && strspn(s + a + 1, "0123456789") >= 1 &&
	       strspn(s + a + 1, "0123456789") <= 3 && s[a + 1 + strspn(s + a + 1, "0123456789")] == 0;
}

int taxii_query_parse(const char *q, size_t len, struct taxii_query *out)
{
	memset(out, 0, offsetof(struct taxii_query, text));
	out->text[0] = 0;
	if (len > TAXII_QUERY_MAX)
		return err_set(ERR_LIMIT, "the query is longer than %d bytes", TAXII_QUERY_MAX);
	if (len == 0)
		return 0;
	if (!q || memchr(q, 0, len))
		return err_set(ERR_FORMAT, "the query holds a NUL byte");
	size_t used = 0;
	int seen[7] = {0};
	char name[TAXII_QUERY_MAX + 1];
	static const char *const names[] = {"added_after",       "limit",          "next",
					    "match[id]",         "match[type]",    "match[version]",
					    "match[spec_version]"};
	for (size_t i = 0; i <= len;) {
		size_t e = i;
		while (e < len && q[e] != '&')
			e++;
		const char *eq = memchr(q + i, '=', e - i);
		if (e == i)
			return err_set(ERR_FORMAT, "an empty parameter in the query");
		if (!eq)
			return err_set(ERR_FORMAT, "a parameter without '=' in the query");
		if (pct_decode(q + i, (size_t)(eq - (q + i)), name) <= 0)
			return err_set(ERR_FORMAT, "a parameter name is empty, not well-formed percent-encoding or not printable ASCII");
		char *v = out->text + used;
		long vl = pct_decode(eq + 1, (size_t)(q + e - eq - 1), v);
		int k = -1;
		for (int j = 0; j < 7; j++)
			if (!strcmp(name, names[j]))
				k = j;
		if (vl < 0)
			return err_set(ERR_FORMAT, "%s: not well-formed percent-encoding, or not printable ASCII",
				       k >= 0 ? names[k] : "a parameter");
		if (k >= 0) {
			if (seen[k]++)
				return err_set(ERR_FORMAT, "%s: given twice", names[k]);
			if (vl == 0)
				return err_set(ERR_FORMAT, "%s: empty", names[k]);
			used += (size_t)vl + 1;
			int rc = 0;
			uint64_t lim;
			switch (k) {
			case 0:
				if ((rc = taxii_time_parse(v, &out->added_after_us)))
					return err_set(rc, "added_after: %s", err_msg());
				out->has_added_after = 1;
				break;
			case 1:
				if (dec_u64(v, (size_t)vl, &lim) || lim == 0)
					return err_set(ERR_FORMAT, "limit: not a positive integer");
				out->limit = lim > TAXII_LIMIT_MAX ? TAXII_LIMIT_MAX : (size_t)lim;
				break;
			case 2:
				if ((rc = taxii_cursor_parse(v, (size_t)vl, &out->next_us)))
					return rc;
				out->has_next = 1;
				break;
			case 3:
				rc = split_list(v, names[k], out->ids, &out->nids, ok_id);
				break;
			case 4:
				rc = split_list(v, names[k], out->types, &out->ntypes, ok_type);
				break;
			case 5:
				rc = split_list(v, names[k], out->versions, &out->nversions, ok_version);
				break;
			default:
				rc = split_list(v, names[k], out->specs, &out->nspecs, ok_spec);
				break;
			}
			if (rc)
				return rc;
		}
		i = e + 1;
	}
	return 0;
}

/* ---- Accept and Authorization ---- */

/* memchr over [p, end), NULL when empty. */
static const char *find(const char *p, const char *end, char c)
{
	return p < end ? memchr(p, c, (size_t)(end - p)) : NULL;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static const char *trim_end(const char *b, const char *e)
{
	while (e > b && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	return e;
}

static int eq_ci(const char *a, size_t n, const char *lit)
{
	return strlen(lit) == n && !strncasecmp(a, lit, n);
}

/* One media range of an Accept header, p[0..end). */
static int range_ok(const char *p, const char *end)
{
	p = skip_ws(p, end);
	const char *semi = find(p, end, ';');
	const char *te = trim_end(p, semi ? semi : end);
	if (!eq_ci(p, (size_t)(te - p), "*/*") && !eq_ci(p, (size_t)(te - p), "application/*") &&
	    !eq_ci(p, (size_t)(te - p), "application/taxii+json"))
		return 0;
	int is_taxii = eq_ci(p, (size_t)(te - p), "application/taxii+json");
	while (semi) {
		p = skip_ws(semi + 1, end);
		semi = find(p, end, ';');
		const char *pe = trim_end(p, semi ? semi : end), *eq = find(p, pe, '=');
		if (!eq)
			return 0;
		const char *ne = trim_end(p, eq), *v = skip_ws(eq + 1, pe);
		size_t vl = (size_t)(pe - v);
		if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"')
			v++, vl -= 2;
		if (eq_ci(p, (size_t)(ne - p), "q")) {
			/* q=0, 0., 0.0, 0.00, 0.000: not acceptable */
			size_t z = 2;
			while (z < vl && v[z] == '0')
				z++;
			if (vl >= 1 && v[0] == '0' && (vl == 1 || (v[1] == '.' && z == vl)))
				return 0;
		} else if (eq_ci(p, (size_t)(ne - p), "version")) {
			if (!is_taxii || !(vl == 3 && !memcmp(v, "2.1", 3)))
				return 0;
		}
	}
	return 1;
}

int taxii_accept_ok(const char *accept)
{
	if (!accept)
		return 1;
	const char *end = accept + strlen(accept), *p = skip_ws(accept, end);
	if (p == end)
		return 1;
	while (p <= end) {
		const char *c = find(p, end, ',');
		const char *re = c ? c : end;
		if (skip_ws(p, re) != re && range_ok(p, re))
			return 1;
		if (!c)
			break;
		p = c + 1;
	}
	return 0;
}

static int secret_ok(const struct taxii_store *s, const char *p, size_t n)
{
	uint8_t h[crypto_generichash_BYTES];
	crypto_generichash(h, sizeof h, (const uint8_t *)p, n, s->hash_key, sizeof s->hash_key);
	int ok = sodium_memcmp(h, s->secret_hash, sizeof h) == 0;
	return ok && s->has_secret && n > 0;
}

/* 1 if the Authorization header carries the secret: "Basic base64(user:secret)" or "Bearer secret". */
static int auth_ok(const struct taxii_store *s, const char *h)
{
	if (!h || !s->has_secret)
		return 0;
	size_t n = strlen(h);
	if (n > 2 * TAXII_SECRET_MAX + 512)
		return 0;
	const char *sp = memchr(h, ' ', n);
	if (!sp)
		return 0;
	const char *cred = sp;
	while (*cred == ' ')
		cred++;
	size_t cl = strlen(cred);
	while (cl && cred[cl - 1] == ' ')
		cl--;
	if (eq_ci(h, (size_t)(sp - h), "Bearer"))
		return secret_ok(s, cred, cl);
	if (!eq_ci(h, (size_t)(sp - h), "Basic"))
		return 0;
	uint8_t dec[2 * TAXII_SECRET_MAX + 512];
	size_t dl;
	if (b64_decode(dec, sizeof dec - 1, &dl, cred, cl))
		return 0;
	const uint8_t *colon = memchr(dec, ':', dl);
	int ok = colon && secret_ok(s, (const char *)colon + 1, dl - (size_t)(colon + 1 - dec));
	sodium_memzero(dec, sizeof dec);
	return ok;
}

int taxii_authorized(const struct taxii_store *s, const char *authorization)
{
	return auth_ok(s, authorization);
}

/* ---- answers ---- */

static void add_header(struct taxii_response *rs, const char *name, const char *value)
{
	if (rs->nheaders < TAXII_HEADERS_MAX) {
		snprintf(rs->headers[rs->nheaders].name, sizeof rs->headers[0].name, "%s", name);
		snprintf(rs->headers[rs->nheaders].value, sizeof rs->headers[0].value, "%s", value);
		rs->nheaders++;
	}
}

/* Sets the body to j (stolen), compact. */
static int answer_json(struct taxii_response *rs, int status, json_t *j)
{
	if (!j)
		return err_set(ERR_NOMEM, "out of memory");
	char *t = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	buf_reset(&rs->body);
	int rc = t ? buf_append_str(&rs->body, t) : err_set(ERR_NOMEM, "out of memory");
	free(t);
	rs->status = status;
	return rc;
}

static int answer_error(struct taxii_response *rs, int status, const char *title, const char *description)
{
	char st[8];
	snprintf(st, sizeof st, "%d", status);
	return answer_json(rs, status, json_pack("{s:s, s:s, s:s}", "title", title, "description", description,
						 "http_status", st));
}

static json_t *collection_json(const struct taxii_store *s)
{
	char title[192];
	snprintf(title, sizeof title, "Evidence received by %s", s->agency);
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", s->collection, "title", title, "description",
			 "The STIX 2.1 objects of the evidence bundles addressed to this agency through parley, "
			 "decrypted locally by its desk. Read-only.",
			 "can_read", 1, "can_write", 0, "media_types", TAXII_STIX_MEDIA);
}

enum view { V_OBJECTS, V_MANIFEST, V_VERSIONS };

/* First position whose date_added is > t. */
static size_t first_after(const struct taxii_store *s, int64_t t)
{
	size_t lo = 0, hi = s->nobjs;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (s->objs[mid].added <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct filter {
	uint32_t ids[TAXII_MATCH_MAX];   /* id records asked for (an unknown id matches nothing) */
	size_t nids;
	int by_id;
	int v_first, v_last, v_all;
	const char *stamps[TAXII_MATCH_MAX];  /* the timestamps of match[version], checked once per query */
	size_t nstamps;
};

static int matches(const struct taxii_store *s, const struct taxii_query *q, const struct filter *f, size_t i)
{
	const struct tobj *o = &s->objs[i];
	if (f->by_id) {
		size_t k;
		for (k = 0; k < f->nids && f->ids[k] != o->idrec; k++)
			;
		if (k == f->nids)
			return 0;
	}
	if (q->ntypes) {
		size_t k;
		for (k = 0; k < q->ntypes; k++)
			if (strlen(q->types[k]) == o->type_len && !memcmp(q->types[k], s->ids[o->idrec].id, o->type_len))
				break;
		if (k == q->ntypes)
			return 0;
	}
	if (q->nspecs) {
		size_t k;
		for (k = 0; k < q->nspecs && strcmp(q->specs[k], "2.1") != 0; k++)
			;
		if (k == q->nspecs)
			return 0;
	}
	if (f->v_all)
		return 1;
	if (f->v_last && s->ids[o->idrec].latest == i)
		return 1;
	if (f->v_first && s->ids[o->idrec].earliest == i)
		return 1;
	for (size_t k = 0; k < f->nstamps; k++)
		if (!memcmp(f->stamps[k], o->version, 19) && stix_timestamp_cmp(f->stamps[k], o->version) == 0)
			return 1;
	return 0;
}

static int page(struct taxii_store *s, const struct taxii_query *q, struct filter *f, enum view v,
		struct taxii_response *rs)
{
	for (size_t k = 0; k < q->nversions; k++) {
		f->v_first |= !strcmp(q->versions[k], "first");
		f->v_last |= !strcmp(q->versions[k], "last");
		f->v_all |= !strcmp(q->versions[k], "all");
		if (stix_timestamp_valid(q->versions[k], 0)) /* checked here once, not once per object */
			f->stamps[f->nstamps++] = q->versions[k];
	}
	if (!q->nversions) {
		f->v_last = v != V_VERSIONS;
		f->v_all = v == V_VERSIONS;
	}
	int64_t after = INT64_MIN;
	if (q->has_added_after)
		after = q->added_after_us;
	if (q->has_next && q->next_us > after)
		after = q->next_us;
	size_t limit = q->limit ? q->limit : TAXII_LIMIT_DEFAULT, count = 0, first = 0, last = 0;
	int more = 0, rc = 0;
	struct buf *b = &rs->body;
	buf_reset(b);
	rc = buf_append_str(b, v == V_VERSIONS ? "{\"versions\":[" : "{\"objects\":[");
	for (size_t i = first_after(s, after); i < s->nobjs && !rc; i++) {
		if (!matches(s, q, f, i))
			continue;
		const struct tobj *o = &s->objs[i];
		if (count == limit || (count && b->len + o->len > TAXII_PAGE_BYTES)) {
			more = 1;
			break;
		}
		if (count)
			rc = buf_append_byte(b, ',');
		if (rc)
			break;
		char da[32];
		taxii_time_format(o->added, da);
		if (v == V_OBJECTS) {
			rc = buf_append(b, o->json, o->len);
		} else if (v == V_VERSIONS) {
			rc = buf_printf(b, "\"%s\"", o->version);
		} else {
			json_t *m = json_pack("{s:s, s:s, s:s, s:s}", "id", s->ids[o->idrec].id, "date_added", da,
					      "version", o->version, "media_type", TAXII_STIX_MEDIA);
			char *t = m ? json_dumps(m, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
			rc = t ? buf_append_str(b, t) : err_set(ERR_NOMEM, "out of memory");
			free(t);
			json_decref(m);
		}
		if (!count)
			first = i;
		last = i;
		count++;
	}
	if (rc)
		return rc;
	if (!count) { /* nothing: an empty list (clients such as OpenCTI's older ingesters read .objects.length) */
		rc = buf_append_str(b, "],\"more\":false}");
	} else {
		char cur[24], t1[32], t2[32];
		taxii_cursor_format(s->objs[last].added, cur);
		rc = more ? buf_printf(b, "],\"more\":true,\"next\":\"%s\"}", cur) : buf_append_str(b, "],\"more\":false}");
		taxii_time_format(s->objs[first].added, t1);
		taxii_time_format(s->objs[last].added, t2);
		add_header(rs, "X-TAXII-Date-Added-First", t1);
		add_header(rs, "X-TAXII-Date-Added-Last", t2);
	}
	rs->status = 200;
	return rc;
}

/* The routes under the collection: rest is what follows ".../collections/<id>/". */
static int collection_route(struct taxii_store *s, const char *rest, const char *query, struct taxii_response *rs)
{
	struct taxii_query *q = malloc(sizeof *q);
	struct filter f;
	enum view v;
	char id[ID_MAX + 1];
	int rc;
	memset(&f, 0, sizeof f);
	if (!q)
		return err_set(ERR_NOMEM, "out of memory");
	if (!*rest) {
		rc = answer_json(rs, 200, collection_json(s));
		goto out;
	}
	if (!strcmp(rest, "objects/")) {
		v = V_OBJECTS;
	} else if (!strcmp(rest, "manifest/")) {
		v = V_MANIFEST;
	} else if (!strncmp(rest, "objects/", 8)) {
		const char *p = rest + 8, *sl = strchr(p, '/');
		size_t n = sl ? (size_t)(sl - p) : 0;
		if (!sl || n > ID_MAX || (strcmp(sl, "/") && strcmp(sl, "/versions/"))) {
			rc = answer_error(rs, 404, "Not found", "no such resource under the collection");
			goto out;
		}
		memcpy(id, p, n);
		id[n] = 0;
		for (char *c = id; *c; c++)
			*c = (char)tolower((unsigned char)*c);
		v = strcmp(sl, "/") ? V_VERSIONS : V_OBJECTS;
		f.by_id = 1;
		f.nids = 1;
		if (!stix_identifier_valid(id, NULL) || (f.ids[0] = strmap_get(&s->idmap, id)) == NONE) {
			rc = answer_error(rs, 404, "Not found", "the collection holds no object with that id");
			goto out;
		}
	} else {
		rc = answer_error(rs, 404, "Not found", "no such resource under the collection");
		goto out;
	}
	if ((rc = taxii_query_parse(query, query ? strlen(query) : 0, q))) {
		if (rc == ERR_NOMEM)
			goto out;
		rc = answer_error(rs, 400, "Bad request", err_msg());
		goto out;
	}
	if (f.by_id && (q->nids || (v == V_VERSIONS && (q->ntypes || q->nversions)))) {
		rc = answer_error(rs, 400, "Bad request",
				  v == V_VERSIONS ? "the versions of an object take no match[id], match[type] or match[version]"
						  : "the object's id is in the path: no match[id]");
		goto out;
	}
	if (!f.by_id && q->nids) {
		f.by_id = 1;
		for (size_t k = 0; k < q->nids; k++) {
			char low[ID_MAX + 1];
			snprintf(low, sizeof low, "%s", q->ids[k]);
			for (char *c = low; *c; c++)
				*c = (char)tolower((unsigned char)*c);
			uint32_t r = strmap_get(&s->idmap, low);
			if (r != NONE)
				f.ids[f.nids++] = r;
		}
	}
	rc = page(s, q, &f, v, rs);
out:
	free(q);
	return rc;
}

static int route(struct taxii_store *s, const char *path, const char *query, struct taxii_response *rs)
{
	char url[sizeof s->base + 32];
	if (!strcmp(path, TAXII_DISCOVERY)) {
		char title[192];
		snprintf(title, sizeof title, "parley desk of %s", s->agency);
		snprintf(url, sizeof url, "%s%s", s->base, TAXII_ROOT);
		return answer_json(rs, 200,
				   json_pack("{s:s, s:s, s:s, s:[s]}", "title", title, "description",
					     "Evidence received through parley, served read-only by the agency's desk.",
					     "default", url, "api_roots", url));
	}
	if (strncmp(path, TAXII_ROOT, strlen(TAXII_ROOT)) != 0)
		return answer_error(rs, 404, "Not found", "no such resource: the API root is " TAXII_ROOT);
	const char *rest = path + strlen(TAXII_ROOT);
	if (!*rest) {
		char title[192];
		snprintf(title, sizeof title, "Evidence received by %s", s->agency);
		return answer_json(rs, 200,
				   json_pack("{s:s, s:s, s:[s], s:i}", "title", title, "description",
					     "One read-only collection: the STIX objects of the evidence the agency received.",
					     "versions", TAXII_MEDIA, "max_content_length", 0));
	}
	if (!strcmp(rest, "collections/"))
		return answer_json(rs, 200, json_pack("{s:[o]}", "collections", collection_json(s)));
	if (!strncmp(rest, "collections/", 12)) {
		const char *c = rest + 12;
		if (!strncmp(c, s->collection, 36) && c[36] == '/')
			return collection_route(s, c + 37, query, rs);
		return answer_error(rs, 404, "Not found", "no such collection");
	}
	return answer_error(rs, 404, "Not found", "no such resource under the API root");
}

int taxii_handle(struct taxii_store *s, const struct taxii_request *rq, struct taxii_response *rs)
{
	memset(rs, 0, sizeof *rs);
	buf_init(&rs->body, (size_t)64 << 20);
	rs->content_type = TAXII_MEDIA;
	int rc;
	if (!auth_ok(s, rq->authorization)) {
		add_header(rs, "WWW-Authenticate", "Basic realm=\"parley TAXII\", charset=\"UTF-8\"");
		add_header(rs, "WWW-Authenticate", "Bearer realm=\"parley TAXII\"");
		rc = answer_error(rs, 401, "Unauthorized",
				  rq->authorization ? "wrong credentials" : "credentials required (HTTP basic or bearer)");
	} else if (!rq->method || strcmp(rq->method, "GET") != 0) {
		add_header(rs, "Allow", "GET");
		rc = answer_error(rs, 405, "Method not allowed", "this TAXII server is read-only: GET only");
	} else if (!taxii_accept_ok(rq->accept)) {
		rc = answer_error(rs, 406, "Not acceptable", "this server answers only " TAXII_MEDIA);
	} else if (!rq->path) {
		rc = answer_error(rs, 404, "Not found", "no path");
	} else {
		pthread_rwlock_rdlock(&s->lock);
		rc = route(s, rq->path, rq->query, rs);
		pthread_rwlock_unlock(&s->lock);
	}
	if (rc) {
		rs->status = 500;
		buf_reset(&rs->body);
	}
	return rc;
}

void taxii_response_release(struct taxii_response *rs)
{
	buf_release(&rs->body);
}
