"""Network domains (docs/domains.md) in namespaces, against two FRR peers
in two domains that both announce 198.18.1.0/24: the overlapping prefixes
coexist, each domain's kernel table holds its own next hop, each peer
receives only its domain's routes; `domain-policy` leaks routes both ways
and its removal withdraws them. Data plane: hosts behind gateway
interfaces of the two domains cannot reach each other (the nftables drop
counter of the domain they send from grows) until a policy connects the
domains."""

from __future__ import annotations

import json
import subprocess

import pytest

from lib.gateway import start_routed
from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config

pytestmark = pytest.mark.requires("frr")

GW_AS, RED_AS, BLUE_AS = 64512, 64601, 64602
SHARED = "198.18.1.0/24"          # announced in both domains
RED_ONLY, BLUE_ONLY = "198.18.11.0/24", "198.18.21.0/24"
SHARED6 = "2001:db8:100::/48"     # announced in both domains, over IPv6 sessions
RED_TABLE = 1100


def configure(session, *lines: str) -> None:
    for line in ("configure terminal", *lines, "end"):
        reply = session.run(line)
        assert reply.ok, (line, reply.output)


def show(session, command: str):
    reply = session.run(command)
    assert reply.ok, (command, reply.output)
    return json.loads(reply.output)


def table_nexthops(ns, table, family: str = "-4") -> dict:
    """{prefix: gateway} of our routes in a kernel table, as `ip -j route` has it."""
    # The kernel has no table until its first route: that is an empty one.
    proc = ns.ip("-j", family, "route", "show", "table", str(table), check=False)
    routes = json.loads(proc.stdout) if proc.returncode == 0 and proc.stdout.strip() else []
    return {r["dst"]: r.get("gateway") for r in routes if r.get("protocol") in ("211", 211)}


def ping(ns, addr: str) -> bool:
    """One echo, one second to answer: whether it came back."""
    proc = ns.run(["ping", "-n", "-q", "-c", "1", "-W", "1", addr], check=False, timeout=10)
    return proc.returncode == 0


@pytest.fixture
def segmented(topo, skygate_bin):
    gw_ns = topo.add_namespace("gw")
    red_ns, blue_ns = topo.add_namespace("red"), topo.add_namespace("blue")
    hred_ns, hblue_ns = topo.add_namespace("hred"), topo.add_namespace("hblue")
    red = topo.add_link(gw_ns, red_ns, ["192.0.2.1/24", "2001:db8:1::1/64"], ["192.0.2.2/24", "2001:db8:1::2/64"])
    blue = topo.add_link(gw_ns, blue_ns, ["198.51.100.1/24", "2001:db8:2::1/64"],
                         ["198.51.100.2/24", "2001:db8:2::2/64"])
    hred = topo.add_link(gw_ns, hred_ns, ["203.0.113.1/28", "2001:db8:11::1/64"],
                         ["203.0.113.2/28", "2001:db8:11::2/64"])
    hblue = topo.add_link(gw_ns, hblue_ns, ["203.0.113.17/28", "2001:db8:12::1/64"],
                          ["203.0.113.18/28", "2001:db8:12::2/64"])
    gw_ns.enable_forwarding()
    hred_ns.add_route("203.0.113.16/28", via="203.0.113.1")
    hblue_ns.add_route("203.0.113.0/28", via="203.0.113.17")
    hred_ns.add_route("2001:db8:12::/64", via="2001:db8:11::1")
    hblue_ns.add_route("2001:db8:11::/64", via="2001:db8:12::1")
    config = (
        f"domain red\n table {RED_TABLE}\n interface {red.a_if}\n interface {hred.a_if}\nexit\n"
        f"domain blue\n interface {blue.a_if}\n interface {hblue.a_if}\nexit\n"
        f"router bgp {GW_AS}\n bgp router-id 192.0.2.1\n"
        f" neighbor 192.0.2.2 remote-as {RED_AS}\n neighbor 192.0.2.2 domain red\n"
        f" neighbor 198.51.100.2 remote-as {BLUE_AS}\n neighbor 198.51.100.2 domain blue\n"
        f" neighbor 2001:db8:1::2 remote-as {RED_AS}\n neighbor 2001:db8:1::2 domain red\n"
        f" neighbor 2001:db8:2::2 remote-as {BLUE_AS}\n neighbor 2001:db8:2::2 domain blue\n")
    gw = start_routed(topo, gw_ns, config, skygate_bin("skygate-routed"))
    frr_red = FrrRouter(topo, red_ns, {"bgpd": frr_bgp_config(
        RED_AS, "192.0.2.2", [BgpNeighbor("192.0.2.1", GW_AS, "gw"), BgpNeighbor("2001:db8:1::1", GW_AS, "gw6")],
        networks=[SHARED, RED_ONLY, SHARED6])}).start()
    frr_blue = FrrRouter(topo, blue_ns, {"bgpd": frr_bgp_config(
        BLUE_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", GW_AS, "gw"),
                                  BgpNeighbor("2001:db8:2::1", GW_AS, "gw6")],
        networks=[SHARED, BLUE_ONLY, SHARED6])}).start()
    # FRR installs what it learns only with zebra; the routes it is sent
    # are read from its BGP table, which is what the test asserts on.
    blue_table = show(gw.session, "show domain blue json")["blue"]["table"]
    return {"gw": gw, "gw_ns": gw_ns, "red": frr_red, "blue": frr_blue, "hred": hred_ns, "hblue": hblue_ns,
            "blue_table": blue_table, "config": config, "red_if": red.a_if, "topo": topo, "binary": skygate_bin("skygate-routed")}


