#!/usr/bin/env bash
# supervise under a notify-aware parent: READY=1 once every worker is
# RUNNING, STATUS=, STOPPING=1, and WATCHDOG=1 at half of WATCHDOG_USEC.
. "$SCENARIO_LIB"

command -v python3 >/dev/null || { echo "skipped: no python3"; echo "0 passed, 0 failed"; exit 0; }

cat > "$T/recv.py" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
s.settimeout(20)
with open(sys.argv[2], "a", buffering=1) as out:
    try:
        while True:
            out.write(s.recv(4096).decode() + "\n")
    except socket.timeout:
        pass
PY
python3 "$T/recv.py" "$T/notify" "$T/got" &
track $!
wait_for 5 test -S "$T/notify" || fail "receiver did not start"

write_config "$T/w.ini" <<'INI'
[worker:a]
command = sh -c 'echo "NS=${NOTIFY_SOCKET:-unset} WD=${WATCHDOG_USEC:-unset}"; exec sleep 1000'
min_uptime = 300ms
[worker:b]
command = sleep 1000
min_uptime = 300ms
INI
NOTIFY_SOCKET="$T/notify" WATCHDOG_USEC=400000 sv_start "$T/w.ini"
got() { grep -qx -- "$1" "$T/got" 2>/dev/null; }
check "READY=1 once both workers run" wait_for 5 got "READY=1"
check "READY=1 not before the workers ran" \
    test "$(grep -n -m1 'STATUS=2 running' "$T/got" | cut -d: -f1)" -lt \
    "$(grep -n -m1 'READY=1' "$T/got" | cut -d: -f1)"
check "STATUS= summarises the workers" got "STATUS=2 running, 0 starting, 0 backoff, 0 fatal"
watchdogs() { [ "$(grep -c '^WATCHDOG=1$' "$T/got")" -ge "$1" ]; }
check "WATCHDOG=1 repeats at half the period" wait_for 5 watchdogs 3
kill -TERM "$SV_PID"
check "supervise exits 0" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "STOPPING=1 sent at shutdown" got "STOPPING=1"
check "workers do not inherit NOTIFY_SOCKET or WATCHDOG_USEC" \
    grep -qx "a | NS=unset WD=unset" "$T/out"
finish
