/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "explain.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain-internal.h"

static const char *const cause_names[_CAUSE_MAX] = {
        [CAUSE_BELOW_MIN_WATERMARK] = "below_min_watermark",
        [CAUSE_FRAGMENTATION] = "fragmentation",
        [CAUSE_LOWMEM_RESERVE] = "lowmem_reserve",
        [CAUSE_HIGHATOMIC_RESERVE] = "highatomic_reserve",
        [CAUSE_MEMCG_LIMIT] = "memcg_limit",
        [CAUSE_CPUSET] = "cpuset",
        [CAUSE_MEMPOLICY] = "mempolicy",
        [CAUSE_NO_USABLE_ZONE] = "no_usable_zone",
        [CAUSE_LOWMEM_EXHAUSTED] = "lowmem_exhausted",
        [CAUSE_BALLOON] = "balloon",
        [CAUSE_SWAP_EXHAUSTED] = "swap_exhausted",
        [CAUSE_NO_SWAP] = "no_swap",
        [CAUSE_UNRECLAIMABLE_SLAB] = "unreclaimable_slab",
        [CAUSE_SHMEM] = "shmem",
        [CAUSE_HUGEPAGES] = "hugepages",
        [CAUSE_SACRIFICE_CHILD] = "sacrifice_child",
        [CAUSE_PAGEFAULT] = "pagefault",
        [CAUSE_HIDDEN_MEMORY] = "memory_outside_allocator",
        [CAUSE_UNACCOUNTED_MEMORY] = "memory_in_no_counter",
        [CAUSE_VM_KILLED_BY_HOST] = "vm_killed_by_host",
};

const char *cause_name(CauseCode c)
{
        return c >= 0 && c < _CAUSE_MAX ? cause_names[c] : "?";
}

void explain_add_cause(Explanation *x, CauseCode code, const char *fmt, ...)
{
        va_list ap;

        for (unsigned i = 0; i < x->n_causes; i++)
                if (x->causes[i].code == code)
                        return;
        if (x->n_causes >= _CAUSE_MAX)
                return;
        x->causes[x->n_causes].code = code;
        va_start(ap, fmt);
        vsnprintf(x->causes[x->n_causes].text, sizeof(x->causes[0].text), fmt, ap);
        va_end(ap);
        x->n_causes++;
}

bool explain_has_cause(const Explanation *x, CauseCode code)
{
        for (unsigned i = 0; i < x->n_causes; i++)
                if (x->causes[i].code == code)
                        return true;
        return false;
}

KernelVersion explain_infer_kernel(const OomReport *r)
{
        KernelVersion kv = KV(3, 10, 0);
        bool node_line = r->node_kernel_stack_kb || r->node_pagetables_kb || r->node_shmem_kb || r->all_unreclaimable;

#define AT_LEAST(v)              \
        do {                     \
                if (kv < (v))    \
                        kv = (v); \
        } while (0)
        if (r->gfp_names[0])
                AT_LEAST(KV(4, 6, 0));
        /* the names and the digits together fix the bit layout's era */
        if (r->gfp_names[0] && r->has_gfp && gfp_era_of(r->gfp_mask, r->gfp_names))
                AT_LEAST(gfp_era_of(r->gfp_mask, r->gfp_names));
        if (node_line)
                AT_LEAST(KV(4, 8, 0));
        if (r->constraint[0])
                AT_LEAST(KV(5, 0, 0));
        for (unsigned i = 0; i < r->n_zones; i++) {
                if (r->zones[i].has_reserved_highatomic)
                        AT_LEAST(KV(5, 10, 0));
                if (r->zones[i].has_boost)
                        AT_LEAST(KV(5, 16, 0));
                if (r->zones[i].has_free_highatomic)
                        AT_LEAST(KV(6, 18, 0));
        }
        for (unsigned i = 0; i < r->n_zones; i++)
                for (unsigned k = 0; k < r->zones[i].n_orders; k++)
                        if (r->zones[i].types[k] & (1u << MT_HIGHATOMIC))
                                AT_LEAST(KV(4, 4, 0));
#undef AT_LEAST
        /* zone lines without managed: before 3.8 */
        if (kv == KV(3, 10, 0))
                for (unsigned i = 0; i < r->n_zones; i++)
                        if (r->zones[i].has_line && !r->zones[i].has_managed)
                                kv = KV(2, 6, 32);
        return kv;
}


static unsigned alloc_flags_from_gfp(const GfpInfo *g, KernelVersion kv, unsigned order)
{
        unsigned flags = 0;

        if (g->movable)
                flags |= OG_ALLOC_CMA;
        if (g->high)
                flags |= OG_ALLOC_HIGH;
        if (g->atomic || (kv >= KV(6, 3, 0) && !g->can_reclaim))
                flags |= OG_ALLOC_HARDER;
        if (kv >= KV(6, 3, 0) && order > 0 && g->high && !g->can_reclaim)
                flags |= OG_ALLOC_HIGHATOMIC;
        return flags;
}


