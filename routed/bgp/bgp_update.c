/*
 * BGP UPDATE: parse with RFC 7606 error handling, build with packing.
 */
#include "bgp_update.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define FLAG_OT      (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE)
#define WELL_KNOWN   BGP_ATTR_FLAG_TRANSITIVE
#define OPT_TRANS    (BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE)
#define OPT_NONTRANS BGP_ATTR_FLAG_OPTIONAL

/*
 * For each attribute we recognise: the Optional/Transitive bits it must
 * carry (RFC 4271 section 5 and the attribute's RFC) and the RFC 7606
 * approach for a malformed value or conflicting flags (section 3 (c) sends
 * flag conflicts to the same approach).
 */
struct attr_rule {
	bool known;
	uint8_t flags;
	enum bgp_update_outcome on_error;
};

static const struct attr_rule rules[256] = {
    [BGP_ATTR_ORIGIN] = {true, WELL_KNOWN, UPD_TREAT_AS_WITHDRAW},           /* 7606 7.1 */
    [BGP_ATTR_AS_PATH] = {true, WELL_KNOWN, UPD_TREAT_AS_WITHDRAW},          /* 7606 7.2 */
    [BGP_ATTR_NEXT_HOP] = {true, WELL_KNOWN, UPD_TREAT_AS_WITHDRAW},         /* 7606 7.3 */
    [BGP_ATTR_MED] = {true, OPT_NONTRANS, UPD_TREAT_AS_WITHDRAW},            /* 7606 7.4 */
    [BGP_ATTR_LOCAL_PREF] = {true, WELL_KNOWN, UPD_TREAT_AS_WITHDRAW},       /* 7606 7.5 */
    [BGP_ATTR_ATOMIC_AGGREGATE] = {true, WELL_KNOWN, UPD_ATTR_DISCARD},      /* 7606 7.6 */
    [BGP_ATTR_AGGREGATOR] = {true, OPT_TRANS, UPD_ATTR_DISCARD},             /* 7606 7.7 */
    [BGP_ATTR_COMMUNITIES] = {true, OPT_TRANS, UPD_TREAT_AS_WITHDRAW},       /* 7606 7.8 */
    [BGP_ATTR_ORIGINATOR_ID] = {true, OPT_NONTRANS, UPD_TREAT_AS_WITHDRAW},  /* 7606 7.9 */
    [BGP_ATTR_CLUSTER_LIST] = {true, OPT_NONTRANS, UPD_TREAT_AS_WITHDRAW},   /* 7606 7.10 */
    [BGP_ATTR_MP_REACH_NLRI] = {true, OPT_NONTRANS, UPD_SESSION_RESET},      /* 7606 7.11, 5.3 */
    [BGP_ATTR_MP_UNREACH_NLRI] = {true, OPT_NONTRANS, UPD_SESSION_RESET},    /* 7606 7.12, 5.3 */
    [BGP_ATTR_EXT_COMMUNITIES] = {true, OPT_TRANS, UPD_TREAT_AS_WITHDRAW},   /* 7606 7.14 */
    [BGP_ATTR_AS4_PATH] = {true, OPT_TRANS, UPD_ATTR_DISCARD},               /* 6793 6 */
    [BGP_ATTR_AS4_AGGREGATOR] = {true, OPT_TRANS, UPD_ATTR_DISCARD},         /* 6793 6 */
    [BGP_ATTR_LARGE_COMMUNITIES] = {true, OPT_TRANS, UPD_TREAT_AS_WITHDRAW}, /* 8092 6 */
};

/* State of one parse. */
struct parse {
	const struct bgp_update_ctx *ctx;
	struct bgp_arena *arena;
	struct bgp_update *u;
	uint64_t seen[4];           /* type codes met so far (RFC 7606 section 3 (g)) */
	size_t nattrs;              /* attributes met, repeats included */
	bool other_than_unreach;    /* an attribute other than MP_UNREACH_NLRI (section 5.2) */
	bool reach_nlri;            /* MP_REACH_NLRI carries NLRI octets (section 5.2) */
	bool stop;                  /* session reset decided: parse no further */
	const uint8_t *nexthop_raw; /* NEXT_HOP as received, for its NOTIFICATION data */
	size_t nexthop_rawlen;
	bool has_as4_path;
	struct bgp_aspath as4_path;
	bool has_as4_aggregator;
	uint32_t as4_aggregator_as;
	uint8_t as4_aggregator_addr[4];
	size_t nunknown;
	struct bgp_attr_raw unknown[256]; /* one per type at most: repeats are dropped */
};

/* --- outcomes --------------------------------------------------------------- */

