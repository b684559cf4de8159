#!/usr/bin/env bash
# The threads-against-processes table, every claim measured: one
# experiment per claim (T1-T10 about threads, P1-P10 about processes), the
# same plugin (bench/plugins/seed.so) under supervise's thread mode and
# process mode wherever the claim is about that contrast; CPython's
# threads against CPython processes for the claims about Python.  This
# script runs the experiments and writes their raw figures to OUT/raw.txt;
# bench/seed_report.py turns them into OUT/seed-table.md, .json and .svg,
# with the verdicts the figures give.
#	QUICK=1 (a run under a minute), OUT=DIR (default
#	build-bench/seed-table), BUILD=DIR (default build-bench),
#	STEPS="t1 p9 ..." (some of the experiments, for a closer look;
#	the table then has figures only for their rows)
# Every run of supervise is bounded; every process the script starts is
# ended by pid on exit (lib.sh).
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"

SEED_SO=${SEED_SO:-$BUILD/bench/seed.so}
PROBE=${PROBE:-$BUILD/bench/seed_probe}
CRASHY_SO=${CRASHY_SO:-$BUILD/workers/crashy.so}
SUPERVISECTL=${SUPERVISECTL:-$BUILD/supervisectl}
for f in "$SEED_SO" "$PROBE" "$CRASHY_SO" "$SUPERVISECTL"; do
	[ -e "$f" ] || { echo "${0##*/}: $f: not built" >&2; exit 69; }
done
if [ -x /usr/bin/python3 ]; then PY=/usr/bin/python3; else PY=$(command -v python3); fi
[ -n "$PY" ] || { echo "${0##*/}: python3 is needed" >&2; exit 69; }
if ! command -v gnuplot > /dev/null; then
	"$ROOT/scripts/deps.sh" --bench >&2 ||
	    echo "${0##*/}: no gnuplot: the plot is left out" >&2
fi

