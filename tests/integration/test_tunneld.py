"""skygate-tunneld end to end: two namespaces joined by a veth on
192.0.2.0/24, tunneld at both ends, traffic through GRE and ESP (UDP and
raw IP 50, AES-GCM and the null transform), tshark as the wire-format
oracle (it dissects our GRE and, given the keys, decrypts our ESP), MSS
clamping, ICMP "fragmentation needed", counters, and bad packets."""

from __future__ import annotations

import json
import os
import signal
import socket
import struct
import subprocess
from pathlib import Path

import pytest

from lib import topo as topo_lib
from lib.jsonmatch import wait_until
from lib.skyipc import Session

A_UNDER, B_UNDER = "192.0.2.1", "192.0.2.2"
KEY128_AB = "00112233445566778899aabbccddeeff01020304"
KEY128_BA = "ffeeddccbbaa99887766554433221100a0b0c0d0"
KEY256_AB = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20212223"
KEY256_BA = "303132333435363738393a3b3c3d3e3f404142434445464748494a4b4c4d4e4f50515253"


def gre_conf(local: str, remote: str, inside4: str, inside6: str) -> str:
    return (f"tunnel gre gre1\n source {local}\n destination {remote}\n"
            f" inside-address {inside4}\n inside-address {inside6}\n mtu 1476\n tcp-mss 1379\n")


def ipsec_conf(local: str, remote: str, inside: str, encap: str, alg: str, spi_out: int,
               key_out: str, spi_in: int, key_in: str) -> str:
    def sa(direction: str, spi: int, key: str) -> str:
        return (f" sa {direction} spi 0x{spi:x} {alg}" + ("" if alg == "null" else f" key {key}")
                + "\n")
    return (f"tunnel ipsec esp1\n source {local}\n destination {remote}\n"
            f" encapsulation {encap}\n inside-address {inside}\n mtu 1400\n tcp-mss 1359\n"
            + sa("outbound", spi_out, key_out) + sa("inbound", spi_in, key_in))


class Tunneld:
    """skygate-tunneld in one namespace with its own run directory."""

    def __init__(self, topo, skygate_bin, ns, name: str, config: str, workers: int = 2):
        self.ns = ns
        self.rundir = topo.make_dir(f"tunneld-{name}")
        topo_lib.check_config_text(config)
        self.daemon = topo.start_daemon(
            ns, f"tunneld-{name}",
            [skygate_bin("skygate-tunneld"), "--rundir", "{rundir}", "-f", "{rundir}/tunneld.conf",
             "--workers", str(workers)],
            rundir=self.rundir, files={"tunneld.conf": config},
            ready=lambda: (self.rundir / "tunneld.sock").exists())

    def show(self, line: str) -> dict:
        with Session(str(self.rundir / "tunneld.sock")) as s:
            reply = s.run(line)
        assert reply.ok, reply.output
        return json.loads(reply.output)

    def tunnel(self, name: str) -> dict:
        return self.show(f"show tunnel {name} json")["tunnels"][0]


@pytest.fixture
def pair(topo, skygate_bin):
    """Build the two namespaces and the veth; start tunneld with given configs."""
    a = topo.add_namespace("ta")
    b = topo.add_namespace("tb")
    link = topo.add_link(a, b, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])

    def start(conf_a: str, conf_b: str, workers: int = 2):
        ta = Tunneld(topo, skygate_bin, a, "a", conf_a, workers)
        tb = Tunneld(topo, skygate_bin, b, "b", conf_b, workers)
        return ta, tb
    return a, b, link, start


def ping(ns, dst: str, count: int = 3, size: int = 56, extra: tuple = ()) -> subprocess.CompletedProcess:
    return ns.run(["ping", "-n", "-c", str(count), "-i", "0.2", "-W", "2", "-s", str(size), *extra, dst],
                  check=False, timeout=30)


def ping_ok(ns, dst: str) -> bool:
    return ping(ns, dst, count=1).returncode == 0


