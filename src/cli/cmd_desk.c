/*
 * parley desk --key KEYFILE --node URL [--listen 127.0.0.1:PORT] [--dir DIR] [--allow-remote]
 *
 * Runs the officers' web application for one agency (docs/desk.md) until
 * SIGINT or SIGTERM. Prints one line on stdout, the start link:
 *   desk: http://127.0.0.1:PORT/start#SECRET
 * Exit 0 stopped; 2 usage (a non-loopback --listen without --allow-remote),
 * or the key, node or address refused.
 */
#include "cli/cli.h"
#include "cli/util.h"
#include "base/err.h"
#include "desk/desk.h"

#include <stdio.h>
#include <string.h>

static const char usage_line[] =
	"usage: parley desk --key KEYFILE --node URL [--listen 127.0.0.1:PORT] [--dir DIR] [--allow-remote]";

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
	       "                    default: a temporary directory removed at exit\n\n"
	       "Exit status: 0 stopped, 2 usage, or the key, node or address refused.\n",
	       usage_line);
}

int cmd_desk(int argc, char **argv)
{
	struct desk_config c = {0};
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
		const char **slot = !strcmp(a, "--key")      ? &c.key_path
				    : !strcmp(a, "--node")   ? &c.node_url
				    : !strcmp(a, "--listen") ? &c.listen
				    : !strcmp(a, "--dir")    ? &c.dir
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
	printf("desk: %s\n", url);
	printf("taxii: %s\n", desk_taxii_line(d));
	fflush(stdout);
	cli_wait_stop();
	desk_stop(d);
	return 0;
}
