// SPDX-License-Identifier: MIT
/*
 * Events: the module's multicast group, read as ip monitor reads rtnetlink.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/*
 * The kernel sends one event per datagram, each well under a page; a
 * service or rule with the longest cgroup path and context is the largest.
 */
#define MONITOR_BUF_SIZE 65536
/* Room for a burst of flow events before the kernel has to drop some. */
#define MONITOR_RCVBUF (1 << 20)

struct wfpredir_monitor {
	struct nl_sock *sk;
	int family;
	unsigned char buf[MONITOR_BUF_SIZE];
};

void wfpredir_monitor_close(struct wfpredir_monitor *mon)
{
	if (!mon)
		return;
	nl_socket_free(mon->sk);
	free(mon);
}

/* What the resolution failed with, as the errno the API promises. */
static int resolve_error(int nlerr)
{
	switch (-nlerr) {
	case NLE_OBJ_NOTFOUND:
		return -EOPNOTSUPP;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	default:
		return -EIO;
	}
}

struct wfpredir_monitor *wfpredir_monitor_open(int *err)
{
	struct wfpredir_monitor *mon;
	int rcvbuf = MONITOR_RCVBUF, one = 1;
	int grp, rc;

	mon = calloc(1, sizeof(*mon));
	if (!mon) {
		rc = -ENOMEM;
		goto fail;
	}
	mon->sk = nl_socket_alloc();
	if (!mon->sk) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = genl_connect(mon->sk);
	if (rc < 0) {
		rc = rc == -NLE_NOMEM ? -ENOMEM : -EIO;
		goto fail;
	}
	rc = genl_ctrl_resolve(mon->sk, WFPREDIR_GENL_NAME);
	if (rc < 0) {
		rc = resolve_error(rc);
		goto fail;
	}
	mon->family = rc;
	grp = genl_ctrl_resolve_grp(mon->sk, WFPREDIR_GENL_NAME, WFPREDIR_GENL_MCGRP_EVENTS);
	if (grp < 0) {
		/* The family is there without the group: no events offered. */
		rc = grp == -NLE_OBJ_NOTFOUND ? -EPROTONOSUPPORT : resolve_error(grp);
		goto fail;
	}
	/* The kernel checks the capability here; setsockopt() keeps its errno. */
	if (setsockopt(nl_socket_get_fd(mon->sk), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp,
		       sizeof(grp))) {
		rc = -errno;
		goto fail;
	}
	/* Best effort: the default buffer works too, losing more under floods. */
	(void)setsockopt(nl_socket_get_fd(mon->sk), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	/*
	 * Without it the kernel's send succeeds though this socket missed the
	 * event, and the module cannot count the loss (events_lost in
	 * wfpredir_info). The socket itself reads ENOBUFS either way.
	 */
	(void)setsockopt(nl_socket_get_fd(mon->sk), SOL_NETLINK, NETLINK_BROADCAST_ERROR, &one,
			 sizeof(one));
	if (err)
		*err = 0;
	return mon;
fail:
	wfpredir_monitor_close(mon);
	if (err)
		*err = rc;
	return NULL;
}

int wfpredir_monitor_fd(const struct wfpredir_monitor *mon)
{
	return mon ? nl_socket_get_fd(mon->sk) : -EINVAL;
}

/* ------------------------------------------------------------- parsing */

static const struct nla_policy top_policy[WFPREDIR_A_MAX + 1] = {
	[WFPREDIR_A_FLOW] = { .type = NLA_NESTED },
	[WFPREDIR_A_TABLE] = { .type = NLA_STRING, .maxlen = WFPREDIR_TABLE_NAME_MAX },
	[WFPREDIR_A_APPLY_SERVICES_DELETED] = { .type = NLA_U32 },
	[WFPREDIR_A_APPLY_SERVICES_ADDED] = { .type = NLA_U32 },
	[WFPREDIR_A_APPLY_SERVICES_KEPT] = { .type = NLA_U32 },
	[WFPREDIR_A_APPLY_RULES_DELETED] = { .type = NLA_U32 },
	[WFPREDIR_A_APPLY_RULES_ADDED] = { .type = NLA_U32 },
};

static const struct nla_policy flow_event_policy[WFPREDIR_A_FLOW_MAX + 1] = {
	[WFPREDIR_A_FLOW_EVENT] = { .type = NLA_U8 },
	[WFPREDIR_A_FLOW_REASON] = { .type = NLA_U8 },
	[WFPREDIR_A_FLOW_UID] = { .type = NLA_U32 },
};

static int parse_flow_event(struct nl_msg *msg, struct wfpredir_monitor_event *out)
{
	struct nlattr *top[WFPREDIR_A_MAX + 1];
	struct nlattr *tb[WFPREDIR_A_FLOW_MAX + 1];
	struct wfpredir_event_flow fe;
	uint8_t event;

	/* The flow as a dump tells it; then what only events carry. */
	if (wfpredir__ctl_parse_flow(msg, &fe.flow))
		return -EPROTO;
	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, WFPREDIR_A_MAX, top_policy) < 0 ||
	    !top[WFPREDIR_A_FLOW] ||
	    nla_parse_nested(tb, WFPREDIR_A_FLOW_MAX, top[WFPREDIR_A_FLOW], flow_event_policy) < 0)
		return -EPROTO;
	if (!tb[WFPREDIR_A_FLOW_EVENT] || !tb[WFPREDIR_A_FLOW_UID])
		return -EPROTO;
	event = nla_get_u8(tb[WFPREDIR_A_FLOW_EVENT]);
	fe.uid = nla_get_u32(tb[WFPREDIR_A_FLOW_UID]);
	fe.reason = tb[WFPREDIR_A_FLOW_REASON] ? nla_get_u8(tb[WFPREDIR_A_FLOW_REASON]) : 0;
	/* A dump's "redirected" means redir_dst is set; events may name the
	 * rule of a refused flow too. */
	if (!fe.flow.redirected && (tb[WFPREDIR_A_FLOW_SERVICE] || tb[WFPREDIR_A_FLOW_RULE])) {
		if (tb[WFPREDIR_A_FLOW_SERVICE])
			fe.flow.service_id = nla_get_u32(tb[WFPREDIR_A_FLOW_SERVICE]);
		if (tb[WFPREDIR_A_FLOW_RULE])
			fe.flow.rule_id = nla_get_u32(tb[WFPREDIR_A_FLOW_RULE]);
	}
	switch (event) {
	case WFPREDIR_FLOW_EVENT_REDIRECT:
		if (!fe.flow.redirected || fe.reason)
			return -EPROTO;
		out->type = WFPREDIR_EVENT_REDIRECT;
		break;
	case WFPREDIR_FLOW_EVENT_REFUSED:
	case WFPREDIR_FLOW_EVENT_SKIPPED:
		if (fe.flow.redirected || !fe.reason)
			return -EPROTO;
		out->type = event == WFPREDIR_FLOW_EVENT_REFUSED ? WFPREDIR_EVENT_REFUSED
								 : WFPREDIR_EVENT_SKIPPED;
		break;
	default:
		/* A newer module's kind of flow event. */
		return -ENOENT;
	}
	out->flow = fe;
	return 0;
}

