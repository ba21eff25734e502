// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl rule: which new outbound flows go to which service.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "wfpredirctl.h"

static int rule_add(int argc, char **argv)
{
	struct wfpredir_service svc;
	struct wfpredir_rule *rule;
	struct wfpredir_ctl *ctl;
	struct service_ref ref;
	char err[PARSE_ERR_MAX];
	int rc, status;

	rule = malloc(sizeof(*rule));
	if (!rule) {
		fprintf(stderr, "wfpredirctl: %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	if (parse_rule_add(argc, argv, rule, &ref, err, sizeof(err))) {
		free(rule);
		return usage_error("%s", err);
	}
	ctl = ctl_connect(&status);
	if (!ctl) {
		free(rule);
		return status;
	}
	rule->service_id = ref.id;
	if (!ref.id) {
		rc = wfpredir_ctl_find_service(ctl, ref.name, &svc);
		if (rc == -ENOENT) {
			fprintf(stderr, "wfpredirctl: no service named \"%s\"\n", ref.name);
			status = EXIT_FAILED;
			goto out;
		}
		if (rc) {
			status = ctl_failed(ctl, rc, "cannot look service \"%s\" up", ref.name);
			goto out;
		}
		rule->service_id = svc.id;
	}
	rc = wfpredir_ctl_add_rule(ctl, rule);
	status = rc ? ctl_failed(ctl, rc, "cannot add rule") : EXIT_OK;
out:
	wfpredir_ctl_close(ctl);
	free(rule);
	return status;
}

static int rule_del(int argc, char **argv)
{
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status;
	uint32_t id;

	if (argc < 1)
		return usage_error("missing rule id for rule del");
	if (argc > 1)
		return usage_error("rule del: unexpected argument \"%s\"", argv[1]);
	if (parse_u32("rule id", argv[0], 1, UINT32_MAX, &id, err, sizeof(err)))
		return usage_error("%s", err);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_del_rule(ctl, id);
	if (rc == -ENOENT && !wfpredir_ctl_error(ctl)) {
		fprintf(stderr, "wfpredirctl: no rule with id %u\n", id);
		status = EXIT_FAILED;
	} else {
		status = rc ? ctl_failed(ctl, rc, "cannot delete rule %u", id) : EXIT_OK;
	}
	wfpredir_ctl_close(ctl);
	return status;
}

static int rule_flush(int argc, char **argv)
{
	struct wfpredir_ctl *ctl;
	int rc, status;

	if (argc > 0)
		return usage_error("rule flush: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_flush_rules(ctl);
	status = rc ? ctl_failed(ctl, rc, "cannot flush rules") : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}

/* Service names for the listing; NULL when unknown. */
struct names {
	struct wfpredir_service *svcs;
	size_t n;
};

static const char *service_name(const struct names *names, uint32_t id)
{
	for (size_t i = 0; i < names->n; i++)
		if (names->svcs[i].id == id)
			return names->svcs[i].name;
	return NULL;
}

static void print_range(const char *what, unsigned long min, unsigned long max)
{
	if (min == max)
		printf(" %s %lu", what, min);
	else
		printf(" %s %lu-%lu", what, min, max);
}

static void rule_print(const struct wfpredir_rule *r, const struct names *names)
{
	const char *name = service_name(names, r->service_id);
	char buf[ADDR_STR_MAX];

	printf("rule %u prio %u service %u", r->id, r->priority, r->service_id);
	if (name)
		printf(" (%s)", name);
	if (r->family)
		printf(" %s", format_family(r->family, buf, sizeof(buf)));
	if (r->protocol)
		printf(" %s", format_proto(r->protocol, buf, sizeof(buf)));
	if (r->has_daddr)
		printf(" to %s", format_prefix(r->family, r->daddr, r->prefix, buf, sizeof(buf)));
	if (r->has_dport)
		print_range("dport", r->dport_min, r->dport_max);
	if (r->has_uid)
		print_range("uid", r->uid_min, r->uid_max);
	if (r->has_cgroup)
		printf(" cgroup %s", r->cgroup);
	if (r->context_len) {
		printf(" context ");
		print_hex(stdout, r->context, r->context_len);
	}
	printf(" matches %llu\n", (unsigned long long)r->matches);
}

static void rule_json(struct json *j, const struct wfpredir_rule *r, const struct names *names)
{
	const char *name = service_name(names, r->service_id);
	char buf[ADDR_STR_MAX];

	json_open_object(j, NULL);
	json_uint(j, "id", r->id);
	json_uint(j, "priority", r->priority);
	json_uint(j, "service", r->service_id);
	if (name)
		json_string(j, "service_name", name);
	if (r->family)
		json_string(j, "family", format_family(r->family, buf, sizeof(buf)));
	if (r->protocol)
		json_string(j, "protocol", format_proto(r->protocol, buf, sizeof(buf)));
	if (r->has_daddr)
		json_string(j, "to",
			    format_prefix(r->family, r->daddr, r->prefix, buf, sizeof(buf)));
	if (r->has_dport) {
		json_uint(j, "dport_min", r->dport_min);
		json_uint(j, "dport_max", r->dport_max);
	}
	if (r->has_uid) {
		json_uint(j, "uid_min", r->uid_min);
		json_uint(j, "uid_max", r->uid_max);
	}
	if (r->has_cgroup)
		json_string(j, "cgroup", r->cgroup);
	if (r->context_len) {
		char hex[2 * WFPREDIR_CONTEXT_MAX_CUSTOM_LEN + 1];

		for (uint32_t i = 0; i < r->context_len; i++)
			snprintf(hex + 2 * i, 3, "%02x", r->context[i]);
		json_string(j, "context", hex);
	}
	json_uint(j, "matches", r->matches);
	json_close_object(j);
}

/* The order the kernel tries them in: priority, then id. */
static int by_priority(const void *a, const void *b)
{
	const struct wfpredir_rule *x = a, *y = b;

	if (x->priority != y->priority)
		return x->priority < y->priority ? -1 : 1;
	return (x->id > y->id) - (x->id < y->id);
}

static int rule_list(const struct ctl_opts *opts, int argc, char **argv)
{
	struct names names = { NULL, 0 };
	struct wfpredir_rule *rules;
	struct wfpredir_ctl *ctl;
	int rc, status;
	struct json j;
	size_t n;

	if (argc > 0)
		return usage_error("rule list: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_list_rules(ctl, &rules, &n);
	if (rc) {
		status = ctl_failed(ctl, rc, "cannot list rules");
		wfpredir_ctl_close(ctl);
		return status;
	}
	/* Names are a courtesy: without them the ids remain. */
	if (n && wfpredir_ctl_list_services(ctl, &names.svcs, &names.n))
		names.n = 0;
	wfpredir_ctl_close(ctl);
	if (n)
		qsort(rules, n, sizeof(*rules), by_priority);

	if (opts->json) {
		json_init(&j, stdout);
		json_open_array(&j, NULL);
		for (size_t i = 0; i < n; i++)
			rule_json(&j, &rules[i], &names);
		json_close_array(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < n; i++)
			rule_print(&rules[i], &names);
	}
	free(names.svcs);
	free(rules);
	return EXIT_OK;
}

int rule_run(const struct ctl_opts *opts, int argc, char **argv)
{
	if (argc < 1)
		return rule_list(opts, 0, argv);
	if (!strcmp(argv[0], "add"))
		return rule_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return rule_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "show"))
		return rule_list(opts, argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return rule_flush(argc - 1, argv + 1);
	return unknown_command("rule", argv[0], "wfpredirctl help");
}
