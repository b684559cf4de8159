#!/bin/sh
# Install what is needed, then build and run every test twice: with gcc,
# and under AddressSanitizer + UndefinedBehaviorSanitizer; clang must build
# it warning-free too.  Then the fuzz targets replay their seed corpora and
# fuzz each for a short while (scripts/fuzz.sh).  The `bench` suite (a quick
# run of bench/seed_table.sh, about a minute) and a 30-second soak run once,
# in the gcc build.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh --bench

scripts/build.sh build
meson test -C build --print-errorlogs --num-processes 2
meson test -C build --print-errorlogs --suite bench
# The soak, short: a 30s crash storm (tests/soak/crash_storm.sh MINUTES).
BUILD=build tests/soak/crash_storm.sh 0.5

CC=clang scripts/build.sh build-clang

scripts/build.sh build-asan -Db_sanitize=address,undefined -Db_lundef=false
ASAN_OPTIONS=detect_leaks=1 meson test -C build-asan --print-errorlogs \
    --num-processes 2 --timeout-multiplier 2

CC=clang scripts/build.sh build-fuzz -Dfuzz=true -Db_lundef=false
meson test -C build-fuzz --suite fuzz --print-errorlogs
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
