#!/usr/bin/env bash
# No process outlives its worker: grandchildren die with the worker (on
# exit and on stop), and the workers die with supervise, even by KILL.
. "$SCENARIO_LIB"
scenario_guard

all_ours() { local p; for p; do ours "$p" || return 1; done; }

write_config "$T/sv.ini" <<EOF
[worker:gc]
command = sh -c 'sleep 1000 & echo \$! > $T/gc; exec crashy --after 500ms --fault exit:1'
restart = never
min_uptime = 100ms

[worker:or]
command = crashy --after 300ms --fault orphan
restart = never
min_uptime = 100ms

; its child ignores TERM: only the KILL to the group ends it
[worker:gs]
command = sh -c '(trap "" TERM; exec sleep 1000) & echo \$! > $T/gs; exec crashy --fault none'
min_uptime = 100ms

[worker:bomb]
command = crashy --fault fork-bomb:20
min_uptime = 100ms
EOF
sv_run "$T/sv.ini"

check "gc wrote its child's pid" wait_for 5 test -s "$T/gc"
GC=$(cat "$T/gc" 2>/dev/null)
check "gc's child runs while gc does" ours "${GC:-0}"
check "gc exited with status 1" wait_log 5 ' gc: exited with status 1 after '
check "gc's child is dead after gc exited" wait_for 3 all_dead "${GC:-0}"

check "or left an orphan" wait_out 5 '^or \| crashy: orphan pid [0-9]+$'
OR=$(sed -n 's/^or | crashy: orphan pid \([0-9]*\)$/\1/p' "$T/out" | head -n 1)
check "or exited with status 0" wait_log 5 ' or: exited with status 0 after '
check "or's orphan is dead after or exited" wait_for 3 all_dead "${OR:-0}"

check "gs wrote its child's pid" wait_for 5 test -s "$T/gs"
GS=$(cat "$T/gs" 2>/dev/null)
GSW=$(pid_of gs)
check "bomb forked its children" wait_out 5 '^bomb \| crashy: fork-bomb: forked 20 children$'
check "gs's child runs while gs does" ours "${GS:-0}"
sv_signal TERM
check "supervise exits" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "gs stopped" log_has ' gs: stopped$'
check "gs's child (TERM ignored) is dead after the stop" wait_for 3 all_dead "${GS:-0}" "$GSW"
check "no worker or child of one left (nor the bomb's)" wait_for 3 no_leftovers

# supervise killed by KILL: every worker is sent KILL (PR_SET_PDEATHSIG).
sv_use_socket sock2
if [ "$(id -u)" = 0 ]; then
	asuser="[worker:nb]
command = crashy --fault none
user = nobody
min_uptime = 100ms"
	n=4
else
	asuser=
	n=3
fi
write_config "$T/kill.ini" <<EOF
[worker:k1]
command = crashy --fault none
min_uptime = 100ms

[worker:k2]
command = sh -c 'exec crashy --fault none'
min_uptime = 100ms

[worker:k3]
command = crashy --fault none
instances = 1
min_uptime = 100ms

$asuser
EOF
sv_run "$T/kill.ini"
check "kill: $n workers running" wait_log_count 5 "$n" ': running$'
pids=$(spawned_pids | tr '\n' ' ')
# shellcheck disable=SC2086
check "kill: workers alive before" all_ours $pids
sv_signal KILL
check "kill: supervise is gone" sv_wait_exit 5
# shellcheck disable=SC2086
check "kill: every worker died with supervise ($pids)" wait_for 3 all_dead $pids
[ "$n" = 4 ] && check "kill: also the worker that runs as nobody" \
    wait_for 3 all_dead "$(pid_of nb)"
check "kill: no worker left" wait_for 3 no_leftovers
finish
