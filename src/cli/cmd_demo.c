/*
 * parley demo --dir DIR [--exit]
 *
 * The exchange, live, on loopback: a charter for 'us' (us.fbi, us.doj) and
 * 'ru' (ru.fsb, ru.gp) with a neutral witness, both parties' nodes and the
 * witness started as child processes (this binary, `node --dir ...`), and a
 * ransomware case played through the officers' functions (src/officer/officer.h:
 * the same code the officers' commands run). It ends with every receipt
 * checked by the proof verifier and both logs audited, and prints "demo ok".
 * With --exit the services are stopped; without, they keep running until
 * Ctrl-C. The bodies are the profile's examples (tests/data), built in.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/demo_service.h"
#include "base/embed.h"
#include "cli/util.h"
#include "cases/cosig.h"
#include "officer/officer.h"
#include "exchange/seal.h"
#include "net/client.h"
#include "node/node.h"
#include "node/witness_server.h"
#include "tlog/store.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* The example bodies, built into the binary (src/base/embed.h). */
EMBED_FILE(demo_notice, "tests/data/cyber-mla/valid/notice-msp-intrusion.json");
EMBED_FILE(demo_stix, "tests/data/stix/valid/ransomware-notice.json");
EMBED_FILE(demo_request, "tests/data/cyber-mla/valid/mla-request-prosecutor.json");
EMBED_FILE(demo_ack, "tests/data/cyber-mla/valid/ack.json");
EMBED_FILE(demo_answer, "tests/data/cyber-mla/valid/answer-partial.json");
EMBED_FILE(demo_update, "tests/data/cyber-mla/valid/update.json");
EMBED_FILE(demo_statement, "tests/data/cyber-mla/valid/statement-consultation-round.json");
EMBED_FILE(demo_preserve, "tests/data/cyber-mla/valid/preservation-request.json");

#define WAIT_S 20
#define NSERVICES 3

static const char *const agencies[] = {"us.fbi", "us.doj", "ru.fsb", "ru.gp"};
static const char *const parties[] = {"us", "ru"};

struct demo {
	char dir[PATH_MAX - 128];
	unsigned port[NSERVICES];    /* us, ru, witness */
	pid_t pid[NSERVICES];
	struct officer off[4];       /* in the order of agencies[] */
	int opened[4];
	char case_id[SYNTAX_CASE_MAX + 1];
	char last[64];               /* PARTY/INDEX of the last envelope sent, for a --ref */
};

