/*
 * Node-key rotation for stored checkpoints (issue 15; docs/amendments.md,
 * "Rotating a node key"): cosig_open_checkpoint on checkpoints signed here by
 * hand under a founding charter and an amendment rotating us's node key, and
 * the verifiers of stored checkpoints that follow it: receipts
 * (cosig_verify_proof), a full audit (tlog_audit_with), the log-set loader
 * (reports, `parley report verify`) on a fetch directory, and a bundle
 * written from it and loaded again.
 */
#include "cases_fixture.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "exchange/amendment.h"
#include "exchange/history.h"
#include "exchange/syntax.h"
#include "report/bundle.h"
#include "report/logset.h"
#include "tlog/store.h"

#include <sodium.h>
#include <stdlib.h>

#define EFF (T0 + 10 * DAY) /* the rotation's effective time: 2021-07-19T15:00:00Z */
#define EFF_TEXT "2021-07-19T15:00:00Z"

static struct fx x;
static struct fx_who new_us, outsider, stranger_ru;
static struct note_signer ru_cos, un_cos, forged_ru_cos;
static struct charter_history H; /* founding + the rotation */
static struct buf amendment;     /* its signed text */

/* The next amendment of h effective at t, us's node key replaced by new_us, signed by every key it needs. */
static void rotation(const struct charter_history *h, int64_t t, struct buf *out)
{
	struct buf d, text;
	struct amendment_base b = history_base(h);
	buf_init(&d, AMENDMENT_MAX_SIZE * 2);
	buf_init(&text, AMENDMENT_MAX_SIZE * 2);
	CHECK(amendment_draft(&b, t, "rotate us's node key", &d) == 0);
	CHECK(syntax_strip_draft(&text, (const char *)d.data, d.len) == 0);
	/* the party line with the new key */
	char line[1200];
	snprintf(line, sizeof line, "party: us https://us.parley.example %s\n", new_us.vkey);
	buf_reset(&d);
	const char *s = (const char *)text.data, *end = s + text.len;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)(nl - s) + 1;
		if (!strncmp(s, "party: us ", 10))
			CHECK(buf_append_str(&d, line) == 0);
		else
			CHECK(buf_append(&d, s, n) == 0);
		s += n;
	}
	const struct note_signer *keys[3] = {&x.us_node.sign, &x.ru_node.sign, &new_us.sign};
	for (int i = 0; i < 3; i++) {
		struct amendment a;
		CHECK(amendment_parse(&a, d.data, d.len) == 0);
		buf_reset(out);
		CHECK(amendment_sign(&a, &b, keys[i], out) == 0);
		amendment_release(&a);
		buf_reset(&d);
		CHECK(buf_append(&d, out->data, out->len) == 0);
	}
	buf_release(&d);
	buf_release(&text);
}

/*
 * A checkpoint of us's log at size (its root made up from the size), signed
 * by the log signers given, then cosigned by each cosigner at its time.
 */
static void signed_cp(struct buf *out, const char *origin, uint64_t size, const struct note_signer *const *logs,
		      size_t nlogs, const struct note_signer *const *cos, const int64_t *times, size_t ncos)
{
	struct checkpoint cp;
	struct buf text;
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", origin);
	cp.size = size;
	sha256(&size, sizeof size, cp.root);
	CHECK(checkpoint_format_text(&cp, &text) == 0);
	buf_reset(out);
	CHECK(buf_append(out, text.data, text.len) == 0 && buf_append(out, "\n", 1) == 0);
	for (size_t i = 0; i < nlogs; i++)
		CHECK(note_sign_line(out, (const char *)text.data, text.len, logs[i], 0) == 0);
	for (size_t i = 0; i < ncos; i++)
		CHECK(note_sign_line(out, (const char *)text.data, text.len, cos[i], (uint64_t)times[i]) == 0);
	buf_release(&text);
}

static int open_cp(const struct charter_history *h, const struct buf *b)
{
	struct checkpoint cp;
	return cosig_open_checkpoint(h, b->data, b->len, &cp);
}

