#!/usr/bin/env bash
# supervisectl start, stop, restart and signal: each returns only once its
# workers got where it was asked (checked right after it returns, with no
# waiting), with 0, or 1 when a worker failed or a name is unknown.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

row() { ctl status "$1" | awk -v n="$1" '$1 == n'; }
field() { row "$1" | awk -v f="$2" '{ print $f }'; }
state_of() { field "$1" 2; }
state_is() { [ "$(state_of "$1")" = "$2" ]; }
spid() { field "$1" 3; }
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# timed RC-VAR MS-VAR COMMAND...: run it, keep its status and duration.
timed() {
	local __rc=$1 __ms=$2 t0; shift 2
	t0=$(now_ms)
	"$@" > "$T/o" 2> "$T/e"
	printf -v "$__rc" '%s' $?
	printf -v "$__ms" '%s' $(($(now_ms) - t0))
}

write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
instances = 2
min_uptime = 0

[worker:slow]
command = crashy --fault none
min_uptime = 1s
autostart = no

[worker:stubborn]
command = crashy --fault ignore-term
min_uptime = 0
stop_timeout = 1s

[worker:flaky]
command = sh -c 'exit 1'
min_uptime = 1s
autostart = no

[worker:gate]
command = sh -c 'test -e $T/ok || exit 1; exec crashy --fault none'
min_uptime = 300ms
restart_limit = 1

[worker:faulty]
command = crashy --fault segv --after 1h
min_uptime = 0

[worker:parent]
command = sh -c 'trap "echo parent got USR1" USR1; crashy --fault segv --after 1h & wait; wait'
min_uptime = 0
EOF
sv_start "$T/w.ini"
check "started" wait_log_count 5 5 ' (web:0|web:1|stubborn|faulty|parent): running$'
check "stubborn ignores TERM" wait_out 5 '^stubborn \| crashy: ignoring TERM'
check "gate gave up" wait_log 10 ' gate: fatal: '

# --- start waits for RUNNING (min_uptime 1s).
timed rc ms ctl start slow
check "start slow: exit 0" test "$rc" = 0
check "start slow: took min_uptime (${ms}ms)" test "$ms" -ge 900
check "start slow: RUNNING when it returns" state_is slow RUNNING
p=$(spid slow)
timed rc ms ctl start slow
check "start slow again: exit 0" test "$rc" = 0
check "start slow again: at once (${ms}ms)" test "$ms" -lt 900
check "start slow again: same pid" test "$(spid slow)" = "$p"

# --- stop waits until the worker is reaped.
p0=$(spid web:0)
p1=$(spid web:1)
timed rc ms ctl stop web:0
check "stop web:0: exit 0" test "$rc" = 0
check "stop web:0: STOPPED when it returns" state_is web:0 STOPPED
check "stop web:0: its process is gone" dead "$p0"
check "stop web:0: web:1 untouched" test "$(spid web:1)" = "$p1"
check "stop web:0: logged stopped" log_has ' web:0: stopped$'
timed rc ms ctl stop web:0
check "stop web:0 again: exit 0" test "$rc" = 0
p=$(spid stubborn)
timed rc ms ctl stop stubborn
check "stop stubborn: exit 0" test "$rc" = 0
check "stop stubborn: took stop_timeout (${ms}ms)" test "$ms" -ge 900
check "stop stubborn: STOPPED" state_is stubborn STOPPED
check "stop stubborn: gone" dead "$p"
check "stop stubborn: killed" log_has ' stubborn: killed by signal KILL '
check "stop stubborn: stays stopped" eval \
    '! wait_for 1 log_has " stubborn: restarting"'

timed rc ms ctl start web:0
check "start web:0: exit 0" test "$rc" = 0
check "start web:0: RUNNING" state_is web:0 RUNNING
check "start web:0: a new pid" test "$(spid web:0)" != "$p0"

