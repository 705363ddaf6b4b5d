/* age — encryption and decryption of age v1 files: header, MAC and STREAM payload. */
#include "crypto/age_internal.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define ENC_CHUNK (AGE_CHUNK_SIZE + AGE_TAG_LEN)
/*
 * Chunks per read and per write. The first read is of FIRST_BATCH chunks, so
 * that small bodies stay cheap; an input that fills it moves on to two
 * alternating batches of MAX_BATCH chunks (2 MiB) each (see "batches" below).
 * (While reading the header, the decryption buffer grows fourfold each time a
 * read fills it.)
 */
#define FIRST_BATCH 2
#define MAX_BATCH 32
/* Encryption needs room for more than one chunk to tell the last one. */
_Static_assert(FIRST_BATCH >= 2, "FIRST_BATCH must be at least 2");
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

/* Key material of one file, in an age_secret_get() block. */
struct file_secrets {
	uint8_t file_key[AGE_FILE_KEY_LEN];
	uint8_t mac_key[32];
	uint8_t payload_key[32];
};
_Static_assert(sizeof(struct file_secrets) <= AGE_SECRET_BLOCK, "file_secrets fits a secret block");

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

/* Grows *p to n bytes; 0 or ERR_NOMEM (*p unchanged then). */
static int grow(uint8_t **p, size_t n)
{
	uint8_t *np = realloc(*p, n);
	if (!np)
		return err_set(ERR_NOMEM, "out of memory");
	*p = np;
	return 0;
}

/* ---- batches of chunks, the worker pool and the writer ---- */

/*
 * The payload moves in batches of up to SLOT_CHUNKS chunks. Small inputs are
 * handled on the calling thread. Once an input is known to be larger than one
 * batch (and the machine has more than one CPU), three batch buffers rotate
 * through a pipeline: the calling thread reads batch k + 1 while a pool of
 * worker threads (one per online CPU, at most MAX_WORKERS) encrypts or
 * decrypts the chunks of batch k in parallel, each chunk with its own counter
 * nonce, and a writer thread writes batch k - 1 to the sink. Batches are
 * written in order, and only once every chunk of the batch was processed;
 * for decryption only the chunks whose tag verified, up to the final chunk or
 * the first failure, as on the calling thread.
 */
#define SLOT_CHUNKS MAX_BATCH
#define NSLOTS 3
#define MAX_WORKERS 8
#define SLOT_BYTES ((size_t)SLOT_CHUNKS * ENC_CHUNK)

enum { CHUNK_BAD = 0, CHUNK_MIDDLE = 1, CHUNK_FINAL = 2 };

struct batch {
	uint8_t *in, *out;
	size_t n;                   /* chunks to process, from in[0] */
	size_t last_len;            /* encryption: plaintext bytes of chunk n - 1 (the others are full) */
	uint64_t counter;           /* STREAM counter of chunk 0 */
	int final;                  /* encryption: chunk n - 1 is the final chunk */
	int decrypt;                /* decryption: every chunk is full; try middle, then final */
	uint8_t status[SLOT_CHUNKS]; /* CHUNK_* per chunk (encryption: MIDDLE once sealed) */
};

/*
 * ChaCha20-Poly1305 (RFC 8439, no associated data) of one chunk. OpenSSL's
 * implementation (AVX-512 and AVX2 code) runs about three times as fast as
 * libsodium's on the machines parley was measured on (2.2-2.4 GB/s against
 * 0.72 GB/s per core for 64 KiB chunks); both compute the same function, and
 * libsodium is used when no OpenSSL context could be had (ctx NULL).
 */
static pthread_once_t chacha_once = PTHREAD_ONCE_INIT;
static EVP_CIPHER *chacha;

static void chacha_fetch(void)
{
	chacha = EVP_CIPHER_fetch(NULL, "ChaCha20-Poly1305", NULL);
}

/* A cipher context for aead_seal/aead_open, or NULL (then libsodium is used). */
static EVP_CIPHER_CTX *aead_ctx(void)
{
	pthread_once(&chacha_once, chacha_fetch);
	return chacha ? EVP_CIPHER_CTX_new() : NULL;
}

