"""`neighbor X local-as L [no-prepend [replace-as]]`: an AS migration. The
peer sees us as L in the OPEN (in the 2-octet field when L fits, so a peer
that knows only 2-octet ASes can keep its configuration); routes from it
carry L on their way to others unless no-prepend; routes to it lead with
L, and our real AS only without replace-as."""

from __future__ import annotations

import pytest

from lib.gateway import RAW_AS, triangle
from lib.jsonmatch import ABSENT, wait_for

pytestmark = pytest.mark.requires("frr")

GW_AS, LOCAL_AS = 4200000001, 64600


def start(topo, binary: str, local_as_options: str):
    t = triangle(topo, binary, GW_AS, neighbor_lines=f" neighbor 192.0.2.2 local-as {LOCAL_AS}{local_as_options}\n",
                 af_lines="  network 198.18.10.0/24\n")
    return t.raw, t.frr


def test_local_as_prepended_both_ways(topo, skygate_bin):
    raw, frr = start(topo, skygate_bin("skygate-routed"), "")
    opened = raw.run("open")
    # RFC 6793 section 4.1: the 2-octet field holds the AS when it fits.
    assert opened["my_as"] == LOCAL_AS and opened["as4"] == LOCAL_AS, opened
    sent = raw.run("drain")["seen"]
    assert any("198.18.10.0/24" in d.get("announced", []) for d in sent), sent
    raw.run("announce 198.18.1.0/24")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {
        "198.18.1.0/24": [{"path": f"{GW_AS} {LOCAL_AS} {RAW_AS}"}],
        "198.18.10.0/24": [{"path": f"{GW_AS}"}]}}, 20, what="local-as in the path of routes from the peer")


def test_local_as_no_prepend(topo, skygate_bin):
    raw, frr = start(topo, skygate_bin("skygate-routed"), " no-prepend")
    raw.run("drain")
    raw.run("announce 198.18.1.0/24")
    wait_for(lambda: frr.bgp_routes("ipv4"), {"routes": {
        "198.18.1.0/24": [{"path": f"{GW_AS} {RAW_AS}"}], "198.18.2.0/24": ABSENT}}, 20,
        what="no-prepend: the path as the peer sent it, behind our AS")
