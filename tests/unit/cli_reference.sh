#!/bin/sh
# docs/cli.md must list exactly the commands skygate-routed has: regenerate
# it with `skygate-routed --cli-reference > docs/cli.md` when this fails.
set -eu
top_srcdir=${srcdir:-.}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
routed/skygate-routed --cli-reference >"$out"
if ! diff -u "$top_srcdir/docs/cli.md" "$out"; then
	echo "docs/cli.md is out of date: run 'skygate-routed --cli-reference > docs/cli.md'" >&2
	exit 1
fi
echo "docs/cli.md matches skygate-routed --cli-reference"
