/*
 * parley profile check --kind KIND FILE — checks a plaintext message body
 * (FILE "-" is standard input) as the body of an envelope of kind KIND under
 * the cyber-mla profile. Hidden (not in `parley help`): the tests and the
 * officers' tools use it until bodies are checked as part of sending.
 * Exit 0 valid ("ok: <type>" on stdout), 1 invalid ("parley profile: invalid:
 * <json path>: <rule>" on stderr), 2 unreadable: missing file, too large, not
 * UTF-8, not JSON, duplicate keys, nested too deeply, or a usage error.
 */
#include "cli/cli.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "exchange/profile.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: parley profile check --kind KIND FILE   (FILE - reads standard input)\n");
	return 2;
}

int cmd_profile(int argc, char **argv)
{
	struct buf in;
	json_t *body = NULL;
	int kind, rc;
	if (argc != 5 || strcmp(argv[1], "check") || strcmp(argv[2], "--kind"))
		return usage();
	kind = envelope_kind_parse(argv[3], strlen(argv[3]));
	if (kind < 0) {
		fprintf(stderr, "parley profile: unknown kind '%s'\n", argv[3]);
		return 2;
	}
	buf_init(&in, PROFILE_BODY_MAX);
	rc = file_read(argv[4], PROFILE_BODY_MAX, &in);
	if (rc == 0)
		rc = profile_load(in.data, in.len, &body);
	if (rc) {
		fprintf(stderr, "parley profile: unreadable: %s\n", err_msg());
		rc = 2;
		goto out;
	}
	rc = profile_check_value((enum envelope_kind)kind, CHARTER_PROFILE_CYBER_MLA, body);
	if (rc == ERR_FORMAT) {
		fprintf(stderr, "parley profile: invalid: %s\n", err_msg());
		rc = 1;
	} else if (rc) {
		fprintf(stderr, "parley profile: %s\n", err_msg());
		rc = 2;
	} else {
		printf("ok: %s\n", json_string_value(json_object_get(body, "type")));
	}
out:
	json_decref(body);
	buf_release(&in);
	return rc;
}
