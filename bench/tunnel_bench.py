#!/usr/bin/python3
"""bench/tunnel-bench: the data plane's throughput, skygate-tunneld side by
side with references in one run, reported as ratios.

Every setup gets a fresh pair of network namespaces joined by a veth (the
underlay), an iperf3 server in one and the client in the other, and runs
the same tests:

  tcp1      TCP, 1 stream, 10 s (--quick: 3 s)
  tcp4      TCP, 4 streams
  udp@RATE  UDP at a fixed offered rate (default 500M and 2G), 1400-byte IP
            packets (1372 bytes of payload, so that they fit the smallest
            tunnel MTU, 1400, and none is fragmented); loss reported

Setups:

  veth      no tunnel: iperf3 over the underlay itself (the ceiling)
  null      skygate-tunneld, ESP framing with the `null` transform: no
            cipher, no ICV; the I/O path alone
  gre       skygate-tunneld GRE (RFC 2784)
  esp-udp   skygate-tunneld ESP AES-256-GCM, UDP-encapsulated (RFC 3948)
  esp-raw   skygate-tunneld ESP AES-256-GCM, raw IP protocol 50
  charon    strongSwan's userspace ESP: charon + kernel-libipsec (this
            kernel has no XFRM), IKEv2 PSK, AES-256-GCM, UDP-encapsulated

    tba (client)                                tbb (server)
    eth0 192.0.2.1/24 ------- veth ------- eth0 192.0.2.2/24
    TUN 169.254.N.1/30  ==== tunnel ====  TUN 169.254.N.2/30
    (charon: 169.254.30.1/32 on lo, routed into ipsec0 by charon)

CPU is measured two ways while each test runs: the tunnel daemons' own
time (both ends, from /proc/PID/stat, in cores) and the whole machine's
busy time (from /proc/stat, in cores), which includes iperf3 and the
kernel's share. The machine may be shared, so the latter is noisy.

Run as root with Debian's python3; see bench/README-tunnel.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from lib import topo as topo_lib  # noqa: E402
from lib.jsonmatch import wait_until  # noqa: E402
from lib.skyipc import Session  # noqa: E402
from lib.strongswan import Charon, CharonEnd, StrongswanError, strongswan_available  # noqa: E402
from benchlib import BenchError, first_line, interrupt_on_signals, say, signals_held  # noqa: E402

SETUPS = ("veth", "null", "gre", "esp-udp", "esp-raw", "charon")
#: The same tunnels over an IPv6 underlay: on request only (--setups).
IPV6_SETUPS = ("gre6", "esp-udp6", "esp-raw6")
ALL_SETUPS = SETUPS + IPV6_SETUPS
TUNNELD_SETUPS = ("null", "gre", "esp-udp", "esp-raw") + IPV6_SETUPS
A_UNDER, B_UNDER = "192.0.2.1", "192.0.2.2"
A_UNDER6, B_UNDER6 = "2001:db8:100::1", "2001:db8:100::2"
IPERF_PORT = 5201
UDP_PACKET = 1400  # IP packet size of the UDP tests
UDP_PAYLOAD = UDP_PACKET - 20 - 8

#: Per tunnel kind: tunnel name (the TUN device), inside /30, MTU, and the
#: lines that follow "source/destination" in the tunneld config. Every
#: tunnel has the same inside MTU, 1400 (kernel-libipsec's, which cannot be
#: changed), so every setup carries packets of the same sizes and the
#: ratios compare the transforms, not the packet sizes.
TUNNELS = {
    "null": {"name": "tb-null", "net": "169.254.22", "mtu": 1400, "kind": "ipsec",
             "encap": "udp", "transform": "null"},
    "gre": {"name": "tb-gre", "net": "169.254.10", "mtu": 1400, "kind": "gre"},
    "esp-udp": {"name": "tb-espu", "net": "169.254.20", "mtu": 1400, "kind": "ipsec",
                "encap": "udp", "transform": "aes-gcm-256"},
    "esp-raw": {"name": "tb-espr", "net": "169.254.21", "mtu": 1400, "kind": "ipsec",
                "encap": "esp", "transform": "aes-gcm-256"},
    "gre6": {"name": "tb-gre6", "net": "169.254.11", "mtu": 1400, "kind": "gre", "v6": True},
    "esp-udp6": {"name": "tb-espu6", "net": "169.254.23", "mtu": 1400, "kind": "ipsec",
                 "encap": "udp", "transform": "aes-gcm-256", "v6": True},
    "esp-raw6": {"name": "tb-espr6", "net": "169.254.24", "mtu": 1400, "kind": "ipsec",
                 "encap": "esp", "transform": "aes-gcm-256", "v6": True},
}
CHARON_INSIDE = ("169.254.30.1", "169.254.30.2")
SPI_A_TO_B, SPI_B_TO_A = 0x1001, 0x2001

#: (numerator, denominator, target or None): the ratios the report gives.
RATIOS = (
    ("gre", "null", 0.9),
    ("esp-udp", "null", 0.8),
    ("esp-raw", "null", 0.8),
    ("esp-udp", "charon", 15.0),
    ("esp-raw", "charon", 15.0),
    ("null", "veth", None),
)


# --------------------------------------------------------------------------
# CPU accounting
# --------------------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_cpu_s(pid: int | None) -> float:
    """User + system seconds of a process and all its threads so far."""
    if pid is None:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            # The command name may hold spaces; fields resume after ')'.
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def host_cpu() -> tuple[float, float]:
    """(busy, total) seconds summed over every CPU since boot."""
    with open("/proc/stat") as f:
        values = [int(v) for v in f.readline().split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    total = sum(values[:8])  # guest time is already inside user
    return (total - idle) / CLK_TCK, total / CLK_TCK


class CpuMeter:
    """CPU used by some processes, and by the whole machine, over a span."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def __enter__(self) -> "CpuMeter":
        self.t0 = time.monotonic()
        self.p0 = sum(proc_cpu_s(p) for p in self.pids)
        self.h0 = host_cpu()
        return self

    def __exit__(self, *exc) -> None:
        wall = max(time.monotonic() - self.t0, 1e-6)
        busy1, total1 = host_cpu()
        self.daemon_cores = (sum(proc_cpu_s(p) for p in self.pids) - self.p0) / wall
        dtotal = max(total1 - self.h0[1], 1e-6)
        self.host_cores = (busy1 - self.h0[0]) / dtotal * (os.cpu_count() or 1)


