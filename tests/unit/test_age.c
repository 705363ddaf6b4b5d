/* Unit tests of src/crypto/bech32 and src/crypto/age. */
#include "check.h"

#include "base/buf.h"
#include "base/err.h"
#include "crypto/age.h"
#include "crypto/bech32.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#define SPEC_IDENTITY "AGE-SECRET-KEY-1GFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPYYSJZGFPQ4EGAEX"
#define SPEC_RECIPIENT "age1zvkyg2lqzraa2lnjvqej32nkuu0ues2s82hzrye869xeexvn73equnujwj"
#define MAXOUT (16u << 20)

static uint8_t *random_bytes(size_t n)
{
	uint8_t *p = malloc(n ? n : 1);
	randombytes_buf(p, n);
	return p;
}

static void test_bech32_bip173_vectors(void)
{
	char hrp[90], out[200];
	uint8_t data[64];
	size_t n = 99;
	/* Valid strings from BIP-173 (empty data, then all 32 characters of the alphabet). */
	CHECK_EQ_INT(bech32_decode("A12UEL5L", 8, hrp, sizeof hrp, data, sizeof data, &n), 0);
	CHECK_STR(hrp, "a");
	CHECK_EQ_INT(n, 0);
	CHECK_EQ_INT(bech32_decode("a12uel5l", 8, hrp, sizeof hrp, data, sizeof data, &n), 0);
	const char *s = "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw";
	CHECK_EQ_INT(bech32_decode(s, strlen(s), hrp, sizeof hrp, data, sizeof data, &n), 0);
	CHECK_STR(hrp, "abcdef");
	CHECK_EQ_INT(n, 20);
	CHECK_EQ_INT(bech32_encode(out, sizeof out, "abcdef", data, n, 0), 0);
	CHECK_STR(out, s);
	CHECK_EQ_INT(bech32_encode(out, sizeof out, "a", data, 0, 1), 0);
	CHECK_STR(out, "A12UEL5L");
	/* Invalid: mixed case, bad checksum, no separator, character outside the alphabet. */
	CHECK_EQ_INT(bech32_decode("A12uEL5L", 8, hrp, sizeof hrp, data, sizeof data, &n), ERR_FORMAT);
	CHECK_EQ_INT(bech32_decode("a12uel5m", 8, hrp, sizeof hrp, data, sizeof data, &n), ERR_FORMAT);
	CHECK_EQ_INT(bech32_decode("pzry9x0s0muk", 12, hrp, sizeof hrp, data, sizeof data, &n), ERR_FORMAT);
	CHECK_EQ_INT(bech32_decode("a1b2uel5l", 9, hrp, sizeof hrp, data, sizeof data, &n), ERR_FORMAT);
	/* Output bound. */
	CHECK_EQ_INT(bech32_decode(s, strlen(s), hrp, sizeof hrp, data, 19, &n), ERR_LIMIT);
}

