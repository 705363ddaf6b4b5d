/*
 * parley proof verify PROOF-FILE ENTRY-FILE (--vkey VKEY [--witness VKEY]... | --charter CHARTER)
 *   Checks a c2sp.org/tlog-proof offline: the log's signature, the cosignatures,
 *   and the inclusion of the entry. With --vkey, every --witness must have
 *   cosigned. With --charter, the log key is a node key of the party whose
 *   log the checkpoint names, and every cosignature by a key the charter names
 *   (the other parties' nodes, the neutral witnesses) must verify; each is
 *   printed with its time. The channel's amendments beside the charter
 *   (CHARTER's directory/amendments/, as `parley fetch`, bundles and nodes keep
 *   them) are followed: the party's node keys over time, a retired one only
 *   with a cosignature from before its retirement (cosig_open_checkpoint), and
 *   each cosignature by the key in force at its time (docs/amendments.md).
 * parley proof consistency OLD-CHECKPOINT NEW-CHECKPOINT PROOF-FILE (--vkey VKEY | --charter CHARTER)
 *   Checks that the log at OLD's size is a prefix of the log at NEW's size:
 *   both checkpoints signed by the log's key, of one origin, and the RFC 6962
 *   consistency proof (one base64 hash a line, as `parley log consistency`
 *   prints it) leads from OLD's root to NEW's.
 * Exit 0 valid, 1 invalid (a malformed proof or checkpoint included), 2 usage or I/O.
 */
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "cases/cosig.h"
#include "exchange/charter.h"
#include "exchange/history.h"
#include "tlog/proof.h"
#include "tlog/tiles.h"

#include <inttypes.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WITNESSES 32
#define MAX_COSIGNERS (CHARTER_MAX_PARTIES + CHARTER_MAX_WITNESSES)

/* Where the keys come from: --vkey (and --witness), or --charter. */
struct keys {
	const char *vkey;
	struct note_verifier witnesses[MAX_COSIGNERS];
	size_t nw;
	struct charter *charter;
	struct charter_history *history; /* with --charter: and the amendments beside it */
};

static void keys_release(struct keys *k)
{
	if (k->history) {
		history_release(k->history);
		free(k->history);
	}
	if (k->charter) {
		charter_release(k->charter);
		free(k->charter);
	}
}

/* Parses --vkey, --witness and --charter at argv[*i]: 1 if it was one of them, 0 if not, <0 on error. */
static int key_option(const char *what, int argc, char **argv, int *i, struct keys *k)
{
	const char *opt = argv[*i];
	int rc;
	if (*i + 1 >= argc || (strcmp(opt, "--vkey") && strcmp(opt, "--witness") && strcmp(opt, "--charter")))
		return 0;
	const char *arg = argv[++*i];
	if (!strcmp(opt, "--vkey")) {
		k->vkey = arg;
	} else if (!strcmp(opt, "--witness")) {
		if (k->nw == MAX_WITNESSES)
			return cli_usage(what, "at most %d witnesses", MAX_WITNESSES), ERR_USAGE;
		if ((rc = cli_load_vkey(arg, &k->witnesses[k->nw])))
			return err_wrap(rc, "--witness");
		if (k->witnesses[k->nw].type != NOTE_COSIGNATURE)
			return err_set(ERR_USAGE, "--witness %s is not a cosigner key (type 0x04)", k->witnesses[k->nw].name);
		k->nw++;
	} else {
		if (k->charter)
			return err_set(ERR_USAGE, "--charter given twice");
		if (!(k->charter = calloc(1, sizeof *k->charter)))
			return err_set(ERR_NOMEM, "out of memory");
		if ((rc = charter_load(k->charter, arg))) {
			free(k->charter);
			k->charter = NULL;
			return err_wrap(rc, "%s", arg);
		}
		if (!charter_complete(k->charter))
			return err_set(ERR_USAGE, "%s is not signed by every party", arg);
		/* the amendments beside it (DIR/amendments/ of a fetch directory, a bundle, a node's directory) */
		char dir[PATH_MAX];
		snprintf(dir, sizeof dir, "%s", arg);
		if (!(k->history = malloc(sizeof *k->history)))
			return err_set(ERR_NOMEM, "out of memory");
		history_init(k->history, k->charter);
		if ((rc = history_load_dir(k->history, dirname(dir)))) {
			if (rc == ERR_FORMAT || rc == ERR_CONFLICT || rc == ERR_NOTFOUND || rc == ERR_LIMIT)
				rc = ERR_VERIFY;
			return err_wrap(rc, "the amendments beside %s", arg);
		}
	}
	return 1;
}

