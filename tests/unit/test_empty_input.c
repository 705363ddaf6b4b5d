/*
 * Every parser of bytes from the network takes an empty input as (NULL, 0)
 * as well as (pointer, 0): refused with a reason, never undefined behaviour
 * (memchr or memcmp on a null pointer). Meaningful under
 * `make SANITIZE=address,undefined`, where UBSan aborts on such a call.
 */
#include "base/err.h"
#include "node/body_batch.h"
#include "node/submit.h"
#include "witness/witness.h"
#include "check.h"

#include <stdlib.h>
#include <unistd.h>

static int never(void *ctx, size_t i, const uint8_t *body, size_t len)
{
	(void)ctx, (void)i, (void)body, (void)len;
	return ERR_USAGE;
}

static void test_submit_check_empty(void)
{
	static struct charter ch; /* not reached: the framing is refused first */
	struct charter_history h;
	struct submission s;
	history_init(&h, &ch);
	err_clear();
	CHECK_EQ_INT(submit_check(&s, NULL, 0, &h, "us", 1700000000, 900), 400);
	CHECK_MSG("parley-submit v1");
	submission_release(&s);
	CHECK_EQ_INT(submit_check(&s, (const uint8_t *)"", 0, &h, "us", 1700000000, 900), 400);
	submission_release(&s);
}

static void test_witness_request_empty(void)
{
	struct witness_request r;
	err_clear();
	CHECK_EQ_INT(witness_request_parse(&r, NULL, 0), ERR_FORMAT);
	CHECK_MSG("old <size>");
	CHECK_EQ_INT(witness_request_parse(&r, (const uint8_t *)"", 0), ERR_FORMAT);
}

static void test_witness_add_checkpoint_empty(void)
{
	char dir[] = "/tmp/parley-test-empty.XXXXXX";
	CHECK(mkdtemp(dir) != NULL);
	struct note_signer cos;
	struct witness *w = NULL;
	CHECK(note_signer_generate(&cos, "empty.witness", NOTE_COSIGNATURE) == 0);
	CHECK(witness_open(&w, dir, &cos, NULL, 0) == 0);
	struct buf resp;
	buf_init(&resp, 1 << 16);
	int status = 0;
	const char *ct;
	CHECK(w && witness_add_checkpoint(w, NULL, 0, 1700000000, &status, &ct, &resp) == 0);
	CHECK_EQ_INT(status, 400);
	buf_release(&resp);
	witness_close(w);
	note_signer_release(&cos);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
}

static void test_body_batch_empty(void)
{
	size_t n = 99, count = 99;
	err_clear();
	CHECK_EQ_INT(body_batch_request_check(NULL, 0, &n), ERR_FORMAT);
	CHECK_MSG("no body hashes");
	CHECK_EQ_INT(body_batch_parse(NULL, 0, 3, 100, never, NULL, &count), ERR_FORMAT);
	CHECK_EQ_INT(count, 0);
}

int main(void)
{
	RUN(test_submit_check_empty);
	RUN(test_witness_request_empty);
	RUN(test_witness_add_checkpoint_empty);
	RUN(test_body_batch_empty);
	return check_failures != 0;
}