/* Seals in[0..n) into out[0..n) and the tag into out[n..n+16). 0, or -1 if OpenSSL failed. */
static int aead_seal(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t n, const uint8_t nonce[12],
		     const uint8_t key[32])
{
	int l = 0, l2 = 0;
	if (!ctx)
		return crypto_aead_chacha20poly1305_ietf_encrypt_detached(out, out + n, NULL, in, n, NULL, 0, NULL, nonce,
									  key);
	if (EVP_EncryptInit_ex2(ctx, chacha, key, nonce, NULL) != 1 || EVP_EncryptUpdate(ctx, out, &l, in, (int)n) != 1 ||
	    EVP_EncryptFinal_ex(ctx, out + l, &l2) != 1 || (size_t)(l + l2) != n ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, AGE_TAG_LEN, out + n) != 1)
		return -1;
	return 0;
}

/*
 * Opens in[0..n) with the tag in[n..n+16) into out[0..n). 0 only if the tag
 * verified (out may hold unverified bytes otherwise: never release them).
 */
static int aead_open(EVP_CIPHER_CTX *ctx, uint8_t *out, const uint8_t *in, size_t n, const uint8_t nonce[12],
		     const uint8_t key[32])
{
	int l = 0, l2 = 0;
	if (!ctx)
		return crypto_aead_chacha20poly1305_ietf_decrypt_detached(out, NULL, in, n, in + n, NULL, 0, nonce, key);
	if (EVP_DecryptInit_ex2(ctx, chacha, key, nonce, NULL) != 1 || EVP_DecryptUpdate(ctx, out, &l, in, (int)n) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, AGE_TAG_LEN, (void *)(in + n)) != 1 ||
	    EVP_DecryptFinal_ex(ctx, out + l, &l2) != 1 || (size_t)(l + l2) != n)
		return -1;
	return 0;
}

static void run_chunk(EVP_CIPHER_CTX *ctx, struct batch *b, size_t i, const uint8_t key[32])
{
	uint8_t nonce[12];
	b->status[i] = CHUNK_BAD;
	if (!b->decrypt) {
		size_t n = i + 1 == b->n ? b->last_len : AGE_CHUNK_SIZE;
		chunk_nonce(nonce, b->counter + i, b->final && i + 1 == b->n);
		if (aead_seal(ctx, b->out + i * ENC_CHUNK, b->in + i * AGE_CHUNK_SIZE, n, nonce, key) == 0)
			b->status[i] = CHUNK_MIDDLE;
		return;
	}
	const uint8_t *c = b->in + i * ENC_CHUNK;
	uint8_t *o = b->out + i * AGE_CHUNK_SIZE;
	for (int last = 0; last <= 1; last++) {
		chunk_nonce(nonce, b->counter + i, last);
		if (aead_open(ctx, o, c, AGE_CHUNK_SIZE, nonce, key) == 0) {
			b->status[i] = last ? CHUNK_FINAL : CHUNK_MIDDLE;
			return;
		}
	}
}

/* The threads of one large encryption or decryption. */
struct pipeline {
	pthread_mutex_t mu;
	pthread_cond_t work, done, wcv;
	const uint8_t *key;
	int stop;
	/* workers: the chunks of one batch at a time */
	pthread_t th[MAX_WORKERS];
	int nth;
	struct batch *job;
	size_t next, ndone;
	/* writer: batches queued in order */
	pthread_t wth;
	int wrunning;
	struct age_sink *out;
	struct batch *queue[NSLOTS];
	size_t qlen[NSLOTS];
	int qhead, qcount;
	struct batch *writing;
	int wrc;                     /* first sink error */
	char wmsg[256];              /* and its message (err_msg() is per thread) */
};

static void *worker_main(void *arg)
{
	struct pipeline *p = arg;
	EVP_CIPHER_CTX *ctx = aead_ctx();
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->stop && (!p->job || p->next == p->job->n))
			pthread_cond_wait(&p->work, &p->mu);
		if (p->stop)
			break;
		struct batch *b = p->job;
		size_t i = p->next++;
		pthread_mutex_unlock(&p->mu);
		run_chunk(ctx, b, i, p->key);
		pthread_mutex_lock(&p->mu);
		if (++p->ndone == b->n)
			pthread_cond_signal(&p->done);
	}
	pthread_mutex_unlock(&p->mu);
	EVP_CIPHER_CTX_free(ctx);
	return NULL;
}

