// SPDX-License-Identifier: MIT
/* lib/records.c: decoding and formatting records and context. */
#include "unit.h"

#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* A blob as the kernel lays it out, built by hand; the tag is zeros. */
struct blob {
	unsigned char buf[WFPREDIR_RECORDS_MAX_LEN + 16];
	size_t len;
};

static void blob_init(struct blob *b, uint64_t flow_id, unsigned int count)
{
	struct wfpredir_records_hdr hdr = {
		.magic = htobe16(WFPREDIR_RECORDS_MAGIC),
		.version = WFPREDIR_RECORDS_VERSION,
		.count = (uint8_t)count,
		.hdr_len = htobe16(sizeof(struct wfpredir_records_hdr)),
		.entry_len = htobe16(sizeof(struct wfpredir_record_entry)),
		.flow_id = htobe64(flow_id),
	};

	memset(b, 0, sizeof(*b));
	memcpy(b->buf, &hdr, sizeof(hdr));
	b->len = WFPREDIR_RECORDS_LEN(count);
}

static struct wfpredir_record_entry *blob_entry(struct blob *b, unsigned int i)
{
	return (struct wfpredir_record_entry *)(b->buf + sizeof(struct wfpredir_records_hdr) +
						i * sizeof(struct wfpredir_record_entry));
}

/* Entry i: IPv4 TCP 10.0.0.1:40000 -> 10.0.0.2:80 unless changed. */
static void entry4(struct blob *b, unsigned int i, uint32_t svc, uint32_t rule, uint8_t flags)
{
	struct wfpredir_record_entry e = {
		.service_id = htobe32(svc),
		.rule_id = htobe32(rule),
		.family = AF_INET,
		.protocol = IPPROTO_TCP,
		.flags = flags,
		.orig_sport = htobe16(40000),
		.orig_dport = htobe16(80),
		.orig_saddr = { 10, 0, 0, 1 },
		.orig_daddr = { 10, 0, 0, 2 },
		.timestamp_ns = htobe64(1700000000123456789ull),
		.uid = htobe32(1000),
		.pid = htobe32(123),
		.cgroup_id = htobe64(0x1122334455667788ull),
	};

	memcpy(blob_entry(b, i), &e, sizeof(e));
}

static void entry6(struct blob *b, unsigned int i, uint32_t svc, uint32_t rule, uint8_t flags)
{
	struct wfpredir_record_entry e = {
		.service_id = htobe32(svc),
		.rule_id = htobe32(rule),
		.family = AF_INET6,
		.protocol = IPPROTO_UDP,
		.flags = flags,
		.orig_sport = htobe16(5353),
		.orig_dport = htobe16(443),
		.uid = htobe32(0),
		.pid = htobe32(0),
	};

	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", e.orig_saddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::2", e.orig_daddr), 1);
	memcpy(blob_entry(b, i), &e, sizeof(e));
}

START_TEST(one_ipv4_entry_decodes_every_field)
{
	struct wfpredir_record_info e[WFPREDIR_RECORDS_MAX_ENTRIES];
	const struct sockaddr_in *src, *dst;
	uint64_t flow_id = 0;
	struct blob b;

	blob_init(&b, 0x1234abcdull, 1);
	entry4(&b, 0, 1, 10, WFPREDIR_RECORD_F_PID_BEST_EFFORT);
	ck_assert_uint_eq(b.len, 104);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, &flow_id, e, 16), 1);
	ck_assert_uint_eq(flow_id, 0x1234abcdull);
	ck_assert_uint_eq(e[0].service_id, 1);
	ck_assert_uint_eq(e[0].rule_id, 10);
	ck_assert_uint_eq(e[0].family, AF_INET);
	ck_assert_uint_eq(e[0].protocol, IPPROTO_TCP);
	ck_assert_uint_eq(e[0].flags, WFPREDIR_RECORD_F_PID_BEST_EFFORT);
	src = (const struct sockaddr_in *)&e[0].orig_src;
	dst = (const struct sockaddr_in *)&e[0].orig_dst;
	ck_assert_uint_eq(src->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(src->sin_port), 40000);
	ck_assert_uint_eq(ntohl(src->sin_addr.s_addr), 0x0a000001);
	ck_assert_uint_eq(dst->sin_family, AF_INET);
	ck_assert_uint_eq(ntohs(dst->sin_port), 80);
	ck_assert_uint_eq(ntohl(dst->sin_addr.s_addr), 0x0a000002);
	ck_assert_uint_eq(e[0].timestamp_ns, 1700000000123456789ull);
	ck_assert_uint_eq(e[0].uid, 1000);
	ck_assert_uint_eq(e[0].pid, 123);
	ck_assert_uint_eq(e[0].cgroup_id, 0x1122334455667788ull);
}
END_TEST

