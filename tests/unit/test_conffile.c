// SPDX-License-Identifier: GPL-2.0
/*
 * tools/wfpredirctl/conffile.c: the configuration file reader (table lines,
 * includes, quoted words, errors with file:line), and the listings' syntax
 * being add's.
 */
#include "unit.h"

#include "../../tools/wfpredirctl/conffile.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* A scratch directory for include tests; removed by rm -rf at the end. */
static char scratch[64];

static void mkscratch(void)
{
	snprintf(scratch, sizeof(scratch), "/tmp/wfpredir-conf-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(scratch));
}

static void rmscratch(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
	ck_assert_int_eq(system(cmd), 0);
}

static void put(const char *rel, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", scratch, rel);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

START_TEST(table_lines_set_the_table_of_the_commands_after_them)
{
	static const char text[] = "# vendors\n"
				   "service add p0 ipv4 127.0.0.1:1\n"
				   "\n"
				   "table vendor-a\n"
				   "service add proxy ipv4 127.0.0.1:2  # trailing comment\n"
				   "rule add service proxy proto tcp dport 80\n"
				   "table vendor-b\n"
				   "service add proxy ipv4 127.0.0.1:3\n"
				   "rule add service 7 table other\n"
				   "config set chain-max 4\n";
	char err[PARSE_ERR_MAX + 256];
	struct conf c;

	conf_init(&c);
	ck_assert_msg(!conf_load_text(&c, "t.conf", ".", text, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(c.n, 6);
	ck_assert_str_eq(c.objs[0].table, "default");
	ck_assert_uint_eq(c.objs[0].at.line, 2);
	ck_assert_str_eq(c.objs[1].table, "vendor-a");
	ck_assert_str_eq(c.objs[1].u.svc.name, "proxy");
	ck_assert_uint_eq(c.objs[1].at.line, 5);
	ck_assert_int_eq(c.objs[2].kind, CONF_RULE);
	ck_assert_str_eq(c.objs[2].table, "vendor-a");
	ck_assert_str_eq(c.objs[2].u.r.ref.name, "proxy");
	ck_assert_str_eq(c.objs[3].table, "vendor-b");
	/* "table X" in the command wins over the table line */
	ck_assert_str_eq(c.objs[4].table, "other");
	ck_assert_uint_eq(c.objs[4].u.r.rule.service_id, 7);
	ck_assert_int_eq(c.objs[5].kind, CONF_CONFIG);
	ck_assert(c.objs[5].u.cfg.has_chain_max);
	/* every table named, in order */
	ck_assert_uint_eq(c.n_tables, 4);
	ck_assert_str_eq(c.tables[0].name, "default");
	ck_assert_str_eq(c.tables[1].name, "vendor-a");
	ck_assert_str_eq(c.tables[2].name, "vendor-b");
	ck_assert_str_eq(c.tables[3].name, "other");
	ck_assert_str_eq(c.objs[3].at.file, "t.conf");
	conf_free(&c);
}
END_TEST

START_TEST(errors_name_the_file_and_line)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "table a\nservice add p ipv4 127.0.0.1:1\nrule add service p dport 0\n",
		  "e.conf:3: invalid port" },
		{ "\n\nrule del 4\n", "e.conf:3: unknown command \"rule del\"" },
		{ "table a b\n", "e.conf:1: expected \"table NAME\"" },
		{ "table a/b\n", "e.conf:1: invalid table name \"a/b\"" },
		{ "service add p ipv4 127.0.0.1:1 table\n",
		  "e.conf:1: missing value after \"table\"" },
		{ "include\n", "e.conf:1: expected \"include GLOB\"" },
		{ "include does-not-exist.conf\n", "e.conf:1: cannot include" },
		{ "frobnicate\n", "e.conf:1: unknown command \"frobnicate\"" },
	};
	char err[PARSE_ERR_MAX + 256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf c;

		conf_init(&c);
		ck_assert_int_eq(conf_load_text(&c, "e.conf", "/nonexistent", cases[i].text, err,
						sizeof(err)),
				 -1);
		ck_assert_msg(!strncmp(err, cases[i].want, strlen(cases[i].want)),
			      "case %zu: want '%s...', got '%s'", i, cases[i].want, err);
		conf_free(&c);
	}
}
END_TEST

START_TEST(includes_are_relative_sorted_and_may_match_nothing)
{
	char path[256], err[PARSE_ERR_MAX + 256];
	struct conf c;

	mkscratch();
	snprintf(path, sizeof(path), "%s/conf.d", scratch);
	ck_assert_int_eq(mkdir(path, 0700), 0);
	put("main.conf", "config set inherit off\ninclude conf.d/*.conf\ninclude none.d/*.conf\n");
	/* written out of order: the include reads them sorted */
	put("conf.d/20-b.conf", "table b\nservice add pb ipv4 127.0.0.1:2\n");
	put("conf.d/10-a.conf", "table a\nservice add pa ipv4 127.0.0.1:1\n");
	put("conf.d/ignored.txt", "this is not read\n");
	snprintf(path, sizeof(path), "%s/main.conf", scratch);
	conf_init(&c);
	ck_assert_msg(!conf_load(&c, path, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_str_eq(c.objs[1].u.svc.name, "pa");
	ck_assert_str_eq(c.objs[1].table, "a");
	ck_assert_str_eq(c.objs[2].u.svc.name, "pb");
	ck_assert_str_eq(c.objs[2].table, "b");
	ck_assert_uint_eq(c.objs[2].at.line, 2);
	ck_assert_ptr_nonnull(strstr(c.objs[2].at.file, "conf.d/20-b.conf"));
	/* a table line in an included file does not leak into the includer */
	ck_assert_str_eq(c.objs[0].table, "default");
	conf_free(&c);
	rmscratch();
}
END_TEST

START_TEST(an_include_loop_is_refused_at_the_including_line)
{
	char path[256], err[PARSE_ERR_MAX + 256];
	struct conf c;

	mkscratch();
	put("a.conf", "include b.conf\n");
	put("b.conf", "\ninclude a.conf\n");
	snprintf(path, sizeof(path), "%s/a.conf", scratch);
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "b.conf:2: include loop"), "%s", err);
	conf_free(&c);
	put("self.conf", "include ./self.conf\n");
	snprintf(path, sizeof(path), "%s/self.conf", scratch);
	conf_init(&c);
	ck_assert_int_eq(conf_load(&c, path, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "self.conf:1: include loop"), "%s", err);
	conf_free(&c);
	rmscratch();
}
END_TEST

/* Print what add takes, split it into words, parse it back. */
static char *printed(void (*print)(FILE *, const void *), const void *obj, char **words, int *n)
{
	char *buf = NULL, split_err[PARSE_ERR_MAX];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	print(f, obj);
	ck_assert_int_eq(fclose(f), 0);
	*n = conf_split(buf, words, CONF_WORDS_MAX, split_err, sizeof(split_err));
	ck_assert_msg(*n >= 0, "%s", split_err);
	ck_assert_int_gt(*n, 0);
	return buf;
}

static void print_svc(FILE *f, const void *obj)
{
	print_service_args(f, obj, "vendor-a");
}

static void print_rule(FILE *f, const void *obj)
{
	print_rule_args(f, obj, "vendor-a", "proxy");
}

START_TEST(listings_print_what_add_takes)
{
	char *w[CONF_WORDS_MAX], err[PARSE_ERR_MAX], table[WFPREDIR_TABLE_NAME_MAX], *buf;
	struct wfpredir_service svc, back;
	struct wfpredir_rule *rule = calloc(2, sizeof(*rule));
	struct sockaddr_storage ss;
	struct service_ref ref;
	int n;

	ck_assert_ptr_nonnull(rule);
	ck_assert_int_eq(parse_service_name("proxy", err, sizeof(err)), 0);
	memset(&svc, 0, sizeof(svc));
	strcpy(svc.name, "proxy");
	svc.id = 12;
	ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1:3128", &ss, err, sizeof(err)),
			 0);
	memcpy(&svc.addr4, &ss, sizeof(svc.addr4));
	svc.has4 = true;
	ck_assert_int_eq(parse_addr_port(AF_INET6, "ipv6", "[::1]:3128", &ss, err, sizeof(err)), 0);
	memcpy(&svc.addr6, &ss, sizeof(svc.addr6));
	svc.has6 = true;
	svc.has_owner_uid = true;
	svc.owner_uid = 42;
	svc.has_owner_cgroup = true;
	strcpy(svc.owner_cgroup, "/system.slice/proxy.service");
	buf = printed(print_svc, &svc, w, &n);
	ck_assert_int_eq(extract_table(&n, w, 1, table, err, sizeof(err)), 1);
	ck_assert_str_eq(table, "vendor-a");
	ck_assert_msg(!parse_service_add(n, w, &back, err, sizeof(err)), "%s", err);
	ck_assert_mem_eq(&back, &svc, sizeof(svc));
	free(buf);

	rule[0].id = 7;
	rule[0].has_priority = true;
	rule[0].priority = 5;
	rule[0].protocol = IPPROTO_TCP;
	ck_assert_int_eq(parse_prefix("to", "10.1.0.0/16", &rule[0].family, rule[0].daddr,
				      &rule[0].prefix, err, sizeof(err)),
			 0);
	rule[0].has_daddr = true;
	rule[0].has_dport = true;
	rule[0].dport_min = 80;
	rule[0].dport_max = 90;
	rule[0].has_uid = true;
	rule[0].uid_min = rule[0].uid_max = 1000;
	rule[0].has_cgroup = true;
	strcpy(rule[0].cgroup, "/user.slice");
	rule[0].context_len = 3;
	memcpy(rule[0].context, "\x00\xff\x10", 3);
	buf = printed(print_rule, &rule[0], w, &n);
	ck_assert_int_eq(extract_table(&n, w, 0, table, err, sizeof(err)), 1);
	ck_assert_msg(!parse_rule_add(n, w, &rule[1], &ref, err, sizeof(err)), "%s", err);
	ck_assert_str_eq(ref.name, "proxy");
	ck_assert_mem_eq(&rule[1], &rule[0], sizeof(rule[0]));
	ck_assert_ptr_null(strstr(buf, "prio "));
	free(buf);
	free(rule);
}
END_TEST

