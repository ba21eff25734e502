// SPDX-License-Identifier: MIT
/* lib/ctl.c: the generic netlink control API. */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

START_TEST(opening_fails_with_EOPNOTSUPP_when_the_genl_family_is_absent)
{
	int err = 12345;

	unit_assert_module_absent();
	ck_assert_ptr_null(wfpredir_ctl_open(&err));
	ck_assert_int_eq(err, -EOPNOTSUPP);
	ck_assert_ptr_null(wfpredir_ctl_open(NULL)); /* err is optional */
}
END_TEST

START_TEST(closing_null_does_nothing)
{
	wfpredir_ctl_close(NULL);
}
END_TEST

START_TEST(get_info_with_a_null_argument_fails_with_EINVAL)
{
	struct wfpredir_info info;

	ck_assert_int_eq(wfpredir_ctl_get_info(NULL, &info), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_get_info(NULL, NULL), -EINVAL);
}
END_TEST

enum { SKIP_NONE = -1 };

/* A GET_INFO reply as the module sends it, without attribute skip. */
static struct nl_msg *reply(int skip, const char *version)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0,
					  WFPREDIR_CMD_GET_INFO, WFPREDIR_GENL_VERSION));
	if (skip != WFPREDIR_A_INFO_VERSION)
		ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_INFO_VERSION, version), 0);
	if (skip != WFPREDIR_A_INFO_SO_BASE)
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_INFO_SO_BASE, WFPREDIR_SO_BASE), 0);
	if (skip != WFPREDIR_A_INFO_RECORDS_VERSION)
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_INFO_RECORDS_VERSION, 1), 0);
	if (skip != WFPREDIR_A_INFO_RECORDS_MAX_LEN)
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_INFO_RECORDS_MAX_LEN, 1184), 0);
	if (skip != WFPREDIR_A_INFO_SOCKETS)
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS, 3), 0);
	if (skip != WFPREDIR_A_INFO_SOCKETS_MAX)
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS_MAX, 65536), 0);
	/* The u64 counters come after a pad attribute, as nla_put_u64_64bit()
	 * lays them out; the parser must skip it. */
	ck_assert_int_eq(nla_put_flag(msg, WFPREDIR_A_INFO_PAD), 0);
	for (int a = WFPREDIR_A_INFO_FLOWS; a <= WFPREDIR_A_STATS_NOMEM; a++) {
		if (a == skip)
			continue;
		if (a == WFPREDIR_A_CONFIG_INHERIT)
			ck_assert_int_eq(nla_put_u8(msg, a, 1), 0);
		else if (a >= WFPREDIR_A_STATS_REDIRECTS)
			ck_assert_int_eq(nla_put_u64(msg, a, 1000000000000ull + (uint64_t)a), 0);
		else
			ck_assert_int_eq(nla_put_u32(msg, a, 100 + (uint32_t)a), 0);
	}
	return msg;
}

START_TEST(a_complete_info_reply_fills_every_field)
{
	struct nl_msg *msg = reply(SKIP_NONE, "0.1.0");
	struct wfpredir_info info;

	memset(&info, 0xee, sizeof(info));
	ck_assert_int_eq(wfpredir__ctl_parse_info(msg, &info), 0);
	ck_assert_str_eq(info.version, "0.1.0");
	ck_assert_uint_eq(info.so_base, WFPREDIR_SO_BASE);
	ck_assert_uint_eq(info.records_version, 1);
	ck_assert_uint_eq(info.records_max_len, 1184);
	ck_assert_uint_eq(info.sockets, 3);
	ck_assert_uint_eq(info.sockets_max, 65536);
	ck_assert_uint_eq(info.flows, 100 + WFPREDIR_A_INFO_FLOWS);
	ck_assert_uint_eq(info.flows_max, 100 + WFPREDIR_A_INFO_FLOWS_MAX);
	ck_assert_uint_eq(info.services, 100 + WFPREDIR_A_INFO_SERVICES);
	ck_assert_uint_eq(info.rules, 100 + WFPREDIR_A_INFO_RULES);
	ck_assert_uint_eq(info.rules_max, 100 + WFPREDIR_A_INFO_RULES_MAX);
	ck_assert_uint_eq(info.chain_max, 100 + WFPREDIR_A_CONFIG_CHAIN_MAX);
	ck_assert(info.inherit);
	ck_assert_uint_eq(info.redirects, 1000000000000ull + WFPREDIR_A_STATS_REDIRECTS);
	ck_assert_uint_eq(info.chain_capped, 1000000000000ull + WFPREDIR_A_STATS_CHAIN_CAPPED);
	ck_assert_uint_eq(info.inherited, 1000000000000ull + WFPREDIR_A_STATS_INHERITED);
	ck_assert_uint_eq(info.table_full, 1000000000000ull + WFPREDIR_A_STATS_TABLE_FULL);
	ck_assert_uint_eq(info.nomem, 1000000000000ull + WFPREDIR_A_STATS_NOMEM);
	nlmsg_free(msg);
}
END_TEST

