/*
 * parley taxii-get --key KEYFILE --node URL [--auth HEADER] [--accept HEADER]
 *                  [--journal FILE] [--method M] [--max-objects N] PATH[?QUERY]...
 *
 * A hidden command (not listed by --help) for the tests and for trying the
 * desk's TAXII 2.1 feed without a browser or a TAXII client: opens the
 * agency's officer client, fills a TAXII store from its evidence
 * (taxii_fill, exactly as the desk does) and answers each PATH with
 * taxii_handle (src/desk/taxii.h). For each it prints "HTTP STATUS", the
 * headers ("Content-Type: ..." and the extra ones), a blank line and the
 * body. The store's credential is "taxii-get"; the Authorization header
 * defaults to "Bearer taxii-get" (--auth "" sends none). --journal keeps the
 * dates given (taxii_fill.h), as the desk keeps them in its directory. The
 * store is shared by the charter's parties as the desk shares it (each at
 * most its share, taxii_store_set_limits); --max-objects lowers the store's
 * bound from TAXII_MAX_OBJECTS to N (the tests' flood). A summary of the
 * fill goes to stderr. Exit 0 if every answer is 2xx, 1 if one is not, 2 on
 * a usage or fill error. docs/taxii.md.
 */
#include "cli/cli.h"

#include "base/err.h"
#include "desk/taxii.h"
#include "desk/taxii_fill.h"
#include "officer/officer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SECRET "taxii-get"

static int usage(void)
{
	fprintf(stderr, "usage: parley taxii-get --key KEYFILE --node URL [--auth HEADER] [--accept HEADER] "
			"[--journal FILE] [--method M] [--max-objects N] PATH[?QUERY]...\n");
	return 2;
}

int cmd_taxii_get(int argc, char **argv)
{
	const char *key = NULL, *node = NULL, *journal = NULL, *auth = "Bearer " SECRET, *accept = TAXII_MEDIA;
	const char *method = "GET", *max_objects = NULL;
	int npaths = 0;
	char **paths = calloc((size_t)argc, sizeof *paths);
	if (!paths)
		return 2;
	for (int i = 1; i < argc; i++) {
		const char **to = !strcmp(argv[i], "--key")      ? &key
				  : !strcmp(argv[i], "--node")   ? &node
				  : !strcmp(argv[i], "--journal") ? &journal
				  : !strcmp(argv[i], "--auth")   ? &auth
				  : !strcmp(argv[i], "--accept") ? &accept
				  : !strcmp(argv[i], "--method") ? &method
				  : !strcmp(argv[i], "--max-objects") ? &max_objects
								 : NULL;
		if (!strcmp(argv[i], "--help")) {
			printf("usage: parley taxii-get --key KEYFILE --node URL [--auth HEADER] [--accept HEADER] "
			       "[--journal FILE] [--method M] [--max-objects N] PATH[?QUERY]...\n");
			free(paths);
			return 0;
		}
		if (to) {
			if (++i == argc) {
				free(paths);
				return usage();
			}
			*to = argv[i];
		} else if (argv[i][0] == '/') {
			paths[npaths++] = argv[i];
		} else {
			fprintf(stderr, "parley taxii-get: unexpected argument '%s'\n", argv[i]);
			free(paths);
			return usage();
		}
	}
	if (!key || !node || !npaths) {
		free(paths);
		return usage();
	}
	unsigned long long maxo = TAXII_MAX_OBJECTS;
	if (max_objects) {
		char *end;
		errno = 0;
		maxo = strtoull(max_objects, &end, 10);
		if (errno || end == max_objects || *end || max_objects[0] < '1' || max_objects[0] > '9' ||
		    maxo > TAXII_MAX_OBJECTS) {
			fprintf(stderr, "parley taxii-get: --max-objects '%s' is not a number from 1 to %u\n", max_objects,
				TAXII_MAX_OBJECTS);
			free(paths);
			return usage();
		}
	}
	struct officer o;
	struct taxii_store *s = NULL;
	struct taxii_fill_stats st;
	int rc = officer_open(&o, key, node);
	if (rc) {
		fprintf(stderr, "parley taxii-get: %s\n", err_msg());
		free(paths);
		return 2;
	}
	if ((rc = taxii_store_new(&s, o.charter.id, o.agency->name, "", SECRET)) ||
	    (rc = taxii_store_set_limits(s, (size_t)maxo, TAXII_MAX_BYTES, o.charter.nparties ? o.charter.nparties : 1)) ||
	    (rc = taxii_fill(s, &o, journal, &st))) {
		fprintf(stderr, "parley taxii-get: %s\n", err_msg());
		taxii_store_free(s);
		officer_release(&o);
		free(paths);
		return 2;
	}
	fprintf(stderr,
		"taxii: %zu envelopes read, %zu bundles, %zu objects added, %zu placed by the journal, %zu refused, "
		"%zu failed, %zu conflicting, %zu over their sender's share%s%s\n",
		st.envelopes, st.bundles, st.objects, st.replayed, st.refused, st.failed, st.conflicting, st.dropped,
		st.last_error[0] ? "; last: " : "",
		st.last_error);
	if (st.dropped)
		fprintf(stderr, "taxii: %zu bundle(s) dropped, their sender over its share of the store; last: %s\n",
			st.dropped, st.last_dropped);
	int bad = 0;
	for (int i = 0; i < npaths && bad != 2; i++) {
		char *path = strdup(paths[i]), *q = path ? strchr(path, '?') : NULL;
		if (!path) {
			bad = 2;
			break;
		}
		if (q)
			*q++ = 0;
		struct taxii_request rq = {method, path, q, accept, *auth ? auth : NULL};
		struct taxii_response rs;
		if (taxii_handle(s, &rq, &rs)) {
			fprintf(stderr, "parley taxii-get: %s\n", err_msg());
			bad = 2;
		} else {
			printf("HTTP %d\nContent-Type: %s\n", rs.status, rs.content_type);
			for (size_t h = 0; h < rs.nheaders; h++)
				printf("%s: %s\n", rs.headers[h].name, rs.headers[h].value);
			printf("\n%.*s\n", (int)rs.body.len, (const char *)rs.body.data);
			if ((rs.status < 200 || rs.status > 299) && !bad)
				bad = 1;
		}
		taxii_response_release(&rs);
		free(path);
	}
	taxii_store_free(s);
	officer_release(&o);
	free(paths);
	return bad;
}
