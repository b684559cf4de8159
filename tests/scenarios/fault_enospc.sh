#!/usr/bin/env bash
# Fault matrix: a file: output on a full file system (a 64 KiB tmpfs).
# The lines that cannot be written are dropped and counted, the count is
# logged once space returns and writing resumes; another worker's output
# on stdout goes on meanwhile.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

if [ "$(id -u)" != 0 ]; then
	skip "not root: no tmpfs to fill"
	finish
fi
mkdir "$T/small"
if ! mount -t tmpfs -o size=64k tmpfs "$T/small" 2> /dev/null; then
	skip "cannot mount a tmpfs here"
	finish
fi
trap '_cleanup_mount' EXIT
_cleanup_mount() {
	_cleanup_keep=$T
	kill_leftovers
	for p in "${_started_pids[@]}"; do kill -KILL "$p" 2> /dev/null; done
	for p in "${_started_pids[@]}"; do wait "$p" 2> /dev/null; done
	umount "$_cleanup_keep/small" 2> /dev/null
	rm -rf "$_cleanup_keep"
}

cat > "$T/count.sh" <<'EOF'
i=1
while :; do
	seq $i $((i + 49)) | sed 's/^/line /'
	i=$((i + 50))
	sleep 0.02
done
EOF
write_config "$T/s.ini" <<EOF
[worker:full]
command = crashy --fault flood
stdout = file:$T/small/full.log

[worker:other]
command = sh $T/count.sh
EOF
sv_start "$T/s.ini"
check "the file system fills up" \
    wait_log 30 "$T/small/full.log: write: No space left on device: worker output is dropped"
n1=$(grep -c '^other | line' "$T/out")
check "the other worker's output goes on" \
    wait_for 10 eval '[ "$(grep -c "^other | line" "$T/out")" -gt "$n1" ]'
check "supervise answers" eval 'ctl status > /dev/null'
# Space returns.
: > "$T/small/full.log"
check "writing resumes, with the count of dropped lines" \
    wait_log 20 "$T/small/full.log: writing again: [1-9][0-9]* lines of worker output were dropped \(No space left on device\)"
check "new lines in the file" wait_for 10 test -s "$T/small/full.log"
kill -TERM "$SV_PID"
check "exits on TERM" sv_wait_exit 15
check "exit 0" test "${SV_STATUS:-x}" = 0
finish
