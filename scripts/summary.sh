#!/bin/sh
# summary.sh RESULTS_DIR - add up every *.result ("<passed> <failed>
# [<skipped>]") and print the closing line
#     check: N passed, M failed, K skipped
# Exits non-zero when anything failed, and also when anything was skipped:
# on a machine set up by scripts/deps.sh and run as root every test can
# run, so a skip hides a test that did not happen. CLUSTD_ALLOW_SKIP=1
# accepts skips (a non-root run, say); they are still counted and shown.
set -u
passed=0; failed=0; skipped=0
for f in "$1"/*.result; do
	[ -e "$f" ] || continue
	read -r p q s < "$f"
	passed=$((passed + p)); failed=$((failed + q)); skipped=$((skipped + ${s:-0}))
	[ "${s:-0}" -gt 0 ] && echo "check: $(basename "$f" .result): $s skipped"
done
echo "check: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
if [ "$skipped" -gt 0 ]; then
	if [ "${CLUSTD_ALLOW_SKIP:-0}" = 1 ]; then
		echo "check: skips accepted (CLUSTD_ALLOW_SKIP=1)"
	else
		echo "check: FAIL: $skipped skipped (run as root after scripts/deps.sh, or set CLUSTD_ALLOW_SKIP=1)"
		exit 1
	fi
fi
exit 0
