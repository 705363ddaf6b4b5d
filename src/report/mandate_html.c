/*
 * mandate_html — the mandate report as one self-contained HTML file (inline
 * CSS, inline SVG charts of the trucks by sector per month and crossing, no
 * script, no external resource), in English, Russian or Arabic (right to
 * left). Numbers and times stay machine-readable (<data value>, <time datetime>).
 */
#include "report/mandate.h"
#include "report/report.h"
#include "base/err.h"
#include "report/html.h"
#include "exchange/syntax.h"

#include <stdio.h>
#include <string.h>

enum { M_TITLE, M_CHANNEL, M_TERM, M_PERIOD, M_RP, M_DUE, M_MONTH, M_CROSSING, M_CONS, M_TRUCKS, M_CONFIRMED,
       M_CROSSED, M_BENEF, M_NOTICES_OT, M_NOTICES_LATE, M_REJECTED, M_PARTIAL, M_ACK_OT, M_ACK_LATE, M_ACK_MISSING,
       M_ACK_PENDING, M_ALL, M_TOTAL, M_CHART, M_LOGS, M_PARTY, M_SEEN, M_PROVISIONAL, M_SECTORS, M_N };

static const char *const labels[3][M_N] = {
	{"Implementation report", "Channel", "Term", "Period", "Reporting period", "report due", "Month", "Crossing",
	 "Consignments", "Trucks notified", "Trucks confirmed", "Trucks crossed", "Beneficiaries", "Notices on time",
	 "Late notices", "Inspections rejected", "Inspections partial", "Acknowledged on time", "Acknowledged late",
	 "Acknowledgement missing", "Acknowledgement pending", "all crossings", "Total", "Trucks by sector per month",
	 "Logs and closing checkpoints", "Party", "Seen by witnesses", "no closing checkpoint yet: provisional",
	 "Trucks by sector"},
	{"Доклад об осуществлении", "Канал", "Срок мандата", "Период", "Отчётный период", "доклад к", "Месяц",
	 "Пункт пересечения", "Партии груза", "Грузовики (уведомлено)", "Грузовики (подтверждено)",
	 "Грузовики (пересекли границу)", "Получатели помощи", "Уведомления в срок", "Поздние уведомления",
	 "Досмотры: отклонено", "Досмотры: частично", "Подтверждено в срок", "Подтверждено с опозданием",
	 "Подтверждения нет", "Подтверждение ожидается", "все пункты", "Итого", "Грузовики по секторам и месяцам",
	 "Журналы и закрывающие контрольные точки", "Сторона", "Засвидетельствовано",
	 "закрывающей контрольной точки ещё нет: предварительно", "Грузовики по секторам"},
	{"تقرير التنفيذ", "القناة", "مدة الولاية", "الفترة", "فترة الإبلاغ", "موعد التقرير", "الشهر", "المعبر",
	 "الشحنات", "الشاحنات المُخطَر بها", "الشاحنات المؤكدة", "الشاحنات التي عبرت", "المستفيدون",
	 "إخطارات في موعدها", "إخطارات متأخرة", "عمليات تفتيش مرفوضة", "عمليات تفتيش جزئية", "إقرار في الموعد",
	 "إقرار متأخر", "إقرار مفقود", "إقرار منتظر", "جميع المعابر", "المجموع", "الشاحنات حسب القطاع شهرياً",
	 "السجلات ونقاط التحقق الختامية", "الطرف", "شوهد من قبل الشهود", "لا توجد نقطة تحقق ختامية بعد: مؤقت",
	 "الشاحنات حسب القطاع"},
};

static const char *const sector_labels[3][AID_SECTOR_COUNT] = {
	{"Food", "Shelter/NFI", "WASH", "Health", "Education", "Nutrition"},
	{"Продовольствие", "Жильё и непродовольственные товары", "Водоснабжение и санитария", "Здравоохранение",
	 "Образование", "Питание"},
	{"الغذاء", "المأوى والمواد غير الغذائية", "المياه والصرف الصحي", "الصحة", "التعليم", "التغذية"},
};

static const char *const colours[AID_SECTOR_COUNT] = {"#3a6ea5", "#a5673a", "#3aa58c", "#c0392b", "#8e44ad", "#d4ac0d"};


