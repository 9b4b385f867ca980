"""`neighbor X local-as L [no-prepend [replace-as]]`: an AS migration. The
peer sees us as L in the OPEN (in the 2-octet field when L fits, so a peer
that knows only 2-octet ASes can keep its configuration); routes from it
carry L on their way to others unless no-prepend; routes to it lead with
L, and our real AS only without replace-as."""

from __future__ import annotations

import pytest

from conftest import skygate_build_dir
from lib.jsonmatch import ABSENT, wait_for
from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config
from lib.scriptpeer import ScriptedPeer
from lib.skyipc import Session

pytestmark = pytest.mark.requires("frr")

GW_AS, LOCAL_AS, RAW_AS, FRR_AS = 4200000001, 64600, 64513, 64514


def start(topo, local_as_options: str):
    gw_ns, raw_ns, frr_ns = topo.add_namespace("gw"), topo.add_namespace("raw"), topo.add_namespace("frr")
    topo.add_link(gw_ns, raw_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
    topo.add_link(gw_ns, frr_ns, ["198.51.100.1/24"], ["198.51.100.2/24"])
    rundir = topo.make_dir("gw")
    (rundir / "routed.conf").write_text(
        f"router bgp {GW_AS}\n bgp router-id 192.0.2.1\n"
        f" neighbor 192.0.2.2 remote-as {RAW_AS}\n neighbor 192.0.2.2 local-as {LOCAL_AS}{local_as_options}\n"
        f" neighbor 198.51.100.2 remote-as {FRR_AS}\n"
        " address-family ipv4 unicast\n  network 198.18.10.0/24\n exit-address-family\n")
    topo.start_daemon(gw_ns, "routed", [str(skygate_build_dir() / "routed" / "skygate-routed"),
                                        "--rundir", "{rundir}", "-f", "{rundir}/routed.conf"],
                      rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", GW_AS, "gw")])}).start()
    session = Session(str(rundir / "routed.sock"))
    topo.add_cleanup("close CLI session", session.close)
    raw = ScriptedPeer(raw_ns, "192.0.2.2", "192.0.2.1", RAW_AS)
    topo.add_cleanup("stop scripted peer", raw.close)
    return raw, frr


def test_local_as_prepended_both_ways(topo):
    raw, frr = start(topo, "")
    opened = raw.run("open")
    # RFC 6793 section 4.1: the 2-octet field holds the AS when it fits.
    assert opened["my_as"] == LOCAL_AS and opened["as4"] == LOCAL_AS, opened
    sent = raw.run("drain")["seen"]
    assert any("198.18.10.0/24" in d.get("announced", []) for d in sent), sent
    raw.run("announce 198.18.1.0/24")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {
        "198.18.1.0/24": [{"path": f"{GW_AS} {LOCAL_AS} {RAW_AS}"}],
        "198.18.10.0/24": [{"path": f"{GW_AS}"}]}}, 20, what="local-as in the path of routes from the peer")


def test_local_as_no_prepend(topo):
    raw, frr = start(topo, " no-prepend")
    raw.run("drain")
    raw.run("announce 198.18.1.0/24")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {
        "198.18.1.0/24": [{"path": f"{GW_AS} {RAW_AS}"}], "198.18.2.0/24": ABSENT}}, 20,
        what="no-prepend: the path as the peer sent it, behind our AS")
