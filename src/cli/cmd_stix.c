/*
 * parley stix check FILE — validates a STIX 2.1 bundle (FILE "-" is standard
 * input). Exit 0 valid ("ok: N objects" on stdout), 1 invalid
 * ("parley stix: invalid: <json path>: <rule>" on stderr), 2 unreadable:
 * missing file, too large, not UTF-8, not JSON, nested too deeply.
 */
#include "cli/cli.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "evidence/stix.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: parley stix check FILE   (FILE - reads standard input)\n");
	return 2;
}

int cmd_stix(int argc, char **argv)
{
	if (argc != 3 || strcmp(argv[1], "check") != 0)
		return usage();
	struct buf in;
	struct stix_result res;
	int rc;
	buf_init(&in, STIX_MAX_INPUT);
	rc = file_read(argv[2], STIX_MAX_INPUT, &in);
	if (rc) {
		fprintf(stderr, "parley stix: unreadable: %s\n", err_msg());
		goto out;
	}
	rc = stix_check_bundle(in.data, in.len, &res);
	if (rc == ERR_VERIFY)
		fprintf(stderr, "parley stix: invalid: %s\n", err_msg());
	else if (rc)
		fprintf(stderr, "parley stix: unreadable: %s\n", err_msg());
	else
		printf("ok: %zu objects\n", res.objects);
out:
	buf_release(&in);
	return err_exit_code(rc);
}