class Capture:
    """tshark capturing on an interface of a namespace into a file."""

    def __init__(self, topo, ns, ifname: str, bpf: str = "", prime=None):
        self.path = topo.make_dir("cap") / "cap.pcapng"
        argv = ["tshark", "-q", "-n", "-i", ifname, "-w", str(self.path)]
        if bpf:
            argv += ["-f", bpf]
        self.err = self.path.with_suffix(".err")
        with open(self.err, "wb") as err:
            self.proc = ns.popen(argv, stdout=subprocess.DEVNULL, stderr=err,
                                 start_new_session=True)
        topo.add_cleanup("stop tshark", self.stop)
        wait_until(lambda: b"Capturing on" in self.err.read_bytes(), 20, "tshark to start capturing")
        if prime is not None:
            # "Capturing on" comes a little before the capture does: send
            # traffic until some of it is in the file.
            wait_until(lambda: prime() and self.count() > 0, 20, "tshark to see the first packet")

    def count(self) -> int:
        r = topo_lib.run(["tshark", "-n", "-r", str(self.path)], check=False, timeout=30)
        return len(r.stdout.splitlines())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)

    def fields(self, display_filter: str, fields: list[str], options: list[str] = ()) -> list[list[str]]:
        self.stop()
        argv = ["tshark", "-n", "-r", str(self.path), *options, "-Y", display_filter, "-T", "fields"]
        for f in fields:
            argv += ["-e", f]
        out = topo_lib.run(argv, timeout=60).stdout
        return [line.split("\t") for line in out.splitlines() if line.strip()]


def tcp_transfer(topo, client_ns, server_ns, server_addr: str, port: int, nbytes: int = 4 << 20) -> int:
    """Send nbytes over TCP through the tunnel; the server answers with the
    count it received. Returns that count."""
    server_code = (
        "import socket,sys\n"
        f"s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(('{server_addr}', {port})); s.listen(1); s.settimeout(30)\n"
        "print('listening', flush=True)\n"
        "c,_=s.accept(); c.settimeout(30); n=0\n"
        "while True:\n"
        "    d=c.recv(65536)\n"
        "    if not d: break\n"
        "    n+=len(d)\n"
        "c.sendall(str(n).encode()); c.close()\n")
    rundir = topo.make_dir("tcpsrv")
    srv = topo.start_daemon(server_ns, f"tcpsrv{port}", ["/usr/bin/python3", "-c", server_code],
                            rundir=rundir,
                            ready=lambda: b"listening" in (rundir / f"tcpsrv{port}.stdout").read_bytes())
    client_code = (
        "import socket\n"
        f"c=socket.create_connection(('{server_addr}', {port}), timeout=30)\n"
        f"buf=bytes(range(256))*256; left={nbytes}\n"
        "while left>0:\n"
        "    n=min(left,len(buf)); c.sendall(buf[:n]); left-=n\n"
        "c.shutdown(socket.SHUT_WR); print(c.recv(64).decode())\n")
    out = client_ns.run(["/usr/bin/python3", "-c", client_code], timeout=60)
    srv.stop()
    return int(out.stdout.strip())


def iperf(topo, client_ns, server_ns, server_addr: str, seconds: int = 2) -> float:
    """Gbit/s of an iperf3 run through the tunnel."""
    rundir = topo.make_dir("iperf")
    srv = topo.start_daemon(server_ns, "iperf3", ["iperf3", "-s", "-1", "--forceflush", "-B", server_addr],
                            rundir=rundir,
                            ready=lambda: b"listening" in (rundir / "iperf3.stdout").read_bytes())
    out = client_ns.run(["iperf3", "-c", server_addr, "-t", str(seconds), "-J"], timeout=60)
    srv.stop()
    result = json.loads(out.stdout)
    return result["end"]["sum_received"]["bits_per_second"] / 1e9


# --------------------------------------------------------------------------


