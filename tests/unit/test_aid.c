/*
 * The aid-crossing profile (docs/profile-aid-crossing.md): every body type
 * valid in its envelope kind and refused in the others, each rule of the
 * checker broken on a small valid body, the envelope's aid line (round trip,
 * every malformed line refused naming the problem, kind rules), and the tie
 * between a body and its public figures: derived by the sender, agreeing,
 * and every figure that disagrees named — also through seal_envelope and
 * seal_open on a charter with generated keys.
 */
#include "base/err.h"
#include "crypto/keyfile.h"
#include "exchange/charter.h"
#include "exchange/envelope.h"
#include "exchange/profile.h"
#include "exchange/seal.h"
#include "check.h"

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>

static const char consignment_json[] =
	"{\"profile\":\"aid-crossing\",\"type\":\"consignment\",\"shipment_id\":\"BAH-2021-0009\","
	"\"sending_agency\":\"WFP\",\"implementing_partner\":\"Partner NGO A\",\"crossing\":\"bab-al-hawa\","
	"\"transhipment_hub\":\"Cilvegozu\",\"planned_loading\":\"2021-07-12T05:00:00Z\","
	"\"planned_crossing\":\"2021-07-12T09:00:00Z\",\"trucks\":[{\"plate\":\"31 HR 101\",\"sector\":\"food\","
	"\"seals\":[\"S-1\",\"S-2\"]},{\"plate\":\"31 HR 102\",\"sector\":\"food\"},{\"tir\":\"XC71234567\","
	"\"sector\":\"health\"}],\"items\":[{\"sector\":\"food\",\"item\":\"Food ration\",\"quantity\":800,"
	"\"unit\":\"ration\",\"weight_kg\":32000},{\"sector\":\"health\",\"item\":\"Health kit\",\"quantity\":10,"
	"\"unit\":\"kit\",\"weight_kg\":4200}],\"destination_district\":\"Harim\",\"beneficiaries\":5200}";
static const char inspection_json[] =
	"{\"profile\":\"aid-crossing\",\"type\":\"inspection\",\"result\":\"confirmed\","
	"\"inspected_at\":\"2021-07-12T06:40:00Z\",\"trucks_confirmed\":3,\"seals_verified\":true}";
static const char crossing_json[] =
	"{\"profile\":\"aid-crossing\",\"type\":\"crossing\",\"crossed_at\":\"2021-07-12T09:12:00Z\",\"trucks_crossed\":3}";
static const char ack_json[] =
	"{\"profile\":\"aid-crossing\",\"type\":\"ack\",\"officer\":{\"name\":\"Duty officer\"}}";
static const char close_json[] = "{\"profile\":\"aid-crossing\",\"type\":\"close\",\"outcome\":\"delivered\"}";
static const char mla_update_json[] = "{\"profile\":\"cyber-mla\",\"type\":\"update\",\"summary\":\"More.\"}";

#define BOTH (CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING)

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	if (!j) {
		fprintf(stderr, "test body does not parse: %s\n", s);
		exit(2);
	}
	return j;
}

/* Checks j (serialised) as the body of an envelope of kind k under aid-crossing; consumes j. */
static int check(enum envelope_kind k, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int rc = profile_check_body(k, CHARTER_PROFILE_AID_CROSSING, (const uint8_t *)s, strlen(s));
	free(s);
	json_decref(j);
	return rc;
}

/* The value at a dotted path of object keys and one-digit list indexes ("trucks.0"). */
static json_t *at(json_t *j, const char *dotted)
{
	char key[64];
	while (*dotted) {
		size_t n = strcspn(dotted, ".");
		snprintf(key, sizeof key, "%.*s", (int)n, dotted);
		j = json_is_array(j) ? json_array_get(j, (size_t)(key[0] - '0')) : json_object_get(j, key);
		dotted += n + (dotted[n] == '.');
	}
	return j;
}

#define EXPECT_SET(kind, src, where, key, v, rc_want, msg)                        \
	do {                                                                       \
		json_t *b_ = parse(src);                                           \
		int want_ = (rc_want);                                             \
		json_object_set_new(at(b_, where), key, v);                        \
		CHECK_EQ_INT(check(kind, b_), want_);                              \
		if (want_ != 0)                                                    \
			CHECK_MSG(msg);                                            \
	} while (0)
#define EXPECT_DEL(kind, src, where, key, msg)                                   \
	do {                                                                       \
		json_t *b_ = parse(src);                                           \
		json_object_del(at(b_, where), key);                               \
		CHECK_EQ_INT(check(kind, b_), ERR_FORMAT);                         \
		CHECK_MSG(msg);                                                    \
	} while (0)

