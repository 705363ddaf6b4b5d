/* Unit tests of src/evidence/stix: the syntax checks, then one test per rule
 * of the bundle validator, each on a small bundle changed in one place. */
#include "check.h"
#include "base/err.h"
#include "evidence/stix.h"

#include <jansson.h>

#define IDENT "identity--f690c992-8e7d-4b9a-9303-3312616c0220"
#define IND "indicator--8cf9236f-1b96-493d-98be-0c1c1e8b62d7"
#define MAL "malware--16f4f3f9-1b68-4abb-bb66-7639d49f1e30"
#define IP "ipv4-addr--1e4ffad7-0b88-41d4-ba4d-77d27490b956"
#define TLP_WHITE "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define T0 "2024-03-11T08:15:00.000Z"

/* objects[0] identity, [1] indicator, [2] malware, [3] ipv4-addr */
static const char base_json[] =
	"{\"type\":\"bundle\",\"id\":\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\",\"objects\":["
	"{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" IDENT "\",\"created\":\"" T0 "\","
	"\"modified\":\"" T0 "\",\"name\":\"CERT\"},"
	"{\"type\":\"indicator\",\"spec_version\":\"2.1\",\"id\":\"" IND "\",\"created\":\"" T0 "\","
	"\"modified\":\"" T0 "\",\"created_by_ref\":\"" IDENT "\",\"pattern\":\"[ipv4-addr:value = '203.0.113.5']\","
	"\"pattern_type\":\"stix\",\"valid_from\":\"2024-03-11T00:00:00Z\"},"
	"{\"type\":\"malware\",\"spec_version\":\"2.1\",\"id\":\"" MAL "\",\"created\":\"" T0 "\","
	"\"modified\":\"" T0 "\",\"name\":\"ExampleLocker\",\"is_family\":true,\"malware_types\":[\"ransomware\"]},"
	"{\"type\":\"ipv4-addr\",\"id\":\"" IP "\",\"value\":\"203.0.113.5\"}]}";

static json_t *base(void)
{
	json_t *b = json_loads(base_json, JSON_REJECT_DUPLICATES, NULL);
	if (!b) {
		fprintf(stderr, "base bundle does not parse\n");
		exit(2);
	}
	return b;
}

static json_t *obj(json_t *b, size_t i)
{
	return json_array_get(json_object_get(b, "objects"), i);
}

static void set(json_t *b, size_t i, const char *key, const char *json)
{
	json_t *v = json_loads(json, JSON_DECODE_ANY, NULL);
	if (!v) {
		fprintf(stderr, "bad JSON in test: %s\n", json);
		exit(2);
	}
	json_object_set_new(obj(b, i), key, v);
}

static void add(json_t *b, const char *json)
{
	json_t *v = json_loads(json, 0, NULL);
	if (!v) {
		fprintf(stderr, "bad JSON in test: %s\n", json);
		exit(2);
	}
	json_array_append_new(json_object_get(b, "objects"), v);
}

/* Checks b (and frees it): expect_path NULL means valid, else ERR_VERIFY at that path. */
static int verdict(json_t *b, const char *expect_path)
{
	char *text = json_dumps(b, JSON_COMPACT);
	struct stix_result res;
	json_decref(b);
	int rc = stix_check_bundle((const uint8_t *)text, strlen(text), &res);
	free(text);
	if (!expect_path) {
		if (rc)
			fprintf(stderr, "  unexpected: %s\n", err_msg());
		return rc == 0;
	}
	if (rc != ERR_VERIFY || strcmp(res.path, expect_path)) {
		fprintf(stderr, "  rc %d, message: %s (expected path %s)\n", rc, err_msg(), expect_path);
		return 0;
	}
	return 1;
}

/* ---- syntax ---- */

static void syntax_timestamp(void)
{
	CHECK(stix_timestamp_valid("2016-04-06T20:03:00.000Z", 1));
	CHECK(stix_timestamp_valid("2016-04-06T20:03:00Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-06T20:03:00Z", 1));
	CHECK(!stix_timestamp_valid("2016-04-06T20:03:00.0Z", 1));
	CHECK(stix_timestamp_valid("2016-02-29T00:00:00Z", 0));
	CHECK(!stix_timestamp_valid("2015-02-29T00:00:00Z", 0));
	CHECK(!stix_timestamp_valid("1900-02-29T00:00:00Z", 0));
	CHECK(stix_timestamp_valid("2000-02-29T00:00:00Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-31T00:00:00Z", 0));
	CHECK(!stix_timestamp_valid("2016-13-01T00:00:00Z", 0));
	CHECK(stix_timestamp_valid("2016-12-31T23:59:60Z", 0));
	CHECK(!stix_timestamp_valid("2016-12-31T12:00:60Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-06T24:00:00Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-06T20:03:00+00:00", 0));
	CHECK(!stix_timestamp_valid("2016-04-06 20:03:00Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-06T20:03:00.Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-06T20:03:00.0123456789Z", 0));
	CHECK(!stix_timestamp_valid("2016-04-06T20:03:00ZZ", 0));
	CHECK(stix_timestamp_cmp("2016-04-06T20:03:00Z", "2016-04-06T20:03:00.000Z") == 0);
	CHECK(stix_timestamp_cmp("2016-04-06T20:03:00.1Z", "2016-04-06T20:03:00.09Z") > 0);
	CHECK(stix_timestamp_cmp("2015-04-06T20:03:00.9Z", "2016-04-06T20:03:00Z") < 0);
}