# --------------------------------------------------------------------------
# Where packets were lost: kernel counters of both namespaces
# --------------------------------------------------------------------------

#: /proc/net/snmp Udp counters that count datagrams the kernel dropped.
UDP_DROP_COUNTERS = ("InErrors", "RcvbufErrors", "SndbufErrors")


def drop_counters(ns: topo_lib.Namespace, side: str) -> dict[str, int]:
    """Every drop counter of a namespace that a lost datagram can land in:
    per device (rx/tx dropped, e.g. a TUN device whose reader falls behind)
    and the UDP layer's (a socket buffer that overflowed)."""
    out: dict[str, int] = {}
    for link in ns.ip_json("-s", "link", "show"):
        st = link.get("stats64", {})
        for direction in ("rx", "tx"):
            n = st.get(direction, {}).get("dropped", 0)
            if n:
                out[f"{side}:{link['ifname']} {direction}_dropped"] = n
    # Per socket (last column of /proc/net/udp): tells the tunnel's own
    # socket (port 4500) from iperf3's. A socket that lives only during
    # one test (iperf3's) is gone by the second reading; its share is
    # what RcvbufErrors counts beyond the sockets listed.
    for line in ns.run(["cat", "/proc/net/udp", "/proc/net/udp6"]).stdout.splitlines()[1:]:
        fields = line.split()
        if len(fields) >= 13 and fields[0] != "sl" and int(fields[-1]):
            port = int(fields[1].rsplit(":", 1)[1], 16)
            key = f"{side}:udp port {port} drops"
            out[key] = out.get(key, 0) + int(fields[-1])
    snmp = ns.run(["cat", "/proc/net/snmp"]).stdout.splitlines()
    udp = [line.split()[1:] for line in snmp if line.startswith("Udp:")]
    if len(udp) == 2:
        for name, value in zip(*udp):
            if name in UDP_DROP_COUNTERS and int(value):
                out[f"{side}:udp {name}"] = int(value)
    return out


