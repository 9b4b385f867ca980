"""The keys IKE negotiated, proven on the wire: tunneld's embedded charon
and Debian's stock charon (the reference peer of lib/strongswan.py, UDP
encapsulation) bring up a CHILD_SA, tshark captures the underlay while
pings cross the tunnel, and then decrypts that capture with the keys
tunneld exports through `debug ipsec sa keys json`.

That command exists only in a test build (configure --enable-test-hooks,
which scripts/build.sh passes for main and asan). Against a build without
it the test fails rather than skips: the command is refused and
Tunneld.run() asserts on the refusal.
"""

from __future__ import annotations

import json

import pytest

from lib.jsonmatch import wait_until
from lib.strongswan import Charon, CharonEnd, StrongswanError, strongswan_available
from test_ike import A_INSIDE, A_UNDER, B_INSIDE, B_UNDER, PINGS, Tunneld, ping_all, psk_pair, tunneld_conf
from test_tunneld import Capture

# tshark's name for the transform charon chose (aes256gcm16: a 16-octet
# ICV, RFC 4106 section 6); the key length tells it AES-256 from -128.
TSHARK_GCM16 = "AES-GCM with 16 octet ICV [RFC4106]"


@pytest.fixture
def ike_link(topo, skygate_bin):
    reason = strongswan_available()
    if reason:
        pytest.fail(f"strongSwan reference not installed ({reason}): "
                    "run scripts/install-deps.sh", pytrace=False)
    a = topo.add_namespace("ikka")
    b = topo.add_namespace("ikkb")
    link = topo.add_link(a, b, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])
    text, b64 = psk_pair()
    td = Tunneld(topo, skygate_bin, a, tunneld_conf(text, initiate=True))
    peer = Charon(topo, b, CharonEnd(B_UNDER, A_UNDER, B_INSIDE, A_INSIDE), b64,
                  name="ike1", daemon_name="charon-peer").start()
    return topo, a, link, td, peer


def exported_sas(td: Tunneld) -> list[dict]:
    # Tunneld.run() asserts the command succeeded: a build without the
    # test hooks refuses it and the test fails here.
    return json.loads(td.run("debug ipsec sa keys json"))["sas"]


def uat_row(sa: dict) -> str:
    assert sa["algorithm"] == "aes-gcm" and sa["icvLength"] == 16, sa
    # tshark wants key || salt (RFC 4106 section 8.1), as IKEv2 derives it.
    return (f'uat:esp_sa:"IPv4","{sa["source"]}","{sa["destination"]}","{sa["spi"]}",'
            f'"{TSHARK_GCM16}","0x{sa["key"]}{sa["salt"]}","NULL",""')


def test_tshark_decrypts_with_the_keys_ike_negotiated(ike_link):
    topo, a, link, td, peer = ike_link
    (child,) = wait_until(peer.child_sas, 30, "the peer's CHILD_SA installed", tolerate=(StrongswanError,))
    assert child["encap"] and child["encr"] == "AES_GCM_16" and child["keysize"] == "256", child
    wait_until(lambda: td.tunnel()["ike"]["state"] == "up", 30, "tunneld: IKE state up")
    wait_until(peer.tun_device, 15, "kernel-libipsec's TUN device")
    wait_until(lambda: ping_all(a, A_INSIDE, B_INSIDE), 30, "pings tunneld -> peer through IKE's SA")

    cap = Capture(topo, a, link.a_if, "udp port 4500",
                  prime=lambda: ping_all(a, A_INSIDE, B_INSIDE))
    assert ping_all(a, A_INSIDE, B_INSIDE)

    sas = exported_sas(td)
    out = [s for s in sas if s["direction"] == "outbound"]
    inb = [s for s in sas if s["direction"] == "inbound"]
    assert len(out) == 1 and len(inb) == 1, sas
    out, inb = out[0], inb[0]
    # The SPIs are the ones the peer installed, crossed; UDP encapsulation
    # (RFC 3948) on 4500 both ways; a 256-bit key and a 4-octet salt.
    assert out["spi"] == f"0x{child['spi_in']}" and inb["spi"] == f"0x{child['spi_out']}", (sas, child)
    assert (out["source"], out["destination"]) == (A_UNDER, B_UNDER), out
    assert (inb["source"], inb["destination"]) == (B_UNDER, A_UNDER), inb
    for s in (out, inb):
        assert s["encapsulation"] == "udp" and s["encapSourcePort"] == 4500 == s["encapDestinationPort"], s
        assert len(s["key"]) == 64 and len(s["salt"]) == 8, s
    assert out["key"] != inb["key"]

    options = ["-o", "esp.enable_encryption_decode:TRUE", "-o", uat_row(out), "-o", uat_row(inb)]
    rows = cap.fields("esp && icmp", ["esp.spi", "ip.src", "ip.dst", "icmp.type", "icmp.seq"], options)
    requests = [r for r in rows if r[3] == "8"]
    replies = [r for r in rows if r[3] == "0"]
    # Both directions decrypted, each with its own SA, the inside
    # addresses in the inner header (ip.src/ip.dst: outer,inner).
    assert len(requests) >= PINGS and len(replies) >= PINGS, rows
    for spi, src, dst, _, _ in requests:
        assert spi == out["spi"], rows
        assert (src, dst) == (f"{A_UNDER},{A_INSIDE}", f"{B_UNDER},{B_INSIDE}"), rows
    for spi, src, dst, _, _ in replies:
        assert spi == inb["spi"], rows
        assert (src, dst) == (f"{B_UNDER},{B_INSIDE}", f"{A_UNDER},{A_INSIDE}"), rows
    # Every echo request captured has its reply, matched by sequence.
    assert {r[4] for r in requests} <= {r[4] for r in replies}, rows

    # Without the keys, the same capture shows no ICMP at all: the
    # decryption above is the keys' doing.
    assert cap.fields("esp && icmp", ["esp.spi"]) == []

    # The keys go to the asking client only: never into the log, nor into
    # `show ipsec sa`.
    log = td.log()
    shown = td.run("show ipsec sa json") + td.run("show ipsec sa")
    for s in (out, inb):
        assert s["key"] not in log and s["key"] not in shown