START_TEST(an_info_reply_missing_any_attribute_fails_with_EPROTO_and_leaves_out_alone)
{
	int a;

	for (a = WFPREDIR_A_INFO_VERSION; a <= WFPREDIR_A_STATS_NOMEM; a++) {
		struct nl_msg *msg;
		struct wfpredir_info info;

		if (a == WFPREDIR_A_INFO_PAD)
			continue;
		msg = reply(a, "0.1.0");
		memset(&info, 0xee, sizeof(info));
		ck_assert_msg(wfpredir__ctl_parse_info(msg, &info) == -EPROTO,
			      "a reply without attribute %d parsed", a);
		ck_assert_uint_eq(info.so_base, 0xeeeeeeee);
		nlmsg_free(msg);
	}
}
END_TEST

START_TEST(a_version_longer_than_the_info_field_fails_with_EPROTO)
{
	char version[sizeof(((struct wfpredir_info *)0)->version) + 1];
	struct wfpredir_info info;
	struct nl_msg *msg;

	memset(version, 'v', sizeof(version) - 1);
	version[sizeof(version) - 1] = '\0';
	msg = reply(SKIP_NONE, version);
	ck_assert_int_eq(wfpredir__ctl_parse_info(msg, &info), -EPROTO);
	nlmsg_free(msg);

	version[sizeof(version) - 2] = '\0'; /* exactly fits with its NUL */
	msg = reply(SKIP_NONE, version);
	ck_assert_int_eq(wfpredir__ctl_parse_info(msg, &info), 0);
	ck_assert_uint_eq(strlen(info.version), sizeof(info.version) - 1);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_u32_attribute_of_the_wrong_size_fails_with_EPROTO)
{
	struct nl_msg *msg = reply(WFPREDIR_A_INFO_SOCKETS, "0.1.0");
	struct wfpredir_info info;

	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_INFO_SOCKETS, 3), 0);
	ck_assert_int_eq(wfpredir__ctl_parse_info(msg, &info), -EPROTO);
	nlmsg_free(msg);
}
END_TEST

/* A request or reply: a genl header and what put adds. */
static struct nl_msg *genl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0, cmd,
					  WFPREDIR_GENL_VERSION));
	return msg;
}

/* The attributes nested in the message's only top-level attribute. */
static int nested_count(struct nl_msg *msg, int type, struct nlattr **tb, int maxtype)
{
	struct nlattr *top[WFPREDIR_A_MAX + 1];
	int n = 0;

	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, top, WFPREDIR_A_MAX, NULL), 0);
	ck_assert_ptr_nonnull(top[type]);
	ck_assert_int_eq(nla_parse_nested(tb, maxtype, top[type], NULL), 0);
	for (int i = 1; i <= maxtype; i++)
		n += tb[i] != NULL;
	return n;
}

static struct wfpredir_service service_a(void)
{
	struct wfpredir_service svc;

	memset(&svc, 0, sizeof(svc));
	svc.id = 5;
	strcpy(svc.name, "proxy-a");
	svc.has4 = true;
	svc.addr4.sin_family = AF_INET;
	svc.addr4.sin_port = htons(15001);
	svc.addr4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	svc.has6 = true;
	svc.addr6.sin6_family = AF_INET6;
	svc.addr6.sin6_port = htons(15002);
	svc.addr6.sin6_addr = in6addr_loopback;
	return svc;
}

