/*
 * Shared by check_bgp_update.c and bgp_update_vectors.c (its table of
 * RFC 7606 vectors): the sessions a vector runs on, the vector itself,
 * and the hex building blocks both use.
 */
#ifndef SKYGATE_BGP_UPDATE_VECTORS_H
#define SKYGATE_BGP_UPDATE_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "bgp_update.h"

#define MASK(t) BGP_ATTR_MASK(t)

enum ctx_kind {
	E4,        /* external, four-octet AS, IPv4 + IPv6 */
	I4,        /* internal, four-octet AS */
	E2,        /* external, two-octet AS */
	I2,        /* internal, two-octet AS */
	E4_V4ONLY, /* IPv4 unicast only */
	E4_V6ONLY, /* IPv6 unicast only */
	E4_LOCAL,  /* our address 192.0.2.254 */
	E4_NOSET,  /* AS_SETs rejected (RFC 9774) */
};

/* Attribute building blocks in hex (four-octet AS unless marked 2). */
#define ORIGIN "40010100 "
#define ASP    "4002060201 0000fc01 " /* AS_SEQUENCE 64513 */
#define ASP2   "4002040201 fc01 "     /* the same, two-octet */
#define NH     "400304 c0000201 "     /* 192.0.2.1 */
#define LP     "400504 00000064 "     /* 100 */
#define BASE   ORIGIN ASP NH
#define BASE2  ORIGIN ASP2 NH
#define PFX    "18 c63364" /* 198.51.100.0/24 */
#define NH6    "20010db8000000000000000000000001"
/* MP_REACH_NLRI IPv6 unicast, next hop 2001:db8::1, NLRI 2001:db8::/32 */
#define MPR6 "800e1a 000201 10 " NH6 " 00 2020010db8 "
/* MP_UNREACH_NLRI IPv6 unicast withdrawing 2001:db8::/32 */
#define MPU6 "800f08 000201 2020010db8 "

#define OK      UPD_OK
#define DISCARD UPD_ATTR_DISCARD
#define TAW     UPD_TREAT_AS_WITHDRAW
#define RESET   UPD_SESSION_RESET
#define UPD     BGP_ERR_UPDATE

/* One UPDATE body and what parsing it must give. */
struct vec {
	const char *name;
	enum ctx_kind ctx;
	const char *withdrawn, *attrs, *nlri;
	const char *raw; /* the whole body instead, when lengths must lie */
	enum bgp_update_outcome outcome;
	uint8_t code, subcode; /* checked for every outcome but OK */
	const char *data;      /* NOTIFICATION data, NULL: not checked */
	uint8_t discard;       /* an attribute type that must be marked discarded */
	void (*check)(const struct bgp_update *u);
};

extern const struct vec bgp_update_vectors[];
extern const size_t bgp_update_nvectors;

/* Text of a path or prefix, in a static buffer (overwritten by the next
 * call). */
const char *path_text(const struct bgp_aspath *p);
const char *pfx_text(const struct prefix *p);

#endif
