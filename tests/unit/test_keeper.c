/*
 * test_keeper — the keeper (src/node/keeper.h) against a compromised network
 * side: a real keeper process is forked over a node directory, and this test,
 * in the network side's place, sends it what an attacker who owns the HTTP
 * process could send: rollbacks, forks, checkpoints its tiles do not prove,
 * cosignatures without or with wrong proofs, 'received' for absent entries,
 * garbage, oversized and empty messages. Nothing wrong may be signed, a
 * refusal changes nothing on disk, and the honest requests still work.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/keyfile.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "exchange/history.h"
#include "node/keeper.h"
#include "node/keeper_client.h"
#include "tlog/checkpoint.h"
#include "tlog/store.h"
#include "witness/witness.h"
#include "check.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define US_LOG "us.parley.example/log"
#define RU_LOG "ru.parley.example/log"

static char dir[PATH_MAX], rudir[PATH_MAX + 16], state[PATH_MAX + 32];
static struct keyfile us, ru, fbi, fsb, other;
static struct note_verifier us_v, us_cos, ru_v;
static struct charter charter;
static struct keeper_client *kc;
static const struct keeper_start keeper_how = {1, NODE_KEY_HANDOVER, NULL, 1}; /* as root in tests: --allow-root */
static struct tlog *rulog; /* the peer's own log (the test holds its key) */

static void vkey(const struct keyfile *k, uint8_t type, char *out, size_t n)
{
	struct note_verifier v;
	note_verifier_from_signer(&v, &k->sign, type);
	note_verifier_format(&v, out, n);
}

static void rcpt(const struct keyfile *k, char out[AGE_RECIPIENT_TEXT_MAX])
{
	struct age_recipient r;
	CHECK(age_recipient_from_identity(&r, &k->age) == 0);
	CHECK(age_recipient_encode(&r, out) == 0);
}

static int sign_with_keeper(void *ctx, const uint8_t *text, size_t len, struct buf *note)
{
	(void)ctx;
	return keeper_client_sign_checkpoint(kc, text, len, note);
}

/* A node directory for us: charter (signed by both), node.key, an empty log, a mirror of ru's log. */
static void setup(void)
{
	char path[PATH_MAX + 64], v[6][600], r[4][AGE_RECIPIENT_TEXT_MAX];
	CHECK(check_tmpdir(dir, sizeof dir, "keeper") == 0);
	CHECK(keyfile_generate(&us, US_LOG) == 0 && keyfile_generate(&ru, RU_LOG) == 0);
	CHECK(keyfile_generate(&fbi, "us.fbi") == 0 && keyfile_generate(&fsb, "ru.fsb") == 0);
	CHECK(keyfile_generate(&other, RU_LOG) == 0); /* ru's name, another key */
	vkey(&us, NOTE_ED25519, v[0], sizeof v[0]);
	vkey(&ru, NOTE_ED25519, v[1], sizeof v[1]);
	vkey(&fbi, NOTE_ED25519, v[2], sizeof v[2]);
	vkey(&fsb, NOTE_ED25519, v[3], sizeof v[3]);
	rcpt(&fbi, r[0]);
	rcpt(&fsb, r[1]);
	struct buf t, signed_;
	buf_init(&t, CHARTER_MAX_SIZE);
	buf_init(&signed_, CHARTER_MAX_SIZE);
	buf_printf(&t,
		   "parley charter v1\nname: Test channel\nlegal-basis: Test treaty (1999)\n"
		   "party: us https://us.parley.example %s\nparty: ru https://ru.parley.example %s\n"
		   "agency: us.fbi %s %s\nagency: ru.fsb %s %s\n"
		   "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
		   "term: 2021-07-09T00:00:00Z 2022-01-09T00:00:00Z\nreporting-period: 30d\n",
		   v[0], v[1], v[2], r[0], v[3], r[1]);
	CHECK(charter_parse(&charter, t.data, t.len) == 0);
	struct note_signer both[2] = {us.sign, ru.sign};
	CHECK(note_sign(&signed_, (const char *)charter.text.data, charter.text.len, both, 2, 0) == 0);
	snprintf(path, sizeof path, "%s/charter", dir);
	CHECK(file_write_atomic(path, signed_.data, signed_.len, 0644, 1) == 0);
	snprintf(path, sizeof path, "%s/node.key", dir);
	CHECK(keyfile_write(&us, path) == 0);
	snprintf(path, sizeof path, "%s/log", dir);
	CHECK(tlog_create(path, &us.sign) == 0);
	snprintf(rudir, sizeof rudir, "%s/rulog", dir);
	CHECK(tlog_create(rudir, &ru.sign) == 0);
	CHECK(tlog_open(&rulog, rudir, &ru.sign) == 0);
	note_verifier_from_signer(&us_v, &us.sign, NOTE_ED25519);
	note_verifier_from_signer(&us_cos, &us.sign, NOTE_COSIGNATURE);
	note_verifier_from_signer(&ru_v, &ru.sign, NOTE_ED25519);
	snprintf(state, sizeof state, "%s/keeper/state", dir);
	buf_release(&t);
	buf_release(&signed_);
}

/* The raw answer's status byte to a raw request (-1: no answer). */
static int raw(const uint8_t *msg, size_t len, struct buf *payload)
{
	struct buf a;
	buf_init(&a, KEEPER_ANSWER_MAX);
	int st = keeper_client_raw(kc, msg, len, &a) ? -1 : a.len ? a.data[0] : -1;
	if (payload) {
		buf_reset(payload);
		if (a.len > 1)
			buf_append(payload, a.data + 1, a.len - 1);
	}
	buf_release(&a);
	return st;
}

