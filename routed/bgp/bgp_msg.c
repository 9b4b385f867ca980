/*
 * BGP-4 messages other than UPDATE: framing, OPEN and capabilities,
 * negotiation, NOTIFICATION, KEEPALIVE, ROUTE-REFRESH. See bgp_msg.h.
 */
#include "bgp_msg.h"

#include <stdio.h>
#include <string.h>

/* --- small helpers -------------------------------------------------------- */

/*
 * Fail a builder for input it must not encode. cursor.h has no call for
 * it; the flag is the builder's sticky error, so every later put becomes a
 * no-op and the caller's single builder_ok() check sees the refusal.
 */
static void builder_fail(struct builder *b)
{
	b->failed = true;
}

static void sat_inc(uint16_t *counter)
{
	if (*counter < UINT16_MAX)
		(*counter)++;
}

/* RFC 4271 section 4.1: every message starts with 16 octets of ones. */
/* clang-format off */
static const uint8_t bgp_marker[BGP_MARKER_LEN] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
};
/* clang-format on */

/* Marker, a length patched by msg_end(), type. Returns where the message
 * starts in the builder, which may already hold earlier messages. */
static size_t msg_begin(struct builder *b, uint8_t type)
{
	size_t start = builder_len(b);

	builder_put_bytes(b, bgp_marker, sizeof(bgp_marker));
	builder_reserve(b, 2);
	builder_put_u8(b, type);
	return start;
}

static int msg_end(struct builder *b, size_t start, size_t max)
{
	if (!builder_ok(b))
		return -1;
	size_t len = builder_len(b) - start;
	if (len > max) {
		builder_fail(b);
		return -1;
	}
	builder_patch_u16(b, start + BGP_MARKER_LEN, (uint16_t)len);
	return builder_ok(b) ? 0 : -1;
}

/* --- address families ----------------------------------------------------- */

static const struct {
	uint16_t afi;
	uint8_t safi;
	const char *name;
} afsafi_table[BGP_AFSAFI_COUNT] = {
    [BGP_AFSAFI_IPV4_UNICAST] = {BGP_AFI_IPV4_WIRE, BGP_SAFI_UNICAST, "IPv4 Unicast"},
    [BGP_AFSAFI_IPV6_UNICAST] = {BGP_AFI_IPV6_WIRE, BGP_SAFI_UNICAST, "IPv6 Unicast"},
};

int bgp_afsafi_from_wire(uint16_t afi, uint8_t safi)
{
	for (int a = 0; a < BGP_AFSAFI_COUNT; a++)
		if (afsafi_table[a].afi == afi && afsafi_table[a].safi == safi)
			return a;
	return -1;
}

int bgp_afsafi_to_wire(enum bgp_afsafi a, uint16_t *afi, uint8_t *safi)
{
	if ((unsigned)a >= BGP_AFSAFI_COUNT)
		return -1;
	*afi = afsafi_table[a].afi;
	*safi = afsafi_table[a].safi;
	return 0;
}

const char *bgp_afsafi_name(enum bgp_afsafi a)
{
	if ((unsigned)a >= BGP_AFSAFI_COUNT)
		return "Unknown";
	return afsafi_table[a].name;
}

/* --- errors ---------------------------------------------------------------- */

void bgp_error_set(struct bgp_error *e, uint8_t code, uint8_t subcode, const void *data, size_t len)
{
	struct builder b;

	e->code = code;
	e->subcode = subcode;
	if (data == NULL || len > BGP_ERROR_DATA_MAX)
		len = data == NULL ? 0 : BGP_ERROR_DATA_MAX;
	builder_init_fixed(&b, e->data, sizeof(e->data));
	builder_put_bytes(&b, data, len);
	e->data_len = (uint16_t)builder_len(&b);
}

static void error_u16(struct bgp_error *e, uint8_t code, uint8_t subcode, uint16_t value)
{
	struct builder b;

	e->code = code;
	e->subcode = subcode;
	builder_init_fixed(&b, e->data, sizeof(e->data));
	builder_put_u16(&b, value);
	e->data_len = (uint16_t)builder_len(&b);
}

/* RFC 4271 section 6.1: Bad Message Length carries the erroneous Length
 * field. A caller-supplied length past 16 bits cannot have come from a
 * header; it is reported as the largest one could say. */
static void error_bad_length(struct bgp_error *e, size_t length)
{
	error_u16(e, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH,
	          length > UINT16_MAX ? UINT16_MAX : (uint16_t)length);
}

int bgp_error_add_capability(struct bgp_error *e, uint8_t cap_code, const void *value, uint8_t len)
{
	size_t used = 0;
	struct builder b;

	if (e->code == BGP_ERR_OPEN && e->subcode == BGP_OPEN_UNSUPPORTED_CAPABILITY &&
	    e->data_len <= BGP_ERROR_DATA_MAX)
		used = e->data_len;
	if ((value == NULL && len > 0) || 2u + len > BGP_ERROR_DATA_MAX - used)
		return -1;
	builder_init_fixed(&b, e->data + used, BGP_ERROR_DATA_MAX - used);
	builder_put_u8(&b, cap_code);
	builder_put_u8(&b, len);
	builder_put_bytes(&b, value, len);
	if (!builder_ok(&b))
		return -1;
	e->code = BGP_ERR_OPEN;
	e->subcode = BGP_OPEN_UNSUPPORTED_CAPABILITY;
	e->data_len = (uint16_t)(used + builder_len(&b));
	return 0;
}

/* --- header and stream splitting ------------------------------------------ */

static size_t rx_max_len(const struct bgp_negotiated *neg)
{
	if (neg != NULL && neg->rx_max_len > BGP_MAX_LEN)
		return neg->rx_max_len;
	return BGP_MAX_LEN;
}

