#!/usr/bin/env bash
# While supervise's stdout (a FIFO) is not read, its pipes stop being read
# one by one as each turns readable, and the resume reads exactly those:
# lines written during the pause by workers that were idle when it began,
# and by a worker started during it, all arrive once the reader is back
# (within the 2s before dropping would start), with the flood that paused
# it, in order.
. "${SCENARIO_LIB:?}" || exit 1

write_config "$T/s.ini" <<EOF
[worker:flood]
command = sh -c 'seq 1 23000; exec sleep 1000'

[worker:idle]
command = sh -c 'sleep 0.2; echo "idle line \$SUPERVISE_INSTANCE"; touch $T/idle.\$SUPERVISE_INSTANCE; exec sleep 1000'
instances = 20

[worker:late]
command = sh -c 'echo late line; touch $T/late; exec sleep 1000'
autostart = no
EOF

sv_run_fifo "$T/s.ini"

idle_wrote() { [ "$(find "$T" -maxdepth 1 -name 'idle.*' | wc -l)" = 20 ]; }
check "the idle workers wrote during the pause" wait_for 5 idle_wrote
check "a worker starts during the pause" ctl start late
check "and writes" wait_for 5 test -e "$T/late"

fifo_read

idle_lines() { [ "$(grep -c '^idle:[0-9]* | idle line ' "$T/out")" = 20 ]; }
check "every idle worker's line arrived" wait_for 10 idle_lines
check "the late worker's line arrived" wait_out 10 '^late \| late line$'
flood_done() { grep -q '^flood | 23000$' "$T/out"; }
check "the flood arrived" wait_for 10 flood_done
check "the flood is whole, in order" \
    cmp -s <(sed -n 's/^flood | //p' "$T/out") <(seq 1 23000)
check "nothing was dropped" eval '! log_has "dropped|not keeping up"'

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
check "with status 0" test "${SV_STATUS:-}" = 0
finish
