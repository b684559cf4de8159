#!/usr/bin/env bash
# Output capture throughput: workers write lines as fast as they can (yes(1)
# cut to a fixed byte count by head(1), so each one ends), supervise captures
# them and writes them out; against cat(1) moving the same bytes from the same
# producers to /dev/null in the same run.  Cases: 1 and 10 workers with
# 100-byte lines, 1 worker with 10-byte lines (the per-line cost), each with
# `prefix` to supervise's stdout on /dev/null, and 1 worker with file:PATH
# (where cat into a file is also given: what the page cache costs anyone).
# supervise's CPU time is its own (utime + stime from /proc/PID/stat).
#	MB=MEGABYTES per case, split among its workers (default 256)
#	RUNS=N runs of each side per case, medians compared (default 3)
. "$(dirname "$0")/lib.sh"

MB=${MB:-256}
RUNS=${RUNS:-3}
TICK=$(getconf CLK_TCK)

# ms_now: a monotonic-enough clock in ms for the cat runs.
ms_now() { echo $(($(date +%s%N) / 1000000)); }

# line_file BYTES: a file holding one line of BYTES bytes with its newline.
line_file() {
	head -c $(($1 - 1)) /dev/zero | tr '\0' x > "$T/line.$1"
	echo >> "$T/line.$1"
	echo "$T/line.$1"
}

# cat_rate WORKERS LINEFILE BYTES DEST: MB/s of WORKERS producers into
# cat, which writes to DEST (/dev/null, or a file each appends to).
cat_rate() {
	local n=$1 lf=$2 per=$3 dest=$4 t0 t1 i pids=()
	rm -f "$T/cat.out"
	t0=$(ms_now)
	for ((i = 0; i < n; i++)); do
		(yes "$(cat "$lf")" | head -c "$per" | cat >> "$dest") &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(ms_now)
	rm -f "$T/cat.out"
	awk -v b=$((n * per)) -v ms=$((t1 - t0 > 0 ? t1 - t0 : 1)) \
	    'BEGIN { printf "%.0f\n", b / 1048576 / (ms / 1000) }'
}

# sv_case WORKERS LINEFILE BYTES OUTPUT: prints "MB/s CPU-s/MB dropped".
sv_case() {
	local n=$1 lf=$2 per=$3 out=$4 i t0 t1 ticks
	for ((i = 0; i < n; i++)); do
		printf '[worker:w%d]\n' "$i"
		printf "command = sh -c 'yes \"\$(cat %s)\" | head -c %d'\n" \
		    "$lf" "$per"
		printf 'restart = never\nmin_uptime = 0\nstdout = %s\n\n' "$out"
	done > "$T/bench.ini"
	# A new event log file: one that anything of the last case still has
	# open would get holes (and grep would call it binary).
	rm -f "$T/sink.log" "$T/err"
	: > "$T/err"	# before the first look at it, not when supervise starts
	"$SUPERVISE" -c "$T/bench.ini" -s "$SOCK" > /dev/null 2> "$T/err" &
	SV_PID=$!
	await_lines 300 "$n" "$T/err" ': exited with status 0' ||
	    die "only $(log_count ': exited with status 0') of $n workers done"
	ticks=$(awk '{ print $14 + $15 }' "/proc/$SV_PID/stat")
	t0=$(grep -m 1 ': spawned pid' "$T/err" | ms_of_iso)
	t1=$(grep ': exited with status 0' "$T/err" | tail -n 1 | ms_of_iso)
	awk -v b=$((n * per)) -v ms=$((t1 - t0 > 0 ? t1 - t0 : 1)) \
	    -v cpu="$ticks" -v tick="$TICK" -v d="$(log_count 'dropped')" \
	    'BEGIN { mb = b / 1048576
		printf "%.0f %.4f %d\n", mb / (ms / 1000), cpu / tick / mb, d }'
	sv_stop
}

echo "output capture throughput, $MB MB per case ($(nproc) cpus," \
    "load average $(cut -d ' ' -f 1-3 /proc/loadavg)):"
printf '  %-34s %12s %12s %8s %14s\n' case 'supervise' 'cat' ratio \
    'CPU s/MB'
# median: of the numbers on stdin.
median() { stats | awk '{ print $2 }'; }
row() {
	local name=$1 n=$2 len=$3 out=$4 lf per s c tgt r ss=() cs=() cpus=()
	local d dropped=0
	lf=$(line_file "$len")
	per=$((MB * 1048576 / n))
	# RUNS of each, supervise and cat in turn, so that drift on a shared
	# machine weighs on both alike; the medians are compared.
	for ((r = 0; r < RUNS; r++)); do
		read -r s cpu d <<< "$(sv_case "$n" "$lf" "$per" "$out")"
		ss+=("$s") cpus+=("$cpu") dropped=$((dropped + d))
		cs+=("$(cat_rate "$n" "$lf" "$per" /dev/null)")
	done
	s=$(printf '%s\n' "${ss[@]}" | median)
	c=$(printf '%s\n' "${cs[@]}" | median)
	cpu=$(printf '%s\n' "${cpus[@]}" | median)
	printf '  %-34s %9s MB/s %7s MB/s %8s %14s\n' "$name" "$s" "$c" \
	    "$(awk -v s="$s" -v c="$c" 'BEGIN { printf "%.2f", s / c }')" "$cpu"
	[ "$dropped" -eq 0 ] || echo "  ($dropped drop reports in the event log)"
	# For run.sh's summary: the target is against cat in the same run,
	# into the same kind of destination.
	tgt="cat"
	case $out in
	file:*)
		cs=()
		for ((r = 0; r < RUNS; r++)); do
			cs+=("$(cat_rate "$n" "$lf" "$per" "$T/cat.out")")
		done
		c=$(printf '%s\n' "${cs[@]}" | median)
		tgt="cat > file"
		printf '  (cat into a file: %s MB/s; supervise / that: %s)\n' \
		    "$c" "$(awk -v s="$s" -v c="$c" \
		    'BEGIN { printf "%.2f", s / c }')"
		;;
	esac
	result "output capture: $name (MB/s)" \
	    "$s ($(awk -v s="$s" -v c="$c" 'BEGIN { printf "%.2f", s / c }')x)" \
	    ">= 0.8x $tgt" \
	    "$(verdict awk -v s="$s" -v c="$c" 'BEGIN { exit !(s >= 0.8 * c) }')" \
	    > /dev/null
}
row "1 worker, 100-byte lines" 1 100 prefix
row "10 workers, 100-byte lines" 10 100 prefix
row "1 worker, 10-byte lines" 1 10 prefix
row "1 worker, 100-byte lines, file" 1 100 "file:$T/sink.log"
rm -f "$T/sink.log"
echo "  (load average after: $(cut -d ' ' -f 1-3 /proc/loadavg))"