static void test_age_key_encodings(void)
{
	struct age_identity id;
	struct age_recipient r, r2;
	char text[AGE_IDENTITY_TEXT_MAX], rtext[AGE_RECIPIENT_TEXT_MAX];
	CHECK_EQ_INT(age_identity_decode(&id, SPEC_IDENTITY, strlen(SPEC_IDENTITY)), 0);
	for (int i = 0; id.sk && i < 32; i++)
		CHECK(id.sk[i] == 0x42);
	CHECK_EQ_INT(age_identity_encode(&id, text), 0);
	CHECK_STR(text, SPEC_IDENTITY);
	CHECK_EQ_INT(age_recipient_from_identity(&r, &id), 0);
	CHECK_EQ_INT(age_recipient_encode(&r, rtext), 0);
	CHECK_STR(rtext, SPEC_RECIPIENT);
	CHECK_EQ_INT(age_recipient_decode(&r2, SPEC_RECIPIENT, strlen(SPEC_RECIPIENT)), 0);
	CHECK(memcmp(r.pk, r2.pk, 32) == 0);
	age_identity_free(&id);
	CHECK(id.sk == NULL);
	/* Case rules: identities uppercase, recipients lowercase; the type prefix must match. */
	char lower[AGE_IDENTITY_TEXT_MAX];
	for (size_t i = 0; i <= strlen(SPEC_IDENTITY); i++)
		lower[i] = (char)(SPEC_IDENTITY[i] >= 'A' && SPEC_IDENTITY[i] <= 'Z' ? SPEC_IDENTITY[i] + 32
										   : SPEC_IDENTITY[i]);
	CHECK_EQ_INT(age_identity_decode(&id, lower, strlen(lower)), ERR_FORMAT);
	CHECK_EQ_INT(age_recipient_decode(&r2, lower, strlen(lower)), ERR_FORMAT);
	CHECK_MSG("unsupported type");
	CHECK_EQ_INT(age_recipient_decode(&r2, "AGE1ZVKYG2LQZRAA2LNJVQEJ32NKUU0UES2S82HZRYE869XEEXVN73EQUNUJWJ", 62),
		     ERR_FORMAT);
	CHECK_EQ_INT(age_recipient_decode(&r2, SPEC_RECIPIENT, strlen(SPEC_RECIPIENT) - 1), ERR_FORMAT);
	/* A fresh identity round-trips through its text. */
	CHECK_EQ_INT(age_identity_generate(&id), 0);
	CHECK_EQ_INT(age_identity_encode(&id, text), 0);
	struct age_identity id2;
	CHECK_EQ_INT(age_identity_decode(&id2, text, strlen(text)), 0);
	CHECK(id.sk && id2.sk && memcmp(id.sk, id2.sk, 32) == 0);
	age_identity_free(&id);
	age_identity_free(&id2);
}

static void test_age_identity_file(void)
{
	struct age_identity *ids = NULL;
	size_t n = 0;
	const char *ok = "# created: today\n# public key: " SPEC_RECIPIENT "\n\n" SPEC_IDENTITY "\n" SPEC_IDENTITY;
	CHECK_EQ_INT(age_identities_parse(ok, strlen(ok), &ids, &n), 0);
	CHECK_EQ_INT(n, 2);
	age_identities_free(ids, n);
	const char *bad[] = {
		"",                                /* no identity */
		"# only a comment\n",              /* no identity */
		SPEC_IDENTITY "\r\n",              /* CR is not allowed */
		" " SPEC_IDENTITY "\n",            /* leading space */
		SPEC_IDENTITY " # comment\n",      /* trailing text */
		"AGE-PLUGIN-FOO-1QQQQQQ\n",        /* unsupported type */
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		CHECK_EQ_INT(age_identities_parse(bad[i], strlen(bad[i]), &ids, &n), ERR_FORMAT);
		CHECK(ids == NULL && n == 0);
	}
	CHECK_EQ_INT(age_identities_parse(bad[3], strlen(bad[3]), &ids, &n), ERR_FORMAT);
	CHECK_MSG("line 1");
}

/* Keys shared by the tests below: three identities and their recipients. */
static struct age_identity ids3[3];
static struct age_recipient rcp3[3];

static void setup_keys(void)
{
	for (int i = 0; i < 3; i++) {
		age_identity_generate(&ids3[i]);
		age_recipient_from_identity(&rcp3[i], &ids3[i]);
	}
}

static void test_age_round_trips(void)
{
	static const size_t sizes[] = {0, 1, 100, 65535, 65536, 65537, 3 * 65536, 3 * 65536 + 7, (2u << 20) + 65536 * 3 + 1};
	struct buf ct, pt;
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		uint8_t *msg = random_bytes(sizes[s]);
		for (int armor = 0; armor <= 1; armor++) {
			for (size_t nr = 1; nr <= 3; nr += 2) {
				CHECK_EQ_INT(age_encrypt_buf(msg, sizes[s], rcp3, nr, armor, &ct), 0);
				/* Binary size: header + nonce + one 16-byte tag per chunk (at least one). */
				size_t chunks = sizes[s] ? (sizes[s] + 65535) / 65536 : 1;
				if (!armor)
					CHECK(ct.len > sizes[s] + 16 * chunks + 16);
				/* Every recipient, including the last, can open it. */
				CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, &ids3[nr - 1], 1, &pt), 0);
				CHECK_EQ_INT(pt.len, sizes[s]);
				CHECK(pt.len == sizes[s] && (sizes[s] == 0 || memcmp(pt.data, msg, sizes[s]) == 0));
			}
		}
		free(msg);
	}
	buf_release(&ct);
	buf_release(&pt);
}

