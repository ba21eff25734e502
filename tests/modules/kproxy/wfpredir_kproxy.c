// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir_kproxy: a test module, an in-kernel redirect proxy on wfpredir's
 * kernel API (include/wfpredir/wfpredir.h). It listens with kernel sockets,
 * reads the records (synchronous call) and the context (asynchronous call)
 * of each connection it accepts, connects to the original destination with
 * the records set on its own socket, and relays both ways, a kthread per
 * direction. It also runs single calls of the kernel API or of its WSK layer
 * (include/wfpredir/wsk.h) on demand, so that the kselftests can provoke
 * every errno and every status.
 *
 * Control file /proc/wfpredir_kproxy (mode 0644; the tests chmod it to let
 * other users write, for the privilege cases). Write one command:
 *
 *   listen ADDR:PORT	TCP listener ("[v6]:port" for IPv6) in the network
 *			namespace of the writer
 *   udp ADDR:PORT	bind the test UDP socket there
 *   hold		keep the next accepted connection for API calls
 *			instead of relaying it
 *   drain		discard the datagrams queued on the test UDP socket
 *   cancel		cancel the pending asynchronous call
 *   OP [target=held|fresh|spare|udp] [size=N] [null] [async] [native]
 *      [forged] [zero]
 *			run one call: OP is set, qrec, qctx or code=HEX, a
 *			WSK call unless native is given; clear (always
 *			native). fresh is a new unconnected TCP socket, spare
 *			one that is kept. set's input is the held connection's
 *			records (forged: one tag byte flipped; zero: all
 *			zeroes); size=N is the size passed; null passes a NULL
 *			buffer.
 *
 * Read: one "name value" line per counter, then "result SEQ STATUS RETURNED"
 * for the last call and "async SEQ done STATUS INFORMATION RETURNED" (or
 * "async SEQ pending") for the last asynchronous one; for a native call
 * STATUS is the errno's name or 0, and no RETURNED follows in "async".
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <wfpredir/wfpredir.h>
#include <wfpredir/wsk.h>

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/err.h>
#include <linux/inet.h>
#include <linux/kthread.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/net.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "../../../kmod/uapi/linux/wfpredir.h"

#define KP_LISTENERS_MAX	4
#define KP_CONNS_MAX		32
#define KP_RELAY_BUF		16384
#define KP_CTX_MAX		(WFPREDIR_CONTEXT_MAX_CUSTOM_LEN + \
				 WFPREDIR_CONTEXT_DEFAULT_LEN)
#define KP_API_BUF		4096
#define KP_SET	WFPREDIR_SIO_SET_WFP_CONNECTION_REDIRECT_RECORDS
#define KP_QREC	WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_RECORDS
#define KP_QCTX	WFPREDIR_SIO_QUERY_WFP_CONNECTION_REDIRECT_CONTEXT
#define KP_CLEAR	1	/* not a control code: the native clear */

struct kp_listener {
	struct net *net;
	struct socket *sock;
	struct task_struct *task;
};

struct kp_conn {
	struct list_head node;
	struct net *net;
	struct socket *in;
	struct socket *out;	/* published under kp_conns_lock */
	bool stopping;		/* under kp_conns_lock */
	struct task_struct *t_main;
	struct task_struct *t_back;
	struct completion connected;
	bool ok;		/* set before connected completes */
	atomic_t threads_done;
	struct wfpredir_request req;
	int ctx_err;
	struct completion ctx_done;
	u8 records[WFPREDIR_RECORDS_MAX_LEN];
	u8 ctx[KP_CTX_MAX];
};

static struct {
	atomic64_t accepted, active, relayed, refused, held, query_fail,
		set_ok, connect_fail, bytes_up, bytes_down, last_entries;
} kp_stats;

static DEFINE_MUTEX(kp_lock);		/* listeners and the API state */
static struct kp_listener kp_listeners[KP_LISTENERS_MAX];
static int kp_nlisteners;

static DEFINE_MUTEX(kp_conns_lock);
static LIST_HEAD(kp_conns);
static int kp_nconns;

