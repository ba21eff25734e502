// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl -f FILE: a configuration file applied as one transaction, and
 * wfpredirctl save: the current state as such a file.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conffile.h"
#include "wfpredirctl.h"

/*
 * The transaction: every table the file names, then the services (rules
 * name them, by name or id, in the kernel's order), then the rules, then
 * the configuration. where[i] is the line of object i.
 */
static int build_tx(const struct conf *c, struct wfpredir_tx *tx, struct conf_where *where,
		    size_t *bad)
{
	static const enum conf_kind order[] = { CONF_SERVICE, CONF_RULE, CONF_CONFIG };
	size_t k = 0;
	int rc;

	for (size_t i = 0; i < c->n_tables; i++) {
		*bad = i;
		rc = wfpredir_tx_table(tx, c->tables[i].name);
		if (rc)
			return rc;
		where[k++] = c->tables[i].at;
	}
	for (size_t p = 0; p < sizeof(order) / sizeof(order[0]); p++) {
		for (size_t i = 0; i < c->n; i++) {
			const struct conf_obj *o = &c->objs[i];

			if (o->kind != order[p])
				continue;
			if (o->kind == CONF_SERVICE)
				rc = wfpredir_tx_service(tx, o->table, &o->u.svc);
			else if (o->kind == CONF_RULE)
				rc = wfpredir_tx_rule(tx, o->table,
						      o->u.r.ref.id ? NULL : o->u.r.ref.name,
						      &o->u.r.rule);
			else
				rc = wfpredir_tx_config(tx, &o->u.cfg);
			if (rc) {
				*bad = c->n_tables + i;
				return rc;
			}
			where[k++] = o->at;
		}
	}
	return 0;
}

int file_run(const struct ctl_opts *opts, const char *path, bool check)
{
	struct conf_where *where = NULL;
	struct wfpredir_tx *tx = NULL;
	struct wfpredir_ctl *ctl;
	char err[PARSE_ERR_MAX + 256];
	size_t bad = SIZE_MAX;
	struct conf c;
	int rc, status;

	(void)opts;
	conf_init(&c);
	if (conf_load(&c, path, err, sizeof(err))) {
		fprintf(stderr, "wfpredirctl: %s\n", err);
		status = EXIT_USAGE;
		goto out;
	}
	tx = wfpredir_tx_new();
	where = calloc(c.n + c.n_tables + 1, sizeof(*where));
	if (!tx || !where) {
		fprintf(stderr, "wfpredirctl: %s\n", strerror(ENOMEM));
		status = EXIT_FAILED;
		goto out;
	}
	rc = build_tx(&c, tx, where, &bad);
	if (rc) {
		fprintf(stderr, "wfpredirctl: %s: cannot encode object %zu: %s\n", path, bad,
			strerror(-rc));
		status = EXIT_FAILED;
		goto out;
	}
	wfpredir_tx_set_check(tx, check);
	ctl = wfpredir_ctl_open(&rc);
	if (!ctl && check && rc == -EOPNOTSUPP) {
		/* Syntax checked; the kernel's checks need the module. */
		fprintf(stderr,
			"wfpredirctl: %s: syntax OK; wfpredir.ko is not loaded, so the "
			"kernel's checks were not run\n",
			path);
		status = EXIT_OK;
		goto out;
	}
	if (!ctl) {
		status = ctl_error(rc, "cannot reach the wfpredir module");
		goto out;
	}
	rc = wfpredir_ctl_apply(ctl, tx, &bad);
	if (rc && bad < wfpredir_tx_count(tx))
		status = ctl_failed(ctl, rc, "%s:%u: %s", where[bad].file, where[bad].line,
				    check ? "check failed" : "nothing applied");
	else if (rc)
		status = ctl_failed(ctl, rc, "%s: %s", path,
				    check ? "check failed" : "nothing applied");
	else
		status = EXIT_OK;
	wfpredir_ctl_close(ctl);
out:
	wfpredir_tx_free(tx);
	free(where);
	conf_free(&c);
	return status;
}