static void cosig_open_checkpoint_follows_the_rotation(void)
{
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	const struct note_signer *old[1] = {&x.us_node.sign}, *now[1] = {&new_us.sign};
	const struct note_signer *both[2] = {&x.us_node.sign, &new_us.sign};
	const struct note_signer *ru[1] = {&ru_cos}, *un[1] = {&un_cos}, *forged[1] = {&forged_ru_cos};
	const struct note_signer *ru_un[2] = {&ru_cos, &un_cos};
	int64_t before[1] = {EFF - 100}, after[1] = {EFF + 100}, at[1] = {EFF}, mixed[2] = {EFF + 100, EFF - 1};

	/* the key in force: as it is, cosigned or not */
	signed_cp(&b, US_LOG, 20, now, 1, NULL, NULL, 0);
	CHECK(open_cp(&H, &b) == 0);
	signed_cp(&b, US_LOG, 20, now, 1, ru, after, 1);
	CHECK(open_cp(&H, &b) == 0);
	/* both keys around the rotation */
	signed_cp(&b, US_LOG, 20, both, 2, NULL, NULL, 0);
	CHECK(open_cp(&H, &b) == 0);
	/* the retired key with a cosignature from before its retirement (a node's, a witness's) */
	signed_cp(&b, US_LOG, 20, old, 1, ru, before, 1);
	CHECK(open_cp(&H, &b) == 0);
	signed_cp(&b, US_LOG, 20, old, 1, un, before, 1);
	CHECK(open_cp(&H, &b) == 0);
	/* ... one before among later ones is enough */
	signed_cp(&b, US_LOG, 20, old, 1, ru_un, mixed, 2);
	CHECK(open_cp(&H, &b) == 0);
	/* the retired key alone, or witnessed only at or after its retirement: refused, the retirement named */
	signed_cp(&b, US_LOG, 20, old, 1, NULL, NULL, 0);
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("signed by a node key retired at " EFF_TEXT ", and no cosignature shows it was signed before then");
	signed_cp(&b, US_LOG, 20, old, 1, ru, after, 1);
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("retired at " EFF_TEXT);
	signed_cp(&b, US_LOG, 20, old, 1, ru, at, 1);
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("retired at " EFF_TEXT);
	/* a "cosignature from before" that does not verify (a stranger's key named like ru's node) counts for nothing */
	signed_cp(&b, US_LOG, 20, old, 1, forged, before, 1);
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("retired at " EFF_TEXT);
	/* without the amendment, the founding key is the one in force */
	struct charter_history founding_only;
	history_init(&founding_only, &x.charter);
	signed_cp(&b, US_LOG, 20, old, 1, NULL, NULL, 0);
	CHECK(open_cp(&founding_only, &b) == 0);
	signed_cp(&b, US_LOG, 20, now, 1, NULL, NULL, 0);
	CHECK(open_cp(&founding_only, &b) == ERR_VERIFY);
	CHECK_MSG("not signed by any node key that log has had");
	history_release(&founding_only);
	/* a key that was never the party's, named like its log */
	const struct note_signer *out_[1] = {&outsider.sign};
	signed_cp(&b, US_LOG, 20, out_, 1, ru, before, 1);
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("checkpoint of '" US_LOG "' is not signed by any node key that log has had");
	/* another party's node key on us's log */
	const struct note_signer *ru_node[1] = {&x.ru_node.sign};
	signed_cp(&b, US_LOG, 20, ru_node, 1, NULL, NULL, 0);
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("not signed by any node key that log has had");
	/* a log that is no party's */
	signed_cp(&b, "xx.parley.example/log", 20, now, 1, NULL, NULL, 0);
	CHECK(open_cp(&H, &b) == ERR_NOTFOUND);
	CHECK_MSG("no party's log");
	/* a line by one of the log's keys that does not verify is fatal, even beside a good one */
	signed_cp(&b, US_LOG, 20, both, 2, NULL, NULL, 0);
	{
		/* the last line is new_us's: flip a character of its signature */
		size_t i = b.len - 3;
		b.data[i] = b.data[i] == 'A' ? 'B' : 'A';
	}
	CHECK(open_cp(&H, &b) == ERR_VERIFY);
	CHECK_MSG("does not verify");
	/* not a checkpoint at all */
	CHECK(cosig_open_checkpoint(&H, (const uint8_t *)"x\n\n", 3, &(struct checkpoint){0}) != 0);
	buf_release(&b);
}