/* The API calls of the control file, under kp_lock. */
static struct {
	bool hold_next;
	struct socket *held;
	struct socket *udp;
	struct socket *spare;
	u8 in[WFPREDIR_RECORDS_MAX_LEN * 2];
	unsigned int seq;
	bool native;
	s32 status;			/* or the errno, if native */
	size_t returned;
	/* the asynchronous call: buffers valid until it completes */
	struct wfpredir_wsk_irp irp;
	struct wfpredir_request req;	/* native */
	bool async_native;
	struct socket *async_sock;	/* fresh socket to release after */
	bool pending;			/* under kp_async_lock */
	unsigned int async_seq;
	s32 async_status;		/* or the errno, if native */
	size_t async_info;
	size_t async_returned;
	u8 out[KP_API_BUF];
	struct completion async_done;
} kp_api;

static DEFINE_SPINLOCK(kp_async_lock);

static struct proc_dir_entry *kp_proc;

static int kp_parse_addr(struct net *net, const char *s,
			 struct sockaddr_storage *ss)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	size_t len;

	if (!colon || colon == s)
		return -EINVAL;
	len = colon - s;
	if (s[0] == '[') {
		if (len < 3 || s[len - 1] != ']')
			return -EINVAL;
		s++;
		len -= 2;
	}
	if (len >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, len);
	host[len] = '\0';
	return inet_pton_with_scope(net, AF_UNSPEC, host, colon + 1, ss);
}

static int kp_addr_len(const struct sockaddr_storage *ss)
{
	return ss->ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
}

/* ------------------------------------------------------------ relaying */

static void kp_relay(struct socket *from, struct socket *to, atomic64_t *bytes)
{
	struct msghdr smsg = { .msg_flags = MSG_NOSIGNAL };
	struct msghdr msg = {};
	struct kvec iov;
	int n, sent, r;
	void *buf;

	buf = kmalloc(KP_RELAY_BUF, GFP_KERNEL);
	if (!buf)
		goto out;
	for (;;) {
		iov.iov_base = buf;
		iov.iov_len = KP_RELAY_BUF;
		n = kernel_recvmsg(from, &msg, &iov, 1, KP_RELAY_BUF, 0);
		if (n <= 0)
			break;
		for (sent = 0; sent < n; sent += r) {
			iov.iov_base = buf + sent;
			iov.iov_len = n - sent;
			r = kernel_sendmsg(to, &smsg, &iov, 1, n - sent);
			if (r <= 0)
				goto out;
		}
		atomic64_add(n, bytes);
	}
out:
	kfree(buf);
	kernel_sock_shutdown(to, SHUT_WR);
}

static void kp_thread_done(struct kp_conn *c)
{
	if (atomic_inc_return(&c->threads_done) == 2) {
		atomic64_dec(&kp_stats.active);
		if (c->ok)
			atomic64_inc(&kp_stats.relayed);
	}
}

static int kp_back(void *arg)
{
	struct kp_conn *c = arg;

	wait_for_completion(&c->connected);
	if (c->ok)
		kp_relay(c->out, c->in, &kp_stats.bytes_down);
	kp_thread_done(c);
	return 0;
}

static void kp_ctx_complete(struct wfpredir_request *req, int err)
{
	struct kp_conn *c = container_of(req, struct kp_conn, req);

	c->ctx_err = err;
	complete(&c->ctx_done);
}