static void every_type_in_its_kind_only(void)
{
	static const struct { const char *body; enum envelope_kind kind; } types[] = {
		{consignment_json, ENV_NOTICE}, {inspection_json, ENV_UPDATE}, {crossing_json, ENV_UPDATE},
		{ack_json, ENV_ACK}, {close_json, ENV_CLOSE},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		for (int k = 0; k < ENV_KIND_COUNT; k++) {
			int rc = check((enum envelope_kind)k, parse(types[i].body));
			CHECK_EQ_INT(rc, k == (int)types[i].kind ? 0 : ERR_FORMAT);
			if (k != (int)types[i].kind && k != ENV_RECEIVED)
				CHECK_MSG("$.type: a ");
		}
	CHECK_EQ_INT(check(ENV_UPDATE, parse(consignment_json)), ERR_FORMAT);
	CHECK_MSG("$.type: a consignment body cannot travel in an envelope of kind update (expected inspection or crossing)");
	CHECK_EQ_INT(check(ENV_REQUEST, parse(ack_json)), ERR_FORMAT);
	CHECK_MSG("(expected none: aid-crossing has no body type for it)");
	EXPECT_SET(ENV_NOTICE, consignment_json, "", "type", json_string("notice"), ERR_FORMAT,
		   "$.type: unknown body type (aid-crossing has consignment, inspection, crossing, ack, close)");
}

static void profiles(void)
{
	const uint8_t *b = (const uint8_t *)ack_json, *m = (const uint8_t *)mla_update_json;
	size_t n = strlen(ack_json), mn = strlen(mla_update_json);
	CHECK_EQ_INT(profile_check_body(ENV_ACK, CHARTER_PROFILE_AID_CROSSING, b, n), 0);
	CHECK_EQ_INT(profile_check_body(ENV_ACK, BOTH, b, n), 0);
	CHECK_EQ_INT(profile_check_body(ENV_ACK, CHARTER_PROFILE_CYBER_MLA, b, n), ERR_FORMAT);
	CHECK_MSG("$.profile: must be \"cyber-mla\", the profile the charter enables");
	CHECK_EQ_INT(profile_check_body(ENV_UPDATE, CHARTER_PROFILE_AID_CROSSING, m, mn), ERR_FORMAT);
	CHECK_MSG("$.profile: must be \"aid-crossing\", the profile the charter enables");
	CHECK_EQ_INT(profile_check_body(ENV_UPDATE, BOTH, m, mn), 0);
	EXPECT_SET(ENV_ACK, ack_json, "", "profile", json_string("aid"), ERR_FORMAT,
		   "$.profile: must be \"aid-crossing\", the profile the charter enables");
	EXPECT_SET(ENV_ACK, ack_json, "", "handling", json_string("TLP:AMBER"), ERR_FORMAT,
		   "$.handling: handling marks (TLP, H0-H3) belong in the envelope's handling line");
	CHECK_EQ_INT(profile_check_body(ENV_RECEIVED, CHARTER_PROFILE_AID_CROSSING, b, n), ERR_FORMAT);
}

static void consignment_rules(void)
{
	const char *c = consignment_json;
	CHECK_EQ_INT(check(ENV_NOTICE, parse(c)), 0);
	static const char *const required[] = {"shipment_id", "sending_agency", "implementing_partner", "crossing",
					       "transhipment_hub", "planned_loading", "planned_crossing", "trucks",
					       "items", "destination_district", "beneficiaries"};
	char msg[80];
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++) {
		snprintf(msg, sizeof msg, "$.%s: required member is missing", required[i]);
		EXPECT_DEL(ENV_NOTICE, c, "", required[i], msg);
	}
	EXPECT_SET(ENV_NOTICE, c, "", "crossing", json_string("Bab al-Hawa"), ERR_FORMAT, "$.crossing: must be a crossing point id");
	EXPECT_SET(ENV_NOTICE, c, "", "crossing", json_string("a23456789012345678901234567890123"), ERR_FORMAT, "$.crossing: must be");
	EXPECT_SET(ENV_NOTICE, c, "", "crossing", json_string("a2345678901234567890123456789012"), 0, "");
	EXPECT_SET(ENV_NOTICE, c, "", "planned_crossing", json_string("2021-07-12T09:00:00.5Z"), ERR_FORMAT,
		   "$.planned_crossing: must be an RFC 3339 UTC time in whole seconds");
	EXPECT_SET(ENV_NOTICE, c, "", "planned_crossing", json_string("2021-02-29T09:00:00Z"), ERR_FORMAT, "$.planned_crossing");
	EXPECT_SET(ENV_NOTICE, c, "", "planned_crossing", json_string("2021-07-12T04:59:59Z"), ERR_FORMAT,
		   "$.planned_crossing: must be no earlier than planned_loading");
	EXPECT_SET(ENV_NOTICE, c, "", "planned_crossing", json_string("2021-07-12T05:00:00Z"), 0, "");
	EXPECT_SET(ENV_NOTICE, c, "", "beneficiaries", json_integer(100000000), 0, "");
	EXPECT_SET(ENV_NOTICE, c, "", "beneficiaries", json_integer(100000001), ERR_FORMAT, "$.beneficiaries: must be from 1 to 100000000");
	EXPECT_SET(ENV_NOTICE, c, "", "beneficiaries", json_integer(0), ERR_FORMAT, "$.beneficiaries");
	EXPECT_SET(ENV_NOTICE, c, "", "beneficiaries", json_real(5200.0), ERR_FORMAT, "$.beneficiaries: must be an integer");
	EXPECT_SET(ENV_NOTICE, c, "", "emergency_reason", json_string("Oxygen for 48 hours."), 0, "");
	EXPECT_SET(ENV_NOTICE, c, "", "emergency_reason", json_string(" "), ERR_FORMAT, "$.emergency_reason: must not be empty");
	EXPECT_SET(ENV_NOTICE, c, "", "emergency", json_true(), ERR_FORMAT, "$.emergency: unknown member");
	EXPECT_SET(ENV_NOTICE, c, "", "x_desk", json_true(), 0, "");
	/* trucks */
	EXPECT_SET(ENV_NOTICE, c, "", "trucks", json_array(), ERR_FORMAT, "$.trucks: must be a list of 1 to 1000 items");
	EXPECT_SET(ENV_NOTICE, c, "trucks.0", "tir", json_string("XC1"), ERR_FORMAT, "$.trucks[0]: needs exactly one of plate");
	EXPECT_DEL(ENV_NOTICE, c, "trucks.2", "tir", "$.trucks[2]: needs exactly one of plate");
	EXPECT_DEL(ENV_NOTICE, c, "trucks.2", "sector", "$.trucks[2].sector: required member is missing");
	EXPECT_SET(ENV_NOTICE, c, "trucks.0", "sector", json_string("shelter"), ERR_FORMAT, "$.trucks[0].sector: must be one of food|shelter-nfi");
	EXPECT_SET(ENV_NOTICE, c, "trucks.1", "plate", json_string("31 HR 101"), ERR_FORMAT,
		   "$.trucks[1].plate: repeats the plate of truck 0 (a truck is listed once)");
	EXPECT_SET(ENV_NOTICE, c, "trucks.1", "seals", json_pack("[ss]", "S", "S"), ERR_FORMAT, "$.trucks[1].seals[1]: repeats item 0");
	EXPECT_SET(ENV_NOTICE, c, "trucks.1", "sector", json_string("wash"), ERR_FORMAT,
		   "$.items: lists nothing of sector wash, which a truck carries");
	EXPECT_SET(ENV_NOTICE, c, "items.1", "sector", json_string("food"), ERR_FORMAT,
		   "$.items: lists nothing of sector health, which a truck carries");
	EXPECT_SET(ENV_NOTICE, c, "trucks.2", "sector", json_string("food"), ERR_FORMAT,
		   "$.trucks: no truck carries sector health, which the items list");
	/* items */
	EXPECT_SET(ENV_NOTICE, c, "items.0", "quantity", json_integer(0), ERR_FORMAT, "$.items[0].quantity: must be from 1");
	EXPECT_DEL(ENV_NOTICE, c, "items.0", "weight_kg", "$.items[0].weight_kg: required member is missing");
	EXPECT_SET(ENV_NOTICE, c, "items.0", "unit", json_string("kg\n"), ERR_FORMAT, "$.items[0].unit: control character");
	/* 1000 trucks are allowed, 1001 are not */
	json_t *b = parse(c), *trucks = json_array();
	char plate[16];
	for (int i = 0; i < 1000; i++) {
		snprintf(plate, sizeof plate, "P%d", i);
		json_array_append_new(trucks, json_pack("{s:s,s:s}", "plate", plate, "sector", i ? "food" : "health"));
	}
	json_object_set(b, "trucks", trucks);
	json_incref(b);
	CHECK_EQ_INT(check(ENV_NOTICE, b), 0);
	json_array_append_new(trucks, json_pack("{s:s,s:s}", "plate", "P1000", "sector", "food"));
	CHECK_EQ_INT(check(ENV_NOTICE, b), ERR_FORMAT);
	CHECK_MSG("$.trucks: must be a list of 1 to 1000 items");
	json_decref(trucks);
}

