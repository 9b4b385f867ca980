#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine or a used one:
# install what is missing, build with warnings as errors, run the unit tests,
# run them again under ASan+UBSan, then the integration tests in network
# namespaces against real peers. Needs root. Idempotent.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
start=$(date +%s)

step() { printf '\n==> %s (%ss)\n' "$*" "$(($(date +%s) - start))"; }

if [ "$(id -u)" -ne 0 ]; then
	echo "test: run as root (apt-get and network namespaces need it)" >&2
	exit 1
fi

step "installing dependencies"
bash scripts/install-deps.sh
step "fetching strongSwan headers"
bash scripts/fetch-strongswan-src.sh

# Unit tests print Check's own summary line per suite, then one total.
run_unit() {
	local variant=$1
	step "unit tests ($variant)"
	if ! make -C "build/$variant" -j"$(nproc)" check VERBOSE=1 >"build/$variant/check.out" 2>&1; then
		cat "build/$variant/check.out"
		echo "test: unit tests failed ($variant)" >&2
		exit 1
	fi
	local logs=(build/"$variant"/tests/unit/check_*.log)
	local checks=0 failures=0 line
	for log in "${logs[@]}"; do
		line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
		printf '  %-16s %s\n' "$(basename "$log" .log)" "$line"
		checks=$((checks + $(sed -E 's/.*Checks: ([0-9]+).*/\1/' <<<"$line")))
		failures=$((failures + $(sed -E 's/.*Failures: ([0-9]+), Errors: ([0-9]+).*/\1 + \2/' <<<"$line")))
	done
	echo "unit ($variant): $((checks - failures)) passed, $failures failed"
	[ "$failures" -eq 0 ]
}

step "building (warnings as errors)"
bash scripts/build.sh main
run_unit main

step "building with AddressSanitizer + UndefinedBehaviorSanitizer"
bash scripts/build.sh asan
run_unit asan

step "fuzzing the wire parsers: BGP, tunnel receive, ESP, GRE (libFuzzer, 30 s each)"
bash scripts/fuzz.sh 30

cd tests/integration
# Our own daemons and skysh, built with ASan+UBSan, through the tests that
# drive them hardest; any sanitizer report fails the test that ran it.
step "integration tests of skygate's daemons under ASan+UBSan"
# tests/lsan.supp names the one leak report outside our code (libcharon).
LSAN_OPTIONS="suppressions=$root/tests/lsan.supp" SKYGATE_BUILD="$root/build/asan" \
	/usr/bin/python3 -m pytest -q -p no:cacheprovider \
	test_cli.py test_routed_daemon.py test_bgp.py test_bgp_rfc7606.py test_bgp_gr.py \
	test_bgp_refresh.py test_bgp_originate.py test_routed_show.py test_bgp_local_as.py \
	test_bgp_policy.py test_bgp_approval.py test_bgp_advertise.py test_domains.py \
	test_tunneld.py test_tunneld_config.py test_tunneld_ipv6.py test_ike.py test_ike_features.py \
	test_ike_ecmp.py test_ike_keys.py test_bgp_well_known_communities.py

step "integration tests (network namespaces, real peers)"
export SKYGATE_BUILD="$root/build/main"
set +e
/usr/bin/python3 -m pytest -ra -p no:cacheprovider
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
	echo "test: pytest collected no tests" >&2
	exit 1
fi
exit "$rc"
