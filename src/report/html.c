/* html — the pieces the HTML reports share (see html.h). */
#include "report/html.h"

#include "exchange/syntax.h"

int html_page_start(struct buf *out, const char *lang, int rtl, const char *title, const char *max_width,
		    const char *extra_css)
{
	return buf_printf(out,
			  "<!DOCTYPE html>\n<html lang=\"%s\" dir=\"%s\">\n<head>\n<meta charset=\"utf-8\">\n<title>%s</title>\n"
			  "<style>\nbody{font-family:sans-serif;margin:2em;max-width:%s}\n"
			  "table{border-collapse:collapse;margin:1em 0}\nth,td{border:1px solid #999;padding:.25em .5em;text-align:left}\n"
			  "html[dir=rtl] th,html[dir=rtl] td{text-align:right}\nth{background:#eee}\ntime,data{font-family:monospace}\n"
			  "figure{display:inline-block;margin:1em}\n%s</style>\n</head>\n<body>\n<main>\n<h1>%s</h1>\n",
			  lang, rtl ? "rtl" : "ltr", title, max_width, extra_css, title);
}

int html_time(struct buf *out, int64_t t)
{
	char s[21];
	syntax_format_time(t, s);
	return buf_printf(out, "<time datetime=\"%s\" dir=\"ltr\">%s</time>", s, s);
}

int html_num_cell(struct buf *out, uint64_t n)
{
	return buf_printf(out, "<td><data value=\"%llu\">%llu</data></td>", (unsigned long long)n, (unsigned long long)n);
}
