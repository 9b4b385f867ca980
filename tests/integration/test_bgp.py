"""skygate-routed's BGP speaker against FRR, BIRD and GoBGP: sessions over
IPv4 and IPv6, routes both ways, transit between peers, withdrawals,
session loss, administrative shutdown, and OPEN errors.

            frr AS 64513 (192.0.2.2, 2001:db8:0:1::2)
                    |
    bird AS 64514 --+-- gw: skygate AS 64512 --+-- gobgp AS 64515
    (198.51.100.2)       192.0.2.1 / 198.51.100.1 / 203.0.113.1   (203.0.113.2)
                    |
            ibgp: FRR AS 64512 (198.51.100.66, on the BIRD link)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import skygate_build_dir
from lib import topo as topo_lib
from lib.gobgp import GobgpRouter, gobgp_config
from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.peers import BgpNeighbor, BirdRouter, FrrRouter, bird_bgp_config, frr_bgp_config
from lib.skyipc import Session

pytestmark = pytest.mark.requires("frr", "bird", "gobgp")

GW_AS, FRR_AS, BIRD_AS, GOBGP_AS = 64512, 64513, 64514, 64515
GW_NET4, GW_NET6 = "198.18.100.0/24", "2001:db8:100::/48"
FRR_NET4, FRR_NET6 = "198.19.1.0/24", "2001:db8:201::/48"
BIRD_NET4 = "198.19.2.0/24"
IBGP_NET4 = "198.19.4.0/24"
GOBGP_NET4 = "198.19.3.0/24"
#: Announced by both BIRD and GoBGP, with AS paths of one hop each: ECMP.
SHARED_NET4 = "198.19.60.0/24"
SESSION_S = 60

GW_CONFIG = f"""hostname gw
router bgp {GW_AS}
 bgp router-id 192.0.2.1
 neighbor 192.0.2.2 remote-as {FRR_AS}
 neighbor 192.0.2.2 description frr over IPv4
 neighbor 2001:db8:0:1::2 remote-as external
 neighbor 198.51.100.2 remote-as {BIRD_AS}
 neighbor 203.0.113.2 remote-as {GOBGP_AS}
 neighbor 198.51.100.66 remote-as internal
 address-family ipv4 unicast
  network {GW_NET4}
 exit-address-family
 address-family ipv6 unicast
  network {GW_NET6}
 exit-address-family
