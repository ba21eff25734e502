// SPDX-License-Identifier: GPL-2.0
/*
 * The record codec. A blob is a header, 1 to WFPREDIR_RECORDS_MAX_ENTRIES
 * entries and a keyed BLAKE2s-128 tag over both, under the random key of the
 * network namespace that issued it (uapi/linux/wfpredir.h has the layout).
 * Only the module issues blobs; user space can only hand back, unchanged,
 * what it read from a socket of the same namespace.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "records.h"

#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <linux/atomic.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/overflow.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

#define WFPREDIR_HDR_LEN	sizeof(struct wfpredir_records_hdr)
#define WFPREDIR_ENTRY_LEN	sizeof(struct wfpredir_record_entry)

static_assert(WFPREDIR_HDR_LEN == 16);
static_assert(WFPREDIR_ENTRY_LEN == 72);
static_assert(WFPREDIR_RECORDS_TAG_LEN <= BLAKE2S_HASH_SIZE);

/**
 * wfpredir_records_alloc - allocate an empty blob
 * @len: length of the blob, at most WFPREDIR_RECORDS_MAX_LEN
 * @gfp: allocation flags; GFP_KERNEL_ACCOUNT in process context, so that the
 *	memory is charged to the caller's memory cgroup
 *
 * Return: the blob with @len bytes of uninitialised data, or NULL.
 */
struct wfpredir_records *wfpredir_records_alloc(size_t len, gfp_t gfp)
{
	struct wfpredir_records *records;

	if (WARN_ON_ONCE(len > WFPREDIR_RECORDS_MAX_LEN))
		return NULL;

	records = kmalloc(struct_size(records, data, len), gfp);
	if (records)
		records->len = len;
	return records;
}

static void wfpredir_records_tag(const struct wfpredir_net *wn, const u8 *msg,
				 size_t len, u8 tag[WFPREDIR_RECORDS_TAG_LEN])
{
	blake2s(tag, msg, wn->records_key, WFPREDIR_RECORDS_TAG_LEN, len,
		sizeof(wn->records_key));
}

/* The format checks of wfpredir_records_verify(), all but the tag. */
static int wfpredir_records_check(const u8 *p, size_t len)
{
	struct wfpredir_records_hdr hdr;
	unsigned int i;

	if (len < WFPREDIR_RECORDS_MIN_LEN || len > WFPREDIR_RECORDS_MAX_LEN)
		return -EINVAL;

	memcpy(&hdr, p, sizeof(hdr));
	if (be16_to_cpu(hdr.magic) != WFPREDIR_RECORDS_MAGIC)
		return -EINVAL;
	if (hdr.version != WFPREDIR_RECORDS_VERSION)
		return -EPROTO;
	if (be16_to_cpu(hdr.hdr_len) != WFPREDIR_HDR_LEN ||
	    be16_to_cpu(hdr.entry_len) != WFPREDIR_ENTRY_LEN)
		return -EINVAL;
	if (!hdr.count || hdr.count > WFPREDIR_RECORDS_MAX_ENTRIES ||
	    len != WFPREDIR_RECORDS_LEN(hdr.count))
		return -EINVAL;

	for (i = 0; i < hdr.count; i++) {
		size_t entry = WFPREDIR_HDR_LEN + i * WFPREDIR_ENTRY_LEN;

		if (p[entry + offsetof(struct wfpredir_record_entry, reserved)])
			return -EINVAL;
	}
	return 0;
}

/* The tag of a well-formed blob of @len bytes, under @key. */
static int wfpredir_records_check_tag(const u8 *key, const u8 *p, size_t len)
{
	u8 tag[WFPREDIR_RECORDS_TAG_LEN];

	len -= WFPREDIR_RECORDS_TAG_LEN;
	blake2s(tag, p, key, WFPREDIR_RECORDS_TAG_LEN, len, BLAKE2S_KEY_SIZE);
	if (crypto_memneq(tag, p + len, sizeof(tag)))
		return -EBADMSG;
	return 0;
}

