/*
 * sandbox — confines a long-running process after its start-up: a service
 * user instead of root, Landlock on the files it may touch, and a seccomp
 * filter (libseccomp) that kills the process on any system call outside the
 * role's allow-list. docs/operations.md ("Sandbox") lists what each role may
 * do and how to debug a SIGSYS. The roles are the node's processes (node,
 * witness, keeper) and the officers' desk: the module is in src/sys/ so
 * that both sides use it (src/desk may not include src/node/).
 *
 * The order, from the caller's start-up:
 *   1. open what needs opening (the key file, the databases), bind the port;
 *   2. sandbox_drop_user (while still single-threaded, or at least before
 *      serving), then sandbox_restrict_files BEFORE starting any thread:
 *      Landlock binds the calling thread and the threads it starts later,
 *      not threads that already run;
 *   3. start the threads and serve; then sandbox_apply, which sets the
 *      seccomp filter on every thread at once (SCMP_FLTATR_CTL_TSYNC).
 * A single-threaded process (the keeper) may call sandbox_apply alone: it
 * does step 2's Landlock itself when it has not been done.
 *
 * Errors are returned (ERR_IO, err_msg() says which step failed) and the
 * caller must then stop: a process that asked for a sandbox never serves
 * without it. The one exception is Landlock missing from the kernel (or
 * disabled): one structured event (sandbox_landlock status=unavailable) is
 * logged and the process goes on under the seccomp filter alone.
 */
#ifndef PARLEY_SANDBOX_H
#define PARLEY_SANDBOX_H

enum sandbox_role {
	SANDBOX_NODE,    /* a party's node, its network side: HTTP server, peers over HTTP(S), SQLite */
	SANDBOX_WITNESS, /* the neutral witness server: HTTP server, its state files; no outgoing connections */
	SANDBOX_KEEPER,  /* the key-holding process: its state file, the log's tiles (read), one socketpair */
	SANDBOX_DESK,    /* the officers' desk: HTTP server, HTTP client to its node, read-write beneath its --dir */
};

struct sandbox_paths {
	/* The role's directory. NODE and WITNESS: read-write beneath it (see hidden); KEEPER: read-only beneath it;
	   DESK: read-write beneath it, all of it (files it makes at its top later too). */
	const char *dir;
	/*
	 * NULL, or names of entries directly in dir that the role must not open
	 * at all, NULL-terminated: the key files, the keeper's state. Landlock
	 * cannot exclude a file beneath an allowed directory, so dir itself is
	 * only listed (read-dir), and every other entry present in dir when the
	 * rules are made gets its own rule: a file created directly in dir later
	 * cannot be opened. Create the directories the process will need first.
	 */
	const char *const *hidden;
	/* NULL, or names of entries directly in dir the role may read but not change (the charter), NULL-terminated. */
	const char *const *readonly;
	/* KEEPER only (NULL otherwise): the directory of its state file, read-write beneath it. */
	const char *state_dir;
	/* NULL, or a directory beneath dir for SQLite's temporary files (sqlite3_temp_directory is set to it). */
	const char *sqlite_tmp;
	/* DESK only: dir is a temporary directory the desk removes at exit, so its parent gets the right to remove
	   a directory (an empty one: what is in it is dir's own). */
	int dir_removable;
};

/*
 * Started as root: switches to the user `user` (its uid, gid and only its
 * group), or to "parley" when user is NULL and that user exists. Refuses
 * (ERR_USAGE, with the way out) when there is no user to switch to, unless
 * allow_root, and when dir is not owned by that user (it could not write
 * there). Not root: 0 when user is NULL or is the current user, else
 * ERR_USAGE (only root can switch). Logs one event (sandbox_user).
 */
int sandbox_drop_user(const char *user, int allow_root, const char *dir);

/* PR_SET_NO_NEW_PRIVS, then Landlock for the role on the calling thread and its future threads. */
int sandbox_restrict_files(enum sandbox_role role, const struct sandbox_paths *p);

/*
 * PR_SET_NO_NEW_PRIVS, Landlock unless sandbox_restrict_files was called,
 * then the role's seccomp filter on every thread of the process, default
 * action: kill the process (SIGSYS). Logs one event (sandbox) on success.
 */
int sandbox_apply(enum sandbox_role role, const struct sandbox_paths *p);

/*
 * The test hook (tests/cli/sandbox.sh): if the environment variable
 * PARLEY_SANDBOX_SELFTEST is set, does what it says and logs the outcome
 * (event sandbox_selftest):
 *   execve       calls execve("/nonexistent/parley-selftest"): under the
 *                filter the process dies by SIGSYS; without, it fails with
 *                ENOENT and the process goes on
 *   open:PATH    opens PATH for reading (Landlock refuses with EACCES what is
 *                outside the allowed paths) and logs result=opened|refused
 *   write:PATH   the same, opening for writing (appending; nothing is written)
 * Call it where the sandbox is in force (or would be, with --no-sandbox).
 */
void sandbox_selftest(void);

#endif
