"""GoBGP as a reference peer: gobgpd in a namespace with a generated TOML
config, queried through its own CLI (`gobgp ... -j`), which talks to the
daemon's gRPC API on the namespace's loopback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Sequence

from .peers import BgpNeighbor, PeerError
from .topo import CommandError, Daemon, Namespace, Topology, check_address, run

API = "127.0.0.1:50051"
#: gobgp's JSON gives the session state as its gRPC enum number.
SESSION_STATES = {0: "unknown", 1: "idle", 2: "connect", 3: "active", 4: "opensent",
                  5: "openconfirm", 6: "established"}


def gobgp_available() -> str | None:
    missing = [b for b in ("gobgpd", "gobgp") if shutil.which(b) is None]
    return f"{', '.join(missing)} not installed: apt-get install gobgpd" if missing else None


def gobgp_config(asn: int, router_id: str, neighbors: Sequence[BgpNeighbor]) -> str:
    """gobgpd TOML: one neighbor section per session, in its transport's family."""
    check_address(router_id)
    lines = ["[global.config]", f"  as = {asn}", f'  router-id = "{router_id}"', ""]
    for n in neighbors:
        lines += ["[[neighbors]]", "  [neighbors.config]",
                  f'    neighbor-address = "{n.address}"', f"    peer-as = {n.remote_as}",
                  "  [neighbors.timers.config]", "    connect-retry = 1",
                  "  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                  f'      afi-safi-name = "{n.afi}-unicast"', ""]
    return "\n".join(lines)


class GobgpRouter:
    """gobgpd in one namespace."""

    def __init__(self, topo: Topology, ns: Namespace, config: str, name: str = "gobgp"):
        self.topo, self.ns, self.name = topo, ns, name
        self.config = config
        self.daemon: Daemon | None = None

    def start(self, ready_s: float = 30.0) -> "GobgpRouter":
        rundir = self.topo.make_dir(self.name)
        argv = ["gobgpd", "-f", "{rundir}/gobgpd.toml", "-t", "toml", "-p",
                "--api-hosts", API, "--pprof-disable"]
        self.daemon = self.topo.start_daemon(self.ns, self.name, argv, rundir=rundir,
                                             files={"gobgpd.toml": self.config},
                                             ready=self._ready, ready_s=ready_s)
        return self

    def _ready(self) -> bool:
        try:
            self.cli("global")
            return True
        except PeerError:
            return False

    def cli(self, *args: str) -> str:
        try:
            return self.ns.run(["gobgp", "-u", API.split(":")[0], "-p", API.split(":")[1], *args],
                               timeout=15).stdout
        except CommandError as exc:
            raise PeerError(f"gobgp {' '.join(args)}: {exc.stderr.strip()}") from None

    def neighbors(self) -> dict[str, dict]:
        """{address: {"state": "established"|..., "peer_as": N, "received": N}}."""
        out = {}
        for n in json.loads(self.cli("neighbor", "-j") or "[]"):
            state = n.get("state", {})
            received = sum(a.get("state", {}).get("received", 0) for a in n.get("afi_safis", []))
            raw = state.get("session_state", 0)
            out[n["conf"]["neighbor_address"]] = {
                "state": SESSION_STATES.get(raw, str(raw)) if isinstance(raw, int) else str(raw).lower(),
                "peer_as": state.get("peer_asn") or n["conf"].get("peer_asn"),
                "received": received}
        return out

    def rib(self, afi: str = "ipv4") -> dict[str, list[dict]]:
        """{prefix: [{"as_path": [..], "nexthop": str}]} from the global RIB."""
        data = json.loads(self.cli("global", "rib", "-a", afi, "-j") or "{}")
        table = {}
        for prefix, paths in data.items():
            entries = []
            for p in paths:
                as_path, nexthop = [], None
                for attr in p.get("attrs", []):
                    if attr.get("type") == 2:
                        for seg in attr.get("as_paths", []):
                            as_path += seg.get("asns", [])
                    if attr.get("type") == 3:
                        nexthop = attr.get("nexthop")
                    if attr.get("type") == 14:
                        nexthop = attr.get("nexthop")
                entries.append({"as_path": as_path, "nexthop": nexthop})
            table[prefix] = entries
        return table

    def add_route(self, prefix: str, afi: str = "ipv4", communities: Sequence[str] = (),
                  large_communities: Sequence[str] = ()) -> None:
        """Originate prefix with ORIGIN IGP (gobgp's own default is
        incomplete), like `network` in FRR and BIRD's static routes;
        communities as "AS:N", large communities as "G:L1:L2"."""
        check_address(prefix)
        extra = []
        if communities:
            extra += ["community", ",".join(communities)]
        if large_communities:
            extra += ["large-community", ",".join(large_communities)]
        self.cli("global", "rib", "add", "-a", afi, prefix, "origin", "igp", *extra)

    def del_route(self, prefix: str, afi: str = "ipv4") -> None:
        self.cli("global", "rib", "del", "-a", afi, prefix)
