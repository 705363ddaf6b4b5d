/*
 * The officers' commands (docs/officer.md): each takes the agency's key file
 * and the URL of its own party's node, and works through src/officer/officer.h.
 *
 *   parley send notice|request|preservation|update --key K --node URL [--to AGENCY...] [--case CASE]
 *               [--ref PARTY/INDEX] [--urgent] [--handling MARKS] [--body FILE | body flags] [--evidence STIX]
 *               [--wait SECONDS]
 *   parley inbox --key K --node URL [--at TIME] [--open | --overdue] [--json]
 *   parley show CASE --key K --node URL [--at TIME] [--full] [--json]
 *   parley ack|answer|decline|close CASE --key K --node URL [--ref PARTY/INDEX] [--body FILE | body flags]
 *   parley statement propose|cosign|publish ...
 *   parley receipt CASE --key K --node URL --out DIR [--json]
 * Exit 0 ok, 1 a verification failed, 2 usage, refusal, input or I/O error.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "base/jsonload.h"
#include "base/rfc3339.h"
#include "cli/cli.h"
#include "exchange/term.h"
#include "cli/util.h"
#include "officer/officer.h"
#include "exchange/profile.h"
#include "exchange/seal.h"

#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_FLAGS 64

/* Body flags: the common members of a body type, set from the command line. */
struct body_flag {
	const char *type, *flag, *path;
	int list;
};
static const struct body_flag body_flags[] = {
	{"notice", "--title", "title", 0},
	{"notice", "--summary", "summary", 0},
	{"notice", "--action", "requested_action", 0},
	{"notice", "--first-observed", "incident.first_observed", 0},
	{"notice", "--detected", "incident.detected", 0},
	{"notice", "--sector", "incident.sectors", 1},
	{"notice", "--org-type", "incident.organisation_type", 0},
	{"notice", "--severity", "incident.impact.severity", 0},
	{"notice", "--impact", "incident.impact.description", 0},
	{"mla-request", "--title", "title", 0},
	{"mla-request", "--facts", "facts", 0},
	{"mla-request", "--purpose", "purpose", 0},
	{"preservation-request", "--facts", "facts", 0},
	{"preservation-request", "--necessity", "necessity", 0},
	{"update", "--summary", "summary", 0},
	{"ack", "--officer", "officer.name", 0},
	{"ack", "--position", "officer.position", 0},
	{"ack", "--email", "officer.contact.email", 0},
	{"ack", "--phone", "officer.contact.phone", 0},
	{"ack", "--reference", "reference", 0},
	{"ack", "--note", "note", 0},
	{"answer", "--completeness", "completeness", 0},
	{"answer", "--summary", "summary", 0},
	{"decline", "--grounds", "grounds", 0},
	{"decline", "--legal-basis", "legal_basis", 1},
	{"decline", "--conditions", "conditions", 0},
	{"close", "--outcome", "outcome", 0},
	{"close", "--reason", "reason", 0},
};

static int is_body_flag(const char *a)
{
	for (size_t i = 0; i < sizeof body_flags / sizeof body_flags[0]; i++)
		if (!strcmp(body_flags[i].flag, a))
			return 1;
	return 0;
}

struct opts {
	const char *cmd;               /* for messages: "send", "ack", ... */
	const char *pos[2];            /* positional arguments */
	size_t npos;
	const char *key, *node, *case_id, *ref, *handling, *body, *evidence, *out, *at;
	const char *to[ENVELOPE_MAX_TO];
	size_t nto;
	int urgent, full, wait, open, overdue, json;
	const char *fname[MAX_FLAGS], *fval[MAX_FLAGS];
	size_t nflags;
};

