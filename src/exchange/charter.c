#include "exchange/charter.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"

#include <stdlib.h>
#include <string.h>

enum key { K_NAME, K_LEGAL, K_PARTY, K_AGENCY, K_WITNESS, K_PROFILES, K_ACK, K_ANSWER, K_UACK, K_UANSWER, K_TERM,
	   K_REPORT, K_QUORUM, K_HEARTBEAT, K_COUNT };

static const struct {
	const char *name;
	int repeat;   /* may appear more than once */
	int optional; /* may be absent */
} keys[K_COUNT] = {
	[K_NAME] = {"name", 0, 0},           [K_LEGAL] = {"legal-basis", 0, 0},
	[K_PARTY] = {"party", 1, 0},         [K_AGENCY] = {"agency", 1, 0},
	[K_WITNESS] = {"witness", 1, 1},     [K_PROFILES] = {"profiles", 0, 0},
	[K_ACK] = {"ack", 0, 0},             [K_ANSWER] = {"answer", 0, 0},
	[K_UACK] = {"urgent-ack", 0, 0},     [K_UANSWER] = {"urgent-answer", 0, 0},
	[K_TERM] = {"term", 0, 0},           [K_REPORT] = {"reporting-period", 0, 0},
	[K_QUORUM] = {"witness-quorum", 0, 1}, [K_HEARTBEAT] = {"heartbeat", 0, 1},
};

struct parse_state {
	struct charter *c;
	int last;      /* index of the last key seen, -1 at the start */
	int seen[K_COUNT];
};

#define FAIL(ln, ...) err_wrap(err_set(ERR_FORMAT, __VA_ARGS__), "charter line %zu", (ln))

static int parse_vkey(struct note_verifier *v, const char *s, size_t n, uint8_t type, const char *want_name,
		      size_t line_no, const char *what)
{
	if (note_verifier_parse(v, s, n))
		return FAIL(line_no, "%s is not a valid verifier key (%s)", what, err_msg());
	if (v->type != type)
		return FAIL(line_no, "%s must be of type 0x%02x", what, type);
	if (want_name && strcmp(v->name, want_name) != 0)
		return FAIL(line_no, "%s is named '%s', expected '%s'", what, v->name, want_name);
	return 0;
}

static int line_party(struct charter *c, size_t ln, const char *val, size_t vlen)
{
	const char *w[3];
	size_t wl[3];
	if (syntax_words(val, vlen, w, wl, 3) != 3)
		return FAIL(ln, "party: expected '<id> <url> <node verifier key>'");
	if (c->nparties == CHARTER_MAX_PARTIES)
		return FAIL(ln, "more than %d parties", CHARTER_MAX_PARTIES);
	struct charter_party *p = &c->parties[c->nparties];
	if (!syntax_party_id(w[0], wl[0]))
		return FAIL(ln, "party id '%.*s' is not of the form [a-z][a-z0-9-]{0,15}", (int)wl[0], w[0]);
	if (charter_party(c, w[0], wl[0]))
		return FAIL(ln, "party '%.*s' is listed twice", (int)wl[0], w[0]);
	if (!syntax_url(w[1], wl[1]))
		return FAIL(ln, "party %.*s: '%.*s' is not an http(s) URL without query or fragment", (int)wl[0], w[0],
			    (int)wl[1], w[1]);
	syntax_copy(p->id, sizeof p->id, w[0], wl[0]);
	syntax_copy(p->url, sizeof p->url, w[1], wl[1]);
	int rc = parse_vkey(&p->node_key, w[2], wl[2], NOTE_ED25519, NULL, ln, "node key");
	if (rc)
		return rc;
	for (size_t i = 0; i < c->nparties; i++)
		if (!strcmp(c->parties[i].node_key.name, p->node_key.name))
			return FAIL(ln, "node key name '%s' is used by two parties", p->node_key.name);
	p->node_cosigner = p->node_key;
	p->node_cosigner.type = NOTE_COSIGNATURE;
	p->node_cosigner.id = note_key_id(p->node_key.name, NOTE_COSIGNATURE, p->node_key.pub);
	c->nparties++;
	return 0;
}

