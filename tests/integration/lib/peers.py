"""Reference BGP peers for integration tests: FRR and BIRD 2.

Each peer runs inside a test namespace with its own run directory holding its
config, control sockets, pid files and captured output, so any number of them
can run side by side and none touches the system's /etc/frr, /run/frr or
/run/bird.  Queries return Python data: FRR's own JSON, and BIRD's text output
parsed into dicts (BIRD has no JSON), ready for jsonmatch.wait_for.

How FRR 8.4 runs here: zebra and bgpd in the namespace, each with
  -f RUNDIR/DAEMON.conf --vty_socket RUNDIR -z RUNDIR/zserv.api
  -i RUNDIR/DAEMON.pid -P 0 --log stdout --log-level info
as the packaged user frr (the run directory is owned by frr).  zebra is needed
even for BGP-only tests: without it bgpd knows no interfaces and treats IPv6
updates that carry a link-local next hop as withdrawals.  `-S` (skip runas)
would let bgpd run as root, but zebra has no such option, and
`-u root` is refused because root is not in the frrvty group.  vtysh reaches
the daemons through --vty_socket RUNDIR; no TCP vty is opened (-P 0).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from .topo import (CommandError, Daemon, Namespace, Topology, check_address,
                   check_config_text, run)

FRR_SBIN = Path("/usr/lib/frr")
FRR_USER = "frr"
#: FRR keeps per-process crash/log scratch dirs here, named DAEMON.PID; it
#: removes them on a clean exit, we remove them after a forced one.
FRR_TMPBASE = Path("/var/tmp/frr")


class PeerError(RuntimeError):
    """A reference daemon rejected a command or returned unusable output."""


# --------------------------------------------------------------------------
# Config generation shared by both peers
# --------------------------------------------------------------------------


@dataclass
class BgpNeighbor:
    """One BGP session, carrying the address family of its transport.

    name: BIRD protocol name / FRR description (letters, digits, '_').
    local_address: source address; BIRD needs it for IPv6 sessions.
    """

    address: str
    remote_as: int
    name: str | None = None
    local_address: str | None = None

    def __post_init__(self) -> None:
        check_address(self.address)
        if self.local_address:
            check_address(self.local_address)
        if self.name is None:
            self.name = "bgp_" + re.sub(r"[^0-9A-Za-z]", "_", self.address)

    @property
    def afi(self) -> str:
        return "ipv6" if ":" in self.address else "ipv4"


def _by_afi(prefixes: Iterable[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {"ipv4": [], "ipv6": []}
    for p in prefixes:
        check_address(p)
        out["ipv6" if ":" in p else "ipv4"].append(p)
    return out


# --------------------------------------------------------------------------
# FRR
# --------------------------------------------------------------------------


def frr_bgp_config(asn: int, router_id: str, neighbors: Sequence[BgpNeighbor],
                   networks: Iterable[str] = (), hostname: str = "frr", extra: str = "") -> str:
    """bgpd.conf for a plain eBGP/iBGP speaker that originates `networks`.

    Why each knob: FRR 8.4 refuses to send or accept eBGP routes without a
    policy (RFC 8212) unless told not to; `network` statements are announced
    only if the prefix is in the RIB unless import-check is off; each
    neighbour is activated only in the address family of its transport;
    connect retry is 1 s (default 120 s) so a peer that starts later is met
    quickly.  `extra` is appended inside `router bgp`.
    """
    check_address(router_id)
    nets = _by_afi(networks)
    lines = [f"hostname {hostname}", "!", f"router bgp {asn}",
             f" bgp router-id {router_id}",
             " no bgp ebgp-requires-policy",
             " no bgp network import-check",
             " no bgp default ipv4-unicast"]
    for n in neighbors:
        lines += [f" neighbor {n.address} remote-as {n.remote_as}",
                  f" neighbor {n.address} description {n.name}",
                  f" neighbor {n.address} timers connect 1",
                  f" neighbor {n.address} advertisement-interval 0"]
        if n.local_address:
            lines.append(f" neighbor {n.address} update-source {n.local_address}")
    for afi in ("ipv4", "ipv6"):
        members = [n for n in neighbors if n.afi == afi]
        if not members and not nets[afi]:
            continue
        lines.append(f" address-family {afi} unicast")
        lines += [f"  network {p}" for p in nets[afi]]
        lines += [f"  neighbor {n.address} activate" for n in members]
        lines.append(" exit-address-family")
    if extra:
        lines.append(extra.rstrip("\n"))
    lines += ["exit", "!", ""]
    return "\n".join(lines)


class FrrRouter:
    """FRR (zebra + bgpd, or more daemons) running in one namespace.

    configs maps daemon name to its config text, e.g. {"bgpd": text}; zebra
    is always started first (with an empty config unless given).
    """

    def __init__(self, topo: Topology, ns: Namespace, configs: dict[str, str],
                 name: str = "frr"):
        self.topo, self.ns, self.name = topo, ns, name
        self.configs = {"zebra": f"hostname {name}\n", **configs}
        for text in self.configs.values():
            check_config_text(text)
        self.rundir: Path | None = None
        self.daemons: dict[str, Daemon] = {}

    def start(self, ready_s: float = 30.0) -> "FrrRouter":
        """Write configs, start zebra then the others, each once its vty answers."""
        self.rundir = self.topo.make_dir(self.name)
        frr = pwd.getpwnam(FRR_USER)
        for daemon, text in self.configs.items():
            path = self.rundir / f"{daemon}.conf"
            path.write_text(text)
            os.chown(path, frr.pw_uid, frr.pw_gid)
        # The daemons drop to user frr and create sockets and pid files here.
        os.chown(self.rundir, frr.pw_uid, frr.pw_gid)
        os.chmod(self.rundir, 0o750)
        order = ["zebra"] + [d for d in self.configs if d != "zebra"]
        for daemon in order:
            self.daemons[daemon] = self.topo.start_daemon(
                self.ns, f"{self.name}-{daemon}", self._argv(daemon), rundir=self.rundir,
                ready=lambda d=daemon: self._vty_answers(d), ready_s=ready_s,
                after_stop=lambda proc, d=daemon: _remove_frr_tmpdir(d, proc.pid))
        return self

    def _argv(self, daemon: str) -> list[str]:
        rd = self.rundir
        return [str(FRR_SBIN / daemon), "-f", str(rd / f"{daemon}.conf"),
                "--vty_socket", str(rd), "-z", str(rd / "zserv.api"),
                "-i", str(rd / f"{daemon}.pid"), "-P", "0",
                "--log", "stdout", "--log-level", "info"]

    def _vty_answers(self, daemon: str) -> bool:
        if not (self.rundir / f"{daemon}.vty").exists():
            return False
        return self._vtysh_proc(["show version"], daemon).returncode == 0

    def _vtysh_proc(self, commands: Sequence[str], daemon: str | None,
                    timeout: float = 15.0) -> subprocess.CompletedProcess:
        argv = ["vtysh", "--vty_socket", str(self.rundir)]
        if daemon:
            argv += ["-d", daemon]
        for c in commands:
            argv += ["-c", c]
        return run(argv, check=False, timeout=timeout)

    def vtysh(self, *commands: str, daemon: str | None = None) -> str:
        """Run vtysh commands against this instance; raise PeerError on '%' errors."""
        proc = self._vtysh_proc(commands, daemon)
        out = proc.stdout
        if proc.returncode != 0 or re.search(r"^% ", out, re.M):
            raise PeerError(f"vtysh {list(commands)} failed (exit {proc.returncode}):\n"
                            f"{out}{proc.stderr}")
        return out

    def show_json(self, command: str, daemon: str | None = None) -> Any:
        """`show ... json`, parsed.  ' json' is appended if missing."""
        if not command.rstrip().endswith(" json"):
            command = command.rstrip() + " json"
        out = self.vtysh(command, daemon=daemon)
        try:
            return json.loads(out)
        except json.JSONDecodeError as exc:
            raise PeerError(f"{command!r}: not JSON ({exc}):\n{out[:2000]}") from None

    def configure(self, *lines: str, daemon: str | None = None) -> str:
        """Apply config lines as in `configure terminal`."""
        return self.vtysh("configure terminal", *lines, daemon=daemon)

    # -- common BGP queries -----------------------------------------------
    def bgp_summary(self) -> dict:
        """`show bgp summary json`: {"ipv4Unicast": {"peers": {ADDR: {"state": ...}}}, ...}."""
        return self.show_json("show bgp summary", daemon="bgpd")

    def bgp_routes(self, afi: str = "ipv4", prefix: str | None = None) -> dict:
        """`show bgp AFI unicast [PREFIX] json`.

        Without a prefix: {"routes": {PREFIX: [path, ...]}} where a path has
        "valid", "bestpath", "path" (AS path string), "nexthops".  With one:
        {"prefix": ..., "paths": [{"aspath": {"string", "segments"}, ...}]},
        or {} when FRR has no such route.
        """
        cmd = f"show bgp {afi} unicast" + (f" {prefix}" if prefix else "")
        return self.show_json(cmd, daemon="bgpd")

    def bgp_neighbor(self, address: str) -> dict:
        """`show bgp neighbors ADDR json` for one neighbour (its inner dict)."""
        data = self.show_json(f"show bgp neighbors {address}", daemon="bgpd")
        return data.get(address, data)

    def rib(self, afi: str = "ipv4") -> dict:
        """zebra's RIB: `show ip route json` / `show ipv6 route json`."""
        return self.show_json("show ipv6 route" if afi == "ipv6" else "show ip route",
                              daemon="zebra")