/* Parses argv[first..] into o; allowed lists the options the command takes ("--key --node ..."). */
static int parse_opts(struct opts *o, const char *cmd, int argc, char **argv, int first, const char *allowed,
		      int body_flags_ok)
{
	memset(o, 0, sizeof *o);
	o->cmd = cmd;
	for (int i = first; i < argc; i++) {
		const char *a = argv[i];
		int has = i + 1 < argc;
		if (a[0] != '-' || !a[1]) {
			if (o->npos == 2)
				return cli_usage(cmd, "unexpected argument '%s'", a);
			o->pos[o->npos++] = a;
			continue;
		}
		size_t al = strlen(a);
		const char *hit = strstr(allowed, a);
		int known = hit && (hit[al] == ' ' || hit[al] == 0) && (hit == allowed || hit[-1] == ' ');
		if (!known && !(body_flags_ok && is_body_flag(a)))
			return cli_usage(cmd, "unknown option '%s' (see docs/officer.md)", a);
		if (!strcmp(a, "--urgent")) { o->urgent = 1; continue; }
		if (!strcmp(a, "--full")) { o->full = 1; continue; }
		if (!strcmp(a, "--open")) { o->open = 1; continue; }
		if (!strcmp(a, "--overdue")) { o->overdue = 1; continue; }
		if (!strcmp(a, "--json")) { o->json = 1; continue; }
		if (!has)
			return cli_usage(cmd, "%s needs a value", a);
		if (!strcmp(a, "--to")) {
			while (i + 1 < argc && argv[i + 1][0] != '-') {
				if (o->nto == ENVELOPE_MAX_TO)
					return cli_usage(cmd, "at most %d recipients", ENVELOPE_MAX_TO);
				o->to[o->nto++] = argv[++i];
			}
			if (!o->nto)
				return cli_usage(cmd, "--to needs one or more agencies");
			continue;
		}
		const char *v = argv[++i];
		if (!strcmp(a, "--key")) o->key = v;
		else if (!strcmp(a, "--node")) o->node = v;
		else if (!strcmp(a, "--case")) o->case_id = v;
		else if (!strcmp(a, "--ref")) o->ref = v;
		else if (!strcmp(a, "--handling")) o->handling = v;
		else if (!strcmp(a, "--body")) o->body = v;
		else if (!strcmp(a, "--evidence")) o->evidence = v;
		else if (!strcmp(a, "--out")) o->out = v;
		else if (!strcmp(a, "--at")) o->at = v;
		else if (!strcmp(a, "--wait")) {
			uint64_t w;
			if (cli_parse_u64(v, &w) || w > 3600)
				return cli_usage(cmd, "--wait takes 0 to 3600 seconds");
			o->wait = (int)w;
		} else {
			if (o->nflags == MAX_FLAGS)
				return cli_usage(cmd, "too many body flags");
			o->fname[o->nflags] = a;
			o->fval[o->nflags++] = v;
		}
	}
	return 0;
}

/* --at TIME: RFC 3339, or +DURATION from now (e.g. +25h). 0 when absent. */
static int parse_at(const struct opts *o, int64_t *at)
{
	*at = 0;
	if (!o->at)
		return 0;
	if (o->at[0] == '+') {
		uint64_t d;
		if (syntax_duration(o->at + 1, strlen(o->at + 1), &d))
			return err_set(ERR_USAGE, "--at takes a time (2021-07-09T15:04:05Z) or +DURATION (+25h, +31d)");
		*at = (int64_t)time(NULL) + (int64_t)d;
		return 0;
	}
	if (rfc3339_parse(o->at, strlen(o->at), RFC3339_DATE, at))
		return err_set(ERR_USAGE, "--at: %s, or +DURATION from now (+25h, +31d)", err_msg());
	return 0;
}

static int open_officer(const struct opts *op, struct officer *o)
{
	if (!op->key || !op->node)
		return err_set(ERR_USAGE, "--key KEYFILE and --node URL are required");
	return officer_open(o, op->key, op->node);
}

/* Sets path ("a.b.c") in obj to the string v (appended if list). */
static int set_path(json_t *obj, const char *path, const char *v, int list)
{
	char part[64];
	const char *dot;
	while ((dot = strchr(path, '.'))) {
		snprintf(part, sizeof part, "%.*s", (int)(dot - path), path);
		json_t *sub = json_object_get(obj, part);
		if (!sub) {
			sub = json_object();
			json_object_set_new(obj, part, sub);
		}
		if (!json_is_object(sub))
			return err_set(ERR_USAGE, "the body's \"%s\" is not an object", part);
		obj = sub;
		path = dot + 1;
	}
	if (!list)
		return json_object_set_new(obj, path, json_string(v)) ? err_set(ERR_NOMEM, "out of memory") : 0;
	json_t *arr = json_object_get(obj, path);
	if (!arr) {
		arr = json_array();
		json_object_set_new(obj, path, arr);
	}
	if (!json_is_array(arr))
		return err_set(ERR_USAGE, "the body's \"%s\" is not a list", path);
	return json_array_append_new(arr, json_string(v)) ? err_set(ERR_NOMEM, "out of memory") : 0;
}

