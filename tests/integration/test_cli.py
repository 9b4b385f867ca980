"""skygate-routed's CLI end to end: the socket, sessions, configuration
transactions, write memory and restart, skysh in its three modes, and an
interactive skysh in a pty typing '?' and TAB."""

from __future__ import annotations

import grp
import json
import os
import stat
import subprocess
from pathlib import Path

import pytest

from lib.jsonmatch import wait_until
from lib.skyipc import LOAD, REQUEST, Session, frame
from lib.tmux import Tmux

CONFIG = """hostname gw1
router bgp 64512
 bgp router-id 192.0.2.1
 neighbor 192.0.2.2 remote-as 64513
 neighbor 192.0.2.2 description on-prem router
 address-family ipv4 unicast
  network 198.18.0.0/24
 exit-address-family
exit
"""


class Routed:
    """One skygate-routed in its own namespace and run directory."""

    def __init__(self, topo, skygate_bin, config: str | None = CONFIG, short: str = "gw"):
        self.topo, self.bin = topo, skygate_bin("skygate-routed")
        self.ns = topo.add_namespace(short)
        self.rundir = topo.make_dir(f"routed-{short}")
        self.conf = self.rundir / "routed.conf"
        if config is not None:
            self.conf.write_text(config)
        self.daemon = None

    @property
    def sock(self) -> str:
        return str(self.rundir / "routed.sock")

    def start(self):
        self.daemon = self.topo.start_daemon(
            self.ns, "routed", [self.bin, "--rundir", "{rundir}", "-f", str(self.conf)],
            rundir=self.rundir, ready=lambda: Path(self.sock).exists())
        return self

    def stop(self) -> int | None:
        return self.daemon.stop()

    def session(self) -> Session:
        return Session(self.sock)


@pytest.fixture
def routed(topo, skygate_bin) -> Routed:
    return Routed(topo, skygate_bin).start()


def skysh(routed: Routed, skygate_bin, *args: str, input: str | None = None):
    return routed.ns.run([skygate_bin("skysh"), "--rundir", str(routed.rundir), *args],
                         check=False, timeout=30, input=input)


def test_socket_mode_and_group(routed):
    st = os.stat(routed.sock)
    assert stat.S_ISSOCK(st.st_mode)
    assert stat.S_IMODE(st.st_mode) == 0o660
    assert st.st_gid == grp.getgrnam("skygate").gr_gid


def test_config_loaded_at_start_and_shown(routed):
    with routed.session() as s:
        reply = s.run("show running-config")
        assert reply.ok
        assert " neighbor 192.0.2.2 description on-prem router\n" in reply.output
        assert reply.prompt == "gw1# "
        data = json.loads(s.run("show running-config json").output)
        assert data["routerBgp"]["neighbors"]["192.0.2.2"]["remoteAs"] == 64513
        assert data["routerBgp"]["ipv4UnicastNetworks"] == ["198.18.0.0/24"]


def test_bad_command_names_token_and_changes_nothing(routed):
    with routed.session() as s:
        before = s.run("show running-config").output
        assert s.run("configure terminal").ok
        assert s.run("router bgp 64512").ok
        for line, message in [
            ("neighbor 192.0.2.2 timers 10 2",
             "% Hold time must be 0 or at least 3 seconds (RFC 4271 section 4.2)"),
            ("neighbor 192.0.2.2 remote-az 1",
             "% Unknown command: 'remote-az' in \"neighbor 192.0.2.2 remote-az 1\""),
            ("neighbor 192.0.2.2 remote-as 4294967296",
             "% Invalid value '4294967296' for (1-4294967295)"),
        ]:
            reply = s.run(line)
            assert not reply.ok, line
            assert reply.output.strip() == message
            assert reply.prompt == "gw1(config-router)# "
        # A command of an outer node works from here and moves there, as in vtysh.
        reply = s.run("router bgp 65000")
        assert reply.output.strip() == "% BGP is already running; AS is 64512"
        assert reply.prompt == "gw1(config)# "
        assert s.run("do show running-config").output == before


