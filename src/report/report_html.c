/*
 * report_html — the report as one self-contained HTML file: inline CSS and
 * inline SVG bar charts, no external resource, no script. English, Russian or
 * Arabic labels (Arabic right to left); numbers and times stay as in the JSON
 * (<data value>, <time datetime>) so they remain machine-readable.
 */
#include "report/report.h"
#include "base/err.h"
#include "report/html.h"
#include "exchange/syntax.h"

#include <stdio.h>
#include <string.h>

enum { L_TITLE, L_PERIOD, L_FROM, L_TO, L_KIND, L_SENT, L_DELIVERED, L_OUTSTANDING, L_ACK, L_ANSWERED, L_DECLINED,
       L_OVERDUE, L_LATE, L_MEDIAN, L_P90, L_DELIVERY_S, L_ACK_S, L_ANSWER_S, L_LOGS, L_FIGURES, L_MONTHS, L_ENVELOPES,
       L_ENTRY, L_TIME, L_CASE, L_STATE, L_PARTY, L_SIZE, L_SEEN, L_PROVISIONAL, L_NONE, L_CHANNEL, L_MONTH, L_COMMA, L_N };

static const char *const labels[3][L_N] = {
	{"parley report", "Period", "From", "To", "Kind", "Sent", "Delivered", "Outstanding", "Acknowledged", "Answered",
	 "Declined", "Overdue", "Late", "median", "90th percentile", "Time to delivery (s)", "Time to acknowledge (s)",
	 "Time to answer (s)", "Logs and closing checkpoints", "Figures per pair of parties and kind", "Sent per month",
	 "Envelopes counted", "Entry", "Time", "Case", "State", "Party", "Entries read", "Seen by witnesses",
	 "no closing checkpoint yet: provisional", "none", "Channel", "Month", ", "},
	{"Отчёт parley", "Период", "Откуда", "Куда", "Вид", "Отправлено", "Доставлено", "Не доставлено", "Подтверждено",
	 "Отвечено", "Отклонено", "Просрочено", "С опозданием", "медиана", "90-й процентиль", "Время доставки (с)",
	 "Время подтверждения (с)", "Время ответа (с)", "Журналы и закрывающие контрольные точки",
	 "Показатели по парам сторон и видам", "Отправлено по месяцам", "Учтённые конверты", "Запись", "Время", "Дело",
	 "Состояние", "Сторона", "Прочитано записей", "Засвидетельствовано", "закрывающей контрольной точки ещё нет: предварительно",
	 "нет", "Канал", "Месяц", ", "},
	{"تقرير parley", "الفترة", "من", "إلى", "النوع", "أُرسل", "سُلِّم", "لم يُسلَّم", "أُقِرّ باستلامه", "أُجيب",
	 "رُفض", "متأخر عن موعده", "متأخر", "الوسيط", "المئين التسعون", "زمن التسليم (ث)", "زمن الإقرار (ث)",
	 "زمن الإجابة (ث)", "السجلات ونقاط التحقق الختامية", "الأرقام لكل زوج من الأطراف ونوع", "المرسل شهرياً",
	 "الأظرف المحسوبة", "القيد", "الوقت", "القضية", "الحالة", "الطرف", "القيود المقروءة", "شوهد من قبل الشهود",
	 "لا توجد نقطة تحقق ختامية بعد: مؤقت", "لا شيء", "القناة", "الشهر", "، "},
};

static int esc(struct buf *out, const char *s)
{
	int rc = 0;
	for (; *s && !rc; s++) {
		switch (*s) {
		case '&': rc = buf_append_str(out, "&amp;"); break;
		case '<': rc = buf_append_str(out, "&lt;"); break;
		case '>': rc = buf_append_str(out, "&gt;"); break;
		case '"': rc = buf_append_str(out, "&quot;"); break;
		default: rc = buf_append_byte(out, (uint8_t)*s);
		}
	}
	return rc;
}


