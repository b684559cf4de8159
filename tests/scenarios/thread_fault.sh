#!/usr/bin/env bash
# The blast radius of a thread-mode fault, said out loud: before a worker
# thread's fault (SEGV, BUS, FPE, ILL, ABRT, a stack overflow) ends
# supervise, one event-log line names the worker, the fault and the workers
# that go down with it, as text or as a JSON event; then supervise dies by
# that signal (128+N).  The list follows workers that stop and start; a
# signal sent from outside is blamed on no worker.  In process mode the
# same fault costs one worker.
. "$SCENARIO_LIB"

: "${CRASHY_PLUGIN:?}"
ulimit -c 0	# faults are meant: no core dumps to wait for
scenario_guard

state_of() { ctl status "$1" | awk -v n="$1" '$1 == n { print $2 }'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# faulty_config FILE ARGS [FORMAT]: two healthy instances and one bomb.
faulty_config() {
	write_config "$1" <<INI
[supervisor]
mode = thread
log_format = ${3:-text}
[worker:h]
plugin = $CRASHY_PLUGIN
instances = 2
[worker:bomb]
plugin = $CRASHY_PLUGIN
args = $2
INI
}

# ---- every fault kind: the line, then death by the signal
for kind in segv:SEGV:139 abort:ABRT:134 fpe:FPE:136 bus:BUS:135 \
    ill:ILL:132 stack-overflow:SEGV:139; do
	IFS=: read -r fault sig status <<< "$kind"
	what=$sig
	[ "$fault" = stack-overflow ] && what='SEGV \(stack overflow\)'
	faulty_config "$T/f.ini" "--after 300ms --fault $fault"
	sv_run "$T/f.ini"
	check "$fault: supervise ends" sv_wait_exit 20
	check "$fault: by the signal (status $status)" \
	    test "${SV_STATUS:-x}" = "$status"
	check "$fault: the line names worker, fault and victims" log_has \
	    "^$TS supervise: bomb: $what in a worker thread: supervise and 2 other workers \(h:0, h:1\) end with it$"
	check "$fault: one such line" test "$(log_count 'in a worker thread')" = 1
done

# ---- log_format = json: a thread_fault event
faulty_config "$T/j.ini" "--after 300ms --fault abort" json
sv_run "$T/j.ini"
check "json: supervise ends" sv_wait_exit 20
check "json: by ABRT (134)" test "${SV_STATUS:-x}" = 134
grep '"thread_fault"' "$T/err" > "$T/event"
check "json: one thread_fault event" test "$(wc -l < "$T/event")" = 1
check "json: the event is JSON, with worker, fault and victims" python3 -c '
import json, sys
e = json.loads(open(sys.argv[1]).read())
assert e["event"] == "thread_fault", e
assert e["worker"] == "bomb", e
assert e["fault"] == "ABRT", e
assert e["victims"] == ["h:0", "h:1"], e
assert e["nvictims"] == 2 and e["stack_overflow"] is False, e
assert e["thread"] == "worker" and e["ts"].endswith("Z"), e
' "$T/event"
faulty_config "$T/j.ini" "--after 300ms --fault stack-overflow" json
sv_run "$T/j.ini"
check "json: stack overflow ends it" sv_wait_exit 20
check "json: stack overflow is flagged" log_has \
    '"event":"thread_fault","worker":"bomb","fault":"SEGV","stack_overflow":true'

# ---- the victims are the workers that run at the fault, on USR1
write_config "$T/v.ini" <<INI
[supervisor]
mode = thread
[worker:h]
plugin = $CRASHY_PLUGIN
instances = 3
[worker:done]
plugin = $CRASHY_PLUGIN
args = --fault exit:0
restart = never
[worker:bomb]
plugin = $CRASHY_PLUGIN
args = --fault segv --after 1h
INI
sv_run "$T/v.ini"
check "victims: all up" wait_for 10 is_state bomb RUNNING
check "victims: done has returned" wait_log 10 "done: exited with status 0"
check "victims: stop h:1" ctl stop h:1
check "victims: h:1 stopped" wait_log 10 "h:1: stopped"
check "victims: KILL to a thread is refused" eval \
    '! ctl signal KILL bomb > "$T/sig" 2>&1'
check "victims: and says why" grep -q "bomb: KILL would end supervise" "$T/sig"
check "victims: a fault signal too" eval '! ctl signal SEGV bomb > /dev/null 2>&1'
check "victims: supervise still runs" alive "$SV_PID"
# The fault may end supervise before its answer is out: no exit status.
ctl signal USR1 bomb > /dev/null 2>&1
check "victims: supervise ends" sv_wait_exit 20
check "victims: by SEGV" test "${SV_STATUS:-x}" = 139
check "victims: only the workers that ran" log_has \
    "supervise: bomb: SEGV in a worker thread: supervise and 2 other workers \(h:0, h:2\) end with it$"

# ---- a SEGV sent from outside is no worker's fault
sv_run "$T/v.ini"
check "outside: all up" wait_for 10 is_state bomb RUNNING
sv_signal SEGV
check "outside: supervise ends" sv_wait_exit 20
check "outside: by SEGV" test "${SV_STATUS:-x}" = 139
check "outside: no worker blamed" eval '! log_has "in a worker thread"'

# ---- stderr a pipe nobody reads, full: the fault still ends supervise
{
	echo '[supervisor]'
	echo 'mode = thread'
	echo 'log_format = json'
	echo '[worker:h]'
	echo "plugin = $CRASHY_PLUGIN"
	echo 'instances = 400'
	echo '[worker:bomb]'
	echo "plugin = $CRASHY_PLUGIN"
	echo 'args = --after 2s --fault segv'
} > "$T/full.ini"
mkfifo "$T/errpipe"
sleep 1000 < "$T/errpipe" &
track $!
"$SUPERVISE" -c "$T/full.ini" -s "$SOCK" > /dev/null 2> "$T/errpipe" &
SV_PID=$!
track "$SV_PID"
check "stalled stderr: supervise still ends" sv_wait_exit 60
check "stalled stderr: by SEGV" test "${SV_STATUS:-x}" = 139

# ---- process mode: the same fault costs one worker
sv_run "$T/v.ini" -m process
check "process: all up" wait_for 10 is_state bomb RUNNING
p0=$(pid_of h:0)
check "process: signal USR1" ctl signal USR1 bomb
check "process: bomb killed by SEGV" wait_log 10 "bomb: killed by signal SEGV"
check "process: bomb restarted" wait_for 10 spawned_times bomb 2
check "process: no thread_fault line" eval '! log_has "in a worker thread"'
check "process: h:0 keeps its pid" alive "$p0"
sv_signal TERM
check "process: exits on TERM" sv_wait_exit 10
check "process: exit 0" test "${SV_STATUS:-x}" = 0
finish