static void *writer_main(void *arg)
{
	struct pipeline *p = arg;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		while (!p->qcount && !p->stop)
			pthread_cond_wait(&p->wcv, &p->mu);
		if (!p->qcount)
			break;
		struct batch *b = p->queue[p->qhead];
		size_t n = p->qlen[p->qhead];
		int skip = p->wrc != 0;
		p->writing = b;
		pthread_mutex_unlock(&p->mu);
		int rc = skip ? 0 : p->out->write(p->out->ctx, b->out, n);
		pthread_mutex_lock(&p->mu);
		if (rc && !p->wrc) {
			p->wrc = rc;
			snprintf(p->wmsg, sizeof p->wmsg, "%s", err_msg());
		}
		p->writing = NULL;
		p->qhead = (p->qhead + 1) % NSLOTS;
		p->qcount--;
		pthread_cond_broadcast(&p->wcv);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/*
 * Stops the threads (the writer first drains its queue: those batches were
 * processed, and for decryption verified) and frees p. Returns the first sink
 * error, with its message, or 0.
 */
static int pipeline_stop(struct pipeline *p)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->stop = 1;
	pthread_cond_broadcast(&p->work);
	pthread_cond_broadcast(&p->wcv);
	pthread_mutex_unlock(&p->mu);
	for (int i = 0; i < p->nth; i++)
		pthread_join(p->th[i], NULL);
	if (p->wrunning)
		pthread_join(p->wth, NULL);
	int rc = p->wrc;
	if (rc)
		err_set(rc, "%s", p->wmsg);
	pthread_mutex_destroy(&p->mu);
	pthread_cond_destroy(&p->work);
	pthread_cond_destroy(&p->done);
	pthread_cond_destroy(&p->wcv);
	free(p);
	return rc;
}

/* Workers (one per online CPU) and a writer; NULL, to work on the calling thread, on one CPU or if threads fail. */
static struct pipeline *pipeline_start(const uint8_t key[32], struct age_sink *out)
{
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	if (ncpu < 2)
		return NULL;
	struct pipeline *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->key = key;
	p->out = out;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->work, NULL);
	pthread_cond_init(&p->done, NULL);
	pthread_cond_init(&p->wcv, NULL);
	for (int i = 0; i < (ncpu < MAX_WORKERS ? (int)ncpu : MAX_WORKERS); i++) {
		if (pthread_create(&p->th[i], NULL, worker_main, p) != 0)
			break;
		p->nth++;
	}
	p->wrunning = p->nth > 0 && pthread_create(&p->wth, NULL, writer_main, p) == 0;
	if (!p->wrunning) {
		pipeline_stop(p);
		return NULL;
	}
	return p;
}

/* Starts processing b: on the workers, or right here without them. */
static void batch_submit(struct pipeline *p, EVP_CIPHER_CTX *ctx, struct batch *b, const uint8_t key[32])
{
	if (!p) {
		for (size_t i = 0; i < b->n; i++)
			run_chunk(ctx, b, i, key);
		return;
	}
	pthread_mutex_lock(&p->mu);
	p->job = b;
	p->next = p->ndone = 0;
	pthread_cond_broadcast(&p->work);
	pthread_mutex_unlock(&p->mu);
}

/* Waits until every chunk of b (the batch last submitted) was processed. */
static void batch_wait(struct pipeline *p, struct batch *b)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->mu);
	while (p->ndone < b->n)
		pthread_cond_wait(&p->done, &p->mu);
	p->job = NULL;
	pthread_mutex_unlock(&p->mu);
}

/* Queues b->out[0..n) for the sink (or writes it right here without threads). */
static int batch_write(struct pipeline *p, struct age_sink *out, struct batch *b, size_t n)
{
	if (!p)
		return n ? out->write(out->ctx, b->out, n) : 0;
	if (!n)
		return 0;
	pthread_mutex_lock(&p->mu);
	p->queue[(p->qhead + p->qcount) % NSLOTS] = b;
	p->qlen[(p->qhead + p->qcount) % NSLOTS] = n;
	p->qcount++;
	pthread_cond_broadcast(&p->wcv);
	pthread_mutex_unlock(&p->mu);
	return 0;
}

