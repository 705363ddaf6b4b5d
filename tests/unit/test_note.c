/* Signed notes (c2sp.org/signed-note) and cosignatures: parsing and verification rules. */
#include "base/buf.h"
#include "base/err.h"
#include "crypto/note.h"
#include "check.h"

#include <stdint.h>

static struct note_signer alice, bob, carol, alice_cos;
static struct note_verifier va, vb, vc, va_cos;

static const char text[] = "example.com/log\n42\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n";

static void setup(void)
{
	if (note_signer_generate(&alice, "alice.example", NOTE_ED25519) ||
	    note_signer_generate(&bob, "bob.example", NOTE_ED25519) ||
	    note_signer_generate(&carol, "carol.example", NOTE_ED25519) ||
	    note_signer_retype(&alice_cos, &alice, NOTE_COSIGNATURE)) {
		fprintf(stderr, "key generation failed: %s\n", err_msg());
		exit(2);
	}
	note_verifier_from_signer(&va, &alice, NOTE_ED25519);
	note_verifier_from_signer(&vb, &bob, NOTE_ED25519);
	note_verifier_from_signer(&vc, &carol, NOTE_ED25519);
	note_verifier_from_signer(&va_cos, &alice, NOTE_COSIGNATURE);
}

/* Signs text by the given signers into b (a fresh buffer). */
static void sign(struct buf *b, const struct note_signer *s, size_t n, uint64_t t)
{
	buf_init(b, NOTE_MAX_SIZE);
	CHECK(note_sign(b, text, sizeof text - 1, s, n, t) == 0);
}

static int parse_verify(const struct buf *b, const struct note_verifier *vs, size_t nv, int *ok, uint64_t *times)
{
	struct note n;
	int rc = note_parse(&n, b->data, b->len);
	if (rc)
		return rc;
	rc = note_verify(&n, vs, nv, ok, times);
	note_release(&n);
	return rc;
}

static void test_sign_parse_verify(void)
{
	struct buf b;
	sign(&b, &alice, 1, 0);
	struct note n;
	CHECK(note_parse(&n, b.data, b.len) == 0);
	CHECK_EQ_INT(n.text_len, sizeof text - 1);
	CHECK_EQ_INT(n.nsigs, 1);
	CHECK_STR(n.sigs[0].name, "alice.example");
	CHECK_EQ_INT(n.sigs[0].id, va.id);
	int ok[1] = {0};
	CHECK(note_verify(&n, &va, 1, ok, NULL) == 0 && ok[0] == 1);
	note_release(&n);
	buf_release(&b);
}

static void test_unknown_keys_ignored(void)
{
	struct note_signer both[2] = {alice, bob};
	struct buf b;
	sign(&b, both, 2, 0);
	int ok[2] = {0, 0};
	CHECK(parse_verify(&b, &va, 1, ok, NULL) == 0); /* bob's signature is unknown: ignored */
	CHECK(ok[0] == 1);
	struct note_verifier vs[2] = {vc, vb};
	CHECK(parse_verify(&b, vs, 2, ok, NULL) == 0);
	CHECK(ok[0] == 0 && ok[1] == 1);
	buf_release(&b);
}

static void test_no_known_signature_rejects(void)
{
	struct buf b;
	sign(&b, &alice, 1, 0);
	CHECK_EQ_INT(parse_verify(&b, &vc, 1, NULL, NULL), ERR_VERIFY);
	CHECK_MSG("not signed by carol.example");
	/* Same name, other key: the key ID differs, so the signature is not "known". */
	struct note_signer fake;
	CHECK(note_signer_generate(&fake, "alice.example", NOTE_ED25519) == 0);
	struct note_verifier vfake;
	note_verifier_from_signer(&vfake, &fake, NOTE_ED25519);
	CHECK_EQ_INT(parse_verify(&b, &vfake, 1, NULL, NULL), ERR_VERIFY);
	note_signer_release(&fake);
	buf_release(&b);
}

/* Changes one base64 character of the signature of line `line` (0-based) so it stays canonical. */
static void corrupt_sig(struct buf *b, int line)
{
	char *s = (char *)b->data + sizeof text; /* after the text and the blank line */
	for (int i = 0; i < line; i++)
		s = strchr(s, '\n') + 1;
	char *sp = strchr(s + 4, ' ');
	char *c = sp + 1 + 20; /* well inside the signature, past the key ID */
	*c = *c == 'A' ? 'B' : 'A';
}

