#!/usr/bin/python3
"""bench/ike-bench: IKE at scale and IKE-keyed throughput, skygate to skygate.

Two measurements, each between two fresh network namespaces joined by a
veth, with skygate-tunneld (embedded charon) at both ends:

  bringup     N IPsec tunnels (default 100) keyed by IKEv2 with a
              pre-shared key: the time from starting the initiating
              tunneld until every tunnel's CHILD_SA is installed (`show
              tunnel json`: ike state "up") on both sides; and, with
              skygate-routed at both ends peering over every tunnel's
              inside /30, until all N BGP sessions are Established.
              Reported as total seconds and seconds per tunnel.
  throughput  bench/tunnel_bench.py's iperf3 tests over one IKE-keyed
              tunnel and over the manually keyed tunnel of the same
              encapsulation in the same run; the ratio ike/manual (the
              target: equal within noise).

    ikr (responder)                               iki (initiator)
    eth0 192.0.2.1/24 -------- veth -------- eth0 192.0.2.10 ... 192.0.2.(9+N)/24
    tunnel i: 169.254.(100 + i/64).(4(i%64)+1)/30 == 169.254.(100 + i/64).(4(i%64)+2)/30

The far site has one underlay address per tunnel, as a cloud VPN gateway
has one per tunnel: IKE identities are the addresses, so one pair of
addresses per tunnel keeps the tunnels apart.

Between two public addresses charon negotiates plain ESP (no NAT, so no
UDP encapsulation, RFC 7296 2.23): the manual reference is therefore
tunnel_bench's esp-raw setup.

The machine may be shared: every figure is the median of --repeat runs.
Run as root with Debian's python3; see bench/README-ike.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "bench"))

from lib import topo as topo_lib  # noqa: E402
from lib.jsonmatch import wait_until  # noqa: E402
from lib.skyipc import Session  # noqa: E402
from lib.strongswan import StrongswanError, strongswan_available  # noqa: E402
from benchlib import BenchError, interrupt_on_signals, say, signals_held  # noqa: E402
import tunnel_bench  # noqa: E402

RESP_UNDER = "192.0.2.1"
INIT_UNDER_BASE = 10      # 192.0.2.10 onwards, one per tunnel
MAX_TUNNELS = 240         # what 192.0.2.10 .. 192.0.2.249 allows
RESP_AS, INIT_AS = 64512, 64513
IKE_TUNNEL = {"name": "tb-ike", "net": "169.254.25"}
MANUAL_REFERENCE = "esp-raw"


def init_under(i: int) -> str:
    return f"192.0.2.{INIT_UNDER_BASE + i}"


def inside(i: int, side: int) -> str:
    """Tunnel i's inside address; side 0 the responder (.1), 1 the initiator (.2)."""
    return f"169.254.{100 + i // 64}.{4 * (i % 64) + 1 + side}"


def tunnel_name(i: int) -> str:
    return f"ike{i}"


def tunneld_conf(n: int, side: int, psk: str) -> str:
    out = []
    for i in range(n):
        local, peer = (RESP_UNDER, init_under(i)) if side == 0 else (init_under(i), RESP_UNDER)
        out.append(f"tunnel ipsec {tunnel_name(i)}\n local-address {local}\n peer-address {peer}\n"
                   f" inside-address {inside(i, side)}/30\n authentication pre-shared-key {psk}\n"
                   + (" respond\n" if side == 0 else " initiate\n"))
    return topo_lib.check_config_text("".join(out))


def routed_conf(n: int, side: int) -> str:
    my_as, peer_as = (RESP_AS, INIT_AS) if side == 0 else (INIT_AS, RESP_AS)
    lines = [f"router bgp {my_as}", f" bgp router-id {RESP_UNDER if side == 0 else init_under(0)}"]
    for i in range(n):
        peer = inside(i, 1 - side)
        # A connection tried before its CHILD_SA is up fails: try again
        # every 2 s rather than after the default 120 s.
        lines += [f" neighbor {peer} remote-as {peer_as}", f" neighbor {peer} timers connect 2"]
    return topo_lib.check_config_text("\n".join(lines) + "\n")


