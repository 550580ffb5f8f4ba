/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "kernel-parse.h"
#include "parse-keyed.h"

#define M(key, field, flags) { key, sizeof(key) - 1, offsetof(MeminfoSample, field), -1, flags }
#define MH(key, field, has) { key, sizeof(key) - 1, offsetof(MeminfoSample, field), offsetof(MeminfoSample, has), 0 }

/* fs/proc/meminfo.c: meminfo_proc_show() */
/* Sorted by key: find_field() bisects. */
static const KeyField meminfo_fields[] = {
        M("Active(anon)", active_anon_kb, 0),
        M("Active(file)", active_file_kb, 0),
        M("AnonHugePages", anon_huge_pages_kb, 0),
        M("AnonPages", anon_pages_kb, 0),
        MH("Balloon", balloon_kb, has_balloon),
        M("Buffers", buffers_kb, 0),
        M("Cached", cached_kb, 0),
        M("Committed_AS", committed_as_kb, 0),
        M("Dirty", dirty_kb, 0),
        M("HugePages_Free", hugepages_free, 0),
        M("HugePages_Total", hugepages_total, 0),
        M("Hugepagesize", hugepagesize_kb, 0),
        M("Inactive(anon)", inactive_anon_kb, 0),
        M("Inactive(file)", inactive_file_kb, 0),
        M("KernelStack", kernel_stack_kb, 0),
        M("Mapped", mapped_kb, 0),
        MH("MemAvailable", mem_available_kb, has_mem_available),
        M("MemFree", mem_free_kb, KEY_REQUIRED),
        M("MemTotal", mem_total_kb, KEY_REQUIRED),
        M("Mlocked", mlocked_kb, 0),
        M("PageTables", page_tables_kb, 0),
        M("SReclaimable", sreclaimable_kb, 0),
        M("SUnreclaim", sunreclaim_kb, 0),
        M("Shmem", shmem_kb, 0),
        M("Slab", slab_kb, 0),
        M("SwapCached", swap_cached_kb, 0),
        M("SwapFree", swap_free_kb, 0),
        M("SwapTotal", swap_total_kb, 0),
        M("Unevictable", unevictable_kb, 0),
        M("Writeback", writeback_kb, 0),
};

const KeyedFormat meminfo_format = {
        .name = "meminfo",
        .colon = true,
        .kb_suffix = true,
        .fields = meminfo_fields,
        .n_fields = sizeof(meminfo_fields) / sizeof(meminfo_fields[0]),
};

int parse_meminfo(const char *buf, size_t len, MeminfoSample *m, ParseError *err)
{
        int r;

        memset(m, 0, sizeof(*m));
        r = parse_keyed(&meminfo_format, buf, len, m, err);
        if (r < 0)
                return r;
        /* Invariants systemd-oomd also checks: a file that breaks them was
         * torn or is not meminfo. */
        if (m->mem_free_kb > m->mem_total_kb) {
                parse_error_set(err, 0, "MemFree", 7, "larger than MemTotal");
                return -EINVAL;
        }
        if (m->has_mem_available && m->mem_available_kb > m->mem_total_kb) {
                parse_error_set(err, 0, "MemAvailable", 12, "larger than MemTotal");
                return -EINVAL;
        }
        if (m->swap_free_kb > m->swap_total_kb) {
                parse_error_set(err, 0, "SwapFree", 8, "larger than SwapTotal");
                return -EINVAL;
        }
        return 0;
}
