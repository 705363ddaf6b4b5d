/*
 * Amendments and the charter history (docs/amendments.md): every kind of
 * change, signatures (none, some, foreign, the new node key's), the chain's
 * rules, and envelopes judged under the charter in force at their time.
 */
#include "exchange/amendment.h"
#include "exchange/history.h"
#include "cases_fixture.h"

#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

static struct fx x;
static struct fx_who new_fbi, new_us_node, outsider, new_witness, ch_witness, us_cia;

#define EFF1 (T0 + 10 * DAY)
#define EFF2 (T0 + 20 * DAY)

/* text with the first line starting with prefix replaced (NULL: dropped), or appended after the line starting with after. */
static void edit(struct buf *t, const char *prefix, const char *replacement)
{
	struct buf out;
	buf_init(&out, AMENDMENT_MAX_SIZE * 2);
	const char *s = (const char *)t->data, *end = s + t->len;
	int done = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)(nl - s) + 1;
		if (!done && !strncmp(s, prefix, strlen(prefix))) {
			done = 1;
			if (replacement)
				buf_printf(&out, "%s\n", replacement);
		} else {
			buf_append(&out, s, n);
		}
		s += n;
	}
	CHECK(done);
	buf_reset(t);
	buf_append(t, out.data, out.len);
	buf_release(&out);
}

/* The next amendment's draft for h, effective at t, without its comment lines. */
static void draft(const struct charter_history *h, int64_t t, struct buf *out)
{
	struct buf d;
	buf_init(&d, AMENDMENT_MAX_SIZE * 2);
	struct amendment_base b = history_base(h);
	CHECK(amendment_draft(&b, t, "test", &d) == 0);
	buf_reset(out);
	CHECK(syntax_strip_draft(out, (const char *)d.data, d.len) == 0);
	buf_release(&d);
}

/* Signs the draft text with each key in turn (through the parser each time, as `parley charter sign` does). */
static int sign_all(const struct charter_history *h, struct buf *t, const struct note_signer *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct amendment a;
		struct buf out;
		int rc = amendment_parse(&a, t->data, t->len);
		if (rc)
			return rc;
		struct amendment_base b = history_base(h);
		buf_init(&out, AMENDMENT_MAX_SIZE * 2);
		rc = amendment_sign(&a, &b, keys[i], &out);
		if (!rc) {
			buf_reset(t);
			buf_append(t, out.data, out.len);
		}
		buf_release(&out);
		amendment_release(&a);
		if (rc)
			return rc;
	}
	return 0;
}

static const struct note_signer *both_nodes[2];

static int add(struct charter_history *h, struct buf *t)
{
	return history_add(h, t->data, t->len, NULL);
}

/* An envelope from agency 'from' signed by key at time t, checked under the charter in force at t. */
static int envelope_at(const struct charter_history *h, const char *from, const struct note_signer *key, int64_t t)
{
	struct envelope_fields f;
	struct buf text, note;
	struct envelope e;
	fx_fields(&x, &f, from, "ru.fsb", CASE_A, ENV_NOTICE, t);
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	CHECK(envelope_format(&f, &text) == 0);
	CHECK(note_sign(&note, (const char *)text.data, text.len, key, 1, 0) == 0);
	int rc = envelope_parse(&e, note.data, note.len);
	if (!rc) {
		rc = envelope_verify(&e, history_at(h, t));
		envelope_release(&e);
	}
	buf_release(&text);
	buf_release(&note);
	return rc;
}

static void rotate_fbi(struct charter_history *h, struct buf *t)
{
	char line[1200];
	draft(h, EFF1, t);
	snprintf(line, sizeof line, "agency: us.fbi %s %s", new_fbi.vkey, new_fbi.rcpt);
	edit(t, "agency: us.fbi ", line);
}