/*
 * The log key for origin: from --vkey, or the node key of the party the
 * charter gives that log. ERR_USAGE if neither names it.
 */
static int log_key_for(const struct keys *k, const char *origin, struct note_verifier *key)
{
	if (k->charter) {
		const struct charter_party *p = charter_party_of_log(k->charter, origin);
		if (!p)
			return err_set(ERR_VERIFY, "the checkpoint names log %s, which is no party's log in the charter", origin);
		*key = p->node_key;
		return 0;
	}
	return cli_load_vkey(k->vkey, key);
}

static void print_cosigners(const struct charter *c, const struct note_verifier *w, size_t nw, const uint64_t *times)
{
	for (size_t i = 0; i < nw; i++) {
		char t[21] = "?";
		if (times[i] <= (uint64_t)INT64_MAX)
			syntax_format_time((int64_t)times[i], t);
		const char *role = "";
		if (c) {
			int k = charter_cosigner_index(c, w[i].name);
			role = k >= 0 && (size_t)k < c->nparties ? " (party node)" : " (witness)";
		}
		printf("cosigned by %s%s at %s\n", w[i].name, role, t);
	}
}

/*
 * proof verify --charter: the proof under the charter and its amendments
 * (cosig_verify_proof), every cosignature line by a cosigner of the log must
 * verify; prints the result and each cosigner once, at its earliest time.
 */
static int verify_with_history(const struct keys *k, const struct tlog_proof *p, const struct buf *entry)
{
	struct checkpoint cp;
	struct cosig_set *cs = malloc(sizeof *cs);
	int rc = cs ? cosig_verify_proof(k->history, p, entry->data, entry->len, NULL, NULL, NULL, &cp)
		    : err_set(ERR_NOMEM, "out of memory");
	if (!rc && (rc = cosig_check_note_history(k->history, p->checkpoint, p->checkpoint_len, cs)) == 0 && cs->nbad)
		rc = err_set(ERR_VERIFY, "the cosignature by %s does not verify", cs->bad);
	if (rc) {
		if (rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_NOTFOUND)
			rc = ERR_VERIFY;
		free(cs);
		return rc;
	}
	const struct charter *roster = history_roster(k->history);
	printf("proof ok: entry %" PRIu64 " of %s (tree size %" PRIu64 ")\n", p->index, cp.origin, cp.size);
	for (size_t i = 0; i < cs->nok; i++) {
		size_t first = i;
		for (size_t j = 0; j < cs->nok; j++)
			if (cs->ok[j].cosigner == cs->ok[i].cosigner &&
			    (cs->ok[j].time < cs->ok[first].time || (j < first && cs->ok[j].time == cs->ok[first].time)))
				first = j;
		if (first != i)
			continue; /* each cosigner once, at its earliest */
		char t[21];
		syntax_format_time(cs->ok[i].time, t);
		printf("cosigned by %s%s at %s\n", cs->ok[i].name,
		       cs->ok[i].cosigner >= 0 && (size_t)cs->ok[i].cosigner < roster->nparties ? " (party node)" : " (witness)", t);
	}
	free(cs);
	return 0;
}

