# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/lib_vmac.sh - helpers for the virtual MAC (use_vmac) tests.
# Source it after lib.sh.

# vm_status <node>: clustd's `status --json` inside the node.
vm_status() {
	nsx "$1" timeout 5 "$CLUSTD" -f "$T/$1.conf" status --json 2>/dev/null
}

# vm_q <node> <jq filter on .instances[0]>
vm_q() {
	vm_status "$1" | jq -r ".instances[0] | $2" 2>/dev/null
}

# vm_link <node> <dev>: `ip -d link show` of the device (empty if none).
vm_link() {
	ip -n "${P}$1" -d link show dev "$2" 2>/dev/null
}

vm_exists() {
	ip -n "${P}$1" link show dev "$2" >/dev/null 2>&1
}

# vm_is_up <node> <dev>: IFF_UP set.
vm_is_up() {
	ip -n "${P}$1" -o link show dev "$2" 2>/dev/null | grep -q '<[^>]*[<,]UP[,>]'
}

vm_is_down() {
	vm_exists "$1" "$2" && ! vm_is_up "$1" "$2"
}

# vm_sysctl <node> <dev> <key> [ipv6]: net.ipv4.conf.<dev>.<key> (or
# net.ipv6...) in the node.
vm_sysctl() {
	nsx "$1" cat "/proc/sys/net/${4:-ipv4}/conf/$2/$3" 2>/dev/null
}

# vm_le <a> <b>: a <= b for decimal numbers.
vm_le() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a <= b) }'
}
