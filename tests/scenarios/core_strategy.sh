#!/usr/bin/env bash
# Restart strategies: one_for_all restarts every worker, rest_for_one the
# dead one and those after it; a strategy decision counts once against the
# supervisor-wide restart limit.
. "$SCENARIO_LIB"
scenario_guard

# --- one_for_all, with a supervisor-wide limit of one decision.
write_config "$T/all.ini" <<EOF
[supervisor]
strategy = one_for_all
restart_limit = 1
restart_window = 1m

[worker:a]
command = crashy --fault none
min_uptime = 100ms

[worker:b]
command = crashy --after 600ms --fault segv
min_uptime = 100ms
restart_delay = 100ms

[worker:c]
command = sh -c 'sleep 1000 & exec crashy --fault none'
min_uptime = 100ms
EOF
sv_use_socket s1
sv_run "$T/all.ini"
check "all: three running" wait_log_count 5 3 ': (a|b|c): running$'
A=$(pid_of a)
C=$(pid_of c)
check "all: b crashes" wait_log 5 ' b: killed by signal SEGV after '
check "all: a is stopped for the restart" wait_log 5 ' a: stopping \(TERM\)$'
check "all: c is stopped for the restart" wait_log 5 ' c: stopping \(TERM\)$'
check "all: a restarted" wait_for 5 spawned_times a 2
check "all: b restarted" wait_for 5 spawned_times b 2
check "all: c restarted" wait_for 5 spawned_times c 2
check "all: a's old pid is gone" wait_for 3 all_dead "$A"
check "all: c's old pid is gone" wait_for 3 all_dead "$C"
check "all: one decision is one restart: supervise still runs" alive "$SV_PID"
check "all: the three run again" wait_log_count 5 6 ': (a|b|c): running$'
# b's second crash is the second decision: over the limit of one.
check "all: the second decision gives up" sv_wait_exit 10
check "all: exit status 1" test "${SV_STATUS:-x}" = 1
check "all: b crashed twice" test "$(log_count ' b: killed by signal SEGV')" -eq 2
check "all: no worker left" wait_for 3 no_leftovers

# --- rest_for_one: the dead worker and every one after it.
write_config "$T/rest.ini" <<EOF
[supervisor]
strategy = rest_for_one

[worker:x]
command = crashy --fault none
min_uptime = 100ms

[worker:y]
command = crashy --after 1h --fault segv
min_uptime = 100ms

[worker:z]
command = crashy --fault none
min_uptime = 100ms

[worker:zz]
command = crashy --fault none
min_uptime = 100ms
EOF
sv_use_socket s2
sv_run "$T/rest.ini"
check "rest: four running" wait_log_count 5 4 ': (x|y|z|zz): running$'
X=$(pid_of x)
Z=$(pid_of z)
kill -USR1 "$(pid_of y)"
check "rest: y crashes" wait_log 5 ' y: killed by signal SEGV after '
check "rest: y restarted" wait_for 5 spawned_times y 2
check "rest: z (after y) restarted" wait_for 5 spawned_times z 2
check "rest: zz (after y) restarted" wait_for 5 spawned_times zz 2
check "rest: z's old pid is gone" wait_for 3 all_dead "$Z"
check "rest: x (before y) kept its pid" alive "$X"
check "rest: x spawned once" test "$(spawn_count x)" -eq 1
check "rest: x not stopped" test "$(log_count ' x: (stopping|exited|killed)')" -eq 0
check "rest: all four run again" wait_log_count 5 7 ': (x|y|z|zz): running$'
sv_signal TERM
check "rest: supervise exits after TERM" sv_wait_exit 10
check "rest: exit status 0" test "${SV_STATUS:-x}" = 0
check "rest: no worker left" wait_for 3 no_leftovers
finish
