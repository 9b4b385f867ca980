"""Two IKE-keyed tunnels to one peer site, AWS style, with ECMP over both.

Two namespaces, each a skygate (tunneld with its embedded charon, and
routed): "cgw" is the customer gateway with one underlay address, "vgw"
the far site with two, one per tunnel, as a cloud VPN gateway offers them.
cgw initiates both IKE SAs with a pre-shared key, vgw responds. routed on
either side peers over both tunnels' inside addresses with hold time 9 s
and `maximum-paths 2`.

Checked: the kernel route to the far site's prefix has two nexthops, one
through each TUN device; several UDP flows (the namespace hashes on the
ports, fib_multipath_hash_policy 1) are spread over both tunnels, as the
per-tunnel counters of `show tunnel json` show; and once the far end of
one tunnel is deleted, BGP's hold timer (RFC 4271 6.5) withdraws that
path within the hold time and every flow goes through the other tunnel.
"""

from __future__ import annotations

import json
import os
import time

import pytest

from lib import topo as topo_lib
from lib.gateway import start_routed
from lib.jsonmatch import wait_for, wait_until
from lib.skyipc import Session
from lib.strongswan import strongswan_available

CGW_UNDER = "192.0.2.1"
VGW_UNDER = ("192.0.2.2", "192.0.2.4")
#: (tunnel name, cgw inside, vgw inside): one /30 per tunnel, as AWS hands them out.
TUNNELS = (("aws1", "169.254.41.1", "169.254.41.2"), ("aws2", "169.254.42.1", "169.254.42.2"))
CGW_AS, VGW_AS = 64512, 64513
CGW_NET, VGW_NET = "198.18.10.0/24", "198.18.20.0/24"
CGW_HOST, VGW_HOST = "198.18.10.1", "198.18.20.1"
KEEPALIVE_S, HOLD_S = 3, 9
FLOWS, PACKETS_PER_FLOW = 32, 20
SETUP_S = 90  # two IKE SAs and two BGP sessions on a shared, busy machine


class Tunneld:
    """skygate-tunneld in one namespace, configured from a file and live
    over its control socket."""

    def __init__(self, topo, skygate_bin, ns, name: str, config: str):
        self.ns = ns
        self.bin = skygate_bin
        self.rundir = topo.make_dir(f"tunneld-{name}")
        topo_lib.check_config_text(config)
        self.daemon = topo.start_daemon(
            ns, f"tunneld-{name}",
            [skygate_bin("skygate-tunneld"), "--rundir", "{rundir}", "-f", "{rundir}/tunneld.conf",
             "--workers", "2"],
            rundir=self.rundir, files={"tunneld.conf": config},
            ready=lambda: (self.rundir / "tunneld.sock").exists())

    def tunnels(self) -> dict:
        with Session(str(self.rundir / "tunneld.sock")) as s:
            reply = s.run("show tunnel json")
        assert reply.ok, reply.output
        return {t["name"]: t for t in json.loads(reply.output)["tunnels"]}

    def configure(self, *lines: str) -> None:
        argv = [self.bin("skysh"), "--rundir", str(self.rundir), "--daemon", "tunneld",
                "-c", "configure terminal"]
        for line in lines:
            argv += ["-c", line]
        r = self.ns.run(argv, check=False, timeout=30)
        assert r.returncode == 0, f"{lines}: {r.stdout}{r.stderr}"

    def tx_packets(self) -> dict[str, int]:
        return {name: t["counters"]["txPackets"] for name, t in self.tunnels().items()}


def tunneld_conf(local: list[str], peer: list[str], inside: list[str], psk: str, initiate: bool) -> str:
    out = []
    for (name, _, _), lo, pe, ins in zip(TUNNELS, local, peer, inside):
        out.append(f"tunnel ipsec {name}\n local-address {lo}\n peer-address {pe}\n"
                   f" inside-address {ins}/30\n authentication pre-shared-key {psk}\n"
                   + (" initiate\n" if initiate else " respond\n"))
    return "".join(out)


def routed_conf(my_as: int, router_id: str, peer_as: int, neighbors: list[str], network: str) -> str:
    lines = [f"router bgp {my_as}", f" bgp router-id {router_id}",
             f" timers bgp {KEEPALIVE_S} {HOLD_S}"]
    for n in neighbors:
        # A connection tried before the CHILD_SA is up fails; try again soon.
        lines += [f" neighbor {n} remote-as {peer_as}", f" neighbor {n} timers connect 2"]
    lines += [" address-family ipv4 unicast", f"  network {network}", "  maximum-paths 2",
              " exit-address-family"]
    return "\n".join(lines) + "\n"


def kernel_nexthops(ns, prefix: str) -> list[tuple[str, str]]:
    """(gateway, device) of each nexthop of routed's kernel route to prefix."""
    for r in ns.ip_json("route", "show", "proto", "211"):
        if r["dst"] == prefix:
            hops = r.get("nexthops") or [r]
            return sorted((h.get("gateway"), h.get("dev")) for h in hops)
    return []


# Sends PACKETS_PER_FLOW datagrams on each of FLOWS UDP flows (source port
# 40000+i, destination port 50000+i): with the namespace hashing on L4 the
# flows land on both nexthops. Nobody listens; the far end's port
# unreachables are no concern of the check, which reads tunneld's counters.
SEND_FLOWS = """
import socket, sys
src, dst, flows, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for i in range(flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((src, 40000 + i))
    for _ in range(count):
        s.sendto(b"x" * 64, (dst, 50000 + i))
    s.close()
"""


