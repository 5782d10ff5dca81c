#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# t/net/run.sh <clustd-binary> <results-dir>: run the namespace suite.
#
# Every t/net/test_*.sh runs with CLUSTD set to the daemon (absolute path),
# at most NET_JOBS (3) at a time, each under a hard `timeout 300`, output in
# <results-dir>/net-<name>.log. A script that exits non-zero without a
# "not ok" line, or that times out, counts as one more failure. Skips
# ("ok N # SKIP", "1..0 # SKIP") are counted apart; without root every
# test counts as skipped. <results-dir>/net.result: "<passed> <failed>
# <skipped>".
# NET_TESTS="election multi" limits the run to those tests.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 <clustd-binary> <results-dir>" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
bin=$1
results=$2
jobs=${NET_JOBS:-3}
per_test_timeout=${NET_TIMEOUT:-300}

mkdir -p "$results" || exit 2
rm -f "$results"/net-*.log "$results"/net.result

if [ ! -x "$bin" ]; then
	echo "net: $bin is not an executable daemon binary" >&2
	printf '0 1\n' >"$results/net.result"
	exit 1
fi
CLUSTD=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
export CLUSTD

tests=()
for t in "$here"/test_*.sh; do
	[ -e "$t" ] || continue
	name=$(basename "$t" .sh)
	name=${name#test_}
	if [ -n "${NET_TESTS:-}" ]; then
		case " $NET_TESTS " in
		*" $name "*) ;;
		*) continue ;;
		esac
	fi
	tests+=("$name")
done

if [ "$(id -u)" -ne 0 ]; then
	# Every test this run would have run counts as one skip.
	n=${#tests[@]}
	echo "net: SKIPPED $n tests - the namespace suite needs root (ip netns); run 'sudo make check-net'"
	printf '0 0 %d\n' "$n" >"$results/net.result"
	exit 0
fi
rcdir=$(mktemp -d /tmp/clt-run.XXXX) || exit 2
declare -A running=()	# name -> pid of the timeout wrapper
printed=()
script_failures=()	# digest lines for scripts that died or timed out

stop_all() {
	local n
	for n in "${!running[@]}"; do
		kill -TERM "${running[$n]}" 2>/dev/null
	done
	wait
	rm -rf "$rcdir"
}
trap 'stop_all; exit 130' INT TERM

total_pass=0
total_fail=0
total_skip=0
bad_scripts=0

report() {
	local name=$1 log=$results/net-$1.log rc p f s
	rc=$(cat "$rcdir/$name.rc" 2>/dev/null || echo 255)
	grep -E '^(ok|not ok) [0-9]+|^1\.\.0 # SKIP' "$log" | sed "s/^/$name: /"
	# "ok N # SKIP why" is a skipped check, "1..0 # SKIP why" a whole
	# test skipped: neither counts as passed.
	s=$(grep -Ec '^ok [0-9]+ # SKIP|^1\.\.0 # SKIP' "$log")
	p=$(grep -E '^ok [0-9]+' "$log" | grep -Evc '^ok [0-9]+ # SKIP')
	f=$(grep -Ec '^not ok [0-9]+' "$log")
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
		echo "$name: not ok - timed out after ${per_test_timeout}s"
		script_failures+=("$name: timed out after ${per_test_timeout}s; last lines:"
			"$(tail -n 5 "$log" | sed "s/^/$name:   /")")
		f=$((f + 1))
		bad_scripts=$((bad_scripts + 1))
	elif [ "$rc" != 0 ] && [ "$f" -eq 0 ]; then
		echo "$name: not ok - script exited $rc without a failing assertion"
		script_failures+=("$name: exited $rc without a failing assertion; last lines:"
			"$(tail -n 5 "$log" | sed "s/^/$name:   /")")
		f=$((f + 1))
		bad_scripts=$((bad_scripts + 1))
	elif [ "$rc" != 0 ]; then
		bad_scripts=$((bad_scripts + 1))
	fi
	grep -E '^# [a-z0-9_]+: [0-9]+ passed' "$log" | sed "s/^/$name: /"
	total_pass=$((total_pass + p))
	total_fail=$((total_fail + f))
	total_skip=$((total_skip + s))
}

launch() {
	local name=$1
	(
		timeout -k 30 "$per_test_timeout" bash "$here/test_$name.sh" \
			>"$results/net-$name.log" 2>&1
		echo $? >"$rcdir/$name.rc"
	) &
	running[$name]=$!
}

# Print (once) every test whose wrapper finished.
reap() {
	local n
	for n in "${!running[@]}"; do
		if [ -f "$rcdir/$n.rc" ]; then
			wait "${running[$n]}" 2>/dev/null
			unset "running[$n]"
			report "$n"
		fi
	done
}

for name in "${tests[@]}"; do
	while [ "${#running[@]}" -ge "$jobs" ]; do
		wait -n 2>/dev/null || true
		reap
		[ "${#running[@]}" -ge "$jobs" ] && sleep 0.1
	done
	launch "$name"
done
while [ "${#running[@]}" -gt 0 ]; do
	wait -n 2>/dev/null || true
	reap
	[ "${#running[@]}" -gt 0 ] && sleep 0.1
done
rm -rf "$rcdir"

# A digest of every failure, last, so that the tail of a CI log names the
# failing test, its failing assertions and the lines around them.
if [ "$total_fail" -gt 0 ] || [ "$bad_scripts" -gt 0 ]; then
	echo "net: FAILURES (full logs: $results/net-NAME.log)"
	for line in "${script_failures[@]}"; do
		echo "$line"
	done
	for name in "${tests[@]}"; do
		grep -qE '^not ok [0-9]+' "$results/net-$name.log" 2>/dev/null || continue
		grep -E -B 4 -A 4 '^not ok [0-9]+' "$results/net-$name.log" |
			head -n 40 | sed "s/^/$name: /"
	done
fi

echo "net: $total_pass passed, $total_fail failed, $total_skip skipped"
echo "$total_pass $total_fail $total_skip" >"$results/net.result"
[ "$total_fail" -eq 0 ] && [ "$bad_scripts" -eq 0 ] && [ "${#tests[@]}" -gt 0 ]
