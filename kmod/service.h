/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Redirect services: where a namespace's proxies listen.
 */
#ifndef _WFPREDIR_SERVICE_H
#define _WFPREDIR_SERVICE_H

#include "owner.h"
#include "uapi/linux/wfpredir.h"

#include <linux/atomic.h>
#include <linux/in6.h>
#include <linux/netfilter.h>
#include <linux/rbtree.h>
#include <linux/rhashtable-types.h>
#include <linux/types.h>
#include <linux/uidgid.h>
#include <linux/xarray.h>

struct cgroup;
struct netlink_ext_ack;
struct nlattr;
struct sock;
struct wfpredir_net;

/**
 * struct wfpredir_service_addr - one listen address of a service
 * @node: in &wfpredir_services.by_addr
 * @service: the service it belongs to
 * @family: AF_INET or AF_INET6; 0 if the service has no address of this
 *	family
 * @addr: the address
 * @port: the port, network order
 * @unhashed: not in &wfpredir_services.by_addr yet: a transaction's new
 *	service takes the address over from the one it replaces at commit
 */
struct wfpredir_service_addr {
	struct rhash_head node;
	struct wfpredir_service *service;
	bool unhashed;
	u8 family;
	union nf_inet_addr addr;
	__be16 port;
};

/*
 * Who a service's proxy is: the sockets that may query its flows, and whose
 * records-less connections never go back to it (the loop bound). Neither
 * field set: an unowned service, whose flows only CAP_NET_ADMIN may query.
 */
struct wfpredir_owner {
	kuid_t uid;		/* INVALID_UID: any uid */
	struct cgroup *cgroup;	/* NULL: any cgroup; holds a reference */
};

/* The index key of an owned service: see owner.c. */
struct wfpredir_owner_key {
	u64 val;
	u32 kind;
	u32 pad;
};

/**
 * struct wfpredir_service - a redirect service (Windows' redirect handle)
 * @rcu: frees the service after readers are done
 * @owner: who its proxy is (Windows' localRedirectTargetPID, by identity
 *	rather than by process)
 * @owner_cgroup_path: @owner.cgroup's path as given, for listings; NULL
 *	without an owner cgroup
 * @owner_key: its key in the namespace's owner index, if owned (owner.c)
 * @owner_node: in the owner index
 * @rules_by_rank: its rules by rank; under &wfpredir_net.config_lock
 * @rule_rank_max: the rank of its last rule, 0 without rules: a proxy's
 *	records-less connections are redirected only by rules ranking after
 *	it (owner.c); read locklessly by the packet path
 * @id: its id, unique in the namespace
 * @name: its name, unique in its table
 * @table: its table (one per vendor, as nft's)
 * @tx_doomed: a transaction replaces its table and it is not kept; under
 *	&wfpredir_net.config_lock, only while the transaction is prepared
 * @tx_doomed_rules: how many of its rules the transaction deletes
 * @tx_successor: the new service that takes its listen addresses over
 * @tx_id_heir: the new service that takes its id over; set only while it is
 *	doomed
 * @tx_new: created by the transaction being prepared
 * @tx_id_claimed: its id is a doomed service's, whose slot in
 *	&wfpredir_services.by_id it gets only at commit
 * @addr4: its IPv4 listen address (family 0 if none)
 * @addr6: its IPv6 listen address (family 0 if none)
 * @rules: how many rules redirect to it; under &wfpredir_net.config_lock
 * @redirects: flows redirected to it
 * @skipped: flows a rule matched but not redirected to it, because their
 *	chain already held it
 *
 * Published with RCU; immutable but for the counters. A service is not
 * deleted while @rules is non-zero, so a rule's service pointer is good for
 * as long as the rule is.
 */
struct wfpredir_service {
	struct rcu_head rcu;
	struct wfpredir_owner owner;
	const char *owner_cgroup_path;
	struct wfpredir_owner_key owner_key;
	struct rhlist_head owner_node;
	struct rb_root rules_by_rank;
	u64 rule_rank_max;
	u32 id;
	char name[WFPREDIR_SERVICE_NAME_MAX];
	char table[WFPREDIR_TABLE_NAME_MAX];
	bool tx_doomed;
	unsigned int tx_doomed_rules;
	struct wfpredir_service *tx_successor;
	struct wfpredir_service *tx_id_heir;
	bool tx_new;
	bool tx_id_claimed;
	struct wfpredir_service_addr addr4;
	struct wfpredir_service_addr addr6;
	unsigned int rules;
	atomic64_t redirects;
	atomic64_t skipped;
};