static int file_same(const char *path, const struct buf *before)
{
	struct buf now;
	buf_init(&now, 1 << 16);
	int same = file_read(path, 1 << 16, &now) == 0 && now.len == before->len && !memcmp(now.data, before->data, now.len);
	buf_release(&now);
	return same;
}

static void checkpoint_text(const char *origin, uint64_t size, const merkle_hash root, struct buf *out)
{
	struct checkpoint cp;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	cp.size = size;
	memcpy(cp.root, root, MERKLE_HASH);
	buf_reset(out);
	CHECK(checkpoint_format_text(&cp, out) == 0);
}

static struct tlog *ourlog;

static void test_starts_and_tells_the_key(void)
{
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	CHECK(kc && !strcmp(keeper_client_log_key(kc)->name, US_LOG));
	CHECK(kc && !memcmp(keeper_client_log_key(kc)->pub, us_v.pub, 32));
	struct buf b;
	buf_init(&b, 1 << 16);
	const char *want = "signed " US_LOG " 0 ";
	CHECK(file_read(state, 1 << 16, &b) == 0 && b.len == 16384 && memmem(b.data, b.len, want, strlen(want)) != NULL);
	buf_release(&b);
	char path[PATH_MAX + 8];
	snprintf(path, sizeof path, "%s/log", dir);
	CHECK(tlog_open_signed(&ourlog, path, &us_v, 1, sign_with_keeper, NULL, NULL) == 0);
}

static void append(struct tlog *t, const char *what, int n)
{
	char e[64];
	uint64_t ix;
	for (int i = 0; i < n; i++) {
		snprintf(e, sizeof e, "%s entry %d\n", what, i);
		CHECK(tlog_add(t, (const uint8_t *)e, strlen(e), &ix) == 0);
	}
}

static void test_signs_what_extends(void)
{
	append(ourlog, "us", 5);
	CHECK(tlog_commit(ourlog) == 0);
	CHECK_EQ_INT(tlog_size(ourlog), 5);
	struct checkpoint cp;
	CHECK(checkpoint_open(&cp, tlog_checkpoint_note(ourlog)->data, tlog_checkpoint_note(ourlog)->len, &us_v, NULL) == 0);
	append(ourlog, "us2", 300); /* across a full tile */
	CHECK(tlog_commit(ourlog) == 0);
	CHECK_EQ_INT(tlog_size(ourlog), 305);
}

static void test_refuses_rollback_fork_and_unproven(void)
{
	struct buf text, note, before;
	merkle_hash root, bad;
	buf_init(&text, 4096);
	buf_init(&note, 4096);
	buf_init(&before, 1 << 16);
	CHECK(file_read(state, 1 << 16, &before) == 0);
	/* rollback: a true old checkpoint (size 5, its real root) */
	CHECK(tlog_root_at(ourlog, 5, root) == 0);
	checkpoint_text(US_LOG, 5, root, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) == ERR_VERIFY);
	CHECK_MSG("rollback");
	/* fork: the size signed last, another root */
	CHECK(tlog_root_at(ourlog, 305, root) == 0);
	memcpy(bad, root, MERKLE_HASH);
	bad[0] ^= 1;
	checkpoint_text(US_LOG, 305, bad, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) == ERR_VERIFY);
	CHECK_MSG("fork");
	/* larger, but the tiles on disk do not lead to this root (none exist for 400) */
	checkpoint_text(US_LOG, 400, bad, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) != 0);
	/* larger, tiles missing for it, and a root that is not the tree's: a proof the network side would make up is not even asked */
	checkpoint_text(US_LOG, 306, root, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) != 0);
	/* another origin (ru's), and a text that is not exactly a checkpoint */
	checkpoint_text(RU_LOG, 306, root, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) == ERR_VERIFY);
	checkpoint_text(US_LOG, 305, root, &text);
	buf_append_str(&text, "extension line\n");
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) != 0);
	CHECK(keeper_client_sign_checkpoint(kc, (const uint8_t *)"hello\n", 6, &note) != 0);
	CHECK_EQ_INT(note.len, 0); /* nothing came back signed */
	CHECK(file_same(state, &before));
	/* the same checkpoint again is signed again (a retry after a lost answer) */
	checkpoint_text(US_LOG, 305, root, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) == 0);
	struct checkpoint cp;
	CHECK(checkpoint_open(&cp, note.data, note.len, &us_v, NULL) == 0 && cp.size == 305);
	buf_release(&text);
	buf_release(&note);
	buf_release(&before);
}

static void test_refuses_garbage(void)
{
	uint8_t msg[64] = {0};
	struct buf p;
	buf_init(&p, KEEPER_ANSWER_MAX);
	CHECK(raw(msg, 0, &p) > 0); /* empty */
	CHECK(strstr((const char *)p.data, "empty") != NULL);
	msg[0] = 99;
	CHECK(raw(msg, 1, NULL) > 0);                 /* unknown op */
	msg[0] = KEEPER_STATUS;
	CHECK(raw(msg, 2, NULL) > 0);                 /* a byte after STATUS */
	msg[0] = KEEPER_SIGN_CHECKPOINT;
	msg[4] = 10;
	CHECK(raw(msg, 8, NULL) > 0);                 /* a field cut short */
	msg[1] = 0xff;
	CHECK(raw(msg, 8, NULL) > 0);                 /* a field over its limit */
	msg[0] = KEEPER_COSIGN;
	msg[1] = 64;
	CHECK(raw(msg, 40, NULL) > 0);                /* a proof over 63 hashes */
	uint8_t *big = calloc(1, KEEPER_MSG_MAX + 100);
	big[0] = KEEPER_STATUS;
	CHECK(raw(big, KEEPER_MSG_MAX + 100, &p) > 0); /* oversized */
	CHECK(strstr((const char *)p.data, "more than") != NULL);
	free(big);
	msg[0] = KEEPER_STATUS;
	CHECK_EQ_INT(raw(msg, 1, &p), 0);             /* and it still answers */
	CHECK(keeper_client_alive(kc));
	buf_release(&p);
}

