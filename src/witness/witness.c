#include "witness/witness.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "tlog/proof.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char text_plain[] = "text/plain; charset=utf-8";
static const char text_size[] = "text/x.tlog.size";

struct log_state {
	struct witness_log log;
	struct checkpoint cp;     /* latest cosigned; size 0 and the empty root if none */
	int have;
	char path[PATH_MAX];
};

struct witness {
	char dir[PATH_MAX];
	const struct note_signer *cosigner;
	struct log_state logs[WITNESS_MAX_LOGS];
	size_t nlogs;
	witness_hook_fn hook;
	void *hook_ctx;
	pthread_mutex_t lock;
};

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

int witness_open(struct witness **out, const char *state_dir, const struct note_signer *cosigner,
		 const struct witness_log *logs, size_t nlogs)
{
	if (nlogs > WITNESS_MAX_LOGS)
		return err_set(ERR_LIMIT, "more than %d logs", WITNESS_MAX_LOGS);
	if (cosigner->type != NOTE_COSIGNATURE)
		return err_set(ERR_USAGE, "the witness key must be a cosigner (type 0x04) key");
	struct witness *w = calloc(1, sizeof *w);
	if (!w)
		return err_set(ERR_NOMEM, "out of memory");
	if (strlen(state_dir) > PATH_MAX - 128) {
		free(w);
		return err_set(ERR_USAGE, "state directory path is too long");
	}
	snprintf(w->dir, sizeof w->dir, "%s", state_dir);
	w->cosigner = cosigner;
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
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	for (size_t i = 0; i < nlogs && !rc; i++) {
		struct log_state *s = &w->logs[w->nlogs++];
		s->log = logs[i];
		snprintf(s->cp.origin, sizeof s->cp.origin, "%s", logs[i].key.name);
		merkle_empty_root(s->cp.root);
		origin_file(state_dir, "logs", s->cp.origin, s->path, sizeof s->path);
		rc = file_read(s->path, CHECKPOINT_MAX_SIZE, &b);
		if (rc == ERR_NOTFOUND) {
			rc = 0;
			continue;
		}
		if (!rc && (rc = checkpoint_open(&s->cp, b.data, b.len, &s->log.key, NULL)))
			err_wrap(rc, "witness state %s is damaged", s->path);
		s->have = !rc;
	}
	buf_release(&b);
out:
	if (rc) {
		witness_close(w);
		return rc;
	}
	*out = w;
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

/* Keeps both views of a misbehaving log: the one we cosigned and the one just shown. */
static void keep_conflict(struct witness *w, const struct log_state *s, const uint8_t *shown, size_t len, uint64_t now,
			  const char *why)
{
	struct buf ours, proof;
	buf_init(&ours, CHECKPOINT_MAX_SIZE);
	buf_init(&proof, 2 * CHECKPOINT_MAX_SIZE + 1024);
	if (file_read(s->path, CHECKPOINT_MAX_SIZE, &ours) == 0 &&
	    buf_printf(&proof, "# %s\n# cosigned earlier:\n", why) == 0 && buf_append(&proof, ours.data, ours.len) == 0 &&
	    buf_append_str(&proof, "# shown at ") == 0 && buf_printf(&proof, "%" PRIu64 ":\n", now) == 0 &&
	    buf_append(&proof, shown, len) == 0) {
		char path[PATH_MAX + 64];
		origin_file(w->dir, "conflicts", s->cp.origin, path, sizeof path - 32);
		size_t n = strlen(path);
		snprintf(path + n, sizeof path - n, "-%" PRIu64, now);
		file_write_atomic(path, proof.data, proof.len, 0600, 0);
	}
	buf_release(&ours);
	buf_release(&proof);
}

static int reply(int *status, const char **ct, struct buf *resp, int code, const char *type, const char *msg)
{
	*status = code;
	*ct = type;
	buf_reset(resp);
	return buf_printf(resp, "%s\n", msg);
}

int witness_add_checkpoint(struct witness *w, const uint8_t *body, size_t len, uint64_t now, int *status,
			   const char **content_type, struct buf *response)
{
	struct witness_request r;
	struct note n = {0};
	struct checkpoint cp;
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
	if (note_verify(&n, &s->log.key, 1, NULL, NULL)) {
		snprintf(msg, sizeof msg, "%s", err_msg());
		note_release(&n);
		return reply(status, content_type, response, 403, text_plain, msg);
	}
	if (r.old_size > cp.size) {
		note_release(&n);
		return reply(status, content_type, response, 400, text_plain, "old size is larger than the checkpoint size");
	}
	if (r.old_size == 0 && r.n) {
		note_release(&n);
		return reply(status, content_type, response, 400, text_plain, "the proof must be empty when the old size is 0");
	}
	pthread_mutex_lock(&w->lock);
	if (r.old_size != s->cp.size) {
		snprintf(msg, sizeof msg, "%" PRIu64, s->cp.size);
		rc = reply(status, content_type, response, 409, text_size, msg);
		goto out;
	}
	if (r.old_size == cp.size) {
		if (memcmp(cp.root, s->cp.root, MERKLE_HASH) != 0) {
			keep_conflict(w, s, r.checkpoint, r.checkpoint_len, now, "same size, different root hash");
			rc = reply(status, content_type, response, 409, text_plain,
				   "same size as the cosigned checkpoint but a different root hash");
			goto out;
		}
	} else if (r.old_size > 0 &&
		   merkle_verify_consistency(r.old_size, cp.size, s->cp.root, cp.root, (const merkle_hash *)r.proof, r.n)) {
		snprintf(msg, sizeof msg, "consistency proof from %" PRIu64 ": %s", r.old_size, err_msg());
		keep_conflict(w, s, r.checkpoint, r.checkpoint_len, now, "consistency proof failed");
		rc = reply(status, content_type, response, 422, text_plain, msg);
		goto out;
	}
	if (w->hook && w->hook(w->hook_ctx, s->have ? &s->cp : NULL, &cp, r.checkpoint, r.checkpoint_len)) {
		snprintf(msg, sizeof msg, "not cosigned yet: %s", err_msg());
		rc = reply(status, content_type, response, 503, text_plain, msg);
		goto out;
	}
	/* Persist the new state (the checkpoint with our cosignature) before answering. */
	struct buf line, stored;
	buf_init(&line, 1024);
	buf_init(&stored, CHECKPOINT_MAX_SIZE + 1024);
	rc = note_sign_line(&line, n.data, n.text_len, w->cosigner, now);
	if (!rc)
		rc = buf_append(&stored, n.data, n.text_len + 1);
	if (!rc) {
		/* keep the log's own signature lines, then ours */
		rc = buf_append(&stored, r.checkpoint + n.text_len + 1, r.checkpoint_len - n.text_len - 1);
	}
	if (!rc)
		rc = buf_append(&stored, line.data, line.len);
	if (!rc)
		rc = file_write_atomic(s->path, stored.data, stored.len, 0600, 0);
	if (!rc) {
		/* history/<origin>/<size>: every checkpoint we cosigned, for audits and rebuilding indexes */
		char hist[PATH_MAX + 64];
		origin_file(w->dir, "history", s->cp.origin, hist, sizeof hist - 32);
		if (!(rc = mkdir_p(hist, 0700))) {
			size_t hl = strlen(hist);
			snprintf(hist + hl, sizeof hist - hl, "/%" PRIu64, cp.size);
			rc = file_write_atomic(hist, stored.data, stored.len, 0600, 0);
		}
	}
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
	buf_release(&line);
	buf_release(&stored);
out:
	pthread_mutex_unlock(&w->lock);
	note_release(&n);
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
