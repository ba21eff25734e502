// SPDX-License-Identifier: GPL-2.0
/*
 * Redirect services: where a namespace's proxies listen. Windows calls them
 * redirect handles; a rule names one, and a flow it matches is sent to the
 * service's listen address of the flow's family.
 *
 * A service is found by id (rules, the hook, dumps: an xarray) and by listen
 * address (inheritance asks whether a socket is bound to one: a hash table,
 * so that this stays O(1) on the packet path). Both are changed under the
 * namespace's config_lock and read under RCU; a service is immutable once
 * published but for its counters, and freed after a grace period.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include "netns.h"
#include "owner.h"
#include "service.h"

#include <linux/cgroup.h>
#include <linux/ctype.h>
#include <linux/err.h>
#include <linux/in.h>
#include <linux/lockdep.h>
#include <linux/netlink.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <net/ipv6.h>
#include <net/sock.h>

/*
 * The key is (family, addr, port), the padding between them included: every
 * wfpredir_service_addr comes zeroed from kzalloc and every lookup key is
 * memset, so the padding is always zero and may be hashed and compared.
 */
#define WFPREDIR_SADDR_KEY_LEN						\
	(offsetofend(struct wfpredir_service_addr, port) -		\
	 offsetof(struct wfpredir_service_addr, family))

static const struct rhashtable_params wfpredir_saddr_params = {
	.head_offset = offsetof(struct wfpredir_service_addr, node),
	.key_offset = offsetof(struct wfpredir_service_addr, family),
	.key_len = WFPREDIR_SADDR_KEY_LEN,
	.automatic_shrinking = true,
};

/* The attribute @type of @spec, to name in an error; NULL if none. */
static const struct nlattr *
wfpredir_spec_attr(const struct wfpredir_service_spec *spec, int type)
{
	return spec->tb ? spec->tb[type] : NULL;
}

/* Nobody can see @service any more. */
static void wfpredir_service_free(struct wfpredir_service *service)
{
	if (service->owner.cgroup)
		cgroup_put(service->owner.cgroup);
	kfree(service->owner_cgroup_path);
	kfree(service);
}

/*
 * cgroup_put() only queues work when the last reference goes, so it may run
 * from the RCU callback, as the rules' does.
 */
static void wfpredir_service_free_rcu(struct rcu_head *head)
{
	wfpredir_service_free(container_of(head, struct wfpredir_service, rcu));
}

/**
 * wfpredir_owner_holds_sk - whether a socket belongs to a service's owner
 * @owner: the service's owner
 * @sk: the socket
 *
 * The socket's uid is the one it was created with (an accepted socket's is
 * its accepter's), and its cgroup the one it was created in, as the rules'
 * uid and cgroup matches read them: neither changes with the task that
 * happens to use the socket.
 *
 * Context: any; O(1). The owner is read under RCU or the config lock.
 * Return: true if @owner is set and @sk meets every part of it; false for
 * an unowned service, which no socket owns.
 */
bool wfpredir_owner_holds_sk(const struct wfpredir_owner *owner,
			     const struct sock *sk)
{
	if (!wfpredir_owner_is_set(owner))
		return false;
	if (uid_valid(owner->uid) && !uid_eq(owner->uid, sk->sk_uid))
		return false;
#ifdef CONFIG_SOCK_CGROUP_DATA
	/* Older kernels' sock_cgroup_ptr() takes no const; it only reads. */
	if (owner->cgroup &&
	    !cgroup_is_descendant(sock_cgroup_ptr((struct sock_cgroup_data *)
						  &sk->sk_cgrp_data),
				  owner->cgroup))
		return false;
#endif
	return true;
}

/**
 * wfpredir_services_init - set up a namespace's services
 * @services: the services, zeroed
 *
 * Context: process context (pernet init).
 * Return: 0 or a negative errno.
 */