/*
 * The plaintext body: --body FILE and/or the body flags for type (the file's
 * own "type" wins), plus --evidence. *have = 0 when none was given.
 */
static int build_body(const struct opts *op, const char *type, struct buf *plain, int *have)
{
	json_t *b = NULL;
	struct buf file, ev;
	int rc = 0;
	*have = op->body || op->nflags;
	buf_init(&file, PROFILE_BODY_MAX);
	buf_init(&ev, PROFILE_BODY_MAX);
	if (!*have) {
		if (op->evidence)
			rc = err_set(ERR_USAGE, "--evidence goes with a body (--body FILE or the body flags)");
		goto out;
	}
	if (op->body) {
		if ((rc = file_read(op->body, PROFILE_BODY_MAX, &file)) || (rc = profile_load(file.data, file.len, &b))) {
			err_wrap(rc, "%s", op->body);
			goto out;
		}
		if (!json_is_object(b)) {
			rc = err_set(ERR_FORMAT, "%s: the body is not a JSON object", op->body);
			goto out;
		}
		if (json_is_string(json_object_get(b, "type")))
			type = json_string_value(json_object_get(b, "type"));
	} else {
		b = json_pack("{s:s, s:s}", "profile", "cyber-mla", "type", type);
	}
	for (size_t i = 0; i < op->nflags && !rc; i++) {
		size_t k;
		for (k = 0; k < sizeof body_flags / sizeof body_flags[0]; k++)
			if (!strcmp(body_flags[k].flag, op->fname[i]) && !strcmp(body_flags[k].type, type))
				break;
		if (k == sizeof body_flags / sizeof body_flags[0])
			rc = err_set(ERR_USAGE, "%s does not apply to a %s body", op->fname[i], type);
		else
			rc = set_path(b, body_flags[k].path, op->fval[i], body_flags[k].list);
	}
	if (rc)
		goto out;
	char *s = json_dumps(b, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if (op->evidence) {
		if (!(rc = file_read(op->evidence, PROFILE_BODY_MAX, &ev)))
			rc = seal_add_evidence((const uint8_t *)s, strlen(s), op->body, ev.data, ev.len, op->evidence, plain);
		else
			err_wrap(rc, "%s", op->evidence);
	} else {
		rc = buf_append_str(plain, s);
	}
	free(s);
out:
	json_decref(b);
	buf_release(&file);
	buf_release(&ev);
	return rc;
}

static void print_sent(const char *what, const struct officer_msg *m, const struct officer_pos *pos)
{
	printf("%s in case %s, to", what, m->case_id);
	for (size_t i = 0; i < m->nto; i++)
		printf(" %s", m->to[i]);
	printf(": appended as %s/%" PRIu64 "\n", pos->party, pos->index);
}

static int wait_delivery(const struct officer *o, const struct opts *op, const char *case_id,
			 const struct officer_pos *pos)
{
	if (!op->wait)
		return 0;
	int rc = officer_wait_delivered(o, case_id, pos, op->wait);
	if (!rc)
		printf("deemed delivered: the recipient node cosigned a checkpoint covering %s/%" PRIu64 "\n", pos->party,
		       pos->index);
	return rc;
}

#define COMMON "--key --node"
#define BODY "--body --evidence --handling --wait"

int cmd_send(int argc, char **argv)
{
	static const char usage[] = "usage: parley send notice|request|preservation|update --key KEY --node URL "
				    "[--to AGENCY...] [--case CASE] [--ref PARTY/INDEX] [--urgent] [--handling MARKS] "
				    "[--body FILE | body flags] [--evidence STIX.json] [--wait SECONDS]";
	struct opts op;
	int rc = parse_opts(&op, "send", argc, argv, 1, COMMON " " BODY " --to --case --ref --urgent", 1);
	if (rc)
		return rc;
	if (op.npos != 1)
		return cli_usage("send", "%s", usage);
	const char *what = op.pos[0], *type;
	struct officer_msg m = {0};
	if (!strcmp(what, "notice")) m.kind = ENV_NOTICE, type = "notice";
	else if (!strcmp(what, "request")) m.kind = ENV_REQUEST, type = "mla-request";
	else if (!strcmp(what, "preservation")) m.kind = ENV_REQUEST, type = "preservation-request";
	else if (!strcmp(what, "update")) m.kind = ENV_UPDATE, type = "update";
	else return cli_usage("send", "%s", usage);
	if (m.kind == ENV_UPDATE && !op.case_id)
		return cli_usage("send", "an update belongs to a case: --case CASE");
	if (m.kind != ENV_UPDATE && !op.nto)
		return cli_usage("send", "--to AGENCY... is required for a %s", what);
	struct officer o;
	struct buf plain;
	int have;
	char case_id[SYNTAX_CASE_MAX + 1], about[128] = "";
	struct officer_pos pos;
	buf_init(&plain, PROFILE_BODY_MAX + (1u << 20));
	if ((rc = open_officer(&op, &o)))
		return cli_fail("send", rc);
	if ((rc = build_body(&op, type, &plain, &have)))
		goto out;
	if (!have) {
		rc = err_set(ERR_USAGE, "a %s needs a body: --body FILE, or the flags of a %s body (docs/officer.md)", what, type);
		goto out;
	}
	if (op.case_id)
		snprintf(case_id, sizeof case_id, "%s", op.case_id);
	else if ((rc = officer_new_case_id(&o, (int64_t)time(NULL), case_id, sizeof case_id)))
		goto out;
	m.case_id = case_id;
	for (size_t i = 0; i < op.nto && !rc; i++)
		rc = officer_msg_add_to(&m, op.to[i]);
	if (rc)
		goto out;
	m.handling = op.handling;
	m.urgent = op.urgent;
	m.body = plain.data;
	m.body_len = plain.len;
	if (m.kind == ENV_UPDATE || op.ref) {
		if (!op.case_id) {
			rc = err_set(ERR_USAGE, "--ref names an envelope of a case: give --case too");
			goto out;
		}
		rc = officer_respond(&o, &m, OFFICER_PICK_ANY, op.ref, &pos, about, sizeof about);
	} else {
		rc = officer_send(&o, &m, &pos);
	}
	if (rc)
		goto out;
	char what_text[200];
	snprintf(what_text, sizeof what_text, "sent %s from %s%s%s", what, o.agency->name, about[0] ? " about " : "", about);
	print_sent(what_text, &m, &pos);
	rc = wait_delivery(&o, &op, case_id, &pos);
out:
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&plain);
	officer_release(&o);
	return rc ? cli_fail("send", rc) : 0;
}

