"""IKEv2 in skygate-tunneld: its embedded charon (libcharon) against
Debian's stock charon with kernel-libipsec in a peer namespace.

tunneld keys `tunnel ipsec ike1` with a pre-shared key; the CHILD_SA that
charon negotiates lands in tunneld's ESP engine, bound to the tunnel's TUN
device. The peer is the reference setup of lib/strongswan.py (UDP
encapsulation, which kernel-libipsec needs). Checked: the CHILD_SA comes
up with either side initiating, pings cross the tunnel both ways and are
counted on the CHILD_SA, swanctl on tunneld's own VICI socket lists it,
and a wrong key shows as an authentication error in `show tunnel` and the
log, with the key itself in neither.
"""

from __future__ import annotations

import base64
import json
import os
import re
import subprocess

import pytest

from lib import topo as topo_lib
from lib.jsonmatch import wait_until
from lib.skyipc import Session
from lib.strongswan import Charon, CharonEnd, StrongswanError, strongswan_available

A_UNDER, B_UNDER = "192.0.2.1", "192.0.2.2"
A_INSIDE, B_INSIDE = "169.254.40.1", "169.254.40.2"
PINGS = 5


def psk_pair() -> tuple[str, str]:
    """The same key twice: as tunneld's config takes it (text) and as the
    peer's swanctl.conf does (0s + base64 of those bytes)."""
    text = os.urandom(18).hex()
    return text, base64.b64encode(text.encode()).decode()


def tunneld_conf(psk: str, initiate: bool) -> str:
    return (f"tunnel ipsec ike1\n local-address {A_UNDER}\n peer-address {B_UNDER}\n"
            f" inside-address {A_INSIDE}/30\n ike-version 2\n"
            f" authentication pre-shared-key {psk}\n"
            + (" initiate\n" if initiate else " respond\n"))


class Tunneld:
    """skygate-tunneld with its embedded charon, in one namespace."""

    def __init__(self, topo, skygate_bin, ns, config: str):
        self.ns = ns
        self.rundir = topo.make_dir("tunneld-ike")
        topo_lib.check_config_text(config)
        self.daemon = topo.start_daemon(
            ns, "tunneld-ike",
            [skygate_bin("skygate-tunneld"), "--rundir", "{rundir}", "-f", "{rundir}/tunneld.conf",
             # debug: charon's DIAG level, so the key checks below
             # cover the most it ever logs.
             "--workers", "2", "--log-level", "debug"],
            rundir=self.rundir, files={"tunneld.conf": config},
            ready=lambda: (self.rundir / "tunneld.sock").exists())

    def run(self, line: str) -> str:
        with Session(str(self.rundir / "tunneld.sock")) as s:
            reply = s.run(line)
        assert reply.ok, reply.output
        return reply.output

    def tunnel(self) -> dict:
        return json.loads(self.run("show tunnel ike1 json"))["tunnels"][0]

    def swanctl(self, *args: str) -> subprocess.CompletedProcess:
        # swanctl reads no settings that matter here; the URI picks
        # tunneld's charon.
        return self.ns.run(["swanctl", *args, "--uri", f"unix://{self.rundir}/charon.vici"],
                           check=False, timeout=30)

    def log(self) -> str:
        return self.daemon.tail(400)


@pytest.fixture
def ike_pair(topo, skygate_bin):
    reason = strongswan_available()
    if reason:
        pytest.fail(f"strongSwan reference not installed ({reason}): "
                    "run scripts/install-deps.sh", pytrace=False)
    a = topo.add_namespace("ikea")
    b = topo.add_namespace("ikeb")
    topo.add_link(a, b, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])

    def start(initiate: bool, peer_psk_differs: bool = False):
        text, b64 = psk_pair()
        if peer_psk_differs:
            _, b64 = psk_pair()
        td = Tunneld(topo, skygate_bin, a, tunneld_conf(text, initiate))
        peer = Charon(topo, b, CharonEnd(B_UNDER, A_UNDER, B_INSIDE, A_INSIDE), b64,
                      name="ike1", daemon_name="charon-peer").start()
        return td, peer, text
    return a, b, start


def ping_all(ns, src: str, dst: str) -> bool:
    proc = ns.run(["ping", "-n", "-q", "-c", str(PINGS), "-i", "0.2", "-W", "2", "-I", src, dst],
                  check=False, timeout=30)
    m = re.search(r"(\d+) received", proc.stdout)
    return m is not None and int(m.group(1)) == PINGS