static int row(struct buf *out, const char *month, const char *crossing, const struct mandate_figures *f)
{
	int rc = buf_printf(out, "<tr><th scope=\"row\" dir=\"ltr\">%s</th><td dir=\"ltr\">%s</td>", month, crossing);
	uint64_t v[] = {f->consignments, f->trucks, f->confirmed, f->crossed};
	for (size_t k = 0; k < 4 && !rc; k++)
		rc = html_num_cell(out, v[k]);
	for (int k = 0; k < AID_SECTOR_COUNT && !rc; k++)
		rc = html_num_cell(out, f->sectors[k]);
	uint64_t w[] = {f->beneficiaries, f->notices_on_time, f->notices_late, f->inspected[AID_REJECTED],
			f->inspected[AID_PARTIAL], f->ack_on_time, f->ack_late, f->ack_missing, f->ack_pending};
	for (size_t k = 0; k < sizeof w / sizeof w[0] && !rc; k++)
		rc = html_num_cell(out, w[k]);
	return rc ? rc : buf_append_str(out, "</tr>\n");
}

/* A stacked bar chart of the trucks by sector per month at one crossing (x: NULL for all crossings). */
static int chart(struct buf *out, const struct mandate *m, size_t x, int all, const char *const *lb,
		 const char *const *sl)
{
	const int bw = 40, h = 140;
	uint64_t max = 1;
	for (size_t i = 0; i < m->nslots; i++) {
		const struct mandate_figures *f = all ? &m->slots[i].total : &m->slots[i].by_crossing[x];
		if (f->trucks > max)
			max = f->trucks;
	}
	int w = (int)m->nslots * (bw + 10) + 10;
	const char *name = all ? lb[M_ALL] : m->crossings[x];
	int rc = buf_printf(out, "<figure><svg role=\"img\" width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\"><title>%s: %s</title>",
			    w, h + 44, w, h + 44, lb[M_CHART], name);
	for (size_t i = 0; i < m->nslots && !rc; i++) {
		const struct mandate_figures *f = all ? &m->slots[i].total : &m->slots[i].by_crossing[x];
		int xx = 10 + (int)i * (bw + 10), y = 20 + h;
		for (int k = 0; k < AID_SECTOR_COUNT && !rc; k++) {
			int bh = (int)(f->sectors[k] * (uint64_t)h / max);
			if (!bh)
				continue;
			y -= bh;
			rc = buf_printf(out, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>%s: %llu</title></rect>",
					xx, y, bw, bh, colours[k], sl[k], (unsigned long long)f->sectors[k]);
		}
		if (!rc)
			rc = buf_printf(out, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"middle\">%llu</text>"
					     "<text x=\"%d\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%04d-%02d</text>",
					xx + bw / 2, y - 4, (unsigned long long)f->trucks, xx + bw / 2, h + 36,
					m->slots[i].ym / 12, m->slots[i].ym % 12 + 1);
	}
	if (!rc)
		rc = buf_printf(out, "</svg><figcaption dir=\"ltr\">%s</figcaption></figure>\n", name);
	return rc;
}

