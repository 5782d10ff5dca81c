#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# scripts/build-old-clustd.sh REV OUTDIR: build the daemon (plain build,
# `make build/clustd`) of an earlier commit, for tests that run a mixed-version
# cluster (t/net/test_votes_upgrade.sh). Prints the binary's path:
# OUTDIR/<commit>/clustd, <commit> being REV resolved to its full hash so
# that a branch name that moved never reuses a stale build.
#
# The tree comes from `git archive REV | tar -x` into a temporary directory
# (the worktree is never touched); the result is cached: a second call for
# the same commit prints the path at once. Concurrent calls serialize on
# OUTDIR/.lock and the binary appears atomically (rename).
#
# Exit status: 0 built or cached; 2 usage; 3 not inside a git work tree
# (no history to build from: callers skip); 1 anything else (unknown REV,
# build failure: the build log's tail on stderr).
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 REV OUTDIR" >&2
	exit 2
fi
rev=$1
outdir=$2
here=$(cd "$(dirname "$0")/.." && pwd)

if ! git -C "$here" rev-parse --git-dir >/dev/null 2>&1; then
	echo "build-old-clustd: $here has no git history" >&2
	exit 3
fi
commit=$(git -C "$here" rev-parse --verify -q "$rev^{commit}") || {
	echo "build-old-clustd: $rev is not a commit of $here" >&2
	exit 1
}
mkdir -p "$outdir" || exit 1
outdir=$(cd "$outdir" && pwd)
dest=$outdir/$commit
if [ -x "$dest/clustd" ]; then
	echo "$dest/clustd"
	exit 0
fi

exec 9>"$outdir/.lock"
flock 9 || exit 1
# Someone else may have built it while we waited for the lock.
if [ -x "$dest/clustd" ]; then
	echo "$dest/clustd"
	exit 0
fi

tmp=$(mktemp -d "$outdir/.build.XXXXXX") || exit 1
trap 'rm -rf -- "$tmp"' EXIT
if ! git -C "$here" archive --format=tar "$commit" | tar -x -C "$tmp"; then
	echo "build-old-clustd: git archive $commit failed" >&2
	exit 1
fi
if ! make -C "$tmp" -j"${BUILD_JOBS:-2}" build/clustd >"$tmp/build.log" 2>&1; then
	echo "build-old-clustd: make build/clustd at $commit failed:" >&2
	tail -n 20 "$tmp/build.log" >&2
	exit 1
fi
mkdir -p "$dest" || exit 1
cp "$tmp/build/clustd" "$dest/clustd.tmp" && mv -f "$dest/clustd.tmp" "$dest/clustd" || exit 1
echo "$commit" >"$dest/commit"
echo "$dest/clustd"
