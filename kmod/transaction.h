/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Transactions: several changes to services and rules, all or nothing, seen
 * by the packet path in one step.
 */
#ifndef _WFPREDIR_TRANSACTION_H
#define _WFPREDIR_TRANSACTION_H

#include "ruleset.h"
#include "service.h"

/**
 * struct wfpredir_tx - a transaction being prepared
 * @wn: the namespace's state, whose config_lock is held throughout
 * @rules: its rule changes
 * @services: it creates or deletes services
 */
struct wfpredir_tx {
	struct wfpredir_net *wn;
	struct wfpredir_rules_tx rules;
	bool services;
};

void wfpredir_tx_begin(struct wfpredir_net *wn, struct wfpredir_tx *tx);
void wfpredir_tx_replace_table(struct wfpredir_tx *tx, const char *table);
struct wfpredir_service *
wfpredir_tx_service(struct wfpredir_tx *tx,
		    const struct wfpredir_service_spec *spec,
		    struct netlink_ext_ack *extack);
int wfpredir_tx_replace_service(struct wfpredir_tx *tx,
				struct wfpredir_service *old,
				const struct wfpredir_service_spec *spec,
				struct wfpredir_service **new,
				struct netlink_ext_ack *extack);
int wfpredir_tx_check(struct wfpredir_tx *tx, struct netlink_ext_ack *extack);
int wfpredir_tx_commit(struct wfpredir_tx *tx, struct netlink_ext_ack *extack);
void wfpredir_tx_abort(struct wfpredir_tx *tx);

#endif /* _WFPREDIR_TRANSACTION_H */
