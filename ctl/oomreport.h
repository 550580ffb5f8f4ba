/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One kernel OOM report (or page allocation failure) as printed, field by
 * field: mm/oom_kill.c dump_header(), mm/show_mem.c / page_alloc.c
 * show_free_areas(), dump_tasks(), oom_kill_process(), memcontrol.c.
 * Data only: oomreport-parse.c fills it, explain.c reads it.
 * Units as the kernel printed them; the names say which. */

#include <stdbool.h>
#include <stdint.h>

#include "kernel-version.h"
#include "sample.h"

#define OOM_MAX_ZONES 32
#define OOM_MAX_TOP_TASKS 5
#define OOM_NAME_MAX 64
#define OOM_PATH_MAX 192
#define OOM_MAX_THREADS 16

typedef struct OomZone {
        int node;                       /* -1 when the report prints no "Node N" */
        char name[OG_ZONE_NAME_MAX];
        bool has_line;                  /* the "NAME free:..." line */
        uint64_t free_kb, boost_kb, min_kb, low_kb, high_kb, present_kb, managed_kb;
        uint64_t reserved_highatomic_kb, free_highatomic_kb, free_cma_kb;
        bool has_boost, has_reserved_highatomic, has_free_highatomic;
        bool has_managed;                       /* printed from 3.8 */
        bool has_present;                       /* a line cut short may print neither */
        unsigned n_reserve;
        uint64_t reserve_pages[OG_MAX_ZONES];   /* lowmem_reserve[] */
        bool has_buddy;
        unsigned n_orders;
        uint64_t buddy[OG_MAX_ORDERS];  /* free blocks per order */
        uint8_t types[OG_MAX_ORDERS];   /* the "(UME)" letters, bit per MigrateType */
        uint64_t buddy_total_kb;
} OomZone;

typedef struct OomTask {
        int pid;
        uint64_t rss_pages, swapents;
        int oom_score_adj;
        char name[OOM_NAME_MAX];
} OomTask;

typedef enum OomKind {
        OOM_KIND_GLOBAL,
        OOM_KIND_MEMCG,
        OOM_KIND_PAGE_ALLOC_FAILURE,
} OomKind;

/* Global Mem-Info counters, pages. */
typedef struct OomMemInfo {
        uint64_t active_anon, inactive_anon, isolated_anon, active_file, inactive_file, isolated_file;
        uint64_t unevictable, dirty, writeback, slab_reclaimable, slab_unreclaimable, mapped, shmem;
        uint64_t pagetables, bounce, free, free_pcp, free_cma;
        uint64_t lru_active, lru_inactive, slab;        /* <= 2.6.27: not split */
        bool present;
} OomMemInfo;

typedef struct OomReport {
        OomKind kind;
        unsigned first_line, last_line;         /* in the input, 1-based */

        /* header */
        bool has_header;
        char stamp[40];                         /* the header line's "[ 123.456]" time, when printed */
        char comm[OOM_NAME_MAX];
        int trigger_pid, trigger_cpu;           /* "CPU: 1 PID: 24790 Comm: ..." of dump_stack() */
        bool has_trigger_pid;
        bool has_gfp;
        uint32_t gfp_mask;
        char gfp_masked[24];                    /* "0x240****": digits hidden by whoever pasted it */
        char gfp_names[256];                    /* the kernel's own decoding, when printed */
        int order;                              /* -1 for a SysRq OOM */
        bool has_order;
        int oom_score_adj;                      /* or oom_adj/oomkilladj: adj_key says which */
        bool has_oom_score_adj;
        char adj_key[16];                       /* "oom_score_adj", "oom_adj" (2.6.29-2.6.35), "oomkilladj" */
        char nodemask[64];

        /* the kernel */
        char release[64];
        KernelVersion kernel;
        bool kernel_known;                      /* from the report, or --kernel */
        bool kernel_inferred;                   /* guessed from the format */

        bool trace_balloon;                     /* virtballoon_* in the call trace */
        bool hypervisor;                        /* "Hardware name:" names a virtual machine */
        bool trace_memcg, trace_pagefault;
        bool trace_warn_alloc;                  /* warn_alloc() (warn_alloc_failed() before 4.9) in the trace */
        bool trace_vmalloc;                     /* __vmalloc_node_range() and its callers in the trace */
        bool mpol_bind;                         /* "No available memory (MPOL_BIND): Kill process" (2.6.32-2.6.35) */
        char cpuset[OOM_PATH_MAX], mems_allowed[64];

        /* oom-kill: summary (5.0+) */
        char constraint[40];
        char oom_memcg[OOM_PATH_MAX], task_memcg[OOM_PATH_MAX];

        OomMemInfo mem;
        uint64_t node_kernel_stack_kb, node_pagetables_kb, node_shmem_kb, node_anon_thp_kb, node_balloon_kb;
        uint64_t zone_kernel_stack_kb, zone_pagetables_kb;      /* the same, printed per zone on older kernels */
        bool all_unreclaimable;
        bool has_balloon_field;

        unsigned n_zones;
        OomZone zones[OOM_MAX_ZONES];

        uint64_t hugepages_kb, hugepages_free_kb;       /* total x size over every size */
        uint64_t pagecache_pages, swapcache_pages;
        bool has_swap_lines;
        uint64_t free_swap_kb, total_swap_kb;
        uint64_t pages_ram, pages_highmem, pages_reserved, pages_cma_reserved;
        bool has_pages_ram;

        /* task table */
        unsigned n_tasks;
        uint64_t tasks_rss_pages;
        OomTask top[OOM_MAX_TOP_TASKS];         /* largest rss first */
        unsigned n_threads;                     /* task rows whose pid is not their tgid */
        struct {
                int pid, tgid;
                char name[OOM_NAME_MAX];
        } threads[OOM_MAX_THREADS];

        /* memcg */
        int memcg_version;                      /* 1 or 2 from what mem_cgroup_print_oom_meminfo() printed; 0 unknown */
        char memcg_limit_of[OOM_PATH_MAX];
        bool has_memcg_usage;
        uint64_t memcg_usage_kb, memcg_limit_kb, memcg_failcnt;
        bool has_memsw;
        uint64_t memsw_usage_kb, memsw_limit_kb;
        bool has_swap_usage;
        uint64_t swap_usage_kb, swap_limit_kb;
        uint64_t memcg_anon_kb, memcg_file_kb, memcg_shmem_kb, memcg_slab_kb;   /* from the stats */
        bool has_memcg_stats;

        /* the kill */
        int chosen_pid;
        char chosen_comm[OOM_NAME_MAX];
        bool has_chosen;                        /* "Kill process ... or sacrifice child" (<= 5.2) */
        int killed_pid;
        char killed_comm[OOM_NAME_MAX];
        bool has_killed;
        uint64_t killed_total_vm_kb, killed_anon_rss_kb, killed_file_rss_kb, killed_shmem_rss_kb;
        bool reaped;
        uint64_t reaped_anon_rss_kb;

        char slab_top_name[OOM_NAME_MAX];       /* "Unreclaimable slab info:" */
        uint64_t slab_top_kb;

        unsigned lines_used, lines_skipped;     /* lines understood, and not */
} OomReport;
