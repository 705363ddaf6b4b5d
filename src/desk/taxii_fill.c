/* taxii_fill — see taxii_fill.h. */
#include "desk/taxii_fill.h"

#include "base/err.h"
#include "base/jsonload.h"
#include "evidence/stix.h"
#include "exchange/envelope.h"
#include "exchange/profile.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

static void note(struct taxii_fill_stats *st, const char *source)
{
	snprintf(st->last_error, sizeof st->last_error, "%s: %s", source, err_msg());
}

/* One envelope of the inbox: 0 (added, or counted as refused/failed), or an error that stops the fill. */
static int one(struct taxii_store *s, const struct officer *o, const char *party, uint64_t index,
	       const char *source, struct taxii_fill_stats *st)
{
	struct buf raw, plain;
	struct envelope e;
	json_t *body = NULL, *empty = NULL;
	size_t added = 0;
	int rc;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	if ((rc = officer_fetch_envelope(o, party, index, &raw, &e))) {
		st->failed++;
		note(st, source);
		rc = 0;
		goto out;
	}
	rc = officer_open_body(o, &e, &plain);
	int64_t t = e.f.time;
	envelope_release(&e);
	if (rc) {
		st->failed++;
		note(st, source);
		rc = 0;
		goto out;
	}
	st->envelopes++;
	json_t *ev = NULL;
	if (jsonload_strict(plain.data, plain.len, ENVELOPE_BODY_MAX, PROFILE_MAX_DEPTH, &body) == 0)
		ev = json_object_get(body, "evidence");
	if (ev && stix_check_json(ev, "$.evidence", NULL) != 0) {
		st->refused++;
		note(st, source);
		ev = NULL;
	}
	if (!ev) /* no evidence: remember the envelope, so it is not opened again */
		ev = empty = json_pack("{s:[]}", "objects");
	if (!ev) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	rc = taxii_store_add_bundle(s, ev, t > INT64_MAX / 1000000 || t < 0 ? 0 : t * 1000000, source, &added);
	if (rc == ERR_CONFLICT) /* added meanwhile by another fill */
		rc = 0;
	else if (!rc && !empty) {
		st->bundles++;
		st->objects += added;
	}
out:
	json_decref(body);
	json_decref(empty);
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&raw);
	buf_release(&plain);
	return rc;
}

int taxii_fill(struct taxii_store *s, const struct officer *o, struct taxii_fill_stats *st)
{
	json_t *inbox, *item;
	size_t i;
	memset(st, 0, sizeof *st);
	int rc = officer_inbox(o, 0, &inbox);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(inbox, "items"), i, item) {
		const char *party = officer_log_party(o, json_string_value(json_object_get(item, "log")));
		json_int_t index = json_integer_value(json_object_get(item, "index"));
		char source[64];
		if (!party || index < 0 || json_is_null(json_object_get(item, "body")) ||
		    !json_object_get(item, "body"))
			continue;
		snprintf(source, sizeof source, "%s/%" JSON_INTEGER_FORMAT, party, index);
		if (taxii_store_has_source(s, source))
			continue;
		if ((rc = one(s, o, party, (uint64_t)index, source, st)))
			break;
	}
	json_decref(inbox);
	return rc;
}
