/*
 * mandate — the periodic implementation report of an aid-crossing channel
 * (docs/reports.md "The mandate report"), in the shape of the UN
 * Secretary-General's reports on cross-border aid: for the charter's term,
 * cut into its reporting periods and, inside them, calendar months, per
 * crossing point: consignments, trucks (notified, confirmed at inspection,
 * crossed), trucks by sector, beneficiaries, notices on time and late,
 * inspections by result, acknowledgements on time, late, missing or pending.
 *
 * Computed only from the envelopes' public aid lines, their times and the
 * case engine's clocks (cases_status, cases_notice_on_time): no body is
 * opened, so anyone holding the logs can recompute it. A consignment counts
 * in the month of its notice's envelope time; what happened to it
 * (inspections, crossings, acknowledgements) counts in that same row, as of
 * the period's end. The JSON is the report; text, CSV and HTML render it.
 */
#ifndef PARLEY_MANDATE_H
#define PARLEY_MANDATE_H

#include "base/buf.h"
#include "exchange/envelope.h"
#include "report/logset.h"

#include <stdint.h>
#include <stdio.h>

#define MANDATE_REPORT_NAME "parley mandate report v1"
#define MANDATE_MAX_SLOTS 2000   /* months (cut by reporting periods) a report may hold */

/* The figures of a set of consignments. */
struct mandate_figures {
	uint64_t consignments, trucks, confirmed, crossed, beneficiaries;
	uint64_t sectors[AID_SECTOR_COUNT];
	uint64_t notices_on_time, notices_late;
	uint64_t inspected[AID_RESULT_COUNT], uninspected;
	uint64_t ack_on_time, ack_late, ack_missing, ack_pending;
};

/* One month of a reporting period (cut at the period's and the report's bounds). */
struct mandate_slot {
	int period;                      /* reporting period number, from 1 */
	int ym;                          /* year * 12 + month - 1 */
	int64_t from, to;
	struct mandate_figures *by_crossing; /* [ncrossings] */
	struct mandate_figures total;
};

struct mandate_period {
	int number;
	int64_t from, to;                /* the whole reporting period (its report is due at to) */
	size_t first, nslots;            /* its slots */
	struct mandate_figures total;
};

enum mandate_ack { MANDATE_ACK_ON_TIME, MANDATE_ACK_LATE, MANDATE_ACK_MISSING, MANDATE_ACK_PENDING };

struct mandate_consignment {
	const struct cases_env *e;       /* the notice */
	size_t slot, crossing;
	int64_t advance_due;
	int on_time;
	const struct cases_env *inspection; /* the latest standing inspection by the period's end, or NULL */
	uint64_t crossed;                /* trucks of the crossings referencing it */
	size_t ncrossings;
	int nparties;
	int party[CHARTER_MAX_PARTIES];  /* recipient parties, charter order */
	enum mandate_ack ack[CHARTER_MAX_PARTIES];
	int64_t ack_at[CHARTER_MAX_PARTIES]; /* when met (on time, late) */
};

struct mandate_party_acks {
	uint64_t on_time, late, missing, pending;
};

struct mandate {
	int64_t from, to;                /* the period [from, to); as of to */
	int64_t term_start, term_end;    /* the term of the latest charter of the history */
	uint64_t reporting_period;
	char (*crossings)[ENVELOPE_AID_CROSSING_MAX + 1]; /* sorted */
	size_t ncrossings;
	struct mandate_slot *slots;
	size_t nslots;
	struct mandate_period *periods;
	size_t nperiods;
	struct mandate_figures total;
	struct mandate_party_acks party_acks[CHARTER_MAX_PARTIES];
	struct mandate_consignment *cons; /* sorted by (time, log, index) */
	size_t ncons, capcons;
};

/*
 * The term (and reporting period) the report covers by default: those of the
 * charter in force after the last amendment (a renewal extends the term).
 */
void mandate_term(const struct logset *s, int64_t *start, int64_t *end, uint64_t *reporting_period);

/*
 * Computes the mandate report of [from, to) over s (loaded with
 * logset_options.to = to). The period must lie within the term (ERR_USAGE
 * naming the bound otherwise); ERR_LIMIT beyond MANDATE_MAX_SLOTS months;
 * ERR_USAGE if the charter does not enable the aid-crossing profile.
 */
int mandate_compute(const struct logset *s, int64_t from, int64_t to, struct mandate *m);
void mandate_release(struct mandate *m);

/* The renderings, appended to out (JSON: also written to fp as it is made). */
int mandate_json(const struct logset *s, const struct mandate *m, struct buf *out);
int mandate_json_file(const struct logset *s, const struct mandate *m, FILE *fp);
int mandate_text(const struct logset *s, const struct mandate *m, struct buf *out);
int mandate_csv(const struct logset *s, const struct mandate *m, struct buf *out);
/* lang: "en", "ru" or "ar" (ERR_USAGE otherwise). */
int mandate_html(const struct logset *s, const struct mandate *m, const char *lang, struct buf *out);

/* "on-time", "late", "missing", "pending". */
const char *mandate_ack_name(enum mandate_ack a);

#endif
