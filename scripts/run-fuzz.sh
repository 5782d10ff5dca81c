#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# run-fuzz.sh SECONDS BIN... - run each libFuzzer binary for SECONDS.
# run-fuzz.sh replay BIN...   - run each binary once on every file of its
#                               corpus, no random exploration (make check).
#
# build/fuzz/fuzz_NAME starts from the seeds in t/fuzz/corpus/NAME/, copied
# to a temporary working corpus so the repository is never modified. Prints
# one line per target; crash inputs land in <bin dir>/artifacts/. Exits 1 if
# any target crashed, leaked, timed out or could not run.
# Extra libFuzzer flags may be passed in FUZZ_ARGS.
#
# The corpus t/fuzz/corpus/NAME/ holds the seeds and every crash or leak
# reproducer found so far (libFuzzer reads it recursively, so `make fuzz`
# starts from them too). Replay is deterministic: the same commit passes or
# fails the same way on every run, which `make check` needs; it prints
# "NAME: ok, N inputs replayed" or the failing input and the report.
set -u

usage() {
	echo "usage: $0 SECONDS BIN..." >&2
	exit 2
}

[ $# -ge 2 ] || usage
secs=$1
shift
case $secs in
replay) ;;
'' | *[!0-9]* | 0) usage ;;
esac

top=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/clustd-fuzz.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

# UBSan only prints by default; make it a crash like ASan's findings.
UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
export UBSAN_OPTIONS

# Prints the number from libFuzzer's "Done N runs" line, or "?".
runs_of() {
	sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$1" | tail -n 1 | grep . || echo "?"
}

# replay_one BIN: every corpus file once, each in its own run so that a
# leak report (printed at exit) names its input.
replay_one() {
	local bin=$1 name seeds n=0 f log rc
	name=$(basename "$bin")
	seeds="$top/t/fuzz/corpus/${name#fuzz_}"
	log="$tmp/$name.log"
	if [ ! -x "$bin" ]; then
		echo "$name: FAIL (no such binary: $bin)"
		return 1
	fi
	if [ ! -d "$seeds" ] || [ -z "$(find "$seeds" -type f | head -n 1)" ]; then
		echo "$name: FAIL (empty corpus $seeds)"
		return 1
	fi
	while IFS= read -r f; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
		"$bin" -timeout=10 ${FUZZ_ARGS:-} "$f" >"$log" 2>&1
		rc=$?
		if [ "$rc" -ne 0 ]; then
			echo "$name: FAIL (exit $rc) input ${f#"$top"/}"
			awk '/ERROR|runtime error|check failed/ { p = 1 } p' "$log" | head -n 40 >&2
			return 1
		fi
	done < <(find "$seeds" -type f | LC_ALL=C sort)
	echo "$name: ok, $n inputs replayed (seeds and reproducers of ${seeds#"$top"/})"
}

fail=0
if [ "$secs" = replay ]; then
	for bin in "$@"; do
		replay_one "$bin" || fail=1
	done
	exit "$fail"
fi

for bin in "$@"; do
	name=$(basename "$bin")
	seeds="$top/t/fuzz/corpus/${name#fuzz_}"
	work="$tmp/$name"
	log="$tmp/$name.log"
	arts="$(dirname "$bin")/artifacts"
	if [ ! -x "$bin" ]; then
		echo "$name: FAIL (no such binary: $bin)"
		fail=1
		continue
	fi
	mkdir -p "$work" "$arts"
	nseeds=0
	if [ -d "$seeds" ]; then
		cp -R "$seeds/." "$work/"
		nseeds=$(find "$work" -type f | wc -l)
	fi
	# shellcheck disable=SC2086 # FUZZ_ARGS is a list of flags
	"$bin" -max_total_time="$secs" -timeout=10 -print_final_stats=1 \
		-artifact_prefix="$arts/$name-" ${FUZZ_ARGS:-} "$work" >"$log" 2>&1
	rc=$?
	ncorp=$(find "$work" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		echo "$name: ok, $(runs_of "$log") runs in ${secs}s, corpus $nseeds -> $ncorp"
	else
		art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		echo "$name: FAIL (exit $rc) ${art:+input $art}"
		# From the first report on: the sanitizer's words, then the stack.
		awk '/ERROR|runtime error|check failed/ { p = 1 } p' "$log" |
			head -n 40 >&2
		fail=1
	fi
done
exit "$fail"
