// SPDX-License-Identifier: GPL-2.0
/*
 * Transactions: a configuration file applied as one step (APPLY), or one
 * object replaced in place (WFPREDIR_A_REPLACE).
 *
 * Everything happens under the namespace's config_lock, in one command, so
 * no other change interleaves. Rules use nftables' generation mask (see
 * ruleset.c): new rules enter the classifier inactive in the generation the
 * packet path sees, deleted ones are marked inactive in the next, and the
 * commit flips the cursor. Services need no generation: a service no active
 * rule names redirects nothing, so the new ones are published while the
 * transaction is prepared and the old ones deleted after the flip. A new
 * service may take a listen address over from one the transaction deletes
 * (an owner changed, say): it gets the address at commit, in one
 * rhashtable_replace_fast(), so inheritance sees one service at the address
 * at any time. An explicit id is taken over the same way, in one xa_store():
 * until then the new service is reached through the old one's slot
 * (wfpredir_service_tx_lookup()).
 *
 * What can fail (parsing, ids, names, addresses, cgroups, memory, the rule
 * limit) fails while preparing; the abort then removes what was prepared,
 * which the packet path never saw. The commit cannot fail.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "transaction.h"

#include <linux/err.h>
#include <linux/lockdep.h>
#include <linux/netlink.h>
#include <linux/string.h>

/**
 * wfpredir_tx_begin - start a transaction
 * @wn: the namespace's state
 * @tx: the transaction
 *
 * Context: under &wfpredir_net.config_lock until the commit or abort.
 */
void wfpredir_tx_begin(struct wfpredir_net *wn, struct wfpredir_tx *tx)
{
	lockdep_assert_held(&wn->config_lock);
	tx->wn = wn;
	tx->services = false;
	wfpredir_rules_tx_init(&tx->rules);
}

/**
 * wfpredir_tx_replace_table - delete a table's content at commit
 * @tx: the transaction
 * @table: the table; what the transaction adds to it is its new content
 *
 * Context: before the table's services and rules are added.
 */
void wfpredir_tx_replace_table(struct wfpredir_tx *tx, const char *table)
{
	struct wfpredir_service *service;
	unsigned long id;

	xa_for_each(&tx->wn->services.by_id, id, service) {
		if (strcmp(service->table, table) || service->tx_new)
			continue;
		service->tx_doomed = true;
		tx->services = true;
	}
	wfpredir_rules_tx_doom_table(tx->wn, &tx->rules, table);
}

/**
 * wfpredir_tx_service - a service of the new state
 * @tx: the transaction
 * @spec: the service
 * @extack: where to say what is wrong; may be NULL
 *
 * A service the transaction deletes that is exactly @spec is kept, with
 * its id and counters; otherwise a new one is created.
 *
 * Return: the service, or an ERR_PTR as wfpredir_service_new().
 */
struct wfpredir_service *
wfpredir_tx_service(struct wfpredir_tx *tx,
		    const struct wfpredir_service_spec *spec,
		    struct netlink_ext_ack *extack)
{
	struct wfpredir_service *service;
	unsigned long id;

	xa_for_each(&tx->wn->services.by_id, id, service) {
		if (!service->tx_doomed || service->tx_successor ||
		    service->tx_id_heir ||
		    !wfpredir_service_same(service, spec))
			continue;
		service->tx_doomed = false;
		return service;
	}
	service = wfpredir_service_new(tx->wn, spec, extack);
	if (!IS_ERR(service)) {
		service->tx_new = true;
		tx->services = true;
	}
	return service;
}

/**
 * wfpredir_tx_replace_service - replace a service, its rules following
 * @tx: the transaction
 * @old: the service
 * @spec: what replaces it (same table and name)
 * @new: set to the service of the new state
 * @extack: where to say what is wrong; may be NULL
 *
 * The rules that redirect to @old are recreated, with their ids, for the
 * new service.
 *
 * Return: 0, or as wfpredir_service_new() and wfpredir_rules_tx_add().
 */
