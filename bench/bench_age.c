/*
 * bench_age — throughput of parley's age implementation.
 *
 *   bench_age [SIZE_BYTES [DIR]]
 *
 * Writes SIZE_BYTES (default 1 GiB) of random data to DIR/plain (default: a
 * new temporary directory, removed at the end; a given DIR is left for
 * bench/age.sh, which times the age command on the same file), encrypts it
 * file to file to one X25519 recipient, decrypts it back, and checks the
 * size. Then seals and opens 4 KiB bodies to 3 recipients in memory.
 * Prints key=value lines; MB is 10^6 bytes.
 */
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

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_age: %s: %s\n", what, err_msg());
	exit(2);
}

static void write_random(const char *path, unsigned long long size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	size_t blk = 1 << 20;
	uint8_t *b = malloc(blk);
	if (fd < 0 || !b)
		die(path);
	for (unsigned long long left = size; left;) {
		size_t k = left < blk ? (size_t)left : blk;
		randombytes_buf(b, k);
		if (write(fd, b, k) != (ssize_t)k)
			die("write");
		left -= k;
	}
	free(b);
	close(fd);
}

/* Runs encrypt (dir=0) or decrypt (dir=1) from file a to file b; returns seconds. */
static double run_file(int dir, const char *a, const char *b, struct age_recipient *r, struct age_identity *id)
{
	int in = open(a, O_RDONLY), out = open(b, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (in < 0 || out < 0)
		die("open");
	double t0 = now();
	if ((dir == 0 ? age_encrypt_fd(in, out, r, 1, 0) : age_decrypt_fd(in, out, id, 1)) != 0)
		die(dir == 0 ? "encrypt" : "decrypt");
	double t = now() - t0;
	close(in);
	close(out);
	return t;
}

int main(int argc, char **argv)
{
	unsigned long long size = argc > 1 ? strtoull(argv[1], NULL, 10) : 1ull << 30;
	char tmpl[] = "/tmp/parley-bench-age.XXXXXX", plain[4200], enc[4200], dec[4200];
	const char *dir = argc > 2 ? argv[2] : NULL;
	if (sodium_init() < 0 || size == 0)
		return 2;
	if (!dir && !(dir = mkdtemp(tmpl)))
		die("mkdtemp");
	snprintf(plain, sizeof plain, "%s/plain", dir);
	snprintf(enc, sizeof enc, "%s/parley.age", dir);
	snprintf(dec, sizeof dec, "%s/parley.out", dir);

	struct age_identity ids[3];
	struct age_recipient rcp[3];
	for (int i = 0; i < 3; i++)
		if (age_identity_generate(&ids[i]) || age_recipient_from_identity(&rcp[i], &ids[i]))
			die("keys");
	write_random(plain, size);
	double te = run_file(0, plain, enc, rcp, ids);
	double td = run_file(1, enc, dec, rcp, ids);
	struct stat st;
	if (stat(dec, &st) != 0 || (unsigned long long)st.st_size != size)
		die("round trip size mismatch");
	unlink(dec);
	unlink(enc);
	printf("age_bytes=%llu\n", size);
	printf("age_encrypt_mb_s=%.1f\n", (double)size / te / 1e6);
	printf("age_decrypt_mb_s=%.1f\n", (double)size / td / 1e6);

	/* Small bodies: 4 KiB sealed to 3 recipients, opened by the last one. */
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
	if (argc <= 2) {
		unlink(plain);
		rmdir(dir);
	}
	return 0;
}