static void agency_key_rotation_judged_by_time(void)
{
	struct charter_history h;
	struct buf t;
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);
	rotate_fbi(&h, &t);
	CHECK(sign_all(&h, &t, both_nodes, 2) == 0);
	int added = 0;
	CHECK(history_add(&h, t.data, t.len, &added) == 0 && added == 1);
	CHECK(h.n == 1);
	/* the old key before the amendment, the new one after; each refused on the other side */
	CHECK(envelope_at(&h, "us.fbi", &x.us_fbi.sign, EFF1 - 1) == 0);
	CHECK(envelope_at(&h, "us.fbi", &x.us_fbi.sign, EFF1) == ERR_VERIFY);
	CHECK(envelope_at(&h, "us.fbi", &new_fbi.sign, EFF1) == 0);
	CHECK(envelope_at(&h, "us.fbi", &new_fbi.sign, EFF1 - 1) == ERR_VERIFY);
	/* the channel id stays the founding charter's */
	CHECK(!memcmp(history_at(&h, EFF1)->id, x.charter.id, 32));
	CHECK_STR(history_at(&h, EFF1)->id_hex, x.charter.id_hex);
	CHECK(history_at(&h, EFF1 - 1) == &x.charter && history_latest(&h) == history_at(&h, EFF1 + 1));
	/* the same amendment again changes nothing */
	CHECK(history_add(&h, t.data, t.len, &added) == 0 && added == 0 && h.n == 1);
	history_release(&h);
	buf_release(&t);
}

static void unsigned_and_partly_signed_refused(void)
{
	struct charter_history h;
	struct buf t;
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);
	rotate_fbi(&h, &t);
	CHECK(add(&h, &t) == ERR_VERIFY);
	CHECK_MSG("not signed by us (its node key), ru (its node key)");
	CHECK(sign_all(&h, &t, both_nodes, 1) == 0);
	CHECK(add(&h, &t) == ERR_VERIFY);
	CHECK_MSG("not signed by ru (its node key)");
	CHECK(h.n == 0);
	/* signing twice with one key, and with a key that is no signer's */
	CHECK(sign_all(&h, &t, both_nodes, 1) == ERR_CONFLICT);
	const struct note_signer *o[1] = {&outsider.sign};
	CHECK(sign_all(&h, &t, o, 1) == ERR_USAGE);
	CHECK(sign_all(&h, &t, both_nodes + 1, 1) == 0);
	CHECK(add(&h, &t) == 0 && h.n == 1);
	history_release(&h);
	buf_release(&t);
}

static void foreign_signature_refused(void)
{
	struct charter_history h;
	struct buf t, text;
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	buf_init(&text, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);
	rotate_fbi(&h, &t);
	CHECK(sign_all(&h, &t, both_nodes, 2) == 0);
	/* a third line by a key the amendment does not name */
	struct note n;
	CHECK(note_parse(&n, t.data, t.len) == 0);
	buf_append(&text, n.data, n.text_len);
	note_release(&n);
	CHECK(note_sign_line(&t, (const char *)text.data, text.len, &outsider.sign, 0) == 0);
	CHECK(add(&h, &t) == ERR_VERIFY);
	CHECK_MSG("not a key that signs it");
	/* a signature line altered */
	CHECK(sign_all(&h, &text, both_nodes, 2) == 0);
	size_t at = text.len - 10;
	text.data[at] = text.data[at] == 'A' ? 'B' : 'A';
	CHECK(add(&h, &text) == ERR_VERIFY);
	CHECK(h.n == 0);
	history_release(&h);
	buf_release(&t);
	buf_release(&text);
}