static void test_age_wrong_identity(void)
{
	struct buf ct, pt;
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	CHECK_EQ_INT(age_encrypt_buf("hello", 5, rcp3, 2, 0, &ct), 0);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, &ids3[2], 1, &pt), AGE_ERR_NO_MATCH);
	CHECK_STR(age_err_kind(AGE_ERR_NO_MATCH), "no match");
	CHECK_EQ_INT(pt.len, 0);
	/* Several identities: the matching one is found wherever it is. */
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, &ids3[0], 3, &pt), 0);
	CHECK_EQ_INT(pt.len, 5);
	buf_release(&ct);
	buf_release(&pt);
}

/* Where the payload starts: after the MAC line's LF and the 16-byte nonce. */
static size_t payload_offset(const struct buf *ct)
{
	const char *mac = strstr((const char *)ct->data, "\n--- ");
	const char *lf = mac ? strchr(mac + 1, '\n') : NULL;
	return lf ? (size_t)(lf - (const char *)ct->data) + 1 + 16 : 0;
}

static void test_age_tampering(void)
{
	struct buf ct, pt;
	size_t len = 3 * 65536 + 100;
	uint8_t *msg = random_bytes(len);
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	CHECK_EQ_INT(age_encrypt_buf(msg, len, rcp3, 1, 0, &ct), 0);
	size_t pay = payload_offset(&ct);
	CHECK(pay > 0);
	struct {
		size_t off;
		int expect;
	} cases[] = {
		{19, AGE_ERR_HEADER},          /* version line: "age-encryption.org/A1" */
		{pay - 20, AGE_ERR_HMAC},      /* inside the MAC (base64 digit changed) */
		{pay - 8, AGE_ERR_PAYLOAD},    /* the nonce: payload key changes */
		{pay + 5, AGE_ERR_PAYLOAD},    /* first chunk */
		{pay + 65536 + 3, AGE_ERR_PAYLOAD}, /* first chunk's tag */
		{ct.len - 1, AGE_ERR_PAYLOAD}, /* last tag */
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint8_t *t = malloc(ct.len);
		memcpy(t, ct.data, ct.len);
		/* Flip to another base64 letter inside the header, any bit in binary parts. */
		t[cases[i].off] = cases[i].off < pay - 16 ? (t[cases[i].off] == 'A' ? 'B' : 'A') : t[cases[i].off] ^ 1;
		int rc = age_decrypt_buf(t, ct.len, ids3, 1, &pt);
		if (rc != cases[i].expect)
			fprintf(stderr, "  case %zu: rc %d (%s)\n", i, rc, err_msg());
		CHECK_EQ_INT(rc, cases[i].expect);
		CHECK_EQ_INT(pt.len, 0);
		free(t);
	}
	/* Stanza share altered: still parses, no longer unwraps. */
	char *share = strstr((char *)ct.data, "-> X25519 ");
	CHECK(share != NULL);
	if (share) {
		share[12] = share[12] == 'A' ? 'B' : 'A';
		CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, ids3, 1, &pt), AGE_ERR_NO_MATCH);
	}
	free(msg);
	buf_release(&ct);
	buf_release(&pt);
}

static void test_age_truncation(void)
{
	struct buf ct, pt;
	size_t len = 2 * 65536 + 10;
	uint8_t *msg = random_bytes(len);
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	CHECK_EQ_INT(age_encrypt_buf(msg, len, rcp3, 1, 0, &ct), 0);
	size_t pay = payload_offset(&ct);
	size_t cuts[] = {pay + 65552, pay + 2 * 65552, pay + 100, ct.len - 1, pay, pay - 3};
	int expect[] = {AGE_ERR_PAYLOAD, AGE_ERR_PAYLOAD, AGE_ERR_PAYLOAD, AGE_ERR_PAYLOAD, AGE_ERR_PAYLOAD,
			AGE_ERR_HEADER};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		CHECK_EQ_INT(age_decrypt_buf(ct.data, cuts[i], ids3, 1, &pt), expect[i]);
		CHECK_EQ_INT(pt.len, 0);
	}
	CHECK_EQ_INT(age_decrypt_buf(ct.data, pay + 65552, ids3, 1, &pt), AGE_ERR_PAYLOAD);
	CHECK_MSG("no final chunk");
	/* A byte appended to a short final chunk makes it fail to authenticate. */
	CHECK_EQ_INT(buf_append(&ct, "x", 1), 0);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, ids3, 1, &pt), AGE_ERR_PAYLOAD);
	CHECK_EQ_INT(pt.len, 0);
	/* After a full-size final chunk it is reported as trailing data. */
	CHECK_EQ_INT(age_encrypt_buf(msg, 2 * 65536, rcp3, 1, 0, &ct), 0);
	CHECK_EQ_INT(buf_append(&ct, "x", 1), 0);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, ids3, 1, &pt), AGE_ERR_PAYLOAD);
	CHECK_MSG("after the final chunk");
	free(msg);
	buf_release(&ct);
	buf_release(&pt);
}