static void inspection_crossing_ack_close_rules(void)
{
	const char *i = inspection_json;
	EXPECT_SET(ENV_UPDATE, i, "", "result", json_string("passed"), ERR_FORMAT, "$.result: must be one of confirmed|partial|rejected");
	EXPECT_SET(ENV_UPDATE, i, "", "trucks_confirmed", json_integer(0), ERR_FORMAT,
		   "$.trucks_confirmed: must be at least 1 unless result is rejected");
	EXPECT_SET(ENV_UPDATE, i, "", "trucks_confirmed", json_integer(1001), ERR_FORMAT, "$.trucks_confirmed: must be from 0 to 1000");
	EXPECT_SET(ENV_UPDATE, i, "", "result", json_string("partial"), ERR_FORMAT, "$.reason: required when result is partial");
	EXPECT_SET(ENV_UPDATE, i, "", "result", json_string("rejected"), ERR_FORMAT,
		   "$.trucks_confirmed: must be 0 when result is rejected");
	EXPECT_SET(ENV_UPDATE, i, "", "trucks_not_confirmed", json_pack("[s]", "31 HR 101"), ERR_FORMAT,
		   "$.trucks_not_confirmed: not allowed when result is confirmed");
	EXPECT_SET(ENV_UPDATE, i, "", "reason", json_string("Remarks."), 0, "");
	EXPECT_SET(ENV_UPDATE, i, "", "seals_verified", json_string("yes"), ERR_FORMAT, "$.seals_verified: must be true or false");
	EXPECT_DEL(ENV_UPDATE, i, "", "seals_verified", "$.seals_verified: required member is missing");
	EXPECT_DEL(ENV_UPDATE, i, "", "inspected_at", "$.inspected_at: required member is missing");
	json_t *b = parse(i);
	json_object_set_new(b, "result", json_string("rejected"));
	json_object_set_new(b, "trucks_confirmed", json_integer(0));
	json_object_set_new(b, "reason", json_string("Manifest mismatch."));
	json_object_set_new(b, "trucks_not_confirmed", json_pack("[ss]", "31 HR 101", "31 HR 102"));
	CHECK_EQ_INT(check(ENV_UPDATE, b), 0);
	const char *x = crossing_json;
	EXPECT_SET(ENV_UPDATE, x, "", "trucks_crossed", json_integer(0), ERR_FORMAT, "$.trucks_crossed: must be from 1 to 1000");
	EXPECT_SET(ENV_UPDATE, x, "", "crossed_at", json_string("2016-12-31T23:59:60Z"), ERR_FORMAT, "$.crossed_at: must be an RFC 3339");
	EXPECT_SET(ENV_UPDATE, x, "", "crossed_at", json_string("2021-07-12T12:12:00+03:00"), ERR_FORMAT, "$.crossed_at");
	EXPECT_DEL(ENV_ACK, ack_json, "", "officer", "$.officer: required member is missing");
	EXPECT_SET(ENV_ACK, ack_json, "officer", "contact", json_object(), ERR_FORMAT, "$.officer.contact: unknown member");
	EXPECT_SET(ENV_CLOSE, close_json, "", "outcome", json_string("cancelled"), ERR_FORMAT,
		   "$.reason: required when outcome is cancelled");
	EXPECT_SET(ENV_CLOSE, close_json, "", "outcome", json_string("returned"), ERR_FORMAT, "$.outcome: must be one of");
}

