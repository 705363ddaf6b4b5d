/*
 * logfetch — `parley fetch`'s work as a library, for the command and the
 * desk's reports (docs/reports.md, docs/desk.md): see logfetch.h.
 */
#include "net/logfetch.h"

#include "base/err.h"
#include "base/fileio.h"
#include "cases/cosig.h"
#include "exchange/history.h"
#include "net/client.h"
#include "net/tileclient.h"
#include "tlog/kept.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* a log's node keys over time, then every key that has cosigned it, a few rotations each */
#define MAX_SIGNERS (TLOG_KEYS_MAX + 4 * (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES))

#define PROGRESS_AFTER 1.0   /* seconds before the first progress line */
#define PROGRESS_EVERY 0.25  /* seconds between progress lines */

struct amendments_seen {
	struct buf *copies;  /* the amendment entries met in the logs (docs/amendments.md) */
	size_t n;
};

struct progress {
	struct amendments_seen *seen;
	int on;              /* stderr is a terminal */
	const char *party;
	uint64_t from, total; /* the mirror's size before, the checkpoint's size */
	double start, last;
	int shown;
};

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_bundle(void *ctx, uint64_t first, unsigned count)
{
	struct progress *p = ctx;
	if (!p->on)
		return 0;
	double t = now_s();
	if (t - p->start < PROGRESS_AFTER || t - p->last < PROGRESS_EVERY)
		return 0;
	p->last = t;
	p->shown = 1;
	uint64_t done = first + count;
	double rate = (double)(done - p->from) / (t - p->start);
	fprintf(stderr, "\rparley fetch: %s %" PRIu64 "/%" PRIu64 " entries (%.0f/s)\033[K", p->party, done, p->total,
		rate);
	return 0;
}

static void progress_end(struct progress *p)
{
	if (p->shown)
		fputs("\r\033[K", stderr);
	p->shown = 0;
}

struct logfetch {
	const struct charter *c;
	const char *out;
	struct client_session *cs;
	int tty;
	FILE *report;        /* where each log's summary line goes */
	struct amendments_seen seen;
	struct charter_history h; /* DIR/amendments and those met so far: the node keys checkpoints are judged by */
	struct note_verifier vs[MAX_SIGNERS]; /* one log's: its node keys (nlog), then its cosigners */
	int ok[MAX_SIGNERS];
};

/* Keeps a copy of an amendment entry, to be saved into DIR/amendments/ at the end (0 or ERR_NOMEM). */
static int keep_amendment(struct amendments_seen *s, const uint8_t *entry, size_t len)
{
	if (s->n == HISTORY_MAX)
		return 0;
	struct buf *m = realloc(s->copies, (s->n + 1) * sizeof *m);
	if (!m)
		return err_set(ERR_NOMEM, "out of memory");
	s->copies = m;
	buf_init(&m[s->n], AMENDMENT_MAX_SIZE);
	int rc = buf_append(&m[s->n], entry, len);
	s->n += rc == 0;
	return rc;
}

/* Each new entry: an amendment is kept, to be checked and saved into DIR/amendments/ at the end. */
static int on_entry(void *ctx, uint64_t index, const uint8_t *entry, size_t len)
{
	struct progress *p = ctx;
	struct amendments_seen *s = p->seen;
	(void)index;
	if (!amendment_is(entry, len))
		return 0;
	return keep_amendment(s, entry, len);
}

/*
 * DIR/amendments/: those already there and those met in the logs, which must
 * form one chain of complete amendments (else exit 1: the logs show two
 * histories, or an entry that looks like an amendment and does not verify).
 * The chain of complete ones is saved even then: one bad entry in one log
 * must not leave the directory without the amendments its entries are
 * judged under.
 */
