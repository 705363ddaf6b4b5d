#include "witness/witness.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/logline.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "tlog/proof.h"
#include "tlog/store.h"
#include "witness/forkproof.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char text_plain[] = "text/plain; charset=utf-8";
static const char text_size[] = "text/x.tlog.size";

struct log_state {
	char origin[NOTE_NAME_MAX + 1];  /* never written after open */
	struct witness_key_span spans[WITNESS_LOG_KEYS_MAX]; /* the log's keys over time; under the lock */
	size_t nspans;
	struct checkpoint cp;     /* latest cosigned; size 0 and the empty root if none */
	int have;
	char path[PATH_MAX];
	size_t conflicts;         /* pieces of evidence kept in conflicts/<origin>/ */
	uint64_t forks_seen;      /* forks met since open (kept or not) */
};

struct witness {
	char dir[PATH_MAX];
	const struct note_signer *cosigner; /* or NULL, and cosign signs */
	witness_cosign_fn cosign;
	void *cosign_ctx;
	struct note_verifier me;  /* the cosigner's public key */
	struct note_verifier mine[WITNESS_LOG_KEYS_MAX]; /* every key of ours over time (me first; under the lock) */
	size_t nmine;
	struct log_state logs[WITNESS_MAX_LOGS];
	size_t nlogs;
	size_t conflicts;         /* pieces of evidence kept, all logs */
	int64_t handover;         /* seconds either side of a rotation when both keys count (under the lock) */
	witness_hook_fn hook;
	void *hook_ctx;
	pthread_mutex_t lock;
};

/*
 * The witness whose lock this thread holds in witness_add_checkpoint() (not
 * while its hook runs, which is called without the lock): the cosigner it
 * calls under the lock may reach the setters and witness_keep_evidence(),
 * which must not take the lock again.
 */
static _Thread_local const struct witness *held_by_this_thread;

/* Largest state file read back: what an older version may have written (a whole request's checkpoint). */
#define STATE_READ_MAX (WITNESS_REQUEST_MAX + 4096)

int witness_request_parse(struct witness_request *r, const uint8_t *body, size_t len)
{
	memset(r, 0, sizeof *r);
	if (len > WITNESS_REQUEST_MAX)
		return err_set(ERR_LIMIT, "request is larger than %d bytes", WITNESS_REQUEST_MAX);
	if (!body || !len) /* (NULL, 0) from an empty POST: no memchr on a null pointer */
		return err_set(ERR_FORMAT, "empty request: the first line must be 'old <size>'");
	const char *p = (const char *)body;
	const char *nl = memchr(p, '\n', len);
	if (!nl || nl - p < 5 || memcmp(p, "old ", 4) != 0 || dec_u64(p + 4, (size_t)(nl - p - 4), &r->old_size))
		return err_set(ERR_FORMAT, "first line must be 'old <size>'");
	switch (tlog_hashes_and_checkpoint_parse(body, len, (size_t)(nl - p) + 1, r->proof,
						 sizeof r->proof / sizeof r->proof[0], &r->n, &r->checkpoint,
						 &r->checkpoint_len)) {
	case TLOG_HASHES_NO_EMPTY_LINE:
		return err_set(ERR_FORMAT, "no empty line before the checkpoint");
	case TLOG_HASHES_TOO_MANY:
		return err_set(ERR_FORMAT, "more than 63 consistency proof lines");
	case TLOG_HASHES_BAD_LINE:
		return err_set(ERR_FORMAT, "consistency proof line %zu is not the base64 of 32 bytes", r->n + 1);
	case TLOG_HASHES_NO_CHECKPOINT:
		return err_set(ERR_FORMAT, "no checkpoint after the empty line");
	case TLOG_HASHES_OK:
		break;
	}
	return 0;
}

int witness_request_format(struct buf *out, uint64_t old_size, const merkle_hash *proof, size_t n,
			   const uint8_t *checkpoint, size_t checkpoint_len)
{
	int rc = buf_printf(out, "old %" PRIu64 "\n", old_size);
	if (!rc)
		rc = tlog_hashes_and_checkpoint(out, proof, n, checkpoint, checkpoint_len);
	return rc;
}

static void origin_file(const char *dir, const char *sub, const char *origin, char *out, size_t outsz)
{
	uint8_t h[32];
	char hex[65];
	sha256(origin, strlen(origin), h);
	hex_encode(hex, h, 32);
	if (snprintf(out, outsz, "%s/%s/%s", dir, sub, hex) >= (int)outsz)
		out[0] = 0; /* state directory paths are checked to fit at open */
}

/* 0 when sp[0..n) are 1 to WITNESS_LOG_KEYS_MAX spans of Ed25519 keys named origin; else ERR_USAGE. */
static int spans_check(const char *origin, const struct witness_key_span *sp, size_t n)
{
	if (n == 0 || n > WITNESS_LOG_KEYS_MAX)
		return err_set(ERR_USAGE, "log '%s': %zu keys given, 1 to %d allowed", origin, n, WITNESS_LOG_KEYS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (sp[i].key.type != NOTE_ED25519 || strcmp(sp[i].key.name, origin))
			return err_set(ERR_USAGE, "log '%s': key %zu is not an Ed25519 key named as the log", origin, i + 1);
		if (sp[i].from > sp[i].until)
			return err_set(ERR_USAGE, "log '%s': key %zu is retired before it is in force", origin, i + 1);
	}
	return 0;
}