START_TEST(a_new_service_request_carries_the_service_and_parses_back)
{
	struct nlattr *tb[WFPREDIR_A_SERVICE_MAX + 1];
	struct wfpredir_service svc = service_a(), out;
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_NEW_SERVICE);

	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX), 6);
	ck_assert_uint_eq(nla_get_u16(tb[WFPREDIR_A_SERVICE_PORT4]), 15001); /* host order */
	ck_assert_uint_eq(nla_len(tb[WFPREDIR_A_SERVICE_ADDR4]), 4);
	ck_assert_uint_eq(nla_len(tb[WFPREDIR_A_SERVICE_ADDR6]), 16);
	ck_assert_str_eq(nla_get_string(tb[WFPREDIR_A_SERVICE_NAME]), "proxy-a");

	memset(&out, 0xee, sizeof(out));
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), 0);
	ck_assert_uint_eq(out.id, 5);
	ck_assert_str_eq(out.name, "proxy-a");
	ck_assert(out.has4 && out.has6);
	ck_assert_mem_eq(&out.addr4, &svc.addr4, sizeof(svc.addr4));
	ck_assert_mem_eq(&out.addr6, &svc.addr6, sizeof(svc.addr6));
	ck_assert_uint_eq(out.redirects, 0);
	nlmsg_free(msg);

	svc.id = 0; /* the kernel picks: no ID attribute */
	svc.has6 = false;
	msg = genl_msg(WFPREDIR_CMD_NEW_SERVICE);
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX), 3);
	ck_assert_ptr_null(tb[WFPREDIR_A_SERVICE_ID]);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_service_owner_is_sent_only_when_given_and_parses_back)
{
	struct nlattr *tb[WFPREDIR_A_SERVICE_MAX + 1];
	struct wfpredir_service svc = service_a(), out;
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_NEW_SERVICE);

	/* Unowned: neither attribute, and uid 0 is not sent as an owner. */
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), 0);
	nested_count(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX);
	ck_assert_ptr_null(tb[WFPREDIR_A_SERVICE_OWNER_UID]);
	ck_assert_ptr_null(tb[WFPREDIR_A_SERVICE_OWNER_CGROUP]);
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), 0);
	ck_assert(!out.has_owner_uid && !out.has_owner_cgroup);
	nlmsg_free(msg);

	svc.has_owner_uid = true;
	svc.owner_uid = 0; /* root is an owner like any other */
	svc.has_owner_cgroup = true;
	strcpy(svc.owner_cgroup, "/proxies/a");
	msg = genl_msg(WFPREDIR_CMD_NEW_SERVICE);
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX), 8);
	ck_assert_uint_eq(nla_get_u32(tb[WFPREDIR_A_SERVICE_OWNER_UID]), 0);
	ck_assert_str_eq(nla_get_string(tb[WFPREDIR_A_SERVICE_OWNER_CGROUP]), "/proxies/a");
	memset(&out, 0xee, sizeof(out));
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), 0);
	ck_assert(out.has_owner_uid && out.has_owner_cgroup);
	ck_assert_uint_eq(out.owner_uid, 0);
	ck_assert_str_eq(out.owner_cgroup, "/proxies/a");
	nlmsg_free(msg);

	/* An owner cgroup that is not NUL-terminated in its field is not sent. */
	memset(svc.owner_cgroup, 'x', sizeof(svc.owner_cgroup));
	msg = genl_msg(WFPREDIR_CMD_NEW_SERVICE);
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), -EINVAL);
	svc.owner_cgroup[0] = '\0';
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), -EINVAL);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_service_name_that_is_empty_or_unterminated_is_not_sent)
{
	struct wfpredir_service svc = service_a();
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_NEW_SERVICE);

	memset(svc.name, 'x', sizeof(svc.name));
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), -EINVAL);
	svc.name[0] = '\0';
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), -EINVAL);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_service_is_deleted_by_id_or_else_by_name)
{
	struct nlattr *tb[WFPREDIR_A_SERVICE_MAX + 1];
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_DEL_SERVICE);

	ck_assert_int_eq(wfpredir__ctl_put_service_ref(msg, 9, "ignored"), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX), 1);
	ck_assert_uint_eq(nla_get_u32(tb[WFPREDIR_A_SERVICE_ID]), 9);
	nlmsg_free(msg);

	msg = genl_msg(WFPREDIR_CMD_DEL_SERVICE);
	ck_assert_int_eq(wfpredir__ctl_put_service_ref(msg, 0, "proxy-a"), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX), 1);
	ck_assert_str_eq(nla_get_string(tb[WFPREDIR_A_SERVICE_NAME]), "proxy-a");
	ck_assert_int_eq(wfpredir__ctl_put_service_ref(msg, 0, ""), -EINVAL);
	ck_assert_int_eq(wfpredir__ctl_put_service_ref(msg, 0, NULL), -EINVAL);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_dumped_service_gives_its_counters_and_needs_id_and_name)
{
	struct wfpredir_service out;
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_GET_SERVICE);
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	uint8_t a4[4] = { 127, 0, 0, 1 };

	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, 1), 0);
	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, "a"), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_SERVICE_ADDR4, 4, a4), 0);
	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_SERVICE_PORT4, 15001), 0);
	ck_assert_int_eq(nla_put_u64(msg, WFPREDIR_A_SERVICE_REDIRECTS, 3), 0);
	ck_assert_int_eq(nla_put_u64(msg, WFPREDIR_A_SERVICE_SKIPPED, 1), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_RULES, 2), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), 0);
	ck_assert(out.has4 && !out.has6);
	ck_assert_uint_eq(ntohs(out.addr4.sin_port), 15001);
	ck_assert_uint_eq(out.redirects, 3);
	ck_assert_uint_eq(out.skipped, 1);
	ck_assert_uint_eq(out.rules, 2);
	nlmsg_free(msg);

	/* an address without its port; no name; no nest at all */
	msg = genl_msg(WFPREDIR_CMD_GET_SERVICE);
	nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, 1), 0);
	ck_assert_int_eq(nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, "a"), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_SERVICE_ADDR4, 4, a4), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(WFPREDIR_CMD_GET_SERVICE);
	nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, 1), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(WFPREDIR_CMD_GET_SERVICE);
	ck_assert_int_eq(wfpredir__ctl_parse_service(msg, &out), -EPROTO);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_rule_with_every_match_is_sent_and_parses_back)
{
	struct nlattr *tb[WFPREDIR_A_RULE_MAX + 1];
	struct wfpredir_rule *r = calloc(2, sizeof(*r)), *out = r + 1;
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_NEW_RULE);

	r->id = 10;
	r->has_priority = true;
	r->priority = 5;
	r->service_id = 1;
	r->family = AF_INET6;
	r->protocol = IPPROTO_UDP;
	r->has_daddr = true;
	r->daddr[0] = 0x20;
	r->daddr[1] = 0x01;
	r->prefix = 16;
	r->has_dport = true;
	r->dport_min = 53;
	r->dport_max = 54;
	r->has_uid = true;
	r->uid_min = 1000;
	r->uid_max = 2000;
	r->has_cgroup = true;
	strcpy(r->cgroup, "/system.slice");
	r->context_len = 3;
	memcpy(r->context, "abc", 3);
	ck_assert_int_eq(wfpredir__ctl_put_rule(msg, r), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_RULE, tb, WFPREDIR_A_RULE_MAX), 13);
	ck_assert_uint_eq(nla_len(tb[WFPREDIR_A_RULE_DADDR]), 16);

	ck_assert_int_eq(wfpredir__ctl_parse_rule(msg, out), 0);
	ck_assert_mem_eq(out, r, offsetof(struct wfpredir_rule, cgroup));
	ck_assert_str_eq(out->cgroup, "/system.slice");
	ck_assert_uint_eq(out->context_len, 3);
	ck_assert_mem_eq(out->context, "abc", 3);
	nlmsg_free(msg);
	free(r);
}
END_TEST

