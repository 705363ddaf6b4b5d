/*
 * bench_envelope — the cost of checking an envelope against its charter,
 * next to the Ed25519 signature check it contains.
 *
 *   bench_envelope [N [THREADS [ROUNDS]]]
 *
 * Builds a channel in memory (two parties, four agencies, a charter signed by
 * both nodes) and N signed envelopes (default 100,000) of the shape a case
 * produces: requests (some urgent), and acks and answers with a ref and
 * handling marks, each signed by its sender. Then ROUNDS times (default 4),
 * alternating which side goes first, on THREADS threads (default: the number
 * of online CPUs), each thread taking an equal slice of the N envelopes:
 *
 *   envelope_verify_per_s  envelope_parse (note syntax, every field) +
 *                          envelope_verify (channel, membership, kind rules,
 *                          every expected signature) per envelope
 *   ed25519_verify_per_s   crypto_sign_verify_detached of the same envelopes'
 *                          signatures over their texts: the same number of
 *                          signature checks, nothing else. The rounds
 *                          alternate, so drifting machine load affects both
 *                          sides alike; rates are over the sum of the rounds.
 * A comment also gives the process CPU time per envelope of both sides, which
 * other tenants of the machine do not inflate.
 *   envelope_verify_ratio  envelope_verify_per_s / ed25519_verify_per_s
 *
 * Prints key=value lines and '# ' comments; exits 2 if anything fails to verify.
 */
#include "channel.h"
#include "clock.h"

#include "base/buf.h"
#include "base/err.h"
#include "crypto/keyfile.h"
#include "exchange/envelope.h"

#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NAGENCIES 4
#define THREADS_MAX 64


static void die(const char *what)
{
	fprintf(stderr, "bench_envelope: %s: %s\n", what, err_msg());
	exit(2);
}

struct env {
	uint8_t *data;
	size_t len;
	size_t text_len;
	uint8_t sig[64];         /* the signature (after the key ID) */
	const uint8_t *pub;      /* and the key that made it */
};

static struct charter ch;
static struct env *envs;
static size_t nenvs;
static atomic_long failures;

struct slice {
	size_t lo, hi;
	int raw;                 /* 1: raw signatures only; 0: parse + verify */
};

static void *work(void *arg)
{
	const struct slice *s = arg;
	for (size_t i = s->lo; i < s->hi; i++) {
		const struct env *e = &envs[i];
		if (s->raw) {
			if (crypto_sign_verify_detached(e->sig, e->data, e->text_len, e->pub) != 0)
				atomic_fetch_add(&failures, 1);
		} else {
			struct envelope v;
			int rc = envelope_parse(&v, e->data, e->len);
			if (!rc) {
				rc = envelope_verify(&v, &ch);
				envelope_release(&v);
			}
			if (rc)
				atomic_fetch_add(&failures, 1);
		}
	}
	return NULL;
}

/* Runs [lo, hi) on threads threads; returns seconds, adds the process CPU seconds to *cpu. */
static double run(size_t lo, size_t hi, int threads, int raw, double *cpu)
{
	pthread_t th[THREADS_MAX];
	struct slice sl[THREADS_MAX];
	double t0 = now(), c0 = cpu_seconds();
	for (int t = 0; t < threads; t++) {
		sl[t].lo = lo + (hi - lo) * (size_t)t / (size_t)threads;
		sl[t].hi = lo + (hi - lo) * (size_t)(t + 1) / (size_t)threads;
		sl[t].raw = raw;
		if (pthread_create(&th[t], NULL, work, &sl[t]) != 0)
			die("pthread_create");
	}
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	double dt = now() - t0;
	*cpu += cpu_seconds() - c0;
	if (atomic_load(&failures))
		die(raw ? "raw verification of a valid signature" : "verification of a valid envelope");
	return dt;
}

