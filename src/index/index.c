#include "index/index.h"
#include "base/err.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(origin TEXT PRIMARY KEY, size INTEGER NOT NULL) STRICT;"
	"CREATE TABLE IF NOT EXISTS entries("
	" origin TEXT NOT NULL, idx INTEGER NOT NULL, leaf BLOB NOT NULL,"
	" valid INTEGER NOT NULL, reason TEXT NOT NULL, parsed INTEGER NOT NULL, id BLOB,"
	" channel TEXT, sender TEXT, recipients TEXT, case_id TEXT, kind TEXT, time INTEGER,"
	" ref_origin TEXT, ref_idx INTEGER, ref_leaf BLOB,"
	" body_sha256 BLOB, body_size INTEGER, handling TEXT, urgent INTEGER, aid TEXT,"
	" PRIMARY KEY (origin, idx)) STRICT;"
	"CREATE UNIQUE INDEX IF NOT EXISTS entries_valid_id ON entries(id) WHERE valid = 1;"
	"CREATE TABLE IF NOT EXISTS cosignatures(origin TEXT NOT NULL, size INTEGER NOT NULL,"
	" cosigner TEXT NOT NULL, time INTEGER NOT NULL, PRIMARY KEY (origin, size, cosigner, time)) STRICT;"
	"CREATE TABLE IF NOT EXISTS built(complete INTEGER NOT NULL) STRICT;";

static const char drop[] = "DROP TABLE IF EXISTS entries; DROP TABLE IF EXISTS cosignatures; DROP TABLE IF EXISTS meta;"
			   "DROP TABLE IF EXISTS built;";

#define ENTRY_COLUMNS                                                                                          \
	"origin, idx, leaf, valid, reason, parsed, channel, sender, recipients, case_id, kind, time, ref_origin, " \
	"ref_idx, ref_leaf, body_sha256, body_size, handling, urgent, id, aid"

enum { S_INSERT, S_GET_SIZE, S_SET_SIZE, S_HAS_LEAF, S_COSIG, S_COUNT };
static const char *const stmt_sql[S_COUNT] = {
	[S_INSERT] = "INSERT INTO entries(" ENTRY_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, "
		     "?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)",
	[S_GET_SIZE] = "SELECT size FROM meta WHERE origin = ?1",
	[S_SET_SIZE] = "INSERT INTO meta(origin, size) VALUES (?1, ?2) ON CONFLICT(origin) DO UPDATE SET size = ?2",
	[S_HAS_LEAF] = "SELECT 1 FROM entries WHERE leaf = ?1 LIMIT 1",
	[S_COSIG] = "INSERT OR IGNORE INTO cosignatures(origin, size, cosigner, time) VALUES (?1, ?2, ?3, ?4)",
};

struct index {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
};

static int db_err(struct index *ix, int src, const char *what)
{
	int code = src == SQLITE_CONSTRAINT ? ERR_CONFLICT : src == SQLITE_NOMEM ? ERR_NOMEM : ERR_IO;
	return err_set(code, "index: %s: %s", what, ix->db ? sqlite3_errmsg(ix->db) : sqlite3_errstr(src));
}

static int exec(struct index *ix, const char *sql, const char *what)
{
	int src = sqlite3_exec(ix->db, sql, NULL, NULL, NULL);
	return src == SQLITE_OK ? 0 : db_err(ix, src, what);
}

static void finalize_all(struct index *ix)
{
	for (int i = 0; i < S_COUNT; i++) {
		sqlite3_finalize(ix->st[i]);
		ix->st[i] = NULL;
	}
}

static int prepare_all(struct index *ix)
{
	for (int i = 0; i < S_COUNT; i++) {
		int src = sqlite3_prepare_v2(ix->db, stmt_sql[i], -1, &ix->st[i], NULL);
		if (src != SQLITE_OK)
			return db_err(ix, src, "prepare");
	}
	return 0;
}

