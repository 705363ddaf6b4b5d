/* Unit tests of src/exchange/profile: the kind <-> type mapping, the profile
 * dispatch, and every rule of the cyber-mla bodies, each on a small valid
 * body changed in one place, with the JSON path the message must name. */
#include "check.h"
#include "base/err.h"
#include "exchange/profile.h"

#include <jansson.h>

static const char ack_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"ack\",\"officer\":{\"name\":\"Ivan Petrov\","
	"\"contact\":{\"email\":\"duty@gp.example\",\"phone\":\"+7 495 555 0100\"}}}";
static const char notice_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"notice\",\"title\":\"Phishing\",\"summary\":\"Pages.\","
	"\"incident\":{\"first_observed\":\"2024-04-02T08:00:00Z\",\"detected\":\"2024-04-02T09:00:00Z\","
	"\"sectors\":[\"financial-services\"],\"organisation_type\":\"business\","
	"\"impact\":{\"severity\":\"low\",\"description\":\"None yet.\"}}}";
static const char mla_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"mla-request\",\"title\":\"Request\","
	"\"requesting_authority\":{\"agency\":\"PG\",\"name\":\"A. Berg\",\"contact\":{\"phone\":\"+1 202 555 0143\"}},"
	"\"facts\":\"Facts.\",\"offences\":[{\"name\":\"Extortion\",\"provisions\":[\"s. 875\"]}],"
	"\"purpose\":\"Identify.\",\"assistance_sought\":[{\"measure\":\"obtain-records\",\"description\":\"Logs.\"}],"
	"\"confidentiality\":{\"required\":false},\"urgency\":{\"urgent\":false}}";
static const char preservation_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"preservation-request\","
	"\"requesting_authority\":{\"agency\":\"PG\",\"name\":\"A. Berg\",\"contact\":{\"email\":\"a@pg.example\"}},"
	"\"offences\":[{\"name\":\"Extortion\",\"provisions\":[\"s. 875\"]}],\"facts\":\"Facts.\","
	"\"data\":[{\"description\":\"Logs.\",\"relationship\":\"C2.\",\"custodian\":{\"details\":\"Unknown.\"}}],"
	"\"necessity\":\"Deleted after 90 days.\",\"mutual_assistance_request_to_follow\":true}";
static const char answer_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"answer\",\"completeness\":\"full\",\"summary\":\"Done.\","
	"\"provided\":[{\"description\":\"Logs.\",\"assistance_item\":0}]}";
static const char decline_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"decline\",\"grounds\":\"Own nationals.\",\"legal_basis\":[\"art. 3\"]}";
static const char update_json[] = "{\"profile\":\"cyber-mla\",\"type\":\"update\",\"summary\":\"More.\"}";
static const char close_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"close\",\"outcome\":\"completed\",\"reason\":\"Done.\"}";
static const char statement_json[] =
	"{\"profile\":\"cyber-mla\",\"type\":\"statement\",\"title\":\"Round 3\",\"date\":\"2024-04-16\","
	"\"place\":\"Geneva\",\"participants\":[{\"name\":\"A. Berg\",\"agency\":\"PG\"}],\"text\":\"Minutes.\"}";
static const char bundle_json[] =
	"{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":["
	"{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956\",\"value\":\"203.0.113.5\"}]}";

static json_t *parse(const char *s)
{
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, NULL);
	if (!j) {
		fprintf(stderr, "test body does not parse: %s\n", s);
		exit(2);
	}
	return j;
}

/* Checks j (serialised) as the body of an envelope of kind k under cyber-mla; consumes j. */
static int check(enum envelope_kind k, json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT);
	int rc = profile_check_body(k, CHARTER_PROFILE_CYBER_MLA, (const uint8_t *)s, strlen(s));
	free(s);
	json_decref(j);
	return rc;
}

/* The value at a dotted path of object keys and one-digit list indexes ("data.0.custodian"). */
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

/* Sets obj.key (obj given by a dotted path) to v, checks, and expects rc and a message with msg. */
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

