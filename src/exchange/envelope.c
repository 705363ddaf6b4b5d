#include "exchange/envelope.h"
#include "base/enc.h"
#include "base/err.h"
#include "crypto/sha256.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

enum rule { NO, OPT, REQ };

static const struct {
	const char *name;
	enum rule ref, body;
	int priority_ok;
} kinds[ENV_KIND_COUNT] = {
	[ENV_NOTICE] = {"notice", OPT, REQ, 1},      [ENV_REQUEST] = {"request", OPT, REQ, 1},
	[ENV_ACK] = {"ack", REQ, OPT, 0},            [ENV_ANSWER] = {"answer", REQ, REQ, 0},
	[ENV_DECLINE] = {"decline", REQ, REQ, 0},    [ENV_UPDATE] = {"update", REQ, REQ, 0},
	[ENV_CLOSE] = {"close", OPT, OPT, 0},        [ENV_RECEIVED] = {"received", REQ, NO, 0},
	[ENV_STATEMENT] = {"statement", OPT, REQ, 0},
};

enum key { K_CHANNEL, K_FROM, K_TO, K_CASE, K_KIND, K_TIME, K_REF, K_BODY, K_HANDLING, K_PRIORITY, K_AID, K_COUNT };
static const char *const key_names[K_COUNT] = {"channel", "from", "to", "case", "kind", "time",
					       "ref", "body", "handling", "priority", "aid"};
static const int key_optional[K_COUNT] = {[K_REF] = 1, [K_BODY] = 1, [K_HANDLING] = 1, [K_PRIORITY] = 1, [K_AID] = 1};

static const char *const aid_types[] = {[ENV_AID_CONSIGNMENT] = "consignment", [ENV_AID_INSPECTION] = "inspection",
					[ENV_AID_CROSSING] = "crossing"};
static const char *const aid_sectors[AID_SECTOR_COUNT] = {"food", "shelter-nfi", "wash", "health", "education",
							  "nutrition"};
static const char *const aid_results[AID_RESULT_COUNT] = {"confirmed", "partial", "rejected"};

const char *envelope_aid_sector_name(enum envelope_aid_sector sec)
{
	return (unsigned)sec < AID_SECTOR_COUNT ? aid_sectors[sec] : NULL;
}

int envelope_aid_sector_parse(const char *s, size_t n)
{
	for (int i = 0; i < AID_SECTOR_COUNT; i++)
		if (strlen(aid_sectors[i]) == n && !memcmp(aid_sectors[i], s, n))
			return i;
	return -1;
}

const char *envelope_aid_result_name(enum envelope_aid_result r)
{
	return (unsigned)r < AID_RESULT_COUNT ? aid_results[r] : NULL;
}

const char *envelope_kind_name(enum envelope_kind k)
{
	return (unsigned)k < ENV_KIND_COUNT ? kinds[k].name : NULL;
}

int envelope_kind_parse(const char *s, size_t n)
{
	for (int k = 0; k < ENV_KIND_COUNT; k++)
		if (strlen(kinds[k].name) == n && !memcmp(kinds[k].name, s, n))
			return k;
	return -1;
}

/* TLP 2.0 label, optionally followed by an H0-H3 handling code. */
static int handling_valid(const char *s, size_t n)
{
	static const char *const tlp[] = {"TLP:CLEAR", "TLP:GREEN", "TLP:AMBER", "TLP:AMBER+STRICT", "TLP:RED"};
	const char *w[2];
	size_t wl[2];
	int nw = syntax_words(s, n, w, wl, 2);
	if (nw < 1)
		return 0;
	int ok = 0;
	for (size_t i = 0; i < sizeof tlp / sizeof tlp[0]; i++)
		if (strlen(tlp[i]) == wl[0] && !memcmp(tlp[i], w[0], wl[0]))
			ok = 1;
	if (!ok)
		return 0;
	return nw == 1 || (wl[1] == 2 && w[1][0] == 'H' && w[1][1] >= '0' && w[1][1] <= '3');
}

