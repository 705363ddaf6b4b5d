#include "cli/util.h"
#include "base/buf.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cli_fail(const char *what, int rc)
{
	fprintf(stderr, "parley %s: %s\n", what, err_msg()[0] ? err_msg() : "failed");
	return err_exit_code(rc);
}

int cli_usage(const char *what, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "parley %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int cli_load_vkey(const char *arg, struct note_verifier *v)
{
	if (strchr(arg, '+') && note_verifier_parse(v, arg, strlen(arg)) == 0)
		return 0;
	struct buf b;
	buf_init(&b, 4096);
	int rc = file_read(arg, 4096, &b);
	if (rc == ERR_NOTFOUND) {
		/* Not a file: report why the argument is not a key. */
		note_verifier_parse(v, arg, strlen(arg));
		rc = err_wrap(ERR_USAGE, "'%s' is neither a verifier key nor a file holding one", arg);
	} else if (!rc) {
		/* The first line that is not a comment. */
		char *s = (char *)b.data, *end = s + b.len;
		rc = err_set(ERR_FORMAT, "%s holds no verifier key", arg);
		while (s < end) {
			char *nl = memchr(s, '\n', (size_t)(end - s));
			size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
			if (n && s[0] != '#') {
				rc = note_verifier_parse(v, s, n);
				if (rc)
					err_wrap(rc, "%s", arg);
				break;
			}
			s += n + 1;
		}
	}
	buf_release(&b);
	return rc;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	if (dec_u64(s, strlen(s), out))
		return err_set(ERR_USAGE, "'%s' is not a number", s);
	return 0;
}

static sigset_t stop_signals;

void cli_block_stop_signals(void)
{
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int cli_wait_stop(void)
{
	int sig = 0;
	while (sigwait(&stop_signals, &sig) != 0)
		;
	return sig;
}

int cli_free_port(unsigned *port)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t l = sizeof a;
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) || getsockname(s, (struct sockaddr *)&a, &l)) {
		if (s >= 0)
			close(s);
		return err_set(ERR_IO, "cannot find a free loopback port: %s", strerror(errno));
	}
	*port = ntohs(a.sin_port);
	close(s);
	return 0;
}
