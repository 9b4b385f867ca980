#!/usr/bin/python3
"""The skygate lab: a gateway between an on-prem router and a cloud edge.

    ns onprem (FRR, AS 64512)       ns gw (skygate-routed, AS 64520)      ns cloud (BIRD, AS 64513)
    eth0 192.0.2.1/24  ------- 192.0.2.2/24 | 198.51.100.2/24 ------- 198.51.100.1/24 eth0
    workload 198.18.10.0/24                |                          workload 198.19.20.0/24
                                   203.0.113.1/24
                                           |   two IKE-keyed IPsec tunnels, BGP over each
                             203.0.113.10, 203.0.113.11/24
                                  ns vpc (skygate, AS 64515): an AWS-style VPN gateway
                                  workload 198.19.30.0/24

The gateway runs skygate-routed: it speaks eBGP to the on-prem router and to
the cloud edge, learns each side's workload prefix and passes it to the
other with its own AS prepended, and originates a summary of its own. It is
configured from a file and then live through skysh. Then route approval
goes on for the on-prem connection: a new on-prem prefix waits pending,
is approved with a reason, and arrives at the cloud edge.

The second cloud is reached as an AWS site-to-site VPN is: two IPsec
tunnels from the gateway's one outside address to two outside addresses of
the VPN gateway, keyed by IKEv2 with a pre-shared key (the gateway's
skygate-tunneld initiates), with an eBGP session over each tunnel's inside
/30 and `maximum-paths 2`, so traffic uses both tunnels. The far end is a
second skygate (tunneld + routed) in its own namespace. The approved
on-prem routes reach it through the tunnels.

Run as root: scripts/lab.sh (installs and builds first), or
    /usr/bin/python3 lab/demo.py [--keep] [--build DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "integration"))

from lib.jsonmatch import wait_for, wait_until  # noqa: E402
from lib.peers import BgpNeighbor, BirdRouter, FrrRouter, frr_bgp_config  # noqa: E402
from lib.skyipc import Session  # noqa: E402
from lib.topo import Topology  # noqa: E402

ONPREM_AS, CLOUD_AS = 64512, 64513
ONPREM_IP, GW_ONPREM_IP = "192.0.2.1", "192.0.2.2"
CLOUD_IP, GW_CLOUD_IP = "198.51.100.1", "198.51.100.2"
ONPREM_NETS = ["198.18.10.0/24"]
#: The prefix on-prem announces later, which waits for approval.
ONPREM_NEW_NET = "198.18.11.0/24"
CLOUD_NETS = ["198.19.20.0/24"]
#: One host address in each workload prefix, on the namespaces' loopback.
ONPREM_HOST, CLOUD_HOST = "198.18.10.1", "198.19.20.1"
SESSION_S = 60
GW_AS = 64520

#: The AWS-style VPN: the gateway's outside address, the VPN gateway's two,
#: and per tunnel (name, gateway inside, VPN gateway inside), /30 each.
GW_VPN_IP, VPC_VPN_IPS = "203.0.113.1", ("203.0.113.10", "203.0.113.11")
VPN_TUNNELS = (("aws1", "169.254.41.1", "169.254.41.2"), ("aws2", "169.254.42.1", "169.254.42.2"))
VPC_AS = 64515
VPC_NET, VPC_HOST = "198.19.30.0/24", "198.19.30.1"

#: The gateway's configuration, in the CLI's own syntax (skygate-routed -f).
GW_CONFIG = f"""hostname gw
router bgp {GW_AS}
 bgp router-id {GW_ONPREM_IP}
 neighbor {ONPREM_IP} remote-as {ONPREM_AS}
 neighbor {ONPREM_IP} description on-prem router
 neighbor {CLOUD_IP} remote-as {CLOUD_AS}
 neighbor {CLOUD_IP} description cloud edge
""" + "".join(f" neighbor {vgw} remote-as {VPC_AS}\n neighbor {vgw} description VPN tunnel {name}\n"
              # Tried before the tunnel is up, a connection fails: retry soon.
              f" neighbor {vgw} timers connect 2\n" for name, _, vgw in VPN_TUNNELS) + """\
 address-family ipv4 unicast
  maximum-paths 2
 exit-address-family
