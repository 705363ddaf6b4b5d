#include "tlog/proof.h"
#include "base/enc.h"
#include "base/err.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char magic[] = "c2sp.org/tlog-proof@v1";

int tlog_proof_format(struct buf *out, uint64_t index, const merkle_hash *path, size_t n, const uint8_t *checkpoint,
		      size_t checkpoint_len, const uint8_t *extra, size_t extra_len)
{
	int rc = buf_printf(out, "%s\n", magic);
	if (!rc && extra) {
		struct buf e;
		buf_init(&e, b64_len(extra_len) + 1);
		if (!(rc = buf_reserve(&e, b64_len(extra_len) + 1))) {
			b64_encode((char *)e.data, extra, extra_len);
			rc = buf_printf(out, "extra %s\n", (char *)e.data);
		}
		buf_release(&e);
	}
	if (!rc)
		rc = buf_printf(out, "index %" PRIu64 "\n", index);
	if (!rc)
		rc = tlog_hashes_and_checkpoint(out, path, n, checkpoint, checkpoint_len);
	return rc;
}

int tlog_hashes_and_checkpoint(struct buf *out, const merkle_hash *hashes, size_t n, const uint8_t *checkpoint,
			       size_t checkpoint_len)
{
	char b64[64];
	int rc = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		b64_encode(b64, hashes[i], MERKLE_HASH);
		rc = buf_printf(out, "%s\n", b64);
	}
	if (!rc)
		rc = buf_append_byte(out, '\n');
	if (!rc)
		rc = buf_append(out, checkpoint, checkpoint_len);
	return rc;
}

/* Next line of data from *pos (without '\n'); 0 if there is none. */
static int next_line(const uint8_t *data, size_t len, size_t *pos, const char **line, size_t *llen)
{
	if (*pos >= len)
		return 0;
	const uint8_t *nl = memchr(data + *pos, '\n', len - *pos);
	if (!nl)
		return 0;
	*line = (const char *)data + *pos;
	*llen = (size_t)(nl - (data + *pos));
	*pos = (size_t)(nl - data) + 1;
	return 1;
}

enum tlog_hashes_status tlog_hashes_and_checkpoint_parse(const uint8_t *data, size_t len, size_t pos,
							 merkle_hash *hashes, size_t max, size_t *n,
							 const uint8_t **checkpoint, size_t *checkpoint_len)
{
	const char *line;
	size_t llen;
	*n = 0;
	for (;;) {
		if (!next_line(data, len, &pos, &line, &llen))
			return TLOG_HASHES_NO_EMPTY_LINE;
		if (llen == 0)
			break;
		if (*n == max)
			return TLOG_HASHES_TOO_MANY;
		size_t hl;
		if (b64_decode(hashes[*n], MERKLE_HASH, &hl, line, llen) || hl != MERKLE_HASH)
			return TLOG_HASHES_BAD_LINE;
		(*n)++;
	}
	if (pos >= len)
		return TLOG_HASHES_NO_CHECKPOINT;
	*checkpoint = data + pos;
	*checkpoint_len = len - pos;
	return TLOG_HASHES_OK;
}

int tlog_proof_parse(struct tlog_proof *p, const uint8_t *data, size_t len)
{
	const char *line;
	size_t llen, pos = 0;
	memset(p, 0, sizeof *p);
	if (len > TLOG_PROOF_MAX_SIZE)
		return err_set(ERR_LIMIT, "proof is larger than %d bytes", TLOG_PROOF_MAX_SIZE);
	if (!next_line(data, len, &pos, &line, &llen) || llen != sizeof magic - 1 || memcmp(line, magic, llen))
		return err_set(ERR_FORMAT, "proof: first line must be '%s'", magic);
	if (!next_line(data, len, &pos, &line, &llen))
		return err_set(ERR_FORMAT, "proof: missing index line");
	if (llen >= 6 && !memcmp(line, "extra ", 6)) {
		if (b64_decode(p->extra, sizeof p->extra, &p->extra_len, line + 6, llen - 6))
			return err_set(ERR_FORMAT, "proof: extra data is not canonical base64 (at most %d bytes)",
				       TLOG_PROOF_EXTRA_MAX);
		p->has_extra = 1;
		if (!next_line(data, len, &pos, &line, &llen))
			return err_set(ERR_FORMAT, "proof: missing index line");
	}
	if (llen < 7 || memcmp(line, "index ", 6) != 0)
		return err_set(ERR_FORMAT, "proof: expected 'index <N>'");
	if (dec_u64(line + 6, llen - 6, &p->index))
		return err_set(ERR_FORMAT, "proof: index is not a decimal without leading zeros");
	switch (tlog_hashes_and_checkpoint_parse(data, len, pos, p->path, MERKLE_MAX_PROOF - 1, &p->n, &p->checkpoint,
						 &p->checkpoint_len)) {
	case TLOG_HASHES_NO_EMPTY_LINE:
		return err_set(ERR_FORMAT, "proof: missing the empty line before the checkpoint");
	case TLOG_HASHES_TOO_MANY:
		return err_set(ERR_LIMIT, "proof: too many hashes");
	case TLOG_HASHES_BAD_LINE:
		return err_set(ERR_FORMAT, "proof: hash line %zu is not the base64 of 32 bytes", p->n + 1);
	case TLOG_HASHES_NO_CHECKPOINT:
		return err_set(ERR_FORMAT, "proof: no checkpoint after the empty line");
	case TLOG_HASHES_OK:
		break;
	}
	return 0;
}

int tlog_proof_verify(const struct tlog_proof *p, const uint8_t *entry, size_t entry_len,
		      const struct note_verifier *log_key, const struct note_verifier *witnesses, size_t nwitnesses,
		      uint64_t *cosig_times, struct checkpoint *cp)
{
	struct note n;
	size_t good;
	int rc = checkpoint_open(cp, p->checkpoint, p->checkpoint_len, log_key, &n);
	if (rc)
		return rc;
	if (nwitnesses) {
		int *ok = calloc(nwitnesses, sizeof *ok);
		uint64_t *t = calloc(nwitnesses, sizeof *t);
		if (!ok || !t) {
			rc = err_set(ERR_NOMEM, "out of memory");
		} else if (!(rc = note_check_sigs(&n, witnesses, nwitnesses, ok, t, &good))) {
			for (size_t i = 0; i < nwitnesses; i++) {
				if (witnesses[i].type != NOTE_COSIGNATURE) {
					rc = err_set(ERR_USAGE, "witness key %s is not a cosignature (type 0x04) key",
						     witnesses[i].name);
					break;
				}
				if (!ok[i]) {
					rc = err_set(ERR_VERIFY, "checkpoint has no cosignature by witness %s",
						     witnesses[i].name);
					break;
				}
				if (cosig_times)
					cosig_times[i] = t[i];
			}
		}
		free(ok);
		free(t);
	}
	note_release(&n);
	if (rc)
		return rc;
	merkle_hash leaf;
	merkle_leaf_hash(entry, entry_len, leaf);
	rc = merkle_verify_inclusion(p->index, cp->size, leaf, (const merkle_hash *)p->path, p->n, cp->root);
	return rc;
}