static void every_type_valid(void)
{
	CHECK_EQ_INT(check(ENV_ACK, parse(ack_json)), 0);
	CHECK_EQ_INT(check(ENV_NOTICE, parse(notice_json)), 0);
	CHECK_EQ_INT(check(ENV_REQUEST, parse(mla_json)), 0);
	CHECK_EQ_INT(check(ENV_REQUEST, parse(preservation_json)), 0);
	CHECK_EQ_INT(check(ENV_ANSWER, parse(answer_json)), 0);
	CHECK_EQ_INT(check(ENV_DECLINE, parse(decline_json)), 0);
	CHECK_EQ_INT(check(ENV_UPDATE, parse(update_json)), 0);
	CHECK_EQ_INT(check(ENV_CLOSE, parse(close_json)), 0);
	CHECK_EQ_INT(check(ENV_STATEMENT, parse(statement_json)), 0);
}

static void kind_type_mapping(void)
{
	static const struct { const char *body; enum envelope_kind kind; } types[] = {
		{notice_json, ENV_NOTICE}, {mla_json, ENV_REQUEST}, {preservation_json, ENV_REQUEST},
		{ack_json, ENV_ACK}, {answer_json, ENV_ANSWER}, {decline_json, ENV_DECLINE},
		{update_json, ENV_UPDATE}, {close_json, ENV_CLOSE}, {statement_json, ENV_STATEMENT},
	};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		for (int k = 0; k < ENV_KIND_COUNT; k++) {
			int rc = check((enum envelope_kind)k, parse(types[i].body));
			CHECK_EQ_INT(rc, k == (int)types[i].kind ? 0 : ERR_FORMAT);
			if (k != (int)types[i].kind && k != ENV_RECEIVED)
				CHECK_MSG("$.type: a ");
		}
	CHECK_EQ_INT(check(ENV_REQUEST, parse(notice_json)), ERR_FORMAT);
	CHECK_MSG("$.type: a notice body cannot travel in an envelope of kind request "
		  "(expected mla-request or preservation-request)");
	CHECK_EQ_INT(check(ENV_RECEIVED, parse(ack_json)), ERR_FORMAT);
	CHECK_MSG("kind received carries no body");
	CHECK_EQ_INT(check((enum envelope_kind)ENV_KIND_COUNT, parse(ack_json)), ERR_USAGE);
	EXPECT_SET(ENV_ACK, ack_json, "", "type", json_string("acknowledgement"), ERR_FORMAT, "$.type: unknown body type");
	EXPECT_SET(ENV_ACK, ack_json, "", "type", json_integer(1), ERR_FORMAT, "$.type: must be a string");
	EXPECT_DEL(ENV_ACK, ack_json, "", "type", "$.type: required member is missing");
}

static void profiles(void)
{
	const char *s = ack_json;
	size_t n = strlen(s);
	const uint8_t *b = (const uint8_t *)s;
	CHECK_EQ_INT(profile_check_body(ENV_ACK, CHARTER_PROFILE_AID_CROSSING, b, n), ERR_FORMAT);
	CHECK_STR(err_msg(), "$.profile: must be \"aid-crossing\", the profile the charter enables");
	CHECK_EQ_INT(profile_check_body(ENV_ACK, CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING, b, n), 0);
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 0, b, n), ERR_USAGE);
	static const char aid[] = "{\"profile\":\"aid-crossing\",\"type\":\"consignment\"}";
	CHECK_EQ_INT(profile_check_body(ENV_NOTICE, CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING,
					(const uint8_t *)aid, strlen(aid)), ERR_FORMAT);
	CHECK_STR(err_msg(), "$.shipment_id: required member is missing"); /* checked as aid-crossing (test_aid.c) */
	CHECK_EQ_INT(profile_check_body(ENV_NOTICE, CHARTER_PROFILE_CYBER_MLA, (const uint8_t *)aid, strlen(aid)), ERR_FORMAT);
	CHECK_MSG("$.profile: must be \"cyber-mla\", the profile the charter enables");
	EXPECT_DEL(ENV_ACK, ack_json, "", "profile", "$.profile: required member is missing");
	EXPECT_SET(ENV_ACK, ack_json, "", "profile", json_true(), ERR_FORMAT, "$.profile: must be a string");
	CHECK_EQ_INT(check(ENV_ACK, json_array()), ERR_FORMAT);
	CHECK_MSG("$: a body must be a JSON object");
}

