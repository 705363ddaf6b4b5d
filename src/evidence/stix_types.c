/*
 * stix_types — what STIX 2.1 defines for each object type: its properties,
 * which are required, their value kinds, the types each reference may point
 * at, and the predefined extensions. Sources: the STIX 2.1 specification
 * (OASIS Standard, 2021) sections 3-7 and the OASIS JSON schemas; where they
 * differ the stricter rule is kept (docs/stix.md).
 */
#include "evidence/stix_types.h"
#include "evidence/stix.h"
#include "evidence/stix_ctx.h"
#include "base/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TLP2_EXTENSION "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

static int marking_check(struct stix_ctx *c, json_t *obj);
static int granular_check(struct stix_ctx *c, json_t *gm);

#define P(n, k, ...) {.name = (n), .kind = (k), __VA_ARGS__}
#define REQ .required = 1
#define RANGE(l, h) .ranged = 1, .lo = (l), .hi = (h)
#define END {.name = NULL}

/* ---- common properties ---------------------------------------------- */

static int core_check(struct stix_ctx *c, json_t *obj)
{
	return stix_check_order(c, obj, "created", "modified", 0);
}

static const struct stix_shape kill_chain_phase = {
	"kill-chain-phase",
	(const struct stix_prop[]){
		P("kill_chain_name", SK_STRING, REQ),
		P("phase_name", SK_STRING, REQ),
		END,
	},
	NULL, NULL,
};

/* source_name "cve" and "capec" need an external_id of their form; other
 * sources must not use those forms and need at least one of the others. */
static int cve_id(const char *s)
{
	const char *p = s + 4;
	size_t n = strspn(p, "0123456789");
	if (strncmp(s, "CVE-", 4) || n != 4 || p[4] != '-')
		return 0;
	p += 5;
	n = strspn(p, "0123456789");
	return p[n] == '\0' && n >= 4 && (p[0] != '0' || n == 4);
}

static int capec_id(const char *s)
{
	size_t n = strspn(s + 6, "0123456789");
	return strncmp(s, "CAPEC-", 6) == 0 && n > 0 && s[6 + n] == '\0';
}

static int extref_check(struct stix_ctx *c, json_t *ref)
{
	const char *src = json_string_value(json_object_get(ref, "source_name"));
	const char *eid = json_string_value(json_object_get(ref, "external_id"));
	if (!strcmp(src, "cve") || !strcmp(src, "capec")) {
		int cve = src[1] == 'v';
		if (!eid)
			return stix_fail_at(c, "external_id", "required when source_name is \"%s\"", src);
		if (cve ? !cve_id(eid) : !capec_id(eid))
			return stix_fail_at(c, "external_id", "must have the form %s", cve ? "CVE-YYYY-NNNN" : "CAPEC-N");
		return 0;
	}
	if (eid && (cve_id(eid) || capec_id(eid)))
		return stix_fail_at(c, "external_id", "a CVE or CAPEC id needs source_name \"cve\" or \"capec\"");
	if (!eid && !json_object_get(ref, "description") && !json_object_get(ref, "url"))
		return stix_fail(c, "an external reference needs external_id, description or url");
	return 0;
}

static const struct stix_shape external_reference = {
	"external-reference",
	(const struct stix_prop[]){
		P("source_name", SK_STRING, REQ),
		P("description", SK_STRING),
		P("url", SK_URL),
		P("hashes", SK_HASHES_STD),
		P("external_id", SK_STRING),
		END,
	},
	NULL, extref_check,
};

static const struct stix_shape granular_marking = {
	"granular-marking",
	(const struct stix_prop[]){
		P("selectors", SK_STRINGS, REQ),
		P("marking_ref", SK_REF, REQ, .to = "marking-definition"),
		P("lang", SK_LANG),
		END,
	},
	NULL, granular_check,
};

#define COMMON_MARKING_PROPS                                                        \
	P("object_marking_refs", SK_REFS, .to = "marking-definition"),               \
	P("granular_markings", SK_OBJECTS, .sub = &granular_marking),                \
	P("extensions", SK_EXTENSIONS)

const struct stix_shape stix_core_shape = {
	"core",
	(const struct stix_prop[]){
		P("type", SK_STRING, REQ),
		P("spec_version", SK_ENUM, REQ, .vals = "2.1"),
		P("id", SK_STRING, REQ),
		P("created_by_ref", SK_REF, .to = "identity"),
		P("created", SK_TIMESTAMP_MS, REQ),
		P("modified", SK_TIMESTAMP_MS, REQ),
		P("revoked", SK_BOOL),
		P("labels", SK_STRINGS),
		P("confidence", SK_INT, RANGE(0, 100)),
		P("lang", SK_LANG),
		P("external_references", SK_OBJECTS, .sub = &external_reference),
		COMMON_MARKING_PROPS,
		END,
	},
	NULL, core_check,
};

const struct stix_shape stix_sco_core_shape = {
	"cyber-observable-core",
	(const struct stix_prop[]){
		P("type", SK_STRING, REQ),
		P("spec_version", SK_ENUM, .vals = "2.1"),
		P("id", SK_STRING, REQ),
		P("defanged", SK_BOOL),
		COMMON_MARKING_PROPS,
		END,
	},
	NULL, NULL,
};

#define EXTENSION_TYPES "new-sdo|new-sco|new-sro|property-extension|toplevel-property-extension"

const struct stix_shape stix_ext_body_shape = {
	"extension",
	(const struct stix_prop[]){
		P("extension_type", SK_ENUM, REQ, .vals = EXTENSION_TYPES),
		END,
	},
	NULL, NULL,
};

/* ---- SDOs ------------------------------------------------------------- */

#define NAME_DESC P("name", SK_STRING, REQ), P("description", SK_STRING)
#define KILL_CHAIN P("kill_chain_phases", SK_OBJECTS, .sub = &kill_chain_phase)
#define SEEN P("first_seen", SK_TIMESTAMP), P("last_seen", SK_TIMESTAMP)

static int seen_check(struct stix_ctx *c, json_t *obj)
{
	return stix_check_order(c, obj, "first_seen", "last_seen", 0);
}

static const struct stix_shape attack_pattern = {
	"attack-pattern",
	(const struct stix_prop[]){
		NAME_DESC, P("aliases", SK_STRINGS), KILL_CHAIN, END,
	},
	NULL, NULL,
};

static const struct stix_shape campaign = {
	"campaign",
	(const struct stix_prop[]){
		NAME_DESC, P("aliases", SK_STRINGS), SEEN, P("objective", SK_STRING), END,
	},
	NULL, seen_check,
};

static const struct stix_shape course_of_action = {
	"course-of-action",
	(const struct stix_prop[]){NAME_DESC, END},
	NULL, NULL,
};

