"""Routing policy on a BGP neighbor (`neighbor X prefix-list|filter-list|
route-map NAME in|out`) against FRR: an inbound prefix-list drops a route,
an inbound route-map sets LOCAL_PREF and a community, an outbound route-map
prepends and adds a community that FRR sees, and edits of the policy take
effect in both directions without resetting the session (the inbound one
through ROUTE-REFRESH, RFC 2918)."""

from __future__ import annotations

import json

import pytest

from lib.gateway import start_routed
from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config

pytestmark = pytest.mark.requires("frr")

GW_AS, FRR_AS = 64512, 64514
GW_NETS = ["198.18.10.0/24", "198.18.11.0/24"]
FRR_NETS = ["198.18.20.0/24", "198.18.21.0/24"]

GW_CONFIG = f"""\
ip prefix-list FROM-FRR seq 5 deny 198.18.21.0/24
ip prefix-list FROM-FRR seq 10 permit 0.0.0.0/0 le 32
bgp as-path access-list FRR-PATHS seq 5 permit ^{FRR_AS}$
route-map IMPORT permit 10
 set local-preference 250
 set community {GW_AS}:100
exit
route-map EXPORT permit 10
 set as-path prepend {GW_AS} {GW_AS}
 set community {GW_AS}:200 additive
exit
router bgp {GW_AS}
 bgp router-id 198.51.100.1
 neighbor 198.51.100.2 remote-as {FRR_AS}
 address-family ipv4 unicast
  network {GW_NETS[0]}
  network {GW_NETS[1]}
  neighbor 198.51.100.2 prefix-list FROM-FRR in
  neighbor 198.51.100.2 filter-list FRR-PATHS in
  neighbor 198.51.100.2 route-map IMPORT in
  neighbor 198.51.100.2 route-map EXPORT out
 exit-address-family
"""


@pytest.fixture
def pair(topo, skygate_bin):
    gw_ns, frr_ns = topo.add_namespace("gw"), topo.add_namespace("frr")
    topo.add_link(gw_ns, frr_ns, ["198.51.100.1/24"], ["198.51.100.2/24"])
    gw = start_routed(topo, gw_ns, GW_CONFIG, skygate_bin("skygate-routed"))
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", GW_AS, "gw")], networks=FRR_NETS)}).start()
    return gw.session, frr


def gw_routes(session) -> dict:
    return json.loads(session.run("show bgp ipv4 unicast json").output)


def gw_connections(session) -> int:
    return json.loads(session.run("show bgp neighbors json").output)["198.51.100.2"]["connectionsEstablished"]


def configure(session, *lines: str) -> None:
    for line in ("configure terminal", *lines, "end"):
        reply = session.run(line)
        assert reply.ok, (line, reply.output)


def settled(session, frr) -> None:
    """Both directions carry what the initial policy allows."""
    wait_for(lambda: gw_routes(session), {"routes": {
        FRR_NETS[0]: [{"valid": True, "locPrf": 250, "community": f"{GW_AS}:100"}],
        FRR_NETS[1]: ABSENT}}, 30, what="inbound policy applied to FRR's routes")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {
        GW_NETS[0]: [{"path": f"{GW_AS} {GW_AS} {GW_AS}"}],
        GW_NETS[1]: [{"path": f"{GW_AS} {GW_AS} {GW_AS}"}]}}, 30, what="outbound prepend seen by FRR")


def test_inbound_and_outbound_policy(pair):
    session, frr = pair
    settled(session, frr)
    # The community arrives at FRR: ask for the one prefix in detail.
    wait_until(lambda: f"{GW_AS}:200" in json.dumps(frr.bgp_routes("ipv4", GW_NETS[0])), 10,
               what="FRR sees the community the outbound route-map adds")


