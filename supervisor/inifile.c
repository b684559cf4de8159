/*
 * inifile.c: the INI syntax of the configuration, read through inih.
 *
 * inih (Debian's build, r55) is driven through ini_parse_stream() with a
 * reader of our own in front of it, because on its own it reports only the
 * first syntax error, passes no line numbers, cuts lines at 199 bytes into
 * several, truncates section names at 49 bytes, keeps keys after a broken
 * header in the previous section, and hands a continuation line to the
 * handler as if the key were repeated.  The reader therefore checks every
 * line itself, records what is wrong with it, and passes inih only lines it
 * accepts, in a plain form: "[]" for a header (the name travels in the
 * reader), "key=value" with any " ;" comment already cut, " value" for a
 * continuation, and "" for anything else.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ini.h>

#include "config.h"

#define LINE_LIMIT 199		/* the longest line inih would take whole */
#define INIH_BUF 256		/* what we give inih: a line and a space */

enum line_kind { LINE_NONE, LINE_KEY, LINE_CONT };

/* What an indented line means. */
enum cont_state {
	CONT_NONE,		/* no key yet: an ordinary line */
	CONT_KEY,		/* continues the last key's value */
	CONT_DROP,		/* continues a broken line: dropped */
};

struct reader {
	FILE *fp;
	struct ini_file *f;
	struct ini_errors *errs;
	char *raw;
	size_t rawsz;
	int lineno;
	enum line_kind kind;	/* of the line inih is handling */
	bool comment;		/* it had a " ;" comment */
	enum cont_state cont;
	struct ini_section *sec;	/* NULL: keys go nowhere */
	bool before_sections;		/* no header seen yet */
	struct ini_entry *last;		/* the key a continuation extends */
	size_t last_len, last_cap;	/* its value's length and buffer */
	size_t total;			/* bytes read so far */
	int read_errno;
};

void
inifile_error(struct ini_errors *errs, int line, const char *fmt, ...)
{
	struct ini_error *e;
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r == -1) {
		errs->oom = true;
		return;
	}
	if (errs->len == errs->cap) {
		e = reallocarray(errs->v, errs->cap ? errs->cap * 2 : 8,
		    sizeof(*e));
		if (e == NULL) {
			free(msg);
			errs->oom = true;
			return;
		}
		errs->v = e;
		errs->cap = errs->cap ? errs->cap * 2 : 8;
	}
	errs->v[errs->len].line = line;
	errs->v[errs->len++].msg = msg;
}

void
inifile_errors_free(struct ini_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->len; i++)
		free(errs->v[i].msg);
	free(errs->v);
	memset(errs, 0, sizeof(*errs));
}

static char *
lskip(char *s)
{
	while (isspace((unsigned char)*s))
		s++;
	return s;
}

static void
rstrip(char *s)
{
	char *p = s + strlen(s);

	while (p > s && isspace((unsigned char)p[-1]))
		*--p = '\0';
}

/*
 * out = a, then sep if it is not '\0', then b: what inih is given of a
 * line.  Both come from a line of at most LINE_LIMIT bytes, so this fits
 * in INIH_BUF; it is cut there all the same.  (memcpy: snprintf's format
 * parsing was a tenth of loading 100,000 sections.)
 */
static void
put_line(char *out, const char *a, char sep, const char *b)
{
	size_t alen = strlen(a), blen = strlen(b), n = 0;

	if (alen > INIH_BUF - 2)
		alen = INIH_BUF - 2;
	memcpy(out, a, alen);
	n = alen;
	if (sep != '\0')
		out[n++] = sep;
	if (blen > INIH_BUF - 1 - n)
		blen = INIH_BUF - 1 - n;
	memcpy(out + n, b, blen);
	out[n + blen] = '\0';
}

/* A ';' after whitespace starts a comment, as in inih. */
static char *
find_comment(char *s)
{
	bool was_space = false;

	for (; *s != '\0'; s++) {
		if (was_space && *s == ';')
			return s;
		was_space = isspace((unsigned char)*s);
	}
	return NULL;
}

/* Until the next good header, keys go nowhere (not to the last section). */
static void
broken_section(struct reader *rd)
{
	rd->sec = NULL;
	rd->last = NULL;
	rd->before_sections = false;
	rd->cont = CONT_DROP;
}