START_TEST(a_rule_without_matches_sends_only_its_service)
{
	struct nlattr *tb[WFPREDIR_A_RULE_MAX + 1];
	struct wfpredir_rule *r = calloc(2, sizeof(*r)), *out = r + 1;
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_NEW_RULE);

	r->service_id = 1;
	ck_assert_int_eq(wfpredir__ctl_put_rule(msg, r), 0);
	ck_assert_int_eq(nested_count(msg, WFPREDIR_A_RULE, tb, WFPREDIR_A_RULE_MAX), 1);
	ck_assert_ptr_nonnull(tb[WFPREDIR_A_RULE_SERVICE]);
	/* a dump needs the id too */
	ck_assert_int_eq(wfpredir__ctl_parse_rule(msg, out), -EPROTO);
	nlmsg_free(msg);

	msg = genl_msg(WFPREDIR_CMD_NEW_RULE);
	r->has_daddr = true; /* without a family: no address length */
	ck_assert_int_eq(wfpredir__ctl_put_rule(msg, r), -EINVAL);
	r->has_daddr = false;
	r->context_len = WFPREDIR_CONTEXT_MAX_CUSTOM_LEN + 1;
	ck_assert_int_eq(wfpredir__ctl_put_rule(msg, r), -EINVAL);
	r->context_len = 0;
	r->has_cgroup = true;
	memset(r->cgroup, 'c', sizeof(r->cgroup));
	ck_assert_int_eq(wfpredir__ctl_put_rule(msg, r), -EINVAL);
	nlmsg_free(msg);
	free(r);
}
END_TEST

