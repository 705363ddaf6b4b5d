/*
 * proc_cpu (bench/proc_cpu.h): the benchmarks charge a node the CPU of its
 * whole process tree (the node and, once it forks one, its keeper). Checked on
 * processes whose CPU time is known: each child burns CPU and reports its own
 * CLOCK_PROCESS_CPUTIME_ID; the tree's sum must match what its members report,
 * include a grandchild, leave out a sibling, and keep a child's time after it
 * has exited and been reaped. Correctness of the sum only: no timing threshold.
 */
#include "../../bench/proc_cpu.h"
#include "check.h"

#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void burn(double seconds)
{
	volatile unsigned long x = 0;
	while (cpu_now() < seconds)
		for (int i = 0; i < 100000; i++)
			x += (unsigned long)i;
}

static void say(int fd, char who, double cpu)
{
	char line[64];
	int n = snprintf(line, sizeof line, "%c %.9f\n", who, cpu);
	if (write(fd, line, (size_t)n) != n)
		_exit(3);
}

static void wait_eof(int fd)
{
	char c;
	while (read(fd, &c, 1) > 0)
		;
}

/* Reads one "X seconds" line from fd (a line at a time: the children write whole short lines). */
static int hear(FILE *f, char *who, double *cpu)
{
	return fscanf(f, " %c %lf", who, cpu) == 2 ? 0 : -1;
}

static double tick(void)
{
	return 1.0 / (double)sysconf(_SC_CLK_TCK);
}

/* |got - want| within what tick truncation allows for `procs` processes (and a little CPU spent after reporting). */
static int about(double got, double want, size_t procs)
{
	double slack = (double)(procs + 2) * tick();
	return got >= want - slack && got <= want + slack;
}

static void test_parse(void)
{
	struct proc_stat s;
	CHECK_EQ_INT(proc_stat_parse("42 (a) b (c)) S 7 42 42 0 -1 4194560 10 0 0 0 123 45 6 7 20 0 1 0\n", &s), 0);
	CHECK_EQ_INT(s.pid, 42);
	CHECK_EQ_INT(s.ppid, 7);
	CHECK_EQ_INT(s.utime, 123);
	CHECK_EQ_INT(s.stime, 45);
	CHECK_EQ_INT(s.cutime, 6);
	CHECK_EQ_INT(s.cstime, 7);
	/* not a stat line: no name, a cut line, a letter where a number goes */
	CHECK_EQ_INT(proc_stat_parse("42 S 7 42 42 0 -1 4194560 10 0 0 0 123 45 6 7\n", &s), -1);
	CHECK_EQ_INT(proc_stat_parse("42 (a) S 7 42 42 0 -1 4194560 10 0 0 0 123\n", &s), -1);
	CHECK_EQ_INT(proc_stat_parse("42 (a) S 7 42 42 0 -1 4194560 10 0 0 0 12x 45 6 7\n", &s), -1);
	CHECK_EQ_INT(proc_stat_parse("", &s), -1);
	/* our own line, as the kernel writes it */
	struct proc_stat me;
	CHECK_EQ_INT(proc_stat_read(getpid(), &me), 0);
	CHECK_EQ_INT(me.pid, getpid());
	CHECK_EQ_INT(me.ppid, getppid());
}

static void test_no_such_process(void)
{
	struct proc_cpu c;
	CHECK_EQ_INT(proc_cpu_tree((pid_t)0x7ffffff0, &c), -1); /* above any pid_max */
	CHECK_EQ_INT(c.processes, 0);
}

/*
 * Child a forks grandchild g; both burn and report; sibling b burns and
 * reports. Then g exits, a reaps it (a's cutime), then all exit.
 */
