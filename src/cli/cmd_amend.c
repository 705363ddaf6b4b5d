/*
 * The charter's amendments on the command line (docs/amendments.md):
 *
 *   parley charter amend CHARTER [EARLIER...] --effective T [--reason TEXT] --out DRAFT
 *       a draft of the next amendment: the charter in force, to edit
 *   parley charter sign AMENDMENT --key NODE-KEY --charter CHARTER [EARLIER...]
 *       adds the key's signature (a party's node key in force, or its new one)
 *   parley charter verify AMENDMENT --charter CHARTER [EARLIER...]
 *       lists the signatures present and missing; exit 0 only when complete and valid
 *   parley charter show CHARTER [AMENDMENT...] [--at T] [--history]
 *       the charter in force at T (default: now), and with --history every
 *       amendment with what it changed
 *
 * EARLIER are the amendments before the one named, in any order. Exit 0; 1
 * if a check failed (verify: incomplete or invalid); 2 for usage or input.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "crypto/keyfile.h"
#include "exchange/history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct amend_args {
	const char *what;
	const char *pos[HISTORY_MAX + 2];
	size_t npos;
	const char *charter, *key, *effective, *reason, *out, *at;
	int history;
};

static int parse_args(struct amend_args *a, int argc, char **argv, const char *usage)
{
	for (int i = 2; i < argc; i++) {
		const char **opt = !strcmp(argv[i], "--charter")     ? &a->charter
				   : !strcmp(argv[i], "--key")       ? &a->key
				   : !strcmp(argv[i], "--effective") ? &a->effective
				   : !strcmp(argv[i], "--reason")    ? &a->reason
				   : !strcmp(argv[i], "--out")       ? &a->out
				   : !strcmp(argv[i], "--at")        ? &a->at
								     : NULL;
		if (opt) {
			if (i + 1 == argc || *opt)
				return cli_usage(a->what, "%s: given twice or without a value\n%s", argv[i], usage);
			*opt = argv[++i];
		} else if (!strcmp(argv[i], "--history")) {
			a->history = 1;
		} else if (argv[i][0] == '-' && argv[i][1] == '-') {
			return cli_usage(a->what, "unknown option %s\n%s", argv[i], usage);
		} else if (a->npos == sizeof a->pos / sizeof a->pos[0]) {
			return cli_usage(a->what, "too many files (a channel has at most %d amendments)", HISTORY_MAX);
		} else {
			a->pos[a->npos++] = argv[i];
		}
	}
	return 0;
}

/* Loads the founding charter (complete) and the amendments files[0..n) into h. */
static int load_history(const char *what, const char *charter_path, const char *const *files, size_t n,
			struct charter *c, struct charter_history *h)
{
	int rc = charter_load(c, charter_path);
	if (rc)
		return cli_fail(what, err_wrap(rc, "%s", charter_path));
	if (!charter_complete(c)) {
		charter_release(c);
		return cli_fail(what, err_set(ERR_VERIFY, "%s: the founding charter is not signed by every party", charter_path));
	}
	history_init(h, c);
	struct buf *bufs = calloc(n ? n : 1, sizeof *bufs);
	const uint8_t **data = calloc(n ? n : 1, sizeof *data);
	size_t *len = calloc(n ? n : 1, sizeof *len);
	if (!bufs || !data || !len)
		rc = err_set(ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n && !rc; i++) {
		buf_init(&bufs[i], AMENDMENT_MAX_SIZE + 1);
		if ((rc = file_read(files[i], AMENDMENT_MAX_SIZE + 1, &bufs[i])))
			err_wrap(rc, "%s", files[i]);
		data[i] = bufs[i].data;
		len[i] = bufs[i].len;
	}
	if (!rc)
		rc = history_add_all(h, data, len, n);
	for (size_t i = 0; bufs && i < n; i++)
		buf_release(&bufs[i]);
	free(bufs);
	free(data);
	free(len);
	if (rc) {
		history_release(h);
		charter_release(c);
		return cli_fail(what, rc);
	}
	return 0;
}