static void syntax_identifier(void)
{
	CHECK(stix_uuid_valid("f690c992-8e7d-4b9a-9303-3312616c0220"));
	CHECK(stix_uuid_valid("81f12913-1372-4c96-85ec-E9034ac98aba"));
	CHECK(!stix_uuid_valid("f690c992-8e7d-0b9a-9303-3312616c0220")); /* version 0 */
	CHECK(!stix_uuid_valid("f690c992-8e7d-4b9a-c303-3312616c0220")); /* variant 110x */
	CHECK(!stix_uuid_valid("f690c9928e7d4b9a93033312616c0220"));
	CHECK(!stix_uuid_valid("f690c992-8e7d-4b9a-9303-3312616c022g"));
	CHECK(stix_identifier_valid(IDENT, "identity"));
	CHECK(!stix_identifier_valid(IDENT, "indicator"));
	CHECK(!stix_identifier_valid("identity-f690c992-8e7d-4b9a-9303-3312616c0220", NULL));
	CHECK(stix_type_valid("x-crypto-wallet"));
	CHECK(!stix_type_valid("x--wallet"));
	CHECK(!stix_type_valid("ab"));
	CHECK(!stix_type_valid("wallet-"));
	CHECK(!stix_type_valid("Wallet"));
	CHECK(!stix_type_valid("1wallet"));
	CHECK(stix_property_name_valid("id"));
	CHECK(stix_property_name_valid("x_ransom_wallet"));
	CHECK(!stix_property_name_valid("ab"));
	CHECK(!stix_property_name_valid("x-wallet"));
	CHECK(!stix_property_name_valid("Wallet"));
}

static void syntax_addresses(void)
{
	CHECK(stix_ipv4_valid("203.0.113.5"));
	CHECK(stix_ipv4_valid("10.0.0.0/8"));
	CHECK(stix_ipv4_valid("0.0.0.0"));
	CHECK(!stix_ipv4_valid("203.0.113.256"));
	CHECK(!stix_ipv4_valid("203.0.113.05"));
	CHECK(!stix_ipv4_valid("10.0.0.0/33"));
	CHECK(!stix_ipv4_valid("10.0.0"));
	CHECK(!stix_ipv4_valid("10.0.0.1."));
	CHECK(stix_ipv6_valid("2001:db8::45"));
	CHECK(stix_ipv6_valid("2001:db8::/32"));
	CHECK(!stix_ipv6_valid("::ffff:192.0.2.1"));
	CHECK(!stix_ipv6_valid("2001:db8::/129"));
	CHECK(!stix_ipv6_valid("2001:db8:::1"));
	CHECK(stix_mac_valid("d2:fb:49:24:37:18"));
	CHECK(!stix_mac_valid("D2:FB:49:24:37:18"));
	CHECK(!stix_mac_valid("d2-fb-49-24-37-18"));
	CHECK(stix_url_valid("https://example.com/a?b=c#d"));
	CHECK(stix_url_valid("mailto:a@example.com"));
	CHECK(!stix_url_valid("example.com/path"));
	CHECK(!stix_url_valid("https://exa mple.com/"));
	CHECK(!stix_url_valid("https://example.com/%zz"));
	CHECK(!stix_url_valid("https://example.com/#a#b"));
	CHECK(stix_email_valid("restore.files@example.org"));
	CHECK(!stix_email_valid("restore..files@example.org"));
	CHECK(!stix_email_valid("restore@localhost"));
	CHECK(!stix_email_valid("@example.org"));
	CHECK(stix_domain_valid("c2.example-locker.example"));
	CHECK(!stix_domain_valid("-bad.example"));
	CHECK(!stix_domain_valid("a..example"));
	CHECK(!stix_domain_valid("a b.example"));
}

static void syntax_encodings(void)
{
	CHECK(stix_base64_valid("aGVsbG8="));
	CHECK(stix_base64_valid("aGVsbG8h"));
	CHECK(!stix_base64_valid("aGVsbG8"));
	CHECK(!stix_base64_valid("aG=sbG8="));
	CHECK(!stix_base64_valid(""));
	CHECK(stix_hex_valid("4d5a"));
	CHECK(!stix_hex_valid("4d5"));
	CHECK(!stix_hex_valid("4g"));
	CHECK(stix_lang_valid("en"));
	CHECK(stix_lang_valid("de-CH"));
	CHECK(!stix_lang_valid("e"));
	CHECK(!stix_lang_valid("en_US"));
}

/* ---- input limits ---- */

