#!/usr/bin/env bash
# supervisectl top: plain output into a pipe, the live view on a terminal
# (tmux: keys change the sort, q quits; script: the terminal is restored),
# its options and exit statuses.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

rc_of() { "$@" > "$T/o" 2> "$T/e"; echo $?; }

write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
instances = 2
min_uptime = 0

[worker:spin]
command = crashy --fault spin
min_uptime = 0

[worker:bad]
command = crashy --fault segv --after 0
restart_limit = 1
EOF
sv_start "$T/w.ini"
check "all up" wait_log_count 5 3 ' (web:[01]|spin): running$'
check "bad fatal" wait_log 10 ' bad: fatal: '

# --- Plain: a table per refresh, no escapes, then exit 0 after COUNT.
check "plain: -n 3 exits 0" test "$(rc_of ctl top -n 3 -d 0.1)" = 0
check "plain: three frames" test "$(grep -c '^supervise ' "$T/o")" = 3
check "plain: header" grep -Eq "^supervise $SV_PID \(process\): 4 workers, 3 running, 0 backoff, 1 fatal; sort: order\$" "$T/o"
check "plain: columns" grep -Eq '^NAME +STATE +PID +CPU% +RSS +RESTARTS +UPTIME +LAST-EXIT$' "$T/o"
# first_frame FILE: the names of the first frame's rows, in order.
first_frame() {
	awk '/^NAME/ { n++; next } n == 1 && !NF { exit } n == 1 { printf "%s ", $1 }' "$1"
}
check "plain: start order" test "$(first_frame "$T/o")" = "web:0 web:1 spin bad "
check "plain: web:0 row" grep -Eq "^web:0 +RUNNING +$(pid_of web:0) +[0-9]+\.[0-9] +[0-9.]+[BKMG] +0 +[0-9]+[smhd].* +-\$" "$T/o"
check "plain: bad row" grep -Eq '^bad +FATAL +- +- +- +1 +- +SEGV$' "$T/o"
check "plain: no escapes" eval '! grep -q $'"'"'\033'"'"' "$T/o"'
check "plain: nothing on stderr" test ! -s "$T/e"
# spin burns CPU: sorted by CPU it comes first, with a non-zero share.
spin_first() {
	ctl top -n 2 -d 0.3 -o cpu > "$T/o" 2> "$T/e" &&
	    awk '/^NAME/ { n++; next } n == 2 && NF { print; exit }' "$T/o" |
	    grep -Eq '^spin +RUNNING +[0-9]+ +([1-9][0-9]*\.[0-9]|0\.[1-9])'
}
check "plain: -o cpu: spin first, busy" wait_for 20 spin_first
check "plain: -o cpu in the header" grep -q 'sort: cpu$' "$T/o"
ctl top -n 1 -o name > "$T/o"
check "plain: -o name" test "$(first_frame "$T/o")" = "bad spin web:0 web:1 "
# A signal ends it quietly, with 0.
# Not through ctl: $! must be supervisectl itself, not a subshell.
"$SUPERVISECTL" -s "$SOCK" top -d 0.1 > "$T/sig" 2>&1 &
top_pid=$!
track "$top_pid"
frames() { [ "$(grep -c '^supervise ' "$T/sig")" -ge "$1" ]; }
check "plain: refreshes until stopped" wait_for 10 frames 2
# Many times, to land in the middle of a status read too.
for i in 1 2 3 4 5; do kill -TERM "$top_pid" 2>/dev/null; done
wait "$top_pid"
top_rc=$?
check "plain: TERM: exit 0 ($top_rc)" test "$top_rc" -eq 0
check "plain: TERM: nothing on stderr" eval '! grep -q supervisectl "$T/sig"'

# --- Usage: 64.
for args in "top -d 0" "top -d 0.01" "top -d x" "top -d 3601" "top -n 0" \
    "top -n x" "top -o bogus" "top extra" "--json top" "top -z"; do
	# shellcheck disable=SC2086
	check "usage: '$args': exit 64" test "$(rc_of ctl $args)" = 64
