#include "base/version.h"

#ifndef PARLEY_VERSION
#error "PARLEY_VERSION is defined by the Makefile from the VERSION file"
#endif

const char *parley_version(void)
{
	return PARLEY_VERSION;
}
