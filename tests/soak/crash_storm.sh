#!/usr/bin/env bash
# crash_storm.sh [MINUTES]: the soak.  20 workers each crash 10 times a
# second (SEGV 100ms after start, having printed 20 numbered lines), a
# client asks for the status without a pause, and the config is reloaded
# every 10 seconds (a worker added, then removed again).  supervise's RSS
# and open fds are sampled every second.  Passes when, after the warm-up
# (the first third), RSS and fds stay flat, no line of any worker's output
# is lost (every run of numbered lines is whole and in order), no zombie
# is left once the workers are stopped, and no worker outlives the
# shutdown.  MINUTES defaults to 0.5; it may be a fraction.
#
# Memory that is meant to grow to a bound, each worker's log_buffer of
# last lines (64K by default), is kept small (2K, a few runs' lines), so
# that it is full within the warm-up even on a loaded machine where the
# crashes come slower: what grows after that is a leak.
#
# The binaries come from $SUPERVISE, $SUPERVISECTL and $CRASHY, else from
# the build directory $BUILD (default: build).
set -u
here=$(cd "$(dirname "$0")" && pwd)
build=${BUILD:-$here/../../build}
export SUPERVISE=${SUPERVISE:-$build/supervise}
export SUPERVISECTL=${SUPERVISECTL:-$build/supervisectl}
export CRASHY=${CRASHY:-$build/workers/crashy}
. "$here/../scenarios/lib.sh" || exit 1
scenario_guard

minutes=${1:-0.5}
secs=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); print s < 15 ? 15 : s }')
WORKERS=20
LINES=20

config() {
	{
		for i in $(seq 1 $WORKERS); do
			cat <<EOF
[worker:w$i]
command = crashy --fault segv --after 100ms --output $LINES
min_uptime = 0
restart_delay = 0
log_buffer = 2K

EOF
		done
		if [ "$1" = extra ]; then
			cat <<EOF
[worker:extra]
command = crashy --fault none
min_uptime = 0
EOF
		fi
	} > "$T/w.ini"
}

config base
sv_start "$T/w.ini"
check "storm running" wait_log_count 20 "$WORKERS" 'w[0-9]+: running$'

# The client: status, again and again, each must answer.
(
	ok=0 bad=0
	while [ ! -e "$T/stop" ]; do
		if SUPERVISECTL_TIMEOUT=60 "$SUPERVISECTL" -s "$SOCK" status \
		    > /dev/null 2>&1; then
			ok=$((ok + 1))
		else
			bad=$((bad + 1))
		fi
	done
	echo "$ok $bad" > "$T/client"
) &
client=$!
track "$client"

# The sampler: one line a second, "RSS_KIB FDS"; builtins only, so that
# a loaded machine does not thin out the samples.
(
	while [ ! -e "$T/stop" ]; do
		rss=
		while read -r k v _; do
			[ "$k" = VmRSS: ] && rss=$v
		done < "/proc/$SV_PID/status"
		fds=("/proc/$SV_PID/fd/"*)
		[ -n "$rss" ] && echo "$rss ${#fds[@]}" >> "$T/samples"
		sleep 1
	done
) &
sampler=$!
track "$sampler"

# The reloads, every 10s, until the time is up.
start=$SECONDS
reloads=0
while [ $((SECONDS - start)) -lt "$secs" ]; do
	left=$((secs - (SECONDS - start)))
	sleep $((left < 10 ? left : 10))
	[ $((SECONDS - start)) -ge "$secs" ] && break
	if [ $((reloads % 2)) -eq 0 ]; then config extra; else config base; fi
	sv_signal HUP
	reloads=$((reloads + 1))
done
touch "$T/stop"
wait "$client" "$sampler"
elapsed=$((SECONDS - start))

# Stop every worker: then nothing of supervise's may be a zombie.
check "every worker stopped" eval 'SUPERVISECTL_TIMEOUT=60 ctl stop all > /dev/null'
zombies=$(awk -v p="$SV_PID" '$4 == p && $3 == "Z"' /proc/[0-9]*/stat 2> /dev/null | wc -l)
check "no zombie children" test "$zombies" = 0
ctl shutdown > /dev/null 2>&1
check "shutdown" sv_wait_exit 30
check "exit 0" test "${SV_STATUS:-x}" = 0
check "no worker left" no_leftovers

read -r ok bad < "$T/client"
check "every status answered" test "$bad" = 0
check "reloads applied" test "$(log_count 'reloaded: ')" = "$reloads"

# Output: per worker, numbered lines come in whole runs 1..LINES; only
# the last run may be cut (stopped before it printed all).
awk -v n=$LINES '
	/^w[0-9]+ \| crashy: line [0-9]+$/ {
		name = $1; i = $5 + 0; prev = last[name] + 0
		if (i == 1 && prev != 0 && prev != n)
			bad++		# a run cut short
		else if (i != 1 && i != prev + 1)
			bad++		# a line missing
		if (i == n) runs++
		last[name] = i; lines++
	}
	END { printf "%d %d %d\n", lines, runs, bad + 0 }' "$T/out" > "$T/lines"
read -r lines runs gaps < "$T/lines"
spawns=$(log_count ': spawned pid ')
crashes=$(log_count 'killed by signal SEGV')
check "output: no line lost" test "$gaps" = 0
# Every crashed process had printed its lines before its fault.
check "output: a whole run per crash" test "$runs" -ge "$crashes"
check "storm: many crashes" test "$crashes" -ge $((WORKERS * secs))

# Flat after warm-up: the last third against the middle third.
n=$(wc -l < "$T/samples")
third=$((n / 3))
read -r rss_mid fds_mid < <(sed -n "$((third + 1)),$((2 * third))p" \
    "$T/samples" | sort -n -k1 | tail -n 1)
rss_max_mid=$rss_mid
fds_max_mid=$(sed -n "$((third + 1)),$((2 * third))p" "$T/samples" |
    awk '$2 > m { m = $2 } END { print m + 0 }')
rss_max_end=$(sed -n "$((2 * third + 1)),\$p" "$T/samples" |
    awk '$1 > m { m = $1 } END { print m + 0 }')
fds_max_end=$(sed -n "$((2 * third + 1)),\$p" "$T/samples" |
    awk '$2 > m { m = $2 } END { print m + 0 }')
rss_first=$(head -n 1 "$T/samples" | cut -d' ' -f1)
rss_slack=$((rss_max_mid / 20 > 512 ? rss_max_mid / 20 : 512))
check "samples taken ($n)" test "$n" -ge $((secs / 3))
check "RSS flat: ${rss_max_end} KiB <= ${rss_max_mid} KiB + ${rss_slack}" \
    test "$rss_max_end" -le $((rss_max_mid + rss_slack))
check "fds flat: ${fds_max_end} <= ${fds_max_mid} + 4" \
    test "$fds_max_end" -le $((fds_max_mid + 4))

echo "soak: ${elapsed}s, $WORKERS workers, $spawns spawns, $crashes crashes" \
    "($((crashes / (elapsed > 0 ? elapsed : 1)))/s), $reloads reloads," \
    "$ok status answered, $bad failed"
echo "soak: $lines lines checked, $runs whole runs, $gaps lost or cut"
echo "soak: RSS ${rss_first} KiB at start, max ${rss_max_mid} KiB in the" \
    "middle third, ${rss_max_end} KiB in the last; fds max $fds_max_mid" \
    "then $fds_max_end; $zombies zombies"
finish
