"""skygate-tunneld configured live over its control socket: two namespaces
joined by a veth on 192.0.2.0/24, tunneld at both ends started with an
empty configuration, then everything through skysh: a GRE and an ESP
tunnel added and pinged through, the MTU and an SA key changed while
they run, one tunnel removed while traffic flows on the other, a
`skysh -f` transaction with a bad line (nothing applied), and
`write memory` followed by a restart (the same tunnels come back)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lib import topo as topo_lib
from lib.jsonmatch import wait_for, wait_until
from lib.skyipc import Session
from lib.tmux import Tmux

A_UNDER, B_UNDER = "192.0.2.1", "192.0.2.2"
GRE_A, GRE_B = "169.254.1.1", "169.254.1.2"
ESP_A, ESP_B = "169.254.2.1", "169.254.2.2"
KEY_AB = "00112233445566778899aabbccddeeff01020304"
KEY_BA = "ffeeddccbbaa99887766554433221100a0b0c0d0"
KEY_AB2 = "0f0e0d0c0b0a09080706050403020100a1a2a3a4"
KEY_BA2 = "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf10203040"


class Tunneld:
    """skygate-tunneld in one namespace, configured through skysh."""

    def __init__(self, topo, skygate_bin, ns, name: str):
        self.topo, self.bin, self.ns, self.name = topo, skygate_bin, ns, name
        self.rundir = topo.make_dir(f"tunneld-{name}")
        self.conf = self.rundir / "tunneld.conf"
        self.conf.write_text("")
        self.daemon = None

    def start(self):
        self.daemon = self.topo.start_daemon(
            self.ns, f"tunneld-{self.name}",
            [self.bin("skygate-tunneld"), "--rundir", "{rundir}", "-f", str(self.conf), "--workers", "2"],
            rundir=self.rundir, ready=lambda: (self.rundir / "tunneld.sock").exists())
        return self

    def stop(self) -> int | None:
        rc = self.daemon.stop()
        assert self.daemon.sanitizer_report is None, self.daemon.sanitizer_report
        return rc

    def skysh(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        r = self.ns.run([self.bin("skysh"), "--rundir", str(self.rundir), "--daemon", "tunneld", *args],
                        check=False, timeout=30)
        if check:
            assert r.returncode == 0, f"skysh {args}: {r.stdout}{r.stderr}"
        return r

    def configure(self, *lines: str) -> subprocess.CompletedProcess:
        argv = ["-c", "configure terminal"]
        for line in lines:
            argv += ["-c", line]
        return self.skysh(*argv)

    def show(self, line: str) -> dict:
        with Session(str(self.rundir / "tunneld.sock")) as s:
            reply = s.run(line)
        assert reply.ok, reply.output
        return json.loads(reply.output)

    def tunnels(self) -> dict:
        return {t["name"]: t for t in self.show("show tunnel json")["tunnels"]}

    def link(self, ifname: str) -> dict | None:
        r = self.ns.ip("-j", "link", "show", "dev", ifname, check=False)
        return json.loads(r.stdout)[0] if r.returncode == 0 else None


def gre_lines(local: str, remote: str, inside: str) -> list[str]:
    return ["tunnel gre gre1", f"source {local}", f"destination {remote}", f"inside-address {inside}/30",
            "tcp-mss 1379"]


def esp_lines(local: str, remote: str, inside: str, spi_out: int, key_out: str, spi_in: int,
              key_in: str) -> list[str]:
    return ["tunnel ipsec esp1", f"source {local}", f"destination {remote}", f"inside-address {inside}/30",
            "encapsulation udp", f"sa outbound spi 0x{spi_out:x} aes-gcm-128 key {key_out}",
            f"sa inbound spi 0x{spi_in:x} aes-gcm-128 key {key_in}"]


def ping(ns, dst: str, count: int = 1, interval: float = 0.2, size: int = 56,
         df: bool = False) -> subprocess.CompletedProcess:
    return ns.run(["ping", "-n", "-c", str(count), "-i", str(interval), "-W", "2", "-s", str(size),
                   *(["-M", "do"] if df else []), dst], check=False, timeout=60)


def ping_ok(ns, dst: str, size: int = 56, df: bool = False) -> bool:
    return ping(ns, dst, size=size, df=df).returncode == 0


@pytest.fixture
def pair(topo, skygate_bin):
    a_ns = topo.add_namespace("ca")
    b_ns = topo.add_namespace("cb")
    topo.add_link(a_ns, b_ns, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])
    return Tunneld(topo, skygate_bin, a_ns, "a").start(), Tunneld(topo, skygate_bin, b_ns, "b").start()


def test_live_configuration(pair):
    a, b = pair
    assert a.tunnels() == {}
    assert a.show("show running-config json") == {"tunnels": []}

    # A GRE tunnel, added through skysh on both ends.
    a.configure(*gre_lines(A_UNDER, B_UNDER, GRE_A))
    b.configure(*gre_lines(B_UNDER, A_UNDER, GRE_B))
    assert a.link("gre1") is not None
    wait_until(lambda: ping_ok(a.ns, GRE_B), 30, "ping through the GRE tunnel")

    # An ESP tunnel (AES-GCM in UDP 4500), added next to it.
    a.configure(*esp_lines(A_UNDER, B_UNDER, ESP_A, 0x1001, KEY_AB, 0x2001, KEY_BA))
    b.configure(*esp_lines(B_UNDER, A_UNDER, ESP_B, 0x2001, KEY_BA, 0x1001, KEY_AB))
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping through the ESP tunnel")
    wait_for(a.tunnels, {"gre1": {"kind": "gre", "state": "up", "mtu": 1476},
                         "esp1": {"kind": "ipsec", "state": "up", "mtu": 1400}},
             10, what="show tunnel")

    # The MTU, live: the device follows, and so does the data path.
    # (The MSS clamp must fit the new MTU first: a change that does not
    # fit is refused, which the next test shows.)
    a.configure("tunnel gre gre1", "tcp-mss 1260", "mtu 1300")
    b.configure("tunnel gre gre1", "tcp-mss 1260", "mtu 1300")
    assert a.link("gre1")["mtu"] == 1300
    wait_for(a.tunnels, {"gre1": {"mtu": 1300}}, 10, what="gre1's new MTU")
    assert ping_ok(a.ns, GRE_B, size=1300 - 28, df=True)
    r = ping(a.ns, GRE_B, size=1300 - 27, df=True)  # one octet over: the stack refuses it
    assert r.returncode != 0 and "mtu=1300" in r.stdout + r.stderr, r.stdout + r.stderr

    # A new outbound key on a only: b refuses what a sends. (The new SA
    # starts its sequence numbers again at 1, which b's window has seen:
    # b drops them as replays before it looks at the ICV, RFC 4303 3.4.3;
    # the later ones fail the ICV.)
    def refused(t):
        return t["drops"]["rx_esp_auth"] + t["drops"]["rx_esp_replay"]
    refused_before = refused(b.tunnels()["esp1"])
    a.configure("tunnel ipsec esp1", f"sa outbound spi 0x1001 aes-gcm-128 key {KEY_AB2}")
    assert ping(a.ns, ESP_B).returncode != 0
    wait_until(lambda: refused(b.tunnels()["esp1"]) > refused_before, 10, "b to refuse the new key")
    # ... until b takes the same key; then the other direction changes too.
    b.configure("tunnel ipsec esp1", f"sa inbound spi 0x1001 aes-gcm-128 key {KEY_AB2}")
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping with the new a->b key")
    b.configure("tunnel ipsec esp1", f"sa outbound spi 0x2002 aes-gcm-128 key {KEY_BA2}")
    a.configure("tunnel ipsec esp1", f"sa inbound spi 0x2002 aes-gcm-128 key {KEY_BA2}")
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping with the new b->a SA")
    sas = {(s["spi"], s["direction"]) for s in a.show("show ipsec sa json")["sas"]}
    assert sas == {("0x00001001", "outbound"), ("0x00002002", "inbound")}

    # Remove GRE while ESP carries traffic: no loss on ESP.
    flow = a.ns.popen(["ping", "-n", "-c", "60", "-i", "0.05", "-W", "2", ESP_B],
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until(lambda: b.tunnels()["esp1"]["counters"]["rxPackets"] > 0, 10, "traffic on esp1")
        a.configure("no tunnel gre1")
        b.configure("no tunnel gre1")
        wait_until(lambda: a.link("gre1") is None and b.link("gre1") is None, 10, "gre1's devices to go")
        out, _ = flow.communicate(timeout=60)
    finally:
        if flow.poll() is None:
            flow.kill()
            flow.wait(timeout=10)
    assert flow.returncode == 0, out
    assert " 0% packet loss" in out, out
    assert set(a.tunnels()) == {"esp1"}

    # A transaction with a bad line: nothing of it is applied.
    bad = a.rundir / "bad.conf"
    bad.write_text("tunnel gre gre9\n source 192.0.2.1\n destination 192.0.2.9\n"
                   "tunnel ipsec esp1\n mtu 9000\n")
    r = a.skysh("-f", str(bad), check=False)
    assert r.returncode != 0
    assert f"{bad}:5: Invalid value '9000' for (576-8500)" in r.stderr + r.stdout
    assert a.link("gre9") is None
    assert set(a.tunnels()) == {"esp1"}
    assert a.tunnels()["esp1"]["mtu"] == 1400

    # A good transaction adds a tunnel and changes another, all at once.
    good = a.rundir / "good.conf"
    good.write_text("tunnel gre gre2\n source 192.0.2.1\n destination 192.0.2.2\n"
                    " inside-address 169.254.3.1/30\n key 7\n!\ntunnel ipsec esp1\n tcp-mss 1300\n")
    a.skysh("-f", str(good))
    assert a.link("gre2") is not None
    wait_for(a.tunnels, {"gre2": {"key": 7}, "esp1": {"tcpMss": 1300}}, 10, what="the transaction")

    # write memory, restart: the same tunnels come back, keys and all.
    before = a.show("show running-config json")
    r = a.skysh("-c", "write memory")
    assert "Configuration saved to" in r.stdout
    assert KEY_AB2 in a.conf.read_text()
    assert (a.conf.stat().st_mode & 0o777) == 0o600
    assert a.stop() == 0
    wait_until(lambda: a.link("esp1") is None, 10, "the devices to go with the daemon")
    a.start()
    assert a.show("show running-config json") == before
    wait_for(a.tunnels, {"esp1": {"state": "up", "tcpMss": 1300}, "gre2": {"state": "up"}}, 10,
             what="tunnels after the restart")
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping through esp1 after the restart")


def test_errors_are_clear_and_change_nothing(pair):
    a, _ = pair
    a.configure(*gre_lines(A_UNDER, B_UNDER, GRE_A))
    before = a.show("show running-config json")
    with Session(str(a.rundir / "tunneld.sock")) as s:
        assert s.run("configure terminal").prompt == "tunneld(config)# "
        for line, message in [
            ("tunnel gre a-name-of-16-chars", "% tunnel name 'a-name-of-16-chars': 1 to 15 letters"),
            ("no tunnel nosuch", "% no tunnel nosuch"),
            ("tunnel ipsec gre1", "% tunnel gre1 is a gre tunnel"),
        ]:
            reply = s.run(line)
            assert not reply.ok and reply.output.startswith(message), (line, reply.output)
            assert reply.prompt == "tunneld(config)# "
        assert s.run("tunnel gre gre2").prompt == "tunneld(config-tunnel)# "
        assert s.run("source 192.0.2.1").ok
        reply = s.run("destination 192.0.2.2")
        assert not reply.ok
        assert "GRE tunnel gre1 already has source 192.0.2.1 and destination 192.0.2.2" in reply.output
        assert s.run("no tunnel gre2").ok
        assert s.run("tunnel ipsec esp1").ok
        reply = s.run("sa outbound spi 0x1001 aes-gcm-256 key " + KEY_AB)
        assert reply.output.startswith("% aes-gcm-256 needs a key of 72 hex digits"), reply.output
        reply = s.run("sa outbound spi 0x10 null")
        assert reply.output.startswith("% bad SPI '0x10'"), reply.output
        assert s.run("end").prompt == "tunneld# "
        # The incomplete tunnel is shown as such, and is not saved.
        assert s.run("show tunnel esp1 json").ok
        reply = s.run("write memory")
        assert not reply.ok and "tunnel esp1 needs a source and a destination: not saved" in reply.output
        assert s.run("configure terminal").ok
        assert s.run("no tunnel esp1").ok
    assert a.show("show running-config json") == before
    assert a.tunnels()["gre1"]["state"] == "up"


def test_interactive_help_and_tab(pair, topo, skygate_bin):
    a, _ = pair
    term = Tmux(topo, ["env", "HOME=" + str(a.rundir), "TERM=xterm", skygate_bin("skysh"),
                       "--rundir", str(a.rundir), "--daemon", "tunneld"])
    # capture-pane drops trailing blanks: the prompt "tunneld# " reads "tunneld#".
    wait_until(lambda: term.screen().rstrip().endswith("tunneld#"), 15, "skysh prompt")
    term.type("conf t")
    term.key("Enter")
    term.type("tunnel ipsec x1")
    term.key("Enter")
    wait_until(lambda: term.screen().rstrip().endswith("tunneld(config-tunnel)#"), 10, "tunnel prompt")

    # '?' lists the choices from the grammar, with their help.
    term.type("sa inbound spi 0x1001 ?")
    wait_until(lambda: "No cipher and no ICV" in term.screen(), 10, "? help list")
    screen = term.screen()
    assert "aes-gcm-128" in screen and "AES-GCM, 256-bit key" in screen
    assert screen.rstrip().endswith("tunneld(config-tunnel)# sa inbound spi 0x1001")

    # TAB completes a unique keyword; the command applies.
    term.type("nu")
    term.key("Tab")
    wait_until(lambda: term.screen().rstrip().endswith("spi 0x1001 null"), 10, "TAB completion")
    term.key("Enter")
    wait_until(lambda: a.show("show running-config json")["tunnels"] == [
        {"name": "x1", "kind": "ipsec", "insideAddresses": [], "mtu": 1400, "encapsulation": "udp",
         "saInbound": {"spi": "0x00001001", "algorithm": "null"}, "shutdown": False, "complete": False,
         "incomplete": "needs a source and a destination"}], 10, "the SA in the configuration")

    # Leaving the incomplete tunnel says what it lacks.
    term.type("end")
    term.key("Enter")
    wait_until(lambda: "tunnel x1 needs a source and a destination" in term.screen(), 10, "the warning")
    wait_until(lambda: term.screen().rstrip().endswith("tunneld#"), 10, "back in exec")
    term.type("exit")
    term.key("Enter")
    wait_until(lambda: not term.alive(), 10, "skysh exits after exit")


@pytest.fixture
def linked(topo, skygate_bin):
    """Like pair, and the veth too, for addresses added during a test."""
    a_ns = topo.add_namespace("la")
    b_ns = topo.add_namespace("lb")
    link = topo.add_link(a_ns, b_ns, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])
    return Tunneld(topo, skygate_bin, a_ns, "a").start(), Tunneld(topo, skygate_bin, b_ns, "b").start(), link


def test_same_spi_new_key_starts_a_new_window(pair):
    """A new key for the same SPI is a new SA (ipsec_sa.h, `update`): its
    sequence numbers, replay window and counters start again, on both
    ends, and traffic resumes without a replay drop."""
    a, b = pair
    a.configure(*esp_lines(A_UNDER, B_UNDER, ESP_A, 0x1001, KEY_AB, 0x2001, KEY_BA))
    b.configure(*esp_lines(B_UNDER, A_UNDER, ESP_B, 0x2001, KEY_BA, 0x1001, KEY_AB))
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping through the ESP tunnel")
    r = ping(a.ns, ESP_B, count=40, interval=0.01)
    assert r.returncode == 0, r.stdout

    def sa(t: Tunneld, spi: str, direction: str) -> dict:
        return [s for s in t.show("show ipsec sa json")["sas"] if s["spi"] == spi and s["direction"] == direction][0]
    old_in = sa(b, "0x00001001", "inbound")
    assert old_in["sequence"] >= 40 and old_in["packets"] >= 40, old_in
    replay_before = b.tunnels()["esp1"]["drops"]["rx_esp_replay"]

    # The receiver first: until a changes too, a's packets fail the ICV.
    b.configure("tunnel ipsec esp1", f"sa inbound spi 0x1001 aes-gcm-128 key {KEY_AB2}")
    assert sa(b, "0x00001001", "inbound")["sequence"] == 0
    a.configure("tunnel ipsec esp1", f"sa outbound spi 0x1001 aes-gcm-128 key {KEY_AB2}")
    new_out = sa(a, "0x00001001", "outbound")
    assert new_out["sequence"] < 5 and new_out["packets"] < 5, new_out
    # a's new SA starts at 1 again, which b's old window had seen: only a
    # new window takes them.
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping with the new key")
    r = ping(a.ns, ESP_B, count=5, interval=0.05)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout
    new_in = sa(b, "0x00001001", "inbound")
    assert 5 <= new_in["sequence"] < old_in["sequence"], (new_in, old_in)
    assert new_in["packets"] < old_in["packets"], (new_in, old_in)
    assert new_in["results"]["replay"] == 0, new_in
    assert b.tunnels()["esp1"]["drops"]["rx_esp_replay"] == replay_before
    # The tunnel's own counters carry on across the change.
    assert b.tunnels()["esp1"]["counters"]["rxPackets"] >= old_in["packets"] + 5


def test_gre_key_source_destination_change_live(linked, topo):
    """GRE's key, source and destination changed through skysh while it
    runs: the tunnel is rebuilt on the new ones (a new device), traffic
    resumes, and the wire shows the new addresses, IPv4 and then IPv6."""
    from test_tunneld import Capture

    a, b, link = linked
    a.configure(*gre_lines(A_UNDER, B_UNDER, GRE_A))
    b.configure(*gre_lines(B_UNDER, A_UNDER, GRE_B))
    wait_until(lambda: ping_ok(a.ns, GRE_B), 30, "ping through the GRE tunnel")

    # A key on a only: b drops a's packets (RFC 2890 2.1), until b has it.
    drops_before = b.tunnels()["gre1"]["drops"]["rx_gre"]
    a.configure("tunnel gre gre1", "key 7")
    assert a.tunnels()["gre1"]["key"] == 7
    assert not ping_ok(a.ns, GRE_B)
    wait_until(lambda: b.tunnels()["gre1"]["drops"]["rx_gre"] > drops_before, 10, "b to drop the keyed GRE")
    b.configure("tunnel gre gre1", "key 7")
    wait_until(lambda: ping_ok(a.ns, GRE_B), 30, "ping with the key on both ends")

    # New IPv4 underlay addresses on both ends.
    a.ns.add_address(link.a_if, "192.0.2.11/24")
    b.ns.add_address(link.b_if, "192.0.2.12/24")
    a.configure("tunnel gre gre1", "source 192.0.2.11", "destination 192.0.2.12")
    b.configure("tunnel gre gre1", "source 192.0.2.12", "destination 192.0.2.11")
    wait_for(a.tunnels, {"gre1": {"source": "192.0.2.11", "destination": "192.0.2.12", "key": 7}}, 10,
             what="gre1 on the new addresses")
    assert a.link("gre1") is not None
    cap = Capture(topo, a.ns, link.a_if, "ip proto 47", prime=lambda: ping_ok(a.ns, GRE_B))
    assert ping(a.ns, GRE_B, count=3).returncode == 0
    rows = cap.fields("gre && icmp.type == 8", ["ip.src", "ip.dst", "gre.key"])
    assert rows and all(r == [f"192.0.2.11,{GRE_A}", f"192.0.2.12,{GRE_B}", "0x00000007"] for r in rows), rows

    # And over to an IPv6 underlay (RFC 7676), still live.
    a.ns.add_address(link.a_if, "2001:db8:100::1/64")
    b.ns.add_address(link.b_if, "2001:db8:100::2/64")
    # One line at a time, the first would mix the families, which is
    # refused; a transaction (`skysh -f`) is checked when its block ends.
    r = a.skysh("-c", "configure terminal", "-c", "tunnel gre gre1", "-c", "source 2001:db8:100::1", check=False)
    assert r.returncode != 0 and "must both be IPv4 or both IPv6" in r.stdout + r.stderr, r
    assert a.tunnels()["gre1"]["source"] == "192.0.2.11"
    for t, local, remote in ((a, "2001:db8:100::1", "2001:db8:100::2"), (b, "2001:db8:100::2", "2001:db8:100::1")):
        change = t.rundir / "to-ipv6.conf"
        change.write_text(f"tunnel gre gre1\n source {local}\n destination {remote}\n")
        t.skysh("-f", str(change))
    wait_until(lambda: ping_ok(a.ns, GRE_B), 30, "ping over the IPv6 underlay")
    cap6 = Capture(topo, a.ns, link.a_if, "ip6 proto 47", prime=lambda: ping_ok(a.ns, GRE_B))
    assert ping(a.ns, GRE_B, count=3).returncode == 0
    rows = cap6.fields("gre && icmp.type == 8", ["ipv6.src", "ipv6.dst", "gre.key", "ip.src"])
    assert rows and all(r == ["2001:db8:100::1", "2001:db8:100::2", "0x00000007", GRE_A] for r in rows), rows
    assert a.show("show tunnel json")["globalDrops"]["unknown_peer"] == 0


def test_esp_moves_to_an_ipv6_underlay_live(linked):
    """An IPsec tunnel's source and destination changed to IPv6 addresses
    in one transaction: both SAs move (update_sa, as MOBIKE would move
    them), keeping their keys, sequence numbers and windows; the IPv6
    sockets open on demand and traffic resumes."""
    a, b, link = linked
    a.configure(*esp_lines(A_UNDER, B_UNDER, ESP_A, 0x1001, KEY_AB, 0x2001, KEY_BA))
    b.configure(*esp_lines(B_UNDER, A_UNDER, ESP_B, 0x2001, KEY_BA, 0x1001, KEY_AB))
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping through the ESP tunnel")
    assert ping(a.ns, ESP_B, count=10, interval=0.02).returncode == 0

    def out_sa(t: Tunneld) -> dict:
        return [s for s in t.show("show ipsec sa json")["sas"] if s["direction"] == "outbound"][0]
    before = out_sa(a)
    assert before["sequence"] >= 10

    a.ns.add_address(link.a_if, "2001:db8:100::1/64")
    b.ns.add_address(link.b_if, "2001:db8:100::2/64")
    for t, local, remote in ((a, "2001:db8:100::1", "2001:db8:100::2"), (b, "2001:db8:100::2", "2001:db8:100::1")):
        change = t.rundir / "to-ipv6.conf"
        change.write_text(f"tunnel ipsec esp1\n source {local}\n destination {remote}\n")
        t.skysh("-f", str(change))
    moved = out_sa(a)
    assert (moved["source"], moved["destination"]) == ("2001:db8:100::1", "2001:db8:100::2"), moved
    assert moved["sequence"] >= before["sequence"], (moved, before)
    wait_until(lambda: ping_ok(a.ns, ESP_B), 30, "ping over the IPv6 underlay")
    r = ping(a.ns, ESP_B, count=5, interval=0.05)
    assert r.returncode == 0 and " 0% packet loss" in r.stdout, r.stdout
    after = out_sa(a)
    # The same SA carried on: its numbers went on from where they were.
    assert after["sequence"] >= before["sequence"] + 5, (after, before)
    assert b.tunnels()["esp1"]["drops"]["rx_esp_replay"] == 0
    assert b.tunnels()["esp1"]["source"] == "2001:db8:100::2"
