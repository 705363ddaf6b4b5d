/* amendment — a signed change to the charter in force (see amendment.h, docs/amendments.md). */
#include "exchange/amendment.h"

#include "base/enc.h"
#include "base/err.h"
#include "crypto/sha256.h"
#include "exchange/syntax.h"

#include <stdio.h>
#include <string.h>

#define CHARTER_HEAD CHARTER_FIRST_LINE "\n"

/* The header's keys, in their order; reason is the only optional one. */
enum { H_CHANNEL, H_NUMBER, H_PREVIOUS, H_EFFECTIVE, H_REASON, H_COUNT };
static const char *const header_keys[H_COUNT] = {"channel", "number", "previous", "effective", "reason"};

int amendment_is(const uint8_t *data, size_t len)
{
	size_t n = sizeof AMENDMENT_FIRST_LINE; /* with the newline */
	return data && len >= n && !memcmp(data, AMENDMENT_FIRST_LINE "\n", n);
}

/* One header line "key: value" at line line_no; fills a. 0 or ERR_FORMAT. */
static int header_value(struct amendment *a, size_t line_no, int k, const char *v, size_t n)
{
	uint64_t num;
	switch (k) {
	case H_CHANNEL:
		if (hex_decode(a->channel, 32, v, n))
			return err_set(ERR_FORMAT, "amendment line %zu: channel: %s", line_no, err_msg());
		return 0;
	case H_NUMBER:
		if (dec_u64(v, n, &num) || num < 1 || num > AMENDMENT_MAX_NUMBER)
			return err_set(ERR_FORMAT, "amendment line %zu: number must be 1 to %u, without leading zeros",
				       line_no, AMENDMENT_MAX_NUMBER);
		a->number = (unsigned)num;
		return 0;
	case H_PREVIOUS:
		if (hex_decode(a->previous, 32, v, n))
			return err_set(ERR_FORMAT, "amendment line %zu: previous: %s", line_no, err_msg());
		return 0;
	case H_EFFECTIVE:
		if (syntax_time(v, n, &a->effective))
			return err_set(ERR_FORMAT, "amendment line %zu: effective: %s", line_no, err_msg());
		return 0;
	default:
		if (n > AMENDMENT_REASON_MAX)
			return err_set(ERR_FORMAT, "amendment line %zu: reason is longer than %d bytes", line_no,
				       AMENDMENT_REASON_MAX);
		memcpy(a->reason, v, n);
		a->reason[n] = 0;
		return 0;
	}
}

/*
 * Splits the text (after its first line) into the header, filled into a,
 * and the charter's lines, which start at *body (the first line whose key is
 * not a header key). 0 or ERR_FORMAT.
 */
static int parse_header(struct amendment *a, const char *s, size_t len, size_t *body)
{
	size_t pos = sizeof AMENDMENT_FIRST_LINE, line_no = 2;
	int next = 0;
	while (pos < len) {
		const char *line = s + pos, *nl = memchr(line, '\n', len - pos);
		size_t n = (size_t)(nl - line); /* the text ends in a newline (note_text_valid) */
		int k;
		for (k = 0; k < H_COUNT; k++) {
			size_t kl = strlen(header_keys[k]);
			if (n > kl + 2 && !memcmp(line, header_keys[k], kl) && line[kl] == ':' && line[kl + 1] == ' ')
				break;
		}
		if (k == H_COUNT)
			break;
		if (k < next)
			return err_set(ERR_FORMAT, "amendment line %zu: '%s' out of order or repeated", line_no, header_keys[k]);
		if (k > next && next <= H_EFFECTIVE)
			return err_set(ERR_FORMAT, "amendment line %zu: '%s' is missing before it", line_no, header_keys[next]);
		size_t kl = strlen(header_keys[k]);
		const char *v = line + kl + 2;
		size_t vn = n - kl - 2;
		if (v[0] == ' ' || v[vn - 1] == ' ')
			return err_set(ERR_FORMAT, "amendment line %zu: no space may lead or trail a value", line_no);
		int rc = header_value(a, line_no, k, v, vn);
		if (rc)
			return rc;
		next = k + 1;
		pos += n + 1;
		line_no++;
	}
	if (next <= H_EFFECTIVE)
		return err_set(ERR_FORMAT, "amendment line %zu: '%s' is missing", line_no, header_keys[next]);
	if (pos == len)
		return err_set(ERR_FORMAT, "amendment has no charter after its header");
	*body = pos;
	return 0;
}

