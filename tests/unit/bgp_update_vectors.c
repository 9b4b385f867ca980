/*
 * RFC 7606 vectors for check_bgp_update: one per rule of sections 3, 4,
 * 5 and 7 at least, with the outcome, the NOTIFICATION (code, subcode,
 * data) and what the parsed update must hold.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdint.h>

#include "bgp_update_vectors.h"

static void chk_basic(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->nnlri, 1);
	ck_assert_str_eq(pfx_text(&u->nlri[0]), "198.51.100.0/24");
	ck_assert_str_eq(path_text(&u->attrs.aspath), "64513");
	ck_assert_uint_eq(u->attrs.origin, BGP_ORIGIN_IGP);
	ck_assert_uint_eq(u->attrs.present,
	                  MASK(BGP_ATTR_ORIGIN) | MASK(BGP_ATTR_AS_PATH) | MASK(BGP_ATTR_NEXT_HOP));
}

static void chk_everything(const struct bgp_update *u)
{
	char buf[128];
	const struct bgp_attrs *a = &u->attrs;

	ck_assert_uint_eq(a->med, 50);
	ck_assert(a->present & MASK(BGP_ATTR_ATOMIC_AGGREGATE));
	ck_assert_uint_eq(a->aggregator_as, 64513);
	bgp_communities_format(a->communities, a->ncommunities, buf, sizeof(buf));
	ck_assert_str_eq(buf, "65000:1 no-export");
	ck_assert_uint_eq(a->next_communities, 1);
	ck_assert_uint_eq(a->ext_communities[0], UINT64_C(0x0002fde800000001));
	bgp_large_communities_format(a->large_communities, a->nlarge_communities, buf, sizeof(buf));
	ck_assert_str_eq(buf, "65000:1:2");
	ck_assert_uint_eq(a->nunknown, 1);
	ck_assert_uint_eq(a->unknown[0].type, 100);
	ck_assert_uint_eq(a->unknown[0].flags, 0xe0);
	ck_assert_uint_eq(a->unknown[0].len, 2);
	ck_assert_uint_eq(a->unknown[0].value[0], 0xab);
}

static void chk_empty_path(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.aspath.nsegs, 0);
	ck_assert(u->attrs.present & MASK(BGP_ATTR_AS_PATH));
}

static void chk_confed(const struct bgp_update *u)
{
	ck_assert_str_eq(path_text(&u->attrs.aspath), "(64512)");
}

static void chk_first_community(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.ncommunities, 1);
	ck_assert_uint_eq(u->attrs.communities[0], 0xfde80001);
}

static void chk_community_set(const struct bgp_update *u)
{
	char buf[64];
	bgp_communities_format(u->attrs.communities, u->attrs.ncommunities, buf, sizeof(buf));
	ck_assert_str_eq(buf, "65000:1 65000:2");
}

static void chk_origin_first(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.origin, BGP_ORIGIN_IGP);
}

static void chk_nexthop_first(const struct bgp_update *u)
{
	static const uint8_t want[4] = {192, 0, 2, 1};
	ck_assert_mem_eq(u->attrs.nexthop, want, 4);
}

static void chk_unknown_kept(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.nunknown, 1);
	ck_assert_uint_eq(u->attrs.unknown[0].flags, 0xc0);
	ck_assert_uint_eq(u->attrs.unknown[0].type, 100);
}

static void chk_unknown_ext(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.nunknown, 1);
	ck_assert_uint_eq(u->attrs.unknown[0].flags, 0xc0); /* Extended Length cleared */
	ck_assert_uint_eq(u->attrs.unknown[0].len, 3);
}

static void chk_no_unknown(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.nunknown, 0);
}

static void chk_two_withdrawn(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->nwithdrawn, 2);
	ck_assert_str_eq(pfx_text(&u->withdrawn[0]), "0.0.0.0/0");
	ck_assert_str_eq(pfx_text(&u->withdrawn[1]), "198.51.100.1/32");
}

static void chk_host_bits(const struct bgp_update *u)
{
	ck_assert_str_eq(pfx_text(&u->nlri[0]), "198.51.100.0/23");
}

