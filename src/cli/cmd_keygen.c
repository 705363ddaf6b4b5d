/* parley keygen --name NAME --out FILE, and parley key vkey KEYFILE [--cosigner] */
#include "base/err.h"
#include "cli/cli.h"
#include "cli/util.h"

#include <stdio.h>
#include <string.h>

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
	if (argc < 3 || strcmp(argv[1], "vkey") != 0)
		return cli_usage("key", "usage: parley key vkey KEYFILE [--cosigner]");
	int cosigner = 0;
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--cosigner"))
			cosigner = 1;
		else
			return cli_usage("key", "unexpected argument '%s'", argv[i]);
	}
	struct keyfile k;
	int rc = keyfile_read(&k, argv[2]);
	if (rc)
		return cli_fail("key", rc);
	struct note_verifier v;
	char line[512];
	note_verifier_from_signer(&v, &k.sign, cosigner ? NOTE_COSIGNATURE : NOTE_ED25519);
	note_verifier_format(&v, line, sizeof line);
	printf("%s\n", line);
	keyfile_release(&k);
	return 0;
}
