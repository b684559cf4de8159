#!/usr/bin/env bash
# Graceful shutdown on TERM and INT: reverse start order, stop_timeout
# then KILL, a second TERM, shutdown_timeout, stop_signal.
. "$SCENARIO_LIB"
scenario_guard

now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
# between LO HI VALUE
between() { [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

# --- TERM: reverse start order; a worker in BACKOFF is just dropped.
write_config "$T/order.ini" <<EOF
[worker:a]
command = crashy --fault none
min_uptime = 200ms

[worker:b]
command = sh -c 'exec crashy --fault none'
min_uptime = 200ms

[worker:c]
command = crashy --fault none
min_uptime = 200ms

[worker:bo]
command = sh -c 'exit 1'
min_uptime = 1s
restart_delay = 10s
EOF
sv_use_socket s1
sv_run "$T/order.ini"
check "order: three running" wait_log_count 5 3 ': (a|b|c): running$'
check "order: bo in backoff" wait_log 5 ' bo: restarting in 10s \(restart 1\)$'
pids="$(pid_of a) $(pid_of b) $(pid_of c)"
sv_signal TERM
check "order: supervise exits" sv_wait_exit 10
check "order: exit status 0" test "${SV_STATUS:-x}" = 0
check "order: shutting down" log_has '^[^ ]+ supervise: shutting down$'
check "order: c stopping (TERM)" log_has ' c: stopping \(TERM\)$'
check "order: b stopping (TERM)" log_has ' b: stopping \(TERM\)$'
check "order: a stopping (TERM)" log_has ' a: stopping \(TERM\)$'
lc=$(line_of ' c: stopping ')
lb=$(line_of ' b: stopping ')
la=$(line_of ' a: stopping ')
check "order: stopped in reverse start order (c $lc, b $lb, a $la)" \
    eval '[ "$lc" -gt 0 ] && [ "$lc" -lt "$lb" ] && [ "$lb" -lt "$la" ]'
check "order: a, b, c stopped" test "$(log_count ' (a|b|c): stopped$')" -eq 3
check "order: stopping comes after shutting down" \
    test "$lc" -gt "$(line_of ' supervise: shutting down$')"
check "order: shutdown complete is the last line" \
    eval 'tail -n 1 "$T/err" | grep -Eq " supervise: shutdown complete\$"'
check "order: bo not spawned again" test "$(spawn_count bo)" -eq 1
check "order: nothing spawned after shutting down" \
    eval '[ -z "$(sed -n "/ supervise: shutting down\$/,\$p" "$T/err" | grep " spawned pid ")" ]'
check "order: nothing restarted after shutting down" \
    eval '[ -z "$(sed -n "/ supervise: shutting down\$/,\$p" "$T/err" | grep " restarting in ")" ]'
# shellcheck disable=SC2086
check "order: worker pids dead" all_dead $pids
check "order: no worker left" wait_for 3 no_leftovers

# --- A worker that ignores TERM is KILLed after its stop_timeout.
write_config "$T/ignore.ini" <<EOF
[worker:n]
command = crashy --fault none
min_uptime = 100ms

[worker:ig]
command = crashy --fault ignore-term
min_uptime = 100ms
stop_timeout = 1s
EOF
sv_use_socket s2
sv_run "$T/ignore.ini"
check "ignore: ig ignores TERM" wait_out 5 '^ig \| crashy: ignoring TERM and INT$'
check "ignore: both running" wait_log_count 5 2 ': (n|ig): running$'
t0=$(now_ms)
sv_signal TERM
check "ignore: supervise exits" sv_wait_exit 10
el=$(($(now_ms) - t0))
check "ignore: exit status 0" test "${SV_STATUS:-x}" = 0
check "ignore: took about stop_timeout = 1s (${el}ms)" between 900 4000 "$el"
check "ignore: ig killed by signal KILL" log_has ' ig: killed by signal KILL after '
check "ignore: n exited at once on TERM" log_has ' n: exited with status 0 after '
check "ignore: ig stopped" log_has ' ig: stopped$'
check "ignore: no worker left" wait_for 3 no_leftovers

# --- A second TERM during shutdown kills at once.
write_config "$T/second.ini" <<EOF
[worker:ig]
command = crashy --fault ignore-term
min_uptime = 100ms
stop_timeout = 30s
EOF
sv_use_socket s3
sv_run "$T/second.ini"
check "second: ig ignores TERM" wait_out 5 '^ig \| crashy: ignoring TERM and INT$'
sv_signal TERM
check "second: stopping (TERM)" wait_log 5 ' ig: stopping \(TERM\)$'
t0=$(now_ms)
sv_signal TERM
check "second: supervise exits" sv_wait_exit 10
el=$(($(now_ms) - t0))
check "second: exit status 0" test "${SV_STATUS:-x}" = 0
check "second: quickly after the second TERM (${el}ms)" between 0 3000 "$el"
check "second: ig killed by signal KILL" log_has ' ig: killed by signal KILL after '
check "second: no worker left" wait_for 3 no_leftovers

# --- shutdown_timeout bounds the whole shutdown.
write_config "$T/bound.ini" <<EOF
[supervisor]
shutdown_timeout = 1s

[worker:ig]
command = crashy --fault ignore-term
min_uptime = 100ms
stop_timeout = 30s
EOF
sv_use_socket s4
sv_run "$T/bound.ini"
check "bound: ig ignores TERM" wait_out 5 '^ig \| crashy: ignoring TERM and INT$'
t0=$(now_ms)
sv_signal TERM
check "bound: supervise exits" sv_wait_exit 10
el=$(($(now_ms) - t0))
check "bound: exit status 0" test "${SV_STATUS:-x}" = 0
check "bound: took about shutdown_timeout = 1s (${el}ms)" between 900 4000 "$el"
check "bound: ig killed by signal KILL" log_has ' ig: killed by signal KILL after '
check "bound: no worker left" wait_for 3 no_leftovers

# --- INT behaves like TERM; stop_signal is what workers get.
write_config "$T/int.ini" <<EOF
[worker:a]
command = crashy --fault none
min_uptime = 100ms

[worker:si]
command = sh -c 'trap "echo got INT; exit 0" INT; trap "echo got TERM; exit 0" TERM; echo armed; while :; do sleep 0.1; done'
min_uptime = 100ms
stop_signal = INT

[worker:sh]
command = sh -c 'trap "echo got HUP; exit 0" HUP; trap "echo got TERM; exit 0" TERM; echo armed; while :; do sleep 0.1; done'
min_uptime = 100ms
stop_signal = HUP

[worker:num]
command = sh -c 'trap "echo got USR2; exit 0" USR2; trap "echo got TERM; exit 0" TERM; echo armed; while :; do sleep 0.1; done'
min_uptime = 100ms
stop_signal = 12
EOF
sv_use_socket s5
sv_run "$T/int.ini"
check "int: si armed" wait_out 5 '^si \| armed$'
check "int: sh armed" wait_out 5 '^sh \| armed$'
check "int: num armed" wait_out 5 '^num \| armed$'
check "int: a running" wait_log 5 ' a: running$'
sv_signal INT
check "int: supervise exits on INT" sv_wait_exit 10
check "int: exit status 0" test "${SV_STATUS:-x}" = 0
check "int: shutting down" log_has ' supervise: shutting down$'
check "int: a stopping (TERM)" log_has ' a: stopping \(TERM\)$'
check "int: si stopping (INT)" log_has ' si: stopping \(INT\)$'
check "int: sh stopping (HUP)" log_has ' sh: stopping \(HUP\)$'
check "int: si got INT" out_has '^si \| got INT$'
check "int: si did not get TERM" eval '! out_has "^si \| got TERM"'
check "int: sh got HUP" out_has '^sh \| got HUP$'
check "int: stop_signal = 12: stopping (USR2)" log_has ' num: stopping \(USR2\)$'
check "int: num got USR2" out_has '^num \| got USR2$'
check "int: si exited with status 0" log_has ' si: exited with status 0 after '
check "int: shutdown complete" log_has ' supervise: shutdown complete$'
check "int: no worker left" wait_for 3 no_leftovers

# --- TERM while workers are still STARTING; stop_timeout = 0 (KILL at
# once); a worker stopped with SIGSTOP still gets its TERM (then CONT).
write_config "$T/early.ini" <<EOF
[worker:slow]
command = crashy --fault none
min_uptime = 5s

[worker:k0]
command = crashy --fault none
min_uptime = 5s
stop_timeout = 0

[worker:frozen]
command = crashy --fault none
min_uptime = 5s
stop_timeout = 20s
EOF
is_stopped() { [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = T ]; }
sv_use_socket s6
sv_run "$T/early.ini"
check "early: three spawned" wait_log_count 5 3 ': spawned pid '
check "early: frozen says it runs" wait_out 5 '^frozen \| crashy\[[0-9]+\]: fault none'
FROZEN=$(pid_of frozen)
kill -STOP "$FROZEN"
check "early: frozen is stopped (state T)" wait_for 3 is_stopped "$FROZEN"
t0=$(now_ms)
sv_signal TERM
check "early: supervise exits" sv_wait_exit 10
el=$(($(now_ms) - t0))
check "early: exit status 0" test "${SV_STATUS:-x}" = 0
check "early: quickly, while STARTING and with a frozen worker (${el}ms)" between 0 3000 "$el"
check "early: nobody reached running" test "$(log_count ': running$')" -eq 0
check "early: slow stopping (TERM)" log_has ' slow: stopping \(TERM\)$'
check "early: stop_timeout = 0: stopping (KILL)" log_has ' k0: stopping \(KILL\)$'
check "early: stop_timeout = 0: killed by signal KILL" log_has ' k0: killed by signal KILL after '
check "early: the frozen worker got CONT and its TERM: exit 0" \
    log_has ' frozen: exited with status 0 after '
check "early: three stopped" test "$(log_count ': stopped$')" -eq 3
check "early: no worker left" wait_for 3 no_leftovers

# --- Nothing left running (EXITED, FATAL, autostart = no): supervise
# stays up, and TERM still ends it at once.
write_config "$T/idle.ini" <<EOF
[worker:done]
command = sh -c 'exit 0'
restart = on-failure

[worker:broken]
command = /nonexistent/x

[worker:off]
command = crashy --fault none
autostart = no
EOF
sv_use_socket s7
sv_run "$T/idle.ini"
check "idle: done exited" wait_log 5 ' done: exited with status 0 after '
check "idle: broken fatal" wait_log 5 ' broken: fatal: '
check "idle: supervise keeps running with nothing to run" alive "$SV_PID"
check "idle: and still answers on its socket" eval 'ctl status >/dev/null'
sv_signal TERM
check "idle: supervise exits" sv_wait_exit 5
check "idle: exit status 0" test "${SV_STATUS:-x}" = 0
check "idle: shutting down" log_has ' supervise: shutting down$'
check "idle: shutdown complete" log_has ' supervise: shutdown complete$'
check "idle: nothing to stop" test "$(log_count ': stopping ')" -eq 0
# --- A reload whose first added workers trip the supervisor-wide limit:
# shutdown begins, and the good one added with them is never started.
write_config "$T/lim.ini" <<EOF
[supervisor]
restart_limit = 1
shutdown_timeout = 20s

[worker:base]
command = crashy --fault none
min_uptime = 0
EOF
sv_start "$T/lim.ini"
check "limit: base running" wait_log 5 ' base: running$'
cat >> "$T/lim.ini" <<EOF

[worker:bad1]
command = crashy --fault none
stdout = file:$T/no-such-dir/bad1.log

[worker:bad2]
command = crashy --fault none
stdout = file:$T/no-such-dir/bad2.log

[worker:good]
command = crashy --fault none
EOF
sv_signal HUP
check "limit: supervise exits" sv_wait_exit 15
check "limit: exit status 1" test "${SV_STATUS:-x}" = 1
check "limit: the limit tripped" log_has 'supervisor restart limit hit'
check "limit: shutting down" log_has ' supervise: shutting down$'
check "limit: good never spawned" test "$(spawn_count good)" -eq 0
check "limit: nothing spawned after shutting down" \
    test "$(awk '/ supervise: shutting down$/ { s = 1 } s && / spawned pid /' \
    "$T/err" | wc -l)" -eq 0
check "limit: no shutdown_timeout" \
    eval '! log_has "shutdown_timeout passed"'
check "limit: no worker left" wait_for 3 no_leftovers
finish
