// SPDX-License-Identifier: MIT
/* lib/monitor.c: the events group, read into struct wfpredir_monitor_event. */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

Suite *monitor_suite(void);

static struct nl_msg *event_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc_size(8192);

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, 0, 0, 0x20, 0, 0, cmd, WFPREDIR_GENL_VERSION));
	return msg;
}

/* A service as the kernel's dump and events put it. */
static struct nl_msg *service_event(uint8_t cmd)
{
	static const uint8_t addr[4] = { 127, 0, 0, 1 };
	struct nl_msg *msg = event_msg(cmd);
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);

	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, 7), 0);
	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, "alpha"), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_SERVICE_ADDR4, 4, addr), 0);
	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_SERVICE_PORT4, 15008), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_OWNER_UID, 1000), 0);
	nla_nest_end(msg, nest);
	return msg;
}

static struct nl_msg *rule_event(uint8_t cmd)
{
	struct nl_msg *msg = event_msg(cmd);
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_RULE);

	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_ID, 5), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_PRIORITY, 1000), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_SERVICE, 7), 0);
	ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_RULE_PROTOCOL, IPPROTO_TCP), 0);
	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_RULE_DPORT_MIN, 80), 0);
	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_RULE_DPORT_MAX, 80), 0);
	nla_nest_end(msg, nest);
	return msg;
}

enum { SKIP_NONE = -1 };

/*
 * A flow event as the packet path sends it, without attribute skip;
 * redirected: with where it went, else with reason.
 */
static struct nl_msg *flow_event(uint8_t event, uint8_t reason, bool with_rule, int skip)
{
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 },
			     proxy[4] = { 127, 0, 0, 1 };
	struct nl_msg *msg = event_msg(WFPREDIR_CMD_FLOW_EVENT);
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_FLOW);

#define PUT(type, call)                            \
	do {                                       \
		if (skip != (type))                \
			ck_assert_int_eq(call, 0); \
	} while (0)
	PUT(WFPREDIR_A_FLOW_FAMILY, nla_put_u8(msg, WFPREDIR_A_FLOW_FAMILY, AF_INET));
	PUT(WFPREDIR_A_FLOW_PROTOCOL, nla_put_u8(msg, WFPREDIR_A_FLOW_PROTOCOL, IPPROTO_TCP));
	PUT(WFPREDIR_A_FLOW_ORIG_SADDR, nla_put(msg, WFPREDIR_A_FLOW_ORIG_SADDR, 4, src));
	PUT(WFPREDIR_A_FLOW_ORIG_SPORT, nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_SPORT, 40000));
	PUT(WFPREDIR_A_FLOW_ORIG_DADDR, nla_put(msg, WFPREDIR_A_FLOW_ORIG_DADDR, 4, dst));
	PUT(WFPREDIR_A_FLOW_ORIG_DPORT, nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_DPORT, 80));
	PUT(WFPREDIR_A_FLOW_EVENT, nla_put_u8(msg, WFPREDIR_A_FLOW_EVENT, event));
	PUT(WFPREDIR_A_FLOW_UID, nla_put_u32(msg, WFPREDIR_A_FLOW_UID, 1000));
	if (event == WFPREDIR_FLOW_EVENT_REDIRECT) {
		PUT(WFPREDIR_A_FLOW_REDIR_DADDR,
		    nla_put(msg, WFPREDIR_A_FLOW_REDIR_DADDR, 4, proxy));
		PUT(WFPREDIR_A_FLOW_REDIR_DPORT,
		    nla_put_u16(msg, WFPREDIR_A_FLOW_REDIR_DPORT, 15008));
	}
	if (with_rule) {
		PUT(WFPREDIR_A_FLOW_SERVICE, nla_put_u32(msg, WFPREDIR_A_FLOW_SERVICE, 7));
		PUT(WFPREDIR_A_FLOW_RULE, nla_put_u32(msg, WFPREDIR_A_FLOW_RULE, 5));
	}
	if (reason)
		PUT(WFPREDIR_A_FLOW_REASON, nla_put_u8(msg, WFPREDIR_A_FLOW_REASON, reason));
#undef PUT
	nla_nest_end(msg, nest);
	return msg;
}

static const char *addr_str(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	char a[INET_ADDRSTRLEN];

	ck_assert_int_eq(ss->ss_family, AF_INET);
	inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
	snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	return buf;
}