/* Read the records and context, connect onward. Return: true on success. */
static bool kp_setup(struct kp_conn *c)
{
	const struct wfpredir_records_hdr *hdr;
	struct sockaddr_storage dst = {};
	struct socket *out;
	size_t len = sizeof(c->records);
	int ret;

	/* the records, synchronously */
	ret = wfpredir_kernel_query_records(c->in, c->records, &len);
	if (ret) {
		pr_debug("records: %pe\n", ERR_PTR(ret));
		atomic64_inc(&kp_stats.query_fail);
		return false;
	}
	hdr = (const void *)c->records;
	atomic64_set(&kp_stats.last_entries, hdr->count);

	/* the context, asynchronously */
	c->req.complete = kp_ctx_complete;
	wfpredir_kernel_query_context_async(c->in, c->ctx, sizeof(c->ctx),
					    &c->req);
	wait_for_completion(&c->ctx_done);
	if (c->ctx_err || c->req.len < WFPREDIR_CONTEXT_SOCKADDR_LEN) {
		pr_debug("context: %pe\n", ERR_PTR(c->ctx_err));
		atomic64_inc(&kp_stats.query_fail);
		return false;
	}
	/* the original destination: a sockaddr_storage, first */
	memcpy(&dst, c->ctx, sizeof(dst));
	if (dst.ss_family != AF_INET && dst.ss_family != AF_INET6) {
		atomic64_inc(&kp_stats.query_fail);
		return false;
	}

	ret = sock_create_kern(c->net, dst.ss_family, SOCK_STREAM, IPPROTO_TCP,
			       &out);
	if (ret) {
		atomic64_inc(&kp_stats.connect_fail);
		return false;
	}
	mutex_lock(&kp_conns_lock);
	if (c->stopping) {
		mutex_unlock(&kp_conns_lock);
		sock_release(out);
		return false;
	}
	c->out = out;
	mutex_unlock(&kp_conns_lock);

	ret = wfpredir_kernel_set_records(out, c->records, len);
	if (!ret)
		atomic64_inc(&kp_stats.set_ok);
	else
		pr_debug("set: %pe\n", ERR_PTR(ret));

	ret = kernel_connect(out, (struct sockaddr *)&dst, kp_addr_len(&dst),
			     0);
	if (ret) {
		atomic64_inc(&kp_stats.connect_fail);
		return false;
	}
	return true;
}

static int kp_main(void *arg)
{
	struct kp_conn *c = arg;

	c->ok = kp_setup(c);
	complete(&c->connected);
	if (c->ok)
		kp_relay(c->in, c->out, &kp_stats.bytes_up);
	kp_thread_done(c);
	return 0;
}

static void kp_conn_stop(struct kp_conn *c)
{
	mutex_lock(&kp_conns_lock);
	c->stopping = true;
	kernel_sock_shutdown(c->in, SHUT_RDWR);
	if (c->out)
		kernel_sock_shutdown(c->out, SHUT_RDWR);
	mutex_unlock(&kp_conns_lock);
}

/* After kp_conn_stop(), or once both threads are done. */
static void kp_conn_free(struct kp_conn *c)
{
	kthread_stop(c->t_main);
	put_task_struct(c->t_main);
	kthread_stop(c->t_back);
	put_task_struct(c->t_back);
	if (c->out)
		sock_release(c->out);
	sock_release(c->in);
	put_net(c->net);
	kfree(c);
}

/* Free the connections that are over. */
static void kp_reap(void)
{
	struct kp_conn *c, *tmp;
	LIST_HEAD(done);

	mutex_lock(&kp_conns_lock);
	list_for_each_entry_safe(c, tmp, &kp_conns, node) {
		if (atomic_read(&c->threads_done) == 2) {
			list_move(&c->node, &done);
			kp_nconns--;
		}
	}
	mutex_unlock(&kp_conns_lock);
	list_for_each_entry_safe(c, tmp, &done, node)
		kp_conn_free(c);
}

static struct task_struct *kp_thread(int (*fn)(void *), struct kp_conn *c,
				     const char *what)
{
	struct task_struct *t;

	t = kthread_create(fn, c, "kproxy-%s", what);
	if (IS_ERR(t))
		return t;
	get_task_struct(t);
	return t;
}

static void kp_conn_start(struct net *net, struct socket *in)
{
	struct kp_conn *c;

	mutex_lock(&kp_conns_lock);
	if (kp_nconns >= KP_CONNS_MAX) {
		mutex_unlock(&kp_conns_lock);
		atomic64_inc(&kp_stats.refused);
		sock_release(in);
		return;
	}
	kp_nconns++;
	mutex_unlock(&kp_conns_lock);

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		goto err;
	c->net = get_net(net);
	c->in = in;
	init_completion(&c->connected);
	init_completion(&c->ctx_done);
	c->t_main = kp_thread(kp_main, c, "up");
	if (IS_ERR(c->t_main))
		goto err_free;
	c->t_back = kp_thread(kp_back, c, "down");
	if (IS_ERR(c->t_back)) {
		kthread_stop(c->t_main);	/* never ran: fn not called */
		put_task_struct(c->t_main);
		goto err_free;
	}
	atomic64_inc(&kp_stats.active);
	mutex_lock(&kp_conns_lock);
	list_add(&c->node, &kp_conns);
	mutex_unlock(&kp_conns_lock);
	wake_up_process(c->t_main);
	wake_up_process(c->t_back);
	return;

err_free:
	put_net(c->net);
	kfree(c);
err:
	mutex_lock(&kp_conns_lock);
	kp_nconns--;
	mutex_unlock(&kp_conns_lock);
	atomic64_inc(&kp_stats.refused);
	sock_release(in);
}

