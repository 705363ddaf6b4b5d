#include "desk/desk_assets.h"
#include "base/embed.h"

#include <string.h>

/* DESK_WEB_DIR: the absolute $(BUILD)/web, given by the Makefile. */
EMBED_FILE(desk_index_html, DESK_WEB_DIR "/index.html");
EMBED_FILE(desk_js, DESK_WEB_DIR "/desk.js");
EMBED_FILE(desk_css, DESK_WEB_DIR "/desk.css");

/* The lengths are link-time objects, not constants: the table holds their addresses. */
static const struct {
	const char *path, *content_type, *data;
	const uint64_t *len;
} assets[] = {
	{ "/", "text/html; charset=utf-8", desk_index_html, &desk_index_html_len },
	{ "/start", "text/html; charset=utf-8", desk_index_html, &desk_index_html_len },
	{ "/desk.js", "text/javascript; charset=utf-8", desk_js, &desk_js_len },
	{ "/desk.css", "text/css; charset=utf-8", desk_css, &desk_css_len },
};

int desk_assets_find(const char *path, struct desk_asset *a)
{
	for (size_t i = 0; i < sizeof assets / sizeof assets[0]; i++)
		if (strcmp(assets[i].path, path) == 0) {
			*a = (struct desk_asset){ assets[i].path, assets[i].content_type,
						  (const unsigned char *)assets[i].data, (size_t)*assets[i].len };
			return 0;
		}
	return -1;
}
