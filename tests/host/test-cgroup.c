/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finding and reading a VM's memory cgroup on fixture trees
 * (tests/fixtures/cgroup/): v1 as on a Debian 12 host, v2 as on a
 * KubeVirt node and a libvirt machine slice; and the parsers on bad input. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "cgroup.h"

#define MB UINT64_C(1024)       /* in kB */
#define ROOT(name) FIXTURES_DIR "/cgroup/" name

static SysRoot *open_root(const char *path)
{
        SysRoot *r = NULL;

        assert_int_equal(sysroot_open(path, &r), 0);
        return r;
}

static void v1_finds_the_pod_limit_above_qemu(void **state)
{
        SysRoot *r = open_root(ROOT("v1-pod"));
        CgroupRef ref;
        CgroupFigures f;

        assert_int_equal(cgroup_find(r, 4242, &ref), 0);
        assert_int_equal(ref.version, CGROUP_V1);
        assert_string_equal(ref.dir, "sys/fs/cgroup/memory/kubepods/pod1/qemu");
        /* QEMU's own cgroup has no limit; the pod's binds it. */
        assert_true(ref.has_limit);
        assert_string_equal(ref.limit_dir, "sys/fs/cgroup/memory/kubepods/pod1");
        assert_int_equal(cgroup_read(r, &ref, &f), 0);
        assert_int_equal(f.usage_kb, 1240 * MB);
        assert_int_equal(f.limit_kb, 1300 * MB);
        assert_int_equal(f.memsw_limit_kb, 1300 * MB);
        assert_int_equal(f.memsw_usage_kb, 1240 * MB);
        assert_int_equal(f.inactive_file_kb, 40 * MB);
        assert_true(f.have_oom_kills);
        assert_int_equal(f.oom_kills, 1);
        assert_false(f.have_psi);
        /* 1300 - (1240 - 40) */
        assert_int_equal(cgroup_room_kb(&f), 100 * MB);
        sysroot_free(r);
}

static void v1_root_has_no_limit(void **state)
{
        SysRoot *r = open_root(ROOT("v1-pod"));
        CgroupRef ref;
        CgroupFigures f;

        assert_int_equal(cgroup_find(r, 1, &ref), 0);
        assert_string_equal(ref.dir, "sys/fs/cgroup/memory");
        assert_false(ref.has_limit);
        assert_int_equal(cgroup_read(r, &ref, &f), 0);
        assert_int_equal(f.limit_kb, 0);
        assert_int_equal(cgroup_room_kb(&f), UINT64_MAX);
        sysroot_free(r);
}

static void refuses_what_it_cannot_use(void **state)
{
        SysRoot *r = open_root(ROOT("v1-pod"));
        CgroupRef ref;

        /* a path that would leave the hierarchy */
        assert_int_equal(cgroup_find(r, 666, &ref), -EINVAL);
        /* no memory controller */
        assert_int_equal(cgroup_find(r, 7, &ref), -ENOENT);
        /* no such process */
        assert_int_equal(cgroup_find(r, 31337, &ref), -ENOENT);
        assert_int_equal(cgroup_find(r, 0, &ref), -ENOENT);
        sysroot_free(r);
}

static void v2_finds_the_pod_slice(void **state)
{
        SysRoot *r = open_root(ROOT("v2-pod"));
        CgroupRef ref;
        CgroupFigures f;

        assert_int_equal(cgroup_find(r, 777, &ref), 0);
        assert_int_equal(ref.version, CGROUP_V2);
        assert_string_equal(ref.dir, "sys/fs/cgroup/kubepods.slice/kubepods-pod2.slice/cri-qemu.scope");
        assert_string_equal(ref.limit_dir, "sys/fs/cgroup/kubepods.slice/kubepods-pod2.slice");
        assert_int_equal(cgroup_read(r, &ref, &f), 0);
        assert_int_equal(f.usage_kb, 2000 * MB);
        assert_int_equal(f.limit_kb, 2048 * MB);
        assert_int_equal(f.high_kb, 0);
        assert_int_equal(f.inactive_file_kb, 50 * MB);
        assert_int_equal(f.oom_kills, 2);
        assert_true(f.have_psi);
        assert_int_equal(f.psi_some_avg10, 1250);
        assert_int_equal(cgroup_room_kb(&f), 98 * MB);
        sysroot_free(r);
}

static void v2_memory_high_counts_as_the_limit(void **state)
{
        SysRoot *r = open_root(ROOT("v2-pod"));
        CgroupRef ref;
        CgroupFigures f;

        assert_int_equal(cgroup_find(r, 888, &ref), 0);
        assert_string_equal(ref.limit_dir, "sys/fs/cgroup/machine.slice");
        assert_int_equal(cgroup_read(r, &ref, &f), 0);
        assert_int_equal(f.limit_kb, 0);
        assert_int_equal(f.high_kb, 1024 * MB);
        /* 1024 - (900 - 20) */
        assert_int_equal(cgroup_room_kb(&f), 144 * MB);
        sysroot_free(r);
}