static int kp_accept(void *arg)
{
	struct kp_listener *l = arg;
	struct socket *in;
	int ret;

	while (!kthread_should_stop()) {
		kp_reap();
		ret = kernel_accept(l->sock, &in, 0);
		if (ret) {
			if (kthread_should_stop())
				break;
			/* shut down: wait for kthread_stop() */
			if (ret == -EINVAL) {
				set_current_state(TASK_INTERRUPTIBLE);
				if (!kthread_should_stop())
					schedule();
				__set_current_state(TASK_RUNNING);
			}
			continue;
		}
		atomic64_inc(&kp_stats.accepted);
		mutex_lock(&kp_lock);
		if (kp_api.hold_next) {
			kp_api.hold_next = false;
			if (kp_api.held)
				sock_release(kp_api.held);
			kp_api.held = in;
			atomic64_inc(&kp_stats.held);
			in = NULL;
		}
		mutex_unlock(&kp_lock);
		if (in)
			kp_conn_start(l->net, in);
	}
	return 0;
}

/* Under kp_lock. */
static int kp_listen(struct net *net, const char *arg)
{
	struct sockaddr_storage ss;
	struct kp_listener *l;
	int ret;

	if (kp_nlisteners >= KP_LISTENERS_MAX)
		return -ENOSPC;
	l = &kp_listeners[kp_nlisteners];
	ret = kp_parse_addr(net, arg, &ss);
	if (ret)
		return ret;
	ret = sock_create_kern(net, ss.ss_family, SOCK_STREAM, IPPROTO_TCP,
			       &l->sock);
	if (ret)
		return ret;
	sock_set_reuseaddr(l->sock->sk);
	ret = kernel_bind(l->sock, (struct sockaddr *)&ss, kp_addr_len(&ss));
	if (!ret)
		ret = kernel_listen(l->sock, 64);
	if (ret)
		goto err;
	l->net = get_net(net);
	l->task = kthread_run(kp_accept, l, "kproxy-accept");
	if (IS_ERR(l->task)) {
		ret = PTR_ERR(l->task);
		put_net(l->net);
		goto err;
	}
	get_task_struct(l->task);
	kp_nlisteners++;
	return 0;
err:
	sock_release(l->sock);
	l->sock = NULL;
	return ret;
}

/* ------------------------------------------------------------ API calls */

static void kp_async_done(s32 status, size_t info)
{
	spin_lock(&kp_async_lock);
	kp_api.async_status = status;
	kp_api.async_info = info;
	kp_api.pending = false;
	spin_unlock(&kp_async_lock);
	complete(&kp_api.async_done);
}

static void kp_async_complete(struct wfpredir_wsk_irp *irp, void *context)
{
	kp_async_done(irp->status, irp->information);
}

static void kp_native_complete(struct wfpredir_request *req, int err)
{
	kp_async_done(err, req->len);
}

static bool kp_async_pending(void)
{
	bool pending;

	spin_lock(&kp_async_lock);
	pending = kp_api.pending;
	spin_unlock(&kp_async_lock);
	return pending;
}

/* Under kp_lock, with a call pending. */
static void kp_async_cancel(void)
{
	if (kp_api.async_native)
		wfpredir_kernel_cancel(&kp_api.req);
	else
		wfpredir_wsk_cancel(&kp_api.irp);
}

/* Under kp_lock: the fresh socket of the last asynchronous call. */
static void kp_async_reap(void)
{
	if (!kp_async_pending() && kp_api.async_sock) {
		sock_release(kp_api.async_sock);
		kp_api.async_sock = NULL;
	}
}