/* ---- the aid line ------------------------------------------------------ */

static struct keyfile ocha, unmm, mofa, un_node, sy_node;

static void fields(struct envelope_fields *f, enum envelope_kind kind)
{
	memset(f, 0, sizeof *f);
	memset(f->channel, 'a', 64);
	snprintf(f->from, sizeof f->from, "un.ocha");
	snprintf(f->to[0], sizeof f->to[0], "sy.mofa");
	f->nto = 1;
	snprintf(f->case_id, sizeof f->case_id, "un.ocha/BAH-2021-0009");
	f->kind = kind;
	f->time = 1625900000;
	f->has_body = 1;
	f->body_size = 3;
	if (kind == ENV_UPDATE) {
		f->has_ref = 1;
		snprintf(f->ref.origin, sizeof f->ref.origin, "un.parley.example/log");
	}
}

static void consignment_aid(struct envelope_aid *a)
{
	memset(a, 0, sizeof *a);
	a->type = ENV_AID_CONSIGNMENT;
	snprintf(a->crossing, sizeof a->crossing, "bab-al-hawa");
	a->time = 1626080400; /* 2021-07-12T09:00:00Z */
	a->trucks = 3;
	a->sector_trucks[AID_FOOD] = 2;
	a->sector_trucks[AID_HEALTH] = 1;
	a->beneficiaries = 5200;
}

/* Formats f, signs, parses: 0 and the parsed fields in *out, or the code. */
static int round_trip(const struct envelope_fields *f, struct buf *text, struct envelope *out)
{
	struct buf note;
	buf_reset(text);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	int rc = envelope_format(f, text);
	if (!rc)
		rc = note_sign(&note, (const char *)text->data, text->len, &ocha.sign, 1, 0);
	if (!rc)
		rc = envelope_parse(out, note.data, note.len);
	buf_release(&note);
	return rc;
}

static void aid_line_round_trip(void)
{
	struct envelope_fields f;
	struct envelope e;
	struct buf text, again;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_init(&again, ENVELOPE_MAX_SIZE);
	fields(&f, ENV_NOTICE);
	f.urgent = 1;
	consignment_aid(&f.aid);
	CHECK_EQ_INT(round_trip(&f, &text, &e), 0);
	CHECK(strstr((const char *)text.data, "priority: urgent\naid: consignment crossing=bab-al-hawa "
			"cross-by=2021-07-12T09:00:00Z trucks=3 sectors=food:2,health:1 beneficiaries=5200\n") != NULL);
	CHECK_EQ_INT(e.f.aid.type, ENV_AID_CONSIGNMENT);
	CHECK_STR(e.f.aid.crossing, "bab-al-hawa");
	CHECK_EQ_INT(e.f.aid.time, 1626080400);
	CHECK_EQ_INT(e.f.aid.trucks, 3);
	CHECK_EQ_INT(e.f.aid.sector_trucks[AID_FOOD], 2);
	CHECK_EQ_INT(e.f.aid.sector_trucks[AID_HEALTH], 1);
	CHECK_EQ_INT(e.f.aid.sector_trucks[AID_WASH], 0);
	CHECK_EQ_INT(e.f.aid.beneficiaries, 5200);
	CHECK(!memcmp(&e.f.aid, &f.aid, sizeof f.aid));
	/* byte-identical when formatted again from the parsed fields */
	CHECK_EQ_INT(envelope_format(&e.f, &again), 0);
	CHECK(again.len == text.len && !memcmp(again.data, text.data, text.len));
	envelope_release(&e);
	/* every sector, at the bounds */
	for (int s = 0; s < AID_SECTOR_COUNT; s++)
		f.aid.sector_trucks[s] = s ? 1 : 995;
	f.aid.trucks = 1000;
	f.aid.beneficiaries = ENVELOPE_AID_BENEFICIARIES_MAX;
	CHECK_EQ_INT(round_trip(&f, &text, &e), 0);
	CHECK(strstr((const char *)text.data, "trucks=1000 sectors=food:995,shelter-nfi:1,wash:1,health:1,education:1,"
			"nutrition:1 beneficiaries=100000000\n") != NULL);
	envelope_release(&e);
	/* inspection and crossing */
	fields(&f, ENV_UPDATE);
	f.aid.type = ENV_AID_INSPECTION;
	f.aid.result = AID_REJECTED;
	CHECK_EQ_INT(round_trip(&f, &text, &e), 0);
	CHECK(strstr((const char *)text.data, "\naid: inspection result=rejected trucks=0\n") != NULL);
	CHECK_EQ_INT(e.f.aid.result, AID_REJECTED);
	envelope_release(&e);
	f.aid.result = AID_PARTIAL;
	f.aid.trucks = 12;
	CHECK_EQ_INT(round_trip(&f, &text, &e), 0);
	CHECK(strstr((const char *)text.data, "\naid: inspection result=partial trucks=12\n") != NULL);
	envelope_release(&e);
	memset(&f.aid, 0, sizeof f.aid);
	f.aid.type = ENV_AID_CROSSING;
	f.aid.time = 1626081120;
	f.aid.trucks = 3;
	CHECK_EQ_INT(round_trip(&f, &text, &e), 0);
	CHECK(strstr((const char *)text.data, "\naid: crossing crossed=2021-07-12T09:12:00Z trucks=3\n") != NULL);
	CHECK_EQ_INT(e.f.aid.time, 1626081120);
	envelope_release(&e);
	/* no aid line: as before */
	fields(&f, ENV_NOTICE);
	CHECK_EQ_INT(round_trip(&f, &text, &e), 0);
	CHECK(strstr((const char *)text.data, "aid:") == NULL);
	CHECK_EQ_INT(e.f.aid.type, ENV_AID_NONE);
	envelope_release(&e);
	/* format refuses fields it could not write back */
	fields(&f, ENV_NOTICE);
	consignment_aid(&f.aid);
	f.aid.trucks = 4;
	CHECK_EQ_INT(envelope_format(&f, &text), ERR_FORMAT);
	CHECK_MSG("aid: sectors: the trucks per sector must add up to trucks");
	consignment_aid(&f.aid);
	f.aid.crossing[0] = 'B';
	CHECK_EQ_INT(envelope_format(&f, &text), ERR_FORMAT);
	consignment_aid(&f.aid);
	f.aid.time = -1;
	CHECK_EQ_INT(envelope_format(&f, &text), ERR_FORMAT);
	buf_release(&text);
	buf_release(&again);
}

