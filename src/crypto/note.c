#include "crypto/note.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/utf8.h"
#include "crypto/sha256.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char em_dash_space[] = "\xE2\x80\x94 "; /* U+2014 then U+0020 */
#define SIG_PREFIX_LEN 4

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

/* Unicode White_Space code points (the ASCII ones are also control or space). */
static int is_unicode_space(uint32_t cp)
{
	return cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
	       (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 ||
	       cp == 0x202F || cp == 0x205F || cp == 0x3000 || (cp >= 0x09 && cp <= 0x0D);
}

int note_name_valid(const char *name, size_t len)
{
	if (len == 0 || len > NOTE_NAME_MAX)
		return 0;
	if (utf8_text_invalid_at(name, len) != len)
		return 0;
	const unsigned char *s = (const unsigned char *)name;
	for (size_t i = 0; i < len;) {
		uint32_t cp = s[i];
		size_t n = 1;
		if (cp >= 0x80) {
			n = cp >= 0xF0 ? 4 : cp >= 0xE0 ? 3 : 2;
			cp &= 0x3Fu >> (n - 1);
			for (size_t k = 1; k < n; k++)
				cp = cp << 6 | (s[i + k] & 0x3F);
		}
		if (cp == '+' || cp == '\n' || is_unicode_space(cp))
			return 0;
		i += n;
	}
	return 1;
}

uint32_t note_key_id(const char *name, uint8_t type, const uint8_t pub[32])
{
	struct sha256_ctx c;
	uint8_t h[SHA256_LEN];
	sha256_init(&c);
	sha256_update(&c, name, strlen(name));
	sha256_update(&c, "\n", 1);
	sha256_update(&c, &type, 1);
	sha256_update(&c, pub, 32);
	sha256_final(&c, h);
	return be32(h);
}

static int type_supported(uint8_t t)
{
	return t == NOTE_ED25519 || t == NOTE_COSIGNATURE;
}

/* Splits "name+hash+key": names have no '+', the hash is 8 hex digits, the base64 key may hold '+'. */
static int split_key(const char *s, size_t len, size_t *name_len, const char **hash, const char **key, size_t *key_len)
{
	const char *p1 = memchr(s, '+', len);
	if (!p1 || (size_t)(s + len - p1) < 10 || p1[9] != '+')
		return err_set(ERR_FORMAT, "key must have the form name+hash+key with an 8-digit hex hash");
	*name_len = (size_t)(p1 - s);
	*hash = p1 + 1;
	*key = p1 + 10;
	*key_len = len - (size_t)(p1 + 10 - s);
	return 0;
}

int note_verifier_parse(struct note_verifier *v, const char *s, size_t len)
{
	size_t name_len, key_len;
	const char *hash, *key;
	uint8_t raw[64], idb[4];
	size_t raw_len;
	memset(v, 0, sizeof *v);
	int rc = split_key(s, len, &name_len, &hash, &key, &key_len);
	if (rc)
		return err_wrap(rc, "verifier key");
	if (!note_name_valid(s, name_len))
		return err_set(ERR_FORMAT, "verifier key: invalid key name");
	if (hex_decode(idb, 4, hash, 8))
		return err_set(ERR_FORMAT, "verifier key: key hash is not 8 lowercase hex digits");
	if (b64_decode(raw, sizeof raw, &raw_len, key, key_len))
		return err_set(ERR_FORMAT, "verifier key: key is not canonical base64");
	if (raw_len != 33 || !type_supported(raw[0]))
		return err_set(ERR_FORMAT, "verifier key: unsupported key type or length (want Ed25519 0x01 or cosignature 0x04)");
	memcpy(v->name, s, name_len);
	v->name[name_len] = 0;
	v->type = raw[0];
	memcpy(v->pub, raw + 1, 32);
	v->id = note_key_id(v->name, v->type, v->pub);
	if (v->id != be32(idb))
		return err_set(ERR_FORMAT, "verifier key: key hash does not match the key");
	return 0;
}

void note_verifier_format(const struct note_verifier *v, char *out, size_t outsz)
{
	uint8_t raw[33];
	char b64[64];
	raw[0] = v->type;
	memcpy(raw + 1, v->pub, 32);
	b64_encode(b64, raw, sizeof raw);
	snprintf(out, outsz, "%s+%08" PRIx32 "+%s", v->name, v->id, b64);
}

void note_verifier_from_signer(struct note_verifier *v, const struct note_signer *s, uint8_t type)
{
	memset(v, 0, sizeof *v);
	memcpy(v->name, s->name, sizeof v->name);
	v->type = type;
	memcpy(v->pub, s->pub, 32);
	v->id = note_key_id(v->name, type, v->pub);
}

static int signer_from_seed(struct note_signer *s, const char *name, uint8_t type, const uint8_t seed[32])
{
	memset(s, 0, sizeof *s);
	if (!note_name_valid(name, strlen(name)))
		return err_set(ERR_USAGE, "invalid key name '%s' (non-empty, no spaces, no '+', at most %d bytes)",
			       name, NOTE_NAME_MAX);
	if (!type_supported(type))
		return err_set(ERR_USAGE, "unsupported key type %u", type);
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	s->sk = sodium_malloc(crypto_sign_SECRETKEYBYTES);
	if (!s->sk)
		return err_set(ERR_NOMEM, "out of secure memory");
	crypto_sign_seed_keypair(s->pub, s->sk, seed);
	snprintf(s->name, sizeof s->name, "%s", name);
	s->type = type;
	s->id = note_key_id(s->name, type, s->pub);
	return 0;
}

int note_signer_generate(struct note_signer *s, const char *name, uint8_t type)
{
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	uint8_t *seed = sodium_malloc(32);
	if (!seed)
		return err_set(ERR_NOMEM, "out of secure memory");
	randombytes_buf(seed, 32);
	int rc = signer_from_seed(s, name, type, seed);
	sodium_free(seed);
	return rc;
}

int note_signer_parse(struct note_signer *s, const char *text, size_t len)
{
	static const char prefix[] = "PRIVATE+KEY+";
	size_t name_len, key_len, raw_len;
	const char *hash, *key;
	uint8_t idb[4];
	char name[NOTE_NAME_MAX + 1];
	memset(s, 0, sizeof *s);
	if (len < sizeof prefix - 1 || memcmp(text, prefix, sizeof prefix - 1) != 0)
		return err_set(ERR_FORMAT, "secret key must start with PRIVATE+KEY+");
	text += sizeof prefix - 1;
	len -= sizeof prefix - 1;
	int rc = split_key(text, len, &name_len, &hash, &key, &key_len);
	if (rc)
		return err_wrap(rc, "secret key");
	if (!note_name_valid(text, name_len))
		return err_set(ERR_FORMAT, "secret key: invalid key name");
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	memcpy(name, text, name_len);
	name[name_len] = 0;
	if (hex_decode(idb, 4, hash, 8))
		return err_set(ERR_FORMAT, "secret key: key hash is not 8 lowercase hex digits");
	uint8_t *raw = sodium_malloc(64);
	if (!raw)
		return err_set(ERR_NOMEM, "out of secure memory");
	rc = b64_decode(raw, 64, &raw_len, key, key_len);
	if (rc || raw_len != 33 || !type_supported(raw[0])) {
		sodium_free(raw);
		return err_set(ERR_FORMAT, "secret key: not a base64 Ed25519 seed of a supported type");
	}
	rc = signer_from_seed(s, name, raw[0], raw + 1);
	sodium_free(raw);
	if (rc)
		return rc;
	if (s->id != be32(idb)) {
		note_signer_release(s);
		return err_set(ERR_FORMAT, "secret key: key hash does not match the key");
	}
	return 0;
}

char *note_signer_format(const struct note_signer *s)
{
	size_t cap = 12 + NOTE_NAME_MAX + 1 + 8 + 1 + 48 + 1;
	if (sodium_init() < 0)
		return NULL;
	char *out = sodium_malloc(cap);
	uint8_t *raw = sodium_malloc(33);
	char *b64 = sodium_malloc(48);
	if (!out || !raw || !b64) {
		sodium_free(out), sodium_free(raw), sodium_free(b64);
		return NULL;
	}
	raw[0] = s->type;
	memcpy(raw + 1, s->sk, 32); /* libsodium's secret key starts with the seed */
	b64_encode(b64, raw, 33);
	snprintf(out, cap, "PRIVATE+KEY+%s+%08" PRIx32 "+%s", s->name, s->id, b64);
	sodium_free(raw);
	sodium_free(b64);
	return out;
}

int note_signer_retype(struct note_signer *dst, const struct note_signer *src, uint8_t type)
{
	return signer_from_seed(dst, src->name, type, src->sk);
}

void note_signer_release(struct note_signer *s)
{
	if (s->sk)
		sodium_free(s->sk); /* sodium_free wipes the memory */
	s->sk = NULL;
}

int note_text_valid(const char *text, size_t len)
{
	if (len == 0 || text[len - 1] != '\n')
		return err_set(ERR_FORMAT, "note text must be non-empty and end with a newline");
	if (len > NOTE_MAX_SIZE)
		return err_set(ERR_LIMIT, "note text is larger than %u bytes", NOTE_MAX_SIZE);
	size_t bad = utf8_text_invalid_at(text, len);
	if (bad != len)
		return err_set(ERR_FORMAT, "note text has invalid UTF-8 or a control character at byte %zu", bad);
	return 0;
}

void note_release(struct note *n)
{
	free(n->data);
	free(n->sigbytes);
	free(n->names);
	memset(n, 0, sizeof *n);
}

/*
 * The checks every reader of a whole note starts with (size, UTF-8, the final
 * newline) and where its text ends: *sep is the index of the text's final
 * newline, the blank line after it separating the signatures (the last blank
 * line: a blank line inside the text is allowed).
 */
static int note_frame(const uint8_t *data, size_t len, size_t *sep)
{
	if (len > NOTE_MAX_SIZE)
		return err_set(ERR_LIMIT, "note is larger than %u bytes", NOTE_MAX_SIZE);
	size_t bad = utf8_text_invalid_at((const char *)data, len);
	if (bad != len)
		return err_set(ERR_FORMAT, "note has invalid UTF-8 or a control character at byte %zu", bad);
	if (len == 0 || data[len - 1] != '\n')
		return err_set(ERR_FORMAT, "note does not end with a newline");
	for (size_t i = len - 1; i-- > 0;)
		if (data[i] == '\n' && data[i + 1] == '\n') {
			*sep = i;
			return 0;
		}
	return err_set(ERR_FORMAT, "note has no blank line before its signatures");
}

int note_parse(struct note *n, const uint8_t *data, size_t len)
{
	memset(n, 0, sizeof *n);
	size_t sep;
	int frc = note_frame(data, len, &sep);
	if (frc)
		return frc;
	if (sep + 2 >= len)
		return err_set(ERR_FORMAT, "note has no signature lines");
	n->data = malloc(len + 1);
	n->sigbytes = malloc(len);
	n->names = malloc(len + NOTE_MAX_SIGS);
	if (!n->data || !n->sigbytes || !n->names) {
		note_release(n);
		return err_set(ERR_NOMEM, "out of memory");
	}
	memcpy(n->data, data, len);
	n->data[len] = 0;
	n->len = len;
	n->text_len = sep + 1;
	size_t used = 0, names_used = 0, line_no = 0;
	char *p = n->data + sep + 2, *end = n->data + len;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		line_no++;
		if (n->nsigs == NOTE_MAX_SIGS) {
			note_release(n);
			return err_set(ERR_LIMIT, "note has more than %d signatures", NOTE_MAX_SIGS);
		}
		if ((size_t)(nl - p) < 4 || memcmp(p, em_dash_space, 4) != 0) {
			note_release(n);
			return err_set(ERR_FORMAT, "signature line %zu does not start with an em dash and a space", line_no);
		}
		char *name = p + 4;
		char *sp = memchr(name, ' ', (size_t)(nl - name));
		if (!sp || !note_name_valid(name, (size_t)(sp - name))) {
			note_release(n);
			return err_set(ERR_FORMAT, "signature line %zu has no valid key name", line_no);
		}
		char *name_copy = n->names + names_used;
		memcpy(name_copy, name, (size_t)(sp - name));
		name_copy[sp - name] = 0;
		names_used += (size_t)(sp - name) + 1;
		size_t sig_len;
		uint8_t *dst = n->sigbytes + used;
		if (b64_decode(dst, NOTE_SIG_MAX, &sig_len, sp + 1, (size_t)(nl - sp - 1)) || sig_len < 5) {
			note_release(n);
			return err_set(ERR_FORMAT, "signature line %zu: signature is not canonical base64 of a key ID and a signature", line_no);
		}
		struct note_sig *sg = &n->sigs[n->nsigs++];
		sg->name = name_copy;
		sg->id = be32(dst);
		sg->sig = dst + SIG_PREFIX_LEN;
		sg->sig_len = sig_len - SIG_PREFIX_LEN;
		used += sig_len;
		p = nl + 1;
	}
	return 0;
}

