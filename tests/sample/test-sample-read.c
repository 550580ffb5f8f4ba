/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reader: fixture roots end to end, missing and broken files, and no
 * heap allocation once the first sample has been taken. */
#include "helpers.h"
#include "alloc-count.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sample-read.h"
#include "sysroot.h"

static void steady_state_does_not_allocate(void **state)
{
        SysRoot *r = NULL;
        Sample *s = calloc(1, sizeof(*s));
        unsigned long before;

        assert_int_equal(sysroot_open(FIXTURE_ROOT("host-6.18-firecracker"), &r), 0);
        assert_int_equal(sample_read_static(r, s, NULL), 0);
        assert_int_equal(sample_read(r, s, SAMPLE_PAGETYPEINFO, NULL), 0);     /* opens the hot files */
        before = alloc_count();
        for (int i = 0; i < 100; i++)
                assert_int_equal(sample_read(r, s, SAMPLE_PAGETYPEINFO, NULL), 0);
        assert_int_equal(alloc_count(), before);
        /* and the wrap does see allocations: opening a root makes some */
        sysroot_free(r);
        assert_int_equal(sysroot_open(FIXTURE_ROOT("host-6.18-firecracker"), &r), 0);
        assert_true(alloc_count() > before);
        sysroot_free(r);
        free(s);
}

static void every_fixture_root(void **state)
{
        static const char *const roots[] = {
                "host-6.18-firecracker", "rhel7-3.10-numa-fragmentation", "linode-4.4-dma32-below-min",
                "debian9-4.9-balloon-doo", "format-5.4-balloon-384", "tcg-6.1-balloon-384", "tcg-6.1-balloon-doo",
        };

        for (size_t i = 0; i < sizeof(roots) / sizeof(roots[0]); i++) {
                char path[512];
                Sample *s;

                snprintf(path, sizeof(path), "%s/roots/%s", FIXTURES_DIR, roots[i]);
                s = fixture_sample(path);
                assert_true(s->kernel_known);
                assert_true(s->n_nodes >= 1);
                assert_true(s->meminfo.mem_total_kb > 0);
                free(s);
        }
}

/* A scratch tree: writes FILE under DIR with TEXT. */
static void put(const char *dir, const char *file, const char *text)
{
        char path[512], cmd[600];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", dir, file);
        snprintf(cmd, sizeof(cmd), "mkdir -p \"$(dirname '%s')\"", path);
        assert_int_equal(system(cmd), 0);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static const char zoneinfo_ok[] = "Node 0, zone Normal\n  pages free 10\n min 1\n low 2\n high 3\n spanned 100\n"
                                  " present 100\n managed 90\n protection: (0, 0)\n";

static int read_tree(const char *dir, Sample *s, SampleError *e)
{
        SysRoot *r = NULL;
        int ret;

        assert_int_equal(sysroot_open(dir, &r), 0);
        ret = sample_read_static(r, s, e);
        if (ret == 0)
                ret = sample_read(r, s, SAMPLE_PAGETYPEINFO, e);
        sysroot_free(r);
        return ret;
}

static void missing_and_broken_files(void **state)
{
        char dir[] = "/tmp/oomguard-test-XXXXXX", msg[256];
        Sample *s = calloc(1, sizeof(*s));
        SampleError e;

        assert_non_null(mkdtemp(dir));
        put(dir, "proc/meminfo", "MemTotal: 1000 kB\nMemFree: 40 kB\n");
        put(dir, "proc/vmstat", "nr_free_pages 10\n");

        /* zoneinfo is required */
        assert_int_equal(read_tree(dir, s, &e), -ENOENT);
        sample_error_format(&e, msg, sizeof(msg));
        assert_string_equal(msg, "proc/zoneinfo: No such file or directory");

        /* optional files absent: features off, no error */
        put(dir, "proc/zoneinfo", zoneinfo_ok);
        assert_int_equal(read_tree(dir, s, &e), 0);
        assert_false(s->psi.present);
        assert_false(s->kernel_known);
        assert_int_equal(s->kernel, KV_DEFAULT);
        assert_false(s->balloon.device_present);
        assert_false(s->nodes[0].zones[0].has_buddy);

        /* a broken optional file is an error all the same, named with its line */
        put(dir, "proc/pressure/memory", "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\nfull avg10=x\n");
        assert_int_equal(read_tree(dir, s, &e), -EINVAL);
        sample_error_format(&e, msg, sizeof(msg));
        assert_string_equal(msg, "proc/pressure/memory:2: full: malformed avg10/avg60/avg300/total");
        unlink(strcat(strcpy(msg, dir), "/proc/pressure/memory"));

        put(dir, "proc/buddyinfo", "Node 0, zone Normal 1 2 x\n");
        assert_int_equal(read_tree(dir, s, &e), -EINVAL);
        sample_error_format(&e, msg, sizeof(msg));
        assert_string_equal(msg, "proc/buddyinfo:1: Normal: free block count not a number");
        put(dir, "proc/buddyinfo", "Node 0, zone Normal 1 2 3\n");

        /* the balloon, found among other virtio devices */
        put(dir, "sys/bus/virtio/devices/virtio0/device", "0x0001\n");
        put(dir, "sys/bus/virtio/devices/virtio0/features", "1111111\n");
        put(dir, "sys/bus/virtio/devices/virtio3/device", "0x0005\n");
        put(dir, "sys/bus/virtio/devices/virtio3/features", "0110010\n");
        put(dir, "proc/sys/kernel/osrelease", "5.15.0-91-generic\n");
        assert_int_equal(read_tree(dir, s, &e), 0);
        assert_true(s->balloon.device_present);
        assert_true(s->balloon.deflate_on_oom);
        assert_true(s->balloon.stats_vq);
        assert_true(s->balloon.page_reporting);
        assert_false(s->balloon.free_page_hint);
        assert_int_equal(s->kernel, KV(5, 15, 0));

        /* lowmem_reserve_ratio is read only when asked for: a read makes
         * the kernel recompute the reserves */
        put(dir, "proc/sys/vm/lowmem_reserve_ratio", "256\tabc\n");
        assert_int_equal(read_tree(dir, s, &e), 0);
        assert_int_equal(s->sysctl.n_lowmem_reserve_ratio, 0);
        {
                SysRoot *r = NULL;

                assert_int_equal(sysroot_open(dir, &r), 0);
                assert_int_equal(sample_read(r, s, SAMPLE_LOWMEM_RESERVE_RATIO, &e), -EINVAL);
                put(dir, "proc/sys/vm/lowmem_reserve_ratio", "256\t256\t32\t0\t0\n");
                assert_int_equal(sample_read(r, s, SAMPLE_LOWMEM_RESERVE_RATIO, &e), 0);
                assert_int_equal(s->sysctl.n_lowmem_reserve_ratio, 5);
                sysroot_free(r);
        }

        snprintf(msg, sizeof(msg), "rm -rf '%s'", dir);
        assert_int_equal(system(msg), 0);
        free(s);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(steady_state_does_not_allocate),
                cmocka_unit_test(every_fixture_root),
                cmocka_unit_test(missing_and_broken_files),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
