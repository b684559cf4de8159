#!/usr/bin/env bash
# The control socket against what others do to it: a server that accepts
# and never answers (supervisectl gives up with 69, but a request that
# waits on a slow start is kept alive), -s in a directory where others
# could swap the socket (refused, 73), and 256 idle connections that
# must not lock out a real client.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

if ! command -v python3 > /dev/null; then
	skip "python3 not installed: no raw client or server"
	finish
fi
rc_of() { "$@" > "$T/o" 2> "$T/e"; echo $?; }

# --- A server that accepts, reads, and never answers: 69, bounded.
python3 - "$T/mute.sock" <<'EOF' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(16)
held = []
while True:
    c, _ = s.accept()
    held.append(c)
EOF
mute=$!
track "$mute"
check "mute server listening" wait_for 30 test -S "$T/mute.sock"
rc=$(SUPERVISECTL_TIMEOUT=1 timeout 30 "$SUPERVISECTL" -s "$T/mute.sock" \
    status > "$T/o" 2> "$T/e"; echo $?)
check "mute server: status exit 69" test "$rc" = 69
check "mute server: says why" grep -q 'no answer' "$T/e"
rc=$(SUPERVISECTL_TIMEOUT=1 timeout 30 "$SUPERVISECTL" -s "$T/mute.sock" \
    stop web > "$T/o" 2> "$T/e"; echo $?)
check "mute server: stop exit 69" test "$rc" = 69
check "bad SUPERVISECTL_TIMEOUT: usage" \
    test "$(SUPERVISECTL_TIMEOUT=x rc_of ctl status)" = 64
reap "$mute"

# --- A start that takes longer than the timeout: the wait lines keep it.
write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
min_uptime = 0

[worker:slow]
command = crashy --fault none
autostart = no
min_uptime = 3s
EOF
sv_start "$T/w.ini"
check "running" wait_log 10 'web: running$'
rc=$(SUPERVISECTL_TIMEOUT=1 rc_of ctl start slow)
check "slow start outlasts the timeout: exit 0" test "$rc" = 0
check "slow start: RUNNING when it returns" \
    eval 'ctl status slow | grep -q RUNNING'

# --- 256 idle connections: the oldest is closed for a fresh client.
python3 - "$SOCK" "$T/held" <<'EOF' &
import socket, sys, time
conns = []
for i in range(256):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    conns.append(s)
open(sys.argv[2], "w").write("256\n")
time.sleep(120)
EOF
holder=$!
track "$holder"
check "256 idle connections held" wait_for 20 test -s "$T/held"
# Let supervise accept them all before the real client comes.
check "status answers" test "$(rc_of ctl status web)" = 0
check "status got its rows" grep -q '^web ' "$T/o"
check "not busy" eval '! grep -q "too many" "$T/e"'
check "check answers too" test "$(rc_of ctl check)" = 0
reap "$holder"

# --- -s in a directory others may write to, without the sticky bit.
ctl shutdown > /dev/null 2>&1
sv_wait_exit 10
mkdir -m 777 "$T/open"
chmod 777 "$T/open"
"$SUPERVISE" -c "$T/w.ini" -s "$T/open/s.sock" > "$T/o" 2> "$T/e" &
p=$!
track "$p"
check "world-writable socket dir: exits" wait_for 10 dead "$p"
wait "$p"
check "world-writable socket dir: exit 73" test $? = 73
check "world-writable socket dir: says why" grep -q 'sticky' "$T/e"
check "world-writable socket dir: no socket" test ! -e "$T/open/s.sock"
check "world-writable socket dir: started nothing" \
    eval '! grep -q spawned "$T/e"'
mkdir -m 770 "$T/grp"
chmod 770 "$T/grp"
"$SUPERVISE" -c "$T/w.ini" -s "$T/grp/s.sock" > "$T/o" 2> "$T/e"
check "group-writable socket dir: exit 73" test $? = 73
mkdir "$T/sticky"
chmod 1777 "$T/sticky"
sv_use_socket sticky/s.sock
sv_start "$T/w.ini"
check "sticky socket dir: served" wait_for 10 eval 'ctl check > /dev/null 2>&1'
ctl shutdown > /dev/null 2>&1
check "sticky socket dir: exits" sv_wait_exit 10
finish
