#include "node/submit.h"
#include "base/err.h"
#include "exchange/syntax.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void submission_release(struct submission *s)
{
	if (s->parsed)
		envelope_release(&s->env);
	s->parsed = 0;
}

#define REFUSE(status, ...) (err_set(ERR_FORMAT, __VA_ARGS__), (status))

/*
 * An envelope dated before an amendment that is in force when it reaches the
 * node must be valid under it too: else whoever holds a key the amendment
 * retired could still publish envelopes dated before it (a statement for
 * SUBMIT_STATEMENT_MAX_AGE, any kind within the allowed skew). 200 or 403.
 */
static int still_valid(struct submission *s, const struct charter_history *h, int64_t now)
{
	const struct amendment *a = history_amendment_at(h, now);
	if (!a || a == history_amendment_at(h, s->env.f.time) || envelope_verify(&s->env, &a->charter) == 0)
		return 200;
	char t[21];
	syntax_format_time(a->effective, t);
	return REFUSE(403, "the envelope is dated before amendment %u, in force since %s, and is not valid under it (%s): "
			   "seal it again under the charter in force", a->number, t, err_msg());
}

int submit_check(struct submission *s, const uint8_t *req, size_t len, const struct charter_history *h, const char *party,
		 int64_t now, int64_t max_skew)
{
	memset(s, 0, sizeof *s);
	int status = submit_frame_split(req, len, &s->envelope, &s->envelope_len, &s->body, &s->body_len);
	if (status != 200)
		return status;
	size_t blen = s->body_len;
	int rc = envelope_parse(&s->env, s->envelope, s->envelope_len);
	if (rc)
		return rc == ERR_LIMIT ? 413 : 400;
	s->parsed = 1;
	struct envelope_fields *f = &s->env.f;
	if (f->kind == ENV_RECEIVED)
		return REFUSE(403, "'received' envelopes are made by nodes, not submitted");
	if ((rc = envelope_verify(&s->env, history_at(h, f->time)))) /* the charter in force at its time */
		return rc == ERR_VERIFY ? 403 : 400;
	size_t pl = syntax_agency_party_len(f->from, strlen(f->from));
	if (strlen(party) != pl || memcmp(f->from, party, pl) != 0)
		return REFUSE(403, "%s is not an agency of party %s; submit it to its own party's node", f->from, party);
	if (f->has_body != (blen > 0))
		return REFUSE(422, f->has_body ? "the envelope has a body line but no body was sent"
					       : "a body was sent but the envelope has no body line");
	if (f->has_body && (rc = envelope_check_body(&s->env, s->body, s->body_len)))
		return 422;
	/*
	 * A statement keeps the time it was proposed at while its named agencies,
	 * often in other states, co-sign it: it may be published up to
	 * SUBMIT_STATEMENT_MAX_AGE later. Nothing may be dated ahead of the clock.
	 */
	int64_t skew = f->time - now;
	if (f->kind == ENV_STATEMENT && skew < 0 && -skew <= SUBMIT_STATEMENT_MAX_AGE)
		return still_valid(s, h, now);
	if (f->kind == ENV_STATEMENT && -skew > SUBMIT_STATEMENT_MAX_AGE)
		return REFUSE(400, "statement time is %" PRId64 " seconds before the node's clock: a statement must be "
				   "published within %d days of being proposed; propose it again",
			      -skew, SUBMIT_STATEMENT_MAX_AGE / 86400);
	if (skew > max_skew || -skew > max_skew)
		return REFUSE(400, "envelope time is %" PRId64 " seconds off the node's clock (allowed: %" PRId64 ")",
			      skew, max_skew);
	return still_valid(s, h, now);
}