int wfpredir_services_init(struct wfpredir_services *services)
{
	int ret;

	xa_init_flags(&services->by_id, XA_FLAGS_ALLOC1);
	services->count = 0;
	services->next_id = 1;
	services->gen = 0;
	ret = wfpredir_owner_index_init(&services->owners);
	if (ret)
		return ret;
	ret = rhashtable_init(&services->by_addr, &wfpredir_saddr_params);
	if (ret)
		wfpredir_owner_index_destroy(&services->owners);
	return ret;
}

/**
 * wfpredir_services_destroy - free a namespace's services
 * @services: the services
 *
 * Context: process context (pernet exit), once no rule is left, the hook is
 * unregistered and a grace period has passed: nobody can see a service.
 */
void wfpredir_services_destroy(struct wfpredir_services *services)
{
	struct wfpredir_service *service;
	unsigned long id;

	/* The addresses are embedded in the services, freed below. */
	rhashtable_destroy(&services->by_addr);
	wfpredir_owner_index_destroy(&services->owners);
	xa_for_each(&services->by_id, id, service)
		wfpredir_service_free(service);
	xa_destroy(&services->by_id);
	services->count = 0;
}

/**
 * wfpredir_service_lookup - a service by id
 * @wn: the namespace's state
 * @id: the id
 *
 * Context: RCU read side, or under &wfpredir_net.config_lock.
 * Return: the service, or NULL.
 */
struct wfpredir_service *wfpredir_service_lookup(struct wfpredir_net *wn,
						 u32 id)
{
	return xa_load(&wn->services.by_id, id);
}

/**
 * wfpredir_service_tx_lookup - a service of the state being prepared, by id
 * @wn: the namespace's state
 * @id: the id
 *
 * A service the transaction being prepared deletes stands for its id's
 * heir, which the packet path only sees at commit.
 *
 * Context: under &wfpredir_net.config_lock.
 * Return: the service, or NULL.
 */
struct wfpredir_service *
wfpredir_service_tx_lookup(struct wfpredir_net *wn, u32 id)
{
	struct wfpredir_service *service;

	lockdep_assert_held(&wn->config_lock);
	service = xa_load(&wn->services.by_id, id);
	if (service && service->tx_id_heir)
		return service->tx_id_heir;
	return service;
}

/**
 * wfpredir_service_find_by_addr - the service listening at an address
 * @wn: the namespace's state
 * @family: AF_INET or AF_INET6
 * @addr: the address; for AF_INET only @addr->ip is read
 * @port: the port, network order
 *
 * Context: RCU read side.
 * Return: the service's address entry, or NULL.
 */
const struct wfpredir_service_addr *
wfpredir_service_find_by_addr(struct wfpredir_net *wn, u8 family,
			      const union nf_inet_addr *addr, __be16 port)
{
	struct wfpredir_service_addr key;

	memset(&key, 0, sizeof(key));
	key.family = family;
	if (family == AF_INET)
		key.addr.ip = addr->ip;
	else
		key.addr.in6 = addr->in6;
	key.port = port;
	return rhashtable_lookup(&wn->services.by_addr, &key.family,
				 wfpredir_saddr_params);
}

/**
 * wfpredir_service_find_by_name - a service by table and name
 * @wn: the namespace's state
 * @table: its table
 * @name: the name
 *
 * A linear search: names are looked up only by configuration commands, and
 * a namespace has at most WFPREDIR_SERVICES_MAX services. A service a
 * transaction being prepared deletes is not found: its name is free for the
 * new state.
 *
 * Context: under &wfpredir_net.config_lock.
 * Return: the service, or NULL.
 */
struct wfpredir_service *
wfpredir_service_find_by_name(struct wfpredir_net *wn, const char *table,
			      const char *name)
{
	struct wfpredir_service *service, *s;
	unsigned long id;

	lockdep_assert_held(&wn->config_lock);
	xa_for_each(&wn->services.by_id, id, service) {
		/* An id's heir is in the slot of the service it replaces. */
		s = service->tx_doomed ? service->tx_id_heir : service;
		if (s && !strcmp(s->name, name) && !strcmp(s->table, table))
			return s;
	}
	return NULL;
}

/**
 * wfpredir_table_name_ok - whether a table name is valid
 * @name: the name, NUL-terminated
 *
 * Context: any.
 * Return: true for 1 to 31 characters of [A-Za-z0-9_.-].
 */