def _remove_frr_tmpdir(daemon: str, pid: int | None) -> None:
    """Remove /var/tmp/frr/DAEMON.PID of a process we started (only that one)."""
    if pid is None:
        return
    path = FRR_TMPBASE / f"{daemon}.{pid}"
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)


def frr_available() -> str | None:
    """None if FRR can be run here, else why not (with the fix)."""
    for daemon in ("zebra", "bgpd"):
        if not (FRR_SBIN / daemon).exists():
            return f"FRR {daemon} not installed: apt-get install frr"
    if shutil.which("vtysh") is None:
        return "FRR vtysh not installed: apt-get install frr"
    try:
        pwd.getpwnam(FRR_USER)
        grp.getgrnam(FRR_USER)
    except KeyError:
        return f"user/group {FRR_USER!r} missing (reinstall the frr package)"
    return None


# --------------------------------------------------------------------------
# BIRD 2
# --------------------------------------------------------------------------


def bird_bgp_config(asn: int, router_id: str, neighbors: Sequence[BgpNeighbor],
                    networks: Iterable[str] = (), extra: str = "") -> str:
    """bird.conf for a BGP speaker that originates `networks` (as blackholes).

    BIRD's BGP channels need explicit filters: import everything, export
    only the static routes (so a route learned from one peer is not handed
    to another and the tests stay about one session).  The device protocol
    lets BIRD see interfaces, which direct eBGP needs.  Connect timers are
    short (defaults: 5 s delay, 120 s retry, 60 s after an error) so sessions
    come up promptly whichever side starts first.  Logs go to stderr, which
    the harness captures.
    """
    check_address(router_id)
    nets = _by_afi(networks)
    lines = ["log stderr all;", f"router id {router_id};", "", "protocol device {", "}"]
    for afi in ("ipv4", "ipv6"):
        if nets[afi]:
            lines += ["", f"protocol static static_{afi} {{", f"  {afi};"]
            lines += [f"  route {p} blackhole;" for p in nets[afi]]
            lines.append("}")
    for n in neighbors:
        local = f"local {n.local_address} " if n.local_address else "local "
        lines += ["", f"protocol bgp {n.name} {{",
                  f"  {local}as {asn};",
                  f"  neighbor {n.address} as {n.remote_as};",
                  "  connect delay time 1;",
                  "  connect retry time 2;",
                  "  error wait time 1, 10;",
                  f"  {n.afi} {{ import all; export where source = RTS_STATIC; }};",
                  "}"]
    if extra:
        lines += ["", extra.rstrip("\n")]
    return "\n".join(lines) + "\n"


