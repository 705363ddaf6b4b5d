/*
 * parley report DIR --from T --to T [--party P] [--to-party P] [--kind K]
 *                   [--json | --csv | --html OUT [--lang en|ru|ar]] [--threads N]
 *
 * The figures of a period over a `parley fetch` directory or a node's own
 * directory (docs/reports.md). Exit 0; 1 if a log, a checkpoint or a
 * cosignature does not verify; 2 for usage and I/O errors.
 */
#include "cli/cli.h"
#include "cli/util.h"
#include "exchange/syntax.h"
#include "base/err.h"
#include "base/fileio.h"
#include "report/report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cli_report_time(const char *s, int64_t *t)
{
	size_t n = strlen(s);
	if (n == 10) {
		/* a date: midnight UTC */
		char full[32];
		snprintf(full, sizeof full, "%sT00:00:00Z", s);
		if (syntax_time(full, strlen(full), t) == 0)
			return 0;
	} else if (syntax_time(s, n, t) == 0) {
		return 0;
	}
	return err_set(ERR_USAGE, "'%s' is not a time: give 2021-06-09 (midnight UTC) or 2021-06-09T15:04:05Z", s);
}

int cli_report_party(const struct charter *ch, const char *opt, const char *s, int *out)
{
	const struct charter_party *p = charter_party(ch, s, strlen(s));
	if (!p)
		return err_set(ERR_USAGE, "%s: '%s' is not a party of the charter", opt, s);
	*out = (int)(p - ch->parties);
	return 0;
}

int cmd_report(int argc, char **argv)
{
	const char *dir = NULL, *from_s = NULL, *to_s = NULL, *party = NULL, *to_party = NULL, *kind = NULL,
		   *html = NULL, *lang = "en";
	int json = 0, csv = 0, threads = 0, rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--json")) json = 1;
		else if (!strcmp(a, "--csv")) csv = 1;
		else if (a[0] == '-' && a[1] == '-' && !v) return cli_usage("report", "%s needs a value", a);
		else if (!strcmp(a, "--from")) from_s = v, i++;
		else if (!strcmp(a, "--to")) to_s = v, i++;
		else if (!strcmp(a, "--party")) party = v, i++;
		else if (!strcmp(a, "--to-party")) to_party = v, i++;
		else if (!strcmp(a, "--kind")) kind = v, i++;
		else if (!strcmp(a, "--html")) html = v, i++;
		else if (!strcmp(a, "--lang")) lang = v, i++;
		else if (!strcmp(a, "--threads")) {
			uint64_t n;
			if (cli_parse_u64(v, &n) || n > 64)
				return cli_usage("report", "--threads takes a number up to 64");
			threads = (int)n;
			i++;
		}
		else if (a[0] == '-') return cli_usage("report", "unknown option %s", a);
		else if (!dir) dir = a;
		else return cli_usage("report", "one directory only");
	}
	if (!dir || !from_s || !to_s)
		return cli_usage("report", "usage: parley report DIR --from T --to T [--party P] [--to-party P] [--kind K] [--json|--csv|--html OUT] [--lang en|ru|ar]");
	if (json + csv + (html != NULL) > 1)
		return cli_usage("report", "give one of --json, --csv, --html");
	if (strcmp(lang, "en") && strcmp(lang, "ru") && strcmp(lang, "ar"))
		return cli_usage("report", "--lang takes en, ru or ar");
	int64_t from, to;
	if (cli_report_time(from_s, &from) || cli_report_time(to_s, &to))
		return cli_fail("report", ERR_USAGE);
	if (from >= to)
		return cli_usage("report", "--from must be before --to");
	struct report_filter f = {-1, -1, -1};
	if (kind && (f.kind = envelope_kind_parse(kind, strlen(kind))) < 0)
		return cli_usage("report", "--kind: '%s' is not a kind of envelope", kind);
	struct logset *s = malloc(sizeof *s);
	struct report r;
	struct buf out;
	buf_init(&out, REPORT_MAX);
	memset(&r, 0, sizeof r);
	if (!s)
		return cli_fail("report", err_set(ERR_NOMEM, "out of memory"));
	struct logset_options o = {1, to, threads};
	if ((rc = logset_open(s, dir, &o))) {
		free(s);
		return cli_fail("report", rc);
	}
	if ((party && cli_report_party(&s->charter, "--party", party, &f.party)) ||
	    (to_party && cli_report_party(&s->charter, "--to-party", to_party, &f.to_party)))
		rc = ERR_USAGE;
	if (!rc)
		rc = report_compute(s, from, to, &f, &r);
	if (!rc && json)
		rc = report_json_file(s, &r, stdout); /* streamed: it grows with the logs */
	else if (!rc)
		rc = csv ? report_csv(s, &r, &out)
		     : html ? report_html(s, &r, lang, &out)
			    : report_text(s, &r, &out);
	if (!rc && html)
		rc = file_write_atomic(html, out.data, out.len, 0644, 0);
	else if (!rc && !json && (fwrite(out.data, 1, out.len, stdout) != out.len || fflush(stdout)))
		rc = err_set(ERR_IO, "writing the report: stdout");
	int code = rc ? cli_fail("report", rc) : 0;
	report_release(&r);
	buf_release(&out);
	logset_close(s);
	free(s);
	return code;
}
