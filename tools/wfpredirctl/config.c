// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl config set: the namespace's chain cap, inheritance and the
 * share of the flow table one uid may hold.
 */
#include <stdio.h>
#include <string.h>

#include "parse.h"
#include "wfpredirctl.h"

int config_run(const struct ctl_opts *opts, int argc, char **argv)
{
	struct wfpredir_config cfg;
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX];
	int rc, status;

	(void)opts;
	if (argc < 1)
		return usage_error("config: missing command; try 'config set [chain-max N] "
				   "[inherit on|off] [flow-share PERCENT]'");
	if (strcmp(argv[0], "set"))
		return unknown_command("config", argv[0], "config set");
	if (parse_config_set(argc - 1, argv + 1, &cfg, err, sizeof(err)))
		return usage_error("%s", err);

	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_set_config(ctl, &cfg);
	status = rc ? ctl_failed(ctl, rc, "cannot set the configuration") : EXIT_OK;
	wfpredir_ctl_close(ctl);
	return status;
}
