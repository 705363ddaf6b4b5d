/*
 * officer — the client side of an agency's officer (layer 6, beside the
 * node): the agency key file stays here, the node it talks to is its own
 * party's, and nothing secret leaves this process. It fetches and checks the
 * charter the node runs under, seals and submits envelopes (src/exchange/seal.h),
 * reads the node's case and inbox views (docs/node.md, docs/cases.md), checks
 * every envelope it relies on against the charter before building a
 * reference to it, opens bodies addressed to the agency, and collects receipts
 * (tlog-proofs cosigned by the recipient party's node) verified offline.
 * The `parley` officers' commands and `parley demo` are thin layers over it;
 * docs/officer.md describes them.
 *
 * JSON views are jansson values (json_decref them); text renderings go to a FILE.
 */
#ifndef PARLEY_OFFICER_H
#define PARLEY_OFFICER_H

#include "base/buf.h"
#include "crypto/keyfile.h"
#include "crypto/merkle.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "exchange/envelope.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

struct officer {
	struct charter charter;               /* the founding charter, as served by the node, complete */
	struct charter_history history;       /* with the node's amendments (docs/amendments.md) */
	struct keyfile key;                   /* the agency's key file */
	const struct charter_agency *agency;  /* the key's agency (in the charter in force now) */
	const struct charter_party *party;    /* its party */
	char node[SYNTAX_URL_MAX + 1];        /* the party's node URL, as given */
};

/*
 * Reads the key file, fetches URL/charter and checks it: signed by every
 * party, the key is one of its agencies (signing key and age identity), and
 * the node at URL is that agency's party's (its checkpoint is signed by the
 * party's node key). ERR_USAGE with the reason otherwise; ERR_IO if the node
 * cannot be reached.
 */
int officer_open(struct officer *o, const char *key_path, const char *node_url);
void officer_release(struct officer *o);

/*
 * GET path (starting with '/') at the node into out (reset first). A 404 is
 * ERR_NOTFOUND with the node's one-line reason, another status ERR_IO.
 */
int officer_get(const struct officer *o, const char *path, struct buf *out);

/* The case view (at = as-of time, 0 for now); ERR_NOTFOUND "no case X". */
int officer_case(const struct officer *o, const char *case_id, int64_t at, json_t **out);
/* The inbox view of the officer's agency. */
int officer_inbox(const struct officer *o, int64_t at, json_t **out);
/* A new case id <agency>/<YYYY>-<NNNN>: one more than the highest of that year the node knows. */
int officer_new_case_id(const struct officer *o, int64_t now, char *out, size_t outsz);

/* Where an envelope is: the party whose log holds it, its index, its leaf hash. */
struct officer_pos {
	char party[17];
	uint64_t index;
	merkle_hash leaf;
};

/* What to send. body is the plaintext JSON (NULL for kinds without one). */
struct officer_msg {
	enum envelope_kind kind;
	const char *case_id;
	char to[ENVELOPE_MAX_TO][SYNTAX_AGENCY_MAX + 1];
	size_t nto;
	int has_ref;
	struct envelope_ref ref;
	const char *handling;                 /* NULL: none */
	int urgent;
	const uint8_t *body;
	size_t body_len;
};

/* Adds an agency to m's recipients: 0, or ERR_USAGE if there are too many or the name is too long. */
int officer_msg_add_to(struct officer_msg *m, const char *agency);

/*
 * Seals m with the officer's key (time: now) and submits it to the node; pos
 * receives where it was appended, after the node's tlog-proof of it was
 * verified against the party's node key.
 */
int officer_send(const struct officer *o, const struct officer_msg *m, struct officer_pos *pos);

/* Submits an already signed envelope with its sealed body (blen 0: none); as officer_send. */
int officer_submit(const struct officer *o, const uint8_t *env, size_t elen, const uint8_t *body, size_t blen,
		   struct officer_pos *pos);

/*
 * The HTTP status with which the node refused this thread's last submission
 * (officer_submit, and so officer_send, officer_respond and
 * officer_statement_publish); 0 if it was not refused by the node (sent, or
 * refused before it reached the node). The reason is err_msg()'s.
 */
long officer_node_refusal(void);

/* How officer_pick chooses the envelope a response refers to. */
enum officer_pick {
	OFFICER_PICK_ACK,      /* the request to the agency whose ack is not yet sent or met */
	OFFICER_PICK_REQUEST,  /* the request addressed to the agency */
	OFFICER_PICK_CLOSE,    /* the latest request to the agency, else the latest it sent (it closes the whole case) */
	OFFICER_PICK_ANY,      /* the envelope (not 'received') it sent or received */
};

/*
 * Chooses the envelope in kase (a case view) that a response refers to:
 * the one named by ref_arg ("PARTY/INDEX") if given, else the one envelope
 * the rule fits. *env is borrowed from kase. ERR_USAGE naming every
 * candidate when more than one fits (the officer says which with --ref:
 * nothing is chosen silently); ERR_NOTFOUND / ERR_CONFLICT with a reason when
 * there is nothing to respond to.
 */
int officer_pick(const struct officer *o, json_t *kase, enum officer_pick how, const char *ref_arg, json_t **env);

/*
 * Builds the ref line for env (an envelope of a case view): fetches the
 * envelope from the node, checks it against the charter and that its leaf
 * hash is the one the view shows (ERR_VERIFY otherwise).
 */
