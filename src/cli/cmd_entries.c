/*
 * parley entries DIR [--party P] [--from T] [--to T] [--kind K] [--to-agency A]
 *                    [--case C] [--json]
 *
 * The envelopes' metadata of every log in a `parley fetch` directory or a
 * node's own directory, every signature checked (docs/reports.md): an aligned
 * table, or JSON. Exit 0; 1 if a log or a cosignature does not verify; 2 for
 * usage and I/O errors.
 */
#include "cli/cli.h"
#include "cli/util.h"
#include "base/err.h"
#include "exchange/syntax.h"
#include "report/report.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct want {
	int party, kind, agency;
	int has_from, has_to;
	int64_t from, to;
	const char *case_id;
};

/* 1 if e passes the filters. Invalid entries have no fields: only --party and --case apply to them. */
static int wanted(const struct want *w, const struct cases_env *e)
{
	if (w->party >= 0 && e->log != w->party)
		return 0;
	if (w->case_id && (!e->kase || strcmp(e->kase->id, w->case_id)))
		return 0;
	if (!e->valid)
		return !w->has_from && !w->has_to && w->kind < 0 && w->agency < 0;
	if ((w->has_from && e->time < w->from) || (w->has_to && e->time >= w->to) || (w->kind >= 0 && (int)e->kind != w->kind))
		return 0;
	return w->agency < 0 || ((e->to[w->agency / 64] >> (w->agency % 64)) & 1);
}

/* When e took effect: delivered to every recipient party (the latest); 0 if not yet. */
static int delivered(const struct logset *s, const struct cases_env *e, int64_t *at)
{
	uint32_t m = cases_recipient_parties(&s->cases, e);
	int64_t t;
	*at = INT64_MIN;
	if (!m)
		return cases_delivered_to(&s->cases, e, e->kind == ENV_RECEIVED ? e->from : s->charter->agencies[e->from].party,
					  INT64_MAX, at);
	for (size_t q = 0; q < s->charter->nparties; q++)
		if ((m >> q) & 1) {
			if (!cases_delivered_to(&s->cases, e, (int)q, INT64_MAX, &t))
				return 0;
			if (t > *at)
				*at = t;
		}
	return 1;
}

