/*
 * logset — every party's log of a channel, read from a directory and checked
 * against the charter, fed into a struct cases (docs/reports.md "Layouts").
 * Pure file reading: no network, no index, nothing written.
 *
 * Two layouts are recognised:
 *   a `parley fetch` directory:  DIR/charter, DIR/logs/<party>/ (tlog-tiles),
 *                                DIR/logs/<party>.checkpoints/<size>
 *   a node's own directory:      DIR/charter, DIR/log/ (the party whose node
 *                                key signed DIR/log/checkpoint), DIR/cosigned/<size>,
 *                                DIR/peers/<party>/, DIR/peers/<party>.checkpoints/<size>,
 *                                DIR/witness/history/<sha256(origin) hex>/<size>
 *
 * Both may hold DIR/amendments/ (any file names), the channel's amendments:
 * each must be complete and valid, and they must form one chain; every entry
 * is then judged under the charter in force at its time (docs/amendments.md).
 *
 * What is checked (any failure is ERR_VERIFY, naming the file):
 *   - the charter is signed by every party;
 *   - every amendment in DIR/amendments/ is signed by every key it needs and
 *     follows the one before it;
 *   - each log's checkpoint, and every kept checkpoint file, carries a valid
 *     signature by one of that party's node keys (the log keys over the
 *     amendments; one an amendment retired counts only with a cosignature
 *     timestamped before its retirement: cosig_open_checkpoint);
 *   - every cosignature line by a cosigner of the log (another party's node,
 *     a neutral witness) verifies (cosig_check_note);
 *   - the entries read hash to the log's checkpoint (or closing checkpoint)
 *     root, and every kept checkpoint no larger than what was read has the
 *     root of the entries read up to its size (else the log has shown two
 *     histories);
 *   - every entry is fed to cases with its signatures verified (invalid
 *     entries are entries too: they are listed with their reason).
 * Only cosignatures on checkpoints proven to be prefixes of what was read are
 * fed to cases; a kept checkpoint larger than what was read is not used.
 *
 * Closing checkpoints (docs/reports.md "Time you can prove"): with a period
 * end `to`, the closing checkpoint of a log is the smallest kept checkpoint
 * with at least charter.witness_quorum distinct cosigners whose cosignatures
 * are at or after to + 15 min, its witnessed time the k-th earliest of those.
 * With one, the log is read up to its size (a report is a function of whole
 * log prefixes); without, the whole log is read and the log is provisional.
 *
 * A struct logset is large and holds pointers into itself: allocate it (e.g.
 * with malloc) and do not copy it. Not thread-safe.
 */
#ifndef PARLEY_LOGSET_H
#define PARLEY_LOGSET_H

#include "cases/cases.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "tlog/checkpoint.h"

#include <limits.h>
#include <stdint.h>

#define LOGSET_SLACK 900     /* 15 min: how long after its time an envelope may reach its log */
#define LOGSET_COSIGNERS (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)

/* One verified cosignature on a kept checkpoint of a log. */
struct logset_point {
	uint64_t size;
	merkle_hash root;
	int cosigner;            /* charter_cosigner_index */
	int64_t time;
};

struct logset_closing {
	uint64_t size;
	int64_t witnessed_at;              /* the k-th earliest of the cosignatures counted */
	size_t ncosigners;                 /* distinct cosigners counted (at least the quorum) */
	int cosigners[LOGSET_COSIGNERS];   /* their charter_cosigner_index, earliest first */
};

struct logset_log {
	int present;                       /* the log's directory and checkpoint were found */
	char dir[PATH_MAX];
	char kept[2][PATH_MAX];            /* the directories its kept checkpoint files were read from */
	int nkept;
	struct checkpoint cp;              /* its checkpoint (verified); size 0 if absent */
	uint64_t read;                     /* entries read and fed to cases */
	struct logset_point *points;       /* sorted by (size, time, cosigner) */
	size_t npoints, cappoints;
	int closed;                        /* a closing checkpoint was found */
	struct logset_closing closing;
};

struct logset {
	struct charter founding;           /* DIR/charter */
	struct charter_history history;    /* with DIR/amendments/ (docs/amendments.md) */
	const struct charter *charter;     /* the roster (history_roster): every agency and witness ever named */
	struct cases cases;                /* borrows the history */
	int node_layout;                   /* 1: a node's directory; 0: a fetch directory */
	int own;                           /* node layout: the party whose directory it is */
	int has_to;
	int64_t to;
	struct logset_log logs[CHARTER_MAX_PARTIES]; /* in charter order */
};

struct logset_options {
	int has_to;                        /* find closing checkpoints for a period ending at to */
	int64_t to;
	int threads;                       /* signature checks in parallel; 0: the online CPUs */
};

/*
 * Loads DIR (either layout) into s. 0; ERR_VERIFY if anything does not verify
 * (the message names the file and what); ERR_NOTFOUND if DIR is neither
 * layout; ERR_IO, ERR_FORMAT, ERR_NOMEM. On error s needs no release.
 */
int logset_open(struct logset *s, const char *dir, const struct logset_options *o);
void logset_close(struct logset *s);

/* The key name of cosigner k (charter_cosigner_index): a party's log origin or a witness id; "" if none. */
const char *logset_cosigner_name(const struct logset *s, int cosigner);

/* The party index whose log has this origin (-1 if none). */
int logset_party_of_origin(const struct logset *s, const char *origin);

#endif
