/* The tlog-witness add-checkpoint rules, persistence, the bounded state it keeps, and evidence of forks. */
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "tlog/store.h"
#include "witness/forkproof.h"
#include "witness/witness.h"
#include "check.h"

#include <dirent.h>
#include <pthread.h>
#include <string.h>
#include <time.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

static char base[256];
static struct note_signer log_key, wit_key, other_key, ru_key;

/* A log in dir with n entries "<tag>-<i>"; returns the open log. */
static struct tlog *make_log(const char *name, const char *tag, int n)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/%s", base, name);
	struct tlog *t = NULL;
	CHECK(tlog_create(dir, &log_key) == 0);
	CHECK(tlog_open(&t, dir, &log_key) == 0);
	for (int i = 0; i < n; i++) {
		char e[64];
		int len = snprintf(e, sizeof e, "%s-%d", tag, i);
		CHECK(tlog_add(t, (const uint8_t *)e, (size_t)len, NULL) == 0);
	}
	CHECK(tlog_commit(t) == 0);
	return t;
}

static void append(struct tlog *t, const char *tag, int from, int to)
{
	for (int i = from; i < to; i++) {
		char e[64];
		int len = snprintf(e, sizeof e, "%s-%d", tag, i);
		CHECK(tlog_add(t, (const uint8_t *)e, (size_t)len, NULL) == 0);
	}
	CHECK(tlog_commit(t) == 0);
}

/* The add-checkpoint body for t's current checkpoint from old. */
static void request(struct tlog *t, uint64_t old, struct buf *out)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	buf_reset(out);
	if (old)
		CHECK(tlog_prove_consistency(t, old, tlog_size(t), proof, &n) == 0);
	const struct buf *cp = tlog_checkpoint_note(t);
	CHECK(witness_request_format(out, old, (const merkle_hash *)proof, n, cp->data, cp->len) == 0);
}

static int submit(struct witness *w, const struct buf *req, struct buf *resp)
{
	int status;
	const char *ct;
	if (!w) /* it did not open: a check failed already */
		return -1;
	CHECK(witness_add_checkpoint(w, req->data, req->len, 1700000000, &status, &ct, resp) == 0);
	return status;
}

static int refuse_hook(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
		       size_t len)
{
	(void)ctx, (void)old, (void)cp, (void)note, (void)len;
	return err_set(ERR_IO, "entries not stored yet");
}

