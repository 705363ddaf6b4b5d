/*
 * desk_report — the desk's reports (docs/desk.md, docs/reports.md): the logs
 * of every party are fetched into the desk's directory with `parley fetch`'s
 * code (src/net/logfetch.h), then the period report or the mandate report is
 * computed over them with `parley report`'s code (src/report/), as JSON, or
 * as the verifiable bundle in a tar archive.
 *
 *   GET /api/report?from=T&to=T          parley report DIR --from T --to T --json
 *   GET /api/report/bundle?from=T&to=T   parley report DIR ... --bundle OUT, as a tar archive
 *   GET /api/mandate[?period=N]          parley report DIR --mandate --json: the whole term, or its
 *                                        Nth reporting period (1 is the first)
 *
 * A party whose node cannot be reached is reported over what the directory
 * holds of its log (a header X-Parley-Fetch says which, and why); a log that
 * fails a check refuses the report (502).
 */
#include "desk/desk_internal.h"

#include "base/err.h"
#include "base/fileio.h"
#include "base/rfc3339.h"
#include "exchange/syntax.h"
#include "net/logfetch.h"
#include "report/bundle.h"
#include "report/logset.h"
#include "report/mandate.h"
#include "report/report.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* DIR/charter (the signed charter the node serves, written once), then every party's log. */
static int fetch_logs(struct desk *d, char *warn, size_t warnsz)
{
	char path[PATH_MAX + 16];
	struct buf b;
	int rc = 0;
	warn[0] = 0;
	snprintf(path, sizeof path, "%s/charter", d->dir);
	if (access(path, F_OK) != 0) {
		buf_init(&b, CHARTER_MAX_SIZE);
		if (!(rc = officer_get(&d->o, "/charter", &b)))
			rc = file_write_atomic(path, b.data, b.len, 0644, 0);
		buf_release(&b);
		if (rc)
			return rc;
	}
	char *log = NULL;
	size_t loglen = 0;
	FILE *report = open_memstream(&log, &loglen);
	struct logfetch *f = NULL;
	if (!report)
		return err_set(ERR_NOMEM, "out of memory");
	rc = logfetch_open(&f, &d->o.charter, d->dir, 0, report);
	for (size_t i = 0; !rc && i < d->o.charter.nparties; i++) {
		const struct charter_party *p = &d->o.charter.parties[i];
		int r = logfetch_one(f, p->url, p);
		if (r == ERR_IO) { /* unreachable: the report is over what is held */
			size_t used = strlen(warn);
			snprintf(warn + used, warnsz - used, "%s%s", used ? "; " : "", err_msg());
		} else if (r) {
			rc = r;
		}
	}
	if (!rc)
		rc = logfetch_finish(f);
	logfetch_close(f);
	fclose(report);
	free(log);
	return rc;
}

/* A time argument into *t, read as `parley report --from/--to` reads it (RFC 3339, or a date); 400 and -1 if not. */
static int time_arg(const struct http_request *req, const char *name, int64_t *t, struct http_response *resp)
{
	const char *v = http_arg(req, name);
	if (!v) {
		desk_json_error(resp, 400, "%s is required: a time in RFC 3339 (2021-07-09T00:00:00Z)", name);
		return -1;
	}
	if (rfc3339_parse(v, strlen(v), RFC3339_DATE, t)) {
		desk_json_error(resp, 400, "%s: %s", name, err_msg());
		return -1;
	}
	return 0;
}

static void set_warning(struct http_response *resp, const char *warn)
{
	if (warn[0])
		snprintf(resp->extra_header, sizeof resp->extra_header, "X-Parley-Fetch: %.100s", warn);
}

/* The bundle of r or md into out (absent), verified as `report verify` will (bundle_write). */
static int write_bundle(struct desk *d, const struct logset *s, const struct report *r, const struct mandate *md,
			const char *out)
{
	char path[PATH_MAX + 32];
	snprintf(path, sizeof path, "%s/charter", d->dir);
	int rc = bundle_write(s, path, r, md, out, 0);
	return rc ? err_wrap(rc, "the bundle") : 0;
}

enum what { PERIOD, BUNDLE, MANDATE };

