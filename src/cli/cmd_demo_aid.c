/*
 * parley demo --scenario aid --dir DIR [--exit]  (docs/demo.md)
 *
 * The humanitarian-crossing mechanism: a charter for the UN (un.ocha sends,
 * un.unmm monitors), the receiving authority (sy.mofa) and the neighbouring
 * state's customs (tr.customs), with two neutral witnesses (us, ru), profile
 * aid-crossing, a six-month term from 2021-07-10. In two phases:
 *
 * 1. The term, simulated (dated 2021-22). A month of traffic through Bab
 *    al-Hawa at real scale (about 1,000 trucks in consignments of 10-25:
 *    notices, inspections at loading, crossings, acknowledgements; one late
 *    notice, one rejected inspection, one consignment never acknowledged),
 *    un.ocha's key rotated mid-month by amendment 1, the term renewed by
 *    amendment 2. Every envelope and body is sealed by seal_envelope (the
 *    officers' code) and appended by the log store (the node's), with the
 *    cosignatures the other nodes and the witnesses would have made, signed
 *    with their keys at the simulated times. Written twice, byte for byte the
 *    same: into each party's node directory (DIR/nodes/<party>) and into an
 *    auditor's archive in `parley fetch` layout (DIR/archive).
 * 2. Today, live. The three nodes and the two witnesses start on that
 *    history on loopback, mirror and witness each other's logs over HTTP; a
 *    consignment notice signed by un.ocha's retired key is refused by the UN's
 *    node, one by its new key accepted and delivered; `parley audit` finds
 *    the live logs consistent with the archive. Then the implementation
 *    report over the term, its bundle, and `parley report verify`.
 *
 * Each step prints a line; a failure exits non-zero naming the step.
 */
#include "base/err.h"
#include "base/fileio.h"
#include "cli/cli.h"
#include "cli/demo_service.h"
#include "cli/util.h"
#include "crypto/sha256.h"
#include "officer/officer.h"
#include "exchange/amendment.h"
#include "exchange/history.h"
#include "exchange/seal.h"
#include "exchange/syntax.h"
#include "node/bodies.h"
#include "net/client.h"
#include "node/node.h"
#include "node/witness_server.h"
#include "tlog/store.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NP 3       /* parties */
#define NA 4       /* agencies */
#define NW 2       /* witnesses */
#define NSVC (NP + NW)
#define MAXC 120   /* consignments */
#define MAXE 1024  /* envelopes of the month */
#define WAIT_S 60

static const char *const party_id[NP] = {"un", "sy", "tr"};
static const char *const agency_id[NA] = {"un.ocha", "un.unmm", "sy.mofa", "tr.customs"};
static const char *const witness_id[NW] = {"us", "ru"};
enum { OCHA, UNMM, MOFA, CUSTOMS };

/* The simulated calendar (UTC). */
#define TERM0 "2021-07-10T00:00:00Z"
#define TERM1 "2022-01-10T00:00:00Z"
#define TERM2 "2022-07-10T00:00:00Z"      /* after the renewal */
#define MONTH0 "2021-08-01T00:00:00Z"
#define ROTATE "2021-08-16T00:00:00Z"     /* amendment 1 in force */
#define ROTATE_POSTED "2021-08-13T09:00:00Z"
#define RENEW "2022-01-07T00:00:00Z"      /* amendment 2 in force */
#define RENEW_POSTED "2022-01-05T12:00:00Z"
#define CLOSED "2022-07-10T01:00:00Z"     /* the witnesses' heartbeat after the term */

struct cons {
	char id[24];            /* BAH-2021-0301 */
	int trucks, sectors[AID_SECTOR_COUNT], beneficiaries;
	int64_t cross_by, notice_at;
	int urgent, late, rejected, partial, unacked;
	int confirmed;
	/* where its notice is: un's log index and leaf */
	uint64_t index;
	merkle_hash leaf;
};

/* What happens to a consignment, and who does it. */
enum ev_type { EV_NOTICE, EV_INSPECTION, EV_CROSSING, EV_ACK_SY, EV_CLOSE, EV_ACK_TR, EV_TYPES };
static const char *const ev_name[EV_TYPES] = {"the notice", "the inspection", "the crossing", "sy.mofa's ack", "the close",
					     "tr.customs's ack"};
static const enum envelope_kind ev_kind[EV_TYPES] = {ENV_NOTICE, ENV_UPDATE, ENV_UPDATE, ENV_ACK, ENV_CLOSE, ENV_ACK};
static const int ev_from[EV_TYPES] = {OCHA, UNMM, UNMM, MOFA, OCHA, CUSTOMS};

struct ev {
	int64_t time;
	int cons, type;         /* enum ev_type */
};

struct aid {
	char dir[PATH_MAX - 256];
	unsigned port[NSVC];
	pid_t pid[NSVC];
	struct keyfile node[NP], ag[NA], wit[NW], ocha_new;
	struct note_signer cos[NP], wcos[NW];
	struct charter founding;
	int have_founding;
	struct charter_history h;
	int have_h;
	struct cons c[MAXC];
	int nc;
	struct ev e[MAXE];
	int ne;
	/* the logs being written: [p][0] the node's, [p][1] the archive's */
	struct tlog *log[NP][2];
	struct bodies *bodies[NP];
	uint64_t last_size[NP];
	int64_t t_rotate, t_renew;
	uint64_t rng;
};

static volatile sig_atomic_t got_signal;
static void on_signal(int sig)
{
	(void)sig;
	got_signal = 1;
}

