/* cosig — the cosignatures on a signed checkpoint, checked against the charter. */
#include "cases/cosig.h"
#include "base/err.h"

#include <stdio.h>
#include <string.h>

int cosig_check_note(const struct charter *ch, const uint8_t *note, size_t len, struct cosig_set *out)
{
	struct note nt;
	struct note_verifier v[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	int rc = note_parse(&nt, note, len);
	memset(out, 0, sizeof *out);
	if (rc)
		return rc;
	if ((rc = checkpoint_parse_text(&out->cp, nt.data, nt.text_len)))
		goto out;
	if (!charter_party_of_log(ch, out->cp.origin)) {
		rc = err_set(ERR_NOTFOUND, "checkpoint of '%s', which is no party's log", out->cp.origin);
		goto out;
	}
	size_t nv = charter_cosigners_of_log(ch, out->cp.origin, v);
	/* each line on its own: a witness may have cosigned the same size more than once */
	for (size_t s = 0; s < nt.nsigs; s++)
		for (size_t i = 0; i < nv; i++) {
			uint64_t when;
			if (v[i].id != nt.sigs[s].id || strcmp(v[i].name, nt.sigs[s].name))
				continue;
			if (note_verify_sig(&nt, s, &v[i], &when) == 0 && when <= INT64_MAX) {
				int k = charter_cosigner_index(ch, v[i].name);
				const struct note_verifier *key = charter_cosigner(ch, v[i].name);
				out->ok[out->nok++] = (struct cosig_line){key ? key->name : "", k, (int64_t)when};
			} else if (out->nbad++ == 0) {
				snprintf(out->bad, sizeof out->bad, "%.255s", v[i].name);
			}
			break;
		}
out:
	note_release(&nt);
	return rc;
}
