// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir.conf(5), as wfpredirctl -f reads it (tools/wfpredirctl/conffile.c):
 * the input is the file's text. Includes and "@FILE" arguments stay in a
 * scratch directory this target makes: it holds a file to include, one that
 * includes another and one that includes itself; an input naming a path
 * with a '/' in either place is skipped.
 */
#include "conffile.h"
#include "fuzz.h"

#include <stdbool.h>
#include <string.h>

static const char *dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_dir();
	fuzz_put("a.conf", "service add a ipv4 127.0.0.1:1080\ntable t\n");
	fuzz_put("b.conf", "include a.conf\nrule add service a proto tcp dport 80\n");
	fuzz_put("loop.conf", "include loop.conf\n");
	fuzz_put("ctx", "context bytes");
	return 0;
}

/*
 * Whether the text names only files of the scratch directory: its words as
 * the reader splits them (quoted ones too), up to a line it cannot split,
 * where reading stops.
 */
static bool contained(char *text)
{
	char *save_line, *w[64], err[PARSE_ERR_MAX];

	for (char *line = strtok_r(text, "\n", &save_line); line;
	     line = strtok_r(NULL, "\n", &save_line)) {
		int n = conf_split(line, w, 64, err, sizeof(err));

		if (n < 0)
			return true;
		for (int i = 0; i < n; i++)
			if ((w[i][0] == '@' || (i == 1 && !strcmp(w[0], "include"))) &&
			    strchr(w[i], '/'))
				return false;
	}
	return true;
}

/* The text with each word "@NAME" made "@DIR/NAME"; free() it. */
static char *rebase(const uint8_t *data, size_t size)
{
	size_t n = 0, ats = 0;
	char *text;

	for (size_t i = 0; i < size; i++)
		ats += data[i] == '@';
	text = malloc(size + ats * (strlen(dir) + 2) + 1);
	check(text);
	for (size_t i = 0; i < size; i++) {
		/* A word starts after a blank, or after the quote that opens it. */
		bool start = !i || strchr(" \t\r\n", data[i - 1]) ||
			     (data[i - 1] == '"' && (i == 1 || strchr(" \t\r\n", data[i - 2])));

		if (data[i] == '@' && start) {
			n += (size_t)sprintf(text + n, "@%s/", dir);
			continue;
		}
		text[n++] = (char)data[i];
	}
	text[n] = '\0';
	return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text, *scan;

	if (size > 65536)
		return 0;
	/* Checked before the rebase, which adds a '/' to every "@". */
	scan = malloc(size + 1);
	check(scan);
	memcpy(scan, data, size);
	scan[size] = '\0';
	text = rebase(data, size);
	if (contained(scan)) {
		char err[PARSE_ERR_MAX];
		struct conf c;

		conf_init(&c);
		err[0] = '\0';
		if (conf_load_text(&c, "fuzz.conf", dir, text, err, sizeof(err))) {
			check(err[0] && memchr(err, '\0', sizeof(err)));
		} else {
			for (size_t i = 0; i < c.n; i++)
				check(memchr(c.objs[i].table, '\0', sizeof(c.objs[i].table)));
		}
		conf_free(&c);
	}
	free(scan);
	free(text);
	return 0;
}
