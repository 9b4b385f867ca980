"""Route approval (docs/approval.md) between an on-prem FRR and a cloud BIRD.

routed runs `approval mode connection` with `neighbor 192.0.2.2 approval`
(FRR, on-prem): FRR's routes wait as pending, neither in routed's kernel
table nor at BIRD (the cloud peer, whose own routes flow freely). Approving
(exact, or a range) makes them appear at BIRD and in the kernel without a
session reset; rejecting keeps them out; a withdrawn pending prefix leaves
the list; an approved prefix learned again needs no new approval; each
new pending prefix is one RFC 5424 syslog event. Decisions survive a
restart, and a `kill -9` during a burst of approvals loses none that
skysh saw return OK. Switching to `approval mode gateway` and to `no
approval` re-evaluates every route without resetting a session."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time

import pytest

from lib.gateway import start_routed
from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.peers import BgpNeighbor, BirdRouter, FrrRouter, bird_bgp_config, frr_bgp_config

pytestmark = pytest.mark.requires("frr", "bird")

GW_AS, FRR_AS, BIRD_AS = 64512, 64601, 64700
FRR_NETS = ["198.18.1.0/24", "198.18.2.0/24", "198.18.3.0/24", "198.18.4.0/24"]
BIRD_NET = "198.18.100.0/24"
GW_NET = "198.18.200.0/24"
SESSION_S = 60

GW_CONFIG = f"""\
router bgp {GW_AS}
 bgp router-id 192.0.2.1
 approval mode connection
 neighbor 192.0.2.2 remote-as {FRR_AS}
 neighbor 192.0.2.2 approval
 neighbor 198.51.100.2 remote-as {BIRD_AS}
 address-family ipv4 unicast
  network {GW_NET}
 exit-address-family
"""


class Lab:
    def __init__(self, topo, skygate_bin):
        self.topo, self.bin = topo, skygate_bin
        self.gw_ns, onprem, cloud = topo.add_namespace("gw"), topo.add_namespace("onprem"), topo.add_namespace("cloud")
        topo.add_link(self.gw_ns, onprem, ["192.0.2.1/24"], ["192.0.2.2/24"])
        topo.add_link(self.gw_ns, cloud, ["198.51.100.1/24"], ["198.51.100.2/24"])
        self.statedir = topo.make_dir("gw-state")
        self.syslog_path = str(topo.make_dir("syslog") / "log.sock")
        self.syslog = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.syslog.bind(self.syslog_path)
        self.syslog.settimeout(0.2)
        self.messages: list[str] = []
        # A datagram socket queues only net.unix.max_dgram_qlen messages
        # (10) and routed never blocks on its collector: read them as they
        # come, as a syslog daemon would.
        self.reading = threading.Event()
        self.reader = threading.Thread(target=self._read_syslog, daemon=True)
        self.reading.set()
        self.reader.start()
        topo.add_cleanup("stop the syslog reader", self._stop_syslog)
        self.gw = None
        self.start_gw()
        self.frr = FrrRouter(topo, onprem, {"bgpd": frr_bgp_config(
            FRR_AS, "192.0.2.2", [BgpNeighbor("192.0.2.1", GW_AS, "gw")], networks=FRR_NETS)}).start()
        self.bird = BirdRouter(topo, cloud, bird_bgp_config(
            BIRD_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", GW_AS, "skygate_gw")], networks=[BIRD_NET])).start()

    def start_gw(self):
        self.gw = start_routed(self.topo, self.gw_ns, GW_CONFIG, self.bin("skygate-routed"),
                               statedir=self.statedir, extra_args=["--syslog", f"unix:{self.syslog_path}"])
        return self.gw

    def run(self, line: str) -> str:
        reply = self.gw.session.run(line)
        assert reply.ok, (line, reply.output)
        return reply.output

    def json(self, line: str):
        return json.loads(self.run(line))

    def approval(self, state: str = "") -> dict:
        return self.json(f"show bgp approval {state} json".replace("  ", " "))

    def states(self) -> dict:
        """{prefix: state} of the routes learned from FRR."""
        return {r["prefix"]: r["state"] for r in self.approval()["routes"]}

    def bird_routes(self) -> dict:
        return self.bird.routes().get("master4", {})

    def kernel(self) -> set:
        return {r["dst"] for r in self.gw_ns.ip_json("-4", "route", "show", "proto", "211")}

    def _read_syslog(self) -> None:
        while self.reading.is_set():
            try:
                self.messages.append(self.syslog.recv(65536).decode(errors="replace"))
            except socket.timeout:
                continue
            except OSError:
                return

    def _stop_syslog(self) -> None:
        self.reading.clear()
        self.reader.join(timeout=5)
        self.syslog.close()

    def events(self) -> list[str]:
        return list(self.messages)


@pytest.fixture
def lab(topo, skygate_bin):
    return Lab(topo, skygate_bin)


def settled(lab: Lab) -> None:
    """Sessions up, BIRD's route in use, every FRR route pending."""
    wait_for(lab.states, {p: "pending" for p in FRR_NETS}, SESSION_S, what="FRR's routes pending")
    wait_for(lab.bird_routes, {GW_NET: [{"attributes": {"BGP.as_path": f"{GW_AS}"}}]}, SESSION_S,
             what="BIRD has the gateway's own network (updates flow)")
    wait_until(lambda: BIRD_NET in lab.kernel(), SESSION_S, what="BIRD's route (no approval needed) installed")