/* ru's checkpoint of its log now, signed by ru (or by another key) */
static void ru_checkpoint(struct buf *out, const struct note_signer *key, uint64_t size, const merkle_hash root)
{
	struct buf text;
	buf_init(&text, 4096);
	checkpoint_text(RU_LOG, size, root, &text);
	buf_reset(out);
	CHECK(note_sign(out, (const char *)text.data, text.len, key, 1, 0) == 0);
	buf_release(&text);
}

static struct tlog *mirror;

/* Brings the mirror of ru to size (ru's log has it). */
static void mirror_to(uint64_t size)
{
	struct buf e, note;
	merkle_hash root;
	uint64_t ix;
	buf_init(&e, 1 << 16);
	buf_init(&note, 4096);
	for (uint64_t i = tlog_size(mirror); i < size; i++) {
		CHECK(tlog_read_entry(rulog, i, &e) == 0);
		CHECK(tlog_add(mirror, e.data, e.len, &ix) == 0);
	}
	CHECK(tlog_root_at(rulog, size, root) == 0);
	ru_checkpoint(&note, &ru.sign, size, root);
	CHECK(tlog_commit_mirror(mirror, note.data, note.len) == 0);
	buf_release(&e);
	buf_release(&note);
}

static int cosign(uint64_t size, const merkle_hash root, const struct note_signer *key, const merkle_hash *proof,
		  size_t n, struct buf *line)
{
	struct buf note;
	buf_init(&note, 4096);
	ru_checkpoint(&note, key, size, root);
	buf_reset(line);
	int rc = keeper_client_cosign(kc, note.data, note.len, proof, n, line);
	if (!rc) { /* the line is our cosignature of exactly that checkpoint */
		struct note nt;
		buf_append(&note, line->data, line->len);
		CHECK(note_parse(&nt, note.data, note.len) == 0);
		CHECK(note_verify(&nt, &us_cos, 1, NULL, NULL) == 0);
		note_release(&nt);
	}
	buf_release(&note);
	return rc;
}

static void test_cosign_needs_proof(void)
{
	char path[PATH_MAX + 16];
	struct buf line, before;
	merkle_hash r3, r10, r12, proof[MERKLE_MAX_PROOF], bad;
	size_t n;
	buf_init(&line, 1024);
	buf_init(&before, 1 << 16);
	append(rulog, "ru", 12);
	CHECK(tlog_commit(rulog) == 0);
	snprintf(path, sizeof path, "%s/peers/ru", dir);
	CHECK(tlog_open_mirror(&mirror, path, &ru_v, 1) == 0);
	CHECK(tlog_root_at(rulog, 3, r3) == 0 && tlog_root_at(rulog, 10, r10) == 0 && tlog_root_at(rulog, 12, r12) == 0);
	/* beyond the mirror: no receipt for entries not held */
	CHECK(cosign(3, r3, &ru.sign, NULL, 0, &line) == ERR_VERIFY);
	CHECK_MSG("mirror");
	mirror_to(3);
	/* signed by another key with ru's name */
	CHECK(cosign(3, r3, &other.sign, NULL, 0, &line) != 0);
	CHECK(cosign(3, r3, &ru.sign, NULL, 0, &line) == 0); /* the first: trust on first use */
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 3);
	mirror_to(12);
	CHECK(file_read(state, 1 << 16, &before) == 0);
	CHECK(cosign(10, r10, &ru.sign, NULL, 0, &line) == ERR_VERIFY); /* no proof */
	CHECK(tlog_prove_consistency(rulog, 3, 10, proof, &n) == 0 && n > 0);
	memcpy(bad, proof[0], MERKLE_HASH);
	proof[0][5] ^= 0x40;
	CHECK(cosign(10, r10, &ru.sign, (const merkle_hash *)proof, n, &line) == ERR_VERIFY); /* a wrong proof */
	memcpy(proof[0], bad, MERKLE_HASH);
	CHECK(cosign(10, r12, &ru.sign, (const merkle_hash *)proof, n, &line) == ERR_VERIFY); /* a proof for another root */
	CHECK(file_same(state, &before));
	CHECK(cosign(10, r10, &ru.sign, (const merkle_hash *)proof, n, &line) == 0);
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 10);
	/* rollback, and a fork at the size cosigned: even signed by ru, refused */
	CHECK(cosign(3, r3, &ru.sign, NULL, 0, &line) == ERR_VERIFY);
	CHECK_MSG("rollback");
	CHECK(cosign(10, r12, &ru.sign, NULL, 0, &line) == ERR_VERIFY);
	CHECK_MSG("fork");
	/* a log we do not witness */
	struct buf note;
	buf_init(&note, 4096);
	struct buf text;
	buf_init(&text, 4096);
	checkpoint_text(US_LOG, 305, r3, &text);
	CHECK(note_sign(&note, (const char *)text.data, text.len, &us.sign, 1, 0) == 0);
	CHECK(keeper_client_cosign(kc, note.data, note.len, NULL, 0, &line) != 0);
	buf_release(&note);
	buf_release(&text);
	buf_release(&line);
	buf_release(&before);
}

/*
 * A cosignature is a receipt for what the mirror holds: a checkpoint ru signed
 * for a fork (consistent with the one cosigned last, so the proof passes) is
 * refused when the mirror holds another tree, at the same size or a larger one.
 */