/* A one-entry log's checkpoint (its root is the entry's leaf) signed by log, cosigned by cos at t (NULL: none). */
static void one_entry_cp(struct buf *out, const char *entry, const struct note_signer *log,
			 const struct note_signer *cos, int64_t t)
{
	struct checkpoint cp;
	struct buf text;
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", US_LOG);
	cp.size = 1;
	merkle_leaf_hash((const uint8_t *)entry, strlen(entry), cp.root);
	CHECK(checkpoint_format_text(&cp, &text) == 0);
	buf_reset(out);
	CHECK(buf_append(out, text.data, text.len) == 0 && buf_append(out, "\n", 1) == 0);
	CHECK(note_sign_line(out, (const char *)text.data, text.len, log, 0) == 0);
	if (cos)
		CHECK(note_sign_line(out, (const char *)text.data, text.len, cos, (uint64_t)t) == 0);
	buf_release(&text);
}

static int verify_receipt(const struct buf *cp, const char *entry, const char *cosigner, int64_t *t)
{
	struct tlog_proof p;
	struct checkpoint c;
	memset(&p, 0, sizeof p);
	p.checkpoint = cp->data;
	p.checkpoint_len = cp->len;
	return cosig_verify_proof(&H, &p, (const uint8_t *)entry, strlen(entry), US_LOG, cosigner, t, &c);
}

static void receipts_follow_the_rotation(void)
{
	struct buf b;
	int64_t t = 0;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	/* a receipt kept from before the rotation: the old key, ru's cosignature before it */
	one_entry_cp(&b, "entry 0", &x.us_node.sign, &ru_cos, EFF - 100);
	CHECK(verify_receipt(&b, "entry 0", RU_LOG, &t) == 0 && t == EFF - 100);
	CHECK(verify_receipt(&b, "entry 0", NULL, NULL) == 0);
	/* another entry, another log, a cosigner absent */
	CHECK(verify_receipt(&b, "entry 1", RU_LOG, &t) == ERR_VERIFY);
	CHECK_MSG("not in checkpoint 1");
	CHECK(verify_receipt(&b, "entry 0", WITNESS, &t) == ERR_VERIFY);
	CHECK_MSG("has no cosignature by " WITNESS " that counts");
	/* the old key cosigned only after the rotation: no receipt */
	one_entry_cp(&b, "entry 0", &x.us_node.sign, &ru_cos, EFF + 100);
	CHECK(verify_receipt(&b, "entry 0", RU_LOG, &t) == ERR_VERIFY);
	CHECK_MSG("retired at " EFF_TEXT);
	/* the new key, cosigned after */
	one_entry_cp(&b, "entry 0", &new_us.sign, &ru_cos, EFF + 100);
	CHECK(verify_receipt(&b, "entry 0", RU_LOG, &t) == 0 && t == EFF + 100);
	/* a cosignature line by a stranger's key named like ru's node counts for nothing */
	one_entry_cp(&b, "entry 0", &new_us.sign, &forged_ru_cos, EFF + 100);
	CHECK(verify_receipt(&b, "entry 0", RU_LOG, &t) == ERR_VERIFY);
	CHECK_MSG("has no cosignature by " RU_LOG " that counts");
	buf_release(&b);
}

/* ---- the log-set loader and a bundle, on a fetch directory ---- */

static char D[4096], B[4200];

static void write_rel(const char *rel, const struct buf *b)
{
	char path[4400];
	snprintf(path, sizeof path, "%s/%s", D, rel);
	CHECK(file_write_atomic(path, b->data, b->len, 0644, 0) == 0);
}

/* A checkpoint of log t at size, signed by log, cosigned by cos at time (0x04 signers), into D/rel. */
static void kept(const char *rel, struct tlog *t, uint64_t size, const struct note_signer *log,
		 const struct note_signer *cos, int64_t time)
{
	struct checkpoint cp;
	struct buf text, note;
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	memset(&cp, 0, sizeof cp);
	snprintf(cp.origin, sizeof cp.origin, "%s", US_LOG);
	cp.size = size;
	CHECK(tlog_root_at(t, size, cp.root) == 0);
	CHECK(checkpoint_format_text(&cp, &text) == 0);
	CHECK(buf_append(&note, text.data, text.len) == 0 && buf_append(&note, "\n", 1) == 0);
	CHECK(note_sign_line(&note, (const char *)text.data, text.len, log, 0) == 0);
	if (cos)
		CHECK(note_sign_line(&note, (const char *)text.data, text.len, cos, (uint64_t)time) == 0);
	write_rel(rel, &note);
	buf_release(&text);
	buf_release(&note);
}

