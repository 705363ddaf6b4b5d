/* age — encryption and decryption of age v1 files: header, MAC and STREAM payload. */
#include "crypto/age_internal.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENC_CHUNK (AGE_CHUNK_SIZE + AGE_TAG_LEN)
#define BATCH 32 /* chunks per read and per write: 2 MiB */
#define NONCE_LEN 16

const char *age_err_kind(int rc)
{
	switch (rc) {
	case AGE_ERR_HEADER:
		return "header failure";
	case AGE_ERR_HMAC:
		return "HMAC failure";
	case AGE_ERR_NO_MATCH:
		return "no match";
	case AGE_ERR_PAYLOAD:
		return "payload failure";
	case AGE_ERR_ARMOR:
		return "armor failure";
	default:
		return NULL;
	}
}

/* ---- sources and sinks ---- */

static int fd_source_read(void *ctx, uint8_t *p, size_t n, size_t *got)
{
	for (;;) {
		ssize_t r = read(*(int *)ctx, p, n);
		if (r >= 0) {
			*got = (size_t)r;
			return 0;
		}
		if (errno != EINTR)
			return err_set(ERR_IO, "read failed: %s", strerror(errno));
	}
}

static int mem_source_read(void *ctx, uint8_t *p, size_t n, size_t *got)
{
	struct age_mem_source *m = ctx;
	*got = m->n < n ? m->n : n;
	if (*got) {
		memcpy(p, m->p, *got);
		m->p += *got;
		m->n -= *got;
	}
	return 0;
}

static int fd_sink_write(void *ctx, const uint8_t *p, size_t n)
{
	return fd_write_all(*(int *)ctx, p, n);
}

static int buf_sink_write(void *ctx, const uint8_t *p, size_t n)
{
	return buf_append(ctx, p, n);
}

void age_source_fd(struct age_source *s, int *fd)
{
	s->read = fd_source_read;
	s->ctx = fd;
}

void age_source_mem(struct age_source *s, struct age_mem_source *m, const void *p, size_t n)
{
	m->p = p;
	m->n = n;
	s->read = mem_source_read;
	s->ctx = m;
}

void age_sink_fd(struct age_sink *s, int *fd)
{
	s->write = fd_sink_write;
	s->ctx = fd;
}

void age_sink_buf(struct age_sink *s, struct buf *b)
{
	s->write = buf_sink_write;
	s->ctx = b;
}

/* Reads until p[0..n) is full or the source ends; *got is what was read. */
static int read_full(struct age_source *in, uint8_t *p, size_t n, size_t *got)
{
	*got = 0;
	while (*got < n) {
		size_t k = 0;
		int rc = in->read(in->ctx, p + *got, n - *got, &k);
		if (rc)
			return rc;
		if (k == 0)
			break;
		*got += k;
	}
	return 0;
}

/* ---- shared pieces ---- */

/* Key material of one file, in sodium_malloc memory. */
struct file_secrets {
	uint8_t file_key[AGE_FILE_KEY_LEN];
	uint8_t mac_key[32];
	uint8_t payload_key[32];
};

static struct file_secrets *file_secrets_new(void)
{
	if (sodium_init() < 0)
		return NULL;
	return sodium_malloc(sizeof(struct file_secrets));
}

static int header_mac(struct file_secrets *k, const uint8_t *text, size_t n, uint8_t mac[32])
{
	unsigned int len = 0;
	int rc = age_hkdf(k->mac_key, k->file_key, AGE_FILE_KEY_LEN, NULL, 0, "header");
	if (rc)
		return rc;
	if (!HMAC(EVP_sha256(), k->mac_key, 32, text, n, mac, &len) || len != 32)
		return err_set(ERR_NOMEM, "HMAC-SHA-256 failed");
	return 0;
}

/* STREAM nonce: 11-byte big-endian chunk counter, then the last-chunk flag. */
static void chunk_nonce(uint8_t nonce[12], uint64_t counter, int last)
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (uint8_t)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

/* ---- encryption ---- */

