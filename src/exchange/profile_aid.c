/*
 * profile_aid — the body types of the aid-crossing profile as shapes
 * (profile_rules.h), and the tie between a body and the figures its envelope
 * shows in the clear (the aid line, envelope.h). docs/profile-aid-crossing.md
 * explains every member and docs/schemas/aid-crossing/ publishes the same
 * rules as JSON Schemas; a change here needs the same change there
 * (tests/cli/profile_schemas.sh checks them against each other).
 */
#include "exchange/profile.h"
#include "exchange/profile_rules.h"
#include "base/err.h"
#include "exchange/syntax.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define END {NULL, 0, 0, NULL, NULL}
#define HEAD {"profile", PV_FIXED, PF_REQ, NULL, NULL}, {"type", PV_FIXED, PF_REQ, NULL, NULL}
#define LIST_OF(name, shape, flags) {name, PV_OBJECT, PF_LIST | (flags), NULL, &(shape)}

/* The sectors of the UN's cross-border reports, in the aid line's order (envelope.h). */
static const char sectors[] = "food|shelter-nfi|wash|health|education|nutrition";

/* ---- rules across members ---------------------------------------------- */

static int has(json_t *obj, const char *key)
{
	return json_object_get(obj, key) != NULL;
}

static const char *str(json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

static int truck_check(json_t *obj, const struct profile_path *at)
{
	if (has(obj, "plate") == has(obj, "tir"))
		return profile_fail(at, NULL, "needs exactly one of plate (the registration plate) and tir (the TIR "
				    "carnet number)");
	return 0;
}

/* Bit s set for every sector s named by member "sector" of the list's items. */
static unsigned sector_bits(json_t *list)
{
	size_t i;
	json_t *item;
	unsigned bits = 0;
	json_array_foreach(list, i, item) {
		const char *s = str(item, "sector");
		int sec = s ? envelope_aid_sector_parse(s, strlen(s)) : -1;
		if (sec >= 0)
			bits |= 1u << sec;
	}
	return bits;
}

static int consignment_check(json_t *obj, const struct profile_path *at)
{
	int64_t load, cross;
	const char *a = str(obj, "planned_loading"), *b = str(obj, "planned_crossing");
	json_t *trucks = json_object_get(obj, "trucks"), *items = json_object_get(obj, "items"), *t, *u;
	size_t i, j;
	if (a && b && !syntax_time(a, strlen(a), &load) && !syntax_time(b, strlen(b), &cross) && cross < load)
		return profile_fail(at, "planned_crossing", "must be no earlier than planned_loading");
	/* A truck is listed once: by its plate or its TIR carnet number. */
	json_array_foreach(trucks, i, t) {
		const char *key = has(t, "plate") ? "plate" : "tir";
		for (j = 0; j < i; j++) {
			u = json_array_get(trucks, j);
			if (json_equal(json_object_get(t, key), json_object_get(u, key))) {
				struct profile_path here = {at, "trucks", 0}, item = {&here, NULL, i};
				return profile_fail(&item, key, "repeats the %s of truck %zu (a truck is listed once)", key, j);
			}
		}
	}
	/* The trucks carry what the items list, sector by sector. */
	unsigned tb = sector_bits(trucks), ib = sector_bits(items);
	for (int s = 0; s < AID_SECTOR_COUNT; s++) {
		if ((tb & ~ib) & (1u << s))
			return profile_fail(at, "items", "lists nothing of sector %s, which a truck carries",
					    envelope_aid_sector_name((enum envelope_aid_sector)s));
		if ((ib & ~tb) & (1u << s))
			return profile_fail(at, "trucks", "no truck carries sector %s, which the items list",
					    envelope_aid_sector_name((enum envelope_aid_sector)s));
	}
	return 0;
}

static int inspection_check(json_t *obj, const struct profile_path *at)
{
	const char *r = str(obj, "result");
	json_t *n = json_object_get(obj, "trucks_confirmed");
	int rejected = r && !strcmp(r, "rejected"), confirmed = r && !strcmp(r, "confirmed");
	if (n && rejected && json_integer_value(n) != 0)
		return profile_fail(at, "trucks_confirmed", "must be 0 when result is rejected");
	if (n && r && !rejected && json_integer_value(n) == 0)
		return profile_fail(at, "trucks_confirmed", "must be at least 1 unless result is rejected");
	if (r && !confirmed && !has(obj, "reason"))
		return profile_fail(at, "reason", "required when result is %s", r);
	if (confirmed && has(obj, "trucks_not_confirmed"))
		return profile_fail(at, "trucks_not_confirmed", "not allowed when result is confirmed");
	return 0;
}

static int close_check(json_t *obj, const struct profile_path *at)
{
	const char *o = str(obj, "outcome");
	if (o && strcmp(o, "delivered") && !has(obj, "reason"))
		return profile_fail(at, "reason", "required when outcome is %s", o);
	return 0;
}

/* ---- consignment ------------------------------------------------------- */

static const struct profile_field truck_fields[] = {
	{"plate", PV_LINE, 0, NULL, NULL},
	{"tir", PV_LINE, 0, NULL, NULL},
	{"sector", PV_ENUM, PF_REQ, sectors, NULL},
	{"seals", PV_LINE, PF_LIST | PF_UNIQUE, NULL, NULL},
	END,
};
static const struct profile_shape truck = {truck_fields, truck_check};

static const struct profile_field item_fields[] = {
	{"sector", PV_ENUM, PF_REQ, sectors, NULL},
	{"item", PV_LINE, PF_REQ, NULL, NULL},
	{"quantity", PV_COUNT, PF_REQ, NULL, NULL},
	{"unit", PV_LINE, PF_REQ, NULL, NULL},
	{"weight_kg", PV_COUNT, PF_REQ, NULL, NULL},
	END,
};
static const struct profile_shape item = {item_fields, NULL};

static const struct profile_field consignment_fields[] = {
	HEAD,
	{"shipment_id", PV_LINE, PF_REQ, NULL, NULL},
	{"sending_agency", PV_LINE, PF_REQ, NULL, NULL},
	{"implementing_partner", PV_LINE, PF_REQ, NULL, NULL},
	{"crossing", PV_CROSSING, PF_REQ, NULL, NULL},
	{"transhipment_hub", PV_LINE, PF_REQ, NULL, NULL},
	{"planned_loading", PV_STIME, PF_REQ, NULL, NULL},
	{"planned_crossing", PV_STIME, PF_REQ, NULL, NULL},
	LIST_OF("trucks", truck, PF_REQ | PF_LONG),
	LIST_OF("items", item, PF_REQ),
	{"destination_district", PV_LINE, PF_REQ, NULL, NULL},
	{"beneficiaries", PV_PEOPLE, PF_REQ, NULL, NULL},
	{"emergency_reason", PV_TEXT, 0, NULL, NULL},
	{"note", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape consignment = {consignment_fields, consignment_check};

/* ---- inspection, crossing ---------------------------------------------- */

static const struct profile_field inspection_fields[] = {
	HEAD,
	{"result", PV_ENUM, PF_REQ, "confirmed|partial|rejected", NULL},
	{"inspected_at", PV_STIME, PF_REQ, NULL, NULL},
	{"trucks_confirmed", PV_TRUCKS0, PF_REQ, NULL, NULL},
	{"seals_verified", PV_BOOL, PF_REQ, NULL, NULL},
	{"reason", PV_TEXT, 0, NULL, NULL},
	{"trucks_not_confirmed", PV_LINE, PF_LIST | PF_UNIQUE | PF_LONG, NULL, NULL},
	{"note", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape inspection = {inspection_fields, inspection_check};

static const struct profile_field crossing_fields[] = {
	HEAD,
	{"crossed_at", PV_STIME, PF_REQ, NULL, NULL},
	{"trucks_crossed", PV_TRUCKS, PF_REQ, NULL, NULL},
	{"note", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape crossing = {crossing_fields, NULL};

/* ---- ack, close -------------------------------------------------------- */

static const struct profile_field officer_fields[] = {
	{"name", PV_LINE, PF_REQ, NULL, NULL},
	{"position", PV_LINE, 0, NULL, NULL},
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

static const struct profile_field close_fields[] = {
	HEAD,
	{"outcome", PV_ENUM, PF_REQ, "delivered|partially-delivered|cancelled", NULL},
	{"reason", PV_TEXT, 0, NULL, NULL},
	END,
};
static const struct profile_shape close_shape = {close_fields, close_check};

const struct profile_type profile_aid_types[] = {
	{"consignment", ENV_NOTICE, &consignment},
	{"inspection", ENV_UPDATE, &inspection},
	{"crossing", ENV_UPDATE, &crossing},
	{"ack", ENV_ACK, &ack},
	{"close", ENV_CLOSE, &close_shape},
	{NULL, ENV_KIND_COUNT, NULL},
};

/* ---- the visible figures ----------------------------------------------- */

static int64_t time_of(json_t *obj, const char *key)
{
	const char *s = str(obj, key);
	int64_t t = 0;
	if (s && syntax_time(s, strlen(s), &t))
		t = 0;
	return t;
}

static uint32_t uint_of(json_t *obj, const char *key)
{
	json_int_t v = json_integer_value(json_object_get(obj, key));
	return v > 0 && v <= UINT32_MAX ? (uint32_t)v : 0;
}

void profile_aid_figures(json_t *body, struct envelope_aid *out)
{
	const char *profile = str(body, "profile"), *type = str(body, "type");
	memset(out, 0, sizeof *out);
	if (!profile || !type || strcmp(profile, "aid-crossing"))
		return;
	if (!strcmp(type, "consignment")) {
		json_t *trucks = json_object_get(body, "trucks"), *t;
		const char *c = str(body, "crossing");
		size_t i;
		out->type = ENV_AID_CONSIGNMENT;
		if (c)
			snprintf(out->crossing, sizeof out->crossing, "%s", c);
		out->time = time_of(body, "planned_crossing");
		json_array_foreach(trucks, i, t) {
			const char *s = str(t, "sector");
			int sec = s ? envelope_aid_sector_parse(s, strlen(s)) : -1;
			out->trucks++;
			if (sec >= 0)
				out->sector_trucks[sec]++;
		}
		out->beneficiaries = uint_of(body, "beneficiaries");
	} else if (!strcmp(type, "inspection")) {
		const char *r = str(body, "result");
		out->type = ENV_AID_INSPECTION;
		for (int k = 0; r && k < AID_RESULT_COUNT; k++)
			if (!strcmp(r, envelope_aid_result_name((enum envelope_aid_result)k)))
				out->result = (enum envelope_aid_result)k;
		out->trucks = uint_of(body, "trucks_confirmed");
	} else if (!strcmp(type, "crossing")) {
		out->type = ENV_AID_CROSSING;
		out->time = time_of(body, "crossed_at");
		out->trucks = uint_of(body, "trucks_crossed");
	}
}

static const char *aid_type_name(enum envelope_aid_type t)
{
	return t == ENV_AID_CONSIGNMENT ? "consignment" : t == ENV_AID_INSPECTION ? "inspection" : "crossing";
}

#define DISAGREE(...) err_wrap(err_set(ERR_VERIFY, __VA_ARGS__), "the body disagrees with its envelope's public figures")

static int differ_time(const char *what, int64_t env, int64_t body)
{
	char a[21], b[21];
	syntax_format_time(env, a);
	syntax_format_time(body, b);
	return DISAGREE("%s: the envelope's aid line says %s, the body %s", what, a, b);
}

static int differ_n(const char *what, uint32_t env, uint32_t body)
{
	return DISAGREE("%s: the envelope's aid line says %" PRIu32 ", the body %" PRIu32, what, env, body);
}

int profile_aid_check_figures(const struct envelope_fields *f, json_t *body)
{
	struct envelope_aid w;
	const struct envelope_aid *g = &f->aid;
	const char *type = str(body, "type");
	profile_aid_figures(body, &w);
	if (w.type == ENV_AID_NONE && g->type != ENV_AID_NONE)
		return DISAGREE("the envelope has an 'aid: %s' line, but its body (%s) carries no figures",
				aid_type_name(g->type), type ? type : "?");
	if (w.type != ENV_AID_NONE && g->type == ENV_AID_NONE)
		return DISAGREE("the body is a%s %s, but the envelope has no aid line to show its figures",
				w.type == ENV_AID_INSPECTION ? "n" : "", aid_type_name(w.type));
	if (w.type != g->type)
		return DISAGREE("the envelope's aid line is for a%s %s, the body is a%s %s",
				g->type == ENV_AID_INSPECTION ? "n" : "", aid_type_name(g->type),
				w.type == ENV_AID_INSPECTION ? "n" : "", aid_type_name(w.type));
	switch (w.type) {
	case ENV_AID_CONSIGNMENT:
		if (strcmp(w.crossing, g->crossing))
			return DISAGREE("crossing: the envelope's aid line says %s, the body %s", g->crossing, w.crossing);
		if (w.time != g->time)
			return differ_time("cross-by", g->time, w.time);
		if (w.trucks != g->trucks)
			return differ_n("trucks", g->trucks, w.trucks);
		for (int s = 0; s < AID_SECTOR_COUNT; s++)
			if (w.sector_trucks[s] != g->sector_trucks[s]) {
				char what[40];
				snprintf(what, sizeof what, "trucks of sector %s",
					 envelope_aid_sector_name((enum envelope_aid_sector)s));
				return differ_n(what, g->sector_trucks[s], w.sector_trucks[s]);
			}
		if (w.beneficiaries != g->beneficiaries)
			return differ_n("beneficiaries", g->beneficiaries, w.beneficiaries);
		if (has(body, "emergency_reason") != (f->urgent != 0))
			return DISAGREE(f->urgent ? "the envelope says 'priority: urgent', but the body gives no "
						    "emergency_reason"
						  : "the body gives an emergency_reason, but the envelope does not say "
						    "'priority: urgent'");
		return 0;
	case ENV_AID_INSPECTION:
		if (w.result != g->result)
			return DISAGREE("result: the envelope's aid line says %s, the body %s",
					envelope_aid_result_name(g->result), envelope_aid_result_name(w.result));
		if (w.trucks != g->trucks)
			return differ_n("trucks confirmed", g->trucks, w.trucks);
		return 0;
	case ENV_AID_CROSSING:
		if (w.time != g->time)
			return differ_time("crossed", g->time, w.time);
		if (w.trucks != g->trucks)
			return differ_n("trucks crossed", g->trucks, w.trucks);
		return 0;
	default:
		return 0;
	}
}
