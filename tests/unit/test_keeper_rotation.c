/*
 * The keeper across a rotation of a node key (docs/amendments.md, "Rotating a
 * node key"): which of our keys sign a checkpoint (the old far before the
 * effective time, both within the hand-over, the new after), which signs a
 * cosignature, the refusals without the new key, RELOAD (the history only
 * grows), and a peer's rotation: its retired key's checkpoint is not cosigned.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/keyfile.h"
#include "exchange/amendment.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "exchange/syntax.h"
#include "node/keeper.h"
#include "tlog/checkpoint.h"
#include "tlog/store.h"
#include "check.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define US_LOG "us.parley.example/log"
#define RU_LOG "ru.parley.example/log"
#define HANDOVER 60

static struct keyfile us_old, us_new, us_3, ru_old, ru_new, fbi, fsb;
static struct charter charter;
static struct buf charter_file;

static void vkey(const struct keyfile *k, char *out, size_t n)
{
	struct note_verifier v;
	note_verifier_from_signer(&v, &k->sign, NOTE_ED25519);
	note_verifier_format(&v, out, n);
}

static void rcpt(const struct keyfile *k, char out[AGE_RECIPIENT_TEXT_MAX])
{
	struct age_recipient r;
	CHECK(age_recipient_from_identity(&r, &k->age) == 0);
	CHECK(age_recipient_encode(&r, out) == 0);
}

static void setup(void)
{
	char v[4][600], r[2][AGE_RECIPIENT_TEXT_MAX];
	CHECK(keyfile_generate(&us_old, US_LOG) == 0 && keyfile_generate(&us_new, US_LOG) == 0);
	CHECK(keyfile_generate(&us_3, US_LOG) == 0);
	CHECK(keyfile_generate(&ru_old, RU_LOG) == 0 && keyfile_generate(&ru_new, RU_LOG) == 0);
	CHECK(keyfile_generate(&fbi, "us.fbi") == 0 && keyfile_generate(&fsb, "ru.fsb") == 0);
	vkey(&us_old, v[0], sizeof v[0]);
	vkey(&ru_old, v[1], sizeof v[1]);
	vkey(&fbi, v[2], sizeof v[2]);
	vkey(&fsb, v[3], sizeof v[3]);
	rcpt(&fbi, r[0]);
	rcpt(&fsb, r[1]);
	struct buf t;
	buf_init(&t, CHARTER_MAX_SIZE);
	buf_init(&charter_file, CHARTER_MAX_SIZE);
	buf_printf(&t,
		   "parley charter v1\nname: Test channel\nlegal-basis: Test treaty (1999)\n"
		   "party: us https://us.parley.example %s\nparty: ru https://ru.parley.example %s\n"
		   "agency: us.fbi %s %s\nagency: ru.fsb %s %s\n"
		   "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
		   "term: 2021-07-09T00:00:00Z 2030-01-09T00:00:00Z\nreporting-period: 30d\n",
		   v[0], v[1], v[2], r[0], v[3], r[1]);
	CHECK(charter_parse(&charter, t.data, t.len) == 0);
	struct note_signer both[2] = {us_old.sign, ru_old.sign};
	CHECK(note_sign(&charter_file, (const char *)charter.text.data, charter.text.len, both, 2, 0) == 0);
	buf_release(&t);
}

/* Replaces the line starting with prefix. */
static void edit(struct buf *t, const char *prefix, const char *line)
{
	struct buf out;
	buf_init(&out, t->len + 1024);
	const char *s = (const char *)t->data, *end = s + t->len;
	int done = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)(nl - s) + 1;
		if (!done && !strncmp(s, prefix, strlen(prefix)))
			done = 1, buf_printf(&out, "%s\n", line);
		else
			buf_append(&out, s, n);
		s += n;
	}
	CHECK(done);
	buf_reset(t);
	buf_append(t, out.data, out.len);
	buf_release(&out);
}