static void chk_mp6(const struct bgp_update *u)
{
	char buf[64];
	ck_assert(u->mp_reach.present);
	ck_assert_uint_eq(u->mp_reach.afi, 2);
	ck_assert_uint_eq(u->mp_reach.count, 1);
	ck_assert_str_eq(pfx_text(&u->mp_reach.prefixes[0]), "2001:db8::/32");
	ck_assert_uint_eq(u->attrs.mp_nexthop.family, AF_INET6);
	inet_ntop(AF_INET6, u->attrs.mp_nexthop.global, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::1");
	ck_assert(!u->attrs.mp_nexthop.has_link_local);
}

static void chk_mp6_ll(const struct bgp_update *u)
{
	char buf[64];
	ck_assert(u->attrs.mp_nexthop.has_link_local);
	inet_ntop(AF_INET6, u->attrs.mp_nexthop.link_local, buf, sizeof(buf));
	ck_assert_str_eq(buf, "fe80::1");
}

static void chk_mp6_zero_ll(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->mp_reach.count, 1);
	ck_assert(!u->attrs.mp_nexthop.has_link_local);
}

static void chk_reach_ignored(const struct bgp_update *u)
{
	ck_assert(u->flags & BGP_UPD_F_MP_REACH_IGNORED);
	ck_assert_uint_eq(u->mp_reach.count, 0);
}

static void chk_mp4(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->mp_reach.afi, 1);
	ck_assert_uint_eq(u->mp_reach.count, 1);
	ck_assert_str_eq(pfx_text(&u->mp_reach.prefixes[0]), "198.51.100.0/24");
	ck_assert_uint_eq(u->attrs.mp_nexthop.family, AF_INET);
}

static void chk_unreach6(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->mp_unreach.count, 1);
	ck_assert_str_eq(pfx_text(&u->mp_unreach.prefixes[0]), "2001:db8::/32");
	ck_assert(!(u->flags & BGP_UPD_F_EOR));
}

static void chk_eor4(const struct bgp_update *u)
{
	ck_assert(u->flags & BGP_UPD_F_EOR);
	ck_assert_uint_eq(u->eor_afi, 1);
	ck_assert_uint_eq(u->eor_safi, 1);
}

static void chk_eor6(const struct bgp_update *u)
{
	ck_assert(u->flags & BGP_UPD_F_EOR);
	ck_assert_uint_eq(u->eor_afi, 2);
	ck_assert_uint_eq(u->eor_safi, 1);
}

static void chk_not_eor(const struct bgp_update *u)
{
	ck_assert(!(u->flags & BGP_UPD_F_EOR));
}

static void chk_eor_ignored(const struct bgp_update *u)
{
	ck_assert(!(u->flags & BGP_UPD_F_EOR));
	ck_assert(u->flags & BGP_UPD_F_MP_UNREACH_IGNORED);
}

static void chk_tw_and_discard(const struct bgp_update *u)
{
	ck_assert(bgp_update_discarded(u, BGP_ATTR_ATOMIC_AGGREGATE));
}

static void chk_path_kept(const struct bgp_update *u)
{
	ck_assert_str_eq(path_text(&u->attrs.aspath), "64513");
}

static void chk_v4_ignored(const struct bgp_update *u)
{
	ck_assert(u->flags & BGP_UPD_F_IPV4_IGNORED);
	ck_assert_uint_eq(u->nnlri, 0);
}

static void chk_cluster(const struct bgp_update *u)
{
	ck_assert_uint_eq(u->attrs.originator_id, 0xc0000202);
	ck_assert_uint_eq(u->attrs.ncluster_list, 2);
	ck_assert_uint_eq(u->attrs.cluster_list[1], 0xc6336401);
}

