/*
 * BGP UPDATE messages (RFC 4271 section 4.3): parsing with the revised
 * error handling of RFC 7606, and building with update packing.
 *
 * Parsing takes the body of one UPDATE (what follows the 19-octet header;
 * the header itself is bgp_msg's) and sorts every problem into one of the
 * four RFC 7606 outcomes, the strongest winning (RFC 7606 section 3 (h)):
 *
 *   UPD_OK                  use the update as it is.
 *   UPD_ATTR_DISCARD        some attribute was dropped (see discarded and
 *                           reason); the update is otherwise good.
 *   UPD_TREAT_AS_WITHDRAW   every prefix the update announces (nlri and
 *                           mp_reach) is to be withdrawn; withdrawn and
 *                           mp_unreach still apply; attrs must not be used.
 *   UPD_SESSION_RESET       send error as a NOTIFICATION and close; no
 *                           other field is meaningful.
 *
 * Decisions this parser makes that the RFCs leave open:
 *   - MP_REACH_NLRI / MP_UNREACH_NLRI for an AFI/SAFI the session did not
 *     negotiate: treat-as-withdraw for that AFI/SAFI alone (RFC 4760
 *     section 7 lets us pick). The session holds no routes of that family,
 *     so its prefixes are not returned (count 0) and a flag says so; the
 *     rest of the update is processed normally. FRR ignores such an
 *     attribute, which comes to the same thing. IPv4 prefixes in the
 *     classic fields on a session without IPv4 unicast: likewise.
 *   - Errors inside MP_REACH_NLRI / MP_UNREACH_NLRI, and NLRI that cannot
 *     be parsed, reset the session (RFC 7606 sections 3 (j), 5.3, 7.11 allow
 *     "AFI/SAFI disable" instead; we do not implement it).
 *   - An attribute that overruns the attribute list is treat-as-withdraw
 *     (RFC 7606 section 4), except when it is an MP_REACH_NLRI or
 *     MP_UNREACH_NLRI: its NLRI cannot be found, so the session is reset.
 *   - A NEXT_HOP that is not a usable host address (0/8, 127/8, 224/4,
 *     240/4, or our own address on the session) is treat-as-withdraw (RFC
 *     7606 section 7.3 over RFC 4271 section 6.3); so is an MP_REACH_NLRI
 *     next hop that is multicast, loopback, unspecified without a
 *     link-local, or whose second address is not link-local (RFC 2545).
 *   - An internal peer that omits LOCAL_PREF in an update with NLRI: treat-
 *     as-withdraw, as a missing well-known attribute (RFC 4271 section
 *     5.1.5 "SHALL be included", RFC 7606 section 3 (d)).
 *   - AS_SET and AS_CONFED_SET: accepted unless ctx.reject_as_sets (RFC
 *     9774 section 3 makes treat-as-withdraw the default "unless configured
 *     otherwise"; the configuration layer owns that default).
 *   - Attribute flags: only the Optional and Transitive bits are checked
 *     (RFC 7606 section 3 (c)); a Partial bit on a well-known attribute is
 *     tolerated.
 *   - Attributes with RFC 7606 rules that we do not decode (Traffic
 *     Engineering, IPv6 Address Specific Extended Community, ATTR_SET:
 *     sections 7.13, 7.15, 7.16) are unrecognised optional transitive ones
 *     here: kept raw and passed on, never judged malformed.
 *
 * Also applied: an UPDATE with attributes but no reachable NLRI turns
 * treat-as-withdraw into a reset (RFC 7606 section 5.2); confederation
 * segments from an external peer make a malformed AS_PATH (RFC 5065
 * section 6); AS 0 in a path or aggregator is malformed (RFC 7607).
 *
 * Ownership: the parser writes a struct bgp_update the caller provides;
 * every array in it (prefixes, AS path, communities, unknown attributes)
 * is allocated from the caller's arena, nothing points into the message,
 * and all of it lives until the caller resets the arena. An arena of
 * BGP_UPDATE_ARENA_SIZE(body length) bytes never runs out; with a smaller
 * one a parse may end in UPD_SESSION_RESET with Cease / Out of Resources.
 *
 * Building writes whole messages (header included) into a caller's
 * builder; see bgp_update_build().
 */
#ifndef SKYGATE_BGP_UPDATE_H
#define SKYGATE_BGP_UPDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_attr.h"
#include "bgp_proto.h"
#include "cursor.h"
#include "prefix.h"

/* Address families a session negotiated (RFC 4760 section 8). */
#define BGP_UPD_AF_IPV4_UNICAST (1u << 0)
#define BGP_UPD_AF_IPV6_UNICAST (1u << 1)

/* What the parser and builder need to know about the session. */
struct bgp_update_ctx {
	bool as4;          /* both sides sent the four-octet AS capability (RFC 6793) */
	bool ebgp;         /* peer outside our AS and our confederation */
	bool extended_msg; /* RFC 8654: messages up to 65535 octets */
	unsigned families; /* BGP_UPD_AF_* negotiated */
	bool has_local4;   /* our address on the session, for the NEXT_HOP check */
	uint8_t local4[4];
	bool has_local6;
	uint8_t local6[16];
	bool reject_as_sets; /* AS_SET/AS_CONFED_SET in a path: treat-as-withdraw (RFC 9774) */
};

enum bgp_update_outcome {
	UPD_OK = 0,
	UPD_ATTR_DISCARD,
	UPD_TREAT_AS_WITHDRAW,
	UPD_SESSION_RESET,
};

