/*
 * cases_fixture.h — a ransomware case between us and ru built in memory with
 * generated keys, shared by test_cases.c and test_index.c. Times are offsets
 * from T0 = 2021-07-09T15:00:00Z; the comments give each entry's role.
 */
#ifndef PARLEY_CASES_FIXTURE_H
#define PARLEY_CASES_FIXTURE_H

#include "base/err.h"
#include "cases/cases.h"
#include "crypto/sha256.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "check.h"

#include <stdio.h>

#define FX_UNUSED __attribute__((unused))
#define T0 1625842800 /* 2021-07-09T15:00:00Z */
#define HOUR 3600
#define DAY 86400
#define US_LOG "us.parley.example/log"
#define RU_LOG "ru.parley.example/log"
#define WITNESS "un.witness"
#define CASE_A "us.fbi/2021-0007"
#define CASE_B "us.fbi/2021-0008"
#define CASE_C "us.fbi/2021-0009"
#define FX_MAX_ENTRIES 16
#define FX_MAX_COSIGS 16

struct fx_who {
	struct note_signer sign;
	char vkey[512];
	char rcpt[AGE_RECIPIENT_TEXT_MAX];
};

struct fx_log {
	const char *origin;
	struct buf e[FX_MAX_ENTRIES];
	size_t n;
};

struct fx_cosig {
	const char *origin;
	uint64_t size;
	const char *cosigner;
	int64_t time;
};

struct fx {
	struct charter charter;
	struct fx_who us_node, ru_node, un, us_fbi, us_doj, ru_fsb, ru_gp;
	struct fx_log logs[2]; /* us, ru */
	struct fx_cosig cosigs[FX_MAX_COSIGS];
	size_t ncosigs;
};

static FX_UNUSED void fx_make(struct fx_who *w, const char *name, uint8_t type)
{
	struct note_verifier v;
	struct age_identity id;
	struct age_recipient r;
	CHECK(note_signer_generate(&w->sign, name, NOTE_ED25519) == 0);
	note_verifier_from_signer(&v, &w->sign, type);
	note_verifier_format(&v, w->vkey, sizeof w->vkey);
	CHECK(age_identity_generate(&id) == 0);
	CHECK(age_recipient_from_identity(&r, &id) == 0);
	CHECK(age_recipient_encode(&r, w->rcpt) == 0);
}

/* Envelope fields: from, to (space-separated), case, kind, time; a body for kinds that take one. */
static FX_UNUSED void fx_fields(struct fx *x, struct envelope_fields *f, const char *from, const char *to,
				const char *case_id, enum envelope_kind kind, int64_t time)
{
	memset(f, 0, sizeof *f);
	snprintf(f->channel, sizeof f->channel, "%s", x->charter.id_hex);
	snprintf(f->from, sizeof f->from, "%s", from);
	for (const char *s = to; *s;) {
		const char *sp = strchr(s, ' ');
		size_t n = sp ? (size_t)(sp - s) : strlen(s);
		snprintf(f->to[f->nto++], sizeof f->to[0], "%.*s", (int)n, s);
		s += n + (sp != NULL);
	}
	snprintf(f->case_id, sizeof f->case_id, "%s", case_id);
	f->kind = kind;
	f->time = time;
	if (kind != ENV_RECEIVED && kind != ENV_ACK && kind != ENV_CLOSE) {
		f->has_body = 1;
		f->body_size = 3;
		sha256("abc", 3, f->body_hash);
	}
}

/* Points f's ref at entry index of log l. */
static FX_UNUSED void fx_ref(struct fx *x, struct envelope_fields *f, int l, uint64_t index)
{
	f->has_ref = 1;
	snprintf(f->ref.origin, sizeof f->ref.origin, "%s", x->logs[l].origin);
	f->ref.index = index;
	merkle_leaf_hash(x->logs[l].e[index].data, x->logs[l].e[index].len, f->ref.leaf);
}

/* Appends raw bytes to log l; returns the index. */
static FX_UNUSED uint64_t fx_append_raw(struct fx *x, int l, const uint8_t *p, size_t n)
{
	struct fx_log *L = &x->logs[l];
	buf_init(&L->e[L->n], ENVELOPE_MAX_SIZE);
	CHECK(buf_append(&L->e[L->n], p, n) == 0);
	return L->n++;
}

