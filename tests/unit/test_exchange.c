/* Charters and envelopes: every rule in docs/formats.md accepted or refused as it says. */
#include "base/err.h"
#include "crypto/age.h"
#include "crypto/sha256.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "check.h"

#include <sodium.h>
#include <stdio.h>

struct who {
	struct note_signer sign;
	struct age_identity age;
	char vkey[512];
	char rcpt[AGE_RECIPIENT_TEXT_MAX];
};

static struct who us_node, ru_node, us_fbi, us_doj, ru_fsb, ru_gp, outsider;
static struct buf charter_text;

static void make(struct who *w, const char *name)
{
	struct note_verifier v;
	struct age_recipient r;
	CHECK(note_signer_generate(&w->sign, name, NOTE_ED25519) == 0);
	CHECK(age_identity_generate(&w->age) == 0);
	note_verifier_from_signer(&v, &w->sign, NOTE_ED25519);
	note_verifier_format(&v, w->vkey, sizeof w->vkey);
	CHECK(age_recipient_from_identity(&r, &w->age) == 0);
	CHECK(age_recipient_encode(&r, w->rcpt) == 0);
}

/* The charter text with one line replaced (from: which line starts with prefix; to: replacement or NULL to drop). */
static void charter_variant(struct buf *out, const char *prefix, const char *replacement)
{
	buf_reset(out);
	const char *s = (const char *)charter_text.data, *end = s + charter_text.len;
	int done = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = (size_t)(nl - s) + 1;
		if (!done && prefix && !strncmp(s, prefix, strlen(prefix))) {
			done = 1;
			if (replacement)
				buf_printf(out, "%s\n", replacement);
		} else {
			buf_append(out, s, n);
		}
		s += n;
	}
}

static void setup(void)
{
	make(&us_node, "us.parley.example/log");
	make(&ru_node, "ru.parley.example/log");
	make(&us_fbi, "us.fbi");
	make(&us_doj, "us.doj");
	make(&ru_fsb, "ru.fsb");
	make(&ru_gp, "ru.gp");
	make(&outsider, "us.fbi"); /* same name, different key */
	buf_init(&charter_text, CHARTER_MAX_SIZE);
	buf_printf(&charter_text,
		   "parley charter v1\nname: Test channel\nlegal-basis: Test treaty (1999)\n"
		   "party: us https://us.parley.example %s\nparty: ru http://127.0.0.1:8402 %s\n"
		   "agency: us.fbi %s %s\nagency: us.doj %s %s\nagency: ru.fsb %s %s\nagency: ru.gp %s %s\n"
		   "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
		   "term: 2021-07-09T00:00:00Z 2022-01-09T00:00:00Z\nreporting-period: 30d\n",
		   us_node.vkey, ru_node.vkey, us_fbi.vkey, us_fbi.rcpt, us_doj.vkey, us_doj.rcpt, ru_fsb.vkey,
		   ru_fsb.rcpt, ru_gp.vkey, ru_gp.rcpt);
}

/* Parses text, expecting rc; on failure the message must contain msg. */
static int parse_expect(const struct buf *t, int want, const char *msg)
{
	struct charter *c = calloc(1, sizeof *c);
	int rc = charter_parse(c, t->data, t->len);
	if (rc != want || (msg && !strstr(err_msg(), msg))) {
		fprintf(stderr, "  charter: rc %d (want %d), message: %s\n", rc, want, err_msg());
		if (!rc)
			charter_release(c);
		free(c);
		return 0;
	}
	if (!rc)
		charter_release(c);
	free(c);
	return 1;
}