def test_check_reports_file_and_line(tmp_path, skygate_bin):
    good = tmp_path / "good.conf"
    good.write_text(gre_conf(A_UNDER, B_UNDER, "169.254.10.1/30", "2001:db8:10::1/64"))
    ok = topo_lib.run([skygate_bin("skygate-tunneld"), "-f", str(good), "--check"], check=False)
    assert ok.returncode == 0, ok.stderr
    assert "OK (1 tunnels)" in ok.stdout

    cases = [
        ("tunnel gre gre1\n source 192.0.2.1\n mtu 9000\n", 3, "Invalid value '9000'"),
        ("tunnel gre gre1\n source 192.0.2.1\n bogus 1\n", 3, "Unknown command"),
        ("tunnel gre averyveryverylongname\n", 1, "tunnel name"),
        ("tunnel gre gre1\n source 192.0.2.1\n", 3, "needs a source and a destination"),
        ("tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n"
         " sa outbound spi 0x1001 aes-gcm-128 key 0011\n", 4, "needs a key of 40 hex digits"),
        ("tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n"
         " sa outbound spi 0x10 null\n", 4, "bad SPI"),
        ("tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n"
         " sa outbound spi 0x1001 null\n", 5, "needs an inbound and an outbound SA"),
    ]
    for i, (text, line, message) in enumerate(cases):
        bad = tmp_path / f"bad{i}.conf"
        bad.write_text(text)
        r = topo_lib.run([skygate_bin("skygate-tunneld"), "-f", str(bad), "--check"], check=False)
        assert r.returncode == 1, text
        assert f"{bad}:{line}: " in r.stderr and message in r.stderr, (text, r.stderr)


def test_gre_ping_tcp_mss_icmp_and_tshark(topo, pair):
    a, b, link, start = pair
    ta, tb = start(gre_conf(A_UNDER, B_UNDER, "169.254.10.1/30", "2001:db8:10::1/64"),
                   gre_conf(B_UNDER, A_UNDER, "169.254.10.2/30", "2001:db8:10::2/64"))
    wait_until(lambda: ping_ok(a, "169.254.10.2"), 20, "ping through GRE")
    cap = Capture(topo, a, link.a_if, "ip proto 47", prime=lambda: ping_ok(a, "169.254.10.2"))

    # Counters: the tunnel carries nothing else (no IPv6 link-local, no
    # DAD), so every packet counted is one of ours.
    before_a, before_b = ta.tunnel("gre1")["counters"], tb.tunnel("gre1")["counters"]
    r = ping(a, "169.254.10.2", count=5, size=100)
    assert r.returncode == 0, r.stdout
    assert ping(a, "2001:db8:10::2", count=2).returncode == 0

    def delta(t, before):
        now = t.tunnel("gre1")["counters"]
        return {k: now[k] - before[k] for k in ("txPackets", "txBytes", "rxPackets", "rxBytes")}
    expect_a = {"txPackets": 7, "txBytes": 5 * 128 + 2 * 104, "rxPackets": 7, "rxBytes": 5 * 128 + 2 * 104}
    wait_until(lambda: delta(ta, before_a) == expect_a, 10, "A's counters to match the pings")
    wait_until(lambda: delta(tb, before_b) == expect_a, 10, "B's counters to match the pings")

    # TCP through the tunnel, with the MSS clamped on the SYN.
    assert tcp_transfer(topo, a, b, "169.254.10.2", 5001) == 4 << 20
    rows = cap.fields("gre && tcp.flags.syn == 1", ["ip.src", "tcp.options.mss_val", "gre.proto"])
    assert rows, "no SYN seen inside GRE"
    for row in rows:
        # The outer source (first ip.src) and the clamped MSS.
        assert row[1] == "1379", row
        assert row[2] == "0x0800", row
    icmp = cap.fields("gre && icmp.type == 8", ["ip.src", "ip.dst", "ip.proto"])
    assert len(icmp) >= 5
    assert all(r[0] == f"{A_UNDER},169.254.10.1" and r[1] == f"{B_UNDER},169.254.10.2" for r in icmp), icmp
    assert ta.tunnel("gre1")["counters"]["mssClamped"] >= 1

    # A host behind A sends more than the tunnel MTU with DF set, and
    # someone has raised the device MTU past the tunnel's: tunneld itself
    # answers "fragmentation needed" with the tunnel MTU (RFC 1191).
    c = topo.add_namespace("tc")
    topo.add_link(c, a, ["198.18.1.2/24"], ["198.18.1.1/24"])
    c.add_route("169.254.10.0/30", via="198.18.1.1")
    a.enable_forwarding()
    b.add_route("198.18.1.0/24", dev="gre1")
    wait_until(lambda: ping_ok(c, "169.254.10.2"), 20, "ping from behind A through GRE")
    a.ip("link", "set", "dev", "gre1", "mtu", "1500")
    r = ping(c, "169.254.10.2", count=1, size=1472, extra=("-M", "do"))
    assert "mtu = 1476" in r.stdout and "From 169.254.10.1" in r.stdout, r.stdout
    t = ta.tunnel("gre1")
    assert t["counters"]["icmpTooBig"] >= 1 and t["drops"]["tx_too_big"] >= 1


