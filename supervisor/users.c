/*
 * users.c: a worker's user and group, resolved to ids in the password
 * and group databases, by name or else by number.  Only root may change
 * either.
 */
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

void
users_resolve(struct worker_config *wc, int uline, int gline,
    struct ini_errors *errs)
{
	struct passwd *pw = NULL;
	struct group *gr = NULL;
	uint64_t id;

	if (wc->user != NULL) {
		pw = getpwnam(wc->user);
		if (pw == NULL && parse_number(wc->user, &id) == 0)
			pw = getpwuid((uid_t)id);
		if (pw == NULL)
			inifile_error(errs, uline,
			    "user: unknown user \"%s\"", wc->user);
		else {
			wc->uid = pw->pw_uid;
			wc->gid = pw->pw_gid;
			if ((wc->home = strdup(pw->pw_dir)) == NULL)
				errs->oom = true;
		}
	}
	if (wc->group != NULL) {
		gr = getgrnam(wc->group);
		if (gr == NULL && parse_number(wc->group, &id) == 0)
			gr = getgrgid((gid_t)id);
		if (gr == NULL)
			inifile_error(errs, gline,
			    "group: unknown group \"%s\"", wc->group);
		else
			wc->gid = gr->gr_gid;
	}
	if ((wc->user == NULL && wc->group == NULL) || geteuid() == 0)
		return;
	if (pw != NULL && wc->uid != geteuid())
		inifile_error(errs, uline, "user: changing user needs root");
	if (gr != NULL && wc->gid != getegid())
		inifile_error(errs, gline,
		    "group: changing group needs root");
}
