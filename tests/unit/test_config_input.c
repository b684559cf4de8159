/*
 * Unit tests of what config_load accepts as input (config.c, inifile.c,
 * keys.c): the main file and each included one must be a regular file of
 * at most 16 MiB, judged on the opened descriptor, so that a FIFO, a
 * device or a directory is refused without blocking; an include naming a
 * missing file literally, a directory or an unreadable file is an error
 * at the include key; and limit_nofile is bounded by the kernel's
 * fs.nr_open.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"
#include "config_fixture.h"

#define MAX_TESTS 64

/* A file of exactly size bytes: a worker, then comment lines. */
static void
write_sized(const char *path, size_t size)
{
	char line[101];
	size_t len;
	FILE *fp;

	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fputs(W, fp) >= 0, 1);
	len = strlen(W);
	memset(line, '#', sizeof(line) - 2);
	line[sizeof(line) - 2] = '\n';
	line[sizeof(line) - 1] = '\0';
	while (len + 100 <= size) {
		assert_int_equal(fputs(line, fp) >= 0, 1);
		len += 100;
	}
	while (len++ < size)
		assert_int_equal(fputc('\n', fp), '\n');
	assert_int_equal(fclose(fp), 0);
}

/* ------------------------------------------------------- the main file */

static void
test_main_fifo_is_refused_without_blocking(void **state)
{
	static const char *const want[] = {
	    "t.ini: not a regular file", NULL };

	(void)state;
	assert_int_equal(mkfifo("t.ini", 0600), 0);
	check_errors("t.ini", -1, want);
}

static void
test_main_device_is_refused(void **state)
{
	static const char *const want[] = {
	    "/dev/zero: not a regular file", NULL };

	(void)state;
	check_errors("/dev/zero", -1, want);
}

static void
test_main_directory_is_refused(void **state)
{
	static const char *const want[] = {
	    "d: is a directory, not a file", NULL };

	(void)state;
	assert_int_equal(mkdir("d", 0755), 0);
	check_errors("d", -1, want);
}

static void
test_main_larger_than_16_mib_is_refused(void **state)
{
	static const char *const want[] = {
	    "t.ini: larger than 16 MiB", NULL };

	(void)state;
	write_sized("t.ini", INIFILE_MAX_SIZE + 1);
	check_errors("t.ini", -1, want);
}

static void
test_main_of_16_mib_is_read(void **state)
{
	struct errlist errs = { NULL, 0, 0 };
	struct config cfg;

	(void)state;
	write_sized("t.ini", INIFILE_MAX_SIZE);
	assert_int_equal(config_load("t.ini", -1, &cfg, &errs), 0);
	assert_int_equal(cfg.nworkers, 1);
	config_free(&cfg);
	errlist_free(&errs);
}

/* ---------------------------------------------------------- included */

static void
test_include_device_is_an_error_at_the_key(void **state)
{
	static const char *const want[] = {
	    "t.ini:2: include: /dev/zero: not a regular file", NULL };

	(void)state;
	write_file("t.ini", "[supervisor]\ninclude = /dev/zero\n" W);
	check_errors("t.ini", -1, want);
}

static void
test_include_fifo_is_refused_without_blocking(void **state)
{
	static const char *const want[] = {
	    "t.ini:2: include: %D/f.ini: not a regular file", NULL };

	(void)state;
	assert_int_equal(mkfifo("f.ini", 0600), 0);
	write_file("t.ini", "[supervisor]\ninclude = *.ini\n" W);
	check_errors("t.ini", -1, want);
}

static void
test_include_directory_is_an_error_at_the_key(void **state)
{
	static const char *const want[] = {
	    "t.ini:2: include: %D/conf.d: is a directory, not a file",
	    "t.ini:2: include: %D/more/sub: is a directory, not a file",
	    NULL };

	(void)state;
	assert_int_equal(mkdir("conf.d", 0755), 0);
	write_file("more/a.ini", "[worker:a]\ncommand = x\n");
	assert_int_equal(mkdir("more/sub", 0755), 0);
	write_file("t.ini", "[supervisor]\ninclude = conf.d more/*\n" W);
	check_errors("t.ini", -1, want);
}

