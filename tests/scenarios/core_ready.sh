#!/usr/bin/env bash
# ready = notify, start_timeout, EXTEND_TIMEOUT_USEC, watchdog (missed and
# WATCHDOG=trigger), STATUS=, the workers' NOTIFY_SOCKET / WATCHDOG_USEC /
# WATCHDOG_PID, and who may send to the notify socket: the worker and its
# process group, nobody else.
. "$SCENARIO_LIB"
scenario_guard

command -v python3 >/dev/null || { skip "no python3"; finish; }
# The interpreter itself, not a wrapper script: its start-up must stay
# well inside a 400ms start_timeout.
PY=$(python3 -c 'import sys; print(sys.executable)')

# send.py ACTION...: sd_notify as a worker does it.  An action is a
# datagram to send, or sleep=SECONDS, wait=FILE (poll until it exists),
# once=FILE (stop here if FILE exists, else create it), pid (print our
# pid).  Then it stays until killed, unless the last action is exit.
cat > "$T/send.py" <<'PY'
import os, socket, sys, time
addr = os.environ["NOTIFY_SOCKET"]
if addr.startswith("@"):
    addr = "\0" + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
for a in sys.argv[1:]:
    if a.startswith("sleep="):
        time.sleep(float(a[6:]))
    elif a.startswith("wait="):
        end = time.monotonic() + 20
        while not os.path.exists(a[5:]) and time.monotonic() < end:
            time.sleep(0.02)
    elif a.startswith("once="):
        if os.path.exists(a[5:]):
            break
        open(a[5:], "w").close()
    elif a == "pid":
        print(os.getpid(), flush=True)
    elif a == "exit":
        sys.exit(0)
    else:
        s.sendto(a.replace("\\n", "\n").encode(), addr)
while True:
    time.sleep(1000)
PY

# late: ready only once the test creates $T/go; min_uptime must not count.
# never, never2: never ready (never2 dies of the stop signal).
# ext: extends its start deadline, then is ready after start_timeout;
# ext2: extends it and is never ready.
# wd: heartbeats, then hangs; wdenv: heartbeats for ever; trig: triggers
# its watchdog once.  kid: READY=1 from a child.  sdn: systemd-notify.
write_config "$T/sv.ini" <<EOF
[worker:plain]
command = crashy --fault none
min_uptime = 100ms

[worker:late]
command = $PY $T/send.py wait=$T/go READY=1
ready = notify
min_uptime = 100ms

[worker:never]
command = crashy --fault none
ready = notify
start_timeout = 300ms
min_uptime = 100ms
restart_limit = 2

[worker:never2]
command = sleep 1000
ready = notify
start_timeout = 300ms
restart = on-failure
restart_limit = 1

[worker:ext]
command = $PY $T/send.py EXTEND_TIMEOUT_USEC=5000000 STATUS=warming sleep=2.5 READY=1 STATUS=serving
ready = notify
start_timeout = 2s

[worker:ext2]
command = $PY $T/send.py EXTEND_TIMEOUT_USEC=3000000
ready = notify
start_timeout = 2s
restart = never

[worker:wd]
command = crashy --ready --heartbeat 100ms --after 700ms --fault hang
ready = notify
watchdog = 300ms
restart_delay = 50ms
stop_timeout = 2s
limit_core = 0

[worker:wdenv]
command = crashy --ready --heartbeat 100ms
ready = notify
watchdog = 1s

[worker:trig]
command = $PY $T/send.py READY=1 once=$T/triggered sleep=0.2 WATCHDOG=trigger
ready = notify
watchdog = 30s
limit_core = 0

[worker:kid]
command = sh -c '$PY $T/send.py READY=1 & wait'
ready = notify
EOF
if command -v systemd-notify >/dev/null; then
	cat >> "$T/sv.ini" <<'EOF'

[worker:sdn]
command = sh -c 'a=$(date +%s%N); systemd-notify --ready; echo "rc=$? ms=$(( ($(date +%s%N) - a) / 1000000 ))"; exec sleep 1000'
ready = notify
EOF
fi