void explain_add_note(Explanation *x, const char *fmt, ...)
{
        va_list ap;

        if (x->n_notes >= EXPLAIN_MAX_NOTES)
                return;
        va_start(ap, fmt);
        vsnprintf(x->notes[x->n_notes], sizeof(x->notes[0]), fmt, ap);
        va_end(ap);
        x->n_notes++;
}

/* What the report shows that people misread. */
static void notes(const OomReport *r, Explanation *x)
{
        /* oom_kill_process() <= 5.2 names the task it chose, which can be a
         * thread; dump_tasks() lists each process by a thread with its tgid */
        for (unsigned i = 0; r->has_chosen && i < r->n_threads; i++)
                if (r->threads[i].pid == r->chosen_pid) {
                        x->chosen_tgid = r->threads[i].tgid;
                        snprintf(x->chosen_process, sizeof(x->chosen_process), "%s", r->threads[i].name);
                        explain_add_note(x, "pid %d (%s) is a thread of process %d: the task list shows tgid %d; "
                                            "killing it kills the whole process",
                                         r->chosen_pid, r->chosen_comm, r->threads[i].tgid, r->threads[i].tgid);
                }
        /* vmalloc() asks with __GFP_HIGHMEM on every architecture
         * (__vmalloc_node_range(), alloc_fdtable(), dup_fd()); a kernel
         * without ZONE_HIGHMEM (64-bit) serves it from Normal and below */
        if (r->trace_vmalloc && x->gfp.highest_zone == ZONE_KIND_HIGHMEM &&
            x->effective_highest_zone != ZONE_KIND_HIGHMEM)
                explain_add_note(x, "__GFP_HIGHMEM here comes from vmalloc (in the call trace): routine, and on a "
                                    "64-bit kernel it means zone %s and below, not a HighMem request",
                                 zone_kind_name(x->effective_highest_zone));
        if (r->has_header && r->kind != OOM_KIND_MEMCG && !r->n_zones)
                explain_add_note(x, "the report shows no zones (%s): which zone failed, and by how much, is not "
                                    "known from it",
                                 x->kernel < KV(3, 5, 0) ? "this kernel's show_mem() may print none, or the text "
                                                           "was cut" :
                                                           "the text was cut");
}

void explain(const OomReport *r, Explanation *x)
{
        memset(x, 0, sizeof(*x));
        x->kernel = r->kernel_known ? r->kernel : explain_infer_kernel(r);
        x->page_kb = explain_page_kb(r);
        if (r->has_gfp) {
                gfp_decode(r->gfp_mask, x->kernel, &x->gfp);
                x->gfp_known = true;
                if (r->gfp_names[0]) {
                        snprintf(x->gfp_text, sizeof(x->gfp_text), "%s", r->gfp_names);
                        x->gfp_text_from_kernel = true;
                } else
                        gfp_format(r->gfp_mask, x->kernel, x->gfp_text, sizeof(x->gfp_text));
        } else if (r->gfp_names[0] && gfp_from_names(r->gfp_names, x->kernel, &(uint32_t){ 0 }) == 0) {
                /* the digits were hidden, the kernel's names were not */
                uint32_t mask;

                (void)gfp_from_names(r->gfp_names, x->kernel, &mask);
                gfp_decode(mask, x->kernel, &x->gfp);
                x->gfp_known = true;
                snprintf(x->gfp_text, sizeof(x->gfp_text), "%s", r->gfp_names);
                x->gfp_text_from_kernel = true;
        } else
                x->gfp.highest_zone = ZONE_KIND_NORMAL;
        x->alloc_flags = alloc_flags_from_gfp(&x->gfp, x->kernel, r->has_order && r->order > 0 ? (unsigned)r->order : 0);
        explain_breakdown(r, x);
        explain_zone_verdicts(r, x);
        /* Zones explain a failure only if no zone the request may use would
         * have served it; otherwise the allocator was not what failed. */
        if (r->kind != OOM_KIND_MEMCG) {
                bool admitted_before = x->any_admits;

                explain_zone_causes(r, x, x);
                x->any_admits = false;
                for (unsigned i = 0; i < x->n_verdicts; i++)
                        x->any_admits |= x->verdicts[i].usable && x->verdicts[i].v.ok;
                if (x->any_admits) {
                        x->n_causes = 0;
                        if (r->trace_pagefault || r->kind == OOM_KIND_GLOBAL)
                                explain_add_cause(x, CAUSE_PAGEFAULT,
                                          "zones had room for this request (%s); %s",
                                          admitted_before ? "it passes min" : "see the zone table",
                                          r->trace_pagefault ?
                                                  "the OOM came from pagefault_out_of_memory(): a fault handler "
                                                  "returned VM_FAULT_OOM, the page allocator did not fail" :
                                                  "the report was taken after memory was freed, or on a path the "
                                                  "report does not show");
                }
        }
        explain_other_causes(r, x);
        notes(r, x);
        explain_oomguard(r, x);
}

