"""Outbound limits toward a peer that takes only so many routes (a cloud
gateway), with FRR as that peer: `maximum-prefix-out` sends at most N and
logs the 80% warning, withdrawals let held-back prefixes through;
`advertise-summary` sends covering prefixes that hold no unrouted address
(or, with allow-overreach, fit the limit) and `advertise-plan` shows what
each replaced; `advertise-cidrs` sends exactly the reachable CIDRs of its
list. FRR itself enforces the limit (`maximum-prefix`, which drops the
session when exceeded), and no change resets the session."""

from __future__ import annotations

import ipaddress
import json

import pytest

from lib.gateway import start_routed
from lib.jsonmatch import wait_for, wait_until
from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config

pytestmark = pytest.mark.requires("frr")

GW_AS, FRR_AS = 64512, 64514
GW_ADDR, FRR_ADDR = "198.51.100.1", "198.51.100.2"


def slash24s(thirds) -> list[str]:
    return [f"198.18.{i}.0/24" for i in thirds]


def gw_config(networks, af_lines: str = "") -> str:
    nets = "".join(f"  network {n}\n" for n in networks)
    return (f"router bgp {GW_AS}\n bgp router-id {GW_ADDR}\n neighbor {FRR_ADDR} remote-as {FRR_AS}\n"
            f" address-family ipv4 unicast\n{nets}{af_lines} exit-address-family\n")


@pytest.fixture
def make_pair(topo, skygate_bin):
    """The gateway (networks, af_lines) and FRR, which drops the session
    if sent more than frr_max prefixes (0: no limit)."""
    def make(networks, af_lines: str = "", frr_max: int = 0):
        gw_ns, frr_ns = topo.add_namespace("gw"), topo.add_namespace("frr")
        topo.add_link(gw_ns, frr_ns, [f"{GW_ADDR}/24"], [f"{FRR_ADDR}/24"])
        gw = start_routed(topo, gw_ns, gw_config(networks, af_lines), skygate_bin("skygate-routed"))
        extra = (f" address-family ipv4 unicast\n  neighbor {GW_ADDR} maximum-prefix {frr_max}\n"
                 " exit-address-family\n") if frr_max else ""
        frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
            FRR_AS, FRR_ADDR, [BgpNeighbor(GW_ADDR, GW_AS, "gw")], extra=extra)}).start()
        if frr_max:
            wait_for(lambda: frr.bgp_neighbor(GW_ADDR), {"addressFamilyInfo": {"ipv4Unicast": {
                "prefixAllowedMax": frr_max}}}, 10, what="FRR enforces the limit itself")
        return gw, frr
    return make


def frr_prefixes(frr) -> set[str]:
    return set(frr.bgp_routes("ipv4").get("routes", {}))


def wait_frr_has(frr, expected, what: str, deadline: float = 30) -> None:
    expected = set(expected)
    wait_until(lambda: frr_prefixes(frr) == expected, deadline,
               what=f"{what}: FRR has exactly {sorted(expected)}")


def frr_connections(frr) -> int:
    """Sessions FRR has had with the gateway; asserts the current one is up."""
    neighbor = frr.bgp_neighbor(GW_ADDR)
    assert neighbor["bgpState"] == "Established", neighbor.get("lastResetDueTo")
    return neighbor["connectionsEstablished"]


def gw_connections(session) -> int:
    return json.loads(session.run("show bgp neighbors json").output)[FRR_ADDR]["connectionsEstablished"]


def plan(session) -> dict:
    return json.loads(session.run(f"show bgp ipv4 unicast neighbors {FRR_ADDR} advertise-plan json").output)


def configure(session, *lines: str) -> None:
    for line in ("configure terminal", f"router bgp {GW_AS}", "address-family ipv4 unicast", *lines, "end"):
        reply = session.run(line)
        assert reply.ok, (line, reply.output)


def covered_addresses(prefix: str, networks) -> int:
    net = ipaddress.ip_network(prefix)
    return sum(ipaddress.ip_network(n).num_addresses for n in networks if ipaddress.ip_network(n).subnet_of(net))