/* An envelope text with line inserted after the body line, signed. */
static int parse_with(enum envelope_kind kind, const char *extra, struct envelope *e)
{
	struct envelope_fields f;
	struct buf text, note;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	buf_init(&note, ENVELOPE_MAX_SIZE);
	fields(&f, kind);
	CHECK(envelope_format(&f, &text) == 0);
	CHECK(buf_printf(&text, "%s", extra) == 0);
	CHECK(note_sign(&note, (const char *)text.data, text.len, &ocha.sign, 1, 0) == 0);
	int rc = envelope_parse(e, note.data, note.len);
	buf_release(&text);
	buf_release(&note);
	return rc;
}

static void aid_line_malformed(void)
{
	static const struct { enum envelope_kind kind; const char *line, *msg; } bad[] = {
		{ENV_NOTICE, "aid: shipment x=1\n", "aid: expected 'consignment', 'inspection' or 'crossing'"},
		{ENV_NOTICE, "aid: Consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1\n",
		 "aid: expected 'consignment'"},
		{ENV_NOTICE, "aid: consignment\n", "aid: a consignment line has, in this order: crossing= cross-by= trucks= sectors= beneficiaries="},
		{ENV_NOTICE, "aid: consignment cross-by=2021-07-12T09:00:00Z crossing=a trucks=1 sectors=food:1 beneficiaries=1\n",
		 "in this order"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1 x=1\n",
		 "in this order"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1 x=1 y=2\n",
		 "aid: too many tokens (a consignment line has 6"},
		{ENV_NOTICE, "aid: consignment crossing=a crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1\n",
		 "in this order"},
		{ENV_NOTICE, "aid: consignment crossing=a  cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1\n",
		 "envelope line"},
		{ENV_NOTICE, "aid: consignment crossing= cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1\n",
		 "aid: crossing: 1 to 32"},
		{ENV_NOTICE, "aid: consignment crossing=Bab cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1\n",
		 "aid: crossing: 1 to 32 of a-z 0-9 -"},
		{ENV_NOTICE, "aid: consignment crossing=a23456789012345678901234567890123 cross-by=2021-07-12T09:00:00Z trucks=1 "
			     "sectors=food:1 beneficiaries=1\n", "aid: crossing: 1 to 32"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00.5Z trucks=1 sectors=food:1 beneficiaries=1\n",
		 "aid: cross-by: an RFC 3339 UTC time"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12 trucks=1 sectors=food:1 beneficiaries=1\n",
		 "aid: cross-by: an RFC 3339 UTC time"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=0 sectors=food:1 beneficiaries=1\n",
		 "aid: trucks: a number from 1 to 1000"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1001 sectors=food:1001 beneficiaries=1\n",
		 "aid: trucks: a number from 1 to 1000"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=01 sectors=food:1 beneficiaries=1\n",
		 "without leading zeros"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=+1 sectors=food:1 beneficiaries=1\n",
		 "aid: trucks:"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=99999999999999999999999 "
			     "sectors=food:1 beneficiaries=1\n", "aid: trucks:"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=2 sectors=food:1 beneficiaries=1\n",
		 "aid: sectors: the trucks per sector must add up to trucks"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=2 sectors=health:1,food:1 beneficiaries=1\n",
		 "aid: sectors: out of order"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=2 sectors=food:1,food:1 beneficiaries=1\n",
		 "aid: sectors: a sector is named twice"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1,health:0 beneficiaries=1\n",
		 "aid: sectors: each sector's trucks must be a number from 1 to 1000"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=medical:1 beneficiaries=1\n",
		 "aid: sectors: expected <sector>:<trucks>"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1, beneficiaries=1\n",
		 "aid: sectors: expected"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food beneficiaries=1\n",
		 "aid: sectors: expected"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=0\n",
		 "aid: beneficiaries: a number from 1 to 100000000"},
		{ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=100000001\n",
		 "aid: beneficiaries:"},
		{ENV_UPDATE, "aid: inspection result=passed trucks=1\n", "aid: result: confirmed, partial or rejected"},
		{ENV_UPDATE, "aid: inspection trucks=1 result=confirmed\n", "an inspection line has, in this order: result= trucks="},
		{ENV_UPDATE, "aid: inspection result=rejected trucks=3\n", "aid: trucks: an inspection confirms 0 trucks exactly when"},
		{ENV_UPDATE, "aid: inspection result=confirmed trucks=0\n", "aid: trucks: an inspection confirms 0 trucks"},
		{ENV_UPDATE, "aid: inspection result=partial trucks=1001\n", "aid: trucks: a number from 0 to 1000"},
		{ENV_UPDATE, "aid: crossing crossed=2021-07-12T09:12:00Z trucks=0\n", "aid: trucks: a number from 1 to 1000"},
		{ENV_UPDATE, "aid: crossing crossed=2021-07-12T09:12:60Z trucks=3\n", "aid: crossed: an RFC 3339 UTC time"},
		{ENV_UPDATE, "aid: crossing crossed=1969-12-31T23:59:59Z trucks=3\n", "aid: crossed:"},
		{ENV_UPDATE, "aid: crossing trucks=3\n", "a crossing line has, in this order: crossed= trucks="},
		/* kind rules */
		{ENV_UPDATE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 sectors=food:1 beneficiaries=1\n",
		 "an 'aid: consignment' line goes only in a notice, not in a 'update'"},
		{ENV_NOTICE, "aid: inspection result=confirmed trucks=1\n", "an 'aid: inspection' line goes only in an update"},
		{ENV_ACK, "aid: crossing crossed=2021-07-12T09:12:00Z trucks=3\n", "an 'aid: crossing' line goes only in an update"},
		/* place and number */
		{ENV_UPDATE, "aid: crossing crossed=2021-07-12T09:12:00Z trucks=3\naid: crossing crossed=2021-07-12T09:12:00Z trucks=3\n",
		 "'aid' appears twice"},
		{ENV_NOTICE, "aid: inspection result=confirmed trucks=1\npriority: urgent\n", "'priority' is out of order"},
		{ENV_UPDATE, "aid: crossing crossed=2021-07-12T09:12:00Z trucks=3 \n", "envelope line"},
	};
	struct envelope e;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (bad[i].kind == ENV_ACK) {
			/* an ack needs a ref; fields() gives one only to updates */
			struct envelope_fields f;
			struct buf text, note;
			buf_init(&text, ENVELOPE_MAX_SIZE);
			buf_init(&note, ENVELOPE_MAX_SIZE);
			fields(&f, ENV_UPDATE);
			f.kind = ENV_ACK;
			CHECK(envelope_format(&f, &text) == 0);
			buf_printf(&text, "%s", bad[i].line);
			CHECK(note_sign(&note, (const char *)text.data, text.len, &ocha.sign, 1, 0) == 0);
			CHECK_EQ_INT(envelope_parse(&e, note.data, note.len), ERR_FORMAT);
			buf_release(&text);
			buf_release(&note);
		} else {
			CHECK_EQ_INT(parse_with(bad[i].kind, bad[i].line, &e), ERR_FORMAT);
		}
		if (!strstr(err_msg(), bad[i].msg))
			fprintf(stderr, "  case %zu: %s\n", i, bad[i].line);
		CHECK_MSG(bad[i].msg);
	}
	/* and the good ones parse */
	CHECK_EQ_INT(parse_with(ENV_NOTICE, "aid: consignment crossing=a cross-by=2021-07-12T09:00:00Z trucks=1 "
					    "sectors=nutrition:1 beneficiaries=1\n", &e), 0);
	CHECK_EQ_INT(e.f.aid.sector_trucks[AID_NUTRITION], 1);
	envelope_release(&e);
	CHECK_EQ_INT(parse_with(ENV_UPDATE, "aid: inspection result=rejected trucks=0\n", &e), 0);
	envelope_release(&e);
}