/*
 * RFC 4271 section 6.1 (and RFC 8654 section 4, RFC 2918 section 3, RFC
 * 7313 section 5): the length must suit the session, then the type must be
 * known, then the length must suit the type. Checking the general range
 * first means an unknown type with an absurd length reports the length,
 * which is the field that cannot be trusted to find the next message.
 */
static int check_header(uint8_t type, uint16_t length, const struct bgp_negotiated *neg,
                        struct bgp_error *err)
{
	bool ok;

	if (length < BGP_HEADER_LEN || length > rx_max_len(neg)) {
		error_bad_length(err, length);
		return -1;
	}
	switch (type) {
	case BGP_MSG_OPEN:
		/* RFC 8654 section 4: OPEN never grows past 4096. */
		ok = length >= BGP_OPEN_MIN_LEN && length <= BGP_MAX_LEN;
		break;
	case BGP_MSG_UPDATE:
		ok = length >= BGP_UPDATE_MIN_LEN;
		break;
	case BGP_MSG_NOTIFICATION:
		ok = length >= BGP_NOTIFICATION_MIN_LEN;
		break;
	case BGP_MSG_KEEPALIVE:
		ok = length == BGP_KEEPALIVE_LEN;
		break;
	case BGP_MSG_ROUTE_REFRESH:
		/* A longer one is judged by its subtype (RFC 7313 section 5)
		 * once enhanced route refresh is on; RFC 2918 fixes 23. */
		if (neg != NULL && neg->enhanced_refresh)
			ok = length >= BGP_ROUTE_REFRESH_LEN;
		else
			ok = length == BGP_ROUTE_REFRESH_LEN;
		break;
	default:
		bgp_error_set(err, BGP_ERR_HEADER, BGP_HDR_BAD_TYPE, &type, 1);
		return -1;
	}
	if (!ok) {
		error_bad_length(err, length);
		return -1;
	}
	return 0;
}

enum bgp_split bgp_msg_split(const uint8_t *buf, size_t avail, const struct bgp_negotiated *neg,
                             struct bgp_header *hdr, size_t *need, struct bgp_error *err)
{
	struct cursor c;
	uint8_t byte;
	uint16_t length;
	uint8_t type;

	memset(hdr, 0, sizeof(*hdr));
	*need = BGP_HEADER_LEN;
	cursor_init(&c, buf, avail);
	/* Judge the marker bytes already here, so a stream that is not BGP
	 * (or has lost its framing) is refused without waiting for more. */
	for (size_t i = 0; i < BGP_MARKER_LEN && cursor_get_u8(&c, &byte) == 0; i++) {
		if (byte != 0xff) {
			bgp_error_set(err, BGP_ERR_HEADER, BGP_HDR_NOT_SYNCHRONIZED, NULL, 0);
			return BGP_SPLIT_ERROR;
		}
	}
	if (cursor_get_u16(&c, &length) != 0 || cursor_get_u8(&c, &type) != 0)
		return BGP_SPLIT_MORE;
	/* The length is checked before it is believed: only a length this
	 * session may receive is ever waited for. */
	if (check_header(type, length, neg, err) != 0)
		return BGP_SPLIT_ERROR;
	hdr->length = length;
	hdr->type = type;
	*need = length;
	return avail >= length ? BGP_SPLIT_MESSAGE : BGP_SPLIT_MORE;
}

const char *bgp_msg_type_name(uint8_t type)
{
	switch (type) {
	case BGP_MSG_OPEN:
		return "OPEN";
	case BGP_MSG_UPDATE:
		return "UPDATE";
	case BGP_MSG_NOTIFICATION:
		return "NOTIFICATION";
	case BGP_MSG_KEEPALIVE:
		return "KEEPALIVE";
	case BGP_MSG_ROUTE_REFRESH:
		return "ROUTE-REFRESH";
	}
	return "Unknown";
}

/* --- text ------------------------------------------------------------------ */

/*
 * RFC 3629 section 4: well-formed UTF-8. The byte ranges exclude overlong
 * forms (the "shortest form" RFC 9003 section 2 requires), UTF-16
 * surrogates and code points past U+10FFFF.
 */
static bool utf8_valid(const void *text, size_t n)
{
	struct cursor c;
	uint8_t b;

	cursor_init(&c, text, n);
	while (cursor_get_u8(&c, &b) == 0) {
		uint8_t lo = 0x80, hi = 0xbf;
		int more;

		if (b < 0x80)
			continue;
		if (b >= 0xc2 && b <= 0xdf) {
			more = 1;
		} else if (b == 0xe0) {
			more = 2;
			lo = 0xa0;
		} else if (b == 0xed) {
			more = 2;
			hi = 0x9f;
		} else if (b >= 0xe1 && b <= 0xef) {
			more = 2;
		} else if (b == 0xf0) {
			more = 3;
			lo = 0x90;
		} else if (b >= 0xf1 && b <= 0xf3) {
			more = 3;
		} else if (b == 0xf4) {
			more = 3;
			hi = 0x8f;
		} else {
			return false;
		}
		for (; more > 0; more--) {
			if (cursor_get_u8(&c, &b) != 0 || b < lo || b > hi)
				return false;
			lo = 0x80;
			hi = 0xbf;
		}
	}
	return true;
}

/*
 * Text from a peer ends up in logs and on operators' terminals: C0
 * controls, DEL and the C1 controls (U+0080..U+009F, which some terminals
 * take as escape sequences) become '?', byte for byte. Text that is not
 * UTF-8 keeps only its ASCII. The result is its own fixed point, so
 * sanitising what was sanitised changes nothing.
 */
static void sanitize_text(char *s, size_t n)
{
	bool utf8 = utf8_valid(s, n);

	for (size_t i = 0; i < n; i++) {
		uint8_t u = (uint8_t)s[i];

		if (u < 0x20 || u == 0x7f || (!utf8 && u >= 0x80)) {
			s[i] = '?';
		} else if (utf8 && u == 0xc2 && i + 1 < n && (uint8_t)s[i + 1] <= 0x9f) {
			s[i] = '?';
			s[i + 1] = '?';
			i++;
		}
	}
}