START_TEST(a_dumped_rule_fills_defaults_and_checks_its_address)
{
	struct wfpredir_rule *out = malloc(sizeof(*out));
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_GET_RULE);
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_RULE);
	uint8_t a4[4] = { 10, 0, 0, 0 };

	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_ID, 3), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_SERVICE, 1), 0);
	ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_RULE_FAMILY, AF_INET), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_RULE_DADDR, 4, a4), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_UID_MIN, 1000), 0);
	ck_assert_int_eq(nla_put_u64(msg, WFPREDIR_A_RULE_MATCHES, 42), 0);
	nla_nest_end(msg, nest);
	ck_assert_int_eq(wfpredir__ctl_parse_rule(msg, out), 0);
	ck_assert(!out->has_priority);
	ck_assert_uint_eq(out->priority, 1000);
	ck_assert(out->has_daddr);
	ck_assert_uint_eq(out->prefix, 32);
	ck_assert(out->has_uid);
	ck_assert_uint_eq(out->uid_min, 1000);
	ck_assert_uint_eq(out->uid_max, 4294967294u);
	ck_assert(!out->has_dport);
	ck_assert_uint_eq(out->matches, 42);
	nlmsg_free(msg);

	/* an IPv4 rule with a 16-byte address; a prefix beyond 32 */
	for (int bad = 0; bad < 2; bad++) {
		uint8_t a16[16] = { 0 };

		msg = genl_msg(WFPREDIR_CMD_GET_RULE);
		nest = nla_nest_start(msg, WFPREDIR_A_RULE);
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_ID, 3), 0);
		ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_RULE_SERVICE, 1), 0);
		ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_RULE_FAMILY, AF_INET), 0);
		if (bad == 0) {
			ck_assert_int_eq(nla_put(msg, WFPREDIR_A_RULE_DADDR, 16, a16), 0);
		} else {
			ck_assert_int_eq(nla_put(msg, WFPREDIR_A_RULE_DADDR, 4, a16), 0);
			ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_RULE_DPREFIX, 33), 0);
		}
		nla_nest_end(msg, nest);
		ck_assert_int_eq(wfpredir__ctl_parse_rule(msg, out), -EPROTO);
		nlmsg_free(msg);
	}
	free(out);
}
END_TEST

/* A dumped IPv4 flow; redirected unless skip names a REDIR attribute. */
static struct nl_msg *flow_reply(int skip, size_t records_len)
{
	static const uint8_t src[4] = { 10, 0, 0, 1 }, dst[4] = { 10, 0, 0, 2 },
			     proxy[4] = { 127, 0, 0, 1 };
	struct nl_msg *msg = nlmsg_alloc_size(8192);
	struct nlattr *nest;
	uint8_t *records = calloc(1, records_len + 1);

