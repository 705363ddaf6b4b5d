/*
 * bench_report — `parley report` over two parties' logs against the Ed25519
 * checks it contains.
 *
 *   bench_report N THREADS DIR
 *
 * Builds a channel (two parties, four agencies, a witness; charter signed by
 * both nodes) and a fetch-layout directory in DIR (docs/reports.md): us's log
 * holds N/2 requests of us.fbi to ru.gp (each opening its own case), ru's log
 * N/2 acks of ru.gp referencing them, each signed by its sender; a kept
 * checkpoint per tenth of each log, cosigned by the other party's node
 * and the witness at 10 min after its last entry, and the last one again
 * after the period (the closing checkpoint). Then, on THREADS threads:
 *
 *   report_envelopes_per_s   N / seconds of logset_open (every checkpoint,
 *                            cosignature and envelope signature checked, every
 *                            entry hashed into the tree and fed to the case
 *                            state) + report_compute + report_json_file (to
 *                            DIR/report.json): the whole `parley report --json`
 *   ed25519_verify_per_s     crypto_sign_verify_detached of the same N
 *                            envelopes' signatures from memory, measured
 *                            before and after the report (the mean), so load
 *                            drifting on the shared machine affects both
 *   report_ratio_vs_verify   report_envelopes_per_s / ed25519_verify_per_s
 *   report_verify_envelopes_per_s  N / seconds of `parley report verify` of the
 *                            bundle of that report (bundle_verify: the bundle's
 *                            logs loaded and checked as above, each log's
 *                            closing checkpoint, the report recomputed and
 *                            compared byte for byte with its report.json)
 *   report_verify_ratio_vs_verify  that / the raw Ed25519 rate measured around it
 *   bundle_bytes_per_envelope      the bundle's bytes (logs, tiles, checkpoints,
 *                            charter; report.json apart, in a comment) per envelope
 *   entry_bytes_mean         the mean size of an envelope (a log entry)
 *
 * A comment gives the CPU time per envelope of both. Prints key=value lines
 * and '# ' comments; exits 2 if anything fails or the report's figures are
 * not the known ones.
 */
#include "channel.h"
#include "clock.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/keyfile.h"
#include "exchange/envelope.h"
#include "report/bundle.h"
#include "report/report.h"
#include "tlog/store.h"

#include <ftw.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAGENCIES 4
#define THREADS_MAX 64
#define T0 1717200000 /* 2024-06-01T00:00:00Z */

static void die(const char *what)
{
	fprintf(stderr, "bench_report: %s: %s\n", what, err_msg());
	exit(2);
}

struct env {
	uint8_t *data;
	size_t len, text_len;
	uint8_t sig[64];
	const uint8_t *pub;
};

static struct charter ch;
static struct keyfile nodes[2], ag[NAGENCIES];
static struct env *envs;
static size_t nenvs;
static atomic_long failures;

struct slice {
	size_t lo, hi;
	int make;                /* 1: sign envelopes lo..hi of one log; 0: verify */
	int log;
};

/* Envelope i of log l: us i = request of us.fbi to ru.gp; ru i = ack of ru.gp referencing us i. */
static void make_env(int l, size_t i, struct env *e, const merkle_hash us_leaf)
{
	struct envelope_fields f;
	struct buf t, note;
	memset(&f, 0, sizeof f);
	buf_init(&t, ENVELOPE_MAX_SIZE);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	snprintf(f.channel, sizeof f.channel, "%s", ch.id_hex);
	snprintf(f.case_id, sizeof f.case_id, "us.fbi/2024-%07zu", i);
	f.nto = 1;
	int from = l == 0 ? 0 : 3;
	if (l == 0) {
		snprintf(f.from, sizeof f.from, "us.fbi");
		snprintf(f.to[0], sizeof f.to[0], "ru.gp");
		f.kind = ENV_REQUEST;
		f.time = T0 + (int64_t)i;
		f.has_body = 1;
		randombytes_buf(f.body_hash, sizeof f.body_hash);
		f.body_size = 4096 + i % 4000;
		snprintf(f.handling, sizeof f.handling, "TLP:AMBER");
	} else {
		snprintf(f.from, sizeof f.from, "ru.gp");
		snprintf(f.to[0], sizeof f.to[0], "us.fbi");
		f.kind = ENV_ACK;
		f.time = T0 + (int64_t)i + 60;
		f.has_ref = 1;
		snprintf(f.ref.origin, sizeof f.ref.origin, "%s", nodes[0].sign.name);
		f.ref.index = i;
		memcpy(f.ref.leaf, us_leaf, sizeof f.ref.leaf);
	}
	if (envelope_format(&f, &t) || note_sign(&note, (const char *)t.data, t.len, &ag[from].sign, 1, 0))
		die("envelope");
	struct note parsed;
	if (note_parse(&parsed, note.data, note.len) || parsed.nsigs != 1 || parsed.sigs[0].sig_len != 64)
		die("note_parse");
	e->data = note.data; /* kept */
	e->len = note.len;
	e->text_len = t.len;
	memcpy(e->sig, parsed.sigs[0].sig, 64);
	e->pub = ag[from].sign.pub;
	note_release(&parsed);
	buf_release(&t);
}

