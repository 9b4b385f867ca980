/*
 * BGP-4 message codec for everything but UPDATE: the header and the stream
 * splitter, OPEN with its capabilities, capability negotiation,
 * NOTIFICATION (with the RFC 9003 shutdown communication), KEEPALIVE and
 * ROUTE-REFRESH. UPDATE and path attributes live in bgp_update.h.
 *
 * Parsers read through a bounded cursor (lib/cursor.h) and never past the
 * buffer they are given. Each takes one whole message, header included, as
 * bgp_msg_split() delimited it, and returns 0 (or an enum) on success. On
 * failure it fills a struct bgp_error with exactly the NOTIFICATION that
 * the RFC says to send, data included, so the session code only sends it.
 *
 * Builders append one message to a struct builder and rely on its sticky
 * error: they return 0 when the builder is still good, -1 otherwise. Input
 * a builder refuses to encode (an OPEN claiming AS 0, an over-long
 * hostname) fails the builder too, so checking builder_ok() once at the
 * end is always enough.
 *
 * Ownership: every parsed structure is a plain value with fixed-size,
 * bounded arrays and strings. Nothing here allocates, nothing needs
 * freeing, no result points into the input buffer, and no function keeps
 * a pointer to its arguments.
 */
#ifndef SKYGATE_BGP_MSG_H
#define SKYGATE_BGP_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_proto.h"
#include "cursor.h"

/* --- address families ---------------------------------------------------- */

/* The AFI/SAFI pairs skygate knows, as bit numbers for the masks below. */
enum bgp_afsafi {
	BGP_AFSAFI_IPV4_UNICAST = 0,
	BGP_AFSAFI_IPV6_UNICAST = 1,
	BGP_AFSAFI_COUNT,
};
#define BGP_AFSAFI_BIT(a) (1u << (a))
#define BGP_AFSAFI_ALL    ((1u << BGP_AFSAFI_COUNT) - 1)

/* Wire AFI/SAFI (RFC 4760 section 6) to enum bgp_afsafi; -1 if unknown. */
int bgp_afsafi_from_wire(uint16_t afi, uint8_t safi);
/* enum bgp_afsafi to wire values; -1 for a value out of range. */
int bgp_afsafi_to_wire(enum bgp_afsafi a, uint16_t *afi, uint8_t *safi);
/* "IPv4 Unicast", "IPv6 Unicast" as FRR prints them; "Unknown" otherwise. */
const char *bgp_afsafi_name(enum bgp_afsafi a);

/* --- header and stream splitting (RFC 4271 sections 4.1, 6.1) ------------ */

struct bgp_header {
	uint16_t length; /* whole message, header included */
	uint8_t type;    /* enum bgp_msg_type */
};

struct bgp_negotiated;

enum bgp_split {
	BGP_SPLIT_ERROR = -1, /* the bytes are not a valid header: send err */
	BGP_SPLIT_MORE = 0,   /* wait until the buffer holds *need bytes */
	BGP_SPLIT_MESSAGE = 1 /* buf[0..*need) is one whole message */
};

/*
 * Look at the start of a receive buffer holding avail bytes. The header is
 * checked as soon as the bytes for each check are there, so a bogus length
 * is refused before the caller waits for (or allocates) that many bytes; a
 * broken marker is refused from its first wrong byte.
 *
 * neg is the session's negotiated state, or NULL before the OPEN exchange;
 * it decides the maximum length (RFC 8654) and whether a ROUTE-REFRESH may
 * be longer than 23 bytes (RFC 7313).
 *
 * On BGP_SPLIT_MESSAGE, *hdr describes the message and *need is its
 * length. On BGP_SPLIT_MORE, *need is how many bytes the buffer must hold
 * before calling again (the header, then the message), and *hdr is filled
 * once the header is complete. On BGP_SPLIT_ERROR, *err is the
 * NOTIFICATION to send.
 */
enum bgp_split bgp_msg_split(const uint8_t *buf, size_t avail, const struct bgp_negotiated *neg,
                             struct bgp_header *hdr, size_t *need, struct bgp_error *err);

/* "OPEN", "UPDATE", "NOTIFICATION", "KEEPALIVE", "ROUTE-REFRESH", or
 * "Unknown". */
const char *bgp_msg_type_name(uint8_t type);

/* --- capabilities (RFC 5492) --------------------------------------------- */

