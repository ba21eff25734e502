/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The record codec: issuing, sealing and verifying record blobs.
 */
#ifndef _WFPREDIR_RECORDS_H
#define _WFPREDIR_RECORDS_H

#include "uapi/linux/wfpredir.h"

#include <linux/rcupdate.h>
#include <linux/types.h>

struct pid_namespace;
struct user_namespace;
struct wfpredir_net;

/**
 * struct wfpredir_view - the namespaces a reader sees identities in
 * @user_ns: uids are told in it
 * @pid_ns: pids are told in it
 *
 * Records and context keep init-namespace identities (uid of init_user_ns,
 * global tgid); a reader in other namespaces is handed a view translated
 * into its own, as SO_PEERCRED does.
 */
struct wfpredir_view {
	struct user_namespace *user_ns;
	struct pid_namespace *pid_ns;
};

bool wfpredir_view_is_init(const struct wfpredir_view *view);
u32 wfpredir_view_uid(const struct wfpredir_view *view, u32 uid);
u32 wfpredir_view_pid(const struct wfpredir_view *view, u32 pid);
void wfpredir_records_to_view(const struct wfpredir_net *wn, void *buf,
			      size_t len, const struct wfpredir_view *view);
int wfpredir_records_from_view(const struct wfpredir_net *wn, void *buf,
			       size_t len, const struct wfpredir_view *view);
void wfpredir_records_from_own_view(const struct wfpredir_net *wn, void *buf,
				    size_t len, const struct wfpredir_view *view);

/**
 * struct wfpredir_records - one record blob, as it travels between sockets
 * @rcu: frees the blob once RCU readers are done with it
 * @len: length of @data: WFPREDIR_RECORDS_LEN() of its entry count
 * @data: the blob in its wire format (see uapi/linux/wfpredir.h)
 *
 * A blob is immutable once published; a longer chain is a new blob. It has
 * one owner at a time (a socket's entry in the socket store now, the
 * connection's entry in the flow store later), and it is freed with
 * wfpredir_records_free() so that lockless readers may still look at it.
 */
struct wfpredir_records {
	struct rcu_head rcu;
	u32 len;
	u8 data[] __aligned(8);
};

struct wfpredir_records *wfpredir_records_alloc(size_t len, gfp_t gfp);

/**
 * wfpredir_records_free - free a blob after an RCU grace period
 * @records: the blob, or NULL
 *
 * Context: any.
 */
static inline void wfpredir_records_free(struct wfpredir_records *records)
{
	kfree_rcu(records, rcu);
}

int wfpredir_records_verify(const struct wfpredir_net *wn, const void *buf,
			    size_t len);
u64 wfpredir_records_new_flow_id(struct wfpredir_net *wn);
struct wfpredir_records *
wfpredir_records_append(struct wfpredir_net *wn,
			const struct wfpredir_records *prev, u8 prev_flags,
			const struct wfpredir_record_entry *entry, gfp_t gfp);
void wfpredir_records_put_one(u8 *buf, u64 flow_id,
			      const struct wfpredir_record_entry *entry);
void wfpredir_records_seal_one(const struct wfpredir_net *wn, const u8 *buf,
			       u8 tag[WFPREDIR_RECORDS_TAG_LEN]);
unsigned int wfpredir_records_count(const struct wfpredir_records *records);
const struct wfpredir_record_entry *
wfpredir_records_entry(const struct wfpredir_records *records, unsigned int i);

#ifdef DEBUG
bool wfpredir_records_selftest(void);
#endif

#endif /* _WFPREDIR_RECORDS_H */
