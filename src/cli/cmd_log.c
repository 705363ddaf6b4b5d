/*
 * parley log init|append|prove|consistency|verify|checkpoint — the
 * transparency log as a command. See docs/cli.md for the exact forms.
 */
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "tlog/proof.h"
#include "tlog/store.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STDIN_BATCH_ENTRIES 65536     /* commit at least this often when reading stdin */
#define STDIN_BATCH_BYTES (8u << 20)

/* Finds "--key FILE" among argv and the one positional DIR; anything else is an error. */
static int parse_dir_key(int argc, char **argv, const char *what, const char **dir, const char **key,
			 int *first_extra)
{
	*dir = NULL, *key = NULL;
	*first_extra = argc;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc) {
			*key = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage(what, "unknown option '%s'", argv[i]);
		} else if (!*dir) {
			*dir = argv[i];
		} else if (*first_extra == argc) {
			*first_extra = i;
		}
	}
	return 0;
}

static int log_init(int argc, char **argv)
{
	const char *dir, *key;
	int extra, rc;
	if ((rc = parse_dir_key(argc, argv, "log init", &dir, &key, &extra)))
		return rc;
	if (!dir || !key || extra != argc)
		return cli_usage("log init", "usage: parley log init DIR --key FILE");
	struct keyfile k;
	if ((rc = keyfile_read(&k, key)))
		return cli_fail("log init", rc);
	rc = tlog_create(dir, &k.sign);
	keyfile_release(&k);
	if (rc)
		return cli_fail("log init", rc);
	return 0;
}

/* Commits the queued entries and prints their indices. */
static int commit_and_print(struct tlog *t, uint64_t first, uint64_t count)
{
	int rc = tlog_commit(t);
	if (rc)
		return rc;
	for (uint64_t i = 0; i < count; i++)
		printf("%" PRIu64 "\n", first + i);
	if (fflush(stdout) != 0)
		return err_set(ERR_IO, "writing to standard output: %s", strerror(errno));
	return 0;
}

static int append_files(struct tlog *t, char **files, int n)
{
	/* Read and check every file first, so a bad one appends nothing. */
	struct buf *entries = calloc((size_t)n, sizeof *entries);
	int rc = 0;
	if (!entries)
		return err_set(ERR_NOMEM, "out of memory");
	for (int i = 0; i < n && !rc; i++) {
		buf_init(&entries[i], TLOG_ENTRY_MAX);
		rc = file_read(files[i], TLOG_ENTRY_MAX, &entries[i]);
		if (rc == ERR_LIMIT)
			rc = err_set(ERR_LIMIT, "%s: entry is larger than the limit of %d bytes; nothing was appended",
				     files[i], TLOG_ENTRY_MAX);
		else if (rc)
			err_wrap(rc, "nothing was appended");
	}
	uint64_t first = tlog_size(t), count = 0;
	for (int i = 0; i < n && !rc; i++) {
		if (tlog_pending_bytes(t) + entries[i].len + 2 > TLOG_BATCH_MAX_BYTES) {
			if ((rc = commit_and_print(t, first, count)))
				break;
			first += count;
			count = 0;
		}
		uint64_t idx;
		if (!(rc = tlog_add(t, entries[i].data, entries[i].len, &idx)))
			count++;
	}
	if (!rc && count)
		rc = commit_and_print(t, first, count);
	for (int i = 0; i < n; i++)
		buf_release(&entries[i]);
	free(entries);
	return rc;
}

static int stdin_ready(void)
{
	struct pollfd p = {.fd = 0, .events = POLLIN};
	return poll(&p, 1, 0) > 0;
}

/*
 * Each line of standard input is one entry. Entries are committed in
 * batches: when input pauses, at EOF, or every STDIN_BATCH_* entries/bytes.
 * A bad line (too long) stops the command: batches already printed stay
 * appended, the batch holding the bad line is not.
 */
