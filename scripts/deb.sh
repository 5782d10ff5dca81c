#!/bin/sh
# deb.sh - builds the Debian package (debian/) into build/deb/ and runs
# lintian on it: no error, no warning (debian/clustd.lintian-overrides
# holds the only exceptions, each with its reason). As root it first
# installs what the build needs (dpkg-dev, debhelper, lintian and the
# Build-Depends of debian/control). The tree is copied to build/deb/src
# so that dpkg-buildpackage writes nothing outside build/.
#   DEB_VERSION_SUFFIX=+t1  builds a higher version (the upgrade test)
#   DEB_OUT=DIR             builds into DIR instead of build/deb
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${DEB_OUT:-$top/build/deb}
cd "$top"

if [ "$(id -u)" -eq 0 ]; then
	missing=""
	for p in dpkg-dev debhelper lintian; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
			missing="$missing $p"
	done
	export DEBIAN_FRONTEND=noninteractive
	if [ -n "$missing" ]; then
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing </dev/null
	fi
	if ! dpkg-checkbuilddeps debian/control >/dev/null 2>&1; then
		apt-get build-dep -y -qq ./ </dev/null
	fi
fi

version=$(dpkg-parsechangelog -S Version)${DEB_VERSION_SUFFIX:-}
src=$out/src/clustd-$version
rm -rf "$out"
mkdir -p "$src"
tar -c --exclude=./build --exclude=./.git -f - . | tar -x -C "$src" -f -
if [ -n "${DEB_VERSION_SUFFIX:-}" ]; then
	# A rebuilt package: the same sources under a higher version.
	sed -i "1s/($(dpkg-parsechangelog -S Version))/($version)/" "$src/debian/changelog"
fi
(cd "$src" && dpkg-buildpackage -us -uc -b -j2 >"$out/build.log" 2>&1) || {
	tail -n 40 "$out/build.log" >&2
	echo "deb.sh: dpkg-buildpackage failed: $out/build.log" >&2
	exit 1
}
mv "$out"/src/*.deb "$out"/src/*.changes "$out"/src/*.buildinfo "$out"/
rm -rf "$out/src"
deb=$(ls "$out"/clustd_"$version"_*.deb)
echo "deb.sh: built $deb"
if ! lintian --fail-on error,warning --display-info "$out"/clustd_"$version"_*.changes >"$out/lintian.log" 2>&1; then
	cat "$out/lintian.log" >&2
	echo "deb.sh: lintian: errors or warnings (above)" >&2
	exit 1
fi
echo "deb.sh: lintian: no error, no warning ($(grep -c '^[IP]:' "$out/lintian.log") info/pedantic notes in $out/lintian.log)"
