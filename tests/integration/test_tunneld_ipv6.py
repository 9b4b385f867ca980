"""skygate-tunneld over an IPv6 underlay: two namespaces joined by a veth on
2001:db8:100::/64, GRE over IPv6 (RFC 7676: next header 47) and ESP over
IPv6 (next header 50, and UDP port 4500), each carrying IPv4 and IPv6
inside; ping and iperf3 through them, tshark as the wire-format oracle
(it dissects the GRE and, given the keys, decrypts the ESP)."""

from __future__ import annotations

import json

import pytest

from lib import topo as topo_lib
from lib.jsonmatch import wait_until
from test_tunneld import KEY256_AB, KEY256_BA, Capture, Tunneld, iperf, ping, ping_ok, tcp_transfer

A6, B6 = "2001:db8:100::1", "2001:db8:100::2"


def gre6_conf(local: str, remote: str, inside4: str, inside6: str) -> str:
    # No mtu: the default for an IPv6 delivery is 1456 (1500 - 40 - 4).
    return (f"tunnel gre gre6\n source {local}\n destination {remote}\n"
            f" inside-address {inside4}\n inside-address {inside6}\n tcp-mss 1376\n")


def esp6_conf(local: str, remote: str, inside4: str, inside6: str, encap: str, spi_out: int, key_out: str,
              spi_in: int, key_in: str) -> str:
    return (f"tunnel ipsec esp6\n source {local}\n destination {remote}\n encapsulation {encap}\n"
            f" inside-address {inside4}\n inside-address {inside6}\n mtu 1400\n"
            f" sa outbound spi 0x{spi_out:x} aes-gcm-256 key {key_out}\n"
            f" sa inbound spi 0x{spi_in:x} aes-gcm-256 key {key_in}\n")


@pytest.fixture
def pair6(topo, skygate_bin):
    a = topo.add_namespace("t6a")
    b = topo.add_namespace("t6b")
    link = topo.add_link(a, b, [f"{A6}/64"], [f"{B6}/64"])
    wait_until(lambda: a.run(["ping", "-6", "-n", "-c", "1", "-W", "1", B6], check=False).returncode == 0,
               20, "the IPv6 underlay")

    def start(conf_a: str, conf_b: str):
        return (Tunneld(topo, skygate_bin, a, "a", conf_a), Tunneld(topo, skygate_bin, b, "b", conf_b))
    return a, b, link, start


def test_check_accepts_ipv6_and_refuses_mixed_families(tmp_path, skygate_bin):
    good = tmp_path / "good.conf"
    good.write_text(gre6_conf(A6, B6, "169.254.60.1/30", "2001:db8:60::1/64"))
    ok = topo_lib.run([skygate_bin("skygate-tunneld"), "-f", str(good), "--check"], check=False)
    assert ok.returncode == 0, ok.stderr
    cases = [
        (f"tunnel gre g\n source 192.0.2.1\n destination {B6}\n", 4, "must both be IPv4 or both IPv6"),
        (f"tunnel gre g\n source {A6}\n destination {B6}\n keepalive 1 3\n", 5, "keepalives need an IPv4"),
        (f"tunnel gre g\n source {A6}\n destination {A6}\n", 4, "the same address"),
    ]
    for i, (text, line, message) in enumerate(cases):
        bad = tmp_path / f"bad{i}.conf"
        bad.write_text(text)
        r = topo_lib.run([skygate_bin("skygate-tunneld"), "-f", str(bad), "--check"], check=False)
        assert r.returncode == 1, text
        assert f"{bad}:{line}: " in r.stderr and message in r.stderr, (text, r.stderr)


