/*
 * import.c: `supervise --import-supervisord FILE` (see supervise(1)): a
 * supervisord.conf, as the project's INI reader splits it, printed as the
 * equivalent workers.ini.  Pure: an ini_file in, text out.
 *
 * Each [program:NAME] becomes a [worker:NAME] in priority order (lower
 * first, then file order: supervisord's start order), each key that maps
 * becomes ours, and each that does not is kept as a comment saying so, as
 * are the other sections.  Only %(program_name)s and %(here)s are
 * expanded; a value with any other %(...) expansion is commented out.
 * Output is bounded by the input: every value is printed at most once.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"

struct prog {
	const struct ini_section *sec;
	long priority;
	size_t order;
};

static int
prog_cmp(const void *a, const void *b)
{
	const struct prog *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return x->order < y->order ? -1 : x->order > y->order;
}

static const char *
get(const struct ini_section *sec, const char *key)
{
	size_t i;

	for (i = 0; i < sec->nentries; i++)
		if (strcmp(sec->entries[i].key, key) == 0)
			return sec->entries[i].value;
	return NULL;
}

/* v with %(program_name)s and %(here)s expanded into buf; NULL if other. */
static const char *
expand(const char *v, const char *name, const char *here, char *buf,
    size_t len)
{
	static const char pn[] = "%(program_name)s", hr[] = "%(here)s";
	size_t n = 0, add;
	const char *rep;

	while (*v != '\0') {
		if (strncmp(v, pn, sizeof(pn) - 1) == 0) {
			rep = name;
			v += sizeof(pn) - 1;
		} else if (strncmp(v, hr, sizeof(hr) - 1) == 0) {
			rep = here;
			v += sizeof(hr) - 1;
		} else if (v[0] == '%' && v[1] == '(') {
			return NULL;
		} else {
			if (v[0] == '%' && v[1] == '%')
				v++;
			if (n + 1 >= len)
				return NULL;
			/* A joined continuation must not start a new line. */
			buf[n++] = (unsigned char)*v < ' ' ? ' ' : *v;
			v++;
			continue;
		}
		add = strlen(rep);
		if (n + add >= len)
			return NULL;
		memcpy(buf + n, rep, add);
		n += add;
	}
	buf[n] = '\0';
	return buf;
}

static bool
truthy(const char *v)
{
	return strcasecmp(v, "true") == 0 || strcmp(v, "1") == 0 ||
	    strcasecmp(v, "yes") == 0 || strcasecmp(v, "on") == 0;
}

/* A number of seconds, as supervisord writes them: digits only. */
static bool
seconds(const char *v)
{
	return *v != '\0' && strspn(v, "0123456789") == strlen(v) &&
	    strlen(v) < 10;
}

/* environment: KEY="v",KEY2=v2 -> one env line each. */
static bool
put_env(FILE *out, const char *v)
{
	char key[128], val[1024];
	size_t k, n;
	char q;

	while (*v != '\0') {
		for (k = 0; *v != '=' && *v != '\0' && *v != ','; v++)
			if (*v != ' ' && k + 1 < sizeof(key))
				key[k++] = *v;
		key[k] = '\0';
		if (*v++ != '=' || k == 0)
			return false;
		n = 0;
		q = *v == '"' || *v == '\'' ? *v++ : 0;
		for (; *v != '\0' && (q ? *v != q : *v != ','); v++)
			if (n + 1 < sizeof(val))
				val[n++] = *v;
		val[n] = '\0';
		if (q && *v++ != q)
			return false;
		fprintf(out, "env = %s=%s\n", key, val);
		while (*v == ' ' || *v == ',')
			v++;
	}
	return true;
}

/* s on one line: control bytes become spaces. */
static void
put_clean(FILE *out, const char *s)
{
	for (; *s != '\0'; s++)
		fputc((unsigned char)*s < ' ' ? ' ' : *s, out);
}

static void
not_mapped(FILE *out, const struct ini_entry *e, const char *why)
{
	fputs("; not mapped: ", out);
	put_clean(out, e->key);
	fputs(" = ", out);
	put_clean(out, e->value);
	fprintf(out, " (%s)\n", why);
}