/* Appends k to out[0..n) unless it is there (a key brought back is a new span, not a new key); the new n. */
static size_t add_key(struct note_verifier *out, size_t n, const struct note_verifier *k)
{
	for (size_t i = 0; i < n; i++)
		if (out[i].id == k->id && !memcmp(out[i].pub, k->pub, sizeof k->pub))
			return n;
	out[n] = *k;
	return n + 1;
}

/* Every key the log has had: what reads back what this witness stored. Lock held (or at open). */
static size_t keys_all(const struct log_state *s, struct note_verifier out[WITNESS_LOG_KEYS_MAX])
{
	size_t n = 0;
	for (size_t i = 0; i < s->nspans; i++)
		n = add_key(out, n, &s->spans[i].key);
	return n;
}

/*
 * The keys in force at some instant of [now - h, now + h] (h: the hand-over;
 * as history_node_keys_near): what a checkpoint shown now may be signed by.
 * Lock held.
 */
static size_t keys_near(const struct log_state *s, int64_t now, int64_t h, struct note_verifier out[WITNESS_LOG_KEYS_MAX])
{
	int64_t lo = now > INT64_MIN + h ? now - h : INT64_MIN;
	int64_t hi = now < INT64_MAX - h ? now + h : INT64_MAX;
	size_t n = 0;
	for (size_t i = 0; i < s->nspans; i++)
		if (s->spans[i].from <= hi && s->spans[i].until > lo)
			n = add_key(out, n, &s->spans[i].key);
	return n;
}

/* The checkpoint note with the log's signature line(s) (by keys[0..nk)) and nothing else. */
static int log_only(const struct note_verifier *keys, size_t nk, const uint8_t *note, size_t len, struct buf *out)
{
	return note_select(out, note, len, keys, nk, 0, NULL, NULL);
}

/*
 * The checkpoint note with the log's signature(s) (by any of the log's keys)
 * and our cosignature(s) as keep says; *log_ok: a line by the log is there.
 */
static int log_and_ours(const struct witness *w, const struct log_state *s, const uint8_t *note, size_t len,
			unsigned keep, struct buf *out, int *log_ok, size_t *dropped)
{
	struct note_verifier vs[2 * WITNESS_LOG_KEYS_MAX];
	int ok[2 * WITNESS_LOG_KEYS_MAX] = {0};
	size_t nk = keys_all(s, vs);
	memcpy(vs + nk, w->mine, w->nmine * sizeof *vs);
	int rc = note_select(out, note, len, vs, nk + w->nmine, keep, ok, dropped);
	*log_ok = 0;
	for (size_t i = 0; i < nk; i++)
		*log_ok |= ok[i];
	return rc;
}

/*
 * Loads logs/<origin>. A file written by an older version may carry every
 * signature line of the request it answered (a checkpoint padded with junk
 * lines, more than a note may hold): it is loaded from the lines that verify
 * (the log's and our newest), rewritten so, and a line says so.
 */
static int load_state(struct witness *w, struct log_state *s, const struct buf *b)
{
	struct note n;
	struct note_verifier keys[WITNESS_LOG_KEYS_MAX];
	size_t nk = keys_all(s, keys);
	if (checkpoint_open_keys(&s->cp, b->data, b->len, keys, nk, &n) == 0) {
		size_t nsigs = n.nsigs;
		note_release(&n);
		if (nsigs <= nk + 1) /* the log's line(s) and ours: what this version writes */
			return 0;
	}
	struct buf clean;
	int log_ok;
	size_t dropped = 0;
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	int rc = log_and_ours(w, s, b->data, b->len, NOTE_KEEP_NEWEST, &clean, &log_ok, &dropped);
	if (!rc && !log_ok)
		rc = err_set(ERR_VERIFY, "no signature by the log's key verifies");
	if (!rc)
		rc = checkpoint_open_keys(&s->cp, clean.data, clean.len, keys, nk, NULL);
	if (!rc)
		rc = file_write_atomic(s->path, clean.data, clean.len, 0600, 0);
	if (rc)
		err_wrap(rc, "witness state %s is damaged", s->path);
	else
		fprintf(stderr, "witness: %s had %zu signature lines more than the log's and our newest (written by an "
				"older version); rewritten with those only\n", s->path, dropped);
	buf_release(&clean);
	return rc;
}

/*
 * Rewrites, once, the history files an older version wrote with every line of
 * the request (see load_state) to the log's signature and our earliest
 * cosignature. history/.bounded marks it done: every file written since
 * is bounded. A file that cannot be rewritten is left as it is (it is only
 * read when an index is rebuilt); failing here never stops the witness.
 */