static int proof_verify(int argc, char **argv)
{
	static const char usage[] = "usage: parley proof verify PROOF-FILE ENTRY-FILE "
				    "(--vkey VKEY [--witness VKEY]... | --charter CHARTER)";
	const char *files[2] = {0};
	struct keys k = {0};
	size_t nfiles = 0;
	int rc = 0, opt;
	for (int i = 2; i < argc && !rc; i++) {
		if ((opt = key_option("proof verify", argc, argv, &i, &k)) < 0)
			rc = opt;
		else if (opt)
			continue;
		else if (argv[i][0] == '-' && argv[i][1])
			rc = err_set(ERR_USAGE, "unknown option '%s'\n%s", argv[i], usage);
		else if (nfiles < 2)
			files[nfiles++] = argv[i];
		else
			rc = err_set(ERR_USAGE, "%s", usage);
	}
	if (!rc && (nfiles != 2 || !k.vkey == !k.charter || (k.charter && k.nw)))
		rc = err_set(ERR_USAGE, "%s", usage);
	if (rc) {
		keys_release(&k);
		return cli_fail("proof verify", rc);
	}
	struct buf proof_buf, entry;
	buf_init(&proof_buf, TLOG_PROOF_MAX_SIZE);
	buf_init(&entry, TLOG_ENTRY_MAX);
	struct tlog_proof *p = malloc(sizeof *p);
	uint64_t times[MAX_COSIGNERS];
	struct checkpoint cp;
	struct note_verifier log_key;
	if (!p) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = file_read(files[0], TLOG_PROOF_MAX_SIZE, &proof_buf)))
		goto out;
	if ((rc = file_read(files[1], TLOG_ENTRY_MAX, &entry))) {
		if (rc == ERR_LIMIT)
			err_set(rc, "%s is larger than a log entry can be (%d bytes)", files[1], TLOG_ENTRY_MAX);
		goto out;
	}
	if ((rc = tlog_proof_parse(p, proof_buf.data, proof_buf.len))) {
		err_wrap(rc, "%s", files[0]);
		if (rc == ERR_FORMAT)
			rc = ERR_VERIFY; /* a malformed proof proves nothing */
		goto out;
	}
	if (k.charter) {
		rc = verify_with_history(&k, p, &entry);
		goto out;
	}
	if ((rc = log_key_for(&k, "", &log_key)))
		goto out;
	if ((rc = tlog_proof_verify(p, entry.data, entry.len, &log_key, k.witnesses, k.nw, times, &cp))) {
		if (rc == ERR_FORMAT || rc == ERR_LIMIT)
			rc = ERR_VERIFY;
		goto out;
	}
	printf("proof ok: entry %" PRIu64 " of %s (tree size %" PRIu64 ")\n", p->index, cp.origin, cp.size);
	print_cosigners(k.charter, k.witnesses, k.nw, times);
out:
	free(p);
	buf_release(&proof_buf);
	buf_release(&entry);
	keys_release(&k);
	return rc ? cli_fail("proof verify", rc) : 0;
}

/* Reads a consistency proof: one canonical base64 hash a line. ERR_VERIFY if malformed. */
static int read_consistency_proof(const char *path, merkle_hash *proof, size_t *n)
{
	struct buf b;
	buf_init(&b, (size_t)MERKLE_MAX_PROOF * 46 + 1);
	int rc = file_read(path, b.max, &b);
	size_t got;
	*n = 0;
	if (rc == ERR_LIMIT)
		rc = err_set(ERR_VERIFY, "%s: more than %d hashes", path, MERKLE_MAX_PROOF);
	for (size_t pos = 0; !rc && pos < b.len;) {
		const uint8_t *nl = memchr(b.data + pos, '\n', b.len - pos);
		size_t l = nl ? (size_t)(nl - (b.data + pos)) : b.len - pos;
		if (!nl)
			rc = err_set(ERR_VERIFY, "%s: line %zu does not end in a newline", path, *n + 1);
		else if (*n == MERKLE_MAX_PROOF)
			rc = err_set(ERR_VERIFY, "%s: more than %d hashes", path, MERKLE_MAX_PROOF);
		else if (b64_decode(proof[*n], MERKLE_HASH, &got, (const char *)b.data + pos, l) || got != MERKLE_HASH)
			rc = err_set(ERR_VERIFY, "%s: line %zu is not the base64 of 32 bytes", path, *n + 1);
		else
			++*n;
		pos += l + 1;
	}
	buf_release(&b);
	return rc;
}

