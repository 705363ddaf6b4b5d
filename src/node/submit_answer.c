/* submit_answer — a sequenced submission's proof as the HTTP answer (submit_answer.h). */
#include "node/submit_answer.h"
#include "base/err.h"
#include "tlog/checkpoint.h"
#include "tlog/proof.h"
#include "tlog/tiles.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static pthread_key_t tile_reader_key;
static pthread_once_t tile_reader_once = PTHREAD_ONCE_INIT;

static void make_tile_reader_key(void)
{
	pthread_key_create(&tile_reader_key, free);
}

static struct tile_reader *thread_tile_reader(int log_fd)
{
	pthread_once(&tile_reader_once, make_tile_reader_key);
	struct tile_reader *tr = pthread_getspecific(tile_reader_key);
	if (!tr && (tr = malloc(sizeof *tr))) {
		tile_reader_init(tr, log_fd, 0);
		if (pthread_setspecific(tile_reader_key, tr) != 0) {
			free(tr);
			tr = NULL;
		}
	}
	return tr;
}

int submit_answer_proof(int log_fd, uint64_t index, const struct buf *cp, struct http_response *resp)
{
	merkle_hash path[MERKLE_MAX_PROOF];
	size_t np;
	struct checkpoint c;
	struct tile_reader *tr = thread_tile_reader(log_fd);
	int rc = checkpoint_parse_unverified(&c, cp->data, cp->len);
	if (!rc && !tr)
		rc = err_set(ERR_NOMEM, "out of memory");
	if (!rc) {
		struct merkle_source src;
		tile_reader_resize(tr, c.size);
		tile_reader_source(tr, &src);
		rc = merkle_prove_inclusion(&src, index, c.size, path, &np);
	}
	if (!rc)
		rc = tlog_proof_format(&resp->body, index, (const merkle_hash *)path, np, cp->data, cp->len, NULL, 0);
	if (rc)
		return rc;
	resp->status = 200;
	resp->content_type = "text/plain; charset=utf-8";
	snprintf(resp->extra_header, sizeof resp->extra_header, "X-Parley-Index: %" PRIu64, index);
	return 0;
}