def drops_between(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {k: v - before.get(k, 0) for k, v in after.items() if v - before.get(k, 0) > 0}


# --------------------------------------------------------------------------
# Setups: each builds its tunnel in a fresh topology
# --------------------------------------------------------------------------


@dataclass
class Endpoints:
    """Where iperf3 binds and connects, and the device traffic must use."""

    client: str
    server: str
    device: str


class Setup:
    """One way of joining the two namespaces."""

    name = "?"

    def __init__(self, args, topo: topo_lib.Topology, a: topo_lib.Namespace,
                 b: topo_lib.Namespace):
        self.args, self.topo, self.a, self.b = args, topo, a, b

    def start(self) -> Endpoints:
        raise NotImplementedError

    def pids(self) -> list[int]:
        """The processes that move the packets (empty: the kernel does)."""
        return []

    def state(self) -> dict:
        """What the tunnel itself reports after the tests (counters)."""
        return {}


class VethSetup(Setup):
    name = "veth"

    def start(self) -> Endpoints:
        return Endpoints(A_UNDER, B_UNDER, "eth0")


def tunneld_config(kind: str, local: str, remote: str, side: int, keys: dict) -> str:
    """The tunneld config of one side (0: a, 1: b) for a TUNNELS entry."""
    t = TUNNELS[kind]
    lines = [f"tunnel {t['kind']} {t['name']}", f" source {local}", f" destination {remote}"]
    if t["kind"] == "ipsec":
        lines.append(f" encapsulation {t['encap']}")
    lines += [f" inside-address {t['net']}.{side + 1}/30", f" mtu {t['mtu']}"]
    if t["kind"] == "ipsec":
        spi_out, spi_in = (SPI_A_TO_B, SPI_B_TO_A) if side == 0 else (SPI_B_TO_A, SPI_A_TO_B)
        for direction, spi in (("outbound", spi_out), ("inbound", spi_in)):
            sa = f" sa {direction} spi {spi:#x} {t['transform']}"
            if t["transform"] != "null":
                sa += f" key {keys[spi]}"
            lines.append(sa)
    return topo_lib.check_config_text("\n".join(lines) + "\n")


class TunneldSetup(Setup):
    """skygate-tunneld on both sides, configured by file (the agreed
    interface: -f CONFIG --rundir DIR, control socket DIR/tunneld.sock)."""

    def __init__(self, kind: str, *rest):
        super().__init__(*rest)
        self.kind = kind
        self.name = kind
        self.daemons: list[topo_lib.Daemon] = []
        self.sockets: list[Path] = []

    def start(self) -> Endpoints:
        t = TUNNELS[self.kind]
        # Fresh AES-256 keys and salts (RFC 4106 8.1: 32 + 4 bytes) per run.
        keys = {SPI_A_TO_B: os.urandom(36).hex(), SPI_B_TO_A: os.urandom(36).hex()}
        ua, ub = (A_UNDER6, B_UNDER6) if t.get("v6") else (A_UNDER, B_UNDER)
        for side, (ns, local, remote) in enumerate(((self.a, ua, ub), (self.b, ub, ua))):
            rundir = self.topo.make_dir(f"tunneld{side}")
            conf = rundir / "tunneld.conf"
            conf.write_text(tunneld_config(self.kind, local, remote, side, keys))
            check = ns.run([str(self.args.tunneld), "-f", str(conf), "--rundir", str(rundir),
                            "--check"], check=False, timeout=30)
            if check.returncode != 0:
                raise BenchError(f"tunneld --check refused {conf}:\n{check.stdout}{check.stderr}")
            argv = [str(self.args.tunneld), "-f", str(conf), "--rundir", str(rundir),
                    "--log-level", "info"]
            if self.args.workers:
                argv += ["--workers", str(self.args.workers)]
            sock = rundir / "tunneld.sock"
            daemon = self.topo.start_daemon(ns, f"tunneld-{'ab'[side]}", argv, rundir=rundir,
                                            ready=sock.exists, ready_s=30)
            self.daemons.append(daemon)
            self.sockets.append(sock)
            daemon.wait_ready(lambda ns=ns: ns.oper_up(t["name"]) or _admin_up(ns, t["name"]),
                              30, f"TUN device {t['name']} up")
        return Endpoints(f"{t['net']}.1", f"{t['net']}.2", t["name"])

    def pids(self) -> list[int]:
        return [d.pid for d in self.daemons]

    def state(self) -> dict:
        out = {}
        for side, sock in zip("ab", self.sockets):
            for cmd in (f"show tunnel {TUNNELS[self.kind]['name']} json", "show ipsec sa json"):
                try:
                    with Session(str(sock), timeout=10) as s:
                        reply = s.run(cmd)
                    value = json.loads(reply.output) if reply.ok else {"error": reply.output}
                except (OSError, ValueError, ConnectionError) as exc:
                    value = {"error": f"{type(exc).__name__}: {exc}"}
                out.setdefault(side, {})[cmd] = value
        return out


def _admin_up(ns: topo_lib.Namespace, ifname: str) -> bool:
    """A TUN device without carrier reports no LOWER_UP until someone has
    it open; tunneld does, but accept UP as well."""
    info = ns.ip_json("link", "show", "dev", ifname)
    return bool(info) and "UP" in info[0].get("flags", [])


class CharonSetup(Setup):
    name = "charon"

    def start(self) -> Endpoints:
        import base64
        psk = base64.b64encode(os.urandom(24)).decode()
        ia, ib = CHARON_INSIDE
        self.ca = Charon(self.topo, self.a, CharonEnd(A_UNDER, B_UNDER, ia, ib), psk,
                         daemon_name="charon-a").start()
        self.cb = Charon(self.topo, self.b, CharonEnd(B_UNDER, A_UNDER, ib, ia), psk,
                         daemon_name="charon-b").start()
        self.ca.initiate()
        for side in (self.ca, self.cb):
            side.daemon.wait_ready(lambda side=side: side.child_sas(), 20,
                                   "CHILD_SA installed")
        dev = self.ca.tun_device() or "ipsec0"
        return Endpoints(ia, ib, dev)

    def pids(self) -> list[int]:
        return [self.ca.pid, self.cb.pid]

    def state(self) -> dict:
        out = {}
        for side, c in (("a", self.ca), ("b", self.cb)):
            try:
                out[side] = {"child_sas": c.child_sas()}
            except StrongswanError as exc:
                out[side] = {"error": str(exc)[:500]}
        return out


def make_setup(name: str, args, topo, a, b) -> Setup:
    if name == "veth":
        return VethSetup(args, topo, a, b)
    if name == "charon":
        return CharonSetup(args, topo, a, b)
    return TunneldSetup(name, args, topo, a, b)


# --------------------------------------------------------------------------
# Tests
# --------------------------------------------------------------------------


def rate_bits(text: str) -> float:
    """'500M' -> 5e8, '2G' -> 2e9 (iperf3's own suffixes, powers of 1000)."""
    mult = {"K": 1e3, "M": 1e6, "G": 1e9}.get(text[-1].upper(), 1.0)
    return float(text[:-1] if text[-1].isalpha() else text) * mult


def test_list(args) -> list[dict]:
    tests = [{"name": "tcp1", "proto": "tcp", "streams": 1},
             {"name": "tcp4", "proto": "tcp", "streams": 4}]
    tests += [{"name": f"udp@{r}", "proto": "udp", "streams": 1, "rate": r}
              for r in args.udp_rates]
    return tests


def iperf(args, ns: topo_lib.Namespace, ep: Endpoints, test: dict) -> dict:
    """One iperf3 client run; the numbers that matter from its JSON."""
    argv = ["iperf3", "-c", ep.server, "-B", ep.client, "-p", str(IPERF_PORT),
            "-t", str(args.seconds), "-P", str(test["streams"]), "-J", "--connect-timeout", "5000"]
    if test["proto"] == "udp":
        argv += ["-u", "-b", test["rate"], "-l", str(UDP_PAYLOAD)]
    proc = ns.run(argv, check=False, timeout=args.seconds + 60)
    try:
        data = json.loads(proc.stdout)
    except ValueError:
        raise BenchError(f"iperf3 gave no JSON (exit {proc.returncode}): {proc.stderr[-500:]}")
    if "error" in data:
        raise BenchError(f"iperf3: {data['error']}")
    end = data["end"]
    cpu = end.get("cpu_utilization_percent", {})
    out = {"iperf_cpu_client_pct": round(cpu.get("host_total", 0.0), 1),
           "iperf_cpu_server_pct": round(cpu.get("remote_total", 0.0), 1)}
    if test["proto"] == "tcp":
        out["gbps"] = end["sum_received"]["bits_per_second"] / 1e9
        out["retransmits"] = end["sum_sent"].get("retransmits", 0)
    else:
        rx, tx = end["sum_received"], end["sum_sent"]
        out["gbps"] = rx["bits_per_second"] / 1e9
        out["sent_gbps"] = tx["bits_per_second"] / 1e9
        out["loss_pct"] = rx.get("lost_percent", 0.0)
        out["packets"] = rx.get("packets", 0)
        out["lost"] = rx.get("lost_packets", 0)
    return out


def ping_through(ns: topo_lib.Namespace, ep: Endpoints, deadline_s: float) -> None:
    def one():
        return ns.run(["ping", "-n", "-q", "-c", "1", "-W", "1", "-I", ep.client, ep.server],
                      check=False, timeout=10).returncode == 0
    try:
        wait_until(one, deadline_s, f"ping {ep.client} -> {ep.server}", interval_s=0.2)
    except AssertionError as exc:
        raise BenchError(str(exc)) from None


def route_device(ns: topo_lib.Namespace, ep: Endpoints) -> str:
    """The device the kernel sends the client's traffic to the server by."""
    out = ns.ip("-j", "route", "get", ep.server, "from", ep.client).stdout
    return (json.loads(out) or [{}])[0].get("dev", "?")


def run_setup(args, name: str, rep: int, result: dict, factory=None) -> None:
    """Build one setup, run every test on it, tear it down. Fills in result
    as it goes, so an interrupted or failed setup keeps what it measured.
    factory(name, args, topo, a, b) makes the Setup (default make_setup):
    other benchmarks bring setups of their own to the same tests."""
    topo = topo_lib.Topology(name=f"tunnel-bench-{name}")
    try:
        a = topo.add_namespace("tba")
        b = topo.add_namespace("tbb")
        topo.add_link(a, b, [f"{A_UNDER}/24", f"{A_UNDER6}/64"], [f"{B_UNDER}/24", f"{B_UNDER6}/64"],
                      a_if="eth0", b_if="eth0")
        setup = (factory or make_setup)(name, args, topo, a, b)
        ep = setup.start()
        ping_through(a, ep, 30)
        dev = route_device(a, ep)
        if dev != ep.device:
            raise BenchError(f"traffic to {ep.server} would leave by {dev}, not {ep.device}")
        topo.start_daemon(b, "iperf3", ["iperf3", "-s", "-B", ep.server, "-p", str(IPERF_PORT)],
                          ready=lambda: _listening(b, IPERF_PORT), ready_s=10)
        for test in test_list(args):
            say(args, f"    {name} {test['name']} {args.seconds} s ...")
            before = drop_counters(a, "a") | drop_counters(b, "b")
            with CpuMeter(setup.pids()) as cpu:
                r = iperf(args, a, ep, test)
            r["daemon_cores"] = round(cpu.daemon_cores, 3)
            r["host_cores"] = round(cpu.host_cores, 3)
            if setup.pids() and r["gbps"] > 0:
                # What the tunnel costs per byte it carried: less
                # sensitive to other load on the machine than Gbit/s.
                r["daemon_s_per_gb"] = round(8 * cpu.daemon_cores / r["gbps"], 3)
            r["kernel_drops"] = drops_between(before, drop_counters(a, "a") | drop_counters(b, "b"))
            result["tests"][test["name"]] = r
            loss = f", loss {r['loss_pct']:.2f} %" if "loss_pct" in r else ""
            say(args, f"      {r['gbps']:.3f} Gbit/s{loss}, tunnel CPU {r['daemon_cores']:.2f} "
                      f"cores, machine {r['host_cores']:.2f} cores")
            if r["kernel_drops"]:
                say(args, "      kernel drops: " + ", ".join(
                    f"{k} {v}" for k, v in sorted(r["kernel_drops"].items())))
        result["state"] = setup.state()
        result["ok"] = True
    except BenchError as exc:
        result["error"] = str(exc)
    except (topo_lib.DaemonError, topo_lib.CommandError, StrongswanError, AssertionError,
            OSError, subprocess.TimeoutExpired) as exc:
        result["error"] = f"{type(exc).__name__}: {exc}"
    except KeyboardInterrupt:
        result["error"] = "interrupted"
        raise
    finally:
        with signals_held():
            for d in topo.daemons:
                if d.name.startswith("tunneld") and not d.running():
                    result.setdefault("warnings", []).append(
                        f"{d.name} exited with status {d.proc.returncode}")
            try:
                topo.teardown()
            except topo_lib.TeardownError as exc:
                result.setdefault("warnings", []).append(str(exc))
            for d in topo.daemons:
                if d.name.startswith("tunneld") and d.proc and d.proc.returncode not in (0, None):
                    result.setdefault("warnings", []).append(
                        f"{d.name} stopped with status {d.proc.returncode}")
                if d.sanitizer_report:
                    result.setdefault("warnings", []).append(f"{d.name}: {d.sanitizer_report}")


def _listening(ns: topo_lib.Namespace, port: int) -> bool:
    out = ns.run(["ss", "-Htln", f"sport = :{port}"], check=False).stdout
    return bool(out.strip())


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------


def medians(runs: list[dict]) -> dict:
    """{setup: {test: {metric: median over repeats}}}: every test that
    completed counts, also in a setup that failed or was interrupted later
    (the report lists those failures)."""
    acc: dict = {}
    for r in runs:
        for tname, t in r["tests"].items():
            for k, v in t.items():
                if not isinstance(v, (int, float)):
                    continue
                acc.setdefault(r["setup"], {}).setdefault(tname, {}).setdefault(k, []).append(v)
    return {s: {t: {k: round(statistics.median(v), 4) for k, v in m.items()}
                for t, m in tests.items()} for s, tests in acc.items()}


def ratios(med: dict) -> list[dict]:
    out = []
    for num, den, target in RATIOS:
        for test in ("tcp1", "tcp4"):
            n = med.get(num, {}).get(test, {}).get("gbps")
            d = med.get(den, {}).get(test, {}).get("gbps")
            entry = {"ratio": f"{num}/{den}", "test": test, "target": target}
            if n is None or d is None or d <= 0:
                entry["value"] = None
                entry["verdict"] = "not measured"
            else:
                entry["value"] = round(n / d, 3)
                entry["verdict"] = ("-" if target is None else
                                    "meets" if n / d >= target else "below")
            out.append(entry)
    return out


def table(report: dict) -> str:
    lines = [f"tunnel-bench: {report['setup']['seconds']} s per test, "
             f"{report['setup']['repeat']} repeat(s), medians; "
             f"{report['setup']['cpus']} CPUs, kernel {report['setup']['kernel']}",
             "CPU: tunnel = both tunnel daemons (cores), s/GB = their CPU seconds per GB "
             "received, machine = all CPUs busy (cores)",
             "",
             f"{'setup':<9} {'test':<9} {'Gbit/s':>8} {'sent':>8} {'loss %':>7} {'retr':>6} "
             f"{'tunnel':>7} {'s/GB':>6} {'machine':>8}"]
    med = report["medians"]
    for name in report["setup"]["setups"]:
        if name not in med:
            why = next((r.get("error", "") for r in report["runs"]
                        if r["setup"] == name and not r["ok"]),
                       "interrupted before it ran" if report["setup"]["interrupted"]
                       else "not run")
            lines.append(f"{name:<9} NOT MEASURED: {why.splitlines()[0] if why else ''}")
            continue
        for tname, t in med[name].items():
            sent = f"{t['sent_gbps']:.3f}" if "sent_gbps" in t else ""
            loss = f"{t['loss_pct']:.2f}" if "loss_pct" in t else ""
            retr = f"{int(t['retransmits'])}" if "retransmits" in t else ""
            tun = f"{t['daemon_cores']:.2f}" if name != "veth" else "-"
            cost = f"{t['daemon_s_per_gb']:.2f}" if "daemon_s_per_gb" in t else "-"
            lines.append(f"{name:<9} {tname:<9} {t['gbps']:>8.3f} {sent:>8} {loss:>7} {retr:>6} "
                         f"{tun:>7} {cost:>6} {t['host_cores']:>8.2f}")
    drops = [(r["setup"], r["repeat"], t, d["kernel_drops"]) for r in report["runs"]
             for t, d in r["tests"].items() if d.get("kernel_drops")]
    if drops:
        lines += ["", "kernel drop counters that moved during a test (a: client side, "
                      "b: server side):"]
        for setup, rep, tname, d in drops:
            counters = ", ".join(f"{k} {v}" for k, v in sorted(d.items()))
            lines.append(f"  {setup} {tname} (repeat {rep}): {counters}")
    lines += ["", f"{'ratio':<16} {'test':<6} {'value':>8} {'target':>8}  verdict"]
    for r in report["ratios"]:
        value = f"{r['value']:.3f}" if r["value"] is not None else "-"
        target = f">= {r['target']:g}" if r["target"] is not None else ""
        lines.append(f"{r['ratio']:<16} {r['test']:<6} {value:>8} {target:>8}  {r['verdict']}")
    for r in report["runs"]:
        for w in r.get("warnings", []):
            lines.append(f"WARNING {r['setup']}: {w.splitlines()[0]}")
        if not r["ok"] and r.get("error") and r["repeat"] > 0:
            lines.append(f"ERROR {r['setup']} (repeat {r['repeat']}): {r['error']}")
    return "\n".join(lines)


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


def versions(args) -> dict:
    out = {"iperf3": first_line(["iperf3", "--version"]),
           "strongswan": first_line(["swanctl", "--version"])}
    if args.tunneld:
        out["skygate-tunneld"] = first_line([str(args.tunneld), "--version"])
        try:
            out["skygate-source"] = subprocess.run(
                ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                capture_output=True, text=True, timeout=30).stdout.strip()
        except OSError:
            pass
    return out


def preflight(args) -> list[str]:
    """The setups that can run here; the others are reported, not hidden."""
    if os.geteuid() != 0:
        raise SystemExit("tunnel_bench: needs root (network namespaces)")
    for tool in ("iperf3", "ip", "ping", "ss"):
        if shutil.which(tool) is None:
            raise SystemExit(f"tunnel_bench: {tool} not installed (scripts/install-deps.sh)")
    tunneld = args.build / "vpn" / "tunneld" / "skygate-tunneld"
    args.unavailable = {}
    usable = []
    for s in args.setups:
        why = None
        if s in TUNNELD_SETUPS and not tunneld.exists():
            why = f"{tunneld} not built: bash scripts/build.sh main"
        elif s == "charon":
            why = strongswan_available()
        if why:
            say(args, f"cannot run {s}: {why}")
            args.unavailable[s] = why
        else:
            usable.append(s)
    stale = topo_lib.stale_netns()
    if stale:
        say(args, f"note: namespaces left by earlier runs: {' '.join(stale)}")
    return usable


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Tunnel data-plane throughput: skygate-tunneld (null, GRE, ESP) against "
                    "a plain veth and strongSwan charon + kernel-libipsec, side by side.")
    p.add_argument("--quick", action="store_true", help="3 s per test instead of 10")
    p.add_argument("--seconds", type=int, help="seconds per test (overrides --quick)")
    p.add_argument("--setups", default=",".join(SETUPS),
                   help=f"comma-separated subset of {','.join(ALL_SETUPS)} (default: all but the IPv6 ones)")
    p.add_argument("--udp-rates", default="500M,2G",
                   help="UDP offered rates, iperf3 suffixes (default 500M,2G)")
    p.add_argument("--repeat", type=int, default=1,
                   help="runs of every setup (default 1); the report gives medians")
    p.add_argument("--workers", type=int, help="tunneld --workers N (default: its own)")
    p.add_argument("--build", type=Path, default=ROOT / "build" / "main",
                   help="skygate build directory (default build/main)")
    p.add_argument("--json", metavar="FILE", help="also write the full report as JSON to FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    args.setups = [s for s in args.setups.split(",") if s]
    bad = [s for s in args.setups if s not in ALL_SETUPS]
    if bad:
        p.error(f"unknown setup: {', '.join(bad)}")
    args.udp_rates = [r for r in args.udp_rates.split(",") if r]
    for r in args.udp_rates:
        try:
            if rate_bits(r) <= 0:
                raise ValueError
        except ValueError:
            p.error(f"--udp-rates: bad rate {r!r}")
    args.seconds = args.seconds or (3 if args.quick else 10)
    if args.seconds < 1 or args.repeat < 1:
        p.error("--seconds and --repeat must be at least 1")
    args.build = args.build.resolve()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    interrupt_on_signals()
    usable = preflight(args)
    runs: list[dict] = []
    interrupted = False
    with tempfile.TemporaryDirectory(prefix="tunnel-bench-") as tmp:
        args.tunneld = None
        if any(s in TUNNELD_SETUPS for s in usable):
            # A private copy: a rebuild during the run must not mix two
            # versions of the daemon in one report.
            args.tunneld = Path(tmp) / "skygate-tunneld"
            shutil.copy2(args.build / "vpn" / "tunneld" / "skygate-tunneld", args.tunneld)
        tool_versions = versions(args)
        total = len(usable) * args.repeat
        step = 0
        try:
            for rep in range(1, args.repeat + 1):
                # Setups take turns within each repeat, so a drift in the
                # machine's load hits all of them alike.
                for name in usable:
                    step += 1
                    say(args, f"[{step}/{total}] {name} (repeat {rep}) ...")
                    r = {"setup": name, "repeat": rep, "ok": False, "tests": {}}
                    runs.append(r)
                    run_setup(args, name, rep, r)
                    if not r["ok"]:
                        say(args, f"    FAILED: {r.get('error', '').splitlines()[0]}")
        except KeyboardInterrupt:
            interrupted = True
            say(args, "interrupted; reporting what was measured")
    for s, why in args.unavailable.items():
        runs.append({"setup": s, "repeat": 0, "ok": False, "tests": {}, "error": why})
    med = medians(runs)
    report = {
        "benchmark": "tunnel-bench",
        "setup": {"seconds": args.seconds, "repeat": args.repeat, "setups": args.setups,
                  "udp_rates": args.udp_rates, "udp_packet_bytes": UDP_PACKET,
                  "workers": args.workers, "cpus": os.cpu_count(),
                  "kernel": platform.release(), "versions": tool_versions,
                  "mtu": {k: v["mtu"] for k, v in TUNNELS.items()} | {"charon": 1400,
                                                                        "veth": 1500},
                  "interrupted": interrupted},
        "medians": med,
        "ratios": ratios(med),
        "runs": runs,
    }
    print(table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
        say(args, f"JSON report written to {args.json}")
    return 0 if runs and all(r["ok"] for r in runs) and not interrupted else 1


if __name__ == "__main__":
    sys.exit(main())