static int encrypt_payload(struct age_source *in, struct age_sink *out, const uint8_t key[32])
{
	uint8_t *ib = malloc((size_t)BATCH * AGE_CHUNK_SIZE), *ob = malloc((size_t)BATCH * ENC_CHUNK);
	uint8_t nonce[12];
	uint64_t counter = 0;
	size_t len = 0;
	int rc = 0, eof = 0;
	if (!ib || !ob) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	while (!eof) {
		size_t got = 0, pos = 0, opos = 0;
		if ((rc = read_full(in, ib + len, (size_t)BATCH * AGE_CHUNK_SIZE - len, &got)) != 0)
			goto out;
		len += got;
		eof = len < (size_t)BATCH * AGE_CHUNK_SIZE;
		/* A chunk is final only once the input is known to end with it. */
		while (len - pos > AGE_CHUNK_SIZE || (eof && pos == 0) || (eof && pos < len)) {
			size_t n = len - pos > AGE_CHUNK_SIZE ? AGE_CHUNK_SIZE : len - pos;
			int last = eof && pos + n == len;
			chunk_nonce(nonce, counter++, last);
			crypto_aead_chacha20poly1305_ietf_encrypt_detached(ob + opos, ob + opos + n, NULL, ib + pos, n,
									   NULL, 0, NULL, nonce, key);
			pos += n;
			opos += n + AGE_TAG_LEN;
			if (last)
				break;
		}
		memmove(ib, ib + pos, len - pos);
		len -= pos;
		if ((rc = out->write(out->ctx, ob, opos)) != 0)
			goto out;
	}
out:
	free(ib);
	free(ob);
	return rc;
}

