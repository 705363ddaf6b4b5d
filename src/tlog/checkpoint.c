#include "tlog/checkpoint.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/utf8.h"

#include <inttypes.h>
#include <string.h>

int checkpoint_parse_text(struct checkpoint *cp, const char *text, size_t len)
{
	const char *lines[3];
	size_t lens[3];
	const char *p = text, *end = text + len;
	memset(cp, 0, sizeof *cp);
	if (len == 0 || text[len - 1] != '\n')
		return err_set(ERR_FORMAT, "checkpoint text must end with a newline");
	for (int i = 0; i < 3; i++) {
		const char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
		if (!nl)
			return err_set(ERR_FORMAT, "checkpoint needs an origin, a size and a root hash line");
		lines[i] = p;
		lens[i] = (size_t)(nl - p);
		p = nl + 1;
	}
	if (lens[0] == 0 || lens[0] > NOTE_NAME_MAX)
		return err_set(ERR_FORMAT, "checkpoint origin line is empty or longer than %d bytes", NOTE_NAME_MAX);
	/* A NUL would silently cut the origin short; note text never holds one, raw text might. */
	if (utf8_text_invalid_at(lines[0], lens[0]) != lens[0])
		return err_set(ERR_FORMAT, "checkpoint origin has invalid UTF-8 or a control character");
	memcpy(cp->origin, lines[0], lens[0]);
	cp->origin[lens[0]] = 0;
	if (dec_u64(lines[1], lens[1], &cp->size) || cp->size > INT64_MAX)
		return err_set(ERR_FORMAT, "checkpoint size line is not a decimal number without leading zeros");
	size_t rl;
	if (b64_decode(cp->root, sizeof cp->root, &rl, lines[2], lens[2]) || rl != MERKLE_HASH)
		return err_set(ERR_FORMAT, "checkpoint root hash is not the base64 of 32 bytes");
	/* Extension lines: opaque, but each must be non-empty. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == p)
			return err_set(ERR_FORMAT, "checkpoint has an empty extension line");
		p = nl + 1;
	}
	return 0;
}

int checkpoint_format_text(const struct checkpoint *cp, struct buf *out)
{
	char root[64];
	b64_encode(root, cp->root, MERKLE_HASH);
	return buf_printf(out, "%s\n%" PRIu64 "\n%s\n", cp->origin, cp->size, root);
}

/*
 * What checkpoint_open and checkpoint_parse_unverified share: the size limit,
 * the note and its checkpoint text. On success n holds the note (the caller
 * releases it); on failure nothing is left to release.
 */
static int parse_note(struct checkpoint *cp, const uint8_t *data, size_t len, struct note *n)
{
	if (len > CHECKPOINT_MAX_SIZE)
		return err_set(ERR_LIMIT, "checkpoint is larger than %d bytes", CHECKPOINT_MAX_SIZE);
	int rc = note_parse(n, data, len);
	if (rc)
		return err_wrap(rc, "checkpoint");
	if ((rc = checkpoint_parse_text(cp, n->data, n->text_len)))
		note_release(n);
	return rc;
}

int checkpoint_parse_unverified(struct checkpoint *cp, const uint8_t *data, size_t len)
{
	struct note n;
	int rc = parse_note(cp, data, len, &n);
	if (rc)
		return rc;
	note_release(&n);
	return 0;
}

int checkpoint_open_keys(struct checkpoint *cp, const uint8_t *data, size_t len, const struct note_verifier *keys,
			 size_t nkeys, struct note *note)
{
	struct note n;
	if (nkeys == 0)
		return err_set(ERR_USAGE, "no log key to check a checkpoint with");
	int rc = parse_note(cp, data, len, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < nkeys && !rc; i++) {
		if (keys[i].type != NOTE_ED25519)
			rc = err_set(ERR_USAGE, "the log key must be an Ed25519 (type 0x01) key");
		else if (strcmp(cp->origin, keys[i].name) != 0)
			rc = err_set(ERR_VERIFY, "checkpoint origin '%s' is not the log key's name '%s'", cp->origin,
				     keys[i].name);
	}
	if (!rc && (rc = note_verify(&n, keys, nkeys, NULL, NULL)))
		err_wrap(rc, "checkpoint");
	if (!rc && note)
		*note = n;
	else
		note_release(&n);
	return rc;
}

int checkpoint_open(struct checkpoint *cp, const uint8_t *data, size_t len, const struct note_verifier *log_key,
		    struct note *note)
{
	return checkpoint_open_keys(cp, data, len, log_key, 1, note);
}

int checkpoint_sign(const struct checkpoint *cp, const struct note_signer *log_key, struct buf *out)
{
	struct buf text;
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	int rc = checkpoint_format_text(cp, &text);
	if (!rc)
		rc = note_sign(out, (const char *)text.data, text.len, log_key, 1, 0);
	buf_release(&text);
	return rc;
}