static const char *cur_step = "setup";
static void step(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void step(const char *name, const char *fmt, ...)
{
	va_list ap;
	cur_step = name;
	printf("\n== %s: ", name);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
}

static int64_t when(const char *s)
{
	int64_t t = 0;
	cli_report_time(s, &t);
	return t;
}

static uint32_t rnd(struct aid *a, uint32_t n)
{
	a->rng ^= a->rng << 13;
	a->rng ^= a->rng >> 7;
	a->rng ^= a->rng << 17;
	return (uint32_t)(a->rng % n);
}

static void pathf(char *out, size_t outsz, const struct aid *a, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void pathf(char *out, size_t outsz, const struct aid *a, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(out, outsz, "%s/", a->dir);
	va_start(ap, fmt);
	vsnprintf(out + n, outsz - (size_t)n, fmt, ap);
	va_end(ap);
}


/* Runs this binary with argv (argv[0] the subcommand); its stdout to out_path (NULL: ours). Returns its exit code, or -1. */
static int run_self(const char *out_path, const char *err_path, char *const argv[])
{
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0)
				_exit(127);
			dup2(fd, 1);
		}
		if (err_path) {
			int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			if (fd < 0)
				_exit(127);
			dup2(fd, 2);
		}
		char *args[32];
		size_t n = 0;
		args[n++] = "parley";
		for (size_t i = 0; argv[i] && n < 31; i++)
			args[n++] = argv[i];
		args[n] = NULL;
		execv("/proc/self/exe", args);
		_exit(127);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Prints the command line an observer could type, with DIR shortened. */
static void show_cmd(const struct aid *a, char *const argv[])
{
	size_t dl = strlen(a->dir);
	printf("  $ parley");
	for (size_t i = 0; argv[i]; i++)
		printf(" %s", strncmp(argv[i], a->dir, dl) ? argv[i] : argv[i] + dl + (argv[i][dl] == '/'));
	printf("\n");
	fflush(stdout);
}

/* ---------------------------------------------------------------- the channel */

static int keygen(struct aid *a, const char *file, const char *name, struct keyfile *k)
{
	char path[PATH_MAX];
	pathf(path, sizeof path, a, "keys/%s.key", file);
	int rc = keyfile_generate(k, name);
	if (!rc && (rc = keyfile_write(k, path)))
		keyfile_release(k);
	return rc;
}

static void vkey(const struct note_signer *s, uint8_t type, char *out, size_t outsz)
{
	struct note_verifier v;
	note_verifier_from_signer(&v, s, type);
	note_verifier_format(&v, out, outsz);
}

static int make_channel(struct aid *a)
{
	char path[PATH_MAX], vk[600], rcpt[AGE_RECIPIENT_TEXT_MAX], name[80];
	struct buf text, s1, s2;
	int rc;
	buf_init(&text, CHARTER_MAX_SIZE);
	buf_init(&s1, CHARTER_MAX_SIZE);
	buf_init(&s2, CHARTER_MAX_SIZE);
	pathf(path, sizeof path, a, "keys");
	if ((rc = mkdir_p(path, 0700)))
		goto out;
	for (int i = 0; i < NP; i++) {
		char file[32];
		snprintf(name, sizeof name, "%s.parley.example/log", party_id[i]);
		snprintf(file, sizeof file, "%s-node", party_id[i]);
		if ((rc = keygen(a, file, name, &a->node[i])) || (rc = note_signer_retype(&a->cos[i], &a->node[i].sign, NOTE_COSIGNATURE)))
			goto out;
	}
	for (int i = 0; i < NA; i++)
		if ((rc = keygen(a, agency_id[i], agency_id[i], &a->ag[i])))
			goto out;
	if ((rc = keygen(a, "un.ocha.new", "un.ocha", &a->ocha_new)))
		goto out;
	for (int i = 0; i < NW; i++) {
		char file[32];
		snprintf(file, sizeof file, "witness-%s", witness_id[i]);
		if ((rc = keygen(a, file, witness_id[i], &a->wit[i])) ||
		    (rc = note_signer_retype(&a->wcos[i], &a->wit[i].sign, NOTE_COSIGNATURE)))
			goto out;
	}
	buf_printf(&text, "parley charter v1\nname: Cross-border humanitarian aid notification, Bab al-Hawa (demo)\n"
			  "legal-basis: UN Security Council resolution 2585 (2021)\n");
	for (int i = 0; i < NP; i++) {
		vkey(&a->node[i].sign, NOTE_ED25519, vk, sizeof vk);
		buf_printf(&text, "party: %s http://127.0.0.1:%u %s\n", party_id[i], a->port[i], vk);
	}
	for (int i = 0; i < NA; i++) {
		struct age_recipient r;
		vkey(&a->ag[i].sign, NOTE_ED25519, vk, sizeof vk);
		if ((rc = age_recipient_from_identity(&r, &a->ag[i].age)) || (rc = age_recipient_encode(&r, rcpt)))
			goto out;
		buf_printf(&text, "agency: %s %s %s\n", agency_id[i], vk, rcpt);
	}
	for (int i = 0; i < NW; i++) {
		vkey(&a->wit[i].sign, NOTE_COSIGNATURE, vk, sizeof vk);
		buf_printf(&text, "witness: %s http://127.0.0.1:%u %s\n", witness_id[i], a->port[NP + i], vk);
	}
	if ((rc = buf_printf(&text, "profiles: aid-crossing\nack: 48h\nanswer: 30d\nurgent-ack: 24h\nurgent-answer: 3d\n"
				    "term: %s %s\nreporting-period: 30d\n", TERM0, TERM1)))
		goto out;
	/* each party signs in turn */
	buf_append(&s1, text.data, text.len);
	for (int i = 0; i < NP; i++) {
		struct charter c;
		if ((rc = charter_parse(&c, s1.data, s1.len)))
			goto out;
		buf_reset(&s2);
		rc = charter_sign(&c, &a->node[i].sign, &s2);
		charter_release(&c);
		if (rc)
			goto out;
		buf_reset(&s1);
		buf_append(&s1, s2.data, s2.len);
	}
	pathf(path, sizeof path, a, "charter");
	if ((rc = file_write_atomic(path, s1.data, s1.len, 0644, 1)) || (rc = charter_parse(&a->founding, s1.data, s1.len)))
		goto out;
	a->have_founding = 1;
	history_init(&a->h, &a->founding);
	a->have_h = 1;
out:
	buf_release(&text);
	buf_release(&s1);
	buf_release(&s2);
	return rc;
}

/* Replaces the line starting with prefix in text (a draft) by line. */
static int replace_line(struct buf *text, const char *prefix, const char *line)
{
	struct buf out;
	const char *s = (const char *)text->data, *end = s + text->len;
	int done = 0, rc = 0;
	buf_init(&out, AMENDMENT_MAX_SIZE);
	while (s < end && !rc) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t l = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
		if (!done && !strncmp(s, prefix, strlen(prefix))) {
			rc = buf_printf(&out, "%s\n", line);
			done = 1;
		} else {
			rc = buf_append(&out, s, l);
		}
		s += l;
	}
	if (!rc && !done)
		rc = err_set(ERR_FORMAT, "the draft has no line '%s'", prefix);
	if (!rc) {
		buf_reset(text);
		rc = buf_append(text, out.data, out.len);
	}
	buf_release(&out);
	return rc;
}

/* Amendment: drafted from the charter in force, one line replaced, signed by every party's node key, added to a->h. */
static int amend(struct aid *a, int64_t effective, const char *reason, const char *prefix, const char *line, struct buf *note)
{
	struct amendment_base b = history_base(&a->h);
	struct buf text;
	int rc;
	buf_init(&text, AMENDMENT_MAX_SIZE);
	buf_reset(note);
	if ((rc = amendment_draft(&b, effective, reason, &text)) || (rc = replace_line(&text, prefix, line)))
		goto out;
	for (int i = 0; i < NP && !rc; i++) {
		struct amendment am;
		int complete;
		const uint8_t *d = i ? note->data : text.data;
		size_t l = i ? note->len : text.len;
		if ((rc = amendment_parse(&am, d, l)))
			break;
		struct buf next;
		buf_init(&next, AMENDMENT_MAX_SIZE);
		if (!(rc = amendment_check(&am, &b, NULL, &complete)) && !(rc = amendment_sign(&am, &b, &a->node[i].sign, &next))) {
			buf_reset(note);
			rc = buf_append(note, next.data, next.len);
		}
		buf_release(&next);
		amendment_release(&am);
	}
	if (!rc)
		rc = history_add(&a->h, note->data, note->len, NULL);
out:
	buf_release(&text);
	return rc;
}

/* ---------------------------------------------------------------- the logs */

/* Opens both copies of each party's log: the node's (node_init) and the archive's (fetch layout). */
static int open_logs(struct aid *a)
{
	char path[PATH_MAX], charter[PATH_MAX], key[PATH_MAX];
	int rc;
	pathf(charter, sizeof charter, a, "charter");
	for (int p = 0; p < NP; p++) {
		pathf(path, sizeof path, a, "nodes/%s", party_id[p]);
		pathf(key, sizeof key, a, "keys/%s-node.key", party_id[p]);
		if ((rc = node_init(path, charter, key)))
			return err_wrap(rc, "node init %s", path);
		pathf(path, sizeof path, a, "nodes/%s/cosigned", party_id[p]);
		if ((rc = mkdir_p(path, 0755)))
			return rc;
		pathf(path, sizeof path, a, "nodes/%s/log", party_id[p]);
		if ((rc = tlog_open(&a->log[p][0], path, &a->node[p].sign)))
			return rc;
		pathf(path, sizeof path, a, "archive/logs/%s.checkpoints", party_id[p]);
		if ((rc = mkdir_p(path, 0755)))
			return rc;
		pathf(path, sizeof path, a, "archive/logs/%s", party_id[p]);
		if ((rc = mkdir_p(path, 0755)) || (rc = tlog_create(path, &a->node[p].sign)) ||
		    (rc = tlog_open(&a->log[p][1], path, &a->node[p].sign)))
			return rc;
		for (int k = 0; k < 2; k++)
			tlog_set_sync(a->log[p][k], TLOG_SYNC_FS);
		pathf(path, sizeof path, a, "nodes/%s/bodies", party_id[p]);
		if ((rc = mkdir_p(path, 0755)) || (rc = bodies_open(&a->bodies[p], path, 1)))
			return rc;
	}
	pathf(path, sizeof path, a, "archive/charter");
	struct buf b;
	buf_init(&b, CHARTER_MAX_SIZE);
	if (!(rc = file_read(charter, CHARTER_MAX_SIZE, &b)))
		rc = file_write_atomic(path, b.data, b.len, 0644, 0);
	buf_release(&b);
	return rc;
}

