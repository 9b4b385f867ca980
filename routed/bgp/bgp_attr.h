/*
 * BGP path attributes: the decoded set the RIB works with, the decoders for
 * each attribute value, the encoder, canonical hashing and equality (for
 * interning identical sets), and the text forms FRR users know.
 *
 * What an attribute set is: RFC 4271 section 5 for ORIGIN, AS_PATH,
 * NEXT_HOP, MULTI_EXIT_DISC, LOCAL_PREF, ATOMIC_AGGREGATE and AGGREGATOR;
 * RFC 1997 communities, RFC 4360 extended communities, RFC 8092 large
 * communities, RFC 4456 ORIGINATOR_ID and CLUSTER_LIST, and unrecognised
 * optional transitive attributes kept as they came so they can be passed on
 * (RFC 4271 section 5, with the Partial bit set). AS numbers are always
 * four octets here: a two-octet session's AS_PATH/AS4_PATH pair is merged
 * on receipt (RFC 6793 section 4.2.3) and split again on sending.
 *
 * Which error handling applies to a malformed value (RFC 7606) is decided
 * by bgp_update.c; the decoders here only say whether a value is
 * well-formed and why not.
 *
 * Ownership: every array a struct bgp_attrs points to lives in a struct
 * bgp_arena (or in memory the caller manages the same way); a bgp_attrs
 * never frees anything and is copied by value only together with the
 * memory it points into. The arena is a single caller-supplied buffer that
 * the caller resets after each UPDATE; nothing here calls malloc except the
 * encoder's builder when the caller gave it a growing one.
 */
#ifndef SKYGATE_BGP_ATTR_H
#define SKYGATE_BGP_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_proto.h"
#include "cursor.h"

/*
 * Bump allocator over one caller-owned buffer: allocations are aligned for
 * any type, are never freed one by one, and all go away at
 * bgp_arena_reset(). bgp_arena_alloc() returns NULL when the buffer is full
 * (or size is 0); it never touches the heap.
 */
struct bgp_arena {
	uint8_t *buf;
	size_t cap;
	size_t used;
};

void bgp_arena_init(struct bgp_arena *a, void *buf, size_t cap);
void bgp_arena_reset(struct bgp_arena *a);
void *bgp_arena_alloc(struct bgp_arena *a, size_t size);

/* Bit of struct bgp_attrs.present for attribute type code t (t < 64). */
#define BGP_ATTR_MASK(t) ((uint64_t)1 << (t))

/*
 * One AS_PATH segment (RFC 4271 section 4.3, RFC 5065 for the confederation
 * types). In the normalised form adjacent AS_SEQUENCE (and adjacent
 * AS_CONFED_SEQUENCE) segments are joined, so count may exceed the 255 a
 * wire segment holds; the encoder splits them again. Sets are never joined:
 * two sets count as two hops (RFC 4271 section 9.1.2.2).
 */
struct bgp_as_segment {
	uint8_t type;   /* enum bgp_as_segment_type */
	uint32_t count; /* number of ASNs, > 0 */
	uint32_t *asns; /* count four-octet AS numbers */
};

struct bgp_aspath {
	size_t nsegs;
	struct bgp_as_segment *segs;
};

/* RFC 8092 section 3 */
struct bgp_large_community {
	uint32_t global;
	uint32_t local1;
	uint32_t local2;
};

/* The flags an attribute keeps: Optional, Transitive and Partial. */
#define BGP_ATTR_FLAGS_KEPT                                                                        \
	(BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE | BGP_ATTR_FLAG_PARTIAL)

/* An attribute kept as it came: an unrecognised optional transitive one. */
struct bgp_attr_raw {
	uint8_t flags; /* as received, only BGP_ATTR_FLAGS_KEPT */
	uint8_t type;
	uint16_t len;
	uint8_t *value; /* len bytes, arena memory */
};

/*
 * The next hop of an MP_REACH_NLRI (RFC 4760 section 3): IPv4 (4 octets)
 * or IPv6, the latter optionally followed by the link-local address of the
 * same interface (RFC 2545 section 3). family 0: none.
 */
