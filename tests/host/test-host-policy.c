/* SPDX-License-Identifier: GPL-2.0-or-later */
/* host.ini: the shipped file, overrides, and errors naming line and key. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "host-policy.h"

static void defaults_are_valid(void **state)
{
        HostPolicy hp;
        ConfigErrors e = { 0 };

        host_policy_init_defaults(&hp);
        assert_int_equal(host_policy_validate(&hp, NULL, &e), 0);
        assert_int_equal(hp.floor_available_mb, 1024);
        assert_int_equal(hp.defaults.step_mb, 256);
}

static void shipped_file_parses_to_defaults(void **state)
{
        HostPolicy hp, def;
        ConfigErrors e;
        char *text;
        long n;
        FILE *f = fopen(SHIPPED_HOST_INI, "re");

        assert_non_null(f);
        assert_int_equal(fseek(f, 0, SEEK_END), 0);
        n = ftell(f);
        rewind(f);
        text = test_calloc(1, (size_t)n + 1);
        assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
        fclose(f);
        assert_int_equal(host_policy_parse(text, &hp, &e), 0);
        host_policy_init_defaults(&def);
        assert_int_equal(hp.floor_available_mb, def.floor_available_mb);
        assert_int_equal(hp.release_below_mb, def.release_below_mb);
        assert_int_equal(hp.release_cooldown_s, def.release_cooldown_s);
        assert_string_equal(hp.metrics_path, def.metrics_path);
        assert_int_equal(hp.metrics_interval_s, def.metrics_interval_s);
        assert_int_equal(hp.defaults.step_mb, def.defaults.step_mb);
        assert_int_equal(hp.defaults.rate_s, def.defaults.rate_s);
        assert_int_equal(hp.defaults.cooldown_s, def.defaults.cooldown_s);
        assert_int_equal(hp.defaults.priority, def.defaults.priority);
        assert_int_equal(hp.n_domains, 0);
        test_free(text);
}

static void valid_with_overrides(void **state)
{
        HostPolicy hp;
        ConfigErrors e;
        DomainPolicy d;

        assert_int_equal(host_policy_parse("; comment\n"
                                           "[domain db]\n"
                                           "priority = 900\n"
                                           "step_mb=512\n"
                                           "[host]\n"
                                           "floor_available_mb = 2048\n"
                                           "release_below_mb = 4096 ; inline comment\n"
                                           "metrics_path =\n"
                                           "[defaults]\n"
                                           "rate_s = 5\n"
                                           "priority = 50\n"
                                           "[domain  batch ]\n"
                                           "priority = 0\n",
                                           &hp, &e),
                         0);
        assert_int_equal(hp.floor_available_mb, 2048);
        assert_int_equal(hp.release_below_mb, 4096);
        assert_string_equal(hp.metrics_path, "");
        assert_int_equal(hp.n_domains, 2);

        /* [defaults] came after [domain db], and still fills its gaps. */
        host_policy_for_domain(&hp, "db", &d);
        assert_int_equal(d.priority, 900);
        assert_int_equal(d.step_mb, 512);
        assert_int_equal(d.rate_s, 5);
        assert_int_equal(d.cooldown_s, 30);
        host_policy_for_domain(&hp, "batch", &d);
        assert_int_equal(d.priority, 0);
        assert_int_equal(d.step_mb, 256);
        host_policy_for_domain(&hp, "other", &d);
        assert_int_equal(d.priority, 50);
}

static void expect_error(const char *text, unsigned line, const char *section, const char *key, const char *fragment)
{
        HostPolicy hp;
        ConfigErrors e;

        assert_int_equal(host_policy_parse(text, &hp, &e), -EINVAL);
        assert_true(e.n >= 1);
        if (e.e[0].line != line || strcmp(e.e[0].section, section) != 0 || strcmp(e.e[0].key, key) != 0 ||
            !strstr(e.e[0].message, fragment))
                fail_msg("got %u [%s] %s: %s", e.e[0].line, e.e[0].section, e.e[0].key, e.e[0].message);
}

static void unknown_key(void **state)
{
        expect_error("[host]\nfloor_available_mb = 1\nflor_available_mb = 2\n", 3, "host", "flor_available_mb",
                     "unknown key");
        expect_error("[defaults]\nmetrics_path = /x\n", 2, "defaults", "metrics_path", "unknown key");
        expect_error("[domain vm]\nfloor_available_mb = 1\n", 2, "domain vm", "floor_available_mb", "unknown key");
        expect_error("\n[hots]\nstep_mb = 1\n", 3, "hots", "step_mb", "unknown section");
        expect_error("step_mb = 1\n", 1, "", "step_mb", "before the first");
}

static void bad_value_names_line(void **state)
{
        expect_error("[host]\n\n\nfloor_available_mb = lots\n", 4, "host", "floor_available_mb", "got \"lots\"");
        expect_error("[defaults]\npriority = 1001\n", 2, "defaults", "priority", "0 to 1000");
        expect_error("[defaults]\nrate_s = -1\n", 2, "defaults", "rate_s", "whole number");
        expect_error("[defaults]\nrate_s = 99999999999999999999999\n", 2, "defaults", "rate_s", "whole number");
        expect_error("[host]\nmetrics_path = relative\n", 2, "host", "metrics_path", "absolute path");
        expect_error("[host]\nmetrics_interval_s = 0\n", 2, "host", "metrics_interval_s", "1 to 3600");
        expect_error("[domain x]\nstep_mb = 1\nstep_mb = 2\n", 3, "domain x", "step_mb", "first on line 2");
        expect_error("[domain ]\nstep_mb = 1\n", 2, "domain ", "", "[domain NAME]");
}

