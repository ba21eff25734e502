/* SPDX-License-Identifier: GPL-2.0 */
#ifndef KSHIM_CRYPTO_BLAKE2S_H
#define KSHIM_CRYPTO_BLAKE2S_H

#include <linux/types.h>

#define BLAKE2S_BLOCK_SIZE 64
#define BLAKE2S_HASH_SIZE 32
#define BLAKE2S_KEY_SIZE 32

/* As lib/crypto/blake2s.c: keyed BLAKE2s (RFC 7693) of in, outlen bytes. */
void blake2s(u8 *out, const u8 *in, const u8 *key, const size_t outlen, const size_t inlen,
	     const size_t keylen);

#endif
