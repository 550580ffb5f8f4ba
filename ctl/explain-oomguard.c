/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What oomguard would have done: the guard's own chain (model_build(),
 * pressure_from(), decide()) with the shipped policy, run on the report's
 * zones, and run again on the same zones with more free memory to find the
 * headroom at which it would first have acted. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decide.h"
#include "explain-internal.h"
#include "model.h"
#include "policy.h"
#include "pressure.h"

typedef struct Step {
        Sample s;
        Model m;
        Pressure in;
        DecideState st;
        Decision d;
} Step;

/* The advice names the files of the cgroup version the report came from. */
static const char *limit_files(const OomReport *r)
{
        if (r->memcg_version == 1)
                return "memory.limit_in_bytes (cgroup v1; memory.memsw.limit_in_bytes with swap)";
        if (r->memcg_version == 2)
                return "memory.max, or a memory.high below it to reclaim first (cgroup v2)";
        return "memory.max on cgroup v2, memory.limit_in_bytes on v1 (the report does not show which)";
}

/* decide() on the report's zones with extra_kb more free in the zone the
 * guard names (the largest that user allocations use). */
static bool decide_with(const OomReport *r, const Explanation *x, const Policy *p, uint64_t extra_kb, Step *t)
{
        const OomMemInfo *mi = &r->mem;

        memset(t, 0, sizeof(*t));
        t->s.kernel = x->kernel;
        explain_to_sample(r, x->page_kb, &t->s);
        t->s.meminfo.active_file_kb = mi->active_file * x->page_kb;
        t->s.meminfo.inactive_file_kb = mi->inactive_file * x->page_kb;
        t->s.meminfo.mem_total_kb = x->ram_kb;
        /* a balloon only on the report's evidence, as in the causes */
        if (r->node_balloon_kb || r->trace_balloon) {
                /* without deflate-on-oom its pages leave managed; with it they
                 * stay and show as memory in no counter */
                uint64_t hidden_or_unaccounted = x->hidden_kb > 65536 ? x->hidden_kb :
                                                 x->unaccounted_kb > 0 ? (uint64_t)x->unaccounted_kb : 0;

                uint64_t kb = r->node_balloon_kb ? r->node_balloon_kb : hidden_or_unaccounted;

                /* as the node counter sample_balloon_pages() reads */
                t->s.vmstat.nr_balloon_pages = kb / x->page_kb;
                t->s.vmstat.has_nr_balloon_pages = kb > 0;
                t->s.balloon.deflate_on_oom = !(x->hidden_kb > 65536);
        }
        if (model_build(&t->s, &t->m) < 0)
                return false;
        pressure_from(&t->s, &t->m, (unsigned)p->order, 0, &t->in);
        if (extra_kb && t->in.has_zone) {
                NodeSample *n = NULL;

                for (unsigned i = 0; i < t->s.n_nodes; i++)
                        if (t->s.nodes[i].id == t->in.zone_node)
                                n = &t->s.nodes[i];
                if (!n || t->in.zone_pos >= n->n_zones)
                        return false;
                n->zones[t->in.zone_pos].free_pages += extra_kb / x->page_kb;
                if (model_build(&t->s, &t->m) < 0)
                        return false;
                pressure_from(&t->s, &t->m, (unsigned)p->order, 0, &t->in);
        }
        decide_state_init(&t->st);
        decide(p, &t->in, &t->st, &t->d);
        return true;
}

static size_t actions_text(char *buf, size_t size, const Decision *d, const Policy *p)
{
        size_t n = 0;

        if (!d->n_actions)
                return (size_t)snprintf(buf, size, "%s",
                                        p->steer_enabled ? "only its oom_score_adj steering ([protect], [prefer]; "
                                                           "kill is off in the shipped policy)" :
                                                           "no action");
        for (unsigned i = 0; i < d->n_actions && n < size; i++)
                n += (size_t)snprintf(buf + n, size - n, "%s%s (%s)", i ? ", " : "", action_name(d->actions[i].kind),
                                      reason_name(d->actions[i].reason));
        return n;
}

static void machine(const OomReport *r, Explanation *x)
{
        Policy p;
        Step *now = malloc(sizeof(*now)), *then = malloc(sizeof(*then));
        uint64_t lo = 0, hi = UINT64_C(1) << 24;        /* kB: 16 GiB more free at most */
        char acts_now[200], acts_then[200];

        policy_init_shipped(&p);
        if (!now || !then || !decide_with(r, x, &p, 0, now)) {
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "not computed: the report's zones are too incomplete for the guard's model");
                free(now);
                free(then);
                return;
        }
        actions_text(acts_now, sizeof(acts_now), &now->d, &p);
        /* the largest extra free memory at which the decision still acts:
         * the headroom where the shipped policy would first have acted */
        if (now->d.level >= LEVEL_ACT) {
                while (hi - lo > x->page_kb) {
                        uint64_t mid = lo + (hi - lo) / 2;

                        if (decide_with(r, x, &p, mid, then) && then->d.level >= LEVEL_ACT)
                                lo = mid;
                        else
                                hi = mid;
                }
                (void)decide_with(r, x, &p, lo, then);
                actions_text(acts_then, sizeof(acts_then), &then->d, &p);
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "the guard's own decision with the shipped policy, run on these zones: %s (headroom above "
                         "min %" PRId64 " kB), %s. It reaches act when headroom above min falls below %" PRIu64
                         " kB, %" PRIu64 " kB of allocations before this point, and then: %s",
                         level_name(now->d.level), now->in.headroom_min_kb, acts_now, p.act_headroom_min_kb, lo,
                         acts_then);
        } else
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "the guard's own decision with the shipped policy, run on these zones: %s (headroom above "
                         "min %" PRId64 " kB, act below %" PRIu64 " kB), %s; this failure is not one the guard's "
                         "headroom sees%s",
                         level_name(now->d.level), now->in.headroom_min_kb, p.act_headroom_min_kb, acts_now,
                         explain_has_cause(x, CAUSE_FRAGMENTATION) ? " (its order check warns on fragmentation)" : "");
        free(now);
        free(then);
}

void explain_oomguard(const OomReport *r, Explanation *x)
{
        bool has_zone = false;

        for (unsigned i = 0; i < r->n_zones; i++)
                has_zone |= r->zones[i].has_line;
        if (explain_has_cause(x, CAUSE_VM_KILLED_BY_HOST))
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "the limit was the host's, not the guest's: the guard inside sees only guest memory. What "
                         "would have prevented it: a limit with room for the guest's RAM plus QEMU's overhead, set in "
                         "%s; or the guest giving its clean cache back to the host (a balloon, free page reporting) "
                         "before QEMU's resident memory reached the limit",
                         limit_files(r));
        else if (r->kind == OOM_KIND_MEMCG)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "a cgroup limit, not the machine: the guard's decision is about the machine's memory. It "
                         "would have steered the kernel's choice inside the cgroup with [protect]/[prefer] "
                         "(oom_score_adj); the fix is the limit: %s",
                         limit_files(r));
        else if (!has_zone)
                snprintf(x->oomguard, sizeof(x->oomguard),
                         "not computed: the report shows no zone watermarks for the guard's model");
        else
                machine(r, x);
}
