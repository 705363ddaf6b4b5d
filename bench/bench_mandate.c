/*
 * bench_mandate — `parley report --mandate` against `parley report` on the same
 * logs of an aid-crossing channel, in the same run.
 *
 *   bench_mandate TRUCKS THREADS DIR
 *
 * Builds an aid-crossing channel (the UN: un.ocha sends, un.unmm monitors; the
 * receiving authority sy.mofa; a witness; charter signed by both nodes, a
 * 12-month term, 30-day reporting periods) and a fetch-layout directory in DIR
 * holding a year of traffic of TRUCKS trucks (120,000: ten times the real
 * volume through Bab al-Hawa) in consignments of 10–25 trucks: per
 * consignment a notice with its aid line, an inspection and a crossing in the
 * UN's log and an acknowledgement in the authority's, each in time order,
 * with some late notices, urgent consignments, partial and rejected
 * inspections and missing acknowledgements; a kept checkpoint per tenth of
 * each log cosigned by the other party's node and the witness, and the last
 * one again after the term (the closing checkpoint). Then, on THREADS
 * threads, alternately report, mandate, three times each:
 *
 *   report_envelopes_per_s    envelopes / seconds of logset_open +
 *                             report_compute + report_json_file over the term
 *                             (the whole `parley report --json`), mean of three runs
 *   mandate_report_envelopes_per_s  the same with mandate_compute +
 *                             mandate_json_file (the whole `parley report
 *                             --mandate --json`), mean of three runs
 *   mandate_ratio_vs_report   the second / the first (goal: at least 0.9)
 *
 * Exits 2 if anything fails or the mandate's figures are not the known ones.
 */
#include "channel.h"
#include "clock.h"

#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/keyfile.h"
#include "exchange/envelope.h"
#include "report/mandate.h"
#include "report/report.h"
#include "tlog/store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T0 1704067200 /* 2024-01-01T00:00:00Z: the term's start */
#define TERM_END 1735689600 /* 2025-01-01T00:00:00Z */
#define HOUR 3600
#define ROUNDS 3 /* alternating runs of each */

static void die(const char *what)
{
	fprintf(stderr, "bench_mandate: %s: %s\n", what, err_msg());
	exit(2);
}

enum { EV_NOTICE, EV_INSPECTION, EV_CROSSING, EV_ACK };

struct ev {
	int64_t time;
	int type;
	size_t k;        /* consignment */
	int log;         /* 0 un, 1 sy */
};

struct cons {
	int64_t time, cross_by;
	uint32_t trucks, sectors[AID_SECTOR_COUNT];
	int urgent, late, result, acked;
	uint64_t index;  /* of the notice in the un log */
	merkle_hash leaf;
};

static struct charter ch;
static struct keyfile nodes[2], ag[3]; /* un.ocha, un.unmm, sy.mofa */

static int ev_cmp(const void *pa, const void *pb)
{
	const struct ev *a = pa, *b = pb;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->type - b->type;
}

static void sign(const struct envelope_fields *f, const struct note_signer *s, struct buf *out)
{
	struct buf t;
	buf_init(&t, ENVELOPE_MAX_SIZE);
	buf_reset(out);
	if (envelope_format(f, &t) || note_sign(out, (const char *)t.data, t.len, s, 1, 0))
		die("envelope");
	buf_release(&t);
}

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

static double timed_report(const char *dir, int threads, int mandate, struct mandate_figures *tot, size_t *ncons,
			   double *cpu)
{
	char path[4400];
	double c0 = cpu_seconds(), t0 = now();
	struct logset *s = malloc(sizeof *s);
	struct logset_options o = {1, TERM_END, threads};
	if (!s || logset_open(s, dir, &o))
		die("logset_open");
	snprintf(path, sizeof path, "%s/%s.json", dir, mandate ? "mandate" : "report");
	FILE *jf = fopen(path, "w");
	if (!jf)
		die("fopen");
	if (mandate) {
		struct mandate m;
		if (mandate_compute(s, T0, TERM_END, &m) || mandate_json_file(s, &m, jf))
			die("mandate");
		*tot = m.total;
		*ncons = m.ncons;
		mandate_release(&m);
	} else {
		struct report r;
		struct report_filter f = {-1, -1, -1};
		if (report_compute(s, T0, TERM_END, &f, &r) || report_json_file(s, &r, jf))
			die("report");
		report_release(&r);
	}
	if (fclose(jf))
		die("fclose");
	logset_close(s);
	free(s);
	*cpu += cpu_seconds() - c0;
	return now() - t0;
}

