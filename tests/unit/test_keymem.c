/*
 * Secret key text is wiped after use (issue 13 hole 8): after keyfile_read +
 * keyfile_release, after age_identities_load + age_identities_free, and after
 * node_init and witness_server_init have copied a key file, no readable page
 * of this process holds the secret part of either key line.
 *
 * The test itself never holds the secret text: a child process generates the
 * key, writes the key file and an age identity file from sodium memory, and
 * sends back only the secret parts XOR-masked. The scan reads every readable
 * mapping through /proc/self/mem and compares unmasked bytes on the fly (the
 * letters folded to lower case, so an upper- or lower-case copy counts).
 */
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/age.h"
#include "crypto/keyfile.h"
#include "node/node.h"
#include "node/witness_server.h"
#include "check.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <sodium.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define MASK 0xA5
#define CHUNK (1 << 20)

static char dir[PATH_MAX], key_path[PATH_MAX + 16], id_path[PATH_MAX + 16], charter_path[PATH_MAX + 16];

/* The secret parts, masked: the base64 seed of the PRIVATE+KEY line, the data part of the AGE line. */
struct needle {
	uint8_t x[128];
	size_t n;
	const char *what;
};
static struct needle needles[2] = {{.what = "the PRIVATE+KEY seed"}, {.what = "the AGE-SECRET-KEY data"}};
static int quiet; /* while the scan's own check plants a copy on purpose */

static void mask(struct needle *nd, const char *s, size_t n)
{
	nd->n = n < sizeof nd->x ? n : sizeof nd->x;
	for (size_t i = 0; i < nd->n; i++)
		nd->x[i] = (uint8_t)tolower((unsigned char)s[i]) ^ MASK;
}

/* The child: keys into files, the masked secret parts into fd. Exits 0 or 1. */
static void child(int fd)
{
	struct keyfile k;
	char *id = sodium_malloc(AGE_IDENTITY_TEXT_MAX + 1);
	if (sodium_init() < 0 || !id || keyfile_generate(&k, "keymem.test") || keyfile_write(&k, key_path) ||
	    age_identity_encode(&k.age, id))
		_exit(1);
	char *sk = note_signer_format(&k.sign);
	if (!sk)
		_exit(1);
	size_t n = strlen(id);
	id[n] = '\n';
	int ifd = open(id_path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (ifd < 0 || fd_write_all(ifd, id, n + 1) || close(ifd))
		_exit(1);
	/* PRIVATE+KEY+<name>+<hash>+<base64>: the base64 may itself hold '+', names and hashes do not. */
	const char *seed = strchr(strchr(sk + 12, '+') + 1, '+') + 1;
	mask(&needles[0], seed, strlen(seed));
	mask(&needles[1], id + 16, n - 16);
	if (fd_write_all(fd, needles, sizeof needles))
		_exit(1);
	_exit(0);
}

static int make_keys(void)
{
	int p[2], st;
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(p[1]);
	}
	close(p[1]);
	struct buf b;
	buf_init(&b, sizeof needles);
	int rc = pid > 0 ? fd_read_all(p[0], sizeof needles, &b) : -1;
	close(p[0]);
	if (pid > 0 && (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)))
		rc = -1;
	if (!rc && b.len == sizeof needles)
		memcpy(needles, b.data, sizeof needles);
	else
		rc = -1;
	buf_release(&b);
	return rc;
}

/* Counts the places in [p, p + n) where needle nd starts, and reports the first at addr. */
static int find(const uint8_t *p, size_t n, const struct needle *nd, uintptr_t addr, const char *name)
{
	int found = 0;
	for (size_t i = 0; nd->n && i + nd->n <= n; i++) {
		size_t j = 0;
		while (j < nd->n && ((uint8_t)tolower(p[i + j]) ^ MASK) == nd->x[j])
			j++;
		if (j == nd->n) {
			if (!found && !quiet)
				fprintf(stderr, "  %s found at %#" PRIxPTR " in %s\n", nd->what, addr + i, name);
			found++;
		}
	}
	return found;
}

/*
 * Reads every readable mapping (except the scan buffer) through /proc/self/mem
 * and counts copies of the needles. -1 if the memory cannot be read at all.
 */
