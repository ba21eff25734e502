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

/* The service's name when it is in the rule's table, where add looks it up. */
static const char *rule_service_name(const struct wfpredir_rule *r, const char *table,
				     const struct service_set *set)
{
	const struct table_service *t = set ? service_set_find(set, r->service_id) : NULL;

	return t && !strcmp(t->table, table) ? t->svc.name : NULL;
}

void rule_line(FILE *out, const struct wfpredir_rule *r, const char *table,
	       const struct service_set *set)
{
	print_rule_args(out, r, table, rule_service_name(r, table, set));
	fprintf(out, " # matches %llu\n", (unsigned long long)r->matches);
}

static int rule_add(const struct ctl_opts *opts, int argc, char **argv)
{
	char table[WFPREDIR_TABLE_NAME_MAX] = WFPREDIR_TABLE_DEFAULT;
	struct wfpredir_rule *rule, *out;
	struct wfpredir_ctl *ctl;
	struct service_ref ref;
	char err[PARSE_ERR_MAX];
	int rc, status;

	rule = malloc(2 * sizeof(*rule));
	if (!rule) {
		fprintf(stderr, "wfpredirctl: %s\n", strerror(ENOMEM));
		return EXIT_FAILED;
	}
	out = rule + 1;
	if (extract_table(&argc, argv, 0, table, err, sizeof(err)) < 0 ||
	    parse_rule_add(argc, argv, rule, &ref, err, sizeof(err))) {
		free(rule);
		return usage_error("%s", err);
	}
	ctl = ctl_connect(&status);
	if (!ctl) {
		free(rule);
		return status;
	}
	/* By name: the kernel looks it up in the rule's table. */
	rule->service_id = ref.id;
	rc = wfpredir_ctl_add_rule2(ctl, table, ref.id ? NULL : ref.name, rule,
				    opts->replace ? WFPREDIR_CTL_REPLACE : 0,
				    opts->echo ? out : NULL);
	if (rc == -ENOENT && !ref.id && !wfpredir_ctl_error(ctl)) {
		fprintf(stderr, "wfpredirctl: no service named \"%s\" in table %s\n", ref.name,
			table);
		status = EXIT_FAILED;
	} else {
		status = rc ? ctl_failed(ctl, rc, "cannot add rule to table %s", table) : EXIT_OK;
	}
	if (!rc && opts->echo) {
		print_rule_args(stdout, out, table, ref.id ? NULL : ref.name);
		printf(" # matches %llu\n", (unsigned long long)out->matches);
	}
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
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status, has_table;

	has_table = extract_table(&argc, argv, 0, table, err, sizeof(err));
	if (has_table < 0)
		return usage_error("%s", err);
	if (argc > 0)
		return usage_error("rule flush: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_flush_rules2(ctl, has_table ? table : NULL);
	status = rc ? ctl_failed(ctl, rc, "cannot flush rules") : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}

void rule_matches_json(struct json *j, const struct wfpredir_rule *r)
{
	char buf[ADDR_STR_MAX];

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
}

static void rule_json(struct json *j, const struct wfpredir_rule *r, const char *table,
		      const struct service_set *set)
{
	const struct table_service *t = service_set_find(set, r->service_id);

	json_open_object(j, NULL);
	json_uint(j, "id", r->id);
	json_uint(j, "priority", r->priority);
	json_string(j, "table", table);
	json_uint(j, "service", r->service_id);
	if (t)
		json_string(j, "service_name", t->svc.name);
	rule_matches_json(j, r);
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
	const struct table_rule *x = a, *y = b;

	if (x->rule.priority != y->rule.priority)
		return x->rule.priority < y->rule.priority ? -1 : 1;
	return (x->rule.id > y->rule.id) - (x->rule.id < y->rule.id);
}

static int push_rule(const struct wfpredir_rule *rule, const char *table, void *arg)
{
	struct rule_set *set = arg;
	struct table_rule *t;

	if (array_grow((void **)&set->items, &set->cap, set->n, sizeof(*t), 64))
		return -ENOMEM;
	t = &set->items[set->n++];
	t->rule = *rule;
	snprintf(t->table, sizeof(t->table), "%s", table);
	return 0;
}

int rule_set_load(struct wfpredir_ctl *ctl, const char *table, struct rule_set *set)
{
	int rc;

	memset(set, 0, sizeof(*set));
	rc = wfpredir_ctl_walk_rules2(ctl, table, push_rule, set);
	if (rc) {
		free(set->items);
		memset(set, 0, sizeof(*set));
		return rc;
	}
	if (set->n)
		qsort(set->items, set->n, sizeof(*set->items), by_priority);
	return 0;
}

static int rule_list(const struct ctl_opts *opts, int argc, char **argv)
{
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct service_set names = { 0 };
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status, has_table;
	struct rule_set set;
	struct json j;

	has_table = extract_table(&argc, argv, 0, table, err, sizeof(err));
	if (has_table < 0)
		return usage_error("%s", err);
	if (argc > 0)
		return usage_error("rule list: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = rule_set_load(ctl, has_table ? table : NULL, &set);
	if (rc) {
		status = ctl_failed(ctl, rc, "cannot list rules");
		wfpredir_ctl_close(ctl);
		return status;
	}
	/* Names are a courtesy: without them the ids remain. */
	if (set.n && service_set_load(ctl, NULL, &names))
		names.n = 0;
	wfpredir_ctl_close(ctl);

	if (opts->json) {
		json_init(&j, stdout);
		json_open_array(&j, NULL);
		for (size_t i = 0; i < set.n; i++)
			rule_json(&j, &set.items[i].rule, set.items[i].table, &names);
		json_close_array(&j);
		json_finish(&j);
	} else {
		for (size_t i = 0; i < set.n; i++)
			rule_line(stdout, &set.items[i].rule, set.items[i].table, &names);
	}
	free(names.items);
	free(set.items);
	return EXIT_OK;
}

int rule_run(const struct ctl_opts *opts, int argc, char **argv)
{
	if (argc < 1)
		return rule_list(opts, 0, argv);
	if (!strcmp(argv[0], "add"))
		return rule_add(opts, argc - 1, argv + 1);
	if (!strcmp(argv[0], "replace")) {
		struct ctl_opts o = *opts;

		o.replace = true;
		return rule_add(&o, argc - 1, argv + 1);
	}
	if (!strcmp(argv[0], "del"))
		return rule_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "show"))
		return rule_list(opts, argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return rule_flush(argc - 1, argv + 1);
	return unknown_command("rule", argv[0], "wfpredirctl help");
}
