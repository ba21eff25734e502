// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of services and the classifier, run at load time in debug
 * builds, on a namespace state of their own that no network namespace
 * owns: the hook never sees it. Socket matches (uid, cgroup) are tried on
 * a kernel socket of init_net. Ends with a timing of 100 000 rules (10 000
 * on KASAN or lockdep kernels), which is printed, not judged.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "ruleset.h"
#include "service.h"

#include <linux/cgroup.h>
#include <linux/in.h>
#include <linux/inet.h>
#include <linux/math64.h>
#include <linux/init.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/sock.h>

/*
 * Enough rules to grow every table several times. Every load of the test
 * build runs this (the kselftests load the module dozens of times under
 * TCG), so it stays small: what 100 000 rules cost is make bench's to say.
 * A fiftieth on kernels that check every access or lock.
 */
#if IS_ENABLED(CONFIG_KASAN) || IS_ENABLED(CONFIG_PROVE_LOCKING)
#define BIG_RULES	2000
#else
#define BIG_RULES	20000
#endif
#define BIG_LOOKUPS	BIG_RULES

static bool __init expect(bool cond, const char *what, const char *func,
			  int line)
{
	if (!cond)
		pr_err("ruleset self-test: %s:%d: %s\n", func, line, what);
	return cond;
}

#define EXPECT(cond) expect(cond, #cond, __func__, __LINE__)

/* A namespace state with nothing but services and rules set up. */
static struct wfpredir_net *__init fake_net(unsigned int max_rules)
{
	struct wfpredir_net *wn;

	wn = kzalloc(sizeof(*wn), GFP_KERNEL);
	if (!wn)
		return NULL;
	mutex_init(&wn->config_lock);
	if (wfpredir_services_init(&wn->services))
		goto err_free;
	if (wfpredir_ruleset_init(&wn->rules, max_rules))
		goto err_services;
	return wn;

err_services:
	wfpredir_services_destroy(&wn->services);
err_free:
	kfree(wn);
	return NULL;
}

static void __init fake_net_free(struct wfpredir_net *wn)
{
	wfpredir_ruleset_destroy(&wn->rules);
	wfpredir_services_destroy(&wn->services);
	/* Deleted rules are freed by RCU callbacks: module code. */
	rcu_barrier();
	mutex_destroy(&wn->config_lock);
	kfree(wn);
}

static void __init parse_addr(union nf_inet_addr *addr, u8 family,
			      const char *s)
{
	memset(addr, 0, sizeof(*addr));
	if (family == AF_INET)
		in4_pton(s, -1, (u8 *)&addr->ip, -1, NULL);
	else
		in6_pton(s, -1, addr->in6.s6_addr, -1, NULL);
}

static int __init add_service(struct wfpredir_net *wn, u32 id,
			      const char *name, const char *addr4,
			      const char *addr6, u16 port, u32 *out)
{
	struct wfpredir_service_spec spec = { .id = id, .name = name,
					      .table = WFPREDIR_TABLE_DEFAULT };
	union nf_inet_addr a;
	int ret;

	if (addr4) {
		parse_addr(&a, AF_INET, addr4);
		spec.family4 = AF_INET;
		spec.addr4 = a.ip;
		spec.port4 = htons(port);
	}
	if (addr6) {
		parse_addr(&a, AF_INET6, addr6);
		spec.family6 = AF_INET6;
		spec.addr6 = a.in6;
		spec.port6 = htons(port);
	}
	mutex_lock(&wn->config_lock);
	ret = wfpredir_service_create(wn, &spec, out, NULL);
	mutex_unlock(&wn->config_lock);
	return ret;
}

/* A rule to @service matching every flow; narrow it with the helpers. */
static void __init spec(struct wfpredir_rule_spec *s, u32 id, u32 service,
			u32 priority)
{
	wfpredir_rule_spec_init(s, service);
	s->id = id;
	s->priority = priority;
}

static void __init spec_dst(struct wfpredir_rule_spec *s, u8 family,
			    const char *addr, u8 prefix)
{
	s->family = family;
	s->has_daddr = true;
	parse_addr(&s->daddr, family, addr);
	s->prefix = prefix;
}

static void __init spec_ports(struct wfpredir_rule_spec *s, u16 min, u16 max)
{
	s->dport_min = min;
	s->dport_max = max;
}

static int __init add(struct wfpredir_net *wn, const struct wfpredir_rule_spec *s)
{
	u32 id;
	int ret;

	mutex_lock(&wn->config_lock);
	ret = wfpredir_rule_create(wn, s, &id, NULL);
	mutex_unlock(&wn->config_lock);
	if (!ret && s->id && id != s->id)
		return -EPROTO;
	return ret;
}

static int __init del(struct wfpredir_net *wn, u32 id)
{
	int ret;

	mutex_lock(&wn->config_lock);
	ret = wfpredir_rule_delete(wn, id, NULL);
	mutex_unlock(&wn->config_lock);
	return ret;
}

static void __init flush(struct wfpredir_net *wn)
{
	mutex_lock(&wn->config_lock);
	wfpredir_rules_flush(wn, NULL);
	mutex_unlock(&wn->config_lock);
}

