"""skygate-routed as the gateway of a test: started in a namespace from a
configuration text, with a CLI session on its socket (closed at teardown)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from lib.skyipc import Session
from lib.topo import Daemon, Namespace, Topology, rundir_argv


@dataclass
class Gateway:
    daemon: Daemon
    rundir: Path
    session: Session


def start_routed(topo: Topology, ns: Namespace, config: str, binary: str, name: str = "gw",
                 statedir: Path | None = None, extra_args: Sequence[str] = ()) -> Gateway:
    """Start skygate-routed (binary) in ns with config as routed.conf.

    The state directory (the route approval store) is the run directory
    unless statedir is given: a test that restarts the gateway passes the
    same statedir again to keep its decisions.  extra_args go to routed
    as they are (e.g. --syslog unix:PATH)."""
    rundir = topo.make_dir(name)
    argv = rundir_argv(binary, "routed.conf", "--statedir", str(statedir) if statedir else "{rundir}",
                       *extra_args)
    daemon = topo.start_daemon(ns, "routed", argv, rundir=rundir,
                               files={"routed.conf": config},
                               ready=lambda: (rundir / "routed.sock").exists())
    session = Session(str(rundir / "routed.sock"))
    topo.add_cleanup("close CLI session", session.close)
    return Gateway(daemon, rundir, session)


#: What the scripted-peer gateway announces itself (tests look for it).
SCRIPTED_GW_AS, SCRIPTED_PEER_AS = 64512, 64513
SCRIPTED_GW_NETWORK = "198.18.10.0/24"


def scripted_pair(topo: Topology, binary: str):
    """The gateway on 192.0.2.1 (AS 64512, originating 198.18.10.0/24) and
    a scripted peer on 192.0.2.2 (AS 64513, lib/scriptpeer.py) already
    connected to it: returns (gateway, peer); the peer is closed at
    teardown."""
    from lib.scriptpeer import ScriptedPeer
    gw_ns, raw_ns = topo.add_namespace("gw"), topo.add_namespace("raw")
    topo.add_link(gw_ns, raw_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
    gw = start_routed(topo, gw_ns, (
        f"router bgp {SCRIPTED_GW_AS}\n bgp router-id 192.0.2.1\n"
        f" neighbor 192.0.2.2 remote-as {SCRIPTED_PEER_AS}\n"
        f" address-family ipv4 unicast\n  network {SCRIPTED_GW_NETWORK}\n exit-address-family\n"), binary)
    peer = ScriptedPeer(raw_ns, "192.0.2.2", "192.0.2.1", SCRIPTED_PEER_AS)
    topo.add_cleanup("stop the scripted peer", peer.close)
    return gw, peer


#: The triangle's addresses and ASes: the scripted peer and FRR.
RAW_AS, FRR_AS = 64513, 64514


@dataclass
class Triangle:
    gw: Gateway
    ns: Namespace          # the gateway's namespace
    raw: object            # lib.scriptpeer.ScriptedPeer on 192.0.2.2
    frr: object            # lib.peers.FrrRouter on 198.51.100.2


def triangle(topo: Topology, binary: str, gw_as: int, neighbor_lines: str = "", af_lines: str = "") -> Triangle:
    """The gateway between a scripted peer (192.0.2.2, AS 64513) and a
    downstream FRR (198.51.100.2, AS 64514), both eBGP. neighbor_lines and
    af_lines are added under `router bgp` and its IPv4 address family."""
    from lib.peers import BgpNeighbor, FrrRouter, frr_bgp_config
    from lib.scriptpeer import ScriptedPeer
    gw_ns, raw_ns, frr_ns = topo.add_namespace("gw"), topo.add_namespace("raw"), topo.add_namespace("frr")
    topo.add_link(gw_ns, raw_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
    topo.add_link(gw_ns, frr_ns, ["198.51.100.1/24"], ["198.51.100.2/24"])
    gw = start_routed(topo, gw_ns, (
        f"router bgp {gw_as}\n bgp router-id 192.0.2.1\n"
        f" neighbor 192.0.2.2 remote-as {RAW_AS}\n neighbor 198.51.100.2 remote-as {FRR_AS}\n{neighbor_lines}"
        f" address-family ipv4 unicast\n{af_lines} exit-address-family\n"), binary)
    frr = FrrRouter(topo, frr_ns, {"bgpd": frr_bgp_config(
        FRR_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", gw_as, "gw")])}).start()
    raw = ScriptedPeer(raw_ns, "192.0.2.2", "192.0.2.1", RAW_AS)
    topo.add_cleanup("stop the scripted peer", raw.close)
    return Triangle(gw, gw_ns, raw, frr)
