"""Outbound routing policy seen by BIRD, in BIRD's own `birdc show route
all`: toward an eBGP BIRD a route-map prepends our AS, adds a community
and sets MED; toward an iBGP BIRD another sets LOCAL_PREF, removes one of
the communities the eBGP side attached (`set comm-list L delete`) and adds
one of ours. Also the same for a route that crossed the gateway, so the
communities removed are ones a peer sent."""

from __future__ import annotations

import pytest

from lib.gateway import start_routed
from lib.jsonmatch import wait_until
from lib.peers import BgpNeighbor, BirdRouter, bird_bgp_config

pytestmark = pytest.mark.requires("bird")

GW_AS, EBGP_AS = 64512, 64514
GW_NET = "198.18.10.0/24"      # originated by the gateway
EBGP_NET = "198.18.20.0/24"    # originated by the eBGP BIRD, with two communities

GW_CONFIG = f"""\
bgp community-list standard STRIP seq 5 permit {EBGP_AS}:1
route-map TO-EBGP permit 10
 set as-path prepend {GW_AS} {GW_AS}
 set community {GW_AS}:200 additive
 set metric 50
exit
route-map TO-IBGP permit 10
 set local-preference 300
 set comm-list STRIP delete
 set community {GW_AS}:300 additive
exit
router bgp {GW_AS}
 bgp router-id 192.0.2.1
 neighbor 198.51.100.2 remote-as {EBGP_AS}
 neighbor 203.0.113.2 remote-as {GW_AS}
 address-family ipv4 unicast
  network {GW_NET}
  neighbor 198.51.100.2 route-map TO-EBGP out
  neighbor 203.0.113.2 route-map TO-IBGP out
 exit-address-family
"""

# The eBGP side tags its route with two communities; the gateway must
# strip one of them on the way to the iBGP side.
EBGP_EXPORT = f"""\
filter tag_static {{
  if source = RTS_STATIC then {{
    bgp_community.add(({EBGP_AS}, 1));
    bgp_community.add(({EBGP_AS}, 2));
    accept;
  }}
  reject;
}}
"""


@pytest.fixture
def net(topo, skygate_bin):
    gw_ns, e_ns, i_ns = topo.add_namespace("gw"), topo.add_namespace("birde"), topo.add_namespace("birdi")
    topo.add_link(gw_ns, e_ns, ["198.51.100.1/24"], ["198.51.100.2/24"])
    topo.add_link(gw_ns, i_ns, ["203.0.113.1/24"], ["203.0.113.2/24"])
    start_routed(topo, gw_ns, GW_CONFIG, skygate_bin("skygate-routed"))
    e_conf = bird_bgp_config(EBGP_AS, "198.51.100.2", [BgpNeighbor("198.51.100.1", GW_AS, "skygate")],
                             networks=[EBGP_NET])
    # A filter must be defined before the protocol that names it.
    e_conf = EBGP_EXPORT + e_conf.replace("export where source = RTS_STATIC;", "export filter tag_static;")
    ebgp = BirdRouter(topo, e_ns, e_conf, name="birde").start()
    ibgp = BirdRouter(topo, i_ns, bird_bgp_config(GW_AS, "203.0.113.2", [BgpNeighbor("203.0.113.1", GW_AS, "skygate")]),
                      name="birdi").start()
    return ebgp, ibgp


def learned(bird: BirdRouter, prefix: str) -> dict | None:
    """The attributes of BIRD's route for prefix from the gateway, or None."""
    for entry in bird.routes().get("master4", {}).get(prefix, []):
        if entry["protocol"] == "skygate":
            return entry["attributes"]
    return None


def communities(attrs: dict) -> set[str]:
    return set(attrs.get("BGP.community", "").replace(" ", "").replace(")(", ") (").split())


def test_ebgp_bird_sees_prepend_community_and_med(net):
    ebgp, _ = net
    wait_until(lambda: learned(ebgp, GW_NET) is not None, 30, what="BIRD (eBGP) learns the gateway's route")
    a = learned(ebgp, GW_NET)
    assert a["BGP.as_path"] == f"{GW_AS} {GW_AS} {GW_AS}", a
    assert communities(a) == {f"({GW_AS},200)"}, a
    assert a["BGP.med"] == "50", a


def test_ibgp_bird_sees_local_pref_and_communities_added_and_removed(net):
    _, ibgp = net
    wait_until(lambda: learned(ibgp, EBGP_NET) is not None and learned(ibgp, GW_NET) is not None, 30,
               what="BIRD (iBGP) learns both routes")
    crossed = learned(ibgp, EBGP_NET)
    assert crossed["BGP.local_pref"] == "300", crossed
    assert crossed["BGP.as_path"] == str(EBGP_AS), crossed
    # (64514,1) removed by the comm-list, (64514,2) kept, ours added.
    assert communities(crossed) == {f"({EBGP_AS},2)", f"({GW_AS},300)"}, crossed
    own = learned(ibgp, GW_NET)
    assert own["BGP.local_pref"] == "300", own
    assert communities(own) == {f"({GW_AS},300)"}, own
