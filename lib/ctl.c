// SPDX-License-Identifier: MIT
/*
 * The control API: the wfpredir generic netlink family, over libnl-genl-3.
 */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

struct wfpredir_ctl {
	struct nl_sock *sk;
	int family;
};

/* libnl keeps only a class of error; give back the nearest errno. */
static int errno_from_nl(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_INTR:
		return -EINTR;
	case NLE_BAD_SOCK:
		return -EBADF;
	case NLE_AGAIN:
		return -EAGAIN;
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_EXIST:
		return -EEXIST;
	case NLE_INVAL:
		return -EINVAL;
	case NLE_RANGE:
		return -ERANGE;
	case NLE_MSGSIZE:
		return -EMSGSIZE;
	case NLE_OPNOTSUPP:
		return -EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	case NLE_OBJ_NOTFOUND:
		return -ENOENT;
	case NLE_BUSY:
		return -EBUSY;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_PERM:
		return -EPERM;
	case NLE_NODEV:
		return -ENODEV;
	case NLE_FAILURE:
		return -EIO;
	default: /* malformed, truncated or unexpected messages */
		return -EPROTO;
	}
}

void wfpredir_ctl_close(struct wfpredir_ctl *ctl)
{
	if (!ctl)
		return;
	nl_socket_free(ctl->sk);
	free(ctl);
}

struct wfpredir_ctl *wfpredir_ctl_open(int *err)
{
	struct wfpredir_ctl *ctl;
	int rc;

	ctl = calloc(1, sizeof(*ctl));
	if (!ctl) {
		rc = -ENOMEM;
		goto fail;
	}
	ctl->sk = nl_socket_alloc();
	if (!ctl->sk) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = genl_connect(ctl->sk);
	if (rc < 0) {
		rc = errno_from_nl(rc);
		goto fail;
	}
	rc = genl_ctrl_resolve(ctl->sk, WFPREDIR_GENL_NAME);
	if (rc < 0) {
		/* No such family: the module is not loaded. */
		rc = rc == -NLE_OBJ_NOTFOUND ? -EOPNOTSUPP : errno_from_nl(rc);
		goto fail;
	}
	ctl->family = rc;
	if (err)
		*err = 0;
	return ctl;
fail:
	wfpredir_ctl_close(ctl);
	if (err)
		*err = rc;
	return NULL;
}

/* The module sends every one of these; the parse requires them all. */
static const struct nla_policy info_policy[WFPREDIR_A_MAX + 1] = {
	[WFPREDIR_A_INFO_VERSION] = { .type = NLA_STRING,
				      .maxlen = sizeof(((struct wfpredir_info *)0)->version) },
	[WFPREDIR_A_INFO_SO_BASE] = { .type = NLA_U32 },
	[WFPREDIR_A_INFO_RECORDS_VERSION] = { .type = NLA_U32 },
	[WFPREDIR_A_INFO_RECORDS_MAX_LEN] = { .type = NLA_U32 },
	[WFPREDIR_A_INFO_SOCKETS] = { .type = NLA_U32 },
	[WFPREDIR_A_INFO_SOCKETS_MAX] = { .type = NLA_U32 },
};

static const int info_required[] = {
	WFPREDIR_A_INFO_VERSION,	 WFPREDIR_A_INFO_SO_BASE, WFPREDIR_A_INFO_RECORDS_VERSION,
	WFPREDIR_A_INFO_RECORDS_MAX_LEN, WFPREDIR_A_INFO_SOCKETS, WFPREDIR_A_INFO_SOCKETS_MAX,
};

int wfpredir__ctl_parse_info(struct nl_msg *msg, struct wfpredir_info *out)
{
	struct nlattr *tb[WFPREDIR_A_MAX + 1];
	size_t i;

	/* libnl checks each attribute's length, and that the version string
	 * is NUL-terminated and fits out->version. */
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WFPREDIR_A_MAX, info_policy) < 0)
		return -EPROTO;
	for (i = 0; i < sizeof(info_required) / sizeof(info_required[0]); i++)
		if (!tb[info_required[i]])
			return -EPROTO;
	memset(out, 0, sizeof(*out));
	nla_strlcpy(out->version, tb[WFPREDIR_A_INFO_VERSION], sizeof(out->version));
	out->so_base = nla_get_u32(tb[WFPREDIR_A_INFO_SO_BASE]);
	out->records_version = nla_get_u32(tb[WFPREDIR_A_INFO_RECORDS_VERSION]);
	out->records_max_len = nla_get_u32(tb[WFPREDIR_A_INFO_RECORDS_MAX_LEN]);
	out->sockets = nla_get_u32(tb[WFPREDIR_A_INFO_SOCKETS]);
	out->sockets_max = nla_get_u32(tb[WFPREDIR_A_INFO_SOCKETS_MAX]);
	return 0;
}

struct info_reply {
	struct wfpredir_info info;
	int status; /* 1 while waiting for the ACK, then 0 or -errno */
	int parse;  /* 1 until a reply is parsed, then 0 or -errno */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct info_reply *r = arg;

	if (r->parse == 1)
		r->parse = wfpredir__ctl_parse_info(msg, &r->info);
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct info_reply *r = arg;

	(void)msg;
	r->status = 0;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct info_reply *r = arg;

	(void)nla;
	r->status = e->error < 0 ? e->error : -EPROTO;
	return NL_STOP;
}

int wfpredir_ctl_get_info(struct wfpredir_ctl *ctl, struct wfpredir_info *out)
{
	struct info_reply r = { .status = 1, .parse = 1 };
	struct nl_msg *msg;
	struct nl_cb *cb;
	int rc;

	if (!ctl || !out)
		return -EINVAL;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0, 0, WFPREDIR_CMD_GET_INFO,
			 WFPREDIR_GENL_VERSION)) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	/* nl_send_auto() asks for an ACK, which ends the exchange below. */
	rc = nl_send_auto(ctl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return errno_from_nl(rc);

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &r);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &r);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &r);
	do
		rc = nl_recvmsgs(ctl->sk, cb);
	while (rc >= 0 && r.status > 0);
	nl_cb_put(cb);

	if (r.status < 0) /* the kernel's errno, more precise than libnl's */
		return r.status;
	if (rc < 0)
		return errno_from_nl(rc);
	if (r.parse)
		return r.parse < 0 ? r.parse : -EPROTO;
	*out = r.info;
	return 0;
}