int main(int argc, char **argv)
{
	nenvs = argc > 1 ? strtoul(argv[1], NULL, 10) : 25000;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int threads = argc > 2 ? (int)strtol(argv[2], NULL, 10) : (int)(ncpu > 0 ? ncpu : 1);
	int rounds = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 4;
	if (sodium_init() < 0 || nenvs < 2 || threads < 1 || threads > THREADS_MAX || rounds < 1)
		return 2;

	/* The channel. */
	static const char *const agency[NAGENCIES] = {"us.fbi", "us.doj", "ru.fsb", "ru.gp"};
	struct keyfile nodes[2], ag[NAGENCIES];
	struct bench_channel chn = {
		.name = "Benchmark channel", .party = {"us", "ru"}, .agency = agency, .nagency = NAGENCIES,
		.tail = "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
			"term: 2024-01-01T00:00:00Z 2030-01-01T00:00:00Z\nreporting-period: 30d\n",
		.nodes = nodes, .agencies = ag, .ch = &ch,
	};
	if (bench_channel_make(&chn))
		die("channel");

	/* The envelopes. */
	envs = calloc(nenvs, sizeof *envs);
	if (!envs)
		die("calloc");
	double t0 = now();
	size_t total = 0;
	for (size_t i = 0; i < nenvs; i++) {
		struct envelope_fields f;
		struct buf t, note;
		memset(&f, 0, sizeof f);
		buf_init(&t, ENVELOPE_MAX_SIZE);
		buf_init(&note, ENVELOPE_MAX_SIZE);
		int from = (int)(i % NAGENCIES), kind = (int)(i % 8);
		snprintf(f.channel, sizeof f.channel, "%s", ch.id_hex);
		snprintf(f.from, sizeof f.from, "%s", agency[from]);
		snprintf(f.to[0], sizeof f.to[0], "%s", agency[(from + 2) % NAGENCIES]);
		snprintf(f.to[1], sizeof f.to[1], "%s", agency[(from + 3) % NAGENCIES]);
		f.nto = 2;
		snprintf(f.case_id, sizeof f.case_id, "%s/2024-%06zu", agency[from], i / 8);
		f.time = 1717200000 + (int64_t)i;
		f.has_body = 1;
		randombytes_buf(f.body_hash, sizeof f.body_hash);
		f.body_size = 4096 + i % 4000;
		f.kind = kind < 4 ? ENV_REQUEST : kind < 6 ? ENV_ANSWER : ENV_ACK;
		if (f.kind == ENV_ANSWER || f.kind == ENV_ACK) {
			f.has_ref = 1;
			snprintf(f.ref.origin, sizeof f.ref.origin, "%s", from < 2 ? "ru.parley.example/log" : "us.parley.example/log");
			f.ref.index = i * 7;
			randombytes_buf(f.ref.leaf, sizeof f.ref.leaf);
			snprintf(f.handling, sizeof f.handling, "TLP:AMBER H2");
		}
		if (f.kind == ENV_REQUEST && i % 16 == 1)
			f.urgent = 1;
		if (envelope_format(&f, &t))
			die("envelope_format");
		if (note_sign(&note, (const char *)t.data, t.len, &ag[from].sign, 1, 0))
			die("note_sign");
		struct env *e = &envs[i];
		e->data = note.data; /* kept: owned by envs[i] */
		e->len = note.len;
		e->text_len = t.len;
		struct note parsed;
		if (note_parse(&parsed, e->data, e->len) || parsed.nsigs != 1 || parsed.sigs[0].sig_len != 64)
			die("note_parse");
		memcpy(e->sig, parsed.sigs[0].sig, 64);
		e->pub = ag[from].sign.pub;
		note_release(&parsed);
		total += e->len;
		buf_release(&t);
	}
	printf("# envelope: %zu envelopes (%zu bytes on average, one signature each), built in %.1f s\n",
	       nenvs, total / nenvs, now() - t0);

	double te = 0, tr = 0, ce = 0, cr = 0;
	char le[256] = "", lr[256] = "";
	for (int r = 0; r < rounds; r++) {
		double a, b;
		if (r % 2 == 0) {
			a = run(0, nenvs, threads, 1, &cr);
			b = run(0, nenvs, threads, 0, &ce);
		} else {
			b = run(0, nenvs, threads, 0, &ce);
			a = run(0, nenvs, threads, 1, &cr);
		}
		tr += a;
		te += b;
		snprintf(lr + strlen(lr), sizeof lr - strlen(lr), " %.2f", a);
		snprintf(le + strlen(le), sizeof le - strlen(le), " %.2f", b);
	}
	double total_n = (double)nenvs * rounds;
	double env_rate = total_n / te, raw_rate = total_n / tr;
	printf("# envelope: %d rounds of %zu envelopes on %d threads; parse + verify s:%s ; raw Ed25519 s:%s\n", rounds,
	       nenvs, threads, le, lr);
	printf("# envelope: CPU time per envelope %.1f us parse + verify vs %.1f us raw verify; CPU-cost ratio %.3f\n",
	       ce / total_n * 1e6, cr / total_n * 1e6, cr / ce);
	printf("envelope_verify_per_s=%.0f\n", env_rate);
	printf("ed25519_verify_per_s=%.0f\n", raw_rate);
	printf("envelope_verify_ratio=%.3f\n", env_rate / raw_rate);
	return 0;
}