/*
 * Amendment 1, effective at eff, rotating party ("us" or "ru") to key nk:
 * signed by both parties' old keys and the new one, written to
 * DIR/amendments/0001.
 */
static void write_rotation_after(const char *dir, const char *party, const struct keyfile *nk, int64_t eff,
				 const struct keyfile *us_now);

static void write_rotation(const char *dir, const char *party, const struct keyfile *nk, int64_t eff)
{
	write_rotation_after(dir, party, nk, eff, &us_old);
}

/* As write_rotation, after the amendments in DIR/amendments (us_now: us's node key in force in the latest). */
static void write_rotation_after(const char *dir, const char *party, const struct keyfile *nk, int64_t eff,
				 const struct keyfile *us_now)
{
	struct charter_history h;
	struct buf d, t, out;
	char line[800], v[600], path[PATH_MAX + 32];
	history_init(&h, &charter);
	CHECK(history_load_dir(&h, dir) == 0);
	struct amendment_base b = history_base(&h);
	buf_init(&d, AMENDMENT_MAX_SIZE * 2);
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	buf_init(&out, AMENDMENT_MAX_SIZE * 2);
	CHECK(amendment_draft(&b, eff, "rotation", &d) == 0);
	CHECK(syntax_strip_draft(&t, (const char *)d.data, d.len) == 0);
	vkey(nk, v, sizeof v);
	snprintf(line, sizeof line, "party: %s https://%s.parley.example %s", party, party, v);
	char prefix[16];
	snprintf(prefix, sizeof prefix, "party: %s ", party);
	edit(&t, prefix, line);
	const struct note_signer *keys[3] = {&us_now->sign, &ru_old.sign, &nk->sign};
	for (size_t i = 0; i < 3; i++) {
		struct amendment a;
		CHECK(amendment_parse(&a, t.data, t.len) == 0);
		buf_reset(&out);
		CHECK(amendment_sign(&a, &b, keys[i], &out) == 0);
		amendment_release(&a);
		buf_reset(&t);
		buf_append(&t, out.data, out.len);
	}
	int added = 0;
	CHECK(history_add(&h, t.data, t.len, &added) == 0 && added);
	snprintf(path, sizeof path, "%s/amendments", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/amendments/%04zu", dir, h.n);
	CHECK(file_write_atomic(path, t.data, t.len, 0644, 1) == 0);
	history_release(&h);
	buf_release(&d);
	buf_release(&t);
	buf_release(&out);
}

/* A node directory for us: the charter, node.key (the old key), an empty log, an empty mirror of ru's log. */
static void node_dir(char *dir, size_t n, const char *name)
{
	char path[PATH_MAX + 64];
	CHECK(check_tmpdir(dir, n, name) == 0);
	snprintf(path, sizeof path, "%s/charter", dir);
	CHECK(file_write_atomic(path, charter_file.data, charter_file.len, 0644, 1) == 0);
	snprintf(path, sizeof path, "%s/node.key", dir);
	CHECK(keyfile_write(&us_old, path) == 0);
	snprintf(path, sizeof path, "%s/log", dir);
	CHECK(tlog_create(path, &us_old.sign) == 0);
	snprintf(path, sizeof path, "%s/peers", dir);
	mkdir(path, 0755);
	snprintf(path, sizeof path, "%s/peers/ru", dir);
	CHECK(tlog_create(path, &ru_old.sign) == 0);
}

static void put_next(const char *dir)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/node.key.next", dir);
	CHECK(keyfile_write(&us_new, path) == 0);
}

/* One request to the keeper; the status (0 or the refusal's code), the payload into out. */
static int ask(struct keeper *k, const struct keeper_request *r, struct buf *out)
{
	struct buf msg, a;
	buf_init(&msg, KEEPER_MSG_MAX);
	buf_init(&a, KEEPER_ANSWER_MAX);
	CHECK(keeper_request_format(&msg, r) == 0);
	int rc = keeper_handle(k, msg.data, msg.len, &a);
	buf_reset(out);
	if (a.len > 1)
		buf_append(out, a.data + 1, a.len - 1);
	buf_release(&msg);
	buf_release(&a);
	return rc;
}

