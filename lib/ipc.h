/*
 * Framing for local IPC between skysh (and tests) and the daemons over a
 * UNIX stream socket in the run directory.
 *
 * Every message is one frame:
 *
 *    0       1       2               4                               8
 *   +-------+-------+---------------+-------------------------------+
 *   |version| type  |   reserved    |        payload length         |
 *   +-------+-------+---------------+-------------------------------+
 *   |  payload (length bytes, at most IPC_PAYLOAD_MAX)              |
 *
 * All integers big-endian. A frame with another version, an unknown type,
 * non-zero reserved bits or a length over IPC_PAYLOAD_MAX is a protocol
 * error: the peer closes the connection rather than guessing where the next
 * frame starts.
 *
 * A conversation is: the client sends one of REQUEST (a command line),
 * COMPLETE (the text before the cursor, asking what may come next) or LOAD
 * (a whole configuration to apply as one transaction); the server answers
 * with zero or more IPC_OUTPUT frames (in order) and exactly one IPC_DONE
 * (status + the prompt for the node the session is now in). Requests on
 * one connection are answered in order; the connection is the session (its
 * node, e.g. config-router, lives on the server side).
 *
 * Ownership: parsed frames point into the caller's buffer (borrowed); they
 * are valid only as long as that buffer is.
 */
#ifndef SKYGATE_IPC_H
#define SKYGATE_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

#define IPC_VERSION 1
#define IPC_HEADER_LEN 8
/* Large enough for any one command line or a slice of show output; big
 * output is sent as several OUTPUT frames, so this bounds memory per frame,
 * not the size of an answer. */
#define IPC_PAYLOAD_MAX (256u * 1024u)
#define IPC_LINE_MAX 4096       /* longest command line a REQUEST may carry */
#define IPC_PROMPT_MAX 128

enum ipc_type {
	IPC_REQUEST = 1,  /* payload: one command line, no NUL, no newline */
	IPC_OUTPUT = 2,   /* payload: text to show */
	IPC_DONE = 3,     /* payload: u8 status, u8 prompt length, prompt */
	/* payload: the line before the cursor, checked like REQUEST. Answered
	 * by OUTPUT frames of lines "k|v<TAB>word<TAB>help\n" (k: keyword,
	 * v: a value such as A.B.C.D or <cr>), sorted, then DONE. */
	IPC_COMPLETE = 4,
	/* payload: a name for error messages (e.g. the file name), one NUL,
	 * then configuration text. Applied all or nothing; errors come as
	 * OUTPUT "NAME:LINE: message". */
	IPC_LOAD = 5,
};

enum ipc_status {
	IPC_STATUS_OK = 0,
	IPC_STATUS_ERROR = 1,    /* the command failed; its message came as OUTPUT */
	IPC_STATUS_CLOSE = 2,    /* the session ended (exit at the top) */
};

enum ipc_parse_result {
	IPC_PARSE_FRAME = 0,      /* one whole frame parsed */
	IPC_PARSE_NEED_MORE = 1,  /* the buffer holds only part of a frame */
	IPC_PARSE_BAD_VERSION = -1,
	IPC_PARSE_BAD_TYPE = -2,
	IPC_PARSE_BAD_RESERVED = -3,
	IPC_PARSE_TOO_BIG = -4,
};

struct ipc_frame {
	enum ipc_type type;
	const uint8_t *payload;   /* borrowed from the parsed buffer */
	size_t len;
};

/*
 * Look at the front of buf. On IPC_PARSE_FRAME, *frame describes the first
 * frame and *consumed is its total size; on NEED_MORE, *consumed is how many
 * bytes the caller should wait for (at least the header, or the whole frame
 * once the header is known). Negative results are protocol errors.
 */
enum ipc_parse_result ipc_parse(const void *buf, size_t len, struct ipc_frame *frame, size_t *consumed);
const char *ipc_parse_result_str(enum ipc_parse_result r);

/* Append one frame to b; the builder's error flag reports overflow or a
 * payload over IPC_PAYLOAD_MAX. */
void ipc_put_frame(struct builder *b, enum ipc_type type, const void *payload, size_t len);
void ipc_put_done(struct builder *b, enum ipc_status status, const char *prompt);

/* Decode a DONE payload. prompt is copied NUL-terminated into
 * prompt_buf (at least IPC_PROMPT_MAX + 1 bytes). Returns 0 or -1. */
int ipc_parse_done(const struct ipc_frame *frame, enum ipc_status *status, char *prompt_buf, size_t buflen);

/* Check a REQUEST or COMPLETE payload: bounded length, no NUL, CR or LF
 * bytes. Copies it NUL-terminated into line (at least IPC_LINE_MAX + 1). */
int ipc_parse_request(const struct ipc_frame *frame, char *line, size_t linelen);

/* Split a LOAD payload into its name (copied NUL-terminated into name,
 * namelen bytes, at most 255 characters) and text (borrowed from the frame,
 * textlen bytes, not NUL-terminated; may be empty). Returns 0 or -1. */
int ipc_parse_load(const struct ipc_frame *frame, char *name, size_t namelen,
		   const char **text, size_t *textlen);
/* Append a LOAD frame; fails the builder if name has a NUL-free length over
 * 255 or the whole payload exceeds IPC_PAYLOAD_MAX. */
void ipc_put_load(struct builder *b, const char *name, const char *text, size_t textlen);

#endif
