"""FRR and BIRD peer with each other: proves the harness end to end.

Two namespaces joined by one veth.  FRR (AS 64512) and BIRD (AS 64513) run
eBGP over IPv4 and, as a separate session, over IPv6, and each originates
one IPv4 and one IPv6 prefix.  Every assertion polls the daemons' own
output (FRR's JSON, birdc's text) until it matches or a deadline passes.

    ns frr  eth0 192.0.2.1/24  2001:db8:0:1::1/64
       |
    ns bird eth0 192.0.2.2/24  2001:db8:0:1::2/64
"""

from dataclasses import dataclass

import pytest

from lib.jsonmatch import ABSENT, assert_json_match, wait_for
from lib.peers import (BgpNeighbor, BirdRouter, FrrRouter, bird_bgp_config,
                       frr_bgp_config)

pytestmark = pytest.mark.requires("frr", "bird")

FRR_AS, BIRD_AS = 64512, 64513
FRR_V4, BIRD_V4 = "192.0.2.1", "192.0.2.2"
FRR_V6, BIRD_V6 = "2001:db8:0:1::1", "2001:db8:0:1::2"
FRR_NET4, FRR_NET6 = "198.18.1.0/24", "2001:db8:100::/48"
BIRD_NET4, BIRD_NET6 = "198.19.2.0/24", "2001:db8:200::/48"

#: Session establishment: generous, since a slow CI machine must not flake;
#: polling returns as soon as the session is up (about a second here).
SESSION_S = 60
#: A route withdrawal after a NOTIFICATION is immediate; allow plenty anyway.
WITHDRAW_S = 30


@dataclass
class Lab:
    frr: FrrRouter
    bird: BirdRouter


@pytest.fixture
def lab(topo) -> Lab:
    """Build the two-namespace lab and start both daemons (BIRD first, so
    FRR's first connection attempt already finds it listening)."""
    ns_frr, ns_bird = topo.add_namespace("frr"), topo.add_namespace("bird")
    topo.add_link(ns_frr, ns_bird, [f"{FRR_V4}/24", f"{FRR_V6}/64"],
                  [f"{BIRD_V4}/24", f"{BIRD_V6}/64"])
    bird_conf = bird_bgp_config(
        BIRD_AS, BIRD_V4,
        [BgpNeighbor(FRR_V4, FRR_AS, "frr4", BIRD_V4),
         BgpNeighbor(FRR_V6, FRR_AS, "frr6", BIRD_V6)],
        networks=[BIRD_NET4, BIRD_NET6])
    frr_conf = frr_bgp_config(
        FRR_AS, FRR_V4,
        [BgpNeighbor(BIRD_V4, BIRD_AS, "bird4"), BgpNeighbor(BIRD_V6, BIRD_AS, "bird6")],
        networks=[FRR_NET4, FRR_NET6])
    bird = BirdRouter(topo, ns_bird, bird_conf).start()
    frr = FrrRouter(topo, ns_frr, {"bgpd": frr_conf}).start()
    return Lab(frr, bird)


def frr_sessions(state: str = "Established") -> dict:
    """Expected `show bgp summary json` with both sessions in `state`."""
    return {"ipv4Unicast": {"peers": {BIRD_V4: {"state": state, "remoteAs": BIRD_AS}}},
            "ipv6Unicast": {"peers": {BIRD_V6: {"state": state, "remoteAs": BIRD_AS}}}}


def bird_session(afi: str) -> dict:
    """Expected `show protocols all` of an established BIRD session."""
    return {"state": "up", "info": "Established", "BGP state": "Established",
            "Neighbor AS": str(FRR_AS), "channels": {afi: {"State": "UP"}}}


def frr_route_from_bird(prefix: str, nexthop: str) -> dict:
    """Expected FRR table entry for a prefix BIRD originated."""
    return {"routes": {prefix: [{"valid": True, "bestpath": True, "path": str(BIRD_AS),
                                 "nexthops": [{"ip": nexthop}]}]}}


def bird_route_from_frr(table: str, prefix: str, protocol: str, nexthop: str) -> dict:
    """Expected birdc route entry for a prefix FRR originated."""
    return {table: {prefix: [{"protocol": protocol, "primary": True,
                              "attributes": {"BGP.as_path": str(FRR_AS),
                                             "BGP.next_hop": lambda v: v.split()[0] == nexthop}}]}}


def test_sessions_established_both_sides(lab):
    wait_for(lab.frr.bgp_summary, frr_sessions(), SESSION_S, what="FRR sessions to BIRD")
    wait_for(lambda: lab.bird.protocol("frr4"), bird_session("ipv4"), SESSION_S,
             what="BIRD IPv4 session to FRR")
    wait_for(lambda: lab.bird.protocol("frr6"), bird_session("ipv6"), SESSION_S,
             what="BIRD IPv6 session to FRR")


def test_frr_receives_bird_routes_with_as_path(lab):
    wait_for(lambda: lab.frr.bgp_routes("ipv4"), frr_route_from_bird(BIRD_NET4, BIRD_V4),
             SESSION_S, what=f"FRR route {BIRD_NET4}")
    wait_for(lambda: lab.frr.bgp_routes("ipv6"), frr_route_from_bird(BIRD_NET6, BIRD_V6),
             SESSION_S, what=f"FRR route {BIRD_NET6}")
    # The detailed view carries the AS path as segments: exactly one AS.
    assert_json_match(lab.frr.bgp_routes("ipv4", BIRD_NET4), {"paths": [{"aspath": {
        "length": 1, "segments": [{"type": "as-sequence", "list": [BIRD_AS]}]}}]},
        what=f"FRR detail of {BIRD_NET4}")


def test_bird_receives_frr_routes(lab):
    wait_for(lab.bird.routes, bird_route_from_frr("master4", FRR_NET4, "frr4", FRR_V4),
             SESSION_S, what=f"BIRD route {FRR_NET4}")
    wait_for(lab.bird.routes, bird_route_from_frr("master6", FRR_NET6, "frr6", FRR_V6),
             SESSION_S, what=f"BIRD route {FRR_NET6}")


def test_bird_disable_makes_frr_withdraw(lab):
    wait_for(lambda: lab.frr.bgp_routes("ipv4"), frr_route_from_bird(BIRD_NET4, BIRD_V4),
             SESSION_S, what=f"FRR route {BIRD_NET4} before disabling")
    wait_for(lambda: lab.frr.bgp_routes("ipv6"), frr_route_from_bird(BIRD_NET6, BIRD_V6),
             SESSION_S, what=f"FRR route {BIRD_NET6} before disabling")

    lab.bird.disable("frr4")
    wait_for(lambda: lab.frr.bgp_routes("ipv4"), {"routes": {BIRD_NET4: ABSENT}}, WITHDRAW_S,
             what=f"FRR to withdraw {BIRD_NET4}")
    wait_for(lab.frr.bgp_summary,
             {"ipv4Unicast": {"peers": {BIRD_V4: {"state": lambda s: s != "Established"}}}},
             WITHDRAW_S, what="FRR IPv4 session to go down")
    # The IPv6 session is separate and must be untouched.
    assert_json_match(lab.frr.bgp_routes("ipv6"), frr_route_from_bird(BIRD_NET6, BIRD_V6),
                      what=f"FRR route {BIRD_NET6} after disabling the IPv4 session")

    lab.bird.enable("frr4")
    wait_for(lambda: lab.frr.bgp_routes("ipv4"), frr_route_from_bird(BIRD_NET4, BIRD_V4),
             SESSION_S, what=f"FRR to relearn {BIRD_NET4} after enabling")
