#!/bin/sh
# run-unit.sh RESULTS_DIR TEST_BIN... - run the Check unit-test binaries,
# print each one's summary and a total, record "<passed> <failed>" in
# RESULTS_DIR/unit.result. Exits non-zero when any test failed or crashed.
set -u
results=$1; shift
mkdir -p "$results"
passed=0; failed=0; status=0
for bin in "$@"; do
	name=$(basename "$bin")
	out=$("$bin" 2>&1); rc=$?
	# Only the verdicts: the summary and any failing check (file:line:F|E:...).
	printf '%s\n' "$out" | grep -E 'Checks: |:[FE]:' | sed "s/^/$name: /"
	line=$(printf '%s\n' "$out" | grep -E 'Checks: [0-9]+' | tail -n 1)
	if [ -z "$line" ]; then
		printf "%s\n" "$out" | tail -n 20
		echo "$name: crashed (exit $rc) before reporting"
		failed=$((failed + 1)); status=1; continue
	fi
	n=$(printf '%s' "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
	f=$(printf '%s' "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
	e=$(printf '%s' "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
	passed=$((passed + n - f - e)); failed=$((failed + f + e))
	[ "$rc" -eq 0 ] || status=1
done
echo "$passed $failed" > "$results/unit.result"
echo "unit: $passed passed, $failed failed"
exit $status
