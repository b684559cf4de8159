#!/usr/bin/env bash
# The event log never blocks supervise: with its stderr a pipe that
# nobody reads, workers keep being reaped and restarted, supervisectl is
# answered, and once the reader is back the lines the queue could not hold
# are reported as a count.  TERM still ends it.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

command -v python3 > /dev/null || { skip "no python3"; finish; }

write_config "$T/s.ini" <<EOF
[worker:loop_with_a_name_forty_bytes_long_xxx]
command = false
instances = 6
min_uptime = 0
restart_delay = 0
EOF

# The worker is false(1), which fails at once: the restarts, and with
# them the event log lines, come as fast as supervise makes them.

# supervise with stderr on a small pipe that is read only once $T/drain
# exists; then everything is copied to $T/err.
python3 - "$SUPERVISE" "$T/s.ini" "$SOCK" "$T" <<'PY' &
import fcntl, os, subprocess, sys, time
sv, conf, sock, t = sys.argv[1:]
r, w = os.pipe()
fcntl.fcntl(w, 1031, 4096)		# F_SETPIPE_SZ: one page
out = open(t + "/out", "w")
p = subprocess.Popen([sv, "-c", conf, "-s", sock], stdout=out, stderr=w)
os.close(w)
open(t + "/svpid.tmp", "w").write("%d\n" % p.pid)
os.rename(t + "/svpid.tmp", t + "/svpid")
while not os.path.exists(t + "/drain"):
    time.sleep(0.05)
with open(t + "/err", "ab") as err:
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        err.write(b)
        err.flush()
p.wait()
open(t + "/status", "w").write("%d\n" % p.returncode)
PY
track $!
check "supervise started" wait_for 60 test -s "$T/svpid"
SV_PID=$(cat "$T/svpid")
track "$SV_PID"

restarts() {
	SUPERVISECTL_TIMEOUT=5 ctl --json status 2> /dev/null |
	    python3 -c 'import json, sys
print(sum(w["restarts"] for w in json.load(sys.stdin)["workers"]))'
}
more_than() { [ "$(restarts)" -gt "$1" ] 2> /dev/null; }
# 4 lines per restart, each about 100 bytes: 800 restarts fill the pipe
# many times over, and then the 256 KiB queue behind it.
check "restarts go on while nobody reads stderr" wait_for 120 more_than 800
n=$(restarts)
check "status still answered, restarts still counted ($n)" \
    wait_for 30 more_than "$n"
zombies() { awk -v p="$SV_PID" '$4 == p && $3 == "Z"' /proc/[0-9]*/stat 2> /dev/null | wc -l; }
check "no zombies pile up ($(zombies))" test "$(zombies)" -le 4

# The reader comes back: the lines dropped meanwhile are counted.
touch "$T/drain"
check "the drop is reported once the reader is back" \
    wait_log 60 'supervise: event log: [0-9]+ lines? dropped: stderr was not keeping up$'
check "the event log goes on after it" \
    wait_for 20 eval 'tail -n 1 "$T/err" | grep -q " supervise: loop_"'
sv_signal TERM
check "TERM ends it" wait_for 60 test -s "$T/status"
check "exit 0" test "$(cat "$T/status")" = 0
check "shutdown complete logged" log_has ' supervise: shutdown complete$'
check "no worker left" wait_for 5 no_leftovers
finish