done
rc_of ctl top -o bogus > /dev/null
check "usage: -o bogus says why" grep -q 'top: -o bogus: expected order, name, state, pid, cpu, rss, restarts or uptime' "$T/e"
check "no supervise: exit 69" \
    test "$(rc_of "$SUPERVISECTL" -s "$T/none.sock" top -n 1)" = 69
check "no supervise: says so" grep -q "cannot connect to $T/none.sock" "$T/e"

# --- A terminal through script(1): escapes, then the terminal restored.
if command -v script > /dev/null; then
	script -qec "stty -g > $T/stty.before; $SUPERVISECTL -s $SOCK top -n 2 -d 0.1; stty -g > $T/stty.after" /dev/null > "$T/tty" 2>&1 < /dev/null
	check "tty: clears and homes" grep -q $'\033\\[H\033\\[2J' "$T/tty"
	check "tty: hides, then shows the cursor" eval 'grep -q $'"'"'\033\[?25l'"'"' "$T/tty" &&
	    grep -q $'"'"'\033\[?25h'"'"' "$T/tty"'
	check "tty: RUNNING green" grep -q $'\033\\[32mRUNNING\033\\[0m' "$T/tty"
	check "tty: FATAL red" grep -q $'\033\\[31mFATAL\033\\[0m' "$T/tty"
	check "tty: key help" grep -q 'keys: c m n o p r s u sort, R reverse, q quit' "$T/tty"
	check "tty: modes restored" cmp -s "$T/stty.before" "$T/stty.after"
	NO_COLOR=1 script -qec "$SUPERVISECTL -s $SOCK top -n 1" /dev/null > "$T/tty" 2>&1 < /dev/null
	check "tty: NO_COLOR: no colour" eval '! grep -q $'"'"'\033\[3[0-9]m'"'"' "$T/tty"'
	check "tty: NO_COLOR: still drawn" grep -q 'RUNNING' "$T/tty"
else
	skip "script(1) not installed: no terminal for top"
fi

# --- Keys, under tmux: c sorts by CPU, R reverses, n by name, q quits.
if command -v tmux > /dev/null; then
	TM="tmux -L svt$$ -f /dev/null"
	$TM new-session -d -x 120 -y 20 \
	    "$SUPERVISECTL -s $SOCK top -d 0.2; echo \"top exited \$?\"; sleep 600"
	tmux_pid=$($TM display-message -p '#{pid}' 2>/dev/null)
	[ -n "$tmux_pid" ] && track "$tmux_pid"
	pane() { $TM capture-pane -p 2>/dev/null; }
	shows() { pane | grep -Eq -- "$1"; }
	first_row() { pane | awk '/^NAME/ { getline; print $1; exit }'; }
	first_is() { [ "$(first_row)" = "$1" ]; }
	check "tmux: drawn, sorted in start order" wait_for 10 shows 'sort: order$'
	check "tmux: web:0 first" wait_for 5 first_is web:0
	$TM send-keys c
	check "tmux: c: sort: cpu" wait_for 10 shows 'sort: cpu$'
	check "tmux: c: spin first" wait_for 10 first_is spin
	$TM send-keys R
	check "tmux: R: reversed" wait_for 10 shows 'sort: cpu \(reversed\)$'
	check "tmux: R: spin not first" wait_for 10 eval '! first_is spin'
	$TM send-keys n
	check "tmux: n: by name, still reversed" wait_for 10 shows 'sort: name \(reversed\)$'
	check "tmux: n: web:1 first" wait_for 10 first_is web:1
	$TM send-keys R m
	check "tmux: m: by rss" wait_for 10 shows 'sort: rss$'
	$TM send-keys x
	check "tmux: another key changes nothing" wait_for 5 shows 'sort: rss$'
	$TM send-keys q
	check "tmux: q quits with 0" wait_for 10 shows '^top exited 0$'
	check "tmux: the last frame stays" shows '^NAME +STATE'
	$TM kill-server 2>/dev/null
	[ -n "$tmux_pid" ] && wait_for 5 dead "$tmux_pid"
else
	skip "tmux not installed: keys of top not checked"
fi

check "supervise alive" alive "$SV_PID"
finish
