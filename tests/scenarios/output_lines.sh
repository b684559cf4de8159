#!/usr/bin/env bash
# Worker output lines: the last lines of a crashing worker are all there and
# in order; stdout and stderr of a prefix worker are one stream; long lines
# are cut at 4096 bytes; a last line without a newline gets one; CRLF
# becomes LF; NUL bytes pass through; stderr = stdout merges into a file.
. "${SCENARIO_LIB:?}" || exit 1

cat > "$T/long.sh" <<'EOF'
head -c 10000 /dev/zero | tr '\0' a
echo
head -c 4096 /dev/zero | tr '\0' b
echo
EOF
cat > "$T/both.sh" <<'EOF'
for i in 1 2 3 4 5 6 7 8 9 10; do
	echo "out $i"
	echo "err $i" >&2
done
EOF
cat > "$T/odd.sh" <<'EOF'
printf 'dos\r\nkeep\rcr\r\n'
printf 'a\000b\n'
printf '\n'
printf 'no newline'
EOF

write_config "$T/s.ini" <<EOF
[worker:crash]
command = sh -c 'seq 1 20000; kill -SEGV \$\$'
restart = never

[worker:long]
command = sh $T/long.sh
restart = never

[worker:both]
command = sh $T/both.sh
restart = never

[worker:odd]
command = sh $T/odd.sh
restart = never

[worker:raw]
command = sh $T/odd.sh
restart = never
stdout = file:$T/raw.log

[worker:merged]
command = sh $T/both.sh
restart = never
stdout = file:$T/merged.log
stderr = stdout
EOF

sv_start "$T/s.ini"
ended() { [ "$(log_count ': (exited with status|killed by signal)')" -ge 6 ]; }
check "every worker ran and ended" wait_for 20 ended
check "the crashing worker was killed by SEGV" \
    log_has 'crash: killed by signal SEGV'

lines_of() { sed -n "s/^$1 | //p" "$T/out"; }

crash_lines() { cmp -s <(lines_of crash) <(seq 1 20000); }
check "20000 lines written before a crash all arrive, in order" crash_lines

long_lines() {
	local a b
	a=$(head -c 4096 /dev/zero | tr '\0' a)
	b=$(head -c 4096 /dev/zero | tr '\0' b)
	cmp -s <(lines_of long) <(printf '%s\n%s\n%s\n%s\n' "$a" "$a" \
	    "$(head -c 1808 /dev/zero | tr '\0' a)" "$b")
}
check "a 10000-byte line is cut at 4096 bytes, a 4096-byte one is not" \
    long_lines

one_stream() {
	cmp -s <(lines_of both) \
	    <(for i in 1 2 3 4 5 6 7 8 9 10; do echo "out $i"; echo "err $i"; done)
}
check "stdout and stderr of a prefix worker are one stream, in order" \
    one_stream

odd_lines() {
	cmp -s <(grep -a '^odd | ' "$T/out") \
	    <(printf 'odd | dos\nodd | keep\rcr\nodd | a\000b\nodd | \nodd | no newline\n')
}
check "CRLF ends a line, a lone CR and NUL bytes pass, last line ended" \
    odd_lines

raw_file() {
	cmp -s "$T/raw.log" \
	    <(printf 'dos\nkeep\rcr\na\000b\n\nno newline\n')
}
check "file:PATH gets the same lines, without prefix" raw_file

merged_file() {
	cmp -s "$T/merged.log" \
	    <(for i in 1 2 3 4 5 6 7 8 9 10; do echo "out $i"; echo "err $i"; done)
}
check "stderr = stdout merges into the file, in order" merged_file

check "no line lacks its prefix" \
    eval '! grep -avE "^(crash|long|both|odd) \| " "$T/out" | grep -q .'

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
check "with status 0" test "${SV_STATUS:-}" = 0
finish
