// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl flow: the connections that hold records, with their chains.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "wfpredirctl.h"

/* comm is best effort and the task's own choice: keep it to one word. */
static void clean_comm(char *dst, const char *comm, size_t size)
{
	size_t i;

	for (i = 0; i + 1 < size && comm[i]; i++)
		dst[i] = isgraph((unsigned char)comm[i]) ? comm[i] : '?';
	dst[i] = '\0';
	if (!i && size > 1)
		strcpy(dst, "-");
}

struct decoded {
	int count; /* entries, or the -errno of the records; 0: none */
	uint64_t flow_id;
	struct wfpredir_record_info e[WFPREDIR_RECORDS_MAX_ENTRIES];
	int context; /* 1 default layout, 0 custom, -1 none */
	struct sockaddr_storage ctx_dst, ctx_src;
	struct wfpredir_context_process proc;
};

static void decode(const struct wfpredir_flow *f, struct decoded *d)
{
	memset(d, 0, sizeof(*d));
	if (f->records_len)
		d->count = wfpredir_records_decode(f->records, f->records_len, &d->flow_id, d->e,
						   WFPREDIR_RECORDS_MAX_ENTRIES);
	d->context = -1;
	if (f->context_len)
		d->context = !wfpredir_context_decode(f->context, f->context_len, &d->ctx_dst,
						      &d->ctx_src, &d->proc);
}

static void flow_print(const struct wfpredir_flow *f, const struct decoded *d)
{
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX], p[16];

	printf("flow %s %s->%s", format_proto(f->protocol, p, sizeof(p)),
	       format_addr_port(&f->orig_src, a, sizeof(a)),
	       format_addr_port(&f->orig_dst, b, sizeof(b)));
	if (f->redirected)
		printf(" redirected to %s by service %u rule %u",
		       format_addr_port(&f->redir_dst, a, sizeof(a)), f->service_id, f->rule_id);
	printf(" age %llums\n", (unsigned long long)f->age_ms);

	if (!f->records_len)
		printf("  records none\n");
	else if (d->count < 0)
		printf("  records %u bytes, malformed (%s)\n", f->records_len, strerror(-d->count));
	else
		printf("  records flow-id 0x%llx entries %d\n", (unsigned long long)d->flow_id,
		       d->count);
	for (int i = 0; i < d->count; i++) {
		const struct wfpredir_record_info *e = &d->e[i];

		printf("  entry %d service %u rule %u %s %s->%s uid %u pid %u cgroup %llu%s%s\n",
		       i + 1, e->service_id, e->rule_id, format_proto(e->protocol, p, sizeof(p)),
		       format_addr_port(&e->orig_src, a, sizeof(a)),
		       format_addr_port(&e->orig_dst, b, sizeof(b)), e->uid, e->pid,
		       (unsigned long long)e->cgroup_id,
		       e->flags & WFPREDIR_RECORD_F_INHERITED ? " inherited" : "",
		       e->flags & WFPREDIR_RECORD_F_SERVICE_ONLY ? " service-only" : "");
	}
	if (d->context == 1) {
		char comm[sizeof(d->proc.comm)];

		clean_comm(comm, d->proc.comm, sizeof(comm));
		printf("  context dst %s src %s uid %u pid %u comm %s cgroup %llu\n",
		       format_addr_port(&d->ctx_dst, a, sizeof(a)),
		       format_addr_port(&d->ctx_src, b, sizeof(b)), d->proc.uid, d->proc.pid, comm,
		       (unsigned long long)d->proc.cgroup_id);
	} else if (d->context == 0) {
		printf("  context %u bytes (custom) ", f->context_len);
		print_hex(stdout, f->context, f->context_len);
		putchar('\n');
	}
}

static void json_hex(struct json *j, const char *key, const uint8_t *buf, size_t len)
{
	char hex[2 * WFPREDIR_RECORDS_MAX_LEN + 1];

	if (len > WFPREDIR_RECORDS_MAX_LEN)
		len = WFPREDIR_RECORDS_MAX_LEN;
	for (size_t i = 0; i < len; i++)
		snprintf(hex + 2 * i, 3, "%02x", buf[i]);
	hex[2 * len] = '\0';
	json_string(j, key, hex);
}

