// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl's command-line parsers and address formatters (see parse.h).
 */
#include "parse.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int perr(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int perr(char *err, size_t errlen, const char *fmt, ...)
{
	if (errlen) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

/* Decimal digits only (no sign, space or base prefix), at most max. */
static int decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (max - (uint64_t)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return 0;
}

int parse_u32(const char *what, const char *s, uint32_t min, uint32_t max, uint32_t *out, char *err,
	      size_t errlen)
{
	uint64_t v;

	if (decimal(s, max, &v) || v < min)
		return perr(err, errlen, "invalid %s \"%s\" (expected %u-%u)", what, s, min, max);
	*out = (uint32_t)v;
	return 0;
}

/* "N" or "N-M" within [lo, hi], N <= M. */
static int decimal_range(const char *s, uint64_t lo, uint64_t hi, uint64_t *min, uint64_t *max)
{
	const char *dash = strchr(s, '-');
	char first[24];

	if (!dash) {
		if (decimal(s, hi, min) || *min < lo)
			return -1;
		*max = *min;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(first))
		return -1;
	memcpy(first, s, (size_t)(dash - s));
	first[dash - s] = '\0';
	if (decimal(first, hi, min) || decimal(dash + 1, hi, max) || *min < lo || *min > *max)
		return -1;
	return 0;
}

int parse_port_range(const char *what, const char *s, uint16_t *min, uint16_t *max, char *err,
		     size_t errlen)
{
	uint64_t a, b;

	if (decimal_range(s, 1, 65535, &a, &b))
		return perr(err, errlen,
			    "invalid port range \"%s\" for %s (expected N or N-M, 1 <= N <= M <= "
			    "65535)",
			    s, what);
	*min = (uint16_t)a;
	*max = (uint16_t)b;
	return 0;
}

int parse_uid_range(const char *what, const char *s, uint32_t *min, uint32_t *max, char *err,
		    size_t errlen)
{
	uint64_t a, b;

	if (decimal_range(s, 0, PARSE_UID_MAX, &a, &b))
		return perr(
			err, errlen,
			"invalid uid range \"%s\" for %s (expected N or N-M, 0 <= N <= M <= %u)", s,
			what, PARSE_UID_MAX);
	*min = (uint32_t)a;
	*max = (uint32_t)b;
	return 0;
}

int parse_addr_port(int family, const char *what, const char *s, struct sockaddr_storage *out,
		    char *err, size_t errlen)
{
	char addr[INET6_ADDRSTRLEN + 1];
	const char *a = s, *port;
	size_t alen;
	uint64_t p;

	if (family == AF_INET6) {
		const char *close = strstr(s, "]:");

		if (s[0] != '[' || !close)
			return perr(err, errlen,
				    "invalid address \"%s\" for %s (expected [ADDR]:PORT)", s,
				    what);
		a = s + 1;
		alen = (size_t)(close - a);
		port = close + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon)
			return perr(err, errlen,
				    "invalid address \"%s\" for %s (expected ADDR:PORT)", s, what);
		alen = (size_t)(colon - s);
		port = colon + 1;
	}
	if (decimal(port, 65535, &p) || p < 1)
		return perr(err, errlen, "invalid port \"%s\" for %s (expected 1-65535)", port,
			    what);
	if (alen >= sizeof(addr))
		alen = sizeof(addr) - 1; /* inet_pton() rejects it below */
	memcpy(addr, a, alen);
	addr[alen] = '\0';

	memset(out, 0, sizeof(*out));
	if (family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return perr(err, errlen, "invalid IPv6 address \"%s\" for %s", addr, what);
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)out;

		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return perr(err, errlen, "invalid IPv4 address \"%s\" for %s", addr, what);
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)p);
	}
	return 0;
}