/* Under kp_lock: an unconnected TCP socket, in the held socket's netns. */
static int kp_new_sock(struct net *net, struct socket **sock)
{
	struct socket *like = kp_api.held;

	return sock_create_kern(like ? sock_net(like->sk) : net,
				like ? like->sk->sk_family : AF_INET,
				SOCK_STREAM, IPPROTO_TCP, sock);
}

/* Under kp_lock: a native call, synchronous. Return: its result. */
static int kp_native(struct socket *sock, u32 code, const void *in,
		     size_t in_size, void *out, size_t *len)
{
	switch (code) {
	case KP_SET:
		*len = 0;
		return wfpredir_kernel_set_records(sock, in, in_size);
	case KP_QREC:
		return wfpredir_kernel_query_records(sock, out, len);
	case KP_QCTX:
		return wfpredir_kernel_query_context(sock, out, len);
	default:
		*len = 0;
		return wfpredir_kernel_clear_records(sock);
	}
}

/* Under kp_lock: a native call, asynchronous. */
static void kp_native_async(struct socket *sock, u32 code, const void *in,
			    size_t in_size, void *out, size_t out_size)
{
	kp_api.req.complete = kp_native_complete;
	if (code == KP_SET)
		wfpredir_kernel_set_records_async(sock, in, in_size,
						  &kp_api.req);
	else if (code == KP_QREC)
		wfpredir_kernel_query_records_async(sock, out, out_size,
						    &kp_api.req);
	else
		wfpredir_kernel_query_context_async(sock, out, out_size,
						    &kp_api.req);
}

