/* The POST /bodies wire format: requests are whole hashes, answers split exactly or are refused. */
#include "base/err.h"
#include "node/body_batch.h"
#include "check.h"

struct seen {
	size_t n;
	size_t len[8];
	const uint8_t *at[8];
};

static int collect(void *ctx, size_t i, const uint8_t *body, size_t len)
{
	struct seen *s = ctx;
	if (i != s->n || s->n == 8)
		return ERR_USAGE;
	s->len[s->n] = len;
	s->at[s->n++] = body;
	return 0;
}

static void test_request_shape(void)
{
	uint8_t req[BODY_BATCH_REQUEST_MAX + 32] = {0};
	size_t n = 0;
	CHECK_EQ_INT(body_batch_request_check(req, 32, &n), 0);
	CHECK_EQ_INT(n, 1);
	CHECK_EQ_INT(body_batch_request_check(req, BODY_BATCH_REQUEST_MAX, &n), 0);
	CHECK_EQ_INT(n, BODY_BATCH_MAX_HASHES);
	CHECK_EQ_INT(body_batch_request_check(req, 0, &n), ERR_FORMAT);
	CHECK_EQ_INT(body_batch_request_check(req, 33, &n), ERR_FORMAT);
	CHECK(strstr(err_msg(), "whole number") != NULL);
	CHECK_EQ_INT(body_batch_request_check(req, BODY_BATCH_REQUEST_MAX + 32, &n), ERR_FORMAT);
}

static void test_round_trip(void)
{
	struct buf a;
	buf_init(&a, 1 << 20);
	CHECK_EQ_INT(body_batch_append(&a, (const uint8_t *)"first", 5), 0);
	CHECK_EQ_INT(body_batch_append(&a, (const uint8_t *)"", 0), 0); /* an empty body is a body */
	CHECK_EQ_INT(body_batch_append(&a, (const uint8_t *)"third body", 10), 0);
	CHECK_EQ_INT(a.len, 3 * 4 + 15);
	CHECK(!memcmp(a.data, "\0\0\0\5first", 9));
	struct seen s = {0};
	size_t count = 99;
	CHECK_EQ_INT(body_batch_parse(a.data, a.len, 3, 100, collect, &s, &count), 0);
	CHECK_EQ_INT(count, 3);
	CHECK_EQ_INT(s.len[0], 5);
	CHECK_EQ_INT(s.len[1], 0);
	CHECK_EQ_INT(s.len[2], 10);
	CHECK(!memcmp(s.at[2], "third body", 10));
	/* fewer than asked is a partial answer: the client asks again for the rest */
	s.n = 0;
	CHECK_EQ_INT(body_batch_parse(a.data, a.len, 5, 100, collect, &s, &count), 0);
	CHECK_EQ_INT(count, 3);
	buf_release(&a);
}

static void test_refusals(void)
{
	struct buf a;
	buf_init(&a, 1 << 20);
	body_batch_append(&a, (const uint8_t *)"first", 5);
	body_batch_append(&a, (const uint8_t *)"second", 6);
	struct seen s = {0};
	size_t count;
	/* more bodies than asked */
	CHECK_EQ_INT(body_batch_parse(a.data, a.len, 1, 100, collect, &s, &count), ERR_FORMAT);
	CHECK(strstr(err_msg(), "more than") != NULL);
	/* every truncation: in a length, or in a body */
	for (size_t cut = 1; cut < a.len; cut++) {
		s.n = 0;
		int rc = body_batch_parse(a.data, cut, 2, 100, collect, &s, &count);
		if (cut == 9) /* exactly the first body: a partial answer */
			CHECK_EQ_INT(rc, 0);
		else
			CHECK_EQ_INT(rc, ERR_FORMAT);
	}
	/* a body over the limit, and an answer with none */
	s.n = 0;
	CHECK_EQ_INT(body_batch_parse(a.data, a.len, 2, 5, collect, &s, &count), ERR_FORMAT);
	CHECK(strstr(err_msg(), "over the limit") != NULL);
	CHECK_EQ_INT(body_batch_parse(a.data, 0, 2, 100, collect, &s, &count), ERR_FORMAT);
	/* the callback's refusal stops the parse and is returned */
	s.n = 8;
	CHECK_EQ_INT(body_batch_parse(a.data, a.len, 2, 100, collect, &s, &count), ERR_USAGE);
	buf_release(&a);
}

int main(void)
{
	RUN(test_request_shape);
	RUN(test_round_trip);
	RUN(test_refusals);
	CHECK_EXIT();
}
