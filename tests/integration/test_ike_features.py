"""IKE tunnel settings against Debian's stock charon (kernel-libipsec):
lifetimes reach charon, DPD notices a peer that vanished, an IKE SA rekey
loses no ping, mismatched proposals are reported, and `nat-traversal
force` encapsulates ESP when the peer does not ask for it.

The setup is test_ike.py's: tunneld in one namespace, the peer's charon
in another, one /24 underlay between them.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess

import pytest

from lib.jsonmatch import wait_until
from lib.strongswan import Charon, CharonEnd, StrongswanError, strongswan_available
from test_ike import (A_INSIDE, A_UNDER, B_INSIDE, B_UNDER, PINGS, Tunneld, ping_all, psk_pair)


def conf(psk: str, extra: str, initiate: bool = True) -> str:
    return (f"tunnel ipsec ike1\n local-address {A_UNDER}\n peer-address {B_UNDER}\n"
            f" inside-address {A_INSIDE}/30\n authentication pre-shared-key {psk}\n"
            + (" initiate\n" if initiate else " respond\n") + extra)


@pytest.fixture
def pair(topo, skygate_bin):
    reason = strongswan_available()
    if reason:
        pytest.fail(f"strongSwan reference not installed ({reason}): "
                    "run scripts/install-deps.sh", pytrace=False)
    a = topo.add_namespace("ikfa")
    b = topo.add_namespace("ikfb")
    topo.add_link(a, b, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])

    def start(extra: str = "", initiate: bool = True, peer_encap: bool = True):
        text, b64 = psk_pair()
        td = Tunneld(topo, skygate_bin, a, conf(text, extra, initiate))
        peer = Charon(topo, b, CharonEnd(B_UNDER, A_UNDER, B_INSIDE, A_INSIDE), b64,
                      name="ike1", daemon_name="charon-peer", encap=peer_encap).start()
        return td, peer
    return a, b, start


def up(td: Tunneld, peer: Charon) -> dict:
    (sa,) = wait_until(peer.child_sas, 30, "the peer's CHILD_SA", tolerate=(StrongswanError,))
    wait_until(lambda: td.tunnel()["ike"]["state"] == "up", 30, "tunneld: IKE state up")
    return sa


def test_lifetimes_reach_charon(pair):
    """`lifetime ike 28800` / `lifetime esp 3600`: charon schedules the IKE
    rekey between 28800 / 1.1 less the margin and 28800 / 1.1, and the
    CHILD_SA's rekey likewise, expiring at 3600 at the latest."""
    a, b, start = pair
    td, peer = start(" lifetime ike 28800\n lifetime esp 3600\n")
    up(td, peer)
    listed = wait_until(lambda: (lambda p: p.returncode == 0 and "INSTALLED" in p.stdout and p.stdout)(
        td.swanctl("--list-sas")), 15, "swanctl --list-sas on tunneld's socket")
    ike = re.search(r"^ike1: #\d+, ESTABLISHED.*?rekeying in (\d+)s", listed, re.M | re.S)
    assert ike is not None, listed
    assert 28800 * 10 // 11 - (28800 - 28800 * 10 // 11) - 60 <= int(ike.group(1)) <= 28800 * 10 // 11, listed
    child = re.search(r"installed \d+s ago, rekeying in (\d+)s, expires in (\d+)s", listed)
    assert child is not None, listed
    rekey, expires = int(child.group(1)), int(child.group(2))
    assert 3600 * 10 // 11 - (3600 - 3600 * 10 // 11) - 60 <= rekey <= 3600 * 10 // 11, listed
    assert 3600 - 60 <= expires <= 3600 and rekey < expires, listed
    assert td.tunnel()["ike"]["state"] == "up"


def test_dpd_notices_a_vanished_peer(pair):
    """The peer's charon is killed: no DELETE reaches us, only DPD can tell.
    With `dpd interval 3 timeout 12`, `show tunnel` says the peer does not
    answer within interval + timeout (and some slack for a busy machine)."""
    a, b, start = pair
    td, peer = start(" dpd interval 3 timeout 12 action clear\n")
    up(td, peer)
    os.kill(peer.pid, signal.SIGKILL)
    peer.daemon.proc.wait(timeout=10)

    def dead():
        t = td.tunnel()["ike"]
        return t["state"] == "down" and "does not answer" in t["error"] and t
    wait_until(dead, 3 + 12 + 15, "show tunnel: the peer does not answer")
    assert "tunnel ike1: the peer does not answer" in td.log()
    # `action clear`: the SAs are gone from the engine and not restarted.
    wait_until(lambda: td.run("show ipsec sa json").count('"spi"') == 0, 10, "the engine's SAs removed")


