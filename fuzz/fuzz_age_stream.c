/*
 * fuzz_age_stream — the STREAM payload and the armor writer/reader.
 * The first input byte selects the mode:
 *   0: the rest is a plaintext: encrypt (binary or armored, bit 1 of byte 0)
 *      and decrypt again; the result must equal the plaintext.
 *   1: the rest is a payload appended to a fixed valid header and nonce
 *      (made once at start-up): decryption must fail or succeed cleanly,
 *      and released plaintext is bounded by the input.
 */
#include "crypto/age.h"
#include "base/buf.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct age_identity id;
static struct age_recipient rcp;
static struct buf prefix; /* header + nonce of an encryption of "" */

static void setup(void)
{
	struct buf ct;
	if (age_identity_generate(&id) != 0 || age_recipient_from_identity(&rcp, &id) != 0)
		abort();
	buf_init(&ct, 4096);
	buf_init(&prefix, 1 << 22);
	if (age_encrypt_buf("", 0, &rcp, 1, 0, &ct) != 0)
		abort();
	/* Drop the single empty final chunk (its 16-byte tag). */
	if (buf_append(&prefix, ct.data, ct.len - 16) != 0)
		abort();
	buf_release(&ct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int ready;
	if (!ready) {
		setup();
		ready = 1;
	}
	if (size == 0)
		return 0;
	struct buf ct, pt;
	buf_init(&ct, 1 << 22);
	buf_init(&pt, 1 << 22);
	if ((data[0] & 1) == 0) {
		int armor = (data[0] >> 1) & 1;
		if (age_encrypt_buf(data + 1, size - 1, &rcp, 1, armor, &ct) != 0)
			abort();
		if (age_decrypt_buf(ct.data, ct.len, &id, 1, &pt) != 0)
			abort();
		if (pt.len != size - 1 || (pt.len && memcmp(pt.data, data + 1, pt.len) != 0))
			abort();
	} else {
		size_t keep = prefix.len;
		if (buf_append(&prefix, data + 1, size - 1) != 0)
			abort();
		int rc = age_decrypt_buf(prefix.data, prefix.len, &id, 1, &pt);
		if ((rc != 0 && pt.len != 0) || pt.len > size)
			abort();
		prefix.len = keep;
	}
	buf_release(&ct);
	buf_release(&pt);
	return 0;
}
