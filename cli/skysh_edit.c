/*
 * skysh's interactive session: editline (libedit) with emacs bindings,
 * persistent history, and vtysh's '?' and TAB, both answered by the server
 * (COMPLETE), since the grammar and the session's node live there.
 */
#include <errno.h>
#include <histedit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "skysh.h"

#define HISTORY_FILE ".skysh_history"
#define HISTORY_SIZE 1000

struct edit {
	struct skysh *sh;
	/* A transport failure inside a key handler: the handler ends el_gets()
	 * with CC_EOF and the loop reports this instead of a user's ^D. */
	enum client_result failure;
};

static struct edit *edit_of(EditLine *el)
{
	void *data = NULL;

	el_get(el, EL_CLIENTDATA, &data);
	return data;
}

static char *prompt_fn(EditLine *el)
{
	struct edit *ed = edit_of(el);
	static char fallback[] = SKYSH_NAME "# ";

	return ed->sh->prompt[0] != '\0' ? ed->sh->prompt : fallback;
}

/* The text left of the cursor, which is what '?' and TAB ask about (as in
 * vtysh, what follows the cursor does not count). -1 if it cannot be sent. */
static int text_before_cursor(EditLine *el, char *buf, size_t size)
{
	const LineInfo *li = el_line(el);
	size_t len = (size_t)(li->cursor - li->buffer);

	if (len >= size)
		return -1;
	memcpy(buf, li->buffer, len);
	buf[len] = '\0';
	return 0;
}

/*
 * Ask the server. Returns 0 with the candidates in comp, 1 when the server
 * refused (comp->text is its message), -1 for a line the protocol cannot
 * carry, -2 for a transport failure (kept in ed->failure for the main loop
 * to report). The prompt is not taken from this answer: completing does not
 * move the session, and the line on screen was drawn with the old one.
 */
static int ask(struct edit *ed, const char *text, struct client_completion *comp)
{
	struct client_done done;
	enum client_result r = client_complete(ed->sh->client, text, comp, &done);

	if (r == CLIENT_ERR_USAGE)
		return -1;
	if (r != CLIENT_OK) {
		ed->failure = r;
		return -2;
	}
	return done.status == IPC_STATUS_OK ? 0 : 1;
}

/* Leave the input line for a list: go below its last row, however it wraps
 * and wherever the cursor is in it, so the list never overwrites it. */
static void list_begin(EditLine *el)
{
	const LineInfo *li = el_line(el);
	size_t cols, rows, plen = strlen(prompt_fn(el));
	size_t at, last;

	skysh_term_size(STDOUT_FILENO, &cols, &rows);
	at = (plen + (size_t)(li->cursor - li->buffer)) / cols;
	last = (plen + (size_t)(li->lastchar - li->buffer)) / cols;
	for (size_t i = at; i <= last; i++)
		fputc('\n', stdout);
}

/*
 * Draw the prompt and the line again below the list, cursor where it was.
 * Not CC_REDISPLAY: libedit would first move up over the rows it believes
 * the line takes, which are now rows of the list. EL_REFRESH forgets the
 * old display and draws from where the terminal cursor is.
 */
static unsigned char list_end(EditLine *el)
{
	fflush(stdout);
	el_set(el, EL_REFRESH);
	return CC_NORM;
}

/* The server's own words (e.g. "% Unknown command") instead of a list. */
static void print_refusal(const struct client_completion *comp)
{
	fputs(comp->text, stdout);
	if (comp->text_len > 0 && comp->text[comp->text_len - 1] != '\n')
		fputc('\n', stdout);
}

/* '?': list what may come next with its help, FRR style, and leave the line
 * as it was. The '?' itself is never inserted. */
static unsigned char fn_help(EditLine *el, int ch)
{
	struct edit *ed = edit_of(el);
	struct client_completion comp;
	char text[IPC_LINE_MAX + 1];
	size_t width = 0;
	int rc;

	(void)ch;
	if (text_before_cursor(el, text, sizeof(text)) != 0)
		return CC_ERROR;
	rc = ask(ed, text, &comp);
	if (rc < 0) {
		client_completion_free(&comp);
		return rc == -2 ? CC_EOF : CC_ERROR;
	}
	list_begin(el);
	if (rc > 0)
		print_refusal(&comp);
	else if (comp.n == 0)
		fputs("% There is no matched command.\n", stdout);
	for (size_t i = 0; i < comp.n; i++) {
		size_t w = strlen(comp.items[i].word);
		width = w > width ? w : width;
	}
	for (size_t i = 0; i < comp.n; i++) {
		if (comp.items[i].help[0] == '\0')
			printf("  %s\n", comp.items[i].word);
		else
			printf("  %-*s  %s\n", (int)width, comp.items[i].word, comp.items[i].help);
	}
	client_completion_free(&comp);
	return list_end(el);
}

