/*
 * bench_age — throughput of parley's age implementation.
 *
 *   bench_age gen SIZE DIR   writes SIZE bytes of random data to DIR/plain
 *                            (fdatasync'd, so that its write-back does not
 *                            slow down what follows) and a new X25519 identity
 *                            to DIR/key (an age identity file)
 *   bench_age encrypt DIR    encrypts DIR/plain to DIR/key's recipient into
 *                            DIR/parley.age: age_encrypt_fd, file to file
 *   bench_age decrypt DIR    decrypts DIR/parley.age into DIR/parley.out and
 *                            checks it equals DIR/plain (not timed)
 *   bench_age small          seals 4 KiB bodies to 3 recipients in memory and
 *                            opens them, for a second each
 *   bench_age [SIZE [DIR]]   all of the above in one go (default 1 GiB, in a
 *                            new temporary directory removed at the end)
 *
 * bench/age.sh runs the steps separately, alternating with Debian's age on the
 * same file. Prints key=value lines; MB is 10^6 bytes.
 */
#include "clock.h"

#include "base/buf.h"
#include "base/err.h"
#include "crypto/age.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>


static void die(const char *what)
{
	fprintf(stderr, "bench_age: %s: %s\n", what, err_msg());
	exit(2);
}

static void path(char *out, size_t n, const char *dir, const char *name)
{
	if (snprintf(out, n, "%s/%s", dir, name) >= (int)n)
		die("path too long");
}

static void gen(unsigned long long size, const char *dir)
{
	char p[4200];
	path(p, sizeof p, dir, "plain");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t blk = 1 << 20;
	uint8_t *b = malloc(blk);
	if (fd < 0 || !b)
		die(p);
	for (unsigned long long left = size; left;) {
		size_t k = left < blk ? (size_t)left : blk;
		randombytes_buf(b, k);
		if (write(fd, b, k) != (ssize_t)k)
			die("write");
		left -= k;
	}
	if (fdatasync(fd) != 0)
		die("fdatasync");
	free(b);
	close(fd);
	struct age_identity id;
	char text[AGE_IDENTITY_TEXT_MAX];
	path(p, sizeof p, dir, "key");
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || age_identity_generate(&id) || age_identity_encode(&id, text) ||
	    dprintf(fd, "%s\n", text) < 0 || close(fd) != 0)
		die("identity");
	sodium_memzero(text, sizeof text);
	age_identity_free(&id);
}

/* Encrypts (dir=0) DIR/plain or decrypts (dir=1) DIR/parley.age; prints the rate. */
static void run_file(int decrypt, const char *dir)
{
	char pk[4200], a[4200], b[4200];
	struct age_identity *ids;
	struct age_recipient r;
	size_t nids;
	path(pk, sizeof pk, dir, "key");
	path(a, sizeof a, dir, decrypt ? "parley.age" : "plain");
	path(b, sizeof b, dir, decrypt ? "parley.out" : "parley.age");
	if (age_identities_load(pk, &ids, &nids) || age_recipient_from_identity(&r, &ids[0]))
		die(pk);
	int in = open(a, O_RDONLY), out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	struct stat st;
	if (in < 0 || out < 0)
		die("open");
	path(pk, sizeof pk, dir, "plain");
	if (stat(pk, &st) != 0)
		die("stat");
	double t0 = now();
	if ((decrypt ? age_decrypt_fd(in, out, ids, nids) : age_encrypt_fd(in, out, &r, 1, 0)) != 0)
		die(decrypt ? "decrypt" : "encrypt");
	double t = now() - t0;
	close(in);
	close(out);
	age_identities_free(ids, nids);
	printf("age_%s_mb_s=%.1f\n", decrypt ? "decrypt" : "encrypt", (double)st.st_size / t / 1e6);
	if (decrypt) {
		/* The round trip must give the plaintext back (not timed). */
		FILE *f1 = fopen(pk, "rb"), *f2 = fopen(b, "rb");
		static uint8_t x[1 << 16], y[1 << 16];
		size_t n1, n2;
		if (!f1 || !f2)
			die("open for comparison");
		do {
			n1 = fread(x, 1, sizeof x, f1);
			n2 = fread(y, 1, sizeof y, f2);
			if (n1 != n2 || memcmp(x, y, n1) != 0)
				die("the decrypted file differs from the plaintext");
		} while (n1);
		fclose(f1);
		fclose(f2);
	}
}

/* 4 KiB bodies sealed to 3 recipients, opened by the last one. */
static void small(void)
{
	struct age_identity ids[3];
	struct age_recipient rcp[3];
	for (int i = 0; i < 3; i++)
		if (age_identity_generate(&ids[i]) || age_recipient_from_identity(&rcp[i], &ids[i]))
			die("keys");
	uint8_t body[4096];
	struct buf ct, pt;
	randombytes_buf(body, sizeof body);
	buf_init(&ct, 1 << 20);
	buf_init(&pt, 1 << 20);
	long n = 0;
	double t0 = now(), t;
	do {
		if (age_encrypt_buf(body, sizeof body, rcp, 3, 0, &ct) != 0)
			die("seal");
		n++;
	} while ((t = now() - t0) < 1.0);
	printf("seal_per_s=%.0f\n", (double)n / t);
	n = 0;
	t0 = now();
	do {
		if (age_decrypt_buf(ct.data, ct.len, &ids[2], 1, &pt) != 0 || pt.len != sizeof body)
			die("open");
		n++;
	} while ((t = now() - t0) < 1.0);
	printf("open_per_s=%.0f\n", (double)n / t);
	buf_release(&ct);
	buf_release(&pt);
	for (int i = 0; i < 3; i++)
		age_identity_free(&ids[i]);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0)
		return 2;
	const char *cmd = argc > 1 ? argv[1] : "";
	if (!strcmp(cmd, "gen") && argc == 4) {
		gen(strtoull(argv[2], NULL, 10), argv[3]);
	} else if (!strcmp(cmd, "encrypt") && argc == 3) {
		run_file(0, argv[2]);
	} else if (!strcmp(cmd, "decrypt") && argc == 3) {
		run_file(1, argv[2]);
	} else if (!strcmp(cmd, "small") && argc == 2) {
		small();
	} else if (argc <= 3 && (argc < 2 || (argv[1][0] >= '1' && argv[1][0] <= '9'))) {
		unsigned long long size = argc > 1 ? strtoull(argv[1], NULL, 10) : 1ull << 30;
		char tmpl[] = "/tmp/parley-bench-age.XXXXXX", p[4200];
		const char *dir = argc > 2 ? argv[2] : mkdtemp(tmpl);
		if (!dir)
			die("mkdtemp");
		gen(size, dir);
		printf("age_bytes=%llu\n", size);
		run_file(0, dir);
		run_file(1, dir);
		small();
		if (argc <= 2) {
			static const char *const names[] = {"plain", "key", "parley.age", "parley.out"};
			for (int i = 0; i < 4; i++) {
				path(p, sizeof p, dir, names[i]);
				unlink(p);
			}
			rmdir(dir);
		}
	} else {
		fprintf(stderr, "usage: bench_age gen SIZE DIR | encrypt DIR | decrypt DIR | small | [SIZE [DIR]]\n");
		return 2;
	}
	return 0;
}
