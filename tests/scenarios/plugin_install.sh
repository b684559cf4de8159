#!/usr/bin/env bash
# Plugin authors build against the installed tree only: a DESTDIR install
# holds <supervise/worker.h>, supervise-worker.pc and supervise-worker(3),
# and a plugin written outside the source tree builds with
#   cc -shared -fPIC $(pkg-config --cflags supervise-worker) -o w.so w.c
# then runs under the installed supervise, as a process and as threads.
. "${SCENARIO_LIB:?}" || exit 1

: "${MESON:?}" "${BUILD_ROOT:?}"
scenario_guard

root="$T/root"
"$MESON" install -C "$BUILD_ROOT" --destdir "$root" --no-rebuild --quiet \
    > "$T/install.log" 2>&1
check "meson install --destdir succeeds" test $? = 0 || cat "$T/install.log"

header=$(find "$root" -path '*/include/supervise/worker.h' | head -n 1)
pc=$(find "$root" -name supervise-worker.pc | head -n 1)
page=$(find "$root" -path '*/man3/supervise-worker.3' | head -n 1)
bin=$(find "$root" -path '*/bin/supervise' | head -n 1)
check "the header is installed as supervise/worker.h" test -n "$header"
check "supervise-worker.pc is installed" test -n "$pc"
check "supervise-worker(3) is installed" test -n "$page"
check "supervise is installed" test -x "$bin"

# The example of supervise-worker(3), as a plugin author would write it.
mkdir "$T/outside"
cat > "$T/outside/count.c" <<'C'
#include <stdlib.h>

#include <supervise/worker.h>

SUPERVISE_WORKER_DECLARE;

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	unsigned every = argc > 1 ? (unsigned)atoi(argv[1]) : 1000;
	unsigned long n = 0;

	sv_worker_ready(w);
	while (!sv_worker_should_stop(w)) {
		sv_worker_log(w, "%s: count %lu", sv_worker_name(w), ++n);
		sv_worker_heartbeat(w);
		sv_worker_sleep(w, every);
	}
	return 0;
}
C
# Found through PKG_CONFIG_PATH, its -I rewritten into the DESTDIR by the
# sysroot; kept even when the prefix makes it a system directory.
export PKG_CONFIG_PATH="$(dirname "${pc:-/nonexistent/x}")"
export PKG_CONFIG_SYSROOT_DIR="$root"
export PKG_CONFIG_ALLOW_SYSTEM_CFLAGS=1
cflags=$(pkg-config --cflags supervise-worker)
cflags=${cflags%% }
check "pkg-config knows supervise-worker" test $? = 0
check "its -I points into the installed tree" \
    test "$cflags" = "-I$(dirname "$(dirname "${header:-/x/y}")")"
(cd "$T/outside" && ${CC:-cc} -shared -fPIC -Wall -Wextra -Werror \
    $(pkg-config --cflags supervise-worker) -o count.so count.c) \
    > "$T/cc.log" 2>&1
check "cc -shared -fPIC \$(pkg-config --cflags supervise-worker) builds it" \
    test -f "$T/outside/count.so" || cat "$T/cc.log"
check "it exports the entry point and the ABI version" sh -c \
    "nm -D --defined-only '$T/outside/count.so' | grep -q ' supervise_worker_main\$' &&
     nm -D --defined-only '$T/outside/count.so' | grep -q ' supervise_worker_abi\$'"

write_config "$T/count.ini" <<INI
[worker:count]
plugin = outside/count.so
args = 100
ready = notify
watchdog = 2s
instances = 2
INI
SUPERVISE="$bin"
for mode in process thread; do
	sv_run "$T/count.ini" -m "$mode"
	check "$mode: the outside plugin is running" \
	    wait_log_count 10 2 "count:[01]: running$"
	check "$mode: and counting" wait_out 10 "^count:1 \| count:1: count 3$"
	sv_signal TERM
	check "$mode: stops on TERM" sv_wait_exit 10
	check "$mode: exit 0" test "${SV_STATUS:-x}" = 0
	check "$mode: count:0 exited 0" log_has "count:0: exited with status 0"
done
finish
