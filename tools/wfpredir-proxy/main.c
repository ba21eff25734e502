// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir-proxy: a transparent TCP and UDP proxy for wfpredir redirect
 * services. Options, startup, shutdown; Documentation/wfpredir-proxy.8 has
 * the whole story.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proxy.h"

enum {
	LOPT_BASE = 256, /* getopt codes of long-only options: LOPT_BASE + enum config_opt */
	LOPT_CONFIG = LOPT_BASE + OPT_COUNT,
};

static void usage(FILE *out)
{
	fputs("Usage: " PROG " [OPTIONS] (-t ADDR:PORT | -u ADDR:PORT | -c FILE)...\n"
	      "A transparent proxy for wfpredir redirect services: hands the redirect\n"
	      "records of each flow on to the connection it opens to the original\n"
	      "destination.\n"
	      "\n"
	      "  -c, --config FILE          read options from FILE, one \"OPTION VALUE\" a line\n"
	      "                             (long names, no dashes); the command line wins;\n"
	      "                             SIGHUP reads it again\n"
	      "  -t, --tcp ADDR:PORT        listen for TCP (repeatable; IPv6 as [::1]:15001)\n"
	      "  -u, --udp ADDR:PORT        listen for UDP (repeatable)\n"
	      "  -n, --name NAME            name used in log lines (default " PROG ")\n"
	      "      --drop-records         do not hand the records on (a broken proxy,\n"
	      "                             for demos and tests of the kernel's loop cap)\n"
	      "      --require-records      refuse flows that carry no records\n"
	      "      --wsaioctl             hand TCP records on with WSAIoctl's query and\n"
	      "                             set, as a ported Windows service does, not in\n"
	      "                             one call (wfpredir_handoff)\n"
	      "      --to ADDR:PORT         upstream of flows that were not redirected\n"
	      "                             (a plain port forwarder for those)\n"
	      "  -v, --verbose              log each flow; twice: details too\n"
	      "  -l, --log FILE             log to FILE instead of stderr (SIGHUP reopens)\n"
	      "      --pidfile FILE         write the process id to FILE\n"
	      "      --max-conns N          TCP connections and UDP flows at once (1024)\n"
	      "      --udp-idle SECS        close UDP flows silent this long (60)\n"
	      "      --connect-timeout SECS give up connecting upstream after (10)\n"
	      "      --drain-timeout SECS   on SIGTERM, wait this long for open connections\n"
	      "                             to finish (10; 0: close them at once)\n"
	      "  -h, --help                 print this help\n"
	      "  -V, --version              print the version\n",
	      out);
}

/*
 * Print "PROG: MESSAGE", an error to journald, and, for the command line,
 * a pointer to --help. Return: EXIT_USAGE.
 */
static int config_error(const char *msg, bool hint)
{
	fprintf(stderr, "%s" PROG ": %s\n%s", log_stderr_is_journal() ? "<3>" : "", msg,
		hint ? "Try '" PROG " --help'.\n" : "");
	return EXIT_USAGE;
}

static int usage_error(const char *msg)
{
	return config_error(msg, true);
}

/*
 * The command line into cli (only what it gives: cli->set) and the -c
 * path. Return: -1 to run, or the exit status (help, version, usage error).
 */
static int parse_options(int argc, char **argv, struct config *cli, const char **config_path)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "tcp", required_argument, NULL, 't' },
		{ "udp", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "drop-records", no_argument, NULL, LOPT_BASE + OPT_DROP_RECORDS },
		{ "wsaioctl", no_argument, NULL, LOPT_BASE + OPT_WSAIOCTL },
		{ "require-records", no_argument, NULL, LOPT_BASE + OPT_REQUIRE_RECORDS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, LOPT_BASE + OPT_PIDFILE },
		{ "max-conns", required_argument, NULL, LOPT_BASE + OPT_MAX_CONNS },
		{ "udp-idle", required_argument, NULL, LOPT_BASE + OPT_UDP_IDLE },
		{ "connect-timeout", required_argument, NULL, LOPT_BASE + OPT_CONNECT_TIMEOUT },
		{ "drain-timeout", required_argument, NULL, LOPT_BASE + OPT_DRAIN_TIMEOUT },
		{ "to", required_argument, NULL, LOPT_BASE + OPT_TO },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char err[600];
	int opt;

	config_defaults(cli);
	*config_path = NULL;
	while ((opt = getopt_long(argc, argv, "c:t:u:n:vl:hV", longopts, NULL)) != -1) {
		int id;

		switch (opt) {
		case 'c':
			*config_path = optarg;
			continue;
		case 't':
			id = OPT_TCP;
			break;
		case 'u':
			id = OPT_UDP;
			break;
		case 'n':
			id = OPT_NAME;
			break;
		case 'v':
			id = OPT_VERBOSE;
			break;
		case 'l':
			id = OPT_LOG;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf(PROG " %s\n", WFPREDIR_VERSION);
			return EXIT_OK;
		default:
			if (opt >= LOPT_BASE && opt < LOPT_BASE + OPT_COUNT) {
				id = opt - LOPT_BASE;
				break;
			}
			/* getopt_long has named the option */
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return EXIT_USAGE;
		}
		if (config_set(cli, (enum config_opt)id,
			       config_opt_has_value((enum config_opt)id) ? optarg : NULL, "--", err,
			       sizeof(err)))
			return usage_error(err);
	}
	if (optind < argc) {
		snprintf(err, sizeof(err), "unexpected argument '%s'", argv[optind]);
		return usage_error(err);
	}
	return -1;
}