/* The message a cosigner signs: "cosignature/v1\ntime T\n" || text. */
static uint8_t *cosign_message(const char *text, size_t text_len, uint64_t t, size_t *mlen)
{
	char head[64];
	int hl = snprintf(head, sizeof head, "cosignature/v1\ntime %" PRIu64 "\n", t);
	uint8_t *m = malloc((size_t)hl + text_len);
	if (!m)
		return NULL;
	memcpy(m, head, (size_t)hl);
	memcpy(m + hl, text, text_len);
	*mlen = (size_t)hl + text_len;
	return m;
}

static int verify_one(const struct note *n, const struct note_sig *sg, const struct note_verifier *v, uint64_t *t)
{
	if (v->type == NOTE_ED25519) {
		if (sg->sig_len != crypto_sign_BYTES)
			return ERR_VERIFY;
		return crypto_sign_verify_detached(sg->sig, (const uint8_t *)n->data, n->text_len, v->pub) ? ERR_VERIFY : 0;
	}
	if (sg->sig_len != 8 + crypto_sign_BYTES)
		return ERR_VERIFY;
	uint64_t ts = (uint64_t)be32(sg->sig) << 32 | be32(sg->sig + 4);
	if (ts > INT64_MAX)
		return ERR_VERIFY;
	size_t mlen;
	uint8_t *m = cosign_message(n->data, n->text_len, ts, &mlen);
	if (!m)
		return ERR_NOMEM;
	int bad = crypto_sign_verify_detached(sg->sig + 8, m, mlen, v->pub);
	free(m);
	if (bad)
		return ERR_VERIFY;
	*t = ts;
	return 0;
}

