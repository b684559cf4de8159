#!/usr/bin/env bash
# file:PATH outputs of a worker with user = are opened as that user: a
# worker cannot make supervise (root) write where its own user could not.
# No symbolic link is followed, at the end of the path or before it, at
# start or on USR1; only a regular file is written (a FIFO in its place
# cannot block supervise).
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

if [ "$(id -u)" != 0 ]; then
	skip "not root: file outputs are opened as the worker's user only by root"
	finish
fi
if ! getent passwd nobody > /dev/null; then
	skip "no user nobody"
	finish
fi
NB_UID=$(id -u nobody)
# nobody must reach the directories below $T, and nothing else of ours.
chmod 711 "$T"
mkdir -m 755 "$T/logs" "$T/rootonly"
chown nobody "$T/logs"
echo secret > "$T/victim"
chmod 600 "$T/victim"
ln -s logs "$T/link"
mkfifo "$T/logs/fifo.log"
chown nobody "$T/logs/fifo.log"
# Held open for reading, so that an open for writing would succeed.
exec 3<> "$T/logs/fifo.log"

write_config "$T/s.ini" <<EOF
[worker:w]
command = sh -c 'i=0; while :; do echo "line \$i"; i=\$((i+1)); sleep 0.1; done'
user = nobody
stdout = file:$T/logs/w.log

[worker:denied]
command = sh -c 'echo never'
user = nobody
stdout = file:$T/rootonly/d.log

[worker:viadirlink]
command = sh -c 'echo never'
user = nobody
stdout = file:$T/link/l.log

[worker:fifo]
command = sh -c 'echo never'
user = nobody
stdout = file:$T/logs/fifo.log

[worker:root]
command = sh -c 'echo as-root; sleep 100'
stdout = file:$T/rootonly/r.log
EOF
sv_start "$T/s.ini"
check "w running" wait_log 10 ' w: running$'
check "w's file created" wait_for 10 test -s "$T/logs/w.log"
check "w's file belongs to nobody, not root" \
    test "$(stat -c %u "$T/logs/w.log")" = "$NB_UID"
check "a directory nobody cannot write: failed start" \
    wait_log 10 "denied: cannot start: file:$T/rootonly/d.log: Permission denied"
check "nothing created there" test ! -e "$T/rootonly/d.log"
check "a symbolic link before the file: failed start" \
    wait_log 10 "viadirlink: cannot start: file:$T/link/l.log: .*symbolic link"
check "a FIFO: not a regular file" \
    wait_log 10 "fifo: cannot start: file:$T/logs/fifo.log: not a regular file"
check "supervise answers (no blocked open)" ctl check w
check "a worker without user writes as root" \
    wait_for 10 grep -qx as-root "$T/rootonly/r.log"

# w's user swaps its file for a link to a root-only file, then USR1.
mv "$T/logs/w.log" "$T/logs/w.old"
ln -s "$T/victim" "$T/logs/w.log"
sv_signal USR1
check "the link is refused on reopen" \
    wait_log 10 "file:$T/logs/w.log: reopening: .*symbolic link"
check "the victim is untouched" test "$(cat "$T/victim")" = secret
check "the victim is still root's" test "$(stat -c %u "$T/victim")" = 0
# A restart either keeps the file opened before or is refused.
ctl restart w > /dev/null 2>&1
check "a restart does not follow it either" \
    test "$(cat "$T/victim")" = secret
# Back to a plain file: the next USR1 opens it, as nobody.
rm "$T/logs/w.log"
sv_signal USR1
check "reopened once the link is gone" wait_for 30 test -s "$T/logs/w.log"
check "and again as nobody" \
    test "$(stat -c %u "$T/logs/w.log")" = "$NB_UID"
exec 3<&-

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 15
check "with status 0" test "${SV_STATUS:-}" = 0
finish