const char *bgp_update_outcome_name(enum bgp_update_outcome outcome)
{
	switch (outcome) {
	case UPD_OK:
		return "ok";
	case UPD_ATTR_DISCARD:
		return "attribute-discard";
	case UPD_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case UPD_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}

bool bgp_update_discarded(const struct bgp_update *u, uint8_t type)
{
	return (u->discarded[type / 64] >> (type % 64)) & 1;
}

static void set_reason(struct bgp_update *u, uint8_t attr, const char *why)
{
	const char *name = bgp_attr_name(attr);
	int n;

	if (attr == 0)
		n = snprintf(u->reason, sizeof(u->reason), "UPDATE: %s", why);
	else if (name != NULL)
		n = snprintf(u->reason, sizeof(u->reason), "%s: %s", name, why);
	else
		n = snprintf(u->reason, sizeof(u->reason), "attribute %u: %s", (unsigned)attr, why);
	if (n < 0)
		u->reason[0] = '\0';
}

static void set_error(struct bgp_error *e, uint8_t code, uint8_t subcode, const uint8_t *data,
                      size_t len)
{
	memset(e, 0, sizeof(*e));
	e->code = code;
	e->subcode = subcode;
	if (len > BGP_ERROR_DATA_MAX)
		len = BGP_ERROR_DATA_MAX;
	if (len > 0)
		memcpy(e->data, data, len);
	e->data_len = (uint16_t)len;
}

/*
 * Record a problem. The first problem of a new, stronger outcome decides
 * the outcome, the reason and the NOTIFICATION (RFC 7606 section 3 (h):
 * the strongest approach wins). subcode 0: no RFC 4271 error applies.
 * data: what RFC 4271 section 6.3 puts in the NOTIFICATION, usually the
 * whole attribute (type, length, value) as received.
 */
static void note(struct parse *p, enum bgp_update_outcome level, uint8_t attr, uint8_t subcode,
                 const uint8_t *data, size_t len, const char *why)
{
	struct bgp_update *u = p->u;

	if (level == UPD_ATTR_DISCARD)
		u->discarded[attr / 64] |= (uint64_t)1 << (attr % 64);
	if (level == UPD_SESSION_RESET)
		p->stop = true;
	if (level <= u->outcome)
		return;
	u->outcome = level;
	u->reason_attr = attr;
	set_reason(u, attr, why);
	if (subcode != 0)
		set_error(&u->error, BGP_ERR_UPDATE, subcode, data, len);
	else
		set_error(&u->error, 0, 0, NULL, 0);
}

/* The arena was too small: not the peer's fault, but the update cannot be
 * processed, and dropping it silently would desynchronise the RIB. */
static void out_of_memory(struct parse *p)
{
	struct bgp_update *u = p->u;

	p->stop = true;
	u->outcome = UPD_SESSION_RESET;
	u->reason_attr = 0;
	set_reason(u, 0, "parse arena exhausted");
	set_error(&u->error, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0);
}

/* --- NLRI ------------------------------------------------------------------- */

/*
 * Parse a run of (length, prefix) pairs (RFC 4271 section 4.3, RFC 4760
 * section 5). Malformed (RFC 7606 section 5.3): a length over the family's
 * maximum, or a prefix running past the end. Bits past the length are
 * cleared. Returns 0, -1 malformed, -2 arena full.
 */
static int nlri_parse(struct parse *p, struct cursor field, int family, struct prefix **out,
                      size_t *count)
{
	const unsigned max = prefix_max_len(family);
	struct cursor scan = field;
	size_t n = 0;

	*out = NULL;
	*count = 0;
	while (cursor_remaining(&scan) > 0) {
		uint8_t len = 0;
		cursor_get_u8(&scan, &len);
		if (len > max || cursor_skip(&scan, (len + 7u) / 8) < 0)
			return -1;
		n++;
	}
	if (n == 0)
		return 0;
	struct prefix *v = bgp_arena_alloc(p->arena, n * sizeof(*v));
	if (v == NULL)
		return -2;
	for (size_t i = 0; i < n; i++) {
		uint8_t len = 0;
		memset(&v[i], 0, sizeof(v[i]));
		cursor_get_u8(&field, &len);
		v[i].family = (uint8_t)family;
		v[i].len = len;
		cursor_get_bytes(&field, v[i].addr, (len + 7u) / 8);
		prefix_normalize(&v[i]);
	}
	if (!cursor_ok(&field))
		return -1;
	*out = v;
	*count = n;
	return 0;
}

/* The family an (AFI, SAFI) stands for if the session negotiated it. */
static int negotiated_family(const struct bgp_update_ctx *ctx, uint16_t afi, uint8_t safi)
{
	if (safi != BGP_SAFI_UNICAST)
		return 0;
	if (afi == BGP_AFI_IPV4_WIRE && (ctx->families & BGP_UPD_AF_IPV4_UNICAST))
		return AF_INET;
	if (afi == BGP_AFI_IPV6_WIRE && (ctx->families & BGP_UPD_AF_IPV6_UNICAST))
		return AF_INET6;
	return 0;
}

/* --- next hop checks ----------------------------------------------------------- */

/* RFC 4271 section 6.3: a next hop must be a valid host address and not
 * ours. Not valid as a host: 0/8, 127/8, 224/4 (multicast), 240/4. */
static bool ipv4_nexthop_usable(const struct bgp_update_ctx *ctx, const uint8_t a[4])
{
	if (a[0] == 0 || a[0] == 127 || a[0] >= 224)
		return false;
	return !(ctx->has_local4 && memcmp(a, ctx->local4, 4) == 0);
}

/* The same for IPv6 (RFC 2545 section 3): global neither multicast nor
 * loopback, unspecified only beside a link-local; the second address, if
 * any, link-local (fe80::/10). */
static bool ipv6_nexthop_usable(const struct bgp_update_ctx *ctx, const struct bgp_mp_nexthop *nh)
{
	static const uint8_t zero[16];
	static const uint8_t loopback[16] = {[15] = 1};
	const uint8_t *g = nh->global, *ll = nh->link_local;

	if (g[0] == 0xff || memcmp(g, loopback, 16) == 0)
		return false;
	if (memcmp(g, zero, 16) == 0 && !nh->has_link_local)
		return false;
	if (nh->has_link_local && !(ll[0] == 0xfe && (ll[1] & 0xc0) == 0x80))
		return false;
	return !(ctx->has_local6 && memcmp(g, ctx->local6, 16) == 0);
}

/* --- MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) ------------------------------ */

static void parse_mp_reach(struct parse *p, struct cursor *v, const uint8_t *raw, size_t rawlen)
{
	struct bgp_update *u = p->u;
	struct bgp_mp_nexthop *nh = &u->attrs.mp_nexthop;
	uint16_t afi = 0;
	uint8_t safi = 0, nhlen = 0, reserved = 0;
	struct cursor nhc;

	/* RFC 7606 section 5.3: AFI, SAFI, next hop length, reserved. */
	if (cursor_remaining(v) < 5) {
		note(p, UPD_SESSION_RESET, BGP_ATTR_MP_REACH_NLRI, BGP_UPD_ATTR_LENGTH, raw, rawlen,
		     "shorter than 5 octets (RFC 7606 section 5.3)");
		return;
	}
	cursor_get_u16(v, &afi);
	cursor_get_u8(v, &safi);
	cursor_get_u8(v, &nhlen);
	u->mp_reach.present = true;
	u->mp_reach.afi = afi;
	u->mp_reach.safi = safi;

	int family = negotiated_family(p->ctx, afi, safi);
	if (family == 0) {
		/* Treat-as-withdraw for that AFI/SAFI alone: we hold no routes
		 * of it, so there is nothing to return (RFC 4760 section 7). */
		u->flags |= BGP_UPD_F_MP_REACH_IGNORED;
		p->reach_nlri = cursor_remaining(v) > (size_t)nhlen + 1;
		return;
	}
	if (cursor_sub(v, nhlen, &nhc) < 0 || cursor_get_u8(v, &reserved) < 0) {
		note(p, UPD_SESSION_RESET, BGP_ATTR_MP_REACH_NLRI, BGP_UPD_OPTIONAL_ATTR, raw,
		     rawlen, "next hop runs past the attribute (RFC 7606 section 7.11)");
		return;
	}
	/* RFC 7606 section 7.11: a next hop length the AFI does not allow.
	 * IPv4 is 4 (RFC 8950 extended next hops are not negotiated); IPv6 is
	 * a global address, optionally followed by a link-local (RFC 2545). */
	if (family == AF_INET ? nhlen != 4 : (nhlen != 16 && nhlen != 32)) {
		note(p, UPD_SESSION_RESET, BGP_ATTR_MP_REACH_NLRI, BGP_UPD_OPTIONAL_ATTR, raw,
		     rawlen, "next hop length does not fit the AFI (RFC 7606 section 7.11)");
		return;
	}
	memset(nh, 0, sizeof(*nh));
	nh->family = (uint8_t)family;
	cursor_get_bytes(&nhc, nh->global, family == AF_INET ? 4 : 16);
	if (nhlen == 32) {
		cursor_get_bytes(&nhc, nh->link_local, 16);
		/* Some speakers send 32 octets with an all-zero second half. */
		static const uint8_t zero[16];
		nh->has_link_local = memcmp(nh->link_local, zero, 16) != 0;
	}
	p->reach_nlri = cursor_remaining(v) > 0;

	int rc = nlri_parse(p, *v, family, &u->mp_reach.prefixes, &u->mp_reach.count);
	if (rc == -2) {
		out_of_memory(p);
		return;
	}
	if (rc < 0) {
		note(p, UPD_SESSION_RESET, BGP_ATTR_MP_REACH_NLRI, BGP_UPD_OPTIONAL_ATTR, raw,
		     rawlen, "malformed NLRI (RFC 7606 section 5.3)");
		return;
	}
	if (u->mp_reach.count > 0 && !(family == AF_INET ? ipv4_nexthop_usable(p->ctx, nh->global)
	                                                 : ipv6_nexthop_usable(p->ctx, nh))) {
		note(p, UPD_TREAT_AS_WITHDRAW, BGP_ATTR_MP_REACH_NLRI, BGP_UPD_OPTIONAL_ATTR, raw,
		     rawlen, "next hop is not a usable address (RFC 4271 section 6.3, RFC 2545)");
	}
}

static void parse_mp_unreach(struct parse *p, struct cursor *v, const uint8_t *raw, size_t rawlen)
{
	struct bgp_update *u = p->u;
	uint16_t afi = 0;
	uint8_t safi = 0;

	if (cursor_remaining(v) < 3) {
		note(p, UPD_SESSION_RESET, BGP_ATTR_MP_UNREACH_NLRI, BGP_UPD_ATTR_LENGTH, raw,
		     rawlen, "shorter than 3 octets (RFC 7606 section 5.3)");
		return;
	}
	cursor_get_u16(v, &afi);
	cursor_get_u8(v, &safi);
	u->mp_unreach.present = true;
	u->mp_unreach.afi = afi;
	u->mp_unreach.safi = safi;

	int family = negotiated_family(p->ctx, afi, safi);
	if (family == 0) {
		u->flags |= BGP_UPD_F_MP_UNREACH_IGNORED;
		return;
	}
	int rc = nlri_parse(p, *v, family, &u->mp_unreach.prefixes, &u->mp_unreach.count);
	if (rc == -2)
		out_of_memory(p);
	else if (rc < 0)
		note(p, UPD_SESSION_RESET, BGP_ATTR_MP_UNREACH_NLRI, BGP_UPD_OPTIONAL_ATTR, raw,
		     rawlen, "malformed NLRI (RFC 7606 section 5.3)");
}

/* --- AS4_PATH / AS4_AGGREGATOR (RFC 6793, two-octet sessions) --------------- */

static void parse_as4_path(struct parse *p, struct cursor *v, const uint8_t *raw, size_t rawlen)
{
	size_t len = cursor_remaining(v);
	struct bgp_aspath path;
	const char *why = "";

	/* RFC 6793 section 6: malformed AS4_PATH is discarded. */
	if (len < 6 || len % 2 != 0) {
		note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_PATH, BGP_UPD_ATTR_LENGTH, raw, rawlen,
		     "length is odd or under 6 (RFC 6793 section 6)");
		return;
	}
	enum bgp_decode rc = bgp_aspath_decode(v, 4, p->arena, &path, &why);
	if (rc == BGP_DECODE_NO_MEMORY) {
		out_of_memory(p);
		return;
	}
	if (rc != BGP_DECODE_OK) {
		note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_PATH, BGP_UPD_OPTIONAL_ATTR, raw, rawlen,
		     why);
		return;
	}
	/* RFC 6793 section 6: confederation segments are invalid here; drop
	 * them and go on. */
	if (bgp_aspath_strip_confed(&path) > 0)
		note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_PATH, 0, NULL, 0,
		     "confederation segments dropped (RFC 6793 section 6)");
	p->has_as4_path = true;
	p->as4_path = path;
}