static void test_charter_draft_parses_and_signs(void)
{
	struct charter *c = calloc(1, sizeof *c);
	struct buf signed1, signed2;
	buf_init(&signed1, CHARTER_MAX_SIZE);
	buf_init(&signed2, CHARTER_MAX_SIZE);
	CHECK(charter_parse(c, charter_text.data, charter_text.len) == 0);
	CHECK_EQ_INT(c->nparties, 2);
	CHECK_EQ_INT(c->nagencies, 4);
	CHECK_EQ_INT(c->ack, 86400);
	CHECK(!charter_complete(c));
	CHECK(charter_sign(c, &us_node.sign, &signed1) == 0);
	CHECK(charter_sign(c, &us_fbi.sign, &signed2) == ERR_USAGE); /* not a node key */
	char id[65];
	memcpy(id, c->id_hex, sizeof id);
	charter_release(c);
	CHECK(charter_parse(c, signed1.data, signed1.len) == 0);
	CHECK_EQ_INT(c->nsigned, 1);
	CHECK(charter_sign(c, &us_node.sign, &signed2) == ERR_CONFLICT);
	buf_reset(&signed2);
	CHECK(charter_sign(c, &ru_node.sign, &signed2) == 0);
	charter_release(c);
	CHECK(charter_parse(c, signed2.data, signed2.len) == 0);
	CHECK(charter_complete(c));
	CHECK_STR(c->id_hex, id); /* signatures do not change the channel id */
	charter_release(c);
	/* a tampered signed charter fails its signatures */
	char *p = strstr((char *)signed2.data, "Test channel");
	p[0] = 'B';
	CHECK(charter_parse(c, signed2.data, signed2.len) == ERR_VERIFY);
	buf_release(&signed1);
	buf_release(&signed2);
	free(c);
}

static void test_charter_comments_are_not_part_of_the_id(void)
{
	struct buf t;
	buf_init(&t, CHARTER_MAX_SIZE);
	struct charter *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
	buf_printf(&t, "# a comment\n\n%s# trailing\n", (const char *)charter_text.data);
	CHECK(charter_parse(a, charter_text.data, charter_text.len) == 0);
	CHECK(charter_parse(b, t.data, t.len) == 0);
	CHECK_STR(a->id_hex, b->id_hex);
	charter_release(a);
	charter_release(b);
	free(a);
	free(b);
	buf_release(&t);
}

static void test_charter_refusals_name_the_line(void)
{
	struct buf t;
	char line[1024];
	buf_init(&t, CHARTER_MAX_SIZE);
	charter_variant(&t, "ack:", "ack: 24 hours");
	CHECK(parse_expect(&t, ERR_FORMAT, "charter line 11: ack"));
	charter_variant(&t, "profiles:", "profiles: cyber-mla unknown-profile");
	CHECK(parse_expect(&t, ERR_FORMAT, "unknown profile"));
	charter_variant(&t, "name:", "title: Test");
	CHECK(parse_expect(&t, ERR_FORMAT, "unknown key 'title'"));
	charter_variant(&t, "legal-basis:", NULL);
	CHECK(parse_expect(&t, ERR_FORMAT, "'legal-basis' is missing"));
	snprintf(line, sizeof line, "agency: us.fbi %s %s", us_doj.vkey, us_doj.rcpt);
	charter_variant(&t, "agency: us.doj", line);
	CHECK(parse_expect(&t, ERR_FORMAT, "listed twice"));
	snprintf(line, sizeof line, "agency: cn.mps %s %s", us_doj.vkey, us_doj.rcpt);
	charter_variant(&t, "agency: us.doj", line);
	CHECK(parse_expect(&t, ERR_FORMAT, "not listed"));
	snprintf(line, sizeof line, "agency: us.doj %s %s", us_fbi.vkey, us_doj.rcpt);
	charter_variant(&t, "agency: us.doj", line);
	CHECK(parse_expect(&t, ERR_FORMAT, "expected 'us.doj'"));
	snprintf(line, sizeof line, "agency: us.doj %s age1notarecipient", us_doj.vkey);
	charter_variant(&t, "agency: us.doj", line);
	CHECK(parse_expect(&t, ERR_FORMAT, "age X25519 recipient"));
	snprintf(line, sizeof line, "party: us ftp://us.example %s", us_node.vkey);
	charter_variant(&t, "party: us", line);
	CHECK(parse_expect(&t, ERR_FORMAT, "not an http(s) URL"));
	snprintf(line, sizeof line, "party: us https://us.example?x=1 %s", us_node.vkey);
	charter_variant(&t, "party: us", line);
	CHECK(parse_expect(&t, ERR_FORMAT, "not an http(s) URL"));
	charter_variant(&t, "term:", "term: 2022-01-09T00:00:00Z 2021-07-09T00:00:00Z");
	CHECK(parse_expect(&t, ERR_FORMAT, "not after"));
	charter_variant(&t, "term:", "term: 2021-02-30T00:00:00Z 2022-01-09T00:00:00Z");
	CHECK(parse_expect(&t, ERR_FORMAT, "term"));
	charter_variant(&t, "reporting-period:", "reporting-period:  30d");
	CHECK(parse_expect(&t, ERR_FORMAT, "extra space"));
	/* order: a party after the deadlines */
	charter_variant(&t, NULL, NULL);
	snprintf(line, sizeof line, "party: cn https://cn.example %s\n", outsider.vkey);
	buf_append_str(&t, line);
	CHECK(parse_expect(&t, ERR_FORMAT, "out of order"));
	/* one party is not a channel */
	charter_variant(&t, "party: ru", NULL);
	CHECK(parse_expect(&t, ERR_FORMAT, NULL));
	/* non-UTF-8 */
	charter_variant(&t, "name:", "name: Test \xff channel");
	CHECK(parse_expect(&t, ERR_FORMAT, "UTF-8"));
	buf_release(&t);
}