static int save_amendments(struct logfetch *f)
{
	struct charter_history h;
	history_init(&h, f->c);
	struct numbered {
		unsigned number;
		size_t i;
	} *order = calloc(f->seen.n ? f->seen.n : 1, sizeof *order);
	int bad = 0, rc = order ? history_load_dir(&h, f->out) : err_set(ERR_NOMEM, "out of memory");
	char first_bad[512] = "";
	size_t n = 0;
	for (size_t i = 0; i < f->seen.n && !rc; i++) {
		struct amendment a;
		if (amendment_parse(&a, f->seen.copies[i].data, f->seen.copies[i].len)) {
			if (!bad++)
				snprintf(first_bad, sizeof first_bad, "%s", err_msg());
			continue;
		}
		order[n].number = a.number;
		order[n++].i = i;
		amendment_release(&a);
	}
	for (size_t j = 1; j < n; j++) /* by number, log order kept among equals (insertion sort: few) */
		for (size_t k = j; k > 0 && order[k - 1].number > order[k].number; k--) {
			struct numbered t = order[k];
			order[k] = order[k - 1];
			order[k - 1] = t;
		}
	for (size_t j = 0; j < n && !rc; j++) {
		const struct buf *c = &f->seen.copies[order[j].i];
		int r = history_add(&h, c->data, c->len, NULL);
		if (r == ERR_IO || r == ERR_NOMEM)
			rc = r;
		else if (r && !bad++)
			snprintf(first_bad, sizeof first_bad, "%s", err_msg());
	}
	if (!rc)
		rc = history_save_dir(&h, f->out);
	if (rc)
		rc = err_wrap(rc, "%s/amendments", f->out);
	else if (bad)
		rc = err_set(ERR_VERIFY, "the amendments in the logs: %s%s (the %zu complete ones are kept)", first_bad,
			     bad > 1 ? ", and more" : "", h.n);
	if (!rc && h.n)
		fprintf(f->report, "amendments: %zu in force\n", h.n);
	history_release(&h);
	free(order);
	for (size_t i = 0; i < f->seen.n; i++)
		buf_release(&f->seen.copies[i]);
	free(f->seen.copies);
	return rc;
}

/*
 * Extends f->h, the history checkpoints are judged by (docs/amendments.md,
 * "Rotating a node key"), with what the fetch knows now: the amendments met
 * in the logs fetched so far, by number, then those the node at base serves
 * (GET <base>/amendment/<n>, as officers read them; a source without them,
 * like a file:// copy, serves none). Only a complete, valid next amendment
 * is taken (history_add); one the node served is kept to be saved with the
 * others. Whatever does not fit is left for save_amendments to report.
 */
static int learn_amendments(struct logfetch *f, const char *base)
{
	for (unsigned want = (unsigned)f->h.n + 1; want <= HISTORY_MAX; want++) {
		int added = 0;
		for (size_t i = 0; i < f->seen.n && !added; i++) {
			struct amendment a;
			if (amendment_parse(&a, f->seen.copies[i].data, f->seen.copies[i].len))
				continue;
			unsigned k = a.number;
			amendment_release(&a);
			if (k == want && history_add(&f->h, f->seen.copies[i].data, f->seen.copies[i].len, &added))
				added = 0;
		}
		if (!added)
			break;
	}
	struct buf b;
	int rc = 0;
	buf_init(&b, AMENDMENT_MAX_SIZE);
	for (unsigned k = (unsigned)f->h.n + 1; k <= HISTORY_MAX && !rc; k++) {
		char url[SYNTAX_URL_MAX + PATH_MAX + 32], path[32];
		long status = 0;
		int added = 0;
		snprintf(path, sizeof path, "amendment/%u", k);
		buf_reset(&b);
		if (client_url(url, sizeof url, base, path) || client_session_get(f->cs, url, &b, &status, 30) ||
		    status != 200 || history_add(&f->h, b.data, b.len, &added) || !added)
			break;
		rc = keep_amendment(&f->seen, b.data, b.len);
	}
	buf_release(&b);
	return rc;
}

/*
 * Fills f->vs for the log of party: every node key it has had (each once;
 * the first nlog), then every key that has cosigned its log. Returns the
 * count; *nlog the node keys'.
 */
static size_t log_keys(struct logfetch *f, const struct charter_party *party, size_t *nlog)
{
	struct node_key_span ks[HISTORY_NODE_KEYS_MAX];
	size_t nk = history_node_keys(&f->h, party->node_key.name, ks, HISTORY_NODE_KEYS_MAX), n = 0;
	for (size_t k = 0; k < nk && n < TLOG_KEYS_MAX; k++) {
		size_t j = 0;
		while (j < n && memcmp(f->vs[j].pub, ks[k].key.pub, sizeof f->vs[j].pub))
			j++;
		if (j == n) /* a key brought back later is one key */
			f->vs[n++] = ks[k].key;
	}
	*nlog = n;
	return n + cosig_keys_of_log(&f->h, party->node_key.name, f->vs + n, MAX_SIGNERS - n);
}