def check_tunnel_carries_pings(a, b, td: Tunneld, peer: Charon) -> None:
    (sa,) = wait_until(peer.child_sas, 30, "the peer's CHILD_SA installed",
                       tolerate=(StrongswanError,))
    assert sa["encr"] == "AES_GCM_16" and sa["keysize"] == "256", sa
    assert sa["encap"], sa
    wait_until(lambda: td.tunnel()["ike"]["state"] == "up", 30, "tunneld: IKE state up")

    # Our VICI socket lists the same CHILD_SA, SPIs crossed: what the
    # peer receives on, we send on.
    listed = wait_until(lambda: (lambda p: p.returncode == 0 and "INSTALLED" in p.stdout and p)(
        td.swanctl("--list-sas")), 15, "swanctl --list-sas on tunneld's socket").stdout
    assert "ike1: #" in listed and "TUNNEL-in-UDP" in listed and "AES_GCM_16-256" in listed, listed
    ours = dict(re.findall(r"^\s+(in|out)\s+([0-9a-f]{8})", listed, re.M))
    assert ours == {"in": sa["spi_out"], "out": sa["spi_in"]}, (ours, sa)

    # The peer routes our inside address into ipsec0; ours is the /30 on
    # the tunnel's TUN device.
    wait_until(peer.tun_device, 15, "kernel-libipsec's TUN device")
    wait_until(lambda: ping_all(b, B_INSIDE, A_INSIDE), 30, "pings peer -> tunneld through IKE's SA")
    wait_until(lambda: ping_all(a, A_INSIDE, B_INSIDE), 30, "pings tunneld -> peer through IKE's SA")

    # Every echo and reply went through ESP: counted on the peer's
    # CHILD_SA and on tunneld's tunnel.
    def counted():
        (x,) = peer.child_sas()
        return x["packets_in"] >= 2 * PINGS and x["packets_out"] >= 2 * PINGS
    wait_until(counted, 10, "ESP counters on the peer's CHILD_SA", tolerate=(StrongswanError,))
    c = td.tunnel()["counters"]
    assert c["txPackets"] >= 2 * PINGS and c["rxPackets"] >= 2 * PINGS, c


def test_peer_initiates(ike_pair):
    a, b, start = ike_pair
    td, peer, psk = start(initiate=False)
    peer.initiate()
    check_tunnel_carries_pings(a, b, td, peer)
    assert psk not in td.log()
    assert psk not in td.run("show running-config")
    conf = td.run("show running-config json")
    assert psk not in conf
    (t,) = json.loads(conf)["tunnels"]
    assert t["complete"] and t["ike"] == {
        "version": 2, "authentication": "pre-shared-key", "mode": "respond",
        "ikeProposal": "aes256gcm16-prfsha256-ecp256-modp2048", "espProposal": "aes256gcm16",
        "ikeLifetime": 15840, "espLifetime": 3960,
        "dpd": {"interval": 30, "timeout": 0, "action": "clear"}, "natTraversal": "auto",
        "profile": "none"}, t
    # root asks for the key by name and gets it.
    assert f"authentication pre-shared-key {psk}\n" in td.run("show running-config with-secrets")


def test_tunneld_initiates(ike_pair):
    a, b, start = ike_pair
    td, peer, psk = start(initiate=True)
    check_tunnel_carries_pings(a, b, td, peer)
    assert psk not in td.log()


@pytest.mark.parametrize("we_initiate", [False, True], ids=["peer-initiates", "tunneld-initiates"])
def test_wrong_psk_is_reported(ike_pair, we_initiate):
    a, b, start = ike_pair
    td, peer, psk = start(initiate=we_initiate, peer_psk_differs=True)
    if not we_initiate:
        with pytest.raises(StrongswanError):
            peer.initiate(timeout_s=10)
    # Responding, our charon cannot verify the peer's AUTH; initiating,
    # the peer rejects ours (AUTHENTICATION_FAILED).
    want = "the peer's AUTH did not verify" if not we_initiate else "the peer rejected ours"
    ike = wait_until(lambda: (lambda t: want in t["ike"]["error"] and t["ike"])(
        td.tunnel()), 20, "show tunnel: the authentication error")
    assert "authentication failed" in ike["error"], ike
    assert ike["state"] in ("down", "connecting"), ike  # an initiator tries again
    text = td.run("show tunnel ike1")
    assert "authentication failed" in text, text
    wait_until(lambda: "tunnel ike1: authentication failed" in td.log(), 10, "the error in the log")
    assert psk not in td.log()
    assert peer.child_sas() == []


def engine_sas(td: Tunneld) -> set[tuple[str, str]]:
    """(direction, SPI as 8 hex digits) of every SA in tunneld's engine."""
    sas = json.loads(td.run("show ipsec sa json"))["sas"]
    return {(s["direction"], s["spi"].lower().removeprefix("0x").zfill(8)) for s in sas}


