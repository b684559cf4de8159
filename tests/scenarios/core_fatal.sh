#!/usr/bin/env bash
# Backoff of failed starts, the per-worker restart limit (FATAL), exec
# failures, and the supervisor-wide restart limit (exit 1).
. "$SCENARIO_LIB"
scenario_guard

printf '#!/bin/sh\nexit 0\n' > "$T/notexec"
chmod 0644 "$T/notexec"
# A script held open for writing cannot be exec'd (ETXTBSY): a passing
# error, retried with backoff until the holder lets go.
printf '#!/bin/sh\necho ran\nexec crashy --fault none\n' > "$T/busy.sh"
chmod 0755 "$T/busy.sh"
sleep 1000 9>>"$T/busy.sh" &
HOLDER=$!
track "$HOLDER"

write_config "$T/sv.ini" <<EOF
[worker:ok]
command = crashy --fault none
min_uptime = 200ms

; fails at once, every start is a failed one
[worker:bf]
command = sh -c 'exit 1'
min_uptime = 1s
restart_limit = 3
restart_window = 1m

[worker:cap]
command = sh -c 'exit 2'
min_uptime = 1s
backoff_max = 300ms

[worker:rd]
command = sh -c 'exit 1'
min_uptime = 1s
restart_delay = 150ms
restart_limit = 2

; fails twice at once, then has one good run, then fails at once again:
; the good run resets the backoff
[worker:reset]
command = sh -c 'n=\$(cat $T/n 2>/dev/null || echo 0); echo \$((n+1)) > $T/n; [ \$n -eq 2 ] && sleep 1.3; exit 1'
min_uptime = 1s

; restarts 600ms apart, so never 3 within any 1s: the window slides
[worker:slide]
command = crashy --after 500ms --fault exit:1
min_uptime = 100ms
restart_delay = 100ms
restart_limit = 2
restart_window = 1s

; reaches RUNNING each time: the backoff does not grow
[worker:rr]
command = crashy --after 300ms --fault exit:1
min_uptime = 100ms
restart_delay = 100ms

[worker:busy]
command = $T/busy.sh
min_uptime = 100ms

[worker:nx]
command = /nonexistent/x
min_uptime = 200ms

[worker:na]
command = $T/notexec
min_uptime = 200ms

[worker:np]
command = no-such-command-here --flag
min_uptime = 200ms
EOF
sv_run "$T/sv.ini"

check "ok running" wait_log 5 ' ok: running$'
OK=$(pid_of ok)

# Exec failures are permanent: FATAL at once, no restart.
check "nonexistent path: fatal: exec /nonexistent/x: No such file or directory" \
    wait_log 5 ' nx: fatal: exec /nonexistent/x: No such file or directory$'
check "not executable: fatal: exec ...: Permission denied" \
    wait_log 5 " na: fatal: exec $T/notexec: Permission denied\$"
check "not in PATH: fatal: exec ...: No such file or directory" \
    wait_log 5 ' np: fatal: exec (.*/)?no-such-command-here: No such file or directory$'
check "exec failures are not restarted" \
    test "$(log_count ' (nx|na|np): restarting')" -eq 0

# Backoff 100ms, 200ms, 400ms, then the fourth failure is one too many.
check "bf: fatal: 3 restarts within 60s (restart_window = 1m)" wait_log 10 ' bf: fatal: 3 restarts within (60s|1m)$'
got=$(sed -n 's/.* bf: \(restarting in .*\)$/\1/p' "$T/err" | tr '\n' ';')
check "bf: restarting in 100ms, 200ms, 400ms (restart 1..3)" test "$got" = \
    "restarting in 100ms (restart 1);restarting in 200ms (restart 2);restarting in 400ms (restart 3);"
check "bf: spawned 4 times" test "$(spawn_count bf)" -eq 4
check "bf: each exit logged" test "$(log_count ' bf: exited with status 1 after [0-9]+\.[0-9]{3}s$')" -eq 4
check "bf: fatal after the last exit" \
    test "$(line_of ' bf: fatal: ')" -gt "$(grep -En ' bf: exited' "$T/err" | tail -n 1 | cut -d: -f1)"