/*
 * The key of the views handed to readers in @view's namespaces: the
 * namespace key, bound to those namespaces, so that a view verifies only
 * where it was issued and nowhere else. The namespaces are named by their
 * inode numbers: a setter needs CAP_NET_ADMIN over the network namespace,
 * so its user namespace owns it or is an ancestor of its owner and lives as
 * long as the key does.
 */
static void wfpredir_view_key(const struct wfpredir_net *wn,
			      const struct wfpredir_view *view,
			      u8 key[BLAKE2S_KEY_SIZE])
{
	struct {
		char label[8];
		__be32 user_ns;
		__be32 pid_ns;
	} msg = {
		.label = "wfpview",
		.user_ns = cpu_to_be32(view->user_ns->ns.inum),
		.pid_ns = cpu_to_be32(view->pid_ns->ns.inum),
	};

	blake2s(key, (const u8 *)&msg, wn->records_key, BLAKE2S_KEY_SIZE,
		sizeof(msg), sizeof(wn->records_key));
}

static void wfpredir_records_tag_with(const u8 *key, const u8 *msg,
				      size_t len,
				      u8 tag[WFPREDIR_RECORDS_TAG_LEN])
{
	blake2s(tag, msg, key, WFPREDIR_RECORDS_TAG_LEN, len, BLAKE2S_KEY_SIZE);
}

/**
 * wfpredir_view_is_init - whether a reader sees init-namespace identities
 * @view: the reader's namespaces
 *
 * Context: any.
 * Return: true if @view is the initial user and pid namespace: the reader
 * gets the stored bytes unchanged.
 */
bool wfpredir_view_is_init(const struct wfpredir_view *view)
{
	return view->user_ns == &init_user_ns && view->pid_ns == &init_pid_ns;
}

/**
 * wfpredir_view_uid - a stored uid as a reader sees it
 * @view: the reader's namespaces
 * @uid: a uid of init_user_ns
 *
 * Context: any.
 * Return: @uid in @view's user namespace; the overflow uid if it has no
 * mapping there.
 */
u32 wfpredir_view_uid(const struct wfpredir_view *view, u32 uid)
{
	return from_kuid_munged(view->user_ns, make_kuid(&init_user_ns, uid));
}

/**
 * wfpredir_view_pid - a stored pid as a reader sees it
 * @view: the reader's namespaces
 * @nr: a global tgid; 0 for none
 *
 * Context: RCU read side.
 * Return: the pid in @view's pid namespace; 0 when the process is gone or
 * not visible there.
 */
u32 wfpredir_view_pid(const struct wfpredir_view *view, u32 nr)
{
	struct pid *pid;

	if (!nr)
		return 0;
	pid = find_pid_ns(nr, &init_pid_ns);
	return pid ? pid_nr_ns(pid, view->pid_ns) : 0;
}

#define WFPREDIR_ENTRY_UID	offsetof(struct wfpredir_record_entry, uid)
#define WFPREDIR_ENTRY_PID	offsetof(struct wfpredir_record_entry, pid)

/* Rewrite the uid and pid of every entry of a checked blob, in place. */
static void wfpredir_records_map_ids(u8 *p, const struct wfpredir_view *view,
				     u32 (*uid)(const struct wfpredir_view *, u32),
				     u32 (*pid)(const struct wfpredir_view *, u32))
{
	unsigned int i, count = p[offsetof(struct wfpredir_records_hdr, count)];
	__be32 v;

	for (i = 0; i < count; i++) {
		u8 *e = p + WFPREDIR_HDR_LEN + i * WFPREDIR_ENTRY_LEN;

		memcpy(&v, e + WFPREDIR_ENTRY_UID, sizeof(v));
		v = cpu_to_be32(uid(view, be32_to_cpu(v)));
		memcpy(e + WFPREDIR_ENTRY_UID, &v, sizeof(v));
		memcpy(&v, e + WFPREDIR_ENTRY_PID, sizeof(v));
		v = cpu_to_be32(pid(view, be32_to_cpu(v)));
		memcpy(e + WFPREDIR_ENTRY_PID, &v, sizeof(v));
	}
}

