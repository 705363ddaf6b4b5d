/*
 * sandbox — see sandbox.h. The allow-lists are below, one system call a
 * line with why it is there; docs/operations.md ("Sandbox") says the same
 * for operators.
 */
#include "sys/sandbox.h"
#include "base/err.h"
#include "base/logline.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/landlock.h>
#include <pwd.h>
#include <sched.h>
#include <seccomp.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Landlock rights newer than some distributions' headers (the kernel says which it knows: its ABI version). */
#ifndef LANDLOCK_ACCESS_FS_REFER
#define LANDLOCK_ACCESS_FS_REFER (1ULL << 13)
#endif
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif

/* Sanitizer builds (make SANITIZE=...) need a few more calls: see sanitizer_calls. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_UNDEFINED__)
#define SANDBOX_SANITIZE 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(undefined_behavior_sanitizer)
#define SANDBOX_SANITIZE 1
#endif
#endif
#ifndef SANDBOX_SANITIZE
#define SANDBOX_SANITIZE 0
#endif

static const char *role_name(enum sandbox_role r)
{
	return r == SANDBOX_NODE ? "node" : r == SANDBOX_WITNESS ? "witness" : r == SANDBOX_DESK ? "desk" : "keeper";
}

/* ---- the service user ---- */

static int lookup_user(const char *name, struct passwd *pw, char *buf, size_t len)
{
	struct passwd *r = NULL;
	int e = getpwnam_r(name, pw, buf, len, &r);
	return e == 0 && r != NULL;
}

int sandbox_drop_user(const char *user, int allow_root, const char *dir)
{
	struct passwd pw;
	char buf[4096];
	uid_t euid = geteuid();
	if (euid != 0) {
		if (!user)
			return 0;
		if (!lookup_user(user, &pw, buf, sizeof buf))
			return err_set(ERR_USAGE, "--user %s: no such user", user);
		if (pw.pw_uid != euid)
			return err_set(ERR_USAGE, "--user %s: only root can switch to another user (running as uid %u)", user,
				       (unsigned)euid);
		return 0;
	}
	const char *name = user;
	if (!name && !allow_root && lookup_user("parley", &pw, buf, sizeof buf))
		name = "parley";
	if (!name) {
		if (!allow_root)
			return err_set(ERR_USAGE,
				       "refusing to run as root: a parser bug would then run with root's rights. Create the "
				       "service user 'parley' owning the directory, give --user NAME, or --allow-root to keep "
				       "root (docs/operations.md, \"Sandbox\")");
		logline_event(LOGLINE_WARN, "sandbox_user", "user", "root", "msg", "running as root (--allow-root)", LOGLINE_END);
		return 0;
	}
	if (!lookup_user(name, &pw, buf, sizeof buf))
		return err_set(ERR_USAGE, "--user %s: no such user", name);
	if (pw.pw_uid == 0) {
		if (!allow_root)
			return err_set(ERR_USAGE, "--user %s is root: give a service user, or --allow-root to keep root "
						  "(docs/operations.md, \"Sandbox\")", name);
		logline_event(LOGLINE_WARN, "sandbox_user", "user", name, "msg", "running as root (--allow-root)", LOGLINE_END);
		return 0;
	}
	struct stat st;
	if (stat(dir, &st))
		return err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	if (st.st_uid != pw.pw_uid)
		return err_set(ERR_USAGE, "%s is owned by uid %u, not by %s (uid %u), which could not write there: "
					  "chown -R %s %s", dir, (unsigned)st.st_uid, name, (unsigned)pw.pw_uid, name, dir);
	gid_t gid = pw.pw_gid;
	if (setgroups(1, &gid) || setresgid(gid, gid, gid) || setresuid(pw.pw_uid, pw.pw_uid, pw.pw_uid))
		return err_set(ERR_IO, "cannot switch to user %s: %s", name, strerror(errno));
	if (setuid(0) == 0 || geteuid() != pw.pw_uid) /* the switch must be for good */
		return err_set(ERR_IO, "switching to user %s did not drop root", name);
	char uid[16];
	snprintf(uid, sizeof uid, "%u", (unsigned)pw.pw_uid);
	logline_event(LOGLINE_INFO, "sandbox_user", "user", name, "uid", uid, LOGLINE_END);
	return 0;
}