int age_encrypt(struct age_source *in, struct age_sink *out, const struct age_recipient *r, size_t n, int armor)
{
	struct file_secrets *k = file_secrets_new();
	struct age_armor_writer *aw = NULL;
	struct age_sink armored, *dst = out;
	struct buf hdr;
	uint8_t mac[32], nonce[NONCE_LEN];
	char mac_text[44];
	int rc = 0;
	buf_init(&hdr, AGE_HEADER_MAX);
	if (!k)
		return err_set(ERR_NOMEM, "out of memory (secure)");
	if (n == 0) {
		rc = err_set(ERR_USAGE, "no recipients");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		if (r[i].type == AGE_TYPE_SCRYPT && n != 1) {
			rc = err_set(ERR_USAGE, "a passphrase recipient cannot be combined with other recipients");
			goto out;
		}
	if (armor) {
		if (!(aw = malloc(sizeof *aw))) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		age_armor_writer_init(aw, out);
		age_armor_writer_sink(aw, &armored);
		dst = &armored;
	}
	randombytes_buf(k->file_key, sizeof k->file_key);
	rc = buf_append_str(&hdr, "age-encryption.org/v1\n");
	for (size_t i = 0; !rc && i < n; i++)
		rc = age_stanza_wrap(&hdr, &r[i], k->file_key);
	if (!rc)
		rc = buf_append_str(&hdr, "---");
	if (!rc)
		rc = header_mac(k, hdr.data, hdr.len, mac);
	if (rc)
		goto out;
	b64_encode_nopad(mac_text, mac, sizeof mac);
	if ((rc = buf_printf(&hdr, " %s\n", mac_text)) != 0)
		goto out;
	randombytes_buf(nonce, sizeof nonce);
	if ((rc = buf_append(&hdr, nonce, sizeof nonce)) != 0)
		goto out;
	if ((rc = age_hkdf(k->payload_key, k->file_key, AGE_FILE_KEY_LEN, nonce, sizeof nonce, "payload")) != 0)
		goto out;
	if ((rc = dst->write(dst->ctx, hdr.data, hdr.len)) != 0)
		goto out;
	if ((rc = encrypt_payload(in, dst, k->payload_key)) != 0)
		goto out;
	if (aw)
		rc = age_armor_writer_finish(aw);
out:
	sodium_free(k);
	free(aw);
	buf_release(&hdr);
	return rc;
}

int age_encrypt_fd(int in_fd, int out_fd, const struct age_recipient *r, size_t n, int armor)
{
	struct age_source in;
	struct age_sink out;
	age_source_fd(&in, &in_fd);
	age_sink_fd(&out, &out_fd);
	return age_encrypt(&in, &out, r, n, armor);
}

int age_encrypt_buf(const void *data, size_t len, const struct age_recipient *r, size_t n, int armor,
		    struct buf *out)
{
	struct age_mem_source m;
	struct age_source in;
	struct age_sink sink;
	buf_reset(out);
	age_source_mem(&in, &m, data, len);
	age_sink_buf(&sink, out);
	int rc = age_encrypt(&in, &sink, r, n, armor);
	if (rc)
		buf_reset(out);
	return rc;
}

/* ---- decryption ---- */

struct age_decryptor {
	struct age_armor_reader ar;
	struct age_source src;        /* ar as a source */
	uint8_t *buf;                 /* payload input; the header is read through it too */
	size_t pos, len, cap;
	int eof;
	struct file_secrets *k;
};

void age_decrypt_free(struct age_decryptor *d)
{
	if (!d)
		return;
	if (d->k)
		sodium_free(d->k);
	free(d->buf);
	free(d);
}

/* Moves unread bytes to the front and reads until the buffer is full or the input ends. */
static int refill(struct age_decryptor *d)
{
	size_t got = 0;
	memmove(d->buf, d->buf + d->pos, d->len - d->pos);
	d->len -= d->pos;
	d->pos = 0;
	int rc = read_full(&d->src, d->buf + d->len, d->cap - d->len, &got);
	if (rc)
		return rc;
	d->len += got;
	d->eof = d->len < d->cap;
	return 0;
}

/* Collects the header text: lines up to and including the one starting with "---". */
static int read_header(struct age_decryptor *d, struct buf *hdr)
{
	size_t line_start = 0;
	int rc;
	for (;;) {
		if (d->pos == d->len) {
			if (d->eof)
				return err_set(AGE_ERR_HEADER, hdr->len ? "file ends inside the header"
									: "empty file: no age header");
			if ((rc = refill(d)) != 0)
				return rc;
			continue;
		}
		const uint8_t *p = d->buf + d->pos;
		const uint8_t *lf = memchr(p, '\n', d->len - d->pos);
		size_t k = lf ? (size_t)(lf - p) + 1 : d->len - d->pos;
		if (buf_append(hdr, p, k) != 0)
			return err_set(AGE_ERR_HEADER, "header longer than %u bytes", AGE_HEADER_MAX);
		d->pos += k;
		if (!lf)
			continue;
		const uint8_t *line = hdr->data + line_start;
		/* Reject non-age input early instead of reading up to the size limit. */
		if (line_start == 0 && (hdr->len != 22 || memcmp(line, "age-encryption.org/v1\n", 22) != 0))
			return err_set(AGE_ERR_HEADER, hdr->len >= 19 && memcmp(line, "age-encryption.org/", 19) == 0
							       ? "unsupported age format version"
							       : "not an age file (no \"age-encryption.org/v1\" line)");
		if (hdr->len - line_start >= 4 && memcmp(line, "---", 3) == 0)
			return 0;
		line_start = hdr->len;
	}
}

int age_decrypt_begin(struct age_decryptor **out, struct age_source *in, const struct age_identity *ids,
		      size_t n)
{
	struct age_decryptor *d = calloc(1, sizeof *d);
	struct age_header h = {0};
	struct buf hdr;
	uint8_t mac[32], nonce[NONCE_LEN];
	int rc = AGE_ERR_NO_MATCH;
	*out = NULL;
	buf_init(&hdr, AGE_HEADER_MAX);
	if (!d || !(d->k = file_secrets_new()) || !(d->buf = malloc((size_t)BATCH * ENC_CHUNK))) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	d->cap = (size_t)BATCH * ENC_CHUNK;
	age_armor_reader_init(&d->ar, in);
	age_armor_reader_source(&d->ar, &d->src);
	if ((rc = read_header(d, &hdr)) != 0 || (rc = age_header_parse(hdr.data, hdr.len, &h)) != 0)
		goto out;
	rc = AGE_ERR_NO_MATCH;
	for (size_t i = 0; i < n && rc == AGE_ERR_NO_MATCH; i++)
		rc = age_stanza_unwrap(&h, &ids[i], d->k->file_key);
	if (rc == AGE_ERR_NO_MATCH) {
		rc = err_set(AGE_ERR_NO_MATCH, "no identity matched any of the %zu recipient stanzas", h.n);
		goto out;
	}
	if (rc)
		goto out;
	if ((rc = header_mac(d->k, hdr.data, h.mac_len, mac)) != 0)
		goto out;
	if (sodium_memcmp(mac, h.mac, sizeof mac) != 0) {
		rc = err_set(AGE_ERR_HMAC, "header MAC does not verify: the header was modified");
		goto out;
	}
	for (size_t have = 0; have < NONCE_LEN;) {
		if (d->pos == d->len) {
			if (d->eof) {
				rc = err_set(AGE_ERR_HEADER, "file ends before the 16-byte payload nonce");
				goto out;
			}
			if ((rc = refill(d)) != 0)
				goto out;
			continue;
		}
		nonce[have++] = d->buf[d->pos++];
	}
	rc = age_hkdf(d->k->payload_key, d->k->file_key, AGE_FILE_KEY_LEN, nonce, sizeof nonce, "payload");
out:
	age_header_free(&h);
	buf_release(&hdr);
	if (rc) {
		age_decrypt_free(d);
		return rc;
	}
	*out = d;
	return 0;
}

/* Opens one chunk into out; 0 or -1 if its tag does not verify. */
static int open_chunk(struct age_decryptor *d, uint8_t *out, const uint8_t *in, size_t n, uint64_t counter,
		      int last)
{
	uint8_t nonce[12];
	chunk_nonce(nonce, counter, last);
	return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, in, n - AGE_TAG_LEN,
								   in + n - AGE_TAG_LEN, NULL, 0, nonce,
								   d->k->payload_key);
}