/* Copy what is left of c (at most BGP_FQDN_MAX bytes by construction: it
 * came from a one-octet length) into out, NUL-terminated and sanitised. */
static int copy_text(struct cursor *c, char out[BGP_FQDN_MAX + 1])
{
	size_t n = cursor_remaining(c);

	/* Zero all of it: the result is a value compared and copied whole,
	 * and must not carry stack contents past its NUL. */
	memset(out, 0, BGP_FQDN_MAX + 1);
	if (n > BGP_FQDN_MAX || cursor_get_bytes(c, out, n) != 0)
		return -1;
	sanitize_text(out, n);
	return 0;
}

/* --- capabilities ----------------------------------------------------------- */

/* Each returns -1 when the value does not have the length its RFC gives:
 * the caller turns that into OPEN Message Error/Unspecific. */

static int cap_multiprotocol(struct cursor *v, struct bgp_caps *caps)
{
	uint16_t afi;
	uint8_t reserved, safi;

	/* RFC 4760 section 8: AFI, a reserved octet, SAFI. */
	if (cursor_remaining(v) != 4)
		return -1;
	cursor_get_u16(v, &afi);
	cursor_get_u8(v, &reserved);
	cursor_get_u8(v, &safi);
	caps->mp_present = true;
	int a = bgp_afsafi_from_wire(afi, safi);
	if (a >= 0)
		caps->mp_afsafi |= BGP_AFSAFI_BIT(a);
	else
		sat_inc(&caps->mp_unknown);
	return 0;
}

static int cap_graceful_restart(struct cursor *v, struct bgp_caps *caps)
{
	struct bgp_cap_gr gr;
	uint16_t flags_time;

	/* RFC 4724 section 3: flags and restart time, then 4 bytes a family. */
	if (cursor_remaining(v) < 2 || (cursor_remaining(v) - 2) % 4 != 0)
		return -1;
	/* memset, not an initialiser: the padding is copied into *caps too,
	 * and parsed results compare equal byte for byte. */
	memset(&gr, 0, sizeof(gr));
	gr.present = true;
	cursor_get_u16(v, &flags_time);
	gr.restart = ((flags_time >> 12) & BGP_GR_FLAG_RESTART) != 0;
	gr.notification = ((flags_time >> 12) & BGP_GR_FLAG_NOTIFICATION) != 0;
	gr.restart_time = flags_time & BGP_GR_TIME_MAX;
	while (cursor_remaining(v) > 0) {
		uint16_t afi;
		uint8_t safi, flags;

		cursor_get_u16(v, &afi);
		cursor_get_u8(v, &safi);
		cursor_get_u8(v, &flags);
		int a = bgp_afsafi_from_wire(afi, safi);
		if (a < 0) {
			sat_inc(&gr.unknown);
			continue;
		}
		gr.afsafi |= BGP_AFSAFI_BIT(a);
		if (flags & BGP_GR_AF_FORWARDING)
			gr.forwarding |= BGP_AFSAFI_BIT(a);
	}
	/* RFC 4724 section 3: "ignore all but the last instance". */
	caps->gr = gr;
	return 0;
}

static int cap_as4(struct cursor *v, struct bgp_caps *caps)
{
	if (cursor_remaining(v) != 4)
		return -1;
	caps->as4 = true;
	return cursor_get_u32(v, &caps->as4_as);
}

static int cap_extended_next_hop(struct cursor *v, struct bgp_caps *caps)
{
	/* RFC 8950 section 3: one or more 6-byte triples. */
	if (cursor_remaining(v) == 0 || cursor_remaining(v) % 6 != 0)
		return -1;
	while (cursor_remaining(v) > 0) {
		struct bgp_cap_ext_nh e;

		cursor_get_u16(v, &e.nlri_afi);
		cursor_get_u16(v, &e.nlri_safi);
		cursor_get_u16(v, &e.nexthop_afi);
		if (caps->ext_nh_count < BGP_CAPS_MAX_LIST)
			caps->ext_nh[caps->ext_nh_count++] = e;
		else
			sat_inc(&caps->ext_nh_dropped);
	}
	return 0;
}

static int cap_addpath(struct cursor *v, struct bgp_caps *caps)
{
	/* RFC 7911 section 4: one or more 4-byte entries. */
	if (cursor_remaining(v) == 0 || cursor_remaining(v) % 4 != 0)
		return -1;
	while (cursor_remaining(v) > 0) {
		struct bgp_cap_addpath e;

		cursor_get_u16(v, &e.afi);
		cursor_get_u8(v, &e.safi);
		cursor_get_u8(v, &e.send_receive);
		if (caps->addpath_count < BGP_CAPS_MAX_LIST)
			caps->addpath[caps->addpath_count++] = e;
		else
			sat_inc(&caps->addpath_dropped);
	}
	return 0;
}

static int cap_fqdn(struct cursor *v, struct bgp_caps *caps)
{
	struct cursor host, domain;
	uint8_t len;
	char hostname[BGP_FQDN_MAX + 1], domainname[BGP_FQDN_MAX + 1];

	/* draft-walton-bgp-hostname-capability section 3: two length-prefixed
	 * strings that fill the capability. */
	if (cursor_get_u8(v, &len) != 0 || cursor_sub(v, len, &host) != 0 ||
	    cursor_get_u8(v, &len) != 0 || cursor_sub(v, len, &domain) != 0 ||
	    cursor_remaining(v) != 0)
		return -1;
	if (copy_text(&host, hostname) != 0 || copy_text(&domain, domainname) != 0)
		return -1;
	caps->fqdn = true;
	memcpy(caps->hostname, hostname, sizeof(hostname));
	memcpy(caps->domain, domainname, sizeof(domainname));
	return 0;
}

