/*
 * The HTTP server's connection limits (src/httpd/http.c), from several loopback
 * source addresses (127.0.0.0/8 only): an untrusted address is capped, the
 * untrusted addresses together cannot take the reserve, a trusted address has
 * no per-address cap and gets in while the others are full; a request whose
 * headers trickle in is cut at the deadline, and so is a body that trickles in
 * below the minimum rate; request bodies share a byte budget (503 when a
 * declared body does not fit, a share kept for the trusted address), and IPv6
 * addresses are counted by their /64.
 */
#include "base/err.h"
#include "httpd/http.h"
#include "check.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static unsigned port;

/* The three digits of a status code at p; 0 if there are none. */
static int atoi_status(const char *p)
{
	if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
		return 0;
	return (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
}

static void h_ok(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx, (void)req;
	http_text(resp, 200, "ok");
}

/* Answers 200 "got N" with the body's length. */
static void h_len(void *ctx, const struct http_request *req, struct http_response *resp)
{
	(void)ctx;
	http_text(resp, 200, "got %zu", req->body_len);
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

/* 1 once the server has closed fd, reading (and dropping) what it sends until then (waits up to ms). */
static int eof_within(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};
	char got[4096];
	while (poll(&p, 1, ms) > 0) {
		ssize_t n = recv(fd, got, sizeof got, 0);
		if (n <= 0)
			return 1;
	}
	return 0;
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

static struct http_server *start_budget(unsigned timeout_s, size_t budget, size_t reserve)
{
	static const struct http_route routes[] = {{"GET", "/healthz", 0, NULL, h_ok, 0, 0},
						   {"POST", "/up", 4u << 20, NULL, h_len, 0, 0}};
	struct http_addr trusted = {.family = AF_INET, .a = {127, 0, 0, 1}};
	/* 32 connections; untrusted addresses: 4 each, 24 together (8 kept for 127.0.0.1) */
	struct http_limits lim = {.connections = 32, .per_address = 4, .reserve = 8, .timeout_s = timeout_s, .threads = 1,
				  .workers = 1, .trusted = &trusted, .ntrusted = 1, .body_budget = budget, .body_reserve = reserve};
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
		if (http_start(&s, addr, routes, sizeof routes / sizeof routes[0], NULL, &lim))
			s = NULL;
	}
	return s;
}

static struct http_server *start(unsigned timeout_s)
{
	return start_budget(timeout_s, 0, 0);
}

/*
 * Reads from fd until a response's status line is in (up to 10 s); its
 * status, or 0 if the connection closed or nothing came.
 */
static int status_of(int fd)
{
	char got[256];
	size_t len = 0;
	struct pollfd p = {.fd = fd, .events = POLLIN};
	while (len < sizeof got - 1 && !memchr(got, '\n', len) && poll(&p, 1, 10000) > 0) {
		ssize_t n = recv(fd, got + len, sizeof got - 1 - len, 0);
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	got[len] = 0;
	const char *line = got + strspn(got, "\r\n"); /* what is left of an earlier response's head */
	return !strncmp(line, "HTTP/1.1 ", 9) ? atoi_status(line + 9) : 0;
}

/*
 * Sends the headers of POST /up declaring len bytes from 127.0.0.<from>, with
 * "Expect: 100-continue", so the server answers 100 once it has taken the
 * headers (and reserved the body), or refuses at once. The connection in *fd
 * (-1 if none); the status of that first answer.
 */
static int post_head(int from, size_t len, int *fd)
{
	char head[256];
	*fd = connect_from(from);
	if (*fd < 0)
		return 0;
	int n = snprintf(head, sizeof head, "POST /up HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n"
					     "Expect: 100-continue\r\nConnection: close\r\n\r\n", len);
	if (send(*fd, head, (size_t)n, MSG_NOSIGNAL) != n)
		return 0;
	return status_of(*fd);
}

/* Sends len bytes of body on fd; the status of the answer (0 if none). */
static int post_body(int fd, size_t len)
{
	static char chunk[65536];
	for (size_t sent = 0; sent < len;) {
		size_t k = len - sent < sizeof chunk ? len - sent : sizeof chunk;
		ssize_t n = send(fd, chunk, k, MSG_NOSIGNAL);
		if (n <= 0)
			return 0;
		sent += (size_t)n;
	}
	return status_of(fd);
}

/* A whole POST /up of len bytes from 127.0.0.<from>: the final status (the first if not 100). */
static int post(int from, size_t len)
{
	int fd, st = post_head(from, len, &fd);
	if (st == 100)
		st = post_body(fd, len);
	if (fd >= 0)
		close(fd);
	return st;
}

static void test_body_budget(void)
{
	/* 1 MiB of bodies at once; 256 KiB of it kept for the trusted 127.0.0.1 */
	struct http_server *s = start_budget(60, 1u << 20, 256u << 10);
	CHECK(s != NULL);
	if (!s)
		return;
	int hold, fd;
	/* 700 KiB declared and held (the body never comes): reserved */
	CHECK_EQ_INT(post_head(2, 700u << 10, &hold), 100);
	/* another address's 200 KiB does not fit in the 768 KiB others may use: 503 at once, closed unread */
	CHECK_EQ_INT(post_head(3, 200u << 10, &fd), 503);
	CHECK(fd >= 0 && eof_within(fd, 10000));
	if (fd >= 0)
		close(fd);
	/* the trusted address's 200 KiB goes into its share */
	CHECK_EQ_INT(post(1, 200u << 10), 200);
	/* 60 KiB still fits beside the 700 held (and is released when it ends: twice) */
	CHECK_EQ_INT(post(3, 60u << 10), 200);
	CHECK_EQ_INT(post(3, 60u << 10), 200);
	/* the holder sends a little of its body, then hangs up: its 700 KiB come back */
	CHECK(send(hold, "abc", 3, MSG_NOSIGNAL) == 3);
	sleep_ms(200);
	close(hold);
	int st = 0;
	for (int i = 0; i < 100 && st != 200; i++) { /* until the server has seen the close (up to 20 s) */
		st = post(3, 700u << 10);
		if (st != 200)
			sleep_ms(200);
	}
	CHECK_EQ_INT(st, 200);
	/* a body over the whole budget (the route takes 4 MiB) is served when it is alone */
	CHECK_EQ_INT(post(2, 2u << 20), 200);
	CHECK_EQ_INT(post(2, 1000), 200);
	http_stop(s);
}

static void test_body_deadline(void)
{
	struct http_server *s = start(2); /* 2 s of grace, then 16 KiB/s */
	CHECK(s != NULL);
	if (!s)
		return;
	int fd;
	/* 2,000 bytes declared (due within about 2.1 s), sent a byte every 200 ms: never idle; cut (allowing 20 s) */
	CHECK_EQ_INT(post_head(2, 2000, &fd), 100);
	int closed = 0;
	ssize_t n = 1;
	for (int i = 0; i < 100 && n > 0 && !closed; i++) {
		n = send(fd, "x", 1, MSG_NOSIGNAL);
		closed = closed_within(fd, 200);
	}
	CHECK(closed || n < 0);
	if (fd >= 0)
		close(fd);
	/* a body that comes at once is served; so is the next from the same address */
	CHECK_EQ_INT(post(2, 2000), 200);
	CHECK(served_from(2));
	http_stop(s);
}

static void test_ipv6_grouped_by_64(void)
{
	struct http_addr a = {.family = AF_INET6}, b = {.family = AF_INET6}, c = {.family = AF_INET6}, ga, gb, gc;
	inet_pton(AF_INET6, "2001:db8:1:2::1", a.a);
	inet_pton(AF_INET6, "2001:db8:1:2:ffff:ee:dd:5", b.a);
	inet_pton(AF_INET6, "2001:db8:1:3::1", c.a);
	http_addr_group(&a, &ga);
	http_addr_group(&b, &gb);
	http_addr_group(&c, &gc);
	CHECK(ga.family == AF_INET6 && !memcmp(ga.a, gb.a, 16)); /* one /64: one group */
	CHECK(memcmp(ga.a, gc.a, 16) != 0);                      /* the next /64: another */
	struct http_addr v4 = {.family = AF_INET, .a = {127, 0, 0, 2}}, v4b = {.family = AF_INET, .a = {127, 0, 0, 3}}, g4, g4b;
	http_addr_group(&v4, &g4);
	http_addr_group(&v4b, &g4b);
	CHECK(g4.family == AF_INET && !memcmp(g4.a, v4.a, 4) && memcmp(g4.a, g4b.a, 4) != 0); /* IPv4: each its own */
}

/* A connection to [::1]:port; -1 if none. */
static int connect6(void)
{
	int fd = socket(AF_INET6, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_in6 dst = {.sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port), .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	if (fd >= 0 && connect(fd, (struct sockaddr *)&dst, sizeof dst) == 0)
		return fd;
	if (fd >= 0)
		close(fd);
	return -1;
}

/* The per-address cap on a real IPv6 socket (::1, its /64 a group of its own): 4 of 8 kept. */
static void test_ipv6_cap(void)
{
	static const struct http_route routes[] = {{"GET", "/healthz", 0, NULL, h_ok, 0, 0}};
	struct http_limits lim = {.connections = 32, .per_address = 4, .reserve = 8, .timeout_s = 60, .threads = 1, .workers = 1};
	struct http_server *s = NULL;
	for (int attempt = 0; attempt < 20 && !s; attempt++) {
		int probe = socket(AF_INET6, SOCK_STREAM, 0);
		struct sockaddr_in6 a = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
		socklen_t al = sizeof a;
		if (probe < 0 || bind(probe, (struct sockaddr *)&a, sizeof a) || getsockname(probe, (struct sockaddr *)&a, &al)) {
			if (probe >= 0)
				close(probe);
			printf("SKIP test_http.c:test_ipv6_cap: no IPv6 loopback here\n");
			return;
		}
		port = ntohs(a.sin6_port);
		close(probe);
		char addr[32];
		snprintf(addr, sizeof addr, "[::1]:%u", port);
		if (http_start(&s, addr, routes, 1, NULL, &lim))
			s = NULL;
	}
	CHECK(s != NULL);
	if (!s)
		return;
	int fds[8], kept = 8;
	for (int i = 0; i < 8; i++)
		fds[i] = connect6();
	for (int round = 0; round < 1000 && kept > 4; round++) { /* until the server has closed the 4 over the cap (up to 20 s) */
		kept = 0;
		for (int i = 0; i < 8; i++) {
			if (fds[i] >= 0 && closed_within(fds[i], 0)) {
				close(fds[i]);
				fds[i] = -1;
			}
			kept += fds[i] >= 0;
		}
		if (kept > 4)
			sleep_ms(20);
	}
	CHECK_EQ_INT(kept, 4);
	close_all(fds, 8);
	http_stop(s);
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
	RUN(test_body_budget);
	RUN(test_body_deadline);
	RUN(test_ipv6_grouped_by_64);
	RUN(test_ipv6_cap);
	return check_failures != 0;
}
