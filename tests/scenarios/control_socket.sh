#!/usr/bin/env bash
# The control socket: 0600, the default path, a second supervise on a live
# socket (73), a stale socket replaced, a path that is not a socket (73),
# a peer of another uid refused (77), shutdown returning once supervise
# has exited.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

rc_of() { "$@" > "$T/o" 2> "$T/e"; echo $?; }
state_is() {
	[ "$(ctl status "$1" 2> /dev/null |
	    awk -v n="$1" '$1 == n { print $2 }')" = "$2" ]
}

write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
min_uptime = 0
EOF
write_config "$T/other.ini" <<EOF
[worker:other]
command = crashy --fault none
min_uptime = 0
EOF

sv_start "$T/w.ini"
check "running" wait_for 5 state_is web RUNNING
check "socket is 0600" test "$(stat -c %a "$SOCK")" = 600
web=$(pid_of web)

# --- A second supervise on a live socket: 73, and nothing started.
timeout 10 "$SUPERVISE" -c "$T/other.ini" -s "$SOCK" > "$T/out2" 2> "$T/err2"
check "second supervise: exit 73" test $? = 73
check "second supervise: names the socket" grep -q "$SOCK" "$T/err2"
check "second supervise: started nothing" eval \
    '! grep -q "other: spawned" "$T/err2"'
check "first one still answers" state_is web RUNNING
check "first one kept its socket" test "$(stat -c %a "$SOCK")" = 600

# --- A path that is not a socket is left alone: 73.
echo data > "$T/file"
timeout 10 "$SUPERVISE" -c "$T/other.ini" -s "$T/file" > "$T/out2" \
    2> "$T/err2"
check "not a socket: exit 73" test $? = 73
check "not a socket: says so" grep -q 'not a socket' "$T/err2"
check "not a socket: file untouched" grep -qx data "$T/file"

# --- Another uid: refused by the SO_PEERCRED check (77).
if [ "$(id -u)" = 0 ] && command -v setpriv > /dev/null; then
	nobody() {
		setpriv --reuid=65534 --regid=65534 --clear-groups \
		    "$SUPERVISECTL" -s "$SOCK" "$@"
	}
	# Let the kernel pass it, so that supervise itself must refuse.
	chmod 755 "$T"
	chmod 666 "$SOCK"
	check "other uid: exit 77" test "$(rc_of nobody status)" = 77
	check "other uid: says why" grep -q 'permission denied' "$T/e"
	check "other uid: no status printed" test ! -s "$T/o"
	check "other uid: logged" log_has 'refused a connection from uid 65534$'
	check "other uid: start refused too" \
	    test "$(rc_of nobody stop web)" = 77
	check "other uid: web untouched" eval \
	    '[ "$(pid_of web)" = "$web" ] && state_is web RUNNING'
	# Then the kernel's own refusal: 77 as well.
	chmod 600 "$SOCK"
	check "socket 0600, other uid: exit 77" \
	    test "$(rc_of nobody status)" = 77
	chmod 700 "$T"
else
	skip "not root or no setpriv: the uid check needs another uid"
fi

# --- supervise killed: its socket is stale; the next one replaces it.
kill -KILL "$SV_PID"
check "killed supervise exits" sv_wait_exit 5 2> /dev/null
check "stale socket left" test -S "$SOCK"
check "stale socket: supervisectl exit 69" test "$(rc_of ctl status)" = 69
check "workers died with it" wait_for 5 dead "$web"
: > "$T/err"
sv_start "$T/other.ini"
check "stale socket replaced" wait_for 5 state_is other RUNNING
check "replaced socket is 0600" test "$(stat -c %a "$SOCK")" = 600

# --- shutdown returns once supervise has exited.
other=$(pid_of other)
check "shutdown: exit 0" test "$(rc_of ctl shutdown)" = 0
# The answer is the connection closed by the exit itself: by the time
# supervisectl has returned, supervise has done all it does.
check "shutdown: complete when it returns" \
    eval 'tail -n 1 "$T/err" | grep -q " supervise: shutdown complete$"'
check "shutdown: socket removed when it returns" test ! -e "$SOCK"
check "shutdown: worker gone when it returns" dead "$other"
check "shutdown: supervise exits" sv_wait_exit 2
check "shutdown: supervise exit status 0" test "${SV_STATUS:-x}" = 0

# --- The default socket: $XDG_RUNTIME_DIR/supervise.sock.
mkdir -m 700 "$T/xdg"
XDG_RUNTIME_DIR="$T/xdg" "$SUPERVISE" -c "$T/w.ini" > "$T/out" 2> "$T/err" &
SV_PID=$!
track "$SV_PID"
xctl() { XDG_RUNTIME_DIR="$T/xdg" "$SUPERVISECTL" "$@"; }
check "default socket: supervisectl finds it" wait_for 5 eval \
    'xctl check 2> /dev/null'
check "default socket: where it should be" test -S "$T/xdg/supervise.sock"
check "default socket: 0600" \
    test "$(stat -c %a "$T/xdg/supervise.sock")" = 600
check "default socket: shutdown" xctl shutdown
check "default socket: removed" test ! -e "$T/xdg/supervise.sock"
finish
