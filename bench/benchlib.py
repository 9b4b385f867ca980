"""What the namespace benchmarks (bgp_ingest.py, tunnel_bench.py) share:
progress lines, the error that fails one measurement, signal handling that
lets a run end in a clean teardown, and tool version lines for the report.

Not named ``lib``: the benchmarks also import tests/integration/lib as
``lib``.
"""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys


class BenchError(RuntimeError):
    """A measurement could not be made; the message says why (with daemon logs)."""


def say(args, text: str) -> None:
    """Progress goes to stderr, so stdout stays the report (or the JSON)."""
    if not args.quiet:
        print(text, file=sys.stderr, flush=True)


def _interrupt(signum, frame):
    raise KeyboardInterrupt(f"signal {signum}")


def interrupt_on_signals() -> None:
    """SIGTERM and SIGINT raise KeyboardInterrupt, so that a run ends with a
    clean teardown; SIGINT explicitly, because a process started in the
    background inherits it ignored."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, _interrupt)


@contextlib.contextmanager
def signals_held():
    """Defer SIGINT/SIGTERM while namespaces and daemons are cleaned up."""
    pending: list[int] = []
    old = {s: signal.signal(s, lambda n, f: pending.append(n))
           for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        if pending:
            raise KeyboardInterrupt(f"signal {pending[0]} during cleanup")


def first_line(argv: list[str]) -> str:
    """The first line a tool prints for argv (its version), or "unknown"."""
    try:
        p = subprocess.run(argv, capture_output=True, text=True, timeout=30)
        return (p.stdout or p.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unknown"