static void parsing_limits(void)
{
	char deep[200];
	size_t n = 0;
	n += (size_t)snprintf(deep, sizeof deep, "{\"x_d\":");
	for (int i = 0; i < 32; i++)
		deep[n++] = '[';
	for (int i = 0; i < 32; i++)
		deep[n++] = ']';
	deep[n++] = '}';
	/* 33 levels: allowed by the parser (the profile fails: no "profile") */
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 1, (const uint8_t *)deep, n), ERR_FORMAT);
	CHECK_MSG("$.profile");
	memmove(deep + 8, deep + 7, n - 7);
	deep[7] = '[';
	memmove(deep + n, deep + n - 1, 2);
	deep[n] = ']';
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 1, (const uint8_t *)deep, n + 2), ERR_LIMIT);
	CHECK_MSG("nested deeper than 33");
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 1, (const uint8_t *)"{}", PROFILE_BODY_MAX + 1), ERR_LIMIT);
	static const char dup[] = "{\"profile\":\"cyber-mla\",\"profile\":\"cyber-mla\"}";
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 1, (const uint8_t *)dup, strlen(dup)), ERR_FORMAT);
	CHECK_MSG("duplicate");
	static const char nul[] = "{\"profile\":\"cyber-mla\\u0000\"}";
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 1, (const uint8_t *)nul, strlen(nul)), ERR_FORMAT);
	CHECK_EQ_INT(profile_check_body(ENV_ACK, 1, (const uint8_t *)"{\"a\":\"\xff\"}", 10), ERR_FORMAT);
	CHECK_MSG("not UTF-8");
}

static void members(void)
{
	EXPECT_SET(ENV_ACK, ack_json, "", "officr", json_string("x"), ERR_FORMAT, "$.officr: unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "officer", "rank", json_string("x"), ERR_FORMAT, "$.officer.rank: unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "", "x_desk_colour", json_string("amber"), 0, "");
	EXPECT_SET(ENV_ACK, ack_json, "officer.contact", "x_pager", json_pack("{s:[i]}", "a", 1), 0, "");
	EXPECT_SET(ENV_ACK, ack_json, "", "x_", json_true(), ERR_FORMAT, "$.x_: unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "", "X_desk", json_true(), ERR_FORMAT, "$.X_desk: unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "", "x_desk-colour", json_true(), ERR_FORMAT, "$['x_desk-colour']: unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "", "x_\n'", json_true(), ERR_FORMAT, "$['x_?" "?']: unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "", "x_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", json_true(), 0, "");
	EXPECT_SET(ENV_ACK, ack_json, "", "x_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", json_true(),
		   ERR_FORMAT, "unknown member");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_null(), ERR_FORMAT, "$.note: null is not allowed");
	EXPECT_SET(ENV_ACK, ack_json, "", "officer", json_string("Ivan"), ERR_FORMAT, "$.officer: must be a JSON object");
	EXPECT_DEL(ENV_ACK, ack_json, "officer", "name", "$.officer.name: required member is missing");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "handling", json_string("TLP:AMBER H2"), ERR_FORMAT,
		   "$.handling: handling marks (TLP, H0-H3) belong in the envelope");
}