static void
read_header(struct reader *rd, char *t, char *out)
{
	struct ini_file *f = rd->f;
	struct ini_section *s;
	char *close, *rest;

	broken_section(rd);
	if ((close = strchr(t, ']')) == NULL) {
		inifile_error(rd->errs, rd->lineno,
		    "%s: section header without \"]\"", t);
		return;
	}
	rest = lskip(close + 1);
	if (*rest != '\0' && *rest != ';' && *rest != '#') {
		inifile_error(rd->errs, rd->lineno,
		    "%s: text after the section header", t);
		return;
	}
	*close = '\0';
	if (f->nsections == f->cap) {
		s = reallocarray(f->sections, f->cap ? f->cap * 2 : 8,
		    sizeof(*s));
		if (s == NULL) {
			rd->errs->oom = true;
			return;
		}
		f->sections = s;
		f->cap = f->cap ? f->cap * 2 : 8;
	}
	s = &f->sections[f->nsections];
	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(t + 1)) == NULL) {
		rd->errs->oom = true;
		return;
	}
	s->line = rd->lineno;
	f->nsections++;
	rd->sec = s;
	rd->cont = CONT_NONE;
	strcpy(out, "[]");
}

static void
read_key(struct reader *rd, char *t, char *out)
{
	bool was_space = false;
	char *p, *c, *value, sep;

	/* The first '=' or ':' separates, unless a comment comes first. */
	for (p = t; *p != '\0' && *p != '=' && *p != ':'; p++) {
		if (was_space && *p == ';')
			break;
		was_space = isspace((unsigned char)*p);
	}
	rd->cont = CONT_DROP;
	if (*p != '=' && *p != ':') {
		inifile_error(rd->errs, rd->lineno,
		    "expected \"key = value\" or \"[section]\"");
		return;
	}
	sep = *p;
	*p = '\0';
	rstrip(t);
	if (*t == '\0') {
		inifile_error(rd->errs, rd->lineno, "no key before \"%c\"",
		    sep);
		return;
	}
	value = p + 1;
	if ((c = find_comment(value)) != NULL) {
		*c = '\0';
		rd->comment = true;
	}
	value = lskip(value);
	rstrip(value);
	put_line(out, t, '=', value);
	rd->kind = LINE_KEY;
	rd->cont = CONT_KEY;
}

/*
 * The ini_reader: fetch one whole line, check it, and put what inih should
 * see of it into out.
 */
