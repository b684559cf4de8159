/*
 * A plugin supervise must refuse: built as bad_abi.so with an ABI version
 * no supervise speaks, and as no_main.so without supervise_worker_main.
 */
#include <supervise/worker.h>

SV_WORKER_EXPORT extern const unsigned supervise_worker_abi;
#ifdef NO_MAIN
const unsigned supervise_worker_abi = SUPERVISE_WORKER_ABI_VERSION;
#else
const unsigned supervise_worker_abi = SUPERVISE_WORKER_ABI_VERSION + 998;

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	(void)argc;
	(void)argv;
	sv_worker_log(w, "a plugin of another ABI must not run");
	return 0;
}
#endif