/*
 * The party's checkpoint now, signed by its node and cosigned at time t by the other parties' nodes and both
 * witnesses (what they would have done on receiving it): kept as DIR/nodes/<p>/cosigned/<size> and
 * DIR/archive/logs/<p>.checkpoints/<size>; with publish, also published as both logs' checkpoint.
 */
static int cosign(struct aid *a, int p, int64_t t, int publish)
{
	struct note_signer s[1 + NP - 1 + NW];
	size_t n = 0;
	struct buf text, note;
	char path[PATH_MAX];
	int rc;
	s[n++] = a->node[p].sign;
	for (int q = 0; q < NP; q++)
		if (q != p)
			s[n++] = a->cos[q];
	for (int w = 0; w < NW; w++)
		s[n++] = a->wcos[w];
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	if ((rc = checkpoint_format_text(tlog_checkpoint(a->log[p][0]), &text)) ||
	    (rc = note_sign(&note, (const char *)text.data, text.len, s, n, (uint64_t)t)))
		goto out;
	uint64_t size = tlog_size(a->log[p][0]);
	pathf(path, sizeof path, a, "nodes/%s/cosigned/%" PRIu64, party_id[p], size);
	if ((rc = file_write_atomic(path, note.data, note.len, 0644, 0)))
		goto out;
	pathf(path, sizeof path, a, "archive/logs/%s.checkpoints/%" PRIu64, party_id[p], size);
	if ((rc = file_write_atomic(path, note.data, note.len, 0644, 0)))
		goto out;
	if (publish)
		for (int k = 0; k < 2 && !rc; k++)
			rc = tlog_publish_cosigned(a->log[p][k], note.data, note.len);
out:
	buf_release(&text);
	buf_release(&note);
	return rc;
}

/* Appends one entry to party p's log (both copies), committed; cosigned after delay seconds. */
static int append(struct aid *a, int p, const uint8_t *data, size_t len, int64_t t, uint64_t *index)
{
	int rc;
	uint64_t i0 = 0, i1 = 0;
	if ((rc = tlog_add(a->log[p][0], data, len, &i0)) || (rc = tlog_add(a->log[p][1], data, len, &i1)) ||
	    (rc = tlog_commit(a->log[p][0])) || (rc = tlog_commit(a->log[p][1])))
		return rc;
	if (i0 != i1)
		return err_set(ERR_VERIFY, "the node's copy and the archive's of %s's log differ", party_id[p]);
	if (index)
		*index = i0;
	return cosign(a, p, t + 20 + (int64_t)(i0 % 40), 0);
}

/* ---------------------------------------------------------------- the month */

static const char *const sector_name[AID_SECTOR_COUNT] = {"food", "shelter-nfi", "wash", "health", "education", "nutrition"};
static const char *const sector_item[AID_SECTOR_COUNT] = {
	"Family food ration (rice, lentils, bulgur, oil, sugar)", "Shelter kit and winter blankets", "Family hygiene kit",
	"Interagency emergency health kit, basic module", "School-in-a-box kit", "Ready-to-use therapeutic food, carton"};
static const char *const sector_unit[AID_SECTOR_COUNT] = {"ration", "kit", "kit", "kit", "kit", "carton"};
static const int sector_per_truck[AID_SECTOR_COUNT] = {420, 60, 200, 5, 80, 900};
static const char *const sector_agency[AID_SECTOR_COUNT] = {
	"World Food Programme (WFP)", "UN Refugee Agency (UNHCR)", "UN Children's Fund (UNICEF)",
	"World Health Organization (WHO)", "UN Children's Fund (UNICEF)", "UN Children's Fund (UNICEF)"};
static const char *const districts[] = {"Harim", "Idlib", "Jisr al-Shughur", "Ariha", "Afrin", "Azaz"};

/* The consignments of August 2021: about 1,000 trucks, 10-25 each, one late notice, one emergency, one rejected, one partial, one never acknowledged. */
static void plan(struct aid *a)
{
	int total = 0;
	a->nc = 0;
	while (total < 1000 && a->nc < MAXC) {
		struct cons *c = &a->c[a->nc];
		memset(c, 0, sizeof *c);
		c->trucks = 10 + (int)rnd(a, 16);
		total += c->trucks;
		snprintf(c->id, sizeof c->id, "BAH-2021-%04d", 301 + a->nc);
		for (int t = 0; t < c->trucks; t++) {
			uint32_t r = rnd(a, 100);
			int s = r < 62 ? AID_FOOD : r < 72 ? AID_SHELTER_NFI : r < 81 ? AID_WASH : r < 91 ? AID_HEALTH : r < 95 ? AID_EDUCATION : AID_NUTRITION;
			c->sectors[s]++;
		}
		c->beneficiaries = c->trucks * (1500 + (int)rnd(a, 1000));
		a->nc++;
	}
	int64_t m0 = when(MONTH0);
	for (int k = 0; k < a->nc; k++) {
		struct cons *c = &a->c[k];
		/* crossings spread over the month, from 06:00 on the 1st, on the minute */
		c->cross_by = m0 + 6 * 3600 + ((int64_t)k * 30 * 86400 / a->nc) / 60 * 60;
		c->notice_at = c->cross_by - (60 + (int64_t)rnd(a, 36)) * 3600 - (int64_t)rnd(a, 60) * 60;
		c->confirmed = c->trucks;
	}
	int late = a->nc / 6, urgent = a->nc / 3, rejected = a->nc / 2, partial = a->nc * 2 / 3, unacked = a->nc * 5 / 6;
	a->c[late].late = 1;
	a->c[late].notice_at = a->c[late].cross_by - 30 * 3600; /* 30 h before: the deadline is 48 h */
	a->c[urgent].urgent = 1;
	a->c[urgent].notice_at = a->c[urgent].cross_by - 30 * 3600; /* an emergency: 24 h suffice */
	a->c[rejected].rejected = 1;
	a->c[rejected].confirmed = 0;
	a->c[partial].partial = 1;
	a->c[partial].confirmed = a->c[partial].trucks - 1;
	a->c[unacked].unacked = 1;
	/* the events, in time order */
	a->ne = 0;
	for (int k = 0; k < a->nc; k++) {
		struct cons *c = &a->c[k];
		int64_t loading = c->cross_by - 4 * 3600;
		/* the acknowledgements come 1-10 h after the notice, before the advance-notice deadline when the notice allows */
		int64_t room = c->cross_by - (c->urgent ? 24 : 48) * 3600 - c->notice_at - 3600;
		int64_t ack_in = 3600 + (int64_t)rnd(a, 9 * 60) * 60;
		if (room > 0 && ack_in > room)
			ack_in = room;
		a->e[a->ne++] = (struct ev){c->notice_at, k, EV_NOTICE};
		a->e[a->ne++] = (struct ev){loading + 90 * 60 + 20 * 60, k, EV_INSPECTION};
		if (c->rejected)
			a->e[a->ne++] = (struct ev){loading + 4 * 3600, k, EV_CLOSE};
		else
			a->e[a->ne++] = (struct ev){c->cross_by + (10 + (int64_t)rnd(a, 30)) * 60 + 15 * 60, k, EV_CROSSING};
		if (!c->unacked)
			a->e[a->ne++] = (struct ev){c->notice_at + ack_in, k, EV_ACK_SY};
		a->e[a->ne++] = (struct ev){c->notice_at + 1800 + (int64_t)rnd(a, 60) * 60, k, EV_ACK_TR};
	}
	for (int i = 1; i < a->ne; i++) /* insertion sort: a few hundred events */
		for (int j = i; j > 0 && a->e[j].time < a->e[j - 1].time; j--) {
			struct ev t = a->e[j];
			a->e[j] = a->e[j - 1];
			a->e[j - 1] = t;
		}
}

