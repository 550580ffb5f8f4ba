/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Grants and releases. The rules come from guest-agent/PROTOCOL.md §2.7
 * and the host policies of oVirt MoM (doc/balloon.rules) and Proxmox
 * (PVE/AutoBalloon.pm): the host sizes
 * from its own figures, clamps to the domain's maximum and to its own
 * floor, moves by a bounded step at a bounded rate, and serves the more
 * important guests first when it cannot serve everyone. */
#include "grant.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define KB_PER_MB UINT64_C(1024)

/* The host answers every refusal wire.h names but the agent's own. */
_Static_assert((int)_REFUSAL_MAX == (int)WIRE_REFUSED_NO_HOST, "a refusal the host decides is missing from wire.h");

const char *refusal_name(Refusal r)
{
        return r >= 0 && r < _REFUSAL_MAX ? wire_refusal_name((uint32_t)r) : "other";
}

/* guest-agent/PROTOCOL.md §2.7: 5 events a second, burst 10. */
#define FLOOD_PER_S 5
#define FLOOD_BURST 10

void grant_domain_init(GrantDomain *d, const DomainPolicy *policy, uint64_t now_usec)
{
        *d = (GrantDomain){ .policy = *policy };
        token_bucket_init(&d->bucket, FLOOD_PER_S, FLOOD_BURST, now_usec);
}

const GrantAnswer *grant_lookup(const GrantDomain *d, uint64_t id)
{
        for (unsigned i = 0; i < d->n_answers; i++)
                if (d->answers[i].id == id)
                        return &d->answers[i];
        return NULL;
}

