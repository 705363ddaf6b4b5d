/*
 * parley charter init|sign|verify|show|id — the founding agreement of a channel
 * (amendments: amend, and sign/verify/show of an amendment, in cmd_amend.c).
 *   init FILE                 writes a commented template (refuses to overwrite)
 *   sign FILE --key NODE.key  adds the party's signature, replacing FILE atomically
 *   verify FILE               lists the signatures present and missing; exit 0 only when all are there
 *   show FILE                 prints the charter in readable form
 *   id FILE                   prints the channel id (SHA-256 of the text, hex)
 */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "exchange/amendment.h"
#include "exchange/charter.h"
#include "exchange/syntax.h"

#include <stdio.h>
#include <string.h>

static int load(const char *what, const char *path, struct charter *c)
{
	int rc = charter_load(c, path);
	if (rc)
		return cli_fail(what, rc);
	return 0;
}

static void print_duration(const char *label, uint64_t s)
{
	if (s % 86400 == 0 && s >= 2 * 86400)
		printf("  %-15s %llu days\n", label, (unsigned long long)(s / 86400));
	else if (s % 3600 == 0)
		printf("  %-15s %llu hours\n", label, (unsigned long long)(s / 3600));
	else
		printf("  %-15s %llu minutes\n", label, (unsigned long long)(s / 60));
}

void cli_charter_show(const struct charter *c)
{
	char t1[21], t2[21], vk[512];
	printf("channel %s\n", c->id_hex);
	printf("name:          %s\n", c->name);
	printf("legal basis:   %s\n", c->legal_basis);
	printf("profiles:     %s%s\n", c->profiles & CHARTER_PROFILE_CYBER_MLA ? " cyber-mla" : "",
	       c->profiles & CHARTER_PROFILE_AID_CROSSING ? " aid-crossing" : "");
	syntax_format_time(c->term_start, t1);
	syntax_format_time(c->term_end, t2);
	printf("term:          %s to %s\n", t1, t2);
	printf("deadlines:\n");
	print_duration("acknowledge", c->ack);
	print_duration("answer", c->answer);
	print_duration("urgent ack", c->urgent_ack);
	print_duration("urgent answer", c->urgent_answer);
	print_duration("reporting", c->reporting_period);
	printf("witnessing:\n  %-15s %u cosigner%s\n", "quorum", c->witness_quorum, c->witness_quorum == 1 ? "" : "s");
	print_duration("heartbeat", c->heartbeat);
	for (size_t i = 0; i < c->nparties; i++) {
		const struct charter_party *p = &c->parties[i];
		note_verifier_format(&p->node_key, vk, sizeof vk);
		printf("party %s  %s  [%s]\n  node key %s\n", p->id, p->url, c->signed_by[i] ? "signed" : "not signed", vk);
		for (size_t k = 0; k < c->nagencies; k++) {
			if (c->agencies[k].party != (int)i)
				continue;
			note_verifier_format(&c->agencies[k].key, vk, sizeof vk);
			printf("  agency %s\n    key %s\n    age %s\n", c->agencies[k].name, vk, c->agencies[k].recipient_text);
		}
	}
	for (size_t i = 0; i < c->nwitnesses; i++) {
		note_verifier_format(&c->witnesses[i].key, vk, sizeof vk);
		printf("witness %s  %s\n  key %s\n", c->witnesses[i].id, c->witnesses[i].url, vk);
	}
}

/* 1 if the file at path starts as an amendment does, after a draft's comments (its errors are then the amendment commands'). */
static int amendment_file(const char *path)
{
	char head[4096];
	struct buf text;
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(head, 1, sizeof head, f) : 0;
	if (f)
		fclose(f);
	buf_init(&text, sizeof head);
	int is = !syntax_strip_draft(&text, head, n) && amendment_is(text.data, text.len);
	buf_release(&text);
	return is;
}

int cmd_charter(int argc, char **argv)
{
	static const char usage[] = "usage: parley charter init|verify|show|id FILE | parley charter sign FILE --key NODE-KEY\n"
				    "       parley charter amend|sign|verify|show ... (amendments: parley charter amend --help)";
	if (argc < 3)
		return cli_usage("charter", "%s", usage);
	const char *sub = argv[1], *file = argv[2];
	struct charter c;
	int rc;
	if (!strcmp(sub, "amend") || (!strcmp(sub, "sign") && (argc != 5 || strcmp(argv[3], "--key"))) ||
	    (!strcmp(sub, "sign") && amendment_file(file)) || ((!strcmp(sub, "verify") || !strcmp(sub, "show")) &&
								(argc > 3 || amendment_file(file))))
		return cmd_charter_amendment(argc, argv);
	if (!strcmp(sub, "init")) {
		if (argc != 3)
			return cli_usage("charter init", "%s", usage);
		struct buf t;
		buf_init(&t, 1 << 16);
		rc = charter_template(&t);
		if (!rc)
			rc = file_write_atomic(file, t.data, t.len, 0644, 1);
		buf_release(&t);
		if (rc)
			return cli_fail("charter init", rc);
		fprintf(stderr, "wrote %s: fill it in, then each party signs it with 'parley charter sign %s --key NODE.key'\n",
			file, file);
		return 0;
	}
	if (!strcmp(sub, "sign")) {
		if (argc != 5 || strcmp(argv[3], "--key") != 0)
			return cli_usage("charter sign", "usage: parley charter sign FILE --key NODE-KEY");
		struct keyfile k;
		if ((rc = keyfile_read(&k, argv[4])))
			return cli_fail("charter sign", rc);
		if ((rc = load("charter sign", file, &c))) {
			keyfile_release(&k);
			return rc;
		}
		struct buf out;
		buf_init(&out, CHARTER_MAX_SIZE + 4096);
		rc = charter_sign(&c, &k.sign, &out);
		if (!rc)
			rc = file_write_atomic(file, out.data, out.len, 0644, 0);
		if (!rc)
			fprintf(stderr, "signed by %s; %zu of %zu parties have signed\n", k.sign.name, c.nsigned + 1, c.nparties);
		buf_release(&out);
		keyfile_release(&k);
		charter_release(&c);
		return rc ? cli_fail("charter sign", rc) : 0;
	}
	if (argc != 3)
		return cli_usage("charter", "%s", usage);
	if (strcmp(sub, "verify") && strcmp(sub, "show") && strcmp(sub, "id"))
		return cli_usage("charter", "%s", usage);
	if ((rc = load(!strcmp(sub, "verify") ? "charter verify" : !strcmp(sub, "show") ? "charter show" : "charter id",
		       file, &c)))
		return rc;
	if (!strcmp(sub, "id")) {
		printf("%s\n", c.id_hex);
	} else if (!strcmp(sub, "show")) {
		cli_charter_show(&c);
	} else {
		for (size_t i = 0; i < c.nparties; i++)
			printf("%-8s %s (%s)\n", c.signed_by[i] ? "signed" : "MISSING", c.parties[i].id, c.parties[i].node_key.name);
		if (!charter_complete(&c)) {
			fprintf(stderr, "parley charter verify: %zu of %zu parties have signed\n", c.nsigned, c.nparties);
			rc = 1;
		} else {
			printf("charter ok: channel %s, signed by all %zu parties\n", c.id_hex, c.nparties);
		}
	}
	charter_release(&c);
	return rc;
}
