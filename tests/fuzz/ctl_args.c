// SPDX-License-Identifier: GPL-2.0
/*
 * wfpredirctl's command-line parsers (tools/wfpredirctl/parse.c): the
 * arguments of service add/del, rule add, config set and "table NAME",
 * then every value parser on each argument, and the printers of what parsed
 * (what listings and save write), which must read back, through the
 * configuration file's word splitter, as what was parsed.
 *
 * Input: a selector byte, then the arguments, NUL-separated. "@FILE" reads
 * a file: only names without a '/' are taken, and read from a scratch
 * directory this target makes.
 */
#include "conffile.h"
#include "fuzz.h"
#include "parse.h"

#include <stdbool.h>
#include <string.h>

#define MAX_ARGS 64

static FILE *sink;
static const char *dir;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	dir = fuzz_dir();
	fuzz_put("ctx", "context bytes");
	sink = fopen("/dev/null", "w");
	check(sink);
	return 0;
}

static void values(const char *s)
{
	char err[PARSE_ERR_MAX], a[ADDR_STR_MAX];
	struct sockaddr_storage ss;
	struct service_ref ref;
	uint8_t addr[16], buf[64], family, prefix, b8;
	uint16_t p1, p2;
	uint32_t u1, u2;
	size_t len;
	bool on;

	parse_u32("n", s, 1, 4096, &u1, err, sizeof(err));
	parse_port_range("dport", s, &p1, &p2, err, sizeof(err));
	parse_uid_range("uid", s, &u1, &u2, err, sizeof(err));
	if (!parse_addr_port(AF_INET, "ipv4", s, &ss, err, sizeof(err)))
		format_addr_port(&ss, a, sizeof(a));
	if (!parse_addr_port(AF_INET6, "ipv6", s, &ss, err, sizeof(err)))
		format_addr_port(&ss, a, sizeof(a));
	if (!parse_prefix("to", s, &family, addr, &prefix, err, sizeof(err)))
		format_prefix(family, addr, prefix, a, sizeof(a));
	parse_family("family", s, &b8, err, sizeof(err));
	parse_proto("proto", s, &b8, err, sizeof(err));
	parse_on_off("inherit", s, &on, err, sizeof(err));
	if (!parse_hex("context", s, buf, sizeof(buf), &len, err, sizeof(err)))
		check(len >= 1 && len <= sizeof(buf));
	if (!parse_bytes_arg("context", s, buf, sizeof(buf), &len, err, sizeof(err)))
		check(len >= 1 && len <= sizeof(buf));
	parse_service_name(s, err, sizeof(err));
	parse_service_ref("service", s, &ref, err, sizeof(err));
	parse_table_name(s, err, sizeof(err));
	check(memchr(err, '\0', sizeof(err)));
}

/*
 * What a listing or save printed (print_*_args()), split into words as the
 * configuration file splits it (conf_split()): *argc words in argv, the
 * text returned to free().
 */
static char *printed(void (*print)(FILE *out, const void *obj, const char *table, const char *name),
		     const void *obj, const char *table, const char *name, int *argc, char **argv)
{
	char *text = NULL, err[PARSE_ERR_MAX];
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	check(out);
	print(out, obj, table, name);
	check(!fclose(out));
	/* One line: a name must never break the command in two. */
	check(!strpbrk(text, "\r\n"));
	*argc = conf_split(text, argv, MAX_ARGS, err, sizeof(err));
	check(*argc > 0);
	return text;
}

static void print_service(FILE *out, const void *obj, const char *table, const char *name)
{
	(void)name;
	print_service_args(out, obj, table);
}

static void print_rule(FILE *out, const void *obj, const char *table, const char *name)
{
	print_rule_args(out, obj, table, name);
}

