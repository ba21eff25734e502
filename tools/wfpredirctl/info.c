// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl info: what the loaded module is and holds in this namespace.
 */
#include <stdio.h>
#include <string.h>

#include "wfpredirctl.h"

static void info_json(const struct wfpredir_info *info)
{
	struct json j;

	json_init(&j, stdout);
	json_open_object(&j, NULL);
	json_string(&j, "version", info->version);
	json_uint(&j, "sockopt_base", info->so_base);
	json_uint(&j, "records_version", info->records_version);
	json_uint(&j, "records_max_len", info->records_max_len);
	json_uint(&j, "sockets", info->sockets);
	json_uint(&j, "sockets_max", info->sockets_max);
	json_uint(&j, "flows", info->flows);
	json_uint(&j, "flows_max", info->flows_max);
	json_uint(&j, "services", info->services);
	json_uint(&j, "rules", info->rules);
	json_uint(&j, "rules_max", info->rules_max);
	json_uint(&j, "chain_max", info->chain_max);
	json_bool(&j, "inherit", info->inherit);
	json_uint(&j, "redirects", info->redirects);
	json_uint(&j, "chain_capped", info->chain_capped);
	json_uint(&j, "inherited", info->inherited);
	json_uint(&j, "table_full", info->table_full);
	json_uint(&j, "nomem", info->nomem);
	json_bool(&j, "hook", info->hook);
	json_uint(&j, "flow_share", info->flow_share);
	json_uint(&j, "evicted", info->evicted);
	json_uint(&j, "flow_share_refused", info->share_refused);
	json_uint(&j, "events_lost", info->events_lost);
	json_close_object(&j);
	json_finish(&j);
}

int info_run(const struct ctl_opts *opts, int argc, char **argv)
{
	struct wfpredir_info info;
	struct wfpredir_ctl *ctl;
	int err, status;

	if (argc > 0 && strcmp(argv[0], "show")) {
		fprintf(stderr, "wfpredirctl: info: unknown command '%s'; try 'info show'\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "wfpredirctl: info show: unexpected argument '%s'\n", argv[1]);
		return EXIT_USAGE;
	}

	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	err = wfpredir_ctl_get_info(ctl, &info);
	if (err) {
		status = ctl_failed(ctl, err, "cannot read module information");
		wfpredir_ctl_close(ctl);
		return status;
	}
	wfpredir_ctl_close(ctl);

	if (opts->json) {
		info_json(&info);
		return EXIT_OK;
	}
	printf("version %s\n", info.version);
	printf("sockopt base %u\n", info.so_base);
	printf("records version %u max-len %u\n", info.records_version, info.records_max_len);
	printf("sockets %u max %u\n", info.sockets, info.sockets_max);
	printf("flows %u max %u\n", info.flows, info.flows_max);
	printf("services %u\n", info.services);
	printf("rules %u max %u\n", info.rules, info.rules_max);
	printf("hook %s\n", info.hook ? "registered" : "unregistered");
	printf("config chain-max %u inherit %s flow-share %u\n", info.chain_max,
	       info.inherit ? "on" : "off", info.flow_share);
	printf("stats redirects %llu chain-capped %llu inherited %llu table-full %llu nomem %llu\n",
	       (unsigned long long)info.redirects, (unsigned long long)info.chain_capped,
	       (unsigned long long)info.inherited, (unsigned long long)info.table_full,
	       (unsigned long long)info.nomem);
	printf("stats evicted %llu flow-share-refused %llu events-lost %llu\n",
	       (unsigned long long)info.evicted, (unsigned long long)info.share_refused,
	       (unsigned long long)info.events_lost);
	return EXIT_OK;
}
