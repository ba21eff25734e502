// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the record codec, run at load time in debug builds.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "records.h"

#include <linux/err.h>
#include <linux/errno.h>
#include <linux/in.h>
#include <linux/init.h>
#include <linux/pid_namespace.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/socket.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#define HDR_LEN		sizeof(struct wfpredir_records_hdr)
#define ENTRY_LEN	sizeof(struct wfpredir_record_entry)

static bool __init expect(bool cond, const char *what, const char *func,
			  int line)
{
	if (!cond)
		pr_err("records self-test: %s:%d: %s\n", func, line, what);
	return cond;
}

#define EXPECT(cond) expect(cond, #cond, __func__, __LINE__)

static void __init fill_entry(struct wfpredir_record_entry *entry,
			      unsigned int n)
{
	*entry = (struct wfpredir_record_entry) {
		.service_id = cpu_to_be32(100 + n),
		.rule_id = cpu_to_be32(200 + n),
		.family = n & 1 ? AF_INET6 : AF_INET,
		.protocol = n & 2 ? IPPROTO_UDP : IPPROTO_TCP,
		.flags = n & 1 ? WFPREDIR_RECORD_F_PID_BEST_EFFORT : 0,
		.orig_sport = cpu_to_be16(40000 + n),
		.orig_dport = cpu_to_be16(443),
		.timestamp_ns = cpu_to_be64(1700000000000000000ULL + n),
		.uid = cpu_to_be32(1000 + n),
		.pid = cpu_to_be32(4242 + n),
		.cgroup_id = cpu_to_be64(7 + n),
	};
	get_random_bytes(entry->orig_saddr, sizeof(entry->orig_saddr));
	get_random_bytes(entry->orig_daddr, sizeof(entry->orig_daddr));
}

/* What wfpredir_records_verify() must say when a bit of byte @off flips. */
static int __init flip_errno(size_t off, size_t len)
{
	size_t field;

	if (off < offsetof(struct wfpredir_records_hdr, version))
		return -EINVAL;			/* magic */
	if (off == offsetof(struct wfpredir_records_hdr, version))
		return -EPROTO;
	if (off < offsetof(struct wfpredir_records_hdr, flow_id))
		return -EINVAL;			/* count, hdr_len, entry_len */
	if (off < HDR_LEN || off >= len - WFPREDIR_RECORDS_TAG_LEN)
		return -EBADMSG;		/* flow_id, tag */

	field = (off - HDR_LEN) % ENTRY_LEN;
	if (field == offsetof(struct wfpredir_record_entry, reserved))
		return -EINVAL;
	return -EBADMSG;
}

/* Every single-bit flip fails, each with the error its field calls for. */
static bool __init test_bit_flips(const struct wfpredir_net *wn,
				  const struct wfpredir_records *records)
{
	size_t len = records->len, off;
	unsigned int bit;
	bool ok = true;
	u8 *buf;
	int ret;

	buf = kmemdup(records->data, len, GFP_KERNEL);
	if (!EXPECT(buf))
		return false;
	for (off = 0; off < len; off++) {
		for (bit = 0; bit < 8; bit++) {
			buf[off] ^= BIT(bit);
			ret = wfpredir_records_verify(wn, buf, len);
			buf[off] ^= BIT(bit);
			if (ret != flip_errno(off, len)) {
				pr_err("records self-test: bit %u of byte %zu of %zu: %d, expected %d\n",
				       bit, off, len, ret,
				       flip_errno(off, len));
				ok = false;
			}
		}
		/*
		 * Thousands of BLAKE2s runs at module load: on a starved
		 * TCG host they took insmod past the soft-lockup watchdog.
		 */
		cond_resched();
	}
	kfree(buf);
	return ok;
}

