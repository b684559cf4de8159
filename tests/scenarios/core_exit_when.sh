#!/usr/bin/env bash
# [supervisor] exit_when: supervise ends with the worker whose end meets it
# (its exit code, or 128 + signal), as a container's init does.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

rc_of() { "$@" > "$T/o" 2> "$T/e"; echo $?; }

# --- -t checks the key.
bad_t() {	# bad_t VALUE MESSAGE
	printf '[supervisor]\nexit_when = %s\n[worker:web]\ncommand = crashy\ninstances = 2\n[worker:job]\ncommand = crashy\n' "$1" > "$T/t.ini"
	[ "$(rc_of "$SUPERVISE" -t -c "$T/t.ini")" = 78 ] && grep -qF "$2" "$T/e"
}
good_t() {
	printf '[supervisor]\nexit_when = %s\n[worker:web]\ncommand = crashy\ninstances = 2\n[worker:job]\ncommand = crashy\n' "$1" > "$T/t.ini"
	[ "$(rc_of "$SUPERVISE" -t -c "$T/t.ini")" = 0 ]
}
for v in never any all job web web:1 "job, web:0" "web job"; do
	check "-t: exit_when = $v is fine" good_t "$v"
done
check "-t: unknown worker" bad_t nope 't.ini:2: exit_when: unknown worker "nope"'
check "-t: no such instance" bad_t web:2 'exit_when: unknown worker "web:2"'
check "-t: job has no instances" bad_t job:0 'exit_when: unknown worker "job:0"'
check "-t: any in a list" bad_t "any, web" 'exit_when: any stands alone'
check "-t: empty" bad_t "" 'exit_when: empty value'

# --- any: the first worker to end for good; its exit code.
write_config "$T/any.ini" <<EOF
[supervisor]
exit_when = any

[worker:web]
command = crashy --fault none
min_uptime = 0

[worker:job]
command = crashy --fault exit:7 --after 300ms
restart = never
min_uptime = 0
EOF
sv_start "$T/any.ini"
check "any: web up" wait_log 5 ' web: running$'
web=$(pid_of web)
check "any: supervise exits" sv_wait_exit 15
check "any: with job's status 7" test "$SV_STATUS" = 7
check "any: says why" log_has 'exit_when met: exiting with status 7$'
check "any: web stopped on the way out" log_has ' web: stopped$'
check "any: web gone" dead "$web"

# --- A signal: 128 + its number; FATAL counts as ended.
write_config "$T/sig.ini" <<EOF
[supervisor]
exit_when = job

[worker:web]
command = crashy --fault none

[worker:job]
command = crashy --fault segv --after 100ms
restart_limit = 1
min_uptime = 0
EOF
sv_start "$T/sig.ini"
check "job: supervise exits" sv_wait_exit 20
check "job: FATAL after its limit" log_has ' job: fatal: '
check "job: 128 + SEGV" test "$SV_STATUS" = $((128 + 11))

# --- all: once none is up, the status of the last to end.
write_config "$T/all.ini" <<EOF
[supervisor]
exit_when = all

[worker:first]
command = crashy --fault exit:0 --after 0
restart = never
min_uptime = 0

[worker:last]
command = crashy --fault exit:3 --after 800ms
restart = never
min_uptime = 0

[worker:idle]
command = crashy --fault none
autostart = no
EOF
sv_start "$T/all.ini"
check "all: first ends" wait_log 10 ' first: exited with status 0 '
check "all: supervise still runs after the first" eval \
    'log_has " last: running" && ! log_has " last: exited" && alive "$SV_PID" ||
    log_has " last: exited"'
check "all: supervise exits" sv_wait_exit 15
check "all: with the last one's status 3" test "$SV_STATUS" = 3

# --- A stop by request is not an end: supervise keeps running.
write_config "$T/stop.ini" <<EOF
[supervisor]
exit_when = any

[worker:web]
command = crashy --fault none
min_uptime = 0
EOF
sv_start "$T/stop.ini"
check "stop: web up" wait_log 5 ' web: running$'
check "stop: ctl stop web" eval 'ctl stop web > /dev/null'
check "stop: supervise still answers" eval 'ctl status > /dev/null'
check "stop: supervise alive" alive "$SV_PID"
check "stop: ctl start web" eval 'ctl start web > /dev/null'
kill -TERM "$SV_PID"
check "stop: TERM: exits" sv_wait_exit 15
check "stop: TERM: status 0" test "$SV_STATUS" = 0
finish