/* ---- Landlock ---- */

static int landlock_done;       /* rules in force on this thread (and those started after) */
static const char *landlock_state = "off";

#define FS_FILE (LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE | \
		 LANDLOCK_ACCESS_FS_TRUNCATE)
#define FS_RO (LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
/* Read-write beneath a directory: files and directories, made, renamed and removed; no devices, sockets, fifos,
 * symlinks, and no execution. */
#define FS_RW (FS_RO | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_MAKE_REG | \
	       LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_REMOVE_DIR | \
	       LANDLOCK_ACCESS_FS_REFER)

/* Adds a rule for path (0 if it does not exist: nothing to allow). */
static int ll_allow(int ruleset, const char *path, uint64_t access, uint64_t handled)
{
	int fd = open(path, O_PATH | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : err_set(ERR_IO, "landlock: %s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st)) {
		close(fd);
		return err_set(ERR_IO, "landlock: %s: %s", path, strerror(errno));
	}
	struct landlock_path_beneath_attr pb = {.allowed_access = access & handled, .parent_fd = fd};
	if (!S_ISDIR(st.st_mode))
		pb.allowed_access &= FS_FILE; /* a file takes only the rights of files */
	long r = pb.allowed_access ? syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) : 0;
	int e = errno;
	close(fd);
	if (r)
		return err_set(ERR_IO, "landlock: rule for %s: %s", path, strerror(e));
	return 0;
}

static int listed(const char *const *names, const char *name)
{
	for (const char *const *h = names; h && *h; h++)
		if (!strcmp(*h, name))
			return 1;
	return 0;
}

/* Every entry of dir but the hidden ones, read-write (the read-only ones read-only); dir itself only listed. */
static int ll_allow_dir_entries(int ruleset, const struct sandbox_paths *p, uint64_t handled)
{
	DIR *d = opendir(p->dir);
	if (!d)
		return err_set(ERR_IO, "landlock: %s: %s", p->dir, strerror(errno));
	int rc = ll_allow(ruleset, p->dir, LANDLOCK_ACCESS_FS_READ_DIR, handled);
	struct dirent *e;
	char path[4200];
	while (!rc && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || listed(p->hidden, e->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", p->dir, e->d_name);
		rc = ll_allow(ruleset, path, listed(p->readonly, e->d_name) ? FS_RO : FS_RW, handled);
	}
	closedir(d);
	return rc;
}

static int landlock(enum sandbox_role role, const struct sandbox_paths *p)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
	if (abi < 1) {
		char why[128];
		snprintf(why, sizeof why, "%s", strerror(errno));
		logline_event(LOGLINE_WARN, "sandbox_landlock", "status", "unavailable", "msg", why, "role", role_name(role),
			      "note", "file access is not confined; the seccomp filter still is (needs Linux 5.13+ with landlock "
			      "in lsm=)", LOGLINE_END);
		landlock_state = "unavailable";
		landlock_done = 1;
		return 0;
	}
	uint64_t handled = (LANDLOCK_ACCESS_FS_MAKE_SYM << 1) - 1; /* ABI 1: the first 13 rights */
	if (abi >= 2)
		handled |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		handled |= LANDLOCK_ACCESS_FS_TRUNCATE;
	struct landlock_ruleset_attr attr = {.handled_access_fs = handled};
	int rs = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof attr, 0);
	if (rs < 0)
		return err_set(ERR_IO, "landlock: cannot create a ruleset: %s", strerror(errno));
	int rc = 0;
	if (role == SANDBOX_KEEPER) {
		rc = ll_allow(rs, p->dir, FS_RO, handled); /* the key file and the log's tiles */
		if (!rc && p->state_dir)
			rc = ll_allow(rs, p->state_dir, FS_RW, handled); /* its state: written, fsync'd, renamed */
	} else {
		if (role == SANDBOX_DESK) {
			/* all of --dir: the desk makes its journal, tmp/, statements/ and the reports' logs there as it goes */
			rc = ll_allow(rs, p->dir, FS_RW, handled);
			if (!rc && p->dir_removable) { /* the temporary directory itself, at exit: its parent may remove one */
				char parent[4200];
				const char *sl = strrchr(p->dir, '/');
				snprintf(parent, sizeof parent, "%.*s", sl && sl != p->dir ? (int)(sl - p->dir) : 1, sl ? p->dir : "/");
				rc = ll_allow(rs, parent, LANDLOCK_ACCESS_FS_REMOVE_DIR, handled);
			}
		} else {
			rc = ll_allow_dir_entries(rs, p, handled);
		}
		/* what the libraries read: resolv.conf, hosts, nsswitch.conf, gai.conf, openssl.cnf, CA certificates */
		static const char *const ro[] = {"/etc", "/usr/share/ca-certificates", "/usr/lib", "/lib", "/lib64",
						 "/dev/urandom"};
		for (size_t i = 0; !rc && i < sizeof ro / sizeof ro[0]; i++)
			rc = ll_allow(rs, ro[i], FS_RO, handled); /* /usr/lib, /lib: NSS modules and other lazy loads */
	}
	if (!rc && SANDBOX_SANITIZE)
		rc = ll_allow(rs, "/proc/self", FS_RO, handled); /* ASan/LSan read maps and the thread list */
	if (!rc && syscall(SYS_landlock_restrict_self, rs, 0))
		rc = err_set(ERR_IO, "landlock: cannot restrict: %s", strerror(errno));
	close(rs);
	if (rc)
		return rc;
	static char state[32];
	snprintf(state, sizeof state, "abi%ld", abi);
	landlock_state = state;
	landlock_done = 1;
	return 0;
}