START_TEST(a_new_service_event_carries_the_service_as_its_dump_does)
{
	struct nl_msg *msg = service_event(WFPREDIR_CMD_NEW_SERVICE);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_NEW_SERVICE);
	ck_assert_uint_eq(ev.service.id, 7);
	ck_assert_str_eq(ev.service.name, "alpha");
	ck_assert(ev.service.has4);
	ck_assert_uint_eq(ntohs(ev.service.addr4.sin_port), 15008);
	ck_assert_uint_eq(ntohl(ev.service.addr4.sin_addr.s_addr), 0x7f000001);
	ck_assert(ev.service.has_owner_uid);
	ck_assert_uint_eq(ev.service.owner_uid, 1000);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_deleted_service_is_a_del_event)
{
	struct nl_msg *msg = service_event(WFPREDIR_CMD_DEL_SERVICE);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_DEL_SERVICE);
	ck_assert_str_eq(ev.service.name, "alpha");
	nlmsg_free(msg);
}
END_TEST

START_TEST(rule_events_carry_the_rule)
{
	static const uint8_t cmds[] = { WFPREDIR_CMD_NEW_RULE, WFPREDIR_CMD_DEL_RULE };
	static const int types[] = { WFPREDIR_EVENT_NEW_RULE, WFPREDIR_EVENT_DEL_RULE };

	for (size_t i = 0; i < 2; i++) {
		struct nl_msg *msg = rule_event(cmds[i]);
		struct wfpredir_monitor_event ev;

		ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
		ck_assert_int_eq(ev.type, types[i]);
		ck_assert_uint_eq(ev.rule.id, 5);
		ck_assert_uint_eq(ev.rule.service_id, 7);
		ck_assert_uint_eq(ev.rule.protocol, IPPROTO_TCP);
		ck_assert(ev.rule.has_dport);
		ck_assert_uint_eq(ev.rule.dport_min, 80);
		nlmsg_free(msg);
	}
}
END_TEST

START_TEST(flushes_carry_no_object)
{
	struct nl_msg *msg = event_msg(WFPREDIR_CMD_FLUSH_RULES);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_FLUSH_RULES);
	nlmsg_free(msg);
	msg = event_msg(WFPREDIR_CMD_FLUSH_SERVICES);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_FLUSH_SERVICES);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_redirect_event_gives_both_addresses_the_service_rule_and_uid)
{
	struct nl_msg *msg = flow_event(WFPREDIR_FLOW_EVENT_REDIRECT, 0, true, SKIP_NONE);
	struct wfpredir_monitor_event ev;
	char buf[64];

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_REDIRECT);
	ck_assert_uint_eq(ev.flow.flow.protocol, IPPROTO_TCP);
	ck_assert_str_eq(addr_str(&ev.flow.flow.orig_src, buf, sizeof(buf)), "10.0.0.1:40000");
	ck_assert_str_eq(addr_str(&ev.flow.flow.orig_dst, buf, sizeof(buf)), "10.0.0.2:80");
	ck_assert(ev.flow.flow.redirected);
	ck_assert_str_eq(addr_str(&ev.flow.flow.redir_dst, buf, sizeof(buf)), "127.0.0.1:15008");
	ck_assert_uint_eq(ev.flow.flow.service_id, 7);
	ck_assert_uint_eq(ev.flow.flow.rule_id, 5);
	ck_assert_uint_eq(ev.flow.uid, 1000);
	ck_assert_uint_eq(ev.flow.reason, 0);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_refusal_gives_its_reason_and_the_rule_that_chose_the_flow)
{
	struct nl_msg *msg = flow_event(WFPREDIR_FLOW_EVENT_REFUSED,
					WFPREDIR_FLOW_REASON_FLOW_SHARE, true, SKIP_NONE);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_REFUSED);
	ck_assert_uint_eq(ev.flow.reason, WFPREDIR_FLOW_REASON_FLOW_SHARE);
	ck_assert(!ev.flow.flow.redirected);
	ck_assert_uint_eq(ev.flow.flow.service_id, 7);
	ck_assert_uint_eq(ev.flow.flow.rule_id, 5);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_flow_left_alone_is_skipped_with_its_reason)
{
	struct nl_msg *msg = flow_event(WFPREDIR_FLOW_EVENT_SKIPPED,
					WFPREDIR_FLOW_REASON_CHAIN_CAPPED, false, SKIP_NONE);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_SKIPPED);
	ck_assert_uint_eq(ev.flow.reason, WFPREDIR_FLOW_REASON_CHAIN_CAPPED);
	ck_assert_uint_eq(ev.flow.flow.service_id, 0);
	nlmsg_free(msg);
}
END_TEST

/* Every attribute a redirect event must carry. */
static const int redirect_required[] = {
	WFPREDIR_A_FLOW_FAMILY,	     WFPREDIR_A_FLOW_PROTOCOL,	 WFPREDIR_A_FLOW_ORIG_SADDR,
	WFPREDIR_A_FLOW_ORIG_SPORT,  WFPREDIR_A_FLOW_ORIG_DADDR, WFPREDIR_A_FLOW_ORIG_DPORT,
	WFPREDIR_A_FLOW_EVENT,	     WFPREDIR_A_FLOW_UID,	 WFPREDIR_A_FLOW_REDIR_DADDR,
	WFPREDIR_A_FLOW_REDIR_DPORT,
};