static int append_stdin(struct tlog *t)
{
	size_t cap = 1u << 20, len = 0;
	uint8_t *in = malloc(cap);
	uint64_t first = tlog_size(t), count = 0, line_no = 0;
	int rc = 0, eof = 0;
	if (!in)
		return err_set(ERR_NOMEM, "out of memory");
	while (!rc && !eof) {
		ssize_t r = read(0, in + len, cap - len);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = err_set(ERR_IO, "reading standard input: %s", strerror(errno));
			break;
		}
		if (r == 0)
			eof = 1;
		len += (size_t)r;
		size_t start = 0;
		for (;;) {
			uint8_t *nl = memchr(in + start, '\n', len - start);
			size_t end = nl ? (size_t)(nl - in) : len;
			if (!nl && !(eof && end > start))
				break;
			line_no++;
			if (end - start > TLOG_ENTRY_MAX) {
				rc = err_set(ERR_LIMIT, "line %" PRIu64 " of standard input is %zu bytes, over the entry limit of %d; "
							"it and its batch were not appended", line_no, end - start, TLOG_ENTRY_MAX);
				break;
			}
			uint64_t idx;
			if ((rc = tlog_add(t, in + start, end - start, &idx)))
				break;
			count++;
			start = nl ? end + 1 : len;
			if (count >= STDIN_BATCH_ENTRIES || tlog_pending_bytes(t) >= STDIN_BATCH_BYTES) {
				if ((rc = commit_and_print(t, first, count)))
					break;
				first += count;
				count = 0;
			}
		}
		if (rc)
			break;
		memmove(in, in + start, len - start);
		len -= start;
		if (len > TLOG_ENTRY_MAX) {
			rc = err_set(ERR_LIMIT, "line %" PRIu64 " of standard input is over the entry limit of %d bytes; "
						"it and its batch were not appended", line_no + 1, TLOG_ENTRY_MAX);
			break;
		}
		/* Input paused (or ended): make what we have durable and say so. */
		if (count && (eof || !stdin_ready())) {
			if ((rc = commit_and_print(t, first, count)))
				break;
			first += count;
			count = 0;
		}
	}
	if (rc)
		tlog_discard(t);
	free(in);
	return rc;
}

static int log_append(int argc, char **argv)
{
	const char *dir, *key;
	int extra, rc;
	if ((rc = parse_dir_key(argc, argv, "log append", &dir, &key, &extra)))
		return rc;
	if (!dir || !key)
		return cli_usage("log append", "usage: parley log append DIR --key FILE [ENTRY-FILE...]");
	/* Collect the entry files (positional arguments after DIR). */
	char **files = calloc((size_t)argc, sizeof *files);
	int nfiles = 0;
	if (!files)
		return cli_fail("log append", err_set(ERR_NOMEM, "out of memory"));
	for (int i = extra; i < argc; i++) {
		if (!strcmp(argv[i], "--key")) {
			i++;
			continue;
		}
		files[nfiles++] = argv[i];
	}
	struct keyfile k;
	struct tlog *t = NULL;
	if (!(rc = keyfile_read(&k, key))) {
		if (!(rc = tlog_open(&t, dir, &k.sign)))
			rc = nfiles ? append_files(t, files, nfiles) : append_stdin(t);
		tlog_close(t);
		keyfile_release(&k);
	}
	free(files);
	return rc ? cli_fail("log append", rc) : 0;
}

static int open_reader(const char *dir, struct tlog **t)
{
	return tlog_open(t, dir, NULL);
}

static int log_prove(int argc, char **argv)
{
	uint64_t index;
	if (argc != 3)
		return cli_usage("log prove", "usage: parley log prove DIR INDEX");
	int rc = cli_parse_u64(argv[2], &index);
	if (rc)
		return cli_fail("log prove", rc);
	struct tlog *t;
	if ((rc = open_reader(argv[1], &t)))
		return cli_fail("log prove", rc);
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n;
	struct buf out;
	buf_init(&out, TLOG_PROOF_MAX_SIZE);
	if (index >= tlog_size(t))
		rc = err_set(ERR_NOTFOUND, "entry %" PRIu64 " does not exist (log size %" PRIu64 ")", index, tlog_size(t));
	if (!rc)
		rc = tlog_prove_inclusion(t, index, tlog_size(t), proof, &n);
	if (!rc) {
		const struct buf *cp = tlog_checkpoint_note(t);
		rc = tlog_proof_format(&out, index, (const merkle_hash *)proof, n, cp->data, cp->len, NULL, 0);
	}
	if (!rc)
		rc = fd_write_all(1, out.data, out.len);
	buf_release(&out);
	tlog_close(t);
	return rc ? cli_fail("log prove", rc) : 0;
}

static int log_consistency(int argc, char **argv)
{
	uint64_t old;
	if (argc != 3)
		return cli_usage("log consistency", "usage: parley log consistency DIR OLD-SIZE");
	int rc = cli_parse_u64(argv[2], &old);
	if (rc)
		return cli_fail("log consistency", rc);
	struct tlog *t;
	if ((rc = open_reader(argv[1], &t)))
		return cli_fail("log consistency", rc);
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	if (old > tlog_size(t))
		rc = err_set(ERR_USAGE, "old size %" PRIu64 " is larger than the log's size %" PRIu64, old, tlog_size(t));
	if (!rc)
		rc = tlog_prove_consistency(t, old, tlog_size(t), proof, &n);
	for (size_t i = 0; !rc && i < n; i++) {
		char b64[64];
		b64_encode(b64, proof[i], MERKLE_HASH);
		printf("%s\n", b64);
	}
	tlog_close(t);
	return rc ? cli_fail("log consistency", rc) : 0;
}