/* A source that hands out at most step bytes per read, to exercise partial reads. */
struct dribble {
	const uint8_t *p;
	size_t n, step;
};
static int dribble_read(void *ctx, uint8_t *p, size_t n, size_t *got)
{
	struct dribble *d = ctx;
	*got = d->n < n ? d->n : n;
	if (*got > d->step)
		*got = d->step;
	memcpy(p, d->p, *got);
	d->p += *got;
	d->n -= *got;
	return 0;
}

/* Decrypts ct[0..len) through a streaming sink; *pt receives what was released. */
static int stream_decrypt(const uint8_t *ct, size_t len, size_t step, struct buf *pt)
{
	struct dribble dr = {ct, len, step};
	struct age_source in = {dribble_read, &dr};
	struct age_sink out;
	buf_reset(pt);
	age_sink_buf(&out, pt);
	return age_decrypt(&in, &out, ids3, 1);
}

/*
 * Inputs larger than one 2 MiB batch go through the worker pool: round trips
 * at the batch boundaries, with reads of every size, and payload failures deep
 * in the file release exactly the verified chunks before them, in order.
 */
static void test_age_large_streams(void)
{
	static const size_t sizes[] = {31 * 65536, 32 * 65536 - 1, 32 * 65536, 32 * 65536 + 1, 33 * 65536,
				       64 * 65536, 63 * 65536 + 5, (5u << 20) + 100};
	static const size_t steps[] = {(size_t)-1, 65536 + 16, 1000};
	struct buf ct, pt;
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	uint8_t *msg = random_bytes(sizes[7]);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		size_t step = steps[s % 3];
		struct dribble dr = {msg, sizes[s], step};
		struct age_source in = {dribble_read, &dr};
		struct age_sink out;
		buf_reset(&ct);
		age_sink_buf(&out, &ct);
		CHECK_EQ_INT(age_encrypt(&in, &out, rcp3, 1, s % 2), 0);
		CHECK_EQ_INT(stream_decrypt(ct.data, ct.len, steps[(s + 1) % 3], &pt), 0);
		CHECK(pt.len == sizes[s] && memcmp(pt.data, msg, sizes[s]) == 0);
	}
	/* 81 chunks: 80 full and a short final one. */
	size_t len = sizes[7];
	CHECK_EQ_INT(age_encrypt_buf(msg, len, rcp3, 1, 0, &ct), 0);
	size_t pay = payload_offset(&ct);
	static const size_t bad[] = {0, 1, 31, 32, 33, 40, 63, 64, 80};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		uint8_t *t = malloc(ct.len);
		memcpy(t, ct.data, ct.len);
		t[pay + bad[i] * 65552 + 7] ^= 0x40;
		CHECK_EQ_INT(stream_decrypt(t, ct.len, (size_t)-1, &pt), AGE_ERR_PAYLOAD);
		CHECK_MSG("does not authenticate");
		CHECK_EQ_INT(pt.len, bad[i] * 65536);
		CHECK(memcmp(pt.data, msg, pt.len) == 0);
		free(t);
	}
	/* Cut at chunk boundaries: the chunks before are released, then "no final chunk". */
	static const size_t cuts[] = {1, 32, 33, 64, 80};
	for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
		CHECK_EQ_INT(stream_decrypt(ct.data, pay + cuts[i] * 65552, 4096, &pt), AGE_ERR_PAYLOAD);
		CHECK_MSG("no final chunk");
		CHECK_EQ_INT(pt.len, cuts[i] * 65536);
	}
	/* A full-size final chunk followed by data, here and in the next batch. */
	CHECK_EQ_INT(age_encrypt_buf(msg, 64 * 65536, rcp3, 1, 0, &ct), 0);
	CHECK_EQ_INT(buf_append(&ct, "x", 1), 0);
	CHECK_EQ_INT(stream_decrypt(ct.data, ct.len, (size_t)-1, &pt), AGE_ERR_PAYLOAD);
	CHECK_MSG("after the final chunk");
	CHECK_EQ_INT(pt.len, 64 * 65536);
	/* The final chunk moved before the last middle one: chunk 63 fails as a middle chunk. */
	CHECK_EQ_INT(age_encrypt_buf(msg, 64 * 65536, rcp3, 1, 0, &ct), 0);
	pay = payload_offset(&ct);
	uint8_t *sw = malloc(65552);
	memcpy(sw, ct.data + pay + 62 * 65552, 65552);
	memmove(ct.data + pay + 62 * 65552, ct.data + pay + 63 * 65552, 65552);
	memcpy(ct.data + pay + 63 * 65552, sw, 65552);
	free(sw);
	CHECK_EQ_INT(stream_decrypt(ct.data, ct.len, (size_t)-1, &pt), AGE_ERR_PAYLOAD);
	CHECK_EQ_INT(pt.len, 62 * 65536);
	free(msg);
	buf_release(&ct);
	buf_release(&pt);
}

