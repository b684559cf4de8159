/*
 * parse.c: the syntax of single values in the configuration (numbers,
 * durations, sizes, booleans, signals, shell-like words, paths), and the
 * error list.
 */
#include <netinet/in.h>
#include <arpa/inet.h>

#include <ctype.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

/* Digits only (no sign, no space); -1 on anything else or overflow. */
static int
parse_digits(const char *s, const char **end, uint64_t *v)
{
	uint64_t n = 0;

	if (!isdigit((unsigned char)*s))
		return -1;
	for (; isdigit((unsigned char)*s); s++) {
		if (n > (UINT64_MAX - (*s - '0')) / 10)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*end = s;
	*v = n;
	return 0;
}

int
parse_number(const char *s, uint64_t *n)
{
	const char *end;

	return parse_digits(s, &end, n) == -1 || *end != '\0' ? -1 : 0;
}

/* About a hundred years: more is a mistake, and would overflow in µs. */
#define DURATION_MAX_MS ((uint64_t)100 * 366 * 24 * 3600 * 1000)

int
parse_duration(const char *s, int64_t *ms)
{
	static const struct {
		const char *suffix;
		uint64_t ms;
	} units[] = {
		{ "ms", 1 }, { "s", 1000 }, { "", 1000 }, { "m", 60000 },
		{ "h", 3600000 },
	};
	const char *end;
	uint64_t n;
	size_t i;

	if (parse_digits(s, &end, &n) == -1)
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].suffix) != 0)
			continue;
		/* Bounded so that any duration in microseconds still fits. */
		if (n > DURATION_MAX_MS / units[i].ms)
			return -1;
		*ms = (int64_t)(n * units[i].ms);
		return 0;
	}
	return -1;
}

int
parse_size(const char *s, uint64_t *bytes)
{
	const char *end;
	uint64_t n;
	int shift;

	if (parse_digits(s, &end, &n) == -1)
		return -1;
	if (strcmp(end, "") == 0)
		shift = 0;
	else if (strcmp(end, "K") == 0)
		shift = 10;
	else if (strcmp(end, "M") == 0)
		shift = 20;
	else if (strcmp(end, "G") == 0)
		shift = 30;
	else
		return -1;
	if (n > UINT64_MAX >> shift)
		return -1;
	*bytes = n << shift;
	return 0;
}

int
parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len,
    const char **why)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	const char *colon, *host = s;
	char buf[64];
	size_t hlen;
	uint64_t port;

	*why = "expected HOST:PORT (an IPv4 address, [IPv6] or localhost, "
	    "and a port from 1 to 65535)";
	memset(ss, 0, sizeof(*ss));
	if ((colon = strrchr(s, ':')) == NULL ||
	    parse_number(colon + 1, &port) == -1 || port == 0 ||
	    port > 65535)
		return -1;
	hlen = (size_t)(colon - s);
	if (hlen >= 2 && s[0] == '[' && s[hlen - 1] == ']') {
		host++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(buf))
		return -1;
	memcpy(buf, host, hlen);
	buf[hlen] = '\0';
	if (strcmp(buf, "localhost") == 0 && host == s)
		snprintf(buf, sizeof(buf), "127.0.0.1");
	if (host == s && inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		*len = sizeof(*sin);
		return 0;
	}
	if (host != s && inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

int
parse_bool(const char *s, bool *b)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*b = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*b = false;
			return 0;
		}
	}
	return -1;
}

static const struct {
	int sig;
	const char *name;
} signals[] = {
	{ SIGHUP, "HUP" }, { SIGINT, "INT" }, { SIGQUIT, "QUIT" },
	{ SIGILL, "ILL" }, { SIGTRAP, "TRAP" }, { SIGABRT, "ABRT" },
	{ SIGBUS, "BUS" }, { SIGFPE, "FPE" }, { SIGKILL, "KILL" },
	{ SIGUSR1, "USR1" }, { SIGSEGV, "SEGV" }, { SIGUSR2, "USR2" },
	{ SIGPIPE, "PIPE" }, { SIGALRM, "ALRM" }, { SIGTERM, "TERM" },
	{ SIGSTKFLT, "STKFLT" }, { SIGCHLD, "CHLD" }, { SIGCONT, "CONT" },
	{ SIGSTOP, "STOP" }, { SIGTSTP, "TSTP" }, { SIGTTIN, "TTIN" },
	{ SIGTTOU, "TTOU" }, { SIGURG, "URG" }, { SIGXCPU, "XCPU" },
	{ SIGXFSZ, "XFSZ" }, { SIGVTALRM, "VTALRM" }, { SIGPROF, "PROF" },
	{ SIGWINCH, "WINCH" }, { SIGIO, "IO" }, { SIGPWR, "PWR" },
	{ SIGSYS, "SYS" },
};

