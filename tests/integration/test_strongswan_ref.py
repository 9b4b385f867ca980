"""The benchmark's IPsec reference: two stock charons with kernel-libipsec,
one per namespace, IKEv2 with a pre-shared key and an AES-256-GCM CHILD_SA,
and pings between their inside addresses that must travel as ESP.

bench/tunnel_bench.py measures skygate-tunneld against exactly this pair
(lib/strongswan.py builds it for both), so this test keeps the reference
from rotting: a strongSwan upgrade that moves a plugin, a config key that
changes meaning, or two charons that stop coexisting fail here first.
"""

from __future__ import annotations

import base64
import os
import re

import pytest

from lib.jsonmatch import wait_until
from lib.strongswan import StrongswanError, charon_pair, strongswan_available

A_UNDER, B_UNDER = "192.0.2.1", "192.0.2.2"
A_INSIDE, B_INSIDE = "169.254.30.1", "169.254.30.2"
PINGS = 5


@pytest.fixture
def charons(topo):
    reason = strongswan_available()
    if reason:
        pytest.fail(f"strongSwan reference not installed ({reason}): "
                    "run scripts/install-deps.sh", pytrace=False)
    a = topo.add_namespace("swa")
    b = topo.add_namespace("swb")
    topo.add_link(a, b, [f"{A_UNDER}/24"], [f"{B_UNDER}/24"])
    psk = base64.b64encode(os.urandom(24)).decode()
    ca, cb = charon_pair(topo, a, b, A_UNDER, B_UNDER, A_INSIDE, B_INSIDE, psk)
    return a, b, ca, cb


def test_charon_pair_carries_pings_as_esp(charons):
    a, b, ca, cb = charons

    # The negotiated CHILD_SA is the one the benchmark promises: AES-GCM
    # with a 256-bit key, UDP-encapsulated (kernel-libipsec always is).
    for side in (ca, cb):
        (sa,) = side.child_sas()
        assert sa["encr"] == "AES_GCM_16" and sa["keysize"] == "256", sa
        assert sa["encap"], sa
    # Each side's inbound SPI is the other's outbound one.
    (sa_a,) = ca.child_sas()
    (sa_b,) = cb.child_sas()
    assert sa_a["spi_in"] == sa_b["spi_out"] and sa_a["spi_out"] == sa_b["spi_in"]

    # The remote inside address is routed into kernel-libipsec's TUN device,
    # not over the veth (table 220, strongSwan's default routing table).
    for ns, side, remote in ((a, ca, B_INSIDE), (b, cb, A_INSIDE)):
        dev = wait_until(side.tun_device, 10, f"{side.daemon_name}: TUN device")
        route = ns.ip("route", "get", remote, "from",
                      A_INSIDE if remote == B_INSIDE else B_INSIDE).stdout
        assert f"dev {dev}" in route, route

    # Pings both ways, polled until a deadline: the first may race the
    # responder's route installation.
    def ping(ns, src, dst):
        proc = ns.run(["ping", "-n", "-q", "-c", str(PINGS), "-i", "0.2", "-W", "2",
                       "-I", src, dst], check=False, timeout=30)
        m = re.search(r"(\d+) received", proc.stdout)
        return m is not None and int(m.group(1)) == PINGS
    wait_until(lambda: ping(a, A_INSIDE, B_INSIDE), 30, "pings a -> b through charon")
    wait_until(lambda: ping(b, B_INSIDE, A_INSIDE), 30, "pings b -> a through charon")

    # The pings went through ESP: every echo and reply is counted on the
    # CHILD_SAs, at least PINGS packets each way on each side.
    def counted():
        (x,) = ca.child_sas()
        (y,) = cb.child_sas()
        return all(sa[k] >= 2 * PINGS for sa in (x, y)
                   for k in ("packets_in", "packets_out"))
    wait_until(counted, 10, "ESP packet counters on both CHILD_SAs", tolerate=(StrongswanError,))


def test_two_charons_keep_their_own_files(charons, topo):
    """Each charon uses its own pid file and vici socket, and the host's
    /run holds neither: the pair cannot collide with a system charon or
    with another run."""
    _, _, ca, cb = charons
    for side in (ca, cb):
        assert (side.rundir / "run" / "charon.pid").read_text().strip() == str(side.pid)
        assert (side.rundir / "charon.vici").is_socket()
    assert ca.rundir != cb.rundir
    assert not os.path.exists("/run/charon.pid") or \
        int(open("/run/charon.pid").read().strip() or 0) not in (ca.pid, cb.pid)