static void input_limits(void)
{
	static const uint8_t deep[] = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]";
	CHECK_EQ_INT(stix_check_bundle(deep, sizeof deep - 1, NULL), ERR_LIMIT);
	CHECK_MSG("nested deeper");
	CHECK_EQ_INT(stix_check_bundle((const uint8_t *)base_json, STIX_MAX_INPUT + 1, NULL), ERR_LIMIT);
	static const uint8_t latin1[] = "{\"type\":\"bundle\",\"x\":\"caf\xe9\"}";
	CHECK_EQ_INT(stix_check_bundle(latin1, sizeof latin1 - 1, NULL), ERR_FORMAT);
	CHECK_MSG("not UTF-8");
	static const uint8_t dup[] = "{\"type\":\"bundle\",\"type\":\"bundle\"}";
	CHECK_EQ_INT(stix_check_bundle(dup, sizeof dup - 1, NULL), ERR_FORMAT);
	CHECK_MSG("duplicate");
	static const uint8_t nul[] = "{\"type\":\"bund\\u0000le\"}";
	CHECK_EQ_INT(stix_check_bundle(nul, sizeof nul - 1, NULL), ERR_FORMAT);
	static const uint8_t trailing[] = "{} {}";
	CHECK_EQ_INT(stix_check_bundle(trailing, sizeof trailing - 1, NULL), ERR_FORMAT);
	CHECK_MSG("not JSON");
}

/* ---- bundle ---- */

static void bundle_valid(void)
{
	struct stix_result res;
	CHECK_EQ_INT(stix_check_bundle((const uint8_t *)base_json, sizeof base_json - 1, &res), 0);
	CHECK_EQ_INT(res.objects, 4);
}

static void bundle_envelope(void)
{
	json_t *b = base();
	json_object_set_new(b, "spec_version", json_string("2.1"));
	CHECK(verdict(b, "$.spec_version"));
	b = base();
	json_object_set_new(b, "type", json_string("bundles"));
	CHECK(verdict(b, "$.type"));
	b = base();
	json_object_set_new(b, "id", json_string("report--5d0092c5-5f74-4287-9642-33f4c354e56d"));
	CHECK(verdict(b, "$.id"));
	b = base();
	json_object_set_new(b, "objects", json_array());
	CHECK(verdict(b, "$.objects"));
	b = base();
	json_object_set_new(b, "name", json_string("x"));
	CHECK(verdict(b, "$.name"));
	b = base();
	json_array_append_new(json_object_get(b, "objects"), json_string("x"));
	CHECK(verdict(b, "$.objects[4]"));
}

/* ---- common properties ---- */

static void common_required(void)
{
	const char *props[] = {"type", "id", "spec_version", "created", "modified"};
	for (size_t i = 0; i < 5; i++) {
		json_t *b = base();
		char path[64];
		json_object_del(obj(b, 1), props[i]);
		snprintf(path, sizeof path, "$.objects[1].%s", props[i]);
		CHECK(verdict(b, path));
	}
	json_t *b = base();
	json_object_del(obj(b, 3), "spec_version"); /* optional on SCOs */
	CHECK(verdict(b, NULL));
}