static void test_bad_known_signature_rejects(void)
{
	struct note_signer both[2] = {alice, bob};
	struct buf b;
	sign(&b, both, 2, 0);
	corrupt_sig(&b, 1); /* bob's */
	struct note_verifier vs[2] = {va, vb};
	CHECK_EQ_INT(parse_verify(&b, vs, 2, NULL, NULL), ERR_VERIFY); /* alice's being good does not help */
	CHECK_MSG("bob.example");
	CHECK(parse_verify(&b, &va, 1, NULL, NULL) == 0); /* for someone who does not know bob, it is fine */
	buf_release(&b);
}

static void test_cosignature_timestamps(void)
{
	struct buf b;
	sign(&b, &alice, 1, 0);
	struct note n;
	CHECK(note_parse(&n, b.data, b.len) == 0);
	CHECK(note_sign_line(&b, n.data, n.text_len, &alice_cos, 1700000000) == 0);
	note_release(&n);
	int ok[2] = {0, 0};
	uint64_t times[2] = {0, 0};
	struct note_verifier vs[2] = {va, va_cos};
	CHECK(parse_verify(&b, vs, 2, ok, times) == 0);
	CHECK(ok[0] == 1 && ok[1] == 1);
	CHECK_EQ_INT(times[1], 1700000000);
	CHECK(va.id != va_cos.id); /* the type is part of the key ID */
	/* A cosignature alone satisfies a cosigner verifier... */
	CHECK(parse_verify(&b, &va_cos, 1, ok, times) == 0);
	/* ...and a changed timestamp breaks it (the time is signed). */
	corrupt_sig(&b, 1);
	CHECK_EQ_INT(parse_verify(&b, &va_cos, 1, NULL, NULL), ERR_VERIFY);
	buf_release(&b);
	/* Timestamps beyond int64 are refused. */
	buf_init(&b, NOTE_MAX_SIZE);
	CHECK_EQ_INT(note_sign(&b, text, sizeof text - 1, &alice_cos, 1, (uint64_t)INT64_MAX + 1), ERR_USAGE);
	buf_release(&b);
}

/* text, blank line, and n signature lines by an unknown key */
static void many_sigs(struct buf *b, int n)
{
	buf_init(b, NOTE_MAX_SIZE);
	buf_append_str(b, text);
	buf_append_str(b, "\n");
	for (int i = 0; i < n; i++)
		buf_printf(b, "\xE2\x80\x94 other%d.example AAAAAAE=\n", i);
}

static void test_signature_count_limit(void)
{
	struct buf b;
	struct note n;
	many_sigs(&b, NOTE_MAX_SIGS);
	CHECK(note_parse(&n, b.data, b.len) == 0);
	CHECK_EQ_INT(n.nsigs, NOTE_MAX_SIGS);
	CHECK_EQ_INT(note_verify(&n, &va, 1, NULL, NULL), ERR_VERIFY); /* none known */
	note_release(&n);
	buf_release(&b);
	many_sigs(&b, NOTE_MAX_SIGS + 1);
	CHECK_EQ_INT(note_parse(&n, b.data, b.len), ERR_LIMIT);
	CHECK_MSG("more than 64 signatures");
	buf_release(&b);
}

static void test_name_rules(void)
{
	char long_name[NOTE_NAME_MAX + 2];
	memset(long_name, 'a', sizeof long_name);
	CHECK(note_name_valid("a", 1));
	CHECK(note_name_valid("example.com/log", 15));
	CHECK(note_name_valid("caf\xC3\xA9", 5));
	CHECK(note_name_valid(long_name, NOTE_NAME_MAX));
	CHECK(!note_name_valid(long_name, NOTE_NAME_MAX + 1));
	CHECK(!note_name_valid("", 0));
	CHECK(!note_name_valid("a b", 3));
	CHECK(!note_name_valid("a+b", 3));
	CHECK(!note_name_valid("a\tb", 3));
	CHECK(!note_name_valid("a\nb", 3));
	CHECK(!note_name_valid("a\xC2\xA0" "b", 4));   /* U+00A0 no-break space */
	CHECK(!note_name_valid("a\xE3\x80\x80" "b", 5)); /* U+3000 ideographic space */
	CHECK(!note_name_valid("a\x80", 2));             /* not UTF-8 */
	CHECK(!note_name_valid("a\xC0\xAF", 3));         /* overlong */
	struct note_signer s;
	CHECK_EQ_INT(note_signer_generate(&s, "bad name", NOTE_ED25519), ERR_USAGE);
}