static int log_verify(int argc, char **argv)
{
	const char *dir = NULL, *vkey = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vkey") && i + 1 < argc)
			vkey = argv[++i];
		else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			return cli_usage("log verify", "unexpected argument '%s'", argv[i]);
	}
	if (!dir || !vkey)
		return cli_usage("log verify", "usage: parley log verify DIR --vkey VKEY");
	struct note_verifier v;
	int rc = cli_load_vkey(vkey, &v);
	if (rc)
		return cli_fail("log verify: --vkey", rc == ERR_FORMAT ? ERR_USAGE : rc);
	uint64_t n;
	if ((rc = tlog_audit(dir, &v, &n)))
		return cli_fail("log verify", rc);
	printf("log ok: %" PRIu64 " entries, every tile and bundle recomputed, checkpoint signed by %s\n", n, v.name);
	return 0;
}

static int log_checkpoint(int argc, char **argv)
{
	if (argc != 2)
		return cli_usage("log checkpoint", "usage: parley log checkpoint DIR");
	struct tlog *t;
	int rc = open_reader(argv[1], &t);
	if (rc)
		return cli_fail("log checkpoint", rc);
	const struct buf *cp = tlog_checkpoint_note(t);
	rc = fd_write_all(1, cp->data, cp->len);
	tlog_close(t);
	return rc ? cli_fail("log checkpoint", rc) : 0;
}

/* The --help text of each subcommand: what it does, every argument and flag with its default. */
static const char *const log_help[][2] = {
	{"init", "  Creates an empty log in DIR (which must not hold one), signed by the key.\n"
		 "  DIR          the log directory (created)\n"
		 "  --key FILE   the log's key file (parley keygen); required, no default\n"},
	{"append", "  Appends the ENTRY-FILEs (or, with none, one entry per line of standard input) in one\n"
		   "  commit and prints each new entry's index. A bad entry appends nothing.\n"
		   "  DIR          the log directory\n"
		   "  --key FILE   the log's key file; required, no default\n"
		   "  ENTRY-FILE   files, one entry each; default: standard input, one entry per line\n"},
	{"prove", "  Prints the inclusion proof of entry INDEX against the current checkpoint (tlog-proof).\n"
		  "  DIR          the log directory\n"
		  "  INDEX        the entry's index, from 0\n"},
	{"consistency", "  Prints the consistency proof from size OLD-SIZE to the current checkpoint.\n"
			"  DIR          the log directory\n"
			"  OLD-SIZE     a size the log had, at most its current size\n"},
	{"verify", "  Recomputes every tile and bundle of DIR and checks the checkpoint's signature.\n"
		   "  Exit status 1 if anything does not verify.\n"
		   "  DIR          the log directory\n"
		   "  --vkey VKEY  the log's verifier key, or a file holding it; required, no default\n"},
	{"checkpoint", "  Prints the log's current signed checkpoint.\n"
		       "  DIR          the log directory\n"},
};

int cmd_log(int argc, char **argv)
{
	static const struct cli_command sub[] = {
		{"init", log_init, "log init DIR --key FILE"},
		{"append", log_append, "log append DIR --key FILE [ENTRY-FILE...]"},
		{"prove", log_prove, "log prove DIR INDEX"},
		{"consistency", log_consistency, "log consistency DIR OLD-SIZE"},
		{"verify", log_verify, "log verify DIR --vkey VKEY"},
		{"checkpoint", log_checkpoint, "log checkpoint DIR"},
	};
	int help = 0;
	for (int j = 1; j < argc; j++)
		help |= !strcmp(argv[j], "--help") || !strcmp(argv[j], "-h");
	if (help && (argc == 2 || (argc >= 3 && argv[1][0] == '-'))) { /* parley log --help: every subcommand */
		printf("usage: parley log SUBCOMMAND ...  (a transparency log in a directory, docs/log.md)\n");
		for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
			printf("\nparley %s\n%s", sub[i].usage, log_help[i][1]);
		return 0;
	}
	if (argc >= 2)
		for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
			if (!strcmp(argv[1], sub[i].name)) {
				if (help) {
					printf("usage: parley %s\n%s", sub[i].usage, log_help[i][1]);
					return 0;
				}
				return sub[i].run(argc - 1, argv + 1);
			}
	_Static_assert(sizeof sub / sizeof sub[0] == sizeof log_help / sizeof log_help[0], "a help text per subcommand");
	if (argc >= 2)
		fprintf(stderr, "parley log: unknown subcommand '%s'\n", argv[1]);
	fprintf(stderr, "usage:\n");
	for (size_t i = 0; i < sizeof sub / sizeof sub[0]; i++)
		fprintf(stderr, "  parley %s\n", sub[i].usage);
	fprintf(stderr, "(parley log --help describes each)\n");
	return 2;
}