static int count_files(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_add_checkpoint_rules(void)
{
	char state[512], conflicts[600];
	snprintf(state, sizeof state, "%s/witness", base);
	snprintf(conflicts, sizeof conflicts, "%s/conflicts", state);
	struct witness_log logs[1] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	struct witness *w;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct tlog *t = make_log("a", "a", 10);
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);

	request(t, 0, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	/* the cosignature verifies with the witness's cosigner key */
	struct buf full;
	buf_init(&full, 8192);
	buf_append(&full, tlog_checkpoint_note(t)->data, tlog_checkpoint_note(t)->len);
	buf_append(&full, resp.data, resp.len);
	struct note n;
	struct note_verifier wv;
	note_verifier_from_signer(&wv, &wit_key, NOTE_COSIGNATURE);
	uint64_t when = 0;
	CHECK(note_parse(&n, full.data, full.len) == 0);
	CHECK(note_verify(&n, &wv, 1, NULL, &when) == 0);
	CHECK_EQ_INT(when, 1700000000);
	note_release(&n);

	append(t, "a", 10, 300);
	request(t, 5, &req);               /* wrong old size */
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	CHECK_STR((const char *)resp.data, "10\n");
	request(t, 10, &req);
	witness_set_hook(w, refuse_hook, NULL);
	CHECK_EQ_INT(submit(w, &req, &resp), 503);
	witness_set_hook(w, NULL, NULL);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	CHECK_EQ_INT(submit(w, &req, &resp), 409); /* replaying the old request: size is now 300 */

	/* a fork: another log with the same key and size but different entries */
	struct tlog *fork = make_log("fork", "b", 300);
	request(fork, 300, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	CHECK_EQ_INT(count_files(conflicts), 1);
	/* a fork that grew: its consistency proof from our 300 does not verify */
	append(fork, "b", 300, 310);
	request(fork, 300, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 422);

	/* rolled back: old size 300, checkpoint of size 10 */
	struct tlog *small = make_log("small", "a", 10);
	request(small, 0, &req);
	buf_reset(&req);
	buf_printf(&req, "old 300\n\n");
	buf_append(&req, tlog_checkpoint_note(small)->data, tlog_checkpoint_note(small)->len);
	CHECK_EQ_INT(submit(w, &req, &resp), 400);

	/* unknown origin, forged signature, malformed */
	struct note_signer stranger;
	CHECK(note_signer_generate(&stranger, "elsewhere.example/log", NOTE_ED25519) == 0);
	struct checkpoint cp = *tlog_checkpoint(t);
	snprintf(cp.origin, sizeof cp.origin, "elsewhere.example/log");
	buf_reset(&full);
	CHECK(checkpoint_sign(&cp, &stranger, &full) == 0);
	buf_reset(&req);
	buf_printf(&req, "old 0\n\n");
	buf_append(&req, full.data, full.len);
	CHECK_EQ_INT(submit(w, &req, &resp), 404);
	cp = *tlog_checkpoint(t);
	buf_reset(&full);
	CHECK(checkpoint_sign(&cp, &other_key, &full) == 0); /* right name, wrong key */
	buf_reset(&req);
	buf_printf(&req, "old 300\n\n");
	buf_append(&req, full.data, full.len);
	CHECK_EQ_INT(submit(w, &req, &resp), 403);
	buf_reset(&req);
	buf_printf(&req, "old 01\n\n");
	CHECK_EQ_INT(submit(w, &req, &resp), 400);

	/* the state survives a restart */
	witness_close(w);
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct checkpoint latest;
	CHECK(witness_latest(w, log_key.name, &latest, NULL) == 0);
	CHECK_EQ_INT(latest.size, 300);
	witness_close(w);
	note_signer_release(&stranger);
	tlog_close(t);
	tlog_close(fork);
	tlog_close(small);
	buf_release(&req);
	buf_release(&resp);
	buf_release(&full);
}

static int submit_at(struct witness *w, const struct buf *req, struct buf *resp, uint64_t now)
{
	int status;
	const char *ct;
	if (!w)
		return -1;
	CHECK(witness_add_checkpoint(w, req->data, req->len, now, &status, &ct, resp) == 0);
	return status;
}

/* n well-formed signature lines by keys nobody knows */
static void junk_lines(struct buf *out, int n)
{
	for (int i = 0; i < n; i++) {
		uint8_t raw[68];
		char b64[128];
		randombytes_buf(raw, sizeof raw);
		b64_encode(b64, raw, sizeof raw);
		buf_printf(out, "\xE2\x80\x94 junk%d.example %s\n", i, b64);
	}
}

/* <state>/<sub>/<sha256(origin) hex>[/<leaf>] into out */
static void state_path(char *out, size_t n, const char *state, const char *sub, const char *origin, const char *leaf)
{
	uint8_t h[32];
	char hex[65];
	sha256(origin, strlen(origin), h);
	hex_encode(hex, h, 32);
	snprintf(out, n, "%s/%s/%s%s%s", state, sub, hex, leaf ? "/" : "", leaf ? leaf : "");
}

/* The signature lines of the file at path (-1 if it does not parse as a note); *time: the last cosignature's. */
static int file_sigs(const char *path, const struct note_verifier *cos, uint64_t *first, uint64_t *last)
{
	struct buf b;
	struct note n;
	buf_init(&b, 1 << 20);
	int k = -1;
	if (file_read(path, b.max, &b) == 0 && note_parse(&n, b.data, b.len) == 0) {
		k = (int)n.nsigs;
		int seen = 0;
		for (size_t i = 0; cos && i < n.nsigs; i++) {
			uint64_t t;
			if (note_verify_sig(&n, i, cos, &t) == 0) {
				if (first && !seen++)
					*first = t;
				if (last)
					*last = t;
			}
		}
		note_release(&n);
	}
	buf_release(&b);
	return k;
}

/* A checkpoint padded with 63 junk lines (64 in all, as many as a note may hold) is cosigned; only the
   log's signature and ours are kept, so the witness opens again (it refused its own state before). */
static void test_padded_checkpoint_kept_clean(void)
{
	char state[512], path[1024];
	snprintf(state, sizeof state, "%s/padded", base);
	struct witness_log logs[1] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	struct note_verifier wv;
	note_verifier_from_signer(&wv, &wit_key, NOTE_COSIGNATURE);
	struct witness *w;
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct tlog *t = make_log("padded-log", "p", 5);
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	request(t, 0, &req);
	junk_lines(&req, 63);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	state_path(path, sizeof path, state, "logs", log_key.name, NULL);
	CHECK_EQ_INT(file_sigs(path, &wv, NULL, NULL), 2);
	state_path(path, sizeof path, state, "history", log_key.name, "5");
	CHECK_EQ_INT(file_sigs(path, &wv, NULL, NULL), 2);
	witness_close(w);
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct checkpoint latest = {0};
	CHECK(w && witness_latest(w, log_key.name, &latest, NULL) == 0);
	CHECK_EQ_INT(latest.size, 5);
	/* a growing checkpoint padded too */
	append(t, "p", 5, 9);
	request(t, 5, &req);
	junk_lines(&req, 63);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	state_path(path, sizeof path, state, "logs", log_key.name, NULL);
	CHECK_EQ_INT(file_sigs(path, &wv, NULL, NULL), 2);
	witness_close(w);
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	witness_close(w);
	tlog_close(t);
	buf_release(&req);
	buf_release(&resp);
}

/* The same checkpoint cosigned again (a node re-pushes after each restart): logs/ keeps the newest
   cosignature, history/ the first (when we first vouched for it): never more. */
static void test_recosign_bounded(void)
{
	char state[512], path[1024];
	snprintf(state, sizeof state, "%s/recosign", base);
	struct witness_log logs[1] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	struct note_verifier wv;
	note_verifier_from_signer(&wv, &wit_key, NOTE_COSIGNATURE);
	struct witness *w;
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct tlog *t = make_log("recosign-log", "r", 7);
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	request(t, 0, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, 1700000000), 200);
	request(t, 7, &req);
	for (int i = 1; i <= 40; i++)
		CHECK_EQ_INT(submit_at(w, &req, &resp, 1700000000 + 10 * (uint64_t)i), 200);
	uint64_t first = 0, last = 0;
	state_path(path, sizeof path, state, "logs", log_key.name, NULL);
	CHECK_EQ_INT(file_sigs(path, &wv, &first, &last), 2);
	CHECK_EQ_INT(last, 1700000400);
	state_path(path, sizeof path, state, "history", log_key.name, "7");
	CHECK_EQ_INT(file_sigs(path, &wv, &first, &last), 2);
	CHECK_EQ_INT(first, 1700000000);
	witness_close(w);
	tlog_close(t);
	buf_release(&req);
	buf_release(&resp);
}

/* The node's keeper, in a node whose own key an amendment rotated: cosigns with the new key at a clock of its own. */
static struct note_signer new_wit_key;
static uint64_t keeper_clock;
static int new_key_cosign(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
			  size_t note_len, struct buf *line)
{
	(void)ctx, (void)old, (void)cp;
	struct note n;
	int rc = note_parse(&n, note, note_len);
	if (!rc) {
		rc = note_sign_line(line, n.data, n.text_len, &new_wit_key, keeper_clock);
		note_release(&n);
	}
	return rc;
}

/*
 * Hostile review of node-key rotation: a node's witness opened with its
 * party's founding cosigner key, after an amendment rotated that key. Its
 * history/<size> must keep our first cosignature (reindexing reads receipt
 * times from it), but only a line by the founding key counted as ours: each
 * heartbeat overwrote the file with the newest. witness_set_own_keys gives
 * the witness every key of ours.
 */
static void test_recosign_after_own_rotation(void)
{
	char state[512], path[1024];
	snprintf(state, sizeof state, "%s/own-rotation", base);
	struct witness_log logs[1] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	struct note_verifier own[2];
	note_verifier_from_signer(&own[0], &wit_key, NOTE_COSIGNATURE);
	note_signer_generate(&new_wit_key, "un.witness", NOTE_COSIGNATURE);
	note_verifier_from_signer(&own[1], &new_wit_key, NOTE_COSIGNATURE);
	struct witness *w = NULL;
	CHECK(witness_open_remote(&w, state, &own[0], new_key_cosign, NULL, logs, 1) == 0);
	CHECK(w && witness_set_own_keys(w, own, 2) == 0);
	struct tlog *t = make_log("own-rotation-log", "o", 4);
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	request(t, 0, &req);
	keeper_clock = 1700000000;
	CHECK_EQ_INT(submit_at(w, &req, &resp, keeper_clock), 200);
	request(t, 4, &req);
	for (int i = 1; i <= 3; i++) {
		keeper_clock = 1700000000 + 60 * (uint64_t)i;
		CHECK_EQ_INT(submit_at(w, &req, &resp, keeper_clock), 200);
	}
	uint64_t first = 0, last = 0;
	state_path(path, sizeof path, state, "history", log_key.name, "4");
	CHECK_EQ_INT(file_sigs(path, &own[1], &first, &last), 2);
	CHECK_EQ_INT(first, 1700000000); /* the first cosignature, not the last heartbeat's */
	state_path(path, sizeof path, state, "logs", log_key.name, NULL);
	CHECK_EQ_INT(file_sigs(path, &own[1], &first, &last), 2);
	CHECK_EQ_INT(last, 1700000180); /* logs/ keeps the newest */
	CHECK(w && witness_set_own_keys(w, own, 0) == ERR_USAGE);
	witness_close(w);
	tlog_close(t);
	note_signer_release(&new_wit_key);
	buf_release(&req);
	buf_release(&resp);
}

/* State an older version wrote (every line of the request kept: more than a note may hold) opens,
   and is rewritten with the lines that verify; a state file the log never signed still refuses. */
static void test_old_state_repaired(void)
{
	char state[512], path[1024], hist[1024], marker[1100];
	snprintf(state, sizeof state, "%s/old", base);
	struct witness_log logs[1] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	struct note_verifier wv;
	note_verifier_from_signer(&wv, &wit_key, NOTE_COSIGNATURE);
	struct witness *w;
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct tlog *t = make_log("old-log", "o", 4);
	struct buf req, resp, f;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	buf_init(&f, 1 << 20);
	request(t, 0, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, 1700000000), 200);
	witness_close(w);
	/* what an older version would have left: the log's line, 40 of ours, 40 junk */
	const struct buf *cp = tlog_checkpoint_note(t);
	struct note n;
	CHECK(note_parse(&n, cp->data, cp->len) == 0);
	buf_append(&f, cp->data, cp->len);
	for (int i = 0; i < 40; i++)
		CHECK(note_sign_line(&f, n.data, n.text_len, &wit_key, 1600000000 + (uint64_t)i) == 0);
	junk_lines(&f, 40);
	note_release(&n);
	state_path(path, sizeof path, state, "logs", log_key.name, NULL);
	state_path(hist, sizeof hist, state, "history", log_key.name, "4");
	snprintf(marker, sizeof marker, "%s/history/.bounded", state);
	CHECK(access(marker, F_OK) == 0);
	CHECK(file_write_atomic(path, f.data, f.len, 0600, 0) == 0);
	CHECK(file_write_atomic(hist, f.data, f.len, 0600, 0) == 0);
	CHECK(unlink(marker) == 0);
	CHECK_EQ_INT(file_sigs(path, NULL, NULL, NULL), -1);
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct checkpoint latest = {0};
	CHECK(w && witness_latest(w, log_key.name, &latest, NULL) == 0);
	CHECK_EQ_INT(latest.size, 4);
	uint64_t first = 0, last = 0;
	CHECK_EQ_INT(file_sigs(path, &wv, &first, &last), 2);
	CHECK_EQ_INT(last, 1600000039);
	CHECK_EQ_INT(file_sigs(hist, &wv, &first, &last), 2);
	CHECK_EQ_INT(first, 1600000000);
	CHECK(access(marker, F_OK) == 0);
	/* it keeps working from there */
	append(t, "o", 4, 6);
	request(t, 4, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	witness_close(w);
	/* damage, not an older version: no line by the log's key */
	buf_reset(&f);
	const char forged[] = "us.parley.example/log\n6\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	CHECK(note_sign(&f, forged, sizeof forged - 1, &other_key, 1, 0) == 0);
	CHECK(file_write_atomic(path, f.data, f.len, 0600, 0) == 0);
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == ERR_VERIFY);
	CHECK_MSG("damaged");
	tlog_close(t);
	buf_release(&req);
	buf_release(&resp);
	buf_release(&f);
}

