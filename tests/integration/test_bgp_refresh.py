"""Enhanced route refresh (RFC 7313) and extended messages (RFC 8654),
both directions, against a scripted peer that advertises both: the peer's
BoRR/EoRR make routes it did not announce again go away; our answer to a
ROUTE-REFRESH is framed by BoRR and EoRR; an UPDATE over 4096 octets is
accepted once both sides advertised extended messages."""

from __future__ import annotations

import json

import pytest

from lib.jsonmatch import ABSENT, wait_for, wait_until
from lib.rawbgp import CAP_ENHANCED_REFRESH, CAP_EXTENDED_MESSAGE
from lib.gateway import SCRIPTED_GW_NETWORK as ORIGINATED
from lib.gateway import scripted_pair
from lib.skyipc import Session


@pytest.fixture
def gw(topo, skygate_bin):
    gateway, peer = scripted_pair(topo, skygate_bin("skygate-routed"))
    return gateway.session, peer


def routes(session: Session) -> dict:
    return json.loads(session.run("show bgp ipv4 unicast json").output)


def neighbor(session: Session) -> dict:
    return json.loads(session.run("show bgp neighbors json").output)["192.0.2.2"]


def test_capabilities_advertised_and_negotiated(gw):
    session, peer = gw
    codes = peer.run("caps")["codes"]
    assert CAP_ENHANCED_REFRESH in codes and CAP_EXTENDED_MESSAGE in codes, codes
    wait_for(lambda: neighbor(session), {"bgpState": "Established", "neighborCapabilities": {
        "enhancedRouteRefresh": "advertisedAndReceived", "extendedMessage": "advertisedAndReceived"}}, 10,
        what="capabilities in show bgp neighbors json")


def test_peer_borr_eorr_drops_routes_not_announced_again(gw):
    session, peer = gw
    peer.run("drain")
    peer.run("announce 198.18.1.0/24 198.18.2.0/24")
    wait_for(lambda: routes(session), {"routes": {"198.18.1.0/24": [{"valid": True}],
                                                  "198.18.2.0/24": [{"valid": True}]}}, 10,
             what="both routes learned")
    peer.run("borr")
    peer.run("announce 198.18.1.0/24")
    # Between BoRR and EoRR the route not yet announced again stays.
    assert "198.18.2.0/24" in routes(session)["routes"]
    peer.run("eorr")
    wait_for(lambda: routes(session), {"routes": {"198.18.1.0/24": [{"valid": True}], "198.18.2.0/24": ABSENT}},
             10, what="the route not refreshed is gone at the EoRR")


def test_our_answer_to_refresh_is_framed_by_borr_and_eorr(gw):
    session, peer = gw
    first = peer.run("drain")["seen"]
    assert any(ORIGINATED in d.get("announced", []) for d in first), first
    seen = peer.run("refresh")["seen"]
    kinds = [d["kind"] for d in seen]
    assert kinds[0] == "borr" and kinds[-1] == "eorr", kinds
    assert any(ORIGINATED in d.get("announced", []) for d in seen), seen


def test_clear_soft_in_sends_route_refresh(gw):
    session, peer = gw
    peer.run("drain")
    wait_until(lambda: neighbor(session).get("bgpState") == "Established", 10, what="session up")
    session.run("clear bgp 192.0.2.2 soft in")
    seen = peer.run("expect-refresh")["seen"]
    assert seen[-1]["kind"] == "refresh"


def test_update_over_4096_octets_accepted_with_extended_messages(gw):
    session, peer = gw
    peer.run("drain")
    length = peer.run("bigupdate 1200")["length"]
    assert length > 4096
    wait_for(lambda: neighbor(session), {"bgpState": "Established"}, 5, what="session kept")
    wait_until(lambda: json.loads(session.run("show bgp summary json").output)
               ["ipv4Unicast"]["peers"]["192.0.2.2"]["pfxRcd"] == 1200, 15,
               what="all 1,200 prefixes of the large UPDATE learned")


def configure(session, *lines: str) -> None:
    for line in ("configure terminal", "router bgp 64512", *lines, "end"):
        reply = session.run(line)
        assert reply.ok, f"{line}: {reply.output}"


def test_advertisement_interval_holds_announcements_not_withdrawals(gw):
    """MinRouteAdvertisementIntervalTimer (RFC 4271 section 9.2.1.1): after
    an announcement the next ones wait the interval (jittered to 75-100%);
    withdrawals leave at once."""
    session, peer = gw
    peer.run("drain")
    configure(session, "neighbor 192.0.2.2 advertisement-interval 4")
    configure(session, "address-family ipv4 unicast", "network 198.18.11.0/24")
    first = peer.run("await 198.18.11.0/24")
    assert first["kind"] == "announced" and first["seconds"] < 2, first
    configure(session, "address-family ipv4 unicast", "network 198.18.12.0/24")
    held = peer.run("await 198.18.12.0/24")
    assert held["kind"] == "announced" and held["seconds"] >= 2, held
    configure(session, "address-family ipv4 unicast", "no network 198.18.11.0/24")
    gone = peer.run("await 198.18.11.0/24")
    assert gone["kind"] == "withdrawn" and gone["seconds"] < 1.5, gone
