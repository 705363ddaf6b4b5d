/*
 * bodies — small bodies as SQLite rows, large ones as files (bodies.h).
 */
#include "node/bodies.h"

#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "exchange/envelope.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A small body waiting for the next flush. */
struct staged {
	struct staged *next;
	uint8_t hash[32];
	int deferred;        /* staged for a hold without looking whether it was stored before (see bodies_flush) */
	size_t len;
	uint8_t data[];
};

/*
 * A submission's body held until its envelope is committed or refused
 * (bodies_put_held / bodies_release). Chained in a small hash table.
 */
struct hold {
	struct hold *next;
	uint8_t hash[32];
	unsigned count;      /* holders not yet released */
	int keep;            /* stored before the first holder, put without a hold, or a holder committed */
};

#define HOLD_BUCKETS 1024
#define TOMBSTONES_MAX 4096
#define PRESTORED_SOFT_MAX 1024 /* past it, a hold looks whether its body was stored before, as without deferral */

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
	int small_files; /* the directory may hold a body file of at most BODIES_INLINE_MAX bytes (see bodies_open) */

	pthread_mutex_t stage_lock;
	struct staged *staged;

	pthread_mutex_t write_lock; /* the writing connection, one flush at a time */
	sqlite3 *w;
	sqlite3_stmt *insert;
	/*
	 * Under write_lock: bodies a flush found stored already (their INSERT
	 * changed nothing) when it wrote a deferred copy. Each is a fact that stays
	 * true while its row exists, and a row is deleted only by forget(), which
	 * takes the fact away instead of deleting. defer_off (atomic) once there are
	 * PRESTORED_SOFT_MAX of them: holds then look, as before.
	 */
	uint8_t (*prestored)[32];
	size_t nprestored, prestored_cap;
	int defer_off;

	pthread_mutex_t readers_lock;
	struct reader *readers;

	pthread_mutex_t hold_lock;  /* the holds and the tombstones */
	struct hold *holds[HOLD_BUCKETS];
	uint8_t (*tombstones)[32];  /* refused bodies whose deletion failed: never served */
	size_t ntombstones;
	sqlite3_stmt *del;
};

static int has_sized(struct bodies *b, const uint8_t hash[32], size_t len);
static int staged_has(struct bodies *b, const uint8_t hash[32]);

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
	/* The same defences as the index: no schema-borne code, no writes to the schema. */
	if (sqlite3_db_config(*db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK ||
	    sqlite3_exec(*db, "PRAGMA trusted_schema = OFF", NULL, NULL, NULL) != SQLITE_OK) {
		int rc = db_error(*db, "defensive settings");
		sqlite3_close(*db);
		*db = NULL;
		return rc;
	}
	return 0;
}

/* SQLite's quick_check of inline.db: it is not derived state, so a damaged one stops the node. */
static int check_db(struct bodies *b)
{
	sqlite3_stmt *s = NULL;
	char why[300] = "";
	int src = sqlite3_prepare_v2(b->w, "PRAGMA quick_check", -1, &s, NULL);
	while (src == SQLITE_OK || src == SQLITE_ROW) {
		if ((src = sqlite3_step(s)) != SQLITE_ROW)
			break;
		const char *r = (const char *)sqlite3_column_text(s, 0);
		if (!r || strcmp(r, "ok")) {
			snprintf(why, sizeof why, "%s", r ? r : "?");
			break;
		}
	}
	if (!why[0] && src != SQLITE_DONE)
		snprintf(why, sizeof why, "%s", sqlite3_errmsg(b->w));
	sqlite3_finalize(s);
	if (!why[0])
		return 0;
	return err_set(ERR_FORMAT,
		       "%s is damaged (%s); it is not derived state: restore it from a backup, or move it aside to start "
		       "without its bodies (a peer's are fetched again, this party's own are lost)",
		       b->db_path, why);
}

