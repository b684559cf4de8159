#!/usr/bin/env bash
# file:PATH outputs: instances of a worker share one file, line by line;
# stdout and stderr may go to different places; `null` discards; a file
# that cannot be opened is a failed start with a clear message, and
# supervise goes on with the other workers.
. "${SCENARIO_LIB:?}" || exit 1

N=5000
touch "$T/notadir"
write_config "$T/s.ini" <<EOF
[worker:multi]
instances = 3
command = sh -c 'seq 1 $N | sed "s/^/i\$SUPERVISE_INSTANCE /"'
restart = never
stdout = file:$T/multi.log

[worker:split]
command = sh -c 'echo to-out; echo to-err >&2'
restart = never
stdout = file:$T/split.out
stderr = prefix

[worker:quiet]
command = sh -c 'echo hidden; echo hidden >&2'
restart = never
stdout = null
stderr = null

[worker:bad]
command = sh -c 'echo never'
stdout = file:$T/notadir/bad.log

[worker:alive]
command = sleep 60
EOF

sv_start "$T/s.ini"
ended() { [ "$(log_count ': exited with status 0')" -ge 5 ]; }
check "the instances and the other workers ran" wait_for 20 ended

shared() {
	local i
	for i in 0 1 2; do
		cmp -s <(sed -n "s/^i$i //p" "$T/multi.log") <(seq 1 "$N") ||
		    return 1
	done
	[ "$(wc -l < "$T/multi.log")" = $((3 * N)) ]
}
check "3 instances share one file, every line whole, in order" shared
check "the file is 0644" test "$(stat -c %a "$T/multi.log")" = 644

check "stdout to a file, stderr prefixed" \
    eval '[ "$(cat "$T/split.out")" = to-out ] && out_has "^split \| to-err$" &&
    ! out_has "to-out"'
check "null discards both" eval '! out_has hidden'

failed() { [ "$(log_count "bad: cannot start: file:$T/notadir/bad.log: Not a directory")" -ge 2 ]; }
check "an unopenable file is a failed start, retried, with its reason" \
    wait_for 10 failed
check "the worker never ran" eval '! out_has never'
check "supervise keeps running" alive "$SV_PID"
check "other workers keep running" alive "$(pid_of alive)"

# Once the file can be created, the next retry starts the worker.
rm "$T/notadir"
mkdir "$T/notadir"
started() { [ -s "$T/notadir/bad.log" ]; }
check "a retry succeeds once the path is fixed" wait_for 20 started

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 15
check "with status 0" test "${SV_STATUS:-}" = 0
finish