def test_two_sessions_do_not_corrupt_each_other(routed):
    with routed.session() as a, routed.session() as b:
        assert a.run("configure terminal").prompt == "gw1(config)# "
        assert b.run("configure terminal").ok
        assert a.run("router bgp 64512").prompt == "gw1(config-router)# "
        # b's node is its own: still config, not router bgp.
        assert b.run("hostname gw2").prompt == "gw2(config)# "
        assert b.run("router bgp 64512").ok
        for i in range(20):
            assert a.run(f"neighbor 192.0.2.{10 + i} remote-as {65000 + i}").ok
            assert b.run(f"neighbor 198.51.100.{10 + i} remote-as internal").ok
        assert a.run("exit").ok
        assert a.run("no router bgp").ok
        reply = b.run("neighbor 198.51.100.99 remote-as 1")
        assert not reply.ok
        assert "router bgp was removed by another session" in reply.output
        assert reply.prompt == "gw2(config)# "
        text = a.run("do show running-config").output
        assert "router bgp" not in text and "hostname gw2" in text


def test_load_transaction_all_or_nothing(routed):
    with routed.session() as s:
        before = s.run("show running-config").output
        bad = "hostname changed\nrouter bgp 64512\n neighbor 192.0.2.3 remote-as 1\n neighbor 192.0.2.3 timers 1 1\n"
        reply = s.load("pasted.conf", bad)
        assert not reply.ok
        assert reply.output == ("pasted.conf:4: Hold time must be 0 or at least 3 seconds "
                                "(RFC 4271 section 4.2)\n")
        assert s.run("show running-config").output == before
        good = "hostname changed\nrouter bgp 64512\n neighbor 192.0.2.3 remote-as 1\n"
        assert s.load("pasted.conf", good).ok
        after = s.run("show running-config")
        assert "hostname changed" in after.output and "neighbor 192.0.2.3 remote-as 1" in after.output
        assert after.prompt == "changed# "


def test_completion_over_the_socket(routed):
    with routed.session() as s:
        words = {w for _, w, _ in s.complete("sh")}
        assert words == {"show"}
        entries = s.complete("show ")
        assert ("k", "running-config", "Current operating configuration") in entries
        assert ("k", "version", "Displays skygate version") in entries


def test_malformed_frames_close_only_that_session(routed):
    with routed.session() as good:
        for bad in (frame(REQUEST, b"", version=2), frame(9, b""),
                    frame(REQUEST, b"", reserved=1),
                    frame(REQUEST, b"", length=256 * 1024 + 1),
                    frame(LOAD, b"no-separator")):
            with routed.session() as s:
                s.send_raw(bad)
                if bad[1] == LOAD:
                    reply = s.read_reply()
                    assert not reply.ok and "Malformed" in reply.output
                    continue
                wait_until(s.closed_by_server, 10, f"server closes on {bad[:8].hex()}")
        # The daemon and other sessions are unaffected.
        assert good.run("show version").ok
    assert routed.daemon.running()


def test_write_memory_and_restart(routed):
    with routed.session() as s:
        for line in ("configure terminal", "hostname saved", "router bgp 64512",
                     "neighbor 203.0.113.7 remote-as 65007", "end", "write memory"):
            reply = s.run(line)
            assert reply.ok, (line, reply)
        assert f"Configuration saved to {routed.conf}" in reply.output
        running = s.run("show running-config").output
    assert (routed.rundir / "routed.conf.bak").read_text() == CONFIG
    assert routed.stop() == 0
    routed.start()
    with routed.session() as s:
        assert s.run("show running-config").output == running


def test_bad_config_file_refused_at_start(topo, skygate_bin):
    r = Routed(topo, skygate_bin, config="hostname ok\nrouter bgp 1\n neighbor 192.0.2.9 shutdown\n")
    proc = r.ns.run([r.bin, "--rundir", str(r.rundir), "-f", str(r.conf)], check=False, timeout=20)
    assert proc.returncode == 1
    assert f"{r.conf}:3: Specify remote-as or peer-group commands first" in proc.stderr
    assert not Path(r.sock).exists() and not (r.rundir / "routed.pid").exists()


# ---- skysh ----------------------------------------------------------------