/*
 * 1 if dirfd holds a body file (named by 64 hex digits) of at most
 * BODIES_INLINE_MAX bytes: an older version wrote every body as a file, and
 * a crash may leave a large one short. Stops at the first; without one, a
 * small body is never looked for as a file (no failed openat per submission).
 */
static int find_small_files(int dirfd)
{
	int fd = dup(dirfd), found = 0;
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 1; /* unknown: look for files, as before */
	}
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n != 64 || strspn(e->d_name, "0123456789abcdef") != 64)
			continue;
		struct stat st;
		found = fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_size <= (off_t)BODIES_INLINE_MAX;
	}
	closedir(d);
	return found;
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
	pthread_mutex_init(&b->hold_lock, NULL);
	int rc = mkdir_p(dir, 0755);
	if (!rc && (b->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		rc = err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	if (!rc)
		b->small_files = find_small_files(b->dirfd);
	if (!rc)
		rc = open_db(b, &b->w, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	if (!rc)
		rc = check_db(b);
	if (!rc)
		rc = exec(b->w, sync_later ? "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
					   : "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
	if (!rc)
		rc = exec(b->w, "CREATE TABLE IF NOT EXISTS body (sha256 BLOB PRIMARY KEY, data BLOB NOT NULL) WITHOUT ROWID;");
	if (!rc && sqlite3_prepare_v2(b->w, "INSERT OR IGNORE INTO body (sha256, data) VALUES (?, ?)", -1, &b->insert,
				      NULL) != SQLITE_OK)
		rc = db_error(b->w, "prepare");
	if (!rc && sqlite3_prepare_v2(b->w, "DELETE FROM body WHERE sha256 = ?", -1, &b->del, NULL) != SQLITE_OK)
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
	sqlite3_finalize(b->del);
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
	for (size_t i = 0; i < HOLD_BUCKETS; i++)
		for (struct hold *h = b->holds[i], *next; h; h = next) {
			next = h->next;
			free(h);
		}
	free(b->tombstones);
	free(b->prestored);
	if (b->dirfd > 0)
		close(b->dirfd);
	pthread_mutex_destroy(&b->hold_lock);
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

static struct hold **hold_slot(struct bodies *b, const uint8_t hash[32])
{
	struct hold **h = &b->holds[(hash[0] | (unsigned)hash[1] << 8) % HOLD_BUCKETS];
	while (*h && memcmp((*h)->hash, hash, 32))
		h = &(*h)->next;
	return h;
}

/* Forgets that hash was refused (it is kept after all: committed, or a peer's). Call with hold_lock held. */
static void untombstone(struct bodies *b, const uint8_t hash[32])
{
	for (size_t i = 0; i < b->ntombstones; i++)
		if (!memcmp(b->tombstones[i], hash, 32)) {
			memcpy(b->tombstones[i], b->tombstones[--b->ntombstones], 32);
			return;
		}
}

/* A body put without a hold is kept whatever its holders' fate. */
static void pin(struct bodies *b, const uint8_t hash[32])
{
	pthread_mutex_lock(&b->hold_lock);
	struct hold *h = *hold_slot(b, hash);
	if (h)
		h->keep = 1;
	untombstone(b, hash);
	pthread_mutex_unlock(&b->hold_lock);
}

int bodies_has_keep(struct bodies *b, const uint8_t hash[32])
{
	pthread_mutex_lock(&b->hold_lock);
	int has = bodies_has(b, hash);
	if (has) {
		struct hold *h = *hold_slot(b, hash);
		if (h)
			h->keep = 1; /* staged for a submission that may yet be refused: keep it for this caller */
		untombstone(b, hash);
	}
	pthread_mutex_unlock(&b->hold_lock);
	return has;
}

static int store(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len, int deferred)
{
	if (len > BODIES_INLINE_MAX)
		return put_file(b, hash, data, len);
	struct staged *s = malloc(sizeof *s + len);
	if (!s)
		return err_set(ERR_NOMEM, "out of memory");
	memcpy(s->hash, hash, 32);
	memcpy(s->data, data, len);
	s->len = len;
	s->deferred = deferred;
	pthread_mutex_lock(&b->stage_lock);
	s->next = b->staged;
	b->staged = s;
	pthread_mutex_unlock(&b->stage_lock);
	return 0;
}

int bodies_put(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len)
{
	pin(b, hash);
	return store(b, hash, data, len, 0);
}

/*
 * Holding, releasing and deleting happen under hold_lock, so whether a body
 * was "stored before" is never judged while a refused one is being deleted.
 *
 * A small body (a row) is not looked up in the database here: that was a
 * SQLite read transaction per submission (about 10 us, its pages read again
 * after every commit of another connection). Whether it was stored before
 * matters only if the submission is refused, and is known then: refused
 * before its flush, the staged copy is removed and whatever was stored stays;
 * refused after it, the flush has recorded whether its INSERT found the row
 * there already (prestored), and forget() keeps such a body.
 */
int bodies_put_held(struct bodies *b, const uint8_t hash[32], const uint8_t *data, size_t len)
{
	int rc = 0;
	pthread_mutex_lock(&b->hold_lock);
	struct hold **slot = hold_slot(b, hash), *h = *slot;
	if (!h) {
		int defer = len <= BODIES_INLINE_MAX && !b->small_files && !__atomic_load_n(&b->defer_off, __ATOMIC_RELAXED);
		int stored = defer ? staged_has(b, hash) : has_sized(b, hash, len);
		if (!(h = calloc(1, sizeof *h))) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		if (!stored && (rc = store(b, hash, data, len, defer))) {
			free(h);
			goto out;
		}
		memcpy(h->hash, hash, 32);
		h->keep = stored;
		*slot = h;
	}
	h->count++;
out:
	pthread_mutex_unlock(&b->hold_lock);
	return rc;
}

/* Removes the staged copy of hash, if any: 1 if there was one. */
static int unstage(struct bodies *b, const uint8_t hash[32])
{
	int found = 0;
	pthread_mutex_lock(&b->stage_lock);
	for (struct staged **s = &b->staged; *s; s = &(*s)->next)
		if (!memcmp((*s)->hash, hash, 32)) {
			struct staged *gone = *s;
			*s = gone->next;
			free(gone);
			found = 1;
			break;
		}
	pthread_mutex_unlock(&b->stage_lock);
	return found;
}

/* Deletes the stored body (row, file) of a refused submission. Call with hold_lock held. */
static int forget(struct bodies *b, const uint8_t hash[32])
{
	/*
	 * Under write_lock: a flush in progress holds the staged list detached and
	 * puts it back if it fails, so unstaging must not run beside it.
	 */
	pthread_mutex_lock(&b->write_lock);
	if (unstage(b, hash)) {
		pthread_mutex_unlock(&b->write_lock);
		return 0;
	}
	for (size_t i = 0; i < b->nprestored; i++)
		if (!memcmp(b->prestored[i], hash, 32)) { /* stored before this hold's copy was flushed: not ours */
			memcpy(b->prestored[i], b->prestored[--b->nprestored], 32);
			pthread_mutex_unlock(&b->write_lock);
			return 0;
		}
	char hex[65];
	hex_encode(hex, hash, 32);
	int rc = 0;
	sqlite3_bind_blob(b->del, 1, hash, 32, SQLITE_STATIC);
	if (sqlite3_step(b->del) != SQLITE_DONE)
		rc = db_error(b->w, "delete");
	sqlite3_reset(b->del);
	sqlite3_clear_bindings(b->del);
	pthread_mutex_unlock(&b->write_lock);
	if (unlinkat(b->dirfd, hex, 0) && errno != ENOENT && !rc)
		rc = err_set(ERR_IO, "body %s: %s", hex, strerror(errno));
	if (rc) { /* what cannot be deleted is never served */
		if (!b->tombstones)
			b->tombstones = malloc(TOMBSTONES_MAX * sizeof *b->tombstones);
		if (b->tombstones && b->ntombstones < TOMBSTONES_MAX)
			memcpy(b->tombstones[b->ntombstones++], hash, 32);
		rc = err_wrap(rc, "deleting the body %s of a refused submission (it is not served)", hex);
	}
	return rc;
}

int bodies_release(struct bodies *b, const uint8_t hash[32], int committed)
{
	int rc = 0;
	pthread_mutex_lock(&b->hold_lock);
	struct hold **slot = hold_slot(b, hash), *h = *slot;
	if (h) {
		if (committed) {
			h->keep = 1;
			untombstone(b, hash);
		}
		if (--h->count == 0) {
			*slot = h->next;
			if (!h->keep)
				rc = forget(b, hash);
			free(h);
		}
	}
	pthread_mutex_unlock(&b->hold_lock);
	return rc;
}

int bodies_refused(struct bodies *b, const uint8_t hash[32])
{
	int found = 0;
	pthread_mutex_lock(&b->hold_lock);
	for (size_t i = 0; i < b->ntombstones && !found; i++)
		found = !memcmp(b->tombstones[i], hash, 32);
	pthread_mutex_unlock(&b->hold_lock);
	return found;
}

int bodies_flush(struct bodies *b)
{
	pthread_mutex_lock(&b->write_lock);
	pthread_mutex_lock(&b->stage_lock);
	struct staged *list = b->staged;
	b->staged = NULL;
	pthread_mutex_unlock(&b->stage_lock);
	int rc = 0;
	size_t found = 0; /* deferred copies whose body was stored already (marked in s->deferred = 2) */
	if (list) {
		rc = exec(b->w, "BEGIN");
		for (struct staged *s = list; s && !rc; s = s->next) {
			sqlite3_bind_blob(b->insert, 1, s->hash, 32, SQLITE_STATIC);
			sqlite3_bind_blob(b->insert, 2, s->data, (int)s->len, SQLITE_STATIC);
			if (sqlite3_step(b->insert) != SQLITE_DONE)
				rc = db_error(b->w, "insert");
			else if (s->deferred && sqlite3_changes(b->w) == 0)
				s->deferred = 2, found++;
			sqlite3_reset(b->insert);
		}
		sqlite3_clear_bindings(b->insert);
		if (!rc && found && b->nprestored + found > b->prestored_cap) { /* room first: after the COMMIT nothing may fail */
			size_t cap = b->nprestored + found + 64;
			uint8_t(*p)[32] = realloc(b->prestored, cap * sizeof *p);
			if (p)
				b->prestored = p, b->prestored_cap = cap;
			else
				rc = err_set(ERR_NOMEM, "out of memory");
		}
		if (!rc)
			rc = exec(b->w, "COMMIT");
		for (struct staged *s = list; s && found; s = s->next) {
			if (s->deferred != 2)
				continue;
			s->deferred = 1; /* as staged, should the list be staged again */
			if (rc)
				continue;
			size_t i = 0;
			while (i < b->nprestored && memcmp(b->prestored[i], s->hash, 32))
				i++;
			if (i == b->nprestored)
				memcpy(b->prestored[b->nprestored++], s->hash, 32);
		}
		if (b->nprestored >= PRESTORED_SOFT_MAX)
			__atomic_store_n(&b->defer_off, 1, __ATOMIC_RELAXED);
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
	if (bodies_refused(b, hash))
		return err_set(ERR_NOTFOUND, "no such body");
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

/* bodies_has, for a body of len bytes: a small one is looked for as a file only if the directory may hold such files. */
static int has_sized(struct bodies *b, const uint8_t hash[32], size_t len)
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
	return len <= BODIES_INLINE_MAX && !b->small_files ? 0 : file_has(b, hash);
}

int bodies_has(struct bodies *b, const uint8_t hash[32])
{
	return has_sized(b, hash, SIZE_MAX); /* of unknown size: looked for as a file too */
}