/* ---------------------------------------------------------------- save */

static int cmp_table(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The distinct tables of the services and rules, sorted. */
static const char **save_tables(const struct service_set *svcs, const struct rule_set *rules,
				size_t *n)
{
	const char **t = malloc((svcs->n + rules->n + 1) * sizeof(*t));
	size_t k = 0, m = 0;

	if (!t)
		return NULL;
	for (size_t i = 0; i < svcs->n; i++)
		t[k++] = svcs->items[i].table;
	for (size_t i = 0; i < rules->n; i++)
		t[k++] = rules->items[i].table;
	if (k)
		qsort(t, k, sizeof(*t), cmp_table);
	for (size_t i = 0; i < k; i++)
		if (!m || strcmp(t[m - 1], t[i]))
			t[m++] = t[i];
	*n = m;
	return t;
}

/*
 * Services of every table first, then rules: a rule may name a service of
 * another table by id, which must exist when the rule comes.
 */
static void save_print(const struct wfpredir_info *info, const struct service_set *svcs,
		       const struct rule_set *rules, const char **tables, size_t n_tables)
{
	printf("# wfpredirctl save: wfpredirctl -f FILE restores this state\n");
	printf("config set chain-max %u inherit %s", info->chain_max, info->inherit ? "on" : "off");
	if (info->flow_share)
		printf(" flow-share %u", info->flow_share);
	printf("\n");
	for (size_t t = 0; t < n_tables; t++) {
		printf("\ntable %s\n", tables[t]);
		for (size_t i = 0; i < svcs->n; i++) {
			if (strcmp(svcs->items[i].table, tables[t]))
				continue;
			printf("service add ");
			print_service_args(stdout, &svcs->items[i].svc, NULL);
			printf("\n");
		}
	}
	for (size_t t = 0; t < n_tables; t++) {
		bool head = false;

		for (size_t i = 0; i < rules->n; i++) {
			const struct table_rule *r = &rules->items[i];
			const struct table_service *s;

			if (strcmp(r->table, tables[t]))
				continue;
			if (!head) {
				printf("\ntable %s\n", tables[t]);
				head = true;
			}
			s = service_set_find(svcs, r->rule.service_id);
			printf("rule add ");
			print_rule_args(stdout, &r->rule, NULL,
					s && !strcmp(s->table, r->table) ? s->svc.name : NULL);
			printf("\n");
		}
	}
}

int save_run(const struct ctl_opts *opts, int argc, char **argv)
{
	struct service_set svcs = { 0 };
	struct rule_set rules = { 0 };
	struct wfpredir_info info;
	struct wfpredir_ctl *ctl;
	const char **tables;
	size_t n_tables = 0;
	int rc, status;

	(void)opts;
	if (argc > 0)
		return usage_error("save: unexpected argument \"%s\"", argv[0]);
	ctl = ctl_connect(&status);
	if (!ctl)
		return status;
	rc = wfpredir_ctl_get_info(ctl, &info);
	if (!rc)
		rc = service_set_load(ctl, NULL, &svcs);
	if (!rc)
		rc = rule_set_load(ctl, NULL, &rules);
	if (rc) {
		status = ctl_failed(ctl, rc, "cannot read the state");
		goto out;
	}
	tables = save_tables(&svcs, &rules, &n_tables);
	if (!tables) {
		fprintf(stderr, "wfpredirctl: %s\n", strerror(ENOMEM));
		status = EXIT_FAILED;
		goto out;
	}
	save_print(&info, &svcs, &rules, tables, n_tables);
	free(tables);
	status = fflush(stdout) ? EXIT_FAILED : EXIT_OK;
out:
	wfpredir_ctl_close(ctl);
	free(svcs.items);
	free(rules.items);
	return status;
}
