/* The node's amendments sent to the charter's neutral witnesses (amend_forward.h). */
#include "node/amend_forward.h"
#include "node/node_internal.h"
#include "base/err.h"
#include "net/client.h"

#include <stdio.h>

struct forward {
	size_t acked;      /* amendments the witness acknowledged since start, in order */
	int64_t retry_at;  /* not before this time after a failure */
	int64_t backoff;   /* seconds; 0 after a success */
	int failing;       /* 0 the last try worked, 1 no answer (I/O, 5xx), 2 refused (4xx): logged at each change */
};

/* The pusher thread's: one pusher per node, so one table per node, fresh at each start. */
static _Thread_local struct forward table[MAX_TARGETS];

/* Sends amendment a to witness t. 0 when it answered 200; else -1, f updated and the failure logged. */
static int send_one(struct target *t, const struct amendment *a, struct forward *f)
{
	char url[SYNTAX_URL_MAX + 32], number[16];
	struct buf resp;
	long status = 0;
	buf_init(&resp, 4096);
	snprintf(number, sizeof number, "%u", a->number);
	int rc = client_url(url, sizeof url, t->url, "amendment");
	if (!rc)
		rc = client_post(url, "text/plain; charset=utf-8", a->note.data, a->note.len, &resp, &status,
				 AMEND_FORWARD_TIMEOUT);
	if (!rc && status == 200) {
		f->acked++;
		f->backoff = 0;
		f->retry_at = 0;
		if (f->failing)
			node_event(LOGLINE_INFO, "amendment_forward_recovered", "target", t->name, "number", number,
				   LOGLINE_END);
		f->failing = 0;
		buf_release(&resp);
		return 0;
	}
	int kind = !rc && status >= 400 && status < 500 ? 2 : 1;
	if (!rc)
		rc = err_set(kind == 2 ? ERR_VERIFY : ERR_IO, "%s: HTTP %ld %.*s", t->name, status,
			     (int)(resp.len > 200 ? 200 : resp.len), (const char *)resp.data);
	if (f->failing != kind)
		node_event(kind == 2 ? LOGLINE_ERROR : LOGLINE_WARN, "amendment_forward_failed", "target", t->name, "url",
			   t->url, "number", number, "error", err_msg(), LOGLINE_END);
	f->failing = kind;
	f->backoff = f->backoff ? f->backoff * 2 : 2;
	if (f->backoff > AMEND_FORWARD_BACKOFF_MAX)
		f->backoff = AMEND_FORWARD_BACKOFF_MAX;
	f->retry_at = node_now() + f->backoff;
	buf_release(&resp);
	return -1;
}

void amend_forward(struct node *n)
{
	const struct charter_history *h = node_history(n); /* a snapshot: never changes */
	int64_t now = node_now();
	for (size_t i = 0; i < n->ntargets && i < MAX_TARGETS && !n->stopping; i++) {
		struct target *t = &n->targets[i];
		struct forward *f = &table[i];
		if (!t->is_witness || f->acked >= h->n || f->retry_at > now)
			continue;
		for (int sent = 0; sent < AMEND_FORWARD_BATCH && f->acked < h->n && !n->stopping; sent++)
			if (send_one(t, h->am[f->acked], f))
				break;
	}
}