def test_maximum_prefix_out(make_pair):
    nets = slash24s(range(15))
    gw, frr = make_pair(nets, f"  neighbor {FRR_ADDR} maximum-prefix-out 10\n", frr_max=10)
    session = gw.session
    # All 15 are there when the session comes up: the first ten in prefix
    # order go, the other five are held back.
    wait_frr_has(frr, nets[:10], "the limit")
    wait_for(lambda: plan(session), {"maximumPrefixOut": 10, "warningThreshold": 8, "wantedCount": 15,
                                     "sentCount": 10, "heldCount": 5,
                                     "heldBack": [{"prefix": p, "kind": "route"} for p in nets[10:]]}, 10,
             what="advertise-plan shows the five held back")
    wait_until(lambda: "warning threshold 8 (80%) reached" in gw.daemon.stderr_path.read_text(errors="replace"),
               10, what="the 80% warning is logged")
    wait_until(lambda: "maximum-prefix-out 10 in ipv4 reached: 5 prefixes held back"
               in gw.daemon.stderr_path.read_text(errors="replace"), 10, what="the limit is logged")
    assert json.loads(session.run(f"show bgp neighbors {FRR_ADDR} json").output)[FRR_ADDR][
        "addressFamilyInfo"]["ipv4Unicast"]["sentPrefixCounter"] == 10
    before, frr_before = gw_connections(session), frr_connections(frr)

    # Withdrawing five of those sent makes room for the five held back.
    configure(session, *(f"no network {p}" for p in nets[:5]))
    wait_frr_has(frr, nets[5:], "withdrawals make room")
    wait_for(lambda: plan(session), {"sentCount": 10, "heldCount": 0, "heldBack": []}, 10,
             what="nothing held back any more")
    # The five come back: what was sent stays, they wait.
    configure(session, *(f"network {p}" for p in nets[:5]))
    wait_for(lambda: plan(session), {"wantedCount": 15, "sentCount": 10,
                                     "heldBack": [{"prefix": p} for p in nets[:5]]}, 10, what="the new ones wait")
    assert frr_prefixes(frr) == set(nets[5:])
    # Sending everything again (RFC 2918) sends the same ten, not the
    # first ten in prefix order, which would leave FRR with fifteen.
    updates = frr.bgp_neighbor(GW_ADDR)["messageStats"]["updatesRecv"]
    assert session.run(f"clear bgp {FRR_ADDR} soft out").ok
    wait_until(lambda: frr.bgp_neighbor(GW_ADDR)["messageStats"]["updatesRecv"] > updates, 10,
               what="FRR receives our routes again")
    assert frr_prefixes(frr) == set(nets[5:])
    # One more withdrawal: the lowest held-back prefix takes its place.
    configure(session, f"no network {nets[14]}")
    wait_frr_has(frr, nets[:1] + nets[5:14], "the lowest held-back prefix fills the room")
    assert gw_connections(session) == before
    assert frr_connections(frr) == frr_before


def test_advertise_summary(make_pair):
    # 40 /24s in two runs, with unrouted space between them.
    nets = slash24s(list(range(0, 32)) + list(range(64, 72)))
    gw, frr = make_pair(nets, frr_max=40)
    session = gw.session
    wait_frr_has(frr, nets, "no options: every route")
    before, frr_before = gw_connections(session), frr_connections(frr)

    configure(session, f"neighbor {FRR_ADDR} maximum-prefix-out 5", f"neighbor {FRR_ADDR} advertise-summary")
    wait_frr_has(frr, ["198.18.0.0/19", "198.18.64.0/21"], "the summary")
    for prefix in frr_prefixes(frr):
        # Every address of what FRR has is one we route.
        assert covered_addresses(prefix, nets) == ipaddress.ip_network(prefix).num_addresses, prefix
    detail = frr.bgp_routes("ipv4", "198.18.0.0/19")["paths"][0]
    assert detail["aggregatorAs"] == GW_AS and detail["aggregatorId"] == GW_ADDR, detail
    assert detail["aspath"]["string"] == str(GW_AS), detail
    wait_for(lambda: plan(session), {"mode": "summary", "sentCount": 2, "heldCount": 0, "summarizedCount": 40,
                                     "summaries": {"198.18.0.0/19": nets[:32], "198.18.64.0/21": nets[32:]}}, 10,
             what="advertise-plan shows what each summary replaced")
    text = session.run(f"show bgp neighbors {FRR_ADDR} advertise-plan").output
    assert "198.18.0.0/19" in text and "summary of 32" in text, text
    advertised = json.loads(session.run(
        f"show bgp ipv4 unicast neighbors {FRR_ADDR} advertised-routes json").output)
    assert set(advertised["advertisedRoutes"]) == {"198.18.0.0/19", "198.18.64.0/21"}, advertised
    summary = json.loads(session.run("show bgp summary json").output)
    assert summary["ipv4Unicast"]["peers"][FRR_ADDR]["pfxSnt"] == 2, summary

    # Below the limit again, the routes go out as they are.
    configure(session, *(f"no network {p}" for p in nets[2:]))
    wait_frr_has(frr, nets[:2], "under the limit, no summary")
    assert gw_connections(session) == before
    assert frr_connections(frr) == frr_before