def test_neighbor_shows_policy_names(pair):
    """`show bgp neighbors X` names the policy as FRR does, '*' marking
    the objects that are defined, with FRR's JSON keys."""
    session, frr = pair
    settled(session, frr)
    configure(session, f"router bgp {GW_AS}", "address-family ipv4 unicast",
              "neighbor 198.51.100.2 prefix-list NOT-DEFINED out")
    af = json.loads(session.run("show bgp neighbors 198.51.100.2 json").output)["198.51.100.2"][
        "addressFamilyInfo"]["ipv4Unicast"]
    assert af["inboundPathPolicyConfig"] is True and af["outboundPathPolicyConfig"] is True
    assert af["incomingUpdatePrefixFilterList"] == "FROM-FRR"
    assert af["outgoingUpdatePrefixFilterList"] == "NOT-DEFINED"
    assert af["incomingUpdateAsPathFilterList"] == "FRR-PATHS"
    assert af["routeMapForIncomingAdvertisements"] == "IMPORT"
    assert af["routeMapForOutgoingAdvertisements"] == "EXPORT"
    assert "outgoingUpdateAsPathFilterList" not in af
    assert af["acceptedPrefixCounter"] == 1
    text = session.run("show bgp neighbors 198.51.100.2").output
    for line in ("Inbound path policy configured", "Outbound path policy configured",
                 "Incoming update prefix filter list is *FROM-FRR",
                 "Outgoing update prefix filter list is NOT-DEFINED",
                 "Incoming update AS path filter list is *FRR-PATHS",
                 "Route map for incoming advertisements is *IMPORT",
                 "Route map for outgoing advertisements is *EXPORT", "1 accepted prefixes"):
        assert f"  {line}\n" in text, (line, text)


def test_policy_edits_apply_without_session_reset(pair):
    session, frr = pair
    settled(session, frr)
    before = gw_connections(session)
    frr_before = frr.bgp_neighbor("198.51.100.1")["connectionsEstablished"]

    # Inbound: the route-map and the prefix-list change; the peer is asked
    # to send its routes again and they come back under the new policy.
    configure(session, "route-map IMPORT permit 10", "set local-preference 300", "exit",
              "no ip prefix-list FROM-FRR seq 5")
    wait_for(lambda: gw_routes(session), {"routes": {
        FRR_NETS[0]: [{"valid": True, "locPrf": 300}],
        FRR_NETS[1]: [{"valid": True, "locPrf": 300}]}}, 20, what="the inbound edit applied")

    # Outbound: a deny entry ahead of the prepend withdraws one route from
    # FRR; the other keeps the prepend.
    configure(session, f"ip prefix-list HIDE seq 5 permit {GW_NETS[1]}",
              "route-map EXPORT deny 5", "match ip address prefix-list HIDE", "exit")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {
        GW_NETS[0]: [{"path": f"{GW_AS} {GW_AS} {GW_AS}"}], GW_NETS[1]: ABSENT}}, 20,
        what="the outbound edit applied")

    # A filter-list that now denies FRR's paths drops both its routes.
    configure(session, "no bgp as-path access-list FRR-PATHS",
              "bgp as-path access-list FRR-PATHS seq 5 deny _64514_",
              "bgp as-path access-list FRR-PATHS seq 10 permit .*")
    wait_for(lambda: gw_routes(session), {"routes": {FRR_NETS[0]: ABSENT, FRR_NETS[1]: ABSENT}}, 20,
             what="the filter-list edit applied")

    assert gw_connections(session) == before
    assert frr.bgp_neighbor("198.51.100.1")["connectionsEstablished"] == frr_before


def test_ebgp_requires_policy(pair):
    """RFC 8212: with `bgp ebgp-requires-policy`, a direction without any
    policy carries nothing; one with a policy is unaffected."""
    session, frr = pair
    settled(session, frr)
    configure(session, f"router bgp {GW_AS}", "bgp ebgp-requires-policy", "address-family ipv4 unicast",
              "no neighbor 198.51.100.2 route-map EXPORT out")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {GW_NETS[0]: ABSENT, GW_NETS[1]: ABSENT}}, 20,
             what="no outbound policy: nothing sent")
    wait_for(lambda: gw_routes(session), {"routes": {FRR_NETS[0]: [{"valid": True, "locPrf": 250}]}}, 5,
             what="the inbound direction, which has a policy, still carries routes")
    configure(session, f"router bgp {GW_AS}", "address-family ipv4 unicast",
              "no neighbor 198.51.100.2 prefix-list FROM-FRR in", "no neighbor 198.51.100.2 filter-list FRR-PATHS in",
              "no neighbor 198.51.100.2 route-map IMPORT in")
    wait_for(lambda: gw_routes(session), {"routes": {FRR_NETS[0]: ABSENT, FRR_NETS[1]: ABSENT}}, 20,
             what="no inbound policy: nothing accepted")
    configure(session, f"router bgp {GW_AS}", "no bgp ebgp-requires-policy")
    wait_for(lambda: gw_routes(session), {"routes": {FRR_NETS[0]: [{"valid": True}], FRR_NETS[1]: [{"valid": True}]}},
             20, what="both directions open again")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {GW_NETS[0]: [{"path": f"{GW_AS}"}]}}, 20,
             what="our routes sent again, without the prepend")