static volatile sig_atomic_t got_signal;
static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static void step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void step(const char *fmt, ...)
{
	va_list ap;
	printf("\n== ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static void path_of(const struct demo *d, char *out, size_t outsz, const char *rel)
{
	snprintf(out, outsz, "%s/%s", d->dir, rel);
}


static int keygen(const struct demo *d, const char *file, const char *name, struct keyfile *k)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/keys/%s.key", d->dir, file);
	int rc = keyfile_generate(k, name);
	if (!rc && (rc = keyfile_write(k, path)))
		keyfile_release(k);
	return rc;
}

/* Keys for the nodes, the witness and the agencies, and the charter signed by both parties. */
static int make_channel(struct demo *d)
{
	struct keyfile node[2], wit, ag;
	struct buf text, signed1, signed2;
	struct charter c;
	char vk[600], rcpt[AGE_RECIPIENT_TEXT_MAX], path[PATH_MAX], t0[21], t1[21];
	int rc, nk = 0, have_wit = 0;
	buf_init(&text, CHARTER_MAX_SIZE);
	buf_init(&signed1, CHARTER_MAX_SIZE);
	buf_init(&signed2, CHARTER_MAX_SIZE);
	path_of(d, path, sizeof path, "keys");
	if ((rc = mkdir_p(path, 0700)))
		goto out;
	for (; nk < 2; nk++) {
		char name[64], file[32];
		snprintf(name, sizeof name, "%s.parley.example/log", parties[nk]);
		snprintf(file, sizeof file, "%s-node", parties[nk]);
		if ((rc = keygen(d, file, name, &node[nk])))
			goto out;
	}
	if ((rc = keygen(d, "un.witness", "un.witness", &wit)))
		goto out;
	have_wit = 1;
	int64_t now = (int64_t)time(NULL);
	syntax_format_time(now - 86400, t0);
	syntax_format_time(now + 180 * 86400, t1);
	buf_printf(&text, "parley charter v1\nname: US-RU expert consultation mechanism on cybersecurity (demo)\n"
			  "legal-basis: Treaty on Mutual Legal Assistance in Criminal Matters (1999)\n");
	for (int i = 0; i < 2; i++) {
		struct note_verifier v;
		note_verifier_from_signer(&v, &node[i].sign, NOTE_ED25519);
		note_verifier_format(&v, vk, sizeof vk);
		buf_printf(&text, "party: %s http://127.0.0.1:%u %s\n", parties[i], d->port[i], vk);
	}
	for (size_t i = 0; i < 4 && !rc; i++) {
		struct note_verifier v;
		struct age_recipient r;
		if ((rc = keygen(d, agencies[i], agencies[i], &ag)))
			goto out;
		note_verifier_from_signer(&v, &ag.sign, NOTE_ED25519);
		note_verifier_format(&v, vk, sizeof vk);
		if (!(rc = age_recipient_from_identity(&r, &ag.age)))
			rc = age_recipient_encode(&r, rcpt);
		keyfile_release(&ag);
		buf_printf(&text, "agency: %s %s %s\n", agencies[i], vk, rcpt);
	}
	if (rc)
		goto out;
	struct note_verifier wv;
	note_verifier_from_signer(&wv, &wit.sign, NOTE_COSIGNATURE);
	note_verifier_format(&wv, vk, sizeof vk);
	buf_printf(&text, "witness: un.witness http://127.0.0.1:%u %s\n", d->port[2], vk);
	rc = buf_printf(&text, "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
			       "term: %s %s\nreporting-period: 30d\n", t0, t1);
	/* Each party signs in turn, each time the charter as the other left it. */
	if (rc || (rc = charter_parse(&c, text.data, text.len)))
		goto out;
	rc = charter_sign(&c, &node[0].sign, &signed1);
	charter_release(&c);
	if (rc || (rc = charter_parse(&c, signed1.data, signed1.len)))
		goto out;
	rc = charter_sign(&c, &node[1].sign, &signed2);
	charter_release(&c);
	path_of(d, path, sizeof path, "charter");
	if (!rc)
		rc = file_write_atomic(path, signed2.data, signed2.len, 0644, 1);
out:
	for (int i = 0; i < nk; i++)
		keyfile_release(&node[i]);
	if (have_wit)
		keyfile_release(&wit);
	buf_release(&text);
	buf_release(&signed1);
	buf_release(&signed2);
	return rc;
}

/* Starts `parley node|witness --dir DIR/sub` as service i (demo_service.c). */
static int spawn(struct demo *d, int i, const char *what, const char *sub)
{
	char dir[PATH_MAX];
	path_of(d, dir, sizeof dir, sub);
	int rc = demo_service_start(!strcmp(what, "node"), dir, d->port[i], WAIT_S, &d->pid[i]);
	if (!rc)
		printf("  %-16s http://127.0.0.1:%u  (pid %d, dir %s)\n", sub, d->port[i], (int)d->pid[i], dir);
	return rc;
}

/* tlog_audit_with's judge: a checkpoint of origin's log by one of its node keys under the amendments (cosig.h). */
struct audit_ctx {
	const struct charter_history *h;
	const char *origin;
};

static int audit_open(void *ctx, const uint8_t *note, size_t len, struct checkpoint *cp)
{
	const struct audit_ctx *a = ctx;
	int rc = cosig_open_checkpoint(a->h, note, len, cp);
	if (!rc && strcmp(cp->origin, a->origin))
		rc = err_set(ERR_VERIFY, "a checkpoint of the log %s, not %s", cp->origin, a->origin);
	return rc;
}

static struct officer *officer_of(struct demo *d, const char *agency)
{
	for (size_t i = 0; i < 4; i++)
		if (!strcmp(agencies[i], agency))
			return &d->off[i];
	return NULL;
}

/* A body from a built-in example: replaces member (if given) with a string, drops "evidence" if asked. */
static int example(const char *start, uint64_t len, const char *member, const char *value, int drop_evidence,
		   struct buf *out)
{
	json_error_t je;
	json_t *j = json_loadb(start, (size_t)len, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return err_set(ERR_FORMAT, "built-in example: %s", je.text);
	if (member)
		json_object_set_new(j, member, json_string(value));
	if (drop_evidence)
		json_object_del(j, "evidence");
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(j);
	buf_reset(out);
	int rc = s ? buf_append_str(out, s) : err_set(ERR_NOMEM, "out of memory");
	free(s);
	return rc;
}

/* m: a new message of kind in the demo's case, its body the built-in example (see example()). */
static int message(const struct demo *d, struct officer_msg *m, enum envelope_kind kind, const char *start,
		   uint64_t len, const char *member, const char *value, struct buf *body)
{
	memset(m, 0, sizeof *m);
	m->kind = kind;
	m->case_id = d->case_id;
	int rc = example(start, len, member, value, 0, body);
	m->body = body->data;
	m->body_len = body->len;
	return rc;
}

static void print_pos(const char *what, const struct officer_pos *p)
{
	printf("  %s: appended as %s/%" PRIu64 "\n", what, p->party, p->index);
}

/* Sends m as agency (a response if how >= 0), waits for the delivery, prints both. */
/* Sends m (a response picked by `how` and ref, when how >= 0) as agency and waits until it is delivered. */
static int send_and_deliver(struct demo *d, const char *agency, struct officer_msg *m, int how, const char *ref,
			    const char *cmdline)
{
	struct officer *o = officer_of(d, agency);
	struct officer_pos pos;
	char about[128];
	int rc;
	printf("  $ %s\n", cmdline);
	if (how >= 0)
		rc = officer_respond(o, m, (enum officer_pick)how, ref, &pos, about, sizeof about);
	else
		rc = officer_send(o, m, &pos);
	if (rc)
		return rc;
	printf("  %s from %s to", envelope_kind_name(m->kind), agency);
	for (size_t i = 0; i < m->nto; i++)
		printf(" %s", m->to[i]);
	if (how >= 0)
		printf(", refers to %s", about);
	printf("\n");
	print_pos("in the log", &pos);
	snprintf(d->last, sizeof d->last, "%s/%" PRIu64, pos.party, pos.index);
	if ((rc = officer_wait_delivered(o, m->case_id, &pos, WAIT_S)))
		return rc;
	printf("  deemed delivered: the recipient party's node cosigned a checkpoint covering %s/%" PRIu64 "\n",
	       pos.party, pos.index);
	return 0;
}

static int show(struct demo *d, const char *agency, int64_t at)
{
	struct officer *o = officer_of(d, agency);
	json_t *k;
	int rc = officer_case(o, d->case_id, at, &k);
	if (!rc) {
		rc = officer_print_case(o, k, 1, 0, stdout);
		json_decref(k);
	}
	return rc;
}

/* The state of ru's ack clock of request pos as of at, from ru.fsb's node's view. */
static int ack_state(struct demo *d, const struct officer_pos *pos, int64_t at, char *out, size_t outsz)
{
	struct officer *o = officer_of(d, "ru.fsb");
	json_t *k, *e;
	size_t i;
	int rc = officer_case(o, d->case_id, at, &k);
	if (rc)
		return rc;
	snprintf(out, outsz, "?");
	json_array_foreach(json_object_get(k, "envelopes"), i, e)
		if (json_integer_value(json_object_get(e, "index")) == (json_int_t)pos->index &&
		    !strcmp(json_string_value(json_object_get(e, "log")), officer_of(d, "us.doj")->party->node_key.name)) {
			json_t *ob = json_array_get(json_object_get(e, "obligations"), 0);
			const char *s = json_string_value(json_object_get(json_object_get(ob, "ack"), "state"));
			snprintf(out, outsz, "%s", s ? s : "?");
		}
	json_decref(k);
	return 0;
}

/* Runs `parley proof verify` (the verifier's own function) for every line of DIR/README. */
static int verify_receipts(const char *dir, size_t *count)
{
	char path[PATH_MAX + 16], line[1024];
	snprintf(path, sizeof path, "%s/README", dir);
	FILE *f = fopen(path, "r");
	int rc = 0;
	if (!f)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	while (!rc && fgets(line, sizeof line, f)) {
		char a[4][PATH_MAX + 80], pr[64], en[64], vk[64], wk[64];
		if (sscanf(line, "parley proof verify %63s %63s --vkey %63s --witness %63s", pr, en, vk, wk) != 4)
			continue;
		snprintf(a[0], sizeof a[0], "%s/%s", dir, pr);
		snprintf(a[1], sizeof a[1], "%s/%s", dir, en);
		snprintf(a[2], sizeof a[2], "%s/%s", dir, vk);
		snprintf(a[3], sizeof a[3], "%s/%s", dir, wk);
		char *argv[] = {"proof", "verify", a[0], a[1], "--vkey", a[2], "--witness", a[3], NULL};
		printf("  %s: ", pr);
		fflush(stdout);
		if (cmd_proof(8, argv) != 0)
			rc = err_set(ERR_VERIFY, "%s/%s does not verify", dir, pr);
		else
			(*count)++;
		fflush(stdout);
	}
	fclose(f);
	return rc;
}

/* Both logs stop growing (the nodes have recorded every delivery). */
static void settle(struct demo *d)
{
	uint64_t last[2] = {0, 0};
	int same = 0;
	for (int tries = 0; tries < WAIT_S * 2 && same < 3; tries++) {
		int changed = 0;
		for (int i = 0; i < 2; i++) {
			char p[PATH_MAX];
			struct tlog *t;
			snprintf(p, sizeof p, "%s/%s/log", d->dir, parties[i]);
			if (tlog_open(&t, p, NULL) == 0) {
				changed |= tlog_size(t) != last[i];
				last[i] = tlog_size(t);
				tlog_close(t);
			}
		}
		same = changed ? 0 : same + 1;
		usleep(500000);
	}
}

static int play(struct demo *d)
{
	struct buf body, ev;
	struct officer_msg m;
	struct officer_pos req2, st_pos;
	char path[PATH_MAX], line[512];
	int rc;
	buf_init(&body, 1u << 20);
	buf_init(&ev, 1u << 20);

	step("1. us.fbi notifies ru.fsb and ru.gp of a ransomware intrusion at a managed-service provider (STIX evidence attached)");
	struct officer *fbi = officer_of(d, "us.fbi");
	if ((rc = officer_new_case_id(fbi, (int64_t)time(NULL), d->case_id, sizeof d->case_id)))
		goto out;
	memset(&m, 0, sizeof m);
	m.kind = ENV_NOTICE;
	m.case_id = d->case_id;
	officer_msg_add_to(&m, "ru.fsb");
	officer_msg_add_to(&m, "ru.gp");
	m.handling = "TLP:AMBER H2";
	if ((rc = example(demo_notice, demo_notice_len, NULL, NULL, 1, &ev)) ||
	    (rc = seal_add_evidence(ev.data, ev.len, NULL, (const uint8_t *)demo_stix, (size_t)demo_stix_len, NULL, &body)))
		goto out;
	m.body = body.data;
	m.body_len = body.len;
	snprintf(line, sizeof line, "parley send notice --key keys/us.fbi.key --node US --to ru.fsb ru.gp --handling 'TLP:AMBER H2' "
				    "--body notice.json --evidence ransomware-notice.json   (new case %s)", d->case_id);
	if ((rc = send_and_deliver(d, "us.fbi", &m, -1, NULL, line)))
		goto out;

	step("2. us.doj sends a mutual-legal-assistance request to ru.gp and ru.fsb");
	if ((rc = message(d, &m, ENV_REQUEST, demo_request, demo_request_len, NULL, NULL, &body)))
		goto out;
	officer_msg_add_to(&m, "ru.gp");
	officer_msg_add_to(&m, "ru.fsb");
	m.handling = "TLP:AMBER H2";
	snprintf(line, sizeof line, "parley send request --key keys/us.doj.key --node US --case %s --to ru.gp ru.fsb "
				    "--body mla-request.json", d->case_id);
	if ((rc = send_and_deliver(d, "us.doj", &m, -1, NULL, line)))
		goto out;

	step("3. ru.gp's inbox");
	printf("  $ parley inbox --key keys/ru.gp.key --node RU\n");
	json_t *inbox;
	if ((rc = officer_inbox(officer_of(d, "ru.gp"), 0, &inbox)))
		goto out;
	officer_print_inbox(officer_of(d, "ru.gp"), inbox, stdout);
	json_decref(inbox);

	step("4. ru.gp acknowledges the request");
	if ((rc = message(d, &m, ENV_ACK, demo_ack, demo_ack_len, NULL, NULL, &body)))
		goto out;
	snprintf(line, sizeof line, "parley ack %s --key keys/ru.gp.key --node RU --body ack.json", d->case_id);
	if ((rc = send_and_deliver(d, "ru.gp", &m, OFFICER_PICK_ACK, NULL, line)))
		goto out;

	step("5. ru.gp answers in part (subscriber records and logs; the disk image is still owed)");
	if ((rc = message(d, &m, ENV_ANSWER, demo_answer, demo_answer_len, NULL, NULL, &body)))
		goto out;
	snprintf(line, sizeof line, "parley answer %s --key keys/ru.gp.key --node RU --body answer-partial.json", d->case_id);
	if ((rc = send_and_deliver(d, "ru.gp", &m, OFFICER_PICK_REQUEST, NULL, line)))
		goto out;

	step("6. us.doj asks for more detail on what is still owed: an update referring to the answer (no new clock)");
	if ((rc = message(d, &m, ENV_UPDATE, demo_update, demo_update_len, "summary",
			  "Thank you for the partial answer. Please give more detail on item 2 (the forensic image): "
			  "when it is expected, and whether the server's access logs of 1-11 March can be sent first. "
			  "A second wallet linked to the ransom payments has been identified; indicators attached.",
			  &body)))
		goto out;
	char answer_ref[sizeof d->last];
	snprintf(answer_ref, sizeof answer_ref, "%s", d->last); /* the answer of step 5 */
	snprintf(line, sizeof line, "parley send update --key keys/us.doj.key --node US --case %s --ref %s --body update.json",
		 d->case_id, answer_ref);
	if ((rc = send_and_deliver(d, "us.doj", &m, OFFICER_PICK_ANY, answer_ref, line)))
		goto out;

	step("7. a joint statement of the consultation round: proposed by us.doj, co-signed by ru.gp and ru.fsb, published");
	char stdir[PATH_MAX];
	path_of(d, stdir, sizeof stdir, "statement");
	if ((rc = message(d, &m, ENV_STATEMENT, demo_statement, demo_statement_len, NULL, NULL, &body)))
		goto out;
	officer_msg_add_to(&m, "ru.gp");
	officer_msg_add_to(&m, "ru.fsb");
	printf("  $ parley statement propose --key keys/us.doj.key --node US --case %s --to ru.gp ru.fsb --body statement.json --out %s\n",
	       d->case_id, stdir);
	if ((rc = officer_statement_propose(officer_of(d, "us.doj"), &m, stdir)))
		goto out;
	printf("  $ parley statement publish %s ...   (before the others have signed)\n", stdir);
	rc = officer_statement_publish(officer_of(d, "us.doj"), stdir, &st_pos);
	if (rc != ERR_CONFLICT) {
		rc = err_set(ERR_VERIFY, "a statement lacking signatures was not refused");
		goto out;
	}
	printf("  refused, as it must be: %s\n", err_msg());
	for (int i = 0; i < 2; i++) {
		const char *who = i ? "ru.fsb" : "ru.gp";
		printf("  $ parley statement cosign %s --key keys/%s.key\n", stdir, who);
		if ((rc = officer_statement_cosign(&officer_of(d, who)->key, stdir)))
			goto out;
	}
	printf("  $ parley statement publish %s --key keys/us.doj.key --node US\n", stdir);
	if ((rc = officer_statement_publish(officer_of(d, "us.doj"), stdir, &st_pos)))
		goto out;
	print_pos("published, signed by us.doj, ru.gp and ru.fsb", &st_pos);
	if ((rc = officer_wait_delivered(officer_of(d, "us.doj"), d->case_id, &st_pos, WAIT_S)))
		goto out;
	printf("  deemed delivered to ru\n");

	step("8. us.doj sends ru.fsb a preservation request, which nobody acknowledges");
	if ((rc = message(d, &m, ENV_REQUEST, demo_preserve, demo_preserve_len, NULL, NULL, &body)))
		goto out;
	officer_msg_add_to(&m, "ru.fsb");
	printf("  $ parley send preservation --key keys/us.doj.key --node US --case %s --to ru.fsb --body preservation.json\n",
	       d->case_id);
	if ((rc = officer_send(officer_of(d, "us.doj"), &m, &req2)))
		goto out;
	print_pos("in the log", &req2);
	if ((rc = officer_wait_delivered(officer_of(d, "us.doj"), d->case_id, &req2, WAIT_S)))
		goto out;
	printf("  deemed delivered to ru: the charter's 24h acknowledgement clock starts now\n");

	step("9. the case as us.doj sees it now");
	printf("  $ parley show %s --key keys/us.doj.key --node US\n", d->case_id);
	if ((rc = show(d, "us.doj", 0)))
		goto out;

	int64_t later = (int64_t)time(NULL) + 25 * 3600;
	char t[21], st_now[32], st_later[32];
	syntax_format_time(later, t);
	step("10. the same logs, viewed as of %s (25 hours from now; the demo does not wait a day: the view is computed for that time)", t);
	printf("  $ parley show %s --key keys/ru.fsb.key --node RU --at +25h\n", d->case_id);
	if ((rc = ack_state(d, &req2, 0, st_now, sizeof st_now)) || (rc = ack_state(d, &req2, later, st_later, sizeof st_later)))
		goto out;
	if (strcmp(st_now, "due") || strcmp(st_later, "overdue")) {
		rc = err_set(ERR_VERIFY, "the preservation request's ack clock is %s now and %s in 25 h (expected due, overdue)",
			     st_now, st_later);
		goto out;
	}
	{
		json_t *k;
		if ((rc = officer_case(officer_of(d, "ru.fsb"), d->case_id, later, &k)))
			goto out;
		rc = officer_print_case(officer_of(d, "ru.fsb"), k, 0, 0, stdout);
		json_decref(k);
		if (rc)
			goto out;
	}
	printf("  ru's acknowledgement of %s/%" PRIu64 " is due now and OVERDUE as of %s\n", req2.party, req2.index, t);

	step("11. receipts: every envelope of the case, with the proof that the other party's node cosigned it");
	settle(d);
	size_t verified = 0;
	for (int i = 0; i < 2; i++) {
		const char *who = i ? "ru.gp" : "us.doj";
		struct officer_receipts r;
		snprintf(path, sizeof path, "%s/receipts/%s", d->dir, parties[i]);
		printf("  $ parley receipt %s --key keys/%s.key --node %s --out %s\n", d->case_id, who, i ? "RU" : "US", path);
		if ((rc = officer_receipt(officer_of(d, who), d->case_id, path, stdout, &r)))
			goto out;
		if (r.outstanding) {
			rc = err_set(ERR_VERIFY, "%zu receipt(s) of %s still outstanding", r.outstanding, parties[i]);
			goto out;
		}
		printf("  checked again with the proof verifier, as the README in %s says:\n", path);
		if ((rc = verify_receipts(path, &verified)))
			goto out;
	}

	step("12. full audits of both logs: every tile recomputed from the entries, the checkpoints' signatures checked");
	for (int i = 0; i < 2; i++) {
		uint64_t n = 0;
		snprintf(path, sizeof path, "%s/%s/log", d->dir, parties[i]);
		const struct officer *o = officer_of(d, "us.fbi");
		const struct charter_party *p = &o->charter.parties[i];
		struct audit_ctx ac = {&o->history, p->node_key.name};
		if ((rc = tlog_audit_with(path, audit_open, &ac, &n))) {
			err_wrap(rc, "audit of %s", path);
			goto out;
		}
		printf("  %s: %" PRIu64 " entries, every tile and the signed checkpoint check out (%s)\n", path, n,
		       p->node_key.name);
	}
	printf("\n%zu receipts verified, both logs audited\n", verified);
out:
	buf_release(&body);
	buf_release(&ev);
	return rc;
}

int cmd_demo(int argc, char **argv)
{
	static const char usage[] = "usage: parley demo --dir DIR [--scenario exchange|aid] [--exit]";
	const char *dir = NULL, *scenario = "exchange";
	int exit_after = 0, rc;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
		else if (!strcmp(argv[i], "--scenario") && i + 1 < argc) scenario = argv[++i];
		else if (!strcmp(argv[i], "--exit")) exit_after = 1;
		else return cli_usage("demo", "%s", usage);
	}
	if (!dir)
		return cli_usage("demo", "%s", usage);
	if (strcmp(scenario, "exchange") && strcmp(scenario, "aid"))
		return cli_usage("demo", "--scenario: 'exchange' (the default) or 'aid', not '%s'", scenario);
	struct demo *d = calloc(1, sizeof *d);
	if (!d)
		return cli_fail("demo", err_set(ERR_NOMEM, "out of memory"));
	if (strlen(dir) >= sizeof d->dir) {
		free(d);
		return cli_usage("demo", "--dir path too long");
	}
	snprintf(d->dir, sizeof d->dir, "%s", dir);
	DIR *dd = opendir(dir);
	if (dd) {
		struct dirent *e;
		int empty = 1;
		while ((e = readdir(dd)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
				empty = 0;
		closedir(dd);
		if (!empty) {
			free(d);
			return cli_usage("demo", "%s is not empty: give a new directory", dir);
		}
	}
	if (!strcmp(scenario, "aid")) {
		free(d);
		return demo_aid(dir, exit_after);
	}
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	char p1[PATH_MAX], p2[PATH_MAX];

	step("the channel: keys, and a charter for us (us.fbi, us.doj) and ru (ru.fsb, ru.gp) with witness un.witness");
	if ((rc = mkdir_p(dir, 0755)) || (rc = client_global_init()))
		goto out;
	for (int i = 0; i < NSERVICES; i++)
		if ((rc = cli_free_port(&d->port[i])))
			goto out;
	if ((rc = make_channel(d)))
		goto out;
	printf("  %s/charter: signed by both parties; deadlines: ack 24h, answer 30d (urgent: 4h, 72h)\n", dir);
	printf("  %s/keys/: us.fbi, us.doj, ru.fsb, ru.gp (agency keys stay with the officers), us-node, ru-node, un.witness\n", dir);
	path_of(d, p1, sizeof p1, "charter");
	for (int i = 0; i < 2; i++) {
		char nd[PATH_MAX], key[PATH_MAX];
		snprintf(nd, sizeof nd, "%s/%s", dir, parties[i]);
		snprintf(key, sizeof key, "%s/keys/%s-node.key", dir, parties[i]);
		if ((rc = node_init(nd, p1, key)))
			goto out;
	}
	path_of(d, p2, sizeof p2, "keys/un.witness.key");
	char wd[PATH_MAX];
	path_of(d, wd, sizeof wd, "witness");
	if ((rc = witness_server_init(wd, p1, p2)))
		goto out;

	step("the services: both parties' nodes and the neutral witness");
	if ((rc = spawn(d, 0, "node", "us")) || (rc = spawn(d, 1, "node", "ru")) || (rc = spawn(d, 2, "witness", "witness")))
		goto out;
	for (size_t i = 0; i < 4; i++) {
		char key[PATH_MAX], url[64];
		snprintf(key, sizeof key, "%s/keys/%s.key", dir, agencies[i]);
		snprintf(url, sizeof url, "http://127.0.0.1:%u", d->port[i < 2 ? 0 : 1]);
		if ((rc = officer_open(&d->off[i], key, url)))
			goto out;
		d->opened[i] = 1;
	}
	printf("  officers' desks: us.fbi and us.doj on http://127.0.0.1:%u (US), ru.fsb and ru.gp on http://127.0.0.1:%u (RU)\n",
	       d->port[0], d->port[1]);

	if ((rc = play(d)))
		goto out;
	printf("demo ok\n");
	if (!exit_after) {
		printf("\nThe services keep running (Ctrl-C stops them):\n"
		       "  us node  http://127.0.0.1:%u   (%s/us)\n  ru node  http://127.0.0.1:%u   (%s/ru)\n"
		       "  witness  http://127.0.0.1:%u   (%s/witness)\n"
		       "Try:\n  parley show %s --key %s/keys/ru.gp.key --node http://127.0.0.1:%u --full\n"
		       "  parley inbox --key %s/keys/ru.fsb.key --node http://127.0.0.1:%u --at +25h\n",
		       d->port[0], dir, d->port[1], dir, d->port[2], dir, d->case_id, dir, d->port[1], dir, d->port[1]);
		while (!got_signal)
			pause();
		printf("stopping\n");
	}
out:
	for (size_t i = 0; i < 4; i++)
		if (d->opened[i])
			officer_release(&d->off[i]);
	demo_service_stop_all(d->pid, NSERVICES);
	free(d);
	return rc ? cli_fail("demo", rc) : 0;
}