int mandate_html(const struct logset *s, const struct mandate *m, const char *lang, struct buf *out)
{
	const struct charter *ch = s->charter;
	int li = !strcmp(lang, "en") ? 0 : !strcmp(lang, "ru") ? 1 : !strcmp(lang, "ar") ? 2 : -1;
	if (li < 0)
		return err_set(ERR_USAGE, "--lang takes en, ru or ar");
	const char *const *lb = labels[li], *const *sl = sector_labels[li];
	char ym[16];
	int rc = html_page_start(out, lang, li == 2, lb[M_TITLE], "100em",
				 ".key span{display:inline-block;width:1em;height:1em;margin:0 .3em}\n");
	if (!rc)
		rc = buf_printf(out, "<p>%s: <code dir=\"ltr\">%s</code></p>\n<p>%s: ", lb[M_CHANNEL], ch->id_hex, lb[M_TERM]);
	if (!rc)
		rc = html_time(out, m->term_start);
	if (!rc)
		rc = buf_append_str(out, " – ");
	if (!rc)
		rc = html_time(out, m->term_end);
	if (!rc)
		rc = buf_printf(out, "</p>\n<p>%s: ", lb[M_PERIOD]);
	if (!rc)
		rc = html_time(out, m->from);
	if (!rc)
		rc = buf_append_str(out, " – ");
	if (!rc)
		rc = html_time(out, m->to);
	if (!rc)
		rc = buf_append_str(out, "</p>\n");
	for (size_t p = 0; p < m->nperiods && !rc; p++) {
		const struct mandate_period *P = &m->periods[p];
		rc = buf_printf(out, "<section>\n<h2>%s %d: ", lb[M_RP], P->number);
		if (!rc)
			rc = html_time(out, P->from);
		if (!rc)
			rc = buf_append_str(out, " – ");
		if (!rc)
			rc = html_time(out, P->to);
		if (!rc)
			rc = buf_printf(out, " (%s ", lb[M_DUE]);
		if (!rc)
			rc = html_time(out, P->to);
		if (!rc)
			rc = buf_append_str(out, ")</h2>\n<table>\n<thead><tr>");
		int cols[] = {M_MONTH, M_CROSSING, M_CONS, M_TRUCKS, M_CONFIRMED, M_CROSSED};
		for (size_t k = 0; k < 6 && !rc; k++)
			rc = buf_printf(out, "<th scope=\"col\">%s</th>", lb[cols[k]]);
		for (int k = 0; k < AID_SECTOR_COUNT && !rc; k++)
			rc = buf_printf(out, "<th scope=\"col\">%s</th>", sl[k]);
		for (int k = M_BENEF; k <= M_ACK_PENDING && !rc; k++)
			rc = buf_printf(out, "<th scope=\"col\">%s</th>", lb[k]);
		if (!rc)
			rc = buf_append_str(out, "</tr></thead>\n<tbody>\n");
		for (size_t i = P->first; i < P->first + P->nslots && !rc; i++) {
			const struct mandate_slot *S = &m->slots[i];
			snprintf(ym, sizeof ym, "%04d-%02d", S->ym / 12, S->ym % 12 + 1);
			for (size_t x = 0; x < m->ncrossings && !rc; x++)
				if (S->by_crossing[x].consignments)
					rc = row(out, ym, m->crossings[x], &S->by_crossing[x]);
			if (!rc)
				rc = row(out, ym, lb[M_ALL], &S->total);
		}
		if (!rc)
			rc = row(out, lb[M_TOTAL], lb[M_ALL], &P->total);
		if (!rc)
			rc = buf_append_str(out, "</tbody>\n</table>\n</section>\n");
	}
	if (!rc)
		rc = buf_printf(out, "<section>\n<h2>%s</h2>\n<p class=\"key\">", lb[M_CHART]);
	for (int k = 0; k < AID_SECTOR_COUNT && !rc; k++)
		rc = buf_printf(out, "<span style=\"background:%s\"></span>%s ", colours[k], sl[k]);
	if (!rc)
		rc = buf_append_str(out, "</p>\n");
	if (!rc)
		rc = chart(out, m, 0, 1, lb, sl);
	for (size_t x = 0; x < m->ncrossings && m->ncrossings > 1 && !rc; x++)
		rc = chart(out, m, x, 0, lb, sl);
	if (!rc)
		rc = buf_printf(out, "</section>\n<section>\n<h2>%s</h2>\n<table>\n<thead><tr><th scope=\"col\">%s</th><th scope=\"col\">%s</th><th scope=\"col\">%s</th></tr></thead>\n<tbody>\n",
				lb[M_LOGS], lb[M_PARTY], lb[M_SEEN], lb[M_PERIOD]);
	for (size_t p = 0; p < ch->nparties && !rc; p++) {
		const struct logset_log *L = &s->logs[p];
		rc = buf_printf(out, "<tr><th scope=\"row\">%s</th>", ch->parties[p].id);
		if (!rc && L->closed) {
			rc = buf_printf(out, "<td><data value=\"%zu\">%zu</data></td><td>", L->closing.ncosigners,
					L->closing.ncosigners);
			if (!rc)
				rc = html_time(out, L->closing.witnessed_at);
			if (!rc)
				rc = buf_append_str(out, "</td></tr>\n");
		} else if (!rc) {
			rc = buf_printf(out, "<td colspan=\"2\">%s</td></tr>\n", lb[M_PROVISIONAL]);
		}
	}
	if (!rc)
		rc = buf_append_str(out, "</tbody>\n</table>\n</section>\n</main>\n</body>\n</html>\n");
	return rc;
}
