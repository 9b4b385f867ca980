/*
 * prefix.c - IPv4 and IPv6 prefixes: parse, print, compare.
 */
#include "prefix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static unsigned
addr_bytes(int family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	default:
		return 0;
	}
}

unsigned
prefix_max_len(int family)
{
	return addr_bytes(family) * 8;
}

bool
prefix_valid(const struct prefix *p)
{
	unsigned max = prefix_max_len(p->family);

	return max != 0 && p->len <= max;
}

bool
prefix_bit(const struct prefix *p, unsigned bit)
{
	if (bit >= prefix_max_len(p->family))
		return false;
	return (p->addr[bit / 8] >> (7 - bit % 8)) & 1;
}

/*
 * Parse the length after '/'.  Done by hand rather than with strtoul,
 * which would take leading spaces, a sign and "0x".
 */
static int
parse_len(const char *s, unsigned max, unsigned *out)
{
	unsigned v = 0;
	size_t n;

	for (n = 0; s[n] != '\0'; n++) {
		if (s[n] < '0' || s[n] > '9')
			return -1;
		/* Three digits cover 128; more can only be junk or overflow. */
		if (n == 3)
			return -1;
		v = v * 10 + (unsigned)(s[n] - '0');
	}
	if (n == 0 || (n > 1 && s[0] == '0') || v > max)
		return -1;
	*out = v;
	return 0;
}

int
prefix_parse(const char *text, struct prefix *out)
{
	char abuf[INET6_ADDRSTRLEN];
	const char *slash;
	size_t alen;
	struct prefix p;
	unsigned len;
	int family;

	if (text == NULL)
		return -1;

	slash = strchr(text, '/');
	alen = slash != NULL ? (size_t)(slash - text) : strlen(text);
	/* inet_pton needs a NUL-terminated copy of the address part. */
	if (alen == 0 || alen >= sizeof(abuf))
		return -1;
	memcpy(abuf, text, alen);
	abuf[alen] = '\0';

	memset(&p, 0, sizeof(p));
	family = strchr(abuf, ':') != NULL ? AF_INET6 : AF_INET;
	/* glibc's inet_pton takes only four decimal parts for AF_INET (no
	 * "10.1", no octal or hex) and no zone for AF_INET6, which is the
	 * strictness configuration wants. */
	if (inet_pton(family, abuf, p.addr) != 1)
		return -1;
	p.family = (uint8_t)family;

	if (slash == NULL) {
		len = prefix_max_len(family);
	} else if (parse_len(slash + 1, prefix_max_len(family), &len) != 0) {
		return -1;
	}
	p.len = (uint8_t)len;

	*out = p;
	return 0;
}

bool
prefix_has_host_bits(const struct prefix *p)
{
	unsigned nbytes = addr_bytes(p->family);
	unsigned i = p->len / 8;

	if (p->len >= nbytes * 8)
		return false;
	if (p->len % 8 != 0) {
		if (p->addr[i] & (0xffu >> (p->len % 8)))
			return true;
		i++;
	}
	for (; i < nbytes; i++) {
		if (p->addr[i] != 0)
			return true;
	}
	return false;
}

int
prefix_parse_strict(const char *text, struct prefix *out)
{
	struct prefix p;

	if (prefix_parse(text, &p) != 0 || prefix_has_host_bits(&p))
		return -1;
	*out = p;
	return 0;
}

void
prefix_normalize(struct prefix *p)
{
	unsigned nbytes = addr_bytes(p->family);
	unsigned i;

	if (nbytes == 0 || p->len > nbytes * 8)
		return;
	i = p->len / 8;
	if (p->len % 8 != 0) {
		p->addr[i] &= (uint8_t)(0xffu << (8 - p->len % 8));
		i++;
	}
	memset(p->addr + i, 0, sizeof(p->addr) - i);
}

static char *
put_decimal(char *out, unsigned v)
{
	if (v >= 100)
		*out++ = (char)('0' + v / 100);
	if (v >= 10)
		*out++ = (char)('0' + v / 10 % 10);
	*out++ = (char)('0' + v % 10);
	return out;
}

const char *
prefix_format(const struct prefix *p, char *buf, size_t buflen)
{
	char abuf[INET6_ADDRSTRLEN];
	int n;

	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (addr_bytes(p->family) == 0)
		return buf;
	if (p->family == AF_INET) {
		/* By hand: show commands and the approval store format
		 * prefixes by the hundred thousand, and inet_ntop plus
		 * snprintf cost several thousand instructions each
		 * (callgrind). */
		char text[sizeof("255.255.255.255/255")], *o = text;
		for (int i = 0; i < 4; i++) {
			o = put_decimal(o, p->addr[i]);
			*o++ = i < 3 ? '.' : '/';
		}
		o = put_decimal(o, p->len);
		*o = '\0';
		if ((size_t)(o - text) < buflen)
			memcpy(buf, text, (size_t)(o - text) + 1);
		return buf;
	}
	if (inet_ntop(p->family, p->addr, abuf, sizeof(abuf)) == NULL)
		return buf;
	n = snprintf(buf, buflen, "%s/%u", abuf, (unsigned)p->len);
	/* A cut-off prefix reads as a different, valid prefix; print nothing. */
	if (n < 0 || (size_t)n >= buflen)
		buf[0] = '\0';
	return buf;
}

int
prefix_cmp(const struct prefix *a, const struct prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	/* Compare only the family's bytes: the rest of an IPv4 prefix may hold
	 * anything when the caller filled it without normalising. */
	r = memcmp(a->addr, b->addr, addr_bytes(a->family));
	if (r != 0)
		return r < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

bool
prefix_equal(const struct prefix *a, const struct prefix *b)
{
	return prefix_cmp(a, b) == 0;
}

bool
prefix_contains(const struct prefix *outer, const struct prefix *inner)
{
	unsigned full, rest;

	if (outer->family != inner->family || outer->len > inner->len ||
	    !prefix_valid(outer) || !prefix_valid(inner))
		return false;
	full = outer->len / 8;
	rest = outer->len % 8;
	if (memcmp(outer->addr, inner->addr, full) != 0)
		return false;
	if (rest != 0) {
		uint8_t mask = (uint8_t)(0xffu << (8 - rest));

		if ((outer->addr[full] ^ inner->addr[full]) & mask)
			return false;
	}
	return true;
}

int
prefix_from_addr(int family, const void *addr, struct prefix *out)
{
	unsigned nbytes = addr_bytes(family);

	if (nbytes == 0)
		return -1;
	memset(out, 0, sizeof(*out));
	out->family = (uint8_t)family;
	out->len = (uint8_t)(nbytes * 8);
	memcpy(out->addr, addr, nbytes);
	return 0;
}
