/*
 * Local IPC framing: parse and build length-prefixed frames.
 */
#include "ipc.h"

#include <string.h>

const char *ipc_parse_result_str(enum ipc_parse_result r)
{
	switch (r) {
	case IPC_PARSE_FRAME:
		return "frame";
	case IPC_PARSE_NEED_MORE:
		return "incomplete frame";
	case IPC_PARSE_BAD_VERSION:
		return "unsupported IPC version";
	case IPC_PARSE_BAD_TYPE:
		return "unknown IPC frame type";
	case IPC_PARSE_BAD_RESERVED:
		return "reserved IPC header bits set";
	case IPC_PARSE_TOO_BIG:
		return "IPC frame larger than allowed";
	}
	return "unknown";
}

static bool type_known(uint8_t type)
{
	return type >= IPC_REQUEST && type <= IPC_LOAD;
}

enum ipc_parse_result ipc_parse(const void *buf, size_t len, struct ipc_frame *frame, size_t *consumed)
{
	struct cursor c;
	uint8_t version, type;
	uint16_t reserved;
	uint32_t plen;

	cursor_init(&c, buf, len);
	cursor_get_u8(&c, &version);
	cursor_get_u8(&c, &type);
	cursor_get_u16(&c, &reserved);
	cursor_get_u32(&c, &plen);
	if (!cursor_ok(&c)) {
		*consumed = IPC_HEADER_LEN;
		return IPC_PARSE_NEED_MORE;
	}
	/* Judge the header before waiting for a body that may never be valid:
	 * a hostile length must not make us buffer gigabytes. */
	if (version != IPC_VERSION)
		return IPC_PARSE_BAD_VERSION;
	if (!type_known(type))
		return IPC_PARSE_BAD_TYPE;
	if (reserved != 0)
		return IPC_PARSE_BAD_RESERVED;
	if (plen > IPC_PAYLOAD_MAX)
		return IPC_PARSE_TOO_BIG;
	*consumed = IPC_HEADER_LEN + (size_t)plen;
	if (cursor_remaining(&c) < plen)
		return IPC_PARSE_NEED_MORE;
	frame->type = (enum ipc_type)type;
	frame->payload = cursor_ptr(&c);
	frame->len = plen;
	return IPC_PARSE_FRAME;
}

void ipc_put_frame(struct builder *b, enum ipc_type type, const void *payload, size_t len)
{
	if (len > IPC_PAYLOAD_MAX || !type_known((uint8_t)type)) {
		b->failed = true;
		return;
	}
	builder_put_u8(b, IPC_VERSION);
	builder_put_u8(b, (uint8_t)type);
	builder_put_u16(b, 0);
	builder_put_u32(b, (uint32_t)len);
	builder_put_bytes(b, payload, len);
}

void ipc_put_done(struct builder *b, enum ipc_status status, const char *prompt)
{
	uint8_t payload[2 + IPC_PROMPT_MAX];
	size_t plen = prompt != NULL ? strlen(prompt) : 0;

	if (plen > IPC_PROMPT_MAX) {
		b->failed = true;
		return;
	}
	payload[0] = (uint8_t)status;
	payload[1] = (uint8_t)plen;
	if (plen > 0)
		memcpy(payload + 2, prompt, plen);
	ipc_put_frame(b, IPC_DONE, payload, 2 + plen);
}

int ipc_parse_done(const struct ipc_frame *frame, enum ipc_status *status, char *prompt_buf, size_t buflen)
{
	struct cursor c;
	uint8_t st, plen;

	if (frame->type != IPC_DONE)
		return -1;
	cursor_init(&c, frame->payload, frame->len);
	if (cursor_get_u8(&c, &st) != 0 || cursor_get_u8(&c, &plen) != 0)
		return -1;
	if (st > IPC_STATUS_CLOSE || plen > IPC_PROMPT_MAX || (size_t)plen + 1 > buflen)
		return -1;
	/* The prompt must fill the rest exactly: trailing bytes mean a peer
	 * that speaks something else. */
	if (cursor_remaining(&c) != plen || cursor_get_bytes(&c, prompt_buf, plen) != 0)
		return -1;
	if (memchr(prompt_buf, '\0', plen) != NULL)
		return -1;
	prompt_buf[plen] = '\0';
	*status = (enum ipc_status)st;
	return 0;
}

int ipc_parse_request(const struct ipc_frame *frame, char *line, size_t linelen)
{
	if ((frame->type != IPC_REQUEST && frame->type != IPC_COMPLETE) || frame->len > IPC_LINE_MAX ||
	    frame->len + 1 > linelen)
		return -1;
	for (size_t i = 0; i < frame->len; i++) {
		uint8_t ch = frame->payload[i];
		if (ch == '\0' || ch == '\n' || ch == '\r')
			return -1;
	}
	memcpy(line, frame->payload, frame->len);
	line[frame->len] = '\0';
	return 0;
}

#define IPC_LOAD_NAME_MAX 255

int ipc_parse_load(const struct ipc_frame *frame, char *name, size_t namelen,
		   const char **text, size_t *textlen)
{
	if (frame->type != IPC_LOAD)
		return -1;
	const uint8_t *nul = memchr(frame->payload, '\0', frame->len);
	if (nul == NULL)
		return -1;
	size_t n = (size_t)(nul - frame->payload);
	if (n == 0 || n > IPC_LOAD_NAME_MAX || n + 1 > namelen)
		return -1;
	memcpy(name, frame->payload, n);
	name[n] = '\0';
	*text = (const char *)nul + 1;
	*textlen = frame->len - n - 1;
	return 0;
}

void ipc_put_load(struct builder *b, const char *name, const char *text, size_t textlen)
{
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || n > IPC_LOAD_NAME_MAX || textlen > IPC_PAYLOAD_MAX - n - 1) {
		b->failed = true;
		return;
	}
	builder_put_u8(b, IPC_VERSION);
	builder_put_u8(b, IPC_LOAD);
	builder_put_u16(b, 0);
	builder_put_u32(b, (uint32_t)(n + 1 + textlen));
	builder_put_bytes(b, name, n);
	builder_put_u8(b, 0);
	builder_put_bytes(b, text, textlen);
}