static void clean_history(struct witness *w)
{
	char marker[PATH_MAX + 32];
	snprintf(marker, sizeof marker, "%s/history/.bounded", w->dir);
	if (access(marker, F_OK) == 0)
		return;
	struct buf b, clean;
	buf_init(&b, STATE_READ_MAX);
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	size_t rewritten = 0, failed = 0;
	for (size_t i = 0; i < w->nlogs; i++) {
		struct log_state *s = &w->logs[i];
		char dir[PATH_MAX], path[PATH_MAX + 300];
		struct note_verifier keys[WITNESS_LOG_KEYS_MAX];
		size_t nk = keys_all(s, keys);
		origin_file(w->dir, "history", s->cp.origin, dir, sizeof dir);
		DIR *d = opendir(dir);
		struct dirent *e;
		while (d && (e = readdir(d))) {
			struct note n;
			if (e->d_name[0] == '.')
				continue;
			snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
			if (file_read(path, STATE_READ_MAX, &b)) {
				failed++;
				continue;
			}
			if (note_parse(&n, b.data, b.len) == 0) {
				size_t nsigs = n.nsigs;
				note_release(&n);
				if (nsigs <= nk + 1)
					continue;
			}
			int log_ok;
			buf_reset(&clean);
			if (log_and_ours(w, s, b.data, b.len, NOTE_KEEP_EARLIEST, &clean, &log_ok, NULL) ||
			    !log_ok || file_write_atomic(path, clean.data, clean.len, 0600, 0))
				failed++;
			else
				rewritten++;
		}
		if (d)
			closedir(d);
	}
	if (rewritten || failed)
		fprintf(stderr, "witness: rewrote %zu history files with extra signature lines (written by an older "
				"version); %zu could not be\n", rewritten, failed);
	if (!failed)
		file_write_atomic(marker, "", 0, 0600, 0);
	buf_release(&b);
	buf_release(&clean);
}