static void test_cosign_only_what_the_mirror_holds(void)
{
	char fdir[PATH_MAX + 16];
	struct tlog *fork;
	struct buf e, line, before;
	merkle_hash f11, f12, proof[MERKLE_MAX_PROOF];
	size_t n;
	uint64_t ix;
	buf_init(&e, 1 << 16);
	buf_init(&line, 1024);
	buf_init(&before, 1 << 16);
	snprintf(fdir, sizeof fdir, "%s/rufork", dir);
	CHECK(tlog_create(fdir, &ru.sign) == 0);
	CHECK(tlog_open(&fork, fdir, &ru.sign) == 0);
	for (uint64_t i = 0; i < 10; i++) {
		CHECK(tlog_read_entry(rulog, i, &e) == 0);
		CHECK(tlog_add(fork, e.data, e.len, &ix) == 0);
	}
	append(fork, "fork", 2);
	CHECK(tlog_commit(fork) == 0);
	CHECK(tlog_root_at(fork, 11, f11) == 0 && tlog_root_at(fork, 12, f12) == 0);
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 10);
	CHECK_EQ_INT(tlog_size(mirror), 12);
	CHECK(file_read(state, 1 << 16, &before) == 0);
	/* the mirror's size, another root */
	CHECK(tlog_prove_consistency(fork, 10, 12, proof, &n) == 0);
	CHECK(cosign(12, f12, &ru.sign, (const merkle_hash *)proof, n, &line) == ERR_VERIFY);
	CHECK_MSG("mirror");
	/* below the mirror's size, not a prefix of it */
	CHECK(tlog_prove_consistency(fork, 10, 11, proof, &n) == 0);
	CHECK(cosign(11, f11, &ru.sign, (const merkle_hash *)proof, n, &line) == ERR_VERIFY);
	CHECK_MSG("mirror");
	CHECK(file_same(state, &before));
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 10);
	tlog_close(fork);
	buf_release(&e);
	buf_release(&line);
	buf_release(&before);
}

/* Sizes at the edge of uint64: refused (no tiles; not a checkpoint from 2^63), the keeper neither crashes nor hangs, nothing written. */
static void test_refuses_huge_sizes(void)
{
	struct buf text, note, before, line;
	merkle_hash root;
	uint64_t sizes[] = {(uint64_t)1 << 63, UINT64_MAX - 1, UINT64_MAX, ((uint64_t)1 << 40) + 3};
	buf_init(&text, 4096);
	buf_init(&note, 4096);
	buf_init(&before, 1 << 16);
	buf_init(&line, 1024);
	memset(root, 0x5a, sizeof root);
	CHECK(file_read(state, 1 << 16, &before) == 0);
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		checkpoint_text(US_LOG, sizes[i], root, &text);
		buf_reset(&note);
		CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) != 0); /* ERR_FORMAT from 2^63 */
		CHECK_EQ_INT(note.len, 0);
		merkle_hash proof[KEEPER_PROOF_MAX];
		memset(proof, 0x11, sizeof proof);
		CHECK(cosign(sizes[i], root, &ru.sign, (const merkle_hash *)proof, KEEPER_PROOF_MAX, &line) != 0);
	}
	CHECK(file_same(state, &before));
	CHECK(raw((const uint8_t *)"\x01", 1, NULL) == 0); /* still answering */
	buf_release(&text);
	buf_release(&note);
	buf_release(&before);
	buf_release(&line);
}

static int64_t received_offset;
static const char *received_case, *received_to; /* NULL: the entry's */ /* seconds from now of the records received_text makes */

/* The text of a 'received' from us for entry index of ru's log with this leaf, dated now (+ received_offset). */
static void received_text(struct buf *out, uint64_t index, const uint8_t *entry, size_t len, const char *from, int kind)
{
	struct envelope_fields r;
	memset(&r, 0, sizeof r);
	snprintf(r.channel, sizeof r.channel, "%s", charter.id_hex);
	snprintf(r.from, sizeof r.from, "%s", from);
	snprintf(r.to[0], sizeof r.to[0], "%s", received_to ? received_to : "ru.fsb");
	r.nto = 1;
	snprintf(r.case_id, sizeof r.case_id, "%s", received_case ? received_case : "ru.fsb/2021-0001");
	r.kind = kind;
	r.time = (int64_t)time(NULL) + received_offset;
	r.has_ref = 1;
	snprintf(r.ref.origin, sizeof r.ref.origin, "%s", RU_LOG);
	r.ref.index = index;
	merkle_leaf_hash(entry, len, r.ref.leaf);
	buf_reset(out);
	CHECK(envelope_format(&r, out) == 0);
}

/* An envelope entry of ru's log: kind from an agency (or ru's node) to one agency, signed by key. */
static void ru_envelope(struct buf *out, int kind, const char *from, const char *to, const char *case_id,
			const struct note_signer *key)
{
	struct envelope_fields f;
	struct buf text;
	memset(&f, 0, sizeof f);
	buf_init(&text, 4096);
	snprintf(f.channel, sizeof f.channel, "%s", charter.id_hex);
	snprintf(f.from, sizeof f.from, "%s", from);
	snprintf(f.to[0], sizeof f.to[0], "%s", to);
	f.nto = 1;
	snprintf(f.case_id, sizeof f.case_id, "%s", case_id);
	f.kind = kind;
	f.time = 1625842800;
	if (kind == ENV_RECEIVED) {
		f.has_ref = 1;
		snprintf(f.ref.origin, sizeof f.ref.origin, "%s", US_LOG);
	} else {
		f.has_body = 1;
		memset(f.body_hash, 0xab, sizeof f.body_hash);
		f.body_size = 100;
	}
	CHECK(envelope_format(&f, &text) == 0);
	buf_reset(out);
	CHECK(note_sign(out, (const char *)text.data, text.len, key, 1, 0) == 0);
	buf_release(&text);
}