int
parse_signal(const char *s, int *sig)
{
	const char *end;
	uint64_t n;
	size_t i;

	if (isdigit((unsigned char)*s)) {
		if (parse_digits(s, &end, &n) == -1 || *end != '\0' ||
		    n < 1 || n > (uint64_t)SIGRTMAX)
			return -1;
		*sig = (int)n;
		return 0;
	}
	if (strncasecmp(s, "SIG", 3) == 0)
		s += 3;
	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (strcasecmp(s, signals[i].name) == 0) {
			*sig = signals[i].sig;
			return 0;
		}
	}
	return -1;
}

const char *
signal_name(int sig)
{
	size_t i;

	for (i = 0; i < sizeof(signals) / sizeof(signals[0]); i++) {
		if (signals[i].sig == sig)
			return signals[i].name;
	}
	return NULL;
}

const char *
signal_text(int sig, char *buf, size_t len)
{
	const char *s;

	if ((s = signal_name(sig)) != NULL || (s = sigabbrev_np(sig)) != NULL)
		return s;
	snprintf(buf, len, "%d", sig);
	return buf;
}

/* One word of s into w; returns where it ends, or NULL with *why set. */
static const char *
split_word(const char *p, char *w, const char **why)
{
	while (*p != '\0' && !isspace((unsigned char)*p)) {
		if (*p == '\'') {
			for (p++; *p != '\'' && *p != '\0'; p++)
				*w++ = *p;
			if (*p == '\0') {
				*why = "unbalanced single quote";
				return NULL;
			}
			p++;
		} else if (*p == '"') {
			for (p++; *p != '"' && *p != '\0'; p++) {
				if (*p == '\\' && p[1] != '\0' &&
				    strchr("\"\\$`", p[1]) != NULL)
					p++;
				*w++ = *p;
			}
			if (*p == '\0') {
				*why = "unbalanced double quote";
				return NULL;
			}
			p++;
		} else if (*p == '\\') {
			if (p[1] == '\0') {
				*why = "backslash at the end";
				return NULL;
			}
			*w++ = p[1];
			p += 2;
		} else
			*w++ = *p++;
	}
	*w = '\0';
	return p;
}

int
split_argv(const char *s, char ***argvp, const char **why)
{
	char **argv, **nv, *word, buf[256];
	size_t n = 0, cap = 4, len = strlen(s);

	*argvp = NULL;
	*why = "out of memory";
	/* A word is never longer than s: most fit the buffer on the stack. */
	if (len < sizeof(buf))
		word = buf;
	else if ((word = malloc(len + 1)) == NULL)
		return -1;
	if ((argv = calloc(cap, sizeof(*argv))) == NULL)
		goto fail_word;
	for (;;) {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		if ((s = split_word(s, word, why)) == NULL)
			goto fail_argv;
		if (n + 1 == cap) {
			if ((nv = reallocarray(argv, cap * 2,
			    sizeof(*argv))) == NULL)
				goto fail_argv;
			argv = nv;
			cap *= 2;
		}
		if ((argv[n] = strdup(word)) == NULL)
			goto fail_argv;
		argv[++n] = NULL;
	}
	if (word != buf)
		free(word);
	*argvp = argv;
	*why = NULL;
	return (int)n;

fail_argv:
	free_argv(argv);
fail_word:
	if (word != buf)
		free(word);
	return -1;
}

char *
parse_path(const char *dir, const char *path)
{
	char *abs;

	if (*path == '/')
		return strdup(path);
	while (path[0] == '.' && path[1] == '/')
		path += 2;
	if (asprintf(&abs, "%s/%s", dir, path) == -1)
		return NULL;
	return abs;
}

void
free_argv(char **argv)
{
	char **a;

	if (argv == NULL)
		return;
	for (a = argv; *a != NULL; a++)
		free(*a);
	free(argv);
}

void
errlist_add(struct errlist *errs, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	if (errs == NULL)
		return;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r == -1)
		return;
	errlist_take(errs, msg);
}

void
errlist_take(struct errlist *errs, char *msg)
{
	char **m;

	if (errs == NULL) {
		free(msg);
		return;
	}
	if (errs->len == errs->cap) {
		m = reallocarray(errs->msg, errs->cap ? errs->cap * 2 : 8,
		    sizeof(*m));
		if (m == NULL) {
			free(msg);
			return;
		}
		errs->msg = m;
		errs->cap = errs->cap ? errs->cap * 2 : 8;
	}
	errs->msg[errs->len++] = msg;
}

void
errlist_free(struct errlist *errs)
{
	size_t i;

	for (i = 0; i < errs->len; i++)
		free(errs->msg[i]);
	free(errs->msg);
	memset(errs, 0, sizeof(*errs));
}
