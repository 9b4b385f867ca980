"""Tests of the harness itself.

The first part needs no root: subset matching, polling, the address guard,
the birdc parsers and the config generators.  The last part (skipped unless
root) checks that the topology library builds and, above all, removes what
it builds.
"""

import os
import signal
import time

import pytest

from lib import topo as topo_lib
from lib.jsonmatch import ABSENT, json_subset_match, wait_for, wait_until
from lib.peers import (BgpNeighbor, bird_bgp_config, frr_bgp_config, parse_bird_protocols,
                       parse_bird_routes)
from lib.topo import AddressPolicyError, check_address, check_config_text

# --------------------------------------------------------------------------
# json_subset_match
# --------------------------------------------------------------------------


def test_dict_subset_ignores_extra_keys():
    ok, diff = json_subset_match({"a": 1, "b": {"c": 2, "d": 3}, "e": 4}, {"b": {"c": 2}})
    assert ok and diff == ""


def test_dict_missing_key_is_reported_with_path():
    ok, diff = json_subset_match({"peers": {"192.0.2.2": {"state": "Active"}}},
                                 {"peers": {"192.0.2.2": {"state": "Established"}}})
    assert not ok
    assert "$['peers']['192.0.2.2']['state']" in diff
    assert '"Established"' in diff and '"Active"' in diff


def test_dict_missing_key_lists_present_keys():
    ok, diff = json_subset_match({"x": 1}, {"y": 1})
    assert not ok and "missing" in diff and "x" in diff


def test_list_matches_regardless_of_order():
    actual = [{"ip": "192.0.2.2", "used": True}, {"ip": "fe80::1", "scope": "link-local"}]
    ok, _ = json_subset_match(actual, [{"scope": "link-local"}, {"ip": "192.0.2.2"}])
    assert ok


def test_list_elements_must_match_distinct_actual_elements():
    ok, diff = json_subset_match([{"a": 1}], [{"a": 1}, {"a": 1}])
    assert not ok and "distinct" in diff


def test_list_matching_is_not_greedy():
    # A greedy matcher gives the loose pattern {} the first element, leaving
    # nothing for {"a": 1}; a proper assignment exists.
    ok, diff = json_subset_match([{"a": 1}, {"b": 2}], [{}, {"a": 1}])
    assert ok, diff


def test_list_diff_shows_closest_candidate():
    ok, diff = json_subset_match([{"path": "64513", "valid": False}],
                                 [{"path": "64513", "valid": True}])
    assert not ok and "closest" in diff and "valid" in diff


def test_scalars_by_equality_and_bool_is_not_int():
    assert json_subset_match("x", "x")[0]
    assert not json_subset_match(1, 2)[0]
    assert not json_subset_match(1, True)[0]
    assert not json_subset_match(0, False)[0]
    assert json_subset_match(None, None)[0]


def test_type_mismatch_is_reported():
    assert not json_subset_match([1], {"a": 1})[0]
    assert not json_subset_match({"a": 1}, [1])[0]


def test_callable_is_a_predicate():
    assert json_subset_match({"pfxRcd": 3}, {"pfxRcd": lambda n: n >= 1})[0]
    ok, diff = json_subset_match({"pfxRcd": 0}, {"pfxRcd": lambda n: n >= 1})
    assert not ok and "does not satisfy" in diff


def test_predicate_that_raises_is_a_mismatch():
    ok, diff = json_subset_match({"v": None}, {"v": lambda n: n > 1})
    assert not ok and "raised" in diff


def test_absent_requires_missing_key():
    assert json_subset_match({"routes": {}}, {"routes": {"198.19.2.0/24": ABSENT}})[0]
    ok, diff = json_subset_match({"routes": {"198.19.2.0/24": []}},
                                 {"routes": {"198.19.2.0/24": ABSENT}})
    assert not ok and "expected absent" in diff


# --------------------------------------------------------------------------
# wait_for / wait_until
# --------------------------------------------------------------------------


class Counter:
    """A value source that changes after a few polls, like a daemon converging."""

    def __init__(self, ready_after: int):
        self.calls, self.ready_after = 0, ready_after

    def __call__(self):
        self.calls += 1
        return {"state": "Established" if self.calls >= self.ready_after else "Active"}


def test_wait_for_returns_as_soon_as_matched():
    source = Counter(ready_after=3)
    start = time.monotonic()
    result = wait_for(source, {"state": "Established"}, deadline_s=10, interval_s=0.01)
    assert result == {"state": "Established"}
    assert source.calls == 3
    assert time.monotonic() - start < 1