static int scan(void)
{
	uint8_t *chunk = mmap(NULL, CHUNK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	FILE *maps = fopen("/proc/self/maps", "r");
	int mem = open("/proc/self/mem", O_RDONLY | O_CLOEXEC);
	char line[PATH_MAX + 128];
	int found = 0, regions = 0;
	if (chunk == MAP_FAILED || !maps || mem < 0) {
		found = -1;
		goto out;
	}
	while (fgets(line, sizeof line, maps)) {
		uintptr_t lo, hi;
		char perms[8], name[PATH_MAX] = "";
		if (sscanf(line, "%" SCNxPTR "-%" SCNxPTR " %7s %*s %*s %*s %4095[^\n]", &lo, &hi, perms, name) < 3 ||
		    perms[0] != 'r' || lo == (uintptr_t)chunk || !strcmp(name, "[vvar]") || !strcmp(name, "[vsyscall]"))
			continue;
		/* Sanitizer shadow memory (terabytes, never touched by parley's code) is not read. */
		if (hi - lo > ((uintptr_t)1 << 32))
			continue;
		regions++;
		/* Overlap consecutive reads by 127 bytes, so a copy across a chunk border is found. */
		for (uintptr_t at = lo; at < hi;) {
			size_t want = hi - at < CHUNK ? hi - at : CHUNK;
			ssize_t r = pread(mem, chunk, want, (off_t)at);
			if (r <= 0)
				break;
			for (size_t i = 0; i < 2; i++)
				found += find(chunk, (size_t)r, &needles[i], at, name[0] ? name : "anonymous memory");
			if (at + (size_t)r >= hi || r < 128)
				break;
			at += (size_t)r - 127;
		}
	}
	if (!regions)
		found = -1;
out:
	if (chunk != MAP_FAILED) {
		memset(chunk, 0, CHUNK);
		munmap(chunk, CHUNK);
	}
	if (maps)
		fclose(maps);
	if (mem >= 0)
		close(mem);
	return found;
}

/* The scan itself works: a masked needle unmasked into memory is found, and gone once wiped. */
static void test_scan_finds_a_planted_copy(void)
{
	char *plant = malloc(sizeof needles[0].x);
	CHECK(plant != NULL);
	if (!plant)
		return;
	for (size_t i = 0; i < needles[1].n; i++)
		plant[i] = (char)(needles[1].x[i] ^ MASK);
	quiet = 1;
	CHECK(scan() >= 1);
	quiet = 0;
	sodium_memzero(plant, sizeof needles[0].x);
	free(plant);
	CHECK_EQ_INT(scan(), 0);
}

/*
 * Runs read_and_release in a forked child (this process's memory is clean, so
 * each case starts clean too) and returns the copies its scan finds, or -1.
 */
static int copies_after(int (*read_and_release)(void))
{
	int st;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		if (read_and_release()) {
			fprintf(stderr, "  reading failed: %s\n", err_msg());
			_exit(101);
		}
		int found = scan();
		_exit(found < 0 ? 102 : found > 100 ? 100 : found);
	}
	if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) > 100)
		return -1;
	return WEXITSTATUS(st);
}

static int keyfile_read_release(void)
{
	struct keyfile k;
	int rc = keyfile_read(&k, key_path);
	if (!rc)
		keyfile_release(&k);
	return rc;
}

static int age_identities_load_free(void)
{
	struct age_identity *ids;
	size_t n;
	int rc = age_identities_load(id_path, &ids, &n);
	if (!rc)
		age_identities_free(ids, n);
	return rc || n != 1;
}

/*
 * `parley node init` and `parley witness init` copy the key file into the new
 * directory. The charter here does not parse, so each stops after the copy
 * (the copy is all this checks); the key file was copied all the same.
 */
static int copy_into(int (*init)(const char *, const char *, const char *), const char *name)
{
	char d[PATH_MAX + 32], copied[PATH_MAX + 64];
	snprintf(d, sizeof d, "%s/%s", dir, name);
	snprintf(copied, sizeof copied, "%s/%s", d, init == node_init ? "node.key" : "witness.key");
	if (init(d, charter_path, key_path) == 0 || access(copied, F_OK) != 0) {
		fprintf(stderr, "  %s: the key file was not copied, or the bad charter was accepted\n", name);
		return -1;
	}
	return 0;
}

static int node_init_copy(void)
{
	return copy_into(node_init, "node");
}

static int witness_init_copy(void)
{
	return copy_into(witness_server_init, "witness");
}

static void test_node_init_key_copy_leaves_no_key_text(void)
{
	CHECK_EQ_INT(copies_after(node_init_copy), 0);
}

static void test_witness_init_key_copy_leaves_no_key_text(void)
{
	CHECK_EQ_INT(copies_after(witness_init_copy), 0);
}

static void test_keyfile_read_leaves_no_key_text(void)
{
	CHECK_EQ_INT(copies_after(keyfile_read_release), 0);
}

static void test_age_identity_file_leaves_no_key_text(void)
{
	CHECK_EQ_INT(copies_after(age_identities_load_free), 0);
}

int main(void)
{
	if (check_tmpdir(dir, sizeof dir, "keymem") != 0 || sodium_init() < 0) {
		fprintf(stderr, "cannot set up\n");
		return 1;
	}
	snprintf(key_path, sizeof key_path, "%s/k.key", dir);
	snprintf(id_path, sizeof id_path, "%s/id.txt", dir);
	snprintf(charter_path, sizeof charter_path, "%s/charter", dir);
	FILE *f = fopen(charter_path, "w");
	if (!f || fputs("not a charter\n", f) < 0 || fclose(f)) {
		fprintf(stderr, "cannot write %s\n", charter_path);
		return 1;
	}
	if (make_keys()) {
		fprintf(stderr, "cannot make the keys in a child process\n");
		return 1;
	}
	if (scan() != 0) {
		/* The keys were made in another process; a copy here would be the harness's fault. */
		fprintf(stderr, "the key text is in memory before the test reads it (or memory cannot be read)\n");
		return 1;
	}
	RUN(test_keyfile_read_leaves_no_key_text);
	RUN(test_age_identity_file_leaves_no_key_text);
	RUN(test_node_init_key_copy_leaves_no_key_text);
	RUN(test_witness_init_key_copy_leaves_no_key_text);
	RUN(test_scan_finds_a_planted_copy);
	check_rmtree(dir);
	CHECK_EXIT();
}
