#!/usr/bin/env bash
# Restart policies against exit statuses and signals: always, on-failure
# (with and without success_exit) and never.
. "$SCENARIO_LIB"
scenario_guard

# Every worker reaches RUNNING (min_uptime 100ms) before it ends at 300ms.
common="min_uptime = 100ms
restart_delay = 100ms"
write_config "$T/sv.ini" <<EOF
[worker:always0]
command = crashy --after 300ms --fault exit:0
restart = always
$common

[worker:of0]
command = crashy --after 300ms --fault exit:0
restart = on-failure
$common

[worker:of3]
command = crashy --after 300ms --fault exit:3
restart = on-failure
$common

[worker:ofs3]
command = crashy --after 300ms --fault exit:3
restart = on-failure
success_exit = 3, 7
$common

[worker:ofs7]
command = crashy --after 300ms --fault exit:7
restart = on-failure
success_exit = 3 7
$common

[worker:ofs0]
command = crashy --after 300ms --fault exit:0
restart = on-failure
success_exit = 3
$common

[worker:ofsegv]
command = crashy --after 300ms --fault segv
restart = on-failure
$common

[worker:ofterm]
command = sleep 1000
restart = on-failure
$common

[worker:never1]
command = crashy --after 300ms --fault exit:1
restart = never
$common

[worker:neversegv]
command = crashy --after 300ms --fault segv
restart = never
$common
EOF
sv_run "$T/sv.ini"

check "all ten spawned" wait_log_count 5 10 ': spawned pid '
check "ofterm running" wait_log 5 ' ofterm: running$'
TERM_PID=$(pid_of ofterm)
# TERM from someone else than supervise is a failure for on-failure.
kill -TERM "$TERM_PID"

# always0 serves as the clock: by its third spawn every worker that is
# to be restarted has been, and one that is not would have been too.
check "always: restarted after exit 0" wait_for 10 spawned_times always0 3
check "always: exited with status 0" log_has ' always0: exited with status 0 after '
check "always: restarting in 100ms (restart 1)" \
    log_has ' always0: restarting in 100ms \(restart 1\)$'

check "on-failure, exit 3: restarted" wait_for 5 spawned_times of3 2
check "on-failure, exit 3: exited with status 3" log_has ' of3: exited with status 3 after '
check "on-failure, SEGV: restarted" wait_for 5 spawned_times ofsegv 2
check "on-failure, SEGV: killed by signal SEGV" log_has ' ofsegv: killed by signal SEGV after '
check "on-failure, TERM from outside: killed by signal TERM" \
    wait_log 5 ' ofterm: killed by signal TERM after '
check "on-failure, TERM from outside: restarted" wait_for 5 spawned_times ofterm 2
check "on-failure, exit 0 not in success_exit = 3: restarted" \
    wait_for 5 spawned_times ofs0 2

check "on-failure, exit 0: exited with status 0" log_has ' of0: exited with status 0 after '
check "on-failure, exit 0: not restarted" test "$(spawn_count of0)" -eq 1
check "on-failure, exit 0: no restarting line" test "$(log_count ' of0: restarting')" -eq 0
check "success_exit = 3, 7; exit 3: not restarted" test "$(spawn_count ofs3)" -eq 1
check "success_exit = 3 7; exit 7: not restarted" test "$(spawn_count ofs7)" -eq 1
check "success_exit = 3 7; exit 7 logged" log_has ' ofs7: exited with status 7 after '
check "never, exit 1: exited with status 1" log_has ' never1: exited with status 1 after '
check "never, exit 1: not restarted" test "$(spawn_count never1)" -eq 1
check "never, SEGV: killed by signal SEGV" log_has ' neversegv: killed by signal SEGV after '
check "never, SEGV: not restarted" test "$(spawn_count neversegv)" -eq 1
check "no fatal" test "$(log_count ': fatal: ')" -eq 0

# The states, if the control socket is there to ask.
if ctl status >/dev/null 2>&1; then
	st=$(ctl status 2>/dev/null)
	check "of0 is EXITED" grep -Eq '^of0[[:space:]]+EXITED' <<<"$st"
	check "never1 is EXITED" grep -Eq '^never1[[:space:]]+EXITED' <<<"$st"
	check "ofs3 is EXITED" grep -Eq '^ofs3[[:space:]]+EXITED' <<<"$st"
else
	skip "states through supervisectl status (it does not answer)"
fi

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 3 no_leftovers
finish