int wfpredir_tx_replace_service(struct wfpredir_tx *tx,
				struct wfpredir_service *old,
				const struct wfpredir_service_spec *spec,
				struct wfpredir_service **new,
				struct netlink_ext_ack *extack)
{
	struct wfpredir_net *wn = tx->wn;
	const struct wfpredir_rule *rule;
	struct wfpredir_rule_spec rspec;
	unsigned long id = 0;
	u32 rid;
	int ret;

	if (wfpredir_service_same(old, spec)) {
		*new = old;
		return 0;
	}
	old->tx_doomed = true;
	tx->services = true;
	*new = wfpredir_tx_service(tx, spec, extack);
	if (IS_ERR(*new))
		return PTR_ERR(*new);
	for (; (rule = wfpredir_rule_next(wn, &id)); id++) {
		if (rule->service != old)
			continue;
		ret = wfpredir_rules_tx_doom_id(wn, &tx->rules, rule->id);
		if (ret)
			return ret;
		wfpredir_rule_spec(rule, &rspec);
		rspec.service_id = (*new)->id;
		ret = wfpredir_rules_tx_add(wn, &tx->rules, &rspec, &rid,
					    extack);
		if (ret)
			return ret;
	}
	return 0;
}

/**
 * wfpredir_tx_check - whether the prepared transaction may commit
 * @tx: the transaction
 * @extack: where to say what is wrong; may be NULL
 *
 * A service it deletes must have lost all its rules to it.
 *
 * Return: 0, or -EBUSY.
 */
int wfpredir_tx_check(struct wfpredir_tx *tx, struct netlink_ext_ack *extack)
{
	struct wfpredir_service *service;
	unsigned long id;

	xa_for_each(&tx->wn->services.by_id, id, service) {
		if (service->tx_doomed &&
		    service->rules != service->tx_doomed_rules) {
			NL_SET_ERR_MSG(extack,
				       "rules of another table redirect to a service this replaces");
			return -EBUSY;
		}
	}
	return 0;
}

/**
 * wfpredir_tx_commit - make the prepared state the namespace's
 * @tx: the transaction
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context (sleeps for a grace period if rules change).
 * Return: 0; or -EBUSY, and the transaction aborted, if a service it
 * deletes is still used by a rule it keeps.
 */
int wfpredir_tx_commit(struct wfpredir_tx *tx, struct netlink_ext_ack *extack)
{
	struct wfpredir_service *service;
	unsigned long id;
	int ret;

	ret = wfpredir_tx_check(tx, extack);
	if (ret) {
		wfpredir_tx_abort(tx);
		return ret;
	}
	wfpredir_rules_tx_commit(tx->wn, &tx->rules);
	if (!tx->services)
		return 0;
	xa_for_each(&tx->wn->services.by_id, id, service) {
		service->tx_new = false;
		if (service->tx_doomed)
			wfpredir_service_takeover(tx->wn, service);
	}
	return 0;
}

/**
 * wfpredir_tx_abort - undo everything the transaction prepared
 * @tx: the transaction
 */
void wfpredir_tx_abort(struct wfpredir_tx *tx)
{
	struct wfpredir_service *service;
	unsigned long id;

	wfpredir_rules_tx_abort(tx->wn, &tx->rules);
	if (!tx->services)
		return;
	xa_for_each(&tx->wn->services.by_id, id, service) {
		/* Not in the xarray before the commit: reached by its slot. */
		if (service->tx_id_heir)
			wfpredir_service_discard(tx->wn, service->tx_id_heir);
		if (service->tx_new) {
			service->tx_new = false;
			wfpredir_service_discard(tx->wn, service);
		}
	}
	xa_for_each(&tx->wn->services.by_id, id, service) {
		service->tx_doomed = false;
		service->tx_successor = NULL;
	}
}