def on_bird(prefix: str) -> dict:
    return {prefix: [{"attributes": {"BGP.as_path": f"{GW_AS} {FRR_AS}"}}]}


def test_pending_routes_flow_only_once_approved(lab):
    settled(lab)
    # Pending: at neither BIRD nor the kernel, marked in show bgp.
    assert not set(FRR_NETS) & set(lab.bird_routes())
    assert not set(FRR_NETS) & lab.kernel()
    table = lab.json("show bgp ipv4 unicast json")["routes"]
    assert table[FRR_NETS[0]][0].get("pending") is True
    assert "bestpath" not in table[FRR_NETS[0]][0]
    assert table[BIRD_NET][0]["bestpath"] is True
    assert any(line.startswith("p") and FRR_NETS[0] in line for line in lab.run("show bgp ipv4 unicast").splitlines())
    counters = lab.approval()["counters"]
    assert counters["pending"] == 4 and counters["pendingLearned"] == 4
    # The summary still counts them received: they are in the Adj-RIB-In.
    summary = lab.json("show bgp summary json")
    assert summary["ipv4Unicast"]["peers"]["192.0.2.2"]["pfxRcd"] == 4

    # The preview runs the real export path for each established peer.
    preview = lab.json(f"show bgp approval preview {FRR_NETS[0]} json")
    assert preview["bestHeld"] is True
    assert preview["peers"]["198.51.100.2"]["advertise"] is True
    assert preview["peers"]["198.51.100.2"]["asPath"] == f"{GW_AS} {FRR_AS}"
    assert preview["peers"]["198.51.100.2"]["advertisedNow"] is False
    assert preview["peers"]["192.0.2.2"]["advertise"] is False  # learned from it

    connections = lab.json("show bgp neighbors json")["192.0.2.2"]["connectionsEstablished"]
    lab.run(f"bgp approval approve {FRR_NETS[0]} reason change 4711")
    wait_for(lab.bird_routes, on_bird(FRR_NETS[0]), 20, what="approved route at BIRD")
    wait_until(lambda: FRR_NETS[0] in lab.kernel(), 20, what="approved route in the kernel")

    # A range approves the two /24s of 198.18.2.0/23 at once.
    lab.run("bgp approval approve 198.18.2.0/23 le 24 neighbor 192.0.2.2 reason range")
    wait_for(lab.bird_routes, {**on_bird(FRR_NETS[1]), **on_bird(FRR_NETS[2])}, 20, what="range approved at BIRD")

    lab.run(f"bgp approval reject {FRR_NETS[3]} reason not ours")
    assert lab.states()[FRR_NETS[3]] == "rejected"
    assert lab.json(f"show bgp ipv4 unicast {FRR_NETS[3]} json")["routes"][FRR_NETS[3]][0]["rejected"] is True
    assert FRR_NETS[3] not in lab.bird_routes() and FRR_NETS[3] not in lab.kernel()
    assert lab.json("show bgp neighbors json")["192.0.2.2"]["connectionsEstablished"] == connections

    approved = lab.approval("approved")
    rule = next(r for r in approved["rules"] if r["prefix"] == FRR_NETS[0])
    assert rule["who"].startswith("cli:") and rule["reason"] == "change 4711" and rule["when"].endswith("Z")
    assert {r["prefix"]: r["state"] for r in approved["routes"]} == {p: "approved" for p in FRR_NETS[:3]}
    rejected = lab.approval("rejected")
    assert [r["reason"] for r in rejected["rules"]] == ["not ours"]
    audit = lab.json("show bgp approval audit json")["audit"]
    assert [a["event"] for a in audit] == ["approve", "approve", "reject"]

    # Removing the approval puts the route back to pending, away from BIRD.
    lab.run(f"no bgp approval approve {FRR_NETS[0]} reason undo")
    wait_for(lab.bird_routes, {FRR_NETS[0]: ABSENT}, 20, what="unapproved route withdrawn from BIRD")
    wait_until(lambda: FRR_NETS[0] not in lab.kernel(), 20, what="unapproved route out of the kernel")
    assert lab.states()[FRR_NETS[0]] == "pending"


