// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel functions kmod/records.c calls, for user space: BLAKE2s
 * (RFC 7693, as lib/crypto/blake2s.c computes it), allocation with failure
 * injection, and a small model of user and pid namespaces that the fuzz
 * targets read views through.
 */
#include "kshim.h"

#include <crypto/algapi.h>
#include <crypto/blake2s.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uidgid.h>
#include <linux/user_namespace.h>

void kshim_warn(const char *file, int line, const char *cond)
{
	fprintf(stderr, "kshim: WARNING at %s:%d: %s\n", file, line, cond);
	abort();
}

/* ------------------------------------------------------------- BLAKE2s */

static const u32 blake2s_iv[8] = {
	0x6A09E667UL, 0xBB67AE85UL, 0x3C6EF372UL, 0xA54FF53AUL,
	0x510E527FUL, 0x9B05688CUL, 0x1F83D9ABUL, 0x5BE0CD19UL,
};

static const u8 blake2s_sigma[10][16] = {
	{ 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 },
	{ 14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3 },
	{ 11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4 },
	{ 7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8 },
	{ 9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13 },
	{ 2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9 },
	{ 12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11 },
	{ 13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10 },
	{ 6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5 },
	{ 10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0 },
};

struct blake2s_state {
	u32 h[8];
	u32 t[2];
	u32 f[2];
	u8 buf[BLAKE2S_BLOCK_SIZE];
	size_t buflen;
	size_t outlen;
};

static u32 ror32(u32 w, unsigned int c)
{
	return (w >> c) | (w << (32 - c));
}

static u32 get_le32(const u8 *p)
{
	return (u32)p[0] | (u32)p[1] << 8 | (u32)p[2] << 16 | (u32)p[3] << 24;
}

static void blake2s_compress(struct blake2s_state *s, const u8 *block, u32 inc)
{
	u32 m[16], v[16];
	int i, r;

	s->t[0] += inc;
	s->t[1] += s->t[0] < inc;
	for (i = 0; i < 16; i++)
		m[i] = get_le32(block + 4 * i);
	for (i = 0; i < 8; i++) {
		v[i] = s->h[i];
		v[i + 8] = blake2s_iv[i];
	}
	v[12] ^= s->t[0];
	v[13] ^= s->t[1];
	v[14] ^= s->f[0];
	v[15] ^= s->f[1];
#define G(a, b, c, d, x, y)                    \
	do {                                   \
		v[a] += v[b] + (x);            \
		v[d] = ror32(v[d] ^ v[a], 16); \
		v[c] += v[d];                  \
		v[b] = ror32(v[b] ^ v[c], 12); \
		v[a] += v[b] + (y);            \
		v[d] = ror32(v[d] ^ v[a], 8);  \
		v[c] += v[d];                  \
		v[b] = ror32(v[b] ^ v[c], 7);  \
	} while (0)
	for (r = 0; r < 10; r++) {
		const u8 *s8 = blake2s_sigma[r];

		G(0, 4, 8, 12, m[s8[0]], m[s8[1]]);
		G(1, 5, 9, 13, m[s8[2]], m[s8[3]]);
		G(2, 6, 10, 14, m[s8[4]], m[s8[5]]);
		G(3, 7, 11, 15, m[s8[6]], m[s8[7]]);
		G(0, 5, 10, 15, m[s8[8]], m[s8[9]]);
		G(1, 6, 11, 12, m[s8[10]], m[s8[11]]);
		G(2, 7, 8, 13, m[s8[12]], m[s8[13]]);
		G(3, 4, 9, 14, m[s8[14]], m[s8[15]]);
	}
#undef G
	for (i = 0; i < 8; i++)
		s->h[i] ^= v[i] ^ v[i + 8];
}

static void blake2s_update(struct blake2s_state *s, const u8 *in, size_t inlen)
{
	while (inlen) {
		size_t n;

		/* The last block is kept for final, which flags it. */
		if (s->buflen == BLAKE2S_BLOCK_SIZE) {
			blake2s_compress(s, s->buf, BLAKE2S_BLOCK_SIZE);
			s->buflen = 0;
		}
		n = BLAKE2S_BLOCK_SIZE - s->buflen;
		if (n > inlen)
			n = inlen;
		memcpy(s->buf + s->buflen, in, n);
		s->buflen += n;
		in += n;
		inlen -= n;
	}
}