# --- restart: stop, then start; every instance of a section.
p0=$(spid web:0)
p1=$(spid web:1)
timed rc ms ctl restart web
check "restart web: exit 0" test "$rc" = 0
check "restart web: both RUNNING" eval 'state_is web:0 RUNNING &&
    state_is web:1 RUNNING'
check "restart web: new pids" eval '[ "$(spid web:0)" != "$p0" ] &&
    [ "$(spid web:1)" != "$p1" ]'
check "restart web: old ones gone" eval 'dead "$p0" && dead "$p1"'
check "restart web: stopped before spawned again" eval \
    '[ "$(line_of " web:0: stopped$")" -lt \
    "$(line_of " web:0: spawned pid $(spid web:0)$")" ]'
check "restart web: counts no automatic restart" \
    test "$(field web:0 5)" = 0
timed rc ms ctl restart stubborn
check "restart a stopped worker starts it: exit 0" test "$rc" = 0
check "restart stubborn: RUNNING" state_is stubborn RUNNING

# --- Several names; an unknown one means nothing is done.
p0=$(spid web:0)
timed rc ms ctl stop web:0 nope
check "stop web:0 nope: exit 1" test "$rc" = 1
check "stop web:0 nope: says which" grep -q 'no such worker: nope' "$T/e"
check "stop web:0 nope: web:0 untouched" eval \
    '[ "$(spid web:0)" = "$p0" ] && state_is web:0 RUNNING'
timed rc ms ctl restart all nope
check "restart all nope: exit 1" test "$rc" = 1
check "restart all nope: nothing restarted" test "$(spid web:0)" = "$p0"
timed rc ms ctl start nope
check "start nope: exit 1" test "$rc" = 1
timed rc ms ctl stop web slow
check "stop web slow: exit 0" test "$rc" = 0
check "stop web slow: all STOPPED" eval 'state_is web:0 STOPPED &&
    state_is web:1 STOPPED && state_is slow STOPPED'
timed rc ms ctl start web slow web:1
check "start web slow web:1: exit 0" test "$rc" = 0
check "start web slow web:1: all RUNNING" eval 'state_is web:0 RUNNING &&
    state_is web:1 RUNNING && state_is slow RUNNING'

# --- A start that fails: exit 1.
timed rc ms ctl start flaky
check "start flaky: exit 1" test "$rc" = 1
check "start flaky: says how it ended" grep -q 'flaky: BACKOFF' "$T/e"
timed rc ms ctl stop flaky
check "stop flaky in BACKOFF: exit 0" test "$rc" = 0
check "stop flaky: STOPPED" state_is flaky STOPPED

# --- start revives a FATAL worker, with its limits reset.
check "gate is FATAL" state_is gate FATAL
timed rc ms ctl start gate
check "start gate, still failing: exit 1" test "$rc" = 1
check "gate FATAL again" wait_for 10 state_is gate FATAL
touch "$T/ok"
timed rc ms ctl start gate
check "start gate, fixed: exit 0" test "$rc" = 0
check "start gate: RUNNING" state_is gate RUNNING

# --- start during a stop: waits for STOPPED, then starts.
p=$(spid stubborn)
ctl stop stubborn > /dev/null 2>&1 &
stopper=$!
track "$stopper"
check "stubborn STOPPING" wait_for 5 state_is stubborn STOPPING
timed rc ms ctl start stubborn
check "start while STOPPING: exit 0" test "$rc" = 0
check "start while STOPPING: RUNNING, new pid" eval \
    'state_is stubborn RUNNING && [ "$(spid stubborn)" != "$p" ]'
check "start while STOPPING: it was stopped first" eval \
    '[ "$(log_count " stubborn: stopped$")" -ge 2 ]'
wait "$stopper"
check "the stop it interrupted: exit 0" test $? = 0

