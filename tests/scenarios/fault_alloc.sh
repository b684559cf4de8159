#!/usr/bin/env bash
# Fault matrix: allocations that fail at random points (tests/faultalloc,
# preloaded into supervise only), drawn from three seeds.  Workers crash
# and restart, output flows to stdout and a file, clients ask for status
# and restarts: supervise never crashes, says what failed, and still
# shuts down cleanly; under AddressSanitizer, with nothing leaked.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

: "${FAULTALLOC:?}"
# Under AddressSanitizer the allocator forwards to ASan's, and goes first
# (verify_asan_link_order=0): LeakSanitizer then checks the run at exit,
# and a leak on any path that met a failed allocation makes it exit 23.
sv_asan=
if grep -q __asan_init "$SUPERVISE_BIN" 2> /dev/null; then
	sv_asan=verify_asan_link_order=0:detect_leaks=1
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

# matrix SEED: one run, its failures drawn from SEED.
matrix() {
	local seed=$1 n i
	SV_STATUS=
	: > "$T/out"
	: > "$T/err"
	ASAN_OPTIONS="$ASAN_OPTIONS${sv_asan:+:$sv_asan}" \
	    LD_PRELOAD=$FAULTALLOC FAULTALLOC_SKIP=150 FAULTALLOC_RATE=15 \
	    FAULTALLOC_SEED=$seed FAULTALLOC_REPORT=1 \
	    "$SUPERVISE" -c "$T/s.ini" -s "$SOCK" > "$T/out" 2> "$T/err" &
	SV_PID=$!
	track "$SV_PID"
	check "seed $seed: workers run" wait_log 20 ' steady: running$'
	# Work for the allocator: restarts go on, clients come and go.
	for i in $(seq 1 10); do
		ctl status > /dev/null 2>&1
		ctl restart steady > /dev/null 2>&1
		ctl check > /dev/null 2>&1
	done
	check "seed $seed: supervise is alive" alive "$SV_PID"
	check "seed $seed: allocation failures were logged" \
	    log_has '(Cannot allocate memory|out of memory)'
	n=$(spawn_count crash:0)
	check "seed $seed: restarts go on" \
	    wait_for 20 spawned_times crash:0 $((n + 3))
	kill -TERM "$SV_PID"
	check "seed $seed: exits on TERM" sv_wait_exit 30
	# Not by a signal, and (under LeakSanitizer) nothing leaked: 0.
	check "seed $seed: exit 0 (status ${SV_STATUS:-x})" \
	    test "${SV_STATUS:-x}" = 0
	check "seed $seed: no sanitizer report" \
	    eval '! log_has "(Leak|Address|UndefinedBehavior)Sanitizer"'
	check "seed $seed: allocations did fail" \
	    log_has 'faultalloc: [1-9][0-9]* allocations failed'
	check "seed $seed: no worker left" wait_for 5 no_leftovers
}
for seed in 88172645463325252 1 20261204; do
	matrix "$seed"
done
finish