static void node_key_rotation_needs_the_new_key(void)
{
	struct charter_history h;
	struct buf t;
	char line[1200];
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);
	draft(&h, EFF1, &t);
	snprintf(line, sizeof line, "party: us https://us2.parley.example %s", new_us_node.vkey);
	edit(&t, "party: us ", line);
	CHECK(sign_all(&h, &t, both_nodes, 2) == 0);
	CHECK(add(&h, &t) == ERR_VERIFY);
	CHECK_MSG("not signed by us (its new node key)");
	const struct note_signer *n[1] = {&new_us_node.sign};
	CHECK(sign_all(&h, &t, n, 1) == 0);
	CHECK(add(&h, &t) == 0);
	CHECK_STR(history_latest(&h)->parties[0].url, "https://us2.parley.example");
	CHECK(!memcmp(history_latest(&h)->parties[0].node_key.pub, new_us_node.sign.pub, 32));
	/* the next amendment is signed by the new key, not the old */
	draft(&h, EFF2, &t);
	edit(&t, "ack: ", "ack: 48h");
	const struct note_signer *old_us[1] = {&x.us_node.sign}, *now[2] = {&new_us_node.sign, &x.ru_node.sign};
	CHECK(sign_all(&h, &t, old_us, 1) == ERR_USAGE);
	CHECK(sign_all(&h, &t, now, 2) == 0);
	CHECK(add(&h, &t) == 0 && h.n == 2);
	CHECK(history_at(&h, EFF2)->ack == 48 * HOUR && history_at(&h, EFF2 - 1)->ack == 24 * HOUR);
	history_release(&h);
	buf_release(&t);
}

/* One amendment changing what edit does; returns the charter in force after it (valid until the history is released). */
static const struct charter *amend_one(struct charter_history *h, struct buf *t, const char *prefix,
				       const char *replacement)
{
	draft(h, EFF1, t);
	edit(t, prefix, replacement);
	CHECK(sign_all(h, t, both_nodes, 2) == 0);
	int rc = add(h, t);
	CHECK(rc == 0);
	if (rc)
		fprintf(stderr, "  %s\n", err_msg());
	return history_latest(h);
}

static void every_kind_of_change(void)
{
	struct charter_history h;
	struct buf t;
	char line[2400];
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	const struct charter *c;

	history_init(&h, &x.charter); /* an agency added */
	snprintf(line, sizeof line, "agency: us.fbi %s %s\nagency: us.cia %s %s", x.us_fbi.vkey, x.us_fbi.rcpt, us_cia.vkey,
		 us_cia.rcpt);
	c = amend_one(&h, &t, "agency: us.fbi ", line);
	CHECK(charter_agency(c, "us.cia", 6) && !charter_agency(&x.charter, "us.cia", 6));
	CHECK(envelope_at(&h, "us.cia", &us_cia.sign, EFF1) == 0);
	CHECK(envelope_at(&h, "us.cia", &us_cia.sign, EFF1 - 1) != 0);
	history_release(&h);

	history_init(&h, &x.charter); /* an agency removed */
	c = amend_one(&h, &t, "agency: us.doj ", NULL);
	CHECK(!charter_agency(c, "us.doj", 6) && c->nagencies == 3);
	CHECK(envelope_at(&h, "us.doj", &x.us_doj.sign, EFF1 - 60) == 0);
	CHECK(envelope_at(&h, "us.doj", &x.us_doj.sign, EFF1 + 60) != 0);
	history_release(&h);

	history_init(&h, &x.charter); /* a witness's key rotated */
	snprintf(line, sizeof line, "witness: un.witness https://un.example %s", new_witness.vkey);
	c = amend_one(&h, &t, "witness: ", line);
	CHECK(!memcmp(charter_witness(c, "un.witness")->key.pub, new_witness.sign.pub, 32));
	history_release(&h);

	history_init(&h, &x.charter); /* the witness removed, the quorum with it */
	c = amend_one(&h, &t, "witness: ", NULL);
	CHECK(c->nwitnesses == 0 && !charter_witness(c, "un.witness"));
	history_release(&h);

	history_init(&h, &x.charter); /* a second witness and a quorum of two */
	snprintf(line, sizeof line, "witness: un.witness https://un.example %s\nwitness: ch.witness https://ch.example %s",
		 x.un.vkey, ch_witness.vkey);
	draft(&h, EFF1, &t);
	edit(&t, "witness: ", line);
	edit(&t, "reporting-period: ", "reporting-period: 30d\nwitness-quorum: 2\nheartbeat: 30m");
	CHECK(sign_all(&h, &t, both_nodes, 2) == 0);
	CHECK(add(&h, &t) == 0);
	c = history_latest(&h);
	CHECK(c->nwitnesses == 2 && c->witness_quorum == 2 && c->heartbeat == 1800);
	CHECK(x.charter.witness_quorum == CHARTER_DEFAULT_QUORUM && x.charter.heartbeat == CHARTER_DEFAULT_HEARTBEAT);
	history_release(&h);

	history_init(&h, &x.charter); /* deadlines */
	c = amend_one(&h, &t, "urgent-ack: ", "urgent-ack: 2h");
	CHECK(c->urgent_ack == 2 * HOUR && x.charter.urgent_ack == 4 * HOUR);
	history_release(&h);

	history_init(&h, &x.charter); /* the term renewed */
	c = amend_one(&h, &t, "term: ", "term: 2021-07-09T00:00:00Z 2022-07-09T00:00:00Z");
	CHECK(c->term_end == x.charter.term_end + 181 * DAY);
	history_release(&h);

	history_init(&h, &x.charter); /* a profile enabled */
	c = amend_one(&h, &t, "profiles: ", "profiles: cyber-mla aid-crossing");
	CHECK(c->profiles == (CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING));
	history_release(&h);
	buf_release(&t);
}

