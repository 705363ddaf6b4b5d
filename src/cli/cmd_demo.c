#include "cli/cli.h"
#include "cli/util.h"
int cmd_demo(int argc, char **argv)
{
	(void)argc, (void)argv;
	return cli_usage("demo", "not yet");
}
