#!/bin/sh
# lint-layers.sh [SRC_DIR] - the layering rule as a check: a pure-core
# module (listed in SRC_DIR/CORE, default src/CORE) may not include an I/O
# or system-call header, nor a clustd header outside the core, nor call an
# I/O, process or clock function. Prints file:line: reason for each
# violation and exits 1 if there is any, 0 otherwise.
#
# To add a pure module: add its name to src/CORE. To change what counts
# as I/O, edit the lists below.
#
# Headers a core file may include:
#   - the C library's pure headers (stdint, stddef, stdbool, string,
#     stdlib for malloc/abort, stdio for snprintf, ctype, limits, ...);
#   - byte-order and address headers: netinet/*.h, arpa/inet.h, and
#     sys/socket.h for sa_family_t and AF_* (socket calls are caught by the
#     call rule), sys/types.h;
#   - linux/filter.h: the classic BPF instruction format (rx_filter builds
#     programs; attaching one is a setsockopt, caught by the call rule);
#   - libsodium (hashing, MAC: pure computation);
#   - the headers of other core modules and those in CORE_MAY_INCLUDE.
# Everything else below is refused.
set -u
src=${1:-src}
core_list=$src/CORE

# clustd headers that are not core modules but that core may use: the
# out-of-memory policy (allocation is not I/O; xalloc aborts on failure).
CORE_MAY_INCLUDE="xalloc.h"

# System and library headers a core file may not include (shell patterns).
FORBIDDEN_HEADERS="unistd.h fcntl.h poll.h signal.h pthread.h time.h dirent.h
pwd.h grp.h spawn.h syslog.h netdb.h ifaddrs.h net/* linux/* netlink/*
libmnl/* libnftnl/* libconfig.h systemd/* json-c/* sys/*"
ALLOWED_SYS_HEADERS="sys/types.h sys/socket.h linux/filter.h"

# Functions a core file may not call: file and socket I/O, processes,
# environment, the clock (time is an argument in the core).
FORBIDDEN_CALLS="open|openat|close|read|write|pread|pwrite|fopen|fdopen|fclose|fread|fwrite|fgets|fputs|fprintf|printf|puts|perror|socket|bind|connect|listen|accept|accept4|send|sendto|sendmsg|recv|recvfrom|recvmsg|setsockopt|getsockopt|ioctl|time|clock_gettime|gettimeofday|mono_now_us|mono_now_ms|wall_now_us|getenv|system|fork|execv|execve|execvp|waitpid|kill|syslog|sleep|usleep|nanosleep|getpid"

if [ ! -r "$core_list" ]; then
	echo "lint-layers: cannot read $core_list" >&2
	exit 2
fi
core=$(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$core_list" | grep -v '^$')

is_core_header() {
	for m in $core; do
		[ "$1" = "$m.h" ] && return 0
	done
	for h in $CORE_MAY_INCLUDE; do
		[ "$1" = "$h" ] && return 0
	done
	return 1
}

forbidden_system_header() {
	for h in $ALLOWED_SYS_HEADERS; do
		[ "$1" = "$h" ] && return 1
	done
	for pat in $FORBIDDEN_HEADERS; do
		# shellcheck disable=SC2254 # $pat is a pattern on purpose
		case $1 in $pat) return 0 ;; esac
	done
	return 1
}

bad=0
report() {
	echo "$1: $2"
	bad=1
}

check_file() {
	f=$1
	# Includes: '#include <x>' and '#include "x"', with their line numbers.
	grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
		sed -E 's/^([0-9]+):[[:space:]]*#[[:space:]]*include[[:space:]]*([<"])([^>"]*)[>"].*/\1 \2 \3/' >"$tmp"
	while read -r line kind name; do
		if [ "$kind" = '"' ]; then
			is_core_header "$name" ||
				report "$f:$line" "core file includes \"$name\", which is not core (src/CORE)"
		elif forbidden_system_header "$name"; then
			report "$f:$line" "core file includes <$name>, an I/O or system header"
		fi
	done <"$tmp"
	# Calls, outside comments: a name at a word start, not a member
	# (a->read( / a.read( are fine), followed by '('.
	sed -E -e 's@//.*@@' -e 's@/\*.*\*/@@g' -e 's@^[[:space:]]*(/\*|\*).*@@' "$f" |
		grep -nE "(^|[^A-Za-z0-9_.>])($FORBIDDEN_CALLS)[[:space:]]*\(" |
		while IFS=: read -r line text; do
			name=$(printf '%s\n' "$text" |
				grep -oE "(^|[^A-Za-z0-9_.>])($FORBIDDEN_CALLS)[[:space:]]*\(" | head -n 1 |
				sed -E 's/^[^A-Za-z0-9_]?//; s/[[:space:]]*\($//')
			echo "$f:$line: core file calls $name(), I/O or clock"
		done >"$tmp"
	if [ -s "$tmp" ]; then
		cat "$tmp"
		bad=1
	fi
}

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for m in $core; do
	found=0
	for f in "$src/$m.c" "$src/$m.h"; do
		[ -e "$f" ] || continue
		found=1
		check_file "$f"
	done
	[ "$found" = 1 ] || report "$core_list" "core module $m has neither $src/$m.c nor $src/$m.h"
done
exit $bad