/* The evidence directories of the log, and checks that each holds two clean notes signed by the log. */
/* The why file ends "shown at 2023-11-14T22:13:20Z": RFC 3339 UTC, not Unix seconds. */
static int why_has_rfc3339(const struct buf *b)
{
	static const char pat[] = "dddd-dd-ddTdd:dd:ddZ\n";
	const char *at = b->data ? memmem(b->data, b->len, "\nshown at ", 10) : NULL;
	if (!at)
		return 0;
	at += 10;
	size_t n = strlen(pat);
	if ((size_t)((const char *)b->data + b->len - at) != n)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (pat[i] == 'd' ? !(at[i] >= '0' && at[i] <= '9') : at[i] != pat[i])
			return 0;
	return 1;
}

static int evidence(const char *state, int *clean)
{
	char dir[1024], path[1400];
	state_path(dir, sizeof dir, state, "conflicts", log_key.name, NULL);
	struct note_verifier lv;
	note_verifier_from_signer(&lv, &log_key, NOTE_ED25519);
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;
	*clean = 1;
	while (d && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		n++;
		static const char *const files[] = {"recorded", "shown"};
		struct checkpoint cps[2];
		for (int i = 0; i < 2; i++) {
			struct buf b;
			struct note nt;
			buf_init(&b, 1 << 20);
			snprintf(path, sizeof path, "%s/%s/%s", dir, e->d_name, files[i]);
			if (file_read(path, b.max, &b) || checkpoint_open(&cps[i], b.data, b.len, &lv, NULL) ||
			    note_parse(&nt, b.data, b.len)) {
				*clean = 0;
			} else {
				*clean &= nt.nsigs == 1 && note_verify(&nt, &lv, 1, NULL, NULL) == 0;
				note_release(&nt);
			}
			buf_release(&b);
		}
		/* both cannot be true: same size with different roots, or recorded at the shown size differently */
		*clean &= cps[0].size == cps[1].size && memcmp(cps[0].root, cps[1].root, MERKLE_HASH) != 0;
		snprintf(path, sizeof path, "%s/%s/why", dir, e->d_name);
		struct buf why;
		buf_init(&why, 1 << 16);
		*clean &= file_read(path, why.max, &why) == 0 && why_has_rfc3339(&why);
		buf_release(&why);
	}
	if (d)
		closedir(d);
	return n;
}