def test_gre_keepalives_bring_the_tunnel_up_and_down(topo, pair):
    a, b, link, start = pair
    ka = " keepalive 1 3\n"
    ta, tb = start(gre_conf(A_UNDER, B_UNDER, "169.254.10.1/30", "2001:db8:10::1/64") + ka,
                   gre_conf(B_UNDER, A_UNDER, "169.254.10.2/30", "2001:db8:10::2/64"))
    # Cisco-style: B reflects A's keepalives without being configured for
    # them; A sees its own come back and calls the tunnel up.
    wait_until(lambda: ta.tunnel("gre1")["state"] == "up", 20, "keepalives answered")
    t = ta.tunnel("gre1")["counters"]
    assert t["keepaliveTx"] >= 1 and t["keepaliveRx"] >= 1
    assert tb.tunnel("gre1")["counters"]["keepaliveReflected"] >= 1
    assert tb.tunnel("gre1")["state"] == "up"  # no keepalives of its own
    # The peer goes away: after 3 missed replies the tunnel is down.
    tb.daemon.stop()
    wait_until(lambda: ta.tunnel("gre1")["state"] == "down", 20, "missed keepalives noticed")


@pytest.mark.parametrize("encap,alg", [("udp", "aes-gcm-128"), ("esp", "aes-gcm-256"),
                                       ("udp", "null")])
def test_esp_ping_tcp_tshark_decrypts(topo, pair, encap, alg):
    a, b, link, start = pair
    key_ab = KEY128_AB if alg == "aes-gcm-128" else KEY256_AB
    key_ba = KEY128_BA if alg == "aes-gcm-128" else KEY256_BA
    ta, tb = start(ipsec_conf(A_UNDER, B_UNDER, "169.254.20.1/30", encap, alg, 0x1001, key_ab, 0x2001, key_ba),
                   ipsec_conf(B_UNDER, A_UNDER, "169.254.20.2/30", encap, alg, 0x2001, key_ba, 0x1001, key_ab))
    wait_until(lambda: ping_ok(a, "169.254.20.2"), 20, "ping through ESP")
    cap = Capture(topo, a, link.a_if, "udp port 4500" if encap == "udp" else "ip proto 50",
                  prime=lambda: ping_ok(a, "169.254.20.2"))

    before = ta.tunnel("esp1")["counters"]
    assert ping(a, "169.254.20.2", count=4, size=200).returncode == 0
    now = wait_until(lambda: (lambda c: c if c["rxPackets"] - before["rxPackets"] == 4 else None)(
        ta.tunnel("esp1")["counters"]), 10, "replies counted")
    assert now["txPackets"] - before["txPackets"] == 4
    assert now["txBytes"] - before["txBytes"] == 4 * 228

    assert tcp_transfer(topo, a, b, "169.254.20.2", 5002) == 4 << 20

    # tshark decrypts with the keys (RFC 4106 key || salt) and finds the
    # inner ICMP intact.
    if alg == "null":
        uat_enc, key = "NULL", ""
    else:
        uat_enc, key = "AES-GCM with 16 octet ICV [RFC4106]", "0x" + key_ab
    uat = f'uat:esp_sa:"IPv4","{A_UNDER}","{B_UNDER}","0x00001001","{uat_enc}","{key}","NULL",""'
    rows = cap.fields("esp && icmp.type == 8 && ip.len == 228", ["esp.spi", "ip.src", "icmp.seq", "ip.len"],
                      ["-o", "esp.enable_encryption_decode:TRUE", "-o", uat])
    assert sorted(int(r[2]) for r in rows) == [1, 2, 3, 4], rows
    for row in rows:
        assert row[0] == "0x00001001"
        assert row[1] == f"{A_UNDER},169.254.20.1"
        assert row[3].endswith(",228")

    # SAs: counters, and never a key in the output.
    sas = ta.show("show ipsec sa json")["sas"]
    with Session(str(ta.rundir / "tunneld.sock")) as s:
        text = s.run("show ipsec sa json").output + s.run("show ipsec sa").output
    assert key_ab not in text and key_ba not in text
    out = [x for x in sas if x["direction"] == "outbound"][0]
    assert out["spi"] == "0x00001001" and out["packets"] >= 4 and out["encapsulation"] == encap


