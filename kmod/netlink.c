// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family. Every command acts on the caller's network
 * namespace.
 *
 * Every command is validated strictly (resv_start_op): each has its own
 * policy listing exactly the attributes it takes, nested ones included, so
 * the core rejects anything else, naming the attribute. Commands that
 * change state, and the dumps (they name owners, cgroups, custom context
 * and other users' flows), need CAP_NET_ADMIN in the user namespace owning
 * the network namespace (GENL_UNS_ADMIN_PERM), so a container's root
 * manages its own; GET_INFO alone is public.
 *
 * Changes serialise on the namespace's config_lock; dumps read under RCU
 * and resume by id (services, rules) or with a hash table walker (flows).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "flowstore.h"
#include "hook.h"
#include "netlink.h"
#include "netns.h"
#include "notify.h"
#include "records.h"
#include "ruleset.h"
#include "service.h"
#include "sockstore.h"
#include "transaction.h"

#include <linux/jiffies.h>
#include <linux/mutex.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netlink.h>

/* A required nested attribute is missing: say which, in words and for tools. */
static bool wfpredir_missing(struct netlink_ext_ack *extack,
			     const struct nlattr *nest, struct nlattr **tb,
			     int type, const char *msg)
{
	if (tb[type])
		return false;
	NL_SET_ERR_ATTR_MISS(extack, nest, type);
	/* NL_SET_ERR_MSG() takes literals; the callers pass literals. */
	if (extack)
		extack->_msg = msg;
	return true;
}

/* ------------------------------------------------------------ policies */

static const struct nla_policy wfpredir_config_policy[] = {
	[WFPREDIR_A_CONFIG_CHAIN_MAX] =
		NLA_POLICY_RANGE(NLA_U32, 1, WFPREDIR_RECORDS_MAX_ENTRIES),
	[WFPREDIR_A_CONFIG_INHERIT] = NLA_POLICY_MAX(NLA_U8, 1),
	[WFPREDIR_A_CONFIG_FLOW_SHARE] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
};

static const struct nla_policy wfpredir_service_new_policy[] = {
	[WFPREDIR_A_SERVICE_ID] = { .type = NLA_U32 },
	[WFPREDIR_A_SERVICE_NAME] = {
		.type = NLA_STRING,
		.len = WFPREDIR_SERVICE_NAME_MAX - 1,
	},
	[WFPREDIR_A_SERVICE_ADDR4] = NLA_POLICY_EXACT_LEN(4),
	[WFPREDIR_A_SERVICE_PORT4] = NLA_POLICY_MIN(NLA_U16, 1),
	[WFPREDIR_A_SERVICE_ADDR6] = NLA_POLICY_EXACT_LEN(16),
	[WFPREDIR_A_SERVICE_PORT6] = NLA_POLICY_MIN(NLA_U16, 1),
	[WFPREDIR_A_SERVICE_OWNER_UID] = { .type = NLA_U32 },
	[WFPREDIR_A_SERVICE_OWNER_CGROUP] = {
		.type = NLA_STRING,
		.len = WFPREDIR_CGROUP_PATH_MAX - 1,
	},
	[WFPREDIR_A_SERVICE_TABLE] = {
		.type = NLA_STRING,
		.len = WFPREDIR_TABLE_NAME_MAX - 1,
	},
};

static const struct nla_policy wfpredir_service_ref_policy[] = {
	[WFPREDIR_A_SERVICE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[WFPREDIR_A_SERVICE_NAME] = {
		.type = NLA_STRING,
		.len = WFPREDIR_SERVICE_NAME_MAX - 1,
	},
	[WFPREDIR_A_SERVICE_TABLE] = {
		.type = NLA_STRING,
		.len = WFPREDIR_TABLE_NAME_MAX - 1,
	},
};

static const struct nla_policy wfpredir_rule_new_policy[] = {
	[WFPREDIR_A_RULE_ID] = { .type = NLA_U32 },
	[WFPREDIR_A_RULE_PRIORITY] = { .type = NLA_U32 },
	[WFPREDIR_A_RULE_SERVICE] = NLA_POLICY_MIN(NLA_U32, 1),
	[WFPREDIR_A_RULE_FAMILY] = { .type = NLA_U8 },
	[WFPREDIR_A_RULE_PROTOCOL] = { .type = NLA_U8 },
	[WFPREDIR_A_RULE_DADDR] = NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[WFPREDIR_A_RULE_DPREFIX] = NLA_POLICY_MAX(NLA_U8, 128),
	[WFPREDIR_A_RULE_DPORT_MIN] = { .type = NLA_U16 },
	[WFPREDIR_A_RULE_DPORT_MAX] = { .type = NLA_U16 },
	[WFPREDIR_A_RULE_UID_MIN] = { .type = NLA_U32 },
	[WFPREDIR_A_RULE_UID_MAX] = { .type = NLA_U32 },
	[WFPREDIR_A_RULE_CGROUP] = {
		.type = NLA_STRING,
		.len = WFPREDIR_CGROUP_PATH_MAX - 1,
	},
	[WFPREDIR_A_RULE_CONTEXT] =
		NLA_POLICY_RANGE(NLA_BINARY, 1, WFPREDIR_CONTEXT_MAX_CUSTOM_LEN),
	[WFPREDIR_A_RULE_TABLE] = {
		.type = NLA_STRING,
		.len = WFPREDIR_TABLE_NAME_MAX - 1,
	},
	[WFPREDIR_A_RULE_SERVICE_NAME] = {
		.type = NLA_STRING,
		.len = WFPREDIR_SERVICE_NAME_MAX - 1,
	},
};

static const struct nla_policy wfpredir_rule_ref_policy[] = {
	[WFPREDIR_A_RULE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy wfpredir_new_service_policy[] = {
	[WFPREDIR_A_SERVICE] = NLA_POLICY_NESTED(wfpredir_service_new_policy),
	[WFPREDIR_A_REPLACE] = { .type = NLA_FLAG },
};

static const struct nla_policy wfpredir_del_service_policy[] = {
	[WFPREDIR_A_SERVICE] = NLA_POLICY_NESTED(wfpredir_service_ref_policy),
};

static const struct nla_policy wfpredir_new_rule_policy[] = {
	[WFPREDIR_A_RULE] = NLA_POLICY_NESTED(wfpredir_rule_new_policy),
	[WFPREDIR_A_REPLACE] = { .type = NLA_FLAG },
};

static const struct nla_policy wfpredir_flush_policy[] = {
	[WFPREDIR_A_TABLE] = {
		.type = NLA_STRING,
		.len = WFPREDIR_TABLE_NAME_MAX - 1,
	},
};

/* Attributes repeat: each is one object of the transaction. */
static const struct nla_policy wfpredir_apply_policy[] = {
	[WFPREDIR_A_CONFIG_CHAIN_MAX] =
		NLA_POLICY_RANGE(NLA_U32, 1, WFPREDIR_RECORDS_MAX_ENTRIES),
	[WFPREDIR_A_CONFIG_INHERIT] = NLA_POLICY_MAX(NLA_U8, 1),
	[WFPREDIR_A_CONFIG_FLOW_SHARE] = NLA_POLICY_RANGE(NLA_U32, 1, 100),
	[WFPREDIR_A_SERVICE] = NLA_POLICY_NESTED(wfpredir_service_new_policy),
	[WFPREDIR_A_RULE] = NLA_POLICY_NESTED(wfpredir_rule_new_policy),
	[WFPREDIR_A_TABLE] = {
		.type = NLA_STRING,
		.len = WFPREDIR_TABLE_NAME_MAX - 1,
	},
	[WFPREDIR_A_CHECK] = { .type = NLA_FLAG },
};

static const struct nla_policy wfpredir_del_rule_policy[] = {
	[WFPREDIR_A_RULE] = NLA_POLICY_NESTED(wfpredir_rule_ref_policy),
};

/* ------------------------------------------------------------- helpers */

/*
 * A string attribute, validated by its policy for length, as a C string in
 * @buf. A NUL inside it would make it read as another string: refused.
 */
static int wfpredir_nla_str(const struct nlattr *attr, char *buf, size_t size,
			    struct netlink_ext_ack *extack)
{
	const char *s = nla_data(attr);
	size_t len = nla_len(attr);

	if (len && !s[len - 1])
		len--;
	if (len >= size || memchr(s, '\0', len)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "string too long or with a NUL byte inside");
		return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return 0;
}

/*
 * The first service or rule registers the NAT hook in the namespace; it
 * stays registered until nothing is left that needs it. Done before the
 * change, under the config lock (so that the idle check cannot unregister
 * it in between), so a failure leaves the configuration as it was.
 */
static int wfpredir_genl_hook_enable(struct net *net,
				     struct netlink_ext_ack *extack)
{
	int ret = wfpredir_hook_enable(net);

	if (ret)
		NL_SET_ERR_MSG(extack,
			       "cannot register the redirect hook (conntrack or NAT unavailable)");
	return ret;
}

/* Start a dump message; NULL if @skb is full. */
static void *wfpredir_dump_put(struct sk_buff *skb, struct netlink_callback *cb,
			       u8 cmd)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &wfpredir_genl_family, NLM_F_MULTI, cmd);
	if (hdr)
		genl_dump_check_consistent(cb, hdr);
	return hdr;
}

/*
 * What a dumpit returns after putting objects until @ret: the length if
 * something was put (the dump goes on), 0 at the end (NLMSG_DONE), and
 * the error if even the first object of an empty message did not fit,
 * which would otherwise repeat forever.
 */
static int wfpredir_dump_ret(struct sk_buff *skb, int ret)
{
	if (ret == -EMSGSIZE && skb->len)
		return skb->len;
	return ret ?: skb->len;
}

/* ------------------------------------------------------- info, config */

static size_t wfpredir_genl_info_size(void)
{
	return nla_total_size(sizeof(WFPREDIR_VERSION)) +	/* VERSION */
	       nla_total_size(sizeof(u32)) +	/* SO_BASE */
	       nla_total_size(sizeof(u32)) +	/* RECORDS_VERSION */
	       nla_total_size(sizeof(u32)) +	/* RECORDS_MAX_LEN */
	       nla_total_size(sizeof(u32)) +	/* SOCKETS */
	       nla_total_size(sizeof(u32)) +	/* SOCKETS_MAX */
	       nla_total_size(sizeof(u32)) +	/* FLOWS */
	       nla_total_size(sizeof(u32)) +	/* FLOWS_MAX */
	       nla_total_size(sizeof(u32)) +	/* SERVICES */
	       nla_total_size(sizeof(u32)) +	/* RULES */
	       nla_total_size(sizeof(u32)) +	/* RULES_MAX */
	       nla_total_size(sizeof(u8)) +	/* HOOK */
	       nla_total_size(sizeof(u32)) +	/* CONFIG_CHAIN_MAX */
	       nla_total_size(sizeof(u8)) +	/* CONFIG_INHERIT */
	       nla_total_size(sizeof(u32)) +	/* CONFIG_FLOW_SHARE */
	       8 * nla_total_size_64bit(sizeof(u64));	/* STATS_* */
}

/*
 * What GET_INFO reports; a namespace that never used wfpredir has no state
 * and reports the defaults, with nothing in it.
 */
struct wfpredir_info_view {
	u32 sockets, flows, services, rules;
	u32 chain_max, flow_share;
	u8 inherit, hook;
	u64 redirects, chain_capped, inherited, table_full, nomem, evicted,
	    share_refused, events_lost;
};

static void wfpredir_info_get(struct wfpredir_net *wn,
			      struct wfpredir_info_view *in)
{
	memset(in, 0, sizeof(*in));
	in->chain_max = WFPREDIR_CHAIN_MAX_DEFAULT;
	in->flow_share = WFPREDIR_FLOW_SHARE_DEFAULT;
	in->inherit = 1;
	if (!wn)
		return;
	in->sockets = wfpredir_sockstore_count(&wn->socks);
	in->flows = wfpredir_flowstore_count(&wn->flows);
	in->services = READ_ONCE(wn->services.count);
	in->rules = READ_ONCE(wn->rules.count);
	in->chain_max = READ_ONCE(wn->chain_max);
	in->flow_share = READ_ONCE(wn->flows.share);
	in->inherit = READ_ONCE(wn->inherit);
	in->hook = READ_ONCE(wn->hook.enabled);
	in->redirects = atomic64_read(&wn->stats.redirects);
	in->chain_capped = atomic64_read(&wn->stats.chain_capped);
	in->inherited = atomic64_read(&wn->stats.inherited);
	in->table_full = atomic64_read(&wn->stats.table_full);
	in->nomem = atomic64_read(&wn->stats.nomem);
	in->evicted = atomic64_read(&wn->flows.evicted);
	in->share_refused = atomic64_read(&wn->stats.flow_share);
	in->events_lost = atomic64_read(&wn->stats.events_lost);
}

static int wfpredir_put_stat(struct sk_buff *msg, int type, u64 stat)
{
	return nla_put_u64_64bit(msg, type, stat, WFPREDIR_A_INFO_PAD);
}

static int wfpredir_genl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct wfpredir_info_view in;
	struct sk_buff *msg;
	void *hdr;

	wfpredir_info_get(wfpredir_net_active(genl_info_net(info)), &in);
	msg = genlmsg_new(wfpredir_genl_info_size(), GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	hdr = genlmsg_put_reply(msg, info, &wfpredir_genl_family, 0,
				WFPREDIR_CMD_GET_INFO);
	if (!hdr)
		goto err;

	if (nla_put_string(msg, WFPREDIR_A_INFO_VERSION, WFPREDIR_VERSION) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_SO_BASE, WFPREDIR_SO_BASE) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_RECORDS_VERSION,
			WFPREDIR_RECORDS_VERSION) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_RECORDS_MAX_LEN,
			WFPREDIR_RECORDS_MAX_LEN) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS, in.sockets) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS_MAX,
			wfpredir_max_sockets) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_FLOWS, in.flows) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_FLOWS_MAX, wfpredir_max_flows) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_SERVICES, in.services) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_RULES, in.rules) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_RULES_MAX, wfpredir_max_rules) ||
	    nla_put_u8(msg, WFPREDIR_A_INFO_HOOK, in.hook) ||
	    nla_put_u32(msg, WFPREDIR_A_CONFIG_CHAIN_MAX, in.chain_max) ||
	    nla_put_u8(msg, WFPREDIR_A_CONFIG_INHERIT, in.inherit) ||
	    nla_put_u32(msg, WFPREDIR_A_CONFIG_FLOW_SHARE, in.flow_share) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_REDIRECTS, in.redirects) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_CHAIN_CAPPED,
			      in.chain_capped) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_INHERITED, in.inherited) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_TABLE_FULL,
			      in.table_full) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_NOMEM, in.nomem) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_EVICTED, in.evicted) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_FLOW_SHARE,
			      in.share_refused) ||
	    wfpredir_put_stat(msg, WFPREDIR_A_STATS_EVENTS_LOST,
			      in.events_lost))
		goto err;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static void wfpredir_apply_config(struct wfpredir_net *wn,
				  struct nlattr **attrs);

