/*
 * taxii_fill — fills a TAXII store (taxii.h) from the agency's evidence: for
 * every envelope of the agency's inbox (as its node serves it) that has a
 * body and was not added yet, fetch and check the envelope against the
 * charter, open its body with the agency's key (officer_open_body), and if
 * the body carries "evidence" (a STIX 2.1 bundle, checked again with
 * stix_check_json: the sender is not trusted) add its objects with the
 * envelope's time as their date_added (bumped to stay strictly increasing).
 * Envelopes are taken in the inbox's order (envelope time, log, index), so
 * a fresh store fills in log order; call it again to add what arrived since
 * (the desk does, at start and on a refresh).
 *
 * Each envelope is a source "PARTY/INDEX" of the store: added once, also when
 * it carries no evidence or evidence that breaks a STIX rule (an envelope
 * never changes, so it is not read again). An envelope that cannot be
 * fetched or opened (the node unreachable, a body not yet there) is not
 * marked and is tried again next time.
 */
#ifndef PARLEY_TAXII_FILL_H
#define PARLEY_TAXII_FILL_H

#include "desk/taxii.h"
#include "officer/officer.h"

#include <stddef.h>

struct taxii_fill_stats {
	size_t envelopes;     /* envelopes with a body read this time */
	size_t bundles;       /* of them, carrying evidence that was added */
	size_t objects;       /* objects added */
	size_t refused;       /* evidence that is not a valid STIX bundle (skipped for good) */
	size_t failed;        /* envelopes that could not be fetched or opened (tried again next time) */
	char last_error[256]; /* why the last refused or failed one was, "" if none */
};

/*
 * Adds the new evidence of o's agency to s. 0 (per-envelope problems are
 * counted in st, not returned); ERR_IO / ERR_NOTFOUND if the inbox cannot be
 * read; ERR_LIMIT if the store is full; ERR_NOMEM.
 */
int taxii_fill(struct taxii_store *s, const struct officer *o, struct taxii_fill_stats *st);

#endif