START_TEST(a_redirect_event_missing_any_attribute_fails_with_EPROTO_and_leaves_out_alone)
{
	struct nl_msg *msg =
		flow_event(WFPREDIR_FLOW_EVENT_REDIRECT, 0, true, redirect_required[_i]);
	struct wfpredir_monitor_event ev, before;

	memset(&ev, 0xa5, sizeof(ev));
	before = ev;
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -EPROTO);
	ck_assert_mem_eq(&ev, &before, sizeof(ev));
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_refusal_without_a_reason_or_a_redirect_with_one_fails_with_EPROTO)
{
	struct wfpredir_monitor_event ev;
	struct nl_msg *msg = flow_event(WFPREDIR_FLOW_EVENT_REFUSED, 0, true, SKIP_NONE);

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -EPROTO);
	nlmsg_free(msg);
	msg = flow_event(WFPREDIR_FLOW_EVENT_REDIRECT, WFPREDIR_FLOW_REASON_NOMEM, true, SKIP_NONE);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -EPROTO);
	nlmsg_free(msg);
}
END_TEST

START_TEST(an_event_attribute_of_the_wrong_size_fails_with_EPROTO)
{
	struct nl_msg *msg = flow_event(WFPREDIR_FLOW_EVENT_REDIRECT, 0, true, WFPREDIR_A_FLOW_UID);
	struct nlattr *nest = nlmsg_find_attr(nlmsg_hdr(msg), GENL_HDRLEN, WFPREDIR_A_FLOW);
	struct wfpredir_monitor_event ev;

	/* The uid as a u8: the nest grows by the attribute just added. */
	ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_FLOW_UID, 1), 0);
	nest->nla_len = (uint16_t)((char *)nlmsg_tail(nlmsg_hdr(msg)) - (char *)nest);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -EPROTO);
	nlmsg_free(msg);
}
END_TEST

START_TEST(service_and_rule_events_name_their_table_and_default_without_one)
{
	struct nl_msg *msg = service_event(WFPREDIR_CMD_NEW_SERVICE);
	struct wfpredir_monitor_event ev;
	struct nlattr *nest;

	/* From a module before tables: everything was in the default table. */
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_str_eq(ev.table, WFPREDIR_TABLE_DEFAULT);
	nlmsg_free(msg);

	msg = event_msg(WFPREDIR_CMD_DEL_SERVICE);
	nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, 7), 0);
	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, "alpha"), 0);
	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_SERVICE_TABLE, "vendor-a"), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_str_eq(ev.table, "vendor-a");
	nlmsg_free(msg);

	msg = event_msg(WFPREDIR_CMD_NEW_RULE);
	nest = nla_nest_start(msg, WFPREDIR_A_RULE);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_ID, 5), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_SERVICE, 7), 0);
	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_RULE_TABLE, "vendor.b"), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_NEW_RULE);
	ck_assert_str_eq(ev.table, "vendor.b");
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_flush_names_the_table_flushed_or_none_for_all)
{
	struct nl_msg *msg = event_msg(WFPREDIR_CMD_FLUSH_SERVICES);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_TABLE, "vendor-a"), 0);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_FLUSH_SERVICES);
	ck_assert_str_eq(ev.table, "vendor-a");
	nlmsg_free(msg);
	msg = event_msg(WFPREDIR_CMD_FLUSH_RULES);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_str_eq(ev.table, "");
	nlmsg_free(msg);
}
END_TEST

/* An APPLY event as the kernel sends it, without attribute skip. */
static struct nl_msg *apply_event(int skip)
{
	static const int counts[] = {
		WFPREDIR_A_APPLY_SERVICES_DELETED, WFPREDIR_A_APPLY_SERVICES_ADDED,
		WFPREDIR_A_APPLY_SERVICES_KEPT,	   WFPREDIR_A_APPLY_RULES_DELETED,
		WFPREDIR_A_APPLY_RULES_ADDED,
	};
	struct nl_msg *msg = event_msg(WFPREDIR_CMD_APPLY);

	if (skip != WFPREDIR_A_TABLE)
		ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_TABLE, "vendor-a"), 0);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		if (skip != counts[i])
			ck_assert_int_eq(nla_put_u32(msg, counts[i], 10 * (uint32_t)i + 1), 0);
	return msg;
}