static void parse_as4_aggregator(struct parse *p, struct cursor *v, const uint8_t *raw,
                                 size_t rawlen)
{
	uint32_t asn = 0;

	if (cursor_remaining(v) != 8) {
		note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_AGGREGATOR, BGP_UPD_ATTR_LENGTH, raw, rawlen,
		     "length is not 8 (RFC 6793 section 6)");
		return;
	}
	cursor_get_u32(v, &asn);
	if (asn == 0) {
		note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_AGGREGATOR, BGP_UPD_OPTIONAL_ATTR, raw,
		     rawlen, "AS number 0 (RFC 7607 section 2)");
		return;
	}
	p->has_as4_aggregator = true;
	p->as4_aggregator_as = asn;
	cursor_get_bytes(v, p->as4_aggregator_addr, 4);
}

/*
 * RFC 6793 section 4.2.3: fold AS4_AGGREGATOR and AS4_PATH into the
 * four-octet view. An AGGREGATOR whose AS is not AS_TRANS comes from an
 * OLD speaker that aggregated after the AS4_* were made, so both are stale.
 */
static void merge_as4(struct parse *p)
{
	struct bgp_attrs *a = &p->u->attrs;
	bool has_aggregator = (a->present & BGP_ATTR_MASK(BGP_ATTR_AGGREGATOR)) != 0;
	bool use_as4_path = p->has_as4_path;

	if (p->has_as4_aggregator) {
		if (!has_aggregator) {
			note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_AGGREGATOR, 0, NULL, 0,
			     "ignored without AGGREGATOR (RFC 6793 section 4.2.3)");
		} else if (a->aggregator_as != BGP_AS_TRANS) {
			note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_AGGREGATOR, 0, NULL, 0,
			     "ignored: AGGREGATOR's AS is not AS_TRANS (RFC 6793 section 4.2.3)");
			if (use_as4_path)
				note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_PATH, 0, NULL, 0,
				     "ignored: AGGREGATOR's AS is not AS_TRANS "
				     "(RFC 6793 section 4.2.3)");
			use_as4_path = false;
		} else {
			a->aggregator_as = p->as4_aggregator_as;
			memcpy(a->aggregator_addr, p->as4_aggregator_addr, 4);
		}
	}
	if (!use_as4_path || !(a->present & BGP_ATTR_MASK(BGP_ATTR_AS_PATH)))
		return;

	struct bgp_aspath merged;
	int rc = bgp_aspath_merge_as4(&a->aspath, &p->as4_path, p->arena, &merged);
	if (rc < 0)
		out_of_memory(p);
	else if (rc > 0)
		note(p, UPD_ATTR_DISCARD, BGP_ATTR_AS4_PATH, 0, NULL, 0,
		     "ignored: longer than AS_PATH (RFC 6793 section 4.2.3)");
	else
		a->aspath = merged;
}