static char *body_json(struct aid *a, int k, int type, int64_t t)
{
	struct cons *c = &a->c[k];
	char ts[21], ts2[21], buf[64];
	json_t *j = json_object();
	json_object_set_new(j, "profile", json_string("aid-crossing"));
	if (type == 0) {
		int main_s = 0;
		for (int s = 0; s < AID_SECTOR_COUNT; s++)
			if (c->sectors[s] > c->sectors[main_s])
				main_s = s;
		json_object_set_new(j, "type", json_string("consignment"));
		json_object_set_new(j, "shipment_id", json_string(c->id));
		json_object_set_new(j, "sending_agency", json_string(sector_agency[main_s]));
		snprintf(buf, sizeof buf, "Partner NGO %c", 'A' + k % 7);
		json_object_set_new(j, "implementing_partner", json_string(buf));
		json_object_set_new(j, "crossing", json_string("bab-al-hawa"));
		json_object_set_new(j, "transhipment_hub", json_string("Cilvegözü transhipment hub, Reyhanlı, Hatay"));
		syntax_format_time(c->cross_by - 4 * 3600, ts);
		syntax_format_time(c->cross_by, ts2);
		json_object_set_new(j, "planned_loading", json_string(ts));
		json_object_set_new(j, "planned_crossing", json_string(ts2));
		json_t *trucks = json_array(), *items = json_array();
		int n = 0;
		for (int s = 0; s < AID_SECTOR_COUNT; s++) {
			if (!c->sectors[s])
				continue;
			for (int i = 0; i < c->sectors[s]; i++, n++) {
				json_t *tr = json_object();
				snprintf(buf, sizeof buf, "31 BH %03d%02d", k, n);
				json_object_set_new(tr, "plate", json_string(buf));
				json_object_set_new(tr, "sector", json_string(sector_name[s]));
				json_t *seals = json_array();
				snprintf(buf, sizeof buf, "UNMM-2108-%03d%02d", k, n);
				json_array_append_new(seals, json_string(buf));
				json_object_set_new(tr, "seals", seals);
				json_array_append_new(trucks, tr);
			}
			json_t *it = json_object();
			json_object_set_new(it, "sector", json_string(sector_name[s]));
			json_object_set_new(it, "item", json_string(sector_item[s]));
			json_object_set_new(it, "quantity", json_integer(c->sectors[s] * sector_per_truck[s]));
			json_object_set_new(it, "unit", json_string(sector_unit[s]));
			json_object_set_new(it, "weight_kg", json_integer(c->sectors[s] * 18000));
			json_array_append_new(items, it);
		}
		json_object_set_new(j, "trucks", trucks);
		json_object_set_new(j, "items", items);
		json_object_set_new(j, "destination_district", json_string(districts[k % 6]));
		json_object_set_new(j, "beneficiaries", json_integer(c->beneficiaries));
		if (c->urgent)
			json_object_set_new(j, "emergency_reason",
					    json_string("Cholera cases confirmed in camps near the border: water treatment supplies needed within 48 hours."));
	} else if (type == 1) {
		json_object_set_new(j, "type", json_string("inspection"));
		json_object_set_new(j, "result", json_string(c->rejected ? "rejected" : c->partial ? "partial" : "confirmed"));
		syntax_format_time(t - 20 * 60, ts);
		json_object_set_new(j, "inspected_at", json_string(ts));
		json_object_set_new(j, "trucks_confirmed", json_integer(c->confirmed));
		json_object_set_new(j, "seals_verified", json_boolean(!c->rejected));
		if (c->rejected)
			json_object_set_new(j, "reason", json_string("The cargo did not match the notified manifest; two seals were broken."));
		if (c->partial) {
			json_object_set_new(j, "reason", json_string("One truck's load was short of its manifest; it returns to the hub."));
			json_t *nc = json_array();
			snprintf(buf, sizeof buf, "31 BH %03d%02d", k, 0);
			json_array_append_new(nc, json_string(buf));
			json_object_set_new(j, "trucks_not_confirmed", nc);
		}
	} else if (type == 2) {
		json_object_set_new(j, "type", json_string("crossing"));
		syntax_format_time(t - 15 * 60, ts);
		json_object_set_new(j, "crossed_at", json_string(ts));
		json_object_set_new(j, "trucks_crossed", json_integer(c->confirmed));
	} else if (type == EV_ACK_SY || type == EV_ACK_TR) {
		json_object_set_new(j, "type", json_string("ack"));
		json_t *o = json_object();
		if (type == EV_ACK_SY) {
			json_object_set_new(o, "name", json_string("Duty officer, Department of International Organizations"));
			json_object_set_new(o, "position", json_string("Ministry of Foreign Affairs and Expatriates"));
		}
		json_object_set_new(j, "officer", o);
		if (type == EV_ACK_TR) {
			json_object_set_new(o, "name", json_string("Duty officer, Cilvegözü customs directorate"));
			json_object_set_new(o, "position", json_string("Ministry of Trade, customs"));
		}
		snprintf(buf, sizeof buf, type == EV_ACK_SY ? "MOFA/UN/2021/%04d" : "GTB/CLV/2021/%04d", 1000 + k);
		json_object_set_new(j, "reference", json_string(buf));
	} else {
		json_object_set_new(j, "type", json_string("close"));
		json_object_set_new(j, "outcome", json_string("cancelled"));
		json_object_set_new(j, "reason", json_string("Rejected at inspection; the cargo returns to the hub and will be notified again."));
	}
	char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	json_decref(j);
	return s;
}

