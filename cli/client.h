/*
 * The client side of the CLI socket: connect to skygate-routed, send one
 * REQUEST, COMPLETE or LOAD, and read its answer (OUTPUT frames, then one
 * DONE) with the framing of lib/ipc.h. skysh is built on it; tests and other
 * tools that talk to the daemon use it too.
 *
 * Everything is blocking and single-threaded: a CLI session asks one thing
 * and waits for its answer, so there is nothing to gain from an event loop.
 *
 * Memory is bounded: the receive buffer holds exactly one frame of at most
 * IPC_HEADER_LEN + IPC_PAYLOAD_MAX bytes, and a frame header is judged
 * before its body is waited for, so a peer announcing a huge frame gets an
 * error, not our memory. A completion answer is capped at
 * CLIENT_COMPLETE_MAX bytes.
 *
 * Errors are sticky: once a call fails with a transport or protocol error,
 * the framing can no longer be trusted and every later call on the same
 * client fails the same way. client_error() gives one line for the user.
 *
 * Ownership: a struct client owns its socket and buffer until
 * client_close(). Frames and OUTPUT text handed to the caller are borrowed
 * from the client's buffer and valid only until the next call on it. A
 * struct client_completion owns its entries until client_completion_free().
 */
#ifndef SKYGATE_CLIENT_H
#define SKYGATE_CLIENT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "ipc.h"

/* The socket skygate-routed listens on, inside its run directory. */
#define CLIENT_SOCKET_NAME "routed.sock"
/* Longest name a LOAD frame may carry (lib/ipc.c checks the same bound). */
#define CLIENT_LOAD_NAME_MAX 255
/* All OUTPUT of one COMPLETE answer together; a node has a few hundred
 * commands at most, so this is generous. */
#define CLIENT_COMPLETE_MAX (1024u * 1024u)
/* Room for any message client_error() returns. */
#define CLIENT_ERROR_MAX 512

enum client_result {
	CLIENT_OK = 0,
	/* An argument the protocol cannot carry (a line too long or with a
	 * newline, a LOAD over the frame limit). Nothing was sent, and the
	 * client is still usable. */
	CLIENT_ERR_USAGE = -1,
	/* A read or write failed (errno in the message): the session is gone. */
	CLIENT_ERR_IO = -2,
	/* The daemon closed or reset the connection: the session is gone. */
	CLIENT_ERR_CLOSED = -3,
	/* The peer sent something that is not our protocol. */
	CLIENT_ERR_PROTOCOL = -4,
	/* The interrupt flag (client_set_interrupt) was set while waiting. */
	CLIENT_ERR_INTERRUPTED = -5,
};

struct client;

/* The end of one answer: its status and the prompt to show next. */
struct client_done {
	enum ipc_status status;
	char prompt[IPC_PROMPT_MAX + 1];
};

/* Called for each OUTPUT frame, in order. text is borrowed (valid during the
 * call only) and not NUL-terminated; len may be 0. */
typedef void (*client_output_fn)(void *arg, const char *text, size_t len);

/*
 * Connect to RUNDIR/routed.sock. Returns a new client (the caller closes it
 * with client_close()), or NULL with one line in err (errlen bytes) that
 * names the path, the reason and, for the usual mistakes, what to do:
 *   cannot connect to skygate-routed at /run/skygate/routed.sock: No such
 *   file or directory (is it running? wrong --rundir?)
 */
struct client *client_connect(const char *rundir, char *err, size_t errlen);

/*
 * The same for any daemon that speaks this protocol: RUNDIR/DAEMON.sock,
 * DAEMON being "routed" or "tunneld" (skygate-tunneld's control socket).
 */
struct client *client_connect_daemon(const char *rundir, const char *daemon, char *err, size_t errlen);

/* Wrap a connected stream socket (a socketpair end in tests). Takes
 * ownership of fd, also on failure (NULL: out of memory; fd is closed). */
struct client *client_from_fd(int fd);

/* Close the socket and free everything; NULL is fine. */
void client_close(struct client *c);

/* The socket, for poll() or socket options; still owned by the client. */
int client_fd(const struct client *c);

/*
 * Let a signal handler interrupt a blocking read: when a read is cut short
 * by a signal (EINTR) and *flag is non-zero, the call fails with
 * CLIENT_ERR_INTERRUPTED, which is sticky like any transport error since
 * the rest of the answer is still on its way. With no flag (the default)
 * EINTR is retried. The flag is borrowed and must outlive the client.
 */
void client_set_interrupt(struct client *c, const volatile sig_atomic_t *flag);

/* The message for the last failure (empty if none): one line, no program
 * name, no newline. Borrowed from the client. */
const char *client_error(const struct client *c);

/* For CLIENT_ERR_PROTOCOL from a malformed frame header, which check failed;
 * IPC_PARSE_FRAME otherwise. */
enum ipc_parse_result client_parse_error(const struct client *c);

/* Format the message client_connect() gives for errnum (exposed so that the
 * wording of, e.g., EACCES can be tested without another user). */
void client_format_connect_error(char *err, size_t errlen, const char *path, int errnum);

/*
 * Building blocks. client_send() writes one whole frame (short writes and
 * EINTR are handled). client_recv() returns the next frame from the peer;
 * frame->payload is borrowed until the next call. client_read_answer()
 * reads OUTPUT frames (passed to out, which may be NULL) up to the DONE and
 * decodes it into *done; any other frame type is a protocol error.
 */
enum client_result client_send(struct client *c, enum ipc_type type, const void *payload,
			       size_t len);
enum client_result client_recv(struct client *c, struct ipc_frame *frame);
enum client_result client_read_answer(struct client *c, client_output_fn out, void *arg,
				      struct client_done *done);

/*
 * Run one command line (no newline; at most IPC_LINE_MAX bytes; "" asks
 * only for the prompt) and read its whole answer as client_read_answer()
 * does. A command that fails on the server is CLIENT_OK with done->status
 * IPC_STATUS_ERROR: the return value is about the transport only.
 */
enum client_result client_request(struct client *c, const char *line, client_output_fn out,
				  void *arg, struct client_done *done);

/* The most text a LOAD named name can carry in its one frame. */
size_t client_load_max(const char *name);

/*
 * Send a whole configuration as one LOAD (name is what the server puts in
 * front of its "NAME:LINE: message" errors) and read the answer. Text over
 * client_load_max(name) is CLIENT_ERR_USAGE, with the limit in the message.
 */
enum client_result client_load(struct client *c, const char *name, const char *text,
			       size_t len, client_output_fn out, void *arg,
			       struct client_done *done);

/* One line of a completion answer. */
struct client_candidate {
	bool is_keyword;   /* 'k': a keyword; 'v': a value such as A.B.C.D or <cr> */
	const char *word;  /* borrowed from the completion's text */
	const char *help;  /* may be empty */
};

struct client_completion {
	struct client_candidate *items;
	size_t n;
	/* All OUTPUT of the answer, NUL-terminated; on IPC_STATUS_OK the
	 * items point into it, otherwise it is a message for the user. */
	char *text;
	size_t text_len;
};

/*
 * Ask what may follow text (the line left of the cursor) and parse the
 * answer's "k|v<TAB>word<TAB>help" lines into *out (the caller frees it with
 * client_completion_free(), also after a failure). Candidates are parsed
 * only when done->status is OK; a line that does not have that form is a
 * protocol error.
 */
enum client_result client_complete(struct client *c, const char *text,
				   struct client_completion *out, struct client_done *done);
void client_completion_free(struct client_completion *comp);

#endif