def test_advertise_summary_allow_overreach(make_pair):
    # Every other /24 of 198.18.0.0/20: only overreach covers them in 2.
    nets = slash24s(range(0, 16, 2))
    gw, frr = make_pair(nets, f"  neighbor {FRR_ADDR} maximum-prefix-out 2\n  neighbor {FRR_ADDR} advertise-summary\n",
                        frr_max=2)
    session = gw.session
    # Without overreach the smallest honest cover is the eight themselves:
    # two go, six wait.
    wait_frr_has(frr, nets[:2], "no overreach-free cover fits")
    wait_for(lambda: plan(session), {"summaryOverLimit": True, "sentCount": 2, "heldCount": 6}, 10,
             what="the plan says no cover fits")
    frr_before = frr_connections(frr)

    configure(session, f"neighbor {FRR_ADDR} advertise-summary allow-overreach")
    wait_until(lambda: 0 < len(frr_prefixes(frr)) <= 2 and all(
        any(ipaddress.ip_network(n).subnet_of(ipaddress.ip_network(p)) for p in frr_prefixes(frr)) for n in nets),
        30, what="at most two prefixes covering all eight")
    wait_for(lambda: plan(session), {"summaryOverLimit": False, "heldCount": 0, "summarizedCount": 8}, 10,
             what="the plan shows the overreaching summary")
    assert frr_connections(frr) == frr_before


def test_advertise_cidrs(make_pair):
    nets = ["198.18.1.0/24", "198.18.2.0/24", "198.19.5.0/24"]
    cidrs = ["198.18.0.0/16", "198.19.0.0/17", "198.19.128.0/17"]
    gw, frr = make_pair(nets, f"  neighbor {FRR_ADDR} advertise-cidrs {' '.join(cidrs)}\n")
    session = gw.session
    # 198.19.128.0/17 holds nothing we route.
    wait_frr_has(frr, cidrs[:2], "the reachable CIDRs")
    before, frr_before = gw_connections(session), frr_connections(frr)
    wait_for(lambda: plan(session), {"mode": "cidrs", "advertised": [{"prefix": cidrs[0], "kind": "cidr"},
                                                                     {"prefix": cidrs[1], "kind": "cidr"}]}, 10,
             what="advertise-plan lists the CIDRs")

    configure(session, "no network 198.19.5.0/24")
    wait_frr_has(frr, cidrs[:1], "nothing reachable under 198.19.0.0/17")
    configure(session, "network 198.19.5.0/24", "network 198.19.200.0/24")
    wait_frr_has(frr, cidrs, "reachable again, and the third")

    configure(session, f"no neighbor {FRR_ADDR} advertise-cidrs")
    wait_frr_has(frr, nets + ["198.19.200.0/24"], "the learned set again")

    # With an outbound prefix-list that lets no learned route through, the
    # list still follows what the Loc-RIB reaches.
    for line in ("configure terminal", "ip prefix-list NOTHING seq 5 deny 0.0.0.0/0 le 32", "end"):
        assert session.run(line).ok, line
    configure(session, f"neighbor {FRR_ADDR} prefix-list NOTHING out",
              f"neighbor {FRR_ADDR} advertise-cidrs 198.18.0.0/16 198.19.0.0/17")
    wait_frr_has(frr, ["198.18.0.0/16", "198.19.0.0/17"], "CIDRs despite the prefix-list")
    configure(session, "no network 198.19.5.0/24")
    wait_frr_has(frr, ["198.18.0.0/16"], "reachability followed without a learned route to send")
    assert gw_connections(session) == before
    assert frr_connections(frr) == frr_before


