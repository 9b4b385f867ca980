#!/usr/bin/python3
"""bench/bgp-ingest: how fast skygate-routed, BIRD 2 and FRR take in a large
table, measured side by side in one run and reported as ratios.

Each run builds a fresh topology of network namespaces, starts one receiver
(skygate-routed, BIRD or FRR bgpd+zebra) and bench/bgp_feeder, which feeds
the same deterministic table to every receiver.  Two scenarios:

  ingest   feeder -> receiver: from the feeder's first UPDATE until the
           receiver's Loc-RIB holds every prefix.
  fanout   feeder -> receiver -> N eBGP sinks (bgp_feeder --sink): from the
           feeder's first UPDATE until every sink holds every prefix.

    feed ns                  rcv ns                      sink ns (fanout)
    feeder AS 64512 ------- receiver AS 64513 ---------- sinks AS 64514..
    192.0.2.1/24            192.0.2.2/24 | 198.51.100.1   198.51.100.11..
    2001:db8:0:1::1/64      2001:db8:0:1::2 | 2001:db8:0:2::1   2001:db8:0:2::11..

Kernel installation (--fib):

  on   (default) every receiver installs its best routes into the kernel of
       its namespace: skygate-routed through its FIB, BIRD through a kernel
       protocol, FRR through zebra.  The ingest time runs until the kernel
       holds every route as well.
  off  skygate-routed runs with --no-fib, BIRD without a kernel protocol and
       FRR's bgpd with --no_kernel; a skygate-routed build from before
       --no-fib installs anyway, and the report says so next to its numbers.

The receiver's kernel route count is read from /proc (rt6_stats, or
fib_triestat for IPv4), which costs no route dump.

Run as root with Debian's python3; see bench/README-bgp-ingest.md.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from lib import topo as topo_lib  # noqa: E402
from lib.peers import (BirdRouter, FrrRouter, PeerError, bird_available,  # noqa: E402
                       frr_available, parse_bird_protocols)
from lib.skyipc import Session  # noqa: E402
from benchlib import BenchError, first_line, interrupt_on_signals, say, signals_held  # noqa: E402

RECEIVERS = ("skygate", "bird", "frr", "skygate-policy", "bird-policy", "skygate-soft-in",
             "skygate-soft-in-only")
SCENARIOS = ("ingest", "fanout")
FEEDER_AS, RECEIVER_AS, SINK_AS0 = 64512, 64513, 64514
MAX_SINKS = 8  # 64514..64519: the ASes the feeder keeps off its paths

#: Transport addresses per family (shared/DESIGN.md underlay ranges).
ADDRS = {
    "ipv4": {"feeder": "192.0.2.1", "receiver": "192.0.2.2", "plen": 24,
             "down": "198.51.100.1", "sink": "198.51.100.{}", "sink_base": 11},
    "ipv6": {"feeder": "2001:db8:0:1::1", "receiver": "2001:db8:0:1::2", "plen": 64,
             "down": "2001:db8:0:2::1", "sink": "2001:db8:0:2::{:x}", "sink_base": 0x11},
}
#: BGP identifiers are IPv4-shaped whatever the family.
FEEDER_ID, RECEIVER_ID = "192.0.2.1", "192.0.2.2"
SINK_ID = "198.51.100.{}"
#: Largest table each family's prefix space holds (see bgp_feeder.c).
MAX_PREFIXES = {"ipv4": 262_142, "ipv6": 16_744_448}

FEEDER_SOURCES = ("bench/bgp_feeder.c", "lib/cursor.c", "lib/prefix.c", "routed/bgp/bgp_attr.c",
                  "routed/bgp/bgp_update.c", "routed/bgp/bgp_msg.c")
WARN_FLAGS = ("-std=c11", "-D_GNU_SOURCE", "-Wall", "-Wextra", "-Wshadow", "-Wformat=2",
              "-Wstrict-prototypes", "-Wmissing-prototypes", "-Wpointer-arith", "-Wvla", "-Werror")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def proc_memory(pid: int | None) -> dict[str, int]:
    """VmRSS and VmHWM (peak RSS) of a process, in KiB; {} if it is gone."""
    out: dict[str, int] = {}
    if pid is None:
        return out
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "VmHWM"):
                    out[key] = int(value.split()[0])
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out


def kernel_routes(pid: int, family: str) -> int:
    """Routes in the kernel of pid's network namespace, from the kernel's
    own counters: IPv6 fib_rt_entries in rt6_stats (every table); IPv4 the
    main table's "Prefixes" in fib_triestat.  The IPv4 figure is computed
    by walking the trie, a few milliseconds per 100,000 routes."""
    if family == "ipv6":
        with open(f"/proc/{pid}/net/rt6_stats") as f:
            return int(f.read().split()[3], 16)
    with open(f"/proc/{pid}/net/fib_triestat") as f:
        text = f.read()
    main = text.split("Main:", 1)[1].split("Local:", 1)[0]
    return int(main.split("Prefixes:", 1)[1].split()[0])


def foreign_kernel_routes(ns: topo_lib.Namespace) -> int:
    """Routes in any kernel table of ns that the kernel did not make itself:
    with --fib off this should be 0; it is reported, not assumed."""
    count = 0
    for fam in ("-4", "-6"):
        for route in ns.ip_json(fam, "route", "show", "table", "all"):
            if route.get("protocol", "kernel") != "kernel":
                count += 1
    return count


class EventLog:
    """The JSON lines bgp_feeder writes to its stdout file, read as they come."""

    FATAL = ("error", "notification", "closed", "deadline")

    def __init__(self, daemon: topo_lib.Daemon):
        self.daemon = daemon
        self.events: list[dict] = []
        self._pos = 0
        self._partial = b""

    def update(self) -> None:
        try:
            with open(self.daemon.stdout_path, "rb") as f:
                f.seek(self._pos)
                data = f.read()
                self._pos = f.tell()
        except FileNotFoundError:
            return
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for line in lines:
            try:
                self.events.append(json.loads(line))
            except ValueError:
                continue

    def first(self, name: str) -> dict | None:
        self.update()
        return next((e for e in self.events if e.get("event") == name), None)

    def problem(self) -> str | None:
        """Why this speaker's session is unusable, or None."""
        self.update()
        for e in self.events:
            if e.get("event") in self.FATAL:
                return f"{self.daemon.name}: {json.dumps(e)}"
        if not self.daemon.running():
            return f"{self.daemon.name} exited with status {self.daemon.proc.returncode}"
        return None


