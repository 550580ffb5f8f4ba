/* SPDX-License-Identifier: GPL-2.0-or-later */
/* [protect] and [prefer] rules against names and cgroup paths. */
#include "helpers.h"

#include <string.h>

#include "steer-rules.h"

static void cgroup_paths(void **state)
{
        size_t n;
        const char *unit;

        unit = cgroup_unit("/system.slice/docker.service/abc", &n);
        assert_int_equal(n, strlen("docker.service"));
        assert_memory_equal(unit, "docker.service", n);
        unit = cgroup_unit("/user.slice/user-1000.slice/session-2.scope", &n);
        assert_memory_equal(unit, "session-2.scope", n);
        assert_null(cgroup_unit("/init.scope.d/x", &n));
        assert_null(cgroup_unit("/.service", &n));      /* a bare suffix names no unit */
        assert_true(cgroup_covers("/system.slice", "/system.slice/a.service"));
        assert_true(cgroup_covers("/system.slice/", "/system.slice"));
        assert_false(cgroup_covers("/system.slice", "/system.slice2/a"));
        assert_true(cgroup_covers("/", "/anything"));
}

static void each_rule_kind(void **state)
{
        MatchRule name = { .kind = MATCH_NAME }, unit = { .kind = MATCH_UNIT }, cg = { .kind = MATCH_CGROUP };

        snprintf(name.value, sizeof(name.value), "sshd");
        snprintf(unit.value, sizeof(unit.value), "db.service");
        snprintf(cg.value, sizeof(cg.value), "/user.slice");
        assert_true(rule_matches(&name, "sshd", NULL));
        assert_false(rule_matches(&name, "sshd2", "/x"));
        assert_true(rule_matches(&unit, "postgres", "/system.slice/db.service/worker"));
        assert_false(rule_matches(&unit, "postgres", "/system.slice/db.service2/worker"));
        assert_false(rule_matches(&unit, "postgres", NULL));    /* cgroup unknown: no match */
        assert_true(rule_matches(&cg, "bash", "/user.slice/tty.scope"));
        assert_false(rule_matches(&cg, "bash", "/user.slice2"));
        assert_false(rule_matches(&cg, "bash", NULL));
}

static void protect_wins_over_prefer(void **state)
{
        Policy p;
        ConfigErrors e;
        bool prot;
        int adj;

        assert_int_equal(policy_parse("[protect]\nname = db\n[prefer]\ncgroup = /\n", &p, &e), 0);
        assert_true(steer_target(&p, "db", "/x", &adj, &prot));
        assert_true(prot);
        assert_int_equal(adj, -900);
        assert_true(steer_target(&p, "other", "/x", &adj, &prot));
        assert_false(prot);
        assert_int_equal(adj, 500);
        assert_false(steer_target(&p, "other", NULL, &adj, &prot));
        assert_true(steer_rules_need_cgroup(&p));
        assert_int_equal(policy_parse("[protect]\nname = db\n", &p, &e), 0);
        assert_false(steer_rules_need_cgroup(&p));
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(cgroup_paths),
                cmocka_unit_test(each_rule_kind),
                cmocka_unit_test(protect_wins_over_prefer),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