/* The roster: every agency and witness ever named, at indices that never change. */
static void roster_keeps_indices(void)
{
	struct charter_history h;
	struct buf t;
	char line[2400];
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);
	CHECK(history_roster(&h) == &x.charter);
	snprintf(line, sizeof line, "agency: us.fbi %s %s\nagency: us.cia %s %s", x.us_fbi.vkey, x.us_fbi.rcpt, us_cia.vkey,
		 us_cia.rcpt);
	amend_one(&h, &t, "agency: us.fbi ", line); /* us.cia added (after us.fbi in the charter's text) */
	draft(&h, EFF2, &t);                         /* then us.doj removed, and the witness */
	edit(&t, "agency: us.doj ", NULL);
	edit(&t, "witness: ", NULL);
	CHECK(sign_all(&h, &t, both_nodes, 2) == 0);
	CHECK(add(&h, &t) == 0);
	const struct charter *r = history_roster(&h);
	CHECK(r->nagencies == 5 && r->nwitnesses == 1);
	for (size_t i = 0; i < x.charter.nagencies; i++) /* the founding charter's at their indices */
		CHECK_STR(r->agencies[i].name, x.charter.agencies[i].name);
	CHECK_STR(r->agencies[4].name, "us.cia");
	CHECK(charter_agency(r, "us.doj", 6) == &r->agencies[1] && !charter_agency(history_latest(&h), "us.doj", 6));
	CHECK(charter_cosigner_index(r, WITNESS) == (int)x.charter.nparties);
	CHECK(r->text.len == 0 && !memcmp(r->id, x.charter.id, 32) && r->ack == history_latest(&h)->ack);
	history_release(&h);
	buf_release(&t);
}