static int wfpredir_genl_set_config(struct sk_buff *skb,
				    struct genl_info *info)
{
	struct wfpredir_net *wn = wfpredir_net_activate(genl_info_net(info));
	struct nlattr **attrs = info->attrs;

	if (IS_ERR(wn))
		return PTR_ERR(wn);
	/* The policy has checked the ranges. */
	mutex_lock(&wn->config_lock);
	wfpredir_apply_config(wn, attrs);
	mutex_unlock(&wn->config_lock);
	return 0;
}

/* ------------------------------------------------------------ services */

/* An address comes with its port and a port with its address. */
static int wfpredir_service_pair(struct nlattr **tb, int addr, int port,
				 struct netlink_ext_ack *extack)
{
	if (tb[addr] && !tb[port]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[addr],
				    "a listen address needs its port");
		return -EINVAL;
	}
	if (tb[port] && !tb[addr]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[port],
				    "a listen port needs its address");
		return -EINVAL;
	}
	return 0;
}

/*
 * A table name attribute, or the default table when it is absent; @buf
 * holds WFPREDIR_TABLE_NAME_MAX bytes.
 */
static int wfpredir_nla_table(const struct nlattr *attr, char *buf,
			      struct netlink_ext_ack *extack)
{
	int ret;

	if (!attr) {
		strscpy(buf, WFPREDIR_TABLE_DEFAULT, WFPREDIR_TABLE_NAME_MAX);
		return 0;
	}
	ret = wfpredir_nla_str(attr, buf, WFPREDIR_TABLE_NAME_MAX, extack);
	if (!ret && !wfpredir_table_name_ok(buf)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "table name must be 1 to 31 characters of A-Z a-z 0-9 _ . -");
		ret = -EINVAL;
	}
	return ret;
}