int note_verify_sig(const struct note *n, size_t i, const struct note_verifier *v, uint64_t *time)
{
	uint64_t t = 0;
	if (i >= n->nsigs || v->id != n->sigs[i].id || strcmp(v->name, n->sigs[i].name) != 0)
		return err_set(ERR_VERIFY, "signature line %zu is not by %s", i + 1, v->name);
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	int rc = verify_one(n, &n->sigs[i], v, &t);
	if (rc == ERR_NOMEM)
		return err_set(rc, "out of memory");
	if (rc)
		return err_set(ERR_VERIFY, "signature by %s does not verify", v->name);
	if (time)
		*time = t;
	return 0;
}

int note_check_sigs(const struct note *n, const struct note_verifier *vs, size_t nv, int *ok, uint64_t *times,
		    size_t *good_out)
{
	size_t good = 0;
	if (ok)
		memset(ok, 0, nv * sizeof *ok);
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	for (size_t i = 0; i < n->nsigs; i++) {
		const struct note_sig *sg = &n->sigs[i];
		for (size_t k = 0; k < nv; k++) {
			if (vs[k].id != sg->id || strcmp(vs[k].name, sg->name) != 0)
				continue;
			uint64_t t = 0;
			int rc = verify_one(n, sg, &vs[k], &t);
			if (rc == ERR_NOMEM)
				return err_set(rc, "out of memory");
			if (rc)
				return err_set(ERR_VERIFY, "signature by %s (key ID %08" PRIx32 ") does not verify",
					       sg->name, sg->id);
			good++;
			if (ok)
				ok[k] = 1;
			if (times)
				times[k] = t;
		}
	}
	*good_out = good;
	return 0;
}