static bool __init consistent(struct wfpredir_net *wn)
{
	bool ok;

	mutex_lock(&wn->config_lock);
	ok = wfpredir_ruleset_check(&wn->rules);
	mutex_unlock(&wn->config_lock);
	return ok;
}

/* The id of the rule for a flow ranking after @after; 0 if none. */
static u32 __init classify_after(struct wfpredir_net *wn, u16 dport, u64 after)
{
	struct wfpredir_flow_key key = {
		.family = AF_INET,
		.protocol = IPPROTO_TCP,
		.dport = htons(dport),
		.daddr.ip = htonl(0x0a010203),
	};
	const struct wfpredir_rule *rule;
	u32 id;

	rcu_read_lock();
	rule = wfpredir_ruleset_lookup(wn, &key, NULL, 0, after);
	id = rule ? rule->id : 0;
	rcu_read_unlock();
	return id;
}

/* The id of the rule for a flow; 0 if none. */
static u32 __init classify_ex(struct wfpredir_net *wn, u8 family, u8 protocol,
			      const char *daddr, u16 dport, struct sock *sk,
			      const u32 *exclude, unsigned int n_exclude)
{
	struct wfpredir_flow_key key = {
		.family = family,
		.protocol = protocol,
		.dport = htons(dport),
		.sk = sk,
	};
	const struct wfpredir_rule *rule;
	u32 id;

	parse_addr(&key.daddr, family, daddr);
	rcu_read_lock();
	rule = wfpredir_ruleset_lookup(wn, &key, exclude, n_exclude, 0);
	id = rule ? rule->id : 0;
	rcu_read_unlock();
	return id;
}

/* As classify_ex(), for an IPv4 flow given as a number, without a socket. */
static u32 __init classify4(struct wfpredir_net *wn, u8 protocol, u32 daddr,
			    u16 dport)
{
	struct wfpredir_flow_key key = {
		.family = AF_INET,
		.protocol = protocol,
		.dport = htons(dport),
		.daddr.ip = htonl(daddr),
	};
	const struct wfpredir_rule *rule;
	u32 id;

	rcu_read_lock();
	rule = wfpredir_ruleset_lookup(wn, &key, NULL, 0, 0);
	id = rule ? rule->id : 0;
	rcu_read_unlock();
	return id;
}

static u32 __init classify(struct wfpredir_net *wn, u8 family, u8 protocol,
			   const char *daddr, u16 dport)
{
	return classify_ex(wn, family, protocol, daddr, dport, NULL, NULL, 0);
}

/* Services: S1 (v4 and v6), S2 (v4), S3 (v6, id 77). */
struct svcs {
	u32 s1, s2, s3;
};

static bool __init test_services(struct wfpredir_net *wn, struct svcs *s)
{
	const struct wfpredir_service_addr *a;
	union nf_inet_addr addr;
	struct wfpredir_service *svc;
	bool ok = true;
	u32 id;

	ok &= EXPECT(!add_service(wn, 0, "s1", "127.0.0.1", "::1", 1000,
				  &s->s1));
	ok &= EXPECT(!add_service(wn, 0, "s2", "127.0.0.2", NULL, 1000,
				  &s->s2));
	ok &= EXPECT(!add_service(wn, 77, "s3", NULL, "::2", 1000, &s->s3));
	ok &= EXPECT(s->s1 && s->s2 && s->s1 != s->s2 && s->s3 == 77);
	ok &= EXPECT(wn->services.count == 3);

	ok &= EXPECT(add_service(wn, 0, "s1", "127.0.0.9", NULL, 1000, &id) ==
		     -EEXIST);
	ok &= EXPECT(add_service(wn, 0, "s4", "127.0.0.2", NULL, 1000, &id) ==
		     -EEXIST);
	ok &= EXPECT(add_service(wn, 0, "s4", NULL, "::1", 1000, &id) ==
		     -EEXIST);
	ok &= EXPECT(add_service(wn, 77, "s4", "127.0.0.9", NULL, 1000, &id) ==
		     -EEXIST);
	ok &= EXPECT(add_service(wn, 0, "s4", NULL, NULL, 1000, &id) ==
		     -EINVAL);
	ok &= EXPECT(add_service(wn, 0, "a b", "127.0.0.9", NULL, 1000, &id) ==
		     -EINVAL);
	ok &= EXPECT(add_service(wn, 0, "", "127.0.0.9", NULL, 1000, &id) ==
		     -EINVAL);
	ok &= EXPECT(add_service(wn, 0, "s4", "0.0.0.0", NULL, 1000, &id) ==
		     -EINVAL);
	ok &= EXPECT(add_service(wn, 0, "s4", "127.0.0.9", NULL, 0, &id) ==
		     -EINVAL);
	ok &= EXPECT(wn->services.count == 3);

	rcu_read_lock();
	parse_addr(&addr, AF_INET, "127.0.0.1");
	a = wfpredir_service_find_by_addr(wn, AF_INET, &addr, htons(1000));
	ok &= EXPECT(a && a->service->id == s->s1);
	ok &= EXPECT(!wfpredir_service_find_by_addr(wn, AF_INET, &addr,
						    htons(1001)));
	parse_addr(&addr, AF_INET6, "::2");
	a = wfpredir_service_find_by_addr(wn, AF_INET6, &addr, htons(1000));
	ok &= EXPECT(a && a->service->id == 77);
	ok &= EXPECT(!wfpredir_service_find_by_addr(wn, AF_INET, &addr,
						    htons(1000)));
	svc = wfpredir_service_lookup(wn, s->s2);
	ok &= EXPECT(svc && !strcmp(svc->name, "s2") &&
		     !wfpredir_service_addr_of(svc, AF_INET6) &&
		     wfpredir_service_addr_of(svc, AF_INET));
	rcu_read_unlock();
	return ok;
}