static void cap_unknown(struct bgp_caps *caps, uint8_t code)
{
	if (caps->unknown_count < BGP_CAPS_MAX_LIST)
		caps->unknown[caps->unknown_count++] = code;
	else
		sat_inc(&caps->unknown_dropped);
}

/* One Capabilities Optional Parameter: code, length, value, repeated. */
static int parse_capabilities(struct cursor *param, struct bgp_caps *caps)
{
	while (cursor_remaining(param) > 0) {
		uint8_t code, len;
		struct cursor v;
		int rc = 0;

		if (cursor_get_u8(param, &code) != 0 || cursor_get_u8(param, &len) != 0 ||
		    cursor_sub(param, len, &v) != 0)
			return -1;
		switch (code) {
		case BGP_CAP_MULTIPROTOCOL:
			rc = cap_multiprotocol(&v, caps);
			break;
		case BGP_CAP_ROUTE_REFRESH:
		case BGP_CAP_ENHANCED_ROUTE_REFRESH:
		case BGP_CAP_EXTENDED_MESSAGE:
			/* RFC 2918 section 2, RFC 7313 section 3, RFC 8654
			 * section 3: all three are empty. */
			if (len != 0)
				return -1;
			if (code == BGP_CAP_ROUTE_REFRESH)
				caps->route_refresh = true;
			else if (code == BGP_CAP_ENHANCED_ROUTE_REFRESH)
				caps->enhanced_route_refresh = true;
			else
				caps->extended_message = true;
			break;
		case BGP_CAP_ROUTE_REFRESH_CISCO:
			/* A private-use code with no document: only its
			 * customary empty form means route refresh. */
			if (len == 0)
				caps->route_refresh = true;
			else
				cap_unknown(caps, code);
			break;
		case BGP_CAP_AS4:
			rc = cap_as4(&v, caps);
			break;
		case BGP_CAP_GRACEFUL_RESTART:
			rc = cap_graceful_restart(&v, caps);
			break;
		case BGP_CAP_EXTENDED_NEXT_HOP:
			rc = cap_extended_next_hop(&v, caps);
			break;
		case BGP_CAP_ADD_PATH:
			rc = cap_addpath(&v, caps);
			break;
		case BGP_CAP_FQDN:
			rc = cap_fqdn(&v, caps);
			break;
		default:
			/* RFC 5492 section 3: ignore what we do not know. */
			cap_unknown(caps, code);
			break;
		}
		if (rc != 0)
			return -1;
	}
	return 0;
}

/* --- OPEN ------------------------------------------------------------------ */

static int open_params(struct cursor *c, uint8_t optlen, struct bgp_caps *caps,
                       struct bgp_error *err)
{
	struct cursor params;
	size_t total = optlen;
	bool extended = false;
	uint8_t first;

	/* RFC 9072 section 2: a non-zero one-octet length followed by type
	 * 255 announces the extended encoding; the one-octet length is then
	 * ignored and every parameter has a two-octet length. */
	if (optlen != 0 && cursor_peek_u8(c, &first) == 0 &&
	    first == BGP_OPT_PARAM_EXTENDED_LENGTH) {
		uint16_t ext_len;

		if (cursor_skip(c, 1) != 0 || cursor_get_u16(c, &ext_len) != 0)
			goto malformed;
		total = ext_len;
		extended = true;
	}
	/* RFC 4271 section 4.2: the parameters are the rest of the message,
	 * no more and no less. */
	if (cursor_remaining(c) != total || cursor_sub(c, total, &params) != 0)
		goto malformed;

	while (cursor_remaining(&params) > 0) {
		uint8_t type, len8;
		uint16_t len;
		struct cursor value;

		if (cursor_get_u8(&params, &type) != 0)
			goto malformed;
		if (extended) {
			if (cursor_get_u16(&params, &len) != 0)
				goto malformed;
		} else {
			if (cursor_get_u8(&params, &len8) != 0)
				goto malformed;
			len = len8;
		}
		if (cursor_sub(&params, len, &value) != 0)
			goto malformed;
		/* RFC 4271 section 6.2; RFC 9072 section 3 makes a 255 met
		 * anywhere but first an unrecognised parameter too. A
		 * zero-length Capabilities parameter carries nothing and is
		 * accepted as such. */
		if (type != BGP_OPT_PARAM_CAPABILITIES) {
			bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSUPPORTED_PARAM, NULL, 0);
			return -1;
		}
		if (parse_capabilities(&value, caps) != 0)
			goto malformed;
	}
	return 0;

malformed:
	/* RFC 4271 section 6.2: a recognised parameter that is malformed. */
	bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPECIFIC, NULL, 0);
	return -1;
}

int bgp_open_parse(const uint8_t *msg, size_t len, struct bgp_open *out, struct bgp_error *err)
{
	struct cursor c;
	uint8_t optlen = 0;

	memset(out, 0, sizeof(*out));
	if (len < BGP_OPEN_MIN_LEN || len > BGP_MAX_LEN) {
		error_bad_length(err, len);
		return -1;
	}
	cursor_init(&c, msg, len);
	cursor_skip(&c, BGP_HEADER_LEN);
	cursor_get_u8(&c, &out->version);
	cursor_get_u16(&c, &out->my_as_2byte);
	cursor_get_u16(&c, &out->hold_time);
	cursor_get_u32(&c, &out->bgp_id);
	cursor_get_u8(&c, &optlen);
	if (!cursor_ok(&c)) {
		error_bad_length(err, len);
		return -1;
	}

	/* RFC 4271 section 6.2: the data is the largest version we support
	 * below the one bid, or our smallest if none is: 4 either way. */
	if (out->version != BGP_VERSION) {
		error_u16(err, BGP_ERR_OPEN, BGP_OPEN_UNSUPPORTED_VERSION, BGP_VERSION);
		return -1;
	}
	/* RFC 7607 section 2: nobody is AS 0. */
	if (out->my_as_2byte == 0) {
		bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, NULL, 0);
		return -1;
	}
	/* RFC 4271 section 4.2: zero, or at least three seconds. */
	if (out->hold_time == 1 || out->hold_time == 2) {
		bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_UNACCEPTABLE_HOLD_TIME, NULL, 0);
		return -1;
	}
	/* RFC 6286 section 2.2: any value but zero (it need not be an IPv4
	 * address); whether it equals ours is the session's check. */
	if (out->bgp_id == 0) {
		bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_BGP_ID, NULL, 0);
		return -1;
	}
	if (open_params(&c, optlen, &out->caps, err) != 0)
		return -1;
	if (out->caps.as4 && out->caps.as4_as == 0) {
		bgp_error_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, NULL, 0);
		return -1;
	}
	return 0;
}

