#!/usr/bin/env bash
# Configure and build one variant of skygate out of tree, under build/VARIANT.
#   main  warnings as errors (what CI tests)
#   asan  warnings as errors, AddressSanitizer + UndefinedBehaviorSanitizer
# Both are test builds: --enable-test-hooks compiles in the commands that
# export SA keys for the integration tests. A release build is configured
# without it (plain ./configure), and then those commands do not exist.
# Idempotent: the tree is regenerated and reconfigured only when needed;
# make itself decides what to rebuild.
set -euo pipefail

variant=${1:-main}
root=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)

case "$variant" in
main) extra=(--enable-test-hooks) ;;
asan) extra=(--enable-test-hooks --enable-sanitizers) ;;
*)
	echo "build: unknown variant '$variant' (main or asan)" >&2
	exit 2
	;;
esac

ss_src="$root/build-deps/strongswan"
if [ -f "$ss_src/config.h" ]; then
	extra+=(--with-strongswan-src="$ss_src")
else
	echo "build: no strongSwan source tree at $ss_src; run scripts/fetch-strongswan-src.sh for the libcharon checks" >&2
fi

cd "$root"
if [ ! -x configure ] || [ configure.ac -nt configure ] || [ Makefile.am -nt Makefile.in ]; then
	echo "build: generating configure"
	./autogen.sh >/dev/null 2>&1 || ./autogen.sh
fi

out="$root/build/$variant"
mkdir -p "$out"
cd "$out"
want_args="--enable-werror ${extra[*]}"
if [ ! -f Makefile ] || [ ! -f .configure-args ] || [ "$(cat .configure-args)" != "$want_args" ] ||
	[ "$root/configure" -nt config.status ]; then
	echo "build: configuring $variant ($want_args)"
	if ! "$root/configure" --enable-werror "${extra[@]}" >configure.out 2>&1; then
		tail -n 30 configure.out >&2
		echo "build: configure failed for $variant; full output in $out/configure.out" >&2
		exit 1
	fi
	echo "$want_args" >.configure-args
fi
echo "build: compiling $variant with $jobs jobs"
make -j"$jobs" all
