// SPDX-License-Identifier: MIT
/* lib/ctl.c: tables, the rule's service by name, and transactions. */
#include "unit.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/netlink.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

static struct nl_msg *tgenl_msg(uint8_t cmd)
{
	struct nl_msg *msg = nlmsg_alloc();

	ck_assert_ptr_nonnull(msg);
	ck_assert_ptr_nonnull(genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, 0x20, 0, 0, cmd,
					  WFPREDIR_GENL_VERSION));
	return msg;
}

static struct nlattr *tnested(struct nl_msg *msg, int type, struct nlattr **tb, int maxtype)
{
	struct nlattr *top[WFPREDIR_A_MAX + 1];

	ck_assert_int_eq(genlmsg_parse(nlmsg_hdr(msg), 0, top, WFPREDIR_A_MAX, NULL), 0);
	ck_assert_ptr_nonnull(top[type]);
	ck_assert_int_eq(nla_parse_nested(tb, maxtype, top[type], NULL), 0);
	return top[type];
}

static struct wfpredir_service tservice(void)
{
	struct wfpredir_service svc;

	memset(&svc, 0, sizeof(svc));
	strcpy(svc.name, "proxy");
	svc.has4 = true;
	svc.addr4.sin_family = AF_INET;
	svc.addr4.sin_port = htons(3128);
	svc.addr4.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return svc;
}

START_TEST(a_service_in_a_table_carries_the_table_and_parses_back)
{
	struct nlattr *tb[WFPREDIR_A_SERVICE_MAX + 1];
	struct wfpredir_service svc = tservice(), out;
	struct nl_msg *msg = tgenl_msg(WFPREDIR_CMD_NEW_SERVICE);
	char table[WFPREDIR_TABLE_NAME_MAX];

	svc.id = 9;
	ck_assert_int_eq(wfpredir__ctl_put_service2(msg, "vendor-a", &svc), 0);
	tnested(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX);
	ck_assert_ptr_nonnull(tb[WFPREDIR_A_SERVICE_TABLE]);
	ck_assert_str_eq(nla_get_string(tb[WFPREDIR_A_SERVICE_TABLE]), "vendor-a");
	ck_assert_int_eq(wfpredir__ctl_parse_service2(msg, &out, table), 0);
	ck_assert_str_eq(table, "vendor-a");
	ck_assert_str_eq(out.name, "proxy");
	ck_assert_uint_eq(out.id, 9);
	nlmsg_free(msg);

	/* No table: none sent, and a reply without one is the default's. */
	msg = tgenl_msg(WFPREDIR_CMD_NEW_SERVICE);
	ck_assert_int_eq(wfpredir__ctl_put_service(msg, &svc), 0);
	tnested(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX);
	ck_assert_ptr_null(tb[WFPREDIR_A_SERVICE_TABLE]);
	ck_assert_int_eq(wfpredir__ctl_parse_service2(msg, &out, table), 0);
	ck_assert_str_eq(table, WFPREDIR_TABLE_DEFAULT);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_bad_table_name_is_not_sent)
{
	struct wfpredir_service svc = tservice();
	struct wfpredir_rule rule;
	struct nl_msg *msg = tgenl_msg(WFPREDIR_CMD_NEW_SERVICE);
	char long_name[WFPREDIR_TABLE_NAME_MAX + 1];

	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	ck_assert_int_eq(wfpredir__ctl_put_service2(msg, "", &svc), -EINVAL);
	ck_assert_int_eq(wfpredir__ctl_put_service2(msg, "a b", &svc), -EINVAL);
	ck_assert_int_eq(wfpredir__ctl_put_service2(msg, "a/b", &svc), -EINVAL);
	ck_assert_int_eq(wfpredir__ctl_put_service2(msg, long_name, &svc), -EINVAL);
	long_name[WFPREDIR_TABLE_NAME_MAX - 1] = '\0'; /* 31 bytes: fits */
	ck_assert_int_eq(wfpredir__ctl_put_service2(msg, long_name, &svc), 0);
	nlmsg_free(msg);
	memset(&rule, 0, sizeof(rule));
	rule.service_id = 1;
	msg = tgenl_msg(WFPREDIR_CMD_NEW_RULE);
	ck_assert_int_eq(wfpredir__ctl_put_rule2(msg, "x y", NULL, &rule), -EINVAL);
	ck_assert_int_eq(wfpredir__ctl_put_rule2(msg, "t", "", &rule), -EINVAL);
	nlmsg_free(msg);
	ck_assert(wfpredir_table_name_valid("Vendor_A.1-x"));
	ck_assert(!wfpredir_table_name_valid(NULL));
	ck_assert(!wfpredir_table_name_valid("ä"));
}
END_TEST

