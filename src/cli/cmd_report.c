/*
 * parley report DIR --from T --to T [--party P] [--to-party P] [--kind K]
 *                   [--json | --csv | --html OUT [--lang en|ru|ar]] [--threads N] [--bundle OUT]
 * parley report DIR --mandate [--from T] [--to T] [--json | --csv | --html OUT [--lang en|ru|ar]]
 *                   [--threads N] [--bundle OUT]
 * parley report verify BUNDLE --charter CHARTER [--threads N]
 *
 * --mandate: the implementation report of an aid-crossing channel's term
 * (docs/reports.md "The mandate report"); the period defaults to the term.
 *
 * The figures of a period over a `parley fetch` directory or a node's own
 * directory (docs/reports.md); with --bundle, also a bundle of the logs they
 * were computed from, which `report verify` recomputes offline. Exit 0; 1 if
 * a log, a checkpoint or a cosignature does not verify (verify: anything in
 * the bundle); 2 for usage and I/O errors.
 */
#include "base/rfc3339.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "exchange/syntax.h"
#include "base/err.h"
#include "base/fileio.h"
#include "report/bundle.h"
#include "report/mandate.h"
#include "report/report.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int cli_report_time(const char *s, int64_t *t)
{
	/* a date (midnight UTC) or an RFC 3339 date-time, an offset applied (base/rfc3339.h) */
	return rfc3339_parse(s, strlen(s), RFC3339_DATE, t);
}

int cli_report_party(const struct charter *ch, const char *opt, const char *s, int *out)
{
	const struct charter_party *p = charter_party(ch, s, strlen(s));
	if (!p)
		return err_set(ERR_USAGE, "%s: '%s' is not a party of the charter", opt, s);
	*out = (int)(p - ch->parties);
	return 0;
}

static int parse_threads(const char *v, int *threads)
{
	uint64_t n;
	if (cli_parse_u64(v, &n) || n > 64)
		return cli_usage("report", "--threads takes a number up to 64");
	*threads = (int)n;
	return 0;
}

/* parley report verify BUNDLE --charter CHARTER [--threads N] */
static int cmd_report_verify(int argc, char **argv)
{
	const char *dir = NULL, *charter = NULL;
	int threads = 0, rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (a[0] == '-' && a[1] == '-' && !v) return cli_usage("report verify", "%s needs a value", a);
		else if (!strcmp(a, "--charter")) charter = v, i++;
		else if (!strcmp(a, "--threads")) {
			if (parse_threads(v, &threads))
				return 2;
			i++;
		}
		else if (a[0] == '-') return cli_usage("report verify", "unknown option %s", a);
		else if (!dir) dir = a;
		else return cli_usage("report verify", "one bundle only");
	}
	if (!dir || !charter)
		return cli_usage("report verify", "usage: parley report verify BUNDLE --charter CHARTER");
	struct charter ch;
	struct buf msg;
	if ((rc = charter_load(&ch, charter)))
		return cli_fail("report verify", err_wrap(rc == ERR_VERIFY ? rc : ERR_USAGE, "%s", charter));
	if (!charter_complete(&ch)) {
		charter_release(&ch);
		return cli_fail("report verify", err_set(ERR_USAGE, "%s: not signed by every party", charter));
	}
	buf_init(&msg, 1u << 16);
	rc = bundle_verify(dir, &ch, threads, &msg);
	if (!rc && (fwrite(msg.data, 1, msg.len, stdout) != msg.len || fflush(stdout)))
		rc = err_set(ERR_IO, "stdout");
	int code = rc ? cli_fail("report verify", rc) : 0;
	buf_release(&msg);
	charter_release(&ch);
	return code;
}

static int write_bundle(const struct logset *s, const struct report *r, const struct mandate *md, const char *dir,
			const char *out, int threads)
{
	char tmp[PATH_MAX + 80], charter[PATH_MAX + 16];
	snprintf(tmp, sizeof tmp, "%s.partial-%ld", out, (long)getpid());
	snprintf(charter, sizeof charter, "%s/charter", dir);
	/* written beside out and renamed to it (which may be an empty directory): a failure leaves nothing */
	int rc = bundle_write(s, charter, r, md, tmp, threads);
	if (!rc && rename(tmp, out))
		rc = err_set(errno == ENOTEMPTY || errno == EEXIST ? ERR_CONFLICT : ERR_IO, "%s: %s", out, strerror(errno));
	if (rc) {
		bundle_discard(tmp);
		return err_wrap(rc, "--bundle %s", out);
	}
	for (size_t p = 0; p < s->charter->nparties; p++)
		if (!s->logs[p].closed)
			fprintf(stderr, "parley report: %s's log has no closing checkpoint for the period: the bundle holds it cut at the size read (%llu), and `report verify` will call it provisional\n",
				s->charter->parties[p].id, (unsigned long long)s->logs[p].read);
	fprintf(stderr, "parley report: bundle written to %s\n", out);
	return 0;
}

/*
 * The term's bounds for what --from/--to did not give: the charter in force
 * after DIR's last amendment (read here, before the logs are, because the
 * period's end decides the closing checkpoints).
 */