/* Waits until the writer is done with b; returns 0 or the first sink error so far. */
static int batch_reusable(struct pipeline *p, struct batch *b)
{
	if (!p)
		return 0;
	pthread_mutex_lock(&p->mu);
	for (;;) {
		int queued = p->writing == b;
		for (int i = 0; i < p->qcount; i++)
			queued |= p->queue[(p->qhead + i) % NSLOTS] == b;
		if (!queued)
			break;
		pthread_cond_wait(&p->wcv, &p->mu);
	}
	int rc = p->wrc;
	pthread_mutex_unlock(&p->mu);
	return rc;
}

/* Batch buffers for a large input; slot 0's input buffer is in0, grown. */
static int slots_alloc(struct batch b[NSLOTS], uint8_t *in0)
{
	b[0].in = in0;
	if (grow(&b[0].in, SLOT_BYTES) != 0)
		return ERR_NOMEM;
	for (int i = 0; i < NSLOTS; i++)
		if ((i > 0 && !(b[i].in = malloc(SLOT_BYTES))) || !(b[i].out = malloc(SLOT_BYTES)))
			return err_set(ERR_NOMEM, "out of memory");
	return 0;
}

static void slots_free(struct batch b[NSLOTS])
{
	for (int i = 0; i < NSLOTS; i++) {
		free(b[i].in);
		free(b[i].out);
	}
}

/* ---- encryption ---- */

/*
 * Plans the encryption of in[0..len) of b: every chunk known not to be the
 * last (more input follows it), and at end of input the rest as the final
 * chunk (an empty one for an empty payload). Returns the bytes left over for
 * the next batch and the size of b's output in *out_len.
 */
static size_t plan_encrypt(struct batch *b, size_t len, int eof, uint64_t *counter, size_t *out_len)
{
	size_t n;
	b->counter = *counter;
	b->final = eof;
	if (eof) {
		n = len ? (len + AGE_CHUNK_SIZE - 1) / AGE_CHUNK_SIZE : 1;
		b->last_len = len - (n - 1) * AGE_CHUNK_SIZE;
	} else {
		n = (len - 1) / AGE_CHUNK_SIZE;   /* len > 0: the buffer is full */
		b->last_len = AGE_CHUNK_SIZE;
	}
	b->n = n;
	*counter += n;
	*out_len = n ? (n - 1) * ENC_CHUNK + b->last_len + AGE_TAG_LEN : 0;
	return eof ? 0 : len - n * AGE_CHUNK_SIZE;
}

static int encrypt_payload(struct age_source *in, struct age_sink *out, const uint8_t key[32])
{
	struct batch b[NSLOTS];
	struct pipeline *p = NULL;
	EVP_CIPHER_CTX *ctx = aead_ctx(); /* for batches sealed on this thread */
	uint64_t counter = 0;
	size_t len = 0, got = 0, out_len, cap = (size_t)FIRST_BATCH * AGE_CHUNK_SIZE;
	int rc, eof;
	memset(b, 0, sizeof b);
	/* A first small read, so that small bodies stay cheap. */
	if (!(b[0].in = malloc(cap)) || !(b[0].out = malloc((size_t)FIRST_BATCH * ENC_CHUNK))) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = read_full(in, b[0].in, cap, &len)) != 0)
		goto out;
	eof = len < cap;
	if (!eof) {
		/* Larger: full-size batches, and threads once it fills one. */
		free(b[0].out);
		b[0].out = NULL;
		cap = (size_t)SLOT_CHUNKS * AGE_CHUNK_SIZE;
		if ((rc = slots_alloc(b, b[0].in)) != 0 || (rc = read_full(in, b[0].in + len, cap - len, &got)) != 0)
			goto out;
		len += got;
		eof = len < cap;
		if (!eof)
			p = pipeline_start(key, out);
	}
	struct batch *cur = &b[0];
	size_t carry = plan_encrypt(cur, len, eof, &counter, &out_len);
	batch_submit(p, ctx, cur, key);
	for (int k = 1;; k++) {
		struct batch *nx = &b[k % NSLOTS];
		size_t nlen = 0, nout = 0;
		int neof = 1;
		if (!eof) {
			/* Read the next batch while the workers encrypt this one and the writer writes the last. */
			if ((rc = batch_reusable(p, nx)) == 0) {
				memcpy(nx->in, cur->in + len - carry, carry);
				rc = read_full(in, nx->in + carry, cap - carry, &got);
				nlen = carry + got;
				neof = nlen < cap;
			}
		}
		batch_wait(p, cur);
		for (size_t i = 0; !rc && i < cur->n; i++)
			if (cur->status[i] != CHUNK_MIDDLE)
				rc = err_set(ERR_NOMEM, "ChaCha20-Poly1305 encryption failed");
		if (rc || (rc = batch_write(p, out, cur, out_len)) != 0 || cur->final)
			goto out;
		carry = plan_encrypt(nx, nlen, neof, &counter, &nout);
		batch_submit(p, ctx, nx, key);
		cur = nx;
		len = nlen;
		eof = neof;
		out_len = nout;
	}
