"""Inbound policy without asking the peer: `neighbor X soft-reconfiguration
inbound` keeps the routes as received, so a changed inbound policy and
`clear bgp X soft in` are applied from that copy with no ROUTE-REFRESH
(RFC 2918) on the wire; `received-routes` shows that copy (before policy)
and, as in FRR, refuses without the knob. Weight (`neighbor X weight`,
`set weight`) is the first step of the decision, between a scripted peer
and FRR announcing the same prefix."""

from __future__ import annotations

import json

import pytest

from lib.gateway import start_routed
from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config

pytestmark = pytest.mark.requires("frr")

GW_AS, RAW_AS, FRR_AS = 64512, 64513, 64514
RAW = "192.0.2.2"
FRR = "198.51.100.2"
KEPT, FILTERED = "198.18.1.0/24", "198.18.2.0/24"
SHARED = "198.18.30.0/24"   # announced by both peers

GW_CONFIG = f"""\
ip prefix-list FROM-RAW seq 5 permit {KEPT}
ip prefix-list FROM-RAW seq 10 permit {SHARED}
route-map RAW-WEIGHT permit 10
 set weight 500
exit
router bgp {GW_AS}
 bgp router-id 192.0.2.1
 neighbor {RAW} remote-as {RAW_AS}
 neighbor {FRR} remote-as {FRR_AS}
 address-family ipv4 unicast
  neighbor {RAW} prefix-list FROM-RAW in
  neighbor {RAW} soft-reconfiguration inbound
 exit-address-family
"""


@pytest.fixture
def net(topo, skygate_bin):
    from lib.scriptpeer import ScriptedPeer
    gw_ns, raw_ns, frr_ns = topo.add_namespace("gw"), topo.add_namespace("raw"), topo.add_namespace("frr")
    topo.add_link(gw_ns, raw_ns, ["192.0.2.1/24"], [f"{RAW}/24"])
    topo.add_link(gw_ns, frr_ns, ["198.51.100.1/24"], [f"{FRR}/24"])
    gw = start_routed(topo, gw_ns, GW_CONFIG, skygate_bin("skygate-routed"))
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, FRR, [BgpNeighbor("198.51.100.1", GW_AS, "gw")], networks=[SHARED])}).start()
    raw = ScriptedPeer(raw_ns, RAW, "192.0.2.1", RAW_AS)
    topo.add_cleanup("stop the scripted peer", raw.close)
    raw.run("drain")
    return gw.session, raw, frr


def routes(session) -> dict:
    return json.loads(session.run("show bgp ipv4 unicast json").output)["routes"]


def received(session, peer: str) -> dict:
    return json.loads(session.run(f"show bgp ipv4 unicast neighbors {peer} received-routes json").output)


def configure(session, *lines: str) -> None:
    for line in ("configure terminal", *lines, "end"):
        reply = session.run(line)
        assert reply.ok, (line, reply.output)


def assert_no_refresh(raw, seconds: float = 2.0) -> None:
    """Nothing the gateway sends within seconds is a ROUTE-REFRESH (one sent
    when the policy changed would already be queued on the socket)."""
    kinds = raw.run(f"quiet {seconds}")["kinds"]
    assert not {"refresh", "borr", "eorr"} & set(kinds), kinds


def best(session, prefix: str) -> dict | None:
    paths = routes(session).get(prefix, [])
    return next((p for p in paths if p.get("bestpath")), None)