static void test_age_scrypt(void)
{
	struct age_recipient r[2];
	struct age_identity id, wrong, low;
	struct buf ct, pt;
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	age_recipient_passphrase(&r[0], "correct horse", 13, 10);
	age_identity_passphrase(&id, "correct horse", 13, 0);
	age_identity_passphrase(&wrong, "correct house", 13, 0);
	age_identity_passphrase(&low, "correct horse", 13, 9);
	CHECK_EQ_INT(age_encrypt_buf("secret", 6, r, 1, 1, &ct), 0);
	CHECK(strstr((char *)ct.data, "-----BEGIN AGE ENCRYPTED FILE-----\n") == (char *)ct.data);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, &id, 1, &pt), 0);
	CHECK(pt.len == 6 && memcmp(pt.data, "secret", 6) == 0);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, &wrong, 1, &pt), AGE_ERR_NO_MATCH);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, &low, 1, &pt), AGE_ERR_HEADER);
	CHECK_MSG("work factor 10 is above the limit of 9");
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, ids3, 1, &pt), AGE_ERR_NO_MATCH);
	/* scrypt must be the only recipient. */
	r[1] = rcp3[0];
	CHECK_EQ_INT(age_encrypt_buf("secret", 6, r, 2, 0, &ct), ERR_USAGE);
	buf_release(&ct);
	buf_release(&pt);
}

static void test_age_armor(void)
{
	struct buf ct, pt, crlf;
	uint8_t *msg = random_bytes(1001);
	buf_init(&ct, MAXOUT);
	buf_init(&pt, MAXOUT);
	buf_init(&crlf, MAXOUT);
	/* 1001 bytes make a binary file that is not a multiple of 48 bytes: a short last line. */
	CHECK_EQ_INT(age_encrypt_buf(msg, 1001, rcp3, 1, 1, &ct), 0);
	/* Every line is 64 columns except the last base64 line and the markers. */
	const char *p = (const char *)ct.data, *end = p + ct.len;
	int lines = 0, short_lines = 0;
	while (p < end) {
		const char *lf = memchr(p, '\n', (size_t)(end - p));
		CHECK(lf != NULL);
		if (!lf)
			break;
		if (p[0] != '-') {
			lines++;
			short_lines += lf - p != 64;
			CHECK(lf - p <= 64);
		}
		p = lf + 1;
	}
	CHECK(lines > 1);
	CHECK_EQ_INT(short_lines, 1);
	/* CRLF line ends and surrounding whitespace are accepted. */
	buf_append_str(&crlf, " \n\t");
	for (size_t i = 0; i < ct.len; i++) {
		if (ct.data[i] == '\n')
			buf_append_byte(&crlf, '\r');
		buf_append_byte(&crlf, ct.data[i]);
	}
	buf_append_str(&crlf, "\n \n");
	CHECK_EQ_INT(age_decrypt_buf(crlf.data, crlf.len, ids3, 1, &pt), 0);
	CHECK(pt.len == 1001 && memcmp(pt.data, msg, 1001) == 0);
	/* Garbage after the END line, or a changed label, is an armor failure. */
	buf_append_str(&crlf, "x");
	CHECK_EQ_INT(age_decrypt_buf(crlf.data, crlf.len, ids3, 1, &pt), AGE_ERR_ARMOR);
	ct.data[12] = 'a';
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, ids3, 1, &pt), AGE_ERR_ARMOR);
	/* Input that is neither binary age nor armor. */
	CHECK_EQ_INT(age_decrypt_buf("hello", 5, ids3, 1, &pt), AGE_ERR_ARMOR);
	CHECK_EQ_INT(age_decrypt_buf("", 0, ids3, 1, &pt), AGE_ERR_HEADER);
	CHECK_EQ_INT(age_decrypt_buf("age-enc", 7, ids3, 1, &pt), AGE_ERR_HEADER);
	free(msg);
	buf_release(&ct);
	buf_release(&pt);
	buf_release(&crlf);
}