/* ack, answer, decline, close: a response in a case. */
static int respond(int argc, char **argv, enum envelope_kind kind, enum officer_pick how, int body_required)
{
	const char *name = envelope_kind_name(kind);
	struct opts op;
	int rc = parse_opts(&op, name, argc, argv, 1, COMMON " " BODY " --ref --to", 1);
	if (rc)
		return rc;
	if (op.npos != 1)
		return cli_usage(name, "usage: parley %s CASE --key KEY --node URL [--ref PARTY/INDEX] %s[--wait SECONDS]", name,
				 body_required ? "--body FILE " : "[--body FILE | body flags] ");
	struct officer o;
	struct officer_msg m = {0};
	struct officer_pos pos;
	struct buf plain;
	int have;
	char about[128];
	buf_init(&plain, PROFILE_BODY_MAX + (1u << 20));
	if ((rc = open_officer(&op, &o)))
		return cli_fail(name, rc);
	if ((rc = build_body(&op, name, &plain, &have)))
		goto out;
	if (body_required && !have) {
		rc = err_set(ERR_USAGE, "a%s %s needs a body: --body FILE (docs/profile-cyber-mla.md)",
			     kind == ENV_ANSWER ? "n" : "", name);
		goto out;
	}
	m.kind = kind;
	m.case_id = op.pos[0];
	for (size_t i = 0; i < op.nto && !rc; i++)
		rc = officer_msg_add_to(&m, op.to[i]);
	if (rc)
		goto out;
	m.handling = op.handling;
	m.body = have ? plain.data : NULL;
	m.body_len = plain.len;
	if ((rc = officer_respond(&o, &m, how, op.ref, &pos, about, sizeof about)))
		goto out;
	char what[200];
	snprintf(what, sizeof what, "%s from %s to %s", name, o.agency->name, about);
	print_sent(what, &m, &pos);
	rc = wait_delivery(&o, &op, m.case_id, &pos);
out:
	if (plain.data)
		sodium_memzero(plain.data, plain.len);
	buf_release(&plain);
	officer_release(&o);
	return rc ? cli_fail(name, rc) : 0;
}

