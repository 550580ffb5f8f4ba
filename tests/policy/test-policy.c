/* SPDX-License-Identifier: GPL-2.0-or-later */
/* policy.ini: every type, every error with its line/section/key, the
 * cross-field rules, and the dump reading back to the same policy. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy-dump.h"
#include "policy.h"

static void defaults_are_valid(void **state)
{
        Policy p;
        ConfigErrors e = { 0 };

        policy_init_defaults(&p);
        assert_int_equal(policy_validate(&p, NULL, &e), 0);
        assert_false(p.kill.enabled);   /* safe for any guest */
        assert_int_equal(p.act_psi_full_avg10, 500);
        assert_string_equal(p.agent_socket, "/run/oomguard-agent/agent.sock");
}

static void every_type(void **state)
{
        Policy p;
        ConfigErrors e;

        assert_int_equal(policy_parse("; comment\n# comment\n\n[pressure]\npsi_window_ms = 2000\ncgroup = /sys/fs/cgroup/db.slice\n"
                                      "[levels]\nact_psi_full_avg10 = 7.5\ncritical_psi_full_avg10=40.25\n"
                                      "[balloon]\nenabled = no\nlevel = warn\nagent_socket =\n"
                                      "[kill]\nenabled = yes\nlevel = critical\n"
                                      "[protect]\nname = sshd\nunit = db.service\ncgroup = /system.slice\noom_score_adj = -1000\n"
                                      "[prefer]\nname = chrome\n",
                                      &p, &e),
                         0);
        assert_int_equal(p.psi_window_ms, 2000);
        assert_int_equal(p.n_pressure_cgroups, 1);
        assert_int_equal(p.act_psi_full_avg10, 750);
        assert_int_equal(p.critical_psi_full_avg10, 4025);
        assert_false(p.balloon.enabled);
        assert_int_equal(p.balloon.level, LEVEL_WARN);
        assert_string_equal(p.agent_socket, "");
        assert_true(p.kill.enabled);
        assert_int_equal(p.protect.n_rules, 3);
        assert_int_equal(p.protect.rules[1].kind, MATCH_UNIT);
        assert_int_equal(p.protect.oom_score_adj, -1000);
        assert_int_equal(p.prefer.n_rules, 1);
        assert_int_equal(p.prefer.oom_score_adj, 500);
}

