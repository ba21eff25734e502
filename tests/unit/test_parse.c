// SPDX-License-Identifier: MIT
/*
 * tools/wfpredirctl/parse.c: wfpredirctl's command-line parsers. The file
 * has no dependency beyond libc and the headers, so it is compiled into
 * this test directly.
 */
#include "unit.h"

#include "../../tools/wfpredirctl/parse.c"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* argv from a string literal of words separated by single spaces. */
struct args {
	char buf[512];
	char *argv[32];
	int argc;
};

static struct args *words(struct args *a, const char *s)
{
	char *save = NULL, *w;

	snprintf(a->buf, sizeof(a->buf), "%s", s);
	a->argc = 0;
	for (w = strtok_r(a->buf, " ", &save); w && a->argc < 31; w = strtok_r(NULL, " ", &save))
		a->argv[a->argc++] = w;
	a->argv[a->argc] = NULL;
	return a;
}

START_TEST(a_u32_takes_plain_decimal_digits_within_its_range)
{
	char err[PARSE_ERR_MAX];
	uint32_t v;

	ck_assert_int_eq(parse_u32("id", "1", 1, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, 1);
	ck_assert_int_eq(parse_u32("id", "4294967295", 1, UINT32_MAX, &v, err, sizeof(err)), 0);
	ck_assert_uint_eq(v, UINT32_MAX);
	ck_assert_int_eq(parse_u32("id", "4294967296", 1, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid id \"4294967296\" (expected 1-4294967295)");
	ck_assert_int_eq(parse_u32("id", "0", 1, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("id", "", 1, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("id", "-1", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("id", "+1", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("id", " 1", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("id", "0x10", 0, UINT32_MAX, &v, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_u32("id", "99999999999999999999999", 0, UINT32_MAX, &v, err,
				   sizeof(err)),
			 -1);
}
END_TEST

START_TEST(port_ranges_are_one_port_or_an_ordered_pair_within_1_65535)
{
	char err[PARSE_ERR_MAX];
	uint16_t lo, hi;

	ck_assert_int_eq(parse_port_range("dport", "80", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 80);
	ck_assert_uint_eq(hi, 80);
	ck_assert_int_eq(parse_port_range("dport", "1-65535", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 1);
	ck_assert_uint_eq(hi, 65535);
	ck_assert_int_eq(parse_port_range("dport", "8080-8080", &lo, &hi, err, sizeof(err)), 0);

	ck_assert_int_eq(parse_port_range("dport", "80-70", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid port range \"80-70\" for dport (expected N or N-M, 1 <= N "
			      "<= M <= 65535)");
	ck_assert_int_eq(parse_port_range("dport", "0", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "65536", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "70000", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "80-", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "-80", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "1-2-3", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_port_range("dport", "http", &lo, &hi, err, sizeof(err)), -1);
}
END_TEST

START_TEST(uid_ranges_reach_4294967294_and_not_the_invalid_uid)
{
	char err[PARSE_ERR_MAX];
	uint32_t lo, hi;

	ck_assert_int_eq(parse_uid_range("uid", "0", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 0);
	ck_assert_uint_eq(hi, 0);
	ck_assert_int_eq(parse_uid_range("uid", "1000-4294967294", &lo, &hi, err, sizeof(err)), 0);
	ck_assert_uint_eq(lo, 1000);
	ck_assert_uint_eq(hi, 4294967294u);
	ck_assert_int_eq(parse_uid_range("uid", "4294967295", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid uid range \"4294967295\" for uid (expected N or N-M, 0 <= "
			      "N <= M <= 4294967294)");
	ck_assert_int_eq(parse_uid_range("uid", "5-4", &lo, &hi, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_uid_range("uid", "root", &lo, &hi, err, sizeof(err)), -1);
}
END_TEST

START_TEST(an_ipv4_addr_port_parses_and_bad_ones_name_the_fault)
{
	char err[PARSE_ERR_MAX];
	struct sockaddr_storage ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;

	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1:15001", &ss, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(sin->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(sin->sin_port), 15001);
	ck_assert_uint_eq(ntohl(sin->sin_addr.s_addr), 0x7f000001);

	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1:70000", &ss, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "invalid port \"70000\" for ipv4 (expected 1-65535)");
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1:0", &ss, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1:", &ss, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1", &ss, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid address \"127.0.0.1\" for ipv4 (expected ADDR:PORT)");
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "300.0.0.1:80", &ss, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "invalid IPv4 address \"300.0.0.1\" for ipv4");
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "[::1]:80", &ss, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "localhost:80", &ss, err, sizeof(err)),
			 -1);
}
END_TEST

START_TEST(an_ipv6_addr_port_needs_brackets)
{
	char err[PARSE_ERR_MAX];
	struct sockaddr_storage ss;
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;

	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "[::1]:15001", &ss, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(sin6->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(sin6->sin6_port), 15001);
	ck_assert(IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
	ck_assert_int_eq(
		parse_addr_port(AF_INET6, "ipv6", "[2001:db8::a:b]:1", &ss, err, sizeof(err)), 0);

	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "::1:80", &ss, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid address \"::1:80\" for ipv6 (expected [ADDR]:PORT)");
	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "[::1]", &ss, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "[::1]:65536", &ss, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "invalid port \"65536\" for ipv6 (expected 1-65535)");
	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "[1.2.3.4]:80", &ss, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "invalid IPv6 address \"1.2.3.4\" for ipv6");
	ck_assert_int_eq(
		parse_addr_port(AF_INET6, "ipv6", "[fe80::1%eth0]:80", &ss, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "[]:80", &ss, err, sizeof(err)), -1);
}
END_TEST

START_TEST(prefixes_tell_their_family_and_refuse_host_bits)
{
	char err[PARSE_ERR_MAX];
	uint8_t fam, addr[16], plen, want[16] = { 0 };

	ck_assert_int_eq(parse_prefix("to", "10.0.0.2", &fam, addr, &plen, err, sizeof(err)), 0);
	ck_assert_uint_eq(fam, AF_INET);
	ck_assert_uint_eq(plen, 32);
	want[0] = 10, want[3] = 2;
	ck_assert_mem_eq(addr, want, 16);

	ck_assert_int_eq(parse_prefix("to", "10.0.0.0/8", &fam, addr, &plen, err, sizeof(err)), 0);
	ck_assert_uint_eq(plen, 8);
	ck_assert_int_eq(parse_prefix("to", "0.0.0.0/0", &fam, addr, &plen, err, sizeof(err)), 0);
	ck_assert_uint_eq(plen, 0);
	ck_assert_int_eq(parse_prefix("to", "2001:db8::/32", &fam, addr, &plen, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(fam, AF_INET6);
	ck_assert_uint_eq(plen, 32);
	ck_assert_int_eq(parse_prefix("to", "::1", &fam, addr, &plen, err, sizeof(err)), 0);
	ck_assert_uint_eq(plen, 128);
	ck_assert_int_eq(parse_prefix("to", "10.1.2.128/25", &fam, addr, &plen, err, sizeof(err)),
			 0);

	ck_assert_int_eq(parse_prefix("to", "10.0.0.1/8", &fam, addr, &plen, err, sizeof(err)), -1);
	ck_assert_str_eq(
		err,
		"invalid prefix \"10.0.0.1/8\" for to (host bits set; the network is 10.0.0.0/8)");
	ck_assert_int_eq(parse_prefix("to", "10.1.2.129/25", &fam, addr, &plen, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse_prefix("to", "2001:db8::1/64", &fam, addr, &plen, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse_prefix("to", "10.0.0.0/33", &fam, addr, &plen, err, sizeof(err)),
			 -1);
	ck_assert_str_eq(err, "invalid prefix length \"33\" for to (expected 0-32)");
	ck_assert_int_eq(parse_prefix("to", "::/129", &fam, addr, &plen, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_prefix("to", "10.0.0.0/", &fam, addr, &plen, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_prefix("to", "10.0.0.0/-1", &fam, addr, &plen, err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse_prefix("to", "10.0.0/8", &fam, addr, &plen, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid IPv4 address \"10.0.0\" for to");
	ck_assert_int_eq(parse_prefix("to", "", &fam, addr, &plen, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_prefix("to", "/8", &fam, addr, &plen, err, sizeof(err)), -1);
}
END_TEST

START_TEST(hex_context_takes_pairs_of_digits_up_to_the_limit)
{
	char err[PARSE_ERR_MAX];
	uint8_t buf[4];
	size_t len;

	ck_assert_int_eq(parse_hex("context", "0aFf", buf, sizeof(buf), &len, err, sizeof(err)), 0);
	ck_assert_uint_eq(len, 2);
	ck_assert_uint_eq(buf[0], 0x0a);
	ck_assert_uint_eq(buf[1], 0xff);
	ck_assert_int_eq(
		parse_hex("context", "0x01020304", buf, sizeof(buf), &len, err, sizeof(err)), 0);
	ck_assert_uint_eq(len, 4);

	ck_assert_int_eq(parse_hex("context", "abc", buf, sizeof(buf), &len, err, sizeof(err)), -1);
	ck_assert_str_eq(err,
			 "invalid hex \"abc\" for context (expected an even number of hex digits)");
	ck_assert_int_eq(parse_hex("context", "", buf, sizeof(buf), &len, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_hex("context", "0x", buf, sizeof(buf), &len, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_hex("context", "zz", buf, sizeof(buf), &len, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid hex \"zz\" for context (not a hex digit at 0)");
	ck_assert_int_eq(
		parse_hex("context", "0102030405", buf, sizeof(buf), &len, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid hex \"0102030405\" for context (more than 4 bytes)");
}
END_TEST

START_TEST(at_file_context_reads_the_file_and_checks_its_size)
{
	char err[PARSE_ERR_MAX];
	char path[] = "/tmp/wfpredir-unit-XXXXXX", arg[64];
	uint8_t buf[4];
	size_t len;
	int fd = mkstemp(path);

	ck_assert_int_ge(fd, 0);
	snprintf(arg, sizeof(arg), "@%s", path);
	ck_assert_int_eq(parse_bytes_arg("context", arg, buf, sizeof(buf), &len, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "is empty"), "%s", err);

	ck_assert_int_eq(write(fd, "abcd", 4), 4);
	ck_assert_int_eq(parse_bytes_arg("context", arg, buf, sizeof(buf), &len, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(len, 4);
	ck_assert_mem_eq(buf, "abcd", 4);

	ck_assert_int_eq(write(fd, "e", 1), 1);
	ck_assert_int_eq(parse_bytes_arg("context", arg, buf, sizeof(buf), &len, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "is larger than 4 bytes"), "%s", err);
	close(fd);
	unlink(path);

	ck_assert_int_eq(parse_bytes_arg("context", arg, buf, sizeof(buf), &len, err, sizeof(err)),
			 -1);
	ck_assert_msg(strstr(err, "No such file or directory"), "%s", err);
	/* not @: hex */
	ck_assert_int_eq(
		parse_bytes_arg("context", "beef", buf, sizeof(buf), &len, err, sizeof(err)), 0);
	ck_assert_uint_eq(len, 2);
}
END_TEST

START_TEST(service_names_are_printable_short_and_not_all_digits)
{
	char err[PARSE_ERR_MAX];
	ck_assert_int_eq(parse_service_name("proxy-a", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_service_name("1a", err, sizeof(err)), 0);
	ck_assert_int_eq(parse_service_name("0123456789012345678901234567890", err, sizeof(err)),
			 -1); /* all digits */
	ck_assert_int_eq(parse_service_name("abcdefghijabcdefghijabcdefghija", err, sizeof(err)),
			 0);
	ck_assert_int_eq(parse_service_name("abcdefghijabcdefghijabcdefghijab", err, sizeof(err)),
			 -1);
	ck_assert_int_eq(parse_service_name("", err, sizeof(err)), -1);
	ck_assert_int_eq(parse_service_name("a b", err, sizeof(err)), -1);
	ck_assert_int_eq(parse_service_name("a\tb", err, sizeof(err)), -1);
	ck_assert_int_eq(parse_service_name("42", err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid service name \"42\" (must not be all digits)");
}
END_TEST

START_TEST(a_service_reference_of_digits_is_an_id_else_a_name)
{
	char err[PARSE_ERR_MAX];
	struct service_ref ref;

	ck_assert_int_eq(parse_service_ref("service", "17", &ref, err, sizeof(err)), 0);
	ck_assert_uint_eq(ref.id, 17);
	ck_assert_int_eq(parse_service_ref("service", "proxy-a", &ref, err, sizeof(err)), 0);
	ck_assert_uint_eq(ref.id, 0);
	ck_assert_str_eq(ref.name, "proxy-a");
	ck_assert_int_eq(parse_service_ref("service", "0", &ref, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_service_ref("service", "", &ref, err, sizeof(err)), -1);
}
END_TEST

START_TEST(service_add_takes_a_name_an_optional_id_and_addresses)
{
	char err[PARSE_ERR_MAX];
	struct wfpredir_service svc;
	struct args a = { .argc = 0 };

	words(&a, "proxy-a id 7 ipv4 127.0.0.1:15001 ipv6 [::1]:15002");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert_str_eq(svc.name, "proxy-a");
	ck_assert_uint_eq(svc.id, 7);
	ck_assert(svc.has4);
	ck_assert_uint_eq(ntohs(svc.addr4.sin_port), 15001);
	ck_assert(svc.has6);
	ck_assert_uint_eq(ntohs(svc.addr6.sin6_port), 15002);

	words(&a, "b ipv6 [::1]:1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert_uint_eq(svc.id, 0);
	ck_assert(!svc.has4);

	words(&a, "c");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_int_eq(parse_service_add(0, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing service name for service add");
	words(&a, "c ipv4");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing value after \"ipv4\" for service add");
	words(&a, "c ipv4 1.2.3.4:5 ipv4 1.2.3.4:6");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "\"ipv4\" given twice to service add");
	words(&a, "c port 80");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown argument \"port\" for service add");
	words(&a, "c id 0 ipv4 1.2.3.4:5");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
}
END_TEST

START_TEST(service_add_takes_an_owner_uid_user_and_or_cgroup)
{
	char err[PARSE_ERR_MAX];
	struct wfpredir_service svc;
	struct args a = { .argc = 0 };

	words(&a, "p ipv4 127.0.0.1:1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert(!svc.has_owner_uid && !svc.has_owner_cgroup);

	words(&a, "p owner uid 0 ipv4 127.0.0.1:1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert(svc.has_owner_uid && !svc.has_owner_cgroup);
	ck_assert_uint_eq(svc.owner_uid, 0);
	ck_assert(svc.has4);

	words(&a, "p ipv4 127.0.0.1:1 owner uid 1000 cgroup /px");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert_uint_eq(svc.owner_uid, 1000);
	ck_assert(svc.has_owner_cgroup);
	ck_assert_str_eq(svc.owner_cgroup, "/px");

	words(&a, "p owner cgroup /a/b id 3 ipv4 127.0.0.1:1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert(!svc.has_owner_uid);
	ck_assert_str_eq(svc.owner_cgroup, "/a/b");
	ck_assert_uint_eq(svc.id, 3);

	words(&a, "p owner user root ipv4 127.0.0.1:1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), 0);
	ck_assert(svc.has_owner_uid);
	ck_assert_uint_eq(svc.owner_uid, 0);

	words(&a, "p ipv4 127.0.0.1:1 owner");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing owner for service add (owner uid N, owner user NAME, "
			      "owner cgroup PATH)");
	words(&a, "p owner ipv4 127.0.0.1:1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	words(&a, "p ipv4 127.0.0.1:1 owner uid");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "missing value after \"owner uid\" for service add");
	words(&a, "p ipv4 127.0.0.1:1 owner uid 1 user root");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "\"owner uid\" or \"owner user\" given twice to service add");
	words(&a, "p ipv4 127.0.0.1:1 owner uid 1 owner cgroup /x");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "\"owner\" given twice to service add");
	words(&a, "p ipv4 127.0.0.1:1 owner uid 4294967295");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	words(&a, "p ipv4 127.0.0.1:1 owner uid -1");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	words(&a, "p ipv4 127.0.0.1:1 owner cgroup relative");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	words(&a, "p ipv4 127.0.0.1:1 owner user no-such-user-wfpredir");
	ck_assert_int_eq(parse_service_add(a.argc, a.argv, &svc, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unknown user \"no-such-user-wfpredir\" for owner user");
}
END_TEST

START_TEST(service_del_takes_a_name_or_id_ID)
{
	char err[PARSE_ERR_MAX];
	struct service_ref ref;
	struct args a = { .argc = 0 };

	words(&a, "proxy-a");
	ck_assert_int_eq(parse_service_del(a.argc, a.argv, &ref, err, sizeof(err)), 0);
	ck_assert_str_eq(ref.name, "proxy-a");
	ck_assert_uint_eq(ref.id, 0);
	words(&a, "id 3");
	ck_assert_int_eq(parse_service_del(a.argc, a.argv, &ref, err, sizeof(err)), 0);
	ck_assert_uint_eq(ref.id, 3);
	words(&a, "id"); /* a service named "id" */
	ck_assert_int_eq(parse_service_del(a.argc, a.argv, &ref, err, sizeof(err)), 0);
	ck_assert_str_eq(ref.name, "id");
	words(&a, "id x");
	ck_assert_int_eq(parse_service_del(a.argc, a.argv, &ref, err, sizeof(err)), -1);
	words(&a, "a b");
	ck_assert_int_eq(parse_service_del(a.argc, a.argv, &ref, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unexpected argument \"b\" for service del (NAME or id ID)");
	words(&a, "id 3 x");
	ck_assert_int_eq(parse_service_del(a.argc, a.argv, &ref, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "unexpected argument \"x\" for service del (NAME or id ID)");
	ck_assert_int_eq(parse_service_del(0, a.argv, &ref, err, sizeof(err)), -1);
}
END_TEST

START_TEST(rule_add_parses_every_match)
{
	char err[PARSE_ERR_MAX];
	struct wfpredir_rule *r = malloc(sizeof(*r));
	struct service_ref ref;
	struct args a = { .argc = 0 };

	words(&a, "service proxy-a id 10 priority 5 proto tcp to 10.0.0.0/24 dport 80-90 uid "
		  "1000-2000 cgroup /system.slice/app.service context 0x68656c6c6f");
	ck_assert_int_eq(parse_rule_add(a.argc, a.argv, r, &ref, err, sizeof(err)), 0);
	ck_assert_str_eq(ref.name, "proxy-a");
	ck_assert_uint_eq(r->id, 10);
	ck_assert(r->has_priority);
	ck_assert_uint_eq(r->priority, 5);
	ck_assert_uint_eq(r->protocol, IPPROTO_TCP);
	ck_assert_uint_eq(r->family, AF_INET); /* from to */
	ck_assert(r->has_daddr);
	ck_assert_uint_eq(r->prefix, 24);
	ck_assert(r->has_dport);
	ck_assert_uint_eq(r->dport_min, 80);
	ck_assert_uint_eq(r->dport_max, 90);
	ck_assert(r->has_uid);
	ck_assert_uint_eq(r->uid_min, 1000);
	ck_assert_uint_eq(r->uid_max, 2000);
	ck_assert(r->has_cgroup);
	ck_assert_str_eq(r->cgroup, "/system.slice/app.service");
	ck_assert_uint_eq(r->context_len, 5);
	ck_assert_mem_eq(r->context, "hello", 5);

	words(&a, "service 3");
	ck_assert_int_eq(parse_rule_add(a.argc, a.argv, r, &ref, err, sizeof(err)), 0);
	ck_assert_uint_eq(ref.id, 3);
	ck_assert(!r->has_priority && !r->has_daddr && !r->has_dport && !r->has_uid);
	ck_assert(!r->has_cgroup && !r->context_len && !r->family && !r->protocol && !r->id);

	words(&a, "family ipv6 service 3 proto udp");
	ck_assert_int_eq(parse_rule_add(a.argc, a.argv, r, &ref, err, sizeof(err)), 0);
	ck_assert_uint_eq(r->family, AF_INET6);
	ck_assert_uint_eq(r->protocol, IPPROTO_UDP);

	words(&a, "service 3 family ipv6 to 2001:db8::/32");
	ck_assert_int_eq(parse_rule_add(a.argc, a.argv, r, &ref, err, sizeof(err)), 0);
	ck_assert_uint_eq(r->family, AF_INET6);
	free(r);
}
END_TEST

START_TEST(rule_add_names_the_bad_argument)
{
	char err[PARSE_ERR_MAX];
	struct wfpredir_rule *r = malloc(sizeof(*r));
	struct service_ref ref;
	struct args a = { .argc = 0 };
	static const struct {
		const char *args, *msg;
	} bad[] = {
		{ "dport 80", "missing \"service NAME|ID\" for rule add" },
		{ "service a family ipv4 to ::1", "to \"::1\" is ipv6 but family is ipv4" },
		{ "service a to 10.0.0.1 family ipv6",
		  "to \"10.0.0.1\" is ipv4 but family is ipv6" },
		{ "service a family inet",
		  "invalid family \"inet\" for family (expected ipv4 or ipv6)" },
		{ "service a proto icmp",
		  "invalid protocol \"icmp\" for proto (expected tcp or udp)" },
		{ "service a dport 0",
		  "invalid port range \"0\" for dport (expected N or N-M, 1 <= N "
		  "<= M <= 65535)" },
		{ "service a priority -1", "invalid priority \"-1\" (expected 0-4294967295)" },
		{ "service a cgroup app.slice",
		  "invalid cgroup path \"app.slice\" for cgroup (expected a path as under "
		  "/sys/fs/cgroup, such as /system.slice, at most 1023 bytes)" },
		{ "service a context 123", "invalid hex \"123\" for context (expected an even "
					   "number of hex digits)" },
		{ "service a service b", "\"service\" given twice to rule add" },
		{ "service a uid", "missing value after \"uid\" for rule add" },
		{ "service a frob 1", "unknown argument \"frob\" for rule add" },
		{ "service 0", "invalid service \"0\" (expected 1-4294967295)" },
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		words(&a, bad[i].args);
		ck_assert_msg(parse_rule_add(a.argc, a.argv, r, &ref, err, sizeof(err)) == -1,
			      "rule add %s parsed", bad[i].args);
		ck_assert_str_eq(err, bad[i].msg);
	}
	free(r);
}
END_TEST

START_TEST(config_set_takes_chain_max_and_inherit)
{
	char err[PARSE_ERR_MAX];
	struct wfpredir_config cfg;
	struct args a = { .argc = 0 };

	words(&a, "chain-max 4 inherit off");
	ck_assert_int_eq(parse_config_set(a.argc, a.argv, &cfg, err, sizeof(err)), 0);
	ck_assert(cfg.has_chain_max && cfg.chain_max == 4);
	ck_assert(cfg.has_inherit && !cfg.inherit);
	words(&a, "inherit on");
	ck_assert_int_eq(parse_config_set(a.argc, a.argv, &cfg, err, sizeof(err)), 0);
	ck_assert(!cfg.has_chain_max && cfg.has_inherit && cfg.inherit);

	ck_assert_int_eq(parse_config_set(0, a.argv, &cfg, err, sizeof(err)), -1);
	words(&a, "chain-max 0");
	ck_assert_int_eq(parse_config_set(a.argc, a.argv, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid chain-max \"0\" (expected 1-16)");
	words(&a, "chain-max 17");
	ck_assert_int_eq(parse_config_set(a.argc, a.argv, &cfg, err, sizeof(err)), -1);
	words(&a, "inherit yes");
	ck_assert_int_eq(parse_config_set(a.argc, a.argv, &cfg, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "invalid value \"yes\" for inherit (expected on or off)");
}
END_TEST

START_TEST(addresses_format_back_as_they_parse)
{
	char err[PARSE_ERR_MAX];
	struct sockaddr_storage ss;
	char buf[ADDR_STR_MAX];
	uint8_t fam, addr[16], plen;

	parse_addr_port(AF_INET, "ipv4", "127.0.0.1:15001", &ss, err, sizeof(err));
	ck_assert_str_eq(format_addr_port(&ss, buf, sizeof(buf)), "127.0.0.1:15001");
	parse_addr_port(AF_INET6, "ipv6", "[2001:db8:0::1]:443", &ss, err, sizeof(err));
	ck_assert_str_eq(format_addr_port(&ss, buf, sizeof(buf)), "[2001:db8::1]:443");
	ss.ss_family = AF_UNIX;
	ck_assert_str_eq(format_addr_port(&ss, buf, sizeof(buf)), "?");

	parse_prefix("to", "10.0.0.0/8", &fam, addr, &plen, err, sizeof(err));
	ck_assert_str_eq(format_prefix(fam, addr, plen, buf, sizeof(buf)), "10.0.0.0/8");
	parse_prefix("to", "2001:db8::/32", &fam, addr, &plen, err, sizeof(err));
	ck_assert_str_eq(format_prefix(fam, addr, plen, buf, sizeof(buf)), "2001:db8::/32");
	ck_assert_str_eq(format_family(AF_INET6, buf, sizeof(buf)), "ipv6");
	ck_assert_str_eq(format_proto(IPPROTO_UDP, buf, sizeof(buf)), "udp");
	ck_assert_str_eq(format_proto(132, buf, sizeof(buf)), "132");
}
END_TEST

Suite *parse_suite(void)
{
	Suite *s = suite_create("wfpredirctl parse");
	TCase *tc = tcase_create("wfpredirctl parse");

	tcase_add_test(tc, a_u32_takes_plain_decimal_digits_within_its_range);
	tcase_add_test(tc, port_ranges_are_one_port_or_an_ordered_pair_within_1_65535);
	tcase_add_test(tc, uid_ranges_reach_4294967294_and_not_the_invalid_uid);
	tcase_add_test(tc, an_ipv4_addr_port_parses_and_bad_ones_name_the_fault);
	tcase_add_test(tc, an_ipv6_addr_port_needs_brackets);
	tcase_add_test(tc, prefixes_tell_their_family_and_refuse_host_bits);
	tcase_add_test(tc, hex_context_takes_pairs_of_digits_up_to_the_limit);
	tcase_add_test(tc, at_file_context_reads_the_file_and_checks_its_size);
	tcase_add_test(tc, service_names_are_printable_short_and_not_all_digits);
	tcase_add_test(tc, a_service_reference_of_digits_is_an_id_else_a_name);
	tcase_add_test(tc, service_add_takes_a_name_an_optional_id_and_addresses);
	tcase_add_test(tc, service_add_takes_an_owner_uid_user_and_or_cgroup);
	tcase_add_test(tc, service_del_takes_a_name_or_id_ID);
	tcase_add_test(tc, rule_add_parses_every_match);
	tcase_add_test(tc, rule_add_names_the_bad_argument);
	tcase_add_test(tc, config_set_takes_chain_max_and_inherit);
	tcase_add_test(tc, addresses_format_back_as_they_parse);
	suite_add_tcase(s, tc);
	return s;
}