/* Signs f with the signers and appends it to log l; returns the index. */
static FX_UNUSED uint64_t fx_append(struct fx *x, int l, const struct envelope_fields *f,
				    const struct note_signer *signers, size_t ns)
{
	struct buf text, note;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	CHECK(envelope_format(f, &text) == 0);
	CHECK(note_sign(&note, (const char *)text.data, text.len, signers, ns, 0) == 0);
	uint64_t i = fx_append_raw(x, l, note.data, note.len);
	buf_release(&text);
	buf_release(&note);
	return i;
}

static FX_UNUSED void fx_cosign(struct fx *x, const char *origin, uint64_t size, const char *cosigner, int64_t t)
{
	x->cosigs[x->ncosigs++] = (struct fx_cosig){origin, size, cosigner, t};
}

/*
 * The scenario. us log: 0 notice, 1 request (case A), 2 update, 3 statement,
 * 4 second request (never acknowledged), 5 urgent request (case B), 6 request
 * whose receipt stays outstanding (case C), 7 forged, 8 ru envelope in the us
 * log, 9 replay of 1. ru log: 0-1 received for us 0-1, 2 ack, 3 partial
 * answer, 4 received for us 4.
 */
static FX_UNUSED void fx_build(struct fx *x)
{
	struct buf t;
	struct envelope_fields f;
	memset(x, 0, sizeof *x);
	fx_make(&x->us_node, US_LOG, NOTE_ED25519);
	fx_make(&x->ru_node, RU_LOG, NOTE_ED25519);
	fx_make(&x->un, WITNESS, NOTE_COSIGNATURE);
	fx_make(&x->us_fbi, "us.fbi", NOTE_ED25519);
	fx_make(&x->us_doj, "us.doj", NOTE_ED25519);
	fx_make(&x->ru_fsb, "ru.fsb", NOTE_ED25519);
	fx_make(&x->ru_gp, "ru.gp", NOTE_ED25519);
	buf_init(&t, CHARTER_MAX_SIZE);
	buf_printf(&t,
		   "parley charter v1\nname: Test channel\nlegal-basis: Test treaty (1999)\n"
		   "party: us https://us.parley.example %s\nparty: ru https://ru.parley.example %s\n"
		   "agency: us.fbi %s %s\nagency: us.doj %s %s\nagency: ru.fsb %s %s\nagency: ru.gp %s %s\n"
		   "witness: un.witness https://un.example %s\n"
		   "profiles: cyber-mla\nack: 24h\nanswer: 30d\nurgent-ack: 4h\nurgent-answer: 72h\n"
		   "term: 2021-07-09T00:00:00Z 2022-01-09T00:00:00Z\nreporting-period: 30d\n",
		   x->us_node.vkey, x->ru_node.vkey, x->us_fbi.vkey, x->us_fbi.rcpt, x->us_doj.vkey, x->us_doj.rcpt,
		   x->ru_fsb.vkey, x->ru_fsb.rcpt, x->ru_gp.vkey, x->ru_gp.rcpt, x->un.vkey);
	CHECK(charter_parse(&x->charter, t.data, t.len) == 0);
	buf_release(&t);
	x->logs[0].origin = US_LOG;
	x->logs[1].origin = RU_LOG;

	fx_fields(x, &f, "us.fbi", "ru.fsb", CASE_A, ENV_NOTICE, T0); /* us 0 */
	fx_append(x, 0, &f, &x->us_fbi.sign, 1);
	fx_fields(x, &f, "us.fbi", "ru.gp ru.fsb", CASE_A, ENV_REQUEST, T0 + 60); /* us 1: the MLA request */
	fx_ref(x, &f, 0, 0);
	snprintf(f.handling, sizeof f.handling, "TLP:AMBER H2");
	fx_append(x, 0, &f, &x->us_fbi.sign, 1);
	fx_cosign(x, US_LOG, 2, RU_LOG, T0 + 600); /* ru's node: us 0-1 deemed delivered */
	fx_cosign(x, US_LOG, 1, RU_LOG, T0 + 700); /* dominated: changes nothing */
	fx_cosign(x, US_LOG, 2, WITNESS, T0 + 650);
	fx_fields(x, &f, "ru", "us.fbi", CASE_A, ENV_RECEIVED, T0 + 601); /* ru 0, 1 */
	fx_ref(x, &f, 0, 0);
	fx_append(x, 1, &f, &x->ru_node.sign, 1);
	fx_ref(x, &f, 0, 1);
	fx_append(x, 1, &f, &x->ru_node.sign, 1);
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_ACK, T0 + HOUR); /* ru 2 */
	fx_ref(x, &f, 0, 1);
	fx_append(x, 1, &f, &x->ru_gp.sign, 1);
	fx_cosign(x, RU_LOG, 3, US_LOG, T0 + 4000); /* the ack is delivered */
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_ANSWER, T0 + 10 * DAY); /* ru 3: partial (in the body) */
	fx_ref(x, &f, 0, 1);
	fx_append(x, 1, &f, &x->ru_gp.sign, 1);
	fx_cosign(x, RU_LOG, 4, US_LOG, T0 + 10 * DAY + 100);
	fx_fields(x, &f, "us.fbi", "ru.gp", CASE_A, ENV_UPDATE, T0 + 11 * DAY); /* us 2: more detail, please */
	fx_ref(x, &f, 1, 3);
	fx_append(x, 0, &f, &x->us_fbi.sign, 1);
	fx_fields(x, &f, "us.fbi", "ru.fsb", CASE_A, ENV_STATEMENT, T0 + 12 * DAY); /* us 3: joint minutes */
	struct note_signer both[2] = {x->us_fbi.sign, x->ru_fsb.sign};
	fx_append(x, 0, &f, both, 2);
	fx_fields(x, &f, "us.doj", "ru.gp", CASE_A, ENV_REQUEST, T0 + 12 * DAY + 60); /* us 4: never acknowledged */
	fx_append(x, 0, &f, &x->us_doj.sign, 1);
	fx_cosign(x, US_LOG, 5, RU_LOG, T0 + 12 * DAY + 300);
	fx_fields(x, &f, "ru", "us.doj", CASE_A, ENV_RECEIVED, T0 + 12 * DAY + 301); /* ru 4 */
	fx_ref(x, &f, 0, 4);
	fx_append(x, 1, &f, &x->ru_node.sign, 1);
	fx_fields(x, &f, "us.fbi", "ru.fsb", CASE_B, ENV_REQUEST, T0 + 13 * DAY); /* us 5: urgent */
	f.urgent = 1;
	fx_append(x, 0, &f, &x->us_fbi.sign, 1);
	fx_cosign(x, US_LOG, 6, RU_LOG, T0 + 13 * DAY + 60); /* covers us 0-5, not 6 */
	fx_fields(x, &f, "us.fbi", "ru.fsb", CASE_C, ENV_REQUEST, T0 + 14 * DAY); /* us 6: ru never cosigns it */
	fx_append(x, 0, &f, &x->us_fbi.sign, 1);
	fx_cosign(x, US_LOG, 7, WITNESS, T0 + 14 * DAY + 30);
	fx_fields(x, &f, "us.fbi", "ru.gp", CASE_A, ENV_UPDATE, T0 + 14 * DAY); /* us 7: us.doj signs as us.fbi */
	fx_ref(x, &f, 0, 1);
	fx_append(x, 0, &f, &x->us_doj.sign, 1);
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_ACK, T0 + 14 * DAY); /* us 8: ru's ack in the us log */
	fx_ref(x, &f, 0, 4);
	fx_append(x, 0, &f, &x->ru_gp.sign, 1);
	fx_append_raw(x, 0, x->logs[0].e[1].data, x->logs[0].e[1].len); /* us 9: replay of us 1 */
}

