/*
 * html — the pieces the self-contained HTML reports share (report_html.c,
 * mandate_html.c): the page's head and style, times and numbers as
 * machine-readable elements. No resource from the network: the style is
 * inline; right-to-left pages (Arabic) mirror the tables' alignment.
 */
#ifndef PARLEY_REPORT_HTML_H
#define PARLEY_REPORT_HTML_H

#include "base/buf.h"

#include <stdint.h>

/*
 * "<!DOCTYPE html>" up to and including the page's <h1>title</h1>, in
 * language lang, right to left if rtl; max_width (CSS length) bounds the
 * body; extra_css (may be "") is appended to the style. title is text the
 * caller has made safe for HTML. 0 or the buffer's error.
 */
int html_page_start(struct buf *out, const char *lang, int rtl, const char *title, const char *max_width,
		    const char *extra_css);

/* <time datetime="T" dir="ltr">T</time> for Unix seconds t (RFC 3339 UTC). */
int html_time(struct buf *out, int64_t t);

/* <td><data value="n">n</data></td> */
int html_num_cell(struct buf *out, uint64_t n);

#endif