def test_wait_for_fails_with_last_diff_after_deadline():
    source = Counter(ready_after=10**9)
    start = time.monotonic()
    with pytest.raises(AssertionError) as info:
        wait_for(source, {"state": "Established"}, deadline_s=0.3, interval_s=0.05,
                 what="bgp session")
    elapsed = time.monotonic() - start
    assert 0.3 <= elapsed < 2
    message = str(info.value)
    assert "bgp session" in message and "no match after 0.3s" in message
    assert "['state']" in message and '"Active"' in message


def test_wait_for_tolerates_exceptions_until_the_source_answers():
    calls = []

    def flaky():
        calls.append(1)
        if len(calls) < 3:
            raise ConnectionRefusedError("not yet")
        return {"up": True}

    assert wait_for(flaky, {"up": True}, deadline_s=5, interval_s=0.01) == {"up": True}


def test_wait_for_reports_the_last_exception():
    def broken():
        raise ConnectionRefusedError("vty socket missing")

    with pytest.raises(AssertionError, match="vty socket missing"):
        wait_for(broken, {}, deadline_s=0.1, interval_s=0.02)


def test_wait_until_returns_truthy_value():
    values = iter([None, 0, "", "ready"])
    assert wait_until(lambda: next(values), deadline_s=5, interval_s=0.01) == "ready"


def test_wait_until_times_out_naming_what():
    with pytest.raises(AssertionError, match="socket to appear"):
        wait_until(lambda: False, deadline_s=0.1, what="socket to appear", interval_s=0.02)


def test_wait_until_propagates_untolerated_exceptions():
    def boom():
        raise KeyError("bug")

    with pytest.raises(KeyError):
        wait_until(boom, deadline_s=5)


# --------------------------------------------------------------------------
# Address policy
# --------------------------------------------------------------------------


@pytest.mark.parametrize("addr", [
    "192.0.2.1/24", "198.51.100.7", "203.0.113.0/24", "169.254.10.1/30",
    "198.18.1.0/24", "198.19.255.0/24", "198.18.0.0/15", "2001:db8:0:1::1/64",
    "2001:db8:100::/48",
])
def test_allowed_addresses_pass(addr):
    assert check_address(addr) == addr


@pytest.mark.parametrize("addr", [
    "10.0.0.1/24", "8.8.8.8", "192.0.2.1/16", "198.16.0.0/14", "2001:db9::1/64",
    "fd00::1/64", "192.168.1.1", "not-an-address",
])
def test_forbidden_addresses_raise(addr):
    with pytest.raises(AddressPolicyError):
        check_address(addr)


def test_config_text_scan_catches_stray_addresses():
    check_config_text("neighbor 192.0.2.2 remote-as 64513\nnetwork 2001:db8:100::/48\n"
                      "ip route 0.0.0.0/0 192.0.2.2\nhold 07:26:35\nlisten ::\n")
    with pytest.raises(AddressPolicyError, match="10.1.1.1"):
        check_config_text("neighbor 10.1.1.1 remote-as 1\n")
    with pytest.raises(AddressPolicyError, match="2620:0:1::1"):
        check_config_text("neighbor 2620:0:1::1 remote-as 1\n")


def test_namespace_names_are_short_and_prefixed():
    name = topo_lib.netns_name("frr")
    assert name == f"sg{os.getpid()}-frr" and len(name) <= 15
    with pytest.raises(ValueError):
        topo_lib.netns_name("a-name-that-is-far-too-long")
    with pytest.raises(ValueError):
        topo_lib.netns_name("bad/name")


# --------------------------------------------------------------------------
# Config generators and birdc parsers
# --------------------------------------------------------------------------


def test_generated_configs_pass_the_address_guard():
    neighbors = [BgpNeighbor("192.0.2.2", 64513, "bird4"),
                 BgpNeighbor("2001:db8:0:1::2", 64513, "bird6", "2001:db8:0:1::1")]
    frr = frr_bgp_config(64512, "192.0.2.1", neighbors, ["198.18.1.0/24", "2001:db8:100::/48"])
    assert check_config_text(frr) == frr
    assert "no bgp ebgp-requires-policy" in frr
    assert " address-family ipv6 unicast\n  network 2001:db8:100::/48\n" \
           "  neighbor 2001:db8:0:1::2 activate\n" in frr
    bird = bird_bgp_config(64513, "192.0.2.2", neighbors, ["198.19.2.0/24"])
    assert check_config_text(bird) == bird
    assert "protocol bgp bird6 {" in bird and "local 2001:db8:0:1::1 as 64513;" in bird


def test_neighbor_outside_test_ranges_is_rejected():
    with pytest.raises(AddressPolicyError):
        BgpNeighbor("10.0.0.2", 64513)


