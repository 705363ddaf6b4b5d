#include "net/client.h"
#include "base/err.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int client_global_init(void)
{
	static int done;
	if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != 0)
		return err_set(ERR_IO, "libcurl failed to initialise");
	done = 1;
	return 0;
}

struct sink {
	struct buf *out;
	int too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *ctx)
{
	struct sink *s = ctx;
	if (buf_append(s->out, p, size * n)) {
		s->too_big = 1;
		return 0; /* aborts the transfer */
	}
	return size * n;
}

static int perform(CURL *c, const char *url, struct buf *out, long *status, long timeout_s, int files)
{
	struct sink s = {out, 0};
	char errbuf[CURL_ERROR_SIZE] = "";
	buf_reset(out);
	*status = 0;
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, timeout_s);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, timeout_s < 5 ? timeout_s : 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, files ? "http,https,file" : "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
	CURLcode r = curl_easy_perform(c);
	if (s.too_big)
		return err_set(ERR_LIMIT, "%s: response larger than %zu bytes", url, out->max);
	if (files && !strncmp(url, "file:", 5)) {
		/* a file has no status: answer as a static web server would */
		if (r == CURLE_FILE_COULDNT_READ_FILE) {
			buf_reset(out);
			*status = 404;
			return 0;
		}
		if (r == CURLE_OK) {
			*status = 200;
			return 0;
		}
	}
	if (r != CURLE_OK)
		return err_set(ERR_IO, "%s: %s", url, errbuf[0] ? errbuf : curl_easy_strerror(r));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
	return 0;
}

int client_get(const char *url, struct buf *out, long *status, long timeout_s)
{
	CURL *c = curl_easy_init();
	if (!c)
		return err_set(ERR_NOMEM, "libcurl: out of memory");
	int rc = perform(c, url, out, status, timeout_s, 0);
	curl_easy_cleanup(c);
	return rc;
}

struct client_session {
	CURL *c;
	int files; /* file:// URLs allowed */
};

int client_session_open(struct client_session **s)
{
	*s = calloc(1, sizeof **s);
	if (!*s || !((*s)->c = curl_easy_init())) {
		free(*s);
		*s = NULL;
		return err_set(ERR_NOMEM, "libcurl: out of memory");
	}
	return 0;
}

int client_session_get(struct client_session *s, const char *url, struct buf *out, long *status, long timeout_s)
{
	curl_easy_setopt(s->c, CURLOPT_HTTPGET, 1L); /* the handle may have POSTed before */
	return perform(s->c, url, out, status, timeout_s, s->files);
}

void client_session_allow_files(struct client_session *s)
{
	s->files = 1;
}

void client_session_close(struct client_session *s)
{
	if (!s)
		return;
	curl_easy_cleanup(s->c);
	free(s);
}

int client_session_post(struct client_session *s, const char *url, const char *content_type, const void *body,
			size_t len, struct buf *out, long *status, long timeout_s)
{
	CURL *c = s->c;
	char header[256];
	snprintf(header, sizeof header, "Content-Type: %s", content_type);
	struct curl_slist *h = curl_slist_append(NULL, header);
	struct curl_slist *h2 = h ? curl_slist_append(h, "Expect:") : NULL;
	if (!h2) {
		curl_slist_free_all(h);
		return err_set(ERR_NOMEM, "libcurl: out of memory");
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h2);
	curl_easy_setopt(c, CURLOPT_POST, 1L);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	int rc = perform(c, url, out, status, timeout_s, 0);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL); /* the list goes now; the handle may be used again */
	curl_slist_free_all(h2);
	return rc;
}

int client_post(const char *url, const char *content_type, const void *body, size_t len, struct buf *out,
		long *status, long timeout_s)
{
	struct client_session *s;
	int rc = client_session_open(&s);
	if (rc)
		return rc;
	rc = client_session_post(s, url, content_type, body, len, out, status, timeout_s);
	client_session_close(s);
	return rc;
}

int client_url(char *out, size_t outsz, const char *base, const char *path)
{
	size_t bl = strlen(base);
	while (bl && base[bl - 1] == '/')
		bl--;
	while (*path == '/')
		path++;
	if (snprintf(out, outsz, "%.*s/%s", (int)bl, base, path) >= (int)outsz)
		return err_set(ERR_USAGE, "URL too long");
	return 0;
}
