"""ExaBGP as the peer that sends odd and malformed UPDATEs.

ExaBGP is an independent implementation that will put almost anything on
the wire: its generic `attribute [0xCODE 0xFLAGS 0xVALUE]` carries any
type code, flags and bytes.  Each case here announces one prefix through
ExaBGP's API and checks the outcome RFC 7606 (or RFC 4271 / RFC 6793)
names for it, in skygate's `show bgp` and, where the attribute should or
should not travel on, at the downstream FRR and BIRD.  The cases the raw
speaker of test_bgp_rfc7606.py already sends are not repeated.

    exabgp AS 64520 ---- gw: skygate AS 64512 ---- frr AS 64530
      192.0.2.2          192.0.2.1                   198.51.100.2
                         198.51.100.1 / 203.0.113.1
                                      ---- bird AS 64531 (203.0.113.2)

ExaBGP runs in the foreground with its settings in environment variables;
its API process relays lines written to a FIFO in its run directory.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import netns_unavailable, skygate_build_dir
from lib import topo as topo_lib
from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.peers import BgpNeighbor, BirdRouter, FrrRouter, bird_bgp_config, frr_bgp_config
from lib.skyipc import Session

pytestmark = pytest.mark.requires("exabgp", "frr", "bird", "tshark")

GW_AS, EXA_AS, FRR_AS, BIRD_AS = 64512, 64520, 64530, 64531
GW_EXA, EXA = "192.0.2.1", "192.0.2.2"
GW_FRR, FRR = "198.51.100.1", "198.51.100.2"
GW_BIRD, BIRD = "203.0.113.1", "203.0.113.2"
#: Announced from ExaBGP's configuration: present whenever the session is.
STEADY = "198.18.200.0/24"
SESSION_S = 60
CONVERGE_S = 20

#: Relays each line written to the FIFO (argv[1]) to ExaBGP, which reads
#: API commands from its process's stdout.
FEEDER = """import sys
while True:
    with open(sys.argv[1]) as fifo:
        for line in fifo:
            sys.stdout.write(line)
            sys.stdout.flush()
"""


def exabgp_config(rundir: Path) -> str:
    return f"""process feed {{
    run /usr/bin/python3 {rundir}/feeder.py {rundir}/api.fifo;
    encoder text;
}}

