#!/usr/bin/env bash
# The test of seed_table.sh (meson test --setup bench --suite bench): a
# QUICK run into a temp dir must give all 20 rows of the table, each with
# a figure in both columns and a verdict, or `not applicable` with its
# reason, and the plot.  It checks that the experiments run and report,
# not what they find: the figures are the machine's.
#	BUILD=DIR: the build to use (meson passes its own)
set -u
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/svseed.XXXXXX)
trap 'rm -rf "$out"' EXIT
QUICK=1 OUT=$out "$here/seed_table.sh" > "$out/log" 2>&1
status=$?
if [ "$status" -ne 0 ] && [ "$status" -ne 2 ]; then
	cat "$out/log"
	echo "seed_table_check: seed_table.sh exited $status" >&2
	exit 1
fi
python3 - "$out" <<'PY' || { cat "$out/log"; exit 1; }
import json, os, sys
out = sys.argv[1]
t = json.load(open(os.path.join(out, "seed-table.json")))
ids = ["T%d" % i for i in range(1, 11)] + ["P%d" % i for i in range(1, 11)]
rows = {r["id"]: r for r in t["rows"]}
bad = []
if [r["id"] for r in t["rows"]] != ids:
    bad.append("rows %s, not %s" % ([r["id"] for r in t["rows"]], ids))
for i in ids:
    r = rows.get(i)
    if r is None:
        continue
    if r["verdict"] == "not applicable":
        if not r["why"]:
            bad.append("%s: not applicable, with no reason" % i)
        # On a machine of two CPUs or more every experiment must report:
        # a row may be `not applicable` for what its figures show (a
        # saturated machine), not for want of them.
        if t["machine"]["cpus"] >= 2 and "-" in (r["thread"], r["process"]):
            bad.append("%s: no figure: %s" % (i, r["why"]))
        continue
    if r["verdict"] not in ("holds", "does not hold", "holds with a caveat"):
        bad.append("%s: verdict %r" % (i, r["verdict"]))
    for k in ("thread", "process", "why", "experiment", "claim"):
        if not r.get(k) or r[k] == "-":
            bad.append("%s: no %s" % (i, k))
md = open(os.path.join(out, "seed-table.md")).read()
for i in ids:
    if "| %s |" % i not in md:
        bad.append("%s: not in seed-table.md" % i)
svg = os.path.join(out, "seed-table.svg")
if not os.path.exists(svg) or "<svg" not in open(svg).read():
    bad.append("no seed-table.svg")
for b in bad:
    print("seed_table_check:", b)
sys.exit(1 if bad else 0)
PY
echo "seed_table_check: 20 rows, each with figures and a verdict"