/* Every shorter or longer length fails with -EINVAL. */
static bool __init test_lengths(const struct wfpredir_net *wn,
				const struct wfpredir_records *records)
{
	size_t len = records->len, l;
	bool ok = true;
	u8 *buf;

	buf = kzalloc(WFPREDIR_RECORDS_MAX_LEN + ENTRY_LEN, GFP_KERNEL);
	if (!EXPECT(buf))
		return false;
	memcpy(buf, records->data, len);
	for (l = 0; l <= WFPREDIR_RECORDS_MAX_LEN + ENTRY_LEN; l++) {
		if (l != len && wfpredir_records_verify(wn, buf, l) != -EINVAL) {
			pr_err("records self-test: length %zu of a %zu-byte blob not -EINVAL\n",
			       l, len);
			ok = false;
		}
	}
	kfree(buf);
	return ok;
}

/* A version this module does not read is -EPROTO, whatever the tag. */
static bool __init test_version(const struct wfpredir_net *wn,
				const struct wfpredir_records *records)
{
	static const u8 versions[] __initconst = { 0, 2, 255 };
	struct wfpredir_records_hdr *hdr;
	bool ok = true;
	unsigned int i;
	u8 *buf;

	buf = kmemdup(records->data, records->len, GFP_KERNEL);
	if (!EXPECT(buf))
		return false;
	hdr = (struct wfpredir_records_hdr *)buf;
	for (i = 0; i < ARRAY_SIZE(versions); i++) {
		hdr->version = versions[i];
		if (wfpredir_records_verify(wn, buf, records->len) != -EPROTO) {
			pr_err("records self-test: version %u not -EPROTO\n",
			       versions[i]);
			ok = false;
		}
	}
	kfree(buf);
	return ok;
}

static bool __init test_chain(struct wfpredir_net *wn,
			      struct wfpredir_net *other,
			      struct wfpredir_records **chain)
{
	const struct wfpredir_records_hdr *hdr, *first;
	struct wfpredir_record_entry entry;
	struct wfpredir_records *records;
	unsigned int n;
	bool capped;

	for (n = 0; n < WFPREDIR_RECORDS_MAX_ENTRIES; n++) {
		fill_entry(&entry, n);
		records = wfpredir_records_append(wn, n ? chain[n - 1] : NULL, 0,
						  &entry, GFP_KERNEL);
		if (!EXPECT(!IS_ERR(records)))
			return false;
		chain[n] = records;

		hdr = (const struct wfpredir_records_hdr *)records->data;
		first = (const struct wfpredir_records_hdr *)chain[0]->data;
		if (!EXPECT(records->len == WFPREDIR_RECORDS_LEN(n + 1)) ||
		    !EXPECT(be16_to_cpu(hdr->magic) == WFPREDIR_RECORDS_MAGIC) ||
		    !EXPECT(hdr->version == WFPREDIR_RECORDS_VERSION) ||
		    !EXPECT(hdr->count == n + 1) ||
		    !EXPECT(be16_to_cpu(hdr->hdr_len) == HDR_LEN) ||
		    !EXPECT(be16_to_cpu(hdr->entry_len) == ENTRY_LEN) ||
		    !EXPECT(hdr->flow_id == first->flow_id))
			return false;

		/* The old entries, then the new one. */
		if (!EXPECT(!n || !memcmp(records->data + HDR_LEN,
					  chain[n - 1]->data + HDR_LEN,
					  n * ENTRY_LEN)) ||
		    !EXPECT(!memcmp(records->data + HDR_LEN + n * ENTRY_LEN,
				    &entry, ENTRY_LEN)))
			return false;

		/* Valid here; another namespace's key rejects it. */
		if (!EXPECT(!wfpredir_records_verify(wn, records->data,
						     records->len)) ||
		    !EXPECT(wfpredir_records_verify(other, records->data,
						    records->len) == -EBADMSG))
			return false;
	}

	fill_entry(&entry, n);
	records = wfpredir_records_append(wn, chain[n - 1], 0, &entry, GFP_KERNEL);
	capped = PTR_ERR_OR_ZERO(records) == -E2BIG;
	if (!IS_ERR(records))
		kfree(records);
	return EXPECT(capped);
}

