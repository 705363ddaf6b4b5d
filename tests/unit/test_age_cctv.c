/*
 * test_age_cctv — runs every C2SP CCTV age vector in $TESTDATA/age (default
 * ../shared/testdata/age, relative to the repository root) and checks the
 * exact outcome: success with the payload's SHA-256, or the failure kind
 * (header, HMAC, no match, payload, armor). For failures that carry a payload
 * hash, the plaintext released before the failure must match it too. Prints
 * one PASS/FAIL line per vector; vectors for the ML-KEM hybrid recipient type
 * (not implemented) are reported as SKIP.
 */
#include "base/buf.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/age.h"

#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define VECTOR_MAX (64u << 20)
#define MAX_KEYS 8

struct vector {
	char expect[32];
	char payload[65];
	int has_payload, armored, zlib;
	char *identity[MAX_KEYS];
	size_t nidentity;
	char *passphrase[MAX_KEYS];
	size_t npassphrase;
	const uint8_t *body;
	size_t body_len;
};

static int hash_sink(void *ctx, const uint8_t *p, size_t n)
{
	crypto_hash_sha256_update(ctx, p, n);
	return 0;
}

/* Splits "key: value" lines up to the first empty line. 0 or -1 if malformed. */
static int parse_vector(char *text, size_t n, struct vector *v)
{
	size_t pos = 0;
	memset(v, 0, sizeof *v);
	while (pos < n) {
		char *line = text + pos, *lf = memchr(line, '\n', n - pos);
		if (!lf)
			return -1;
		*lf = 0;
		pos = (size_t)(lf - text) + 1;
		if (*line == 0) {
			v->body = (const uint8_t *)text + pos;
			v->body_len = n - pos;
			return v->expect[0] ? 0 : -1;
		}
		char *val = strstr(line, ": ");
		if (!val)
			return -1;
		*val = 0;
		val += 2;
		if (!strcmp(line, "expect"))
			snprintf(v->expect, sizeof v->expect, "%s", val);
		else if (!strcmp(line, "payload"))
			v->has_payload = snprintf(v->payload, sizeof v->payload, "%s", val) == 64;
		else if (!strcmp(line, "identity") && v->nidentity < MAX_KEYS)
			v->identity[v->nidentity++] = val;
		else if (!strcmp(line, "passphrase") && v->npassphrase < MAX_KEYS)
			v->passphrase[v->npassphrase++] = val;
		else if (!strcmp(line, "armored"))
			v->armored = !strcmp(val, "yes");
		else if (!strcmp(line, "compressed"))
			v->zlib = !strcmp(val, "zlib");
	}
	return -1;
}

static int inflate_all(const uint8_t *in, size_t n, struct buf *out)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	if (inflateInit(&z) != Z_OK)
		return -1;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)n;
	int zrc = Z_OK;
	while (zrc == Z_OK) {
		if (buf_reserve(out, 1 << 16) != 0)
			break;
		z.next_out = out->data + out->len;
		z.avail_out = 1 << 16;
		zrc = inflate(&z, Z_NO_FLUSH);
		out->len += (1 << 16) - z.avail_out;
	}
	inflateEnd(&z);
	return zrc == Z_STREAM_END ? 0 : -1;
}

/* Runs one vector; returns 1 pass, 0 fail, -1 skipped. Writes the reason into why. */
static int run_vector(const char *path, char *why, size_t whysz)
{
	struct buf file, plain;
	struct vector v;
	struct age_identity ids[2 * MAX_KEYS];
	size_t nids = 0;
	int result = 0;
	buf_init(&file, VECTOR_MAX);
	buf_init(&plain, VECTOR_MAX);
	memset(ids, 0, sizeof ids);
	if (file_read(path, VECTOR_MAX, &file) != 0 || parse_vector((char *)file.data, file.len, &v) != 0) {
		snprintf(why, whysz, "cannot read or parse the vector: %s", err_msg());
		goto out;
	}
	for (size_t i = 0; i < v.nidentity; i++) {
		if (!strncmp(v.identity[i], "AGE-SECRET-KEY-PQ-", 18)) {
			snprintf(why, whysz, "recipient type hybrid not implemented");
			result = -1;
			goto out;
		}
		if (age_identity_decode(&ids[nids++], v.identity[i], strlen(v.identity[i])) != 0) {
			snprintf(why, whysz, "bad identity in vector: %s", err_msg());
			goto out;
		}
	}
	for (size_t i = 0; i < v.npassphrase; i++)
		age_identity_passphrase(&ids[nids++], v.passphrase[i], strlen(v.passphrase[i]), 0);
	const uint8_t *body = v.body;
	size_t body_len = v.body_len;
	if (v.zlib) {
		if (inflate_all(v.body, v.body_len, &plain) != 0) {
			snprintf(why, whysz, "zlib inflate failed");
			goto out;
		}
		body = plain.data;
		body_len = plain.len;
	}
	crypto_hash_sha256_state st;
	crypto_hash_sha256_init(&st);
	struct age_mem_source m;
	struct age_source in;
	struct age_sink sink = {hash_sink, &st};
	age_source_mem(&in, &m, body, body_len);
	int rc = age_decrypt(&in, &sink, ids, nids);
	const char *got = rc == 0 ? "success" : age_err_kind(rc);
	if (!got || strcmp(got, v.expect) != 0) {
		snprintf(why, whysz, "expected %s, got %s (rc %d): %s", v.expect, got ? got : "other error", rc,
			 err_msg());
		goto out;
	}
	if (v.has_payload) {
		uint8_t digest[32];
		char hex[65];
		crypto_hash_sha256_final(&st, digest);
		hex_encode(hex, digest, sizeof digest);
		if (strcmp(hex, v.payload) != 0) {
			snprintf(why, whysz, "released plaintext has SHA-256 %s, expected %s", hex, v.payload);
			goto out;
		}
	}
	result = 1;
out:
	for (size_t i = 0; i < nids; i++)
		age_identity_free(&ids[i]);
	buf_release(&file);
	buf_release(&plain);
	return result;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
	const char *td = getenv("TESTDATA");
	char dir[4096], path[8192], why[1200];
	char *names[1024];
	size_t n = 0;
	int failed = 0;
	snprintf(dir, sizeof dir, "%s/age", td && *td ? td : "../shared/testdata");
	DIR *d = opendir(dir);
	if (!d) {
		printf("FAIL test_age_cctv:open: cannot open %s\n", dir);
		return 1;
	}
	for (struct dirent *e; (e = readdir(d)) && n < 1024;)
		if (e->d_name[0] != '.' && strcmp(e->d_name, "README.md") != 0)
			names[n++] = strdup(e->d_name);
	closedir(d);
	qsort(names, n, sizeof names[0], cmp_names);
	if (n == 0) {
		printf("FAIL test_age_cctv:open: no vectors in %s\n", dir);
		return 1;
	}
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		why[0] = 0;
		int r = run_vector(path, why, sizeof why);
		if (r > 0) {
			printf("PASS test_age_cctv:%s\n", names[i]);
		} else if (r < 0) {
			printf("SKIP test_age_cctv:%s: %s\n", names[i], why);
		} else {
			printf("FAIL test_age_cctv:%s: %s\n", names[i], why);
			fprintf(stderr, "  %s: %s\n", names[i], why);
			failed++;
		}
		free(names[i]);
	}
	return failed ? 1 : 0;
}
