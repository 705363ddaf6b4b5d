/*
 * bench_taxii — paging STIX objects through the TAXII 2.1 API root
 * (src/desk/taxii.h), next to serialising the same objects with jansson.
 *
 *   bench_taxii [N [ROUNDS]]
 *
 * Builds a store of N STIX 2.1 objects (default 100,000: indicators,
 * malware, infrastructure and ipv4-addr SCOs of the shape evidence carries,
 * ≈ 330 bytes each, in bundles of 10). Then ROUNDS times (default 3),
 * alternating which side goes first:
 *
 *   taxii_objects_per_s      a client walking the collection's objects/ to
 *                            the end, following `next` with limit=1000 (the
 *                            maximum): every request through taxii_handle()
 *                            (credentials, Accept, routing, query, the page)
 *   serialize_objects_per_s  json_dumps (compact) of each of the same N
 *                            objects into one buffer: the least any server
 *                            holding jansson objects does to answer
 *   taxii_ratio_vs_serialize taxii_objects_per_s / serialize_objects_per_s
 *
 * Rates are over the sum of the rounds. A comment gives the default-limit
 * (100) walk and the store's build time. Exits 2 if a walk misses or
 * repeats an object.
 */
#include "clock.h"

#include "base/err.h"
#include "desk/taxii.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "bench-secret-0123456789abcdef"

static void die(const char *what)
{
	fprintf(stderr, "bench_taxii: %s: %s\n", what, err_msg());
	exit(2);
}

static json_t *object(unsigned i)
{
	char id[96];
	static const char *types[] = {"indicator", "malware", "infrastructure", "ipv4-addr"};
	const char *type = types[i % 4];
	snprintf(id, sizeof id, "%s--%08x-%04x-4%03x-8%03x-%012x", type, i, i >> 16, i & 0xfff, (i * 7) & 0xfff,
		 i * 2654435761u);
	if (i % 4 == 3) {
		char ip[32];
		snprintf(ip, sizeof ip, "198.51.%u.%u", (i >> 8) & 255, i & 255);
		return json_pack("{s:s, s:s, s:s, s:s}", "type", type, "spec_version", "2.1", "id", id, "value", ip);
	}
	char pattern[96], name[64];
	snprintf(pattern, sizeof pattern, "[ipv4-addr:value = '198.51.%u.%u']", (i >> 8) & 255, i & 255);
	snprintf(name, sizeof name, "%s %u", type, i);
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:i}", "type", type, "spec_version", "2.1",
			      "id", id, "created", "2026-01-01T00:00:00.000Z", "modified", "2026-01-02T00:00:00.000Z",
			      "name", name, "description", "Observed in the case's evidence; see the request body.",
			      "labels", "case-evidence", "confidence", 80);
	if (i % 4 == 0) {
		json_object_set_new(o, "pattern", json_string(pattern));
		json_object_set_new(o, "pattern_type", json_string("stix"));
		json_object_set_new(o, "valid_from", json_string("2026-01-01T00:00:00Z"));
	} else if (i % 4 == 1) {
		json_object_set_new(o, "is_family", json_false());
	}
	return o;
}

