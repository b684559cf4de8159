#!/usr/bin/env bash
# Clients that misbehave: garbage bytes, a 1 MiB line, a request left
# half-sent, 500 connections at once (the oldest idle ones make room);
# and one that pipelines.  After each,
# supervise still answers and no worker changed its pid.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

if ! command -v python3 > /dev/null; then
	skip "python3 not installed: no raw client"
	finish
fi

# client SCRIPT: run a python3 client on $SOCK; it prints what it saw.
client() {
	timeout 60 python3 - "$SOCK" "$@"
}
pids() { ctl status | awk 'NR > 1 { print $1, $3 }'; }
healthy() {
	local what=$1
	check "$what: supervise answers" ctl check
	check "$what: no worker changed pid" test "$(pids)" = "$before"
	check "$what: supervise alive" alive "$SV_PID"
}

write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
instances = 3
min_uptime = 0

[worker:stubborn]
command = crashy --fault ignore-term
min_uptime = 0
stop_timeout = 6s
EOF
sv_start "$T/w.ini"
check "running" wait_log_count 5 4 ': running$'
before=$(pids)

# --- Garbage: random bytes, then a valid request on a fresh connection.
client <<'EOF' > "$T/o"
import random, socket, sys
random.seed(7)
for n in (1, 100, 4000, 65536):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(10)
    try:
        s.sendall(bytes(random.getrandbits(8) for _ in range(n)))
        s.shutdown(socket.SHUT_WR)
        while s.recv(65536):
            pass
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()
print("done")
EOF
check "garbage: client done" grep -qx done "$T/o"
healthy "garbage"

# --- A malformed line gets an error reply; the connection goes on.
client <<'EOF' > "$T/o"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
s.sendall(b"\x00\x01\xfe garbage\nsupervise/9 status\nhello\n"
    b"supervise/1 status web:0\n")
f = s.makefile("rb")
for _ in range(6):
    print(f.readline().decode(errors="replace").rstrip("\n"))
EOF
check "malformed: error reply" eval \
    'sed -n 1p "$T/o" | grep -q "^err	malformed	"'
check "malformed: other version" eval \
    'sed -n 2p "$T/o" | grep -q "^err	version	"'
check "malformed: not the protocol" eval \
    'sed -n 3p "$T/o" | grep -q "^err	malformed	"'
check "malformed: then served on the same connection" eval \
    'sed -n 4,6p "$T/o" | tr "\n" " " |
    grep -Eq "^sv	process	[0-9]+ w	web:0	RUNNING	[0-9]+	.* ok \$"'
healthy "malformed"

# --- A 1 MiB line: an error reply, and the connection is dropped.
client <<'EOF' > "$T/o"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
try:
    s.sendall(b"supervise/1 status " + b"a" * (1 << 20) + b"\n")
except (BrokenPipeError, ConnectionResetError):
    print("dropped while sending")
data = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
except ConnectionResetError:
    pass
print(data.decode(errors="replace"), end="")
print("closed")
EOF
check "1 MiB line: dropped" grep -qx 'dropped while sending' "$T/o"
check "1 MiB line: too long" grep -q '^err	toolong	' "$T/o"
check "1 MiB line: then closed" grep -qx closed "$T/o"
healthy "1 MiB line"

# --- Half a request, held open: others are served meanwhile; it times out.
client <<'EOF' > "$T/o" &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(15)
s.sendall(b"supervise/1 sta")
print("sent", flush=True)
t0 = time.monotonic()
data = s.recv(4096)
rest = s.recv(4096)
print("after %.1fs: %r eof=%s" % (time.monotonic() - t0, data, rest == b""))
EOF
holder=$!
track "$holder"
check "half-sent: held" wait_for 20 grep -qx sent "$T/o"
check "half-sent: others still served" eval 'ctl status web:1 > /dev/null'
healthy "half-sent, while held"
check "half-sent: the holder is answered" wait_for 15 grep -q after "$T/o"
check "half-sent: with a timeout error, then EOF" \
    grep -Eq "^after [4-9]\.[0-9]s: b'err\\\\ttimeout\\\\t.*' eof=True$" "$T/o"
wait "$holder"
healthy "half-sent"

# --- 500 connections at once: 256 are served; each one past that takes
# the place of the oldest idle one, which is closed without a word.
client <<'EOF' > "$T/o"
import os, select, socket, subprocess, sys, time
socks = []
for _ in range(500):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
# A closed connection reads EOF at once; a served one, nothing yet.
closed, busy, deadline = 0, 0, time.monotonic() + 10
while closed + busy < 244 and time.monotonic() < deadline:
    ready, _, _ = select.select(socks, [], [], 0.5)
    for s in ready:
        data = s.recv(4096)
        if data == b"":
            closed += 1
        elif data.startswith(b"err\tbusy\t"):
            busy += 1
        socks.remove(s)
        s.close()
print("closed", closed)
print("busy", busy)
print("held", len(socks))
ctl = subprocess.run([os.environ["SUPERVISECTL"], "-s", sys.argv[1], "status"],
    capture_output=True)
