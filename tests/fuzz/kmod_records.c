// SPDX-License-Identifier: GPL-2.0
/*
 * The module's record codec, kmod/records.c itself built through kshim/:
 * what WFPREDIR_SO_SET_RECORDS hands it (verify, and from_view for a setter
 * in other namespaces), and what the module then does with a blob it
 * accepted (to_view for readers, append for the next hop).
 *
 * Input: flags, views, prev_flags, 1 spare byte, a 72-byte entry to append,
 * then the blob. Besides the sanitizers it checks the codec's promises:
 * libwfpredir's decoder agrees with the kernel's checks, a blob verifies in
 * no other namespace, a view verifies only in the namespaces it was issued
 * for and turns back into a blob that verifies, and an appended blob
 * verifies and keeps the entries it was made from.
 */
#include "kshim.h"

#include "../../kmod/records.h"

#include <crypto/blake2s.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/user_namespace.h>

#include <stdint.h>

/* libwfpredir's decoder (lib/records.c), for the differential check; its
 * public header cannot share a translation unit with the kernel's types. */
struct wfpredir_record_info;
int wfpredir_records_decode(const void *buf, size_t len, uint64_t *flow_id,
			    struct wfpredir_record_info *entries, size_t max_entries);
int wfpredir_records_format(const void *buf, size_t len, char *out, size_t outlen);

#define HDR_LEN sizeof(struct wfpredir_records_hdr)
#define ENTRY_LEN sizeof(struct wfpredir_record_entry)
#define PREFIX_LEN (4 + ENTRY_LEN)

enum {
	F_SEAL = 0x01,	     /* seal the blob with the namespace key first */
	F_FAIL_ALLOC = 0x02, /* the append's allocation fails */
	F_NEW_FLOW = 0x04,   /* append to no blob: a flow's first entry */
	F_NO_ENTRY = 0x08,   /* append no entry (inheritance) */
};

static struct wfpredir_net wn, wn_other;

/* A user namespace mapping 0-65535 to 100000-165535, one mapping 0-999
 * onto themselves, and a pid namespace holding two of the processes. */
static struct user_namespace user_ns[2] = {
	{ .ns = { 0xF0000001u }, .first = 100000, .count = 65536 },
	{ .ns = { 0xF0000002u }, .first = 0, .count = 1000 },
};

static struct pid_namespace pid_ns[2] = {
	{ .ns = { 0xF0000011u } },
	{ .ns = { 0xF0000012u } },
};

static struct pid procs[] = {
	{ .nr = 1 },
	{ .nr = 4242, .child = &pid_ns[0], .child_nr = 1 },
	{ .nr = 70000, .child = &pid_ns[0], .child_nr = 2 },
	{ .nr = 0x7ffffffe, .child = &pid_ns[1], .child_nr = 1 },
	{ .nr = 0x80000000u },
};

/* Not the initial pair: from_view and to_view are for other readers. */
static const struct wfpredir_view views[] = {
	{ &user_ns[0], &init_pid_ns },
	{ &init_user_ns, &pid_ns[0] },
	{ &user_ns[0], &pid_ns[0] },
	{ &user_ns[1], &pid_ns[1] },
};

#define N_VIEWS (sizeof(views) / sizeof(views[0]))

#define check(cond)                                                                              \
	do {                                                                                     \
		if (!(cond)) {                                                                   \
			fprintf(stderr, "%s:%d: %s does not hold\n", __FILE__, __LINE__, #cond); \
			abort();                                                                 \
		}                                                                                \
	} while (0)

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* RFC 7693, appendix B: BLAKE2s-256("abc"); a wrong shim would make
	 * every sealed seed look forged. */
	static const u8 abc_hash[BLAKE2S_HASH_SIZE] = {
		0x50, 0x8C, 0x5E, 0x8C, 0x32, 0x7C, 0x14, 0xE2, 0xE1, 0xA7, 0x2B,
		0xA3, 0x4E, 0xEB, 0x45, 0x2F, 0x37, 0x45, 0x8B, 0x20, 0x9E, 0xD6,
		0x3A, 0x29, 0x4D, 0x99, 0x9B, 0x4C, 0x86, 0x67, 0x59, 0x82,
	};
	u8 out[BLAKE2S_HASH_SIZE];

	(void)argc;
	(void)argv;
	blake2s(out, (const u8 *)"abc", NULL, sizeof(out), 3, 0);
	check(!memcmp(out, abc_hash, sizeof(out)));
	/* The key the seed generator seals with (tests/fuzz/gen-seeds.c). */
	memset(wn.records_key, 0x42, sizeof(wn.records_key));
	memset(wn_other.records_key, 0x43, sizeof(wn_other.records_key));
	kshim_set_pids(procs, sizeof(procs) / sizeof(procs[0]));
	return 0;
}

static u8 *dup(const u8 *p, size_t len)
{
	u8 *q = malloc(len ? len : 1);

	check(q);
	memcpy(q, p, len);
	return q;
}

static u32 get_be32(const u8 *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return be32_to_cpu(v);
}

#define E_UID offsetof(struct wfpredir_record_entry, uid)
#define E_PID offsetof(struct wfpredir_record_entry, pid)
#define E_FLAGS offsetof(struct wfpredir_record_entry, flags)