/* The pieces of evidence kept for s (directories in conflicts/<origin>/). */
static size_t count_conflicts(const struct witness *w, const struct log_state *s)
{
	char dir[PATH_MAX];
	size_t n = 0;
	origin_file(w->dir, "conflicts", s->cp.origin, dir, sizeof dir);
	DIR *d = opendir(dir);
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static int open_witness(struct witness **out, const char *state_dir, const struct note_signer *cosigner,
			const struct note_verifier *me, witness_cosign_fn cosign, void *cosign_ctx,
			const struct witness_log *logs, size_t nlogs);

int witness_open(struct witness **out, const char *state_dir, const struct note_signer *cosigner,
		 const struct witness_log *logs, size_t nlogs)
{
	if (cosigner->type != NOTE_COSIGNATURE)
		return err_set(ERR_USAGE, "the witness key must be a cosigner (type 0x04) key");
	struct note_verifier me;
	note_verifier_from_signer(&me, cosigner, NOTE_COSIGNATURE);
	return open_witness(out, state_dir, cosigner, &me, NULL, NULL, logs, nlogs);
}

int witness_open_remote(struct witness **out, const char *state_dir, const struct note_verifier *me,
			witness_cosign_fn cosign, void *ctx, const struct witness_log *logs, size_t nlogs)
{
	if (me->type != NOTE_COSIGNATURE)
		return err_set(ERR_USAGE, "the witness key must be a cosigner (type 0x04) key");
	return open_witness(out, state_dir, NULL, me, cosign, ctx, logs, nlogs);
}

static int open_witness(struct witness **out, const char *state_dir, const struct note_signer *cosigner,
			const struct note_verifier *me, witness_cosign_fn cosign, void *cosign_ctx,
			const struct witness_log *logs, size_t nlogs)
{
	if (nlogs > WITNESS_MAX_LOGS)
		return err_set(ERR_LIMIT, "more than %d logs", WITNESS_MAX_LOGS);
	struct witness *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(ERR_NOMEM, "out of memory");
	if (strlen(state_dir) > PATH_MAX - 128) {
		free(w);
		return err_set(ERR_USAGE, "state directory path is too long");
	}
	snprintf(w->dir, sizeof w->dir, "%s", state_dir);
	w->cosigner = cosigner;
	w->me = *me;
	w->mine[0] = *me;
	w->nmine = 1;
	w->cosign = cosign;
	w->cosign_ctx = cosign_ctx;
	w->handover = WITNESS_KEY_HANDOVER;
	pthread_mutex_init(&w->lock, NULL);
	char sub[PATH_MAX + 16];
	int rc = 0;
	snprintf(sub, sizeof sub, "%s/logs", state_dir);
	if ((rc = mkdir_p(sub, 0700)))
		goto out;
	snprintf(sub, sizeof sub, "%s/history", state_dir);
	if ((rc = mkdir_p(sub, 0700)))
		goto out;
	snprintf(sub, sizeof sub, "%s/conflicts", state_dir);
	if ((rc = mkdir_p(sub, 0700)))
		goto out;
	struct buf b;
	buf_init(&b, STATE_READ_MAX);
	for (size_t i = 0; i < nlogs && !rc; i++) {
		struct log_state *s = &w->logs[w->nlogs++];
		if (logs[i].nspans) {
			snprintf(s->origin, sizeof s->origin, "%s", logs[i].spans[0].key.name);
			if ((rc = spans_check(s->origin, logs[i].spans, logs[i].nspans)))
				break;
			memcpy(s->spans, logs[i].spans, logs[i].nspans * sizeof s->spans[0]);
			s->nspans = logs[i].nspans;
		} else {
			snprintf(s->origin, sizeof s->origin, "%s", logs[i].key.name);
			s->spans[0] = (struct witness_key_span){logs[i].key, INT64_MIN, INT64_MAX};
			s->nspans = 1;
			if ((rc = spans_check(s->origin, s->spans, 1)))
				break;
		}
		memcpy(s->cp.origin, s->origin, sizeof s->cp.origin);
		merkle_empty_root(s->cp.root);
		origin_file(state_dir, "logs", s->cp.origin, s->path, sizeof s->path);
		s->conflicts = count_conflicts(w, s);
		w->conflicts += s->conflicts;
		rc = file_read(s->path, STATE_READ_MAX, &b);
		if (rc == ERR_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (rc)
			err_wrap(rc, "witness state %s", s->path);
		else
			rc = load_state(w, s, &b);
		s->have = !rc;
	}
	buf_release(&b);
	if (!rc)
		clean_history(w);
out:
	if (rc) {
		witness_close(w);
		return rc;
	}
	*out = w;
	return 0;
}

int witness_set_log_keys(struct witness *w, const char *origin, const struct witness_key_span *spans, size_t n)
{
	int rc = err_set(ERR_NOTFOUND, "unknown log origin '%s'", origin);
	int lock = held_by_this_thread != w; /* from the hook (a peer's log met an amendment): the lock is ours already */
	if (lock)
		pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nlogs; i++) {
		struct log_state *s = &w->logs[i];
		if (strcmp(s->origin, origin))
			continue;
		if (!(rc = spans_check(origin, spans, n))) {
			memcpy(s->spans, spans, n * sizeof s->spans[0]);
			s->nspans = n;
		}
		break;
	}
	if (lock)
		pthread_mutex_unlock(&w->lock);
	return rc;
}

int witness_set_own_keys(struct witness *w, const struct note_verifier *keys, size_t n)
{
	if (n < 1 || n > WITNESS_LOG_KEYS_MAX)
		return err_set(ERR_USAGE, "%zu own keys: 1 to %d allowed", n, WITNESS_LOG_KEYS_MAX);
	for (size_t i = 0; i < n; i++)
		if (keys[i].type != NOTE_COSIGNATURE)
			return err_set(ERR_USAGE, "own key '%s' is not a cosigner (type 0x04) key", keys[i].name);
	int lock = held_by_this_thread != w;
	if (lock)
		pthread_mutex_lock(&w->lock);
	memcpy(w->mine, keys, n * sizeof *keys);
	w->nmine = n;
	if (lock)
		pthread_mutex_unlock(&w->lock);
	return 0;
}

int witness_set_handover(struct witness *w, int64_t seconds)
{
	if (seconds < 0 || seconds > WITNESS_HANDOVER_MAX)
		return err_set(ERR_USAGE, "a hand-over of %" PRId64 " s: 0 to %d allowed", seconds, WITNESS_HANDOVER_MAX);
	int lock = held_by_this_thread != w;
	if (lock)
		pthread_mutex_lock(&w->lock);
	w->handover = seconds;
	if (lock)
		pthread_mutex_unlock(&w->lock);
	return 0;
}

void witness_set_hook(struct witness *w, witness_hook_fn fn, void *ctx)
{
	w->hook = fn;
	w->hook_ctx = ctx;
}

void witness_close(struct witness *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->lock);
	free(w);
}

/* Removes a half-written evidence directory (a crash between its files and its rename). */
static void remove_partial(const char *tmp)
{
	static const char *const names[] = {"recorded", "shown", "why", "proof"};
	char path[PATH_MAX + 64];
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", tmp, names[i]);
		unlink(path);
	}
	rmdir(tmp);
}

/*
 * Keeps evidence that the log signed two checkpoints that cannot both be true:
 * the one this witness recorded and the one just shown, each as a note with
 * the log's signature only (so `parley note verify FILE --vkey <log key>`
 * checks it), and the two together as a fork proof (src/witness/forkproof.h,
 * what `parley audit verify` checks), in
 * conflicts/<sha256(origin)>/<id>/{recorded,shown,why,proof}. When the sizes
 * differ, root is the larger tree's root at the smaller size and proof its
 * consistency proof (NULL and 0 when they are equal). The id is a hash of the
 * two checkpoints, so the same evidence shown again writes nothing; at most
 * WITNESS_CONFLICTS_PER_LOG per log and WITNESS_CONFLICTS_MAX in all are kept
 * (one proves the log misbehaved; the bound keeps a log that forks at every
 * size from filling the disk). Every fork met is counted and, when its
 * evidence is new, logged with a line. Best effort: failing to keep evidence
 * does not change the answer. Called with the lock held.
 */