def separated(s) -> None:
    """Unconnected: each domain has its own next hop for the shared prefix,
    and each peer hears nothing of the other domain."""
    session, gw_ns = s["gw"].session, s["gw_ns"]
    wait_until(lambda: table_nexthops(gw_ns, RED_TABLE) == {SHARED: "192.0.2.2", RED_ONLY: "192.0.2.2"}, 60,
               what="red's table holds red's routes only")
    wait_until(lambda: table_nexthops(gw_ns, s["blue_table"]) == {SHARED: "198.51.100.2",
                                                                   BLUE_ONLY: "198.51.100.2"}, 30,
               what="blue's table holds blue's routes only")
    wait_for(lambda: show(session, "show bgp domain red ipv4 json"), {"routes": {
        SHARED: {"nexthop": "192.0.2.2", "learnedInDomain": "red"}, RED_ONLY: {"nexthop": "192.0.2.2"},
        BLUE_ONLY: ABSENT}}, 30, what="red's view")
    wait_for(lambda: s["red"].bgp_routes("ipv4"), {"routes": {BLUE_ONLY: ABSENT}}, 5,
             what="the red peer is sent nothing of blue")
    wait_for(lambda: s["blue"].bgp_routes("ipv4"), {"routes": {RED_ONLY: ABSENT}}, 5,
             what="the blue peer is sent nothing of red")
    # Nothing of either domain reaches the default domain's table (main),
    # nor is shown as missing from it.
    assert table_nexthops(gw_ns, "main") == {}
    assert SHARED not in show(session, "show ip route json")
    wait_for(lambda: show(session, "show ip route domain red json"), {
        SHARED: [{"protocol": "bgp", "table": RED_TABLE, "installed": True, "nexthops": [{"ip": "192.0.2.2"}]}]},
        10, what="red's table as `show ip route domain red` reads it")


def test_overlapping_prefixes_and_leaking(segmented):
    s = segmented
    session = s["gw"].session
    separated(s)
    assert show(session, "show domain red json")["red"]["bgpRoutes"]["ipv4"] == 2

    configure(session, "domain-policy red blue")
    # Leaked both ways: each peer now hears the other domain's own prefix.
    wait_for(lambda: s["red"].bgp_routes("ipv4"), {"routes": {BLUE_ONLY: [{"path": f"{GW_AS} {BLUE_AS}"}]}}, 30,
             what="blue's route leaked to the red peer")
    wait_for(lambda: s["blue"].bgp_routes("ipv4"), {"routes": {RED_ONLY: [{"path": f"{GW_AS} {RED_AS}"}]}}, 30,
             what="red's route leaked to the blue peer")
    wait_until(lambda: table_nexthops(s["gw_ns"], RED_TABLE).get(BLUE_ONLY) == "198.51.100.2", 30,
               what="blue's route in red's table")
    wait_for(lambda: show(session, "show domain-policy json"), {"policies": [
        {"domainA": "blue", "domainB": "red"}], "transitive": False}, 5, what="the policy shown")
    assert show(session, "show domain red json")["red"]["connectedDomains"] == ["blue"]

    configure(session, "no domain-policy red blue")
    separated(s)


