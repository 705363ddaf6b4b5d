/*
 * The sandbox's roles in a child process each (sys/sandbox.h): the keeper's
 * strict list lets it do its work (read the tiles, write its state durably,
 * talk over its socketpair) and nothing else: a new socket kills it by
 * SIGSYS, and Landlock refuses files outside its directory and writing its
 * tiles; the node's list kills on execve. tests/cli/sandbox.sh tests the
 * running node and witness.
 */
#include "base/err.h"
#include "sys/sandbox.h"
#include "check.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <seccomp.h>
#include <stdint.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static char dir[PATH_MAX], state[PATH_MAX + 16], tile[PATH_MAX + 16];

static int have_landlock(void)
{
	return syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION) >= 1;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	int rc = n == (ssize_t)strlen(text) && fsync(fd) == 0 ? 0 : -1;
	close(fd);
	return rc;
}

static int answered; /* the last child answered "pong" on its socketpair */

/* Runs fn in a child under the role's sandbox; its wait status. */
static int in_child(enum sandbox_role role, int (*fn)(int sock))
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -1;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct sandbox_paths p = {.dir = dir, .state_dir = role == SANDBOX_KEEPER ? state : NULL};
		if (sandbox_apply(role, &p)) {
			fprintf(stderr, "  sandbox_apply: %s\n", err_msg());
			_exit(100);
		}
		_exit(fn(sv[1]));
	}
	int st = -1;
	char buf[16];
	close(sv[1]);
	answered = 0;
	if (pid > 0) {
		if (write(sv[0], "ping", 4) != 4)
			CHECK(0);
		waitpid(pid, &st, 0);
		answered = read(sv[0], buf, sizeof buf) == 4 && !memcmp(buf, "pong", 4); /* 0: the child closed it */
	}
	close(sv[0]);
	return st;
}

/* The keeper's work: read a tile, write its state durably (temporary file, fsync, rename), answer on its socket. */
static int keeper_work(int sock)
{
	char buf[64], tmp[PATH_MAX + 32], final[PATH_MAX + 32];
	int fd = open(tile, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || read(fd, buf, sizeof buf) <= 0)
		return 1;
	close(fd);
	snprintf(tmp, sizeof tmp, "%s/state.tmp", state);
	snprintf(final, sizeof final, "%s/state", state);
	if (write_file(tmp, "size 5\n") || rename(tmp, final))
		return 2;
	if (recv(sock, buf, sizeof buf, 0) != 4 || send(sock, "pong", 4, 0) != 4)
		return 3;
	return 0;
}

static void keeper_does_its_work(void)
{
	int st = in_child(SANDBOX_KEEPER, keeper_work);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	CHECK(answered);
	char final[PATH_MAX + 32];
	snprintf(final, sizeof final, "%s/state", state);
	CHECK(access(final, F_OK) == 0);
}

static int keeper_opens_socket(int sock)
{
	(void)sock;
	int s = socket(AF_INET, SOCK_STREAM, 0); /* the keeper has no network: killed here */
	return s >= 0 ? 10 : 11;
}