static size_t count_lines(const uint8_t *s, size_t n)
{
	size_t lines = 0;
	for (size_t i = 0; i < n; i++)
		lines += s[i] == '\n';
	return lines;
}

/* The number (0-based) of the first line of s[0..n) that starts with '#' (n lines if none). */
static size_t comment_line(const uint8_t *s, size_t n)
{
	size_t line = 0;
	for (size_t i = 0; i < n; i++) {
		if ((i == 0 || s[i - 1] == '\n') && s[i] == '#')
			return line;
		line += s[i] == '\n';
	}
	return line;
}

void amendment_release(struct amendment *a)
{
	buf_release(&a->text);
	buf_release(&a->note);
	charter_release(&a->charter);
}

int amendment_parse(struct amendment *a, const uint8_t *data, size_t len)
{
	memset(a, 0, sizeof *a);
	buf_init(&a->text, AMENDMENT_MAX_SIZE);
	buf_init(&a->note, AMENDMENT_MAX_SIZE);
	int rc, is_note = syntax_has_signature_lines(data, len);
	struct note n = {0};
	struct buf ct;
	buf_init(&ct, AMENDMENT_MAX_SIZE + sizeof CHARTER_HEAD);
	if (len > AMENDMENT_MAX_SIZE) {
		rc = err_set(ERR_LIMIT, "amendment is larger than %u bytes", AMENDMENT_MAX_SIZE);
		goto out;
	}
	if (is_note) {
		if ((rc = note_parse(&n, data, len))) {
			err_wrap(rc, "amendment");
			goto out;
		}
		if ((rc = buf_append(&a->text, n.data, n.text_len)) || (rc = buf_append(&a->note, data, len)))
			goto out;
	} else if ((rc = syntax_strip_draft(&a->text, (const char *)data, len))) {
		goto out;
	}
	if ((rc = note_text_valid((const char *)a->text.data, a->text.len))) {
		err_wrap(rc, "amendment");
		goto out;
	}
	if (!amendment_is(a->text.data, a->text.len)) {
		rc = err_set(ERR_FORMAT, "amendment line 1: must be '%s'", AMENDMENT_FIRST_LINE);
		goto out;
	}
	size_t body = 0;
	if ((rc = parse_header(a, (const char *)a->text.data, a->text.len, &body)))
		goto out;
	/* The charter it carries, parsed by the charter's own rules (its line numbers count from its first line). */
	if ((rc = buf_append(&ct, CHARTER_HEAD, sizeof CHARTER_HEAD - 1)) ||
	    (rc = buf_append(&ct, a->text.data + body, a->text.len - body)))
		goto out;
	if ((rc = charter_parse(&a->charter, ct.data, ct.len))) {
		err_set(rc, "amendment: the charter in it (its line 1 being '%s', line 2 the amendment's line %zu): %s",
			CHARTER_FIRST_LINE, count_lines(a->text.data, body) + 1, err_msg());
		goto out;
	}
	/* the charter's parser drops '#' lines of a draft; in a signed amendment they would be signed text that
	   changes nothing, so two texts (two ids) for one amendment: refused (a draft's were dropped above) */
	if (a->charter.text.len != ct.len || memcmp(a->charter.text.data, ct.data, ct.len)) {
		rc = err_set(ERR_FORMAT, "amendment line %zu: a signed amendment holds no comment line",
			     count_lines(a->text.data, body) + 1 + comment_line(ct.data + sizeof CHARTER_HEAD - 1,
										 ct.len - (sizeof CHARTER_HEAD - 1)));
		goto out;
	}
	memcpy(a->charter.id, a->channel, 32);
	hex_encode(a->charter.id_hex, a->channel, 32);
	sha256(a->text.data, a->text.len, a->id);
	hex_encode(a->id_hex, a->id, 32);
out:
	note_release(&n);
	buf_release(&ct);
	if (rc)
		amendment_release(a);
	return rc;
}

