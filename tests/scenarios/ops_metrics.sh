#!/usr/bin/env bash
# Metrics: `supervisectl metrics` and [supervisor] metrics_listen in the
# Prometheus text format, checked by promtool and scraped by a real
# Prometheus; the listener serves /metrics only, and bounds its peers.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

# free_port: a loopback port nobody listens on now.
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
PORT=$(free_port)
URL="http://127.0.0.1:$PORT"
http_code() { curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$@"; }

# --- The key, checked by -t.
write_config "$T/bad.ini" <<EOF
[supervisor]
metrics_listen = 127.0.0.1

[worker:x]
command = true
EOF
"$SUPERVISE" -t -c "$T/bad.ini" > "$T/t.out" 2> "$T/t.err"
check "-t: metrics_listen without a port is refused (78)" test $? -eq 78
check "-t: FILE:LINE: key: message" grep -q \
    "bad.ini:2: metrics_listen: expected HOST:PORT" "$T/t.err"
for v in "example.com:80" "127.0.0.1:0" "127.0.0.1:65536" "::1:9" "[::1]"; do
	sed "s/^metrics_listen = .*/metrics_listen = $v/" "$T/bad.ini" \
	    > "$T/bad2.ini"
	"$SUPERVISE" -t -c "$T/bad2.ini" > /dev/null 2>&1
	check "-t: metrics_listen = $v is refused" test $? -eq 78
done
for v in "localhost:9" "[::1]:9" "0.0.0.0:9"; do
	sed "s/^metrics_listen = .*/metrics_listen = $v/" "$T/bad.ini" \
	    > "$T/good.ini"
	check "-t: metrics_listen = $v is accepted" \
	    eval '"$SUPERVISE" -t -c "$T/good.ini" > /dev/null'
done

write_config "$T/w.ini" <<EOF
[supervisor]
metrics_listen = 127.0.0.1:$PORT

[worker:run]
command = sh -c 'echo up; exec crashy --fault none'
min_uptime = 0

[worker:crash]
command = crashy --fault segv --after 100ms
restart_delay = 100ms

[worker:idle]
command = crashy --fault none
autostart = no
EOF
sv_start "$T/w.ini"
check "run is running" wait_log 10 ' run: running$'
check "crash crashed twice" wait_log_count 10 2 ' crash: killed by signal SEGV'

# --- supervisectl metrics.
ctl metrics > "$T/m1"
check "supervisectl metrics exits 0" test $? -eq 0
if command -v promtool > /dev/null; then
	check "promtool check metrics: supervisectl metrics is clean" \
	    eval 'promtool check metrics < "$T/m1" > "$T/lint" 2>&1'
	[ -s "$T/lint" ] && cat "$T/lint"
else
	skip "promtool not installed (scripts/deps.sh installs it)"
fi
check "up: run 1" grep -qx 'supervise_worker_up{worker="run"} 1' "$T/m1"
check "up: idle 0" grep -qx 'supervise_worker_up{worker="idle"} 0' "$T/m1"
check "state: idle STOPPED 1" grep -qx \
    'supervise_worker_state{worker="idle",state="STOPPED"} 1' "$T/m1"
check "state: one series per state" eval \
    '[ "$(grep -c "^supervise_worker_state{worker=\"run\"," "$T/m1")" = 7 ]'
check "exits by reason: crash signal >= 2" eval 'awk \
    "/^supervise_worker_exits_total\\{worker=\"crash\",reason=\"signal\"\\}/ \
    { exit !(\$2 >= 2) }" "$T/m1"'
check "last exit signal: SEGV is 11" grep -qx \
    'supervise_worker_last_exit_signal{worker="crash"} 11' "$T/m1"
check "restarts counted" grep -Eq \
    '^supervise_worker_restarts_total\{worker="crash"\} [1-9]' "$T/m1"
check "output lines counted" grep -Eq \
    '^supervise_worker_output_lines_total\{worker="run"\} [1-9]' "$T/m1"
check "resident memory of run, from /proc" grep -Eq \
    '^supervise_worker_resident_memory_bytes\{worker="run"\} [1-9][0-9]*$' "$T/m1"
check "CPU seconds of run, from /proc" grep -Eq \
    '^supervise_worker_cpu_seconds_total\{worker="run"\} [0-9]+\.[0-9]{3}$' "$T/m1"
check "no usage series for a worker without a process" eval \
    '! grep -q "^supervise_worker_cpu_seconds_total{worker=\"idle\"}" "$T/m1"'
check "build info" grep -Eq \
    '^supervise_build_info\{version="[^"]+",mode="process"\} 1$' "$T/m1"
check "control requests counted" grep -Eq \
    '^supervise_control_requests_total [1-9]' "$T/m1"
check "start time of run is recent" eval 'awk -v now="$(date +%s)" \
    "/^supervise_worker_start_time_seconds\\{worker=\"run\"\\}/ \
    { exit !(\$2 > now - 600 && \$2 <= now + 1) }" "$T/m1"'

# --- GET /metrics.
check "GET /metrics is 200" eval '[ "$(http_code "$URL/metrics")" = 200 ]'
curl -s --max-time 10 -D "$T/h" "$URL/metrics" > "$T/m2"
check "Content-Type is the text format 0.0.4" grep -qi \
    '^Content-Type: text/plain; version=0.0.4' "$T/h"
if command -v promtool > /dev/null; then
	check "promtool check metrics: GET /metrics is clean" \
	    eval 'promtool check metrics < "$T/m2"'
fi
check "GET /metrics has the same families" eval \
    '[ "$(grep -c "^# TYPE" "$T/m1")" = "$(grep -c "^# TYPE" "$T/m2")" ]'
check "HEAD /metrics is 200" eval \
    '[ "$(http_code -I "$URL/metrics")" = 200 ]'
check "nothing else is served: / is 404" eval \
    '[ "$(http_code "$URL/")" = 404 ]'
check "nothing else is served: /metrics/x is 404" eval \
    '[ "$(http_code "$URL/metrics/x")" = 404 ]'
check "POST is 405" eval '[ "$(http_code -X POST "$URL/metrics")" = 405 ]'

# raw BYTES: send them on a new connection, print the status code.
raw() {
	timeout 10 python3 -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode("latin-1").decode("unicode_escape").encode("latin-1"))
print(s.recv(64).split()[1].decode())' "$PORT" "$1"
}
check "garbage is 400" eval '[ "$(raw "\\x16\\x03\\x01hello\\r\\n\\r\\n")" = 400 ]'
check "a bare LF is 400" eval '[ "$(raw "GET /metrics HTTP/1.1\\n\\n")" = 400 ]'
check "an oversized request is 431" eval \
    '[ "$(raw "GET /metrics HTTP/1.1\\r\\n$(printf "X: y\\\\r\\\\n%.0s" $(seq 2000))")" = 431 ]'

