#include "exchange/seal.h"
#include "base/err.h"
#include "crypto/sha256.h"
#include "exchange/profile.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

int seal_add_evidence(const uint8_t *body, size_t blen, const char *body_name, const uint8_t *evidence, size_t elen,
		      const char *evidence_name, struct buf *out)
{
	if (!body_name)
		body_name = "the body";
	if (!evidence_name)
		evidence_name = "the evidence";
	json_error_t je;
	json_t *b = NULL, *bundle = NULL;
	int rc = 0;
	b = json_loadb((const char *)body, blen, JSON_REJECT_DUPLICATES, &je);
	if (!b || !json_is_object(b)) {
		rc = err_set(ERR_FORMAT, "%s: not a JSON object%s%s", body_name, b ? "" : ": ", b ? "" : je.text);
		goto out;
	}
	bundle = json_loadb((const char *)evidence, elen, JSON_REJECT_DUPLICATES, &je);
	if (!bundle) {
		rc = err_set(ERR_FORMAT, "%s: not JSON (%s, line %d)", evidence_name, je.text, je.line);
		goto out;
	}
	if (json_object_get(b, "evidence")) {
		rc = err_set(ERR_USAGE, "%s already has \"evidence\"; give it there or with --evidence, not both", body_name);
		goto out;
	}
	json_object_set(b, "evidence", bundle);
	char *s = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = buf_append_str(out, s);
	free(s);
out:
	json_decref(b);
	json_decref(bundle);
	return rc;
}

/* Sets f->from from the key and puts the sender's recipient (if an agency) in rcpt[0]; *nr = 0 or 1. */
static int sender(const struct charter *c, const struct keyfile *k, struct envelope_fields *f,
		  struct age_recipient *rcpt, size_t *nr)
{
	*nr = 0;
	if (f->kind == ENV_RECEIVED) {
		const struct charter_party *p = charter_party_of_key(c, k->sign.name, k->sign.id, k->sign.pub);
		if (p) {
			snprintf(f->from, sizeof f->from, "%s", p->id);
			return 0;
		}
		return err_set(ERR_USAGE, "a 'received' is sealed with a party's node key; %s is not one", k->sign.name);
	}
	const struct charter_agency *a = charter_agency(c, k->sign.name, strlen(k->sign.name));
	if (!a || a->key.id != k->sign.id)
		return err_set(ERR_USAGE, "key '%s' is not the key of an agency of this charter", k->sign.name);
	struct age_recipient mine;
	int rc = age_recipient_from_identity(&mine, &k->age);
	if (rc)
		return rc;
	if (memcmp(mine.pk, a->recipient.pk, AGE_KEY_LEN) != 0)
		return err_set(ERR_USAGE, "the age identity of %s is not the one the charter lists", a->name);
	snprintf(f->from, sizeof f->from, "%s", a->name);
	rcpt[0] = a->recipient;
	*nr = 1;
	return 0;
}

/*
 * plain checked against the profiles and against f's aid line
 * (profile_aid_check_figures); with derive, an absent aid line is first
 * (*derive, which is &f->aid) filled from the body, so that a sender signs the figures of the body it
 * seals.
 */
/*
 * Urgency has one source, the body, where the officer gives its reason: an
 * mla-request's urgency.urgent, a consignment's emergency_reason. The
 * envelope's priority line is derived from it; a caller's urgent flag that
 * says otherwise is refused (ERR_USAGE). Other bodies carry no urgency: the
 * flag stands.
 */
static int urgency_from_body(struct envelope_fields *f, json_t *body)
{
	const char *type = json_string_value(json_object_get(body, "type"));
	int says;
	if (type && !strcmp(type, "mla-request"))
		says = json_is_true(json_object_get(json_object_get(body, "urgency"), "urgent"));
	else if (type && !strcmp(type, "consignment"))
		says = json_object_get(body, "emergency_reason") != NULL;
	else
		return 0;
	if (f->urgent && !says)
		return err_set(ERR_USAGE, "urgent was asked for, but the body does not say so (%s): urgency and its reason "
					  "are given in the body, and the envelope's priority line follows it",
			       !strcmp(type, "mla-request") ? "urgency.urgent is false" : "no emergency_reason");
	f->urgent = says;
	return 0;
}