class Tunneld:
    def __init__(self, args, topo, ns, label: str, config: str):
        self.rundir = topo.make_dir(label)
        self.sock = self.rundir / "tunneld.sock"
        argv = [str(args.tunneld), "-f", "{rundir}/tunneld.conf", "--rundir", "{rundir}",
                "--log-level", "notice"]
        if args.workers:
            argv += ["--workers", str(args.workers)]
        self.daemon = topo.start_daemon(ns, label, argv, rundir=self.rundir,
                                        files={"tunneld.conf": config},
                                        ready=self.sock.exists, ready_s=60)

    def show(self, cmd: str) -> dict:
        with Session(str(self.sock), timeout=30) as s:
            reply = s.run(cmd)
        if not reply.ok:
            raise BenchError(f"{cmd}: {reply.output}")
        return json.loads(reply.output)

    def ike_up(self) -> int:
        return sum(1 for t in self.show("show tunnel json")["tunnels"]
                   if t.get("ike", {}).get("state") == "up")


def peer_states(session: Session) -> dict[str, str]:
    reply = session.run("show bgp summary json")
    peers = json.loads(reply.output).get("ipv4Unicast", {}).get("peers", {}) if reply.ok else {}
    return {addr: p.get("state", "?") for addr, p in peers.items()}


def established(session: Session) -> int:
    return sum(1 for s in peer_states(session).values() if s == "Established")


def bringup_once(args, rep: int) -> dict:
    """One bring-up of args.tunnels tunnels: seconds until all are up."""
    n = args.tunnels
    topo = topo_lib.Topology(name="ike-bench-bringup")
    result: dict = {"repeat": rep, "tunnels": n}
    try:
        r = topo.add_namespace("ikr")
        i = topo.add_namespace("iki")
        topo.add_link(r, i, [f"{RESP_UNDER}/24"], [f"{init_under(k)}/24" for k in range(n)],
                      a_if="eth0", b_if="eth0")
        psk = os.urandom(16).hex()
        resp = Tunneld(args, topo, r, "tunneld-r", tunneld_conf(n, 0, psk))
        sessions = []
        if args.bgp:
            for ns, side in ((r, 0), (i, 1)):
                gw_dir = topo.make_dir(f"routed{side}")
                argv = topo_lib.rundir_argv(str(args.routed), "routed.conf", "--statedir", "{rundir}",
                                            "--log-level", "notice")
                topo.start_daemon(ns, f"routed{side}", argv, rundir=gw_dir,
                                  files={"routed.conf": routed_conf(n, side)},
                                  ready=lambda d=gw_dir: (d / "routed.sock").exists(), ready_s=60)
                s = Session(str(gw_dir / "routed.sock"))
                topo.add_cleanup("close CLI session", s.close)
                sessions.append(s)
        # The clock starts with the initiator: the responder, and routed,
        # are already waiting.
        t0 = time.monotonic()
        init = Tunneld(args, topo, i, "tunneld-i", tunneld_conf(n, 1, psk))
        started = time.monotonic() - t0
        try:
            wait_until(lambda: init.ike_up() == n and resp.ike_up() == n, args.deadline,
                       f"all {n} CHILD_SAs up on both sides", interval_s=0.2)
        except AssertionError as exc:
            raise BenchError(f"{exc} (initiator {init.ike_up()}, responder {resp.ike_up()} up)") from None
        ike_s = time.monotonic() - t0
        result |= {"tunneld_start_s": round(started, 3), "ike_s": round(ike_s, 3),
                   "ike_ms_per_tunnel": round(1000 * ike_s / n, 2)}
        say(args, f"    {n} tunnels up in {ike_s:.2f} s ({1000 * ike_s / n:.1f} ms a tunnel)")
        if args.bgp:
            try:
                wait_until(lambda: all(established(s) == n for s in sessions), args.deadline,
                           f"all {n} BGP sessions Established", interval_s=0.2)
            except AssertionError as exc:
                down = [{a: st for a, st in peer_states(s).items() if st != "Established"} for s in sessions]
                raise BenchError(f"{exc} ({[established(s) for s in sessions]} Established; "
                                 f"down, responder then initiator side: {down})") from None
            bgp_s = time.monotonic() - t0
            result |= {"bgp_s": round(bgp_s, 3), "bgp_ms_per_tunnel": round(1000 * bgp_s / n, 2)}
            say(args, f"    {n} BGP sessions Established in {bgp_s:.2f} s")
        result["ok"] = True
    except (BenchError, topo_lib.DaemonError, topo_lib.CommandError, OSError, ValueError) as exc:
        result["ok"] = False
        result["error"] = f"{type(exc).__name__}: {exc}"
        say(args, f"    FAILED: {result['error'].splitlines()[0]}")
    finally:
        with signals_held():
            try:
                topo.teardown()
            except topo_lib.TeardownError as exc:
                result.setdefault("warnings", []).append(str(exc))
    return result