/* --- path attributes ------------------------------------------------------------ */

static void keep_unknown(struct parse *p, uint8_t flags, uint8_t type, struct cursor *v,
                         const uint8_t *raw, size_t rawlen)
{
	size_t len = cursor_remaining(v);
	uint8_t *value = NULL;

	if (!(flags & BGP_ATTR_FLAG_OPTIONAL)) {
		note(p, UPD_SESSION_RESET, type, BGP_UPD_UNRECOGNIZED_WELLKNOWN, raw, rawlen,
		     "unrecognised well-known attribute (RFC 4271 section 6.3)");
		return;
	}
	/* RFC 4271 section 5: an unrecognised optional non-transitive
	 * attribute is quietly ignored. */
	if (!(flags & BGP_ATTR_FLAG_TRANSITIVE))
		return;
	if (len > 0) {
		value = bgp_arena_alloc(p->arena, len);
		if (value == NULL) {
			out_of_memory(p);
			return;
		}
		cursor_get_bytes(v, value, len);
	}
	p->unknown[p->nunknown++] = (struct bgp_attr_raw){
	    /* RFC 4271 section 4.3: Extended Length is encoding and the
	     * four low bits are ignored on receipt. */
	    .flags = flags & BGP_ATTR_FLAGS_KEPT,
	    .type = type,
	    .len = (uint16_t)len,
	    .value = value,
	};
}

static uint8_t value_subcode(uint8_t type)
{
	switch (type) {
	case BGP_ATTR_ORIGIN:
		return BGP_UPD_INVALID_ORIGIN;
	case BGP_ATTR_AS_PATH:
		return BGP_UPD_MALFORMED_AS_PATH;
	default:
		return BGP_UPD_OPTIONAL_ATTR;
	}
}

static bool aspath_has_set(const struct bgp_aspath *path)
{
	for (size_t i = 0; i < path->nsegs; i++)
		if (path->segs[i].type == BGP_AS_SET || path->segs[i].type == BGP_AS_CONFED_SET)
			return true;
	return false;
}