@pytest.mark.requires("gobgp")
def test_summary_attributes_from_learned_routes(topo, skygate_bin):
    """Routes learned from GoBGP with different AS paths and origins, summarised
    toward FRR: ORIGIN the worst, the shared leading AS_SEQUENCE after ours,
    ATOMIC_AGGREGATE since a longer path was cut, AGGREGATOR us (RFC 4271
    section 9.2.2.2). A CIDR holding only routes FRR itself sent is not
    announced back to it."""
    from lib.gobgp import GobgpRouter, gobgp_config
    src_ns, gw_ns, frr_ns = topo.add_namespace("src"), topo.add_namespace("gw"), topo.add_namespace("frr")
    topo.add_link(gw_ns, src_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
    topo.add_link(gw_ns, frr_ns, [f"{GW_ADDR}/24"], [f"{FRR_ADDR}/24"])
    src_as = 64513
    gw = start_routed(topo, gw_ns, (
        f"router bgp {GW_AS}\n bgp router-id {GW_ADDR}\n neighbor 192.0.2.2 remote-as {src_as}\n"
        f" neighbor {FRR_ADDR} remote-as {FRR_AS}\n address-family ipv4 unicast\n"
        f"  neighbor {FRR_ADDR} maximum-prefix-out 2\n  neighbor {FRR_ADDR} advertise-summary\n"
        " exit-address-family\n"), skygate_bin("skygate-routed"))
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, FRR_ADDR, [BgpNeighbor(GW_ADDR, GW_AS, "gw")], networks=["198.19.7.0/24"])}).start()
    src = GobgpRouter(topo, src_ns, gobgp_config(src_as, "192.0.2.2", [BgpNeighbor("192.0.2.1", GW_AS, "gw")])).start()
    wait_until(lambda: src.neighbors().get("192.0.2.1", {}).get("state") == "established", 30,
               what="GoBGP session up")
    src.cli("global", "rib", "add", "-a", "ipv4", "198.18.0.0/24", "origin", "igp", "community", "64513:1")
    src.cli("global", "rib", "add", "-a", "ipv4", "198.18.1.0/24", "origin", "igp", "community", "64513:2,64513:1")
    src.cli("global", "rib", "add", "-a", "ipv4", "198.18.2.0/24", "origin", "egp", "aspath", "65010")
    src.cli("global", "rib", "add", "-a", "ipv4", "198.18.3.0/24", "origin", "igp", "aspath", "65010,65020",
            "community", "64513:3")
    # FRR's own route and the four from GoBGP: one summary for the four.
    wait_frr_has(frr, ["198.18.0.0/22", "198.19.7.0/24"], "the summary of GoBGP's routes")
    path = next(p for p in frr.bgp_routes("ipv4", "198.18.0.0/22")["paths"] if p["aspath"]["string"] != "")
    assert path["aspath"]["string"] == f"{GW_AS} {src_as}", path
    assert path["origin"] == "EGP", path
    assert path.get("atomicAggregate") is True, path
    assert path["aggregatorAs"] == GW_AS and path["aggregatorId"] == GW_ADDR, path
    # The covered routes' communities, merged (as aggregate-address as-set).
    assert path["community"]["string"] == "64513:1 64513:2 64513:3", path

    # advertise-cidrs: 198.19.0.0/16 holds only FRR's own route, so it is
    # not sent; 198.18.0.0/16 is.
    configure(gw.session, f"neighbor {FRR_ADDR} advertise-cidrs 198.18.0.0/16 198.19.0.0/16")
    wait_frr_has(frr, ["198.18.0.0/16", "198.19.7.0/24"], "CIDRs of what we reach through others")
    path = next(p for p in frr.bgp_routes("ipv4", "198.18.0.0/16")["paths"])
    assert path["aspath"]["string"] == f"{GW_AS} {src_as}" and path["origin"] == "EGP", path
    assert path["community"]["string"] == "64513:1 64513:2 64513:3", path