/* The configuration: defaults, the -c file, the command line. */
static int configure(struct proxy *px)
{
	if (px->config_path) {
		char err[600];

		if (config_load(&px->cfg, px->config_path, err, sizeof(err)))
			return config_error(err, false);
	} else {
		config_defaults(&px->cfg);
	}
	config_merge(&px->cfg, &px->cli);
	if (!px->cfg.n_listen)
		return usage_error(px->config_path
					   ? "nothing to listen on: give tcp or udp in the file, "
					     "or --tcp or --udp"
					   : "nothing to listen on: give --tcp or --udp");
	return -1;
}

static int write_pidfile(struct proxy *px)
{
	char buf[32];
	int fd, n;

	fd = open(px->cfg.pidfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY, 0644);
	if (fd < 0) {
		log_msg(&px->log, LVL_ERROR, "open %s: %s", px->cfg.pidfile, strerror(errno));
		return -1;
	}
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (write(fd, buf, (size_t)n) != n) {
		log_msg(&px->log, LVL_ERROR, "write %s: %s", px->cfg.pidfile, strerror(errno));
		close(fd);
		unlink(px->cfg.pidfile);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	struct proxy *px;
	char err[300];
	int status;

	/* Some 30 KiB of configurations: not for the stack. */
	px = calloc(1, sizeof(*px));
	if (!px) {
		fprintf(stderr, PROG ": %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	status = parse_options(argc, argv, &px->cli, &px->config_path);
	if (status < 0)
		status = configure(px);
	if (status >= 0)
		goto out_free;

	px->log = (struct log){
		.fd = -1,
		.path = px->cfg.log_path[0] ? px->cfg.log_path : NULL,
		.name = px->cfg.name,
		.verbose = px->cfg.verbose,
	};
	if (log_open(&px->log)) {
		fprintf(stderr, "%s" PROG ": log %s: open: %s\n",
			log_stderr_is_journal() ? "<3>" : "", px->cfg.log_path, strerror(errno));
		status = EXIT_FAILED;
		goto out_free;
	}
	/* Writes to a closed peer fail with EPIPE instead. */
	sigaction(SIGPIPE, &sa, NULL);

	if (notify_open(&px->notify, err, sizeof(err)))
		log_msg(&px->log, LVL_WARN, "%s; not notifying the service manager", err);
	if (proxy_open(px) || (px->cfg.pidfile[0] && write_pidfile(px))) {
		proxy_close(px);
		log_msg(&px->log, LVL_ERROR, "not started");
		status = EXIT_FAILED;
		goto out;
	}
	log_msg(&px->log, LVL_NOTICE,
		"started, version %s%s%s: max-conns %u, connect-timeout %u s, udp-idle %u s, "
		"drain-timeout %u s%s%s%s",
		WFPREDIR_VERSION, px->config_path ? ", config " : "",
		px->config_path ? px->config_path : "", px->cfg.max_conns, px->cfg.connect_timeout,
		px->cfg.udp_idle, px->cfg.drain_timeout,
		px->cfg.drop_records ? ", dropping records" : "",
		px->cfg.require_records ? ", requiring records" : "",
		px->cfg.wsaioctl ? ", records through WSAIoctl" : "");
	/* Every listener is bound and listening: clients may come. */
	notify_send(&px->notify, "READY=1\nMAINPID=%ld", (long)getpid());
	proxy_status(px);

	status = proxy_run(px);
	proxy_close(px);
	if (px->cfg.pidfile[0])
		unlink(px->cfg.pidfile);
	log_msg(&px->log, LVL_NOTICE, "stopped");
out:
	notify_close(&px->notify);
	log_close(&px->log);
out_free:
	free(px);
	return status;
}
