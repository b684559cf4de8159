#!/usr/bin/env bash
# Logs on demand: `supervisectl log [-n N] [-f]` from each worker's ring of
# last lines (log_buffer), a slow follower dropped rather than waited for,
# and `supervisectl why`: the last exits with the lines before each.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

# --- log_buffer, checked by -t.
for v in 17M 1G abc -1; do
	printf '[worker:x]\ncommand = true\nlog_buffer = %s\n' "$v" > "$T/b.ini"
	"$SUPERVISE" -t -c "$T/b.ini" > /dev/null 2> "$T/t.err"
	check "-t: log_buffer = $v is refused (78)" test $? -eq 78
done
check "-t: the message names FILE:LINE and the key" grep -q \
    'b.ini:3: log_buffer: expected a size' "$T/t.err"
for v in 0 100 64K 16M; do
	printf '[worker:x]\ncommand = true\nlog_buffer = %s\n' "$v" > "$T/b.ini"
	check "-t: log_buffer = $v is accepted" \
	    eval '"$SUPERVISE" -t -c "$T/b.ini" > /dev/null'
done

write_config "$T/w.ini" <<EOF
[worker:talk]
command = sh -c 'i=0; while [ \$i -lt 50 ]; do echo "line \$i"; i=\$((i+1)); done; exec sleep 1000'
min_uptime = 0

[worker:quiet]
command = sh -c 'echo not kept; exec sleep 1000'
log_buffer = 0
min_uptime = 0

[worker:small]
command = sh -c 'i=0; while [ \$i -lt 50 ]; do echo "small \$i"; i=\$((i+1)); done; exec sleep 1000'
log_buffer = 40
min_uptime = 0

[worker:tofile]
command = sh -c 'echo "in the file"; exec sleep 1000'
stdout = file:$T/tofile.log
min_uptime = 0

[worker:tick]
command = sh -c 'i=0; while :; do echo "tick \$i"; i=\$((i+1)); sleep 0.05; done'
min_uptime = 0

[worker:dies]
command = sh -c 'echo "starting"; echo "about to fail"; exit 3'
min_uptime = 0
restart_delay = 50ms
restart_limit = 6
restart_window = 1h

[worker:silent]
command = sh -c 'exit 1'
min_uptime = 0
restart = never

[worker:segv]
command = sh -c 'echo "segv soon"; exec crashy --fault segv --after 50ms'
restart = never

[worker:missing]
command = /nonexistent/program
EOF
sv_start "$T/w.ini"
check "talk wrote its 50 lines" wait_out 10 '^talk \| line 49$'
check "dies went FATAL" wait_log 20 ' dies: fatal: '
check "segv died" wait_log 10 ' segv: killed by signal SEGV'
check "missing went FATAL" wait_log 10 ' missing: fatal: '
check "silent exited" wait_log 10 ' silent: exited with status 1'

# --- log.
ctl log talk > "$T/l20"
check "log exits 0" test $? -eq 0
check "log: 20 lines by default" eval '[ "$(wc -l < "$T/l20")" = 20 ]'
check "log: prefixed like the live output, oldest first" eval \
    '[ "$(head -n 1 "$T/l20")" = "talk | line 30" ] &&
    [ "$(tail -n 1 "$T/l20")" = "talk | line 49" ]'
check "log -n 3" eval '[ "$(ctl log -n 3 talk | tr "\n" ,)" = \
    "talk | line 47,talk | line 48,talk | line 49," ]'
check "log -n0" eval '[ -z "$(ctl log -n0 talk)" ]'
check "log -n 1000: all 50" eval '[ "$(ctl log -n 1000 talk | wc -l)" = 50 ]'
check "log_buffer = 0 keeps nothing" eval '[ -z "$(ctl log quiet)" ]'
check "log_buffer = 40 keeps a few of the last lines" eval \
    'n=$(ctl log -n 100 small | wc -l); [ "$n" -ge 1 ] && [ "$n" -le 4 ] &&
    ctl log -n 1 small | grep -qx "small | small 49"'
check "file output is kept too" eval \
    'ctl log tofile | grep -qx "tofile | in the file"'
check "log of an unknown worker: exit 1" eval \
    '! ctl log nosuch 2> /dev/null'
check "log without a name: usage (64)" eval \
    'ctl log > /dev/null 2>&1; [ $? = 64 ]'
check "log -n x: usage (64)" eval \
    'ctl log -n x talk > /dev/null 2>&1; [ $? = 64 ]'

# --- log -f.
ctl log -f -n 2 tick > "$T/follow" 2> "$T/follow.err" &
FOLLOW_PID=$!
track "$FOLLOW_PID"
follow_lines() { [ "$(grep -c '^tick | tick [0-9]*$' "$T/follow")" -ge "$1" ]; }
check "log -f: the last lines, then new ones as they come" \
    wait_for 10 follow_lines 12
check "log -f: in order, none lost" eval 'grep -o "[0-9]*\$" "$T/follow" |
    awk "NR > 1 && \$1 != prev + 1 { bad = 1 } { prev = \$1 } END { exit bad }"'
check "supervise still answers while followed" eval 'ctl status tick > /dev/null'
reap "$FOLLOW_PID"