def test_domain_table_install_state(segmented):
    """A domain's best route its kernel table refuses is shown so, with the
    kernel's reason, by `show bgp domain` and `show ip route domain`."""
    s = segmented
    session = s["gw"].session
    separated(s)
    wait_for(lambda: show(session, "show bgp domain red ipv4 json"), {"routes": {
        SHARED: {"installed": True, "notInstalledReason": ABSENT}}}, 10, what="red's routes installed")
    # Red announces one more prefix through a next hop the gateway cannot
    # reach (outside every subnet it has): the kernel refuses it.
    bad = "198.18.9.0/24"
    s["red"].configure(f"ip prefix-list UNREACHABLE seq 5 permit {bad}",
                       "route-map TO_GW permit 10", "match ip address prefix-list UNREACHABLE",
                       "set ip next-hop 203.0.113.40", "exit", "route-map TO_GW permit 20", "exit",
                       f"router bgp {RED_AS}", "address-family ipv4 unicast", f"network {bad}",
                       "neighbor 192.0.2.1 route-map TO_GW out")
    refused = lambda r: "unreachable" in r.lower() or "gateway" in r.lower()  # noqa: E731
    wait_for(lambda: show(session, "show bgp domain red ipv4 json"), {"routes": {
        bad: {"nexthop": "203.0.113.40", "installed": False, "notInstalledReason": refused},
        SHARED: {"installed": True}}}, 30, what="red's view: the refused route and why")
    wait_for(lambda: show(session, "show ip route domain red json"), {
        bad: [{"protocol": "bgp", "installed": False, "failed": True, "notInstalledReason": refused}],
        SHARED: [{"protocol": "bgp", "installed": True}]}, 10, what="red's table: the missing route and why")
    text = session.run("show bgp domain red ipv4").output
    line = next(x for x in text.splitlines() if bad in x)
    assert "not installed:" in line, text
    assert "not installed" not in next(x for x in text.splitlines() if SHARED in x), text
    assert "not installed" in session.run("show ip route domain red").output
    # Blue neither sees the route nor reports it missing.
    assert bad not in show(session, "show bgp domain blue ipv4 json")["routes"]
    assert bad not in show(session, "show ip route domain blue json")
    assert bad not in table_nexthops(s["gw_ns"], RED_TABLE)


def test_route_counts_follow_changes(segmented):
    """`show domain`'s counts are kept as routes come and go and as
    policies change; each equals the number of routes the view lists."""
    s = segmented
    session = s["gw"].session
    separated(s)
    extra = "198.18.12.0/24"

    def counts():
        every = show(session, "show domain json")
        return {name: every[name]["bgpRoutes"] for name in ("default", "red", "blue")}

    def expect(what, want):
        wait_for(counts, want, 30, what=what)
        for name, families in want.items():
            for afi, n in families.items():
                listed = show(session, f"show bgp domain {name} {afi} json")["routes"]
                assert len(listed) == n, (what, name, afi, listed)

    expect("the separated domains", {"default": {"ipv4": 0, "ipv6": 0}, "red": {"ipv4": 2, "ipv6": 1},
                                     "blue": {"ipv4": 2, "ipv6": 1}})
    s["red"].configure(f"router bgp {RED_AS}", "address-family ipv4 unicast", f"network {extra}")
    expect("a route added in red", {"red": {"ipv4": 3}, "blue": {"ipv4": 2}, "default": {"ipv4": 0}})
    configure(session, "domain-policy red blue")
    # The shared prefix is one route in each view: 198.18.1.0/24, red's
    # two own, blue's own.
    expect("red and blue connected", {"red": {"ipv4": 4, "ipv6": 1}, "blue": {"ipv4": 4, "ipv6": 1},
                                      "default": {"ipv4": 0}})
    s["red"].configure(f"router bgp {RED_AS}", "address-family ipv4 unicast", f"no network {extra}")
    expect("the added route withdrawn", {"red": {"ipv4": 3}, "blue": {"ipv4": 3}})
    configure(session, "domain-policy default red")
    expect("default connected to red", {"default": {"ipv4": 2, "ipv6": 1}, "red": {"ipv4": 3},
                                        "blue": {"ipv4": 3}})
    configure(session, "no domain-policy red blue", "no domain-policy default red")
    expect("no policies again", {"default": {"ipv4": 0, "ipv6": 0}, "red": {"ipv4": 2, "ipv6": 1},
                                 "blue": {"ipv4": 2, "ipv6": 1}})


