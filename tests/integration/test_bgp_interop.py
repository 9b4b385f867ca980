"""The BGP interop matrix: skygate-routed against FRR, BIRD 2 and GoBGP.

For each peer implementation two instances run, each in its own namespace
on its own link to skygate (gw, AS 64512):

  ext  an external peer (FRR 64513, BIRD 64514, GoBGP 64515) with three
       sessions: over IPv4 (the peer connects, gw is passive), over IPv6
       (gw connects, the peer is passive), and over a second IPv4 address
       pair where gw uses `local-as 65010`.  The first two carry IPv4 and
       IPv6 unicast (RFC 4760: IPv6 NLRI over the IPv4 session, IPv4 NLRI
       over the IPv6 one).
  int  an internal peer (AS 64512) with an IPv4 session (gw connects) and
       an IPv6 session (the peer connects), both families on each; gw sets
       next-hop-self toward it.

Two more peers speak two-octet AS numbers only (RFC 6793): FRR with
`dont-capability-negotiate` (AS 64523) and BIRD with `enable as4 off`
(AS 64524).  Routes carry communities (RFC 1997), extended communities (RFC
4360), large communities (RFC 8092), MED and LOCAL_PREF; four-octet AS
numbers cross the two-octet sessions as AS_TRANS plus AS4_PATH.

One topology serves the whole module (bringing up 17 sessions is the slow
part); every test leaves it as it found it.  Assertions poll both skygate's
`show ... json` and the peer's own output (vtysh json, birdc, gobgp -j).
"""

from __future__ import annotations

import json
import os
import re
import signal
from dataclasses import dataclass, field
from typing import Protocol

import pytest

from conftest import netns_unavailable, skygate_build_dir
from lib import topo as topo_lib
from lib.gobgp import GobgpRouter
from lib.jsonmatch import ABSENT, wait_for
from lib.peers import BirdRouter, FrrRouter, _remove_frr_tmpdir
from lib.skyipc import Session

pytestmark = pytest.mark.requires("frr", "bird", "gobgp")

GW_AS, LOCAL_AS = 64512, 65010
GW_NET4, GW_NET6 = "198.18.100.0/24", "2001:db8:100::/48"
#: Four-octet AS numbers (RFC 6793) put into paths by the peers.
AS4_GOBGP, AS4_FRR_OLD, AS4_BIRD_OLD = 4200000001, 4200000002, 4200000003
AS_TRANS = 23456
SESSION_S = 60
CONVERGE_S = 30
MED, INT_LOCAL_PREF = 50, 200


@dataclass
class Site:
    """Addresses, AS and prefixes of one implementation's ext and int peers."""

    kind: str
    ext_as: int
    v4: str        # first three octets of the /24 its links are cut from
    v6: str        # its links' IPv6 /64s are {v6}a::/64 (ext) and {v6}b::/64 (int)
    n: int         # its prefixes are 198.19.{n+i}.0/24 and 2001:db8:{n+i}::/48

    # Link addresses: ext link .0/28 (gw .1 and .3, peer .2 and .4), int .16/28.
    @property
    def gw_ext4(self): return f"{self.v4}.1"
    @property
    def ext4(self): return f"{self.v4}.2"
    @property
    def gw_la4(self): return f"{self.v4}.3"
    @property
    def la4(self): return f"{self.v4}.4"
    @property
    def gw_int4(self): return f"{self.v4}.17"
    @property
    def int4(self): return f"{self.v4}.18"
    @property
    def gw_ext6(self): return f"{self.v6}a::1"
    @property
    def ext6(self): return f"{self.v6}a::2"
    @property
    def gw_int6(self): return f"{self.v6}b::1"
    @property
    def int6(self): return f"{self.v6}b::2"

    def net4(self, i: int) -> str:
        return f"198.19.{self.n + i}.0/24"

    def net6(self, i: int) -> str:
        return f"2001:db8:{self.n + i}::/48"

    # The prefixes: RICH carries MED and every kind of community; WD is the
    # one withdrawn; GONE is announced only until the peer restarts; INT is
    # the internal peer's, with LOCAL_PREF 200.
    @property
    def rich4(self): return self.net4(0)
    @property
    def wd4(self): return self.net4(1)
    @property
    def gone4(self): return self.net4(2)
    @property
    def ext6_net(self): return self.net6(0)
    @property
    def wd6(self): return self.net6(1)
    @property
    def int4_net(self): return self.net4(5)
    @property
    def int6_net(self): return self.net6(5)

    @property
    def comm(self): return [f"{self.ext_as}:7", f"{self.ext_as}:8"]
    @property
    def large(self): return f"{self.ext_as}:1:2"
    @property
    def rt(self): return f"{self.ext_as}:100"


SITES = {
    "frr": Site("frr", 64513, "192.0.2", "2001:db8:1", 10),
    "bird": Site("bird", 64514, "198.51.100", "2001:db8:2", 20),
    "gobgp": Site("gobgp", 64515, "203.0.113", "2001:db8:3", 30),
}
PEERS = list(SITES)
#: The two-octet peers: on the /24 of their implementation, at .32/28.
OLD = {"frr": ("192.0.2.33", "192.0.2.34", 64523, "198.19.40.0/24", AS4_FRR_OLD),
       "bird": ("198.51.100.33", "198.51.100.34", 64524, "198.19.50.0/24", AS4_BIRD_OLD)}
#: GoBGP's ext peer originates this with a four-octet AS in its path.
AS4_NET = "198.19.38.0/24"


# ---------------------------------------------------------------------------
# Configurations
# ---------------------------------------------------------------------------

def gw_config() -> str:
    lines = ["hostname gw", f"router bgp {GW_AS}", " bgp router-id 192.0.2.1"]
    v4_af, v6_af = [f"  network {GW_NET4}"], [f"  network {GW_NET6}"]
    for s in SITES.values():
        lines += [f" neighbor {s.ext4} remote-as {s.ext_as}",
                  f" neighbor {s.ext4} passive",
                  f" neighbor {s.ext6} remote-as {s.ext_as}",
                  f" neighbor {s.la4} remote-as {s.ext_as}",
                  f" neighbor {s.la4} local-as {LOCAL_AS}",
                  f" neighbor {s.la4} update-source {s.gw_la4}",
                  f" neighbor {s.int4} remote-as internal",
                  f" neighbor {s.int6} remote-as internal",
                  f" neighbor {s.int6} passive"]
        v4_af += [f"  neighbor {s.ext6} activate", f"  neighbor {s.int6} activate",
                  f"  neighbor {s.int4} next-hop-self", f"  neighbor {s.int6} next-hop-self"]
        v6_af += [f"  neighbor {s.ext4} activate", f"  neighbor {s.int4} activate",
                  f"  neighbor {s.int4} next-hop-self", f"  neighbor {s.int6} next-hop-self"]
    for _, old_peer, old_as, _, _ in OLD.values():
        lines.append(f" neighbor {old_peer} remote-as {old_as}")
    lines += [" address-family ipv4 unicast", *v4_af, " exit-address-family",
              " address-family ipv6 unicast", *v6_af, " exit-address-family", "exit", ""]
    return "\n".join(lines)


