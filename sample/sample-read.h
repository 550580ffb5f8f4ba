/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Glue between the root and the parsers: which files make a Sample, which
 * are required, and what a missing optional file means. */

#include <stddef.h>

#include "parse-util.h"
#include "sample.h"
#include "sysroot.h"

typedef struct SampleError {
        const char *path;       /* relative to the root */
        int error;              /* negative errno */
        ParseError parse;       /* when the file was read but not understood */
} SampleError;

enum {
        /* /proc/pagetypeinfo walks every free list under the zone lock and
         * is root-only (5.4+): read it only when asked. */
        SAMPLE_PAGETYPEINFO = 1u << 0,
        /* Reading /proc/sys/vm/lowmem_reserve_ratio is not free of effects:
         * lowmem_reserve_ratio_sysctl_handler() calls
         * setup_per_zone_lowmem_reserve() on reads too (seen on 6.1: a
         * ballooned guest's DMA protection went from 947 to 574 pages after
         * a plain cat). The model reads protection: from zoneinfo and never
         * needs the ratio, so an observer leaves it alone unless asked. */
        SAMPLE_LOWMEM_RESERVE_RATIO = 1u << 1,
};

/* What does not change while the guest runs, read at start-up: the kernel
 * release, the balloon device's negotiated features, the online nodes, the
 * page size. Missing files mark features absent. Returns 0 or -errno. */
int sample_read_static(SysRoot *r, Sample *s, SampleError *err);

/* The memory counters: meminfo, vmstat and zoneinfo are required, the rest
 * optional (flags add the files that cost more or change the kernel). On error the sample is partly written and must be discarded
 * (the caller keeps its previous one). */
int sample_read(SysRoot *r, Sample *s, unsigned flags, SampleError *err);

/* "proc/zoneinfo:12: min: not a number" or "proc/meminfo: Permission denied" */
void sample_error_format(const SampleError *e, char *buf, size_t size);
