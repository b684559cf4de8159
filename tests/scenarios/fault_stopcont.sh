#!/usr/bin/env bash
# Fault matrix: supervise stopped for 10 seconds (SIGSTOP), then continued.
# Meanwhile a worker crashed and a start's min_uptime ran out: on CONT it
# reaps the crash and restarts once after restart_delay, the waiting
# worker becomes RUNNING, the steady one keeps its pid, and there is no
# burst of restarts for the time it was stopped.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

write_config "$T/s.ini" <<EOF
[worker:steady]
command = crashy --fault none
min_uptime = 0

[worker:crash]
command = crashy --fault exit:1 --after 1s
min_uptime = 0
restart_delay = 1s

[worker:slow]
command = crashy --fault none
autostart = no
min_uptime = 3s
EOF
sv_start "$T/s.ini"
check "steady running" wait_log 10 ' steady: running$'
check "crash running" wait_log 10 ' crash: running$'
steady=$(pid_of steady)
ctl start slow > /dev/null 2>&1 &
track $!
check "slow starting" wait_log 10 ' slow: spawned pid '
kill -STOP "$SV_PID"
before=$(spawn_count crash)
# The scenario itself: supervise stays stopped this long.
sleep 10
kill -CONT "$SV_PID"
check "slow reaches RUNNING after CONT" wait_log 15 ' slow: running$'
check "crash was reaped and restarted" wait_for 15 spawned_times crash $((before + 1))
check "status answers" ctl check steady
check "steady kept its pid" test "$(pid_of steady)" = "$steady"
# 10s stopped must not turn into a burst: restart_delay still spaces them.
t0=$SECONDS
wait_for 6 eval '[ $((SECONDS - t0)) -ge 5 ]'
after=$(spawn_count crash)
check "no restart storm ($((after - before)) spawns in ~5s, delay 1s + 1s up)" \
    test $((after - before)) -le 4
kill -TERM "$SV_PID"
check "exits on TERM" sv_wait_exit 15
check "exit 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 5 no_leftovers
finish