static void test_age_output_bound(void)
{
	struct buf ct, pt;
	uint8_t *msg = random_bytes(5000);
	buf_init(&ct, MAXOUT);
	buf_init(&pt, 4999);
	CHECK_EQ_INT(age_encrypt_buf(msg, 5000, rcp3, 1, 0, &ct), 0);
	CHECK_EQ_INT(age_decrypt_buf(ct.data, ct.len, ids3, 1, &pt), ERR_LIMIT);
	CHECK_EQ_INT(pt.len, 0);
	free(msg);
	buf_release(&ct);
	buf_release(&pt);
}

/* age_decrypt_to_path: all or nothing. */
static void test_age_decrypt_to_path(void)
{
	char dir[] = "/tmp/parley-age-test.XXXXXX", in[64], out[64];
	struct buf ct;
	uint8_t *msg = random_bytes(200000);
	struct stat st;
	buf_init(&ct, MAXOUT);
	CHECK(mkdtemp(dir) != NULL);
	snprintf(in, sizeof in, "%s/in.age", dir);
	snprintf(out, sizeof out, "%s/out", dir);
	CHECK_EQ_INT(age_encrypt_buf(msg, 200000, rcp3, 1, 0, &ct), 0);
	FILE *f = fopen(in, "wb");
	/* Truncated after the first chunk: the decryption fails late, yet no file remains. */
	fwrite(ct.data, 1, payload_offset(&ct) + 65552, f);
	fclose(f);
	int fd = open(in, O_RDONLY);
	CHECK_EQ_INT(age_decrypt_to_path(fd, out, ids3, 1), AGE_ERR_PAYLOAD);
	close(fd);
	CHECK(stat(out, &st) != 0);
	/* Header failure (wrong identity): nothing created. */
	fd = open(in, O_RDONLY);
	CHECK_EQ_INT(age_decrypt_to_path(fd, out, &ids3[1], 1), AGE_ERR_NO_MATCH);
	close(fd);
	CHECK(stat(out, &st) != 0);
	/* Success. */
	f = fopen(in, "wb");
	fwrite(ct.data, 1, ct.len, f);
	fclose(f);
	fd = open(in, O_RDONLY);
	CHECK_EQ_INT(age_decrypt_to_path(fd, out, ids3, 1), 0);
	close(fd);
	CHECK(stat(out, &st) == 0 && st.st_size == 200000);
	char cmd[200];
	snprintf(cmd, sizeof cmd, "ls %s | wc -l | grep -qx 2 && rm -rf %s", dir, dir);
	CHECK(system(cmd) == 0); /* only in.age and out: no temporary file left */
	free(msg);
	buf_release(&ct);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	setup_keys();
	RUN(test_bech32_bip173_vectors);
	RUN(test_age_key_encodings);
	RUN(test_age_identity_file);
	RUN(test_age_round_trips);
	RUN(test_age_wrong_identity);
	RUN(test_age_tampering);
	RUN(test_age_truncation);
	RUN(test_age_large_streams);
	RUN(test_age_scrypt);
	RUN(test_age_armor);
	RUN(test_age_output_bound);
	RUN(test_age_decrypt_to_path);
	for (int i = 0; i < 3; i++)
		age_identity_free(&ids3[i]);
	CHECK_EXIT();
}
