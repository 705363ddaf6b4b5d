/*
 * parley profile check --kind KIND FILE... — checks plaintext message bodies
 * (FILE "-" is standard input) as bodies of an envelope of kind KIND under
 * the cyber-mla profile; with several files each output line starts with
 * the file's name and the exit code is the worst one. Hidden (not in `parley help`): the tests and the
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
	fprintf(stderr, "usage: parley profile check --kind KIND FILE...   (FILE - reads standard input)\n");
	return 2;
}

/* Checks one file; with several files, every line names the file. Returns the exit code. */
static int check_file(enum envelope_kind kind, const char *path, int name_it)
{
	const char *sep = name_it ? ": " : "", *name = name_it ? path : "";
	struct buf in;
	json_t *body = NULL;
	int rc;
	buf_init(&in, PROFILE_BODY_MAX);
	rc = file_read(path, PROFILE_BODY_MAX, &in);
	if (rc == 0)
		rc = profile_load(in.data, in.len, &body);
	if (rc) {
		fprintf(stderr, "parley profile: unreadable: %s%s%s\n", name, sep, err_msg());
		rc = 2;
		goto out;
	}
	rc = profile_check_value(kind, CHARTER_PROFILE_CYBER_MLA, body);
	if (rc == ERR_FORMAT) {
		fprintf(stderr, "parley profile: invalid: %s%s%s\n", name, sep, err_msg());
		rc = 1;
	} else if (rc) {
		fprintf(stderr, "parley profile: %s%s%s\n", name, sep, err_msg());
		rc = 2;
	} else {
		printf("%s%sok: %s\n", name, sep, json_string_value(json_object_get(body, "type")));
	}
out:
	json_decref(body);
	buf_release(&in);
	return rc;
}

int cmd_profile(int argc, char **argv)
{
	int kind, worst = 0;
	if (argc < 5 || strcmp(argv[1], "check") || strcmp(argv[2], "--kind"))
		return usage();
	kind = envelope_kind_parse(argv[3], strlen(argv[3]));
	if (kind < 0) {
		fprintf(stderr, "parley profile: unknown kind '%s'\n", argv[3]);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		int rc = check_file((enum envelope_kind)kind, argv[i], argc > 5);
		worst = rc > worst ? rc : worst;
	}
	return worst;
}
