#include "witness/forkproof.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static const char header[] = "parley fork proof v1\n";

/* The next line of data from *pos (without its '\n'); 0, or -1 if there is no complete line. */
static int next_line(const uint8_t *data, size_t len, size_t *pos, const char **line, size_t *line_len)
{
	if (*pos >= len)
		return -1;
	const uint8_t *nl = memchr(data + *pos, '\n', len - *pos);
	if (!nl)
		return -1;
	*line = (const char *)data + *pos;
	*line_len = (size_t)(nl - (data + *pos));
	*pos += *line_len + 1;
	return 0;
}

static int hash_line(const char *s, size_t n, merkle_hash out)
{
	size_t got = 0;
	return b64_decode(out, MERKLE_HASH, &got, s, n) == 0 && got == MERKLE_HASH ? 0 : -1;
}

int forkproof_parse(struct forkproof *p, const uint8_t *data, size_t len)
{
	const char *l;
	size_t ll, pos = 0;
	memset(p, 0, sizeof *p);
	if (len > FORKPROOF_MAX)
		return err_set(ERR_LIMIT, "fork proof is larger than %d bytes", FORKPROOF_MAX);
	if (!data || len < sizeof header - 1 || memcmp(data, header, sizeof header - 1) != 0)
		return err_set(ERR_FORMAT, "not a fork proof: the first line must be 'parley fork proof v1'");
	pos = sizeof header - 1;
	size_t save = pos;
	if (next_line(data, len, &pos, &l, &ll) == 0 && ll >= 4 && !memcmp(l, "why ", 4)) {
		if (ll - 4 > FORKPROOF_WHY_MAX || utf8_text_invalid_at(l + 4, ll - 4) != ll - 4)
			return err_set(ERR_FORMAT, "the why line is longer than %d bytes, not UTF-8, or holds a control "
						   "character", FORKPROOF_WHY_MAX);
		memcpy(p->why, l + 4, ll - 4);
		p->why[ll - 4] = 0;
	} else {
		pos = save;
	}
	for (int k = 0; k < 2; k++) {
		uint64_t n;
		if (next_line(data, len, &pos, &l, &ll) || ll < 12 || memcmp(l, "checkpoint ", 11) ||
		    dec_u64(l + 11, ll - 11, &n))
			return err_set(ERR_FORMAT, "expected 'checkpoint <length>' for checkpoint %d", k + 1);
		if (n > CHECKPOINT_MAX_SIZE || n > len - pos)
			return err_set(ERR_FORMAT, "checkpoint %d: length %" PRIu64 " runs past the file or the limit", k + 1, n);
		p->note[k] = data + pos;
		p->note_len[k] = (size_t)n;
		pos += (size_t)n;
		if (checkpoint_parse_unverified(&p->cp[k], p->note[k], p->note_len[k]))
			return err_wrap(ERR_FORMAT, "checkpoint %d: %s", k + 1, err_msg());
	}
	if (p->cp[0].size > p->cp[1].size)
		return err_set(ERR_FORMAT, "the checkpoints must be in size order (smaller first)");
	if (p->cp[0].size == p->cp[1].size) {
		if (pos != len)
			return err_set(ERR_FORMAT, "bytes after the second checkpoint (two of the same size take no proof)");
		return 0;
	}
	if (next_line(data, len, &pos, &l, &ll) || ll < 6 || memcmp(l, "root ", 5) || hash_line(l + 5, ll - 5, p->root))
		return err_set(ERR_FORMAT, "sizes differ: expected 'root <base64 of 32 bytes>' after the checkpoints");
	p->has_root = 1;
	while (pos < len) {
		if (p->n == FORKPROOF_MAX_HASHES)
			return err_set(ERR_FORMAT, "more than %d consistency proof lines", FORKPROOF_MAX_HASHES);
		if (next_line(data, len, &pos, &l, &ll) || hash_line(l, ll, p->proof[p->n]))
			return err_set(ERR_FORMAT, "consistency proof line %zu is not the base64 of 32 bytes", p->n + 1);
		p->n++;
	}
	return 0;
}

static int append_hash(struct buf *out, const char *prefix, const merkle_hash h)
{
	char b64[64];
	b64_encode(b64, h, MERKLE_HASH);
	return buf_printf(out, "%s%s\n", prefix, b64);
}

/* The first of keys[0..nk) with a line in data that verifies: that line only into out, the checkpoint into cp. */
static int one_log_line(struct buf *out, struct checkpoint *cp, const uint8_t *data, size_t len,
			const struct note_verifier *keys, size_t nk)
{
	int rc = err_set(ERR_USAGE, "no log key given");
	for (size_t i = 0; i < nk; i++) {
		buf_reset(out);
		if (!(rc = note_select(out, data, len, &keys[i], 1, 0, NULL, NULL)) &&
		    !(rc = checkpoint_open(cp, out->data, out->len, &keys[i], NULL)))
			return 0;
	}
	return rc;
}

int forkproof_format(struct buf *out, const struct note_verifier *log_key, const uint8_t *a, size_t a_len,
		     const uint8_t *b, size_t b_len, const merkle_hash root, const merkle_hash *proof, size_t n,
		     const char *why)
{
	return forkproof_format_keys(out, log_key, 1, a, a_len, b, b_len, root, proof, n, why);
}

