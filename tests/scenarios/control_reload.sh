#!/usr/bin/env bash
# supervisectl reload and SIGHUP: added workers start, removed ones stop,
# changed ones restart, unchanged ones keep their pid; instances N -> M
# touch only the difference; a broken config, or a change of mode, is
# refused with its errors and changes nothing.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

row() { ctl status "$1" | awk -v n="$1" '$1 == n'; }
field() { row "$1" | awk -v f="$2" '{ print $f }'; }
state_is() { [ "$(field "$1" 2)" = "$2" ]; }
spid() { field "$1" 3; }
names() { ctl status | awk 'NR > 1 { printf "%s ", $1 }'; }
# snapshot: every worker's name, state and pid.
snapshot() { ctl status | awk 'NR > 1 { print $1, $2, $3 }'; }

w() {
	cat <<EOF
[worker:$1]
command = crashy --fault none
min_uptime = 0
EOF
	shift
	printf '%s\n' "$@"
	echo
}

{ w keep; w change; w gone; w multi "instances = 2"; } > "$T/w.ini"
sv_start "$T/w.ini"
check "five running" wait_log_count 5 5 ': running$'
keep=$(spid keep)
change=$(spid change)
gone=$(spid gone)
m0=$(spid multi:0)
m1=$(spid multi:1)

# --- add, remove, change; multi 2 -> 3.
{ w keep; w change "env = CHANGED=1"; w multi "instances = 3"; w new; } \
    > "$T/w.ini"
ctl reload > "$T/o" 2> "$T/e"
check "reload: exit 0" test $? = 0
check "reload: logged" log_has ' supervise: reloaded: \+2 -1 ~1$'
check "keep: same pid" test "$(spid keep)" = "$keep"
check "multi:0, multi:1: same pids" test "$(spid multi:0) $(spid multi:1)" = \
    "$m0 $m1"
check "multi:2 added and running" wait_for 5 state_is multi:2 RUNNING
check "new added and running" wait_for 5 state_is new RUNNING
check "change restarted" wait_for 5 eval \
    'state_is change RUNNING && [ "$(spid change)" != "$change" ]'
check "change got its new env" eval \
    'tr "\0" "\n" < /proc/$(spid change)/environ | grep -qx CHANGED=1'
check "gone stopped" wait_log 5 ' gone: stopped$'
check "gone's process ended" dead "$gone"
check "gone no longer listed" wait_for 5 eval \
    '[ "$(names)" = "keep change multi:0 multi:1 multi:2 new " ]'
check "keep never restarted" test "$(spawn_count keep)" = 1

# --- multi 3 -> 1: instance 0 stays (now plain "multi"), 1 and 2 stop.
m2=$(spid multi:2)
{ w keep; w change "env = CHANGED=1"; w multi; w new; } > "$T/w.ini"
ctl reload > "$T/o" 2> "$T/e"
check "3 -> 1: exit 0" test $? = 0
check "3 -> 1: multi keeps instance 0's pid" test "$(spid multi)" = "$m0"
check "3 -> 1: multi:1 and multi:2 ended" wait_for 5 eval \
    'dead "$m1" && dead "$m2"'
check "3 -> 1: listed once" wait_for 5 eval \
    '[ "$(names)" = "keep change multi new " ]'
check "3 -> 1: keep untouched" test "$(spid keep)" = "$keep"
check "3 -> 1: change untouched" test "$(spawn_count change)" = 2

# --- A broken config: its errors, and nothing changes.
before=$(snapshot)
cp "$T/w.ini" "$T/good.ini"
{ w keep "restart = allways"; w change "colour = blue"; w extra; } \
    > "$T/w.ini"
ctl reload > "$T/o" 2> "$T/e"
check "broken: exit 1" test $? = 1
check "broken: FILE:LINE of the bad value" \
    grep -Eq "^supervisectl: $T/w.ini:4: .*allways" "$T/e"
check "broken: FILE:LINE of the unknown key" \
    grep -Eq "^supervisectl: $T/w.ini:9: .*colour" "$T/e"
check "broken: says nothing changed" grep -q 'nothing changed' "$T/e"
check "broken: nothing changed" test "$(snapshot)" = "$before"
check "broken: extra not started" eval '! log_has " extra: spawned"'

# --- A change of mode is refused, even with a config valid in that mode.
{ printf '[supervisor]\nmode = thread\n\n'; cat "$T/good.ini"; } > "$T/w.ini"
ctl reload > "$T/o" 2> "$T/e"
check "mode change: exit 1" test $? = 1
check "mode change: says mode" grep -q 'mode' "$T/e"
check "mode change: nothing changed" test "$(snapshot)" = "$before"
plugin="$(dirname "$CRASHY")/crashy.so"
if [ -f "$plugin" ]; then
	printf '[supervisor]\nmode = thread\n\n[worker:p]\nplugin = %s\n' \
	    "$plugin" > "$T/w.ini"
	ctl reload > "$T/o" 2> "$T/e"
	check "mode change, valid config: exit 1" test $? = 1
	check "mode change, valid config: cannot change" \
	    grep -Eq "^supervisectl: $T/w.ini: mode: cannot change" "$T/e"
	check "mode change, valid config: nothing changed" \
	    test "$(snapshot)" = "$before"
else
	skip "crashy.so not built: no thread-mode config to reload"
fi

# --- SIGHUP does the same as reload.
{ cat "$T/good.ini"; w hup; } > "$T/w.ini"
sv_signal HUP
check "HUP: hup added and running" wait_for 5 state_is hup RUNNING
check "HUP: keep same pid" test "$(spid keep)" = "$keep"
check "HUP: logged" log_has ' supervise: reloaded: \+1 -0 ~0$'
before=$(snapshot)
{ cat "$T/good.ini"; w hup "restart = allways"; } > "$T/w.ini"
sv_signal HUP
check "HUP broken: errors in the event log" wait_log 5 \
    "reload refused: $T/w.ini:[0-9]+: .*allways"
check "HUP broken: nothing changed" test "$(snapshot)" = "$before"
check "HUP broken: supervise still answers" ctl check

# --- A stop that waits on a worker which reload renames (instances 1 -> 2
# makes slow into slow:0) still returns once the worker is stopped.
slow() {
	printf '[worker:slow]\ncommand = crashy --fault ignore-term\n'
	printf 'min_uptime = 0\nstop_timeout = 1s\n%s\n' "$*"
}
{ cat "$T/good.ini"; w hup; slow; } > "$T/w.ini"
ctl reload > /dev/null 2>&1
check "rename: slow running" wait_for 5 state_is slow RUNNING
ctl stop slow > "$T/stop.out" 2>&1 &
stopper=$!
track "$stopper"
check "rename: slow stopping" wait_for 5 state_is slow STOPPING
{ cat "$T/good.ini"; w hup; slow "instances = 2"; } > "$T/w.ini"
ctl reload > /dev/null 2>&1
check "rename: slow:0 kept its process and stops" \
    wait_for 5 state_is slow:0 STOPPED
stopper_done() { ! kill -0 "$stopper" 2>/dev/null; }
if wait_for 5 stopper_done; then
	wait "$stopper"
	rc=$?
	check "rename: the waiting stop returns" true
	check "rename: and succeeds (exit $rc)" test "$rc" = 0
else
	check "rename: the waiting stop returns" false
	kill "$stopper" 2>/dev/null
fi
finish
