#!/usr/bin/env bash
# Restart latency: the time from a worker's exit to its replacement's exec,
# under supervise (restart = always, min_uptime = 0, restart_delay = 0) and
# under a bare fork/exec/waitpid loop, in the same run, with the same tiny
# program (bench_stamp, which stamps CLOCK_MONOTONIC at start and just before
# _exit).  Latency k = start stamp of run k+1 - exit stamp of run k.
#	RESTARTS=N (default 500, at least 200)
. "$(dirname "$0")/lib.sh"

RESTARTS=${RESTARTS:-500}
[ "$RESTARTS" -ge 200 ] || { echo "RESTARTS must be >= 200" >&2; exit 64; }

# gaps FILE: the exit-to-start gaps in microseconds, one a line.
gaps() {
	awk '$1 == "exit" { e = $2; next }
	    $1 == "start" && e != "" { printf "%.1f\n", ($2 - e) / 1000; e = "" }' "$1"
}
starts() { grep -c '^start ' "$1" 2>/dev/null || echo 0; }

# The bare loop runs half of its restarts before supervise and half after,
# so that drift on a shared machine weighs on both sides alike.
"$BARE_LOOP" $((RESTARTS / 2 + 1)) "$BENCH_STAMP" "$T/bare1.stamps" ||
    die "bare loop failed"

cat > "$T/latency.ini" <<INI
[worker:stamp]
command = $BENCH_STAMP $T/sv.stamps
restart = always
min_uptime = 0
restart_delay = 0
stdout = null
stderr = null
INI
sv_start "$T/latency.ini"
await_lines 120 $((RESTARTS + 1)) "$T/sv.stamps" '^start ' ||
    die "only $(starts "$T/sv.stamps") of $((RESTARTS + 1)) runs in 120s"
sv_stop

"$BARE_LOOP" $((RESTARTS - RESTARTS / 2 + 1)) "$BENCH_STAMP" "$T/bare2.stamps" ||
    die "bare loop failed"

read -r bn bmed bp90 bmin bmax < <({ gaps "$T/bare1.stamps"; gaps "$T/bare2.stamps"; } | stats)
# Only the first RESTARTS restarts: a few more may slip in before TERM lands.
read -r sn smed sp90 smin smax < <(gaps "$T/sv.stamps" | head -n "$RESTARTS" | stats)
ratio_med=$(awk -v a="$smed" -v b="$bmed" 'BEGIN { printf "%.2f", a / b }')
ratio_p90=$(awk -v a="$sp90" -v b="$bp90" 'BEGIN { printf "%.2f", a / b }')

echo "restart latency, exit to next exec (us): n median p90 min max"
echo "  bare fork/exec/waitpid: $bn $bmed $bp90 $bmin $bmax"
echo "  supervise:              $sn $smed $sp90 $smin $smax"
result "restart latency median, bare loop (us)" "$bmed" "baseline" "-"
result "restart latency median, supervise (us)" "$smed (${ratio_med}x)" \
    "<= 1.2x bare" "$(verdict awk -v r="$ratio_med" 'BEGIN { exit !(r <= 1.2) }')"
result "restart latency p90, bare loop (us)" "$bp90" "baseline" "-"
result "restart latency p90, supervise (us)" "$sp90 (${ratio_p90}x)" \
    "<= 1.2x bare" "$(verdict awk -v r="$ratio_p90" 'BEGIN { exit !(r <= 1.2) }')"
