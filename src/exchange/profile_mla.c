/*
 * profile_mla — the body types of the cyber-mla profile as shapes
 * (profile_rules.h). docs/profile-cyber-mla.md explains every member and
 * docs/schemas/cyber-mla/ publishes the same rules as JSON Schemas; a change
 * here needs the same change there (tests/cli/profile_schemas.sh checks them
 * against each other on the examples).
 */
#include "exchange/profile_rules.h"
#include "evidence/stix.h"

#include <string.h>

#define END {NULL, 0, 0, NULL, NULL}
#define HEAD {"profile", PV_FIXED, PF_REQ, NULL, NULL}, {"type", PV_FIXED, PF_REQ, NULL, NULL}
#define EVIDENCE {"evidence", PV_BUNDLE, 0, NULL, NULL}
#define LIST_OF(name, shape, flags) {name, PV_OBJECT, PF_LIST | (flags), NULL, &(shape)}

/* STIX 2.1 industry-sector-ov, so that sectors match the evidence's identities. */
static const char sectors[] =
	"agriculture|aerospace|automotive|chemical|commercial|communications|construction|defense|education|"
	"energy|engineering|entertainment|financial-services|government|emergency-services|government-local|"
	"government-national|government-public-services|government-regional|healthcare|hospitality-leisure|"
	"infrastructure|dams|nuclear|water|insurance|manufacturing|mining|non-profit|pharmaceuticals|retail|"
	"technology|telecommunications|transportation|utilities";

static const char organisation_types[] =
	"managed-service-provider|software-supplier|critical-infrastructure-operator|government-body|"
	"healthcare-provider|business|non-profit|individual|other";

static const char measures[] =
	"preserve-data|disclose-subscriber-information|disclose-traffic-data|disclose-content-data|"
	"search-and-seize|obtain-records|take-testimony|identify-person|locate-person|serve-documents|"
	"freeze-assets|seize-assets|expert-examination|other";

/* ---- rules across members ---------------------------------------------- */

static int has(json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}

/* b, if present, is no earlier than a (both already checked as times). */
static int not_before(json_t *obj, const char *a, const char *b, const struct profile_path *at)
{
	const char *ta = json_string_value(json_object_get(obj, a));
	const char *tb = json_string_value(json_object_get(obj, b));
	if (ta && tb && stix_timestamp_cmp(tb, ta) < 0)
		return profile_fail(at, b, "must be no earlier than %s", a);
	return 0;
}

/* reason is required when flag is true. */
static int reason_if(json_t *obj, const char *flag, const struct profile_path *at)
{
	if (json_is_true(json_object_get(obj, flag)) && !has(obj, "reason"))
		return profile_fail(at, "reason", "required when %s is true", flag);
	return 0;
}

static int contact_check(json_t *obj, const struct profile_path *at)
{
	if (!has(obj, "email") && !has(obj, "phone") && !has(obj, "address"))
		return profile_fail(at, NULL, "needs at least one of email, phone, address");
	return 0;
}

static int incident_check(json_t *obj, const struct profile_path *at)
{
	int rc = not_before(obj, "first_observed", "detected", at);
	return rc ? rc : not_before(obj, "first_observed", "last_observed", at);
}

static int confidentiality_check(json_t *obj, const struct profile_path *at)
{
	return reason_if(obj, "required", at);
}

static int urgency_check(json_t *obj, const struct profile_path *at)
{
	return reason_if(obj, "urgent", at);
}

static int subject_check(json_t *obj, const struct profile_path *at)
{
	if (!has(obj, "name") && !has(obj, "identifiers"))
		return profile_fail(at, NULL, "needs a name or identifiers");
	return 0;
}

static int custodian_check(json_t *obj, const struct profile_path *at)
{
	if (!has(obj, "name") && !has(obj, "system_location") && !has(obj, "details"))
		return profile_fail(at, NULL, "needs at least one of name, system_location, details "
				    "(say in details what is known, or that nothing is)");
	return 0;
}

static int period_check(json_t *obj, const struct profile_path *at)
{
	return not_before(obj, "from", "until", at);
}

