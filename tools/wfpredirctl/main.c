// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl: administer wfpredir, in the iproute2 and wg style:
 *
 *	wfpredirctl [-j [-p]] [-e] [-n NETNS] OBJECT [COMMAND [ARGS...]]
 *	wfpredirctl [-n NETNS] -f FILE [-c]
 *
 * Objects and their commands may be abbreviated to any unambiguous prefix.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wfpredirctl.h"

/*
 * Each object's commands, for abbreviations and "OBJECT help"; a command
 * not listed goes to the object as written. NULL-terminated.
 */
static const char *const info_cmds[] = { "show", "help", NULL };
static const char *const config_cmds[] = { "set", "help", NULL };
static const char *const service_cmds[] = { "add",  "replace", "del",  "list",
					    "show", "flush",   "help", NULL };
static const char *const rule_cmds[] = { "add",	 "replace", "del",  "list",
					 "show", "flush",   "help", NULL };
static const char *const flow_cmds[] = { "list", "show", "help", NULL };
static const char *const monitor_cmds[] = { "help", NULL };
static const char *const save_cmds[] = { "help", NULL };

static const struct ctl_object objects[] = {
	{ "info", "info [show]", info_run, info_cmds },
	{ "config", "config set [chain-max N] [inherit on|off] [flow-share PERCENT]", config_run,
	  config_cmds },
	{ "service",
	  "service add NAME [id ID] [ipv4 ADDR:PORT] [ipv6 [ADDR]:PORT]\n"
	  "              [owner {uid N | user NAME} [cgroup PATH] | owner cgroup PATH]\n"
	  "  service del NAME | id ID\n"
	  "              [table TABLE]\n"
	  "  service replace ... (as add: replace the service of that name)\n"
	  "  service del NAME | id ID [table TABLE]\n"
	  "  service list | show [NAME] [table TABLE]\n"
	  "  service flush [table TABLE]",
	  service_run, service_cmds },
	{ "rule",
	  "rule add service NAME|ID [id ID] [priority N] [family ipv4|ipv6]\n"
	  "           [proto tcp|udp] [to PREFIX] [dport N[-M]] [uid N[-M]]\n"
	  "           [cgroup PATH] [context HEX|@FILE] [table TABLE]\n"
	  "  rule replace id ID ... (as add: replace the rule of that id)\n"
	  "  rule del ID\n"
	  "  rule list | show [table TABLE]\n"
	  "  rule flush [table TABLE]",
	  rule_run, rule_cmds },
	{ "flow", "flow list | show [service NAME|ID] [rule ID] [proto tcp|udp] [dst ADDR[:PORT]]",
	  flow_run, flow_cmds },
	{ "monitor",
	  "monitor [all | service | rule | table | flow | redirect | refused]... [buffer-size BYTES]",
	  monitor_run, monitor_cmds },
	{ "save", "save", save_run, save_cmds },
};

#define N_OBJECTS (sizeof(objects) / sizeof(objects[0]))

static void usage(FILE *out)
{
	fputs("Usage: wfpredirctl [OPTIONS] OBJECT [COMMAND [ARGS...]]\n"
	      "       wfpredirctl [OPTIONS] -f FILE [-c]\n"
	      "       wfpredirctl [OBJECT] help\n"
	      "Objects and commands (any unambiguous prefix will do):\n",
	      out);
	for (size_t i = 0; i < N_OBJECTS; i++)
		fprintf(out, "  %s\n", objects[i].usage);
	fputs("Options:\n"
	      "  -j, --json          print JSON\n"
	      "  -p, --pretty        with -j, indent the JSON\n"
	      "  -e, --echo          print what add or replace made (its id above all)\n"
	      "  -f, --file FILE     apply FILE (- for stdin) as one transaction\n"
	      "  -c, --check         with -f: check the file, apply nothing\n"
	      "  -n, --netns NETNS   act in network namespace NETNS (/run/netns/NETNS)\n"
	      "  -V, --version       print the version of wfpredirctl\n"
	      "  -h, --help          print this help\n",
	      out);
}