static void test_parse_rules(void)
{
	struct buf b;
	struct note n;
	sign(&b, &alice, 1, 0);
	/* Each damaged copy must fail to parse. */
	struct {
		const char *what;
		size_t at;  /* byte to overwrite, or SIZE_MAX: drop the last byte */
		char c;
	} cases[] = {
		{"no final newline", SIZE_MAX, 0},
		{"control character in text", 3, '\x01'},
		{"NUL in text", 3, '\0'},
		{"invalid UTF-8 in text", 3, '\xff'},
		{"no blank line", sizeof text - 1, 'x'},
		{"no em dash", sizeof text, '-'},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct buf c;
		buf_init(&c, NOTE_MAX_SIZE);
		buf_append(&c, b.data, b.len);
		if (cases[i].at == SIZE_MAX)
			c.len--;
		else
			c.data[cases[i].at] = (uint8_t)cases[i].c;
		int rc = note_parse(&n, c.data, c.len);
		if (rc != ERR_FORMAT)
			fprintf(stderr, "  case '%s' gave %d\n", cases[i].what, rc);
		CHECK_EQ_INT(rc, ERR_FORMAT);
		buf_release(&c);
	}
	/* Non-canonical base64 (nonzero trailing bits) and a too-short signature. */
	const char *bad_lines[] = {"\xE2\x80\x94 k AAAAAR==\n", "\xE2\x80\x94 k AAAA\n", "\xE2\x80\x94 k\n",
				   "\xE2\x80\x94 bad+name AAAAAAE=\n", "\xE2\x80\x94  AAAAAAE=\n"};
	for (size_t i = 0; i < sizeof bad_lines / sizeof bad_lines[0]; i++) {
		struct buf c;
		buf_init(&c, NOTE_MAX_SIZE);
		buf_printf(&c, "%s\n%s", text, bad_lines[i]);
		CHECK_EQ_INT(note_parse(&n, c.data, c.len), ERR_FORMAT);
		buf_release(&c);
	}
	/* The signatures follow the LAST blank line: a blank line inside the text is allowed. */
	struct buf c;
	buf_init(&c, NOTE_MAX_SIZE);
	CHECK(note_sign(&c, "a\n\nb\n", 5, &alice, 1, 0) == 0);
	CHECK(note_parse(&n, c.data, c.len) == 0 && n.text_len == 5);
	CHECK(note_verify(&n, &va, 1, NULL, NULL) == 0);
	note_release(&n);
	buf_release(&c);
	buf_release(&b);
}

static void test_verifier_strings(void)
{
	char s[512];
	struct note_verifier v;
	note_verifier_format(&va, s, sizeof s);
	CHECK(note_verifier_parse(&v, s, strlen(s)) == 0);
	CHECK(v.id == va.id && v.type == NOTE_ED25519 && memcmp(v.pub, va.pub, 32) == 0);
	CHECK_STR(v.name, "alice.example");
	/* A wrong hash is refused. */
	char *plus = strchr(s, '+');
	plus[1] = plus[1] == '0' ? '1' : '0';
	CHECK_EQ_INT(note_verifier_parse(&v, s, strlen(s)), ERR_FORMAT);
	CHECK_EQ_INT(note_verifier_parse(&v, "no-plus-signs", 13), ERR_FORMAT);
}

int main(void)
{
	setup();
	RUN(test_sign_parse_verify);
	RUN(test_unknown_keys_ignored);
	RUN(test_no_known_signature_rejects);
	RUN(test_bad_known_signature_rejects);
	RUN(test_cosignature_timestamps);
	RUN(test_signature_count_limit);
	RUN(test_name_rules);
	RUN(test_parse_rules);
	RUN(test_verifier_strings);
	note_signer_release(&alice);
	note_signer_release(&bob);
	note_signer_release(&carol);
	note_signer_release(&alice_cos);
	CHECK_EXIT();
}