static void keep_conflict(struct witness *w, struct log_state *s, const uint8_t *rec, size_t rec_len,
			  const uint8_t *shown, size_t shown_len, const merkle_hash root, const merkle_hash *proof,
			  size_t nproof, uint64_t now, const char *why)
{
	struct buf a, b, text, fp;
	buf_init(&a, CHECKPOINT_MAX_SIZE);
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	buf_init(&text, 1024);
	buf_init(&fp, FORKPROOF_MAX);
	char dir[PATH_MAX], final[PATH_MAX + 80], tmp[PATH_MAX + 80], path[PATH_MAX + 100];
	struct note_verifier keys[WITNESS_LOG_KEYS_MAX];
	size_t nk = keys_all(s, keys);
	s->forks_seen++;
	if (log_only(keys, nk, rec, rec_len, &a) || log_only(keys, nk, shown, shown_len, &b))
		goto out;
	if (forkproof_format_keys(&fp, keys, nk, a.data, a.len, b.data, b.len, root, proof, nproof, why))
		goto out;
	/* the id: both checkpoints, in byte order */
	const struct buf *x = &a, *y = &b;
	size_t common = a.len < b.len ? a.len : b.len;
	int c = memcmp(a.data, b.data, common);
	if (c > 0 || (c == 0 && a.len > b.len))
		x = &b, y = &a;
	struct sha256_ctx h;
	uint8_t lenb[8], id[32];
	char hex[65];
	for (int i = 0; i < 8; i++)
		lenb[i] = (uint8_t)((uint64_t)x->len >> (56 - 8 * i));
	sha256_init(&h);
	sha256_update(&h, lenb, sizeof lenb);
	sha256_update(&h, x->data, x->len);
	sha256_update(&h, y->data, y->len);
	sha256_final(&h, id);
	hex_encode(hex, id, 16);
	origin_file(w->dir, "conflicts", s->cp.origin, dir, sizeof dir);
	snprintf(final, sizeof final, "%s/%s", dir, hex);
	snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, hex);
	if (access(final, F_OK) == 0 || s->conflicts >= WITNESS_CONFLICTS_PER_LOG || w->conflicts >= WITNESS_CONFLICTS_MAX)
		goto out;
	if (mkdir_p(dir, 0700))
		goto out;
	remove_partial(tmp);
	if (mkdir(tmp, 0700) != 0)
		goto out;
	char shown_at[32] = "";
	time_t tt = (time_t)now;
	struct tm tm;
	if (!gmtime_r(&tt, &tm) || !strftime(shown_at, sizeof shown_at, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(shown_at, sizeof shown_at, "(an unrepresentable time)");
	int rc = buf_printf(&text, "%s\nshown at %s\n", why, shown_at); /* RFC 3339 UTC, as every time parley prints */
	snprintf(path, sizeof path, "%s/recorded", tmp);
	if (!rc)
		rc = file_write_atomic(path, a.data, a.len, 0600, 0);
	snprintf(path, sizeof path, "%s/shown", tmp);
	if (!rc)
		rc = file_write_atomic(path, b.data, b.len, 0600, 0);
	snprintf(path, sizeof path, "%s/why", tmp);
	if (!rc)
		rc = file_write_atomic(path, text.data, text.len, 0600, 0);
	snprintf(path, sizeof path, "%s/proof", tmp);
	if (!rc)
		rc = file_write_atomic(path, fp.data, fp.len, 0600, 0);
	if (rc || rename(tmp, final) != 0) {
		remove_partial(tmp);
		goto out;
	}
	dir_fsync(dir);
	s->conflicts++;
	w->conflicts++;
	logline_event(LOGLINE_ERROR, "fork", "log", s->cp.origin, "why", why, "evidence", final, LOGLINE_END);
out:
	buf_release(&a);
	buf_release(&b);
	buf_release(&text);
	buf_release(&fp);
}

/*
 * Before any answer: is the checkpoint shown (signed by the log, parsed as cp)
 * evidence against the log? Only when it contradicts a checkpoint the same log
 * signed and this witness recorded: the same size as the latest cosigned with
 * another root, or a smaller size whose root differs from the one recorded in
 * history/ at that size. A smaller checkpoint that matches history is an old
 * one shown again (anyone can replay it), and a consistency proof that fails is
 * not signed by anyone: neither is kept.
 */
static void check_evidence(struct witness *w, struct log_state *s, const struct checkpoint *cp, const uint8_t *note,
			   size_t len, uint64_t now)
{
	if (!s->have || cp->size > s->cp.size)
		return;
	struct buf rec;
	buf_init(&rec, STATE_READ_MAX);
	if (cp->size == s->cp.size) {
		if (memcmp(cp->root, s->cp.root, MERKLE_HASH) != 0 && file_read(s->path, STATE_READ_MAX, &rec) == 0)
			keep_conflict(w, s, rec.data, rec.len, note, len, NULL, NULL, 0, now,
				      "same size as the checkpoint this witness cosigned, different root hash");
	} else {
		char path[PATH_MAX + 64];
		struct buf clean;
		struct checkpoint old;
		struct note_verifier keys[WITNESS_LOG_KEYS_MAX];
		size_t nk = keys_all(s, keys);
		buf_init(&clean, CHECKPOINT_MAX_SIZE);
		origin_file(w->dir, "history", s->cp.origin, path, sizeof path - 32);
		size_t pl = strlen(path);
		snprintf(path + pl, sizeof path - pl, "/%" PRIu64, cp->size);
		if (file_read(path, STATE_READ_MAX, &rec) == 0 && log_only(keys, nk, rec.data, rec.len, &clean) == 0 &&
		    checkpoint_open_keys(&old, clean.data, clean.len, keys, nk, NULL) == 0 && old.size == cp->size &&
		    memcmp(old.root, cp->root, MERKLE_HASH) != 0)
			keep_conflict(w, s, clean.data, clean.len, note, len, NULL, NULL, 0, now,
				      "smaller than the checkpoint this witness cosigned, and a different root hash from "
				      "the one it cosigned at that size");
		buf_release(&clean);
	}
	buf_release(&rec);
}

static int reply(int *status, const char **ct, struct buf *resp, int code, const char *type, const char *msg)
{
	*status = code;
	*ct = type;
	buf_reset(resp);
	return buf_printf(resp, "%s\n", msg);
}

/*
 * history/<origin>/<size>: the log's signature and our first cosignature of
 * that checkpoint. Cosigned again (the same checkpoint, pushed again after a
 * restart), the file is left as it is: it records when we first vouched for it.
 */
static int write_history(struct witness *w, struct log_state *s, const struct checkpoint *cp, const struct buf *stored)
{
	char hist[PATH_MAX + 64];
	origin_file(w->dir, "history", s->cp.origin, hist, sizeof hist - 32);
	int rc = mkdir_p(hist, 0700);
	if (rc)
		return rc;
	size_t hl = strlen(hist);
	snprintf(hist + hl, sizeof hist - hl, "/%" PRIu64, cp->size);
	struct buf old;
	struct checkpoint had;
	struct note n;
	struct note_verifier keys[WITNESS_LOG_KEYS_MAX];
	size_t nk = keys_all(s, keys);
	int ok[WITNESS_LOG_KEYS_MAX] = {0}, keep = 0;
	buf_init(&old, CHECKPOINT_MAX_SIZE);
	if (file_read(hist, CHECKPOINT_MAX_SIZE, &old) == 0 && checkpoint_open_keys(&had, old.data, old.len, keys, nk, &n) == 0) {
		keep = n.nsigs <= nk + 1 && had.size == cp->size && !memcmp(had.root, cp->root, MERKLE_HASH) &&
		       note_verify(&n, w->mine, w->nmine, ok, NULL) == 0;
		note_release(&n);
	}
	if (!keep)
		rc = file_write_atomic(hist, stored->data, stored->len, 0600, 0);
	buf_release(&old);
	return rc;
}

int witness_add_checkpoint(struct witness *w, const uint8_t *body, size_t len, uint64_t now, int *status,
			   const char **content_type, struct buf *response)
{
	struct witness_request r;
	struct note n = {0};
	struct checkpoint cp;
	struct buf clean, line, stored;
	char msg[600];
	int rc = 0;
	*status = 500;
	*content_type = text_plain;
	if (witness_request_parse(&r, body, len))
		return reply(status, content_type, response, 400, text_plain, err_msg());
	if (note_parse(&n, r.checkpoint, r.checkpoint_len) || checkpoint_parse_text(&cp, n.data, n.text_len)) {
		snprintf(msg, sizeof msg, "checkpoint: %s", err_msg());
		note_release(&n);
		return reply(status, content_type, response, 400, text_plain, msg);
	}
	struct log_state *s = NULL;
	for (size_t i = 0; i < w->nlogs; i++)
		if (!strcmp(w->logs[i].cp.origin, cp.origin))
			s = &w->logs[i];
	if (!s) {
		note_release(&n);
		snprintf(msg, sizeof msg, "unknown log origin '%s'", cp.origin);
		return reply(status, content_type, response, 404, text_plain, msg);
	}
	/* the keys in force near our clock (a snapshot: an amendment may change them meanwhile) */
	struct note_verifier near[WITNESS_LOG_KEYS_MAX], all[WITNESS_LOG_KEYS_MAX];
	int64_t t = now > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)now;
	pthread_mutex_lock(&w->lock);
	int64_t handover = w->handover;
	size_t nnear = keys_near(s, t, handover, near), nall = keys_all(s, all);
	pthread_mutex_unlock(&w->lock);
	if (!nnear || note_verify(&n, near, nnear, NULL, NULL)) {
		size_t good = 0;
		snprintf(msg, sizeof msg, "%s", nnear ? err_msg() : "no key of the log is in force now");
		if (note_check_sigs(&n, all, nall, NULL, NULL, &good) == 0 && good)
			snprintf(msg, sizeof msg, "checkpoint of '%s' is signed by a key of the log that is not in force within "
						  "%" PRId64 " s of this witness's clock (retired, or brought in later by an "
						  "amendment)",
				 cp.origin, handover);
		note_release(&n);
		return reply(status, content_type, response, 403, text_plain, msg);
	}
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	buf_init(&line, 1024);
	buf_init(&stored, CHECKPOINT_MAX_SIZE + 1024);
	/* What is kept is the checkpoint with the log's signature(s), and ours: no other line of the request. */
	if (log_only(near, nnear, r.checkpoint, r.checkpoint_len, &clean) || clean.len + 512 > CHECKPOINT_MAX_SIZE) {
		note_release(&n);
		buf_release(&clean);
		snprintf(msg, sizeof msg, "checkpoint is larger than %d bytes", CHECKPOINT_MAX_SIZE - 512);
		return reply(status, content_type, response, 400, text_plain, msg);
	}
	pthread_mutex_lock(&w->lock);
	held_by_this_thread = w;
	check_evidence(w, s, &cp, r.checkpoint, r.checkpoint_len, now);
	if (r.old_size > cp.size) {
		rc = reply(status, content_type, response, 400, text_plain, "old size is larger than the checkpoint size");
		goto out;
	}
	if (r.old_size == 0 && r.n) {
		rc = reply(status, content_type, response, 400, text_plain, "the proof must be empty when the old size is 0");
		goto out;
	}
	if (r.old_size != s->cp.size) {
		snprintf(msg, sizeof msg, "%" PRIu64, s->cp.size);
		rc = reply(status, content_type, response, 409, text_size, msg);
		goto out;
	}
	if (r.old_size == cp.size) {
		if (memcmp(cp.root, s->cp.root, MERKLE_HASH) != 0) {
			rc = reply(status, content_type, response, 409, text_plain,
				   "same size as the cosigned checkpoint but a different root hash");
			goto out;
		}
	} else if (r.old_size > 0 &&
		   merkle_verify_consistency(r.old_size, cp.size, s->cp.root, cp.root, (const merkle_hash *)r.proof, r.n)) {
		snprintf(msg, sizeof msg, "consistency proof from %" PRIu64 ": %s", r.old_size, err_msg());
		rc = reply(status, content_type, response, 422, text_plain, msg);
		goto out;
	}
	if (w->hook) {
		/*
		 * The hook (a node bringing its mirror of the log up to the checkpoint: tiles fetched from the log's
		 * server, for as long as it takes) runs without the lock, so that a slow or hostile log server holds
		 * up the witnessing of its own log only, not of every other log. What it was judged against is
		 * checked again after: if another request advanced this log meanwhile, the answer is 409 with the
		 * size now cosigned, as for any request from a stale old size.
		 */
		struct checkpoint before = s->cp;
		int had = s->have;
		held_by_this_thread = NULL;
		pthread_mutex_unlock(&w->lock);
		int hrc = w->hook(w->hook_ctx, had ? &before : NULL, &cp, r.checkpoint, r.checkpoint_len);
		if (hrc)
			snprintf(msg, sizeof msg, "not cosigned yet: %s", err_msg());
		pthread_mutex_lock(&w->lock);
		held_by_this_thread = w;
		if (hrc) {
			rc = reply(status, content_type, response, 503, text_plain, msg);
			goto out;
		}
		if (s->have != had || s->cp.size != before.size || memcmp(s->cp.root, before.root, MERKLE_HASH)) {
			snprintf(msg, sizeof msg, "%" PRIu64, s->cp.size);
			rc = reply(status, content_type, response, 409, text_size, msg);
			goto out;
		}
	}
	/* Persist the new state (the checkpoint with our cosignature) before answering. */
	if (w->cosign) {
		rc = w->cosign(w->cosign_ctx, s->have ? &s->cp : NULL, &cp, r.checkpoint, r.checkpoint_len, &line);
		if (rc) {
			snprintf(msg, sizeof msg, "not cosigned: %s", err_msg());
			rc = reply(status, content_type, response, 503, text_plain, msg);
			goto out;
		}
	} else {
		rc = note_sign_line(&line, n.data, n.text_len, w->cosigner, now);
	}
	if (!rc)
		rc = buf_append(&stored, clean.data, clean.len);
	if (!rc)
		rc = buf_append(&stored, line.data, line.len);
	if (!rc)
		rc = file_write_atomic(s->path, stored.data, stored.len, 0600, 0);
	if (!rc) /* every checkpoint we cosigned, for audits, evidence and rebuilding indexes */
		rc = write_history(w, s, &cp, &stored);
	if (!rc) {
		s->cp = cp;
		s->have = 1;
		*status = 200;
		*content_type = text_plain;
		buf_reset(response);
		rc = buf_append(response, line.data, line.len);
	} else {
		*status = 500;
	}
out:
	held_by_this_thread = NULL;
	pthread_mutex_unlock(&w->lock);
	note_release(&n);
	buf_release(&clean);
	buf_release(&line);
	buf_release(&stored);
	return rc;
}

