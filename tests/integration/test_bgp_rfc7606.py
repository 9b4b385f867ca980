"""Malformed and odd UPDATEs from a raw BGP speaker: each RFC 7606 case has
its outcome — treat-as-withdraw, attribute discard, or session reset with
the right NOTIFICATION — and routed neither crashes nor loses the session
when the RFC says to keep it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from conftest import skygate_build_dir
from lib.jsonmatch import ABSENT, wait_for
from lib.rawbgp import CASE_PREFIX, GOOD_PREFIX
from lib.skyipc import Session

GW_AS, PEER_AS = 64512, 64513
HERE = Path(__file__).resolve().parent

CASES = [
    # case, NOTIFICATION (code, subcode) or None, case prefix present?, extra expectation
    ("ok", None, True, {}),
    ("bad-origin", None, False, {}),
    ("missing-next-hop", None, False, {}),
    ("bad-as-path", None, False, {}),
    ("bad-med-length", None, False, {}),
    ("atomic-aggregate-length", None, True, {}),
    ("local-pref-from-ebgp", None, True, {"locPrf": ABSENT}),
    ("unknown-transitive", None, True, {}),
    ("bad-nlri-length", (3, 10), False, {}),
    ("duplicate-mp-reach", (3, 1), False, {}),
]


@pytest.fixture(scope="module")
def gw():
    from conftest import netns_unavailable
    from lib import topo as topo_lib
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    topology = topo_lib.Topology(name="rfc7606")
    try:
        gw_ns, raw_ns = topology.add_namespace("gw"), topology.add_namespace("raw")
        topology.add_link(gw_ns, raw_ns, ["192.0.2.1/24"], ["192.0.2.2/24"])
        rundir = topology.make_dir("gw")
        (rundir / "routed.conf").write_text(
            f"router bgp {GW_AS}\n bgp router-id 192.0.2.1\n neighbor 192.0.2.2 remote-as {PEER_AS}\n")
        topology.start_daemon(gw_ns, "routed", [str(skygate_build_dir() / "routed" / "skygate-routed"),
                                                "--rundir", "{rundir}", "-f", "{rundir}/routed.conf"],
                              rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
        session = Session(str(rundir / "routed.sock"))
        topology.add_cleanup("close CLI session", session.close)
        yield raw_ns, session, topology
    finally:
        topology.teardown()
    reports = [f"{d.name}: {d.sanitizer_report}" for d in topology.daemons if d.sanitizer_report]
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def routes(session: Session) -> dict:
    return json.loads(session.run("show bgp ipv4 unicast json").output)


@pytest.mark.parametrize("case,notification,present,extra", CASES, ids=[c[0] for c in CASES])
def test_rfc7606_case(gw, case, notification, present, extra):
    raw_ns, session, topology = gw
    proc = raw_ns.popen(["/usr/bin/python3", "-m", "lib.rawbgp", "192.0.2.2", "192.0.2.1", str(PEER_AS), case],
                        cwd=str(HERE), stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line, f"raw peer gave no result (exit {proc.poll()})"
        got = json.loads(line)["notification"]
        if notification is None:
            assert got is None, f"session reset with NOTIFICATION {got}, expected it kept"
            wait_for(lambda: routes(session), {"routes": {
                GOOD_PREFIX: [{"valid": True}],
                CASE_PREFIX: [{"path": str(PEER_AS), **extra}] if present else ABSENT}}, 10,
                what=f"{case}: RIB after the UPDATE")
        else:
            assert got is not None and tuple(got) == notification, f"NOTIFICATION {got}, expected {notification}"
            wait_for(lambda: routes(session), {"routes": {GOOD_PREFIX: ABSENT, CASE_PREFIX: ABSENT}}, 10,
                     what=f"{case}: routes gone with the session")
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    # The daemon is alive and answering after every case.
    assert session.run("show version").ok
    wait_for(lambda: routes(session), {"routes": {GOOD_PREFIX: ABSENT}}, 10,
             what="routes withdrawn when the raw peer leaves")
