/*
 * BGP-4 protocol constants: message types, error codes, path attribute
 * types and flags, capability codes, address families. Numbers are the IANA
 * registry values; each group names the RFC section that defines it.
 */
#ifndef SKYGATE_BGP_PROTO_H
#define SKYGATE_BGP_PROTO_H

#include <stddef.h>
#include <stdint.h>

/* RFC 4271 section 4.1: 16-octet marker of all ones, 2-octet length,
 * 1-octet type. RFC 8654 raises the maximum to 65535 for every message but
 * OPEN and KEEPALIVE once both sides advertise extended messages. */
#define BGP_MARKER_LEN 16
#define BGP_HEADER_LEN 19
#define BGP_MAX_LEN 4096
#define BGP_EXTENDED_MAX_LEN 65535
#define BGP_PORT 179
#define BGP_VERSION 4

/* RFC 4271 section 4.1, RFC 2918 section 3 */
enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5,
};

/* Minimum lengths of each message, header included (RFC 4271 section 4). */
#define BGP_OPEN_MIN_LEN 29
#define BGP_UPDATE_MIN_LEN 23
#define BGP_NOTIFICATION_MIN_LEN 21
#define BGP_KEEPALIVE_LEN 19
#define BGP_ROUTE_REFRESH_LEN 23

/* RFC 4271 section 4.5: NOTIFICATION error codes. */
enum bgp_error_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD_TIMER = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_ROUTE_REFRESH = 7, /* RFC 7313 section 5 */
	BGP_ERR_SEND_HOLD_TIMER = 8, /* RFC 9687 */
};

/* RFC 4271 section 6.1: Message Header Error subcodes. */
enum bgp_header_subcode {
	BGP_HDR_NOT_SYNCHRONIZED = 1,
	BGP_HDR_BAD_LENGTH = 2,
	BGP_HDR_BAD_TYPE = 3,
};

/* RFC 4271 section 6.2, RFC 5492 section 5: OPEN Message Error subcodes. */
enum bgp_open_subcode {
	BGP_OPEN_UNSPECIFIC = 0, /* a recognised parameter that is malformed */
	BGP_OPEN_UNSUPPORTED_VERSION = 1,
	BGP_OPEN_BAD_PEER_AS = 2,
	BGP_OPEN_BAD_BGP_ID = 3,
	BGP_OPEN_UNSUPPORTED_PARAM = 4,
	BGP_OPEN_UNACCEPTABLE_HOLD_TIME = 6,
	BGP_OPEN_UNSUPPORTED_CAPABILITY = 7,
	BGP_OPEN_ROLE_MISMATCH = 11, /* RFC 9234 */
};

/* RFC 4271 section 6.3: UPDATE Message Error subcodes. */
enum bgp_update_subcode {
	BGP_UPD_MALFORMED_ATTR_LIST = 1,
	BGP_UPD_UNRECOGNIZED_WELLKNOWN = 2,
	BGP_UPD_MISSING_WELLKNOWN = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LENGTH = 5,
	BGP_UPD_INVALID_ORIGIN = 6,
	BGP_UPD_INVALID_NEXT_HOP = 8,
	BGP_UPD_OPTIONAL_ATTR = 9,
	BGP_UPD_INVALID_NETWORK = 10,
	BGP_UPD_MALFORMED_AS_PATH = 11,
};

/* RFC 6608: Finite State Machine Error subcodes. */
enum bgp_fsm_subcode {
	BGP_FSM_UNSPECIFIED = 0,
	BGP_FSM_IN_OPENSENT = 1,
	BGP_FSM_IN_OPENCONFIRM = 2,
	BGP_FSM_IN_ESTABLISHED = 3,
};

/* RFC 4486 (updated by RFC 9003): Cease subcodes. */
enum bgp_cease_subcode {
	BGP_CEASE_MAX_PREFIX = 1,
	BGP_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_CEASE_PEER_DECONFIGURED = 3,
	BGP_CEASE_ADMIN_RESET = 4,
	BGP_CEASE_CONNECTION_REJECTED = 5,
	BGP_CEASE_CONFIG_CHANGE = 6,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_OUT_OF_RESOURCES = 8,
	BGP_CEASE_HARD_RESET = 9, /* RFC 8538 */
	BGP_CEASE_BFD_DOWN = 10,  /* RFC 9384 */
};

/* RFC 7313 section 5: ROUTE-REFRESH Message Error subcode. */
#define BGP_RR_INVALID_LENGTH 1

/* RFC 9003 section 2: Cease subcodes 2 and 4 may carry a 1-octet length
 * and at most 255 bytes of UTF-8; section 3: at most 128 to a peer not
 * known to support RFC 9003 (RFC 8203's limit). */
#define BGP_SHUTDOWN_COMM_MAX 255
#define BGP_SHUTDOWN_COMM_COMPAT_MAX 128

/* RFC 4271 section 4.3: path attribute flags. */
#define BGP_ATTR_FLAG_OPTIONAL 0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL 0x20
#define BGP_ATTR_FLAG_EXTENDED 0x10