state_of() {
	ctl --json status "$1" | sed -n 's/.*"state":"\([A-Z]*\)".*/\1/p'
}
is_state() { [ "$(state_of "$1")" = "$2" ]; }
env_of() { tr '\0' '\n' < "/proc/$1/environ"; }
# ms_between A B: milliseconds from the first log line matching A to the
# first matching B.
ts_of() {
	date -d "$(grep -E -m1 -- "$1" "$T/err" | cut -d' ' -f1)" +%s%3N
}
ms_between() { echo $(( $(ts_of "$2") - $(ts_of "$1") )); }

sv_run "$T/sv.ini"
check "all workers spawned" wait_log 5 'kid: spawned pid'

# --- the environment
check "plain: running" wait_log 5 'plain: running'
p=$(pid_of plain)
check "plain worker: no NOTIFY_SOCKET" \
    eval '! env_of "$p" | grep -q "^NOTIFY_SOCKET="'
check "plain worker: no WATCHDOG_USEC or WATCHDOG_PID" \
    eval '! env_of "$p" | grep -q "^WATCHDOG_"'
p=$(pid_of late)
wait_for 5 eval 'env_of "$p" | grep -q "^NOTIFY_SOCKET="'
ns=$(env_of "$p" | sed -n 's/^NOTIFY_SOCKET=//p')
check "notify worker: NOTIFY_SOCKET is abstract (got $ns)" \
    eval '[[ "$ns" == @?* ]]'
check "notify worker without watchdog: no WATCHDOG_USEC" \
    eval '! env_of "$p" | grep -q "^WATCHDOG_"'
check "wdenv: running" wait_log 5 'wdenv: running'
p=$(pid_of wdenv)
check "watchdog worker: WATCHDOG_USEC is the period in us" \
    eval 'env_of "$p" | grep -qx "WATCHDOG_USEC=1000000"'
check "watchdog worker: WATCHDOG_PID is its own pid ($p)" \
    eval 'env_of "$p" | grep -qx "WATCHDOG_PID=$p"'
check "watchdog worker: same NOTIFY_SOCKET" \
    eval 'env_of "$p" | grep -qx "NOTIFY_SOCKET=$ns"'

# --- a stranger is not a worker
spid=$(NOTIFY_SOCKET=$ns "$PY" "$T/send.py" pid READY=1 exit)
check "a datagram from outside the workers is dropped and logged" \
    wait_log 5 "notify: datagram from pid $spid dropped: not from a worker"

# --- start_timeout
check "never ready: start timeout" \
    wait_log 5 'never: not ready within 300ms; stopping it'
check "late is still STARTING: min_uptime does not apply, the stranger did not count" \
    is_state late STARTING
check "late: no running yet" eval '! log_has "late: running"'
: > "$T/go"
check "late: running once it sends READY=1" wait_log 5 'late: running'
check "late: RUNNING" is_state late RUNNING
check "late: spawned once" test "$(spawn_count late)" = 1

check "start timeout: stop signal sent" log_has 'never: stopping \(TERM\)'
check "start timeout: a failed start, backoff 100ms" \
    wait_log 5 'never: restarting in 100ms \(restart 1\)'
check "start timeout again: backoff 200ms" \
    wait_log 5 'never: restarting in 200ms \(restart 2\)'
check "start timeout with restart_limit: FATAL" \
    wait_log 5 'never: fatal: 2 restarts within 60s'
check "never: FATAL in status" is_state never FATAL
check "never: spawned 3 times" test "$(spawn_count never)" = 3
check "never: never running" eval '! log_has "never: running"'
check "on-failure: death by the stop signal after a start timeout is a failure" \
    wait_log 5 'never2: restarting in 100ms \(restart 1\)'
check "never2: killed by TERM" log_has 'never2: killed by signal TERM'
check "never2: FATAL after its limit" wait_log 5 'never2: fatal: 1 restarts within 60s'

# --- EXTEND_TIMEOUT_USEC and STATUS=
check "ext: running after 2.5s with start_timeout 2s" wait_log 8 'ext: running'
check "ext: no start timeout" eval '! log_has "ext: not ready"'
check "ext: spawned once" test "$(spawn_count ext)" = 1
d=$(ms_between 'ext: spawned' 'ext: running')
check "ext: running no sooner than its READY=1 (${d}ms)" test "$d" -ge 2400
check "ext2: extended, never ready: start timeout all the same" \
    wait_log 8 'ext2: not ready within 2s; stopping it'