/* A new flow gets the next flow_id. */
static bool __init test_flow_ids(struct wfpredir_net *wn,
				 const struct wfpredir_records *records)
{
	const struct wfpredir_records_hdr *hdr, *new_hdr;
	struct wfpredir_record_entry entry;
	struct wfpredir_records *fresh;
	bool next;

	fill_entry(&entry, 0);
	fresh = wfpredir_records_append(wn, NULL, 0, &entry, GFP_KERNEL);
	if (!EXPECT(!IS_ERR(fresh)))
		return false;
	hdr = (const struct wfpredir_records_hdr *)records->data;
	new_hdr = (const struct wfpredir_records_hdr *)fresh->data;
	next = be64_to_cpu(new_hdr->flow_id) == be64_to_cpu(hdr->flow_id) + 1;
	kfree(fresh);
	return EXPECT(next);
}

/*
 * A view taken back by wfpredir_records_from_own_view() (the hand-off) is
 * what wfpredir_records_from_view() (a set of the view) makes of it, and
 * verifies as a blob of @wn. The initial namespaces' view will do: the
 * functions map through whatever namespaces they are given, and seal a
 * view with its own key even there.
 */
static bool __init test_own_view(const struct wfpredir_net *wn,
				 const struct wfpredir_records *records)
{
	const struct wfpredir_view view = {
		.user_ns = &init_user_ns,
		.pid_ns = &init_pid_ns,
	};
	size_t len = records->len;
	u8 *set, *own;
	bool ok;

	set = kmalloc(len, GFP_KERNEL);
	own = kmalloc(len, GFP_KERNEL);
	if (!EXPECT(set && own)) {
		kfree(set);
		kfree(own);
		return false;
	}
	memcpy(set, records->data, len);
	rcu_read_lock();
	wfpredir_records_to_view(wn, set, len, &view);
	rcu_read_unlock();
	memcpy(own, set, len);
	ok = EXPECT(wfpredir_records_verify(wn, set, len) == -EBADMSG) &&
	     EXPECT(!wfpredir_records_from_view(wn, set, len, &view));
	wfpredir_records_from_own_view(wn, own, len, &view);
	ok = ok && EXPECT(!memcmp(set, own, len)) &&
	     EXPECT(!wfpredir_records_verify(wn, own, len));
	kfree(set);
	kfree(own);
	return ok;
}

/**
 * wfpredir_records_selftest - self-test the record codec
 *
 * Context: module init, debug builds.
 * Return: true if every test passed.
 */
bool __init wfpredir_records_selftest(void)
{
	struct wfpredir_records *chain[WFPREDIR_RECORDS_MAX_ENTRIES] = { };
	struct wfpredir_net *wn, *other;
	bool ok = false;
	unsigned int i;

	wn = kzalloc(sizeof(*wn), GFP_KERNEL);
	other = kzalloc(sizeof(*other), GFP_KERNEL);
	if (!wn || !other) {
		pr_err("records self-test: out of memory\n");
		goto out;
	}
	get_random_bytes(wn->records_key, sizeof(wn->records_key));
	get_random_bytes(other->records_key, sizeof(other->records_key));
	atomic64_set(&wn->flow_seq, get_random_u64());
	atomic64_set(&other->flow_seq, get_random_u64());

	ok = test_chain(wn, other, chain) &&
	     test_flow_ids(wn, chain[0]) &&
	     test_bit_flips(wn, chain[0]) &&
	     test_bit_flips(wn, chain[WFPREDIR_RECORDS_MAX_ENTRIES - 1]) &&
	     test_lengths(wn, chain[0]) &&
	     test_lengths(wn, chain[2]) &&
	     test_lengths(wn, chain[WFPREDIR_RECORDS_MAX_ENTRIES - 1]) &&
	     test_version(wn, chain[0]) &&
	     test_own_view(wn, chain[0]) &&
	     test_own_view(wn, chain[WFPREDIR_RECORDS_MAX_ENTRIES - 1]);

out:
	for (i = 0; i < ARRAY_SIZE(chain); i++)
		kfree(chain[i]);
	kfree_sensitive(other);
	kfree_sensitive(wn);
	return ok;
}