static void flow_json(struct json *j, const struct wfpredir_flow *f, const struct decoded *d)
{
	char a[ADDR_STR_MAX], p[16];

	json_open_object(j, NULL);
	json_string(j, "family", format_family(f->family, p, sizeof(p)));
	json_string(j, "protocol", format_proto(f->protocol, p, sizeof(p)));
	json_string(j, "src", format_addr_port(&f->orig_src, a, sizeof(a)));
	json_string(j, "dst", format_addr_port(&f->orig_dst, a, sizeof(a)));
	json_bool(j, "redirected", f->redirected);
	if (f->redirected) {
		json_string(j, "redirect_to", format_addr_port(&f->redir_dst, a, sizeof(a)));
		json_uint(j, "service", f->service_id);
		json_uint(j, "rule", f->rule_id);
	}
	json_uint(j, "age_ms", f->age_ms);
	json_uint(j, "records_len", f->records_len);
	if (d->count < 0)
		json_string(j, "records_error", strerror(-d->count));
	else if (f->records_len)
		json_uint(j, "flow_id", d->flow_id);
	json_open_array(j, "records");
	for (int i = 0; i < d->count; i++) {
		const struct wfpredir_record_info *e = &d->e[i];

		json_open_object(j, NULL);
		json_uint(j, "service", e->service_id);
		json_uint(j, "rule", e->rule_id);
		json_string(j, "family", format_family(e->family, p, sizeof(p)));
		json_string(j, "protocol", format_proto(e->protocol, p, sizeof(p)));
		json_string(j, "src", format_addr_port(&e->orig_src, a, sizeof(a)));
		json_string(j, "dst", format_addr_port(&e->orig_dst, a, sizeof(a)));
		json_uint(j, "uid", e->uid);
		json_uint(j, "pid", e->pid);
		json_uint(j, "cgroup_id", e->cgroup_id);
		json_uint(j, "timestamp_ns", e->timestamp_ns);
		json_bool(j, "inherited", e->flags & WFPREDIR_RECORD_F_INHERITED);
		json_bool(j, "service_only", e->flags & WFPREDIR_RECORD_F_SERVICE_ONLY);
		json_bool(j, "pid_best_effort", e->flags & WFPREDIR_RECORD_F_PID_BEST_EFFORT);
		json_close_object(j);
	}
	json_close_array(j);
	if (d->context >= 0) {
		json_open_object(j, "context");
		json_uint(j, "len", f->context_len);
		json_bool(j, "default", d->context == 1);
		if (d->context == 1) {
			json_string(j, "dst", format_addr_port(&d->ctx_dst, a, sizeof(a)));
			json_string(j, "src", format_addr_port(&d->ctx_src, a, sizeof(a)));
			json_uint(j, "uid", d->proc.uid);
			json_uint(j, "pid", d->proc.pid);
			json_uint(j, "cgroup_id", d->proc.cgroup_id);
			json_string(j, "comm", d->proc.comm);
		} else {
			json_hex(j, "hex", f->context, f->context_len);
		}
		json_close_object(j);
	}
	json_close_object(j);
}

/* flow list's filters; each one given must match. */
struct flow_filter {
	const char *service_name; /* resolved to service_id before the dump */
	bool has_service;
	uint32_t service_id;
	bool has_rule;
	uint32_t rule_id;
	uint8_t protocol; /* 0: any */
	bool has_dst;
	int dst_family;
	uint8_t dst_addr[16];
	uint16_t dst_port; /* host order; 0: any */
};

struct flow_out {
	const struct ctl_opts *opts;
	const struct flow_filter *filter;
	struct json j;
};

/* ADDR, ADDR:PORT, [ADDR6] or [ADDR6]:PORT. */
static int parse_dst(const char *s, struct flow_filter *fl)
{
	char buf[INET6_ADDRSTRLEN + 16], *addr = buf, *port = NULL, *end;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[0] == '[') {
		end = strchr(buf, ']');
		if (!end || (end[1] && end[1] != ':'))
			return -1;
		*end = '\0';
		addr = buf + 1;
		if (end[1])
			port = end + 2;
	} else if (strchr(buf, ':') == strrchr(buf, ':') && strchr(buf, ':')) {
		/* One colon: IPv4 with a port (an IPv6 address has two or more). */
		port = strchr(buf, ':');
		*port++ = '\0';
	}
	if (inet_pton(AF_INET, addr, fl->dst_addr) == 1)
		fl->dst_family = AF_INET;
	else if (inet_pton(AF_INET6, addr, fl->dst_addr) == 1)
		fl->dst_family = AF_INET6;
	else
		return -1;
	if (port) {
		unsigned long p;

		errno = 0;
		p = strtoul(port, &end, 10);
		if (errno || !*port || *end || !isdigit((unsigned char)*port) || p < 1 || p > 65535)
			return -1;
		fl->dst_port = (uint16_t)p;
	}
	fl->has_dst = true;
	return 0;
}

