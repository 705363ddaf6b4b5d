/*
 * parley node init DIR --charter CHARTER --key NODE-KEY
 * parley node --dir DIR [--listen ADDR] [--poll SECONDS]
 * parley witness init DIR --charter CHARTER --key WITNESS-KEY
 * parley witness --dir DIR [--listen ADDR]
 */
#include "base/err.h"
#include "cli/cli.h"
#include "cli/util.h"
#include "node/node.h"
#include "node/witness_server.h"

#include <stdio.h>
#include <string.h>

static int init_args(int argc, char **argv, const char *what, const char **dir, const char **charter, const char **key)
{
	*dir = *charter = *key = NULL;
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--charter") && i + 1 < argc) *charter = argv[++i];
		else if (!strcmp(argv[i], "--key") && i + 1 < argc) *key = argv[++i];
		else if (!*dir && argv[i][0] != '-') *dir = argv[i];
		else return cli_usage(what, "unexpected argument '%s'", argv[i]);
	}
	if (!*dir || !*charter || !*key)
		return cli_usage(what, "usage: parley %s DIR --charter CHARTER --key KEY", what);
	return 0;
}

int cmd_node(int argc, char **argv)
{
	const char *dir = NULL, *charter, *key;
	int rc;
	if (argc >= 2 && !strcmp(argv[1], "init")) {
		if ((rc = init_args(argc, argv, "node init", &dir, &charter, &key)))
			return rc;
		if ((rc = node_init(dir, charter, key)))
			return cli_fail("node init", rc);
		fprintf(stderr, "node directory %s is ready: parley node --dir %s\n", dir, dir);
		return 0;
	}
	struct node_options o = {0};
	for (int i = 1; i < argc; i++) {
		uint64_t v;
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) o.dir = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc) o.listen = argv[++i];
		else if (!strcmp(argv[i], "--reindex")) o.reindex = 1;
		else if (!strcmp(argv[i], "--accept-rollback")) o.accept_rollback = 1;
		else if (!strcmp(argv[i], "--http-timeout") && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &v) || v == 0 || v > 3600)
				return cli_usage("node", "--http-timeout takes 1 to 3600 seconds");
			o.http_timeout_s = (unsigned)v;
		}
		else if (!strcmp(argv[i], "--http-connections") && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &v) || v < 16 || v > 65536)
				return cli_usage("node", "--http-connections takes 16 to 65536");
			o.http_connections = (unsigned)v;
		}
		else if (!strcmp(argv[i], "--poll") && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &v) || v == 0 || v > 3600)
				return cli_usage("node", "--poll takes 1 to 3600 seconds");
			o.poll_s = (unsigned)v;
		}
		else if (!strcmp(argv[i], "--max-skew") && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &v) || v == 0 || v > 86400)
				return cli_usage("node", "--max-skew takes 1 to 86400 seconds");
			o.max_skew = (int64_t)v;
		} else
			return cli_usage("node", "unexpected argument '%s'\nusage: parley node --dir DIR [--listen ADDR] [--poll S] [--max-skew S] [--http-timeout S] [--http-connections N] [--reindex] [--accept-rollback]", argv[i]);
	}
	if (!o.dir)
		return cli_usage("node", "usage: parley node --dir DIR [--listen ADDR] | parley node init DIR --charter C --key K");
	struct node *n;
	cli_block_stop_signals();
	if ((rc = node_start(&o, &n)))
		return cli_fail("node", rc);
	cli_wait_stop();
	fprintf(stderr, "node %s stopping\n", node_party(n));
	node_stop(n);
	return 0;
}

int cmd_witness(int argc, char **argv)
{
	const char *dir = NULL, *listen = NULL, *charter, *key;
	int rc;
	if (argc >= 2 && !strcmp(argv[1], "init")) {
		if ((rc = init_args(argc, argv, "witness init", &dir, &charter, &key)))
			return rc;
		if ((rc = witness_server_init(dir, charter, key)))
			return cli_fail("witness init", rc);
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--dir") && i + 1 < argc) dir = argv[++i];
		else if (!strcmp(argv[i], "--listen") && i + 1 < argc) listen = argv[++i];
		else return cli_usage("witness", "unexpected argument '%s'", argv[i]);
	}
	if (!dir)
		return cli_usage("witness", "usage: parley witness --dir DIR [--listen ADDR] | parley witness init DIR --charter C --key K");
	struct witness_server *w;
	cli_block_stop_signals();
	if ((rc = witness_server_start(dir, listen, &w)))
		return cli_fail("witness", rc);
	cli_wait_stop();
	witness_server_stop(w);
	return 0;
}