uint32_t bgp_open_peer_as(const struct bgp_open *open)
{
	return open->caps.as4 ? open->caps.as4_as : open->my_as_2byte;
}

void bgp_open_init(struct bgp_open *open, uint32_t asn, uint16_t hold_time, uint32_t bgp_id)
{
	memset(open, 0, sizeof(*open));
	open->version = BGP_VERSION;
	open->my_as_2byte = asn > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)asn;
	open->hold_time = hold_time;
	open->bgp_id = bgp_id;
	open->caps.as4 = true;
	open->caps.as4_as = asn;
}

/* Capability header now, its length once the value is written. */
static size_t cap_begin(struct builder *b, uint8_t code)
{
	builder_put_u8(b, code);
	return builder_reserve(b, 1);
}

static void cap_end(struct builder *b, size_t len_at)
{
	if (!builder_ok(b))
		return;
	size_t len = builder_len(b) - len_at - 1;
	if (len > UINT8_MAX) {
		builder_fail(b);
		return;
	}
	builder_patch_u8(b, len_at, (uint8_t)len);
}

static void put_string(struct builder *b, const char *s, size_t max)
{
	size_t n = strnlen(s, max);

	/* An unterminated array would be cut silently; refuse it instead. */
	if (n >= max) {
		builder_fail(b);
		return;
	}
	builder_put_u8(b, (uint8_t)(n > UINT8_MAX ? UINT8_MAX : n));
	builder_put_bytes(b, s, n);
}

static void build_capabilities(struct builder *b, const struct bgp_caps *caps)
{
	size_t at;

	for (int a = 0; a < BGP_AFSAFI_COUNT; a++) {
		uint16_t afi;
		uint8_t safi;

		if (!(caps->mp_afsafi & BGP_AFSAFI_BIT(a)))
			continue;
		bgp_afsafi_to_wire((enum bgp_afsafi)a, &afi, &safi);
		at = cap_begin(b, BGP_CAP_MULTIPROTOCOL);
		builder_put_u16(b, afi);
		builder_put_u8(b, 0);
		builder_put_u8(b, safi);
		cap_end(b, at);
	}
	if (caps->route_refresh)
		cap_end(b, cap_begin(b, BGP_CAP_ROUTE_REFRESH));
	if (caps->enhanced_route_refresh)
		cap_end(b, cap_begin(b, BGP_CAP_ENHANCED_ROUTE_REFRESH));
	if (caps->extended_message)
		cap_end(b, cap_begin(b, BGP_CAP_EXTENDED_MESSAGE));
	if (caps->as4) {
		at = cap_begin(b, BGP_CAP_AS4);
		builder_put_u32(b, caps->as4_as);
		cap_end(b, at);
	}
	if (caps->ext_nh_count > 0) {
		at = cap_begin(b, BGP_CAP_EXTENDED_NEXT_HOP);
		for (size_t i = 0; i < caps->ext_nh_count && i < BGP_CAPS_MAX_LIST; i++) {
			builder_put_u16(b, caps->ext_nh[i].nlri_afi);
			builder_put_u16(b, caps->ext_nh[i].nlri_safi);
			builder_put_u16(b, caps->ext_nh[i].nexthop_afi);
		}
		cap_end(b, at);
	}
	if (caps->addpath_count > 0) {
		at = cap_begin(b, BGP_CAP_ADD_PATH);
		for (size_t i = 0; i < caps->addpath_count && i < BGP_CAPS_MAX_LIST; i++) {
			builder_put_u16(b, caps->addpath[i].afi);
			builder_put_u8(b, caps->addpath[i].safi);
			builder_put_u8(b, caps->addpath[i].send_receive);
		}
		cap_end(b, at);
	}
	if (caps->fqdn) {
		/* Both strings share one capability of at most 255 bytes;
		 * cap_end() refuses a pair that does not fit. */
		at = cap_begin(b, BGP_CAP_FQDN);
		put_string(b, caps->hostname, sizeof(caps->hostname));
		put_string(b, caps->domain, sizeof(caps->domain));
		cap_end(b, at);
	}
	if (caps->gr.present) {
		const struct bgp_cap_gr *gr = &caps->gr;
		unsigned flags = (gr->restart ? BGP_GR_FLAG_RESTART : 0) |
		                 (gr->notification ? BGP_GR_FLAG_NOTIFICATION : 0);

		if (gr->restart_time > BGP_GR_TIME_MAX) {
			builder_fail(b);
			return;
		}
		at = cap_begin(b, BGP_CAP_GRACEFUL_RESTART);
		builder_put_u16(b, (uint16_t)(flags << 12 | gr->restart_time));
		for (int a = 0; a < BGP_AFSAFI_COUNT; a++) {
			uint16_t afi;
			uint8_t safi;

			if (!(gr->afsafi & BGP_AFSAFI_BIT(a)))
				continue;
			bgp_afsafi_to_wire((enum bgp_afsafi)a, &afi, &safi);
			builder_put_u16(b, afi);
			builder_put_u8(b, safi);
			builder_put_u8(
			    b, (gr->forwarding & BGP_AFSAFI_BIT(a)) ? BGP_GR_AF_FORWARDING : 0);
		}
		cap_end(b, at);
	}
}