/* A flush's table, if one; an apply's table and counts. */
static int parse_top(struct nl_msg *msg, struct wfpredir_monitor_event *ev)
{
	static const int counts[] = {
		WFPREDIR_A_APPLY_SERVICES_DELETED, WFPREDIR_A_APPLY_SERVICES_ADDED,
		WFPREDIR_A_APPLY_SERVICES_KEPT,	   WFPREDIR_A_APPLY_RULES_DELETED,
		WFPREDIR_A_APPLY_RULES_ADDED,
	};
	uint32_t *out[] = {
		&ev->apply.services_deleted, &ev->apply.services_added, &ev->apply.services_kept,
		&ev->apply.rules_deleted,    &ev->apply.rules_added,
	};
	struct nlattr *tb[WFPREDIR_A_MAX + 1];
	size_t i;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WFPREDIR_A_MAX, top_policy) < 0)
		return -EPROTO;
	if (tb[WFPREDIR_A_TABLE])
		nla_strlcpy(ev->table, tb[WFPREDIR_A_TABLE], sizeof(ev->table));
	if (ev->type != WFPREDIR_EVENT_APPLY)
		return 0;
	if (!tb[WFPREDIR_A_TABLE])
		return -EPROTO;
	for (i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		if (!tb[counts[i]])
			return -EPROTO;
		*out[i] = nla_get_u32(tb[counts[i]]);
	}
	return 0;
}