void witness_history_dir(const struct witness *w, const char *origin, char *out, size_t outsz)
{
	origin_file(w->dir, "history", origin, out, outsz);
}

int witness_latest(struct witness *w, const char *origin, struct checkpoint *cp, struct buf *note)
{
	int rc = err_set(ERR_NOTFOUND, "unknown log origin '%s'", origin);
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nlogs; i++) {
		if (strcmp(w->logs[i].cp.origin, origin))
			continue;
		*cp = w->logs[i].cp;
		rc = 0;
		if (note && w->logs[i].have) {
			buf_reset(note);
			rc = file_read(w->logs[i].path, CHECKPOINT_MAX_SIZE, note);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int witness_keep_evidence(struct witness *w, const char *origin, const uint8_t *recorded, size_t recorded_len,
			  const uint8_t *shown, size_t shown_len, const merkle_hash root, const merkle_hash *proof,
			  size_t n, uint64_t now, const char *why)
{
	int rc = err_set(ERR_NOTFOUND, "unknown log origin '%s'", origin);
	int lock = held_by_this_thread != w; /* called from the hook: the lock is ours already */
	if (lock)
		pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nlogs; i++)
		if (!strcmp(w->logs[i].origin, origin)) {
			keep_conflict(w, &w->logs[i], recorded, recorded_len, shown, shown_len, root, proof, n, now, why);
			rc = 0;
		}
	if (lock)
		pthread_mutex_unlock(&w->lock);
	return rc;
}

uint64_t witness_forks_seen(struct witness *w, const char *origin)
{
	uint64_t n = 0;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nlogs; i++)
		if (!strcmp(w->logs[i].origin, origin))
			n = w->logs[i].forks_seen;
	pthread_mutex_unlock(&w->lock);
	return n;
}

