#!/usr/bin/env bash
# Scale: 10,000 workers, each in a section of its own, against the floors
# measured in the same run.
# - All RUNNING, from launch (event log timestamps), against a bare
#   fork/exec loop and a posix_spawn (vfork) loop starting as many `sleep`.
# - `supervisectl status` and `status --json` of all of them; beside them
#   true(1) started the same way, a status of one row, and the round trip
#   of the whole reply within one client already connected.
# - The restart latency of one worker with the others idle beside it,
#   against the same worker alone (its 0-idle figure); for information two
#   floors, each with 0 and with as many idle children: the naive one, a
#   bare loop that reaps with waitpid(-1) (a walk of every child), the
#   fair one, a bare loop that waits for its one child by pid (no walk, as
#   a pidfd), and that loop holding a pidfd for every child as supervise
#   does (what the kernel's pidfds cost).
#	SCALE_WORKERS=N (default 10000), RESTARTS=N (default 300, at least 100),
#	REPEATS=N (default 20): supervisectl runs per status figure
. "$(dirname "$0")/lib.sh"

WORKERS=${SCALE_WORKERS:-10000}
RESTARTS=${RESTARTS:-300}
REPEATS=${REPEATS:-20}
[ "$RESTARTS" -ge 100 ] || { echo "RESTARTS must be >= 100" >&2; exit 64; }
SUPERVISECTL=${SUPERVISECTL:-$BUILD/supervisectl}
[ -x "$SUPERVISECTL" ] || die "$SUPERVISECTL: not built"
CONTROL_CLIENT=${CONTROL_CLIENT:-$BUILD/bench/control_client}
[ -x "$CONTROL_CLIENT" ] || die "$CONTROL_CLIENT: not built"
TRUE=$(type -P true) || die "no true(1)"
SLEEP=$(command -v sleep) || die "no sleep(1)"
ctl() { "$SUPERVISECTL" -s "$SOCK" "$@"; }
ctl_answers() { ctl check > /dev/null 2>&1; }
nk() { awk -v n="$1" 'BEGIN { printf (n >= 1000 && n % 1000 == 0) ? \
    "%d,000" : "%d", (n >= 1000 && n % 1000 == 0) ? n / 1000 : n }'; }
W=$(nk "$WORKERS")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
within() { awk -v r="$1" -v m="$2" 'BEGIN { exit !(r <= m) }'; }
below() { awk -v v="$1" -v m="$2" 'BEGIN { exit !(v < m) }'; }

# gaps: exit-to-start gaps of stamp lines on stdin, in us, one a line.
gaps() {
	awk '$1 == "exit" { e = $2; next }
	    $1 == "start" && e != "" { printf "%.1f\n", ($2 - e) / 1000; e = "" }'
}
starts() { grep -c '^start ' "$1" 2>/dev/null || echo 0; }

# alone N FILE: supervise with the restarting worker only, N restarts.
alone() {
	cat > "$T/alone.ini" <<INI
[worker:stamp]
command = $BENCH_STAMP $2
restart = always
min_uptime = 0
restart_delay = 0
stdout = null
stderr = null
INI
	sv_start "$T/alone.ini"
	await_lines 120 $(($1 + 1)) "$2" '^start ' ||
	    die "only $(starts "$2") of $(($1 + 1)) runs in 120s"
	sv_stop
}

# --- The floors of starting them all.
fork_ms=$("$BARE_LOOP" -p "$WORKERS" "$SLEEP" 1000) || die "bare_loop -p failed"
echo "$W sleep exec'd, fork/exec loop (ms): $fork_ms"
spawn_ms=$("$BARE_LOOP" -s "$WORKERS" "$SLEEP" 1000) || die "bare_loop -s failed"
echo "$W sleep exec'd, posix_spawn loop (ms): $spawn_ms"

# --- Restart latency alone, half before the crowd and half after.
alone $((RESTARTS / 2)) "$T/alone1.stamps"