def test_session_over_another_domains_interface(segmented):
    """A neighbor whose session runs over an interface another domain lists
    is warned about, not refused: the session stays up, its routes stay in
    the neighbor's own domain."""
    s = segmented
    session, red_if = s["gw"].session, s["red_if"]
    separated(s)
    neighbors = show(session, "show bgp neighbors json")
    assert neighbors["192.0.2.2"]["domain"] == "red"
    assert neighbors["192.0.2.2"]["sessionInterface"] == red_if
    assert "sessionInterfaceDomain" not in neighbors["192.0.2.2"]
    established = neighbors["192.0.2.2"]["connectionsEstablished"]

    configure(session, "domain red", f"no interface {red_if}", "exit", "domain blue", f"interface {red_if}")
    wait_for(lambda: show(session, "show bgp neighbors json"), {"192.0.2.2": {
        "domain": "red", "sessionInterface": red_if, "sessionInterfaceDomain": "blue",
        "bgpState": "Established", "connectionsEstablished": established}}, 10,
        what="the neighbor warned about, its session kept")
    text = session.run("show bgp neighbors 192.0.2.2").output
    assert f"Warning: the session runs over {red_if}, an interface of domain blue" in text, text
    assert RED_ONLY in show(session, "show bgp domain red ipv4 json")["routes"]
    assert RED_ONLY not in show(session, "show bgp domain blue ipv4 json")["routes"]

    configure(session, "domain blue", f"no interface {red_if}", "exit", "domain red", f"interface {red_if}")
    wait_for(lambda: show(session, "show bgp neighbors json"), {"192.0.2.2": {
        "sessionInterfaceDomain": ABSENT}}, 10, what="the warning gone")


def test_ipv6_overlap(segmented):
    s = segmented
    session, gw_ns = s["gw"].session, s["gw_ns"]
    wait_until(lambda: table_nexthops(gw_ns, RED_TABLE, "-6") == {SHARED6: "2001:db8:1::2"}, 60,
               what="red's IPv6 table holds red's next hop")
    wait_until(lambda: table_nexthops(gw_ns, s["blue_table"], "-6") == {SHARED6: "2001:db8:2::2"}, 30,
               what="blue's IPv6 table holds blue's next hop")
    wait_for(lambda: show(session, "show ipv6 route domain blue json"), {
        SHARED6: [{"protocol": "bgp", "installed": True, "nexthops": [{"ip": "2001:db8:2::2"}]}]}, 10,
        what="blue's IPv6 table as `show ipv6 route domain blue` reads it")
    wait_for(lambda: show(session, "show bgp domain red ipv6 json"), {"routes": {
        SHARED6: {"nexthop": "2001:db8:1::2", "learnedInDomain": "red"}}}, 10, what="red's IPv6 view")
    assert table_nexthops(gw_ns, "main", "-6") == {}
    rules = json.loads(gw_ns.run(["ip", "-j", "-6", "rule", "show"]).stdout)
    assert sum(1 for r in rules if r.get("table") == str(RED_TABLE)) == 2, rules


def test_forwarding_between_domains(segmented):
    s = segmented
    session = s["gw"].session
    hblue_addr = "203.0.113.18"
    wait_until(lambda: s["gw_ns"].run(["nft", "list", "table", "inet", "skygate"], check=False).returncode == 0, 20,
               what="the nftables table of the domains")
    rules = s["gw_ns"].run(["ip", "-j", "rule", "show"]).stdout
    assert any(r.get("iif") and r.get("table") == str(RED_TABLE) for r in json.loads(rules)), rules

    before = show(session, "show domain red json")["red"]["dropped"]["packets"]
    assert not ping(s["hred"], hblue_addr)
    wait_until(lambda: show(session, "show domain red json")["red"]["dropped"]["packets"] > before, 10,
               what="red's drop counter to count the echo request")

    dropped = show(session, "show domain red json")["red"]["dropped"]["packets"]

    configure(session, "domain-policy red blue")
    wait_until(lambda: ping(s["hred"], hblue_addr), 20, what="hosts of connected domains to reach each other")
    assert ping(s["hblue"], "203.0.113.2")
    # The ruleset was loaded again; the drop counters were kept.
    assert show(session, "show domain red json")["red"]["dropped"]["packets"] >= dropped

    # Removing the policy takes the forwarding permission away again.
    configure(session, "no domain-policy red blue")
    wait_until(lambda: not ping(s["hred"], hblue_addr), 20, what="the hosts to be separated again")
    assert show(session, "show domain red json")["red"]["dropped"]["packets"] > dropped

    # A domain that goes takes its counter with it; the others stay.
    configure(session, "domain green", "interface skygate-none0", "exit")
    wait_until(lambda: "from_green" in s["gw_ns"].run(["nft", "list", "counters"]).stdout, 10,
               what="green's counter")
    configure(session, "no domain green")
    wait_until(lambda: "from_green" not in s["gw_ns"].run(["nft", "list", "counters"]).stdout, 10,
               what="green's counter gone")
    assert show(session, "show domain red json")["red"]["dropped"]["packets"] > dropped

    # A clean stop takes our rules, our nftables table and the domains'
    # routes away.
    assert s["gw"].daemon.stop() == 0
    gw_ns = s["gw_ns"]
    for family in ("-4", "-6"):
        rules = json.loads(gw_ns.run(["ip", "-j", family, "rule", "show"]).stdout)
        assert not [r for r in rules if r.get("table") == str(RED_TABLE)], rules
        assert table_nexthops(gw_ns, RED_TABLE, family) == {}
    assert gw_ns.run(["nft", "list", "table", "inet", "skygate"], check=False).returncode != 0


