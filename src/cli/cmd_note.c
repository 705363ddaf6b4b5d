/*
 * parley note sign FILE --key KEYFILE     signs a note's text (a signed note is re-signed afresh)
 * parley note verify FILE --vkey VKEY...   checks a signed note (any of the keys)
 * parley note cosign FILE --key KEYFILE [--time RFC3339|UNIX-SECONDS]
 *     adds a c2sp.org/tlog-cosignature line by KEYFILE's key to a signed note
 *     (a checkpoint) and prints the result. This is the low-level tool; the
 *     witness service checks consistency before it cosigns.
 */
#include "base/err.h"
#include "base/rfc3339.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define MAX_KEYS 32

static int note_verify_cmd(int argc, char **argv)
{
	const char *file = NULL;
	struct note_verifier vs[MAX_KEYS];
	size_t nv = 0;
	int rc;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vkey") && i + 1 < argc && nv < MAX_KEYS) {
			if ((rc = cli_load_vkey(argv[++i], &vs[nv++])))
				return cli_fail("note verify", rc);
		} else if (!file && argv[i][0] != '-') {
			file = argv[i];
		} else {
			return cli_usage("note verify", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!file || !nv)
		return cli_usage("note verify", "usage: parley note verify FILE --vkey VKEY...");
	struct buf b;
	struct note n;
	int ok[MAX_KEYS];
	buf_init(&b, NOTE_MAX_SIZE);
	if (!(rc = file_read(file, NOTE_MAX_SIZE, &b))) {
		if (!(rc = note_parse(&n, b.data, b.len))) {
			rc = note_verify(&n, vs, nv, ok, NULL);
			for (size_t i = 0; !rc && i < nv; i++)
				if (ok[i])
					printf("signed by %s\n", vs[i].name);
			note_release(&n);
		} else {
			rc = ERR_VERIFY; /* a malformed note is not a valid note */
		}
	}
	buf_release(&b);
	return rc ? cli_fail("note verify", rc) : 0;
}

static int note_cosign_cmd(int argc, char **argv)
{
	const char *file = NULL, *key = NULL;
	uint64_t when = (uint64_t)time(NULL);
	int rc;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			key = argv[++i];
		} else if (!strcmp(argv[i], "--time") && i + 1 < argc) {
			/* the cosignature's own field is Unix seconds; people may give RFC 3339 */
			const char *v = argv[++i];
			int64_t t;
			if (v[0] >= '0' && v[0] <= '9' && strspn(v, "0123456789") == strlen(v)) {
				if ((rc = cli_parse_u64(v, &when)))
					return cli_fail("note cosign", rc);
			} else if (rfc3339_parse(v, strlen(v), 0, &t)) {
				return cli_usage("note cosign", "--time: %s (or Unix seconds)", err_msg());
			} else {
				when = (uint64_t)t;
			}
		} else if (!file && argv[i][0] != '-') {
			file = argv[i];
		} else {
			return cli_usage("note cosign", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!file || !key)
		return cli_usage("note cosign", "usage: parley note cosign FILE --key KEYFILE [--time RFC3339|UNIX-SECONDS]");
	struct keyfile k;
	struct note_signer cos = {0};
	struct buf b, out;
	struct note n;
	buf_init(&b, NOTE_MAX_SIZE);
	buf_init(&out, NOTE_MAX_SIZE + 1024);
	if ((rc = keyfile_read(&k, key)))
		goto done;
	if (!(rc = note_signer_retype(&cos, &k.sign, NOTE_COSIGNATURE)) && !(rc = file_read(file, NOTE_MAX_SIZE, &b)) &&
	    !(rc = note_parse(&n, b.data, b.len))) {
		rc = buf_append(&out, b.data, b.len);
		if (!rc)
			rc = note_sign_line(&out, n.data, n.text_len, &cos, when);
		if (!rc)
			rc = fd_write_all(1, out.data, out.len);
		note_release(&n);
	}
	note_signer_release(&cos);
	keyfile_release(&k);
done:
	buf_release(&b);
	buf_release(&out);
	return rc ? cli_fail("note cosign", rc) : 0;
}

/* Signs the text of FILE (a note's text, or a signed note whose text is re-signed) with KEYFILE's key. */
static int note_sign_cmd(int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[2], "--key") != 0)
		return cli_usage("note sign", "usage: parley note sign FILE --key KEYFILE");
	struct keyfile k;
	struct buf b, out;
	struct note n;
	int rc = keyfile_read(&k, argv[3]);
	if (rc)
		return cli_fail("note sign", rc);
	buf_init(&b, NOTE_MAX_SIZE);
	buf_init(&out, NOTE_MAX_SIZE + 1024);
	if (!(rc = file_read(argv[1], NOTE_MAX_SIZE, &b))) {
		if (note_parse(&n, b.data, b.len) == 0) {
			rc = note_sign(&out, n.data, n.text_len, &k.sign, 1, 0);
			note_release(&n);
		} else {
			rc = note_sign(&out, (const char *)b.data, b.len, &k.sign, 1, 0);
		}
	}
	if (!rc)
		rc = fd_write_all(1, out.data, out.len);
	buf_release(&b);
	buf_release(&out);
	keyfile_release(&k);
	return rc ? cli_fail("note sign", rc) : 0;
}

int cmd_note(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "sign"))
		return note_sign_cmd(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return note_verify_cmd(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "cosign"))
		return note_cosign_cmd(argc - 1, argv + 1);
	return cli_usage("note", "usage: parley note sign FILE --key KEYFILE | parley note verify FILE --vkey VKEY... | parley note cosign FILE --key KEYFILE [--time T]");
}
