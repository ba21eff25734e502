// SPDX-License-Identifier: MIT
/* lib/ctl.c: the generic netlink control API. */
#include "unit.h"

#include <errno.h>
#include <string.h>

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
	nlmsg_free(msg);
}
END_TEST

START_TEST(an_info_reply_missing_any_attribute_fails_with_EPROTO_and_leaves_out_alone)
{
	int a;

	for (a = WFPREDIR_A_INFO_VERSION; a <= WFPREDIR_A_INFO_SOCKETS_MAX; a++) {
		struct nl_msg *msg = reply(a, "0.1.0");
		struct wfpredir_info info;

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
	suite_add_tcase(s, tc);
	return s;
}