static int render(const struct logset *s, const struct want *w, int json, struct buf *out)
{
	const struct charter *ch = s->charter;
	json_t *arr = json ? json_array() : NULL;
	int rc = json && !arr ? err_set(ERR_NOMEM, "out of memory") : 0;
	size_t shown = 0;
	if (!json)
		rc = buf_printf(out, "%-12s %-20s %-10s %-24s %-12s %-24s %-20s %s\n", "ENTRY", "TIME", "FROM", "TO", "KIND",
				"CASE", "DELIVERED", "VALIDITY");
	for (size_t p = 0; p < ch->nparties && !rc; p++)
		for (uint64_t i = 0; i < s->logs[p].read && !rc; i++) {
			const struct cases_env *e = cases_entry(&s->cases, ch->parties[p].node_key.name, i);
			char name[64], t[21] = "-", d[21] = "-", to[512] = "", whybuf[CASES_REASON_MAX + 128];
			int64_t at;
			if (!e || !wanted(w, e))
				continue;
			shown++;
			report_entry_name(s, e, name, sizeof name);
			const char *why = cases_reason(&s->cases, e, whybuf, sizeof whybuf); /* "" if it counts */
			int has_d = e->valid && delivered(s, e, &at);
			if (e->valid) {
				syntax_format_time(e->time, t);
				for (size_t k = 0, n = 0; k < ch->nagencies; k++)
					if ((e->to[k / 64] >> (k % 64)) & 1)
						n += (size_t)snprintf(to + n, n < sizeof to ? sizeof to - n : 0, "%s%s", n ? " " : "",
								      ch->agencies[k].name);
			}
			if (has_d)
				syntax_format_time(at, d);
			const char *kind = e->valid ? envelope_kind_name(e->kind) : "-";
			const char *from = e->valid ? report_agency_name(s, e) : "-";
			const char *kase = e->kase ? e->kase->id : "-";
			if (!json) {
				rc = buf_printf(out, "%-12s %-20s %-10s %-24s %-12s %-24s %-20s %s\n", name, t, from,
						e->valid ? to : "-", kind, kase, d, why[0] ? why : "valid");
				continue;
			}
			json_t *o = json_pack("{s:s, s:s, s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:o}", "entry", name, "log",
					      ch->parties[p].node_key.name, "index", (json_int_t)i, "time",
					      e->valid ? json_string(t) : json_null(), "from",
					      e->valid ? json_string(from) : json_null(), "to", json_array(), "kind",
					      e->valid ? json_string(kind) : json_null(), "case",
					      e->kase ? json_string(kase) : json_null(), "delivered_at",
					      has_d ? json_string(d) : json_null(), "valid", cases_counts(e), "reason",
					      why[0] ? json_string(why) : json_null());
			if (o && e->valid)
				for (size_t k = 0; k < ch->nagencies; k++)
					if ((e->to[k / 64] >> (k % 64)) & 1)
						json_array_append_new(json_object_get(o, "to"), json_string(ch->agencies[k].name));
			if (!o || json_array_append_new(arr, o))
				rc = err_set(ERR_NOMEM, "out of memory");
		}
	if (json && !rc) {
		char *text = json_dumps(arr, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		rc = text ? buf_append_str(out, text) : err_set(ERR_NOMEM, "out of memory");
		if (!rc)
			rc = buf_append_byte(out, '\n');
		free(text);
	} else if (!rc && !shown) {
		rc = buf_printf(out, "(no entries)\n");
	}
	json_decref(arr);
	return rc;
}

int cmd_entries(int argc, char **argv)
{
	const char *dir = NULL, *from_s = NULL, *to_s = NULL, *party = NULL, *kind = NULL, *agency = NULL;
	struct want w = {-1, -1, -1, 0, 0, 0, 0, NULL};
	int json = 0, rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--json")) json = 1;
		else if (a[0] == '-' && a[1] == '-' && !v) return cli_usage("entries", "%s needs a value", a);
		else if (!strcmp(a, "--from")) from_s = v, i++;
		else if (!strcmp(a, "--to")) to_s = v, i++;
		else if (!strcmp(a, "--party")) party = v, i++;
		else if (!strcmp(a, "--kind")) kind = v, i++;
		else if (!strcmp(a, "--to-agency")) agency = v, i++;
		else if (!strcmp(a, "--case")) w.case_id = v, i++;
		else if (a[0] == '-') return cli_usage("entries", "unknown option %s", a);
		else if (!dir) dir = a;
		else return cli_usage("entries", "one directory only");
	}
	if (!dir)
		return cli_usage("entries", "usage: parley entries DIR [--party P] [--from T] [--to T] [--kind K] [--to-agency A] [--case C] [--json]");
	if ((from_s && cli_report_time(from_s, &w.from)) || (to_s && cli_report_time(to_s, &w.to)))
		return cli_fail("entries", ERR_USAGE);
	w.has_from = from_s != NULL;
	w.has_to = to_s != NULL;
	if (kind && (w.kind = envelope_kind_parse(kind, strlen(kind))) < 0)
		return cli_usage("entries", "--kind: '%s' is not a kind of envelope", kind);
	struct logset *s = malloc(sizeof *s);
	struct logset_options o = {0, 0, 0};
	struct buf out;
	if (!s)
		return cli_fail("entries", err_set(ERR_NOMEM, "out of memory"));
	if ((rc = logset_open(s, dir, &o))) {
		free(s);
		return cli_fail("entries", rc);
	}
	buf_init(&out, REPORT_MAX);
	if (party)
		rc = cli_report_party(s->charter, "--party", party, &w.party);
	if (!rc && agency) {
		const struct charter_agency *ag = charter_agency(s->charter, agency, strlen(agency));
		if (!ag)
			rc = err_set(ERR_USAGE, "--to-agency: '%s' is not an agency of the charter", agency);
		else
			w.agency = (int)(ag - s->charter->agencies);
	}
	if (!rc)
		rc = render(s, &w, json, &out);
	if (!rc && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
		rc = err_set(ERR_IO, "writing the entries: stdout");
	int code = rc ? cli_fail("entries", rc) : 0;
	buf_release(&out);
	logset_close(s);
	free(s);
	return code;
}