/* Only signed evidence is kept, once, bounded, in a form the note verifier accepts. */
static void test_conflict_rules(void)
{
	char state[512], conflicts[600];
	snprintf(state, sizeof state, "%s/conflicts", base);
	snprintf(conflicts, sizeof conflicts, "%s/conflicts", state);
	struct witness_log logs[1] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	struct witness *w;
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct tlog *t = make_log("c-real", "a", 10);
	struct buf req, resp;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	int clean;
	request(t, 0, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	append(t, "a", 10, 20);
	request(t, 10, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);

	/* a bad consistency proof is nobody's signature: refused, nothing kept */
	append(t, "a", 20, 30);
	request(t, 20, &req);
	size_t at = (size_t)((const uint8_t *)memchr(req.data, '\n', req.len) - req.data) + 1;
	req.data[at] = req.data[at] == 'A' ? 'B' : 'A';
	CHECK_EQ_INT(submit(w, &req, &resp), 422);
	CHECK_EQ_INT(count_files(conflicts), 0);

	/* an old checkpoint shown again (a rollback to what we cosigned at 10) is not evidence */
	struct tlog *old = make_log("c-old", "a", 10);
	request(old, 0, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	buf_reset(&req);
	buf_printf(&req, "old 20\n\n");
	buf_append(&req, tlog_checkpoint_note(old)->data, tlog_checkpoint_note(old)->len);
	CHECK_EQ_INT(submit(w, &req, &resp), 400);
	CHECK_EQ_INT(count_files(conflicts), 0);
	/* nor a smaller size this witness never cosigned */
	struct tlog *unseen = make_log("c-unseen", "x", 15);
	request(unseen, 0, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	CHECK_EQ_INT(count_files(conflicts), 0);

	/* a rollback that contradicts history: size 10, another root (padded with junk lines) */
	struct tlog *rolled = make_log("c-rolled", "b", 10);
	buf_reset(&req);
	buf_printf(&req, "old 20\n\n");
	buf_append(&req, tlog_checkpoint_note(rolled)->data, tlog_checkpoint_note(rolled)->len);
	junk_lines(&req, 63);
	CHECK_EQ_INT(submit(w, &req, &resp), 400);
	CHECK_EQ_INT(evidence(state, &clean), 1);
	CHECK(clean);
	/* the same size as the latest cosigned, another root */
	struct tlog *fork = make_log("c-fork", "b", 20);
	request(fork, 20, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	CHECK_EQ_INT(evidence(state, &clean), 2);
	CHECK(clean);
	/* shown again, with another old size or more junk: nothing new */
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	request(fork, 0, &req);
	junk_lines(&req, 10);
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	CHECK_EQ_INT(evidence(state, &clean), 2);

	/* bounded per log: a log forking at every turn fills WITNESS_CONFLICTS_PER_LOG at most */
	for (int i = 0; i < WITNESS_CONFLICTS_PER_LOG + 4; i++) {
		char name[32], tag[32];
		snprintf(name, sizeof name, "c-many-%d", i);
		snprintf(tag, sizeof tag, "m%d", i);
		struct tlog *m = make_log(name, tag, 20);
		request(m, 20, &req);
		CHECK_EQ_INT(submit(w, &req, &resp), 409);
		tlog_close(m);
	}
	CHECK_EQ_INT(evidence(state, &clean), WITNESS_CONFLICTS_PER_LOG);
	CHECK(clean);
	/* and the count survives a restart */
	witness_close(w);
	w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct tlog *more = make_log("c-more", "z", 20);
	request(more, 20, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 409);
	CHECK_EQ_INT(evidence(state, &clean), WITNESS_CONFLICTS_PER_LOG);
	witness_close(w);
	tlog_close(more);
	tlog_close(t);
	tlog_close(old);
	tlog_close(unseen);
	tlog_close(rolled);
	tlog_close(fork);
	buf_release(&req);
	buf_release(&resp);
}

/* note_select: the subset of verified lines, as asked; any number of lines in, a bounded note out. */
static void test_note_select(void)
{
	struct note_verifier lv, wv, ov;
	note_verifier_from_signer(&lv, &log_key, NOTE_ED25519);
	note_verifier_from_signer(&wv, &wit_key, NOTE_COSIGNATURE);
	struct note_signer third;
	CHECK(note_signer_generate(&third, "third.witness", NOTE_COSIGNATURE) == 0);
	note_verifier_from_signer(&ov, &third, NOTE_COSIGNATURE);
	const char text[] = "us.parley.example/log\n3\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";
	struct buf in, out;
	buf_init(&in, 1 << 20);
	buf_init(&out, 1 << 20);
	CHECK(note_sign(&in, text, sizeof text - 1, &log_key, 1, 0) == 0);
	for (int i = 0; i < 50; i++) {
		uint64_t t = 1000 + (uint64_t)((i * 37) % 50); /* times out of order: earliest 1000, newest 1049 */
		CHECK(note_sign_line(&in, text, sizeof text - 1, &wit_key, t) == 0);
		CHECK(note_sign_line(&in, text, sizeof text - 1, &third, 5000 - t) == 0);
	}
	junk_lines(&in, 20);
	CHECK(note_sign_line(&in, text, sizeof text - 1, &log_key, 0) == 0); /* a repeat of the log's line */
	struct note n;
	CHECK(note_parse(&n, in.data, in.len) == ERR_LIMIT);
	struct note_verifier vs[3] = {lv, wv, ov};
	int ok[3];
	size_t dropped = 0;
	uint64_t t = 0;
	CHECK(note_select(&out, in.data, in.len, vs, 3, NOTE_KEEP_NEWEST, ok, &dropped) == 0);
	CHECK(ok[0] && ok[1] && ok[2]);
	CHECK_EQ_INT(dropped, 122 - 3);
	CHECK(note_parse(&n, out.data, out.len) == 0);
	CHECK_EQ_INT(n.nsigs, 3);
	CHECK(note_verify_sig(&n, 0, &lv, NULL) == 0);
	CHECK(note_verify_sig(&n, 1, &wv, &t) == 0);
	CHECK_EQ_INT(t, 1049);
	CHECK(note_verify_sig(&n, 2, &ov, &t) == 0);
	CHECK_EQ_INT(t, 5000 - 1000);
	note_release(&n);
	buf_reset(&out);
	CHECK(note_select(&out, in.data, in.len, vs, 3, NOTE_KEEP_EARLIEST | NOTE_KEEP_NEWEST, NULL, NULL) == 0);
	CHECK(note_parse(&n, out.data, out.len) == 0);
	CHECK_EQ_INT(n.nsigs, 5);
	CHECK(note_verify_sig(&n, 1, &wv, &t) == 0);
	CHECK_EQ_INT(t, 1000);
	CHECK(note_verify_sig(&n, 2, &wv, &t) == 0);
	CHECK_EQ_INT(t, 1049);
	note_release(&n);
	/* selecting again gives the same bytes */
	struct buf again;
	buf_init(&again, 1 << 20);
	CHECK(note_select(&again, out.data, out.len, vs, 3, NOTE_KEEP_EARLIEST | NOTE_KEEP_NEWEST, NULL, NULL) == 0);
	CHECK(again.len == out.len && !memcmp(again.data, out.data, out.len));
	/* a line that names a key but does not verify is dropped, not fatal; no known line at all is an error */
	buf_reset(&out);
	CHECK(note_select(&out, in.data, in.len, &ov, 1, NOTE_KEEP_NEWEST, NULL, NULL) == 0);
	buf_reset(&out);
	struct note_verifier stranger;
	note_verifier_from_signer(&stranger, &other_key, NOTE_ED25519); /* the log's name, another key */
	CHECK(note_select(&out, in.data, in.len, &stranger, 1, 0, NULL, NULL) == ERR_VERIFY);
	CHECK_EQ_INT(out.len, 0);
	CHECK(note_select(&out, (const uint8_t *)text, sizeof text - 1, &lv, 1, 0, NULL, NULL) == ERR_FORMAT);
	note_signer_release(&third);
	buf_release(&in);
	buf_release(&out);
	buf_release(&again);
}

/* note (a signed checkpoint) signed again by signers[0..k) instead: the same text, only their lines. */
static void resign(const struct buf *note, const struct note_signer *signers, size_t k, struct buf *out)
{
	struct note n;
	buf_reset(out);
	CHECK(note_parse(&n, note->data, note->len) == 0);
	CHECK(note_sign(out, n.data, n.text_len, signers, k, 0) == 0);
	note_release(&n);
}

/* The add-checkpoint request for t's consistency from old and the checkpoint note cp. */
static void request_with(struct tlog *t, uint64_t old, const struct buf *cp, struct buf *out)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	buf_reset(out);
	if (old)
		CHECK(tlog_prove_consistency(t, old, tlog_size(t), proof, &n) == 0);
	CHECK(witness_request_format(out, old, (const merkle_hash *)proof, n, cp->data, cp->len) == 0);
}

/* A hook that learns the log's keys, as a node adopting an amendment met in a peer's log does. */
struct keys_hook {
	struct witness *w;
	const struct witness_key_span *spans;
	size_t n;
	int rc, calls;
};
static int set_keys_hook(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
			 size_t len)
{
	struct keys_hook *k = ctx;
	(void)old, (void)note, (void)len;
	k->calls++;
	k->rc = witness_set_log_keys(k->w, cp->origin, k->spans, k->n);
	return 0;
}

/*
 * A node-key rotation (docs/amendments.md, "Rotating a node key"): the log's
 * key log_key is replaced by other_key (same name) at R. The witness, at its
 * clock now, accepts a key in force at some instant of [now - 900, now + 900].
 */
static void test_key_rotation(void)
{
	const int64_t R = 1700100000;
	const int64_t H = WITNESS_KEY_HANDOVER;
	char state[512], logs_file[700], hist[700], conflicts[700];
	snprintf(state, sizeof state, "%s/witness-rot", base);
	snprintf(conflicts, sizeof conflicts, "%s/conflicts", state);
	struct witness_key_span spans[2];
	note_verifier_from_signer(&spans[0].key, &log_key, NOTE_ED25519);
	note_verifier_from_signer(&spans[1].key, &other_key, NOTE_ED25519);
	spans[0].from = INT64_MIN, spans[0].until = R;
	spans[1].from = R, spans[1].until = INT64_MAX;
	struct witness_log logs[1] = {{.key = spans[0].key, .spans = spans, .nspans = 2}};
	struct witness *w = NULL;
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	{
		uint8_t h[32];
		char hex[65];
		sha256("us.parley.example/log", strlen("us.parley.example/log"), h);
		hex_encode(hex, h, 32);
		snprintf(logs_file, sizeof logs_file, "%s/logs/%s", state, hex);
		snprintf(hist, sizeof hist, "%s/history/%s", state, hex);
	}
	struct tlog *t = make_log("rot", "r", 10);
	struct buf req, resp, by_old, by_new, by_both, path;
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	buf_init(&by_old, CHECKPOINT_MAX_SIZE);
	buf_init(&by_new, CHECKPOINT_MAX_SIZE);
	buf_init(&by_both, CHECKPOINT_MAX_SIZE);
	buf_init(&path, 1024);
	struct note_signer both[2] = {log_key, other_key};
	resign(tlog_checkpoint_note(t), &log_key, 1, &by_old);
	resign(tlog_checkpoint_note(t), &other_key, 1, &by_new);

	/* long before the rotation: the old key only; the new key before its window is refused */
	request_with(t, 0, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - H - 1)), 403);
	CHECK(strstr((const char *)resp.data, "not in force within 900 s") != NULL);
	CHECK_EQ_INT(count_files(state), 3); /* logs, history, conflicts: nothing written */
	request_with(t, 0, &by_old, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - H - 1)), 200);
	/* the window opens exactly H before R: the new key counts from then */
	request_with(t, 10, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - H)), 200);

	/* inside the window: both keys, and a checkpoint signed by both keeps both lines (and ours) */
	append(t, "r", 10, 20);
	resign(tlog_checkpoint_note(t), both, 2, &by_both);
	request_with(t, 10, &by_both, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - 100)), 200);
	CHECK_EQ_INT(file_sigs(logs_file, NULL, NULL, NULL), 3);
	buf_reset(&path);
	buf_printf(&path, "%s/20", hist);
	CHECK_EQ_INT(file_sigs((const char *)path.data, NULL, NULL, NULL), 3);
	resign(tlog_checkpoint_note(t), &log_key, 1, &by_old);
	resign(tlog_checkpoint_note(t), &other_key, 1, &by_new);
	request_with(t, 20, &by_old, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + H - 1)), 200); /* the old key, the last second it counts */
	/* a key the log never had: refused with the signature check's reason, not as a key out of its window */
	struct note_signer stranger;
	CHECK(note_signer_generate(&stranger, "us.parley.example/log", NOTE_ED25519) == 0);
	struct buf by_stranger;
	buf_init(&by_stranger, CHECKPOINT_MAX_SIZE);
	resign(tlog_checkpoint_note(t), &stranger, 1, &by_stranger);
	request_with(t, 20, &by_stranger, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - 100)), 403);
	CHECK(strstr((const char *)resp.data, "not in force") == NULL);
	CHECK(strstr((const char *)resp.data, "not signed by any known key") != NULL);
	note_signer_release(&stranger);
	buf_release(&by_stranger);
	request_with(t, 20, &by_old, &req);
	/* after the window: the retired key signs nothing this witness cosigns; the new key does */
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + H)), 403);
	CHECK(strstr((const char *)resp.data, "retired") != NULL);
	request_with(t, 20, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + H)), 200);
	append(t, "r", 20, 30);
	resign(tlog_checkpoint_note(t), &log_key, 1, &by_old);
	resign(tlog_checkpoint_note(t), &other_key, 1, &by_new);
	request_with(t, 20, &by_old, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 403);
	request_with(t, 20, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 200);

	/*
	 * A fork by the new key at size 10, which history/ holds signed by the old
	 * key (cosigned before the rotation): read back with the log's keys, it is
	 * kept as evidence, and the fork proof verifies with the two keys.
	 */
	struct tlog *fork = make_log("rot-fork", "f", 10);
	resign(tlog_checkpoint_note(fork), &other_key, 1, &by_new);
	request_with(fork, 0, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 409);
	CHECK_EQ_INT(witness_forks_seen(w, "us.parley.example/log"), 1);
	{
		char dir[800], proofpath[1200];
		struct buf fp;
		struct forkproof p;
		size_t which = 9;
		snprintf(dir, sizeof dir, "%s/%s", conflicts, strrchr(hist, '/') + 1);
		DIR *d = opendir(dir);
		struct dirent *e;
		proofpath[0] = 0;
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				snprintf(proofpath, sizeof proofpath, "%s/%s/proof", dir, e->d_name);
		if (d)
			closedir(d);
		buf_init(&fp, FORKPROOF_MAX);
		CHECK(file_read(proofpath, FORKPROOF_MAX, &fp) == 0);
		CHECK(forkproof_parse(&p, fp.data, fp.len) == 0);
		struct note_verifier lk[2] = {spans[0].key, spans[1].key};
		CHECK(forkproof_verify(&p, lk, 2, &which) == 0);
		CHECK_EQ_INT(which, 0);
		CHECK(forkproof_verify(&p, &lk[1], 1, &which) == ERR_VERIFY); /* one checkpoint is by the old key */
		buf_release(&fp);
	}
	witness_close(w);

	/* the state (last signed by the new key) opens with the spans, not with the founding key alone */
	w = NULL;
	struct witness_log founding[1] = {{.key = spans[0].key}};
	CHECK(witness_open(&w, state, &wit_key, founding, 1) == ERR_VERIFY);
	CHECK(witness_open(&w, state, &wit_key, logs, 1) == 0);
	struct checkpoint latest;
	CHECK(witness_latest(w, "us.parley.example/log", &latest, NULL) == 0);
	CHECK_EQ_INT(latest.size, 30);
	witness_close(w);

	/* a running witness learns the rotation: refused before witness_set_log_keys, cosigned after */
	char state2[600];
	snprintf(state2, sizeof state2, "%s/witness-rot2", base);
	CHECK(witness_open(&w, state2, &wit_key, founding, 1) == 0);
	request_with(t, 0, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 403);
	struct witness_key_span bad[2] = {spans[0], spans[1]};
	snprintf(bad[1].key.name, sizeof bad[1].key.name, "another/log");
	CHECK(witness_set_log_keys(w, "us.parley.example/log", bad, 2) == ERR_USAGE);
	bad[1] = spans[1];
	bad[1].until = bad[1].from - 1;
	CHECK(witness_set_log_keys(w, "us.parley.example/log", bad, 2) == ERR_USAGE);
	CHECK(witness_set_log_keys(w, "us.parley.example/log", spans, 0) == ERR_USAGE);
	CHECK(witness_set_log_keys(w, "no.such/log", spans, 2) == ERR_NOTFOUND);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 403); /* nothing changed by the refusals */
	CHECK(witness_set_log_keys(w, "us.parley.example/log", spans, 2) == 0);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 200);
	/* and the founding key, retired a day ago, no longer counts */
	append(t, "r", 30, 31);
	resign(tlog_checkpoint_note(t), &log_key, 1, &by_old);
	request_with(t, 30, &by_old, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 403);
	witness_close(w);

	/* from the hook, with the witness's lock held: no deadlock (alarm: a hang fails the test) */
	char state3[600];
	snprintf(state3, sizeof state3, "%s/witness-rot3", base);
	CHECK(witness_open(&w, state3, &wit_key, founding, 1) == 0);
	struct keys_hook kh = {w, spans, 2, -1, 0};
	witness_set_hook(w, set_keys_hook, &kh);
	struct tlog *t3 = make_log("rot3", "s", 5);
	resign(tlog_checkpoint_note(t3), &log_key, 1, &by_old);
	request_with(t3, 0, &by_old, &req);
	alarm(20);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - 86400)), 200);
	alarm(0);
	CHECK_EQ_INT(kh.calls, 1);
	CHECK_EQ_INT(kh.rc, 0);
	witness_set_hook(w, NULL, NULL);
	resign(tlog_checkpoint_note(t3), &other_key, 1, &by_new);
	request_with(t3, 5, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 86400)), 200); /* the keys the hook gave are in force */
	witness_close(w);
	tlog_close(t3);

	/* another hand-over (a node passes its --max-skew): 3 s either side */
	char state4[600];
	snprintf(state4, sizeof state4, "%s/witness-rot4", base);
	CHECK(witness_open(&w, state4, &wit_key, logs, 1) == 0);
	CHECK(witness_set_handover(w, -1) == ERR_USAGE);
	CHECK(witness_set_handover(w, WITNESS_HANDOVER_MAX + 1) == ERR_USAGE);
	CHECK(witness_set_handover(w, 3) == 0);
	struct tlog *t4 = make_log("rot4", "h", 5);
	resign(tlog_checkpoint_note(t4), &log_key, 1, &by_old);
	resign(tlog_checkpoint_note(t4), &other_key, 1, &by_new);
	request_with(t4, 0, &by_new, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - 4)), 403);
	CHECK(strstr((const char *)resp.data, "within 3 s") != NULL);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R - 3)), 200);
	request_with(t4, 5, &by_old, &req);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 2)), 200);
	CHECK_EQ_INT(submit_at(w, &req, &resp, (uint64_t)(R + 3)), 403);
	witness_close(w);
	tlog_close(t4);

	/* spans that do not fit the log are refused at open */
	struct witness_key_span wrong[1] = {spans[1]};
	snprintf(wrong[0].key.name, sizeof wrong[0].key.name, "another/log");
	struct witness_log two_names[1] = {{.key = spans[0].key, .spans = spans, .nspans = 2}};
	struct witness_key_span mixed[2] = {spans[0], wrong[0]};
	two_names[0].spans = mixed;
	CHECK(witness_open(&w, state2, &wit_key, two_names, 1) == ERR_USAGE);
	tlog_close(t);
	tlog_close(fork);
	buf_release(&req);
	buf_release(&resp);
	buf_release(&by_old);
	buf_release(&by_new);
	buf_release(&by_both);
	buf_release(&path);
}