static void chain_rules(void)
{
	struct charter_history h;
	struct buf t, first, other;
	char hdr[200];
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	buf_init(&first, AMENDMENT_MAX_SIZE * 2);
	buf_init(&other, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);

	struct {
		const char *prefix, *replacement, *msg;
	} bad[] = {
		{"channel: ", "channel: 0000000000000000000000000000000000000000000000000000000000000000", "channel is not"},
		{"number: ", "number: 2", "next amendment of this channel is number 1"},
		{"number: ", "number: 01", "without leading zeros"},
		{"previous: ", "previous: 1111111111111111111111111111111111111111111111111111111111111111", "previous must be"},
		{"party: ru ", "party: xx https://ru.parley.example", NULL},
		{"effective: ", "effective: 2021-07-09", "effective"},
		{"reason: ", NULL, NULL}, /* reason is optional: valid */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		draft(&h, EFF1, &t);
		edit(&t, bad[i].prefix, bad[i].replacement);
		int rc = sign_all(&h, &t, both_nodes, 2);
		if (!rc)
			rc = add(&h, &t);
		if (i == sizeof bad / sizeof bad[0] - 1) {
			CHECK(rc == 0);
			break;
		}
		CHECK(rc == ERR_FORMAT);
		if (bad[i].msg)
			CHECK_MSG(bad[i].msg);
		CHECK(h.n == 0);
	}
	history_release(&h);
	history_init(&h, &x.charter);

	/* a party renamed, and a log renamed: refused */
	draft(&h, EFF1, &t);
	snprintf(hdr, sizeof hdr, "party: ur https://ru.parley.example ");
	{
		char line[1200];
		snprintf(line, sizeof line, "party: ur https://ru.parley.example %s", x.ru_node.vkey);
		edit(&t, "party: ru ", line);
		edit(&t, "agency: ru.fsb ", NULL);
		edit(&t, "agency: ru.gp ", NULL);
	}
	CHECK(sign_all(&h, &t, both_nodes, 2) == ERR_FORMAT);
	CHECK_MSG("must stay 'ru'");

	/* amendment 1, then another amendment 1: two histories */
	rotate_fbi(&h, &first);
	CHECK(sign_all(&h, &first, both_nodes, 2) == 0);
	draft(&h, EFF1, &other);
	edit(&other, "ack: ", "ack: 12h");
	struct buf half; /* another amendment 1 signed by us alone: not a second history, only incomplete */
	buf_init(&half, AMENDMENT_MAX_SIZE * 2);
	buf_append(&half, other.data, other.len);
	CHECK(sign_all(&h, &half, both_nodes, 1) == 0);
	CHECK(sign_all(&h, &other, both_nodes, 2) == 0);
	CHECK(add(&h, &first) == 0);
	CHECK(add(&h, &half) == ERR_VERIFY);
	CHECK_MSG("amendment 1 is not signed by ru (its node key)");
	buf_release(&half);
	CHECK(add(&h, &other) == ERR_CONFLICT);
	CHECK_MSG("two amendments number 1");

	/* number 2 must take effect later than number 1 */
	draft(&h, EFF1, &t);
	edit(&t, "ack: ", "ack: 12h");
	CHECK(sign_all(&h, &t, both_nodes, 2) == ERR_FORMAT);
	CHECK_MSG("later than amendment 1");
	draft(&h, EFF2, &t);
	edit(&t, "ack: ", "ack: 12h");
	CHECK(sign_all(&h, &t, both_nodes, 2) == 0);

	/* given out of order, added in order; a gap is named */
	struct charter_history h2;
	history_init(&h2, &x.charter);
	CHECK(add(&h2, &t) == ERR_NOTFOUND);
	CHECK_MSG("amendment 1, which is missing");
	const uint8_t *data[2] = {t.data, first.data};
	size_t len[2] = {t.len, first.len};
	CHECK(history_add_all(&h2, data, len, 2) == 0 && h2.n == 2);
	CHECK(history_at(&h2, EFF2)->ack == 12 * HOUR && history_at(&h2, EFF2 - 1)->ack == 24 * HOUR);
	CHECK(history_amendment_at(&h2, EFF1)->number == 1 && history_amendment_at(&h2, EFF2 + 5)->number == 2);
	CHECK(history_amendment_at(&h2, EFF1 - 1) == NULL);
	history_release(&h2);
	history_release(&h);
	buf_release(&t);
	buf_release(&first);
	buf_release(&other);
}

