/*
 * crashy's command line, the same for the executable and the plugin:
 * parsed by hand, since getopt(3) keeps global state and the plugin may run
 * in several threads at once.
 */
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "faults.h"

enum arg_kind { ARG_NONE, ARG_STATUS, ARG_COUNT, ARG_RATE };

static const struct {
	const char *name;
	enum fault_kind kind;
	enum arg_kind arg;
} kinds[] = {
	{ "none", FAULT_NONE, ARG_NONE },
	{ "segv", FAULT_SEGV, ARG_NONE },
	{ "abort", FAULT_ABORT, ARG_NONE },
	{ "fpe", FAULT_FPE, ARG_NONE },
	{ "bus", FAULT_BUS, ARG_NONE },
	{ "ill", FAULT_ILL, ARG_NONE },
	{ "stack-overflow", FAULT_STACK_OVERFLOW, ARG_NONE },
	{ "exit", FAULT_EXIT, ARG_STATUS },
	{ "hang", FAULT_HANG, ARG_NONE },
	{ "stall", FAULT_STALL, ARG_NONE },
	{ "spin", FAULT_SPIN, ARG_NONE },
	{ "leak", FAULT_LEAK, ARG_RATE },
	{ "fd-leak", FAULT_FD_LEAK, ARG_NONE },
	{ "fork-bomb", FAULT_FORK_BOMB, ARG_COUNT },
	{ "ignore-term", FAULT_IGNORE_TERM, ARG_NONE },
	{ "orphan", FAULT_ORPHAN, ARG_NONE },
	{ "flood", FAULT_FLOOD, ARG_NONE },
};

/* Leading decimal digits of s into *v; *end after them.  -1 if none. */
static int
parse_digits(const char *s, const char **end, uint64_t *v)
{
	uint64_t n = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > (UINT64_MAX - 9) / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	*end = s;
	*v = n;
	return 0;
}

/* A duration as in the config: ms, s, m or h; a bare integer is seconds. */
static int
parse_duration(const char *s, int64_t *ms)
{
	const char *end;
	uint64_t n, unit;

	if (parse_digits(s, &end, &n) == -1)
		return -1;
	if (strcmp(end, "ms") == 0)
		unit = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		unit = 1000;
	else if (strcmp(end, "m") == 0)
		unit = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		unit = 3600 * 1000;
	else
		return -1;
	if (n > INT64_MAX / unit)
		return -1;
	*ms = (int64_t)(n * unit);
	return 0;
}

/* A size with an optional K, M or G (powers of 1024); end gets the rest. */
static int
parse_size(const char *s, const char **end, uint64_t *bytes)
{
	uint64_t n, unit = 1;

	if (parse_digits(s, end, &n) == -1)
		return -1;
	switch (**end) {
	case 'K':
		unit = 1024;
		break;
	case 'M':
		unit = 1024 * 1024;
		break;
	case 'G':
		unit = 1024 * 1024 * 1024;
		break;
	}
	if (unit != 1)
		(*end)++;
	if (n > UINT64_MAX / unit)
		return -1;
	*bytes = n * unit;
	return 0;
}

/* A whole decimal number in [min, max]. */
static int
parse_long(const char *s, long min, long max, long *v)
{
	const char *end;
	uint64_t n;

	if (parse_digits(s, &end, &n) == -1 || *end != '\0' ||
	    n > (uint64_t)max || (long)n < min)
		return -1;
	*v = (long)n;
	return 0;
}

