/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/PID parsing, and oom_score_adj steering on a scratch /proc tree. */
#include "helpers.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proc-parse.h"
#include "steer.h"

static void stat_lines(void **state)
{
        static const char line[] =
                "1234 (a) b) c) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 1 0 987654 12345678 321 "
                "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0\n";
        static const char kthread[] = "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 5 0 0 "
                                      "18446744073709551615 0 0 0 0 0 0 0 2147483647 0 0 0 0 17 0 0 0 0 0 0\n";
        ProcStat ps;

        assert_int_equal(parse_proc_stat(line, sizeof(line) - 1, &ps), 0);
        assert_string_equal(ps.comm, "a) b) c");        /* the last ')' ends the name */
        assert_int_equal(ps.state, 'S');
        assert_int_equal(ps.ppid, 1);
        assert_int_equal(ps.starttime, 987654);
        assert_int_equal(ps.rss_pages, 321);
        assert_false(ps.flags & PROC_PF_KTHREAD);
        assert_int_equal(parse_proc_stat(kthread, sizeof(kthread) - 1, &ps), 0);
        assert_true(ps.flags & PROC_PF_KTHREAD);
        assert_int_equal(parse_proc_stat("1 (x S 1", 8, &ps), -EINVAL);
        assert_int_equal(parse_proc_stat("1 (x) S 1 2", 11, &ps), -EINVAL);    /* truncated */
}

static void cgroup_files(void **state)
{
        char path[PROC_CGROUP_MAX];

        assert_int_equal(parse_proc_cgroup("0::/system.slice/sshd.service\n", 30, path, sizeof(path)), 0);
        assert_string_equal(path, "/system.slice/sshd.service");
        /* v1 only: the name=systemd hierarchy */
        {
                static const char v1[] = "4:memory:/x\n1:name=systemd:/system.slice/cron.service\n";

                assert_int_equal(parse_proc_cgroup(v1, strlen(v1), path, sizeof(path)), 0);
        }
        assert_string_equal(path, "/system.slice/cron.service");
        assert_int_equal(parse_proc_cgroup("garbage\n", 8, path, sizeof(path)), -EINVAL);
        assert_int_equal(parse_proc_cgroup("4:memory:/x\n", 12, path, sizeof(path)), -ENODATA);

}

/* A process in a scratch tree: stat, cgroup and oom_score_adj. */
static void proc(const char *dir, int pid, const char *comm, char state, unsigned flags, uint64_t start,
                 const char *cgroup, int adj)
{
        char cmd[512], path[512];
        FILE *f;

        snprintf(cmd, sizeof(cmd), "mkdir -p %s/proc/%d", dir, pid);
        assert_int_equal(system(cmd), 0);
        snprintf(path, sizeof(path), "%s/proc/%d/stat", dir, pid);
        f = fopen(path, "w");
        fprintf(f, "%d (%s) %c 1 %d %d 0 -1 %u 0 0 0 0 0 0 0 0 20 0 1 0 %llu 1000 50 0\n", pid, comm, state, pid,
                pid, flags, (unsigned long long)start);
        fclose(f);
        snprintf(path, sizeof(path), "%s/proc/%d/cgroup", dir, pid);
        f = fopen(path, "w");
        fprintf(f, "0::%s\n", cgroup);
        fclose(f);
        snprintf(path, sizeof(path), "%s/proc/%d/oom_score_adj", dir, pid);
        f = fopen(path, "w");
        fprintf(f, "%d\n", adj);
        fclose(f);
}

static int adj_of(const char *dir, int pid)
{
        char path[512];
        FILE *f;
        int v = -9999;

        snprintf(path, sizeof(path), "%s/proc/%d/oom_score_adj", dir, pid);
        f = fopen(path, "r");
        assert_non_null(f);
        assert_int_equal(fscanf(f, "%d", &v), 1);
        fclose(f);
        return v;
}

static void set_adj(const char *dir, int pid, int v)
{
        char path[512];
        FILE *f;

        snprintf(path, sizeof(path), "%s/proc/%d/oom_score_adj", dir, pid);
        f = fopen(path, "w");
        fprintf(f, "%d\n", v);
        fclose(f);
}