static int line_agency(struct charter *c, size_t ln, const char *val, size_t vlen)
{
	const char *w[3];
	size_t wl[3];
	if (syntax_words(val, vlen, w, wl, 3) != 3)
		return FAIL(ln, "agency: expected '<name> <verifier key> <age recipient>'");
	if (c->nagencies == CHARTER_MAX_AGENCIES)
		return FAIL(ln, "more than %d agencies", CHARTER_MAX_AGENCIES);
	struct charter_agency *a = &c->agencies[c->nagencies];
	if (!syntax_agency_name(w[0], wl[0]))
		return FAIL(ln, "agency name '%.*s' is not of the form <party>.<name>", (int)wl[0], w[0]);
	if (charter_agency(c, w[0], wl[0]))
		return FAIL(ln, "agency '%.*s' is listed twice", (int)wl[0], w[0]);
	size_t pl = syntax_agency_party_len(w[0], wl[0]);
	const struct charter_party *p = charter_party(c, w[0], pl);
	if (!p)
		return FAIL(ln, "agency '%.*s' belongs to party '%.*s', which is not listed", (int)wl[0], w[0], (int)pl, w[0]);
	a->party = (int)(p - c->parties);
	syntax_copy(a->name, sizeof a->name, w[0], wl[0]);
	int rc = parse_vkey(&a->key, w[1], wl[1], NOTE_ED25519, a->name, ln, "agency key");
	if (rc)
		return rc;
	if (age_recipient_decode(&a->recipient, w[2], wl[2]) || a->recipient.type != AGE_TYPE_X25519)
		return FAIL(ln, "agency %s: '%.*s' is not an age X25519 recipient (age1...)", a->name, (int)wl[2], w[2]);
	syntax_copy(a->recipient_text, sizeof a->recipient_text, w[2], wl[2]);
	c->nagencies++;
	return 0;
}

static int line_witness(struct charter *c, size_t ln, const char *val, size_t vlen)
{
	const char *w[3];
	size_t wl[3];
	if (syntax_words(val, vlen, w, wl, 3) != 3)
		return FAIL(ln, "witness: expected '<id> <url> <cosigner verifier key>'");
	if (c->nwitnesses == CHARTER_MAX_WITNESSES)
		return FAIL(ln, "more than %d witnesses", CHARTER_MAX_WITNESSES);
	struct charter_witness *x = &c->witnesses[c->nwitnesses];
	if (!syntax_witness_id(w[0], wl[0]))
		return FAIL(ln, "witness id '%.*s' is not of the form [a-z0-9][a-z0-9.-]*", (int)wl[0], w[0]);
	for (size_t i = 0; i < c->nwitnesses; i++)
		if (strlen(c->witnesses[i].id) == wl[0] && !memcmp(c->witnesses[i].id, w[0], wl[0]))
			return FAIL(ln, "witness '%.*s' is listed twice", (int)wl[0], w[0]);
	if (!syntax_url(w[1], wl[1]))
		return FAIL(ln, "witness %.*s: '%.*s' is not an http(s) URL", (int)wl[0], w[0], (int)wl[1], w[1]);
	syntax_copy(x->id, sizeof x->id, w[0], wl[0]);
	syntax_copy(x->url, sizeof x->url, w[1], wl[1]);
	int rc = parse_vkey(&x->key, w[2], wl[2], NOTE_COSIGNATURE, x->id, ln, "witness key");
	if (rc)
		return rc;
	c->nwitnesses++;
	return 0;
}

static int line_profiles(struct charter *c, size_t ln, const char *val, size_t vlen)
{
	const char *w[4];
	size_t wl[4];
	int n = syntax_words(val, vlen, w, wl, 4);
	if (n < 1)
		return FAIL(ln, "profiles: expected one or more of cyber-mla, aid-crossing");
	for (int i = 0; i < n; i++) {
		unsigned bit;
		if (wl[i] == 9 && !memcmp(w[i], "cyber-mla", 9))
			bit = CHARTER_PROFILE_CYBER_MLA;
		else if (wl[i] == 12 && !memcmp(w[i], "aid-crossing", 12))
			bit = CHARTER_PROFILE_AID_CROSSING;
		else
			return FAIL(ln, "unknown profile '%.*s' (known: cyber-mla, aid-crossing)", (int)wl[i], w[i]);
		if (c->profiles & bit)
			return FAIL(ln, "profile '%.*s' is listed twice", (int)wl[i], w[i]);
		c->profiles |= bit;
	}
	return 0;
}