int cmd_ack(int argc, char **argv) { return respond(argc, argv, ENV_ACK, OFFICER_PICK_ACK, 0); }
int cmd_answer(int argc, char **argv) { return respond(argc, argv, ENV_ANSWER, OFFICER_PICK_REQUEST, 1); }
int cmd_decline(int argc, char **argv) { return respond(argc, argv, ENV_DECLINE, OFFICER_PICK_REQUEST, 1); }
int cmd_close(int argc, char **argv) { return respond(argc, argv, ENV_CLOSE, OFFICER_PICK_CLOSE, 0); }

/* inbox (no positional argument) and show CASE: a view of the node, printed. */
static int view(int argc, char **argv, int is_show)
{
	const char *name = is_show ? "show" : "inbox";
	struct opts op;
	struct officer o;
	json_t *j = NULL;
	int64_t at;
	int rc = parse_opts(&op, name, argc, argv, 1,
			    is_show ? COMMON " --at --full --json" : COMMON " --at --open --overdue --json", 0);
	if (rc)
		return rc;
	if (op.npos != (size_t)is_show)
		return cli_usage(name, is_show ? "usage: parley show CASE --key KEY --node URL [--at TIME|+DURATION] [--full] [--json]"
					       : "usage: parley inbox --key KEY --node URL [--at TIME|+DURATION] [--open | --overdue] [--json]");
	if (op.open && op.overdue)
		return cli_usage(name, "--open and --overdue: give one (--overdue is the narrower)");
	if ((rc = parse_at(&op, &at)) || (rc = open_officer(&op, &o)))
		return cli_fail(name, rc);
	if (is_show)
		rc = officer_case(&o, op.pos[0], at, &j);
	else if (!(rc = officer_inbox(&o, at, &j)))
		rc = officer_inbox_sort(&o, j, op.overdue ? OFFICER_OVERDUE : op.open ? OFFICER_WAITING : OFFICER_NOTHING);
	if (!rc && op.json) /* the node's view as JSON (docs/cases.md), as the text rendering reads it */
		rc = json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', stdout) == EOF
			     ? err_set(ERR_IO, "writing the JSON")
			     : 0;
	else if (!rc)
		rc = is_show ? officer_print_case(&o, j, 1, op.full, stdout) : officer_print_inbox(&o, j, stdout);
	if (!rc && !is_show) {
		/* the mandate's calendar (exchange/term.h), on stderr: the inbox itself is unchanged */
		char warn[1024];
		int64_t when = at ? at : (int64_t)time(NULL);
		if (term_warnings(history_at(&o.history, when), when, warn, sizeof warn))
			fputs(warn, stderr);
	}
	json_decref(j);
	officer_release(&o);
	return rc ? cli_fail(name, rc) : 0;
}

int cmd_inbox(int argc, char **argv) { return view(argc, argv, 0); }
int cmd_show(int argc, char **argv) { return view(argc, argv, 1); }

int cmd_receipt(int argc, char **argv)
{
	struct opts op;
	struct officer o;
	json_t *r = NULL;
	int rc = parse_opts(&op, "receipt", argc, argv, 1, COMMON " --out --json", 0);
	if (rc)
		return rc;
	if (op.npos != 1 || !op.out)
		return cli_usage("receipt", "usage: parley receipt CASE --key KEY --node URL --out DIR [--json]");
	if ((rc = open_officer(&op, &o)))
		return cli_fail("receipt", rc);
	if (!(rc = officer_receipt_collect(&o, op.pos[0], op.out, &r))) {
		if (op.json) { /* what was written and verified (docs/officer.md "receipt --json") */
			rc = json_dumpf(r, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) || fputc('\n', stdout) == EOF
				     ? err_set(ERR_IO, "writing the JSON")
				     : 0;
		} else {
			printf("receipts for case %s from the log of %s:\n", op.pos[0], o.party->id);
			rc = officer_print_receipt(r, stdout);
			json_int_t v = json_integer_value(json_object_get(r, "verified")),
				   n = json_integer_value(json_object_get(r, "outstanding"));
			printf("%" JSON_INTEGER_FORMAT " receipt%s verified and written to %s (README: how to check them)", v,
			       v == 1 ? "" : "s", op.out);
			if (n)
				printf("; %" JSON_INTEGER_FORMAT " still outstanding", n);
			printf("\n");
		}
	}
	json_decref(r);
	officer_release(&o);
	return rc ? cli_fail("receipt", rc) : 0;
}

