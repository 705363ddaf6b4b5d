/*
 * desk_assets — the desk's page, built into the binary so the desk runs
 * offline and serves nothing it did not ship with (docs/desk.md).
 *
 * The files come from $(BUILD)/web/, which `web/build.sh` makes from web/
 * (the Makefile runs it and names that directory to the compiler as
 * DESK_WEB_DIR; the files go in with .incbin, src/base/embed.h).
 */
#ifndef PARLEY_DESK_ASSETS_H
#define PARLEY_DESK_ASSETS_H

#include <stddef.h>

struct desk_asset {
	const char *path;         /* as served: "/", "/desk.js", ... */
	const char *content_type; /* with charset where it is text */
	const unsigned char *data;
	size_t len;
};

/* Fills *a with the asset served at path (query already removed): 0, or -1 if there is none. */
int desk_assets_find(const char *path, struct desk_asset *a);

#endif
