#!/usr/bin/env bash
# Startup: the time from launching supervise until 1,000 workers have all
# been spawned and have all reached RUNNING (min_uptime = 0: at exec), from
# the event log's timestamps (ISO 8601 UTC, ms) against the launch time
# ($EPOCHREALTIME, taken just before the fork of supervise); with output to
# null and captured (prefix).  The baseline: bare_loop -p, which forks and
# execs as many `sleep 1000` at once with nothing else and waits until every
# exec has succeeded (a close-on-exec pipe each).
#	WORKERS=N (default 1000), ROUNDS=N (default 3; the median is reported)
. "$(dirname "$0")/lib.sh"

WORKERS=${WORKERS:-1000}
ROUNDS=${ROUNDS:-3}
SLEEP=$(command -v sleep) || die "no sleep(1)"

# last_ms REGEX: ms timestamp of the last event log line matching.
last_ms() { grep -E -- "$1" "$T/err" | tail -n 1 | ms_of_iso; }
first_ms() { grep -E -- "$1" "$T/err" | head -n 1 | ms_of_iso; }

# One round: the baseline, then supervise with null, then with prefix;
# rounds interleave so that load from elsewhere weighs on all alike.
# run_supervise MODE ROUND
run_supervise() {
	local mode=$1 r=$2 t0 t0ms first spawned running
	cat > "$T/start.ini" <<INI
[worker:s]
command = $SLEEP 1000
instances = $WORKERS
min_uptime = 0
stdout = $mode
stderr = $mode
INI
	t0=$EPOCHREALTIME
	sv_start "$T/start.ini"
	await_lines 120 "$WORKERS" "$T/err" ': running$' ||
	    die "$mode: only $(log_count ': running$') of $WORKERS running in 120s"
	t0ms=$(awk -v t="$t0" 'BEGIN { printf "%.3f", t * 1000 }')
	first=$(awk -v a="$(first_ms ': spawned pid')" -v t="$t0ms" \
	    'BEGIN { printf "%.0f", a - t }')
	spawned=$(awk -v a="$(last_ms ': spawned pid')" -v t="$t0ms" \
	    'BEGIN { printf "%.0f", a - t }')
	running=$(awk -v a="$(last_ms ': running$')" -v t="$t0ms" \
	    'BEGIN { printf "%.0f", a - t }')
	echo "  round $r, supervise, $mode: $first $spawned $running"
	echo "$spawned" >> "$T/spawned.$mode"
	echo "$running" >> "$T/running.$mode"
	sv_stop
}

echo "startup of $WORKERS workers (ms after launch): first-spawned" \
    "all-spawned all-running; bare: all exec'd"
for f in bare spawned.null running.null spawned.prefix running.prefix; do
	: > "$T/$f"
done
for r in $(seq "$ROUNDS"); do
	ms=$("$BARE_LOOP" -p "$WORKERS" "$SLEEP" 1000) || die "bare_loop -p failed"
	echo "  round $r, bare loop: $ms"
	echo "$ms" >> "$T/bare"
	run_supervise null "$r"
	run_supervise prefix "$r"
done

read -r _ bare _ < <(stats < "$T/bare")
result "$WORKERS workers all exec'd, bare loop (ms)" "$bare" "baseline" "-"
for mode in null prefix; do
	read -r _ sp _ < <(stats < "$T/spawned.$mode")
	read -r _ ru _ < <(stats < "$T/running.$mode")
	ratio=$(awk -v a="$ru" -v b="$bare" 'BEGIN { printf "%.2f", a / b }')
	result "$WORKERS workers all spawned, $mode (ms)" "$sp" "-" "-"
	result "$WORKERS workers all running, $mode (ms)" "$ru (${ratio}x)" \
	    "< 500" "$(verdict awk -v v="$ru" 'BEGIN { exit !(v < 500) }')"
done