/* The last signature line of entry i of log l appended once more: the same signed text re-shaped. */
static FX_UNUSED uint64_t fx_append_last_line_twice(struct fx *x, int l, uint64_t i)
{
	const struct buf *src = &x->logs[l].e[i];
	size_t last = src->len - 1;
	while (last > 0 && src->data[last - 1] != '\n')
		last--;
	struct buf b;
	buf_init(&b, ENVELOPE_MAX_SIZE);
	CHECK(buf_append(&b, src->data, src->len) == 0 && buf_append(&b, src->data + last, src->len - last) == 0);
	uint64_t at = fx_append_raw(x, l, b.data, b.len);
	buf_release(&b);
	return at;
}

/*
 * Hostile entries of issue 13 after the scenario (fx_build). Hole 2,
 * re-shaped copies: us 10 is us 1 with its signature line twice; us 11 a
 * statement signed in the order it names its agencies, us 12 the same with
 * its co-signatures swapped. Hole 11, case namespaces: us 13 us.fbi opens a
 * case under ru.gp's id; us 14 us.doj writes in a us.fbi case nobody opened;
 * ru 5 ru.gp writes in case A without a ref; ru 6 ru.gp closes case A; ru 7
 * ru.fsb answers us 4, which was not addressed to it; ru 8 ru.gp answers us
 * 13 in its own case (it stands: its owner); ru 9 ru.gp follows up its answer
 * ru 3 (a chain of refs back to us 1: it stands); ru 10 ru.fsb follows up ru
 * 7, which does not stand.
 */
