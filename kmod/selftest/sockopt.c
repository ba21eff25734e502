// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of WFPREDIR_SO_SET_RECORDS (and _CLEAR_RECORDS) with records
 * that verify, which user space cannot make, run at load time in debug builds
 * on kernel sockets of init_net. The namespace state is the test's own:
 * nothing is registered yet. Then the redirect context the queries read:
 * the default one is built from the flow's conntrack entry, and must be the
 * bytes the hook used to store.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "flowstore.h"
#include "netns.h"
#include "records.h"
#include "sockopt.h"
#include "sockstore.h"

#include <linux/err.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/init.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/string.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/sock.h>

static bool __init expect(bool cond, const char *what, const char *func,
			  int line)
{
	if (!cond)
		pr_err("sockopt self-test: %s:%d: %s\n", func, line, what);
	return cond;
}

#define EXPECT(cond) expect(cond, #cond, __func__, __LINE__)

static int __init set(struct wfpredir_net *wn, struct socket *sock,
		      struct wfpredir_records *records, unsigned int len)
{
	return wfpredir_sockopt_set_records(wn, sock->sk,
					    KERNEL_SOCKPTR(records->data), len);
}

static bool __init holds(struct wfpredir_net *wn, struct socket *sock,
			 const struct wfpredir_records *records)
{
	const struct wfpredir_records *held;
	bool ret;

	rcu_read_lock();
	held = wfpredir_sockstore_lookup(&wn->socks, sock->sk);
	ret = held && held->len == records->len &&
	      !memcmp(held->data, records->data, records->len);
	rcu_read_unlock();
	return ret;
}

static struct wfpredir_net *__init new_net(void)
{
	struct wfpredir_net *wn = kzalloc(sizeof(*wn), GFP_KERNEL);

	if (!wn)
		return NULL;
	get_random_bytes(wn->records_key, sizeof(wn->records_key));
	atomic64_set(&wn->flow_seq, get_random_u64());
	/* Room for one socket. */
	if (wfpredir_sockstore_init(&wn->socks, 1)) {
		kfree(wn);
		return NULL;
	}
	return wn;
}

static void __init free_net(struct wfpredir_net *wn)
{
	if (!wn)
		return;
	wfpredir_sockstore_destroy(&wn->socks);
	kfree_sensitive(wn);
}

static bool __init run(struct wfpredir_net *wn, struct wfpredir_net *other,
		       struct socket **sock)
{
	struct wfpredir_record_entry entry = {
		.family = AF_INET,
		.protocol = IPPROTO_TCP,
	};
	struct wfpredir_records *mine[2], *foreign;
	struct sockaddr_in any = { .sin_family = AF_INET };
	bool ok = false;

	mine[0] = wfpredir_records_append(wn, NULL, 0, &entry, GFP_KERNEL);
	mine[1] = wfpredir_records_append(wn, NULL, 0, &entry, GFP_KERNEL);
	foreign = wfpredir_records_append(other, NULL, 0, &entry, GFP_KERNEL);
	if (!EXPECT(!IS_ERR(mine[0]) && !IS_ERR(mine[1]) && !IS_ERR(foreign)))
		goto out;

	/* Set, then replace; the store keeps its own copy. */
	if (!EXPECT(!set(wn, sock[0], mine[0], mine[0]->len)) ||
	    !EXPECT(holds(wn, sock[0], mine[0])) ||
	    !EXPECT(!set(wn, sock[0], mine[1], mine[1]->len)) ||
	    !EXPECT(holds(wn, sock[0], mine[1])) ||
	    !EXPECT(wfpredir_sockstore_count(&wn->socks) == 1))
		goto out;

	/* Checks before the store: length, authenticity; then the limit. */
	if (!EXPECT(set(wn, sock[0], mine[0], mine[0]->len - 1) == -EINVAL) ||
	    !EXPECT(set(wn, sock[1], foreign, foreign->len) == -EBADMSG) ||
	    !EXPECT(set(wn, sock[1], mine[0], mine[0]->len) == -ENOSPC) ||
	    !EXPECT(holds(wn, sock[0], mine[1])))
		goto out;

