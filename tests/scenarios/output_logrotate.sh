#!/usr/bin/env bash
# file:PATH under a real logrotate (create-style rotation, postrotate sends
# USR1): while a worker writes numbered lines, the rotated files and the
# current one together hold every line exactly once, in order.
. "${SCENARIO_LIB:?}" || exit 1

if ! LOGROTATE=$(command -v logrotate || command -v /usr/sbin/logrotate); then
	echo "SKIP: logrotate is not installed"
	exit 77
fi

N=30000
cat > "$T/count.sh" <<EOF
# N numbered lines, 100 at a time, about 10000 a second.
i=1
while [ \$i -le $N ]; do
	seq \$i \$((i + 99))
	i=\$((i + 100))
	sleep 0.01
done
EOF

write_config "$T/s.ini" <<EOF
[worker:count]
command = sh $T/count.sh
restart = never
stdout = file:$T/app.log
EOF

sv_start "$T/s.ini"

cat > "$T/logrotate.conf" <<EOF
$T/app.log {
	rotate 20
	create 0644
	missingok
	nocompress
	postrotate
		kill -USR1 $SV_PID
	endscript
}
EOF

has_lines() { [ -s "$T/app.log" ]; }
check "the worker writes into the file" wait_for 10 has_lines

rotations=0
for i in 1 2 3 4 5; do
	running() { ! log_has 'count: exited'; }
	running || break
	if ! "$LOGROTATE" -f -s "$T/logrotate.state" "$T/logrotate.conf" \
	    2> "$T/logrotate.err"; then
		cat "$T/logrotate.err"
		break
	fi
	rotations=$((rotations + 1))
	# supervise reopened the new file once lines arrive in it.
	wait_for 10 has_lines || break
done
check "logrotate rotated the file several times" test "$rotations" -ge 3

ended() { log_has 'count: exited with status 0'; }
check "the worker wrote all its lines" wait_for 30 ended

# Oldest first: app.log.K ... app.log.1, then app.log.
all_lines() {
	local k
	for ((k = 20; k >= 1; k--)); do
		[ -f "$T/app.log.$k" ] && cat "$T/app.log.$k"
	done
	cat "$T/app.log"
}
check "every rotated file got lines" \
    eval '[ "$(ls "$T"/app.log.* | wc -l)" -ge 3 ]'
check "the files together hold every line once, in order, no gap" \
    cmp -s <(all_lines) <(seq 1 "$N")

kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
finish