/*
 * The mirror's checkpoint when the served one has its size: the held one with
 * the newest cosignature per cosigner among both (so a cosigner seen before
 * is not dropped because this source did not carry it).
 */
static int republish(struct tlog *m, const uint8_t *served, size_t len, const struct note_verifier *vs, size_t nv)
{
	const struct buf *held = tlog_checkpoint_note(m);
	struct buf all, sel;
	buf_init(&all, 2 * CHECKPOINT_MAX_SIZE);
	buf_init(&sel, CHECKPOINT_MAX_SIZE);
	int rc = buf_append(&all, held->data, held->len);
	if (!rc)
		rc = kept_sig_lines(&all, served, len);
	if (!rc)
		rc = note_select(&sel, all.data, all.len, vs, nv, NOTE_KEEP_NEWEST, NULL, NULL);
	if (!rc && !(sel.len == held->len && !memcmp(sel.data, held->data, sel.len)))
		rc = tlog_publish_cosigned(m, sel.data, sel.len);
	buf_release(&all);
	buf_release(&sel);
	return rc == ERR_CONFLICT ? 0 : rc; /* another text of that size (extensions): keep the held one */
}

/*
 * Fetches one log from base. expect: the party whose URL it is in the
 * charter, or NULL (matched by the checkpoint's origin). Prints the summary.
 */
int logfetch_one(struct logfetch *f, const char *base, const struct charter_party *expect)
{
	char url[SYNTAX_URL_MAX + PATH_MAX + 32], path[PATH_MAX];
	struct buf cpb, clean, merged;
	struct tlog *m = NULL;
	struct note nt = {0};
	int parsed = 0, rc;
	long status;
	buf_init(&cpb, CHECKPOINT_MAX_SIZE);
	buf_init(&clean, CHECKPOINT_MAX_SIZE);
	buf_init(&merged, CHECKPOINT_MAX_SIZE);

	if ((rc = client_url(url, sizeof url, base, "checkpoint")) ||
	    (rc = client_session_get(f->cs, url, &cpb, &status, 30)))
		goto out;
	if (status != 200) {
		rc = err_set(ERR_IO, "%s: HTTP %ld", url, status);
		goto out;
	}
	struct checkpoint cp;
	if (checkpoint_parse_unverified(&cp, cpb.data, cpb.len)) {
		rc = err_wrap(ERR_VERIFY, "%s: not a checkpoint", url);
		goto out;
	}
	const struct charter_party *party = charter_party_of_log(f->c, cp.origin);
	if (!party) {
		rc = err_set(ERR_VERIFY, "%s: the checkpoint names the log %s, which is no party's log in the charter", url,
			     cp.origin);
		goto out;
	}
	if (expect && party != expect) {
		rc = err_set(ERR_VERIFY, "%s: the charter gives this URL to %s, but it serves the log of %s", url, expect->id,
			     party->id);
		goto out;
	}
	/* a node key of the party under what the fetch knows of the amendments (docs/amendments.md) */
	if ((rc = learn_amendments(f, base)))
		goto out;
	if (cosig_open_checkpoint(&f->h, cpb.data, cpb.len, &cp)) {
		rc = err_wrap(ERR_VERIFY, "%s: checkpoint of %s (size %" PRIu64 ") refused: not signed by %s's node key",
			      url, party->id, cp.size, party->id);
		goto out;
	}
	if ((rc = note_parse(&nt, cpb.data, cpb.len))) {
		rc = err_wrap(ERR_VERIFY, "%s", url);
		goto out;
	}
	parsed = 1;
	/* every cosignature line by a key the amendments name for this log must verify; others are ignored */
	size_t nlog, nv = log_keys(f, party, &nlog), good;
	const struct note_verifier *vs = f->vs;
	int *ok = f->ok;
	memset(f->ok, 0, sizeof f->ok);
	if (note_check_sigs(&nt, vs, nv, ok, NULL, &good)) {
		rc = err_wrap(ERR_VERIFY, "%s: checkpoint of %s (size %" PRIu64 ") refused", url, party->id, cp.size);
		goto out;
	}

	snprintf(path, sizeof path, "%s/logs/%s", f->out, party->id);
	if ((rc = tlog_open_mirror(&m, path, vs, nlog))) {
		rc = err_wrap(rc, "%s", path);
		goto out;
	}
	/* one syncfs per flush and commit instead of a sync per file: a catch-up writes two files per 256 entries */
	tlog_set_sync(m, TLOG_SYNC_FS);
	uint64_t have = tlog_size(m);
	if (cp.size < have) {
		rc = err_set(ERR_VERIFY, "%s: checkpoint of %s refused: size %" PRIu64 " is smaller than the size %" PRIu64
					 " already held in %s (a rollback)", url, party->id, cp.size, have, path);
		goto out;
	}
	if ((rc = note_select(&clean, cpb.data, cpb.len, vs, nv, NOTE_KEEP_NEWEST, NULL, NULL)))
		goto out;
	struct progress pr = {&f->seen, f->tty, party->id, have, cp.size, now_s(), 0, 0};
	struct tileclient_hooks h = {on_entry, on_bundle, NULL, &pr};
	struct tileclient_stats st;
	rc = tileclient_sync(m, f->cs, base, &cp, cpb.data, cpb.len, clean.data, clean.len, &h, &st);
	progress_end(&pr);
	if (rc) {
		rc = err_wrap(rc, "%s: checkpoint of %s (size %" PRIu64 ") refused against the size %" PRIu64 " held in %s",
			      base, party->id, cp.size, have, path);
		/* reopen, so the store removes what the failed sync wrote past the held checkpoint */
		tlog_close(m);
		m = NULL;
		int keep = rc;
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", err_msg());
		if (tlog_open_mirror(&m, path, vs, nlog) == 0)
			tlog_close(m);
		m = NULL;
		rc = err_set(keep, "%s", msg);
		goto out;
	}
	/* the same size: its cosignatures join the held checkpoint's; a new mirror of an empty log gets its first */
	if (cp.size == have && (rc = tlog_checkpoint_note(m)->len ? republish(m, cpb.data, cpb.len, vs, nv)
								  : tlog_commit_mirror(m, clean.data, clean.len)))
		goto out;
	snprintf(path, sizeof path, "%s/logs/%s.checkpoints", f->out, party->id);
	if ((rc = mkdir_p(path, 0755)) ||
	    (rc = kept_merge(path, cp.size, cpb.data, cpb.len, cpb.data, cpb.len, vs, nv, &merged)))
		goto out;

	fprintf(f->report, "%s: size %" PRIu64 " (%" PRIu64 " new), ", party->id, cp.size, cp.size - have);
	size_t shown = 0;
	for (size_t i = nlog; i < nv; i++) {
		size_t j = nlog;
		while (j < i && !(ok[j] && !strcmp(vs[j].name, vs[i].name)))
			j++;
		if (ok[i] && j == i) /* a cosigner named once, whichever of its keys signed */
			fprintf(f->report, "%s%s", shown++ ? ", " : "cosigned by ", vs[i].name);
	}
	fprintf(f->report, "%s\n", shown ? "" : "no cosignatures");
	fflush(f->report);
out:
	if (parsed)
		note_release(&nt);
	tlog_close(m);
	buf_release(&cpb);
	buf_release(&clean);
	buf_release(&merged);
	return rc;
}