/**
 * wfpredir_records_to_view - turn a blob into a reader's view
 * @wn: the namespace whose key sealed the blob
 * @buf: a blob the module issued or verified; changed in place
 * @len: its length
 * @view: the reader's namespaces, not the initial ones
 *
 * The uid and pid of each entry are told in @view's namespaces, and the
 * blob is sealed again with the key of @view: only a socket of the same
 * namespaces can set it back (wfpredir_records_from_view()).
 *
 * Context: RCU read side.
 */
void wfpredir_records_to_view(const struct wfpredir_net *wn, void *buf,
			      size_t len, const struct wfpredir_view *view)
{
	u8 key[BLAKE2S_KEY_SIZE];
	u8 *p = buf;

	wfpredir_records_map_ids(p, view, wfpredir_view_uid, wfpredir_view_pid);
	len -= WFPREDIR_RECORDS_TAG_LEN;
	wfpredir_view_key(wn, view, key);
	wfpredir_records_tag_with(key, p, len, p + len);
	memzero_explicit(key, sizeof(key));
}

/* A uid of a view back in init_user_ns; the overflow uid stays one. */
static u32 wfpredir_view_uid_back(const struct wfpredir_view *view, u32 uid)
{
	if (uid == overflowuid)
		return overflowuid;
	return from_kuid_munged(&init_user_ns, make_kuid(view->user_ns, uid));
}

/* A pid of a view back to a global tgid; 0 if it names no process now. */
static u32 wfpredir_view_pid_back(const struct wfpredir_view *view, u32 nr)
{
	struct pid *pid;
	u32 ret = 0;

	if (!nr)
		return 0;
	rcu_read_lock();
	pid = find_pid_ns(nr, view->pid_ns);
	if (pid)
		ret = pid_nr(pid);
	rcu_read_unlock();
	return ret;
}

/**
 * wfpredir_records_from_own_view - turn back a view the module just made
 * @wn: the namespace whose key sealed the blob the view was made of
 * @buf: a view wfpredir_records_to_view() made for @view, which never left
 *	the kernel; changed in place into the blob it stands for
 * @len: its length
 * @view: the namespaces it was made for, not the initial ones
 *
 * What wfpredir_records_from_view() makes of the same view, without checking
 * a tag the module computed itself: for WFPREDIR_SO_HANDOFF, which hands on
 * what a set of the view read would store.
 *
 * Context: process context.
 */
void wfpredir_records_from_own_view(const struct wfpredir_net *wn, void *buf,
				    size_t len, const struct wfpredir_view *view)
{
	u8 *p = buf;

	wfpredir_records_map_ids(p, view, wfpredir_view_uid_back,
				 wfpredir_view_pid_back);
	len -= WFPREDIR_RECORDS_TAG_LEN;
	wfpredir_records_tag(wn, p, len, p + len);
}

/**
 * wfpredir_records_from_view - check a view and turn it back into a blob
 * @wn: the network namespace the view is presented in
 * @buf: the view, as a setter in @view's namespaces read it; changed in
 *	place into the blob it stands for, sealed with @wn's key
 * @len: its length
 * @view: the setter's namespaces, not the initial ones
 *
 * A uid or pid that had no mapping in the reader's namespaces stays the
 * overflow uid or 0: the view never knew it.
 *
 * Context: process context.
 * Return: 0, or the errors of wfpredir_records_verify(): -EBADMSG for a
 * view issued in other namespaces (or altered).
 */