# --- signal: the worker's pid only.
p=$(spid faulty)
timed rc ms ctl signal USR1 faulty
check "signal USR1 faulty: exit 0" test "$rc" = 0
check "faulty faulted on USR1" wait_log 5 " faulty: killed by signal SEGV "
check "faulty restarted" wait_for 5 eval \
    '[ -n "$(spid faulty)" ] && [ "$(spid faulty)" != "$p" ] &&
    [ "$(spid faulty)" != - ]'
check "status shows SEGV" eval 'row faulty | grep -Eq " SEGV\$"'
p=$(spid faulty)
timed rc ms ctl signal 10 faulty
check "signal by number: exit 0" test "$rc" = 0
check "signal 10 is USR1" wait_log_count 5 2 " faulty: killed by signal SEGV "
timed rc ms ctl signal SIGUSR1 faulty nope
check "signal to an unknown name: exit 1" test "$rc" = 1
check "signal to an unknown name: nothing sent" eval \
    '! wait_for 1 eval "[ \"\$(log_count \" faulty: killed by signal SEGV \")\" -ge 3 ]"'
ctl stop slow > /dev/null
timed rc ms ctl signal USR1 slow
check "signal to a stopped worker: exit 1" test "$rc" = 1
check "signal to a stopped worker: says so" grep -q 'slow: not running' \
    "$T/e"
timed rc ms ctl signal NOSUCH faulty
check "unknown signal: exit 64" test "$rc" = 64
pp=$(spid parent)
child=$(pgrep -P "$pp" crashy)
check "parent has a crashy child" test -n "$child"
timed rc ms ctl signal USR1 parent
check "signal USR1 parent: exit 0" test "$rc" = 0
check "parent's trap ran" wait_out 5 '^parent \| parent got USR1$'
check "the child in its group got nothing" alive "$child"
check "parent kept its pid" test "$(spid parent)" = "$pp"

# --- stop all.
timed rc ms ctl stop all
check "stop all: exit 0" test "$rc" = 0
check "stop all: every worker STOPPED" eval \
    '[ -z "$(ctl status | awk "NR > 1 && \$2 != \"STOPPED\"")" ]'
check "stop all: no worker left" wait_for 3 no_leftovers

# --- A stop still waiting when the shutdown ends supervise is answered
# (0: its worker was reaped), not dropped with the connection.
ctl shutdown
check "shutdown: supervise exits" sv_wait_exit 10
write_config "$T/s.ini" <<EOF
[worker:w]
command = crashy --fault ignore-term
min_uptime = 0
stop_timeout = 2s
EOF
sv_use_socket s2
sv_start "$T/s.ini"
check "w ignores TERM" wait_out 5 '^w \| crashy: ignoring TERM'
ctl stop w > "$T/so" 2>&1 &
stopper=$!
track "$stopper"
check "stop w: stopping" wait_log 5 ' w: stopping'
ctl shutdown
check "stop then shutdown: supervise exits" sv_wait_exit 10
wait "$stopper"
rc=$?
check "stop then shutdown: the stop exits 0" test "$rc" = 0
check "stop then shutdown: the stop said nothing" test ! -s "$T/so"
check "stop then shutdown: shutdown complete" log_has 'shutdown complete'

# --- A second shutdown waits like the first: the worker gets its whole
# stop_timeout, no KILL at once.
sed -i 's/^stop_timeout = 2s$/stop_timeout = 5s/' "$T/s.ini"
sv_use_socket s3
sv_start "$T/s.ini"
check "w ignores TERM again" wait_out 5 '^w \| crashy: ignoring TERM'
t0=$(now_ms)
ctl shutdown &
first=$!
track "$first"
check "first shutdown: stopping" wait_log 5 ' w: stopping'
timed rc ms ctl shutdown
check "second shutdown: exit 0" test "$rc" = 0
check "second shutdown: waited for stop_timeout" \
    test $(($(now_ms) - t0)) -ge 4500
check "two shutdowns: supervise exits" sv_wait_exit 10
check "two shutdowns: exit 0" test "$SV_STATUS" = 0
finish