/* The strings a parsed service or rule points to: freed by the caller. */
struct wfpredir_parsed {
	char name[WFPREDIR_SERVICE_NAME_MAX];
	char table[WFPREDIR_TABLE_NAME_MAX];
	char *cgroup;
};

/* A NEW_SERVICE nest into @spec; @tb, @p hold what it points to. */
static int wfpredir_service_parse(struct sk_buff *skb, struct nlattr *nest,
				  struct nlattr **tb,
				  struct wfpredir_service_spec *spec,
				  struct wfpredir_parsed *p,
				  struct netlink_ext_ack *extack)
{
	int ret;

	ret = nla_parse_nested(tb, ARRAY_SIZE(wfpredir_service_new_policy) - 1,
			       nest, wfpredir_service_new_policy, extack);
	if (ret)
		return ret;
	if (wfpredir_missing(extack, nest, tb, WFPREDIR_A_SERVICE_NAME,
			     "missing WFPREDIR_A_SERVICE_NAME"))
		return -EINVAL;
	ret = wfpredir_nla_str(tb[WFPREDIR_A_SERVICE_NAME], p->name,
			       sizeof(p->name), extack) ?:
	      wfpredir_nla_table(tb[WFPREDIR_A_SERVICE_TABLE], p->table,
				 extack) ?:
	      wfpredir_service_pair(tb, WFPREDIR_A_SERVICE_ADDR4,
				    WFPREDIR_A_SERVICE_PORT4, extack) ?:
	      wfpredir_service_pair(tb, WFPREDIR_A_SERVICE_ADDR6,
				    WFPREDIR_A_SERVICE_PORT6, extack);
	if (ret)
		return ret;

	memset(spec, 0, sizeof(*spec));
	spec->tb = tb;
	spec->name = p->name;
	spec->table = p->table;
	if (tb[WFPREDIR_A_SERVICE_ID])
		spec->id = nla_get_u32(tb[WFPREDIR_A_SERVICE_ID]);
	if (tb[WFPREDIR_A_SERVICE_ADDR4]) {
		spec->family4 = AF_INET;
		spec->addr4 = nla_get_in_addr(tb[WFPREDIR_A_SERVICE_ADDR4]);
		spec->port4 = htons(nla_get_u16(tb[WFPREDIR_A_SERVICE_PORT4]));
	}
	if (tb[WFPREDIR_A_SERVICE_ADDR6]) {
		spec->family6 = AF_INET6;
		spec->addr6 = nla_get_in6_addr(tb[WFPREDIR_A_SERVICE_ADDR6]);
		spec->port6 = htons(nla_get_u16(tb[WFPREDIR_A_SERVICE_PORT6]));
	}
	/* As SO_PEERCRED and file ownership: in the sender's user namespace. */
	if (tb[WFPREDIR_A_SERVICE_OWNER_UID]) {
		spec->has_owner_uid = true;
		spec->owner_uid = make_kuid(sk_user_ns(NETLINK_CB(skb).sk),
					    nla_get_u32(tb[WFPREDIR_A_SERVICE_OWNER_UID]));
	}
	if (tb[WFPREDIR_A_SERVICE_OWNER_CGROUP]) {
		/* Too large for the stack. */
		if (!p->cgroup)
			p->cgroup = kmalloc(WFPREDIR_CGROUP_PATH_MAX, GFP_KERNEL);
		if (!p->cgroup)
			return -ENOMEM;
		ret = wfpredir_nla_str(tb[WFPREDIR_A_SERVICE_OWNER_CGROUP],
				       p->cgroup, WFPREDIR_CGROUP_PATH_MAX,
				       extack);
		if (ret)
			return ret;
		spec->owner_cgroup = p->cgroup;
	}
	return 0;
}

/* @user_ns: the dumping socket's, in which the owner uid is told. */
int wfpredir_fill_service(struct sk_buff *skb,
			  const struct wfpredir_service *service,
			  struct user_namespace *user_ns)
{
	const struct wfpredir_service_addr *a4 = &service->addr4;
	const struct wfpredir_service_addr *a6 = &service->addr6;
	struct nlattr *nest;

	nest = nla_nest_start(skb, WFPREDIR_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, WFPREDIR_A_SERVICE_ID, service->id) ||
	    nla_put_string(skb, WFPREDIR_A_SERVICE_NAME, service->name) ||
	    nla_put_string(skb, WFPREDIR_A_SERVICE_TABLE, service->table) ||
	    (a4->family &&
	     (nla_put_in_addr(skb, WFPREDIR_A_SERVICE_ADDR4, a4->addr.ip) ||
	      nla_put_u16(skb, WFPREDIR_A_SERVICE_PORT4, ntohs(a4->port)))) ||
	    (a6->family &&
	     (nla_put_in6_addr(skb, WFPREDIR_A_SERVICE_ADDR6, &a6->addr.in6) ||
	      nla_put_u16(skb, WFPREDIR_A_SERVICE_PORT6, ntohs(a6->port)))) ||
	    nla_put_u64_64bit(skb, WFPREDIR_A_SERVICE_REDIRECTS,
			      atomic64_read(&service->redirects),
			      WFPREDIR_A_SERVICE_PAD) ||
	    nla_put_u64_64bit(skb, WFPREDIR_A_SERVICE_SKIPPED,
			      atomic64_read(&service->skipped),
			      WFPREDIR_A_SERVICE_PAD) ||
	    nla_put_u32(skb, WFPREDIR_A_SERVICE_RULES, READ_ONCE(service->rules)) ||
	    (uid_valid(service->owner.uid) &&
	     nla_put_u32(skb, WFPREDIR_A_SERVICE_OWNER_UID,
			 from_kuid_munged(user_ns, service->owner.uid))) ||
	    (service->owner_cgroup_path &&
	     nla_put_string(skb, WFPREDIR_A_SERVICE_OWNER_CGROUP,
			    service->owner_cgroup_path))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * NLM_F_ECHO: the answer is allocated before the change, so that failing to
 * allocate it refuses the command with nothing changed. NULL without the
 * flag.
 */
static struct sk_buff *wfpredir_echo_new(struct genl_info *info)
{
	struct sk_buff *msg;

