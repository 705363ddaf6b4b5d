/*
 * parley envelope seal|verify|open|cosign|ref — envelopes as files, offline.
 *
 *   seal --key KEY --charter CHARTER --kind KIND --to AGENCY... --case CASE
 *        [--ref REF] [--handling MARKS] [--urgent] [--body BODY.json] [--evidence STIX.json]
 *        [--time RFC3339] --out DIR
 *        writes DIR/envelope (the signed note) and DIR/body.age (the body sealed
 *        with age to every recipient agency and to the sender)
 *   verify ENVELOPE --charter CHARTER [--body FILE]
 *   open ENVELOPE BODY --key KEY [--charter CHARTER]   decrypts, checks and prints the body
 *   cosign ENVELOPE --key KEY                           adds a named agency's signature to a statement
 *   ref ENVELOPE --origin ORIGIN --index N              prints the ref line value for ENVELOPE
 * Exit 0 ok, 1 verification failed, 2 usage, malformed input or I/O error.
 */
#include "base/enc.h"
#include "base/err.h"
#include "base/rfc3339.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "crypto/sha256.h"
#include "exchange/envelope.h"
#include "exchange/profile.h"
#include "exchange/seal.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int load_envelope(const char *path, struct envelope *e, struct buf *raw)
{
	int rc = file_read(path, ENVELOPE_MAX_SIZE, raw);
	if (rc == ERR_LIMIT)
		return err_set(ERR_LIMIT, "%s is larger than an envelope can be (%d bytes)", path, ENVELOPE_MAX_SIZE);
	if (!rc)
		rc = envelope_parse(e, raw->data, raw->len);
	return rc;
}

/* The plaintext body: BODY.json with "evidence" set to the STIX bundle, if given. */
static int build_body(const char *body_path, const char *evidence_path, struct buf *out)
{
	struct buf b, ev;
	buf_init(&b, PROFILE_BODY_MAX);
	buf_init(&ev, PROFILE_BODY_MAX);
	int rc = file_read(body_path, PROFILE_BODY_MAX, &b);
	if (!rc && !evidence_path)
		rc = buf_append(out, b.data, b.len);
	else if (!rc && !(rc = file_read(evidence_path, PROFILE_BODY_MAX, &ev)))
		rc = seal_add_evidence(b.data, b.len, body_path, ev.data, ev.len, evidence_path, out);
	buf_release(&b);
	buf_release(&ev);
	return rc;
}

static int parse_ref(const char *s, struct envelope_ref *r)
{
	const char *w[3];
	size_t wl[3];
	size_t hl;
	uint64_t idx = 0;
	if (syntax_words(s, strlen(s), w, wl, 3) != 3 || wl[0] > NOTE_NAME_MAX)
		return err_set(ERR_USAGE, "--ref takes '<log origin> <index> <base64 leaf hash>' (see 'parley envelope ref')");
	memcpy(r->origin, w[0], wl[0]);
	r->origin[wl[0]] = 0;
	char num[24];
	if (wl[1] >= sizeof num)
		return err_set(ERR_USAGE, "--ref: bad index");
	memcpy(num, w[1], wl[1]);
	num[wl[1]] = 0;
	if (cli_parse_u64(num, &idx) || b64_decode(r->leaf, 32, &hl, w[2], wl[2]) || hl != 32)
		return err_set(ERR_USAGE, "--ref takes '<log origin> <index> <base64 leaf hash>'");
	r->index = idx;
	return 0;
}

static int write_new(const char *dir, const char *name, const void *data, size_t len, mode_t mode)
{
	char path[PATH_MAX];
	if (snprintf(path, sizeof path, "%s/%s", dir, name) >= (int)sizeof path)
		return err_set(ERR_USAGE, "path too long");
	return file_write_atomic(path, data, len, mode, 1);
}

