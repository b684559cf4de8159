#!/usr/bin/env bash
# The control plane: the `status` round trip with 1,000 workers, requests
# per second from one client over one connection, and restart latency while
# a client hammers `status` against the same without.
#	REPEATS=N (default 30): supervisectl runs per round-trip figure
#	COUNT=N (default 20000): requests per rate figure
#	RESTARTS=N (default 300): restarts per latency figure
. "$(dirname "$0")/lib.sh"

REPEATS=${REPEATS:-30}
COUNT=${COUNT:-20000}
RESTARTS=${RESTARTS:-300}
SUPERVISECTL=${SUPERVISECTL:-$BUILD/supervisectl}
CONTROL_CLIENT=${CONTROL_CLIENT:-$BUILD/bench/control_client}
[ -x "$SUPERVISECTL" ] || die "$SUPERVISECTL: not built"
if [ ! -x "$CONTROL_CLIENT" ]; then
	# Not in the build (yet): build it here, it needs nothing but libc.
	CONTROL_CLIENT=$T/control_client
	"${CC:-cc}" -O2 -o "$CONTROL_CLIENT" "$BENCH_DIR/control_client.c" ||
	    die "cannot build control_client"
fi

# rate_of "N requests in S s: R/s" -> R
rate_of() { sed -n 's/.*: \([0-9]*\)\/s$/\1/p'; }
ctl() { "$SUPERVISECTL" -s "$SOCK" "$@"; }
ctl_answers() { ctl check > /dev/null 2>&1; }

# --- 1. status with 1,000 workers.
cat > "$T/thousand.ini" <<INI
[worker:w]
command = sleep 100000
instances = 1000
min_uptime = 0
stdout = null
stderr = null
INI
sv_start "$T/thousand.ini"
await_lines 60 1000 "$T/err" ': running$' || die "1,000 workers not running"
wait_for 10 ctl_answers || die "supervise does not answer"
[ "$(ctl status | wc -l)" = 1001 ] || die "status has not 1,000 rows"

read -r n med p90 min max < <(wall_ms ctl status | stats)
echo "supervisectl status, 1,000 workers (ms): n $n median $med p90 $p90 min $min max $max"
result "status round trip, 1,000 workers (ms)" "$med" "-" "-"
read -r n med p90 min max < <(wall_ms ctl --json status | stats)
echo "supervisectl --json status, 1,000 workers (ms): n $n median $med p90 $p90 min $min max $max"
result "status --json round trip, 1,000 workers (ms)" "$med" "-" "-"
read -r n med p90 min max < <("$CONTROL_CLIENT" "$SOCK" rtt 200 \
    "supervise/1 status" | stats)
echo "status request alone, 1,000 workers (us): n $n median $med p90 $p90 min $min max $max"
result "status request alone, 1,000 workers (us)" "$med" "-" "-"
rate=$("$CONTROL_CLIENT" "$SOCK" rate 1000 "supervise/1 status" | rate_of)
result "status requests/s, 1,000 workers, 1 connection" "$rate" "-" "-"
sv_stop

# --- 2. Requests per second over one connection, 10 workers.
cat > "$T/ten.ini" <<INI
[worker:w]
command = sleep 100000
instances = 10
min_uptime = 0
stdout = null
stderr = null
INI
sv_start "$T/ten.ini"
await_lines 10 10 "$T/err" ': running$' || die "10 workers not running"
wait_for 10 ctl_answers || die "supervise does not answer"
for req in "supervise/1 check" "supervise/1 status"; do
	out=$("$CONTROL_CLIENT" "$SOCK" rate "$COUNT" "$req")
	echo "${req#supervise/1 }, one at a time: $out"
	result "${req#supervise/1 } requests/s, 10 workers, 1 at a time" \
	    "$(rate_of <<< "$out")" "-" "-"
	out=$("$CONTROL_CLIENT" "$SOCK" pipe "$COUNT" "$req")
	echo "${req#supervise/1 }, 64 in flight: $out"
	result "${req#supervise/1 } requests/s, 10 workers, 64 in flight" \
	    "$(rate_of <<< "$out")" "-" "-"
done
sv_stop