static void parse_attr(struct parse *p, uint8_t flags, uint8_t type, struct cursor *v,
                       const uint8_t *raw, size_t rawlen)
{
	const struct bgp_update_ctx *ctx = p->ctx;
	const struct attr_rule *rule = &rules[type];
	struct bgp_attrs *attrs = &p->u->attrs;
	uint64_t bit = (uint64_t)1 << (type % 64);

	p->nattrs++;
	if (type != BGP_ATTR_MP_UNREACH_NLRI)
		p->other_than_unreach = true;

	/* RFC 7606 section 3 (g): a repeated MP attribute leaves the NLRI in
	 * doubt; any other repeat is dropped and the first one stands. */
	if (p->seen[type / 64] & bit) {
		if (type == BGP_ATTR_MP_REACH_NLRI || type == BGP_ATTR_MP_UNREACH_NLRI)
			note(p, UPD_SESSION_RESET, type, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
			     "appears more than once (RFC 7606 section 3 (g))");
		else
			note(p, UPD_ATTR_DISCARD, type, 0, NULL, 0,
			     "appears more than once; repeats dropped (RFC 7606 section 3 (g))");
		return;
	}
	p->seen[type / 64] |= bit;

	if (!rule->known) {
		keep_unknown(p, flags, type, v, raw, rawlen);
		return;
	}

	/* Attributes this peer has no business sending are dropped whatever
	 * their form. */
	if (ctx->ebgp && type == BGP_ATTR_LOCAL_PREF) {
		note(p, UPD_ATTR_DISCARD, type, 0, NULL, 0,
		     "from an external peer (RFC 7606 section 7.5, RFC 4271 section 5.1.5)");
		return;
	}
	if (ctx->ebgp && (type == BGP_ATTR_ORIGINATOR_ID || type == BGP_ATTR_CLUSTER_LIST)) {
		note(p, UPD_ATTR_DISCARD, type, 0, NULL, 0,
		     "from an external peer (RFC 7606 sections 7.9, 7.10)");
		return;
	}
	if (ctx->as4 && (type == BGP_ATTR_AS4_PATH || type == BGP_ATTR_AS4_AGGREGATOR)) {
		note(p, UPD_ATTR_DISCARD, type, 0, NULL, 0,
		     "from a four-octet AS speaker (RFC 6793 section 4.1)");
		return;
	}

	/* RFC 7606 section 3 (c): Optional/Transitive bits that contradict
	 * the type make the attribute malformed, handled by its own rule. */
	if ((flags & FLAG_OT) != rule->flags) {
		note(p, rule->on_error, type, BGP_UPD_ATTR_FLAGS, raw, rawlen,
		     "Optional/Transitive flags conflict with the type (RFC 7606 section 3 (c))");
		return;
	}

	switch (type) {
	case BGP_ATTR_MP_REACH_NLRI:
		parse_mp_reach(p, v, raw, rawlen);
		return;
	case BGP_ATTR_MP_UNREACH_NLRI:
		parse_mp_unreach(p, v, raw, rawlen);
		return;
	case BGP_ATTR_AS4_PATH:
		parse_as4_path(p, v, raw, rawlen);
		if (p->has_as4_path && ctx->reject_as_sets && aspath_has_set(&p->as4_path))
			note(p, UPD_TREAT_AS_WITHDRAW, type, BGP_UPD_OPTIONAL_ATTR, raw, rawlen,
			     "AS_SET in the path (RFC 9774 section 3)");
		return;
	case BGP_ATTR_AS4_AGGREGATOR:
		parse_as4_aggregator(p, v, raw, rawlen);
		return;
	default:
		break;
	}

	const char *why = "";
	switch (bgp_attr_decode(attrs, type, v, ctx->as4, p->arena, &why)) {
	case BGP_DECODE_OK:
		break;
	case BGP_DECODE_BAD_LENGTH:
		note(p, rule->on_error, type, BGP_UPD_ATTR_LENGTH, raw, rawlen, why);
		return;
	case BGP_DECODE_BAD_VALUE:
		/* RFC 4271 section 6.3: Malformed AS_PATH carries no data. */
		if (type == BGP_ATTR_AS_PATH)
			note(p, rule->on_error, type, BGP_UPD_MALFORMED_AS_PATH, NULL, 0, why);
		else
			note(p, rule->on_error, type, value_subcode(type), raw, rawlen, why);
		return;
	case BGP_DECODE_NO_MEMORY:
		out_of_memory(p);
		return;
	}

	if (type == BGP_ATTR_NEXT_HOP) {
		p->nexthop_raw = raw;
		p->nexthop_rawlen = rawlen;
	}
	if (type == BGP_ATTR_AS_PATH) {
		/* RFC 5065 section 6: confederation segments from outside the
		 * confederation make a malformed AS_PATH. */
		if (ctx->ebgp && bgp_aspath_has_confed(&attrs->aspath)) {
			attrs->present &= ~BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
			note(p, UPD_TREAT_AS_WITHDRAW, type, BGP_UPD_MALFORMED_AS_PATH, NULL, 0,
			     "confederation segment from outside the confederation "
			     "(RFC 5065 section 6)");
		} else if (ctx->reject_as_sets && aspath_has_set(&attrs->aspath)) {
			attrs->present &= ~BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
			note(p, UPD_TREAT_AS_WITHDRAW, type, BGP_UPD_MALFORMED_AS_PATH, NULL, 0,
			     "AS_SET in the path (RFC 9774 section 3)");
		}
	}
}

/* The last attribute runs past the list (or its header does). */
static void list_overrun(struct parse *p, uint8_t type)
{
	if (type == BGP_ATTR_MP_REACH_NLRI || type == BGP_ATTR_MP_UNREACH_NLRI) {
		note(p, UPD_SESSION_RESET, type, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
		     "runs past the attribute list, its NLRI cannot be found "
		     "(RFC 7606 sections 2, 4)");
	} else {
		p->other_than_unreach = true;
		note(p, UPD_TREAT_AS_WITHDRAW, type, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
		     "runs past the attribute list (RFC 7606 section 4)");
	}
}

/* Walk the path attributes. Problems with the list itself follow RFC 7606
 * section 4: the Total Path Attribute Length still tells where the NLRI
 * start, so they are treat-as-withdraw unless the broken attribute is one
 * that carries NLRI. */
static void parse_attrs(struct parse *p, struct cursor *c)
{
	while (!p->stop && cursor_remaining(c) > 0) {
		const uint8_t *raw = cursor_ptr(c);
		size_t start = cursor_offset(c);
		uint8_t flags = 0, type = 0, len8 = 0;
		uint16_t len16 = 0;
		struct cursor value;

		if (cursor_get_u8(c, &flags) < 0 || cursor_get_u8(c, &type) < 0) {
			p->other_than_unreach = true;
			note(p, UPD_TREAT_AS_WITHDRAW, 0, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
			     "one octet left after the last attribute (RFC 7606 section 4)");
			return;
		}
		if (((flags & BGP_ATTR_FLAG_EXTENDED) ? cursor_get_u16(c, &len16)
		                                      : cursor_get_u8(c, &len8)) < 0 ||
		    cursor_sub(c, (flags & BGP_ATTR_FLAG_EXTENDED) ? len16 : len8, &value) < 0) {
			list_overrun(p, type);
			return;
		}
		parse_attr(p, flags, type, &value, raw, cursor_offset(c) - start);
	}
}