int main(int argc, char **argv)
{
	if (argc != 4 || sodium_init() < 0)
		return 2;
	uint64_t want_trucks = strtoull(argv[1], NULL, 10);
	int threads = (int)strtol(argv[2], NULL, 10);
	const char *dir = argv[3];
	if (want_trucks < 10 || threads < 1 || threads > 64)
		return 2;

	/* The channel. */
	static const char *const agency[3] = {"un.ocha", "un.unmm", "sy.mofa"};
	struct keyfile wit;
	struct note_signer cos[2], wcos;
	char path[4400];
	struct bench_channel chn = {
		.name = "Benchmark aid channel", .party = {"un", "sy"}, .agency = agency, .nagency = 3, .witness = 1,
		.tail = "profiles: aid-crossing\nack: 48h\nanswer: 30d\nurgent-ack: 24h\nurgent-answer: 3d\n"
			"term: 2024-01-01T00:00:00Z 2025-01-01T00:00:00Z\nreporting-period: 30d\n",
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

	/* The consignments: 10-25 trucks each until the trucks are reached, spread over the first 360 days. */
	size_t cap = (size_t)(want_trucks / 10 + 2), n = 0;
	struct cons *cs = calloc(cap, sizeof *cs);
	uint64_t trucks = 0, crossed = 0;
	uint32_t seed = 12345;
	while (trucks < want_trucks) {
		struct cons *c = &cs[n];
		seed = seed * 1103515245u + 12345u;
		c->trucks = 10 + (seed >> 16) % 16;
		if (trucks + c->trucks > want_trucks)
			c->trucks = (uint32_t)(want_trucks - trucks) < 10 ? 10 : (uint32_t)(want_trucks - trucks);
		trucks += c->trucks;
		c->sectors[AID_FOOD] = c->trucks * 6 / 10;
		c->sectors[AID_SHELTER_NFI] = c->trucks / 10;
		c->sectors[AID_WASH] = c->trucks / 10;
		c->sectors[AID_HEALTH] = c->trucks - c->sectors[AID_FOOD] - c->sectors[AID_SHELTER_NFI] - c->sectors[AID_WASH];
		n++;
	}
	int64_t step = 360LL * 86400 / (int64_t)n;
	for (size_t k = 0; k < n; k++) {
		struct cons *c = &cs[k];
		c->time = T0 + (int64_t)k * step;
		c->urgent = k % 15 == 7;
		c->late = k % 20 == 3;
		c->cross_by = c->time + (c->late ? 10 * HOUR : c->urgent ? 30 * HOUR : 72 * HOUR);
		c->result = k % 30 == 11 ? AID_REJECTED : k % 10 == 5 ? AID_PARTIAL : AID_CONFIRMED;
		c->acked = k % 25 != 9;
		if (c->result != AID_REJECTED)
			crossed += c->trucks - (c->result == AID_PARTIAL);
	}
	/* the events, in time order per log */
	struct ev *evs = calloc(4 * n, sizeof *evs);
	size_t nev = 0;
	for (size_t k = 0; k < n; k++) {
		evs[nev++] = (struct ev){cs[k].time, EV_NOTICE, k, 0};
		evs[nev++] = (struct ev){cs[k].time + 6 * HOUR, EV_INSPECTION, k, 0};
		if (cs[k].result != AID_REJECTED)
			evs[nev++] = (struct ev){cs[k].cross_by + 600, EV_CROSSING, k, 0};
		if (cs[k].acked)
			evs[nev++] = (struct ev){cs[k].time + HOUR, EV_ACK, k, 1};
	}
	qsort(evs, nev, sizeof *evs, ev_cmp);

	double t0 = now();
	struct tlog *logs[2];
	uint64_t sizes[2] = {0, 0}, total_bytes = 0;
	size_t per_log[2] = {0, 0};
	for (size_t i = 0; i < nev; i++)
		per_log[evs[i].log]++;
	size_t batch[2];
	int64_t last_time[2] = {T0, T0};
	for (int l = 0; l < 2; l++) {
		const char *party = l ? "sy" : "un";
		batch[l] = per_log[l] / 10 > 256 ? per_log[l] / 10 : 256;
		snprintf(path, sizeof path, "%s/logs/%s.checkpoints", dir, party);
		if (mkdir_p(path, 0755))
			die("mkdir");
		snprintf(path, sizeof path, "%s/logs/%s", dir, party);
		if (mkdir_p(path, 0755) || tlog_create(path, &nodes[l].sign) || tlog_open(&logs[l], path, &nodes[l].sign))
			die("tlog");
		tlog_set_sync(logs[l], TLOG_SYNC_FS);
	}
	struct buf note;
	buf_init(&note, ENVELOPE_MAX_SIZE);
	for (size_t i = 0; i < nev; i++) {
		const struct ev *v = &evs[i];
		struct cons *c = &cs[v->k];
		struct envelope_fields f;
		memset(&f, 0, sizeof f);
		snprintf(f.channel, sizeof f.channel, "%s", ch.id_hex);
		snprintf(f.case_id, sizeof f.case_id, "un.ocha/BAH-%06zu", v->k);
		f.time = v->time;
		int signer = 0;
		if (v->type != EV_NOTICE) {
			f.has_ref = 1;
			snprintf(f.ref.origin, sizeof f.ref.origin, "%s", nodes[0].sign.name);
			f.ref.index = c->index;
			memcpy(f.ref.leaf, c->leaf, sizeof f.ref.leaf);
		}
		if (v->type != EV_ACK) {
			f.has_body = 1;
			randombytes_buf(f.body_hash, sizeof f.body_hash);
			f.body_size = 8192 + v->k % 4000;
		}
		if (v->type == EV_NOTICE) {
			snprintf(f.from, sizeof f.from, "un.ocha");
			snprintf(f.to[0], sizeof f.to[0], "sy.mofa");
			snprintf(f.to[1], sizeof f.to[1], "un.unmm");
			f.nto = 2;
			f.kind = ENV_NOTICE;
			f.urgent = c->urgent;
			f.aid.type = ENV_AID_CONSIGNMENT;
			snprintf(f.aid.crossing, sizeof f.aid.crossing, "%s", v->k % 7 == 6 ? "bab-al-salam" : "bab-al-hawa");
			f.aid.time = c->cross_by;
			f.aid.trucks = c->trucks;
			memcpy(f.aid.sector_trucks, c->sectors, sizeof c->sectors);
			f.aid.beneficiaries = c->trucks * 2000;
		} else if (v->type == EV_INSPECTION || v->type == EV_CROSSING) {
			snprintf(f.from, sizeof f.from, v->type == EV_INSPECTION ? "un.unmm" : "un.ocha");
			snprintf(f.to[0], sizeof f.to[0], v->type == EV_INSPECTION ? "un.ocha" : "sy.mofa");
			snprintf(f.to[1], sizeof f.to[1], v->type == EV_INSPECTION ? "sy.mofa" : "un.unmm");
			f.nto = 2;
			f.kind = ENV_UPDATE;
			signer = v->type == EV_INSPECTION;
			f.aid.type = v->type == EV_INSPECTION ? ENV_AID_INSPECTION : ENV_AID_CROSSING;
			f.aid.result = (enum envelope_aid_result)c->result;
			f.aid.trucks = c->result == AID_REJECTED ? 0 : c->trucks - (c->result == AID_PARTIAL);
			f.aid.time = v->time - 300;
		} else {
			snprintf(f.from, sizeof f.from, "sy.mofa");
			snprintf(f.to[0], sizeof f.to[0], "un.ocha");
			f.nto = 1;
			f.kind = ENV_ACK;
			signer = 2;
		}
		sign(&f, &ag[signer].sign, &note);
		uint64_t index;
		if (tlog_add(logs[v->log], note.data, note.len, &index))
			die("tlog_add");
		total_bytes += note.len;
		if (v->type == EV_NOTICE) {
			c->index = index;
			merkle_leaf_hash(note.data, note.len, c->leaf);
		}
		sizes[v->log]++;
		last_time[v->log] = v->time;
		if (sizes[v->log] % batch[v->log] == 0) {
			if (tlog_commit(logs[v->log]))
				die("tlog_commit");
			keep(dir, v->log ? "sy" : "un", logs[v->log], &nodes[v->log].sign, &cos[1 - v->log], &wcos,
			     (uint64_t)last_time[v->log] + 600, 0);
		}
	}
	for (int l = 0; l < 2; l++) {
		if (tlog_commit(logs[l]))
			die("tlog_commit");
		keep(dir, l ? "sy" : "un", logs[l], &nodes[l].sign, &cos[1 - l], &wcos, (uint64_t)last_time[l] + 600, 0);
		keep(dir, l ? "sy" : "un", logs[l], &nodes[l].sign, &cos[1 - l], &wcos, TERM_END + 1000, 1);
		tlog_close(logs[l]);
	}
	buf_release(&note);
	printf("# mandate: %llu trucks in %zu consignments over 360 days; %zu envelopes (%llu in un's log, %llu in sy's, %llu bytes on average), built in %.1f s\n",
	       (unsigned long long)trucks, n, nev, (unsigned long long)sizes[0], (unsigned long long)sizes[1],
	       (unsigned long long)(total_bytes / nev), now() - t0);

	/* alternately report and mandate (load drifting on the shared machine affects both alike) */
	double cr = 0, cm = 0, rep = 0, man = 0;
	struct mandate_figures tot;
	size_t ncons = 0;
	for (int round = 0; round < ROUNDS; round++) {
		rep += timed_report(dir, threads, 0, NULL, NULL, &cr);
		man += timed_report(dir, threads, 1, &tot, &ncons, &cm);
	}
	/* the known figures */
	if (ncons != n || tot.trucks != trucks || tot.crossed != crossed || tot.ack_missing != (uint64_t)((n + 15) / 25) ||
	    tot.notices_late != (uint64_t)((n + 16) / 20)) {
		err_set(ERR_VERIFY, "unexpected figures: %zu consignments (want %zu), %llu trucks (want %llu), %llu crossed (want %llu), %llu acks missing, %llu late notices",
			ncons, n, (unsigned long long)tot.trucks, (unsigned long long)trucks, (unsigned long long)tot.crossed,
			(unsigned long long)crossed, (unsigned long long)tot.ack_missing, (unsigned long long)tot.notices_late);
		die("mandate");
	}
	double rep_rate = ROUNDS * (double)nev / rep, man_rate = ROUNDS * (double)nev / man;
	printf("# mandate: on %d threads: report s %.2f, mandate report s %.2f (mean of %d runs each, JSON written to a file); CPU time per envelope %.1f us report, %.1f us mandate; CPU-cost ratio %.3f\n",
	       threads, rep / ROUNDS, man / ROUNDS, ROUNDS, cr / ROUNDS / (double)nev * 1e6, cm / ROUNDS / (double)nev * 1e6,
	       cr / cm);
	printf("report_envelopes_per_s=%.0f\n", rep_rate);
	printf("mandate_report_envelopes_per_s=%.0f\n", man_rate);
	printf("mandate_ratio_vs_report=%.3f\n", man_rate / rep_rate);
	free(cs);
	free(evs);
	return 0;
}
