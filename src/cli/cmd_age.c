/*
 * parley age — age v1 encryption and decryption, compatible with the age tool.
 *
 *   parley age encrypt (-r RECIPIENT | -R RECIPIENTS-FILE)... [-a] [-o OUT] [IN]
 *   parley age encrypt -p [-a] [-o OUT] [IN]
 *   parley age decrypt [-i IDENTITY-FILE]... [-o OUT] [IN]
 *
 * -r age1... recipient (repeatable); -R file of age1... lines (# comments and
 * blank lines ignored); -a ASCII armor; -o output file (default stdout); IN
 * input file (default or "-": stdin). -p encrypts with a passphrase, read from
 * the environment variable PARLEY_AGE_PASSPHRASE (there is no prompt). When
 * decrypting, PARLEY_AGE_PASSPHRASE, if set, is tried as a passphrase identity
 * after the -i identities; without -i it is required.
 *
 * With -o, the output appears only when complete: encryption and decryption
 * write a temporary file beside OUT and rename it at the end; a failed
 * decryption leaves no OUT (and creates nothing when the header fails).
 * Decrypting to stdout streams chunks as each one authenticates; a truncated
 * file is reported at its end, after the verified prefix was written.
 *
 * Exit status: 0 ok; 1 decryption failed (header, HMAC, no match, payload or
 * armor failure); 2 usage, input or I/O error. Failures print
 * "parley age: <kind>: <reason>" on stderr.
 */
#include "cli/cli.h"
#include "base/buf.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/age.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_RECIPIENTS 4096
#define MAX_IDENTITY_FILES 64
#define PASSPHRASE_ENV "PARLEY_AGE_PASSPHRASE"

static int report(int rc)
{
	if (rc == 0)
		return 0;
	const char *kind = age_err_kind(rc);
	if (!kind)
		kind = rc == ERR_USAGE ? "usage" : rc == ERR_IO || rc == ERR_NOTFOUND ? "I/O error" : "invalid input";
	fprintf(stderr, "parley age: %s: %s\n", kind, err_msg());
	return age_err_kind(rc) ? 1 : 2;
}

static int open_input(const char *path, int *fd)
{
	if (!path || !strcmp(path, "-")) {
		*fd = 0;
		return 0;
	}
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	return 0;
}

static int add_recipient(struct age_recipient *r, size_t *n, const char *s, size_t len)
{
	if (*n == MAX_RECIPIENTS)
		return err_set(ERR_USAGE, "more than %d recipients", MAX_RECIPIENTS);
	int rc = age_recipient_decode(&r[*n], s, len);
	if (rc)
		return err_wrap(ERR_USAGE, "-r %.*s", (int)(len > 80 ? 80 : len), s);
	(*n)++;
	return 0;
}

/* A recipients file: one age1... per line; blank lines and # comments ignored. */
static int add_recipients_file(struct age_recipient *r, size_t *n, const char *path)
{
	struct buf b;
	buf_init(&b, 1 << 20);
	int rc = file_read(path, 1 << 20, &b);
	for (size_t pos = 0; !rc && pos < b.len;) {
		const char *line = (const char *)b.data + pos;
		const char *lf = memchr(line, '\n', b.len - pos);
		size_t len = lf ? (size_t)(lf - line) : b.len - pos;
		pos += len + 1;
		if (len && line[0] != '#')
			rc = add_recipient(r, n, line, len);
	}
	buf_release(&b);
	return rc ? err_wrap(rc == ERR_NOTFOUND ? ERR_IO : rc, "-R") : 0;
}

