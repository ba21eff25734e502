// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl flow: the connections that hold records, with their chains.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
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

struct flow_out {
	const struct ctl_opts *opts;
	struct json j;
};

static int flow_one(const struct wfpredir_flow *f, void *arg)
{
	struct flow_out *o = arg;
	struct decoded d;

	decode(f, &d);
	if (o->opts->json)
		flow_json(&o->j, f, &d);
	else
		flow_print(f, &d);
	return 0;
}

static int flow_list(const struct ctl_opts *opts, int argc, char **argv)
{
	struct flow_out o = { .opts = opts };
	struct wfpredir_ctl *ctl;
	int rc, status;

	if (argc > 0)
		return usage_error("flow list: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
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
