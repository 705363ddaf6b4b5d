/*
 * cases — case state and deadlines as a pure function of the logs
 * (DESIGN.md principle 1). The rules are in docs/cases.md.
 *
 * Input is a sequence of events:
 *   - log entries: (log origin, index, envelope bytes), every party's log,
 *     each log fed in index order from 0 with no gap;
 *   - cosignature records: (log origin, tree size, cosigner key name, time):
 *     "this cosigner cosigned that log's checkpoint of that size at that
 *     time". The caller has verified the cosignature (the node's witness
 *     code, or an auditor's checkpoint check); cases only interprets it.
 *
 * Output, per case id: the timeline of its envelopes (refs resolved), each
 * envelope's delivery per recipient party (deemed delivered at the first
 * cosignature by that party's node on a checkpoint covering it, or "receipt
 * outstanding"), the cosigners that saw it, the 'received' records naming
 * it, and for every request the acknowledgement and answer clocks of each
 * recipient party as of a given time.
 *
 * Determinism: the result depends only on the set of events, not on how the
 * logs were interleaved (only each log's own order matters): refs, replays,
 * deliveries and clocks are computed when asked, and everything is listed in
 * a fixed order. Envelopes that fail envelope_verify() against the charter,
 * that sit in another party's log, or that repeat the signed text of an
 * earlier valid entry of the same log (a replay, however its signature lines
 * are laid out) are invalid; valid ones that do not stand in their case (the
 * case namespace rule: only the agency a case id names opens it, and so on)
 * are listed with them, with their reason, and ignored for state too. A
 * standing that hangs on an entry not fed yet is decided when it is fed.
 *
 * Memory: per-envelope metadata (no bodies, no signatures; about 330 bytes)
 * and the cosignature records that are not dominated by another (same log and
 * cosigner, at least the size, no later) are held in memory.
 *
 * Not thread-safe; readers and the writer must be serialised by the caller.
 */
#ifndef PARLEY_CASES_H
#define PARLEY_CASES_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "exchange/envelope.h"

#include <stddef.h>
#include <stdint.h>

#define CASES_REASON_MAX 256
#define CASES_JSON_MAX (64u << 20)   /* largest JSON rendering, bytes */

/*
 * One log entry as cases_evaluate() judged it: what cases keeps, and what the
 * SQLite index stores so that it can be replayed without re-verifying.
 */
struct cases_record {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t index;
	merkle_hash leaf;             /* RFC 6962 leaf hash of the entry */
	int has_id;                   /* the entry is a signed note: id is set */
	uint8_t id[32];               /* its identity: SHA-256 of the signed text (envelope_id) */
	int parsed;                   /* f holds the envelope's fields */
	struct envelope_fields f;
	int valid;                    /* verified, in its sender's log, not a replay (of the same signed text) */
	char reason[CASES_REASON_MAX]; /* why not valid ("" if valid) */
};

/*
 * Where a valid entry stands in its case (docs/cases.md "Case namespaces"):
 * it counts for state only if it stands. Pending: what decides it (the entry
 * its ref names) is not fed yet; it is listed as invalid until it is.
 */
enum cases_standing { CASES_STANDS, CASES_PENDING, CASES_REFUSED };
enum cases_why { CASES_WHY_NONE, CASES_WHY_NOT_OPEN, CASES_WHY_CLOSE, CASES_WHY_NO_REF, CASES_WHY_REF, CASES_WHY_TARGET,
		 CASES_WHY_UNNAMED, CASES_WHY_WAIT };