static int on_line(void *ctx, size_t line_no, const char *key, size_t klen, const char *val, size_t vlen)
{
	struct parse_state *st = ctx;
	struct charter *c = st->c;
	size_t ln = line_no;
	int k;
	for (k = 0; k < K_COUNT; k++)
		if (strlen(keys[k].name) == klen && !memcmp(keys[k].name, key, klen))
			break;
	if (k == K_COUNT)
		return FAIL(ln, "unknown key '%.*s'", (int)klen, key);
	if (k < st->last)
		return FAIL(ln, "'%s' is out of order (it must come before '%s')", keys[k].name, keys[st->last].name);
	if (st->seen[k] && !keys[k].repeat)
		return FAIL(ln, "'%s' appears twice", keys[k].name);
	for (int m = st->last + 1; m < k; m++)
		if (!keys[m].optional && !st->seen[m])
			return FAIL(ln, "'%s' is missing before '%s'", keys[m].name, keys[k].name);
	st->seen[k] = 1;
	st->last = k;
	const char *w[2];
	size_t wl[2];
	switch (k) {
	case K_NAME:
		if (syntax_copy(c->name, sizeof c->name, val, vlen))
			return FAIL(ln, "name is longer than %zu bytes", sizeof c->name - 1);
		return 0;
	case K_LEGAL:
		if (syntax_copy(c->legal_basis, sizeof c->legal_basis, val, vlen))
			return FAIL(ln, "legal-basis is longer than %zu bytes", sizeof c->legal_basis - 1);
		return 0;
	case K_PARTY:
		return line_party(c, ln, val, vlen);
	case K_AGENCY:
		return line_agency(c, ln, val, vlen);
	case K_WITNESS:
		return line_witness(c, ln, val, vlen);
	case K_PROFILES:
		return line_profiles(c, ln, val, vlen);
	case K_ACK:
	case K_ANSWER:
	case K_UACK:
	case K_UANSWER:
	case K_REPORT:
	case K_HEARTBEAT: {
		uint64_t *dst = k == K_ACK ? &c->ack : k == K_ANSWER ? &c->answer : k == K_UACK ? &c->urgent_ack
				: k == K_UANSWER ? &c->urgent_answer : k == K_HEARTBEAT ? &c->heartbeat : &c->reporting_period;
		if (syntax_duration(val, vlen, dst))
			return FAIL(ln, "%s: '%.*s' is not a duration like 24h, 30d or 90m", keys[k].name, (int)vlen, val);
		return 0;
	}
	case K_QUORUM: {
		uint64_t q;
		if (dec_u64(val, vlen, &q) || q < 1 || q > CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)
			return FAIL(ln, "witness-quorum: '%.*s' is not a number of cosigners from 1 to %d", (int)vlen, val,
				    CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES);
		c->witness_quorum = (unsigned)q;
		return 0;
	}
	case K_TERM:
		if (syntax_words(val, vlen, w, wl, 2) != 2 || syntax_time(w[0], wl[0], &c->term_start) ||
		    syntax_time(w[1], wl[1], &c->term_end))
			return FAIL(ln, "term: expected '<start> <end>' as RFC 3339 UTC times");
		if (c->term_end <= c->term_start)
			return FAIL(ln, "term: the end is not after the start");
		return 0;
	}
	return 0;
}

/* Builds the canonical text of a draft: comment and blank lines dropped. */
static int check_signatures(struct charter *c, const struct note *n)
{
	struct note_verifier keys_[CHARTER_MAX_PARTIES];
	for (size_t i = 0; i < c->nparties; i++)
		keys_[i] = c->parties[i].node_key;
	for (size_t s = 0; s < n->nsigs; s++) {
		size_t i;
		for (i = 0; i < c->nparties; i++)
			if (keys_[i].id == n->sigs[s].id && !strcmp(keys_[i].name, n->sigs[s].name))
				break;
		if (i == c->nparties)
			return err_set(ERR_VERIFY, "charter is signed by '%s', which is not a party's node key", n->sigs[s].name);
	}
	size_t good;
	int rc = note_check_sigs(n, keys_, c->nparties, c->signed_by, NULL, &good);
	if (rc)
		return err_wrap(rc, "charter");
	c->nsigned = good;
	return buf_append(&c->signatures, n->data + n->text_len + 1, n->len - n->text_len - 1);
}

