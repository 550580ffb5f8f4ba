/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "kernel-parse.h"
#include "parse-keyed.h"

#define V(key, field, flags) { key, sizeof(key) - 1, offsetof(VmstatSample, field), -1, flags }
#define VH(key, field, has) { key, sizeof(key) - 1, offsetof(VmstatSample, field), offsetof(VmstatSample, has), 0 }

/* mm/vmstat.c: vmstat_text[]. Names changed across versions; the ones that
 * split (allocstall, workingset_refault) add into one field. */
/* Sorted by key: find_field() bisects. */
static const KeyField vmstat_fields[] = {
        V("allocstall", allocstall, KEY_SUM),   /* <= 4.9 */
        V("allocstall_device", allocstall, KEY_SUM),
        V("allocstall_dma", allocstall, KEY_SUM),
        V("allocstall_dma32", allocstall, KEY_SUM),
        V("allocstall_high", allocstall, KEY_SUM),
        V("allocstall_movable", allocstall, KEY_SUM),
        V("allocstall_normal", allocstall, KEY_SUM),
        VH("balloon_deflate", balloon_deflate, has_balloon_events),
        VH("balloon_inflate", balloon_inflate, has_balloon_events),
        VH("balloon_migrate", balloon_migrate, has_balloon_events),
        V("compact_fail", compact_fail, 0),
        V("compact_free_scanned", compact_free_scanned, 0),
        V("compact_migrate_scanned", compact_migrate_scanned, 0),
        V("compact_stall", compact_stall, 0),
        V("compact_success", compact_success, 0),
        V("drop_pagecache", drop_pagecache, 0),
        V("drop_slab", drop_slab, 0),
        VH("nr_balloon_pages", nr_balloon_pages, has_nr_balloon_pages),
        V("nr_free_pages", nr_free_pages, KEY_REQUIRED),
        VH("oom_kill", oom_kill, has_oom_kill),
        V("pgmajfault", pgmajfault, 0),
        V("pgscan_direct", pgscan_direct, 0),
        V("pgscan_kswapd", pgscan_kswapd, 0),
        V("pgsteal_direct", pgsteal_direct, 0),
        V("pgsteal_kswapd", pgsteal_kswapd, 0),
        V("pswpin", pswpin, 0),
        V("pswpout", pswpout, 0),
        V("thp_collapse_alloc", thp_collapse_alloc, 0),
        V("thp_fault_alloc", thp_fault_alloc, 0),
        V("thp_fault_fallback", thp_fault_fallback, 0),
        V("workingset_activate", workingset_activate_file, KEY_SUM),
        V("workingset_activate_anon", workingset_activate_anon, 0),
        V("workingset_activate_file", workingset_activate_file, KEY_SUM),
        V("workingset_refault", workingset_refault_file, KEY_SUM),      /* <= 5.8 */
        V("workingset_refault_anon", workingset_refault_anon, 0),
        V("workingset_refault_file", workingset_refault_file, KEY_SUM),
};

const KeyedFormat vmstat_format = {
        .name = "vmstat",
        .fields = vmstat_fields,
        .n_fields = sizeof(vmstat_fields) / sizeof(vmstat_fields[0]),
};

int parse_vmstat(const char *buf, size_t len, VmstatSample *v, ParseError *err)
{
        memset(v, 0, sizeof(*v));
        return parse_keyed(&vmstat_format, buf, len, v, err);
}