START_TEST(an_ipv6_entry_decodes_to_sockaddr_in6)
{
	struct wfpredir_record_info e[2];
	const struct sockaddr_in6 *src, *dst;
	unsigned char want[16];
	struct blob b;

	blob_init(&b, 7, 2);
	entry4(&b, 0, 1, 10, 0);
	entry6(&b, 1, 2, 20, WFPREDIR_RECORD_F_INHERITED);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 2), 2);
	ck_assert_uint_eq(e[1].family, AF_INET6);
	ck_assert_uint_eq(e[1].protocol, IPPROTO_UDP);
	ck_assert_uint_eq(e[1].flags, WFPREDIR_RECORD_F_INHERITED);
	src = (const struct sockaddr_in6 *)&e[1].orig_src;
	dst = (const struct sockaddr_in6 *)&e[1].orig_dst;
	ck_assert_uint_eq(src->sin6_family, AF_INET6);
	ck_assert_uint_eq(ntohs(src->sin6_port), 5353);
	inet_pton(AF_INET6, "2001:db8::1", want);
	ck_assert_mem_eq(&src->sin6_addr, want, 16);
	ck_assert_uint_eq(ntohs(dst->sin6_port), 443);
	inet_pton(AF_INET6, "2001:db8::2", want);
	ck_assert_mem_eq(&dst->sin6_addr, want, 16);
}
END_TEST

START_TEST(the_count_is_returned_even_beyond_max_entries)
{
	struct wfpredir_record_info e[2];
	struct blob b;

	blob_init(&b, 7, 3);
	for (unsigned int i = 0; i < 3; i++)
		entry4(&b, i, i + 1, 10 * (i + 1), 0);
	memset(e, 0xee, sizeof(e));
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), 3);
	ck_assert_uint_eq(e[0].service_id, 1);
	ck_assert_uint_eq(e[1].service_id, 0xeeeeeeee); /* left alone */
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, NULL, 0), 3);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, NULL, 1), -EINVAL);
	ck_assert_int_eq(wfpredir_records_decode(NULL, b.len, NULL, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(sixteen_entries_decode_and_seventeen_do_not)
{
	struct wfpredir_record_info e[WFPREDIR_RECORDS_MAX_ENTRIES];
	struct blob b;

	blob_init(&b, 7, 16);
	for (unsigned int i = 0; i < 16; i++)
		entry4(&b, i, i + 1, i + 1, 0);
	ck_assert_uint_eq(b.len, WFPREDIR_RECORDS_MAX_LEN);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 16), 16);
	ck_assert_uint_eq(e[15].service_id, 16);

	b.buf[offsetof(struct wfpredir_records_hdr, count)] = 17;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 16), -EINVAL);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len + 72, NULL, e, 16), -EINVAL);
}
END_TEST

START_TEST(a_truncated_or_padded_blob_fails_with_EINVAL)
{
	struct wfpredir_record_info e[4];
	struct blob b;

	blob_init(&b, 7, 2);
	entry4(&b, 0, 1, 1, 0);
	entry4(&b, 1, 2, 2, 0);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len - 1, NULL, e, 4), -EINVAL);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len + 1, NULL, e, 4), -EINVAL);
	/* one entry's worth short: a valid length, but not for count 2 */
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len - 72, NULL, e, 4), -EINVAL);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, WFPREDIR_RECORDS_MIN_LEN - 1, NULL, e, 4),
			 -EINVAL);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, 0, NULL, e, 4), -EINVAL);
}
END_TEST