static void common_values(void)
{
	static const struct { size_t i; const char *key, *json, *path; } bad[] = {
		{1, "id", "\"malware--8cf9236f-1b96-493d-98be-0c1c1e8b62d7\"", "$.objects[1].id"},
		{1, "spec_version", "\"2.0\"", "$.objects[1].spec_version"},
		{3, "spec_version", "\"2.0\"", "$.objects[3].spec_version"},
		{1, "modified", "\"2024-03-10T08:15:00.000Z\"", "$.objects[1].modified"},
		{1, "created", "\"2024-03-11T08:15:00Z\"", "$.objects[1].created"},
		{1, "confidence", "101", "$.objects[1].confidence"},
		{1, "confidence", "50.5", "$.objects[1].confidence"},
		{1, "revoked", "\"false\"", "$.objects[1].revoked"},
		{1, "lang", "\"english!\"", "$.objects[1].lang"},
		{1, "labels", "[]", "$.objects[1].labels"},
		{1, "labels", "[1]", "$.objects[1].labels"},
		{1, "name", "null", "$.objects[1].name"},
		{1, "severity", "\"high\"", "$.objects[1].severity"},
		{1, "Wallet", "\"x\"", "$.objects[1].Wallet"},
		{1, "wallet", "\"x\"", "$.objects[1].wallet"},
		{1, "x_wallet_bin", "\"not base64\"", "$.objects[1].x_wallet_bin"},
		{1, "x_key_hex", "\"0g\"", "$.objects[1].x_key_hex"},
		{3, "created", "\"" T0 "\"", "$.objects[3].created"},
		{3, "defanged", "1", "$.objects[3].defanged"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		json_t *b = base();
		set(b, bad[k].i, bad[k].key, bad[k].json);
		if (!verdict(b, bad[k].path)) {
			fprintf(stderr, "  case %zu: %s\n", k, bad[k].key);
			check_failed_now = 1;
		}
	}
	json_t *b = base();
	set(b, 1, "x_wallet", "\"bc1qexample\"");
	set(b, 1, "confidence", "100");
	set(b, 1, "lang", "\"en\"");
	set(b, 1, "labels", "[\"ransomware\"]");
	CHECK(verdict(b, NULL));
}

static void common_external_references(void)
{
	static const struct { const char *json, *path; } cases[] = {
		{"[{\"source_name\":\"capec\",\"external_id\":\"CAPEC-98\"}]", NULL},
		{"[{\"source_name\":\"cve\",\"external_id\":\"CVE-2021-44228\"}]", NULL},
		{"[{\"source_name\":\"vendor\",\"url\":\"https://example.com/r\"}]", NULL},
		{"[{\"source_name\":\"cve\",\"external_id\":\"CVE-21-1\"}]", "$.objects[1].external_references[0].external_id"},
		{"[{\"source_name\":\"cve\"}]", "$.objects[1].external_references[0].external_id"},
		{"[{\"source_name\":\"vendor\",\"external_id\":\"CAPEC-1\"}]", "$.objects[1].external_references[0].external_id"},
		{"[{\"source_name\":\"vendor\"}]", "$.objects[1].external_references[0]"},
		{"[{\"source_name\":\"vendor\",\"url\":\"no url\"}]", "$.objects[1].external_references[0].url"},
		{"[{\"source_name\":\"v\",\"description\":\"d\",\"hashes\":{\"x_foo\":\"1\"}}]",
		 "$.objects[1].external_references[0].hashes.x_foo"},
		{"[{\"source_name\":\"v\",\"description\":\"d\",\"comment\":\"c\"}]",
		 "$.objects[1].external_references[0].comment"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_t *b = base();
		set(b, 1, "external_references", cases[k].json);
		CHECK(verdict(b, cases[k].path));
	}
}

static void common_markings(void)
{
	json_t *b = base();
	set(b, 1, "object_marking_refs", "[\"" TLP_WHITE "\"]"); /* predefined: need not be present */
	CHECK(verdict(b, NULL));
	b = base();
	set(b, 1, "object_marking_refs", "[\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\"]");
	CHECK(verdict(b, "$.objects[1].object_marking_refs[0]"));
	b = base();
	set(b, 1, "object_marking_refs", "[\"" IDENT "\"]");
	CHECK(verdict(b, "$.objects[1].object_marking_refs[0]"));
	b = base();
	set(b, 1, "granular_markings", "[{\"selectors\":[\"pattern\"],\"marking_ref\":\"" TLP_WHITE "\"}]");
	CHECK(verdict(b, NULL));
	b = base();
	set(b, 1, "granular_markings", "[{\"selectors\":[\"description\"],\"marking_ref\":\"" TLP_WHITE "\"}]");
	CHECK(verdict(b, "$.objects[1].granular_markings[0].selectors[0]"));
	b = base();
	set(b, 1, "granular_markings", "[{\"selectors\":[\"pattern\"],\"marking_ref\":\"" TLP_WHITE "\",\"lang\":\"en\"}]");
	CHECK(verdict(b, "$.objects[1].granular_markings[0].lang"));
	b = base();
	set(b, 2, "granular_markings", "[{\"selectors\":[\"malware_types.[0]\"],\"marking_ref\":\"" TLP_WHITE "\"}]");
	CHECK(verdict(b, NULL));
	b = base();
	set(b, 2, "granular_markings", "[{\"selectors\":[\"malware_types.[1]\"],\"marking_ref\":\"" TLP_WHITE "\"}]");
	CHECK(verdict(b, "$.objects[2].granular_markings[0].selectors[0]"));
}

/* ---- references ---- */

static void references(void)
{
	json_t *b = base();
	set(b, 1, "created_by_ref", "\"" MAL "\"");
	CHECK(verdict(b, "$.objects[1].created_by_ref"));
	b = base();
	set(b, 1, "created_by_ref", "\"identity--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\"");
	CHECK(verdict(b, "$.objects[1].created_by_ref"));
	b = base();
	set(b, 1, "created_by_ref", "\"CERT\"");
	CHECK(verdict(b, "$.objects[1].created_by_ref"));
	b = base();
	set(b, 1, "created_by_ref", "\"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\"");
	CHECK(verdict(b, "$.objects[1].created_by_ref"));
	/* ids compare case-insensitively in the UUID part */
	b = base();
	set(b, 1, "created_by_ref", "\"identity--F690C992-8E7D-4B9A-9303-3312616C0220\"");
	CHECK(verdict(b, NULL));
	/* custom _ref properties must resolve too */
	b = base();
	set(b, 1, "x_seen_on_ref", "\"" IP "\"");
	CHECK(verdict(b, NULL));
	b = base();
	set(b, 1, "x_seen_on_ref", "\"ipv4-addr--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\"");
	CHECK(verdict(b, "$.objects[1].x_seen_on_ref"));
	/* two objects with one id: only as versions with different modified */
	b = base();
	add(b, "{\"type\":\"ipv4-addr\",\"id\":\"" IP "\",\"value\":\"203.0.113.6\"}");
	CHECK(verdict(b, "$.objects[4].id"));
	b = base();
	add(b, "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" IDENT "\",\"created\":\"" T0 "\","
	       "\"modified\":\"2024-03-12T00:00:00.000Z\",\"name\":\"CERT v2\"}");
	CHECK(verdict(b, NULL));
	b = base();
	add(b, "{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":\"" IDENT "\",\"created\":\"" T0 "\","
	       "\"modified\":\"" T0 "\",\"name\":\"CERT again\"}");
	CHECK(verdict(b, "$.objects[4].id"));
}

/* ---- SDOs and SROs ---- */

static void sdo_rules(void)
{
	static const struct { size_t i; const char *key, *json, *path; } bad[] = {
		{1, "valid_until", "\"2024-03-11T00:00:00Z\"", "$.objects[1].valid_until"},
		{1, "valid_from", "\"yesterday\"", "$.objects[1].valid_from"},
		{1, "kill_chain_phases", "[{\"kill_chain_name\":\"lockheed\"}]", "$.objects[1].kill_chain_phases[0].phase_name"},
		{2, "is_family", "\"yes\"", "$.objects[2].is_family"},
		{2, "sample_refs", "[\"" IP "\"]", "$.objects[2].sample_refs[0]"},
		{2, "operating_system_refs", "[\"" IDENT "\"]", "$.objects[2].operating_system_refs[0]"},
	};
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		json_t *b = base();
		set(b, bad[k].i, bad[k].key, bad[k].json);
		if (!verdict(b, bad[k].path)) {
			fprintf(stderr, "  case %zu: %s\n", k, bad[k].key);
			check_failed_now = 1;
		}
	}
	json_t *b = base();
	set(b, 2, "first_seen", "\"2024-03-01T00:00:00Z\"");
	set(b, 2, "last_seen", "\"2023-03-01T00:00:00Z\"");
	CHECK(verdict(b, "$.objects[2].last_seen"));
	b = base();
	json_object_del(obj(b, 1), "pattern");
	CHECK(verdict(b, "$.objects[1].pattern"));
	b = base();
	json_object_del(obj(b, 2), "name");
	CHECK(verdict(b, "$.objects[2].name"));
	b = base();
	json_object_del(obj(b, 2), "name");
	set(b, 2, "is_family", "false");
	CHECK(verdict(b, NULL));
}

#define OD(extra)                                                                                   \
	"{\"type\":\"observed-data\",\"spec_version\":\"2.1\",\"id\":\"observed-data--b67d30ff-02ac-498a-92f9-32f845f448cf\"," \
	"\"created\":\"" T0 "\",\"modified\":\"" T0 "\",\"first_observed\":\"2024-03-10T21:58:00Z\","   \
	"\"last_observed\":\"2024-03-10T22:03:00Z\"" extra "}"

static void observed_data(void)
{
	json_t *b = base();
	add(b, OD(",\"number_observed\":1,\"object_refs\":[\"" IP "\"]"));
	CHECK(verdict(b, NULL));
	b = base();
	add(b, OD(",\"number_observed\":0,\"object_refs\":[\"" IP "\"]"));
	CHECK(verdict(b, "$.objects[4].number_observed"));
	b = base();
	add(b, OD(",\"number_observed\":1000000000,\"object_refs\":[\"" IP "\"]"));
	CHECK(verdict(b, "$.objects[4].number_observed"));
	b = base();
	add(b, OD(",\"number_observed\":1,\"object_refs\":[\"" MAL "\"]"));
	CHECK(verdict(b, "$.objects[4].object_refs[0]"));
	b = base();
	add(b, OD(",\"number_observed\":1"));
	CHECK(verdict(b, "$.objects[4].object_refs"));
	b = base();
	add(b, OD(",\"number_observed\":1,\"object_refs\":[\"" IP "\"],\"objects\":{\"0\":{\"type\":\"ipv4-addr\"}}"));
	CHECK(verdict(b, "$.objects[4].objects"));
}

#define SRO(type, id, extra)                                                                      \
	"{\"type\":\"" type "\",\"spec_version\":\"2.1\",\"id\":\"" type "--" id "\",\"created\":\"" T0 "\"," \
	"\"modified\":\"" T0 "\"," extra "}"
#define RID "44298a74-ba52-4f0c-87a3-1824e67d7fad"

static void sro_rules(void)
{
	json_t *b = base();
	add(b, SRO("relationship", RID, "\"relationship_type\":\"indicates\",\"source_ref\":\"" IND "\",\"target_ref\":\"" MAL "\""));
	CHECK(verdict(b, NULL));
	b = base();
	add(b, SRO("relationship", RID, "\"relationship_type\":\"Indicates\",\"source_ref\":\"" IND "\",\"target_ref\":\"" MAL "\""));
	CHECK(verdict(b, "$.objects[4].relationship_type"));
	b = base();
	add(b, SRO("relationship", RID, "\"relationship_type\":\"indicates\",\"source_ref\":\"" IND "\",\"target_ref\":\"" TLP_WHITE "\""));
	CHECK(verdict(b, "$.objects[4].target_ref"));
	b = base();
	add(b, SRO("relationship", RID, "\"relationship_type\":\"indicates\",\"source_ref\":\"" IND "\",\"target_ref\":\"" MAL "\","
					"\"start_time\":\"2024-01-01T00:00:00Z\",\"stop_time\":\"2024-01-01T00:00:00Z\""));
	CHECK(verdict(b, "$.objects[4].stop_time"));
	b = base();
	add(b, SRO("sighting", RID, "\"sighting_of_ref\":\"" IND "\",\"count\":3,\"where_sighted_refs\":[\"" IDENT "\"]"));
	CHECK(verdict(b, NULL));
	b = base();
	add(b, SRO("sighting", RID, "\"sighting_of_ref\":\"" IP "\""));
	CHECK(verdict(b, "$.objects[4].sighting_of_ref"));
	b = base();
	add(b, SRO("sighting", RID, "\"sighting_of_ref\":\"" IND "\",\"count\":1000000000"));
	CHECK(verdict(b, "$.objects[4].count"));
	b = base();
	add(b, SRO("sighting", RID, "\"sighting_of_ref\":\"" IND "\",\"where_sighted_refs\":[\"" MAL "\"]"));
	CHECK(verdict(b, "$.objects[4].where_sighted_refs[0]"));
	b = base();
	add(b, SRO("sighting", RID, "\"sighting_of_ref\":\"" IND "\",\"observed_data_refs\":[\"" IND "\"]"));
	CHECK(verdict(b, "$.objects[4].observed_data_refs[0]"));
}

#define LOC(extra) SRO("location", RID, extra)

static void location_rules(void)
{
	json_t *b = base();
	add(b, LOC("\"country\":\"de\""));
	CHECK(verdict(b, NULL));
	b = base();
	add(b, LOC("\"name\":\"HQ\""));
	CHECK(verdict(b, "$.objects[4]"));
	b = base();
	add(b, LOC("\"latitude\":48.2"));
	CHECK(verdict(b, "$.objects[4].longitude"));
	b = base();
	add(b, LOC("\"latitude\":91,\"longitude\":0"));
	CHECK(verdict(b, "$.objects[4].latitude"));
	b = base();
	add(b, LOC("\"country\":\"de\",\"precision\":10"));
	CHECK(verdict(b, "$.objects[4].precision"));
}

/* ---- SCOs ---- */

#define SCO(type, extra) "{\"type\":\"" type "\",\"id\":\"" type "--0b6ad2f8-51fe-4a31-8f4e-1f0e2f3a4b5c\"," extra "}"
#define SHA256 "\"3f1e1c8ea5b6b9a9e0e8d7a6c5b4a3928170f6e5d4c3b2a19088776655443322\""

static void sco_rules(void)
{
	static const struct { const char *json, *path; } cases[] = {
		{SCO("file", "\"name\":\"a.exe\",\"hashes\":{\"SHA-256\":" SHA256 "}"), NULL},
		{SCO("file", "\"size\":1"), "$.objects[4]"},
		{SCO("file", "\"hashes\":{\"SHA256\":" SHA256 "}"), "$.objects[4].hashes.SHA256"},
		{SCO("file", "\"hashes\":{\"x_sha256\":" SHA256 "}"), NULL},
		{SCO("file", "\"hashes\":{\"MD5\":" SHA256 "}"), "$.objects[4].hashes.MD5"},
		{SCO("file", "\"name\":\"a\",\"size\":-1"), "$.objects[4].size"},
		{SCO("file", "\"name\":\"a\",\"parent_directory_ref\":\"" IP "\""), "$.objects[4].parent_directory_ref"},
		{SCO("file", "\"name\":\"a\",\"extensions\":{\"archive-ext\":{\"contains_refs\":[\"" IP "\"]}}"),
		 "$.objects[4].extensions['archive-ext'].contains_refs[0]"},
		{SCO("file", "\"name\":\"a\",\"extensions\":{\"x-foo-ext\":{\"a\":1}}"), "$.objects[4].extensions['x-foo-ext']"},
		{SCO("file", "\"name\":\"a\",\"extensions\":{\"ntfs-ext\":{\"sid\":\"S-1\"}}"), NULL},
		{SCO("file", "\"name\":\"a\",\"extensions\":{\"ntfs-ext\":{\"comment\":\"c\"}}"), "$.objects[4].extensions['ntfs-ext'].comment"},
		{SCO("domain-name", "\"value\":\"c2.example\",\"resolves_to_refs\":[\"" IP "\"]"), NULL},
		{SCO("domain-name", "\"value\":\"c2.example\",\"resolves_to_refs\":[\"" MAL "\"]"), "$.objects[4].resolves_to_refs[0]"},
		{SCO("domain-name", "\"value\":\"c2 example\""), "$.objects[4].value"},
		{SCO("ipv6-addr", "\"value\":\"2001:db8::1\""), NULL},
		{SCO("ipv6-addr", "\"value\":\"203.0.113.5\""), "$.objects[4].value"},
		{SCO("mac-addr", "\"value\":\"d2:fb:49:24:37:1\""), "$.objects[4].value"},
		{SCO("email-addr", "\"value\":\"a@b\""), "$.objects[4].value"},
		{SCO("url", "\"value\":\"https://c2.example/gate.php\""), NULL},
		{SCO("url", "\"value\":\"c2.example/gate.php\""), "$.objects[4].value"},
		{SCO("artifact", "\"payload_bin\":\"aGVsbG8=\""), NULL},
		{SCO("artifact", "\"payload_bin\":\"aGVsbG8=\",\"url\":\"https://e.example/a\""), "$.objects[4]"},
		{SCO("artifact", "\"url\":\"https://e.example/a\""), "$.objects[4].hashes"},
		{SCO("artifact", "\"payload_bin\":\"aGVsbG8\""), "$.objects[4].payload_bin"},
		{SCO("artifact", "\"payload_bin\":\"aGVsbG8=\",\"decryption_key\":\"k\""), "$.objects[4].decryption_key"},
		{SCO("email-message", "\"is_multipart\":false,\"body\":\"pay\""), NULL},
		{SCO("email-message", "\"is_multipart\":true,\"body\":\"pay\""), "$.objects[4].body"},
		{SCO("email-message", "\"is_multipart\":true,\"body_multipart\":[{\"content_type\":\"text/plain\"}]"),
		 "$.objects[4].body_multipart[0]"},
		{SCO("network-traffic", "\"protocols\":[\"tcp\"]"), "$.objects[4]"},
		{SCO("network-traffic", "\"protocols\":[\"tcp\"],\"dst_ref\":\"" IP "\",\"dst_port\":65536"), "$.objects[4].dst_port"},
		{SCO("network-traffic", "\"protocols\":[\"tcp\"],\"dst_ref\":\"" IP "\",\"is_active\":true,\"end\":\"2024-01-01T00:00:00Z\""),
		 "$.objects[4].end"},
		{SCO("network-traffic", "\"protocols\":[\"tcp\"],\"dst_ref\":\"" IP "\",\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_INET\",\"options\":{\"SO_RCVBUF\":1}}}"), NULL},
		{SCO("network-traffic", "\"protocols\":[\"tcp\"],\"dst_ref\":\"" IP "\",\"extensions\":{\"socket-ext\":{\"address_family\":\"AF_FOO\"}}"),
		 "$.objects[4].extensions['socket-ext'].address_family"},
		{SCO("windows-registry-key", "\"key\":\"HKEY_LOCAL_MACHINE\\\\Software\\\\Locker\""), NULL},
		{SCO("windows-registry-key", "\"key\":\"HKLM\\\\Software\""), "$.objects[4].key"},
		{SCO("process", "\"pid\":4242"), NULL},
		{SCO("process", "\"pid\":4242,\"image_ref\":\"" IP "\""), "$.objects[4].image_ref"},
		{SCO("mutex", "\"name\":\"Global\\\\locker\""), NULL},
		{SCO("autonomous-system", "\"number\":64496"), NULL},
		{SCO("autonomous-system", "\"name\":\"x\""), "$.objects[4].number"},
		{SCO("software", "\"vendor\":\"x\""), "$.objects[4].name"},
		{SCO("user-account", "\"user_id\":\"1001\""), NULL},
		{SCO("x509-certificate", "\"serial_number\":\"01\",\"hashes\":{\"SHA-1\":\"00\"}"), "$.objects[4].hashes['SHA-1']"},
		{SCO("directory", "\"path\":\"C:\\\\Users\",\"path_enc\":\"x\""), "$.objects[4].path_enc"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_t *b = base();
		add(b, cases[k].json);
		if (!verdict(b, cases[k].path)) {
			fprintf(stderr, "  case %zu: %s\n", k, cases[k].json);
			check_failed_now = 1;
		}
	}
}

/* ---- markings, meta objects, custom objects ---- */

static void marking_definitions(void)
{
	static const struct { const char *json, *path; } cases[] = {
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"" TLP_WHITE "\",\"created\":\"2017-01-20T00:00:00.000Z\","
		 "\"definition_type\":\"tlp\",\"name\":\"TLP:WHITE\",\"definition\":{\"tlp\":\"white\"}}", NULL},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"" TLP_WHITE "\",\"created\":\"2017-01-20T00:00:00.000Z\","
		 "\"definition_type\":\"tlp\",\"name\":\"TLP:WHITE\",\"definition\":{\"tlp\":\"red\"}}", "$.objects[4]"},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb\","
		 "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\",\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
		 "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"green\"}}}", NULL},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\","
		 "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:GREEN\",\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
		 "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"green\"}}}", "$.objects[4].extensions"},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\","
		 "\"created\":\"" T0 "\",\"definition_type\":\"statement\",\"definition\":{\"statement\":\"(c) CERT\"}}", NULL},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\","
		 "\"created\":\"" T0 "\",\"definition_type\":\"statement\",\"definition\":{\"text\":\"(c) CERT\"}}", "$.objects[4].definition"},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\","
		 "\"created\":\"" T0 "\",\"definition_type\":\"tlp\",\"definition\":{\"tlp\":\"red\"}}", "$.objects[4].definition_type"},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\","
		 "\"created\":\"" T0 "\"}", "$.objects[4]"},
		{"{\"type\":\"marking-definition\",\"spec_version\":\"2.1\",\"id\":\"marking-definition--9f0c4e2a-7b1d-4c5e-8a6f-0123456789ab\","
		 "\"created\":\"" T0 "\",\"modified\":\"" T0 "\",\"definition_type\":\"statement\",\"definition\":{\"statement\":\"s\"}}",
		 "$.objects[4].modified"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_t *b = base();
		add(b, cases[k].json);
		if (!verdict(b, cases[k].path)) {
			fprintf(stderr, "  case %zu\n", k);
			check_failed_now = 1;
		}
	}
}

