#!/usr/bin/env bash
# The event log: the exact text wording and timestamps, and log_format =
# json (one object per line with the documented fields).
. "$SCENARIO_LIB"
scenario_guard

TS='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z'

# ms_of LINE: milliseconds of the day of an event log line's timestamp.
ms_of() {
	local t=${1#*T}
	t=${t%%Z*}
	local h=${t:0:2} m=${t:3:2} s=${t:6:2} ms=${t:9:3}
	echo $(((10#$h * 3600 + 10#$m * 60 + 10#$s) * 1000 + 10#$ms))
}
# seconds_after PATTERN: the "after N.NNNs" of the first matching line, in ms.
ms_after() {
	local v
	v=$(grep -E -- "$1" "$T/err" | head -n 1 | sed -n 's/.* after \([0-9]*\)\.\([0-9]\{3\}\)s$/\1\2/p')
	echo $((10#${v:-0}))
}
between() { [ "$3" -ge "$1" ] && [ "$3" -le "$2" ]; }

conf() {
	cat <<EOF
[supervisor]
log_format = $1

[worker:ex]
command = crashy --after 300ms --fault exit:3
restart = never
min_uptime = 100ms

[worker:sg]
command = crashy --after 300ms --fault segv
min_uptime = 100ms
restart_delay = 100ms
restart_limit = 1
restart_window = 1m

[worker:st]
command = crashy --fault none
min_uptime = 100ms
EOF
}

# --- text
conf text > "$T/text.ini"
hour0=$(date -u +%Y-%m-%dT%H)
sv_run "$T/text.ini"
check "text: sg fatal" wait_log 10 ' sg: fatal: '
check "text: ex exited" wait_log 5 ' ex: exited '
check "text: st running" wait_log 5 ' st: running$'
ST=$(pid_of st)
check "text: spawned pid P is the worker's own pid" \
    eval 'tr "\0" " " < "/proc/${ST:-0}/cmdline" | grep -q "crashy --fault none"'
sv_signal TERM
check "text: supervise exits" sv_wait_exit 10
hour1=$(date -u +%Y-%m-%dT%H)
check "text: exit status 0" test "${SV_STATUS:-x}" = 0

check "text: every line is 'TIMESTAMP supervise: ...'" \
    eval '! grep -Evq "^$TS supervise: " "$T/err"'
first=$(head -n 1 "$T/err")
check "text: timestamps are UTC (${first%% *})" \
    eval '[ "${first:0:13}" = "$hour0" ] || [ "${first:0:13}" = "$hour1" ]'
check "text: spawned pid P" log_has "^$TS supervise: st: spawned pid [0-9]+\$"
check "text: running" log_has "^$TS supervise: st: running\$"
sp=$(ms_of "$(grep -E ' ex: spawned ' "$T/err" | head -n 1)")
rn=$(ms_of "$(grep -E ' ex: running$' "$T/err" | head -n 1)")
check "text: running about min_uptime = 100ms after spawned ($((rn - sp))ms)" \
    between 90 1000 $(((rn - sp + 86400000) % 86400000))
check "text: exited with status 3 after X.XXXs" \
    log_has "^$TS supervise: ex: exited with status 3 after [0-9]+\\.[0-9]{3}s\$"
up=$(ms_after ' ex: exited with status 3 after ')
check "text: the uptime is about 300ms (${up}ms)" between 280 2000 "$up"
check "text: killed by signal SEGV after X.XXXs" \
    log_has "^$TS supervise: sg: killed by signal SEGV after [0-9]+\\.[0-9]{3}s\$"
check "text: restarting in 100ms (restart 1)" \
    log_has "^$TS supervise: sg: restarting in 100ms \\(restart 1\\)\$"
check "text: fatal: 1 restarts within 60s" \
    log_has "^$TS supervise: sg: fatal: 1 restarts within (60s|1m)\$"
check "text: shutting down (no worker name)" log_has "^$TS supervise: shutting down\$"
check "text: stopping (TERM)" log_has "^$TS supervise: st: stopping \\(TERM\\)\$"
check "text: exit on TERM logged" \
    log_has "^$TS supervise: st: exited with status 0 after [0-9]+\\.[0-9]{3}s\$"
check "text: stopped" log_has "^$TS supervise: st: stopped\$"
check "text: shutdown complete, last" \
    eval 'tail -n 1 "$T/err" | grep -Eq "^$TS supervise: shutdown complete\$"'
check "text: ex and sg are not stopped again at shutdown" \
    test "$(log_count ' (ex|sg): stopping')" -eq 0
check "text: st's pid is gone after the shutdown" all_dead "$ST"
check "text: no worker left" wait_for 3 no_leftovers

# --- json
if ! command -v python3 >/dev/null 2>&1; then
	skip "log_format = json: no python3 to read it"
	finish
fi
conf json > "$T/json.ini"
sv_use_socket sock-json
sv_run "$T/json.ini"
check "json: sg fatal" wait_for 10 grep -q '"event":"fatal"' "$T/err"
check "json: st running" wait_for 5 grep -Eq '"event":"running".*"worker":"st"|"worker":"st".*"event":"running"' "$T/err"
sv_signal TERM
check "json: supervise exits" sv_wait_exit 10
check "json: exit status 0" test "${SV_STATUS:-x}" = 0

cat > "$T/check.py" <<'EOF'
import json, re, sys

ts_re = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$')
events = {"spawned", "running", "exited", "restarting", "fatal", "stopping",
          "stopped", "watchdog", "reload", "shutdown"}
bad = []
seen = []
for n, line in enumerate(open(sys.argv[1]), 1):
    try:
        o = json.loads(line)
    except ValueError as e:
        bad.append("line %d is not JSON: %s: %r" % (n, e, line))
        continue
    if not isinstance(o, dict):
        bad.append("line %d is not an object" % n)
        continue
    ev = o.get("event")
    seen.append((ev, o.get("worker")))
    if not isinstance(o.get("ts"), str) or not ts_re.match(o["ts"]):
        bad.append("line %d: ts %r" % (n, o.get("ts")))
    if ev not in events:
        bad.append("line %d: event %r" % (n, ev))
    if ev in ("shutdown", "reload"):
        if o.get("worker") is not None:
            bad.append("line %d: %s with a worker" % (n, ev))
        continue
    if not isinstance(o.get("worker"), str):
        bad.append("line %d: worker %r" % (n, o.get("worker")))
    if ev in ("spawned", "running", "exited", "stopping"):
        if not isinstance(o.get("pid"), int) or o["pid"] <= 1:
            bad.append("line %d: pid %r" % (n, o.get("pid")))
    if ev == "exited":
        code, sig = o.get("code"), o.get("signal")
        if (code is None) == (sig is None):
            bad.append("line %d: exited needs code or signal: %r" % (n, o))
        if code is not None and not isinstance(code, int):
            bad.append("line %d: code %r" % (n, code))
        if sig is not None and (not isinstance(sig, str) or sig.startswith("SIG")):
            bad.append("line %d: signal %r" % (n, sig))
        if not isinstance(o.get("uptime_ms"), int) or o["uptime_ms"] < 0:
            bad.append("line %d: uptime_ms %r" % (n, o.get("uptime_ms")))
    if ev == "restarting":
        if o.get("delay_ms") != 100 or o.get("restarts") != 1:
            bad.append("line %d: restarting %r" % (n, o))
    if ev == "fatal" and not isinstance(o.get("reason"), str):
        bad.append("line %d: fatal without reason" % n)
    if ev == "stopping" and o.get("signal") != "TERM":
        bad.append("line %d: stopping signal %r" % (n, o.get("signal")))

def want(ev, worker, **kv):
    for n, line in enumerate(open(sys.argv[1]), 1):
        try:
            o = json.loads(line)
        except ValueError:
            continue
        if o.get("event") == ev and o.get("worker") == worker and \
                all(o.get(k) == v for k, v in kv.items()):
            return
    bad.append("no %s of %s with %r" % (ev, worker, kv))

want("exited", "ex", code=3)
want("exited", "sg", signal="SEGV")
want("exited", "st", code=0)
want("restarting", "sg", delay_ms=100, restarts=1)
want("fatal", "sg")
want("spawned", "st")
want("running", "st")
want("stopping", "st", signal="TERM")
want("stopped", "st")
if sum(1 for e, w in seen if e == "shutdown") != 2:
    bad.append("want two shutdown events (begin, complete)")
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
EOF
check "json: every line valid, with the documented fields" python3 "$T/check.py" "$T/err"
check "json: no worker left" wait_for 3 no_leftovers
finish