START_TEST(a_wrong_magic_is_EINVAL_and_a_wrong_version_EPROTO)
{
	struct wfpredir_record_info e[1];
	uint64_t flow_id = 99;
	struct blob b;

	blob_init(&b, 7, 1);
	entry4(&b, 0, 1, 1, 0);
	b.buf[0] ^= 0xff;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, &flow_id, e, 1), -EINVAL);
	b.buf[0] ^= 0xff;
	b.buf[offsetof(struct wfpredir_records_hdr, version)] = 2;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, &flow_id, e, 1), -EPROTO);
	b.buf[offsetof(struct wfpredir_records_hdr, version)] = 0;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, &flow_id, e, 1), -EPROTO);
	ck_assert_uint_eq(flow_id, 99); /* untouched on failure */
}
END_TEST

START_TEST(wrong_header_or_entry_lengths_zero_count_reserved_or_family_fail_with_EINVAL)
{
	struct wfpredir_record_info e[1];
	struct blob b;

	blob_init(&b, 7, 1);
	entry4(&b, 0, 1, 1, 0);
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), 1);

	b.buf[offsetof(struct wfpredir_records_hdr, hdr_len) + 1]++;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), -EINVAL);
	b.buf[offsetof(struct wfpredir_records_hdr, hdr_len) + 1]--;

	b.buf[offsetof(struct wfpredir_records_hdr, entry_len) + 1]--;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), -EINVAL);
	b.buf[offsetof(struct wfpredir_records_hdr, entry_len) + 1]++;

	b.buf[offsetof(struct wfpredir_records_hdr, count)] = 0;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), -EINVAL);
	b.buf[offsetof(struct wfpredir_records_hdr, count)] = 1;

	blob_entry(&b, 0)->reserved = 1;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), -EINVAL);
	blob_entry(&b, 0)->reserved = 0;

	blob_entry(&b, 0)->family = AF_UNIX;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), -EINVAL);
	blob_entry(&b, 0)->family = AF_INET;
	ck_assert_int_eq(wfpredir_records_decode(b.buf, b.len, NULL, e, 1), 1);
}
END_TEST

START_TEST(format_describes_the_chain_on_one_line)
{
	char out[512];
	struct blob b;
	int n;

	blob_init(&b, 0x1234abcdull, 2);
	entry4(&b, 0, 1, 10, 0);
	entry6(&b, 1, 2, 20, WFPREDIR_RECORD_F_INHERITED);
	n = wfpredir_records_format(b.buf, b.len, out, sizeof(out));
	ck_assert_str_eq(out, "flow 0x1234abcd: svc 1 (rule 10) tcp 10.0.0.1:40000->10.0.0.2:80 "
			      "uid 1000 pid 123 | svc 2 (rule 20, inherited) udp "
			      "[2001:db8::1]:5353->[2001:db8::2]:443 uid 0 pid 0");
	ck_assert_int_eq(n, (int)strlen(out));
}
END_TEST

START_TEST(format_cuts_short_like_snprintf_and_says_how_long_the_line_is)
{
	char full[512], small[20];
	struct blob b;
	int n;

	blob_init(&b, 0x1234abcdull, 1);
	entry4(&b, 0, 1, 10, 0);
	n = wfpredir_records_format(b.buf, b.len, full, sizeof(full));
	ck_assert_int_gt(n, (int)sizeof(small));

	ck_assert_int_eq(wfpredir_records_format(b.buf, b.len, small, sizeof(small)), n);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	ck_assert_int_eq(strncmp(small, full, sizeof(small) - 1), 0);

	ck_assert_int_eq(wfpredir_records_format(b.buf, b.len, NULL, 0), n);
	small[0] = 'x';
	ck_assert_int_eq(wfpredir_records_format(b.buf, b.len, small, 1), n);
	ck_assert_int_eq(small[0], '\0');
	/* every size in between */
	for (size_t len = 1; len <= (size_t)n + 1; len++) {
		char *buf = malloc(len);

		ck_assert_int_eq(wfpredir_records_format(b.buf, b.len, buf, len), n);
		ck_assert_uint_eq(strlen(buf), len - 1 < (size_t)n ? len - 1 : (size_t)n);
		free(buf);
	}
}
END_TEST