# --- The crowd: WORKERS sections, then the restarting worker, started by
# request once all the others are RUNNING.
{
	for ((i = 0; i < WORKERS; i++)); do
		printf '[worker:s%d]\ncommand = %s 100000\nmin_uptime = 0\n' \
		    "$i" "$SLEEP"
		printf 'stdout = null\nstderr = null\n\n'
	done
	cat <<INI
[worker:stamp]
command = $BENCH_STAMP $T/crowd.stamps
autostart = no
restart = always
min_uptime = 0
restart_delay = 0
stdout = null
stderr = null
INI
} > "$T/crowd.ini"
t0=$EPOCHREALTIME
sv_start "$T/crowd.ini"
await_lines 600 "$WORKERS" "$T/err" ': running$' ||
    die "only $(log_count ': running$') of $WORKERS running in 600s"
t0ms=$(awk -v t="$t0" 'BEGIN { printf "%.3f", t * 1000 }')
run_ms=$(grep -E ': running$' "$T/err" | tail -n 1 | ms_of_iso |
    awk -v t="$t0ms" '{ printf "%.0f", $1 - t }')
echo "$W workers all running, supervise (ms): $run_ms"
wait_for 10 ctl_answers || die "supervise does not answer"

# Restart latency beside the crowd, before any status: a status request
# keeps the background refresh of CPU and RSS readings going for a few
# seconds (supervisectl(1), status), work that idle workers do not cause.
ctl start stamp > /dev/null || die "cannot start the restarting worker"
await_lines 300 $((RESTARTS + 1)) "$T/crowd.stamps" '^start ' ||
    die "only $(starts "$T/crowd.stamps") of $((RESTARTS + 1)) runs beside the crowd"
ctl stop stamp > /dev/null || die "cannot stop the restarting worker"
[ "$(ctl status | wc -l)" = $((WORKERS + 2)) ] || die "status has not $WORKERS rows"

