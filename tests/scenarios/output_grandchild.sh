#!/usr/bin/env bash
# A grandchild that left the worker's process group keeps the output pipe
# open after the worker died: the worker's last line (without a newline)
# must still arrive, and the restart must not wait for the pipe's EOF.
. "${SCENARIO_LIB:?}" || exit 1

cat > "$T/gc.sh" <<EOF
# The grandchild escapes the group kill with setsid and holds stdout; the
# worker goes on once it has (it writes its pid after setsid).
setsid sh -c 'echo \$\$ > "\$1"; exec sleep 30' gc "$T/gc.\$\$" &
while [ ! -s "$T/gc.\$\$" ]; do sleep 0.01; done
cat "$T/gc.\$\$" >> "$T/gc.pids"
echo "run \$SUPERVISE_NAME"
printf 'last words'
exit 3
EOF

write_config "$T/s.ini" <<EOF
[worker:gc]
command = sh $T/gc.sh
restart = always
min_uptime = 0
restart_delay = 100ms
EOF

sv_start "$T/s.ini"
# Track the escaped grandchildren as they appear: cleanup kills them.
tracked=0
track_gc() {
	local p
	[ -f "$T/gc.pids" ] || return 0
	for p in $(tail -n +$((tracked + 1)) "$T/gc.pids"); do
		track "$p"
		tracked=$((tracked + 1))
	done
}
three_runs() { track_gc; [ "$(log_count 'gc: exited with status 3')" -ge 3 ]; }
check "the worker is restarted while grandchildren hold its pipe" \
    wait_for 10 three_runs
track_gc
check "the grandchildren are still alive (the pipe was held)" \
    alive "$(head -n 1 "$T/gc.pids")"
check "the last line of every run arrived, with a newline" \
    eval '[ "$(grep -cx "gc | last words" "$T/out")" -ge 3 ]'
check "lines are not merged across runs" \
    eval '! grep -q "last wordsgc" "$T/out" && ! grep -q "last wordsrun" "$T/out"'

# From one exit to the next spawn: restart_delay (100ms), not the 30s the
# grandchild holds the pipe.  Timestamps are ISO 8601 with milliseconds.
ms() { sed -n "s/^[0-9-]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)Z .*/\1 \2 \3/p" |
    awk '{ printf "%d\n", ($1 * 3600 + $2 * 60 + $3) * 1000 }'; }
prompt() {
	local exit1 spawn2
	exit1=$(grep 'gc: exited with status 3' "$T/err" | head -n 1 | ms)
	spawn2=$(grep 'gc: spawned pid' "$T/err" | sed -n 2p | ms)
	[ -n "$exit1" ] && [ -n "$spawn2" ] && [ $((spawn2 - exit1)) -lt 1000 ]
}
check "the next run starts within 1s of the exit" prompt

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
finish