print("ctl while full", ctl.returncode)
ok = 0
for s in socks:
    s.settimeout(10)
    try:
        s.sendall(b"supervise/1 check\n")
        if s.makefile("rb").readline() == b"ok\n":
            ok += 1
    except OSError:
        pass
    s.close()
print("ok", ok)
EOF
check "500: 244 oldest closed" grep -qx 'closed 244' "$T/o"
check "500: none told busy" grep -qx 'busy 0' "$T/o"
check "500: 256 held" grep -qx 'held 256' "$T/o"
check "500: one more is served, exit 0" grep -qx 'ctl while full 0' "$T/o"
# It took the place of one more idle connection.
check "500: every other held one served" grep -qx 'ok 255' "$T/o"
healthy "500 connections"

# --- Pipelining: 1,000 requests in one write, answered in order.
client <<'EOF' > "$T/o"
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(20)
s.sendall(b"supervise/1 check web:1\nsupervise/1 status web:2\n" * 500)
s.shutdown(socket.SHUT_WR)
f = s.makefile("rb")
kinds = [line.split(b"\t")[0] for line in f]
print("ok", kinds.count(b"ok\n"), "rows", kinds.count(b"w"))
EOF
check "pipelined: 1000 answers, 500 rows, then EOF" \
    grep -qx 'ok 1000 rows 500' "$T/o"
healthy "pipelined"

# --- Half a request behind one that waits: the wait does not count
# against it (stubborn takes its stop_timeout, 6s, to stop).
check "stubborn ignores TERM" wait_out 5 '^stubborn \| crashy: ignoring TERM'
client <<'EOF' > "$T/o"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(20)
t0 = time.monotonic()
s.sendall(b"supervise/1 progress\nsupervise/1 stop stubborn\nsupervise/1 sta")
f = s.makefile("rb")
print("progress:", f.readline().decode().strip(), flush=True)
# While the stop waits, supervise says so every 2s.
waits, line = 0, f.readline()
while line.startswith(b"wait\t2000\n"):
    waits, line = waits + 1, f.readline()
print("stop:", line.decode().strip(),
    "after %ds" % int(time.monotonic() - t0), flush=True)
print("wait lines:", waits, flush=True)
s.sendall(b"tus stubborn\n")
print("then:", f.readline().decode().split("\t")[0], flush=True)
EOF
check "waiting: the stop answered" grep -Eq '^stop: ok after [5-9]s$' "$T/o"
check "waiting: the half-sent request completed" grep -qx 'then: sv' "$T/o"
check "waiting: progress asked for" grep -qx 'progress: ok' "$T/o"
check "waiting: wait lines while it waits" \
    grep -Eqx 'wait lines: [2-9]' "$T/o"
check "waiting: supervise answers" ctl check web

# --- Silent connections do not hold the cap: each is closed once idle
# for 5s, and a client that pauses between requests is still served.
client <<'EOF' > "$T/o2" &
import select, socket, sys, time
socks = []
for _ in range(256):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
print("held", flush=True)
closed, deadline = 0, time.monotonic() + 20
while socks and time.monotonic() < deadline:
    ready, _, _ = select.select(socks, [], [], 0.5)
    for s in ready:
        if s.recv(4096) == b"":
            closed += 1
        socks.remove(s)
        s.close()
print("closed", closed, flush=True)
EOF
silent=$!
track "$silent"
check "silent: 256 held" wait_for 10 grep -qx held "$T/o2"
check "silent: supervise serves again once they idled out" \
    wait_for 15 eval 'ctl status web:0 > /dev/null 2>&1'
check "silent: every one closed by supervise" wait_for 20 \
    grep -qx 'closed 256' "$T/o2"
wait "$silent"
client <<'EOF' > "$T/o"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.settimeout(10)
f = s.makefile("rb")
ok = 0
for i in range(3):
    if i:
        time.sleep(3)
    s.sendall(b"supervise/1 check web\n")
    ok += f.readline() == b"ok\n"
print("ok", ok)
EOF
check "slow client: three requests 3s apart on one connection" \
    grep -qx 'ok 3' "$T/o"
check "silent connections: web answers" ctl check web
check "silent connections: supervise alive" alive "$SV_PID"

# --- Pipelined requests whose replies outgrow what supervise queues: all
# answered, with the write side left open.
write_config "$T/many.ini" <<EOF
[worker:m]
command = crashy --fault none
instances = 50
min_uptime = 0
EOF
sv_use_socket many
sv_start "$T/many.ini"
check "many: 50 running" wait_log_count 10 50 ': running$'
client <<'EOF' > "$T/o"
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"supervise/1 status\n" * 215)
time.sleep(1)   # not read yet: the replies fill the socket's buffer
s.settimeout(10)
# A reply is a header, rows, then "ok": read until the last "ok" is in.
oks, data = 0, b""
deadline = time.monotonic() + 20
try:
    while oks < 215 and time.monotonic() < deadline:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
        oks = data.count(b"\nok\n")
except socket.timeout:
    pass
headers = data.count(b"\nsv\t") + data.startswith(b"sv\t")
print("headers", headers, "oks", oks)
EOF
check "pipelined past the queue limit: 215 answers" \
    grep -qx 'headers 215 oks 215' "$T/o"
finish
