// SPDX-License-Identifier: MIT
/*
 * bench-rules SERVICE_ID COUNT [FIRST_ID]: add COUNT rules that redirect to
 * SERVICE_ID and match no benchmark traffic (TCP to one address each of
 * 198.18.0.0/15, port 9), with ids from FIRST_ID (default 1000000), and
 * print how long that took. For tests/bench/rules: adding 100 000 rules one
 * wfpredirctl process at a time would take longer than the benchmark.
 *
 * bench-rules -t TABLE ADDR:PORT COUNT: the same COUNT rules through the
 * library's bulk path instead: one transaction (wfpredir_tx_*, then
 * wfpredir_ctl_apply) that replaces TABLE with a service "bench" listening
 * at ADDR:PORT and the rules; the time printed includes building it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "wfpredir.h"

#include "common/helper.h"

static double now_ms_exact(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int parse_u32(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return errno || *end || end == s || *out > 0xffffffffUL ? -1 : 0;
}

static void fill_rule(struct wfpredir_rule *rule, unsigned long i)
{
	uint32_t host = (198u << 24) | (18u << 16) | (uint32_t)i;

	rule->family = AF_INET;
	rule->protocol = IPPROTO_TCP;
	rule->has_daddr = true;
	rule->daddr[0] = host >> 24;
	rule->daddr[1] = host >> 16;
	rule->daddr[2] = host >> 8;
	rule->daddr[3] = host;
	rule->prefix = 32;
	rule->has_dport = true;
	rule->dport_min = rule->dport_max = 9;
}

static int transaction(const char *table, const char *listen, const char *count_s)
{
	struct wfpredir_service svc = { 0 };
	struct sockaddr_storage ss;
	struct wfpredir_rule rule;
	struct wfpredir_ctl *ctl;
	struct wfpredir_tx *tx;
	unsigned long count;
	double start;
	size_t failed = 0;
	int err;

	if (parse_u32(count_s, &count) || count > (1UL << 17))
		die("bad count '%s'", count_s);
	if (parse_addr(listen, &ss) != sizeof(svc.addr4))
		die("%s: IPv4 only", listen);
	ctl = wfpredir_ctl_open(&err);
	if (!ctl)
		die("%s", strerror(-err));
	start = now_ms_exact();
	tx = wfpredir_tx_new();
	if (!tx)
		die("out of memory");
	snprintf(svc.name, sizeof(svc.name), "bench");
	svc.has4 = true;
	memcpy(&svc.addr4, &ss, sizeof(svc.addr4));
	err = wfpredir_tx_table(tx, table);
	if (!err)
		err = wfpredir_tx_service(tx, table, &svc);
	for (unsigned long i = 0; !err && i < count; i++) {
		memset(&rule, 0, sizeof(rule));
		fill_rule(&rule, i);
		err = wfpredir_tx_rule(tx, table, "bench", &rule);
	}
	if (!err)
		err = wfpredir_ctl_apply(ctl, tx, &failed);
	if (err) {
		const char *msg = wfpredir_ctl_error(ctl);

		fprintf(stderr, "bench-rules: transaction (object %zu): %s%s%s\n", failed,
			strerror(-err), msg ? ": " : "", msg ? msg : "");
		return 1;
	}
	printf("added %lu rules in %.0f ms\n", count, now_ms_exact() - start);
	wfpredir_tx_free(tx);
	wfpredir_ctl_close(ctl);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long service, count, first = 1000000;
	struct wfpredir_rule *rule;
	struct wfpredir_ctl *ctl;
	unsigned long i;
	double start;
	int err;

	if (argc == 5 && !strcmp(argv[1], "-t"))
		return transaction(argv[2], argv[3], argv[4]);
	if ((argc != 3 && argc != 4) || parse_u32(argv[1], &service) ||
	    parse_u32(argv[2], &count) || (argc == 4 && parse_u32(argv[3], &first)) ||
	    count > (1UL << 17) || first + count > 0xffffffffUL) {
		fprintf(stderr, "usage: bench-rules SERVICE_ID COUNT(<=131072) [FIRST_ID]\n"
				"       bench-rules -t TABLE ADDR:PORT COUNT(<=131072)\n");
		return 2;
	}
	ctl = wfpredir_ctl_open(&err);
	if (!ctl) {
		fprintf(stderr, "bench-rules: %s\n", strerror(-err));
		return 1;
	}
	rule = calloc(1, sizeof(*rule));
	if (!rule) {
		wfpredir_ctl_close(ctl);
		return 1;
	}

	start = now_ms_exact();
	for (i = 0; i < count; i++) {
		memset(rule, 0, sizeof(*rule));
		rule->id = (uint32_t)(first + i);
		rule->service_id = (uint32_t)service;
		fill_rule(rule, i);
		err = wfpredir_ctl_add_rule(ctl, rule);
		if (err) {
			const char *msg = wfpredir_ctl_error(ctl);

			fprintf(stderr, "bench-rules: rule %lu: %s%s%s\n", first + i,
				strerror(-err), msg ? ": " : "", msg ? msg : "");
			break;
		}
	}
	printf("added %lu rules in %.0f ms\n", i, now_ms_exact() - start);
	free(rule);
	wfpredir_ctl_close(ctl);
	return i == count ? 0 : 1;
}