static int read_amendment(const char *what, const char *path, struct amendment *a)
{
	struct buf b;
	buf_init(&b, AMENDMENT_MAX_SIZE + 1);
	int rc = file_read(path, AMENDMENT_MAX_SIZE + 1, &b);
	if (!rc)
		rc = amendment_parse(a, b.data, b.len);
	buf_release(&b);
	return rc ? cli_fail(what, err_wrap(rc, "%s", path)) : 0;
}

static int amend(struct amend_args *a, const char *usage)
{
	struct charter c;
	struct charter_history h;
	int64_t eff;
	int rc;
	if (a->npos < 1 || !a->effective || !a->out || a->key || a->charter || a->at || a->history)
		return cli_usage(a->what, "%s", usage);
	if ((rc = cli_report_time(a->effective, &eff)))
		return cli_usage(a->what, "--effective: %s", err_msg());
	if ((rc = load_history(a->what, a->pos[0], a->pos + 1, a->npos - 1, &c, &h)))
		return rc;
	struct amendment_base b = history_base(&h);
	struct buf out;
	buf_init(&out, 2 * AMENDMENT_MAX_SIZE);
	if (b.prev && eff <= b.prev->effective)
		rc = err_set(ERR_USAGE, "--effective must be later than amendment %u's", b.prev->number);
	if (!rc)
		rc = amendment_draft(&b, eff, a->reason, &out);
	if (!rc)
		rc = file_write_atomic(a->out, out.data, out.len, 0644, 1);
	if (!rc) {
		fprintf(stderr, "wrote %s (amendment %u): edit the charter in it, then every party signs it with\n"
				"  parley charter sign %s --key NODE.key --charter %s",
			a->out, b.prev ? b.prev->number + 1 : 1, a->out, a->pos[0]);
		for (size_t i = 1; i < a->npos; i++)
			fprintf(stderr, " %s", a->pos[i]);
		fputc('\n', stderr);
		if (eff < (int64_t)time(NULL))
			fprintf(stderr, "note: its effective time has passed; a node records an amendment only before it "
					"takes effect (docs/amendments.md)\n");
	}
	buf_release(&out);
	history_release(&h);
	charter_release(&c);
	return rc ? cli_fail(a->what, rc) : 0;
}

/* sign and verify: the amendment a->pos[0] against the history of --charter and a->pos[1..]. */
static int sign_or_verify(struct amend_args *a, int sign, const char *usage)
{
	struct charter c;
	struct charter_history h;
	struct amendment am;
	int rc;
	if (a->npos < 1 || !a->charter || (sign != !!a->key) || a->effective || a->reason || a->out || a->at ||
	    a->history)
		return cli_usage(a->what, "%s", usage);
	if ((rc = load_history(a->what, a->charter, a->pos + 1, a->npos - 1, &c, &h)))
		return rc;
	if ((rc = read_amendment(a->what, a->pos[0], &am))) {
		history_release(&h);
		charter_release(&c);
		return rc;
	}
	struct amendment_base b = history_base(&h);
	struct note_verifier keys[AMENDMENT_MAX_SIGNERS];
	size_t party[AMENDMENT_MAX_SIGNERS];
	int signed_by[AMENDMENT_MAX_SIGNERS] = {0}, complete = 0;
	size_t nk = amendment_signers(&am, &b, keys, party);
	if (sign) {
		struct keyfile k;
		struct buf out;
		buf_init(&out, 2 * AMENDMENT_MAX_SIZE);
		if (!(rc = keyfile_read(&k, a->key))) {
			rc = amendment_sign(&am, &b, &k.sign, &out);
			if (!rc)
				rc = file_write_atomic(a->pos[0], out.data, out.len, 0644, 0);
			if (!rc) {
				struct amendment now;
				size_t have = 0;
				if (!amendment_parse(&now, out.data, out.len)) {
					amendment_check(&now, &b, signed_by, &complete);
					amendment_release(&now);
				}
				for (size_t i = 0; i < nk; i++)
					have += signed_by[i] != 0;
				fprintf(stderr, "signed by %s; %zu of %zu signatures\n", k.sign.name, have, nk);
			}
			keyfile_release(&k);
		}
		buf_release(&out);
		rc = rc ? cli_fail(a->what, rc) : 0;
	} else if ((rc = amendment_check(&am, &b, signed_by, &complete))) {
		rc = cli_fail(a->what, rc);
	} else {
		char t[21];
		for (size_t i = 0; i < nk; i++) {
			int is_new = i && party[i - 1] == party[i];
			printf("%-8s %s (%snode key %s)\n", signed_by[i] ? "signed" : "MISSING", b.in_force->parties[party[i]].id,
			       is_new ? "new " : "", keys[i].name);
		}
		syntax_format_time(am.effective, t);
		if (complete) {
			printf("amendment %u ok: channel %s, in force from %s, signed by every key\n", am.number, c.id_hex, t);
		} else {
			fprintf(stderr, "parley charter verify: amendment %u is not signed by every key\n", am.number);
			rc = 1;
		}
	}
	amendment_release(&am);
	history_release(&h);
	charter_release(&c);
	return rc;
}

