/*
 * proc_cpu.h — the CPU time a process and all its descendants have used, read
 * from /proc (Linux), for benchmarks that charge a server its whole cost: a
 * node that forks helpers (the keeper) is one bill, not one process's.
 *
 *   int proc_cpu_tree(pid_t pid, struct proc_cpu *out)
 *       Fills *out with the user + system CPU time, in clock ticks
 *       (sysconf(_SC_CLK_TCK) per second), of:
 *         - process pid, every thread of it (/proc/pid/stat utime, stime);
 *         - its children that have exited and been waited for, and theirs
 *           (cutime, cstime: the kernel adds a reaped child's own and
 *           reaped-children times to its parent);
 *         - every live descendant (children, grandchildren, ...: found by
 *           their parent pid in /proc/N/stat), the same three parts each.
 *       A descendant that exited but is not yet reaped (a zombie) still shows
 *       its times in its own stat and is counted there. A descendant that
 *       exits between two reads may be missed or, once reaped, show up in
 *       its parent's cutime: read while the processes are alive and settled.
 *       Returns 0, or -1 if pid's own stat cannot be read or parsed (no such
 *       process, or not Linux); descendants that vanish during the scan are
 *       skipped. out->processes counts pid and its live descendants.
 *
 *       out->user is the user part of out->ticks (the rest is system time).
 *
 *   double proc_cpu_seconds(const struct proc_cpu *c)
 *       c->ticks in seconds.
 *
 *   int proc_stat_parse(const char *text, struct proc_stat *out)
 *       Parses one /proc/N/stat line (the command name may hold spaces and
 *       parentheses: the fields after it start after the last ')'). Returns 0
 *       or -1 if the line is not in that form.
 *
 * Resolution: one clock tick per process (10 ms at 100 Hz); over a run of
 * seconds of CPU that is well under 1 %.
 */
#ifndef PARLEY_BENCH_PROC_CPU_H
#define PARLEY_BENCH_PROC_CPU_H

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

struct proc_stat {
	pid_t pid, ppid;
	uint64_t utime, stime, cutime, cstime; /* clock ticks */
};

struct proc_cpu {
	uint64_t ticks;   /* user + system of the whole tree, reaped children included */
	uint64_t user;    /* the user part of ticks */
	size_t processes; /* pid and its live descendants */
};

static inline int proc_stat_parse(const char *text, struct proc_stat *out)
{
	memset(out, 0, sizeof *out);
	char *end;
	long long pid = strtoll(text, &end, 10);
	const char *close = strrchr(text, ')');
	if (end == text || pid <= 0 || *end != ' ' || end[1] != '(' || !close || close < end + 1 || close[1] != ' ')
		return -1;
	/* fields 3.. after the name: state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
	   utime stime cutime cstime */
	const char *p = close + 2;
	if (!*p || p[1] != ' ')
		return -1; /* the one-letter state */
	p += 2;
	unsigned long long f[14];
	for (int i = 0; i < 14; i++) {
		if ((*p < '0' || *p > '9') && !((i == 3 || i == 4) && *p == '-')) /* tty_nr and tpgid may be negative */
			return -1;
		long long v = strtoll(p, &end, 10);
		if (end == p || (*end != ' ' && *end != '\n' && *end != 0))
			return -1;
		f[i] = (unsigned long long)v;
		p = *end ? end + 1 : end;
	}
	out->pid = (pid_t)pid;
	out->ppid = (pid_t)(long long)f[0];
	out->utime = f[10], out->stime = f[11], out->cutime = f[12], out->cstime = f[13];
	return 0;
}

/* Reads /proc/<pid>/stat into *out; -1 if it cannot be read or parsed. */
static inline int proc_stat_read(pid_t pid, struct proc_stat *out)
{
	char path[64], text[1024];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, text, sizeof text - 1);
	close(fd);
	if (n <= 0)
		return -1;
	text[n] = 0;
	return proc_stat_parse(text, out) || out->pid != pid ? -1 : 0;
}

static inline int proc_cpu_tree(pid_t pid, struct proc_cpu *out)
{
	struct proc_stat root;
	out->ticks = 0, out->user = 0, out->processes = 0;
	if (proc_stat_read(pid, &root))
		return -1;
	/* every process of the system, then the descendants of pid among them (parents before children is not
	   guaranteed by pid order, so mark until nothing changes) */
	size_t n = 0, cap = 256;
	struct proc_stat *all = malloc(cap * sizeof *all);
	DIR *d = opendir("/proc");
	if (!all || !d) {
		free(all);
		if (d)
			closedir(d);
		return -1;
	}
	for (struct dirent *e; (e = readdir(d));) {
		char *end;
		long v = strtol(e->d_name, &end, 10);
		if (end == e->d_name || *end || v <= 0 || v == pid)
			continue;
		if (n == cap) {
			struct proc_stat *more = realloc(all, 2 * cap * sizeof *all);
			if (!more)
				break;
			all = more, cap *= 2;
		}
		if (proc_stat_read((pid_t)v, &all[n]) == 0)
			n++;
	}
	closedir(d);
	unsigned char *in = calloc(n ? n : 1, 1);
	if (!in) {
		free(all);
		return -1;
	}
	for (int changed = 1; changed;) {
		changed = 0;
		for (size_t i = 0; i < n; i++) {
			if (in[i])
				continue;
			int parent_in = all[i].ppid == pid;
			for (size_t j = 0; j < n && !parent_in; j++)
				parent_in = in[j] && all[j].pid == all[i].ppid;
			if (parent_in)
				in[i] = 1, changed = 1;
		}
	}
	out->ticks = root.utime + root.stime + root.cutime + root.cstime;
	out->user = root.utime + root.cutime;
	out->processes = 1;
	for (size_t i = 0; i < n; i++)
		if (in[i]) {
			out->ticks += all[i].utime + all[i].stime + all[i].cutime + all[i].cstime;
			out->user += all[i].utime + all[i].cutime;
			out->processes++;
		}
	free(in);
	free(all);
	return 0;
}

static inline double proc_cpu_seconds(const struct proc_cpu *c)
{
	return (double)c->ticks / (double)sysconf(_SC_CLK_TCK);
}

#endif
