/*
 * bodies — small bodies as SQLite rows, large ones as files (bodies.h).
 */
#include "node/bodies.h"

#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "exchange/envelope.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A small body waiting for the next flush. */
struct staged {
	struct staged *next;
	uint8_t hash[32];
	size_t len;
	uint8_t data[];
};

/* A read-only connection, kept for the next reader. */
struct reader {
	struct reader *next;
	sqlite3 *db;
	sqlite3_stmt *get;
};

struct bodies {
	char dir[PATH_MAX];
	char db_path[PATH_MAX];
	int dirfd;
	int sync_later;

	pthread_mutex_t stage_lock;
	struct staged *staged;

	pthread_mutex_t write_lock; /* the writing connection, one flush at a time */
	sqlite3 *w;
	sqlite3_stmt *insert;

	pthread_mutex_t readers_lock;
	struct reader *readers;
};

static int db_error(sqlite3 *db, const char *what)
{
	return err_set(ERR_IO, "bodies database: %s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
}

static int exec(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_error(db, sql);
}

static int open_db(struct bodies *b, sqlite3 **db, int flags)
{
	if (sqlite3_open_v2(b->db_path, db, flags | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		int rc = db_error(*db, "open");
		sqlite3_close(*db);
		*db = NULL;
		return rc;
	}
	sqlite3_busy_timeout(*db, 10000);
	return 0;
}

int bodies_open(struct bodies **out, const char *dir, int sync_later)
{
	*out = NULL;
	struct bodies *b = calloc(1, sizeof *b);
	if (!b)
		return err_set(ERR_NOMEM, "out of memory");
	snprintf(b->dir, sizeof b->dir, "%s", dir);
	snprintf(b->db_path, sizeof b->db_path, "%s/inline.db", dir);
	b->sync_later = sync_later;
	pthread_mutex_init(&b->stage_lock, NULL);
	pthread_mutex_init(&b->write_lock, NULL);
	pthread_mutex_init(&b->readers_lock, NULL);
	int rc = mkdir_p(dir, 0755);
	if (!rc && (b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	if (!rc)
		rc = open_db(b, &b->w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!rc)
		rc = exec(b->w, sync_later ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
					   : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
	if (!rc)
		rc = exec(b->w, "PRAGMA trusted_schema = OFF;"
				"CREATE TABLE IF NOT EXISTS body (sha256 BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;");
	if (!rc && sqlite3_prepare_v2(b->w, "INSERT OR IGNORE INTO body (sha256, data) VALUES (?, ?)", -1, &b->insert,
				      NULL) != SQLITE_OK)
		rc = db_error(b->w, "prepare");
	if (rc) {
		bodies_close(b);
		return rc;
	}
	*out = b;
	return 0;
}

void bodies_close(struct bodies *b)
{
	if (!b)
		return;
	if (b->insert)
		bodies_flush(b);
	sqlite3_finalize(b->insert);
	sqlite3_close(b->w);
	for (struct reader *r = b->readers, *next; r; r = next) {
		next = r->next;
		sqlite3_finalize(r->get);
		sqlite3_close(r->db);
		free(r);
	}
	for (struct staged *s = b->staged, *next; s; s = next) {
		next = s->next;
		free(s);
	}
	if (b->dirfd > 0)
		close(b->dirfd);
	pthread_mutex_destroy(&b->stage_lock);
	pthread_mutex_destroy(&b->write_lock);
	pthread_mutex_destroy(&b->readers_lock);
	free(b);
}

int bodies_dirfd(const struct bodies *b)
{
	return b->dirfd;
}

/* ---- writing ---- */

static int put_file(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len)
{
	char hex[65], path[PATH_MAX + 80];
	hex_encode(hex, hash, 32);
	if (bodies_has(b, hash))
		return 0;
	if (b->sync_later)
		return file_write_unsynced(b->dirfd, hex, data, len);
	snprintf(path, sizeof path, "%s/%s", b->dir, hex);
	return file_write_atomic(path, data, len, 0644, 0);
}

int bodies_put(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len)
{
	if (len > BODIES_INLINE_MAX)
		return put_file(b, hash, data, len);
	struct staged *s = malloc(sizeof *s + len);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(s->hash, hash, 32);
	memcpy(s->data, data, len);
	s->len = len;
	pthread_mutex_lock(&b->stage_lock);
	s->next = b->staged;
	b->staged = s;
	pthread_mutex_unlock(&b->stage_lock);
	return 0;
}

int bodies_flush(struct bodies *b)
{
	pthread_mutex_lock(&b->write_lock);
	pthread_mutex_lock(&b->stage_lock);
	struct staged *list = b->staged;
	b->staged = NULL;
	pthread_mutex_unlock(&b->stage_lock);
	int rc = 0;
	if (list) {
		rc = exec(b->w, "BEGIN");
		for (struct staged *s = list; s && !rc; s = s->next) {
			sqlite3_bind_blob(b->insert, 1, s->hash, 32, SQLITE_STATIC);
			sqlite3_bind_blob(b->insert, 2, s->data, (int)s->len, SQLITE_STATIC);
			if (sqlite3_step(b->insert) != SQLITE_DONE)
				rc = db_error(b->w, "insert");
			sqlite3_reset(b->insert);
		}
		sqlite3_clear_bindings(b->insert);
		if (!rc)
			rc = exec(b->w, "COMMIT");
		if (rc && !sqlite3_get_autocommit(b->w))
			sqlite3_exec(b->w, "ROLLBACK", NULL, NULL, NULL);
	}
	if (rc && list) {
		/* Staged again: another thread's batch may rely on one of them and flush next. */
		struct staged *last = list;
		while (last->next)
			last = last->next;
		pthread_mutex_lock(&b->stage_lock);
		last->next = b->staged;
		b->staged = list;
		pthread_mutex_unlock(&b->stage_lock);
		list = NULL;
	}
	pthread_mutex_unlock(&b->write_lock);
	for (struct staged *next; list; list = next) {
		next = list->next;
		free(list);
	}
	return rc;
}

/* ---- reading ---- */

/* A reading connection: a kept one, or a new one. */
static int reader_take(struct bodies *b, struct reader **out)
{
	pthread_mutex_lock(&b->readers_lock);
	struct reader *r = b->readers;
	if (r)
		b->readers = r->next;
	pthread_mutex_unlock(&b->readers_lock);
	if (r) {
		*out = r;
		return 0;
	}
	if (!(r = calloc(1, sizeof *r)))
		return err_set(ERR_NOMEM, "out of memory");
	int rc = open_db(b, &r->db, SQLITE_OPEN_READONLY);
	if (!rc && sqlite3_prepare_v2(r->db, "SELECT data FROM body WHERE sha256 = ?", -1, &r->get, NULL) != SQLITE_OK)
		rc = db_error(r->db, "prepare");
	if (rc) {
		sqlite3_close(r->db);
		free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void reader_give_back(struct bodies *b, struct reader *r)
{
	sqlite3_reset(r->get);
	pthread_mutex_lock(&b->readers_lock);
	r->next = b->readers;
	b->readers = r;
	pthread_mutex_unlock(&b->readers_lock);
}

int bodies_get(struct bodies *b, const uint8_t hash[32], struct buf *out)
{
	struct reader *r;
	int rc = reader_take(b, &r);
	if (rc)
		return rc;
	buf_reset(out);
	sqlite3_bind_blob(r->get, 1, hash, 32, SQLITE_STATIC);
	int step = sqlite3_step(r->get);
	if (step == SQLITE_ROW) {
		const void *p = sqlite3_column_blob(r->get, 0);
		size_t n = (size_t)sqlite3_column_bytes(r->get, 0);
		rc = buf_append(out, p, n);
	} else if (step == SQLITE_DONE) {
		rc = err_set(ERR_NOTFOUND, "no such body");
	} else {
		rc = db_error(r->db, "select");
	}
	reader_give_back(b, r);
	return rc;
}

/*
 * Reads the body file named by hash into out (reset first) and checks it
 * against the hash: a file left short by a crash before its syncfs is no body.
 * 0, ERR_NOTFOUND (absent or incomplete), ERR_LIMIT, ERR_IO.
 */
static int read_file_checked(struct bodies *b, const uint8_t hash[32], struct buf *out)
{
	char hex[65];
	hex_encode(hex, hash, 32);
	int fd = openat(b->dirfd, hex, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? err_set(ERR_NOTFOUND, "no body %s", hex)
				       : err_set(ERR_IO, "body %s: %s", hex, strerror(errno));
	int rc = fd_read_all(fd, out->max, out);
	close(fd);
	if (rc)
		return err_wrap(rc, "body %s", hex);
	uint8_t h[32];
	sha256(out->data, out->len, h);
	if (memcmp(h, hash, 32) != 0)
		return err_set(ERR_NOTFOUND, "no body %s (the file is incomplete)", hex);
	return 0;
}

int bodies_read(struct bodies *b, const uint8_t hash[32], struct buf *out)
{
	int rc = bodies_get(b, hash, out);
	return rc == ERR_NOTFOUND ? read_file_checked(b, hash, out) : rc;
}

static int staged_has(struct bodies *b, const uint8_t hash[32])
{
	int found = 0;
	pthread_mutex_lock(&b->stage_lock);
	for (struct staged *s = b->staged; s && !found; s = s->next)
		found = !memcmp(s->hash, hash, 32);
	pthread_mutex_unlock(&b->stage_lock);
	return found;
}

static int file_has(struct bodies *b, const uint8_t hash[32])
{
	if (!b->sync_later) { /* files are written whole (synced, then renamed) */
		char hex[65];
		hex_encode(hex, hash, 32);
		return faccessat(b->dirfd, hex, F_OK, 0) == 0;
	}
	struct buf data;
	buf_init(&data, ENVELOPE_BODY_MAX);
	int ok = read_file_checked(b, hash, &data) == 0;
	buf_release(&data);
	return ok;
}

int bodies_has(struct bodies *b, const uint8_t hash[32])
{
	if (staged_has(b, hash))
		return 1;
	struct reader *r;
	if (!reader_take(b, &r)) {
		sqlite3_bind_blob(r->get, 1, hash, 32, SQLITE_STATIC);
		int row = sqlite3_step(r->get) == SQLITE_ROW;
		reader_give_back(b, r);
		if (row)
			return 1;
	}
	return file_has(b, hash);
}
