/* age_keys — X25519 and scrypt recipients: key encodings, identity files, stanza wrap/unwrap. */
#include "crypto/age_internal.h"
#include "crypto/bech32.h"
#include "base/enc.h"
#include "base/err.h"
#include "crypto/secret.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define X25519_INFO "age-encryption.org/v1/X25519"
#define SCRYPT_LABEL "age-encryption.org/v1/scrypt"
#define IDENTITY_HRP "age-secret-key-"
#define RECIPIENT_HRP "age"
#define IDENTITY_FILE_MAX 65536

static const uint8_t zero_nonce[crypto_aead_chacha20poly1305_ietf_NPUBBYTES];

static EVP_KDF *hkdf_kdf;
static pthread_once_t hkdf_once = PTHREAD_ONCE_INIT;

static void hkdf_fetch(void)
{
	hkdf_kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
}

int age_hkdf(uint8_t out[32], const uint8_t *ikm, size_t ikm_len, const uint8_t *salt, size_t salt_len,
	     const char *info)
{
	pthread_once(&hkdf_once, hkdf_fetch);
	if (!hkdf_kdf)
		return err_set(ERR_NOMEM, "OpenSSL has no HKDF");
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(hkdf_kdf);
	if (!ctx)
		return err_set(ERR_NOMEM, "out of memory (HKDF)");
	OSSL_PARAM params[5], *p = params;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ikm, ikm_len);
	/* An absent salt is HashLen zero bytes, the same HMAC key as an empty salt (RFC 5869). */
	if (salt_len)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	int rc = EVP_KDF_derive(ctx, out, 32, params) == 1 ? 0 : err_set(ERR_NOMEM, "HKDF-SHA-256 failed");
	EVP_KDF_CTX_free(ctx);
	return rc;
}

/* ---- keys ---- */

int age_identity_from_secret(struct age_identity *id, const uint8_t sk[AGE_KEY_LEN])
{
	memset(id, 0, sizeof *id);
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	id->sk = sodium_malloc(AGE_KEY_LEN);
	if (!id->sk)
		return err_set(ERR_NOMEM, "out of memory (secure)");
	memcpy(id->sk, sk, AGE_KEY_LEN);
	id->type = AGE_TYPE_X25519;
	return 0;
}

int age_identity_generate(struct age_identity *id)
{
	int rc = age_identity_from_secret(id, (const uint8_t[AGE_KEY_LEN]){0});
	if (!rc)
		randombytes_buf(id->sk, AGE_KEY_LEN);
	return rc;
}

void age_identity_passphrase(struct age_identity *id, const char *pass, size_t n, int max_work_factor)
{
	memset(id, 0, sizeof *id);
	id->type = AGE_TYPE_SCRYPT;
	id->passphrase = pass;
	id->passphrase_len = n;
	id->max_work_factor = max_work_factor;
}

void age_identity_free(struct age_identity *id)
{
	if (id->sk)
		sodium_free(id->sk);
	memset(id, 0, sizeof *id);
}

/* Case of the letters in s[0..n): 1 all lower (or none), 2 all upper, 3 mixed. */
static int letter_case(const char *s, size_t n)
{
	int c = 0;
	for (size_t i = 0; i < n; i++) {
		c |= s[i] >= 'a' && s[i] <= 'z' ? 1 : 0;
		c |= s[i] >= 'A' && s[i] <= 'Z' ? 2 : 0;
	}
	return c ? c : 1;
}

static int decode_key(const char *s, size_t n, const char *want_hrp, uint8_t out[AGE_KEY_LEN],
		      const char *what)
{
	char hrp[32];
	size_t got = 0;
	if (bech32_decode(s, n, hrp, sizeof hrp, out, AGE_KEY_LEN, &got) != 0)
		return err_wrap(ERR_FORMAT, "%s", what);
	if (strcmp(hrp, want_hrp) != 0)
		return err_set(ERR_FORMAT, "%s: unsupported type \"%s\"", what, hrp);
	if (got != AGE_KEY_LEN)
		return err_set(ERR_FORMAT, "%s: key is %zu bytes, not 32", what, got);
	return 0;
}

