/*
 * What skysh.c (options, batch modes, output and paging) and skysh_edit.c
 * (the interactive line editor) share. Not a library: only skysh uses it.
 *
 * Ownership: struct skysh owns its client; skysh.c creates and closes it.
 */
#ifndef SKYGATE_SKYSH_H
#define SKYGATE_SKYSH_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>

#include "client.h"

#define SKYSH_NAME "skysh"

/* Exit statuses, as documented in docs/skysh.md. */
#define SKYSH_EXIT_OK 0
#define SKYSH_EXIT_FAILED 1      /* a command answered ERROR */
#define SKYSH_EXIT_TROUBLE 2     /* usage, connection or protocol error */
#define SKYSH_EXIT_INTERRUPTED 130

struct skysh {
	struct client *client;
	char prompt[IPC_PROMPT_MAX + 1];
	bool page;          /* stdout is a terminal and paging is not turned off */
	const char *pager;  /* run with /bin/sh -c */
	bool out_error;     /* writing stdout failed other than EPIPE (reported once) */
	int fatal_status;   /* exit status after SKYSH_FATAL */
};

enum skysh_outcome {
	SKYSH_OK,      /* DONE with status OK */
	SKYSH_ERROR,   /* DONE with status ERROR, or a line the protocol cannot carry */
	SKYSH_CLOSE,   /* DONE with status CLOSE: the server ended the session */
	SKYSH_FATAL,   /* the connection is unusable; the message is printed */
};

/*
 * Set by the SIGINT handler unless a pager owns the terminal (less uses ^C
 * for itself, so it must not end the session). The client reads the flag
 * to stop waiting; the line editor clears it.
 */
extern volatile sig_atomic_t skysh_interrupted;

/*
 * Run one command line and show its OUTPUT on stdout, through the pager
 * when it is longer than the terminal. The prompt of the DONE is kept in
 * sh->prompt. A failed transport is reported by skysh_fatal().
 */
enum skysh_outcome skysh_run(struct skysh *sh, const char *line);

/* Print the client's message for a failure r on stderr and set
 * sh->fatal_status (130 when interrupted, else 2). Returns SKYSH_FATAL. */
enum skysh_outcome skysh_fatal(struct skysh *sh, enum client_result r);

/* Columns and rows of the terminal on fd; 80x24 if it cannot tell. */
void skysh_term_size(int fd, size_t *cols, size_t *rows);

/* The interactive session (stdin is a terminal). Returns the exit status. */
int skysh_interactive(struct skysh *sh);

#endif
