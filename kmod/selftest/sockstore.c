// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the socket store, run at load time in debug builds, on
 * kernel sockets of init_net and conntrack entries that are never hashed.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "records.h"
#include "sockstore.h"

#include <linux/err.h>
#include <linux/in.h>
#include <linux/init.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/slab.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_zones.h>
#include <net/sock.h>

#define NSOCKS 3
#define NFLOWS 3

struct sock_kind {
	int family, type, protocol;
};

/* The store's limit is 2, one less than there are sockets. */
static const struct sock_kind sock_kinds[NSOCKS] __initconst = {
	{ PF_INET, SOCK_STREAM, IPPROTO_TCP },
	{ PF_INET, SOCK_STREAM, IPPROTO_TCP },
	{ PF_INET, SOCK_DGRAM, IPPROTO_UDP },
};

static bool __init expect(bool cond, const char *what, const char *func,
			  int line)
{
	if (!cond)
		pr_err("sockstore self-test: %s:%d: %s\n", func, line, what);
	return cond;
}

#define EXPECT(cond) expect(cond, #cond, __func__, __LINE__)

/* Give @sk a fresh blob; *@out is the blob if the store took it. */
static int __init set(struct wfpredir_sockstore *store, struct sock *sk,
		      struct wfpredir_records **out)
{
	struct wfpredir_records *records;
	int ret;

	records = wfpredir_records_alloc(WFPREDIR_RECORDS_MIN_LEN,
					 GFP_KERNEL_ACCOUNT);
	if (!records)
		return -ENOMEM;
	ret = wfpredir_sockstore_set(store, sk, records);
	if (ret) {
		kfree(records);
		records = NULL;
	}
	*out = records;
	return ret;
}

static bool __init holds(struct wfpredir_sockstore *store,
			 const struct sock *sk,
			 const struct wfpredir_records *records)
{
	bool ret;

	rcu_read_lock();
	ret = wfpredir_sockstore_lookup(store, sk) == records;
	rcu_read_unlock();
	return ret;
}

/*
 * A conntrack entry of a new flow, not in the hash table, with one reference:
 * the packet's. Its tuple (TEST-NET-1, port @port) is nobody else's.
 */
static struct nf_conn *__init new_flow(u16 port)
{
	struct nf_conntrack_tuple t = {
		.src.l3num = AF_INET,
		.src.u3.ip = htonl(0xc0000201),
		.src.u.all = htons(port),
		.dst.u3.ip = htonl(0xc0000202),
		.dst.u.all = htons(9),
		.dst.protonum = IPPROTO_UDP,
		.dst.dir = IP_CT_DIR_ORIGINAL,
	};
	struct nf_conntrack_tuple r = t;
	struct nf_conn *ct;

	swap(r.src.u3, r.dst.u3);
	swap(r.src.u.all, r.dst.u.all);
	r.dst.dir = IP_CT_DIR_REPLY;
	ct = nf_conntrack_alloc(&init_net, &nf_ct_zone_dflt, &t, &r,
				GFP_KERNEL);
	if (IS_ERR(ct))
		return NULL;
	refcount_set(&ct->ct_general.use, 1);
	return ct;
}

/* Give @sk's records to a new flow, as the engine does. */
static const struct wfpredir_records *__init use(struct wfpredir_sockstore *store,
						 const struct sock *sk,
						 struct nf_conn *ct)
{
	const struct wfpredir_records *records;

	rcu_read_lock();
	records = wfpredir_sockstore_use(store, sk, ct);
	rcu_read_unlock();
	return records;
}

static bool __init refs_are(const struct sock *sk, unsigned int refs)
{
	/* Entries drop their reference from an RCU callback. */
	rcu_barrier();
	return refcount_read(&sk->sk_refcnt) == refs;
}

