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

#include "parse.h"
#include "wfpredirctl.h"

enum {
	SHOW_SERVICE = 1 << 0,
	SHOW_RULE = 1 << 1,
	SHOW_REDIRECT = 1 << 2,
	SHOW_REFUSED = 1 << 3, /* and flows left alone */
	SHOW_ALL = SHOW_SERVICE | SHOW_RULE | SHOW_REDIRECT | SHOW_REFUSED,
};

static const char *const filter_words[] = {
	"all", "service", "rule", "flow", "redirect", "refused"
};
static const unsigned int filter_bits[] = { SHOW_ALL,	   SHOW_SERVICE,
					    SHOW_RULE,	   SHOW_REDIRECT | SHOW_REFUSED,
					    SHOW_REDIRECT, SHOW_REFUSED };

/* Service names by id, so that rules and flows can name theirs. */
struct name_cache {
	struct wfpredir_service *v; /* only id and name are kept up to date */
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

static const char *cache_name(const struct name_cache *c, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->v[i].id == id)
			return c->v[i].name;
	return NULL;
}

static void cache_del(struct name_cache *c, uint32_t id)
{
	for (size_t i = 0; i < c->n; i++) {
		if (c->v[i].id == id) {
			c->v[i] = c->v[--c->n];
			return;
		}
	}
}

static void cache_add(struct name_cache *c, const struct wfpredir_service *s)
{
	struct wfpredir_service *v;

	cache_del(c, s->id);
	if (c->n == c->cap) {
		v = realloc(c->v, (c->cap ? c->cap * 2 : 16) * sizeof(*v));
		if (!v)
			return; /* the service is then told by id */
		c->v = v;
		c->cap = c->cap ? c->cap * 2 : 16;
	}
	c->v[c->n++] = *s;
}

static int cache_walk(const struct wfpredir_service *s, void *arg)
{
	cache_add(arg, s);
	return 0;
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

static void print_service(const char *tag, const struct wfpredir_service *s)
{
	char a[ADDR_STR_MAX];

	/* Names quoted as listings quote them: one event is one line. */
	printf("[%s] service ", tag);
	print_word(stdout, s->name);
	printf(" id %u", s->id);
	if (s->has4)
		printf(" ipv4 %s", sin_str(&s->addr4, sizeof(s->addr4), a, sizeof(a)));
	if (s->has6)
		printf(" ipv6 %s", sin_str(&s->addr6, sizeof(s->addr6), a, sizeof(a)));
	if (s->has_owner_uid || s->has_owner_cgroup)
		printf(" owner");
	if (s->has_owner_uid)
		printf(" uid %u", s->owner_uid);
	if (s->has_owner_cgroup) {
		printf(" cgroup ");
		print_word(stdout, s->owner_cgroup);
	}
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

static void print_rule(const struct monitor *m, const char *tag, const struct wfpredir_rule *r)
{
	char p[16];

	printf("[%s] rule %u", tag, r->id);
	print_service_ref(m, r->service_id);
	printf(" priority %u", r->priority);
	if (r->family)
		printf(" family %s", format_family(r->family, p, sizeof(p)));
	if (r->protocol)
		printf(" proto %s", format_proto(r->protocol, p, sizeof(p)));
	if (r->has_daddr) {
		char a[ADDR_STR_MAX];

		printf(" to %s", format_prefix(r->family, r->daddr, r->prefix, a, sizeof(a)));
	}
	if (r->has_dport)
		printf(r->dport_min == r->dport_max ? " dport %u" : " dport %u-%u", r->dport_min,
		       r->dport_max);
	if (r->has_uid)
		printf(r->uid_min == r->uid_max ? " uid %u" : " uid %u-%u", r->uid_min, r->uid_max);
	if (r->has_cgroup) {
		printf(" cgroup ");
		print_word(stdout, r->cgroup);
	}
	if (r->context_len)
		printf(" context %u bytes", r->context_len);
	putchar('\n');
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

static void json_service(struct json *j, const struct wfpredir_service *s)
{
	char a[ADDR_STR_MAX];

	json_uint(j, "id", s->id);
	json_string(j, "name", s->name);
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

static void json_rule(const struct monitor *m, struct json *j, const struct wfpredir_rule *r)
{
	const char *name = cache_name(&m->names, r->service_id);

	json_uint(j, "id", r->id);
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
		json_service(&j, &ev->service);
		break;
	case WFPREDIR_EVENT_NEW_RULE:
	case WFPREDIR_EVENT_DEL_RULE:
		json_rule(m, &j, &ev->rule);
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
		print_service(tag, &ev->service);
		break;
	case WFPREDIR_EVENT_FLUSH_SERVICES:
		printf("[FLUSH] services\n");
		break;
	case WFPREDIR_EVENT_NEW_RULE:
	case WFPREDIR_EVENT_DEL_RULE:
		print_rule(m, tag, &ev->rule);
		break;
	case WFPREDIR_EVENT_FLUSH_RULES:
		printf("[FLUSH] rules\n");
		break;
	case WFPREDIR_EVENT_LOST:
		printf("[LOST] events lost: the kernel dropped some (receive buffer full)\n");
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

	if (ev->type < WFPREDIR_EVENT_NEW_SERVICE || ev->type > WFPREDIR_EVENT_LOST)
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
		cache_add(&m->names, &ev->service);
	else if (ev->type == WFPREDIR_EVENT_DEL_SERVICE)
		cache_del(&m->names, ev->service.id);
	else if (ev->type == WFPREDIR_EVENT_FLUSH_SERVICES)
		m->names.n = 0;
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
	struct wfpredir_ctl *ctl;
	sigset_t block, unblocked;
	struct sigaction sa;
	struct pollfd pfd;
	int i, rc, err, status = EXIT_OK;

	for (i = 0; i < argc; i++) {
		rc = match_word("monitor: event kind", argv[i], filter_words,
				sizeof(filter_words) / sizeof(filter_words[0]));
		if (rc < 0)
			return EXIT_USAGE;
		m.show |= filter_bits[rc];
	}
	if (!m.show)
		m.show = SHOW_ALL;

	/* Joined first, so that no change falls between the names and the events. */
	mon = wfpredir_monitor_open(&err);
	if (!mon)
		return open_error(err);
	ctl = wfpredir_ctl_open(NULL);
	if (ctl) {
		/* Best effort: without the names, services are told by id. */
		(void)wfpredir_ctl_walk_services(ctl, cache_walk, &m.names);
		wfpredir_ctl_close(ctl);
	}

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