def test_policy_change_applied_from_the_copy_without_refresh(net):
    session, raw, _ = net
    raw.run(f"announce {KEPT} {FILTERED}")
    wait_for(lambda: routes(session), {KEPT: [{"valid": True}], FILTERED: ABSENT}, 15,
             what="the prefix-list lets one route in")
    # received-routes: both, as the peer sent them (before the policy).
    wait_for(lambda: received(session, RAW), {"receivedRoutes": {KEPT: {"network": KEPT},
                                                                 FILTERED: {"network": FILTERED}},
                                              "totalPrefixCounter": 2}, 10, what="pre-policy copy")
    text = session.run(f"show bgp ipv4 unicast neighbors {RAW} received-routes").output
    assert FILTERED in text and "Total number of prefixes 2" in text, text

    configure(session, f"ip prefix-list FROM-RAW seq 7 permit {FILTERED}")
    wait_for(lambda: routes(session), {KEPT: [{"valid": True}], FILTERED: [{"valid": True}]}, 15,
             what="the widened prefix-list applied from the copy")
    assert_no_refresh(raw)

    configure(session, f"no ip prefix-list FROM-RAW seq 7 permit {FILTERED}")
    wait_for(lambda: routes(session), {FILTERED: ABSENT}, 15, what="the narrowed prefix-list applied")
    session.run(f"clear bgp {RAW} soft in")
    assert_no_refresh(raw)
    assert FILTERED not in routes(session)

    # A withdrawal leaves the copy too: widening the list again brings
    # back nothing the peer no longer has.
    raw.run(f"withdraw {FILTERED}")
    wait_for(lambda: received(session, RAW), {"receivedRoutes": {FILTERED: ABSENT}, "totalPrefixCounter": 1}, 10,
             what="withdrawn route gone from the copy")
    configure(session, f"ip prefix-list FROM-RAW seq 7 permit {FILTERED}")
    assert_no_refresh(raw)
    assert FILTERED not in routes(session)


def test_turning_the_knob_off_goes_back_to_route_refresh(net):
    session, raw, _ = net
    configure(session, f"router bgp {GW_AS}", "address-family ipv4 unicast",
              f"no neighbor {RAW} soft-reconfiguration inbound")
    assert "Inbound soft reconfiguration not enabled" in \
        session.run(f"show bgp ipv4 unicast neighbors {RAW} received-routes").output
    configure(session, f"ip prefix-list FROM-RAW seq 7 permit {FILTERED}")
    seen = raw.run("expect-refresh")["seen"]
    assert seen[-1]["kind"] == "refresh"
    # On again on a live session: one ROUTE-REFRESH fills the copy.
    configure(session, f"router bgp {GW_AS}", "address-family ipv4 unicast",
              f"neighbor {RAW} soft-reconfiguration inbound")
    assert raw.run("expect-refresh")["seen"][-1]["kind"] == "refresh"
    raw.run(f"announce {KEPT} {FILTERED}")
    wait_for(lambda: received(session, RAW), {"totalPrefixCounter": 2}, 10, what="copy filled again")


def test_received_routes_without_the_knob_is_refused_as_in_frr(net):
    session, _, _ = net
    wait_until(lambda: SHARED in routes(session), 30, what="FRR's route learned")
    reply = session.run(f"show bgp ipv4 unicast neighbors {FRR} received-routes")
    assert "% Inbound soft reconfiguration not enabled" in reply.output, reply.output
    assert received(session, FRR) == {"warning": "Inbound soft reconfiguration not enabled"}


def test_weight_decides_between_two_paths(net):
    session, raw, _ = net
    raw.run(f"announce {SHARED}")
    wait_until(lambda: len(routes(session).get(SHARED, [])) == 2, 30, what="both paths of the shared prefix")
    # Equal up to the router-id, which the scripted peer (192.0.2.2) wins.
    wait_until(lambda: (best(session, SHARED) or {}).get("peerId") == RAW, 10, what="router-id decides")
    configure(session, f"router bgp {GW_AS}", "address-family ipv4 unicast", f"neighbor {FRR} weight 100")
    wait_until(lambda: (best(session, SHARED) or {}).get("peerId") == FRR, 15,
               what="neighbor weight makes FRR's path best")
    assert best(session, SHARED)["weight"] == 100
    text = session.run(f"show bgp ipv4 unicast {SHARED}").output
    assert " 100 " in text, text

    configure(session, f"router bgp {GW_AS}", "address-family ipv4 unicast", f"neighbor {RAW} route-map RAW-WEIGHT in")
    wait_until(lambda: (best(session, SHARED) or {}).get("peerId") == RAW, 15,
               what="set weight 500 makes the scripted peer's path best")
    assert best(session, SHARED)["weight"] == 500
    assert_no_refresh(raw)
    # received-routes is before the policy: no weight there.
    assert received(session, RAW)["receivedRoutes"][SHARED]["weight"] == 0