class BirdRouter:
    """BIRD 2 in one namespace, with its own control socket (`-s`)."""

    def __init__(self, topo: Topology, ns: Namespace, config: str, name: str = "bird"):
        self.topo, self.ns, self.name = topo, ns, name
        self.config = check_config_text(config)
        self.rundir: Path | None = None
        self.daemon: Daemon | None = None

    @property
    def socket(self) -> Path:
        return self.rundir / "bird.ctl"

    def start(self, ready_s: float = 30.0) -> "BirdRouter":
        """Start `bird -f` (foreground, so we hold its pid) and wait for birdc."""
        self.rundir = self.topo.make_dir(self.name)
        argv = ["bird", "-f", "-c", "{rundir}/bird.conf", "-s", "{rundir}/bird.ctl",
                "-P", "{rundir}/bird.pid"]
        self.daemon = self.topo.start_daemon(
            self.ns, self.name, argv, rundir=self.rundir, files={"bird.conf": self.config},
            ready=self._ready, ready_s=ready_s)
        return self

    def _ready(self) -> bool:
        if not self.socket.exists():
            return False
        try:
            return "Daemon is up and running" in self.birdc("show status")
        except PeerError:
            return False  # socket bound but not serving yet

    def birdc(self, *command: str) -> str:
        """Run one birdc command; return its output without the banner line.

        birdc exits non-zero on unknown commands or symbols; that is raised
        as PeerError with BIRD's message.
        """
        argv = ["birdc", "-s", str(self.socket), *command]
        try:
            out = run(argv, timeout=15).stdout
        except CommandError as exc:
            raise PeerError(f"birdc {' '.join(command)}: {exc.stdout.strip()} "
                            f"{exc.stderr.strip()}") from None
        lines = out.splitlines()
        if lines and lines[0].startswith("BIRD ") and lines[0].endswith("ready."):
            lines = lines[1:]
        return "\n".join(lines)

    def protocols(self) -> dict[str, dict]:
        """`show protocols`: {name: {"proto", "table", "state", "since", "info"}}."""
        return parse_bird_protocols(self.birdc("show", "protocols"))

    def protocol(self, name: str) -> dict:
        """`show protocols all NAME`, parsed (see parse_bird_protocols)."""
        parsed = parse_bird_protocols(self.birdc("show", "protocols", "all", name))
        if name not in parsed:
            raise PeerError(f"BIRD has no protocol {name!r}")
        return parsed[name]

    def routes(self, *args: str) -> dict[str, dict[str, list[dict]]]:
        """`show route [ARGS] all`, parsed (see parse_bird_routes)."""
        return parse_bird_routes(self.birdc("show", "route", *args, "all"))

    def disable(self, protocol: str) -> str:
        return self.birdc("disable", protocol)

    def enable(self, protocol: str) -> str:
        return self.birdc("enable", protocol)


