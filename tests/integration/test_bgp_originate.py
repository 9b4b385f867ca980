"""Routes skygate originates itself, seen by a downstream FRR: aggregates
(RFC 4271 section 9.2.2.2) with as-set and summary-only, following their
contributors as they come and go; `redistribute static|connected` taking
the kernel's routes, and following kernel changes without a reload."""

from __future__ import annotations

import json

import pytest

from lib.gateway import RAW_AS, triangle
from lib.jsonmatch import ABSENT, wait_for

pytestmark = pytest.mark.requires("frr")

GW_AS = 64512


class Gateway:
    def __init__(self, session, raw, frr, gw_ns):
        self.session, self.raw, self.frr, self.ns = session, raw, frr, gw_ns

    def configure(self, *lines: str) -> None:
        for line in ("configure terminal", f"router bgp {GW_AS}", "address-family ipv4 unicast", *lines, "end"):
            reply = self.session.run(line)
            assert reply.ok, f"{line}: {reply.output}"

    def rib(self) -> dict:
        return json.loads(self.session.run("show ip bgp json").output)

    def frr_routes(self) -> dict:
        return self.frr.bgp_routes("ipv4")


@pytest.fixture
def gw(topo, skygate_bin):
    t = triangle(topo, skygate_bin("skygate-routed"), GW_AS, af_lines=(
        "  network 198.18.10.0/24\n"
        "  aggregate-address 198.18.0.0/20 as-set summary-only\n"
        "  aggregate-address 198.19.0.0/16\n"
        "  redistribute static\n"))
    t.raw.run("drain")
    return Gateway(t.gw.session, t.raw, t.frr, t.ns)


def test_aggregate_as_set_summary_only(gw):
    gw.raw.run("announce 198.18.1.0/24 198.18.2.0/24")
    # The summary carries every contributor's AS in an AS_SET; the network
    # route contributes an empty path, so nothing stays common.
    wait_for(gw.frr_routes, {"routes": {
        "198.18.0.0/20": [{"valid": True, "path": f"{GW_AS} {{{RAW_AS}}}"}],
        "198.18.1.0/24": ABSENT, "198.18.2.0/24": ABSENT, "198.18.10.0/24": ABSENT}}, 20,
        what="FRR has the aggregate only")
    wait_for(gw.rib, {"routes": {"198.18.1.0/24": [{"suppressed": True}],
                                 "198.18.0.0/20": [{"pathFrom": "local", "origin": "IGP"}]}}, 5,
             what="contributors suppressed in skygate")
    # Without the aggregate the contributors flow again.
    gw.configure("no aggregate-address 198.18.0.0/20")
    wait_for(gw.frr_routes, {"routes": {
        "198.18.0.0/20": ABSENT, "198.18.1.0/24": [{"path": f"{GW_AS} {RAW_AS}"}],
        "198.18.2.0/24": [{"valid": True}], "198.18.10.0/24": [{"path": f"{GW_AS}"}]}}, 20,
        what="contributors announced once the aggregate is removed")


def test_redistribute_static_follows_the_kernel_and_feeds_an_aggregate(gw):
    wait_for(gw.frr_routes, {"routes": {"198.18.0.0/20": [{"valid": True}], "198.19.0.0/16": ABSENT}}, 20,
             what="session up, empty aggregate not announced")
    gw.ns.run(["ip", "route", "add", "198.19.64.0/24", "via", "192.0.2.2", "proto", "static"])
    wait_for(gw.frr_routes, {"routes": {"198.19.64.0/24": [{"path": f"{GW_AS}", "origin": "incomplete"}],
                                         "198.19.0.0/16": [{"path": f"{GW_AS}"}]}}, 20,
             what="redistributed static route and the aggregate it feeds")
    # RFC 4271 section 5.1.7: AGGREGATOR names us. The only contributor
    # has an empty AS_PATH, so nothing was lost: no ATOMIC_AGGREGATE.
    path = gw.frr.bgp_routes("ipv4", "198.19.0.0/16")["paths"][0]
    assert path.get("aggregatorAs") == GW_AS and path.get("aggregatorId") == "192.0.2.1", path
    assert "atomicAggregate" not in path, path
    # A contributor with a path of its own: without as-set that path is
    # lost, and ATOMIC_AGGREGATE says so (section 9.2.2.2).
    gw.raw.run("announce 198.19.1.0/24")
    wait_for(lambda: gw.frr.bgp_routes("ipv4", "198.19.0.0/16"),
             {"paths": [{"atomicAggregate": True, "aspath": {"string": f"{GW_AS}"}}]}, 20,
             what="ATOMIC_AGGREGATE once a contributor's AS_PATH is lost")
    gw.raw.run("withdraw 198.19.1.0/24")
    gw.ns.run(["ip", "route", "del", "198.19.64.0/24", "via", "192.0.2.2", "proto", "static"])
    wait_for(gw.frr_routes, {"routes": {"198.19.64.0/24": ABSENT, "198.19.0.0/16": ABSENT}}, 20,
             what="static route and its aggregate withdrawn with their contributors")


def test_redistribute_connected_live(gw):
    wait_for(gw.frr_routes, {"routes": {"198.18.0.0/20": [{"valid": True}], "192.0.2.0/24": ABSENT}}, 20,
             what="session up, connected not redistributed yet")
    gw.configure("redistribute connected")
    wait_for(gw.frr_routes, {"routes": {"192.0.2.0/24": [{"path": f"{GW_AS}", "origin": "incomplete"}]}}, 20,
             what="connected subnet redistributed")
    assert "redistribute connected" in gw.session.run("show running-config").output
    gw.configure("no redistribute connected")
    wait_for(gw.frr_routes, {"routes": {"192.0.2.0/24": ABSENT}}, 20, what="connected subnet withdrawn")
