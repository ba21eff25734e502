// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl service: redirect services, the proxies' listen addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "wfpredirctl.h"

/* A listing line: what "service add" takes, then the counters as a comment. */
void service_line(FILE *out, const struct wfpredir_service *s, const char *table)
{
	print_service_args(out, s, table);
	fprintf(out, " # rules %u redirects %llu skipped %llu\n", s->rules,
		(unsigned long long)s->redirects, (unsigned long long)s->skipped);
}

static int service_add(const struct ctl_opts *opts, int argc, char **argv)
{
	char table[WFPREDIR_TABLE_NAME_MAX] = WFPREDIR_TABLE_DEFAULT;
	struct wfpredir_service svc, out;
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status;

	if (extract_table(&argc, argv, 1, table, err, sizeof(err)) < 0 ||
	    parse_service_add(argc, argv, &svc, err, sizeof(err)))
		return usage_error("%s", err);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_add_service2(ctl, table, &svc, opts->replace ? WFPREDIR_CTL_REPLACE : 0,
				       opts->echo ? &out : NULL);
	status = rc ? ctl_failed(ctl, rc, "cannot add service \"%s\" to table %s", svc.name, table)
		    : EXIT_OK;
	if (!rc && opts->echo)
		service_line(stdout, &out, table);
	wfpredir_ctl_close(ctl);
	return status;
}

static int service_del(int argc, char **argv)
{
	char table[WFPREDIR_TABLE_NAME_MAX] = WFPREDIR_TABLE_DEFAULT;
	struct wfpredir_ctl *ctl;
	struct service_ref ref;
	char err[PARSE_ERR_MAX];
	int rc, status;

	if (extract_table(&argc, argv, 1, table, err, sizeof(err)) < 0 ||
	    parse_service_del(argc, argv, &ref, err, sizeof(err)))
		return usage_error("%s", err);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_del_service2(ctl, table, ref.id, ref.id ? NULL : ref.name);
	if (rc == -ENOENT && !wfpredir_ctl_error(ctl)) {
		if (ref.id)
			fprintf(stderr, "wfpredirctl: no service with id %u\n", ref.id);
		else
			fprintf(stderr, "wfpredirctl: no service named \"%s\" in table %s\n",
				ref.name, table);
		status = EXIT_FAILED;
	} else if (rc == -EBUSY && !wfpredir_ctl_error(ctl)) {
		status = ctl_failed(ctl, rc, "cannot delete service \"%s\" (rules redirect to it)",
				    argv[argc - 1]);
	} else {
		status = rc ? ctl_failed(ctl, rc, "cannot delete service \"%s\"", argv[argc - 1])
			    : EXIT_OK;
	}
	wfpredir_ctl_close(ctl);
	return status;
}

static int service_flush(int argc, char **argv)
{
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status, has_table;

	has_table = extract_table(&argc, argv, 0, table, err, sizeof(err));
	if (has_table < 0)
		return usage_error("%s", err);
	if (argc > 0)
		return usage_error("service flush: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_flush_services2(ctl, has_table ? table : NULL);
	status = rc ? ctl_failed(ctl, rc, "cannot flush services") : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}

static void service_json(struct json *j, const struct wfpredir_service *s, const char *table)
{
	char a[ADDR_STR_MAX];
	struct sockaddr_storage ss;

	json_open_object(j, NULL);
	json_uint(j, "id", s->id);
	json_string(j, "name", s->name);
	json_string(j, "table", table);
	if (s->has4) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &s->addr4, sizeof(s->addr4));
		json_string(j, "ipv4", format_addr_port(&ss, a, sizeof(a)));
	}
	if (s->has6) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &s->addr6, sizeof(s->addr6));
		json_string(j, "ipv6", format_addr_port(&ss, a, sizeof(a)));
	}
	if (s->has_owner_uid || s->has_owner_cgroup) {
		json_open_object(j, "owner");
		if (s->has_owner_uid)
			json_uint(j, "uid", s->owner_uid);
		if (s->has_owner_cgroup)
			json_string(j, "cgroup", s->owner_cgroup);
		json_close_object(j);
	}
	json_uint(j, "rules", s->rules);
	json_uint(j, "redirects", s->redirects);
	json_uint(j, "skipped", s->skipped);
	json_close_object(j);
}

static int push_service(const struct wfpredir_service *svc, const char *table, void *arg)
{
	struct service_set *set = arg;
	struct table_service *t;

	if (array_grow((void **)&set->items, &set->cap, set->n, sizeof(*t), 16))
		return -ENOMEM;
	t = &set->items[set->n++];
	t->svc = *svc;
	snprintf(t->table, sizeof(t->table), "%s", table);
	return 0;
}

static int by_id(const void *a, const void *b)
{
	const struct table_service *x = a, *y = b;

	return (x->svc.id > y->svc.id) - (x->svc.id < y->svc.id);
}

int service_set_load(struct wfpredir_ctl *ctl, const char *table, struct service_set *set)
{
	int rc;

	memset(set, 0, sizeof(*set));
	rc = wfpredir_ctl_walk_services2(ctl, table, push_service, set);
	if (rc) {
		free(set->items);
		memset(set, 0, sizeof(*set));
		return rc;
	}
	if (set->n)
		qsort(set->items, set->n, sizeof(*set->items), by_id);
	return 0;
}

const struct table_service *service_set_find(const struct service_set *set, uint32_t id)
{
	for (size_t i = 0; i < set->n; i++)
		if (set->items[i].svc.id == id)
			return &set->items[i];
	return NULL;
}

static int service_list(const struct ctl_opts *opts, int argc, char **argv)
{
	char table[WFPREDIR_TABLE_NAME_MAX];
	const char *name = NULL;
	struct service_set set;
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status, has_table;
	size_t shown = 0;
	struct json j;

	has_table = extract_table(&argc, argv, 0, table, err, sizeof(err));
	if (has_table < 0)
		return usage_error("%s", err);
	if (argc > 1)
		return usage_error("service list: unexpected argument \"%s\"", argv[1]);
	if (argc == 1)
		name = argv[0];
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = service_set_load(ctl, has_table ? table : NULL, &set);
	if (rc) {
		status = ctl_failed(ctl, rc, "cannot list services");
		wfpredir_ctl_close(ctl);
		return status;
	}
	wfpredir_ctl_close(ctl);

	if (opts->json) {
		json_init(&j, stdout);
		json_open_array(&j, NULL);
	}
	for (size_t i = 0; i < set.n; i++) {
		const struct table_service *t = &set.items[i];

		if (name && strcmp(t->svc.name, name))
			continue;
		shown++;
		if (opts->json)
			service_json(&j, &t->svc, t->table);
		else
			service_line(stdout, &t->svc, t->table);
	}
	if (opts->json) {
		json_close_array(&j);
		json_finish(&j);
	}
	free(set.items);
	if (name && !shown) {
		fprintf(stderr, "wfpredirctl: no service named \"%s\"\n", name);
		return EXIT_FAILED;
	}
	return EXIT_OK;
}

int service_run(const struct ctl_opts *opts, int argc, char **argv)
{
	if (argc < 1)
		return service_list(opts, 0, argv);
	if (!strcmp(argv[0], "add"))
		return service_add(opts, argc - 1, argv + 1);
	if (!strcmp(argv[0], "replace")) {
		struct ctl_opts o = *opts;

		o.replace = true;
		return service_add(&o, argc - 1, argv + 1);
	}
	if (!strcmp(argv[0], "del"))
		return service_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "show"))
		return service_list(opts, argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return service_flush(argc - 1, argv + 1);
	return unknown_command("service", argv[0], "wfpredirctl help");
}