static int check_plain(struct envelope_fields *f, struct envelope_aid *derive, unsigned profiles, const uint8_t *plain,
		       size_t len)
{
	json_t *body = NULL;
	int rc = profile_load(plain, len, &body);
	if (!rc)
		rc = profile_check_value(f->kind, profiles, body);
	if (!rc && derive) /* sealing: the envelope follows the body (opening checks the aid figures only, below) */
		rc = urgency_from_body(f, body);
	if (!rc && derive && derive->type == ENV_AID_NONE)
		profile_aid_figures(body, derive);
	if (!rc)
		rc = profile_aid_check_figures(f, body);
	json_decref(body);
	return rc;
}

int seal_envelope(const struct charter *c, const struct keyfile *k, struct envelope_fields *f, const uint8_t *plain,
		  size_t plain_len, struct buf *note, struct buf *sealed)
{
	struct age_recipient *rcpt = calloc(ENVELOPE_MAX_TO + 1, sizeof *rcpt);
	struct buf text;
	size_t nr;
	int rc;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_reset(note);
	buf_reset(sealed);
	if (!rcpt)
		return err_set(ERR_NOMEM, "out of memory");
	snprintf(f->channel, sizeof f->channel, "%s", c->id_hex);
	if ((rc = sender(c, k, f, rcpt, &nr)))
		goto out;
	if (f->nto == 0 || f->nto > ENVELOPE_MAX_TO) {
		rc = err_set(ERR_USAGE, "an envelope goes to 1 to %d agencies", ENVELOPE_MAX_TO);
		goto out;
	}
	for (size_t i = 0; i < f->nto; i++) {
		const struct charter_agency *b = charter_agency(c, f->to[i], strlen(f->to[i]));
		if (!b) {
			rc = err_set(ERR_USAGE, "'%s' is not an agency of this charter", f->to[i]);
			goto out;
		}
		rcpt[nr++] = b->recipient;
	}
	if (!syntax_case_id(f->case_id, strlen(f->case_id))) {
		rc = err_set(ERR_USAGE, "case '%s' is not of the form <agency>/<id>, like us.fbi/2021-0007", f->case_id);
		goto out;
	}
	f->has_body = 0;
	if (plain) {
		if ((rc = check_plain(f, &f->aid, c->profiles, plain, plain_len))) {
			/* Figures that disagree with the body are the sender's input error here. */
			rc = err_wrap(rc == ERR_VERIFY ? ERR_USAGE : rc, "body");
			goto out;
		}
		if ((rc = age_encrypt_buf(plain, plain_len, rcpt, nr, 0, sealed)))
			goto out;
		sha256(sealed->data, sealed->len, f->body_hash);
		f->body_size = sealed->len;
		f->has_body = 1;
	}
	if ((rc = envelope_format(f, &text)))
		goto out;
	if ((rc = note_sign(note, (const char *)text.data, text.len, &k->sign, 1, 0)) == ERR_LIMIT)
		err_set(rc, "the envelope would exceed %d bytes", ENVELOPE_MAX_SIZE);
out:
	buf_release(&text);
	free(rcpt);
	return rc;
}

/* Where statement f names agency name: 0 for 'from', i + 1 for to[i]; past the end if it does not. */
static size_t named_at(const struct envelope_fields *f, const char *name)
{
	size_t at;
	for (at = 0; at <= f->nto; at++)
		if (!strcmp(at ? f->to[at - 1] : f->from, name))
			break;
	return at;
}

