/* parley keygen --name NAME --out FILE, and parley key vkey KEYFILE [--cosigner] */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cmd_keygen(int argc, char **argv)
{
	const char *name = NULL, *out = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--name") && i + 1 < argc)
			name = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else
			return cli_usage("keygen", "unexpected argument '%s'\nusage: parley keygen --name NAME --out FILE", argv[i]);
	}
	if (!name || !out)
		return cli_usage("keygen", "usage: parley keygen --name NAME --out FILE");
	struct keyfile k;
	int rc = keyfile_generate(&k, name);
	if (!rc)
		rc = keyfile_write(&k, out);
	if (!rc) {
		struct note_verifier v;
		char line[512];
		note_verifier_from_signer(&v, &k.sign, NOTE_ED25519);
		note_verifier_format(&v, line, sizeof line);
		printf("%s\n", line);
	}
	keyfile_release(&k);
	return rc ? cli_fail("keygen", rc) : 0;
}

int cmd_key(int argc, char **argv)
{
	static const char usage[] = "usage: parley key vkey KEYFILE [--cosigner] | key age-identity KEYFILE | key age-recipient KEYFILE";
	if (argc < 3)
		return cli_usage("key", "%s", usage);
	int cosigner = 0;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--cosigner") && !strcmp(argv[1], "vkey"))
			cosigner = 1;
		else
			return cli_usage("key", "unexpected argument '%s'\n%s", argv[i], usage);
	}
	const char *what = argv[1];
	if (strcmp(what, "vkey") && strcmp(what, "age-identity") && strcmp(what, "age-recipient"))
		return cli_usage("key", "%s", usage);
	struct keyfile k;
	int rc = keyfile_read(&k, argv[2]);
	if (rc)
		return cli_fail("key", rc);
	if (!strcmp(what, "vkey")) {
		struct note_verifier v;
		char line[512];
		note_verifier_from_signer(&v, &k.sign, cosigner ? NOTE_COSIGNATURE : NOTE_ED25519);
		note_verifier_format(&v, line, sizeof line);
		printf("%s\n", line);
	} else if (!strcmp(what, "age-recipient")) {
		struct age_recipient r;
		char line[AGE_RECIPIENT_TEXT_MAX];
		if (!(rc = age_recipient_from_identity(&r, &k.age)) && !(rc = age_recipient_encode(&r, line)))
			printf("%s\n", line);
	} else {
		/*
		 * The identity is secret: formatted into sodium memory and written with
		 * write(2), not printf, whose stdout buffer would keep it unwiped.
		 */
		char *line = sodium_malloc(AGE_IDENTITY_TEXT_MAX + 1);
		if (!line)
			rc = err_set(ERR_NOMEM, "out of secure memory");
		else if (!(rc = age_identity_encode(&k.age, line))) {
			size_t n = strlen(line);
			line[n] = '\n';
			fflush(stdout);
			rc = fd_write_all(STDOUT_FILENO, line, n + 1);
		}
		if (line)
			sodium_free(line);
	}
	keyfile_release(&k);
	return rc ? cli_fail("key", rc) : 0;
}