static void syntax_errors(void **state)
{
        char long_line[300];

        expect_error("[host]\nfloor_available_mb = 1\n  release_below_mb = 2\n", 3, "", "", "indented");
        expect_error("[host]\njust words\n", 2, "", "", "key = value");
        expect_error("[host\nfloor_available_mb = 1\n", 1, "", "", "without ']'");
        snprintf(long_line, sizeof(long_line), "[host]\nmetrics_path = /%0250d\n", 0);
        expect_error(long_line, 2, "", "", "longer than");
}

/* Each line inih cannot read is reported on its own line, not only the
 * first; the keys under a broken [header] are not reported again as keys
 * outside any section. */
static void every_syntax_error_once(void **state)
{
        HostPolicy hp;
        ConfigErrors e;

        assert_int_equal(host_policy_parse("[host]\njust words\nfloor_available_mb = 1\nmore words\n", &hp, &e), -EINVAL);
        assert_int_equal(e.n, 2);
        assert_int_equal(e.e[0].line, 2);
        assert_int_equal(e.e[1].line, 4);
        assert_non_null(strstr(e.e[1].message, "key = value"));
        assert_int_equal(host_policy_parse("[host\nfloor_available_mb = 1\n[defaults]\nstep_mb = x\n", &hp, &e), -EINVAL);
        assert_int_equal(e.n, 2);
        assert_non_null(strstr(e.e[0].message, "without ']'"));
        assert_int_equal(e.e[1].line, 4);
        assert_string_equal(e.e[1].key, "step_mb");
}

/* A cross-field error names both keys with their values and lines. */
static void cross_field(void **state)
{
        expect_error("[host]\nfloor_available_mb = 4096\nrelease_below_mb = 1024\n", 3, "host", "release_below_mb",
                     "1024 on line 3 must be 0 or at least floor_available_mb, 4096 on line 2");
        expect_error("[host]\ncgroup_margin_mb = 512\ncgroup_act_mb = 256\n", 3, "host", "cgroup_act_mb",
                     "256 on line 3 must be 0 or at least cgroup_margin_mb, 512 on line 2");
        expect_error("[host]\n\nrelease_below_mb = 512\n", 3, "host", "release_below_mb",
                     "512 on line 3 must be 0 or at least floor_available_mb, 1024 by default");
        expect_error("[host]\nfloor_available_mb = 4096\n", 2, "host", "release_below_mb",
                     "2048 by default must be 0 or at least floor_available_mb, 4096 on line 2");
}

/* An unknown section or key says which known one is closest. */
static void did_you_mean(void **state)
{
        expect_error("[host]\nflor_available_mb = 2\n", 2, "host", "flor_available_mb",
                     "unknown key in [host]; did you mean floor_available_mb?");
        expect_error("[defaults]\nstep = 2\n", 2, "defaults", "step", "did you mean step_mb?");
        expect_error("[domain vm]\nrate = 2\n", 2, "domain vm", "rate", "did you mean rate_s?");
        expect_error("[hots]\nstep_mb = 1\n", 2, "hots", "step_mb", "did you mean [host]?");
        expect_error("[defualts]\nstep_mb = 1\n", 2, "defualts", "step_mb", "did you mean [defaults]?");
        expect_error("[domian web-1]\nstep_mb = 1\n", 2, "domian web-1", "step_mb", "did you mean [domain web-1]?");
        expect_error("[host]\ncolour = 1\n", 2, "host", "colour", "unknown key in [host]");
        {
                HostPolicy hp;
                ConfigErrors e;

                assert_int_equal(host_policy_parse("[host]\ncolour = 1\n[zzz]\nx = 1\n", &hp, &e), -EINVAL);
                assert_int_equal(e.n, 2);
                assert_null(strstr(e.e[0].message, "did you mean"));
                assert_null(strstr(e.e[1].message, "did you mean"));
        }
}

/* The arbiter's keys: per domain over [defaults], like the others. */
static void arbiter_keys(void **state)
{
        HostPolicy hp;
        ConfigErrors e;
        DomainPolicy d;

        assert_int_equal(host_policy_parse("[defaults]\nreclaim_after_s = 30\nminimum_mb = 256\n"
                                           "[domain vm1]\nentitlement_mb = 640\nreclaim_after_s = 0\n",
                                           &hp, &e),
                         0);
        host_policy_for_domain(&hp, "vm1", &d);
        assert_int_equal(d.entitlement_mb, 640);
        assert_int_equal(d.reclaim_after_s, 0);
        assert_int_equal(d.minimum_mb, 256);
        host_policy_for_domain(&hp, "vm2", &d);
        assert_int_equal(d.entitlement_mb, 0);
        assert_int_equal(d.reclaim_after_s, 30);
        host_policy_init_defaults(&hp);
        assert_int_equal(hp.defaults.reclaim_after_s, 10);
        expect_error("[defaults]\nreclaim_after_s = 86401\n", 2, "defaults", "reclaim_after_s", "0 to 86400");
        expect_error("[host]\nentitlement_mb = 1\n", 2, "host", "entitlement_mb", "unknown key");
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(defaults_are_valid),
                cmocka_unit_test(shipped_file_parses_to_defaults),
                cmocka_unit_test(valid_with_overrides),
                cmocka_unit_test(unknown_key),
                cmocka_unit_test(bad_value_names_line),
                cmocka_unit_test(syntax_errors),
                cmocka_unit_test(every_syntax_error_once),
                cmocka_unit_test(cross_field),
                cmocka_unit_test(did_you_mean),
                cmocka_unit_test(arbiter_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