/* Under kp_lock. */
static int kp_call(struct net *net, char *args)
{
	struct socket *sock = NULL, *fresh = NULL;
	bool async = false, null = false, forged = false, zero = false;
	bool size_given = false, native = false;
	size_t size = KP_API_BUF, in_size = 0, out_size = 0;
	const char *target = "held";
	void *in, *out;
	u32 code = 0;
	char *tok;
	s32 status;
	int ret;

	while ((tok = strsep(&args, " \t\n"))) {
		if (!*tok)
			continue;
		if (!strcmp(tok, "set"))
			code = KP_SET;
		else if (!strcmp(tok, "qrec"))
			code = KP_QREC;
		else if (!strcmp(tok, "qctx"))
			code = KP_QCTX;
		else if (!strcmp(tok, "clear"))
			code = KP_CLEAR;
		else if (!strncmp(tok, "code=", 5) && !kstrtou32(tok + 5, 16, &code))
			;
		else if (!strncmp(tok, "target=", 7))
			target = tok + 7;
		else if (!strncmp(tok, "size=", 5) && !kstrtoul(tok + 5, 0, &size))
			size_given = true;
		else if (!strcmp(tok, "async"))
			async = true;
		else if (!strcmp(tok, "native"))
			native = true;
		else if (!strcmp(tok, "null"))
			null = true;
		else if (!strcmp(tok, "forged"))
			forged = true;
		else if (!strcmp(tok, "zero"))
			zero = true;
		else
			return -EINVAL;
	}
	if (code == KP_CLEAR)
		native = true;
	if (!code || (native && code != KP_SET && code != KP_QREC &&
		      code != KP_QCTX && (code != KP_CLEAR || async)))
		return -EINVAL;
	/*
	 * The native calls take kernel buffers as given: a NULL buffer with a
	 * size, or one smaller than the size, is the caller's bug, not a case.
	 */
	if (native && null && (!size_given || size))
		return -EINVAL;
	if (async && kp_async_pending())
		return -EBUSY;
	kp_async_reap();

	if (!strcmp(target, "udp")) {
		sock = kp_api.udp;
	} else if (!strcmp(target, "held")) {
		sock = kp_api.held;
	} else if (!strcmp(target, "fresh")) {
		ret = kp_new_sock(net, &fresh);
		if (ret)
			return ret;
		sock = fresh;
	} else if (!strcmp(target, "spare")) {
		if (!kp_api.spare) {
			ret = kp_new_sock(net, &kp_api.spare);
			if (ret)
				return ret;
		}
		sock = kp_api.spare;
	} else {
		return -EINVAL;
	}
	if (!sock) {
		ret = -ENOTCONN;
		goto out;
	}

	if (code == KP_SET) {
		size_t have = sizeof(kp_api.in);

		memset(kp_api.in, 0, sizeof(kp_api.in));
		if (zero || !kp_api.held ||
		    wfpredir_kernel_query_records(kp_api.held, kp_api.in,
						  &have))
			have = 0;
		if (forged && have)
			kp_api.in[have - 1] ^= 0x55;
		/* size= is what is passed; the buffer holds 2 * MAX_LEN */
		in_size = size_given ? size : have;
	} else if (size > KP_API_BUF && (size <= INT_MAX || native)) {
		ret = -EINVAL;
		goto out;
	} else {
		out_size = size;	/* > INT_MAX: INTEGER_OVERFLOW probes */
	}

	in = null ? NULL : kp_api.in;
	out = null ? NULL : kp_api.out;
	kp_api.seq++;
	kp_api.returned = 0;
	kp_api.native = native;
	if (async) {
		reinit_completion(&kp_api.async_done);
		kp_api.irp.completion = kp_async_complete;
		kp_api.irp.context = NULL;
		kp_api.async_seq = kp_api.seq;
		kp_api.async_native = native;
		kp_api.async_returned = 0;
		spin_lock(&kp_async_lock);
		kp_api.pending = true;
		spin_unlock(&kp_async_lock);
		kp_api.async_sock = fresh;
		fresh = NULL;
		if (native) {
			kp_native_async(sock, code, in, in_size, out, out_size);
			status = -EINPROGRESS;
		} else {
			status = wfpredir_wsk_control_socket_async(sock, code,
								   in_size, in,
								   out_size, out,
								   &kp_api.async_returned,
								   &kp_api.irp);
		}
		if (!native && status != WFPREDIR_STATUS_PENDING) {
			spin_lock(&kp_async_lock);
			kp_api.pending = false;
			spin_unlock(&kp_async_lock);
		}
	} else if (native) {
		kp_api.returned = out_size;
		status = kp_native(sock, code, in, in_size, out,
				   &kp_api.returned);
	} else {
		status = wfpredir_wsk_control_socket(sock, code, in_size, in,
						     out_size, out,
						     &kp_api.returned);
	}
	kp_api.status = status;
	ret = 0;
out:
	if (fresh)
		sock_release(fresh);
	return ret;
}

/* Under kp_lock. */
static int kp_udp(struct net *net, const char *arg)
{
	struct sockaddr_storage ss;
	struct socket *sock;
	int ret;

	if (kp_api.udp || kp_async_pending())
		return -EBUSY;
	ret = kp_parse_addr(net, arg, &ss);
	if (ret)
		return ret;
	ret = sock_create_kern(net, ss.ss_family, SOCK_DGRAM, IPPROTO_UDP,
			       &sock);
	if (ret)
		return ret;
	ret = kernel_bind(sock, (struct sockaddr *)&ss, kp_addr_len(&ss));
	if (ret) {
		sock_release(sock);
		return ret;
	}
	kp_api.udp = sock;
	return 0;
}

/* Under kp_lock. */
static void kp_drain(void)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct kvec iov;
	char buf[64];

	if (!kp_api.udp)
		return;
	do {
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
	} while (kernel_recvmsg(kp_api.udp, &msg, &iov, 1, sizeof(buf),
				MSG_DONTWAIT) >= 0);
}

static ssize_t kp_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	struct net *net = current->nsproxy->net_ns;
	char buf[128], *arg;
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';
	strim(buf);
	arg = strchr(buf, ' ');
	if (arg)
		*arg++ = '\0';

	mutex_lock(&kp_lock);
	if (!strcmp(buf, "listen") && arg) {
		ret = kp_listen(net, arg);
	} else if (!strcmp(buf, "udp") && arg) {
		ret = kp_udp(net, arg);
	} else if (!strcmp(buf, "hold")) {
		kp_api.hold_next = true;
		ret = 0;
	} else if (!strcmp(buf, "drain")) {
		kp_drain();
		ret = 0;
	} else if (!strcmp(buf, "cancel")) {
		ret = kp_async_pending() ? 0 : -ENOENT;
		if (!ret)
			kp_async_cancel();
	} else {
		if (arg)
			arg[-1] = ' ';
		ret = kp_call(net, buf);
	}
	mutex_unlock(&kp_lock);
	return ret ? ret : count;
}

