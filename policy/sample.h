/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One snapshot of the kernel's memory counters, as raw as the kernel printed
 * them: pages where the kernel counts pages, kB where it prints kB (the field
 * names say which). Filled by the parsers in guard/, read by the model.
 * Data only: no pointers, so a Sample can be copied and compared. */

#include <stdbool.h>
#include <stdint.h>

#include "kernel-version.h"

#define OG_MAX_NODES 64         /* CONFIG_NODES_SHIFT=6 on distro x86_64 kernels */
#define OG_MAX_ZONES 8          /* MAX_NR_ZONES is 5 or 6 in every config */
#define OG_MAX_ORDERS 16        /* NR_PAGE_ORDERS: 11 on x86_64, 14 on arm64/64K */
#define OG_ZONE_NAME_MAX 16

/* include/linux/mmzone.h: enum zone_type, in the kernel's order. */
typedef enum ZoneKind {
        ZONE_KIND_DMA,
        ZONE_KIND_DMA32,
        ZONE_KIND_NORMAL,
        ZONE_KIND_HIGHMEM,
        ZONE_KIND_MOVABLE,
        ZONE_KIND_DEVICE,
        _ZONE_KIND_MAX,
        _ZONE_KIND_INVALID = -1,
} ZoneKind;

/* Free-list types as /proc/pagetypeinfo names them (3.10 and 4.4+ sets). */
typedef enum MigrateType {
        MT_UNMOVABLE,
        MT_MOVABLE,
        MT_RECLAIMABLE,
        MT_HIGHATOMIC,          /* 4.4+ */
        MT_RESERVE,             /* <= 4.3 */
        MT_CMA,
        MT_ISOLATE,
        _MT_MAX,
        _MT_INVALID = -1,
} MigrateType;

typedef struct ZoneSample {
        char name[OG_ZONE_NAME_MAX];
        ZoneKind kind;
        int index;                      /* position in enum zone_type of this kernel */

        /* /proc/zoneinfo, pages */
        uint64_t free_pages;
        uint64_t boost_pages;           /* printed 5.16+; included in min/low/high from 5.0 */
        uint64_t min_pages, low_pages, high_pages, promo_pages;
        uint64_t spanned_pages, present_pages, managed_pages;
        uint64_t cma_pages;             /* CMA area size, printed 5.11+ */
        uint64_t nr_free_cma;           /* zone counter */
        uint64_t nr_unaccepted;         /* zone counter, CONFIG_UNACCEPTED_MEMORY */
        uint64_t protection[OG_MAX_ZONES];      /* lowmem_reserve[], pages */
        unsigned n_protection;
        bool has_boost, has_promo, has_protection;

        /* /proc/buddyinfo: free blocks per order */
        bool has_buddy;
        unsigned n_orders;
        uint64_t nr_free[OG_MAX_ORDERS];

        /* /proc/pagetypeinfo: free blocks per migratetype and order (the
         * kernel caps each count at 100000 from 5.4) and pageblocks per type */
        bool has_pagetype;
        uint32_t nr_free_mt[_MT_MAX][OG_MAX_ORDERS];
        uint64_t blocks_mt[_MT_MAX];

        /* Which free lists are non-empty, per order (bit per MigrateType):
         * from pagetypeinfo, or the "(UMEH)" letters of an OOM report. */
        bool has_order_types;
        uint8_t order_types[OG_MAX_ORDERS];

        /* The highatomic reserve (pages): its size (nr_reserved_highatomic)
         * and the free pages inside it. From pagetypeinfo block counts, or
         * printed in OOM reports (5.10+, 6.18). */
        bool has_reserved_highatomic, has_free_highatomic;
        uint64_t reserved_highatomic_pages, free_highatomic_pages;
} ZoneSample;

typedef struct NodeSample {
        int id;
        unsigned n_zones;
        ZoneSample zones[OG_MAX_ZONES];
} NodeSample;

