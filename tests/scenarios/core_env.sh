#!/usr/bin/env bash
# Instance names and the worker's environment: SUPERVISE_NAME and
# SUPERVISE_INSTANCE, env = (literal after the first =), what is stripped
# from supervise's own environment, and stdin.
. "$SCENARIO_LIB"
scenario_guard

# environ_has PID KEY=VALUE
environ_has() { grep -qszxF -- "$2" "/proc/$1/environ"; }

write_config "$T/sv.ini" <<EOF
[worker:w]
command = sh -c 'echo "name=\$SUPERVISE_NAME inst=\$SUPERVISE_INSTANCE"; exec crashy --fault none'
instances = 3
min_uptime = 100ms

[worker:s]
command = sh -c 'echo "name=\$SUPERVISE_NAME inst=\$SUPERVISE_INSTANCE"; exec crashy --fault none'
min_uptime = 100ms

[worker:e]
command = sh -c 'echo "A=\$A B=\$B C=\$C D=\$D OUTER=\$OUTER_VAR name=\$SUPERVISE_NAME"'
env = A=1
env = B=x=y
env = C=two  spaces
env = OUTER_VAR=inner
env = D=
env = SUPERVISE_NAME=bogus
restart = never

[worker:leak]
command = sh -c 'env | grep -E "^(NOTIFY_SOCKET|WATCHDOG_|LISTEN_)" | sed "s/^/leak: /"; echo "kept=\$KEPT_VAR"; echo envdone'
restart = never

[worker:in]
command = sh -c 'echo "stdin=\$(readlink /proc/self/fd/0)"'
restart = never

; argv[0] without a slash is looked up in the worker's PATH from env
[worker:path]
command = mytool arg
env = PATH=$T/bin:/usr/bin:/bin
restart = never

[worker:nopath]
command = crashy --fault none
env = PATH=$T/empty
restart = never
EOF
mkdir -p "$T/bin" "$T/empty"
printf '#!/bin/sh\necho "mytool ran with $1"\n' > "$T/bin/mytool"
chmod 0755 "$T/bin/mytool"
export NOTIFY_SOCKET="$T/nobody-listens" WATCHDOG_USEC=60000000 WATCHDOG_PID=1
export LISTEN_FDS=2 LISTEN_PID=1 LISTEN_FDNAMES=a:b
export SUPERVISE_NAME=outer SUPERVISE_INSTANCE=9 OUTER_VAR=outer KEPT_VAR=kept
sv_run "$T/sv.ini"
unset NOTIFY_SOCKET WATCHDOG_USEC WATCHDOG_PID LISTEN_FDS LISTEN_PID \
    LISTEN_FDNAMES SUPERVISE_NAME SUPERVISE_INSTANCE OUTER_VAR KEPT_VAR

check "instances: w:0 w:1 w:2 spawned" wait_for 5 eval \
    '[ -n "$(pid_of w:0)" ] && [ -n "$(pid_of w:1)" ] && [ -n "$(pid_of w:2)" ]'
check "instances: no plain w" test -z "$(pid_of w)"
check "instances: w:0 running" wait_log 5 ' w:0: running$'
for i in 0 1 2; do
	check "w:$i sees SUPERVISE_NAME=w:$i SUPERVISE_INSTANCE=$i" \
	    wait_out 5 "^w:$i \| name=w:$i inst=$i\$"
	check "w:$i's environ has SUPERVISE_INSTANCE=$i" \
	    environ_has "$(pid_of "w:$i")" "SUPERVISE_INSTANCE=$i"
done
check "stderr is prefixed with NAME:N too" \
    wait_out 5 "^w:1 \| crashy\[$(pid_of w:1)\]: fault none"
check "single instance: s, SUPERVISE_INSTANCE=0" wait_out 5 '^s \| name=s inst=0$'
check "single instance: logged as s" test -n "$(pid_of s)"

check "env: A=1, B=x=y, value kept as written, D empty; env overrides the inherited OUTER_VAR; SUPERVISE_NAME is the worker's" \
    wait_out 5 '^e \| A=1 B=x=y C=two  spaces D= OUTER=inner name=e$'
check "env: e exited with status 0" wait_log 5 ' e: exited with status 0 after '

check "inherited: the rest of supervise's environment arrives" wait_out 5 '^leak \| kept=kept$'
check "inherited: leak done" wait_out 5 '^leak \| envdone$'
check "NOTIFY_SOCKET, WATCHDOG_* and LISTEN_* do not reach workers" \
    eval '! out_has "^leak \| leak: "'
check "no NOTIFY_SOCKET in a running worker's environ" \
    eval '! grep -qsz "^NOTIFY_SOCKET=" "/proc/$(pid_of s)/environ"'

check "the worker's PATH= finds the command" wait_out 5 '^path \| mytool ran with arg$'
check "the worker's PATH= is where the command is looked for" \
    wait_log 5 ' nopath: fatal: exec (.*/)?crashy: No such file or directory$'
check "stdin is /dev/null" wait_out 5 '^in \| stdin=/dev/null$'
check "a worker's stdin is /dev/null (/proc)" \
    test "$(readlink "/proc/$(pid_of w:0)/fd/0")" = /dev/null

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "w:0 w:1 w:2 and s stopped" test "$(log_count ' (w:[0-2]|s): stopped$')" -eq 4
check "no worker left" wait_for 3 no_leftovers
finish
