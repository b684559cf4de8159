#!/bin/sh
# Install what is needed, build, and run the demo: supervise -c
# conf/workers.ini.  Ctrl-C stops every worker and supervise.
set -eu
cd "$(dirname "$0")/.."
scripts/deps.sh
scripts/build.sh build
PATH="$PWD/build/workers:$PATH"
export PATH
exec ./build/supervise -c conf/workers.ini
