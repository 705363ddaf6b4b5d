/*
 * taxii_secret — the credential of the desk's TAXII feed (docs/taxii.md), kept
 * so that a TAXII client configured once (OpenCTI's feed settings) keeps
 * working across restarts of the desk: the file holds 32 random bytes as
 * base64url without padding (43 characters) and a newline, mode 0600.
 */
#ifndef PARLEY_TAXII_SECRET_H
#define PARLEY_TAXII_SECRET_H

#define TAXII_SECRET_LEN 43

/*
 * Reads the secret at path, or creates the file with a new one if it does not
 * exist (atomically, never replacing one). out receives the 43 characters and
 * a NUL. ERR_FORMAT if the file does not hold exactly a secret of that form;
 * ERR_USAGE if group or others may read it (chmod 600); ERR_IO otherwise.
 * The file is never changed when it exists.
 */
int taxii_secret_load(const char *path, char out[TAXII_SECRET_LEN + 1]);

#endif
