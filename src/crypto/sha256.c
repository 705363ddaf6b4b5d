/* The SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, but
 * remain supported; they avoid EVP's per-call dispatch on tiny inputs. */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "crypto/sha256.h"

#include <openssl/sha.h>

_Static_assert(sizeof(SHA256_CTX) <= sizeof(struct sha256_ctx), "sha256_ctx too small");

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN])
{
	SHA256_CTX c;
	SHA256_Init(&c);
	SHA256_Update(&c, data, len);
	SHA256_Final(out, &c);
}

void sha256_init(struct sha256_ctx *c)
{
	SHA256_Init((SHA256_CTX *)c);
}

void sha256_update(struct sha256_ctx *c, const void *data, size_t len)
{
	SHA256_Update((SHA256_CTX *)c, data, len);
}

void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_LEN])
{
	SHA256_Final(out, (SHA256_CTX *)c);
}