size_t witness_origins(const struct witness *w, const char **origins, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < w->nlogs && n < max; i++)
		origins[n++] = w->logs[i].origin; /* never written after open */
	return n;
}

int witness_latest_by_id(struct witness *w, const char *id, size_t id_len, struct buf *note)
{
	char hex[65];
	uint8_t h[32];
	int rc = err_set(ERR_NOTFOUND, "no log with that id (the lowercase hex SHA-256 of its origin)");
	if (id_len != 64)
		return rc;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->nlogs; i++) {
		const char *origin = w->logs[i].origin;
		sha256(origin, strlen(origin), h);
		hex_encode(hex, h, 32);
		if (memcmp(hex, id, 64))
			continue;
		if (!w->logs[i].have) {
			rc = err_set(ERR_NOTFOUND, "no checkpoint of '%s' cosigned yet", origin);
			break;
		}
		buf_reset(note);
		rc = file_read(w->logs[i].path, CHECKPOINT_MAX_SIZE, note);
		break;
	}
	pthread_mutex_unlock(&w->lock);
	return rc;
}

int witness_keep_mirror_fork(struct witness *w, struct tlog *mirror, const uint8_t *shown, size_t shown_len,
			     uint64_t now)
{
	struct checkpoint cp;
	const struct checkpoint *held = tlog_checkpoint(mirror);
	const struct buf *held_note = tlog_checkpoint_note(mirror);
	merkle_hash root, proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	int rc = checkpoint_parse_unverified(&cp, shown, shown_len);
	if (!rc && (strcmp(cp.origin, held->origin) || cp.size > held->size))
		rc = err_set(ERR_USAGE, "not a checkpoint of the mirrored log at or below its size");
	if (!rc && cp.size < held->size) {
		if (cp.size == 0)
			merkle_empty_root(root);
		else if (!(rc = tlog_root_at(mirror, cp.size, root)))
			rc = tlog_prove_consistency(mirror, cp.size, held->size, proof, &n);
		if (!rc && !memcmp(root, cp.root, MERKLE_HASH))
			rc = err_set(ERR_USAGE, "the checkpoint shown is in the mirrored log: no fork");
	} else if (!rc && !memcmp(cp.root, held->root, MERKLE_HASH)) {
		rc = err_set(ERR_USAGE, "the checkpoint shown is the mirrored one: no fork");
	}
	if (!rc && n > FORKPROOF_MAX_HASHES)
		rc = err_set(ERR_LIMIT, "consistency proof too long");
	if (!rc)
		rc = witness_keep_evidence(w, cp.origin, held_note->data, held_note->len, shown, shown_len,
					   cp.size < held->size ? root : NULL, (const merkle_hash *)proof, n, now,
					   cp.size < held->size ? "signed a checkpoint that is not in the log this node mirrors"
								: "same size as the mirrored checkpoint, different root hash");
	return rc;
}