static struct charter *signed_charter(void)
{
	struct charter *c = calloc(1, sizeof *c);
	struct buf a, b;
	buf_init(&a, CHARTER_MAX_SIZE);
	buf_init(&b, CHARTER_MAX_SIZE);
	CHECK(charter_parse(c, charter_text.data, charter_text.len) == 0);
	CHECK(charter_sign(c, &us_node.sign, &a) == 0);
	charter_release(c);
	CHECK(charter_parse(c, a.data, a.len) == 0);
	CHECK(charter_sign(c, &ru_node.sign, &b) == 0);
	charter_release(c);
	CHECK(charter_parse(c, b.data, b.len) == 0);
	buf_release(&a);
	buf_release(&b);
	return c;
}

static void base_fields(struct envelope_fields *f, const struct charter *c)
{
	memset(f, 0, sizeof *f);
	snprintf(f->channel, sizeof f->channel, "%s", c->id_hex);
	snprintf(f->from, sizeof f->from, "us.fbi");
	snprintf(f->to[0], sizeof f->to[0], "ru.fsb");
	snprintf(f->to[1], sizeof f->to[1], "ru.gp");
	f->nto = 2;
	snprintf(f->case_id, sizeof f->case_id, "us.fbi/2021-0007");
	f->kind = ENV_REQUEST;
	f->time = 1625843045;
	f->has_body = 1;
	f->body_size = 3;
	sha256("abc", 3, f->body_hash);
	snprintf(f->handling, sizeof f->handling, "TLP:AMBER H2");
}

/* Formats f, signs it with the signers, parses and verifies; returns verify's code. */
static int seal_and_verify(const struct envelope_fields *f, const struct charter *c, const struct note_signer *s,
			   size_t ns)
{
	struct buf text, note;
	struct envelope e;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	int rc = envelope_format(f, &text);
	for (size_t i = 0; !rc && i < ns; i++)
		rc = i == 0 ? note_sign(&note, (const char *)text.data, text.len, &s[0], 1, 0)
			    : note_sign_line(&note, (const char *)text.data, text.len, &s[i], 0);
	if (!rc && !(rc = envelope_parse(&e, note.data, note.len))) {
		rc = envelope_verify(&e, c);
		if (!rc && f->has_body)
			CHECK(envelope_check_body(&e, (const uint8_t *)"abc", 3) == 0);
		if (!rc && f->has_body)
			CHECK(envelope_check_body(&e, (const uint8_t *)"abd", 3) == ERR_VERIFY);
		envelope_release(&e);
	}
	buf_release(&text);
	buf_release(&note);
	return rc;
}

static void test_envelope_round_trip_and_signatures(void)
{
	struct charter *c = signed_charter();
	struct envelope_fields f;
	base_fields(&f, c);
	CHECK_EQ_INT(seal_and_verify(&f, c, &us_fbi.sign, 1), 0);
	/* an outsider using the agency's name */
	CHECK_EQ_INT(seal_and_verify(&f, c, &outsider.sign, 1), ERR_VERIFY);
	/* an agency signing as another */
	CHECK_EQ_INT(seal_and_verify(&f, c, &us_doj.sign, 1), ERR_VERIFY);
	CHECK_MSG("not the key of us.fbi");
	/* another channel */
	struct envelope_fields g = f;
	memset(g.channel, 'a', 64);
	CHECK_EQ_INT(seal_and_verify(&g, c, &us_fbi.sign, 1), ERR_VERIFY);
	/* unknown agency */
	g = f;
	snprintf(g.to[1], sizeof g.to[1], "ru.mvd");
	CHECK_EQ_INT(seal_and_verify(&g, c, &us_fbi.sign, 1), ERR_VERIFY);
	CHECK_MSG("ru.mvd");
	charter_release(c);
	free(c);
}

