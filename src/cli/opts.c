#include "cli/opts.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/logline.h"
#include "base/version.h"

#include <inttypes.h>
#include <stdarg.h>
#include <string.h>

void cli_opts_help(FILE *f, const struct cli_cmd_help *h, const struct cli_opt *opts, size_t n)
{
	fprintf(f, "usage: %s\n\n%s\n\noptions (each also a setting 'name = value' of the --config file, unless it says not):\n", h->synopsis,
		h->about);
	char left[64];
	for (size_t i = 0; i <= n + 2; i++) {
		const char *name, *meta, *help;
		if (i < n)
			name = opts[i].name, meta = opts[i].metavar, help = opts[i].help;
		else if (i == n)
			name = "config", meta = "FILE",
			help = "read settings from FILE first (key = value lines, docs/operations.md); the flags given override "
			       "them. Default: none";
		else if (i == n + 1)
			name = "help", meta = NULL, help = "print this help and exit";
		else
			name = "version", meta = NULL, help = "print the version and exit";
		snprintf(left, sizeof left, "--%s%s%s", name, meta ? " " : "", meta ? meta : "");
		/* the meaning wrapped at 100 columns, under itself */
		fprintf(f, "  %-24s", left);
		size_t col = 26;
		while (*help) {
			size_t w = strcspn(help, " ");
			if (col > 27 && col + 1 + w > 100) {
				fprintf(f, "\n%27s", "");
				col = 27;
			} else {
				fputc(' ', f);
				col++;
			}
			fprintf(f, "%.*s", (int)w, help);
			col += w;
			help += w;
			while (*help == ' ')
				help++;
		}
		fputc('\n', f);
	}
}

static int usage(const struct cli_cmd_help *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int usage(const struct cli_cmd_help *h, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "parley %s: ", h->cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: %s\n(parley %s --help lists every option)\n", h->synopsis, h->cmd);
	return 2;
}

/* Sets one option from a value (NULL for a flag given on the command line). 0 or ERR_USAGE with the reason. */
static int set(const struct cli_opt *o, const char *v)
{
	uint64_t u;
	switch (o->kind) {
	case OPT_STRING:
		*(const char **)o->to = v;
		return 0;
	case OPT_FORMAT: {
		enum logline_format f;
		if (logline_parse_format(v, &f))
			return ERR_USAGE;
		*(const char **)o->to = v;
		return 0;
	}
	case OPT_UINT:
		if (dec_u64(v, strlen(v), &u) || u < o->min || u > o->max)
			return err_set(ERR_USAGE, "'%s' is not a number from %" PRIu64 " to %" PRIu64, v, o->min, o->max);
		*(uint64_t *)o->to = u;
		return 0;
	case OPT_FLAG:
	case OPT_FLAG_CLI_ONLY:
		if (!v || !strcmp(v, "true"))
			*(int *)o->to = 1;
		else if (!strcmp(v, "false"))
			*(int *)o->to = 0;
		else
			return err_set(ERR_USAGE, "'%s' is neither true nor false", v);
		return 0;
	}
	return ERR_USAGE;
}

int cli_opts_parse(const struct cli_cmd_help *h, const struct cli_opt *opts, size_t n, int argc, char **argv,
		   struct conf *conf)
{
	const char *config = NULL;
	memset(conf, 0, sizeof *conf);
	/* first: --help, --version and --config, wherever they are */
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			cli_opts_help(stdout, h, opts, n);
			return 1;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("parley %s\n", parley_version());
			return 1;
		}
		if (!strcmp(argv[i], "--config")) {
			if (i + 1 == argc)
				return usage(h, "--config needs a FILE");
			if (config)
				return usage(h, "--config is given twice");
			config = argv[++i];
		}
	}
	if (config) {
		const char *known[64];
		for (size_t i = 0; i < n && i < 64; i++)
			known[i] = opts[i].name;
		if (conf_load(conf, config, known, n < 64 ? n : 64)) {
			fprintf(stderr, "parley %s: --config %s\n", h->cmd, err_msg());
			return 2;
		}
		for (size_t j = 0; j < conf->n; j++) {
			size_t i = 0;
			while (strcmp(opts[i].name, conf->e[j].key))
				i++;
			if (opts[i].kind == OPT_FLAG_CLI_ONLY) {
				fprintf(stderr, "parley %s: --config %s: line %u: %s is a flag of one start (--%s), not a setting\n",
					h->cmd, config, conf->e[j].line, conf->e[j].key, conf->e[j].key);
				return 2;
			}
			if (set(&opts[i], conf->e[j].value)) {
				fprintf(stderr, "parley %s: --config %s: line %u: %s: %s\n", h->cmd, config, conf->e[j].line,
					conf->e[j].key, err_msg());
				return 2;
			}
		}
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--config")) {
			i++;
			continue;
		}
		size_t k = n;
		if (!strncmp(argv[i], "--", 2))
			for (k = 0; k < n && strcmp(argv[i] + 2, opts[k].name); k++)
				;
		if (k == n)
			return usage(h, "%s '%s'", argv[i][0] == '-' ? "unknown option" : "unexpected argument", argv[i]);
		const char *v = NULL;
		if (opts[k].kind != OPT_FLAG && opts[k].kind != OPT_FLAG_CLI_ONLY) {
			if (i + 1 == argc)
				return usage(h, "%s needs a value (%s)", argv[i], opts[k].metavar);
			v = argv[++i];
		}
		if (set(&opts[k], v))
			return usage(h, "%s: %s", argv[i - (v != NULL)], err_msg());
	}
	return 0;
}