static int same_key(const struct note_verifier *x, const struct note_verifier *y)
{
	return x->type == y->type && x->id == y->id && !strcmp(x->name, y->name) && !memcmp(x->pub, y->pub, 32);
}

size_t amendment_signers(const struct amendment *a, const struct amendment_base *b,
			 struct note_verifier out[AMENDMENT_MAX_SIGNERS], size_t party[AMENDMENT_MAX_SIGNERS])
{
	size_t n = 0;
	for (size_t i = 0; i < b->in_force->nparties; i++) {
		const struct note_verifier *old = &b->in_force->parties[i].node_key;
		party[n] = i;
		out[n++] = *old;
		if (i < a->charter.nparties && !same_key(old, &a->charter.parties[i].node_key)) {
			party[n] = i;
			out[n++] = a->charter.parties[i].node_key;
		}
	}
	return n;
}

/* The rules on content: what a follows, and what it may not change. 0 or ERR_FORMAT. */
static int check_content(const struct amendment *a, const struct amendment_base *b)
{
	const struct charter *old = b->in_force, *now = &a->charter;
	unsigned want = b->prev ? b->prev->number + 1 : 1;
	const uint8_t *prev_id = b->prev ? b->prev->id : b->founding->id;
	if (memcmp(a->channel, b->founding->id, 32))
		return err_set(ERR_FORMAT, "amendment %u: channel is not this charter's (%s)", a->number, b->founding->id_hex);
	if (a->number != want)
		return err_set(ERR_FORMAT, "amendment %u: the next amendment of this channel is number %u", a->number, want);
	if (memcmp(a->previous, prev_id, 32))
		return err_set(ERR_FORMAT, "amendment %u: previous must be the id of %s", a->number,
			       b->prev ? "the amendment before it" : "the founding charter (the channel id)");
	if (b->prev && a->effective <= b->prev->effective)
		return err_set(ERR_FORMAT, "amendment %u: effective must be later than amendment %u's", a->number,
			       b->prev->number);
	if (now->nparties != old->nparties)
		return err_set(ERR_FORMAT, "amendment %u: the parties cannot change (%zu before, %zu in it)", a->number,
			       old->nparties, now->nparties);
	for (size_t i = 0; i < old->nparties; i++) {
		if (strcmp(now->parties[i].id, old->parties[i].id))
			return err_set(ERR_FORMAT, "amendment %u: party %zu must stay '%s'", a->number, i + 1,
				       old->parties[i].id);
		if (strcmp(now->parties[i].node_key.name, old->parties[i].node_key.name))
			return err_set(ERR_FORMAT, "amendment %u: party %s's log must keep its name '%s'", a->number,
				       old->parties[i].id, old->parties[i].node_key.name);
	}
	return 0;
}

