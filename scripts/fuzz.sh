#!/bin/sh
# fuzz.sh [SECONDS]: build the libFuzzer targets (clang, -Dfuzz=true, ASan
# and UBSan) in build-fuzz, then fuzz each for SECONDS (default 60),
# starting from its seed corpus in tests/fuzz/corpus/NAME.  New inputs go
# to build-fuzz/corpus/NAME, crashes to build-fuzz/crashes/NAME/.  Prints
# each target's executions and crashes; exits 1 if any target crashed.
# FUZZ_TARGETS="config proto" picks targets; FUZZ_JOBS=N runs N at once;
# FUZZ_TIMEOUT=S (default 10) is how long one input may take (more on a
# loaded machine, where a fuzzer may wait its turn that long).  Each line
# gives the executions per second, the figure to watch: fuzz_config's
# inputs are written to files in /dev/shm when it is there.
set -eu
cd "$(dirname "$0")/.."
seconds=${1:-60}
targets=${FUZZ_TARGETS:-config proto sdnotify linebuf http}
jobs=${FUZZ_JOBS:-1}
top=$PWD
# Only what the fuzz targets need is built: -Dtests=false drops the other
# test programs, and the targets are compiled by name.
opts="-Dfuzz=true -Dtests=false -Db_lundef=false"
if [ -d build-fuzz/meson-private ]; then
	# shellcheck disable=SC2086
	CC=clang meson setup --reconfigure build-fuzz $opts >/dev/null
else
	# shellcheck disable=SC2086
	CC=clang meson setup build-fuzz $opts >/dev/null
fi
set --
for t in $targets; do
	set -- "$@" "fuzz_$t"
done
meson compile -C build-fuzz "$@" >/dev/null

# ASan keeps freed memory in a quarantine of 256 MiB, to catch a use after
# free: an input allocates far less than 16 MiB, so that catches every
# one within an input all the same, without a new page for each malloc
# of the next thousands of inputs.
ASAN_OPTIONS=quarantine_size_mb=16${ASAN_OPTIONS:+:$ASAN_OPTIONS}
export ASAN_OPTIONS

# fuzz_config writes each input as files: in memory (a tmpfs) where the
# machine has one, not on a disk.
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	work=/dev/shm
else
	work=${TMPDIR:-/tmp}
fi

# run NAME: one target, its log in build-fuzz/fuzz-NAME.log.
run() {
	mkdir -p "$top/build-fuzz/corpus/$1" "$top/build-fuzz/crashes/$1"
	# Paths are absolute: fuzz_config works in a dir of its own.
	rm -rf "$work/fuzz-$1.$$"
	# fuzz_config skips longer inputs (see MAX_INPUT_LEN there).
	maxlen=
	[ "$1" = config ] && maxlen=-max_len=16384
	status=0
	# shellcheck disable=SC2086
	FUZZ_CONFIG_DIR=$work/fuzz-$1.$$ \
	"$top/build-fuzz/tests/fuzz/fuzz_$1" -max_total_time="$seconds" \
	    -print_final_stats=1 -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 \
	    $maxlen -artifact_prefix="$top/build-fuzz/crashes/$1/" \
	    "$top/build-fuzz/corpus/$1" "$top/tests/fuzz/corpus/$1" \
	    > "$top/build-fuzz/fuzz-$1.log" 2>&1 || status=$?
	rm -rf "$work/fuzz-$1.$$"
	return $status
}

# report NAME STATUS: a line of figures from the log.  Failures are the
# artifacts libFuzzer writes for a crash, a leak, an out-of-memory or a
# timeout; slow-unit-* files (an input over 10 s, as on a machine so
# loaded that the fuzzer waits that long for a CPU) are only counted.
report() {
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
	    "build-fuzz/fuzz-$1.log" | tail -n 1)
	crashes=$(find "build-fuzz/crashes/$1" -type f \( -name 'crash-*' \
	    -o -name 'leak-*' -o -name 'oom-*' -o -name 'timeout-*' \) |
	    wc -l)
	slow=$(find "build-fuzz/crashes/$1" -type f -name 'slow-unit-*' |
	    wc -l)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' \
	    "build-fuzz/fuzz-$1.log" | tail -n 1)
	printf 'fuzz_%s: %s executions in %ss (%s/s), %s crashes, %s slow inputs (exit %s)\n' \
	    "$1" "${execs:-?}" "$seconds" "${rate:-?}" "$crashes" "$slow" "$2"
	[ "$2" = 0 ] && [ "$crashes" = 0 ]
}

failed=0
# shellcheck disable=SC2086
set -- $targets
while [ $# -gt 0 ]; do
	batch=
	n=0
	while [ $# -gt 0 ] && [ "$n" -lt "$jobs" ]; do
		(run "$1"; echo $? > "build-fuzz/fuzz-$1.status") &
		batch="$batch $1"
		n=$((n + 1))
		shift
	done
	wait
	for t in $batch; do
		report "$t" "$(cat "build-fuzz/fuzz-$t.status" 2>/dev/null ||
		    echo '?')" || failed=1
	done
done
[ "$failed" = 0 ] || { echo "fuzz.sh: a target crashed; see build-fuzz/crashes/ and build-fuzz/fuzz-*.log" >&2; exit 1; }