FRR_COMMON = [" no bgp ebgp-requires-policy", " no bgp network import-check",
              " no bgp default ipv4-unicast"]


def _frr_neighbor(addr: str, remote_as: int, *extra: str) -> list[str]:
    return [f" neighbor {addr} remote-as {remote_as}", f" neighbor {addr} timers connect 1",
            f" neighbor {addr} advertisement-interval 0", *(f" neighbor {addr} {e}" for e in extra)]


def frr_ext_config(s: Site) -> str:
    lines = [f"hostname {s.kind}-ext", "route-map RICH permit 10", f" set metric {MED}",
             f" set community {' '.join(s.comm)}", f" set large-community {s.large}",
             f" set extcommunity rt {s.rt}", "exit", f"router bgp {s.ext_as}",
             f" bgp router-id {s.ext4}", *FRR_COMMON,
             *_frr_neighbor(s.gw_ext4, GW_AS),
             *_frr_neighbor(s.gw_ext6, GW_AS, "passive"),
             *_frr_neighbor(s.gw_la4, LOCAL_AS, f"update-source {s.la4}"),
             " address-family ipv4 unicast", f"  network {s.rich4} route-map RICH",
             f"  network {s.wd4}",
             *(f"  neighbor {a} activate" for a in (s.gw_ext4, s.gw_ext6, s.gw_la4)),
             " exit-address-family", " address-family ipv6 unicast",
             f"  network {s.ext6_net}", f"  network {s.wd6}",
             *(f"  neighbor {a} activate" for a in (s.gw_ext4, s.gw_ext6)),
             " exit-address-family", "exit", ""]
    return "\n".join(lines)


def frr_int_config(s: Site) -> str:
    lines = [f"hostname {s.kind}-int", "route-map LP permit 10",
             f" set local-preference {INT_LOCAL_PREF}", "exit", f"router bgp {GW_AS}",
             f" bgp router-id {s.int4}", *FRR_COMMON,
             *_frr_neighbor(s.gw_int4, GW_AS, "passive"),
             *_frr_neighbor(s.gw_int6, GW_AS),
             " address-family ipv4 unicast", f"  network {s.int4_net} route-map LP",
             *(f"  neighbor {a} activate" for a in (s.gw_int4, s.gw_int6)),
             " exit-address-family", " address-family ipv6 unicast",
             f"  network {s.int6_net} route-map LP",
             *(f"  neighbor {a} activate" for a in (s.gw_int4, s.gw_int6)),
             " exit-address-family", "exit", ""]
    return "\n".join(lines)


def frr_old_config() -> str:
    gw_addr, me, asn, net, as4 = OLD["frr"]
    lines = ["hostname frr-old", "route-map PREPEND permit 10", f" set as-path prepend {as4}", "exit",
             f"router bgp {asn}", f" bgp router-id {me}", *FRR_COMMON,
             *_frr_neighbor(gw_addr, GW_AS, "dont-capability-negotiate"),
             " address-family ipv4 unicast", f"  network {net} route-map PREPEND",
             f"  neighbor {gw_addr} activate", " exit-address-family", "exit", ""]
    return "\n".join(lines)


BIRD_TIMERS = ["  connect delay time 1;", "  connect retry time 2;", "  error wait time 1, 10;"]


def _bird_proto(name: str, local: str, neighbor: str, asn: int, channels: list[str],
                *extra: str) -> list[str]:
    return ["", f"protocol bgp {name} {{", f"  local {local} as {asn};",
            f"  neighbor {neighbor} as {GW_AS if name != 'gwla' else LOCAL_AS};",
            *BIRD_TIMERS, *(f"  {e}" for e in extra), *(f"  {c}" for c in channels), "}"]


def bird_ext_config(s: Site) -> str:
    exp = (f"export filter {{ if source != RTS_STATIC then reject; if net = {s.rich4} then {{ "
           f"bgp_med = {MED}; "
           + " ".join(f"bgp_community.add(({c.replace(':', ',')}));" for c in s.comm)
           + f" bgp_large_community.add(({s.large.replace(':', ',')})); "
           f"bgp_ext_community.add((rt, {s.rt.replace(':', ', ')})); }} accept; }};")
    v4 = f"ipv4 {{ import all; {exp} }};"
    v4_over6 = f"ipv4 {{ import all; next hop address {s.ext4}; {exp} }};"
    v6_over4 = f"ipv6 {{ import all; next hop address {s.ext6}; {exp} }};"
    v6 = f"ipv6 {{ import all; {exp} }};"
    lines = ["log stderr all;", f"router id {s.ext4};", "protocol device {", "}",
             "protocol static rich4 { ipv4; " + f"route {s.rich4} blackhole; }}",
             "protocol static wd4 { ipv4; " + f"route {s.wd4} blackhole; }}",
             "protocol static gone4 { disabled; ipv4; " + f"route {s.gone4} blackhole; }}",
             "protocol static ext6 { ipv6; " + f"route {s.ext6_net} blackhole; }}",
             "protocol static wd6 { ipv6; " + f"route {s.wd6} blackhole; }}",
             *_bird_proto("gw4", s.ext4, s.gw_ext4, s.ext_as, [v4, v6_over4], "debug { packets };"),
             *_bird_proto("gw6", s.ext6, s.gw_ext6, s.ext_as, [v4_over6, v6], "passive on;"),
             *_bird_proto("gwla", s.la4, s.gw_la4, s.ext_as, [v4])]
    return "\n".join(lines) + "\n"


