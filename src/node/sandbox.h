/*
 * The sandbox moved to src/sys/sandbox.h (it confines the desk as well as
 * the node, witness and keeper, and src/desk may not include src/node/).
 * This header only forwards to it for the files that still include it by
 * this name (src/node/keeper_client.c); new code includes "sys/sandbox.h".
 */
#ifndef PARLEY_NODE_SANDBOX_H
#define PARLEY_NODE_SANDBOX_H
#include "sys/sandbox.h"
#endif
