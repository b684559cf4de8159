#!/usr/bin/env bash
# crashy --fault hang hangs for real: no output, no heartbeat, and it never
# looks at the stop request again.  As a process (the executable or the
# plugin) the stop signal's default action ends it, or the KILL after
# stop_timeout when its stop signal is one it blocks; as a thread nothing
# can, and supervise names it and exits 70 after stop_timeout.  stall only
# stops heartbeating: a stop still ends it, in both modes.
. "$SCENARIO_LIB"

: "${CRASHY_PLUGIN:?}"
scenario_guard

state_of() { ctl status "$1" | awk -v n="$1" '$1 == n { print $2 }'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
# sig_bit PID FIELD SIG: SIG is set in /proc/PID/status's FIELD mask.
sig_bit() {
	local hex
	hex=$(proc_field "$1" "$2")
	[ -n "$hex" ] && [ $(( (0x$hex >> ($3 - 1)) & 1 )) = 1 ]
}
# hung PID: crashy no longer catches TERM, and blocks USR1.
hung() { ! sig_bit "$1" SigCgt 15 && sig_bit "$1" SigBlk 10; }
# thread_hung PID: one of supervise's threads blocks SEGV: only the hang
# does (worker threads keep the fault signals unblocked).
thread_hung() {
	local f hex
	for f in /proc/"$1"/task/*/status; do
		hex=$(sed -n 's/^SigBlk:[[:space:]]*//p' "$f" 2>/dev/null)
		[ -n "$hex" ] && [ $(( (0x$hex >> 10) & 1 )) = 1 ] && return 0
	done
	return 1
}

# ---- process mode: the executable and the plugin
write_config "$T/p.ini" <<INI
[worker:exe]
command = crashy --fault hang --heartbeat 50ms --output 1
stop_timeout = 20s
[worker:plug]
plugin = $CRASHY_PLUGIN
args = --fault hang --heartbeat 50ms
stop_timeout = 20s
[worker:usr2]
command = crashy --fault hang
stop_signal = USR2
stop_timeout = 300ms
INI
sv_run "$T/p.ini"
for w in exe plug usr2; do
	check "process: $w running" wait_for 10 is_state "$w" RUNNING
	p=$(pid_of "$w")
	check "process: $w hangs" wait_for 10 hung "$p"
done
lines=$(wc -l < "$T/out")
ctl signal USR1 exe > /dev/null
check "process: USR1 does not reach a hung crashy" eval \
    '! wait_for 1 eval "! alive $(pid_of exe)"'
check "process: no output since the hang" test "$(wc -l < "$T/out")" = "$lines"
check "process: stop exe" ctl stop exe
check "process: TERM's default action ends the executable" \
    log_has "exe: killed by signal TERM"
check "process: stop plug" ctl stop plug
check "process: and the plugin" log_has "plug: killed by signal TERM"
check "process: stop usr2" ctl stop usr2
check "process: a blocked stop signal: KILL after stop_timeout" \
    log_has "usr2: killed by signal KILL"
sv_signal TERM
check "process: exits on TERM" sv_wait_exit 10
check "process: exit 0" test "${SV_STATUS:-x}" = 0

# ---- process mode: no heartbeat once hung
write_config "$T/w.ini" <<INI
[worker:wd]
plugin = $CRASHY_PLUGIN
args = --ready --heartbeat 50ms --after 400ms --fault hang
ready = notify
watchdog = 300ms
restart = never
INI
sv_run "$T/w.ini"
check "process: running with heartbeats" wait_log 10 "wd: running"
check "process: the hang misses the watchdog" wait_log 10 "wd: watchdog timeout"
check "process: ABRT ends it" wait_log 10 "wd: killed by signal ABRT"
sv_signal TERM
check "process: exits" sv_wait_exit 10

# ---- thread mode: nothing ends it; supervise names it and exits 70
write_config "$T/t.ini" <<INI
[supervisor]
mode = thread
[worker:calm]
plugin = $CRASHY_PLUGIN
[worker:hung]
plugin = $CRASHY_PLUGIN
args = --fault hang --heartbeat 50ms
stop_timeout = 500ms
INI
sv_run "$T/t.ini"
check "thread: running" wait_for 10 is_state hung RUNNING
check "thread: the thread hangs" wait_for 10 thread_hung "$SV_PID"
ctl signal USR1 hung > /dev/null
lines=$(wc -l < "$T/out")
check "thread: stop hung" eval 'ctl stop hung > /dev/null 2>&1; true'
check "thread: supervise ends" sv_wait_exit 10
check "thread: exit 70" test "${SV_STATUS:-x}" = 70
check "thread: names the worker" \
    log_has "hung: thread did not stop within 500ms; exiting 70"
check "thread: no line from the hung thread" \
    eval '! grep -q "^hung |" <(tail -n +$((lines + 1)) "$T/out")'

# ---- stall: no heartbeat, but a stop ends it, in both modes
write_config "$T/s.ini" <<INI
[worker:st]
plugin = $CRASHY_PLUGIN
args = --ready --heartbeat 50ms --after 300ms --fault stall
ready = notify
watchdog = 400ms
restart = never
stop_timeout = 10s
INI
for mode in process thread; do
	sv_run "$T/s.ini" -m "$mode"
	check "$mode: stall misses the watchdog" wait_log 10 "st: watchdog timeout"
	if [ "$mode" = process ]; then
		check "$mode: and ends on ABRT" wait_log 10 "st: killed by signal ABRT"
	else
		check "$mode: and returns when stopped" \
		    wait_log 10 "st: exited with status 0"
	fi
	sv_signal TERM
	check "$mode: exits on TERM" sv_wait_exit 10
	check "$mode: exit 0" test "${SV_STATUS:-x}" = 0
done
finish