	/* A listening socket is too late for records. */
	if (!EXPECT(!kernel_bind(sock[2], (struct sockaddr *)&any,
				 sizeof(any))) ||
	    !EXPECT(!kernel_listen(sock[2], 1)) ||
	    !EXPECT(set(wn, sock[2], mine[0], mine[0]->len) == -EISCONN))
		goto out;

	/* Clearing drops the records; clearing none is no error. */
	if (!EXPECT(wfpredir_sockopt_clear_records(wn, sock[0]->sk, 1) ==
		    -EINVAL) ||
	    !EXPECT(holds(wn, sock[0], mine[1])) ||
	    !EXPECT(!wfpredir_sockopt_clear_records(wn, sock[0]->sk, 0)) ||
	    !EXPECT(!holds(wn, sock[0], mine[1])) ||
	    !EXPECT(wfpredir_sockstore_count(&wn->socks) == 0) ||
	    !EXPECT(!wfpredir_sockopt_clear_records(wn, sock[0]->sk, 0)))
		goto out;

	ok = true;
out:
	if (!IS_ERR(mine[0]))
		kfree(mine[0]);
	if (!IS_ERR(mine[1]))
		kfree(mine[1]);
	if (!IS_ERR(foreign))
		kfree(foreign);
	return ok;
}

/* Room for any context the tests below read, and bytes past it. */
#define CTX_BUF_LEN	(WFPREDIR_CONTEXT_DEFAULT_LEN + 64)
#define CTX_POISON	0xa5

/*
 * A redirected connection from @src:40001 to @dst:8080, @family, as
 * conntrack holds it once NAT sent it to a service: the reply tuple comes
 * from the service's address, so that reading it instead of the original
 * tuple shows.
 */
static void __init fake_ct(struct nf_conn *ct, u8 family,
			   const union nf_inet_addr *src,
			   const union nf_inet_addr *dst,
			   const union nf_inet_addr *service)
{
	struct nf_conntrack_tuple *o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;

	memset(ct, 0, sizeof(*ct));
	o->src.l3num = family;
	o->src.u3 = *src;
	o->src.u.all = htons(40001);
	o->dst.u3 = *dst;
	o->dst.u.all = htons(8080);
	o->dst.protonum = IPPROTO_TCP;
	r->src.l3num = family;
	r->src.u3 = *service;
	r->src.u.all = htons(15007);
	r->dst.u3 = *src;
	r->dst.u.all = htons(40001);
	r->dst.protonum = IPPROTO_TCP;
}

/*
 * The default context as the hook stored it in every flow before it was
 * built at read time, laid out here from the test's own constants: the
 * original destination, the original source, each a sockaddr zero-padded
 * to 128 bytes, then the process.
 */
static void __init old_context(u8 *out, u8 family,
			       const union nf_inet_addr *src,
			       const union nf_inet_addr *dst,
			       const struct wfpredir_context_process *proc)
{
	const union nf_inet_addr *addr[2] = { dst, src };
	const __be16 port[2] = { htons(8080), htons(40001) };
	unsigned int i;

	memset(out, 0, WFPREDIR_CONTEXT_DEFAULT_LEN);
	for (i = 0; i < 2; i++) {
		u8 *p = out + i * WFPREDIR_CONTEXT_SOCKADDR_LEN;

		if (family == AF_INET) {
			struct sockaddr_in sin = {
				.sin_family = AF_INET,
				.sin_port = port[i],
				.sin_addr.s_addr = addr[i]->ip,
			};

			memcpy(p, &sin, sizeof(sin));
		} else {
			struct sockaddr_in6 sin6 = {
				.sin6_family = AF_INET6,
				.sin6_port = port[i],
				.sin6_addr = addr[i]->in6,
			};

			memcpy(p, &sin6, sizeof(sin6));
		}
	}
	memcpy(out + 2 * WFPREDIR_CONTEXT_SOCKADDR_LEN, proc, sizeof(*proc));
}