int age_identity_decode(struct age_identity *id, const char *s, size_t n)
{
	uint8_t *tmp = age_secret_get();
	int rc = 0;
	memset(id, 0, sizeof *id);
	if (!tmp)
		return ERR_NOMEM;
	if (letter_case(s, n) != 2) {
		rc = err_set(ERR_FORMAT, "identity: must be uppercase AGE-SECRET-KEY-1...");
		goto out;
	}
	if ((rc = decode_key(s, n, IDENTITY_HRP, tmp, "identity")) != 0)
		goto out;
	rc = age_identity_from_secret(id, tmp);
out:
	age_secret_put(tmp);
	return rc;
}

int age_identity_encode(const struct age_identity *id, char out[AGE_IDENTITY_TEXT_MAX])
{
	if (id->type != AGE_TYPE_X25519 || !id->sk)
		return err_set(ERR_USAGE, "only X25519 identities have a text form");
	return bech32_encode(out, AGE_IDENTITY_TEXT_MAX, IDENTITY_HRP, id->sk, AGE_KEY_LEN, 1);
}

int age_recipient_from_identity(struct age_recipient *r, const struct age_identity *id)
{
	memset(r, 0, sizeof *r);
	if (id->type == AGE_TYPE_SCRYPT) {
		age_recipient_passphrase(r, id->passphrase, id->passphrase_len, 0);
		return 0;
	}
	if (id->type != AGE_TYPE_X25519 || !id->sk)
		return err_set(ERR_USAGE, "unknown identity type");
	if (sodium_init() < 0)
		return err_set(ERR_NOMEM, "libsodium failed to initialise");
	r->type = AGE_TYPE_X25519;
	crypto_scalarmult_base(r->pk, id->sk);
	return 0;
}

int age_recipient_decode(struct age_recipient *r, const char *s, size_t n)
{
	memset(r, 0, sizeof *r);
	if (letter_case(s, n) != 1)
		return err_set(ERR_FORMAT, "recipient: must be lowercase age1...");
	int rc = decode_key(s, n, RECIPIENT_HRP, r->pk, "recipient");
	if (!rc)
		r->type = AGE_TYPE_X25519;
	return rc;
}

int age_recipient_encode(const struct age_recipient *r, char out[AGE_RECIPIENT_TEXT_MAX])
{
	if (r->type != AGE_TYPE_X25519)
		return err_set(ERR_USAGE, "only X25519 recipients have a text form");
	return bech32_encode(out, AGE_RECIPIENT_TEXT_MAX, RECIPIENT_HRP, r->pk, AGE_KEY_LEN, 0);
}

void age_recipient_passphrase(struct age_recipient *r, const char *pass, size_t n, int work_factor)
{
	memset(r, 0, sizeof *r);
	r->type = AGE_TYPE_SCRYPT;
	r->passphrase = pass;
	r->passphrase_len = n;
	r->work_factor = work_factor;
}

/* ---- identity files ---- */

void age_identities_free(struct age_identity *ids, size_t count)
{
	for (size_t i = 0; ids && i < count; i++)
		age_identity_free(&ids[i]);
	free(ids);
}

int age_identities_parse(const char *text, size_t n, struct age_identity **ids, size_t *count)
{
	struct age_identity *v = NULL;
	size_t nv = 0, cap = 0, lineno = 0;
	int rc = 0;
	for (size_t pos = 0; pos < n;) {
		const char *lf = memchr(text + pos, '\n', n - pos);
		size_t len = lf ? (size_t)(lf - (text + pos)) : n - pos;
		const char *line = text + pos;
		pos += len + 1;
		lineno++;
		if (len == 0 || line[0] == '#')
			continue;
		if (nv == cap) {
			size_t ncap = cap ? cap * 2 : 4;
			struct age_identity *nvv = realloc(v, ncap * sizeof *nvv);
			if (!nvv) {
				rc = err_set(ERR_NOMEM, "out of memory");
				goto out;
			}
			v = nvv;
			cap = ncap;
		}
		if (len < 16 || memcmp(line, "AGE-SECRET-KEY-1", 16) != 0) {
			rc = err_set(ERR_FORMAT, "identity file line %zu: not an AGE-SECRET-KEY-1... identity",
				     lineno);
			goto out;
		}
		if ((rc = age_identity_decode(&v[nv], line, len)) != 0) {
			rc = err_wrap(rc, "identity file line %zu", lineno);
			goto out;
		}
		nv++;
	}
	if (nv == 0)
		rc = err_set(ERR_FORMAT, "identity file holds no identity");
out:
	if (rc) {
		age_identities_free(v, nv);
		v = NULL;
		nv = 0;
	}
	*ids = v;
	*count = nv;
	return rc;
}

