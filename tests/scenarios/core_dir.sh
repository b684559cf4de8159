#!/usr/bin/env bash
# directory = and umask =: applied in the child before exec; a relative
# directory is relative to the config file's directory.
. "$SCENARIO_LIB"
scenario_guard

mkdir -p "$T/cfg/work" "$T/abs"
printf '#!/bin/sh\necho "tool ran in $(pwd -P)"\n' > "$T/cfg/work/tool.sh"
chmod 0755 "$T/cfg/work/tool.sh"
WORK=$(readlink -f "$T/cfg/work")
ABS=$(readlink -f "$T/abs")

show='sh -c '\''echo "cwd=$(readlink /proc/self/cwd) umask=$(umask)"; echo x > made; stat -c "mode=%a" made'\'''
write_config "$T/cfg/sv.ini" <<EOF
[worker:rel]
command = $show
directory = work
umask = 027
restart = never

[worker:abs]
command = $show
directory = $T/abs
umask = 0077
restart = never

[worker:inh]
command = sh -c 'echo "cwd=\$(readlink /proc/self/cwd) umask=\$(umask)"'
restart = never

[worker:relcmd]
command = ./tool.sh
directory = work
restart = never

[worker:bad]
command = crashy --fault none
directory = /nonexistent/dir
EOF
# supervise runs in / with umask 0002: neither is the config's directory
# or a umask set for a worker.
old=$(umask)
umask 0002
cd / || exit 1
sv_run "$T/cfg/sv.ini"
umask "$old"

check "relative directory is the config file's dir + work" wait_out 5 "^rel \\| cwd=$WORK umask=0027\$"
check "umask = 027 applies to files" wait_out 5 '^rel \| mode=640$'
check "absolute directory and umask = 0077" wait_out 5 "^abs \\| cwd=$ABS umask=0077\$"
check "umask = 0077 applies to files" wait_out 5 '^abs \| mode=600$'
check "the file was made in the directory" test -f "$T/cfg/work/made"
check "without directory and umask: supervise's own (/ and 0002)" \
    wait_out 5 '^inh \| cwd=/ umask=0002$'
check "a relative command runs in its directory" wait_out 5 "^relcmd \\| tool ran in $WORK\$"
check "a missing directory: fatal: chdir /nonexistent/dir: No such file or directory" \
    wait_log 5 ' bad: fatal: chdir /nonexistent/dir: No such file or directory$'
check "a missing directory is not retried" test "$(log_count ' bad: restarting')" -eq 0
check "supervise keeps running" alive "$SV_PID"

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 3 no_leftovers
finish
