// SPDX-License-Identifier: MIT
/*
 * The control API: the wfpredir generic netlink family, over libnl-genl-3.
 */
#include "internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>

/* Kernel extack messages are short literals; longer ones are cut. */
#define CTL_ERROR_MAX 256

struct wfpredir_ctl {
	struct nl_sock *sk;
	int family;
	bool has_error;		   /* error holds the last call's extack */
	char error[CTL_ERROR_MAX]; /* NUL-terminated */
	bool has_offs;		   /* error_offs holds the extack's bad attribute */
	uint32_t error_offs;	   /* its offset in the request */
	size_t sndbuf;		   /* the send buffer asked for, 0: the default */
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
	int one = 1;
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
	/* Dumped flows are large: let libnl size its buffer to each read. */
	nl_socket_enable_msg_peek(ctl->sk);
	/* The kernel's reasons come as extended ACKs; without them (older
	 * kernels) errors are plain errnos, so a failure here is harmless. */
	(void)setsockopt(nl_socket_get_fd(ctl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
			 sizeof(one));
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

const char *wfpredir_ctl_error(const struct wfpredir_ctl *ctl)
{
	return ctl && ctl->has_error ? ctl->error : NULL;
}

/* ------------------------------------------------------------ extack */

int wfpredir__ctl_extack(const struct nlmsghdr *nlh, char *buf, size_t len)
{
	const unsigned char *base = (const unsigned char *)nlh;
	const struct nlattr *a;
	size_t total, off, n;

	if (!len || nlh->nlmsg_len < NLMSG_HDRLEN || !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	total = nlh->nlmsg_len;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		struct nlmsgerr e;

		/* struct nlmsgerr, the request unless capped, then the TLVs. */
		if (total < NLMSG_HDRLEN + sizeof(e))
			return 0;
		memcpy(&e, base + NLMSG_HDRLEN, sizeof(e));
		off = sizeof(e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
			if (e.msg.nlmsg_len < NLMSG_HDRLEN || e.msg.nlmsg_len > total)
				return 0;
			off += e.msg.nlmsg_len - NLMSG_HDRLEN;
		}
	} else if (nlh->nlmsg_type == NLMSG_DONE) {
		off = sizeof(int); /* the dump's error, then the TLVs */
	} else {
		return 0;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	if (off >= total)
		return 0;
	a = nla_find((const struct nlattr *)(base + off), (int)(total - off), NLMSGERR_ATTR_MSG);
	if (!a || nla_len(a) <= 0)
		return 0;
	n = strnlen(nla_data(a), (size_t)nla_len(a));
	if (!n)
		return 0;
	if (n > len - 1)
		n = len - 1;
	memcpy(buf, nla_data(a), n);
	buf[n] = '\0';
	return 1;
}

/* Where the TLVs of an NLMSG_ERROR start, or 0 if it has none. */
static size_t extack_tlvs(const struct nlmsghdr *nlh)
{
	const unsigned char *base = (const unsigned char *)nlh;
	struct nlmsgerr e;
	size_t off;

	if (nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(e) || nlh->nlmsg_type != NLMSG_ERROR ||
	    !(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return 0;
	memcpy(&e, base + NLMSG_HDRLEN, sizeof(e));
	off = sizeof(e);
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		if (e.msg.nlmsg_len < NLMSG_HDRLEN || e.msg.nlmsg_len > nlh->nlmsg_len)
			return 0;
		off += e.msg.nlmsg_len - NLMSG_HDRLEN;
	}
	off = NLMSG_HDRLEN + NLMSG_ALIGN(off);
	return off < nlh->nlmsg_len ? off : 0;
}

int wfpredir__ctl_extack_offs(const struct nlmsghdr *nlh, uint32_t *offs)
{
	size_t off = extack_tlvs(nlh);
	const struct nlattr *a;

	if (!off)
		return 0;
	a = nla_find((const struct nlattr *)((const unsigned char *)nlh + off),
		     (int)(nlh->nlmsg_len - off), NLMSGERR_ATTR_OFFS);
	if (!a || nla_len(a) != sizeof(uint32_t))
		return 0;
	*offs = nla_get_u32((struct nlattr *)a);
	return 1;
}

/* ---------------------------------------------------------- exchange */

/*
 * One request and its answer: the replies (each given to on_msg), then the
 * ACK, an error, or for a dump NLMSG_DONE, which carries the dump's error.
 */
struct exchange {
	struct wfpredir_ctl *ctl;
	int (*on_msg)(struct nl_msg *msg, void *arg); /* 0 goes on */
	void *arg;
	int status; /* 1 while waiting, then 0 or the kernel's -errno */
	int result; /* 0, or the first nonzero value of on_msg */
};

static int on_msg_in(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err = 0;

	if (nlh->nlmsg_type == NLMSG_ERROR && nlmsg_datalen(nlh) >= (int)sizeof(int))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	else if (nlh->nlmsg_type == NLMSG_DONE && nlmsg_datalen(nlh) >= (int)sizeof(int))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	if (err < 0) {
		x->ctl->has_error =
			wfpredir__ctl_extack(nlh, x->ctl->error, sizeof(x->ctl->error)) > 0;
		x->ctl->has_offs = wfpredir__ctl_extack_offs(nlh, &x->ctl->error_offs) > 0;
	}
	return NL_OK;
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;

	if (!x->result && x->on_msg)
		x->result = x->on_msg(msg, x->arg);
	return NL_OK;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;

	(void)msg;
	x->status = 0;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err = 0;

	if (nlmsg_datalen(nlh) >= (int)sizeof(err))
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
	x->status = err < 0 ? err : 0;
	return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct exchange *x = arg;

	(void)nla;
	x->status = e->error < 0 ? e->error : -EPROTO;
	return NL_STOP;
}

/* A request for cmd; NLM_F_DUMP in flags for the GET_* dumps. */
static struct nl_msg *ctl_msg(const struct wfpredir_ctl *ctl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (msg && !genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0, flags, cmd,
				WFPREDIR_GENL_VERSION)) {
		nlmsg_free(msg);
		msg = NULL;
	}
	return msg;
}

/* Send msg (and free it), read the answer. */
static int ctl_exchange(struct wfpredir_ctl *ctl, struct nl_msg *msg,
			int (*on_msg)(struct nl_msg *msg, void *arg), void *arg)
{
	struct exchange x = { .ctl = ctl, .on_msg = on_msg, .arg = arg, .status = 1 };
	struct nl_cb *cb;
	int rc;

	/* nl_send_auto() asks for an ACK; a dump ends with NLMSG_DONE instead. */
	rc = nl_send_auto(ctl->sk, msg);
	nlmsg_free(msg);
	if (rc < 0)
		return errno_from_nl(rc);

	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_MSG_IN, NL_CB_CUSTOM, on_msg_in, &x);
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &x);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, &x);
	do
		rc = nl_recvmsgs(ctl->sk, cb);
	while (rc >= 0 && x.status > 0);
	nl_cb_put(cb);

	if (x.status < 0) /* the kernel's errno, more precise than libnl's */
		return x.status;
	/*
	 * The request went, its answer did not come: the kernel could not
	 * allocate it (the ACK, an echo, a dump's next part) and set ENOBUFS
	 * on the socket, which libnl reports as NLE_NOMEM. Whether a change
	 * was made is unknown: ENOBUFS, as netlink says it, not the ENOMEM of
	 * a request the kernel refused with nothing changed.
	 */
	if (rc == -NLE_NOMEM)
		return -ENOBUFS;
	if (rc < 0)
		return errno_from_nl(rc);
	return x.result;
}

/* A request answered by its ACK alone. msg is NULL when it could not be
 * allocated; put_rc is the result of adding its attributes. */
