/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
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
        if (rep->level_only) {
                arbiter_note_level(&d->arb, rep->level, now_usec);
                return;
        }
        /* Judged at the next read of the balloon (take_report()), against
         * the hypervisor's figures of that moment, not the last ones: the
         * balloon may have moved since. */
        d->report = (ArbiterReport){
                .level = rep->level,
                .spare_kb = rep->spare_kb,
                .cache_kb = rep->cache_kb,
                .balloon_kb = rep->balloon_kb,
                .mem_total_kb = rep->mem_total_kb,
                .mem_available_kb = rep->mem_available_kb,
        };
        d->report_usec = now_usec;
        d->have_report = true;
}

/* After a read of the balloon: the report that waited for it. */
static void take_report(RelayDomain *d)
{
        if (!d->have_report)
                return;
        d->have_report = false;
        arbiter_note_report(&d->arb, &d->report, d->report_usec);
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
        take_report(d);
        d->grant.trusted = arbiter_trusted(&d->arb, now_usec);
}

void reclaim_granted(RelayDomain *d, uint64_t target_kb)
{
        arbiter_note_target(&d->arb, target_kb);
}

int reclaim_move(Relay *r, RelayDomain *d, uint64_t target_kb)
{
        uint64_t previous_kb = d->grant.target_kb;

        if (d->pending.active)
                return -EBUSY;
        d->grant.target_kb = target_kb;
        d->pending = (StatePending){ .active = true,
                                     .target_kb = target_kb,
                                     .previous_target_kb = previous_kb,
                                     .before_kb = d->grant.actual_kb };
        if (relay_state_save(r, d) < 0) {
                d->pending = (StatePending){ 0 };
                d->grant.target_kb = previous_kb;
                return -EIO;
        }
        relay_send_pending(r, d);
        return 0;
}

static void apply_step(Relay *r, RelayDomain *d, const ReclaimStep *st)
{
        const ArbiterDomain *a = &d->arb;

        if (reclaim_move(r, d, st->target_kb) < 0) {
                arbiter_step_failed(&d->arb);
                return;
        }
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

                /* A domain with a balloon command out waits for it (one
                 * command per domain); one whose balloon cannot be read is
                 * left alone. */
                if (d->pending.active || !relay_refresh(r, d))
                        continue;
                reclaim_observe(d, d->grant.actual_kb, d->grant.maximum_kb, now_usec);
                take_report(d);
                seen[n] = d;
                doms[n++] = &d->arb;
        }
        n_steps = arbiter_decide(r->policy, doms, n, host_available_kb, now_usec, steps);
        for (size_t i = 0; i < n_steps; i++)
                apply_step(r, seen[steps[i].index], &steps[i]);
}