class FrrVty:
    """A persistent connection to one FRR daemon's vty socket.

    This is the protocol vtysh itself speaks: a command ending in NUL, an
    answer ending in three NULs and a status byte.  Spawning vtysh costs
    about 30 ms of CPU per call, which at ten polls a second would take a
    third of a core from the daemon being measured; a query here costs
    well under a millisecond.
    """

    def __init__(self, path: Path, timeout: float = 60.0):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(str(path))

    def close(self) -> None:
        self.sock.close()

    def run(self, command: str) -> str:
        self.sock.sendall(command.encode() + b"\0")
        buf = b""
        while len(buf) < 4 or buf[-4:-1] != b"\0\0\0":
            chunk = self.sock.recv(1 << 16)
            if not chunk:
                raise PeerError("FRR closed the vty connection")
            buf += chunk
        if buf[-1] != 0:
            raise PeerError(f"FRR: {command!r} failed: {buf[:-4].decode(errors='replace')}")
        return buf[:-4].decode(errors="replace")

    def json(self, command: str):
        return json.loads(self.run(command))


# --------------------------------------------------------------------------
# Receivers
# --------------------------------------------------------------------------


@dataclass
class Plan:
    """What one run builds: family, table size, downstream peers."""

    family: str
    prefixes: int
    sinks: int
    last_prefix: str = ""

    @property
    def a(self) -> dict:
        return ADDRS[self.family]

    @property
    def afkey(self) -> str:
        return "ipv4Unicast" if self.family == "ipv4" else "ipv6Unicast"

    def sink_addr(self, i: int) -> str:
        return self.a["sink"].format(self.a["sink_base"] + i)

    def sink_id(self, i: int) -> str:
        return SINK_ID.format(11 + i)

    def peers(self) -> list[tuple[str, int]]:
        """Every neighbour of the receiver: the feeder, then the sinks."""
        return [(self.a["feeder"], FEEDER_AS)] + [(self.sink_addr(i), SINK_AS0 + i)
                                                  for i in range(self.sinks)]


class Receiver:
    """The router under test, as the driver sees it."""

    name = "?"
    label = "?"
    #: How this receiver installs routes in the kernel, or is kept from it.
    fib_on = fib_off = "?"

    def __init__(self, topo: topo_lib.Topology, ns: topo_lib.Namespace, plan: Plan, args,
                 tag: str):
        self.topo, self.ns, self.plan, self.args = topo, ns, plan, args
        self.tag = tag  # RECEIVER.SCENARIO.REPEAT, for profile file names

    def start(self) -> None:
        raise NotImplementedError

    def processes(self) -> dict[str, int | None]:
        raise NotImplementedError

    def daemons(self) -> list[topo_lib.Daemon]:
        raise NotImplementedError

    def established(self) -> bool:
        """Every configured session is Established."""
        raise NotImplementedError

    def received(self) -> int:
        """Prefixes from the feeder accepted into the Loc-RIB."""
        raise NotImplementedError

    def locrib_complete(self) -> bool:
        """Anything beyond received() == N needed for the Loc-RIB to be
        complete (only FRR decides best paths after counting them)."""
        return True

    def profile_start(self) -> None:
        pass

    def profile_stop(self) -> None:
        pass


class SkygateReceiver(Receiver):
    name, label = "skygate", "skygate-routed"
    fib_on = "its FIB (netlink, main table)"
    fib_off = "--no-fib (a build without the switch installs anyway)"

    def config(self) -> str:
        lines = ["hostname sg-rcv", f"router bgp {RECEIVER_AS}", f" bgp router-id {RECEIVER_ID}"]
        lines += [f" neighbor {addr} remote-as {asn}" for addr, asn in self.plan.peers()]
        return "\n".join(lines + ["exit", ""])

    def start(self) -> None:
        rundir = self.topo.make_dir("skygate")
        binary = str(self.args.routed)
        argv = [binary, "--rundir", "{rundir}", "-f", "{rundir}/routed.conf"]
        if self.args.fib == "off" and self._has_no_fib(binary):
            argv.append("--no-fib")
        if self.args.callgrind:
            # Instrumentation stays off until the feed starts, so the
            # profile covers the ingest window only (profile_start/stop).
            argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={self.args.callgrind}.{self.tag}", *argv]
        elif self.args.massif:
            # The heap over the whole run; its peak is the table loaded.
            argv = ["valgrind", "--tool=massif", "--detailed-freq=1000000",
                    f"--massif-out-file={self.args.massif}.{self.tag}", *argv]
        sock = rundir / "routed.sock"
        self.daemon = self.topo.start_daemon(
            self.ns, "skygate", argv, rundir=rundir,
            files={"routed.conf": topo_lib.check_config_text(self.config())},
            ready=sock.exists, ready_s=120 if self.args.callgrind or self.args.massif else 30)
        self.cli = Session(str(sock), timeout=self.args.deadline)
        self.topo.add_cleanup("close the skygate CLI session", self.cli.close)

    def daemons(self):
        return [self.daemon]

    @staticmethod
    def _has_no_fib(binary: str) -> bool:
        """Builds before the switch existed refuse it: ask their usage."""
        usage = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30)
        return "--no-fib" in usage.stdout

    def processes(self):
        return {"skygate-routed": self.daemon.pid}

    def _summary(self) -> dict:
        reply = self.cli.run("show bgp summary json")
        if not reply.ok:
            raise PeerError(f"skygate: show bgp summary json: {reply.output}")
        return json.loads(reply.output).get(self.plan.afkey, {}).get("peers", {})

    def established(self) -> bool:
        peers = self._summary()
        return all(peers.get(a, {}).get("state") == "Established" for a, _ in self.plan.peers())

    def received(self) -> int:
        return int(self._summary().get(self.plan.a["feeder"], {}).get("pfxRcd", 0))

    def _callgrind_control(self, *opts: str) -> None:
        topo_lib.run(["callgrind_control", *opts, str(self.daemon.pid)], timeout=120)

    def profile_start(self) -> None:
        if self.args.callgrind:
            self._callgrind_control("-i", "on")

    def profile_stop(self) -> None:
        if self.args.callgrind:
            self._callgrind_control("-d")
            self._callgrind_control("-i", "off")