static int ctl_do(struct wfpredir_ctl *ctl, struct nl_msg *msg, int put_rc)
{
	if (!msg)
		return -ENOMEM;
	if (put_rc) {
		nlmsg_free(msg);
		return put_rc;
	}
	return ctl_exchange(ctl, msg, NULL, NULL);
}

static void ctl_begin(struct wfpredir_ctl *ctl)
{
	ctl->has_error = false;
	ctl->has_offs = false;
	ctl->error[0] = '\0';
}

/* ------------------------------------------------------------ policies */

#define POL_U8                              \
	{                                   \
		.type = NLA_U8, .maxlen = 1 \
	}
#define POL_U16                              \
	{                                    \
		.type = NLA_U16, .maxlen = 2 \
	}
#define POL_U32                              \
	{                                    \
		.type = NLA_U32, .maxlen = 4 \
	}
#define POL_U64                              \
	{                                    \
		.type = NLA_U64, .maxlen = 8 \
	}
#define POL_BIN(min, max)                                            \
	{                                                            \
		.type = NLA_UNSPEC, .minlen = (min), .maxlen = (max) \
	}

/* The top level of every reply. libnl checks each attribute's length, and
 * that strings are NUL-terminated and fit their field. */
static const struct nla_policy top_policy[WFPREDIR_A_MAX + 1] = {
	[WFPREDIR_A_INFO_VERSION] = { .type = NLA_STRING,
				      .maxlen = sizeof(((struct wfpredir_info *)0)->version) },
	[WFPREDIR_A_INFO_SO_BASE] = POL_U32,
	[WFPREDIR_A_INFO_RECORDS_VERSION] = POL_U32,
	[WFPREDIR_A_INFO_RECORDS_MAX_LEN] = POL_U32,
	[WFPREDIR_A_INFO_SOCKETS] = POL_U32,
	[WFPREDIR_A_INFO_SOCKETS_MAX] = POL_U32,
	[WFPREDIR_A_INFO_FLOWS] = POL_U32,
	[WFPREDIR_A_INFO_FLOWS_MAX] = POL_U32,
	[WFPREDIR_A_INFO_SERVICES] = POL_U32,
	[WFPREDIR_A_INFO_RULES] = POL_U32,
	[WFPREDIR_A_INFO_RULES_MAX] = POL_U32,
	[WFPREDIR_A_CONFIG_CHAIN_MAX] = POL_U32,
	[WFPREDIR_A_CONFIG_INHERIT] = POL_U8,
	[WFPREDIR_A_STATS_REDIRECTS] = POL_U64,
	[WFPREDIR_A_STATS_CHAIN_CAPPED] = POL_U64,
	[WFPREDIR_A_STATS_INHERITED] = POL_U64,
	[WFPREDIR_A_STATS_TABLE_FULL] = POL_U64,
	[WFPREDIR_A_STATS_NOMEM] = POL_U64,
	[WFPREDIR_A_INFO_HOOK] = POL_U8,
	[WFPREDIR_A_CONFIG_FLOW_SHARE] = POL_U32,
	[WFPREDIR_A_STATS_EVICTED] = POL_U64,
	[WFPREDIR_A_STATS_FLOW_SHARE] = POL_U64,
	[WFPREDIR_A_STATS_EVENTS_LOST] = POL_U64,
	[WFPREDIR_A_SERVICE] = { .type = NLA_NESTED },
	[WFPREDIR_A_RULE] = { .type = NLA_NESTED },
	[WFPREDIR_A_FLOW] = { .type = NLA_NESTED },
};

static const struct nla_policy service_policy[WFPREDIR_A_SERVICE_MAX + 1] = {
	[WFPREDIR_A_SERVICE_ID] = POL_U32,
	[WFPREDIR_A_SERVICE_NAME] = { .type = NLA_STRING, .maxlen = WFPREDIR_SERVICE_NAME_MAX },
	[WFPREDIR_A_SERVICE_ADDR4] = POL_BIN(4, 4),
	[WFPREDIR_A_SERVICE_PORT4] = POL_U16,
	[WFPREDIR_A_SERVICE_ADDR6] = POL_BIN(16, 16),
	[WFPREDIR_A_SERVICE_PORT6] = POL_U16,
	[WFPREDIR_A_SERVICE_REDIRECTS] = POL_U64,
	[WFPREDIR_A_SERVICE_SKIPPED] = POL_U64,
	[WFPREDIR_A_SERVICE_RULES] = POL_U32,
	[WFPREDIR_A_SERVICE_OWNER_UID] = POL_U32,
	[WFPREDIR_A_SERVICE_OWNER_CGROUP] = { .type = NLA_STRING,
					      .maxlen = WFPREDIR_CGROUP_PATH_MAX },
	[WFPREDIR_A_SERVICE_TABLE] = { .type = NLA_STRING, .maxlen = WFPREDIR_TABLE_NAME_MAX },
};

static const struct nla_policy rule_policy[WFPREDIR_A_RULE_MAX + 1] = {
	[WFPREDIR_A_RULE_ID] = POL_U32,
	[WFPREDIR_A_RULE_PRIORITY] = POL_U32,
	[WFPREDIR_A_RULE_SERVICE] = POL_U32,
	[WFPREDIR_A_RULE_FAMILY] = POL_U8,
	[WFPREDIR_A_RULE_PROTOCOL] = POL_U8,
	[WFPREDIR_A_RULE_DADDR] = POL_BIN(4, 16),
	[WFPREDIR_A_RULE_DPREFIX] = POL_U8,
	[WFPREDIR_A_RULE_DPORT_MIN] = POL_U16,
	[WFPREDIR_A_RULE_DPORT_MAX] = POL_U16,
	[WFPREDIR_A_RULE_UID_MIN] = POL_U32,
	[WFPREDIR_A_RULE_UID_MAX] = POL_U32,
	[WFPREDIR_A_RULE_CGROUP] = { .type = NLA_STRING, .maxlen = WFPREDIR_CGROUP_PATH_MAX },
	[WFPREDIR_A_RULE_CONTEXT] = POL_BIN(1, WFPREDIR_CONTEXT_MAX_CUSTOM_LEN),
	[WFPREDIR_A_RULE_MATCHES] = POL_U64,
	[WFPREDIR_A_RULE_TABLE] = { .type = NLA_STRING, .maxlen = WFPREDIR_TABLE_NAME_MAX },
	[WFPREDIR_A_RULE_SERVICE_NAME] = { .type = NLA_STRING,
					   .maxlen = WFPREDIR_SERVICE_NAME_MAX },
};

static const struct nla_policy flow_policy[WFPREDIR_A_FLOW_MAX + 1] = {
	[WFPREDIR_A_FLOW_FAMILY] = POL_U8,
	[WFPREDIR_A_FLOW_PROTOCOL] = POL_U8,
	[WFPREDIR_A_FLOW_ORIG_SADDR] = POL_BIN(4, 16),
	[WFPREDIR_A_FLOW_ORIG_SPORT] = POL_U16,
	[WFPREDIR_A_FLOW_ORIG_DADDR] = POL_BIN(4, 16),
	[WFPREDIR_A_FLOW_ORIG_DPORT] = POL_U16,
	[WFPREDIR_A_FLOW_REDIR_DADDR] = POL_BIN(4, 16),
	[WFPREDIR_A_FLOW_REDIR_DPORT] = POL_U16,
	[WFPREDIR_A_FLOW_SERVICE] = POL_U32,
	[WFPREDIR_A_FLOW_RULE] = POL_U32,
	[WFPREDIR_A_FLOW_RECORDS] = POL_BIN(1, WFPREDIR_RECORDS_MAX_LEN),
	[WFPREDIR_A_FLOW_CONTEXT] = POL_BIN(1, WFPREDIR_CONTEXT_MAX_CUSTOM_LEN),
	[WFPREDIR_A_FLOW_AGE_MS] = POL_U64,
};