def bird_available() -> str | None:
    """None if BIRD 2 can be run here, else why not (with the fix)."""
    for tool in ("bird", "birdc"):
        if shutil.which(tool) is None:
            return f"BIRD 2 ({tool}) not installed: apt-get install bird2"
    return None


# --------------------------------------------------------------------------
# birdc text parsers
# --------------------------------------------------------------------------

_PROTO_ROW = re.compile(r"^(?P<name>\S+)\s+(?P<proto>\S+)\s+(?P<table>\S+)\s+(?P<state>\S+)"
                        r"\s+(?P<since>\S+)(?:\s+(?P<info>.*?))?\s*$")
_KEY_VALUE = re.compile(r"^(?P<key>[^:]+?):\s*(?P<value>.*?)\s*$")


def parse_bird_protocols(text: str) -> dict[str, dict]:
    """Parse `show protocols [all]` into {name: details}.

    The row gives "name", "proto", "table", "state" (up/down/start),
    "since", "info" (e.g. "Established").  With `all`, each "Key: value"
    line becomes a key spelled as BIRD prints it ("BGP state", "Neighbor
    address", ...) in the nearest enclosing section; a line without a value
    ("Local capabilities") opens a nested section; "Channel ipv4" sections
    go to details["channels"]["ipv4"], where "Routes" becomes
    {"imported": n, "exported": n, "preferred": n} and the "Route change
    stats" table becomes {"Import updates": {"received": n, ...}, ...}.
    """
    result: dict[str, dict] = {}
    current: dict | None = None
    stack: list[tuple[int, dict]] = []
    for raw in text.splitlines():
        if not raw.strip() or raw.startswith("Name "):
            continue
        if not raw[0].isspace():
            m = _PROTO_ROW.match(raw)
            if not m:
                continue
            current = {k: (v or "") for k, v in m.groupdict().items()}
            result[current["name"]] = current
            stack = [(-1, current)]
            continue
        if current is None:
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        while len(stack) > 1 and stack[-1][0] >= indent:
            stack.pop()
        section = stack[-1][1]
        kv = _KEY_VALUE.match(line)
        if line.startswith("Channel "):
            chan: dict = {}
            current.setdefault("channels", {})[line.split(None, 1)[1]] = chan
            stack.append((indent, chan))
        elif kv:
            section[kv["key"]] = kv["value"]
        else:
            sub: dict = {}
            section[line] = sub
            stack.append((indent, sub))
    for proto in result.values():
        for chan in proto.get("channels", {}).values():
            _structure_channel(chan)
    return result