int match_word(const char *what, const char *arg, const char *const *words, size_t n)
{
	size_t len = strlen(arg);
	int found = -1, count = 0;

	for (size_t i = 0; i < n; i++) {
		if (!strcmp(arg, words[i]))
			return (int)i;
		if (len && !strncmp(arg, words[i], len)) {
			found = (int)i;
			count++;
		}
	}
	if (count == 1)
		return found;
	fprintf(stderr, "wfpredirctl: %s \"%s\" is %s (", what, arg,
		count ? "ambiguous" : "unknown");
	for (size_t i = 0, shown = 0; i < n; i++) {
		if (count && strncmp(arg, words[i], len))
			continue;
		fprintf(stderr, "%s%s",
			shown++ ? ", "
			: count ? "could be "
				: "expected ",
			words[i]);
	}
	fputs(")\n", stderr);
	return -1;
}

static size_t count_words(const char *const *words)
{
	size_t n = 0;

	while (words[n])
		n++;
	return n;
}

/* As ip -n: the process moves, so every socket it opens is NETNS's. */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd;

	if (!*name || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, ".."))
		return usage_error("invalid network namespace name \"%s\"", name);
	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "wfpredirctl: cannot open network namespace \"%s\": %s\n", name,
			strerror(errno));
		return EXIT_FAILED;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "wfpredirctl: cannot enter network namespace \"%s\": %s\n", name,
			strerror(errno));
		close(fd);
		return EXIT_FAILED;
	}
	close(fd);
	return EXIT_OK;
}

/* "OBJECT help", "OBJECT" + an abbreviated command: run it. */
static int run_object(const struct ctl_object *obj, const struct ctl_opts *opts, int argc,
		      char **argv)
{
	if (argc > 0) {
		int i;

		/* Only the listed words; others go to the object as written. */
		for (i = 0; obj->commands[i]; i++)
			if (!strncmp(argv[0], obj->commands[i], strlen(argv[0])))
				break;
		if (obj->commands[i] && *argv[0]) {
			char what[64];

			snprintf(what, sizeof(what), "%s command", obj->name);
			i = match_word(what, argv[0], obj->commands, count_words(obj->commands));
			if (i < 0)
				return EXIT_USAGE;
			if (!strcmp(obj->commands[i], "help")) {
				printf("Usage: wfpredirctl [OPTIONS] %s\n", obj->usage);
				return EXIT_OK;
			}
			argv[0] = (char *)obj->commands[i];
		}
	}
	return obj->run(opts, argc, argv);
}

int array_grow(void **items, size_t *cap, size_t n, size_t size, size_t first)
{
	size_t want = *cap ? 2 * *cap : first;
	void *p;

	if (n < *cap)
		return 0;
	if (want > SIZE_MAX / size)
		return -ENOMEM;
	p = realloc(*items, want * size);
	if (!p)
		return -ENOMEM;
	*items = p;
	*cap = want;
	return 0;
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
		{ "pretty", no_argument, NULL, 'p' },
		{ "echo", no_argument, NULL, 'e' },
		{ "file", required_argument, NULL, 'f' },
		{ "check", no_argument, NULL, 'c' },
		{ "netns", required_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[N_OBJECTS + 1];
	struct ctl_opts opts = { 0 };
	const char *netns = NULL;
	const char *file = NULL;
	bool check = false;
	int opt, i;

	while ((opt = getopt_long(argc, argv, "+jpef:cn:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'j':
			opts.json = true;
			break;
		case 'p':
			json_pretty = true;
			break;
		case 'n':
			netns = optarg;
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
		if (netns) {
			int status = enter_netns(netns);

			if (status)
				return status;
		}
		return file_run(&opts, file, check);
	}
	if (check)
		return usage_error("-c checks a file: give it with -f FILE");
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t k = 0; k < N_OBJECTS; k++)
		names[k] = objects[k].name;
	names[N_OBJECTS] = "help";
	for (i = 0; i <= (int)N_OBJECTS; i++)
		if (!strncmp(argv[optind], names[i], strlen(argv[optind])))
			break;
	if (i > (int)N_OBJECTS || !*argv[optind]) {
		fprintf(stderr, "wfpredirctl: unknown object '%s'; see 'wfpredirctl help'\n",
			argv[optind]);
		return EXIT_USAGE;
	}
	i = match_word("object", argv[optind], names, N_OBJECTS + 1);
	if (i < 0)
		return EXIT_USAGE;
	if (i == (int)N_OBJECTS) {
		usage(stdout);
		return EXIT_OK;
	}
	if (netns) {
		int status = enter_netns(netns);

		if (status)
			return status;
	}
	return run_object(&objects[i], &opts, argc - optind - 1, argv + optind + 1);
}
