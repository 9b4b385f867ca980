"""RFC 1997 well-known communities on export: a route carrying NO_EXPORT
goes to no eBGP peer, one carrying NO_ADVERTISE to no peer at all, and the
gateway still uses both itself. The communities are put on by an inbound
route-map, so the scripted peer's UPDATE stays plain."""

from __future__ import annotations

import json

import pytest

from lib.gateway import triangle
from lib.jsonmatch import ABSENT, wait_for

pytestmark = pytest.mark.requires("frr")

GW_AS = 64512
PLAIN, NO_EXPORT, NO_ADVERTISE = "198.18.1.0/24", "198.18.2.0/24", "198.18.3.0/24"


def configure(session, *lines: str) -> None:
    for line in ("configure terminal", *lines, "end"):
        reply = session.run(line)
        assert reply.ok, (line, reply.output)


def test_no_export_and_no_advertise_are_honoured(topo, skygate_bin):
    # The pre-policy copy lets a policy edit apply without asking the
    # scripted peer (which does not answer ROUTE-REFRESH) again.
    t = triangle(topo, skygate_bin("skygate-routed"), GW_AS,
                 af_lines="  neighbor 192.0.2.2 soft-reconfiguration inbound\n")
    session = t.gw.session
    configure(session,
              f"ip prefix-list NOEXP seq 5 permit {NO_EXPORT}",
              f"ip prefix-list NOADV seq 5 permit {NO_ADVERTISE}",
              "route-map TAG permit 10", " match ip address prefix-list NOEXP",
              " set community no-export additive", "exit",
              "route-map TAG permit 20", " match ip address prefix-list NOADV",
              " set community no-advertise additive", "exit",
              "route-map TAG permit 30", "exit",
              f"router bgp {GW_AS}", " address-family ipv4 unicast",
              "  neighbor 192.0.2.2 route-map TAG in", " exit-address-family")
    t.raw.run("drain")
    # One UPDATE: the three routes reach the gateway's RIB together.
    t.raw.run(f"announce {PLAIN} {NO_EXPORT} {NO_ADVERTISE}")
    wait_for(lambda: json.loads(session.run("show bgp ipv4 unicast json").output), {"routes": {
        PLAIN: [{"valid": True}],
        NO_EXPORT: [{"valid": True, "community": "no-export"}],
        NO_ADVERTISE: [{"valid": True, "community": "no-advertise"}]}}, 20,
        what="the gateway keeps and uses all three routes")
    wait_for(lambda: frr_routes(t.frr), {"routes": {
        PLAIN: [{"path": f"{GW_AS} 64513"}], NO_EXPORT: ABSENT, NO_ADVERTISE: ABSENT}}, 20,
        what="FRR (eBGP) gets only the plain route")
    adv = json.loads(session.run("show bgp ipv4 unicast neighbors 198.51.100.2 advertised-routes json").output)
    assert set(adv.get("advertisedRoutes", {})) == {PLAIN}, adv
    # Taking the tag away releases the route to FRR without a reset.
    configure(session, "route-map TAG permit 10", " no set community", "exit")
    wait_for(lambda: frr_routes(t.frr), {"routes": {
        PLAIN: [{"valid": True}], NO_EXPORT: [{"path": f"{GW_AS} 64513"}], NO_ADVERTISE: ABSENT}}, 30,
        what="without NO_EXPORT the route reaches FRR")


def frr_routes(frr) -> dict:
    return frr.bgp_routes("ipv4")