# --- Bounds: a connection cap, and a deadline for silent peers.
cat > "$T/cap.py" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
conns = [socket.create_connection(("127.0.0.1", port)) for _ in range(8)]
time.sleep(0.5)
extra = socket.create_connection(("127.0.0.1", port))
extra.settimeout(30)
try:
    print("extra:", "closed" if extra.recv(1) == b"" else "data", flush=True)
except Exception as e:
    print("extra:", type(e).__name__, flush=True)
for c in conns:
    c.settimeout(30)
    try:
        c.recv(1)
    except Exception as e:
        print("silent:", type(e).__name__, flush=True)
        sys.exit(1)
print("silent: closed", flush=True)
PY
python3 "$T/cap.py" "$PORT" > "$T/cap" 2>&1 &
CAP_PID=$!
track "$CAP_PID"
check "a connection over the cap is closed at once" \
    wait_for 40 grep -q "^extra: closed" "$T/cap"
check "supervise answers its socket while HTTP peers are silent" \
    eval 'ctl status run > /dev/null'
check "silent connections are closed at the deadline" \
    wait_for 30 grep -q '^silent: closed' "$T/cap"
check "GET /metrics works again after" eval \
    '[ "$(http_code "$URL/metrics")" = 200 ]'

# --- A reload may not move the listener.
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$(free_port)/" \
    "$T/w.ini"
ctl reload > /dev/null 2> "$T/reload.err"
check "reload that changes metrics_listen is refused" test $? -eq 1
check "... and says why" grep -q 'metrics_listen: cannot change on reload' \
    "$T/reload.err"
check "reloads_total counts the refusal" eval 'ctl metrics |
    grep -qx "supervise_reloads_total{result=\"failure\"} 1"'

# --- A second supervise cannot take the same port: exit 73.
sed -i "s/^metrics_listen = .*/metrics_listen = 127.0.0.1:$PORT/" "$T/w.ini"
"$SUPERVISE" -c "$T/w.ini" -s "$T/sock2" > /dev/null 2> "$T/second.err"
check "a taken metrics port: exit 73" test $? -eq 73
check "... and says so" grep -q "metrics_listen 127.0.0.1:$PORT" \
    "$T/second.err"

# --- A real Prometheus scrapes supervise.
if command -v prometheus > /dev/null; then
	PPORT=$(free_port)
	mkdir -p "$T/prom"
	cat > "$T/prom.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: supervise
    static_configs:
      - targets: ['127.0.0.1:$PORT']
EOF
	prometheus --config.file="$T/prom.yml" \
	    --storage.tsdb.path="$T/prom" \
	    --web.listen-address="127.0.0.1:$PPORT" \
	    > "$T/prom.log" 2>&1 &
	PROM_PID=$!
	track "$PROM_PID"
	query() {
		curl -s --max-time 5 -G \
		    --data-urlencode 'query=supervise_worker_up{worker="run"}' \
		    "http://127.0.0.1:$PPORT/api/v1/query" > "$T/q" 2>/dev/null &&
		    grep -q '"value":\[[0-9.]*,"1"\]' "$T/q"
	}
	check "Prometheus scraped supervise_worker_up{worker=\"run\"} = 1" \
	    wait_for 90 query
	target_up() {
		curl -s --max-time 5 "http://127.0.0.1:$PPORT/api/v1/targets" |
		    grep -q '"health":"up"'
	}
	check "the scrape target is healthy" wait_for 30 target_up
	[ "$FAILS" -gt 0 ] && { cat "$T/q"; tail -n 20 "$T/prom.log"; }
	reap "$PROM_PID"
else
	skip "prometheus not installed (scripts/deps.sh installs it)"
fi

sv_signal TERM
check "supervise exits 0" eval 'sv_wait_exit 20 && [ "$SV_STATUS" = 0 ]'
finish