exit
"""


@dataclass
class Hub:
    gw: Session
    gw_ns: topo_lib.Namespace
    rundir: Path
    frr: FrrRouter
    bird: BirdRouter
    gobgp: GobgpRouter
    ibgp: FrrRouter
    topo: topo_lib.Topology

    def show(self, command: str):
        reply = self.gw.run(command + " json")
        assert reply.ok, reply
        import json
        return json.loads(reply.output)

    def configure(self, *lines: str) -> None:
        for line in ("configure terminal", f"router bgp {GW_AS}", *lines, "end"):
            reply = self.gw.run(line)
            assert reply.ok, (line, reply)


@pytest.fixture(scope="module")
def hub():
    """One hub for the module: sessions take a few seconds to come up, and
    every test leaves them as it found them."""
    from conftest import netns_unavailable
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    topology = topo_lib.Topology(name="bgp-hub")
    try:
        gw = topology.add_namespace("gw")
        frr_ns, bird_ns, gobgp_ns = (topology.add_namespace(n) for n in ("frr", "bird", "gobgp"))
        topology.add_link(gw, frr_ns, ["192.0.2.1/24", "2001:db8:0:1::1/64"],
                          ["192.0.2.2/24", "2001:db8:0:1::2/64"])
        ibgp_ns = topology.add_namespace("ibgp")
        topology.add_link(gw, bird_ns, ["198.51.100.1/24"], ["198.51.100.2/24"])
        topology.add_link(gw, ibgp_ns, ["198.51.100.65/26"], ["198.51.100.66/26"])
        topology.add_link(gw, gobgp_ns, ["203.0.113.1/24"], ["203.0.113.2/24"])
        rundir = topology.make_dir("gw")
        (rundir / "routed.conf").write_text(GW_CONFIG)
        routed_bin = str(skygate_build_dir() / "routed" / "skygate-routed")
        topology.start_daemon(gw, "routed", [routed_bin, "--rundir", "{rundir}", "-f", "{rundir}/routed.conf",
                                             "--log-level", "debug"],
                              rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
        frr = FrrRouter(topology, frr_ns, {"bgpd": frr_bgp_config(
            FRR_AS, "192.0.2.2", [BgpNeighbor("192.0.2.1", GW_AS, "gw4"),
                                  BgpNeighbor("2001:db8:0:1::1", GW_AS, "gw6")],
            networks=[FRR_NET4, FRR_NET6])}).start()
        bird = BirdRouter(topology, bird_ns, bird_bgp_config(
            BIRD_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", GW_AS, "skygate", "198.51.100.2")],
            networks=[BIRD_NET4, SHARED_NET4])).start()
        gobgp = GobgpRouter(topology, gobgp_ns, gobgp_config(
            GOBGP_AS, "203.0.113.2", [BgpNeighbor("203.0.113.1", GW_AS, "gw")])).start()
        gobgp.add_route(GOBGP_NET4)
        gobgp.add_route(SHARED_NET4)
        ibgp = FrrRouter(topology, ibgp_ns, {"bgpd": frr_bgp_config(
            GW_AS, "198.51.100.66", [BgpNeighbor("198.51.100.65", GW_AS, "gw")],
            networks=[IBGP_NET4], hostname="ibgp")}, name="ibgp").start()
        session = Session(str(rundir / "routed.sock"))
        topology.add_cleanup("close CLI session", session.close)
        yield Hub(session, gw, rundir, frr, bird, gobgp, ibgp, topology)
    finally:
        topology.teardown()
    reports = [f"{d.name}: {d.sanitizer_report}" for d in topology.daemons if d.sanitizer_report]
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def established(peers: dict) -> dict:
    return {"peers": {p: {"state": "Established"} for p in peers}}


def test_sessions_establish_with_every_peer(hub):
    wait_for(lambda: hub.show("show bgp summary"), {
        "ipv4Unicast": {"as": GW_AS, **established(["192.0.2.2", "198.51.100.2", "203.0.113.2"])},
        "ipv6Unicast": established(["2001:db8:0:1::2"]),
    }, SESSION_S, what="skygate's sessions Established")
    wait_for(hub.frr.bgp_summary, {
        "ipv4Unicast": {"peers": {"192.0.2.1": {"state": "Established", "remoteAs": GW_AS}}},
        "ipv6Unicast": {"peers": {"2001:db8:0:1::1": {"state": "Established", "remoteAs": GW_AS}}},
    }, SESSION_S, what="FRR's sessions to skygate Established")
    wait_for(lambda: hub.bird.protocol("skygate"), {"BGP state": "Established"}, SESSION_S,
             what="BIRD's session Established")
    wait_for(hub.gobgp.neighbors, {"203.0.113.1": {"state": "established"}}, SESSION_S,
             what="GoBGP's session Established")
    nbr = hub.show("show bgp neighbors 192.0.2.2")["192.0.2.2"]
    assert nbr["bgpState"] == "Established"
    assert nbr["neighborCapabilities"]["4byteAs"] == "advertisedAndReceived"
    assert nbr["nbrDesc"] == "frr over IPv4"


def test_routes_learned_from_every_peer(hub):
    table = wait_for(lambda: hub.show("show bgp ipv4 unicast"), {"routes": {
        FRR_NET4: [{"bestpath": True, "path": str(FRR_AS), "nexthops": [{"ip": "192.0.2.2"}]}],
        BIRD_NET4: [{"bestpath": True, "path": str(BIRD_AS), "nexthops": [{"ip": "198.51.100.2"}]}],
        GOBGP_NET4: [{"bestpath": True, "path": str(GOBGP_AS), "nexthops": [{"ip": "203.0.113.2"}]}],
        GW_NET4: [{"bestpath": True, "pathFrom": "local", "weight": 32768}],
    }}, SESSION_S, what="skygate learned every peer's route")
    assert len(table["routes"][FRR_NET4]) == 1
    wait_for(lambda: hub.show("show bgp ipv6 unicast"), {"routes": {
        FRR_NET6: [{"bestpath": True, "path": str(FRR_AS), "nexthops": [{"ip": "2001:db8:0:1::2"}]}],
    }}, SESSION_S, what="skygate learned FRR's IPv6 route")
    summary = hub.show("show bgp summary")
    assert summary["ipv4Unicast"]["peers"]["192.0.2.2"]["pfxRcd"] == 1


def test_peers_receive_our_routes_and_transit(hub):
    # FRR: our network and the other peers' routes, with our AS prepended
    # and our address as the next hop.
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {
        GW_NET4: [{"valid": True, "path": str(GW_AS), "nexthops": [{"ip": "192.0.2.1"}]}],
        BIRD_NET4: [{"valid": True, "path": f"{GW_AS} {BIRD_AS}", "nexthops": [{"ip": "192.0.2.1"}]}],
        GOBGP_NET4: [{"valid": True, "path": f"{GW_AS} {GOBGP_AS}"}],
    }}, SESSION_S, what="FRR learned skygate's and the other peers' routes")
    wait_for(lambda: hub.frr.bgp_routes("ipv6"), {"routes": {
        GW_NET6: [{"valid": True, "path": str(GW_AS)}],
    }}, SESSION_S, what="FRR learned skygate's IPv6 route")
    # BIRD: FRR's route through us.
    wait_for(lambda: hub.bird.routes(), {"master4": {
        FRR_NET4: [{"attributes": {"BGP.as_path": f"{GW_AS} {FRR_AS}", "BGP.next_hop": "198.51.100.1"}}],
        GW_NET4: [{"attributes": {"BGP.as_path": str(GW_AS)}}],
    }}, SESSION_S, what="BIRD learned routes through skygate")
    # GoBGP: both.
    wait_for(lambda: hub.gobgp.rib(), {
        FRR_NET4: [{"as_path": [GW_AS, FRR_AS], "nexthop": "203.0.113.1"}],
        BIRD_NET4: [{"as_path": [GW_AS, BIRD_AS]}],
    }, SESSION_S, what="GoBGP learned routes through skygate")
    # A route is not sent back to the peer it came from.
    assert FRR_NET4 not in {p for p, paths in hub.frr.bgp_routes("ipv4")["routes"].items()
                            if any(str(GW_AS) in (x.get("path") or "") for x in paths)}


def test_withdrawal_propagates(hub):
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {GOBGP_NET4: [{"valid": True}]}},
             SESSION_S, what="FRR has GoBGP's route")
    hub.gobgp.del_route(GOBGP_NET4)
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {GOBGP_NET4: ABSENT}}, 30,
             what="FRR lost GoBGP's withdrawn route")
    wait_for(lambda: hub.show("show bgp ipv4 unicast"), {"routes": {GOBGP_NET4: ABSENT}}, 30,
             what="skygate lost the withdrawn route")
    hub.gobgp.add_route(GOBGP_NET4)
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {GOBGP_NET4: [{"valid": True}]}}, 30,
             what="FRR has GoBGP's route again")


def test_peer_session_loss_withdraws_its_routes(hub):
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {BIRD_NET4: [{"valid": True}]}},
             SESSION_S, what="FRR has BIRD's route")
    hub.bird.disable("skygate")
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": {"peers": {
        "198.51.100.2": {"state": lambda s: s != "Established", "pfxRcd": 0}}}}, 30,
        what="skygate saw BIRD go")
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {BIRD_NET4: ABSENT}}, 30,
             what="FRR lost BIRD's route")
    hub.bird.enable("skygate")
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {BIRD_NET4: [{"valid": True}]}},
             SESSION_S, what="BIRD's route is back")
    nbr = hub.show("show bgp neighbors 198.51.100.2")["198.51.100.2"]
    assert nbr["connectionsDropped"] >= 1
    assert "Cease" in nbr.get("lastNotificationReceived", "")


def test_admin_shutdown_and_back(hub):
    hub.configure("neighbor 203.0.113.2 shutdown")
    wait_for(lambda: hub.show("show bgp neighbors 203.0.113.2"), {"203.0.113.2": {
        "bgpState": "Idle", "adminShutDown": True,
        "lastNotificationSent": "Cease/Administrative Shutdown"}}, 30, what="shut down")
    wait_for(hub.gobgp.neighbors, {"203.0.113.1": {"state": lambda s: s != "established"}}, 30,
             what="GoBGP saw the shutdown")
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {GOBGP_NET4: ABSENT}}, 30,
             what="GoBGP's route withdrawn from FRR")
    hub.configure("no neighbor 203.0.113.2 shutdown")
    wait_for(hub.gobgp.neighbors, {"203.0.113.1": {"state": "established"}}, SESSION_S,
             what="GoBGP session back")
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {GOBGP_NET4: [{"valid": True}]}},
             SESSION_S, what="GoBGP's route back at FRR")


def test_network_statement_changes_are_announced(hub):
    extra = "198.18.101.0/24"
    hub.configure("address-family ipv4 unicast", f"network {extra}")
    wait_for(lambda: hub.bird.routes(), {"master4": {extra: [{"attributes": {"BGP.as_path": str(GW_AS)}}]}}, 30,
             what="BIRD learned the new network")
    hub.configure("address-family ipv4 unicast", f"no network {extra}")
    wait_for(lambda: hub.bird.routes(), {"master4": {extra: ABSENT}}, 30,
             what="BIRD lost the removed network")


def test_wrong_remote_as_is_refused_with_bad_peer_as(hub):
    hub.configure("neighbor 203.0.113.2 remote-as 65000")
    wait_for(lambda: hub.show("show bgp neighbors 203.0.113.2"), {"203.0.113.2": {
        "bgpState": lambda s: s != "Established",
        "lastNotificationSent": "OPEN Message Error/Bad Peer AS"}}, SESSION_S,
        what="Bad Peer AS sent")
    hub.configure(f"neighbor 203.0.113.2 remote-as {GOBGP_AS}")
    wait_for(hub.gobgp.neighbors, {"203.0.113.1": {"state": "established"}}, SESSION_S,
             what="GoBGP session back with the right AS")


def test_hold_timer_expiry_when_the_peer_freezes(hub):
    """RFC 4271 section 6.5: a peer that stops talking is dropped when the
    hold time runs out, its routes withdrawn; it comes back when it thaws."""
    import os
    import signal
    hub.configure("neighbor 192.0.2.2 timers 1 3")
    # New timers apply to the next session: reset it so 3 s is negotiated.
    hub.configure("neighbor 192.0.2.2 shutdown")
    hub.configure("no neighbor 192.0.2.2 shutdown")
    wait_for(lambda: hub.show("show bgp neighbors 192.0.2.2"), {"192.0.2.2": {
        "bgpState": "Established", "bgpTimerHoldTimeMsecs": 3000}}, SESSION_S,
        what="session up with a 3 s hold time")
    wait_for(lambda: hub.show("show bgp ipv4 unicast"), {"routes": {FRR_NET4: [{"valid": True}]}},
             SESSION_S, what="FRR's route present")
    bgpd = hub.frr.daemons["bgpd"]
    os.kill(bgpd.pid, signal.SIGSTOP)
    try:
        wait_for(lambda: hub.show("show bgp neighbors 192.0.2.2"), {"192.0.2.2": {
            "bgpState": lambda s: s != "Established",
            "lastNotificationSent": "Hold Timer Expired"}}, 20, what="hold timer expired")
        wait_for(lambda: hub.show("show bgp ipv4 unicast"), {"routes": {FRR_NET4: ABSENT}}, 10,
                 what="the frozen peer's route withdrawn")
    finally:
        os.kill(bgpd.pid, signal.SIGCONT)
    hub.configure("no neighbor 192.0.2.2 timers")
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": established(["192.0.2.2"])},
             SESSION_S, what="session back after the peer thaws")


def test_ibgp_peer(hub):
    """An internal peer: its routes carry LOCAL_PREF and go to external peers
    with our AS only; external routes reach it with LOCAL_PREF 100 and their
    next hop unchanged; routes from one internal peer are not reflected."""
    wait_for(hub.ibgp.bgp_summary, {"ipv4Unicast": {"peers": {"198.51.100.65": {
        "state": "Established", "remoteAs": GW_AS}}}}, SESSION_S, what="iBGP session up")
    wait_for(lambda: hub.show("show bgp ipv4 unicast"), {"routes": {IBGP_NET4: [{
        "pathFrom": "internal", "locPrf": 100, "path": ""}]}}, SESSION_S,
        what="skygate learned the iBGP route")
    wait_for(lambda: hub.frr.bgp_routes("ipv4"), {"routes": {IBGP_NET4: [{
        "path": str(GW_AS), "nexthops": [{"ip": "192.0.2.1"}]}]}}, SESSION_S,
        what="the iBGP route reached an eBGP peer with our AS only")
    wait_for(lambda: hub.ibgp.bgp_routes("ipv4"), {"routes": {FRR_NET4: [{
        "path": str(FRR_AS), "locPrf": 100, "nexthops": [{"ip": "192.0.2.2"}]}],
        GW_NET4: [{"path": "", "locPrf": 100, "nexthops": [{"ip": "198.51.100.65"}]}]}},
        SESSION_S, what="eBGP and local routes reached the iBGP peer")


def test_md5_password_both_sides(hub):
    """RFC 2385: with a password on our side only the session cannot form;
    with the same password on FRR it does."""
    hub.configure("neighbor 192.0.2.2 password s3cret")
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": {"peers": {
        "192.0.2.2": {"state": lambda s: s != "Established"}}}}, 30, what="session down without FRR's key")
    hub.frr.configure(f"router bgp {FRR_AS}", "neighbor 192.0.2.1 password s3cret", daemon="bgpd")
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": established(["192.0.2.2"])},
             SESSION_S, what="session up with TCP-MD5 on both sides")
    assert hub.show("show running-config")["routerBgp"]["neighbors"]["192.0.2.2"]["passwordSet"] is True
    hub.configure("no neighbor 192.0.2.2 password")
    hub.frr.configure(f"router bgp {FRR_AS}", "no neighbor 192.0.2.1 password", daemon="bgpd")
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": established(["192.0.2.2"])},
             SESSION_S, what="session up again without passwords")


def test_maximum_prefix_tears_down_and_holds(hub):
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": {"peers": {"192.0.2.2": {
        "state": "Established", "pfxRcd": 1}}}}, SESSION_S, what="FRR session with one prefix")
    hub.configure("address-family ipv4 unicast", "neighbor 192.0.2.2 maximum-prefix 1")
    hub.frr.configure(f"router bgp {FRR_AS}", "address-family ipv4 unicast", "network 198.19.9.0/24",
                      daemon="bgpd")
    try:
        wait_for(lambda: hub.show("show bgp neighbors 192.0.2.2"), {"192.0.2.2": {
            "bgpState": lambda s: s != "Established",
            "lastNotificationSent": "Cease/Maximum Number of Prefixes Reached"}}, 30,
            what="maximum-prefix tear-down")
        wait_for(lambda: hub.frr.bgp_neighbor("192.0.2.1"), {
            "lastNotificationReason": lambda r: "Maximum Number of Prefixes Reached" in r}, 30,
            what="FRR was told why")
        # Held down: FRR's reconnection attempts are refused.
        assert hub.show("show bgp neighbors 192.0.2.2")["192.0.2.2"]["bgpState"] != "Established"
    finally:
        hub.frr.configure(f"router bgp {FRR_AS}", "address-family ipv4 unicast", "no network 198.19.9.0/24",
                          daemon="bgpd")
        # Lifting the limit lifts the hold-down.
        hub.configure("address-family ipv4 unicast", "no neighbor 192.0.2.2 maximum-prefix")
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": established(["192.0.2.2"])},
             SESSION_S, what="session back after the limit is lifted")


def test_next_hop_self_towards_ibgp(hub):
    wait_for(lambda: hub.ibgp.bgp_routes("ipv4"), {"routes": {FRR_NET4: [{"nexthops": [{"ip": "192.0.2.2"}]}]}},
             SESSION_S, what="iBGP peer sees FRR's next hop")
    hub.configure("address-family ipv4 unicast", "neighbor 198.51.100.66 next-hop-self")
    try:
        wait_for(lambda: hub.ibgp.bgp_routes("ipv4"), {"routes": {
            FRR_NET4: [{"nexthops": [{"ip": "198.51.100.65"}]}]}}, 30, what="next-hop-self applied")
    finally:
        hub.configure("address-family ipv4 unicast", "no neighbor 198.51.100.66 next-hop-self")


def test_route_refresh_on_clear_soft_in(hub):
    wait_for(lambda: hub.show("show bgp summary"), {"ipv4Unicast": established(["192.0.2.2"])},
             SESSION_S, what="FRR session up")
    before = hub.frr.bgp_neighbor("192.0.2.1")["messageStats"]["routeRefreshRecv"]
    reply = hub.gw.run("clear bgp 192.0.2.2 soft in")
    assert reply.ok, reply
    wait_for(lambda: hub.frr.bgp_neighbor("192.0.2.1"), {"messageStats": {
        "routeRefreshRecv": lambda n: n > before}}, 30, what="FRR received ROUTE-REFRESH")
    assert not hub.gw.run("clear bgp 203.0.113.99").ok


def kernel_routes(ns, family: str = "-4") -> dict:
    """Our routes in the namespace's main table: {prefix: [gateways]}."""
    out = {}
    for r in ns.ip_json(family, "route", "show", "proto", "211"):
        gws = [r["gateway"]] if "gateway" in r else [n.get("gateway") for n in r.get("nexthops", [])]
        out[r["dst"]] = gws
    return out