int index_open(struct index **out, const char *path)
{
	struct index *ix = calloc(1, sizeof *ix);
	sqlite3_stmt *v = NULL;
	int rc, src;
	*out = NULL;
	if (!ix)
		return err_set(ERR_NOMEM, "index: out of memory");
	src = sqlite3_open_v2(path, &ix->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK) {
		rc = db_err(ix, src, path);
		goto out;
	}
	if ((src = sqlite3_db_config(ix->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL)) != SQLITE_OK) {
		rc = db_err(ix, src, "defensive mode");
		goto out;
	}
	sqlite3_busy_timeout(ix->db, 5000);
	if ((rc = exec(ix, "PRAGMA trusted_schema = OFF; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
		       "pragmas")))
		goto out;
	if ((src = sqlite3_prepare_v2(ix->db, "PRAGMA user_version", -1, &v, NULL)) != SQLITE_OK ||
	    sqlite3_step(v) != SQLITE_ROW) {
		rc = db_err(ix, src, "schema version");
		goto out;
	}
	int version = sqlite3_column_int(v, 0);
	if (version != 0 && version != INDEX_SCHEMA_VERSION) {
		rc = err_set(ERR_CONFLICT, "index: %s has schema version %d, this parley needs %d: rebuild it", path,
			     version, INDEX_SCHEMA_VERSION);
		goto out;
	}
	char sql[sizeof schema + 64];
	snprintf(sql, sizeof sql, "BEGIN; %s PRAGMA user_version = %d; COMMIT;", schema, INDEX_SCHEMA_VERSION);
	if ((rc = exec(ix, sql, "schema")) || (rc = prepare_all(ix)))
		goto out;
	*out = ix;
	ix = NULL;
out:
	sqlite3_finalize(v);
	if (ix)
		index_close(ix);
	return rc;
}

void index_close(struct index *ix)
{
	if (!ix)
		return;
	finalize_all(ix);
	sqlite3_close(ix->db);
	free(ix);
}