int seal_cosign(const uint8_t *raw, size_t len, const struct keyfile *k, struct buf *out)
{
	struct envelope e;
	int rc = envelope_parse(&e, raw, len);
	if (rc)
		return rc;
	buf_reset(out);
	if (e.f.kind != ENV_STATEMENT) {
		rc = err_set(ERR_USAGE, "only a statement carries more than one signature; this is a '%s'",
			     envelope_kind_name(e.f.kind));
		goto out;
	}
	if ((rc = envelope_check_layout(&e)))
		goto out;
	if (named_at(&e.f, k->sign.name) > e.f.nto) {
		rc = err_set(ERR_USAGE, "%s is not named by this statement", k->sign.name);
		goto out;
	}
	for (size_t i = 0; i < e.note.nsigs; i++)
		if (!strcmp(e.note.sigs[i].name, k->sign.name)) {
			rc = err_set(ERR_CONFLICT, "%s has already signed this statement", k->sign.name);
			goto out;
		}
	/*
	 * The new line goes where the canonical layout puts it (docs/formats.md):
	 * a statement's signatures follow the order it names its agencies, so the
	 * result does not depend on who co-signed first.
	 */
	size_t mine = named_at(&e.f, k->sign.name), split = e.note.text_len + 1; /* after the blank line */
	for (size_t i = 0; i < e.note.nsigs && named_at(&e.f, e.note.sigs[i].name) < mine; i++)
		split = (size_t)((const char *)memchr(raw + split, '\n', len - split) - (const char *)raw) + 1;
	if (!(rc = buf_append(out, raw, split)) &&
	    !(rc = note_sign_line(out, e.note.data, e.note.text_len, &k->sign, 0)))
		rc = buf_append(out, raw + split, len - split);
	if (!rc && out->len > ENVELOPE_MAX_SIZE)
		rc = ERR_LIMIT;
	if (rc == ERR_LIMIT)
		err_set(rc, "the statement would exceed %d bytes", ENVELOPE_MAX_SIZE);
out:
	envelope_release(&e);
	return rc;
}

/* seal_open; with disagree set, a disagreement with the aid line only is written there and is not an error. */
static int open_body(const struct envelope *e, const uint8_t *body, size_t blen, const struct keyfile *k, unsigned profiles,
		     struct buf *plain, char *disagree, size_t dsz)
{
	int rc = envelope_check_body(e, body, blen);
	if (rc)
		return rc;
	buf_reset(plain);
	if ((rc = age_decrypt_buf(body, blen, &k->age, 1, plain))) {
		if (plain->data)
			sodium_memzero(plain->data, plain->len);
		buf_reset(plain);
		if (rc == AGE_ERR_NO_MATCH)
			return err_set(ERR_USAGE, "this key (%s) is not one of the body's recipients", k->sign.name);
		const char *kind_text = age_err_kind(rc);
		if (kind_text)
			return err_wrap(ERR_VERIFY, "body: %s", kind_text);
		return rc;
	}
	/* Any figures the envelope shows in the clear must be the body's (checked only: nothing is derived here). */
	json_t *b = NULL;
	if (!(rc = profile_load(plain->data, plain->len, &b)) && !(rc = profile_check_value(e->f.kind, profiles, b))) {
		rc = profile_aid_check_figures(&e->f, b);
		if (rc == ERR_VERIFY && disagree) { /* profile_aid_check_figures fails only with a disagreement */
			snprintf(disagree, dsz, "%s", err_msg());
			rc = 0;
		}
	}
	json_decref(b);
	if (rc)
		err_wrap(rc, "body");
	return rc;
}

int seal_open(const struct envelope *e, const uint8_t *body, size_t blen, const struct keyfile *k, unsigned profiles,
	      struct buf *plain)
{
	return open_body(e, body, blen, k, profiles, plain, NULL, 0);
}

int seal_open_marked(const struct envelope *e, const uint8_t *body, size_t blen, const struct keyfile *k,
		     unsigned profiles, struct buf *plain, char *disagree, size_t dsz)
{
	if (!disagree || !dsz) /* no room for the mark: a disagreement cannot be shown, so it is refused (seal_open) */
		return open_body(e, body, blen, k, profiles, plain, NULL, 0);
	disagree[0] = 0;
	return open_body(e, body, blen, k, profiles, plain, disagree, dsz);
}