class BirdReceiver(Receiver):
    name, label = "bird", "BIRD"
    fib_on = "kernel protocol, export all"
    fib_off = "no kernel protocol"

    def config(self) -> str:
        fam, a = self.plan.family, self.plan.a
        lines = ["log stderr { info, remote, warning, error, auth, fatal, bug };",
                 f"router id {RECEIVER_ID};", "",
                 "# Interfaces, for direct next hops.",
                 "protocol device {", "}", ""]
        if self.args.fib == "on":
            lines += ["protocol kernel {", f"  {fam} {{ import none; export all; }};", "}", ""]

        def proto(name: str, local: str, addr: str, asn: int, channel: str) -> list[str]:
            return [f"protocol bgp {name} {{", f"  local {local} as {RECEIVER_AS};",
                    f"  neighbor {addr} as {asn};",
                    # The speakers dial in; these only shorten BIRD's own
                    # start-up wait before it accepts a connection.
                    "  connect delay time 1;", "  connect retry time 2;",
                    "  error wait time 1, 10;",
                    f"  {fam} {{ {channel} }};", "}", ""]

        lines += proto("feeder", a["receiver"], a["feeder"], FEEDER_AS,
                       "import all; export none;")
        for i in range(self.plan.sinks):
            lines += proto(f"sink{i + 1}", a["down"], self.plan.sink_addr(i), SINK_AS0 + i,
                           "import none; export all;")
        return "\n".join(lines)

    def start(self) -> None:
        self.bird = BirdRouter(self.topo, self.ns, self.config(), name="bird").start()

    def daemons(self):
        return [self.bird.daemon]

    def processes(self):
        return {"bird": self.bird.daemon.pid}

    def established(self) -> bool:
        protos = self.bird.protocols()
        names = ["feeder"] + [f"sink{i + 1}" for i in range(self.plan.sinks)]
        return all(protos.get(n, {}).get("info") == "Established" for n in names)

    def received(self) -> int:
        # `show protocols all` reports a channel's "Routes: N imported" once
        # the route is in the table (best path chosen as it goes in).
        text = self.bird.birdc("show", "protocols", "all", "feeder")
        chan = parse_bird_protocols(text).get("feeder", {}).get("channels", {})
        routes = chan.get(self.plan.family, {}).get("Routes", {})
        return int(routes.get("imported", 0)) if isinstance(routes, dict) else 0


class NoFibFrr(FrrRouter):
    """FRR with bgpd started -n (--no_kernel): bgpd sets BGP_OPT_NO_FIB and
    never sends a route to zebra, so neither zebra nor the kernel spends
    time on the table.  zebra still runs: bgpd needs it for interfaces
    and next-hop tracking."""

    def _argv(self, daemon: str) -> list[str]:
        argv = super()._argv(daemon)
        return argv + ["--no_kernel"] if daemon == "bgpd" else argv


class FrrReceiver(Receiver):
    name, label = "frr", "FRR bgpd+zebra"
    fib_on = "bgpd -> zebra -> kernel"
    fib_off = "bgpd --no_kernel"

    def config(self) -> str:
        fam, a = self.plan.family, self.plan.a
        lines = ["hostname frr-rcv", "!", f"router bgp {RECEIVER_AS}",
                 f" bgp router-id {RECEIVER_ID}",
                 # RFC 8212 policy requirement off: no policy here at all.
                 " no bgp ebgp-requires-policy",
                 " no bgp default ipv4-unicast"]
        for addr, asn in self.plan.peers():
            lines.append(f" neighbor {addr} remote-as {asn}")
            if addr != a["feeder"]:
                # No minimum advertisement interval, as skygate and BIRD.
                lines.append(f" neighbor {addr} advertisement-interval 0")
        lines.append(f" address-family {fam} unicast")
        lines += [f"  neighbor {addr} activate" for addr, _ in self.plan.peers()]
        lines += [" exit-address-family", "exit", "!", ""]
        return "\n".join(lines)

    def start(self) -> None:
        cls = FrrRouter if self.args.fib == "on" else NoFibFrr
        self.frr = cls(self.topo, self.ns, {"bgpd": self.config()}, name="frr").start()
        self.vty = FrrVty(self.frr.rundir / "bgpd.vty", timeout=self.args.deadline)
        self.topo.add_cleanup("close the FRR vty connection", self.vty.close)

    def daemons(self):
        return [self.frr.daemons["zebra"], self.frr.daemons["bgpd"]]

    def processes(self):
        return {"bgpd": self.frr.daemons["bgpd"].pid, "zebra": self.frr.daemons["zebra"].pid}

    def _peers(self) -> dict:
        return self.vty.json("show bgp summary json").get(self.plan.afkey, {}).get("peers", {})

    def established(self) -> bool:
        peers = self._peers()
        return all(peers.get(a, {}).get("state") == "Established" for a, _ in self.plan.peers())

    def received(self) -> int:
        return int(self._peers().get(self.plan.a["feeder"], {}).get("pfxRcd", 0))

    def locrib_complete(self) -> bool:
        # bgpd counts a prefix in pfxRcd when the path enters its table,
        # and runs best-path selection later from a work queue processed
        # in arrival order; the Loc-RIB is complete once the last prefix
        # fed has a best path.
        data = self.vty.json(f"show bgp {self.plan.family} unicast {self.plan.last_prefix} json")
        return any(p.get("bestpath", {}).get("overall") for p in data.get("paths", []))


#: The inbound policy of the `-policy` receivers, the same in both
#: languages: POLICY_DENIES prefixes the table never holds (so every route
#: is checked against the whole list and still accepted), an AS-path match
#: every path of the feed passes (it starts with the feeder's AS), and a
#: LOCAL_PREF set on what is accepted.
POLICY_DENIES = 1000
POLICY_LOCAL_PREF = 200


