#include "crypto/keyfile.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int keyfile_generate(struct keyfile *k, const char *name)
{
	memset(k, 0, sizeof *k);
	int rc = note_signer_generate(&k->sign, name, NOTE_ED25519);
	if (!rc && (rc = age_identity_generate(&k->age)))
		keyfile_release(k);
	return rc;
}

int keyfile_write(const struct keyfile *k, const char *path)
{
	char *sk = note_signer_format(&k->sign);
	if (!sk)
		return err_set(ERR_NOMEM, "out of secure memory");
	size_t cap = strlen(sk) + 2 * NOTE_NAME_MAX + 256;
	char *text = sodium_malloc(cap);
	char *age = sodium_malloc(AGE_IDENTITY_TEXT_MAX);
	if (!text || !age || age_identity_encode(&k->age, age)) {
		sodium_free(sk), sodium_free(text), sodium_free(age);
		return err_set(ERR_NOMEM, "out of secure memory");
	}
	int n = snprintf(text, cap, "# parley secret key for %s: keep it private\n%s\n%s\n", k->sign.name, sk, age);
	sodium_free(age);
	int rc = file_write_atomic(path, text, (size_t)n, 0600, 1);
	sodium_free(text);
	sodium_free(sk);
	return rc;
}

int keyfile_parse(struct keyfile *k, const char *text, size_t len)
{
	memset(k, 0, sizeof *k);
	size_t pos = 0, line_no = 0;
	int have_sign = 0, have_age = 0, rc = 0;
	while (pos < len) {
		const char *line = text + pos;
		const char *nl = memchr(line, '\n', len - pos);
		size_t llen = nl ? (size_t)(nl - line) : len - pos;
		pos += llen + (nl ? 1 : 0);
		line_no++;
		if (llen == 0 || line[0] == '#')
			continue;
		if (llen >= 12 && !memcmp(line, "PRIVATE+KEY+", 12)) {
			if (have_sign) {
				rc = err_set(ERR_FORMAT, "line %zu: a second signing key", line_no);
				break;
			}
			if ((rc = note_signer_parse(&k->sign, line, llen))) {
				err_wrap(rc, "line %zu", line_no);
				break;
			}
			if (k->sign.type != NOTE_ED25519) {
				rc = err_set(ERR_FORMAT, "line %zu: the signing key must be of type Ed25519 (0x01)", line_no);
				break;
			}
			have_sign = 1;
			continue;
		}
		if (llen >= 16 && !memcmp(line, "AGE-SECRET-KEY-1", 16)) {
			if (have_age) {
				rc = err_set(ERR_FORMAT, "line %zu: a second age identity", line_no);
				break;
			}
			if ((rc = age_identity_decode(&k->age, line, llen))) {
				err_wrap(rc, "line %zu", line_no);
				break;
			}
			have_age = 1;
			continue;
		}
		rc = err_set(ERR_FORMAT, "line %zu: not a key this version of parley knows", line_no);
		break;
	}
	if (!rc && !have_sign)
		rc = err_set(ERR_FORMAT, "no signing key (PRIVATE+KEY+...) in the key file");
	if (!rc && !have_age)
		rc = err_set(ERR_FORMAT, "no age identity (AGE-SECRET-KEY-1...) in the key file");
	if (rc)
		keyfile_release(k);
	return rc;
}

int keyfile_read(struct keyfile *k, const char *path)
{
	struct stat st;
	struct secret_text t = {0};
	int rc = 0;
	memset(k, 0, sizeof *k);
	/* The mode is checked on the file read (fstat), not on a name that may change between. */
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? err_set(ERR_NOTFOUND, "key file %s: no such file", path)
				       : err_set(ERR_IO, "key file %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0)
		rc = err_set(ERR_IO, "key file %s: %s", path, strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = err_set(ERR_IO, "key file %s: is a directory", path);
	else if (st.st_mode & 077)
		rc = err_set(ERR_USAGE, "key file %s can be read by others (mode %04o); run chmod 600 %s", path,
			     (unsigned)(st.st_mode & 07777), path);
	/* Straight into wiped memory: see crypto/secret.h. */
	else if ((rc = secret_read_fd(fd, KEYFILE_MAX_SIZE, &t)))
		err_wrap(rc, "key file %s", path);
	else if ((rc = keyfile_parse(k, t.data, t.len)))
		err_wrap(rc, "key file %s", path);
	close(fd);
	secret_text_free(&t);
	return rc;
}

int keyfile_copy(const char *from, const char *to)
{
	struct secret_text t;
	int rc = secret_read_file(from, KEYFILE_MAX_SIZE, &t);
	if (rc)
		err_wrap(rc, "key file");
	else
		rc = file_write_atomic(to, t.data, t.len, 0600, 1);
	secret_text_free(&t);
	return rc;
}

void keyfile_release(struct keyfile *k)
{
	note_signer_release(&k->sign);
	age_identity_free(&k->age);
}