/* A duration as the charter's show prints it: days, hours or minutes. */
static void format_duration(uint64_t s, char *out, size_t outsz)
{
	if (s % 86400 == 0 && s >= 2 * 86400)
		snprintf(out, outsz, "%llu days", (unsigned long long)(s / 86400));
	else if (s % 3600 == 0)
		snprintf(out, outsz, "%llu hours", (unsigned long long)(s / 3600));
	else
		snprintf(out, outsz, "%llu minutes", (unsigned long long)(s / 60));
}

static void duration_change(const char *label, uint64_t was, uint64_t now)
{
	char a[32], b[32];
	if (was == now)
		return;
	format_duration(was, a, sizeof a);
	format_duration(now, b, sizeof b);
	printf("  %s: %s -> %s\n", label, a, b);
}

static int same_verifier(const struct note_verifier *x, const struct note_verifier *y)
{
	return x->id == y->id && !memcmp(x->pub, y->pub, 32);
}

/* What changed from old to now, one line each. */
static void print_changes(const struct charter *old, const struct charter *now)
{
	if (strcmp(old->name, now->name))
		printf("  name: %s -> %s\n", old->name, now->name);
	if (strcmp(old->legal_basis, now->legal_basis))
		printf("  legal basis: %s\n", now->legal_basis);
	for (size_t i = 0; i < now->nparties; i++) {
		if (strcmp(old->parties[i].url, now->parties[i].url))
			printf("  party %s: node URL now %s\n", now->parties[i].id, now->parties[i].url);
		if (!same_verifier(&old->parties[i].node_key, &now->parties[i].node_key))
			printf("  party %s: node key rotated\n", now->parties[i].id);
	}
	for (size_t i = 0; i < old->nagencies; i++) {
		const struct charter_agency *o = &old->agencies[i];
		const struct charter_agency *n = charter_agency(now, o->name, strlen(o->name));
		if (!n)
			printf("  agency %s removed\n", o->name);
		else if (!same_verifier(&o->key, &n->key))
			printf("  agency %s: signing key rotated\n", o->name);
		if (n && strcmp(o->recipient_text, n->recipient_text))
			printf("  agency %s: age recipient now %s\n", o->name, n->recipient_text);
	}
	for (size_t i = 0; i < now->nagencies; i++)
		if (!charter_agency(old, now->agencies[i].name, strlen(now->agencies[i].name)))
			printf("  agency %s added\n", now->agencies[i].name);
	for (size_t i = 0; i < old->nwitnesses; i++) {
		const struct charter_witness *o = &old->witnesses[i], *n = charter_witness(now, o->id);
		if (!n)
			printf("  witness %s removed\n", o->id);
		else if (!same_verifier(&o->key, &n->key))
			printf("  witness %s: key rotated\n", o->id);
		if (n && strcmp(o->url, n->url))
			printf("  witness %s: URL now %s\n", o->id, n->url);
	}
	for (size_t i = 0; i < now->nwitnesses; i++)
		if (!charter_witness(old, now->witnesses[i].id))
			printf("  witness %s added\n", now->witnesses[i].id);
	if (old->profiles != now->profiles)
		printf("  profiles:%s%s\n", now->profiles & CHARTER_PROFILE_CYBER_MLA ? " cyber-mla" : "",
		       now->profiles & CHARTER_PROFILE_AID_CROSSING ? " aid-crossing" : "");
	duration_change("acknowledge", old->ack, now->ack);
	duration_change("answer", old->answer, now->answer);
	duration_change("urgent ack", old->urgent_ack, now->urgent_ack);
	duration_change("urgent answer", old->urgent_answer, now->urgent_answer);
	duration_change("reporting period", old->reporting_period, now->reporting_period);
	duration_change("heartbeat", old->heartbeat, now->heartbeat);
	if (old->witness_quorum != now->witness_quorum)
		printf("  witness quorum: %u -> %u\n", old->witness_quorum, now->witness_quorum);
	if (old->term_start != now->term_start || old->term_end != now->term_end) {
		char s[21], e[21];
		syntax_format_time(now->term_start, s);
		syntax_format_time(now->term_end, e);
		printf("  term: now %s to %s\n", s, e);
	}
}