START_TEST(an_apply_event_gives_the_table_and_what_went_came_and_stayed)
{
	struct nl_msg *msg = apply_event(SKIP_NONE);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), 0);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_APPLY);
	ck_assert_str_eq(ev.table, "vendor-a");
	ck_assert_uint_eq(ev.apply.services_deleted, 1);
	ck_assert_uint_eq(ev.apply.services_added, 11);
	ck_assert_uint_eq(ev.apply.services_kept, 21);
	ck_assert_uint_eq(ev.apply.rules_deleted, 31);
	ck_assert_uint_eq(ev.apply.rules_added, 41);
	nlmsg_free(msg);
}
END_TEST

static const int apply_attrs[] = {
	WFPREDIR_A_TABLE,
	WFPREDIR_A_APPLY_SERVICES_DELETED,
	WFPREDIR_A_APPLY_SERVICES_ADDED,
	WFPREDIR_A_APPLY_SERVICES_KEPT,
	WFPREDIR_A_APPLY_RULES_DELETED,
	WFPREDIR_A_APPLY_RULES_ADDED,
};

START_TEST(an_apply_event_missing_any_attribute_fails_with_EPROTO)
{
	struct nl_msg *msg = apply_event(apply_attrs[_i]);
	struct wfpredir_monitor_event ev = { .type = WFPREDIR_EVENT_LOST };

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -EPROTO);
	ck_assert_int_eq(ev.type, WFPREDIR_EVENT_LOST);
	nlmsg_free(msg);
}
END_TEST

START_TEST(commands_that_are_no_events_and_newer_flow_events_are_skipped_with_ENOENT)
{
	struct wfpredir_monitor_event ev;
	struct nl_msg *msg = event_msg(WFPREDIR_CMD_GET_INFO);

	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -ENOENT);
	nlmsg_free(msg);
	msg = flow_event(__WFPREDIR_FLOW_EVENT_MAX, WFPREDIR_FLOW_REASON_NOMEM, false, SKIP_NONE);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -ENOENT);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_service_event_without_its_name_fails_with_EPROTO)
{
	struct nl_msg *msg = event_msg(WFPREDIR_CMD_NEW_SERVICE);
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	struct wfpredir_monitor_event ev;

	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, 7), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__monitor_parse(msg, &ev), -EPROTO);
	nlmsg_free(msg);
}
END_TEST

START_TEST(the_monitor_api_refuses_null_arguments)
{
	ck_assert_int_eq(wfpredir_monitor_fd(NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_monitor_read(NULL, NULL, NULL), -EINVAL);
	wfpredir_monitor_close(NULL);
}
END_TEST

START_TEST(opening_a_monitor_fails_with_EOPNOTSUPP_when_the_module_is_absent)
{
	int err = 12345;

	unit_assert_module_absent();
	ck_assert_ptr_null(wfpredir_monitor_open(&err));
	ck_assert_int_eq(err, -EOPNOTSUPP);
	ck_assert_ptr_null(wfpredir_monitor_open(NULL));
}
END_TEST

Suite *monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("monitor");

	tcase_add_test(tc, a_new_service_event_carries_the_service_as_its_dump_does);
	tcase_add_test(tc, a_deleted_service_is_a_del_event);
	tcase_add_test(tc, rule_events_carry_the_rule);
	tcase_add_test(tc, flushes_carry_no_object);
	tcase_add_test(tc, a_redirect_event_gives_both_addresses_the_service_rule_and_uid);
	tcase_add_test(tc, a_refusal_gives_its_reason_and_the_rule_that_chose_the_flow);
	tcase_add_test(tc, a_flow_left_alone_is_skipped_with_its_reason);
	tcase_add_loop_test(
		tc, a_redirect_event_missing_any_attribute_fails_with_EPROTO_and_leaves_out_alone,
		0, sizeof(redirect_required) / sizeof(redirect_required[0]));
	tcase_add_test(tc, a_refusal_without_a_reason_or_a_redirect_with_one_fails_with_EPROTO);
	tcase_add_test(tc, an_event_attribute_of_the_wrong_size_fails_with_EPROTO);
	tcase_add_test(tc,
		       commands_that_are_no_events_and_newer_flow_events_are_skipped_with_ENOENT);
	tcase_add_test(tc, a_service_event_without_its_name_fails_with_EPROTO);
	tcase_add_test(tc, service_and_rule_events_name_their_table_and_default_without_one);
	tcase_add_test(tc, a_flush_names_the_table_flushed_or_none_for_all);
	tcase_add_test(tc, an_apply_event_gives_the_table_and_what_went_came_and_stayed);
	tcase_add_loop_test(tc, an_apply_event_missing_any_attribute_fails_with_EPROTO, 0,
			    (int)(sizeof(apply_attrs) / sizeof(apply_attrs[0])));
	tcase_add_test(tc, the_monitor_api_refuses_null_arguments);
	tcase_add_test(tc, opening_a_monitor_fails_with_EOPNOTSUPP_when_the_module_is_absent);
	suite_add_tcase(s, tc);
	return s;
}
