// SPDX-License-Identifier: MIT
/*
 * The control API's reading of what the kernel sends: replies to
 * GET_INFO and the dumps (services, rules, flows), events, and the extended
 * ACK of errors. The input is a receive buffer, cut into messages as libnl's
 * nl_recvmsgs() cuts it, and each message goes through every parser
 * (wfpredir__ctl_parse_*(), wfpredir__monitor_parse(),
 * wfpredir__ctl_extack*()).
 */
#include "fuzz.h"
#include "internal.h"

#include <errno.h>
#include <string.h>

#include <linux/netlink.h>
#include <netlink/msg.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

static void parse_one(struct nlmsghdr *nlh)
{
	struct nl_msg *msg = nlmsg_convert(nlh);
	struct wfpredir_monitor_event ev;
	struct wfpredir_service svc;
	struct wfpredir_rule rule;
	struct wfpredir_flow flow;
	struct wfpredir_info info;
	char table[WFPREDIR_TABLE_NAME_MAX];
	char text[64];
	uint32_t offs;
	int rc;

	check(msg);
	rc = wfpredir__ctl_parse_info(msg, &info);
	check(rc == 0 || rc == -EPROTO);
	if (!rc)
		check(memchr(info.version, '\0', sizeof(info.version)));
	rc = wfpredir__ctl_parse_service2(msg, &svc, table);
	check(rc == 0 || rc == -EPROTO);
	if (!rc) {
		check(memchr(svc.name, '\0', sizeof(svc.name)));
		check(memchr(table, '\0', sizeof(table)));
	}
	rc = wfpredir__ctl_parse_rule2(msg, &rule, table);
	check(rc == 0 || rc == -EPROTO);
	if (!rc) {
		check(rule.context_len <= sizeof(rule.context));
		check(memchr(rule.cgroup, '\0', sizeof(rule.cgroup)));
	}
	rc = wfpredir__ctl_parse_flow(msg, &flow);
	check(rc == 0 || rc == -EPROTO);
	if (!rc) {
		check(flow.records_len <= sizeof(flow.records));
		check(flow.context_len <= sizeof(flow.context));
	}
	rc = wfpredir__monitor_parse(msg, &ev);
	check(rc == 0 || rc == -EPROTO || rc == -ENOENT);
	nlmsg_free(msg);

	/* These read the header in place: nlmsg_len is within the buffer. */
	if (wfpredir__ctl_extack(nlh, text, 1 + nlh->nlmsg_seq % sizeof(text)))
		check(strlen(text) < sizeof(text));
	wfpredir__ctl_extack_offs(nlh, &offs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* An aligned copy, as a receive buffer is. */
	struct nlmsghdr *nlh = fuzz_dup(data, size);
	int left = (int)size;

	if (size > 65536) {
		free(nlh);
		return 0;
	}
	for (struct nlmsghdr *h = nlh; nlmsg_ok(h, left); h = nlmsg_next(h, &left))
		parse_one(h);
	free(nlh);
	return 0;
}