/*
 * ru's log gets envelopes at 12.. (the mirror follows): 12 and 13 notices from
 * ru.fsb to us.fbi in case ru.fsb/2021-0001; 14 a notice to ru.gp only (not for
 * us); 15 ru's own 'received' (a receipt, not a delivery to us).
 */
static void ru_envelopes(void)
{
	struct buf e;
	uint64_t ix;
	buf_init(&e, 1 << 16);
	ru_envelope(&e, ENV_NOTICE, "ru.fsb", "us.fbi", "ru.fsb/2021-0001", &fsb.sign);
	CHECK(tlog_add(rulog, e.data, e.len, &ix) == 0 && ix == 12);
	ru_envelope(&e, ENV_REQUEST, "ru.fsb", "us.fbi", "ru.fsb/2021-0001", &fsb.sign);
	CHECK(tlog_add(rulog, e.data, e.len, &ix) == 0 && ix == 13);
	ru_envelope(&e, ENV_NOTICE, "ru.fsb", "ru.gp", "ru.fsb/2021-0001", &fsb.sign);
	CHECK(tlog_add(rulog, e.data, e.len, &ix) == 0 && ix == 14);
	ru_envelope(&e, ENV_RECEIVED, "ru", "us.fbi", "ru.fsb/2021-0001", &ru.sign);
	CHECK(tlog_add(rulog, e.data, e.len, &ix) == 0 && ix == 15);
	CHECK(tlog_commit(rulog) == 0);
	mirror_to(16);
	buf_release(&e);
}

static void test_received_only_for_mirrored(void)
{
	struct buf text, note, e0, e1;
	buf_init(&text, 1 << 16);
	buf_init(&note, 1 << 16);
	buf_init(&e0, 1 << 16);
	buf_init(&e1, 1 << 16);
	ru_envelopes();
	CHECK(tlog_read_entry(rulog, 12, &e0) == 0 && tlog_read_entry(rulog, 13, &e1) == 0);
	received_text(&text, 12, e0.data, e0.len, "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e0.data, e0.len, &note) == 0);
	CHECK(note.len > text.len && !memcmp(note.data, text.data, text.len));
	/* an entry not in the mirror: past its end, or one made up */
	buf_reset(&note);
	received_text(&text, 40, e0.data, e0.len, "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e0.data, e0.len, &note) == ERR_VERIFY);
	const char *fake = "made up\n";
	received_text(&text, 12, (const uint8_t *)fake, strlen(fake), "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, (const uint8_t *)fake, strlen(fake), &note) == ERR_VERIFY);
	/* a real entry, at another index */
	received_text(&text, 12, e1.data, e1.len, "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e1.data, e1.len, &note) == ERR_VERIFY);
	/* the record names one entry, another is given */
	received_text(&text, 12, e0.data, e0.len, "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e1.data, e1.len, &note) == ERR_VERIFY);
	/* not from us, or not a 'received' */
	received_text(&text, 12, e0.data, e0.len, "ru", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e0.data, e0.len, &note) != 0);
	received_text(&text, 12, e0.data, e0.len, "us.fbi", ENV_CLOSE);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e0.data, e0.len, &note) != 0);
	/* not an envelope at all (a checkpoint text) */
	CHECK(keeper_client_sign_received(kc, (const uint8_t *)"x\n1\nAAAA\n", 9, e0.data, e0.len, &note) != 0);
	CHECK_EQ_INT(note.len, 0);
	buf_release(&text);
	buf_release(&note);
	buf_release(&e0);
	buf_release(&e1);
}

/*
 * A 'received' says when we received the entry: the keeper signs only its own
 * present (within KEEPER_TIME_SKEW), not a delivery time the network side makes up
 * (a receipt dated before the entry existed, or an answer made to look overdue).
 */
static void test_received_time_is_now(void)
{
	struct buf text, note, e0;
	buf_init(&text, 1 << 16);
	buf_init(&note, 1 << 16);
	buf_init(&e0, 1 << 16);
	CHECK(tlog_read_entry(rulog, 12, &e0) == 0);
	int64_t off[] = {-86400, -(KEEPER_TIME_SKEW + 60), KEEPER_TIME_SKEW + 60, 86400 * 365};
	for (size_t i = 0; i < sizeof off / sizeof off[0]; i++) {
		received_offset = off[i];
		received_text(&text, 12, e0.data, e0.len, "us", ENV_RECEIVED);
		buf_reset(&note);
		CHECK(keeper_client_sign_received(kc, text.data, text.len, e0.data, e0.len, &note) == ERR_VERIFY);
		CHECK_MSG("time");
		CHECK_EQ_INT(note.len, 0);
	}
	received_offset = -5;
	received_text(&text, 12, e0.data, e0.len, "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e0.data, e0.len, &note) == 0);
	received_offset = 0;
	buf_release(&text);
	buf_release(&note);
	buf_release(&e0);
}

/*
 * A 'received' is the record of a delivery to us: the entry must be an envelope
 * addressed to our party (not itself a 'received'), and the record's case and
 * 'to' (the sending agency) must be the entry's, or the keeper would sign a
 * true index and leaf dressed in a made-up case or recipient.
 */
static void test_received_binds_the_entry(void)
{
	struct buf text, note, e;
	buf_init(&text, 1 << 16);
	buf_init(&note, 1 << 16);
	buf_init(&e, 1 << 16);
	int idx[] = {4, 14, 15}; /* no envelope, to ru only, a 'received' */
	for (size_t i = 0; i < 3; i++) {
		CHECK(tlog_read_entry(rulog, (uint64_t)idx[i], &e) == 0);
		received_text(&text, (uint64_t)idx[i], e.data, e.len, "us", ENV_RECEIVED);
		buf_reset(&note);
		CHECK(keeper_client_sign_received(kc, text.data, text.len, e.data, e.len, &note) == ERR_VERIFY);
		CHECK_MSG("not a delivery to us");
		CHECK_EQ_INT(note.len, 0);
	}
	CHECK(tlog_read_entry(rulog, 12, &e) == 0);
	received_case = "ru.fsb/2021-0002";
	received_text(&text, 12, e.data, e.len, "us", ENV_RECEIVED);
	buf_reset(&note);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e.data, e.len, &note) == ERR_VERIFY);
	CHECK_MSG("case");
	received_case = NULL;
	received_to = "us.fbi";
	received_text(&text, 12, e.data, e.len, "us", ENV_RECEIVED);
	CHECK_EQ_INT(note.len, 0);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e.data, e.len, &note) == ERR_VERIFY);
	CHECK_MSG("sender");
	received_to = NULL;
	CHECK_EQ_INT(note.len, 0);
	received_text(&text, 12, e.data, e.len, "us", ENV_RECEIVED);
	CHECK(keeper_client_sign_received(kc, text.data, text.len, e.data, e.len, &note) == 0);
	buf_release(&text);
	buf_release(&note);
	buf_release(&e);
}