/* @len bytes of @buf are @want, and the rest of it was not written. */
static bool __init ctx_is(const u8 *buf, const u8 *want, size_t len)
{
	size_t i;

	if (memcmp(buf, want, len))
		return false;
	for (i = len; i < CTX_BUF_LEN; i++)
		if (buf[i] != CTX_POISON)
			return false;
	return true;
}

static bool __init run_context(struct wfpredir_flow *flow, struct nf_conn *ct,
			       u8 *buf, u8 *want)
{
	static const u8 custom[] = { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x11 };
	const struct wfpredir_context_process proc = {
		.uid = 1234,
		.pid = 4321,
		.cgroup_id = 0x0102030405060708ULL,
		.comm = "selftest-comm",
	};
	union nf_inet_addr src4 = { .ip = htonl(0xc0000201) },	/* 192.0.2.1 */
			   dst4 = { .ip = htonl(0xc6336402) },	/* 198.51.100.2 */
			   svc4 = { .ip = htonl(INADDR_LOOPBACK) };
	union nf_inet_addr src6 = { .in6 = { .s6_addr = {
					0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
			   dst6 = { .in6 = { .s6_addr = {
					0x20, 0x01, 0x0d, 0xb8, 0, 2,
					[14] = 0xab, [15] = 2 } } },
			   svc6 = { .in6 = IN6ADDR_LOOPBACK_INIT };
	bool ok = true;

	/* The default context, IPv4 then IPv6, into a dirty buffer. */
	flow->ct = ct;
	flow->context_len = WFPREDIR_CONTEXT_DEFAULT_LEN;
	flow->origin = proc;

	fake_ct(ct, AF_INET, &src4, &dst4, &svc4);
	old_context(want, AF_INET, &src4, &dst4, &proc);
	memset(buf, CTX_POISON, CTX_BUF_LEN);
	wfpredir_flow_context_copy(flow, buf);
	ok &= EXPECT(ctx_is(buf, want, WFPREDIR_CONTEXT_DEFAULT_LEN));

	fake_ct(ct, AF_INET6, &src6, &dst6, &svc6);
	old_context(want, AF_INET6, &src6, &dst6, &proc);
	memset(buf, CTX_POISON, CTX_BUF_LEN);
	wfpredir_flow_context_copy(flow, buf);
	ok &= EXPECT(ctx_is(buf, want, WFPREDIR_CONTEXT_DEFAULT_LEN));

	/* Source and destination are not interchangeable. */
	old_context(want, AF_INET6, &dst6, &src6, &proc);
	ok &= EXPECT(!ctx_is(buf, want, WFPREDIR_CONTEXT_DEFAULT_LEN));

	/* A flow without a process (a first packet sent from softirq). */
	memset(&flow->origin, 0, sizeof(flow->origin));
	flow->origin.uid = proc.uid;
	flow->origin.cgroup_id = proc.cgroup_id;
	old_context(want, AF_INET6, &src6, &dst6, &flow->origin);
	memset(buf, CTX_POISON, CTX_BUF_LEN);
	wfpredir_flow_context_copy(flow, buf);
	ok &= EXPECT(ctx_is(buf, want, WFPREDIR_CONTEXT_DEFAULT_LEN));

	/* A rule's custom bytes, as given, and nothing of the tuple. */
	flow->custom_context = true;
	flow->context_len = sizeof(custom);
	memcpy(flow->context, custom, sizeof(custom));
	memset(buf, CTX_POISON, CTX_BUF_LEN);
	wfpredir_flow_context_copy(flow, buf);
	ok &= EXPECT(ctx_is(buf, custom, sizeof(custom)));
	return ok;
}

/* The destination of fake_ct()'s connection to @dst, as the hook sees it. */
static void __init dest_key(struct wfpredir_flow_key *key, u8 family,
			    const union nf_inet_addr *dst)
{
	memset(key, 0, sizeof(*key));
	key->family = family;
	key->protocol = IPPROTO_TCP;
	key->daddr = *dst;
	key->dport = htons(8080);
}

/* The flows of @key's list that go to @key: exactly @flow. */
static bool __init dest_finds(struct wfpredir_flowstore *store,
			      const struct wfpredir_flow_key *key,
			      const struct wfpredir_flow *flow)
{
	struct wfpredir_flow *pos;
	struct rhlist_head *list;
	unsigned int n = 0;
	bool found = false;

	rcu_read_lock();
	wfpredir_flowstore_for_dest(store, key, pos, list) {
		if (!wfpredir_flow_goes_to(pos, key))
			continue;
		n++;
		found |= pos == flow;
	}
	rcu_read_unlock();
	return found && n == 1;
}

/* A flow of service 1 for @ct, stored; NULL (and said) if it could not be. */
static struct wfpredir_flow *__init
store_redirected(struct wfpredir_flowstore *store, struct nf_conn *ct)
{
	struct wfpredir_flow *flow;

	/* The test's reference, as the packet's in the hook. */
	refcount_set(&ct->ct_general.use, 1);
	flow = wfpredir_flow_alloc(store, GLOBAL_ROOT_UID,
				   WFPREDIR_FLOW_SIZE_BARE, GFP_KERNEL);
	if (!EXPECT(!IS_ERR(flow)))
		return NULL;
	flow->service_id = 1;
	if (!EXPECT(!wfpredir_flowstore_insert(store, flow, ct))) {
		wfpredir_flow_abandon(store, flow);
		return NULL;
	}
	return flow;
}

/*
 * The by-destination index, keyed by a hash of the destination: a flow is
 * found by its original destination (never by its source, nor its
 * redirected one), and wfpredir_flow_goes_to() tells the destinations
 * apart, for IPv4 and IPv6.
 */
static bool __init run_dest(struct wfpredir_flowstore *store,
			    struct nf_conn *ct[2])
{
	union nf_inet_addr a4 = { .ip = htonl(0xc0000201) },
			   b4 = { .ip = htonl(0xc6336402) },
			   s4 = { .ip = htonl(INADDR_LOOPBACK) };
	union nf_inet_addr a6 = { .in6 = { .s6_addr = {
					0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
			   b6 = { .in6 = { .s6_addr = {
					0x20, 0x01, 0x0d, 0xb8, [15] = 2 } } },
			   s6 = { .in6 = IN6ADDR_LOOPBACK_INIT };
	struct wfpredir_flow *flow[2];
	struct wfpredir_flow_key key;
	bool ok = true;
	int i;

	/* a4 -> b4 and a6 -> b6, both redirected to the loopback. */
	fake_ct(ct[0], AF_INET, &a4, &b4, &s4);
	fake_ct(ct[1], AF_INET6, &a6, &b6, &s6);
	for (i = 0; i < 2; i++) {
		flow[i] = store_redirected(store, ct[i]);
		if (!flow[i])
			return false;
		ok &= EXPECT(flow[i]->in_by_dest);
	}

	dest_key(&key, AF_INET, &b4);
	ok &= EXPECT(dest_finds(store, &key, flow[0]));
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[1], &key));
	dest_key(&key, AF_INET6, &b6);
	ok &= EXPECT(dest_finds(store, &key, flow[1]));
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[0], &key));

	/* Not by the source, another port or protocol, or the service. */
	dest_key(&key, AF_INET, &a4);
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[0], &key));
	dest_key(&key, AF_INET, &s4);
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[0], &key));
	dest_key(&key, AF_INET6, &a6);
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[1], &key));
	dest_key(&key, AF_INET6, &b6);
	key.dport = htons(8081);
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[1], &key));
	dest_key(&key, AF_INET6, &b6);
	key.protocol = IPPROTO_UDP;
	ok &= EXPECT(!wfpredir_flow_goes_to(flow[1], &key));
	return ok;
}