/* 1 when every attribute listed is present. */
static int all_present(struct nlattr **tb, const int *which, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!tb[which[i]])
			return 0;
	return 1;
}

#define ALL_PRESENT(tb, which) all_present(tb, which, sizeof(which) / sizeof((which)[0]))

/* The reply's nested object: top-level attribute type, parsed into tb. */
static int parse_nested(struct nl_msg *msg, int type, struct nlattr **tb, int maxtype,
			const struct nla_policy *policy)
{
	struct nlattr *top[WFPREDIR_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, top, WFPREDIR_A_MAX, top_policy) < 0 || !top[type])
		return -EPROTO;
	if (nla_parse_nested(tb, maxtype, top[type], policy) < 0)
		return -EPROTO;
	return 0;
}

/* ---------------------------------------------------------------- info */

static const int info_required[] = {
	WFPREDIR_A_INFO_VERSION,	 WFPREDIR_A_INFO_SO_BASE,
	WFPREDIR_A_INFO_RECORDS_VERSION, WFPREDIR_A_INFO_RECORDS_MAX_LEN,
	WFPREDIR_A_INFO_SOCKETS,	 WFPREDIR_A_INFO_SOCKETS_MAX,
	WFPREDIR_A_INFO_FLOWS,		 WFPREDIR_A_INFO_FLOWS_MAX,
	WFPREDIR_A_INFO_SERVICES,	 WFPREDIR_A_INFO_RULES,
	WFPREDIR_A_INFO_RULES_MAX,	 WFPREDIR_A_CONFIG_CHAIN_MAX,
	WFPREDIR_A_CONFIG_INHERIT,	 WFPREDIR_A_STATS_REDIRECTS,
	WFPREDIR_A_STATS_CHAIN_CAPPED,	 WFPREDIR_A_STATS_INHERITED,
	WFPREDIR_A_STATS_TABLE_FULL,	 WFPREDIR_A_STATS_NOMEM,
};

int wfpredir__ctl_parse_info(struct nl_msg *msg, struct wfpredir_info *out)
{
	struct nlattr *tb[WFPREDIR_A_MAX + 1];

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, WFPREDIR_A_MAX, top_policy) < 0)
		return -EPROTO;
	if (!ALL_PRESENT(tb, info_required))
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	nla_strlcpy(out->version, tb[WFPREDIR_A_INFO_VERSION], sizeof(out->version));
	out->so_base = nla_get_u32(tb[WFPREDIR_A_INFO_SO_BASE]);
	out->records_version = nla_get_u32(tb[WFPREDIR_A_INFO_RECORDS_VERSION]);
	out->records_max_len = nla_get_u32(tb[WFPREDIR_A_INFO_RECORDS_MAX_LEN]);
	out->sockets = nla_get_u32(tb[WFPREDIR_A_INFO_SOCKETS]);
	out->sockets_max = nla_get_u32(tb[WFPREDIR_A_INFO_SOCKETS_MAX]);
	out->flows = nla_get_u32(tb[WFPREDIR_A_INFO_FLOWS]);
	out->flows_max = nla_get_u32(tb[WFPREDIR_A_INFO_FLOWS_MAX]);
	out->services = nla_get_u32(tb[WFPREDIR_A_INFO_SERVICES]);
	out->rules = nla_get_u32(tb[WFPREDIR_A_INFO_RULES]);
	out->rules_max = nla_get_u32(tb[WFPREDIR_A_INFO_RULES_MAX]);
	out->chain_max = nla_get_u32(tb[WFPREDIR_A_CONFIG_CHAIN_MAX]);
	out->inherit = nla_get_u8(tb[WFPREDIR_A_CONFIG_INHERIT]) != 0;
	out->redirects = nla_get_u64(tb[WFPREDIR_A_STATS_REDIRECTS]);
	out->chain_capped = nla_get_u64(tb[WFPREDIR_A_STATS_CHAIN_CAPPED]);
	out->inherited = nla_get_u64(tb[WFPREDIR_A_STATS_INHERITED]);
	out->table_full = nla_get_u64(tb[WFPREDIR_A_STATS_TABLE_FULL]);
	out->nomem = nla_get_u64(tb[WFPREDIR_A_STATS_NOMEM]);
	/* Newer than the rest: absent from older modules. */
	out->hook = tb[WFPREDIR_A_INFO_HOOK] && nla_get_u8(tb[WFPREDIR_A_INFO_HOOK]);
	if (tb[WFPREDIR_A_CONFIG_FLOW_SHARE])
		out->flow_share = nla_get_u32(tb[WFPREDIR_A_CONFIG_FLOW_SHARE]);
	if (tb[WFPREDIR_A_STATS_EVICTED])
		out->evicted = nla_get_u64(tb[WFPREDIR_A_STATS_EVICTED]);
	if (tb[WFPREDIR_A_STATS_FLOW_SHARE])
		out->share_refused = nla_get_u64(tb[WFPREDIR_A_STATS_FLOW_SHARE]);
	if (tb[WFPREDIR_A_STATS_EVENTS_LOST])
		out->events_lost = nla_get_u64(tb[WFPREDIR_A_STATS_EVENTS_LOST]);
	return 0;
}

struct info_reply {
	struct wfpredir_info info;
	int got;
};

static int info_msg(struct nl_msg *msg, void *arg)
{
	struct info_reply *r = arg;
	int rc = wfpredir__ctl_parse_info(msg, &r->info);

	r->got = !rc;
	return rc;
}

int wfpredir_ctl_get_info(struct wfpredir_ctl *ctl, struct wfpredir_info *out)
{
	struct info_reply r = { .got = 0 };
	struct nl_msg *msg;
	int rc;

	if (!ctl || !out)
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_GET_INFO, 0);
	if (!msg)
		return -ENOMEM;
	rc = ctl_exchange(ctl, msg, info_msg, &r);
	if (rc)
		return rc;
	if (!r.got) /* an ACK without a reply */
		return -EPROTO;
	*out = r.info;
	return 0;
}

/* -------------------------------------------------------------- config */

int wfpredir__ctl_put_config(struct nl_msg *msg, const struct wfpredir_config *cfg)
{
	if (cfg->has_chain_max && nla_put_u32(msg, WFPREDIR_A_CONFIG_CHAIN_MAX, cfg->chain_max))
		return -EMSGSIZE;
	if (cfg->has_flow_share && nla_put_u32(msg, WFPREDIR_A_CONFIG_FLOW_SHARE, cfg->flow_share))
		return -EMSGSIZE;
	if (cfg->has_inherit && nla_put_u8(msg, WFPREDIR_A_CONFIG_INHERIT, cfg->inherit ? 1 : 0))
		return -EMSGSIZE;
	return 0;
}

int wfpredir_ctl_set_config(struct wfpredir_ctl *ctl, const struct wfpredir_config *cfg)
{
	struct nl_msg *msg;

	if (!ctl || !cfg)
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_SET_CONFIG, 0);
	return ctl_do(ctl, msg, msg ? wfpredir__ctl_put_config(msg, cfg) : 0);
}

/* ------------------------------------------------------------ services */

/* A C string that fits a fixed-size field with its NUL: its length, or -1. */
static ssize_t field_strlen(const char *s, size_t size)
{
	const char *nul = memchr(s, '\0', size);

	return nul ? nul - s : -1;
}

/* A table name: 1..31 characters of [A-Za-z0-9_.-]. */
static bool table_ok(const char *table)
{
	size_t n = strnlen(table, WFPREDIR_TABLE_NAME_MAX);

	if (!n || n >= WFPREDIR_TABLE_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-",
			    table[i]))
			return false;
	return true;
}

