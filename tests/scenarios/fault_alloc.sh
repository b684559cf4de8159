#!/usr/bin/env bash
# Fault matrix: allocations that fail at random points (tests/faultalloc,
# preloaded into supervise only).  Workers crash and restart, output flows
# to stdout and a file, clients ask for status and restarts: supervise
# never crashes, says what failed, and still shuts down cleanly.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

: "${FAULTALLOC:?}"
if grep -q __asan_init "$SUPERVISE" 2> /dev/null; then
	skip "a sanitizer build: its allocator cannot be preloaded over"
	finish
fi

write_config "$T/s.ini" <<EOF
[worker:crash]
command = crashy --fault exit:1 --after 100ms --output 5
instances = 3
min_uptime = 0
restart_delay = 0

[worker:steady]
command = crashy --fault none --output 3
stdout = file:$T/steady.log
min_uptime = 0
EOF
: > "$T/out"
: > "$T/err"
LD_PRELOAD=$FAULTALLOC FAULTALLOC_SKIP=150 FAULTALLOC_RATE=15 \
    FAULTALLOC_REPORT=1 "$SUPERVISE" -c "$T/s.ini" -s "$SOCK" \
    > "$T/out" 2> "$T/err" &
SV_PID=$!
track "$SV_PID"
check "workers run" wait_log 20 ' steady: running$'
# Work for the allocator: restarts go on, clients come and go.
for i in $(seq 1 30); do
	ctl status > /dev/null 2>&1
	ctl restart steady > /dev/null 2>&1
	ctl check > /dev/null 2>&1
done
check "supervise is alive" alive "$SV_PID"
check "allocation failures were logged" \
    log_has '(Cannot allocate memory|out of memory)'
n=$(spawn_count crash:0)
check "restarts go on" wait_for 20 spawned_times crash:0 $((n + 3))
kill -TERM "$SV_PID"
check "exits on TERM" sv_wait_exit 30
check "not by a signal (status ${SV_STATUS:-x})" test "${SV_STATUS:-255}" -lt 128
check "allocations did fail" log_has 'faultalloc: [1-9][0-9]* allocations failed'
check "no worker left" wait_for 5 no_leftovers
finish