typedef struct MeminfoSample {
        uint64_t mem_total_kb, mem_free_kb, mem_available_kb;
        uint64_t buffers_kb, cached_kb, swap_cached_kb;
        uint64_t active_anon_kb, inactive_anon_kb, active_file_kb, inactive_file_kb;
        uint64_t unevictable_kb, mlocked_kb;
        uint64_t swap_total_kb, swap_free_kb;
        uint64_t dirty_kb, writeback_kb, anon_pages_kb, mapped_kb, shmem_kb;
        uint64_t slab_kb, sreclaimable_kb, sunreclaim_kb;
        uint64_t kernel_stack_kb, page_tables_kb;
        uint64_t committed_as_kb, anon_huge_pages_kb;
        uint64_t hugepages_total, hugepages_free, hugepagesize_kb;
        uint64_t balloon_kb;            /* "Balloon:", 6.18+ */
        bool has_mem_available;         /* 3.14+ */
        bool has_balloon;
} MeminfoSample;

typedef struct VmstatSample {
        uint64_t nr_free_pages;
        uint64_t balloon_inflate, balloon_deflate, balloon_migrate;
        uint64_t nr_balloon_pages;      /* 6.18+ */
        uint64_t compact_stall, compact_fail, compact_success;
        uint64_t compact_migrate_scanned, compact_free_scanned;
        uint64_t thp_fault_alloc, thp_fault_fallback, thp_collapse_alloc;
        uint64_t workingset_refault_anon, workingset_refault_file;     /* old kernels: all in _file */
        uint64_t workingset_activate_anon, workingset_activate_file;
        uint64_t pgscan_kswapd, pgscan_direct, pgsteal_kswapd, pgsteal_direct;
        uint64_t allocstall;            /* sum of allocstall_* on 4.10+ */
        uint64_t pgmajfault, pswpin, pswpout;
        uint64_t oom_kill;              /* 4.13+ */
        uint64_t drop_pagecache, drop_slab;
        bool has_balloon_events;        /* CONFIG_MEMORY_BALLOON, 4.4+ */
        bool has_nr_balloon_pages;
        bool has_oom_kill;
} VmstatSample;

/* avg figures in hundredths of a percent: "avg10=1.23" is 123. */
typedef struct PsiLine {
        uint32_t avg10, avg60, avg300;
        uint64_t total_us;
} PsiLine;

typedef struct PsiSample {
        bool present;                   /* /proc/pressure/memory readable */
        bool has_full;
        PsiLine some, full;
} PsiSample;

typedef struct VmSysctl {
        uint64_t min_free_kbytes;
        uint64_t watermark_scale_factor;        /* 4.6+ */
        uint64_t watermark_boost_factor;        /* 5.0+ */
        uint64_t lowmem_reserve_ratio[OG_MAX_ZONES];
        unsigned n_lowmem_reserve_ratio;
        bool has_min_free_kbytes, has_scale_factor, has_boost_factor;
} VmSysctl;

/* The virtio balloon as the guest sees it. */
typedef struct BalloonSample {
        bool device_present;            /* a virtio device with id 5 */
        bool deflate_on_oom;            /* feature bit 2 negotiated */
        bool stats_vq, free_page_hint, page_reporting;
        bool features_unreadable;       /* a balloon whose features file is missing or garbage */
} BalloonSample;

typedef struct Sample {
        KernelVersion kernel;
        bool kernel_known;
        unsigned page_size_kb;          /* 4 unless the caller knows better */

        MeminfoSample meminfo;
        VmstatSample vmstat;
        PsiSample psi;
        VmSysctl sysctl;
        BalloonSample balloon;

        /* This kernel's enum zone_type, as zone_layout_resolve() found it. */
        unsigned n_zone_layout;
        ZoneKind zone_layout[OG_MAX_ZONES];

        unsigned n_nodes;
        NodeSample nodes[OG_MAX_NODES];
        /* nodes online in /sys/devices/system/node (bit per node id) */
        uint64_t nodes_online_mask;
        bool has_nodes_online;

        /* Pages per pageblock, from pagetypeinfo; 0 if unknown. */
        uint64_t pageblock_pages;
} Sample;

const char *zone_kind_name(ZoneKind k);
ZoneKind zone_kind_from_name(const char *name);
const char *migrate_type_name(MigrateType t);
MigrateType migrate_type_from_name(const char *name, unsigned len);

/* Finds a node by its kernel id; NULL if the sample has none. */
const NodeSample *sample_node(const Sample *s, int node_id);

/* Guest RAM the balloon is counted against, in kB. Without DEFLATE_ON_OOM the
 * kernel takes ballooned pages out of MemTotal (adjust_managed_page_count()),
 * with it they stay in MemTotal and look used; this undoes the difference. */
uint64_t sample_balloon_pages(const Sample *s);
uint64_t sample_guest_ram_kb(const Sample *s);
