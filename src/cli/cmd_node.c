/*
 * parley node init DIR --charter CHARTER --key NODE-KEY
 * parley node --dir DIR [--config FILE] [options]   (parley node --help lists them)
 * parley witness init DIR --charter CHARTER --key WITNESS-KEY
 * parley witness --dir DIR [--config FILE] [options]
 */
#include "base/err.h"
#include "base/logline.h"
#include "base/version.h"
#include "cli/cli.h"
#include "cli/notify.h"
#include "cli/opts.h"
#include "cli/util.h"
#include "node/node.h"
#include "sys/sandbox.h"
#include "node/submit.h"
#include "node/witness_server.h"

#include <stdio.h>
#include <string.h>

static int init_args(int argc, char **argv, const char *what, const char **dir, const char **charter, const char **key)
{
	*dir = *charter = *key = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("usage: parley %s DIR --charter CHARTER --key KEY\n\n"
			       "Prepares DIR (created, mode 0700): copies the signed charter and the key file in%s.\n\n"
			       "  --charter CHARTER        the channel's charter, signed by every party (required)\n"
			       "  --key KEY                the %s key file (required)\n",
			       what, strcmp(what, "node init") ? "" : " and creates the empty log",
			       strcmp(what, "node init") ? "witness's" : "party's node");
			return -1;
		}
		if (!strcmp(argv[i], "--charter") && i + 1 < argc) *charter = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc) *key = argv[++i];
		else if (!*dir && argv[i][0] != '-') *dir = argv[i];
		else return cli_usage(what, "unexpected argument '%s'\nusage: parley %s DIR --charter CHARTER --key KEY", argv[i], what);
	}
	if (!*dir || !*charter || !*key)
		return cli_usage(what, "usage: parley %s DIR --charter CHARTER --key KEY", what);
	return 0;
}

static int set_log_format(const char *what, const char *s)
{
	enum logline_format f = LOGLINE_KV;
	if (s && logline_parse_format(s, &f))
		return cli_usage(what, "%s", err_msg());
	logline_set_format(f);
	return 0;
}

/* The sandbox flags of `node` and `witness` (docs/operations.md, "Sandbox"). */
struct confinement {
	enum sandbox_role role;
	const char *user;
	int allow_root, no_sandbox;
	char tmp[4200];
	const char *hidden[4];
	struct sandbox_paths paths;
};

#define SANDBOX_OPTS(c)                                                                                                \
	{"user", "NAME", OPT_STRING, &(c).user, 0, 0,                                                                  \
	 "started as root, switch to this user once the port is bound, before serving (it must own the directory). "   \
	 "Default: 'parley' if that user exists; as root with no such user the start is refused"},                      \
	{"allow-root", NULL, OPT_FLAG, &(c).allow_root, 0, 0,                                                          \
	 "keep running as root when started as root without --user: a parser bug then runs with root's rights. For "   \
	 "containers whose root is unprivileged, and test machines. Default: off"},                                     \
	{"no-sandbox", NULL, OPT_FLAG_CLI_ONLY, &(c).no_sandbox, 0, 0,                                                 \
	 "a debugging aid: run without the seccomp filter and Landlock, so a system call or file outside the "          \
	 "allow-list no longer kills the process with SIGSYS or is refused; a parser bug can then do whatever the user " \
	 "can. A flag only, never in the --config file. Default: off (docs/operations.md, \"Sandbox\")"}

/* Called by node_start/witness_server_start with the files open and the port bound, before any thread starts. */
static int confine(void *ctx, const char *dir)
{
	struct confinement *c = ctx;
	int rc = sandbox_drop_user(c->user, c->allow_root, dir);
	if (rc || c->no_sandbox)
		return rc;
	c->paths.dir = dir;
	c->paths.hidden = c->hidden;
	static const char *const readonly[] = {"charter", NULL}; /* read at start; changes come as amendments */
	c->paths.readonly = readonly;
	if (c->role == SANDBOX_NODE) {
		snprintf(c->tmp, sizeof c->tmp, "%s/tmp", dir);
		c->paths.sqlite_tmp = c->tmp;
	}
	return sandbox_restrict_files(c->role, &c->paths);
}