static void
test_include_missing_literal_path_is_an_error(void **state)
{
	static const char *const want[] = {
	    "t.ini:4: include: %D/gone.ini: No such file or directory",
	    "t.ini:4: include: %D/dangling.ini: No such file or directory",
	    NULL };

	(void)state;
	assert_int_equal(symlink("nowhere.ini", "dangling.ini"), 0);
	write_file("t.ini", W "[supervisor]\n"
	    "include = gone.ini none/*.ini dangling.ini\n");
	check_errors("t.ini", -1, want);
}

static void
test_include_larger_than_16_mib_is_an_error(void **state)
{
	static const char *const want[] = {
	    "t.ini:2: include: %D/inc/big.ini: larger than 16 MiB", NULL };

	(void)state;
	assert_int_equal(mkdir("inc", 0755), 0);
	write_sized("inc/big.ini", INIFILE_MAX_SIZE + 1);
	write_file("t.ini", "[supervisor]\ninclude = inc/*.ini\n"
	    "[worker:v]\ncommand = x\n");
	check_errors("t.ini", -1, want);
}

static void
test_include_unreadable_is_an_error_at_the_key(void **state)
{
	static const char *const want[] = {
	    "t.ini:2: include: %D/secret.ini: Permission denied", NULL };

	(void)state;
	if (geteuid() == 0)
		skip();		/* root reads it anyway */
	write_file("secret.ini", "[worker:s]\ncommand = x\n");
	assert_int_equal(chmod("secret.ini", 0), 0);
	write_file("t.ini", "[supervisor]\ninclude = secret.ini\n" W);
	check_errors("t.ini", -1, want);
}

/* ------------------------------------------------------- limit_nofile */

static uint64_t
nr_open(void)
{
	unsigned long long n = 0;
	FILE *fp;

	assert_non_null(fp = fopen("/proc/sys/fs/nr_open", "r"));
	assert_int_equal(fscanf(fp, "%llu", &n), 1);
	fclose(fp);
	return n;
}

static void
test_limit_nofile_above_nr_open_is_an_error(void **state)
{
	char text[256], want1[256], want2[256];
	const char *want[] = { want1, want2, NULL };
	uint64_t max = nr_open();

	(void)state;
	snprintf(text, sizeof(text), "%slimit_nofile = %llu\n"
	    "[worker:v]\ncommand = x\nlimit_nofile = infinity\n", W,
	    (unsigned long long)max + 1);
	snprintf(want1, sizeof(want1), "t.ini:3: limit_nofile: %llu is more "
	    "than the kernel allows (fs.nr_open = %llu)",
	    (unsigned long long)max + 1, (unsigned long long)max);
	snprintf(want2, sizeof(want2), "t.ini:6: limit_nofile: infinity is "
	    "more than the kernel allows (fs.nr_open = %llu)",
	    (unsigned long long)max);
	write_file("t.ini", text);
	check_errors("t.ini", -1, want);
}

static void
test_limit_nofile_at_nr_open_is_fine(void **state)
{
	struct config cfg;
	char text[128];
	uint64_t max = nr_open();

	(void)state;
	snprintf(text, sizeof(text), "%slimit_nofile = %llu\n", W,
	    (unsigned long long)max);
	load_ok(text, -1, &cfg);
	assert_true(cfg.workers[0].limits[LIMIT_NOFILE].set);
	assert_int_equal(cfg.workers[0].limits[LIMIT_NOFILE].value, max);
	config_free(&cfg);
}

int
main(void)
{
	static struct CMUnitTest tests[MAX_TESTS];
	size_t n = 0;

	TEST(test_main_fifo_is_refused_without_blocking);
	TEST(test_main_device_is_refused);
	TEST(test_main_directory_is_refused);
	TEST(test_main_larger_than_16_mib_is_refused);
	TEST(test_main_of_16_mib_is_read);
	TEST(test_include_device_is_an_error_at_the_key);
	TEST(test_include_fifo_is_refused_without_blocking);
	TEST(test_include_directory_is_an_error_at_the_key);
	TEST(test_include_missing_literal_path_is_an_error);
	TEST(test_include_larger_than_16_mib_is_an_error);
	TEST(test_include_unreadable_is_an_error_at_the_key);
	TEST(test_limit_nofile_above_nr_open_is_an_error);
	TEST(test_limit_nofile_at_nr_open_is_fine);
	return _cmocka_run_group_tests("config_input", tests, n, NULL, NULL);
}
