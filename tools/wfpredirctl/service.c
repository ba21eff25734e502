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

static int service_add(int argc, char **argv)
{
	struct wfpredir_service svc;
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status;

	if (parse_service_add(argc, argv, &svc, err, sizeof(err)))
		return usage_error("%s", err);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_add_service(ctl, &svc);
	status = rc ? ctl_failed(ctl, rc, "cannot add service \"%s\"", svc.name) : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}

static int service_del(int argc, char **argv)
{
	struct wfpredir_ctl *ctl;
	struct service_ref ref;
	char err[PARSE_ERR_MAX];
	int rc, status;

	if (parse_service_del(argc, argv, &ref, err, sizeof(err)))
		return usage_error("%s", err);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_del_service(ctl, ref.id, ref.id ? NULL : ref.name);
	if (rc == -ENOENT && !wfpredir_ctl_error(ctl)) {
		if (ref.id)
			fprintf(stderr, "wfpredirctl: no service with id %u\n", ref.id);
		else
			fprintf(stderr, "wfpredirctl: no service named \"%s\"\n", ref.name);
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
	struct wfpredir_ctl *ctl;
	int rc, status;

	if (argc > 0)
		return usage_error("service flush: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_flush_services(ctl);
	status = rc ? ctl_failed(ctl, rc, "cannot flush services") : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}

static void service_print(const struct wfpredir_service *s)
{
	char a[ADDR_STR_MAX];
	struct sockaddr_storage ss;

	printf("service %u %s", s->id, s->name);
	if (s->has4) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &s->addr4, sizeof(s->addr4));
		printf(" ipv4 %s", format_addr_port(&ss, a, sizeof(a)));
	}
	if (s->has6) {
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, &s->addr6, sizeof(s->addr6));
		printf(" ipv6 %s", format_addr_port(&ss, a, sizeof(a)));
	}
	/* In the words "service add" takes. */
	if (s->has_owner_uid || s->has_owner_cgroup)
		printf(" owner");
	if (s->has_owner_uid)
		printf(" uid %u", s->owner_uid);
	if (s->has_owner_cgroup)
		printf(" cgroup %s", s->owner_cgroup);
	printf(" rules %u redirects %llu skipped %llu\n", s->rules,
	       (unsigned long long)s->redirects, (unsigned long long)s->skipped);
}

static void service_json(struct json *j, const struct wfpredir_service *s)
{
	char a[ADDR_STR_MAX];
	struct sockaddr_storage ss;

	json_open_object(j, NULL);
	json_uint(j, "id", s->id);
	json_string(j, "name", s->name);
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

static int by_id(const void *a, const void *b)
{
	const struct wfpredir_service *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int service_list(const struct ctl_opts *opts, int argc, char **argv)
{
	struct wfpredir_service *svcs;
	const char *name = NULL;
	struct wfpredir_ctl *ctl;
	size_t n, shown = 0;
	int rc, status;
	struct json j;

	if (argc > 1)
		return usage_error("service list: unexpected argument \"%s\"", argv[1]);
	if (argc == 1)
		name = argv[0];
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_list_services(ctl, &svcs, &n);
	if (rc) {
		status = ctl_failed(ctl, rc, "cannot list services");
		wfpredir_ctl_close(ctl);
		return status;
	}
	wfpredir_ctl_close(ctl);
	if (n)
		qsort(svcs, n, sizeof(*svcs), by_id);

	if (opts->json) {
		json_init(&j, stdout);
		json_open_array(&j, NULL);
	}
	for (size_t i = 0; i < n; i++) {
		if (name && strcmp(svcs[i].name, name))
			continue;
		shown++;
		if (opts->json)
			service_json(&j, &svcs[i]);
		else
			service_print(&svcs[i]);
	}
	if (opts->json) {
		json_close_array(&j);
		json_finish(&j);
	}
	free(svcs);
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
		return service_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return service_del(argc - 1, argv + 1);
	if (!strcmp(argv[0], "list") || !strcmp(argv[0], "show"))
		return service_list(opts, argc - 1, argv + 1);
	if (!strcmp(argv[0], "flush"))
		return service_flush(argc - 1, argv + 1);
	return unknown_command("service", argv[0], "wfpredirctl help");
}