/* A view of a verified blob sets back, in its namespaces only. */
static void view_round_trip(const u8 *blob, size_t len, unsigned int sel)
{
	const struct wfpredir_view *v = &views[sel % N_VIEWS];
	const struct wfpredir_view *w = &views[(sel >> 4) % N_VIEWS];
	unsigned int i, count = blob[3];
	u8 *view = dup(blob, len), *other;

	wfpredir_records_to_view(&wn, view, len, v);
	if (w != v) {
		other = dup(view, len);
		check(wfpredir_records_from_view(&wn, other, len, w) == -EBADMSG);
		free(other);
	}
	other = dup(view, len);
	check(wfpredir_records_from_view(&wn_other, other, len, v) == -EBADMSG);
	free(other);

	check(wfpredir_records_from_view(&wn, view, len, v) == 0);
	check(wfpredir_records_verify(&wn, view, len) == 0);
	/* Only the ids change, and each comes back or stays unknown. */
	check(!memcmp(view, blob, HDR_LEN));
	for (i = 0; i < count; i++) {
		const u8 *a = blob + HDR_LEN + i * ENTRY_LEN;
		const u8 *b = view + HDR_LEN + i * ENTRY_LEN;

		check(!memcmp(a, b, E_UID));
		check(get_be32(b + E_UID) == get_be32(a + E_UID) ||
		      get_be32(b + E_UID) == overflowuid);
		check(get_be32(b + E_PID) == get_be32(a + E_PID) || get_be32(b + E_PID) == 0);
		check(!memcmp(a + E_PID + 4, b + E_PID + 4, ENTRY_LEN - E_PID - 4));
	}
	free(view);
}

static void append(const u8 *blob, size_t len, u8 flags, u8 prev_flags, const u8 *entry_bytes)
{
	struct wfpredir_record_entry entry;
	struct wfpredir_records *prev = NULL, *next;
	unsigned int i, prev_count = 0, count;
	bool with_entry;

	memcpy(&entry, entry_bytes, sizeof(entry));
	/* The hook's promise about the entries it makes. */
	entry.reserved = 0;
	entry.flags &= WFPREDIR_RECORD_F_PID_BEST_EFFORT | WFPREDIR_RECORD_F_INHERITED |
		       WFPREDIR_RECORD_F_SERVICE_ONLY;
	prev_flags &= WFPREDIR_RECORD_F_INHERITED;

	if (!(flags & F_NEW_FLOW)) {
		prev = wfpredir_records_alloc(len, GFP_KERNEL);
		check(prev);
		memcpy(prev->data, blob, len);
		prev_count = wfpredir_records_count(prev);
		check(prev_count == blob[3]);
	}
	with_entry = !prev || !(flags & F_NO_ENTRY);
	count = prev_count + with_entry;

	kshim_fail_alloc = flags & F_FAIL_ALLOC;
	next = wfpredir_records_append(&wn, prev, prev_flags, with_entry ? &entry : NULL,
				       GFP_KERNEL);
	kshim_fail_alloc = false;

	if (count > WFPREDIR_RECORDS_MAX_ENTRIES) {
		check(PTR_ERR(next) == -E2BIG);
	} else if (flags & F_FAIL_ALLOC) {
		check(PTR_ERR(next) == -ENOMEM);
	} else {
		check(!IS_ERR(next));
		check(next->len == WFPREDIR_RECORDS_LEN(count));
		check(wfpredir_records_verify(&wn, next->data, next->len) == 0);
		check(wfpredir_records_count(next) == count);
		if (prev)
			check(!memcmp(next->data + 4, prev->data + 4, HDR_LEN - 4));
		for (i = 0; i < prev_count; i++) {
			const u8 *a = (const u8 *)wfpredir_records_entry(prev, i);
			const u8 *b = (const u8 *)wfpredir_records_entry(next, i);

			check(!memcmp(a, b, E_FLAGS));
			check(b[E_FLAGS] == (a[E_FLAGS] | prev_flags));
			check(!memcmp(a + E_FLAGS + 1, b + E_FLAGS + 1, ENTRY_LEN - E_FLAGS - 1));
		}
		if (with_entry)
			check(!memcmp(wfpredir_records_entry(next, count - 1), &entry, ENTRY_LEN));
		wfpredir_records_free(next);
	}
	wfpredir_records_free(prev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	u8 flags, sel, prev_flags;
	size_t len;
	u8 *blob, *tmp;
	int rk, rl;
	char line[64];

	if (size < PREFIX_LEN)
		return 0;
	flags = data[0];
	sel = data[1];
	prev_flags = data[2];
	len = size - PREFIX_LEN;
	blob = dup(data + PREFIX_LEN, len);
	if ((flags & F_SEAL) && len >= WFPREDIR_RECORDS_TAG_LEN)
		blake2s(blob + len - WFPREDIR_RECORDS_TAG_LEN, blob, wn.records_key,
			WFPREDIR_RECORDS_TAG_LEN, len - WFPREDIR_RECORDS_TAG_LEN,
			sizeof(wn.records_key));

	rk = wfpredir_records_verify(&wn, blob, len);
	rl = wfpredir_records_decode(blob, len, NULL, NULL, 0);
	/* The library runs the kernel's checks in its order, less the tag,
	 * plus the entries' families. */
	if (rk && rk != -EBADMSG)
		check(rl == rk);
	if (rl >= 0)
		check(!rk || rk == -EBADMSG);
	if (!rk)
		check(rl == blob[3] || rl == -EINVAL);
	wfpredir_records_format(blob, len, line, sel % sizeof(line));

	/* A setter in other namespaces hands back what it read there. */
	tmp = dup(blob, len);
	rk = wfpredir_records_from_view(&wn, tmp, len, &views[sel % N_VIEWS]);
	check(rk != 0 || !wfpredir_records_verify(&wn, tmp, len));
	free(tmp);

	if (!wfpredir_records_verify(&wn, blob, len)) {
		check(wfpredir_records_verify(&wn_other, blob, len) == -EBADMSG);
		view_round_trip(blob, len, sel);
		append(blob, len, flags, prev_flags, data + 4);
	} else if (flags & F_NEW_FLOW) {
		append(blob, len, flags, prev_flags, data + 4);
	}
	free(blob);
	return 0;
}