# A follower that does not read: dropped with a message, not waited for.
cat > "$T/slow.py" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(sys.argv[1])
s.sendall(b"supervise/1 follow 0 flood\n")
open(sys.argv[2], "w").write("connected\n")
time.sleep(2)			# read nothing while the flood goes on
s.settimeout(20)
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
lines = data.split(b"\n")
print("records:", len(lines) - 2)
print("last:", lines[-2].decode())
PY
write_config "$T/f.ini" <<EOF
[worker:flood]
command = sh -c 'read go < "$T/go"; yes "flood line" | head -n 2000000; exec sleep 1000'
stdout = file:$T/flood.log
EOF
mkfifo "$T/go"
reap "$SV_PID"
sv_use_socket sock2
sv_start "$T/f.ini"
check "flood is up" wait_log 10 ' flood: spawned'
python3 "$T/slow.py" "$SOCK" "$T/slow.state" > "$T/slow" 2>&1 &
SLOW_PID=$!
track "$SLOW_PID"
check "the slow follower is connected" wait_for 30 test -s "$T/slow.state" ||
    cat "$T/slow"
echo go > "$T/go"
check "supervise answers while a follower lags" eval 'ctl status flood > /dev/null'
check "the slow follower was dropped with a message" \
    wait_for 60 grep -q '^last: err	failed	not reading fast enough' "$T/slow" ||
    cat "$T/slow"
check "... after whole records" grep -q '^records: [0-9]' "$T/slow"
check "supervise is still serving" eval 'ctl status flood > /dev/null'

# log -f ends with supervise.
# With -n 1 the follower prints a line once it is connected: TERM must
# not come before its request does.
ctl log -f -n 1 flood > "$T/f2.out" 2> "$T/f2.err" &
F2=$!
track "$F2"
check "the follower is connected" wait_for 10 test -s "$T/f2.out"
answers() { ctl status > /dev/null; }
check "supervise serves the follower" wait_for 5 answers
sv_signal TERM
check "supervise exits 0" eval 'sv_wait_exit 20 && [ "$SV_STATUS" = 0 ]'
wait_f2() { ! kill -0 "$F2" 2>/dev/null; }
check "log -f ends when supervise exits" wait_for 10 wait_f2
wait "$F2"
check "... with status 1" test $? -eq 1

# --- why (on the first supervise's record, started again).
sv_use_socket sock3
sv_start "$T/w.ini"
check "dies went FATAL again" wait_log 20 ' dies: fatal: '
check "segv died again" wait_log 10 ' segv: killed by signal SEGV'
check "missing went FATAL again" wait_log 10 ' missing: fatal: '
check "silent exited again" wait_log 10 ' silent: exited'
ctl why dies > "$T/why"
check "why exits 0" test $? -eq 0
cat "$T/why"
check "why: at least 5 exits" eval \
    '[ "$(grep -c "^dies: " "$T/why")" -ge 5 ]'
check "why: the newest is the FATAL one" eval \
    'head -n 1 "$T/why" | grep -Eq "^dies: [0-9T:.-]+Z pid [0-9]+ exited with status 3 after [0-9.]+m?s; FATAL: 6 restarts within 3600s$"'
check "why: older ones restarted" eval \
    'sed -n 4p "$T/why" | grep -Eq "; restart in 50ms \\(restart 6\\)$"'
check "why: the lines before each exit" eval \
    '[ "$(sed -n 2,3p "$T/why" | tr "\n" ,)" = "    dies | starting,    dies | about to fail," ]'
check "why: newest first" eval '[ "$(grep "^dies" "$T/why" | cut -d" " -f2 | sort -r | tr "\n" ,)" = \
    "$(grep "^dies" "$T/why" | cut -d" " -f2 | tr "\n" ,)" ]'
check "why: a signal" eval 'ctl why segv | head -n 1 | grep -Eq \
    "pid [0-9]+ killed by signal SEGV( \\(core dumped\\))? after .*; EXITED"'
check "why: its last line" eval 'ctl why segv | grep -qx "    segv | segv soon"'
check "why: no output says so" eval 'ctl why silent |
    grep -qx "    (no output captured before this exit)"'
check "why: a program that does not exist" eval 'ctl why missing |
    head -n 1 | grep -Eq "did not start; FATAL: exec /nonexistent/program: No such file"'
check "why: a worker that never exited" eval \
    'ctl why talk 2>&1 | grep -q "no exits recorded"'
ctl --json why dies segv > "$T/why.json"
check "why --json exits 0" test $? -eq 0
check "why --json: the fields" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = d["exits"]
dies = [x for x in e if x["worker"] == "dies"]
segv = [x for x in e if x["worker"] == "segv"]
assert len(dies) >= 5, dies
assert dies[0]["exit"] == {"code": 3}, dies[0]
assert dies[0]["decision"].startswith("FATAL: "), dies[0]
assert dies[0]["lines"] == ["starting", "about to fail"], dies[0]
assert isinstance(dies[0]["pid"], int) and dies[0]["uptime_ms"] >= 0
assert dies[0]["time_ms"] >= dies[1]["time_ms"]
assert segv[0]["exit"]["signal"] == "SEGV", segv[0]
assert segv[0]["exit"]["core_dumped"] in (True, False)
assert "segv soon" in segv[0]["lines"], segv[0]
' "$T/why.json"
check "why of an unknown worker: exit 1" eval '! ctl why nosuch 2> /dev/null'
check "--json only with status and why: usage (64)" eval \
    'ctl --json log talk > /dev/null 2>&1; [ $? = 64 ]'

sv_signal TERM
check "supervise exits 0" eval 'sv_wait_exit 20 && [ "$SV_STATUS" = 0 ]'
finish