/* What save printed reads back as the same service. */
static void service_round_trip(const struct wfpredir_service *svc, const char *table)
{
	static struct wfpredir_service again;
	char err[PARSE_ERR_MAX], table2[WFPREDIR_TABLE_NAME_MAX];
	char *argv[MAX_ARGS + 1];
	int argc, has;
	char *text = printed(print_service, svc, table, NULL, &argc, argv);

	has = extract_table(&argc, argv, 1, table2, err, sizeof(err));
	check(has == !!table);
	check(!table || !strcmp(table, table2));
	check(!parse_service_add(argc, argv, &again, err, sizeof(err)));
	check(!memcmp(svc, &again, sizeof(again)));
	free(text);
}

/* The same for a rule; one added without a priority prints the default. */
static void rule_round_trip(struct wfpredir_rule *rule, const struct service_ref *ref,
			    const char *table)
{
	static struct wfpredir_rule again;
	char err[PARSE_ERR_MAX], table2[WFPREDIR_TABLE_NAME_MAX];
	struct service_ref ref2;
	char *argv[MAX_ARGS + 1];
	int argc, has;
	char *text;

	rule->service_id = ref->id;
	text = printed(print_rule, rule, table, ref->id ? NULL : ref->name, &argc, argv);
	has = extract_table(&argc, argv, 0, table2, err, sizeof(err));
	check(has == !!table);
	check(!table || !strcmp(table, table2));
	check(!parse_rule_add(argc, argv, &again, &ref2, err, sizeof(err)));
	again.service_id = ref2.id;
	if (!rule->has_priority) {
		rule->has_priority = true;
		rule->priority = 1000;
	}
	check(!memcmp(rule, &again, sizeof(again)));
	check(!memcmp(ref, &ref2, sizeof(ref2)));
	free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[PARSE_ERR_MAX], table[WFPREDIR_TABLE_NAME_MAX];
	static struct wfpredir_service svc;
	static struct wfpredir_rule rule;
	struct wfpredir_config cfg;
	struct service_ref ref;
	char *argv[MAX_ARGS + 1], *own[MAX_ARGS] = { NULL };
	char *text;
	int argc = 0, has;

	if (!size || size > 4096)
		return 0;
	/* NUL-separated arguments, the last one NUL-terminated here. */
	text = malloc(size);
	check(text);
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	for (char *p = text; p < text + size && argc < MAX_ARGS; p += strlen(p) + 1) {
		if (p[0] == '@' && strchr(p, '/'))
			goto out;
		argv[argc] = p;
		/* @NAME: the scratch directory's NAME. */
		if (p[0] == '@') {
			own[argc] = malloc(strlen(dir) + 2 + strlen(p));
			check(own[argc]);
			sprintf(own[argc], "@%s/%s", dir, p + 1);
			argv[argc] = own[argc];
		}
		argc++;
	}
	argv[argc] = NULL;

	err[0] = '\0';
	switch (data[0] % 5) {
	case 0:
		has = extract_table(&argc, argv, 1, table, err, sizeof(err));
		if (has >= 0 && !parse_service_add(argc, argv, &svc, err, sizeof(err))) {
			check(memchr(svc.name, '\0', sizeof(svc.name)));
			print_service_args(sink, &svc, has ? table : NULL);
			service_round_trip(&svc, has ? table : NULL);
		}
		break;
	case 1:
		has = extract_table(&argc, argv, 0, table, err, sizeof(err));
		if (has >= 0 && !parse_rule_add(argc, argv, &rule, &ref, err, sizeof(err))) {
			print_rule_args(sink, &rule, has ? table : NULL, ref.id ? NULL : ref.name);
			rule_round_trip(&rule, &ref, has ? table : NULL);
		}
		break;
	case 2:
		parse_service_del(argc, argv, &ref, err, sizeof(err));
		break;
	case 3:
		parse_config_set(argc, argv, &cfg, err, sizeof(err));
		break;
	default:
		for (int i = 0; i < argc; i++)
			values(argv[i]);
		break;
	}
	check(memchr(err, '\0', sizeof(err)));
out:
	for (int i = 0; i < MAX_ARGS; i++)
		free(own[i]);
	free(text);
	return 0;
}