bool wfpredir_table_name_ok(const char *name)
{
	size_t len = strnlen(name, WFPREDIR_TABLE_NAME_MAX);
	size_t i;

	if (!len || len >= WFPREDIR_TABLE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum(name[i]) && !strchr("_.-", name[i]))
			return false;
	return true;
}

/**
 * wfpredir_service_next - the service with the lowest id from a given one
 * @wn: the namespace's state
 * @id: in: the lowest id wanted; out: the service's id
 *
 * Context: RCU read side; the service is good until it ends.
 * Return: the service, or NULL if there is none at or above *@id.
 */
struct wfpredir_service *wfpredir_service_next(struct wfpredir_net *wn,
					       unsigned long *id)
{
	return xa_find(&wn->services.by_id, id, U32_MAX, XA_PRESENT);
}

/*
 * The service listening at an address, the config side's lookup; stable
 * under the config lock.
 */
static struct wfpredir_service *
wfpredir_service_addr_holder(struct wfpredir_net *wn, u8 family,
			     const union nf_inet_addr *addr, __be16 port)
{
	const struct wfpredir_service_addr *a;

	rcu_read_lock();
	a = wfpredir_service_find_by_addr(wn, family, addr, port);
	rcu_read_unlock();
	return a ? a->service : NULL;
}

/*
 * Whether @new may listen at its address of @family: free, or held by a
 * service the transaction deletes, which then hands it over at commit.
 */
static bool wfpredir_service_addr_claim(struct wfpredir_net *wn,
					struct wfpredir_service *new,
					struct wfpredir_service_addr *a)
{
	struct wfpredir_service *holder;

	holder = wfpredir_service_addr_holder(wn, a->family, &a->addr, a->port);
	if (!holder)
		return true;
	if (!holder->tx_doomed ||
	    (holder->tx_successor && holder->tx_successor != new))
		return false;
	holder->tx_successor = new;
	a->unhashed = true;
	return true;
}

/* @new is not created after all: its claims on addresses and id are void. */
static void wfpredir_service_unclaim(struct wfpredir_net *wn,
				     struct wfpredir_service *new)
{
	struct wfpredir_service_addr *as[] = { &new->addr4, &new->addr6 };
	struct wfpredir_service *holder;
	unsigned int i;

	if (new->tx_id_claimed) {
		holder = xa_load(&wn->services.by_id, new->id);
		if (holder && holder->tx_id_heir == new)
			holder->tx_id_heir = NULL;
	}

	for (i = 0; i < ARRAY_SIZE(as); i++) {
		if (!as[i]->family || !as[i]->unhashed)
			continue;
		holder = wfpredir_service_addr_holder(wn, as[i]->family,
						      &as[i]->addr,
						      as[i]->port);
		/* Still unhashed: removing @new leaves the holder's node. */
		if (holder && holder->tx_successor == new)
			holder->tx_successor = NULL;
	}
}