int wfpredir_table_name_valid(const char *table)
{
	return table && table_ok(table);
}

int wfpredir__ctl_put_service(struct nl_msg *msg, const struct wfpredir_service *svc)
{
	return wfpredir__ctl_put_service2(msg, NULL, svc);
}

int wfpredir__ctl_put_service2(struct nl_msg *msg, const char *table,
			       const struct wfpredir_service *svc)
{
	struct nlattr *nest;

	if (table && !table_ok(table))
		return -EINVAL;

	if (field_strlen(svc->name, sizeof(svc->name)) <= 0)
		return -EINVAL;
	if (svc->has_owner_cgroup &&
	    field_strlen(svc->owner_cgroup, sizeof(svc->owner_cgroup)) <= 0)
		return -EINVAL;
	nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (svc->id && nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, svc->id))
		return -EMSGSIZE;
	if (nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, svc->name))
		return -EMSGSIZE;
	if (table && nla_put_string(msg, WFPREDIR_A_SERVICE_TABLE, table))
		return -EMSGSIZE;
	if (svc->has4 && (nla_put(msg, WFPREDIR_A_SERVICE_ADDR4, 4, &svc->addr4.sin_addr) ||
			  nla_put_u16(msg, WFPREDIR_A_SERVICE_PORT4, ntohs(svc->addr4.sin_port))))
		return -EMSGSIZE;
	if (svc->has6 && (nla_put(msg, WFPREDIR_A_SERVICE_ADDR6, 16, &svc->addr6.sin6_addr) ||
			  nla_put_u16(msg, WFPREDIR_A_SERVICE_PORT6, ntohs(svc->addr6.sin6_port))))
		return -EMSGSIZE;
	if (svc->has_owner_uid && nla_put_u32(msg, WFPREDIR_A_SERVICE_OWNER_UID, svc->owner_uid))
		return -EMSGSIZE;
	if (svc->has_owner_cgroup &&
	    nla_put_string(msg, WFPREDIR_A_SERVICE_OWNER_CGROUP, svc->owner_cgroup))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static const int service_required[] = { WFPREDIR_A_SERVICE_ID, WFPREDIR_A_SERVICE_NAME };

int wfpredir__ctl_parse_service(struct nl_msg *msg, struct wfpredir_service *out)
{
	return wfpredir__ctl_parse_service2(msg, out, NULL);
}

/* The table attribute into table (WFPREDIR_TABLE_NAME_MAX bytes), if asked. */
static void get_table(const struct nlattr *attr, char *table)
{
	if (!table)
		return;
	if (attr)
		nla_strlcpy(table, attr, WFPREDIR_TABLE_NAME_MAX);
	else
		strcpy(table, WFPREDIR_TABLE_DEFAULT);
}

int wfpredir__ctl_parse_service2(struct nl_msg *msg, struct wfpredir_service *out, char *table)
{
	struct nlattr *tb[WFPREDIR_A_SERVICE_MAX + 1];

	if (parse_nested(msg, WFPREDIR_A_SERVICE, tb, WFPREDIR_A_SERVICE_MAX, service_policy))
		return -EPROTO;
	if (!ALL_PRESENT(tb, service_required) || nla_len(tb[WFPREDIR_A_SERVICE_NAME]) < 2)
		return -EPROTO;
	/* An address comes with its port. */
	if (!tb[WFPREDIR_A_SERVICE_ADDR4] != !tb[WFPREDIR_A_SERVICE_PORT4] ||
	    !tb[WFPREDIR_A_SERVICE_ADDR6] != !tb[WFPREDIR_A_SERVICE_PORT6])
		return -EPROTO;
	memset(out, 0, sizeof(*out));
	get_table(tb[WFPREDIR_A_SERVICE_TABLE], table);
	out->id = nla_get_u32(tb[WFPREDIR_A_SERVICE_ID]);
	nla_strlcpy(out->name, tb[WFPREDIR_A_SERVICE_NAME], sizeof(out->name));
	if (tb[WFPREDIR_A_SERVICE_ADDR4]) {
		out->has4 = true;
		out->addr4.sin_family = AF_INET;
		memcpy(&out->addr4.sin_addr, nla_data(tb[WFPREDIR_A_SERVICE_ADDR4]), 4);
		out->addr4.sin_port = htons(nla_get_u16(tb[WFPREDIR_A_SERVICE_PORT4]));
	}
	if (tb[WFPREDIR_A_SERVICE_ADDR6]) {
		out->has6 = true;
		out->addr6.sin6_family = AF_INET6;
		memcpy(&out->addr6.sin6_addr, nla_data(tb[WFPREDIR_A_SERVICE_ADDR6]), 16);
		out->addr6.sin6_port = htons(nla_get_u16(tb[WFPREDIR_A_SERVICE_PORT6]));
	}
	if (tb[WFPREDIR_A_SERVICE_REDIRECTS])
		out->redirects = nla_get_u64(tb[WFPREDIR_A_SERVICE_REDIRECTS]);
	if (tb[WFPREDIR_A_SERVICE_SKIPPED])
		out->skipped = nla_get_u64(tb[WFPREDIR_A_SERVICE_SKIPPED]);
	if (tb[WFPREDIR_A_SERVICE_RULES])
		out->rules = nla_get_u32(tb[WFPREDIR_A_SERVICE_RULES]);
	if (tb[WFPREDIR_A_SERVICE_OWNER_UID]) {
		out->has_owner_uid = true;
		out->owner_uid = nla_get_u32(tb[WFPREDIR_A_SERVICE_OWNER_UID]);
	}
	if (tb[WFPREDIR_A_SERVICE_OWNER_CGROUP]) {
		out->has_owner_cgroup = true;
		nla_strlcpy(out->owner_cgroup, tb[WFPREDIR_A_SERVICE_OWNER_CGROUP],
			    sizeof(out->owner_cgroup));
	}
	return 0;
}

int wfpredir_ctl_add_service(struct wfpredir_ctl *ctl, const struct wfpredir_service *svc)
{
	struct nl_msg *msg;

	if (!ctl || !svc)
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_NEW_SERVICE, 0);
	return ctl_do(ctl, msg, msg ? wfpredir__ctl_put_service(msg, svc) : 0);
}

int wfpredir__ctl_put_service_ref(struct nl_msg *msg, uint32_t id, const char *name)
{
	struct nlattr *nest;

	if (!id && (!name || !*name))
		return -EINVAL;
	nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);
	if (!nest)
		return -EMSGSIZE;
	if (id ? nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, id)
	       : nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, name))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int wfpredir_ctl_del_service(struct wfpredir_ctl *ctl, uint32_t id, const char *name)
{
	struct nl_msg *msg;

	if (!ctl)
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_DEL_SERVICE, 0);
	return ctl_do(ctl, msg, msg ? wfpredir__ctl_put_service_ref(msg, id, name) : 0);
}

int wfpredir_ctl_flush_services(struct wfpredir_ctl *ctl)
{
	if (!ctl)
		return -EINVAL;
	ctl_begin(ctl);
	return ctl_do(ctl, ctl_msg(ctl, WFPREDIR_CMD_FLUSH_SERVICES, 0), 0);
}

/* --------------------------------------------------------------- rules */

/* The kernel's default upper uid: the largest valid one, (uid_t)-2. */
#define RULE_UID_MAX_DEFAULT 4294967294u
#define RULE_PRIORITY_DEFAULT 1000

static size_t family_addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

int wfpredir__ctl_put_rule(struct nl_msg *msg, const struct wfpredir_rule *r)
{
	return wfpredir__ctl_put_rule2(msg, NULL, NULL, r);
}

