/*
 * kept — the checkpoints kept per size as evidence: <dir>/<size> holds a
 * signed checkpoint with the log's signature and, per cosigner, the earliest
 * cosignature that verified (the receipt: by the charter's rule a delivery
 * happens at the first cosignature by the recipient's node, so it is never
 * replaced). One line per key: verifiers built like golang.org/x/mod/sumdb/note
 * read only a key's first line. Used by the node (its own cosigned/ and its
 * peers/<id>.checkpoints/) and by `parley fetch` (logs/<party>.checkpoints/).
 */
#ifndef PARLEY_KEPT_H
#define PARLEY_KEPT_H

#include "base/buf.h"
#include "crypto/note.h"

#include <stddef.h>
#include <stdint.h>

/* Appends to out the signature lines ("— name sig\n") among lines; anything else is skipped. */
int kept_sig_lines(struct buf *out, const uint8_t *lines, size_t len);

/*
 * Merges the signature lines among lines into <dir>/<size> (dir must exist):
 * the file, or note when there is none or it does not load, plus those lines,
 * reduced by note_select(NOTE_KEEP_EARLIEST) over vs[0..nv) (the log's key
 * first, then its cosigners). Lines by other keys and lines that do not verify
 * are dropped. The file is rewritten (atomically) only when it changes. merged
 * (max at least CHECKPOINT_MAX_SIZE) receives what the file now holds. 0, or
 * ERR_VERIFY when neither the file nor note carries a valid log signature, or
 * an I/O error.
 */
int kept_merge(const char *dir, uint64_t size, const uint8_t *note, size_t note_len, const uint8_t *lines,
	       size_t lines_len, const struct note_verifier *vs, size_t nv, struct buf *merged);

#endif