/* Walks objects/ to the end following next, with limit (0: the default); returns the objects seen. */
static size_t walk(struct taxii_store *s, const char *path, unsigned limit)
{
	char q[64], next[32] = "";
	size_t got = 0;
	for (;;) {
		int l = limit ? snprintf(q, sizeof q, "limit=%u", limit) : 0;
		if (next[0])
			snprintf(q + l, sizeof q - (size_t)l, "%snext=%s", l ? "&" : "", next);
		else if (!l)
			q[0] = 0;
		struct taxii_request rq = {"GET", path, q, TAXII_MEDIA, "Bearer " SECRET};
		struct taxii_response rs;
		if (taxii_handle(s, &rq, &rs) || rs.status != 200)
			die("taxii_handle");
		/* the client's part, kept small: count the objects and find "next" */
		const char *b = (const char *)rs.body.data, *p = b;
		while ((p = strstr(p, "{\"type\":")))
			got++, p++;
		const char *nx = strstr(b + (rs.body.len > 64 ? rs.body.len - 64 : 0), "\"next\":\"");
		if (nx)
			snprintf(next, sizeof next, "%.*s", (int)strcspn(nx + 8, "\""), nx + 8);
		taxii_response_release(&rs);
		if (!nx)
			break;
	}
	return got;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	int rounds = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 3;
	if (n < 10 || rounds < 1)
		return fprintf(stderr, "usage: bench_taxii [N>=10 [ROUNDS]]\n"), 2;
	static const unsigned char chan[32] = {42};
	struct taxii_store *s;
	if (taxii_store_new(&s, chan, "ru.gp", "http://127.0.0.1:8443", SECRET))
		die("taxii_store_new");
	json_t **objs = calloc(n, sizeof *objs);
	if (!objs)
		return fprintf(stderr, "out of memory\n"), 2;
	double t0 = now();
	for (size_t i = 0; i < n; i += 10) {
		json_t *arr = json_array();
		for (size_t k = i; k < i + 10 && k < n; k++) {
			objs[k] = object((unsigned)k);
			json_array_append(arr, objs[k]);
		}
		json_t *b = json_pack("{s:s, s:s, s:o}", "type", "bundle", "id",
				      "bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8", "objects", arr);
		char src[32];
		snprintf(src, sizeof src, "p/%zu", i / 10);
		if (taxii_store_add_bundle(s, b, 1767225600000000LL + (int64_t)(i / 10) * 1000000, src, NULL, NULL))
			die("taxii_store_add_bundle");
		json_decref(b);
	}
	double build = now() - t0;
	if (taxii_store_count(s) != n)
		return fprintf(stderr, "bench_taxii: the store holds %zu objects, not %zu\n", taxii_store_count(s), n), 2;
	char cid[37], path[128];
	taxii_store_collection_id(s, cid);
	snprintf(path, sizeof path, TAXII_ROOT "collections/%s/objects/", cid);

	double t_taxii = 0, t_ser = 0, c_taxii = 0, c_ser = 0;
	size_t bytes = 0;
	for (int r = 0; r < rounds; r++) {
		for (int side = 0; side < 2; side++) {
			int taxii = (side == 0) == (r % 2 == 0);
			double w = now(), c = cpu_seconds();
			if (taxii) {
				size_t got = walk(s, path, TAXII_LIMIT_MAX);
				if (got != n)
					return fprintf(stderr, "bench_taxii: the walk saw %zu objects, not %zu\n", got, n), 2;
				t_taxii += now() - w;
				c_taxii += cpu_seconds() - c;
			} else {
				char *out = NULL;
				size_t len = 0, cap = 0;
				for (size_t i = 0; i < n; i++) {
					char *t = json_dumps(objs[i], JSON_COMPACT);
					size_t l = t ? strlen(t) : 0;
					if (!t)
						return fprintf(stderr, "out of memory\n"), 2;
					if (len + l + 1 > cap) {
						cap = (len + l + 1) * 2;
						char *no = realloc(out, cap);
						if (!no)
							return fprintf(stderr, "out of memory\n"), 2;
						out = no;
					}
					memcpy(out + len, t, l);
					len += l;
					out[len++] = ',';
					free(t);
				}
				bytes = len;
				free(out);
				t_ser += now() - w;
				c_ser += cpu_seconds() - c;
			}
		}
	}
	double w = now();
	size_t got = walk(s, path, 0);
	double t_default = now() - w;
	if (got != n)
		return fprintf(stderr, "bench_taxii: the default-limit walk saw %zu objects\n", got), 2;
	double taxii_rate = (double)n * rounds / t_taxii, ser_rate = (double)n * rounds / t_ser;
	printf("# bench_taxii: %zu STIX objects (%.0f bytes each on average), %d rounds; store built in %.2f s\n", n,
	       (double)bytes / (double)n, rounds, build);
	printf("# CPU per object: taxii %.2f us, serialize %.2f us; default limit (100) walk: %.0f objects/s\n",
	       c_taxii / ((double)n * rounds) * 1e6, c_ser / ((double)n * rounds) * 1e6, (double)n / t_default);
	printf("taxii_objects_per_s=%.0f\n", taxii_rate);
	printf("serialize_objects_per_s=%.0f\n", ser_rate);
	printf("taxii_ratio_vs_serialize=%.3f\n", taxii_rate / ser_rate);
	for (size_t i = 0; i < n; i++)
		json_decref(objs[i]);
	free(objs);
	taxii_store_free(s);
	return 0;
}
