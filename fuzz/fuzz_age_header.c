/*
 * fuzz_age_header — the age header parser, the armor reader and the whole
 * decryption path on arbitrary input. The input is decrypted with a fixed
 * X25519 identity (the one of the CCTV vectors) and the passphrase "password"
 * (work factor at most 10, to keep runs fast). Any outcome is fine except a
 * crash, a sanitizer report, or a success whose checks disagree.
 */
#include "crypto/age_internal.h"
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

#define IDENTITY "AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct age_identity ids[2];
	static int ready;
	if (!ready) {
		if (age_identity_decode(&ids[0], IDENTITY, strlen(IDENTITY)) != 0)
			abort();
		age_identity_passphrase(&ids[1], "password", 8, 10);
		ready = 1;
	}
	struct age_header h;
	if (age_header_parse(data, size, &h) == 0) {
		if (h.n == 0 || h.mac_len >= size)
			abort();
		age_header_free(&h);
	}
	struct buf out;
	buf_init(&out, 1 << 20);
	int rc = age_decrypt_buf(data, size, ids, 2, &out);
	if (rc != 0 && out.len != 0)
		abort(); /* nothing may be released by the buffer API on failure */
	buf_release(&out);
	return 0;
}