def test_outbound_route_map_on_summaries(make_pair):
    """The neighbor's outbound route-map applies to summaries and CIDRs as
    to any route (FRR applies outbound policy to aggregates): a deny drops
    one, set clauses change the others."""
    nets = slash24s(list(range(0, 32)) + list(range(64, 72)))
    gw, frr = make_pair(nets, f"  neighbor {FRR_ADDR} maximum-prefix-out 5\n  neighbor {FRR_ADDR} advertise-summary\n",
                        frr_max=40)
    session = gw.session
    wait_frr_has(frr, ["198.18.0.0/19", "198.18.64.0/21"], "the summaries, no route-map")
    before, frr_before = gw_connections(session), frr_connections(frr)

    for line in ("configure terminal", "ip prefix-list S19 seq 5 permit 198.18.0.0/19",
                 "ip prefix-list CIDR seq 5 permit 198.19.0.0/16",
                 "route-map OUT deny 10", "match ip address prefix-list S19", "exit",
                 "route-map OUT deny 15", "match ip address prefix-list CIDR", "exit",
                 "route-map OUT permit 20", "set metric 42", "exit", "end"):
        assert session.run(line).ok, line
    configure(session, f"neighbor {FRR_ADDR} route-map OUT out")
    wait_frr_has(frr, ["198.18.64.0/21"], "the route-map denies one summary")
    wait_until(lambda: frr.bgp_routes("ipv4", "198.18.64.0/21")["paths"][0].get("metric") == 42, 10,
               what="the other summary carries the route-map's MED")
    advertised = json.loads(session.run(
        f"show bgp ipv4 unicast neighbors {FRR_ADDR} advertised-routes json").output)
    assert set(advertised["advertisedRoutes"]) == {"198.18.64.0/21"}, advertised

    # CIDRs: the same route-map drops 198.19.0.0/16 (it holds a route).
    configure(session, "network 198.19.5.0/24",
              f"neighbor {FRR_ADDR} advertise-cidrs 198.18.0.0/16 198.19.0.0/16")
    wait_frr_has(frr, ["198.18.0.0/16"], "the route-map denies one CIDR")
    assert frr.bgp_routes("ipv4", "198.18.0.0/16")["paths"][0].get("metric") == 42
    # Without the route-map both CIDRs go out again.
    configure(session, f"no neighbor {FRR_ADDR} route-map OUT out")
    wait_frr_has(frr, ["198.18.0.0/16", "198.19.0.0/16"], "no route-map: every reachable CIDR")
    assert gw_connections(session) == before
    assert frr_connections(frr) == frr_before


def test_ipv6_limit_and_cidrs(topo, skygate_bin):
    """The same options in IPv6 unicast, over an IPv6 session: the limit,
    then a CIDR list, with our address as the next hop. IPv4 unicast on the
    same session has no options and carries every route."""
    gw_ns, frr_ns = topo.add_namespace("gw"), topo.add_namespace("frr")
    topo.add_link(gw_ns, frr_ns, ["2001:db8:0:1::1/64", f"{GW_ADDR}/24"], ["2001:db8:0:1::2/64", f"{FRR_ADDR}/24"])
    nets = [str(ipaddress.ip_network(f"2001:db8:100:{i}::/64")) for i in range(5)]
    nets4 = slash24s(range(5))
    gw = start_routed(topo, gw_ns, (
        f"router bgp {GW_AS}\n bgp router-id {GW_ADDR}\n neighbor 2001:db8:0:1::2 remote-as {FRR_AS}\n"
        " address-family ipv4 unicast\n" + "".join(f"  network {n}\n" for n in nets4) +
        "  neighbor 2001:db8:0:1::2 activate\n exit-address-family\n"
        " address-family ipv6 unicast\n" + "".join(f"  network {n}\n" for n in nets) +
        "  neighbor 2001:db8:0:1::2 maximum-prefix-out 3\n exit-address-family\n"), skygate_bin("skygate-routed"))
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, FRR_ADDR, [BgpNeighbor("2001:db8:0:1::1", GW_AS, "gw")],
        extra=" address-family ipv4 unicast\n  neighbor 2001:db8:0:1::1 activate\n exit-address-family\n")}).start()
    session = gw.session

    def frr6() -> set[str]:
        return set(frr.bgp_routes("ipv6").get("routes", {}))

    wait_until(lambda: frr6() == set(nets[:3]), 30, what="FRR has the first three IPv6 prefixes")
    wait_frr_has(frr, nets4, "IPv4 without options: every route")
    plan4 = json.loads(session.run("show bgp ipv4 unicast neighbors 2001:db8:0:1::2 advertise-plan json").output)
    assert plan4["planned"] is False, plan4
    plan6 = json.loads(session.run("show bgp ipv6 unicast neighbors 2001:db8:0:1::2 advertise-plan json").output)
    assert plan6["addressFamily"] == "ipv6Unicast" and plan6["sentCount"] == 3 and plan6["heldCount"] == 2, plan6
    for line in ("configure terminal", f"router bgp {GW_AS}", "address-family ipv6 unicast",
                 "neighbor 2001:db8:0:1::2 advertise-cidrs 2001:db8:100::/48 2001:db8:200::/48", "end"):
        assert session.run(line).ok, line
    wait_until(lambda: frr6() == {"2001:db8:100::/48"}, 30, what="FRR has the reachable IPv6 CIDR")
    path = frr.bgp_routes("ipv6", "2001:db8:100::/48")["paths"][0]
    assert path["aspath"]["string"] == str(GW_AS), path
    assert any(h.get("ip") == "2001:db8:0:1::1" for h in path["nexthops"]), path