/* Our empty log's checkpoint signed by the keeper: which us keys signed it (bit 1 old, 2 new, 4 the third); -1 refused. */
static int sign_empty(struct keeper *k)
{
	struct checkpoint cp;
	struct buf text, note;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", US_LOG);
	merkle_empty_root(cp.root);
	buf_init(&text, 256);
	buf_init(&note, 1024);
	CHECK(checkpoint_format_text(&cp, &text) == 0);
	struct keeper_request r = {.op = KEEPER_SIGN_CHECKPOINT, .text = text.data, .text_len = text.len};
	int which = -1;
	if (ask(k, &r, &note) == 0) {
		struct note nt;
		struct note_verifier v[3];
		int ok[3] = {0, 0, 0};
		size_t good = 0;
		note_verifier_from_signer(&v[0], &us_old.sign, NOTE_ED25519);
		note_verifier_from_signer(&v[1], &us_new.sign, NOTE_ED25519);
		note_verifier_from_signer(&v[2], &us_3.sign, NOTE_ED25519);
		CHECK(note_parse(&nt, note.data, note.len) == 0);
		CHECK(note_check_sigs(&nt, v, 3, ok, NULL, &good) == 0);
		CHECK(nt.nsigs == good); /* no other line */
		which = ok[0] | ok[1] << 1 | ok[2] << 2;
		note_release(&nt);
	}
	buf_release(&text);
	buf_release(&note);
	return which;
}

/* ru's empty checkpoint signed by key, cosigned by the keeper: which us cosigner key signed (1 old, 2 new); -1 refused. */
static int cosign_empty(struct keeper *k, const struct keyfile *key)
{
	struct checkpoint cp;
	struct buf note, line;
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", RU_LOG);
	merkle_empty_root(cp.root);
	buf_init(&note, 1024);
	buf_init(&line, 1024);
	CHECK(checkpoint_sign(&cp, &key->sign, &note) == 0);
	struct keeper_request r = {.op = KEEPER_COSIGN, .text = note.data, .text_len = note.len};
	int which = -1;
	if (ask(k, &r, &line) == 0) {
		struct note nt;
		struct note_signer s;
		struct note_verifier v[2];
		int ok[2] = {0, 0};
		size_t good = 0;
		CHECK(note_signer_retype(&s, &us_old.sign, NOTE_COSIGNATURE) == 0);
		note_verifier_from_signer(&v[0], &s, NOTE_COSIGNATURE);
		note_signer_release(&s);
		CHECK(note_signer_retype(&s, &us_new.sign, NOTE_COSIGNATURE) == 0);
		note_verifier_from_signer(&v[1], &s, NOTE_COSIGNATURE);
		note_signer_release(&s);
		CHECK(buf_append(&note, line.data, line.len) == 0);
		CHECK(note_parse(&nt, note.data, note.len) == 0);
		CHECK(note_check_sigs(&nt, v, 2, ok, NULL, &good) == 0 && good == 1);
		which = ok[0] | ok[1] << 1;
		note_release(&nt);
	}
	buf_release(&note);
	buf_release(&line);
	return which;
}

static struct keeper *open_keeper(const char *dir)
{
	struct keeper *k = NULL;
	CHECK(keeper_open(&k, dir) == 0);
	if (k)
		keeper_set_handover(k, HANDOVER);
	return k;
}