int bgp_open_build(struct builder *b, const struct bgp_open *open)
{
	const struct bgp_caps *caps = &open->caps;
	uint8_t capbuf[BGP_MAX_LEN];
	struct builder cb;
	uint16_t as2;

	/* What a peer would have to refuse (RFC 4271 section 4.2, RFC 6286
	 * section 2.2, RFC 7607 section 2) is never sent. */
	if (open->hold_time == 1 || open->hold_time == 2 || open->bgp_id == 0 ||
	    (caps->as4 ? caps->as4_as == 0 : open->my_as_2byte == 0)) {
		builder_fail(b);
		return -1;
	}
	/* RFC 6793 section 4.1: an AS that needs four bytes is AS_TRANS in
	 * the two-byte field. */
	if (caps->as4)
		as2 = caps->as4_as > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)caps->as4_as;
	else
		as2 = open->my_as_2byte;

	/* The capabilities first, apart: their size picks the encoding. */
	builder_init_fixed(&cb, capbuf, sizeof(capbuf));
	build_capabilities(&cb, caps);
	if (!builder_ok(&cb)) {
		builder_fail(b);
		return -1;
	}
	size_t caplen = builder_len(&cb);

	size_t start = msg_begin(b, BGP_MSG_OPEN);
	builder_put_u8(b, BGP_VERSION);
	builder_put_u16(b, as2);
	builder_put_u16(b, open->hold_time);
	builder_put_u32(b, open->bgp_id);
	if (caplen == 0) {
		builder_put_u8(b, 0);
	} else if (caplen + 2 <= UINT8_MAX) {
		builder_put_u8(b, (uint8_t)(caplen + 2));
		builder_put_u8(b, BGP_OPT_PARAM_CAPABILITIES);
		builder_put_u8(b, (uint8_t)caplen);
	} else {
		/* RFC 9072 section 2: required past 255 bytes; the one-octet
		 * length SHOULD say 255. */
		builder_put_u8(b, BGP_OPT_PARAM_EXTENDED_LENGTH);
		builder_put_u8(b, BGP_OPT_PARAM_EXTENDED_LENGTH);
		builder_put_u16(b, (uint16_t)(caplen + 3));
		builder_put_u8(b, BGP_OPT_PARAM_CAPABILITIES);
		builder_put_u16(b, (uint16_t)caplen);
	}
	builder_put_bytes(b, capbuf, caplen);
	/* RFC 8654 section 4: an OPEN is never an extended message. */
	return msg_end(b, start, BGP_MAX_LEN);
}

/* --- negotiation ------------------------------------------------------------ */

/* RFC 4760 section 8 and RFC 4271: a speaker that advertises no family
 * speaks the base protocol, IPv4 unicast. */
static uint32_t open_families(const struct bgp_caps *caps)
{
	if (caps->mp_present || caps->mp_afsafi != 0)
		return caps->mp_afsafi;
	return BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST);
}

void bgp_negotiate(const struct bgp_open *ours, const struct bgp_open *theirs,
                   struct bgp_negotiated *out)
{
	const struct bgp_caps *a = &ours->caps, *b = &theirs->caps;

	memset(out, 0, sizeof(*out));
	out->peer_as = bgp_open_peer_as(theirs);
	out->hold_time = ours->hold_time < theirs->hold_time ? ours->hold_time : theirs->hold_time;
	out->keepalive_time = out->hold_time / 3;
	out->afsafi = open_families(a) & open_families(b);
	out->as4 = a->as4 && b->as4;
	out->route_refresh = a->route_refresh && b->route_refresh;
	out->enhanced_refresh = a->enhanced_route_refresh && b->enhanced_route_refresh;
	out->extended_message = a->extended_message && b->extended_message;
	out->rx_max_len = a->extended_message ? BGP_EXTENDED_MAX_LEN : BGP_MAX_LEN;
	out->tx_max_len = b->extended_message ? BGP_EXTENDED_MAX_LEN : BGP_MAX_LEN;
	out->graceful_restart = a->gr.present && b->gr.present;
	out->peer_gr = b->gr;
}

/* --- NOTIFICATION ------------------------------------------------------------ */

int bgp_notification_parse(const uint8_t *msg, size_t len, struct bgp_error *out)
{
	struct cursor c;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (len < BGP_NOTIFICATION_MIN_LEN)
		return -1;
	cursor_init(&c, msg, len);
	cursor_skip(&c, BGP_HEADER_LEN);
	cursor_get_u8(&c, &out->code);
	cursor_get_u8(&c, &out->subcode);
	n = cursor_remaining(&c);
	if (n > BGP_ERROR_DATA_MAX)
		n = BGP_ERROR_DATA_MAX;
	if (cursor_get_bytes(&c, out->data, n) != 0)
		return -1;
	out->data_len = (uint16_t)n;
	return 0;
}

int bgp_notification_build(struct builder *b, const struct bgp_error *e)
{
	if (e->data_len > BGP_ERROR_DATA_MAX) {
		builder_fail(b);
		return -1;
	}
	size_t start = msg_begin(b, BGP_MSG_NOTIFICATION);
	builder_put_u8(b, e->code);
	builder_put_u8(b, e->subcode);
	builder_put_bytes(b, e->data, e->data_len);
	return msg_end(b, start, BGP_MAX_LEN);
}

/* Names from RFC 4271 section 4.5 and the IANA registries, spelled as FRR
 * spells them, since operators compare our logs with theirs. */
