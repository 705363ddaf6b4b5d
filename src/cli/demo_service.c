/* demo_service — the demos' child services (see demo_service.h). */
#include "cli/demo_service.h"

#include "base/buf.h"
#include "base/err.h"
#include "net/client.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

int demo_service_start(int is_node, const char *dir, unsigned port, int wait_s, pid_t *pid_out)
{
	const char *what = is_node ? "node" : "witness";
	char logp[PATH_MAX + 16], url[64];
	snprintf(logp, sizeof logp, "%s/service.log", dir);
	fflush(stdout);
	*pid_out = 0;
	pid_t pid = fork();
	if (pid < 0)
		return err_set(ERR_IO, "fork: %s", strerror(errno));
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		int fd = open(logp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* the demo's services run on loopback with throwaway keys: run as root, they stay root (sandboxed still) */
		const char *root = geteuid() == 0 ? "--allow-root" : NULL;
		if (is_node)
			execl("/proc/self/exe", "parley", "node", "--dir", dir, "--poll", "1", root, (char *)NULL);
		else
			execl("/proc/self/exe", "parley", "witness", "--dir", dir, root, (char *)NULL);
		_exit(127);
	}
	*pid_out = pid;
	/* Ready when it answers /healthz. */
	struct buf b;
	long status = 0;
	buf_init(&b, 4096);
	snprintf(url, sizeof url, "http://127.0.0.1:%u/healthz", port);
	for (int tries = 0; tries < wait_s * 10; tries++) {
		if (client_get(url, &b, &status, 2) == 0 && status == 200)
			break;
		int st;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			*pid_out = 0;
			buf_release(&b);
			return err_set(ERR_IO, "the %s in %s stopped at start; see %s", what, dir, logp);
		}
		usleep(100000);
	}
	buf_release(&b);
	if (status != 200)
		return err_set(ERR_IO, "the %s in %s does not answer; see %s", what, dir, logp);
	return 0;
}

void demo_service_stop_all(pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	for (size_t i = 0; i < n; i++)
		if (pids[i] > 0) {
			int st;
			waitpid(pids[i], &st, 0);
			pids[i] = 0;
		}
}
