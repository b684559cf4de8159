#!/usr/bin/env bash
# The bash completion of supervisectl: commands, options, and the names of
# the workers the running supervise reports.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

write_config "$T/w.ini" <<EOF
[worker:web]
command = crashy --fault none
instances = 2

[worker:db]
command = crashy --fault none
autostart = no
EOF
sv_start "$T/w.ini"
check "up" wait_log_count 5 2 ' web:[01]: running$'

comp_file="$(dirname "$SCENARIO_LIB")/../../completion/supervisectl"
# shellcheck disable=SC1090
. "$comp_file"
check "registered for supervisectl" eval 'complete -p supervisectl | grep -q _supervisectl'
# comp WORD...: what completing the last word offers, sorted, one line.
comp() {
	COMP_WORDS=("$SUPERVISECTL" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_supervisectl
	[ ${#COMPREPLY[@]} -eq 0 ] || printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
is() { [ "$1" = "$2" ] || { echo "  got: '$1'"; return 1; }; }

check "commands" is "$(comp '')" "check log metrics reload restart shutdown signal start status stop top why "
check "commands: st" is "$(comp st)" "start status stop "
check "options" is "$(comp -)" "--json -V -h -s "
check "workers after restart" is "$(comp -s "$SOCK" restart '')" "all db web web:0 web:1 "
check "workers: w" is "$(comp -s "$SOCK" stop w)" "web web:0 web:1 "
check "workers after --json status" is "$(comp -s "$SOCK" --json status '')" "all db web web:0 web:1 "
check "-sSOCK too" is "$(comp "-s$SOCK" start d)" "db "
check "a second name" is "$(comp -s "$SOCK" start db we)" "web web:0 web:1 "
COMP_WORDBREAKS=$' \t\n"'"'"'><=;|&(:'
check "after a colon: the instance number" is "$(comp -s "$SOCK" stop web:)" "0 1 "
COMP_WORDBREAKS=$' \t\n"'"'"'><=;|&('
check "no colon break: whole names" is "$(comp -s "$SOCK" stop web:)" "web:0 web:1 "
check "signal: a signal first" is "$(comp -s "$SOCK" signal US)" "USR1 USR2 "
check "signal: SIG prefix" is "$(comp -s "$SOCK" signal SIGTE)" "TERM "
check "signal: then workers" is "$(comp -s "$SOCK" signal USR1 web:)" "web:0 web:1 "
check "log: options" is "$(comp -s "$SOCK" log -)" "-f -n "
check "log: workers" is "$(comp -s "$SOCK" log -f d)" "db "
check "why: workers" is "$(comp -s "$SOCK" why d)" "db "
check "top: options" is "$(comp -s "$SOCK" top -)" "-d -n -o "
check "top -o: keys" is "$(comp -s "$SOCK" top -o r)" "restarts rss "
check "reload: nothing" is "$(comp -s "$SOCK" reload '')" ""
check "metrics: nothing" is "$(comp -s "$SOCK" metrics '')" ""
check "no supervise: only all" is "$(comp -s "$T/none.sock" start '')" "all "
check "-s: files" is "$(cd "$T" && comp -s w.)" "w.ini "
check "supervise alive" alive "$SV_PID"
finish
