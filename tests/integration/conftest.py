"""pytest wiring for the integration tests.

- Tests that build namespaces (anything using the `topo` fixture, or marked
  `netns`) are skipped with a clear reason when not run as root.
- `@pytest.mark.requires("frr", "bird")` skips with an install hint when a
  peer's binaries are missing.
- `topo` yields a Topology that is always torn down; when the test fails,
  the tails of every daemon's output are attached to the failure report.
- At the end of the session, any namespace of this run or daemon still
  alive fails the run loudly (and is cleaned up), so leaks cannot hide.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from lib import topo as topo_lib
from lib.peers import bird_available, frr_available


def _binaries(hint: str, *names: str):
    def check() -> str | None:
        missing = [n for n in names if shutil.which(n) is None]
        return f"{', '.join(missing)} not installed: {hint}" if missing else None
    return check


#: Tool name (as used in @pytest.mark.requires) -> check returning a skip
#: reason, or None when the tool is usable.
TOOL_CHECKS = {
    "frr": frr_available,
    "bird": bird_available,
    "gobgp": _binaries("apt-get install gobgpd", "gobgpd", "gobgp"),
    "exabgp": _binaries("apt-get install exabgp", "exabgp"),
    "tcpdump": _binaries("apt-get install tcpdump", "tcpdump"),
}


def netns_unavailable() -> str | None:
    """Why namespaces cannot be built here, or None."""
    if os.geteuid() != 0:
        return ("needs root to create network namespaces: "
                "run as root, e.g. sudo /usr/bin/python3 -m pytest")
    if shutil.which("ip") is None:
        return "iproute2 (ip) not installed: apt-get install iproute2"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    if item.get_closest_marker("netns") or "topo" in getattr(item, "fixturenames", ()):
        reason = netns_unavailable()
        if reason:
            pytest.skip(reason)
    for mark in item.iter_markers("requires"):
        for tool in mark.args:
            if tool not in TOOL_CHECKS:
                raise pytest.UsageError(f"{item.nodeid}: unknown tool {tool!r} in "
                                        f"requires(); known: {sorted(TOOL_CHECKS)}")
            reason = TOOL_CHECKS[tool]()
            if reason:
                pytest.skip(reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Attach daemon output to the report of a failed setup or test body."""
    outcome = yield
    report = outcome.get_result()
    topology = getattr(item, "_skygate_topo", None)
    if report.when in ("setup", "call") and report.failed and topology and topology.daemons:
        report.sections.append(("daemon output (tails)", topology.log_tails()))


@pytest.fixture
def topo(request) -> topo_lib.Topology:
    """A Topology for this test, torn down afterwards whatever happens."""
    topology = topo_lib.Topology(name=request.node.name)
    request.node._skygate_topo = topology
    try:
        yield topology
    finally:
        topology.teardown()
    # Our daemons built with --enable-sanitizers report on stderr; any report
    # fails the test that ran them.
    reports = [f"{d.name}: {d.sanitizer_report}" for d in topology.daemons if d.sanitizer_report]
    if reports:
        pytest.fail("sanitizer reports:\n" + "\n".join(reports), pytrace=False)


def pytest_report_header(config) -> list[str]:
    lines = [f"skygate: namespaces of this run are named {topo_lib.RUN_PREFIX}*"]
    if shutil.which("ip"):
        stale = topo_lib.stale_netns()
        if stale:
            lines.append("skygate: WARNING: namespaces left by earlier runs (delete with "
                         f"'ip netns del NAME' once their daemons are gone): {' '.join(stale)}")
    return lines


@pytest.fixture(scope="session", autouse=True)
def no_leftovers():
    """Fail the session if any namespace or daemon of this run outlives it."""
    yield
    problems = []
    alive = [d for d in list(topo_lib.LIVE_DAEMONS) if d.running()]
    for daemon in alive:
        problems.append(f"daemon still running: {daemon!r}")
        daemon.stop()
    if shutil.which("ip"):
        for name in topo_lib.our_netns():
            problems.append(f"namespace left behind: {name}")
            topo_lib.run(["ip", "netns", "del", name], check=False)
    if problems:
        pytest.fail("integration tests leaked resources (now cleaned up):\n  "
                    + "\n  ".join(problems), pytrace=False)


def skygate_build_dir() -> Path:
    """Where the built daemons are: $SKYGATE_BUILD, or build/main in the tree."""
    default = Path(__file__).resolve().parents[2] / "build" / "main"
    return Path(os.environ.get("SKYGATE_BUILD", default))


@pytest.fixture(scope="session")
def skygate_bin():
    """Path of a built skygate binary by name, e.g. skygate_bin("skygate-routed").

    A missing binary fails the test rather than skipping it: a suite that
    silently skips the product under test proves nothing.
    """
    build = skygate_build_dir()
    where = {"skygate-routed": build / "routed" / "skygate-routed",
             "skygate-tunneld": build / "vpn" / "tunneld" / "skygate-tunneld",
             "skysh": build / "cli" / "skysh"}

    def find(name: str) -> str:
        path = where.get(name)
        if path is None:
            raise KeyError(f"unknown skygate binary {name!r}; known: {sorted(where)}")
        if not path.is_file():
            pytest.fail(f"{path} not built: run scripts/build.sh main (or set SKYGATE_BUILD)",
                        pytrace=False)
        return str(path)
    return find
