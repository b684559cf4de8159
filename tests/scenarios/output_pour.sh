#!/usr/bin/env bash
# A worker that pours output in bulk into supervise's stdout, here a file,
# has its pipe grown to 1 MiB, so that supervise reads what many writes
# brought at once (supervise(1), WORKER OUTPUT); one that writes a line
# now and then keeps the kernel's 64 KiB.  (Towards a slow pipe the pipe
# is not grown: output_flood's slow reader loses nothing.)
# Each worker reads its own stdout pipe's size and prints it; every line
# of the pour arrives.
. "${SCENARIO_LIB:?}" || exit 1

cat > "$T/size.py" <<'PY'
import fcntl, os, sys, time
pour = sys.argv[1] == "pour"
if pour:
    chunk = (b"x" * 99 + b"\n") * 655
    for _ in range(64):
        os.write(1, chunk)
    want = 1 << 20
else:
    os.write(1, b"hello\n")
    want = 1 << 16
# The pipe grows once supervise has read the pour: wait for it, bounded.
deadline = time.monotonic() + 20
while (fcntl.fcntl(1, fcntl.F_GETPIPE_SZ) != want and
       time.monotonic() < deadline):
    time.sleep(0.01)
os.write(1, b"pipe=%d\n" % fcntl.fcntl(1, fcntl.F_GETPIPE_SZ))
PY

write_config "$T/s.ini" <<EOF
[worker:pour]
command = python3 $T/size.py pour
restart = never

[worker:quiet]
command = python3 $T/size.py quiet
restart = never
EOF

both_ended() { [ "$(log_count ': exited with status 0')" -ge 2 ]; }
X=$(head -c 99 /dev/zero | tr '\0' x)

sv_start "$T/s.ini"
check "both workers ended" wait_for 30 both_ended
check "the pouring worker's pipe grew to 1 MiB" \
    grep -qxF "pour | pipe=1048576" "$T/out"
check "the quiet worker's pipe kept 64 KiB" \
    grep -qxF "quiet | pipe=65536" "$T/out"
check "every line of the pour arrived" \
    test "$(grep -cxF "pour | $X" "$T/out")" = $((64 * 655))
kill -TERM "$SV_PID"
check "supervise exits on TERM" sv_wait_exit 10
finish