static void steering_and_restore(void **state)
{
        char dir[] = "/tmp/oomguard-steer-XXXXXX", cmd[128];
        Steer *st = calloc(1, sizeof(*st));
        SteerStats stats;
        SysRoot *root;
        Policy p;
        ConfigErrors e;

        assert_non_null(mkdtemp(dir));
        proc(dir, 100, "sshd", 'S', 0, 10, "/system.slice/ssh.service", 0);
        proc(dir, 200, "chrome", 'R', 0, 20, "/user.slice/app.scope", 0);
        proc(dir, 300, "kworker/0:1", 'I', PROC_PF_KTHREAD, 30, "/", 0);
        proc(dir, 400, "postgres", 'S', 0, 40, "/system.slice/db.service/worker", 0);
        proc(dir, 500, "sshd", 'Z', 0, 50, "/system.slice/ssh.service", 0);
        proc(dir, 600, "bash", 'S', 0, 60, "/user.slice/tty.scope", 100);
        proc(dir, 700, "sshd", 'S', 0, 70, "/", -17);    /* self: never touched */
        assert_int_equal(policy_parse("[protect]\nname = sshd\nunit = db.service\n[prefer]\ncgroup = /user.slice\n"
                                      "oom_score_adj = 800\n",
                                      &p, &e),
                         0);
        assert_int_equal(sysroot_open(dir, &root), 0);

        /* dry run: nothing written */
        assert_int_equal(steer_apply(st, root, &p, true, 700, &stats), 0);
        assert_int_equal(stats.changed, 4);
        assert_int_equal(adj_of(dir, 100), 0);
        assert_int_equal(st->n, 4);    /* remembered, so it is said once */
        assert_int_equal(steer_apply(st, root, &p, true, 700, &stats), 0);
        assert_int_equal(stats.changed, 0);
        /* forgetting the dry run's changes: said again, still nothing written */
        steer_forget(st);
        assert_int_equal(steer_apply(st, root, &p, true, 700, &stats), 0);
        assert_int_equal(stats.changed, 4);
        assert_int_equal(adj_of(dir, 100), 0);
        steer_forget(st);

        assert_int_equal(steer_apply(st, root, &p, false, 700, &stats), 0);
        assert_int_equal(stats.matched, 4);     /* 100, 200, 400, 600; not the kthread, zombie or self */
        assert_int_equal(stats.changed, 4);
        assert_int_equal(adj_of(dir, 100), -900);
        assert_int_equal(adj_of(dir, 400), -900);
        assert_int_equal(adj_of(dir, 200), 800);
        assert_int_equal(adj_of(dir, 600), 800);
        assert_int_equal(adj_of(dir, 300), 0);
        assert_int_equal(adj_of(dir, 500), 0);
        assert_int_equal(adj_of(dir, 700), -17);
        /* the log names each process and its values */
        {
                char named[512];

                steer_format_changes(&stats, named, sizeof(named));
                assert_non_null(strstr(named, "sshd[100] 0 -> -900 (protect)"));
                assert_non_null(strstr(named, "bash[600] 100 -> 800 (prefer)"));
                assert_int_equal(stats.n_named, 4);
        }

        /* a second scan changes nothing */
        assert_int_equal(steer_apply(st, root, &p, false, 700, &stats), 0);
        assert_int_equal(stats.changed, 0);

        /* someone else changed 200 since; 400's pid now belongs to another
         * process: neither is restored */
        set_adj(dir, 200, 100);
        proc(dir, 400, "postgres", 'S', 0, 41, "/system.slice/db.service/worker", -900);
        assert_int_equal(steer_restore(st, root, &stats), 0);
        assert_int_equal(stats.restored, 2);    /* 100 and 600 */
        assert_int_equal(adj_of(dir, 100), 0);
        assert_int_equal(adj_of(dir, 600), 100);
        assert_int_equal(adj_of(dir, 200), 100);
        assert_int_equal(adj_of(dir, 400), -900);

        sysroot_free(root);
        snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
        assert_int_equal(system(cmd), 0);
        free(st);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(stat_lines),
                cmocka_unit_test(cgroup_files),
                cmocka_unit_test(steering_and_restore),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