def policy_denied(family: str, i: int) -> str:
    # Outside the feed's space (bench/bgp_feeder.c: 198.18.0.0/16 and
    # 2001:db8:8000::/33) and inside the documentation ranges.
    if family == "ipv4":
        # Every /25-/32 of two underlay /24s: 1,020 prefixes never fed.
        nets = [(base, length, k) for base in ("198.51.100", "203.0.113")
                for length in range(25, 33) for k in range(1 << (length - 24))]
        base, length, k = nets[i]
        return f"{base}.{k << (32 - length)}/{length}"
    return f"2001:db8:{i:x}::/48"


class SkygatePolicyReceiver(SkygateReceiver):
    name, label = "skygate-policy", "skygate-routed, inbound policy"

    def config(self) -> str:
        fam = self.plan.family
        kw = "ip" if fam == "ipv4" else "ipv6"
        lines = [f"{kw} prefix-list BENCH-IN seq {5 * (i + 1)} deny {policy_denied(fam, i)}"
                 for i in range(POLICY_DENIES)]
        lines.append(f"{kw} prefix-list BENCH-IN seq {5 * (POLICY_DENIES + 1)} permit "
                     + ("0.0.0.0/0 le 32" if fam == "ipv4" else "::/0 le 128"))
        lines += [f"bgp as-path access-list BENCH-PATH seq 5 permit ^{FEEDER_AS}_",
                  "route-map BENCH-IN permit 10",
                  f" match {kw} address prefix-list BENCH-IN",
                  " match as-path BENCH-PATH",
                  f" set local-preference {POLICY_LOCAL_PREF}",
                  "exit"]
        lines += ["hostname sg-rcv", f"router bgp {RECEIVER_AS}", f" bgp router-id {RECEIVER_ID}"]
        lines += [f" neighbor {addr} remote-as {asn}" for addr, asn in self.plan.peers()]
        lines += [f" address-family {fam} unicast",
                  f"  neighbor {self.plan.a['feeder']} route-map BENCH-IN in",
                  " exit-address-family"]
        return "\n".join(lines + ["exit", ""])


class SkygateSoftInReceiver(SkygatePolicyReceiver):
    """The same policy, and the routes kept as received too: what the
    copy costs in memory and time."""
    name, label = "skygate-soft-in", "skygate-routed, policy + soft-reconfiguration inbound"

    def config(self) -> str:
        return super().config().replace(
            " exit-address-family",
            f"  neighbor {self.plan.a['feeder']} soft-reconfiguration inbound\n exit-address-family")


class SkygateSoftInOnlyReceiver(SkygateReceiver):
    """soft-reconfiguration inbound without a policy: the routes as
    received share their attribute sets with the RIB."""
    name, label = "skygate-soft-in-only", "skygate-routed, soft-reconfiguration inbound, no policy"

    def config(self) -> str:
        fam = self.plan.family
        return super().config().replace(
            "exit\n", f" address-family {fam} unicast\n"
                      f"  neighbor {self.plan.a['feeder']} soft-reconfiguration inbound\n"
                      " exit-address-family\nexit\n")


class BirdPolicyReceiver(BirdReceiver):
    name, label = "bird-policy", "BIRD, inbound filter"

    def config(self) -> str:
        fam = self.plan.family
        denies = ", ".join(policy_denied(fam, i) for i in range(POLICY_DENIES))
        head = [f"define BENCH_DENY = [ {denies} ];", "",
                "filter bench_in {",
                "  if net ~ BENCH_DENY then reject;",
                f"  if bgp_path ~ [= {FEEDER_AS} * =] then {{",
                f"    bgp_local_pref = {POLICY_LOCAL_PREF};",
                "    accept;",
                "  }",
                "  reject;",
                "}", ""]
        body = super().config().replace("import all; export none;", "import filter bench_in; export none;")
        return "\n".join(head) + "\n" + body


RECEIVER_CLASSES: dict[str, type[Receiver]] = {
    "skygate": SkygateReceiver, "bird": BirdReceiver, "frr": FrrReceiver,
    "skygate-policy": SkygatePolicyReceiver, "bird-policy": BirdPolicyReceiver,
    "skygate-soft-in": SkygateSoftInReceiver, "skygate-soft-in-only": SkygateSoftInOnlyReceiver}


# --------------------------------------------------------------------------
# One run
# --------------------------------------------------------------------------


@dataclass
class Watch:
    """What must stay healthy while a phase waits."""

    receiver: Receiver
    logs: list[EventLog] = field(default_factory=list)

    def check(self) -> None:
        for d in self.receiver.daemons():
            if not d.running():
                raise BenchError(f"{d.name} exited with status {d.proc.returncode}\n{d.tail()}")
        for log in self.logs:
            problem = log.problem()
            if problem:
                raise BenchError(problem + "\n" + log.daemon.tail(20))


def wait_for(what: str, deadline_s: float, interval_s: float, watch: Watch,
             probe: Callable[[], object]):
    """Poll probe() until it returns something truthy; fail on the deadline
    or as soon as a daemon dies or a speaker reports a broken session.
    A probe that raises (a daemon too busy to answer) counts as not yet."""
    start = time.monotonic()
    last_exc = None
    while True:
        watch.check()
        try:
            value = probe()
            if value:
                return value
        except (PeerError, OSError, ValueError, topo_lib.CommandError,
                subprocess.TimeoutExpired) as exc:
            last_exc = exc
        if time.monotonic() - start > deadline_s:
            why = f" (last error: {last_exc})" if last_exc else ""
            raise BenchError(f"{what}: not done after {deadline_s:g} s{why}")
        time.sleep(interval_s)


def speaker_argv(args, plan: Plan, mode: str, connect: str, bind: str, asn: int,
                 router_id: str) -> list[str]:
    argv = [str(args.feeder), f"--{mode}", "--connect", connect, "--bind", bind,
            "--as", str(asn), "--peer-as", str(RECEIVER_AS), "--router-id", router_id,
            "--family", plan.family, "--prefixes", str(plan.prefixes),
            # The speakers outlive every phase and are stopped by pid.
            "--deadline", str(int(args.deadline * 4 + 300))]
    if mode == "feed":
        argv += ["--seed", str(args.seed), "--next-hop", bind, "--wait-go"]
    return argv