static void text_rules(void)
{
	char s[PROFILE_LINE_MAX * 3 + 8];
	/* 300 three-byte characters fit a line; 301 do not. */
	for (size_t i = 0; i < PROFILE_LINE_MAX; i++)
		memcpy(s + 3 * i, "\xe2\x82\xac", 3);
	s[3 * PROFILE_LINE_MAX] = '\0';
	EXPECT_SET(ENV_ACK, ack_json, "", "reference", json_string(s), 0, "");
	memcpy(s + 3 * PROFILE_LINE_MAX, "x", 2);
	EXPECT_SET(ENV_ACK, ack_json, "", "reference", json_string(s), ERR_FORMAT, "$.reference: longer than 300 characters");
	char *big = malloc(PROFILE_TEXT_MAX + 2);
	memset(big, 'a', PROFILE_TEXT_MAX + 1);
	big[PROFILE_TEXT_MAX] = '\0';
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string(big), 0, "");
	big[PROFILE_TEXT_MAX] = 'a';
	big[PROFILE_TEXT_MAX + 1] = '\0';
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string(big), ERR_FORMAT, "$.note: longer than 65536 characters");
	free(big);
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string(""), ERR_FORMAT, "$.note: must not be empty");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string(" \t\n"), ERR_FORMAT, "only white space");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("\xc2\xa0\xe3\x80\x80\xef\xbb\xbf"), ERR_FORMAT,
		   "only white space"); /* U+00A0 U+3000 U+FEFF */
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("line 1\n\tline 2"), 0, "");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("a\r\nb"), ERR_FORMAT, "$.note: control character U+000D");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("a\x7f"), ERR_FORMAT, "control character U+007F");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("a\xc2\x85"), ERR_FORMAT, "control character U+0085");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("a\xe2\x80\xa8" "b"), 0, "");
	EXPECT_SET(ENV_ACK, ack_json, "", "reference", json_string("a\xe2\x80\xa8" "b"), ERR_FORMAT,
		   "$.reference: line separator U+2028");
	EXPECT_SET(ENV_ACK, ack_json, "", "reference", json_string("a\tb"), ERR_FORMAT, "in a one-line value");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("a\xe2\x81\xa6" "b"), ERR_FORMAT,
		   "bidirectional control U+2066");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_string("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x80\x8f"), 0, "");
	EXPECT_SET(ENV_ACK, ack_json, "", "note", json_integer(5), ERR_FORMAT, "$.note: must be a string");
}