const struct vec bgp_update_vectors[] = {
    /* Well-formed updates */
    {"minimal", E4, NULL, BASE, PFX, NULL, OK, 0, 0, NULL, 0, chk_basic},
    {"every attribute", E4, NULL,
     BASE "800404 00000032 400600 c00708 0000fc01 c0000201 c00808 fde80001 ffffff01 "
          "c01008 0002fde800000001 c0200c 0000fde8 00000001 00000002 e06402 abcd",
     PFX, NULL, OK, 0, 0, NULL, 0, chk_everything},
    {"extended length bit when not needed", E4, NULL, "50010001 00" ASP NH, PFX, NULL, OK, 0, 0,
     NULL, 0, chk_basic},
    {"partial bit on a well-known attribute", E4, NULL, "60010100" ASP NH, PFX, NULL, OK, 0, 0,
     NULL, 0, NULL},
    {"empty AS_PATH from an internal peer", I4, NULL, ORIGIN "400200" NH LP, PFX, NULL, OK, 0, 0,
     NULL, 0, chk_empty_path},

    /* RFC 7606 section 7.1 ORIGIN */
    {"ORIGIN length 2", E4, NULL, "4001020000" ASP NH, PFX, NULL, TAW, UPD, BGP_UPD_ATTR_LENGTH,
     "4001020000", 0, NULL},
    {"ORIGIN length 0", E4, NULL, "400100" ASP NH, PFX, NULL, TAW, UPD, BGP_UPD_ATTR_LENGTH,
     "400100", 0, NULL},
    {"ORIGIN value 3", E4, NULL, "40010103" ASP NH, PFX, NULL, TAW, UPD, BGP_UPD_INVALID_ORIGIN,
     "40010103", 0, NULL},
    {"ORIGIN marked optional", E4, NULL, "c0010100" ASP NH, PFX, NULL, TAW, UPD, BGP_UPD_ATTR_FLAGS,
     "c0010100", 0, NULL},
    {"ORIGIN not transitive", E4, NULL, "00010100" ASP NH, PFX, NULL, TAW, UPD, BGP_UPD_ATTR_FLAGS,
     "00010100", 0, NULL},

    /* RFC 7606 section 7.2 AS_PATH */
    {"AS_PATH unknown segment type", E4, NULL, ORIGIN "4002060501 0000fc01" NH, PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_PATH zero-length segment", E4, NULL, ORIGIN "4002020200" NH, PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_PATH segment overrun", E4, NULL, ORIGIN "4002060202 0000fc01" NH, PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_PATH one octet after the last segment", E4, NULL, ORIGIN "4002070201 0000fc01 02" NH, PFX,
     NULL, TAW, UPD, BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_PATH with AS 0 (RFC 7607)", E4, NULL, ORIGIN "4002060201 00000000" NH, PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"four-octet AS_PATH on a two-octet session", E2, NULL, ORIGIN "4002060201 0000fc01" NH, PFX,
     NULL, TAW, UPD, BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_PATH marked optional", E4, NULL, ORIGIN "c002060201 0000fc01" NH, PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_FLAGS, "c0020602010000fc01", 0, NULL},
    {"AS_CONFED_SEQUENCE from an external peer (RFC 5065)", E4, NULL,
     ORIGIN "4002060301 0000fc00" NH, PFX, NULL, TAW, UPD, BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_CONFED_SEQUENCE from an internal peer", I4, NULL, ORIGIN "4002060301 0000fc00" NH LP, PFX,
     NULL, OK, 0, 0, NULL, 0, chk_confed},
    {"AS_SET when rejected (RFC 9774)", E4_NOSET, NULL, ORIGIN "40020a 0102 0000fc01 0000fc02" NH,
     PFX, NULL, TAW, UPD, BGP_UPD_MALFORMED_AS_PATH, "", 0, NULL},
    {"AS_SET accepted by default", E4, NULL, ORIGIN "40020a 0102 0000fc01 0000fc02" NH, PFX, NULL,
     OK, 0, 0, NULL, 0, NULL},

    /* RFC 7606 section 7.3 NEXT_HOP */
    {"NEXT_HOP length 5", E4, NULL, ORIGIN ASP "400305 c000020100", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_LENGTH, "400305c000020100", 0, NULL},
    {"NEXT_HOP 0.0.0.0", E4, NULL, ORIGIN ASP "400304 00000000", PFX, NULL, TAW, UPD,
     BGP_UPD_INVALID_NEXT_HOP, "40030400000000", 0, NULL},
    {"NEXT_HOP loopback", E4, NULL, ORIGIN ASP "400304 7f000001", PFX, NULL, TAW, UPD,
     BGP_UPD_INVALID_NEXT_HOP, "4003047f000001", 0, NULL},
    {"NEXT_HOP loopback, extended length: data as received", E4, NULL,
     ORIGIN ASP "50030004 7f000001", PFX, NULL, TAW, UPD, BGP_UPD_INVALID_NEXT_HOP,
     "500300047f000001", 0, NULL},
    {"NEXT_HOP multicast", E4, NULL, ORIGIN ASP "400304 e0000001", PFX, NULL, TAW, UPD,
     BGP_UPD_INVALID_NEXT_HOP, NULL, 0, NULL},
    {"NEXT_HOP limited broadcast", E4, NULL, ORIGIN ASP "400304 ffffffff", PFX, NULL, TAW, UPD,
     BGP_UPD_INVALID_NEXT_HOP, NULL, 0, NULL},
    {"NEXT_HOP is our own address", E4_LOCAL, NULL, ORIGIN ASP "400304 c00002fe", PFX, NULL, TAW,
     UPD, BGP_UPD_INVALID_NEXT_HOP, "400304c00002fe", 0, NULL},
    {"NEXT_HOP marked optional", E4, NULL, ORIGIN ASP "c00304 c0000201", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_FLAGS, NULL, 0, NULL},
    {"bad NEXT_HOP ignored without classic NLRI", E4, NULL, ORIGIN ASP "400304 00000000" MPR6, NULL,
     NULL, OK, 0, 0, NULL, 0, chk_mp6},
    {"NEXT_HOP missing with classic NLRI", E4, NULL, ORIGIN ASP, PFX, NULL, TAW, UPD,
     BGP_UPD_MISSING_WELLKNOWN, "03", 0, NULL},
    {"NEXT_HOP not needed with MP_REACH_NLRI only", E4, NULL, ORIGIN ASP MPR6, NULL, NULL, OK, 0, 0,
     NULL, 0, chk_mp6},

    /* RFC 7606 section 7.4 MULTI_EXIT_DISC */
    {"MED length 2", E4, NULL, BASE "800402 0001", PFX, NULL, TAW, UPD, BGP_UPD_ATTR_LENGTH,
     "8004020001", 0, NULL},
    {"MED marked well-known", E4, NULL, BASE "400404 00000001", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_FLAGS, "40040400000001", 0, NULL},

    /* RFC 7606 section 7.5 LOCAL_PREF */
    {"LOCAL_PREF from an external peer", E4, NULL, BASE LP, PFX, NULL, DISCARD, 0, 0, "",
     BGP_ATTR_LOCAL_PREF, chk_basic},
    {"malformed LOCAL_PREF from an external peer", E4, NULL, BASE "400503 000064", PFX, NULL,
     DISCARD, 0, 0, "", BGP_ATTR_LOCAL_PREF, NULL},
    {"LOCAL_PREF length 3 from an internal peer", I4, NULL, BASE "400503 000064", PFX, NULL, TAW,
     UPD, BGP_UPD_ATTR_LENGTH, "400503000064", 0, NULL},
    {"LOCAL_PREF missing from an internal peer", I4, NULL, BASE, PFX, NULL, TAW, UPD,
     BGP_UPD_MISSING_WELLKNOWN, "05", 0, NULL},
    {"LOCAL_PREF from an internal peer", I4, NULL, BASE LP, PFX, NULL, OK, 0, 0, NULL, 0, NULL},

    /* RFC 7606 section 7.6 ATOMIC_AGGREGATE */
    {"ATOMIC_AGGREGATE length 1", E4, NULL, BASE "40060100", PFX, NULL, DISCARD, UPD,
     BGP_UPD_ATTR_LENGTH, "40060100", BGP_ATTR_ATOMIC_AGGREGATE, chk_basic},
    {"ATOMIC_AGGREGATE marked optional", E4, NULL, BASE "c00600", PFX, NULL, DISCARD, UPD,
     BGP_UPD_ATTR_FLAGS, "c00600", BGP_ATTR_ATOMIC_AGGREGATE, NULL},

    /* RFC 7606 section 7.7 AGGREGATOR */
    {"AGGREGATOR length 6 on a four-octet session", E4, NULL, BASE "c00706 fc01 c0000201", PFX,
     NULL, DISCARD, UPD, BGP_UPD_ATTR_LENGTH, "c00706fc01c0000201", BGP_ATTR_AGGREGATOR, chk_basic},
    {"AGGREGATOR length 8 on a two-octet session", E2, NULL, BASE2 "c00708 0000fc01 c0000201", PFX,
     NULL, DISCARD, UPD, BGP_UPD_ATTR_LENGTH, NULL, BGP_ATTR_AGGREGATOR, NULL},
    {"AGGREGATOR with AS 0 (RFC 7607)", E4, NULL, BASE "c00708 00000000 c0000201", PFX, NULL,
     DISCARD, UPD, BGP_UPD_OPTIONAL_ATTR, NULL, BGP_ATTR_AGGREGATOR, NULL},
    {"AGGREGATOR marked well-known", E4, NULL, BASE "400708 0000fc01 c0000201", PFX, NULL, DISCARD,
     UPD, BGP_UPD_ATTR_FLAGS, NULL, BGP_ATTR_AGGREGATOR, NULL},

    /* RFC 7606 section 7.8 COMMUNITIES */
    {"COMMUNITIES length 0", E4, NULL, BASE "c00800", PFX, NULL, TAW, UPD, BGP_UPD_ATTR_LENGTH,
     "c00800", 0, NULL},
    {"COMMUNITIES length 6", E4, NULL, BASE "c00806 fde80001 0000", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_LENGTH, "c00806fde800010000", 0, NULL},
    {"COMMUNITIES marked non-transitive", E4, NULL, BASE "800804 fde80001", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_FLAGS, NULL, 0, NULL},
    {"COMMUNITIES repeated inside: one of each", E4, NULL, BASE "c0080c fde80002 fde80001 fde80002",
     PFX, NULL, OK, 0, 0, NULL, 0, chk_community_set},

    /* RFC 7606 sections 7.9, 7.10 ORIGINATOR_ID, CLUSTER_LIST */
    {"ORIGINATOR_ID length 3 from an internal peer", I4, NULL, BASE LP "800903 c00002", PFX, NULL,
     TAW, UPD, BGP_UPD_ATTR_LENGTH, "800903c00002", 0, NULL},
    {"ORIGINATOR_ID from an external peer", E4, NULL, BASE "800904 c0000202", PFX, NULL, DISCARD, 0,
     0, "", BGP_ATTR_ORIGINATOR_ID, NULL},
    {"CLUSTER_LIST length 6 from an internal peer", I4, NULL, BASE LP "800a06 c0000202 0000", PFX,
     NULL, TAW, UPD, BGP_UPD_ATTR_LENGTH, NULL, 0, NULL},
    {"CLUSTER_LIST length 0 from an internal peer", I4, NULL, BASE LP "800a00", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_LENGTH, "800a00", 0, NULL},
    {"CLUSTER_LIST from an external peer", E4, NULL, BASE "800a04 c0000202", PFX, NULL, DISCARD, 0,
     0, "", BGP_ATTR_CLUSTER_LIST, NULL},
    {"ORIGINATOR_ID and CLUSTER_LIST from an internal peer", I4, NULL,
     BASE LP "800904 c0000202 800a08 c0000202 c6336401", PFX, NULL, OK, 0, 0, NULL, 0, chk_cluster},

    /* RFC 7606 section 7.14, RFC 8092 section 6 */
    {"EXTENDED_COMMUNITIES length 7", E4, NULL, BASE "c01007 0002fde8000000", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_LENGTH, NULL, 0, NULL},
    {"EXTENDED_COMMUNITIES length 0", E4, NULL, BASE "c01000", PFX, NULL, TAW, UPD,
     BGP_UPD_ATTR_LENGTH, "c01000", 0, NULL},
    {"EXTENDED_COMMUNITIES marked non-transitive", E4, NULL, BASE "801008 0002fde800000001", PFX,
     NULL, TAW, UPD, BGP_UPD_ATTR_FLAGS, NULL, 0, NULL},
    {"LARGE_COMMUNITY length 11", E4, NULL, BASE "c0200b 0000fde8 00000001 000000", PFX, NULL, TAW,
     UPD, BGP_UPD_ATTR_LENGTH, NULL, 0, NULL},
    {"LARGE_COMMUNITY length 0", E4, NULL, BASE "c02000", PFX, NULL, TAW, UPD, BGP_UPD_ATTR_LENGTH,
     "c02000", 0, NULL},

    /* RFC 7606 section 3 (g): repeats */
    {"MP_REACH_NLRI twice", E4, NULL, ORIGIN ASP MPR6 MPR6, NULL, NULL, RESET, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"MP_UNREACH_NLRI twice", E4, NULL, MPU6 MPU6, NULL, NULL, RESET, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"COMMUNITIES twice: the first stands", E4, NULL, BASE "c00804 fde80001 c00804 fde80002", PFX,
     NULL, DISCARD, 0, 0, "", BGP_ATTR_COMMUNITIES, chk_first_community},
    {"ORIGIN twice: the first stands", E4, NULL, ORIGIN ASP NH "40010101", PFX, NULL, DISCARD, 0, 0,
     "", BGP_ATTR_ORIGIN, chk_origin_first},
    {"a malformed repeat is dropped unread", E4, NULL, BASE "400305 0000000000", PFX, NULL, DISCARD,
     0, 0, "", BGP_ATTR_NEXT_HOP, chk_nexthop_first},

    /* RFC 7606 section 3 (d): missing well-known attributes */
    {"ORIGIN missing", E4, NULL, ASP NH, PFX, NULL, TAW, UPD, BGP_UPD_MISSING_WELLKNOWN, "01", 0,
     NULL},
    {"AS_PATH missing", E4, NULL, ORIGIN NH, PFX, NULL, TAW, UPD, BGP_UPD_MISSING_WELLKNOWN, "02",
     0, NULL},
    {"no attributes with NLRI", E4, NULL, NULL, PFX, NULL, TAW, UPD, BGP_UPD_MISSING_WELLKNOWN,
     "01", 0, NULL},
    {"AS_PATH missing with MP_REACH_NLRI", E4, NULL, ORIGIN MPR6, NULL, NULL, TAW, UPD,
     BGP_UPD_MISSING_WELLKNOWN, "02", 0, NULL},
    {"no attributes, withdrawals only", E4, PFX, NULL, NULL, NULL, OK, 0, 0, NULL, 0, NULL},

    /* Unrecognised attributes (RFC 4271 sections 5, 6.3) */
    {"unrecognised well-known attribute", E4, NULL, BASE "406302 abcd", PFX, NULL, RESET, UPD,
     BGP_UPD_UNRECOGNIZED_WELLKNOWN, "406302abcd", 0, NULL},
    {"unknown optional transitive kept", E4, NULL, BASE "c06402 abcd", PFX, NULL, OK, 0, 0, NULL, 0,
     chk_unknown_kept},
    {"unknown optional transitive with extended length", E4, NULL, BASE "d0660003 010203", PFX,
     NULL, OK, 0, 0, NULL, 0, chk_unknown_ext},
    {"unknown optional non-transitive dropped", E4, NULL, BASE "806502 abcd", PFX, NULL, OK, 0, 0,
     NULL, 0, chk_no_unknown},

    /* RFC 7606 section 4: the attribute list */
    {"attribute overruns the list", E4, NULL, BASE "c00808 fde80001", PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"two octets after the last attribute", E4, NULL, BASE "c008", PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"extended-length header cut short", E4, NULL, BASE "d00800", PFX, NULL, TAW, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"MP_REACH_NLRI overruns the list", E4, NULL, ORIGIN ASP "800e40 000201", NULL, NULL, RESET,
     UPD, BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"MP_UNREACH_NLRI overruns the list", E4, NULL, ORIGIN ASP "800f40 000201", PFX, NULL, RESET,
     UPD, BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"Withdrawn Routes Length past the end", E4, NULL, NULL, NULL, "0010 0000", RESET, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"Total Path Attribute Length past the end", E4, NULL, NULL, NULL, "0000 0010 40010100", RESET,
     UPD, BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"body shorter than its fixed fields", E4, NULL, NULL, NULL, "000000", RESET, BGP_ERR_HEADER,
     BGP_HDR_BAD_LENGTH, "0016", 0, NULL},

    /* RFC 7606 section 5.3: NLRI */
    {"NLRI prefix length 33", E4, NULL, BASE, "21 c6336401 00", NULL, RESET, UPD,
     BGP_UPD_INVALID_NETWORK, "", 0, NULL},
    {"NLRI prefix runs past the end", E4, NULL, BASE, "18 c633", NULL, RESET, UPD,
     BGP_UPD_INVALID_NETWORK, "", 0, NULL},
    {"withdrawn prefix length 33", E4, "21 c6336401 00", NULL, NULL, NULL, RESET, UPD,
     BGP_UPD_INVALID_NETWORK, "", 0, NULL},
    {"withdrawn /0 and /32", E4, "00 20c6336401", NULL, NULL, NULL, OK, 0, 0, NULL, 0,
     chk_two_withdrawn},
    {"bits past the prefix length cleared", E4, NULL, BASE, "17 c63365", NULL, OK, 0, 0, NULL, 0,
     chk_host_bits},

    /* RFC 4760 / RFC 7606 sections 5.3, 7.11, 7.12 */
    {"MP_REACH_NLRI IPv6", E4, NULL, ORIGIN ASP MPR6, NULL, NULL, OK, 0, 0, NULL, 0, chk_mp6},
    {"MP_REACH_NLRI IPv6 with link-local (RFC 2545)", E4, NULL,
     ORIGIN ASP "800e2a 000201 20 " NH6 " fe800000000000000000000000000001 00 2020010db8", NULL,
     NULL, OK, 0, 0, NULL, 0, chk_mp6_ll},
    {"MP_REACH_NLRI IPv6 with an all-zero link-local", E4, NULL,
     ORIGIN ASP "800e2a 000201 20 " NH6 " 00000000000000000000000000000000 00 2020010db8", NULL,
     NULL, OK, 0, 0, NULL, 0, chk_mp6_zero_ll},
    {"MP_REACH_NLRI second next hop not link-local", E4, NULL,
     ORIGIN ASP "800e2a 000201 20 " NH6 " 20010db8000000000000000000000002 00 2020010db8", NULL,
     NULL, TAW, UPD, BGP_UPD_OPTIONAL_ATTR, NULL, 0, NULL},
    {"MP_REACH_NLRI multicast next hop", E4, NULL,
     ORIGIN ASP "800e1a 000201 10 ff020000000000000000000000000001 00 2020010db8", NULL, NULL, TAW,
     UPD, BGP_UPD_OPTIONAL_ATTR, NULL, 0, NULL},
    {"MP_REACH_NLRI next hop length 4 for IPv6", E4, NULL,
     ORIGIN ASP "800e0e 000201 04 c0000201 00 2020010db8", NULL, NULL, RESET, UPD,
     BGP_UPD_OPTIONAL_ATTR, "800e0e00020104c0000201002020010db8", 0, NULL},
    {"MP_REACH_NLRI shorter than 5 octets", E4, NULL, ORIGIN ASP "800e04 00020110", NULL, NULL,
     RESET, UPD, BGP_UPD_ATTR_LENGTH, "800e0400020110", 0, NULL},
    {"MP_REACH_NLRI next hop past the attribute", E4, NULL, ORIGIN ASP "800e08 000201 10 20010db8",
     NULL, NULL, RESET, UPD, BGP_UPD_OPTIONAL_ATTR,
     "800e0800020110"
     "20010db8",
     0, NULL},
    {"MP_REACH_NLRI prefix length 129", E4, NULL,
     ORIGIN ASP "800e27 000201 10 " NH6 " 00 81 " NH6 " 00", NULL, NULL, RESET, UPD,
     BGP_UPD_OPTIONAL_ATTR, NULL, 0, NULL},
    {"MP_REACH_NLRI prefix past the attribute", E4, NULL,
     ORIGIN ASP "800e18 000201 10 " NH6 " 00 20 2001", NULL, NULL, RESET, UPD,
     BGP_UPD_OPTIONAL_ATTR, NULL, 0, NULL},
    {"MP_REACH_NLRI marked transitive", E4, NULL,
     ORIGIN ASP "c00e1a 000201 10 " NH6 " 00 2020010db8", NULL, NULL, RESET, UPD,
     BGP_UPD_ATTR_FLAGS, "c00e1a00020110" NH6 "002020010db8", 0, NULL},
    {"MP_REACH_NLRI for a family not negotiated", E4_V4ONLY, NULL, BASE MPR6, PFX, NULL, OK, 0, 0,
     NULL, 0, chk_reach_ignored},
    {"MP_REACH_NLRI for an unknown AFI/SAFI", E4, NULL,
     ORIGIN ASP "800e0c 001941 04 c0000201 00 abcdef", NULL, NULL, OK, 0, 0, NULL, 0,
     chk_reach_ignored},
    {"MP_REACH_NLRI IPv4", E4, NULL, ORIGIN ASP "800e0d 000101 04 c0000202 00 18c63364", NULL, NULL,
     OK, 0, 0, NULL, 0, chk_mp4},
    {"MP_REACH_NLRI IPv4 next hop length 16", E4, NULL,
     ORIGIN ASP "800e19 000101 10 " NH6 " 00 18c63364", NULL, NULL, RESET, UPD,
     BGP_UPD_OPTIONAL_ATTR, NULL, 0, NULL},
    {"MP_UNREACH_NLRI shorter than 3 octets", E4, NULL, "800f02 0002", NULL, NULL, RESET, UPD,
     BGP_UPD_ATTR_LENGTH, "800f020002", 0, NULL},
    {"MP_UNREACH_NLRI prefix length 129", E4, NULL, "800f05 000201 8100", NULL, NULL, RESET, UPD,
     BGP_UPD_OPTIONAL_ATTR, "800f050002018100", 0, NULL},
    {"MP_UNREACH_NLRI marked transitive", E4, NULL, "c00f03 000201", NULL, NULL, RESET, UPD,
     BGP_UPD_ATTR_FLAGS, "c00f03000201", 0, NULL},
    {"MP_UNREACH_NLRI IPv6", E4, NULL, MPU6, NULL, NULL, OK, 0, 0, NULL, 0, chk_unreach6},
    {"IPv4 NLRI on an IPv6-only session", E4_V6ONLY, NULL, BASE, PFX, NULL, OK, 0, 0, NULL, 0,
     chk_v4_ignored},

    /* RFC 4724 section 2: End-of-RIB */
    {"End-of-RIB IPv4", E4, NULL, NULL, NULL, "0000 0000", OK, 0, 0, NULL, 0, chk_eor4},
    {"End-of-RIB IPv6", E4, NULL, "800f03 000201", NULL, NULL, OK, 0, 0, NULL, 0, chk_eor6},
    {"empty MP_UNREACH_NLRI with other attributes", E4, NULL, ORIGIN "800f03 000201", NULL, NULL,
     OK, 0, 0, NULL, 0, chk_not_eor},
    {"End-of-RIB of a family not negotiated", E4_V4ONLY, NULL, "800f03 000201", NULL, NULL, OK, 0,
     0, NULL, 0, chk_eor_ignored},

    /* RFC 7606 section 3 (h): the strongest approach wins */
    {"treat-as-withdraw beats discard", E4, NULL, "40010103" ASP NH "40060100", PFX, NULL, TAW, UPD,
     BGP_UPD_INVALID_ORIGIN, "40010103", 0, chk_tw_and_discard},
    {"discard first, then treat-as-withdraw", E4, NULL, "40060100" BASE "c00800", PFX, NULL, TAW,
     UPD, BGP_UPD_ATTR_LENGTH, "c00800", 0, chk_tw_and_discard},
    {"reset beats treat-as-withdraw", E4, NULL, "40010103" ASP NH MPR6 MPR6, PFX, NULL, RESET, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},

    /* RFC 7606 section 5.2: errors without reachable NLRI */
    {"malformed ORIGIN in a withdrawal resets", E4, PFX, "40010103", NULL, NULL, RESET, UPD,
     BGP_UPD_INVALID_ORIGIN, "40010103", 0, NULL},
    {"malformed attribute beside MP_UNREACH_NLRI resets", E4, NULL, "40010103" MPU6, NULL, NULL,
     RESET, UPD, BGP_UPD_INVALID_ORIGIN, "40010103", 0, NULL},
    {"malformed attribute beside an empty MP_REACH_NLRI resets", E4, NULL,
     "40010103" ASP "800e15 000201 10 " NH6 " 00", NULL, NULL, RESET, UPD, BGP_UPD_INVALID_ORIGIN,
     NULL, 0, NULL},
    {"overrun without NLRI resets", E4, PFX, ORIGIN "c00808 fde80001", NULL, NULL, RESET, UPD,
     BGP_UPD_MALFORMED_ATTR_LIST, "", 0, NULL},
    {"discard without NLRI stays a discard", E4, PFX, "c00706 fc01 c0000201", NULL, NULL, DISCARD,
     UPD, BGP_UPD_ATTR_LENGTH, NULL, BGP_ATTR_AGGREGATOR, NULL},

    /* RFC 6793: AS4_* on four-octet sessions, malformed on two-octet ones */
    {"AS4_PATH from a four-octet speaker", E4, NULL, BASE "c01106 0201 fa56ea01", PFX, NULL,
     DISCARD, 0, 0, "", BGP_ATTR_AS4_PATH, chk_path_kept},
    {"AS4_AGGREGATOR from a four-octet speaker", E4, NULL, BASE "c01208 fa56ea01 c0000201", PFX,
     NULL, DISCARD, 0, 0, "", BGP_ATTR_AS4_AGGREGATOR, NULL},
    {"AS4_PATH shorter than 6", E2, NULL, BASE2 "c01104 0201fa56", PFX, NULL, DISCARD, UPD,
     BGP_UPD_ATTR_LENGTH, "c011040201fa56", BGP_ATTR_AS4_PATH, NULL},
    {"AS4_PATH bad segment", E2, NULL, BASE2 "c01106 0202fa56ea01", PFX, NULL, DISCARD, UPD,
     BGP_UPD_OPTIONAL_ATTR, NULL, BGP_ATTR_AS4_PATH, NULL},
    {"AS4_PATH with AS 0", E2, NULL, BASE2 "c01106 0201 00000000", PFX, NULL, DISCARD, UPD,
     BGP_UPD_OPTIONAL_ATTR, NULL, BGP_ATTR_AS4_PATH, NULL},
    {"AS4_PATH marked well-known", E2, NULL, BASE2 "401106 0201fa56ea01", PFX, NULL, DISCARD, UPD,
     BGP_UPD_ATTR_FLAGS, NULL, BGP_ATTR_AS4_PATH, NULL},
    {"AS4_AGGREGATOR length 7", E2, NULL, BASE2 "c00706 5ba0 c0000201 c01207 fa56ea01c00002", PFX,
     NULL, DISCARD, UPD, BGP_UPD_ATTR_LENGTH, NULL, BGP_ATTR_AS4_AGGREGATOR, NULL},
    {"AS4_AGGREGATOR with AS 0", E2, NULL, BASE2 "c00706 5ba0 c0000201 c01208 00000000c0000201",
     PFX, NULL, DISCARD, UPD, BGP_UPD_OPTIONAL_ATTR, NULL, BGP_ATTR_AS4_AGGREGATOR, NULL},
};

const size_t bgp_update_nvectors = sizeof(bgp_update_vectors) / sizeof(bgp_update_vectors[0]);
