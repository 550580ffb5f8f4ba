/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What a kernel OOM report means, in the kernel's terms: the request, each
 * zone's watermark verdict under the same model the guard uses, where the
 * memory went, and the causes as stable codes with the figures behind them.
 * Pure: reads an OomReport, writes an Explanation. */

#include <stdbool.h>
#include <stdint.h>

#include "gfp.h"
#include "oomreport.h"
#include "watermark.h"

typedef enum CauseCode {
        CAUSE_BELOW_MIN_WATERMARK,
        CAUSE_FRAGMENTATION,
        CAUSE_LOWMEM_RESERVE,
        CAUSE_HIGHATOMIC_RESERVE,
        CAUSE_MEMCG_LIMIT,
        CAUSE_CPUSET,
        CAUSE_MEMPOLICY,
        CAUSE_NO_USABLE_ZONE,
        CAUSE_LOWMEM_EXHAUSTED,
        CAUSE_BALLOON,
        CAUSE_SWAP_EXHAUSTED,
        CAUSE_NO_SWAP,
        CAUSE_UNRECLAIMABLE_SLAB,
        CAUSE_SHMEM,
        CAUSE_HUGEPAGES,
        CAUSE_SACRIFICE_CHILD,
        CAUSE_PAGEFAULT,                /* VM_FAULT_OOM from a fault handler, not the allocator */
        CAUSE_HIDDEN_MEMORY,            /* present - managed is large: what holds it is a hypothesis */
        CAUSE_UNACCOUNTED_MEMORY,       /* RAM in no counter: what holds it is a hypothesis */
        CAUSE_VM_KILLED_BY_HOST,        /* QEMU killed by the host's memory cgroup */
        _CAUSE_MAX,
} CauseCode;

const char *cause_name(CauseCode c);

typedef struct ZoneVerdict {
        unsigned zone;                  /* index into OomReport.zones */
        bool usable;                    /* the request may use it */
        const char *why_not;            /* when not usable */
        WatermarkVerdict v;             /* at min, as the slow path checks */
        int64_t margin_kb;              /* free - (min + reserve), after the era's subtractions */
        uint64_t reserve_kb;
        int largest_free_order;
        bool passes_without_reserve, passes_with_highatomic;
        bool only_unusable_lists;       /* its free blocks are all on lists the request may not take */
        /* before 4.4, the order-N check that failed (failed_order + 1): free
         * pages left after the blocks of lower orders are taken away, and
         * the mark halved once per order (__zone_watermark_ok()) */
        int64_t era_left_kb, era_mark_kb;
} ZoneVerdict;

#define EXPLAIN_MAX_NOTES 6

typedef struct Cause {
        CauseCode code;
        char text[480];
} Cause;

typedef struct Explanation {
        KernelVersion kernel;
        unsigned page_kb;
        GfpInfo gfp;
        bool gfp_known;                 /* from the mask, or from the kernel's names when its digits were hidden */
        char gfp_text[256];
        bool gfp_text_from_kernel;
        int highest_zone_index;
        ZoneKind effective_highest_zone;        /* on this kernel's layout (no HighMem on 64-bit) */
        unsigned alloc_flags;

        unsigned n_verdicts;
        ZoneVerdict verdicts[OOM_MAX_ZONES];
        bool any_usable, any_admits;

        /* where the memory went, kB (global reports) */
        bool has_breakdown;
        uint64_t ram_kb, free_kb, anon_kb, file_kb, shmem_kb, slab_reclaimable_kb, slab_unreclaimable_kb;
        uint64_t pagetables_kb, kernel_stack_kb, hugepages_kb, hidden_kb;
        uint64_t lru_unsplit_kb, slab_unsplit_kb;       /* kernels before 2.6.28 */
        int64_t unaccounted_kb;

        unsigned n_causes;
        Cause causes[_CAUSE_MAX];
        unsigned n_notes;               /* facts that explain a puzzling part of the report */
        char notes[EXPLAIN_MAX_NOTES][240];
        int chosen_tgid;                /* the process a chosen thread belongs to; 0 unknown */
        char chosen_process[OOM_NAME_MAX];
        char oomguard[800];             /* what oomguard's policy would have done, and when */
} Explanation;

/* Best guess of the release from the report's format, for reports without
 * a version line (the lines mm/oom_kill.c and mm/page_alloc.c print in each
 * release): the newest lower bound the format shows. */
KernelVersion explain_infer_kernel(const OomReport *r);

void explain(const OomReport *r, Explanation *x);
bool explain_has_cause(const Explanation *x, CauseCode code);
