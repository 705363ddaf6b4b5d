/*
 * bodies — the node's store of sealed bodies, content-addressed by SHA-256,
 * under DIR/bodies.
 *
 * A body of at most BODIES_INLINE_MAX bytes is a row of the SQLite database
 * DIR/bodies/inline.db; a larger one is the file DIR/bodies/<sha256 hex>, so
 * it can be sent from the file (sendfile) and a static server could serve it.
 * Why rows: a submission's body is typically a few hundred bytes to a few
 * KiB, and one file per body cost the sender about a fifth of its CPU per
 * submission here (four system calls and an inode each; see
 * docs/performance.md), where a row is a few microseconds inside the batch's
 * one transaction. SQLite's own measurements put the break-even between rows
 * and files near 100 KiB.
 *
 * Durability. bodies_put stages a small body in memory; bodies_flush writes
 * every staged body in one transaction. A caller stages the body before it
 * queues the entry that names it, and flushes before the commit that makes
 * that entry durable; so a body is durable no later than its envelope.
 *   sync_later = 1: the caller syncs the filesystem (syncfs) after the flush
 *     and before it relies on the bodies: the transaction and large files are
 *     not fsynced here (WAL, synchronous=NORMAL: SQLite still syncs its own
 *     checkpoints, so the database stays consistent whatever the order).
 *   sync_later = 0: the flush's commit is fsynced (synchronous=FULL), and a
 *     large body is written and fsynced before bodies_put returns.
 * Refused submissions. A node stores a submission's body before its envelope
 * is committed, with bodies_put_held, and says how it ended with
 * bodies_release: a body whose every holder was refused, that no holder
 * committed, that was not stored before and was not also put without a hold
 * (a peer's body), is deleted again (unstaged, or its row and file removed),
 * so nothing of a refused submission is kept. Whether a small body was
 * stored before is not looked up when it is held (a database read per
 * submission): refused before its flush, only the staged copy goes; after
 * it, the flush has noted whether its INSERT found the row already (then it
 * is kept). Past 1,024 such notes outstanding, holds look it up again as
 * they are made. Should that deletion fail (a
 * full disk), the body is remembered as refused for the rest of the run and
 * never served (bodies_refused, bodies_read). A body left by a crash between
 * its flush and its batch's commit is unreferenced: never named by an
 * envelope of the log, so never asked for by a peer.
 *
 * Threads: every function may be called from any thread.
 */
#ifndef PARLEY_BODIES_H
#define PARLEY_BODIES_H

#include "base/buf.h"

#include <stddef.h>
#include <stdint.h>

#define BODIES_INLINE_MAX (128u << 10) /* larger bodies are files */

struct bodies;

/*
 * Opens (creating) the store in dir (the node's DIR/bodies). 0, ERR_IO. It
 * looks once for a body file of at most BODIES_INLINE_MAX bytes (an older
 * version wrote every body as a file; a crash may leave a large one short):
 * unless there is one, a small body is not looked for as a file when a
 * submission's body is held (bodies_put_held), which saves a failed openat
 * per submission.
 */
int bodies_open(struct bodies **out, const char *dir, int sync_later);
/* Flushes what is staged, then closes. */
void bodies_close(struct bodies *b);

/*
 * Stores a body whose SHA-256 the caller has checked: a small one is staged
 * for the next bodies_flush, a large one written as its file (see above).
 * Storing a body again is harmless. 0, ERR_IO, ERR_NOMEM.
 */
int bodies_put(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len);
/*
 * bodies_put for a submission's body, held until bodies_release (see above).
 * Each call needs one bodies_release with the same hash.
 */
int bodies_put_held(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len);
/*
 * Ends one hold: committed 1 if the envelope naming the body is durable in
 * the log, 0 if it was refused. The last holder of a body no holder committed
 * deletes it (see above). 0, or ERR_IO if the deletion failed (logged by the
 * caller; the body is then never served).
 */
int bodies_release(struct bodies *b, const uint8_t hash[32], int committed);
/*
 * bodies_has for a caller that relies on the body staying (a peer's envelope
 * names it, so the mirror will not fetch it again): a body held for a
 * submission that may still be refused is kept whatever the submission's fate.
 */
int bodies_has_keep(struct bodies *b, const uint8_t hash[32]);
/* 1 if hash names a refused body whose deletion failed: it must not be served. */
int bodies_refused(struct bodies *b, const uint8_t hash[32]);

/*
 * Writes every staged body in one transaction. 0, or ERR_IO: nothing written,
 * and they stay staged (a batch of another thread may rely on one of them).
 */
int bodies_flush(struct bodies *b);

/*
 * 1 if the body is stored whole (staged, a row, or a file whose content has
 * that hash), 0 if not. With sync_later a file is read and hashed: one left by
 * a crash before its syncfs may be short.
 */
int bodies_has(struct bodies *b, const uint8_t hash[32]);

/*
 * A small body's bytes (a row; staged ones are not served before their
 * flush): 0, ERR_NOTFOUND (not a row: a large body is a file, see
 * bodies_dirfd), ERR_IO.
 */
int bodies_get(struct bodies *b, const uint8_t hash[32], struct buf *out);

/*
 * Reads a stored body, row or file, into out (reset first; out->max bounds
 * it). A file is checked against its hash, so a torn one is not handed out.
 * 0, ERR_NOTFOUND, ERR_LIMIT, ERR_IO.
 */
int bodies_read(struct bodies *b, const uint8_t hash[32], struct buf *out);
/* The directory that holds the large bodies' files, named by lowercase hex. */
int bodies_dirfd(const struct bodies *b);

#endif