static bool __init run(struct wfpredir_sockstore *store, struct socket **sock,
		       const unsigned int *refs, struct nf_conn **ct)
{
	struct wfpredir_records *a, *b, *c, *taken;
	struct sock *sk[NSOCKS];
	unsigned int i;

	for (i = 0; i < NSOCKS; i++)
		sk[i] = sock[i]->sk;

	/* Insert: the store owns the blob and holds a reference. */
	if (!EXPECT(!set(store, sk[0], &a)) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 1) ||
	    !EXPECT(holds(store, sk[0], a)) ||
	    !EXPECT(holds(store, sk[1], NULL)) ||
	    !EXPECT(refs_are(sk[0], refs[0] + 1)))
		return false;

	/* Replace: the same entry and reference, a new blob. */
	if (!EXPECT(!set(store, sk[0], &b)) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 1) ||
	    !EXPECT(holds(store, sk[0], b)) ||
	    !EXPECT(refs_are(sk[0], refs[0] + 1)))
		return false;

	/* Limit: a third socket finds the store full; a replace does not. */
	if (!EXPECT(!set(store, sk[1], &c)) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 2) ||
	    !EXPECT(set(store, sk[2], &a) == -ENOSPC) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 2) ||
	    !EXPECT(holds(store, sk[2], NULL)) ||
	    !EXPECT(refs_are(sk[2], refs[2])) ||
	    !EXPECT(!set(store, sk[1], &c)) ||
	    !EXPECT(holds(store, sk[1], c)))
		return false;

	/* Take: the caller gets the blob, the entry and reference go. */
	taken = wfpredir_sockstore_take(store, sk[0]);
	wfpredir_records_free(taken);
	if (!EXPECT(taken == b) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 1) ||
	    !EXPECT(holds(store, sk[0], NULL)) ||
	    !EXPECT(!wfpredir_sockstore_take(store, sk[0])) ||
	    !EXPECT(refs_are(sk[0], refs[0])))
		return false;

	/*
	 * Use: a flow that never left (dropped) leaves the records on the
	 * socket for the next; once one has left, the records are spent.
	 */
	if (!EXPECT(!set(store, sk[0], &b)) ||
	    !EXPECT(use(store, sk[0], ct[0]) == b) ||
	    !EXPECT(refcount_read(&ct[0]->ct_general.use) == 2) ||
	    !EXPECT(use(store, sk[0], ct[0]) == b) ||
	    !EXPECT(refcount_read(&ct[0]->ct_general.use) == 2) ||
	    !EXPECT(use(store, sk[0], ct[1]) == b) ||
	    !EXPECT(refcount_read(&ct[0]->ct_general.use) == 1) ||
	    !EXPECT(refcount_read(&ct[1]->ct_general.use) == 2) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 2))
		return false;
	wfpredir_sockstore_collect(store);
	if (!EXPECT(wfpredir_sockstore_count(store) == 2) ||
	    !EXPECT(holds(store, sk[0], b)))
		return false;
	set_bit(IPS_CONFIRMED_BIT, &ct[1]->status);
	if (!EXPECT(!use(store, sk[0], ct[2])) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 1) ||
	    !EXPECT(holds(store, sk[0], NULL)) ||
	    !EXPECT(refs_are(sk[0], refs[0])) ||
	    !EXPECT(refcount_read(&ct[1]->ct_general.use) == 1) ||
	    !EXPECT(refcount_read(&ct[2]->ct_general.use) == 1))
		return false;

	/* New records start over, whatever the last flow did. */
	if (!EXPECT(!set(store, sk[0], &a)) ||
	    !EXPECT(use(store, sk[0], ct[1]) == a) ||
	    !EXPECT(!set(store, sk[0], &b)) ||
	    !EXPECT(refs_are(sk[0], refs[0] + 1)) ||
	    !EXPECT(refcount_read(&ct[1]->ct_general.use) == 1) ||
	    !EXPECT(use(store, sk[0], ct[2]) == b))
		return false;

	/* The collector releases an entry whose flow left. */
	set_bit(IPS_CONFIRMED_BIT, &ct[2]->status);
	wfpredir_sockstore_collect(store);
	if (!EXPECT(wfpredir_sockstore_count(store) == 1) ||
	    !EXPECT(holds(store, sk[0], NULL)) ||
	    !EXPECT(refs_are(sk[0], refs[0])) ||
	    !EXPECT(refcount_read(&ct[2]->ct_general.use) == 1))
		return false;

	/* The take made room. */
	if (!EXPECT(!set(store, sk[2], &a)) ||
	    !EXPECT(wfpredir_sockstore_count(store) == 2) ||
	    !EXPECT(holds(store, sk[2], a)))
		return false;

	/* Collect: live sockets stay, a closed one goes. */
	wfpredir_sockstore_collect(store);
	if (!EXPECT(wfpredir_sockstore_count(store) == 2))
		return false;
	sock_release(sock[1]);
	sock[1] = NULL;
	wfpredir_sockstore_collect(store);
	if (!EXPECT(wfpredir_sockstore_count(store) == 1) ||
	    !EXPECT(holds(store, sk[1], NULL)) ||
	    !EXPECT(holds(store, sk[2], a)))
		return false;
	return true;
}

/**
 * wfpredir_sockstore_selftest - self-test the socket store
 *
 * Context: module init, debug builds.
 * Return: true if every test passed.
 */
bool __init wfpredir_sockstore_selftest(void)
{
	struct socket *sock[NSOCKS] = { };
	struct nf_conn *ct[NFLOWS] = { };
	struct wfpredir_sockstore *store;
	unsigned int refs[NSOCKS], i;
	bool ok = false;

	store = kzalloc(sizeof(*store), GFP_KERNEL);
	if (!store || wfpredir_sockstore_init(store, 2)) {
		pr_err("sockstore self-test: out of memory\n");
		kfree(store);
		return false;
	}

	for (i = 0; i < NSOCKS; i++) {
		if (sock_create_kern(&init_net, sock_kinds[i].family,
				     sock_kinds[i].type,
				     sock_kinds[i].protocol, &sock[i])) {
			pr_err("sockstore self-test: cannot create socket %u\n",
			       i);
			goto destroy;
		}
		refs[i] = refcount_read(&sock[i]->sk->sk_refcnt);
	}

	for (i = 0; i < NFLOWS; i++) {
		ct[i] = new_flow(40000 + i);
		if (!ct[i]) {
			pr_err("sockstore self-test: cannot allocate conntrack entry %u\n",
			       i);
			goto destroy;
		}
	}

	ok = run(store, sock, refs, ct);

destroy:
	/* Destroy drops the references left: sk[2]'s, if run() got that far. */
	wfpredir_sockstore_destroy(store);
	if (ok)
		ok = EXPECT(refs_are(sock[2]->sk, refs[2]));

	for (i = 0; i < NSOCKS; i++)
		if (sock[i])
			sock_release(sock[i]);
	/* The store's references went with it, or an RCU callback. */
	for (i = 0; i < NFLOWS; i++)
		if (ct[i])
			nf_ct_put(ct[i]);
	kfree(store);
	/* Let the RCU callbacks, which are module code, finish. */
	rcu_barrier();
	return ok;
}