def bird_int_config(s: Site) -> str:
    exp = f"export filter {{ if source != RTS_STATIC then reject; bgp_local_pref = {INT_LOCAL_PREF}; accept; }};"
    lines = ["log stderr all;", f"router id {s.int4};", "protocol device {", "}",
             "protocol static int4 { ipv4; " + f"route {s.int4_net} blackhole; }}",
             "protocol static int6 { ipv6; " + f"route {s.int6_net} blackhole; }}",
             *_bird_proto("gw4", s.int4, s.gw_int4, GW_AS, [
                 f"ipv4 {{ gateway direct; import all; {exp} }};",
                 f"ipv6 {{ gateway direct; import all; next hop address {s.int6}; {exp} }};"],
                 "passive on;", "direct;"),
             *_bird_proto("gw6", s.int6, s.gw_int6, GW_AS, [
                 f"ipv4 {{ gateway direct; import all; next hop address {s.int4}; {exp} }};",
                 f"ipv6 {{ gateway direct; import all; {exp} }};"], "direct;")]
    return "\n".join(lines) + "\n"


def bird_old_config() -> str:
    gw_addr, me, asn, net, as4 = OLD["bird"]
    lines = ["log stderr all;", f"router id {me};", "protocol device {", "}",
             "protocol static old4 { ipv4; " + f"route {net} blackhole; }}",
             *_bird_proto("gw4", me, gw_addr, asn, [
                 f"ipv4 {{ import all; export filter {{ if source != RTS_STATIC then reject; "
                 f"bgp_path.prepend({as4}); accept; }}; }};"], "enable as4 off;")]
    return "\n".join(lines) + "\n"


def gobgp_toml(asn: int, router_id: str, neighbors: list[dict]) -> str:
    """neighbors: {"address", "peer_as", "passive", "local"}; both families each."""
    lines = ["[global.config]", f"  as = {asn}", f'  router-id = "{router_id}"', ""]
    for n in neighbors:
        lines += ["[[neighbors]]", "  [neighbors.config]",
                  f'    neighbor-address = "{n["address"]}"', f"    peer-as = {n['peer_as']}",
                  "  [neighbors.timers.config]", "    connect-retry = 1",
                  "  [neighbors.transport.config]",
                  f"    passive-mode = {'true' if n.get('passive') else 'false'}"]
        if n.get("local"):
            lines.append(f'    local-address = "{n["local"]}"')
        for fam in n.get("families", ("ipv4", "ipv6")):
            lines += ["  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]",
                      f'      afi-safi-name = "{fam}-unicast"']
        lines.append("")
    return "\n".join(lines)


def gobgp_ext_toml(s: Site) -> str:
    return gobgp_toml(s.ext_as, s.ext4, [
        {"address": s.gw_ext4, "peer_as": GW_AS, "local": s.ext4},
        # GoBGP sends IPv4 NLRI over an IPv6 session with an IPv6 next hop
        # although extended next hop (RFC 8950) was not negotiated, so its
        # IPv6 sessions carry IPv6 only.
        {"address": s.gw_ext6, "peer_as": GW_AS, "local": s.ext6, "passive": True,
         "families": ("ipv6",)},
        {"address": s.gw_la4, "peer_as": LOCAL_AS, "local": s.la4, "families": ("ipv4",)}])


def gobgp_int_toml(s: Site) -> str:
    return gobgp_toml(GW_AS, s.int4, [
        {"address": s.gw_int4, "peer_as": GW_AS, "local": s.int4, "passive": True},
        {"address": s.gw_int6, "peer_as": GW_AS, "local": s.int6, "families": ("ipv6",)}])


def gobgp_ext_originate(g: GobgpRouter, s: Site) -> None:
    """What GoBGP's ext peer announces (its routes live in the daemon only)."""
    g.cli("global", "rib", "add", "-a", "ipv4", s.rich4, "origin", "igp", "med", str(MED),
          "community", ",".join(s.comm), "large-community", s.large, "rt", s.rt)
    g.cli("global", "rib", "add", "-a", "ipv4", s.wd4, "origin", "igp")
    g.cli("global", "rib", "add", "-a", "ipv6", s.ext6_net, "origin", "igp")
    g.cli("global", "rib", "add", "-a", "ipv6", s.wd6, "origin", "igp")
    g.cli("global", "rib", "add", "-a", "ipv4", AS4_NET, "origin", "igp", "aspath", str(AS4_GOBGP))


def gobgp_int_originate(g: GobgpRouter, s: Site) -> None:
    g.cli("global", "rib", "add", "-a", "ipv4", s.int4_net, "origin", "igp",
          "local-pref", str(INT_LOCAL_PREF))
    g.cli("global", "rib", "add", "-a", "ipv6", s.int6_net, "origin", "igp",
          "local-pref", str(INT_LOCAL_PREF))


# ---------------------------------------------------------------------------
# Peers behind one interface: the queries the tests need from each
# ---------------------------------------------------------------------------

class Peer(Protocol):
    """What the tests ask of one reference daemon instance.  site: its Site;
    gw addresses are as the peer knows them (gw_ext4, gw_ext6, ...)."""

    kind: str
    site: Site

    def sessions(self) -> dict[str, str]:
        """{gw address: session state in lower case ("established", ...)}."""

    def routes(self, afi: str, prefixes: list[str]) -> dict[str, list[dict]]:
        """{prefix: [{"from": gw address, "path": "64512 ...", "med": int|None,
        "local_pref": int|None, "community": str|None, "large": str|None,
        "ext": str|None, "next_hop": str, "valid": bool}]} from the peer's own
        table, for those of prefixes it has (FRR's community spelling)."""

    def remote_as(self, gw_addr: str) -> int:
        """The AS the peer sees gw as on that session."""

    def set_withdrawn(self, withdrawn: bool) -> None:
        """Withdraw (or announce again) the ext peer's wd4 and wd6."""

    def announce_gone(self) -> None:
        """Announce gone4, which the peer's configuration does not hold."""

    def kill_and_restart(self) -> None:
        """SIGKILL the BGP daemon by pid, start it again from its configuration."""

    def soft_out(self, gw_addr: str) -> None:
        """Resend everything to gw on that session (a soft outbound reset)."""

    def refreshes_received(self, gw_addr: str) -> int:
        """ROUTE-REFRESH messages received from gw on that session."""


def _kill(daemon: topo_lib.Daemon) -> int:
    pid = daemon.pid
    os.kill(pid, signal.SIGKILL)
    daemon.proc.wait(timeout=10)
    return pid


