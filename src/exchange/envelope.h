/*
 * envelope — one log entry of the exchange: a signed note of "key: value"
 * lines (grammar in docs/formats.md):
 *
 *   parley envelope v1
 *   channel: <charter id, 64 hex>
 *   from: us.fbi                       (a party id for kind 'received')
 *   to: ru.fsb ru.gp
 *   case: us.fbi/2021-0007
 *   kind: request
 *   time: 2021-07-09T15:04:05Z
 *   ref: <log origin> <index> <leaf hash, base64>   (optional or required by kind)
 *   body: <sha256 of the age file, hex> <size>      (required, optional or absent by kind)
 *   handling: TLP:AMBER H2                          (optional)
 *   priority: urgent                                (optional; request and notice)
 *   aid: consignment crossing=bab-al-hawa cross-by=2021-07-12T06:00:00Z trucks=14
 *        sectors=food:10,health:4 beneficiaries=28000   (optional, one line; below)
 *
 * Keys appear in this order, each at most once, with no trailing space. The
 * 'from' agency signs it with its key; a 'statement' carries the signature of
 * every agency it names; a 'received' is signed by the node key of the party
 * in 'from'. Envelopes are at most 65,535 bytes (one tlog-tiles entry).
 */
#ifndef PARLEY_ENVELOPE_H
#define PARLEY_ENVELOPE_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "exchange/charter.h"

#include <stdint.h>

#define ENVELOPE_MAX_SIZE 65535
#define ENVELOPE_MAX_TO 32
#define ENVELOPE_BODY_MAX (64u << 20)   /* largest sealed body, bytes */
#define ENVELOPE_FIRST_LINE "parley envelope v1"

/*
 * The aid line (docs/formats.md, docs/profile-aid-crossing.md): the figures of
 * an aid-crossing consignment, inspection or crossing that a UN implementation
 * report publishes, signed in the envelope so that anyone holding the log can
 * count them without opening a body. Space-separated tokens in this order,
 * each once, numbers in decimal without leading zeros:
 *
 *   aid: consignment crossing=<[a-z0-9-]{1,32}> cross-by=<time> trucks=<1-1000>
 *        sectors=<sector>:<n>[,<sector>:<n>...] beneficiaries=<1-100000000>
 *   aid: inspection result=confirmed|partial|rejected trucks=<0-1000>
 *   aid: crossing crossed=<time> trucks=<1-1000>
 *
 * Sectors appear in the order of envelope_aid_sector_name (food, shelter-nfi,
 * wash, health, education, nutrition), each at most once, each with 1 or more
 * trucks, summing to trucks. An inspection's trucks are those confirmed: 0
 * exactly when rejected. A consignment goes only in a notice, an inspection
 * or a crossing only in an update. Whether the body agrees with the line is
 * profile_aid_check_figures (profile.h); the parser checks the line alone.
 */
#define ENVELOPE_AID_TRUCKS_MAX 1000
#define ENVELOPE_AID_BENEFICIARIES_MAX 100000000u
#define ENVELOPE_AID_CROSSING_MAX 32

enum envelope_aid_type { ENV_AID_NONE, ENV_AID_CONSIGNMENT, ENV_AID_INSPECTION, ENV_AID_CROSSING };
enum envelope_aid_sector {
	AID_FOOD, AID_SHELTER_NFI, AID_WASH, AID_HEALTH, AID_EDUCATION, AID_NUTRITION, AID_SECTOR_COUNT
};
enum envelope_aid_result { AID_CONFIRMED, AID_PARTIAL, AID_REJECTED, AID_RESULT_COUNT };

/* "food", ... in canonical order, or NULL; and the sector named s[0..n), or -1. */
const char *envelope_aid_sector_name(enum envelope_aid_sector s);
int envelope_aid_sector_parse(const char *s, size_t n);
/* "confirmed", "partial", "rejected", or NULL. */
const char *envelope_aid_result_name(enum envelope_aid_result r);

struct envelope_aid;
/*
 * Appends the line "aid: ...\n" for a (type not ENV_AID_NONE). It checks
 * only what it needs to write; envelope_format checks the line it writes
 * with the parser. ERR_FORMAT for an unknown type or result.
 */
int envelope_aid_format(const struct envelope_aid *a, struct buf *out);
/*
 * Parses the value of an aid line (what follows "aid: ", without the
 * newline) as envelope_parse does: 0, or ERR_FORMAT naming what is wrong.
 * For the index, which stores the line (docs/cases.md "The index").
 */