int parse_prefix(const char *what, const char *s, uint8_t *family, uint8_t addr[16],
		 uint8_t *prefix, char *err, size_t errlen)
{
	char a[INET6_ADDRSTRLEN + 1];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	int fam = memchr(s, ':', alen) ? AF_INET6 : AF_INET;
	unsigned int bits = fam == AF_INET ? 32 : 128, i;
	uint8_t masked[16];
	uint64_t len = bits;

	if (alen >= sizeof(a))
		return perr(err, errlen, "invalid address \"%s\" for %s", s, what);
	memcpy(a, s, alen);
	a[alen] = '\0';
	memset(addr, 0, 16);
	if (inet_pton(fam, a, addr) != 1)
		return perr(err, errlen, "invalid %s address \"%s\" for %s",
			    fam == AF_INET ? "IPv4" : "IPv6", a, what);
	if (slash && decimal(slash + 1, bits, &len))
		return perr(err, errlen, "invalid prefix length \"%s\" for %s (expected 0-%u)",
			    slash + 1, what, bits);
	memcpy(masked, addr, 16);
	for (i = 0; i < 16; i++) {
		unsigned int keep = len >= 8 * (i + 1) ? 8
				    : len > 8 * i      ? (unsigned int)len - 8 * i
						       : 0;

		masked[i] &= (uint8_t)(0xff00u >> keep);
	}
	if (memcmp(masked, addr, 16)) {
		char net[ADDR_STR_MAX];

		return perr(err, errlen,
			    "invalid prefix \"%s\" for %s (host bits set; the network is %s)", s,
			    what, format_prefix(fam, masked, (unsigned int)len, net, sizeof(net)));
	}
	*family = (uint8_t)fam;
	*prefix = (uint8_t)len;
	return 0;
}

int parse_family(const char *what, const char *s, uint8_t *family, char *err, size_t errlen)
{
	if (!strcmp(s, "ipv4"))
		*family = AF_INET;
	else if (!strcmp(s, "ipv6"))
		*family = AF_INET6;
	else
		return perr(err, errlen, "invalid family \"%s\" for %s (expected ipv4 or ipv6)", s,
			    what);
	return 0;
}

