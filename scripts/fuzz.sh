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
flags=(-std=c11 -D_GNU_SOURCE -g -O1 -Ilib -Irouted -Irouted/bgp -Ivpn/tunneld -Ivpn/ike -Ivpn/esp -Ivpn/pkt -Igre)

declare -A sources=(
	[bgp_msg]="lib/cursor.c routed/bgp/bgp_msg.c"
	[bgp_update]="lib/cursor.c lib/prefix.c routed/bgp/bgp_attr.c routed/bgp/bgp_update.c"
	[tunnel_decap]="lib/cursor.c lib/prefix.c lib/cmd_syntax.c lib/cmd_match.c lib/log.c
		vpn/pkt/ip_util.c gre/gre.c vpn/esp/esp_crypto.c vpn/esp/esp_packet.c vpn/esp/esp_replay.c
		vpn/esp/esp_sa.c vpn/tunneld/datapath.c vpn/tunneld/ipsec_sa.c vpn/tunneld/tunnel_config.c
		vpn/tunneld/vnet.c vpn/tunneld/gro.c vpn/tunneld/tunnel_table.c vpn/ike/ike_config.c"
	[esp]="lib/cursor.c vpn/esp/esp_crypto.c vpn/esp/esp_packet.c vpn/esp/esp_replay.c vpn/esp/esp_sa.c"
	[gre]="lib/cursor.c vpn/pkt/ip_util.c gre/gre.c"
)
# Libraries a harness links besides its sources.
declare -A libs=(
	[bgp_msg]=""
	[bgp_update]=""
	[tunnel_decap]="-lIPSec_MB -lcrypto -ljson-c -lpthread"
	[esp]="-lIPSec_MB -lcrypto -lpthread"
	[gre]=""
)

status=0
for name in bgp_msg bgp_update tunnel_decap esp gre; do
	read -r -d '' -a src <<<"${sources[$name]}" || true
	read -r -a lib <<<"${libs[$name]}" || true
	clang "${flags[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		"${src[@]}" "tests/fuzz/fuzz_$name.c" -o "$out/fuzz_$name" "${lib[@]}"
	clang "${flags[@]}" -DFUZZ_STANDALONE "${src[@]}" "tests/fuzz/fuzz_$name.c" -o "$out/seed_$name" "${lib[@]}"
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