static char *
reader_cb(char *out, int num, void *stream)
{
	struct reader *rd = stream;
	ssize_t n;
	size_t len;
	char *s, *t, *c;
	bool indented;

	if (num < INIH_BUF) {
		rd->read_errno = EINVAL;	/* ini_max_line was changed */
		return NULL;
	}
	if ((n = getline(&rd->raw, &rd->rawsz, rd->fp)) == -1) {
		if (ferror(rd->fp))
			rd->read_errno = errno ? errno : EIO;
		return NULL;
	}
	/* A file that grows while it is read is cut off too. */
	rd->total += (size_t)n;
	if (rd->total > INIFILE_MAX_SIZE) {
		rd->read_errno = EFBIG;
		return NULL;
	}
	rd->lineno++;
	rd->kind = LINE_NONE;
	rd->comment = false;
	out[0] = '\0';
	len = n;
	if (len > 0 && rd->raw[len - 1] == '\n')
		len--;
	if (len > 0 && rd->raw[len - 1] == '\r')
		len--;
	rd->raw[len] = '\0';
	s = rd->raw;
	if (rd->lineno == 1 && strncmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	indented = *s == ' ' || *s == '\t';
	t = lskip(s);
	if (strlen(s) != len) {
		inifile_error(rd->errs, rd->lineno, "NUL byte in line");
		rd->cont = CONT_DROP;
		return out;
	}
	if (len > LINE_LIMIT) {
		inifile_error(rd->errs, rd->lineno,
		    "line too long (more than %d bytes)", LINE_LIMIT);
		if (*t == '[' && (!indented || rd->cont == CONT_NONE))
			broken_section(rd);
		rd->cont = CONT_DROP;
		return out;
	}
	rstrip(t);
	if (*t == '\0' || *t == ';' || *t == '#')
		return out;
	if (indented && rd->cont == CONT_DROP)
		return out;
	if (indented && rd->cont == CONT_KEY) {
		if ((c = find_comment(t)) != NULL) {
			*c = '\0';
			rd->comment = true;
			rstrip(t);
		}
		put_line(out, " ", '\0', t);
		rd->kind = LINE_CONT;
		return out;
	}
	if (*t == '[')
		read_header(rd, t, out);
	else
		read_key(rd, t, out);
	return out;
}

static void
add_entry(struct reader *rd, const char *key, const char *value)
{
	struct ini_section *s = rd->sec;
	struct ini_entry *e;

	if (s->nentries == s->cap) {
		e = reallocarray(s->entries, s->cap ? s->cap * 2 : 4,
		    sizeof(*e));
		if (e == NULL) {
			rd->errs->oom = true;
			return;
		}
		s->entries = e;
		s->cap = s->cap ? s->cap * 2 : 4;
	}
	e = &s->entries[s->nentries];
	e->key = strdup(key);
	e->value = strdup(value);
	if (e->key == NULL || e->value == NULL) {
		free(e->key);
		free(e->value);
		rd->errs->oom = true;
		return;
	}
	e->line = rd->lineno;
	e->comment = rd->comment;
	s->nentries++;
	rd->last = e;
	rd->last_len = strlen(value);
	rd->last_cap = rd->last_len + 1;
}

/*
 * Append " value" to the last key's value.  Its buffer at least doubles
 * when it grows, so that a value continued over many lines costs time in
 * proportion to its length, not to its square.
 */
static void
join_value(struct reader *rd, const char *value)
{
	size_t vlen = strlen(value), need = rd->last_len + 1 + vlen + 1, cap;
	char *v;

	if (need > rd->last_cap) {
		cap = rd->last_cap * 2 > need ? rd->last_cap * 2 : need;
		if ((v = realloc(rd->last->value, cap)) == NULL) {
			rd->errs->oom = true;
			return;
		}
		rd->last->value = v;
		rd->last_cap = cap;
	}
	v = rd->last->value + rd->last_len;
	*v++ = ' ';
	memcpy(v, value, vlen + 1);
	rd->last_len += 1 + vlen;
	rd->last->comment |= rd->comment;
}

/* The ini_handler; inih's section name is ignored (it may be truncated). */
static int
handler_cb(void *user, const char *section, const char *name,
    const char *value)
{
	struct reader *rd = user;

	(void)section;
	if (rd->kind == LINE_KEY) {
		rd->last = NULL;
		if (rd->before_sections)
			inifile_error(rd->errs, rd->lineno,
			    "%s: key outside of any section", name);
		else if (rd->sec != NULL)
			add_entry(rd, name, value);
	} else if (rd->kind == LINE_CONT && rd->last != NULL)
		join_value(rd, value);
	return 1;
}

/* inih's switches are process-wide: set every one this reader relies on. */
static void
configure_inih(void)
{
	static char start_comments[] = ";#";
	static char inline_comments[] = ";";

	ini_allow_multiline = true;	/* " value" lines reach the handler */
	ini_allow_bom = false;		/* the reader strips it */
	ini_start_comment_prefixes = start_comments;
	ini_allow_inline_comments = true;
	ini_inline_comment_prefixes = inline_comments;
	ini_use_stack = true;
	ini_max_line = INIH_BUF;
	ini_allow_realloc = false;
	ini_stop_on_first_error = false;
	ini_allow_no_value = false;
}

/*
 * Open path for reading without blocking on a FIFO or taking a terminal,
 * then judge what was opened (fstat on the descriptor, so the file judged
 * is the file read): only a regular file of at most INIFILE_MAX_SIZE.
 */
static FILE *
open_config(const char *path, const char **why)
{
	struct stat st;
	FILE *fp;
	int fd, flags;

	*why = NULL;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd == -1)
		return NULL;
	if (fstat(fd, &st) == -1)
		goto fail;
	if (S_ISDIR(st.st_mode)) {
		*why = "is a directory, not a file";
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		goto fail;
	}
	if (st.st_size > INIFILE_MAX_SIZE) {
		*why = "larger than 16 MiB";
		goto fail;
	}
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1)
		goto fail;
	if ((fp = fdopen(fd, "r")) == NULL)
		goto fail;
	return fp;

fail:
	if (*why != NULL)
		errno = EINVAL;
	close(fd);
	return NULL;
}

int
inifile_read(const char *path, struct ini_file *f, struct ini_errors *errs,
    const char **why)
{
	struct reader rd;
	int r, saved;

	memset(f, 0, sizeof(*f));
	memset(&rd, 0, sizeof(rd));
	if ((rd.fp = open_config(path, why)) == NULL) {
		if (*why == NULL)
			*why = strerror(errno);
		return -1;
	}
	rd.f = f;
	rd.errs = errs;
	rd.before_sections = true;
	configure_inih();
	r = ini_parse_stream(reader_cb, &rd, handler_cb, &rd);
	free(rd.raw);
	fclose(rd.fp);
	f->nlines = rd.lineno;
	if (rd.read_errno != 0) {
		inifile_free(f);
		saved = rd.read_errno;
		*why = saved == EFBIG ? "larger than 16 MiB" : strerror(saved);
		errno = saved;
		return -1;
	}
	/* The reader passes inih only lines it accepts: this cannot be. */
	if (r > 0)
		inifile_error(errs, r, "syntax error");
	else if (r < 0)
		errs->oom = true;
	return 0;
}

void
inifile_free(struct ini_file *f)
{
	struct ini_section *s;
	size_t i, j;

	for (i = 0; i < f->nsections; i++) {
		s = &f->sections[i];
		for (j = 0; j < s->nentries; j++) {
			free(s->entries[j].key);
			free(s->entries[j].value);
		}
		free(s->entries);
		free(s->name);
	}
	free(f->sections);
	memset(f, 0, sizeof(*f));
}
