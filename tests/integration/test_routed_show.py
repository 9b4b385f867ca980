"""Show commands over a live session: one neighbor's received, accepted
and advertised routes (FRR's `show ip bgp neighbors X ...` views), and
`show ip route` reading the kernel's table back, including a BGP best
route the kernel refused and why."""

from __future__ import annotations

import json

import pytest

from lib.jsonmatch import ABSENT, wait_for
from lib.gateway import SCRIPTED_GW_AS as GW_AS
from lib.gateway import SCRIPTED_GW_NETWORK as ORIGINATED
from lib.gateway import SCRIPTED_PEER_AS as PEER_AS
from lib.gateway import scripted_pair
from lib.skyipc import Session


@pytest.fixture
def gw(topo, skygate_bin):
    gateway, peer = scripted_pair(topo, skygate_bin("skygate-routed"))
    return gateway.session, peer


def show(session: Session, command: str) -> dict:
    result = session.run(command)
    assert result.ok, f"{command}: {result.output}"
    return json.loads(result.output)


def test_neighbor_route_views(gw):
    session, peer = gw
    peer.run("drain")
    # received-routes is the copy `soft-reconfiguration inbound` keeps;
    # without it, FRR's refusal.
    refused = session.run("show ip bgp neighbors 192.0.2.2 received-routes")
    assert not refused.ok and "Inbound soft reconfiguration not enabled" in refused.output
    for line in ("configure terminal", f"router bgp {GW_AS}", "address-family ipv4 unicast",
                 "neighbor 192.0.2.2 soft-reconfiguration inbound", "end"):
        assert session.run(line).ok, line
    peer.run("announce 198.18.1.0/24 198.18.2.0/24")
    learned = {"198.18.1.0/24": {"network": "198.18.1.0/24", "path": str(PEER_AS), "origin": "IGP",
                                 "nexthops": [{"ip": "192.0.2.2"}]},
               "198.18.2.0/24": {"network": "198.18.2.0/24"}}
    wait_for(lambda: show(session, "show ip bgp neighbors 192.0.2.2 received-routes json"),
             {"receivedRoutes": learned, "totalPrefixCounter": 2, "localAS": GW_AS}, 10,
             what="received-routes")
    wait_for(lambda: show(session, "show ip bgp neighbors 192.0.2.2 routes json"),
             {"routes": {"198.18.1.0/24": [{"valid": True, "bestpath": True}], ORIGINATED: ABSENT},
              "totalPrefixCounter": 2}, 10, what="routes accepted from the neighbor")
    # What the peer was sent: our network, our AS, our address as next hop;
    # never its own routes back (RFC 4271 section 9.2).
    wait_for(lambda: show(session, "show ip bgp neighbors 192.0.2.2 advertised-routes json"),
             {"advertisedRoutes": {ORIGINATED: {"path": str(GW_AS), "nextHop": "192.0.2.1"},
                                   "198.18.1.0/24": ABSENT},
              "totalPrefixCounter": 1}, 10, what="advertised-routes")
    text = session.run("show ip bgp neighbors 192.0.2.2 advertised-routes").output
    assert ORIGINATED in text and "Total number of prefixes 1" in text, text
    missing = session.run("show ip bgp neighbors 192.0.2.9 routes")
    assert not missing.ok and "No such neighbor" in missing.output


def test_show_ip_route_reads_the_kernel(gw):
    session, peer = gw
    peer.run("drain")
    # 203.0.113.9 is not reachable from the gateway: the kernel refuses
    # the route and show ip route says so.
    peer.run("announce 198.18.1.0/24")
    peer.run("announce-via 203.0.113.9 198.18.3.0/24")
    wait_for(lambda: show(session, "show ip route json"), {
        "192.0.2.0/24": [{"protocol": "connected", "installed": True,
                          "nexthops": [{"directlyConnected": True, "interfaceName": str}]}],
        "198.18.1.0/24": [{"protocol": "bgp", "installed": True,
                           "nexthops": [{"ip": "192.0.2.2", "interfaceName": str}]}],
        "198.18.3.0/24": [{"protocol": "bgp", "installed": False, "failed": True,
                           "notInstalledReason": lambda r: "unreachable" in r.lower()}],
    }, 10, what="show ip route json")
    only_bgp = show(session, "show ip route bgp json")
    assert "192.0.2.0/24" not in only_bgp and "198.18.1.0/24" in only_bgp
    text = session.run("show ip route").output
    assert "B>* 198.18.1.0/24 via 192.0.2.2" in text, text
    assert "198.18.3.0/24" in text and "not installed" in text, text
    assert "192.0.2.0/24 is directly connected" in text, text
    assert show(session, "show ipv6 route bgp json") == {}


def test_single_hop_ebgp_peer_off_our_networks_is_not_tried(gw):
    session, peer = gw
    for line in ("configure terminal", "router bgp 64512", "neighbor 203.0.113.9 remote-as 64999",
                 "neighbor 203.0.113.10 remote-as 64999", "neighbor 203.0.113.10 disable-connected-check", "end"):
        assert session.run(line).ok, line
    wait_for(lambda: show(session, "show bgp neighbors json"), {
        "203.0.113.9": {"bgpState": lambda s: s != "Established",
                        "lastResetDueTo": lambda r: r.startswith("No path to specified Neighbor")},
        "203.0.113.10": {"lastResetDueTo": lambda r: not r.startswith("No path")}}, 10,
        what="the connected check holds back only the peer without disable-connected-check")