int age_identities_load(const char *path, struct age_identity **ids, size_t *count)
{
	struct secret_text t;
	*ids = NULL;
	*count = 0;
	/* Straight into wiped memory, no stdio (crypto/secret.h). */
	int rc = secret_read_file(path, IDENTITY_FILE_MAX, &t);
	if (rc == ERR_LIMIT)
		rc = err_set(ERR_LIMIT, "%s: identity file larger than %d bytes", path, IDENTITY_FILE_MAX);
	else if (!rc && memchr(t.data, 0, t.len))
		rc = err_set(ERR_FORMAT, "%s: identity file contains a NUL byte", path);
	else if (!rc && (rc = age_identities_parse(t.data, t.len, ids, count)) != 0)
		rc = err_wrap(rc, "%s", path);
	secret_text_free(&t);
	return rc;
}

/* ---- stanzas ---- */

#define SECRET_POOL 8

static _Thread_local void *secret_pool[SECRET_POOL];
static _Thread_local size_t secret_pooled;

void *age_secret_get(void)
{
	if (secret_pooled)
		return secret_pool[--secret_pooled];
	void *p = sodium_init() < 0 ? NULL : sodium_malloc(AGE_SECRET_BLOCK);
	if (!p)
		err_set(ERR_NOMEM, "out of memory (secure)");
	return p;
}

void age_secret_put(void *p)
{
	if (!p)
		return;
	sodium_memzero(p, AGE_SECRET_BLOCK);
	if (secret_pooled < SECRET_POOL)
		secret_pool[secret_pooled++] = p;
	else
		sodium_free(p);
}

/* Secret scratch space for one wrap or unwrap (an age_secret_get() block). */
struct wrap_secrets {
	uint8_t esk[32];
	uint8_t shared[32];
	uint8_t wrap_key[32];
	uint8_t file_key[AGE_FILE_KEY_LEN];
};
_Static_assert(sizeof(struct wrap_secrets) <= AGE_SECRET_BLOCK, "wrap_secrets fits a secret block");

static int scrypt_key(uint8_t key[32], const char *pass, size_t pass_len, const uint8_t salt[16], int log_n)
{
	uint8_t s[sizeof SCRYPT_LABEL - 1 + 16];
	memcpy(s, SCRYPT_LABEL, sizeof SCRYPT_LABEL - 1);
	memcpy(s + sizeof SCRYPT_LABEL - 1, salt, 16);
	if (crypto_pwhash_scryptsalsa208sha256_ll((const uint8_t *)pass, pass_len, s, sizeof s, (uint64_t)1 << log_n,
						  8, 1, key, 32) != 0)
		return err_set(ERR_NOMEM, "scrypt with work factor %d failed (out of memory?)", log_n);
	return 0;
}

int age_stanza_wrap(struct buf *out, const struct age_recipient *r, const uint8_t file_key[AGE_FILE_KEY_LEN])
{
	struct wrap_secrets *k = age_secret_get();
	uint8_t body[AGE_FILE_KEY_LEN + AGE_TAG_LEN], share[32], salt[64];
	char arg1[48], arg2[8];
	const char *args[3];
	size_t nargs;
	int rc = 0;
	if (!k)
		return ERR_NOMEM;
	if (r->type == AGE_TYPE_X25519) {
		randombytes_buf(k->esk, sizeof k->esk);
		crypto_scalarmult_base(share, k->esk);
		if (crypto_scalarmult(k->shared, k->esk, r->pk) != 0) {
			rc = err_set(ERR_USAGE, "recipient public key is a low-order point");
			goto out;
		}
		memcpy(salt, share, 32);
		memcpy(salt + 32, r->pk, 32);
		if ((rc = age_hkdf(k->wrap_key, k->shared, 32, salt, 64, X25519_INFO)) != 0)
			goto out;
		b64_encode_nopad(arg1, share, 32);
		args[0] = "X25519";
		args[1] = arg1;
		nargs = 2;
	} else if (r->type == AGE_TYPE_SCRYPT) {
		int wf = r->work_factor ? r->work_factor : AGE_SCRYPT_DEFAULT_WORK_FACTOR;
		if (wf < 1 || wf > 30) {
			rc = err_set(ERR_USAGE, "scrypt work factor %d out of range 1..30", wf);
			goto out;
		}
		randombytes_buf(salt, 16);
		if ((rc = scrypt_key(k->wrap_key, r->passphrase, r->passphrase_len, salt, wf)) != 0)
			goto out;
		b64_encode_nopad(arg1, salt, 16);
		snprintf(arg2, sizeof arg2, "%d", wf);
		args[0] = "scrypt";
		args[1] = arg1;
		args[2] = arg2;
		nargs = 3;
	} else {
		rc = err_set(ERR_USAGE, "unknown recipient type");
		goto out;
	}
	crypto_aead_chacha20poly1305_ietf_encrypt(body, NULL, file_key, AGE_FILE_KEY_LEN, NULL, 0, NULL, zero_nonce,
						  k->wrap_key);
	rc = age_stanza_write(out, args, nargs, body, sizeof body);
out:
	age_secret_put(k);
	return rc;
}

