#!/usr/bin/env bash
# The examples of examples/: two levels of supervise run for real (the
# inner one a worker of the outer one, ready=notify, each with its own
# socket); the systemd unit passes systemd-analyze verify; the container
# and Kubernetes files say what the README says, and their config runs.
. "${SCENARIO_LIB:?}" || exit 1
scenario_guard

ex="$(cd "$(dirname "$SCENARIO_LIB")/../../examples" && pwd)"
export PATH="$(dirname "$SUPERVISE"):$PATH"

# --- examples/tree: outer -> inner -> workers.
mkdir "$T/tree"
cp "$ex/tree/outer.ini" "$ex/tree/inner.ini" "$T/tree/"
check "tree: -t outer" eval '"$SUPERVISE" -t -c "$T/tree/outer.ini" > /dev/null'
check "tree: -t inner" eval '"$SUPERVISE" -t -c "$T/tree/inner.ini" > /dev/null'
# Started from elsewhere: the paths are the configs' own.
: > "$T/out"; : > "$T/err"
(cd / && exec "$SUPERVISE" -c "$T/tree/outer.ini") >> "$T/out" 2>> "$T/err" &
SV_PID=$!
track "$SV_PID"
check "tree: the inner supervise is RUNNING (its READY=1)" \
    wait_log 20 ' inner: running$'
inner=$(pid_of inner)
check "tree: inner is a child of outer" test "$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$inner/stat")" = "$SV_PID"
octl() { "$SUPERVISECTL" -s "$T/tree/outer.sock" "$@"; }
ictl() { "$SUPERVISECTL" -s "$T/tree/inner.sock" "$@"; }
check "tree: outer.sock shows inner" eval 'octl status | grep -Eq "^inner +RUNNING +$inner "'
check "tree: inner.sock shows its workers" eval \
    '[ "$(ictl status | awk "NR > 1 { printf \"%s \", \$1 }")" = "web:0 web:1 flaky " ]'
check "tree: check through both levels" eval 'octl check && ictl check'
web0=$(ictl --json status web:0 | sed 's/.*"pid":\([0-9]*\).*/\1/')
check "tree: web:0 is inner's child" test "$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$web0/stat")" = "$inner"
# The inner supervise dies: the outer one restarts it, and its workers
# go with it (PDEATHSIG, then its group killed).
kill -KILL "$inner"
check "tree: outer sees inner die" wait_log 10 ' inner: killed by signal KILL'
check "tree: inner restarted, RUNNING again" wait_log_count 20 2 ' inner: running$'
check "tree: the old inner's web:0 is gone" wait_for 10 dead "$web0"
check "tree: the new inner answers" wait_for 10 eval 'ictl check > /dev/null 2>&1'
inner2=$(pid_of inner)
kill -TERM "$SV_PID"
check "tree: TERM: outer exits" sv_wait_exit 60
check "tree: TERM: status 0" test "$SV_STATUS" = 0
check "tree: the inner supervise is gone" dead "$inner2"
check "tree: nothing left of either level" wait_for 10 no_leftovers

# --- examples/systemd: systemd-analyze verify, on a copy that names the
# binaries just built (verify wants ExecStart's program to exist).
if command -v systemd-analyze > /dev/null &&
    systemd-analyze --version > /dev/null 2>&1; then
	sed -e "s|/usr/local/bin/supervise|$SUPERVISE|g" \
	    "$ex/systemd/supervise.service" > "$T/supervise.service"
	# --man=no: the pages are not installed where the test runs.
	systemd-analyze verify --man=no "$T/supervise.service" > "$T/verify" 2>&1
	rc=$?
	# Only what concerns this unit: verify also reads the host's units.
	if grep -q 'supervise.service' "$T/verify"; then cat "$T/verify"; fi
	check "systemd: verify exits 0" test "$rc" -eq 0
	check "systemd: verify says nothing of the unit" \
	    eval '! grep -q "supervise.service" "$T/verify"'
else
	skip "systemd-analyze not installed: the unit is not verified"
fi
for k in 'Type=notify' 'WatchdogSec=' 'ExecReload=' 'Restart=on-failure'; do
	check "systemd: $k" grep -q "^$k" "$ex/systemd/supervise.service"
done

# --- examples/container and examples/kubernetes.
df="$ex/container/Dockerfile"
check "container: Debian" grep -Eq '^FROM debian:12' "$df"
check "container: supervise is PID 1 (ENTRYPOINT, exec form)" \
    grep -Eq '^ENTRYPOINT \["supervise",' "$df"
check "container: HEALTHCHECK runs supervisectl check" \
    grep -Eq 'CMD \["supervisectl", .*"check"\]' "$df"
check "container: its workers.ini passes -t" \
    eval '"$SUPERVISE" -t -c "$ex/container/workers.ini" > /dev/null'
check "container: exit_when names the main job" \
    grep -q '^exit_when = app$' "$ex/container/workers.ini"
pod="$ex/kubernetes/pod.yaml"
check "kubernetes: liveness and readiness run supervisectl check" \
    test "$(grep -c '"supervisectl", .*"check"' "$pod")" = 2
if python3 -c 'import yaml' 2> /dev/null; then
	check "kubernetes: a Pod with both probes" python3 - "$pod" <<'EOF'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["kind"] == "Pod"
c = d["spec"]["containers"][0]
for p in ("livenessProbe", "readinessProbe"):
    assert c[p]["exec"]["command"][0] == "supervisectl", c[p]
    assert c[p]["exec"]["command"][-1] == "check", c[p]
EOF
else
	skip "python3 yaml not installed: pod.yaml not parsed"
fi
finish