/* Bounds on the lists kept from one OPEN. A longer list is cut at the
 * bound and its *_dropped counter says how much was left out: the session
 * has no use for more, and an OPEN cannot make us allocate. */
#define BGP_CAPS_MAX_LIST 16
/* A hostname or domain is at most 255 bytes (one length octet), NUL
 * excluded. */
#define BGP_FQDN_MAX 255

/* RFC 4724 section 3, RFC 8538 section 2: what the peer says about its
 * restart and which families it keeps forwarding through one. */
struct bgp_cap_gr {
	bool present;
	bool restart;          /* R: the sender has restarted */
	bool notification;     /* N: GR also covers NOTIFICATION (RFC 8538) */
	uint16_t restart_time; /* seconds, 0..4095 */
	uint32_t afsafi;       /* BGP_AFSAFI_BIT()s of the families listed */
	uint32_t forwarding;   /* ... and of those whose F bit is set */
	uint16_t unknown;      /* entries for families we do not know */
};

/* RFC 7911 section 4, kept raw: we do not negotiate ADD-PATH yet. */
struct bgp_cap_addpath {
	uint16_t afi;
	uint8_t safi;
	uint8_t send_receive; /* 1 receive, 2 send, 3 both */
};

/* RFC 8950 section 3 (was RFC 5549): NLRI family carried with next hops
 * of another family. */
struct bgp_cap_ext_nh {
	uint16_t nlri_afi;
	uint16_t nlri_safi;
	uint16_t nexthop_afi;
};

struct bgp_caps {
	/* RFC 4760 section 8: one capability per family. A speaker sending
	 * none speaks IPv4 unicast only (the base protocol of RFC 4271). */
	bool mp_present;
	uint32_t mp_afsafi; /* BGP_AFSAFI_BIT()s */
	uint16_t mp_unknown;

	bool route_refresh;          /* RFC 2918 (code 2, or the older 128) */
	bool enhanced_route_refresh; /* RFC 7313 */
	bool extended_message;       /* RFC 8654 */

	bool as4; /* RFC 6793 */
	uint32_t as4_as;

	struct bgp_cap_gr gr;

	uint8_t ext_nh_count;
	uint16_t ext_nh_dropped;
	struct bgp_cap_ext_nh ext_nh[BGP_CAPS_MAX_LIST];

	uint8_t addpath_count;
	uint16_t addpath_dropped;
	struct bgp_cap_addpath addpath[BGP_CAPS_MAX_LIST];

	/* draft-walton-bgp-hostname-capability. Control characters (and any
	 * byte of text that is not UTF-8) read as '?': the names go to logs
	 * and terminals. */
	bool fqdn;
	char hostname[BGP_FQDN_MAX + 1];
	char domain[BGP_FQDN_MAX + 1];

	/* Capability codes we do not understand, in the order received; RFC
	 * 5492 section 3 says to ignore them, show output lists them. */
	uint8_t unknown_count;
	uint16_t unknown_dropped;
	uint8_t unknown[BGP_CAPS_MAX_LIST];
};

/* --- OPEN (RFC 4271 sections 4.2, 6.2; RFC 5492; RFC 9072) --------------- */

struct bgp_open {
	uint8_t version;
	uint16_t my_as_2byte; /* AS_TRANS when the AS needs 4 bytes */
	uint16_t hold_time;
	uint32_t bgp_id; /* host byte order */
	struct bgp_caps caps;
};

/*
 * Parse an OPEN. Checks, in the order of RFC 4271 section 6.2:
 *  - length 29..4096 (else Message Header Error/Bad Message Length);
 *  - version 4 (else Unsupported Version Number, data = 2-octet 4);
 *  - My AS not 0 (RFC 7607 section 2; else Bad Peer AS);
 *  - hold time 0 or >= 3 (else Unacceptable Hold Time);
 *  - BGP Identifier not 0 (RFC 6286 section 2.2; else Bad BGP Identifier);
 *  - only Capabilities parameters, in RFC 4271 or RFC 9072 encoding (else
 *    Unsupported Optional Parameter);
 *  - parameters and capabilities that fill their lengths exactly and known
 *    capabilities with the length their RFC gives (else Unspecific, RFC
 *    4271 section 6.2: "recognized, but malformed");
 *  - an AS4 capability not claiming AS 0 (RFC 7607; else Bad Peer AS).
 * Whether the peer AS and identifier are the ones expected is the
 * session's check. Duplicate capabilities: family lists add up; for the
 * single-valued ones the last instance wins, the rule RFC 4724 section 3
 * gives for graceful restart, applied to all of them alike.
 * *out is zeroed first and complete only when 0 is returned.
 */