static void signs_with_the_keys_in_force(void)
{
	char dir[PATH_MAX];
	int64_t now = (int64_t)time(NULL);
	struct { int64_t eff; int sign, cosign; } cases[] = {
		{now + 3600, 1, 1},           /* far before: the old key */
		{now + HANDOVER / 2, 3, 1},   /* within the hand-over, before: both sign; the old one cosigns */
		{now - HANDOVER / 2, 3, 2},   /* within, after: both sign; the new one cosigns */
		{now - 3600, 2, 2},           /* far after: the new key alone */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		node_dir(dir, sizeof dir, "keeper-rot");
		write_rotation(dir, "us", &us_new, cases[i].eff);
		put_next(dir);
		struct keeper *k = open_keeper(dir);
		CHECK(k && sign_empty(k) == cases[i].sign);
		CHECK(k && cosign_empty(k, &ru_old) == cases[i].cosign);
		keeper_close(k);
		/* a restart of the keeper with the new key moved over node.key: the same */
		char from[PATH_MAX + 32], to[PATH_MAX + 32];
		snprintf(from, sizeof from, "%s/node.key.next", dir);
		snprintf(to, sizeof to, "%s/node.key", dir);
		CHECK(rename(from, to) == 0);
		k = open_keeper(dir);
		/* without the old key: only the new one signs, and nothing while the old one alone is in force */
		int only_new = cases[i].sign & 2 ? 2 : -1, cos_new = cases[i].cosign == 2 ? 2 : -1;
		CHECK(k && sign_empty(k) == only_new);
		CHECK(k && cosign_empty(k, &ru_old) == cos_new);
		keeper_close(k);
	}
}

static void refuses_without_the_new_key(void)
{
	char dir[PATH_MAX];
	node_dir(dir, sizeof dir, "keeper-rot");
	write_rotation(dir, "us", &us_new, (int64_t)time(NULL) - 3600);
	struct keeper *k = open_keeper(dir);
	CHECK(k && sign_empty(k) == -1);
	CHECK_MSG("node.key.next");
	CHECK(k && cosign_empty(k, &ru_old) == -1);
	keeper_close(k);
	/* a node.key that is none of our keys is refused at start; a node.key.next of another name too */
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/node.key", dir);
	CHECK(keyfile_write(&fbi, path) == 0 || (unlink(path) == 0 && keyfile_write(&fbi, path) == 0));
	CHECK(keeper_open(&k, dir) == ERR_USAGE && k == NULL);
	CHECK_MSG("not a node key of any party");
	unlink(path);
	CHECK(keyfile_write(&us_old, path) == 0);
	snprintf(path, sizeof path, "%s/node.key.next", dir);
	CHECK(keyfile_write(&ru_new, path) == 0);
	CHECK(keeper_open(&k, dir) == ERR_USAGE && k == NULL);
	CHECK_MSG("a rotated node key keeps the name");
}

static void reload_only_grows(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 32];
	struct buf out;
	buf_init(&out, 4096);
	node_dir(dir, sizeof dir, "keeper-rot");
	struct keeper *k = open_keeper(dir);
	CHECK(k && sign_empty(k) == 1);
	/* the amendment and the new key arrive while the keeper runs: RELOAD takes both */
	write_rotation(dir, "us", &us_new, (int64_t)time(NULL) - 3600);
	put_next(dir);
	CHECK(k && sign_empty(k) == 1); /* not before RELOAD */
	struct keeper_request r = {.op = KEEPER_RELOAD};
	CHECK(k && ask(k, &r, &out) == 0);
	CHECK(strstr((const char *)out.data, "\nkey ") != NULL);
	CHECK(k && sign_empty(k) == 2);
	/* an amendment taken away on disk: refused, the keeper keeps its own */
	snprintf(path, sizeof path, "%s/amendments/0001", dir);
	CHECK(unlink(path) == 0);
	CHECK(k && ask(k, &r, &out) == ERR_VERIFY);
	CHECK_MSG("fewer than the 1 the keeper has");
	CHECK(k && sign_empty(k) == 2);
	keeper_close(k);
	buf_release(&out);
}

static void peer_rotation(void)
{
	char dir[PATH_MAX];
	node_dir(dir, sizeof dir, "keeper-rot");
	write_rotation(dir, "ru", &ru_new, (int64_t)time(NULL) - 3600);
	struct keeper *k = open_keeper(dir);
	/* the mirror holds ru's checkpoint by its old key (made before): still ru's; a new one by the old key is not */
	CHECK(k && cosign_empty(k, &ru_old) == -1);
	CHECK_MSG("with a key in force now");
	CHECK(k && cosign_empty(k, &ru_new) == 1);
	CHECK(k && sign_empty(k) == 1); /* our own key did not change */
	keeper_close(k);
}

