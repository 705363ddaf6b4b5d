#include "cli/notify.h"

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-daemon.h>
#include <time.h>

void cli_notify_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void cli_notify_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

int cli_serve_until_stop(int (*alive)(void *ctx), void *ctx)
{
	sigset_t stop;
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	uint64_t usec = 0;
	if (sd_watchdog_enabled(0, &usec) <= 0)
		usec = 0;
	for (;;) {
		int sig;
		if (!usec) {
			if (sigwait(&stop, &sig) == 0)
				return sig;
			continue;
		}
		uint64_t half = usec / 2;
		struct timespec ts = {(time_t)(half / 1000000), (long)(half % 1000000) * 1000};
		sig = sigtimedwait(&stop, NULL, &ts);
		if (sig > 0)
			return sig;
		if (errno == EAGAIN && (!alive || alive(ctx)))
			sd_notify(0, "WATCHDOG=1");
	}
}