int sandbox_restrict_files(enum sandbox_role role, const struct sandbox_paths *p)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return err_set(ERR_IO, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
	if (p->sqlite_tmp) {
		/*
		 * SQLite's temporary files (large sorts, statement journals) go beneath dir, not to /tmp (not allowed).
		 * A static buffer, set once before any thread: SQLite would free it only on PRAGMA temp_store_directory,
		 * which parley never runs.
		 */
		static char tmp[4200];
		if ((size_t)snprintf(tmp, sizeof tmp, "%s", p->sqlite_tmp) >= sizeof tmp)
			return err_set(ERR_USAGE, "%s: path too long", p->sqlite_tmp);
		sqlite3_temp_directory = tmp;
	}
	return landlock_done ? 0 : landlock(role, p);
}

/* ---- seccomp ---- */

/* Calls every role makes. */
static const char *const base_calls[] = {
	"read", "write", "readv", "writev", "pread64", "pwrite64", "lseek", "close",
	"openat",                            /* Landlock decides which files */
	"fstat", "newfstatat", "statx",      /* stat(), fstat() (glibc uses newfstatat/statx) */
	"fcntl",                             /* O_NONBLOCK, FD_CLOEXEC, SQLite's and the logs' locks */
	"futex",                             /* mutexes, condition variables */
	"brk", "mmap", "munmap", "mremap", "mprotect", "madvise", /* malloc, and libsodium's guarded key memory */
	"mlock", "munlock",                  /* libsodium keeps key bytes out of swap (sodium_mlock) */
	"rt_sigprocmask", "rt_sigaction", "rt_sigreturn",
	"clock_gettime", "clock_getres", "gettimeofday", "time", /* the vDSO's fallbacks */
	"clock_nanosleep", "nanosleep",      /* retries and polls that sleep */
	"getrandom",                         /* libsodium and OpenSSL randomness */
	"getpid", "gettid",                  /* abort() and raise() name themselves (tgkill: to itself only, below) */
	"exit", "exit_group", "restart_syscall",
};

