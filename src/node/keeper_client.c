/*
 * keeper_client — starting the keeper and asking it (keeper_client.h).
 */
#include "node/keeper_client.h"
#include "sys/sandbox.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/logline.h"
#include "exchange/charter.h"
#include "node/keeper.h"
#include "tlog/checkpoint.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

struct keeper_client {
	int fd;
	pid_t pid;
	pthread_mutex_t lock;      /* one request in flight; guards the fields below */
	struct note_verifier vkey;  /* as the keeper said at start */
	struct note_verifier held[2]; /* every node key the keeper holds, as it said last */
	size_t nheld;
	struct {
		char origin[NOTE_NAME_MAX + 1];
		uint64_t size;
	} cosigned[CHARTER_MAX_PARTIES];
	size_t ncosigned;
	uint64_t signed_size;      /* the last checkpoint of our log the keeper signed */
	merkle_hash signed_root;
	int have_signed;
	pthread_t watcher;
	int watching;
	int stopping, dead;        /* atomics */
	uint8_t *answer;
};

#define SOCKBUF (KEEPER_MSG_MAX + 65536)

/* In the child: the keeper's process, from fork to exit. */
static void keeper_child(int fd, pid_t parent, const char *dir, const struct keeper_start *how)
{
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
		_exit(2);
	/* only the socket and standard error stay open: nothing of the node's files */
	long max = sysconf(_SC_OPEN_MAX);
	for (int i = 3; i < (max > 0 && max < 65536 ? max : 65536); i++)
		if (i != fd)
			close(i);
	struct keeper *k;
	struct buf first;
	buf_init(&first, KEEPER_ANSWER_MAX);
	/* root's rights are dropped before anything is read: the files are the service user's (operations.md) */
	int rc = sandbox_drop_user(how->user, how->allow_root, dir);
	if (!rc)
		rc = keeper_open(&k, dir);
	if (!rc)
		keeper_set_handover(k, how->handover);
	uint8_t status = KEEPER_STATUS;
	if (rc) {
		buf_append_byte(&first, (uint8_t)-rc);
		buf_append_str(&first, err_msg());
		send(fd, first.data, first.len, MSG_NOSIGNAL);
		_exit(2);
	}
	/*
	 * The sandbox, once the key, the charter and the state are read: reads
	 * beneath DIR (the tiles of DIR/log, DIR/peers, DIR/witness), writes
	 * beneath DIR/keeper, its socket and stderr (src/sys/sandbox.h).
	 */
	char state[PATH_MAX + 16];
	snprintf(state, sizeof state, "%s/keeper", dir);
	struct sandbox_paths sp = {.dir = dir, .state_dir = state};
	if (how->sandbox && sandbox_apply(SANDBOX_KEEPER, &sp)) {
		buf_append_byte(&first, (uint8_t)-ERR_IO);
		buf_append_str(&first, err_msg());
		send(fd, first.data, first.len, MSG_NOSIGNAL);
		_exit(2);
	}
	keeper_handle(k, &status, 1, &first);
	if (send(fd, first.data, first.len, MSG_NOSIGNAL) < 0)
		_exit(2);
	buf_release(&first);
	int code = keeper_serve(k, fd);
	keeper_close(k);
	_exit(code);
}

static void *watch(void *arg)
{
	struct keeper_client *k = arg;
	int st = 0;
	while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
		;
	__atomic_store_n(&k->dead, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&k->stopping, __ATOMIC_SEQ_CST))
		return NULL;
	char how[64];
	if (WIFSIGNALED(st))
		snprintf(how, sizeof how, "signal %d", WTERMSIG(st));
	else
		snprintf(how, sizeof how, "exit %d", WEXITSTATUS(st));
	logline_event(LOGLINE_ERROR, "keeper_died", "how", how, "msg", "the node stops: nothing can be signed",
		      LOGLINE_END);
	kill(getpid(), SIGTERM);
	return NULL;
}

/* Parses the keeper's status text. */
static int parse_status(struct keeper_client *k, const uint8_t *p, size_t len, int at_start)
{
	const char *s = (const char *)p, *end = s + len;
	int have_key = 0;
	struct note_verifier log;
	k->ncosigned = 0;
	k->nheld = 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		if (!nl)
			return err_set(ERR_FORMAT, "keeper status: a line without its end");
		size_t n = (size_t)(nl - s);
		if (n > 4 && !memcmp(s, "log ", 4)) {
			if (note_verifier_parse(&log, s + 4, n - 4))
				return err_wrap(ERR_FORMAT, "keeper status: the log key");
			if (at_start)
				k->vkey = log;
			have_key = 1;
		} else if (n > 4 && !memcmp(s, "key ", 4) && k->nheld < sizeof k->held / sizeof k->held[0]) {
			if (note_verifier_parse(&k->held[k->nheld++], s + 4, n - 4))
				return err_wrap(ERR_FORMAT, "keeper status: a key held");
		} else if (n > 7 && !memcmp(s, "signed ", 7)) {
			const char *sp = memchr(s + 7, ' ', n - 7);
			if (!sp || dec_u64(s + 7, (size_t)(sp - s - 7), &k->signed_size) ||
			    hex_decode(k->signed_root, MERKLE_HASH, sp + 1, (size_t)(nl - sp - 1)))
				return err_set(ERR_FORMAT, "keeper status: the signed line");
			k->have_signed = 1;
		} else if (n > 9 && !memcmp(s, "cosigned ", 9) && k->ncosigned < CHARTER_MAX_PARTIES) {
			const char *sp = memrchr(s + 9, ' ', n - 9);
			size_t ol = sp ? (size_t)(sp - s - 9) : 0;
			if (!sp || ol > NOTE_NAME_MAX || dec_u64(sp + 1, (size_t)(nl - sp - 1), &k->cosigned[k->ncosigned].size))
				return err_set(ERR_FORMAT, "keeper status: a cosigned line");
			memcpy(k->cosigned[k->ncosigned].origin, s + 9, ol);
			k->cosigned[k->ncosigned].origin[ol] = 0;
			k->ncosigned++;
		}
		s = nl + 1;
	}
	return have_key ? 0 : err_set(ERR_FORMAT, "keeper status: no log key");
}