static void value_forms(void)
{
	static const struct { const char *v; int ok; } emails[] = {
		{"duty@gp.example", 1}, {"First.Last+tag@mail.gp.example", 1}, {"a@b.c", 1},
		{"duty@gp", 0}, {"@gp.example", 0}, {"duty.@gp.example", 0}, {".duty@gp.example", 0},
		{"du..ty@gp.example", 0}, {"duty@-gp.example", 0}, {"duty@gp-.example", 0}, {"duty@gp..example", 0},
		{"duty@gp_x.example", 0}, {"d uty@gp.example", 0}, {"duty@gp.example.", 0}, {"d@u@gp.example", 0},
	};
	for (size_t i = 0; i < sizeof emails / sizeof emails[0]; i++)
		EXPECT_SET(ENV_ACK, ack_json, "officer.contact", "email", json_string(emails[i].v),
			   emails[i].ok ? 0 : ERR_FORMAT, "$.officer.contact.email: must be an e-mail address");
	static const struct { const char *v; int ok; } phones[] = {
		{"+7 495 555 0100", 1}, {"+74955550100", 1}, {"+1234567", 1}, {"+123456", 0}, {"+0 495 555 0100", 0},
		{"8 495 555 0100", 0}, {"+7 495 555 0100 ", 0}, {"+7-495-555-0100", 0}, {"+1234567890123456789012345", 0},
	};
	for (size_t i = 0; i < sizeof phones / sizeof phones[0]; i++)
		EXPECT_SET(ENV_ACK, ack_json, "officer.contact", "phone", json_string(phones[i].v),
			   phones[i].ok ? 0 : ERR_FORMAT, "$.officer.contact.phone: must be an international number");
	static const struct { const char *v; int ok; } amounts[] = {
		{"0", 1}, {"4500000", 1}, {"0.00012345", 1}, {"123456789012345678", 1}, {"1234567890123456789", 0},
		{"01", 0}, {"1.", 0}, {".5", 0}, {"-1", 0}, {"1e6", 0}, {"1,000", 0}, {"", 0},
	};
	for (size_t i = 0; i < sizeof amounts / sizeof amounts[0]; i++) {
		json_t *r = json_pack("{s:s,s:s}", "amount", amounts[i].v, "currency", "BTC");
		EXPECT_SET(ENV_NOTICE, notice_json, "incident", "ransom_demand", r, amounts[i].ok ? 0 : ERR_FORMAT,
			   "$.incident.ransom_demand.amount: must be a decimal number");
	}
	static const struct { const char *v; int ok; } currencies[] = {
		{"USD", 1}, {"USDT", 1}, {"XMR", 1}, {"usd", 0}, {"US", 0}, {"1BTC", 0}, {"ABCDEFGHIJK", 0},
	};
	for (size_t i = 0; i < sizeof currencies / sizeof currencies[0]; i++) {
		json_t *r = json_pack("{s:s,s:s}", "amount", "1", "currency", currencies[i].v);
		EXPECT_SET(ENV_NOTICE, notice_json, "incident", "ransom_demand", r, currencies[i].ok ? 0 : ERR_FORMAT,
			   "$.incident.ransom_demand.currency: must be an ISO 4217 code");
	}
	static const struct { const char *v; int ok; } times[] = {
		{"2024-04-02T08:00:00Z", 1}, {"2024-04-02T08:00:00.123456789Z", 1}, {"2028-02-29T08:00:00Z", 1},
		{"2023-02-29T08:00:00Z", 0}, {"2024-04-02T08:00:00+00:00", 0}, {"2024-04-02 08:00:00Z", 0},
		{"2024-04-02T08:00:00z", 0}, {"2024-04-02T24:00:00Z", 0}, {"2024-04-02T08:00:00.Z", 0},
		{"2024-04-02T08:00:00.1234567890Z", 0}, {"2024-04-02", 0},
	};
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++)
		EXPECT_SET(ENV_NOTICE, notice_json, "incident", "last_observed", json_string(times[i].v),
			   times[i].ok ? 0 : ERR_FORMAT, "$.incident.last_observed: must be an RFC 3339 UTC time");
	static const struct { const char *v; int ok; } dates[] = {
		{"2024-04-17", 1}, {"2028-02-29", 1}, {"2027-02-29", 0}, {"2024-4-17", 0}, {"2024-04-17T00:00:00Z", 0},
		{"20240417", 0},
	};
	for (size_t i = 0; i < sizeof dates / sizeof dates[0]; i++)
		EXPECT_SET(ENV_STATEMENT, statement_json, "", "end_date", json_string(dates[i].v),
			   dates[i].ok ? 0 : ERR_FORMAT, "$.end_date: must be an RFC 3339 date");
	EXPECT_SET(ENV_REQUEST, preservation_json, "data.0.custodian", "country", json_string("RU"), 0, "");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "countries_affected", json_pack("[s]", "RUS"), ERR_FORMAT,
		   "$.incident.countries_affected[0]: must be an ISO 3166-1 alpha-2 code");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "organisations_affected", json_integer(PROFILE_COUNT_MAX), 0, "");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "organisations_affected", json_integer(PROFILE_COUNT_MAX + 1LL),
		   ERR_FORMAT, "$.incident.organisations_affected: must be from 1 to 1000000000");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "organisations_affected", json_real(3.0), ERR_FORMAT,
		   "must be an integer");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident.impact", "data_exfiltrated", json_string("yes"), ERR_FORMAT,
		   "$.incident.impact.data_exfiltrated: must be true or false");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident.impact", "severity", json_string("severe"), ERR_FORMAT,
		   "$.incident.impact.severity: must be one of low|medium|high|critical");
}

