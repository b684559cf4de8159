#!/bin/sh
# Install what is needed, then build and run every test twice: with gcc,
# and under AddressSanitizer + UndefinedBehaviorSanitizer; clang must build
# it warning-free too.  As root, the scenarios that drop privileges run
# again from a copy of the tree in a 0700 directory.  Then the fuzz
# targets replay their seed corpora and fuzz each for a short while
# (scripts/fuzz.sh).  The `bench` suite (a quick run of
# bench/seed_table.sh, about a minute) and a 30-second soak run once, in
# the gcc build.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --bench

scripts/build.sh build
meson test -C build --print-errorlogs --num-processes 2
meson test -C build --print-errorlogs --suite bench
# The soak, short: a 30s crash storm (tests/soak/crash_storm.sh MINUTES).
BUILD=build tests/soak/crash_storm.sh 0.5

CC=clang scripts/build.sh build-clang

# The tests must not depend on where the checkout lives.  As root, the
# scenarios whose workers or clients run as nobody run once more from a
# copy of the tree inside a 0700 directory (as a checkout in a home is),
# which nobody cannot enter.
if [ "$(id -u)" -eq 0 ]; then
	private=$(mktemp -d /tmp/supervise-0700.XXXXXX)
	trap 'rm -rf "$private"' EXIT
	mkdir "$private/supervise"
	tar -cf - --exclude='./build*' --exclude=./.git . |
	    tar -xf - -C "$private/supervise"
	(cd "$private/supervise" && scripts/build.sh build >/dev/null &&
	    meson test -C build --print-errorlogs --num-processes 2 \
	    core_orphans core_limits core_user control_socket)
	rm -rf "$private"
	trap - EXIT
fi

scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1 meson test -C build-asan --print-errorlogs \
    --num-processes 2 --timeout-multiplier 2

scripts/fuzz.sh "${FUZZ_SECONDS:-10}"
meson test -C build-fuzz --suite fuzz --print-errorlogs --no-rebuild