static int show(struct amend_args *a, const char *usage)
{
	struct charter c;
	struct charter_history h;
	int64_t at = (int64_t)time(NULL);
	int rc;
	if (a->npos < 1 || a->charter || a->key || a->effective || a->reason || a->out)
		return cli_usage(a->what, "%s", usage);
	if (a->at && (rc = cli_report_time(a->at, &at)))
		return cli_usage(a->what, "--at: %s", err_msg());
	if ((rc = load_history(a->what, a->pos[0], a->pos + 1, a->npos - 1, &c, &h)))
		return rc;
	const struct amendment *in_force = history_amendment_at(&h, at);
	char t[21];
	syntax_format_time(at, t);
	if (in_force) {
		char e[21];
		syntax_format_time(in_force->effective, e);
		printf("in force at %s: amendment %u (in force from %s)\n", t, in_force->number, e);
	} else {
		printf("in force at %s: the founding charter\n", t);
	}
	cli_charter_show(history_at(&h, at));
	if (a->history) {
		printf("history:\n");
		for (size_t i = 0; i < h.n; i++) {
			const struct amendment *am = h.am[i];
			char e[21];
			syntax_format_time(am->effective, e);
			printf("amendment %u, in force from %s (id %s)%s%s\n", am->number, e, am->id_hex,
			       am->reason[0] ? ": " : "", am->reason);
			print_changes(i ? &h.am[i - 1]->charter : &c, &am->charter);
		}
		if (!h.n)
			printf("(no amendments)\n");
	}
	history_release(&h);
	charter_release(&c);
	return 0;
}

int cmd_charter_amendment(int argc, char **argv)
{
	static const char usage[] =
		"usage: parley charter amend CHARTER [EARLIER...] --effective T [--reason TEXT] --out DRAFT\n"
		"       parley charter sign AMENDMENT --key NODE-KEY --charter CHARTER [EARLIER...]\n"
		"       parley charter verify AMENDMENT --charter CHARTER [EARLIER...]\n"
		"       parley charter show CHARTER [AMENDMENT...] [--at T] [--history]";
	struct amend_args a = {0};
	const char *sub = argv[1];
	for (int i = 2; i < argc; i++)
		if (!strcmp(argv[i], "--help")) {
			printf("%s\n", usage);
			return 0;
		}
	a.what = !strcmp(sub, "amend") ? "charter amend" : !strcmp(sub, "sign") ? "charter sign"
						       : !strcmp(sub, "verify") ? "charter verify" : "charter show";
	int rc = parse_args(&a, argc, argv, usage);
	if (rc)
		return rc;
	if (!strcmp(sub, "amend"))
		return amend(&a, usage);
	if (!strcmp(sub, "sign") || !strcmp(sub, "verify"))
		return sign_or_verify(&a, !strcmp(sub, "sign"), usage);
	if (!strcmp(sub, "show"))
		return show(&a, usage);
	return cli_usage("charter", "%s", usage);
}