START_TEST(format_of_a_malformed_blob_fails_and_leaves_an_empty_line)
{
	char out[64];
	struct blob b;

	blob_init(&b, 1, 1);
	entry4(&b, 0, 1, 10, 0);
	b.buf[offsetof(struct wfpredir_records_hdr, version)] = 9;
	strcpy(out, "junk");
	ck_assert_int_eq(wfpredir_records_format(b.buf, b.len, out, sizeof(out)), -EPROTO);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(wfpredir_records_format(b.buf, 3, out, sizeof(out)), -EINVAL);
}
END_TEST

/* A default-layout context: dst, src, process. */
static void context_build(unsigned char *buf, int family)
{
	struct sockaddr_storage dst, src;
	struct wfpredir_context_process proc = { .uid = 1000, .pid = 42, .cgroup_id = 77 };

	memset(&dst, 0, sizeof(dst));
	memset(&src, 0, sizeof(src));
	if (family == AF_INET) {
		struct sockaddr_in *d = (struct sockaddr_in *)&dst, *s = (struct sockaddr_in *)&src;

		d->sin_family = s->sin_family = AF_INET;
		d->sin_port = htons(80);
		s->sin_port = htons(40000);
		d->sin_addr.s_addr = htonl(0x0a000002);
		s->sin_addr.s_addr = htonl(0x0a000001);
	} else {
		struct sockaddr_in6 *d = (struct sockaddr_in6 *)&dst,
				    *s = (struct sockaddr_in6 *)&src;

		d->sin6_family = s->sin6_family = AF_INET6;
		d->sin6_port = htons(443);
		s->sin6_port = htons(50000);
		inet_pton(AF_INET6, "2001:db8::2", &d->sin6_addr);
		inet_pton(AF_INET6, "2001:db8::1", &s->sin6_addr);
	}
	strcpy(proc.comm, "curl");
	memcpy(buf, &dst, sizeof(dst));
	memcpy(buf + WFPREDIR_CONTEXT_SOCKADDR_LEN, &src, sizeof(src));
	memcpy(buf + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN, &proc, sizeof(proc));
}

START_TEST(a_default_ipv4_context_decodes)
{
	unsigned char buf[WFPREDIR_CONTEXT_DEFAULT_LEN];
	struct sockaddr_storage dst, src;
	struct wfpredir_context_process proc;

	ck_assert_uint_eq(sizeof(buf), 288);
	context_build(buf, AF_INET);
	ck_assert_int_eq(wfpredir_context_decode(buf, sizeof(buf), &dst, &src, &proc), 0);
	ck_assert_uint_eq(dst.ss_family, AF_INET);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&dst)->sin_port), 80);
	ck_assert_uint_eq(ntohl(((struct sockaddr_in *)&dst)->sin_addr.s_addr), 0x0a000002);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in *)&src)->sin_port), 40000);
	ck_assert_uint_eq(proc.uid, 1000);
	ck_assert_uint_eq(proc.pid, 42);
	ck_assert_uint_eq(proc.cgroup_id, 77);
	ck_assert_str_eq(proc.comm, "curl");
	/* every output is optional */
	ck_assert_int_eq(wfpredir_context_decode(buf, sizeof(buf), NULL, NULL, NULL), 0);
}
END_TEST

START_TEST(a_default_ipv6_context_decodes)
{
	unsigned char buf[WFPREDIR_CONTEXT_DEFAULT_LEN], want[16];
	struct sockaddr_storage dst, src;

	context_build(buf, AF_INET6);
	ck_assert_int_eq(wfpredir_context_decode(buf, sizeof(buf), &dst, &src, NULL), 0);
	ck_assert_uint_eq(dst.ss_family, AF_INET6);
	ck_assert_uint_eq(ntohs(((struct sockaddr_in6 *)&dst)->sin6_port), 443);
	inet_pton(AF_INET6, "2001:db8::1", want);
	ck_assert_mem_eq(&((struct sockaddr_in6 *)&src)->sin6_addr, want, 16);
}
END_TEST