static int stat_cells(struct buf *out, const struct report_stat *st)
{
	if (!st->has)
		return buf_printf(out, "<td>–</td><td>–</td>");
	return buf_printf(out, "<td><data value=\"%lld\">%lld</data></td><td><data value=\"%lld\">%lld</data></td>",
			  (long long)st->median, (long long)st->median, (long long)st->p90, (long long)st->p90);
}

/* One bar chart of the sent envelopes per month of a pair. */
static int chart(struct buf *out, const struct logset *s, const struct report_pair *p, const char *const *lb)
{
	uint64_t max = 1;
	int rc;
	const int bw = 36, h = 120;
	for (size_t i = 0; i < p->nmonths; i++)
		if (p->months[i].sent > max)
			max = p->months[i].sent;
	int w = (int)p->nmonths * (bw + 8) + 8;
	rc = buf_printf(out, "<figure><svg role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>",
			w, h + 40, w, h + 40);
	if (!rc)
		rc = buf_printf(out, "%s: %s → %s, %s</title>", lb[L_MONTHS], s->charter->parties[p->from].id,
				s->charter->parties[p->to].id, envelope_kind_name((enum envelope_kind)p->kind));
	for (size_t i = 0; i < p->nmonths && !rc; i++) {
		int bh = (int)(p->months[i].sent * (uint64_t)h / max), x = 8 + (int)i * (bw + 8);
		rc = buf_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#3a6ea5\"/>"
				     "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%llu</text>"
				     "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%04d-%02d</text>",
				x, 18 + h - bh, bw, bh, x + bw / 2, 14 + h - bh, (unsigned long long)p->months[i].sent,
				x + bw / 2, h + 32, p->months[i].ym / 12, p->months[i].ym % 12 + 1);
	}
	if (!rc)
		rc = buf_printf(out, "</svg><figcaption>%s → %s, %s</figcaption></figure>\n", s->charter->parties[p->from].id,
				s->charter->parties[p->to].id, envelope_kind_name((enum envelope_kind)p->kind));
	return rc;
}

