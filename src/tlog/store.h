/*
 * store — a transparency log kept in a directory in c2sp.org/tlog-tiles
 * layout (`checkpoint`, `tile/<L>/<N>[.p/<W>]`, `tile/entries/<N>[.p/<W>]`),
 * so the directory can be served as it is by any static web server.
 *
 * Appends are batched (group commit). tlog_add() only queues an entry;
 * tlog_commit() writes every tile and bundle the batch touches, flushes them
 * to stable storage together, and only then signs and atomically replaces
 * the checkpoint. The checkpoint is the commit point: after a crash at any
 * instant, opening the log finds the last checkpoint, checks the right edge
 * of the tree against its root, and deletes whatever a torn batch left
 * beyond it. So an entry whose index tlog_commit() returned is durable, and
 * an entry that was not acknowledged is either absent or part of a later,
 * complete batch — never half-written.
 *
 * Memory use is bounded by the tree height and the batch, not the log size.
 * A writer holds an exclusive lock on the directory; readers need none
 * because every file a checkpoint refers to is immutable.
 */
#ifndef PARLEY_STORE_H
#define PARLEY_STORE_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "tlog/checkpoint.h"
#include "tlog/tiles.h"

#include <stdint.h>

#define TLOG_BATCH_MAX_BYTES (64u << 20) /* largest batch queued before a commit is required */

struct tlog;

/* Creates a new log in dir (absent or empty) with a signed checkpoint of size 0. */
int tlog_create(const char *dir, const struct note_signer *key);

/*
 * Opens the log in dir. With a key, opens it for appending: takes the lock,
 * verifies the checkpoint with the key, and recovers from any interrupted
 * batch. Without a key, opens it read-only as of its current checkpoint.
 */
int tlog_open(struct tlog **out, const char *dir, const struct note_signer *key);
void tlog_close(struct tlog *t);

/*
 * Opens the log in dir for appending like tlog_open, but holding no key: each
 * new checkpoint's text ("origin\nsize\nroot\n") goes to sign, which appends
 * the complete signed note to note or fails the commit (the node's keeper,
 * src/node/keeper.h). The tiles are durable before sign is called. vkey checks
 * the checkpoint at open. head (may be NULL) is the last checkpoint the signer
 * signed: if it is beyond the log's checkpoint (a crash between the signing
 * and the publishing) and the tiles on disk reach its root, it is signed again
 * and published before recovery; if they do not, ERR_VERIFY (an older copy of
 * the log: the message says what to do).
 */
typedef int (*tlog_sign_fn)(void *ctx, const uint8_t *text, size_t len, struct buf *note);
int tlog_open_signed(struct tlog **out, const char *dir, const struct note_verifier *vkeys, size_t nvkeys,
		     tlog_sign_fn sign, void *ctx, const struct checkpoint *head);

/*
 * Opens (creating if needed) a mirror of another party's log: the same layout,
 * filled with entries fetched from that log and published with that log's own
 * signed checkpoints (checked with vkeys: 1 to TLOG_KEYS_MAX keys of one name,
 * the log's keys around a rotation; see checkpoint_open_keys). A new mirror
 * has size 0.
 */
#define TLOG_KEYS_MAX 32
int tlog_open_mirror(struct tlog **out, const char *dir, const struct note_verifier *vkeys, size_t nvkeys);

/*
 * Replaces the keys a mirror checks the next checkpoints with (or a signed
 * log its checkpoint at the next open), as tlog_open_mirror takes them: after
 * an amendment rotated the log's key. The caller serialises it with commits.
 * 0, or ERR_USAGE (no key, too many, not Ed25519, another name).
 */
int tlog_set_keys(struct tlog *t, const struct note_verifier *vkeys, size_t nvkeys);

/*
 * Commits the queued entries of a mirror under the log's checkpoint, which
 * must verify with the mirror's key, have size = current size + queued, and
 * have the root the entries hash to (ERR_VERIFY otherwise; then reopen).
 */
int tlog_commit_mirror(struct tlog *t, const uint8_t *cpnote, size_t len);