static bool __init test_validation(struct wfpredir_net *wn,
				   const struct svcs *s)
{
	struct wfpredir_rule_spec r;
	bool ok = true;

	spec(&r, 0, s->s1, 1);
	r.has_daddr = true;	/* an address without a family */
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s1, 1);
	spec_dst(&r, AF_INET, "10.0.0.0", 33);
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s1, 1);
	spec_ports(&r, 10, 9);
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s1, 1);
	r.has_uid = true;
	r.uid_max = (u32)-1;
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s1, 1);
	r.has_uid = true;
	r.uid_min = 5;
	r.uid_max = 4;
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s1, 1);
	r.protocol = IPPROTO_ICMP;
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s1, 1);
	r.family = AF_UNIX;
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, s->s2, 1);
	r.family = AF_INET6;	/* s2 has no IPv6 address */
	ok &= EXPECT(add(wn, &r) == -EINVAL);
	spec(&r, 0, 12345, 1);
	ok &= EXPECT(add(wn, &r) == -ENOENT);
	spec(&r, 0, s->s1, 1);
	r.context_len = WFPREDIR_CONTEXT_MAX_CUSTOM_LEN + 1;
	r.context = (const u8 *)&r;
	ok &= EXPECT(add(wn, &r) == -EINVAL);
#ifdef CONFIG_SOCK_CGROUP_DATA
	{
		struct netlink_ext_ack extack = {};
		u32 id;

		spec(&r, 0, s->s1, 1);
		r.cgroup = "/wfpredir-selftest-no-such-cgroup";
		mutex_lock(&wn->config_lock);
		ok &= EXPECT(wfpredir_rule_create(wn, &r, &id, &extack) ==
			     -ENOENT);
		mutex_unlock(&wn->config_lock);
		ok &= EXPECT(extack._msg);
	}
#endif
	spec(&r, 5, s->s1, 1);
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(add(wn, &r) == -EEXIST);
	ok &= EXPECT(del(wn, 5) == 0);
	ok &= EXPECT(del(wn, 5) == -ENOENT);
	ok &= EXPECT(!wn->rules.count && wfpredir_ruleset_empty(&wn->rules));
	ok &= EXPECT(consistent(wn));
	return ok;
}

/* Priorities across tuples and ties by id; port ranges; family any. */
static bool __init test_priorities(struct wfpredir_net *wn,
				   const struct svcs *s)
{
	struct wfpredir_rule_spec r;
	bool ok = true;

	ok &= EXPECT(!classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80));

	spec(&r, 100, s->s1, 100);
	spec_dst(&r, AF_INET, "10.9.9.9", 8);	/* masked to 10/8 */
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 101, s->s1, 200);
	spec_dst(&r, AF_INET, "10.1.2.3", 32);
	spec_ports(&r, 80, 80);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 102, s->s2, 50);	/* family any, to a v4-only service */
	spec_ports(&r, 443, 443);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 103, s->s1, 300);
	r.protocol = IPPROTO_UDP;
	spec_ports(&r, 1000, 2000);
	ok &= EXPECT(!add(wn, &r));

	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80) == 100);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 443) == 102);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "11.0.0.1", 443) == 102);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "11.0.0.1", 80) == 0);
	/* s2 has no IPv6 address: rule 102 never takes an IPv6 flow. */
	ok &= EXPECT(classify(wn, AF_INET6, IPPROTO_TCP, "::5", 443) == 0);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_UDP, "11.0.0.1", 1000) == 103);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_UDP, "11.0.0.1", 2000) == 103);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_UDP, "11.0.0.1", 2001) == 0);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_UDP, "11.0.0.1", 999) == 0);
	ok &= EXPECT(classify(wn, AF_INET6, IPPROTO_UDP, "::9", 1500) == 103);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "11.0.0.1", 1500) == 0);

	/* 10/8 goes: the exact /32 port 80 rule is next. */
	ok &= EXPECT(!del(wn, 100));
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80) == 101);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 81) == 0);
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.4", 80) == 0);

	/* Ties by id, in one bucket (inserted out of order) and across. */
	spec(&r, 501, s->s1, 150);
	spec_dst(&r, AF_INET, "10.1.2.3", 32);
	spec_ports(&r, 80, 80);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 500, s->s1, 150);
	spec_dst(&r, AF_INET, "10.1.2.3", 32);
	spec_ports(&r, 80, 80);
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80) == 500);
	spec(&r, 400, s->s1, 150);
	r.family = AF_INET;
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80) == 400);
	ok &= EXPECT(!del(wn, 400));
	ok &= EXPECT(!del(wn, 500));
	ok &= EXPECT(classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80) == 501);
	ok &= EXPECT(consistent(wn));
	flush(wn);
	ok &= EXPECT(!wn->rules.count && consistent(wn));
	ok &= EXPECT(!classify(wn, AF_INET, IPPROTO_UDP, "11.0.0.1", 1000));
	return ok;
}