/* tlog_audit_with's judge: a checkpoint of us's log under H (as `parley demo`'s audits judge). */
static int open_us(void *ctx, const uint8_t *note, size_t len, struct checkpoint *cp)
{
	(void)ctx;
	int rc = cosig_open_checkpoint(&H, note, len, cp);
	return rc ? rc : strcmp(cp->origin, US_LOG) ? ERR_VERIFY : 0;
}

static int load(const char *dir, struct logset **out)
{
	struct logset_options o = {0, 0, 2};
	*out = malloc(sizeof **out);
	int rc = logset_open(*out, dir, &o);
	if (rc) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static void loader_and_bundle_follow_the_rotation(void)
{
	struct buf charter, s1;
	struct charter draft, half;
	struct tlog *t[2];
	char path[4400];
	buf_init(&charter, CHARTER_MAX_SIZE + 8192);
	buf_init(&s1, CHARTER_MAX_SIZE + 8192);
	CHECK(charter_parse(&draft, x.charter.text.data, x.charter.text.len) == 0);
	CHECK(charter_sign(&draft, &x.us_node.sign, &s1) == 0);
	CHECK(charter_parse(&half, s1.data, s1.len) == 0 && charter_sign(&half, &x.ru_node.sign, &charter) == 0);
	charter_release(&draft);
	charter_release(&half);
	CHECK(check_tmpdir(D, sizeof D, "rotation") == 0);
	write_rel("charter", &charter);
	CHECK(history_save_dir(&H, D) == 0);
	/* the logs, each written under its founding key */
	const struct note_signer *keys[2] = {&x.us_node.sign, &x.ru_node.sign};
	const char *dirs[2] = {"logs/us", "logs/ru"};
	for (int l = 0; l < 2; l++) {
		snprintf(path, sizeof path, "%s/%s", D, dirs[l]);
		CHECK(mkdir_p(path, 0755) == 0 && tlog_create(path, keys[l]) == 0 && tlog_open(&t[l], path, keys[l]) == 0);
		for (size_t i = 0; i < x.logs[l].n; i++)
			CHECK(tlog_add(t[l], x.logs[l].e[i].data, x.logs[l].e[i].len, NULL) == 0);
		CHECK(tlog_commit(t[l]) == 0);
	}
	uint64_t n = x.logs[0].n;
	/* us's log after the rotation: its checkpoint signed by the new key; sizes 2 and 5 kept from before */
	snprintf(path, sizeof path, "%s/logs/us.checkpoints", D);
	CHECK(mkdir_p(path, 0755) == 0);
	kept("logs/us/checkpoint", t[0], n, &new_us.sign, NULL, 0);
	kept("logs/us.checkpoints/2", t[0], 2, &x.us_node.sign, &ru_cos, T0 + 600);
	kept("logs/us.checkpoints/5", t[0], 5, &x.us_node.sign, &un_cos, EFF - 1);
	/* a full audit of us's log: its checkpoint judged under the history (the founding key alone refuses it) */
	uint64_t audited = 0;
	snprintf(path, sizeof path, "%s/logs/us", D);
	CHECK(tlog_audit_with(path, open_us, NULL, &audited) == 0 && audited == n);
	CHECK(tlog_audit(path, &x.charter.parties[0].node_key, &audited) == ERR_VERIFY);
	struct logset *s;
	CHECK(load(D, &s) == 0);
	if (s) {
		CHECK(s->logs[0].present && s->logs[0].cp.size == n && s->logs[0].read == n);
		/* us 0-1 delivered by ru's cosignature on the old key's checkpoint of size 2 */
		int64_t when = 0;
		CHECK(cases_delivered_to(&s->cases, cases_entry(&s->cases, US_LOG, 1), 1, INT64_MAX, &when) &&
		      when == T0 + 600);
		/* a bundle of it: the old key's checkpoints go with it, and it loads again */
		snprintf(B, sizeof B, "%s/bundle", D);
		snprintf(path, sizeof path, "%s/charter", D);
		CHECK(bundle_write_logs(s, path, B) == 0);
		struct logset *s2;
		CHECK(load(B, &s2) == 0);
		if (s2) {
			CHECK(s2->logs[0].cp.size == n && s2->logs[1].cp.size == x.logs[1].n);
			when = 0;
			CHECK(cases_delivered_to(&s2->cases, cases_entry(&s2->cases, US_LOG, 1), 1, INT64_MAX, &when) &&
			      when == T0 + 600);
			logset_close(s2);
			free(s2);
		}
		bundle_discard(B);
		logset_close(s);
		free(s);
	}
	/* the retired key after its retirement: a checkpoint with only a later cosignature is refused */
	kept("logs/us.checkpoints/6", t[0], 6, &x.us_node.sign, &ru_cos, EFF + 60);
	CHECK(load(D, &s) == ERR_VERIFY);
	CHECK_MSG("us.checkpoints/6: not a checkpoint signed by us's node key");
	CHECK_MSG("retired at " EFF_TEXT);
	/* ... or none */
	kept("logs/us.checkpoints/6", t[0], 6, &x.us_node.sign, NULL, 0);
	CHECK(load(D, &s) == ERR_VERIFY);
	CHECK_MSG("retired at " EFF_TEXT);
	/* the log's own checkpoint by the retired key, long after: refused the same way */
	kept("logs/us.checkpoints/6", t[0], 6, &x.us_node.sign, &ru_cos, EFF - 60);
	CHECK(load(D, &s) == 0);
	if (s) {
		logset_close(s);
		free(s);
	}
	kept("logs/us/checkpoint", t[0], n, &x.us_node.sign, NULL, 0);
	CHECK(load(D, &s) == ERR_VERIFY);
	CHECK_MSG("us/checkpoint: not a checkpoint signed by us's node key");
	/* another party's log signed checkpoint put in us's place */
	kept("logs/us/checkpoint", t[0], n, &new_us.sign, NULL, 0);
	{
		struct buf b;
		buf_init(&b, CHECKPOINT_MAX_SIZE);
		const struct note_signer *ru_node[1] = {&x.ru_node.sign};
		signed_cp(&b, RU_LOG, 6, ru_node, 1, NULL, NULL, 0);
		write_rel("logs/us.checkpoints/6", &b);
		buf_release(&b);
	}
	CHECK(load(D, &s) == ERR_VERIFY);
	CHECK_MSG("not a checkpoint signed by us's node key");
	CHECK_MSG("log " RU_LOG);
	for (int l = 0; l < 2; l++)
		tlog_close(t[l]);
	buf_release(&charter);
	buf_release(&s1);
	check_rmtree(D);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	fx_build(&x);
	fx_make(&new_us, US_LOG, NOTE_ED25519);
	fx_make(&outsider, US_LOG, NOTE_ED25519);
	fx_make(&stranger_ru, RU_LOG, NOTE_ED25519);
	CHECK(note_signer_retype(&ru_cos, &x.ru_node.sign, NOTE_COSIGNATURE) == 0);
	CHECK(note_signer_retype(&un_cos, &x.un.sign, NOTE_COSIGNATURE) == 0);
	CHECK(note_signer_retype(&forged_ru_cos, &stranger_ru.sign, NOTE_COSIGNATURE) == 0);
	history_init(&H, &x.charter);
	buf_init(&amendment, AMENDMENT_MAX_SIZE * 2);
	rotation(&H, EFF, &amendment);
	int added = 0;
	CHECK(history_add(&H, amendment.data, amendment.len, &added) == 0 && added == 1);
	RUN(cosig_open_checkpoint_follows_the_rotation);
	RUN(receipts_follow_the_rotation);
	RUN(loader_and_bundle_follow_the_rotation);
	history_release(&H);
	buf_release(&amendment);
	note_signer_release(&ru_cos);
	note_signer_release(&un_cos);
	note_signer_release(&forged_ru_cos);
	note_signer_release(&new_us.sign);
	note_signer_release(&outsider.sign);
	note_signer_release(&stranger_ru.sign);
	fx_release(&x);
	CHECK_EXIT();
}
