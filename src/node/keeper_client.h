/*
 * keeper_client — what the node's network side calls to have something
 * signed: it starts the keeper process (keeper.h) and asks it over their
 * socketpair. The network side never reads the key file; it learns the
 * public key from the keeper. docs/keeper.md.
 *
 * Requests are serialised (one in flight, under a lock); any thread may call.
 * A refusal returns the keeper's ERR_* code with its reason in err_msg(). If
 * the keeper dies, every call fails with ERR_IO from then on, an event
 * keeper_died is logged, and SIGTERM is raised in this process so that the
 * node stops (the command's stop path: cli_serve_until_stop).
 */
#ifndef PARLEY_KEEPER_CLIENT_H
#define PARLEY_KEEPER_CLIENT_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"

#include <stddef.h>
#include <stdint.h>

struct keeper_client;

/*
 * Forks the keeper of node directory dir, which reads the key file itself
 * and then, if how->sandbox, confines itself (sandbox_apply(SANDBOX_KEEPER):
 * read-only beneath dir, read-write beneath dir/keeper, no new socket, no
 * process, no thread). Call it before this process has any thread (fork
 * copies only the caller), and keeper_client_watch once this process is
 * confined. The keeper dies with this process (PR_SET_PDEATHSIG). 0, or the
 * error (the keeper's own, if it could not start: a missing key, a bad charter).
 * Started as root, the keeper switches to the service user before it reads
 * anything (how->user, or 'parley'; refused like the node without one,
 * unless how->allow_root), so the process that holds the key never keeps
 * root's rights.
 */
struct keeper_start {
	int sandbox;        /* confine itself once its files are read (sandbox_apply(SANDBOX_KEEPER)) */
	int64_t handover;   /* keeper_set_handover's seconds (the node's --max-skew) */
	const char *user;   /* started as root: the user it switches to first, as the node does (sandbox_drop_user) */
	int allow_root;     /* --allow-root: stay root when there is no user to switch to */
};
int keeper_client_start(struct keeper_client **out, const char *dir, const struct keeper_start *how);
/*
 * Starts the thread that stops this process (SIGTERM to itself) when the
 * keeper dies. A thread of its own: the node starts it after its Landlock
 * rules are set (they bind only threads started later). 0 or ERR_IO.
 */
int keeper_client_watch(struct keeper_client *k);
/* Closes the socket (the keeper then exits), reaps it. NULL is a no-op. */
void keeper_client_stop(struct keeper_client *k);

/* The log key (Ed25519, 0x01) the keeper said at start was in force (its name is our log's origin). */
const struct note_verifier *keeper_client_log_key(const struct keeper_client *k);
/* 1 while the keeper runs. */
int keeper_client_alive(struct keeper_client *k);

/* Our log's checkpoint text ("origin\nsize\nroot\n") signed: the complete note appended to note. */
int keeper_client_sign_checkpoint(struct keeper_client *k, const uint8_t *text, size_t len, struct buf *note);
/* The last checkpoint of our log the keeper signed, as it said at start: 1 and size, root; 0 if none. */
int keeper_client_signed(struct keeper_client *k, uint64_t *size, merkle_hash root);
/*
 * The size of origin's checkpoint the keeper cosigned last, 0 if none (its
 * proofs start there: COSIGN needs the proof from it).
 */
uint64_t keeper_client_cosigned(struct keeper_client *k, const char *origin);
/* A peer's signed checkpoint cosigned: our cosignature line appended to line. */
int keeper_client_cosign(struct keeper_client *k, const uint8_t *note, size_t len, const merkle_hash *proof, size_t n,
			 struct buf *line);
/* A 'received' record's text signed, given the entry it names: the complete note appended to out. */
int keeper_client_sign_received(struct keeper_client *k, const uint8_t *text, size_t len, const uint8_t *entry,
				size_t entry_len, struct buf *out);

/*
 * Asks the keeper to read DIR/amendments and DIR/node.key.next again (after
 * an amendment was adopted and saved) and takes its status: 0, or its refusal.
 */
int keeper_client_reload(struct keeper_client *k);
/* 1 if the keeper said (at start or at the last reload) it holds the node key pub. */
int keeper_client_holds(struct keeper_client *k, const uint8_t pub[32]);

/* For tests: one raw request message, the raw answer into answer. 0 or ERR_IO. */
int keeper_client_raw(struct keeper_client *k, const uint8_t *msg, size_t len, struct buf *answer);

#endif
