// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl monitor: service and rule changes and flow redirects and
 * refusals as they happen, one line (or JSON object) each, as ip monitor
 * and conntrack -E print theirs. Runs until SIGINT or SIGTERM.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "parse.h"
#include "wfpredirctl.h"

enum {
	SHOW_SERVICE = 1 << 0,
	SHOW_RULE = 1 << 1,
	SHOW_REDIRECT = 1 << 2,
	SHOW_REFUSED = 1 << 3, /* and flows left alone */
	SHOW_TABLE = 1 << 4,   /* transactions (apply) */
	SHOW_ALL = SHOW_SERVICE | SHOW_RULE | SHOW_REDIRECT | SHOW_REFUSED | SHOW_TABLE,
};

/* "buffer-size" is not a kind of event: it takes a value (monitor_run()). */
static const char *const filter_words[] = { "all",	"service", "rule",  "flow",
					    "redirect", "refused", "table", "buffer-size" };
static const unsigned int filter_bits[] = { SHOW_ALL,	   SHOW_SERVICE,
					    SHOW_RULE,	   SHOW_REDIRECT | SHOW_REFUSED,
					    SHOW_REDIRECT, SHOW_REFUSED,
					    SHOW_TABLE,	   0 };
#define FILTER_BUFFER_SIZE 7

/* Service names and tables by id, so that rules and flows can name theirs. */
struct name_cache {
	struct table_service *v; /* only id, name and table are kept up to date */
	size_t n, cap;
};

struct monitor {
	const struct ctl_opts *opts;
	unsigned int show;
	struct name_cache names;
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static const struct table_service *cache_find(const struct name_cache *c, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].svc.id == id)
			return &c->v[i];
	return NULL;
}

static const char *cache_name(const struct name_cache *c, uint32_t id)
{
	const struct table_service *t = cache_find(c, id);

	return t ? t->svc.name : NULL;
}

/* A rule's service by name in add syntax: only in the rule's own table. */
static const char *cache_name_in(const struct name_cache *c, uint32_t id, const char *table)
{
	const struct table_service *t = cache_find(c, id);

	return t && !strcmp(t->table, table) ? t->svc.name : NULL;
}

static void cache_del(struct name_cache *c, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].svc.id == id) {
			c->v[i] = c->v[--c->n];
			return;
		}
	}
}

static void cache_add(struct name_cache *c, const struct wfpredir_service *s, const char *table)
{
	struct table_service *v;

	cache_del(c, s->id);
	if (c->n == c->cap) {
		v = realloc(c->v, (c->cap ? c->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return; /* the service is then told by id */
		c->v = v;
		c->cap = c->cap ? c->cap * 2 : 16;
	}
	c->v[c->n].svc = *s;
	snprintf(c->v[c->n].table, sizeof(c->v[c->n].table), "%s", table);
	c->n++;
}

static int cache_walk(const struct wfpredir_service *s, const char *table, void *arg)
{
	cache_add(arg, s, table);
	return 0;
}

/*
 * The names as the kernel has them now: at the start, and when events
 * cannot keep them (a transaction replaced tables, events were lost). Best
 * effort: without them, services are told by id.
 */
static void cache_load(struct name_cache *c)
{
	struct wfpredir_ctl *ctl = wfpredir_ctl_open(NULL);

	if (!ctl)
		return;
	c->n = 0;
	(void)wfpredir_ctl_walk_services2(ctl, NULL, cache_walk, c);
	wfpredir_ctl_close(ctl);
}

static const char *reason_name(uint8_t reason)
{
	switch (reason) {
	case WFPREDIR_FLOW_REASON_TABLE_FULL:
		return "table-full";
	case WFPREDIR_FLOW_REASON_FLOW_SHARE:
		return "flow-share";
	case WFPREDIR_FLOW_REASON_NOMEM:
		return "nomem";
	case WFPREDIR_FLOW_REASON_CHAIN_CAPPED:
		return "chain-capped";
	default:
		return "unknown";
	}
}

static const char *sin_str(const void *sa, size_t len, char *buf, size_t size)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len);
	return format_addr_port(&ss, buf, size);
}

/* ------------------------------------------------------------- text */

/* Objects in the syntax `add` takes, as listings print them. */
static void print_service(const char *tag, const struct wfpredir_service *s, const char *table)
{
	printf("[%s] service ", tag);
	print_service_args(stdout, s, table);
	putchar('\n');
}

static void print_service_ref(const struct monitor *m, uint32_t id)
{
	const char *name = cache_name(&m->names, id);

	if (name) {
		printf(" service ");
		print_word(stdout, name);
	} else
		printf(" service %u", id);
}