/* Receives one answer into k->answer: its length, or -1 (ERR_IO set). */
static ssize_t receive(struct keeper_client *k)
{
	ssize_t n;
	while ((n = recv(k->fd, k->answer, KEEPER_ANSWER_MAX, 0)) < 0 && errno == EINTR)
		;
	if (n <= 0) {
		__atomic_store_n(&k->dead, 1, __ATOMIC_SEQ_CST);
		err_set(ERR_IO, "the keeper is gone (%s)", n < 0 ? strerror(errno) : "closed");
		return -1;
	}
	return n;
}

int keeper_client_start(struct keeper_client **out, const char *dir, const struct keeper_start *how)
{
	*out = NULL;
	/* a directory that is not there is named before the keeper's user switch could refuse for another reason */
	struct stat st;
	if (stat(dir, &st) != 0)
		return err_set(errno == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s: %s (make it with parley node init)", dir,
			       strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(ERR_USAGE, "%s is not a directory (make a node directory with parley node init)", dir);
	struct keeper_client *k = calloc(1, sizeof *k);
	int sv[2];
	if (!k || !(k->answer = malloc(KEEPER_ANSWER_MAX))) {
		free(k);
		return err_set(ERR_NOMEM, "out of memory");
	}
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
		free(k->answer);
		free(k);
		return err_set(ERR_IO, "keeper: socketpair: %s", strerror(errno));
	}
	int sz = SOCKBUF;
	for (int i = 0; i < 2; i++) {
		setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &sz, sizeof sz);
		setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz);
	}
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		free(k->answer);
		free(k);
		return err_set(ERR_IO, "keeper: fork: %s", strerror(errno));
	}
	if (pid == 0) {
		close(sv[0]);
		keeper_child(sv[1], parent, dir, how);
	}
	close(sv[1]);
	k->fd = sv[0];
	k->pid = pid;
	pthread_mutex_init(&k->lock, NULL);
	ssize_t n = receive(k);
	int rc = n < 0 ? err_set(ERR_IO, "the keeper did not start") : 0;
	if (!rc && k->answer[0])
		rc = err_set(-(int)k->answer[0], "keeper: %.*s", (int)(n - 1), (const char *)k->answer + 1);
	if (!rc)
		rc = parse_status(k, k->answer + 1, (size_t)n - 1, 1);
	if (rc) {
		char msg[1100];
		snprintf(msg, sizeof msg, "%s", err_msg());
		keeper_client_stop(k);
		return err_set(rc, "%s", msg);
	}
	*out = k;
	return 0;
}

int keeper_client_watch(struct keeper_client *k)
{
	if (pthread_create(&k->watcher, NULL, watch, k) != 0)
		return err_set(ERR_IO, "keeper: cannot start its watcher thread");
	k->watching = 1;
	return 0;
}

void keeper_client_stop(struct keeper_client *k)
{
	if (!k)
		return;
	__atomic_store_n(&k->stopping, 1, __ATOMIC_SEQ_CST);
	close(k->fd); /* the keeper reads the end of its socket and exits */
	if (k->watching) {
		pthread_join(k->watcher, NULL);
	} else {
		int st;
		while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
			;
	}
	pthread_mutex_destroy(&k->lock);
	free(k->answer);
	free(k);
}

const struct note_verifier *keeper_client_log_key(const struct keeper_client *k)
{
	return &k->vkey;
}

int keeper_client_alive(struct keeper_client *k)
{
	return !__atomic_load_n(&k->dead, __ATOMIC_SEQ_CST);
}