int wfpredir_records_from_view(const struct wfpredir_net *wn, void *buf,
			       size_t len, const struct wfpredir_view *view)
{
	u8 key[BLAKE2S_KEY_SIZE];
	u8 *p = buf;
	int ret;

	wfpredir_view_key(wn, view, key);
	ret = wfpredir_records_check(p, len) ?:
	      wfpredir_records_check_tag(key, p, len);
	memzero_explicit(key, sizeof(key));
	if (ret)
		return ret;

	wfpredir_records_from_own_view(wn, p, len, view);
	return 0;
}

/**
 * wfpredir_records_verify - check that a blob is well formed and authentic
 * @wn: the network namespace the blob is presented in
 * @buf: the blob
 * @len: its length
 *
 * The checks run from the cheapest to the tag, so that the error says what
 * is wrong: a blob that is not a record blob, a version this module does not
 * read, then anything else.
 *
 * Return: 0 if the blob was issued in @wn's namespace and is unchanged;
 * -EINVAL if @len is outside [WFPREDIR_RECORDS_MIN_LEN,
 * WFPREDIR_RECORDS_MAX_LEN] or does not match the entry count, or the magic,
 * header length, entry length, entry count or a reserved field is wrong;
 * -EPROTO if the format version is not WFPREDIR_RECORDS_VERSION;
 * -EBADMSG if the tag does not match.
 */
int wfpredir_records_verify(const struct wfpredir_net *wn, const void *buf,
			    size_t len)
{
	return wfpredir_records_check(buf, len) ?:
	       wfpredir_records_check_tag(wn->records_key, buf, len);
}

/**
 * wfpredir_records_new_flow_id - issue the flow_id of a new original flow
 * @wn: the issuing network namespace
 *
 * Flow ids count up from a random start drawn with the namespace, so they
 * are unique within it and say nothing about how many flows came before.
 *
 * Context: any.
 * Return: the flow id.
 */
u64 wfpredir_records_new_flow_id(struct wfpredir_net *wn)
{
	return atomic64_inc_return(&wn->flow_seq);
}

/* The header of a new flow's chain, its count left 0. */
static void wfpredir_records_hdr_new(struct wfpredir_records_hdr *hdr,
				     u64 flow_id)
{
	*hdr = (struct wfpredir_records_hdr) {
		.magic = cpu_to_be16(WFPREDIR_RECORDS_MAGIC),
		.version = WFPREDIR_RECORDS_VERSION,
		.hdr_len = cpu_to_be16(WFPREDIR_HDR_LEN),
		.entry_len = cpu_to_be16(WFPREDIR_ENTRY_LEN),
		.flow_id = cpu_to_be64(flow_id),
	};
}

/**
 * wfpredir_records_put_one - write a new flow's one-entry blob, but its tag
 * @buf: room for WFPREDIR_RECORDS_LEN(1) bytes
 * @flow_id: the flow id the blob is issued under
 * @entry: its entry
 *
 * The bytes wfpredir_records_append() issues for a flow redirected for the
 * first time, with that @flow_id and @entry, up to the tag: the last
 * WFPREDIR_RECORDS_TAG_LEN bytes of @buf are left as they are. The flow
 * store keeps such a chain as its parts (flowstore.c).
 *
 * Context: any.
 */
void wfpredir_records_put_one(u8 *buf, u64 flow_id,
			      const struct wfpredir_record_entry *entry)
{
	struct wfpredir_records_hdr hdr;

	wfpredir_records_hdr_new(&hdr, flow_id);
	hdr.count = 1;
	memcpy(buf, &hdr, sizeof(hdr));
	memcpy(buf + WFPREDIR_HDR_LEN, entry, WFPREDIR_ENTRY_LEN);
}

/**
 * wfpredir_records_seal_one - the tag of a one-entry blob
 * @wn: the issuing network namespace
 * @buf: a blob written by wfpredir_records_put_one()
 * @tag: receives its tag under @wn's key
 *
 * Context: any.
 */