static void print_rule(const struct monitor *m, const char *tag, const struct wfpredir_rule *r,
		       const char *table)
{
	printf("[%s] rule ", tag);
	print_rule_args(stdout, r, table, cache_name_in(&m->names, r->service_id, table));
	putchar('\n');
}

static void print_apply(const struct wfpredir_monitor_event *ev)
{
	const struct wfpredir_event_apply *a = &ev->apply;

	printf("[APPLY] table %s services deleted %u added %u kept %u rules deleted %u added %u\n",
	       ev->table, a->services_deleted, a->services_added, a->services_kept,
	       a->rules_deleted, a->rules_added);
}

static void print_flow(const struct monitor *m, const char *tag,
		       const struct wfpredir_event_flow *e)
{
	const struct wfpredir_flow *f = &e->flow;
	char a[ADDR_STR_MAX], b[ADDR_STR_MAX], p[16];

	printf("[%s] %s %s -> %s", tag, format_proto(f->protocol, p, sizeof(p)),
	       format_addr_port(&f->orig_src, a, sizeof(a)),
	       format_addr_port(&f->orig_dst, b, sizeof(b)));
	if (f->redirected)
		printf(" redirected to %s", format_addr_port(&f->redir_dst, a, sizeof(a)));
	if (f->service_id) {
		print_service_ref(m, f->service_id);
		printf(" (rule %u)", f->rule_id);
	}
	printf(" uid %u", e->uid);
	if (e->reason)
		printf(" reason %s", reason_name(e->reason));
	putchar('\n');
}

/* ------------------------------------------------------------- JSON */

static void json_service(struct json *j, const struct wfpredir_service *s, const char *table)
{
	char a[ADDR_STR_MAX];

	json_uint(j, "id", s->id);
	json_string(j, "name", s->name);
	json_string(j, "table", table);
	if (s->has4)
		json_string(j, "ipv4", sin_str(&s->addr4, sizeof(s->addr4), a, sizeof(a)));
	if (s->has6)
		json_string(j, "ipv6", sin_str(&s->addr6, sizeof(s->addr6), a, sizeof(a)));
	if (s->has_owner_uid || s->has_owner_cgroup) {
		json_open_object(j, "owner");
		if (s->has_owner_uid)
			json_uint(j, "uid", s->owner_uid);
		if (s->has_owner_cgroup)
			json_string(j, "cgroup", s->owner_cgroup);
		json_close_object(j);
	}
}

static void json_rule(const struct monitor *m, struct json *j, const struct wfpredir_rule *r,
		      const char *table)
{
	const char *name = cache_name(&m->names, r->service_id);

	json_uint(j, "id", r->id);
	json_string(j, "table", table);
	json_uint(j, "service", r->service_id);
	if (name)
		json_string(j, "service_name", name);
	json_uint(j, "priority", r->priority);
	rule_matches_json(j, r);
	if (r->context_len)
		json_uint(j, "context_len", r->context_len);
}

static void json_flow(const struct monitor *m, struct json *j, const struct wfpredir_event_flow *e)
{
	const struct wfpredir_flow *f = &e->flow;
	char a[ADDR_STR_MAX], p[16];

	json_string(j, "family", format_family(f->family, p, sizeof(p)));
	json_string(j, "protocol", format_proto(f->protocol, p, sizeof(p)));
	json_string(j, "src", format_addr_port(&f->orig_src, a, sizeof(a)));
	json_string(j, "dst", format_addr_port(&f->orig_dst, a, sizeof(a)));
	if (f->redirected)
		json_string(j, "redirect_to", format_addr_port(&f->redir_dst, a, sizeof(a)));
	if (f->service_id) {
		const char *name = cache_name(&m->names, f->service_id);

		json_uint(j, "service", f->service_id);
		if (name)
			json_string(j, "service_name", name);
		json_uint(j, "rule", f->rule_id);
	}
	json_uint(j, "uid", e->uid);
	if (e->reason)
		json_string(j, "reason", reason_name(e->reason));
}

static void json_apply(struct json *j, const struct wfpredir_monitor_event *ev)
{
	json_string(j, "table", ev->table);
	json_uint(j, "services_deleted", ev->apply.services_deleted);
	json_uint(j, "services_added", ev->apply.services_added);
	json_uint(j, "services_kept", ev->apply.services_kept);
	json_uint(j, "rules_deleted", ev->apply.rules_deleted);
	json_uint(j, "rules_added", ev->apply.rules_added);
}

/* ----------------------------------------------------------- events */