BIRD_PROTOCOLS_ALL = """\
Name       Proto      Table      State  Since         Info
frr4       BGP        ---        up     07:26:35.180  Established   
  BGP state:          Established
    Neighbor address: 192.0.2.1
    Neighbor AS:      64512
    Local AS:         64513
    Local capabilities
      Multiprotocol
        AF announced: ipv4
      Route refresh
    Neighbor capabilities
      Multiprotocol
        AF announced: ipv4
      ADD-PATH
        RX: ipv4
        TX:
    Session:          external AS4
    Hold timer:       6.885/9
  Channel ipv4
    State:          UP
    Table:          master4
    Input filter:   ACCEPT
    Routes:         1 imported, 1 exported, 1 preferred
    Route change stats:     received   rejected   filtered    ignored   accepted
      Import updates:              1          0          0          0          1
      Import withdraws:            1          0        ---          1          0
      Export updates:              2          1          0        ---          1
      Export withdraws:            0        ---        ---        ---          0
    BGP Next hop:   192.0.2.2
"""


def test_parse_bird_protocols_all():
    proto = parse_bird_protocols(BIRD_PROTOCOLS_ALL)["frr4"]
    assert proto["state"] == "up" and proto["info"] == "Established"
    assert proto["BGP state"] == "Established"
    assert proto["Neighbor address"] == "192.0.2.1"
    assert proto["Local capabilities"]["Multiprotocol"] == {"AF announced": "ipv4"}
    assert proto["Neighbor capabilities"]["ADD-PATH"] == {"RX": "ipv4", "TX": ""}
    assert proto["Session"] == "external AS4"
    chan = proto["channels"]["ipv4"]
    assert chan["State"] == "UP" and chan["BGP Next hop"] == "192.0.2.2"
    assert chan["Routes"] == {"imported": 1, "exported": 1, "preferred": 1}
    assert chan["Route change stats"]["Import withdraws"] == {
        "received": 1, "rejected": 0, "filtered": None, "ignored": 1, "accepted": 0}


def test_parse_bird_protocols_summary():
    text = ("Name       Proto      Table      State  Since         Info\n"
            "device1    Device     ---        up     07:26:34.484  \n"
            "frr4       BGP        ---        start  07:27:11.289  Active        "
            "Socket: Connection refused\n")
    parsed = parse_bird_protocols(text)
    assert parsed["device1"]["info"] == ""
    assert parsed["frr4"]["state"] == "start"
    assert parsed["frr4"]["info"] == "Active        Socket: Connection refused"


BIRD_ROUTES_ALL = """\
Table master4:
198.19.2.0/24        blackhole [static4 07:26:34.484] * (200)
\tType: static univ
                     unreachable [s2 07:28:59.248] (200)
\tType: static univ
198.18.1.0/24        unicast [frr4 07:26:36.281] * (100) [AS64512i]
\tvia 192.0.2.1 on eth0
\tType: BGP univ
\tBGP.origin: IGP
\tBGP.as_path: 64512
\tBGP.next_hop: 192.0.2.1

Table master6:
2001:db8:100::/48    unicast [frr6 07:26:36.280] * (100) [AS64512i]
\tvia 2001:db8:0:1::1 on eth0
\tType: BGP univ
\tBGP.as_path: 64512
\tBGP.next_hop: 2001:db8:0:1::1 fe80::1
"""


def test_parse_bird_routes():
    tables = parse_bird_routes(BIRD_ROUTES_ALL)
    assert set(tables) == {"master4", "master6"}
    first, second = tables["master4"]["198.19.2.0/24"]
    assert first["primary"] and first["type"] == "blackhole" and first["preference"] == 200
    assert not second["primary"] and second["protocol"] == "s2"
    route = tables["master4"]["198.18.1.0/24"][0]
    assert route["info"] == "AS64512i"
    assert route["nexthops"] == [{"via": "192.0.2.1", "dev": "eth0"}]
    assert route["attributes"]["BGP.as_path"] == "64512"
    v6 = tables["master6"]["2001:db8:100::/48"][0]
    assert v6["attributes"]["BGP.next_hop"] == "2001:db8:0:1::1 fe80::1"


# --------------------------------------------------------------------------
# Topology library (root only)
# --------------------------------------------------------------------------


def test_link_addresses_and_ipv6_ready(topo):
    a, b = topo.add_namespace("a"), topo.add_namespace("b")
    link = topo.add_link(a, b, ["192.0.2.1/24", "2001:db8:0:1::1/64"],
                         ["192.0.2.2/24", "2001:db8:0:1::2/64"])
    assert (link.a_if, link.b_if) == ("eth0", "eth0")
    addrs = {i["local"] for entry in b.ip_json("addr", "show", "dev", "eth0")
             for i in entry["addr_info"]}
    assert {"192.0.2.2", "2001:db8:0:1::2"} <= addrs
    assert a.ipv6_ready("eth0") and b.ipv6_ready("eth0")