int officer_ref(const struct officer *o, json_t *env, struct envelope_ref *ref);

/*
 * The recipients a response to env goes to: its sender, or if the officer's
 * agency sent it, its recipients. Into m->to / m->nto.
 */
int officer_reply_to(const struct officer *o, json_t *env, struct officer_msg *m);

/*
 * A response in m->case_id: picks the envelope it refers to (officer_pick
 * with how and ref_arg), checks it and sets m's ref to it, addresses it
 * (officer_reply_to) unless m->nto is set already, and sends it. about
 * receives "PARTY/INDEX <kind> from <agency>" of the envelope responded to.
 */
int officer_respond(const struct officer *o, struct officer_msg *m, enum officer_pick how, const char *ref_arg,
		    struct officer_pos *pos, char *about, size_t aboutsz);

/* Waits up to timeout_s seconds until the envelope at pos in case_id is deemed delivered to every recipient party. */
int officer_wait_delivered(const struct officer *o, const char *case_id, const struct officer_pos *pos, int timeout_s);

/*
 * Fetches envelope index of the party's log (raw bytes into raw) and checks it
 * against the charter; e is parsed from raw (envelope_release it).
 */
int officer_fetch_envelope(const struct officer *o, const char *party, uint64_t index, struct buf *raw,
			   struct envelope *e);

/* Fetches e's body from the node and opens it with the agency's key (plaintext JSON into plain). */
int officer_open_body(const struct officer *o, const struct envelope *e, struct buf *plain);
/*
 * As officer_open_body, but a body whose figures disagree with the envelope's
 * aid line is opened anyway, the disagreement written to disagree ("" when
 * none; seal_open_marked): for showing a case with that envelope marked.
 */
int officer_open_body_marked(const struct officer *o, const struct envelope *e, struct buf *plain, char *disagree,
			     size_t dsz);

/* The party id whose log has origin, or NULL. */
const char *officer_log_party(const struct officer *o, const char *origin);

/* ---- renderings (human text) ---- */

/* The case timeline: who sent what, delivery, receipts, clocks; with show_bodies, what each body says. */
int officer_print_case(const struct officer *o, json_t *kase, int show_bodies, int full_bodies, FILE *f);
/* The inbox: time, from, kind, case, delivery and deadlines. */
int officer_print_inbox(const struct officer *o, json_t *inbox, FILE *f);

/* What an inbox item asks of the officer's party, most pressing first. */
enum officer_urgency {
	OFFICER_OVERDUE,   /* an ack or answer of ours is overdue */
	OFFICER_DUE,       /* one is due (running) */
	OFFICER_WAITING,   /* one will start when the request is deemed delivered to us */
	OFFICER_NOTHING,   /* nothing owed: met, sent, closed, or a kind without clocks */
};

/*
 * Sorts the inbox's items by what is due (overdue first, then due soonest,
 * then waiting, then the rest; each by due time, then time), keeping only
 * those at most as pressing as `keep` (OFFICER_NOTHING: all;
 * OFFICER_WAITING: everything still open; OFFICER_OVERDUE: the overdue). Adds
 * to each item "urgency" ("overdue", "due", "waiting", "none") and "due" (the
 * most pressing due time of ours, or null), and to the inbox "counts".
 */
int officer_inbox_sort(const struct officer *o, json_t *inbox, enum officer_urgency keep);

/* ---- receipts ---- */

struct officer_receipts {
	size_t verified;       /* proofs written and verified */
	size_t outstanding;    /* recipient parties whose node has not cosigned yet */
};

/*
 * For each envelope of the case in the officer's party's log: the tlog-proof
 * cosigned by each recipient party's node and the envelope, verified, then
 * written to dir as <index>.tlog-proof (<index>.<party>.tlog-proof if it has
 * several recipient parties) and <index>.envelope, with the verifier keys and
 * a README of `parley proof verify` commands. *out receives what was written
 * and verified (the shape `parley receipt --json` prints, docs/officer.md
 * "receipt --json"): per envelope its entry, index, recipient parties, files,
 * each receipt's cosigner and time, verified true/false. A receipt the node
 * serves that does not verify is ERR_VERIFY (nothing is reported verified
 * that was not). json_decref *out.
 */
int officer_receipt_collect(const struct officer *o, const char *case_id, const char *dir, json_t **out);
/* The text rendering of officer_receipt_collect's result: one line per envelope. */
int officer_print_receipt(json_t *r, FILE *f);
/* officer_receipt_collect, printed to f, with the counts in *out (for the demo). */
int officer_receipt(const struct officer *o, const char *case_id, const char *dir, FILE *f,
		    struct officer_receipts *out);

/* ---- statements ---- */

/* Seals a statement from the officer's agency to m->to with m->body into dir/envelope and dir/body.age. */
int officer_statement_propose(const struct officer *o, const struct officer_msg *m, const char *dir);
/* Adds k's signature to dir/envelope (offline). */
int officer_statement_cosign(const struct keyfile *k, const char *dir);
/*
 * Checks dir/envelope against the charter (ERR_CONFLICT naming the agencies
 * whose signature is missing) and that the body matches, then submits it.
 */
int officer_statement_publish(const struct officer *o, const char *dir, struct officer_pos *pos);

#endif
