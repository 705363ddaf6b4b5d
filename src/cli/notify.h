/*
 * notify — the service manager's side of the long-running commands: systemd's
 * sd_notify protocol through libsystemd (READY=1 once serving, WATCHDOG=1
 * while alive, STOPPING=1). Without NOTIFY_SOCKET in the environment (not
 * started by systemd with Type=notify) every call does nothing.
 */
#ifndef PARLEY_CLI_NOTIFY_H
#define PARLEY_CLI_NOTIFY_H

/* READY=1 with a STATUS= line: call once the service answers requests. */
void cli_notify_ready(const char *status);
/* STOPPING=1: call when a stop signal arrived, before stopping. */
void cli_notify_stopping(void);
/*
 * Waits for SIGINT or SIGTERM (blocked beforehand by cli_block_stop_signals)
 * and returns it. When systemd asks for a watchdog (WATCHDOG_USEC), sends
 * WATCHDOG=1 every half period as long as alive(ctx) returns 1 (alive NULL:
 * always): a service that answers 0 is left to the watchdog, which restarts it.
 */
int cli_serve_until_stop(int (*alive)(void *ctx), void *ctx);

#endif
