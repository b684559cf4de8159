#!/usr/bin/env bash
# supervisectl status (table, colour, --json), NAME narrowing, check, and
# the exit statuses that need no worker to change: 0, 1, 3, 64, 69.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

# row NAME [ARGS...]: the status row of NAME, fields split by spaces.
row() { local n=$1; shift; ctl status "$@" | awk -v n="$n" '$1 == n'; }
field() { row "$1" | awk -v f="$2" '{ print $f }'; }
state_is() { [ "$(field "$1" 2)" = "$2" ]; }
rc_of() { "$@" > "$T/o" 2> "$T/e"; echo $?; }

write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
instances = 2
min_uptime = 0

[worker:done]
command = sh -c 'exit 3'
restart = never
min_uptime = 0

[worker:bad]
command = crashy --fault segv --after 0
restart_limit = 1

[worker:idle]
command = crashy --fault none
autostart = no

[worker:spin]
command = crashy --fault spin
autostart = no
min_uptime = 0
EOF
sv_start "$T/w.ini"
check "web:0 and web:1 running" wait_log_count 5 2 ' web:[01]: running$'
check "done exited" wait_log 5 ' done: exited with status 3 '
check "bad fatal" wait_log 10 ' bad: fatal: '
check "answers" wait_for 5 state_is bad FATAL
pids_before="$(pid_of web:0) $(pid_of web:1)"

# --- The table.
ctl status > "$T/table"
check "status exits 0" test $? -eq 0
check "header" eval 'head -n 1 "$T/table" |
    grep -Eq "^NAME +STATE +PID +UPTIME +RESTARTS +CPU +RSS +LAST-EXIT\$"'
check "one row per instance, in start order" eval \
    '[ "$(awk "NR > 1 { printf \"%s \", \$1 }" "$T/table")" = \
    "web:0 web:1 done bad idle spin " ]'
check "web:0 row" eval 'row web:0 | grep -Eq \
    "^web:0 +RUNNING +$(pid_of web:0) +[0-9dhms]+ +0 +[0-9]+\.[0-9]{2}s +[0-9.]+[BKMG] +-\$"'
check "done row: dashes, exit 3" eval \
    'row done | grep -Eq "^done +EXITED +- +- +0 +- +- +exit 3\$"'
check "bad row: restarts 1, SEGV" eval \
    'row bad | grep -Eq "^bad +FATAL +- +- +1 +- +- +SEGV\$"'
check "idle row: never ran" eval \
    'row idle | grep -Eq "^idle +STOPPED +- +- +0 +- +- +-\$"'
# Every column starts at the same offset on every line.
aligned() {
	awk '{
		line = $0; pos = 0; sig = ""
		for (i = 1; i <= 7; i++) {
			n = index(line, $i); pos += n - 1
			sig = sig " " pos; line = substr(line, n + length($i))
			pos += length($i)
		}
		print sig
	}' "$T/table" | sort -u | wc -l | grep -qx 1
}
check "columns aligned" aligned
check "no colour into a pipe" eval '! grep -q $'"'"'\033'"'"' "$T/table"'
if command -v script > /dev/null; then
	script -qec "$SUPERVISECTL -s $SOCK status" /dev/null > "$T/tty" 2>&1
	check "colour on a terminal: RUNNING green" \
	    grep -q $'\033\\[32mRUNNING\033\\[0m' "$T/tty"
	check "colour on a terminal: FATAL red" \
	    grep -q $'\033\\[31mFATAL\033\\[0m' "$T/tty"
	NO_COLOR=1 script -qec "$SUPERVISECTL -s $SOCK status" /dev/null \
	    > "$T/tty" 2>&1
	check "no colour with NO_COLOR" eval '! grep -q $'"'"'\033'"'"' "$T/tty"'
	check "NO_COLOR table still there" grep -q 'RUNNING' "$T/tty"
else
	skip "script(1) not installed: no terminal for the colour checks"
fi

