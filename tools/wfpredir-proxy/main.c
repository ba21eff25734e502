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

#define PROG "wfpredir-proxy"

enum {
	OPT_DROP_RECORDS = 256,
	OPT_REQUIRE_RECORDS,
	OPT_PIDFILE,
	OPT_MAX_CONNS,
	OPT_UDP_IDLE,
	OPT_CONNECT_TIMEOUT,
	OPT_TO,
	OPT_VERSION,
};

static void usage(FILE *out)
{
	fputs("Usage: " PROG " [OPTIONS] (-t ADDR:PORT | -u ADDR:PORT)...\n"
	      "A transparent proxy for wfpredir redirect services: hands the redirect\n"
	      "records of each flow on to the connection it opens to the original\n"
	      "destination.\n"
	      "\n"
	      "  -t, --tcp ADDR:PORT        listen for TCP (repeatable; IPv6 as [::1]:15001)\n"
	      "  -u, --udp ADDR:PORT        listen for UDP (repeatable)\n"
	      "  -n, --name NAME            name used in log lines (default " PROG ")\n"
	      "      --drop-records         do not hand the records on (a broken proxy,\n"
	      "                             for demos and tests of the kernel's loop cap)\n"
	      "      --require-records      refuse flows that carry no records\n"
	      "      --to ADDR:PORT         upstream of flows that were not redirected\n"
	      "                             (a plain port forwarder for those)\n"
	      "  -v, --verbose              log each flow; twice: details too\n"
	      "  -l, --log FILE             log to FILE instead of stderr (SIGHUP reopens)\n"
	      "      --pidfile FILE         write the process id to FILE\n"
	      "      --max-conns N          TCP connections and UDP flows at once (1024)\n"
	      "      --udp-idle SECS        close UDP flows silent this long (60)\n"
	      "      --connect-timeout SECS give up connecting upstream after (10)\n"
	      "  -h, --help                 print this help\n"
	      "      --version              print the version\n",
	      out);
}

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print "PROG: MESSAGE" and a pointer to --help. Return: EXIT_USAGE. */
static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" PROG " --help'.\n", stderr);
	return EXIT_USAGE;
}

static int parse_uint(const char *opt, const char *arg, unsigned int min, unsigned int max,
		      unsigned int *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (arg[0] < '0' || arg[0] > '9' || *end || errno || v < min || v > max) {
		return usage_error("%s: '%s' is not a number from %u to %u", opt, arg, min, max);
	}
	*out = (unsigned int)v;
	return 0;
}

static int add_listener(struct config *cfg, const char *opt, int proto, const char *arg)
{
	struct listen_spec *ls;

	if (cfg->n_listen == PROXY_MAX_LISTENERS) {
		return usage_error("%s %s: at most %d listeners", opt, arg, PROXY_MAX_LISTENERS);
	}
	ls = &cfg->listen[cfg->n_listen];
	if (addr_parse(arg, &ls->addr))
		return usage_error("%s: bad address '%s': want ADDR:PORT or [ADDR6]:PORT", opt,
				   arg);
	ls->proto = proto;
	for (size_t i = 0; i < cfg->n_listen; i++)
		if (cfg->listen[i].proto == proto && addr_port(&ls->addr) &&
		    addr_equal(&cfg->listen[i].addr, &ls->addr))
			return usage_error("%s: '%s' is given twice", opt, arg);
	cfg->n_listen++;
	return 0;
}

