#!/usr/bin/env bash
# run.sh SCENARIO VGCLONE: one scenario test with its supervise under
# memcheck (supervise.sh, with VGCLONE, vgclone.so, preloaded), for
# `meson test --suite valgrind`.  It passes when
# memcheck found no error and no definite leak in any run of supervise,
# and is skipped when no run ended by itself (a run killed by KILL has no
# report).
# The scenario's own checks run too and their failures are shown, but
# they do not decide: under valgrind supervise is many times slower, and
# the scenario suite is where those are judged.
set -u
scenario=$1
export VALGRIND_CLONE=${2:?}
dir=$(cd "$(dirname "$0")" && pwd)
command -v valgrind > /dev/null || { echo "skipped: no valgrind"; exit 77; }
VALGRIND_LOGS=$(mktemp -d /tmp/svvg.XXXXXX)
trap 'rm -rf "$VALGRIND_LOGS"' EXIT
export VALGRIND_LOGS VALGRIND_SUPERVISE=$SUPERVISE
export SUPERVISE=$dir/supervise.sh
# Leak reports are memcheck's: AddressSanitizer is not in this build.
bash "$scenario"
echo "scenario exit status: $? (not judged here)"
runs=0 bad=0 judged=0
for log in "$VALGRIND_LOGS"/vg.*.log; do
	[ -e "$log" ] || continue
	runs=$((runs + 1))
	# A run ended by KILL has no summary; the others say how many errors
	# (definite leaks included) memcheck found.
	grep -q 'ERROR SUMMARY:' "$log" && judged=$((judged + 1))
	if grep -Eq 'ERROR SUMMARY: [1-9]' "$log"; then
		bad=$((bad + 1))
		echo "--- memcheck: $log"
		cat "$log"
	fi
done
echo "memcheck: $runs runs of supervise, $judged to the end, $bad with errors"
[ "$bad" = 0 ] || exit 1
if [ "$judged" = 0 ]; then
	echo "skipped: no run of supervise ended by itself (all were killed)"
	exit 77
fi