static const char *const code_names[] = {
    [BGP_ERR_HEADER] = "Message Header Error",
    [BGP_ERR_OPEN] = "OPEN Message Error",
    [BGP_ERR_UPDATE] = "UPDATE Message Error",
    [BGP_ERR_HOLD_TIMER] = "Hold Timer Expired",
    [BGP_ERR_FSM] = "Neighbor Events Error",
    [BGP_ERR_CEASE] = "Cease",
    [BGP_ERR_ROUTE_REFRESH] = "ROUTE-REFRESH Message Error",
    [BGP_ERR_SEND_HOLD_TIMER] = "Send Hold Timer Expired",
};

static const char *const header_names[] = {
    [0] = "Unspecific",
    [BGP_HDR_NOT_SYNCHRONIZED] = "Connection Not Synchronized",
    [BGP_HDR_BAD_LENGTH] = "Bad Message Length",
    [BGP_HDR_BAD_TYPE] = "Bad Message Type",
};

static const char *const open_names[] = {
    [BGP_OPEN_UNSPECIFIC] = "Unspecific",
    [BGP_OPEN_UNSUPPORTED_VERSION] = "Unsupported Version Number",
    [BGP_OPEN_BAD_PEER_AS] = "Bad Peer AS",
    [BGP_OPEN_BAD_BGP_ID] = "Bad BGP Identifier",
    [BGP_OPEN_UNSUPPORTED_PARAM] = "Unsupported Optional Parameter",
    [BGP_OPEN_UNACCEPTABLE_HOLD_TIME] = "Unacceptable Hold Time",
    [BGP_OPEN_UNSUPPORTED_CAPABILITY] = "Unsupported Capability",
    [BGP_OPEN_ROLE_MISMATCH] = "Role Mismatch",
};

static const char *const update_names[] = {
    [0] = "Unspecific",
    [BGP_UPD_MALFORMED_ATTR_LIST] = "Malformed Attribute List",
    [BGP_UPD_UNRECOGNIZED_WELLKNOWN] = "Unrecognized Well-known Attribute",
    [BGP_UPD_MISSING_WELLKNOWN] = "Missing Well-known Attribute",
    [BGP_UPD_ATTR_FLAGS] = "Attribute Flags Error",
    [BGP_UPD_ATTR_LENGTH] = "Attribute Length Error",
    [BGP_UPD_INVALID_ORIGIN] = "Invalid ORIGIN Attribute",
    [BGP_UPD_INVALID_NEXT_HOP] = "Invalid NEXT_HOP Attribute",
    [BGP_UPD_OPTIONAL_ATTR] = "Optional Attribute Error",
    [BGP_UPD_INVALID_NETWORK] = "Invalid Network Field",
    [BGP_UPD_MALFORMED_AS_PATH] = "Malformed AS_PATH",
};

static const char *const fsm_names[] = {
    [BGP_FSM_UNSPECIFIED] = "Unspecific",
    [BGP_FSM_IN_OPENSENT] = "Receive Unexpected Message in OpenSent State",
    [BGP_FSM_IN_OPENCONFIRM] = "Receive Unexpected Message in OpenConfirm State",
    [BGP_FSM_IN_ESTABLISHED] = "Receive Unexpected Message in Established State",
};

static const char *const cease_names[] = {
    [0] = "Unspecific",
    [BGP_CEASE_MAX_PREFIX] = "Maximum Number of Prefixes Reached",
    [BGP_CEASE_ADMIN_SHUTDOWN] = "Administrative Shutdown",
    [BGP_CEASE_PEER_DECONFIGURED] = "Peer De-configured",
    [BGP_CEASE_ADMIN_RESET] = "Administrative Reset",
    [BGP_CEASE_CONNECTION_REJECTED] = "Connection Rejected",
    [BGP_CEASE_CONFIG_CHANGE] = "Other Configuration Change",
    [BGP_CEASE_COLLISION] = "Connection Collision Resolution",
    [BGP_CEASE_OUT_OF_RESOURCES] = "Out of Resources",
    [BGP_CEASE_HARD_RESET] = "Hard Reset",
    [BGP_CEASE_BFD_DOWN] = "BFD Down",
};

static const char *const refresh_names[] = {
    [0] = "Unspecific",
    [BGP_RR_INVALID_LENGTH] = "Invalid Message Length",
};

#define NAME_COUNT(t) (sizeof(t) / sizeof((t)[0]))

static const char *lookup_name(const char *const *names, size_t count, uint8_t v)
{
	if (v < count && names[v] != NULL)
		return names[v];
	return "Unrecognized Error Subcode";
}

const char *bgp_error_code_name(uint8_t code)
{
	if (code < NAME_COUNT(code_names) && code_names[code] != NULL)
		return code_names[code];
	return "Unrecognized Error Code";
}

const char *bgp_error_subcode_name(uint8_t code, uint8_t subcode)
{
	switch (code) {
	case BGP_ERR_HEADER:
		return lookup_name(header_names, NAME_COUNT(header_names), subcode);
	case BGP_ERR_OPEN:
		return lookup_name(open_names, NAME_COUNT(open_names), subcode);
	case BGP_ERR_UPDATE:
		return lookup_name(update_names, NAME_COUNT(update_names), subcode);
	case BGP_ERR_FSM:
		return lookup_name(fsm_names, NAME_COUNT(fsm_names), subcode);
	case BGP_ERR_CEASE:
		return lookup_name(cease_names, NAME_COUNT(cease_names), subcode);
	case BGP_ERR_ROUTE_REFRESH:
		return lookup_name(refresh_names, NAME_COUNT(refresh_names), subcode);
	}
	/* The hold timer codes have no subcodes; unknown codes none we know. */
	return "";
}