/* Return: -1 to run, or the exit status (help, version, usage error). */
static int parse_options(int argc, char **argv, struct config *cfg)
{
	static const struct option longopts[] = {
		{ "tcp", required_argument, NULL, 't' },
		{ "udp", required_argument, NULL, 'u' },
		{ "name", required_argument, NULL, 'n' },
		{ "drop-records", no_argument, NULL, OPT_DROP_RECORDS },
		{ "require-records", no_argument, NULL, OPT_REQUIRE_RECORDS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log", required_argument, NULL, 'l' },
		{ "pidfile", required_argument, NULL, OPT_PIDFILE },
		{ "max-conns", required_argument, NULL, OPT_MAX_CONNS },
		{ "udp-idle", required_argument, NULL, OPT_UDP_IDLE },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT },
		{ "to", required_argument, NULL, OPT_TO },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	int opt, r = 0;

	cfg->name = PROG;
	cfg->max_conns = 1024;
	cfg->udp_idle = 60;
	cfg->connect_timeout = 10;
	while ((opt = getopt_long(argc, argv, "t:u:n:vl:h", longopts, NULL)) != -1) {
		switch (opt) {
		case 't':
			r = add_listener(cfg, "--tcp", IPPROTO_TCP, optarg);
			break;
		case 'u':
			r = add_listener(cfg, "--udp", IPPROTO_UDP, optarg);
			break;
		case 'n':
			if (!optarg[0] || strlen(optarg) > 64 || strpbrk(optarg, " \t\r\n"))
				r = usage_error("--name: '%s' is not a name (1 to 64 characters, "
						"no spaces)",
						optarg);
			cfg->name = optarg;
			break;
		case OPT_DROP_RECORDS:
			cfg->drop_records = true;
			break;
		case OPT_REQUIRE_RECORDS:
			cfg->require_records = true;
			break;
		case 'v':
			cfg->verbose++;
			break;
		case 'l':
			cfg->log_path = optarg;
			break;
		case OPT_PIDFILE:
			cfg->pidfile = optarg;
			break;
		case OPT_MAX_CONNS:
			r = parse_uint("--max-conns", optarg, 1, 1000000, &cfg->max_conns);
			break;
		case OPT_UDP_IDLE:
			r = parse_uint("--udp-idle", optarg, 1, 86400, &cfg->udp_idle);
			break;
		case OPT_CONNECT_TIMEOUT:
			r = parse_uint("--connect-timeout", optarg, 1, 3600, &cfg->connect_timeout);
			break;
		case OPT_TO:
			if (addr_parse(optarg, &cfg->to) || !addr_port(&cfg->to))
				r = usage_error("--to: bad address '%s': want ADDR:PORT or "
						"[ADDR6]:PORT, port not 0",
						optarg);
			cfg->have_to = true;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case OPT_VERSION:
			printf(PROG " %s\n", WFPREDIR_VERSION);
			return EXIT_OK;
		default: /* getopt_long has named the option */
			fprintf(stderr, "Try '" PROG " --help'.\n");
			return EXIT_USAGE;
		}
		if (r)
			return r;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (!cfg->n_listen)
		return usage_error("nothing to listen on: give --tcp or --udp");
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
	struct proxy px;
	int status;

	memset(&px, 0, sizeof(px));
	status = parse_options(argc, argv, &px.cfg);
	if (status >= 0)
		return status;

	px.log = (struct log){
		.fd = -1,
		.path = px.cfg.log_path,
		.name = px.cfg.name,
		.verbose = px.cfg.verbose,
	};
	if (log_open(&px.log)) {
		fprintf(stderr, PROG ": --log %s: open: %s\n", px.cfg.log_path, strerror(errno));
		return EXIT_FAILED;
	}
	/* Writes to a closed peer fail with EPIPE instead. */
	sigaction(SIGPIPE, &sa, NULL);

	if (proxy_open(&px) || (px.cfg.pidfile && write_pidfile(&px))) {
		proxy_close(&px);
		log_msg(&px.log, LVL_ERROR, "not started");
		log_close(&px.log);
		return EXIT_FAILED;
	}
	log_msg(&px.log, LVL_NOTICE,
		"started, version %s: max-conns %u, connect-timeout %u s, udp-idle %u s%s%s",
		WFPREDIR_VERSION, px.cfg.max_conns, px.cfg.connect_timeout, px.cfg.udp_idle,
		px.cfg.drop_records ? ", dropping records" : "",
		px.cfg.require_records ? ", requiring records" : "");

	status = proxy_run(&px);
	proxy_close(&px);
	if (px.cfg.pidfile)
		unlink(px.cfg.pidfile);
	log_msg(&px.log, LVL_NOTICE, "stopped");
	log_close(&px.log);
	return status;
}
