#!/usr/bin/env bash
# supervise --import-supervisord: a realistic supervisord.conf becomes a
# workers.ini that passes -t and runs.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

rc_of() { "$@" > "$T/o" 2> "$T/e"; echo $?; }
fixture="$(dirname "$SCENARIO_LIB")/fixtures/supervisord.conf"
mkdir "$T/app"
cp "$fixture" "$T/app/supervisord.conf"
check "converts: exit 0" test "$(rc_of "$SUPERVISE" --import-supervisord "$T/app/supervisord.conf")" = 0
cp "$T/o" "$T/w.ini"
check "nothing on stderr" test ! -s "$T/e"
check "priority is start order: db, web, job" eval \
    '[ "$(sed -n "s/^\[worker:\(.*\)\]\$/\1/p" "$T/w.ini" | tr "\n" " ")" = "db web job " ]'
check "numprocs: instances" grep -qx 'instances = 2' "$T/w.ini"
check "autorestart unexpected: on-failure" grep -qx 'restart = on-failure' "$T/w.ini"
check "autorestart false: never" grep -qx 'restart = never' "$T/w.ini"
check "exitcodes: success_exit" grep -qx 'success_exit = 0 2' "$T/w.ini"
check "startsecs: min_uptime" grep -qx 'min_uptime = 1s' "$T/w.ini"
check "startretries: restart_limit" grep -qx 'restart_limit = 3' "$T/w.ini"
check "stopsignal" grep -qx 'stop_signal = INT' "$T/w.ini"
check "stopwaitsecs: stop_timeout" grep -qx 'stop_timeout = 5s' "$T/w.ini"
check "directory: %(here)s expanded" grep -qx "directory = $T/app" "$T/w.ini"
check "environment: one env each" eval 'grep -qx "env = APP_ENV=production" "$T/w.ini" &&
    grep -qx "env = WORKERS=4" "$T/w.ini"'
check "stdout_logfile: file, expanded" grep -qx "stdout = file:$T/app/web.log" "$T/w.ini"
check "redirect_stderr: stderr = stdout" grep -qx 'stderr = stdout' "$T/w.ini"
check "stderr_logfile NONE: null" grep -qx 'stderr = null' "$T/w.ini"
check "process_num: said, not mapped" grep -q '^; not mapped: process_name = .*expansion' "$T/w.ini"
check "maxbytes: said, not mapped" grep -q '^; not mapped: stdout_logfile_maxbytes = 50MB' "$T/w.ini"
check "stopasgroup: said, not mapped" grep -q '^; not mapped: stopasgroup = true' "$T/w.ini"
check "other sections: said" eval 'grep -q "^; not mapped: \[supervisord\]" "$T/w.ini" &&
    grep -q "^; not mapped: \[group:app\]" "$T/w.ini"'
check "-t accepts it" test "$(rc_of "$SUPERVISE" -t -c "$T/w.ini")" = 0

# It runs: every worker up, the job done, web's output in its file.
sv_start "$T/w.ini"
check "runs: web:0, web:1, db running" wait_log_count 20 3 ' (web:[01]|db): running$'
check "runs: job exited 0, not restarted" wait_log 10 ' job: exited with status 0 '
check "runs: web's log file made" wait_for 10 test -e "$T/app/web.log"
check "runs: status" eval 'ctl check web db > /dev/null'
kill -TERM "$SV_PID"
check "runs: TERM: exits 0" eval 'sv_wait_exit 20 && [ "$SV_STATUS" = 0 ]'

# Bounds and errors.
check "missing file: 78" test "$(rc_of "$SUPERVISE" --import-supervisord "$T/none.conf")" = 78
printf '[supervisord]\nnodaemon=true\n' > "$T/empty.conf"
check "no program: 78" test "$(rc_of "$SUPERVISE" --import-supervisord "$T/empty.conf")" = 78
check "no program: says so" grep -q 'no \[program:NAME\] section' "$T/e"
check "no FILE: usage 64" test "$(rc_of "$SUPERVISE" --import-supervisord)" = 64
finish
