// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of WFPREDIR_SO_SET_RECORDS (and _CLEAR_RECORDS) with records
 * that verify, which user space cannot make, run at load time in debug builds
 * on kernel sockets of init_net. The namespace state is the test's own:
 * nothing is registered yet.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "records.h"
#include "sockopt.h"
#include "sockstore.h"

#include <linux/err.h>
#include <linux/in.h>
#include <linux/init.h>
#include <linux/net.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/sockptr.h>
#include <linux/string.h>
#include <net/net_namespace.h>
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

/**
 * wfpredir_sockopt_selftest - self-test WFPREDIR_SO_SET_RECORDS and _CLEAR_RECORDS
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
	return ok;
}
