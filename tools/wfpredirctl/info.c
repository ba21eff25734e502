// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl info: what the loaded module is and holds in this namespace.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <wfpredir.h>

#include "wfpredirctl.h"

int info_run(const struct ctl_opts *opts, int argc, char **argv)
{
	struct wfpredir_info info;
	struct wfpredir_ctl *ctl;
	int err;

	if (argc > 0 && strcmp(argv[0], "show")) {
		fprintf(stderr, "wfpredirctl: info: unknown command '%s'; try 'info show'\n",
			argv[0]);
		return EXIT_USAGE;
	}
	if (argc > 1) {
		fprintf(stderr, "wfpredirctl: info show: unexpected argument '%s'\n", argv[1]);
		return EXIT_USAGE;
	}

	ctl = wfpredir_ctl_open(&err);
	if (!ctl)
		return ctl_error(err, "cannot reach the wfpredir module");
	err = wfpredir_ctl_get_info(ctl, &info);
	wfpredir_ctl_close(ctl);
	if (err)
		return ctl_error(err, "cannot read module information");

	if (opts->json) {
		struct json j;

		json_begin(&j, stdout);
		json_string(&j, "version", info.version);
		json_uint(&j, "sockopt_base", info.so_base);
		json_uint(&j, "records_version", info.records_version);
		json_uint(&j, "records_max_len", info.records_max_len);
		json_uint(&j, "sockets", info.sockets);
		json_uint(&j, "sockets_max", info.sockets_max);
		json_end(&j);
		return EXIT_OK;
	}
	printf("version %s\n", info.version);
	printf("sockopt base %u\n", info.so_base);
	printf("records version %u max-len %u\n", info.records_version, info.records_max_len);
	printf("sockets %u max %u\n", info.sockets, info.sockets_max);
	return EXIT_OK;
}