def test_ipv6_forwarding_between_domains(segmented):
    """The same separation over IPv6: the ip -6 rules and the inet filter
    keep hosts of unconnected domains apart, a policy lets them reach each
    other, and removing it separates them again."""
    s = segmented
    session = s["gw"].session
    hred_addr, hblue_addr = "2001:db8:11::2", "2001:db8:12::2"
    wait_until(lambda: s["gw_ns"].run(["nft", "list", "table", "inet", "skygate"], check=False).returncode == 0, 20,
               what="the nftables table of the domains")
    rules = json.loads(s["gw_ns"].run(["ip", "-j", "-6", "rule", "show"]).stdout)
    assert any(r.get("iif") and r.get("table") == str(RED_TABLE) for r in rules), rules
    # Each host reaches its own gateway address: the link itself works.
    wait_until(lambda: ping(s["hred"], "2001:db8:11::1"), 20, what="red's host to reach the gateway")
    wait_until(lambda: ping(s["hblue"], "2001:db8:12::1"), 20, what="blue's host to reach the gateway")

    before = show(session, "show domain red json")["red"]["dropped"]["packets"]
    assert not ping(s["hred"], hblue_addr)
    wait_until(lambda: show(session, "show domain red json")["red"]["dropped"]["packets"] > before, 10,
               what="red's drop counter to count the IPv6 echo request")

    configure(session, "domain-policy red blue")
    wait_until(lambda: ping(s["hred"], hblue_addr), 20, what="IPv6 hosts of connected domains to reach each other")
    assert ping(s["hblue"], hred_addr)

    configure(session, "no domain-policy red blue")
    wait_until(lambda: not ping(s["hred"], hblue_addr), 20, what="the IPv6 hosts to be separated again")
    assert not ping(s["hblue"], hred_addr)


def test_bad_input_changes_nothing(segmented):
    session = segmented["gw"].session
    before = session.run("show running-config").output
    assert session.run("configure terminal").ok
    for line, want in (("domain-policy red red", "two different domains"),
                       ("domain-policy red purple", "No such domain purple"),
                       ("no domain red", "in use by neighbor 192.0.2.2"),
                       ("no domain default", "cannot be removed")):
        reply = session.run(line)
        assert not reply.ok and want in reply.output, (line, reply.output)
    assert session.run("domain blue").ok
    reply = session.run(f"table {RED_TABLE}")
    assert not reply.ok and "already used by domain red" in reply.output, reply.output
    assert session.run("end").ok
    assert session.run("show running-config").output == before
    reply = session.run("show ip route domain purple json")
    assert not reply.ok and "No such domain purple" in reply.output


