/*
 * Bounded cursors for every byte that comes from (or goes to) the network.
 *
 * Reading: a struct cursor is a window onto a buffer it does not own. Every
 * get either succeeds completely or fails with -1 and leaves the position
 * unchanged, so a truncated message can never be read past its end. A failed
 * get also sets the sticky `failed` flag, so a parser may chain several gets
 * and check once (cursor_ok()) before it trusts any of the values.
 * Multi-byte integers are big-endian (network order), as in every protocol
 * skygate speaks.
 *
 * Writing: a struct builder appends into either a caller's fixed buffer or a
 * buffer it grows itself up to a hard maximum (a BGP message is at most 4096
 * or, with RFC 8654, 65535 bytes). Errors accumulate: after the first failed
 * put every later put is a no-op and builder_ok() reports false, so a message
 * builder checks once at the end, OpenBGPD style.
 *
 * Ownership: a cursor borrows its buffer, which must outlive it. A fixed
 * builder borrows its buffer; a growing builder owns its buffer until
 * builder_take() hands it to the caller (who frees it with free()) or
 * builder_free() releases it.
 */
#ifndef SKYGATE_CURSOR_H
#define SKYGATE_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cursor {
	const uint8_t *data;
	size_t len;
	size_t pos;
	bool failed;
};

void cursor_init(struct cursor *c, const void *data, size_t len);
size_t cursor_remaining(const struct cursor *c);
size_t cursor_offset(const struct cursor *c);
bool cursor_ok(const struct cursor *c);
/* Pointer to the unread bytes; valid for cursor_remaining() bytes. */
const uint8_t *cursor_ptr(const struct cursor *c);

int cursor_get_u8(struct cursor *c, uint8_t *out);
int cursor_get_u16(struct cursor *c, uint16_t *out);
int cursor_get_u24(struct cursor *c, uint32_t *out);
int cursor_get_u32(struct cursor *c, uint32_t *out);
int cursor_get_u64(struct cursor *c, uint64_t *out);
int cursor_get_bytes(struct cursor *c, void *out, size_t n);
int cursor_skip(struct cursor *c, size_t n);
int cursor_peek_u8(const struct cursor *c, uint8_t *out);

/*
 * Split off the next n bytes as their own cursor and advance past them: the
 * way to parse a length-prefixed field (a path attribute, a capability) so
 * that its parser cannot stray into the next one.
 */
int cursor_sub(struct cursor *c, size_t n, struct cursor *sub);

struct builder {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;     /* hard limit; a put that would pass it fails */
	bool growable;  /* data is ours and may be realloc()ed up to max */
	bool failed;
};

/* Append into buf[0..cap); never allocates. */
void builder_init_fixed(struct builder *b, void *buf, size_t cap);
/* Allocate as needed, never beyond max bytes in total. */
void builder_init_dynamic(struct builder *b, size_t max);
void builder_free(struct builder *b);
bool builder_ok(const struct builder *b);
size_t builder_len(const struct builder *b);
const uint8_t *builder_data(const struct builder *b);
/* For a growable builder that is ok: hand over the buffer (caller frees) and
 * its length; the builder is left empty. NULL if failed or fixed. */
uint8_t *builder_take(struct builder *b, size_t *len);

void builder_put_u8(struct builder *b, uint8_t v);
void builder_put_u16(struct builder *b, uint16_t v);
void builder_put_u24(struct builder *b, uint32_t v);
void builder_put_u32(struct builder *b, uint32_t v);
void builder_put_u64(struct builder *b, uint64_t v);
void builder_put_bytes(struct builder *b, const void *src, size_t n);
void builder_put_zero(struct builder *b, size_t n);

/*
 * Length fields are known only after the body: reserve room now, patch later.
 * builder_reserve() returns the offset of the reserved bytes (or SIZE_MAX on
 * failure, which also marks the builder failed); builder_patch_u8/u16 write
 * into an already-written region and fail the builder if out of range.
 */
size_t builder_reserve(struct builder *b, size_t n);
void builder_patch_u8(struct builder *b, size_t offset, uint8_t v);
void builder_patch_u16(struct builder *b, size_t offset, uint16_t v);

#endif