START_TEST(a_context_not_of_the_default_layout_fails_with_EINVAL)
{
	unsigned char buf[WFPREDIR_CONTEXT_DEFAULT_LEN + 1];
	struct sockaddr_storage dst;
	sa_family_t fam;

	context_build(buf, AF_INET);
	memset(&dst, 0xee, sizeof(dst));
	ck_assert_int_eq(wfpredir_context_decode(buf, WFPREDIR_CONTEXT_DEFAULT_LEN - 1, &dst, NULL,
						 NULL),
			 -EINVAL);
	ck_assert_int_eq(wfpredir_context_decode(buf, WFPREDIR_CONTEXT_DEFAULT_LEN + 1, &dst, NULL,
						 NULL),
			 -EINVAL);
	ck_assert_int_eq(wfpredir_context_decode(NULL, WFPREDIR_CONTEXT_DEFAULT_LEN, &dst, NULL,
						 NULL),
			 -EINVAL);
	/* a custom context: "hello" */
	ck_assert_int_eq(wfpredir_context_decode("hello", 5, &dst, NULL, NULL), -EINVAL);

	fam = AF_UNIX;
	memcpy(buf, &fam, sizeof(fam));
	ck_assert_int_eq(wfpredir_context_decode(buf, WFPREDIR_CONTEXT_DEFAULT_LEN, &dst, NULL,
						 NULL),
			 -EINVAL);
	/* destination IPv6, source IPv4 */
	fam = AF_INET6;
	memcpy(buf, &fam, sizeof(fam));
	ck_assert_int_eq(wfpredir_context_decode(buf, WFPREDIR_CONTEXT_DEFAULT_LEN, &dst, NULL,
						 NULL),
			 -EINVAL);
	ck_assert_uint_eq(((unsigned char *)&dst)[0], 0xee); /* untouched */
}
END_TEST

START_TEST(a_context_comm_without_its_nul_is_cut_to_fifteen_bytes)
{
	unsigned char buf[WFPREDIR_CONTEXT_DEFAULT_LEN];
	struct wfpredir_context_process proc;

	context_build(buf, AF_INET);
	memset(buf + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN +
		       offsetof(struct wfpredir_context_process, comm),
	       'x', sizeof(proc.comm));
	ck_assert_int_eq(wfpredir_context_decode(buf, sizeof(buf), NULL, NULL, &proc), 0);
	ck_assert_uint_eq(strlen(proc.comm), sizeof(proc.comm) - 1);
}
END_TEST

Suite *records_suite(void)
{
	Suite *s = suite_create("records");
	TCase *tc = tcase_create("records");

	tcase_add_test(tc, one_ipv4_entry_decodes_every_field);
	tcase_add_test(tc, an_ipv6_entry_decodes_to_sockaddr_in6);
	tcase_add_test(tc, the_count_is_returned_even_beyond_max_entries);
	tcase_add_test(tc, sixteen_entries_decode_and_seventeen_do_not);
	tcase_add_test(tc, a_truncated_or_padded_blob_fails_with_EINVAL);
	tcase_add_test(tc, a_wrong_magic_is_EINVAL_and_a_wrong_version_EPROTO);
	tcase_add_test(
		tc, wrong_header_or_entry_lengths_zero_count_reserved_or_family_fail_with_EINVAL);
	tcase_add_test(tc, format_describes_the_chain_on_one_line);
	tcase_add_test(tc, format_cuts_short_like_snprintf_and_says_how_long_the_line_is);
	tcase_add_test(tc, format_of_a_malformed_blob_fails_and_leaves_an_empty_line);
	tcase_add_test(tc, a_default_ipv4_context_decodes);
	tcase_add_test(tc, a_default_ipv6_context_decodes);
	tcase_add_test(tc, a_context_not_of_the_default_layout_fails_with_EINVAL);
	tcase_add_test(tc, a_context_comm_without_its_nul_is_cut_to_fifteen_bytes);
	suite_add_tcase(s, tc);
	return s;
}
