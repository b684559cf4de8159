#!/usr/bin/env bash
# The scenario library's guard: a scenario killed by KILL (as meson's
# timeout ends one), whose EXIT trap never runs, leaves no supervise and
# no worker behind.  Two real scenarios are run and killed while their
# supervise runs: one that starts it with sv_start, one that runs
# "$SUPERVISE" itself.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

dir=$(dirname "$SCENARIO_LIB")
children() { cat "/proc/$1/task/$1/children" 2> /dev/null; }
# supervise_of PID: the child of PID that serves a control socket.
supervise_of() {
	local p
	for p in $(children "$1"); do
		tr '\0' ' ' < "/proc/$p/cmdline" 2> /dev/null |
		    grep -q -- ' -s /tmp/svt\.' && { echo "$p"; return 0; }
	done
	return 1
}
found_supervise() { sv=$(supervise_of "$script") && [ -n "$(children "$sv")" ]; }
# none_alive PID...: none of them is a live process (they are another
# test's: ours() would not know them).
none_alive() {
	local p
	for p in "$@"; do alive "$p" && return 1; done
	return 0
}
# env_of PID NAME: a variable of PID's environment.
env_of() { tr '\0' '\n' < "/proc/$1/environ" 2> /dev/null | sed -n "s/^$2=//p"; }

for scenario in core_isolation fault_stdclosed; do
	SUPERVISE=$SUPERVISE_BIN bash "$dir/$scenario.sh" > "$T/$scenario.out" 2>&1 &
	script=$!
	track "$script"
	sv=
	check "$scenario: its supervise runs, with workers" wait_for 60 found_supervise
	workers=$(children "${sv:-0}")
	# What the killed script cannot remove itself.
	st=$(tr '\0' '\n' < "/proc/${sv:-0}/cmdline" 2> /dev/null |
	    sed -n 's|^\(/tmp/svt\.[A-Za-z0-9]*\)/.*|\1|p' | head -n 1)
	pub=$(dirname "$(env_of "${sv:-0}" CRASHY)")
	reap "$script"
	check "$scenario: killed, its supervise is gone" wait_for 20 dead "${sv:-0}"
	# shellcheck disable=SC2086
	check "$scenario: and its workers" wait_for 20 none_alive $workers
	# Should the guard have failed: what it left, by pid.
	# shellcheck disable=SC2086
	for p in $sv $workers; do alive "$p" && kill -KILL "$p"; done
	case $st in /tmp/svt.?*) rm -rf "$st" ;; esac
	case $pub in /tmp/svp.?*) rm -rf "$pub" ;; esac
done
finish