out:;
	int prc = pipeline_stop(p);
	EVP_CIPHER_CTX_free(ctx);
	slots_free(b);
	return rc ? rc : prc;
}

int age_encrypt(struct age_source *in, struct age_sink *out, const struct age_recipient *r, size_t n, int armor)
{
	struct file_secrets *k = age_secret_get();
	struct age_armor_writer *aw = NULL;
	struct age_sink armored, *dst = out;
	struct buf hdr;
	uint8_t mac[32], nonce[NONCE_LEN];
	char mac_text[44];
	int rc = 0;
	buf_init(&hdr, AGE_HEADER_MAX);
	if (!k)
		return ERR_NOMEM;
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
	age_secret_put(k);
	free(aw);
	buf_release(&hdr);
	return rc;
}

/* Tells the kernel the input is read once, front to back (larger read-ahead); ignored for pipes. */
static void advise_sequential(int fd)
{
	(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
}

int age_encrypt_fd(int in_fd, int out_fd, const struct age_recipient *r, size_t n, int armor)
{
	struct age_source in;
	advise_sequential(in_fd);
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
	age_secret_put(d->k);
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
	if (!d->eof && d->cap < (size_t)MAX_BATCH * ENC_CHUNK) {
		size_t ncap = d->cap * 4 < (size_t)MAX_BATCH * ENC_CHUNK ? d->cap * 4 : (size_t)MAX_BATCH * ENC_CHUNK;
		if ((rc = grow(&d->buf, ncap)) != 0)
			return rc;
		d->cap = ncap;
	}
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
	if (!d || !(d->k = age_secret_get()) || !(d->buf = malloc((size_t)FIRST_BATCH * ENC_CHUNK))) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	d->cap = (size_t)FIRST_BATCH * ENC_CHUNK;
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

/*
 * Chunks are released once they verify, in order, in the same places as the
 * reference implementation: a full-size chunk is tried as a middle chunk,
 * then as the final one; a shorter chunk at the end of input must be the
 * final one; after the final chunk the input must end. Verified chunks before
 * a failing one are released before the failure is reported.
 */
int age_decrypt_payload(struct age_decryptor *d, struct age_sink *out)
{
	struct batch b[NSLOTS];
	struct pipeline *p = NULL;
	EVP_CIPHER_CTX *ctx = aead_ctx(); /* for batches opened on this thread, and the short final chunk */
	const uint8_t *key = d->k->payload_key;
	uint64_t counter = 0;
	size_t len, cap, got = 0;
	int rc = 0, eof = d->eof;
	memset(b, 0, sizeof b);
	for (int i = 0; i < NSLOTS; i++)
		b[i].decrypt = 1;
	/* The payload bytes already read with the header go first. */
	memmove(d->buf, d->buf + d->pos, d->len - d->pos);
	len = d->len - d->pos;
	cap = d->cap;
	d->pos = d->len = 0;
	b[0].in = d->buf;
	d->buf = NULL; /* owned by b[0] from here */
	if (!eof && (rc = read_full(&d->src, b[0].in + len, cap - len, &got)) != 0)
		goto out;
	len += got;
	eof = eof || len < cap;
	if (!eof) {
		/* Larger than the first buffer: full-size batches, and threads once it fills one. */
		if ((rc = slots_alloc(b, b[0].in)) != 0 || (rc = read_full(&d->src, b[0].in + len, SLOT_BYTES - len, &got)) != 0)
			goto out;
		len += got;
		cap = SLOT_BYTES;
		eof = len < cap;
		if (!eof)
			p = pipeline_start(key, out);
	} else if (!(b[0].out = malloc(len / ENC_CHUNK * AGE_CHUNK_SIZE + AGE_CHUNK_SIZE))) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	struct batch *cur = &b[0];
	cur->n = len / ENC_CHUNK;
	cur->counter = counter;
	counter += cur->n;
	size_t carry = len - cur->n * ENC_CHUNK;
	batch_submit(p, ctx, cur, key);
	for (int k = 1;; k++) {
		struct batch *nx = &b[k % NSLOTS];
		size_t nlen = carry, opos = 0, i;
		int neof = eof, final = 0;
		if (!eof) {
			/* Read the next batch while the workers decrypt this one and the writer writes the last. */
			if ((rc = batch_reusable(p, nx)) == 0) {
				memcpy(nx->in, cur->in + len - carry, carry);
				rc = read_full(&d->src, nx->in + carry, cap - carry, &got);
				nlen = carry + got;
				neof = nlen < cap;
			}
		}
		batch_wait(p, cur);
		if (rc)
			goto out;
		/* The verified chunks, in order, up to the final one or the first failure. */
		for (i = 0; i < cur->n && cur->status[i] == CHUNK_MIDDLE; i++)
			opos += AGE_CHUNK_SIZE;
		if (i < cur->n && cur->status[i] == CHUNK_FINAL) {
			opos += AGE_CHUNK_SIZE;
			final = 1;
			if (i + 1 < cur->n || nlen > 0)
				rc = err_set(AGE_ERR_PAYLOAD, "data after the final chunk");
		} else if (i < cur->n) {
			rc = err_set(AGE_ERR_PAYLOAD, "chunk %llu does not authenticate", (unsigned long long)(cur->counter + i));
		} else if (eof) {
			/* The input ends here, with a short chunk (carry bytes), which must be the final one. */
			const uint8_t *c = cur->in + cur->n * ENC_CHUNK;
			uint64_t ctr = cur->counter + cur->n;
			uint8_t nonce[12];
			chunk_nonce(nonce, ctr, 1);
			if (carry == 0)
				rc = err_set(AGE_ERR_PAYLOAD, ctr ? "file is truncated: no final chunk" : "payload has no chunks");
			else if (carry < AGE_TAG_LEN)
				rc = err_set(AGE_ERR_PAYLOAD, "truncated chunk %llu", (unsigned long long)ctr);
			else if (carry == AGE_TAG_LEN && ctr > 0)
				rc = err_set(AGE_ERR_PAYLOAD, "final chunk is empty");
			else if (aead_open(ctx, cur->out + opos, c, carry - AGE_TAG_LEN, nonce, key) != 0)
				rc = err_set(AGE_ERR_PAYLOAD, "final chunk %llu does not authenticate", (unsigned long long)ctr);
			else
				opos += carry - AGE_TAG_LEN;
			final = 1;
		}
		/* Release what verified, also when a later chunk failed. */
		int wrc = batch_write(p, out, cur, opos);
		if (!rc)
			rc = wrc;
		if (rc || final)
			goto out;
		nx->n = nlen / ENC_CHUNK;
		nx->counter = counter;
		counter += nx->n;
		carry = nlen - nx->n * ENC_CHUNK;
		batch_submit(p, ctx, nx, key);
		cur = nx;
		len = nlen;
		eof = neof;
	}
out:;
	int prc = pipeline_stop(p);
	EVP_CIPHER_CTX_free(ctx);
	slots_free(b);
	return rc ? rc : prc;
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
	advise_sequential(in_fd);
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

int age_encrypt_to_path(int in_fd, const char *path, const struct age_recipient *r, size_t n, int armor)
{
	char tmp[4096];
	int fd = tmp_create(path, tmp, sizeof tmp);
	if (fd < 0)
		return fd;
	return file_commit_tmp(fd, tmp, path, 0, age_encrypt_fd(in_fd, fd, r, n, armor));
}

int age_decrypt_to_path(int in_fd, const char *path, const struct age_identity *ids, size_t n)
{
	struct age_decryptor *d = NULL;
	struct age_source in;
	struct age_sink out;
	char tmp[4096];
	int fd, rc;
	advise_sequential(in_fd);
	age_source_fd(&in, &in_fd);
	if ((rc = age_decrypt_begin(&d, &in, ids, n)) != 0)
		return rc;
	fd = tmp_create(path, tmp, sizeof tmp);
	if (fd < 0) {
		age_decrypt_free(d);
		return fd;
	}
	age_sink_fd(&out, &fd);
	rc = file_commit_tmp(fd, tmp, path, 0, age_decrypt_payload(d, &out));
	age_decrypt_free(d);
	return rc;
}