int envelope_aid_parse(const char *v, size_t n, struct envelope_aid *a);

struct envelope_aid {
	enum envelope_aid_type type;    /* ENV_AID_NONE: no aid line */
	char crossing[ENVELOPE_AID_CROSSING_MAX + 1]; /* consignment */
	int64_t time;                   /* consignment: cross-by; crossing: crossed */
	uint32_t trucks;                /* all three */
	uint32_t sector_trucks[AID_SECTOR_COUNT]; /* consignment; 0: sector absent */
	uint32_t beneficiaries;         /* consignment */
	enum envelope_aid_result result; /* inspection */
};

enum envelope_kind {
	ENV_NOTICE, ENV_REQUEST, ENV_ACK, ENV_ANSWER, ENV_DECLINE, ENV_UPDATE, ENV_CLOSE, ENV_RECEIVED, ENV_STATEMENT,
	ENV_KIND_COUNT
};

/* The kind's name ("request"), or NULL. */
const char *envelope_kind_name(enum envelope_kind k);
/* The kind named s[0..n), or -1. */
int envelope_kind_parse(const char *s, size_t n);

struct envelope_ref {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t index;
	merkle_hash leaf;
};

/* The fields of an envelope; what envelope_format writes and envelope_parse fills. */
struct envelope_fields {
	char channel[65];
	char from[SYNTAX_AGENCY_MAX + 1];
	char to[ENVELOPE_MAX_TO][SYNTAX_AGENCY_MAX + 1];
	size_t nto;
	char case_id[SYNTAX_CASE_MAX + 1];
	enum envelope_kind kind;
	int64_t time;
	int has_ref;
	struct envelope_ref ref;
	int has_body;
	uint8_t body_hash[32];
	uint64_t body_size;
	char handling[64];       /* "" if absent */
	int urgent;
	struct envelope_aid aid; /* aid.type ENV_AID_NONE if absent */
};

struct envelope {
	struct envelope_fields f;
	struct note note;        /* the parsed signed note */
};

/*
 * The envelope's identity (DESIGN.md principle 6): SHA-256 of its signed text
 * (the note text, first line through the newline before the blank line), so
 * copies that differ only in their signature lines have the same identity.
 * Replays are recognised by it; refs still name leaf hashes (tlog format).
 */
void envelope_id(const struct envelope *e, uint8_t id[32]);

/*
 * The same for raw entry bytes that are a signed note (not necessarily a
 * valid envelope). ERR_FORMAT (or ERR_LIMIT) if they are not a signed note.
 */
int envelope_identity(const uint8_t *data, size_t len, uint8_t id[32]);

/* Writes the envelope text (without signatures) for f, checking each field's syntax. */
int envelope_format(const struct envelope_fields *f, struct buf *out);

/* Parses a signed envelope strictly (syntax only). Release with envelope_release. */
int envelope_parse(struct envelope *e, const uint8_t *data, size_t len);
void envelope_release(struct envelope *e);

/*
 * The layout of the signature lines (docs/formats.md): no key name twice, and
 * a statement's signatures in the order it names its agencies ('from', then
 * 'to'). ERR_FORMAT naming the line otherwise. Part of envelope_verify; a
 * statement still being co-signed passes it.
 */
int envelope_check_layout(const struct envelope *e);

/*
 * Checks the envelope against the charter: channel, membership of every
 * agency named, the kind's rules, an aid line only if the charter enables
 * the aid-crossing profile, the layout of the signature lines
 * (envelope_check_layout), and the signatures (every signature must be by an
 * expected key and verify, every expected one present: so exactly one line
 * per signer, in the canonical order). ERR_VERIFY for a forged or incomplete
 * envelope (the message says which signature is missing or wrong),
 * ERR_FORMAT for one that breaks a rule of its kind or the layout.
 */
int envelope_verify(const struct envelope *e, const struct charter *c);

/* Checks a sealed body against the envelope's body line. ERR_VERIFY on mismatch. */
int envelope_check_body(const struct envelope *e, const uint8_t *body, size_t len);

/* The agencies whose signature a statement still lacks (names into out, comma-separated). */
int envelope_missing_signers(const struct envelope *e, const struct charter *c, struct buf *out);

#endif