def test_esp_bad_spi_and_bad_icv_are_counted_and_dropped(topo, pair):
    a, b, link, start = pair
    ta, tb = start(ipsec_conf(A_UNDER, B_UNDER, "169.254.20.1/30", "udp", "aes-gcm-128", 0x1001, KEY128_AB,
                              0x2001, KEY128_BA),
                   ipsec_conf(B_UNDER, A_UNDER, "169.254.20.2/30", "udp", "aes-gcm-128", 0x2001, KEY128_BA,
                              0x1001, KEY128_AB))
    wait_until(lambda: ping_ok(a, "169.254.20.2"), 20, "ping through ESP")
    before = tb.show("show tunnel esp1 json")
    rx_before = before["tunnels"][0]["counters"]["rxPackets"]

    # From A's namespace to B's port 4500: 3 packets for an SPI nobody
    # has, 2 for B's inbound SPI with a forged ICV.
    sender = ("import socket,struct\n"
              "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
              f"s.bind(('{A_UNDER}', 0))\n"
              "for i in range(3):\n"
              f"    s.sendto(struct.pack('!II', 0xdead0000 + i, 1) + bytes(8) + bytes(64) + bytes(16), ('{B_UNDER}', 4500))\n"
              "for i in range(2):\n"
              f"    s.sendto(struct.pack('!II', 0x1001, 1000 + i) + bytes(8) + bytes(64) + bytes(16), ('{B_UNDER}', 4500))\n")
    a.run(["/usr/bin/python3", "-c", sender])

    def counted():
        d = tb.show("show tunnel esp1 json")
        return (d["globalDrops"]["unknown_spi"] - before["globalDrops"]["unknown_spi"] == 3 and
                d["tunnels"][0]["drops"]["rx_esp_auth"] - before["tunnels"][0]["drops"]["rx_esp_auth"] == 2)
    wait_until(counted, 10, "bad SPI and bad ICV counted")
    assert tb.tunnel("esp1")["counters"]["rxPackets"] == rx_before
    sa_in = [x for x in tb.show("show ipsec sa json")["sas"] if x["direction"] == "inbound"][0]
    assert sa_in["results"]["auth-fail"] >= 2
    # The tunnel still works.
    assert ping(a, "169.254.20.2", count=1).returncode == 0


def test_throughput_and_clean_stop(topo, pair):
    """iperf3 through null, GRE and ESP; SIGTERM removes the devices."""
    a, b, link, start = pair
    conf_a = (gre_conf(A_UNDER, B_UNDER, "169.254.10.1/30", "2001:db8:10::1/64")
              + ipsec_conf(A_UNDER, B_UNDER, "169.254.20.1/30", "udp", "aes-gcm-256", 0x1001, KEY256_AB,
                           0x2001, KEY256_BA))
    conf_b = (gre_conf(B_UNDER, A_UNDER, "169.254.10.2/30", "2001:db8:10::2/64")
              + ipsec_conf(B_UNDER, A_UNDER, "169.254.20.2/30", "udp", "aes-gcm-256", 0x2001, KEY256_BA,
                           0x1001, KEY256_AB))
    ta, tb = start(conf_a, conf_b)
    wait_until(lambda: ping_ok(a, "169.254.10.2") and ping_ok(a, "169.254.20.2"), 20, "both tunnels")
    gre = iperf(topo, a, b, "169.254.10.2")
    esp = iperf(topo, a, b, "169.254.20.2")
    print(f"iperf3 -t 2: GRE {gre:.2f} Gbit/s, ESP-UDP AES-GCM-256 {esp:.2f} Gbit/s")
    assert gre > 0.01 and esp > 0.01
    t = ta.show("show tunnel json")
    esp1 = [x for x in t["tunnels"] if x["name"] == "esp1"][0]
    # The stack handed us super-packets and ESP left in UDP GSO batches.
    assert esp1["counters"]["gsoSuperPackets"] > 0
    assert esp1["counters"]["gsoSegments"] > esp1["counters"]["gsoSuperPackets"]
    assert t["offload"]["tso"] is True
    # B coalesced what it received into super-packets for its device.
    rx = tb.tunnel("esp1")["counters"]
    assert rx["tunGsoWrites"] > 0 and rx["rxPackets"] > rx["tunGsoWrites"]

    assert ta.daemon.stop() == 0
    links = [x["ifname"] for x in a.ip_json("link", "show")]
    assert "gre1" not in links and "esp1" not in links
    assert not (ta.rundir / "tunneld.sock").exists()
    assert not (ta.rundir / "tunneld.pid").exists()