void wfpredir_records_seal_one(const struct wfpredir_net *wn, const u8 *buf,
			       u8 tag[WFPREDIR_RECORDS_TAG_LEN])
{
	wfpredir_records_tag(wn, buf,
			     WFPREDIR_RECORDS_LEN(1) - WFPREDIR_RECORDS_TAG_LEN,
			     tag);
}

/**
 * wfpredir_records_append - issue a blob: @prev's entries plus one more
 * @wn: the issuing network namespace
 * @prev: the blob the flow already carries, verified in @wn; or NULL for a
 *	flow redirected for the first time, which gets a new flow_id
 * @prev_flags: WFPREDIR_RECORD_F_* flags to set on every entry taken from
 *	@prev (WFPREDIR_RECORD_F_INHERITED when @prev is another flow's chain)
 * @entry: the entry to append, or NULL to append none (then @prev must not
 *	be NULL); its reserved field must be zero and its flags only
 *	WFPREDIR_RECORD_F_*
 * @gfp: allocation flags
 *
 * Return: the new blob, sealed with @wn's key; ERR_PTR(-E2BIG) if @prev
 * already holds WFPREDIR_RECORDS_MAX_ENTRIES entries and @entry is given;
 * ERR_PTR(-ENOMEM).
 */
struct wfpredir_records *
wfpredir_records_append(struct wfpredir_net *wn,
			const struct wfpredir_records *prev, u8 prev_flags,
			const struct wfpredir_record_entry *entry, gfp_t gfp)
{
	struct wfpredir_records_hdr hdr;
	struct wfpredir_records *records;
	unsigned int i, prev_count = 0, count;
	size_t body;

	if (WARN_ON_ONCE(!prev && !entry))
		return ERR_PTR(-EINVAL);

	if (prev) {
		memcpy(&hdr, prev->data, sizeof(hdr));
		prev_count = hdr.count;
	} else {
		wfpredir_records_hdr_new(&hdr,
					 wfpredir_records_new_flow_id(wn));
	}
	count = prev_count + !!entry;
	if (count > WFPREDIR_RECORDS_MAX_ENTRIES)
		return ERR_PTR(-E2BIG);
	hdr.count = count;

	records = wfpredir_records_alloc(WFPREDIR_RECORDS_LEN(count), gfp);
	if (!records)
		return ERR_PTR(-ENOMEM);

	body = WFPREDIR_HDR_LEN + prev_count * WFPREDIR_ENTRY_LEN;
	if (prev)
		memcpy(records->data, prev->data, body);
	memcpy(records->data, &hdr, sizeof(hdr));
	for (i = WFPREDIR_HDR_LEN; prev_flags && i < body; i += WFPREDIR_ENTRY_LEN)
		records->data[i + offsetof(struct wfpredir_record_entry, flags)] |=
			prev_flags;
	if (entry) {
		memcpy(records->data + body, entry, WFPREDIR_ENTRY_LEN);
		body += WFPREDIR_ENTRY_LEN;
	}
	wfpredir_records_tag(wn, records->data, body, records->data + body);
	return records;
}

/**
 * wfpredir_records_count - how many entries a blob holds
 * @records: a blob issued or verified by the module
 *
 * Context: any.
 * Return: the entry count.
 */
unsigned int wfpredir_records_count(const struct wfpredir_records *records)
{
	return records->data[offsetof(struct wfpredir_records_hdr, count)];
}

/**
 * wfpredir_records_entry - one entry of a blob
 * @records: a blob issued or verified by the module
 * @i: the entry's index, below wfpredir_records_count()
 *
 * Context: any.
 * Return: the entry, inside @records.
 */
const struct wfpredir_record_entry *
wfpredir_records_entry(const struct wfpredir_records *records, unsigned int i)
{
	return (const void *)(records->data + WFPREDIR_HDR_LEN +
			      i * WFPREDIR_ENTRY_LEN);
}
