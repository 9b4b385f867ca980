#!/usr/bin/python3
"""bench/tunnel-profile: where one tunnel's time goes, for a fixed load.

One setup of tunnel_bench.py (the same namespaces, addresses and
configuration), a fixed amount of iperf3 TCP data (`-n`, so that the work
does not depend on the machine's speed) from the client through the
tunnel, and one of two profilers:

  callgrind  the client side's (--side send) or the server side's
             (--side receive) skygate-tunneld runs under
             `valgrind --tool=callgrind`: instructions executed in user
             space, per function, exact and repeatable, but blind to the
             kernel (system calls count as one instruction each);
  perf       `perf record -a -g` (cpu-clock: the VMs this runs on have
             no hardware counters) over the whole machine while the
             transfer runs: user and kernel, sampled, noisy.

    sudo /usr/bin/python3 bench/tunnel_profile.py --setup gre --tool callgrind --bytes 200M --out /tmp/prof

Writes the raw profile and a summary (top functions) into --out, and
prints the summary. Everything runs in namespaces it creates, with the
tunnel_bench addresses; daemons are stopped by pid and the namespaces
deleted at the end, also on error.
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "integration"))
sys.path.insert(0, str(ROOT / "bench"))

from lib import topo as topo_lib  # noqa: E402
from lib.jsonmatch import wait_until  # noqa: E402
from tunnel_bench import A_UNDER, B_UNDER, SPI_A_TO_B, SPI_B_TO_A, TUNNELS, tunneld_config  # noqa: E402


def bytes_arg(text: str) -> int:
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    if text[-1:].upper() in units:
        return int(float(text[:-1]) * units[text[-1].upper()])
    return int(text)


def start_tunneld(topo, ns, side: int, setup: str, keys: dict, tunneld: Path, wrap: list[str],
                  out: Path) -> topo_lib.Daemon:
    local, remote = (A_UNDER, B_UNDER) if side == 0 else (B_UNDER, A_UNDER)
    rundir = topo.make_dir(f"prof{side}")
    conf = rundir / "tunneld.conf"
    conf.write_text(tunneld_config(setup, local, remote, side, keys))
    sock = rundir / "tunneld.sock"
    argv = [*wrap, str(tunneld), "-f", str(conf), "--rundir", str(rundir), "--workers", "2"]
    # valgrind starts slowly: a generous deadline for the control socket.
    return topo.start_daemon(ns, f"tunneld-{'ab'[side]}", argv, rundir=rundir, ready=sock.exists,
                             ready_s=120)


def summary_callgrind(raw: Path, nbytes: int) -> str:
    ann = subprocess.run(["callgrind_annotate", "--inclusive=no", "--threshold=99", str(raw)],
                         capture_output=True, text=True, timeout=300).stdout
    total = 0
    for line in ann.splitlines():
        if "PROGRAM TOTALS" in line:
            total = int(line.split()[0].replace(",", ""))
    head = "\n".join(ann.splitlines()[:60])
    return (f"user-space instructions: {total:,} for {nbytes:,} bytes of TCP payload: "
            f"{total / nbytes:.2f} per byte\n\n{head}\n")


def summary_perf(raw: Path) -> str:
    rep = subprocess.run(["perf", "report", "-i", str(raw), "--no-children", "--sort", "comm,dso,sym",
                          "--stdio", "--percent-limit", "0.7", "-g", "none"],
                         capture_output=True, text=True, timeout=600).stdout
    by_comm = subprocess.run(["perf", "report", "-i", str(raw), "--no-children", "--sort", "comm,dso",
                              "--stdio", "--percent-limit", "1", "-g", "none"],
                             capture_output=True, text=True, timeout=600).stdout
    keep = [line for line in (by_comm + "\n" + rep).splitlines() if line.strip() and not line.startswith("#")]
    return "\n".join(keep[:90]) + "\n"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--setup", default="gre", choices=[k for k in TUNNELS if not TUNNELS[k].get("v6")])
    p.add_argument("--tool", default="callgrind", choices=["callgrind", "perf"])
    p.add_argument("--bytes", default="200M", type=bytes_arg, help="iperf3 -n: TCP payload to send")
    p.add_argument("--build", type=Path, default=ROOT / "build" / "main")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--side", default="send", choices=["send", "receive"],
                   help="which tunneld callgrind runs under: the client's (send) or the server's (receive)")
    args = p.parse_args()
    tunneld = args.build / "vpn" / "tunneld" / "skygate-tunneld"
    if not tunneld.exists():
        print(f"no {tunneld}: build first", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    raw = args.out / f"{args.setup}.{args.tool}" if args.side == "send" else \
        args.out / f"{args.setup}.{args.side}.{args.tool}"
    t = TUNNELS[args.setup]
    keys = {SPI_A_TO_B: "11" * 36, SPI_B_TO_A: "22" * 36}

    with topo_lib.Topology("tunnel-profile") as topo:
        a, b = topo.add_namespace("tpa"), topo.add_namespace("tpb")
        topo.add_link(a, b, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"], a_if="eth0", b_if="eth0")
        wrap = []
        if args.tool == "callgrind":
            wrap = ["valgrind", "--tool=callgrind", f"--callgrind-out-file={raw}", "--separate-threads=no"]
        # callgrind wraps one side only: the other runs at full speed.
        start_tunneld(topo, a, 0, args.setup, keys, tunneld, wrap if args.side == "send" else [], args.out)
        start_tunneld(topo, b, 1, args.setup, keys, tunneld, wrap if args.side == "receive" else [], args.out)
        client, server = f"{t['net']}.1", f"{t['net']}.2"
        wait_until(lambda: a.run(["ping", "-n", "-c", "1", "-W", "1", server], check=False).returncode == 0,
                   120, "ping through the tunnel")
        srv_dir = topo.make_dir("iperf")
        topo.start_daemon(b, "iperf3", ["iperf3", "-s", "-1", "--forceflush", "-B", server], rundir=srv_dir,
                          ready=lambda: b"listening" in (srv_dir / "iperf3.stdout").read_bytes())
        perf = None
        if args.tool == "perf":
            perf = subprocess.Popen(["perf", "record", "-a", "-g", "-e", "cpu-clock", "-o", str(raw)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(1)  # perf attaches to every CPU before the load starts
        started = time.monotonic()
        r = a.run(["iperf3", "-c", server, "-B", client, "-n", str(args.bytes), "-f", "g"], timeout=1800)
        elapsed = time.monotonic() - started
        if perf is not None:
            perf.send_signal(signal.SIGINT)
            perf.wait(timeout=120)
        # Stopping the daemon (SIGTERM) makes callgrind write its file.
        topo.teardown()
    print(r.stdout.strip().splitlines()[-3] if r.stdout else "")
    text = (summary_callgrind(raw, args.bytes) if args.tool == "callgrind" else summary_perf(raw))
    text = f"{args.setup}, {args.tool}, {args.bytes:,} bytes in {elapsed:.1f} s\n\n" + text
    (raw.parent / f"{raw.name}.txt").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