/* Sends req and receives the answer; with k->lock held. The payload (after the status byte) into out. */
static int ask_locked(struct keeper_client *k, const struct buf *req, struct buf *out)
{
	if (__atomic_load_n(&k->dead, __ATOMIC_SEQ_CST))
		return err_set(ERR_IO, "the keeper is gone");
	ssize_t s;
	while ((s = send(k->fd, req->data, req->len, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	if (s < 0) {
		__atomic_store_n(&k->dead, 1, __ATOMIC_SEQ_CST);
		return err_set(ERR_IO, "the keeper is gone: %s", strerror(errno));
	}
	ssize_t n = receive(k);
	if (n < 0)
		return ERR_IO;
	if (k->answer[0]) {
		int code = -(int)k->answer[0];
		if (code < ERR_CONFLICT || code > ERR_USAGE)
			code = ERR_IO;
		return err_set(code, "the keeper refused: %.*s", (int)(n - 1), (const char *)k->answer + 1);
	}
	return buf_append(out, k->answer + 1, (size_t)n - 1);
}

static int ask(struct keeper_client *k, const struct keeper_request *r, struct buf *out)
{
	struct buf req;
	buf_init(&req, KEEPER_MSG_MAX);
	int rc = keeper_request_format(&req, r);
	if (!rc) {
		pthread_mutex_lock(&k->lock);
		rc = ask_locked(k, &req, out);
		pthread_mutex_unlock(&k->lock);
	}
	buf_release(&req);
	return rc;
}

int keeper_client_sign_checkpoint(struct keeper_client *k, const uint8_t *text, size_t len, struct buf *note)
{
	struct keeper_request r = {.op = KEEPER_SIGN_CHECKPOINT, .text = text, .text_len = len};
	return ask(k, &r, note);
}

int keeper_client_signed(struct keeper_client *k, uint64_t *size, merkle_hash root)
{
	pthread_mutex_lock(&k->lock);
	int have = k->have_signed;
	*size = k->signed_size;
	memcpy(root, k->signed_root, MERKLE_HASH);
	pthread_mutex_unlock(&k->lock);
	return have;
}

uint64_t keeper_client_cosigned(struct keeper_client *k, const char *origin)
{
	uint64_t size = 0;
	pthread_mutex_lock(&k->lock);
	for (size_t i = 0; i < k->ncosigned; i++)
		if (!strcmp(k->cosigned[i].origin, origin))
			size = k->cosigned[i].size;
	pthread_mutex_unlock(&k->lock);
	return size;
}

int keeper_client_cosign(struct keeper_client *k, const uint8_t *note, size_t len, const merkle_hash *proof, size_t n,
			 struct buf *line)
{
	struct keeper_request r = {.op = KEEPER_COSIGN, .text = note, .text_len = len, .nproof = n};
	if (n > KEEPER_PROOF_MAX)
		return err_set(ERR_LIMIT, "a proof of %zu hashes", n);
	if (n)
		memcpy(r.proof, proof, n * sizeof *proof);
	int rc = ask(k, &r, line);
	struct checkpoint cp;
	if (!rc && !checkpoint_parse_unverified(&cp, note, len)) {
		pthread_mutex_lock(&k->lock);
		size_t i = 0;
		while (i < k->ncosigned && strcmp(k->cosigned[i].origin, cp.origin))
			i++;
		if (i < CHARTER_MAX_PARTIES) {
			snprintf(k->cosigned[i].origin, sizeof k->cosigned[i].origin, "%s", cp.origin);
			k->cosigned[i].size = cp.size;
			if (i == k->ncosigned)
				k->ncosigned++;
		}
		pthread_mutex_unlock(&k->lock);
	}
	return rc;
}

int keeper_client_sign_received(struct keeper_client *k, const uint8_t *text, size_t len, const uint8_t *entry,
				size_t entry_len, struct buf *out)
{
	struct keeper_request r = {
		.op = KEEPER_SIGN_RECEIVED, .text = text, .text_len = len, .entry = entry, .entry_len = entry_len};
	return ask(k, &r, out);
}

int keeper_client_reload(struct keeper_client *k)
{
	struct keeper_request r = {.op = KEEPER_RELOAD};
	struct buf req, out;
	buf_init(&req, 16);
	buf_init(&out, 4096);
	int rc = keeper_request_format(&req, &r);
	pthread_mutex_lock(&k->lock);
	if (!rc)
		rc = ask_locked(k, &req, &out);
	if (!rc)
		rc = parse_status(k, out.data, out.len, 0);
	pthread_mutex_unlock(&k->lock);
	buf_release(&req);
	buf_release(&out);
	return rc;
}

int keeper_client_holds(struct keeper_client *k, const uint8_t pub[32])
{
	int found = 0;
	pthread_mutex_lock(&k->lock);
	for (size_t i = 0; i < k->nheld; i++)
		found |= !memcmp(k->held[i].pub, pub, 32);
	pthread_mutex_unlock(&k->lock);
	return found;
}

int keeper_client_raw(struct keeper_client *k, const uint8_t *msg, size_t len, struct buf *answer)
{
	pthread_mutex_lock(&k->lock);
	int rc = 0;
	ssize_t s;
	while ((s = send(k->fd, msg, len, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	ssize_t n = s < 0 ? -1 : receive(k);
	if (s < 0)
		rc = err_set(ERR_IO, "send: %s", strerror(errno));
	else if (n < 0)
		rc = ERR_IO;
	else
		rc = buf_append(answer, k->answer, (size_t)n);
	pthread_mutex_unlock(&k->lock);
	return rc;
}