/* struct bgp_update.flags */
#define BGP_UPD_F_EOR                (1u << 0) /* End-of-RIB for eor_afi/eor_safi (RFC 4724 2) */
#define BGP_UPD_F_MP_REACH_IGNORED   (1u << 1) /* MP_REACH_NLRI of a family not negotiated */
#define BGP_UPD_F_MP_UNREACH_IGNORED (1u << 2) /* MP_UNREACH_NLRI of a family not negotiated */
#define BGP_UPD_F_IPV4_IGNORED       (1u << 3) /* classic fields, IPv4 unicast not negotiated */

/* The NLRI of an MP_REACH_NLRI or MP_UNREACH_NLRI attribute. The next hop
 * of MP_REACH_NLRI is in attrs.mp_nexthop, so that it interns with them
 * (family AF_INET6, or AF_INET for IPv4 unicast carried in MP_REACH_NLRI). */
struct bgp_update_mp {
	bool present;
	uint16_t afi;
	uint8_t safi;
	size_t count;
	struct prefix *prefixes;
};

struct bgp_update {
	enum bgp_update_outcome outcome;
	unsigned flags;   /* BGP_UPD_F_* */
	uint16_t eor_afi; /* with BGP_UPD_F_EOR */
	uint8_t eor_safi;

	size_t nwithdrawn; /* IPv4 Withdrawn Routes */
	struct prefix *withdrawn;
	size_t nnlri; /* IPv4 Network Layer Reachability Information */
	struct prefix *nlri;
	struct bgp_update_mp mp_reach;
	struct bgp_update_mp mp_unreach;
	struct bgp_attrs attrs;

	/*
	 * Diagnostics. discarded: a bit per attribute type code dropped under
	 * "attribute discard" (bgp_update_discarded()). reason: what decided
	 * the outcome, for the log. error: for UPD_SESSION_RESET the
	 * NOTIFICATION to send (RFC 4271 section 6.3 subcode and data); for
	 * the milder outcomes the NOTIFICATION RFC 4271 alone would have sent,
	 * for the log only (code 0 when the problem is no RFC 4271 error).
	 * NOTIFICATION data longer than BGP_ERROR_DATA_MAX is cut short.
	 */
	uint64_t discarded[4];
	uint8_t reason_attr; /* attribute type code concerned, 0 if none */
	char reason[128];
	struct bgp_error error;
};

/* Arena bytes that always suffice to parse a body of len octets: the
 * worst case is one struct prefix per octet of NLRI, plus slack. */
#define BGP_UPDATE_ARENA_SIZE(len) ((size_t)(len) * (sizeof(struct prefix) + 4) + 8192)

/*
 * Parse the UPDATE body (the message after its 19-octet header, len =
 * message length - 19) received on a session described by ctx. Every field
 * of *out is written. Returns out->outcome.
 */
enum bgp_update_outcome bgp_update_parse(const struct bgp_update_ctx *ctx, const uint8_t *body,
                                         size_t len, struct bgp_arena *arena,
                                         struct bgp_update *out);

bool bgp_update_discarded(const struct bgp_update *u, uint8_t type);
const char *bgp_update_outcome_name(enum bgp_update_outcome outcome);

/* Largest message the session allows: 4096, or 65535 with RFC 8654. */
size_t bgp_update_max_len(const struct bgp_update_ctx *ctx);

/*
 * What to send for one address family. All borrowed for the call.
 * announce needs attrs: ORIGIN and AS_PATH, LOCAL_PREF towards an internal
 * peer, and NEXT_HOP (IPv4) or an IPv6 mp_nexthop (IPv6).
 */
struct bgp_update_spec {
	int family;                    /* AF_INET or AF_INET6 (unicast) */
	const struct bgp_attrs *attrs; /* canonical form; only for announce */
	const struct prefix *withdraw;
	size_t nwithdraw;
	const struct prefix *announce; /* all sharing attrs */
	size_t nannounce;
};

/*
 * Append one UPDATE (header included) to b, at most max_len octets (and no
 * more than the session allows), packing as many prefixes as fit.
 * Following RFC 7606 section 5.1 a message carries only one kind of NLRI:
 * while withdrawals remain it withdraws (Withdrawn Routes for IPv4,
 * MP_UNREACH_NLRI for IPv6), else it announces (attributes and NLRI for
 * IPv4; MP_REACH_NLRI as the very first attribute, then the others in
 * type-code order, for IPv6). *nwithdrawn and *nannounced say how many of
 * the front of each list went in; call again with the rest until both are
 * used up. Returns 0, or -1 with both counts 0 when there is nothing to
 * send, attrs lack what an announcement needs, a prefix is of the wrong
 * family or not even one prefix fits (nothing appended), or b fails (b is
 * then failed and may hold part of a message).
 */
int bgp_update_build(struct builder *b, const struct bgp_update_ctx *ctx,
                     const struct bgp_update_spec *spec, size_t max_len, size_t *nwithdrawn,
                     size_t *nannounced);

/*
 * Append an End-of-RIB marker (RFC 4724 section 2): for IPv4 unicast an
 * empty UPDATE, otherwise one holding only an empty MP_UNREACH_NLRI.
 * Returns 0, or -1 if b failed.
 */
int bgp_update_build_eor(struct builder *b, uint16_t afi, uint8_t safi);

#endif