static void lists(void)
{
	json_t *many = json_array();
	for (int i = 0; i < PROFILE_LIST_MAX; i++) {
		char s[16];
		snprintf(s, sizeof s, "art. %d", i);
		json_array_append_new(many, json_string(s));
	}
	EXPECT_SET(ENV_DECLINE, decline_json, "", "legal_basis", json_deep_copy(many), 0, "");
	json_array_append_new(many, json_string("one more"));
	EXPECT_SET(ENV_DECLINE, decline_json, "", "legal_basis", many, ERR_FORMAT,
		   "$.legal_basis: must be a list of 1 to 100 items");
	EXPECT_SET(ENV_DECLINE, decline_json, "", "legal_basis", json_array(), ERR_FORMAT, "$.legal_basis: must be a list");
	EXPECT_SET(ENV_DECLINE, decline_json, "", "legal_basis", json_pack("[s,s,s]", "a", "b", "a"), ERR_FORMAT,
		   "$.legal_basis[2]: repeats item 0");
	EXPECT_SET(ENV_DECLINE, decline_json, "", "legal_basis", json_pack("[s,i]", "a", 1), ERR_FORMAT,
		   "$.legal_basis[1]: must be a string");
	/* lists of objects need not be unique */
	json_t *b = parse(mla_json);
	json_array_append(at(b, "assistance_sought"), json_array_get(at(b, "assistance_sought"), 0));
	CHECK_EQ_INT(check(ENV_REQUEST, b), 0);
}

static void notice_rules(void)
{
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "detected", json_string("2024-04-02T07:59:59.999Z"), ERR_FORMAT,
		   "$.incident.detected: must be no earlier than first_observed");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "detected", json_string("2024-04-02T08:00:00.000Z"), 0, "");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "last_observed", json_string("2024-04-01T08:00:00Z"), ERR_FORMAT,
		   "$.incident.last_observed: must be no earlier than first_observed");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "sectors", json_pack("[s]", "banking"), ERR_FORMAT,
		   "$.incident.sectors[0]: must be one of agriculture|");
	EXPECT_SET(ENV_NOTICE, notice_json, "incident", "organisation_type", json_string("msp"), ERR_FORMAT,
		   "$.incident.organisation_type: must be one of managed-service-provider|");
	EXPECT_DEL(ENV_NOTICE, notice_json, "incident", "impact", "$.incident.impact: required member is missing");
	EXPECT_DEL(ENV_NOTICE, notice_json, "", "summary", "$.summary: required member is missing");
	EXPECT_SET(ENV_NOTICE, notice_json, "", "requested_action", json_string("Take down."), 0, "");
	EXPECT_SET(ENV_NOTICE, notice_json, "", "evidence", parse(bundle_json), 0, "");
	json_t *bad = parse(bundle_json);
	json_object_set_new(json_array_get(json_object_get(bad, "objects"), 0), "value", json_string("203.0.113.256"));
	EXPECT_SET(ENV_NOTICE, notice_json, "", "evidence", bad, ERR_FORMAT, "$.evidence.objects[0].value: ");
	EXPECT_SET(ENV_NOTICE, notice_json, "", "evidence", json_pack("[]"), ERR_FORMAT,
		   "$.evidence: must be a STIX 2.1 bundle");
	EXPECT_SET(ENV_UPDATE, update_json, "", "evidence", parse(bundle_json), 0, "");
	EXPECT_SET(ENV_ANSWER, answer_json, "", "evidence", parse(bundle_json), 0, "");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "evidence", parse(bundle_json), 0, "");
	EXPECT_SET(ENV_CLOSE, close_json, "", "evidence", parse(bundle_json), ERR_FORMAT, "$.evidence: unknown member");
}