/* The flow's chain holds services: they are passed over, and counted. */
static bool __init test_exclusion(struct wfpredir_net *wn,
				  const struct svcs *s)
{
	static const u32 many[] __initconst = {
		9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
	};
	struct wfpredir_service *s1, *s2;
	struct wfpredir_rule_spec r;
	u64 skipped1, skipped2;
	bool ok = true;
	u32 ex[2];

	s1 = wfpredir_service_lookup(wn, s->s1);
	s2 = wfpredir_service_lookup(wn, s->s2);
	/* Two rules for s1 in different tuples, one for s2 after them. */
	spec(&r, 10, s->s1, 10);
	spec_dst(&r, AF_INET, "10.0.0.0", 8);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 11, s->s1, 20);
	spec_ports(&r, 80, 80);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 12, s->s2, 30);
	ok &= EXPECT(!add(wn, &r));

	skipped1 = atomic64_read(&s1->skipped);
	skipped2 = atomic64_read(&s2->skipped);
	ex[0] = s->s1;
	ok &= EXPECT(classify_ex(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80,
				 NULL, ex, 1) == 12);
	/* Two of its rules matched: counted once. */
	ok &= EXPECT(atomic64_read(&s1->skipped) == skipped1 + 1);
	ok &= EXPECT(atomic64_read(&s2->skipped) == skipped2);

	ex[1] = s->s2;
	ok &= EXPECT(classify_ex(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80,
				 NULL, ex, 2) == 0);
	ok &= EXPECT(atomic64_read(&s1->skipped) == skipped1 + 2);
	ok &= EXPECT(atomic64_read(&s2->skipped) == skipped2 + 1);

	/* s2 excluded, but its rule ranks after the winner: not skipped. */
	ex[0] = s->s2;
	ok &= EXPECT(classify_ex(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80,
				 NULL, ex, 1) == 10);
	ok &= EXPECT(atomic64_read(&s2->skipped) == skipped2 + 1);

	/* Longer lists than a chain can hold are cut, not overrun. */
	ok &= EXPECT(classify_ex(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 80,
				 NULL, many, ARRAY_SIZE(many)) == 10);

	/* A service with rules cannot go. */
	mutex_lock(&wn->config_lock);
	ok &= EXPECT(wfpredir_service_delete(wn, s1, NULL) == -EBUSY);
	ok &= EXPECT(wfpredir_services_flush(wn, NULL, NULL) == -EBUSY);
	ok &= EXPECT(s1->rules == 2 && s2->rules == 1);
	mutex_unlock(&wn->config_lock);
	flush(wn);
	ok &= EXPECT(!s1->rules && !s2->rules);
	return ok;
}

#define RANK(prio, id) ((u64)(prio) << 32 | (id))

/*
 * The owner loop bound: each service knows its last rule by rank, through
 * additions and deletions, and a lookup takes only rules ranking after a
 * bound.
 */
static bool __init test_rank_bound(struct wfpredir_net *wn,
				   const struct svcs *s)
{
	struct wfpredir_service *s1, *s2;
	struct wfpredir_rule_spec r;
	bool ok = true;

	s1 = wfpredir_service_lookup(wn, s->s1);
	s2 = wfpredir_service_lookup(wn, s->s2);
	ok &= EXPECT(!s1->rule_rank_max && !s2->rule_rank_max);
	spec(&r, 20, s->s1, 100);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 21, s->s2, 200);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 22, s->s1, 300);
	spec_ports(&r, 80, 80);
	ok &= EXPECT(!add(wn, &r));
	/* Same priority as s2's: the id breaks the tie. */
	spec(&r, 23, s->s1, 200);
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(s1->rule_rank_max == RANK(300, 22));
	ok &= EXPECT(s2->rule_rank_max == RANK(200, 21));

	ok &= EXPECT(classify_after(wn, 80, 0) == 20);
	/* From s1's proxy: nothing ranks after its 300. */
	ok &= EXPECT(classify_after(wn, 80, s1->rule_rank_max) == 0);
	/* From s2's proxy: s1's rules after (200, 21) only. */
	ok &= EXPECT(classify_after(wn, 80, s2->rule_rank_max) == 23);
	ok &= EXPECT(classify_after(wn, 81, s2->rule_rank_max) == 23);
	ok &= EXPECT(classify_after(wn, 81, RANK(200, 23)) == 0);

	ok &= EXPECT(!del(wn, 22));
	ok &= EXPECT(s1->rule_rank_max == RANK(200, 23));
	ok &= EXPECT(!del(wn, 20));
	ok &= EXPECT(s1->rule_rank_max == RANK(200, 23));
	ok &= EXPECT(!del(wn, 23));
	ok &= EXPECT(!s1->rule_rank_max);
	flush(wn);
	ok &= EXPECT(!s1->rule_rank_max && !s2->rule_rank_max);
	return ok;
}