class IkeSetup(tunnel_bench.Setup):
    """tunnel_bench's two namespaces joined by one IKE-keyed tunnel: a
    initiates, b responds; same inside MTU (1400) as every other setup."""

    name = "ike"

    def __init__(self, *rest):
        super().__init__(*rest)
        self.tunnelds: list[Tunneld] = []

    def start(self) -> tunnel_bench.Endpoints:
        psk = os.urandom(16).hex()
        t = IKE_TUNNEL
        under = (tunnel_bench.A_UNDER, tunnel_bench.B_UNDER)
        for side, ns in enumerate((self.a, self.b)):
            conf = (f"tunnel ipsec {t['name']}\n local-address {under[side]}\n"
                    f" peer-address {under[1 - side]}\n inside-address {t['net']}.{side + 1}/30\n"
                    f" mtu 1400\n authentication pre-shared-key {psk}\n"
                    + (" initiate\n" if side == 0 else " respond\n"))
            self.tunnelds.append(Tunneld(self.args, self.topo, ns, f"tunneld-{'ab'[side]}",
                                         topo_lib.check_config_text(conf)))
        try:
            wait_until(lambda: all(td.ike_up() == 1 for td in self.tunnelds), 60,
                       "the IKE tunnel's CHILD_SA up on both sides")
        except AssertionError as exc:
            raise BenchError(str(exc)) from None
        return tunnel_bench.Endpoints(f"{t['net']}.1", f"{t['net']}.2", t["name"])

    def pids(self) -> list[int]:
        return [td.daemon.pid for td in self.tunnelds]

    def state(self) -> dict:
        return {side: {"show ipsec sa json": td.show("show ipsec sa json")}
                for side, td in zip("ab", self.tunnelds)}


def setup_factory(name, args, topo, a, b):
    if name == "ike":
        return IkeSetup(args, topo, a, b)
    return tunnel_bench.make_setup(name, args, topo, a, b)


def throughput(args) -> list[dict]:
    runs = []
    for rep in range(1, args.repeat + 1):
        # Taking turns within each repeat: a drift in the machine's load
        # hits both alike.
        for name in (MANUAL_REFERENCE, "ike"):
            say(args, f"throughput {name} (repeat {rep}) ...")
            r = {"setup": name, "repeat": rep, "ok": False, "tests": {}}
            runs.append(r)
            try:
                tunnel_bench.run_setup(args, name, rep, r, factory=setup_factory)
            except StrongswanError as exc:
                r["error"] = str(exc)
            if not r["ok"]:
                say(args, f"    FAILED: {r.get('error', '').splitlines()[0]}")
    return runs


def median_of(runs: list[dict], key: str):
    vals = [r[key] for r in runs if r.get("ok") and key in r]
    return round(statistics.median(vals), 3) if vals else None


def report_text(rep: dict) -> str:
    lines = [f"ike-bench: medians of {rep['repeat']} run(s); shared machine, wall-clock figures are noisy"]
    b = rep.get("bringup")
    if b:
        m = b["medians"]
        lines.append(f"bring-up of {b['tunnels']} tunnels (skygate to skygate, IKEv2 PSK):")
        lines.append(f"  IKE + CHILD_SA up   {m['ike_s']} s total, {m['ike_ms_per_tunnel']} ms a tunnel")
        if "bgp_s" in m:
            lines.append(f"  + BGP Established   {m['bgp_s']} s total, {m['bgp_ms_per_tunnel']} ms a tunnel")
        for r in b["runs"]:
            if not r.get("ok"):
                lines.append(f"  run {r['repeat']} FAILED: {r.get('error', '').splitlines()[0]}")
    t = rep.get("throughput")
    if t:
        lines.append(f"throughput, {rep['seconds']} s per test, Gbit/s:")
        lines.append(f"  {'test':<10} {MANUAL_REFERENCE + ' (manual)':>18} {'ike':>10} {'ike/manual':>11}")
        med = t["medians"]
        for test in sorted({k for s in med.values() for k in s}):
            man = med.get(MANUAL_REFERENCE, {}).get(test, {}).get("gbps")
            ike = med.get("ike", {}).get(test, {}).get("gbps")
            ratio = f"{ike / man:.3f}" if man and ike is not None else "-"
            lines.append(f"  {test:<10} {man if man is not None else '-':>18} "
                         f"{ike if ike is not None else '-':>10} {ratio:>11}")
        for r in t["runs"]:
            if not r.get("ok"):
                lines.append(f"  {r['setup']} run {r['repeat']} FAILED: {r.get('error', '').splitlines()[0]}")
    return "\n".join(lines)