/* 1 to 31 visible ASCII characters: names are typed and printed by admins. */
static bool wfpredir_service_name_ok(const char *name)
{
	size_t len = strnlen(name, WFPREDIR_SERVICE_NAME_MAX);
	size_t i;

	if (!len || len >= WFPREDIR_SERVICE_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (name[i] <= ' ' || name[i] > '~')
			return false;
	return true;
}

/* A proxy listens at one unicast address; a wildcard is no destination. */
static int wfpredir_service_check(const struct wfpredir_service_spec *spec,
				  struct netlink_ext_ack *extack)
{
	const struct nlattr *cg_attr;

	if (!spec->table || !wfpredir_table_name_ok(spec->table)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_TABLE),
				    "table name must be 1 to 31 characters of A-Z a-z 0-9 _ . -");
		return -EINVAL;
	}
	if (!spec->name || !wfpredir_service_name_ok(spec->name)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_NAME),
				    "service name must be 1 to 31 visible ASCII characters");
		return -EINVAL;
	}
	if (!spec->family4 && !spec->family6) {
		NL_SET_ERR_MSG(extack,
			       "a service needs a listen address (ADDR4 and PORT4, or ADDR6 and PORT6)");
		return -EINVAL;
	}
	if (spec->family4) {
		if (ipv4_is_zeronet(spec->addr4) ||
		    ipv4_is_multicast(spec->addr4) ||
		    ipv4_is_lbcast(spec->addr4)) {
			NL_SET_ERR_MSG_ATTR(extack,
					    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_ADDR4),
					    "listen address must be a unicast address");
			return -EINVAL;
		}
		if (!spec->port4) {
			NL_SET_ERR_MSG_ATTR(extack,
					    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_PORT4),
					    "listen port must be 1 to 65535");
			return -EINVAL;
		}
	}
	if (spec->family6) {
		if (ipv6_addr_any(&spec->addr6) ||
		    ipv6_addr_is_multicast(&spec->addr6)) {
			NL_SET_ERR_MSG_ATTR(extack,
					    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_ADDR6),
					    "listen address must be a unicast address");
			return -EINVAL;
		}
		if (!spec->port6) {
			NL_SET_ERR_MSG_ATTR(extack,
					    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_PORT6),
					    "listen port must be 1 to 65535");
			return -EINVAL;
		}
	}
	cg_attr = wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_OWNER_CGROUP);
	if (spec->owner_cgroup) {
#ifdef CONFIG_SOCK_CGROUP_DATA
		if (strnlen(spec->owner_cgroup, WFPREDIR_CGROUP_PATH_MAX) >=
		    WFPREDIR_CGROUP_PATH_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, cg_attr,
					    "cgroup path too long");
			return -EINVAL;
		}
#else
		NL_SET_ERR_MSG_ATTR(extack, cg_attr,
				    "kernel without socket cgroup data");
		return -EOPNOTSUPP;
#endif
	}
	if (spec->has_owner_uid && !uid_valid(spec->owner_uid)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_OWNER_UID),
				    "owner uid is not mapped in your user namespace");
		return -EINVAL;
	}
	return 0;
}

/*
 * Reserve @spec's id, or a free one; the slot reads as empty until stored.
 * An id held by a service the transaction deletes is claimed instead, like
 * its listen address: @new gets the slot at commit.
 */
static int wfpredir_service_reserve_id(struct wfpredir_services *services,
				       const struct wfpredir_service_spec *spec,
				       struct wfpredir_service *new,
				       struct netlink_ext_ack *extack)
{
	struct wfpredir_service *holder;
	u32 *id = &new->id;
	int ret;

	if (spec->id) {
		holder = xa_load(&services->by_id, spec->id);
		if (holder && holder->tx_doomed && !holder->tx_id_heir) {
			new->tx_id_claimed = true;
			*id = spec->id;
			return 0;
		}
		ret = xa_insert(&services->by_id, spec->id, NULL,
				GFP_KERNEL_ACCOUNT);
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG_ATTR(extack,
					    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_ID),
					    "a service with this id exists");
			return -EEXIST;
		}
		*id = spec->id;
		return ret;
	}
	ret = xa_alloc_cyclic(&services->by_id, id, NULL, XA_LIMIT(1, U32_MAX),
			      &services->next_id, GFP_KERNEL_ACCOUNT);
	return ret < 0 ? ret : 0;
}

static void wfpredir_saddr_unhash(struct wfpredir_services *services,
				  struct wfpredir_service_addr *a)
{
	if (a->family && !a->unhashed)
		rhashtable_remove_fast(&services->by_addr, &a->node,
				       wfpredir_saddr_params);
}

static void wfpredir_service_unhash(struct wfpredir_services *services,
				    struct wfpredir_service *service)
{
	wfpredir_saddr_unhash(services, &service->addr4);
	wfpredir_saddr_unhash(services, &service->addr6);
	wfpredir_owner_index_del(&services->owners, service);
}

static int wfpredir_service_hash(struct wfpredir_services *services,
				 struct wfpredir_service *service)
{
	int ret;

