/*
 * report — the figures of a period over a loaded log set (docs/reports.md
 * "The report"): per ordered pair of parties and kind, what was sent,
 * delivered, acknowledged, answered, declined, overdue and late, with
 * nearest-rank medians and 90th percentiles of the delivery, acknowledgement
 * and answer times, per month; and every envelope counted. Computed from
 * struct cases as of the period's end (cases_status, cases_delivered_to), so
 * the node's views and a report agree.
 *
 * The JSON rendering is the report; text, CSV and HTML are renderings of the
 * same struct report. Every rendering is deterministic: the same logs and
 * parameters give the same bytes.
 */
#ifndef PARLEY_REPORT_H
#define PARLEY_REPORT_H

#include "base/buf.h"
#include "report/logset.h"

#include <stdint.h>
#include <stdio.h>

#define REPORT_MAX (256u << 20)  /* largest rendering, bytes */

struct report_filter {
	int party;              /* sending party (charter index), -1: any */
	int to_party;           /* recipient party, -1: any */
	int kind;               /* enum envelope_kind, -1: any */
};

/* A nearest-rank median and 90th percentile, whole seconds (has: at least one value). */
struct report_stat {
	int has;
	int64_t median, p90;
};

struct report_month {
	int ym;                 /* year * 12 + month - 1 */
	uint64_t sent, delivered, acknowledged, answered;
};

struct report_pair {
	int from, to;           /* party indices */
	int kind;               /* enum envelope_kind */
	uint64_t sent, delivered, outstanding, acknowledged, answered, declined, overdue, late;
	struct report_stat delivery, ack, answer;
	struct report_month *months;   /* ascending */
	size_t nmonths, capmonths;
	int64_t *v[3];                 /* the delivery, ack and answer times (while computing) */
	size_t nv[3], capv[3];
};

enum report_state { REPORT_OUTSTANDING, REPORT_OVERDUE, REPORT_DELIVERED, REPORT_CLOSED, REPORT_ACKNOWLEDGED,
		    REPORT_DECLINED, REPORT_ANSWERED };

struct report_env {
	const struct cases_env *e;
	int has_delivered, has_acknowledged, has_answered;
	int64_t delivered_at, acknowledged_at, answered_at; /* the latest over the recipient parties counted */
	enum report_state state;       /* the least advanced over those parties */
};

struct report {
	int64_t from, to;              /* the period [from, to); as of to */
	struct report_filter filter;
	struct report_pair *pairs;     /* sorted by (from, to) in charter order, then kind name */
	size_t npairs, cappairs;
	struct report_env *envs;       /* sorted by (time, party, index) */
	size_t nenvs, capenvs;
};

/* Computes the report of [from, to) over s (loaded with logset_options.to = to). 0 or ERR_NOMEM / ERR_USAGE. */
int report_compute(const struct logset *s, int64_t from, int64_t to, const struct report_filter *f, struct report *r);
void report_release(struct report *r);

/* The state's name ("answered"). */
const char *report_state_name(enum report_state s);

/* The renderings, appended to out. */
int report_json(const struct logset *s, const struct report *r, struct buf *out);
int report_csv(const struct logset *s, const struct report *r, struct buf *out);
int report_text(const struct logset *s, const struct report *r, struct buf *out);
/* The JSON written to fp as it is made (a report of a million envelopes is some 340 MB). 0 or ERR_IO. */
int report_json_file(const struct logset *s, const struct report *r, FILE *fp);
/* lang: "en", "ru" or "ar" (ERR_USAGE otherwise). */
int report_html(const struct logset *s, const struct report *r, const char *lang, struct buf *out);

/* "<party>/<index>" of entry e into out (at least 40 bytes). */
void report_entry_name(const struct logset *s, const struct cases_env *e, char *out, size_t n);

/* The sender's name: the agency, or the party id for a 'received' record. */
const char *report_agency_name(const struct logset *s, const struct cases_env *e);

/* One line per log: "us's log seen at size n by k witnesses at T (...)" or that it is provisional. */
int report_logs_text(const struct logset *s, struct buf *out);

#endif