/*
 * The hook runs without the witness's lock: a hook that takes long for one
 * log (a node fetching tiles from a slow or hostile log server) does not hold
 * up another log's request; and a request for the same log that advanced it
 * meanwhile makes the slow one answer 409 with the new size.
 */
struct slow_hook {
	pthread_mutex_t m;
	pthread_cond_t c;
	const char *slow_origin;
	int calls, in_hook, other_done, saw_other_done;
};

static int slow_hook(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
		     size_t len)
{
	struct slow_hook *h = ctx;
	(void)old, (void)note, (void)len;
	if (strcmp(cp->origin, h->slow_origin))
		return 0;
	pthread_mutex_lock(&h->m);
	if (h->calls++ == 0) { /* the first call waits (at most 5 s) for the other request to be answered */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += 5;
		h->in_hook = 1;
		pthread_cond_broadcast(&h->c);
		while (!h->other_done && pthread_cond_timedwait(&h->c, &h->m, &until) == 0)
			;
		h->saw_other_done = h->other_done;
	}
	pthread_mutex_unlock(&h->m);
	return 0;
}

struct bg_request {
	struct witness *w;
	struct buf req, resp;
	int status;
};

static void *submit_in_background(void *arg)
{
	struct bg_request *b = arg;
	b->status = submit(b->w, &b->req, &b->resp);
	return NULL;
}

