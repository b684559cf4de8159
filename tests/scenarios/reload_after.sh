#!/usr/bin/env bash
# after = across reloads: workers a reload adds wait for what they name,
# among the workers kept, added and with more instances, as at start; a
# reload that removes workers leaves a dependency's stop order as it was
# (see supervise.ini(5), after).
. "$SCENARIO_LIB"
scenario_guard

# before A B: event log lines matching A and B both exist, A's first.
before() {
	local a b
	a=$(line_of "$1")
	b=$(line_of "$2")
	[ "$a" -gt 0 ] && [ "$b" -gt 0 ] && [ "$a" -lt "$b" ]
}

# gate never starts on its own: what waits for it waits until
# `supervisectl start gate`.
write_config "$T/sv.ini" <<EOF
[worker:gate]
command = crashy --fault none
autostart = no
min_uptime = 100ms

[worker:old]
command = crashy --fault none
min_uptime = 100ms
EOF
sv_run "$T/sv.ini"
check "old running" wait_log 5 ' old: running$'

# Added: db (2 instances) after gate, web after db, cache after web and
# old; old is kept.  web is written first but comes after db.
write_config "$T/sv.ini" <<EOF
[worker:web]
command = crashy --fault none
after = db
min_uptime = 100ms

[worker:gate]
command = crashy --fault none
autostart = no
min_uptime = 100ms

[worker:db]
command = crashy --fault none
instances = 2
after = gate
min_uptime = 100ms

[worker:old]
command = crashy --fault none
min_uptime = 100ms

[worker:cache]
command = crashy --fault none
after = web old
min_uptime = 100ms
EOF
ctl reload > "$T/o" 2> "$T/e"
check "reload: exit 0" test $? = 0
check "reload: logged" wait_log 5 ' supervise: reloaded: \+4 -0 ~0$'
check "nothing added starts while gate is stopped" eval \
    '! log_has " (web|db:[01]|cache): spawned "'
ctl start gate > /dev/null 2>&1
check "gate running" wait_log 5 ' gate: running$'
check "both db instances running" wait_log_count 5 2 ' db:[01]: running$'
check "web running" wait_log 5 ' web: running$'
check "cache running" wait_log 5 ' cache: running$'
check "web spawned only once both db instances ran" \
    before ' db:1: running$' ' web: spawned '
check "web spawned only once both db instances ran (db:0)" \
    before ' db:0: running$' ' web: spawned '
check "cache spawned only once web ran" \
    before ' web: running$' ' cache: spawned '

# Remove old and rename nothing else: web still names db, so at shutdown
# web stops before db, and cache (which named old too) before web.
write_config "$T/sv.ini" <<EOF
[worker:web]
command = crashy --fault none
after = db
min_uptime = 100ms

[worker:gate]
command = crashy --fault none
autostart = no
min_uptime = 100ms

[worker:db]
command = crashy --fault none
instances = 2
after = gate
min_uptime = 100ms

[worker:cache]
command = crashy --fault none
after = web
min_uptime = 100ms
EOF
ctl reload > "$T/o" 2> "$T/e"
check "second reload: exit 0" test $? = 0
check "second reload: logged" wait_log 5 ' supervise: reloaded: \+0 -1 ~1$'
check "old stopped" wait_log 5 ' old: stopped$'
check "cache restarted with its new after" wait_log_count 5 2 ' cache: running$'

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 15
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "cache stops before web" before ' cache: stopping ' ' web: stopping '
check "web stops before db:0" before ' web: stopping ' ' db:0: stopping '
check "web stops before db:1" before ' web: stopping ' ' db:1: stopping '
check "db stops before gate" before ' db:0: stopping ' ' gate: stopping '
check "no worker left" wait_for 3 no_leftovers
finish