# backoff_max caps the doubling.
check "cap: four restarts" wait_log_count 10 4 ' cap: restarting in '
got=$(sed -n 's/.* cap: restarting in \([0-9a-z]*\) .*/\1/p' "$T/err" | head -n 4 | tr '\n' ' ')
check "cap: 100ms 200ms 300ms 300ms (got $got)" test "$got" = "100ms 200ms 300ms 300ms "

# restart_delay is the base of the backoff when it is above 100ms; the
# default restart_window is 60s.
check "rd: fatal: 2 restarts within 60s" wait_log 10 ' rd: fatal: 2 restarts within (60s|1m)$'
got=$(sed -n 's/.* rd: restarting in \([0-9a-z]*\) .*/\1/p' "$T/err" | tr '\n' ' ')
check "rd: 150ms 300ms (got $got)" test "$got" = "150ms 300ms "

# After a good start the delay is restart_delay again, every time.
check "rr: three restarts" wait_log_count 10 3 ' rr: restarting in '
check "rr: always 100ms" test "$(log_count ' rr: restarting in 100ms \(restart [0-9]+\)$')" \
    -eq "$(log_count ' rr: restarting in ')"
check "rr: restart counter counts" log_has ' rr: restarting in 100ms \(restart 3\)$'
check "rr: never fatal" test "$(log_count ' rr: fatal')" -eq 0

check "reset: five restarts" wait_log_count 10 5 ' reset: restarting in '
got=$(sed -n 's/.* reset: restarting in \([0-9a-z]*\) .*/\1/p' "$T/err" | head -n 5 | tr '\n' ' ')
check "reset: 100ms 200ms, a good run (0ms), then 100ms 200ms again (got $got)" \
    test "$got" = "100ms 200ms 0ms 100ms 200ms "

check "slide: four restarts" wait_log_count 10 4 ' slide: restarting in '
check "slide: never fatal (the window slides)" test "$(log_count ' slide: fatal')" -eq 0

check "busy: exec fails twice with Text file busy" \
    wait_log_count 5 2 " busy: exec $T/busy.sh: Text file busy\$"
reap "$HOLDER" 2>/dev/null
check "busy: retried with backoff: 100ms, then 200ms" \
    eval 'log_has " busy: restarting in 100ms \(restart 1\)\$" && log_has " busy: restarting in 200ms \(restart 2\)\$"'
check "busy: runs once the file is free" wait_out 10 '^busy \| ran$'
check "busy: running" wait_log 5 ' busy: running$'
check "busy: a passing exec error is not fatal" test "$(log_count ' busy: fatal')" -eq 0

check "supervise keeps running" alive "$SV_PID"
check "ok kept its pid" alive "$OK"
check "ok spawned once" test "$(spawn_count ok)" -eq 1

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 3 no_leftovers

# The supervisor-wide limit: the third restart of all workers together
# within the window makes supervise stop everything and exit 1.
sv_use_socket sock2
write_config "$T/wide.ini" <<EOF
[supervisor]
restart_limit = 2
restart_window = 1m

[worker:h]
command = crashy --fault none

[worker:hg]
command = sh -c 'sleep 1000 & exec crashy --fault none'

[worker:s1]
command = crashy --after 200ms --fault segv
min_uptime = 100ms
restart_delay = 100ms

[worker:s2]
command = crashy --after 200ms --fault segv
min_uptime = 100ms
restart_delay = 100ms
EOF
sv_run "$T/wide.ini"
check "supervisor limit: supervise gives up" sv_wait_exit 15
check "supervisor limit: exit status 1" test "${SV_STATUS:-x}" = 1
check "supervisor limit: two restarts happened" \
    test "$(log_count ': restarting in ')" -eq 2
check "supervisor limit: shutting down" log_has ' supervise: shutting down$'
check "supervisor limit: shutdown complete" log_has ' supervise: shutdown complete$'
# shellcheck disable=SC2046
check "supervisor limit: every worker pid is dead" all_dead $(spawned_pids)
check "supervisor limit: no worker or child of one left" wait_for 3 no_leftovers
finish