class FrrPeer:
    kind = "frr"

    def __init__(self, router: FrrRouter, site: Site, asn: int):
        self.r, self.site, self.asn = router, site, asn

    def sessions(self):
        out = {}
        for fam in ("ipv4Unicast", "ipv6Unicast"):
            for addr, p in self.r.bgp_summary().get(fam, {}).get("peers", {}).items():
                out[addr] = p["state"].lower()
        return out

    def routes(self, afi, prefixes):
        table = {}
        for prefix in prefixes:
            detail = self.r.bgp_routes(afi, prefix)
            if not detail.get("paths"):
                continue
            table[prefix] = [{
                "from": p.get("peer", {}).get("peerId"),
                "path": p.get("aspath", {}).get("string"),
                "med": p.get("metric"), "local_pref": p.get("locPrf"),
                "community": p.get("community", {}).get("string"),
                "large": p.get("largeCommunity", {}).get("string"),
                "ext": p.get("extendedCommunity", {}).get("string"),
                "next_hop": (p.get("nexthops") or [{}])[0].get("ip"),
                "valid": bool(p.get("valid"))} for p in detail["paths"]]
        return table

    def remote_as(self, gw_addr):
        return self.r.bgp_neighbor(gw_addr)["remoteAs"]

    def set_withdrawn(self, withdrawn):
        no = "no " if withdrawn else ""
        s = self.site
        self.r.configure(f"router bgp {self.asn}", "address-family ipv4 unicast", f"{no}network {s.wd4}",
                         "exit-address-family", "address-family ipv6 unicast", f"{no}network {s.wd6}",
                         daemon="bgpd")

    def announce_gone(self):
        self.r.configure(f"router bgp {self.asn}", "address-family ipv4 unicast",
                         f"network {self.site.gone4}", daemon="bgpd")

    def kill_and_restart(self):
        bgpd = self.r.daemons["bgpd"]
        _remove_frr_tmpdir("bgpd", _kill(bgpd))
        bgpd.start()
        bgpd.wait_ready(lambda: self.r._vty_answers("bgpd"), 30, "bgpd answering after restart")

    def soft_out(self, gw_addr):
        self.r.vtysh(f"clear bgp {gw_addr} soft out", daemon="bgpd")

    def refreshes_received(self, gw_addr):
        return self.r.bgp_neighbor(gw_addr)["messageStats"]["routeRefreshRecv"]


class BirdPeer:
    kind = "bird"

    def __init__(self, router: BirdRouter, site: Site, names: dict[str, str]):
        self.r, self.site = router, site
        self.names = names  # protocol name -> gw address
        self.protos = {a: n for n, a in names.items()}

    def sessions(self):
        return {addr: self.r.protocol(name).get("BGP state", "").lower()
                for name, addr in self.names.items()}

    def routes(self, afi, prefixes):
        table = self.r.routes().get("master6" if afi == "ipv6" else "master4", {})
        out = {}
        for prefix, entries in table.items():
            if prefix not in prefixes:
                continue
            rows = []
            for e in entries:
                if e["protocol"] not in self.names:
                    continue
                a = e["attributes"]
                rows.append({
                    "from": self.names[e["protocol"]],
                    "path": a.get("BGP.as_path"),
                    "med": int(a["BGP.med"]) if "BGP.med" in a else None,
                    "local_pref": int(a["BGP.local_pref"]) if "BGP.local_pref" in a else None,
                    "community": _bird_list(a.get("BGP.community")),
                    "large": _bird_list(a.get("BGP.large_community")),
                    "ext": _bird_list(a.get("BGP.ext_community")),
                    "next_hop": (a.get("BGP.next_hop") or "").split(" ")[0] or None,
                    "valid": e["type"] == "unicast"})
            if rows:
                out[prefix] = rows
        return out

    def remote_as(self, gw_addr):
        return int(self.r.protocol(self.protos[gw_addr])["Neighbor AS"])

    def set_withdrawn(self, withdrawn):
        for proto in ("wd4", "wd6"):
            self.r.disable(proto) if withdrawn else self.r.enable(proto)

    def announce_gone(self):
        self.r.enable("gone4")

    def kill_and_restart(self):
        _kill(self.r.daemon)
        self.r.daemon.start()
        self.r.daemon.wait_ready(self.r._ready, 30, "BIRD answering after restart")

    def soft_out(self, gw_addr):
        self.r.birdc("reload", "out", self.protos[gw_addr])

    def refreshes_received(self, gw_addr):
        # BIRD counts no messages; with `debug { packets; }` it logs each.
        text = self.r.daemon.stderr_path.read_text(errors="replace")
        return len(re.findall(rf"{self.protos[gw_addr]}: Got ROUTE-REFRESH", text))


def _bird_list(text: str | None) -> str | None:
    """BIRD's "(64514,7) (64514,8)" / "(64514, 1, 2)" / "(rt, 64514, 100)" in
    FRR's spelling: "64514:7 64514:8", "64514:1:2", "RT:64514:100"."""
    if text is None:
        return None
    items = []
    for inner in re.findall(r"\(([^)]*)\)", text):
        parts = [p.strip() for p in inner.split(",")]
        if parts[0] == "rt":
            parts[0] = "RT"
        items.append(":".join(parts))
    return " ".join(items)


class GobgpPeer:
    kind = "gobgp"

    def __init__(self, router: GobgpRouter, site: Site, originate):
        self.r, self.site, self.originate = router, site, originate

    def sessions(self):
        return {a: n["state"] for a, n in self.r.neighbors().items()}

    def neighbor(self, addr: str) -> dict:
        return json.loads(self.r.cli("neighbor", addr, "-j"))

    def routes(self, afi, prefixes):
        data = json.loads(self.r.cli("global", "rib", "-a", afi, "-j") or "{}")
        out = {}
        for prefix, paths in data.items():
            if prefix not in prefixes:
                continue
            rows = []
            for p in paths:
                row = {"from": p.get("neighbor-ip"), "path": None, "med": None, "local_pref": None,
                       "community": None, "large": None, "ext": None, "next_hop": None,
                       "valid": True}
                for attr in p.get("attrs", []):
                    t = attr.get("type")
                    if t == 2:
                        row["path"] = " ".join(str(a) for seg in attr.get("as_paths", [])
                                               for a in seg.get("asns", []))
                    elif t in (3, 14):
                        row["next_hop"] = attr.get("nexthop")
                    elif t == 4:
                        row["med"] = attr.get("metric")
                    elif t == 5:
                        row["local_pref"] = attr.get("value")
                    elif t == 8:
                        row["community"] = " ".join(f"{c >> 16}:{c & 0xffff}" for c in attr.get("communities", []))
                    elif t == 16:
                        row["ext"] = " ".join(("RT:" if (v.get("type"), v.get("subtype")) == (0, 2) else
                                               f"{v.get('type')}/{v.get('subtype')}:") + str(v.get("value"))
                                              for v in attr.get("value", []))
                    elif t == 32:
                        row["large"] = " ".join(f"{v['ASN']}:{v['LocalData1']}:{v['LocalData2']}"
                                                for v in attr.get("value", []))
                rows.append(row)
            out[prefix] = rows
        return out

    def remote_as(self, gw_addr):
        return self.r.neighbors()[gw_addr]["peer_as"]

    def set_withdrawn(self, withdrawn):
        s = self.site
        for afi, prefix in (("ipv4", s.wd4), ("ipv6", s.wd6)):
            if withdrawn:
                self.r.cli("global", "rib", "del", "-a", afi, prefix)
            else:
                self.r.cli("global", "rib", "add", "-a", afi, prefix, "origin", "igp")

    def announce_gone(self):
        self.r.cli("global", "rib", "add", "-a", "ipv4", self.site.gone4, "origin", "igp")

    def kill_and_restart(self):
        _kill(self.r.daemon)
        self.r.daemon.start()
        self.r.daemon.wait_ready(self.r._ready, 30, "gobgpd answering after restart")
        # GoBGP's routes live in the daemon: what it announces after a
        # restart is what it is given again.
        self.originate(self.r, self.site)

    def soft_out(self, gw_addr):
        self.r.cli("neighbor", gw_addr, "softresetout")

    def refreshes_received(self, gw_addr):
        return self.neighbor(gw_addr)["state"]["messages"]["received"].get("refresh", 0)


