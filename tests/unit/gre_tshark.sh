#!/usr/bin/env bash
# Wire-format check of gre/gre.c against a dissector no one here wrote:
# check_gre writes the packets of its "pcap" case to a raw-IP pcap, and
# tshark must dissect each as GRE with the key, sequence number, protocol
# type and checksums we meant, and the inner packet as what we put in.
#
#   tests/unit/gre_tshark.sh [PATH/TO/check_gre]
#
# The default binary is build/main/tests/unit/check_gre (or $CHECK_GRE).
# Exits 77 (automake's "skipped") when tshark is not installed.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${1:-${CHECK_GRE:-$root/build/main/tests/unit/check_gre}}

if ! command -v tshark >/dev/null 2>&1; then
	echo "gre_tshark: tshark not installed, skipping" >&2
	exit 77
fi
if [ ! -x "$bin" ]; then
	echo "gre_tshark: no test program at $bin (build first, or pass its path)" >&2
	exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

GRE_PCAP_OUT="$tmp/gre.pcap" CK_RUN_CASE=pcap CK_FORK=no "$bin" >"$tmp/check.out" 2>&1 || {
	cat "$tmp/check.out" >&2
	echo "gre_tshark: $bin failed" >&2
	exit 1
}

# One line per packet. Repeated fields (outer and inner IP, or both GRE
# headers of the keepalive) are comma-separated, outer first. Checksum
# status 1 is "good".
fields=(frame.number gre.flags_and_version gre.proto gre.key gre.sequence_number
	gre.checksum.status ip.checksum.status ipv6.dst tcp.dstport tcp.checksum.status
	tcp.options.mss_val udp.dstport icmpv6.type icmpv6.checksum.status _ws.malformed)
args=()
for f in "${fields[@]}"; do
	args+=(-e "$f")
done
# tshark warns on stderr when run as root; keep stderr apart from the fields.
tshark -n -r "$tmp/gre.pcap" \
	-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
	-T fields -E separator='|' "${args[@]}" >"$tmp/got" 2>"$tmp/tshark.err" || {
	cat "$tmp/tshark.err" >&2
	exit 1
}

cat >"$tmp/want" <<'EOF'
1|0x0000|0x0800||||1,1||179|1|1460||||
2|0xb000|0x86dd|0x01020304|0|1|1|2001:db8::2|||||128|1|
3|0x2000|0x0800|0x0a0b0c0d|||1|2001:db8:2::1||||54321|||
4|0x0000,0x0000|0x0800,0x0000||||1,1||||||||
5|0x3000|0x0800|0x01020304|1||1,1|||||54321|||
EOF

if ! diff -u "$tmp/want" "$tmp/got"; then
	echo "gre_tshark: tshark disagrees (- expected, + dissected)" >&2
	exit 1
fi

# The keepalive is recognised as one.
if ! tshark -n -r "$tmp/gre.pcap" -Y 'frame.number == 4' -T fields -e _ws.col.Info \
	2>/dev/null | grep -q 'GRE keepalive'; then
	echo "gre_tshark: packet 4 not dissected as a GRE keepalive" >&2
	exit 1
fi
echo "gre_tshark: 5 packets dissected as expected"