static int seal(int argc, char **argv)
{
	const char *key = NULL, *charter_path = NULL, *kind = NULL, *case_id = NULL, *ref = NULL, *handling = NULL;
	const char *body_path = NULL, *evidence = NULL, *out_dir = NULL, *when = NULL;
	const char *to[ENVELOPE_MAX_TO];
	size_t nto = 0;
	int urgent = 0;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (!strcmp(a, "--to") && has) {
			while (i + 1 < argc && strncmp(argv[i + 1], "--", 2) != 0) {
				if (nto == ENVELOPE_MAX_TO)
					return cli_usage("envelope seal", "at most %d recipients", ENVELOPE_MAX_TO);
				to[nto++] = argv[++i];
			}
		} else if (!strcmp(a, "--key") && has) key = argv[++i];
		else if (!strcmp(a, "--charter") && has) charter_path = argv[++i];
		else if (!strcmp(a, "--kind") && has) kind = argv[++i];
		else if (!strcmp(a, "--case") && has) case_id = argv[++i];
		else if (!strcmp(a, "--ref") && has) ref = argv[++i];
		else if (!strcmp(a, "--handling") && has) handling = argv[++i];
		else if (!strcmp(a, "--body") && has) body_path = argv[++i];
		else if (!strcmp(a, "--evidence") && has) evidence = argv[++i];
		else if (!strcmp(a, "--out") && has) out_dir = argv[++i];
		else if (!strcmp(a, "--time") && has) when = argv[++i];
		else if (!strcmp(a, "--urgent")) urgent = 1;
		else
			return cli_usage("envelope seal", "unexpected argument '%s'", a);
	}
	if (!key || !charter_path || !kind || !nto || !case_id || !out_dir)
		return cli_usage("envelope seal", "usage: parley envelope seal --key KEY --charter CHARTER --kind KIND "
						  "--to AGENCY... --case CASE [--ref REF] [--handling MARKS] [--urgent] "
						  "[--body BODY.json] [--evidence STIX.json] --out DIR");
	struct envelope_fields *f = calloc(1, sizeof *f);
	struct charter *c = calloc(1, sizeof *c);
	struct keyfile k;
	struct buf plain, sealed, note;
	int rc = 0, have_key = 0, have_charter = 0;
	buf_init(&plain, PROFILE_BODY_MAX + (1u << 20));
	buf_init(&sealed, ENVELOPE_BODY_MAX);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	if (!f || !c) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = keyfile_read(&k, key)))
		goto out;
	have_key = 1;
	if ((rc = charter_load(c, charter_path)))
		goto out;
	have_charter = 1;
	if (!charter_complete(c)) {
		rc = err_set(ERR_USAGE, "the charter is not signed by every party yet");
		goto out;
	}
	int kn = envelope_kind_parse(kind, strlen(kind));
	if (kn < 0) {
		rc = err_set(ERR_USAGE, "unknown kind '%s' (notice, request, ack, answer, decline, update, close, received, statement)", kind);
		goto out;
	}
	f->kind = (enum envelope_kind)kn;
	for (size_t i = 0; i < nto; i++) {
		if (strlen(to[i]) >= sizeof f->to[i]) {
			rc = err_set(ERR_USAGE, "'%s' is not an agency of this charter", to[i]);
			goto out;
		}
		snprintf(f->to[i], sizeof f->to[i], "%s", to[i]);
	}
	f->nto = nto;
	if (strlen(case_id) >= sizeof f->case_id) {
		rc = err_set(ERR_USAGE, "case '%s' is not of the form <agency>/<id>, like us.fbi/2021-0007", case_id);
		goto out;
	}
	snprintf(f->case_id, sizeof f->case_id, "%s", case_id);
	if (when) {
		if (rfc3339_parse(when, strlen(when), 0, &f->time)) {
			rc = err_set(ERR_USAGE, "--time: %s", err_msg());
			goto out;
		}
	} else {
		f->time = (int64_t)time(NULL);
	}
	if (ref) {
		if ((rc = parse_ref(ref, &f->ref)))
			goto out;
		f->has_ref = 1;
	}
	if (handling) {
		if (strlen(handling) >= sizeof f->handling) {
			rc = err_set(ERR_USAGE, "--handling is too long");
			goto out;
		}
		snprintf(f->handling, sizeof f->handling, "%s", handling);
	}
	f->urgent = urgent;
	if (evidence && !body_path) {
		rc = err_set(ERR_USAGE, "--evidence goes with --body");
		goto out;
	}
	if (body_path && (rc = build_body(body_path, evidence, &plain)))
		goto out;
	if ((rc = seal_envelope(c, &k, f, body_path ? plain.data : NULL, plain.len, &note, &sealed)))
		goto out;
	if ((rc = mkdir_p(out_dir, 0755)))
		goto out;
	/* The body first, then the envelope; a refused envelope takes back the body it brought. */
	if (f->has_body && (rc = write_new(out_dir, "body.age", sealed.data, sealed.len, 0644)))
		goto out;
	if ((rc = write_new(out_dir, "envelope", note.data, note.len, 0644))) {
		char path[PATH_MAX];
		if (f->has_body && snprintf(path, sizeof path, "%s/body.age", out_dir) < (int)sizeof path)
			unlink(path);
		goto out;
	}
	printf("sealed %s from %s in case %s: %s/envelope (%zu bytes)", kind, f->from, f->case_id, out_dir, note.len);
	if (f->has_body)
		printf(", %s/body.age (%zu bytes)", out_dir, sealed.len);
	printf("\n");