struct bgp_mp_nexthop {
	uint8_t family; /* 0, AF_INET or AF_INET6 */
	bool has_link_local;
	uint8_t global[16]; /* network order; IPv4 uses the first 4 */
	uint8_t link_local[16];
};

/*
 * A decoded attribute set. A field is meaningful only when its bit is set
 * in present (BGP_ATTR_MASK(BGP_ATTR_...)), except mp_nexthop (family) and
 * unknown (nunknown). ATOMIC_AGGREGATE is only its bit. MP_REACH_NLRI,
 * MP_UNREACH_NLRI, AS4_PATH and AS4_AGGREGATOR never appear here: the first
 * two carry NLRI (struct bgp_update) and the last two are folded in.
 *
 * Canonical form (what bgp_attrs_hash/equal expect, what the parser makes
 * and bgp_attrs_normalize() restores): communities, extended and large
 * communities sorted ascending without duplicates; unknown sorted by type
 * with one entry per type and only BGP_ATTR_FLAGS_KEPT in its flags. Addresses are
 * in network byte order; router and cluster IDs are host-order integers.
 */
struct bgp_attrs {
	uint64_t present;
	uint8_t origin; /* enum bgp_origin */
	/* FRR's weight: local to this router, never encoded or decoded (no
	 * bit in present), 0 unless inbound policy or `neighbor X weight`
	 * set it. It sits in padding, so the set does not grow, and takes
	 * part in hashing and equality, so sets that differ only in weight
	 * stay apart. */
	uint32_t weight;
	struct bgp_aspath aspath;
	uint8_t nexthop[4]; /* NEXT_HOP */
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggregator_as; /* four-octet, after RFC 6793 merging */
	uint8_t aggregator_addr[4];
	size_t ncommunities;
	uint32_t *communities; /* RFC 1997: high 16 bits AS, low 16 value */
	size_t next_communities;
	uint64_t *ext_communities; /* RFC 4360: the 8 octets, big-endian */
	size_t nlarge_communities;
	struct bgp_large_community *large_communities;
	uint32_t originator_id;
	size_t ncluster_list;
	uint32_t *cluster_list; /* in path order, not sorted */
	struct bgp_mp_nexthop mp_nexthop;
	size_t nunknown;
	struct bgp_attr_raw *unknown;
};

/* Result of decoding one attribute value. */
enum bgp_decode {
	BGP_DECODE_OK = 0,
	BGP_DECODE_BAD_LENGTH, /* the length does not fit the type (RFC 7606 section 7) */
	BGP_DECODE_BAD_VALUE,  /* right size, wrong content (ORIGIN value, AS_PATH, AS 0) */
	BGP_DECODE_NO_MEMORY,  /* the arena is full */
};

/*
 * Decode the value of one of ORIGIN, AS_PATH, NEXT_HOP, MULTI_EXIT_DISC,
 * LOCAL_PREF, ATOMIC_AGGREGATE, AGGREGATOR, COMMUNITIES, ORIGINATOR_ID,
 * CLUSTER_LIST, EXT_COMMUNITIES or LARGE_COMMUNITIES into attrs and set its
 * present bit. as4 selects four-octet AS numbers in AS_PATH and AGGREGATOR
 * (RFC 6793 section 4.1). value is consumed whole. On anything but
 * BGP_DECODE_OK, attrs is left as it was (arena space may be used) and *why
 * names the rule broken, with its RFC section. Any other type: BAD_VALUE.
 */
enum bgp_decode bgp_attr_decode(struct bgp_attrs *attrs, uint8_t type, struct cursor *value,
                                bool as4, struct bgp_arena *arena, const char **why);

/*
 * Decode an AS_PATH or AS4_PATH value with as_size-octet AS numbers (2 or
 * 4) into the normalised form. Malformed per RFC 7606 section 7.2 / RFC
 * 6793 section 6: unknown segment type, zero-length segment, a segment
 * running past the end, a lone octet after the last segment. AS number 0
 * is malformed too (RFC 7607 section 2). An empty value is an empty path.
 */
enum bgp_decode bgp_aspath_decode(struct cursor *value, unsigned as_size, struct bgp_arena *arena,
                                  struct bgp_aspath *out, const char **why);