/* The event's words: its tag and object, and what -j calls it. */
static void event_words(enum wfpredir_monitor_event_type t, const char **tag, const char **object,
			unsigned int *bit)
{
	static const struct {
		const char *tag, *object;
		unsigned int bit;
	} w[] = {
		[WFPREDIR_EVENT_NEW_SERVICE] = { "NEW", "service", SHOW_SERVICE },
		[WFPREDIR_EVENT_DEL_SERVICE] = { "DEL", "service", SHOW_SERVICE },
		[WFPREDIR_EVENT_FLUSH_SERVICES] = { "FLUSH", "service", SHOW_SERVICE },
		[WFPREDIR_EVENT_NEW_RULE] = { "NEW", "rule", SHOW_RULE },
		[WFPREDIR_EVENT_DEL_RULE] = { "DEL", "rule", SHOW_RULE },
		[WFPREDIR_EVENT_FLUSH_RULES] = { "FLUSH", "rule", SHOW_RULE },
		[WFPREDIR_EVENT_REDIRECT] = { "REDIRECT", "flow", SHOW_REDIRECT },
		[WFPREDIR_EVENT_REFUSED] = { "REFUSED", "flow", SHOW_REFUSED },
		[WFPREDIR_EVENT_SKIPPED] = { "SKIPPED", "flow", SHOW_REFUSED },
		[WFPREDIR_EVENT_LOST] = { "LOST", "events", SHOW_ALL },
		/* What a transaction did to services and rules. */
		[WFPREDIR_EVENT_APPLY] = { "APPLY", "table",
					   SHOW_TABLE | SHOW_SERVICE | SHOW_RULE },
	};

	*tag = w[t].tag;
	*object = w[t].object;
	*bit = w[t].bit;
}

static void event_json(struct monitor *m, const struct wfpredir_monitor_event *ev, const char *tag,
		       const char *object)
{
	char event[16];
	struct json j;
	size_t i;

	for (i = 0; tag[i] && i + 1 < sizeof(event); i++)
		event[i] = (char)(tag[i] - 'A' + 'a');
	event[i] = '\0';
	json_init(&j, stdout);
	json_open_object(&j, NULL);
	json_string(&j, "event", event);
	json_string(&j, "object", object);
	switch (ev->type) {
	case WFPREDIR_EVENT_NEW_SERVICE:
	case WFPREDIR_EVENT_DEL_SERVICE:
		json_service(&j, &ev->service, ev->table);
		break;
	case WFPREDIR_EVENT_NEW_RULE:
	case WFPREDIR_EVENT_DEL_RULE:
		json_rule(m, &j, &ev->rule, ev->table);
		break;
	case WFPREDIR_EVENT_FLUSH_SERVICES:
	case WFPREDIR_EVENT_FLUSH_RULES:
		/* Absent: every table was flushed. */
		if (ev->table[0])
			json_string(&j, "table", ev->table);
		break;
	case WFPREDIR_EVENT_APPLY:
		json_apply(&j, ev);
		break;
	case WFPREDIR_EVENT_REDIRECT:
	case WFPREDIR_EVENT_REFUSED:
	case WFPREDIR_EVENT_SKIPPED:
		json_flow(m, &j, &ev->flow);
		break;
	default:
		break;
	}
	json_close_object(&j);
	json_finish(&j);
}

static void event_text(struct monitor *m, const struct wfpredir_monitor_event *ev, const char *tag)
{
	switch (ev->type) {
	case WFPREDIR_EVENT_NEW_SERVICE:
	case WFPREDIR_EVENT_DEL_SERVICE:
		print_service(tag, &ev->service, ev->table);
		break;
	case WFPREDIR_EVENT_FLUSH_SERVICES:
	case WFPREDIR_EVENT_FLUSH_RULES:
		/* As the command that did it: "service flush [table NAME]". */
		printf("[FLUSH] %s", ev->type == WFPREDIR_EVENT_FLUSH_RULES ? "rules" : "services");
		if (ev->table[0])
			printf(" table %s", ev->table);
		putchar('\n');
		break;
	case WFPREDIR_EVENT_NEW_RULE:
	case WFPREDIR_EVENT_DEL_RULE:
		print_rule(m, tag, &ev->rule, ev->table);
		break;
	case WFPREDIR_EVENT_LOST:
		printf("[LOST] events lost: the kernel dropped some (receive buffer full); "
		       "'wfpredirctl info' counts them, list the objects for the current state\n");
		break;
	case WFPREDIR_EVENT_APPLY:
		print_apply(ev);
		break;
	default:
		print_flow(m, tag, &ev->flow);
		break;
	}
	fflush(stdout);
}

