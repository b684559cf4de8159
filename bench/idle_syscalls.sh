#!/usr/bin/env bash
# Idle syscalls: how many system calls supervise makes in IDLE seconds with a
# few sleeping workers RUNNING (captured output and null output), counted by
# strace attached to it and all its threads.  The call that was blocking when
# strace attached (shown "<detached ...>" at the end) is not counted: it began
# before the window.  libev wakes once a minute to check for time jumps: a
# window of 10s sees that wake-up with a chance of about 1 in 6.
#	IDLE=SECONDS (default 10)
. "$(dirname "$0")/lib.sh"

IDLE=${IDLE:-10}
SLEEP=$(command -v sleep) || die "no sleep(1)"
command -v strace > /dev/null || die "strace is not installed (apt-get install strace)"

cat > "$T/idle.ini" <<INI
[worker:captured]
command = $SLEEP 1000
instances = 3
min_uptime = 0

[worker:quiet]
command = $SLEEP 1000
min_uptime = 0
stdout = null
stderr = null
INI
sv_start "$T/idle.ini"
await_lines 30 4 "$T/err" ': running$' ||
    die "only $(log_count ': running$') of 4 workers running in 30s"

timeout -s INT "$IDLE" strace -f -tt -o "$T/strace.txt" -p "$SV_PID" 2> /dev/null
grep -v -e '<detached \.\.\.>' -e ' +++ ' -e ' --- ' "$T/strace.txt" |
    grep -E '^[0-9]+ +[0-9:.]+ [a-z_0-9]+\(' > "$T/calls.txt"
calls=$(wc -l < "$T/calls.txt")
# libev's time-jump check: an epoll_wait that timed out (returned 0).
wakes=$(grep -Ec ' epoll_wait\(.*\) = 0$' "$T/calls.txt")
echo "supervise with 4 sleeping workers RUNNING, ${IDLE}s under strace:" \
    "$calls syscalls, of which $wakes epoll_wait timeouts"
sed -n '1,20s/^/  /p' "$T/calls.txt"
result "syscalls in ${IDLE}s idle, 4 workers" "$calls" "-" "-"
result "  beyond libev's periodic wake-up" "$((calls - wakes))" "0" \
    "$(verdict [ $((calls - wakes)) -eq 0 ])"
