/*
 * desk_download — the desk's downloads (docs/desk.md): a case's receipts as a
 * tar archive of `parley receipt`'s directory, and an envelope's evidence
 * (the STIX bundle of its body) as a JSON file. Statuses as desk_api.c's.
 */
#include "desk/desk_internal.h"

#include "base/err.h"
#include "base/jsonload.h"
#include "exchange/profile.h"
#include "exchange/syntax.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void fail(struct http_response *resp, int rc, int usage)
{
	int status = rc == ERR_NOTFOUND ? 404 : rc == ERR_IO || rc == ERR_VERIFY ? 502 : rc == ERR_NOMEM ? 500 : usage;
	desk_json_error(resp, status, "%s", err_msg()[0] ? err_msg() : "failed");
}

/* ---- downloads ---- */

/* A name for a download: the case id with '/' as '_'. */
static void file_name(const char *what, const char *id, char *out, size_t outsz)
{
	int n = snprintf(out, outsz, "%s-%s", what, id);
	for (int i = 0; i < n && (size_t)i < outsz; i++)
		if (!(out[i] == '.' || out[i] == '-' || (out[i] >= '0' && out[i] <= '9') || (out[i] >= 'a' && out[i] <= 'z') ||
		      (out[i] >= 'A' && out[i] <= 'Z')))
			out[i] = '_';
}

static void attachment(struct http_response *resp, const char *content_type, const char *name, const char *ext)
{
	resp->status = 200;
	resp->content_type = content_type;
	resp->cache_control = "no-store";
	snprintf(resp->extra_header, sizeof resp->extra_header, "Content-Disposition: attachment; filename=\"%.70s%.6s\"",
		 name, ext);
}

/* GET /api/receipt/<case id>: `parley receipt`'s directory as a tar archive. */
void desk_api_receipt(struct desk *d, const char *case_id, struct http_response *resp)
{
	char dir[PATH_MAX], name[128];
	struct officer_receipts r;
	if (!syntax_case_id(case_id, strlen(case_id))) {
		desk_json_error(resp, 400, "'%.80s' is not a case id", case_id);
		return;
	}
	int rc = desk_scratch_dir(d, "receipt", dir, sizeof dir);
	if (rc) {
		fail(resp, rc, 500);
		return;
	}
	char *log = NULL;
	size_t loglen = 0;
	FILE *f = open_memstream(&log, &loglen);
	if (!f) {
		desk_json_error(resp, 500, "out of memory");
		desk_remove_tree(dir);
		return;
	}
	pthread_mutex_lock(&d->officer_lock);
	rc = officer_receipt(&d->o, case_id, dir, f, &r);
	pthread_mutex_unlock(&d->officer_lock);
	fclose(f);
	free(log);
	file_name("receipt", case_id, name, sizeof name);
	if (rc) {
		fail(resp, rc, 422);
	} else {
		buf_reset(&resp->body);
		if ((rc = desk_tar_dir(dir, name, (long long)time(NULL), &resp->body)))
			fail(resp, rc, 500);
		else
			attachment(resp, "application/x-tar", name, ".tar");
	}
	desk_remove_tree(dir);
}

/* GET /api/evidence/<party>/<index>: the STIX bundle of that envelope's body. */
void desk_api_evidence(struct desk *d, const char *rest, struct http_response *resp)
{
	char party[17], name[64];
	const char *slash = strchr(rest, '/');
	uint64_t index = 0;
	if (!slash || slash == rest || (size_t)(slash - rest) >= sizeof party || !slash[1] || strlen(slash + 1) > 19) {
		desk_json_error(resp, 400, "the evidence path is /api/evidence/PARTY/INDEX");
		return;
	}
	for (const char *p = slash + 1; *p; p++) {
		if (*p < '0' || *p > '9' || (p == slash + 1 && *p == '0' && p[1])) {
			desk_json_error(resp, 400, "the evidence path is /api/evidence/PARTY/INDEX");
			return;
		}
		index = index * 10 + (uint64_t)(*p - '0');
	}
	memcpy(party, rest, (size_t)(slash - rest));
	party[slash - rest] = 0;
	if (!charter_party(&d->o.charter, party, strlen(party))) {
		desk_json_error(resp, 404, "'%s' is no party of the charter", party);
		return;
	}
	struct buf raw, plain;
	struct envelope e;
	json_t *b = NULL;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	pthread_mutex_lock(&d->officer_lock);
	int rc = officer_fetch_envelope(&d->o, party, index, &raw, &e);
	if (!rc) {
		rc = officer_open_body(&d->o, &e, &plain);
		envelope_release(&e);
	}
	pthread_mutex_unlock(&d->officer_lock);
	if (!rc)
		rc = jsonload_strict(plain.data, plain.len, PROFILE_BODY_MAX, 64, &b);
	json_t *ev = json_object_get(b, "evidence");
	if (rc)
		fail(resp, rc, 422);
	else if (!json_is_object(ev))
		desk_json_error(resp, 404, "the body of %s/%" PRIu64 " carries no evidence", party, index);
	else {
		json_incref(ev);
		desk_json(resp, 200, ev);
		snprintf(name, sizeof name, "evidence-%s-%" PRIu64, party, index);
		attachment(resp, "application/json", name, ".json");
	}
	json_decref(b);
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&raw);
	buf_release(&plain);
}