def test_best_routes_are_installed_in_the_kernel(hub):
    wait_for(lambda: kernel_routes(hub.gw_ns), {
        FRR_NET4: ["192.0.2.2"], BIRD_NET4: ["198.51.100.2"], GOBGP_NET4: ["203.0.113.2"]}, SESSION_S,
        what="learned IPv4 routes in the kernel with protocol 211")
    wait_for(lambda: kernel_routes(hub.gw_ns, "-6"), {FRR_NET6: ["2001:db8:0:1::2"]}, SESSION_S,
             what="learned IPv6 route in the kernel")
    routes = hub.show("show bgp ipv4 unicast")["routes"]
    assert routes[FRR_NET4][0]["installed"] is True
    # Our own networks are not installed (they are reachable here already).
    assert GW_NET4 not in kernel_routes(hub.gw_ns)
    # A withdrawn route leaves the kernel.
    hub.gobgp.del_route(GOBGP_NET4)
    try:
        wait_for(lambda: kernel_routes(hub.gw_ns), {GOBGP_NET4: ABSENT}, 30, what="withdrawn route removed")
    finally:
        hub.gobgp.add_route(GOBGP_NET4)
    wait_for(lambda: kernel_routes(hub.gw_ns), {GOBGP_NET4: ["203.0.113.2"]}, 30, what="route back")


