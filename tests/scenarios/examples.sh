#!/usr/bin/env bash
# The example plugins and examples/blast-radius: ticker ticks and
# heartbeats; two jobqueue consumers share one spool, each job done exactly
# once, a claimed job resumed after a crash; and the blast-radius config,
# whose bomb faults on `supervisectl signal USR1`, costs one worker as
# processes and, as threads, supervise and every worker, named in the log.
. "$SCENARIO_LIB"

: "${CRASHY_PLUGIN:?}" "${TICKER_PLUGIN:?}" "${JOBQUEUE_PLUGIN:?}"
: "${EXAMPLES_DIR:?}"
ulimit -c 0	# faults are meant: no core dumps to wait for
scenario_guard

state_of() { ctl status "$1" | awk -v n="$1" '$1 == n { print $2 }'; }
is_state() { [ "$(state_of "$1")" = "$2" ]; }
ticks() { grep -c '^ticker | tick [0-9]*$' "$T/out"; }
more_ticks() { [ "$(ticks)" -gt "$1" ]; }
count() { find "$1" -type f | wc -l; }
# job NAME TEXT: a job (TEXT and a newline), written into tmp and renamed
# into new, as a
# producer must.
job() {
	printf '%s\n' "$2" > "$T/spool/tmp/$1"
	mv "$T/spool/tmp/$1" "$T/spool/new/$1"
}

# The shipped config, with the plugins of this build; run in $T, where its
# spool directory is.
sed -e "s|^plugin = .*/ticker\.so\$|plugin = $TICKER_PLUGIN|" \
    -e "s|^plugin = .*/jobqueue\.so\$|plugin = $JOBQUEUE_PLUGIN|" \
    -e "s|^plugin = .*/crashy\.so\$|plugin = $CRASHY_PLUGIN|" \
    "$EXAMPLES_DIR/blast-radius/blast-radius.ini" > "$T/br.ini"
check "the config names the three plugins of this build" \
    test "$(grep -c "^plugin = /" "$T/br.ini")" = 3
cd "$T" || exit 1

# A job jobs:0 had claimed when it died.
mkdir -p spool/tmp spool/new spool/cur spool/done
printf 'left\nover\n' > spool/cur/old.jobs:0

# ---- process mode
sv_run "$T/br.ini"
for w in ticker jobs:0 jobs:1 bomb; do
	check "process: $w running" wait_for 10 is_state "$w" RUNNING
done
check "ticker: ticks" wait_out 10 '^ticker \| tick 2$'
check "jobs: the claimed job is resumed" \
    wait_out 10 '^jobs:0 \| job old: 2 lines, 10 bytes$'
check "jobs: and done" wait_for 10 test -f spool/done/old
for i in $(seq 1 20); do job "j$i" "$(printf 'line %s\n' $(seq "$i"))"; done
check "jobs: 20 jobs done" wait_for 20 eval '[ "$(count spool/done)" = 21 ]'
check "jobs: none left in new or cur" \
    test "$(count spool/new)$(count spool/cur)" = 00
dup=0
for i in $(seq 1 20); do
	[ "$(grep -Ec "^jobs:[01] \| job j$i: " "$T/out")" = 1 ] || dup=$((dup + 1))
done
check "jobs: each job done exactly once" test "$dup" = 0
check "jobs: the work is right" out_has "^jobs:[01] \| job j3: 3 lines, 21 bytes$"

tp=$(pid_of ticker)
n=$(ticks)
check "process: signal USR1 bomb" ctl signal USR1 bomb
check "process: bomb dies alone" wait_log 10 "bomb: killed by signal SEGV"
check "process: and is restarted" wait_for 10 spawned_times bomb 2
check "process: ticker keeps its pid" test "$(pid_of ticker)" = "$tp"
check "process: and keeps ticking" wait_for 10 more_ticks "$((n + 1))"
job after 'x'
check "process: jobs keep working" wait_for 10 test -f spool/done/after
check "process: supervise runs on" alive "$SV_PID"
check "process: no thread_fault line" eval '! log_has "in a worker thread"'
sv_signal TERM
check "process: exits on TERM" sv_wait_exit 10
check "process: exit 0" test "${SV_STATUS:-x}" = 0
check "ticker: says how many ticks" out_has '^ticker \| ticker: stopped after [0-9]+ ticks$'

# ---- thread mode: the same fault ends everything, named
sv_run "$T/br.ini" -m thread
for w in ticker jobs:0 jobs:1 bomb; do
	check "thread: $w running" wait_for 10 is_state "$w" RUNNING
done
job t1 'y'
check "thread: jobs work" wait_for 10 test -f spool/done/t1
# The fault may end supervise before its answer is out: no exit status.
ctl signal USR1 bomb > /dev/null 2>&1
check "thread: supervise ends" sv_wait_exit 10
check "thread: by SEGV (139)" test "${SV_STATUS:-x}" = 139
check "thread: the blast radius, named" log_has \
    "supervise: bomb: SEGV in a worker thread: supervise and 3 other workers \(ticker, jobs:0, jobs:1\) end with it$"

# ---- bad arguments are usage errors
write_config "$T/bad.ini" <<INI
[worker:t]
plugin = $TICKER_PLUGIN
args = soon
restart = never
[worker:q]
plugin = $JOBQUEUE_PLUGIN
restart = never
INI
sv_run "$T/bad.ini" -m thread
check "ticker: a bad INTERVAL exits 64" wait_log 10 "t: exited with status 64"
check "ticker: and says why" wait_out 10 "^t \| ticker: INTERVAL is milliseconds"
check "jobqueue: no SPOOL exits 64" wait_log 10 "q: exited with status 64"
sv_signal TERM
check "bad: exits" sv_wait_exit 10
finish