static int answer_check(json_t *obj, const struct profile_path *at)
{
	const char *c = json_string_value(json_object_get(obj, "completeness"));
	if (c && !strcmp(c, "partial") && !has(obj, "remaining"))
		return profile_fail(at, "remaining", "required when completeness is partial");
	if (c && !strcmp(c, "full") && has(obj, "remaining"))
		return profile_fail(at, "remaining", "not allowed when completeness is full");
	return 0;
}

static int statement_check(json_t *obj, const struct profile_path *at)
{
	const char *a = json_string_value(json_object_get(obj, "date"));
	const char *b = json_string_value(json_object_get(obj, "end_date"));
	if (a && b && strcmp(b, a) < 0)
		return profile_fail(at, "end_date", "must be no earlier than date");
	return 0;
}

/* ---- shared parts ------------------------------------------------------ */

static const struct profile_field contact_fields[] = {
	{"email", PV_EMAIL, 0, NULL, NULL},
	{"phone", PV_PHONE, 0, NULL, NULL},
	{"address", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape contact = {contact_fields, contact_check};

static const struct profile_field authority_fields[] = {
	{"agency", PV_LINE, PF_REQ, NULL, NULL},      /* official name of the authority */
	{"name", PV_LINE, PF_REQ, NULL, NULL},        /* the responsible officer, with title */
	{"contact", PV_OBJECT, PF_REQ, NULL, &contact},
	{"reference", PV_LINE, 0, NULL, NULL},        /* the authority's own file number */
	END,
};
static const struct profile_shape authority = {authority_fields, NULL};

static const struct profile_field offence_fields[] = {
	{"name", PV_LINE, PF_REQ, NULL, NULL},
	{"provisions", PV_LINE, PF_REQ | PF_LIST | PF_UNIQUE, NULL, NULL},
	{"max_penalty", PV_LINE, 0, NULL, NULL},
	END,
};
static const struct profile_shape offence = {offence_fields, NULL};

/* ---- notice ------------------------------------------------------------ */

static const struct profile_field impact_fields[] = {
	{"severity", PV_ENUM, PF_REQ, "low|medium|high|critical", NULL},
	{"description", PV_TEXT, PF_REQ, NULL, NULL},
	{"data_exfiltrated", PV_BOOL, 0, NULL, NULL},
	{"operations_disrupted", PV_BOOL, 0, NULL, NULL},
	END,
};
static const struct profile_shape impact = {impact_fields, NULL};

static const struct profile_field ransom_fields[] = {
	{"amount", PV_AMOUNT, PF_REQ, NULL, NULL},
	{"currency", PV_CURRENCY, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape ransom = {ransom_fields, NULL};

static const struct profile_field incident_fields[] = {
	{"first_observed", PV_TIME, PF_REQ, NULL, NULL},
	{"detected", PV_TIME, PF_REQ, NULL, NULL},
	{"last_observed", PV_TIME, 0, NULL, NULL},
	{"sectors", PV_ENUM, PF_REQ | PF_LIST | PF_UNIQUE, sectors, NULL},
	{"organisation_type", PV_ENUM, PF_REQ, organisation_types, NULL},
	{"organisations_affected", PV_COUNT, 0, NULL, NULL},
	{"countries_affected", PV_COUNTRY, PF_LIST | PF_UNIQUE, NULL, NULL},
	{"impact", PV_OBJECT, PF_REQ, NULL, &impact},
	{"ransomware_family", PV_LINE, 0, NULL, NULL},
	{"ransom_demand", PV_OBJECT, 0, NULL, &ransom},
	END,
};
static const struct profile_shape incident = {incident_fields, incident_check};

static const struct profile_field notice_fields[] = {
	HEAD,
	{"title", PV_LINE, PF_REQ, NULL, NULL},
	{"summary", PV_TEXT, PF_REQ, NULL, NULL},
	{"incident", PV_OBJECT, PF_REQ, NULL, &incident},
	{"requested_action", PV_TEXT, 0, NULL, NULL},
	EVIDENCE,
	END,
};
static const struct profile_shape notice = {notice_fields, NULL};

/* ---- mla-request ------------------------------------------------------- */

static const struct profile_field assistance_fields[] = {
	{"measure", PV_ENUM, PF_REQ, measures, NULL},
	{"description", PV_TEXT, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape assistance = {assistance_fields, NULL};

static const struct profile_field subject_fields[] = {
	{"role", PV_ENUM, PF_REQ, "suspect|witness|victim|account-holder|other", NULL},
	{"name", PV_LINE, 0, NULL, NULL},
	{"identifiers", PV_LINE, PF_LIST | PF_UNIQUE, NULL, NULL},
	{"nationality", PV_COUNTRY, 0, NULL, NULL},
	{"date_of_birth", PV_DATE, 0, NULL, NULL},
	{"description", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape subject = {subject_fields, subject_check};

static const struct profile_field location_fields[] = {
	{"description", PV_LINE, PF_REQ, NULL, NULL},
	{"country", PV_COUNTRY, 0, NULL, NULL},
	{"details", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape location = {location_fields, NULL};

static const struct profile_field confidentiality_fields[] = {
	{"required", PV_BOOL, PF_REQ, NULL, NULL},
	{"reason", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape confidentiality = {confidentiality_fields, confidentiality_check};

static const struct profile_field time_limit_fields[] = {
	{"by", PV_TIME, PF_REQ, NULL, NULL},
	{"reason", PV_TEXT, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape time_limit = {time_limit_fields, NULL};

static const struct profile_field urgency_fields[] = {
	{"urgent", PV_BOOL, PF_REQ, NULL, NULL},
	{"reason", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape urgency = {urgency_fields, urgency_check};

static const struct profile_field mla_request_fields[] = {
	HEAD,
	{"title", PV_LINE, PF_REQ, NULL, NULL},
	{"requesting_authority", PV_OBJECT, PF_REQ, NULL, &authority},
	{"legal_basis", PV_LINE, PF_LIST | PF_UNIQUE, NULL, NULL},
	{"facts", PV_TEXT, PF_REQ, NULL, NULL},
	LIST_OF("offences", offence, PF_REQ),
	{"purpose", PV_TEXT, PF_REQ, NULL, NULL},
	LIST_OF("assistance_sought", assistance, PF_REQ),
	LIST_OF("subjects", subject, 0),
	LIST_OF("locations", location, 0),
	{"procedure", PV_TEXT, 0, NULL, NULL},
	{"confidentiality", PV_OBJECT, PF_REQ, NULL, &confidentiality},
	{"time_limit", PV_OBJECT, 0, NULL, &time_limit},
	{"urgency", PV_OBJECT, PF_REQ, NULL, &urgency},
	EVIDENCE,
	END,
};
static const struct profile_shape mla_request = {mla_request_fields, NULL};

/* ---- preservation-request: Budapest Convention art. 29(2) a-f ---------- */

static const struct profile_field custodian_fields[] = {
	{"name", PV_LINE, 0, NULL, NULL},
	{"country", PV_COUNTRY, 0, NULL, NULL},
	{"system_location", PV_LINE, 0, NULL, NULL},
	{"details", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape custodian = {custodian_fields, custodian_check};

static const struct profile_field period_fields[] = {
	{"from", PV_TIME, PF_REQ, NULL, NULL},
	{"until", PV_TIME, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape period = {period_fields, period_check};

static const struct profile_field data_fields[] = {
	{"description", PV_TEXT, PF_REQ, NULL, NULL},                 /* (c) the data */
	{"relationship", PV_TEXT, PF_REQ, NULL, NULL},                /* (c) its link to the offence */
	{"identifiers", PV_LINE, PF_LIST | PF_UNIQUE, NULL, NULL},
	{"period", PV_OBJECT, 0, NULL, &period},
	{"custodian", PV_OBJECT, PF_REQ, NULL, &custodian},           /* (d) */
	END,
};
static const struct profile_shape data = {data_fields, NULL};

static const struct profile_field preservation_fields[] = {
	HEAD,
	{"requesting_authority", PV_OBJECT, PF_REQ, NULL, &authority},     /* (a) */
	LIST_OF("offences", offence, PF_REQ),                              /* (b) */
	{"facts", PV_TEXT, PF_REQ, NULL, NULL},                            /* (b) */
	LIST_OF("data", data, PF_REQ),                                     /* (c), (d) */
	{"necessity", PV_TEXT, PF_REQ, NULL, NULL},                        /* (e) */
	{"mutual_assistance_request_to_follow", PV_TRUE, PF_REQ, NULL, NULL}, /* (f) */
	END,
};
static const struct profile_shape preservation = {preservation_fields, NULL};

/* ---- the other kinds --------------------------------------------------- */

static const struct profile_field officer_fields[] = {
	{"name", PV_LINE, PF_REQ, NULL, NULL},
	{"position", PV_LINE, 0, NULL, NULL},
	{"contact", PV_OBJECT, 0, NULL, &contact},
	END,
};
static const struct profile_shape officer = {officer_fields, NULL};

static const struct profile_field ack_fields[] = {
	HEAD,
	{"officer", PV_OBJECT, PF_REQ, NULL, &officer},
	{"reference", PV_LINE, 0, NULL, NULL},
	{"note", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape ack = {ack_fields, NULL};

static const struct profile_field provided_fields[] = {
	{"description", PV_TEXT, PF_REQ, NULL, NULL},
	{"assistance_item", PV_INDEX, 0, NULL, NULL},
	END,
};
static const struct profile_shape provided = {provided_fields, NULL};

static const struct profile_field remaining_fields[] = {
	{"description", PV_TEXT, PF_REQ, NULL, NULL},
	{"assistance_item", PV_INDEX, 0, NULL, NULL},
	{"reason", PV_TEXT, 0, NULL, NULL},
	{"expected_by", PV_TIME, 0, NULL, NULL},
	END,
};
static const struct profile_shape remaining = {remaining_fields, NULL};

static const struct profile_field answer_fields[] = {
	HEAD,
	{"completeness", PV_ENUM, PF_REQ, "full|partial", NULL},
	{"summary", PV_TEXT, PF_REQ, NULL, NULL},
	LIST_OF("provided", provided, PF_REQ),
	LIST_OF("remaining", remaining, 0),
	EVIDENCE,
	END,
};
static const struct profile_shape answer = {answer_fields, answer_check};

static const struct profile_field decline_fields[] = {
	HEAD,
	{"grounds", PV_TEXT, PF_REQ, NULL, NULL},
	{"legal_basis", PV_LINE, PF_REQ | PF_LIST | PF_UNIQUE, NULL, NULL},
	{"conditions", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape decline = {decline_fields, NULL};

static const struct profile_field update_fields[] = {
	HEAD,
	{"summary", PV_TEXT, PF_REQ, NULL, NULL},
	EVIDENCE,
	END,
};
static const struct profile_shape update = {update_fields, NULL};

static const struct profile_field close_fields[] = {
	HEAD,
	{"outcome", PV_ENUM, PF_REQ, "completed|partially-completed|declined|withdrawn|no-further-action", NULL},
	{"reason", PV_TEXT, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape close_shape = {close_fields, NULL};

static const struct profile_field participant_fields[] = {
	{"name", PV_LINE, PF_REQ, NULL, NULL},
	{"agency", PV_LINE, PF_REQ, NULL, NULL},
	{"position", PV_LINE, 0, NULL, NULL},
	END,
};
static const struct profile_shape participant = {participant_fields, NULL};

static const struct profile_field statement_fields[] = {
	HEAD,
	{"title", PV_LINE, PF_REQ, NULL, NULL},
	{"date", PV_DATE, PF_REQ, NULL, NULL},
	{"end_date", PV_DATE, 0, NULL, NULL},
	{"place", PV_LINE, PF_REQ, NULL, NULL},
	LIST_OF("participants", participant, PF_REQ),
	{"text", PV_TEXT, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape statement = {statement_fields, statement_check};

const struct profile_type profile_mla_types[] = {
	{"notice", ENV_NOTICE, &notice},
	{"mla-request", ENV_REQUEST, &mla_request},
	{"preservation-request", ENV_REQUEST, &preservation},
	{"ack", ENV_ACK, &ack},
	{"answer", ENV_ANSWER, &answer},
	{"decline", ENV_DECLINE, &decline},
	{"update", ENV_UPDATE, &update},
	{"close", ENV_CLOSE, &close_shape},
	{"statement", ENV_STATEMENT, &statement},
	{NULL, ENV_KIND_COUNT, NULL},
};