/* Runs a statement that returns no row, then resets it. */
static int step_done(struct index *ix, sqlite3_stmt *s, const char *what)
{
	int src = sqlite3_step(s);
	int rc = src == SQLITE_DONE ? 0 : db_err(ix, src, what);
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

static int get_size(struct index *ix, const char *origin, uint64_t *size)
{
	sqlite3_stmt *s = ix->st[S_GET_SIZE];
	int rc = 0, src;
	*size = 0;
	sqlite3_bind_text(s, 1, origin, -1, SQLITE_STATIC);
	if ((src = sqlite3_step(s)) == SQLITE_ROW)
		*size = (uint64_t)sqlite3_column_int64(s, 0);
	else if (src != SQLITE_DONE)
		rc = db_err(ix, src, "size");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

int index_size(struct index *ix, const char *origin, uint64_t *size)
{
	return get_size(ix, origin, size);
}

/* Binds text or NULL for an empty optional field. */
static void bind_opt_text(sqlite3_stmt *s, int i, int present, const char *t)
{
	if (present)
		sqlite3_bind_text(s, i, t, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(s, i);
}

static int insert_record(struct index *ix, const struct cases_record *r, char *recipients, size_t rcap)
{
	sqlite3_stmt *s = ix->st[S_INSERT];
	const struct envelope_fields *f = &r->f;
	int p = r->parsed;
	size_t rl = 0;
	recipients[0] = 0;
	for (size_t i = 0; p && i < f->nto && i < ENVELOPE_MAX_TO && rl < rcap; i++)
		rl += (size_t)snprintf(recipients + rl, rcap - rl, "%s%s", i ? " " : "", f->to[i]);
	sqlite3_bind_text(s, 1, r->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)r->index);
	sqlite3_bind_blob(s, 3, r->leaf, MERKLE_HASH, SQLITE_STATIC);
	sqlite3_bind_int(s, 4, r->valid);
	sqlite3_bind_text(s, 5, r->reason, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 6, p);
	bind_opt_text(s, 7, p, f->channel);
	bind_opt_text(s, 8, p, f->from);
	bind_opt_text(s, 9, p, recipients);
	bind_opt_text(s, 10, p, f->case_id);
	bind_opt_text(s, 11, p, envelope_kind_name(f->kind));
	if (p)
		sqlite3_bind_int64(s, 12, f->time);
	bind_opt_text(s, 13, p && f->has_ref, f->ref.origin);
	if (p && f->has_ref) {
		sqlite3_bind_int64(s, 14, (sqlite3_int64)f->ref.index);
		sqlite3_bind_blob(s, 15, f->ref.leaf, MERKLE_HASH, SQLITE_STATIC);
	}
	if (p && f->has_body) {
		sqlite3_bind_blob(s, 16, f->body_hash, 32, SQLITE_STATIC);
		sqlite3_bind_int64(s, 17, (sqlite3_int64)f->body_size);
	}
	bind_opt_text(s, 18, p && f->handling[0], f->handling);
	if (p)
		sqlite3_bind_int(s, 19, f->urgent);
	if (r->has_id)
		sqlite3_bind_blob(s, 20, r->id, sizeof r->id, SQLITE_STATIC);
	struct buf aid;
	buf_init(&aid, 512);
	if (p && f->aid.type != ENV_AID_NONE) {
		/* the line's value, as the envelope has it ("aid: " and the newline dropped) */
		int rc = envelope_aid_format(&f->aid, &aid);
		if (rc || aid.len < 7) {
			buf_release(&aid);
			sqlite3_reset(s);
			sqlite3_clear_bindings(s);
			return rc ? rc : err_set(ERR_FORMAT, "index: aid line");
		}
		sqlite3_bind_text(s, 21, (const char *)aid.data + 5, (int)aid.len - 6, SQLITE_TRANSIENT);
	}
	buf_release(&aid);
	return step_done(ix, s, "insert entry");
}

int index_add_entries(struct index *ix, const struct cases_record *batch, size_t n)
{
	char recipients[ENVELOPE_MAX_TO * (SYNTAX_AGENCY_MAX + 1) + 1];
	int rc;
	if ((rc = exec(ix, "BEGIN IMMEDIATE", "begin")))
		return rc;
	for (size_t i = 0; i < n; i++) {
		const struct cases_record *r = &batch[i];
		uint64_t size;
		if ((rc = get_size(ix, r->origin, &size)))
			goto out;
		if (r->index != size) {
			rc = err_set(ERR_CONFLICT, "index: entry %llu of %s given, expected entry %llu",
				     (unsigned long long)r->index, r->origin, (unsigned long long)size);
			goto out;
		}
		if ((rc = insert_record(ix, r, recipients, sizeof recipients)))
			goto out;
		sqlite3_stmt *s = ix->st[S_SET_SIZE];
		sqlite3_bind_text(s, 1, r->origin, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, (sqlite3_int64)(size + 1));
		if ((rc = step_done(ix, s, "size")))
			goto out;
	}
	rc = exec(ix, "COMMIT", "commit");
out:
	if (rc)
		sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

int index_add_cosignature(struct index *ix, const char *origin, uint64_t size, const char *cosigner, int64_t time)
{
	sqlite3_stmt *s = ix->st[S_COSIG];
	sqlite3_bind_text(s, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, (sqlite3_int64)size);
	sqlite3_bind_text(s, 3, cosigner, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 4, time);
	return step_done(ix, s, "insert cosignature");
}

int index_check(struct index *ix)
{
	sqlite3_stmt *s = NULL;
	int rc = 0, src = sqlite3_prepare_v2(ix->db, "PRAGMA quick_check", -1, &s, NULL);
	if (src != SQLITE_OK)
		return db_err(ix, src, "quick_check");
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *r = (const char *)sqlite3_column_text(s, 0);
		if (!r || strcmp(r, "ok")) {
			rc = err_set(ERR_FORMAT, "index: damaged: %s", r ? r : "?");
			break;
		}
	}
	if (!rc && src != SQLITE_DONE)
		rc = src == SQLITE_CORRUPT || src == SQLITE_NOTADB ? err_set(ERR_FORMAT, "index: damaged: %s", sqlite3_errmsg(ix->db))
								   : db_err(ix, src, "quick_check");
	sqlite3_finalize(s);
	return rc;
}

int index_complete(struct index *ix)
{
	sqlite3_stmt *s = NULL;
	int done = 0;
	if (sqlite3_prepare_v2(ix->db, "SELECT complete FROM built", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		done = sqlite3_column_int(s, 0) == 1;
	sqlite3_finalize(s);
	return done;
}

int index_set_complete(struct index *ix)
{
	return exec(ix, "BEGIN; DELETE FROM built; INSERT INTO built(complete) VALUES (1); COMMIT;", "marking the index complete");
}

int index_has_leaf(struct index *ix, const merkle_hash leaf)
{
	sqlite3_stmt *s = ix->st[S_HAS_LEAF];
	sqlite3_bind_blob(s, 1, leaf, MERKLE_HASH, SQLITE_STATIC);
	int src = sqlite3_step(s);
	int rc = src == SQLITE_ROW ? 1 : src == SQLITE_DONE ? 0 : db_err(ix, src, "leaf lookup");
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
	return rc;
}

int index_rebuild(struct index *ix)
{
	char sql[sizeof drop + sizeof schema + 32];
	int rc;
	finalize_all(ix); /* a table cannot be dropped under a prepared statement */
	snprintf(sql, sizeof sql, "BEGIN; %s %s COMMIT;", drop, schema);
	if ((rc = exec(ix, sql, "rebuild")))
		sqlite3_exec(ix->db, "ROLLBACK", NULL, NULL, NULL);
	int rc2 = prepare_all(ix);
	return rc ? rc : rc2;
}

/* Copies column i (text, may be NULL) into out; ERR_FORMAT if it does not fit. */
static int col_text(sqlite3_stmt *s, int i, char *out, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	size_t n = t ? (size_t)sqlite3_column_bytes(s, i) : 0;
	if (n >= cap)
		return err_set(ERR_FORMAT, "index: column %d is too long", i);
	memcpy(out, t ? (const char *)t : "", n);
	out[n] = 0;
	return 0;
}

/* Copies a blob column of exactly n bytes (or NULL: zeros). */
static int col_blob(sqlite3_stmt *s, int i, uint8_t *out, size_t n)
{
	const void *p = sqlite3_column_blob(s, i);
	if (!p) {
		memset(out, 0, n);
		return 0;
	}
	if ((size_t)sqlite3_column_bytes(s, i) != n)
		return err_set(ERR_FORMAT, "index: column %d is not %zu bytes", i, n);
	memcpy(out, p, n);
	return 0;
}

static int row_to_record(sqlite3_stmt *s, struct cases_record *r)
{
	struct envelope_fields *f = &r->f;
	char recipients[ENVELOPE_MAX_TO * (SYNTAX_AGENCY_MAX + 1) + 1], kind[16];
	int rc;
	memset(r, 0, sizeof *r);
	if ((rc = col_text(s, 0, r->origin, sizeof r->origin)))
		return rc;
	r->index = (uint64_t)sqlite3_column_int64(s, 1);
	r->valid = sqlite3_column_int(s, 3);
	r->parsed = sqlite3_column_int(s, 5);
	if ((rc = col_blob(s, 2, r->leaf, MERKLE_HASH)) || (rc = col_text(s, 4, r->reason, sizeof r->reason)))
		return rc;
	if ((r->has_id = sqlite3_column_type(s, 19) != SQLITE_NULL) && (rc = col_blob(s, 19, r->id, sizeof r->id)))
		return rc;
	if (r->valid && !r->has_id)
		return err_set(ERR_FORMAT, "index: a valid entry without its identity");
	if (!r->parsed)
		return 0;
	if ((rc = col_text(s, 6, f->channel, sizeof f->channel)) || (rc = col_text(s, 7, f->from, sizeof f->from)) ||
	    (rc = col_text(s, 8, recipients, sizeof recipients)) ||
	    (rc = col_text(s, 9, f->case_id, sizeof f->case_id)) || (rc = col_text(s, 10, kind, sizeof kind)))
		return rc;
	int k = envelope_kind_parse(kind, strlen(kind));
	if (k < 0)
		return err_set(ERR_FORMAT, "index: unknown kind '%s'", kind);
	f->kind = (enum envelope_kind)k;
	f->time = sqlite3_column_int64(s, 11);
	const char *words[ENVELOPE_MAX_TO];
	size_t wl[ENVELOPE_MAX_TO];
	int nw = recipients[0] ? syntax_words(recipients, strlen(recipients), words, wl, ENVELOPE_MAX_TO) : 0;
	if (nw < 0)
		return err_set(ERR_FORMAT, "index: too many recipients");
	for (int i = 0; i < nw; i++) {
		if (wl[i] > SYNTAX_AGENCY_MAX)
			return err_set(ERR_FORMAT, "index: recipient too long");
		memcpy(f->to[i], words[i], wl[i]);
		f->to[i][wl[i]] = 0;
	}
	f->nto = (size_t)nw;
	if ((f->has_ref = sqlite3_column_type(s, 12) != SQLITE_NULL)) {
		if ((rc = col_text(s, 12, f->ref.origin, sizeof f->ref.origin)) ||
		    (rc = col_blob(s, 14, f->ref.leaf, MERKLE_HASH)))
			return rc;
		f->ref.index = (uint64_t)sqlite3_column_int64(s, 13);
	}
	if ((f->has_body = sqlite3_column_type(s, 15) != SQLITE_NULL)) {
		if ((rc = col_blob(s, 15, f->body_hash, 32)))
			return rc;
		f->body_size = (uint64_t)sqlite3_column_int64(s, 16);
	}
	if ((rc = col_text(s, 17, f->handling, sizeof f->handling)))
		return rc;
	f->urgent = sqlite3_column_int(s, 18);
	if (sqlite3_column_type(s, 20) != SQLITE_NULL) {
		const char *v = (const char *)sqlite3_column_text(s, 20);
		if (!v || envelope_aid_parse(v, (size_t)sqlite3_column_bytes(s, 20), &f->aid))
			return err_set(ERR_FORMAT, "index: entry %llu of %s: a malformed aid line", (unsigned long long)r->index,
				       r->origin);
	}
	return 0;
}

int index_load(struct index *ix, struct cases *c)
{
	sqlite3_stmt *s = NULL;
	struct cases_record *r = malloc(sizeof *r);
	int rc = 0, src;
	if (!r)
		return err_set(ERR_NOMEM, "index: out of memory");
	if ((src = sqlite3_prepare_v2(ix->db, "SELECT " ENTRY_COLUMNS " FROM entries ORDER BY origin, idx", -1, &s,
				      NULL)) != SQLITE_OK) {
		rc = db_err(ix, src, "load");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW)
		if ((rc = row_to_record(s, r)) || (rc = cases_add_record(c, r)))
			goto out;
	if (src != SQLITE_DONE) {
		rc = db_err(ix, src, "load");
		goto out;
	}
	sqlite3_finalize(s);
	if ((src = sqlite3_prepare_v2(ix->db, "SELECT origin, size, cosigner, time FROM cosignatures", -1, &s, NULL)) !=
	    SQLITE_OK) {
		s = NULL;
		rc = db_err(ix, src, "load");
		goto out;
	}
	while ((src = sqlite3_step(s)) == SQLITE_ROW) {
		const char *origin = (const char *)sqlite3_column_text(s, 0), *by = (const char *)sqlite3_column_text(s, 2);
		if (!origin || !by) {
			rc = err_set(ERR_FORMAT, "index: a cosignature row without its names");
			goto out;
		}
		if ((rc = cases_add_cosignature(c, origin, (uint64_t)sqlite3_column_int64(s, 1), by,
						sqlite3_column_int64(s, 3))))
			goto out;
	}
	if (src != SQLITE_DONE)
		rc = db_err(ix, src, "load");
out:
	if (rc && rc != ERR_IO && rc != ERR_NOMEM)
		err_wrap(rc, "index: row refused");
	sqlite3_finalize(s);
	free(r);
	return rc;
}
