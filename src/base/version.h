/*
 * version — the version of parley, one place: the VERSION file at the top of
 * the tree, baked in at build time (the Makefile passes it to version.c only,
 * so a new version rebuilds one object). Reproducible: no date, no host.
 */
#ifndef PARLEY_VERSION_H
#define PARLEY_VERSION_H

/* "0.1.0": printed by `parley --version`, logged at start, in parley_build_info. */
const char *parley_version(void);

#endif