# --- 3. Restart latency, quiet and while a client hammers status; and the
# same for a bare restart loop beside the hammered supervise (the floor).
# One worker restarting as fast as it can (as in restart_latency.sh), and
# 999 that sleep, so that each status is as large as with 1,000 workers.
gaps() {
	awk '$1 == "exit" { e = $2; next }
	    $1 == "start" && e != "" { printf "%.1f\n", ($2 - e) / 1000; e = "" }'
}
starts() { grep -c '^start ' "$T/sv.stamps" 2>/dev/null || echo 0; }
cat > "$T/latency.ini" <<INI
[worker:stamp]
command = $BENCH_STAMP $T/sv.stamps
restart = always
min_uptime = 0
restart_delay = 0
stdout = null
stderr = null

[worker:w]
command = sleep 100000
instances = 999
min_uptime = 0
stdout = null
stderr = null
INI
sv_start "$T/latency.ini"
await_lines 60 999 "$T/err" ' w:[0-9]+: running$' || die "sleepers not running"
wait_for 10 ctl_answers || die "supervise does not answer"
from=$(wc -l < "$T/sv.stamps")
await_lines 120 $(($(starts) + RESTARTS + 1)) "$T/sv.stamps" '^start ' ||
    die "only $(starts) runs in 120s"
to=$(wc -l < "$T/sv.stamps")
"$CONTROL_CLIENT" "$SOCK" hammer 0 "supervise/1 status" > "$T/hammer" &
hammer=$!
# A few restarts in, the hammer is at full speed.
await_lines 10 $(($(starts) + 5)) "$T/sv.stamps" '^start ' || die "no restarts"
kill -0 "$hammer" 2>/dev/null || die "the status client failed"
mark=$(wc -l < "$T/sv.stamps")
await_lines 120 $(($(starts) + RESTARTS + 1)) "$T/sv.stamps" '^start ' ||
    die "only $(starts) runs in 120s while hammered"
end=$(wc -l < "$T/sv.stamps")
kill -TERM "$hammer"
wait "$hammer"
# The floor: the same restarts by a bare fork/exec/waitpid loop, quiet and
# while the same client hammers the same supervise (its restarting worker
# stopped): what that load alone costs any restart on this machine, the
# CPUs it shares included.
ctl stop stamp > /dev/null || die "cannot stop the restarting worker"
"$BARE_LOOP" $((RESTARTS + 1)) "$BENCH_STAMP" "$T/bare_quiet.stamps" ||
    die "bare loop failed"
"$CONTROL_CLIENT" "$SOCK" hammer 0 "supervise/1 status" > "$T/hammer2" &
hammer=$!
"$BARE_LOOP" $((RESTARTS + 1)) "$BENCH_STAMP" "$T/bare_hammered.stamps" ||
    die "bare loop failed"
kill -0 "$hammer" 2>/dev/null || die "the status client failed"
kill -TERM "$hammer"
wait "$hammer"
sv_stop

read -r qn qmed qp90 qmin qmax < <(sed -n "$((from + 1)),${to}p" \
    "$T/sv.stamps" | gaps | head -n "$RESTARTS" | stats)
read -r hn hmed hp90 hmin hmax < <(sed -n "$((mark + 1)),${end}p" \
    "$T/sv.stamps" | gaps | head -n "$RESTARTS" | stats)
hrate=$(rate_of < "$T/hammer")
read -r _ bqmed _ < <(gaps < "$T/bare_quiet.stamps" | stats)
read -r _ bhmed _ < <(gaps < "$T/bare_hammered.stamps" | stats)
bratio=$(awk -v a="$bhmed" -v b="$bqmed" 'BEGIN { printf "%.2f", a / b }')
ratio=$(awk -v a="$hmed" -v b="$qmed" 'BEGIN { printf "%.2f", a / b }')
echo "restart latency, exit to next exec (us): n median p90 min max"
echo "  quiet:                         $qn $qmed $qp90 $qmin $qmax"
echo "  status hammered ($hrate/s):  $hn $hmed $hp90 $hmin $hmax"
echo "  bare loop beside it, median:   quiet $bqmed, hammered $bhmed (${bratio}x)"
result "restart latency median, quiet (us)" "$qmed" "baseline" "-"
result "restart latency median, status hammered (us)" "$hmed (${ratio}x)" \
    "<= 1.1x quiet" "$(verdict awk -v r="$ratio" 'BEGIN { exit !(r <= 1.1) }')"
result "restart latency p90, quiet (us)" "$qp90" "baseline" "-"
result "restart latency p90, status hammered (us)" "$hp90" "-" "-"
result "status requests/s while restarting" "$hrate" "-" "-"
result "bare loop restart, quiet / hammered beside (us)" \
    "$bqmed / $bhmed" "(${bratio}x)" "-"
