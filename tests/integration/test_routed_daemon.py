"""skygate-routed as a process: start in a namespace, pid lock per run
directory, RFC 5424 syslog output, clean shutdown on SIGTERM."""

from __future__ import annotations

import re
import socket
import subprocess

from lib.jsonmatch import wait_until

SYSLOG_LINE = re.compile(
    r"^<(?P<pri>\d+)>1 \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z \S+ skygate-routed "
    r"(?P<pid>\d+) (?P<msgid>\S+) - (?P<msg>.*)$")


def _pidfile_pid(rundir) -> int | None:
    try:
        return int((rundir / "routed.pid").read_text().strip())
    except (FileNotFoundError, ValueError):
        return None


def test_lifecycle_pidfile_syslog_and_clean_stop(topo, skygate_bin):
    ns = topo.add_namespace("gw")
    rundir = topo.make_dir("routed")
    sock_path = rundir / "syslog.sock"
    collector = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    collector.bind(str(sock_path))
    collector.settimeout(0.1)
    topo.add_cleanup("close syslog collector", collector.close)

    routed = topo.start_daemon(
        ns, "routed",
        [skygate_bin("skygate-routed"), "--rundir", "{rundir}", "--syslog", f"unix:{sock_path}"],
        rundir=rundir,
        ready=lambda: _pidfile_pid(rundir) is not None)
    wait_until(lambda: _pidfile_pid(rundir) == routed.pid, 10, "pid file holds routed's pid")

    # The start-up notice reaches the collector as RFC 5424: daemon facility
    # (3) and notice severity (5) give PRI 29; MSGID is the module tag.
    def started_message():
        try:
            line = collector.recv(4096).decode()
        except socket.timeout:
            return None
        m = SYSLOG_LINE.match(line)
        return m if m and "started" in m["msg"] else None
    m = wait_until(started_message, 10, "RFC 5424 start-up message")
    assert m["pri"] == "29"
    assert int(m["pid"]) == routed.pid
    assert m["msgid"] == "routed"

    # A second instance on the same run directory is refused and names the
    # holder; it must not touch the first one's pid file.
    second = ns.run([skygate_bin("skygate-routed"), "--rundir", str(rundir)], check=False,
                    timeout=10)
    assert second.returncode == 1
    assert f"(pid {routed.pid})" in second.stderr
    assert _pidfile_pid(rundir) == routed.pid

    assert routed.stop() == 0
    assert not (rundir / "routed.pid").exists()
    assert "shutting down" in routed.tail()


def test_two_instances_side_by_side(topo, skygate_bin):
    """Tests run one routed per namespace, each with its own run directory."""
    daemons = []
    for short in ("a", "b"):
        ns = topo.add_namespace(short)
        rundir = topo.make_dir(f"routed-{short}")
        daemons.append((topo.start_daemon(
            ns, "routed", [skygate_bin("skygate-routed"), "--rundir", "{rundir}"],
            rundir=rundir, ready=lambda r=rundir: _pidfile_pid(r) is not None), rundir))
    for daemon, rundir in daemons:
        assert _pidfile_pid(rundir) == daemon.pid
    for daemon, _ in daemons:
        assert daemon.stop() == 0


def test_bad_usage_is_refused_clearly(skygate_bin):
    binary = skygate_bin("skygate-routed")
    cases = [
        (["--log-level", "loud"], "unknown log level 'loud'"),
        (["--syslog", "tcp:192.0.2.1:514"], "expected udp:HOST:PORT or unix:PATH"),
        (["--bogus"], "unrecognized option"),
        (["stray"], "unexpected argument 'stray'"),
    ]
    for args, message in cases:
        proc = subprocess.run([binary, "--rundir", "/nonexistent/never-created", *args],
                              capture_output=True, text=True, timeout=10)
        assert proc.returncode != 0, args
        assert message in proc.stderr, (args, proc.stderr)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10)
    assert version.returncode == 0
    assert version.stdout.startswith("skygate-routed ")
