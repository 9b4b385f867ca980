"""A stock strongSwan charon with the kernel-libipsec plugin, one per namespace.

The reference IPsec peer: the tunnel benchmark measures skygate-tunneld
against it, and test_strongswan_ref.py keeps the setup itself working.

Why these pieces:
- This kernel has no ESP/XFRM, so charon does ESP in userspace with
  kernel-libipsec, which reads the packets to protect from a TUN device
  (ipsec0) and sends ESP over its own UDP socket (always UDP-encapsulated,
  RFC 3948).  kernel-netlink still does the routes: the remote traffic
  selector is routed into ipsec0 from table 220.
- Several charons run side by side, one per namespace.  Each gets its own
  strongswan.conf (through the STRONGSWAN_CONF environment variable), its
  own vici socket (charon.plugins.vici.socket) and its own plugin list, so
  the host's /etc/strongswan.conf is never read.  charon's pid file path is
  compiled in (/var/run/charon.pid) and a second charon would refuse to
  start on seeing the first one's; `ip netns exec` already gives the
  command a mount namespace of its own, so a private directory is bound
  over /run there (and only there) before charon is exec'ed.  The host's
  /run is untouched and the pid stays charon's, for stopping it by pid.
- AES-GCM comes from the openssl plugin (Debian package
  libstrongswan-standard-plugins).

Only the addresses the caller passes appear in the generated configs, and
they are checked against the network rules (topo.check_config_text).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from . import topo as topo_lib
from .jsonmatch import wait_until

CHARON = "/usr/lib/ipsec/charon"
SWANCTL = "swanctl"
PLUGIN_DIR = Path("/usr/lib/ipsec/plugins")

#: What charon loads, and no more: nonces and DH (openssl: ecp256 and
#: AES-GCM), PSK auth, the userspace ESP, netlink for routes and addresses,
#: the IKE sockets and vici for swanctl.
CHARON_PLUGINS = ("random nonce openssl kdf pem pkcs1 x509 pubkey gcm aes sha1 sha2 hmac "
                  "kernel-libipsec kernel-netlink socket-default vici")
#: The plugin files the reference setup cannot do without, and the Debian
#: package that ships each.
REQUIRED_PLUGINS = {
    "libstrongswan-kernel-libipsec.so": "libcharon-extra-plugins",
    "libstrongswan-openssl.so": "libstrongswan-standard-plugins",
    "libstrongswan-vici.so": "strongswan-charon",
    "libstrongswan-kernel-netlink.so": "strongswan-charon",
}

IKE_PROPOSAL = "aes256gcm16-prfsha256-ecp256"
ESP_PROPOSAL = "aes256gcm16"  # AES-256-GCM, 16-byte ICV (RFC 4106)


class StrongswanError(RuntimeError):
    """charon or swanctl failed; the message carries their output."""


def strongswan_available() -> str | None:
    """Why the charon + kernel-libipsec reference cannot run here, or None."""
    missing = []
    if not os.access(CHARON, os.X_OK):
        missing.append(f"{CHARON} (apt-get install strongswan-charon)")
    if shutil.which(SWANCTL) is None:
        missing.append("swanctl (apt-get install strongswan-swanctl)")
    for plugin, package in REQUIRED_PLUGINS.items():
        if not (PLUGIN_DIR / plugin).exists():
            missing.append(f"{plugin} (apt-get install {package})")
    return ("missing: " + ", ".join(missing)) if missing else None


@dataclass
class CharonEnd:
    """One side of a charon pair: its underlay address and traffic selector.

    inside is an address (no prefix length) that lives on the namespace's
    loopback and is the whole traffic selector of this side, e.g.
    169.254.30.1; the workload binds to it.
    """

    local: str
    remote: str
    inside: str
    remote_inside: str


def charon_conf(rundir: Path) -> str:
    """strongswan.conf for one charon whose files all live in rundir."""
    return f"""\
# Written by the skygate test library for one charon in one namespace.
charon {{
    load_modular = no
    load = {CHARON_PLUGINS}
    # Routes to the remote traffic selector go into ipsec0 (table 220).
    install_routes = yes
    plugins {{
        vici {{
            socket = unix://{rundir}/charon.vici
        }}
    }}
    filelog {{
        stderr {{
            default = 1
        }}
    }}
}}
swanctl {{
    load = pem pkcs1 x509 pubkey openssl random
}}
"""


def swanctl_conf(end: CharonEnd, psk: str, name: str = "ref", encap: bool = True) -> str:
    """swanctl.conf: IKEv2 with a pre-shared key, one tunnel-mode CHILD_SA
    with AES-256-GCM between the two inside addresses.  encap=False leaves
    UDP encapsulation to NAT detection (the other end may force it)."""
    for addr in (end.local, end.remote, end.inside, end.remote_inside):
        topo_lib.check_address(addr)
    if not re.fullmatch(r"[A-Za-z0-9+/=]{16,}", psk):
        raise ValueError("psk: at least 16 characters of base64 text")
    return topo_lib.check_config_text(f"""\
