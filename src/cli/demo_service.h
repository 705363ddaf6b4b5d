/*
 * demo_service — the services the demos run as children: `parley node` or
 * `parley witness` on a directory, started, waited for, and stopped.
 */
#ifndef PARLEY_DEMO_SERVICE_H
#define PARLEY_DEMO_SERVICE_H

#include <stddef.h>
#include <sys/types.h>

/*
 * Starts `parley node --dir DIR --poll 1` (is_node) or `parley witness --dir
 * DIR` as a child of this process (it dies with us), its output appended to
 * DIR/service.log, and waits up to wait_s seconds until
 * http://127.0.0.1:PORT/healthz answers 200. *pid is the child's (0 if it
 * stopped). 0, or ERR_IO naming the service, DIR and its log.
 */
int demo_service_start(int is_node, const char *dir, unsigned port, int wait_s, pid_t *pid);

/* Sends SIGTERM to every running child in pids[0..n) (pid > 0), then waits for each and sets it to 0. */
void demo_service_stop_all(pid_t *pids, size_t n);

#endif
