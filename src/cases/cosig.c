/* cosig — the cosignatures on a signed checkpoint, checked against the charter. */
#include "cases/cosig.h"
#include "base/err.h"
#include "exchange/syntax.h"

#include <inttypes.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* 1 if the charter in force at t names key (same name and public key) as a cosigner of origin's log. */
static int in_force_at(const struct charter_history *h, const char *origin, const struct note_verifier *key, int64_t t)
{
	struct note_verifier v[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	size_t nv = charter_cosigners_of_log(history_at(h, t), origin, v);
	for (size_t i = 0; i < nv; i++)
		if (v[i].id == key->id && !strcmp(v[i].name, key->name) && !memcmp(v[i].pub, key->pub, 32))
			return 1;
	return 0;
}

static size_t all_keys(const struct charter *ch, const struct charter_history *h, const char *origin,
		       struct note_verifier *v, size_t cap)
{
	struct note_verifier one[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	size_t n = 0, versions = h ? h->n + 1 : 1;
	for (size_t c = 0; c < versions; c++) {
		const struct charter *version = !h ? ch : c ? &h->am[c - 1]->charter : h->founding;
		size_t k = charter_cosigners_of_log(version, origin, one);
		for (size_t i = 0; i < k; i++) {
			size_t j;
			for (j = 0; j < n; j++)
				if (v[j].id == one[i].id && !strcmp(v[j].name, one[i].name) && !memcmp(v[j].pub, one[i].pub, 32))
					break;
			if (j == n && n < cap)
				v[n++] = one[i];
		}
	}
	return n;
}

static int check_note(const struct charter *ch, const struct charter_history *h, const uint8_t *note, size_t len,
		      struct cosig_set *out)
{
	struct note nt;
	/* every key a cosigner has had: with a history, each version's (its size bounds them) */
	size_t cap = (h ? h->n + 1 : 1) * (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES);
	struct note_verifier *v = malloc(cap * sizeof *v);
	memset(out, 0, sizeof *out);
	if (!v)
		return err_set(ERR_NOMEM, "out of memory");
	int rc = note_parse(&nt, note, len);
	if (rc) {
		free(v);
		return rc;
	}
	if ((rc = checkpoint_parse_text(&out->cp, nt.data, nt.text_len)))
		goto out;
	if (!charter_party_of_log(ch, out->cp.origin)) {
		rc = err_set(ERR_NOTFOUND, "checkpoint of '%s', which is no party's log", out->cp.origin);
		goto out;
	}
	size_t nv = all_keys(ch, h, out->cp.origin, v, cap);
	/* each line on its own: a witness may have cosigned the same size more than once */
	for (size_t s = 0; s < nt.nsigs; s++)
		for (size_t i = 0; i < nv; i++) {
			uint64_t when;
			if (v[i].id != nt.sigs[s].id || strcmp(v[i].name, nt.sigs[s].name))
				continue;
			if (note_verify_sig(&nt, s, &v[i], &when) == 0 && when <= INT64_MAX) {
				/* a key counts only while the charter names it: a retired key's later lines are ignored */
				if (h && !in_force_at(h, out->cp.origin, &v[i], (int64_t)when))
					break;
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
	free(v);
	return rc;
}

int cosig_check_note(const struct charter *ch, const uint8_t *note, size_t len, struct cosig_set *out)
{
	return check_note(ch, NULL, note, len, out);
}

int cosig_check_note_history(const struct charter_history *h, const uint8_t *note, size_t len, struct cosig_set *out)
{
	return check_note(history_roster(h), h, note, len, out);
}

size_t cosig_keys_of_log(const struct charter_history *h, const char *origin, struct note_verifier *v, size_t cap)
{
	return all_keys(history_roster(h), h, origin, v, cap);
}

int cosig_open_checkpoint(const struct charter_history *h, const uint8_t *note, size_t len, struct checkpoint *cp)
{
	struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
	struct note nt;
	if (len > CHECKPOINT_MAX_SIZE)
		return err_set(ERR_LIMIT, "checkpoint is larger than %d bytes", CHECKPOINT_MAX_SIZE);
	int rc = note_parse(&nt, note, len);
	if (rc)
		return err_wrap(rc, "checkpoint");
	if ((rc = checkpoint_parse_text(cp, nt.data, nt.text_len)))
		goto out;
	size_t nk = history_node_keys(h, cp->origin, ks, HISTORY_NODE_KEYS_MAX);
	if (!nk) {
		rc = err_set(ERR_NOTFOUND, "checkpoint of '%s', which is no party's log", cp->origin);
		goto out;
	}
	int64_t retired = INT64_MIN; /* the latest retirement among the retired keys that signed */
	int in_force = 0;
	for (size_t s = 0; s < nt.nsigs; s++)
		for (size_t k = 0; k < nk; k++) {
			if (ks[k].key.id != nt.sigs[s].id || strcmp(ks[k].key.name, nt.sigs[s].name))
				continue;
			if (note_verify_sig(&nt, s, &ks[k].key, NULL)) {
				/* as checkpoint_open: a line by one of the log's keys that does not verify is fatal */
				rc = err_set(ERR_VERIFY, "checkpoint of '%s': the signature line by its node key %08x does not verify",
					     cp->origin, (unsigned)nt.sigs[s].id);
				goto out;
			}
			if (ks[k].until == INT64_MAX)
				in_force = 1;
			else if (ks[k].until > retired)
				retired = ks[k].until;
		}
	if (in_force)
		goto out; /* signed by the key in force: rc is 0 */
	if (retired == INT64_MIN) {
		rc = err_set(ERR_VERIFY, "checkpoint of '%s' is not signed by any node key that log has had", cp->origin);
		goto out;
	}
	struct cosig_set cs;
	if ((rc = cosig_check_note_history(h, note, len, &cs)))
		goto out;
	for (size_t i = 0; i < cs.nok; i++)
		if (cs.ok[i].time < retired)
			goto out; /* witnessed while the key was in force */
	char when[32];
	syntax_format_time(retired, when);
	rc = err_set(ERR_VERIFY, "checkpoint of '%s' (size %" PRIu64 ") is signed by a node key retired at %s, and no "
				 "cosignature shows it was signed before then",
		     cp->origin, cp->size, when);
out:
	note_release(&nt);
	return rc;
}

int cosig_verify_proof(const struct charter_history *h, const struct tlog_proof *p, const uint8_t *entry,
		       size_t entry_len, const char *origin, const char *cosigner, int64_t *time, struct checkpoint *cp)
{
	int rc = cosig_open_checkpoint(h, p->checkpoint, p->checkpoint_len, cp);
	if (rc)
		return rc;
	if (origin && strcmp(cp->origin, origin))
		return err_set(ERR_VERIFY, "the proof's checkpoint is of the log %s, not %s", cp->origin, origin);
	if (cosigner) {
		struct cosig_set *cs = malloc(sizeof *cs);
		int64_t first = INT64_MAX;
		if (!cs)
			return err_set(ERR_NOMEM, "out of memory");
		if (!(rc = cosig_check_note_history(h, p->checkpoint, p->checkpoint_len, cs))) {
			for (size_t i = 0; i < cs->nok; i++)
				if (!strcmp(cs->ok[i].name, cosigner) && cs->ok[i].time < first)
					first = cs->ok[i].time;
			if (cs->nbad && !strcmp(cs->bad, cosigner))
				rc = err_set(ERR_VERIFY, "the cosignature by %s on checkpoint %" PRIu64 " of %s does not verify",
					     cosigner, cp->size, cp->origin);
			else if (first == INT64_MAX)
				rc = err_set(ERR_VERIFY, "checkpoint %" PRIu64 " of %s has no cosignature by %s that counts",
					     cp->size, cp->origin, cosigner);
		}
		free(cs);
		if (rc)
			return rc;
		if (time)
			*time = first;
	}
	merkle_hash leaf;
	merkle_leaf_hash(entry, entry_len, leaf);
	if (merkle_verify_inclusion(p->index, cp->size, leaf, (const merkle_hash *)p->path, p->n, cp->root))
		return err_set(ERR_VERIFY, "entry %" PRIu64 " is not in checkpoint %" PRIu64 " of %s (the inclusion proof "
					   "does not lead to its root)",
			       p->index, cp->size, cp->origin);
	return 0;
}