/*
 * The keeper of directory d opened in this process: its STATUS text in out, and
 * *probe the answer to a cosignature of probe_note (ru's 16) without a proof:
 * 0 only if it remembers exactly that root at 16. 0, or the open's error.
 */
static struct buf probe_note;
static int status_of(const char *d, struct buf *out, int *probe)
{
	struct keeper *k;
	struct buf req, ans;
	int rc = keeper_open(&k, d);
	if (rc)
		return rc;
	uint8_t op = KEEPER_STATUS;
	buf_reset(out);
	rc = keeper_handle(k, &op, 1, out);
	struct keeper_request r = {.op = KEEPER_COSIGN, .text = probe_note.data, .text_len = probe_note.len};
	buf_init(&req, 8192);
	buf_init(&ans, 8192);
	CHECK(keeper_request_format(&req, &r) == 0);
	*probe = keeper_handle(k, req.data, req.len, &ans);
	keeper_close(k);
	buf_release(&req);
	buf_release(&ans);
	return rc;
}

/*
 * Power lost during the state write, at every byte: the slot being written holds
 * the new record up to the cut and the old one after it. The keeper must start,
 * and with either the state before that change or the one after (never a state
 * it did not have, never "damaged").
 */
static void test_torn_write_at_every_byte(void)
{
	char scratch[PATH_MAX + 16], path[PATH_MAX + 64], src[PATH_MAX + 64];
	struct buf before, after, torn, b, st_before, st_after, st;
	buf_init(&before, 1 << 16);
	buf_init(&after, 1 << 16);
	buf_init(&torn, 1 << 16);
	buf_init(&b, 1 << 16);
	buf_init(&st_before, 4096);
	buf_init(&st_after, 4096);
	buf_init(&st, 4096);
	if (!kc)
		CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	snprintf(scratch, sizeof scratch, "%s/torn", dir);
	snprintf(path, sizeof path, "%s/keeper", scratch);
	CHECK(mkdir_p(path, 0700) == 0);
	const char *files[] = {"node.key", "charter"};
	for (size_t i = 0; i < 2; i++) {
		snprintf(src, sizeof src, "%s/%s", dir, files[i]);
		snprintf(path, sizeof path, "%s/%s", scratch, files[i]);
		CHECK(file_read(src, 1 << 16, &b) == 0 && file_write_atomic(path, b.data, b.len, 0600, 0) == 0);
	}
	snprintf(path, sizeof path, "%s/keeper/state", scratch);
	{ /* two changes: cosignatures of ru's 14, then 16 (the mirror holds them); the second overwrites a record */
		merkle_hash r14, r16, proof[MERKLE_MAX_PROOF];
		size_t n;
		struct buf line;
		buf_init(&line, 1024);
		CHECK(keeper_client_cosigned(kc, RU_LOG) == 12 && tlog_size(mirror) == 16);
		CHECK(tlog_root_at(rulog, 14, r14) == 0 && tlog_prove_consistency(rulog, 12, 14, proof, &n) == 0);
		CHECK(cosign(14, r14, &ru.sign, (const merkle_hash *)proof, n, &line) == 0);
		CHECK(file_read(state, 1 << 16, &before) == 0 && before.len == 16384);
		CHECK(tlog_root_at(rulog, 16, r16) == 0 && tlog_prove_consistency(rulog, 14, 16, proof, &n) == 0);
		CHECK(cosign(16, r16, &ru.sign, (const merkle_hash *)proof, n, &line) == 0);
		buf_init(&probe_note, 4096);
		ru_checkpoint(&probe_note, &ru.sign, 16, r16);
		buf_release(&line);
	}
	CHECK(file_read(state, 1 << 16, &after) == 0 && after.len == 16384);
	int probe;
	snprintf(src, sizeof src, "%s/peers", dir);
	char link[PATH_MAX + 32];
	snprintf(link, sizeof link, "%s/peers", scratch); /* the mirror, for the probe */
	CHECK(symlink(src, link) == 0);
	CHECK(file_write_atomic(path, before.data, before.len, 0600, 0) == 0 && status_of(scratch, &st_before, &probe) == 0);
	CHECK(probe == ERR_VERIFY); /* 14 remembered: no proof, refused */
	CHECK(file_write_atomic(path, after.data, after.len, 0600, 0) == 0 && status_of(scratch, &st_after, &probe) == 0);
	CHECK(probe == 0);
	CHECK(st_before.len != st_after.len || memcmp(st_before.data, st_after.data, st_after.len));
	/* the slot that changed */
	size_t slot = memcmp(before.data, after.data, 8192) ? 0 : 8192;
	CHECK(!memcmp(before.data + (8192 - slot), after.data + (8192 - slot), 8192)); /* the other one did not */
	size_t newlen = (size_t)((const uint8_t *)memchr(after.data + slot, 0, 8192) - (after.data + slot));
	size_t bad = 0, seen_old = 0, seen_new = 0;
	for (size_t cut = 0; cut <= 8192; cut += cut < newlen + 64 ? 1 : 61) {
		buf_reset(&torn);
		CHECK(buf_append(&torn, before.data, before.len) == 0);
		memcpy(torn.data + slot, after.data + slot, cut);
		CHECK(file_write_atomic(path, torn.data, torn.len, 0600, 0) == 0);
		int rc = status_of(scratch, &st, &probe);
		int old = !rc && st.len == st_before.len && !memcmp(st.data, st_before.data, st.len) && probe == ERR_VERIFY;
		int new = !rc && st.len == st_after.len && !memcmp(st.data, st_after.data, st.len) && probe == 0;
		seen_old += old, seen_new += new;
		if (!old && !new && bad++ < 3)
			fprintf(stderr, "  cut at %zu: %s\n", cut, rc ? err_msg() : "a state that was never written");
	}
	CHECK_EQ_INT(bad, 0);
	CHECK(seen_old > 0 && seen_new > 0); /* the cut before the sum line: old; the whole slot: new */
	check_rmtree(scratch);
	buf_release(&probe_note);
	keeper_client_stop(kc);
	kc = NULL;
	buf_release(&before);
	buf_release(&after);
	buf_release(&torn);
	buf_release(&b);
	buf_release(&st_before);
	buf_release(&st_after);
	buf_release(&st);
}