/* One valid or invalid log entry held by struct cases (read-only for callers). */
struct cases_env {
	int log;                      /* party index (in the charter) of the log holding it */
	uint64_t index;
	merkle_hash leaf;
	uint8_t id[32];               /* identity (envelope_id), if the entry was a signed note */
	int valid;                    /* intrinsically: verified, in its sender's log, not a replay */
	char *reason;                 /* NULL if valid */
	enum cases_standing standing; /* for a valid entry; it counts for state only if CASES_STANDS */
	int why;                      /* enum cases_why when it does not stand */
	struct cases_env *wait_next;  /* the chain of entries pending on the same position */
	struct cases_env *work_next;  /* cases.c's work list while deciding */
	struct cases_case *kase;      /* NULL if the entry named no parseable case */
	/* The fields below are meaningful only if valid. */
	enum envelope_kind kind;
	int from;                     /* agency index; party index for 'received' */
	uint64_t to[2];               /* bit set of agency indices */
	int64_t time;
	int has_ref;
	int ref_log;                  /* party index, -1 if the origin is no party's log */
	uint64_t ref_index;
	merkle_hash ref_leaf;
	int has_body;
	uint8_t body_hash[32];
	uint64_t body_size;
	char handling[64];
	int urgent;
	const struct envelope_aid *aid; /* the aid line (docs/profile-aid-crossing.md), NULL if none; held with the entry */
};

struct cases_case {
	char id[SYNTAX_CASE_MAX + 1];
	int owner;                    /* agency index the id names (-1: none of the charter's) */
	int opened;                   /* a valid envelope of the owner is fed (so in its party's log) */
	struct cases_env **envs;      /* in the order fed; renderings sort them */
	size_t n, cap;
};

/* A (size, time) cosignature point; see cases.c. */
struct cases_cosig {
	uint64_t size;
	int64_t time;
};