int report_html(const struct logset *s, const struct report *r, const char *lang, struct buf *out)
{
	const struct charter *ch = s->charter;
	int li = !strcmp(lang, "en") ? 0 : !strcmp(lang, "ru") ? 1 : !strcmp(lang, "ar") ? 2 : -1;
	if (li < 0)
		return err_set(ERR_USAGE, "--lang takes en, ru or ar");
	const char *const *lb = labels[li];
	int rc = html_page_start(out, lang, li == 2, lb[L_TITLE], "80em", "");
	if (!rc)
		rc = buf_printf(out, "<p>%s: <code dir=\"ltr\">%s</code></p>\n<p>%s: ", lb[L_CHANNEL], ch->id_hex, lb[L_PERIOD]);
	if (!rc)
		rc = html_time(out, r->from);
	if (!rc)
		rc = buf_append_str(out, " – ");
	if (!rc)
		rc = html_time(out, r->to);
	if (!rc)
		rc = buf_printf(out, "</p>\n<section>\n<h2>%s</h2>\n<table>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
				lb[L_LOGS], lb[L_PARTY], lb[L_SIZE], lb[L_SEEN], lb[L_TIME]);
	for (size_t p = 0; p < ch->nparties && !rc; p++) {
		const struct logset_log *L = &s->logs[p];
		rc = buf_printf(out, "<tr><th scope=\"row\">%s</th>", ch->parties[p].id);
		if (!rc)
			rc = html_num_cell(out, L->read);
		if (!rc && L->closed) {
			rc = buf_printf(out, "<td><data value=\"%zu\">%zu</data> (", L->closing.ncosigners, L->closing.ncosigners);
			for (size_t k = 0; k < L->closing.ncosigners && !rc; k++) {
				rc = buf_append_str(out, k ? ", " : "");
				if (!rc)
					rc = esc(out, logset_cosigner_name(s, L->closing.cosigners[k]));
			}
			if (!rc)
				rc = buf_append_str(out, ")</td><td>");
			if (!rc)
				rc = html_time(out, L->closing.witnessed_at);
			if (!rc)
				rc = buf_append_str(out, "</td></tr>\n");
		} else if (!rc) {
			rc = buf_printf(out, "<td colspan=\"2\">%s</td></tr>\n", lb[L_PROVISIONAL]);
		}
	}
	if (!rc)
		rc = buf_printf(out, "</tbody>\n</table>\n</section>\n<section>\n<h2>%s</h2>\n<table>\n<thead><tr>", lb[L_FIGURES]);
	static const int cols[] = {L_FROM, L_TO, L_KIND, L_SENT, L_DELIVERED, L_OUTSTANDING, L_ACK, L_ANSWERED, L_DECLINED,
				   L_OVERDUE, L_LATE};
	for (size_t k = 0; k < sizeof cols / sizeof cols[0] && !rc; k++)
		rc = buf_printf(out, "<th scope=\"col\">%s</th>", lb[cols[k]]);
	for (int k = L_DELIVERY_S; k <= L_ANSWER_S && !rc; k++)
		rc = buf_printf(out, "<th scope=\"col\">%s%s%s</th><th scope=\"col\">%s%s%s</th>", lb[k], lb[L_COMMA],
				lb[L_MEDIAN], lb[k], lb[L_COMMA], lb[L_P90]);
	if (!rc)
		rc = buf_append_str(out, "</tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < r->npairs && !rc; i++) {
		const struct report_pair *p = &r->pairs[i];
		rc = buf_printf(out, "<tr><td>%s</td><td>%s</td><td>%s</td>", ch->parties[p->from].id, ch->parties[p->to].id,
				envelope_kind_name((enum envelope_kind)p->kind));
		uint64_t v[] = {p->sent, p->delivered, p->outstanding, p->acknowledged, p->answered, p->declined, p->overdue, p->late};
		for (size_t k = 0; k < sizeof v / sizeof v[0] && !rc; k++)
			rc = html_num_cell(out, v[k]);
		if (!rc)
			rc = stat_cells(out, &p->delivery);
		if (!rc)
			rc = stat_cells(out, &p->ack);
		if (!rc)
			rc = stat_cells(out, &p->answer);
		if (!rc)
			rc = buf_append_str(out, "</tr>\n");
	}
	if (!rc)
		rc = buf_printf(out, "</tbody>\n</table>\n</section>\n<section>\n<h2>%s</h2>\n", lb[L_MONTHS]);
	for (size_t i = 0; i < r->npairs && !rc; i++)
		rc = chart(out, s, &r->pairs[i], lb);
	if (!rc)
		rc = buf_printf(out, "</section>\n<section>\n<h2>%s</h2>\n", lb[L_ENVELOPES]);
	if (!rc && !r->nenvs)
		rc = buf_printf(out, "<p>%s</p>\n", lb[L_NONE]);
	if (!rc && r->nenvs)
		rc = buf_printf(out, "<table>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
				lb[L_ENTRY], lb[L_TIME], lb[L_FROM], lb[L_KIND], lb[L_CASE], lb[L_DELIVERED], lb[L_STATE]);
	for (size_t i = 0; i < r->nenvs && !rc; i++) {
		const struct report_env *re = &r->envs[i];
		char name[64];
		report_entry_name(s, re->e, name, sizeof name);
		rc = buf_printf(out, "<tr><td dir=\"ltr\">%s</td><td>", name);
		if (!rc)
			rc = html_time(out, re->e->time);
		if (!rc)
			rc = buf_printf(out, "</td><td dir=\"ltr\">%s</td><td>%s</td><td dir=\"ltr\">", report_agency_name(s, re->e),
					envelope_kind_name(re->e->kind));
		if (!rc)
			rc = esc(out, re->e->kase ? re->e->kase->id : "");
		if (!rc)
			rc = buf_append_str(out, "</td><td>");
		if (!rc)
			rc = re->has_delivered ? html_time(out, re->delivered_at) : buf_append_str(out, "–");
		if (!rc)
			rc = buf_printf(out, "</td><td>%s</td></tr>\n", report_state_name(re->state));
	}
	if (!rc && r->nenvs)
		rc = buf_append_str(out, "</tbody>\n</table>\n");
	if (!rc)
		rc = buf_append_str(out, "</section>\n</main>\n</body>\n</html>\n");
	return rc;
}