static void mla_request_rules(void)
{
	EXPECT_SET(ENV_REQUEST, mla_json, "urgency", "urgent", json_true(), ERR_FORMAT,
		   "$.urgency.reason: required when urgent is true");
	EXPECT_SET(ENV_REQUEST, mla_json, "urgency", "reason", json_string("Logs expire."), 0, "");
	EXPECT_SET(ENV_REQUEST, mla_json, "confidentiality", "required", json_true(), ERR_FORMAT,
		   "$.confidentiality.reason: required when required is true");
	EXPECT_DEL(ENV_REQUEST, mla_json, "confidentiality", "required", "$.confidentiality.required: required member");
	EXPECT_DEL(ENV_REQUEST, mla_json, "", "urgency", "$.urgency: required member is missing");
	EXPECT_SET(ENV_REQUEST, mla_json, "requesting_authority", "contact", json_object(), ERR_FORMAT,
		   "$.requesting_authority.contact: needs at least one of email, phone, address");
	EXPECT_SET(ENV_REQUEST, mla_json, "requesting_authority", "contact", json_pack("{s:s}", "x_fax", "+1"), ERR_FORMAT,
		   "needs at least one of");
	EXPECT_SET(ENV_REQUEST, mla_json, "requesting_authority", "contact", json_pack("{s:s}", "address", "1 Sq.\nCity"), 0, "");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "time_limit", json_pack("{s:s}", "by", "2024-04-30T00:00:00Z"), ERR_FORMAT,
		   "$.time_limit.reason: required member is missing");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "subjects", json_pack("[{s:s}]", "role", "suspect"), ERR_FORMAT,
		   "$.subjects[0]: needs a name or identifiers");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "subjects", json_pack("[{s:s,s:[s]}]", "role", "suspect", "identifiers", "bc1q"), 0, "");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "subjects", json_pack("[{s:s,s:s}]", "role", "judge", "name", "X"), ERR_FORMAT,
		   "$.subjects[0].role: must be one of");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "locations", json_pack("[{s:s,s:s}]", "description", "DC", "country", "Ru"),
		   ERR_FORMAT, "$.locations[0].country");
	EXPECT_SET(ENV_REQUEST, mla_json, "", "assistance_sought",
		   json_pack("[{s:s,s:s},{s:s,s:s}]", "measure", "take-testimony", "description", "A", "measure", "wiretap",
			     "description", "B"),
		   ERR_FORMAT, "$.assistance_sought[1].measure: must be one of preserve-data|");
	json_t *b = parse(mla_json);
	json_object_del(json_array_get(at(b, "offences"), 0), "provisions");
	CHECK_EQ_INT(check(ENV_REQUEST, b), ERR_FORMAT);
	CHECK_MSG("$.offences[0].provisions: required member is missing");
}

static void preservation_rules(void)
{
	EXPECT_SET(ENV_REQUEST, preservation_json, "", "mutual_assistance_request_to_follow", json_false(), ERR_FORMAT,
		   "$.mutual_assistance_request_to_follow: must be true");
	EXPECT_DEL(ENV_REQUEST, preservation_json, "", "mutual_assistance_request_to_follow",
		   "$.mutual_assistance_request_to_follow: required member is missing");
	EXPECT_DEL(ENV_REQUEST, preservation_json, "", "necessity", "$.necessity: required member is missing");
	EXPECT_DEL(ENV_REQUEST, preservation_json, "", "requesting_authority", "$.requesting_authority: required");
	EXPECT_DEL(ENV_REQUEST, preservation_json, "", "facts", "$.facts: required");
	EXPECT_DEL(ENV_REQUEST, preservation_json, "data.0", "relationship", "$.data[0].relationship: required");
	EXPECT_DEL(ENV_REQUEST, preservation_json, "data.0", "custodian", "$.data[0].custodian: required");
	EXPECT_SET(ENV_REQUEST, preservation_json, "data.0", "custodian", json_pack("{s:s}", "country", "RU"), ERR_FORMAT,
		   "$.data[0].custodian: needs at least one of name, system_location, details");
	EXPECT_SET(ENV_REQUEST, preservation_json, "data.0", "period",
		   json_pack("{s:s,s:s}", "from", "2024-03-01T00:00:00Z", "until", "2024-02-01T00:00:00Z"), ERR_FORMAT,
		   "$.data[0].period.until: must be no earlier than from");
	EXPECT_SET(ENV_REQUEST, preservation_json, "", "evidence", parse(bundle_json), ERR_FORMAT, "$.evidence: unknown member");
	EXPECT_SET(ENV_REQUEST, preservation_json, "", "urgency", json_pack("{s:b}", "urgent", 1), ERR_FORMAT,
		   "$.urgency: unknown member");
}

