#!/usr/bin/env bash
# Hooks: on_exit and on_fatal, per worker and in [supervisor], run without
# a shell with SUPERVISE_* in their environment, one at a time per worker,
# bounded by hook_timeout, their output prefixed NAME[hook], never workers.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

# --- The keys, checked by -t.
bad_key() {
	printf '[worker:x]\ncommand = true\n%s\n' "$1" > "$T/b.ini"
	"$SUPERVISE" -t -c "$T/b.ini" > /dev/null 2> "$T/t.err"
	[ $? -eq 78 ] && grep -q "b.ini:3: ${1%% *}: " "$T/t.err"
}
check "-t: on_exit = \"\" is refused" bad_key 'on_exit = ""'
check "-t: on_fatal with an open quote is refused" bad_key "on_fatal = 'x"
check "-t: hook_timeout = 0 is refused" bad_key 'hook_timeout = 0'
check "-t: hook_timeout = soon is refused" bad_key 'hook_timeout = soon'
printf '[supervisor]\non_exit = logger x\non_fatal = true\nhook_timeout = 5s\n[worker:x]\ncommand = true\non_exit = sh -c "echo $SUPERVISE_WORKER"\nhook_timeout = 1m\n' \
    > "$T/g.ini"
check "-t: the keys in [supervisor] and [worker:NAME]" \
    eval '"$SUPERVISE" -t -c "$T/g.ini" > /dev/null'
printf '[worker:x]\nplugin = %s\non_exit = true\n' "$CRASHY_PLUGIN" > "$T/th.ini"
check "-t: hooks are allowed in thread mode" \
    eval '"$SUPERVISE" -t -m thread -c "$T/th.ini" > /dev/null'

H="$T/hooks.log"
write_config "$T/w.ini" <<EOF
[supervisor]
on_fatal = sh -c 'echo "fatal \$SUPERVISE_WORKER \$SUPERVISE_EVENT code=\$SUPERVISE_EXIT_CODE sig=\$SUPERVISE_SIGNAL r=\$SUPERVISE_RESTARTS" >> $H'

[worker:once]
command = sh -c 'sleep 0.2; exit 3'
restart = never
on_exit = sh -c 'echo "exit \$SUPERVISE_WORKER \$SUPERVISE_EVENT code=\$SUPERVISE_EXIT_CODE sig=\$SUPERVISE_SIGNAL r=\$SUPERVISE_RESTARTS" >> $H'

[worker:segv]
command = crashy --fault segv --after 200ms
restart = never
on_exit = sh -c 'echo "exit \$SUPERVISE_WORKER sig=\$SUPERVISE_SIGNAL code=\$SUPERVISE_EXIT_CODE" >> $H'

[worker:noshell]
command = sh -c 'sleep 0.2; exit 0'
restart = never
on_exit = echo literal \$HOME "two words"

[worker:gives_up]
command = sh -c 'exit 1'
min_uptime = 0
restart_delay = 50ms
restart_limit = 2

[worker:loop]
command = sh -c 'sleep 0.05; exit 1'
min_uptime = 0
restart_delay = 50ms
restart_limit = 40
restart_window = 1h
on_exit = sh -c 'mkdir $T/lock 2> /dev/null || echo OVERLAP >> $T/overlap; echo ran >> $T/loop.runs; sleep 0.3; rmdir $T/lock'

[worker:slowhook]
command = sh -c 'sleep 0.2; exit 2'
restart = never
on_exit = sh -c 'echo \$\$ > $T/hookpid; exec sleep 1000'
hook_timeout = 15s

[worker:nohook]
command = sh -c 'sleep 0.2; exit 0'
restart = never
on_exit = /nonexistent/hook

[worker:stays]
command = crashy --fault none
on_exit = sh -c 'echo "exit stays" >> $H'
EOF
sv_start "$T/w.ini"
check "on_exit: exit status, event, worker, restarts" wait_for 10 grep -qx \
    'exit once exit code=3 sig= r=0' "$H"
check "on_exit: a signal by name" wait_for 10 grep -qx \
    'exit segv sig=SEGV code=' "$H"
check "on_fatal from [supervisor]: the FATAL worker" wait_for 10 grep -qx \
    'fatal gives_up fatal code=1 sig= r=2' "$H"
check "on_fatal runs once per FATAL" eval \
    '[ "$(grep -c "^fatal gives_up" "$H")" = 1 ]'
check "no shell unless asked: words as written, output as NAME[hook]" \
    wait_out 10 '^noshell\[hook\] \| literal \$HOME two words$'
check "a hook's output never looks like its worker's" eval \
    '! out_has "^noshell \\| literal"'

check "a hook that cannot be run is logged" wait_log 10 \
    ' nohook: hook on_exit: exec /nonexistent/hook: No such file or directory; not run$'

# hook_timeout: KILL to the hook's process group.
check "the slow hook started" wait_for 10 test -s "$T/hookpid"
HP=$(cat "$T/hookpid")
check "the slow hook runs" ours "$HP"
check "hook_timeout: killed, with a log line" wait_log 30 \
    ' slowhook: hook on_exit still running after 15s \(hook_timeout\); killing it$'
check "... and the hook is gone" wait_for 10 all_dead "$HP"
check "... reaped, and said so" wait_log 10 \
    ' slowhook: hook on_exit killed by signal KILL$'

# One hook at a time per worker; events meanwhile wait or are skipped.
check "loop went FATAL" wait_log 30 ' loop: fatal: '
check "loop's hooks ran more than once" wait_for 10 eval \
    '[ "$(wc -l < "$T/loop.runs")" -ge 2 ]'
check "never two hooks of a worker at once" test ! -e "$T/overlap"
check "the events that came meanwhile were skipped, with a log line" \
    log_has ' loop: hook on_exit skipped: a hook is running'
check "fewer hooks than exits" eval \
    '[ "$(wc -l < "$T/loop.runs")" -lt "$(log_count " loop: exited ")" ]'

# Hooks are not workers.
check "status shows workers only" eval \
    '[ "$(ctl status | tail -n +2 | wc -l)" = 8 ]'
check "metrics count workers only" eval \
    '[ "$(ctl metrics | grep -c "^supervise_worker_up{")" = 8 ]'

# No hook for the stops of a shutdown.
sv_signal TERM
check "supervise exits 0" eval 'sv_wait_exit 20 && [ "$SV_STATUS" = 0 ]'
check "no on_exit for a shutdown's stop" eval '! grep -q "^exit stays" "$H"'
check "no hook left behind" no_leftovers

# --- Thread mode: hooks are processes there too.
write_config "$T/t.ini" <<EOF
[worker:th]
plugin = $CRASHY_PLUGIN
args = --fault exit:4 --after 100ms
restart = never
on_exit = sh -c 'echo "thread \$SUPERVISE_WORKER code=\$SUPERVISE_EXIT_CODE" >> $H'
EOF
sv_use_socket sock2
sv_start "$T/t.ini" -m thread
check "thread mode: on_exit runs" wait_for 10 grep -qx 'thread th code=4' "$H"
sv_signal TERM
check "supervise exits 0 (thread mode)" \
    eval 'sv_wait_exit 20 && [ "$SV_STATUS" = 0 ]'
finish