START_TEST(quoted_words_keep_blanks_hashes_and_escaped_quotes)
{
	static const struct {
		const char *line;
		int n;
		const char *words[4];
	} cases[] = {
		{ "a \"b c\" d\n", 3, { "a", "b c", "d" } },
		{ "\"\" x\r\n", 2, { "", "x" } },
		{ "\"# not a comment\" # a comment \"\n", 1, { "# not a comment" } },
		{ "\"say \\\"hi\\\"\" \"back\\\\slash\"", 2, { "say \"hi\"", "back\\slash" } },
		{ "a#b \\x2d\tc", 3, { "a#b", "\\x2d", "c" } },
		{ "\"tab\there\"\t\"\"", 2, { "tab\there", "" } },
	};
	char line[128], *w[CONF_WORDS_MAX], err[PARSE_ERR_MAX];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n;

		snprintf(line, sizeof(line), "%s", cases[i].line);
		n = conf_split(line, w, CONF_WORDS_MAX, err, sizeof(err));
		ck_assert_msg(n == cases[i].n, "case %zu: %d words (%s)", i, n, n < 0 ? err : "");
		for (int j = 0; j < n; j++)
			ck_assert_msg(!strcmp(w[j], cases[i].words[j]), "case %zu word %d: '%s'", i,
				      j, w[j]);
	}
}
END_TEST