def test_maximum_paths_installs_ecmp(hub):
    wait_for(lambda: kernel_routes(hub.gw_ns), {SHARED_NET4: lambda gws: len(gws) == 1}, SESSION_S,
             what="one next hop without maximum-paths")
    hub.configure("address-family ipv4 unicast", "maximum-paths 2")
    try:
        wait_for(lambda: kernel_routes(hub.gw_ns), {
            SHARED_NET4: lambda gws: sorted(gws) == ["198.51.100.2", "203.0.113.2"]}, 30,
            what="both next hops installed as one multipath route")
    finally:
        hub.configure("address-family ipv4 unicast", "no maximum-paths 2")
    wait_for(lambda: kernel_routes(hub.gw_ns), {SHARED_NET4: lambda gws: len(gws) == 1}, 30,
             what="back to one next hop")


def test_communities_pass_through_intact(hub):
    """RFC 1997 and RFC 8092 attributes are transitive: what GoBGP attaches
    reaches FRR through skygate unchanged."""
    prefix = "198.19.70.0/24"
    hub.gobgp.add_route(prefix, communities=["64515:7", "64515:8"], large_communities=["64515:1:2"])
    try:
        wait_for(lambda: hub.frr.bgp_routes("ipv4", prefix), {"paths": [{
            "community": {"string": "64515:7 64515:8"},
            "largeCommunity": {"string": "64515:1:2"},
            "aspath": {"string": f"{GW_AS} {GOBGP_AS}"}}]}, SESSION_S,
            what="FRR sees GoBGP's communities through skygate")
        routes = hub.show(f"show bgp ipv4 unicast {prefix}")["routes"][prefix]
        assert routes[0]["community"] == "64515:7 64515:8"
        assert routes[0]["largeCommunity"] == "64515:1:2"
    finally:
        hub.gobgp.del_route(prefix)
