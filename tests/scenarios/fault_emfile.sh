#!/usr/bin/env bash
# Fault matrix: supervise's own descriptor limit tiny, and used up by
# control connections.  Accepting, spawning and reopening a log file fail
# cleanly (each logged, nothing crashes, nothing spins), and everything
# recovers once the descriptors are free again.  Accepting pauses and
# retries each second, on the control socket and the metrics listener
# alike: a pause is said once when it begins and once when it ends, and
# no retry comes sooner than a second after the last.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

# said_once_per_pause WHO: WHO's pauses (`WHO: accept: ERROR; accepting
# again in 1s`) each end (`WHO: accepting again after Ns`) before the
# next is said: never two in a row.
said_once_per_pause() {
	awk -v who="$1" '
	    index($0, " " who ": accept: ") && !index($0, " again; ") {
		if (open) bad = 1
		open = 1; n++
	    }
	    index($0, " " who ": accepting again after ") { open = 0 }
	    END { exit !(n > 0 && !bad) }' "$T/err"
}
# retries_paced WHO: within a pause, each try (the pause's first line,
# then each retry's) comes at least 0.9s after the one before.
retries_paced() {
	awk -v who="$1" '
	    function secs(ts) {
		split(substr(ts, 12, 12), p, ":")
		return p[1] * 3600 + p[2] * 60 + p[3]
	    }
	    index($0, " " who ": accept: ") {
		t = secs($1)
		if (open && t - last < 0.9 && t - last > -43200) bad = 1
		open = 1; last = t; n++
	    }
	    index($0, " " who ": accepting again after ") { open = 0 }
	    END { exit !(n > 1 && !bad) }' "$T/err"
}

command -v prlimit > /dev/null || { skip "no prlimit"; finish; }
command -v python3 > /dev/null || { skip "no python3"; finish; }

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
write_config "$T/s.ini" <<EOF
[supervisor]
metrics_listen = 127.0.0.1:$PORT

[worker:crash]
command = crashy --fault exit:1 --after 300ms --output 1
min_uptime = 0
restart_delay = 300ms
stdout = file:$T/crash.log
EOF
# A hard limit of 48: supervise cannot raise it, the connections below
# use up what its own descriptors leave.
# -v: the retries that meet the same error are said too, so that their
# pace can be checked.
prlimit --nofile=48:48 "$SUPERVISE" -v -c "$T/s.ini" -s "$SOCK" \
    > "$T/out" 2> "$T/err" &
SV_PID=$!
track "$SV_PID"
check "running" wait_log 10 ' crash: running$'

# Hold 120 control connections (supervise closes the ones it accepted
# after 5s idle, and takes the next from the backlog), and open a metrics
# connection every 0.2s, until told to let go.
python3 - "$SOCK" "$T/release" "$PORT" <<'PY' &
import os, socket, sys, time
socks = []
for i in range(120):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
while not os.path.exists(sys.argv[2]):
    if len(socks) < 400:
        socks.append(socket.create_connection(("127.0.0.1", int(sys.argv[3]))))
    time.sleep(0.2)
PY
holder=$!
track "$holder"
check "accept fails and says so" \
    wait_log 20 'control: accept: Too many open files; accepting again in 1s'
check "the metrics listener's accept fails and says so" \
    wait_log 20 'metrics: accept: Too many open files; accepting again in 1s'
check "a retry meets the same error, 1s later" \
    wait_log 20 'control: accept: Too many open files again; accepting again in 1s'
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
check "the control socket's pause ends and says so" \
    wait_log 20 'control: accepting again after [0-9]+s$'
check "the metrics listener's pause ends and says so" \
    wait_log 20 'metrics: accepting again after [0-9]+s$'
check "metrics answers again" wait_for 30 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET /metrics HTTP/1.0\r\n\r\n")
sys.exit(0 if s.recv(64).startswith(b"HTTP/1.1 200") else 1)' "$PORT"
for who in control metrics; do
	check "$who: each pause said once as it begins, once as it ends" \
	    said_once_per_pause "$who"
	check "$who: no retry sooner than 1s after the last" \
	    retries_paced "$who"
done
n=$(spawn_count crash)
check "the worker is spawned again" wait_for 30 spawned_times crash $((n + 1))
sv_signal USR1
check "the reopen works again" wait_for 20 test -s "$T/crash.log"
kill -TERM "$SV_PID"
check "exits on TERM" sv_wait_exit 15
check "exit 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 5 no_leftovers
finish