/* Reads and opens a signed checkpoint with the log key its origin calls for. */
static int open_checkpoint(const struct keys *k, const char *path, struct checkpoint *cp)
{
	struct buf b;
	struct note_verifier key;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	int rc = file_read(path, b.max, &b);
	if (!rc && (rc = checkpoint_parse_unverified(cp, b.data, b.len)))
		rc = err_set(ERR_VERIFY, "%s: not a checkpoint: %s", path, err_msg());
	if (!rc && k->history) {
		/* a node key of the party over the amendments (cosig_open_checkpoint) */
		if ((rc = cosig_open_checkpoint(k->history, b.data, b.len, cp))) {
			rc = rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_NOTFOUND ? ERR_VERIFY : rc;
			err_wrap(rc, "%s", path);
		}
		buf_release(&b);
		return rc;
	}
	if (!rc)
		rc = log_key_for(k, cp->origin, &key);
	if (!rc && (rc = checkpoint_open(cp, b.data, b.len, &key, NULL))) {
		rc = rc == ERR_FORMAT || rc == ERR_LIMIT ? ERR_VERIFY : rc;
		err_wrap(rc, "%s", path);
	}
	buf_release(&b);
	return rc;
}

static int proof_consistency(int argc, char **argv)
{
	static const char usage[] = "usage: parley proof consistency OLD-CHECKPOINT NEW-CHECKPOINT PROOF-FILE "
				    "(--vkey VKEY | --charter CHARTER)";
	const char *files[3] = {0};
	struct keys k = {0};
	size_t nfiles = 0;
	int rc = 0, opt;
	for (int i = 2; i < argc && !rc; i++) {
		if ((opt = key_option("proof consistency", argc, argv, &i, &k)) < 0)
			rc = opt;
		else if (opt)
			continue;
		else if (argv[i][0] == '-' && argv[i][1])
			rc = err_set(ERR_USAGE, "unknown option '%s'\n%s", argv[i], usage);
		else if (nfiles < 3)
			files[nfiles++] = argv[i];
		else
			rc = err_set(ERR_USAGE, "%s", usage);
	}
	if (!rc && (nfiles != 3 || !k.vkey == !k.charter || k.nw))
		rc = err_set(ERR_USAGE, "%s", usage);
	struct checkpoint a = {0}, b = {0};
	merkle_hash proof[MERKLE_MAX_PROOF];
	size_t n = 0;
	if (!rc)
		rc = open_checkpoint(&k, files[0], &a);
	if (!rc)
		rc = open_checkpoint(&k, files[1], &b);
	if (!rc && strcmp(a.origin, b.origin))
		rc = err_set(ERR_VERIFY, "the checkpoints are of two logs: %s and %s", a.origin, b.origin);
	if (!rc && a.size > b.size)
		rc = err_set(ERR_VERIFY, "the old checkpoint (size %" PRIu64 ") is larger than the new one (size %" PRIu64 ")",
			     a.size, b.size);
	if (!rc)
		rc = read_consistency_proof(files[2], proof, &n);
	if (!rc && (rc = merkle_verify_consistency(a.size, b.size, a.root, b.root, (const merkle_hash *)proof, n)))
		rc = err_wrap(ERR_VERIFY, "%s", files[2]);
	if (!rc)
		printf("consistent: %s at size %" PRIu64 " is a prefix of the log at size %" PRIu64 "\n", a.origin, a.size,
		       b.size);
	keys_release(&k);
	return rc ? cli_fail("proof consistency", rc) : 0;
}

int cmd_proof(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "verify"))
		return proof_verify(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "consistency"))
		return proof_consistency(argc, argv);
	return cli_usage("proof", "usage: parley proof verify PROOF-FILE ENTRY-FILE (--vkey VKEY [--witness VKEY]... | "
				  "--charter CHARTER)\n       parley proof consistency OLD-CHECKPOINT NEW-CHECKPOINT PROOF-FILE "
				  "(--vkey VKEY | --charter CHARTER)");
}