/* Unknown attributes go to the arena, sorted by type: the canonical form. */
static int keep_unknown_list(struct parse *p)
{
	struct bgp_attrs *a = &p->u->attrs;

	if (p->nunknown == 0)
		return 0;
	a->unknown = bgp_arena_alloc(p->arena, p->nunknown * sizeof(*a->unknown));
	if (a->unknown == NULL)
		return -1;
	memcpy(a->unknown, p->unknown, p->nunknown * sizeof(*a->unknown));
	a->nunknown = p->nunknown;
	bgp_attrs_normalize(a);
	return 0;
}

/* RFC 7606 section 3 (d), RFC 4760 section 3, RFC 4271 section 5.1.5. */
static void check_mandatory(struct parse *p)
{
	const struct bgp_attrs *a = &p->u->attrs;
	static const uint8_t always[] = {BGP_ATTR_ORIGIN, BGP_ATTR_AS_PATH};
	uint8_t missing = 0;

	for (size_t i = 0; i < sizeof(always) && missing == 0; i++)
		if (!(a->present & BGP_ATTR_MASK(always[i])))
			missing = always[i];
	/* NEXT_HOP is needed only by NLRI in the classic field. */
	if (missing == 0 && p->u->nnlri > 0 && !(a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP)))
		missing = BGP_ATTR_NEXT_HOP;
	if (missing == 0 && !p->ctx->ebgp && !(a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF)))
		missing = BGP_ATTR_LOCAL_PREF;
	if (missing != 0)
		note(p, UPD_TREAT_AS_WITHDRAW, missing, BGP_UPD_MISSING_WELLKNOWN, &missing, 1,
		     "missing well-known attribute (RFC 7606 section 3 (d))");
}

enum bgp_update_outcome bgp_update_parse(const struct bgp_update_ctx *ctx, const uint8_t *body,
                                         size_t len, struct bgp_arena *arena, struct bgp_update *u)
{
	struct parse p;
	struct cursor c, withdrawn, attrs;
	uint16_t wlen = 0, alen = 0;
	int rc;

	memset(u, 0, sizeof(*u));
	memset(&p, 0, sizeof(p));
	p.ctx = ctx;
	p.arena = arena;
	p.u = u;
	cursor_init(&c, body, len);

	/* Shorter than the fixed fields: the header's length was wrong for
	 * an UPDATE (RFC 4271 section 6.1), data the erroneous length. */
	if (len < BGP_UPDATE_MIN_LEN - BGP_HEADER_LEN) {
		uint8_t data[2] = {(uint8_t)((len + BGP_HEADER_LEN) >> 8),
		                   (uint8_t)(len + BGP_HEADER_LEN)};
		u->outcome = UPD_SESSION_RESET;
		set_reason(u, 0, "shorter than the fixed fields (RFC 4271 section 6.1)");
		set_error(&u->error, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, data, sizeof(data));
		return u->outcome;
	}
	/* RFC 4271 section 6.3, RFC 7606 section 3 (b). */
	if (cursor_get_u16(&c, &wlen) < 0 || cursor_sub(&c, wlen, &withdrawn) < 0 ||
	    cursor_get_u16(&c, &alen) < 0 || cursor_sub(&c, alen, &attrs) < 0) {
		note(&p, UPD_SESSION_RESET, 0, BGP_UPD_MALFORMED_ATTR_LIST, NULL, 0,
		     "Withdrawn Routes or Total Path Attribute Length runs past the message "
		     "(RFC 7606 section 3 (b))");
		goto out;
	}
	bool classic_nlri = cursor_remaining(&c) > 0;

	/* RFC 7606 section 3 (i): withdrawn routes are checked like NLRI. */
	rc = nlri_parse(&p, withdrawn, AF_INET, &u->withdrawn, &u->nwithdrawn);
	if (rc == -2) {
		out_of_memory(&p);
		goto out;
	}
	if (rc < 0) {
		note(&p, UPD_SESSION_RESET, 0, BGP_UPD_INVALID_NETWORK, NULL, 0,
		     "malformed Withdrawn Routes (RFC 7606 section 5.3)");
		goto out;
	}

	parse_attrs(&p, &attrs);
	if (p.stop)
		goto out;

	/* RFC 7606 section 5.3, RFC 4271 section 6.3 Invalid Network Field. */
	rc = nlri_parse(&p, c, AF_INET, &u->nlri, &u->nnlri);
	if (rc == -2) {
		out_of_memory(&p);
		goto out;
	}
	if (rc < 0) {
		note(&p, UPD_SESSION_RESET, 0, BGP_UPD_INVALID_NETWORK, NULL, 0,
		     "malformed NLRI (RFC 7606 section 5.3)");
		goto out;
	}
	if (!(ctx->families & BGP_UPD_AF_IPV4_UNICAST) && (u->nnlri > 0 || u->nwithdrawn > 0)) {
		u->flags |= BGP_UPD_F_IPV4_IGNORED;
		u->nnlri = u->nwithdrawn = 0;
		u->nlri = u->withdrawn = NULL;
	}

	if (keep_unknown_list(&p) < 0) {
		out_of_memory(&p);
		goto out;
	}
	if (!ctx->as4)
		merge_as4(&p);
	if (p.stop)
		goto out;

	if (u->nnlri > 0 || u->mp_reach.count > 0)
		check_mandatory(&p);
	/* RFC 7606 section 7.3: a NEXT_HOP that cannot be one. Without classic
	 * NLRI it is ignored anyway (RFC 4760 section 3). */
	if (u->nnlri > 0 && (u->attrs.present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP)) &&
	    !ipv4_nexthop_usable(ctx, u->attrs.nexthop)) {
		note(&p, UPD_TREAT_AS_WITHDRAW, BGP_ATTR_NEXT_HOP, BGP_UPD_INVALID_NEXT_HOP,
		     p.nexthop_raw, p.nexthop_rawlen,
		     "not a usable host address (RFC 7606 section 7.3)");
	}

	/* RFC 7606 section 5.2: with attributes but no reachable NLRI we cannot
	 * be sure the NLRI were found, so anything beyond attribute discard
	 * resets the session (End-of-RIB, MP_UNREACH_NLRI alone, is exempt). */
	if (u->outcome == UPD_TREAT_AS_WITHDRAW && !classic_nlri && !p.reach_nlri &&
	    p.other_than_unreach) {
		char was[sizeof(u->reason)];
		memcpy(was, u->reason, sizeof(was));
		u->outcome = UPD_SESSION_RESET;
		int n = snprintf(u->reason, sizeof(u->reason),
		                 "%.80s; no NLRI (RFC 7606 section 5.2)", was);
		if (n < 0)
			u->reason[0] = '\0';
		goto out;
	}

	/* RFC 4724 section 2: End-of-RIB is an empty UPDATE for IPv4 unicast,
	 * one holding only an empty MP_UNREACH_NLRI for other families. */
	if (len == BGP_UPDATE_MIN_LEN - BGP_HEADER_LEN) {
		u->flags |= BGP_UPD_F_EOR;
		u->eor_afi = BGP_AFI_IPV4_WIRE;
		u->eor_safi = BGP_SAFI_UNICAST;
	} else if (u->outcome == UPD_OK && wlen == 0 && !classic_nlri && p.nattrs == 1 &&
	           u->mp_unreach.present && u->mp_unreach.count == 0 &&
	           !(u->flags & BGP_UPD_F_MP_UNREACH_IGNORED)) {
		u->flags |= BGP_UPD_F_EOR;
		u->eor_afi = u->mp_unreach.afi;
		u->eor_safi = u->mp_unreach.safi;
	}