	if (service->addr4.family && !service->addr4.unhashed) {
		ret = rhashtable_insert_fast(&services->by_addr,
					     &service->addr4.node,
					     wfpredir_saddr_params);
		if (ret)
			return ret;
	}
	if (service->addr6.family && !service->addr6.unhashed) {
		ret = rhashtable_insert_fast(&services->by_addr,
					     &service->addr6.node,
					     wfpredir_saddr_params);
		if (ret)
			goto err_addr6;
	}
	ret = wfpredir_owner_index_add(&services->owners, service);
	if (ret)
		goto err_owner;
	return 0;

err_owner:
	wfpredir_saddr_unhash(services, &service->addr6);
err_addr6:
	wfpredir_saddr_unhash(services, &service->addr4);
	return ret;
}

/**
 * wfpredir_service_new - create and publish a service
 * @wn: the namespace's state
 * @spec: the service
 * @extack: where to say what is wrong; may be NULL
 *
 * A listen address held by a service that the transaction being prepared
 * deletes is claimed, not taken: the new service gets it at commit
 * (wfpredir_service_takeover()), so that inheritance never sees two
 * services at one address, nor none in between.
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: the service; ERR_PTR(-EINVAL) for a bad name or address,
 * -EEXIST if the id, the name in its table or a listen address is taken,
 * -ENOSPC beyond WFPREDIR_SERVICES_MAX, -ENOENT for a missing cgroup, or
 * -ENOMEM.
 */
struct wfpredir_service *
wfpredir_service_new(struct wfpredir_net *wn,
		     const struct wfpredir_service_spec *spec,
		     struct netlink_ext_ack *extack)
{
	const int cg_type = WFPREDIR_A_SERVICE_OWNER_CGROUP;
	struct wfpredir_services *services = &wn->services;
	struct wfpredir_service *service, *holder;
	int ret;

	lockdep_assert_held(&wn->config_lock);

	ret = wfpredir_service_check(spec, extack);
	if (ret)
		return ERR_PTR(ret);
	if (services->count >= WFPREDIR_SERVICES_MAX) {
		NL_SET_ERR_MSG(extack, "service table full (at most 1024)");
		return ERR_PTR(-ENOSPC);
	}
	if (wfpredir_service_find_by_name(wn, spec->table, spec->name)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_NAME),
				    "a service with this name exists in this table");
		return ERR_PTR(-EEXIST);
	}

	service = kzalloc(sizeof(*service), GFP_KERNEL_ACCOUNT);
	if (!service)
		return ERR_PTR(-ENOMEM);
	strscpy(service->name, spec->name, sizeof(service->name));
	strscpy(service->table, spec->table, sizeof(service->table));
	if (spec->family4) {
		service->addr4.service = service;
		service->addr4.family = AF_INET;
		service->addr4.addr.ip = spec->addr4;
		service->addr4.port = spec->port4;
	}
	if (spec->family6) {
		service->addr6.service = service;
		service->addr6.family = AF_INET6;
		service->addr6.addr.in6 = spec->addr6;
		service->addr6.port = spec->port6;
	}
	/* Two services at one address would make inheritance ambiguous. */
	if (spec->family4 &&
	    !wfpredir_service_addr_claim(wn, service, &service->addr4)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_ADDR4),
				    "another service listens at this address and port");
		ret = -EEXIST;
		goto err_free;
	}
	if (spec->family6 &&
	    !wfpredir_service_addr_claim(wn, service, &service->addr6)) {
		NL_SET_ERR_MSG_ATTR(extack,
				    wfpredir_spec_attr(spec, WFPREDIR_A_SERVICE_ADDR6),
				    "another service listens at this address and port");
		ret = -EEXIST;
		goto err_free;
	}
	atomic64_set(&service->redirects, 0);
	atomic64_set(&service->skipped, 0);
	/* kzalloc's zero is uid 0, root: "no owner uid" must be said. */
	service->owner.uid = spec->has_owner_uid ? spec->owner_uid :
						   INVALID_UID;
	if (spec->owner_cgroup) {
		service->owner_cgroup_path = kstrdup(spec->owner_cgroup,
						     GFP_KERNEL_ACCOUNT);
		if (!service->owner_cgroup_path) {
			ret = -ENOMEM;
			goto err_free;
		}
		service->owner.cgroup = cgroup_get_from_path(spec->owner_cgroup);
		if (IS_ERR(service->owner.cgroup)) {
			ret = PTR_ERR(service->owner.cgroup);
			service->owner.cgroup = NULL;
			NL_SET_ERR_MSG_ATTR(extack,
					    wfpredir_spec_attr(spec, cg_type),
					    "no such cgroup v2 directory");
			goto err_free;
		}
	}

	ret = wfpredir_service_reserve_id(services, spec, service, extack);
	if (ret)
		goto err_free;
	ret = wfpredir_service_hash(services, service);
	if (ret)
		goto err_release;
	if (service->tx_id_claimed) {
		holder = xa_load(&services->by_id, service->id);
		holder->tx_id_heir = service;
	} else {
		/* Replaces the reserved slot: allocates nothing, cannot fail. */
		xa_store(&services->by_id, service->id, service,
			 GFP_KERNEL_ACCOUNT);
	}
	services->count++;
	services->gen++;
	return service;

