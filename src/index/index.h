/*
 * index — the SQLite view of the logs (derived state; DESIGN.md principle 1).
 *
 * One database file holds every log entry as cases_evaluate() judged it (the
 * parsed envelope fields, validity and reason; not the bodies), the
 * cosignature records, and per log the number of entries indexed. It lets
 * the node resume indexing after a crash
 * (index_size: re-feed the log's entries from there), and answer case
 * queries after a restart without re-reading or re-verifying every log
 * (index_load replays the rows into a struct cases, giving the same state,
 * and so the same JSON, as feeding the logs).
 *
 * The index is the node's own file and is trusted like its memory: rows are
 * not re-verified when loaded. When in doubt, index_rebuild() empties it and
 * the logs are fed again. Durability is not needed for correctness (the logs
 * are the truth), so the database runs in WAL mode with synchronous=NORMAL.
 *
 * Hardening: SQLITE_DBCONFIG_DEFENSIVE, PRAGMA trusted_schema=OFF, STRICT
 * tables, and only bound parameters in statements. Not thread-safe: one
 * struct index per thread.
 *
 * Flow in the node, per batch of entries of one log:
 *   cases_evaluate(...) each entry; cases_add_record(...) each (marks
 *   replays); index_add_entries(batch) — one transaction.
 */
#ifndef PARLEY_INDEX_H
#define PARLEY_INDEX_H

#include "cases/cases.h"
#include "crypto/merkle.h"

#include <stddef.h>
#include <stdint.h>

/* 2: entries.id, the identity of an envelope (its signed text); the built marker; 3: entries.aid;
   4: no indexes on entries.leaf and entries.case_id (nothing queried by them; each cost a random B-tree page per row) */
#define INDEX_SCHEMA_VERSION 4

struct index;

/*
 * Opens (creating if absent) the index at path. ERR_IO if SQLite fails,
 * ERR_CONFLICT if the file holds another schema version (rebuild it).
 */
int index_open(struct index **ix, const char *path);
void index_close(struct index *ix);

/*
 * Adds the records in one transaction: all or none. Each record's index must
 * be the next of its log (ERR_CONFLICT otherwise, or if a valid record's
 * identity is already indexed as valid).
 */
int index_add_entries(struct index *ix, const struct cases_record *batch, size_t n);

/* Adds a cosignature record (a repeated one is ignored). */
int index_add_cosignature(struct index *ix, const char *origin, uint64_t size, const char *cosigner, int64_t time);

/*
 * 1 if an entry (of any log, valid or not) with this leaf hash is indexed, 0 if not, or an ERR_* code.
 * A scan of every row (the leaf has no SQLite index since schema 4): for tests and tools, not per
 * submission (the node asks its case state, cases_has_id).
 */
int index_has_leaf(struct index *ix, const merkle_hash leaf);

/* Entries indexed for origin's log (0 if none) into *size. */
int index_size(struct index *ix, const char *origin, uint64_t *size);

/* Drops every table and creates them empty. */
int index_rebuild(struct index *ix);

/*
 * SQLite's quick_check of the whole file: 0, ERR_FORMAT (damaged: rebuild
 * it), ERR_IO. It reads every page: O(size of the index).
 */
int index_check(struct index *ix);
/*
 * 1 once index_set_complete() was called on this index: it was built from
 * the logs and the kept cosignatures to the end. A new, emptied or half-built
 * index is 0: the node rebuilds it.
 */
int index_complete(struct index *ix);
int index_set_complete(struct index *ix);

/*
 * Replays every row into c (initialised with the charter the index was built
 * with, and empty): each log's entries in index order, then the
 * cosignatures. ERR_FORMAT for a row cases refuses.
 */
int index_load(struct index *ix, struct cases *c);

#endif
