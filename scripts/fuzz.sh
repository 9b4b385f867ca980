#!/usr/bin/env bash
# Run each libFuzzer harness under tests/fuzz/ for a bounded time, starting
# from seeds its own standalone build writes (so the seeds follow the code).
#   scripts/fuzz.sh [SECONDS-PER-HARNESS]   (default 30)
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh installs them).
# A crash leaves crash-* in build/fuzz/ and makes this script fail.
set -euo pipefail

seconds=${1:-30}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
out=build/fuzz
mkdir -p "$out"
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Irouted -Irouted/bgp -Ivpn/esp -Ivpn/pkt -Igre)

declare -A sources=(
	[bgp_msg]="lib/cursor.c routed/bgp/bgp_msg.c"
	[bgp_update]="lib/cursor.c lib/prefix.c routed/bgp/bgp_attr.c routed/bgp/bgp_update.c"
	[esp]="lib/cursor.c vpn/esp/esp_crypto.c vpn/esp/esp_packet.c vpn/esp/esp_replay.c vpn/esp/esp_sa.c"
	[gre]="lib/cursor.c vpn/pkt/ip_util.c gre/gre.c"
)
# Libraries a harness links besides its sources.
declare -A libs=(
	[esp]="-lIPSec_MB -lcrypto -lpthread"
)

status=0
for name in bgp_msg bgp_update esp gre; do
	read -r -a src <<<"${sources[$name]}"
	read -r -a lib <<<"${libs[$name]:-}"
	clang "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		"${src[@]}" "tests/fuzz/fuzz_$name.c" "${lib[@]}" -o "$out/fuzz_$name"
	clang "${flags[@]}" -DFUZZ_STANDALONE "${src[@]}" "tests/fuzz/fuzz_$name.c" "${lib[@]}" \
		-o "$out/seed_$name"
	rm -rf "$out/seeds_$name" && mkdir -p "$out/seeds_$name" "$out/corpus_$name"
	"$out/seed_$name" --seeds "$out/seeds_$name" >/dev/null
	echo "fuzz: $name for ${seconds}s from $(ls "$out/seeds_$name" | wc -l) seeds"
	if ! (cd "$out" && "./fuzz_$name" -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
		"corpus_$name" "seeds_$name" >"fuzz_$name.log" 2>&1); then
		tail -n 40 "$out/fuzz_$name.log"
		echo "fuzz: $name FAILED (inputs in $out/crash-*)" >&2
		status=1
	else
		grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$out/fuzz_$name.log" | sed "s/^/  $name /"
	fi
done
exit $status
