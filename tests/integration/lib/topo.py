"""Network-namespace topologies for integration tests.

Every test builds its own little network: namespaces joined by veth pairs,
with real daemons running inside.  A Topology records everything it creates
(namespaces, links, temporary directories, processes) and undoes all of it in
reverse order, even when the test fails half way.  Processes are only ever
stopped by the pid we started them with, never by name, so several runs (or a
developer's lab) can share the machine.

Network rules (see shared/DESIGN.md, "Network rules for tests"): every address a
test configures must lie in the documentation/benchmark ranges below, and all
traffic stays inside namespaces the test created.  check_address() and
check_config_text() enforce the first rule; the second follows from building
everything inside fresh namespaces and never touching the host's interfaces.
"""

from __future__ import annotations

import atexit
import ipaddress
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

from .jsonmatch import wait_until

# --------------------------------------------------------------------------
# Address policy
# --------------------------------------------------------------------------

#: The only networks a test may use.  Underlay, tunnel insides, workload
#: prefixes, IPv6 documentation space.
ALLOWED_NETWORKS = tuple(
    ipaddress.ip_network(n)
    for n in (
        "192.0.2.0/24",  # underlay (TEST-NET-1)
        "198.51.100.0/24",  # underlay (TEST-NET-2)
        "203.0.113.0/24",  # underlay (TEST-NET-3)
        "169.254.0.0/16",  # tunnel inside addresses
        "198.18.0.0/15",  # workload / VPC prefixes
        "2001:db8::/32",  # IPv6 documentation
    )
)

#: Addresses that may appear in daemon configs although they name no remote
#: host: the unspecified address and default routes (exactly these) ...
_CONFIG_TEXT_EXACT = frozenset(
    ipaddress.ip_network(n) for n in ("0.0.0.0/32", "0.0.0.0/0", "::/128", "::/0"))
#: ... and loopback and link-local, which never leave the namespace or link.
_CONFIG_TEXT_LOCAL = tuple(
    ipaddress.ip_network(n) for n in ("127.0.0.0/8", "::1/128", "fe80::/10"))


class AddressPolicyError(ValueError):
    """A test asked for an address outside ALLOWED_NETWORKS."""


def check_address(addr: str) -> str:
    """Return addr unchanged if it lies inside ALLOWED_NETWORKS, else raise.

    Accepts a bare address ("192.0.2.1"), an interface address with its
    on-link prefix ("192.0.2.1/24") or a prefix ("198.18.0.0/15").  For an
    interface address the whole on-link subnet must be allowed, since the
    kernel would otherwise route to neighbours outside the ranges.
    """
    try:
        iface = ipaddress.ip_interface(addr)
    except ValueError as exc:
        raise AddressPolicyError(f"not an IP address or prefix: {addr!r}") from exc
    net = iface.network
    for allowed in ALLOWED_NETWORKS:
        if net.version == allowed.version and net.subnet_of(allowed):
            return addr
    allowed_txt = ", ".join(str(n) for n in ALLOWED_NETWORKS)
    raise AddressPolicyError(
        f"address {addr!r} is outside the test ranges ({allowed_txt}); "
        "see shared/DESIGN.md 'Network rules for tests'"
    )


# Address-looking tokens in config text; whatever fails to parse is skipped.
_V4_TOKEN = re.compile(r"(?<![\w.:])(\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?)(?![\w.])")
_V6_TOKEN = re.compile(r"(?<![\w:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
                       r"(?:/\d{1,3})?)(?![\w:])")


def _exempt(token: str) -> bool:
    net = ipaddress.ip_interface(token).network
    if net in _CONFIG_TEXT_EXACT:
        return True
    return any(net.version == e.version and net.subnet_of(e) for e in _CONFIG_TEXT_LOCAL)