err_release:
	if (!service->tx_id_claimed)
		xa_release(&services->by_id, service->id);
err_free:
	wfpredir_service_unclaim(wn, service);
	wfpredir_service_free(service);
	return ERR_PTR(ret);
}

/**
 * wfpredir_service_create - create a service
 * @wn: the namespace's state
 * @spec: the service
 * @id: set to the new service's id
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: 0, or as wfpredir_service_new().
 */
int wfpredir_service_create(struct wfpredir_net *wn,
			    const struct wfpredir_service_spec *spec,
			    u32 *id, struct netlink_ext_ack *extack)
{
	struct wfpredir_service *service;

	service = wfpredir_service_new(wn, spec, extack);
	if (IS_ERR(service))
		return PTR_ERR(service);
	*id = service->id;
	return 0;
}

/**
 * wfpredir_service_same - whether a service is what a spec describes
 * @service: the service
 * @spec: the spec (an id of 0 matches any)
 *
 * A transaction keeps such a service, with its id and counters, rather
 * than replacing it.
 *
 * Context: under &wfpredir_net.config_lock.
 * Return: true if table, name, id, addresses and owner agree.
 */
bool wfpredir_service_same(const struct wfpredir_service *service,
			   const struct wfpredir_service_spec *spec)
{
	const struct wfpredir_service_addr *a4 = &service->addr4;
	const struct wfpredir_service_addr *a6 = &service->addr6;

	if ((spec->id && spec->id != service->id) ||
	    strcmp(service->table, spec->table) ||
	    strcmp(service->name, spec->name))
		return false;
	if (a4->family != spec->family4 ||
	    (a4->family && (a4->addr.ip != spec->addr4 ||
			    a4->port != spec->port4)))
		return false;
	if (a6->family != spec->family6 ||
	    (a6->family && (!ipv6_addr_equal(&a6->addr.in6, &spec->addr6) ||
			    a6->port != spec->port6)))
		return false;
	if (spec->has_owner_uid != uid_valid(service->owner.uid) ||
	    (spec->has_owner_uid && !uid_eq(spec->owner_uid, service->owner.uid)))
		return false;
	if (!spec->owner_cgroup != !service->owner_cgroup_path ||
	    (spec->owner_cgroup &&
	     strcmp(spec->owner_cgroup, service->owner_cgroup_path)))
		return false;
	return true;
}

/*
 * Unpublish @service and free it after readers are done; its id's heir, if
 * any, takes its slot in one step, so a lookup finds the one or the other.
 */
static void wfpredir_service_remove(struct wfpredir_services *services,
				    struct wfpredir_service *service)
{
	struct wfpredir_service *heir = service->tx_id_heir;

