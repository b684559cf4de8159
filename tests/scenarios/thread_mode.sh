#!/usr/bin/env bash
# Plugin workers in both modes, from one config: in process mode a fault
# in one plugin worker restarts only that worker; in thread mode it ends
# supervise by that signal and every worker with it.  A plugin's return
# is an exit status, a stop is a flag, a thread that ignores it makes
# supervise exit 70; ready=notify and the watchdog work in both modes; a
# plugin of another ABI is a config error.
. "$SCENARIO_LIB"

: "${CRASHY_PLUGIN:?}" "${BAD_ABI_PLUGIN:?}" "${NO_MAIN_PLUGIN:?}"
ulimit -c 0	# faults are meant: no core dumps to wait for
scenario_guard

state_of() { ctl status "$1" | awk -v n="$1" '$1 == n { print $2 }'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
# spawned_times_any NAME N: spawned N times, as a process or a thread.
spawned_times_any() { [ "$(log_count "$1: spawned")" -ge "$2" ]; }

# ---- the config and -t
write_config "$T/w.ini" <<INI
[worker:steady]
plugin = $CRASHY_PLUGIN
instances = 2
[worker:seg]
plugin = $CRASHY_PLUGIN
args = --after 300ms --fault segv
min_uptime = 100ms
INI
out=$("$SUPERVISE" -c "$T/w.ini" -t -m thread)
check "-t: NAME<TAB>thread<TAB>plugin path" \
    test "$(printf '%s\n' "$out" | sed -n 3p)" = "$(printf 'seg\tthread\t%s' "$CRASHY_PLUGIN")"
check "-t: every instance" test "$(printf '%s\n' "$out" | wc -l)" = 3

# ---- process mode: a segv restarts only that worker
sv_run "$T/w.ini" -m process
check "process: seg restarted after its segv" wait_for 15 spawned_times seg 2
check "process: seg was killed by SEGV" log_has "seg: killed by signal SEGV"
s0=$(pid_of steady:0)
s1=$(pid_of steady:1)
check "process: steady:0 keeps its pid" test "$(spawn_count steady:0)" = 1
check "process: steady:1 keeps its pid" test "$(spawn_count steady:1)" = 1
check "process: steady workers alive" alive "$s0"
check "process: and the other" alive "$s1"
check "process: supervise alive" alive "$SV_PID"
sv_signal TERM
check "process: exits on TERM" sv_wait_exit 10
check "process: exit 0" test "${SV_STATUS:-x}" = 0
# A forked child's /proc/PID/environ is supervise's: check by pid.
check "process: no worker left" all_dead $(spawned_pids)

# ---- process mode: a plugin's child is set up as a command's, no exec
mkdir -p "$T/wd"
write_config "$T/c.ini" <<INI
[worker:setup]
plugin = $CRASHY_PLUGIN
directory = $T/wd
limit_nofile = 77
min_uptime = 50ms
INI
sv_run "$T/c.ini"
check "process: setup running" wait_log 10 "setup: running"
p=$(pid_of setup)
check "process: the child has the worker's directory" \
    test "$(readlink "/proc/$p/cwd")" = "$T/wd"
check "process: and its limits" \
    grep -Eq "^Max open files +77 +77 " "/proc/$p/limits"
check "process: and only fds 0, 1 and 2 of supervise's" \
    test "$(ls "/proc/$p/fd" | sort -n | tr '\n' ' ')" = "0 1 2 "
check "process: in a process group of its own" \
    test "$(awk '{ print $5 }' "/proc/$p/stat")" = "$p"
sv_signal TERM
check "process: setup stops on TERM" sv_wait_exit 10
check "process: exit 0 after setup" test "${SV_STATUS:-x}" = 0
check "process: setup exited 0 when stopped" log_has "setup: exited with status 0"

# ---- thread mode: the same segv ends supervise with 128+11
sv_run "$T/w.ini" -m thread
check "thread: supervise ends" sv_wait_exit 15
check "thread: status 139 (SEGV)" test "${SV_STATUS:-x}" = 139
check "thread: the workers ran as threads" log_has "steady:1: spawned thread"
check "thread: nothing shut down cleanly" sh -c "! grep -q 'shutdown complete' '$T/err'"

# ---- thread mode: exit:3 is an exit status handled by policy
write_config "$T/x.ini" <<INI
[supervisor]
mode = thread
[worker:ex]
plugin = $CRASHY_PLUGIN
args = --after 100ms --fault exit:3 --output 1
restart = on-failure
min_uptime = 50ms
[worker:calm]
plugin = $CRASHY_PLUGIN
min_uptime = 50ms
INI
sv_run "$T/x.ini"
check "thread: exit 3 logged" wait_log 10 "ex: exited with status 3 after"
check "thread: restarted by policy" wait_log 10 "ex: restarting in"
check "thread: restarted twice" wait_log_count 10 2 "ex: exited with status 3"
check "thread: calm keeps running" wait_for 5 is_state calm RUNNING
check "thread: calm started once" test "$(log_count 'calm: spawned')" = 1
check "thread: a log line reaches stdout prefixed" wait_out 5 "^ex \| crashy: line 1$"
check "thread: status shows no pid" \
    test "$(ctl status calm | awk '$1 == "calm" { print $3 }')" = "-"
check "thread: status shows an uptime" \
    test "$(ctl status calm | awk '$1 == "calm" { print $4 }')" != "-"
check "thread: USR1 is sent to the thread" ctl signal USR1 calm
check "thread: calm takes it and keeps running" is_state calm RUNNING
ctl signal STOP calm > "$T/sig" 2>&1
check "thread: STOP is refused" test $? = 1
check "thread: and says why" grep -q "calm: STOP would end supervise" "$T/sig"

# ---- thread mode: TERM stops the threads, exit 0
sv_signal TERM
check "thread: exits on TERM" sv_wait_exit 10
check "thread: exit 0" test "${SV_STATUS:-x}" = 0
check "thread: calm stopped" log_has "calm: stopped"
check "thread: shutdown complete" log_has "shutdown complete"

# ---- thread mode: a thread that ignores the stop: exit 70
write_config "$T/i.ini" <<INI
[supervisor]
mode = thread
[worker:deaf]
plugin = $CRASHY_PLUGIN
args = --fault ignore-term
stop_timeout = 500ms
min_uptime = 100ms
INI
sv_run "$T/i.ini"
check "ignore-term: running" wait_for 10 is_state deaf RUNNING
sv_signal TERM
check "ignore-term: supervise ends" sv_wait_exit 10
check "ignore-term: exit 70" test "${SV_STATUS:-x}" = 70
check "ignore-term: says why" \
    log_has "deaf: thread did not stop within 500ms; exiting 70"

# ---- stop_timeout = 0 cannot be honoured by a thread
write_config "$T/z.ini" <<INI
[supervisor]
mode = thread
[worker:z]
plugin = $CRASHY_PLUGIN
stop_timeout = 0
INI
"$SUPERVISE" -c "$T/z.ini" -t > /dev/null 2> "$T/zerr"
check "stop_timeout = 0 in thread mode: exit 78" test $? = 78
check "stop_timeout = 0: names the key" grep -q "z.ini:3: stop_timeout:" "$T/zerr"

# ---- ready=notify and the watchdog, in both modes
write_config "$T/n.ini" <<INI
[worker:beat]
plugin = $CRASHY_PLUGIN
args = --ready --heartbeat 100ms --after 300ms
ready = notify
watchdog = 1s
start_timeout = 10s
[worker:silent]
plugin = $CRASHY_PLUGIN
args = --ready
ready = notify
watchdog = 400ms
start_timeout = 10s
INI
for mode in process thread; do
	sv_run "$T/n.ini" -m "$mode"
	check "$mode: ready=notify reaches RUNNING" wait_log 10 "beat: running"
	check "$mode: a silent worker misses its watchdog" \
	    wait_log 10 "silent: watchdog timeout"
	check "$mode: and is restarted" wait_for 10 spawned_times_any silent 2
	# Three watchdog periods of silent's pass, 3.6 of beat's heartbeats.
	wait_for 10 spawned_times_any silent 4
	check "$mode: heartbeats keep beat running" is_state beat RUNNING
	check "$mode: beat never missed one" sh -c "! grep -q 'beat: watchdog' '$T/err'"
	sv_signal TERM
	check "$mode: exits on TERM" sv_wait_exit 10
	check "$mode: exit 0" test "${SV_STATUS:-x}" = 0
done

# ---- a plugin of another ABI, or without an entry point
write_config "$T/b.ini" <<INI
[worker:ok]
plugin = $CRASHY_PLUGIN

[worker:bad]
args = --x
plugin = $BAD_ABI_PLUGIN
[worker:nomain]
plugin = $NO_MAIN_PLUGIN
INI
for mode in process thread; do
	"$SUPERVISE" -c "$T/b.ini" -m "$mode" > /dev/null 2> "$T/berr"
	st=$?
	check "$mode: ABI mismatch: exit 78" test "$st" = 78
	check "$mode: ABI mismatch names FILE:LINE" grep -qxF \
	    "$T/b.ini:6: plugin: built for ABI 999, this supervise speaks 1" "$T/berr"
	check "$mode: no entry point is an error" \
	    grep -q "^$T/b.ini:8: plugin: .*no supervise_worker_main" "$T/berr"
done
check "ABI mismatch: nothing ran" sh -c "! grep -q 'must not run' '$T/berr'"
finish