/* s[0..n) is a decimal number lo..hi without leading zeros. */
static int aid_number(const char *s, size_t n, uint32_t lo, uint32_t hi, uint32_t *out)
{
	uint64_t v;
	if (n > 10 || dec_u64(s, n, &v) || v < lo || v > hi)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int crossing_id_valid(const char *s, size_t n)
{
	if (n < 1 || n > ENVELOPE_AID_CROSSING_MAX)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return 0;
	return 1;
}

/* "food:10,health:4": sectors in canonical order, each once, 1..trucks max each. */
static int aid_sectors_parse(const char *s, size_t n, struct envelope_aid *a, const char **why)
{
	size_t pos = 0;
	int last = -1;
	*why = "sectors: expected <sector>:<trucks>[,<sector>:<trucks>...] with sectors food, shelter-nfi, wash, "
	       "health, education, nutrition";
	if (n == 0)
		return -1;
	while (pos <= n) {
		const char *item = s + pos;
		const char *end = memchr(item, ',', n - pos);
		size_t il = end ? (size_t)(end - item) : n - pos;
		const char *colon = memchr(item, ':', il);
		if (!colon)
			return -1;
		int sec = envelope_aid_sector_parse(item, (size_t)(colon - item));
		if (sec < 0)
			return -1;
		if (sec == last) {
			*why = "sectors: a sector is named twice";
			return -1;
		}
		if (sec < last) {
			*why = "sectors: out of order (food, shelter-nfi, wash, health, education, nutrition)";
			return -1;
		}
		last = sec;
		if (aid_number(colon + 1, il - (size_t)(colon + 1 - item), 1, ENVELOPE_AID_TRUCKS_MAX,
			       &a->sector_trucks[sec])) {
			*why = "sectors: each sector's trucks must be a number from 1 to 1000 without leading zeros";
			return -1;
		}
		if (!end)
			return 0;
		pos += il + 1;
	}
	return -1; /* a trailing comma */
}

/* Parses the value of an aid line into a (zeroed first). 0, or -1 with *why set (perhaps to expect). */
static int aid_parse(const char *v, size_t vlen, struct envelope_aid *a, const char **why, char expect[160])
{
	static const char *const keys[][5] = {
		[ENV_AID_CONSIGNMENT] = {"crossing", "cross-by", "trucks", "sectors", "beneficiaries"},
		[ENV_AID_INSPECTION] = {"result", "trucks"},
		[ENV_AID_CROSSING] = {"crossed", "trucks"},
	};
	static const int nkeys[] = {[ENV_AID_CONSIGNMENT] = 5, [ENV_AID_INSPECTION] = 2, [ENV_AID_CROSSING] = 2};
	const char *w[7];
	size_t wl[7];
	int nw = syntax_words(v, vlen, w, wl, 7), t;
	memset(a, 0, sizeof *a);
	*why = "expected 'consignment', 'inspection' or 'crossing' and then key=value tokens separated by single spaces";
	if (nw < 0)
		*why = "too many tokens (a consignment line has 6, an inspection or crossing line 3)";
	if (nw < 1)
		return -1;
	for (t = ENV_AID_CONSIGNMENT; t <= ENV_AID_CROSSING; t++)
		if (strlen(aid_types[t]) == wl[0] && !memcmp(aid_types[t], w[0], wl[0]))
			break;
	if (t > ENV_AID_CROSSING)
		return -1;
	a->type = (enum envelope_aid_type)t;
	snprintf(expect, 160, "a%s %s line has, in this order: %s=", t == ENV_AID_INSPECTION ? "n" : "",
		 aid_types[t], keys[t][0]);
	for (int i = 1; i < nkeys[t]; i++)
		snprintf(expect + strlen(expect), 160 - strlen(expect), " %s=", keys[t][i]);
	*why = expect;
	if (nw != nkeys[t] + 1)
		return -1;
	for (int i = 0; i < nkeys[t]; i++) {
		const char *tok = w[i + 1];
		size_t kl = strlen(keys[t][i]), tl = wl[i + 1];
		if (tl <= kl || memcmp(tok, keys[t][i], kl) || tok[kl] != '=')
			return -1;
		const char *val = tok + kl + 1;
		size_t vl = tl - kl - 1;
		const char *k = keys[t][i];
		if (!strcmp(k, "crossing")) {
			if (!crossing_id_valid(val, vl)) {
				*why = "crossing: 1 to 32 of a-z 0-9 -";
				return -1;
			}
			memcpy(a->crossing, val, vl);
			a->crossing[vl] = 0;
		} else if (!strcmp(k, "cross-by") || !strcmp(k, "crossed")) {
			if (syntax_time(val, vl, &a->time)) {
				*why = t == ENV_AID_CROSSING ? "crossed: an RFC 3339 UTC time like 2021-07-12T06:00:00Z"
							     : "cross-by: an RFC 3339 UTC time like 2021-07-12T06:00:00Z";
				return -1;
			}
		} else if (!strcmp(k, "trucks")) {
			if (aid_number(val, vl, t == ENV_AID_INSPECTION ? 0 : 1, ENVELOPE_AID_TRUCKS_MAX, &a->trucks)) {
				*why = t == ENV_AID_INSPECTION
					       ? "trucks: a number from 0 to 1000 without leading zeros"
					       : "trucks: a number from 1 to 1000 without leading zeros";
				return -1;
			}
		} else if (!strcmp(k, "sectors")) {
			if (aid_sectors_parse(val, vl, a, why))
				return -1;
		} else if (!strcmp(k, "beneficiaries")) {
			if (aid_number(val, vl, 1, ENVELOPE_AID_BENEFICIARIES_MAX, &a->beneficiaries)) {
				*why = "beneficiaries: a number from 1 to 100000000 without leading zeros";
				return -1;
			}
		} else { /* result */
			int r;
			for (r = 0; r < AID_RESULT_COUNT; r++)
				if (strlen(aid_results[r]) == vl && !memcmp(aid_results[r], val, vl))
					break;
			if (r == AID_RESULT_COUNT) {
				*why = "result: confirmed, partial or rejected";
				return -1;
			}
			a->result = (enum envelope_aid_result)r;
		}
	}
	if (t == ENV_AID_CONSIGNMENT) {
		uint32_t sum = 0;
		for (int i = 0; i < AID_SECTOR_COUNT; i++)
			sum += a->sector_trucks[i];
		if (sum != a->trucks) {
			*why = "sectors: the trucks per sector must add up to trucks";
			return -1;
		}
	}
	if (t == ENV_AID_INSPECTION && (a->trucks == 0) != (a->result == AID_REJECTED)) {
		*why = "trucks: an inspection confirms 0 trucks exactly when its result is rejected";
		return -1;
	}
	return 0;
}

int envelope_aid_parse(const char *v, size_t n, struct envelope_aid *a)
{
	const char *why;
	char expect[160];
	if (aid_parse(v, n, a, &why, expect))
		return err_set(ERR_FORMAT, "aid: %s", why);
	return 0;
}

struct parse_state {
	struct envelope_fields *f;
	int last;
	int seen[K_COUNT];
};

#define BAD(ln, ...) err_wrap(err_set(ERR_FORMAT, __VA_ARGS__), "envelope line %zu", (ln))

static int on_line(void *ctx, size_t line_no, const char *key, size_t klen, const char *v, size_t vlen)
{
	struct parse_state *st = ctx;
	struct envelope_fields *f = st->f;
	size_t ln = line_no;
	int k;
	for (k = 0; k < K_COUNT; k++)
		if (strlen(key_names[k]) == klen && !memcmp(key_names[k], key, klen))
			break;
	if (k == K_COUNT)
		return BAD(ln, "unknown key '%.*s'", (int)klen, key);
	if (k == st->last)
		return BAD(ln, "'%s' appears twice", key_names[k]);
	if (k < st->last)
		return BAD(ln, "'%s' is out of order", key_names[k]);
	for (int m = st->last + 1; m < k; m++)
		if (!key_optional[m])
			return BAD(ln, "'%s' is missing before '%s'", key_names[m], key_names[k]);
	st->last = k;
	st->seen[k] = 1;
	const char *w[ENVELOPE_MAX_TO + 1];
	size_t wl[ENVELOPE_MAX_TO + 1];
	int n;
	switch (k) {
	case K_CHANNEL: {
		uint8_t id[32];
		if (hex_decode(id, 32, v, vlen))
			return BAD(ln, "channel must be 64 lowercase hex digits");
		syntax_copy(f->channel, sizeof f->channel, v, vlen);
		return 0;
	}
	case K_FROM:
		if (!syntax_agency_name(v, vlen) && !syntax_party_id(v, vlen))
			return BAD(ln, "from: '%.*s' is not an agency name or a party id", (int)vlen, v);
		syntax_copy(f->from, sizeof f->from, v, vlen);
		return 0;
	case K_TO:
		n = syntax_words(v, vlen, w, wl, ENVELOPE_MAX_TO);
		if (n < 1)
			return BAD(ln, "to: one to %d agency names separated by single spaces", ENVELOPE_MAX_TO);
		for (int i = 0; i < n; i++) {
			if (!syntax_agency_name(w[i], wl[i]))
				return BAD(ln, "to: '%.*s' is not an agency name", (int)wl[i], w[i]);
			for (int j = 0; j < i; j++)
				if (wl[j] == wl[i] && !memcmp(w[j], w[i], wl[i]))
					return BAD(ln, "to: '%.*s' is named twice", (int)wl[i], w[i]);
			syntax_copy(f->to[i], sizeof f->to[i], w[i], wl[i]);
		}
		f->nto = (size_t)n;
		return 0;
	case K_CASE:
		if (!syntax_case_id(v, vlen))
			return BAD(ln, "case: '%.*s' is not of the form <agency>/<id>", (int)vlen, v);
		syntax_copy(f->case_id, sizeof f->case_id, v, vlen);
		return 0;
	case K_KIND:
		if ((n = envelope_kind_parse(v, vlen)) < 0)
			return BAD(ln, "kind: '%.*s' is not a known kind", (int)vlen, v);
		f->kind = (enum envelope_kind)n;
		return 0;
	case K_TIME:
		if (syntax_time(v, vlen, &f->time))
			return BAD(ln, "time: %s", err_msg());
		return 0;
	case K_REF: {
		size_t hl;
		if (syntax_words(v, vlen, w, wl, 3) != 3 || syntax_copy(f->ref.origin, sizeof f->ref.origin, w[0], wl[0]) ||
		    !note_name_valid(w[0], wl[0]) || dec_u64(w[1], wl[1], &f->ref.index) ||
		    b64_decode(f->ref.leaf, 32, &hl, w[2], wl[2]) || hl != 32)
			return BAD(ln, "ref: expected '<log origin> <index> <base64 leaf hash>'");
		f->has_ref = 1;
		return 0;
	}
	case K_BODY:
		if (syntax_words(v, vlen, w, wl, 2) != 2 || hex_decode(f->body_hash, 32, w[0], wl[0]) ||
		    dec_u64(w[1], wl[1], &f->body_size) || f->body_size > ENVELOPE_BODY_MAX)
			return BAD(ln, "body: expected '<sha256 hex> <size>' with a size up to %u", ENVELOPE_BODY_MAX);
		f->has_body = 1;
		return 0;
	case K_HANDLING:
		if (!handling_valid(v, vlen) || syntax_copy(f->handling, sizeof f->handling, v, vlen))
			return BAD(ln, "handling: expected a TLP 2.0 label and optionally H0-H3, like 'TLP:AMBER H2'");
		return 0;
	case K_PRIORITY:
		if (vlen != 6 || memcmp(v, "urgent", 6))
			return BAD(ln, "priority: the only value is 'urgent'");
		f->urgent = 1;
		return 0;
	case K_AID: {
		const char *why;
		char expect[160];
		if (aid_parse(v, vlen, &f->aid, &why, expect))
			return BAD(ln, "aid: %s", why);
		return 0;
	}
	}
	return 0;
}

/* Rules of the kind that do not need the charter. */
static int check_kind_rules(const struct envelope_fields *f)
{
	const char *kn = kinds[f->kind].name;
	if (kinds[f->kind].ref == REQ && !f->has_ref)
		return err_set(ERR_FORMAT, "envelope: a '%s' needs a ref line", kn);
	if (kinds[f->kind].ref == NO && f->has_ref)
		return err_set(ERR_FORMAT, "envelope: a '%s' has no ref line", kn);
	if (kinds[f->kind].body == REQ && !f->has_body)
		return err_set(ERR_FORMAT, "envelope: a '%s' needs a body", kn);
	if (kinds[f->kind].body == NO && f->has_body)
		return err_set(ERR_FORMAT, "envelope: a '%s' has no body", kn);
	if (f->urgent && !kinds[f->kind].priority_ok)
		return err_set(ERR_FORMAT, "envelope: only a request or a notice can be urgent");
	if ((unsigned)f->aid.type > ENV_AID_CROSSING)
		return err_set(ERR_FORMAT, "envelope: aid line of unknown type %d", (int)f->aid.type);
	if (f->aid.type == ENV_AID_CONSIGNMENT && f->kind != ENV_NOTICE)
		return err_set(ERR_FORMAT, "envelope: an 'aid: consignment' line goes only in a notice, not in a '%s'", kn);
	if ((f->aid.type == ENV_AID_INSPECTION || f->aid.type == ENV_AID_CROSSING) && f->kind != ENV_UPDATE)
		return err_set(ERR_FORMAT, "envelope: an 'aid: %s' line goes only in an update, not in a '%s'",
			       aid_types[f->aid.type], kn);
	int from_is_party = !syntax_agency_name(f->from, strlen(f->from));
	if (f->kind == ENV_RECEIVED && !from_is_party)
		return err_set(ERR_FORMAT, "envelope: a 'received' is from a party (its node), not an agency");
	if (f->kind != ENV_RECEIVED && from_is_party)
		return err_set(ERR_FORMAT, "envelope: a '%s' is from an agency, not a party", kn);
	if (f->kind == ENV_RECEIVED && f->handling[0])
		return err_set(ERR_FORMAT, "envelope: a 'received' carries no handling marks");
	for (size_t i = 0; i < f->nto; i++)
		if (!strcmp(f->to[i], f->from))
			return err_set(ERR_FORMAT, "envelope: '%s' sends to itself", f->from);
	return 0;
}

/*
 * The one layout of signature lines (docs/formats.md), so that the same
 * signed text has the same bytes however it reached a log (DESIGN.md
 * principle 6): no key name signs twice, and a statement's signatures come in
 * the order it names its agencies ('from', then 'to' in order). Which keys
 * may and must sign needs the charter: envelope_verify checks that. Not
 * part of envelope_parse, so that a verifier still sees the fields (the case)
 * of a re-shaped copy and can list it as what it is: a replay.
 */
int envelope_check_layout(const struct envelope *e)
{
	const struct envelope_fields *f = &e->f;
	const struct note *n = &e->note;
	size_t pos = 0; /* a statement's next signer may be named at pos or after */
	for (size_t s = 0; s < n->nsigs; s++) {
		const char *name = n->sigs[s].name;
		for (size_t t = 0; t < s; t++)
			if (!strcmp(n->sigs[t].name, name))
				return err_set(ERR_FORMAT, "envelope: signature line %zu repeats %s (one line per signer)", s + 1,
					       name);
		if (f->kind != ENV_STATEMENT)
			continue;
		size_t at; /* where the statement names this signer: 0 'from', 1.. 'to' */
		for (at = 0; at <= f->nto; at++)
			if (!strcmp(at ? f->to[at - 1] : f->from, name))
				break;
		if (at > f->nto)
			continue; /* not a named agency: envelope_verify refuses it */
		if (at < pos)
			return err_set(ERR_FORMAT, "envelope: signature line %zu (%s) is out of order: a statement's "
						   "signatures follow the order it names its agencies, 'from' then 'to'",
				       s + 1, name);
		pos = at + 1;
	}
	return 0;
}

int envelope_parse(struct envelope *e, const uint8_t *data, size_t len)
{
	memset(e, 0, sizeof *e);
	if (len > ENVELOPE_MAX_SIZE)
		return err_set(ERR_LIMIT, "envelope is %zu bytes, over the limit of %d", len, ENVELOPE_MAX_SIZE);
	int rc = note_parse(&e->note, data, len);
	if (rc)
		return err_wrap(rc, "envelope");
	size_t first = sizeof ENVELOPE_FIRST_LINE; /* with its newline */
	const char *t = e->note.data;
	size_t tl = e->note.text_len;
	struct parse_state st = {.f = &e->f, .last = -1};
	if (tl < first || memcmp(t, ENVELOPE_FIRST_LINE "\n", first) != 0) {
		rc = err_set(ERR_FORMAT, "envelope line 1: must be '%s'", ENVELOPE_FIRST_LINE);
		goto out;
	}
	if (tl == first) {
		rc = err_set(ERR_FORMAT, "envelope has no fields");
		goto out;
	}
	if ((rc = syntax_lines("envelope", 2, t + first, tl - first, on_line, &st))) {
		if (!strstr(err_msg(), "envelope line"))
			err_wrap(rc, "envelope");
		goto out;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (!key_optional[k] && !st.seen[k]) {
			rc = err_set(ERR_FORMAT, "envelope: '%s' is missing", key_names[k]);
			goto out;
		}
	rc = check_kind_rules(&e->f);
out:
	if (rc)
		envelope_release(e);
	return rc;
}

void envelope_release(struct envelope *e)
{
	note_release(&e->note);
}

int envelope_aid_format(const struct envelope_aid *a, struct buf *out)
{
	char t[21];
	int rc;
	syntax_format_time(a->time, t);
	switch (a->type) {
	case ENV_AID_CONSIGNMENT: {
		const char *sep = "";
		if (strnlen(a->crossing, sizeof a->crossing) == sizeof a->crossing)
			return err_set(ERR_FORMAT, "envelope: aid crossing id is too long");
		if ((rc = buf_printf(out, "aid: consignment crossing=%s cross-by=%s trucks=%" PRIu32 " sectors=",
				     a->crossing, t, a->trucks)))
			return rc;
		for (int i = 0; i < AID_SECTOR_COUNT; i++) {
			if (!a->sector_trucks[i])
				continue;
			if ((rc = buf_printf(out, "%s%s:%" PRIu32, sep, aid_sectors[i], a->sector_trucks[i])))
				return rc;
			sep = ",";
		}
		return buf_printf(out, " beneficiaries=%" PRIu32 "\n", a->beneficiaries);
	}
	case ENV_AID_INSPECTION:
		if ((unsigned)a->result >= AID_RESULT_COUNT)
			return err_set(ERR_FORMAT, "envelope: aid inspection result %d is unknown", (int)a->result);
		return buf_printf(out, "aid: inspection result=%s trucks=%" PRIu32 "\n", aid_results[a->result], a->trucks);
	case ENV_AID_CROSSING:
		return buf_printf(out, "aid: crossing crossed=%s trucks=%" PRIu32 "\n", t, a->trucks);
	default:
		return err_set(ERR_FORMAT, "envelope: aid line of unknown type %d", (int)a->type);
	}
}

int envelope_format(const struct envelope_fields *f, struct buf *out)
{
	char t[21], b64[64], hex[65];
	size_t start = out->len;
	int rc = check_kind_rules(f);
	if (rc)
		return rc;
	syntax_format_time(f->time, t);
	if ((rc = buf_printf(out, "%s\nchannel: %s\nfrom: %s\nto:", ENVELOPE_FIRST_LINE, f->channel, f->from)))
		return rc;
	for (size_t i = 0; i < f->nto; i++)
		if ((rc = buf_printf(out, " %s", f->to[i])))
			return rc;
	if ((rc = buf_printf(out, "\ncase: %s\nkind: %s\ntime: %s\n", f->case_id, kinds[f->kind].name, t)))
		return rc;
	if (f->has_ref) {
		b64_encode(b64, f->ref.leaf, 32);
		if ((rc = buf_printf(out, "ref: %s %" PRIu64 " %s\n", f->ref.origin, f->ref.index, b64)))
			return rc;
	}
	if (f->has_body) {
		hex_encode(hex, f->body_hash, 32);
		if ((rc = buf_printf(out, "body: %s %" PRIu64 "\n", hex, f->body_size)))
			return rc;
	}
	if (f->handling[0] && (rc = buf_printf(out, "handling: %s\n", f->handling)))
		return rc;
	if (f->urgent && (rc = buf_printf(out, "priority: urgent\n")))
		return rc;
	if (f->aid.type != ENV_AID_NONE && (rc = envelope_aid_format(&f->aid, out)))
		return rc;
	/* Round-trip through the parser's field checks, so we never sign what we would refuse. */
	struct envelope_fields check;
	memset(&check, 0, sizeof check);
	struct parse_state st = {.f = &check, .last = -1};
	size_t first = start + sizeof ENVELOPE_FIRST_LINE;
	return syntax_lines("envelope", 2, (const char *)out->data + first, out->len - first, on_line, &st);
}

/* The keys expected to sign e, into keys; returns their count. */
static size_t expected_signers(const struct envelope *e, const struct charter *c, struct note_verifier *keys,
			       const char **names)
{
	size_t n = 0;
	const struct envelope_fields *f = &e->f;
	if (f->kind == ENV_RECEIVED) {
		const struct charter_party *p = charter_party(c, f->from, strlen(f->from));
		if (p) {
			keys[n] = p->node_key;
			names[n++] = p->id;
		}
		return n;
	}
	const struct charter_agency *a = charter_agency(c, f->from, strlen(f->from));
	if (a) {
		keys[n] = a->key;
		names[n++] = a->name;
	}
	if (f->kind == ENV_STATEMENT)
		for (size_t i = 0; i < f->nto; i++) {
			const struct charter_agency *b = charter_agency(c, f->to[i], strlen(f->to[i]));
			if (b) {
				keys[n] = b->key;
				names[n++] = b->name;
			}
		}
	return n;
}

int envelope_verify(const struct envelope *e, const struct charter *c)
{
	const struct envelope_fields *f = &e->f;
	if (strcmp(f->channel, c->id_hex) != 0)
		return err_set(ERR_VERIFY, "envelope belongs to channel %.16s..., not to this charter's %.16s...", f->channel,
			       c->id_hex);
	if (f->kind == ENV_RECEIVED) {
		if (!charter_party(c, f->from, strlen(f->from)))
			return err_set(ERR_VERIFY, "envelope is from party '%s', which the charter does not list", f->from);
	} else if (!charter_agency(c, f->from, strlen(f->from))) {
		return err_set(ERR_VERIFY, "envelope is from '%s', which is not an agency of the charter", f->from);
	}
	for (size_t i = 0; i < f->nto; i++)
		if (!charter_agency(c, f->to[i], strlen(f->to[i])))
			return err_set(ERR_VERIFY, "envelope is addressed to '%s', which is not an agency of the charter", f->to[i]);
	if (f->aid.type != ENV_AID_NONE && !(c->profiles & CHARTER_PROFILE_AID_CROSSING))
		return err_set(ERR_FORMAT, "envelope: an aid line belongs to the aid-crossing profile, which the charter "
					   "does not enable");
	const char *slash = strchr(f->case_id, '/');
	if (!charter_agency(c, f->case_id, (size_t)(slash - f->case_id)))
		return err_set(ERR_VERIFY, "case %s is not opened by an agency of the charter", f->case_id);
	if (f->kind == ENV_RECEIVED) {
		/* A node acknowledges envelopes addressed to its own agencies. */
		for (size_t i = 0; i < f->nto; i++) {
			size_t pl = syntax_agency_party_len(f->to[i], strlen(f->to[i]));
			if (pl == strlen(f->from) && !memcmp(f->to[i], f->from, pl))
				return err_set(ERR_FORMAT, "envelope: a 'received' goes to the other party's agencies");
		}
	}
	int rc = envelope_check_layout(e);
	if (rc)
		return rc;
	struct note_verifier keys[ENVELOPE_MAX_TO + 1];
	const char *names[ENVELOPE_MAX_TO + 1];
	int ok[ENVELOPE_MAX_TO + 1];
	size_t nk = expected_signers(e, c, keys, names);
	for (size_t s = 0; s < e->note.nsigs; s++) {
		size_t i;
		for (i = 0; i < nk; i++)
			if (keys[i].id == e->note.sigs[s].id && !strcmp(keys[i].name, e->note.sigs[s].name))
				break;
		if (i == nk)
			return err_set(ERR_VERIFY, "envelope carries a signature by '%s', which is not the key of %s",
				       e->note.sigs[s].name, f->kind == ENV_STATEMENT ? "an agency it names" : f->from);
	}
	size_t good;
	if ((rc = note_check_sigs(&e->note, keys, nk, ok, NULL, &good)))
		return err_wrap(rc, "envelope");
	for (size_t i = 0; i < nk; i++)
		if (!ok[i])
			return err_set(ERR_VERIFY, "envelope lacks the signature of %s", names[i]);
	return 0;
}

int envelope_missing_signers(const struct envelope *e, const struct charter *c, struct buf *out)
{
	struct note_verifier keys[ENVELOPE_MAX_TO + 1];
	const char *names[ENVELOPE_MAX_TO + 1];
	int ok[ENVELOPE_MAX_TO + 1];
	size_t nk = expected_signers(e, c, keys, names), good;
	int rc = note_check_sigs(&e->note, keys, nk, ok, NULL, &good);
	for (size_t i = 0; !rc && i < nk; i++)
		if (!ok[i])
			rc = buf_printf(out, "%s%s", out->len ? ", " : "", names[i]);
	return rc;
}

void envelope_id(const struct envelope *e, uint8_t id[32])
{
	sha256(e->note.data, e->note.text_len, id);
}

int envelope_identity(const uint8_t *data, size_t len, uint8_t id[32])
{
	struct note n;
	int rc = note_parse(&n, data, len);
	if (rc)
		return rc;
	sha256(n.data, n.text_len, id);
	note_release(&n);
	return 0;
}

int envelope_check_body(const struct envelope *e, const uint8_t *body, size_t len)
{
	if (!e->f.has_body)
		return err_set(ERR_VERIFY, "envelope has no body line, but a body was given");
	if (len != e->f.body_size)
		return err_set(ERR_VERIFY, "body is %zu bytes, the envelope says %" PRIu64, len, e->f.body_size);
	uint8_t h[32];
	sha256(body, len, h);
	if (memcmp(h, e->f.body_hash, 32) != 0)
		return err_set(ERR_VERIFY, "body's SHA-256 does not match the envelope");
	return 0;
}
