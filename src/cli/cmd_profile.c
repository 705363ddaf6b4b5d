/*
 * parley profile check --kind KIND FILE... — checks plaintext message bodies
 * (FILE "-" is standard input) as bodies of an envelope of kind KIND under
 * the cyber-mla and aid-crossing profiles (the body's "profile" says which);
 * with several files each output line starts with the file's name and the
 * exit code is the worst one. Hidden (not in `parley help`): the tests and the
 * officers' tools use it until bodies are checked as part of sending.
 * Exit 0 valid ("ok: <type>" on stdout), 1 invalid ("parley profile: invalid:
 * <json path>: <rule>" on stderr), 2 unreadable: missing file, too large, not
 * UTF-8, not JSON, duplicate keys, nested too deeply, or a usage error.
 *
 * parley profile aid-line --kind KIND FILE — checks one body as above and
 * prints the envelope's aid line for it ("aid: consignment crossing=..."),
 * the figures a sender signs in the clear (docs/profile-aid-crossing.md);
 * nothing (exit 0) for a body that carries no figures.
 */
#include "cli/cli.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "exchange/profile.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

#define PROFILES (CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING)

static int usage(void)
{
	fprintf(stderr, "usage: parley profile check --kind KIND FILE...   (FILE - reads standard input)\n"
			"       parley profile aid-line --kind KIND FILE\n");
	return 2;
}

/* Checks one file; with several files, every line names the file. Returns the exit code. */
static int check_file(enum envelope_kind kind, const char *path, int name_it, int aid_line)
{
	const char *sep = name_it ? ": " : "", *name = name_it ? path : "";
	struct buf in, line;
	json_t *body = NULL;
	int rc;
	buf_init(&in, PROFILE_BODY_MAX);
	buf_init(&line, 4096);
	rc = file_read(path, PROFILE_BODY_MAX, &in);
	if (rc == 0)
		rc = profile_load(in.data, in.len, &body);
	if (rc) {
		fprintf(stderr, "parley profile: unreadable: %s%s%s\n", name, sep, err_msg());
		rc = 2;
		goto out;
	}
	rc = profile_check_value(kind, PROFILES, body);
	if (rc == ERR_FORMAT) {
		fprintf(stderr, "parley profile: invalid: %s%s%s\n", name, sep, err_msg());
		rc = 1;
	} else if (rc) {
		fprintf(stderr, "parley profile: %s%s%s\n", name, sep, err_msg());
		rc = 2;
	} else if (aid_line) {
		struct envelope_aid a;
		profile_aid_figures(body, &a);
		if (a.type != ENV_AID_NONE && (rc = envelope_aid_format(&a, &line))) {
			fprintf(stderr, "parley profile: %s\n", err_msg());
			rc = 2;
		} else if (line.len) { /* nothing (and no buffer) for a body without figures */
			fwrite(line.data, 1, line.len, stdout);
		}
	} else {
		printf("%s%sok: %s\n", name, sep, json_string_value(json_object_get(body, "type")));
	}
out:
	json_decref(body);
	buf_release(&in);
	buf_release(&line);
	return rc;
}

int cmd_profile(int argc, char **argv)
{
	int kind, worst = 0, aid_line;
	if (argc < 5 || strcmp(argv[2], "--kind"))
		return usage();
	if (!strcmp(argv[1], "check"))
		aid_line = 0;
	else if (!strcmp(argv[1], "aid-line") && argc == 5)
		aid_line = 1;
	else
		return usage();
	kind = envelope_kind_parse(argv[3], strlen(argv[3]));
	if (kind < 0) {
		fprintf(stderr, "parley profile: unknown kind '%s'\n", argv[3]);
		return 2;
	}
	for (int i = 4; i < argc; i++) {
		int rc = check_file((enum envelope_kind)kind, argv[i], argc > 5, aid_line);
		worst = rc > worst ? rc : worst;
	}
	return worst;
}