/* Every prefix length, longest first by priority. */
static bool __init test_prefixes(struct wfpredir_net *wn, const struct svcs *s,
				 u8 family, const char *addr, const char *near)
{
	unsigned int bits = family == AF_INET ? 32 : 128;
	struct wfpredir_rule_spec r;
	unsigned int p;
	bool ok = true;

	for (p = 0; p <= bits; p++) {
		spec(&r, 1000 + p, s->s1, 1000 - p);
		spec_dst(&r, family, addr, p);
		ok &= EXPECT(!add(wn, &r));
	}
	ok &= EXPECT(wn->rules.count == bits + 1 && consistent(wn));
	/* @near differs from @addr in the last bit only. */
	ok &= EXPECT(classify(wn, family, IPPROTO_TCP, near, 1) ==
		     1000 + bits - 1);
	for (p = bits + 1; p-- > 0;) {
		ok &= EXPECT(classify(wn, family, IPPROTO_TCP, addr, 1) ==
			     1000 + p);
		ok &= EXPECT(!del(wn, 1000 + p));
	}
	ok &= EXPECT(!classify(wn, family, IPPROTO_TCP, addr, 1));
	ok &= EXPECT(!wn->rules.count && consistent(wn));
	return ok;
}

static bool __init test_v6(struct wfpredir_net *wn, const struct svcs *s)
{
	struct wfpredir_rule_spec r;
	bool ok = true;

	spec(&r, 20, 77, 10);
	spec_dst(&r, AF_INET6, "2001:db8::1", 128);
	ok &= EXPECT(!add(wn, &r));
	spec(&r, 21, 77, 20);
	spec_dst(&r, AF_INET6, "2001:db8::", 64);
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(classify(wn, AF_INET6, IPPROTO_TCP, "2001:db8::1", 9) == 20);
	ok &= EXPECT(classify(wn, AF_INET6, IPPROTO_TCP, "2001:db8::2", 9) == 21);
	ok &= EXPECT(classify(wn, AF_INET6, IPPROTO_TCP,
			      "2001:db8::ffff:1:2:3", 9) == 21);
	ok &= EXPECT(!classify(wn, AF_INET6, IPPROTO_TCP, "2001:db8:1::1", 9));
	/* An IPv4 flow never meets an IPv6 rule. */
	ok &= EXPECT(!classify(wn, AF_INET, IPPROTO_TCP, "32.1.13.184", 9));
	flush(wn);
	return ok;
}

/* Socket matches: never without a socket; uid and cgroup with one. */
static bool __init test_socket(struct wfpredir_net *wn, const struct svcs *s)
{
	struct wfpredir_rule_spec r, d;
	struct socket *sock;
	bool ok = true;
	u32 uid;

	ok &= EXPECT(!sock_create_kern(&init_net, PF_INET, SOCK_STREAM,
				       IPPROTO_TCP, &sock));
	if (!ok)
		return false;
	uid = from_kuid(&init_user_ns, sock->sk->sk_uid);

	spec(&r, 30, s->s1, 10);
	r.has_uid = true;
	r.uid_min = uid;
	r.uid_max = uid;
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(!classify(wn, AF_INET, IPPROTO_TCP, "1.2.3.4", 5));
	ok &= EXPECT(classify_ex(wn, AF_INET, IPPROTO_TCP, "1.2.3.4", 5,
				 sock->sk, NULL, 0) == 30);
	ok &= EXPECT(!del(wn, 30));
	if (uid < (u32)-3) {
		r.uid_min = uid + 1;
		r.uid_max = (u32)-2;
		ok &= EXPECT(!add(wn, &r));
		ok &= EXPECT(!classify_ex(wn, AF_INET, IPPROTO_TCP, "1.2.3.4",
					  5, sock->sk, NULL, 0));
		ok &= EXPECT(!del(wn, 30));
	}
#ifdef CONFIG_SOCK_CGROUP_DATA
	/* Every socket is in the root cgroup or below it. */
	spec(&r, 31, s->s1, 10);
	r.cgroup = "/";
	r.context = (const u8 *)"ctx";
	r.context_len = 3;
	ok &= EXPECT(!add(wn, &r));
	ok &= EXPECT(!classify(wn, AF_INET, IPPROTO_TCP, "1.2.3.4", 5));
	ok &= EXPECT(classify_ex(wn, AF_INET, IPPROTO_TCP, "1.2.3.4", 5,
				 sock->sk, NULL, 0) == 31);
	/* What a dump sees. */
	rcu_read_lock();
	{
		unsigned long id = 0;
		const struct wfpredir_rule *rule = wfpredir_rule_next(wn, &id);

		ok &= EXPECT(rule && id == 31);
		if (rule) {
			wfpredir_rule_spec(rule, &d);
			ok &= EXPECT(d.cgroup && !strcmp(d.cgroup, "/"));
			ok &= EXPECT(d.context_len == 3 &&
				     !memcmp(d.context, "ctx", 3));
			ok &= EXPECT(d.priority == 10 && d.service_id == s->s1 &&
				     !d.has_uid && !d.has_daddr &&
				     d.dport_max == U16_MAX);
		}
	}
	rcu_read_unlock();
	flush(wn);
#endif
	sock_release(sock);

	/* A dump gives back what was given, the address masked. */
	spec(&r, 32, s->s1, 7);
	spec_dst(&r, AF_INET, "192.168.1.77", 24);
	spec_ports(&r, 10, 20);
	r.protocol = IPPROTO_UDP;
	r.has_uid = true;
	r.uid_min = 100;
	ok &= EXPECT(!add(wn, &r));
	rcu_read_lock();
	{
		unsigned long id = 0;
		const struct wfpredir_rule *rule = wfpredir_rule_next(wn, &id);

		ok &= EXPECT(rule && id == 32);
		if (rule) {
			wfpredir_rule_spec(rule, &d);
			ok &= EXPECT(d.family == AF_INET && d.has_daddr &&
				     d.prefix == 24 &&
				     d.daddr.ip == htonl(0xc0a80100));
			ok &= EXPECT(d.dport_min == 10 && d.dport_max == 20 &&
				     d.protocol == IPPROTO_UDP);
			ok &= EXPECT(d.has_uid && d.uid_min == 100 &&
				     d.uid_max == (u32)-2 && !d.cgroup &&
				     !d.context_len);
		}
	}
	rcu_read_unlock();
	flush(wn);
	return ok;
}