static void *work(void *arg)
{
	const struct slice *s = arg;
	size_t half = nenvs / 2;
	for (size_t i = s->lo; i < s->hi; i++) {
		if (s->make) {
			merkle_hash leaf;
			if (s->log)
				merkle_leaf_hash(envs[i - half].data, envs[i - half].len, leaf);
			make_env(s->log, s->log ? i - half : i, &envs[i], leaf);
		} else if (crypto_sign_verify_detached(envs[i].sig, envs[i].data, envs[i].text_len, envs[i].pub) != 0) {
			atomic_fetch_add(&failures, 1);
		}
	}
	return NULL;
}

static double run(size_t lo, size_t hi, int threads, int make, int log, double *cpu)
{
	pthread_t th[THREADS_MAX];
	struct slice sl[THREADS_MAX];
	double t0 = now(), c0 = cpu_seconds();
	for (int t = 0; t < threads; t++) {
		sl[t] = (struct slice){lo + (hi - lo) * (size_t)t / (size_t)threads, lo + (hi - lo) * (size_t)(t + 1) / (size_t)threads,
				       make, log};
		if (pthread_create(&th[t], NULL, work, &sl[t]) != 0)
			die("pthread_create");
	}
	for (int t = 0; t < threads; t++)
		pthread_join(th[t], NULL);
	if (cpu)
		*cpu += cpu_seconds() - c0;
	if (atomic_load(&failures))
		die("raw verification of a valid signature");
	return now() - t0;
}

static unsigned long long tree_bytes, json_bytes;

static int count_bytes(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)f;
	if (type == FTW_F) {
		if (strstr(path, "/report.json"))
			json_bytes += (unsigned long long)st->st_size;
		else
			tree_bytes += (unsigned long long)st->st_size;
	}
	return 0;
}

/* The checkpoint of t signed by its node, cosigned at time by the other node and the witness, into DIR/logs/<p>.checkpoints/<size>. */
static void keep(const char *dir, const char *party, struct tlog *t, const struct note_signer *log,
		 const struct note_signer *other, const struct note_signer *witness, uint64_t time, int publish)
{
	struct buf text, note;
	char path[4400];
	struct note_signer all[3] = {*log, *other, *witness};
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	if (checkpoint_format_text(tlog_checkpoint(t), &text) ||
	    note_sign(&note, (const char *)text.data, text.len, all, 3, time))
		die("cosign");
	snprintf(path, sizeof path, "%s/logs/%s.checkpoints/%llu", dir, party, (unsigned long long)tlog_size(t));
	if (publish ? tlog_publish_cosigned(t, note.data, note.len) : file_write_atomic(path, note.data, note.len, 0644, 0))
		die("write checkpoint");
	buf_release(&text);
	buf_release(&note);
}

