#!/bin/sh
# test-lint-layers.sh - proves that lint-layers.sh fails on violations: runs
# it on a temp copy of src/ with one injected violation at a time, and
# checks the exit status and the file:line it names. Run by `make lint`.
set -u
here=$(dirname "$0")
lint=$here/lint-layers.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0

fresh_copy() {
	rm -rf "$work/src"
	mkdir "$work/src"
	cp src/CORE src/*.c src/*.h "$work/src/"
}

# expect RC WANT_TEXT DESCRIPTION: run the lint on the copy.
expect() {
	out=$("$lint" "$work/src" 2>&1)
	rc=$?
	if [ "$rc" != "$1" ] || ! printf '%s\n' "$out" | grep -qF -- "$2"; then
		echo "test-lint-layers: FAIL: $3 (exit $rc, want $1; output: $out)"
		fails=$((fails + 1))
	fi
}

# Insert LINE after the first #include of FILE; prints its line number.
inject() {
	n=$(grep -n '^#include' "$work/src/$1" | head -n 1 | cut -d: -f1)
	sed -i "${n}a $2" "$work/src/$1"
	echo $((n + 1))
}

# violation FILE LINE WANT DESCRIPTION: on a fresh copy, inject LINE into
# FILE; the lint must fail naming FILE:line and WANT.
violation() {
	fresh_copy
	line=$(inject "$1" "$2")
	expect 1 "$work/src/$1:$line: $3" "$4"
}

fresh_copy
expect 0 "" "the tree as it is passes"
violation fsm.c '#include <unistd.h>' 'core file includes <unistd.h>' "system header in a core .c"
violation packet.h '#include <sys/epoll.h>' 'core file includes <sys/epoll.h>' "sys/ header in a core .h"
violation quorum.c '#include "loop.h"' 'core file includes "loop.h"' "edge header in core"
violation notify.c 'static long now(void) { return (long)time(0); }' 'core file calls time()' \
	"clock call in core"
violation counters.c 'static void drop(int fd) { close(fd); }' 'core file calls close()' \
	"I/O call in core"

# Not violations: a member called read, a word in a comment, an allowed
# header, and a module newly listed in CORE that is pure.
fresh_copy
inject fsm.c 'struct io { int (*read)(void); }; static int via(struct io *o) { return o->read(); } /* read() */' >/dev/null
inject fsm.c '#include <sys/types.h>' >/dev/null
printf '#include <stdint.h>\nuint8_t pure_one(void);\n' >"$work/src/pure_new.h"
echo pure_new >>"$work/src/CORE"
expect 0 "" "allowed constructs pass"

fresh_copy
echo missing_module >>"$work/src/CORE"
expect 1 "core module missing_module has neither" "a listed module that does not exist"

if [ "$fails" -ne 0 ]; then
	echo "test-lint-layers: $fails failed"
	exit 1
fi
echo "test-lint-layers: ok"
