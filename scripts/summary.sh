#!/bin/sh
# summary.sh RESULTS_DIR - add up every *.result ("<passed> <failed>") and
# print the closing line. Exits non-zero when anything failed.
set -u
passed=0; failed=0
for f in "$1"/*.result; do
	[ -e "$f" ] || continue
	read -r p q < "$f"
	passed=$((passed + p)); failed=$((failed + q))
done
echo "check: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