	if (!(info->nlhdr->nlmsg_flags & NLM_F_ECHO))
		return NULL;
	msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	return msg ?: ERR_PTR(-ENOMEM);
}

/*
 * Answer with the object as a dump shows it, in @msg from
 * wfpredir_echo_new() (consumed), so that the caller learns the id it got.
 * Under the config lock: the object lives.
 */
static int wfpredir_echo(struct sk_buff *skb, struct genl_info *info,
			 struct sk_buff *msg, u8 cmd,
			 const struct wfpredir_service *service,
			 const struct wfpredir_rule *rule)
{
	void *hdr;
	int ret;

	if (!msg)
		return 0;
	hdr = genlmsg_put_reply(msg, info, &wfpredir_genl_family, 0, cmd);
	if (!hdr) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	ret = service ? wfpredir_fill_service(msg, service,
					      sk_user_ns(NETLINK_CB(skb).sk)) :
			wfpredir_fill_rule(msg, rule);
	if (ret) {
		nlmsg_free(msg);
		return ret;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

/* WFPREDIR_A_REPLACE: the service of the same table and name, in one step. */
static struct wfpredir_service *
wfpredir_service_replace(struct wfpredir_net *wn,
			 const struct wfpredir_service_spec *spec,
			 struct netlink_ext_ack *extack)
{
	struct wfpredir_service *old, *new;
	struct wfpredir_tx tx;
	int ret;

	old = wfpredir_service_find_by_name(wn, spec->table, spec->name);
	if (!old)
		return wfpredir_service_new(wn, spec, extack);
	wfpredir_tx_begin(wn, &tx);
	ret = wfpredir_tx_replace_service(&tx, old, spec, &new, extack);
	if (ret) {
		wfpredir_tx_abort(&tx);
		return ERR_PTR(ret);
	}
	ret = wfpredir_tx_commit(&tx, extack);
	return ret ? ERR_PTR(ret) : new;
}

static int wfpredir_genl_new_service(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct nlattr *tb[ARRAY_SIZE(wfpredir_service_new_policy)];
	struct netlink_ext_ack *extack = info->extack;
	struct wfpredir_service *service = NULL;
	struct wfpredir_service_spec spec;
	struct wfpredir_parsed p = {};
	struct sk_buff *echo = NULL;
	struct wfpredir_net *wn;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, WFPREDIR_A_SERVICE)) {
		NL_SET_ERR_MSG(extack, "missing WFPREDIR_A_SERVICE");
		return -EINVAL;
	}
	ret = wfpredir_service_parse(skb, info->attrs[WFPREDIR_A_SERVICE], tb,
				     &spec, &p, extack);
	if (ret)
		goto out;
	echo = wfpredir_echo_new(info);
	if (IS_ERR(echo)) {
		ret = PTR_ERR(echo);
		echo = NULL;
		goto out;
	}

	wn = wfpredir_net_activate(net);
	if (IS_ERR(wn)) {
		ret = PTR_ERR(wn);
		goto out;
	}
	mutex_lock(&wn->config_lock);
	ret = wfpredir_genl_hook_enable(net, extack);
	if (!ret) {
		service = nla_get_flag(info->attrs[WFPREDIR_A_REPLACE]) ?
			  wfpredir_service_replace(wn, &spec, extack) :
			  wfpredir_service_new(wn, &spec, extack);
		ret = PTR_ERR_OR_ZERO(service);
	}
	if (!ret) {
		wfpredir_notify_new_service(wn, service->id, 0);
		ret = wfpredir_echo(skb, info, echo, WFPREDIR_CMD_NEW_SERVICE,
				    service, NULL);
		echo = NULL;
	}
	mutex_unlock(&wn->config_lock);
	if (ret)
		wfpredir_net_maybe_idle(wn);
out:
	nlmsg_free(echo);
	kfree(p.cgroup);
	return ret;
}

static int wfpredir_genl_del_service(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct wfpredir_net *wn = wfpredir_net_active(genl_info_net(info));
	struct nlattr *tb[ARRAY_SIZE(wfpredir_service_ref_policy)];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[WFPREDIR_A_SERVICE];
	char name[WFPREDIR_SERVICE_NAME_MAX];
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct wfpredir_service *service;
	struct sk_buff *event;
	struct nlattr *bad;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, WFPREDIR_A_SERVICE)) {
		NL_SET_ERR_MSG(extack, "missing WFPREDIR_A_SERVICE");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, ARRAY_SIZE(tb) - 1, nest,
			       wfpredir_service_ref_policy, extack);
	if (ret)
		return ret;
	if (!tb[WFPREDIR_A_SERVICE_ID] &&
	    wfpredir_missing(extack, nest, tb, WFPREDIR_A_SERVICE_NAME,
			     "missing WFPREDIR_A_SERVICE_ID or _NAME"))
		return -EINVAL;
	ret = wfpredir_nla_table(tb[WFPREDIR_A_SERVICE_TABLE], table, extack);
	if (ret)
		return ret;
	if (tb[WFPREDIR_A_SERVICE_NAME]) {
		ret = wfpredir_nla_str(tb[WFPREDIR_A_SERVICE_NAME], name,
				       sizeof(name), extack);
		if (ret)
			return ret;
	}

	if (!wn) {
		NL_SET_ERR_MSG_ATTR(extack, tb[WFPREDIR_A_SERVICE_ID] ?:
				    tb[WFPREDIR_A_SERVICE_NAME],
				    "no such service");
		return -ENOENT;
	}
	mutex_lock(&wn->config_lock);
	if (tb[WFPREDIR_A_SERVICE_ID]) {
		bad = tb[WFPREDIR_A_SERVICE_ID];
		service = wfpredir_service_lookup(wn, nla_get_u32(bad));
		/* Both given: they must name the same service. */
		if (service && tb[WFPREDIR_A_SERVICE_NAME] &&
		    (strcmp(service->name, name) ||
		     strcmp(service->table, table))) {
			bad = tb[WFPREDIR_A_SERVICE_NAME];
			service = NULL;
		}
	} else {
		bad = tb[WFPREDIR_A_SERVICE_NAME];
		service = wfpredir_service_find_by_name(wn, table, name);
	}
	if (service) {
		event = wfpredir_notify_service_msg(wn->net,
						    WFPREDIR_CMD_DEL_SERVICE,
						    service);
		ret = wfpredir_service_delete(wn, service, extack);
		wfpredir_notify_send(wn->net, event, ret);
	} else {
		NL_SET_ERR_MSG_ATTR(extack, bad, "no such service");
		ret = -ENOENT;
	}
	mutex_unlock(&wn->config_lock);
	wfpredir_net_maybe_idle(wn);
	return ret;
}

/* The table of a FLUSH_*: NULL for all; @buf holds the name. */
static int wfpredir_flush_table(struct genl_info *info, char *buf,
				const char **table)
{
	struct nlattr *attr = info->attrs[WFPREDIR_A_TABLE];
	int ret;

	*table = NULL;
	if (!attr)
		return 0;
	ret = wfpredir_nla_table(attr, buf, info->extack);
	if (!ret)
		*table = buf;
	return ret;
}

static int wfpredir_genl_flush_services(struct sk_buff *skb,
					struct genl_info *info)
{
	struct wfpredir_net *wn = wfpredir_net_active(genl_info_net(info));
	char buf[WFPREDIR_TABLE_NAME_MAX];
	const char *table;
	int ret;

	ret = wfpredir_flush_table(info, buf, &table);
	if (ret || !wn)
		return ret;
	mutex_lock(&wn->config_lock);
	ret = wfpredir_services_flush(wn, table, info->extack);
	wfpredir_notify_flush(wn->net, WFPREDIR_CMD_FLUSH_SERVICES, table, ret);
	mutex_unlock(&wn->config_lock);
	wfpredir_net_maybe_idle(wn);
	return ret;
}

