/*
 * env.c: a worker's environment, built in the parent before each spawn
 * (nothing here runs in the child).
 */
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

extern char **environ;

static bool
env_stripped(const char *e)
{
	static const char *const prefixes[] = { "NOTIFY_SOCKET=",
	    "WATCHDOG_", "LISTEN_", "SUPERVISE_NAME=",
	    "SUPERVISE_INSTANCE=" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(e, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Whether KEY= of e is set again later in list[from..]. */
static bool
env_overridden(const char *e, char **list, size_t from, size_t n)
{
	size_t klen = strcspn(e, "=");

	for (; from < n; from++)
		if (list[from] != NULL &&
		    strncmp(list[from], e, klen + 1) == 0)
			return true;
	return false;
}

/*
 * The worker's environment: supervise's own without NOTIFY_SOCKET,
 * WATCHDOG_* and LISTEN_*; then pre (HOME, USER and LOGNAME with user=);
 * then env=; then post (SUPERVISE_NAME, SUPERVISE_INSTANCE).  When a KEY
 * appears twice the later one wins.
 */
char **
env_build(struct worker *w, char *pre[], size_t npre, char *post[],
    size_t npost)
{
	struct worker_config *wc = w->cfg;
	char **all, **env;
	size_t n = 0, i, j, k = 0;

	for (i = 0; environ[i] != NULL; i++)
		n++;
	all = calloc(n + npre + wc->nenv + npost + 1, sizeof(*all));
	if (all == NULL)
		return NULL;
	for (i = 0; environ[i] != NULL; i++)
		if (!env_stripped(environ[i]))
			all[k++] = environ[i];
	for (j = 0; j < npre; j++)
		all[k++] = pre[j];
	for (j = 0; j < wc->nenv; j++)
		all[k++] = wc->env[j];
	for (j = 0; j < npost; j++)
		all[k++] = post[j];
	if ((env = calloc(k + 1, sizeof(*env))) == NULL) {
		free(all);
		return NULL;
	}
	for (i = 0, j = 0; i < k; i++)
		if (!env_overridden(all[i], all, i + 1, k))
			env[j++] = all[i];
	free(all);
	return env;
}

const char *
env_lookup(char **env, const char *key)
{
	size_t klen = strlen(key);

	for (; *env != NULL; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}
