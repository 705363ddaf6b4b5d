/*
 * parley proof verify PROOF-FILE ENTRY-FILE --vkey VKEY [--witness VKEY]...
 * Checks a c2sp.org/tlog-proof offline: log signature, every named witness's
 * cosignature, and the inclusion of the entry. Exit 0 valid, 1 invalid, 2 error.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "tlog/proof.h"
#include "tlog/tiles.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WITNESSES 32

int cmd_proof(int argc, char **argv)
{
	static const char usage[] = "usage: parley proof verify PROOF-FILE ENTRY-FILE --vkey VKEY [--witness VKEY]...";
	const char *files[2] = {0}, *vkey = NULL;
	struct note_verifier witnesses[MAX_WITNESSES];
	size_t nw = 0, nfiles = 0;
	int rc;
	if (argc < 2 || strcmp(argv[1], "verify") != 0)
		return cli_usage("proof", "%s", usage);
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--vkey") && i + 1 < argc) {
			vkey = argv[++i];
		} else if (!strcmp(argv[i], "--witness") && i + 1 < argc) {
			if (nw == MAX_WITNESSES)
				return cli_usage("proof verify", "at most %d witnesses", MAX_WITNESSES);
			if ((rc = cli_load_vkey(argv[++i], &witnesses[nw])))
				return cli_fail("proof verify: --witness", rc);
			if (witnesses[nw].type != NOTE_COSIGNATURE)
				return cli_usage("proof verify", "--witness %s is not a cosigner key (type 0x04)",
						 witnesses[nw].name);
			nw++;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage("proof verify", "unknown option '%s'\n%s", argv[i], usage);
		} else if (nfiles < 2) {
			files[nfiles++] = argv[i];
		} else {
			return cli_usage("proof verify", "%s", usage);
		}
	}
	if (nfiles != 2 || !vkey)
		return cli_usage("proof verify", "%s", usage);
	struct note_verifier log_key;
	if ((rc = cli_load_vkey(vkey, &log_key)))
		return cli_fail("proof verify: --vkey", rc);
	struct buf proof_buf, entry;
	buf_init(&proof_buf, TLOG_PROOF_MAX_SIZE);
	buf_init(&entry, TLOG_ENTRY_MAX);
	struct tlog_proof *p = malloc(sizeof *p);
	uint64_t times[MAX_WITNESSES];
	struct checkpoint cp;
	if (!p) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = file_read(files[0], TLOG_PROOF_MAX_SIZE, &proof_buf)))
		goto out;
	if ((rc = file_read(files[1], TLOG_ENTRY_MAX, &entry))) {
		if (rc == ERR_LIMIT)
			err_set(rc, "%s is larger than a log entry can be (%d bytes)", files[1], TLOG_ENTRY_MAX);
		goto out;
	}
	if ((rc = tlog_proof_parse(p, proof_buf.data, proof_buf.len))) {
		err_wrap(rc, "%s", files[0]);
		if (rc == ERR_FORMAT)
			rc = ERR_VERIFY; /* a malformed proof proves nothing */
		goto out;
	}
	if ((rc = tlog_proof_verify(p, entry.data, entry.len, &log_key, witnesses, nw, times, &cp))) {
		if (rc == ERR_FORMAT || rc == ERR_LIMIT)
			rc = ERR_VERIFY;
		goto out;
	}
	printf("proof ok: entry %" PRIu64 " of %s (tree size %" PRIu64 ")\n", p->index, cp.origin, cp.size);
	for (size_t i = 0; i < nw; i++)
		printf("cosigned by %s at %" PRIu64 "\n", witnesses[i].name, times[i]);
out:
	free(p);
	buf_release(&proof_buf);
	buf_release(&entry);
	return rc ? cli_fail("proof verify", rc) : 0;
}