out:
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&plain);
	buf_release(&sealed);
	buf_release(&note);
	if (have_key)
		keyfile_release(&k);
	if (have_charter)
		charter_release(c);
	free(c);
	free(f);
	return rc ? cli_fail("envelope seal", rc) : 0;
}

static int verify(int argc, char **argv)
{
	const char *env_path = NULL, *charter_path = NULL, *body_path = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--charter") && i + 1 < argc) charter_path = argv[++i];
		else if (!strcmp(argv[i], "--body") && i + 1 < argc) body_path = argv[++i];
		else if (!env_path && argv[i][0] != '-') env_path = argv[i];
		else return cli_usage("envelope verify", "unexpected argument '%s'", argv[i]);
	}
	if (!env_path || !charter_path)
		return cli_usage("envelope verify", "usage: parley envelope verify ENVELOPE --charter CHARTER [--body FILE]");
	struct charter *c = calloc(1, sizeof *c);
	struct envelope e;
	struct buf raw, body;
	int rc, have_env = 0;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&body, ENVELOPE_BODY_MAX);
	if (!c)
		return cli_fail("envelope verify", err_set(ERR_NOMEM, "out of memory"));
	if ((rc = charter_load(c, charter_path))) {
		free(c);
		return cli_fail("envelope verify", rc);
	}
	if ((rc = load_envelope(env_path, &e, &raw)))
		goto out;
	have_env = 1;
	if ((rc = envelope_verify(&e, c)))
		goto out;
	if (body_path) {
		if ((rc = file_read(body_path, ENVELOPE_BODY_MAX, &body)))
			goto out;
		if ((rc = envelope_check_body(&e, body.data, body.len)))
			goto out;
	}
	printf("envelope ok: %s from %s to", envelope_kind_name(e.f.kind), e.f.from);
	for (size_t i = 0; i < e.f.nto; i++)
		printf(" %s", e.f.to[i]);
	printf(", case %s%s\n", e.f.case_id, body_path ? ", body matches" : "");
out:
	if (have_env)
		envelope_release(&e);
	charter_release(c);
	free(c);
	buf_release(&raw);
	buf_release(&body);
	return rc ? cli_fail("envelope verify", rc) : 0;
}

static int open_cmd(int argc, char **argv)
{
	const char *files[2] = {0}, *key = NULL, *charter_path = NULL;
	size_t nf = 0;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc) key = argv[++i];
		else if (!strcmp(argv[i], "--charter") && i + 1 < argc) charter_path = argv[++i];
		else if (nf < 2 && argv[i][0] != '-') files[nf++] = argv[i];
		else return cli_usage("envelope open", "unexpected argument '%s'", argv[i]);
	}
	if (nf != 2 || !key)
		return cli_usage("envelope open", "usage: parley envelope open ENVELOPE BODY --key KEY [--charter CHARTER]");
	struct envelope e;
	struct keyfile k;
	struct charter *c = NULL;
	struct buf raw, body, plain;
	int rc, have_env = 0, have_key = 0;
	unsigned profiles = CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&body, ENVELOPE_BODY_MAX);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	if ((rc = keyfile_read(&k, key)))
		goto out;
	have_key = 1;
	if ((rc = load_envelope(files[0], &e, &raw)))
		goto out;
	have_env = 1;
	if (charter_path) {
		c = calloc(1, sizeof *c);
		if (!c) {
			rc = err_set(ERR_NOMEM, "out of memory");
			goto out;
		}
		if ((rc = charter_load(c, charter_path))) {
			free(c);
			c = NULL;
			goto out;
		}
		profiles = c->profiles;
		if ((rc = envelope_verify(&e, c)))
			goto out;
	}
	if ((rc = file_read(files[1], ENVELOPE_BODY_MAX, &body)))
		goto out;
	if ((rc = seal_open(&e, body.data, body.len, &k, profiles, &plain)))
		goto out;
	rc = fd_write_all(1, plain.data, plain.len);
	if (!rc && (plain.len == 0 || plain.data[plain.len - 1] != '\n'))
		rc = fd_write_all(1, "\n", 1);
