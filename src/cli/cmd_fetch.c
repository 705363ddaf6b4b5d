/*
 * parley fetch --charter CHARTER --out DIR [URL...] — the auditor's mirror.
 *
 * Mirrors every party's log (checkpoint, tiles, entry bundles; no bodies)
 * into the layout of docs/reports.md:
 *   DIR/charter, DIR/logs/<party>/ (tlog-tiles), DIR/logs/<party>.checkpoints/<size>
 * from the node URLs in the charter, or from the URLs given, each a copy of
 * one party's log directory (http, https, file://, or a local path): a URL is
 * matched to its party by the origin of the checkpoint it serves. For each
 * log the checkpoint must verify with the charter's node key of that party,
 * every cosignature line by a key the charter names for that log must verify
 * (lines by other keys are ignored), and the new checkpoint must extend what
 * DIR holds (the mirror recomputes the tree from the entries it holds and the
 * new ones: that is the consistency proof). Exit 0; 1 if a check failed (the
 * log is left as it was); 2 for usage, I/O, or an unreachable source.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "net/logfetch.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SIGNERS (1 + CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)

#define MAX_URLS 256

/* DIR/charter: written if absent; if present, it must be the same channel's charter. */
static int keep_charter(const char *out, const char *charter_path, const struct charter *c)
{
	char path[PATH_MAX];
	struct buf b;
	struct charter held;
	snprintf(path, sizeof path, "%s/charter", out);
	if (access(path, F_OK) == 0) {
		int rc = charter_load(&held, path);
		if (rc)
			return err_wrap(ERR_USAGE, "%s", path);
		rc = memcmp(held.id, c->id, 32) ? err_set(ERR_USAGE, "%s is the charter of channel %s, not of %s (%s)", path,
							  held.id_hex, c->id_hex, charter_path)
						: 0;
		charter_release(&held);
		return rc;
	}
	buf_init(&b, CHARTER_MAX_SIZE);
	int rc = file_read(charter_path, CHARTER_MAX_SIZE, &b);
	if (!rc)
		rc = file_write_atomic(path, b.data, b.len, 0644, 0);
	buf_release(&b);
	return rc;
}

/* A URL as given: http(s) and file:// as they are, a local directory as a file:// URL. */
static int source_url(const char *arg, char *out, size_t outsz)
{
	if (!strncmp(arg, "http://", 7) || !strncmp(arg, "https://", 8) || !strncmp(arg, "file://", 7)) {
		if (strlen(arg) >= outsz)
			return err_set(ERR_USAGE, "URL too long: %s", arg);
		snprintf(out, outsz, "%s", arg);
		return 0;
	}
	if (strstr(arg, "://"))
		return err_set(ERR_USAGE, "%s: only http, https and file URLs (or a local directory) are read", arg);
	char real[PATH_MAX];
	if (!realpath(arg, real))
		return err_set(ERR_USAGE, "%s: no such directory", arg);
	if ((size_t)snprintf(out, outsz, "file://%s", real) >= outsz)
		return err_set(ERR_USAGE, "path too long: %s", arg);
	return 0;
}

int cmd_fetch(int argc, char **argv)
{
	static const char usage[] = "usage: parley fetch --charter CHARTER --out DIR [URL...]";
	const char *charter_path = NULL, *out = NULL;
	const char *urls[MAX_URLS];
	size_t nurls = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--charter") && i + 1 < argc)
			charter_path = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage("fetch", "unknown option '%s'\n%s", argv[i], usage);
		else if (nurls == MAX_URLS)
			return cli_usage("fetch", "at most %d URLs", MAX_URLS);
		else
			urls[nurls++] = argv[i];
	}
	if (!charter_path || !out)
		return cli_usage("fetch", "%s", usage);

	struct charter *c = calloc(1, sizeof *c);
	struct logfetch *f = NULL;
	int rc, worst = 0;
	if (!c)
		return cli_fail("fetch", err_set(ERR_NOMEM, "out of memory"));
	if ((rc = charter_load(c, charter_path))) {
		free(c);
		return cli_fail("fetch", err_wrap(rc == ERR_VERIFY ? rc : ERR_USAGE, "%s", charter_path));
	}
	if (!charter_complete(c)) {
		rc = err_set(ERR_USAGE, "%s is not signed by every party", charter_path);
		goto out;
	}
	char logs[PATH_MAX];
	snprintf(logs, sizeof logs, "%s/logs", out);
	if ((rc = mkdir_p(logs, 0755)) || (rc = keep_charter(out, charter_path, c)) ||
	    (rc = logfetch_open(&f, c, out, 1, stdout)))
		goto out;
	size_t n = nurls ? nurls : c->nparties;
	for (size_t i = 0; i < n; i++) {
		char base[SYNTAX_URL_MAX + PATH_MAX + 16];
		const struct charter_party *expect = nurls ? NULL : &c->parties[i];
		int r = nurls ? source_url(urls[i], base, sizeof base) : 0;
		if (!nurls)
			snprintf(base, sizeof base, "%s", expect->url);
		if (!r)
			r = logfetch_one(f, base, expect);
		if (r) {
			fprintf(stderr, "parley fetch: %s\n", err_msg());
			/* a failed check outweighs an unreachable source: the exit code says the worst seen */
			if (err_exit_code(r) == 1 || !worst)
				worst = err_exit_code(r);
		}
	}
	int r = logfetch_finish(f);
	if (r) {
		fprintf(stderr, "parley fetch: %s\n", err_msg());
		if (err_exit_code(r) == 1 || !worst)
			worst = err_exit_code(r);
	}
out:
	logfetch_close(f);
	charter_release(c);
	free(c);
	if (rc)
		return cli_fail("fetch", rc);
	return worst;
}