int wfpredir__monitor_parse(struct nl_msg *msg, struct wfpredir_monitor_event *out)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct wfpredir_monitor_event ev;
	struct genlmsghdr *gh;
	int rc = 0;

	if (!genlmsg_valid_hdr(nlh, 0))
		return -EPROTO;
	gh = genlmsg_hdr(nlh);
	memset(&ev, 0, sizeof(ev));
	switch (gh->cmd) {
	case WFPREDIR_CMD_NEW_SERVICE:
	case WFPREDIR_CMD_DEL_SERVICE:
		ev.type = gh->cmd == WFPREDIR_CMD_NEW_SERVICE ? WFPREDIR_EVENT_NEW_SERVICE
							      : WFPREDIR_EVENT_DEL_SERVICE;
		rc = wfpredir__ctl_parse_service2(msg, &ev.service, ev.table);
		break;
	case WFPREDIR_CMD_NEW_RULE:
	case WFPREDIR_CMD_DEL_RULE:
		ev.type = gh->cmd == WFPREDIR_CMD_NEW_RULE ? WFPREDIR_EVENT_NEW_RULE
							   : WFPREDIR_EVENT_DEL_RULE;
		rc = wfpredir__ctl_parse_rule2(msg, &ev.rule, ev.table);
		break;
	case WFPREDIR_CMD_FLUSH_SERVICES:
		ev.type = WFPREDIR_EVENT_FLUSH_SERVICES;
		rc = parse_top(msg, &ev);
		break;
	case WFPREDIR_CMD_FLUSH_RULES:
		ev.type = WFPREDIR_EVENT_FLUSH_RULES;
		rc = parse_top(msg, &ev);
		break;
	case WFPREDIR_CMD_APPLY:
		ev.type = WFPREDIR_EVENT_APPLY;
		rc = parse_top(msg, &ev);
		break;
	case WFPREDIR_CMD_FLOW_EVENT:
		rc = parse_flow_event(msg, &ev);
		break;
	default:
		return -ENOENT;
	}
	if (rc)
		return rc;
	*out = ev;
	return 0;
}

/* -------------------------------------------------------------- reading */

static int deliver(struct wfpredir_monitor *mon, struct nlmsghdr *nlh, wfpredir_monitor_fn fn,
		   void *arg)
{
	struct wfpredir_monitor_event *ev;
	struct nl_msg *msg;
	int rc;

	/* Only the family's messages; netlink's own (NLMSG_*) are not events. */
	if (nlh->nlmsg_type != mon->family)
		return 0;
	msg = nlmsg_convert(nlh);
	ev = malloc(sizeof(*ev));
	if (!msg || !ev) {
		nlmsg_free(msg);
		free(ev);
		return -ENOMEM;
	}
	rc = wfpredir__monitor_parse(msg, ev);
	/* Not understood (a newer module's, or malformed): skipped. */
	rc = rc ? 0 : fn(ev, arg);
	nlmsg_free(msg);
	free(ev);
	return rc;
}

int wfpredir_monitor_read(struct wfpredir_monitor *mon, wfpredir_monitor_fn fn, void *arg)
{
	struct wfpredir_monitor_event lost = { .type = WFPREDIR_EVENT_LOST };
	struct nlmsghdr *nlh;
	ssize_t n;
	int rem;

	if (!mon || !fn)
		return -EINVAL;
	n = recv(nl_socket_get_fd(mon->sk), mon->buf, sizeof(mon->buf), 0);
	if (n < 0) {
		/* The kernel dropped events for this socket; reading goes on. */
		if (errno == ENOBUFS)
			return fn(&lost, arg);
		return -errno;
	}
	rem = (int)n;
	for (nlh = (struct nlmsghdr *)mon->buf; nlmsg_ok(nlh, rem); nlh = nlmsg_next(nlh, &rem)) {
		int rc = deliver(mon, nlh, fn, arg);

		if (rc)
			return rc;
	}
	return 0;
}