#define DEST_BOUND_FLOWS (WFPREDIR_DEST_LIST_MAX * 2 + 8)

/*
 * The index keeps the newest WFPREDIR_DEST_LIST_MAX flows of a
 * destination: of more flows to one destination, those are found, newest
 * first; the older ones left the index, not the store, which takes them
 * all out again.
 */
static bool __init run_dest_bound(struct wfpredir_flowstore *store,
				  struct nf_conn *ct)
{
	union nf_inet_addr a4 = { .ip = htonl(0xc0000201) },
			   b4 = { .ip = htonl(0xc6336402) },
			   s4 = { .ip = htonl(INADDR_LOOPBACK) };
	struct wfpredir_flow *flow[DEST_BOUND_FLOWS], *pos;
	struct wfpredir_flow_key key;
	struct rhlist_head *list;
	unsigned int i, n = 0;
	bool ok = true;

	for (i = 0; i < DEST_BOUND_FLOWS; i++) {
		fake_ct(&ct[i], AF_INET, &a4, &b4, &s4);
		flow[i] = store_redirected(store, &ct[i]);
		if (!flow[i])
			return false;
	}
	dest_key(&key, AF_INET, &b4);
	rcu_read_lock();
	wfpredir_flowstore_for_dest(store, &key, pos, list) {
		/* the newest first: flow[DEST_BOUND_FLOWS - 1], then down */
		ok &= EXPECT(n < WFPREDIR_DEST_LIST_MAX &&
			     pos == flow[DEST_BOUND_FLOWS - 1 - n]);
		n++;
	}
	rcu_read_unlock();
	ok &= EXPECT(n == WFPREDIR_DEST_LIST_MAX);
	for (i = 0; i < DEST_BOUND_FLOWS; i++)
		ok &= EXPECT(flow[i]->in_by_dest ==
			     (i >= DEST_BOUND_FLOWS - WFPREDIR_DEST_LIST_MAX));
	ok &= EXPECT(atomic_read(&store->count) == DEST_BOUND_FLOWS);
	return ok;
}

