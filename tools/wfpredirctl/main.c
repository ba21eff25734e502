// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl: administer wfpredir, in the iproute2 and wg style:
 *
 *	wfpredirctl [-j] OBJECT [COMMAND [ARGS...]]
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "wfpredirctl.h"

#ifndef WFPREDIR_VERSION
#define WFPREDIR_VERSION "0.1.0"
#endif

static const struct ctl_object objects[] = {
	{ "info", "info [show]", info_run },
};

static void usage(FILE *out)
{
	fputs("Usage: wfpredirctl [-j] [-V] OBJECT [COMMAND [ARGS...]]\n"
	      "Objects and commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		fprintf(out, "  %s\n", objects[i].usage);
	fputs("Options:\n"
	      "  -j, --json     print JSON\n"
	      "  -V, --version  print the version of wfpredirctl\n"
	      "  -h, --help     print this help\n",
	      out);
}

int ctl_error(int err, const char *what)
{
	if (err == -EOPNOTSUPP || err == -ENOENT) {
		fprintf(stderr, "wfpredirctl: %s: wfpredir.ko is not loaded\n", what);
		return EXIT_NO_MODULE;
	}
	fprintf(stderr, "wfpredirctl: %s: %s\n", what, strerror(-err));
	return EXIT_FAILED;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts opts = { 0 };
	int opt;

	while ((opt = getopt_long(argc, argv, "+jVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'V':
			printf("wfpredirctl %s\n", WFPREDIR_VERSION);
			return EXIT_OK;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (!strcmp(argv[optind], objects[i].name))
			return objects[i].run(&opts, argc - optind - 1, argv + optind + 1);
	}
	fprintf(stderr, "wfpredirctl: unknown object '%s'; see 'wfpredirctl help'\n", argv[optind]);
	return EXIT_USAGE;
}