/*
 * Chunks are released as soon as they verify, as the reference implementation
 * does: a full-size chunk is tried as a middle chunk, then as the final one;
 * a shorter chunk at the end of input must be the final one. After the final
 * chunk the input must end.
 */
int age_decrypt_payload(struct age_decryptor *d, struct age_sink *out)
{
	uint8_t *ob = malloc((size_t)BATCH * AGE_CHUNK_SIZE);
	uint64_t counter = 0;
	int rc = 0, final = 0;
	if (!ob)
		return err_set(ERR_NOMEM, "out of memory");
	for (;;) {
		size_t opos = 0;
		if (!d->eof && d->len - d->pos < ENC_CHUNK && (rc = refill(d)) != 0)
			goto out;
		while (!rc && !final && d->len - d->pos >= ENC_CHUNK) {
			const uint8_t *c = d->buf + d->pos;
			if (open_chunk(d, ob + opos, c, ENC_CHUNK, counter, 0) != 0) {
				if (open_chunk(d, ob + opos, c, ENC_CHUNK, counter, 1) != 0) {
					rc = err_set(AGE_ERR_PAYLOAD, "chunk %llu does not authenticate",
						     (unsigned long long)counter);
					break;
				}
				final = 1;
			}
			counter++;
			d->pos += ENC_CHUNK;
			opos += AGE_CHUNK_SIZE;
		}
		size_t n = d->len - d->pos;
		if (!rc && !final && d->eof && n < ENC_CHUNK) {
			/* The input ends with a short chunk, which must be the final one. */
			if (n == 0)
				rc = err_set(AGE_ERR_PAYLOAD, counter ? "file is truncated: no final chunk"
								      : "payload has no chunks");
			else if (n < AGE_TAG_LEN)
				rc = err_set(AGE_ERR_PAYLOAD, "truncated chunk %llu", (unsigned long long)counter);
			else if (n == AGE_TAG_LEN && counter > 0)
				rc = err_set(AGE_ERR_PAYLOAD, "final chunk is empty");
			else if (open_chunk(d, ob + opos, d->buf + d->pos, n, counter, 1) != 0)
				rc = err_set(AGE_ERR_PAYLOAD, "final chunk %llu does not authenticate",
					     (unsigned long long)counter);
			else {
				opos += n - AGE_TAG_LEN;
				d->pos += n;
				final = 1;
			}
		}
		/* Release what verified, also when a later chunk failed. */
		int wrc = opos ? out->write(out->ctx, ob, opos) : 0;
		if (!rc)
			rc = wrc;
		if (rc)
			goto out;
		if (final) {
			if (d->pos == d->len && !d->eof && (rc = refill(d)) != 0)
				goto out;
			if (d->pos < d->len)
				rc = err_set(AGE_ERR_PAYLOAD, "data after the final chunk");
			goto out;
		}
	}
out:
	free(ob);
	return rc;
}

