/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Forced in before kmod/records.c: its include guard keeps kmod/netns.h
 * (the whole per-namespace state and its kernel types) out, and
 * struct wfpredir_net holds what the record codec uses of it.
 */
#ifndef KSHIM_NETNS_H
#define KSHIM_NETNS_H
#define _WFPREDIR_NETNS_H

#include <crypto/blake2s.h>
#include <linux/atomic.h>

struct wfpredir_net {
	u8 records_key[BLAKE2S_KEY_SIZE];
	atomic64_t flow_seq;
};

#endif