/* Seals event i with the right key under the charter in force at its time, appends it to the sender's log. */
static int play_event(struct aid *a, int i, size_t counts[EV_TYPES])
{
	const struct ev *ev = &a->e[i];
	struct cons *c = &a->c[ev->cons];
	struct envelope_fields f;
	struct buf note, sealed;
	int from = ev_from[ev->type], rc;
	const struct keyfile *k = from == OCHA && ev->time >= a->t_rotate ? &a->ocha_new : &a->ag[from];
	const struct charter *ch = history_at(&a->h, ev->time);
	memset(&f, 0, sizeof f);
	f.kind = ev_kind[ev->type];
	f.time = ev->time;
	f.urgent = ev->type == EV_NOTICE && c->urgent;
	snprintf(f.case_id, sizeof f.case_id, "un.ocha/%s", c->id);
	if (ev_kind[ev->type] == ENV_ACK) {
		snprintf(f.to[f.nto++], sizeof f.to[0], "un.ocha");
	} else {
		for (int g = 0; g < NA; g++)
			if (g != from)
				snprintf(f.to[f.nto++], sizeof f.to[0], "%s", agency_id[g]);
	}
	if (ev->type) {
		f.has_ref = 1;
		snprintf(f.ref.origin, sizeof f.ref.origin, "%s", a->node[0].sign.name);
		f.ref.index = c->index;
		memcpy(f.ref.leaf, c->leaf, sizeof f.ref.leaf);
	}
	char *body = body_json(a, ev->cons, ev->type, ev->time);
	if (!body)
		return err_set(ERR_NOMEM, "out of memory");
	buf_init(&note, ENVELOPE_MAX_SIZE);
	buf_init(&sealed, 1u << 20);
	int p = from == MOFA ? 1 : from == CUSTOMS ? 2 : 0;
	uint64_t index;
	if ((rc = seal_envelope(ch, k, &f, (const uint8_t *)body, strlen(body), &note, &sealed)) ||
	    (rc = append(a, p, note.data, note.len, ev->time, &index)))
		goto out;
	uint8_t h[32];
	sha256(sealed.data, sealed.len, h);
	if ((rc = bodies_put(a->bodies[p], h, sealed.data, sealed.len)))
		goto out;
	if (ev->type == EV_NOTICE) {
		c->index = index;
		merkle_leaf_hash(note.data, note.len, c->leaf);
	}
	counts[ev->type]++;
out:
	if (rc)
		err_wrap(rc, "%s of consignment %s", ev_name[ev->type], c->id);
	free(body);
	buf_release(&note);
	buf_release(&sealed);
	return rc;
}

/* Records amendment note in every party's log at time t. */
static int record_amendment(struct aid *a, const struct buf *note, int64_t t)
{
	int rc = 0;
	for (int p = 0; p < NP && !rc; p++)
		rc = append(a, p, note->data, note->len, t, NULL);
	return rc;
}

static int simulate(struct aid *a)
{
	char vk[600], rcpt[AGE_RECIPIENT_TEXT_MAX], line[1024], t[21];
	struct buf am1, am2;
	size_t counts[EV_TYPES] = {0};
	int rc;
	buf_init(&am1, AMENDMENT_MAX_SIZE);
	buf_init(&am2, AMENDMENT_MAX_SIZE);
	a->t_rotate = when(ROTATE);
	a->t_renew = when(RENEW);
	plan(a);
	int trucks = 0;
	for (int k = 0; k < a->nc; k++)
		trucks += a->c[k].trucks;
	step("the month", "August 2021 at Bab al-Hawa: %d consignments, %d trucks (10-25 each), simulated", a->nc, trucks);
	printf("  planned: %d late notice, %d emergency, %d rejected at inspection, %d partly confirmed, %d never acknowledged\n", 1, 1, 1, 1, 1);

	/* amendment 1, drafted and signed before the month's traffic is played (it is posted on the 13th) */
	struct age_recipient r;
	vkey(&a->ocha_new.sign, NOTE_ED25519, vk, sizeof vk);
	if ((rc = age_recipient_from_identity(&r, &a->ocha_new.age)) || (rc = age_recipient_encode(&r, rcpt)))
		goto out;
	snprintf(line, sizeof line, "agency: un.ocha %s %s", vk, rcpt);
	if ((rc = amend(a, a->t_rotate, "un.ocha's signing key rotated: a duty officer's laptop holding it was lost on 2021-08-12",
			"agency: un.ocha ", line, &am1))) {
		err_wrap(rc, "amendment 1");
		goto out;
	}
	int recorded1 = 0;
	int64_t posted1 = when(ROTATE_POSTED);
	for (int i = 0; i < a->ne; i++) {
		if (!recorded1 && a->e[i].time >= posted1) {
			if ((rc = record_amendment(a, &am1, posted1)))
				goto out;
			recorded1 = 1;
			syntax_format_time(a->t_rotate, t);
			printf("  2021-08-13: amendment 1 (un.ocha's key rotated, in force from %s), signed by un, sy and tr's node keys,\n"
			       "    given to every node before it takes effect and recorded in all three logs\n", t);
		}
		if ((rc = play_event(a, i, counts)))
			goto out;
	}
	if (!recorded1) {
		rc = err_set(ERR_VERIFY, "the month's traffic ended before amendment 1 was posted");
		goto out;
	}
	size_t sizes[NP];
	for (int p = 0; p < NP; p++)
		sizes[p] = tlog_size(a->log[p][0]);
	printf("  %zu notices, %zu inspections, %zu crossings, %zu acknowledgements by sy.mofa and %zu by tr.customs, %zu close;\n"
	       "  each sealed to its recipients (age) and signed by its agency, un.ocha's by its first key before the 16th\n"
	       "  and by its new one after; logs: un %zu entries, sy %zu, tr %zu, each checkpoint cosigned by the other two\n"
	       "  nodes and the witnesses us and ru 20-60 s after it\n",
	       counts[EV_NOTICE], counts[EV_INSPECTION], counts[EV_CROSSING], counts[EV_ACK_SY], counts[EV_ACK_TR], counts[EV_CLOSE],
	       sizes[0], sizes[1], sizes[2]);

	step("renewal", "the Security Council extends the mandate by six months: amendment 2 (term to %s)", TERM2);
	snprintf(line, sizeof line, "term: %s %s", TERM0, TERM2);
	if ((rc = amend(a, a->t_renew, "mandate extended by six months after the Secretary-General's report (resolution 2585, para. 2)",
			"term: ", line, &am2))) {
		err_wrap(rc, "amendment 2");
		goto out;
	}
	if ((rc = record_amendment(a, &am2, when(RENEW_POSTED))))
		goto out;
	printf("  posted 2022-01-05, in force from %.10s, recorded in all three logs\n", RENEW);
	/* the amendments beside the logs, as nodes and `parley fetch` keep them */
	char path[PATH_MAX];
	for (int p = 0; p < NP && !rc; p++) {
		pathf(path, sizeof path, a, "nodes/%s", party_id[p]);
		if (!(rc = history_save_dir(&a->h, path))) {
			pathf(path, sizeof path, a, "nodes/%s/amendments/.recorded", party_id[p]);
			rc = file_write_atomic(path, "2\n", 2, 0644, 0);
		}
	}
	pathf(path, sizeof path, a, "archive");
	if (rc || (rc = history_save_dir(&a->h, path)))
		goto out;
	/* after the term, the witnesses' heartbeat: the logs seen idle at their size (the period's closing checkpoints) */
	for (int p = 0; p < NP && !rc; p++)
		rc = cosign(a, p, when(CLOSED), 1);
	printf("  %s: the witnesses' heartbeat sees each log idle at its size after the term (the report's closing checkpoints)\n",
	       CLOSED);
out:
	for (int p = 0; p < NP; p++) {
		for (int k = 0; k < 2; k++)
			if (a->log[p][k]) {
				tlog_close(a->log[p][k]);
				a->log[p][k] = NULL;
			}
		if (a->bodies[p]) {
			if (!rc)
				rc = bodies_flush(a->bodies[p]);
			bodies_close(a->bodies[p]);
			a->bodies[p] = NULL;
		}
	}
	buf_release(&am1);
	buf_release(&am2);
	return rc;
}

/* ---------------------------------------------------------------- today, live */

/* Starts service i: a party's node (i < NP) or a neutral witness (demo_service.c). */
static int spawn(struct aid *a, int i)
{
	char dir[PATH_MAX];
	if (i < NP)
		pathf(dir, sizeof dir, a, "nodes/%s", party_id[i]);
	else
		pathf(dir, sizeof dir, a, "witnesses/%s", witness_id[i - NP]);
	int rc = demo_service_start(i < NP, dir, a->port[i], WAIT_S, &a->pid[i]);
	if (!rc)
		printf("  %-4s %-7s http://127.0.0.1:%u  (pid %d)\n", i < NP ? party_id[i] : witness_id[i - NP],
		       i < NP ? "node" : "witness", a->port[i], (int)a->pid[i]);
	return rc;
}