#define EXTDEF_ID "extension-definition--d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e"

static void custom_objects(void)
{
	static const struct { const char *json, *path; } cases[] = {
		{SCO("x-crypto-wallet", "\"currency\":\"BTC\",\"address\":\"bc1q\""), NULL},
		{SCO("crypto-wallet", "\"address\":\"bc1q\""), "$.objects[4].type"},
		{SCO("crypto-wallet", "\"address\":\"bc1q\",\"extensions\":{\"" EXTDEF_ID "\":{\"extension_type\":\"new-sco\"}}"), NULL},
		{SCO("crypto-wallet", "\"address\":\"bc1q\",\"extensions\":{\"" EXTDEF_ID "\":{\"extension_type\":\"new-thing\"}}"),
		 "$.objects[4].type"},
		{SCO("x-crypto-wallet", "\"owner_ref\":\"" IDENT "\""), NULL},
		{SCO("x-crypto-wallet", "\"Address\":\"bc1q\""), "$.objects[4].Address"},
		{SRO("extension-definition", "d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
		     "\"created_by_ref\":\"" IDENT "\",\"name\":\"wallet\",\"schema\":\"https://example.org/wallet.json\","
		     "\"version\":\"1.0\",\"extension_types\":[\"new-sco\"]"), NULL},
		{SRO("extension-definition", "d83fce45-ef58-4c6c-a3f4-1fbc32e98c6e",
		     "\"name\":\"wallet\",\"schema\":\"s\",\"version\":\"1.0\",\"extension_types\":[\"new-sco\"],"
		     "\"extension_properties\":[\"x\"]"), "$.objects[4].extension_properties"},
		{SRO("language-content", RID, "\"object_ref\":\"" MAL "\",\"contents\":{\"de\":{\"name\":\"BeispielLocker\"}}"), NULL},
		{SRO("language-content", RID, "\"object_ref\":\"" MAL "\",\"contents\":{\"de_DE\":{\"name\":\"x\"}}"), "$.objects[4].contents"},
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		json_t *b = base();
		add(b, cases[k].json);
		if (!verdict(b, cases[k].path)) {
			fprintf(stderr, "  case %zu: %s\n", k, cases[k].json);
			check_failed_now = 1;
		}
	}
	/* a toplevel-property-extension allows properties without x_ */
	json_t *b = base();
	set(b, 1, "wallet", "\"bc1q\"");
	set(b, 1, "extensions", "{\"" EXTDEF_ID "\":{\"extension_type\":\"toplevel-property-extension\"}}");
	CHECK(verdict(b, NULL));
}