static bool __init dest_bound_selftest(void)
{
	struct wfpredir_flowstore *store;
	struct nf_conn *ct;
	bool ok = false;
	int i;

	store = kzalloc(sizeof(*store), GFP_KERNEL);
	ct = kcalloc(DEST_BOUND_FLOWS, sizeof(*ct), GFP_KERNEL);
	if (!store || !ct ||
	    wfpredir_flowstore_init(store, DEST_BOUND_FLOWS)) {
		pr_err("sockopt self-test: out of memory\n");
		kfree(store);
		kfree(ct);
		return false;
	}
	/* one uid's flows, every one of them kept */
	wfpredir_flowstore_set_share(store, 100);
	ok = run_dest_bound(store, ct);
	/* Frees the flows, indexed or not, which drop their references. */
	wfpredir_flowstore_destroy(store);
	for (i = 0; i < DEST_BOUND_FLOWS; i++)
		ok &= EXPECT(refcount_read(&ct[i].ct_general.use) <= 1);
	kfree(ct);
	kfree(store);
	return ok;
}

static bool __init dest_selftest(void)
{
	struct wfpredir_flowstore *store;
	struct nf_conn *ct[2];
	bool ok = false;
	int i;

	store = kzalloc(sizeof(*store), GFP_KERNEL);
	ct[0] = kzalloc(sizeof(*ct[0]), GFP_KERNEL);
	ct[1] = kzalloc(sizeof(*ct[1]), GFP_KERNEL);
	if (!store || !ct[0] || !ct[1] || wfpredir_flowstore_init(store, 4)) {
		pr_err("sockopt self-test: out of memory\n");
		kfree(store);
		store = NULL;
	} else {
		ok = run_dest(store, ct);
		/* Frees the flows, which drop their references. */
		wfpredir_flowstore_destroy(store);
	}
	for (i = 0; i < 2; i++) {
		/* The store dropped its references: the test's is left. */
		if (store && ct[i])
			ok &= EXPECT(refcount_read(&ct[i]->ct_general.use) <= 1);
		kfree(ct[i]);
	}
	kfree(store);
	return ok;
}