static void
put_program(FILE *out, const struct prog *p, const char *here)
{
	const struct ini_section *sec = p->sec;
	const char *name = sec->name + strlen("program:"), *v;
	const struct ini_entry *e;
	bool redirect = false;
	char buf[4096];
	size_t i;

	if ((v = get(sec, "redirect_stderr")) != NULL && truthy(v))
		redirect = true;
	fprintf(out, "\n[worker:%s]\n", name);
	if (get(sec, "priority") != NULL)
		fprintf(out, "; priority %ld: workers are in start order\n",
		    p->priority);
	for (i = 0; i < sec->nentries; i++) {
		e = &sec->entries[i];
		if (strcmp(e->key, "priority") == 0 ||
		    strcmp(e->key, "redirect_stderr") == 0)
			continue;
		if ((v = expand(e->value, name, here, buf, sizeof(buf))) ==
		    NULL) {
			not_mapped(out, e, "an expansion supervise does not "
			    "have");
			continue;
		}
		if (strcmp(e->key, "command") == 0)
			fprintf(out, "command = %s\n", v);
		else if (strcmp(e->key, "numprocs") == 0)
			fprintf(out, "instances = %s\n", v);
		else if (strcmp(e->key, "autostart") == 0)
			fprintf(out, "autostart = %s\n", truthy(v) ? "yes" :
			    "no");
		else if (strcmp(e->key, "autorestart") == 0)
			fprintf(out, "restart = %s\n", truthy(v) ? "always" :
			    strcasecmp(v, "unexpected") == 0 ? "on-failure" :
			    "never");
		else if (strcmp(e->key, "exitcodes") == 0) {
			fputs("success_exit = ", out);
			for (; *v != '\0'; v++)
				fputc(*v == ',' ? ' ' : *v, out);
			fputc('\n', out);
		} else if (strcmp(e->key, "startsecs") == 0 && seconds(v))
			fprintf(out, "min_uptime = %ss\n", v);
		else if (strcmp(e->key, "startretries") == 0 && seconds(v))
			fprintf(out, "; startretries: failed starts; here "
			    "restarts within restart_window\n"
			    "restart_limit = %s\n", v);
		else if (strcmp(e->key, "stopsignal") == 0)
			fprintf(out, "stop_signal = %s\n", v);
		else if (strcmp(e->key, "stopwaitsecs") == 0 && seconds(v))
			fprintf(out, "stop_timeout = %ss\n", v);
		else if (strcmp(e->key, "user") == 0)
			fprintf(out, "user = %s\n", v);
		else if (strcmp(e->key, "directory") == 0)
			fprintf(out, "directory = %s\n", v);
		else if (strcmp(e->key, "umask") == 0)
			fprintf(out, "umask = %s\n", v);
		else if (strcmp(e->key, "environment") == 0) {
			if (!put_env(out, v))
				not_mapped(out, e, "not KEY=VALUE,...");
		} else if (strcmp(e->key, "stdout_logfile") == 0)
			fprintf(out, "stdout = %s%s\n",
			    strcmp(v, "NONE") == 0 ? "null" : "file:",
			    strcmp(v, "NONE") == 0 ? "" : v);
		else if (strcmp(e->key, "stderr_logfile") == 0 && !redirect)
			fprintf(out, "stderr = %s%s\n",
			    strcmp(v, "NONE") == 0 ? "null" : "file:",
			    strcmp(v, "NONE") == 0 ? "" : v);
		else
			not_mapped(out, e, "no such setting in supervise");
	}
	if (redirect)
		fputs("stderr = stdout\n", out);
}

int
import_supervisord(const struct ini_file *f, const char *here, FILE *out)
{
	struct prog *progs;
	const struct ini_section *sec;
	const char *v;
	char *end;
	size_t i, j, n = 0;

	if ((progs = calloc(f->nsections + 1, sizeof(*progs))) == NULL)
		return -1;
	fputs("; converted from supervisord.conf by supervise "
	    "--import-supervisord\n", out);
	for (i = 0; i < f->nsections; i++) {
		sec = &f->sections[i];
		if (strncmp(sec->name, "program:", 8) != 0 ||
		    sec->name[8] == '\0') {
			fputs("; not mapped: [", out);
			put_clean(out, sec->name);
			fprintf(out, "] (%zu setting(s))\n", sec->nentries);
			for (j = 0; j < sec->nentries; j++) {
				fputs(";   ", out);
				put_clean(out, sec->entries[j].key);
				fputs(" = ", out);
				put_clean(out, sec->entries[j].value);
				fputc('\n', out);
			}
			continue;
		}
		progs[n].sec = sec;
		progs[n].order = n;
		progs[n].priority = 999;
		if ((v = get(sec, "priority")) != NULL) {
			progs[n].priority = strtol(v, &end, 10);
			if (*v == '\0' || *end != '\0')
				progs[n].priority = 999;
		}
		n++;
	}
	qsort(progs, n, sizeof(*progs), prog_cmp);
	for (i = 0; i < n; i++)
		put_program(out, &progs[i], here);
	free(progs);
	return (int)n;
}