const char *bgp_error_format(const struct bgp_error *e, char *buf, size_t buflen)
{
	const char *sub = bgp_error_subcode_name(e->code, e->subcode);

	if (buflen > 0)
		snprintf(buf, buflen, "%s%s%s", bgp_error_code_name(e->code), sub[0] ? "/" : "",
		         sub);
	return buf;
}

/* --- shutdown communication --------------------------------------------------- */

static bool is_shutdown_cease(uint8_t code, uint8_t subcode)
{
	return code == BGP_ERR_CEASE &&
	       (subcode == BGP_CEASE_ADMIN_SHUTDOWN || subcode == BGP_CEASE_ADMIN_RESET);
}

int bgp_error_set_shutdown(struct bgp_error *e, uint8_t subcode, const char *text)
{
	size_t n = text != NULL ? strnlen(text, BGP_SHUTDOWN_COMM_MAX + 1) : 0;
	struct builder b;

	/* RFC 9003 section 2: subcodes 2 and 4 only, UTF-8, 255 bytes. */
	if (!is_shutdown_cease(BGP_ERR_CEASE, subcode) || n > BGP_SHUTDOWN_COMM_MAX ||
	    !utf8_valid(text, n))
		return -1;
	if (n == 0) {
		bgp_error_set(e, BGP_ERR_CEASE, subcode, NULL, 0);
		return 0;
	}
	e->code = BGP_ERR_CEASE;
	e->subcode = subcode;
	builder_init_fixed(&b, e->data, sizeof(e->data));
	builder_put_u8(&b, (uint8_t)n);
	builder_put_bytes(&b, text, n);
	e->data_len = (uint16_t)builder_len(&b);
	return 0;
}

enum bgp_shutdown_text bgp_error_shutdown_text(const struct bgp_error *e, char *out, size_t outlen)
{
	char text[BGP_SHUTDOWN_TEXT_SIZE];
	struct cursor c;
	uint8_t n;

	if (outlen > 0)
		out[0] = '\0';
	if (!is_shutdown_cease(e->code, e->subcode) || e->data_len == 0)
		return BGP_SHUTDOWN_TEXT_NONE;
	cursor_init(&c, e->data,
	            e->data_len < BGP_ERROR_DATA_MAX ? e->data_len : BGP_ERROR_DATA_MAX);
	cursor_get_u8(&c, &n);
	/* RFC 9003 section 2: the length octet accounts for all that
	 * follows; anything else is not a shutdown communication. */
	if (cursor_remaining(&c) != n)
		return BGP_SHUTDOWN_TEXT_INVALID;
	if (n == 0)
		return BGP_SHUTDOWN_TEXT_NONE;
	if (cursor_get_bytes(&c, text, n) != 0 || !utf8_valid(text, n))
		return BGP_SHUTDOWN_TEXT_INVALID;
	text[n] = '\0';
	sanitize_text(text, n);
	if (outlen == 0)
		return BGP_SHUTDOWN_TEXT_OK;
	/* Cut where a character starts, never inside one. */
	size_t k = n < outlen - 1 ? n : outlen - 1;
	while (k > 0 && k < n && ((uint8_t)text[k] & 0xc0) == 0x80)
		k--;
	memcpy(out, text, k);
	out[k] = '\0';
	return BGP_SHUTDOWN_TEXT_OK;
}

/* --- KEEPALIVE and ROUTE-REFRESH ------------------------------------------------ */

int bgp_keepalive_build(struct builder *b)
{
	size_t start = msg_begin(b, BGP_MSG_KEEPALIVE);

	return msg_end(b, start, BGP_KEEPALIVE_LEN);
}

enum bgp_refresh_parse bgp_refresh_parse(const uint8_t *msg, size_t len,
                                         const struct bgp_negotiated *neg, struct bgp_refresh *out,
                                         struct bgp_error *err)
{
	bool enhanced = neg != NULL && neg->enhanced_refresh;
	struct cursor c;

	memset(out, 0, sizeof(*out));
	if (len < BGP_ROUTE_REFRESH_LEN || len > BGP_EXTENDED_MAX_LEN ||
	    (!enhanced && len != BGP_ROUTE_REFRESH_LEN)) {
		error_bad_length(err, len);
		return BGP_REFRESH_PARSE_ERROR;
	}
	cursor_init(&c, msg, len);
	cursor_skip(&c, BGP_HEADER_LEN);
	cursor_get_u16(&c, &out->afi);
	cursor_get_u8(&c, &out->subtype);
	cursor_get_u8(&c, &out->safi);
	if (!cursor_ok(&c)) {
		error_bad_length(err, len);
		return BGP_REFRESH_PARSE_ERROR;
	}
	if (!enhanced) {
		/* RFC 2918 section 3: reserved, ignored by the receiver. */
		out->subtype = BGP_REFRESH_NORMAL;
		return BGP_REFRESH_PARSE_OK;
	}
	switch (out->subtype) {
	case BGP_REFRESH_NORMAL:
		return BGP_REFRESH_PARSE_OK;
	case BGP_REFRESH_BORR:
	case BGP_REFRESH_EORR:
		/* RFC 7313 section 5: the data is the complete message. */
		if (len != BGP_ROUTE_REFRESH_LEN) {
			bgp_error_set(err, BGP_ERR_ROUTE_REFRESH, BGP_RR_INVALID_LENGTH, msg, len);
			return BGP_REFRESH_PARSE_ERROR;
		}
		return BGP_REFRESH_PARSE_OK;
	}
	return BGP_REFRESH_PARSE_IGNORE;
}

int bgp_refresh_build(struct builder *b, const struct bgp_refresh *rr)
{
	size_t start = msg_begin(b, BGP_MSG_ROUTE_REFRESH);

	builder_put_u16(b, rr->afi);
	builder_put_u8(b, rr->subtype);
	builder_put_u8(b, rr->safi);
	return msg_end(b, start, BGP_ROUTE_REFRESH_LEN);
}