static void test_tree(void)
{
	int res[2], gp[2], ap1[2], ap2[2], bp[2];
	if (pipe(res) || pipe(gp) || pipe(ap1) || pipe(ap2) || pipe(bp)) {
		CHECK(0);
		return;
	}
	pid_t a = fork();
	if (a == 0) {
		close(res[0]), close(gp[1]), close(ap1[1]), close(ap2[1]), close(bp[0]), close(bp[1]);
		pid_t g = fork();
		if (g == 0) {
			close(ap1[0]), close(ap2[0]);
			burn(0.2);
			say(res[1], 'g', cpu_now());
			wait_eof(gp[0]);
			_exit(0);
		}
		close(gp[0]);
		burn(0.2);
		say(res[1], 'a', cpu_now());
		wait_eof(ap1[0]);
		waitpid(g, NULL, 0);
		say(res[1], 'r', 0);
		wait_eof(ap2[0]);
		_exit(0);
	}
	pid_t b = fork();
	if (b == 0) {
		close(res[0]), close(gp[0]), close(gp[1]), close(ap1[0]), close(ap1[1]), close(ap2[0]), close(ap2[1]);
		close(bp[1]);
		burn(0.1);
		say(res[1], 'b', cpu_now());
		wait_eof(bp[0]);
		_exit(0);
	}
	close(res[1]), close(gp[0]), close(ap1[0]), close(ap2[0]), close(bp[0]);
	FILE *f = fdopen(res[0], "r");
	double cpu[3] = {0}; /* a, g, b */
	char who;
	double v;
	for (int i = 0; i < 3 && f && hear(f, &who, &v) == 0; i++)
		cpu[who == 'a' ? 0 : who == 'g' ? 1 : 2] = v;
	CHECK(cpu[0] >= 0.2 && cpu[1] >= 0.2 && cpu[2] >= 0.1);

	struct proc_cpu c;
	CHECK_EQ_INT(proc_cpu_tree(a, &c), 0);
	CHECK_EQ_INT(c.processes, 2); /* a and its grandchild, not the sibling */
	CHECK(about(proc_cpu_seconds(&c), cpu[0] + cpu[1], 2) ||
	      (fprintf(stderr, "  tree of a: %.3f s, a and g said %.3f s\n", proc_cpu_seconds(&c), cpu[0] + cpu[1]), 0));
	CHECK_EQ_INT(proc_cpu_tree(b, &c), 0);
	CHECK_EQ_INT(c.processes, 1);
	CHECK(about(proc_cpu_seconds(&c), cpu[2], 1));
	CHECK(c.user <= c.ticks && (double)c.user / (double)sysconf(_SC_CLK_TCK) >= cpu[2] / 2); /* burning is user time */
	double self0 = cpu_now();
	CHECK_EQ_INT(proc_cpu_tree(getpid(), &c), 0);
	CHECK(c.processes >= 4);
	CHECK(proc_cpu_seconds(&c) >= self0 + cpu[0] + cpu[1] + cpu[2] - 5 * tick());

	/* g exits and a reaps it: its time moves into a's cutime, still counted */
	close(gp[1]);
	close(ap1[1]);
	CHECK(f && hear(f, &who, &v) == 0 && who == 'r');
	CHECK_EQ_INT(proc_cpu_tree(a, &c), 0);
	CHECK_EQ_INT(c.processes, 1);
	CHECK(about(proc_cpu_seconds(&c), cpu[0] + cpu[1], 2) ||
	      (fprintf(stderr, "  a after reaping g: %.3f s, expected %.3f s\n", proc_cpu_seconds(&c), cpu[0] + cpu[1]), 0));

	/* all reaped by us: our own line keeps them (cutime) */
	close(ap2[1]);
	close(bp[1]);
	int st;
	CHECK(waitpid(a, &st, 0) == a && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(waitpid(b, &st, 0) == b && WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK_EQ_INT(proc_cpu_tree(getpid(), &c), 0);
	CHECK(proc_cpu_seconds(&c) >= cpu[0] + cpu[1] + cpu[2] - 4 * tick());
	if (f)
		fclose(f);
}

int main(void)
{
	RUN(test_parse);
	RUN(test_no_such_process);
	RUN(test_tree);
	CHECK_EXIT();
}