def test_aggregate_covers_the_default_view(segmented):
    """An aggregate is the default domain's: red's and blue's routes make
    it only once a policy lets the default domain see them."""
    session = segmented["gw"].session
    separated(segmented)
    configure(session, "router bgp 64512", "address-family ipv4 unicast", "aggregate-address 198.18.0.0/16")
    aggregate = "198.18.0.0/16"
    wait_for(lambda: show(session, "show bgp ipv4 unicast json"), {"routes": {aggregate: ABSENT}}, 5,
             what="no aggregate from routes the default domain does not see")
    configure(session, "domain-policy default red")
    wait_for(lambda: show(session, "show bgp ipv4 unicast json"), {"routes": {aggregate: [{"valid": True}]}}, 20,
             what="the aggregate once the default domain sees red")
    wait_for(lambda: segmented["red"].bgp_routes("ipv4"), {"routes": {aggregate: [{"path": f"{GW_AS}"}]}}, 20,
             what="red's peer hears the default domain's aggregate")
    wait_for(lambda: segmented["blue"].bgp_routes("ipv4"), {"routes": {aggregate: ABSENT}}, 5,
             what="blue's peer does not")
    configure(session, "no domain-policy default red")
    wait_for(lambda: show(session, "show bgp ipv4 unicast json"), {"routes": {aggregate: ABSENT}}, 20,
             what="the aggregate gone with the policy")


def test_crash_and_restart_keep_domain_tables(segmented):
    """Routes a crashed run left in a domain's table keep forwarding while
    the next run relearns them (as the main table's do, docs/fib.md)."""
    s = segmented
    gw_ns = s["gw_ns"]
    separated(s)
    daemon = s["gw"].daemon
    daemon.proc.kill()
    daemon.proc.wait(timeout=10)
    daemon.stop()
    want = {SHARED: "192.0.2.2", RED_ONLY: "192.0.2.2"}
    assert table_nexthops(gw_ns, RED_TABLE) == want
    gw = start_routed(s["topo"], gw_ns, s["config"], s["binary"], name="gw2")
    wait_until(lambda: "routes of a previous run in table 1100 kept until relearned" in gw.daemon.tail(200), 20,
               what="the new run to keep red's routes")
    assert table_nexthops(gw_ns, RED_TABLE) == want
    wait_for(lambda: show(gw.session, "show bgp domain red ipv4 json"), {"routes": {
        SHARED: {"nexthop": "192.0.2.2"}, RED_ONLY: {"nexthop": "192.0.2.2"}}}, 60, what="red's routes relearned")
    assert table_nexthops(gw_ns, RED_TABLE) == want

    # Another crash, and a run without domains: the leftover rules and
    # the leftover filter go at once (its routes after the stale time).
    gw.daemon.proc.kill()
    gw.daemon.proc.wait(timeout=10)
    gw.daemon.stop()
    assert gw_ns.run(["nft", "list", "table", "inet", "skygate"], check=False).returncode == 0
    plain = start_routed(s["topo"], gw_ns, "router bgp 64512\n bgp router-id 192.0.2.1\n", s["binary"], name="gw3")
    wait_until(lambda: gw_ns.run(["nft", "list", "table", "inet", "skygate"], check=False).returncode != 0, 20,
               what="the crashed run's nftables table removed")
    rules = json.loads(gw_ns.run(["ip", "-j", "rule", "show"]).stdout)
    assert not [r for r in rules if r.get("table") == str(RED_TABLE)], rules
    assert plain.daemon.running()


def test_neighbor_moves_between_domains(segmented):
    """A session that changes domain takes its routes along and is sent
    its new domain's view, without a reset."""
    s = segmented
    session, gw_ns = s["gw"].session, s["gw_ns"]
    separated(s)
    established = show(session, "show bgp neighbors json")["198.51.100.2"]["connectionsEstablished"]
    configure(session, "router bgp 64512", "neighbor 198.51.100.2 domain red")
    wait_until(lambda: table_nexthops(gw_ns, RED_TABLE).get(BLUE_ONLY) == "198.51.100.2", 30,
               what="the moved session's route in red's table")
    wait_until(lambda: table_nexthops(gw_ns, s["blue_table"]) == {}, 30,
               what="blue's IPv4 table empty once its only IPv4 session left")
    wait_for(lambda: s["blue"].bgp_routes("ipv4"), {"routes": {RED_ONLY: [{"path": f"{GW_AS} {RED_AS}"}]}}, 30,
             what="the moved peer is sent red's routes")
    wait_for(lambda: s["red"].bgp_routes("ipv4"), {"routes": {BLUE_ONLY: [{"path": f"{GW_AS} {BLUE_AS}"}]}}, 30,
             what="red's peer hears the moved peer's route")
    configure(session, "router bgp 64512", "neighbor 198.51.100.2 domain blue")
    separated(s)
    assert show(session, "show bgp neighbors json")["198.51.100.2"]["connectionsEstablished"] == established
