/*
 * keeper — the node's signer: the only process that holds the log and witness
 * keys (docs/keeper.md). The network side (HTTP, peers, push, parsing) asks it
 * over a socketpair(AF_UNIX, SOCK_SEQPACKET), one message per request and one
 * per answer, and the keeper re-checks every request against what it can see
 * for itself (the tiles on disk, read-only) and its own durable state:
 *
 *   STATUS            the log key in force (and every node key held), the
 *                     checkpoint signed last, the sizes cosigned last
 *                     (never refused)
 *   RELOAD            the amendments (DIR/amendments, checked here) and
 *                     DIR/node.key.next read again after the node adopted an
 *                     amendment; the history only grows. Answers the status.
 *   SIGN_CHECKPOINT   a checkpoint of our log: exactly "origin\nsize\nroot\n"
 *                     of our origin, signed only if it extends the last one the
 *                     keeper signed, which it proves itself from DIR/log's tiles
 *                     (same size: the same root, signed again)
 *   COSIGN            a peer's checkpoint, signed by that peer, with the
 *                     consistency proof from the last one the keeper cosigned
 *                     for that peer (the first one: trust on first use); the
 *                     mirror DIR/peers/<id> must already hold that size
 *   SIGN_RECEIVED     a 'received' record from us for an entry of a peer's
 *                     log, given with the entry: the entry must hash to the
 *                     record's leaf and be at its index in the mirror, proven
 *                     from the mirror's tiles to its checkpoint signed by the peer
 *
 * Messages (integers big-endian; no trailing bytes, no field over its limit):
 *   request  op:u8 then, by op,
 *            STATUS, RELOAD    nothing
 *            SIGN_CHECKPOINT   len:u32 text
 *            COSIGN            n:u8 (<= 63) n*32 proof hashes, len:u32 signed note
 *            SIGN_RECEIVED     len:u32 text, len:u32 entry
 *   answer   status:u8 (0, or the ERR_* code of the refusal), then the rest:
 *            the signed note, the cosignature line, the status text, or the
 *            reason of a refusal
 *
 * The state (DIR/keeper/state: the last size and root signed of our log, and
 * per peer the last cosigned) is durable (two checksummed slots, the older one
 * overwritten, fdatasync) before the answer; a refusal writes nothing. Every
 * decision is one log line (event=keeper_signed or keeper_refused).
 */
#ifndef PARLEY_KEEPER_H
#define PARLEY_KEEPER_H

#include "base/buf.h"
#include "crypto/merkle.h"

#include <stddef.h>
#include <stdint.h>

enum keeper_op {
	KEEPER_STATUS = 1,
	KEEPER_SIGN_CHECKPOINT = 2,
	KEEPER_COSIGN = 3,
	KEEPER_SIGN_RECEIVED = 4,
	KEEPER_RELOAD = 5,
};

#define KEEPER_PROOF_MAX 63
#define KEEPER_TIME_SKEW 300         /* seconds a 'received' time may differ from the keeper's clock */
#define KEEPER_TEXT_MAX 65536          /* a checkpoint note, a 'received' text */
#define KEEPER_ENTRY_MAX 65535         /* TLOG_ENTRY_MAX */
#define KEEPER_MSG_MAX (1 + 1 + KEEPER_PROOF_MAX * 32 + 4 + KEEPER_TEXT_MAX + 4 + KEEPER_ENTRY_MAX)
#define KEEPER_ANSWER_MAX (1 + KEEPER_TEXT_MAX + 4096)

struct keeper_request {
	uint8_t op;
	const uint8_t *text;       /* SIGN_CHECKPOINT, COSIGN (the note), SIGN_RECEIVED; points into the message */
	size_t text_len;
	const uint8_t *entry;      /* SIGN_RECEIVED */
	size_t entry_len;
	merkle_hash proof[KEEPER_PROOF_MAX];
	size_t nproof;             /* COSIGN */
};

/* Parses a request strictly. 0, or ERR_FORMAT / ERR_LIMIT naming what is wrong (the empty message too). */
int keeper_request_parse(struct keeper_request *r, const uint8_t *msg, size_t len);
/* Formats r (only the fields its op uses). 0, or ERR_LIMIT. */
int keeper_request_format(struct buf *out, const struct keeper_request *r);

struct keeper;

/*
 * Opens the keeper of node directory dir: reads DIR/node.key, DIR/charter
 * (signed by every party) and DIR/keeper/state (created on first use from
 * DIR/log/checkpoint, which must verify with the key: trust on first use; and
 * per peer from DIR/witness/logs/ where our cosignature verifies). A damaged
 * state refuses (ERR_FORMAT): the keeper never guesses what it signed.
 * In the keeper process only; a test may open one in its own process.
 */
int keeper_open(struct keeper **out, const char *dir);
/*
 * How far either side of a rotation of a node key both keys sign our
 * checkpoints and a peer's either key is accepted (docs/amendments.md,
 * "Rotating a node key"): NODE_KEY_HANDOVER unless set; the node sets its
 * --max-skew (the clock difference it tolerates).
 */
void keeper_set_handover(struct keeper *k, int64_t seconds);
void keeper_close(struct keeper *k);

/*
 * Handles one request message: answer receives the answer message (status
 * byte, then the rest). Returns the status (0 signed or answered, else why
 * not, also in err_msg()).
 */
int keeper_handle(struct keeper *k, const uint8_t *msg, size_t len, struct buf *answer);

/*
 * The keeper process's loop on fd: one request, one answer, until the other
 * end closes. Returns the exit status (0 at the other end's close).
 */
int keeper_serve(struct keeper *k, int fd);

#endif