/* cb->args[0]: the next id to dump. */
static int wfpredir_genl_dump_services(struct sk_buff *skb,
				       struct netlink_callback *cb)
{
	struct wfpredir_net *wn = wfpredir_net_active(sock_net(skb->sk));
	struct wfpredir_service *service;
	unsigned long id = cb->args[0];
	void *hdr;
	int ret = 0;

	if (!wn)
		return 0;
	cb->seq = READ_ONCE(wn->services.gen);
	rcu_read_lock();
	while ((service = wfpredir_service_next(wn, &id))) {
		hdr = wfpredir_dump_put(skb, cb, WFPREDIR_CMD_GET_SERVICE);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		ret = wfpredir_fill_service(skb, service,
					    sk_user_ns(NETLINK_CB(cb->skb).sk));
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	rcu_read_unlock();
	cb->args[0] = id;
	return wfpredir_dump_ret(skb, ret);
}

/* --------------------------------------------------------------- rules */

static int wfpredir_rule_spec_from_attrs(struct nlattr **tb,
					 struct wfpredir_rule_spec *spec,
					 char **cgroup,
					 struct netlink_ext_ack *extack)
{
	struct nlattr *attr;
	size_t alen;

	wfpredir_rule_spec_init(spec, tb[WFPREDIR_A_RULE_SERVICE] ?
				nla_get_u32(tb[WFPREDIR_A_RULE_SERVICE]) : 0);
	spec->tb = tb;
	if (tb[WFPREDIR_A_RULE_ID])
		spec->id = nla_get_u32(tb[WFPREDIR_A_RULE_ID]);
	if (tb[WFPREDIR_A_RULE_PRIORITY])
		spec->priority = nla_get_u32(tb[WFPREDIR_A_RULE_PRIORITY]);
	if (tb[WFPREDIR_A_RULE_FAMILY])
		spec->family = nla_get_u8(tb[WFPREDIR_A_RULE_FAMILY]);
	if (tb[WFPREDIR_A_RULE_PROTOCOL])
		spec->protocol = nla_get_u8(tb[WFPREDIR_A_RULE_PROTOCOL]);

	attr = tb[WFPREDIR_A_RULE_DADDR];
	if (attr) {
		/* Any other family is refused by wfpredir_rule_create(). */
		alen = spec->family == AF_INET ? 4 :
		       spec->family == AF_INET6 ? 16 : 0;
		if (alen && nla_len(attr) != alen) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "address length does not match the family");
			return -EINVAL;
		}
		spec->has_daddr = true;
		memcpy(&spec->daddr, nla_data(attr),
		       min_t(size_t, nla_len(attr), sizeof(spec->daddr)));
		spec->prefix = tb[WFPREDIR_A_RULE_DPREFIX] ?
			       nla_get_u8(tb[WFPREDIR_A_RULE_DPREFIX]) :
			       alen * 8;
	} else if (tb[WFPREDIR_A_RULE_DPREFIX]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[WFPREDIR_A_RULE_DPREFIX],
				    "a prefix length needs an address");
		return -EINVAL;
	}

	if (tb[WFPREDIR_A_RULE_DPORT_MIN])
		spec->dport_min = nla_get_u16(tb[WFPREDIR_A_RULE_DPORT_MIN]);
	if (tb[WFPREDIR_A_RULE_DPORT_MAX])
		spec->dport_max = nla_get_u16(tb[WFPREDIR_A_RULE_DPORT_MAX]);
	if (tb[WFPREDIR_A_RULE_UID_MIN] || tb[WFPREDIR_A_RULE_UID_MAX]) {
		spec->has_uid = true;
		if (tb[WFPREDIR_A_RULE_UID_MIN])
			spec->uid_min = nla_get_u32(tb[WFPREDIR_A_RULE_UID_MIN]);
		if (tb[WFPREDIR_A_RULE_UID_MAX])
			spec->uid_max = nla_get_u32(tb[WFPREDIR_A_RULE_UID_MAX]);
	}
	attr = tb[WFPREDIR_A_RULE_CONTEXT];
	if (attr) {
		spec->context = nla_data(attr);
		spec->context_len = nla_len(attr);
	}

	attr = tb[WFPREDIR_A_RULE_CGROUP];
	if (attr) {
		/* Too large for the stack; freed by the caller. */
		if (!*cgroup)
			*cgroup = kmalloc(WFPREDIR_CGROUP_PATH_MAX, GFP_KERNEL);
		if (!*cgroup)
			return -ENOMEM;
		spec->cgroup = *cgroup;
		return wfpredir_nla_str(attr, *cgroup, WFPREDIR_CGROUP_PATH_MAX,
					extack);
	}
	return 0;
}

/* A NEW_RULE nest into @spec; SERVICE_NAME is left in @p->name. */
static int wfpredir_rule_parse(struct nlattr *nest, struct nlattr **tb,
			       struct wfpredir_rule_spec *spec,
			       struct wfpredir_parsed *p,
			       struct netlink_ext_ack *extack)
{
	int ret;

	ret = nla_parse_nested(tb, ARRAY_SIZE(wfpredir_rule_new_policy) - 1,
			       nest, wfpredir_rule_new_policy, extack);
	if (ret)
		return ret;
	if (!tb[WFPREDIR_A_RULE_SERVICE] &&
	    wfpredir_missing(extack, nest, tb, WFPREDIR_A_RULE_SERVICE_NAME,
			     "missing WFPREDIR_A_RULE_SERVICE or _SERVICE_NAME"))
		return -EINVAL;
	p->name[0] = '\0';
	ret = wfpredir_nla_table(tb[WFPREDIR_A_RULE_TABLE], p->table, extack);
	if (!ret && tb[WFPREDIR_A_RULE_SERVICE_NAME])
		ret = wfpredir_nla_str(tb[WFPREDIR_A_RULE_SERVICE_NAME],
				       p->name, sizeof(p->name), extack);
	if (ret)
		return ret;
	ret = wfpredir_rule_spec_from_attrs(tb, spec, &p->cgroup, extack);
	spec->table = p->table;
	return ret;
}

/* The service a rule names by name, in the rule's table; under the lock. */
static int wfpredir_rule_resolve(struct wfpredir_net *wn,
				 struct wfpredir_rule_spec *spec,
				 const struct wfpredir_parsed *p,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *attr = spec->tb[WFPREDIR_A_RULE_SERVICE_NAME];
	struct wfpredir_service *service;

	if (!attr)
		return 0;
	service = wfpredir_service_find_by_name(wn, p->table, p->name);
	if (!service ||
	    (spec->service_id && spec->service_id != service->id)) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "no service of this name in the rule's table");
		return -ENOENT;
	}
	spec->service_id = service->id;
	return 0;
}

/* WFPREDIR_A_REPLACE: the rule of the same id, in one step. */
static int wfpredir_rule_replace(struct wfpredir_net *wn,
				 const struct wfpredir_rule_spec *spec,
				 u32 *id, struct netlink_ext_ack *extack)
{
	struct wfpredir_tx tx;
	int ret;

	if (!spec->id || !wfpredir_rule_by_id(wn, spec->id))
		return wfpredir_rule_create(wn, spec, id, extack);
	wfpredir_tx_begin(wn, &tx);
	ret = wfpredir_rules_tx_doom_id(wn, &tx.rules, spec->id) ?:
	      wfpredir_rules_tx_add(wn, &tx.rules, spec, id, extack);
	if (ret) {
		wfpredir_tx_abort(&tx);
		return ret;
	}
	return wfpredir_tx_commit(&tx, extack);
}

