#!/bin/sh
# promtool.sh - prints the path of a promtool, fetching one when missing.
# A promtool on PATH is used as it is. Otherwise Debian's prometheus
# package is downloaded (apt-get download, root not needed for that) and
# only its promtool is unpacked into build/tools/: installing the package
# would start a Prometheus server on the machine. Exits 1 if neither works.
set -eu
if command -v promtool >/dev/null 2>&1; then
	command -v promtool
	exit 0
fi
dir=$(cd "$(dirname "$0")/.." && pwd)/build/tools
if [ ! -x "$dir/promtool" ]; then
	mkdir -p "$dir/pkg"
	(cd "$dir/pkg" && rm -f prometheus_*.deb && apt-get download -qq prometheus >/dev/null 2>&1) || {
		echo "promtool.sh: cannot download Debian's prometheus package" >&2
		exit 1
	}
	dpkg-deb --fsys-tarfile "$dir"/pkg/prometheus_*.deb |
		tar -x -O ./usr/bin/promtool >"$dir/promtool.tmp"
	chmod 755 "$dir/promtool.tmp"
	mv "$dir/promtool.tmp" "$dir/promtool"
	rm -rf "$dir/pkg"
fi
echo "$dir/promtool"