int bgp_open_parse(const uint8_t *msg, size_t len, struct bgp_open *out, struct bgp_error *err);

/* RFC 6793 section 4.1: the AS4 capability when present, else the 2-byte
 * field (which is AS_TRANS, 23456, for a peer that sent AS_TRANS without
 * the capability: that peer is AS 23456 as far as anyone can tell). */
uint32_t bgp_open_peer_as(const struct bgp_open *open);

/* Zero *open and fill what every OPEN of ours has: version 4, the AS as an
 * AS4 capability and in the 2-byte field (AS_TRANS above 65535), hold
 * time and identifier (host byte order). Capabilities are the caller's. */
void bgp_open_init(struct bgp_open *open, uint32_t asn, uint16_t hold_time, uint32_t bgp_id);

/*
 * Append an OPEN. Version is always 4. When caps.as4 is set the 2-byte
 * field is derived from caps.as4_as (AS_TRANS above 65535, RFC 6793
 * section 4.1) and my_as_2byte is not used. All capabilities go into one
 * Capabilities parameter (RFC 5492 section 4 prefers it, and FRR, BIRD
 * and OpenBGPD accept that as well as one parameter per capability); the
 * RFC 9072 extended encoding is used only when that parameter would not
 * fit in 255 bytes. Sent: MP for each family in caps.mp_afsafi, route
 * refresh (code 2), enhanced route refresh, extended message, AS4,
 * extended next hop, ADD-PATH, FQDN and graceful restart, each when set;
 * counters of unknown or dropped things are not encoded.
 * Refused (the builder fails): hold time 1 or 2, identifier 0, AS 0, a
 * restart time over 4095, a hostname plus domain over 253 bytes, and an
 * OPEN over 4096 bytes.
 */
int bgp_open_build(struct builder *b, const struct bgp_open *open);

/* --- negotiation ---------------------------------------------------------- */

struct bgp_negotiated {
	uint32_t peer_as;        /* bgp_open_peer_as(theirs) */
	uint16_t hold_time;      /* RFC 4271 4.2: the smaller of the two */
	uint16_t keepalive_time; /* a third of it (RFC 4271 section 10) */
	uint32_t afsafi;         /* families both sides have */
	bool as4;
	bool route_refresh;
	bool enhanced_refresh;
	bool extended_message; /* both sides advertised it */
	/* RFC 8654 section 4: a peer may send extended messages once it has
	 * our capability, and we may send them once we have its. */
	uint16_t rx_max_len;
	uint16_t tx_max_len;
	bool graceful_restart; /* both sides advertised it */
	struct bgp_cap_gr peer_gr;
};

/* The session's view of what ours (the OPEN we sent) and theirs (the one
 * received) have in common. Fills every field of *out. */
void bgp_negotiate(const struct bgp_open *ours, const struct bgp_open *theirs,
                   struct bgp_negotiated *out);

/* --- NOTIFICATION (RFC 4271 sections 4.5, 6.4) ---------------------------- */

/* Fill *e; data beyond BGP_ERROR_DATA_MAX is cut (data may be NULL when
 * len is 0). */
void bgp_error_set(struct bgp_error *e, uint8_t code, uint8_t subcode, const void *data,
                   size_t len);

/*
 * RFC 5492 section 5: OPEN Message Error/Unsupported Capability lists the
 * capabilities we require and the peer lacks, each as code, length and
 * value. Sets code and subcode and appends one capability to the data;
 * -1 (and *e unchanged) if it does not fit.
 */
int bgp_error_add_capability(struct bgp_error *e, uint8_t cap_code, const void *value, uint8_t len);

/*
 * Parse a NOTIFICATION into *out: code, subcode and data, the data cut at
 * BGP_ERROR_DATA_MAX. Only a message shorter than 21 bytes fails (-1); an
 * unknown code is still a NOTIFICATION. Whatever is wrong with a
 * NOTIFICATION, none is sent back (RFC 4271 section 6.4).
 */
int bgp_notification_parse(const uint8_t *msg, size_t len, struct bgp_error *out);