/*
 * The uid and cgroup index against a model: rules in two buckets that
 * differ by uid (exact, narrow and wide ranges, overlapping), cgroup,
 * uid and cgroup, or neither, with tied priorities and ids out of order;
 * every lookup from a socket of many uids must give the rule a brute-force
 * search of the rules gives, also after deleting a third and adding them
 * back.
 */
#define MODEL_RULES	300

struct model_rule {
	u32 id;
	u32 priority;
	bool live;
	bool has_uid;
	bool cgroup;
	bool wide_port;
	u32 uid_min;
	u32 uid_max;
};

static u32 __init model_rand(u32 *state)
{
	/* xorshift32: the same rules on every run, to reproduce a failure. */
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/* The model's rule for a socket of @uid (U32_MAX: unmapped), or none. */
static u32 __init model_best(const struct model_rule *m, bool sk, u32 uid)
{
	u64 best = U64_MAX, rank;
	unsigned int i;

	for (i = 0; i < MODEL_RULES; i++) {
		if (!m[i].live || ((m[i].has_uid || m[i].cgroup) && !sk))
			continue;
		if (m[i].has_uid && (uid < m[i].uid_min || uid > m[i].uid_max))
			continue;
		/* Every socket is in the root cgroup or below it. */
		rank = (u64)m[i].priority << 32 | m[i].id;
		if (rank < best)
			best = rank;
	}
	return best == U64_MAX ? 0 : (u32)best;
}

static int __init model_add(struct wfpredir_net *wn, const struct svcs *s,
			    const struct model_rule *m)
{
	struct wfpredir_rule_spec r;

	spec(&r, m->id, s->s1, m->priority);
	r.protocol = IPPROTO_TCP;
	if (!m->wide_port)
		spec_ports(&r, 5, 5);
	r.has_uid = m->has_uid;
	r.uid_min = m->uid_min;
	r.uid_max = m->uid_max;
	if (m->cgroup)
		r.cgroup = "/";
	return add(wn, &r);
}

static bool __init model_check(struct wfpredir_net *wn, struct socket *sock,
			       const struct model_rule *m)
{
	static const u32 extra[] = { 0, 1, 1023, 1024, 1500, 2047, 2048,
				     65535, (u32)-2, U32_MAX };
	unsigned int i, bad = 0, changes = 0;
	u32 uid, want, got, last = 0;

	for (i = 0; i < 90 + ARRAY_SIZE(extra); i++) {
		uid = i < 90 ? 990 + i : extra[i - 90];
		sock->sk->sk_uid = uid == U32_MAX ? INVALID_UID :
				   make_kuid(&init_user_ns, uid);
		want = model_best(m, true, uid);
		got = classify_ex(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 5,
				  sock->sk, NULL, 0);
		changes += want != last;
		last = want;
		if (got != want && bad++ < 5)
			pr_err("ruleset self-test: uid %u: rule %u, model %u\n",
			       uid, got, want);
	}
	want = model_best(m, false, 0);
	got = classify(wn, AF_INET, IPPROTO_TCP, "10.1.2.3", 5);
	if (got != want && bad++ < 5)
		pr_err("ruleset self-test: no socket: rule %u, model %u\n",
		       got, want);
	/* Else a catch-all rule could hide what the index does. */
	return EXPECT(!bad) && EXPECT(changes > 30) && EXPECT(consistent(wn));
}

static bool __init test_uid_index(struct wfpredir_net *wn,
				  const struct svcs *s)
{
	struct model_rule *m;
	struct socket *sock;
	u32 state = 0x2545f491, a, b;
	unsigned int i;
	bool ok = true;

	m = kcalloc(MODEL_RULES, sizeof(*m), GFP_KERNEL);
	if (!EXPECT(m))
		return false;
	if (!EXPECT(!sock_create_kern(&init_net, PF_INET, SOCK_STREAM,
				      IPPROTO_TCP, &sock))) {
		kfree(m);
		return false;
	}
	for (i = 0; i < MODEL_RULES; i++) {
		/* A permutation of 1..MODEL_RULES: ids out of order. */
		m[i].id = (i * 7919) % MODEL_RULES + 1;
		/* Ties within each kind, and kinds that outrank others. */
		m[i].priority = 10 * (model_rand(&state) % 3);
		m[i].wide_port = !(model_rand(&state) % 5);
		a = 1000 + model_rand(&state) % 64;
		switch (model_rand(&state) % 8) {
		case 0: case 1: case 2:		/* one uid */
			m[i].has_uid = true;
			m[i].uid_min = a;
			m[i].uid_max = a;
			break;
		case 3:				/* a few uids */
			m[i].has_uid = true;
			m[i].uid_min = a;
			m[i].uid_max = a + model_rand(&state) % 8;
			break;
		case 4:				/* wide, overlapping */
			a = model_rand(&state) % 2100;
			b = model_rand(&state) % 2100;
			m[i].has_uid = true;
			m[i].uid_min = min(a, b);
			m[i].uid_max = max(a, b);
			m[i].priority += 15;
			break;
		case 5:				/* a cgroup */
			m[i].cgroup = true;
			m[i].priority += 15;
			break;
		case 6:				/* a cgroup and uids */
			m[i].cgroup = true;
			m[i].has_uid = true;
			m[i].uid_min = a;
			m[i].uid_max = a + 1 + model_rand(&state) % 40;
			break;
		default:			/* any socket or none */
			m[i].priority += 40;
			break;
		}
		/* The full range and the highest uid, once each. */
		if (i == 17) {
			m[i].priority = 35;
			m[i].has_uid = true;
			m[i].uid_min = 0;
			m[i].uid_max = (u32)-2;
		}
		if (i == 18) {
			m[i].has_uid = true;
			m[i].uid_min = (u32)-2;
			m[i].uid_max = (u32)-2;
		}
	}
	/* Added in one order, added back in the reverse one. */
	for (i = 0; i < MODEL_RULES && ok; i++) {
		ok &= EXPECT(!model_add(wn, s, &m[i]));
		m[i].live = ok;
		if (i == MODEL_RULES / 2)
			ok &= model_check(wn, sock, m);
	}
	ok &= model_check(wn, sock, m);
	for (i = 0; i < MODEL_RULES && ok; i++) {
		if (model_rand(&state) % 3)
			continue;
		ok &= EXPECT(!del(wn, m[i].id));
		m[i].live = false;
	}
	ok &= model_check(wn, sock, m);
	for (i = MODEL_RULES; i-- > 0 && ok;) {
		if (m[i].live)
			continue;
		ok &= EXPECT(!model_add(wn, s, &m[i]));
		m[i].live = ok;
	}
	ok &= model_check(wn, sock, m);
	flush(wn);
	ok &= EXPECT(!wn->rules.count && consistent(wn));
	sock_release(sock);
	kfree(m);
	return ok;
}

static bool __init test_limit(void)
{
	struct netlink_ext_ack extack = {};
	struct wfpredir_rule_spec r;
	struct wfpredir_net *wn;
	bool ok = true;
	u32 id, svc;
	int i;

	wn = fake_net(3);
	if (!EXPECT(wn))
		return false;
	ok &= EXPECT(!add_service(wn, 0, "s", "127.0.0.1", NULL, 1, &svc));
	for (i = 0; i < 3; i++) {
		spec(&r, 0, svc, 1);
		ok &= EXPECT(!add(wn, &r));
	}
	mutex_lock(&wn->config_lock);
	ok &= EXPECT(wfpredir_rule_create(wn, &r, &id, &extack) == -ENOSPC);
	mutex_unlock(&wn->config_lock);
	ok &= EXPECT(extack._msg &&
		     !strcmp(extack._msg, "rule table full (max_rules=3)"));
	/* Kernel-picked ids are not reused at once. */
	ok &= EXPECT(!del(wn, 3));
	spec(&r, 0, svc, 1);
	mutex_lock(&wn->config_lock);
	ok &= EXPECT(!wfpredir_rule_create(wn, &r, &id, NULL) && id == 4);
	mutex_unlock(&wn->config_lock);
	ok &= EXPECT(consistent(wn));
	fake_net_free(wn);
	return ok;
}

static u64 __init ms(u64 ns)
{
	return div_u64(ns, NSEC_PER_MSEC);
}

/*
 * BIG_RULES rules as tests/bench/rules adds them (one /32 and port each),
 * then as many spread over every IPv4 tuple. Timings are printed, not
 * judged.
 */
static bool __init test_big(void)
{
	struct wfpredir_rule_spec r;
	struct wfpredir_net *wn;
	u64 t0, t_add, t_miss, t_hit, t_flush;
	u32 svc, i, hits = 0;
	bool ok = true;
	int ret;

	wn = fake_net(BIG_RULES);
	if (!EXPECT(wn))
		return false;
	ok &= EXPECT(!add_service(wn, 0, "big", "127.0.0.1", NULL, 1, &svc));

	t0 = ktime_get_ns();
	for (i = 0; i < BIG_RULES; i++) {
		spec(&r, 1000000 + i, svc, 1000);
		r.family = AF_INET;
		r.protocol = IPPROTO_TCP;
		r.has_daddr = true;
		r.prefix = 32;
		r.daddr.ip = htonl(0xc6120000 + i);	/* 198.18.0.0/15 */
		spec_ports(&r, 9, 9);
		ret = add(wn, &r);
		if (ret) {
			pr_err("ruleset self-test: rule %u: %d\n", i, ret);
			ok = false;
			break;
		}
		if (!(i % 1024))
			cond_resched();
	}
	t_add = ktime_get_ns() - t0;
	ok &= EXPECT(wn->rules.count == BIG_RULES && consistent(wn));

	t0 = ktime_get_ns();
	for (i = 0; i < BIG_LOOKUPS; i++) {
		hits += !!classify4(wn, IPPROTO_TCP, 0x7f000001, 80);
		/* A loaded host must not see a soft lockup at insmod. */
		if (!(i % 1024))
			cond_resched();
	}
	t_miss = ktime_get_ns() - t0;
	ok &= EXPECT(!hits);

	t0 = ktime_get_ns();
	for (i = 0; i < BIG_LOOKUPS; i++) {
		hits += classify4(wn, IPPROTO_TCP, 0xc6120000 + i % BIG_RULES,
				  9) == 1000000 + i % BIG_RULES;
		if (!(i % 1024))
			cond_resched();
	}
	t_hit = ktime_get_ns() - t0;
	ok &= EXPECT(hits == BIG_LOOKUPS);

	t0 = ktime_get_ns();
	flush(wn);
	t_flush = ktime_get_ns() - t0;
	ok &= EXPECT(!wn->rules.count && consistent(wn));

	pr_info("ruleset self-test: %u /32 rules: add %llu ms, lookup miss %llu ns, hit %llu ns, flush %llu ms\n",
		BIG_RULES, ms(t_add), div_u64(t_miss, BIG_LOOKUPS),
		div_u64(t_hit, BIG_LOOKUPS), ms(t_flush));

	/*
	 * Prefixes /8 to /32, half with a single port, a quarter for either
	 * family: a lookup that matches nothing probes 25 x 2 + 1 buckets.
	 */
	t0 = ktime_get_ns();
	for (i = 0; i < BIG_RULES; i++) {
		spec(&r, 0, svc, i % 7);
		r.protocol = IPPROTO_TCP;
		if (i & 2)
			spec_ports(&r, i % 60000 + 1, i % 60000 + 1);
		if (i & 1 || !(i & 2)) {
			r.family = AF_INET;
			r.has_daddr = true;
			r.prefix = 8 + i % 25;
			r.daddr.ip = (__force __be32)(i * 2654435761U);
		}
		ret = add(wn, &r);
		if (ret) {
			pr_err("ruleset self-test: mixed rule %u: %d\n", i, ret);
			ok = false;
			break;
		}
		if (!(i % 1024))
			cond_resched();
	}
	t_add = ktime_get_ns() - t0;
	ok &= EXPECT(wn->rules.count == BIG_RULES && consistent(wn));
	hits = 0;
	t0 = ktime_get_ns();
	for (i = 0; i < BIG_LOOKUPS; i++) {
		hits += !!classify4(wn, IPPROTO_UDP, i * 40503U, i);
		if (!(i % 1024))
			cond_resched();
	}
	t_miss = ktime_get_ns() - t0;
	ok &= EXPECT(!hits);
	t0 = ktime_get_ns();
	fake_net_free(wn);
	t_flush = ktime_get_ns() - t0;
	pr_info("ruleset self-test: %u rules over 51 tuples: add %llu ms, lookup miss %llu ns, destroy %llu ms\n",
		BIG_RULES, ms(t_add), div_u64(t_miss, BIG_LOOKUPS),
		ms(t_flush));
	return ok;
}

/**
 * wfpredir_ruleset_selftest - test services and the classifier
 *
 * Context: module init, debug builds.
 * Return: true if every test passed.
 */
bool __init wfpredir_ruleset_selftest(void)
{
	struct wfpredir_net *wn;
	struct svcs s = {};
	bool ok = true;

	wn = fake_net(1000);
	if (!EXPECT(wn))
		return false;
	ok &= test_services(wn, &s);
	if (ok) {
		ok &= test_validation(wn, &s);
		ok &= test_priorities(wn, &s);
		ok &= test_exclusion(wn, &s);
		ok &= test_rank_bound(wn, &s);
		ok &= test_prefixes(wn, &s, AF_INET, "192.168.77.1",
				    "192.168.77.0");
		ok &= test_prefixes(wn, &s, AF_INET6, "2001:db8:1:2:3:4:5:7",
				    "2001:db8:1:2:3:4:5:6");
		ok &= test_v6(wn, &s);
		ok &= test_socket(wn, &s);
		ok &= test_uid_index(wn, &s);
		mutex_lock(&wn->config_lock);
		ok &= EXPECT(!wfpredir_services_flush(wn, NULL, NULL));
		ok &= EXPECT(!wn->services.count);
		mutex_unlock(&wn->config_lock);
	}
	fake_net_free(wn);
	if (ok)
		ok &= test_limit();
	if (ok)
		ok &= test_big();
	if (ok)
		pr_info("ruleset self-test: pass\n");
	return ok;
}
