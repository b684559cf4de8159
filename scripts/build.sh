#!/bin/sh
# build.sh DIR [MESON-OPTIONS...]: configure DIR once (again only when it
# exists), then compile.
set -eu
dir=$1
shift
if [ -d "$dir/meson-private" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
else
	meson setup "$dir" "$@" >/dev/null
fi
meson compile -C "$dir"