def test_forbidden_link_address_creates_nothing(topo):
    a, b = topo.add_namespace("a"), topo.add_namespace("b")
    with pytest.raises(AddressPolicyError):
        topo.add_link(a, b, ["10.0.0.1/24"], ["10.0.0.2/24"])
    assert [link["ifname"] for link in a.ip_json("link", "show")] == ["lo"]


@pytest.mark.netns
def test_teardown_removes_namespaces_daemons_and_dirs():
    with topo_lib.Topology("self-test") as topo:
        ns = topo.add_namespace("t")
        daemon = topo.start_daemon(ns, "sleeper", ["sleep", "30"])
        rundir = daemon.rundir
        assert ns.name in topo_lib.our_netns() and daemon.running()
    assert ns.name not in topo_lib.our_netns()
    assert not daemon.running() and daemon.proc.returncode == -signal.SIGTERM
    assert not rundir.exists()
    assert daemon not in topo_lib.LIVE_DAEMONS


@pytest.mark.netns
def test_teardown_runs_even_when_building_fails():
    with pytest.raises(RuntimeError, match="boom"):
        with topo_lib.Topology("self-test") as topo:
            ns = topo.add_namespace("f")
            raise RuntimeError("boom")
    assert ns.name not in topo_lib.our_netns()


def _live_group_members(pgid: int) -> list[int]:
    """Pids in process group pgid that are not zombies (from /proc)."""
    members = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue  # exited while we looked
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state != "Z":
            members.append(int(entry))
    return members


def test_daemon_stop_escalates_to_sigkill_for_the_whole_group(topo):
    ns = topo.add_namespace("k")
    rundir = topo.make_dir("stubborn")
    # The shell ignores SIGTERM, and so does its child (ignored signals
    # survive exec): only the SIGKILL escalation can stop them.
    script = "trap '' TERM; sleep 30 & echo started > {rundir}/started; wait"
    daemon = topo.start_daemon(ns, "stubborn", ["sh", "-c", script], rundir=rundir,
                               ready=lambda: (rundir / "started").exists(), ready_s=5)
    assert daemon.stop(timeout_s=0.5) == -signal.SIGKILL
    # SIGKILL takes effect asynchronously for the orphaned child (and init
    # reaps it in its own time), so poll until no member is still alive.
    wait_until(lambda: not _live_group_members(daemon.pid), 5,
               "every process of the daemon's group to die", interval_s=0.02)


def test_daemon_that_exits_early_reports_its_output(topo):
    ns = topo.add_namespace("e")
    with pytest.raises(topo_lib.DaemonError) as info:
        topo.start_daemon(ns, "crasher", ["sh", "-c", "echo config error on line 3 >&2; exit 3"],
                          ready=lambda: False, ready_s=10)
    assert "exited with status 3" in str(info.value)
    assert "config error on line 3" in str(info.value)


def test_daemon_runs_inside_its_namespace(topo):
    ns = topo.add_namespace("r")
    topo.add_link(ns, topo.add_namespace("s"), ["198.51.100.1/24"], ["198.51.100.2/24"])
    rundir = topo.make_dir("writer")
    daemon = topo.start_daemon(ns, "writer", ["sh", "-c", "ip -o addr > {rundir}/addrs; sleep 30"],
                               rundir=rundir, ready=lambda: (rundir / "addrs").exists(), ready_s=5)
    wait_until(lambda: "198.51.100.1/24" in (daemon.rundir / "addrs").read_text(), 5,
               "the daemon to list its namespace's addresses")


@pytest.mark.netns
def test_sanitizer_report_is_caught_before_the_rundir_goes():
    """A daemon's sanitizer report is read at stop, while its output still
    exists; the topo fixture fails the test on it."""
    with topo_lib.Topology(name="san") as topology:
        ns = topology.add_namespace("san")
        rundir = topology.make_dir("san")
        script = ("echo '==1==ERROR: LeakSanitizer: detected memory leaks' >&2; "
                  "echo up > {rundir}/up; sleep 30")
        daemon = topology.start_daemon(ns, "leaky", ["sh", "-c", script], rundir=rundir,
                                       ready=lambda: (rundir / "up").exists(), ready_s=5)
        daemon.stop()
        assert daemon.sanitizer_report.startswith("ERROR: LeakSanitizer: detected memory leaks")
    assert not rundir.exists()