# supervise's CPU time (utime + stime, in clock ticks) while asked: the
# replies, and the background refresh of the readings they show.
sv_ticks() { awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$SV_PID/stat"; }
tk0=$(sv_ticks) w0=$EPOCHREALTIME
read -r _ st_med st_p90 _ < <(wall_ms ctl status | stats)
read -r _ js_med js_p90 _ < <(wall_ms ctl --json status | stats)
tk1=$(sv_ticks) w1=$EPOCHREALTIME
# What the figures above include beside the reply: starting any process
# (true(1), timed the same way), and a status of one row; and the reply
# alone, 10,000 rows read to their end by a client already connected.
read -r _ true_med _ < <(wall_ms "$TRUE" | stats)
read -r _ one_med _ < <(wall_ms ctl status s0 | stats)
read -r _ rtt_med _ < <("$CONTROL_CLIENT" "$SOCK" rtt "$REPEATS" \
    "supervise/1 status" | stats)
sv_cpu=$(awk -v t="$((tk1 - tk0))" -v hz="$(getconf CLK_TCK)" -v a="$w0" \
    -v b="$w1" 'BEGIN { printf "%.0f", t / hz * 100 / (b - a) }')
dashes=$(ctl status | awk 'NR > 1 && $6 == "-" { n++ } END { print n + 0 }')
echo "supervisectl status, $W workers (ms): median $st_med p90 $st_p90"
echo "supervisectl --json status, $W workers (ms): median $js_med p90 $js_p90"
echo "supervise's CPU while asked: ${sv_cpu}% of one CPU; rows without figures then: $dashes"
echo "true(1) (ms): median $true_med; supervisectl status of 1 row (ms): median $one_med"
echo "status of $W rows, round trip within one client (us): median $rtt_med"

sv_stop

alone $((RESTARTS - RESTARTS / 2)) "$T/alone2.stamps"

# --- The naive floor: a bare loop reaping with waitpid(-1).
"$BARE_LOOP" -i 0 $((RESTARTS + 1)) "$BENCH_STAMP" "$T/bare0.stamps" ||
    die "bare loop failed"
"$BARE_LOOP" -i "$WORKERS" $((RESTARTS + 1)) "$BENCH_STAMP" \
    "$T/bareN.stamps" || die "bare loop with idle children failed"
"$BARE_LOOP" -I 0 $((RESTARTS + 1)) "$BENCH_STAMP" "$T/pid0.stamps" ||
    die "bare loop failed"
"$BARE_LOOP" -I "$WORKERS" $((RESTARTS + 1)) "$BENCH_STAMP" \
    "$T/pidN.stamps" || die "bare loop with idle children failed"
"$BARE_LOOP" -P 0 $((RESTARTS + 1)) "$BENCH_STAMP" "$T/fd0.stamps" ||
    die "bare loop failed"
"$BARE_LOOP" -P "$WORKERS" $((RESTARTS + 1)) "$BENCH_STAMP" \
    "$T/fdN.stamps" || die "bare loop with idle children failed"

read -r an amed ap90 _ < <({ gaps < "$T/alone1.stamps" |
    head -n $((RESTARTS / 2)); gaps < "$T/alone2.stamps" |
    head -n $((RESTARTS - RESTARTS / 2)); } | stats)
read -r cn cmed cp90 _ < <(gaps < "$T/crowd.stamps" | head -n "$RESTARTS" | stats)
read -r _ b0med _ < <(gaps < "$T/bare0.stamps" | stats)
read -r _ bnmed _ < <(gaps < "$T/bareN.stamps" | stats)
read -r _ p0med _ < <(gaps < "$T/pid0.stamps" | stats)
read -r _ pnmed _ < <(gaps < "$T/pidN.stamps" | stats)
read -r _ f0med _ < <(gaps < "$T/fd0.stamps" | stats)
read -r _ fnmed _ < <(gaps < "$T/fdN.stamps" | stats)
echo "restart latency (us): n median p90"
printf '  %-22s %s %s %s\n' alone: "$an" "$amed" "$ap90"
printf '  %-22s %s %s %s\n' "beside $W idle:" "$cn" "$cmed" "$cp90"
echo "  waitpid(-1) loop:     0 idle $b0med, $W idle $bnmed"
echo "  waitpid(pid) loop:    0 idle $p0med, $W idle $pnmed"
echo "  pidfd loop:           0 idle $f0med, $W idle $fnmed"

r=$(ratio "$run_ms" "$fork_ms")
result "$W workers all exec'd, fork/exec loop (ms)" "$fork_ms" "baseline" "-"
result "$W workers all exec'd, posix_spawn loop (ms)" "$spawn_ms" "baseline" "-"
result "$W workers all running, supervise (ms)" "$run_ms (${r}x fork)" "-" "-"
r=$(ratio "$run_ms" "$spawn_ms")
result "$W workers all running / posix_spawn loop" "${r}x" "<= 1.2x" \
    "$(verdict within "$r" 1.2)"
result "supervisectl status, $W workers (ms)" "$st_med" "< 10" \
    "$(verdict below "$st_med" 10)"
result "supervisectl --json status, $W workers (ms)" "$js_med" "< 10" \
    "$(verdict below "$js_med" 10)"
result "supervise's CPU while status is asked (%)" "$sv_cpu" "-" "-"
result "true(1), started the same way (ms)" "$true_med" "baseline" "-"
result "supervisectl status, 1 row (ms)" "$one_med" "-" "-"
result "status round trip, $W rows, in one client (us)" "$rtt_med" "-" "-"
result "restart latency median, 0 idle (us)" "$amed" "baseline" "-"
r=$(ratio "$cmed" "$amed")
result "restart latency median, $W idle (us)" "$cmed (${r}x)" "<= 1.2x 0 idle" \
    "$(verdict within "$r" 1.2)"
r=$(ratio "$bnmed" "$b0med")
result "waitpid(-1) loop restart, 0 / $W idle (us)" "$b0med / $bnmed" \
    "(${r}x)" "-"
r=$(ratio "$pnmed" "$p0med")
result "waitpid(pid) loop restart, 0 / $W idle (us)" "$p0med / $pnmed" \
    "(${r}x)" "-"
r=$(ratio "$fnmed" "$f0med")
result "pidfd loop restart, 0 / $W idle (us)" "$f0med / $fnmed" \
    "(${r}x)" "-"
