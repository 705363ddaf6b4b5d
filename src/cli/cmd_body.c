/*
 * parley body template [TYPE] [--profile cyber-mla|aid-crossing]
 *
 * Prints a complete, valid body of TYPE (docs/profile-cyber-mla.md,
 * docs/profile-aid-crossing.md) for an officer to copy and fill in, instead
 * of writing JSON from nothing; without TYPE, lists the types with the
 * envelope kind each goes with. The bodies are the profiles' example bodies
 * (tests/data/<profile>/valid/, checked against the C checker and the
 * published JSON Schemas in `make check`), built into the binary.
 * Exit 0; 2 for an unknown type or profile.
 */
#include "cli/cli.h"
#include "exchange/builtin.h"

#include <stdio.h>
#include <string.h>

static int usage(void)
{
	fprintf(stderr, "usage: parley body template [TYPE] [--profile cyber-mla|aid-crossing]\n");
	return 2;
}

int cmd_body(int argc, char **argv)
{
	const char *type = NULL, *profile = NULL;
	if (argc < 2 || strcmp(argv[1], "template"))
		return usage();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--profile") && i + 1 < argc && !profile)
			profile = argv[++i];
		else if (!strcmp(argv[i], "--help")) {
			printf("parley body template [TYPE] [--profile cyber-mla|aid-crossing]\n"
			       "  prints a complete, valid body of TYPE to fill in; without TYPE, lists the types\n");
			return 0;
		} else if (argv[i][0] == '-' || type)
			return usage();
		else
			type = argv[i];
	}
	if (profile && strcmp(profile, "cyber-mla") && strcmp(profile, "aid-crossing")) {
		fprintf(stderr, "parley body: unknown profile '%s' (cyber-mla or aid-crossing)\n", profile);
		return 2;
	}
	struct builtin_body b;
	if (!type) {
		for (size_t i = 0; !builtin_template_at(i, &b); i++)
			if (!profile || !strcmp(profile, b.profile))
				printf("%-13s %-21s sent with %s\n", b.profile, b.type, b.command);
		return 0;
	}
	/* a type both profiles have (ack, close) is cyber-mla's unless --profile says otherwise */
	if (!builtin_template_find(profile, type, &b)) {
		fwrite(b.data, 1, b.len, stdout);
		return 0;
	}
	fprintf(stderr, "parley body: no body type '%s'%s%s (parley body template lists them)\n", type,
		profile ? " in " : "", profile ? profile : "");
	return 2;
}