def check_config_text(text: str) -> str:
    """Raise AddressPolicyError if a daemon config names a forbidden address.

    Daemon configs are where tests "ask for" addresses (neighbours, networks,
    router IDs), so scanning the text catches a stray 10.0.0.1 or 1.1.1.1
    before a daemon could try to reach it.  Returns the text unchanged.
    """
    for token in _V4_TOKEN.findall(text) + _V6_TOKEN.findall(text):
        try:
            if _exempt(token):
                continue
        except ValueError:
            continue  # looks like an address but is not one (e.g. a time)
        check_address(token)
    return text


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


class CommandError(RuntimeError):
    """A command exited non-zero; carries its output for the failure report."""

    def __init__(self, argv: Sequence[str], proc: subprocess.CompletedProcess):
        self.argv = list(argv)
        self.returncode = proc.returncode
        self.stdout = proc.stdout
        self.stderr = proc.stderr
        super().__init__(
            f"command failed (exit {proc.returncode}): {shlex.join(self.argv)}\n"
            f"stdout: {proc.stdout.strip()}\nstderr: {proc.stderr.strip()}"
        )


def run(argv: Sequence[str], check: bool = True, timeout: float = 30.0,
        input: str | None = None) -> subprocess.CompletedProcess:
    """Run argv on the host side (no shell) with a timeout; raise on failure."""
    proc = subprocess.run(
        list(argv), capture_output=True, text=True, timeout=timeout,
        input=input, stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise CommandError(argv, proc)
    return proc


# --------------------------------------------------------------------------
# Names
# --------------------------------------------------------------------------

#: Every namespace this process creates starts with this, so leftovers can be
#: attributed to a run (and the pid tells whether that run is still alive).
RUN_PREFIX = f"sg{os.getpid()}-"
#: Kept within IFNAMSIZ-1 so a name can double as an interface name.
MAX_NAME_LEN = 15
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def netns_name(short: str) -> str:
    """Full namespace name for a test's short name, e.g. 'frr' -> 'sg1234-frr'."""
    if not _NAME_RE.match(short):
        raise ValueError(f"bad namespace name {short!r}: use letters, digits, '-' and '_'")
    full = RUN_PREFIX + short
    if len(full) > MAX_NAME_LEN:
        room = MAX_NAME_LEN - len(RUN_PREFIX)
        raise ValueError(f"namespace name {short!r} too long: at most {room} characters")
    return full


def list_netns() -> list[str]:
    """Names of all network namespaces known to iproute2."""
    out = run(["ip", "-j", "netns", "list"]).stdout.strip()
    return [entry["name"] for entry in json.loads(out)] if out else []


def our_netns() -> list[str]:
    """Namespaces created by this process (this run)."""
    return [n for n in list_netns() if n.startswith(RUN_PREFIX)]


def stale_netns() -> list[str]:
    """Namespaces left by earlier runs whose process is gone.

    Reported rather than deleted: the name pattern is ours, but a pid may be
    reused, and deleting someone else's namespace would be worse than a leak.
    """
    stale = []
    for name in list_netns():
        m = re.match(r"^sg(\d+)-", name)
        if m and int(m.group(1)) != os.getpid() and not Path(f"/proc/{m.group(1)}").exists():
            stale.append(name)
    return stale


# --------------------------------------------------------------------------
# Namespaces and links
# --------------------------------------------------------------------------


class Namespace:
    """One network namespace: a node of the topology.

    Created with loopback up and IPv6 duplicate address detection off, so
    addresses are usable the moment they are added (DAD would otherwise keep
    them "tentative" for a second or more and make BGP-over-IPv6 tests flaky).
    """

    def __init__(self, short: str):
        self.short = short
        self.name = netns_name(short)
        self._links = 0

    def __repr__(self) -> str:
        return f"Namespace({self.name})"

    # -- lifecycle --------------------------------------------------------
    def create(self) -> "Namespace":
        """Add the namespace and prepare it (see configure())."""
        self.add()
        self.configure()
        return self

    def add(self) -> None:
        if self.name in list_netns():
            # Only possible if an earlier run with the same pid left it
            # behind; its daemons may still live there, so do not reuse it.
            raise RuntimeError(f"namespace {self.name} already exists (left by an earlier run "
                               f"with the same pid?): inspect, then 'ip netns del {self.name}'")
        run(["ip", "netns", "add", self.name])

    def configure(self) -> None:
        """Loopback up; IPv6 DAD off for every interface created later."""
        self.ip("link", "set", "lo", "up")
        if Path("/proc/sys/net/ipv6").exists():
            # 'default' covers links created later; 'all' covers those now.
            self.sysctl("net.ipv6.conf.all.accept_dad", 0)
            self.sysctl("net.ipv6.conf.default.accept_dad", 0)

    def delete(self) -> None:
        run(["ip", "netns", "del", self.name])

    # -- running things ---------------------------------------------------
    def exec_argv(self, argv: Sequence[str]) -> list[str]:
        """argv wrapped to run inside this namespace.

        `ip netns exec` execs the command, so the pid of the Popen is the pid
        of the command itself (important for stopping daemons by pid).
        """
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, cmd: Sequence[str] | str, check: bool = True, timeout: float = 30.0,
            input: str | None = None) -> subprocess.CompletedProcess:
        """Run a command inside the namespace and wait for it (no shell)."""
        argv = shlex.split(cmd) if isinstance(cmd, str) else list(cmd)
        return run(self.exec_argv(argv), check=check, timeout=timeout, input=input)

    def popen(self, argv: Sequence[str], **kwargs) -> subprocess.Popen:
        """Start a command inside the namespace without waiting for it.

        Prefer Topology.start_daemon, which also records the process for
        teardown and captures its output.
        """
        return subprocess.Popen(self.exec_argv(argv), **kwargs)

    def ip(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        """`ip -n NS ...`: iproute2 without entering the namespace."""
        return run(["ip", "-n", self.name, *args], check=check)

    def ip_json(self, *args: str):
        """`ip -j` output, parsed."""
        out = self.ip("-j", *args).stdout.strip()
        return json.loads(out) if out else []

    def sysctl(self, key: str, value) -> None:
        self.run(["sysctl", "-q", "-w", f"{key}={value}"])

    # -- configuration ----------------------------------------------------
    def next_ifname(self) -> str:
        """eth0, eth1, ... in the order links are added to this namespace."""
        name = f"eth{self._links}"
        self._links += 1
        return name

    def add_address(self, ifname: str, addr: str) -> None:
        """Add an interface address ("192.0.2.1/24"); checked against the policy."""
        check_address(addr)
        if ":" in addr:
            self.ip("-6", "addr", "add", addr, "dev", ifname, "nodad")
        else:
            self.ip("addr", "add", addr, "dev", ifname)

    def add_route(self, prefix: str, via: str | None = None, dev: str | None = None) -> None:
        """Add a static kernel route; prefix and gateway are policy-checked."""
        check_address(prefix)
        args = ["route", "add", prefix]
        if via:
            args += ["via", check_address(via)]
        if dev:
            args += ["dev", dev]
        self.ip(*args)

    def enable_forwarding(self) -> None:
        """Make the namespace a router (IPv4 and IPv6 forwarding)."""
        self.sysctl("net.ipv4.ip_forward", 1)
        if Path("/proc/sys/net/ipv6").exists():
            self.sysctl("net.ipv6.conf.all.forwarding", 1)

    def link_up(self, ifname: str) -> None:
        self.ip("link", "set", ifname, "up")

    def ipv6_ready(self, ifname: str) -> bool:
        """True when ifname has a link-local address and nothing is tentative.

        FRR and BIRD both need the link-local address for IPv6 next hops.
        """
        info = self.ip_json("-6", "addr", "show", "dev", ifname)
        addrs = info[0].get("addr_info", []) if info else []
        has_ll = any(a.get("scope") == "link" for a in addrs)
        tentative = any(a.get("tentative") for a in addrs)
        return has_ll and not tentative

    def oper_up(self, ifname: str) -> bool:
        info = self.ip_json("link", "show", "dev", ifname)
        return bool(info) and "LOWER_UP" in info[0].get("flags", [])


class Link:
    """A veth pair between two namespaces (a point-to-point wire)."""

    def __init__(self, a: Namespace, a_if: str, b: Namespace, b_if: str):
        self.a, self.a_if, self.b, self.b_if = a, a_if, b, b_if

    def __repr__(self) -> str:
        return f"Link({self.a.name}:{self.a_if} <-> {self.b.name}:{self.b_if})"

    def delete(self) -> None:
        # Deleting one end removes both; if the namespace is already gone the
        # veth went with it, which is just as good.
        if self.a.name in list_netns():
            self.a.ip("link", "del", self.a_if, check=False)


def add_veth(a: Namespace, b: Namespace, a_addrs: Iterable[str] = (), b_addrs: Iterable[str] = (),
             a_if: str | None = None, b_if: str | None = None, ready_s: float = 10.0) -> Link:
    """Join two namespaces by a veth pair and address both ends.

    The pair is created inside `a` with its peer placed straight into `b`, so
    no interface ever appears in the host's namespace.  Returns once both
    ends are up and, if any IPv6 address was asked for, IPv6 is usable.
    """
    a_addrs, b_addrs = list(a_addrs), list(b_addrs)
    for addr in a_addrs + b_addrs:
        check_address(addr)  # fail before creating anything
    a_if = a_if or a.next_ifname()
    b_if = b_if or b.next_ifname()
    a.ip("link", "add", a_if, "type", "veth", "peer", "name", b_if, "netns", b.name)
    link = Link(a, a_if, b, b_if)
    for ns, ifname, addrs in ((a, a_if, a_addrs), (b, b_if, b_addrs)):
        for addr in addrs:
            ns.add_address(ifname, addr)
    a.link_up(a_if)
    b.link_up(b_if)
    wait_until(lambda: a.oper_up(a_if) and b.oper_up(b_if), ready_s, f"{link} to come up")
    if any(":" in x for x in a_addrs + b_addrs):
        wait_until(lambda: a.ipv6_ready(a_if) and b.ipv6_ready(b_if), ready_s,
                   f"IPv6 on {link} to leave tentative state")
    return link


# --------------------------------------------------------------------------
# Daemons
# --------------------------------------------------------------------------


class DaemonError(RuntimeError):
    """A daemon failed to start or become ready; the message has its log tails."""


#: Every live Daemon in this process, so the session can check none leaks.
LIVE_DAEMONS: set["Daemon"] = set()


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return "(no file)"
    kept = text.splitlines()[-lines:]
    return "\n".join(kept) if kept else "(empty)"


def rundir_argv(binary: str, config_name: str, *extra: str) -> list[str]:
    """argv for a daemon that follows the skygate convention (--rundir DIR -f FILE).

    For use with Topology.start_daemon, which fills in {rundir}; pass the
    config through its `files` argument, e.g.
        topo.start_daemon(ns, "routed", rundir_argv("skygate-routed", "routed.conf"),
                          files={"routed.conf": text})
    """
    return [binary, "--rundir", "{rundir}", "-f", f"{{rundir}}/{config_name}", *extra]


class Daemon:
    """A long-running process inside a namespace, with its own run directory.

    stdout and stderr go to NAME.stdout / NAME.stderr in the run directory, so
    a failure report can show what the daemon said.  The argv may use
    "{rundir}" as a placeholder, e.g. our own daemons are started as
    ["skygate-routed", "--rundir", "{rundir}", "-f", "{rundir}/routed.conf"].
    """

    def __init__(self, ns: Namespace, name: str, argv: Sequence[str], rundir: Path,
                 env: dict | None = None,
                 after_stop: Callable[["Daemon"], object] | None = None):
        self.ns, self.name, self.rundir = ns, name, Path(rundir)
        self.argv = [str(a).replace("{rundir}", str(self.rundir)) for a in argv]
        self.env = env
        self.after_stop = after_stop  # e.g. remove files the daemon keeps by pid
        self.proc: subprocess.Popen | None = None
        #: Set by stop() when the daemon's stderr holds a sanitizer report.
        self.sanitizer_report: str | None = None
        self.stdout_path = self.rundir / f"{name}.stdout"
        self.stderr_path = self.rundir / f"{name}.stderr"

    def __repr__(self) -> str:
        return f"Daemon({self.name} pid={self.pid} in {self.ns.name})"

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc else None

    def start(self) -> "Daemon":
        """Start the process (it must stay in the foreground: we track its pid)."""
        with open(self.stdout_path, "ab") as out, open(self.stderr_path, "ab") as err:
            # A new session gives the daemon its own process group, so a
            # forced stop can also reach any children it forked.
            self.proc = self.ns.popen(self.argv, stdin=subprocess.DEVNULL, stdout=out,
                                      stderr=err, cwd=self.rundir, env=self.env,
                                      start_new_session=True)
        LIVE_DAEMONS.add(self)
        return self

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def tail(self, lines: int = 40) -> str:
        """Last lines of stdout and stderr, for failure reports."""
        return (f"--- {self.name} (pid {self.pid}) {self.stdout_path} ---\n"
                f"{_tail(self.stdout_path, lines)}\n"
                f"--- {self.name} (pid {self.pid}) {self.stderr_path} ---\n"
                f"{_tail(self.stderr_path, lines)}")

    def wait_ready(self, predicate: Callable[[], object], deadline_s: float, what: str) -> None:
        """Poll predicate until true; fail early, with logs, if the daemon exits."""
        def check():
            if not self.running():
                raise DaemonError(f"{self.name} exited with status {self.proc.returncode} "
                                  f"while waiting for {what}\n{self.tail()}")
            return predicate()
        try:
            wait_until(check, deadline_s, f"{self.name}: {what}", tolerate=(OSError, CommandError))
        except AssertionError as exc:
            raise DaemonError(f"{exc}\n{self.tail()}") from None

    def stop(self, timeout_s: float = 10.0) -> int | None:
        """Stop by pid: SIGTERM, wait up to timeout_s, then SIGKILL.

        Returns the exit status (None if never started).  Idempotent.
        """
        if self.proc is None:
            return None
        try:
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=timeout_s)
                except subprocess.TimeoutExpired:
                    # The leader is not reaped yet, so its pid (and with it the
                    # process group id) cannot have been reused: safe to kill.
                    os.killpg(self.proc.pid, signal.SIGKILL)
                    self.proc.wait(timeout=10)
            if self.after_stop is not None:
                self.after_stop(self)
                self.after_stop = None
            self.sanitizer_report = self.sanitizer_report or _sanitizer_report(self.stderr_path)
            return self.proc.returncode
        finally:
            LIVE_DAEMONS.discard(self)