out:
	if (u->outcome == UPD_SESSION_RESET) {
		/* Nothing but the NOTIFICATION is to be used. */
		u->nwithdrawn = u->nnlri = u->mp_reach.count = u->mp_unreach.count = 0;
		u->flags &= ~BGP_UPD_F_EOR;
	}
	return u->outcome;
}

/* --- building ----------------------------------------------------------------- */

size_t bgp_update_max_len(const struct bgp_update_ctx *ctx)
{
	return ctx->extended_msg ? BGP_EXTENDED_MAX_LEN : BGP_MAX_LEN;
}

static size_t prefix_wire_len(const struct prefix *p)
{
	return 1 + (p->len + 7u) / 8;
}

/* Length octet and the significant octets, bits past the length cleared. */
static void put_prefix(struct builder *b, const struct prefix *p)
{
	size_t n = (p->len + 7u) / 8;

	builder_put_u8(b, p->len);
	if (n == 0)
		return;
	builder_put_bytes(b, p->addr, n - 1);
	uint8_t last = p->addr[n - 1];
	if (p->len % 8 != 0)
		last &= (uint8_t)(0xffu << (8 - p->len % 8));
	builder_put_u8(b, last);
}

static bool prefix_fits_family(const struct prefix *p, int family)
{
	return p->family == family && p->len <= prefix_max_len(family);
}

/*
 * How many prefixes from the front of list fit in room octets; -1 if one
 * of them is not of the family. *bytes: their encoded size.
 */
static long fit_prefixes(const struct prefix *list, size_t n, int family, size_t room,
                         size_t *bytes)
{
	size_t used = 0, k;

	for (k = 0; k < n; k++) {
		if (!prefix_fits_family(&list[k], family))
			return -1;
		size_t w = prefix_wire_len(&list[k]);
		if (w > room - used)
			break;
		used += w;
	}
	*bytes = used;
	return (long)k;
}

/*
 * The same inside an MP attribute of at most room octets, header included,
 * whose value starts with fixed octets: the header grows by one octet once
 * the value passes 255 (Extended Length).
 */
static long fit_mp_prefixes(const struct prefix *list, size_t n, int family, size_t fixed,
                            size_t room, size_t *value_len)
{
	size_t v = fixed, k;

	for (k = 0; k < n; k++) {
		if (!prefix_fits_family(&list[k], family))
			return -1;
		size_t nv = v + prefix_wire_len(&list[k]);
		size_t hdr = nv > 255 ? 4 : 3;
		if (nv > UINT16_MAX || hdr + nv > room)
			break;
		v = nv;
	}
	*value_len = v;
	return (long)k;
}

static size_t put_msg_header(struct builder *b)
{
	uint8_t marker[BGP_MARKER_LEN];

	memset(marker, 0xff, sizeof(marker));
	builder_put_bytes(b, marker, sizeof(marker));
	size_t len_off = builder_reserve(b, 2);
	builder_put_u8(b, BGP_MSG_UPDATE);
	return len_off;
}

static int finish_msg(struct builder *b, size_t start, size_t len_off)
{
	builder_patch_u16(b, len_off, (uint16_t)(builder_len(b) - start));
	return builder_ok(b) ? 0 : -1;
}

static void put_mp_header(struct builder *b, uint8_t type, size_t value_len, int family)
{
	bgp_attr_put_header(b, BGP_ATTR_FLAG_OPTIONAL, type, value_len);
	builder_put_u16(b, family == AF_INET ? BGP_AFI_IPV4_WIRE : BGP_AFI_IPV6_WIRE);
	builder_put_u8(b, BGP_SAFI_UNICAST);
}

