/*
 * libFuzzer target: keyfile_parse. A key file that parses must format back
 * (signing key and age identity) to a key file that parses to the same keys.
 */
#include "fuzz_common.h"
#include "crypto/keyfile.h"

#include <sodium.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct keyfile k, k2;
	if (size > KEYFILE_MAX_SIZE)
		return 0;
	int rc = keyfile_parse(&k, (const char *)data, size);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_USAGE);
	if (rc)
		return 0;
	FUZZ_ASSERT(k.sign.sk != NULL && k.sign.type == NOTE_ED25519);
	FUZZ_ASSERT(note_name_valid(k.sign.name, strlen(k.sign.name)));
	/* A key file needs both lines: the signing key and the age identity. */
	char *s = note_signer_format(&k.sign), id[AGE_IDENTITY_TEXT_MAX];
	FUZZ_ASSERT(s != NULL && age_identity_encode(&k.age, id) == 0);
	size_t sl = strlen(s), il = strlen(id);
	char *text = sodium_malloc(sl + il + 2);
	FUZZ_ASSERT(text != NULL);
	memcpy(text, s, sl);
	text[sl] = '\n';
	memcpy(text + sl + 1, id, il);
	text[sl + 1 + il] = '\n';
	FUZZ_ASSERT(keyfile_parse(&k2, text, sl + il + 2) == 0);
	sodium_free(text);
	sodium_memzero(id, sizeof id);
	FUZZ_ASSERT(strcmp(k.sign.name, k2.sign.name) == 0 && k.sign.id == k2.sign.id);
	FUZZ_ASSERT(memcmp(k.sign.pub, k2.sign.pub, 32) == 0);
	struct age_recipient r1, r2;
	FUZZ_ASSERT(age_recipient_from_identity(&r1, &k.age) == 0 && age_recipient_from_identity(&r2, &k2.age) == 0);
	FUZZ_ASSERT(memcmp(r1.pk, r2.pk, 32) == 0);
	/* The verifier key string of the same key parses too. */
	struct note_verifier v, v2;
	char vs[512];
	note_verifier_from_signer(&v, &k.sign, NOTE_ED25519);
	note_verifier_format(&v, vs, sizeof vs);
	FUZZ_ASSERT(note_verifier_parse(&v2, vs, strlen(vs)) == 0 && v2.id == v.id);
	sodium_free(s);
	keyfile_release(&k2);
	keyfile_release(&k);
	return 0;
}