/* The HTTP servers (node, witness, desk): threads, files, an accepted socket's life, sd_notify. */
static const char *const server_calls[] = {
	"set_robust_list", "rseq",           /* every new thread (glibc) */
	"sched_yield", "sched_getaffinity",  /* glibc's spin locks; sysconf(_SC_NPROCESSORS_ONLN) */
	"fsync", "fdatasync", "syncfs",      /* durability: tiles, checkpoints, SQLite, the batch commit */
	"ftruncate", "fallocate",            /* SQLite's WAL and journals */
	"rename", "renameat", "renameat2",   /* atomic file replacement */
	"unlink", "unlinkat", "rmdir",       /* temporary files; pruned kept checkpoints */
	"mkdir", "mkdirat",                  /* mkdir_p on tile and peer directories */
	"getdents64",                        /* listing kept checkpoints and tile directories */
	"access", "faccessat", "faccessat2", /* SQLite checks its files and temporary directory */
	"fchmod", "fchown",                  /* file_write_atomic sets modes; SQLite, run as root, chowns its journal */
	"flock",                             /* the log directory's lock */
	"readlink", "readlinkat",            /* SQLite resolves the database's path */
	"getuid", "geteuid", "getgid", "getegid", /* SQLite (root check), libcurl */
	"sysinfo",                           /* glibc's qsort asks sysconf(_SC_PHYS_PAGES) */
	"uname",                             /* libcurl's and OpenSSL's version strings */
	"accept", "accept4", "getsockname", "getpeername", "setsockopt", "getsockopt", "shutdown",
	"recvfrom", "recvmsg", "sendto", "sendmsg", /* HTTP bodies; sd_notify's datagram */
	"sendfile",                          /* libmicrohttpd sends tiles and bodies from their files */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", /* libmicrohttpd's event loops */
	"poll", "ppoll", "select", "pselect6", /* libcurl, sd_notify's wait */
	"eventfd2", "pipe2",                 /* libmicrohttpd's inter-thread wake-ups */
	"rt_sigtimedwait",                   /* the main thread waits for SIGINT/SIGTERM and the watchdog's period */
	"prlimit64", "getrlimit",            /* the connection cap is fitted to the file limit */
};

/* The outgoing side (node: peers and witnesses; desk: its node) over HTTP(S), names resolved (libcurl's resolver
   threads). */
static const char *const client_calls[] = {
	"connect", "bind",                   /* to peers and DNS; getaddrinfo binds its netlink socket */
	"socketpair",                        /* libcurl's threaded resolver wakes its caller through one */
	"sendmmsg", "recvmmsg",              /* glibc's resolver sends the A and AAAA queries together */
};

/* The node only. */
static const char *const node_calls[] = {
	"wait4",                             /* the keeper's watcher waits for its child (keeper_client.c) */
};

/* The desk only. */
static const char *const desk_calls[] = {
	"link", "linkat",                    /* a statement's files are written once: the temporary file linked to its
						name fails if the name exists (file_write_atomic with excl) */
};

/* The keeper (a single thread): its state, the tiles, one socketpair. */
static const char *const keeper_calls[] = {
	"fsync", "fdatasync",                /* its state is durable before it answers */
	"rename", "renameat", "renameat2",   /* ... written by atomic replacement */
	"unlink", "unlinkat",                /* a failed write's temporary file */
	"ftruncate",
	"recvfrom", "recvmsg", "sendto", "sendmsg", /* its socketpair */
	"poll", "ppoll",
	"getdents64", "getdents",            /* DIR/amendments, read again after an adoption (KEEPER_RELOAD) */
};

/* What ASan/UBSan/LSan do (SANITIZE builds only): LSan's exit-time check stops the threads with a tracer. */
static const char *const sanitizer_calls[] = {
	"ptrace", "wait4", "prctl", "sigaltstack", "getppid", "kill", "sched_getaffinity", "readlink", "readlinkat",
	"open", "getdents", "getdents64", "pipe2", "dup", "dup2", "dup3", "sched_yield", "set_robust_list", "rseq",
	"setsockopt", "getrlimit", "prlimit64", "munmap", "uname",
	"ioctl", /* isatty(stderr) before a report: colours */
};