def test_skysh_commands_and_exit_status(routed, skygate_bin):
    proc = skysh(routed, skygate_bin, "-c", "configure terminal", "-c", "hostname gw7",
                 "-c", "router bgp 64512", "-c", "neighbor 192.0.2.2 timers 10 30",
                 "-c", "end", "-c", "show running-config")
    assert proc.returncode == 0, proc.stderr
    assert "hostname gw7\n" in proc.stdout
    assert " neighbor 192.0.2.2 timers 10 30\n" in proc.stdout

    # A failing command in the middle: the rest still runs, exit status 1.
    proc = skysh(routed, skygate_bin, "-c", "show versoin", "-c", "show version json")
    assert proc.returncode == 1
    assert "% Unknown command: 'versoin' in \"show versoin\"" in proc.stdout + proc.stderr
    assert json.loads(proc.stdout[proc.stdout.index("{"):])["hostname"] == "gw7"

    # Abbreviations work as in vtysh.
    proc = skysh(routed, skygate_bin, "-c", "sh run")
    assert proc.returncode == 0 and "hostname gw7" in proc.stdout


def test_skysh_file_all_or_nothing(routed, skygate_bin):
    good = routed.rundir / "good.conf"
    good.write_text("hostname filed\nrouter bgp 64512\n neighbor 198.51.100.9 remote-as 65009\n")
    bad = routed.rundir / "bad.conf"
    bad.write_text("hostname never\nrouter bgp 64512\n neighbor 198.51.100.9 remote-as 70000000000\n")
    proc = skysh(routed, skygate_bin, "-f", str(bad))
    assert proc.returncode == 1
    assert f"{bad}:3: Invalid value '70000000000' for (1-4294967295)" in proc.stderr
    assert "hostname gw1" in skysh(routed, skygate_bin, "-c", "show running-config").stdout
    proc = skysh(routed, skygate_bin, "-f", str(good))
    assert proc.returncode == 0, proc.stderr
    text = skysh(routed, skygate_bin, "-c", "show running-config").stdout
    assert "hostname filed" in text and "neighbor 198.51.100.9 remote-as 65009" in text


def test_skysh_reads_stdin_when_not_a_tty(routed, skygate_bin):
    proc = skysh(routed, skygate_bin, input="show version json\nconfigure terminal\nbogus\n")
    assert proc.returncode == 1
    assert json.loads(proc.stdout[:proc.stdout.index("}") + 1])["product"] == "skygate"
    assert "% Unknown command: 'bogus'" in proc.stdout + proc.stderr


def test_skysh_clear_error_without_daemon(topo, skygate_bin):
    empty = topo.make_dir("nodaemon")
    proc = subprocess.run([skygate_bin("skysh"), "--rundir", str(empty), "-c", "show version"],
                          capture_output=True, text=True, timeout=10)
    assert proc.returncode != 0
    assert f"cannot connect to skygate-routed at {empty}/routed.sock" in proc.stderr


def test_skysh_interactive_help_and_tab(routed, topo, skygate_bin):
    term = Tmux(topo, ["env", "HOME=" + str(routed.rundir), "TERM=xterm", skygate_bin("skysh"),
                       "--rundir", str(routed.rundir)])
    # capture-pane drops trailing blanks: the prompt "gw1# " reads "gw1#".
    wait_until(lambda: term.screen().rstrip().endswith("gw1#"), 15, "skysh prompt")

    # '?' lists what may come next, with help, and keeps the line as typed.
    term.type("show ?")
    wait_until(lambda: "Current operating configuration" in term.screen(), 10, "? help list")
    screen = term.screen()
    assert "running-config" in screen and "Displays skygate version" in screen
    assert screen.rstrip().endswith("gw1# show")

    # TAB completes a unique keyword.
    term.type("ver")
    term.key("Tab")
    wait_until(lambda: term.screen().rstrip().endswith("gw1# show version"), 10, "TAB completion")
    term.key("Enter")
    wait_until(lambda: "skygate 0.1.0 (gw1)" in term.screen(), 10, "command output")

    # Node changes show in the prompt; exit leaves.
    term.type("conf t")
    term.key("Enter")
    wait_until(lambda: "gw1(config)#" in term.screen(), 10, "config prompt")
    term.type("end")
    term.key("Enter")
    wait_until(lambda: term.screen().rstrip().endswith("gw1#"), 10, "back in exec")
    term.type("exit")
    term.key("Enter")
    wait_until(lambda: not term.alive(), 10, "skysh exits after exit")