/* ---- body and figures -------------------------------------------------- */

static void figures_derived_and_checked(void)
{
	struct envelope_fields f;
	json_t *b = parse(consignment_json);
	fields(&f, ENV_NOTICE);
	profile_aid_figures(b, &f.aid);
	struct envelope_aid want;
	consignment_aid(&want);
	CHECK(!memcmp(&f.aid, &want, sizeof want));
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), 0);
	/* every figure that differs is named */
	f.aid.crossing[0] = 'c';
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("the body disagrees with its envelope's public figures: crossing: the envelope's aid line says cab-al-hawa, the body bab-al-hawa");
	consignment_aid(&f.aid);
	f.aid.time += 3600;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("cross-by: the envelope's aid line says 2021-07-12T10:00:00Z, the body 2021-07-12T09:00:00Z");
	consignment_aid(&f.aid);
	f.aid.trucks = 4;
	f.aid.sector_trucks[AID_FOOD] = 3;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("trucks: the envelope's aid line says 4, the body 3");
	consignment_aid(&f.aid);
	f.aid.sector_trucks[AID_FOOD] = 1;
	f.aid.sector_trucks[AID_WASH] = 1;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("trucks of sector food: the envelope's aid line says 1, the body 2");
	consignment_aid(&f.aid);
	f.aid.beneficiaries = 52000;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("beneficiaries: the envelope's aid line says 52000, the body 5200");
	/* urgency: the envelope's flag, the body's reason */
	consignment_aid(&f.aid);
	f.urgent = 1;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("the envelope says 'priority: urgent', but the body gives no emergency_reason");
	json_object_set_new(b, "emergency_reason", json_string("Oxygen for 48 hours."));
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), 0);
	f.urgent = 0;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("the body gives an emergency_reason, but the envelope does not say 'priority: urgent'");
	/* a line missing, or of another type */
	memset(&f.aid, 0, sizeof f.aid);
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("the body is a consignment, but the envelope has no aid line");
	json_decref(b);
	b = parse(inspection_json);
	fields(&f, ENV_UPDATE);
	profile_aid_figures(b, &f.aid);
	CHECK_EQ_INT(f.aid.type, ENV_AID_INSPECTION);
	CHECK_EQ_INT(f.aid.result, AID_CONFIRMED);
	CHECK_EQ_INT(f.aid.trucks, 3);
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), 0);
	f.aid.trucks = 2;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("trucks confirmed: the envelope's aid line says 2, the body 3");
	f.aid.trucks = 3;
	f.aid.result = AID_PARTIAL;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("result: the envelope's aid line says partial, the body confirmed");
	f.aid.type = ENV_AID_CROSSING;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("the envelope's aid line is for a crossing, the body is an inspection");
	json_decref(b);
	b = parse(crossing_json);
	memset(&f.aid, 0, sizeof f.aid);
	profile_aid_figures(b, &f.aid);
	CHECK_EQ_INT(f.aid.type, ENV_AID_CROSSING);
	CHECK_EQ_INT(f.aid.time, 1626081120);
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), 0);
	f.aid.time = 1626081000;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("crossed: the envelope's aid line says 2021-07-12T09:10:00Z, the body 2021-07-12T09:12:00Z");
	f.aid.time = 1626081120;
	f.aid.trucks = 4;
	CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
	CHECK_MSG("trucks crossed: the envelope's aid line says 4, the body 3");
	json_decref(b);
	/* bodies without figures: no aid line */
	static const char *const plain[] = {ack_json, close_json, mla_update_json};
	for (size_t i = 0; i < 3; i++) {
		b = parse(plain[i]);
		fields(&f, ENV_UPDATE);
		profile_aid_figures(b, &f.aid);
		CHECK_EQ_INT(f.aid.type, ENV_AID_NONE);
		CHECK_EQ_INT(profile_aid_check_figures(&f, b), 0);
		f.aid.type = ENV_AID_CROSSING;
		f.aid.trucks = 1;
		CHECK_EQ_INT(profile_aid_check_figures(&f, b), ERR_VERIFY);
		CHECK_MSG("the envelope has an 'aid: crossing' line, but its body");
		json_decref(b);
	}
}