/* Print words in columns, down then across, as shells list completions. */
static void print_columns(const char **words, size_t n)
{
	size_t cols, rows, width = 0, ncols, nrows;

	skysh_term_size(STDOUT_FILENO, &cols, &rows);
	for (size_t i = 0; i < n; i++) {
		size_t w = strlen(words[i]);
		width = w > width ? w : width;
	}
	width += 2;
	ncols = cols / width > 0 ? cols / width : 1;
	nrows = (n + ncols - 1) / ncols;
	for (size_t r = 0; r < nrows; r++) {
		for (size_t c = 0; c < ncols; c++) {
			size_t i = c * nrows + r;
			if (i >= n)
				break;
			bool last = c + 1 == ncols || i + nrows >= n;
			if (last)
				printf("%s", words[i]);
			else
				printf("%-*s", (int)width, words[i]);
		}
		fputc('\n', stdout);
	}
}

/* The distinct words of a sorted list, and whether any is a value. */
static size_t distinct_words(const struct client_completion *comp, const char **words,
			     bool *any_value)
{
	size_t n = 0;

	*any_value = false;
	for (size_t i = 0; i < comp->n; i++) {
		if (!comp->items[i].is_keyword)
			*any_value = true;
		bool seen = false;
		for (size_t j = 0; j < n && !seen; j++)
			seen = strcmp(words[j], comp->items[i].word) == 0;
		if (!seen)
			words[n++] = comp->items[i].word;
	}
	return n;
}

/*
 * TAB: one keyword possible completes the word being typed and adds a
 * space; several, or values such as A.B.C.D and <cr> that cannot be typed
 * for the user, are listed.
 */
static unsigned char fn_complete(EditLine *el, int ch)
{
	struct edit *ed = edit_of(el);
	struct client_completion comp;
	char text[IPC_LINE_MAX + 1];
	unsigned char ret = CC_NORM;
	const char **words = NULL;
	bool any_value;
	int rc;

	(void)ch;
	if (text_before_cursor(el, text, sizeof(text)) != 0)
		return CC_ERROR;
	rc = ask(ed, text, &comp);
	if (rc < 0) {
		client_completion_free(&comp);
		return rc == -2 ? CC_EOF : CC_ERROR;
	}
	if (rc > 0) {
		list_begin(el);
		print_refusal(&comp);
		ret = list_end(el);
		goto out;
	}
	if (comp.n == 0) {
		ret = CC_ERROR;
		goto out;
	}
	words = calloc(comp.n, sizeof(*words));
	if (words == NULL) {
		ret = CC_ERROR;
		goto out;
	}
	size_t n = distinct_words(&comp, words, &any_value);
	if (n == 1 && !any_value) {
		/* The word being typed starts after the last blank. */
		const char *cur = text + strlen(text);
		while (cur > text && cur[-1] != ' ' && cur[-1] != '\t')
			cur--;
		const LineInfo *li = el_line(el);
		bool blank_follows = li->cursor < li->lastchar &&
				     (*li->cursor == ' ' || *li->cursor == '\t');
		size_t curlen = strlen(cur);
		char insert[IPC_LINE_MAX + 2];

		/* The server lists keywords the typed word is a prefix of;
		 * anything else (it should not happen) is replaced whole. */
		if (strncmp(words[0], cur, curlen) == 0) {
			snprintf(insert, sizeof(insert), "%s%s", words[0] + curlen,
				 blank_follows ? "" : " ");
		} else {
			el_deletestr(el, (int)curlen);
			snprintf(insert, sizeof(insert), "%s%s", words[0],
				 blank_follows ? "" : " ");
		}
		ret = insert[0] == '\0' || el_insertstr(el, insert) == 0 ? CC_REFRESH : CC_ERROR;
		goto out;
	}
	list_begin(el);
	print_columns(words, n);
	ret = list_end(el);
out:
	free(words);
	client_completion_free(&comp);
	return ret;
}