START_TEST(a_rule_names_its_service_by_name_in_its_table)
{
	struct nlattr *tb[WFPREDIR_A_RULE_MAX + 1];
	struct wfpredir_rule rule, out;
	struct nl_msg *msg = tgenl_msg(WFPREDIR_CMD_NEW_RULE);
	char table[WFPREDIR_TABLE_NAME_MAX];

	memset(&rule, 0, sizeof(rule));
	rule.id = 3;
	ck_assert_int_eq(wfpredir__ctl_put_rule2(msg, "vendor-b", "proxy", &rule), 0);
	tnested(msg, WFPREDIR_A_RULE, tb, WFPREDIR_A_RULE_MAX);
	/* By name alone: no service id for the kernel to check it against. */
	ck_assert_ptr_null(tb[WFPREDIR_A_RULE_SERVICE]);
	ck_assert_str_eq(nla_get_string(tb[WFPREDIR_A_RULE_SERVICE_NAME]), "proxy");
	ck_assert_str_eq(nla_get_string(tb[WFPREDIR_A_RULE_TABLE]), "vendor-b");
	nlmsg_free(msg);

	/* A dumped rule reports its table. */
	msg = tgenl_msg(WFPREDIR_CMD_GET_RULE);
	rule.service_id = 4;
	ck_assert_int_eq(wfpredir__ctl_put_rule2(msg, "vendor-b", NULL, &rule), 0);
	ck_assert_int_eq(wfpredir__ctl_parse_rule2(msg, &out, table), 0);
	ck_assert_str_eq(table, "vendor-b");
	ck_assert_uint_eq(out.service_id, 4);
	ck_assert_uint_eq(out.id, 3);
	nlmsg_free(msg);
}
END_TEST

START_TEST(a_transaction_holds_its_objects_in_order)
{
	struct wfpredir_service svc = tservice();
	struct wfpredir_tx *tx = wfpredir_tx_new();
	struct wfpredir_config cfg = { .has_chain_max = true, .chain_max = 4 };
	struct wfpredir_rule rule;

	ck_assert_ptr_nonnull(tx);
	memset(&rule, 0, sizeof(rule));
	ck_assert_int_eq(wfpredir_tx_table(tx, "vendor-a"), 0);
	ck_assert_int_eq(wfpredir_tx_service(tx, "vendor-a", &svc), 0);
	ck_assert_int_eq(wfpredir_tx_rule(tx, "vendor-a", "proxy", &rule), 0);
	ck_assert_int_eq(wfpredir_tx_config(tx, &cfg), 0);
	ck_assert_uint_eq(wfpredir_tx_count(tx), 4);
	/* What cannot be encoded is refused and not counted. */
	ck_assert_int_eq(wfpredir_tx_table(tx, "bad table"), -EINVAL);
	ck_assert_int_eq(wfpredir_tx_rule(tx, "vendor a", "proxy", &rule), -EINVAL);
	ck_assert_uint_eq(wfpredir_tx_count(tx), 4);
	ck_assert_int_eq(wfpredir_ctl_apply(NULL, tx, NULL), -EINVAL);
	wfpredir_tx_free(tx);
	wfpredir_tx_free(NULL);
	ck_assert_uint_eq(wfpredir_tx_count(NULL), 0);
}
END_TEST

START_TEST(the_extack_offset_is_found_in_an_error)
{
	/* An NLMSG_ERROR, capped, with NLMSGERR_ATTR_OFFS 1234. */
	unsigned char buf[256];
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e;
	struct nlattr *a;
	uint32_t offs = 0, v = 1234;

	memset(buf, 0, sizeof(buf));
	nlh->nlmsg_type = NLMSG_ERROR;
	nlh->nlmsg_flags = NLM_F_CAPPED | NLM_F_ACK_TLVS;
	e = (struct nlmsgerr *)NLMSG_DATA(nlh);
	e->error = -EINVAL;
	e->msg.nlmsg_len = NLMSG_HDRLEN + 4096; /* capped: not copied */
	a = (struct nlattr *)(buf + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(*e)));
	a->nla_type = NLMSGERR_ATTR_OFFS;
	a->nla_len = NLA_HDRLEN + sizeof(v);
	memcpy((unsigned char *)a + NLA_HDRLEN, &v, sizeof(v));
	nlh->nlmsg_len = (uint32_t)((unsigned char *)a - buf) + NLA_ALIGN(a->nla_len);
	ck_assert_int_eq(wfpredir__ctl_extack_offs(nlh, &offs), 1);
	ck_assert_uint_eq(offs, 1234);
	nlh->nlmsg_flags = NLM_F_CAPPED; /* no TLVs */
	ck_assert_int_eq(wfpredir__ctl_extack_offs(nlh, &offs), 0);
}
END_TEST

START_TEST(the_table_calls_refuse_bad_arguments)
{
	struct wfpredir_service svc = tservice();
	struct wfpredir_rule rule;

	memset(&rule, 0, sizeof(rule));
	ck_assert_int_eq(wfpredir_ctl_add_service2(NULL, "t", &svc, 0, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_add_rule2(NULL, "t", NULL, &rule, 0, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_flush_rules2(NULL, "t"), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_flush_services2(NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_del_service2(NULL, "t", 1, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_walk_rules2(NULL, NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_ctl_walk_services2(NULL, NULL, NULL, NULL), -EINVAL);
	ck_assert_int_eq(wfpredir_tx_service(NULL, "t", &svc), -EINVAL);
}
END_TEST

Suite *tables_suite(void);

Suite *tables_suite(void)
{
	Suite *s = suite_create("tables");
	TCase *tc = tcase_create("tables");

	tcase_add_test(tc, a_service_in_a_table_carries_the_table_and_parses_back);
	tcase_add_test(tc, a_bad_table_name_is_not_sent);
	tcase_add_test(tc, a_rule_names_its_service_by_name_in_its_table);
	tcase_add_test(tc, a_transaction_holds_its_objects_in_order);
	tcase_add_test(tc, the_extack_offset_is_found_in_an_error);
	tcase_add_test(tc, the_table_calls_refuse_bad_arguments);
	suite_add_tcase(s, tc);
	return s;
}
