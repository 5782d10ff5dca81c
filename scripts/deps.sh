#!/bin/sh
# Install the Debian packages clustd's build, tests, demo and benchmark need,
# when they are missing. Does nothing when all are present; needs root to
# install (apt-get), and says so otherwise.
set -eu

PKGS="build-essential pkg-config libnl-3-dev libnl-route-3-dev libmnl-dev libnftnl-dev nftables
libconfig-dev check libsystemd-dev libsodium-dev libjson-c-dev iproute2 iputils-ping arping tshark tcpdump jq
keepalived python3 python3-scapy python3-prometheus-client python3-yaml systemd valgrind clang libclang-rt-14-dev procps nginx curl"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing Debian packages:$missing" >&2
	echo "deps.sh: run as root (sudo make ...) to install them" >&2
	exit 1
fi
echo "deps.sh: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, quietly.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections 2>/dev/null || true
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing </dev/null
# keepalived is only an interop peer for the tests, nginx only a web server
# inside their namespaces: never let either run as a service.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
	systemctl disable --now keepalived nginx >/dev/null 2>&1 || true
elif [ -x /etc/init.d/nginx ]; then
	/etc/init.d/nginx stop >/dev/null 2>&1 || true
fi