static const struct stix_shape grouping = {
	"grouping",
	(const struct stix_prop[]){
		P("name", SK_STRING), P("description", SK_STRING),
		P("context", SK_STRING, REQ),
		P("object_refs", SK_REFS, REQ, .to = "@any"),
		END,
	},
	NULL, NULL,
};

static const struct stix_shape identity = {
	"identity",
	(const struct stix_prop[]){
		NAME_DESC, P("roles", SK_STRINGS), P("identity_class", SK_STRING),
		P("sectors", SK_STRINGS), P("contact_information", SK_STRING), END,
	},
	NULL, NULL,
};

static const struct stix_shape incident = {
	"incident",
	(const struct stix_prop[]){NAME_DESC, KILL_CHAIN, END},
	NULL, NULL,
};

static int indicator_check(struct stix_ctx *c, json_t *obj)
{
	return stix_check_order(c, obj, "valid_from", "valid_until", 1);
}

static const struct stix_shape indicator = {
	"indicator",
	(const struct stix_prop[]){
		P("name", SK_STRING), P("description", SK_STRING),
		P("indicator_types", SK_STRINGS),
		P("pattern", SK_STRING, REQ),
		P("pattern_type", SK_STRING, REQ),
		P("pattern_version", SK_STRING),
		P("valid_from", SK_TIMESTAMP, REQ),
		P("valid_until", SK_TIMESTAMP),
		KILL_CHAIN, END,
	},
	NULL, indicator_check,
};

static const struct stix_shape infrastructure = {
	"infrastructure",
	(const struct stix_prop[]){
		NAME_DESC, P("infrastructure_types", SK_STRINGS), P("aliases", SK_STRINGS),
		KILL_CHAIN, SEEN, END,
	},
	NULL, seen_check,
};

#define MOTIVATION                                                                 \
	P("resource_level", SK_STRING), P("primary_motivation", SK_STRING),          \
	P("secondary_motivations", SK_STRINGS)

static const struct stix_shape intrusion_set = {
	"intrusion-set",
	(const struct stix_prop[]){
		NAME_DESC, P("aliases", SK_STRINGS), SEEN, P("goals", SK_STRINGS), MOTIVATION, END,
	},
	NULL, seen_check,
};

static int location_check(struct stix_ctx *c, json_t *obj)
{
	int lat = json_object_get(obj, "latitude") != NULL;
	int lon = json_object_get(obj, "longitude") != NULL;
	if (lat != lon)
		return stix_fail_at(c, lat ? "longitude" : "latitude",
				    "latitude and longitude must be given together");
	if (json_object_get(obj, "precision") && !lat)
		return stix_fail_at(c, "precision", "precision needs latitude and longitude");
	if (!lat && !json_object_get(obj, "region") && !json_object_get(obj, "country"))
		return stix_fail(c, "a location needs region, country, or latitude and longitude");
	return 0;
}

static const struct stix_shape location = {
	"location",
	(const struct stix_prop[]){
		P("name", SK_STRING), P("description", SK_STRING),
		P("latitude", SK_NUMBER, RANGE(-90, 90)),
		P("longitude", SK_NUMBER, RANGE(-180, 180)),
		P("precision", SK_NUMBER, RANGE(0, 1e300)),
		P("region", SK_STRING), P("country", SK_STRING),
		P("administrative_area", SK_STRING), P("city", SK_STRING),
		P("street_address", SK_STRING), P("postal_code", SK_STRING),
		END,
	},
	NULL, location_check,
};

static int malware_check(struct stix_ctx *c, json_t *obj)
{
	if (json_is_true(json_object_get(obj, "is_family")) && !json_object_get(obj, "name"))
		return stix_fail_at(c, "name", "required property is missing (is_family is true)");
	return seen_check(c, obj);
}

static const struct stix_shape malware = {
	"malware",
	(const struct stix_prop[]){
		P("name", SK_STRING), P("description", SK_STRING),
		P("malware_types", SK_STRINGS),
		P("is_family", SK_BOOL, REQ),
		P("aliases", SK_STRINGS), KILL_CHAIN, SEEN,
		P("operating_system_refs", SK_REFS, .to = "software"),
		P("architecture_execution_envs", SK_STRINGS),
		P("implementation_languages", SK_STRINGS),
		P("capabilities", SK_STRINGS),
		P("sample_refs", SK_REFS, .to = "artifact file"),
		END,
	},
	NULL, malware_check,
};

static int malware_analysis_check(struct stix_ctx *c, json_t *obj)
{
	if (!json_object_get(obj, "result") && !json_object_get(obj, "analysis_sco_refs"))
		return stix_fail(c, "a malware-analysis needs result or analysis_sco_refs");
	int rc = stix_check_order(c, obj, "analysis_started", "analysis_ended", 0);
	return rc ? rc : stix_check_order(c, obj, "submitted", "analysis_started", 0);
}

static const struct stix_shape malware_analysis = {
	"malware-analysis",
	(const struct stix_prop[]){
		P("product", SK_STRING, REQ), P("version", SK_STRING),
		P("host_vm_ref", SK_REF, .to = "software"),
		P("operating_system_ref", SK_REF, .to = "software"),
		P("installed_software_refs", SK_REFS, .to = "software"),
		P("configuration_version", SK_STRING), P("modules", SK_STRINGS),
		P("analysis_engine_version", SK_STRING), P("analysis_definition_version", SK_STRING),
		P("submitted", SK_TIMESTAMP), P("analysis_started", SK_TIMESTAMP),
		P("analysis_ended", SK_TIMESTAMP), P("result_name", SK_STRING),
		P("result", SK_STRING),
		P("analysis_sco_refs", SK_REFS, .to = "@sco"),
		P("sample_ref", SK_REF, .to = "file artifact network-traffic"),
		END,
	},
	NULL, malware_analysis_check,
};

static const struct stix_shape note = {
	"note",
	(const struct stix_prop[]){
		P("abstract", SK_STRING), P("content", SK_STRING, REQ), P("authors", SK_STRINGS),
		P("object_refs", SK_REFS, REQ, .to = "@any"), END,
	},
	NULL, NULL,
};

static int observed_data_check(struct stix_ctx *c, json_t *obj)
{
	return stix_check_order(c, obj, "first_observed", "last_observed", 0);
}

static const struct stix_shape observed_data = {
	"observed-data",
	(const struct stix_prop[]){
		P("first_observed", SK_TIMESTAMP, REQ),
		P("last_observed", SK_TIMESTAMP, REQ),
		P("number_observed", SK_INT, REQ, RANGE(1, 999999999)),
		P("object_refs", SK_REFS, REQ, .to = "@sco relationship sighting"),
		END,
	},
	NULL, observed_data_check,
};

static const struct stix_shape opinion = {
	"opinion",
	(const struct stix_prop[]){
		P("explanation", SK_STRING), P("authors", SK_STRINGS),
		P("opinion", SK_ENUM, REQ, .vals = "strongly-disagree|disagree|neutral|agree|strongly-agree"),
		P("object_refs", SK_REFS, REQ, .to = "@any"), END,
	},
	NULL, NULL,
};