int main(int argc, char **argv)
{
	if (argc != 4 || sodium_init() < 0)
		return 2;
	nenvs = strtoul(argv[1], NULL, 10) & ~(size_t)1;
	int threads = (int)strtol(argv[2], NULL, 10);
	const char *dir = argv[3];
	if (nenvs < 2 || threads < 1 || threads > THREADS_MAX)
		return 2;

	/* The channel. */
	static const char *const agency[NAGENCIES] = {"us.fbi", "us.doj", "ru.fsb", "ru.gp"};
	struct keyfile wit;
	struct note_signer cos[2], wcos;
	char path[4400];
	struct bench_channel chn = {
		.name = "Benchmark channel", .party = {"us", "ru"}, .agency = agency, .nagency = NAGENCIES, .witness = 1,
		.tail = "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
			"term: 2024-01-01T00:00:00Z 2030-01-01T00:00:00Z\nreporting-period: 30d\n",
		.nodes = nodes, .agencies = ag, .wit = &wit, .ch = &ch,
	};
	if (bench_channel_make(&chn))
		die("channel");
	if (note_signer_retype(&cos[0], &nodes[0].sign, NOTE_COSIGNATURE) ||
	    note_signer_retype(&cos[1], &nodes[1].sign, NOTE_COSIGNATURE) ||
	    note_signer_retype(&wcos, &wit.sign, NOTE_COSIGNATURE))
		die("retype");
	snprintf(path, sizeof path, "%s/charter", dir);
	if (mkdir_p(dir, 0755) || file_write_atomic(path, chn.signed_text.data, chn.signed_text.len, 0644, 0))
		die("write charter");

	/* The envelopes: us's first (ru's acks name their leaves), each half signed on THREADS threads. */
	envs = calloc(nenvs, sizeof *envs);
	if (!envs)
		die("calloc");
	double t0 = now();
	size_t half_n = nenvs / 2, total = 0;
	run(0, half_n, threads, 1, 0, NULL);
	run(half_n, nenvs, threads, 1, 1, NULL);
	for (size_t i = 0; i < nenvs; i++)
		total += envs[i].len;
	double built = now() - t0;

	size_t batch = half_n / 10 > 256 ? half_n / 10 : 256;
	int64_t period_end = T0 + (int64_t)nenvs + 7200;
	/* The logs, fetch layout, a kept cosigned checkpoint per tenth; the last one again after the period. */
	t0 = now();
	for (int l = 0; l < 2; l++) {
		const char *party = l ? "ru" : "us";
		struct tlog *t;
		snprintf(path, sizeof path, "%s/logs/%s.checkpoints", dir, party);
		if (mkdir_p(path, 0755))
			die("mkdir");
		snprintf(path, sizeof path, "%s/logs/%s", dir, party);
		if (mkdir_p(path, 0755) || tlog_create(path, &nodes[l].sign) || tlog_open(&t, path, &nodes[l].sign))
			die("tlog");
		tlog_set_sync(t, TLOG_SYNC_FS);
		for (size_t i = 0; i < half_n; i++) {
			const struct env *e = &envs[l * half_n + i];
			if (tlog_add(t, e->data, e->len, NULL))
				die("tlog_add");
			if ((i + 1) % batch == 0 || i + 1 == half_n) {
				if (tlog_commit(t))
					die("tlog_commit");
				keep(dir, party, t, &nodes[l].sign, &cos[1 - l], &wcos, T0 + i + 1 + 600, 0);
			}
		}
		/* seen again after the period: the closing checkpoint, in the published one */
		keep(dir, party, t, &nodes[l].sign, &cos[1 - l], &wcos, (uint64_t)period_end + 1000, 1);
		tlog_close(t);
	}
	double written = now() - t0;
	printf("# report: %zu envelopes (%zu per party, %zu bytes on average), signed in %.1f s, written in %.1f s\n", nenvs,
	       half_n, total / nenvs, built, written);

	/* raw, report, raw */
	double cr = 0, crep = 0;
	double raw1 = run(0, nenvs, threads, 0, 0, &cr);
	double c0 = cpu_seconds();
	t0 = now();
	struct logset *s = malloc(sizeof *s);
	struct logset_options o = {1, period_end, threads};
	struct report r;
	struct report_filter f = {-1, -1, -1};
	if (!s || logset_open(s, dir, &o))
		die("logset_open");
	double t_open = now() - t0;
	if (report_compute(s, T0, period_end, &f, &r))
		die("report");
	double t_compute = now() - t0 - t_open;
	snprintf(path, sizeof path, "%s/report.json", dir);
	FILE *jf = fopen(path, "w");
	if (!jf || report_json_file(s, &r, jf) || fclose(jf))
		die("report");
	double rep = now() - t0;
	crep = cpu_seconds() - c0;
	double raw2 = run(0, nenvs, threads, 0, 0, &cr);
	/* the known figures: every request delivered and acknowledged, every log closed */
	if (r.npairs != 2 || r.pairs[0].sent != half_n || r.pairs[0].delivered != half_n ||
	    r.pairs[0].acknowledged != half_n || !s->logs[0].closed || !s->logs[1].closed ||
	    s->logs[0].read != half_n) {
		err_set(ERR_VERIFY, "unexpected figures: %zu pairs, sent %llu, acknowledged %llu", r.npairs,
			r.npairs ? (unsigned long long)r.pairs[0].sent : 0ull,
			r.npairs ? (unsigned long long)r.pairs[0].acknowledged : 0ull);
		die("report");
	}
	double raw_rate = 2.0 * (double)nenvs / (raw1 + raw2), rep_rate = (double)nenvs / rep;
	printf("# report: on %d threads: report s %.2f (JSON written to a file); raw Ed25519 s %.2f before, %.2f after\n",
	       threads, rep, raw1, raw2);
	printf("# report: load and check %.2f s, figures %.2f s, JSON %.2f s\n", t_open, t_compute, rep - t_open - t_compute);
	printf("# report: CPU time per envelope %.1f us report vs %.1f us raw verify; CPU-cost ratio %.3f\n",
	       crep / (double)nenvs * 1e6, cr / 2.0 / (double)nenvs * 1e6, cr / 2.0 / crep);
	printf("report_envelopes_per_s=%.0f\n", rep_rate);
	printf("ed25519_verify_per_s=%.0f\n", raw_rate);
	printf("report_ratio_vs_verify=%.3f\n", rep_rate / raw_rate);

	/* the bundle of that report, then `report verify` of it between two raw measurements */
	char bdir[4200], cpath[4200];
	snprintf(bdir, sizeof bdir, "%s/bundle", dir);
	snprintf(cpath, sizeof cpath, "%s/charter", dir);
	t0 = now();
	if (bundle_write_logs(s, cpath, bdir))
		die("bundle_write_logs");
	snprintf(path, sizeof path, "%s/report.json", bdir);
	if (!(jf = fopen(path, "w")) || report_json_file(s, &r, jf) || fclose(jf))
		die("bundle report.json");
	double t_bundle = now() - t0;
	report_release(&r);
	logset_close(s);
	free(s);
	struct buf msg;
	buf_init(&msg, 1u << 16);
	double cv = 0;
	double raw3 = run(0, nenvs, threads, 0, 0, &cv);
	c0 = cpu_seconds();
	t0 = now();
	if (bundle_verify(bdir, &ch, threads, &msg))
		die("bundle_verify");
	double ver = now() - t0, cver = cpu_seconds() - c0;
	double raw4 = run(0, nenvs, threads, 0, 0, &cv);
	if (nftw(bdir, count_bytes, 16, FTW_PHYS))
		die("nftw");
	double vraw_rate = 2.0 * (double)nenvs / (raw3 + raw4), ver_rate = (double)nenvs / ver;
	printf("# bundle: written in %.2f s; %s", t_bundle, (const char *)msg.data);
	printf("# bundle: verify s %.2f; raw Ed25519 s %.2f before, %.2f after; CPU time per envelope %.1f us verify vs %.1f us raw\n",
	       ver, raw3, raw4, cver / (double)nenvs * 1e6, cv / 2.0 / (double)nenvs * 1e6);
	printf("# bundle: %llu bytes of logs, tiles, checkpoints and charter, %llu bytes of report.json (%.1f per envelope)\n",
	       tree_bytes, json_bytes, (double)json_bytes / (double)nenvs);
	printf("report_verify_envelopes_per_s=%.0f\n", ver_rate);
	printf("report_verify_ratio_vs_verify=%.3f\n", ver_rate / vraw_rate);
	printf("bundle_bytes_per_envelope=%.1f\n", (double)tree_bytes / (double)nenvs);
	printf("entry_bytes_mean=%.1f\n", (double)total / (double)nenvs);
	buf_release(&msg);
	return 0;
}