/* ---- through seal_envelope and seal_open ------------------------------- */

static struct charter *aid_charter(const char *profiles)
{
	char v[5][512], r[3][AGE_RECIPIENT_TEXT_MAX];
	struct keyfile *k[5] = {&un_node, &sy_node, &ocha, &unmm, &mofa};
	struct note_verifier nv;
	struct age_recipient ar;
	for (int i = 0; i < 5; i++) {
		note_verifier_from_signer(&nv, &k[i]->sign, NOTE_ED25519);
		note_verifier_format(&nv, v[i], sizeof v[i]);
		if (i >= 2) {
			CHECK(age_recipient_from_identity(&ar, &k[i]->age) == 0);
			CHECK(age_recipient_encode(&ar, r[i - 2]) == 0);
		}
	}
	struct buf t, a, b;
	buf_init(&t, CHARTER_MAX_SIZE);
	buf_init(&a, CHARTER_MAX_SIZE);
	buf_init(&b, CHARTER_MAX_SIZE);
	buf_printf(&t,
		   "parley charter v1\nname: Cross-border aid notification\nlegal-basis: UNSC resolution 2585 (2021)\n"
		   "party: un https://un.parley.example %s\nparty: sy https://sy.parley.example %s\n"
		   "agency: un.ocha %s %s\nagency: un.unmm %s %s\nagency: sy.mofa %s %s\n"
		   "profiles: %s\nack: 48h\nanswer: 30d\nurgent-ack: 24h\nurgent-answer: 3d\n"
		   "term: 2021-07-10T00:00:00Z 2022-01-10T00:00:00Z\nreporting-period: 30d\n",
		   v[0], v[1], v[2], r[0], v[3], r[1], v[4], r[2], profiles);
	struct charter *c = calloc(1, sizeof *c);
	CHECK(charter_parse(c, t.data, t.len) == 0);
	CHECK(charter_sign(c, &un_node.sign, &a) == 0);
	charter_release(c);
	CHECK(charter_parse(c, a.data, a.len) == 0);
	CHECK(charter_sign(c, &sy_node.sign, &b) == 0);
	charter_release(c);
	if (charter_parse(c, b.data, b.len) != 0)
		fprintf(stderr, "  charter: %s\n", err_msg());
	buf_release(&t);
	buf_release(&a);
	buf_release(&b);
	return c;
}