static int wfpredir_genl_new_rule(struct sk_buff *skb, struct genl_info *info)
{
	struct net *net = genl_info_net(info);
	struct wfpredir_net *wn;
	struct nlattr *tb[ARRAY_SIZE(wfpredir_rule_new_policy)];
	struct netlink_ext_ack *extack = info->extack;
	struct wfpredir_rule_spec spec;
	struct wfpredir_parsed p = {};
	struct sk_buff *echo = NULL;
	u32 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, WFPREDIR_A_RULE)) {
		NL_SET_ERR_MSG(extack, "missing WFPREDIR_A_RULE");
		return -EINVAL;
	}
	ret = wfpredir_rule_parse(info->attrs[WFPREDIR_A_RULE], tb, &spec, &p,
				  extack);
	if (ret)
		goto out;
	echo = wfpredir_echo_new(info);
	if (IS_ERR(echo)) {
		ret = PTR_ERR(echo);
		echo = NULL;
		goto out;
	}

	wn = wfpredir_net_activate(net);
	if (IS_ERR(wn)) {
		ret = PTR_ERR(wn);
		goto out;
	}
	mutex_lock(&wn->config_lock);
	ret = wfpredir_genl_hook_enable(net, extack) ?:
	      wfpredir_rule_resolve(wn, &spec, &p, extack);
	if (!ret)
		ret = nla_get_flag(info->attrs[WFPREDIR_A_REPLACE]) ?
		      wfpredir_rule_replace(wn, &spec, &id, extack) :
		      wfpredir_rule_create(wn, &spec, &id, extack);
	if (!ret) {
		wfpredir_notify_new_rule(wn, id, 0);
		ret = wfpredir_echo(skb, info, echo, WFPREDIR_CMD_NEW_RULE,
				    NULL, wfpredir_rule_by_id(wn, id));
		echo = NULL;
	}
	mutex_unlock(&wn->config_lock);
	if (ret)
		wfpredir_net_maybe_idle(wn);
out:
	nlmsg_free(echo);
	kfree(p.cgroup);
	return ret;
}

static int wfpredir_genl_del_rule(struct sk_buff *skb, struct genl_info *info)
{
	struct wfpredir_net *wn = wfpredir_net_active(genl_info_net(info));
	struct nlattr *tb[ARRAY_SIZE(wfpredir_rule_ref_policy)];
	struct netlink_ext_ack *extack = info->extack;
	struct nlattr *nest = info->attrs[WFPREDIR_A_RULE];
	struct sk_buff *event;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, WFPREDIR_A_RULE)) {
		NL_SET_ERR_MSG(extack, "missing WFPREDIR_A_RULE");
		return -EINVAL;
	}
	ret = nla_parse_nested(tb, ARRAY_SIZE(tb) - 1, nest,
			       wfpredir_rule_ref_policy, extack);
	if (ret)
		return ret;
	if (wfpredir_missing(extack, nest, tb, WFPREDIR_A_RULE_ID,
			     "missing WFPREDIR_A_RULE_ID"))
		return -EINVAL;

	if (wn) {
		mutex_lock(&wn->config_lock);
		event = wfpredir_notify_rule_msg(wn, WFPREDIR_CMD_DEL_RULE,
						 nla_get_u32(tb[WFPREDIR_A_RULE_ID]));
		ret = wfpredir_rule_delete(wn,
					   nla_get_u32(tb[WFPREDIR_A_RULE_ID]),
					   extack);
		wfpredir_notify_send(wn->net, event, ret);
		mutex_unlock(&wn->config_lock);
		wfpredir_net_maybe_idle(wn);
	} else {
		ret = -ENOENT;
	}
	if (ret == -ENOENT)
		NL_SET_BAD_ATTR(extack, tb[WFPREDIR_A_RULE_ID]);
	return ret;
}

static int wfpredir_genl_flush_rules(struct sk_buff *skb,
				     struct genl_info *info)
{
	struct wfpredir_net *wn = wfpredir_net_active(genl_info_net(info));
	char buf[WFPREDIR_TABLE_NAME_MAX];
	const char *table;
	int ret;

	ret = wfpredir_flush_table(info, buf, &table);
	if (ret || !wn)
		return ret;
	mutex_lock(&wn->config_lock);
	wfpredir_rules_flush(wn, table);
	wfpredir_notify_flush(wn->net, WFPREDIR_CMD_FLUSH_RULES, table, 0);
	mutex_unlock(&wn->config_lock);
	wfpredir_net_maybe_idle(wn);
	return 0;
}

/*
 * Only what was given, so that the CLI prints the rule as it was written;
 * libwfpredir fills in the defaults of what is absent.
 */
int wfpredir_fill_rule(struct sk_buff *skb, const struct wfpredir_rule *rule)
{
	struct wfpredir_rule_spec spec;
	struct nlattr *nest;

	wfpredir_rule_spec(rule, &spec);
	nest = nla_nest_start(skb, WFPREDIR_A_RULE);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, WFPREDIR_A_RULE_ID, spec.id) ||
	    nla_put_u32(skb, WFPREDIR_A_RULE_PRIORITY, spec.priority) ||
	    nla_put_u32(skb, WFPREDIR_A_RULE_SERVICE, spec.service_id) ||
	    nla_put_string(skb, WFPREDIR_A_RULE_TABLE, spec.table) ||
	    (spec.family &&
	     nla_put_u8(skb, WFPREDIR_A_RULE_FAMILY, spec.family)) ||
	    (spec.protocol &&
	     nla_put_u8(skb, WFPREDIR_A_RULE_PROTOCOL, spec.protocol)) ||
	    (spec.has_daddr &&
	     (nla_put(skb, WFPREDIR_A_RULE_DADDR,
		      spec.family == AF_INET ? 4 : 16, &spec.daddr) ||
	      nla_put_u8(skb, WFPREDIR_A_RULE_DPREFIX, spec.prefix))) ||
	    ((spec.dport_min || spec.dport_max != U16_MAX) &&
	     (nla_put_u16(skb, WFPREDIR_A_RULE_DPORT_MIN, spec.dport_min) ||
	      nla_put_u16(skb, WFPREDIR_A_RULE_DPORT_MAX, spec.dport_max))) ||
	    (spec.has_uid &&
	     (nla_put_u32(skb, WFPREDIR_A_RULE_UID_MIN, spec.uid_min) ||
	      nla_put_u32(skb, WFPREDIR_A_RULE_UID_MAX, spec.uid_max))) ||
	    (spec.cgroup &&
	     nla_put_string(skb, WFPREDIR_A_RULE_CGROUP, spec.cgroup)) ||
	    (spec.context_len &&
	     nla_put(skb, WFPREDIR_A_RULE_CONTEXT, spec.context_len,
		     spec.context)) ||
	    nla_put_u64_64bit(skb, WFPREDIR_A_RULE_MATCHES,
			      atomic64_read(&rule->matches),
			      WFPREDIR_A_RULE_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* cb->args[0]: the next id to dump. */
static int wfpredir_genl_dump_rules(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct wfpredir_net *wn = wfpredir_net_active(sock_net(skb->sk));
	const struct wfpredir_rule *rule;
	unsigned long id = cb->args[0];
	void *hdr;
	int ret = 0;

	if (!wn)
		return 0;
	cb->seq = READ_ONCE(wn->rules.gen);
	rcu_read_lock();
	while ((rule = wfpredir_rule_next(wn, &id))) {
		hdr = wfpredir_dump_put(skb, cb, WFPREDIR_CMD_GET_RULE);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		ret = wfpredir_fill_rule(skb, rule);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	rcu_read_unlock();
	cb->args[0] = id;
	return wfpredir_dump_ret(skb, ret);
}

/* -------------------------------------------------------------- apply */

/*
 * An APPLY's state: the tables it replaces, with what it does to them for
 * its events; the strings of one object.
 */
struct wfpredir_apply {
	struct wfpredir_parsed p;
	struct wfpredir_notify_apply ev;
};

/* Whether @table is one the APPLY replaces. */
static bool wfpredir_apply_names(struct wfpredir_apply *a,
				 const char *table)
{
	return wfpredir_notify_table(&a->ev, table);
}

static int wfpredir_apply_table(struct wfpredir_tx *tx,
				struct wfpredir_apply *a, struct nlattr *attr,
				struct netlink_ext_ack *extack)
{
	int ret;

	ret = wfpredir_nla_table(attr, a->p.table, extack);
	if (ret || wfpredir_apply_names(a, a->p.table))
		return ret;
	if (a->ev.n_tables == WFPREDIR_APPLY_TABLES_MAX) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "too many tables in one transaction (at most 64)");
		return -E2BIG;
	}
	strscpy(a->ev.tables[a->ev.n_tables++].name, a->p.table,
		WFPREDIR_TABLE_NAME_MAX);
	wfpredir_tx_replace_table(tx, a->p.table);
	return 0;
}

