#!/usr/bin/env bash
# A worker writes 23000 numbered lines and crashes while supervise's stdout
# (a FIFO) is not read: supervise holds the output back, reads the rest of
# the pipe when it reaps the worker, and once the reader comes back (within
# the 2s before dropping would start) every line arrives, in order.
. "${SCENARIO_LIB:?}" || exit 1

write_config "$T/s.ini" <<EOF
[worker:c]
command = sh -c 'seq 1 23000; kill -SEGV \$\$'
restart = never
EOF

sv_run_fifo "$T/s.ini"

# The FIFO and the queue take part of the output; the rest stays in the
# worker's pipe, which supervise reads out when it reaps the worker.
crashed() { log_has 'c: killed by signal SEGV'; }
# At most 1.2s (60 polls of 20ms), well before dropping would start.
crashed_soon() {
	local i
	for ((i = 0; i < 60; i++)); do
		crashed && return 0
		sleep 0.02
	done
	return 1
}
check "the worker crashed while its output was held back" crashed_soon

fifo_read

all_lines() { [ "$(tail -n 1 "$T/out")" = "c | 23000" ]; }
wait_for 10 all_lines
check "every line arrived, in order" \
    cmp -s <(sed -n 's/^c | //p' "$T/out") <(seq 1 23000)
check "nothing was dropped" eval '! log_has "dropped|not keeping up"'

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
check "with status 0" test "${SV_STATUS:-}" = 0
finish