# ---------------------------------------------------------------------------
# The topology
# ---------------------------------------------------------------------------

@dataclass
class Matrix:
    gw: Session
    gw_ns: topo_lib.Namespace
    topo: topo_lib.Topology
    ext: dict[str, Peer] = field(default_factory=dict)
    ibgp: dict[str, Peer] = field(default_factory=dict)
    old: dict[str, Peer] = field(default_factory=dict)

    def show(self, command: str):
        reply = self.gw.run(command + " json")
        assert reply.ok, reply
        return json.loads(reply.output)

    def configure(self, *lines: str) -> None:
        for line in ("configure terminal", f"router bgp {GW_AS}", *lines, "end"):
            reply = self.gw.run(line)
            assert reply.ok, (line, reply)

    def routes(self, afi: str = "ipv4") -> dict:
        return self.show(f"show bgp {afi} unicast")["routes"]

    def neighbor(self, addr: str) -> dict:
        return self.show(f"show bgp neighbors {addr}")[addr]


def _start_frr(topology, ns, name, config, site, asn) -> FrrPeer:
    return FrrPeer(FrrRouter(topology, ns, {"bgpd": config}, name=name).start(), site, asn)


def _start_bird(topology, ns, name, config, site, names) -> BirdPeer:
    return BirdPeer(BirdRouter(topology, ns, config, name=name).start(), site, names)


def _start_gobgp(topology, ns, name, config, site, originate) -> GobgpPeer:
    peer = GobgpPeer(GobgpRouter(topology, ns, config, name=name).start(), site, originate)
    originate(peer.r, site)
    return peer


