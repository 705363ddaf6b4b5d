/* taxii_secret — see taxii_secret.h. */
#include "desk/taxii_secret.h"

#include "base/err.h"
#include "base/fileio.h"
#include "crypto/secret.h"

#include <errno.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>

static int well_formed(const char *p, size_t n)
{
	if (n != TAXII_SECRET_LEN + 1 || p[TAXII_SECRET_LEN] != '\n')
		return 0;
	for (size_t i = 0; i < TAXII_SECRET_LEN; i++) {
		char c = p[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
	}
	return 1;
}

int taxii_secret_load(const char *path, char out[TAXII_SECRET_LEN + 1])
{
	struct stat st;
	out[0] = 0;
	if (stat(path, &st) != 0) {
		if (errno != ENOENT)
			return err_set(ERR_IO, "%s: %s", path, strerror(errno));
		uint8_t key[32];
		char text[TAXII_SECRET_LEN + 2];
		randombytes_buf(key, sizeof key);
		sodium_bin2base64(text, sizeof text, key, sizeof key, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
		sodium_memzero(key, sizeof key);
		text[TAXII_SECRET_LEN] = '\n';
		int rc = file_write_atomic(path, text, TAXII_SECRET_LEN + 1, 0600, 1);
		if (!rc)
			memcpy(out, text, TAXII_SECRET_LEN);
		out[rc ? 0 : TAXII_SECRET_LEN] = 0;
		sodium_memzero(text, sizeof text);
		return rc == ERR_CONFLICT ? taxii_secret_load(path, out) : rc;
	}
	if (!S_ISREG(st.st_mode))
		return err_set(ERR_IO, "%s: not a regular file", path);
	if (st.st_mode & 077)
		return err_set(ERR_USAGE, "%s: group or others may read the TAXII secret (chmod 600 it)", path);
	struct secret_text t = {0};
	int rc = secret_read_file(path, TAXII_SECRET_LEN + 1, &t);
	if (rc == ERR_LIMIT || (!rc && !well_formed(t.data, t.len)))
		rc = err_set(ERR_FORMAT, "%s: not a TAXII secret (43 base64url characters and a newline)", path);
	if (!rc) {
		memcpy(out, t.data, TAXII_SECRET_LEN);
		out[TAXII_SECRET_LEN] = 0;
	}
	secret_text_free(&t);
	return rc;
}