static const struct stix_shape report = {
	"report",
	(const struct stix_prop[]){
		NAME_DESC, P("report_types", SK_STRINGS),
		P("published", SK_TIMESTAMP, REQ),
		P("object_refs", SK_REFS, REQ, .to = "@any"), END,
	},
	NULL, NULL,
};

static const struct stix_shape threat_actor = {
	"threat-actor",
	(const struct stix_prop[]){
		NAME_DESC, P("threat_actor_types", SK_STRINGS), P("aliases", SK_STRINGS), SEEN,
		P("roles", SK_STRINGS), P("goals", SK_STRINGS), P("sophistication", SK_STRING),
		MOTIVATION, P("personal_motivations", SK_STRINGS), END,
	},
	NULL, seen_check,
};

static const struct stix_shape tool = {
	"tool",
	(const struct stix_prop[]){
		NAME_DESC, P("tool_types", SK_STRINGS), P("aliases", SK_STRINGS), KILL_CHAIN,
		P("tool_version", SK_STRING), END,
	},
	NULL, NULL,
};

static const struct stix_shape vulnerability = {
	"vulnerability",
	(const struct stix_prop[]){NAME_DESC, END},
	NULL, NULL,
};

/* ---- SROs ------------------------------------------------------------- */

static int relationship_check(struct stix_ctx *c, json_t *obj)
{
	const char *t = json_string_value(json_object_get(obj, "relationship_type"));
	if (!t[0] || strspn(t, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(t))
		return stix_fail_at(c, "relationship_type", "must be lowercase letters, digits and '-'");
	return stix_check_order(c, obj, "start_time", "stop_time", 1);
}

static const struct stix_shape relationship = {
	"relationship",
	(const struct stix_prop[]){
		P("relationship_type", SK_STRING, REQ), P("description", SK_STRING),
		P("source_ref", SK_REF, REQ, .to = "@sdo @sco"),
		P("target_ref", SK_REF, REQ, .to = "@sdo @sco"),
		P("start_time", SK_TIMESTAMP), P("stop_time", SK_TIMESTAMP), END,
	},
	NULL, relationship_check,
};

static const struct stix_shape sighting = {
	"sighting",
	(const struct stix_prop[]){
		P("description", SK_STRING), SEEN,
		P("count", SK_INT, RANGE(0, 999999999)),
		P("sighting_of_ref", SK_REF, REQ, .to = "@sdo"),
		P("observed_data_refs", SK_REFS, .to = "observed-data"),
		P("where_sighted_refs", SK_REFS, .to = "identity location"),
		P("summary", SK_BOOL), END,
	},
	NULL, seen_check,
};

/* ---- SCOs ------------------------------------------------------------- */

static int artifact_check(struct stix_ctx *c, json_t *obj)
{
	int payload = json_object_get(obj, "payload_bin") != NULL;
	int url = json_object_get(obj, "url") != NULL;
	if (payload == url)
		return stix_fail(c, "an artifact needs exactly one of payload_bin and url");
	if (url && !json_object_get(obj, "hashes"))
		return stix_fail_at(c, "hashes", "required property is missing (url is present)");
	if (json_object_get(obj, "decryption_key") && !json_object_get(obj, "encryption_algorithm"))
		return stix_fail_at(c, "decryption_key", "needs encryption_algorithm");
	return 0;
}

static const struct stix_shape artifact = {
	"artifact",
	(const struct stix_prop[]){
		P("mime_type", SK_MIME), P("payload_bin", SK_BINARY), P("url", SK_URL),
		P("hashes", SK_HASHES),
		P("encryption_algorithm", SK_ENUM, .vals = "AES-256-GCM|ChaCha20Poly1305|mime-type-indicated"),
		P("decryption_key", SK_STRING), END,
	},
	NULL, artifact_check,
};

static const struct stix_shape autonomous_system = {
	"autonomous-system",
	(const struct stix_prop[]){
		P("number", SK_INT, REQ, RANGE(0, 4294967295.0)), P("name", SK_STRING),
		P("rir", SK_STRING), END,
	},
	NULL, NULL,
};

#define FILE_TIMES P("ctime", SK_TIMESTAMP), P("mtime", SK_TIMESTAMP), P("atime", SK_TIMESTAMP)

static int enc_name_valid(struct stix_ctx *c, json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	size_t n = s ? strlen(s) : 0;
	if (s && (n < 2 || n > 250 ||
		  strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/.+_:-") != n))
		return stix_fail_at(c, key, "must be a character set name (2-250 of A-Z a-z 0-9 / . + _ : -)");
	return 0;
}

static int directory_check(struct stix_ctx *c, json_t *obj)
{
	return enc_name_valid(c, obj, "path_enc");
}

static const struct stix_shape directory = {
	"directory",
	(const struct stix_prop[]){
		P("path", SK_STRING, REQ), P("path_enc", SK_STRING), FILE_TIMES,
		P("contains_refs", SK_REFS, .to = "file directory"), END,
	},
	NULL, directory_check,
};

static const struct stix_shape domain_name = {
	"domain-name",
	(const struct stix_prop[]){
		P("value", SK_DOMAIN, REQ),
		P("resolves_to_refs", SK_REFS, .to = "ipv4-addr ipv6-addr domain-name"), END,
	},
	NULL, NULL,
};

static const struct stix_shape email_addr = {
	"email-addr",
	(const struct stix_prop[]){
		P("value", SK_EMAIL, REQ), P("display_name", SK_STRING),
		P("belongs_to_ref", SK_REF, .to = "user-account"), END,
	},
	NULL, NULL,
};

static int mime_part_check(struct stix_ctx *c, json_t *part)
{
	if ((json_object_get(part, "body") != NULL) == (json_object_get(part, "body_raw_ref") != NULL))
		return stix_fail(c, "a MIME part needs exactly one of body and body_raw_ref");
	return 0;
}

static const struct stix_shape mime_part = {
	"mime-part",
	(const struct stix_prop[]){
		P("body", SK_STRING), P("body_raw_ref", SK_REF, .to = "artifact file"),
		P("content_type", SK_STRING), P("content_disposition", SK_STRING), END,
	},
	NULL, mime_part_check,
};

static int email_message_check(struct stix_ctx *c, json_t *obj)
{
	int multi = json_is_true(json_object_get(obj, "is_multipart"));
	if (multi && json_object_get(obj, "body"))
		return stix_fail_at(c, "body", "not allowed when is_multipart is true (use body_multipart)");
	if (!multi && json_object_get(obj, "body_multipart"))
		return stix_fail_at(c, "body_multipart", "not allowed when is_multipart is false");
	static const char *const reserved[] = {"date", "received_lines", "content_type", "from_ref",
					       "sender_ref", "to_refs", "cc_refs", "bcc_refs", "subject", NULL};
	json_t *hdr = json_object_get(obj, "additional_header_fields");
	for (size_t i = 0; hdr && reserved[i]; i++)
		if (json_object_get(hdr, reserved[i]))
			return stix_fail_at(c, "additional_header_fields",
					    "'%s' has its own property and must not be repeated here", reserved[i]);
	return 0;
}

static const struct stix_shape email_message = {
	"email-message",
	(const struct stix_prop[]){
		P("is_multipart", SK_BOOL, REQ), P("date", SK_TIMESTAMP), P("content_type", SK_STRING),
		P("from_ref", SK_REF, .to = "email-addr"), P("sender_ref", SK_REF, .to = "email-addr"),
		P("to_refs", SK_REFS, .to = "email-addr"), P("cc_refs", SK_REFS, .to = "email-addr"),
		P("bcc_refs", SK_REFS, .to = "email-addr"), P("message_id", SK_STRING),
		P("subject", SK_STRING), P("received_lines", SK_STRINGS),
		P("additional_header_fields", SK_DICT, .vals = "sA"),
		P("body", SK_STRING), P("body_multipart", SK_OBJECTS, .sub = &mime_part),
		P("raw_email_ref", SK_REF, .to = "artifact"), END,
	},
	NULL, email_message_check,
};

static const struct stix_shape alternate_data_stream = {
	"alternate-data-stream",
	(const struct stix_prop[]){
		P("name", SK_STRING, REQ), P("hashes", SK_HASHES),
		P("size", SK_INT, RANGE(0, 9.2e18)), END,
	},
	NULL, NULL,
};

static const struct stix_shape ntfs_ext = {
	"ntfs-ext",
	(const struct stix_prop[]){
		P("sid", SK_STRING), P("alternate_data_streams", SK_OBJECTS, .sub = &alternate_data_stream), END,
	},
	"sid alternate_data_streams", NULL,
};

static int raster_check(struct stix_ctx *c, json_t *ext)
{
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(ext, "exif_tags"), key, v) {
		if (!(key[0] >= 'A' && key[0] <= 'Z') || !key[1])
			return stix_fail_at(c, "exif_tags", "EXIF tag names start with an uppercase letter");
		if (!json_is_string(v) && !json_is_integer(v))
			return stix_fail_at(c, "exif_tags", "EXIF tag values are strings or integers");
	}
	return 0;
}

static const struct stix_shape raster_image_ext = {
	"raster-image-ext",
	(const struct stix_prop[]){
		P("image_height", SK_INT), P("image_width", SK_INT), P("bits_per_pixel", SK_INT),
		P("exif_tags", SK_DICT), END,
	},
	"image_height image_width bits_per_pixel exif_tags", raster_check,
};

static const struct stix_shape pdf_ext = {
	"pdf-ext",
	(const struct stix_prop[]){
		P("version", SK_STRING), P("is_optimized", SK_BOOL),
		P("document_info_dict", SK_DICT, .vals = "s"),
		P("pdfid0", SK_STRING), P("pdfid1", SK_STRING), END,
	},
	"version is_optimized document_info_dict pdfid0 pdfid1", NULL,
};

static const struct stix_shape archive_ext = {
	"archive-ext",
	(const struct stix_prop[]){
		P("contains_refs", SK_REFS, REQ, .to = "file directory"), P("comment", SK_STRING), END,
	},
	NULL, NULL,
};

#define UINT RANGE(0, 9.2e18)

static const struct stix_shape pe_optional_header = {
	"windows-pe-optional-header",
	(const struct stix_prop[]){
		P("magic_hex", SK_HEX), P("major_linker_version", SK_INT),
		P("minor_linker_version", SK_INT), P("size_of_code", SK_INT, UINT),
		P("size_of_initialized_data", SK_INT, UINT),
		P("size_of_uninitialized_data", SK_INT, UINT),
		P("address_of_entry_point", SK_INT), P("base_of_code", SK_INT),
		P("base_of_data", SK_INT), P("image_base", SK_INT), P("section_alignment", SK_INT),
		P("file_alignment", SK_INT), P("major_os_version", SK_INT),
		P("minor_os_version", SK_INT), P("major_image_version", SK_INT),
		P("minor_image_version", SK_INT), P("major_subsystem_version", SK_INT),
		P("minor_subsystem_version", SK_INT), P("win32_version_value_hex", SK_HEX),
		P("size_of_image", SK_INT, UINT), P("size_of_headers", SK_INT, UINT),
		P("checksum_hex", SK_HEX), P("subsystem_hex", SK_HEX),
		P("dll_characteristics_hex", SK_HEX), P("size_of_stack_reserve", SK_INT, UINT),
		P("size_of_stack_commit", SK_INT, UINT), P("size_of_heap_reserve", SK_INT, UINT),
		P("size_of_heap_commit", SK_INT, UINT), P("loader_flags_hex", SK_HEX),
		P("number_of_rva_and_sizes", SK_INT), P("hashes", SK_HASHES), END,
	},
	NULL, NULL,
};

static const struct stix_shape pe_section = {
	"windows-pe-section",
	(const struct stix_prop[]){
		P("name", SK_STRING, REQ), P("size", SK_INT, UINT),
		P("entropy", SK_NUMBER), P("hashes", SK_HASHES), END,
	},
	NULL, NULL,
};

static int pebinary_check(struct stix_ctx *c, json_t *ext)
{
	const char *t = json_string_value(json_object_get(ext, "time_date_stamp"));
	if (t && strchr(t, '.'))
		return stix_fail_at(c, "time_date_stamp", "must be precise to the second (no fraction)");
	return 0;
}

static const struct stix_shape windows_pebinary_ext = {
	"windows-pebinary-ext",
	(const struct stix_prop[]){
		P("pe_type", SK_STRING, REQ), P("imphash", SK_STRING), P("machine_hex", SK_HEX),
		P("number_of_sections", SK_INT, UINT), P("time_date_stamp", SK_TIMESTAMP),
		P("pointer_to_symbol_table_hex", SK_HEX), P("number_of_symbols", SK_INT, UINT),
		P("size_of_optional_header", SK_INT, UINT), P("characteristics_hex", SK_HEX),
		P("file_header_hashes", SK_HASHES),
		P("optional_header", SK_OBJECT, .sub = &pe_optional_header),
		P("sections", SK_OBJECTS, .sub = &pe_section), END,
	},
	"imphash machine_hex number_of_sections time_date_stamp pointer_to_symbol_table_hex "
	"number_of_symbols size_of_optional_header characteristics_hex file_header_hashes "
	"optional_header sections",
	pebinary_check,
};

static int file_check(struct stix_ctx *c, json_t *obj)
{
	return enc_name_valid(c, obj, "name_enc");
}

static const struct stix_shape file = {
	"file",
	(const struct stix_prop[]){
		P("hashes", SK_HASHES), P("size", SK_INT, UINT), P("name", SK_STRING),
		P("name_enc", SK_STRING), P("magic_number_hex", SK_HEX), P("mime_type", SK_STRING),
		FILE_TIMES, P("parent_directory_ref", SK_REF, .to = "directory"),
		P("contains_refs", SK_REFS, .to = "@sco"), P("content_ref", SK_REF, .to = "artifact"), END,
	},
	"hashes name", file_check,
};

static const struct stix_ext file_exts[] = {
	{"ntfs-ext", &ntfs_ext},
	{"raster-image-ext", &raster_image_ext},
	{"pdf-ext", &pdf_ext},
	{"archive-ext", &archive_ext},
	{"windows-pebinary-ext", &windows_pebinary_ext},
	{NULL, NULL},
};

#define IP_ADDR(nm, kind)                                                             \
	static const struct stix_shape nm = {                                         \
		#nm,                                                                  \
		(const struct stix_prop[]){                                           \
			P("value", kind, REQ),                                        \
			P("resolves_to_refs", SK_REFS, .to = "mac-addr"),             \
			P("belongs_to_refs", SK_REFS, .to = "autonomous-system"), END, \
		},                                                                    \
		NULL, NULL,                                                           \
	}
IP_ADDR(ipv4_addr, SK_IPV4);
IP_ADDR(ipv6_addr, SK_IPV6);

static const struct stix_shape mac_addr = {
	"mac-addr",
	(const struct stix_prop[]){P("value", SK_MAC, REQ), END},
	NULL, NULL,
};

static const struct stix_shape mutex = {
	"mutex",
	(const struct stix_prop[]){P("name", SK_STRING, REQ), END},
	NULL, NULL,
};

static int network_traffic_check(struct stix_ctx *c, json_t *obj)
{
	if (json_is_true(json_object_get(obj, "is_active")) && json_object_get(obj, "end"))
		return stix_fail_at(c, "end", "not allowed when is_active is true");
	return stix_check_order(c, obj, "start", "end", 0);
}

static const struct stix_shape network_traffic = {
	"network-traffic",
	(const struct stix_prop[]){
		P("start", SK_TIMESTAMP), P("end", SK_TIMESTAMP), P("is_active", SK_BOOL),
		P("src_ref", SK_REF, .to = "ipv4-addr ipv6-addr mac-addr domain-name"),
		P("dst_ref", SK_REF, .to = "ipv4-addr ipv6-addr mac-addr domain-name"),
		P("src_port", SK_INT, RANGE(0, 65535)), P("dst_port", SK_INT, RANGE(0, 65535)),
		P("protocols", SK_STRINGS, REQ), P("src_byte_count", SK_INT, UINT),
		P("dst_byte_count", SK_INT, UINT), P("src_packets", SK_INT, UINT),
		P("dst_packets", SK_INT, UINT), P("ipfix", SK_DICT, .vals = "si"),
		P("src_payload_ref", SK_REF, .to = "artifact"),
		P("dst_payload_ref", SK_REF, .to = "artifact"),
		P("encapsulates_refs", SK_REFS, .to = "network-traffic"),
		P("encapsulated_by_ref", SK_REF, .to = "network-traffic"), END,
	},
	"src_ref dst_ref", network_traffic_check,
};

static const struct stix_shape http_request_ext = {
	"http-request-ext",
	(const struct stix_prop[]){
		P("request_method", SK_STRING, REQ), P("request_value", SK_STRING, REQ),
		P("request_version", SK_STRING), P("request_header", SK_DICT, .vals = "a"),
		P("message_body_length", SK_INT, UINT),
		P("message_body_data_ref", SK_REF, .to = "artifact"), END,
	},
	NULL, NULL,
};

static const struct stix_shape icmp_ext = {
	"icmp-ext",
	(const struct stix_prop[]){
		P("icmp_type_hex", SK_HEX, REQ), P("icmp_code_hex", SK_HEX, REQ), END,
	},
	NULL, NULL,
};

static int socket_check(struct stix_ctx *c, json_t *ext)
{
	static const char *const prefixes[] = {"SO", "ICMP", "ICMP6", "IP", "IPV6", "MCAST", "TCP", "IRLMP", NULL};
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(ext, "options"), key, v) {
		int ok = 0;
		for (size_t i = 0; prefixes[i] && !ok; i++) {
			size_t n = strlen(prefixes[i]);
			const char *rest = key + n;
			/* PREFIX followed by one or more "_UPPER" groups */
			ok = !strncmp(key, prefixes[i], n) && rest[0] == '_' &&
			     strspn(rest, "_ABCDEFGHIJKLMNOPQRSTUVWXYZ") == strlen(rest) &&
			     !strstr(rest, "__") && rest[strlen(rest) - 1] != '_';
		}
		if (!ok || !json_is_integer(v))
			return stix_fail_at(c, "options", "keys are socket options (SO_*, TCP_*, ...) with integer values");
	}
	return 0;
}

static const struct stix_shape socket_ext = {
	"socket-ext",
	(const struct stix_prop[]){
		P("address_family", SK_ENUM, REQ,
		  .vals = "AF_UNSPEC|AF_INET|AF_IPX|AF_APPLETALK|AF_NETBIOS|AF_INET6|AF_IRDA|AF_BTH"),
		P("is_blocking", SK_BOOL), P("is_listening", SK_BOOL), P("options", SK_DICT),
		P("socket_type", SK_ENUM, .vals = "SOCK_STREAM|SOCK_DGRAM|SOCK_RAW|SOCK_RDM|SOCK_SEQPACKET"),
		P("socket_descriptor", SK_INT, UINT), P("socket_handle", SK_INT), END,
	},
	NULL, socket_check,
};

static const struct stix_shape tcp_ext = {
	"tcp-ext",
	(const struct stix_prop[]){P("src_flags_hex", SK_HEX), P("dst_flags_hex", SK_HEX), END},
	"src_flags_hex dst_flags_hex", NULL,
};

static const struct stix_ext network_traffic_exts[] = {
	{"http-request-ext", &http_request_ext},
	{"icmp-ext", &icmp_ext},
	{"socket-ext", &socket_ext},
	{"tcp-ext", &tcp_ext},
	{NULL, NULL},
};

static const struct stix_shape process = {
	"process",
	(const struct stix_prop[]){
		P("is_hidden", SK_BOOL), P("pid", SK_INT), P("created_time", SK_TIMESTAMP),
		P("cwd", SK_STRING), P("command_line", SK_STRING),
		P("environment_variables", SK_DICT, .vals = "s"),
		P("opened_connection_refs", SK_REFS, .to = "network-traffic"),
		P("creator_user_ref", SK_REF, .to = "user-account"), P("image_ref", SK_REF, .to = "file"),
		P("parent_ref", SK_REF, .to = "process"), P("child_refs", SK_REFS, .to = "process"), END,
	},
	"extensions is_hidden pid cwd command_line environment_variables opened_connection_refs "
	"creator_user_ref image_ref parent_ref child_refs",
	NULL,
};

static int startup_info_check(struct stix_ctx *c, json_t *ext)
{
	static const char *const strs[] = {"lpDesktop", "lpTitle", "dwFillAttribute", "dwFlags",
					   "wShowWindow", "hStdInput", "hStdOutput", "hStdError", NULL};
	static const char *const ints[] = {"cb", "dwX", "dwY", "dwXSize", "dwYSize",
					   "dwXCountChars", "dwYCountChars", "cbReserved2", NULL};
	const char *key;
	json_t *v;
	json_object_foreach(json_object_get(ext, "startup_info"), key, v) {
		int ok = 0;
		for (size_t i = 0; strs[i]; i++)
			ok |= !strcmp(key, strs[i]) && json_is_string(v);
		for (size_t i = 0; ints[i]; i++)
			ok |= !strcmp(key, ints[i]) && json_is_integer(v) &&
			      (strcmp(key, "cbReserved2") || json_integer_value(v) == 0);
		if (!ok)
			return stix_fail_at(c, "startup_info", "'%s' is not a STARTUPINFO member of the right type", key);
	}
	return 0;
}

static const struct stix_shape windows_process_ext = {
	"windows-process-ext",
	(const struct stix_prop[]){
		P("aslr_enabled", SK_BOOL), P("dep_enabled", SK_BOOL), P("priority", SK_STRING),
		P("owner_sid", SK_STRING), P("window_title", SK_STRING), P("startup_info", SK_DICT),
		P("integrity_level", SK_ENUM, .vals = "low|medium|high|system"), END,
	},
	"aslr_enabled dep_enabled priority owner_sid window_title startup_info",
	startup_info_check,
};

static const struct stix_shape windows_service_ext = {
	"windows-service-ext",
	(const struct stix_prop[]){
		P("service_name", SK_STRING), P("descriptions", SK_STRINGS),
		P("display_name", SK_STRING), P("group_name", SK_STRING),
		P("start_type", SK_ENUM, .vals = "SERVICE_AUTO_START|SERVICE_BOOT_START|SERVICE_DEMAND_START|"
						 "SERVICE_DISABLED|SERVICE_SYSTEM_ALERT"),
		P("service_dll_refs", SK_REFS, .to = "file"),
		P("service_type", SK_ENUM, .vals = "SERVICE_KERNEL_DRIVER|SERVICE_FILE_SYSTEM_DRIVER|"
						   "SERVICE_WIN32_OWN_PROCESS|SERVICE_WIN32_SHARE_PROCESS"),
		P("service_status", SK_ENUM, .vals = "SERVICE_CONTINUE_PENDING|SERVICE_PAUSE_PENDING|"
						     "SERVICE_PAUSED|SERVICE_RUNNING|SERVICE_START_PENDING|"
						     "SERVICE_STOP_PENDING|SERVICE_STOPPED"),
		END,
	},
	"service_name descriptions display_name group_name start_type service_dll_refs "
	"service_type service_status",
	NULL,
};

static const struct stix_ext process_exts[] = {
	{"windows-process-ext", &windows_process_ext},
	{"windows-service-ext", &windows_service_ext},
	{NULL, NULL},
};

static const struct stix_shape software = {
	"software",
	(const struct stix_prop[]){
		P("name", SK_STRING, REQ), P("cpe", SK_STRING), P("swid", SK_STRING),
		P("languages", SK_STRINGS), P("vendor", SK_STRING), P("version", SK_STRING), END,
	},
	NULL, NULL,
};

static const struct stix_shape url = {
	"url",
	(const struct stix_prop[]){P("value", SK_URL, REQ), END},
	NULL, NULL,
};

#define ACCOUNT_TIMES                                                                       \
	P("account_created", SK_TIMESTAMP), P("account_expires", SK_TIMESTAMP),               \
	P("credential_last_changed", SK_TIMESTAMP), P("account_first_login", SK_TIMESTAMP),   \
	P("account_last_login", SK_TIMESTAMP)

static const struct stix_shape user_account = {
	"user-account",
	(const struct stix_prop[]){
		P("user_id", SK_STRING), P("credential", SK_STRING), P("account_login", SK_STRING),
		P("account_type", SK_STRING), P("display_name", SK_STRING),
		P("is_service_account", SK_BOOL), P("is_privileged", SK_BOOL),
		P("can_escalate_privs", SK_BOOL), P("is_disabled", SK_BOOL), ACCOUNT_TIMES, END,
	},
	"extensions user_id credential account_login account_type display_name is_service_account "
	"is_privileged can_escalate_privs is_disabled account_created account_expires "
	"credential_last_changed account_first_login account_last_login",
	NULL,
};

static const struct stix_shape unix_account_ext = {
	"unix-account-ext",
	(const struct stix_prop[]){
		P("gid", SK_INT), P("groups", SK_STRINGS), P("home_dir", SK_STRING),
		P("shell", SK_STRING), END,
	},
	"gid groups home_dir shell", NULL,
};

static const struct stix_ext user_account_exts[] = {
	{"unix-account-ext", &unix_account_ext},
	{NULL, NULL},
};

static const struct stix_shape registry_value = {
	"windows-registry-value",
	(const struct stix_prop[]){
		P("name", SK_STRING), P("data", SK_STRING),
		P("data_type", SK_ENUM, .vals = "REG_NONE|REG_SZ|REG_EXPAND_SZ|REG_BINARY|REG_DWORD|"
						"REG_DWORD_BIG_ENDIAN|REG_DWORD_LITTLE_ENDIAN|REG_LINK|"
						"REG_MULTI_SZ|REG_RESOURCE_LIST|REG_FULL_RESOURCE_DESCRIPTION|"
						"REG_RESOURCE_REQUIREMENTS_LIST|REG_QWORD|REG_INVALID_TYPE"),
		END,
	},
	"name data data_type", NULL,
};

static int registry_key_check(struct stix_ctx *c, json_t *obj)
{
	/* The full hive name is required (HKEY_LOCAL_MACHINE, not HKLM). */
	static const char *const abbrev[] = {"HKLM", "HKCC", "HKCR", "HKCU", "HKU",
					     "hklm", "hkcc", "hkcr", "hkcu", "hku", NULL};
	const char *key = json_string_value(json_object_get(obj, "key"));
	for (size_t i = 0; key && abbrev[i]; i++)
		if (strstr(key, abbrev[i]))
			return stix_fail_at(c, "key", "hive names must not be abbreviated (%s)", abbrev[i]);
	return 0;
}

static const struct stix_shape windows_registry_key = {
	"windows-registry-key",
	(const struct stix_prop[]){
		P("key", SK_STRING), P("values", SK_OBJECTS, .sub = &registry_value),
		P("modified_time", SK_TIMESTAMP), P("creator_user_ref", SK_REF, .to = "user-account"),
		P("number_of_subkeys", SK_INT, UINT), END,
	},
	"key values creator_user_ref number_of_subkeys", registry_key_check,
};

static const struct stix_shape x509_v3_extensions = {
	"x509-v3-extensions",
	(const struct stix_prop[]){
		P("basic_constraints", SK_STRING), P("name_constraints", SK_STRING),
		P("policy_constraints", SK_STRING), P("key_usage", SK_STRING),
		P("extended_key_usage", SK_STRING), P("subject_key_identifier", SK_STRING),
		P("authority_key_identifier", SK_STRING), P("subject_alternative_name", SK_STRING),
		P("issuer_alternative_name", SK_STRING), P("subject_directory_attributes", SK_STRING),
		P("crl_distribution_points", SK_STRING), P("inhibit_any_policy", SK_STRING),
		P("private_key_usage_period_not_before", SK_TIMESTAMP),
		P("private_key_usage_period_not_after", SK_TIMESTAMP),
		P("certificate_policies", SK_STRING), P("policy_mappings", SK_STRING), END,
	},
	"basic_constraints name_constraints policy_constraints key_usage extended_key_usage "
	"subject_key_identifier authority_key_identifier subject_alternative_name "
	"issuer_alternative_name subject_directory_attributes crl_distribution_points "
	"inhibit_any_policy private_key_usage_period_not_before private_key_usage_period_not_after "
	"certificate_policies policy_mappings",
	NULL,
};

static int x509_check(struct stix_ctx *c, json_t *obj)
{
	return stix_check_order(c, obj, "validity_not_before", "validity_not_after", 0);
}

static const struct stix_shape x509_certificate = {
	"x509-certificate",
	(const struct stix_prop[]){
		P("is_self_signed", SK_BOOL), P("hashes", SK_HASHES), P("version", SK_STRING),
		P("serial_number", SK_STRING), P("signature_algorithm", SK_STRING),
		P("issuer", SK_STRING), P("validity_not_before", SK_TIMESTAMP),
		P("validity_not_after", SK_TIMESTAMP), P("subject", SK_STRING),
		P("subject_public_key_algorithm", SK_STRING),
		P("subject_public_key_modulus", SK_STRING),
		P("subject_public_key_exponent", SK_INT),
		P("x509_v3_extensions", SK_OBJECT, .sub = &x509_v3_extensions), END,
	},
	"is_self_signed hashes version serial_number signature_algorithm issuer "
	"validity_not_before validity_not_after subject subject_public_key_algorithm "
	"subject_public_key_modulus subject_public_key_exponent x509_v3_extensions",
	x509_check,
};

/* ---- meta objects ----------------------------------------------------- */

static const struct stix_shape marking_definition = {
	"marking-definition",
	(const struct stix_prop[]){
		P("type", SK_STRING, REQ),
		P("spec_version", SK_ENUM, REQ, .vals = "2.1"),
		P("id", SK_STRING, REQ),
		P("created_by_ref", SK_REF, .to = "identity"),
		P("created", SK_TIMESTAMP_MS, REQ),
		P("name", SK_STRING),
		P("definition_type", SK_STRING),
		P("definition", SK_OBJECT),
		P("external_references", SK_OBJECTS, .sub = &external_reference),
		COMMON_MARKING_PROPS,
		END,
	},
	NULL, marking_check,
};

static int language_content_check(struct stix_ctx *c, json_t *obj)
{
	const char *lang;
	json_t *v;
	json_object_foreach(json_object_get(obj, "contents"), lang, v) {
		if (!stix_lang_valid(lang))
			return stix_fail_at(c, "contents", "'%.40s' is not a language tag", lang);
		if (!json_is_object(v) || json_object_size(v) == 0)
			return stix_fail_at(c, "contents", "each language maps to a non-empty dictionary");
	}
	return 0;
}

static const struct stix_shape language_content = {
	"language-content",
	(const struct stix_prop[]){
		P("object_ref", SK_REF, REQ, .to = "@sdo @sro @sco @marking @extdef"),
		P("object_modified", SK_TIMESTAMP),
		P("contents", SK_DICT, REQ), END,
	},
	NULL, language_content_check,
};

static int extension_definition_check(struct stix_ctx *c, json_t *obj)
{
	json_t *types = json_object_get(obj, "extension_types"), *t;
	size_t i;
	int toplevel = 0;
	json_array_foreach(types, i, t)
		toplevel |= !strcmp(json_string_value(t), "toplevel-property-extension");
	if (!toplevel && json_object_get(obj, "extension_properties"))
		return stix_fail_at(c, "extension_properties",
				    "only for a toplevel-property-extension");
	return 0;
}

static const struct stix_shape extension_definition = {
	"extension-definition",
	(const struct stix_prop[]){
		P("name", SK_STRING, REQ), P("description", SK_STRING),
		P("schema", SK_STRING, REQ), P("version", SK_STRING, REQ),
		P("extension_types", SK_ENUMS, REQ, .vals = EXTENSION_TYPES),
		P("extension_properties", SK_STRINGS), END,
	},
	NULL, extension_definition_check,
};

/* ---- the table -------------------------------------------------------- */

static const struct stix_type types[] = {
	{"attack-pattern", STIX_SDO, &attack_pattern, NULL},
	{"campaign", STIX_SDO, &campaign, NULL},
	{"course-of-action", STIX_SDO, &course_of_action, NULL},
	{"grouping", STIX_SDO, &grouping, NULL},
	{"identity", STIX_SDO, &identity, NULL},
	{"incident", STIX_SDO, &incident, NULL},
	{"indicator", STIX_SDO, &indicator, NULL},
	{"infrastructure", STIX_SDO, &infrastructure, NULL},
	{"intrusion-set", STIX_SDO, &intrusion_set, NULL},
	{"location", STIX_SDO, &location, NULL},
	{"malware", STIX_SDO, &malware, NULL},
	{"malware-analysis", STIX_SDO, &malware_analysis, NULL},
	{"note", STIX_SDO, &note, NULL},
	{"observed-data", STIX_SDO, &observed_data, NULL},
	{"opinion", STIX_SDO, &opinion, NULL},
	{"report", STIX_SDO, &report, NULL},
	{"threat-actor", STIX_SDO, &threat_actor, NULL},
	{"tool", STIX_SDO, &tool, NULL},
	{"vulnerability", STIX_SDO, &vulnerability, NULL},
	{"relationship", STIX_SRO, &relationship, NULL},
	{"sighting", STIX_SRO, &sighting, NULL},
	{"artifact", STIX_SCO, &artifact, NULL},
	{"autonomous-system", STIX_SCO, &autonomous_system, NULL},
	{"directory", STIX_SCO, &directory, NULL},
	{"domain-name", STIX_SCO, &domain_name, NULL},
	{"email-addr", STIX_SCO, &email_addr, NULL},
	{"email-message", STIX_SCO, &email_message, NULL},
	{"file", STIX_SCO, &file, file_exts},
	{"ipv4-addr", STIX_SCO, &ipv4_addr, NULL},
	{"ipv6-addr", STIX_SCO, &ipv6_addr, NULL},
	{"mac-addr", STIX_SCO, &mac_addr, NULL},
	{"mutex", STIX_SCO, &mutex, NULL},
	{"network-traffic", STIX_SCO, &network_traffic, network_traffic_exts},
	{"process", STIX_SCO, &process, process_exts},
	{"software", STIX_SCO, &software, NULL},
	{"url", STIX_SCO, &url, NULL},
	{"user-account", STIX_SCO, &user_account, user_account_exts},
	{"windows-registry-key", STIX_SCO, &windows_registry_key, NULL},
	{"x509-certificate", STIX_SCO, &x509_certificate, NULL},
	{"marking-definition", STIX_MARKING, &marking_definition, NULL},
	{"language-content", STIX_LANG, &language_content, NULL},
	{"extension-definition", STIX_EXTDEF, &extension_definition, NULL},
};

/* Does s end in "tlp"? */
static int tlp_suffix(const char *s)
{
	size_t n = strlen(s);
	return n >= 3 && !strcmp(s + n - 3, "tlp");
}

/* ---- marking definitions, granular markings ---------------------------- */

static int marking_check(struct stix_ctx *c, json_t *obj)
{
	static const char *const tlp1[] = {"white", "green", "amber", "red"};
	static const char *const tlp2[] = {"clear", "green", "amber", "amber+strict", "red"};
	const char *id = json_string_value(json_object_get(obj, "id"));
	const char *dtype = json_string_value(json_object_get(obj, "definition_type"));
	json_t *def = json_object_get(obj, "definition");
	for (int i = 0; stix_tlp_ids[i]; i++) {
		if (strcmp(id, stix_tlp_ids[i]))
			continue;
		const char *level = i < 4 ? tlp1[i] : tlp2[i - 4];
		char name[32];
		size_t n = (size_t)snprintf(name, sizeof name, "TLP:%s", level);
		for (size_t k = 4; k < n; k++)
			name[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
		json_t *want = i < 4
			? json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:s}}", "type", "marking-definition",
				    "spec_version", "2.1", "id", id, "created", "2017-01-20T00:00:00.000Z",
				    "definition_type", "tlp", "name", name, "definition", "tlp", level)
			: json_pack("{s:s, s:s, s:s, s:s, s:s, s:{s:{s:s, s:s}}}", "type", "marking-definition",
				    "spec_version", "2.1", "id", id, "created", "2022-10-01T00:00:00.000Z",
				    "name", name, "extensions", TLP2_EXTENSION, "extension_type",
				    "property-extension", "tlp_2_0", level);
		if (!want)
			return err_set(ERR_NOMEM, "out of memory");
		int same = json_equal(obj, want);
		json_decref(want);
		return same ? 0 : stix_fail(c, "the predefined %s marking must be exactly as published by OASIS", name);
	}
	if (json_object_get(json_object_get(obj, "extensions"), TLP2_EXTENSION))
		return stix_fail_at(c, "extensions", "TLP 2.0 markings must use the predefined ids");
	if (!json_object_get(obj, "extensions") && (!dtype || !def))
		return stix_fail(c, "a marking definition without extensions needs definition_type and definition");
	if (!dtype != !def)
		return stix_fail(c, "definition_type and definition go together");
	if (!dtype)
		return 0;
	if (!strcmp(dtype, "statement")) {
		const char *k;
		json_t *v;
		json_object_foreach(def, k, v)
			if (strcmp(k, "statement") || !json_is_string(v))
				return stix_fail_at(c, "definition", "a statement definition has one string property, statement");
		return json_object_get(def, "statement") ? 0 : stix_fail_at(c, "definition", "statement is missing");
	}
	if (!strcmp(dtype, "tlp"))
		return stix_fail_at(c, "definition_type", "TLP markings must use the predefined ids");
	if (!strncmp(dtype, "statement", 9) || tlp_suffix(dtype))
		return stix_fail_at(c, "definition_type", "must not start with \"statement\" or end with \"tlp\"");
	return 0;
}