# --- CPU and RSS: those of the worker's process, as the kernel counts them.
json_field() {
	ctl --json status "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)["workers"][0][sys.argv[1]]
print("null" if v is None else v)' "$2"
}
if command -v python3 > /dev/null; then
	check "spin: start" eval 'ctl start spin > /dev/null'
	spin_pid=$(pid_of spin)
	# utime + stime of /proc/PID/stat, in ms, against the status.
	proc_cpu_ms() {
		awk -v hz="$(getconf CLK_TCK)" '{
			sub(/.*\) /, ""); print int(($12 + $13) * 1000 / hz)
		}' "/proc/$spin_pid/stat"
	}
	cpu_grows() { [ "$(json_field spin cpu_ms)" -ge 200 ]; }
	check "spin: cpu_ms grows past 200" wait_for 20 cpu_grows
	# The figure is a reading usage_age_ms old: spin, one thread, used
	# at most that much CPU time since (and a tick more).
	before=$(proc_cpu_ms)
	ctl --json status spin > "$T/spin.json"
	after=$(proc_cpu_ms)
	read -r got age < <(python3 -c '
import json, sys
w = json.load(open(sys.argv[1]))["workers"][0]
print(w["cpu_ms"], w["usage_age_ms"])' "$T/spin.json")
	check "spin: cpu_ms is the kernel's utime + stime, $age ms ago ($before - $age <= $got <= $after)" \
	    eval '[ $((before - age - 20)) -le "$got" ] && [ "$got" -le "$after" ]'
	check "spin: the reading is no older than the age rule" \
	    test "$age" -le 60000
	rss_known() { [ "$(json_field spin rss_bytes)" -gt 0 ]; }
	check "spin: rss_bytes > 0" wait_for 10 rss_known
	check "spin: rss at most VmHWM" eval '[ "$(json_field spin rss_bytes)" \
	    -le $(( $(proc_field "$spin_pid" VmHWM | awk "{print \$1}") * 1024 )) ]'
	check "spin: table shows CPU in seconds" eval 'row spin |
	    grep -Eq "^spin +RUNNING +$spin_pid +[0-9dhms]+ +0 +([0-9]+\.[0-9]{2}s|[0-9]+m[0-9]+s) +[0-9.]+[KMG] +-\$"'
	check "spin: stop" eval 'ctl stop spin > /dev/null'
	check "spin: stopped: null again" test "$(json_field spin cpu_ms)" = null
	check "spin: stopped: rss null" test "$(json_field spin rss_bytes)" = null
	check "spin: stopped: age null" \
	    test "$(json_field spin usage_age_ms)" = null
else
	skip "python3 not installed: CPU and RSS not checked"
fi

# --- NAME narrowing.
names() { ctl status "$@" | awk 'NR > 1 { printf "%s ", $1 }'; }
check "status web: both instances" test "$(names web)" = "web:0 web:1 "
check "status web:1: one instance" test "$(names web:1)" = "web:1 "
check "status idle web:0: start order" test "$(names idle web:0)" = \
    "web:0 idle "
check "status web web:0: each once" test "$(names web web:0)" = \
    "web:0 web:1 "
check "status all" test "$(names all)" = "web:0 web:1 done bad idle spin "
check "status nope: exit 1" test "$(rc_of ctl status nope)" = 1
check "status nope: says which" grep -q 'no such worker: nope' "$T/e"
check "status nope: prints no table" test ! -s "$T/o"
check "status web nope: exit 1" test "$(rc_of ctl status web nope)" = 1
check "status web:7: exit 1" test "$(rc_of ctl status web:7)" = 1

# --- JSON.
if command -v python3 > /dev/null; then
	ctl --json status > "$T/json"
	check "--json exits 0" test $? -eq 0
	check "--json is the contract's object" python3 - "$T/json" \
	    "$SV_PID" "$(pid_of web:0)" <<'EOF'
import json, sys
raw = open(sys.argv[1]).read()
assert raw.endswith("}\n") and raw.count("\n") == 1, raw
d = json.loads(raw)
assert list(d) == ["mode", "pid", "workers"], list(d)
assert d["mode"] == "process" and d["pid"] == int(sys.argv[2]), d
keys = ["name", "state", "pid", "uptime_ms", "restarts", "cpu_ms",
    "rss_bytes", "usage_age_ms", "last_exit", "status_text"]
w = {x["name"]: x for x in d["workers"]}
assert [x["name"] for x in d["workers"]] == \
    ["web:0", "web:1", "done", "bad", "idle", "spin"]
for x in d["workers"]:
    assert list(x) == keys, x
web = w["web:0"]
assert web["state"] == "RUNNING" and web["pid"] == int(sys.argv[3]), web
assert isinstance(web["uptime_ms"], int) and web["uptime_ms"] > 0, web
assert isinstance(web["cpu_ms"], int) and web["cpu_ms"] >= 0, web
assert isinstance(web["rss_bytes"], int) and web["rss_bytes"] >= 0, web
assert isinstance(web["usage_age_ms"], int) and web["usage_age_ms"] >= 0, web
assert web["last_exit"] is None and web["status_text"] is None, web
assert w["done"] == {"name": "done", "state": "EXITED", "pid": None,
    "uptime_ms": 0, "restarts": 0, "cpu_ms": None, "rss_bytes": None,
    "usage_age_ms": None, "last_exit": {"code": 3}, "status_text": None}, \
    w["done"]
assert w["bad"]["last_exit"] == {"signal": "SEGV"}, w["bad"]
assert w["bad"]["state"] == "FATAL" and w["bad"]["restarts"] == 1
assert w["idle"]["last_exit"] is None and w["idle"]["pid"] is None
assert w["idle"]["cpu_ms"] is None and w["idle"]["rss_bytes"] is None
EOF
	ctl --json status web:1 > "$T/json"
	check "--json status web:1: one worker" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert [x["name"] for x in d["workers"]] == ["web:1"], d' "$T/json"
else
	skip "python3 not installed: JSON not parsed"
	check "--json has the keys" eval 'ctl --json status |
	    grep -q "^{\"mode\":\"process\",\"pid\":$SV_PID,\"workers\":\[{\"name\":\"web:0\""'
fi

# --- check.
check "check: bad is FATAL: exit 3" test "$(rc_of ctl check)" = 3
check "check: names bad" grep -q 'bad: FATAL' "$T/e"
check "check: only the failing one" eval '! grep -q "web" "$T/e"'
check "check web: exit 0" test "$(rc_of ctl check web)" = 0
check "check web: silent" eval '[ ! -s "$T/o" ] && [ ! -s "$T/e" ]'
check "check done idle: nothing should run: exit 0" \
    test "$(rc_of ctl check done idle)" = 0
check "check bad web:1: exit 3" test "$(rc_of ctl check bad web:1)" = 3
check "check nope: exit 1" test "$(rc_of ctl check nope)" = 1

# --- Usage: 64, and the usage text.
for args in "" "frob" "start" "stop" "restart" "signal" "signal USR1" \
    "reload now" "shutdown all" "--json check" "--json start web" \
    "-x status" "-s"; do
	# shellcheck disable=SC2086
	check "usage: '$args': exit 64" test "$(rc_of ctl $args)" = 64
done
check "usage text on stderr" grep -q '^usage: supervisectl ' "$T/e"
check "signal NOSUCH web: exit 64" test "$(rc_of ctl signal NOSUCH web)" = 64
check "signal NOSUCH: says so" grep -q 'unknown signal: NOSUCH' "$T/e"
check "-h: exit 0" test "$(rc_of "$SUPERVISECTL" -h)" = 0
check "-h: usage on stdout" grep -q '^usage: supervisectl ' "$T/o"
man="$(dirname "$SCENARIO_LIB")/../../man/supervisectl.1"
if command -v mandoc > /dev/null && [ -f "$man" ]; then
	# Strip mandoc's overstrikes with sed: col(1) is not always there.
	mandoc -Tascii "$man" | sed 's/.\x08//g' |
	    sed -n '/^SYNOPSIS/,/^DESCRIPTION/p' |
	    sed '1d;$d;/^$/d;s/^ *//' > "$T/synopsis"
	sed 's/^usage: //;s/^ *//' "$T/o" > "$T/usage"
	check "usage matches the man page SYNOPSIS" cmp -s "$T/synopsis" \
	    "$T/usage"
fi
check "-V: exit 0" test "$(rc_of "$SUPERVISECTL" -V)" = 0
check "-V: version" grep -Eq '^supervisectl [0-9]+\.[0-9]+' "$T/o"

# --- Nothing answers: 69, naming the socket and -s.
check "no supervise: exit 69" \
    test "$(rc_of "$SUPERVISECTL" -s "$T/none.sock" status)" = 69
check "no supervise: names the socket" grep -q "$T/none.sock" "$T/e"
check "no supervise: suggests -s" grep -q -- '-s SOCKET' "$T/e"
check "no supervise: check 69 too" \
    test "$(rc_of "$SUPERVISECTL" -s "$T/none.sock" check)" = 69

# Nothing of this changed a worker.
check "web pids unchanged" test "$(pid_of web:0) $(pid_of web:1)" = \
    "$pids_before"
check "web still running" eval 'state_is web:0 RUNNING && state_is web:1 RUNNING'
# --- A status larger than what is encoded in one loop pass: every row,
# in start order, once, as text and as JSON.
write_config "$T/big.ini" <<EOF
[worker:big]
command = crashy --fault none
instances = 300
min_uptime = 0
stdout = null
stderr = null
EOF
sv_use_socket big
sv_start "$T/big.ini"
check "big: 300 running" wait_log_count 30 300 ' big:[0-9]+: running$'
# CPU and RSS: a request of 64 rows or fewer reads its stale rows
# itself, the background refresh the others; a row not read yet has a
# dash in both columns.  Nothing has been read before this first request.
usage_rows_of() { local want=$1; shift
	ctl status "$@" | awk -v want="$want" 'NR > 1 && $6 != "-" && $7 != "-" { n++ }
	    NR > 1 && ($6 == "-") != ($7 == "-") { bad = 1 }
	    END { exit !(!bad && n + 0 == want) }'; }
check "big: a status of 64 rows has figures for each at once" \
    usage_rows_of 64 $(seq 236 299 | sed 's/^/big:/')
check "big: every row gets figures" wait_for 20 usage_rows_of 300
seq 0 299 | sed 's/^/big:/' | tr '\n' ' ' > "$T/want"
check "big: every row once, in start order" test "$(names)" = "$(cat "$T/want")"
check "big: one ok after the rows" test "$(ctl status | wc -l)" = 301
check "big: --json has every worker" \
    test "$(ctl --json status | grep -o '"name":"big:[0-9]*"' | wc -l)" = 300
check "big: status of one" test "$(names big:299)" = "big:299 "
sv_signal TERM
check "big: supervise exits" sv_wait_exit 20
finish