/* The size of party p's log that service s last cosigned (GET /checkpoints/<id>), or 0. */
static uint64_t witnessed(const struct aid *a, int s, int p)
{
	uint8_t h[32];
	char url[200], hex[65];
	const char *origin = a->node[p].sign.name;
	sha256(origin, strlen(origin), h);
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", h[i]);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/checkpoints/%s", a->port[s], hex);
	struct buf b;
	long status = 0;
	uint64_t size = 0;
	buf_init(&b, 1u << 16);
	if (client_get(url, &b, &status, 5) == 0 && status == 200 && buf_append(&b, "", 1) == 0) {
		const char *nl = strchr((const char *)b.data, '\n');
		if (nl)
			size = strtoull(nl + 1, NULL, 10);
	}
	buf_release(&b);
	return size;
}

static int live(struct aid *a, size_t hist[NP])
{
	char path[PATH_MAX], key[PATH_MAX], charter[PATH_MAX], url[64];
	int rc;
	pathf(charter, sizeof charter, a, "charter");
	for (int w = 0; w < NW; w++) {
		char file[64];
		pathf(path, sizeof path, a, "witnesses/%s", witness_id[w]);
		snprintf(file, sizeof file, "keys/witness-%s.key", witness_id[w]);
		pathf(key, sizeof key, a, "%s", file);
		if ((rc = witness_server_init(path, charter, key)))
			return rc;
	}
	step("live", "today: the three nodes and the two witnesses start on that history (loopback)");
	for (int i = 0; i < NSVC; i++)
		if ((rc = spawn(a, i)))
			return rc;
	step("sync", "each node mirrors the other parties' logs over HTTP, fetches the bodies addressed to its agencies, and witnesses them");
	for (int p = 0; p < NP; p++)
		for (int s = 0; s < NSVC; s++) {
			if (s == p)
				continue;
			int tries = 0;
			while (witnessed(a, s, p) < hist[p] && tries++ < WAIT_S * 4)
				usleep(250000);
			uint64_t n = witnessed(a, s, p);
			if (n < hist[p])
				return err_set(ERR_VERIFY, "%s %s has not witnessed %s's log at size %zu (it has %" PRIu64 "); see its service.log",
					       s < NP ? party_id[s] : witness_id[s - NP], s < NP ? "node" : "witness", party_id[p], hist[p], n);
		}
	printf("  every node and witness has mirrored and cosigned every other party's log (un %zu, sy %zu, tr %zu entries and more:\n"
	       "  the nodes record today the deliveries they see, as 'received' entries)\n", hist[0], hist[1], hist[2]);

	step("rotation", "someone holding un.ocha's retired key (the lost laptop) notifies a consignment today");
	struct officer o;
	snprintf(url, sizeof url, "http://127.0.0.1:%u", a->port[0]);
	pathf(key, sizeof key, a, "keys/un.ocha.new.key");
	if ((rc = officer_open(&o, key, url)))
		return err_wrap(rc, "officer (un.ocha, new key)");
	struct envelope_fields f;
	struct buf note, sealed;
	buf_init(&note, ENVELOPE_MAX_SIZE);
	buf_init(&sealed, 1u << 20);
	memset(&f, 0, sizeof f);
	f.kind = ENV_NOTICE;
	f.time = (int64_t)time(NULL);
	snprintf(f.case_id, sizeof f.case_id, "un.ocha/BAH-2026-9001");
	snprintf(f.to[f.nto++], sizeof f.to[0], "sy.mofa");
	snprintf(f.to[f.nto++], sizeof f.to[0], "un.unmm");
	snprintf(f.to[f.nto++], sizeof f.to[0], "tr.customs");
	/* today's consignment: the first one's cargo again, crossing in three days (a spare slot of a->c) */
	int k = a->nc < MAXC ? a->nc : MAXC - 1;
	a->c[k] = a->c[0];
	snprintf(a->c[k].id, sizeof a->c[k].id, "BAH-2026-9001");
	a->c[k].cross_by = f.time + 72 * 3600;
	char *body = body_json(a, k, EV_NOTICE, f.time);
	struct officer_pos pos;
	/* sealed as the founding charter allowed (the old key was un.ocha's then), dated now */
	if (!body) {
		rc = err_set(ERR_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = seal_envelope(&a->founding, &a->ag[OCHA], &f, (const uint8_t *)body, strlen(body), &note, &sealed)))
		goto out;
	printf("  $ parley envelope seal --key keys/un.ocha.key --charter charter --kind notice ...   (dated now, signed by the retired key)\n"
	       "  $ curl --data-binary @submission %s/submit\n", url);
	rc = officer_submit(&o, note.data, note.len, sealed.data, sealed.len, &pos);
	if (!rc) {
		rc = err_set(ERR_VERIFY, "the UN's node accepted an envelope signed by un.ocha's retired key (%s/%" PRIu64 ")", pos.party,
			     pos.index);
		goto out;
	}
	printf("  REFUSED by the UN's node, as it must be: %s\n", err_msg());
	rc = 0;
	step("rotation", "the same notice signed by un.ocha's new key is accepted and delivered");
	struct officer_msg m;
	memset(&m, 0, sizeof m);
	m.kind = ENV_NOTICE;
	m.case_id = "un.ocha/BAH-2026-9001";
	officer_msg_add_to(&m, "sy.mofa");
	officer_msg_add_to(&m, "un.unmm");
	officer_msg_add_to(&m, "tr.customs");
	m.body = (const uint8_t *)body;
	m.body_len = strlen(body);
	printf("  $ parley send notice --key keys/un.ocha.new.key --node UN --case un.ocha/BAH-2026-9001 --to sy.mofa un.unmm tr.customs --body consignment.json\n");
	if ((rc = officer_send(&o, &m, &pos)) || (rc = officer_wait_delivered(&o, m.case_id, &pos, WAIT_S)))
		goto out;
	printf("  in the log at %s/%" PRIu64 ", deemed delivered: sy's and tr's nodes cosigned a checkpoint covering it\n", pos.party,
	       pos.index);

	step("audit", "the live logs extend the archive the report is made from (no log shows two histories)");
	{
		char a0[PATH_MAX], a1[PATH_MAX], a2[PATH_MAX], out[PATH_MAX];
		pathf(a0, sizeof a0, a, "archive/logs/un");
		pathf(a1, sizeof a1, a, "archive/logs/sy");
		pathf(a2, sizeof a2, a, "archive/logs/tr");
		pathf(out, sizeof out, a, "audit");
		if ((rc = mkdir_p(out, 0755)))
			goto out;
		char *argv[] = {"audit", "--charter", charter, "--out", out, a0, a1, a2, NULL};
		show_cmd(a, argv);
		pathf(path, sizeof path, a, "audit/output");
		int x = run_self(path, NULL, argv);
		if (x != 0) {
			rc = err_set(ERR_VERIFY, "parley audit exited %d; see %s", x, path);
			goto out;
		}
		printf("  no fork: every node, witness and the archive show one history of each log (%s)\n", path);
	}
out:
	free(body);
	buf_release(&note);
	buf_release(&sealed);
	officer_release(&o);
	return rc;
}

/* ---------------------------------------------------------------- the report */

/* What anyone can count from the logs without opening a body: the aid lines (docs/profile-aid-crossing.md). */
struct tally {
	size_t cons, trucks, benef, sect[AID_SECTOR_COUNT], late, insp[AID_RESULT_COUNT], crossed, acks_sy, acks_tr;
	size_t amendments, unacked;
	char late_case[SYNTAX_CASE_MAX + 1], rejected_case[SYNTAX_CASE_MAX + 1], unacked_case[SYNTAX_CASE_MAX + 1];
};

