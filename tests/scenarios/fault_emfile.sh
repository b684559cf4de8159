#!/usr/bin/env bash
# Fault matrix: supervise's own descriptor limit tiny, and used up by
# control connections.  Accepting, spawning and reopening a log file fail
# cleanly (each logged, nothing crashes, nothing spins), and everything
# recovers once the descriptors are free again.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

command -v prlimit > /dev/null || { skip "no prlimit"; finish; }
command -v python3 > /dev/null || { skip "no python3"; finish; }

write_config "$T/s.ini" <<EOF
[worker:crash]
command = crashy --fault exit:1 --after 300ms --output 1
min_uptime = 0
restart_delay = 300ms
stdout = file:$T/crash.log
EOF
# A hard limit of 48: supervise cannot raise it, the connections below
# use up what its own descriptors leave.
prlimit --nofile=48:48 "$SUPERVISE" -c "$T/s.ini" -s "$SOCK" \
    > "$T/out" 2> "$T/err" &
SV_PID=$!
track "$SV_PID"
check "running" wait_log 10 ' crash: running$'

# Hold 120 connections, each sending half a request now and then.
python3 - "$SOCK" "$T/release" <<'PY' &
import os, socket, sys, time
socks = []
for i in range(120):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
while not os.path.exists(sys.argv[2]):
    time.sleep(0.05)
PY
holder=$!
track "$holder"
check "accept fails and says so" \
    wait_log 20 'control: accept: Too many open files; accepting again in 1s'
check "a spawn fails and says so" \
    wait_log 20 'crash: cannot start: .*Too many open files'
# A descriptor may be free for a moment (the worker between two spawns):
# rotate again until one reopen meets the limit.
reopen_fails() {
	[ -e "$T/crash.log" ] && mv "$T/crash.log" "$T/crash.log.1"
	sv_signal USR1
	wait_log 1 "file:$T/crash.log: reopening: Too many open files; still writing to the file opened before"
}
check "a reopen fails and says so" wait_for 20 reopen_fails
check "supervise is alive" alive "$SV_PID"

# Release the descriptors: everything works again.
touch "$T/release"
reap "$holder"
check "status answers again" wait_for 30 eval 'ctl check > /dev/null 2>&1 || [ $? = 3 ]'
n=$(spawn_count crash)
check "the worker is spawned again" wait_for 30 spawned_times crash $((n + 1))
sv_signal USR1
check "the reopen works again" wait_for 20 test -s "$T/crash.log"
kill -TERM "$SV_PID"
check "exits on TERM" sv_wait_exit 15
check "exit 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 5 no_leftovers
finish