static void keeper_new_socket_sigsys(void)
{
	int st = in_child(SANDBOX_KEEPER, keeper_opens_socket);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

static int keeper_files(int sock)
{
	(void)sock;
	if (open("/etc/hostname", O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES)
		return 20; /* outside its directory */
	if (open(tile, O_WRONLY | O_CLOEXEC) >= 0 || errno != EACCES)
		return 21; /* the tiles are read-only to it */
	return 0;
}

static void keeper_landlock_refuses(void)
{
	if (!have_landlock()) {
		printf("SKIP test_sandbox.c:keeper_landlock_refuses: the kernel has no Landlock\n");
		return;
	}
	int st = in_child(SANDBOX_KEEPER, keeper_files);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (WIFEXITED(st) && WEXITSTATUS(st))
		fprintf(stderr, "  child exit %d\n", WEXITSTATUS(st));
}

static int node_execs(int sock)
{
	(void)sock;
	char *argv[] = {(char *)"true", NULL};
	execve("/bin/true", argv, argv + 1);
	return 30;
}

static void node_execve_sigsys(void)
{
	int st = in_child(SANDBOX_NODE, node_execs);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

/* AF_UNIX: sd_notify's datagram socket, yes; a stream socket (to connect to a local service), EACCES, not death. */
static int node_unix_sockets(int sock)
{
	(void)sock;
	int d = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (d < 0)
		return 50;
	close(d);
	return socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0) < 0 && errno == EACCES ? 0 : 51;
}

static void node_unix_stream_refused(void)
{
	int st = in_child(SANDBOX_NODE, node_unix_sockets);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

/* tgkill is for abort() and raise(): another process (here the parent, signal 0) is out of reach */
static pid_t parent;
static int node_signals_parent(int sock)
{
	(void)sock;
	syscall(SYS_tgkill, parent, parent, 0);
	return 60;
}

static void node_signals_only_itself(void)
{
	parent = getpid();
	int st = in_child(SANDBOX_NODE, node_signals_parent);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

/* A DNS server on loopback that answers one A query for any name with 127.0.0.1 (a child process). */
static pid_t dns_server(int fd)
{
	pid_t pid = fork();
	if (pid != 0)
		return pid;
	uint8_t q[512], a[600];
	struct sockaddr_storage from;
	socklen_t fl = sizeof from;
	ssize_t n = recvfrom(fd, q, sizeof q, 0, (struct sockaddr *)&from, &fl);
	if (n < 12)
		_exit(1);
	memcpy(a, q, (size_t)n);
	a[2] = 0x81, a[3] = 0x80;                   /* a response, recursion available, no error */
	a[6] = 0, a[7] = 1, a[8] = a[9] = a[10] = a[11] = 0; /* one answer */
	static const uint8_t rr[] = {0xc0, 12, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
	memcpy(a + n, rr, sizeof rr);
	_exit(sendto(fd, a, (size_t)n + sizeof rr, 0, (struct sockaddr *)&from, fl) > 0 ? 0 : 1);
}

static struct sockaddr_in dns_addr;

/* glibc's resolver under the node's filter: /etc/hosts, then a DNS query over UDP (its FIONREAD once killed the node). */
static int node_resolves(int sock)
{
	(void)sock;
	struct addrinfo hints = {.ai_family = AF_INET, .ai_socktype = SOCK_STREAM}, *ai = NULL;
	if (getaddrinfo("localhost", "80", &hints, &ai))
		return 40;
	freeaddrinfo(ai);
	_res.nsaddr_list[0] = dns_addr;
	_res.nscount = 1;
	_res.retry = 1;
	/* getaddrinfo lets the resolver grow its answer buffer: it asks the size with FIONREAD */
	int rc = getaddrinfo("parley.test", "80", &hints, &ai);
	if (rc)
		fprintf(stderr, "  getaddrinfo: %s\n", gai_strerror(rc));
	else
		freeaddrinfo(ai);
	return rc ? 41 : 0;
}

static void node_resolves_names(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	socklen_t len = sizeof dns_addr;
	dns_addr = (struct sockaddr_in){.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&dns_addr, sizeof dns_addr) == 0 &&
	      getsockname(fd, (struct sockaddr *)&dns_addr, &len) == 0);
	CHECK(res_init() == 0);
	pid_t server = dns_server(fd);
	int st = in_child(SANDBOX_NODE, node_resolves);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "  child: %s %d\n", WIFSIGNALED(st) ? "signal" : "exit", WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	kill(server, SIGKILL);
	waitpid(server, NULL, 0);
	close(fd);
}

/*
 * A kernel without Landlock (or a systemd filter that refuses its calls, EPERM): the child makes
 * landlock_create_ruleset fail with ENOSYS, and sandbox_apply still sets the seccomp filter (a new
 * socket then kills) instead of failing.
 */
static void without_landlock_seccomp_still_on(void)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
		if (!c || seccomp_rule_add(c, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(landlock_create_ruleset), 0) ||
		    seccomp_load(c))
			_exit(70);
		seccomp_release(c);
		struct sandbox_paths p = {.dir = dir, .state_dir = state};
		if (sandbox_apply(SANDBOX_KEEPER, &p))
			_exit(71);
		int fd = open("/etc/hostname", O_RDONLY | O_CLOEXEC); /* no Landlock: opens */
		if (fd < 0)
			_exit(72);
		close(fd);
		socket(AF_INET, SOCK_STREAM, 0); /* the filter is on: killed here */
		_exit(73);
	}
	int st = 0;
	CHECK(pid > 0 && waitpid(pid, &st, 0) == pid);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
	if (WIFEXITED(st))
		fprintf(stderr, "  child exit %d\n", WEXITSTATUS(st));
}

static void root_refused_without_user(void)
{
	if (geteuid() != 0 || getpwnam("parley")) {
		CHECK(sandbox_drop_user(NULL, 0, dir) == 0 || geteuid() == 0);
		return;
	}
	CHECK(sandbox_drop_user(NULL, 0, dir) == ERR_USAGE);
	CHECK_MSG("refusing to run as root");
	CHECK(sandbox_drop_user("root", 0, dir) == ERR_USAGE);
	CHECK_MSG("is root");
	CHECK(sandbox_drop_user("no-such-user-here", 0, dir) == ERR_USAGE);
	CHECK_MSG("no such user");
	CHECK(geteuid() == 0); /* nothing switched */
}

/* The desk (docs/desk.md "Sandbox"): all of its --dir, files made at its top after the rules too; link(2) for its
   statements; its temporary directory removed at exit through the parent's one right; nothing else. */
static char desk_dir[PATH_MAX + 16];
static int desk_ll; /* have_landlock(), asked before the filter (landlock_create_ruleset is not in the list) */

static int desk_in_child(int (*fn)(void))
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		struct sandbox_paths p = {.dir = desk_dir, .dir_removable = 1};
		if (sandbox_apply(SANDBOX_DESK, &p)) {
			fprintf(stderr, "  sandbox_apply: %s\n", err_msg());
			_exit(100);
		}
		_exit(fn());
	}
	int st = -1;
	if (pid > 0)
		waitpid(pid, &st, 0);
	return st;
}