"""
GW_NET = "198.18.0.0/15"


def say(text: str = "") -> None:
    print(text, flush=True)


def heading(text: str) -> None:
    say()
    say(f"== {text} " + "=" * max(0, 74 - len(text)))


def cloud_bird_config() -> str:
    """BIRD as the cloud edge: one eBGP session to the gateway."""
    statics = "\n".join(f"  route {p} blackhole;" for p in CLOUD_NETS)
    return f"""log stderr all;
router id {CLOUD_IP};
protocol device {{ }}
protocol static workloads {{
  ipv4;
{statics}
}}
# Routes learned over BGP go into the kernel, so traffic can follow them.
protocol kernel {{
  ipv4 {{ import none; export where source = RTS_BGP; }};
}}
protocol bgp skygate {{
  local {CLOUD_IP} as {CLOUD_AS};
  neighbor {GW_CLOUD_IP} as {GW_AS};
  connect delay time 1;
  connect retry time 2;
  error wait time 1, 10;
  ipv4 {{ import all; export where source = RTS_STATIC; }};
}}
"""


def vpn_tunneld_config(side: int, psk: str) -> str:
    """tunneld's two IKE tunnels: side 0 the gateway (initiates), 1 the VPC."""
    out = []
    for (name, gw_in, vpc_in), vpc_ip in zip(VPN_TUNNELS, VPC_VPN_IPS):
        local, peer, inside = (GW_VPN_IP, vpc_ip, gw_in) if side == 0 else (vpc_ip, GW_VPN_IP, vpc_in)
        out.append(f"tunnel ipsec {name}\n local-address {local}\n peer-address {peer}\n"
                   f" inside-address {inside}/30\n authentication pre-shared-key {psk}\n"
                   + (" initiate\n" if side == 0 else " respond\n"))
    return "".join(out)


def vpc_routed_config() -> str:
    lines = ["hostname vpc", f"router bgp {VPC_AS}", f" bgp router-id {VPC_VPN_IPS[0]}"]
    for _, gw_in, _ in VPN_TUNNELS:
        lines += [f" neighbor {gw_in} remote-as {GW_AS}", f" neighbor {gw_in} timers connect 2"]
    lines += [" address-family ipv4 unicast", f"  network {VPC_NET}", "  maximum-paths 2",
              " exit-address-family"]
    return "\n".join(lines) + "\n"


def tunnel_states(sock: Path) -> dict:
    with Session(str(sock)) as s:
        reply = s.run("show tunnel json")
    if not reply.ok:
        raise RuntimeError(reply.output)
    return {t["name"]: t for t in json.loads(reply.output)["tunnels"]}


def nexthops(ns, prefix: str) -> list[tuple[str, str]]:
    """(gateway, device) of each nexthop of routed's kernel route to prefix."""
    for r in ns.ip_json("-4", "route", "show", "proto", "211"):
        if r["dst"] == prefix:
            return sorted((h.get("gateway"), h.get("dev")) for h in (r.get("nexthops") or [r]))
    return []


def routed_running(rundir: Path, pid: int) -> bool:
    try:
        return int((rundir / "routed.pid").read_text()) == pid
    except (FileNotFoundError, ValueError):
        return False


def show_frr_routes(frr: FrrRouter) -> None:
    table = frr.bgp_routes("ipv4")
    say(f"  {'prefix':<20} {'next hop':<16} {'AS path':<10} best")
    for prefix, paths in sorted(table.get("routes", {}).items()):
        for path in paths:
            hops = ",".join(h.get("ip", "?") for h in path.get("nexthops", []))
            say(f"  {prefix:<20} {hops:<16} {path.get('path') or '(local)':<10} "
                f"{'*' if path.get('bestpath') else ''}")


