/*
 * libFuzzer target: charter_parse on arbitrary bytes. Whatever parses obeys
 * the documented limits; its canonical text parses again as a draft to the
 * same charter (same id, same members); and charter_sign with either fixed
 * node key (fuzz_exchange.h) adds a signature that parses back, or is refused
 * with the documented code when the key is not a party's or already signed.
 */
#include "fuzz_common.h"
#include "fuzz_exchange.h"
#include "exchange/charter.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct charter c, c2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_signer keys[2];
	static int init;
	if (!init) {
		for (int i = 0; i < 2; i++)
			if (note_signer_parse(&keys[i], fuzz_node_keys[i], strlen(fuzz_node_keys[i])) != 0)
				abort();
		init = 1;
	}
	err_clear();
	int rc = charter_parse(&c, data, size);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_VERIFY || rc == ERR_LIMIT || rc == ERR_NOMEM);
	if (rc) {
		FUZZ_ASSERT(err_msg()[0] != 0);
		return 0;
	}
	FUZZ_ASSERT(c.nparties >= 2 && c.nparties <= CHARTER_MAX_PARTIES);
	FUZZ_ASSERT(c.nagencies >= 1 && c.nagencies <= CHARTER_MAX_AGENCIES);
	FUZZ_ASSERT(c.nwitnesses <= CHARTER_MAX_WITNESSES && c.nsigned <= c.nparties);
	FUZZ_ASSERT(c.term_start < c.term_end && c.profiles != 0);
	FUZZ_ASSERT(c.text.len > 0 && c.text.data[c.text.len - 1] == '\n');
	for (size_t i = 0; i < c.nagencies; i++) {
		const struct charter_agency *a = &c.agencies[i];
		FUZZ_ASSERT(a->party >= 0 && (size_t)a->party < c.nparties);
		FUZZ_ASSERT(charter_agency(&c, a->name, strlen(a->name)) == a);
		FUZZ_ASSERT(!strcmp(a->key.name, a->name));
	}
	/* The canonical text is a draft of the same charter. */
	FUZZ_ASSERT(charter_parse(&c2, c.text.data, c.text.len) == 0);
	FUZZ_ASSERT(!memcmp(c.id, c2.id, 32) && c2.nsigned == 0);
	FUZZ_ASSERT(c2.nparties == c.nparties && c2.nagencies == c.nagencies && c2.nwitnesses == c.nwitnesses);
	charter_release(&c2);
	/* Signing round trip with each fixed node key. */
	for (int k = 0; k < 2; k++) {
		struct buf out;
		buf_init(&out, CHARTER_MAX_SIZE + 4096);
		size_t i;
		for (i = 0; i < c.nparties; i++)
			if (c.parties[i].node_key.id == keys[k].id && !strcmp(c.parties[i].node_key.name, keys[k].name) &&
			    !memcmp(c.parties[i].node_key.pub, keys[k].pub, 32))
				break;
		int src = charter_sign(&c, &keys[k], &out);
		if (i == c.nparties) {
			/* Same name and key ID but another public key: a forgery the signature check must catch. */
			if (src == 0) {
				FUZZ_ASSERT(charter_parse(&c2, out.data, out.len) == ERR_VERIFY);
			} else {
				FUZZ_ASSERT(src == ERR_USAGE);
			}
		} else if (c.signed_by[i]) {
			FUZZ_ASSERT(src == ERR_CONFLICT);
		} else {
			FUZZ_ASSERT(src == 0);
			FUZZ_ASSERT(charter_parse(&c2, out.data, out.len) == 0);
			FUZZ_ASSERT(!memcmp(c.id, c2.id, 32) && c2.nsigned == c.nsigned + 1 && c2.signed_by[i]);
			charter_release(&c2);
		}
		buf_release(&out);
	}
	charter_release(&c);
	return 0;
}