static void parses_proc_cgroup(void **state)
{
        CgroupVersion v;
        char path[64];
        const char *hybrid = "12:hugetlb:/\n4:memory:/a/b\n0::/x\n";
        const char *v2 = "0::/machine.slice/vm.scope\n";
        const char *v2_then_v1 = "0::/x\n5:cpu,memory:/y\n";

        assert_int_equal(cgroup_parse_proc(hybrid, strlen(hybrid), &v, path, sizeof(path)), 0);
        assert_int_equal(v, CGROUP_V1);
        assert_string_equal(path, "/a/b");
        assert_int_equal(cgroup_parse_proc(v2, strlen(v2), &v, path, sizeof(path)), 0);
        assert_int_equal(v, CGROUP_V2);
        assert_string_equal(path, "/machine.slice/vm.scope");
        assert_int_equal(cgroup_parse_proc(v2_then_v1, strlen(v2_then_v1), &v, path, sizeof(path)), 0);
        assert_int_equal(v, CGROUP_V1);
        assert_string_equal(path, "/y");
        /* "memoryx" is not "memory"; no line naming it, no v2 line */
        assert_int_equal(cgroup_parse_proc("3:memoryx:/a\n", 13, &v, path, sizeof(path)), -ENOENT);
        assert_int_equal(cgroup_parse_proc("4:memory:relative\n", 18, &v, path, sizeof(path)), -EINVAL);
        assert_int_equal(cgroup_parse_proc("4:memory:/a/./b\n", 16, &v, path, sizeof(path)), -EINVAL);
        assert_int_equal(cgroup_parse_proc("4:memory:/a/..\n", 15, &v, path, sizeof(path)), -EINVAL);
        assert_int_equal(cgroup_parse_proc("4:memory:/a\x01\n", 13, &v, path, sizeof(path)), -EINVAL);
        assert_int_equal(cgroup_parse_proc("garbage\n", 8, &v, path, sizeof(path)), -EINVAL);
        /* a path that does not fit is refused, not cut */
        assert_int_equal(cgroup_parse_proc("4:memory:/aaaaaaaa\n", 19, &v, path, 8), -EINVAL);
        /* the length is honoured: no NUL needed, nothing read past it */
        assert_int_equal(cgroup_parse_proc("4:memory:/ab", 11, &v, path, sizeof(path)), 0);
        assert_string_equal(path, "/a");
}

static void parses_values_and_keys(void **state)
{
        uint64_t v;
        const char *events = "low 0\nhigh 3\nmax 31\noom 1\noom_kill 2\noom_group_kill 0\n";

        assert_int_equal(cgroup_parse_bytes("max\n", 4, &v), 0);
        assert_true(v == CGROUP_UNLIMITED);
        assert_int_equal(cgroup_parse_bytes("9223372036854771712\n", 20, &v), 0);
        assert_true(v == CGROUP_UNLIMITED);
        assert_int_equal(cgroup_parse_bytes("1363148800\n", 11, &v), 0);
        assert_int_equal(v, 1363148800);
        assert_int_equal(cgroup_parse_bytes("", 0, &v), -EINVAL);
        assert_int_equal(cgroup_parse_bytes("12x\n", 4, &v), -EINVAL);
        assert_int_equal(cgroup_parse_bytes("-1\n", 3, &v), -EINVAL);
        assert_int_equal(cgroup_parse_bytes("99999999999999999999\n", 21, &v), -ERANGE);
        /* whole words: "oom" is not "oom_kill", "oom_kill" not "oom_group_kill" */
        assert_int_equal(cgroup_parse_key(events, strlen(events), "oom_kill", &v), 0);
        assert_int_equal(v, 2);
        assert_int_equal(cgroup_parse_key(events, strlen(events), "oom", &v), 0);
        assert_int_equal(v, 1);
        assert_int_equal(cgroup_parse_key(events, strlen(events), "kill", &v), -ENOENT);
        assert_int_equal(cgroup_parse_key("oom_kill x\n", 11, "oom_kill", &v), -EINVAL);
        assert_int_equal(cgroup_parse_key("oom_kill 1 2\n", 13, "oom_kill", &v), -EINVAL);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(v1_finds_the_pod_limit_above_qemu),
                cmocka_unit_test(v1_root_has_no_limit),
                cmocka_unit_test(refuses_what_it_cannot_use),
                cmocka_unit_test(v2_finds_the_pod_slice),
                cmocka_unit_test(v2_memory_high_counts_as_the_limit),
                cmocka_unit_test(parses_proc_cgroup),
                cmocka_unit_test(parses_values_and_keys),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