struct cases_log {
	struct cases_env **envs;      /* envs[i] is entry i */
	uint64_t n;
	size_t cap;
	/* per cosigner (parties, then witnesses): the non-dominated records, size and time ascending */
	struct cases_cosig *cosig[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	size_t ncosig[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
	size_t capcosig[CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES];
};

/* The entries pending on one log position (see cases.c). */
struct cases_wait {
	int used, log;
	uint64_t index;
	struct cases_env *head;
};

/* The state. Treat every member as private; use the functions below. */
struct cases {
	const struct charter *charter; /* borrowed: the charter, or its history's roster */
	const struct charter_history *history; /* borrowed; NULL: the charter alone */
	struct cases_log logs[CHARTER_MAX_PARTIES];
	struct cases_case **table;    /* open addressing by case id */
	size_t table_cap, ncases;
	struct cases_env **ids;       /* open addressing by identity, valid entries only */
	size_t ids_cap, nids;
	struct cases_wait *wait;      /* open addressing by (log, index): entries pending on that position */
	size_t wait_cap, nwait;
};

/* An empty state for the charter (borrowed: it must outlive c). 0 or ERR_NOMEM. */
int cases_init(struct cases *c, const struct charter *charter);

/*
 * An empty state for a channel with amendments (docs/amendments.md): every
 * entry is judged under the charter in force at its time (history_at), a
 * request's deadlines are those in force at the request's time, and agency
 * and cosigner indices are the roster's (history_roster). h is borrowed.
 * cases_set_history replaces it with a later history of the same channel (a
 * copy with more amendments: the roster only grows, so indices stay); entries
 * already added keep how they were judged.
 */
int cases_init_history(struct cases *c, const struct charter_history *h);
void cases_set_history(struct cases *c, const struct charter_history *h);
void cases_release(struct cases *c);

/*
 * Parses and verifies one log entry into r without changing c: envelope_parse,
 * envelope_verify against the charter, and the sender must belong to the
 * log's party. An entry failing any of these is still a record (valid 0, the
 * reason set). Returns 0, or ERR_NOTFOUND if origin is no party's log.
 */
int cases_evaluate(const struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len,
		   struct cases_record *r);

/*
 * The same for an entry whose envelope the caller has verified already
 * (envelope_verify against this charter returned 0 for exactly these bytes):
 * the signature checks are not repeated. The other checks are.
 */
int cases_evaluate_verified(const struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len,
			    struct cases_record *r);

/*
 * Adds an evaluated record (from cases_evaluate or from the index). A record
 * whose identity (r->id: its signed text) equals an earlier valid entry's of
 * the same log is a replay: r is updated to invalid with that reason, and
 * added so. Then the entry's standing in its case is decided, and that of
 * entries that waited for it. ERR_CONFLICT if r->index
 * is not the next index of its log; ERR_NOTFOUND for an unknown origin;
 * ERR_NOMEM. Nothing changes on error.
 */
int cases_add_record(struct cases *c, struct cases_record *r);

/* cases_evaluate then cases_add_record. */
int cases_add_entry(struct cases *c, const char *origin, uint64_t index, const uint8_t *data, size_t len);

/*
 * Records that cosigner (a party's node cosigner key name, which is its log's
 * origin, or a witness id) cosigned origin's checkpoint of the given size at
 * time (Unix seconds). ERR_NOTFOUND for an unknown origin or cosigner,
 * ERR_FORMAT for a log's own node or a negative time, ERR_NOMEM.
 */
int cases_add_cosignature(struct cases *c, const char *origin, uint64_t size, const char *cosigner, int64_t time);

/*
 * 1 if a cosignature record would change nothing: one already held by the same
 * cosigner on origin's log covers at least that size no later (the record is
 * dominated; a repeated or later cosignature of the same checkpoint is). The
 * node records only what is not, so repeated cosigning (heartbeats, a peer
 * pushing again) adds no index row.
 */
int cases_cosignature_known(const struct cases *c, const char *origin, uint64_t size, const char *cosigner,
			    int64_t time);

/*
 * The size of the checkpoint of origin's log that cosigner cosigned first
 * (earliest) among those covering entry index: the smallest kept record
 * above index. ERR_NOTFOUND if none yet (or an unknown origin or cosigner).
 */
int cases_first_cosigned(const struct cases *c, const char *origin, const char *cosigner, uint64_t index,
			 uint64_t *size);

/* Entry index of origin's log as fed (valid or not), or NULL if not fed yet. */
const struct cases_env *cases_entry(const struct cases *c, const char *origin, uint64_t index);


/* 1 if a valid entry of any log has this identity (envelope_id): the same signed text again is a replay. */
int cases_has_id(const struct cases *c, const uint8_t id[32]);

/*
 * Why entry e does not count for state: its reason if invalid, else why it
 * does not stand in its case (text into out, n bytes); "" if it counts.
 */
const char *cases_reason(const struct cases *c, const struct cases_env *e, char *out, size_t n);

/* 1 if e counts for state: valid and standing in its case. */
int cases_counts(const struct cases_env *e);

/*
 * The node's check before sequencing a verified envelope of its own party:
 * would it stand in its case if appended to its sender's log now (docs/cases.md
 * "Case namespaces")? 0 if so; ERR_CONFLICT if not yet (the case is not
 * opened in that log yet, or its ref names an entry not fed yet or pending:
 * it may stand later); ERR_VERIFY if it never can. The reason is in err_msg().
 */
int cases_admit(const struct cases *c, const struct envelope *e);

/* Entries fed so far for origin's log (0 for an unknown origin). */
uint64_t cases_log_size(const struct cases *c, const char *origin);

/* The case, or NULL. */
const struct cases_case *cases_find(const struct cases *c, const char *case_id);
size_t cases_count(const struct cases *c);
/* Every case sorted by id, into a malloc'd array (*out; free() it). 0 or ERR_NOMEM. */
int cases_list(const struct cases *c, const struct cases_case ***out, size_t *n);

/*
 * The valid envelopes addressed to agency (not 'received' records), sorted by
 * (envelope time, log in charter order, index), into a malloc'd array.
 * ERR_NOTFOUND for an agency not in the charter.
 */
int cases_inbox(const struct cases *c, const char *agency, const struct cases_env ***out, size_t *n);

/*
 * The recipient parties of valid entry e (docs/cases.md "Delivery"): bit p
 * set for party index p, the parties of its 'to' agencies other than the
 * sender's own. 0 for an invalid entry or one addressed only to its own party.
 */
uint32_t cases_recipient_parties(const struct cases *c, const struct cases_env *e);

/*
 * 1 if valid entry e was deemed delivered to party (charter index) by now,
 * with the time in *at: the first cosignature by that party's node on a
 * checkpoint of e's log covering it; for the sender's own party, its envelope
 * time (its own node delivers it). 0 if not (yet), or for an invalid entry.
 */
int cases_delivered_to(const struct cases *c, const struct cases_env *e, int party, int64_t now, int64_t *at);

/* Where a deadline stands at a given time. */
enum cases_clock {
	CASES_NOT_STARTED, /* the request is not deemed delivered to the party yet */
	CASES_DUE,         /* running, due in the future */
	CASES_OVERDUE,     /* due passed with nothing sent */
	CASES_SENT,        /* a response is in the responder's log, not yet deemed delivered */
	CASES_MET,         /* a response was deemed delivered (at) */
	CASES_CLOSED,      /* the case was closed first (at) */
};
const char *cases_clock_name(enum cases_clock s);

struct cases_deadline {
	enum cases_clock state;
	int started;                  /* the request was deemed delivered by now: due is set */
	int64_t due;
	int64_t at;                   /* MET: delivered; SENT: response time; CLOSED: close; OVERDUE: = due */
	int late;                     /* MET or CLOSED after due */
	const struct cases_env *by;   /* the response (MET, SENT) or the close (CLOSED) */
};

/* The obligations of one recipient party of a request (or of a consignment notice: ack only). */
struct cases_obligation {
	int party;
	int delivered;                /* deemed delivered to the party by now */
	int64_t delivered_at;
	struct cases_deadline ack, answer;
	int has_answer;               /* 0 for a consignment notice: nothing is answered (answer is zero) */
	size_t answers;               /* valid answers from the party referencing the request */
};

/*
 * 1 if valid entry e gives its recipient parties obligations: a request (ack
 * and answer), or a notice carrying an 'aid: consignment' line (an ack due by
 * the advance-notice deadline, cases_advance_due; docs/cases.md
 * "Consignment notices").
 */
int cases_has_obligations(const struct cases_env *e);

/*
 * A consignment notice's advance-notice deadline: its cross-by time minus the
 * charter's advance notice (the `ack` duration, `urgent-ack` for a notice with
 * priority urgent, of the charter in force at the notice's time). The ack of
 * every recipient party is due then; the notice itself was on time if sent
 * no later (cases_notice_on_time). ERR_USAGE if e is no valid consignment notice.
 */
int cases_advance_due(const struct cases *c, const struct cases_env *e, int64_t *due);
/* 1 if consignment notice e was sent at least the advance notice before its cross-by time (time <= due). */
int cases_notice_on_time(const struct cases *c, const struct cases_env *e);

/*
 * The entry e's ref resolves to (docs/cases.md "References"): valid, standing
 * in e's case, the leaf matching. NULL otherwise, or when e has no ref.
 */
const struct cases_env *cases_ref_target(const struct cases *c, const struct cases_env *e);

/*
 * The clocks of a request or consignment notice (cases_has_obligations) for
 * the recipient party (its id) as of now. ERR_USAGE if it is neither or the
 * party is not a recipient party (one of the parties of its 'to' agencies,
 * other than the sender's).
 */
int cases_status(const struct cases *c, const struct cases_env *request, const char *party, int64_t now,
		 struct cases_obligation *out);

/*
 * The deadlines overdue as of now, per recipient party (charter index): [p][0]
 * acknowledgements, [p][1] answers. One pass over every valid request (for
 * /metrics, which caches it).
 */
void cases_count_overdue(const struct cases *c, int64_t now, uint64_t counts[CHARTER_MAX_PARTIES][2]);

/* Deterministic JSON (docs/cases.md) of a case timeline / an agency's inbox as of now, appended to out. */
int cases_case_json(const struct cases *c, const struct cases_case *k, int64_t now, struct buf *out);
int cases_inbox_json(const struct cases *c, const char *agency, int64_t now, struct buf *out);

#endif
