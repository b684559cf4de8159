#!/usr/bin/env bash
# include = (start order at the point of include), supervise -t, a config
# with errors (exit 78, nothing started), autostart = no.
. "$SCENARIO_LIB"
scenario_guard

mkdir -p "$T/conf.d"
write_config "$T/sv.ini" <<EOF
[worker:first]
command = sh -c 'touch $T/marker-first; exec crashy --fault none'
min_uptime = 100ms

[supervisor]
include = conf.d/*.ini

[worker:last]
command = crashy --fault none
min_uptime = 100ms

[worker:lazy]
command = crashy --fault none
autostart = no
min_uptime = 100ms
EOF
write_config "$T/conf.d/20-b.ini" <<EOF
[worker:inc_b]
command = crashy --after 1h --fault segv
instances = 2
min_uptime = 100ms
EOF
write_config "$T/conf.d/10-a.ini" <<EOF
[worker:inc_a]
command = crashy --fault none
min_uptime = 100ms
EOF
echo 'not a config' > "$T/conf.d/README"

# The command line.
"$SUPERVISE" -V > "$T/v.out" 2>&1
st=$?
check "-V exits 0 (got $st)" test "$st" = 0
check "-V prints the version on stdout" grep -Eq '^supervise [0-9]+\.[0-9]+' "$T/v.out"
"$SUPERVISE" -h > "$T/h.out" 2> "$T/h.err"
st=$?
check "-h exits 0 (got $st)" test "$st" = 0
check "-h prints the usage on stdout" grep -q 'usage: supervise' "$T/h.out"
"$SUPERVISE" > "$T/u.out" 2> "$T/u.err"
st=$?
check "no -c: exit 64 (got $st)" test "$st" = 64
timeout 10 "$SUPERVISE" -c "$T/sv.ini" -Z > "$T/u.out" 2> "$T/u.err"
st=$?
check "an unknown flag: exit 64 (got $st)" test "$st" = 64
timeout 10 "$SUPERVISE" -c "$T/no-such.ini" -s "$T/sock-none" > "$T/u.out" 2> "$T/u.err"
st=$?
check "a missing config file: exit 78 (got $st)" test "$st" = 78
check "a missing config file is named" grep -q 'no-such.ini' "$T/u.err"

# -t: one line per instance, in start order; nothing runs.
timeout 10 "$SUPERVISE" -t -c "$T/sv.ini" > "$T/t.out" 2> "$T/t.err"
st=$?
check "-t exits 0 (got $st)" test "$st" = 0
check "-t prints nothing on stderr" test ! -s "$T/t.err"
names=$(cut -f1 "$T/t.out" | tr '\n' ' ')
check "-t lists every instance in start order (got: $names)" \
    test "$names" = "first inc_a inc_b:0 inc_b:1 last lazy "
check "-t: NAME<TAB>process<TAB>COMMAND" \
    grep -qxF "$(printf 'inc_a\tprocess\tcrashy --fault none')" "$T/t.out"
check "-t: instances listed with the command" \
    grep -qxF "$(printf 'inc_b:1\tprocess\tcrashy --after 1h --fault segv')" "$T/t.out"
check "-t: every line has three fields, mode process" \
    eval '[ "$(awk -F "\t" "NF == 3 && \$2 == \"process\"" "$T/t.out" | wc -l)" -eq 6 ]'
check "-t: first's command is there" \
    eval 'grep "^first	" "$T/t.out" | grep -q "marker-first"'
check "-t started nothing" test ! -e "$T/marker-first"
check "-t made no socket" test ! -e "$SOCK"

# The real run: included workers start at the point of include.
sv_run "$T/sv.ini"
check "five running" wait_log_count 5 5 ': (first|inc_a|inc_b:[01]|last): running$'
l1=$(line_of ' first: spawned ')
l2=$(line_of ' inc_a: spawned ')
l3=$(line_of ' inc_b:0: spawned ')
l4=$(line_of ' inc_b:1: spawned ')
l5=$(line_of ' last: spawned ')
check "spawned in order first, inc_a, inc_b:0, inc_b:1, last ($l1 $l2 $l3 $l4 $l5)" \
    eval '[ "$l1" -gt 0 ] && [ "$l1" -lt "$l2" ] && [ "$l2" -lt "$l3" ] && [ "$l3" -lt "$l4" ] && [ "$l4" -lt "$l5" ]'
check "first ran its command" test -e "$T/marker-first"
check "autostart = no: lazy not spawned" test "$(spawn_count lazy)" -eq 0
check "nothing from conf.d/README" eval '! log_has "README"'

if ctl status >/dev/null 2>&1; then
	ctl start lazy
	st=$?
	check "supervisectl start lazy: exit 0 (got $st)" test "$st" = 0
	check "lazy spawned after start" wait_log 5 ' lazy: spawned pid [0-9]+$'
	check "lazy running" wait_log 5 ' lazy: running$'
else
	skip "supervisectl start of an autostart = no worker (supervisectl does not answer)"
fi
check "no worker was restarted" test "$(log_count ': restarting')" -eq 0

sv_signal TERM
check "supervise exits after TERM" sv_wait_exit 10
check "exit status 0" test "${SV_STATUS:-x}" = 0
check "no worker left" wait_for 3 no_leftovers

# Errors: all of them, as FILE:LINE, exit 78, nothing started.
write_config "$T/bad.ini" <<EOF
[worker:one]
command = sh -c 'touch $T/marker-bad; exec crashy --fault none'
restart = allways

[worker:two]
command = crashy --fault none
bogus = 1
EOF
sv_use_socket sock-bad
sv_run "$T/bad.ini"
check "errors: supervise exits" sv_wait_exit 5
check "errors: exit status 78 (got ${SV_STATUS:-none})" test "${SV_STATUS:-x}" = 78
check "errors: bad.ini:3 restart" grep -Eq 'bad\.ini:3: .*restart.*allways' "$T/err"
check "errors: bad.ini:7 bogus" grep -Eq 'bad\.ini:7: .*bogus' "$T/err"
check "errors: nothing spawned" eval '! log_has "spawned"'
check "errors: no worker ran" test ! -e "$T/marker-bad"
check "errors: no socket" test ! -e "$SOCK"
timeout 10 "$SUPERVISE" -t -c "$T/bad.ini" > "$T/t.out" 2> "$T/t.err"
st=$?
check "errors: -t exits 78 too (got $st)" test "$st" = 78
check "errors: -t prints both" \
    eval 'grep -q "bad.ini:3: " "$T/t.err" && grep -q "bad.ini:7: " "$T/t.err"'

# An error in an included file names that file.
mkdir -p "$T/inc.bad"
write_config "$T/inc.bad/x.ini" <<EOF
[worker:x]
command = crashy --fault none
instances = many
EOF
write_config "$T/bad2.ini" <<EOF
[supervisor]
include = inc.bad/*.ini
; a comment

[worker:y]
command = sh -c 'touch $T/marker-bad2; exec crashy --fault none'
EOF
sv_use_socket sock-bad2
sv_run "$T/bad2.ini"
check "included error: supervise exits" sv_wait_exit 5
check "included error: exit status 78 (got ${SV_STATUS:-none})" test "${SV_STATUS:-x}" = 78
check "included error: names x.ini:3" grep -Eq 'x\.ini:3: .*instances' "$T/err"
check "included error: nothing started" test ! -e "$T/marker-bad2"
# What a config may be: a regular file of at most 16 MiB, the main one and
# each included one; refused without blocking on a FIFO or a device.
# t_config NAME FILE: supervise -t -c FILE, bounded, into $T/NAME.err.
t_config() {
	timeout 10 "$SUPERVISE" -t -c "$2" > /dev/null 2> "$T/$1.err"
	echo $?
}
st=$(t_config zero /dev/zero)
check "-c /dev/zero: exit 78 (got $st)" test "$st" = 78
check "-c /dev/zero: not a regular file" grep -q '^/dev/zero: not a regular file$' "$T/zero.err"
mkfifo "$T/fifo.ini"
st=$(t_config fifo "$T/fifo.ini")
check "-c FIFO: exit 78 without blocking (got $st)" test "$st" = 78
write_config "$T/incfifo.ini" <<EOF
[supervisor]
include = fifo.ini /dev/zero
[worker:w]
command = crashy --fault none
EOF
st=$(t_config incfifo "$T/incfifo.ini")
check "include FIFO and /dev/zero: exit 78 (got $st)" test "$st" = 78
check "include FIFO: FILE:LINE:" grep -q "incfifo.ini:2: include: $T/fifo.ini: not a regular file" "$T/incfifo.err"
check "include /dev/zero: FILE:LINE:" grep -q "incfifo.ini:2: include: /dev/zero: not a regular file" "$T/incfifo.err"
mkdir -p "$T/incdir.d"
write_config "$T/incdir.ini" <<EOF
[worker:w]
command = crashy --fault none
[supervisor]
include = incdir.d missing.ini none/*.ini
EOF
st=$(t_config incdir "$T/incdir.ini")
check "include a directory and a missing file: exit 78 (got $st)" test "$st" = 78
check "include a directory: FILE:LINE:" grep -q "incdir.ini:4: include: $T/incdir.d: is a directory, not a file" "$T/incdir.err"
check "include a missing literal path: FILE:LINE:" grep -q "incdir.ini:4: include: $T/missing.ini: No such file or directory" "$T/incdir.err"
check "include a glob matching nothing: no error" test "$(grep -c none "$T/incdir.err")" = 0
truncate -s $((16 * 1024 * 1024 + 1)) "$T/big.ini"
st=$(t_config big "$T/big.ini")
check "-c a file over 16 MiB: exit 78 (got $st)" test "$st" = 78
check "-c a file over 16 MiB: says so" grep -q "big.ini: larger than 16 MiB" "$T/big.err"
write_config "$T/noworker.ini" <<EOF
[supervisor]
strategy = one_for_all
EOF
st=$(t_config noworker "$T/noworker.ini")
check "no worker: exit 78 (got $st)" test "$st" = 78
check "no worker: FILE:LINE:" grep -q "noworker.ini:2: no \[worker:NAME\] section" "$T/noworker.err"
write_config "$T/stop.ini" <<EOF
[worker:w]
command = crashy --fault none
stop_signal = STOP
[worker:v]
command = crashy --fault none
stop_signal = 65
EOF
st=$(t_config stop "$T/stop.ini")
check "stop_signal = STOP or 65: exit 78 (got $st)" test "$st" = 78
check "stop_signal = STOP: FILE:LINE:" grep -q "stop.ini:3: stop_signal: STOP pauses a worker" "$T/stop.err"
check "stop_signal = 65: FILE:LINE:" grep -q "stop.ini:6: stop_signal: expected a signal" "$T/stop.err"
finish