START_TEST(bad_quoting_is_an_error_with_the_line)
{
	static const struct {
		const char *text;
		const char *want;
	} cases[] = {
		{ "\nrule add service p cgroup \"/a b\n",
		  "q.conf:2: unterminated quote in word 6" },
		{ "rule add service p cgroup \"/a b\\\"\n", "q.conf:1: unterminated quote" },
		{ "rule add service p cgroup \"/a b\\\n", "q.conf:1: unterminated quote" },
		{ "\n\n\nrule add service p cgroup \"/a\\x2d\"\n",
		  "q.conf:4: unknown escape \"\\x\"" },
		{ "rule add service p cgroup \"/a\"b\n", "q.conf:1: expected a blank after" },
		{ "rule add service p cgroup /a\"b c\"\n", "q.conf:1: '\"' inside word 6" },
		{ "rule add service p cgroup \"/a\\x01\"\n", "q.conf:1: unknown escape" },
		{ "rule add service p cgroup \"/a\x01\"\n",
		  "q.conf:1: invalid cgroup path for cgroup (control character 0x01" },
		{ "service add p ipv4 127.0.0.1:1 owner cgroup \"/\x7f\"\n",
		  "q.conf:1: invalid cgroup path for owner cgroup (control character 0x7f" },
		{ "table \"a b\"\n", "q.conf:1: invalid table name \"a b\"" },
		{ "service add \"a b\" ipv4 127.0.0.1:1\n",
		  "q.conf:1: invalid service name \"a b\"" },
	};
	char err[PARSE_ERR_MAX + 256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf c;

		conf_init(&c);
		ck_assert_int_eq(conf_load_text(&c, "q.conf", "/nonexistent", cases[i].text, err,
						sizeof(err)),
				 -1);
		ck_assert_msg(!strncmp(err, cases[i].want, strlen(cases[i].want)),
			      "case %zu: want '%s...', got '%s'", i, cases[i].want, err);
		conf_free(&c);
	}
}
END_TEST