def send_flows(ns) -> None:
    ns.run(["python3", "-c", SEND_FLOWS, CGW_HOST, VGW_HOST, str(FLOWS), str(PACKETS_PER_FLOW)],
           timeout=30)


@pytest.fixture
def aws_pair(topo, skygate_bin):
    reason = strongswan_available()
    if reason:
        pytest.fail(f"strongSwan libraries not installed ({reason}): run scripts/install-deps.sh",
                    pytrace=False)
    cgw = topo.add_namespace("cgw")
    vgw = topo.add_namespace("vgw")
    topo.add_link(cgw, vgw, [f"{CGW_UNDER}/24"], [f"{a}/24" for a in VGW_UNDER])
    # Each site's workload host: an address on lo inside the announced prefix.
    for ns, host in ((cgw, CGW_HOST), (vgw, VGW_HOST)):
        ns.add_address("lo", f"{host}/32")
    # L4 hashing: flows between the same two hosts spread over the nexthops.
    cgw.sysctl("net.ipv4.fib_multipath_hash_policy", 1)

    psk = os.urandom(16).hex()
    cgw_td = Tunneld(topo, skygate_bin, cgw, "cgw", tunneld_conf(
        [CGW_UNDER] * 2, list(VGW_UNDER), [t[1] for t in TUNNELS], psk, initiate=True))
    vgw_td = Tunneld(topo, skygate_bin, vgw, "vgw", tunneld_conf(
        list(VGW_UNDER), [CGW_UNDER] * 2, [t[2] for t in TUNNELS], psk, initiate=False))
    cgw_gw = start_routed(topo, cgw, routed_conf(CGW_AS, CGW_UNDER, VGW_AS, [t[2] for t in TUNNELS], CGW_NET),
                          skygate_bin("skygate-routed"), name="cgw-routed")
    vgw_gw = start_routed(topo, vgw, routed_conf(VGW_AS, VGW_UNDER[0], CGW_AS, [t[1] for t in TUNNELS], VGW_NET),
                          skygate_bin("skygate-routed"), name="vgw-routed")
    return cgw, vgw, cgw_td, vgw_td, cgw_gw, vgw_gw


def show(gw, cmd: str) -> dict:
    reply = gw.session.run(cmd + " json")
    assert reply.ok, reply.output
    return json.loads(reply.output)


def test_ecmp_over_two_ike_tunnels_and_failover(aws_pair):
    cgw, vgw, cgw_td, vgw_td, cgw_gw, vgw_gw = aws_pair
    names = [t[0] for t in TUNNELS]
    wait_until(lambda: all(cgw_td.tunnels()[n]["ike"]["state"] == "up" for n in names), SETUP_S,
               "both IKE tunnels up on the customer gateway")
    wait_for(lambda: show(cgw_gw, "show bgp summary"), {"ipv4Unicast": {"peers": {
        t[2]: {"state": "Established"} for t in TUNNELS}}}, SETUP_S,
        what="both BGP sessions over the tunnels Established")

    devs = {n: cgw.ip_json("link", "show", "dev", n)[0]["ifname"] for n in names}
    both = sorted((t[2], devs[t[0]]) for t in TUNNELS)
    wait_for(lambda: {"hops": kernel_nexthops(cgw, VGW_NET)}, {"hops": lambda h: h == both}, 30,
             what=f"{VGW_NET} installed with a nexthop through each tunnel")
    wait_for(lambda: {"hops": kernel_nexthops(vgw, CGW_NET)}, {"hops": lambda h: len(h) == 2}, 30,
             what=f"the far site's route back to {CGW_NET} over both tunnels")

    # Several flows use both tunnels.
    before = cgw_td.tx_packets()
    send_flows(cgw)
    total = FLOWS * PACKETS_PER_FLOW

    def spread():
        now = cgw_td.tx_packets()
        delta = {n: now[n] - before[n] for n in names}
        return sum(delta.values()) >= total and delta
    delta = wait_until(spread, 15, "every datagram counted on one of the tunnels")
    assert all(d > 0 for d in delta.values()), f"flows not spread over both tunnels: {delta}"

    # The far end of aws1 goes away. Its CHILD_SA on our side goes with it
    # (the peer's IKE DELETE) or stops carrying anything; either way the
    # BGP session over aws1 misses its keepalives and the hold timer
    # withdraws that path.
    down_at = time.monotonic()
    vgw_td.configure(f"no tunnel {names[0]}")
    wait_for(lambda: {"hops": kernel_nexthops(cgw, VGW_NET)}, {"hops": lambda h: h == [(TUNNELS[1][2], devs[names[1]])]},
             HOLD_S + 15, what=f"{VGW_NET} left with the nexthop through {names[1]} alone")
    failover_s = time.monotonic() - down_at
    print(f"failover to {names[1]}: {failover_s:.1f} s (hold time {HOLD_S} s)")
    assert failover_s <= HOLD_S + 5, failover_s

    before = cgw_td.tx_packets()
    send_flows(cgw)

    def moved():
        now = cgw_td.tx_packets()
        delta = {n: now[n] - before[n] for n in names}
        return delta[names[1]] >= total and delta
    delta = wait_until(moved, 15, f"every flow through {names[1]}")
    assert delta[names[0]] == 0, f"traffic still entering {names[0]}: {delta}"