/* One object of an APPLY: a table to replace, a service or a rule. */
static int wfpredir_apply_one(struct wfpredir_tx *tx, struct sk_buff *skb,
			      struct genl_info *info, struct nlattr *attr,
			      struct wfpredir_apply *a)
{
	struct wfpredir_parsed *p = &a->p;
	struct nlattr *stb[ARRAY_SIZE(wfpredir_service_new_policy)];
	struct nlattr *rtb[ARRAY_SIZE(wfpredir_rule_new_policy)];
	struct netlink_ext_ack *extack = info->extack;
	struct wfpredir_service_spec sspec;
	struct wfpredir_rule_spec rspec;
	struct wfpredir_service *service;
	u32 id;
	int ret;

	switch (nla_type(attr)) {
	case WFPREDIR_A_TABLE:
		return wfpredir_apply_table(tx, a, attr, extack);
	case WFPREDIR_A_SERVICE:
		ret = wfpredir_service_parse(skb, attr, stb, &sspec, p, extack);
		if (ret)
			return ret;
		if (!wfpredir_apply_names(a, p->table))
			goto unnamed;
		service = wfpredir_tx_service(tx, &sspec, extack);
		return PTR_ERR_OR_ZERO(service);
	case WFPREDIR_A_RULE:
		ret = wfpredir_rule_parse(attr, rtb, &rspec, p, extack);
		if (ret)
			return ret;
		if (!wfpredir_apply_names(a, p->table))
			goto unnamed;
		return wfpredir_rule_resolve(tx->wn, &rspec, p, extack) ?:
		       wfpredir_rules_tx_add(tx->wn, &tx->rules, &rspec, &id,
					     extack);
	default:
		/* CONFIG_*: applied after the commit; CHECK. */
		return 0;
	}
unnamed:
	NL_SET_ERR_MSG_ATTR(extack, attr,
			    "the object's table is not one the transaction replaces");
	return -EINVAL;
}

/* Tables first, whatever their place: the objects are their new content. */
static int wfpredir_apply_all(struct wfpredir_tx *tx, struct sk_buff *skb,
			      struct genl_info *info, struct wfpredir_apply *a)
{
	const struct nlmsghdr *nlh = info->nlhdr;
	struct nlattr *attr;
	int pass, rem, ret;

	for (pass = 0; pass < 2; pass++) {
		nlmsg_for_each_attr(attr, nlh, GENL_HDRLEN, rem) {
			if ((nla_type(attr) == WFPREDIR_A_TABLE) != !pass)
				continue;
			ret = wfpredir_apply_one(tx, skb, info, attr, a);
			if (ret) {
				/* The CLI maps the object to its line. */
				if (info->extack && !info->extack->bad_attr)
					info->extack->bad_attr = attr;
				return ret;
			}
			cond_resched();
		}
	}
	return 0;
}

static void wfpredir_apply_config(struct wfpredir_net *wn,
				  struct nlattr **attrs)
{
	if (attrs[WFPREDIR_A_CONFIG_CHAIN_MAX])
		WRITE_ONCE(wn->chain_max,
			   nla_get_u32(attrs[WFPREDIR_A_CONFIG_CHAIN_MAX]));
	if (attrs[WFPREDIR_A_CONFIG_INHERIT])
		WRITE_ONCE(wn->inherit,
			   !!nla_get_u8(attrs[WFPREDIR_A_CONFIG_INHERIT]));
	if (attrs[WFPREDIR_A_CONFIG_FLOW_SHARE])
		wfpredir_flowstore_set_share(&wn->flows,
					     nla_get_u32(attrs[WFPREDIR_A_CONFIG_FLOW_SHARE]));
}

static int wfpredir_genl_apply(struct sk_buff *skb, struct genl_info *info)
{
	bool check = nla_get_flag(info->attrs[WFPREDIR_A_CHECK]);
	struct net *net = genl_info_net(info);
	struct wfpredir_apply *a;
	struct wfpredir_net *wn;
	struct wfpredir_tx tx;
	int ret;

	/* Too large for the stack. */
	a = kzalloc(sizeof(*a), GFP_KERNEL);
	if (!a)
		return -ENOMEM;
	wn = wfpredir_net_activate(net);
	if (IS_ERR(wn)) {
		kfree(a);
		return PTR_ERR(wn);
	}
	mutex_lock(&wn->config_lock);
	ret = wfpredir_genl_hook_enable(net, info->extack);
	if (!ret) {
		wfpredir_tx_begin(wn, &tx);
		ret = wfpredir_apply_all(&tx, skb, info, a) ?:
		      wfpredir_tx_check(&tx, info->extack);
		if (ret || check) {
			/* Nothing changed: nothing to tell. */
			wfpredir_tx_abort(&tx);
		} else {
			/* What goes is counted while it is still there. */
			wfpredir_notify_apply_prepare(wn, &a->ev);
			ret = wfpredir_tx_commit(&tx, info->extack);
			if (!ret)
				wfpredir_notify_apply_commit(wn, &a->ev);
		}
	}
	if (!ret && !check)
		wfpredir_apply_config(wn, info->attrs);
	mutex_unlock(&wn->config_lock);
	wfpredir_net_maybe_idle(wn);
	kfree(a->p.cgroup);
	kfree(a);
	return ret;
}

/* --------------------------------------------------------------- flows */

/* The record chain, as issued; a first redirect's is built from the flow. */
static int wfpredir_put_flow_records(struct sk_buff *skb,
				     const struct wfpredir_flow *flow)
{
	struct nlattr *attr;

	attr = nla_reserve(skb, WFPREDIR_A_FLOW_RECORDS,
			   wfpredir_flow_records_len(flow));
	if (!attr)
		return -EMSGSIZE;
	wfpredir_flow_records_copy(flow, nla_data(attr));
	return 0;
}

/*
 * The context, as stored (init-namespace identities, as the records): the
 * default one is built from the flow, straight into the message.
 */
static int wfpredir_put_flow_context(struct sk_buff *skb,
				     const struct wfpredir_flow *flow)
{
	struct nlattr *attr;

	if (!flow->context_len)
		return 0;
	attr = nla_reserve(skb, WFPREDIR_A_FLOW_CONTEXT, flow->context_len);
	if (!attr)
		return -EMSGSIZE;
	wfpredir_flow_context_copy(flow, nla_data(attr));
	return 0;
}