static int add(scmp_filter_ctx c, const char *name, uint32_t action, unsigned n, const struct scmp_arg_cmp *cmp)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0; /* not a system call on this architecture */
	int r = n ? seccomp_rule_add_array(c, action, nr, n, cmp) : seccomp_rule_add(c, action, nr, 0);
	if (r) /* -EEXIST: a rule that overlaps another with another action (libseccomp keeps the first) */
		return err_set(ERR_IO, "seccomp: rule for %s: %s", name, strerror(-r));
	return 0;
}

static int add_list(scmp_filter_ctx c, const char *const *names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (add(c, names[i], SCMP_ACT_ALLOW, 0, NULL))
			return ERR_IO;
	return 0;
}
#define ADD_LIST(c, a) add_list(c, a, sizeof a / sizeof a[0])

static int add_socket(scmp_filter_ctx c, int domain)
{
	struct scmp_arg_cmp a = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)domain, .datum_b = 0};
	return add(c, "socket", SCMP_ACT_ALLOW, 1, &a);
}

static int filter(scmp_filter_ctx c, enum sandbox_role role)
{
	if (ADD_LIST(c, base_calls))
		return ERR_IO;
	/* abort() and raise() signal their own process, no other */
	struct scmp_arg_cmp self = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid(), .datum_b = 0};
	if (add(c, "tgkill", SCMP_ACT_ALLOW, 1, &self))
		return ERR_IO;
	/* the node's SIGTERM to itself when its keeper died (keeper_client.c): to itself only */
	if (role == SANDBOX_NODE && add(c, "kill", SCMP_ACT_ALLOW, 1, &self))
		return ERR_IO;
	/* isatty(): stdio asks it of a stream's first buffered write (TCGETS only reads the terminal's settings) */
	struct scmp_arg_cmp tcgets = {.arg = 1, .op = SCMP_CMP_EQ, .datum_a = TCGETS, .datum_b = 0};
	if (add(c, "ioctl", SCMP_ACT_ALLOW, 1, &tcgets))
		return ERR_IO;
	if (role == SANDBOX_KEEPER)
		return ADD_LIST(c, keeper_calls);
	if (ADD_LIST(c, server_calls))
		return ERR_IO;
	/* threads only: clone must share the thread group (no fork); clone3's flags are out of a filter's
	 * reach, so it answers ENOSYS and glibc falls back to clone */
	struct scmp_arg_cmp thread = {.arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = CLONE_THREAD, .datum_b = CLONE_THREAD};
	if (add(c, "clone", SCMP_ACT_ALLOW, SANDBOX_SANITIZE ? 0 : 1, &thread) ||
	    add(c, "clone3", SCMP_ACT_ERRNO(ENOSYS), 0, NULL))
		return ERR_IO;
	/*
	 * AF_UNIX: datagrams only, sd_notify's to systemd (a new socket each time). A stream socket could
	 * connect to a local service (a container runtime's socket): refused with EACCES, which glibc's
	 * lookups take as "no nscd" and go on.
	 */
	struct scmp_arg_cmp unix_dgram[2] = {{.arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX, .datum_b = 0},
					     {.arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xf, .datum_b = SOCK_DGRAM}};
	struct scmp_arg_cmp unix_stream[2] = {{.arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX, .datum_b = 0},
					      {.arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xf, .datum_b = SOCK_STREAM}};
	if (add(c, "socket", SCMP_ACT_ALLOW, 2, unix_dgram) ||
	    add(c, "socket", SCMP_ACT_ERRNO(EACCES), 2, unix_stream))
		return ERR_IO;
	/* libmicrohttpd names its threads (PR_SET_NAME), which may first run after the filter is on */
	struct scmp_arg_cmp set_name = {.arg = 0, .op = SCMP_CMP_EQ, .datum_a = PR_SET_NAME, .datum_b = 0};
	if (add(c, "prctl", SCMP_ACT_ALLOW, 1, &set_name))
		return ERR_IO;
	/* glibc's DNS resolver asks how many bytes a UDP answer holds (FIONREAD) */
	struct scmp_arg_cmp fionread = {.arg = 1, .op = SCMP_CMP_EQ, .datum_a = FIONREAD, .datum_b = 0};
	if (role == SANDBOX_NODE && ADD_LIST(c, node_calls))
		return ERR_IO;
	if (role == SANDBOX_DESK && ADD_LIST(c, desk_calls))
		return ERR_IO;
	if ((role == SANDBOX_NODE || role == SANDBOX_DESK) &&
	    (ADD_LIST(c, client_calls) || add(c, "ioctl", SCMP_ACT_ALLOW, 1, &fionread) || add_socket(c, AF_INET) ||
	     add_socket(c, AF_INET6) ||
	     add_socket(c, AF_NETLINK))) /* getaddrinfo's AI_ADDRCONFIG asks the kernel for the addresses in use */
		return ERR_IO;
	return 0;
}