int forkproof_format_keys(struct buf *out, const struct note_verifier *keys, size_t nkeys, const uint8_t *a,
			  size_t a_len, const uint8_t *b, size_t b_len, const merkle_hash root, const merkle_hash *proof,
			  size_t n, const char *why)
{
	struct buf clean[2];
	struct checkpoint cp[2];
	const uint8_t *in[2] = {a, b};
	size_t in_len[2] = {a_len, b_len};
	int rc = 0;
	buf_init(&clean[0], CHECKPOINT_MAX_SIZE);
	buf_init(&clean[1], CHECKPOINT_MAX_SIZE);
	for (int k = 0; k < 2 && !rc; k++)
		rc = one_log_line(&clean[k], &cp[k], in[k], in_len[k], keys, nkeys);
	if (rc)
		goto out;
	int first = cp[0].size <= cp[1].size ? 0 : 1;
	if (cp[0].size != cp[1].size && !root) {
		rc = err_set(ERR_USAGE, "checkpoints of sizes %" PRIu64 " and %" PRIu64 " need a root and a consistency proof",
			     cp[first].size, cp[1 - first].size);
		goto out;
	}
	if (cp[0].size != cp[1].size && n > FORKPROOF_MAX_HASHES) {
		rc = err_set(ERR_LIMIT, "more than %d consistency proof hashes", FORKPROOF_MAX_HASHES);
		goto out;
	}
	rc = buf_append_str(out, header);
	if (!rc && why && *why) {
		rc = buf_append_str(out, "why ");
		for (size_t i = 0; !rc && why[i] && i < FORKPROOF_WHY_MAX; i++) { /* one printable ASCII line */
			unsigned char c = (unsigned char)why[i];
			rc = buf_append_byte(out, c < 0x20 || c >= 0x7f ? '?' : c);
		}
		if (!rc)
			rc = buf_append_byte(out, '\n');
	}
	for (int k = 0; k < 2 && !rc; k++) {
		const struct buf *c = &clean[k ? 1 - first : first];
		rc = buf_printf(out, "checkpoint %zu\n", c->len);
		if (!rc)
			rc = buf_append(out, c->data, c->len);
	}
	if (!rc && cp[0].size != cp[1].size) {
		rc = append_hash(out, "root ", root);
		for (size_t i = 0; i < n && !rc; i++)
			rc = append_hash(out, "", proof[i]);
	}
out:
	buf_release(&clean[0]);
	buf_release(&clean[1]);
	return rc;
}

int forkproof_verify(const struct forkproof *p, const struct note_verifier *logs, size_t nlogs, size_t *log)
{
	if (strcmp(p->cp[0].origin, p->cp[1].origin))
		return err_set(ERR_VERIFY, "the two checkpoints are of different logs ('%s' and '%s')", p->cp[0].origin,
			       p->cp[1].origin);
	size_t k = nlogs;
	for (size_t i = 0; i < nlogs && k == nlogs; i++)
		if (logs[i].type == NOTE_ED25519 && !strcmp(logs[i].name, p->cp[0].origin))
			k = i;
	if (k == nlogs)
		return err_set(ERR_VERIFY, "no log named '%s' in the charter", p->cp[0].origin);
	for (int j = 0; j < 2; j++) {
		struct note n;
		struct checkpoint cp;
		int rc = checkpoint_open(&cp, p->note[j], p->note_len[j], &logs[k], &n);
		/* the log's other keys (a rotated node key: several of one name), the first error kept if none signed */
		for (size_t i = k + 1; rc == ERR_VERIFY && i < nlogs; i++) {
			char first[512];
			snprintf(first, sizeof first, "%s", err_msg());
			if (logs[i].type != NOTE_ED25519 || strcmp(logs[i].name, p->cp[0].origin))
				continue;
			if ((rc = checkpoint_open(&cp, p->note[j], p->note_len[j], &logs[i], &n)) == ERR_VERIFY)
				err_set(ERR_VERIFY, "%s", first);
		}
		if (rc)
			return err_set(ERR_VERIFY, "checkpoint %d: %s", j + 1, err_msg());
		size_t nsigs = n.nsigs;
		note_release(&n);
		/* only the log's line: a proof says one thing, and nothing in it is left unchecked */
		if (nsigs != 1)
			return err_set(ERR_VERIFY, "checkpoint %d carries %zu signature lines; a proof's carry the log's only",
				       j + 1, nsigs);
	}
	if (p->cp[0].size == p->cp[1].size) {
		if (!memcmp(p->cp[0].root, p->cp[1].root, MERKLE_HASH))
			return err_set(ERR_VERIFY, "both checkpoints have size %" PRIu64 " and the same root: no conflict",
				       p->cp[0].size);
		*log = k;
		return 0;
	}
	if (!p->has_root)
		return err_set(ERR_VERIFY, "the sizes differ and no root and consistency proof are given");
	if (p->cp[0].size == 0) {
		merkle_hash empty;
		merkle_empty_root(empty);
		if (p->n || memcmp(p->root, empty, MERKLE_HASH))
			return err_set(ERR_VERIFY, "at size 0 the root is the empty tree's, with no proof");
	} else if (merkle_verify_consistency(p->cp[0].size, p->cp[1].size, p->root, p->cp[1].root,
					     (const merkle_hash *)p->proof, p->n)) {
		return err_set(ERR_VERIFY, "the consistency proof from size %" PRIu64 " to %" PRIu64
					   " does not verify: it shows nothing about the log", p->cp[0].size, p->cp[1].size);
	}
	if (!memcmp(p->root, p->cp[0].root, MERKLE_HASH))
		return err_set(ERR_VERIFY, "the checkpoint of size %" PRIu64 " is a prefix of the one of size %" PRIu64
					   ": consistent, no fork", p->cp[0].size, p->cp[1].size);
	*log = k;
	return 0;
}
