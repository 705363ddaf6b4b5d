/*
 * clock.h — the benchmarks' two clocks, in seconds as doubles: wall time
 * (monotonic) and the CPU time the whole process has used (every thread,
 * user + system).
 */
#ifndef PARLEY_BENCH_CLOCK_H
#define PARLEY_BENCH_CLOCK_H

#include <time.h>

static inline double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline double now(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

static inline double cpu_seconds(void)
{
	return clock_seconds(CLOCK_PROCESS_CPUTIME_ID);
}

#endif