static void report(struct desk *d, const struct http_request *req, enum what what, struct http_response *resp)
{
	int64_t from = 0, to = 0;
	if (what != MANDATE && (time_arg(req, "from", &from, resp) || time_arg(req, "to", &to, resp)))
		return;
	if (what != MANDATE && from >= to) {
		desk_json_error(resp, 400, "from must be before to");
		return;
	}
	const struct charter *now = history_at(&d->o.history, (int64_t)time(NULL));
	if (what == MANDATE && !(now->profiles & CHARTER_PROFILE_AID_CROSSING)) {
		desk_json_error(resp, 404, "the charter does not enable the aid-crossing profile: there is no mandate report");
		return;
	}
	const char *period = what == MANDATE ? http_arg(req, "period") : NULL;
	uint64_t n = 0;
	if (period) {
		for (const char *p = period; *p; p++)
			n = *p >= '0' && *p <= '9' && n < 100000 ? n * 10 + (uint64_t)(*p - '0') : 0;
		if (!n || period[0] == '0' || strlen(period) > 6) {
			desk_json_error(resp, 400, "period takes a reporting period's number, 1 for the first");
			return;
		}
	}
	char warn[512], bdir[PATH_MAX];
	struct logset *s = calloc(1, sizeof *s);
	struct report r;
	struct mandate md;
	int rc, opened = 0;
	memset(&r, 0, sizeof r);
	memset(&md, 0, sizeof md);
	if (!s) {
		desk_json_error(resp, 500, "out of memory");
		return;
	}
	pthread_mutex_lock(&d->officer_lock);
	rc = fetch_logs(d, warn, sizeof warn);
	if (!rc && what == MANDATE) {
		/* the term (and periods) of the charter in force after the last amendment, as `report --mandate` */
		from = now->term_start, to = now->term_end;
		uint64_t rp = now->reporting_period;
		if (n) {
			from = now->term_start + (int64_t)((n - 1) * rp);
			to = from + (int64_t)rp < now->term_end ? from + (int64_t)rp : now->term_end;
			if (from >= now->term_end)
				rc = err_set(ERR_NOTFOUND, "the term has no reporting period %s", period);
		}
	}
	struct logset_options o = {1, to, 0};
	if (!rc && !(rc = logset_open(s, d->dir, &o)))
		opened = 1;
	if (!rc)
		rc = what == MANDATE ? mandate_compute(s, from, to, &md)
				     : report_compute(s, from, to, &(struct report_filter){-1, -1, -1}, &r);
	buf_reset(&resp->body);
	if (!rc && what == BUNDLE && !(rc = desk_scratch_dir(d, "bundle", bdir, sizeof bdir))) {
		char out[PATH_MAX + 16], name[96];
		snprintf(out, sizeof out, "%s/b", bdir);
		rc = write_bundle(d, s, &r, NULL, out);
		char f[21], t[21];
		syntax_format_time(from, f);
		syntax_format_time(to, t);
		snprintf(name, sizeof name, "report-%.10s-%.10s", f, t);
		if (!rc && !(rc = desk_tar_dir(out, name, (long long)time(NULL), &resp->body)))
			snprintf(resp->extra_header, sizeof resp->extra_header,
				 "Content-Disposition: attachment; filename=\"%.60s.tar\"", name);
		desk_remove_tree(bdir);
	} else if (!rc) {
		rc = what == MANDATE ? mandate_json(s, &md, &resp->body) : report_json(s, &r, &resp->body);
	}
	pthread_mutex_unlock(&d->officer_lock);
	if (rc) {
		desk_json_error(resp, rc == ERR_VERIFY || rc == ERR_IO ? 502 : rc == ERR_NOTFOUND ? 404 : 422, "%s",
				err_msg());
	} else {
		resp->status = 200;
		resp->content_type = what == BUNDLE ? "application/x-tar" : "application/json";
		resp->cache_control = "no-store";
		if (what != BUNDLE)
			set_warning(resp, warn);
	}
	report_release(&r);
	mandate_release(&md);
	if (opened)
		logset_close(s);
	free(s);
}

void desk_api_report(struct desk *d, const struct http_request *req, const char *path, struct http_response *resp)
{
	if (!strcmp(path, "report"))
		report(d, req, PERIOD, resp);
	else if (!strcmp(path, "report/bundle"))
		report(d, req, BUNDLE, resp);
	else
		report(d, req, MANDATE, resp);
}
