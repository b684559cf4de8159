#!/usr/bin/env bash
# The configs the project ships load clean with supervise -t: the demo, the
# annotated reference and the examples (those naming plugins in build/ only
# when that build exists).  examples.sh runs examples/blast-radius.
. "${SCENARIO_LIB:?}" || exit 1

top=$(cd "$(dirname "$SCENARIO_LIB")/../.." && pwd)
for conf in "$top"/conf/*.ini "$top"/examples/*.ini "$top"/examples/*/*.ini; do
	name=${conf#"$top"/}
	if grep -Eq '^plugin = (\.\./)+build/' "$conf" &&
	    { [ ! -e "$top/build/workers/crashy.so" ] ||
	    [ ! -e "$top/build/examples/ticker.so" ]; }; then
		skip "$name: needs the build in build/"
		continue
	fi
	"$SUPERVISE" -t -c "$conf" > "$T/t.out" 2> "$T/t.err"
	rc=$?
	check "$name loads clean (exit $rc)" test "$rc" = 0
	check "$name lists its workers" test -s "$T/t.out"
	check "$name prints no error" test ! -s "$T/t.err"
done
finish