/* The state outlives the keeper: a restarted keeper still refuses the rollback. */
static void test_state_survives_restart(void)
{
	keeper_client_stop(kc);
	kc = NULL;
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 10);
	struct buf text, note;
	merkle_hash root;
	buf_init(&text, 4096);
	buf_init(&note, 4096);
	CHECK(tlog_root_at(ourlog, 5, root) == 0);
	checkpoint_text(US_LOG, 5, root, &text);
	CHECK(keeper_client_sign_checkpoint(kc, text.data, text.len, &note) == ERR_VERIFY);
	append(ourlog, "us3", 7);
	CHECK(tlog_commit(ourlog) == 0);
	CHECK_EQ_INT(tlog_size(ourlog), 312);
	buf_release(&text);
	buf_release(&note);
}

static int sign_then_crash(void *ctx, const uint8_t *text, size_t len, struct buf *note)
{
	(void)ctx;
	int rc = keeper_client_sign_checkpoint(kc, text, len, note);
	return rc ? rc : err_set(ERR_IO, "a crash after the signing");
}

/*
 * A crash between the keeper's answer and the checkpoint's write: the keeper
 * remembers a checkpoint the log does not show. Opened with the keeper's head,
 * the log publishes it (its tiles were durable before the signing) instead of
 * removing the entries; an older copy of the log, whose tiles cannot reach it,
 * is refused at open with what to do.
 */
static void test_roll_forward_after_crash(void)
{
	char path[PATH_MAX + 8], cmd[5 * PATH_MAX];
	struct checkpoint head;
	struct buf e;
	buf_init(&e, 4096);
	snprintf(path, sizeof path, "%s/log", dir);
	tlog_close(ourlog);
	CHECK(tlog_open_signed(&ourlog, path, &us_v, 1, sign_then_crash, NULL, NULL) == 0);
	append(ourlog, "us4", 20);
	CHECK(tlog_commit(ourlog) == ERR_IO);
	tlog_close(ourlog);
	ourlog = NULL;
	keeper_client_stop(kc);
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	memset(&head, 0, sizeof head);
	snprintf(head.origin, sizeof head.origin, "%s", US_LOG);
	CHECK(keeper_client_signed(kc, &head.size, head.root) == 1);
	CHECK_EQ_INT(head.size, 332);
	/* without the head, recovery drops the signed entries (what the node did before): not done here */
	CHECK(tlog_open_signed(&ourlog, path, &us_v, 1, sign_with_keeper, NULL, &head) == 0);
	CHECK(ourlog && tlog_size(ourlog) == 332);
	CHECK(ourlog && tlog_read_entry(ourlog, 331, &e) == 0 && e.len == 13 && !memcmp(e.data, "us4 entry 19\n", 13));
	/* an older copy restored: refused at open */
	snprintf(cmd, sizeof cmd, "cp -a '%s' '%s.old'", path, path);
	CHECK(system(cmd) == 0);
	append(ourlog, "us5", 3);
	CHECK(tlog_commit(ourlog) == 0);
	tlog_close(ourlog);
	ourlog = NULL;
	keeper_client_stop(kc);
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	CHECK(keeper_client_signed(kc, &head.size, head.root) == 1 && head.size == 335);
	snprintf(cmd, sizeof cmd, "rm -rf '%s' && mv '%s.old' '%s'", path, path, path);
	CHECK(system(cmd) == 0);
	CHECK(tlog_open_signed(&ourlog, path, &us_v, 1, sign_with_keeper, NULL, &head) == ERR_VERIFY);
	CHECK_MSG("older copy of the log");
	CHECK(ourlog == NULL);
	buf_release(&e);
}

/*
 * A write torn by a crash damages only the slot being written, the older one:
 * the keeper starts from the other, its latest state. Both damaged, or a file
 * that is not a state, stops it from starting (it never guesses).
 */
