#!/usr/bin/env bash
# Two workers flood at once: every line arrives whole, none is merged with
# another worker's line, none is lost.  First with supervise's stdout a
# regular file, then a pipe to a slow reader (backpressure: the reader is
# slow but never stalls, so nothing may be dropped).
. "${SCENARIO_LIB:?}" || exit 1

N=5000
A=$(head -c 2500 /dev/zero | tr '\0' A)	# over PIPE_BUF / 2
B=$(head -c 300 /dev/zero | tr '\0' B)
printf '%s\n' "$A" > "$T/a.line"
printf '%s\n' "$B" > "$T/b.line"

write_config "$T/s.ini" <<EOF
[worker:a]
command = sh -c 'yes "\$(cat $T/a.line)" | head -n $N'
restart = never

[worker:b]
command = sh -c 'yes "\$(cat $T/b.line)" | head -n $N'
restart = never
EOF

both_ended() { [ "$(log_count ': exited with status 0')" -ge 2 ]; }

# whole_lines FILE: every line is exactly one worker's line, N of each.
whole_lines() {
	local f=$1
	[ "$(grep -cxF "a | $A" "$f")" = "$N" ] &&
	    [ "$(grep -cxF "b | $B" "$f")" = "$N" ] &&
	    [ "$(wc -l < "$f")" = $((2 * N)) ]
}

sv_start "$T/s.ini"
check "both flooding workers ended (stdout a file)" wait_for 30 both_ended
check "every line whole and unmixed, none lost (stdout a file)" \
    whole_lines "$T/out"
kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10

# Now through a pipe read in small bites with pauses: supervise must hold
# the workers back, not drop their lines.
mv "$T/err" "$T/err.1"
mkfifo "$T/fifo"
slow_reader() {
	local n
	while :; do
		n=$(dd bs=64k count=1 status=none | tee -a "$T/out.slow" | wc -c)
		[ "$n" -gt 0 ] || break
		sleep 0.002
	done
}
slow_reader < "$T/fifo" &
track $!
: > "$T/err"
"$SUPERVISE" -c "$T/s.ini" -s "$SOCK" > "$T/fifo" 2> "$T/err" &
SV_PID=$!
track "$SV_PID"
check "both flooding workers ended (stdout a slow pipe)" wait_for 60 both_ended
check "nothing was dropped" eval '! log_has "output dropped"'
kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
settled() { [ "$(wc -l < "$T/out.slow")" -ge $((2 * N)) ]; }
wait_for 10 settled
check "every line whole and unmixed, none lost (stdout a slow pipe)" \
    whole_lines "$T/out.slow"
finish