/* 1 if the keeper's status (a RELOAD's answer) lists key as held. */
static int status_holds(const struct buf *status, const struct keyfile *key)
{
	char v[600], line[640];
	vkey(key, v, sizeof v);
	snprintf(line, sizeof line, "\nkey %s\n", v);
	return status->len && memmem(status->data, status->len, line, strlen(line)) != NULL;
}

/*
 * Hostile review (node-key rotation): a second rotation without a restart.
 * The keeper holds node.key (us_old) and the first rotation's node.key.next
 * (us_new); the operator puts the third key at node.key.next and posts the
 * second amendment. RELOAD used to ignore the file once two keys were held,
 * so the node refused the amendment saying "put it at node.key.next", where it
 * was. Now a held key retired longer than the hand-over (and the 'received'
 * skew) ago makes room; with none to drop, RELOAD says so and what to do.
 */
static void second_rotation_without_restart(void)
{
	char dir[PATH_MAX];
	struct buf out;
	buf_init(&out, 8192);
	node_dir(dir, sizeof dir, "keeper-rot");
	write_rotation(dir, "us", &us_new, (int64_t)time(NULL) - 3600);
	put_next(dir);
	struct keeper *k = open_keeper(dir);
	CHECK(k && sign_empty(k) == 2);
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/node.key.next", dir);
	CHECK(unlink(path) == 0 && keyfile_write(&us_3, path) == 0);
	struct keeper_request r = {.op = KEEPER_RELOAD};
	CHECK(k && ask(k, &r, &out) == 0);
	CHECK(status_holds(&out, &us_3) && status_holds(&out, &us_new) && !status_holds(&out, &us_old));
	write_rotation_after(dir, "us", &us_3, (int64_t)time(NULL) + HANDOVER / 2, &us_new);
	CHECK(k && ask(k, &r, &out) == 0);
	CHECK(k && sign_empty(k) == (2 | 4)); /* within the second hand-over: us_new and us_3 */
	keeper_close(k);
	/* both held keys still needed (us_new in force, us_3 named): a fourth key has no room, and RELOAD says so */
	struct keyfile us_4;
	CHECK(keyfile_generate(&us_4, US_LOG) == 0);
	k = open_keeper(dir); /* node.key us_old (retired), node.key.next us_3 */
	CHECK(k && ask(k, &r, &out) == 0);
	keeper_close(k);
	snprintf(path, sizeof path, "%s/node.key", dir);
	CHECK(unlink(path) == 0 && keyfile_write(&us_new, path) == 0);
	k = open_keeper(dir); /* node.key us_new (in force), node.key.next us_3 (named) */
	snprintf(path, sizeof path, "%s/node.key.next", dir);
	CHECK(unlink(path) == 0 && keyfile_write(&us_4, path) == 0);
	CHECK(k && ask(k, &r, &out) == ERR_LIMIT);
	CHECK_MSG("restart");
	CHECK(k && sign_empty(k) == (2 | 4)); /* the keys it held, unchanged */
	keeper_close(k);
	keyfile_release(&us_4);
	buf_release(&out);
}

int main(void)
{
	setup();
	RUN(signs_with_the_keys_in_force);
	RUN(refuses_without_the_new_key);
	RUN(reload_only_grows);
	RUN(peer_rotation);
	RUN(second_rotation_without_restart);
	keyfile_release(&us_old);
	keyfile_release(&us_new);
	keyfile_release(&ru_old);
	keyfile_release(&ru_new);
	keyfile_release(&fbi);
	keyfile_release(&fsb);
	charter_release(&charter);
	buf_release(&charter_file);
	CHECK_EXIT();
}