/**
 * struct wfpredir_services - the services of one namespace
 * @by_id: id -> service
 * @by_addr: listen address -> &wfpredir_service_addr
 * @owners: owner -> the services it owns (owner.c)
 * @count: number of services
 * @next_id: where the search for a free id starts: ids are handed out
 *	cyclically, so that a deleted service's id, which records issued
 *	earlier still name, is not soon given to another
 * @gen: bumped by every change, so that a dump split across messages can
 *	tell it missed one (NLM_F_DUMP_INTR)
 *
 * Changed under &wfpredir_net.config_lock; read under RCU.
 */
struct wfpredir_services {
	struct xarray by_id;
	struct rhashtable by_addr;
	struct wfpredir_owner_index owners;
	unsigned int count;
	u32 next_id;
	unsigned int gen;
};

/**
 * struct wfpredir_service_spec - a service to create
 * @id: its id; 0 lets the kernel pick one
 * @name: its name, NUL-terminated
 * @table: its table, NUL-terminated, checked by wfpredir_table_name_ok()
 * @family4: AF_INET if it has an IPv4 listen address, else 0
 * @addr4: the IPv4 listen address
 * @port4: its port, network order
 * @family6: AF_INET6 if it has an IPv6 listen address, else 0
 * @addr6: the IPv6 listen address
 * @port6: its port, network order
 * @has_owner_uid: the service has an owner uid
 * @owner_uid: the owner's uid, with @has_owner_uid
 * @owner_cgroup: the owner's cgroup v2 path, NUL-terminated; NULL for none
 * @tb: the WFPREDIR_A_SERVICE_* attributes the spec came from, so that
 *	errors name the attribute; NULL when it did not come from netlink
 */
struct wfpredir_service_spec {
	u32 id;
	const char *name;
	const char *table;
	u8 family4;
	__be32 addr4;
	__be16 port4;
	u8 family6;
	struct in6_addr addr6;
	__be16 port6;
	bool has_owner_uid;
	kuid_t owner_uid;
	const char *owner_cgroup;
	struct nlattr *const *tb;
};

int wfpredir_services_init(struct wfpredir_services *services);
void wfpredir_services_destroy(struct wfpredir_services *services);

/* Under &wfpredir_net.config_lock. */
int wfpredir_service_create(struct wfpredir_net *wn,
			    const struct wfpredir_service_spec *spec,
			    u32 *id, struct netlink_ext_ack *extack);
int wfpredir_service_delete(struct wfpredir_net *wn,
			    struct wfpredir_service *service,
			    struct netlink_ext_ack *extack);
int wfpredir_services_flush(struct wfpredir_net *wn, const char *table,
			    struct netlink_ext_ack *extack);
struct wfpredir_service *
wfpredir_service_find_by_name(struct wfpredir_net *wn, const char *table,
			      const char *name);
struct wfpredir_service *
wfpredir_service_tx_lookup(struct wfpredir_net *wn, u32 id);
struct wfpredir_service *
wfpredir_service_new(struct wfpredir_net *wn,
		     const struct wfpredir_service_spec *spec,
		     struct netlink_ext_ack *extack);
void wfpredir_service_discard(struct wfpredir_net *wn,
			      struct wfpredir_service *service);
void wfpredir_service_takeover(struct wfpredir_net *wn,
			       struct wfpredir_service *old);
bool wfpredir_service_same(const struct wfpredir_service *service,
			   const struct wfpredir_service_spec *spec);
bool wfpredir_table_name_ok(const char *name);

/* RCU read side, for dumps: the service with the lowest id >= *@id. */
struct wfpredir_service *wfpredir_service_next(struct wfpredir_net *wn,
					       unsigned long *id);

/**
 * wfpredir_service_addr_of - a service's listen address for a family
 * @service: the service
 * @family: AF_INET or AF_INET6
 *
 * Return: the address, or NULL if the service has none of @family.
 */
static inline const struct wfpredir_service_addr *
wfpredir_service_addr_of(const struct wfpredir_service *service, u8 family)
{
	const struct wfpredir_service_addr *a;

	a = family == AF_INET ? &service->addr4 : &service->addr6;
	return a->family ? a : NULL;
}

/**
 * wfpredir_owner_is_set - whether a service has an owner
 * @owner: the service's owner
 *
 * Context: any.
 * Return: true if a uid, a cgroup or both name the service's proxy.
 */
static inline bool wfpredir_owner_is_set(const struct wfpredir_owner *owner)
{
	return uid_valid(owner->uid) || owner->cgroup;
}

bool wfpredir_owner_holds_sk(const struct wfpredir_owner *owner,
			     const struct sock *sk);

/* RCU read side. */
struct wfpredir_service *wfpredir_service_lookup(struct wfpredir_net *wn,
						 u32 id);
const struct wfpredir_service_addr *
wfpredir_service_find_by_addr(struct wfpredir_net *wn, u8 family,
			      const union nf_inet_addr *addr, __be16 port);

#endif /* _WFPREDIR_SERVICE_H */