def test_equal_sized_datagrams_leave_in_udp_gso_runs(topo, pair):
    """Datagrams read from the TUN device one at a time (no USO: a plain
    UDP socket) and of one size go out in UDP_SEGMENT sends, and arrive
    whole, in order and intact."""
    a, b, link, start = pair
    ta, tb = start(ipsec_conf(A_UNDER, B_UNDER, "169.254.20.1/30", "udp", "aes-gcm-128", 0x1001, KEY128_AB,
                              0x2001, KEY128_BA),
                   ipsec_conf(B_UNDER, A_UNDER, "169.254.20.2/30", "udp", "aes-gcm-128", 0x2001, KEY128_BA,
                              0x1001, KEY128_AB))
    wait_until(lambda: ping_ok(a, "169.254.20.2"), 20, "ping through ESP")
    bursts, per_burst, size = 20, 64, 1000
    total = bursts * per_burst
    receiver = (
        "import socket,struct\n"
        "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)\n"
        "s.bind(('169.254.20.2', 5300)); s.settimeout(10)\n"
        "print('listening', flush=True)\n"
        "got=bad=disorder=0; last=-1\n"
        f"while got < {total}:\n"
        "    try: d=s.recv(65536)\n"
        "    except socket.timeout: break\n"
        "    seq=struct.unpack('!I', d[:4])[0]\n"
        f"    if len(d) != {size} or d[4:] != bytes((seq + i) & 0xff for i in range({size - 4})): bad+=1\n"
        "    if seq <= last: disorder+=1\n"
        "    last=seq; got+=1\n"
        "print('done', got, bad, disorder, flush=True)\n")
    rundir = topo.make_dir("udpsrv")
    srv = topo.start_daemon(b, "udpsrv", ["/usr/bin/python3", "-c", receiver], rundir=rundir,
                            ready=lambda: b"listening" in (rundir / "udpsrv.stdout").read_bytes())
    before = ta.tunnel("esp1")["counters"]
    rx_before = tb.tunnel("esp1")["counters"]
    sender = (
        "import socket,struct,time\n"
        "s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\n"
        f"for burst in range({bursts}):\n"
        f"    for k in range({per_burst}):\n"
        f"        seq=burst*{per_burst}+k\n"
        f"        s.sendto(struct.pack('!I', seq) + bytes((seq + i) & 0xff for i in range({size - 4})),"
        " ('169.254.20.2', 5300))\n"
        "    time.sleep(0.02)\n")
    a.run(["/usr/bin/python3", "-c", sender], timeout=60)
    out = wait_until(lambda: (lambda t: t if b"done" in t else None)((rundir / "udpsrv.stdout").read_bytes()),
                     30, "receiver done")
    srv.stop()
    done = out.decode().split("done", 1)[1].split()
    got, bad, disorder = (int(x) for x in done[:3])
    assert (got, bad, disorder) == (total, 0, 0)
    now = ta.tunnel("esp1")["counters"]
    assert now["txPackets"] - before["txPackets"] >= total
    # Single packets (the stack made no super-packet of them), sent in runs.
    assert now["gsoSuperPackets"] == before["gsoSuperPackets"]
    assert now["udpGsoSends"] > before["udpGsoSends"]
    assert now["udpGsoSends"] - before["udpGsoSends"] < total
    # B merged what it received into USO writes for its device (the kernel
    # takes them since Linux 6.2, which is also when it offers USO).
    release = tuple(int(x) for x in os.uname().release.split(".")[:2])
    uso = tb.show("show tunnel json")["offload"]["uso"]
    assert uso is (release >= (6, 2))
    rx = tb.tunnel("esp1")["counters"]
    if uso:
        assert rx["tunGsoWrites"] > rx_before["tunGsoWrites"]
        assert rx["rxPackets"] - rx_before["rxPackets"] > rx["tunGsoWrites"] - rx_before["tunGsoWrites"]