static void malformed_refused(void)
{
	struct amendment a;
	struct buf t;
	buf_init(&t, AMENDMENT_MAX_SIZE * 4);
	struct charter_history h;
	history_init(&h, &x.charter);
	CHECK(amendment_parse(&a, NULL, 0) == ERR_FORMAT);
	CHECK(amendment_parse(&a, (const uint8_t *)"", 0) == ERR_FORMAT);
	CHECK(amendment_parse(&a, (const uint8_t *)"parley amendment v1\n", 20) == ERR_FORMAT);
	CHECK(amendment_parse(&a, (const uint8_t *)"parley charter v1\nname: x\n", 26) == ERR_FORMAT);
	CHECK_MSG("line 1");
	draft(&h, EFF1, &t);
	edit(&t, "effective: ", NULL);
	CHECK(amendment_parse(&a, t.data, t.len) == ERR_FORMAT);
	CHECK_MSG("'effective' is missing");
	draft(&h, EFF1, &t);
	edit(&t, "number: ", NULL);
	CHECK(amendment_parse(&a, t.data, t.len) == ERR_FORMAT);
	CHECK_MSG("'number' is missing");
	draft(&h, EFF1, &t);
	edit(&t, "reason: ", "reason: test\nreason: again");
	CHECK(amendment_parse(&a, t.data, t.len) == ERR_FORMAT);
	CHECK_MSG("out of order or repeated");
	draft(&h, EFF1, &t);
	char longer[AMENDMENT_REASON_MAX + 20];
	memset(longer, 'r', sizeof longer - 1);
	longer[sizeof longer - 1] = 0;
	memcpy(longer, "reason: ", 8);
	edit(&t, "reason: ", longer);
	CHECK(amendment_parse(&a, t.data, t.len) == ERR_FORMAT);
	draft(&h, EFF1, &t);
	edit(&t, "ack: ", "ack: soon");
	CHECK(amendment_parse(&a, t.data, t.len) == ERR_FORMAT);
	CHECK_MSG("the charter in it");
	draft(&h, EFF1, &t);
	while (t.len <= AMENDMENT_MAX_SIZE)
		buf_printf(&t, "# padding padding padding padding padding padding padding padding\n");
	CHECK(amendment_parse(&a, t.data, t.len) == ERR_LIMIT);
	/* a draft with comments is fine, its text is canonical */
	struct buf d;
	buf_init(&d, AMENDMENT_MAX_SIZE * 2);
	struct amendment_base b = history_base(&h);
	CHECK(amendment_draft(&b, EFF1, NULL, &d) == 0);
	CHECK(amendment_parse(&a, d.data, d.len) == 0);
	if (!a.text.len)
		CHECK(0);
	else {
		CHECK(a.number == 1 && a.effective == EFF1 && a.reason[0] == 0);
		/* the draft carries the charter in force, word for word */
		CHECK(a.charter.text.len == x.charter.text.len &&
		      !memcmp(a.charter.text.data, x.charter.text.data, x.charter.text.len));
		CHECK(amendment_is(a.text.data, a.text.len));
		amendment_release(&a);
	}
	CHECK(amendment_draft(&b, EFF1, "two\nlines", &d) == ERR_USAGE);
	/* a '#' line inside a signed amendment's charter: refused (found by fuzz_amendment: the same amendment
	   would have two texts, hence two ids) */
	draft(&h, EFF1, &t);
	edit(&t, "agency: ru.gp ", "#agency: ru.gp (a comment)");
	{
		struct buf signed_text;
		buf_init(&signed_text, AMENDMENT_MAX_SIZE * 2);
		buf_append(&signed_text, t.data, t.len);
		buf_append(&signed_text, "\n", 1);
		CHECK(note_sign_line(&signed_text, (const char *)t.data, t.len, &x.us_node.sign, 0) == 0);
		CHECK(amendment_parse(&a, signed_text.data, signed_text.len) == ERR_FORMAT);
		CHECK_MSG("a signed amendment holds no comment line");
		buf_release(&signed_text);
	}
	buf_release(&d);
	history_release(&h);
	buf_release(&t);
}

