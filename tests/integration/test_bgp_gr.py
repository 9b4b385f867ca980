"""Graceful restart (RFC 4724). skygate as the receiving speaker (section
4.2): when FRR's bgpd dies without a NOTIFICATION, its routes stay (stale,
still forwarding) for the Restart Time it advertised, then go. skygate as
the restarting speaker (section 4.1): killed and started again, its kernel
routes forward throughout and its peers keep its routes until it is done."""

from __future__ import annotations

import json
import os
import signal

import pytest

from conftest import skygate_build_dir
from lib.jsonmatch import ABSENT, wait_for
from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config
from lib.skyipc import Session

pytestmark = pytest.mark.requires("frr")

GW_AS, FRR_AS = 64512, 64513
FRR_NET4 = "198.19.1.0/24"
RESTART_TIME = 8


def routes(session: Session) -> dict:
    return json.loads(session.run("show bgp ipv4 unicast json").output)


def kernel(ns) -> dict:
    return {r["dst"]: r.get("gateway") for r in ns.ip_json("-4", "route", "show", "proto", "211")}


def test_routes_kept_stale_for_the_restart_time(topo, skygate_bin):
    gw, frr_ns = topo.add_namespace("gw"), topo.add_namespace("frr")
    topo.add_link(gw, frr_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
    rundir = topo.make_dir("gw")
    (rundir / "routed.conf").write_text(
        f"router bgp {GW_AS}\n bgp router-id 192.0.2.1\n bgp graceful-restart\n"
        f" neighbor 192.0.2.2 remote-as {FRR_AS}\n")
    topo.start_daemon(gw, "routed", [skygate_bin("skygate-routed"), "--rundir", "{rundir}",
                                     "-f", "{rundir}/routed.conf"],
                      rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, "192.0.2.2", [BgpNeighbor("192.0.2.1", GW_AS, "gw")], networks=[FRR_NET4],
        extra=f" bgp graceful-restart\n bgp graceful-restart preserve-fw-state\n"
              f" bgp graceful-restart restart-time {RESTART_TIME}")}).start()
    session = Session(str(rundir / "routed.sock"))
    topo.add_cleanup("close CLI session", session.close)

    wait_for(lambda: routes(session), {"routes": {FRR_NET4: [{"valid": True, "stale": ABSENT}]}}, 60,
             what="FRR's route learned")
    wait_for(lambda: kernel(gw), {FRR_NET4: "192.0.2.2"}, 30, what="route in the kernel")

    # bgpd dies: its socket closes without a NOTIFICATION.
    bgpd = frr.daemons["bgpd"]
    os.kill(bgpd.pid, signal.SIGKILL)
    wait_for(lambda: json.loads(session.run("show bgp summary json").output),
             {"ipv4Unicast": {"peers": {"192.0.2.2": {"state": lambda s: s != "Established"}}}}, 30,
             what="session down")
    table = routes(session)
    assert table["routes"][FRR_NET4][0]["stale"] is True, table
    assert kernel(gw).get(FRR_NET4) == "192.0.2.2", "forwarding kept during the restart"

    # Nobody comes back: after the Restart Time the stale route goes.
    wait_for(lambda: routes(session), {"routes": {FRR_NET4: ABSENT}}, RESTART_TIME + 15,
             what="stale route removed after the restart time")
    wait_for(lambda: kernel(gw), {FRR_NET4: ABSENT}, 10, what="route out of the kernel")
    bgpd.stop()


def start_gw(topo, gw, rundir, skygate_bin):
    return topo.start_daemon(gw, "routed", [skygate_bin("skygate-routed"), "--rundir", "{rundir}",
                                            "-f", "{rundir}/routed.conf"],
                             rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())


def test_skygate_restarts_with_forwarding_kept(topo, skygate_bin):
    """skygate as the restarting speaker (RFC 4724 section 4.1): killed,
    its kernel routes keep forwarding and FRR keeps its routes (stale);
    back, it says Restart State, defers selection until its peers are
    done (here a second, silent neighbor makes it wait the restart time),
    and only then sends its routes and End-of-RIB."""
    gw, frr_ns = topo.add_namespace("gw"), topo.add_namespace("frr")
    topo.add_link(gw, frr_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
    rundir = topo.make_dir("gw")
    deferral = 12
    (rundir / "routed.conf").write_text(
        f"router bgp {GW_AS}\n bgp router-id 192.0.2.1\n bgp graceful-restart\n"
        f" bgp graceful-restart restart-time {deferral}\n"
        f" neighbor 192.0.2.2 remote-as {FRR_AS}\n neighbor 192.0.2.9 remote-as 64599\n"
        " address-family ipv4 unicast\n  network 198.18.10.0/24\n exit-address-family\n")
    routed = start_gw(topo, gw, rundir, skygate_bin)
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, "192.0.2.2", [BgpNeighbor("192.0.2.1", GW_AS, "gw")], networks=[FRR_NET4],
        extra=" bgp graceful-restart\n bgp graceful-restart preserve-fw-state")}).start()
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {"198.18.10.0/24": [{"valid": True, "stale": ABSENT}]}},
             60, what="FRR learned skygate's route")
    wait_for(lambda: kernel(gw), {FRR_NET4: "192.0.2.2"}, 30, what="FRR's route in skygate's kernel")

    os.kill(routed.pid, signal.SIGKILL)
    routed.stop()
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {"198.18.10.0/24": [{"stale": True}]}}, 30,
             what="FRR keeps skygate's route, stale")
    assert kernel(gw).get(FRR_NET4) == "192.0.2.2", "forwarding kept while skygate is down"

    # The killed daemon left its socket behind; the new one replaces it.
    (rundir / "routed.sock").unlink()
    start_gw(topo, gw, rundir, skygate_bin)
    session = Session(str(rundir / "routed.sock"))
    topo.add_cleanup("close CLI session", session.close)
    summary = lambda: json.loads(session.run("show bgp summary json").output)  # noqa: E731
    wait_for(summary, {"ipv4Unicast": {"gracefulRestartDeferral": True,
                                       "peers": {"192.0.2.2": {"state": "Established"}}}}, 30,
             what="back, with selection deferred")
    # FRR saw our Restart State bit, and during the deferral it has only
    # its stale copy of our route.
    wait_for(lambda: frr.bgp_neighbor("192.0.2.1"), {"gracefulRestartInfo": {
        "rBit": True, "ipv4Unicast": {"fBit": True, "endOfRibStatus": {"endOfRibRecv": False}}}}, 10,
        what="FRR sees Restart State and no End-of-RIB from us yet")
    assert frr.bgp_routes("ipv4")["routes"]["198.18.10.0/24"][0].get("stale") is True
    assert kernel(gw).get(FRR_NET4) == "192.0.2.2", "forwarding kept through the restart"
    wait_for(summary, {"ipv4Unicast": {"gracefulRestartDeferral": ABSENT}}, deferral + 10,
             what="deferral over after the restart time")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {"198.18.10.0/24": [{"valid": True, "stale": ABSENT}]}},
             30, what="FRR has skygate's route fresh again")
    wait_for(lambda: frr.bgp_neighbor("192.0.2.1"), {"gracefulRestartInfo": {
        "ipv4Unicast": {"endOfRibStatus": {"endOfRibRecv": True}}}}, 10, what="our End-of-RIB reached FRR")
    assert kernel(gw).get(FRR_NET4) == "192.0.2.2"