static bool dst_matches(const struct flow_filter *fl, const struct sockaddr_storage *ss)
{
	if (ss->ss_family != fl->dst_family)
		return false;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		return !memcmp(&sin->sin_addr, fl->dst_addr, 4) &&
		       (!fl->dst_port || ntohs(sin->sin_port) == fl->dst_port);
	}
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

	return !memcmp(&sin6->sin6_addr, fl->dst_addr, 16) &&
	       (!fl->dst_port || ntohs(sin6->sin6_port) == fl->dst_port);
}

/* dst: the original destination, as the connection was opened. */
static bool flow_matches(const struct flow_filter *fl, const struct wfpredir_flow *f)
{
	if (fl->has_service && (!f->redirected || f->service_id != fl->service_id))
		return false;
	if (fl->has_rule && (!f->redirected || f->rule_id != fl->rule_id))
		return false;
	if (fl->protocol && f->protocol != fl->protocol)
		return false;
	return !fl->has_dst || dst_matches(fl, &f->orig_dst);
}

static int parse_filter(int argc, char **argv, struct flow_filter *fl)
{
	static const char *const words[] = { "service", "rule", "proto", "dst" };
	char err[PARSE_ERR_MAX];

	memset(fl, 0, sizeof(*fl));
	for (int i = 0; i < argc; i++) {
		int w = match_word("flow list: filter", argv[i], words,
				   sizeof(words) / sizeof(words[0]));
		if (w < 0)
			return EXIT_USAGE;
		if (i + 1 >= argc)
			return usage_error("flow list: %s needs a value", words[w]);
		i++;
		switch (w) {
		case 0:
			fl->has_service = true;
			/* All digits: an id; else a name, looked up later. */
			if (parse_u32("service", argv[i], 1, UINT32_MAX, &fl->service_id, err,
				      sizeof(err))) {
				if (parse_service_name(argv[i], err, sizeof(err)))
					return usage_error("flow list: %s", err);
				fl->service_name = argv[i];
			}
			break;
		case 1:
			fl->has_rule = true;
			if (parse_u32("rule", argv[i], 1, UINT32_MAX, &fl->rule_id, err,
				      sizeof(err)))
				return usage_error("flow list: %s", err);
			break;
		case 2:
			if (parse_proto("proto", argv[i], &fl->protocol, err, sizeof(err)))
				return usage_error("flow list: %s", err);
			break;
		default:
			if (parse_dst(argv[i], fl))
				return usage_error("flow list: invalid dst \"%s\" (expected ADDR, "
						   "ADDR:PORT or [ADDR6]:PORT)",
						   argv[i]);
			break;
		}
	}
	return EXIT_OK;
}

static int flow_one(const struct wfpredir_flow *f, void *arg)
{
	struct flow_out *o = arg;
	struct decoded d;

	if (!flow_matches(o->filter, f))
		return 0;
	decode(f, &d);
	if (o->opts->json)
		flow_json(&o->j, f, &d);
	else
		flow_print(f, &d);
	return 0;
}

static int flow_list(const struct ctl_opts *opts, int argc, char **argv)
{
	struct flow_filter filter;
	struct flow_out o = { .opts = opts, .filter = &filter };
	struct wfpredir_service svc;
	struct wfpredir_ctl *ctl;
	int rc, status;

	status = parse_filter(argc, argv, &filter);
	if (status)
		return status;
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	if (filter.service_name) {
		rc = wfpredir_ctl_find_service(ctl, filter.service_name, &svc);
		if (rc == -ENOENT) {
			fprintf(stderr, "wfpredirctl: flow list: no service named \"%s\"\n",
				filter.service_name);
			status = EXIT_FAILED;
		} else if (rc) {
			status = ctl_failed(ctl, rc, "cannot look up service %s",
					    filter.service_name);
		}
		if (rc) {
			wfpredir_ctl_close(ctl);
			return status;
		}
		filter.service_id = svc.id;
	}
	if (opts->json) {
		json_init(&o.j, stdout);
		json_open_array(&o.j, NULL);
	}
	/* Streamed: a namespace can hold many flows. */
	rc = wfpredir_ctl_walk_flows(ctl, flow_one, &o);
	if (opts->json) {
		json_close_array(&o.j);
		json_finish(&o.j);
	}
	fflush(stdout);
	status = rc ? ctl_failed(ctl, rc, "cannot list flows") : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}

int flow_run(const struct ctl_opts *opts, int argc, char **argv)
{
	if (argc < 1)
		return flow_list(opts, 0, argv);

	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "show"))
		return flow_list(opts, argc - 1, argv + 1);
	return unknown_command("flow", argv[0], "flow list");
}