int amendment_check(const struct amendment *a, const struct amendment_base *b, int signed_by[AMENDMENT_MAX_SIGNERS],
		    int *complete)
{
	struct note_verifier keys[AMENDMENT_MAX_SIGNERS];
	size_t party[AMENDMENT_MAX_SIGNERS];
	int ok[AMENDMENT_MAX_SIGNERS] = {0};
	if (complete)
		*complete = 0;
	int rc = check_content(a, b);
	if (rc)
		return rc;
	size_t nk = amendment_signers(a, b, keys, party);
	if (a->note.len) {
		struct note n;
		if ((rc = note_parse(&n, a->note.data, a->note.len)))
			return err_wrap(rc, "amendment");
		for (size_t s = 0; s < n.nsigs && !rc; s++) {
			size_t i;
			for (i = 0; i < nk; i++)
				if (keys[i].id == n.sigs[s].id && !strcmp(keys[i].name, n.sigs[s].name))
					break;
			if (i == nk)
				rc = err_set(ERR_VERIFY, "amendment %u is signed by '%s', which is not a key that signs it",
					     a->number, n.sigs[s].name);
		}
		size_t good = 0;
		if (!rc && (rc = note_check_sigs(&n, keys, nk, ok, NULL, &good)))
			err_wrap(rc, "amendment %u", a->number);
		note_release(&n);
		if (rc)
			return rc;
	}
	size_t have = 0;
	for (size_t i = 0; i < nk; i++) {
		have += ok[i] != 0;
		if (signed_by)
			signed_by[i] = ok[i] != 0;
	}
	if (complete)
		*complete = have == nk;
	return 0;
}

int amendment_sign(const struct amendment *a, const struct amendment_base *b, const struct note_signer *key,
		   struct buf *out)
{
	struct note_verifier keys[AMENDMENT_MAX_SIGNERS], mine;
	size_t party[AMENDMENT_MAX_SIGNERS];
	int signed_by[AMENDMENT_MAX_SIGNERS];
	int rc = amendment_check(a, b, signed_by, NULL);
	if (rc)
		return rc;
	size_t nk = amendment_signers(a, b, keys, party), i;
	note_verifier_from_signer(&mine, key, NOTE_ED25519);
	for (i = 0; i < nk; i++)
		if (same_key(&keys[i], &mine))
			break;
	if (i == nk || key->type != NOTE_ED25519)
		return err_set(ERR_USAGE, "key '%s' is not a key that signs amendment %u (a party's node key, old or new)",
			       key->name, a->number);
	if (signed_by[i])
		return err_set(ERR_CONFLICT, "this key has already signed amendment %u", a->number);
	if ((rc = buf_append(out, a->text.data, a->text.len)) || (rc = buf_append_byte(out, '\n')))
		return rc;
	if (a->note.len > a->text.len + 1 && (rc = buf_append(out, a->note.data + a->text.len + 1,
							      a->note.len - a->text.len - 1)))
		return rc;
	return note_sign_line(out, (const char *)a->text.data, a->text.len, key, 0);
}

int amendment_draft(const struct amendment_base *b, int64_t effective, const char *reason, struct buf *out)
{
	char t[21];
	unsigned number = b->prev ? b->prev->number + 1 : 1;
	const uint8_t *prev_id = b->prev ? b->prev->id : b->founding->id;
	char prev_hex[65];
	hex_encode(prev_hex, prev_id, 32);
	syntax_format_time(effective, t);
	if (reason && (strlen(reason) > AMENDMENT_REASON_MAX || strchr(reason, '\n') || !reason[0]))
		return err_set(ERR_USAGE, "--reason: one line of 1 to %d bytes", AMENDMENT_REASON_MAX);
	int rc = buf_printf(out,
			    "# A draft amendment of channel %s.\n"
			    "# Below the header is the charter in force today: edit it into the charter\n"
			    "# in force from 'effective' (rotate a key by replacing it, add or remove an\n"
			    "# agency or witness, change deadlines, the witness policy, the heartbeat or\n"
			    "# the term). The parties and the names of their logs cannot change.\n"
			    "# Then every party signs with its node key ('parley charter sign'), and a\n"
			    "# party whose node key changes signs with its new key as well.\n"
			    "%s\nchannel: %s\nnumber: %u\nprevious: %s\neffective: %s\n",
			    b->founding->id_hex, AMENDMENT_FIRST_LINE, b->founding->id_hex, number, prev_hex, t);
	if (!rc && reason)
		rc = buf_printf(out, "reason: %s\n", reason);
	size_t skip = sizeof CHARTER_HEAD - 1;
	if (!rc)
		rc = buf_append(out, b->in_force->text.data + skip, b->in_force->text.len - skip);
	return rc;
}