START_TEST(a_quoted_include_names_a_file_with_a_blank)
{
	char text[512], err[PARSE_ERR_MAX + 256];
	struct conf c;

	mkscratch();
	put("my vendor.conf", "service add \"p#1\" ipv4 127.0.0.1:1\n");
	snprintf(text, sizeof(text), "include \"%s/my vendor.conf\"\n", scratch);
	conf_init(&c);
	ck_assert_msg(!conf_load_text(&c, "i.conf", ".", text, err, sizeof(err)), "%s", err);
	ck_assert_uint_eq(c.n, 1);
	ck_assert_str_eq(c.objs[0].u.svc.name, "p#1");
	conf_free(&c);
	rmscratch();
}
END_TEST

/*
 * What save prints for names with blanks, '#', quotes and backslashes reads
 * back through the file reader as the same objects.
 */
START_TEST(save_output_with_odd_names_reads_back_exactly)
{
	static const char *const cgroups[] = {
		"/a b", "/#x", "/q\"uo\"te", "/back\\slash\\", "/ lead and trail ", "/é\"#\\ \"",
	};
	struct wfpredir_rule *rules = calloc(2, sizeof(*rules));
	char err[PARSE_ERR_MAX + 256], *text = NULL;
	struct wfpredir_service svc;
	size_t len = 0;
	struct conf c;
	FILE *f;

	ck_assert_ptr_nonnull(rules);
	for (size_t i = 0; i < sizeof(cgroups) / sizeof(cgroups[0]); i++) {
		struct sockaddr_storage ss;

		memset(&svc, 0, sizeof(svc));
		strcpy(svc.name, "we\"ird#\\name");
		ck_assert_int_eq(parse_service_name(svc.name, err, sizeof(err)), 0);
		ck_assert_int_eq(parse_addr_port(AF_INET, "ipv4", "127.0.0.1:3128", &ss, err,
						 sizeof(err)),
				 0);
		memcpy(&svc.addr4, &ss, sizeof(svc.addr4));
		svc.has4 = true;
		svc.has_owner_cgroup = true;
		strcpy(svc.owner_cgroup, cgroups[i]);
		memset(&rules[0], 0, sizeof(rules[0]));
		rules[0].has_priority = true;
		rules[0].priority = 1000;
		rules[0].has_cgroup = true;
		strcpy(rules[0].cgroup, cgroups[i]);

		f = open_memstream(&text, &len);
		ck_assert_ptr_nonnull(f);
		fputs("service add ", f);
		print_service_args(f, &svc, "vendor-a");
		fputs("\nrule add ", f);
		print_rule_args(f, &rules[0], "vendor-a", svc.name);
		fputs("\n", f);
		ck_assert_int_eq(fclose(f), 0);

		conf_init(&c);
		ck_assert_msg(!conf_load_text(&c, "s.conf", ".", text, err, sizeof(err)), "%s\n%s",
			      err, text);
		ck_assert_uint_eq(c.n, 2);
		ck_assert_str_eq(c.objs[0].table, "vendor-a");
		ck_assert_mem_eq(&c.objs[0].u.svc, &svc, sizeof(svc));
		ck_assert_str_eq(c.objs[1].u.r.ref.name, svc.name);
		ck_assert_mem_eq(&c.objs[1].u.r.rule, &rules[0], sizeof(rules[0]));
		conf_free(&c);
		free(text);
		text = NULL;
	}

	/* A service named like a keyword, named by a rule. */
	strcpy(svc.name, "table");
	f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	fputs("table t\nservice add ", f);
	print_service_args(f, &svc, NULL);
	fputs("\nrule add ", f);
	print_rule_args(f, &rules[0], NULL, svc.name);
	fputs("\n", f);
	ck_assert_int_eq(fclose(f), 0);
	conf_init(&c);
	ck_assert_msg(!conf_load_text(&c, "s.conf", ".", text, err, sizeof(err)), "%s\n%s", err,
		      text);
	ck_assert_uint_eq(c.n, 2);
	ck_assert_str_eq(c.objs[0].u.svc.name, "table");
	ck_assert_str_eq(c.objs[1].table, "t");
	ck_assert_str_eq(c.objs[1].u.r.ref.name, "table");
	conf_free(&c);
	free(text);
	free(rules);
}
END_TEST