int wfpredir__ctl_put_rule2(struct nl_msg *msg, const char *table, const char *service_name,
			    const struct wfpredir_rule *r)
{
	size_t alen = family_addr_len(r->family);
	struct nlattr *nest;

	if (table && !table_ok(table))
		return -EINVAL;
	if (service_name && (!*service_name || strlen(service_name) >= WFPREDIR_SERVICE_NAME_MAX))
		return -EINVAL;
	if ((r->has_daddr && !alen) || r->context_len > sizeof(r->context) ||
	    (r->has_cgroup && field_strlen(r->cgroup, sizeof(r->cgroup)) < 0))
		return -EINVAL;
	nest = nla_nest_start(msg, WFPREDIR_A_RULE);
	if (!nest)
		return -EMSGSIZE;
	if ((r->id && nla_put_u32(msg, WFPREDIR_A_RULE_ID, r->id)) ||
	    (r->has_priority && nla_put_u32(msg, WFPREDIR_A_RULE_PRIORITY, r->priority)) ||
	    ((!service_name || r->service_id) &&
	     nla_put_u32(msg, WFPREDIR_A_RULE_SERVICE, r->service_id)) ||
	    (service_name && nla_put_string(msg, WFPREDIR_A_RULE_SERVICE_NAME, service_name)) ||
	    (table && nla_put_string(msg, WFPREDIR_A_RULE_TABLE, table)) ||
	    (r->family && nla_put_u8(msg, WFPREDIR_A_RULE_FAMILY, r->family)) ||
	    (r->protocol && nla_put_u8(msg, WFPREDIR_A_RULE_PROTOCOL, r->protocol)))
		return -EMSGSIZE;
	if (r->has_daddr && (nla_put(msg, WFPREDIR_A_RULE_DADDR, (int)alen, r->daddr) ||
			     nla_put_u8(msg, WFPREDIR_A_RULE_DPREFIX, r->prefix)))
		return -EMSGSIZE;
	if (r->has_dport && (nla_put_u16(msg, WFPREDIR_A_RULE_DPORT_MIN, r->dport_min) ||
			     nla_put_u16(msg, WFPREDIR_A_RULE_DPORT_MAX, r->dport_max)))
		return -EMSGSIZE;
	if (r->has_uid && (nla_put_u32(msg, WFPREDIR_A_RULE_UID_MIN, r->uid_min) ||
			   nla_put_u32(msg, WFPREDIR_A_RULE_UID_MAX, r->uid_max)))
		return -EMSGSIZE;
	if (r->has_cgroup && nla_put_string(msg, WFPREDIR_A_RULE_CGROUP, r->cgroup))
		return -EMSGSIZE;
	if (r->context_len &&
	    nla_put(msg, WFPREDIR_A_RULE_CONTEXT, (int)r->context_len, r->context))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

static const int rule_required[] = { WFPREDIR_A_RULE_ID, WFPREDIR_A_RULE_SERVICE };

int wfpredir__ctl_parse_rule(struct nl_msg *msg, struct wfpredir_rule *out)
{
	return wfpredir__ctl_parse_rule2(msg, out, NULL);
}

int wfpredir__ctl_parse_rule2(struct nl_msg *msg, struct wfpredir_rule *out, char *table)
{
	struct nlattr *tb[WFPREDIR_A_RULE_MAX + 1];
	uint8_t family = 0;
	size_t alen;

	if (parse_nested(msg, WFPREDIR_A_RULE, tb, WFPREDIR_A_RULE_MAX, rule_policy))
		return -EPROTO;
	if (!ALL_PRESENT(tb, rule_required))
		return -EPROTO;
	if (tb[WFPREDIR_A_RULE_FAMILY])
		family = nla_get_u8(tb[WFPREDIR_A_RULE_FAMILY]);
	if (family != AF_UNSPEC && family != AF_INET && family != AF_INET6)
		return -EPROTO;
	alen = family_addr_len(family);
	if (tb[WFPREDIR_A_RULE_DADDR]) {
		if (!alen || (size_t)nla_len(tb[WFPREDIR_A_RULE_DADDR]) != alen)
			return -EPROTO;
		if (tb[WFPREDIR_A_RULE_DPREFIX] &&
		    nla_get_u8(tb[WFPREDIR_A_RULE_DPREFIX]) > alen * 8)
			return -EPROTO;
	}

	memset(out, 0, sizeof(*out));
	get_table(tb[WFPREDIR_A_RULE_TABLE], table);
	out->id = nla_get_u32(tb[WFPREDIR_A_RULE_ID]);
	out->service_id = nla_get_u32(tb[WFPREDIR_A_RULE_SERVICE]);
	out->has_priority = tb[WFPREDIR_A_RULE_PRIORITY] != NULL;
	out->priority = out->has_priority ? nla_get_u32(tb[WFPREDIR_A_RULE_PRIORITY])
					  : RULE_PRIORITY_DEFAULT;
	out->family = family;
	if (tb[WFPREDIR_A_RULE_PROTOCOL])
		out->protocol = nla_get_u8(tb[WFPREDIR_A_RULE_PROTOCOL]);
	if (tb[WFPREDIR_A_RULE_DADDR]) {
		out->has_daddr = true;
		memcpy(out->daddr, nla_data(tb[WFPREDIR_A_RULE_DADDR]), alen);
		out->prefix = tb[WFPREDIR_A_RULE_DPREFIX] ? nla_get_u8(tb[WFPREDIR_A_RULE_DPREFIX])
							  : (uint8_t)(alen * 8);
	}
	if (tb[WFPREDIR_A_RULE_DPORT_MIN] || tb[WFPREDIR_A_RULE_DPORT_MAX]) {
		out->has_dport = true;
		out->dport_min = tb[WFPREDIR_A_RULE_DPORT_MIN]
					 ? nla_get_u16(tb[WFPREDIR_A_RULE_DPORT_MIN])
					 : 0;
		out->dport_max = tb[WFPREDIR_A_RULE_DPORT_MAX]
					 ? nla_get_u16(tb[WFPREDIR_A_RULE_DPORT_MAX])
					 : 65535;
	}
	if (tb[WFPREDIR_A_RULE_UID_MIN] || tb[WFPREDIR_A_RULE_UID_MAX]) {
		out->has_uid = true;
		out->uid_min =
			tb[WFPREDIR_A_RULE_UID_MIN] ? nla_get_u32(tb[WFPREDIR_A_RULE_UID_MIN]) : 0;
		out->uid_max = tb[WFPREDIR_A_RULE_UID_MAX]
				       ? nla_get_u32(tb[WFPREDIR_A_RULE_UID_MAX])
				       : RULE_UID_MAX_DEFAULT;
	}
	if (tb[WFPREDIR_A_RULE_CGROUP]) {
		out->has_cgroup = true;
		nla_strlcpy(out->cgroup, tb[WFPREDIR_A_RULE_CGROUP], sizeof(out->cgroup));
	}
	if (tb[WFPREDIR_A_RULE_CONTEXT]) {
		out->context_len = (uint32_t)nla_len(tb[WFPREDIR_A_RULE_CONTEXT]);
		memcpy(out->context, nla_data(tb[WFPREDIR_A_RULE_CONTEXT]), out->context_len);
	}
	if (tb[WFPREDIR_A_RULE_MATCHES])
		out->matches = nla_get_u64(tb[WFPREDIR_A_RULE_MATCHES]);
	return 0;
}

int wfpredir_ctl_add_rule(struct wfpredir_ctl *ctl, const struct wfpredir_rule *rule)
{
	struct nl_msg *msg;

	if (!ctl || !rule)
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_NEW_RULE, 0);
	return ctl_do(ctl, msg, msg ? wfpredir__ctl_put_rule(msg, rule) : 0);
}

static int put_rule_id(struct nl_msg *msg, uint32_t id)
{
	struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_RULE);

	if (!nest || nla_put_u32(msg, WFPREDIR_A_RULE_ID, id))
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
}

