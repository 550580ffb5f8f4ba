/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The actions on a scratch tree: what act_run() refuses, and the kill
 * candidates' RSS in the root's page size. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "victim-scan.h"

static void make_tree(char *dir)
{
        char cmd[256];

        assert_non_null(mkdtemp(dir));
        snprintf(cmd, sizeof(cmd), "mkdir -p %s/proc/sys/vm %s/proc/42 && echo 0 > %s/proc/sys/vm/drop_caches", dir,
                 dir, dir);
        assert_int_equal(system(cmd), 0);
        /* pid 42, 1000 pages resident */
        snprintf(cmd, sizeof(cmd),
                 "cd %s/proc/42 && echo '42 (hog) R 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 77 9000 1000 0' > stat && "
                 "echo '0::/user.slice/x.scope' > cgroup && echo 0 > oom_score_adj && echo 600 > oom_score",
                 dir);
        assert_int_equal(system(cmd), 0);
}

static void remove_tree(const char *dir)
{
        char cmd[256];

        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
}

static char *file_text(const char *dir, const char *rel)
{
        static char text[64];
        char path[512];
        FILE *f;
        size_t n;

        snprintf(path, sizeof(path), "%s/%s", dir, rel);
        f = fopen(path, "r");
        assert_non_null(f);
        n = fread(text, 1, sizeof(text) - 1, f);
        text[n] = '\0';
        fclose(f);
        return text;
}

/* A kind that is not a local action is refused and does nothing: the
 * balloon request (it goes to the host) and any value this build does not
 * know. Before, both fell through to the kill. */
static void unknown_actions_never_kill(void **state)
{
        char dir[] = "/tmp/oomguard-act-XXXXXX";
        PlannedAction a = { 0 };
        ActResult res;
        SysRoot *root;
        Policy p;

        make_tree(dir);
        policy_init_shipped(&p);
        p.kill.enabled = true;
        assert_int_equal(sysroot_open(dir, &root), 0);

        a.kind = ACTION_BALLOON;
        assert_int_equal(act_run(root, &p, 1, &a, &res), -EINVAL);
        assert_int_equal(res.victim_pid, 0);
        assert_null(strstr(res.detail, "kill"));
        assert_non_null(strstr(res.detail, "not a local action"));

        a.kind = _ACTION_MAX;
        assert_int_equal(act_run(root, &p, 1, &a, &res), -EINVAL);
        assert_null(strstr(res.detail, "kill"));
        a.kind = (ActionKind)77;
        assert_int_equal(act_run(root, &p, 1, &a, &res), -EINVAL);
        assert_null(strstr(res.detail, "kill"));

        /* the known ones run: drop_caches writes 1 */
        a.kind = ACTION_DROP_CACHES;
        assert_int_equal(act_run(root, &p, 1, &a, &res), 0);
        assert_string_equal(file_text(dir, "proc/sys/vm/drop_caches"), "1\n");
        /* a kill on a fixture tree is refused, and says so */
        a.kind = ACTION_KILL;
        assert_int_equal(act_run(root, &p, 1, &a, &res), -EPERM);
        assert_non_null(strstr(res.detail, "live system"));

        sysroot_free(root);
        remove_tree(dir);
}

/* /proc/PID/stat counts resident pages; a page is 4, 16 or 64 KiB. */
static void victim_rss_in_page_size(void **state)
{
        char dir[] = "/tmp/oomguard-act-XXXXXX", why[256];
        Candidates *cs = calloc(1, sizeof(*cs));
        SysRoot *root;
        Policy p;

        make_tree(dir);
        policy_init_shipped(&p);
        assert_int_equal(sysroot_open(dir, &root), 0);
        assert_int_equal(victim_scan(root, &p, 1, cs), 0);
        assert_int_equal(cs->n, 1);
        assert_int_equal(cs->c[0].rss_kb, 4000);
        sysroot_set_page_size_kb(root, 64);     /* arm64 or ppc64le with 64 KiB pages */
        assert_int_equal(victim_scan(root, &p, 1, cs), 0);
        assert_int_equal(cs->c[0].pid, 42);
        assert_int_equal(cs->c[0].oom_score, 600);
        assert_int_equal(cs->c[0].rss_kb, 64000);
        victim_why(cs, 0, why, sizeof(why));
        assert_string_equal(why, "the highest oom_score 600 (oom_score_adj 0, rss 64000 kB), of 1 candidates, 0 protected");
        sysroot_free(root);
        remove_tree(dir);
        free(cs);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(unknown_actions_never_kill),
                cmocka_unit_test(victim_rss_in_page_size),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