int age_decrypt(struct age_source *in, struct age_sink *out, const struct age_identity *ids, size_t n)
{
	struct age_decryptor *d = NULL;
	int rc = age_decrypt_begin(&d, in, ids, n);
	if (!rc)
		rc = age_decrypt_payload(d, out);
	age_decrypt_free(d);
	return rc;
}

int age_decrypt_fd(int in_fd, int out_fd, const struct age_identity *ids, size_t n)
{
	struct age_source in;
	struct age_sink out;
	age_source_fd(&in, &in_fd);
	age_sink_fd(&out, &out_fd);
	return age_decrypt(&in, &out, ids, n);
}

int age_decrypt_buf(const void *data, size_t len, const struct age_identity *ids, size_t n, struct buf *out)
{
	struct age_mem_source m;
	struct age_source in;
	struct age_sink sink;
	buf_reset(out);
	age_source_mem(&in, &m, data, len);
	age_sink_buf(&sink, out);
	int rc = age_decrypt(&in, &sink, ids, n);
	if (rc) {
		if (out->data)
			sodium_memzero(out->data, out->len);
		buf_reset(out);
	}
	return rc;
}

/* A new temporary file beside path, name in tmp (tmpsz bytes). Returns the fd or a negative ERR_*. */
static int tmp_create(const char *path, char *tmp, size_t tmpsz)
{
	if (snprintf(tmp, tmpsz, "%s.tmp-XXXXXX", path) >= (int)tmpsz)
		return err_set(ERR_USAGE, "output path too long");
	int fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return err_set(ERR_IO, "%s: %s", tmp, strerror(errno));
	return fd;
}

/* fsync and close fd, rename tmp to path and fsync the directory; unlinks tmp on failure. */
static int tmp_commit(int fd, const char *tmp, const char *path, int rc)
{
	char dir[4096];
	if (!rc && fsync(fd) != 0)
		rc = err_set(ERR_IO, "fsync %s: %s", tmp, strerror(errno));
	if (close(fd) != 0 && !rc)
		rc = err_set(ERR_IO, "close %s: %s", tmp, strerror(errno));
	if (!rc && rename(tmp, path) != 0)
		rc = err_set(ERR_IO, "rename to %s: %s", path, strerror(errno));
	if (rc) {
		unlink(tmp);
		return rc;
	}
	path_dirname(path, dir, sizeof dir);
	return dir_fsync(dir);
}

int age_encrypt_to_path(int in_fd, const char *path, const struct age_recipient *r, size_t n, int armor)
{
	char tmp[4096];
	int fd = tmp_create(path, tmp, sizeof tmp);
	if (fd < 0)
		return fd;
	return tmp_commit(fd, tmp, path, age_encrypt_fd(in_fd, fd, r, n, armor));
}

int age_decrypt_to_path(int in_fd, const char *path, const struct age_identity *ids, size_t n)
{
	struct age_decryptor *d = NULL;
	struct age_source in;
	struct age_sink out;
	char tmp[4096];
	int fd, rc;
	age_source_fd(&in, &in_fd);
	if ((rc = age_decrypt_begin(&d, &in, ids, n)) != 0)
		return rc;
	fd = tmp_create(path, tmp, sizeof tmp);
	if (fd < 0) {
		age_decrypt_free(d);
		return fd;
	}
	age_sink_fd(&out, &fd);
	rc = tmp_commit(fd, tmp, path, age_decrypt_payload(d, &out));
	age_decrypt_free(d);
	return rc;
}