	ck_assert_ptr_nonnull(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0,
					  WFPREDIR_CMD_GET_FLOW, WFPREDIR_GENL_VERSION));
	nest = nla_nest_start(msg, WFPREDIR_A_FLOW);
	ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_FLOW_FAMILY, AF_INET), 0);
	ck_assert_int_eq(nla_put_u8(msg, WFPREDIR_A_FLOW_PROTOCOL, IPPROTO_TCP), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_FLOW_ORIG_SADDR, 4, src), 0);
	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_SPORT, 40000), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_FLOW_ORIG_DADDR, 4, dst), 0);
	ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_FLOW_ORIG_DPORT, 80), 0);
	if (skip != WFPREDIR_A_FLOW_REDIR_DADDR)
		ck_assert_int_eq(nla_put(msg, WFPREDIR_A_FLOW_REDIR_DADDR, 4, proxy), 0);
	if (skip != WFPREDIR_A_FLOW_REDIR_DPORT)
		ck_assert_int_eq(nla_put_u16(msg, WFPREDIR_A_FLOW_REDIR_DPORT, 15001), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_FLOW_SERVICE, 1), 0);
	ck_assert_int_eq(nla_put_u32(msg, WFPREDIR_A_FLOW_RULE, 10), 0);
	memset(records, 0x5a, records_len);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_FLOW_RECORDS, (int)records_len, records), 0);
	ck_assert_int_eq(nla_put(msg, WFPREDIR_A_FLOW_CONTEXT, 5, "hello"), 0);
	ck_assert_int_eq(nla_put_u64(msg, WFPREDIR_A_FLOW_AGE_MS, 1520), 0);
	nla_nest_end(msg, nest);
	free(records);
	return msg;
}

START_TEST(a_dumped_flow_fills_every_field)
{
	struct wfpredir_flow *f = malloc(sizeof(*f));
	struct nl_msg *msg = flow_reply(0, WFPREDIR_RECORDS_LEN(2));
	const struct sockaddr_in *sin;

	ck_assert_int_eq(wfpredir__ctl_parse_flow(msg, f), 0);
	ck_assert_uint_eq(f->family, AF_INET);
	ck_assert_uint_eq(f->protocol, IPPROTO_TCP);
	sin = (const struct sockaddr_in *)&f->orig_src;
	ck_assert_uint_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 40000);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0x0a000001);
	sin = (const struct sockaddr_in *)&f->orig_dst;
	ck_assert_uint_eq(ntohs(sin->sin_port), 80);
	ck_assert(f->redirected);
	sin = (const struct sockaddr_in *)&f->redir_dst;
	ck_assert_uint_eq(ntohs(sin->sin_port), 15001);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), INADDR_LOOPBACK);
	ck_assert_uint_eq(f->service_id, 1);
	ck_assert_uint_eq(f->rule_id, 10);
	ck_assert_uint_eq(f->records_len, WFPREDIR_RECORDS_LEN(2));
	ck_assert_uint_eq(f->records[0], 0x5a);
	ck_assert_uint_eq(f->context_len, 5);
	ck_assert_mem_eq(f->context, "hello", 5);
	ck_assert_uint_eq(f->age_ms, 1520);
	nlmsg_free(msg);

	msg = flow_reply(0, WFPREDIR_RECORDS_MAX_LEN);
	ck_assert_int_eq(wfpredir__ctl_parse_flow(msg, f), 0);
	nlmsg_free(msg);
	free(f);
}
END_TEST

START_TEST(a_flow_with_half_a_redirect_or_oversized_records_fails_with_EPROTO)
{
	struct wfpredir_flow *f = malloc(sizeof(*f));
	struct nl_msg *msg;

	msg = flow_reply(WFPREDIR_A_FLOW_REDIR_DPORT, 104);
	ck_assert_int_eq(wfpredir__ctl_parse_flow(msg, f), -EPROTO);
	nlmsg_free(msg);
	msg = flow_reply(WFPREDIR_A_FLOW_REDIR_DADDR, 104);
	ck_assert_int_eq(wfpredir__ctl_parse_flow(msg, f), -EPROTO);
	nlmsg_free(msg);
	msg = flow_reply(0, WFPREDIR_RECORDS_MAX_LEN + 1);
	ck_assert_int_eq(wfpredir__ctl_parse_flow(msg, f), -EPROTO);
	nlmsg_free(msg);
	free(f);
}
END_TEST