int note_verify(const struct note *n, const struct note_verifier *vs, size_t nv, int *ok, uint64_t *times)
{
	size_t good;
	int rc = note_check_sigs(n, vs, nv, ok, times, &good);
	if (rc)
		return rc;
	if (!good) {
		if (nv == 1)
			return err_set(ERR_VERIFY, "note is not signed by %s+%08" PRIx32, vs[0].name, vs[0].id);
		return err_set(ERR_VERIFY, "note is not signed by any known key");
	}
	return 0;
}

int note_sign_line(struct buf *out, const char *text, size_t text_len, const struct note_signer *s, uint64_t timestamp)
{
	uint8_t raw[SIG_PREFIX_LEN + 8 + crypto_sign_BYTES];
	size_t raw_len;
	char b64[sizeof raw * 2];
	int rc = note_text_valid(text, text_len);
	if (rc)
		return rc;
	put_be32(raw, s->id);
	if (s->type == NOTE_ED25519) {
		crypto_sign_detached(raw + 4, NULL, (const uint8_t *)text, text_len, s->sk);
		raw_len = 4 + crypto_sign_BYTES;
	} else {
		if (timestamp > INT64_MAX)
			return err_set(ERR_USAGE, "cosignature timestamp out of range");
		size_t mlen;
		uint8_t *m = cosign_message(text, text_len, timestamp, &mlen);
		if (!m)
			return err_set(ERR_NOMEM, "out of memory");
		put_be32(raw + 4, (uint32_t)(timestamp >> 32));
		put_be32(raw + 8, (uint32_t)timestamp);
		crypto_sign_detached(raw + 12, NULL, m, mlen, s->sk);
		free(m);
		raw_len = 12 + crypto_sign_BYTES;
	}
	b64_encode(b64, raw, raw_len);
	if ((rc = buf_append_str(out, em_dash_space)) || (rc = buf_append_str(out, s->name)) ||
	    (rc = buf_append_byte(out, ' ')) || (rc = buf_append_str(out, b64)) ||
	    (rc = buf_append_byte(out, '\n')))
		return rc;
	return 0;
}

