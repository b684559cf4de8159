#!/bin/sh
# Install the build and test dependencies from Debian 12's packages, only
# those missing, so that a second run needs no network.  As root, or
# through sudo.  With --bench, also what the benchmarks need (bench/):
# gnuplot for seed_table.sh's plot, strace for idle_syscalls.sh.
set -eu

packages="gcc libc6-dev clang libclang-rt-14-dev meson ninja-build pkg-config
libev-dev libinih-dev libcmocka-dev mandoc logrotate python3 procps util-linux
curl prometheus valgrind tmux"
if [ "${1:-}" = --bench ]; then
	packages="$packages gnuplot-nox strace"
fi

missing=
for p in $packages; do
	if ! dpkg-query -W -f '${Status}\n' "$p" 2>/dev/null |
	    grep -q '^install ok installed$'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
	as_root=
elif command -v sudo >/dev/null 2>&1; then
	as_root=sudo
else
	echo "deps.sh: need root or sudo to install:$missing" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
# A package with a service (prometheus) must not start it: policy-rc.d
# says no for the duration, unless the machine has its own.
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' | $as_root tee /usr/sbin/policy-rc.d \
	    >/dev/null
	$as_root chmod 755 /usr/sbin/policy-rc.d
	trap '$as_root rm -f /usr/sbin/policy-rc.d' EXIT
fi
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
# shellcheck disable=SC2086
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends $missing