out:
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&raw);
	buf_release(&body);
	buf_release(&plain);
	if (have_env)
		envelope_release(&e);
	if (have_key)
		keyfile_release(&k);
	if (c) {
		charter_release(c);
		free(c);
	}
	return rc ? cli_fail("envelope open", rc) : 0;
}

static int cosign(int argc, char **argv)
{
	if (argc != 4 || strcmp(argv[2], "--key") != 0)
		return cli_usage("envelope cosign", "usage: parley envelope cosign ENVELOPE --key KEY");
	struct keyfile k;
	struct buf raw, out;
	int rc;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	buf_init(&out, ENVELOPE_MAX_SIZE);
	if ((rc = keyfile_read(&k, argv[3])))
		return cli_fail("envelope cosign", rc);
	if ((rc = file_read(argv[1], ENVELOPE_MAX_SIZE, &raw)) == ERR_LIMIT)
		err_set(rc, "%s is larger than an envelope can be (%d bytes)", argv[1], ENVELOPE_MAX_SIZE);
	if (!rc)
		rc = seal_cosign(raw.data, raw.len, &k, &out);
	if (!rc)
		rc = file_write_atomic(argv[1], out.data, out.len, 0644, 0);
	if (!rc)
		fprintf(stderr, "signed by %s\n", k.sign.name);
	keyfile_release(&k);
	buf_release(&raw);
	buf_release(&out);
	return rc ? cli_fail("envelope cosign", rc) : 0;
}

static int ref_cmd(int argc, char **argv)
{
	const char *env_path = NULL, *origin = NULL, *index = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--origin") && i + 1 < argc) origin = argv[++i];
		else if (!strcmp(argv[i], "--index") && i + 1 < argc) index = argv[++i];
		else if (!env_path && argv[i][0] != '-') env_path = argv[i];
		else return cli_usage("envelope ref", "unexpected argument '%s'", argv[i]);
	}
	uint64_t idx;
	if (!env_path || !origin || !index)
		return cli_usage("envelope ref", "usage: parley envelope ref ENVELOPE --origin LOG-ORIGIN --index N");
	if (!note_name_valid(origin, strlen(origin)))
		return cli_usage("envelope ref", "'%s' is not a log origin", origin);
	int rc = cli_parse_u64(index, &idx);
	if (rc)
		return cli_fail("envelope ref", rc);
	struct buf raw;
	buf_init(&raw, ENVELOPE_MAX_SIZE);
	if (!(rc = file_read(env_path, ENVELOPE_MAX_SIZE, &raw))) {
		merkle_hash leaf;
		char b64[64];
		merkle_leaf_hash(raw.data, raw.len, leaf);
		b64_encode(b64, leaf, 32);
		printf("%s %" PRIu64 " %s\n", origin, idx, b64);
	}
	buf_release(&raw);
	return rc ? cli_fail("envelope ref", rc) : 0;
}

int cmd_envelope(int argc, char **argv)
{
	if (argc >= 2) {
		if (!strcmp(argv[1], "seal")) return seal(argc - 1, argv + 1);
		if (!strcmp(argv[1], "verify")) return verify(argc - 1, argv + 1);
		if (!strcmp(argv[1], "open")) return open_cmd(argc - 1, argv + 1);
		if (!strcmp(argv[1], "cosign")) return cosign(argc - 1, argv + 1);
		if (!strcmp(argv[1], "ref")) return ref_cmd(argc - 1, argv + 1);
	}
	return cli_usage("envelope", "usage: parley envelope seal|verify|open|cosign|ref ... (see docs/cli.md)");
}