def test_rekey_mid_ping_loses_nothing(ike_pair):
    """RFC 7296 2.8: the peer rekeys the CHILD_SA while pings flow; the new
    SAs are installed before the old ones go, so not one echo is lost, and
    afterwards tunneld's engine holds exactly the new pair."""
    a, b, start = ike_pair
    td, peer, _ = start(initiate=False)
    peer.initiate()
    (old,) = wait_until(peer.child_sas, 30, "the CHILD_SA", tolerate=(StrongswanError,))
    wait_until(lambda: ping_all(b, B_INSIDE, A_INSIDE), 30, "pings before the rekey")
    assert engine_sas(td) == {("inbound", old["spi_out"]), ("outbound", old["spi_in"])}

    count = 60
    pinger = b.popen(["ping", "-n", "-q", "-c", str(count), "-i", "0.1", "-W", "2", "-I", B_INSIDE, A_INSIDE],
                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        # A second of pings first, then the rekey in the middle.
        wait_until(lambda: td.tunnel()["counters"]["rxPackets"] >= 2 * PINGS + 10, 10,
                   "pings flowing before the rekey")
        peer.swanctl("--rekey", "--child", "ike1")

        def rekeyed():
            sas = peer.child_sas()
            return len(sas) == 1 and sas[0]["spi_in"] != old["spi_in"] and sas[0]
        new = wait_until(rekeyed, 20, "the rekeyed CHILD_SA replacing the old one",
                         tolerate=(StrongswanError,))
        out, _ = pinger.communicate(timeout=30)
    finally:
        if pinger.poll() is None:
            pinger.kill()
            pinger.wait(timeout=10)
    m = re.search(r"(\d+) packets transmitted, (\d+) received", out)
    assert m is not None, out
    assert (int(m.group(1)), int(m.group(2))) == (count, count), out

    # The engine dropped the old SAs and holds the new pair.
    wait_until(lambda: engine_sas(td) == {("inbound", new["spi_out"]), ("outbound", new["spi_in"])}, 10,
               "tunneld's engine holding only the new SAs")
    # And the new SAs carry traffic both ways.
    wait_until(lambda: ping_all(a, A_INSIDE, B_INSIDE), 30, "pings after the rekey")
    (after,) = peer.child_sas()
    assert after["packets_in"] >= PINGS and after["packets_out"] >= PINGS, after


GW_AS, FRR_AS = 64512, 64514
GW_NET, FRR_NET = "198.18.10.0/24", "198.18.20.0/24"


@pytest.mark.requires("frr")
def test_bgp_over_the_ike_tunnel(ike_pair, topo, skygate_bin):
    """skygate-routed and FRR peer over the inside addresses: the BGP
    session itself rides the IKE-keyed tunnel, and each side learns the
    other's prefix."""
    from lib.gateway import start_routed
    from lib.jsonmatch import wait_for
    from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config

    a, b, start = ike_pair
    td, peer, _ = start(initiate=True)
    wait_until(lambda: td.tunnel()["ike"]["state"] == "up", 30, "tunneld: IKE state up")
    dev = wait_until(peer.tun_device, 15, "kernel-libipsec's TUN device")
    # kernel-libipsec routes our inside address from table 220, where
    # zebra does not look: without a route in the main table FRR's
    # nexthop tracking keeps the session down ("Waiting for NHT").
    b.ip("route", "add", f"{A_INSIDE}/32", "dev", dev, "src", B_INSIDE)
    gw = start_routed(topo, a, (
        f"router bgp {GW_AS}\n bgp router-id {A_UNDER}\n neighbor {B_INSIDE} remote-as {FRR_AS}\n"
        f" address-family ipv4 unicast\n  network {GW_NET}\n exit-address-family\n"),
        skygate_bin("skygate-routed"))
    frr = FrrRouter(topo, b, {"bgpd": frr_bgp_config(
        FRR_AS, B_UNDER, [BgpNeighbor(A_INSIDE, GW_AS, "gw", local_address=B_INSIDE)],
        networks=[FRR_NET],
        # The peer's side of the tunnel is routed (kernel-libipsec's
        # table 220), not a connected subnet: FRR's single-hop eBGP
        # check would keep the session down.
        extra=f" neighbor {A_INSIDE} disable-connected-check")}).start()

    def show(cmd: str) -> dict:
        reply = gw.session.run(cmd + " json")
        assert reply.ok, reply.output
        return json.loads(reply.output)
    wait_for(lambda: show("show bgp summary"),
             {"ipv4Unicast": {"peers": {B_INSIDE: {"state": "Established"}}}}, 60,
             what="skygate's session to FRR over the tunnel Established")
    wait_for(lambda: frr.bgp_routes(), {"routes": {GW_NET: [{"valid": True}]}}, 30,
             what=f"FRR learned {GW_NET} from skygate")
    wait_for(lambda: show("show bgp ipv4 unicast"), {"routes": {FRR_NET: [
        {"bestpath": True, "path": str(FRR_AS), "nexthops": [{"ip": B_INSIDE}]}]}}, 30,
             what=f"skygate learned {FRR_NET} from FRR")
    # The session's packets went through the CHILD_SA, not the underlay.
    (sa,) = peer.child_sas()
    assert sa["packets_in"] > 0 and sa["packets_out"] > 0, sa
    assert td.tunnel()["counters"]["rxPackets"] > 0