/* Follows a granular-marking selector ("a.[0].b") into the object; 1 if it names something. */
static int selector_resolves(json_t *obj, const char *sel)
{
	json_t *cur = obj;
	for (const char *p = sel; cur;) {
		size_t n = strcspn(p, ".");
		char seg[256];
		if (n == 0 || n >= sizeof seg)
			return 0;
		memcpy(seg, p, n);
		seg[n] = '\0';
		if (seg[0] == '[') {
			size_t d = strspn(seg + 1, "0123456789");
			if (p == sel || d == 0 || d > 9 || seg[1 + d] != ']' || seg[2 + d] != '\0')
				return 0;
			cur = json_array_get(cur, (size_t)strtoul(seg + 1, NULL, 10));
		} else {
			if (strspn(seg, "abcdefghijklmnopqrstuvwxyz0123456789_-") != n || (p == sel && n < 3 && strcmp(seg, "id")))
				return 0;
			cur = json_is_object(cur) ? json_object_get(cur, seg) : NULL;
		}
		if (!p[n])
			return cur != NULL;
		p += n + 1;
	}
	return 0;
}

static int granular_check(struct stix_ctx *c, json_t *gm)
{
	json_t *sels = json_object_get(gm, "selectors"), *s;
	size_t i;
	if (json_object_get(gm, "lang"))
		return stix_fail_at(c, "lang", "a granular marking has marking_ref or lang, not both");
	json_array_foreach(sels, i, s) {
		if (!selector_resolves(c->object, json_string_value(s))) {
			size_t old = stix_path_push(c, ".selectors[%zu]", i);
			int rc = stix_fail(c, "selector does not name a property of this object");
			stix_path_pop(c, old);
			return rc;
		}
	}
	return 0;
}

const struct stix_type *stix_type_find(const char *type)
{
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (!strcmp(types[i].type, type))
			return &types[i];
	return NULL;
}

const char *const stix_tlp_ids[] = {
	/* TLP 1.0, predefined by STIX 2.1 section 7.2.1.4 */
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", /* white */
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", /* green */
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", /* amber */
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", /* red */
	/* TLP 2.0, OASIS extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d */
	"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", /* clear */
	"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", /* green */
	"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", /* amber */
	"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", /* amber+strict */
	"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", /* red */
	NULL,
};
