# Shared helpers for the scenario tests.  Source it first thing:
#   . "$SCENARIO_LIB"
# Each test gets its own short temp dir ($T) with its own control socket
# ($SOCK), and every process started through sv_start is killed on exit.
# Waits poll a condition with a bound; nothing sleeps as synchronisation.

set -u

: "${SUPERVISE:?}" "${SUPERVISECTL:?}" "${CRASHY:?}"
# Crash injection must produce real signals, not sanitizer reports.  Leak
# detection stays as the caller set it (on in scripts/test.sh): supervise's
# clean exit must leave nothing behind; crashy, whose faults leak and die
# mid-allocation on purpose, turns it off for itself.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:handle_segv=0:handle_sigbus=0:handle_sigfpe=0:handle_abort=0"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:halt_on_error=1:print_stacktrace=1"
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID LISTEN_FDS LISTEN_PID

T=$(mktemp -d /tmp/svt.XXXXXX)
# Workers that run as another user (user = nobody), and clients run as
# one, must reach what they exec: a checkout inside a 0700 directory (a
# home, a mktemp -d) is out of their reach.  As root, crashy, its plugin
# and supervisectl therefore run from copies in a directory of their own
# that everyone can enter ($PUB, removed with $T).
PUB=
if [ "$(id -u)" = 0 ]; then
	PUB=$(mktemp -d /tmp/svp.XXXXXX)
	cp "$CRASHY" "$SUPERVISECTL" "$PUB/"
	if [ -f "$(dirname "$CRASHY")/crashy.so" ]; then
		cp "$(dirname "$CRASHY")/crashy.so" "$PUB/"
	fi
	chmod 0755 "$PUB" "$PUB"/*
	CRASHY=$PUB/$(basename "$CRASHY")
	SUPERVISECTL=$PUB/$(basename "$SUPERVISECTL")
	export CRASHY SUPERVISECTL
fi
export PATH="$(dirname "$CRASHY"):$PATH"
# python3 through a version manager's shim (pyenv) runs shell scripts
# before Python: seconds on a loaded machine, longer than some bounds
# here.  The tests need only the standard library: the system's python3
# directly, when there is one.
if [ -x /usr/bin/python3 ] && [ "$(command -v python3)" != /usr/bin/python3 ]; then
	mkdir "$T/.py" && ln -s /usr/bin/python3 "$T/.py/python3" &&
	    export PATH="$T/.py:$PATH"
fi
# A test killed without its EXIT trap running (meson's timeout ends with
# KILL) must not leave its supervise behind: every supervise it starts,
# by sv_start or by "$SUPERVISE" directly, runs through a wrapper that
# has the kernel kill it when the process that started it dies
# (PR_SET_PDEATHSIG, kept across exec; its workers follow it by their
# own).  $SUPERVISE_BIN stays the program itself.  The wrapper is named
# supervise, so a test that finds supervise through $(dirname
# "$SUPERVISE") in PATH gets it too.
SUPERVISE_BIN=${SUPERVISE_BIN:-$SUPERVISE}
export SUPERVISE_BIN
if command -v setpriv > /dev/null &&
    setpriv --pdeathsig KILL true 2> /dev/null; then
	mkdir "$T/guard"
	printf '#!/bin/sh\nexec setpriv --pdeathsig KILL -- %q "$@"\n' \
	    "$SUPERVISE" > "$T/guard/supervise"
	chmod 0755 "$T/guard/supervise"
	SUPERVISE=$T/guard/supervise
	export SUPERVISE
fi
SOCK="$T/sock"
SV_PID=
FAILS=0
TESTS=0
_started_pids=()

_cleanup() {
	local p
	for p in "${_started_pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	for p in "${_started_pids[@]}"; do
		wait "$p" 2>/dev/null
	done
	if [ -n "${KEEP_T:-}" ]; then echo "kept $T"; else rm -rf "$T"; fi
	[ -z "$PUB" ] || rm -rf "$PUB"
}
trap _cleanup EXIT

# Remember a pid started by the test, to be killed on exit.
track() { _started_pids+=("$1"); }

fail() {
	echo "FAIL: $*"
	FAILS=$((FAILS + 1))
	if [ -f "$T/err" ]; then echo "--- supervise stderr:"; tail -n 40 "$T/err"; fi
}
pass() { echo "ok: $*"; }

# check DESCRIPTION COMMAND...: run a test assertion.
check() {
	local what=$1; shift
	TESTS=$((TESTS + 1))
	if "$@"; then pass "$what"; else fail "$what"; fi
}

# wait_for SECONDS COMMAND...: poll COMMAND every 20ms until it succeeds.
wait_for() {
	local limit=$1; shift
	local deadline=$((SECONDS + limit))
	while ! "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.02
	done
	return 0
}

# write_config FILE: stdin to FILE.
write_config() { cat > "$1"; }

# sv_start CONFIG [ARGS...]: run supervise in the background; stdout to
# $T/out, stderr (the event log) to $T/err.  Sets SV_PID.
sv_start() {
	local conf=$1; shift
	# Truncate here, not in the background child: a check right after
	# sv_start must never read the previous run's log.
	: > "$T/out"
	: > "$T/err"
	"$SUPERVISE" -c "$conf" -s "$SOCK" "$@" >> "$T/out" 2>> "$T/err" &
	SV_PID=$!
	track "$SV_PID"
}

# sv_wait_exit SECONDS: wait for supervise to exit; sets SV_STATUS.
sv_wait_exit() {
	local limit=$1
	wait_for "$limit" _sv_gone || return 1
	wait "$SV_PID" 2>/dev/null
	SV_STATUS=$?
	return 0
}
_sv_gone() { ! kill -0 "$SV_PID" 2>/dev/null || _is_zombie "$SV_PID"; }
_is_zombie() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# log_has PATTERN: the event log has a line matching the extended regex.
log_has() { grep -Eq -- "$1" "$T/err"; }
# log_count PATTERN: number of event log lines matching.
log_count() { grep -Ec -- "$1" "$T/err"; }
out_has() { grep -Eq -- "$1" "$T/out"; }

# pid_of NAME: pid from the last `NAME: spawned pid P` line.
pid_of() {
	sed -n "s/.* supervise: $1: spawned pid \([0-9]*\)\$/\1/p" "$T/err" | tail -n 1
}
alive() { kill -0 "$1" 2>/dev/null && ! _is_zombie "$1"; }
dead() { ! alive "$1"; }

# ctl ARGS...: supervisectl on this test's socket.
ctl() { "$SUPERVISECTL" -s "$SOCK" "$@"; }

# finish: print the summary line and exit non-zero on any failure.
finish() {
	echo "$((TESTS - FAILS)) passed, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}

# ---- more helpers (added; the ones above are unchanged) ----

# wait_log SECONDS PATTERN: wait until the event log has a matching line.
wait_log() { wait_for "$1" log_has "$2"; }
# wait_log_count SECONDS N PATTERN: wait for at least N matching lines.
wait_log_count() { wait_for "$1" _log_count_ge "$2" "$3"; }
_log_count_ge() { [ "$(log_count "$2")" -ge "$1" ]; }
# wait_out SECONDS PATTERN: wait until supervise's stdout has a line.
wait_out() { wait_for "$1" out_has "$2"; }

# pids_of NAME: every pid the event log says NAME was spawned with.
pids_of() {
	sed -n "s/.* supervise: $1: spawned pid \([0-9]*\)\$/\1/p" "$T/err"
}
# spawned_pids: every pid of every `spawned pid P` line.
spawned_pids() {
	sed -n 's/.* supervise: .*: spawned pid \([0-9]*\)$/\1/p' "$T/err"
}
# spawn_count NAME: how many times NAME was spawned.
spawn_count() { pids_of "$1" | grep -c .; }
# spawned_times NAME N: NAME was spawned at least N times (for wait_for).
spawned_times() { [ "$(spawn_count "$1")" -ge "$2" ]; }
# line_of PATTERN: number of the first event log line matching, or 0.
line_of() {
	local n
	n=$(grep -En -- "$1" "$T/err" | head -n 1 | cut -d: -f1)
	echo "${n:-0}"
}
# ours PID: alive, and (after scenario_guard) a process of this test, so
# that a pid reused by someone else after a reap does not count.
ours() {
	alive "$1" || return 1
	[ -z "${SCENARIO_T:-}" ] && return 0
	grep -qszxF -- "SCENARIO_T=$T" "/proc/$1/environ"
}
# all_dead PID...: none of them is still a live process of this test (a
# zombie counts as dead).
all_dead() {
	local p
	for p in "$@"; do ours "$p" && return 1; done
	return 0
}
# proc_field PID FIELD: a field of /proc/PID/status, e.g. Uid.
proc_field() { sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" 2>/dev/null; }
# sv_signal SIG: send a signal to supervise.
sv_signal() { kill -"$1" "$SV_PID"; }
# sv_run CONFIG [ARGS...]: sv_start, with $T/out and $T/err emptied first
# by the test itself: sv_start's redirections happen in the background
# child, so until it runs a check could read the last run's log (or find
# no log at all).
sv_run() { sv_start "$@"; }
# sv_run_fifo CONFIG: supervise with its stdout on the FIFO $T/fifo, which
# nobody reads yet: this shell holds it open on fd 3 for reading and
# writing, so that neither open blocks.  fifo_read then reads it.
sv_run_fifo() {
	mkfifo "$T/fifo"
	exec 3<> "$T/fifo"
	: > "$T/err"
	"$SUPERVISE" -c "$1" -s "$SOCK" > "$T/fifo" 2> "$T/err" 3<&- &
	SV_PID=$!
	track "$SV_PID"
}
# fifo_read: the reader comes: cat copies the FIFO to $T/out (its pid in
# FIFO_READER).  fd 3 is closed only once cat has the FIFO open: a FIFO
# without a reader would give supervise EPIPE.
_fifo_reading() { [ "$(readlink "/proc/$FIFO_READER/fd/0")" = "$T/fifo" ]; }
fifo_read() {
	cat < "$T/fifo" > "$T/out" 3<&- &
	FIFO_READER=$!
	track "$FIFO_READER"
	wait_for 5 _fifo_reading
	exec 3<&-
}
# sv_use_socket NAME: a fresh socket for the next sv_start in this test.
sv_use_socket() { SOCK="$T/$1"; }

# Processes that descend from this test carry SCENARIO_T in their
# environment; workers also carry SUPERVISE_NAME.  scenario_guard makes
# the exit also kill any worker (or worker's child) of this test that is
# left, even one that escaped its process group; leftovers lists them.
scenario_guard() {
	export SCENARIO_T="$T"
	trap '_cleanup; kill_leftovers' EXIT
}
leftovers() {
	local f p
	for f in $(grep -lszxF -- "SCENARIO_T=$T" /proc/[0-9]*/environ); do
		p=${f#/proc/}
		p=${p%/environ}
		grep -qsz '^SUPERVISE_NAME=' "$f" || continue
		alive "$p" && echo "$p"
	done
	return 0
}
kill_leftovers() {
	local p
	for p in $(leftovers); do kill -KILL "$p" 2>/dev/null; done
	return 0
}
# no_leftovers: no worker process of this test is alive.
no_leftovers() { [ -z "$(leftovers)" ]; }

# reap PID: kill a process this test started, wait for it, and forget it
# (so that the exit does not signal its pid again once it may be reused).
reap() {
	local p keep=()
	kill -KILL "$1" 2>/dev/null
	wait "$1" 2>/dev/null
	for p in "${_started_pids[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	_started_pids=("${keep[@]}")
}

# skip WHY: say why a check cannot run here.
skip() { echo "skipped: $*"; }
