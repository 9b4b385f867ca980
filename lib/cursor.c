/*
 * Bounded cursors: reads that cannot pass the end, writes that cannot pass
 * the limit.
 */
#include "cursor.h"

#include <stdlib.h>
#include <string.h>

void cursor_init(struct cursor *c, const void *data, size_t len)
{
	c->data = data;
	c->len = data != NULL ? len : 0;
	c->pos = 0;
	c->failed = false;
}

size_t cursor_remaining(const struct cursor *c)
{
	return c->len - c->pos;
}

size_t cursor_offset(const struct cursor *c)
{
	return c->pos;
}

bool cursor_ok(const struct cursor *c)
{
	return !c->failed;
}

const uint8_t *cursor_ptr(const struct cursor *c)
{
	return c->data + c->pos;
}

/* The one place that decides whether n more bytes exist. */
static const uint8_t *take(struct cursor *c, size_t n)
{
	if (n > c->len - c->pos) {
		c->failed = true;
		return NULL;
	}
	const uint8_t *p = c->data + c->pos;
	c->pos += n;
	return p;
}

static uint64_t load_be(const uint8_t *p, size_t n)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		v = (v << 8) | p[i];
	return v;
}

int cursor_get_u8(struct cursor *c, uint8_t *out)
{
	const uint8_t *p = take(c, 1);
	if (p == NULL)
		return -1;
	*out = p[0];
	return 0;
}

int cursor_get_u16(struct cursor *c, uint16_t *out)
{
	const uint8_t *p = take(c, 2);
	if (p == NULL)
		return -1;
	*out = (uint16_t)load_be(p, 2);
	return 0;
}

int cursor_get_u24(struct cursor *c, uint32_t *out)
{
	const uint8_t *p = take(c, 3);
	if (p == NULL)
		return -1;
	*out = (uint32_t)load_be(p, 3);
	return 0;
}

int cursor_get_u32(struct cursor *c, uint32_t *out)
{
	const uint8_t *p = take(c, 4);
	if (p == NULL)
		return -1;
	*out = (uint32_t)load_be(p, 4);
	return 0;
}

int cursor_get_u64(struct cursor *c, uint64_t *out)
{
	const uint8_t *p = take(c, 8);
	if (p == NULL)
		return -1;
	*out = load_be(p, 8);
	return 0;
}

int cursor_get_bytes(struct cursor *c, void *out, size_t n)
{
	const uint8_t *p = take(c, n);
	if (p == NULL)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int cursor_skip(struct cursor *c, size_t n)
{
	return take(c, n) != NULL ? 0 : -1;
}

int cursor_peek_u8(const struct cursor *c, uint8_t *out)
{
	if (c->pos >= c->len)
		return -1;
	*out = c->data[c->pos];
	return 0;
}

int cursor_sub(struct cursor *c, size_t n, struct cursor *sub)
{
	const uint8_t *p = take(c, n);
	if (p == NULL)
		return -1;
	cursor_init(sub, p, n);
	return 0;
}

void builder_init_fixed(struct builder *b, void *buf, size_t cap)
{
	b->data = buf;
	b->len = 0;
	b->cap = buf != NULL ? cap : 0;
	b->max = b->cap;
	b->growable = false;
	b->failed = false;
}

void builder_init_dynamic(struct builder *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
	b->growable = true;
	b->failed = false;
}

void builder_free(struct builder *b)
{
	if (b->growable)
		free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

bool builder_ok(const struct builder *b)
{
	return !b->failed;
}

size_t builder_len(const struct builder *b)
{
	return b->len;
}

const uint8_t *builder_data(const struct builder *b)
{
	return b->data;
}

uint8_t *builder_take(struct builder *b, size_t *len)
{
	if (b->failed || !b->growable)
		return NULL;
	uint8_t *data = b->data;
	if (len != NULL)
		*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return data;
}

/* Make room for n more bytes, or fail the builder. Returns where to write. */
static uint8_t *room(struct builder *b, size_t n)
{
	if (b->failed)
		return NULL;
	if (n > b->max - b->len) {
		b->failed = true;
		return NULL;
	}
	if (n > b->cap - b->len) {
		/* Double, so a message of k puts costs O(log k) reallocs. */
		size_t want = b->len + n;
		size_t cap = b->cap > 0 ? b->cap : 64;
		while (cap < want)
			cap = cap > b->max / 2 ? b->max : cap * 2;
		if (cap > b->max)
			cap = b->max;
		uint8_t *grown = realloc(b->data, cap);
		if (grown == NULL) {
			b->failed = true;
			return NULL;
		}
		b->data = grown;
		b->cap = cap;
	}
	uint8_t *p = b->data + b->len;
	b->len += n;
	return p;
}

static void store_be(uint8_t *p, uint64_t v, size_t n)
{
	for (size_t i = n; i > 0; i--) {
		p[i - 1] = (uint8_t)v;
		v >>= 8;
	}
}

static void put_be(struct builder *b, uint64_t v, size_t n)
{
	uint8_t *p = room(b, n);
	if (p != NULL)
		store_be(p, v, n);
}

void builder_put_u8(struct builder *b, uint8_t v)
{
	put_be(b, v, 1);
}

void builder_put_u16(struct builder *b, uint16_t v)
{
	put_be(b, v, 2);
}

void builder_put_u24(struct builder *b, uint32_t v)
{
	if (v > 0xffffff) {
		b->failed = true;
		return;
	}
	put_be(b, v, 3);
}

void builder_put_u32(struct builder *b, uint32_t v)
{
	put_be(b, v, 4);
}

void builder_put_u64(struct builder *b, uint64_t v)
{
	put_be(b, v, 8);
}

void builder_put_bytes(struct builder *b, const void *src, size_t n)
{
	uint8_t *p = room(b, n);
	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void builder_put_zero(struct builder *b, size_t n)
{
	uint8_t *p = room(b, n);
	if (p != NULL && n > 0)
		memset(p, 0, n);
}

size_t builder_reserve(struct builder *b, size_t n)
{
	size_t offset = b->len;
	uint8_t *p = room(b, n);
	if (p == NULL)
		return SIZE_MAX;
	memset(p, 0, n);
	return offset;
}

static void patch_be(struct builder *b, size_t offset, uint64_t v, size_t n)
{
	if (b->failed)
		return;
	if (offset > b->len || n > b->len - offset) {
		b->failed = true;
		return;
	}
	store_be(b->data + offset, v, n);
}

void builder_patch_u8(struct builder *b, size_t offset, uint8_t v)
{
	patch_be(b, offset, v, 1);
}

void builder_patch_u16(struct builder *b, size_t offset, uint16_t v)
{
	patch_be(b, offset, v, 2);
}
