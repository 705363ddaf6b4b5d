/*
 * parley desk --key KEYFILE --node URL [--listen 127.0.0.1:PORT] [--dir DIR] [--allow-remote]
 *             [--session-idle SECONDS] [--session-max SECONDS] [--no-sandbox]
 *
 * Runs the officers' web application for one agency (docs/desk.md) until
 * SIGINT or SIGTERM. Prints on stdout the start link:
 *   desk: http://127.0.0.1:PORT/start#SECRET
 * and the TAXII line; and, each time the session ends (idle, or past its
 * maximum), a new start link on a line of the same form (a note on stderr).
 * The process is sandboxed once started (docs/desk.md "Sandbox") unless
 * --no-sandbox.
 * Exit 0 stopped; 2 usage (a non-loopback --listen without --allow-remote),
 * or the key, node or address refused.
 */
#include "cli/cli.h"
#include "cli/util.h"
#include "base/err.h"
#include "base/logline.h"
#include "desk/desk.h"
#include "sys/sandbox.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char usage_line[] =
	"usage: parley desk --key KEYFILE --node URL [--listen 127.0.0.1:PORT] [--dir DIR] [--allow-remote]\n"
	"                   [--session-idle SECONDS] [--session-max SECONDS] [--no-sandbox]";

static void help(void)
{
	printf("%s\n\n"
	       "Runs the desk, the officers' web application, for the agency whose key file is given, over its\n"
	       "party's node (docs/desk.md). The key stays in this process. Prints the start link\n"
	       "  desk: http://127.0.0.1:PORT/start#SECRET\n"
	       "to open in a browser on this machine: it opens one session, once. Runs until SIGINT or SIGTERM.\n\n"
	       "  --key KEYFILE     the agency's key file\n"
	       "  --node URL        its party's node\n"
	       "  --listen H:P      where to listen (default 127.0.0.1:0, a free port); loopback only unless\n"
	       "  --allow-remote    is given too. The desk speaks plain HTTP: on another address the start\n"
	       "                    secret, the session, every decrypted body and the TAXII credential cross\n"
	       "                    the network in clear. Prefer ssh -L PORT:127.0.0.1:PORT (docs/desk.md)\n"
	       "  --dir DIR         the desk's working directory (logs fetched for reports, statements);\n"
	       "                    default: a temporary directory removed at exit\n"
	       "  --session-idle S  the session ends after S seconds without a request (default 1800: 30 min)\n"
	       "  --session-max S   and S seconds after it opened in any case (default 43200: 12 h); the desk then\n"
	       "                    prints a new start link (desk: ...) to open. Each from 1 to 2592000 (30 days)\n"
	       "  --no-sandbox      do not confine the desk (no seccomp filter, no Landlock): a debugging aid\n"
	       "                    for a desk killed by SIGSYS (docs/desk.md \"Sandbox\"), not for daily use\n\n"
	       "Exit status: 0 stopped, 2 usage, or the key, node or address refused.\n",
	       usage_line);
}

/* A number of seconds for --session-idle / --session-max: decimal digits, 1..DESK_SESSION_LIMIT_S. */
static int seconds(const char *flag, const char *v, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (v[0] < '0' || v[0] > '9' || errno || *end || n < 1 || n > DESK_SESSION_LIMIT_S)
		return cli_usage("desk", "%s '%s' must be a number of seconds from 1 to %u (30 days)", flag, v,
				 DESK_SESSION_LIMIT_S);
	*out = (unsigned)n;
	return 0;
}

/* A new start link, once the session ended: on stdout like the first, so whoever reads the first finds it. */
static void new_link(void *arg, const char *url, const char *why)
{
	(void)arg;
	fprintf(stderr, "parley desk: the session ended (%s); a new start link follows on stdout\n",
		!strcmp(why, "max") ? "it reached --session-max" : "no request for --session-idle");
	printf("desk: %s\n", url);
	fflush(stdout);
}

/* Until SIGINT or SIGTERM (blocked by cli_block_stop_signals), ending the session on time meanwhile. */
static void serve(struct desk *d)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	for (;;) {
		struct timespec one = {1, 0};
		if (sigtimedwait(&stop, NULL, &one) > 0)
			return;
		desk_tick(d);
	}
}

int cmd_desk(int argc, char **argv)
{
	struct desk_config c = {.on_new_link = new_link};
	const char *idle = NULL, *max = NULL;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			help();
			return 0;
		}
		if (!strcmp(a, "--allow-remote")) {
			c.allow_remote = 1;
			continue;
		}
		if (!strcmp(a, "--no-sandbox")) {
			c.no_sandbox = 1;
			continue;
		}
		const char **slot = !strcmp(a, "--key")      ? &c.key_path
				    : !strcmp(a, "--node")   ? &c.node_url
				    : !strcmp(a, "--listen") ? &c.listen
				    : !strcmp(a, "--dir")    ? &c.dir
				    : !strcmp(a, "--session-idle") ? &idle
				    : !strcmp(a, "--session-max") ? &max
							     : NULL;
		if (!slot)
			return cli_usage("desk", "unknown argument '%s'\n%s", a, usage_line);
		if (i + 1 >= argc)
			return cli_usage("desk", "%s needs a value\n%s", a, usage_line);
		if (*slot)
			return cli_usage("desk", "%s given twice", a);
		*slot = argv[++i];
	}
	if (!c.key_path || !c.node_url)
		return cli_usage("desk", "--key KEYFILE and --node URL are required\n%s", usage_line);
	int urc;
	if ((idle && (urc = seconds("--session-idle", idle, &c.idle_s))) || (max && (urc = seconds("--session-max", max, &c.max_s))))
		return urc;
	int rc = desk_listen_check(c.listen ? c.listen : "127.0.0.1:0", c.allow_remote);
	if (rc)
		return cli_fail("desk", rc);
	struct desk *d;
	char url[256];
	cli_block_stop_signals();
	if ((rc = desk_start(&d, &c, url, sizeof url)))
		return cli_fail("desk", rc);
	if (desk_listen_check(c.listen ? c.listen : "127.0.0.1:0", 0) && (err_clear(), 1))
		fprintf(stderr, "parley desk: warning: listening on %s, not loopback: the desk speaks plain HTTP, so the start "
				"secret, the session, decrypted bodies and the TAXII credential cross the network in clear "
				"(docs/desk.md \"What --allow-remote gives up\")\n",
			c.listen);
	if (c.no_sandbox)
		logline_event(LOGLINE_WARN, "sandbox", "role", "desk", "seccomp", "off", "landlock", "off", "msg",
			      "--no-sandbox: a debugging aid, not for daily use", LOGLINE_END);
	sandbox_selftest(); /* the tests' hook (PARLEY_SANDBOX_SELFTEST): nothing without it */
	printf("desk: %s\n", url);
	printf("taxii: %s\n", desk_taxii_line(d));
	fflush(stdout);
	serve(d);
	desk_stop(d);
	return 0;
}