void blake2s(u8 *out, const u8 *in, const u8 *key, const size_t outlen, const size_t inlen,
	     const size_t keylen)
{
	struct blake2s_state s;
	u8 full[BLAKE2S_HASH_SIZE];
	int i;

	/* The kernel's own checks (WARN_ON under DEBUG). */
	if (WARN_ON(!out || !outlen || outlen > BLAKE2S_HASH_SIZE || keylen > BLAKE2S_KEY_SIZE ||
		    (!key && keylen) || (!in && inlen)))
		return;
	memset(&s, 0, sizeof(s));
	memcpy(s.h, blake2s_iv, sizeof(s.h));
	s.h[0] ^= 0x01010000UL | (u32)keylen << 8 | (u32)outlen;
	s.outlen = outlen;
	if (keylen) {
		u8 block[BLAKE2S_BLOCK_SIZE] = { 0 };

		memcpy(block, key, keylen);
		blake2s_update(&s, block, sizeof(block));
		explicit_bzero(block, sizeof(block));
	}
	blake2s_update(&s, in, inlen);
	s.f[0] = (u32)-1;
	memset(s.buf + s.buflen, 0, BLAKE2S_BLOCK_SIZE - s.buflen);
	blake2s_compress(&s, s.buf, (u32)s.buflen);
	for (i = 0; i < 8; i++) {
		full[4 * i] = (u8)s.h[i];
		full[4 * i + 1] = (u8)(s.h[i] >> 8);
		full[4 * i + 2] = (u8)(s.h[i] >> 16);
		full[4 * i + 3] = (u8)(s.h[i] >> 24);
	}
	memcpy(out, full, outlen);
	explicit_bzero(&s, sizeof(s));
}

int crypto_memneq(const void *a, const void *b, size_t size)
{
	const u8 *x = a, *y = b;
	u8 d = 0;

	while (size--)
		d |= *x++ ^ *y++;
	return d != 0;
}

/* ------------------------------------------------------------ memory */

bool kshim_fail_alloc;

void *kmalloc(size_t size, gfp_t gfp)
{
	(void)gfp;
	if (kshim_fail_alloc)
		return NULL;
	return malloc(size);
}

void kfree(const void *p)
{
	free((void *)p);
}

/* -------------------------------------------------------- namespaces */

u32 overflowuid = 65534;

/* Identity over every uid but (uid_t)-1, as the initial namespace maps. */
struct user_namespace init_user_ns = { .ns = { 0xEFFFFFFDu }, .first = 0, .count = 0xFFFFFFFFu };
struct pid_namespace init_pid_ns = { .ns = { 0xEFFFFFFCu } };

#define INVALID_UID 0xFFFFFFFFu

kuid_t make_kuid(struct user_namespace *ns, u32 uid)
{
	kuid_t k = { INVALID_UID };

	if (uid < ns->count && (u64)ns->first + uid < INVALID_UID)
		k.val = ns->first + uid;
	return k;
}

u32 from_kuid_munged(struct user_namespace *ns, kuid_t kuid)
{
	if (kuid.val == INVALID_UID || kuid.val < ns->first || kuid.val - ns->first >= ns->count)
		return overflowuid;
	return kuid.val - ns->first;
}

/* The processes that exist, set by the fuzz target. */
static struct pid *pids;
static size_t n_pids;

void kshim_set_pids(struct pid *table, size_t n)
{
	pids = table;
	n_pids = n;
}

u32 pid_nr_ns(struct pid *pid, const struct pid_namespace *ns)
{
	if (ns == &init_pid_ns)
		return pid->nr;
	return pid->child == ns ? pid->child_nr : 0;
}

u32 pid_nr(struct pid *pid)
{
	return pid->nr;
}

struct pid *find_pid_ns(int nr, struct pid_namespace *ns)
{
	size_t i;

	for (i = 0; i < n_pids; i++)
		if (nr > 0 && pid_nr_ns(&pids[i], ns) == (u32)nr)
			return &pids[i];
	return NULL;
}