/*
 * A first redirect's chain, kept as parts in its flow, written out for
 * @family: the blob wfpredir_records_append() issues for the entry the hook
 * fills, laid out here from the test's constants (but for the flow id and
 * the timestamp, which the flow drew). Byte for byte, tag included.
 */
static bool __init own_case(struct wfpredir_net *wn, struct wfpredir_flow *flow,
			    struct nf_conn *ct, u8 *buf, u8 family,
			    const union nf_inet_addr *src,
			    const union nf_inet_addr *dst,
			    const union nf_inet_addr *service)
{
	const struct wfpredir_context_process proc = {
		.uid = 1234,
		.pid = 4321,
		.cgroup_id = 0x0102030405060708ULL,
		.comm = "selftest-comm",
	};
	size_t alen = family == AF_INET ? 4 : 16;
	struct wfpredir_record_entry entry;
	struct wfpredir_records *blob, *dup;
	bool ok = true;

	fake_ct(ct, family, src, dst, service);
	memset(flow, 0, WFPREDIR_FLOW_SIZE_OWN);
	flow->ct = ct;
	flow->service_id = 7;
	flow->rule_id = 42;
	flow->context_len = WFPREDIR_CONTEXT_DEFAULT_LEN;
	flow->origin = proc;
	wfpredir_flow_set_own(wn, flow, ct, WFPREDIR_RECORD_F_PID_BEST_EFFORT);

	memset(&entry, 0, sizeof(entry));
	entry.service_id = cpu_to_be32(7);
	entry.rule_id = cpu_to_be32(42);
	entry.family = family;
	entry.protocol = IPPROTO_TCP;
	entry.flags = WFPREDIR_RECORD_F_PID_BEST_EFFORT;
	entry.orig_sport = htons(40001);
	entry.orig_dport = htons(8080);
	memcpy(entry.orig_saddr, src, alen);
	memcpy(entry.orig_daddr, dst, alen);
	entry.timestamp_ns = cpu_to_be64(flow->own.timestamp_ns);
	entry.uid = cpu_to_be32(proc.uid);
	entry.pid = cpu_to_be32(proc.pid);
	entry.cgroup_id = cpu_to_be64(proc.cgroup_id);
	/* The flow id the flow drew is the one append() draws next. */
	atomic64_set(&wn->flow_seq, flow->own.flow_id - 1);
	blob = wfpredir_records_append(wn, NULL, 0, &entry, GFP_KERNEL);
	if (!EXPECT(!IS_ERR(blob)))
		return false;

	ok &= EXPECT(wfpredir_flow_records_len(flow) == blob->len);
	memset(buf, CTX_POISON, CTX_BUF_LEN);
	wfpredir_flow_records_copy(flow, buf);
	ok &= EXPECT(ctx_is(buf, blob->data, blob->len));
	ok &= EXPECT(!wfpredir_records_verify(wn, buf, blob->len));
	ok &= EXPECT(wfpredir_flow_chain_count(flow) == 1);
	ok &= EXPECT(wfpredir_flow_chain_id(flow) == flow->own.flow_id);
	dup = wfpredir_flow_records_dup(flow, GFP_KERNEL);
	ok &= EXPECT(dup && dup->len == blob->len &&
		     !memcmp(dup->data, blob->data, blob->len));
	kfree(dup);
	kfree(blob);

	/* Built from the tuple, sealed: another source port does not verify. */
	ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple.src.u.all = htons(40002);
	wfpredir_flow_records_copy(flow, buf);
	ok &= EXPECT(wfpredir_records_verify(wn, buf,
					     WFPREDIR_RECORDS_LEN(1)) ==
		     -EBADMSG);
	return ok;
}