START_TEST(set_config_sends_only_the_settings_given)
{
	struct nlattr *tb[WFPREDIR_A_MAX + 1];
	struct wfpredir_config cfg = { .has_inherit = true, .inherit = false };
	struct nl_msg *msg = genl_msg(WFPREDIR_CMD_SET_CONFIG);

	ck_assert_int_eq(wfpredir__ctl_put_config(msg, &cfg), 0);
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, tb, WFPREDIR_A_MAX, NULL), 0);
	ck_assert_ptr_null(tb[WFPREDIR_A_CONFIG_CHAIN_MAX]);
	ck_assert_ptr_nonnull(tb[WFPREDIR_A_CONFIG_INHERIT]);
	ck_assert_uint_eq(nla_get_u8(tb[WFPREDIR_A_CONFIG_INHERIT]), 0);
	nlmsg_free(msg);

	cfg = (struct wfpredir_config){ .has_chain_max = true, .chain_max = 4 };
	msg = genl_msg(WFPREDIR_CMD_SET_CONFIG);
	ck_assert_int_eq(wfpredir__ctl_put_config(msg, &cfg), 0);
	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, tb, WFPREDIR_A_MAX, NULL), 0);
	ck_assert_uint_eq(nla_get_u32(tb[WFPREDIR_A_CONFIG_CHAIN_MAX]), 4);
	ck_assert_ptr_null(tb[WFPREDIR_A_CONFIG_INHERIT]);
	nlmsg_free(msg);
}
END_TEST

/* An extended ACK as the kernel builds it (netlink_ack, netlink_dump_done). */
struct ack {
	uint32_t words[128];
	size_t len;
};

static void ack_put_attr(struct ack *a, uint16_t type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = (uint16_t)(NLA_HDRLEN + len), .nla_type = type };
	unsigned char *p = (unsigned char *)a->words + a->len;

	memcpy(p, &nla, sizeof(nla));
	memcpy(p + NLA_HDRLEN, data, len);
	a->len += NLA_ALIGN(NLA_HDRLEN + len);
}

static const struct nlmsghdr *ack_build(struct ack *a, uint16_t type, bool capped, const char *text)
{
	struct nlmsghdr *nlh;
	uint32_t offs = 20;

	memset(a, 0, sizeof(*a));
	nlh = (struct nlmsghdr *)a->words;
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
	a->len = NLMSG_HDRLEN;
	if (type == NLMSG_ERROR) {
		struct nlmsgerr e = { .error = -EINVAL };

		/* the request: a header and 12 bytes of payload */
		e.msg.nlmsg_len = NLMSG_HDRLEN + 12;
		e.msg.nlmsg_type = 0x20;
		memcpy((unsigned char *)a->words + a->len, &e, sizeof(e));
		a->len += sizeof(e);
		if (!capped)
			a->len += 12;
	} else {
		int err = -ENOENT;

		memcpy((unsigned char *)a->words + a->len, &err, sizeof(err));
		a->len += sizeof(err);
	}
	a->len = NLMSG_ALIGN(a->len);
	ack_put_attr(a, NLMSGERR_ATTR_OFFS, &offs, sizeof(offs));
	if (text)
		ack_put_attr(a, NLMSGERR_ATTR_MSG, text, strlen(text) + 1);
	nlh->nlmsg_len = (uint32_t)a->len;
	return nlh;
}

START_TEST(the_extack_message_is_found_in_errors_and_dump_ends)
{
	struct ack a = { .len = 0 };
	char buf[64];

	ck_assert_int_eq(wfpredir__ctl_extack(ack_build(&a, NLMSG_ERROR, false, "bad name"), buf,
					      sizeof(buf)),
			 1);
	ck_assert_str_eq(buf, "bad name");
	ck_assert_int_eq(wfpredir__ctl_extack(ack_build(&a, NLMSG_ERROR, true, "capped"), buf,
					      sizeof(buf)),
			 1);
	ck_assert_str_eq(buf, "capped");
	ck_assert_int_eq(wfpredir__ctl_extack(ack_build(&a, NLMSG_DONE, false, "dump failed"), buf,
					      sizeof(buf)),
			 1);
	ck_assert_str_eq(buf, "dump failed");
}
END_TEST