int wfpredir_ctl_del_rule(struct wfpredir_ctl *ctl, uint32_t id)
{
	struct nl_msg *msg;

	if (!ctl || !id)
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_DEL_RULE, 0);
	return ctl_do(ctl, msg, msg ? put_rule_id(msg, id) : 0);
}

int wfpredir_ctl_flush_rules(struct wfpredir_ctl *ctl)
{
	if (!ctl)
		return -EINVAL;
	ctl_begin(ctl);
	return ctl_do(ctl, ctl_msg(ctl, WFPREDIR_CMD_FLUSH_RULES, 0), 0);
}

/* --------------------------------------------------------------- flows */

/* A sockaddr of family from a binary address attribute and a port. */
static int flow_addr(struct sockaddr_storage *ss, int family, const struct nlattr *addr,
		     const struct nlattr *port)
{
	size_t alen = family_addr_len(family);

	if ((size_t)nla_len(addr) != alen)
		return -EPROTO;
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, nla_data(addr), 4);
		sin->sin_port = htons(nla_get_u16(port));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, nla_data(addr), 16);
		sin6->sin6_port = htons(nla_get_u16(port));
	}
	return 0;
}

static const int flow_required[] = {
	WFPREDIR_A_FLOW_FAMILY,	    WFPREDIR_A_FLOW_PROTOCOL,	WFPREDIR_A_FLOW_ORIG_SADDR,
	WFPREDIR_A_FLOW_ORIG_SPORT, WFPREDIR_A_FLOW_ORIG_DADDR, WFPREDIR_A_FLOW_ORIG_DPORT,
};

int wfpredir__ctl_parse_flow(struct nl_msg *msg, struct wfpredir_flow *out)
{
	struct nlattr *tb[WFPREDIR_A_FLOW_MAX + 1];
	struct wfpredir_flow f;
	uint8_t family;

	if (parse_nested(msg, WFPREDIR_A_FLOW, tb, WFPREDIR_A_FLOW_MAX, flow_policy))
		return -EPROTO;
	if (!ALL_PRESENT(tb, flow_required))
		return -EPROTO;
	if (!tb[WFPREDIR_A_FLOW_REDIR_DADDR] != !tb[WFPREDIR_A_FLOW_REDIR_DPORT])
		return -EPROTO;
	family = nla_get_u8(tb[WFPREDIR_A_FLOW_FAMILY]);
	if (family != AF_INET && family != AF_INET6)
		return -EPROTO;

	memset(&f, 0, sizeof(f));
	f.family = family;
	f.protocol = nla_get_u8(tb[WFPREDIR_A_FLOW_PROTOCOL]);
	if (flow_addr(&f.orig_src, family, tb[WFPREDIR_A_FLOW_ORIG_SADDR],
		      tb[WFPREDIR_A_FLOW_ORIG_SPORT]) ||
	    flow_addr(&f.orig_dst, family, tb[WFPREDIR_A_FLOW_ORIG_DADDR],
		      tb[WFPREDIR_A_FLOW_ORIG_DPORT]))
		return -EPROTO;
	if (tb[WFPREDIR_A_FLOW_REDIR_DADDR]) {
		f.redirected = true;
		if (flow_addr(&f.redir_dst, family, tb[WFPREDIR_A_FLOW_REDIR_DADDR],
			      tb[WFPREDIR_A_FLOW_REDIR_DPORT]))
			return -EPROTO;
	}
	if (tb[WFPREDIR_A_FLOW_SERVICE])
		f.service_id = nla_get_u32(tb[WFPREDIR_A_FLOW_SERVICE]);
	if (tb[WFPREDIR_A_FLOW_RULE])
		f.rule_id = nla_get_u32(tb[WFPREDIR_A_FLOW_RULE]);
	if (tb[WFPREDIR_A_FLOW_RECORDS]) {
		f.records_len = (uint32_t)nla_len(tb[WFPREDIR_A_FLOW_RECORDS]);
		memcpy(f.records, nla_data(tb[WFPREDIR_A_FLOW_RECORDS]), f.records_len);
	}
	if (tb[WFPREDIR_A_FLOW_CONTEXT]) {
		f.context_len = (uint32_t)nla_len(tb[WFPREDIR_A_FLOW_CONTEXT]);
		memcpy(f.context, nla_data(tb[WFPREDIR_A_FLOW_CONTEXT]), f.context_len);
	}
	if (tb[WFPREDIR_A_FLOW_AGE_MS])
		f.age_ms = nla_get_u64(tb[WFPREDIR_A_FLOW_AGE_MS]);
	*out = f;
	return 0;
}

/* ---------------------------------------------------------------- dumps */

static int dump(struct wfpredir_ctl *ctl, uint8_t cmd, int (*on_msg)(struct nl_msg *, void *),
		void *arg)
{
	struct nl_msg *msg;

	ctl_begin(ctl);
	msg = ctl_msg(ctl, cmd, NLM_F_DUMP);
	if (!msg)
		return -ENOMEM;
	return ctl_exchange(ctl, msg, on_msg, arg);
}

struct service_walk {
	wfpredir_service_fn fn;
	void *arg;
};

static int service_msg(struct nl_msg *msg, void *arg)
{
	struct service_walk *w = arg;
	struct wfpredir_service svc;
	int rc = wfpredir__ctl_parse_service(msg, &svc);

	return rc ? rc : w->fn(&svc, w->arg);
}

int wfpredir_ctl_walk_services(struct wfpredir_ctl *ctl, wfpredir_service_fn fn, void *arg)
{
	struct service_walk w = { fn, arg };

	if (!ctl || !fn)
		return -EINVAL;
	return dump(ctl, WFPREDIR_CMD_GET_SERVICE, service_msg, &w);
}

struct rule_walk {
	wfpredir_rule_fn fn;
	void *arg;
};

static int rule_msg(struct nl_msg *msg, void *arg)
{
	struct rule_walk *w = arg;
	struct wfpredir_rule rule;
	int rc = wfpredir__ctl_parse_rule(msg, &rule);

	return rc ? rc : w->fn(&rule, w->arg);
}

int wfpredir_ctl_walk_rules(struct wfpredir_ctl *ctl, wfpredir_rule_fn fn, void *arg)
{
	struct rule_walk w = { fn, arg };

	if (!ctl || !fn)
		return -EINVAL;
	return dump(ctl, WFPREDIR_CMD_GET_RULE, rule_msg, &w);
}

struct flow_walk {
	wfpredir_flow_fn fn;
	void *arg;
};

static int flow_msg(struct nl_msg *msg, void *arg)
{
	struct flow_walk *w = arg;
	struct wfpredir_flow flow;
	int rc = wfpredir__ctl_parse_flow(msg, &flow);

	return rc ? rc : w->fn(&flow, w->arg);
}

int wfpredir_ctl_walk_flows(struct wfpredir_ctl *ctl, wfpredir_flow_fn fn, void *arg)
{
	struct flow_walk w = { fn, arg };

	if (!ctl || !fn)
		return -EINVAL;
	return dump(ctl, WFPREDIR_CMD_GET_FLOW, flow_msg, &w);
}

/* A growing array of objects of one size. */
struct array {
	void *items;
	size_t count;
	size_t cap;
	size_t size;
};

static int array_push(struct array *a, const void *item)
{
	if (a->count == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		void *items;

		if (cap > SIZE_MAX / a->size)
			return -ENOMEM;
		items = realloc(a->items, cap * a->size);
		if (!items)
			return -ENOMEM;
		a->items = items;
		a->cap = cap;
	}
	memcpy((char *)a->items + a->count * a->size, item, a->size);
	a->count++;
	return 0;
}