static void error_path_is_bounded(void)
{
	/* an absurdly long custom key still yields a bounded path */
	json_t *b = base();
	char key[400];
	memset(key, 'a', sizeof key - 1);
	key[sizeof key - 1] = '\0';
	json_object_set_new(obj(b, 1), key, json_string("x"));
	char *text = json_dumps(b, JSON_COMPACT);
	struct stix_result res;
	json_decref(b);
	CHECK_EQ_INT(stix_check_bundle((const uint8_t *)text, strlen(text), &res), ERR_VERIFY);
	CHECK(strlen(res.path) < STIX_PATH_MAX);
	CHECK(strncmp(res.path, "$.objects[1].", 13) == 0);
	free(text);
}

/* stix_check_json: a parsed bundle, paths under the caller's root. */
static void parsed_bundle_root_path(void)
{
	json_t *b = base();
	struct stix_result res;
	CHECK_EQ_INT(stix_check_json(b, "$.evidence", &res), 0);
	CHECK_EQ_INT(res.objects, 4);
	CHECK_EQ_INT(stix_check_json(b, NULL, NULL), 0);
	json_object_del(obj(b, 1), "pattern");
	CHECK_EQ_INT(stix_check_json(b, "$.evidence", &res), ERR_VERIFY);
	CHECK_STR(res.path, "$.evidence.objects[1].pattern");
	CHECK_MSG("$.evidence.objects[1].pattern: required property is missing");
	CHECK_EQ_INT(stix_check_json(b, NULL, &res), ERR_VERIFY);
	CHECK_STR(res.path, "$.objects[1].pattern");
	json_decref(b);
}

int main(void)
{
	RUN(syntax_timestamp);
	RUN(syntax_identifier);
	RUN(syntax_addresses);
	RUN(syntax_encodings);
	RUN(input_limits);
	RUN(bundle_valid);
	RUN(bundle_envelope);
	RUN(common_required);
	RUN(common_values);
	RUN(common_external_references);
	RUN(common_markings);
	RUN(references);
	RUN(sdo_rules);
	RUN(observed_data);
	RUN(sro_rules);
	RUN(location_rules);
	RUN(sco_rules);
	RUN(marking_definitions);
	RUN(custom_objects);
	RUN(error_path_is_bounded);
	RUN(parsed_bundle_root_path);
	CHECK_EXIT();
}