def configure(lab: Lab, *lines: str) -> None:
    for line in ("configure terminal", *lines, "end"):
        lab.run(line)


def test_preview_follows_each_peers_domain(lab):
    """Each peer's preview row is its own domain's view: a peer in a domain
    that does not see the pending route's domain would not get it."""
    settled(lab)
    configure(lab, "domain onprem", "exit", f"router bgp {GW_AS}", "neighbor 192.0.2.2 domain onprem")
    # BIRD (default domain) no longer sees FRR's domain: approving would
    # send it nothing, though the best over every domain is FRR's path.
    wait_for(lambda: lab.json(f"show bgp approval preview {FRR_NETS[0]} json"), {
        "bestFrom": "192.0.2.2", "bestHeld": True,
        "peers": {"198.51.100.2": {"advertise": False, "bestFrom": ABSENT},
                  "192.0.2.2": {"advertise": False, "bestFrom": "192.0.2.2", "bestHeld": True}}},
        SESSION_S, what="the preview of two unconnected domains")
    text = lab.run(f"show bgp approval preview {FRR_NETS[0]}")
    bird_row = next(line for line in text.splitlines() if line.startswith("198.51.100.2"))
    assert bird_row.split()[1] == "no", text

    configure(lab, "domain-policy onprem default")
    wait_for(lambda: lab.json(f"show bgp approval preview {FRR_NETS[0]} json"), {
        "peers": {"198.51.100.2": {"advertise": True, "bestFrom": "192.0.2.2", "bestHeld": True,
                                   "asPath": f"{GW_AS} {FRR_AS}", "advertisedNow": False}}},
        SESSION_S, what="the preview once the domains are connected")
    # Still only a preview: nothing was approved or sent.
    assert lab.states()[FRR_NETS[0]] == "pending"
    assert FRR_NETS[0] not in lab.bird_routes()


def test_withdraw_relearn_and_syslog(lab):
    settled(lab)
    new = "198.18.5.0/24"
    lab.frr.configure(f"router bgp {FRR_AS}", "address-family ipv4 unicast", f"network {new}")
    wait_for(lab.states, {new: "pending"}, 20, what="a new on-prem prefix is pending")
    # Exactly one structured syslog event for it.
    sd = f'[skygate-approval@32473 prefix="{new}" neighbor="192.0.2.2" state="pending"]'
    wait_until(lambda: any(sd in m for m in lab.events()), 10, what="the pending event")
    assert sum(sd in m for m in lab.events()) == 1

    # Withdrawn while pending: it leaves the list.
    lab.frr.configure(f"router bgp {FRR_AS}", "address-family ipv4 unicast", f"no network {new}")
    wait_for(lab.states, {new: ABSENT}, 20, what="withdrawn pending prefix left the list")

    # Approved, withdrawn, learned again: accepted without a new decision.
    lab.run(f"bgp approval approve {FRR_NETS[0]}")
    wait_for(lab.bird_routes, on_bird(FRR_NETS[0]), 20, what="approved route at BIRD")
    lab.frr.configure(f"router bgp {FRR_AS}", "address-family ipv4 unicast", f"no network {FRR_NETS[0]}")
    wait_for(lab.bird_routes, {FRR_NETS[0]: ABSENT}, 20, what="withdrawn at BIRD")
    lab.frr.configure(f"router bgp {FRR_AS}", "address-family ipv4 unicast", f"network {FRR_NETS[0]}")
    wait_for(lab.bird_routes, on_bird(FRR_NETS[0]), 20, what="re-learned approved route at BIRD")
    assert lab.states()[FRR_NETS[0]] == "approved"

    # approve all-pending takes the rest in one go.
    out = lab.run("bgp approval approve all-pending reason bulk")
    assert "Approved 3 pending prefixes" in out
    wait_for(lab.bird_routes, {p: [{}] for p in FRR_NETS}, 20, what="everything at BIRD")
    assert lab.approval()["counters"]["pending"] == 0