static int do_encrypt(int argc, char **argv)
{
	static const struct option opts[] = {
		{"recipient", required_argument, NULL, 'r'}, {"recipients-file", required_argument, NULL, 'R'},
		{"armor", no_argument, NULL, 'a'},           {"output", required_argument, NULL, 'o'},
		{"passphrase", no_argument, NULL, 'p'},      {NULL, 0, NULL, 0},
	};
	struct age_recipient *r = calloc(MAX_RECIPIENTS, sizeof *r);
	size_t n = 0;
	const char *out = NULL;
	int armor = 0, pass = 0, c, in_fd = -1, rc = 0;
	if (!r)
		return report(err_set(ERR_NOMEM, "out of memory"));
	optind = 1;
	opterr = 0;
	while (!rc && (c = getopt_long(argc, argv, "r:R:ao:p", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rc = add_recipient(r, &n, optarg, strlen(optarg));
			break;
		case 'R':
			rc = add_recipients_file(r, &n, optarg);
			break;
		case 'a':
			armor = 1;
			break;
		case 'o':
			out = optarg;
			break;
		case 'p':
			pass = 1;
			break;
		default:
			rc = err_set(ERR_USAGE, "unknown option or missing argument: %s", argv[optind - 1]);
		}
	}
	if (!rc && argc - optind > 1)
		rc = err_set(ERR_USAGE, "at most one input file");
	if (!rc && pass) {
		const char *p = getenv(PASSPHRASE_ENV);
		if (n)
			rc = err_set(ERR_USAGE, "-p cannot be combined with -r or -R");
		else if (!p || !*p)
			rc = err_set(ERR_USAGE, "-p needs the passphrase in the environment variable " PASSPHRASE_ENV);
		else
			age_recipient_passphrase(&r[n++], p, strlen(p), 0);
	}
	if (!rc && n == 0)
		rc = err_set(ERR_USAGE, "no recipients: give -r RECIPIENT, -R FILE or -p");
	if (!rc)
		rc = open_input(optind < argc ? argv[optind] : NULL, &in_fd);
	if (!rc)
		rc = out ? age_encrypt_to_path(in_fd, out, r, n, armor) : age_encrypt_fd(in_fd, 1, r, n, armor);
	if (in_fd > 0)
		close(in_fd);
	free(r);
	return report(rc);
}

static int do_decrypt(int argc, char **argv)
{
	static const struct option opts[] = {
		{"identity", required_argument, NULL, 'i'},
		{"output", required_argument, NULL, 'o'},
		{NULL, 0, NULL, 0},
	};
	const char *files[MAX_IDENTITY_FILES], *out = NULL;
	struct age_identity *ids = NULL;
	size_t nfiles = 0, nids = 0;
	int c, in_fd = -1, rc = 0;
	optind = 1;
	opterr = 0;
	while (!rc && (c = getopt_long(argc, argv, "i:o:", opts, NULL)) != -1) {
		if (c == 'i' && nfiles < MAX_IDENTITY_FILES)
			files[nfiles++] = optarg;
		else if (c == 'i')
			rc = err_set(ERR_USAGE, "more than %d identity files", MAX_IDENTITY_FILES);
		else if (c == 'o')
			out = optarg;
		else
			rc = err_set(ERR_USAGE, "unknown option or missing argument: %s", argv[optind - 1]);
	}
	if (!rc && argc - optind > 1)
		rc = err_set(ERR_USAGE, "at most one input file");
	const char *pass = getenv(PASSPHRASE_ENV);
	if (pass && !*pass)
		pass = NULL;
	if (!rc && nfiles == 0 && !pass)
		rc = err_set(ERR_USAGE, "no identities: give -i IDENTITY-FILE or set " PASSPHRASE_ENV);
	for (size_t i = 0; !rc && i < nfiles; i++) {
		struct age_identity *more;
		size_t nmore;
		if ((rc = age_identities_load(files[i], &more, &nmore)) != 0)
			break;
		struct age_identity *all = realloc(ids, (nids + nmore + 1) * sizeof *all);
		if (!all) {
			age_identities_free(more, nmore);
			rc = err_set(ERR_NOMEM, "out of memory");
			break;
		}
		ids = all;
		memcpy(ids + nids, more, nmore * sizeof *more);
		nids += nmore;
		free(more); /* the secrets now belong to ids */
	}
	if (!rc && pass) {
		struct age_identity *all = realloc(ids, (nids + 1) * sizeof *all);
		if (!all)
			rc = err_set(ERR_NOMEM, "out of memory");
		else
			age_identity_passphrase(&(ids = all)[nids++], pass, strlen(pass), 0);
	}
	if (!rc)
		rc = open_input(optind < argc ? argv[optind] : NULL, &in_fd);
	if (!rc)
		rc = out ? age_decrypt_to_path(in_fd, out, ids, nids) : age_decrypt_fd(in_fd, 1, ids, nids);
	if (in_fd > 0)
		close(in_fd);
	age_identities_free(ids, nids);
	return report(rc);
}

int cmd_age(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "encrypt"))
		return do_encrypt(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "decrypt"))
		return do_decrypt(argc - 1, argv + 1);
	fprintf(stderr, "parley age: usage: parley age encrypt (-r RECIPIENT | -R FILE | -p)... [-a] [-o OUT] [IN]\n"
			"                   parley age decrypt [-i IDENTITY-FILE]... [-o OUT] [IN]\n");
	return 2;
}
