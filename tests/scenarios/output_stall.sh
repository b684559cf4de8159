#!/usr/bin/env bash
# supervise's stdout is a FIFO that nobody reads for a while.  Supervision
# must go on as usual (a crashing worker is restarted on time), the flood
# is first held back, then dropped and reported once the reader has made no
# progress for 2s; when the reader comes back, output flows again and the
# drop is summed up in the event log.
. "${SCENARIO_LIB:?}" || exit 1

write_config "$T/s.ini" <<EOF
[worker:flood]
command = sh -c 'while :; do seq 1000; sleep 0.01; done'

[worker:crasher]
command = sh -c 'echo up\$\$; sleep 0.2; kill -SEGV \$\$'
min_uptime = 100ms
restart_delay = 100ms
EOF

sv_run_fifo "$T/s.ini"

spawns() { log_count 'crasher: spawned pid'; }
stalled() { log_has 'stdout is not keeping up'; }
check "the stalled reader is detected and reported" wait_for 15 stalled
n=$(spawns)
check "the crasher was restarted while output was held back" test "$n" -ge 4
more() { [ "$(spawns)" -ge $((n + 5)) ]; }
check "and goes on being restarted while output is dropped" wait_for 5 more
# The largest gap between two spawns of the crasher, in ms: each run lasts
# 200ms and waits restart_delay, so a gap of 1s means the loop was blocked.
max_gap() {
	sed -n 's/^[0-9-]*T\([0-9]*\):\([0-9]*\):\([0-9.]*\)Z .*crasher: spawned pid.*/\1 \2 \3/p' \
	    "$T/err" | awk '{ t = ($1 * 3600 + $2 * 60 + $3) * 1000
		if (NR > 1 && t - last > max) max = t - last; last = t }
		END { printf "%d\n", max }'
}
gap=$(max_gap)
check "supervision did not wait for stdout: restarts on time (max gap ${gap}ms)" \
    test "$gap" -lt 1000

# The reader comes back.
fifo_read
summary() { log_has 'flood: output dropped: [0-9]+ lines \(stdout is not keeping up\)'; }
check "the drop is summed up once output flows again" wait_for 10 summary
check "and the end of dropping is reported" log_has 'stdout caught up'
flows() { grep -q '^flood | 1000$' "$T/out" && grep -q '^crasher | up' "$T/out"; }
check "worker output flows again" wait_for 10 flows

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
check "with status 0" test "${SV_STATUS:-}" = 0
reader_done() { dead "$FIFO_READER"; }
check "the reader sees the end of the output" wait_for 10 reader_done
check "only whole lines reached stdout" \
    eval '! grep -avE "^(flood \| [0-9]+|crasher \| up[0-9]+)$" "$T/out" | grep -q .'
finish
