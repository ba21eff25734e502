// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredir_dropper: a test module that drops the first packets of new
 * locally sent flows after wfpredir's hook has seen them, the way a filter
 * rule, a route failure or a congested qdisc would, so that the kselftests
 * can show what becomes of the records of a flow whose first packet is lost.
 *
 * It hooks IPv4 and IPv6 in every network namespace, at two places:
 *
 *   out	LOCAL_OUT at the filter table's priority, after the NAT lookup
 *		functions (wfpredir's among them) have bound the flow
 *   post	POST_ROUTING just before conntrack confirms the flow
 *
 * and drops a packet there only while its conntrack entry is unconfirmed
 * (each drop kills the entry, so a retransmission is a new flow again), and
 * only if its destination port, as NAT left it, is the one configured.
 *
 * Control file /proc/wfpredir_dropper. Write one command:
 *
 *   HOOK PORT COUNT [lose]	arm: drop the next COUNT such packets to
 *				TCP or UDP port PORT at HOOK (out or post) in
 *				the writer's network namespace. NF_DROP by
 *				default: the sender's ip_local_out() fails
 *				with EPERM, as for a filter rule, which TCP
 *				ignores (it retransmits) and UDP reports.
 *				lose: free the packet and say nothing, as a
 *				full queue on the wire would.
 *   off			disarm
 *
 * Read: "armed HOOK PORT LEFT" or "armed none", then "dropped_out N" and
 * "dropped_post N", what each hook dropped since load.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/ipv6.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/nsproxy.h>
#include <linux/proc_fs.h>
#include <linux/seq_file.h>
#include <linux/skbuff.h>
#include <linux/string.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/uaccess.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/net_namespace.h>
#include <net/netfilter/nf_conntrack.h>

enum { DR_OUT, DR_POST, DR_HOOKS };

static const char *const dr_hook_names[DR_HOOKS] = { "out", "post" };

/* What is armed; the packet path reads it without a lock. */
static struct {
	u64 net_cookie;
	int hook;		/* DR_OUT, DR_POST, or -1 when disarmed */
	__be16 port;
	bool lose;
	atomic_t left;
} dr_arm = { .hook = -1 };

static atomic64_t dr_dropped[DR_HOOKS];
static DEFINE_MUTEX(dr_lock);	/* serialises writers of dr_arm */
static struct proc_dir_entry *dr_proc;

/* The destination port of a TCP or UDP packet; 0 for anything else. */
static __be16 dr_dport(const struct sk_buff *skb, u8 pf)
{
	unsigned int off;
	__be16 _port;
	const __be16 *port;
	u8 proto;

	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		if (ip_is_fragment(iph))
			return 0;
		proto = iph->protocol;
		off = skb_network_offset(skb) + iph->ihl * 4;
	} else {
		__be16 frag_off;
		int thoff;

		proto = ipv6_hdr(skb)->nexthdr;
		thoff = ipv6_skip_exthdr(skb, skb_network_offset(skb) +
					 sizeof(struct ipv6hdr), &proto,
					 &frag_off);
		if (thoff < 0 || (frag_off & htons(~0x7)))
			return 0;
		off = thoff;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return 0;
	/* Both headers start with the source port, then the destination. */
	port = skb_header_pointer(skb, off + sizeof(__be16), sizeof(_port),
				  &_port);
	return port ? *port : 0;
}

static unsigned int dr_hook(void *priv, struct sk_buff *skb,
			    const struct nf_hook_state *state)
{
	int hook = (long)priv;
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;

	if (READ_ONCE(dr_arm.hook) != hook ||
	    READ_ONCE(dr_arm.net_cookie) != state->net->net_cookie)
		return NF_ACCEPT;
	ct = nf_ct_get(skb, &ctinfo);
	if (!ct || nf_ct_is_confirmed(ct))
		return NF_ACCEPT;
	if (dr_dport(skb, state->pf) != READ_ONCE(dr_arm.port))
		return NF_ACCEPT;
	if (atomic_dec_if_positive(&dr_arm.left) < 0)
		return NF_ACCEPT;

	atomic64_inc(&dr_dropped[hook]);
	if (READ_ONCE(dr_arm.lose)) {
		kfree_skb(skb);
		return NF_STOLEN;
	}
	return NF_DROP;
}

static const struct nf_hook_ops dr_ops[] = {
	{
		.hook = dr_hook,
		.priv = (void *)DR_OUT,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FILTER,
	}, {
		.hook = dr_hook,
		.priv = (void *)DR_OUT,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_FILTER,
	}, {
		.hook = dr_hook,
		.priv = (void *)DR_POST,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP_PRI_CONNTRACK_CONFIRM - 1,
	}, {
		.hook = dr_hook,
		.priv = (void *)DR_POST,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_POST_ROUTING,
		.priority = NF_IP6_PRI_LAST - 1,
	},
};

static int __net_init dr_net_init(struct net *net)
{
	return nf_register_net_hooks(net, dr_ops, ARRAY_SIZE(dr_ops));
}

static void __net_exit dr_net_exit(struct net *net)
{
	nf_unregister_net_hooks(net, dr_ops, ARRAY_SIZE(dr_ops));
}

static struct pernet_operations dr_net_ops = {
	.init = dr_net_init,
	.exit = dr_net_exit,
};

static int dr_arm_cmd(char *buf)
{
	char *hook_s, *port_s, *count_s, *mode_s;
	unsigned int count;
	int hook;
	u16 port;

	hook_s = strsep(&buf, " ");
	port_s = strsep(&buf, " ");
	count_s = strsep(&buf, " ");
	mode_s = strsep(&buf, " ");
	if (!port_s || !count_s || buf)
		return -EINVAL;
	hook = match_string(dr_hook_names, DR_HOOKS, hook_s);
	if (hook < 0 || kstrtou16(port_s, 10, &port) || !port ||
	    kstrtouint(count_s, 10, &count) || count > INT_MAX ||
	    (mode_s && strcmp(mode_s, "lose")))
		return -EINVAL;

	/* Disarmed while the rest changes, so no packet sees half of it. */
	WRITE_ONCE(dr_arm.hook, -1);
	synchronize_net();
	WRITE_ONCE(dr_arm.net_cookie,
		   current->nsproxy->net_ns->net_cookie);
	WRITE_ONCE(dr_arm.port, htons(port));
	WRITE_ONCE(dr_arm.lose, !!mode_s);
	atomic_set(&dr_arm.left, count);
	smp_wmb();	/* the above before the hook that makes them live */
	WRITE_ONCE(dr_arm.hook, hook);
	return 0;
}

static ssize_t dr_write(struct file *file, const char __user *ubuf,
			size_t count, loff_t *ppos)
{
	char buf[64];
	int ret;

	if (count >= sizeof(buf))
		return -EINVAL;
	if (copy_from_user(buf, ubuf, count))
		return -EFAULT;
	buf[count] = '\0';

	mutex_lock(&dr_lock);
	if (!strcmp(strim(buf), "off")) {
		WRITE_ONCE(dr_arm.hook, -1);
		ret = 0;
	} else {
		ret = dr_arm_cmd(strim(buf));
	}
	mutex_unlock(&dr_lock);
	return ret ? ret : count;
}

static int dr_show(struct seq_file *m, void *v)
{
	int hook;

	mutex_lock(&dr_lock);
	hook = dr_arm.hook;
	if (hook < 0)
		seq_puts(m, "armed none\n");
	else
		seq_printf(m, "armed %s %u %d\n", dr_hook_names[hook],
			   ntohs(dr_arm.port), atomic_read(&dr_arm.left));
	mutex_unlock(&dr_lock);
	seq_printf(m, "dropped_out %lld\n", atomic64_read(&dr_dropped[DR_OUT]));
	seq_printf(m, "dropped_post %lld\n",
		   atomic64_read(&dr_dropped[DR_POST]));
	return 0;
}

static int dr_open(struct inode *inode, struct file *file)
{
	return single_open(file, dr_show, NULL);
}

static const struct proc_ops dr_proc_ops = {
	.proc_open = dr_open,
	.proc_read = seq_read,
	.proc_lseek = seq_lseek,
	.proc_release = single_release,
	.proc_write = dr_write,
};

static int __init dr_init(void)
{
	int ret;

	ret = register_pernet_subsys(&dr_net_ops);
	if (ret)
		return ret;
	dr_proc = proc_create("wfpredir_dropper", 0600, NULL, &dr_proc_ops);
	if (!dr_proc) {
		unregister_pernet_subsys(&dr_net_ops);
		return -ENOMEM;
	}
	return 0;
}

static void __exit dr_exit(void)
{
	proc_remove(dr_proc);
	unregister_pernet_subsys(&dr_net_ops);
}

module_init(dr_init);
module_exit(dr_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Drops the first packets of new flows after NAT (wfpredir test)");
