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


static void oomguard_line(const OomReport *r, Explanation *x)
{
        bool balloon = explain_has_cause(x, CAUSE_BALLOON), frag = explain_has_cause(x, CAUSE_FRAGMENTATION);

        if (r->kind == OOM_KIND_MEMCG)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "A cgroup limit, not the machine: oomguard would have steered the kernel's choice inside the "
                         "cgroup with [protect]/[prefer] (oom_score_adj); the fix is the limit (memory.max) or a "
                         "lower memory.high.");
        else if (balloon)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "oomguard would have reached act while headroom above min was still %" PRIu64
                         " MiB and asked the host to deflate the balloon, then dropped clean cache and steered "
                         "oom_score_adj if the host refused.",
                         (uint64_t)64);
        else if (frag)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "oomguard would have compacted when order-%d blocks ran out while order-0 memory was still "
                         "there.",
                         r->order);
        else
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "oomguard would have reached act as headroom above min fell toward 0, dropped clean page cache "
                         "when it was a large share and not the working set, and steered oom_score_adj so the "
                         "process matched by [prefer] dies first.");
}

void explain(const OomReport *r, Explanation *x)
{
        memset(x, 0, sizeof(*x));
        x->kernel = r->kernel_known ? r->kernel : explain_infer_kernel(r);
        x->page_kb = explain_page_kb(r);
        if (r->has_gfp) {
                gfp_decode(r->gfp_mask, x->kernel, &x->gfp);
                if (r->gfp_names[0]) {
                        snprintf(x->gfp_text, sizeof(x->gfp_text), "%s", r->gfp_names);
                        x->gfp_text_from_kernel = true;
                } else
                        gfp_format(r->gfp_mask, x->kernel, x->gfp_text, sizeof(x->gfp_text));
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
        oomguard_line(r, x);
}