static int mandate_period(const char *dir, int64_t *from, int64_t *to)
{
	char path[PATH_MAX + 32];
	struct charter ch;
	struct charter_history h;
	snprintf(path, sizeof path, "%s/charter", dir);
	int rc = charter_load(&ch, path);
	if (rc)
		return err_wrap(rc == ERR_VERIFY ? rc : ERR_USAGE, "%s", path);
	history_init(&h, &ch);
	if ((rc = history_load_dir(&h, dir)) == 0) {
		const struct charter *c = history_latest(&h);
		if (from)
			*from = c->term_start;
		if (to)
			*to = c->term_end;
	}
	history_release(&h);
	charter_release(&ch);
	return rc;
}

int cmd_report(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "verify"))
		return cmd_report_verify(argc - 1, argv + 1);
	const char *dir = NULL, *from_s = NULL, *to_s = NULL, *party = NULL, *to_party = NULL, *kind = NULL,
		   *html = NULL, *lang = "en", *bundle = NULL;
	int json = 0, csv = 0, threads = 0, mandate = 0, rc;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--json")) json = 1;
		else if (!strcmp(a, "--mandate")) mandate = 1;
		else if (!strcmp(a, "--csv")) csv = 1;
		else if (a[0] == '-' && a[1] == '-' && !v) return cli_usage("report", "%s needs a value", a);
		else if (!strcmp(a, "--from")) from_s = v, i++;
		else if (!strcmp(a, "--to")) to_s = v, i++;
		else if (!strcmp(a, "--party")) party = v, i++;
		else if (!strcmp(a, "--to-party")) to_party = v, i++;
		else if (!strcmp(a, "--kind")) kind = v, i++;
		else if (!strcmp(a, "--html")) html = v, i++;
		else if (!strcmp(a, "--lang")) lang = v, i++;
		else if (!strcmp(a, "--bundle")) bundle = v, i++;
		else if (!strcmp(a, "--threads")) {
			if (parse_threads(v, &threads))
				return 2;
			i++;
		}
		else if (a[0] == '-') return cli_usage("report", "unknown option %s", a);
		else if (!dir) dir = a;
		else return cli_usage("report", "one directory only");
	}
	if (!dir || (!mandate && (!from_s || !to_s)))
		return cli_usage("report", "usage: parley report DIR --from T --to T [--party P] [--to-party P] [--kind K] [--json|--csv|--html OUT] [--lang en|ru|ar] [--bundle OUT]\n       parley report DIR --mandate [--from T] [--to T] [--json|--csv|--html OUT] [--lang en|ru|ar] [--bundle OUT]\n       parley report verify BUNDLE --charter CHARTER");
	if (mandate && (party || to_party || kind))
		return cli_usage("report", "--mandate takes no --party, --to-party or --kind: it covers every consignment");
	if (json + csv + (html != NULL) > 1)
		return cli_usage("report", "give one of --json, --csv, --html");
	if (strcmp(lang, "en") && strcmp(lang, "ru") && strcmp(lang, "ar"))
		return cli_usage("report", "--lang takes en, ru or ar");
	int64_t from = 0, to = 0;
	if ((from_s && cli_report_time(from_s, &from)) || (to_s && cli_report_time(to_s, &to)))
		return cli_fail("report", ERR_USAGE);
	if (from_s && to_s && from >= to)
		return cli_usage("report", "--from must be before --to");
	if (bundle) {
		/* refused before the logs are read: a bundle goes into a new (or empty) directory */
		DIR *d = opendir(bundle);
		struct dirent *e;
		int used = 0;
		while (d && (e = readdir(d)))
			used |= strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
		if (d)
			closedir(d);
		if (used)
			return cli_usage("report", "--bundle: %s exists and is not empty: a bundle is written into a new directory", bundle);
	}
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
	if (mandate && (!from_s || !to_s) && (rc = mandate_period(dir, from_s ? NULL : &from, to_s ? NULL : &to)))
		return cli_fail("report", rc);
	if (from >= to)
		return cli_usage("report", "--from must be before --to (%s)", to_s ? "given" : "the term's end, by default");
	struct mandate md;
	memset(&md, 0, sizeof md);
	struct logset_options o = {1, to, threads};
	if ((rc = logset_open(s, dir, &o))) {
		free(s);
		return cli_fail("report", rc);
	}
	if ((party && cli_report_party(s->charter, "--party", party, &f.party)) ||
	    (to_party && cli_report_party(s->charter, "--to-party", to_party, &f.to_party)))
		rc = ERR_USAGE;
	if (!rc && mandate)
		rc = mandate_compute(s, from, to, &md);
	else if (!rc)
		rc = report_compute(s, from, to, &f, &r);
	if (!rc && bundle)
		rc = write_bundle(s, &r, mandate ? &md : NULL, dir, bundle, threads);
	if (!rc && json)
		rc = mandate ? mandate_json_file(s, &md, stdout) : report_json_file(s, &r, stdout); /* streamed */
	else if (!rc && mandate)
		rc = csv ? mandate_csv(s, &md, &out) : html ? mandate_html(s, &md, lang, &out) : mandate_text(s, &md, &out);
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
	mandate_release(&md);
	buf_release(&out);
	logset_close(s);
	free(s);
	return code;
}