/* Append a NOTIFICATION carrying *e. */
int bgp_notification_build(struct builder *b, const struct bgp_error *e);

/* Names as FRR logs and shows them: "Cease", "OPEN Message Error",
 * "Hold Timer Expired"; subcodes "Administrative Shutdown", "Bad Peer AS"
 * ("" for the Hold Timer codes, which have none). Unknown values give
 * "Unrecognized Error Code" and "Unrecognized Error Subcode". */
const char *bgp_error_code_name(uint8_t code);
const char *bgp_error_subcode_name(uint8_t code, uint8_t subcode);

/* "Cease/Administrative Shutdown", "Hold Timer Expired". Always
 * NUL-terminated (when buflen > 0), cut to fit. Returns buf. */
#define BGP_ERROR_NAME_MAX 96
const char *bgp_error_format(const struct bgp_error *e, char *buf, size_t buflen);

/* --- shutdown communication (RFC 9003, which obsoletes RFC 8203) --------- */

/* RFC 9003 section 2: at most 255 bytes; section 3: a peer not known to
 * support RFC 9003 should get no more than 128. */
#define BGP_SHUTDOWN_TEXT_SIZE (BGP_SHUTDOWN_COMM_MAX + 1)

/*
 * Make *e a Cease with subcode 2 (Administrative Shutdown) or 4
 * (Administrative Reset) carrying text. NULL or "" sends no data at all,
 * which every peer understands. -1 (and *e unchanged) for another subcode,
 * text over BGP_SHUTDOWN_COMM_MAX bytes, or text that is not shortest-form
 * UTF-8 (RFC 9003 section 2).
 */
int bgp_error_set_shutdown(struct bgp_error *e, uint8_t subcode, const char *text);

enum bgp_shutdown_text {
	BGP_SHUTDOWN_TEXT_NONE = 0, /* not Cease 2/4, or no communication */
	BGP_SHUTDOWN_TEXT_OK = 1,
	/* the length overruns or underruns the data, or the text is not
	 * valid UTF-8: RFC 9003 section 2 forbids interpreting it; log that
	 * it was invalid, not what it said */
	BGP_SHUTDOWN_TEXT_INVALID = -1,
};

/*
 * The shutdown communication of a received Cease, NUL-terminated in
 * out[0..outlen) (BGP_SHUTDOWN_TEXT_SIZE always fits; a smaller buffer
 * cuts at a character boundary). Control characters read as '?', so the
 * text is safe to log. out is "" unless BGP_SHUTDOWN_TEXT_OK.
 */
enum bgp_shutdown_text bgp_error_shutdown_text(const struct bgp_error *e, char *out, size_t outlen);

/* --- KEEPALIVE (RFC 4271 section 4.4) ------------------------------------- */

int bgp_keepalive_build(struct builder *b);

/* --- ROUTE-REFRESH (RFC 2918 section 3, RFC 7313 section 3) --------------- */

struct bgp_refresh {
	uint16_t afi;
	uint8_t subtype; /* enum bgp_refresh_subtype */
	uint8_t safi;
};

enum bgp_refresh_parse {
	BGP_REFRESH_PARSE_ERROR = -1, /* send *err */
	BGP_REFRESH_PARSE_OK = 0,
	BGP_REFRESH_PARSE_IGNORE = 1, /* RFC 7313 section 5: unknown subtype */
};

/*
 * Parse a ROUTE-REFRESH. Without enhanced route refresh negotiated the
 * message is exactly 23 bytes and the third octet is reserved (RFC 2918
 * section 3: ignored by the receiver), so subtype reads as 0. With it
 * (RFC 7313 section 5): a BoRR or EoRR of another length is a
 * ROUTE-REFRESH Message Error/Invalid Message Length whose data is the
 * whole message (cut at BGP_ERROR_DATA_MAX); a subtype other than 0, 1, 2
 * is to be ignored; a longer normal request is one carrying RFC 5291 ORF
 * entries, which we never asked for, and is served as a plain refresh.
 * Whether the AFI/SAFI was negotiated is the session's check (RFC 2918
 * section 4).
 */
enum bgp_refresh_parse bgp_refresh_parse(const uint8_t *msg, size_t len,
                                         const struct bgp_negotiated *neg, struct bgp_refresh *out,
                                         struct bgp_error *err);

int bgp_refresh_build(struct builder *b, const struct bgp_refresh *rr);

#endif