static void test_envelope_kind_rules(void)
{
	struct charter *c = signed_charter();
	struct envelope_fields f;
	struct buf out;
	buf_init(&out, ENVELOPE_MAX_SIZE);
	base_fields(&f, c);
	f.kind = ENV_ANSWER; /* needs a ref */
	CHECK_EQ_INT(envelope_format(&f, &out), ERR_FORMAT);
	CHECK_MSG("needs a ref");
	f.has_ref = 1;
	snprintf(f.ref.origin, sizeof f.ref.origin, "us.parley.example/log");
	f.ref.index = 7;
	CHECK_EQ_INT(envelope_format(&f, &out), 0);
	f.urgent = 1;
	buf_reset(&out);
	CHECK_EQ_INT(envelope_format(&f, &out), ERR_FORMAT);
	base_fields(&f, c);
	f.has_body = 0;
	CHECK_EQ_INT(envelope_format(&f, &out), ERR_FORMAT);
	CHECK_MSG("needs a body");
	base_fields(&f, c);
	snprintf(f.to[1], sizeof f.to[1], "us.fbi");
	CHECK_EQ_INT(envelope_format(&f, &out), ERR_FORMAT);
	CHECK_MSG("to itself");
	/* statement: verifies only with every named agency's signature */
	base_fields(&f, c);
	f.kind = ENV_STATEMENT;
	struct note_signer all[3] = {us_fbi.sign, ru_fsb.sign, ru_gp.sign};
	CHECK_EQ_INT(seal_and_verify(&f, c, all, 2), ERR_VERIFY);
	CHECK_MSG("lacks the signature of ru.gp");
	CHECK_EQ_INT(seal_and_verify(&f, c, all, 3), 0);
	/* received: from the ru node, to the us sender */
	memset(&f, 0, sizeof f);
	snprintf(f.channel, sizeof f.channel, "%s", c->id_hex);
	snprintf(f.from, sizeof f.from, "ru");
	snprintf(f.to[0], sizeof f.to[0], "us.fbi");
	f.nto = 1;
	snprintf(f.case_id, sizeof f.case_id, "us.fbi/2021-0007");
	f.kind = ENV_RECEIVED;
	f.time = 1625843045;
	f.has_ref = 1;
	snprintf(f.ref.origin, sizeof f.ref.origin, "us.parley.example/log");
	CHECK_EQ_INT(seal_and_verify(&f, c, &ru_node.sign, 1), 0);
	CHECK_EQ_INT(seal_and_verify(&f, c, &us_node.sign, 1), ERR_VERIFY);
	buf_release(&out);
	charter_release(c);
	free(c);
}

/* Signs f's text with the signers in this order (the first with note_sign, the rest appended). */
static void sign_layout(const struct envelope_fields *f, const struct note_signer *s, size_t ns, struct buf *note)
{
	struct buf text;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_reset(note);
	CHECK(envelope_format(f, &text) == 0);
	for (size_t i = 0; i < ns; i++)
		CHECK((i == 0 ? note_sign(note, (const char *)text.data, text.len, &s[0], 1, 0)
			      : note_sign_line(note, (const char *)text.data, text.len, &s[i], 0)) == 0);
	buf_release(&text);
}

/*
 * An envelope's signature lines have one layout (docs/formats.md): no line
 * twice, a statement's in the order it names its agencies. Re-shaped copies
 * of a valid envelope are refused, and the identity (the hash of the signed
 * text) does not depend on the layout.
 */