static FX_UNUSED void fx_add_hostile(struct fx *x)
{
	struct envelope_fields f;
	CHECK_EQ_INT(fx_append_last_line_twice(x, 0, 1), 10);
	fx_fields(x, &f, "us.fbi", "ru.fsb ru.gp", CASE_A, ENV_STATEMENT, T0 + 13 * DAY);
	struct note_signer canon[3] = {x->us_fbi.sign, x->ru_fsb.sign, x->ru_gp.sign};
	struct note_signer swapped[3] = {x->us_fbi.sign, x->ru_gp.sign, x->ru_fsb.sign};
	CHECK_EQ_INT(fx_append(x, 0, &f, canon, 3), 11);
	CHECK_EQ_INT(fx_append(x, 0, &f, swapped, 3), 12);
	fx_fields(x, &f, "us.fbi", "ru.gp", "ru.gp/2021-0001", ENV_REQUEST, T0 + 15 * DAY);
	CHECK_EQ_INT(fx_append(x, 0, &f, &x->us_fbi.sign, 1), 13);
	fx_fields(x, &f, "us.doj", "ru.gp", "us.fbi/2021-0100", ENV_NOTICE, T0 + 15 * DAY);
	CHECK_EQ_INT(fx_append(x, 0, &f, &x->us_doj.sign, 1), 14);
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_NOTICE, T0 + 15 * DAY);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 5);
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_CLOSE, T0 + 15 * DAY);
	fx_ref(x, &f, 0, 1);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 6);
	fx_fields(x, &f, "ru.fsb", "us.doj", CASE_A, ENV_ANSWER, T0 + 15 * DAY);
	fx_ref(x, &f, 0, 4);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_fsb.sign, 1), 7);
	fx_fields(x, &f, "ru.gp", "us.fbi", "ru.gp/2021-0001", ENV_ANSWER, T0 + 15 * DAY);
	fx_ref(x, &f, 0, 13);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 8);
	fx_fields(x, &f, "ru.gp", "us.fbi", CASE_A, ENV_UPDATE, T0 + 15 * DAY);
	fx_ref(x, &f, 1, 3);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_gp.sign, 1), 9);
	fx_fields(x, &f, "ru.fsb", "us.doj", CASE_A, ENV_UPDATE, T0 + 15 * DAY);
	fx_ref(x, &f, 1, 7);
	CHECK_EQ_INT(fx_append(x, 1, &f, &x->ru_fsb.sign, 1), 10);
}

static FX_UNUSED void fx_release(struct fx *x)
{
	for (int l = 0; l < 2; l++)
		for (size_t i = 0; i < x->logs[l].n; i++)
			buf_release(&x->logs[l].e[i]);
	note_signer_release(&x->us_node.sign);
	note_signer_release(&x->ru_node.sign);
	note_signer_release(&x->un.sign);
	note_signer_release(&x->us_fbi.sign);
	note_signer_release(&x->us_doj.sign);
	note_signer_release(&x->ru_fsb.sign);
	note_signer_release(&x->ru_gp.sign);
	charter_release(&x->charter);
}

/* Feeds entry i of log l. */
static FX_UNUSED int fx_feed_entry(struct fx *x, struct cases *c, int l, size_t i)
{
	return cases_add_entry(c, x->logs[l].origin, i, x->logs[l].e[i].data, x->logs[l].e[i].len);
}

static FX_UNUSED int fx_feed_cosig(struct fx *x, struct cases *c, size_t i)
{
	const struct fx_cosig *s = &x->cosigs[i];
	return cases_add_cosignature(c, s->origin, s->size, s->cosigner, s->time);
}

/* The JSON of every case and of every agency's inbox as of now, concatenated. */
static FX_UNUSED void fx_render_all(struct fx *x, const struct cases *c, int64_t now, struct buf *out)
{
	const struct cases_case **list;
	size_t n;
	buf_reset(out);
	CHECK(cases_list(c, &list, &n) == 0);
	for (size_t i = 0; i < n; i++)
		CHECK(cases_case_json(c, list[i], now, out) == 0);
	free(list);
	for (size_t a = 0; a < x->charter.nagencies; a++)
		CHECK(cases_inbox_json(c, x->charter.agencies[a].name, now, out) == 0);
}

#endif
