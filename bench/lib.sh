# shellcheck shell=bash
# Shared helpers of the benchmarks; each bench script sources it first thing.
# Every script gets its own short temp dir ($T) with its own control socket
# ($SOCK).  Everything it starts carries BENCH_TAG=$T in its environment
# (workers inherit supervise's), and the exit trap ends exactly those
# processes, by pid.  Waits poll a condition with a bound.

set -u
export LC_ALL=C

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH_DIR")
BUILD=${BUILD:-$ROOT/build-bench}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
SUPERVISE=${SUPERVISE:-$BUILD/supervise}
BENCH_STAMP=${BENCH_STAMP:-$BUILD/bench/bench_stamp}
BARE_LOOP=${BARE_LOOP:-$BUILD/bench/bare_loop}

for _b in "$SUPERVISE" "$BENCH_STAMP" "$BARE_LOOP"; do
	if [ ! -x "$_b" ]; then
		echo "${0##*/}: $_b: not built (meson setup build-bench" \
		    "--buildtype=release && ninja -C build-bench)" >&2
		exit 69
	fi
done
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID LISTEN_FDS LISTEN_PID

T=$(mktemp -d /tmp/svb.XXXXXX)
SOCK=$T/sock
SV_PID=
export BENCH_TAG=$T

# The pids of live processes whose environment holds BENCH_TAG=$T, but
# this shell and the subshell running this: one grep for all of them (a
# fork per process is seconds on a busy machine), itself without the tag.
_tagged_pids() {
	local me=$BASHPID f p
	for f in $(env -u BENCH_TAG grep -lzxF "BENCH_TAG=$T" \
	    /proc/[0-9]*/environ 2>/dev/null); do
		p=${f#/proc/}
		p=${p%/environ}
		[ "$p" = "$$" ] || [ "$p" = "$me" ] || echo "$p"
	done
}

_bench_cleanup() {
	local p
	if [ -n "$SV_PID" ] && kill -0 "$SV_PID" 2>/dev/null; then
		kill -KILL "$SV_PID" 2>/dev/null
		wait "$SV_PID" 2>/dev/null
	fi
	# Workers die with supervise (PDEATHSIG); this catches any left over.
	for p in $(_tagged_pids); do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP_T:-}" ]; then echo "kept $T" >&2; else rm -rf "$T"; fi
}
trap _bench_cleanup EXIT
trap 'exit 130' INT TERM

# wait_for SECONDS COMMAND...: poll COMMAND every 10ms until it succeeds.
wait_for() {
	local limit=$1; shift
	local deadline=$((SECONDS + limit))
	while ! "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.01
	done
}

# await_lines SECONDS N FILE [REGEX]: wait until FILE holds N lines, or N
# lines matching the extended REGEX, without polling: tail -F waits on
# inotify.  Use it while something is measured: wait_for forks a grep and
# a sleep a hundred times a second, CPU taken from what is timed.
await_lines() {
	local limit=$1 n=$2 file=$3 re=${4:-} fd tail_pid c
	exec {fd}< <(exec tail -n +1 -F "$file" 2> /dev/null)
	tail_pid=$!
	c=$(timeout "$limit" grep -E -c -m "$n" -e "$re" <&"$fd")
	kill "$tail_pid" 2> /dev/null
	exec {fd}<&-
	[ "${c:-0}" -ge "$n" ]
}

# sv_start CONFIG: run supervise in the background, worker output to
# $T/out, event log to $T/err.  Sets SV_PID.
sv_start() {
	: > "$T/err"
	"$SUPERVISE" -c "$1" -s "$SOCK" > "$T/out" 2> "$T/err" &
	SV_PID=$!
}

# sv_stop: TERM, wait for a clean exit (bounded), else KILL.
sv_stop() {
	[ -n "$SV_PID" ] || return 0
	kill -TERM "$SV_PID" 2>/dev/null
	if ! wait_for 60 _sv_gone; then
		echo "${0##*/}: supervise did not stop in 60s; killing it" >&2
		kill -KILL "$SV_PID" 2>/dev/null
	fi
	wait "$SV_PID" 2>/dev/null
	SV_PID=
}
_sv_gone() {
	[ "$(awk '{print $3}' "/proc/$SV_PID/stat" 2>/dev/null)" = Z ] ||
	    ! kill -0 "$SV_PID" 2>/dev/null
}

# log_count REGEX: event log lines matching.
log_count() { grep -Ec -- "$1" "$T/err"; }
# log_at_least N REGEX: at least N event log lines match.
log_at_least() { [ "$(log_count "$2")" -ge "$1" ]; }

# die MESSAGE: report, show the end of the event log, and fail: the whole
# script, also from a subshell ($(...), < <(...)), whose exit alone would
# leave the script going on with empty figures.
die() {
	echo "${0##*/}: $*" >&2
	if [ -s "$T/err" ]; then
		echo "--- last event log lines:" >&2
		tail -n 10 "$T/err" >&2
	fi
	[ "$BASHPID" = "$$" ] || kill -TERM "$$"
	exit 1
}

# wall_ms COMMAND...: REPEATS runs of COMMAND, each one's wall time in ms.
# The clock is read in this shell: a $(...) around it would fork a subshell
# inside the timed span, and a fork of bash costs milliseconds on a slow
# machine.
wall_ms() {
	local i t0 t1 us
	for ((i = 0; i < REPEATS; i++)); do
		t0=${EPOCHREALTIME/./}
		"$@" > /dev/null || die "$* failed"
		t1=${EPOCHREALTIME/./}
		us=$((10#$t1 - 10#$t0))
		printf '%d.%d\n' $((us / 1000)) $((us % 1000 / 100))
	done
}

# stats: numbers on stdin, one a line; prints "N MEDIAN P90 MIN MAX"
# (p90 by nearest rank).
stats() {
	sort -n | awk '{ v[NR] = $1 }
	    END {
		if (NR == 0) { print "0 0 0 0 0"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		r = int(0.9 * NR); if (r < 0.9 * NR) r++
		print NR, m, v[r], v[1], v[NR]
	    }'
}

# result METRIC VALUE TARGET VERDICT: one line of the summary table, printed
# and, when $BENCH_RESULTS names a file, appended to it for run.sh.
result() {
	printf '  %-44s %14s   %-14s %s\n' "$1" "$2" "$3" "$4"
	if [ -n "${BENCH_RESULTS:-}" ]; then
		printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$BENCH_RESULTS"
	fi
}

# verdict OK: "ok" or "MISSED" from a shell test's status.
verdict() { if "$@"; then echo ok; else echo MISSED; fi; }

# ms_of_iso: ISO 8601 UTC timestamps with ms on stdin -> ms since the epoch.
ms_of_iso() {
	TZ=UTC awk '{
		split($1, a, /[-T:.Z]/)
		printf "%.0f\n", mktime(a[1] " " a[2] " " a[3] " " a[4] " " \
		    a[5] " " a[6]) * 1000 + a[7]
	}'
}