static void errors_name_line_section_key(void **state)
{
        static const struct {
                const char *text;
                unsigned line;
                const char *section, *key, *message_part;
        } cases[] = {
                { "[levels]\nwarn_headroom_kb = 5\n", 2, "levels", "warn_headroom_kb", "unknown key" },
                { "[level]\norder = 5\n", 2, "level", "order", "unknown section" },
                { "order = 5\n", 1, "", "order", "before the first" },
                { "[levels]\n\norder = eleven\n", 3, "levels", "order", "whole number from 1 to 10" },
                { "[levels]\norder = 11\n", 2, "levels", "order", "from 1 to 10" },
                { "[levels]\norder = -1\n", 2, "levels", "order", "whole number" },
                { "[levels]\norder = 99999999999999999999999\n", 2, "levels", "order", "whole number" },
                { "[levels]\norder = 3\norder = 4\n", 3, "levels", "order", "set twice (first on line 2)" },
                { "[levels]\nact_psi_full_avg10 = 5.125\n", 2, "levels", "act_psi_full_avg10", "two decimals" },
                { "[levels]\nact_psi_full_avg10 = 100.5\n", 2, "levels", "act_psi_full_avg10", "from 0 to 100" },
                { "[kill]\nenabled = maybe\n", 2, "kill", "enabled", "yes or no" },
                { "[kill]\nlevel = warn\n", 2, "kill", "level", "act..critical" },
                { "[balloon]\nagent_socket = run/agent\n", 2, "balloon", "agent_socket", "absolute path" },
                { "[protect]\nname = a-very-long-process-name\n", 2, "protect", "name", "15 characters" },
                { "[protect]\ncgroup = system.slice\n", 2, "protect", "cgroup", "starting with /" },
                { "[protect]\noom_score_adj = -1001\n", 2, "protect", "oom_score_adj", "-1000 to 1000" },
                { "[protect]\npid = 1\n", 2, "protect", "pid", "unknown key" },
                { "[levels]\norder = 3\n  order = 4\n", 3, "", "", "indented line" },
                { "[levels\norder = 3\n", 1, "", "", "without ']'" },
                { "[levels]\njust words\n", 2, "", "", "expected \"key = value\"" },
                { "[levels]\norder = 3 ; comment\n", 0, NULL, NULL, NULL },     /* inline comments are fine */
                /* ";x" right after '=' would be printed back as "unit = ;x", a comment */
                { "[protect]\nunit =;x\n", 2, "protect", "unit", "may not start with ';'" },
                { "[prefer]\n\nname =;\n", 3, "prefer", "name", "may not start with ';'" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Policy p;
                ConfigErrors e;
                int r = policy_parse(cases[i].text, &p, &e);

                if (!cases[i].message_part) {
                        assert_int_equal(r, 0);
                        continue;
                }
                assert_int_equal(r, -EINVAL);
                assert_int_equal(e.n, 1);
                assert_int_equal(e.e[0].line, cases[i].line);
                assert_string_equal(e.e[0].section, cases[i].section);
                assert_string_equal(e.e[0].key, cases[i].key);
                if (!strstr(e.e[0].message, cases[i].message_part))
                        fail_msg("case %zu: \"%s\" lacks \"%s\"", i, e.e[0].message, cases[i].message_part);
        }
}

static void long_lines_and_many_errors(void **state)
{
        char text[1024];
        Policy p;
        ConfigErrors e;

        /* inih would cut a line at 199 characters and read the rest as another line */
        snprintf(text, sizeof(text), "[protect]\ncgroup = /%0*d\n", 200, 0);
        assert_int_equal(policy_parse(text, &p, &e), -EINVAL);
        assert_int_equal(e.e[0].line, 2);
        assert_non_null(strstr(e.e[0].message, "longer than"));

        /* every error is reported, not just the first */
        assert_int_equal(policy_parse("[levels]\norder = x\nhold_ms = y\n[kill]\nenabled = z\n", &p, &e), -EINVAL);
        assert_int_equal(e.n, 3);
        assert_int_equal(e.e[2].line, 5);
}

/* Every cross-field error names each key involved, its value and the line
 * it was set on ("by default" when the file left it), and is reported on
 * the line of the first key the file set. */
static void cross_field_rules(void **state)
{
        static const struct {
                const char *text;
                unsigned line;
                const char *section, *key, *message;
        } cases[] = {
                { "[levels]\ncritical_headroom_min_kb = 70000\nact_headroom_min_kb = 65536\n", 2, "levels",
                  "critical_headroom_min_kb",
                  "70000 on line 2 must be below act_headroom_min_kb, 65536 on line 3: critical must be stricter than act" },
                { "[levels]\n\nact_headroom_min_kb = 10000\n", 3, "levels", "critical_headroom_min_kb",
                  "16384 by default must be below act_headroom_min_kb, 10000 on line 3: critical must be stricter than act" },
                /* act looser than warn */
                { "[levels]\nact_headroom_min_kb = 200000\n", 2, "levels", "act_headroom_min_kb",
                  "200000 on line 2 must be below warn_headroom_low_kb, 131072 by default: act must be stricter than warn" },
                { "[levels]\nwarn_headroom_low_kb = 65536\nact_headroom_min_kb = 65536\n", 3, "levels", "act_headroom_min_kb",
                  "65536 on line 3 must be below warn_headroom_low_kb, 65536 on line 2: act must be stricter than warn" },
                { "[levels]\nwarn_time_to_min_s = 5\n", 2, "levels", "act_time_to_min_s",
                  "10 by default must be below warn_time_to_min_s, 5 on line 2: act must be stricter than warn" },
                { "[levels]\ncritical_psi_full_avg10 = 4.5\n", 2, "levels", "act_psi_full_avg10",
                  "5 by default must be below critical_psi_full_avg10, 4.50 on line 2: critical must be stricter than act" },
                { "[pressure]\npsi_window_ms = 1000\npsi_full_stall_ms = 2000\n", 3, "pressure", "psi_full_stall_ms",
                  "2000 on line 3 must fit in psi_window_ms, 1000 on line 2: psi_trigger_create() refuses" },
                { "[pressure]\nslow_poll_ms = 50\n", 2, "pressure", "fast_poll_ms",
                  "100 by default must not exceed slow_poll_ms, 50 on line 2" },
                { "[prefer]\noom_score_adj = -950\n", 2, "protect", "oom_score_adj",
                  "-900 by default must be below [prefer] oom_score_adj, -950 on line 2" },
                { "[kill]\nenabled = yes\nlevel = act\n[balloon]\nlevel = critical\n", 3, "kill", "level",
                  "act on line 3 must not be below [balloon] level, critical on line 5, when [kill] enabled is yes on "
                  "line 2 and [balloon] enabled is yes by default" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Policy p;
                ConfigErrors e;

                assert_int_equal(policy_parse(cases[i].text, &p, &e), -EINVAL);
                assert_int_equal(e.n, 1);
                if (e.e[0].line != cases[i].line || strcmp(e.e[0].section, cases[i].section) != 0 ||
                    strcmp(e.e[0].key, cases[i].key) != 0 || !strstr(e.e[0].message, cases[i].message))
                        fail_msg("case %zu: got %u [%s] %s: %s", i, e.e[0].line, e.e[0].section, e.e[0].key, e.e[0].message);
        }
}

/* 0 disables a threshold and takes it out of the ordering. */
static void disabled_thresholds_are_not_ordered(void **state)
{
        Policy p;
        ConfigErrors e;

        assert_int_equal(policy_parse("[levels]\ncritical_headroom_min_kb = 0\n", &p, &e), 0);
        assert_int_equal(policy_parse("[levels]\nwarn_headroom_low_kb = 0\nact_headroom_min_kb = 200000\n", &p, &e), 0);
}

/* An unknown section or key says which known one is closest, when one is
 * close enough to be a typo, and nothing when none is. */
static void did_you_mean(void **state)
{
        static const struct {
                const char *text, *hint;
        } cases[] = {
                { "[levels]\nwarn_headroom_kb = 5\n", "unknown key in [levels]; did you mean warn_headroom_low_kb?" },
                { "[levels]\nodrer = 5\n", "did you mean order?" },
                { "[level]\norder = 5\n", "unknown section [level]; did you mean [levels]?" },
                { "[dropcaches]\nenabled = no\n", "did you mean [drop_caches]?" },
                { "[protcet]\nname = x\n", "did you mean [protect]?" },
                { "[protect]\nnmae = x\n", "did you mean name?" },
                { "[prefer]\noom_score = 1\n", "did you mean oom_score_adj?" },
                { "[pressure]\ncgroups = /x\n", "did you mean cgroup?" },
                { "[levels]\nzzz = 1\n", NULL },
                { "[protect]\npid = 1\n", NULL },
                { "[zzz]\norder = 1\n", NULL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                Policy p;
                ConfigErrors e;

                assert_int_equal(policy_parse(cases[i].text, &p, &e), -EINVAL);
                assert_int_equal(e.n, 1);
                if (cases[i].hint ? !strstr(e.e[0].message, cases[i].hint) : strstr(e.e[0].message, "did you mean") != NULL)
                        fail_msg("case %zu: \"%s\", expected %s", i, e.e[0].message, cases[i].hint ? cases[i].hint : "no hint");
        }
}

static char *dump_to_string(const Policy *p, bool comments)
{
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        policy_dump(f, p, comments);
        fclose(f);
        return buf;
}

static void dump_reads_back(void **state)
{
        Policy p, q;
        ConfigErrors e;
        char *text;

        assert_int_equal(policy_parse("[levels]\nact_psi_full_avg10 = 7.5\n[pressure]\ncgroup = /sys/fs/cgroup/a\n"
                                      "[protect]\nname = sshd\nunit = x.service\nname = a;b\nunit = #x\nname=k=v:w\n"
                                      "[prefer]\ncgroup = /user.slice\n"
                                      "[balloon]\nagent_socket =\n",
                                      &p, &e),
                         0);
        for (int comments = 0; comments < 2; comments++) {
                text = dump_to_string(&p, comments);
                if (policy_parse(text, &q, &e) < 0)
                        fail_msg("dump does not parse: line %u: %s\n%s", e.e[0].line, e.e[0].message, text);
                assert_memory_equal(&p, &q, sizeof(p));
                free(text);
        }
}

/* packaging/policy.ini is generated from the table: it must be exactly what
 * the dump of the shipped policy prints, so it cannot drift. */
static void shipped_policy_matches_table(void **state)
{
        size_t n;
        char *shipped = fixture_read("../../packaging/policy.ini", &n), *generated;
        Policy p;
        ConfigErrors e;

        if (policy_parse(shipped, &p, &e) < 0)
                fail_msg("packaging/policy.ini:%u: [%s] %s: %s", e.e[0].line, e.e[0].section, e.e[0].key, e.e[0].message);
        assert_false(p.kill.enabled);
        generated = dump_to_string(&p, true);
        assert_string_equal(generated, shipped);
        free(generated);
        free(shipped);
}

/* packaging/policy-keys.md, the reference table, comes from the same table. */
static void shipped_key_table_matches(void **state)
{
        size_t n;
        char *shipped = fixture_read("../../packaging/policy-keys.md", &n), *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        policy_dump_markdown(f);
        fclose(f);
        assert_string_equal(buf, shipped);
        free(buf);
        free(shipped);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults_are_valid),
                cmocka_unit_test(every_type),
                cmocka_unit_test(errors_name_line_section_key),
                cmocka_unit_test(long_lines_and_many_errors),
                cmocka_unit_test(cross_field_rules),
                cmocka_unit_test(disabled_thresholds_are_not_ordered),
                cmocka_unit_test(did_you_mean),
                cmocka_unit_test(dump_reads_back),
                cmocka_unit_test(shipped_policy_matches_table),
                cmocka_unit_test(shipped_key_table_matches),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
