#!/usr/bin/env bash
# Memory: supervise's own RSS and PSS (from /proc/PID/smaps_rollup) with 1,
# 100 and 1,000 sleeping workers, once all are RUNNING, with output to null
# and with output captured (prefix, the default: pipes and line buffers).
#	COUNTS="1 100 1000" (default)
. "$(dirname "$0")/lib.sh"

COUNTS=${COUNTS:-1 100 1000}
SLEEP=$(command -v sleep) || die "no sleep(1)"

# rollup KEY: a field of supervise's smaps_rollup, in KiB.
rollup() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$SV_PID/smaps_rollup"; }

declare -A PSS RSS
echo "supervise memory, all workers RUNNING (KiB):"
printf '  %-7s %6s %7s %7s %9s %12s %5s\n' output workers Rss Pss Pss_Anon \
    Private_Dirty fds
for mode in null prefix; do
	for n in $COUNTS; do
		cat > "$T/mem.ini" <<INI
[worker:s]
command = $SLEEP 1000
instances = $n
min_uptime = 0
stdout = $mode
stderr = $mode
INI
		sv_start "$T/mem.ini"
		await_lines 120 "$n" "$T/err" ': running$' ||
		    die "$mode/$n: only $(log_count ': running$') of $n running in 120s"
		rss=$(rollup Rss) pss=$(rollup Pss) anon=$(rollup Pss_Anon)
		dirty=$(rollup Private_Dirty)
		fds=$(find "/proc/$SV_PID/fd" -mindepth 1 | wc -l)
		printf '  %-7s %6s %7s %7s %9s %12s %5s\n' "$mode" "$n" "$rss" \
		    "$pss" "$anon" "$dirty" "$fds"
		PSS[$mode.$n]=$pss RSS[$mode.$n]=$rss
		sv_stop
	done
done

read -ra counts <<< "$COUNTS"
lo=${counts[0]} hi=${counts[${#counts[@]} - 1]}
for mode in null prefix; do
	for n in "${counts[@]}"; do
		target=- v=-
		if [ "$n" = 100 ]; then
			target="<= 1024"
			v=$(verdict [ "${PSS[$mode.$n]}" -le 1024 ])
		fi
		result "supervise PSS, $n workers, $mode (KiB)" "${PSS[$mode.$n]}" \
		    "$target" "$v"
		result "supervise RSS, $n workers, $mode (KiB)" "${RSS[$mode.$n]}" \
		    "-" "-"
	done
	if [ "$lo" != "$hi" ]; then
		result "PSS per extra worker, $mode (KiB)" \
		    "$(awk -v a="${PSS[$mode.$lo]}" -v b="${PSS[$mode.$hi]}" \
		    -v n1="$lo" -v n2="$hi" \
		    'BEGIN { printf "%.2f", (b - a) / (n2 - n1) }')" "-" "-"
	fi
done