static bool __init own_selftest(void)
{
	union nf_inet_addr src4 = { .ip = htonl(0xc0000201) },
			   dst4 = { .ip = htonl(0xc6336402) },
			   svc4 = { .ip = htonl(INADDR_LOOPBACK) };
	union nf_inet_addr src6 = { .in6 = { .s6_addr = {
					0x20, 0x01, 0x0d, 0xb8, [15] = 1 } } },
			   dst6 = { .in6 = { .s6_addr = {
					0x20, 0x01, 0x0d, 0xb8, 0, 2,
					[14] = 0xab, [15] = 2 } } },
			   svc6 = { .in6 = IN6ADDR_LOOPBACK_INIT };
	struct wfpredir_net *wn = new_net();
	struct wfpredir_flow *flow;
	struct nf_conn *ct;
	bool ok = false;
	u8 *buf;

	flow = kzalloc(WFPREDIR_FLOW_SIZE_OWN, GFP_KERNEL);
	ct = kzalloc(sizeof(*ct), GFP_KERNEL);
	buf = kmalloc(CTX_BUF_LEN, GFP_KERNEL);
	if (wn && flow && ct && buf) {
		ok = own_case(wn, flow, ct, buf, AF_INET, &src4, &dst4, &svc4);
		ok &= own_case(wn, flow, ct, buf, AF_INET6, &src6, &dst6,
			       &svc6);
	} else {
		pr_err("sockopt self-test: out of memory\n");
	}
	kfree(buf);
	kfree(ct);
	kfree(flow);
	free_net(wn);
	return ok;
}

/*
 * The default context a query reads equals the one the hook used to store,
 * for IPv4 and IPv6; a custom context is the rule's bytes.
 */
static bool __init context_selftest(void)
{
	struct wfpredir_flow *flow;
	struct nf_conn *ct;
	u8 *buf, *want;
	bool ok = false;

	/* Room for the custom context of run_context(). */
	flow = kzalloc(sizeof(*flow) + 64, GFP_KERNEL);
	ct = kzalloc(sizeof(*ct), GFP_KERNEL);
	buf = kmalloc(CTX_BUF_LEN, GFP_KERNEL);
	want = kmalloc(CTX_BUF_LEN, GFP_KERNEL);
	if (flow && ct && buf && want)
		ok = run_context(flow, ct, buf, want);
	else
		pr_err("sockopt self-test: out of memory\n");
	kfree(want);
	kfree(buf);
	kfree(ct);
	kfree(flow);
	return ok;
}

/**
 * wfpredir_sockopt_selftest - self-test WFPREDIR_SO_SET_RECORDS and _CLEAR_RECORDS
 *
 * And the redirect context the get options read.
 *
 * Context: module init, debug builds; the caller needs CAP_NET_ADMIN.
 * Return: true if every test passed.
 */
bool __init wfpredir_sockopt_selftest(void)
{
	struct wfpredir_net *wn = new_net(), *other = new_net();
	struct socket *sock[3] = { };
	bool ok = false;
	unsigned int i;

	if (!wn || !other) {
		pr_err("sockopt self-test: out of memory\n");
		goto out;
	}
	for (i = 0; i < ARRAY_SIZE(sock); i++) {
		if (sock_create_kern(&init_net, PF_INET, SOCK_STREAM,
				     IPPROTO_TCP, &sock[i])) {
			pr_err("sockopt self-test: cannot create socket %u\n",
			       i);
			goto out;
		}
	}

	ok = run(wn, other, sock);

out:
	free_net(wn);
	free_net(other);
	for (i = 0; i < ARRAY_SIZE(sock); i++)
		if (sock[i])
			sock_release(sock[i]);
	/* Let the RCU callbacks, which are module code, finish. */
	rcu_barrier();
	return context_selftest() && own_selftest() && dest_selftest() &&
	       dest_bound_selftest() && ok;
}