/*
 * For a mirror catching up on more than one batch holds (TLOG_BATCH_MAX_BYTES):
 * moves the queued entries into the tree being built and writes the tiles they
 * complete, without publishing anything (the checkpoint is unchanged; a crash,
 * or a reopen after a failure, removes these files). The queue is then empty
 * again; tlog_commit_mirror() checks the root over every entry flushed or
 * queued since the last commit. After a flush, tlog_discard() cannot drop the
 * flushed entries: it marks the mirror broken, to be closed and reopened.
 */
int tlog_flush_mirror(struct tlog *t);

/* Committed tree size and the committed checkpoint (text of the signed note). */
uint64_t tlog_size(const struct tlog *t);
const struct checkpoint *tlog_checkpoint(const struct tlog *t);
const struct buf *tlog_checkpoint_note(const struct tlog *t);

/* Queues an entry; *index receives the index it will have once committed. */
int tlog_add(struct tlog *t, const uint8_t *entry, size_t len, uint64_t *index);
/* Bytes queued and not yet committed. */
size_t tlog_pending_bytes(const struct tlog *t);
/* Drops the queued entries. */
void tlog_discard(struct tlog *t);

/*
 * Makes the queued entries durable and publishes a new signed checkpoint.
 * After a failure the log must be closed and reopened (which recovers).
 */
int tlog_commit(struct tlog *t);

/*
 * How a writable log (own or mirror) makes a batch durable before its
 * checkpoint is published. By default, TLOG_SYNC_FILES: one fdatasync per file
 * written and one fsync per directory that gained a name. TLOG_SYNC_FS: one
 * syncfs(2) of the log's filesystem, which also makes durable anything else
 * written on that filesystem before the commit began (the node relies on it for
 * the bodies it stores beside the log; see docs/performance.md for the costs).
 * The checkpoint itself is always written with fsync of the file and directory.
 */
enum tlog_sync { TLOG_SYNC_FILES, TLOG_SYNC_FS };
void tlog_set_sync(struct tlog *t, enum tlog_sync mode);

/* Reads entry index (< committed size) into out. It reads the entry's whole bundle: for a run of entries use tlog_read_entries. */
int tlog_read_entry(struct tlog *t, uint64_t index, struct buf *out);

/*
 * Calls fn(ctx, index, entry, len) for the entries [first, first + count), in
 * order, reading each bundle once (one open and read per 256 entries, where a
 * loop of tlog_read_entry reads the bundle again for every entry). The entry's
 * bytes are valid only during the call. All must be below the committed size
 * (ERR_NOTFOUND otherwise, before any call); a non-zero return of fn stops the
 * walk and is returned.
 */
int tlog_read_entries(struct tlog *t, uint64_t first, uint64_t count,
		      int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len), void *ctx);

/* Proofs against the committed tree, or against any size up to it. */
int tlog_prove_inclusion(struct tlog *t, uint64_t index, uint64_t size, merkle_hash proof[MERKLE_MAX_PROOF], size_t *n);
int tlog_prove_consistency(struct tlog *t, uint64_t old_size, uint64_t new_size,
			   merkle_hash proof[MERKLE_MAX_PROOF], size_t *n);
int tlog_root_at(struct tlog *t, uint64_t size, merkle_hash out);

/*
 * Replaces the published checkpoint with a version of the same tree head that
 * carries more signatures (witness cosignatures). The text must be identical.
 */
int tlog_publish_cosigned(struct tlog *t, const uint8_t *note, size_t len);

/*
 * A full audit of the directory: the checkpoint's signature by vkey, every
 * bundle and tile recomputed from the entries and compared byte for byte,
 * and the root matched. Returns 0, ERR_VERIFY (message says exactly where),
 * or ERR_IO / ERR_NOTFOUND. *checked receives the number of entries read.
 */
int tlog_audit(const char *dir, const struct note_verifier *vkey, uint64_t *checked);

/*
 * The same with the checkpoint judged by open_cp (0 and cp filled when it is
 * the log's): for a log whose key an amendment rotated, the caller decides
 * which keys count (cosig_open_checkpoint, docs/amendments.md).
 */
typedef int (*tlog_open_checkpoint_fn)(void *ctx, const uint8_t *note, size_t len, struct checkpoint *cp);
int tlog_audit_with(const char *dir, tlog_open_checkpoint_fn open_cp, void *ctx, uint64_t *checked);

#endif