def approved_rules(lab: Lab) -> set:
    return {r["prefix"] for r in lab.approval("approved")["rules"]}


def test_decisions_survive_restart_and_kill9(lab, skygate_bin):
    settled(lab)
    lab.run(f"bgp approval approve {FRR_NETS[0]} reason kept")
    lab.run(f"bgp approval reject {FRR_NETS[3]}")
    wait_for(lab.bird_routes, on_bird(FRR_NETS[0]), 20, what="approved route at BIRD")

    # A clean restart keeps the decisions.
    lab.gw.daemon.stop()
    lab.start_gw()
    wait_for(lab.states, {FRR_NETS[0]: "approved", FRR_NETS[1]: "pending", FRR_NETS[3]: "rejected"}, SESSION_S,
             what="decisions applied after a restart")
    wait_for(lab.bird_routes, on_bird(FRR_NETS[0]), SESSION_S, what="approved route back at BIRD")

    # kill -9 in the middle of a burst of approvals issued by skysh, one
    # command at a time: every one that returned OK must be in the store.
    rundir = str(lab.gw.rundir)
    acked: list[str] = []
    stop = threading.Event()

    def burst():
        deadline = time.monotonic() + 60
        for i in range(2000):
            if stop.is_set() or time.monotonic() > deadline:
                return
            prefix = f"198.19.{i // 250}.{i % 250}/32"
            proc = subprocess.run([skygate_bin("skysh"), "--rundir", rundir, "--no-pager", "-c",
                                   f"bgp approval approve {prefix} reason burst"],
                                  capture_output=True, timeout=15, check=False)
            if proc.returncode != 0:
                return
            acked.append(prefix)

    worker = threading.Thread(target=burst)
    worker.start()
    try:
        wait_until(lambda: len(acked) >= 40, 60, what="a burst of approvals under way")
        os.kill(lab.gw.daemon.pid, signal.SIGKILL)
        lab.gw.daemon.proc.wait(timeout=10)
    finally:
        stop.set()
        worker.join(timeout=30)
    assert not worker.is_alive()
    assert len(acked) >= 40
    lab.start_gw()
    rules = approved_rules(lab)
    missing = [p for p in acked if p not in rules]
    assert not missing, f"{len(missing)} acknowledged approvals lost, e.g. {missing[:5]}"
    assert FRR_NETS[0] in rules
    wait_for(lab.bird_routes, on_bird(FRR_NETS[0]), SESSION_S, what="approved route at BIRD after kill -9")


def configure(lab: Lab, *lines: str) -> None:
    for line in ("configure terminal", f"router bgp {GW_AS}", *lines, "end"):
        lab.run(line)


def test_modes_change_without_session_reset(lab):
    """`approval mode gateway` holds every connection's routes (BIRD's
    too); `no approval` lets everything flow; neither resets a session."""
    settled(lab)
    before = {a: n["connectionsEstablished"] for a, n in lab.json("show bgp neighbors json").items()}
    configure(lab, "approval mode gateway")
    wait_for(lab.states, {BIRD_NET: "pending", FRR_NETS[0]: "pending"}, 20, what="BIRD's route pending too")
    wait_until(lambda: BIRD_NET not in lab.kernel(), 20, what="BIRD's route out of the kernel")
    configure(lab, "no approval")
    assert lab.approval()["mode"] == "none"
    wait_for(lab.bird_routes, {p: [{}] for p in FRR_NETS}, 20, what="without approval FRR's routes reach BIRD")
    wait_until(lambda: {BIRD_NET, *FRR_NETS} <= lab.kernel(), 20, what="every route in the kernel")
    assert lab.approval()["routes"] == []  # no connection is subject to approval
    after = {a: n["connectionsEstablished"] for a, n in lab.json("show bgp neighbors json").items()}
    assert after == before