static int build_withdraw(struct builder *b, const struct bgp_update_spec *s, size_t limit,
                          size_t *used)
{
	const size_t fixed = BGP_UPDATE_MIN_LEN;
	size_t start = builder_len(b), bytes;
	long k;

	if (s->family == AF_INET) {
		k = fit_prefixes(s->withdraw, s->nwithdraw, AF_INET, limit - fixed, &bytes);
		if (k <= 0)
			return -1;
		size_t len_off = put_msg_header(b);
		builder_put_u16(b, (uint16_t)bytes);
		for (long i = 0; i < k; i++)
			put_prefix(b, &s->withdraw[i]);
		builder_put_u16(b, 0);
		*used = (size_t)k;
		return finish_msg(b, start, len_off);
	}
	k = fit_mp_prefixes(s->withdraw, s->nwithdraw, AF_INET6, 3, limit - fixed, &bytes);
	if (k <= 0)
		return -1;
	size_t len_off = put_msg_header(b);
	builder_put_u16(b, 0);
	builder_put_u16(b, (uint16_t)((bytes > 255 ? 4 : 3) + bytes));
	put_mp_header(b, BGP_ATTR_MP_UNREACH_NLRI, bytes, AF_INET6);
	for (long i = 0; i < k; i++)
		put_prefix(b, &s->withdraw[i]);
	*used = (size_t)k;
	return finish_msg(b, start, len_off);
}

/* What an announcement needs from the attribute set (RFC 4271 section 5,
 * RFC 4760 section 3, and LOCAL_PREF inside the AS). */
static bool announceable(const struct bgp_update_ctx *ctx, const struct bgp_update_spec *s)
{
	const struct bgp_attrs *a = s->attrs;
	uint64_t need = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH);

	if (a == NULL)
		return false;
	if (!ctx->ebgp)
		need |= BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF);
	if (s->family == AF_INET)
		need |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
	else if (a->mp_nexthop.family != AF_INET6)
		return false;
	return (a->present & need) == need;
}

static int build_announce(struct builder *b, const struct bgp_update_ctx *ctx,
                          const struct bgp_update_spec *s, size_t limit, size_t *used)
{
	const struct bgp_attrs *a = s->attrs;
	const struct bgp_attr_encode_opts opts = {
	    .as4 = ctx->as4,
	    .ebgp = ctx->ebgp,
	    .next_hop = s->family == AF_INET,
	};
	struct builder attrs;
	size_t start = builder_len(b), bytes, len_off;
	int ret = -1;
	long k;

	if (!announceable(ctx, s))
		return -1;
	/* The attributes are encoded once, aside, to know what room the
	 * prefixes have (and, for IPv6, to put MP_REACH_NLRI first). */
	builder_init_dynamic(&attrs, limit);
	if (bgp_attrs_encode(&attrs, a, &opts) < 0)
		goto done;
	size_t alen = builder_len(&attrs);
	if (alen + BGP_UPDATE_MIN_LEN >= limit)
		goto done;
	size_t room = limit - BGP_UPDATE_MIN_LEN - alen;

	if (s->family == AF_INET) {
		k = fit_prefixes(s->announce, s->nannounce, AF_INET, room, &bytes);
		if (k <= 0)
			goto done;
		len_off = put_msg_header(b);
		builder_put_u16(b, 0);
		builder_put_u16(b, (uint16_t)alen);
		builder_put_bytes(b, builder_data(&attrs), alen);
		for (long i = 0; i < k; i++)
			put_prefix(b, &s->announce[i]);
	} else {
		const struct bgp_mp_nexthop *nh = &a->mp_nexthop;
		size_t nhlen = nh->has_link_local ? 32 : 16;
		k = fit_mp_prefixes(s->announce, s->nannounce, AF_INET6, 5 + nhlen, room, &bytes);
		if (k <= 0)
			goto done;
		len_off = put_msg_header(b);
		builder_put_u16(b, 0);
		builder_put_u16(b, (uint16_t)((bytes > 255 ? 4 : 3) + bytes + alen));
		/* RFC 7606 section 5.1: MP_REACH_NLRI is the first attribute. */
		put_mp_header(b, BGP_ATTR_MP_REACH_NLRI, bytes, AF_INET6);
		builder_put_u8(b, (uint8_t)nhlen);
		builder_put_bytes(b, nh->global, 16);
		if (nh->has_link_local)
			builder_put_bytes(b, nh->link_local, 16);
		builder_put_u8(b, 0); /* reserved (RFC 4760 section 3) */
		for (long i = 0; i < k; i++)
			put_prefix(b, &s->announce[i]);
		builder_put_bytes(b, builder_data(&attrs), alen);
	}
	*used = (size_t)k;
	ret = finish_msg(b, start, len_off);
done:
	builder_free(&attrs);
	return ret;
}

int bgp_update_build(struct builder *b, const struct bgp_update_ctx *ctx,
                     const struct bgp_update_spec *spec, size_t max_len, size_t *nwithdrawn,
                     size_t *nannounced)
{
	size_t limit = bgp_update_max_len(ctx);
	size_t w = 0, a = 0;
	int rc = -1;

	*nwithdrawn = *nannounced = 0;
	if (max_len < limit)
		limit = max_len;
	if (!builder_ok(b))
		return -1;
	if (b->max - builder_len(b) < limit)
		limit = b->max - builder_len(b);
	if (limit < BGP_UPDATE_MIN_LEN || (spec->family != AF_INET && spec->family != AF_INET6))
		return -1;
	/* RFC 7606 section 5.1: one kind of NLRI per message. */
	if (spec->nwithdraw > 0)
		rc = build_withdraw(b, spec, limit, &w);
	else if (spec->nannounce > 0)
		rc = build_announce(b, ctx, spec, limit, &a);
	if (rc == 0) {
		*nwithdrawn = w;
		*nannounced = a;
	}
	return rc;
}

int bgp_update_build_eor(struct builder *b, uint16_t afi, uint8_t safi)
{
	size_t start = builder_len(b);
	size_t len_off = put_msg_header(b);

	builder_put_u16(b, 0);
	if (afi == BGP_AFI_IPV4_WIRE && safi == BGP_SAFI_UNICAST) {
		builder_put_u16(b, 0);
	} else {
		builder_put_u16(b, 6);
		bgp_attr_put_header(b, BGP_ATTR_FLAG_OPTIONAL, BGP_ATTR_MP_UNREACH_NLRI, 3);
		builder_put_u16(b, afi);
		builder_put_u8(b, safi);
	}
	return finish_msg(b, start, len_off);
}
