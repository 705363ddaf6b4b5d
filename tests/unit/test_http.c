/*
 * The HTTP server's connection limits (src/node/http.c), from several loopback
 * source addresses (127.0.0.0/8 only): an untrusted address is capped, the
 * untrusted addresses together cannot take the reserve, a trusted address has
 * no per-address cap and gets in while the others are full; a request whose
 * headers trickle in is cut at the deadline.
 */
#include "base/err.h"
#include "node/http.h"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned port;

static void h_ok(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx, (void)req;
	http_text(resp, 200, "ok");
}

static void sleep_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

/* A connection to the server from 127.0.0.<from>; -1 if none. */
static int connect_from(int from)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in src = {.sin_family = AF_INET}, dst = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	src.sin_addr.s_addr = htonl(0x7f000000u | (unsigned)from);
	dst.sin_addr.s_addr = htonl(0x7f000001u);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof src) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof dst)) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* 1 once the server has closed fd (waits up to ms), 0 if it is still open. */
static int closed_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char c;
	if (poll(&p, 1, ms) <= 0)
		return 0;
	ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/* Sends GET /healthz from 127.0.0.<from>; 1 if answered 200. */
static int served_from(int from)
{
	int fd = connect_from(from);
	if (fd < 0)
		return 0;
	static const char req[] = "GET /healthz HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
	char got[512];
	size_t len = 0;
	ssize_t n = send(fd, req, sizeof req - 1, MSG_NOSIGNAL);
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (n > 0 && len < sizeof got - 1 && poll(&p, 1, 10000) > 0 && (n = recv(fd, got + len, sizeof got - 1 - len, 0)) > 0)
		len += (size_t)n;
	got[len] = 0;
	close(fd);
	return !strncmp(got, "HTTP/1.1 200", 12);
}

/*
 * Opens n connections from 127.0.0.<from> into fds and returns how many the
 * server kept: it waits (up to 20 s) until no more than `expect` are left
 * open, so a loaded machine delays the answer but does not change it. The
 * server accepts in order, so later connections are judged after these.
 */
static int open_kept(int from, int n, int expect, int *fds)
{
	for (int i = 0; i < n; i++)
		fds[i] = connect_from(from);
	int kept = n;
	for (int round = 0; round < 1000; round++) {
		kept = 0;
		for (int i = 0; i < n; i++) {
			if (fds[i] >= 0 && closed_within(fds[i], 0)) {
				close(fds[i]);
				fds[i] = -1;
			}
			kept += fds[i] >= 0;
		}
		if (kept <= expect)
			break;
		sleep_ms(20);
	}
	return kept;
}

static void close_all(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

static struct http_server *start(unsigned timeout_s)
{
	static const struct http_route routes[] = {{"GET", "/healthz", 0, NULL, h_ok, 0, 0}};
	struct http_addr trusted = {.family = AF_INET, .a = {127, 0, 0, 1}};
	/* 32 connections; untrusted addresses: 4 each, 24 together (8 kept for 127.0.0.1) */
	struct http_limits lim = {.connections = 32, .per_address = 4, .reserve = 8, .timeout_s = timeout_s, .threads = 1,
				  .workers = 1, .trusted = &trusted, .ntrusted = 1};
	struct http_server *s = NULL;
	for (int attempt = 0; attempt < 20 && !s; attempt++) {
		int probe = socket(AF_INET, SOCK_STREAM, 0);
		struct sockaddr_in a = {.sin_family = AF_INET};
		socklen_t al = sizeof a;
		a.sin_addr.s_addr = htonl(0x7f000001u);
		if (probe < 0 || bind(probe, (struct sockaddr *)&a, sizeof a) || getsockname(probe, (struct sockaddr *)&a, &al)) {
			if (probe >= 0)
				close(probe);
			continue;
		}
		port = ntohs(a.sin_port);
		close(probe);
		char addr[32];
		snprintf(addr, sizeof addr, "127.0.0.1:%u", port);
		if (http_start(&s, addr, routes, 1, NULL, &lim))
			s = NULL;
	}
	return s;
}

static void test_limits_by_address(void)
{
	struct http_server *s = start(60); /* idle connections stay for the whole test */
	CHECK(s != NULL);
	if (!s)
		return;
	int a[8], b[6][4], c[4], t[12];
	/* one untrusted address: 4 of 8 kept; another address is still served */
	CHECK_EQ_INT(open_kept(2, 8, 4, a), 4);
	CHECK(served_from(3));
	/* untrusted addresses fill their 24: 4 + 5 x 4 */
	for (int i = 0; i < 5; i++)
		CHECK_EQ_INT(open_kept(10 + i, 4, 4, b[i]), 4);
	/* a sixth untrusted address finds no room; the trusted one is served from the reserve */
	CHECK_EQ_INT(open_kept(20, 4, 0, c), 0);
	CHECK(served_from(1));
	/* the trusted address has no per-address cap: 8 connections (the reserve) kept */
	CHECK_EQ_INT(open_kept(1, 8, 8, t), 8);
	/* all 32 taken: not even the trusted address gets in now */
	CHECK_EQ_INT(open_kept(1, 1, 0, t + 8), 0);
	close_all(t, 9);
	close_all(a, 8);
	sleep_ms(300); /* the server sees them closed */
	CHECK(served_from(2));
	for (int i = 0; i < 5; i++)
		close_all(b[i], 4);
	close_all(c, 4);
	http_stop(s);
}

static void test_header_deadline(void)
{
	struct http_server *s = start(2); /* headers within 2 s */
	CHECK(s != NULL);
	if (!s)
		return;
	int fd = connect_from(1);
	CHECK(fd >= 0);
	/* a header line every 200 ms: never idle, never complete; cut within the 2 s deadline (allowing 20 s) */
	int closed = 0;
	ssize_t n = send(fd, "GET /healthz HTTP/1.1\r\n", 23, MSG_NOSIGNAL);
	for (int i = 0; i < 100 && n > 0 && !closed; i++) {
		n = send(fd, "X-Drip: 1\r\n", 11, MSG_NOSIGNAL);
		closed = closed_within(fd, 200);
	}
	CHECK(closed || n < 0);
	close(fd);
	/* a request that completes its headers in time is served on the same terms */
	CHECK(served_from(1));
	http_stop(s);
}

int main(void)
{
	RUN(test_limits_by_address);
	RUN(test_header_deadline);
	return check_failures != 0;
}