#: What ASan, LSan and UBSan print when they find something.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def _sanitizer_report(path: Path) -> str | None:
    """The first sanitizer finding in a daemon's stderr, if any.  Read when
    the daemon stops, before teardown removes its run directory."""
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        return None
    for mark in SANITIZER_MARKS:
        if mark in text:
            start = text.index(mark)
            return text[start:start + 2000]
    return None


# --------------------------------------------------------------------------
# Topology
# --------------------------------------------------------------------------


class TeardownError(RuntimeError):
    """One or more teardown steps failed (all were still attempted)."""


_OPEN_TOPOLOGIES: set["Topology"] = set()


class Topology:
    """Everything one test created, undone in reverse order by teardown().

    Use as a context manager or through the `topo` pytest fixture.  Each
    creation step registers its undo step before returning, so a failure in
    the middle of building still leaves nothing behind.
    """

    def __init__(self, name: str = "topo", keep_dirs: bool | None = None):
        self.name = name
        self.namespaces: dict[str, Namespace] = {}
        self.links: list[Link] = []
        self.daemons: list[Daemon] = []
        self.dirs: list[Path] = []
        self._undo: list[tuple[str, Callable[[], object]]] = []
        if keep_dirs is None:
            keep_dirs = os.environ.get("SKYGATE_KEEP_RUNDIRS") == "1"
        self.keep_dirs = keep_dirs
        _OPEN_TOPOLOGIES.add(self)

    def __enter__(self) -> "Topology":
        return self

    def __exit__(self, *exc) -> None:
        self.teardown()

    def add_cleanup(self, what: str, fn: Callable[[], object]) -> None:
        """Register an undo step; steps run last-registered first."""
        self._undo.append((what, fn))

    # -- building ---------------------------------------------------------
    def add_namespace(self, short: str) -> Namespace:
        """Create namespace RUN_PREFIX+short (short: a few characters)."""
        if short in self.namespaces:
            raise ValueError(f"namespace {short!r} already in this topology")
        ns = Namespace(short)
        ns.add()
        # Registered before configure() so a failure there still cleans up.
        self.add_cleanup(f"delete namespace {ns.name}", ns.delete)
        self.namespaces[short] = ns
        ns.configure()
        return ns

    def add_link(self, a: Namespace, b: Namespace, a_addrs: Iterable[str] = (),
                 b_addrs: Iterable[str] = (), a_if: str | None = None,
                 b_if: str | None = None) -> Link:
        """veth between a and b with the given addresses (see add_veth)."""
        a_if = a_if or a.next_ifname()
        b_if = b_if or b.next_ifname()
        link = Link(a, a_if, b, b_if)
        # Registered first: Link.delete copes with a link that never came to be.
        self.add_cleanup(f"delete {link}", link.delete)
        self.links.append(link)
        add_veth(a, b, a_addrs, b_addrs, a_if, b_if)
        return link

    def make_dir(self, label: str) -> Path:
        """A fresh temporary directory, removed at teardown."""
        path = Path(tempfile.mkdtemp(prefix=f"{RUN_PREFIX}{label}-"))
        self.dirs.append(path)
        self.add_cleanup(f"remove {path}", lambda: self._remove_dir(path))
        return path

    def _remove_dir(self, path: Path) -> None:
        if self.keep_dirs:
            print(f"[topo] keeping {path}")
            return
        shutil.rmtree(path, ignore_errors=True)

    def start_daemon(self, ns: Namespace, name: str, argv: Sequence[str],
                     rundir: Path | None = None, files: dict[str, str] | None = None,
                     ready: Callable[[], object] | None = None, ready_s: float = 30.0,
                     env: dict | None = None,
                     after_stop: Callable[[Daemon], object] | None = None) -> Daemon:
        """Start a daemon in ns with its own run directory; stop it at teardown.

        files: {relative name: text} written into the run directory first
        (configs).  ready: polled until truthy before returning; if the daemon
        exits first, DaemonError carries the tail of its output.  after_stop:
        called with the Daemon once its process is gone.
        """
        rundir = rundir or self.make_dir(name)
        for rel, text in (files or {}).items():
            (rundir / rel).write_text(text)
        daemon = Daemon(ns, name, argv, rundir, env=env, after_stop=after_stop)
        self.add_cleanup(f"stop {name}", daemon.stop)
        self.daemons.append(daemon)
        daemon.start()
        if ready is not None:
            daemon.wait_ready(ready, ready_s, "ready")
        return daemon

    # -- reports and teardown ---------------------------------------------
    def log_tails(self, lines: int = 40) -> str:
        """Tails of every daemon's output, for a failed test's report."""
        return "\n".join(d.tail(lines) for d in self.daemons)

    def teardown(self) -> None:
        """Undo everything in reverse order; raise TeardownError at the end if
        any step failed, after attempting all of them."""
        errors = []
        while self._undo:
            what, fn = self._undo.pop()
            try:
                fn()
            except Exception as exc:  # keep going: leave as little as possible behind
                errors.append(f"{what}: {exc}")
        _OPEN_TOPOLOGIES.discard(self)
        if errors:
            raise TeardownError(f"teardown of {self.name} had errors:\n" + "\n".join(errors))


@atexit.register
def _teardown_forgotten() -> None:
    """Last resort if a run is interrupted before fixtures could tear down."""
    for topo in list(_OPEN_TOPOLOGIES):
        try:
            topo.teardown()
        except Exception as exc:
            print(f"[topo] teardown at exit: {exc}")