static void remember(GrantDomain *d, const GrantAnswer *a)
{
        d->answers[d->next_answer] = *a;
        d->next_answer = (d->next_answer + 1) % GRANT_REMEMBER;
        if (d->n_answers < GRANT_REMEMBER)
                d->n_answers++;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static bool elapsed_less(uint64_t since_usec, uint64_t now_usec, uint64_t interval_s)
{
        /* A clock that went back counts as "no time has passed". */
        return now_usec < since_usec || now_usec - since_usec < interval_s * USEC_PER_SEC;
}

/* What a grant adds to: the balloon's actual size, or the last target
 * while the balloon may still be moving toward it. A target older than
 * GRANT_TARGET_FRESH_S, or more than a step above actual, was undone by
 * someone else (virsh setmem, a reboot, the guest refusing to deflate):
 * building on it would move the balloon by more than a step. */
#define GRANT_TARGET_FRESH_S 30

static uint64_t base_of(const GrantDomain *d, uint64_t now_usec)
{
        /* an urgent grant may have moved it by more than a step */
        uint64_t step_kb = d->policy.step_mb * KB_PER_MB > d->last_grant_kb ? d->policy.step_mb * KB_PER_MB
                                                                            : d->last_grant_kb;

        if (d->target_kb <= d->actual_kb || !d->have_grant ||
            !elapsed_less(d->last_grant_usec, now_usec, GRANT_TARGET_FRESH_S))
                return d->actual_kb;
        return min_u64(d->target_kb, d->actual_kb + step_kb);
}

/* Below this, a budget that cannot cover the ask is refused rather than
 * dribbled out: a grant of a few MiB moves the balloon for nothing. */
#define GRANT_MIN_KB (16 * KB_PER_MB)

/* The rate budget is kept in kB x ms per rate_ms, so that it refills
 * exactly (step_kb per rate_ms each ms) with no rounding to accumulate.
 * One step counts as at most 2^34 kB (16 TiB, more than any domain) for
 * this arithmetic, so that twice step_kb * rate_ms (rate_s <= 86400)
 * stays below 2^62: the budget runs from minus one step (the debt of a
 * critical grant) to one step. */
#define STEP_KB_MAX (UINT64_C(1) << 34)

static uint64_t step_kb_of(const GrantDomain *d)
{
        return min_u64(d->policy.step_mb * KB_PER_MB, STEP_KB_MAX);
}

static uint64_t budget_kb(const GrantDomain *d)
{
        if (!d->policy.rate_s)
                return step_kb_of(d);
        return d->budget_kbms > 0 ? (uint64_t)d->budget_kbms / (d->policy.rate_s * 1000) : 0;
}

/* Brings the rate budget up to now: step_kb per rate_s, never above one
 * step. A clock that went back refills nothing. */
static void refill(GrantDomain *d, uint64_t now_usec)
{
        uint64_t step_kb = step_kb_of(d), rate_ms = d->policy.rate_s * 1000, ms;
        int64_t cap = (int64_t)(step_kb * rate_ms);

        if (!d->have_budget) {
                d->budget_kbms = cap;
                d->budget_usec = now_usec;
                d->have_budget = true;
                return;
        }
        if (now_usec <= d->budget_usec) {
                if (d->budget_kbms > cap)
                        d->budget_kbms = cap;   /* a reload may have shrunk the step */
                return;
        }
        ms = (now_usec - d->budget_usec) / 1000;
        if (ms >= 2 * rate_ms) {        /* enough to repay the largest debt and refill */
                d->budget_kbms = cap;
                d->budget_usec = now_usec;
        } else {
                d->budget_kbms += (int64_t)(step_kb * ms);
                if (d->budget_kbms > cap)
                        d->budget_kbms = cap;
                d->budget_usec += ms * 1000;    /* the sub-ms rest counts next time */
        }
}

/* A critical request of a guest whose figures agree with the hypervisor's
 * is not held to the rate: the room (maximum, host floor) bounds it, and
 * the budget bounds what follows. */
static bool urgent(const GrantDomain *d, const GrantRequest *req)
{
        return req->urgency == LEVEL_CRITICAL && d->trusted;
}

static uint64_t ask_kb_of(const GrantRequest *req)
{
        /* Round up to whole kB: a grant must not fall 1 kB short. */
        return req->bytes / 1024 + (req->bytes % 1024 != 0);
}

static Refusal refuse_why(const HostPolicy *hp, const GrantDomain *d, const GrantRequest *req,
                          uint64_t host_available_kb, uint64_t now_usec)
{
        uint64_t base_kb = base_of(d, now_usec);

        /* Rounded up, as the grant is: bytes > maximum_kb * 1024 exactly,
         * so a request a few bytes above the maximum is invalid. */
        if (req->id == 0 || req->bytes == 0 || ask_kb_of(req) > d->maximum_kb || req->urgency < LEVEL_WARN ||
            req->urgency > LEVEL_CRITICAL)
                return REFUSAL_INVALID;
        if (now_usec < d->cooldown_until_usec)
                return REFUSAL_RATE_LIMIT;
        /* Also a step of 0 (this domain is never grown): its budget is 0,
         * and not even a critical request may grow it. */
        if (d->policy.step_mb == 0 ||
            (!urgent(d, req) && budget_kb(d) < min_u64(ask_kb_of(req), GRANT_MIN_KB)))
                return REFUSAL_RATE_LIMIT;
        if (base_kb >= d->maximum_kb)
                return REFUSAL_AT_MAXIMUM;
        if (host_available_kb <= hp->floor_available_mb * KB_PER_MB)
                return REFUSAL_HOST_SHORT;
        /* QEMU's cgroup is a host of its own: what the guest touches after
         * a grant is charged to it, and at its limit the host's OOM killer
         * ends the whole VM (mm/memcontrol.c: mem_cgroup_out_of_memory()). */
        if (d->have_cgroup && d->cgroup_room_kb <= hp->cgroup_margin_mb * KB_PER_MB)
                return REFUSAL_HOST_SHORT;
        /* Right after an inflation for the cgroup, the guest asking back
         * what it could spare would fill the cgroup again and bring the
         * next step: a hold like a cooldown, that a critical guest passes. */
        if (d->have_cgroup && d->have_cgroup_step && req->urgency < LEVEL_CRITICAL &&
            elapsed_less(d->cgroup_step_usec, now_usec, d->policy.cooldown_s))
                return REFUSAL_RATE_LIMIT;
        return REFUSAL_NONE;
}

void grant_decide(const HostPolicy *hp, GrantDomain *d, const GrantRequest *req, uint64_t host_available_kb,
                  uint64_t now_usec, GrantAnswer *ret)
{
        const GrantAnswer *known = grant_lookup(d, req->id);
        uint64_t base_kb, grant_kb;
        Refusal why;

        if (known && req->id != 0) {
                *ret = *known;
                ret->repeated = true;
                return;
        }

        *ret = (GrantAnswer){ .id = req->id };
        refill(d, now_usec);
        why = refuse_why(hp, d, req, host_available_kb, now_usec);
        if (why != REFUSAL_NONE) {
                ret->refusal = why;
                /* A refusal because of the rate keeps the cooldown where it
                 * is: otherwise a guest that asks steadily would never get
                 * out of it. */
                if (why != REFUSAL_RATE_LIMIT)
                        d->cooldown_until_usec = now_usec + d->policy.cooldown_s * USEC_PER_SEC;
        } else {
                base_kb = base_of(d, now_usec);
                grant_kb = urgent(d, req) ? ask_kb_of(req) : min_u64(ask_kb_of(req), budget_kb(d));
                grant_kb = min_u64(grant_kb, d->maximum_kb - base_kb);
                grant_kb = min_u64(grant_kb, host_available_kb - hp->floor_available_mb * KB_PER_MB);
                if (d->have_cgroup) {
                        grant_kb = min_u64(grant_kb, d->cgroup_room_kb - hp->cgroup_margin_mb * KB_PER_MB);
                        d->cgroup_room_kb -= grant_kb;  /* a second request in the round sees less */
                }

                ret->granted = true;
                ret->granted_kb = grant_kb;
                ret->target_kb = base_kb + grant_kb;
                d->target_kb = ret->target_kb;
                d->have_grant = true;
                d->last_grant_usec = now_usec;
                d->last_grant_kb = grant_kb;
                d->budget_kbms -= (int64_t)(min_u64(grant_kb, STEP_KB_MAX) * d->policy.rate_s * 1000);
                if (d->budget_kbms < -(int64_t)(step_kb_of(d) * d->policy.rate_s * 1000))
                        d->budget_kbms = -(int64_t)(step_kb_of(d) * d->policy.rate_s * 1000);
        }
        if (req->id != 0)
                remember(d, ret);
}

void grant_failed(GrantDomain *d, uint64_t id, uint64_t previous_target_kb)
{
        for (unsigned i = 0; i < d->n_answers; i++)
                if (d->answers[i].id == id && d->answers[i].granted) {
                        d->answers[i] = (GrantAnswer){ .id = id, .refusal = REFUSAL_OTHER };
                        d->target_kb = previous_target_kb;
                }
}

typedef struct OrderContext {
        GrantDomain *const *doms;
        const GrantRequest *reqs;
} OrderContext;

/* Fills order[] with 0..n-1 sorted by before(). Insertion sort: at most
 * GRANT_MAX_ROUND entries, and it is stable. */
static void sort_order(size_t *order, size_t n, bool (*before)(const OrderContext *, size_t, size_t),
                       const OrderContext *ctx)
{
        for (size_t i = 0; i < n; i++) {
                size_t j = i;

                while (j > 0 && before(ctx, i, order[j - 1])) {
                        order[j] = order[j - 1];
                        j--;
                }
                order[j] = i;
        }
}

/* A round is served by priority, then urgency, then arrival. */
static bool serve_before(const OrderContext *ctx, size_t a, size_t b)
{
        GrantDomain *const *doms = ctx->doms;
        const GrantRequest *reqs = ctx->reqs;

        if (doms[a]->policy.priority != doms[b]->policy.priority)
                return doms[a]->policy.priority > doms[b]->policy.priority;
        if (reqs[a].urgency != reqs[b].urgency)
                return reqs[a].urgency > reqs[b].urgency;
        return a < b;
}

void grant_decide_round(const HostPolicy *hp, GrantDomain *const *doms, const GrantRequest *reqs, size_t n,
                        uint64_t host_available_kb, uint64_t now_usec, GrantAnswer *answers, size_t *order)
{
        if (n > GRANT_MAX_ROUND)
                n = GRANT_MAX_ROUND;
        sort_order(order, n, serve_before, &(OrderContext){ .doms = doms, .reqs = reqs });
        for (size_t k = 0; k < n; k++) {
                size_t i = order[k];

                grant_decide(hp, doms[i], &reqs[i], host_available_kb, now_usec, &answers[i]);
                if (answers[i].granted && !answers[i].repeated)
                        host_available_kb -= min_u64(answers[i].granted_kb, host_available_kb);
        }
}

/* Released first: the least important, then the one holding the most. */
static bool release_before(const OrderContext *ctx, size_t a, size_t b)
{
        GrantDomain *const *doms = ctx->doms;

        if (doms[a]->policy.priority != doms[b]->policy.priority)
                return doms[a]->policy.priority < doms[b]->policy.priority;
        if (doms[a]->actual_kb != doms[b]->actual_kb)
                return doms[a]->actual_kb > doms[b]->actual_kb;
        return a < b;
}

bool grant_release_due(const HostPolicy *hp, uint64_t host_available_kb)
{
        return hp->release_below_mb != 0 && host_available_kb < hp->release_below_mb * KB_PER_MB;
}

size_t grant_release(const HostPolicy *hp, GrantDomain *const *doms, size_t n, uint64_t host_available_kb,
                     uint64_t now_usec, ReleaseAsk *ret)
{
        uint64_t below_kb = hp->release_below_mb * KB_PER_MB, short_kb;
        size_t order[GRANT_MAX_ROUND], n_asks = 0;

        if (!grant_release_due(hp, host_available_kb))
                return 0;
        short_kb = below_kb - host_available_kb;
        if (n > GRANT_MAX_ROUND)
                n = GRANT_MAX_ROUND;
        sort_order(order, n, release_before, &(OrderContext){ .doms = doms });
        for (size_t k = 0; k < n && short_kb > 0; k++) {
                GrantDomain *d = doms[order[k]];
                uint64_t ask_kb;

                if (d->have_release && elapsed_less(d->last_release_usec, now_usec, hp->release_cooldown_s))
                        continue;
                ask_kb = min_u64(short_kb, d->policy.step_mb * KB_PER_MB);
                if (ask_kb == 0)
                        continue;
                d->have_release = true;
                d->last_release_usec = now_usec;
                ret[n_asks++] = (ReleaseAsk){ .index = order[k], .bytes = ask_kb * 1024 };
                short_kb -= ask_kb;
        }
        return n_asks;
}