int note_sign(struct buf *out, const char *text, size_t text_len, const struct note_signer *signers,
	      size_t nsigners, uint64_t timestamp)
{
	int rc = note_text_valid(text, text_len);
	if (rc)
		return rc;
	if ((rc = buf_append(out, text, text_len)) || (rc = buf_append_byte(out, '\n')))
		return rc;
	for (size_t i = 0; i < nsigners; i++)
		if ((rc = note_sign_line(out, text, text_len, &signers[i], timestamp)))
			return rc;
	return 0;
}

/* A signature line chosen by note_select: where it is in the copy, and its timestamp. */
struct chosen {
	const char *line;
	size_t len;
	uint64_t t;
};

static void choose(struct chosen *c, const char *line, size_t len, uint64_t t, int later)
{
	if (!c->line || (later ? t > c->t : t < c->t)) {
		c->line = line;
		c->len = len;
		c->t = t;
	}
}

int note_select(struct buf *out, const uint8_t *data, size_t len, const struct note_verifier *vs, size_t nv,
		unsigned keep, int *ok, size_t *dropped)
{
	if (ok)
		memset(ok, 0, nv * sizeof *ok);
	size_t sep;
	int frc = note_frame(data, len, &sep);
	if (frc)
		return frc;
	int rc = note_text_valid((const char *)data, sep + 1);
	if (rc)
		return rc;
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	/* verify_one reads the text from a struct note: a private copy, NUL-terminated */
	struct note n = {0};
	struct chosen *first = calloc(nv ? nv : 1, sizeof *first), *last = calloc(nv ? nv : 1, sizeof *last);
	const char **emitted = calloc(2 * nv + 1, sizeof *emitted);
	uint8_t *raw = malloc(NOTE_SIG_MAX);
	n.data = malloc(len + 1);
	if (!n.data || !first || !last || !emitted || !raw) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	memcpy(n.data, data, len);
	n.data[len] = 0;
	n.len = len;
	n.text_len = sep + 1;
	for (char *p = n.data + sep + 2, *end = n.data + len; p < end;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = (size_t)(nl - p) + 1;
		char *line = p;
		p = nl + 1;
		char *name = line + 4, *sp = l > 4 ? memchr(name, ' ', (size_t)(nl - name)) : NULL;
		size_t raw_len;
		if (l <= 4 || memcmp(line, em_dash_space, 4) != 0 || !sp || !note_name_valid(name, (size_t)(sp - name)) ||
		    b64_decode(raw, NOTE_SIG_MAX, &raw_len, sp + 1, (size_t)(nl - sp - 1)) || raw_len < 5)
			continue;
		char nm[NOTE_NAME_MAX + 1];
		memcpy(nm, name, (size_t)(sp - name));
		nm[sp - name] = 0;
		struct note_sig sg = {nm, be32(raw), raw + SIG_PREFIX_LEN, raw_len - SIG_PREFIX_LEN};
		for (size_t k = 0; k < nv; k++) {
			uint64_t t = 0;
			if (vs[k].id != sg.id || strcmp(vs[k].name, nm) != 0)
				continue;
			int v = verify_one(&n, &sg, &vs[k], &t);
			if (v == ERR_NOMEM) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			if (v)
				continue;
			if (vs[k].type == NOTE_ED25519) {
				choose(&first[k], line, l, 0, 0);
				continue;
			}
			if (keep & NOTE_KEEP_EARLIEST)
				choose(&first[k], line, l, t, 0);
			if (keep & NOTE_KEEP_NEWEST)
				choose(&last[k], line, l, t, 1);
		}
	}
	size_t kept = 0, mark = out->len;
	rc = buf_append(out, n.data, n.text_len);
	if (!rc)
		rc = buf_append_byte(out, '\n');
	for (size_t k = 0; k < nv && !rc; k++) {
		const struct chosen *c[2] = {&first[k], &last[k]};
		for (int j = 0; j < 2 && !rc; j++) {
			if (!c[j]->line)
				continue;
			if (ok)
				ok[k] = 1;
			/* once each: a line may be both the earliest and the newest, or match two keys */
			int again = 0;
			for (size_t i = 0; i < kept && !again; i++)
				again = emitted[i] == c[j]->line;
			if (again)
				continue;
			emitted[kept++] = c[j]->line;
			rc = buf_append(out, c[j]->line, c[j]->len);
		}
	}
	if (!rc && !kept)
		rc = err_set(ERR_VERIFY, "no signature line verifies with a known key");
	if (rc) {
		out->len = mark;
		goto out;
	}
	if (dropped) { /* every line not kept: unknown, unparsable, failing, or a repeat not chosen */
		size_t total = 0;
		for (const char *p = n.data + sep + 2; p < n.data + len; p++)
			total += *p == '\n';
		*dropped = total - kept;
	}
out:
	free(n.data);
	free(first);
	free(last);
	free(emitted);
	free(raw);
	return rc;
}
