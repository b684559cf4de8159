#!/usr/bin/env bash
# Config loading at scale: `supervise -t` on 100,000 [worker:NAME]
# sections (its CPU time, user + system, and its wall time), and on a
# reverse after= chain of 4,000 workers (each waits for the next one, so
# the start order is the file reversed); then reloads of 10,000 workers,
# with supervise -v, whose debug line says how long the reload spent
# reading the config and how long applying it (matching old workers to
# new, swapping them in, starting the new ones): the latter is what a
# reload holds the loop for beyond the parse.  No process is started:
# workers have autostart = no, or wait through after= for a gate worker
# that has autostart = no (the after= reloads: every worker after the one
# before it, the first after the gate).
#	SECTIONS=N (default 100000), CHAIN=N (default 4000),
#	RELOAD_WORKERS=N (default 10000), ROUNDS=N (default 3; medians)
. "$(dirname "$0")/lib.sh"

SECTIONS=${SECTIONS:-100000}
CHAIN=${CHAIN:-4000}
RELOAD_WORKERS=${RELOAD_WORKERS:-10000}
ROUNDS=${ROUNDS:-3}
SUPERVISECTL=${SUPERVISECTL:-$BUILD/supervisectl}
[ -x "$SUPERVISECTL" ] || die "$SUPERVISECTL: not built"

# sections N FILE [TAG]: N workers, none started; TAG changes every command.
sections() {
	awk -v n="$1" -v tag="${3:-}" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "[worker:w%d]\ncommand = sleep 1000%s\n" \
			    "autostart = no\n\n", i, tag
	}' > "$2"
}

# gated N FILE PREFIX: a gate that never starts, then N workers started
# once the one before them is, the first once the gate is.
gated() {
	awk -v n="$1" -v p="$3" 'BEGIN {
		printf "[worker:gate]\ncommand = sleep 1000\nautostart = no\n\n"
		for (i = 0; i < n; i++)
			printf "[worker:%s%d]\ncommand = sleep 1000\n" \
			    "after = %s\n\n", p, i, i ? p (i - 1) : "gate"
	}' > "$2"
}

# chain N FILE: worker i has after = w(i+1).
chain() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++) {
			printf "[worker:w%d]\ncommand = sleep 1000\n" \
			    "autostart = no\n", i
			if (i + 1 < n)
				printf "after = w%d\n", i + 1
			printf "\n"
		}
	}' > "$2"
}

# ms COMMAND...: wall-clock ms of the command (its output discarded); it
# must succeed.
ms() {
	local t0 t1
	t0=$EPOCHREALTIME
	"$@" > /dev/null 2>&1 || die "failed: $*"
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'
}

# cpu_ms COMMAND...: user + system CPU ms of the command (output
# discarded); it must succeed.
cpu_ms() {
	local TIMEFORMAT='%3U %3S' t
	t=$( { time "$@" > /dev/null 2>&1 || echo fail >&2; } 2>&1 )
	case $t in *fail*) die "failed: $*" ;; esac
	awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.1f\n", (a[1] + a[2]) * 1000 }'
}

# median_cpu_ms COMMAND...: the median of ROUNDS runs.
median_cpu_ms() {
	local r
	for ((r = 0; r < ROUNDS; r++)); do cpu_ms "$@"; done | stats |
	    awk '{ print $2 }'
}

# median_ms COMMAND...: the median of ROUNDS runs.
median_ms() {
	local r
	for ((r = 0; r < ROUNDS; r++)); do ms "$@"; done | stats |
	    awk '{ print $2 }'
}

sections "$SECTIONS" "$T/sections.ini"
chain "$CHAIN" "$T/chain.ini"
sec_cpu=$(median_cpu_ms "$SUPERVISE" -t -c "$T/sections.ini")
sec_ms=$(median_ms "$SUPERVISE" -t -c "$T/sections.ini")
chain_ms=$(median_ms "$SUPERVISE" -t -c "$T/chain.ini")
# The chain's start order is the file reversed.
"$SUPERVISE" -t -c "$T/chain.ini" 2>/dev/null | head -n 1 |
    grep -q "^w$((CHAIN - 1))	" || die "chain: w$((CHAIN - 1)) does not come first"

# Reload: the same workers (all matched, none changed), every command
# changed (all matched, all changed), and all renamed (all removed, as
# many added).
sections "$RELOAD_WORKERS" "$T/r.ini"
cp "$T/r.ini" "$T/same.ini"
sections "$RELOAD_WORKERS" "$T/changed.ini" " x"
sed 's/^\[worker:w/[worker:v/' "$T/same.ini" > "$T/renamed.ini"
gated "$RELOAD_WORKERS" "$T/after.ini" w
gated "$RELOAD_WORKERS" "$T/after_renamed.ini" v
parse_ms=$(median_ms "$SUPERVISE" -t -c "$T/same.ini")
: > "$T/err"
"$SUPERVISE" -v -c "$T/r.ini" -s "$SOCK" > "$T/out" 2> "$T/err" &
SV_PID=$!
wait_for 60 test -S "$SOCK" || die "supervise did not start"
# reload_as NAME: reload with NAME.ini; prints "READ_MS APPLIED_MS".
reload_as() {
	local n
	n=$(log_count 'reload: config read in')
	cp "$T/$1.ini" "$T/r.ini"
	"$SUPERVISECTL" -s "$SOCK" reload > /dev/null 2>&1 ||
	    die "reload to $1 failed"
	await_lines 60 $((n + 1)) "$T/err" 'reload: config read in' ||
	    die "no reload debug line"
	grep 'reload: config read in' "$T/err" | tail -n 1 |
	    sed -E 's/.*read in ([0-9.]+)ms, applied in ([0-9.]+)ms.*/\1 \2/'
}
same=() changed=() renamed=() after=() after_renamed=()
for ((r = 0; r < ROUNDS; r++)); do
	same+=("$(reload_as same)")
	changed+=("$(reload_as changed)")
	renamed+=("$(reload_as renamed)")
	# w* given after= (all changed), then v* (all new, after= each).
	after+=("$(reload_as after)")
	after_renamed+=("$(reload_as after_renamed)")
	reload_as same > /dev/null	# back to w*
done
# The gated workers waited, none started: the gate held them all.
[ "$(log_count ': spawned')" = 0 ] || die "a worker was started"
sv_stop
# med FIELD VALUES...: the median of field 1 (read) or 2 (applied).
med() {
	local f=$1; shift
	printf '%s\n' "$@" | awk -v f="$f" '{ print $f }' | stats |
	    awk '{ print $2 }'
}
under() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

echo "medians of $ROUNDS rounds, in ms:"
result "supervise -t: $SECTIONS sections, CPU (ms)" "$sec_cpu" "< 1000" \
    "$(verdict under "$sec_cpu" 1000)"
result "supervise -t: $SECTIONS sections, wall (ms)" "$sec_ms" "-" "-"
result "supervise -t: $CHAIN-worker reverse after chain (ms)" "$chain_ms" \
    "< 1000" "$(verdict under "$chain_ms" 1000)"
result "supervise -t: $RELOAD_WORKERS workers (ms)" "$parse_ms" "-" "-"
for kind in same changed renamed after after_renamed; do
	eval "vals=(\"\${$kind[@]}\")"
	rd=$(med 1 "${vals[@]}")
	ap=$(med 2 "${vals[@]}")
	result "reload $RELOAD_WORKERS $kind: config read (ms)" "$rd" "-" "-"
	result "reload $RELOAD_WORKERS $kind: applied, beyond it (ms)" "$ap" \
	    "< 50" "$(verdict under "$ap" 50)"
done