int parse_proto(const char *what, const char *s, uint8_t *proto, char *err, size_t errlen)
{
	if (!strcmp(s, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(s, "udp"))
		*proto = IPPROTO_UDP;
	else
		return perr(err, errlen, "invalid protocol \"%s\" for %s (expected tcp or udp)", s,
			    what);
	return 0;
}

int parse_on_off(const char *what, const char *s, bool *on, char *err, size_t errlen)
{
	if (!strcmp(s, "on"))
		*on = true;
	else if (!strcmp(s, "off"))
		*on = false;
	else
		return perr(err, errlen, "invalid value \"%s\" for %s (expected on or off)", s,
			    what);
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int parse_hex(const char *what, const char *s, uint8_t *buf, size_t max, size_t *len, char *err,
	      size_t errlen)
{
	const char *h = s;
	size_t n, i;

	if (h[0] == '0' && (h[1] == 'x' || h[1] == 'X'))
		h += 2;
	n = strlen(h);
	if (!n || n % 2)
		return perr(err, errlen,
			    "invalid hex \"%s\" for %s (expected an even number of hex digits)", s,
			    what);
	if (n / 2 > max)
		return perr(err, errlen, "invalid hex \"%s\" for %s (more than %zu bytes)", s, what,
			    max);
	for (i = 0; i < n / 2; i++) {
		int hi = hexval((unsigned char)h[2 * i]), lo = hexval((unsigned char)h[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return perr(err, errlen,
				    "invalid hex \"%s\" for %s (not a hex digit at %zu)", s, what,
				    (size_t)(h - s) + 2 * i + (hi < 0 ? 0 : 1));
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

int parse_bytes_arg(const char *what, const char *s, uint8_t *buf, size_t max, size_t *len,
		    char *err, size_t errlen)
{
	size_t n = 0;
	uint8_t extra;
	ssize_t r = 0;
	int fd;

	if (s[0] != '@')
		return parse_hex(what, s, buf, max, len, err, errlen);
	fd = open(s + 1, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return perr(err, errlen, "cannot read \"%s\" for %s: %s", s + 1, what,
			    strerror(errno));
	while (n < max) {
		r = read(fd, buf + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	if (n == max) {
		do
			r = read(fd, &extra, 1);
		while (r < 0 && errno == EINTR);
	}
	if (r < 0) {
		int e = errno;

		close(fd);
		return perr(err, errlen, "cannot read \"%s\" for %s: %s", s + 1, what, strerror(e));
	}
	close(fd);
	if (n == max && r > 0)
		return perr(err, errlen, "file \"%s\" for %s is larger than %zu bytes", s + 1, what,
			    max);
	if (!n)
		return perr(err, errlen, "file \"%s\" for %s is empty", s + 1, what);
	*len = n;
	return 0;
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int parse_service_name(const char *s, char *err, size_t errlen)
{
	size_t n = strlen(s);

	if (!n || n >= WFPREDIR_SERVICE_NAME_MAX)
		return perr(err, errlen, "invalid service name \"%s\" (expected 1-%d bytes)", s,
			    WFPREDIR_SERVICE_NAME_MAX - 1);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (!isgraph(*c))
			return perr(
				err, errlen,
				"invalid service name \"%s\" (spaces and control characters are "
				"not allowed)",
				s);
	if (all_digits(s))
		return perr(err, errlen, "invalid service name \"%s\" (must not be all digits)", s);
	return 0;
}

int parse_service_ref(const char *what, const char *s, struct service_ref *ref, char *err,
		      size_t errlen)
{
	memset(ref, 0, sizeof(*ref));
	if (all_digits(s))
		return parse_u32(what, s, 1, UINT32_MAX, &ref->id, err, errlen);
	if (!*s || strlen(s) >= sizeof(ref->name))
		return perr(err, errlen,
			    "invalid service name \"%s\" for %s (expected 1-%zu bytes)", s, what,
			    sizeof(ref->name) - 1);
	/* As service add takes them: no service has any other name. */
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (!isgraph(*c))
			return perr(err, errlen,
				    "invalid service name \"%s\" for %s (spaces and control "
				    "characters are not allowed)",
				    s, what);
	strcpy(ref->name, s);
	return 0;
}

/* Keyword argument scanning: each keyword once, each with one value. */
struct kw {
	const char *name;
	bool seen;
};

static int take_value(int argc, int *i, struct kw *k, const char *cmd, char *err, size_t errlen)
{
	if (k->seen)
		return perr(err, errlen, "\"%s\" given twice to %s", k->name, cmd);
	k->seen = true;
	if (*i + 1 >= argc)
		return perr(err, errlen, "missing value after \"%s\" for %s", k->name, cmd);
	(*i)++;
	return 0;
}

static struct kw *find_kw(struct kw *kws, size_t n, const char *word)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(kws[i].name, word))
			return &kws[i];
	return NULL;
}

/* A control character: what a configuration file line cannot hold. */
static const char *control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return s;
	return NULL;
}

/*
 * A cgroup v2 path as under /sys/fs/cgroup, for rules and owners. Blanks,
 * '#' and quotes are fine (save quotes them); control characters are not:
 * wfpredir.conf(5) is one command per line and save must print what add
 * takes.
 */
static int parse_cgroup_path(const char *what, const char *s, char *out, size_t size, char *err,
			     size_t errlen)
{
	const char *c;

	if (s[0] != '/' || strlen(s) >= size)
		return perr(err, errlen,
			    "invalid cgroup path \"%s\" for %s (expected a path as under "
			    "/sys/fs/cgroup, such as /system.slice, at most %zu bytes)",
			    s, what, size - 1);
	c = control_char(s);
	if (c)
		return perr(err, errlen,
			    "invalid cgroup path for %s (control character 0x%02x at byte %zu; "
			    "control characters are not allowed)",
			    what, (unsigned char)*c, (size_t)(c - s));
	strcpy(out, s);
	return 0;
}

/*
 * "owner" then one or more of "uid N", "user NAME", "cgroup PATH" (uid and
 * user exclude each other); *i is at "owner" and ends at its last value.
 */
static int parse_owner(int argc, char **argv, int *i, struct wfpredir_service *svc, char *err,
		       size_t errlen)
{
	static const char cmd[] = "service add";
	const struct passwd *pw;
	int first = *i + 1;

	while (*i + 1 < argc) {
		const char *k = argv[*i + 1];
		bool user = !strcmp(k, "user");

		if (strcmp(k, "uid") && !user && strcmp(k, "cgroup"))
			break;
		if (*i + 2 >= argc)
			return perr(err, errlen, "missing value after \"owner %s\" for %s", k, cmd);
		*i += 2;
		if (!strcmp(k, "cgroup")) {
			if (svc->has_owner_cgroup)
				return perr(err, errlen, "\"owner cgroup\" given twice to %s", cmd);
			if (parse_cgroup_path("owner cgroup", argv[*i], svc->owner_cgroup,
					      sizeof(svc->owner_cgroup), err, errlen))
				return -1;
			svc->has_owner_cgroup = true;
			continue;
		}
		if (svc->has_owner_uid)
			return perr(err, errlen,
				    "\"owner uid\" or \"owner user\" given twice to %s", cmd);
		if (!user) {
			if (parse_u32("owner uid", argv[*i], 0, PARSE_UID_MAX, &svc->owner_uid, err,
				      errlen))
				return -1;
		} else {
			pw = getpwnam(argv[*i]);
			if (!pw)
				return perr(err, errlen, "unknown user \"%s\" for owner user",
					    argv[*i]);
			svc->owner_uid = pw->pw_uid;
		}
		svc->has_owner_uid = true;
	}
	if (*i + 1 == first)
		return perr(
			err, errlen,
			"missing owner for %s (owner uid N, owner user NAME, owner cgroup PATH)",
			cmd);
	return 0;
}

int parse_service_add(int argc, char **argv, struct wfpredir_service *svc, char *err, size_t errlen)
{
	static const char cmd[] = "service add";
	struct kw kws[] = {
		{ "id", false }, { "ipv4", false }, { "ipv6", false }, { "owner", false }
	};
	struct sockaddr_storage ss;
	int i;

	memset(svc, 0, sizeof(*svc));
	if (argc < 1)
		return perr(err, errlen, "missing service name for %s", cmd);
	if (parse_service_name(argv[0], err, errlen))
		return -1;
	strcpy(svc->name, argv[0]);
	for (i = 1; i < argc; i++) {
		struct kw *k = find_kw(kws, sizeof(kws) / sizeof(kws[0]), argv[i]);

		if (!k)
			return perr(err, errlen, "unknown argument \"%s\" for %s", argv[i], cmd);
		if (k == &kws[3]) {
			if (k->seen)
				return perr(err, errlen, "\"owner\" given twice to %s", cmd);
			k->seen = true;
			if (parse_owner(argc, argv, &i, svc, err, errlen))
				return -1;
			continue;
		}
		if (take_value(argc, &i, k, cmd, err, errlen))
			return -1;
		if (k == &kws[0]) {
			if (parse_u32("id", argv[i], 1, UINT32_MAX, &svc->id, err, errlen))
				return -1;
		} else if (k == &kws[1]) {
			if (parse_addr_port(AF_INET, "ipv4", argv[i], &ss, err, errlen))
				return -1;
			memcpy(&svc->addr4, &ss, sizeof(svc->addr4));
			svc->has4 = true;
		} else {
			if (parse_addr_port(AF_INET6, "ipv6", argv[i], &ss, err, errlen))
				return -1;
			memcpy(&svc->addr6, &ss, sizeof(svc->addr6));
			svc->has6 = true;
		}
	}
	if (!svc->has4 && !svc->has6)
		return perr(err, errlen,
			    "%s %s: give an address (ipv4 ADDR:PORT, ipv6 [ADDR]:PORT)", cmd,
			    svc->name);
	return 0;
}

int parse_service_del(int argc, char **argv, struct service_ref *ref, char *err, size_t errlen)
{
	memset(ref, 0, sizeof(*ref));
	if (argc == 2 && !strcmp(argv[0], "id"))
		return parse_u32("id", argv[1], 1, UINT32_MAX, &ref->id, err, errlen);
	if (argc == 1) {
		if (!argv[0][0] || strlen(argv[0]) >= sizeof(ref->name))
			return perr(err, errlen,
				    "invalid service name \"%s\" (expected 1-%zu bytes)", argv[0],
				    sizeof(ref->name) - 1);
		strcpy(ref->name, argv[0]);
		return 0;
	}
	if (argc == 0)
		return perr(err, errlen, "missing service for service del (NAME or id ID)");
	return perr(err, errlen, "unexpected argument \"%s\" for service del (NAME or id ID)",
		    !strcmp(argv[0], "id") ? argv[2] : argv[1]);
}

enum {
	RK_SERVICE,
	RK_ID,
	RK_PRIORITY,
	RK_FAMILY,
	RK_PROTO,
	RK_TO,
	RK_DPORT,
	RK_UID,
	RK_CGROUP,
	RK_CONTEXT,
	RK_COUNT
};

int parse_rule_add(int argc, char **argv, struct wfpredir_rule *rule, struct service_ref *ref,
		   char *err, size_t errlen)
{
	static const char cmd[] = "rule add";
	struct kw kws[RK_COUNT] = {
		[RK_SERVICE] = { "service", false },   [RK_ID] = { "id", false },
		[RK_PRIORITY] = { "priority", false }, [RK_FAMILY] = { "family", false },
		[RK_PROTO] = { "proto", false },       [RK_TO] = { "to", false },
		[RK_DPORT] = { "dport", false },       [RK_UID] = { "uid", false },
		[RK_CGROUP] = { "cgroup", false },     [RK_CONTEXT] = { "context", false },
	};
	uint8_t family = AF_UNSPEC, to_family = AF_UNSPEC;
	const char *to = NULL;
	size_t len;
	int i;

	memset(rule, 0, sizeof(*rule));
	memset(ref, 0, sizeof(*ref));
	for (i = 0; i < argc; i++) {
		struct kw *k = find_kw(kws, RK_COUNT, argv[i]);
		int rc = 0;

		if (!k)
			return perr(err, errlen, "unknown argument \"%s\" for %s", argv[i], cmd);
		if (take_value(argc, &i, k, cmd, err, errlen))
			return -1;
		switch (k - kws) {
		case RK_SERVICE:
			rc = parse_service_ref("service", argv[i], ref, err, errlen);
			break;
		case RK_ID:
			rc = parse_u32("id", argv[i], 1, UINT32_MAX, &rule->id, err, errlen);
			break;
		case RK_PRIORITY:
			rc = parse_u32("priority", argv[i], 0, UINT32_MAX, &rule->priority, err,
				       errlen);
			rule->has_priority = true;
			break;
		case RK_FAMILY:
			rc = parse_family("family", argv[i], &family, err, errlen);
			break;
		case RK_PROTO:
			rc = parse_proto("proto", argv[i], &rule->protocol, err, errlen);
			break;
		case RK_TO:
			to = argv[i];
			rc = parse_prefix("to", argv[i], &to_family, rule->daddr, &rule->prefix,
					  err, errlen);
			rule->has_daddr = true;
			break;
		case RK_DPORT:
			rc = parse_port_range("dport", argv[i], &rule->dport_min, &rule->dport_max,
					      err, errlen);
			rule->has_dport = true;
			break;
		case RK_UID:
			rc = parse_uid_range("uid", argv[i], &rule->uid_min, &rule->uid_max, err,
					     errlen);
			rule->has_uid = true;
			break;
		case RK_CGROUP:
			rc = parse_cgroup_path("cgroup", argv[i], rule->cgroup,
					       sizeof(rule->cgroup), err, errlen);
			rule->has_cgroup = true;
			break;
		case RK_CONTEXT:
			rc = parse_bytes_arg("context", argv[i], rule->context,
					     sizeof(rule->context), &len, err, errlen);
			rule->context_len = (uint32_t)len;
			break;
		}
		if (rc)
			return -1;
	}
	if (!kws[RK_SERVICE].seen)
		return perr(err, errlen, "missing \"service NAME|ID\" for %s", cmd);
	if (to && family && family != to_family)
		return perr(err, errlen, "to \"%s\" is %s but family is %s", to,
			    to_family == AF_INET ? "ipv4" : "ipv6",
			    family == AF_INET ? "ipv4" : "ipv6");
	rule->family = to ? to_family : family;
	return 0;
}

int parse_config_set(int argc, char **argv, struct wfpredir_config *cfg, char *err, size_t errlen)
{
	static const char cmd[] = "config set";
	struct kw kws[] = { { "chain-max", false }, { "inherit", false }, { "flow-share", false } };
	int i;

	memset(cfg, 0, sizeof(*cfg));
	if (!argc)
		return perr(err, errlen, "nothing to set for %s (chain-max, inherit, flow-share)",
			    cmd);
	for (i = 0; i < argc; i++) {
		struct kw *k = find_kw(kws, sizeof(kws) / sizeof(kws[0]), argv[i]);

		if (!k)
			return perr(err, errlen, "unknown argument \"%s\" for %s", argv[i], cmd);
		if (take_value(argc, &i, k, cmd, err, errlen))
			return -1;
		if (k == &kws[0]) {
			if (parse_u32("chain-max", argv[i], 1, WFPREDIR_RECORDS_MAX_ENTRIES,
				      &cfg->chain_max, err, errlen))
				return -1;
			cfg->has_chain_max = true;
		} else if (k == &kws[2]) {
			if (parse_u32("flow-share", argv[i], 1, 100, &cfg->flow_share, err, errlen))
				return -1;
			cfg->has_flow_share = true;
		} else {
			if (parse_on_off("inherit", argv[i], &cfg->inherit, err, errlen))
				return -1;
			cfg->has_inherit = true;
		}
	}
	return 0;
}

const char *format_addr_port(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, ntohs(sin6->sin6_port));
	} else {
		snprintf(buf, len, "?");
	}
	return buf;
}

const char *format_prefix(int family, const uint8_t addr[16], unsigned int prefix, char *buf,
			  size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(family, addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(buf, len, "%s/%u", a, prefix);
	return buf;
}

const char *format_family(int family, char *buf, size_t len)
{
	if (family == AF_INET)
		return "ipv4";
	if (family == AF_INET6)
		return "ipv6";
	snprintf(buf, len, "%d", family);
	return buf;
}

const char *format_proto(int proto, char *buf, size_t len)
{
	if (proto == IPPROTO_TCP)
		return "tcp";
	if (proto == IPPROTO_UDP)
		return "udp";
	snprintf(buf, len, "%d", proto);
	return buf;
}

int parse_table_name(const char *s, char *err, size_t errlen)
{
	if (!wfpredir_table_name_valid(s))
		return perr(
			err, errlen,
			"invalid table name \"%s\" (expected 1-%d characters of A-Z a-z 0-9 _ . -)",
			s, WFPREDIR_TABLE_NAME_MAX - 1);
	return 0;
}

/*
 * The keywords of service add and rule add that take a value: that value
 * is never "table" the keyword, so that a service named "table" can be
 * named in a rule (as save prints it).
 */
static bool takes_value(const char *word)
{
	static const char *const kws[] = { "id",     "ipv4",	"ipv6",	    "uid",    "user",
					   "cgroup", "service", "priority", "family", "proto",
					   "to",     "dport",	"context" };

	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++)
		if (!strcmp(word, kws[i]))
			return true;
	return false;
}

int extract_table(int *argc, char **argv, int start, char *table, char *err, size_t errlen)
{
	int found = 0;

	for (int i = start; i < *argc;) {
		if (strcmp(argv[i], "table")) {
			i += takes_value(argv[i]) ? 2 : 1;
			continue;
		}
		if (i + 1 >= *argc)
			return perr(err, errlen, "missing value after \"table\"");
		if (found)
			return perr(err, errlen, "\"table\" given twice");
		if (parse_table_name(argv[i + 1], err, errlen))
			return -1;
		strcpy(table, argv[i + 1]);
		found = 1;
		memmove(&argv[i], &argv[i + 2], (size_t)(*argc - i - 2) * sizeof(*argv));
		*argc -= 2;
	}
	return found;
}

bool word_needs_quotes(const char *s)
{
	if (!*s)
		return true;
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f || strchr("\"#\\", *s))
			return true;
	return false;
}

void print_word(FILE *out, const char *s)
{
	if (!word_needs_quotes(s)) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(out, "\\%c", c);
		else if (c < ' ' || c == 0x7f)
			/* Never a line break; the file reader refuses it, naming it. */
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputc('"', out);
}

/* " what WORD" */
static void print_kw(FILE *out, const char *what, const char *word)
{
	fprintf(out, " %s ", what);
	print_word(out, word);
}

static void print_addr(FILE *out, const char *what, const void *sa, size_t len)
{
	struct sockaddr_storage ss;
	char a[ADDR_STR_MAX];

	memset(&ss, 0, sizeof(ss));
	memcpy(&ss, sa, len);
	fprintf(out, " %s %s", what, format_addr_port(&ss, a, sizeof(a)));
}

void print_service_args(FILE *out, const struct wfpredir_service *s, const char *table)
{
	print_word(out, s->name);
	if (s->id)
		fprintf(out, " id %u", s->id);
	if (table)
		print_kw(out, "table", table);
	if (s->has4)
		print_addr(out, "ipv4", &s->addr4, sizeof(s->addr4));
	if (s->has6)
		print_addr(out, "ipv6", &s->addr6, sizeof(s->addr6));
	if (s->has_owner_uid || s->has_owner_cgroup)
		fputs(" owner", out);
	if (s->has_owner_uid)
		fprintf(out, " uid %u", s->owner_uid);
	if (s->has_owner_cgroup)
		print_kw(out, "cgroup", s->owner_cgroup);
}

static void print_range(FILE *out, const char *what, unsigned long min, unsigned long max)
{
	if (min == max)
		fprintf(out, " %s %lu", what, min);
	else
		fprintf(out, " %s %lu-%lu", what, min, max);
}

void print_rule_args(FILE *out, const struct wfpredir_rule *r, const char *table,
		     const char *service_name)
{
	char buf[ADDR_STR_MAX];

	if (r->id)
		fprintf(out, "id %u ", r->id);
	fprintf(out, "priority %u", r->has_priority ? r->priority : 1000u);
	if (table)
		print_kw(out, "table", table);
	if (service_name)
		print_kw(out, "service", service_name);
	else
		fprintf(out, " service %u", r->service_id);
	/* A destination gives the family; "family" alone only without one. */
	if (r->family && !r->has_daddr)
		fprintf(out, " family %s", format_family(r->family, buf, sizeof(buf)));
	if (r->protocol)
		fprintf(out, " proto %s", format_proto(r->protocol, buf, sizeof(buf)));
	if (r->has_daddr)
		fprintf(out, " to %s",
			format_prefix(r->family, r->daddr, r->prefix, buf, sizeof(buf)));
	if (r->has_dport)
		print_range(out, "dport", r->dport_min, r->dport_max);
	if (r->has_uid)
		print_range(out, "uid", r->uid_min, r->uid_max);
	if (r->has_cgroup)
		print_kw(out, "cgroup", r->cgroup);
	if (r->context_len) {
		fputs(" context ", out);
		for (uint32_t i = 0; i < r->context_len; i++)
			fprintf(out, "%02x", r->context[i]);
	}
}