/* Hand the array over, or free it on failure. */
static int array_done(struct array *a, int rc, void **out, size_t *count)
{
	if (rc) {
		free(a->items);
		*out = NULL;
		*count = 0;
		return rc;
	}
	*out = a->items;
	*count = a->count;
	return 0;
}

static int push_service(const struct wfpredir_service *svc, void *arg)
{
	return array_push(arg, svc);
}

static int push_rule(const struct wfpredir_rule *rule, void *arg)
{
	return array_push(arg, rule);
}

static int push_flow(const struct wfpredir_flow *flow, void *arg)
{
	return array_push(arg, flow);
}

int wfpredir_ctl_list_services(struct wfpredir_ctl *ctl, struct wfpredir_service **out,
			       size_t *count)
{
	struct array a = { .size = sizeof(**out) };
	void *items;
	int rc;

	if (!out || !count)
		return -EINVAL;
	rc = array_done(&a, wfpredir_ctl_walk_services(ctl, push_service, &a), &items, count);
	*out = items;
	return rc;
}

int wfpredir_ctl_list_rules(struct wfpredir_ctl *ctl, struct wfpredir_rule **out, size_t *count)
{
	struct array a = { .size = sizeof(**out) };
	void *items;
	int rc;

	if (!out || !count)
		return -EINVAL;
	rc = array_done(&a, wfpredir_ctl_walk_rules(ctl, push_rule, &a), &items, count);
	*out = items;
	return rc;
}

int wfpredir_ctl_list_flows(struct wfpredir_ctl *ctl, struct wfpredir_flow **out, size_t *count)
{
	struct array a = { .size = sizeof(**out) };
	void *items;
	int rc;

	if (!out || !count)
		return -EINVAL;
	rc = array_done(&a, wfpredir_ctl_walk_flows(ctl, push_flow, &a), &items, count);
	*out = items;
	return rc;
}

struct find {
	const char *name;
	struct wfpredir_service *out;
};

static int find_by_name(const struct wfpredir_service *svc, void *arg)
{
	struct find *f = arg;

	if (strcmp(svc->name, f->name))
		return 0;
	*f->out = *svc;
	return 1; /* found: end the walk */
}

int wfpredir_ctl_find_service(struct wfpredir_ctl *ctl, const char *name,
			      struct wfpredir_service *out)
{
	struct find f = { name, out };
	int rc;

	if (!ctl || !name || !out)
		return -EINVAL;
	rc = wfpredir_ctl_walk_services(ctl, find_by_name, &f);
	if (rc < 0)
		return rc;
	return rc ? 0 : -ENOENT;
}

/* -------------------------------------------------- tables, echo, replace */

/* Replies to NLM_F_ECHO: the object created. */
struct echo {
	struct wfpredir_service *svc;
	struct wfpredir_rule *rule;
	char *table;
	bool got;
};

static int echo_msg(struct nl_msg *msg, void *arg)
{
	struct echo *e = arg;
	int rc = e->svc ? wfpredir__ctl_parse_service2(msg, e->svc, e->table)
			: wfpredir__ctl_parse_rule2(msg, e->rule, e->table);

	if (!rc)
		e->got = true;
	return rc;
}

/* Send msg, with the flags of flags and out, read the echo into e. */
static int ctl_add(struct wfpredir_ctl *ctl, struct nl_msg *msg, int put_rc, struct echo *e)
{
	int rc;

	if (!msg)
		return -ENOMEM;
	if (put_rc) {
		nlmsg_free(msg);
		return put_rc;
	}
	rc = ctl_exchange(ctl, msg, (e->svc || e->rule) ? echo_msg : NULL, e);
	if (!rc && (e->svc || e->rule) && !e->got)
		return -EPROTO; /* a module without echo */
	return rc;
}

static int add_flags(const void *out)
{
	return out ? NLM_F_ECHO : 0;
}

/* WFPREDIR_CTL_REPLACE is an attribute: strict generic netlink refuses
 * NLM_F_REPLACE. */
static int put_replace(struct nl_msg *msg, unsigned int flags)
{
	if ((flags & WFPREDIR_CTL_REPLACE) && nla_put_flag(msg, WFPREDIR_A_REPLACE))
		return -EMSGSIZE;
	return 0;
}

int wfpredir_ctl_add_service2(struct wfpredir_ctl *ctl, const char *table,
			      const struct wfpredir_service *svc, unsigned int flags,
			      struct wfpredir_service *out)
{
	struct echo e = { .svc = out };
	struct nl_msg *msg;
	int rc = 0;

	if (!ctl || !svc || (flags & ~WFPREDIR_CTL_REPLACE))
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_NEW_SERVICE, add_flags(out));
	if (msg)
		rc = wfpredir__ctl_put_service2(msg, table, svc);
	if (msg && !rc)
		rc = put_replace(msg, flags);
	return ctl_add(ctl, msg, rc, &e);
}

int wfpredir_ctl_add_rule2(struct wfpredir_ctl *ctl, const char *table, const char *service_name,
			   const struct wfpredir_rule *rule, unsigned int flags,
			   struct wfpredir_rule *out)
{
	struct echo e = { .rule = out };
	struct nl_msg *msg;
	int rc = 0;

	if (!ctl || !rule || (flags & ~WFPREDIR_CTL_REPLACE))
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_NEW_RULE, add_flags(out));
	if (msg)
		rc = wfpredir__ctl_put_rule2(msg, table, service_name, rule);
	if (msg && !rc)
		rc = put_replace(msg, flags);
	return ctl_add(ctl, msg, rc, &e);
}

int wfpredir_ctl_del_service2(struct wfpredir_ctl *ctl, const char *table, uint32_t id,
			      const char *name)
{
	struct nl_msg *msg;
	int rc = 0;

	if (!ctl || (!id && (!name || !*name)) || (table && !table_ok(table)))
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, WFPREDIR_CMD_DEL_SERVICE, 0);
	if (msg) {
		struct nlattr *nest = nla_nest_start(msg, WFPREDIR_A_SERVICE);

		if (!nest || (id && nla_put_u32(msg, WFPREDIR_A_SERVICE_ID, id)) ||
		    (name && *name && nla_put_string(msg, WFPREDIR_A_SERVICE_NAME, name)) ||
		    (table && nla_put_string(msg, WFPREDIR_A_SERVICE_TABLE, table)))
			rc = -EMSGSIZE;
		else
			nla_nest_end(msg, nest);
	}
	return ctl_do(ctl, msg, rc);
}

/* A FLUSH_* of one table, or of all with table NULL. */
static int flush(struct wfpredir_ctl *ctl, uint8_t cmd, const char *table)
{
	struct nl_msg *msg;
	int rc = 0;

	if (!ctl || (table && !table_ok(table)))
		return -EINVAL;
	ctl_begin(ctl);
	msg = ctl_msg(ctl, cmd, 0);
	if (msg && table && nla_put_string(msg, WFPREDIR_A_TABLE, table))
		rc = -EMSGSIZE;
	return ctl_do(ctl, msg, rc);
}

int wfpredir_ctl_flush_services2(struct wfpredir_ctl *ctl, const char *table)
{
	return flush(ctl, WFPREDIR_CMD_FLUSH_SERVICES, table);
}

int wfpredir_ctl_flush_rules2(struct wfpredir_ctl *ctl, const char *table)
{
	return flush(ctl, WFPREDIR_CMD_FLUSH_RULES, table);
}

/*
 * The table filter is applied here rather than by the kernel: a dump is at
 * most max_rules objects, and the module's dumps stay filter-free.
 */
struct table_walk {
	const char *table;
	wfpredir_service_table_fn sfn;
	wfpredir_rule_table_fn rfn;
	void *arg;
};

static int service_table_msg(struct nl_msg *msg, void *arg)
{
	struct table_walk *w = arg;
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct wfpredir_service svc;
	int rc = wfpredir__ctl_parse_service2(msg, &svc, table);

	if (rc || (w->table && strcmp(w->table, table)))
		return rc;
	return w->sfn(&svc, table, w->arg);
}

