#!/usr/bin/env bash
# Output pauses beside idle workers: one worker floods supervise's stdout,
# which a slow reader takes 32 KiB every 2 ms, so that stdout pauses and
# resumes the pipes feeding it hundreds of times a second; beside it,
# PAUSE_IDLE workers whose pipes to the same stdout stay quiet.  Figure:
# supervise's CPU time (from /proc/PID/schedstat, in ns) while the flood
# passes, with the idle workers against without them, measured in the same
# run: what a pause and a resume cost is not to grow with the workers that
# have nothing to say (supervise.ini(5), Flow control).
#	PAUSE_IDLE=N (default 5000), MB=N (default 64)
. "$(dirname "$0")/lib.sh"

IDLE=${PAUSE_IDLE:-5000}
MB=${MB:-64}
command -v python3 > /dev/null || die "no python3 for the slow reader"

cat > "$T/reader.py" <<'PY'
import os, time
# A slow reader: 32 KiB every 2 ms, until EOF.
while os.read(0, 32768):
    time.sleep(0.002)
PY

# cpu_ns: supervise's CPU time so far, in ns (schedstat, not clock ticks:
# a case costs a tenth of a second or so).
cpu_ns() { read -r ns _ < "/proc/$SV_PID/schedstat"; echo "$ns"; }
# pause_case N: supervise's CPU ns while the flood passes, N idle beside.
pause_case() {
	local n=$1 i t0 t1
	{
		for ((i = 0; i < n; i++)); do
			printf '[worker:s%d]\ncommand = sleep 100000\n\n' "$i"
		done
		printf '[worker:flood]\nautostart = no\nrestart = never\n'
		printf "command = sh -c 'yes 0123456789012345678901234567890123456789 | head -c %d'\n" \
		    $((MB * 1048576))
	} > "$T/pause.ini"
	rm -f "$T/pipe" "$SOCK"
	mkfifo "$T/pipe"
	python3 "$T/reader.py" < "$T/pipe" &
	: > "$T/err"
	"$SUPERVISE" -c "$T/pause.ini" -s "$SOCK" > "$T/pipe" 2> "$T/err" &
	SV_PID=$!
	if [ "$n" -gt 0 ]; then
		await_lines 600 "$n" "$T/err" ': running$' ||
		    die "only $(log_count ': running$') of $n idle workers running"
	fi
	wait_for 10 "$SUPERVISECTL" -s "$SOCK" check > /dev/null 2>&1 ||
	    die "supervise does not answer"
	t0=$(cpu_ns)
	"$SUPERVISECTL" -s "$SOCK" start flood > /dev/null ||
	    die "cannot start the flood"
	await_lines 600 1 "$T/err" 'flood: exited' || die "the flood did not end"
	t1=$(cpu_ns)
	log_has_drops=$(log_count 'not keeping up')
	[ "$log_has_drops" -eq 0 ] || die "stdout was taken to be stuck"
	sv_stop
	echo $((t1 - t0))
}
SUPERVISECTL=${SUPERVISECTL:-$BUILD/supervisectl}
W=$(printf "%'d" "$IDLE")

alone=$(pause_case 0) || exit 1
crowd=$(pause_case "$IDLE") || exit 1
per() { awk -v t="$1" -v mb="$MB" 'BEGIN { printf "%.2f", t / 1e6 / mb }'; }
r=$(awk -v a="$crowd" -v b="$alone" \
    'BEGIN { printf "%.2f", (b > 0 ? a / b : a) }')
echo "supervise's CPU for $MB MB through a slow reader (ms/MB):" \
    "0 idle $(per "$alone"), $W idle $(per "$crowd") (${r}x)"
result "output paused, CPU, 0 idle (ms/MB)" "$(per "$alone")" "baseline" "-"
result "output paused, CPU, $W idle (ms/MB)" "$(per "$crowd") (${r}x)" \
    "<= 1.2x 0 idle" \
    "$(verdict awk -v r="$r" 'BEGIN { exit !(r <= 1.2) }')"
