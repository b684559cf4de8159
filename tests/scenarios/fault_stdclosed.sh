#!/usr/bin/env bash
# Fault matrix: supervise started with stdin, stdout and stderr closed.
# It points them at /dev/null before anything else, so no pipe, socket or
# pidfd of its own lands on 0-2; workers run, crash, restart, and it
# answers and shuts down cleanly.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

write_config "$T/s.ini" <<EOF
[worker:steady]
command = crashy --fault none --output 3
min_uptime = 0

[worker:crash]
command = crashy --fault exit:1 --after 200ms
min_uptime = 0
restart_delay = 100ms
EOF
"$SUPERVISE" -c "$T/s.ini" -s "$SOCK" <&- >&- 2>&- &
SV_PID=$!
track "$SV_PID"
state_of() { ctl status "$1" 2> /dev/null | awk -v n="$1" '$1 == n { print $2 }'; }
check "steady running" wait_for 10 eval '[ "$(state_of steady)" = RUNNING ]'
restarts_of() { ctl --json status "$1" | sed -n 's/.*"restarts":\([0-9]*\).*/\1/p'; }
check "crash restarts" wait_for 20 eval '[ "$(restarts_of crash)" -ge 3 ]'
for fd in 0 1 2; do
	check "fd $fd is /dev/null" \
	    test "$(readlink "/proc/$SV_PID/fd/$fd")" = /dev/null
done
check "check answers" ctl check steady
kill -TERM "$SV_PID"
check "exits on TERM" sv_wait_exit 15
check "exit 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 5 no_leftovers
finish