def run_lab(build: Path, keep: bool) -> int:
    routed_bin = build / "routed" / "skygate-routed"
    tunneld_bin = build / "vpn" / "tunneld" / "skygate-tunneld"
    for binary in (routed_bin, tunneld_bin):
        if not binary.is_file():
            say(f"lab: {binary} is not built; run scripts/build.sh main first")
            return 1
    started = time.monotonic()
    with Topology(name="lab") as topo:
        heading("bringing up the lab")
        onprem, gw, cloud, vpc = (topo.add_namespace(n) for n in ("onprem", "gw", "cloud", "vpc"))
        topo.add_link(onprem, gw, [f"{ONPREM_IP}/24"], [f"{GW_ONPREM_IP}/24"])
        topo.add_link(gw, cloud, [f"{GW_CLOUD_IP}/24"], [f"{CLOUD_IP}/24"])
        topo.add_link(gw, vpc, [f"{GW_VPN_IP}/24"], [f"{ip}/24" for ip in VPC_VPN_IPS])
        vpc.add_address("lo", f"{VPC_HOST}/32")
        gw.enable_forwarding()
        onprem.add_route("198.51.100.0/24", via=GW_ONPREM_IP)
        cloud.add_route("192.0.2.0/24", via=GW_CLOUD_IP)
        onprem.add_address("lo", f"{ONPREM_HOST}/32")
        cloud.add_address("lo", f"{CLOUD_HOST}/32")
        for ns in (onprem, gw, cloud, vpc):
            say(f"  namespace {ns.name}")

        # The VPN's tunnels first: routed's sessions over them start the
        # moment the CHILD_SAs carry packets.
        psk = os.urandom(16).hex()
        tunnelds = {}
        for side, ns in enumerate((gw, vpc)):
            tdir = topo.make_dir(f"{ns.short}-tunneld")
            sock = tdir / "tunneld.sock"
            d = topo.start_daemon(ns, f"{ns.short}-tunneld",
                                  [str(tunneld_bin), "--rundir", "{rundir}", "-f", "{rundir}/tunneld.conf"],
                                  rundir=tdir, files={"tunneld.conf": vpn_tunneld_config(side, psk)},
                                  ready=sock.exists)
            tunnelds[ns.short] = sock
            say(f"  {ns.short}: skygate-tunneld pid {d.pid}, IKE tunnels "
                f"{' and '.join(t[0] for t in VPN_TUNNELS)} ({'initiating' if side == 0 else 'responding'})")
        vpc_dir = topo.make_dir("vpc-routed")
        vpc_routed = topo.start_daemon(vpc, "vpc-routed", [str(routed_bin), "--rundir", "{rundir}",
                                                           "-f", "{rundir}/routed.conf", "--statedir", "{rundir}"],
                                       rundir=vpc_dir, files={"routed.conf": vpc_routed_config()},
                                       ready=lambda: (vpc_dir / "routed.sock").exists())
        vpc_session = Session(str(vpc_dir / "routed.sock"))
        topo.add_cleanup("close the VPC's CLI session", vpc_session.close)
        say(f"  vpc: skygate-routed pid {vpc_routed.pid}, AS {VPC_AS}, originating {VPC_NET}")

        def vpc_show(command: str):
            reply = vpc_session.run(command + " json")
            if not reply.ok:
                raise RuntimeError(reply.output)
            return json.loads(reply.output)

        rundir = topo.make_dir("gw-routed")
        (rundir / "routed.conf").write_text(GW_CONFIG)
        routed = topo.start_daemon(gw, "routed", [str(routed_bin), "--rundir", "{rundir}",
                                                  "-f", "{rundir}/routed.conf", "--statedir", "{rundir}"],
                                   rundir=rundir, ready=lambda: (rundir / "routed.sock").exists())
        wait_until(lambda: routed_running(rundir, routed.pid), 10, "routed pid file")
        say(f"  gw: skygate-routed pid {routed.pid}, run directory {rundir}")

        bird = BirdRouter(topo, cloud, cloud_bird_config(), name="cloud").start()
        say(f"  cloud: BIRD 2, AS {CLOUD_AS}, originating {', '.join(CLOUD_NETS)}")
        frr_conf = frr_bgp_config(
            ONPREM_AS, ONPREM_IP, [BgpNeighbor(GW_ONPREM_IP, GW_AS, "gateway")],
            networks=ONPREM_NETS, hostname="onprem")
        frr = FrrRouter(topo, onprem, {"bgpd": frr_conf}, name="onprem").start()
        say(f"  onprem: FRR, AS {ONPREM_AS}, originating {', '.join(ONPREM_NETS)}")

        heading("underlay through the gateway")
        ping = onprem.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", ONPREM_IP, CLOUD_IP],
                          check=False, timeout=20)
        last = [line for line in ping.stdout.splitlines() if "packets transmitted" in line]
        say(f"  onprem -> cloud: {last[0] if last else ping.stdout.strip()}")
        if ping.returncode != 0:
            say("lab: the underlay does not forward; stopping")
            return 1

        skysh = [str(build / "cli" / "skysh"), "--rundir", str(rundir)]

        def sh(*commands: str) -> str:
            args = [a for c in commands for a in ("-c", c)]
            proc = gw.run(skysh + args, check=False, timeout=30)
            if proc.returncode != 0:
                raise RuntimeError(f"skysh failed: {proc.stdout}{proc.stderr}")
            return proc.stdout

        def sh_json(command: str):
            return json.loads(sh(command + " json"))

        heading("BGP sessions of the gateway (skysh -c 'show bgp summary')")
        wait_for(lambda: sh_json("show bgp summary"), {"ipv4Unicast": {"peers": {
            ONPREM_IP: {"state": "Established", "pfxRcd": len(ONPREM_NETS)},
            CLOUD_IP: {"state": "Established", "pfxRcd": len(CLOUD_NETS)}}
            | {vgw: {"state": "Established", "pfxRcd": 1} for _, _, vgw in VPN_TUNNELS}}},
            SESSION_S, what="the gateway's sessions Established with routes received")
        for line in sh("show bgp summary").strip().splitlines():
            say(f"  {line}")

        heading("the gateway's BGP table (skysh -c 'show bgp ipv4 unicast')")
        for line in sh("show bgp ipv4 unicast").strip().splitlines():
            say(f"  {line}")

        heading("routes on onprem (FRR: show bgp ipv4 unicast json)")
        wait_for(lambda: frr.bgp_routes("ipv4"),
                 {"routes": {p: [{"valid": True, "path": f"{GW_AS} {CLOUD_AS}"}] for p in CLOUD_NETS}},
                 SESSION_S, what="FRR learned the cloud workloads through the gateway")
        show_frr_routes(frr)

        heading("routes on cloud (BIRD: show route)")
        wait_for(lambda: bird.routes(), {"master4": {p: [{}] for p in ONPREM_NETS}}, SESSION_S,
                 what="BIRD learned the on-prem workloads through the gateway")
        for line in bird.birdc("show", "route").splitlines():
            if line.strip() and not line.startswith(("BIRD", "Table")):
                say(f"  {line}")

        heading("traffic between the workloads, through the gateway's FIB")
        def gw_kernel_routes():
            return {r["dst"]: r.get("gateway") for r in gw.ip_json("-4", "route", "show", "proto", "211")}
        wait_for(gw_kernel_routes, {ONPREM_NETS[0]: ONPREM_IP, CLOUD_NETS[0]: CLOUD_IP}, SESSION_S,
                 what="the gateway installed both workload routes")
        for line in gw.ip("route", "show", "proto", "211").stdout.strip().splitlines():
            say(f"  gw# ip route show proto 211:  {line}")
        def workload_ping():
            return onprem.run(["ping", "-c", "1", "-W", "1", "-I", ONPREM_HOST, CLOUD_HOST],
                              check=False, timeout=10).returncode == 0
        wait_until(workload_ping, SESSION_S, "the on-prem workload reaches the cloud workload")
        ping = onprem.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", ONPREM_HOST, CLOUD_HOST],
                          check=False, timeout=20)
        last = [line for line in ping.stdout.splitlines() if "packets transmitted" in line]
        say(f"  {ONPREM_HOST} -> {CLOUD_HOST}: {last[0] if last else ping.stdout.strip()}")

        heading("the gateway's view of its forwarding table (skysh -c 'show ip route bgp')")
        for line in sh("show ip route bgp").strip().splitlines():
            say(f"  {line}")

        heading(f"what the gateway tells the cloud (skysh -c 'show ip bgp neighbors {CLOUD_IP} advertised-routes')")
        wait_for(lambda: sh_json(f"show ip bgp neighbors {CLOUD_IP} advertised-routes"),
                 {"advertisedRoutes": {ONPREM_NETS[0]: {"path": f"{GW_AS} {ONPREM_AS}"}}}, SESSION_S,
                 what="the on-prem route advertised to the cloud")
        for line in sh(f"show ip bgp neighbors {CLOUD_IP} advertised-routes").strip().splitlines():
            say(f"  {line}")

        heading("the AWS-style VPN: two IKE-keyed IPsec tunnels, BGP over each, ECMP")
        names = [t[0] for t in VPN_TUNNELS]
        wait_until(lambda: all(tunnel_states(tunnelds["gw"])[n]["ike"]["state"] == "up" for n in names),
                   SESSION_S, "both IKE tunnels up")
        for n, t in sorted(tunnel_states(tunnelds["gw"]).items()):
            say(f"  gw: tunnel {n} {t['source']} -> {t['destination']}, IKE {t['ike']['state']}")
        wait_for(lambda: sh_json("show bgp summary"), {"ipv4Unicast": {"peers": {
            vgw: {"state": "Established"} for _, _, vgw in VPN_TUNNELS}}}, SESSION_S,
            what="the gateway's sessions over both tunnels Established")
        for line in sh("show bgp summary").strip().splitlines():
            if line.startswith("169.254."):
                say(f"  {line}")
        both = sorted((vgw, name) for name, _, vgw in VPN_TUNNELS)
        wait_for(lambda: {"hops": nexthops(gw, VPC_NET)}, {"hops": lambda h: h == both}, SESSION_S,
                 what=f"the gateway's route to {VPC_NET} over both tunnels")
        say(f"  gw: {VPC_NET} via " + " and ".join(f"{via} dev {dev}" for via, dev in both) + " (ECMP)")
        wait_for(lambda: vpc_show("show bgp ipv4 unicast"), {"routes": {ONPREM_NETS[0]: [
            {"path": f"{GW_AS} {ONPREM_AS}"}, {"path": f"{GW_AS} {ONPREM_AS}"}]}}, SESSION_S,
            what="the VPC learned the on-prem workload over both tunnels")
        say(f"  vpc learned {ONPREM_NETS[0]} (AS path {GW_AS} {ONPREM_AS}) over both tunnels")
        wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {VPC_NET: [{"valid": True}]}}, SESSION_S,
                 what="FRR learned the VPC's workload through the gateway")
        before = {n: t["counters"]["txPackets"] for n, t in tunnel_states(tunnelds["vpc"]).items()}
        def vpc_ping():
            return onprem.run(["ping", "-c", "1", "-W", "1", "-I", ONPREM_HOST, VPC_HOST],
                              check=False, timeout=10).returncode == 0
        wait_until(vpc_ping, SESSION_S, "the on-prem workload reaches the VPC's workload")
        ping = onprem.run(["ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", ONPREM_HOST, VPC_HOST],
                          check=False, timeout=20)
        last = [line for line in ping.stdout.splitlines() if "packets transmitted" in line]
        say(f"  {ONPREM_HOST} -> {VPC_HOST}: {last[0] if last else ping.stdout.strip()}")
        after = {n: t["counters"]["txPackets"] for n, t in tunnel_states(tunnelds["vpc"]).items()}
        # One ping is one flow: the VPC's kernel hashes it onto one tunnel.
        say(f"  vpc: {sum(after[n] - before[n] for n in names)} replies sent through the tunnels as ESP ("
            + ", ".join(f"{n} {after[n] - before[n]}" for n in names) + ", counted by tunneld)")

        heading("a live change through skysh")
        sh("configure terminal", f"router bgp {GW_AS}", "address-family ipv4 unicast",
           f"network {GW_NET}", "end", "write memory")
        say(f"  $ skysh -c 'configure terminal' -c 'router bgp {GW_AS}' "
            f"-c 'address-family ipv4 unicast' -c 'network {GW_NET}' -c end -c 'write memory'")
        wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {GW_NET: [{"valid": True, "path": str(GW_AS)}]}},
                 SESSION_S, what="FRR learned the gateway's new network")
        wait_for(lambda: bird.routes(), {"master4": {GW_NET: [{}]}}, SESSION_S,
                 what="BIRD learned the gateway's new network")
        say(f"  FRR and BIRD both learned {GW_NET} from AS {GW_AS}")
        say("  $ skysh -c 'show running-config'")
        for line in sh("show running-config").splitlines():
            say(f"    {line}")
        saved = (rundir / "routed.conf").read_text()
        say(f"  saved to {rundir / 'routed.conf'} ({len(saved.splitlines())} lines, "
            f"previous kept as routed.conf.bak)")

        heading("route approval for the on-prem connection")
        # The workload already in use is approved first, so turning
        # approval on holds back only what is new.
        sh(f"bgp approval approve {ONPREM_NETS[0]} reason existing on-prem workload")
        sh("configure terminal", f"router bgp {GW_AS}", "approval mode connection",
           f"neighbor {ONPREM_IP} approval", "end")
        say(f"  $ skysh -c 'bgp approval approve {ONPREM_NETS[0]} reason existing on-prem workload'")
        say(f"  $ skysh -c 'configure terminal' -c 'router bgp {GW_AS}' -c 'approval mode connection' "
            f"-c 'neighbor {ONPREM_IP} approval' -c end")
        frr.configure(f"router bgp {ONPREM_AS}", "address-family ipv4 unicast", f"network {ONPREM_NEW_NET}")
        say(f"  onprem announces a new prefix, {ONPREM_NEW_NET}")
        wait_for(lambda: sh_json("show bgp approval pending"),
                 {"routes": [{"prefix": ONPREM_NEW_NET, "neighbor": ONPREM_IP, "state": "pending"}]},
                 SESSION_S, what="the new on-prem prefix is pending")
        say("  $ skysh -c 'show bgp approval pending'")
        for line in sh("show bgp approval pending").strip().splitlines():
            say(f"    {line}")
        # Positive control first: the approved workload is at BIRD, so the
        # absence of the pending one is not a slow session.
        wait_for(lambda: bird.routes(), {"master4": {ONPREM_NETS[0]: [{}]}}, SESSION_S,
                 what="BIRD keeps the approved workload")
        if ONPREM_NEW_NET in bird.routes().get("master4", {}):
            raise RuntimeError(f"BIRD learned {ONPREM_NEW_NET} before it was approved")
        if ONPREM_NEW_NET in vpc_show("show bgp ipv4 unicast").get("routes", {}):
            raise RuntimeError(f"the VPC learned {ONPREM_NEW_NET} before it was approved")
        say(f"  the VPC does not have {ONPREM_NEW_NET} either")
        say(f"  BIRD (cloud) does not have {ONPREM_NEW_NET}: pending routes are not advertised")
        say(f"  $ skysh -c 'show bgp approval preview {ONPREM_NEW_NET}'")
        for line in sh(f"show bgp approval preview {ONPREM_NEW_NET}").strip().splitlines():
            say(f"    {line}")
        sh(f"bgp approval approve {ONPREM_NEW_NET} reason new on-prem subnet, change 4711")
        say(f"  $ skysh -c 'bgp approval approve {ONPREM_NEW_NET} reason new on-prem subnet, change 4711'")
        wait_for(lambda: bird.routes(), {"master4": {ONPREM_NEW_NET: [{"attributes": {
            "BGP.as_path": f"{GW_AS} {ONPREM_AS}"}}]}}, SESSION_S, what="BIRD learned the approved prefix")
        say(f"  BIRD (cloud) learned {ONPREM_NEW_NET} from AS {GW_AS} once approved")
        wait_for(lambda: vpc_show("show bgp ipv4 unicast"), {"routes": {ONPREM_NEW_NET: [
            {"path": f"{GW_AS} {ONPREM_AS}"}, {"path": f"{GW_AS} {ONPREM_AS}"}]}}, SESSION_S,
            what="the VPC learned the approved prefix over both tunnels")
        say(f"  the VPC learned {ONPREM_NEW_NET} over both IPsec tunnels once approved")
        say("  $ skysh -c 'show bgp approval approved'")
        for line in sh("show bgp approval approved").strip().splitlines():
            say(f"    {line}")

        if keep:
            heading("lab is up (--keep)")
            say("  try: ip netns exec " + onprem.name + " vtysh --vty_socket "
                + str(frr.rundir) + " -c 'show bgp summary'")
            say(f"       {build / 'cli' / 'skysh'} --rundir {rundir}")
            say("  press Enter to tear it down")
            try:
                input()
            except EOFError:
                pass

        heading("tearing down")
        status = routed.stop()
        say(f"  skygate-routed exited with status {status}"
            f"{' (clean)' if status == 0 else ''}; routes left in the gateway's kernel: "
            f"{len(gw.ip_json('-4', 'route', 'show', 'proto', '211'))}")
    say(f"lab: done in {time.monotonic() - started:.1f} s; every namespace and process removed")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", action="store_true", help="leave the lab up until Enter")
    parser.add_argument("--build", type=Path, default=ROOT / "build" / "main",
                        help="build directory with the skygate binaries")
    args = parser.parse_args()
    if os.geteuid() != 0:
        say("lab: run as root (network namespaces)")
        return 1
    return run_lab(args.build, args.keep)


if __name__ == "__main__":
    sys.exit(main())