static int tally(struct aid *a, struct tally *y)
{
	char path[PATH_MAX];
	/* the cases notified, and whether sy.mofa acknowledged them */
	char (*cases)[SYNTAX_CASE_MAX + 1] = calloc(MAXE, sizeof *cases);
	int *acked = calloc(MAXE, sizeof *acked);
	size_t ncases = 0;
	int rc = 0;
	memset(y, 0, sizeof *y);
	if (!cases || !acked) {
		free(cases);
		free(acked);
		return err_set(ERR_NOMEM, "out of memory");
	}
	for (int p = 0; p < NP && !rc; p++) {
		struct tlog *tl;
		pathf(path, sizeof path, a, "archive/logs/%s", party_id[p]);
		if ((rc = tlog_open(&tl, path, NULL)))
			break;
		struct buf b;
		buf_init(&b, ENVELOPE_MAX_SIZE);
		for (uint64_t i = 0; i < tlog_size(tl) && !rc; i++) {
			struct envelope e;
			if ((rc = tlog_read_entry(tl, i, &b)))
				break;
			if (amendment_is(b.data, b.len)) {
				y->amendments += p == 0;
				continue;
			}
			if ((rc = envelope_parse(&e, b.data, b.len)))
				break;
			const struct envelope_aid *x = &e.f.aid;
			if (x->type == ENV_AID_CONSIGNMENT) {
				y->cons++;
				y->trucks += x->trucks;
				y->benef += x->beneficiaries;
				for (int s = 0; s < AID_SECTOR_COUNT; s++)
					y->sect[s] += x->sector_trucks[s];
				if (e.f.time + (e.f.urgent ? 24 : 48) * 3600 > x->time) {
					y->late++;
					snprintf(y->late_case, sizeof y->late_case, "%s", e.f.case_id);
				}
				if (ncases < MAXE)
					snprintf(cases[ncases++], sizeof cases[0], "%s", e.f.case_id);
			} else if (x->type == ENV_AID_INSPECTION) {
				y->insp[x->result]++;
				if (x->result == AID_REJECTED)
					snprintf(y->rejected_case, sizeof y->rejected_case, "%s", e.f.case_id);
			} else if (x->type == ENV_AID_CROSSING) {
				y->crossed += x->trucks;
			} else if (e.f.kind == ENV_ACK && !strcmp(e.f.from, "tr.customs")) {
				y->acks_tr++;
			} else if (e.f.kind == ENV_ACK && !strcmp(e.f.from, "sy.mofa")) {
				y->acks_sy++;
				for (size_t c = 0; c < ncases; c++)
					if (!strcmp(cases[c], e.f.case_id))
						acked[c] = 1;
			}
			envelope_release(&e);
		}
		buf_release(&b);
		tlog_close(tl);
	}
	for (size_t c = 0; c < ncases; c++)
		if (!acked[c]) {
			y->unacked++;
			snprintf(y->unacked_case, sizeof y->unacked_case, "%s", cases[c]);
		}
	if (!rc) {
		printf("  from the envelopes' public aid lines alone (no body opened):\n"
		       "  consignments %zu, trucks %zu, beneficiaries %zu; trucks by sector:", y->cons, y->trucks, y->benef);
		for (int s = 0; s < AID_SECTOR_COUNT; s++)
			printf(" %s %zu", sector_name[s], y->sect[s]);
		printf("\n  notices late (sent less than 48 h, emergencies 24 h, before crossing): %zu (%s)\n", y->late, y->late_case);
		printf("  inspections: %zu confirmed, %zu partial, %zu rejected (%s); trucks crossed %zu\n", y->insp[AID_CONFIRMED],
		       y->insp[AID_PARTIAL], y->insp[AID_REJECTED], y->rejected_case, y->crossed);
		printf("  acknowledgements: %zu by sy.mofa, %zu by tr.customs; never acknowledged by sy.mofa: %zu (%s)\n", y->acks_sy,
		       y->acks_tr, y->unacked, y->unacked_case);
		printf("  amendments recorded in the logs: %zu\n", y->amendments);
	}
	free(cases);
	free(acked);
	return rc;
}

static json_int_t jint(json_t *j, const char *path)
{
	char key[64];
	while (j && *path) {
		size_t n = strcspn(path, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, path);
		j = json_object_get(j, key);
		path += n + (path[n] == '.');
	}
	return json_is_integer(j) ? json_integer_value(j) : -1;
}

/*
 * The mandate report's headline figures, and each compared with the count made from the aid lines above (two
 * computations, one in src/report, one here): ERR_VERIFY naming the first that differs.
 */
static int mandate_headline(json_t *j, const struct tally *y)
{
	json_t *t = json_object_get(j, "total"), *v;
	size_t i;
	printf("  term %s to %s; consignments %" JSON_INTEGER_FORMAT "; trucks notified %" JSON_INTEGER_FORMAT
	       ", confirmed %" JSON_INTEGER_FORMAT ", crossed %" JSON_INTEGER_FORMAT "; beneficiaries %" JSON_INTEGER_FORMAT "\n",
	       json_string_value(json_object_get(json_object_get(j, "term"), "start")),
	       json_string_value(json_object_get(json_object_get(j, "term"), "end")), jint(t, "consignments"),
	       jint(t, "trucks.notified"), jint(t, "trucks.confirmed"), jint(t, "trucks.crossed"), jint(t, "beneficiaries"));
	printf("  notices on time %" JSON_INTEGER_FORMAT ", late %" JSON_INTEGER_FORMAT "; inspections confirmed %" JSON_INTEGER_FORMAT
	       ", partial %" JSON_INTEGER_FORMAT ", rejected %" JSON_INTEGER_FORMAT "\n",
	       jint(t, "notices.on_time"), jint(t, "notices.late"), jint(t, "inspections.confirmed"), jint(t, "inspections.partial"),
	       jint(t, "inspections.rejected"));
	json_int_t sy_missing = -1;
	json_array_foreach(json_object_get(j, "acknowledgements_by_party"), i, v) {
		const char *p = json_string_value(json_object_get(v, "party"));
		printf("  acknowledgements by %s: on time %" JSON_INTEGER_FORMAT ", late %" JSON_INTEGER_FORMAT ", missing %" JSON_INTEGER_FORMAT
		       ", pending %" JSON_INTEGER_FORMAT "\n", p ? p : "?", jint(v, "on_time"), jint(v, "late"), jint(v, "missing"),
		       jint(v, "pending"));
		if (p && !strcmp(p, "sy"))
			sy_missing = jint(v, "missing");
	}
	struct {
		const char *what;
		json_int_t report;
		size_t logs;
	} cmp[] = {
		{"consignments", jint(t, "consignments"), y->cons},
		{"trucks notified", jint(t, "trucks.notified"), y->trucks},
		{"trucks crossed", jint(t, "trucks.crossed"), y->crossed},
		{"beneficiaries", jint(t, "beneficiaries"), y->benef},
		{"late notices", jint(t, "notices.late"), y->late},
		{"rejected inspections", jint(t, "inspections.rejected"), y->insp[AID_REJECTED]},
		{"consignments sy never acknowledged", sy_missing, y->unacked},
	};
	for (size_t k = 0; k < sizeof cmp / sizeof cmp[0]; k++)
		if (cmp[k].report < 0 || (size_t)cmp[k].report != cmp[k].logs)
			return err_set(ERR_VERIFY, "the mandate report's %s (%" JSON_INTEGER_FORMAT ") differ from the logs' aid lines (%zu)",
				       cmp[k].what, cmp[k].report, cmp[k].logs);
	printf("  the same figures as counted above from the aid lines\n");
	return 0;
}