@pytest.fixture(scope="module")
def mx():
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    topology = topo_lib.Topology(name="bgp-interop")
    try:
        gw = topology.add_namespace("gw")
        gw.enable_forwarding()
        nss = {}
        for kind, s in SITES.items():
            ext_ns, int_ns = topology.add_namespace(f"{kind}x"), topology.add_namespace(f"{kind}i")
            topology.add_link(gw, ext_ns, [f"{s.gw_ext4}/28", f"{s.gw_la4}/28", f"{s.gw_ext6}/64"],
                              [f"{s.ext4}/28", f"{s.la4}/28", f"{s.ext6}/64"])
            topology.add_link(gw, int_ns, [f"{s.gw_int4}/28", f"{s.gw_int6}/64"],
                              [f"{s.int4}/28", f"{s.int6}/64"])
            nss[kind] = (ext_ns, int_ns)
        for kind, (gw_addr, me, *_rest) in OLD.items():
            ns = topology.add_namespace(f"{kind}o")
            topology.add_link(gw, ns, [f"{gw_addr}/28"], [f"{me}/28"])
            nss[f"{kind}-old"] = (ns,)
        m = Matrix(None, gw, topology)
        # Peers first: the sessions gw opens find them listening at once.
        for kind, s in SITES.items():
            ext_ns, int_ns = nss[kind]
            if kind == "frr":
                m.ext[kind] = _start_frr(topology, ext_ns, "frr-ext", frr_ext_config(s), s, s.ext_as)
                m.ibgp[kind] = _start_frr(topology, int_ns, "frr-int", frr_int_config(s), s, GW_AS)
            elif kind == "bird":
                m.ext[kind] = _start_bird(topology, ext_ns, "bird-ext", bird_ext_config(s), s,
                                          {"gw4": s.gw_ext4, "gw6": s.gw_ext6, "gwla": s.gw_la4})
                m.ibgp[kind] = _start_bird(topology, int_ns, "bird-int", bird_int_config(s), s,
                                          {"gw4": s.gw_int4, "gw6": s.gw_int6})
            else:
                m.ext[kind] = _start_gobgp(topology, ext_ns, "gobgp-ext", gobgp_ext_toml(s), s,
                                           gobgp_ext_originate)
                m.ibgp[kind] = _start_gobgp(topology, int_ns, "gobgp-int", gobgp_int_toml(s), s,
                                           gobgp_int_originate)
        m.old["frr"] = _start_frr(topology, nss["frr-old"][0], "frr-old", frr_old_config(),
                                  SITES["frr"], OLD["frr"][2])
        m.old["bird"] = _start_bird(topology, nss["bird-old"][0], "bird-old", bird_old_config(),
                                    SITES["bird"], {"gw4": OLD["bird"][0]})
        rundir = topology.make_dir("gw")
        (rundir / "routed.conf").write_text(topo_lib.check_config_text(gw_config()))
        routed = str(skygate_build_dir() / "routed" / "skygate-routed")
        topology.start_daemon(gw, "routed", [routed, "--rundir", "{rundir}", "-f", "{rundir}/routed.conf"],
                              rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
        m.gw = Session(str(rundir / "routed.sock"))
        topology.add_cleanup("close CLI session", m.gw.close)
        yield m
    finally:
        topology.teardown()
    reports = [f"{d.name}: {d.sanitizer_report}" for d in topology.daemons if d.sanitizer_report]
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def peer_addrs(s: Site) -> dict[str, str]:
    """gw's neighbours for one site: {role: address}."""
    return {"ext4": s.ext4, "ext6": s.ext6, "la4": s.la4, "int4": s.int4, "int6": s.int6}


def wait_all_up(mx: Matrix, kind: str) -> None:
    s = SITES[kind]
    wait_for(lambda: mx.show("show bgp neighbors"),
             {a: {"bgpState": "Established"} for a in peer_addrs(s).values()}, SESSION_S,
             what=f"gw's sessions to the {kind} peers Established")


def gw_initiated(mx: Matrix, local: str, remote: str) -> bool | None:
    """From gw's sockets: True if gw opened the session to remote (its
    source port is not 179), False if the peer did, None if none is up."""
    out = mx.gw_ns.run(["ss", "-Htn", "state", "established"]).stdout
    for line in out.splitlines():
        cols = line.split()
        if len(cols) < 4:
            continue
        lhost, lport = cols[-2].rsplit(":", 1)
        rhost, rport = cols[-1].rsplit(":", 1)
        # A dual-stack listener shows IPv4 peers as IPv4-mapped addresses.
        lhost, rhost = (h.strip("[]").removeprefix("::ffff:") for h in (lhost, rhost))
        if lhost == local and rhost == remote and "179" in (lport, rport):
            return lport != "179"
    return None


# ---------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("kind", PEERS)
def test_sessions_in_both_directions(mx, kind):
    """Every session comes up; the side configured passive waits, so both
    directions of the OPEN exchange happen, for eBGP and iBGP alike."""
    s = SITES[kind]
    wait_all_up(mx, kind)
    wait_for(mx.ext[kind].sessions, {s.gw_ext4: "established", s.gw_ext6: "established",
                                     s.gw_la4: "established"}, SESSION_S,
             what=f"{kind} ext sees its three sessions up")
    wait_for(mx.ibgp[kind].sessions, {s.gw_int4: "established", s.gw_int6: "established"},
             SESSION_S, what=f"{kind} int sees its two sessions up")
    # gw is passive toward ext4 and int6, the peer toward ext6 and int4.
    expected = {(s.gw_ext4, s.ext4): False, (s.gw_ext6, s.ext6): True,
                (s.gw_int4, s.int4): True, (s.gw_int6, s.int6): False}
    got = {k: gw_initiated(mx, *k) for k in expected}
    assert got == expected, f"who opened each TCP connection (True: gw): {got}"
    nbrs = mx.show("show bgp neighbors")
    for addr in (s.ext4, s.ext6, s.int4, s.int6):
        assert nbrs[addr]["neighborCapabilities"]["4byteAs"] == "advertisedAndReceived", addr
    assert nbrs[s.int4]["nbrInternalLink"] is True
    assert nbrs[s.ext4]["nbrInternalLink"] is False


def _others(kind: str) -> list[str]:
    return [k for k in PEERS if k != kind]


def _carries_ipv4_over_ipv6(kind: str) -> bool:
    """GoBGP's IPv6 sessions carry IPv6 only (see gobgp_ext_toml)."""
    return kind != "gobgp"


@pytest.mark.parametrize("kind", PEERS)
def test_both_families_over_both_transports(mx, kind):
    """RFC 4760: IPv6 NLRI over the IPv4 session and IPv4 NLRI over the IPv6
    one, each way, with a next hop of the NLRI's own family."""
    s = SITES[kind]
    wait_all_up(mx, kind)
    v4_count = 3 if kind == "gobgp" else 2  # GoBGP also originates AS4_NET
    expect = {"ipv4Unicast": {"peers": {s.ext4: {"pfxRcd": v4_count}}},
              "ipv6Unicast": {"peers": {s.ext4: {"pfxRcd": 2}, s.ext6: {"pfxRcd": 2},
                                        s.int4: {"pfxRcd": 1}, s.int6: {"pfxRcd": 1}}}}
    if _carries_ipv4_over_ipv6(kind):
        expect["ipv4Unicast"]["peers"].update({s.ext6: {"pfxRcd": 2}, s.int6: {"pfxRcd": 1}})
    wait_for(lambda: mx.show("show bgp summary"), expect, CONVERGE_S,
             what=f"gw counts {kind}'s prefixes per family and session")
    # The peer's IPv6 prefix, learned over its IPv4 session, next hop IPv6.
    wait_for(lambda: mx.routes("ipv6"), {s.ext6_net: [
        {"peerId": s.ext4, "path": str(s.ext_as), "nexthops": [{"afi": "ipv6"}]},
        {"peerId": s.ext6, "path": str(s.ext_as)}]}, CONVERGE_S,
        what="gw has the IPv6 prefix from both sessions")
    if _carries_ipv4_over_ipv6(kind):
        wait_for(lambda: mx.routes("ipv4"), {s.rich4: [
            {"peerId": s.ext6, "path": str(s.ext_as), "nexthops": [{"ip": s.ext4}]},
            {"peerId": s.ext4}]}, CONVERGE_S, what="gw has the IPv4 prefix from both sessions")
    # The peer gets gw's networks over both sessions, next hops of the
    # NLRI's family (gw's interface addresses, never IPv4-mapped).
    ext = mx.ext[kind]
    wait_for(lambda: ext.routes("ipv6", [GW_NET6]), {GW_NET6: [
        {"from": s.gw_ext4, "path": str(GW_AS), "next_hop": s.gw_ext6, "valid": True},
        {"from": s.gw_ext6, "path": str(GW_AS), "next_hop": s.gw_ext6, "valid": True}]},
        CONVERGE_S, what=f"{kind} has gw's IPv6 network over both sessions")
    want4 = [{"from": s.gw_ext4, "path": str(GW_AS), "next_hop": s.gw_ext4, "valid": True}]
    if _carries_ipv4_over_ipv6(kind):
        want4.append({"from": s.gw_ext6, "path": str(GW_AS), "next_hop": s.gw_ext4, "valid": True})
    wait_for(lambda: ext.routes("ipv4", [GW_NET4]), {GW_NET4: want4}, CONVERGE_S,
             what=f"{kind} has gw's IPv4 network over both sessions")
    # The internal peer too, with next-hop-self, on both of its sessions.
    intp = mx.ibgp[kind]
    want6 = [{"from": s.gw_int4, "next_hop": s.gw_int6, "valid": True},
             {"from": s.gw_int6, "next_hop": s.gw_int6, "valid": True}]
    wait_for(lambda: intp.routes("ipv6", [GW_NET6]), {GW_NET6: want6}, CONVERGE_S,
             what=f"{kind} internal peer has gw's IPv6 network over both sessions")


@pytest.mark.parametrize("kind", PEERS)
def test_communities_and_med_cross_skygate(mx, kind):
    """The ext peer's route with MED, communities (RFC 1997), an extended
    community (RFC 4360) and a large community (RFC 8092): the communities
    reach every other peer intact; the MED reaches internal peers only
    (RFC 4271 section 5.1.4), with LOCAL_PREF 100 added for them."""
    s = SITES[kind]
    comm = " ".join(s.comm)
    wait_for(lambda: mx.routes("ipv4"), {s.rich4: [{
        "peerId": s.ext4, "pathFrom": "external", "path": str(s.ext_as), "metric": MED,
        "community": comm, "largeCommunity": s.large, "locPrf": ABSENT}]}, CONVERGE_S,
        what=f"gw has {kind}'s route with its attributes")
    for other in _others(kind):
        o = SITES[other]
        wait_for(lambda: mx.ext[other].routes("ipv4", [s.rich4]), {s.rich4: [{
            "from": o.gw_ext4, "path": f"{GW_AS} {s.ext_as}", "community": comm, "large": s.large,
            "ext": f"RT:{s.rt}", "med": None}]}, CONVERGE_S,
            what=f"{other} ext peer got {kind}'s communities and no MED")
    for other in PEERS:
        o = SITES[other]
        wait_for(lambda: mx.ibgp[other].routes("ipv4", [s.rich4]), {s.rich4: [{
            "from": o.gw_int4, "path": str(s.ext_as), "community": comm, "large": s.large,
            "ext": f"RT:{s.rt}", "med": MED, "local_pref": 100}]}, CONVERGE_S,
            what=f"{other} int peer got {kind}'s route with MED and LOCAL_PREF 100")


@pytest.mark.parametrize("kind", PEERS)
def test_local_pref_stays_internal(mx, kind):
    """LOCAL_PREF 200 from an internal peer decides inside the AS and is not
    sent to external peers (RFC 4271 section 5.1.5); the route is not
    passed to other internal peers (no reflection, section 9.2.1)."""
    s = SITES[kind]
    wait_for(lambda: mx.routes("ipv4"), {s.int4_net: [{
        "peerId": s.int4, "pathFrom": "internal", "path": "", "locPrf": INT_LOCAL_PREF}]},
        CONVERGE_S, what=f"gw has {kind}'s internal route with LOCAL_PREF 200")
    wait_for(lambda: mx.routes("ipv6"), {s.int6_net: [{
        "pathFrom": "internal", "locPrf": INT_LOCAL_PREF}]}, CONVERGE_S,
        what=f"gw has {kind}'s internal IPv6 route with LOCAL_PREF 200")
    for other in PEERS:
        o = SITES[other]
        # BIRD and GoBGP fill in their own default 100 for eBGP routes.
        wait_for(lambda: mx.ext[other].routes("ipv4", [s.int4_net]), {s.int4_net: [{
            "from": o.gw_ext4, "path": str(GW_AS),
            "local_pref": (lambda v: v is None) if other == "frr" else (lambda v: v != INT_LOCAL_PREF)}]},
            CONVERGE_S, what=f"{other} ext peer got {kind}'s internal route without its LOCAL_PREF")
    for other in _others(kind):
        assert s.int4_net not in mx.ibgp[other].routes("ipv4", [s.int4_net]), \
            f"{kind}'s internal route reflected to the {other} internal peer"


@pytest.mark.parametrize("kind", PEERS)
def test_withdrawals_both_ways(mx, kind):
    """The peer withdraws an IPv4 and an IPv6 prefix (the IPv6 one over the
    IPv4 session in MP_UNREACH_NLRI): gone at gw and at every other peer;
    gw withdraws a network: gone at the peer on every session."""
    s = SITES[kind]
    everywhere = lambda: {**mx.routes("ipv4"), **mx.routes("ipv6")}  # noqa: E731
    wait_for(everywhere, {s.wd4: [{"path": str(s.ext_as)}], s.wd6: [{"path": str(s.ext_as)}]},
             CONVERGE_S, what=f"gw has {kind}'s two prefixes")
    mx.ext[kind].set_withdrawn(True)
    try:
        wait_for(everywhere, {s.wd4: ABSENT, s.wd6: ABSENT}, CONVERGE_S, what="gw dropped them")
        for other in _others(kind):
            wait_for(lambda: mx.ext[other].routes("ipv4", [s.wd4]), {s.wd4: ABSENT}, CONVERGE_S,
                     what=f"{other} ext peer dropped the IPv4 prefix")
            wait_for(lambda: mx.ext[other].routes("ipv6", [s.wd6]), {s.wd6: ABSENT}, CONVERGE_S,
                     what=f"{other} ext peer dropped the IPv6 prefix")
            wait_for(lambda: mx.ibgp[other].routes("ipv6", [s.wd6]), {s.wd6: ABSENT}, CONVERGE_S,
                     what=f"{other} int peer dropped the IPv6 prefix")
    finally:
        mx.ext[kind].set_withdrawn(False)
    wait_for(everywhere, {s.wd4: [{"path": str(s.ext_as)}], s.wd6: [{"path": str(s.ext_as)}]},
             CONVERGE_S, what="announced again")
    extra4, extra6 = f"198.18.{110 + PEERS.index(kind)}.0/24", f"2001:db8:{110 + PEERS.index(kind)}::/48"
    mx.configure("address-family ipv4 unicast", f"network {extra4}", "exit-address-family",
                 "address-family ipv6 unicast", f"network {extra6}")
    ext = mx.ext[kind]
    wait_for(lambda: ext.routes("ipv6", [extra6]), {extra6: [{"from": s.gw_ext4}, {"from": s.gw_ext6}]},
             CONVERGE_S, what=f"{kind} got gw's new IPv6 network on both sessions")
    mx.configure("address-family ipv4 unicast", f"no network {extra4}", "exit-address-family",
                 "address-family ipv6 unicast", f"no network {extra6}")
    wait_for(lambda: ext.routes("ipv6", [extra6]), {extra6: ABSENT}, CONVERGE_S,
             what=f"{kind} dropped gw's withdrawn IPv6 network")
    wait_for(lambda: ext.routes("ipv4", [extra4]), {extra4: ABSENT}, CONVERGE_S,
             what=f"{kind} dropped gw's withdrawn IPv4 network")


@pytest.mark.parametrize("kind", PEERS)
def test_route_refresh_both_ways(mx, kind):
    """`clear bgp X soft in` sends ROUTE-REFRESH (RFC 2918) and the peer
    resends its routes; a soft outbound reset on the peer resends too."""
    s = SITES[kind]
    wait_all_up(mx, kind)
    ext = mx.ext[kind]
    updates = lambda: mx.neighbor(s.ext4)["messageStats"]["updatesRecv"]  # noqa: E731
    refreshes_before = ext.refreshes_received(s.gw_ext4)
    before = updates()
    reply = mx.gw.run(f"clear bgp {s.ext4} soft in")
    assert reply.ok, reply
    wait_for(lambda: mx.neighbor(s.ext4), {"messageStats": {"routeRefreshSent": lambda n: n >= 1}},
             CONVERGE_S, what="gw sent ROUTE-REFRESH")
    wait_for(lambda: ext.refreshes_received(s.gw_ext4), lambda n: n > refreshes_before, CONVERGE_S,
             what=f"{kind} received the ROUTE-REFRESH")
    wait_for(updates, lambda n: n > before, CONVERGE_S, what=f"{kind} resent its routes")
    before = updates()
    ext.soft_out(s.gw_ext4)
    wait_for(updates, lambda n: n > before, CONVERGE_S, what=f"{kind} resent after its soft out")
    wait_for(lambda: mx.routes("ipv4"), {s.rich4: [{"peerId": s.ext4, "community": " ".join(s.comm)}]},
             CONVERGE_S, what="routes intact after the refreshes")


@pytest.mark.parametrize("kind", PEERS)
def test_peer_restart(mx, kind):
    """The peer dies (SIGKILL) and starts again from its configuration: the
    sessions come back, its routes are learned again, and a route it had
    announced only before the restart is gone everywhere."""
    s = SITES[kind]
    wait_all_up(mx, kind)
    ext = mx.ext[kind]
    ext.announce_gone()
    wait_for(lambda: mx.routes("ipv4"), {s.gone4: [{"peerId": s.ext4}]}, CONVERGE_S,
             what=f"gw has {kind}'s extra route")
    dropped = mx.neighbor(s.ext4)["connectionsDropped"]
    ext.kill_and_restart()
    wait_for(lambda: mx.neighbor(s.ext4), {"connectionsDropped": lambda n: n > dropped}, CONVERGE_S,
             what="gw saw the session drop")
    wait_all_up(mx, kind)
    wait_for(ext.sessions, {s.gw_ext4: "established", s.gw_ext6: "established",
                            s.gw_la4: "established"}, SESSION_S, what=f"{kind} sessions back")
    wait_for(lambda: mx.routes("ipv4"), {
        s.rich4: [{"peerId": s.ext4, "community": " ".join(s.comm), "metric": MED}],
        s.gone4: ABSENT}, CONVERGE_S, what="routes relearned, the extra one gone")
    wait_for(lambda: mx.routes("ipv6"), {s.ext6_net: [{"peerId": s.ext4}, {"peerId": s.ext6}]},
             CONVERGE_S, what="IPv6 routes relearned on both sessions")
    for other in _others(kind):
        wait_for(lambda: mx.ext[other].routes("ipv4", [s.gone4, s.rich4]), {
            s.gone4: ABSENT, s.rich4: [{"path": f"{GW_AS} {s.ext_as}"}]}, CONVERGE_S,
            what=f"{other} has the relearned route and not the gone one")
    wait_for(lambda: ext.routes("ipv4", [GW_NET4]), {GW_NET4: [{"from": s.gw_ext4}]}, CONVERGE_S,
             what=f"{kind} relearned gw's network")


@pytest.mark.parametrize("kind", PEERS)
def test_local_as(mx, kind):
    """`neighbor X local-as 65010`: the peer, configured for AS 65010, gets
    an OPEN from 65010 and paths that start 65010 64512."""
    s = SITES[kind]
    wait_for(lambda: mx.neighbor(s.la4), {"bgpState": "Established", "localAs": LOCAL_AS,
                                          "remoteAs": s.ext_as}, SESSION_S,
             what="local-as session up on gw")
    ext = mx.ext[kind]
    assert ext.remote_as(s.gw_la4) == LOCAL_AS
    b = SITES["bird" if kind != "bird" else "frr"]
    wait_for(lambda: ext.routes("ipv4", [GW_NET4, b.rich4]), {
        GW_NET4: [{"from": s.gw_la4, "path": f"{LOCAL_AS} {GW_AS}", "next_hop": s.gw_la4}],
        b.rich4: [{"from": s.gw_la4, "path": f"{LOCAL_AS} {GW_AS} {b.ext_as}",
                   "community": " ".join(b.comm)}]}, CONVERGE_S,
        what=f"{kind} sees paths through the local AS")
    wait_for(lambda: mx.show("show bgp summary"), {"ipv4Unicast": {"peers": {s.la4: {
        "pfxRcd": 3 if kind == "gobgp" else 2}}}}, CONVERGE_S, what="gw learned over the local-as session")


@pytest.mark.parametrize("old", list(OLD))
def test_two_octet_peer(mx, old):
    """RFC 6793: a peer without the four-octet AS capability gets AS_TRANS
    in AS_PATH and the real path in AS4_PATH, which it merges back; what it
    sends with AS4_PATH is merged by gw and passed on as four-octet ASes."""
    gw_addr, me, asn, net, as4 = OLD[old]
    peer = mx.old[old]
    wait_for(lambda: mx.neighbor(me), {"bgpState": "Established", "neighborCapabilities": {
        "4byteAs": "advertised"}}, SESSION_S, what=f"two-octet {old} session up")
    wait_for(peer.sessions, {gw_addr: "established"}, SESSION_S, what=f"{old} sees the session")
    # Four-octet ASes in, through gw, to the two-octet peer: AS_PATH holds
    # AS_TRANS where a four-octet AS was (RFC 6793 section 4.2.2).  BIRD
    # merges AS4_PATH back (section 4.2.3) and shows the real path; FRR
    # with dont-capability-negotiate does not merge and shows AS_PATH as it
    # came.
    seen = f"{GW_AS} {SITES['gobgp'].ext_as} " + (str(AS4_GOBGP) if old == "bird" else str(AS_TRANS))
    wait_for(lambda: peer.routes("ipv4", [AS4_NET]), {AS4_NET: [{"path": seen}]}, CONVERGE_S,
             what=f"{old} got the four-octet path over a two-octet session")
    # And back out of it.
    wait_for(lambda: mx.routes("ipv4"), {net: [{"peerId": me, "path": f"{asn} {as4}"}]}, CONVERGE_S,
             what=f"gw merged {old}'s AS4_PATH")
    for kind in PEERS:
        wait_for(lambda: mx.ext[kind].routes("ipv4", [net]), {net: [{
            "from": SITES[kind].gw_ext4, "path": f"{GW_AS} {asn} {as4}"}]}, CONVERGE_S,
            what=f"{kind} got the four-octet path from the two-octet peer")