static int on_event(const struct wfpredir_monitor_event *ev, void *arg)
{
	struct monitor *m = arg;
	const char *tag, *object;
	unsigned int bit;

	if (ev->type < WFPREDIR_EVENT_NEW_SERVICE || ev->type > WFPREDIR_EVENT_APPLY)
		return 0;
	event_words(ev->type, &tag, &object, &bit);
	if (m->show & bit) {
		if (m->opts->json)
			event_json(m, ev, tag, object);
		else
			event_text(m, ev, tag);
	}
	/* After printing, so that a deleted service is still named. */
	if (ev->type == WFPREDIR_EVENT_NEW_SERVICE)
		cache_add(&m->names, &ev->service, ev->table);
	else if (ev->type == WFPREDIR_EVENT_DEL_SERVICE)
		cache_del(&m->names, ev->service.id);
	else if (ev->type == WFPREDIR_EVENT_FLUSH_SERVICES && !ev->table[0])
		m->names.n = 0;
	else if (ev->type == WFPREDIR_EVENT_FLUSH_SERVICES || ev->type == WFPREDIR_EVENT_APPLY ||
		 ev->type == WFPREDIR_EVENT_LOST)
		cache_load(&m->names);
	return 0;
}

static int open_error(int err)
{
	if (err == -EOPNOTSUPP)
		return ctl_error(err, "cannot listen to events");
	if (err == -EPROTONOSUPPORT) {
		fprintf(stderr, "wfpredirctl: monitor: the loaded wfpredir.ko offers no events "
				"(its kernel cannot restrict who listens)\n");
		return EXIT_FAILED;
	}
	fprintf(stderr, "wfpredirctl: monitor: cannot listen to events: %s%s\n", strerror(-err),
		err == -EPERM ? " (CAP_NET_ADMIN is needed)" : "");
	return EXIT_FAILED;
}

int monitor_run(const struct ctl_opts *opts, int argc, char **argv)
{
	struct monitor m = { .opts = opts };
	struct wfpredir_monitor *mon;
	sigset_t block, unblocked;
	uint32_t rcvbuf = 0;
	char err_msg[PARSE_ERR_MAX];
	struct sigaction sa;
	struct pollfd pfd;
	int i, rc, err, status = EXIT_OK;

	for (i = 0; i < argc; i++) {
		rc = match_word("monitor: event kind", argv[i], filter_words,
				sizeof(filter_words) / sizeof(filter_words[0]));
		if (rc < 0)
			return EXIT_USAGE;
		if (rc == FILTER_BUFFER_SIZE) {
			/* As conntrack -E --buffer-size; small ones lose events sooner. */
			if (i + 1 == argc) {
				fprintf(stderr,
					"wfpredirctl: monitor: buffer-size needs a value\n");
				return EXIT_USAGE;
			}
			if (parse_u32("monitor buffer-size", argv[++i], 1, INT32_MAX / 2, &rcvbuf,
				      err_msg, sizeof(err_msg)) < 0) {
				fprintf(stderr, "wfpredirctl: %s\n", err_msg);
				return EXIT_USAGE;
			}
			continue;
		}
		m.show |= filter_bits[rc];
	}
	if (!m.show)
		m.show = SHOW_ALL;

	/* Joined first, so that no change falls between the names and the events. */
	mon = wfpredir_monitor_open(&err);
	if (!mon)
		return open_error(err);
	if (rcvbuf &&
	    setsockopt(wfpredir_monitor_fd(mon), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf))) {
		fprintf(stderr, "wfpredirctl: monitor: cannot set the buffer size: %s\n",
			strerror(errno));
		wfpredir_monitor_close(mon);
		return EXIT_FAILED;
	}
	cache_load(&m.names);

	/*
	 * The signals are blocked but while waiting in ppoll(), so that one
	 * coming between the check of the flag and the wait still ends it.
	 */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	pfd.fd = wfpredir_monitor_fd(mon);
	pfd.events = POLLIN;
	fcntl(pfd.fd, F_SETFL, fcntl(pfd.fd, F_GETFL) | O_NONBLOCK);

	while (!stop) {
		if (ppoll(&pfd, 1, NULL, &unblocked) < 0)
			rc = -errno;
		else
			rc = wfpredir_monitor_read(mon, on_event, &m);
		if (rc == -EINTR || rc == -EAGAIN)
			continue;
		if (rc) {
			fprintf(stderr, "wfpredirctl: monitor: cannot read events: %s\n",
				strerror(-rc));
			status = EXIT_FAILED;
			break;
		}
	}
	wfpredir_monitor_close(mon);
	free(m.names.v);
	fflush(stdout);
	return status;
}
