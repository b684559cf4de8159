#!/usr/bin/env bash
# supervise as PID 1 of a PID namespace (a container's init): orphans that
# are re-parented to it are reaped, faults are still seen, and TERM still
# shuts down cleanly.
. "$SCENARIO_LIB"
scenario_guard

if ! unshare --fork --pid --mount-proc --kill-child true 2>/dev/null; then
	skip "PID 1: unshare --fork --pid --mount-proc does not work here (needs root)"
	finish
fi

# children PID: the children of PID (supervise is single-threaded).
children() { cat "/proc/$1/task/$1/children" 2>/dev/null; }
# zombies_of PID: how many of its children are zombies.
zombies_of() {
	local c n=0
	for c in $(children "$1"); do
		_is_zombie "$c" && n=$((n + 1))
	done
	echo "$n"
}
no_zombies() { [ "$(zombies_of "$1")" -eq 0 ]; }
has_child() { [ -n "$(children "$1")" ]; }


write_config "$T/sv.ini" <<EOF
[worker:steady]
command = crashy --fault none
min_uptime = 100ms

; orphans that leave the group (setsid), so only PID 1 can reap them
[worker:many]
command = sh -c 'for i in 1 2 3 4 5 6 7 8; do setsid sleep 0.2 & done; exit 0'
restart = on-failure
min_uptime = 0

; again and again, one orphan at each run
[worker:cycle]
command = sh -c 'setsid sleep 0.1 & exit 0'
min_uptime = 0
restart_delay = 100ms

; an orphan in the worker's group: killed with it, then reaped
[worker:or]
command = crashy --fault orphan
restart = on-failure
min_uptime = 0

[worker:crash]
command = crashy --after 300ms --fault segv
min_uptime = 100ms
restart_delay = 100ms
EOF
: > "$T/out"
: > "$T/err"
unshare --fork --pid --mount-proc --kill-child \
    "$SUPERVISE" -c "$T/sv.ini" -s "$SOCK" > "$T/out" 2> "$T/err" &
SV_PID=$!
track "$SV_PID"

check "unshare started supervise" wait_for 5 has_child "$SV_PID"
P1=$(children "$SV_PID" | awk '{print $1}')
check "supervise is PID 1 in its namespace" \
    eval '[ "$(proc_field "${P1:-0}" NSpid | awk "{print \$NF}")" = 1 ]'
check "steady running" wait_log 5 ' steady: running$'
check "many exited with status 0" wait_log 5 ' many: exited with status 0 after '
check "or exited with status 0" wait_log 5 ' or: exited with status 0 after '
check "cycle ran ten times" wait_for 10 spawned_times cycle 10
check "crash: killed by signal SEGV" wait_log 5 ' crash: killed by signal SEGV after '
check "crash: restarted" wait_for 5 spawned_times crash 2
# More than twenty orphans so far: none is left a zombie.
check "no zombie child of PID 1 accumulates" wait_for 3 no_zombies "${P1:-0}"

kill -TERM "${P1:-0}"
check "TERM to PID 1: supervise exits" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "shutting down" log_has ' supervise: shutting down$'
check "steady stopped" log_has ' steady: stopped$'
check "shutdown complete" log_has ' supervise: shutdown complete$'
check "no worker left" wait_for 3 no_leftovers
finish