	wfpredir_service_unhash(services, service);
	if (heir) {
		/* Replaces a present entry: allocates nothing, cannot fail. */
		xa_store(&services->by_id, service->id, heir,
			 GFP_KERNEL_ACCOUNT);
		heir->tx_id_claimed = false;
		heir->tx_new = false;
	} else if (!service->tx_id_claimed) {
		/* A discarded claim never had the slot: its holder keeps it. */
		xa_erase(&services->by_id, service->id);
	}
	services->count--;
	services->gen++;
	call_rcu(&service->rcu, wfpredir_service_free_rcu);
}

/**
 * wfpredir_service_delete - delete a service
 * @wn: the namespace's state
 * @service: the service
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: 0, or -EBUSY while a rule redirects to @service.
 */
int wfpredir_service_delete(struct wfpredir_net *wn,
			    struct wfpredir_service *service,
			    struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&wn->config_lock);

	if (service->rules) {
		NL_SET_ERR_MSG(extack, "rules redirect to this service");
		return -EBUSY;
	}
	wfpredir_service_remove(&wn->services, service);
	return 0;
}

/**
 * wfpredir_services_flush - delete every service, or a table's
 * @wn: the namespace's state
 * @table: the table; NULL for all
 * @extack: where to say what is wrong; may be NULL
 *
 * Context: process context, under &wfpredir_net.config_lock.
 * Return: 0, or -EBUSY (and nothing deleted) while any rule redirects to
 * one of them.
 */
int wfpredir_services_flush(struct wfpredir_net *wn, const char *table,
			    struct netlink_ext_ack *extack)
{
	struct wfpredir_service *service;
	unsigned long id;

	lockdep_assert_held(&wn->config_lock);

	/* Every rule pins its service: no rule, no service in use. */
	xa_for_each(&wn->services.by_id, id, service) {
		if (table && strcmp(service->table, table))
			continue;
		if (service->rules) {
			NL_SET_ERR_MSG(extack,
				       "rules redirect to these services: flush the rules first");
			return -EBUSY;
		}
	}
	xa_for_each(&wn->services.by_id, id, service)
		if (!table || !strcmp(service->table, table))
			wfpredir_service_remove(&wn->services, service);
	return 0;
}

/**
 * wfpredir_service_discard - undo wfpredir_service_new()
 * @wn: the namespace's state
 * @service: a service no rule redirects to
 *
 * A transaction that fails deletes the services it created.
 *
 * Context: process context, under &wfpredir_net.config_lock.
 */
void wfpredir_service_discard(struct wfpredir_net *wn,
			      struct wfpredir_service *service)
{
	wfpredir_service_unclaim(wn, service);
	wfpredir_service_remove(&wn->services, service);
}

/* Hand @old's address @a over to its successor, if it claimed it. */
static void wfpredir_saddr_takeover(struct wfpredir_services *services,
				    struct wfpredir_service_addr *a,
				    struct wfpredir_service *successor)
{
	struct wfpredir_service_addr *b;

	if (!a->family)
		return;
	b = a->family == AF_INET ? &successor->addr4 : &successor->addr6;
	if (b->unhashed && b->port == a->port &&
	    !memcmp(&b->addr, &a->addr, sizeof(a->addr))) {
		/* Same key, one step: lookups find the old or the new. */
		b->unhashed = false;
		rhashtable_replace_fast(&services->by_addr, &a->node, &b->node,
					wfpredir_saddr_params);
		a->unhashed = true;
	}
}

/**
 * wfpredir_service_takeover - delete a service a transaction replaced
 * @wn: the namespace's state
 * @old: the service; none of its rules is left
 *
 * Its successor, if any, takes its listen addresses over, and its id's
 * heir, if any, its id.
 *
 * Context: process context, under &wfpredir_net.config_lock, at commit.
 */
void wfpredir_service_takeover(struct wfpredir_net *wn,
			       struct wfpredir_service *old)
{
	struct wfpredir_service *successor = old->tx_successor;

	if (successor) {
		wfpredir_saddr_takeover(&wn->services, &old->addr4, successor);
		wfpredir_saddr_takeover(&wn->services, &old->addr6, successor);
	}
	old->tx_successor = NULL;
	old->tx_doomed = false;
	wfpredir_service_remove(&wn->services, old);
}
