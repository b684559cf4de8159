#!/usr/bin/env bash
# Reaping, with pidfds and with the SIGCHLD fallback (SUPERVISE_NO_PIDFD):
# each exit names its own worker among several exiting at once, restarts
# go on, a worker's group is killed at its exit, `supervisectl signal`
# reaches the worker's process, a shutdown leaves nothing behind.  And a
# hard fd limit too low for the workers is reported at start.
. "$SCENARIO_LIB"
scenario_guard

# run_mode NAME HOW [ENV=VALUE]: one supervise, reaping HOW.
run_mode() {
	local m=$1 how=$2 i gc gcw
	shift 2
	write_config "$T/$m.ini" <<EOF
[worker:fast]
command = crashy --after 50ms --fault exit:3
instances = 5
restart = always
restart_delay = 0
min_uptime = 0

[worker:gc]
command = sh -c 'sleep 1000 & echo \$! > $T/gc.$m; exec crashy --fault none'
min_uptime = 0
EOF
	rm -f "$T/gc.$m"
	if [ $# -gt 0 ]; then export "$@"; fi
	sv_start "$T/$m.ini" -v
	if [ $# -gt 0 ]; then unset "${1%%=*}"; fi
	check "$m: workers are reaped $how" wait_log 5 \
	    " supervise: workers are reaped $how\$"
	for i in 0 1 2 3 4; do
		check "$m: fast:$i restarted" wait_for 20 spawned_times "fast:$i" 4
	done
	check "$m: every exit is its own worker's" test \
	    "$(log_count ' fast:[0-4]: exited with status 3 after ')" -ge 15
	check "$m: gc's child started" wait_for 5 test -s "$T/gc.$m"
	gc=$(cat "$T/gc.$m" 2>/dev/null)
	gcw=$(pid_of gc)
	check "$m: gc's child runs" ours "${gc:-0}"
	check "$m: signal reaches gc" ctl signal KILL gc
	check "$m: gc killed by KILL" wait_log 5 ' gc: killed by signal KILL after '
	check "$m: gc's child died with gc's group" wait_for 3 all_dead "${gc:-0}" \
	    "${gcw:-0}"
	check "$m: gc restarted" wait_for 5 spawned_times gc 2
	sv_signal TERM
	check "$m: supervise exits" sv_wait_exit 10
	check "$m: exit status 0" test "${SV_STATUS:-x}" = 0
	check "$m: nothing left" wait_for 3 no_leftovers
}

run_mode pidfd "through pidfds"
run_mode fallback "on SIGCHLD" SUPERVISE_NO_PIDFD=1

# A hard fd limit below what 100 workers may need: said at start, and
# the workers still start as far as the limit allows (here all of them).
cat > "$T/lowfd.sh" <<EOF
#!/bin/sh
ulimit -n 120 || exit 1
exec "$SUPERVISE" "\$@"
EOF
chmod +x "$T/lowfd.sh"
write_config "$T/low.ini" <<EOF
[worker:s]
command = crashy --fault none
instances = 40
min_uptime = 0
stdout = null
stderr = null
EOF
real=$SUPERVISE
SUPERVISE=$T/lowfd.sh
sv_start "$T/low.ini"
SUPERVISE=$real
check "low limit: said at start" wait_log 5 \
    ' supervise: open file limit 120 is below the 420 this configuration may need'
check "low limit: the workers run" wait_log_count 20 40 ' s:[0-9]+: running$'
sv_signal TERM
check "low limit: supervise exits" sv_wait_exit 10
check "low limit: nothing left" wait_for 3 no_leftovers

finish