int sandbox_apply(enum sandbox_role role, const struct sandbox_paths *p)
{
	int rc = sandbox_restrict_files(role, p);
	if (rc)
		return rc;
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!c)
		return err_set(ERR_IO, "seccomp: cannot start a filter");
	int r = seccomp_attr_set(c, SCMP_FLTATR_CTL_TSYNC, 1); /* every thread, the ones already running too */
	if (!r)
		r = seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 1);
	if (!r) /* a binary search over the call numbers, not a list walked on every call (libseccomp 2.5+) */
		(void)seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	if (r)
		rc = err_set(ERR_IO, "seccomp: %s", strerror(-r));
	if (!rc && SANDBOX_SANITIZE) /* first: unconditional, they take in the role's rules with conditions */
		rc = ADD_LIST(c, sanitizer_calls);
	if (!rc)
		rc = filter(c, role);
	if (!rc && (r = seccomp_load(c)))
		rc = err_set(ERR_IO, "seccomp: cannot load the filter: %s", strerror(-r));
	seccomp_release(c);
	if (rc)
		return rc;
	logline_event(LOGLINE_INFO, "sandbox", "role", role_name(role), "seccomp", "on", "landlock", landlock_state,
		      "no_new_privs", "on", LOGLINE_END);
	return 0;
}

void sandbox_selftest(void)
{
	const char *t = getenv("PARLEY_SANDBOX_SELFTEST");
	if (!t)
		return;
	if (!strcmp(t, "execve")) {
		logline_event(LOGLINE_WARN, "sandbox_selftest", "call", "execve", LOGLINE_END);
		char *argv[] = {(char *)"parley-selftest", NULL};
		long r = syscall(SYS_execve, "/nonexistent/parley-selftest", argv, (char **)NULL);
		char e[64];
		snprintf(e, sizeof e, "%s", r ? strerror(errno) : "");
		logline_event(LOGLINE_WARN, "sandbox_selftest", "call", "execve", "result", "returned", "errno", e, LOGLINE_END);
	} else if (!strncmp(t, "open:", 5) || !strncmp(t, "write:", 6)) {
		int w = t[0] == 'w';
		const char *path = t + (w ? 6 : 5);
		int fd = open(path, (w ? O_WRONLY | O_APPEND : O_RDONLY) | O_CLOEXEC); /* opened only: nothing written */
		char e[64];
		snprintf(e, sizeof e, "%s", fd < 0 ? strerror(errno) : "");
		logline_event(LOGLINE_WARN, "sandbox_selftest", "call", w ? "write" : "open", "path", path, "result",
			      fd < 0 ? "refused" : "opened", "errno", e, LOGLINE_END);
		if (fd >= 0)
			close(fd);
	} else {
		logline_event(LOGLINE_WARN, "sandbox_selftest", "msg", "unknown PARLEY_SANDBOX_SELFTEST value", "value", t,
			      LOGLINE_END);
	}
}