static int rule_table_msg(struct nl_msg *msg, void *arg)
{
	struct table_walk *w = arg;
	char table[WFPREDIR_TABLE_NAME_MAX];
	struct wfpredir_rule *rule;
	int rc;

	/* Large (custom context, cgroup path): not on the stack. */
	rule = malloc(sizeof(*rule));
	if (!rule)
		return -ENOMEM;
	rc = wfpredir__ctl_parse_rule2(msg, rule, table);
	if (!rc && (!w->table || !strcmp(w->table, table)))
		rc = w->rfn(rule, table, w->arg);
	free(rule);
	return rc;
}

int wfpredir_ctl_walk_services2(struct wfpredir_ctl *ctl, const char *table,
				wfpredir_service_table_fn fn, void *arg)
{
	struct table_walk w = { .table = table, .sfn = fn, .arg = arg };

	if (!ctl || !fn)
		return -EINVAL;
	return dump(ctl, WFPREDIR_CMD_GET_SERVICE, service_table_msg, &w);
}

int wfpredir_ctl_walk_rules2(struct wfpredir_ctl *ctl, const char *table, wfpredir_rule_table_fn fn,
			     void *arg)
{
	struct table_walk w = { .table = table, .rfn = fn, .arg = arg };

	if (!ctl || !fn)
		return -EINVAL;
	return dump(ctl, WFPREDIR_CMD_GET_RULE, rule_table_msg, &w);
}

/* --------------------------------------------------------- transactions */

struct wfpredir_tx {
	unsigned char *buf; /* the attributes, as they follow the genl header */
	size_t len;
	size_t cap;
	size_t *offs; /* where each object's attributes start in buf */
	size_t n;
	size_t cap_n;
	bool check;
};

struct wfpredir_tx *wfpredir_tx_new(void)
{
	return calloc(1, sizeof(struct wfpredir_tx));
}

void wfpredir_tx_free(struct wfpredir_tx *tx)
{
	if (!tx)
		return;
	free(tx->buf);
	free(tx->offs);
	free(tx);
}

size_t wfpredir_tx_count(const struct wfpredir_tx *tx)
{
	return tx ? tx->n : 0;
}

void wfpredir_tx_set_check(struct wfpredir_tx *tx, bool check)
{
	if (tx)
		tx->check = check;
}

/* Append the attributes msg holds (after its netlink header) as one object. */
static int tx_push(struct wfpredir_tx *tx, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	size_t len = (size_t)nlmsg_datalen(nlh);

	if (tx->n == tx->cap_n) {
		size_t cap = tx->cap_n ? 2 * tx->cap_n : 64;
		size_t *offs = realloc(tx->offs, cap * sizeof(*offs));

		if (!offs)
			return -ENOMEM;
		tx->offs = offs;
		tx->cap_n = cap;
	}
	if (tx->len + len > tx->cap) {
		size_t cap = tx->cap ? 2 * tx->cap : 65536;
		unsigned char *buf;

		while (cap < tx->len + len)
			cap *= 2;
		buf = realloc(tx->buf, cap);
		if (!buf)
			return -ENOMEM;
		tx->buf = buf;
		tx->cap = cap;
	}
	memcpy(tx->buf + tx->len, nlmsg_data(nlh), len);
	tx->offs[tx->n++] = tx->len;
	tx->len += len;
	return 0;
}

/* put_rc, or the object msg holds pushed; msg is freed. */
static int tx_add(struct wfpredir_tx *tx, struct nl_msg *msg, int put_rc)
{
	int rc = put_rc ? put_rc : tx_push(tx, msg);

	nlmsg_free(msg);
	return rc;
}

int wfpredir_tx_table(struct wfpredir_tx *tx, const char *table)
{
	struct nl_msg *msg;

	if (!tx || !table || !table_ok(table))
		return -EINVAL;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	return tx_add(tx, msg, nla_put_string(msg, WFPREDIR_A_TABLE, table) ? -EMSGSIZE : 0);
}

int wfpredir_tx_service(struct wfpredir_tx *tx, const char *table,
			const struct wfpredir_service *svc)
{
	struct nl_msg *msg;

	if (!tx || !table || !svc)
		return -EINVAL;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	return tx_add(tx, msg, wfpredir__ctl_put_service2(msg, table, svc));
}

int wfpredir_tx_rule(struct wfpredir_tx *tx, const char *table, const char *service_name,
		     const struct wfpredir_rule *rule)
{
	struct nl_msg *msg;

	if (!tx || !table || !rule)
		return -EINVAL;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	return tx_add(tx, msg, wfpredir__ctl_put_rule2(msg, table, service_name, rule));
}

int wfpredir_tx_config(struct wfpredir_tx *tx, const struct wfpredir_config *cfg)
{
	struct nl_msg *msg;

	if (!tx || !cfg)
		return -EINVAL;
	msg = nlmsg_alloc();
	if (!msg)
		return -ENOMEM;
	return tx_add(tx, msg, wfpredir__ctl_put_config(msg, cfg));
}

/*
 * A message larger than the socket's send buffer is refused (EMSGSIZE):
 * raise it to fit, past net.core.wmem_max when privileged, as the
 * transaction needs CAP_NET_ADMIN anyway.
 */
static void tx_sndbuf(struct wfpredir_ctl *ctl, size_t len)
{
	int fd = nl_socket_get_fd(ctl->sk);
	int want;

	if (len <= ctl->sndbuf || len > INT_MAX / 2 - 65536)
		return;
	want = (int)len + 65536;
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof(want)) &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof(want)))
		return;
	ctl->sndbuf = len;
}

/* The object the kernel's bad attribute offset falls in, or SIZE_MAX. */
static size_t tx_object_at(const struct wfpredir_tx *tx, uint32_t offs)
{
	size_t base = NLMSG_HDRLEN + GENL_HDRLEN, lo = 0, hi = tx->n;

	if (offs < base || offs >= base + tx->len)
		return SIZE_MAX;
	offs -= base;
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tx->offs[mid] <= offs)
			lo = mid;
		else
			hi = mid;
	}
	return tx->n ? lo : SIZE_MAX;
}

int wfpredir_ctl_apply(struct wfpredir_ctl *ctl, const struct wfpredir_tx *tx, size_t *failed)
{
	struct nl_msg *msg;
	void *dst;
	int one = 1;
	int rc;

	if (failed)
		*failed = SIZE_MAX;
	if (!ctl || !tx || tx->len > INT_MAX / 2)
		return -EINVAL;
	ctl_begin(ctl);
	msg = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + tx->len + 64);
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ctl->family, 0, 0, WFPREDIR_CMD_APPLY,
			 WFPREDIR_GENL_VERSION) ||
	    (tx->check && nla_put_flag(msg, WFPREDIR_A_CHECK)) ||
	    !(dst = nlmsg_reserve(msg, tx->len, NLMSG_ALIGNTO))) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	if (tx->len)
		memcpy(dst, tx->buf, tx->len);
	/* The error need not carry the whole request back. */
	(void)setsockopt(nl_socket_get_fd(ctl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
			 sizeof(one));
	tx_sndbuf(ctl, nlmsg_hdr(msg)->nlmsg_len);
	rc = ctl_exchange(ctl, msg, NULL, NULL);
	if (rc && failed && ctl->has_offs) {
		/* The check flag, if any, comes before the objects. */
		uint32_t offs = ctl->error_offs;
		size_t shift = tx->check ? NLA_HDRLEN : 0;

		*failed = offs >= shift ? tx_object_at(tx, (uint32_t)(offs - shift)) : SIZE_MAX;
	}
	return rc;
}
