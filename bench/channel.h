/*
 * channel.h — the benchmarks' channel: two parties' node keys, their
 * agencies' keys (signing key and age identity), an optional neutral witness
 * (un.witness), and the charter over them signed by both nodes, all made in
 * memory with fresh keys. One place for bench_envelope, bench_report and
 * bench_mandate, which differ only in names and in the charter's last lines.
 */
#ifndef PARLEY_BENCH_CHANNEL_H
#define PARLEY_BENCH_CHANNEL_H

#include "base/buf.h"
#include "base/err.h"
#include "crypto/age.h"
#include "crypto/keyfile.h"
#include "crypto/note.h"
#include "exchange/charter.h"

#include <stdio.h>

struct bench_channel {
	/* given */
	const char *name;            /* the charter's name line */
	const char *party[2];        /* party ids: logs <party>.parley.example/log */
	const char *const *agency;   /* agency names, nagency of them */
	int nagency;
	int witness;                 /* 1: the witness un.witness */
	const char *tail;            /* the charter's lines after the witness (profiles, deadlines, term) */
	/* made (storage the caller owns) */
	struct keyfile *nodes;       /* [2] */
	struct keyfile *agencies;    /* [nagency] */
	struct keyfile *wit;         /* with witness */
	struct charter *ch;          /* the signed charter, parsed */
	struct buf signed_text;      /* its text (bench_channel_make initialises it) */
};

/* Appends one verifier key line "PREFIX vkey SUFFIX\n". */
static inline void bench_channel_vkey_line(struct buf *b, const char *prefix, const struct note_signer *s, int type,
					    const char *suffix)
{
	struct note_verifier v;
	char vk[512];
	note_verifier_from_signer(&v, s, type);
	note_verifier_format(&v, vk, sizeof vk);
	buf_printf(b, "%s %s%s%s\n", prefix, vk, *suffix ? " " : "", suffix);
}

/* Makes the keys and the signed charter into c's storage: 0, or -1 naming the step on stderr. */
static inline int bench_channel_make(struct bench_channel *c)
{
	struct buf text, half_text;
	char line[300], rc_text[AGE_RECIPIENT_TEXT_MAX];
	int rc = -1;
	buf_init(&text, CHARTER_MAX_SIZE);
	buf_init(&half_text, CHARTER_MAX_SIZE + 4096);
	buf_init(&c->signed_text, CHARTER_MAX_SIZE + 4096);
	buf_printf(&text, "parley charter v1\nname: %s\nlegal-basis: None\n", c->name);
	for (int p = 0; p < 2; p++) {
		snprintf(line, sizeof line, "%s.parley.example/log", c->party[p]);
		if (keyfile_generate(&c->nodes[p], line)) {
			fprintf(stderr, "bench channel: node keygen\n");
			goto out;
		}
		snprintf(line, sizeof line, "party: %s https://%s.parley.example/log", c->party[p], c->party[p]);
		bench_channel_vkey_line(&text, line, &c->nodes[p].sign, NOTE_ED25519, "");
	}
	for (int a = 0; a < c->nagency; a++) {
		struct age_recipient r;
		if (keyfile_generate(&c->agencies[a], c->agency[a]) || age_recipient_from_identity(&r, &c->agencies[a].age) ||
		    age_recipient_encode(&r, rc_text)) {
			fprintf(stderr, "bench channel: agency keygen\n");
			goto out;
		}
		snprintf(line, sizeof line, "agency: %s", c->agency[a]);
		bench_channel_vkey_line(&text, line, &c->agencies[a].sign, NOTE_ED25519, rc_text);
	}
	if (c->witness) {
		if (keyfile_generate(c->wit, "un.witness")) {
			fprintf(stderr, "bench channel: witness keygen\n");
			goto out;
		}
		bench_channel_vkey_line(&text, "witness: un.witness https://un.example", &c->wit->sign, NOTE_COSIGNATURE, "");
	}
	buf_printf(&text, "%s", c->tail);
	struct charter draft, half;
	if (charter_parse(&draft, text.data, text.len)) {
		fprintf(stderr, "bench channel: charter: %s\n", err_msg());
		goto out;
	}
	rc = charter_sign(&draft, &c->nodes[0].sign, &half_text);
	charter_release(&draft);
	if (!rc && !(rc = charter_parse(&half, half_text.data, half_text.len))) {
		rc = charter_sign(&half, &c->nodes[1].sign, &c->signed_text);
		charter_release(&half);
	}
	if (!rc)
		rc = charter_parse(c->ch, c->signed_text.data, c->signed_text.len);
	if (!rc && !charter_complete(c->ch))
		rc = -1;
	if (rc) {
		fprintf(stderr, "bench channel: signing the charter: %s\n", err_msg());
		rc = -1;
	}
out:
	buf_release(&text);
	buf_release(&half_text);
	return rc;
}

#endif
