#!/usr/bin/env bash
# after =: a worker starts only once the workers it names are RUNNING (or
# EXITED successfully); start order moves only as far as after requires;
# shutdown stops in reverse.
. "$SCENARIO_LIB"
scenario_guard

# web is written before db but comes after it.
write_config "$T/sv.ini" <<EOF
[worker:web]
command = crashy --fault none
after = db
min_uptime = 100ms

[worker:db]
command = crashy --fault none
min_uptime = 500ms

[worker:init]
command = sh -c 'sleep 0.3; exit 0'
restart = on-failure
min_uptime = 1s

[worker:app]
command = crashy --fault none
after = init, db
min_uptime = 100ms

[worker:broken]
command = /nonexistent/x

[worker:waits]
command = crashy --fault none
after = broken
EOF

names=$(timeout 10 "$SUPERVISE" -t -c "$T/sv.ini" | cut -f1 | tr '\n' ' ')
check "-t: db moved before web, nothing else moved (got: $names)" \
    test "$names" = "db web init app broken waits "

sv_run "$T/sv.ini"
check "db running" wait_log 5 ' db: running$'
check "web spawned" wait_log 5 ' web: spawned pid '
check "web spawned only once db was running" \
    test "$(line_of ' web: spawned ')" -gt "$(line_of ' db: running$')"
check "init exited with status 0" wait_log 5 ' init: exited with status 0 after '
check "app spawned" wait_log 5 ' app: spawned pid '
check "app spawned only after init's successful exit (and db running)" \
    test "$(line_of ' app: spawned ')" -gt "$(line_of ' init: exited ')"
check "broken is fatal" wait_log 5 ' broken: fatal: '
check "web and app run" wait_log_count 5 2 ' (web|app): running$'
check "waits is not started while broken is FATAL" test "$(spawn_count waits)" -eq 0

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "web is stopped before db" \
    test "$(line_of ' web: stopping ')" -lt "$(line_of ' db: stopping ')"
check "no worker left" wait_for 3 no_leftovers

# A dependent that ignores TERM holds up its dependency's stop only for its
# own stop_timeout; shutdown_timeout bounds the whole; a failed EXITED
# does not let a dependent start.
now_ms() { local t=${EPOCHREALTIME/./}; echo $((t / 1000)); }
write_config "$T/stop.ini" <<EOF
[worker:db]
command = crashy --fault none
min_uptime = 100ms

[worker:web]
command = crashy --fault ignore-term
after = db
min_uptime = 100ms
stop_timeout = 1s

[worker:fails]
command = sh -c 'exit 1'
restart = never

[worker:never]
command = crashy --fault none
after = fails
EOF
sv_use_socket sock-stop
sv_run "$T/stop.ini"
check "stop: web ignores TERM" wait_out 5 '^web \| crashy: ignoring TERM and INT$'
check "stop: web running" wait_log 5 ' web: running$'
check "stop: fails exited with status 1" wait_log 5 ' fails: exited with status 1 after '
check "stop: a failed EXITED does not start its dependent" test "$(spawn_count never)" -eq 0
t0=$(now_ms)
sv_signal TERM
check "stop: supervise exits" sv_wait_exit 10
el=$(($(now_ms) - t0))
check "stop: exit status 0" test "${SV_STATUS:-x}" = 0
check "stop: about web's stop_timeout (${el}ms)" eval '[ "$el" -ge 900 ] && [ "$el" -le 4000 ]'
check "stop: web killed by signal KILL" log_has ' web: killed by signal KILL after '
check "stop: db stopped after web was gone" \
    test "$(line_of ' db: stopping ')" -gt "$(line_of ' web: killed by signal KILL')"
check "stop: no worker left" wait_for 3 no_leftovers

write_config "$T/bound.ini" <<EOF
[supervisor]
shutdown_timeout = 1s

[worker:db]
command = crashy --fault ignore-term
min_uptime = 100ms
stop_timeout = 30s

[worker:web]
command = crashy --fault ignore-term
after = db
min_uptime = 100ms
stop_timeout = 30s
EOF
sv_use_socket sock-bound
sv_run "$T/bound.ini"
check "bound: web running" wait_log 5 ' web: running$'
check "bound: both ignore TERM" wait_for 5 eval \
    '[ "$(grep -c "crashy: ignoring TERM and INT" "$T/out")" -ge 2 ]'
t0=$(now_ms)
sv_signal TERM
check "bound: supervise exits" sv_wait_exit 10
el=$(($(now_ms) - t0))
check "bound: exit status 0" test "${SV_STATUS:-x}" = 0
check "bound: shutdown_timeout = 1s bounds the staged stop (${el}ms)" \
    eval '[ "$el" -ge 900 ] && [ "$el" -le 4000 ]'
check "bound: no worker left" wait_for 3 no_leftovers

# Unknown names and cycles are config errors.
write_config "$T/bad.ini" <<EOF
[worker:a]
command = crashy --fault none
after = b

[worker:b]
command = crashy --fault none
after = a

[worker:c]
command = crashy --fault none
after = nobody-here
EOF
timeout 10 "$SUPERVISE" -t -c "$T/bad.ini" > "$T/t.out" 2> "$T/t.err"
st=$?
check "cycle and unknown name: exit 78 (got $st)" test "$st" = 78
check "the cycle is reported" grep -q 'cycle' "$T/t.err"
check "the unknown name is reported" grep -q 'nobody-here' "$T/t.err"
finish