static void seal_and_open(void)
{
	struct charter *c = aid_charter("aid-crossing");
	struct envelope_fields f;
	struct buf note, sealed, plain;
	struct envelope e;
	buf_init(&note, ENVELOPE_MAX_SIZE);
	buf_init(&sealed, ENVELOPE_BODY_MAX);
	buf_init(&plain, ENVELOPE_BODY_MAX);
	const uint8_t *body = (const uint8_t *)consignment_json;
	size_t blen = strlen(consignment_json);
	/* the sender's aid line comes from the body */
	fields(&f, ENV_NOTICE);
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, body, blen, &note, &sealed), 0);
	CHECK(strstr((const char *)note.data, "\naid: consignment crossing=bab-al-hawa cross-by=2021-07-12T09:00:00Z "
			"trucks=3 sectors=food:2,health:1 beneficiaries=5200\n") != NULL);
	CHECK_EQ_INT(envelope_parse(&e, note.data, note.len), 0);
	CHECK_EQ_INT(envelope_verify(&e, c), 0);
	CHECK_EQ_INT(seal_open(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain), 0);
	CHECK(plain.len == blen && !memcmp(plain.data, body, blen));
	envelope_release(&e);
	/* figures given by the sender must be the body's */
	fields(&f, ENV_NOTICE);
	consignment_aid(&f.aid);
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, body, blen, &note, &sealed), 0);
	f.aid.beneficiaries = 9999;
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, body, blen, &note, &sealed), ERR_USAGE);
	CHECK_MSG("body: the body disagrees with its envelope's public figures: beneficiaries: the envelope's aid line says 9999");
	fields(&f, ENV_NOTICE);
	f.urgent = 1;
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, body, blen, &note, &sealed), ERR_USAGE);
	CHECK_MSG("urgent was asked for, but the body does not say so (no emergency_reason)");
	/* a recipient opening a body whose envelope lies: the envelope is built by
	 * hand with the sealed body of the real figures and a false aid line */
	fields(&f, ENV_NOTICE);
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, body, blen, &note, &sealed), 0);
	f.aid.sector_trucks[AID_FOOD] = 1;
	f.aid.sector_trucks[AID_WASH] = 1;
	struct buf text;
	buf_init(&text, ENVELOPE_MAX_SIZE);
	CHECK_EQ_INT(envelope_format(&f, &text), 0);
	buf_reset(&note);
	CHECK_EQ_INT(note_sign(&note, (const char *)text.data, text.len, &ocha.sign, 1, 0), 0);
	CHECK_EQ_INT(envelope_parse(&e, note.data, note.len), 0);
	CHECK_EQ_INT(envelope_verify(&e, c), 0); /* signed and well-formed: the lie is only visible inside */
	CHECK_EQ_INT(seal_open(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain), ERR_VERIFY);
	CHECK_MSG("body: the body disagrees with its envelope's public figures: trucks of sector food: the envelope's aid "
		  "line says 1, the body 2");
	envelope_release(&e);
	/* a viewer (parley show) opens it anyway, the disagreement named beside the authentic body */
	char disagree[512];
	CHECK_EQ_INT(seal_open_marked(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain, disagree, sizeof disagree), 0);
	CHECK(strstr(disagree, "trucks of sector food: the envelope's aid line says 1, the body 2") != NULL);
	CHECK(plain.len == blen && !memcmp(plain.data, body, blen));
	/* with no room for the mark the disagreement cannot be shown: refused as by seal_open, never accepted unmarked */
	CHECK_EQ_INT(seal_open_marked(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain, disagree, 0), ERR_VERIFY);
	CHECK_EQ_INT(seal_open_marked(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain, NULL, 0), ERR_VERIFY);
	sealed.data[sealed.len - 1] ^= 1; /* but a body that is not the envelope's is still refused */
	CHECK_EQ_INT(seal_open_marked(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain, disagree, sizeof disagree), ERR_VERIFY);
	sealed.data[sealed.len - 1] ^= 1;
	envelope_release(&e);
	/* and a body that agrees leaves the mark empty */
	fields(&f, ENV_NOTICE);
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, body, blen, &note, &sealed), 0);
	CHECK_EQ_INT(envelope_parse(&e, note.data, note.len), 0);
	CHECK_EQ_INT(seal_open_marked(&e, sealed.data, sealed.len, &mofa, c->profiles, &plain, disagree, sizeof disagree), 0);
	CHECK(disagree[0] == 0);
	envelope_release(&e);
	/* a channel that does not enable aid-crossing carries no aid line */
	struct charter *cyber = aid_charter("cyber-mla");
	struct buf t2;
	buf_init(&t2, ENVELOPE_MAX_SIZE);
	for (int with_aid = 1; with_aid >= 0; with_aid--) {
		fields(&f, ENV_NOTICE);
		snprintf(f.channel, sizeof f.channel, "%s", cyber->id_hex);
		if (with_aid)
			consignment_aid(&f.aid);
		buf_reset(&t2);
		buf_reset(&note);
		CHECK_EQ_INT(envelope_format(&f, &t2), 0);
		CHECK_EQ_INT(note_sign(&note, (const char *)t2.data, t2.len, &ocha.sign, 1, 0), 0);
		CHECK_EQ_INT(envelope_parse(&e, note.data, note.len), 0);
		CHECK_EQ_INT(envelope_verify(&e, cyber), with_aid ? ERR_FORMAT : 0);
		if (with_aid)
			CHECK_MSG("envelope: an aid line belongs to the aid-crossing profile, which the charter does not enable");
		envelope_release(&e);
	}
	buf_release(&t2);
	charter_release(cyber);
	free(cyber);
	/* an inspection by the monitors, a crossing */
	fields(&f, ENV_UPDATE);
	f.has_body = 0;
	CHECK_EQ_INT(seal_envelope(c, &unmm, &f, (const uint8_t *)inspection_json, strlen(inspection_json), &note, &sealed), 0);
	CHECK(strstr((const char *)note.data, "\naid: inspection result=confirmed trucks=3\n") != NULL);
	fields(&f, ENV_UPDATE);
	CHECK_EQ_INT(seal_envelope(c, &ocha, &f, (const uint8_t *)crossing_json, strlen(crossing_json), &note, &sealed), 0);
	CHECK(strstr((const char *)note.data, "\naid: crossing crossed=2021-07-12T09:12:00Z trucks=3\n") != NULL);
	/* the ack has no aid line */
	fields(&f, ENV_UPDATE);
	f.kind = ENV_ACK;
	snprintf(f.from, sizeof f.from, "sy.mofa");
	snprintf(f.to[0], sizeof f.to[0], "un.ocha");
	CHECK_EQ_INT(seal_envelope(c, &mofa, &f, (const uint8_t *)ack_json, strlen(ack_json), &note, &sealed), 0);
	CHECK(strstr((const char *)note.data, "aid:") == NULL);
	buf_release(&text);
	buf_release(&note);
	buf_release(&sealed);
	buf_release(&plain);
	charter_release(c);
	free(c);
}

int main(void)
{
	if (sodium_init() < 0 || keyfile_generate(&ocha, "un.ocha") || keyfile_generate(&unmm, "un.unmm") ||
	    keyfile_generate(&mofa, "sy.mofa") || keyfile_generate(&un_node, "un.parley.example/log") ||
	    keyfile_generate(&sy_node, "sy.parley.example/log")) {
		fprintf(stderr, "setup: %s\n", err_msg());
		return 2;
	}
	RUN(every_type_in_its_kind_only);
	RUN(profiles);
	RUN(consignment_rules);
	RUN(inspection_crossing_ack_close_rules);
	RUN(aid_line_round_trip);
	RUN(aid_line_malformed);
	RUN(figures_derived_and_checked);
	RUN(seal_and_open);
	keyfile_release(&ocha);
	keyfile_release(&unmm);
	keyfile_release(&mofa);
	keyfile_release(&un_node);
	keyfile_release(&sy_node);
	CHECK_EXIT();
}
