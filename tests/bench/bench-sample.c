/* SPDX-License-Identifier: GPL-2.0-or-later */
/* How long one sample costs: parse the kernel files (from memory, and from a
 * fixture root through pread) and build the model.
 *   bench-sample [--iterations N] [--runs R] [--only VARIANT] FIXTURE_ROOT
 * Prints the median per iteration of each run and the median of the runs.
 * Timing lives here, never in unit tests: this machine is noisy. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kernel-parse.h"
#include "model.h"
#include "sample-read.h"
#include "sysroot.h"

typedef struct Buffers {
        char *meminfo, *vmstat, *psi, *zoneinfo, *buddyinfo, *pagetypeinfo;
        size_t n_meminfo, n_vmstat, n_psi, n_zoneinfo, n_buddyinfo, n_pagetypeinfo;
} Buffers;

static char *slurp(const char *root, const char *rel, size_t *n)
{
        char path[1024];
        char *b;
        FILE *f;
        long len;

        snprintf(path, sizeof(path), "%s/%s", root, rel);
        f = fopen(path, "rb");
        if (!f) {
                *n = 0;
                return NULL;
        }
        fseek(f, 0, SEEK_END);
        len = ftell(f);
        fseek(f, 0, SEEK_SET);
        b = malloc((size_t)len + 1);
        if (!b || fread(b, 1, (size_t)len, f) != (size_t)len) {
                fprintf(stderr, "cannot read %s\n", path);
                exit(1);
        }
        fclose(f);
        *n = (size_t)len;
        return b;
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_u64(const void *a, const void *b)
{
        uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

        return x < y ? -1 : x > y;
}

static void check(int r, const char *what)
{
        if (r < 0) {
                fprintf(stderr, "bench: %s failed: %s\n", what, strerror(-r));
                exit(1);
        }
}

static void from_memory(const Buffers *b, Sample *s, Model *m, bool pagetype)
{
        check(parse_meminfo(b->meminfo, b->n_meminfo, &s->meminfo, NULL), "meminfo");
        check(parse_vmstat(b->vmstat, b->n_vmstat, &s->vmstat, NULL), "vmstat");
        if (b->psi)
                check(parse_psi(b->psi, b->n_psi, &s->psi, NULL), "psi");
        check(parse_zoneinfo(b->zoneinfo, b->n_zoneinfo, s, NULL), "zoneinfo");
        check(parse_buddyinfo(b->buddyinfo, b->n_buddyinfo, s, NULL), "buddyinfo");
        if (pagetype && b->pagetypeinfo)
                check(parse_pagetypeinfo(b->pagetypeinfo, b->n_pagetypeinfo, s, NULL), "pagetypeinfo");
        check(model_build(s, m), "model");
}

enum { V_MEMORY, V_MEMORY_PAGETYPE, V_ROOT, _V_MAX };
static const char *const variant_names[_V_MAX] = {
        "parse+model, buffers in memory",
        "parse+model with pagetypeinfo, buffers in memory",
        "read (pread) + parse + model from the fixture root",
};

int main(int argc, char **argv)
{
        static const struct option options[] = {
                { "iterations", required_argument, NULL, 'i' },
                { "runs", required_argument, NULL, 'r' },
                { "only", required_argument, NULL, 'o' },
                {},
        };
        unsigned iterations = 20000, runs = 5;
        int only = -1, c;
        const char *root;
        Buffers b = { 0 };
        Sample *s = calloc(1, sizeof(*s));
        Model *m = calloc(1, sizeof(*m));
        SysRoot *sr = NULL;
        uint64_t *t, *medians;

        while ((c = getopt_long(argc, argv, "i:r:o:", options, NULL)) >= 0) {
                if (c == 'i')
                        iterations = (unsigned)strtoul(optarg, NULL, 10);
                else if (c == 'r')
                        runs = (unsigned)strtoul(optarg, NULL, 10);
                else if (c == 'o')
                        only = atoi(optarg);
                else
                        return 2;
        }
        if (optind != argc - 1 || iterations == 0 || runs == 0 || !s || !m) {
                fprintf(stderr, "usage: bench-sample [--iterations N] [--runs R] [--only 0|1|2] FIXTURE_ROOT\n");
                return 2;
        }
        root = argv[optind];
        b.meminfo = slurp(root, "proc/meminfo", &b.n_meminfo);
        b.vmstat = slurp(root, "proc/vmstat", &b.n_vmstat);
        b.psi = slurp(root, "proc/pressure/memory", &b.n_psi);
        b.zoneinfo = slurp(root, "proc/zoneinfo", &b.n_zoneinfo);
        b.buddyinfo = slurp(root, "proc/buddyinfo", &b.n_buddyinfo);
        b.pagetypeinfo = slurp(root, "proc/pagetypeinfo", &b.n_pagetypeinfo);
        if (!b.meminfo || !b.vmstat || !b.zoneinfo || !b.buddyinfo) {
                fprintf(stderr, "bench: %s lacks meminfo, vmstat, zoneinfo or buddyinfo\n", root);
                return 1;
        }
        check(sysroot_open(root, &sr), "sysroot_open");
        s->page_size_kb = 4;
        check(sample_read_static(sr, s, NULL), "sample_read_static");

        t = calloc(iterations, sizeof(*t));
        medians = calloc(runs, sizeof(*medians));
        for (int v = 0; v < _V_MAX; v++) {
                if (only >= 0 && v != only)
                        continue;
                for (unsigned r = 0; r < runs; r++) {
                        for (unsigned i = 0; i < iterations; i++) {
                                uint64_t t0 = now_ns();

                                if (v == V_ROOT) {
                                        check(sample_read(sr, s, 0, NULL), "sample_read");
                                        check(model_build(s, m), "model");
                                } else
                                        from_memory(&b, s, m, v == V_MEMORY_PAGETYPE);
                                t[i] = now_ns() - t0;
                        }
                        qsort(t, iterations, sizeof(*t), cmp_u64);
                        medians[r] = t[iterations / 2];
                }
                qsort(medians, runs, sizeof(*medians), cmp_u64);
                printf("%-52s median %6.2f us (runs %u x %u, run medians %.2f..%.2f us)\n", variant_names[v],
                       (double)medians[runs / 2] / 1000.0, runs, iterations, (double)medians[0] / 1000.0,
                       (double)medians[runs - 1] / 1000.0);
        }
        printf("zones: %u in %u node(s); kernel %u.%u\n", m->n_zones, s->n_nodes, KV_MAJOR(s->kernel), KV_MINOR(s->kernel));
        sysroot_free(sr);
        free(t);
        free(medians);
        free(s);
        free(m);
        return 0;
}