connections {{
    {name} {{
        version = 2
        local_addrs = {end.local}
        remote_addrs = {end.remote}
        # kernel-libipsec sends ESP over charon's own UDP socket anyway.
        encap = {"yes" if encap else "no"}
        proposals = {IKE_PROPOSAL}
        local {{
            auth = psk
            id = {end.local}
        }}
        remote {{
            auth = psk
            id = {end.remote}
        }}
        children {{
            {name} {{
                mode = tunnel
                local_ts = {end.inside}/32
                remote_ts = {end.remote_inside}/32
                esp_proposals = {ESP_PROPOSAL}
            }}
        }}
    }}
}}
secrets {{
    ike-{name} {{
        id-1 = {end.local}
        id-2 = {end.remote}
        secret = 0s{psk}
    }}
}}
""")


class Charon:
    """A charon daemon in a namespace, driven with swanctl over its own vici
    socket.  Start with start(); the Topology stops it by pid."""

    def __init__(self, topo: topo_lib.Topology, ns: topo_lib.Namespace, end: CharonEnd,
                 psk: str, name: str = "ref", daemon_name: str = "charon", encap: bool = True):
        self.topo, self.ns, self.end, self.psk = topo, ns, end, psk
        self.encap = encap
        self.conn = name
        self.daemon_name = daemon_name
        self.rundir: Path | None = None
        self.daemon: topo_lib.Daemon | None = None

    @property
    def uri(self) -> str:
        return f"unix://{self.rundir}/charon.vici"

    @property
    def pid(self) -> int | None:
        return self.daemon.pid if self.daemon else None

    def start(self, ready_s: float = 20.0) -> "Charon":
        """Put the inside address on loopback, start charon, load the config."""
        self.ns.add_address("lo", f"{self.end.inside}/32")
        self.rundir = self.topo.make_dir(self.daemon_name)
        piddir = self.rundir / "run"
        piddir.mkdir()
        files = {"strongswan.conf": charon_conf(self.rundir),
                 "swanctl.conf": swanctl_conf(self.end, self.psk, self.conn, self.encap)}
        env = dict(os.environ, STRONGSWAN_CONF=str(self.rundir / "strongswan.conf"))
        # mount(8) binds the private pid directory over /run in the mount
        # namespace `ip netns exec` made for this command alone; exec keeps
        # the pid, so the Topology stops charon itself.
        argv = ["sh", "-c", 'mount --bind "$0" /run && exec "$@"', str(piddir), CHARON]
        self.daemon = self.topo.start_daemon(
            self.ns, self.daemon_name, argv, rundir=self.rundir, files=files, env=env,
            ready=lambda: self.swanctl("--stats", check=False).returncode == 0,
            ready_s=ready_s)
        self.swanctl("--load-all", "--file", str(self.rundir / "swanctl.conf"))
        return self

    def swanctl(self, *args: str, check: bool = True,
                timeout: float = 30.0) -> subprocess.CompletedProcess:
        """swanctl inside the namespace, talking to this charon only."""
        env_conf = str(self.rundir / "strongswan.conf")
        argv = ["env", f"STRONGSWAN_CONF={env_conf}", SWANCTL, *args, "--uri", self.uri]
        proc = self.ns.run(argv, check=False, timeout=timeout)
        if check and proc.returncode != 0:
            raise StrongswanError(f"swanctl {' '.join(args)} failed ({proc.returncode}):\n"
                                  f"{proc.stdout}\n{proc.stderr}\n"
                                  f"{self.daemon.tail() if self.daemon else ''}")
        return proc

    def initiate(self, timeout_s: int = 15) -> None:
        """Bring the IKE_SA and its CHILD_SA up from this side; swanctl
        returns once charon reports the outcome (or after timeout_s)."""
        self.swanctl("--initiate", "--child", self.conn, "--timeout", str(timeout_s),
                     timeout=timeout_s + 10)

    def child_sas(self) -> list[dict]:
        """The installed CHILD_SAs with their byte and packet counters, from
        `swanctl --list-sas --raw` (vici's own key=value rendering)."""
        out = self.swanctl("--list-sas", "--raw").stdout
        sas = []
        # One "name-N {... state=INSTALLED ... bytes-in=... }" block per CHILD_SA.
        for m in re.finditer(r"child-sas \{(.*?)\}\s*\}", out, re.S):
            block = m.group(1)
            fields = dict(re.findall(r"([a-z0-9-]+)=([^ {}]+)", block))
            if fields.get("state") != "INSTALLED":
                continue
            sas.append({
                "state": fields["state"],
                "spi_in": fields.get("spi-in"), "spi_out": fields.get("spi-out"),
                "encap": fields.get("encap") == "yes",
                "encr": fields.get("encr-alg"), "keysize": fields.get("encr-keysize"),
                "bytes_in": int(fields.get("bytes-in", 0)),
                "bytes_out": int(fields.get("bytes-out", 0)),
                "packets_in": int(fields.get("packets-in", 0)),
                "packets_out": int(fields.get("packets-out", 0)),
            })
        return sas

    def tun_device(self) -> str | None:
        """kernel-libipsec's TUN device in this namespace (ipsecN), if up."""
        for link in self.ns.ip_json("link", "show"):
            if re.fullmatch(r"ipsec\d+", link.get("ifname", "")):
                return link["ifname"]
        return None


def charon_pair(topo: topo_lib.Topology, a: topo_lib.Namespace, b: topo_lib.Namespace,
                a_addr: str, b_addr: str, a_inside: str, b_inside: str,
                psk: str) -> tuple[Charon, Charon]:
    """Two charons, a initiating to b; returns once both have the CHILD_SA
    installed (or raises with both daemons' logs)."""
    ca = Charon(topo, a, CharonEnd(a_addr, b_addr, a_inside, b_inside), psk,
                daemon_name="charon-a").start()
    cb = Charon(topo, b, CharonEnd(b_addr, a_addr, b_inside, a_inside), psk,
                daemon_name="charon-b").start()
    ca.initiate()
    for side in (ca, cb):
        try:
            wait_until(side.child_sas, 15.0, f"{side.daemon_name}: CHILD_SA installed",
                                tolerate=(StrongswanError,))
        except AssertionError as exc:
            raise StrongswanError(f"{exc}\n{topo.log_tails()}") from None
    return ca, cb
