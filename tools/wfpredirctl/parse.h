/* SPDX-License-Identifier: GPL-2.0 */
/*
 * wfpredirctl's command-line parsers and address formatters. They use no
 * netlink and no global state, so the unit tests link this file alone
 * (tests/unit/test_parse.c).
 *
 * Every parser returns 0, or -1 with a message in err (at most errlen bytes,
 * NUL-terminated) naming the argument at fault, without the "wfpredirctl: "
 * prefix, for example
 *
 *	invalid port "70000" for ipv4 (expected 1-65535)
 *
 * A failing parser may have written to its outputs.
 */
#ifndef WFPREDIRCTL_PARSE_H
#define WFPREDIRCTL_PARSE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include <wfpredir.h>

/* Room for any message a parser writes. */
#define PARSE_ERR_MAX 512

/* The largest uid a rule can name: (uid_t)-1 is no uid. */
#define PARSE_UID_MAX 4294967294u

/* Room for "[ffff:...:255.255.255.255]:65535" and "ADDR/128". */
#define ADDR_STR_MAX 64

/* "N" in [min, max], decimal digits only; what names the argument. */
int parse_u32(const char *what, const char *s, uint32_t min, uint32_t max, uint32_t *out, char *err,
	      size_t errlen);

/* "N" or "N-M", 1 <= N <= M <= 65535 (dport). */
int parse_port_range(const char *what, const char *s, uint16_t *min, uint16_t *max, char *err,
		     size_t errlen);

/* "N" or "N-M", 0 <= N <= M <= PARSE_UID_MAX (uid). */
int parse_uid_range(const char *what, const char *s, uint32_t *min, uint32_t *max, char *err,
		    size_t errlen);

/*
 * "ADDR:PORT" for family AF_INET (what is "ipv4"), "[ADDR]:PORT" for
 * AF_INET6 ("ipv6"); the port 1-65535. out receives a sockaddr_in or
 * sockaddr_in6.
 */
int parse_addr_port(int family, const char *what, const char *s, struct sockaddr_storage *out,
		    char *err, size_t errlen);

/*
 * "ADDR" or "ADDR/LEN", IPv4 or IPv6 (told by a ':'); host bits must be
 * clear. family receives AF_INET or AF_INET6, addr the address in network
 * order (IPv4 in the first 4 bytes, the rest zero), prefix the length (the
 * full length when absent).
 */
int parse_prefix(const char *what, const char *s, uint8_t *family, uint8_t addr[16],
		 uint8_t *prefix, char *err, size_t errlen);

/* "ipv4" or "ipv6": AF_INET or AF_INET6. */
int parse_family(const char *what, const char *s, uint8_t *family, char *err, size_t errlen);

/* "tcp" or "udp": IPPROTO_TCP or IPPROTO_UDP. */
int parse_proto(const char *what, const char *s, uint8_t *proto, char *err, size_t errlen);

/* "on" or "off". */
int parse_on_off(const char *what, const char *s, bool *on, char *err, size_t errlen);

/* Hex digits (an optional 0x first), 1 to max bytes. */
int parse_hex(const char *what, const char *s, uint8_t *buf, size_t max, size_t *len, char *err,
	      size_t errlen);

/* HEX, or @FILE: the file's bytes, 1 to max of them. */
int parse_bytes_arg(const char *what, const char *s, uint8_t *buf, size_t max, size_t *len,
		    char *err, size_t errlen);

/*
 * A service name for service add: 1 to WFPREDIR_SERVICE_NAME_MAX - 1 bytes
 * of printable non-space characters, not all digits (so that NAME|ID
 * arguments are never ambiguous).
 */
int parse_service_name(const char *s, char *err, size_t errlen);

/* How a command names a service: by id, or by name when id is 0. */
struct service_ref {
	uint32_t id;
	char name[WFPREDIR_SERVICE_NAME_MAX];
};

/*
 * NAME|ID: all digits is an id (1-4294967295), anything else a name, of
 * the characters parse_service_name() takes.
 */
int parse_service_ref(const char *what, const char *s, struct service_ref *ref, char *err,
		      size_t errlen);

/*
 * The arguments after "service add": NAME [id ID] [ipv4 ADDR:PORT]
 * [ipv6 [ADDR]:PORT] [owner OWNER...], where OWNER is one or more of
 * "uid N", "user NAME" (looked up with getpwnam()) and "cgroup PATH".
 */
int parse_service_add(int argc, char **argv, struct wfpredir_service *svc, char *err,
		      size_t errlen);

/* The arguments after "service del": NAME, or id ID. */
int parse_service_del(int argc, char **argv, struct service_ref *ref, char *err, size_t errlen);

/*
 * The arguments after "rule add". rule receives everything but service_id,
 * which the caller resolves from ref.
 */
int parse_rule_add(int argc, char **argv, struct wfpredir_rule *rule, struct service_ref *ref,
		   char *err, size_t errlen);

/* The arguments after "config set"; at least one setting. */
int parse_config_set(int argc, char **argv, struct wfpredir_config *cfg, char *err, size_t errlen);

/* "10.0.0.1:80" or "[2001:db8::1]:80" from a sockaddr_in(6); "?" for other
 * families. Returns buf. */
const char *format_addr_port(const struct sockaddr_storage *ss, char *buf, size_t len);

/* "10.0.0.0/8" or "2001:db8::/32". Returns buf. */
const char *format_prefix(int family, const uint8_t addr[16], unsigned int prefix, char *buf,
			  size_t len);

/* "ipv4", "ipv6", "tcp", "udp", or the number. Returns a static string or
 * buf. */
const char *format_family(int family, char *buf, size_t len);
const char *format_proto(int proto, char *buf, size_t len);

#endif

/* A table name: 1 to 31 characters of [A-Za-z0-9_.-]. */
int parse_table_name(const char *s, char *err, size_t errlen);

/*
 * Take "table NAME" out of argv[start..*argc), where "table" is a keyword
 * and not the value of another one (service table): 1 and table (at least
 * WFPREDIR_TABLE_NAME_MAX bytes) set when found, 0 when absent, -1 on a
 * bad or repeated one.
 */
int extract_table(int *argc, char **argv, int start, char *table, char *err, size_t errlen);

/*
 * Whether the configuration file (wfpredir.conf(5)) needs s in double
 * quotes to read it back as one word: empty, or with a blank, a control
 * character, '#', '"' or a backslash in it.
 */
bool word_needs_quotes(const char *s);

/*
 * s as one word of the configuration file: as is, or when it needs them in
 * double quotes, '"' and '\' escaped with a backslash. A control character
 * is written \xHH, which the reader refuses (no name wfpredirctl accepts
 * has one) rather than a line break that would split the command.
 */
void print_word(FILE *out, const char *s);

/*
 * The arguments "service add" / "rule add" take that make the object:
 * listings, echoes and save print them, each string a word of
 * print_word(). table NULL leaves it out;
 * service_name NULL names the rule's service by id.
 */
void print_service_args(FILE *out, const struct wfpredir_service *s, const char *table);
void print_rule_args(FILE *out, const struct wfpredir_rule *r, const char *table,
		     const char *service_name);
