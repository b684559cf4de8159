/*
 * fuzz_config: the config reader (config.c, inifile.c, keys.c, parse.c)
 * on a whole file and the files it includes.  The input is cut at each
 * line "%%%%" into files: the first is t.ini, the others inc/N.ini, in a
 * temp dir of the fuzzer's own, where an include of inc/N.ini (or of a
 * glob of inc) reads them.
 * Inputs with an include that could reach outside that dir (an absolute
 * path, "..") are skipped: the reader must not wander the real system.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

#define MAX_FILES 8
#define SEPARATOR "\n%%%%\n"
/*
 * Longer inputs are skipped (fuzz.sh gives -max_len as much): eight files
 * of dozens of lines fit, and every check of the reader is about a line,
 * a section, a key or an include, never about a file's size (the 16 MiB
 * limit has a unit test).
 */
#define MAX_INPUT_LEN 16384

static char dir[64];

/*
 * Files of the last input: those it had that this one has not go.  At
 * first, any a run before may have left in the dir.
 */
static size_t last_nfiles = MAX_FILES;

/*
 * One write(2) into a file truncated in place: no stdio buffer, and the
 * same names every time, in a dir that is a tmpfs where there is one
 * (fuzz.sh), so that an input costs a few system calls, not a disk.
 */
static int
write_file(const char *path, const uint8_t *data, size_t len)
{
	ssize_t n;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0600)) == -1)
		return -1;
	while (len > 0) {
		if ((n = write(fd, data, len)) <= 0) {
			close(fd);
			return -1;
		}
		data += n;
		len -= (size_t)n;
	}
	return close(fd);
}

/* A byte that can be part of a relative path's first component here. */
static int
path_byte(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') ||
	    (c != 0 && strchr("_-.*?[]", c) != NULL);
}

/*
 * Could an include in the input lead out of the temp dir?  A "/" that
 * does not follow a byte of a relative path could begin an absolute one:
 * after a value's leading white space (a form feed too), a quote, "=" or
 * any byte the reader might take as a separator.  A glob of the real
 * root, a form feed then a slash and a star, took seconds an input.
 */
static int
escapes(const uint8_t *data, size_t size)
{
	size_t i;

	if (memmem(data, size, "include", 7) == NULL)
		return 0;
	for (i = 0; i < size; i++) {
		if (data[i] == '.' && i + 1 < size && data[i + 1] == '.')
			return 1;
		if (data[i] == '/' && (i == 0 || !path_byte(data[i - 1])))
			return 1;
	}
	return 0;
}

/* Leave no temp dir behind. */
static void
cleanup(void)
{
	char path[32];
	size_t i;

	for (i = 1; i < MAX_FILES; i++) {
		snprintf(path, sizeof(path), "%s/inc/%zu.ini", dir, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "%s/t.ini", dir);
	unlink(path);
	snprintf(path, sizeof(path), "%s/inc", dir);
	rmdir(path);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	/*
	 * libFuzzer may end with _Exit, past atexit: FUZZ_CONFIG_DIR names a
	 * dir to work in that the caller removes (fuzz.sh, meson test).
	 * Else a temp dir, in memory where there is a tmpfs for it.
	 */
	if (getenv("FUZZ_CONFIG_DIR") != NULL &&
	    strlen(getenv("FUZZ_CONFIG_DIR")) < sizeof(dir)) {
		snprintf(dir, sizeof(dir), "%s", getenv("FUZZ_CONFIG_DIR"));
		if ((mkdir(dir, 0700) == -1 && errno != EEXIST) ||
		    chdir(dir) == -1 ||
		    (mkdir("inc", 0700) == -1 && errno != EEXIST))
			abort();
		return 0;
	}
	if (access("/dev/shm", W_OK) == 0)
		snprintf(dir, sizeof(dir), "/dev/shm/fuzz_config.XXXXXX");
	else
		snprintf(dir, sizeof(dir), "/tmp/fuzz_config.XXXXXX");
	if (mkdtemp(dir) == NULL || chdir(dir) == -1 ||
	    mkdir("inc", 0700) == -1)
		abort();
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct errlist errs = { NULL, 0, 0 };
	struct config cfg;
	const uint8_t *end, *p = data;
	char path[32];
	size_t left = size, n, nfiles = 0, i;
	int r;

	if (size > MAX_INPUT_LEN || escapes(data, size) ||
	    memmem(data, size, "\0", 1) != NULL)
		return 0;
	while (nfiles < MAX_FILES) {
		end = memmem(p, left, SEPARATOR, strlen(SEPARATOR));
		n = end != NULL ? (size_t)(end - p) : left;
		if (nfiles == 0)
			snprintf(path, sizeof(path), "t.ini");
		else
			snprintf(path, sizeof(path), "inc/%zu.ini", nfiles);
		if (write_file(path, p, n) == -1)
			abort();
		nfiles++;
		if (end == NULL)
			break;
		p = end + strlen(SEPARATOR);
		left -= n + strlen(SEPARATOR);
	}
	r = config_load("t.ini", -1, &cfg, &errs);
	if (r < 0 || (size_t)r != errs.len)
		abort();
	for (i = 0; i < errs.len; i++)
		if (errs.msg[i] == NULL || errs.msg[i][0] == '\0')
			abort();
	if (r == 0) {
		if (cfg.nworkers == 0)
			abort();	/* one or more, or an error */
		for (i = 0; i < cfg.nworkers; i++)
			if (!config_worker_same(&cfg.workers[i],
			    &cfg.workers[i]) ||
			    (cfg.workers[i].argv == NULL &&
			    cfg.workers[i].plugin == NULL))
				abort();
		config_free(&cfg);
	}
	errlist_free(&errs);
	for (i = nfiles; i < last_nfiles; i++) {
		snprintf(path, sizeof(path), "inc/%zu.ini", i);
		unlink(path);
	}
	last_nfiles = nfiles;
	return 0;
}
