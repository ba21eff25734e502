/* SPDX-License-Identifier: MIT */
/*
 * libwfpredir unit tests: one Check suite per library source, each in
 * test_<source>.c; main.c runs them all and tests/unit/run prints TAP.
 * Test names are sentences: tests/unit/run turns their underscores into
 * spaces.
 */
#ifndef WFPREDIR_UNIT_H
#define WFPREDIR_UNIT_H

#include "internal.h" /* lib/internal.h: the Makefile passes -Ilib */

#include <check.h>
#include <stddef.h>

Suite *header_suite(void);
Suite *wsa_errors_suite(void);
Suite *last_error_suite(void);
Suite *safemem_suite(void);
Suite *sockopt_suite(void);
Suite *wsaioctl_suite(void);
Suite *wspioctl_suite(void);
Suite *ctl_suite(void);
Suite *records_suite(void);
Suite *parse_suite(void);

/* helpers.c */

/* The source tree: $WFPREDIR_SRCDIR (tests/unit/run sets it), else ".". */
const char *unit_srcdir(void);

/* An anonymous mapping of pages pages, filled with 0x5a; page i has prot[i]. */
size_t unit_page_size(void);
void *unit_map(size_t pages, const int *prot);
void unit_unmap(void *addr, size_t pages);

/* A descriptor number that is not open. */
int unit_closed_fd(void);

/* A socket(); the test fails if it cannot be made. */
int unit_socket(int family, int type, int protocol);

/* The unit tests assume the host runs without wfpredir.ko. */
void unit_assert_module_absent(void);

/*
 * A stand-in for a kernel with the module loaded (fake_kernel.c), for the
 * replies the host kernel cannot give. get() answers like the module: with
 * err if set, else "too small" (success, nothing copied, len = data_len) or
 * the data. Every call is recorded.
 */
struct fake_kernel {
	int err;
	int unknown_name;     /* an option name the fake has not heard of */
	void (*on_get)(void); /* called in each get, before it answers */
	const void *data;
	socklen_t data_len;

	int calls;
	int first_level; /* of the first call since fake_reset() */
	int level;
	int name;
	socklen_t asked;
	const void *buf;
	unsigned char get_in[sizeof(struct wfpredir_handoff_buffers)]; /* the first
								     * bytes of a get's buffer on input */
	bool old_handoff; /* a module whose WFPREDIR_SO_HANDOFF knows no flags */
	int handoff_from; /* the accepted socket a WFPREDIR_SO_HANDOFF named */
	unsigned char set_copy[4096];
	/* The onward socket holds records: a WFPREDIR_SO_HANDOFF whose answer
	 * fitted or a WFPREDIR_SO_SET_RECORDS succeeded, no
	 * WFPREDIR_SO_CLEAR_RECORDS since. */
	bool handed;
};

extern struct fake_kernel fake;
extern const struct wfpredir_sockopt_ops fake_sockopt;
void fake_reset(void);

#endif /* WFPREDIR_UNIT_H */