static void history_path(char *buf, size_t size)
{
	const char *home = getenv("HOME");

	buf[0] = '\0';
	/* No HOME (a service account, a bare environment): no history file,
	 * but the session works as usual. */
	if (home != NULL && home[0] != '\0') {
		int n = snprintf(buf, size, "%s/" HISTORY_FILE, home);
		if (n < 0 || (size_t)n >= size)
			buf[0] = '\0';
	}
}

static EditLine *edit_setup(struct edit *ed, History *hist)
{
	EditLine *el = el_init(SKYSH_NAME, stdin, stdout, stderr);

	if (el == NULL)
		return NULL;
	el_set(el, EL_CLIENTDATA, ed);
	el_set(el, EL_PROMPT, prompt_fn);
	el_set(el, EL_EDITOR, "emacs");
	/* libedit restores the terminal on signals and follows resizes. */
	el_set(el, EL_SIGNAL, 1);
	el_set(el, EL_HIST, history, hist);
	/* ~/.editrc first, so that '?' and TAB stay what skysh needs. */
	el_source(el, NULL);
	el_set(el, EL_ADDFN, "skysh-help", "List what may come next", fn_help);
	el_set(el, EL_ADDFN, "skysh-complete", "Complete the word or list choices", fn_complete);
	el_set(el, EL_BIND, "?", "skysh-help", NULL);
	el_set(el, EL_BIND, "^I", "skysh-complete", NULL);
	return el;
}

/* Remember a line, and write the file at once so that a session that ends
 * badly keeps its history; a file we cannot write is not worth an error. */
static void remember(History *hist, const char *path, const char *line)
{
	HistEvent ev;

	if (line[strspn(line, " \t")] == '\0')
		return;
	history(hist, &ev, H_ENTER, line);
	if (path[0] != '\0')
		history(hist, &ev, H_SAVE, path);
}

int skysh_interactive(struct skysh *sh)
{
	struct edit ed = {.sh = sh, .failure = CLIENT_OK};
	char path[4096], line[IPC_LINE_MAX + 1];
	History *hist;
	HistEvent ev;
	EditLine *el;
	int status = SKYSH_EXIT_OK;

	/* An empty request gives the first prompt (and any greeting). */
	switch (skysh_run(sh, "")) {
	case SKYSH_FATAL:
		return sh->fatal_status;
	case SKYSH_CLOSE:
		return SKYSH_EXIT_OK;
	default:
		break;
	}
	hist = history_init();
	if (hist == NULL) {
		fprintf(stderr, SKYSH_NAME ": cannot set up the line editor\n");
		return SKYSH_EXIT_TROUBLE;
	}
	history(hist, &ev, H_SETSIZE, HISTORY_SIZE);
	history(hist, &ev, H_SETUNIQUE, 1);
	history_path(path, sizeof(path));
	if (path[0] != '\0')
		history(hist, &ev, H_LOAD, path);
	el = edit_setup(&ed, hist);
	if (el == NULL) {
		history_end(hist);
		fprintf(stderr, SKYSH_NAME ": cannot set up the line editor\n");
		return SKYSH_EXIT_TROUBLE;
	}

	for (;;) {
		int count = 0;
		const char *got;

		skysh_interrupted = 0;
		got = el_gets(el, &count);
		if (ed.failure != CLIENT_OK) {
			fputc('\n', stdout);
			skysh_fatal(sh, ed.failure);
			status = sh->fatal_status;
			break;
		}
		if (got == NULL && count < 0 && errno == EINTR) {
			/* ^C: drop the line, start a new one (el_gets resets
			 * its buffer each time it is called). */
			fputc('\n', stdout);
			continue;
		}
		if (got == NULL) {
			/* ^D on an empty line. */
			fputc('\n', stdout);
			break;
		}
		size_t len = strcspn(got, "\r\n");
		if (len > IPC_LINE_MAX) {
			fprintf(stderr, SKYSH_NAME ": command line too long (at most %d bytes)\n",
				IPC_LINE_MAX);
			continue;
		}
		memcpy(line, got, len);
		line[len] = '\0';
		remember(hist, path, line);

		skysh_interrupted = 0;
		enum skysh_outcome out = skysh_run(sh, line);
		if (out == SKYSH_CLOSE)
			break;
		if (out == SKYSH_FATAL) {
			status = sh->fatal_status;
			break;
		}
	}
	el_end(el);
	history_end(hist);
	return status;
}
