// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl: administer wfpredir, in the iproute2 and wg style:
 *
 *	wfpredirctl [-j] OBJECT [COMMAND [ARGS...]]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "wfpredirctl.h"

static const struct ctl_object objects[] = {
	{ "info", "info [show]", info_run },
	{ "config", "config set [chain-max N] [inherit on|off] [flow-share PERCENT]", config_run },
	{ "service",
	  "service add NAME [id ID] [ipv4 ADDR:PORT] [ipv6 [ADDR]:PORT]\n"
	  "              [owner {uid N | user NAME} [cgroup PATH] | owner cgroup PATH]\n"
	  "  service del NAME | id ID\n"
	  "              [table TABLE]\n"
	  "  service replace ... (as add: replace the service of that name)\n"
	  "  service del NAME | id ID [table TABLE]\n"
	  "  service list | show [NAME] [table TABLE]\n"
	  "  service flush [table TABLE]",
	  service_run },
	{ "rule",
	  "rule add service NAME|ID [id ID] [priority N] [family ipv4|ipv6]\n"
	  "           [proto tcp|udp] [to PREFIX] [dport N[-M]] [uid N[-M]]\n"
	  "           [cgroup PATH] [context HEX|@FILE] [table TABLE]\n"
	  "  rule replace id ID ... (as add: replace the rule of that id)\n"
	  "  rule del ID\n"
	  "  rule list | show [table TABLE]\n"
	  "  rule flush [table TABLE]",
	  rule_run },
	{ "flow", "flow list | show", flow_run },
	{ "save", "save", save_run },
};

static void usage(FILE *out)
{
	fputs("Usage: wfpredirctl [-j] [-e] [-V] OBJECT [COMMAND [ARGS...]]\n"
	      "       wfpredirctl -f FILE [-c]\n"
	      "Objects and commands:\n",
	      out);
	for (size_t i = 0; i < sizeof(objects) / sizeof(objects[0]); i++)
		fprintf(out, "  %s\n", objects[i].usage);
	fputs("Options:\n"
	      "  -j, --json     print JSON\n"
	      "  -e, --echo     print what add or replace made (its id above all)\n"
	      "  -f, --file F   apply file F (- for stdin) as one transaction\n"
	      "  -c, --check    with -f: check the file, apply nothing\n"
	      "  -V, --version  print the version of wfpredirctl\n"
	      "  -h, --help     print this help\n",
	      out);
}

int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("wfpredirctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

int unknown_command(const char *object, const char *cmd, const char *try_this)
{
	fprintf(stderr, "wfpredirctl: %s: unknown command '%s'; try '%s'\n", object, cmd, try_this);
	return EXIT_USAGE;
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

struct wfpredir_ctl *ctl_connect(int *status)
{
	struct wfpredir_ctl *ctl;
	int err;

	ctl = wfpredir_ctl_open(&err);
	if (!ctl)
		*status = ctl_error(err, "cannot reach the wfpredir module");
	return ctl;
}

int ctl_failed(const struct wfpredir_ctl *ctl, int err, const char *fmt, ...)
{
	const char *ext = wfpredir_ctl_error(ctl);
	va_list ap;

	fputs("wfpredirctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	if (err == -EOPNOTSUPP)
		fputs(": the loaded wfpredir.ko does not support this command", stderr);
	else
		fprintf(stderr, ": %s", strerror(-err));
	if (ext)
		fprintf(stderr, ": %s", ext);
	else if (err == -EPERM)
		fputs(" (CAP_NET_ADMIN is needed)", stderr);
	fputc('\n', stderr);
	return EXIT_FAILED;
}

void print_hex(FILE *out, const void *buf, size_t len)
{
	const unsigned char *p = buf;

	for (size_t i = 0; i < len; i++)
		fprintf(out, "%02x", p[i]);
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "echo", no_argument, NULL, 'e' },
		{ "file", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct ctl_opts opts = { 0 };
	const char *file = NULL;
	bool check = false;
	int opt;

	while ((opt = getopt_long(argc, argv, "+jef:cVh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'e':
			opts.echo = true;
			break;
		case 'f':
			file = optarg;
			break;
		case 'c':
			check = true;
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
	if (file) {
		if (optind < argc)
			return usage_error("-f takes no command (unexpected \"%s\")", argv[optind]);
		return file_run(&opts, file, check);
	}
	if (check)
		return usage_error("-c checks a file: give it with -f FILE");
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