def parse_args(argv=None):
    p = argparse.ArgumentParser(description="IKE at scale (tunnel bring-up) and IKE-keyed "
                                            "throughput, skygate-tunneld to skygate-tunneld.")
    p.add_argument("--only", choices=("bringup", "throughput"), help="one of the two measurements")
    p.add_argument("--tunnels", type=int, default=100, help="tunnels to bring up (default 100)")
    p.add_argument("--no-bgp", dest="bgp", action="store_false",
                   help="bring-up without routed and its BGP sessions")
    p.add_argument("--deadline", type=float, default=300.0,
                   help="seconds a bring-up may take before it counts as failed (default 300)")
    p.add_argument("--repeat", type=int, default=3, help="runs of each measurement (default 3); medians")
    p.add_argument("--seconds", type=int, default=5, help="seconds per iperf3 test (default 5)")
    p.add_argument("--udp-rates", default="500M", help="UDP offered rates, iperf3 suffixes (default 500M)")
    p.add_argument("--workers", type=int, help="tunneld --workers N (default: its own)")
    p.add_argument("--build", type=Path, default=ROOT / "build" / "main",
                   help="skygate build directory (default build/main)")
    p.add_argument("--json", metavar="FILE", help="also write the full report as JSON to FILE")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    args = p.parse_args(argv)
    if not 1 <= args.tunnels <= MAX_TUNNELS:
        p.error(f"--tunnels must be 1 to {MAX_TUNNELS}")
    if args.repeat < 1 or args.seconds < 1:
        p.error("--repeat and --seconds must be at least 1")
    args.udp_rates = [r for r in args.udp_rates.split(",") if r]
    args.build = args.build.resolve()
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("ike_bench: needs root (network namespaces)")
    why = strongswan_available()
    if why:
        raise SystemExit(f"ike_bench: strongSwan libraries missing ({why}): scripts/install-deps.sh")
    interrupt_on_signals()
    report: dict = {"benchmark": "ike-bench", "repeat": args.repeat, "seconds": args.seconds,
                    "cpus": os.cpu_count()}
    ok = True
    with tempfile.TemporaryDirectory(prefix="ike-bench-") as tmp:
        # Private copies: a rebuild during the run must not mix versions.
        args.tunneld = Path(tmp) / "skygate-tunneld"
        args.routed = Path(tmp) / "skygate-routed"
        shutil.copy2(args.build / "vpn" / "tunneld" / "skygate-tunneld", args.tunneld)
        shutil.copy2(args.build / "routed" / "skygate-routed", args.routed)
        report["versions"] = tunnel_bench.versions(args)
        try:
            if args.only in (None, "bringup"):
                runs = []
                for rep in range(1, args.repeat + 1):
                    say(args, f"bring-up of {args.tunnels} tunnels (repeat {rep}) ...")
                    runs.append(bringup_once(args, rep))
                keys = ("ike_s", "ike_ms_per_tunnel") + (("bgp_s", "bgp_ms_per_tunnel") if args.bgp else ())
                report["bringup"] = {"tunnels": args.tunnels, "bgp": args.bgp, "runs": runs,
                                     "medians": {k: median_of(runs, k) for k in keys}}
                ok &= all(r["ok"] for r in runs)
            if args.only in (None, "throughput"):
                runs = throughput(args)
                report["throughput"] = {"reference": MANUAL_REFERENCE, "runs": runs,
                                        "medians": tunnel_bench.medians(runs)}
                ok &= all(r["ok"] for r in runs)
        except KeyboardInterrupt:
            report["interrupted"] = True
            ok = False
            say(args, "interrupted; reporting what was measured")
    print(report_text(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
