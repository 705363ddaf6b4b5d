/* The tlog-witness add-checkpoint rules, persistence, and evidence of forks. */
#include "base/err.h"
#include "base/fileio.h"
#include "tlog/store.h"
#include "witness/witness.h"
#include "check.h"

#include <dirent.h>
#include <sodium.h>
#include <stdlib.h>
#include <unistd.h>

static char base[256];
static struct note_signer log_key, wit_key, other_key;

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
	struct witness_log logs[1];
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

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	if (check_tmpdir(base, sizeof base, "witness"))
		return 2;
	note_signer_generate(&log_key, "us.parley.example/log", NOTE_ED25519);
	note_signer_generate(&other_key, "us.parley.example/log", NOTE_ED25519);
	note_signer_generate(&wit_key, "un.witness", NOTE_COSIGNATURE);
	RUN(test_add_checkpoint_rules);
	if (check_rmtree(base))
		return 2;
	CHECK_EXIT();
}