/* A native call's result: the errno's name (%pe), or 0. */
static void kp_show_err(struct seq_file *m, int err)
{
	if (err)
		seq_printf(m, " %pe", ERR_PTR(err));
	else
		seq_puts(m, " 0");
}

static int kp_show(struct seq_file *m, void *v)
{
	bool pending;

#define KP_STAT(name) \
	seq_printf(m, #name " %lld\n", atomic64_read(&kp_stats.name))
	KP_STAT(accepted);
	KP_STAT(active);
	KP_STAT(relayed);
	KP_STAT(refused);
	KP_STAT(held);
	KP_STAT(query_fail);
	KP_STAT(set_ok);
	KP_STAT(connect_fail);
	KP_STAT(bytes_up);
	KP_STAT(bytes_down);
	KP_STAT(last_entries);
#undef KP_STAT
	mutex_lock(&kp_lock);
	seq_printf(m, "listeners %d\n", kp_nlisteners);
	seq_printf(m, "result %u", kp_api.seq);
	if (kp_api.native)
		kp_show_err(m, kp_api.status);
	else
		seq_printf(m, " 0x%08x", kp_api.status);
	seq_printf(m, " %zu\n", kp_api.returned);
	spin_lock(&kp_async_lock);
	pending = kp_api.pending;
	if (pending) {
		seq_printf(m, "async %u pending\n", kp_api.async_seq);
	} else if (kp_api.async_native) {
		seq_printf(m, "async %u done", kp_api.async_seq);
		kp_show_err(m, kp_api.async_status);
		seq_printf(m, " %zu\n", kp_api.async_info);
	} else {
		seq_printf(m, "async %u done 0x%08x %zu %zu\n",
			   kp_api.async_seq, kp_api.async_status,
			   kp_api.async_info, kp_api.async_returned);
	}
	spin_unlock(&kp_async_lock);
	mutex_unlock(&kp_lock);
	return 0;
}

static int kp_open(struct inode *inode, struct file *file)
{
	return single_open(file, kp_show, NULL);
}

static const struct proc_ops kp_proc_ops = {
	.proc_open = kp_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = kp_write,
};

static int __init kp_init(void)
{
	init_completion(&kp_api.async_done);
	kp_proc = proc_create("wfpredir_kproxy", 0644, NULL, &kp_proc_ops);
	return kp_proc ? 0 : -ENOMEM;
}

static void __exit kp_exit(void)
{
	struct kp_conn *c, *tmp;
	int i;

	proc_remove(kp_proc);	/* waits for running reads and writes */

	for (i = 0; i < kp_nlisteners; i++) {
		struct kp_listener *l = &kp_listeners[i];

		kernel_sock_shutdown(l->sock, SHUT_RDWR);
		kthread_stop(l->task);
		put_task_struct(l->task);
		sock_release(l->sock);
		put_net(l->net);
	}

	list_for_each_entry(c, &kp_conns, node)
		kp_conn_stop(c);
	list_for_each_entry_safe(c, tmp, &kp_conns, node) {
		list_del(&c->node);
		kp_conn_free(c);
	}

	if (kp_async_pending()) {
		kp_async_cancel();
		wait_for_completion(&kp_api.async_done);
	}
	/* wfpredir_wsk_flush() is this too: one queue runs both APIs */
	wfpredir_kernel_flush();
	if (kp_api.async_sock)
		sock_release(kp_api.async_sock);
	if (kp_api.spare)
		sock_release(kp_api.spare);
	if (kp_api.held)
		sock_release(kp_api.held);
	if (kp_api.udp)
		sock_release(kp_api.udp);
}

module_init(kp_init);
module_exit(kp_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("wfpredir test: an in-kernel proxy on the kernel API");
