#!/usr/bin/env bash
# What supervisectl prints of a status reply, byte for byte: the table
# and the JSON of a fixed reply (fixtures/status_reply.txt: escapes, long
# names, bytes that are not UTF-8, every kind of last exit, figures and
# none) against fixtures/status_table.txt and status_json.txt, whether
# the reply comes at once or a few bytes at a time; and a reply that ends
# in an error after its rows prints no table at all.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

if ! command -v python3 > /dev/null; then
	skip "python3 not installed: no stand-in server"
	finish
fi
F=$(dirname "${BASH_SOURCE[0]}")/fixtures

# serve SOCKET FILE CHUNK: answer every request on SOCKET with FILE's
# bytes, CHUNK bytes at a time (0: all at once).
serve() {
	python3 - "$1" "$2" "$3" <<'PY' &
import socket, sys, time
path, data, chunk = sys.argv[1], open(sys.argv[2], 'rb').read(), int(sys.argv[3])
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(16)
while True:
    c, _ = s.accept()
    buf = b''
    while b'\n' not in buf:
        d = c.recv(4096)
        if not d:
            break
        buf += d
    if chunk == 0:
        c.sendall(data)
    else:
        for i in range(0, len(data), chunk):
            c.sendall(data[i:i + chunk])
            time.sleep(0.0002)
    c.close()
PY
	track $!
	wait_for 30 test -S "$1"
}

check "server: at once" serve "$T/all.sock" "$F/status_reply.txt" 0
check "server: 7 bytes at a time" serve "$T/drip.sock" "$F/status_reply.txt" 7
for s in all drip; do
	"$SUPERVISECTL" -s "$T/$s.sock" status > "$T/$s.table"
	check "$s: status exits 0" test $? -eq 0
	check "$s: the table, byte for byte" cmp "$T/$s.table" "$F/status_table.txt"
	"$SUPERVISECTL" -s "$T/$s.sock" --json status > "$T/$s.json"
	check "$s: --json exits 0" test $? -eq 0
	check "$s: the JSON, byte for byte" cmp "$T/$s.json" "$F/status_json.txt"
done

# The same rows, then an error instead of ok: its exit status, its
# message, and nothing on stdout.
sed '$d' "$F/status_reply.txt" > "$T/failed.txt"
printf 'err\tinternal\tout of memory\n' >> "$T/failed.txt"
check "server: rows, then an error" serve "$T/err.sock" "$T/failed.txt" 0
for mode in status "--json status"; do
	# shellcheck disable=SC2086
	"$SUPERVISECTL" -s "$T/err.sock" $mode > "$T/o" 2> "$T/e"
	check "err ($mode): exit 1" test $? -eq 1
	check "err ($mode): says why" grep -q 'supervisectl: out of memory' "$T/e"
	check "err ($mode): prints no rows" test ! -s "$T/o"
done
finish
