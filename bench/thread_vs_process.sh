#!/usr/bin/env bash
# Thread mode against process mode, with the same plugin (crashy.so):
#  - start: from launching supervise until WORKERS plugin workers with
#    ready = notify have all reached RUNNING (each sent READY=1), from the
#    event log's timestamps against the launch time;
#  - memory: the PSS of supervise, plus in process mode that of every
#    worker process (smaps_rollup), once all are RUNNING;
#  - messages: one bench_ping.so worker sends COUNT heartbeats as fast as
#    the host takes them (ready = notify, a watchdog, so that each one is
#    handled); the worker's own time per message, and supervise's CPU time
#    over the burst.  In process mode each heartbeat is an sd_notify
#    datagram that supervise receives and checks; in thread mode it is a
#    flag, and the loop is woken only when it was not already set.
# Ratios are process / thread.
#	WORKERS=N (default 100), ROUNDS=N (default 3; medians), COUNT=N
#	(default 100000)
. "$(dirname "$0")/lib.sh"

WORKERS=${WORKERS:-100}
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-100000}
CRASHY_SO=${CRASHY_SO:-$BUILD/workers/crashy.so}
PING_SO=${PING_SO:-$BUILD/bench/bench_ping.so}
for f in "$CRASHY_SO" "$PING_SO"; do
	[ -f "$f" ] || { echo "${0##*/}: $f: not built" >&2; exit 69; }
done

last_ms() { grep -E -- "$1" "$T/err" | tail -n 1 | ms_of_iso; }
pss_of() {
	awk '$1 == "Pss:" { print $2 }' "/proc/$1/smaps_rollup" 2>/dev/null
}
# cpu_ticks PID: utime + stime of a process, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }

# start_round MODE: start and memory of WORKERS crashy.so workers.
start_round() {
	local mode=$1 t0 t0ms run p kib
	cat > "$T/w.ini" <<INI
[supervisor]
mode = $mode
[worker:c]
plugin = $CRASHY_SO
args = --ready
ready = notify
instances = $WORKERS
stdout = null
stderr = null
INI
	t0=$EPOCHREALTIME
	sv_start "$T/w.ini"
	await_lines 120 "$WORKERS" "$T/err" ': running$' ||
	    die "$mode: only $(log_count ': running$') of $WORKERS running"
	t0ms=$(awk -v t="$t0" 'BEGIN { printf "%.3f", t * 1000 }')
	run=$(awk -v a="$(last_ms ': running$')" -v t="$t0ms" \
	    'BEGIN { printf "%.0f", a - t }')
	kib=$(pss_of "$SV_PID")
	if [ "$mode" = process ]; then
		for p in $(sed -n 's/.*: spawned pid \([0-9]*\)$/\1/p' "$T/err"); do
			kib=$((kib + $(pss_of "$p")))
		done
	fi
	echo "$run" >> "$T/start.$mode"
	echo "$kib" >> "$T/mem.$mode"
	echo "  $mode: all running after ${run}ms, PSS ${kib} KiB"
	sv_stop
}

# ping_round MODE: COUNT heartbeats from one worker.
ping_round() {
	local mode=$1 c0 c1 ns
	cat > "$T/p.ini" <<INI
[supervisor]
mode = $mode
[worker:ping]
plugin = $PING_SO
args = $COUNT
ready = notify
watchdog = 1h
INI
	sv_start "$T/p.ini"
	await_lines 30 1 "$T/err" 'ping: running$' || die "$mode: ping not running"
	c0=$(cpu_ticks "$SV_PID")
	wait_for 120 grep -q 'ping: [0-9]* messages' "$T/out" ||
	    die "$mode: no ping result"
	c1=$(cpu_ticks "$SV_PID")
	ns=$(sed -n 's/.*ping: \([0-9]*\) messages in \([0-9]*\) ns/\2 \1/p' \
	    "$T/out" | awk '{ printf "%.0f", $1 / $2 }')
	echo "$ns" >> "$T/ping.$mode"
	echo "$(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))" >> "$T/cpu.$mode"
	echo "  $mode: ${ns} ns per message," \
	    "supervise CPU $(( (c1 - c0) * 1000 / $(getconf CLK_TCK) ))ms"
	sv_stop
}

for f in start mem ping cpu; do
	: > "$T/$f.process"
	: > "$T/$f.thread"
done
echo "$WORKERS plugin workers (crashy.so --ready), ready = notify:"
for r in $(seq "$ROUNDS"); do
	start_round process
	start_round thread
done
echo "$COUNT heartbeats from one bench_ping.so worker:"
for r in $(seq "$ROUNDS"); do
	ping_round process
	ping_round thread
done

declare -A M
for f in start mem ping cpu; do
	for mode in process thread; do
		read -r _ M[$f.$mode] _ < <(stats < "$T/$f.$mode")
	done
done
result "$WORKERS plugins running, process (ms)" "${M[start.process]}" - -
result "$WORKERS plugins running, thread (ms)" "${M[start.thread]}" - -
result "start time, process / thread" \
    "$(ratio "${M[start.process]}" "${M[start.thread]}")x" - -
result "PSS of $WORKERS plugins, process (KiB)" "${M[mem.process]}" - -
result "PSS of $WORKERS plugins, thread (KiB)" "${M[mem.thread]}" - -
result "memory, process / thread" \
    "$(ratio "${M[mem.process]}" "${M[mem.thread]}")x" - -
result "heartbeat cost, process (ns/msg)" "${M[ping.process]}" - -
result "heartbeat cost, thread (ns/msg)" "${M[ping.thread]}" - -
result "heartbeat cost, process / thread" \
    "$(ratio "${M[ping.process]}" "${M[ping.thread]}")x" - -
result "supervise CPU for $COUNT heartbeats, process (ms)" \
    "${M[cpu.process]}" - -
result "supervise CPU for $COUNT heartbeats, thread (ms)" \
    "${M[cpu.thread]}" - -