@contextlib.contextmanager
def perf_window(args, receiver: Receiver, tag: str):
    """perf record of the receiver's processes while the block runs.

    The software cpu-clock event works where a virtual machine offers no
    hardware counters; dwarf call graphs because the daemons are built
    without frame pointers."""
    if not args.perf:
        yield
        return
    pids = ",".join(str(p) for p in receiver.processes().values() if p)
    out = f"{args.perf}.{tag}"
    proc = subprocess.Popen(["perf", "record", "-q", "-e", "cpu-clock", "-F", "997",
                             "--call-graph", "dwarf,16384", "-p", pids, "-o", out],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)  # perf needs a moment to attach before the feed
        yield
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=120)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def memory_of(receiver: Receiver) -> dict[str, dict[str, int]]:
    return {name: proc_memory(pid) for name, pid in receiver.processes().items()}


def total_kib(mem: dict[str, dict[str, int]], key: str = "VmRSS") -> int:
    return sum(m.get(key, 0) for m in mem.values())


def run_one(args, kind: str, scenario: str, rep: int, workload: dict) -> dict:
    plan = Plan(args.family, args.prefixes, args.sinks if scenario == "fanout" else 0,
                last_prefix=workload.get("last", ""))
    # The machine's load when the run starts: other work on it (a build)
    # shows here rather than silently in the numbers.
    result: dict = {"receiver": kind, "scenario": scenario, "repeat": rep, "ok": False,
                    "loadavg_before": os.getloadavg()[0]}
    topo = topo_lib.Topology(name=f"bgp-ingest-{kind}-{scenario}")
    try:
        a = plan.a
        feed_ns = topo.add_namespace("feed")
        rcv_ns = topo.add_namespace("rcv")
        topo.add_link(feed_ns, rcv_ns, [f"{a['feeder']}/{a['plen']}"],
                      [f"{a['receiver']}/{a['plen']}"])
        sink_ns = None
        if plan.sinks:
            sink_ns = topo.add_namespace("sink")
            topo.add_link(rcv_ns, sink_ns, [f"{a['down']}/{a['plen']}"],
                          [f"{plan.sink_addr(i)}/{a['plen']}" for i in range(plan.sinks)])

        tag = f"{kind}.{scenario}.{rep}"
        receiver = RECEIVER_CLASSES[kind](topo, rcv_ns, plan, args, tag)
        receiver.start()
        watch = Watch(receiver)
        sinks = []
        for i in range(plan.sinks):
            d = topo.start_daemon(sink_ns, f"sink{i + 1}", speaker_argv(
                args, plan, "sink", a["down"], plan.sink_addr(i), SINK_AS0 + i, plan.sink_id(i)))
            sinks.append(EventLog(d))
        feeder = EventLog(topo.start_daemon(feed_ns, "feeder", speaker_argv(
            args, plan, "feed", a["receiver"], a["feeder"], FEEDER_AS, FEEDER_ID)))
        watch.logs = [feeder, *sinks]

        # Phase 1: every session up, nothing sent yet.
        wait_for("sessions Established", args.deadline, 0.1, watch,
                 lambda: all(s.first("established") for s in watch.logs) and receiver.established())
        # Outside the measurement: let the End-of-RIB and first KEEPALIVE
        # exchanges of the new sessions finish.
        time.sleep(args.settle)
        result["rss_kib_before"] = memory_of(receiver)

        # Phase 2: feed; t0 is the feeder's own stamp of its first UPDATE.
        fib = args.fib == "on"
        kpid = receiver.daemons()[0].pid
        kbase = kernel_routes(kpid, plan.family)
        samples: list[tuple] = []
        latencies: list[float] = []
        marks: dict[str, float] = {}
        below = {"pfx": 0.0}

        def poll():
            # A count is read somewhere between request and reply: the last
            # poll that still sees fewer than N bounds the time from below,
            # the first that sees N (stamped at its reply) from above.
            before = time.monotonic()
            n = receiver.received()
            after = time.monotonic()
            latencies.append(after - before)
            if n < plan.prefixes:
                below["pfx"] = before
            elif "pfx" not in marks:
                marks["pfx"] = after
            if "pfx" in marks and "locrib" not in marks and receiver.locrib_complete():
                marks["locrib"] = time.monotonic()
            k = None
            # A route reaches the kernel only after it is best, so the
            # IPv4 count, which walks the kernel's trie, waits for the
            # Loc-RIB; the IPv6 one is a counter and is read throughout.
            if fib and (plan.family == "ipv6" or "locrib" in marks):
                k = kernel_routes(kpid, plan.family) - kbase
                if k >= plan.prefixes and "kernel" not in marks:
                    marks["kernel"] = time.monotonic()
            samples.append((round(after - t0, 4), n, k))
            return "locrib" in marks and (not fib or "kernel" in marks)

        with perf_window(args, receiver, tag):
            receiver.profile_start()
            os.kill(feeder.daemon.pid, signal.SIGUSR1)
            t0 = wait_for("feeder to start", args.deadline, 0.01, watch,
                          lambda: feeder.first("first_update"))["t"]
            below["pfx"] = t0
            wait_for(f"{kind} to take in {plan.prefixes} prefixes"
                     + (" and install them" if fib else ""), args.deadline, args.poll, watch, poll)
            receiver.profile_stop()
        result["rss_kib_after"] = memory_of(receiver)
        result["loadavg_after"] = os.getloadavg()[0]
        result["pfxrcd_seconds"] = marks["pfx"] - t0
        result["pfxrcd_lower_bound_seconds"] = below["pfx"] - t0
        result["locrib_seconds"] = marks["locrib"] - t0
        if fib:
            result["kernel_seconds"] = marks["kernel"] - t0
        result["ingest_seconds"] = max(marks.values()) - t0
        result["poll"] = {"count": len(latencies), "max_latency_s": round(max(latencies), 4),
                          "median_latency_s": round(statistics.median(latencies), 5)}
        result["samples"] = thin(samples, 300)

        # Phase 3 (fanout): every sink has the table.
        if sinks:
            wait_for("every sink to hold the table", args.deadline, args.poll, watch,
                     lambda: all(s.first("complete") for s in sinks))
            done = [s.first("complete")["t"] - t0 for s in sinks]
            result["sink_seconds"] = done
            result["fanout_seconds"] = max(done)
            result["rss_kib_after_fanout"] = memory_of(receiver)

        drained = wait_for("feeder send queue to drain", args.deadline, 0.05, watch,
                           lambda: feeder.first("drained"))
        result["feeder_written_seconds"] = feeder.first("written")["seconds"]
        result["feeder_drained_seconds"] = drained["seconds"]
        result["seconds"] = result["fanout_seconds"] if sinks else result["ingest_seconds"]
        result["prefixes_per_s"] = plan.prefixes / result["seconds"]
        result["foreign_kernel_routes"] = foreign_kernel_routes(rcv_ns)
        result["kernel_routes_added"] = kernel_routes(kpid, plan.family) - kbase
        result["rss_kib_peak"] = {n: m.get("VmHWM", 0) for n, m in memory_of(receiver).items()}

        # Stop the sinks, then the feeder: the other way round the receiver
        # would start withdrawing the table from the sinks before their
        # final counts were written.
        for log in sinks:
            log.daemon.stop()
            exit_ev = log.first("exit") or {}
            result.setdefault("sink_stats", []).append(
                {k: exit_ev.get(k) for k in ("sink_prefixes", "sink_announced", "sink_withdrawn",
                                             "sink_duplicates", "sink_malformed")})
        feeder.daemon.stop()
        # How long the receiver takes to stop with the table loaded, and
        # whether it stops cleanly: a crash on shutdown is a finding too.
        stops = {}
        for d in receiver.daemons()[::-1]:
            t = time.monotonic()
            status = d.stop(timeout_s=60)
            stops[d.name] = {"seconds": round(time.monotonic() - t, 3), "status": status}
            if d.sanitizer_report:
                stops[d.name]["sanitizer"] = d.sanitizer_report
        result["stop"] = stops
        result["ok"] = True
    except BenchError as exc:
        result["error"] = str(exc)
    except (topo_lib.DaemonError, topo_lib.CommandError, PeerError, AssertionError,
            OSError, subprocess.TimeoutExpired) as exc:
        # A daemon that would not start or answer fails this run, not the
        # whole benchmark.
        result["error"] = f"{type(exc).__name__}: {exc}"
    finally:
        with signals_held():
            try:
                topo.teardown()
            except topo_lib.TeardownError as exc:
                result.setdefault("teardown_error", str(exc))
    return result


