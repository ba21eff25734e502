// SPDX-License-Identifier: MIT
/*
 * libwfpredir's decoders of what the kernel hands a program (and what a
 * program may hand another): wfpredir_records_decode(),
 * wfpredir_records_format() and wfpredir_context_decode().
 *
 * Input: one byte of parameters (entries wanted, output size), then the
 * bytes decoded.
 */
#include "fuzz.h"
#include "internal.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct wfpredir_record_info info[WFPREDIR_RECORDS_MAX_ENTRIES];
	struct sockaddr_storage dst, src;
	struct wfpredir_context_process proc;
	size_t max, outlen, len;
	uint64_t flow_id = 0;
	unsigned char *buf;
	char *out;
	int n, m;

	if (!size)
		return 0;
	max = data[0] % (WFPREDIR_RECORDS_MAX_ENTRIES + 1);
	outlen = (size_t)data[0] * 4;
	len = size - 1;
	buf = fuzz_dup(data + 1, len);

	n = wfpredir_records_decode(buf, len, &flow_id, info, max);
	check(n == -EINVAL || n == -EPROTO || (n >= 1 && n <= WFPREDIR_RECORDS_MAX_ENTRIES));
	check(wfpredir_records_decode(buf, len, NULL, NULL, 0) == n);
	for (int i = 0; i < n && (size_t)i < max; i++) {
		check(info[i].family == AF_INET || info[i].family == AF_INET6 ||
		      (!info[i].family && (info[i].flags & WFPREDIR_RECORD_F_SERVICE_ONLY)));
		check(info[i].orig_dst.ss_family == info[i].family);
	}

	out = malloc(outlen ? outlen : 1);
	check(out);
	m = wfpredir_records_format(buf, len, out, outlen);
	check(n < 0 ? m == n : m > 0);
	if (outlen)
		check(strlen(out) == (n < 0 ? 0 : ((size_t)m < outlen ? (size_t)m : outlen - 1)));
	free(out);

	n = wfpredir_context_decode(buf, len, &dst, &src, &proc);
	check(n == 0 || n == -EINVAL);
	if (!n) {
		check(dst.ss_family == src.ss_family);
		check(dst.ss_family == AF_INET || dst.ss_family == AF_INET6);
		check(memchr(proc.comm, '\0', sizeof(proc.comm)));
	}
	check(wfpredir_context_decode(buf, len, NULL, NULL, NULL) == n);
	free(buf);
	return 0;
}