/* Once started (threads running): the seccomp filter on all of them, then the test hook. 0 or the exit status. */
static int seal(struct confinement *c, const char *what)
{
	if (!c->no_sandbox && sandbox_apply(c->role, &c->paths))
		return cli_fail(what, ERR_IO);
	if (c->no_sandbox)
		logline_event(LOGLINE_WARN, "sandbox", "role", what, "seccomp", "off", "landlock", "off", "msg",
			      "--no-sandbox: a debugging aid, not for production", LOGLINE_END);
	sandbox_selftest();
	return 0;
}

static int node_is_alive(void *n)
{
	return node_alive(n);
}

int cmd_node(int argc, char **argv)
{
	const char *dir = NULL, *charter, *key;
	int rc;
	if (argc >= 2 && !strcmp(argv[1], "init")) {
		if ((rc = init_args(argc, argv, "node init", &dir, &charter, &key)))
			return rc < 0 ? 0 : rc;
		if ((rc = node_init(dir, charter, key)))
			return cli_fail("node init", rc);
		fprintf(stderr, "node directory %s is ready: parley node --dir %s\n", dir, dir);
		return 0;
	}
	struct node_options o = {0};
	uint64_t poll = 5, skew = SUBMIT_DEFAULT_SKEW, timeout = 15, conns = 4096;
	const char *log_format = NULL;
	/* hidden from the network side: the key file and the keeper's state (the keeper's alone) */
	struct confinement c = {.role = SANDBOX_NODE, .hidden = {"node.key", "node.key.next", "keeper", NULL}};
	const struct cli_opt opts[] = {
		{"dir", "DIR", OPT_STRING, &o.dir, 0, 0, "the node directory, made by 'parley node init' (required)"},
		{"listen", "ADDR", OPT_STRING, &o.listen, 0, 0,
		 "host:port to serve HTTP on. Default: the host:port of the party's URL in the charter; required when that "
		 "URL is https (TLS is a reverse proxy's job, docs/operations.md)"},
		{"poll", "SECONDS", OPT_UINT, &poll, 1, 3600, "how often each peer is asked for its checkpoint. Default: 5"},
		{"max-skew", "SECONDS", OPT_UINT, &skew, 1, 86400,
		 "how far a submitted envelope's time may be from this node's clock. Default: 900"},
		{"http-timeout", "SECONDS", OPT_UINT, &timeout, 1, 3600,
		 "idle or slow connections are closed after this. Default: 15"},
		{"http-connections", "N", OPT_UINT, &conns, 16, 65536,
		 "connections served at once; a sixteenth per untrusted address, a sixteenth kept for the charter's peers. "
		 "Default: 4096"},
		{"reindex", NULL, OPT_FLAG, &o.reindex, 0, 0,
		 "rebuild DIR/index.sqlite from the logs before serving. Default: off (true or false in the file)"},
		{"accept-rollback", NULL, OPT_FLAG_CLI_ONLY, &o.accept_rollback, 0, 0,
		 "start even if the log is behind, or another history than, what its witnesses cosigned: the peers "
		 "then hold proof of a fork (docs/operations.md, \"The rollback guard\"). A flag only, never in the "
		 "--config file. Default: off"},
		{"log-format", "FORMAT", OPT_FORMAT, &log_format, 0, 0,
		 "the log on standard error: kv (key=value pairs) or json, one event per line. Default: kv"},
		SANDBOX_OPTS(c),
	};
	static const struct cli_cmd_help help = {
		"node",
		"parley node --dir DIR [--config FILE] [OPTIONS]\n       parley node init DIR --charter CHARTER --key NODE-KEY",
		"Runs a party's node: sequences its agencies' envelopes into its log, serves the log, the bodies and the\n"
		"case views over HTTP, witnesses the peers' logs and pushes its checkpoints to every witness\n"
		"(docs/node.md). Runs until SIGINT or SIGTERM; tells systemd when it is ready (Type=notify) and\n"
		"feeds its watchdog (docs/operations.md). Its keys are held by a keeper process it starts (docs/keeper.md).\n"
		"Exit status: 0 stopped, 1 the rollback guard refused to start, 2 usage or start failure, or the keeper died."};
	struct conf conf;
	rc = cli_opts_parse(&help, opts, sizeof opts / sizeof opts[0], argc, argv, &conf);
	if (!rc && !o.dir)
		rc = cli_usage("node", "--dir is required (or 'dir = ...' in the --config file)\nusage: %s", help.synopsis);
	if (!rc)
		rc = set_log_format("node", log_format);
	if (rc) {
		conf_release(&conf);
		return rc == 1 ? 0 : rc;
	}
	o.poll_s = (unsigned)poll, o.max_skew = (int64_t)skew, o.http_timeout_s = (unsigned)timeout;
	o.http_connections = (unsigned)conns;
	o.confine = confine, o.confine_ctx = &c;
	o.keeper_sandbox = !c.no_sandbox;
	o.keeper_user = c.user, o.keeper_allow_root = c.allow_root;
	struct node *n;
	cli_block_stop_signals();
	if ((rc = node_start(&o, &n))) {
		conf_release(&conf);
		return cli_fail("node", rc);
	}
	if ((rc = seal(&c, "node"))) {
		node_stop(n);
		conf_release(&conf);
		return rc;
	}
	cli_notify_ready("serving");
	int sig = cli_serve_until_stop(node_is_alive, n);
	cli_notify_stopping();
	int lost = !node_keeper_alive(n); /* it raised the SIGTERM: stop, and say so in the exit status */
	if (lost)
		logline_event(LOGLINE_ERROR, "stop", "party", node_party(n), "reason", "the keeper died", LOGLINE_END);
	else
		logline_event(LOGLINE_INFO, "stop", "party", node_party(n), "signal", sig == 2 ? "SIGINT" : "SIGTERM",
			      LOGLINE_END);
	node_stop(n);
	conf_release(&conf);
	return lost ? 2 : 0;
}