def thin(samples: list, keep: int) -> list:
    """At most keep samples, evenly spaced, first and last kept."""
    if len(samples) <= keep:
        return samples
    step = (len(samples) - 1) / (keep - 1)
    return [samples[round(i * step)] for i in range(keep)]


# --------------------------------------------------------------------------
# Preparation
# --------------------------------------------------------------------------


def ensure_feeder(args, tmpdir: Path) -> Path:
    """The feeder binary: as given, as built by make, or compiled here."""
    if args.feeder:
        return Path(args.feeder)
    built = args.build / "bench" / "bgp_feeder"
    if built.exists():
        return built
    out = tmpdir / "bgp_feeder"
    cc = os.environ.get("CC", "cc")
    cmd = [cc, *WARN_FLAGS, "-O2", "-g", f"-I{ROOT}/lib", f"-I{ROOT}/routed",
           f"-I{ROOT}/routed/bgp", "-o", str(out), *(str(ROOT / s) for s in FEEDER_SOURCES)]
    say(args, f"compiling the feeder: {shlex.join(cmd)}")
    subprocess.run(cmd, check=True, timeout=300)
    return out


def describe_workload(args) -> dict:
    """Build the table once without a network: its size, and a check that
    skygate's own parser reads it back as exactly the table."""
    proc = subprocess.run([str(args.feeder), "--generate", "--as", str(FEEDER_AS),
                           "--family", args.family, "--prefixes", str(args.prefixes),
                           "--seed", str(args.seed), "--next-hop", ADDRS[args.family]["feeder"]],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise SystemExit(f"bgp_feeder --generate failed:\n{proc.stderr}")
    events = {e["event"]: e for e in map(json.loads, proc.stdout.splitlines())}
    ready = events["ready"]
    ready.pop("t", None)
    ready.pop("event", None)
    ready["seed"] = args.seed
    return ready


def identify_skygate(args) -> dict:
    """Which skygate-routed this is: a label, and the hash of the binary."""
    import hashlib
    digest = hashlib.sha256(args.routed.read_bytes()).hexdigest()
    label = args.label
    if not label:
        src = args.build.parent.parent
        try:
            label = subprocess.run(["git", "-C", str(src), "describe", "--always", "--dirty"],
                                   capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            label = ""
        label = f"built from {label}" if label else str(args.build)
    return {"label": label, "sha256": digest, "path": str(args.build / "routed" / "skygate-routed")}


def versions(args) -> dict:
    return {"skygate": first_line([str(args.routed), "--version"]),
            "bird": first_line(["bird", "--version"]),
            "frr": first_line(["/usr/lib/frr/bgpd", "--version"])}


def preflight(args) -> list[str]:
    """Receivers that can run here; exit with a reason when nothing can."""
    if os.geteuid() != 0:
        raise SystemExit("bgp_ingest: needs root (network namespaces)")
    routed = args.build / "routed" / "skygate-routed"
    usable = []
    for r in args.receivers:
        why = None
        if r.startswith("skygate") and not routed.exists():
            why = f"{routed} not built: bash scripts/build.sh main"
        elif r.startswith("bird"):
            why = bird_available()
        elif r == "frr":
            why = frr_available()
        if why:
            say(args, f"skipping {r}: {why}")
        else:
            usable.append(r)
    if (args.callgrind or args.massif) and shutil.which("valgrind") is None:
        raise SystemExit("--callgrind and --massif need valgrind")
    if args.perf and shutil.which("perf") is None:
        raise SystemExit("--perf needs perf (linux-perf)")
    stale = topo_lib.stale_netns()
    if stale:
        say(args, f"note: namespaces left by earlier runs: {' '.join(stale)}")
    if not usable:
        raise SystemExit("bgp_ingest: no receiver can run here")
    return usable


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

METRICS = ("seconds", "prefixes_per_s", "ingest_seconds", "pfxrcd_seconds", "locrib_seconds",
           "kernel_seconds", "fanout_seconds", "feeder_written_seconds", "feeder_drained_seconds",
           "rss_mib_before", "rss_mib_after", "rss_mib_after_fanout", "kernel_routes_added")


def add_derived(run: dict) -> None:
    for key in ("before", "after", "after_fanout"):
        mem = run.get(f"rss_kib_{key}")
        if mem is not None:
            run[f"rss_mib_{key}"] = total_kib(mem) / 1024


def medians(runs: list[dict]) -> dict:
    out: dict = {}
    for scenario in SCENARIOS:
        for kind in RECEIVERS:
            mine = [r for r in runs if r["scenario"] == scenario and r["receiver"] == kind]
            ok = [r for r in mine if r["ok"]]
            failed = [r for r in mine if not r["ok"]]
            if not ok and not failed:
                continue
            m = {"runs": len(ok), "failed": len(failed)}
            for k in METRICS:
                vals = [r[k] for r in ok if r.get(k) is not None]
                if vals:
                    m[k] = statistics.median(vals)
            out.setdefault(scenario, {})[kind] = m
    return out


def ratios(med: dict) -> dict:
    """skygate / reference for every scenario and reference present."""
    out: dict = {}
    pairs = [("skygate", "bird"), ("skygate", "frr"),
             ("skygate-policy", "skygate"), ("skygate-policy", "bird-policy"),
             ("skygate-soft-in", "skygate-policy"), ("skygate-soft-in-only", "skygate")]
    for scenario, by in med.items():
        for mine, ref in pairs:
            sg, rf = by.get(mine, {}), by.get(ref, {})
            for k, label in (("seconds", "seconds"), ("rss_mib_after", "rss_after")):
                if sg.get(k) and rf.get(k):
                    out.setdefault(scenario, {}).setdefault(f"{mine}/{ref}", {})[label] = \
                        sg[k] / rf[k]
    return out


def fmt_n(n: float) -> str:
    return f"{n:,.0f}"


def table(report: dict) -> str:
    w, med, rat, setup = report["workload"], report["medians"], report["ratios"], report["setup"]
    fib = setup["fib"] == "on"
    lines = [
        f"bgp-ingest: {w['family']} unicast, {fmt_n(w['prefixes'])} prefixes in "
        f"{fmt_n(w['updates'])} UPDATEs ({w['bytes'] / 2**20:.1f} MiB), seed {w['seed']}, "
        f"median of {setup['repeat']} run(s) each",
        f"prefixes: {w['space']}; {fmt_n(w['attr_sets'])} attribute sets",
        f"skygate-routed: {setup['skygate']['label']} (sha256 {setup['skygate']['sha256'][:12]})",
        f"kernel install (--fib {setup['fib']}): "
        + "; ".join(f"{RECEIVER_CLASSES[k].label}: {v}" for k, v in setup["fib_how"].items()),
        ""]
    titles = {
        "ingest": "ingest: feeder -> receiver, first UPDATE until the receiver's Loc-RIB"
                  + (" and kernel hold" if fib else " holds") + " every prefix",
        "fanout": f"fanout: feeder -> receiver -> {setup['sinks']} eBGP sinks, first "
                  f"UPDATE until every sink holds every prefix",
    }
    for scenario in SCENARIOS:
        if scenario not in med:
            continue
        lines.append(titles[scenario])
        lines.append(f"  {'receiver':<16}{'seconds':>9}{'prefixes/s':>12}{'Loc-RIB':>9}"
                     f"{'kernel':>9}{'RSS before':>12}{'RSS after':>11}{'fed in':>8}"
                     "   (s; RSS MiB)")
        for kind, m in med[scenario].items():
            name = RECEIVER_CLASSES[kind].label
            if not m["runs"]:
                lines.append(f"  {name:<16}  failed ({m['failed']} of {m['failed']} runs)")
                continue
            after = m.get("rss_mib_after_fanout", m.get("rss_mib_after", 0)) \
                if scenario == "fanout" else m.get("rss_mib_after", 0)
            kern = f"{m['kernel_seconds']:>9.2f}" if "kernel_seconds" in m else f"{'-':>9}"
            fails = f"  ({m['failed']} failed)" if m["failed"] else ""
            lines.append(f"  {name:<16}{m['seconds']:>9.2f}{fmt_n(m['prefixes_per_s']):>12}"
                         f"{m.get('locrib_seconds', 0):>9.2f}{kern}"
                         f"{m.get('rss_mib_before', 0):>12.1f}{after:>11.1f}"
                         f"{m.get('feeder_drained_seconds', 0):>8.2f}{fails}")
        lines.append("")
    if rat:
        lines.append("ratios, skygate / reference (time and memory: lower is better; "
                     "< 1 means skygate is faster or smaller)")
        if not fib and any(r.get("kernel_routes_added") for r in report["runs"]
                           if r["receiver"] == "skygate"):
            lines.append("  NOT LIKE FOR LIKE: skygate-routed installed its routes in the kernel, "
                         "the references did not (use --fib on)")
        for scenario, by in rat.items():
            for pair, vals in by.items():
                parts = [f"{k} {v:.2f}x" for k, v in vals.items()]
                lines.append(f"  {scenario:<7} {pair:<13} " + ", ".join(parts))
        lines.append("")
    lines.append("seconds: ingest = the later of Loc-RIB and kernel; fanout = last sink complete. "
                 "fed in: until the feeder's send queue was empty (every byte acknowledged)")
    for r in report["runs"]:
        tag = f"{r['receiver']} {r['scenario']} #{r['repeat']}"
        if not r["ok"]:
            lines.append(f"FAILED {tag}: {r.get('error', '?').splitlines()[0]}")
            continue
        added = r.get("kernel_routes_added", 0)
        if not fib and added:
            lines.append(f"WARNING {tag}: {added:,} routes went into the kernel although --fib "
                         f"off: not like for like with the others")
        if fib and added < w["prefixes"]:
            lines.append(f"WARNING {tag}: only {added:,} routes in the kernel")
        for name, st in (r.get("stop") or {}).items():
            if st.get("status") not in (0, None) or st.get("sanitizer"):
                lines.append(f"WARNING {name} ({tag}) stopped with status {st.get('status')} "
                             f"after {st.get('seconds')} s")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Side-by-side BGP table ingest: skygate-routed vs BIRD 2 vs FRR.")
    p.add_argument("--prefixes", type=int, default=1_000_000,
                   help="table size (default 1,000,000; ipv4 allows at most 262,142)")
    p.add_argument("--family", choices=("ipv4", "ipv6"), default="ipv6",
                   help="NLRI and session family (default ipv6: the only one whose allowed "
                        "prefix space holds a full-size table)")
    p.add_argument("--repeat", type=int, default=1, help="runs per receiver and scenario "
                   "(default 1); the report gives the median")
    p.add_argument("--receivers", default="skygate,bird,frr",
                   help="comma-separated subset of skygate,bird,frr,skygate-policy,bird-policy,skygate-soft-in,skygate-soft-in-only "
                        "(the last two with an inbound policy: README-bgp-ingest.md; default the first three)")
    p.add_argument("--scenarios", default=",".join(SCENARIOS),
                   help="comma-separated subset of ingest,fanout")
    p.add_argument("--sinks", type=int, default=4, help="downstream peers in fanout (default 4)")
    p.add_argument("--seed", type=int, default=1, help="workload seed (default 1)")
    p.add_argument("--fib", choices=("on", "off"), default="on",
                   help="on (default): every receiver installs into its kernel and the ingest "
                        "time includes that; off: BIRD and FRR do not (skygate-routed has no "
                        "switch for it)")
    p.add_argument("--deadline", type=float, default=600.0,
                   help="seconds each phase may take before the run fails (default 600)")
    p.add_argument("--poll", type=float, default=0.1,
                   help="receiver poll interval in seconds (default 0.1)")
    p.add_argument("--settle", type=float, default=1.0,
                   help="seconds between sessions up and the feed (default 1)")
    p.add_argument("--build", type=Path, default=ROOT / "build" / "main",
                   help="skygate build directory (default build/main)")
    p.add_argument("--feeder", help="bgp_feeder binary (default: BUILD/bench/bgp_feeder, "
                   "else compiled into a temporary directory)")
    p.add_argument("--label", help="what the skygate-routed build is, for the report "
                   "(default: git describe of the source tree, if it is one)")
    p.add_argument("--callgrind", metavar="FILE",
                   help="run skygate-routed under callgrind, instrumented only from the first "
                        "UPDATE until its Loc-RIB is complete, into FILE.skygate.SCENARIO.REPEAT.1")
    p.add_argument("--massif", metavar="FILE",
                   help="run skygate-routed under valgrind's massif (heap profile of the whole "
                        "run) into FILE.skygate.SCENARIO.REPEAT; read it with ms_print")
    p.add_argument("--perf", metavar="FILE",
                   help="perf record (cpu-clock) each receiver from the first UPDATE until its "
                        "Loc-RIB is complete, into FILE.RECEIVER.SCENARIO.REPEAT")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    args.receivers = [r for r in args.receivers.split(",") if r]
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    bad = [r for r in args.receivers if r not in RECEIVERS] + \
          [s for s in args.scenarios if s not in SCENARIOS]
    if bad:
        p.error(f"unknown receiver or scenario: {', '.join(bad)}")
    if not 1 <= args.prefixes <= MAX_PREFIXES[args.family]:
        p.error(f"--prefixes: {args.family} allows 1..{MAX_PREFIXES[args.family]:,} (the "
                f"prefix space the network rules allow); use --family ipv6 for more")
    if not 1 <= args.sinks <= MAX_SINKS:
        p.error(f"--sinks: 1..{MAX_SINKS}")
    if args.repeat < 1 or args.deadline <= 0 or args.poll <= 0 or args.settle < 0:
        p.error("--repeat, --deadline and --poll must be positive, --settle not negative")
    if args.callgrind:
        args.callgrind = str(Path(args.callgrind).resolve())
    if args.massif:
        args.massif = str(Path(args.massif).resolve())
    if args.perf:
        args.perf = str(Path(args.perf).resolve())
    args.build = args.build.resolve()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    interrupt_on_signals()
    receivers = preflight(args)
    runs: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="bgp-ingest-") as tmp:
        args.feeder = ensure_feeder(args, Path(tmp))
        # A private copy: a rebuild of the tree during the run must not mix
        # two versions of the daemon in one report.
        args.routed = Path(tmp) / "skygate-routed"
        shutil.copy2(args.build / "routed" / "skygate-routed", args.routed)
        skygate_id = identify_skygate(args)
        tool_versions = versions(args)
        workload = describe_workload(args)
        say(args, f"workload: {workload['prefixes']:,} {args.family} prefixes, "
                  f"{workload['updates']:,} UPDATEs, {workload['bytes']:,} bytes")
        try:
            for rep in range(1, args.repeat + 1):
                for scenario in args.scenarios:
                    # Receivers take turns within each repeat, so a drift in
                    # the machine's speed hits all of them alike.
                    for kind in receivers:
                        say(args, f"[{rep}/{args.repeat}] {scenario}: {kind} ...")
                        r = run_one(args, kind, scenario, rep, workload)
                        add_derived(r)
                        runs.append(r)
                        if r["ok"]:
                            say(args, f"    {r['seconds']:.3f} s, "
                                      f"{r['prefixes_per_s']:,.0f} prefixes/s, "
                                      f"RSS {r.get('rss_mib_after', 0):.1f} MiB")
                        else:
                            say(args, f"    FAILED: {r.get('error')}")
        except KeyboardInterrupt:
            say(args, "interrupted; reporting what was measured")
    med = medians(runs)
    report = {
        "benchmark": "bgp-ingest",
        "workload": workload,
        "setup": {"repeat": args.repeat, "sinks": args.sinks, "poll_s": args.poll,
                  "settle_s": args.settle, "deadline_s": args.deadline, "fib": args.fib,
                  "fib_how": {k: getattr(RECEIVER_CLASSES[k], f"fib_{args.fib}")
                              for k in receivers},
                  "skygate": skygate_id,
                  "cpus": os.cpu_count(), "kernel": platform.release(),
                  "versions": tool_versions,
                  "directions": {"seconds": "lower is better", "rss": "lower is better",
                                 "ratio": "skygate / reference: < 1 favours skygate"}},
        "medians": med,
        "ratios": ratios(med),
        "runs": runs,
    }
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(report))
    return 0 if runs and all(r["ok"] for r in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