static int desk_work(void)
{
	char a[PATH_MAX + 64], b[PATH_MAX + 64], sub[PATH_MAX + 64];
	snprintf(a, sizeof a, "%s/made-later.tmp", desk_dir);
	snprintf(b, sizeof b, "%s/made-later", desk_dir);
	snprintf(sub, sizeof sub, "%s/statements", desk_dir);
	if (write_file(a, "x") || link(a, b) || unlink(a) || mkdir(sub, 0700)) /* a file at its top, made now */
		return 1;
	if (desk_ll && (open(tile, O_RDONLY | O_CLOEXEC) >= 0 || errno != EACCES)) /* beside --dir: refused */
		return 2;
	char beside[PATH_MAX + 64];
	snprintf(beside, sizeof beside, "%s/beside", dir);
	if (desk_ll && (mkdir(beside, 0700) == 0 || errno != EACCES)) /* the parent: it may remove a directory, no more */
		return 3;
	if (unlink(b) || rmdir(sub) || rmdir(desk_dir)) /* the temporary directory itself, at exit */
		return 4;
	return 0;
}

static void desk_does_its_work(void)
{
	snprintf(desk_dir, sizeof desk_dir, "%s/desk", dir);
	CHECK(mkdir(desk_dir, 0700) == 0);
	desk_ll = have_landlock();
	int st = desk_in_child(desk_work);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "  desk child: status %d\n", st);
	struct stat sb;
	CHECK(stat(desk_dir, &sb) != 0 && errno == ENOENT);
}

static int desk_waits(void)
{
	int s;
	waitpid(-1, &s, WNOHANG); /* the node's keeper watcher's call: not the desk's */
	return 0;
}

static void desk_wait4_sigsys(void)
{
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
	/* SANITIZE builds let every role call wait4 (LSan's exit-time check waits for its tracer) */
	printf("SKIP test_sandbox.c:desk_wait4_sigsys: a SANITIZE build allows wait4 to every role\n");
	return;
#endif
	CHECK(mkdir(desk_dir, 0700) == 0 || errno == EEXIST);
	int st = desk_in_child(desk_waits);
	CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS);
}

int main(void)
{
	if (check_tmpdir(dir, sizeof dir, "sandbox"))
		return 2;
	snprintf(state, sizeof state, "%s/keeper", dir);
	snprintf(tile, sizeof tile, "%s/tile", dir);
	if (mkdir(state, 0700) || write_file(tile, "tile bytes\n"))
		return 2;
	RUN(keeper_does_its_work);
	RUN(keeper_new_socket_sigsys);
	RUN(keeper_landlock_refuses);
	RUN(node_execve_sigsys);
	RUN(node_resolves_names);
	RUN(node_unix_stream_refused);
	RUN(node_signals_only_itself);
	RUN(desk_does_its_work);
	RUN(desk_wait4_sigsys);
	RUN(without_landlock_seccomp_still_on);
	RUN(root_refused_without_user);
	CHECK_EXIT();
}
