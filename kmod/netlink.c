// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family. Every command acts on the caller's network
 * namespace.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netlink.h"
#include "netns.h"
#include "records.h"
#include "sockstore.h"
#include "version.h"

#include <net/genetlink.h>
#include <net/netlink.h>

static struct genl_family wfpredir_genl_family;

static size_t wfpredir_genl_info_size(void)
{
	return nla_total_size(sizeof(WFPREDIR_VERSION)) +	/* VERSION */
	       nla_total_size(sizeof(u32)) +	/* SO_BASE */
	       nla_total_size(sizeof(u32)) +	/* RECORDS_VERSION */
	       nla_total_size(sizeof(u32)) +	/* RECORDS_MAX_LEN */
	       nla_total_size(sizeof(u32)) +	/* SOCKETS */
	       nla_total_size(sizeof(u32));	/* SOCKETS_MAX */
}

static int wfpredir_genl_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct wfpredir_net *wn = wfpredir_net(genl_info_net(info));
	struct sk_buff *msg;
	void *hdr;

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
	    nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS,
			wfpredir_sockstore_count(&wn->socks)) ||
	    nla_put_u32(msg, WFPREDIR_A_INFO_SOCKETS_MAX, wn->socks.max))
		goto err;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/*
 * GET_INFO takes no attributes. The family has no policy, and with
 * resv_start_op at 0 the core rejects any attribute a command is sent.
 */
static const struct genl_small_ops wfpredir_genl_ops[] = {
	{
		.cmd = WFPREDIR_CMD_GET_INFO,
		.doit = wfpredir_genl_get_info,
		/* No flags: the info is public. */
	},
};

static struct genl_family wfpredir_genl_family __ro_after_init = {
	.name = WFPREDIR_GENL_NAME,
	.version = WFPREDIR_GENL_VERSION,
	.module = THIS_MODULE,
	.small_ops = wfpredir_genl_ops,
	.n_small_ops = ARRAY_SIZE(wfpredir_genl_ops),
	.netnsok = true,
	/* Commands keep no state between calls; none needs genl_mutex. */
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