neighbor {GW_EXA} {{
    router-id {EXA};
    local-address {EXA};
    local-as {EXA_AS};
    peer-as {GW_AS};
    family {{
        ipv4 unicast;
    }}
    api {{
        processes [ feed ];
    }}
    static {{
        route {STEADY} next-hop self;
    }}
}}
"""


def exabgp_env() -> dict:
    """ExaBGP's settings (exabgp.SECTION.KEY as exabgp_SECTION_KEY): stay in
    the foreground as root, log to stdout, no CLI pipes, no API acks (the
    feeder does not read them)."""
    env = dict(os.environ)
    env.update({"exabgp_daemon_daemonize": "false", "exabgp_daemon_user": "root",
                "exabgp_daemon_drop": "false", "exabgp_log_destination": "stdout",
                "exabgp_log_level": "INFO", "exabgp_api_ack": "false", "exabgp_api_cli": "false",
                "exabgp_tcp_once": "false"})
    return env


@dataclass
class Lab:
    gw: Session
    gw_rundir: Path
    exabgp: topo_lib.Daemon
    fifo: Path
    frr: FrrRouter
    bird: BirdRouter

    def show(self, command: str):
        reply = self.gw.run(command + " json")
        assert reply.ok, reply
        return json.loads(reply.output)

    def routes(self) -> dict:
        return self.show("show bgp ipv4 unicast")["routes"]

    def neighbor(self) -> dict:
        return self.show(f"show bgp neighbors {EXA}")[EXA]

    def api(self, command: str, deadline_s: float = 10.0) -> None:
        """Hand one command to ExaBGP's API through the feeder's FIFO."""
        end = time.monotonic() + deadline_s
        while True:
            try:
                fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as exc:  # ENXIO: the feeder is between two opens
                if exc.errno != errno.ENXIO or time.monotonic() > end:
                    raise
                time.sleep(0.05)
        try:
            os.write(fd, (command + "\n").encode())
        finally:
            os.close(fd)


@pytest.fixture(scope="module")
def lab():
    reason = netns_unavailable()
    if reason:
        pytest.skip(reason)
    topology = topo_lib.Topology(name="exabgp")
    try:
        gw, exa_ns, frr_ns, bird_ns = (topology.add_namespace(n) for n in ("gw", "exa", "frr", "bird"))
        topology.add_link(gw, exa_ns, [f"{GW_EXA}/24"], [f"{EXA}/24"])
        topology.add_link(gw, frr_ns, [f"{GW_FRR}/24"], [f"{FRR}/24"])
        topology.add_link(gw, bird_ns, [f"{GW_BIRD}/24"], [f"{BIRD}/24"])
        frr = FrrRouter(topology, frr_ns, {"bgpd": frr_bgp_config(
            FRR_AS, FRR, [BgpNeighbor(GW_FRR, GW_AS, "gw")])}).start()
        bird = BirdRouter(topology, bird_ns, bird_bgp_config(
            BIRD_AS, BIRD, [BgpNeighbor(GW_BIRD, GW_AS, "skygate", BIRD)])).start()
        rundir = topology.make_dir("gw")
        (rundir / "routed.conf").write_text(
            f"router bgp {GW_AS}\n bgp router-id {GW_EXA}\n neighbor {EXA} remote-as {EXA_AS}\n"
            f" neighbor {FRR} remote-as {FRR_AS}\n neighbor {BIRD} remote-as {BIRD_AS}\n")
        topology.start_daemon(gw, "routed", [str(skygate_build_dir() / "routed" / "skygate-routed"),
                                             "--rundir", "{rundir}", "-f", "{rundir}/routed.conf"],
                              rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
        exa_dir = topology.make_dir("exabgp")
        os.mkfifo(exa_dir / "api.fifo")
        (exa_dir / "feeder.py").write_text(FEEDER)
        config = topo_lib.check_config_text(exabgp_config(exa_dir))
        exabgp = topology.start_daemon(exa_ns, "exabgp", ["exabgp", "{rundir}/exabgp.conf"],
                                       rundir=exa_dir, files={"exabgp.conf": config},
                                       env=exabgp_env())
        session = Session(str(rundir / "routed.sock"))
        topology.add_cleanup("close CLI session", session.close)
        lab = Lab(session, rundir, exabgp, exa_dir / "api.fifo", frr, bird)
        wait_for(lab.routes, {STEADY: [{"peerId": EXA}]}, SESSION_S, what="ExaBGP's route at gw")
        yield lab
    finally:
        topology.teardown()
    reports = [f"{d.name}: {d.sanitizer_report}" for d in topology.daemons if d.sanitizer_report]
    assert not reports, "sanitizer reports:\n" + "\n".join(reports)


def prefix_for(i: int) -> str:
    return f"198.18.{201 + i}.0/24"


def routed_log(lab: Lab) -> str:
    return Path(lab.gw_rundir, "routed.stderr").read_text(errors="replace")


def session_up(lab: Lab) -> dict:
    return wait_for(lab.neighbor, {"bgpState": "Established"}, SESSION_S,
                    what="ExaBGP's session Established")


class Capture:
    """tshark on a downstream peer's link, printing one line per UPDATE:
    NLRI prefixes, attribute type codes, attribute flags (comma lists)."""

    def __init__(self, ns: topo_lib.Namespace):
        self.proc = ns.popen(["tshark", "-i", "eth0", "-f", "tcp port 179", "-l", "-n",
                              "-Y", "bgp.type == 2", "-T", "fields", "-E", "separator=|",
                              "-e", "bgp.nlri_prefix", "-e", "bgp.update.path_attribute.type_code",
                              "-e", "bgp.update.path_attribute.flags", "-a", "duration:60"],
                             stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        for stream in (self.proc.stdout, self.proc.stderr):
            os.set_blocking(stream.fileno(), False)
        self.err = ""
        wait_until(lambda: self._stderr_has("Capturing on"), 20, "tshark capturing")

    @staticmethod
    def _read(stream) -> str:
        try:
            return os.read(stream.fileno(), 65536).decode(errors="replace")
        except BlockingIOError:
            return ""

    def _stderr_has(self, text: str) -> bool:
        self.err += self._read(self.proc.stderr)
        if self.proc.poll() is not None:
            raise AssertionError(f"tshark exited: {self.err}")
        return text in self.err

    def update_for(self, prefix: str, trigger, deadline_s: float = 30.0) -> dict[int, int]:
        """{type code: flags} of the first UPDATE announcing prefix.
        trigger() makes the sender send it; it is called again every few
        seconds, since tshark reports "Capturing" a moment before it sees
        packets."""
        net = prefix.split("/")[0]
        found: dict[int, int] = {}
        buf = ""
        last_trigger = 0.0

        def seen() -> bool:
            nonlocal buf, last_trigger
            if time.monotonic() - last_trigger > 4:
                trigger()
                last_trigger = time.monotonic()
            buf += self._read(self.proc.stdout)
            for line in buf.splitlines():
                cols = line.split("|")
                if len(cols) == 3 and net in cols[0].split(","):
                    found.update({int(c): int(f, 16) for c, f in zip(cols[1].split(","), cols[2].split(","))})
                    return True
            return False
        try:
            wait_until(seen, deadline_s, f"an UPDATE for {prefix} on the wire")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\ncaptured UPDATEs:\n{buf}\ntshark said: {self.err}") from None
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def capture_refresh(lab: Lab, prefix: str) -> dict[int, int]:
    """The attributes gw sends BIRD for prefix, seen on the wire when BIRD
    asks for the table again (ROUTE-REFRESH)."""
    cap = Capture(lab.bird.ns)
    try:
        return cap.update_for(prefix, lambda: lab.bird.birdc("reload", "in", "skygate"))
    finally:
        cap.stop()


OPTIONAL, TRANSITIVE, PARTIAL = 0x80, 0x40, 0x20
UNKNOWN_T, UNKNOWN_NT = 0xF0, 0xF4


def test_unknown_optional_transitive_passed_on_with_partial_bit(lab):
    """RFC 4271 sections 5 and 9.1.4: an unrecognised optional transitive
    attribute is kept and passed on with the Partial bit set."""
    session_up(lab)
    prefix = prefix_for(0)
    lab.api(f"announce route {prefix} next-hop self attribute [0x{UNKNOWN_T:02x} 0xc0 0x0102030405]")
    try:
        wait_for(lab.routes, {prefix: [{"peerId": EXA, "path": str(EXA_AS)}]}, CONVERGE_S,
                 what="gw kept the route")
        wait_for(lambda: lab.bird.routes(prefix), {"master4": {prefix: [{"attributes": {
            f"BGP.{UNKNOWN_T:02x} [t]": "01 02 03 04 05", "BGP.as_path": f"{GW_AS} {EXA_AS}"}}]}},
            CONVERGE_S, what="BIRD holds the attribute as transitive")
        wait_for(lambda: lab.frr.bgp_routes("ipv4", prefix), {"paths": [{
            "aspath": {"string": f"{GW_AS} {EXA_AS}"}}]}, CONVERGE_S, what="FRR has the route")
        attrs = capture_refresh(lab, prefix)
        assert UNKNOWN_T in attrs, f"attribute 0x{UNKNOWN_T:x} not sent on: {attrs}"
        assert attrs[UNKNOWN_T] & 0xF0 == OPTIONAL | TRANSITIVE | PARTIAL, \
            f"flags 0x{attrs[UNKNOWN_T]:02x}, expected Optional|Transitive|Partial"
    finally:
        lab.api(f"withdraw route {prefix} next-hop self")
    wait_for(lab.routes, {prefix: ABSENT}, CONVERGE_S, what="withdrawn")


def test_unknown_optional_non_transitive_dropped(lab):
    """RFC 4271 section 5: an unrecognised optional non-transitive
    attribute is quietly ignored and not passed on."""
    session_up(lab)
    prefix = prefix_for(1)
    lab.api(f"announce route {prefix} next-hop self attribute [0x{UNKNOWN_NT:02x} 0x80 0xaabb]")
    try:
        wait_for(lab.routes, {prefix: [{"peerId": EXA}]}, CONVERGE_S, what="gw kept the route")
        table = wait_for(lambda: lab.bird.routes(prefix), {"master4": {prefix: [{"attributes": {
            "BGP.as_path": f"{GW_AS} {EXA_AS}"}}]}}, CONVERGE_S, what="BIRD has the route")
        attrs = table["master4"][prefix][0]["attributes"]
        assert not [k for k in attrs if k.startswith(f"BGP.{UNKNOWN_NT:02x}")], attrs
        sent = capture_refresh(lab, prefix)
        assert UNKNOWN_NT not in sent, f"non-transitive attribute passed on: {sent}"
    finally:
        lab.api(f"withdraw route {prefix} next-hop self")
    wait_for(lab.routes, {prefix: ABSENT}, CONVERGE_S, what="withdrawn")


def test_aggregator_and_atomic_aggregate_passed_on(lab):
    """RFC 4271 sections 5.1.6 and 5.1.7: ATOMIC_AGGREGATE and AGGREGATOR
    travel with the route unchanged."""
    session_up(lab)
    prefix = prefix_for(2)
    lab.api(f"announce route {prefix} next-hop self aggregator ({EXA_AS}:{EXA}) atomic-aggregate")
    try:
        wait_for(lab.routes, {prefix: [{"peerId": EXA}]}, CONVERGE_S, what="gw has the route")
        wait_for(lambda: lab.frr.bgp_routes("ipv4", prefix), {"paths": [{
            "aggregatorAs": EXA_AS, "aggregatorId": EXA, "atomicAggregate": True}]}, CONVERGE_S,
            what="FRR got AGGREGATOR and ATOMIC_AGGREGATE")
        wait_for(lambda: lab.bird.routes(prefix), {"master4": {prefix: [{"attributes": {
            "BGP.aggregator": f"{EXA} AS{EXA_AS}", "BGP.atomic_aggr": ""}}]}}, CONVERGE_S,
            what="BIRD got AGGREGATOR and ATOMIC_AGGREGATE")
    finally:
        lab.api(f"withdraw route {prefix} next-hop self")
    wait_for(lab.routes, {prefix: ABSENT}, CONVERGE_S, what="withdrawn")


# Malformed attributes.  outcome: "withdraw" (treat-as-withdraw: a route
# announced cleanly first must go), "discard" (the route stays, the
# attribute is dropped), or a NOTIFICATION name (session reset).
MALFORMED = [
    # id, ExaBGP route attributes, outcome, RFC, log text when discarded
    ("aggregator-length", "attribute [0x07 0xc0 0x0000fbf8c0]", "discard",
     "RFC 7606 section 7.7", "AGGREGATOR"),
    ("aggregator-as-zero", "attribute [0x07 0xc0 0x00000000c0000202]", "discard",
     "RFC 7607 section 2", "AGGREGATOR"),
    ("communities-length", "attribute [0x08 0xc0 0xfbf80001ff]", "withdraw", "RFC 7606 section 7.8", None),
    ("ext-communities-length", "attribute [0x10 0xc0 0x0002fbf800000064ff]", "withdraw",
     "RFC 7606 section 7.14", None),
    ("large-communities-length", "attribute [0x20 0xc0 0x0000fbf8000000010000000200]", "withdraw",
     "RFC 8092 section 6", None),
    ("originator-id-from-ebgp", "attribute [0x09 0x80 0xc0000202]", "discard",
     "RFC 7606 section 7.9", "ORIGINATOR_ID"),
    ("cluster-list-from-ebgp", "attribute [0x0a 0x80 0xc0000201]", "discard",
     "RFC 7606 section 7.10", "CLUSTER_LIST"),
    ("med-transitive-flags", "attribute [0x04 0x40 0x00000032]", "withdraw",
     "RFC 7606 sections 3 (c), 7.4", None),
    ("as4-path-from-as4-speaker", "attribute [0x11 0xc0 0x02010000fde8]", "discard",
     "RFC 6793 section 4.1", "AS4_PATH"),
    ("as-path-as-zero", "as-path [ 64520 0 ]", "withdraw", "RFC 7607 section 2", None),
    ("next-hop-is-receiver", None, "withdraw", "RFC 7606 section 7.3", None),
    ("unrecognized-well-known", "attribute [0xf5 0x40 0x00]",
     "UPDATE Message Error/Unrecognized Well-known Attribute", "RFC 4271 section 6.3", None),
    ("mp-unreach-bad-prefix-length", "attribute [0x0f 0x80 0x00010121c6120200]",
     "UPDATE Message Error/Optional Attribute Error", "RFC 7606 sections 5.3, 7.12; RFC 4760 section 7",
     None),
    ("mp-reach-next-hop-length", "attribute [0x0e 0x80 0x00010105c0000202000018c61202]",
     "UPDATE Message Error/Optional Attribute Error", "RFC 7606 section 7.11; RFC 4760 section 7",
     None),
]


@pytest.mark.parametrize("case,attrs,outcome,rfc,logged", MALFORMED, ids=[c[0] for c in MALFORMED])
def test_malformed_update(lab, case, attrs, outcome, rfc, logged):
    before = session_up(lab)
    prefix = prefix_for(10 + [c[0] for c in MALFORMED].index(case))
    route = (f"{prefix} next-hop {GW_EXA}" if case == "next-hop-is-receiver"
             else f"{prefix} next-hop self {attrs}")
    try:
        if outcome == "withdraw":
            # Treat-as-withdraw removes what the peer announced before.
            lab.api(f"announce route {prefix} next-hop self")
            wait_for(lab.routes, {prefix: [{"peerId": EXA}]}, CONVERGE_S, what="clean route first")
            lab.api(f"announce route {route}")
            wait_for(lab.routes, {prefix: ABSENT, STEADY: [{"peerId": EXA}]}, CONVERGE_S,
                     what=f"{case}: treat-as-withdraw ({rfc})")
        elif outcome == "discard":
            lab.api(f"announce route {route}")
            wait_for(lab.routes, {prefix: [{"peerId": EXA, "path": str(EXA_AS)}]}, CONVERGE_S,
                     what=f"{case}: route kept, attribute discarded ({rfc})")
            wait_until(lambda: f"attribute discarded (RFC 7606): {logged}" in routed_log(lab), CONVERGE_S,
                       f"gw logs the discarded {logged}")
            if logged == "AGGREGATOR":
                wait_for(lambda: lab.frr.bgp_routes("ipv4", prefix), {"paths": [{
                    "aggregatorAs": ABSENT, "aspath": {"string": f"{GW_AS} {EXA_AS}"}}]}, CONVERGE_S,
                    what="FRR got the route without the AGGREGATOR")
            if logged == "AS4_PATH":
                wait_for(lambda: lab.frr.bgp_routes("ipv4", prefix), {"paths": [{
                    "aspath": {"string": f"{GW_AS} {EXA_AS}"}}]}, CONVERGE_S,
                    what="FRR got the path from AS_PATH alone")
        else:
            dropped = before["connectionsDropped"]
            lab.api(f"announce route {route}")
            wait_for(lab.neighbor, {"connectionsDropped": lambda n: n > dropped,
                                    "lastNotificationSent": outcome}, CONVERGE_S,
                     what=f"{case}: session reset with {outcome} ({rfc})")
    finally:
        lab.api(f"withdraw route {prefix} next-hop self")
    # After every case: the daemon answers, the session is (back) up with
    # ExaBGP's steady route, and the case prefix is gone.
    assert lab.gw.run("show version").ok
    wait_for(lab.neighbor, {"bgpState": "Established"}, SESSION_S, what="session up after the case")
    wait_for(lab.routes, {STEADY: [{"peerId": EXA}], prefix: ABSENT}, SESSION_S,
             what="steady route present, case prefix gone")
    if outcome in ("withdraw", "discard"):
        assert lab.neighbor()["connectionsDropped"] == before["connectionsDropped"], \
            f"{case}: the session was reset, {rfc} keeps it"