def test_ike_rekey_mid_ping_loses_nothing(pair):
    """RFC 7296 2.8.2: the peer rekeys the IKE SA while pings flow; the
    CHILD_SA moves to the new IKE SA untouched, so no echo is lost."""
    a, b, start = pair
    td, peer = start()
    sa = up(td, peer)
    wait_until(lambda: ping_all(b, B_INSIDE, A_INSIDE), 30, "pings before the rekey")
    before = peer.swanctl("--list-sas").stdout
    old_ike = re.search(r"^ike1: #(\d+)", before, re.M).group(1)

    count = 50
    pinger = b.popen(["ping", "-n", "-q", "-c", str(count), "-i", "0.1", "-W", "2", "-I", B_INSIDE, A_INSIDE],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: td.tunnel()["counters"]["rxPackets"] >= 2 * PINGS + 10, 10,
                   "pings flowing before the rekey")
        peer.swanctl("--rekey", "--ike", "ike1")

        def rekeyed():
            m = re.search(r"^ike1: #(\d+), ESTABLISHED", peer.swanctl("--list-sas").stdout, re.M)
            return m is not None and m.group(1) != old_ike
        wait_until(rekeyed, 20, "the peer's new IKE SA", tolerate=(StrongswanError,))
        out, _ = pinger.communicate(timeout=30)
    finally:
        if pinger.poll() is None:
            pinger.kill()
            pinger.wait(timeout=10)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m is not None, out
    assert (int(m.group(1)), int(m.group(2))) == (count, count), out
    # Only the IKE SA was rekeyed: the same CHILD_SA still carries traffic.
    (after,) = peer.child_sas()
    assert after["spi_in"] == sa["spi_in"], (sa, after)
    assert td.tunnel()["ike"]["state"] == "up"
    wait_until(lambda: ping_all(a, A_INSIDE, B_INSIDE), 30, "pings after the rekey")


@pytest.mark.parametrize("which,line,want", [
    ("ike", " ike-proposal aes128gcm16-prfsha384-ecp384\n", "no IKE proposal in common with the peer"),
    ("esp", " esp-proposal aes128gcm16\n", "no ESP proposal in common with the peer"),
])
def test_proposal_mismatch_is_reported(pair, which, line, want):
    """We propose what the peer does not accept, and it answers
    NO_PROPOSAL_CHOSEN (RFC 7296 2.7): `show tunnel` and the log name the
    proposal that has nothing in common."""
    a, b, start = pair
    td, peer = start(line)

    def reported():
        t = td.tunnel()["ike"]
        return want in t["error"] and t
    ike = wait_until(reported, 20, f"show tunnel: {want}")
    assert ike["state"] != "up", ike
    assert want in td.run("show tunnel ike1")
    wait_until(lambda: f"tunnel ike1: {want}" in td.log(), 10, "the error in the log")
    assert peer.child_sas() == []


def test_nat_traversal_force(pair):
    """No NAT between the two, and the peer does not force encapsulation
    (`encap = no`): `nat-traversal force` makes charon fake the NAT
    detection payloads (RFC 7296 2.23), so ESP goes in UDP 4500 both ways
    (RFC 3948), which kernel-libipsec on the peer needs."""
    a, b, start = pair
    td, peer = start(" nat-traversal force\n", peer_encap=False)
    sa = up(td, peer)
    assert sa["encap"], sa
    listed = td.swanctl("--list-sas").stdout
    assert "TUNNEL-in-UDP" in listed, listed
    wait_until(lambda: ping_all(b, B_INSIDE, A_INSIDE), 30, "pings peer -> tunneld in UDP")
    wait_until(lambda: ping_all(a, A_INSIDE, B_INSIDE), 30, "pings tunneld -> peer in UDP")


def test_aws_profile_fills_the_defaults(pair):
    """`profile aws-vpn`: charon gets its lifetimes (28800 / 3600), the TUN
    device its MTU 1399 and the clamp MSS 1359; an explicit `lifetime esp`
    still wins over the profile."""
    a, b, start = pair
    td, peer = start(" profile aws-vpn\n lifetime esp 1800\n")
    up(td, peer)
    listed = wait_until(lambda: (lambda p: p.returncode == 0 and "INSTALLED" in p.stdout and p.stdout)(
        td.swanctl("--list-sas")), 15, "swanctl --list-sas on tunneld's socket")
    ike = re.search(r"^ike1: #\d+, ESTABLISHED.*?rekeying in (\d+)s", listed, re.M | re.S)
    assert ike is not None and 23000 <= int(ike.group(1)) <= 28800 * 10 // 11, listed
    child = re.search(r"rekeying in (\d+)s, expires in (\d+)s", listed)
    assert child is not None and 1800 - 60 <= int(child.group(2)) <= 1800, listed
    (link,) = a.ip_json("link", "show", "ike1")
    assert link["mtu"] == 1399, link
    t = td.tunnel()
    assert t["tcpMss"] == 1359, t
    wait_until(lambda: ping_all(b, B_INSIDE, A_INSIDE), 30, "pings through the profile's tunnel")
