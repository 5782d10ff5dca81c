#!/bin/sh
# run-unit.sh RESULTS_DIR TEST_BIN... - run the Check unit-test binaries,
# print each one's summary and a total, record "<passed> <failed>
# <skipped>" in RESULTS_DIR/unit.result. A test that cannot run here says
# so with a "SKIP: <test>: <reason>" line (TU_SKIP in t/unit/testutil.h):
# it is counted as skipped, not passed. Exits non-zero when any test
# failed or crashed.
set -u
results=$1; shift
mkdir -p "$results"
passed=0; failed=0; skipped=0; status=0
for bin in "$@"; do
	name=$(basename "$bin")
	out=$("$bin" 2>&1); rc=$?
	# Only the verdicts: the summary, any failing check (file:line:F|E:...)
	# and any skip.
	printf '%s\n' "$out" | grep -E 'Checks: |:[FE]:|^SKIP: ' | sed "s/^/$name: /"
	line=$(printf '%s\n' "$out" | grep -E 'Checks: [0-9]+' | tail -n 1)
	if [ -z "$line" ]; then
		printf "%s\n" "$out" | tail -n 20
		echo "$name: crashed (exit $rc) before reporting"
		failed=$((failed + 1)); status=1; continue
	fi
	n=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	s=$(printf '%s\n' "$out" | grep -c '^SKIP: ')
	passed=$((passed + n - f - e - s)); failed=$((failed + f + e))
	skipped=$((skipped + s))
	[ "$rc" -eq 0 ] || status=1
done
echo "$passed $failed $skipped" > "$results/unit.result"
echo "unit: $passed passed, $failed failed, $skipped skipped"
exit $status