def _int_or_none(token: str):
    return None if token == "---" else int(token)


def _structure_channel(chan: dict) -> None:
    """Turn a channel's counters from text columns into numbers."""
    routes = chan.get("Routes")
    if isinstance(routes, str):
        chan["Routes"] = {word: int(num) for num, word in re.findall(r"(\d+) (\w+)", routes)}
    header = chan.get("Route change stats")
    if isinstance(header, str):
        columns = header.split()
        stats = {}
        for key in ("Import updates", "Import withdraws", "Export updates", "Export withdraws"):
            values = chan.pop(key, None)
            if isinstance(values, str):
                stats[key] = dict(zip(columns, map(_int_or_none, values.split())))
        chan["Route change stats"] = stats


_ROUTE_HEAD = re.compile(
    r"^(?P<prefix>\S+)?\s+(?P<type>\w+) \[(?P<protocol>\S+) (?P<since>[^\]]+)\]"
    r"(?P<primary> \*)? \((?P<preference>\d+)(?:/(?P<metric>[^)]*))?\)"
    r"(?: \[(?P<info>[^\]]*)\])?")
_VIA = re.compile(r"^via (?P<via>\S+)(?: on (?P<dev>\S+))?(?: weight (?P<weight>\d+))?")
_DEV = re.compile(r"^dev (?P<dev>\S+)")


def parse_bird_routes(text: str) -> dict[str, dict[str, list[dict]]]:
    """Parse `show route [...] [all]` into {table: {prefix: [route, ...]}}.

    A route: {"type": "unicast"|"blackhole"|..., "protocol": "frr4",
    "since": ..., "primary": bool (BIRD's '*', the best route),
    "preference": int, "metric": str|None, "info": "AS64512i"|None,
    "nexthops": [{"via": ADDR, "dev": IF}], "attributes": {"BGP.as_path":
    "64512", "BGP.next_hop": ..., "Type": ...}}.  Routes for the same prefix
    after the first (no prefix printed) are appended to the same list.
    """
    tables: dict[str, dict[str, list[dict]]] = {}
    table: dict[str, list[dict]] | None = None
    prefix: str | None = None
    route: dict | None = None
    for raw in text.splitlines():
        if not raw.strip():
            continue
        if raw.startswith("Table ") and raw.rstrip().endswith(":"):
            table = tables.setdefault(raw.split()[1].rstrip(":"), {})
            continue
        if raw.startswith("\t"):
            if route is not None:
                _add_route_detail(route, raw.strip())
            continue
        m = _ROUTE_HEAD.match(raw)
        if not m:
            continue
        if table is None:  # output without a table header
            table = tables.setdefault("", {})
        prefix = m["prefix"] or prefix
        route = {"type": m["type"], "protocol": m["protocol"], "since": m["since"],
                 "primary": bool(m["primary"]), "preference": int(m["preference"]),
                 "metric": m["metric"], "info": m["info"], "nexthops": [], "attributes": {}}
        table.setdefault(prefix, []).append(route)
    return tables


def _add_route_detail(route: dict, line: str) -> None:
    via = _VIA.match(line)
    if via:
        hop = {k: v for k, v in via.groupdict().items() if v is not None}
        route["nexthops"].append(hop)
        return
    dev = _DEV.match(line)
    if dev:
        route["nexthops"].append({"dev": dev["dev"]})
        return
    kv = _KEY_VALUE.match(line)
    if kv:
        route["attributes"][kv["key"]] = kv["value"]
