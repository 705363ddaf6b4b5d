#include "cli/cli.h"
#include <stdio.h>
/* Placeholder while the log library is being written; replaced in the next commits. */
int cmd_keygen(int argc, char **argv)
{
	(void)argc;
	fprintf(stderr, "parley %s: not implemented yet\n", argv[0]);
	return 2;
}