int cmd_witness(int argc, char **argv)
{
	const char *dir = NULL, *listen = NULL, *charter, *key, *log_format = NULL;
	struct confinement c = {.role = SANDBOX_WITNESS, .hidden = {"witness.key", NULL}};
	int rc;
	if (argc >= 2 && !strcmp(argv[1], "init")) {
		if ((rc = init_args(argc, argv, "witness init", &dir, &charter, &key)))
			return rc < 0 ? 0 : rc;
		if ((rc = witness_server_init(dir, charter, key)))
			return cli_fail("witness init", rc);
		return 0;
	}
	const struct cli_opt opts[] = {
		{"dir", "DIR", OPT_STRING, &dir, 0, 0, "the witness directory, made by 'parley witness init' (required)"},
		{"listen", "ADDR", OPT_STRING, &listen, 0, 0,
		 "host:port to serve HTTP on. Default: the host:port of the witness's URL in the charter; required when "
		 "that URL is https (TLS is a reverse proxy's job, docs/operations.md)"},
		{"log-format", "FORMAT", OPT_FORMAT, &log_format, 0, 0,
		 "the log on standard error: kv (key=value pairs) or json, one event per line. Default: kv"},
		SANDBOX_OPTS(c),
	};
	static const struct cli_cmd_help help = {
		"witness",
		"parley witness --dir DIR [--config FILE] [OPTIONS]\n       parley witness init DIR --charter CHARTER --key WITNESS-KEY",
		"Runs a neutral witness of the channel: cosigns each party's checkpoints when they extend the last one it\n"
		"cosigned (tlog-witness add-checkpoint), keeps the evidence of a fork, serves /metrics (docs/node.md).\n"
		"Runs until SIGINT or SIGTERM; tells systemd when it is ready (Type=notify) and feeds its watchdog\n"
		"(docs/operations.md). Exit status: 0 stopped, 2 usage or start failure."};
	struct conf conf;
	rc = cli_opts_parse(&help, opts, sizeof opts / sizeof opts[0], argc, argv, &conf);
	if (!rc && !dir)
		rc = cli_usage("witness", "--dir is required (or 'dir = ...' in the --config file)\nusage: %s", help.synopsis);
	if (!rc)
		rc = set_log_format("witness", log_format);
	if (rc) {
		conf_release(&conf);
		return rc == 1 ? 0 : rc;
	}
	struct witness_server *w;
	cli_block_stop_signals();
	if ((rc = witness_server_start(dir, listen, confine, &c, &w))) {
		conf_release(&conf);
		return cli_fail("witness", rc);
	}
	if ((rc = seal(&c, "witness"))) {
		witness_server_stop(w);
		conf_release(&conf);
		return rc;
	}
	cli_notify_ready("serving");
	int sig = cli_serve_until_stop(NULL, NULL);
	cli_notify_stopping();
	logline_event(LOGLINE_INFO, "stop", "signal", sig == 2 ? "SIGINT" : "SIGTERM", LOGLINE_END);
	witness_server_stop(w);
	conf_release(&conf);
	return 0;
}