OUT=${OUT:-$ROOT/build-bench/seed-table}
case $OUT in /*) ;; *) OUT=$PWD/$OUT ;; esac
mkdir -p "$OUT"
RAW=$OUT/raw.txt
: > "$RAW"
NCPU=$(nproc)
ulimit -c 0	# the crashes are on purpose: no core files

if [ -n "${QUICK:-}" ]; then
	DUTY_MS=400 RESPOND_N=100 SPIN_ITERS=40000000 ROUNDS=1 WATCH_MS=300
	ADDS=10000000 LOCKED_ADDS=300000 DEADLOCK_MS=300 PING_N=2000
	BULK_MIB=32 RTT_N=2000 STOP_MS=300 LOAD_MS=2500 SCALE="1 50"
	PY_WORK=1000000 MGR_N=300
else
	DUTY_MS=3000 RESPOND_N=1000 SPIN_ITERS=400000000 ROUNDS=3 WATCH_MS=1000
	ADDS=200000000 LOCKED_ADDS=10000000 DEADLOCK_MS=1000 PING_N=20000
	BULK_MIB=512 RTT_N=20000 STOP_MS=1000 LOAD_MS=10000
	SCALE="1 100 1000" PY_WORK=10000000 MGR_N=3000
fi
MODES="thread process"

raw() { echo "$*" >> "$RAW"; }
note() { echo "  $*" >&2; }

# ini MODE: a new config $T/w.ini for MODE.
ini() {
	printf '[supervisor]\nmode = %s\nshutdown_timeout = 20s\n' "$1" > "$T/w.ini"
}
# plugin NAME INSTANCES ARGS [KEY = VALUE...]: a seed.so worker, ready
# once it says so, never restarted.
plugin() {
	local name=$1 n=$2 args=$3
	shift 3
	printf '[worker:%s]\nplugin = %s\nargs = %s\ninstances = %s\n' \
	    "$name" "$SEED_SO" "$args" "$n" >> "$T/w.ini"
	printf 'ready = notify\nrestart = never\n' >> "$T/w.ini"
	local kv
	for kv in "$@"; do echo "$kv" >> "$T/w.ini"; done
}
# command NAME INSTANCES COMMAND [KEY = VALUE...]: a command worker.
command_worker() {
	local name=$1 n=$2 cmd=$3
	shift 3
	printf '[worker:%s]\ncommand = %s\ninstances = %s\n' \
	    "$name" "$cmd" "$n" >> "$T/w.ini"
	printf 'restart = never\nmin_uptime = 0\n' >> "$T/w.ini"
	local kv
	for kv in "$@"; do echo "$kv" >> "$T/w.ini"; done
}
# launch [PREFIX...]: supervise on $T/w.ini, run through PREFIX (taskset).
launch() {
	: > "$T/err"
	: > "$T/out"
	"$@" "$SUPERVISE" -c "$T/w.ini" -s "$SOCK" > "$T/out" 2> "$T/err" &
	SV_PID=$!
}
# await SECONDS COMMAND...: wait_for, but give up as soon as supervise
# has ended (a config error, a fault in thread mode); then COMMAND's status.
await() {
	local limit=$1
	shift
	wait_for "$limit" _cond_or_dead "$@"
	"$@"
}
_cond_or_dead() { "$@" || sv_dead; }
# seed_lines KIND [REGEX]: the workers' `seed KIND ...` lines, without
# the prefix, those matching REGEX.
seed_lines() {
	sed -n "s/^.* | seed $1 //p" "$T/out" | grep -E -- "${2:-.}"
}
have_lines() { [ "$(seed_lines "$1" "$3" | wc -l)" -ge "$2" ]; }
# collect KIND N LIMIT RAW-PREFIX [REGEX]: wait for N lines (matching
# REGEX), record them, stop supervise.
collect() {
	local line
	if await "$3" have_lines "$1" "$2" "${5:-.}"; then
		seed_lines "$1" "${5:-.}" |
		    while read -r line; do raw "$4 $line"; done
	else
		note "$4: only $(seed_lines "$1" "${5:-.}" | wc -l) of $2 results"
		tail -n 3 "$T/err" >&2
	fi
	sv_stop
}
running() { log_at_least "$1" ': running$'; }
sv_dead() { ! kill -0 "$SV_PID" 2>/dev/null || _sv_gone; }
now_ms() { awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.0f", t * 1000 }'; }
# pss_sum PID...: their PSS together, in KiB (one awk for 1,000 of them).
pss_sum() {
	local p
	for p in "$@"; do echo "/proc/$p/smaps_rollup"; done |
	    xargs cat 2>/dev/null |
	    awk '$1 == "Pss:" { s += $2 } END { print s + 0 }'
}
worker_pids() { sed -n 's/.*: spawned pid \([0-9]*\)$/\1/p' "$T/err"; }

raw "meta ncpu $NCPU"
raw "meta quick ${QUICK:-0}"
raw "meta adds $ADDS $LOCKED_ADDS"
raw "meta load $LOAD_MS 1000"
raw "meta stop_ms $STOP_MS"
raw "meta scale $SCALE"
raw "meta cpu $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
raw "meta kernel $(uname -sr)"
raw "meta date $(date -u +%Y-%m-%dT%H:%MZ)"
raw "meta load_avg $(cut -d' ' -f1-3 /proc/loadavg)"

# T1: workers that compute 2ms and wait 6ms, 1 against 4.
t1() {
	local mode n
	for mode in $MODES; do
		for n in 1 4; do
			ini "$mode"
			plugin d "$n" "duty 2000 6 $DUTY_MS"
			launch
			collect duty "$n" $((DUTY_MS / 1000 + 30)) "duty $mode $n"
		done
	done
}

# T3: the round trip to a worker waiting for input, alone and while
# NCPU other workers compute flat out.
t3() {
	local mode load r n
	for mode in $MODES; do
		for load in idle busy; do
			ini "$mode"
			plugin e 1 "echo unix:$T"
			n=1
			if [ "$load" = busy ]; then
				plugin s "$NCPU" "spin 0"
				n=$((1 + NCPU))
			fi
			launch
			if await 30 running "$n" &&
			    r=$("$PROBE" rtt "unix:$T/echo-0.sock" "$RESPOND_N" 2000); then
				raw "respond $mode $load ${r#rtt }"
			else
				note "respond $mode $load: no figure"
			fi
			sv_stop
		done
	done
}

# T4, T5: N CPU-bound workers, on every CPU and on one.
t4() {
	local mode cpus n r
	for r in $(seq "$ROUNDS"); do
		for mode in $MODES; do
			for cpus in all one; do
				for n in 1 "$NCPU"; do
					ini "$mode"
					plugin s "$n" "spin $SPIN_ITERS"
					if [ "$cpus" = one ]; then
						launch taskset -c 0
					else
						launch
					fi
					collect spin "$n" 120 "spin $mode $cpus.$n.$r"
				done
			done
		done
	done
}

# T2, P8: a global changed by one instance, watched by three others.
t2() {
	local mode
	for mode in $MODES; do
		ini "$mode"
		plugin g 4 "global $WATCH_MS"
		launch
		collect global 3 30 "global $mode" seen
	done
}

# T6, P1: one instance overruns its slot of a table; three others check.
t6() {
	local mode
	for mode in $MODES; do
		ini "$mode"
		plugin s 4 "scribble $WATCH_MS 4"
		launch
		collect scribble 3 30 "scribble $mode" 'corrupted|intact'
	done
}

# T7, T10: a counter shared by NCPU instances, without and with a lock;
# two instances taking two locks in opposite and in the same order.
t7() {
	local mode kind m order n=$NCPU
	[ "$n" -lt 2 ] && n=2
	for mode in $MODES; do
		for kind in nolock lock atomic; do
			m=$ADDS
			[ "$kind" = nolock ] || m=$LOCKED_ADDS
			ini "$mode"
			plugin c "$n" "counter $m $kind $T/counter.$mode.$kind $n"
			launch
			collect counter "$n" 120 "counter $mode"
		done
		for order in inverted ordered; do
			ini "$mode"
			plugin d 2 "deadlock $order $DEADLOCK_MS $T/lock.$mode.$order"
			launch
			collect deadlock 2 30 "deadlock $mode"
		done
	done
}

# P9 (T2, P8): round trips and bulk between two instances.
p9() {
	local mode
	for mode in $MODES; do
		ini "$mode"
		plugin p 2 "pingpong $PING_N $BULK_MIB $T"
		launch
		collect pingpong 1 120 "pingpong $mode" '^-?[0-9]'
	done
}

# P4: round trips to a worker over a Unix socket and over TCP loopback.
p4() {
	local mode net r a
	for mode in $MODES; do
		ini "$mode"
		plugin u 1 "echo unix:$T"
		plugin n 1 "echo tcp:$T"
		launch
		if await 30 running 2; then
			for net in unix tcp; do
				if [ "$net" = unix ]; then a=unix:$T/echo-0.sock
				else a=tcp:$T/echo-0.port; fi
				if r=$("$PROBE" rtt "$a" "$RTT_N"); then
					raw "net $mode $net ${r#rtt }"
				else
					note "net $mode $net: no figure"
				fi
			done
		fi
		sv_stop
	done
}

# T8, P3: stop a worker that hangs, beside two healthy ones.
t8() {
	local mode t0 t1 ctl status alive p
	for mode in $MODES; do
		ini "$mode"
		plugin h 1 hang "stop_timeout = ${STOP_MS}ms"
		plugin k 2 idle
		launch
		if ! await 30 running 3; then
			note "hang $mode: not running"
			sv_stop
			continue
		fi
		t0=$(now_ms)
		"$SUPERVISECTL" -s "$SOCK" stop h > /dev/null 2>&1 &
		ctl=$!
		wait_for 30 eval 'sv_dead || log_at_least 1 "h: (stopped|killed|exited)"'
		t1=$(now_ms)
		wait_for 30 eval "! kill -0 $ctl 2>/dev/null"
		wait "$ctl" 2> /dev/null
		status=running
		alive=0
		if sv_dead; then
			wait "$SV_PID"
			status=$?
			SV_PID=
		elif [ "$mode" = process ]; then
			for p in $(sed -n 's/.*k:[01]: spawned pid \([0-9]*\)$/\1/p' "$T/err"); do
				kill -0 "$p" 2>/dev/null && alive=$((alive + 1))
			done
		else
			alive=2
		fi
		raw "hang $mode $((t1 - t0)) $status $alive 2"
		sv_stop
	done
}

# T9, P6: requests to two healthy workers while a third crashes every
# second (crashy.so, started as the load starts).
t9() {
	local mode r crashes status
	for mode in $MODES; do
		ini "$mode"
		plugin e 2 "echo unix:$T"
		printf '[worker:bomb]\nplugin = %s\nargs = --after 1s --fault segv\n' \
		    "$CRASHY_SO" >> "$T/w.ini"
		printf 'autostart = no\nmin_uptime = 0\nrestart = always\n' >> "$T/w.ini"
		launch
		if ! await 30 running 2; then
			note "load $mode: not running"
			sv_stop
			continue
		fi
		"$PROBE" load "$LOAD_MS" 1000 "unix:$T/echo-0.sock" \
		    "unix:$T/echo-1.sock" > "$T/load" &
		local probe=$!
		"$SUPERVISECTL" -s "$SOCK" start bomb > /dev/null 2>&1
		wait_for $((LOAD_MS / 1000 + 30)) eval "! kill -0 $probe 2>/dev/null"
		wait "$probe"
		r=$(cat "$T/load")
		crashes=$(log_count 'bomb: killed by signal SEGV')
		status=running
		if sv_dead; then
			wait "$SV_PID"
			status=$?
			SV_PID=
		fi
		raw "service $mode ${r#load } $crashes $status"
		sv_stop
	done
}

# P7, P10: N idle instances: start, PSS, stop.
p7() {
	local mode n t0 run kib t1 done_ms
	for mode in $MODES; do
		for n in $SCALE; do
			ini "$mode"
			plugin i "$n" idle "stop_timeout = 10s"
			t0=$(now_ms)
			launch
			if ! await $((120 + n / 4)) running "$n"; then
				note "scale $mode $n: only $(log_count ': running$') running"
				sv_stop
				continue
			fi
			run=$(( $(grep -E ': running$' "$T/err" | tail -n 1 | ms_of_iso) - t0 ))
			# shellcheck disable=SC2046 # one word per pid
			kib=$(pss_sum "$SV_PID" $([ "$mode" = process ] && worker_pids))
			t1=$(now_ms)
			kill -TERM "$SV_PID"
			wait_for 60 sv_dead
			done_ms=$(grep -E 'shutdown complete' "$T/err" | tail -n 1 | ms_of_iso)
			[ -n "$done_ms" ] || done_ms=$(now_ms)
			raw "scale $mode $n $run $((done_ms - t1)) $kib"
			sv_stop
		done
	done
}

# P2, P5: CPython, N processes under supervise against N threads in one.
p2() {
	local n key
	for n in 1 "$NCPU"; do
		ini process
		command_worker c "$n" "$PY $BENCH_DIR/seed_py.py cpu $PY_WORK"
		launch
		collect pycpu "$n" 120 "pycpu process $n"
		ini process
		command_worker c 1 "$PY $BENCH_DIR/seed_py.py threads $n $PY_WORK"
		launch
		collect pythreads 1 120 "pythreads thread $n"
	done
	key=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	ini process
	command_worker m 1 "$PY $BENCH_DIR/seed_py.py mgr-server $T" \
	    "env = SEED_AUTHKEY=$key"
	command_worker k 1 "$PY $BENCH_DIR/seed_py.py mgr-client $T $MGR_N" \
	    "env = SEED_AUTHKEY=$key"
	launch
	collect pymgr 1 120 "pymgr process"
}

t_all=$EPOCHREALTIME
for step in ${STEPS:-t1 t3 t4 t2 t6 t7 p9 p4 t8 t9 p7 p2}; do
	t_step=$EPOCHREALTIME
	[ "$step" = t9 ] && note "(thread mode ends by SEGV here, on purpose)"
	"$step"
	awk -v a="$t_step" -v b="$EPOCHREALTIME" -v s="$step" \
	    'BEGIN { printf "  %s: %.1fs\n", s, b - a }' >&2
done
awk -v a="$t_all" -v b="$EPOCHREALTIME" \
    'BEGIN { printf "  experiments: %.1fs\n", b - a }' >&2
"$PY" "$BENCH_DIR/seed_report.py" "$RAW" "$OUT"
