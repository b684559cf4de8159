#!/usr/bin/env bash
# Run every benchmark in turn and print one summary table.
#	bench/run.sh [NAME...]
# NAME is a script's name without .sh (restart_latency, memory, startup,
# idle_syscalls, ...); by default every bench/*.sh but lib.sh and run.sh,
# the core four first.
# Each benchmark's own environment knobs pass through (RESTARTS, COUNTS,
# WORKERS, ROUNDS, IDLE, MB, REPEATS, BUILD); scale.sh has its own
# SCALE_WORKERS (default 10000), so that WORKERS for startup.sh does not
# shrink it.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
if [ $# -gt 0 ]; then
	names=$*
else
	names="restart_latency memory startup idle_syscalls"
	for f in "$dir"/*.sh; do
		n=$(basename "$f" .sh)
		case " $names lib run " in
		*" $n "*) ;;
		*) names="$names $n" ;;
		esac
	done
fi
results=$(mktemp /tmp/svb-results.XXXXXX)
trap 'rm -f "$results"' EXIT
export BENCH_RESULTS=$results

failed=
for name in $names; do
	echo "== $name"
	if ! bash "$dir/$name.sh"; then
		failed="$failed $name"
	fi
	echo
done

echo "== summary ($(uname -r), $(nproc) cpus, $(date -u +%Y-%m-%dT%H:%M:%SZ))"
printf '%-48s %16s   %-14s %s\n' metric value target verdict
while IFS=$'\t' read -r metric value target v; do
	printf '%-48s %16s   %-14s %s\n' "$metric" "$value" "$target" "$v"
done < "$results"
if [ -n "$failed" ]; then
	echo "benchmarks that did not complete:$failed"
	exit 1
fi
if grep -q $'\tMISSED$' "$results"; then
	exit 2
fi
exit 0