static void test_envelope_signature_layout(void)
{
	struct charter *c = signed_charter();
	struct envelope_fields f;
	struct envelope e;
	struct buf note, twice;
	buf_init(&note, ENVELOPE_MAX_SIZE);
	buf_init(&twice, ENVELOPE_MAX_SIZE);
	base_fields(&f, c);
	sign_layout(&f, &us_fbi.sign, 1, &note);
	/* the signature line duplicated */
	size_t last = note.len - 1;
	while (last > 0 && note.data[last - 1] != '\n')
		last--;
	CHECK(buf_append(&twice, note.data, note.len) == 0 && buf_append(&twice, note.data + last, note.len - last) == 0);
	CHECK(envelope_parse(&e, twice.data, twice.len) == 0); /* the fields are there (a verifier lists it) */
	CHECK_EQ_INT(envelope_verify(&e, c), ERR_FORMAT);
	CHECK_MSG("signature line 2 repeats us.fbi");
	envelope_release(&e);
	/* a statement: its named agencies' signatures in the order it names them */
	f.kind = ENV_STATEMENT;
	struct note_signer canon[3] = {us_fbi.sign, ru_fsb.sign, ru_gp.sign};
	struct note_signer swapped[3] = {us_fbi.sign, ru_gp.sign, ru_fsb.sign};
	struct note_signer cosigner_first[3] = {ru_fsb.sign, us_fbi.sign, ru_gp.sign};
	uint8_t id1[32], id2[32];
	sign_layout(&f, canon, 3, &note);
	CHECK(envelope_parse(&e, note.data, note.len) == 0);
	CHECK(envelope_verify(&e, c) == 0);
	envelope_id(&e, id1);
	envelope_release(&e);
	sign_layout(&f, swapped, 3, &twice);
	CHECK(note_parse(&e.note, twice.data, twice.len) == 0); /* a good note, a bad envelope */
	note_release(&e.note);
	CHECK(envelope_identity(twice.data, twice.len, id2) == 0);
	CHECK(memcmp(id1, id2, 32) == 0);
	CHECK(envelope_parse(&e, twice.data, twice.len) == 0);
	CHECK_EQ_INT(envelope_verify(&e, c), ERR_FORMAT);
	CHECK_MSG("signature line 3 (ru.fsb) is out of order");
	envelope_release(&e);
	sign_layout(&f, cosigner_first, 3, &twice);
	CHECK(envelope_parse(&e, twice.data, twice.len) == 0);
	CHECK_EQ_INT(envelope_verify(&e, c), ERR_FORMAT);
	CHECK_MSG("signature line 2 (us.fbi) is out of order");
	envelope_release(&e);
	/* a statement still being co-signed parses (seal_cosign reads it) but does not verify */
	struct note_signer partial[2] = {us_fbi.sign, ru_gp.sign};
	sign_layout(&f, partial, 2, &note);
	CHECK(envelope_parse(&e, note.data, note.len) == 0);
	CHECK_EQ_INT(envelope_verify(&e, c), ERR_VERIFY);
	CHECK_MSG("lacks the signature of ru.fsb");
	envelope_release(&e);
	buf_release(&note);
	buf_release(&twice);
	charter_release(c);
	free(c);
}

static void test_envelope_strict_parsing(void)
{
	static const char *bad[] = {
		"parley envelope v2\nchannel: x\n",
		"parley envelope v1\nfrom: us.fbi\nchannel: 00\n",
		"parley envelope v1\nchannel: 0000000000000000000000000000000000000000000000000000000000000000\nfrom: us.fbi \n",
		"parley envelope v1\nchannel: 0000000000000000000000000000000000000000000000000000000000000000\nfrom: US.FBI\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct buf b;
		struct envelope e;
		buf_init(&b, 4096);
		buf_printf(&b, "%s\n\xE2\x80\x94 us.fbi AAAAAAAA\n", bad[i]);
		CHECK_EQ_INT(envelope_parse(&e, b.data, b.len), ERR_FORMAT);
		buf_release(&b);
	}
	/* oversize */
	struct buf big;
	struct envelope e;
	buf_init(&big, 70000);
	buf_reserve(&big, 66000);
	memset(big.data, 'a', 66000);
	big.len = 66000;
	CHECK_EQ_INT(envelope_parse(&e, big.data, big.len), ERR_LIMIT);
	buf_release(&big);
}

int main(void)
{
	if (sodium_init() < 0)
		return 2;
	setup();
	RUN(test_charter_draft_parses_and_signs);
	RUN(test_charter_comments_are_not_part_of_the_id);
	RUN(test_charter_refusals_name_the_line);
	RUN(test_envelope_round_trip_and_signatures);
	RUN(test_envelope_kind_rules);
	RUN(test_envelope_signature_layout);
	RUN(test_envelope_strict_parsing);
	CHECK_EXIT();
}