int charter_parse(struct charter *c, const uint8_t *data, size_t len)
{
	memset(c, 0, sizeof *c);
	buf_init(&c->text, CHARTER_MAX_SIZE);
	buf_init(&c->signatures, CHARTER_MAX_SIZE);
	struct note n = {0};
	int rc, is_note = syntax_has_signature_lines(data, len);
	if (len > CHARTER_MAX_SIZE) {
		rc = err_set(ERR_LIMIT, "charter is larger than %u bytes", CHARTER_MAX_SIZE);
		goto out;
	}
	if (is_note) {
		if ((rc = note_parse(&n, data, len))) {
			err_wrap(rc, "charter");
			goto out;
		}
		rc = buf_append(&c->text, n.data, n.text_len);
	} else {
		rc = syntax_strip_draft(&c->text, (const char *)data, len);
	}
	if (rc)
		goto out;
	if ((rc = note_text_valid((const char *)c->text.data, c->text.len))) {
		err_wrap(rc, "charter");
		goto out;
	}
	size_t first = sizeof CHARTER_FIRST_LINE;  /* includes the newline */
	if (c->text.len < first || memcmp(c->text.data, CHARTER_FIRST_LINE "\n", first) != 0) {
		rc = err_set(ERR_FORMAT, "charter line 1: must be '%s'", CHARTER_FIRST_LINE);
		goto out;
	}
	struct parse_state st = {.c = c, .last = -1};
	if (c->text.len == first) {
		rc = err_set(ERR_FORMAT, "charter has no content after its first line");
		goto out;
	}
	if ((rc = syntax_lines("charter", 2, (const char *)c->text.data + first, c->text.len - first, on_line, &st))) {
		if (!strstr(err_msg(), "charter line"))
			err_wrap(rc, "charter");
		goto out;
	}
	for (int k = 0; k < K_COUNT; k++)
		if (!keys[k].optional && !st.seen[k]) {
			rc = err_set(ERR_FORMAT, "charter: '%s' is missing", keys[k].name);
			goto out;
		}
	if (!st.seen[K_QUORUM])
		c->witness_quorum = CHARTER_DEFAULT_QUORUM;
	if (!st.seen[K_HEARTBEAT])
		c->heartbeat = CHARTER_DEFAULT_HEARTBEAT;
	if (c->nparties >= 1 && c->witness_quorum > c->nparties - 1 + c->nwitnesses) {
		rc = err_set(ERR_FORMAT, "charter: witness-quorum %u is more than the %zu cosigners each log has", c->witness_quorum,
			     c->nparties - 1 + c->nwitnesses);
		goto out;
	}
	if (c->nparties < 2) {
		rc = err_set(ERR_FORMAT, "charter: a channel needs at least two parties");
		goto out;
	}
	sha256(c->text.data, c->text.len, c->id);
	hex_encode(c->id_hex, c->id, 32);
	if (is_note)
		rc = check_signatures(c, &n);
out:
	note_release(&n);
	if (rc)
		charter_release(c);
	return rc;
}

int charter_load(struct charter *c, const char *path)
{
	struct buf b;
	buf_init(&b, CHARTER_MAX_SIZE);
	int rc = file_read(path, CHARTER_MAX_SIZE, &b);
	if (!rc)
		rc = charter_parse(c, b.data, b.len);
	buf_release(&b);
	return rc;
}

void charter_release(struct charter *c)
{
	buf_release(&c->text);
	buf_release(&c->signatures);
}

int charter_complete(const struct charter *c)
{
	return c->nsigned == c->nparties;
}

int charter_sign(const struct charter *c, const struct note_signer *key, struct buf *out)
{
	size_t i;
	for (i = 0; i < c->nparties; i++)
		if (c->parties[i].node_key.id == key->id && !strcmp(c->parties[i].node_key.name, key->name))
			break;
	if (i == c->nparties || key->type != NOTE_ED25519)
		return err_set(ERR_USAGE, "key '%s' is not the node key of any party in this charter", key->name);
	if (c->signed_by[i])
		return err_set(ERR_CONFLICT, "party %s has already signed this charter", c->parties[i].id);
	int rc = buf_append(out, c->text.data, c->text.len);
	if (!rc)
		rc = buf_append_byte(out, '\n');
	if (!rc)
		rc = buf_append(out, c->signatures.data, c->signatures.len);
	if (!rc)
		rc = note_sign_line(out, (const char *)c->text.data, c->text.len, key, 0);
	return rc;
}

const struct charter_agency *charter_agency(const struct charter *c, const char *name, size_t len)
{
	for (size_t i = 0; i < c->nagencies; i++)
		if (strlen(c->agencies[i].name) == len && !memcmp(c->agencies[i].name, name, len))
			return &c->agencies[i];
	return NULL;
}

const struct charter_party *charter_party(const struct charter *c, const char *id, size_t len)
{
	for (size_t i = 0; i < c->nparties; i++)
		if (strlen(c->parties[i].id) == len && !memcmp(c->parties[i].id, id, len))
			return &c->parties[i];
	return NULL;
}

