#!/usr/bin/env bash
# limit_* keys as the worker sees them in /proc/PID/limits (soft = hard),
# and the soft NOFILE limit supervise started with restored in workers.
. "$SCENARIO_LIB"
scenario_guard

# limit PID WHAT: "SOFT HARD" of a /proc/PID/limits line, e.g. "Max open files".
limit() {
	sed -n "s/^$2  *//p" "/proc/$1/limits" 2>/dev/null | awk '{print $1, $2}'
}

if [ "$(id -u)" = 0 ]; then
	bomb="[worker:bomb]
command = crashy --fault fork-bomb:50
user = nobody
limit_nproc = 10
min_uptime = 100ms"
else
	bomb=
fi
write_config "$T/sv.ini" <<EOF
[worker:lim]
command = crashy --fault none
limit_nofile = 123
limit_core = 0
limit_nproc = 4000
limit_cpu = 100
limit_as = infinity
min_uptime = 100ms

[worker:def]
command = crashy --fault none
min_uptime = 100ms

[worker:sh]
command = sh -c 'echo "nofile=\$(ulimit -Sn)/\$(ulimit -Hn)"'
limit_nofile = 123
restart = never

[worker:fd]
command = crashy --fault fd-leak
limit_nofile = 64
restart = never

$bomb
EOF
# Above fs.nr_open setrlimit(2) would fail in every child: a config error.
nr_open=$(cat /proc/sys/fs/nr_open)
write_config "$T/huge.ini" <<EOF
[worker:huge]
command = crashy --fault none
limit_nofile = $((nr_open + 1))
EOF
"$SUPERVISE" -t -c "$T/huge.ini" >/dev/null 2>"$T/huge.err"
check "limit_nofile above fs.nr_open: exit 78" test $? = 78
check "limit_nofile above fs.nr_open: FILE:LINE: names fs.nr_open" \
    grep -q "huge.ini:3: limit_nofile: $((nr_open + 1)) is more than the kernel allows (fs.nr_open = $nr_open)" "$T/huge.err"

hard=$(ulimit -Hn)
soft=$(ulimit -Sn)
if [ "$hard" = unlimited ] || [ "$hard" -gt 512 ]; then
	low=512
else
	low=
	skip "the soft NOFILE limit restored in workers: hard limit $hard is too low"
fi
[ -n "$low" ] && ulimit -Sn "$low"
sv_run "$T/sv.ini"
[ -n "$low" ] && ulimit -Sn "$soft"

check "lim and def running" wait_log_count 5 2 ' (lim|def): running$'
L=$(pid_of lim)
D=$(pid_of def)
check "limit_nofile = 123 (soft and hard)" test "$(limit "$L" 'Max open files')" = "123 123"
check "limit_core = 0" test "$(limit "$L" 'Max core file size')" = "0 0"
check "limit_nproc = 4000" test "$(limit "$L" 'Max processes')" = "4000 4000"
check "limit_cpu = 100" test "$(limit "$L" 'Max cpu time')" = "100 100"
check "limit_as = infinity" test "$(limit "$L" 'Max address space')" = "unlimited unlimited"
check "ulimit in the worker: 123/123" wait_out 5 '^sh \| nofile=123/123$'
if [ -n "$low" ]; then
	check "supervise raised its own soft NOFILE to the hard limit" \
	    test "$(limit "$SV_PID" 'Max open files')" = "$hard $hard"
	check "without limit_nofile the worker gets the soft limit supervise started with ($low)" \
	    test "$(limit "$D" 'Max open files')" = "$low $hard"
fi
check "without limit_* the rest is inherited" \
    test "$(limit "$D" 'Max processes')" = "$(limit "$SV_PID" 'Max processes')"

check "fd-leak stops at limit_nofile = 64" wait_out 5 \
    '^fd \| crashy: fd-leak: opened [0-9]+ descriptors, then: Too many open files$'
n=$(sed -n 's/^fd | crashy: fd-leak: opened \([0-9]*\) descriptors.*/\1/p' "$T/out")
check "fd-leak opened fewer than 64 (${n:-?})" test "${n:-999}" -lt 64
check "fd exited with status 1" wait_log 5 ' fd: exited with status 1 after '

if [ -n "$bomb" ]; then
	check "limit_nproc = 10 stops a fork bomb of user nobody" wait_out 5 \
	    '^bomb \| crashy: fork-bomb: forked [0-9]+ of 50 children, then fork: Resource temporarily unavailable$'
	check "the bomb still runs" alive "$(pid_of bomb)"
else
	skip "limit_nproc against a fork bomb: not root (user = nobody)"
fi

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "no worker left (nor the bomb's children)" wait_for 3 no_leftovers

# More workers than the soft NOFILE limit supervise was started with
# allows descriptors for: it raises its own limit and runs them all.
if [ -n "$low" ] && { [ "$hard" = unlimited ] || [ "$hard" -ge 4096 ]; }; then
	write_config "$T/many.ini" <<EOF
[worker:m]
command = sleep 1000
instances = 300
min_uptime = 100ms
EOF
	sv_use_socket sock-many
	ulimit -Sn 256
	sv_run "$T/many.ini"
	ulimit -Sn "$soft"
	check "300 workers under a soft NOFILE of 256: all running" \
	    wait_log_count 20 300 ' m:[0-9]+: running$'
	check "no spawn failed" test "$(log_count 'cannot start|Too many open files')" -eq 0
	check "the last instance gets the soft limit 256" \
	    test "$(limit "$(pid_of m:299)" 'Max open files')" = "256 $hard"
	sv_signal TERM
	check "300 workers: supervise exits after TERM" sv_wait_exit 20
	check "300 workers: exit status 0" test "${SV_STATUS:-x}" = 0
	check "300 workers: all stopped" test "$(log_count ' m:[0-9]+: stopped$')" -eq 300
	check "300 workers: none left" wait_for 5 no_leftovers
else
	skip "300 workers under a low soft NOFILE: hard limit $hard is too low"
fi
finish
