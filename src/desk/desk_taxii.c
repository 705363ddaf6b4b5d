/*
 * The desk's TAXII 2.1 feed (docs/taxii.md): the store of the agency's
 * evidence (src/desk/taxii.h), filled when a client holding the credential
 * starts a walk (at most once a second) or the last fill is older than
 * DESK_TAXII_REFRESH_S, answered under /taxii2/ with the feed's own
 * credential rather than the session.
 */
#include "desk/desk_internal.h"
#include "base/err.h"
#include "base/logline.h"
#include "desk/taxii.h"
#include "desk/taxii_fill.h"
#include "desk/taxii_secret.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int64_t now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

/* Fills the store, one fill at a time, with the officer's client to itself; the outcome is kept for the log. */
static int refresh(struct desk *d)
{
	char journal[PATH_MAX + 16];
	snprintf(journal, sizeof journal, "%s/taxii.journal", d->dir);
	struct taxii_fill_stats st;
	pthread_mutex_lock(&d->officer_lock);
	int rc = taxii_fill(d->taxii, &d->o, journal, &st);
	pthread_mutex_unlock(&d->officer_lock);
	pthread_mutex_lock(&d->lock);
	d->taxii_filled = now_s();
	pthread_mutex_unlock(&d->lock);
	if (rc)
		fprintf(stderr, "desk: taxii: the feed was not refreshed: %s\n", err_msg());
	else if (st.refused || st.failed || st.conflicting || st.dropped)
		fprintf(stderr, "desk: taxii: %zu objects added; %zu refused, %zu failed, %zu conflicting, %zu over their "
				"sender's share; last: %s\n",
			st.objects, st.refused, st.failed, st.conflicting, st.dropped, st.last_error);
	if (!rc && st.dropped) /* who floods, named even when another refusal came last */
		fprintf(stderr, "desk: taxii: %zu bundle(s) dropped, their sender over its share of the store "
				"(docs/taxii.md); last: %s\n",
			st.dropped, st.last_dropped);
	return rc;
}

int desk_taxii_open(struct desk *d, const char *origin, char collection[37])
{
	char path[PATH_MAX + 16], secret[TAXII_SECRET_LEN + 1];
	snprintf(path, sizeof path, "%s/taxii.secret", d->dir);
	int rc = taxii_secret_load(path, secret);
	if (!rc)
		rc = taxii_store_new(&d->taxii, d->o.charter.id, d->o.agency->name, origin, secret);
	sodium_memzero(secret, sizeof secret);
	/* each party of the channel its share of the store: one cannot fill it and starve the others (docs/taxii.md) */
	if (!rc)
		rc = taxii_store_set_limits(d->taxii, TAXII_MAX_OBJECTS, TAXII_MAX_BYTES,
					    d->o.charter.nparties ? d->o.charter.nparties : 1);
	if (rc)
		return rc;
	taxii_store_collection_id(d->taxii, collection);
	/* Not filled now: the desk starts at once, and a client's first request fills the store. */
	d->taxii_filled = now_s() - DESK_TAXII_REFRESH_S;
	return 0;
}

void desk_taxii_close(struct desk *d)
{
	taxii_store_free(d->taxii);
	d->taxii = NULL;
}

void desk_taxii(struct desk *d, const struct http_request *req, struct http_response *resp)
{
	/*
	 * A walk's first request (no `next`) sees what arrived since the last
	 * fill; its later pages are answered from what is held (the cursor is
	 * stable either way), unless that is older than DESK_TAXII_REFRESH_S.
	 */
	pthread_mutex_lock(&d->lock);
	int64_t age = now_s() - d->taxii_filled;
	int stale = taxii_authorized(d->taxii, http_header(req, "Authorization")) &&
		    (age >= DESK_TAXII_REFRESH_S || (age >= 1 && !http_arg(req, "next")));
	if (stale)
		d->taxii_filled = now_s(); /* one refresh at a time; the others answer from what is held */
	pthread_mutex_unlock(&d->lock);
	struct buf query;
	buf_init(&query, 8192);
	struct taxii_response rs;
	int rc = http_query(req, &query);
	if (rc) {
		buf_release(&query);
		desk_json_error(resp, 414, "the query is longer than 8 KiB");
		return;
	}
	/* Only a client holding the feed's credential makes the desk fetch anything. */
	struct taxii_request rq = {req->method, req->path, (const char *)query.data, http_header(req, "Accept"),
				   http_header(req, "Authorization")};
	if (stale)
		refresh(d);
	rc = taxii_handle(d->taxii, &rq, &rs);
	buf_release(&query);
	if (rc) {
		desk_json_error(resp, 500, "%s", err_msg());
		return;
	}
	resp->status = rs.status;
	resp->content_type = rs.content_type;
	resp->cache_control = "no-store";
	buf_reset(&resp->body);
	if (buf_append(&resp->body, rs.body.data, rs.body.len)) {
		taxii_response_release(&rs);
		desk_json_error(resp, 500, "out of memory");
		return;
	}
	for (size_t i = 0; i < rs.nheaders && i < HTTP_MORE_HEADERS; i++)
		snprintf(resp->more_headers[i], sizeof resp->more_headers[i], "%s: %s", rs.headers[i].name,
			 rs.headers[i].value);
	taxii_response_release(&rs);
}
