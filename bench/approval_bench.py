#!/usr/bin/python3
"""bench/approval_bench: route approval at scale in skygate-routed.

bench/bgp_feeder feeds N prefixes (default 100,000) to skygate-routed in
`approval mode gateway`, so every one of them is held pending. Then, over
the CLI socket, as an operator or the controller would:

  list        `show bgp approval pending json`: request to the last byte of
              the reply, and the same with the reply parsed by Python;
              `show bgp approval pending` (text) as well
  approve     `bgp approval approve all-pending`: one SQLite transaction of
              N rules and N audit records, committed, then every held path
              released; request to reply
  approved    `show bgp approval approved json`: N routes, each with its
              rule, and the N rules
  loc-rib     from the approve-all request until `show bgp summary json`
              says every route is best (ribCount is fed while held paths
              already count, so this polls the approval counters instead)
  restart     stop routed, start it on the same state directory: until its
              CLI answers with the N rules loaded from SQLite
  relearn     after the restart, a new feeder session: from its go until
              all N re-learned routes are approved (a rule lookup per
              received route, no decision needed; includes the feed itself)

    feed ns                    rcv ns
    bgp_feeder AS 64512 ------ skygate-routed AS 64513
    192.0.2.1/24               192.0.2.2/24

Routes stay out of the kernel (--no-fib): the kernel's cost is
bench/bgp_ingest.py's subject, not approval's. Wall-clock times on a
shared machine are noisy: each figure is the median of --repeat runs, and
the load average at the start is reported next to it.

Run as root with Debian's python3; see bench/README-approval.md.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from lib import topo as topo_lib  # noqa: E402
from lib.skyipc import Session  # noqa: E402
from benchlib import BenchError, interrupt_on_signals, say, signals_held  # noqa: E402

FEEDER_AS, GW_AS = 64512, 64513
FEEDER, GW = "192.0.2.1", "192.0.2.2"


def routed_config() -> str:
    return (f"router bgp {GW_AS}\n bgp router-id {GW}\n approval mode gateway\n"
            f" neighbor {FEEDER} remote-as {FEEDER_AS}\n")


def poll(what: str, deadline_s: float, fn, interval_s: float = 0.05):
    start = time.monotonic()
    while True:
        value = fn()
        if value:
            return value
        if time.monotonic() - start > deadline_s:
            raise BenchError(f"{what}: not done after {deadline_s:g} s")
        time.sleep(interval_s)


def timed(session: Session, line: str) -> tuple[float, str]:
    start = time.monotonic()
    reply = session.run(line)
    took = time.monotonic() - start
    if not reply.ok:
        raise BenchError(f"{line}: {reply.output.strip()}")
    return took, reply.output


class Gateway:
    def __init__(self, topo, ns, binary: str, statedir: Path, callgrind: str | None = None):
        self.topo, self.ns, self.binary, self.statedir = topo, ns, binary, statedir
        self.callgrind = callgrind
        self.daemon = None
        self.session: Session | None = None

    def start(self) -> float:
        """Start routed; seconds until its CLI answers."""
        rundir = self.topo.make_dir("gw")
        start = time.monotonic()
        argv = [self.binary, "--rundir", "{rundir}", "-f", "{rundir}/routed.conf",
                "--statedir", str(self.statedir), "--no-fib", "--log-level", "warning"]
        if self.callgrind:
            # Instruction counts of the approve-all alone: collection is
            # switched on around it (instrument()).
            argv = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
                    f"--callgrind-out-file={self.callgrind}", *argv]
        self.daemon = self.topo.start_daemon(
            self.ns, "routed", argv,
            rundir=rundir, files={"routed.conf": routed_config()},
            ready=lambda: (rundir / "routed.sock").exists(), ready_s=120)
        self.session = Session(str(rundir / "routed.sock"), timeout=120)
        self.topo.add_cleanup("close CLI session", self.session.close)
        self.session.run("show bgp summary json")
        return time.monotonic() - start

    def instrument(self, on: bool) -> None:
        if self.callgrind:
            subprocess.run(["callgrind_control", "-i", "on" if on else "off", str(self.daemon.pid)],
                           check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self.session.close()
        self.daemon.stop()

    def received(self) -> int:
        peers = json.loads(self.session.run("show bgp summary json").output).get("ipv4Unicast", {}).get("peers", {})
        return int(peers.get(FEEDER, {}).get("pfxRcd", 0))

    def counters(self) -> dict:
        return json.loads(self.session.run("show bgp approval summary json").output)["counters"]


def run_one(args, rep: int) -> dict:
    result = {"repeat": rep, "prefixes": args.prefixes, "loadavg_before": os.getloadavg()[0]}
    topo = topo_lib.Topology(name="approval-bench")
    try:
        feed_ns, rcv_ns = topo.add_namespace("feed"), topo.add_namespace("rcv")
        topo.add_link(feed_ns, rcv_ns, [f"{FEEDER}/24"], [f"{GW}/24"])
        gw = Gateway(topo, rcv_ns, str(args.build / "routed" / "skygate-routed"), topo.make_dir("state"),
                     args.callgrind)
        gw.start()

        def feed():
            """A feeder session; it feeds once, so a restart needs a new one."""
            feeder = topo.start_daemon(feed_ns, "feeder", [
                str(args.build / "bench" / "bgp_feeder"), "--feed", "--connect", GW, "--bind", FEEDER,
                "--as", str(FEEDER_AS), "--peer-as", str(GW_AS), "--router-id", FEEDER, "--family", "ipv4",
                "--prefixes", str(args.prefixes), "--seed", "1", "--next-hop", FEEDER, "--wait-go",
                "--deadline", "3600"])
            poll("session Established", 60, lambda: '"established"' in feeder.stdout_path.read_text())
            os.kill(feeder.pid, signal.SIGUSR1)
            return feeder

        feeder = feed()
        say(args, f"[{rep}] feeding {args.prefixes} prefixes")
        poll("every prefix received", 600, lambda: gw.received() >= args.prefixes, 0.2)
        poll("every prefix pending", 60, lambda: gw.counters()["pending"] >= args.prefixes)

        took, out = timed(gw.session, "show bgp approval pending json")
        start = time.monotonic()
        listed = json.loads(out)
        result["list_json_s"] = took
        result["list_json_parsed_s"] = took + (time.monotonic() - start)
        if len(listed["routes"]) != args.prefixes:
            raise BenchError(f"listed {len(listed['routes'])} pending routes, expected {args.prefixes}")
        result["list_json_bytes"] = len(out)
        took, out = timed(gw.session, "show bgp approval pending")
        result["list_text_s"] = took
        say(args, f"[{rep}] listed: json {result['list_json_s']:.3f} s, text {took:.3f} s")

        gw.instrument(args.callgrind_step == "approve")
        start = time.monotonic()
        took, out = timed(gw.session, "bgp approval approve all-pending reason bench")
        result["approve_all_s"] = took
        gw.instrument(False)
        if f"Approved {args.prefixes} " not in out:
            raise BenchError(f"approve all-pending said: {out.strip()}")
        poll("every route approved", 120, lambda: gw.counters()["approved"] >= args.prefixes)
        result["approved_in_locrib_s"] = time.monotonic() - start
        say(args, f"[{rep}] approve all-pending {took:.3f} s")
        # Each approved route is listed with its rule (who, when, why),
        # and the N rules follow.
        gw.instrument(args.callgrind_step == "approved")
        took, out = timed(gw.session, "show bgp approval approved json")
        result["list_approved_json_s"] = took
        gw.instrument(False)
        if len(json.loads(out)["routes"]) != args.prefixes:
            raise BenchError("the approved list is short")

        if args.callgrind:
            gw.stop()
            result["ok"] = True
            return result
        gw.stop()
        feeder.stop()
        result["restart_to_cli_s"] = gw.start()
        start = time.monotonic()
        feed()
        poll("every re-learned route approved", 600, lambda: gw.counters()["approved"] >= args.prefixes, 0.2)
        result["relearn_approved_s"] = time.monotonic() - start
        rules = gw.counters()["rules"]
        if rules != args.prefixes:
            raise BenchError(f"{rules} rules after the restart, expected {args.prefixes}")
        result["ok"] = True
    finally:
        with signals_held():
            topo.teardown()
    return result


METRICS = ("list_json_s", "list_json_parsed_s", "list_text_s", "approve_all_s", "approved_in_locrib_s",
           "list_approved_json_s",
           "restart_to_cli_s", "relearn_approved_s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", type=Path, default=ROOT / "build" / "main", help="build directory")
    ap.add_argument("--prefixes", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true", help="print every run as JSON")
    ap.add_argument("--quiet", action="store_true")
    ap.add_argument("--callgrind", metavar="FILE",
                    help="run routed under callgrind, counting one step only (no restart phase)")
    ap.add_argument("--callgrind-step", choices=("approve", "approved"), default="approve",
                    help="the step --callgrind counts: approve-all, or listing the approved routes")
    args = ap.parse_args()
    interrupt_on_signals()
    runs = [run_one(args, rep) for rep in range(1, args.repeat + 1)]
    if args.json:
        print(json.dumps(runs, indent=2))
        return 0
    loads = ", ".join(f"{r['loadavg_before']:.2f}" for r in runs)
    print(f"route approval, {args.prefixes} pending prefixes, median of {len(runs)} runs "
          f"(load average at start: {loads})")
    for m in METRICS:
        values = [r[m] for r in runs if m in r]
        if not values:
            continue
        print(f"  {m:24s} {statistics.median(values):8.3f} s   (min {min(values):.3f}, max {max(values):.3f})")
    print(f"  {'list_json_bytes':24s} {runs[0]['list_json_bytes']:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
