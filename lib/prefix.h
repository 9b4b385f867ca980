/*
 * prefix.h - IPv4 and IPv6 prefixes as plain values.
 *
 * A struct prefix is a small value type: copy it by assignment, compare it
 * with prefix_cmp()/prefix_equal(), never free it.  No function here
 * allocates or keeps a pointer to its arguments.
 *
 * Address bytes are kept in network byte order so that a prefix can be
 * filled straight from the wire (RFC 4271 section 4.3 NLRI, RFC 4760
 * MP_REACH_NLRI) or from a sockaddr without swapping.
 */
#ifndef SKYGATE_PREFIX_H
#define SKYGATE_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h> /* AF_INET, AF_INET6 */

/*
 * Longest text prefix_format() can produce, NUL included: INET6_ADDRSTRLEN
 * (46, which covers "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255") less
 * its NUL, plus "/128" and the NUL.
 */
#define PREFIX_STRLEN 50

#define PREFIX_MAXLEN_INET 32
#define PREFIX_MAXLEN_INET6 128

struct prefix {
	uint8_t family;   /* AF_INET or AF_INET6 */
	uint8_t len;      /* prefix length in bits: 0..32 or 0..128 */
	uint8_t addr[16]; /* network byte order; IPv4 uses addr[0..3];
			   * bits past len are zero when normalised, and
			   * so are addr[4..15] of an IPv4 prefix */
};

/*
 * Parse "198.18.0.0/15" or "2001:db8::/32".  A bare address is a host
 * prefix (/32 or /128).  The text must be exactly an address, optionally
 * followed by '/' and a decimal length without sign, spaces or leading
 * zeros ("/08" is rejected so that what we print parses back the same).
 * IPv4 takes only the dotted-quad form; IPv6 takes any RFC 4291 form
 * inet_pton accepts, but no zone ("%eth0").
 *
 * Host bits past the length are accepted and kept, so "10.1.2.3/8" keeps
 * its address (an interface address with its mask).  Bytes of addr not
 * used by the family are zeroed.
 *
 * Returns 0, or -1 when text is NULL or not a valid prefix; *out is written
 * only on success.
 */
int prefix_parse(const char *text, struct prefix *out);

/*
 * As prefix_parse(), but also -1 when any host bit past the length is set:
 * configuration of a network must name the network (FRR says "Inconsistent
 * address and mask").  On success *out is therefore normalised.
 */
int prefix_parse_strict(const char *text, struct prefix *out);

/*
 * Clear every address bit past p->len, and addr[4..15] of an IPv4 prefix,
 * so that equal networks are equal bytes.  A length over the family's
 * maximum is left as it is (it is invalid; see prefix_valid()).
 */
void prefix_normalize(struct prefix *p);

/*
 * True when family is AF_INET or AF_INET6 and len is within its range.
 */
bool prefix_valid(const struct prefix *p);

/*
 * True when p has any address bit set past its length.
 */
bool prefix_has_host_bits(const struct prefix *p);

/*
 * Write "a.b.c.d/len", or an IPv6 address in RFC 5952 canonical form (as
 * glibc's inet_ntop writes it) followed by "/len", into buf.  Host bits
 * are printed as they are.  A buffer of PREFIX_STRLEN bytes always fits.
 * If the text does not fit in buflen bytes, or p has an unknown family,
 * buf is set to "" (when buflen > 0).  Returns buf.
 */
const char *prefix_format(const struct prefix *p, char *buf, size_t buflen);

/*
 * Total order: family (AF_INET before AF_INET6), then address bytes as
 * stored (host bits included), then length.  So a network sorts right
 * before the more specific networks inside it, which is the order of a
 * routing table listing.  Returns <0, 0 or >0.
 */
int prefix_cmp(const struct prefix *a, const struct prefix *b);

/* prefix_cmp(a, b) == 0: same family, length and used address bytes. */
bool prefix_equal(const struct prefix *a, const struct prefix *b);

/*
 * True when inner is equal to or more specific than outer and inside it:
 * same family, inner->len >= outer->len, and the first outer->len bits
 * agree.  Host bits of either are ignored.  False across families.
 */
bool prefix_contains(const struct prefix *outer, const struct prefix *inner);

/*
 * Make the host prefix of an address: addr points to 4 bytes (struct
 * in_addr) for AF_INET or 16 bytes (struct in6_addr) for AF_INET6, in
 * network byte order.  Returns 0, or -1 for any other family.
 */
int prefix_from_addr(int family, const void *addr, struct prefix *out);

/* 32 for AF_INET, 128 for AF_INET6, 0 for anything else. */
unsigned prefix_max_len(int family);

/*
 * Bit number bit of the address, bit 0 being the most significant bit of
 * addr[0] (the order in which BGP and the radix tree consume bits).
 * False for bits past the family's address width.
 */
bool prefix_bit(const struct prefix *p, unsigned bit);

#endif /* SKYGATE_PREFIX_H */