static int statement(int argc, char **argv)
{
	static const char usage[] = "usage: parley statement propose --case CASE --to AGENCY... --body FILE --out DIR --key KEY --node URL"
				    " | statement cosign DIR --key KEY | statement publish DIR --key KEY --node URL [--wait SECONDS]";
	struct opts op;
	int rc;
	if (argc < 2)
		return cli_usage("statement", "%s", usage);
	const char *sub = argv[1];
	if (!strcmp(sub, "cosign")) {
		struct keyfile k;
		if ((rc = parse_opts(&op, "statement cosign", argc, argv, 2, "--key", 0)))
			return rc;
		if (op.npos != 1 || !op.key)
			return cli_usage("statement cosign", "usage: parley statement cosign DIR --key KEY");
		if ((rc = keyfile_read(&k, op.key)))
			return cli_fail("statement cosign", rc);
		rc = officer_statement_cosign(&k, op.pos[0]);
		if (!rc)
			printf("statement in %s signed by %s\n", op.pos[0], k.sign.name);
		keyfile_release(&k);
		return rc ? cli_fail("statement cosign", rc) : 0;
	}
	struct officer o;
	if (!strcmp(sub, "propose")) {
		if ((rc = parse_opts(&op, "statement propose", argc, argv, 2, COMMON " --case --to --body --out --handling", 0)))
			return rc;
		if (op.npos || !op.case_id || !op.nto || !op.body || !op.out)
			return cli_usage("statement propose", "%s", usage);
		struct buf plain;
		int have;
		buf_init(&plain, PROFILE_BODY_MAX);
		if ((rc = open_officer(&op, &o)))
			return cli_fail("statement propose", rc);
		struct officer_msg m = {.kind = ENV_STATEMENT, .case_id = op.case_id, .handling = op.handling};
		for (size_t i = 0; i < op.nto && !rc; i++)
			rc = officer_msg_add_to(&m, op.to[i]);
		if (!rc && !(rc = build_body(&op, "statement", &plain, &have))) {
			m.body = plain.data;
			m.body_len = plain.len;
			rc = officer_statement_propose(&o, &m, op.out);
		}
		if (!rc) {
			printf("statement proposed by %s in %s/envelope; still to sign:", o.agency->name, op.out);
			for (size_t i = 0; i < m.nto; i++)
				printf(" %s", m.to[i]);
			printf(" (parley statement cosign %s --key KEY), then parley statement publish %s\n", op.out, op.out);
		}
		buf_release(&plain);
		officer_release(&o);
		return rc ? cli_fail("statement propose", rc) : 0;
	}
	if (!strcmp(sub, "publish")) {
		struct officer_pos pos;
		if ((rc = parse_opts(&op, "statement publish", argc, argv, 2, COMMON " --wait", 0)))
			return rc;
		if (op.npos != 1)
			return cli_usage("statement publish", "%s", usage);
		if ((rc = open_officer(&op, &o)))
			return cli_fail("statement publish", rc);
		if (!(rc = officer_statement_publish(&o, op.pos[0], &pos))) {
			printf("statement published: signed by every agency it names, appended as %s/%" PRIu64 "\n", pos.party,
			       pos.index);
			if (op.wait) {
				struct buf raw;
				struct envelope e;
				buf_init(&raw, ENVELOPE_MAX_SIZE);
				if (!(rc = officer_fetch_envelope(&o, pos.party, pos.index, &raw, &e))) {
					rc = wait_delivery(&o, &op, e.f.case_id, &pos);
					envelope_release(&e);
				}
				buf_release(&raw);
			}
		}
		officer_release(&o);
		return rc ? cli_fail("statement publish", rc) : 0;
	}
	return cli_usage("statement", "%s", usage);
}

int cmd_statement(int argc, char **argv) { return statement(argc, argv); }