/* Path attribute type codes (IANA "BGP Path Attributes"). */
enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,            /* RFC 4271 */
	BGP_ATTR_AS_PATH = 2,           /* RFC 4271 */
	BGP_ATTR_NEXT_HOP = 3,          /* RFC 4271 */
	BGP_ATTR_MED = 4,               /* RFC 4271 */
	BGP_ATTR_LOCAL_PREF = 5,        /* RFC 4271 */
	BGP_ATTR_ATOMIC_AGGREGATE = 6,  /* RFC 4271 */
	BGP_ATTR_AGGREGATOR = 7,        /* RFC 4271, RFC 6793 */
	BGP_ATTR_COMMUNITIES = 8,       /* RFC 1997 */
	BGP_ATTR_ORIGINATOR_ID = 9,     /* RFC 4456 */
	BGP_ATTR_CLUSTER_LIST = 10,     /* RFC 4456 */
	BGP_ATTR_MP_REACH_NLRI = 14,    /* RFC 4760 */
	BGP_ATTR_MP_UNREACH_NLRI = 15,  /* RFC 4760 */
	BGP_ATTR_EXT_COMMUNITIES = 16,  /* RFC 4360 */
	BGP_ATTR_AS4_PATH = 17,         /* RFC 6793 */
	BGP_ATTR_AS4_AGGREGATOR = 18,   /* RFC 6793 */
	BGP_ATTR_LARGE_COMMUNITIES = 32, /* RFC 8092 */
};

/* RFC 4271 section 5.1.1 */
enum bgp_origin {
	BGP_ORIGIN_IGP = 0,
	BGP_ORIGIN_EGP = 1,
	BGP_ORIGIN_INCOMPLETE = 2,
};

/* RFC 4271 section 4.3, RFC 5065: AS_PATH segment types. */
enum bgp_as_segment_type {
	BGP_AS_SET = 1,
	BGP_AS_SEQUENCE = 2,
	BGP_AS_CONFED_SEQUENCE = 3,
	BGP_AS_CONFED_SET = 4,
};

/* RFC 6793 section 9 */
#define BGP_AS_TRANS 23456

/* RFC 4271 section 4.3: a path segment counts its ASNs in one octet. */
#define BGP_AS_SEGMENT_MAX 255

/* Well-known communities (IANA "BGP Well-known Communities"). Plain macros:
 * the values do not fit an int enumeration constant. */
#define BGP_COMMUNITY_GRACEFUL_SHUTDOWN 0xFFFF0000u  /* RFC 8326 */
#define BGP_COMMUNITY_ACCEPT_OWN 0xFFFF0001u         /* RFC 7611 */
#define BGP_COMMUNITY_LLGR_STALE 0xFFFF0006u         /* RFC 9494 */
#define BGP_COMMUNITY_NO_LLGR 0xFFFF0007u            /* RFC 9494 */
#define BGP_COMMUNITY_BLACKHOLE 0xFFFF029Au          /* RFC 7999 */
#define BGP_COMMUNITY_NO_EXPORT 0xFFFFFF01u          /* RFC 1997 */
#define BGP_COMMUNITY_NO_ADVERTISE 0xFFFFFF02u       /* RFC 1997 */
#define BGP_COMMUNITY_NO_EXPORT_SUBCONFED 0xFFFFFF03u /* RFC 1997 */
#define BGP_COMMUNITY_NOPEER 0xFFFFFF04u             /* RFC 3765 */

/* RFC 5492 section 4: Optional Parameter type for capabilities. */
#define BGP_OPT_PARAM_CAPABILITIES 2
/* RFC 9072: extended optional parameters length marker. */
#define BGP_OPT_PARAM_EXTENDED_LENGTH 255

/* Capability codes (IANA "Capability Codes"). */
enum bgp_capability_code {
	BGP_CAP_MULTIPROTOCOL = 1,          /* RFC 4760 */
	BGP_CAP_ROUTE_REFRESH = 2,          /* RFC 2918 */
	BGP_CAP_EXTENDED_NEXT_HOP = 5,      /* RFC 8950 */
	BGP_CAP_EXTENDED_MESSAGE = 6,       /* RFC 8654 */
	BGP_CAP_ROLE = 9,                   /* RFC 9234 */
	BGP_CAP_GRACEFUL_RESTART = 64,      /* RFC 4724 */
	BGP_CAP_AS4 = 65,                   /* RFC 6793 */
	BGP_CAP_ADD_PATH = 69,              /* RFC 7911 */
	BGP_CAP_ENHANCED_ROUTE_REFRESH = 70, /* RFC 7313 */
	BGP_CAP_LONG_LIVED_GR = 71,         /* RFC 9494 */
	BGP_CAP_FQDN = 73,                  /* draft-walton-bgp-hostname */
	BGP_CAP_ROUTE_REFRESH_CISCO = 128,  /* pre-standard, still sent by some */
};

/* Address Family Identifiers and SAFIs (IANA; RFC 4760 section 6). */
#define BGP_AFI_IPV4_WIRE 1
#define BGP_AFI_IPV6_WIRE 2
#define BGP_SAFI_UNICAST 1

/* RFC 7313 section 3: ROUTE-REFRESH message subtypes. */
enum bgp_refresh_subtype {
	BGP_REFRESH_NORMAL = 0,
	BGP_REFRESH_BORR = 1,
	BGP_REFRESH_EORR = 2,
};

/* RFC 4724 section 3, RFC 8538 section 2: Graceful Restart capability
 * flags (the top 4 bits of the 16-bit flags-and-time field), the 12-bit
 * restart time, and the per-family Forwarding State bit. */
#define BGP_GR_FLAG_RESTART 0x8
#define BGP_GR_FLAG_NOTIFICATION 0x4
#define BGP_GR_TIME_MAX 0xfff
#define BGP_GR_AF_FORWARDING 0x80

/* RFC 7911 section 4: ADD-PATH Send/Receive field. */
#define BGP_ADDPATH_RECEIVE 1
#define BGP_ADDPATH_SEND 2
#define BGP_ADDPATH_BOTH 3

/* A NOTIFICATION to send (or one received): code, subcode and data. The
 * data is at most what fits in one maximal message. */
#define BGP_ERROR_DATA_MAX 256
struct bgp_error {
	uint8_t code;
	uint8_t subcode;
	uint16_t data_len;
	uint8_t data[BGP_ERROR_DATA_MAX];
};

#endif
