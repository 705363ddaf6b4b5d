/*
 * sha256 — SHA-256 through OpenSSL's libcrypto, which uses the CPU's SHA
 * instructions (about 4x faster than libsodium 1.0.18 on the reference
 * machine). Uses the direct SHA256_* interface: for the 65-byte inputs of
 * Merkle tree nodes the EVP layer's per-call overhead would dominate.
 */
#ifndef PARLEY_SHA256_H
#define PARLEY_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_LEN 32

struct sha256_ctx {
	/* Opaque storage large enough for OpenSSL's SHA256_CTX (112 bytes). */
	uint64_t opaque[16];
};

void sha256(const void *data, size_t len, uint8_t out[SHA256_LEN]);
void sha256_init(struct sha256_ctx *c);
void sha256_update(struct sha256_ctx *c, const void *data, size_t len);
void sha256_final(struct sha256_ctx *c, uint8_t out[SHA256_LEN]);

#endif