static int
parse_fault(const char *s, struct crashy_opts *o, char *why, size_t whylen)
{
	const char *colon, *arg, *end;
	size_t i, len;
	long v;

	colon = strchr(s, ':');
	len = colon != NULL ? (size_t)(colon - s) : strlen(s);
	arg = colon != NULL ? colon + 1 : NULL;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].name) == len &&
		    strncmp(kinds[i].name, s, len) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0])) {
		snprintf(why, whylen, "--fault: unknown kind \"%s\" (one of "
		    CRASHY_KINDS ")", s);
		return -1;
	}
	if ((kinds[i].arg == ARG_NONE) != (arg == NULL))
		goto bad;
	o->fault = kinds[i].kind;
	o->fault_name = s;
	switch (kinds[i].arg) {
	case ARG_NONE:
		break;
	case ARG_STATUS:
		if (parse_long(arg, 0, 255, &v) == -1)
			goto bad;
		o->exit_status = (int)v;
		break;
	case ARG_COUNT:
		if (parse_long(arg, 1, 1000000, &v) == -1)
			goto bad;
		o->children = v;
		break;
	case ARG_RATE:
		if (parse_size(arg, &end, &o->leak_bytes) == -1 ||
		    (*end != '\0' && strcmp(end, "/s") != 0) ||
		    o->leak_bytes == 0 || o->leak_bytes > SIZE_MAX / 2)
			goto bad;
		break;
	}
	return 0;
bad:
	snprintf(why, whylen, "--fault: bad \"%s\" (expected %s)", s,
	    kinds[i].arg == ARG_NONE ? kinds[i].name :
	    kinds[i].arg == ARG_STATUS ? "exit:N, N from 0 to 255" :
	    kinds[i].arg == ARG_COUNT ? "fork-bomb:N, N at least 1" :
	    "leak:SIZE/s, SIZE at least 1, with K, M or G");
	return -1;
}

int
crashy_parse(int argc, char **argv, struct crashy_opts *o, char *why,
    size_t whylen)
{
	const char *opt, *val, *eq;
	size_t optlen;
	int i;

	memset(o, 0, sizeof(*o));
	o->fault = FAULT_NONE;
	o->fault_name = "none";
	for (i = 1; i < argc; i++) {
		opt = argv[i];
		if (strcmp(opt, "-h") == 0 || strcmp(opt, "--help") == 0)
			return -1;
		if (strcmp(opt, "--ready") == 0) {
			o->ready = true;
			continue;
		}
		/* --opt VALUE or --opt=VALUE */
		eq = strchr(opt, '=');
		optlen = eq != NULL ? (size_t)(eq - opt) : strlen(opt);
		if (eq != NULL)
			val = eq + 1;
		else if (i + 1 < argc)
			val = argv[++i];
		else
			val = NULL;
#define IS(name) (optlen == strlen(name) && strncmp(opt, name, optlen) == 0)
		if (!IS("--after") && !IS("--fault") && !IS("--heartbeat") &&
		    !IS("--output")) {
			snprintf(why, whylen, "%s \"%s\"", opt[0] == '-' ?
			    "unknown option" : "unexpected argument", opt);
			return CRASHY_EXIT_USAGE;
		}
		if (val == NULL) {
			snprintf(why, whylen, "%s needs a value", opt);
			return CRASHY_EXIT_USAGE;
		}
		if (IS("--fault")) {
			if (parse_fault(val, o, why, whylen) == -1)
				return CRASHY_EXIT_USAGE;
		} else if (IS("--output")) {
			if (parse_long(val, 0, LONG_MAX, &o->output) == -1)
				goto bad;
		} else if (parse_duration(val, IS("--after") ? &o->after_ms :
		    &o->heartbeat_ms) == -1)
			goto bad;
#undef IS
	}
	return 0;
bad:
	snprintf(why, whylen, "%.*s: bad value \"%s\"", (int)optlen, opt, val);
	return CRASHY_EXIT_USAGE;
}

/* "250ms", "3s", "2m", "1h": a duration as the user would write it. */
void
crashy_format_duration(char *buf, size_t len, int64_t ms)
{
	if (ms != 0 && ms % 3600000 == 0)
		snprintf(buf, len, "%" PRId64 "h", ms / 3600000);
	else if (ms != 0 && ms % 60000 == 0)
		snprintf(buf, len, "%" PRId64 "m", ms / 60000);
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%" PRId64 "s", ms / 1000);
	else
		snprintf(buf, len, "%" PRId64 "ms", ms);
}