START_TEST(no_extack_message_is_no_message_and_a_long_one_is_cut)
{
	struct ack a = { .len = 0 };
	struct nlmsghdr *nlh;
	char buf[8];

	ck_assert_int_eq(
		wfpredir__ctl_extack(ack_build(&a, NLMSG_ERROR, false, NULL), buf, sizeof(buf)), 0);
	nlh = (struct nlmsghdr *)ack_build(&a, NLMSG_ERROR, false, "text");
	nlh->nlmsg_flags &= (uint16_t)~NLM_F_ACK_TLVS;
	ck_assert_int_eq(wfpredir__ctl_extack(nlh, buf, sizeof(buf)), 0);
	nlh = (struct nlmsghdr *)ack_build(&a, NLMSG_ERROR, false, "text");
	nlh->nlmsg_type = NLMSG_NOOP;
	ck_assert_int_eq(wfpredir__ctl_extack(nlh, buf, sizeof(buf)), 0);
	/* a message shorter than it claims to hold */
	nlh = (struct nlmsghdr *)ack_build(&a, NLMSG_ERROR, false, "text");
	nlh->nlmsg_len -= 8;
	ck_assert_int_eq(wfpredir__ctl_extack(nlh, buf, sizeof(buf)), 0);
	/* an echoed request longer than the message */
	nlh = (struct nlmsghdr *)ack_build(&a, NLMSG_ERROR, false, "text");
	((struct nlmsgerr *)NLMSG_DATA(nlh))->msg.nlmsg_len = 4096;
	ck_assert_int_eq(wfpredir__ctl_extack(nlh, buf, sizeof(buf)), 0);

	ck_assert_int_eq(wfpredir__ctl_extack(ack_build(&a, NLMSG_ERROR, false, "0123456789"), buf,
					      sizeof(buf)),
			 1);
	ck_assert_str_eq(buf, "0123456");
}
END_TEST

START_TEST(the_control_calls_refuse_null_arguments)
{
	struct wfpredir_service *svcs = (void *)1;
	size_t n = 7;

	ck_assert_ptr_null(wfpredir_ctl_error(NULL));
	ck_assert_int_eq(wfpredir_ctl_set_config(NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_add_service(NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_del_service(NULL, 1, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_flush_services(NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_add_rule(NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_del_rule(NULL, 1), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_flush_rules(NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_walk_services(NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_walk_rules(NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_walk_flows(NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_list_services(NULL, &svcs, &n), -EINVAL);
	ck_assert_ptr_null(svcs);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(wfpredir_ctl_find_service(NULL, "a", NULL), -EINVAL);
}
END_TEST

Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");

	tcase_add_test(tc, opening_fails_with_EOPNOTSUPP_when_the_genl_family_is_absent);
	tcase_add_test(tc, closing_null_does_nothing);
	tcase_add_test(tc, get_info_with_a_null_argument_fails_with_EINVAL);
	tcase_add_test(tc, a_complete_info_reply_fills_every_field);
	tcase_add_test(tc,
		       an_info_reply_missing_any_attribute_fails_with_EPROTO_and_leaves_out_alone);
	tcase_add_test(tc, a_version_longer_than_the_info_field_fails_with_EPROTO);
	tcase_add_test(tc, a_u32_attribute_of_the_wrong_size_fails_with_EPROTO);
	tcase_add_test(tc, a_new_service_request_carries_the_service_and_parses_back);
	tcase_add_test(tc, a_service_owner_is_sent_only_when_given_and_parses_back);
	tcase_add_test(tc, a_service_name_that_is_empty_or_unterminated_is_not_sent);
	tcase_add_test(tc, a_service_is_deleted_by_id_or_else_by_name);
	tcase_add_test(tc, a_dumped_service_gives_its_counters_and_needs_id_and_name);
	tcase_add_test(tc, a_rule_with_every_match_is_sent_and_parses_back);
	tcase_add_test(tc, a_rule_without_matches_sends_only_its_service);
	tcase_add_test(tc, a_dumped_rule_fills_defaults_and_checks_its_address);
	tcase_add_test(tc, a_dumped_flow_fills_every_field);
	tcase_add_test(tc, a_flow_with_half_a_redirect_or_oversized_records_fails_with_EPROTO);
	tcase_add_test(tc, set_config_sends_only_the_settings_given);
	tcase_add_test(tc, the_extack_message_is_found_in_errors_and_dump_ends);
	tcase_add_test(tc, no_extack_message_is_no_message_and_a_long_one_is_cut);
	tcase_add_test(tc, the_control_calls_refuse_null_arguments);
	suite_add_tcase(s, tc);
	return s;
}