START_TEST(a_word_is_quoted_exactly_when_it_needs_it)
{
	static const struct {
		const char *word, *printed;
	} cases[] = {
		{ "/system.slice/a\\x2db.service", "\"/system.slice/a\\\\x2db.service\"" },
		{ "/user.slice", "/user.slice" },
		{ "a-b_c.d:e@f", "a-b_c.d:e@f" },
		{ "", "\"\"" },
		{ "a b", "\"a b\"" },
		{ "#", "\"#\"" },
		{ "say \"hi\"", "\"say \\\"hi\\\"\"" },
		{ "line\nbreak", "\"line\\x0abreak\"" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);

		ck_assert_ptr_nonnull(f);
		print_word(f, cases[i].word);
		ck_assert_int_eq(fclose(f), 0);
		ck_assert_str_eq(text, cases[i].printed);
		free(text);
	}
}
END_TEST

Suite *conffile_suite(void);

Suite *conffile_suite(void)
{
	Suite *s = suite_create("conffile");
	TCase *tc = tcase_create("conffile");

	tcase_add_test(tc, table_lines_set_the_table_of_the_commands_after_them);
	tcase_add_test(tc, errors_name_the_file_and_line);
	tcase_add_test(tc, includes_are_relative_sorted_and_may_match_nothing);
	tcase_add_test(tc, an_include_loop_is_refused_at_the_including_line);
	tcase_add_test(tc, listings_print_what_add_takes);
	tcase_add_test(tc, quoted_words_keep_blanks_hashes_and_escaped_quotes);
	tcase_add_test(tc, bad_quoting_is_an_error_with_the_line);
	tcase_add_test(tc, a_quoted_include_names_a_file_with_a_blank);
	tcase_add_test(tc, save_output_with_odd_names_reads_back_exactly);
	tcase_add_test(tc, a_word_is_quoted_exactly_when_it_needs_it);
	suite_add_tcase(s, tc);
	return s;
}