/* Decrypts a 32-byte stanza body with the wrap key; 0 or AGE_ERR_NO_MATCH. */
static int open_body(struct wrap_secrets *k, const struct age_stanza *s)
{
	if (crypto_aead_chacha20poly1305_ietf_decrypt(k->file_key, NULL, NULL, s->body, s->body_len, NULL, 0,
						      zero_nonce, k->wrap_key) != 0)
		return AGE_ERR_NO_MATCH;
	return 0;
}

static int unwrap_x25519(const struct age_header *h, const struct age_identity *id, struct wrap_secrets *k)
{
	uint8_t pk[32], salt[64];
	size_t got;
	crypto_scalarmult_base(pk, id->sk);
	for (size_t i = 0; i < h->n; i++) {
		const struct age_stanza *s = &h->stanzas[i];
		if (!age_stanza_arg_is(s, 0, "X25519"))
			continue;
		/* age_header_parse checked the share is canonical base64 of 32 bytes. */
		if (b64_decode_nopad(salt, 32, &got, s->arg[1], s->arglen[1]) != 0)
			return err_set(AGE_ERR_HEADER, "stanza %zu: bad X25519 share", i + 1);
		if (crypto_scalarmult(k->shared, id->sk, salt) != 0)
			return err_set(AGE_ERR_HEADER, "stanza %zu: X25519 share gives an all-zero shared secret",
				       i + 1);
		memcpy(salt + 32, pk, 32);
		int rc = age_hkdf(k->wrap_key, k->shared, 32, salt, 64, X25519_INFO);
		if (rc)
			return rc;
		if (open_body(k, s) == 0)
			return 0;
	}
	return AGE_ERR_NO_MATCH;
}

static int unwrap_scrypt(const struct age_header *h, const struct age_identity *id, struct wrap_secrets *k)
{
	const struct age_stanza *s = &h->stanzas[0];
	uint8_t salt[16];
	size_t got;
	/* age_header_parse made sure an scrypt stanza is alone and well-formed. */
	if (h->n != 1 || !age_stanza_arg_is(s, 0, "scrypt"))
		return AGE_ERR_NO_MATCH;
	int max = id->max_work_factor ? id->max_work_factor : AGE_SCRYPT_MAX_WORK_FACTOR;
	int wf = s->arg[2][0] - '0';
	if (s->arglen[2] == 2)
		wf = wf * 10 + (s->arg[2][1] - '0');
	if (wf > max)
		return err_set(AGE_ERR_HEADER, "scrypt work factor %d is above the limit of %d", wf, max);
	if (b64_decode_nopad(salt, sizeof salt, &got, s->arg[1], s->arglen[1]) != 0)
		return err_set(AGE_ERR_HEADER, "bad scrypt salt");
	int rc = scrypt_key(k->wrap_key, id->passphrase, id->passphrase_len, salt, wf);
	if (rc)
		return rc;
	return open_body(k, s);
}

int age_stanza_unwrap(const struct age_header *h, const struct age_identity *id,
		      uint8_t file_key[AGE_FILE_KEY_LEN])
{
	struct wrap_secrets *k = age_secret_get();
	int rc;
	if (!k)
		return ERR_NOMEM;
	if (id->type == AGE_TYPE_X25519 && id->sk)
		rc = unwrap_x25519(h, id, k);
	else if (id->type == AGE_TYPE_SCRYPT)
		rc = unwrap_scrypt(h, id, k);
	else
		rc = err_set(ERR_USAGE, "unknown identity type");
	if (rc == 0)
		memcpy(file_key, k->file_key, AGE_FILE_KEY_LEN);
	age_secret_put(k);
	return rc;
}