static void other_kinds(void)
{
	EXPECT_SET(ENV_ANSWER, answer_json, "", "completeness", json_string("partial"), ERR_FORMAT,
		   "$.remaining: required when completeness is partial");
	EXPECT_SET(ENV_ANSWER, answer_json, "", "remaining", json_pack("[{s:s}]", "description", "Image."), ERR_FORMAT,
		   "$.remaining: not allowed when completeness is full");
	EXPECT_SET(ENV_ANSWER, answer_json, "", "completeness", json_string("complete"), ERR_FORMAT,
		   "$.completeness: must be one of full|partial");
	json_t *b = parse(answer_json);
	json_object_set_new(b, "completeness", json_string("partial"));
	json_object_set_new(b, "remaining", json_pack("[{s:s,s:s}]", "description", "Image.", "expected_by", "2024-05-15T00:00:00Z"));
	CHECK_EQ_INT(check(ENV_ANSWER, b), 0);
	b = parse(answer_json);
	json_object_set_new(json_array_get(at(b, "provided"), 0), "assistance_item", json_integer(100));
	CHECK_EQ_INT(check(ENV_ANSWER, b), ERR_FORMAT);
	CHECK_MSG("$.provided[0].assistance_item: must be from 0 to 99");
	EXPECT_DEL(ENV_ANSWER, answer_json, "", "provided", "$.provided: required");
	EXPECT_DEL(ENV_DECLINE, decline_json, "", "grounds", "$.grounds: required");
	EXPECT_DEL(ENV_DECLINE, decline_json, "", "legal_basis", "$.legal_basis: required");
	EXPECT_SET(ENV_DECLINE, decline_json, "", "conditions", json_string("Speciality."), 0, "");
	EXPECT_DEL(ENV_UPDATE, update_json, "", "summary", "$.summary: required");
	EXPECT_SET(ENV_CLOSE, close_json, "", "outcome", json_string("done"), ERR_FORMAT, "$.outcome: must be one of");
	EXPECT_DEL(ENV_CLOSE, close_json, "", "reason", "$.reason: required");
	EXPECT_SET(ENV_STATEMENT, statement_json, "", "end_date", json_string("2024-04-15"), ERR_FORMAT,
		   "$.end_date: must be no earlier than date");
	EXPECT_SET(ENV_STATEMENT, statement_json, "", "end_date", json_string("2024-04-16"), 0, "");
	EXPECT_SET(ENV_STATEMENT, statement_json, "", "participants", json_pack("[{s:s}]", "name", "X"), ERR_FORMAT,
		   "$.participants[0].agency: required member is missing");
	EXPECT_DEL(ENV_STATEMENT, statement_json, "", "place", "$.place: required");
	EXPECT_DEL(ENV_STATEMENT, statement_json, "", "text", "$.text: required");
	EXPECT_SET(ENV_ACK, ack_json, "officer", "contact", json_object(), ERR_FORMAT, "$.officer.contact: needs at least one");
}

/* A long unusual key is cut in the message, never overflows it. */
static void error_path_is_bounded(void)
{
	char key[400];
	memset(key, 'k', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	EXPECT_SET(ENV_ACK, ack_json, "officer", key, json_true(), ERR_FORMAT, "$.officer['kkkk");
	CHECK_MSG("...']: unknown member");
	CHECK(strlen(err_msg()) < 400);
}

int main(void)
{
	RUN(every_type_valid);
	RUN(kind_type_mapping);
	RUN(profiles);
	RUN(parsing_limits);
	RUN(members);
	RUN(text_rules);
	RUN(value_forms);
	RUN(lists);
	RUN(notice_rules);
	RUN(mla_request_rules);
	RUN(preservation_rules);
	RUN(other_kinds);
	RUN(error_path_is_bounded);
	CHECK_EXIT();
}