/*
 * The path length used by the decision process and by RFC 6793 section
 * 4.2.3: each AS in an AS_SEQUENCE counts one, an AS_SET counts one,
 * confederation segments count nothing (RFC 5065 section 5.3).
 */
size_t bgp_aspath_count(const struct bgp_aspath *path);

/* True when the path holds an AS_CONFED_SEQUENCE or AS_CONFED_SET. */
bool bgp_aspath_has_confed(const struct bgp_aspath *path);

/* Drop confederation segments in place (RFC 6793 section 6: they are
 * invalid in AS4_PATH). Returns how many segments were dropped. */
size_t bgp_aspath_strip_confed(struct bgp_aspath *path);

/*
 * RFC 6793 section 4.2.3: rebuild the four-octet path from a two-octet
 * session's AS_PATH and AS4_PATH. Returns 0 with *out set to the merged
 * path (arena memory), 1 when AS4_PATH counts more ASes than AS_PATH and
 * must be ignored (*out untouched), -1 when the arena is full.
 */
int bgp_aspath_merge_as4(const struct bgp_aspath *as_path, const struct bgp_aspath *as4_path,
                         struct bgp_arena *arena, struct bgp_aspath *out);

/* How bgp_attrs_encode() writes a set for one session. */
struct bgp_attr_encode_opts {
	bool as4;      /* four-octet AS session; else AS_TRANS + AS4_* (RFC 6793 4.2.2) */
	bool ebgp;     /* peer outside our AS and confederation */
	bool next_hop; /* write NEXT_HOP (only for IPv4 NLRI in the classic field) */
};

/*
 * Append the attributes of a (canonical) set to b in type-code order, the
 * Extended Length bit only on values over 255 octets. Not written here:
 * MP_REACH_NLRI/MP_UNREACH_NLRI (the UPDATE builder puts them first, RFC
 * 7606 section 5.1). For an external peer LOCAL_PREF (RFC 4271 section
 * 5.1.5), ORIGINATOR_ID and CLUSTER_LIST (RFC 4456 section 8) are left out.
 * On a two-octet session AS numbers over 65535 become AS_TRANS and
 * AS4_PATH / AS4_AGGREGATOR carry the real ones when needed. Unknown
 * attributes are sent Optional|Transitive|Partial (RFC 4271 section 5).
 * Returns 0, or -1 when the set cannot be encoded (an AS_SET of more than
 * 255 ASes, a value over 65535 octets) or b failed.
 */
int bgp_attrs_encode(struct builder *b, const struct bgp_attrs *attrs,
                     const struct bgp_attr_encode_opts *opts);

/* Append a path attribute header: flags (the four low bits cleared, the
 * Extended Length bit set only when len > 255), type and length. */
void bgp_attr_put_header(struct builder *b, uint8_t flags, uint8_t type, size_t len);

/* Sort and de-duplicate in place what the canonical form keeps sorted. */
void bgp_attrs_normalize(struct bgp_attrs *attrs);

/*
 * Hash and equality over the canonical form: the fields whose present bit
 * is set, the MP next hop, and the unknown attributes. AS paths compare by
 * meaning, not by how sequences were split into segments.
 */
uint64_t bgp_attrs_hash(const struct bgp_attrs *attrs);
bool bgp_attrs_equal(const struct bgp_attrs *a, const struct bgp_attrs *b);

/*
 * Text forms, as FRR prints them: "64513 64514 {64515,64516}" with
 * confederation segments as "(64512 64513)" and "[64512,64513]";
 * communities "65000:1 no-export" (well-known ones by name); large
 * communities "65000:1:2". Each writes a NUL-terminated string into buf
 * (truncated to fit) and returns the length the whole text needs, as
 * snprintf does.
 */
size_t bgp_aspath_format(const struct bgp_aspath *path, char *buf, size_t len);
size_t bgp_communities_format(const uint32_t *comms, size_t n, char *buf, size_t len);
size_t bgp_large_communities_format(const struct bgp_large_community *comms, size_t n, char *buf,
                                    size_t len);

/* Name of an attribute type code ("ORIGIN", ...), or NULL if unknown. */
const char *bgp_attr_name(uint8_t type);

#endif