/* The mandate report's headline figures in report.json, each checked against the count y made from the aid lines. */
static int headline(const char *path, const struct tally *y)
{
	json_error_t je;
	json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!j)
		return err_set(ERR_FORMAT, "%s: %s", path, je.text);
	const char *kind = json_string_value(json_object_get(j, "report"));
	int rc = kind && !strcmp(kind, "parley mandate report v1") ? mandate_headline(j, y)
								   : err_set(ERR_VERIFY, "%s is not a mandate report", path);
	json_decref(j);
	return rc;
}

static int report(struct aid *a)
{
	char arch[PATH_MAX], charter[PATH_MAX], out[PATH_MAX], err[PATH_MAX], bundle[PATH_MAX];
	int x;
	pathf(arch, sizeof arch, a, "archive");
	pathf(charter, sizeof charter, a, "charter");
	step("history", "the charter in force, and what each amendment changed");
	{
		char a1[PATH_MAX], a2[PATH_MAX];
		pathf(a1, sizeof a1, a, "archive/amendments/0001");
		pathf(a2, sizeof a2, a, "archive/amendments/0002");
		char *argv[] = {"charter", "show", charter, a1, a2, "--history", NULL};
		show_cmd(a, argv);
		pathf(out, sizeof out, a, "history.txt");
		if ((x = run_self(out, NULL, argv)) != 0)
			return err_set(ERR_VERIFY, "parley charter show --history exited %d", x);
		printf("  (in %s)\n", out);
	}
	step("entries", "every entry of the term judged under the charter in force at its time");
	{
		char *argv[] = {"entries", arch, "--json", NULL};
		show_cmd(a, argv);
		pathf(out, sizeof out, a, "entries.json");
		if ((x = run_self(out, NULL, argv)) != 0)
			return err_set(ERR_VERIFY, "parley entries exited %d", x);
		json_error_t je;
		json_t *j = json_load_file(out, 0, &je), *e;
		size_t i, valid = 0, invalid = 0, amendments = 0;
		json_array_foreach(j, i, e) {
			const char *why = json_string_value(json_object_get(e, "reason"));
			if (json_is_true(json_object_get(e, "valid")))
				valid++;
			else if (why && strstr(why, "a charter amendment"))
				amendments++;
			else
				invalid++;
		}
		json_decref(j);
		if (!j || invalid)
			return err_set(ERR_VERIFY, "%zu entries of the term are judged invalid (see %s)", invalid, out);
		printf("  %zu envelopes valid, none invalid (and %zu amendment entries): un.ocha's before the rotation by its first key,\n"
		       "  after it by its new one\n", valid, amendments);
	}
	step("figures", "the public figures of the month");
	struct tally y;
	int rc = tally(a, &y);
	if (rc)
		return rc;

	step("report", "the implementation report over the term (%s to %s)", TERM0, TERM2);
	pathf(out, sizeof out, a, "report.json");
	pathf(err, sizeof err, a, "report.err");
	pathf(bundle, sizeof bundle, a, "bundle");
	{
		char *argv[] = {"report", arch, "--mandate", "--json", NULL};
		show_cmd(a, argv);
		if ((x = run_self(out, err, argv)) != 0)
			return err_set(ERR_VERIFY, "parley report exited %d; see %s", x, err);
	}
	if ((rc = headline(out, &y)))
		return rc;
	step("bundle", "the report with everything needed to recompute it offline");
	{
		char *argv[] = {"report", arch, "--mandate", "--bundle", bundle, NULL};
		show_cmd(a, argv);
		pathf(out, sizeof out, a, "report.txt");
		if ((x = run_self(out, err, argv)) != 0)
			return err_set(ERR_VERIFY, "parley report --bundle exited %d; see %s", x, err);
		printf("  %s/ (the report as text in %s)\n", bundle, out);
	}
	step("verify", "anyone with the founding charter re-checks the bundle, with public keys only");
	{
		char *argv[] = {"report", "verify", bundle, "--charter", charter, NULL};
		show_cmd(a, argv);
		if ((x = run_self(NULL, NULL, argv)) != 0)
			return err_set(ERR_VERIFY, "parley report verify exited %d", x);
	}
	return 0;
}

/* ---------------------------------------------------------------- the command */

int demo_aid(const char *dir, int exit_after)
{
	struct aid *a = calloc(1, sizeof *a);
	int rc;
	if (!a)
		return cli_fail("demo", err_set(ERR_NOMEM, "out of memory"));
	if (strlen(dir) >= sizeof a->dir) {
		free(a);
		return cli_usage("demo", "--dir path too long");
	}
	snprintf(a->dir, sizeof a->dir, "%s", dir);
	a->rng = 0x2585202107100001ull;
	struct sigaction sa = {.sa_handler = on_signal};
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("parley demo --scenario aid: UN cross-border aid through Bab al-Hawa. The term (2021-22) is SIMULATED:\n"
	       "its envelopes are sealed and logged by parley's own code with the dates they would have had, and the\n"
	       "cosignatures other nodes and witnesses would have made are made with their keys at those dates.\n"
	       "Then the nodes and witnesses run LIVE, today, on that history. See docs/demo.md.\n");
	step("channel", "keys, and a charter for un (un.ocha, un.unmm), sy (sy.mofa), tr (tr.customs), witnesses us and ru");
	if ((rc = mkdir_p(dir, 0755)) || (rc = client_global_init()))
		goto out;
	for (int i = 0; i < NSVC; i++)
		if ((rc = cli_free_port(&a->port[i])))
			goto out;
	if ((rc = make_channel(a)))
		goto out;
	printf("  %s/charter: signed by un, sy and tr's node keys; profile aid-crossing; advance notice 48h (emergencies 24h);\n"
	       "  term %s to %s (six months), reporting period 30 days\n", dir, TERM0, TERM1);
	step("logs", "each party's node directory and the auditor's archive (parley fetch layout)");
	if ((rc = open_logs(a)))
		goto out;
	printf("  %s/nodes/{un,sy,tr}/ and %s/archive/\n", dir, dir);
	if ((rc = simulate(a)))
		goto out;
	size_t hist[NP];
	for (int p = 0; p < NP; p++) {
		char path[PATH_MAX];
		struct tlog *t;
		pathf(path, sizeof path, a, "archive/logs/%s", party_id[p]);
		if ((rc = tlog_open(&t, path, NULL)))
			goto out;
		hist[p] = tlog_size(t);
		tlog_close(t);
	}
	if ((rc = live(a, hist)))
		goto out;
	if ((rc = report(a)))
		goto out;
	printf("\ndemo ok\n");
	if (!exit_after) {
		printf("\nThe services keep running (Ctrl-C stops them): un http://127.0.0.1:%u, sy http://127.0.0.1:%u, tr http://127.0.0.1:%u\n",
		       a->port[0], a->port[1], a->port[2]);
		while (!got_signal)
			pause();
	}
out:
	demo_service_stop_all(a->pid, NSVC);
	{ /* every release is safe on the zeroed keys of a failed set-up */
		for (int i = 0; i < NP; i++) {
			keyfile_release(&a->node[i]);
			note_signer_release(&a->cos[i]);
		}
		for (int i = 0; i < NA; i++)
			keyfile_release(&a->ag[i]);
		for (int i = 0; i < NW; i++) {
			keyfile_release(&a->wit[i]);
			note_signer_release(&a->wcos[i]);
		}
		keyfile_release(&a->ocha_new);
	}
	if (a->have_h)
		history_release(&a->h);
	if (a->have_founding)
		charter_release(&a->founding);
	free(a);
	if (rc) {
		fprintf(stderr, "parley demo: step '%s' failed: %s\n", cur_step, err_msg());
		return err_exit_code(rc);
	}
	return 0;
}
