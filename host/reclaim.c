/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>
#include <string.h>

#include "hostlog.h"
#include "reclaim.h"

#define KB_PER_MB UINT64_C(1024)

void reclaim_domain_init(RelayDomain *d)
{
        arbiter_domain_init(&d->arb, &d->grant.policy);
}

void reclaim_note_report(RelayDomain *d, const SessionReport *rep, uint64_t now_usec)
{
        ArbiterReport r = {
                .level = rep->level,
                .spare_kb = rep->spare_kb,
                .cache_kb = rep->cache_kb,
                .balloon_kb = rep->balloon_kb,
                .mem_total_kb = rep->mem_total_kb,
                .mem_available_kb = rep->mem_available_kb,
        };

        uint64_t actual, maximum;

        if (rep->level_only) {
                arbiter_note_level(&d->arb, rep->level, now_usec);
                return;
        }
        /* The guest's figures are judged against the hypervisor's of the
         * same moment: the balloon may have moved since the last read. */
        if (d->relay->backend->get_memory(d->handle, &actual, &maximum) >= 0)
                reclaim_observe(d, actual, maximum, now_usec);
        arbiter_note_report(&d->arb, &r, now_usec);
}

void reclaim_note_request(RelayDomain *d, uint64_t now_usec)
{
        if (arbiter_note_request(&d->arb, now_usec))
                hostlog(d->relay->log_flags, LOG_WARNING, d->name,
                        "request %" PRIu64 " s after a reclaim step: counted as caused by it (%" PRIu64
                        " so far); no reclaim of this domain for a while",
                        (now_usec - d->arb.last_step_usec) / 1000000, d->arb.caused_requests);
}

void reclaim_observe(RelayDomain *d, uint64_t actual_kb, uint64_t maximum_kb, uint64_t now_usec)
{
        if (arbiter_observe(&d->arb, actual_kb, maximum_kb, now_usec))
                hostlog(d->relay->log_flags, LOG_NOTICE, d->name,
                        "balloon moved to %" PRIu64 " MiB by something other than oomguard-host: adopted as "
                        "the entitlement, not undone (said once per move)",
                        actual_kb / KB_PER_MB);
}

void reclaim_before_round(RelayDomain *d, uint64_t now_usec)
{
        reclaim_observe(d, d->grant.actual_kb, d->grant.maximum_kb, now_usec);
        d->grant.trusted = arbiter_trusted(&d->arb, now_usec);
}

void reclaim_granted(RelayDomain *d, uint64_t target_kb)
{
        arbiter_note_target(&d->arb, target_kb);
}

static void apply_step(Relay *r, RelayDomain *d, const ReclaimStep *st)
{
        const ArbiterDomain *a = &d->arb;
        int k = r->backend->set_target(d->handle, st->target_kb);

        if (k < 0) {
                hostlog(r->log_flags, LOG_ERR, d->name, "cannot set the balloon to %" PRIu64 " kB: %s", st->target_kb,
                        strerror(-k));
                arbiter_step_failed(&d->arb);
                return;
        }
        d->grant.target_kb = st->target_kb;
        if (st->kind == RECLAIM_STOP)
                hostlog(r->log_flags, LOG_NOTICE, d->name, "guest left normal: reclaim stopped at %" PRIu64 " MiB",
                        st->target_kb / KB_PER_MB);
        else
                hostlog(r->log_flags, LOG_INFO, d->name,
                        "reclaim (%s): balloon %" PRIu64 " -> %" PRIu64 " MiB; entitlement %" PRIu64
                        " MiB, spare %" PRIu64 " MiB, clean cache %" PRIu64 " MiB",
                        reclaim_kind_name(st->kind), st->from_kb / KB_PER_MB, st->target_kb / KB_PER_MB,
                        a->entitlement_kb / KB_PER_MB, a->spare_kb / KB_PER_MB, a->cache_kb / KB_PER_MB);
}

void relay_reclaim(Relay *r, uint64_t host_available_kb, uint64_t now_usec)
{
        ArbiterDomain *doms[HOST_POLICY_MAX_DOMAINS];
        RelayDomain *seen[HOST_POLICY_MAX_DOMAINS];
        ReclaimStep steps[HOST_POLICY_MAX_DOMAINS];
        size_t n = 0, n_steps;

        for (unsigned i = 0; i < r->n_domains; i++) {
                RelayDomain *d = r->domains[i];
                uint64_t actual, maximum;

                /* A domain whose balloon cannot be read is left alone. */
                if (r->backend->get_memory(d->handle, &actual, &maximum) < 0)
                        continue;
                d->grant.actual_kb = d->stats.actual_kb = actual;
                d->grant.maximum_kb = d->stats.maximum_kb = maximum;
                reclaim_observe(d, actual, maximum, now_usec);
                seen[n] = d;
                doms[n++] = &d->arb;
        }
        n_steps = arbiter_decide(r->policy, doms, n, host_available_kb, now_usec, steps);
        for (size_t i = 0; i < n_steps; i++)
                apply_step(r, seen[steps[i].index], &steps[i]);
}