int logfetch_open(struct logfetch **out, const struct charter *c, const char *dir, int allow_files, FILE *report)
{
	char logs[PATH_MAX];
	struct logfetch *f = calloc(1, sizeof *f);
	int rc;
	*out = NULL;
	if (!f)
		return err_set(ERR_NOMEM, "out of memory");
	f->c = c;
	f->out = dir;
	f->tty = isatty(2);
	f->report = report;
	snprintf(logs, sizeof logs, "%s/logs", dir);
	if ((rc = mkdir_p(logs, 0755)) || (rc = client_global_init()) || (rc = client_session_open(&f->cs))) {
		free(f);
		return rc;
	}
	if (allow_files)
		client_session_allow_files(f->cs);
	history_init(&f->h, c);
	if (history_load_dir(&f->h, dir)) {
		/* a bad DIR/amendments: judged by the charter and the logs' amendments; save_amendments reports it */
		history_release(&f->h);
		history_init(&f->h, c);
	}
	*out = f;
	return 0;
}

int logfetch_finish(struct logfetch *f)
{
	int rc = save_amendments(f);
	f->seen.copies = NULL;
	f->seen.n = 0;
	return rc;
}

void logfetch_close(struct logfetch *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->seen.n; i++)
		buf_release(&f->seen.copies[i]);
	free(f->seen.copies);
	client_session_close(f->cs);
	history_release(&f->h);
	free(f);
}