static void test_torn_or_damaged_state(void)
{
	struct keeper_client *k2 = NULL;
	struct buf b;
	buf_init(&b, 1 << 16);
	keeper_client_stop(kc);
	kc = NULL;
	CHECK(file_read(state, 1 << 16, &b) == 0 && b.len == 16384);
	/* the slot with the lower sequence number: "seq N" of each */
	const char *s0 = memmem(b.data, 8192, "seq ", 4), *s1 = memmem(b.data + 8192, 8192, "seq ", 4);
	CHECK(s0 && s1);
	if (!s0 || !s1)
		return;
	int older = strtoull(s0 + 4, NULL, 10) < strtoull(s1 + 4, NULL, 10) ? 0 : 1;
	b.data[older * 8192 + 40] ^= 1; /* torn */
	CHECK(file_write_atomic(state, b.data, b.len, 0600, 0) == 0);
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	CHECK(kc && keeper_client_cosigned(kc, RU_LOG) == 10);
	struct buf text, note;
	merkle_hash root;
	buf_init(&text, 4096);
	buf_init(&note, 4096);
	CHECK(tlog_root_at(mirror, 3, root) == 0); /* any root: 305 is below what was signed */
	checkpoint_text(US_LOG, 305, root, &text);
	CHECK(kc && keeper_client_sign_checkpoint(kc, text.data, text.len, &note) == ERR_VERIFY);
	CHECK_MSG("rollback");
	keeper_client_stop(kc);
	kc = NULL;
	b.data[(1 - older) * 8192 + 40] ^= 1; /* both */
	CHECK(file_write_atomic(state, b.data, b.len, 0600, 0) == 0);
	CHECK(keeper_client_start(&k2, dir, &keeper_how) != 0 && k2 == NULL);
	CHECK_MSG("damaged");
	CHECK(file_write_atomic(state, "parley keeper state v1\nsigned x\n", 32, 0600, 0) == 0);
	CHECK(keeper_client_start(&k2, dir, &keeper_how) != 0 && k2 == NULL);
	CHECK_MSG("not a keeper state");
	buf_release(&b);
	buf_release(&text);
	buf_release(&note);
}

static int cosign_via_keeper(void *ctx, const struct checkpoint *old, const struct checkpoint *cp, const uint8_t *note,
			     size_t note_len, struct buf *line)
{
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	uint64_t from = keeper_client_cosigned(kc, cp->origin);
	(void)ctx, (void)old;
	if (from && from < cp->size && tlog_prove_consistency(mirror, from, cp->size, proof, &n))
		return ERR_VERIFY;
	return keeper_client_cosign(kc, note, note_len, (const merkle_hash *)proof, n, line);
}

/*
 * A keeper without state (a node that ran before the keeper existed) takes a
 * peer's first state from the node's witness state, when that checkpoint
 * carries the peer's signature and our own cosignature: what we vouched for
 * already is not trusted on first use again.
 */
static void test_first_state_from_witness(void)
{
	char wdir[PATH_MAX + 16];
	struct witness *w = NULL;
	struct witness_log wl = {0};
	struct buf note, req, resp, line;
	merkle_hash r11, r12;
	int status;
	const char *ct;
	buf_init(&note, 4096);
	buf_init(&req, 1 << 16);
	buf_init(&resp, 4096);
	buf_init(&line, 1024);
	unlink(state);
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 0);
	snprintf(wdir, sizeof wdir, "%s/witness", dir);
	wl.key = ru_v;
	CHECK(witness_open_remote(&w, wdir, &us_cos, cosign_via_keeper, NULL, &wl, 1) == 0);
	CHECK(tlog_root_at(rulog, 11, r11) == 0 && tlog_root_at(rulog, 12, r12) == 0);
	ru_checkpoint(&note, &ru.sign, 12, r12);
	CHECK(witness_request_format(&req, 0, NULL, 0, note.data, note.len) == 0);
	CHECK(w && witness_add_checkpoint(w, req.data, req.len, 1700000000, &status, &ct, &resp) == 0);
	CHECK_EQ_INT(status, 200);
	witness_close(w);
	keeper_client_stop(kc);
	unlink(state);
	CHECK(keeper_client_start(&kc, dir, &keeper_how) == 0);
	CHECK_EQ_INT(keeper_client_cosigned(kc, RU_LOG), 12);
	CHECK(cosign(11, r11, &ru.sign, NULL, 0, &line) == ERR_VERIFY);
	CHECK_MSG("rollback");
	CHECK(cosign(12, r12, &ru.sign, NULL, 0, &line) == 0);
	keeper_client_stop(kc);
	kc = NULL;
	buf_release(&note);
	buf_release(&req);
	buf_release(&resp);
	buf_release(&line);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	setup();
	RUN(test_starts_and_tells_the_key);
	RUN(test_signs_what_extends);
	RUN(test_refuses_rollback_fork_and_unproven);
	RUN(test_refuses_garbage);
	RUN(test_cosign_needs_proof);
	RUN(test_cosign_only_what_the_mirror_holds);
	RUN(test_refuses_huge_sizes);
	RUN(test_received_only_for_mirrored);
	RUN(test_received_time_is_now);
	RUN(test_received_binds_the_entry);
	RUN(test_state_survives_restart);
	RUN(test_roll_forward_after_crash);
	RUN(test_torn_or_damaged_state);
	RUN(test_first_state_from_witness);
	RUN(test_torn_write_at_every_byte);
	tlog_close(ourlog);
	tlog_close(mirror);
	tlog_close(rulog);
	keyfile_release(&us);
	keyfile_release(&ru);
	keyfile_release(&fbi);
	keyfile_release(&fsb);
	keyfile_release(&other);
	charter_release(&charter);
	check_rmtree(dir);
	CHECK_EXIT();
}