const struct charter_party *charter_party_of_log(const struct charter *c, const char *origin)
{
	for (size_t i = 0; i < c->nparties; i++)
		if (!strcmp(c->parties[i].node_key.name, origin))
			return &c->parties[i];
	return NULL;
}

const struct charter_party *charter_party_of_key(const struct charter *c, const char *name, uint32_t id,
						  const uint8_t pub[32])
{
	const struct charter_party *p = charter_party_of_log(c, name);
	return p && p->node_key.id == id && !memcmp(p->node_key.pub, pub, 32) ? p : NULL;
}

const struct charter_witness *charter_witness(const struct charter *c, const char *id)
{
	for (size_t i = 0; i < c->nwitnesses; i++)
		if (!strcmp(c->witnesses[i].id, id))
			return &c->witnesses[i];
	return NULL;
}

int charter_cosigner_index(const struct charter *c, const char *name)
{
	for (size_t p = 0; p < c->nparties; p++)
		if (!strcmp(c->parties[p].node_cosigner.name, name))
			return (int)p;
	for (size_t w = 0; w < c->nwitnesses; w++)
		if (!strcmp(c->witnesses[w].key.name, name))
			return (int)(c->nparties + w);
	return -1;
}

const struct note_verifier *charter_cosigner(const struct charter *c, const char *name)
{
	int i = charter_cosigner_index(c, name);
	if (i < 0)
		return NULL;
	return (size_t)i < c->nparties ? &c->parties[i].node_cosigner : &c->witnesses[(size_t)i - c->nparties].key;
}

size_t charter_cosigners_of_log(const struct charter *c, const char *origin, struct note_verifier *out)
{
	size_t n = 0;
	for (size_t i = 0; i < c->nparties; i++)
		if (strcmp(c->parties[i].node_key.name, origin))
			out[n++] = c->parties[i].node_cosigner;
	for (size_t i = 0; i < c->nwitnesses; i++)
		out[n++] = c->witnesses[i].key;
	return n;
}

int charter_template(struct buf *out)
{
	return buf_append_str(out,
		"# A parley charter: the founding agreement of a channel. Fill in every line,\n"
		"# then each party signs with its node key: parley charter sign FILE --key NODE.key\n"
		"# Lines starting with '#' are comments and are dropped when the first party signs.\n"
		"# Keys must appear in this order; 'party', 'agency' and 'witness' may repeat.\n"
		CHARTER_FIRST_LINE "\n"
		"# name: free text naming the channel\n"
		"name: Expert consultation mechanism on cybersecurity\n"
		"# legal-basis: the instrument the exchange rests on\n"
		"legal-basis: Treaty on Mutual Legal Assistance in Criminal Matters (1999)\n"
		"# party: <id> <node URL> <node verifier key, from: parley key vkey NODE.key>\n"
		"party: us https://us.parley.example <us node verifier key>\n"
		"party: ru https://ru.parley.example <ru node verifier key>\n"
		"# agency: <party>.<name> <verifier key> <age recipient, from: parley key age-recipient AGENCY.key>\n"
		"agency: us.fbi <verifier key> <age recipient>\n"
		"agency: ru.fsb <verifier key> <age recipient>\n"
		"# witness: <id> <URL> <cosigner verifier key, from: parley key vkey W.key --cosigner> (optional, repeatable)\n"
		"# witness: un.witness https://witness.example <cosigner verifier key>\n"
		"# profiles: cyber-mla and/or aid-crossing\n"
		"profiles: cyber-mla\n"
		"# deadlines, as <number><m|h|d>: acknowledge and answer, normal and urgent\n"
		"ack: 24h\n"
		"answer: 30d\n"
		"urgent-ack: 4h\n"
		"urgent-answer: 72h\n"
		"# term: <start> <end> of the mandate, RFC 3339 UTC\n"
		"term: 2021-07-09T00:00:00Z 2022-01-09T00:00:00Z\n"
		"# reporting-period: how often the implementation report is due\n"
		"reporting-period: 30d\n"
		"# witness-quorum: cosigners (other parties' nodes, neutral witnesses) a checkpoint needs\n"
		"# before a report counts it (optional, default 1); heartbeat: an idle node pushes its\n"
		"# checkpoint to its witnesses at least this often (optional, default 1h)\n"
		"witness-quorum: 1\n"
		"heartbeat: 1h\n");
}