d=$(ms_between 'ext2: spawned' 'ext2: not ready')
check "ext2: at the extended deadline, not start_timeout's (${d}ms)" \
    test "$d" -ge 2800
check "STATUS= shows as status_text" \
    wait_for 5 eval 'ctl --json status ext | grep -q "\"status_text\":\"serving\""'
check "status_text is null without STATUS=" \
    eval 'ctl --json status plain | grep -q "\"status_text\":null"'

# --- watchdog
check "wd: watchdog timeout" wait_log 5 'wd: watchdog timeout'
check "wd: ABRT to it" wait_log 5 'wd: stopping \(ABRT\)'
check "wd: killed by signal ABRT" wait_log 5 'wd: killed by signal ABRT'
check "wd: restarted with restart_delay (a running worker's failure)" \
    wait_log 5 'wd: restarting in 50ms \(restart 1\)'
check "wd: spawned again" wait_for 5 spawned_times wd 2
d=$(ms_between 'wd: running' 'wd: watchdog timeout')
check "wd: heartbeats kept it alive until the hang (${d}ms)" test "$d" -ge 600
check "wdenv: heartbeats keep it up" eval '! log_has "wdenv: watchdog"'
check "wdenv: spawned once" test "$(spawn_count wdenv)" = 1

check "trig: WATCHDOG=trigger" wait_log 5 'trig: watchdog timeout'
check "trig: ABRT to it" wait_log 5 'trig: stopping \(ABRT\)'
check "trig: killed by signal ABRT" wait_log 5 'trig: killed by signal ABRT'
check "trig: restarted" wait_log 5 'trig: restarting in 0ms \(restart 1\)'
d=$(ms_between 'trig: running' 'trig: watchdog timeout')
check "trig: at once, not after the 30s period (${d}ms)" test "$d" -lt 5000
check "trig: running again" wait_log_count 5 2 'trig: running'

# --- the worker's process group
check "kid: READY=1 from a child of the worker counts" wait_log 5 'kid: running'

if command -v systemd-notify >/dev/null; then
	check "sdn: systemd-notify --ready works" wait_log 5 'sdn: running'
	check "sdn: systemd-notify returned 0" wait_out 5 '^sdn \| rc=0 '
	ms=$(sed -n 's/^sdn | rc=0 ms=//p' "$T/out")
	check "sdn: BARRIER=1 answered at once (${ms}ms)" test "${ms:-9999}" -lt 3000
else
	skip "systemd-notify: not installed"
fi

check "only the stranger was dropped" test "$(log_count 'dropped')" = 1

# --- a stranger's flood: one line for it, then one count per 10s window
NOTIFY_SOCKET=$ns "$PY" - > "$T/flood" <<'PY'
import os, socket
addr = "\0" + os.environ["NOTIFY_SOCKET"][1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sent = 0
for i in range(20000):
    try:
        s.sendto(b"READY=1", addr)
        sent += 1
    except BlockingIOError:
        pass
print(os.getpid(), sent, flush=True)
PY
read -r fpid fsent < "$T/flood"
check "flood: logged once at first" \
    wait_log 5 "notify: datagram from pid $fpid dropped: not from a worker"
check "flood: then counted, in one line" \
    wait_log 15 "notify: [0-9]+ more datagrams from pid $fpid dropped in 10s"
# Each 10s window logs the sender's first datagram and counts the rest.
flood_total() {
	local first more
	first=$(log_count "datagram from pid $fpid dropped: not from a worker")
	more=$(sed -n "s/.*notify: \([0-9]*\) more datagrams from pid $fpid .*/\1/p" \
	    "$T/err" | awk '{ s += $1 } END { print s + 0 }')
	echo $((first + more))
}
check "flood: every datagram counted" \
    wait_for 40 eval '[ "$(flood_total)" = "$fsent" ]'
check "flood: a few lines, not $fsent ($(log_count "pid $fpid dropped"))" \
    test "$(log_count "pid $fpid dropped")" -le 10
check "flood: supervise still answers" ctl check late

sv_signal TERM
check "supervise exits" sv_wait_exit 15
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 5 no_leftovers
check "no sanitizer report" eval '! log_has "runtime error|AddressSanitizer"'
finish