static int wfpredir_fill_flow(struct sk_buff *skb,
			      const struct wfpredir_flow *flow)
{
	const struct nf_conntrack_tuple *orig =
		&flow->ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *reply =
		&flow->ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	u8 family = orig->src.l3num;
	int alen = family == AF_INET ? 4 : 16;
	struct nlattr *nest;

	nest = nla_nest_start(skb, WFPREDIR_A_FLOW);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, WFPREDIR_A_FLOW_FAMILY, family) ||
	    nla_put_u8(skb, WFPREDIR_A_FLOW_PROTOCOL, orig->dst.protonum) ||
	    nla_put(skb, WFPREDIR_A_FLOW_ORIG_SADDR, alen, &orig->src.u3) ||
	    nla_put_u16(skb, WFPREDIR_A_FLOW_ORIG_SPORT,
			ntohs(orig->src.u.all)) ||
	    nla_put(skb, WFPREDIR_A_FLOW_ORIG_DADDR, alen, &orig->dst.u3) ||
	    nla_put_u16(skb, WFPREDIR_A_FLOW_ORIG_DPORT,
			ntohs(orig->dst.u.all)))
		goto err;
	/* Redirected: the reply comes from where the flow was sent. */
	if (flow->service_id &&
	    (nla_put(skb, WFPREDIR_A_FLOW_REDIR_DADDR, alen, &reply->src.u3) ||
	     nla_put_u16(skb, WFPREDIR_A_FLOW_REDIR_DPORT,
			 ntohs(reply->src.u.all)) ||
	     nla_put_u32(skb, WFPREDIR_A_FLOW_SERVICE, flow->service_id) ||
	     nla_put_u32(skb, WFPREDIR_A_FLOW_RULE, flow->rule_id)))
		goto err;
	if (wfpredir_put_flow_records(skb, flow) ||
	    wfpredir_put_flow_context(skb, flow) ||
	    nla_put_u64_64bit(skb, WFPREDIR_A_FLOW_AGE_MS,
			      jiffies_to_msecs(jiffies - flow->born),
			      WFPREDIR_A_FLOW_PAD))
		goto err;
	nla_nest_end(skb, nest);
	return 0;

err:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/*
 * cb->args[0]: the walker, from .start to .done; none in a namespace that
 * never used wfpredir.
 */
static int wfpredir_genl_flows_start(struct netlink_callback *cb)
{
	struct wfpredir_net *wn = wfpredir_net_active(sock_net(cb->skb->sk));
	struct rhashtable_iter *iter;

	if (!wn)
		return 0;
	iter = kmalloc(sizeof(*iter), GFP_KERNEL);
	if (!iter)
		return -ENOMEM;
	wfpredir_flowstore_walk_enter(&wn->flows, iter);
	cb->args[0] = (long)iter;
	return 0;
}

static int wfpredir_genl_flows_done(struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];

	if (iter) {
		rhashtable_walk_exit(iter);
		kfree(iter);
	}
	return 0;
}

static int wfpredir_genl_dump_flows(struct sk_buff *skb,
				    struct netlink_callback *cb)
{
	struct rhashtable_iter *iter = (struct rhashtable_iter *)cb->args[0];
	struct wfpredir_flow *flow;
	void *hdr;
	int ret = 0;

	if (!iter)
		return 0;
	rhashtable_walk_start(iter);
	for (;;) {
		/* Peek: a flow that does not fit is the next call's first. */
		flow = rhashtable_walk_peek(iter);
		if (IS_ERR(flow)) {
			if (PTR_ERR(flow) == -EAGAIN)
				continue;	/* resized: some may repeat */
			ret = PTR_ERR(flow);
			break;
		}
		if (!flow)
			break;
		/*
		 * Not confirmed: its first packet has not left, and may never
		 * (a ghost, until the collector's next round).
		 */
		if (!nf_ct_is_confirmed(flow->ct)) {
			rhashtable_walk_next(iter);
			continue;
		}
		hdr = wfpredir_dump_put(skb, cb, WFPREDIR_CMD_GET_FLOW);
		if (!hdr) {
			ret = -EMSGSIZE;
			break;
		}
		ret = wfpredir_fill_flow(skb, flow);
		if (ret) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		rhashtable_walk_next(iter);
	}
	rhashtable_walk_stop(iter);
	return wfpredir_dump_ret(skb, ret);
}

/* ---------------------------------------------------------- the family */

/*
 * Commands without a policy take no attributes: the core gives them one
 * that rejects all (resv_start_op below).
 */
static const struct genl_ops wfpredir_genl_ops[] = {
	{
		.cmd = WFPREDIR_CMD_GET_INFO,
		.doit = wfpredir_genl_get_info,
		/* No flags: the info is public. */
	},
	{
		.cmd = WFPREDIR_CMD_SET_CONFIG,
		.doit = wfpredir_genl_set_config,
		.policy = wfpredir_config_policy,
		.maxattr = ARRAY_SIZE(wfpredir_config_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_NEW_SERVICE,
		.doit = wfpredir_genl_new_service,
		.policy = wfpredir_new_service_policy,
		.maxattr = ARRAY_SIZE(wfpredir_new_service_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_DEL_SERVICE,
		.doit = wfpredir_genl_del_service,
		.policy = wfpredir_del_service_policy,
		.maxattr = ARRAY_SIZE(wfpredir_del_service_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_GET_SERVICE,
		.dumpit = wfpredir_genl_dump_services,
		/*
		 * Services name their owners (uids, cgroup paths), rules
		 * their custom context and cgroup paths: admins of the
		 * namespace only, as nfnetlink's dumps.
		 */
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_FLUSH_SERVICES,
		.doit = wfpredir_genl_flush_services,
		.policy = wfpredir_flush_policy,
		.maxattr = ARRAY_SIZE(wfpredir_flush_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_NEW_RULE,
		.doit = wfpredir_genl_new_rule,
		.policy = wfpredir_new_rule_policy,
		.maxattr = ARRAY_SIZE(wfpredir_new_rule_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_DEL_RULE,
		.doit = wfpredir_genl_del_rule,
		.policy = wfpredir_del_rule_policy,
		.maxattr = ARRAY_SIZE(wfpredir_del_rule_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_GET_RULE,
		.dumpit = wfpredir_genl_dump_rules,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_FLUSH_RULES,
		.doit = wfpredir_genl_flush_rules,
		.policy = wfpredir_flush_policy,
		.maxattr = ARRAY_SIZE(wfpredir_flush_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_APPLY,
		.doit = wfpredir_genl_apply,
		.policy = wfpredir_apply_policy,
		.maxattr = ARRAY_SIZE(wfpredir_apply_policy) - 1,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = WFPREDIR_CMD_GET_FLOW,
		.start = wfpredir_genl_flows_start,
		.dumpit = wfpredir_genl_dump_flows,
		.done = wfpredir_genl_flows_done,
		/*
		 * Flows name other users' processes (uid, pid, comm), as
		 * conntrack does: admins of the namespace only.
		 */
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family wfpredir_genl_family __ro_after_init = {
	.name = WFPREDIR_GENL_NAME,
	.version = WFPREDIR_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = wfpredir_genl_ops,
	.n_ops = ARRAY_SIZE(wfpredir_genl_ops),
	/* None on a kernel that cannot restrict who joins (compat.h). */
	.mcgrps = wfpredir_notify_mcgrps,
	.n_mcgrps = WFPREDIR_EVENTS,
	/*
	 * Strict validation from the first command on: unknown attributes,
	 * trailing bytes and reserved header bits are all refused.
	 */
	.resv_start_op = WFPREDIR_CMD_GET_INFO,
	.netnsok = true,
	/* Commands lock what they change; none needs genl_mutex. */
	.parallel_ops = true,
};

/**
 * wfpredir_genl_init - register the generic netlink family
 *
 * Context: module init.
 * Return: 0 or a negative errno.
 */
int __init wfpredir_genl_init(void)
{
	return genl_register_family(&wfpredir_genl_family);
}

/**
 * wfpredir_genl_uninit - unregister the generic netlink family
 *
 * Context: module exit.
 */
void wfpredir_genl_uninit(void)
{
	genl_unregister_family(&wfpredir_genl_family);
}