def test_gre_over_ipv6_ping_iperf_tshark(topo, pair6):
    a, b, link, start = pair6
    ta, tb = start(gre6_conf(A6, B6, "169.254.60.1/30", "2001:db8:60::1/64"),
                   gre6_conf(B6, A6, "169.254.60.2/30", "2001:db8:60::2/64"))
    wait_until(lambda: ping_ok(a, "169.254.60.2"), 20, "ping through GRE over IPv6")
    t = ta.tunnel("gre6")
    assert (t["source"], t["destination"], t["mtu"]) == (A6, B6, 1456), t
    running = ta.show("show running-config json")["tunnels"][0]
    assert (running["source"], running["destination"]) == (A6, B6), running

    cap = Capture(topo, a, link.a_if, "ip6 proto 47", prime=lambda: ping_ok(a, "169.254.60.2"))
    assert ping(a, "169.254.60.2", count=4, size=200).returncode == 0
    assert ping(a, "2001:db8:60::2", count=3, size=300).returncode == 0
    assert tcp_transfer(topo, a, b, "169.254.60.2", 5061, nbytes=256 << 10) == 256 << 10

    # The delivery header is IPv6 with next header 47 (RFC 7676 3), the GRE
    # header says which inner family follows (RFC 2784 2.4).
    rows = cap.fields("gre && icmp.type == 8 && ip.len == 228", ["ipv6.src", "ipv6.dst", "ipv6.nxt", "gre.proto",
                                                                "ip.src"])
    assert len(rows) >= 4, rows
    for row in rows:
        assert row == [A6, B6, "47", "0x0800", "169.254.60.1"], row
    rows6 = cap.fields("gre && icmpv6.type == 128", ["ipv6.src", "ipv6.nxt", "gre.proto"])
    assert len(rows6) >= 3, rows6
    # The first ipv6.src and ipv6.nxt are the delivery header's.
    assert all(r[0].split(",")[0] == A6 and r[1].split(",")[0] == "47" and r[2] == "0x86dd" for r in rows6), rows6
    syn = cap.fields("gre && tcp.flags.syn == 1", ["tcp.options.mss_val"])
    assert syn and all(r[0] == "1376" for r in syn), syn

    # iperf3 after the capture has stopped (tshark need not read it all).
    gbps = iperf(topo, a, b, "169.254.60.2")
    print(f"iperf3 -t 2, GRE over IPv6: {gbps:.2f} Gbit/s")
    assert gbps > 0.01
    c = ta.tunnel("gre6")["counters"]
    assert c["txPackets"] >= 7 and c["rxPackets"] >= 7
    drops = tb.tunnel("gre6")["drops"]
    assert drops["rx_gre"] == 0 and drops["rx_bad_inner"] == 0, drops
    assert ta.show("show tunnel json")["globalDrops"]["unknown_peer"] == 0


@pytest.mark.parametrize("encap", ["udp", "esp"])
def test_esp_over_ipv6_ping_iperf_tshark_decrypts(topo, pair6, encap):
    a, b, link, start = pair6
    ta, tb = start(esp6_conf(A6, B6, "169.254.61.1/30", "2001:db8:61::1/64", encap, 0x6001, KEY256_AB, 0x6002,
                             KEY256_BA),
                   esp6_conf(B6, A6, "169.254.61.2/30", "2001:db8:61::2/64", encap, 0x6002, KEY256_BA, 0x6001,
                             KEY256_AB))
    wait_until(lambda: ping_ok(a, "169.254.61.2"), 20, "ping through ESP over IPv6")
    sas = {s["direction"]: s for s in ta.show("show ipsec sa json")["sas"]}
    assert (sas["outbound"]["source"], sas["outbound"]["destination"]) == (A6, B6), sas
    assert (sas["inbound"]["source"], sas["inbound"]["destination"]) == (B6, A6), sas

    bpf = "ip6 and udp port 4500" if encap == "udp" else "ip6 proto 50"
    cap = Capture(topo, a, link.a_if, bpf, prime=lambda: ping_ok(a, "169.254.61.2"))
    assert ping(a, "169.254.61.2", count=4, size=200).returncode == 0
    r6 = ping(a, "2001:db8:61::2", count=3, size=300)
    assert r6.returncode == 0 and " 0% packet loss" in r6.stdout, r6.stdout
    # TCP (IPv4 inside; iperf3 below is IPv6 inside); it also pushes the
    # pings out of the capture's buffers.
    assert tcp_transfer(topo, a, b, "169.254.61.2", 5062, nbytes=256 << 10) == 256 << 10

    uat = (f'uat:esp_sa:"IPv6","{A6}","{B6}","0x00006001","AES-GCM with 16 octet ICV [RFC4106]",'
           f'"0x{KEY256_AB}","NULL",""')
    opts = ["-o", "esp.enable_encryption_decode:TRUE", "-o", uat]
    rows = cap.fields("esp && icmp.type == 8 && ip.len == 228", ["esp.spi", "ipv6.src", "ipv6.nxt", "icmp.seq"],
                      opts)
    assert sorted(int(r[3]) for r in rows) == [1, 2, 3, 4], rows
    want_nxt = "17" if encap == "udp" else "50"
    for row in rows:
        assert row[:3] == ["0x00006001", A6, want_nxt], row
    rows6 = cap.fields("esp && icmpv6.type == 128", ["esp.spi", "ipv6.src"], opts)
    assert len(rows6) >= 3, rows6
    assert all(r[0] == "0x00006001" and r[1].split(",")[0] == A6 for r in rows6), rows6

    # iperf3 after the capture has stopped (tshark need not read it all).
    gbps = iperf(topo, a, b, "2001:db8:61::2")
    print(f"iperf3 -t 2, ESP ({encap}) over IPv6, IPv6 inside: {gbps:.2f} Gbit/s")
    assert gbps > 0.01
    out = [s for s in ta.show("show ipsec sa json")["sas"] if s["direction"] == "outbound"][0]
    assert out["packets"] >= 7 and out["encapsulation"] == encap
    drops = tb.tunnel("esp6")["drops"]
    assert drops["rx_esp_auth"] == 0 and drops["rx_esp_replay"] == 0, drops
    assert json.dumps(ta.show("show tunnel json")).find(KEY256_AB) < 0