static void wait_in_hook(struct slow_hook *h)
{
	pthread_mutex_lock(&h->m);
	while (!h->in_hook)
		pthread_cond_wait(&h->c, &h->m);
	pthread_mutex_unlock(&h->m);
}

static void answered(struct slow_hook *h)
{
	pthread_mutex_lock(&h->m);
	h->other_done = 1;
	pthread_cond_broadcast(&h->c);
	pthread_mutex_unlock(&h->m);
}

static void test_hook_without_lock(void)
{
	char state[512], dir[512];
	snprintf(state, sizeof state, "%s/witness-slow", base);
	struct witness_log logs[2] = {0};
	note_verifier_from_signer(&logs[0].key, &log_key, NOTE_ED25519);
	note_verifier_from_signer(&logs[1].key, &ru_key, NOTE_ED25519);
	struct witness *w;
	CHECK(witness_open(&w, state, &wit_key, logs, 2) == 0);
	struct tlog *a = make_log("slow-a", "a", 10), *b = NULL;
	snprintf(dir, sizeof dir, "%s/slow-b", base);
	CHECK(tlog_create(dir, &ru_key) == 0 && tlog_open(&b, dir, &ru_key) == 0);
	CHECK(tlog_add(b, (const uint8_t *)"b-0", 3, NULL) == 0 && tlog_commit(b) == 0);
	struct slow_hook h = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, "us.parley.example/log", 0, 0, 0, 0};
	witness_set_hook(w, slow_hook, &h);
	struct bg_request bg = {.w = w};
	struct buf req, resp;
	buf_init(&bg.req, WITNESS_REQUEST_MAX);
	buf_init(&bg.resp, 4096);
	buf_init(&req, WITNESS_REQUEST_MAX);
	buf_init(&resp, 4096);
	pthread_t th;

	/* another log's request is answered while the first log's hook still runs */
	request(a, 0, &bg.req);
	CHECK(pthread_create(&th, NULL, submit_in_background, &bg) == 0);
	wait_in_hook(&h);
	request(b, 0, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 200);
	answered(&h);
	pthread_join(th, NULL);
	CHECK(h.saw_other_done); /* before the fix: ru's request waited for the lock until the hook gave up */
	CHECK_EQ_INT(bg.status, 200);

	/* the same log advanced while its hook ran: the slow request is answered 409 with the new size */
	h.calls = h.in_hook = h.other_done = h.saw_other_done = 0;
	append(a, "a", 10, 20);
	request(a, 10, &bg.req);
	CHECK(pthread_create(&th, NULL, submit_in_background, &bg) == 0);
	wait_in_hook(&h);
	request(a, 10, &req);
	CHECK_EQ_INT(submit(w, &req, &resp), 200); /* its hook call returns at once */
	answered(&h);
	pthread_join(th, NULL);
	CHECK_EQ_INT(bg.status, 409);
	CHECK(bg.resp.len && !strcmp((const char *)bg.resp.data, "20\n"));
	witness_set_hook(w, NULL, NULL);
	witness_close(w);
	tlog_close(a);
	tlog_close(b);
	buf_release(&bg.req);
	buf_release(&bg.resp);
	buf_release(&req);
	buf_release(&resp);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	if (check_tmpdir(base, sizeof base, "witness"))
		return 2;
	note_signer_generate(&log_key, "us.parley.example/log", NOTE_ED25519);
	note_signer_generate(&other_key, "us.parley.example/log", NOTE_ED25519);
	note_signer_generate(&wit_key, "un.witness", NOTE_COSIGNATURE);
	note_signer_generate(&ru_key, "ru.parley.example/log", NOTE_ED25519);
	RUN(test_add_checkpoint_rules);
	RUN(test_padded_checkpoint_kept_clean);
	RUN(test_recosign_bounded);
	RUN(test_old_state_repaired);
	RUN(test_conflict_rules);
	RUN(test_note_select);
	RUN(test_key_rotation);
	RUN(test_recosign_after_own_rotation);
	RUN(test_hook_without_lock);
	if (check_rmtree(base))
		return 2;
	CHECK_EXIT();
}