/* A copy of a history with no amendment yet (a node's first adoption), extended without touching the original. */
static void clone_of_empty_history(void)
{
	struct charter_history h, copy;
	struct buf t;
	buf_init(&t, AMENDMENT_MAX_SIZE * 2);
	history_init(&h, &x.charter);
	CHECK(history_clone(&copy, &h) == 0);
	rotate_fbi(&copy, &t);
	CHECK(sign_all(&copy, &t, both_nodes, 2) == 0);
	CHECK(add(&copy, &t) == 0);
	CHECK(copy.n == 1 && h.n == 0);
	history_release(&copy); /* the copy owns the amendment it added */
	history_release(&h);
	buf_release(&t);
}

/* An empty DIR/amendments/ (the node makes it at start) adds nothing; under UBSan it once passed NULL to qsort. */
static void empty_amendments_dir(void)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16];
	struct charter_history h;
	CHECK(check_tmpdir(dir, sizeof dir, "amend") == 0);
	snprintf(sub, sizeof sub, "%s/amendments", dir);
	CHECK(mkdir(sub, 0755) == 0);
	history_init(&h, &x.charter);
	CHECK(history_load_dir(&h, dir) == 0);
	CHECK(h.n == 0);
	history_release(&h);
	rmdir(sub);
	rmdir(dir);
}

/*
 * Hostile review (node-key rotation): a FIFO, a socket or a directory in
 * DIR/amendments/ (the network side writes there; the keeper reads it at start
 * and on RELOAD) is refused at once, naming it, instead of an open() that
 * waits for a writer forever: a keeper stuck there signs nothing, and the
 * node never starts again. The alarm turns the old hang into a failure.
 */
static void fifo_in_amendments_dir_refused(void)
{
	char dir[PATH_MAX], sub[PATH_MAX + 16], f[PATH_MAX + 32];
	struct charter_history h;
	CHECK(check_tmpdir(dir, sizeof dir, "amend") == 0);
	snprintf(sub, sizeof sub, "%s/amendments", dir);
	CHECK(mkdir(sub, 0755) == 0);
	snprintf(f, sizeof f, "%s/0001", sub);
	CHECK(mkfifo(f, 0644) == 0);
	history_init(&h, &x.charter);
	alarm(10);
	int rc = history_load_dir(&h, dir);
	alarm(0);
	CHECK(rc == ERR_IO);
	CHECK(strstr(err_msg(), "0001") && strstr(err_msg(), "not a regular file"));
	CHECK(h.n == 0);
	history_release(&h);
	unlink(f);
	rmdir(sub);
	rmdir(dir);
}

int main(void)
{
	fx_build(&x);
	fx_make(&new_fbi, "us.fbi", NOTE_ED25519);
	fx_make(&new_us_node, US_LOG, NOTE_ED25519);
	fx_make(&outsider, "xx.outsider", NOTE_ED25519);
	fx_make(&new_witness, WITNESS, NOTE_COSIGNATURE);
	fx_make(&us_cia, "us.cia", NOTE_ED25519);
	fx_make(&ch_witness, "ch.witness", NOTE_COSIGNATURE);
	both_nodes[0] = &x.us_node.sign;
	both_nodes[1] = &x.ru_node.sign;
	RUN(agency_key_rotation_judged_by_time);
	RUN(unsigned_and_partly_signed_refused);
	RUN(foreign_signature_refused);
	RUN(node_key_rotation_needs_the_new_key);
	RUN(every_kind_of_change);
	RUN(roster_keeps_indices);
	RUN(chain_rules);
	RUN(malformed_refused);
	RUN(clone_of_empty_history);
	RUN(empty_amendments_dir);
	RUN(fifo_in_amendments_dir_refused);
	return check_failures != 0;
}
