/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Taking loans back. The peers reclaim blind (oVirt MoM shrinks every
 * guest by a share of its size per cycle when the host is under a free
 * threshold; Proxmox moves every VM toward a host-wide target by shares):
 * here a guest gives back only what its own guard says it can spare, one
 * step per report so that the next report shows the effect, and the step
 * stops as soon as the guest leaves normal or asks again. */
#include "arbiter.h"

#define USEC_PER_SEC UINT64_C(1000000)
#define KB_PER_MB UINT64_C(1024)
/* A step whose balloon has not arrived after this long is over: the guest
 * could not give more (its balloon driver failed to allocate). */
#define ARBITER_STEP_TIMEOUT_S 30
#define ARBITER_MAX_HOLD_SHIFT 4

static const char *const kind_names[] = {
        [RECLAIM_CONSENT] = "consent",
        [RECLAIM_SHORT] = "host-short",
        [RECLAIM_STOP] = "stop",
};

const char *reclaim_kind_name(ReclaimKind k)
{
        return k >= RECLAIM_CONSENT && k <= RECLAIM_STOP ? kind_names[k] : "?";
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
        return a < b ? a : b;
}

static uint64_t max_u64(uint64_t a, uint64_t b)
{
        return a > b ? a : b;
}

static uint64_t distance(uint64_t a, uint64_t b)
{
        return a > b ? a - b : b - a;
}

/* since + s has passed; a clock that went back counts as "not yet". */
static bool passed(uint64_t since_usec, uint64_t now_usec, uint64_t s)
{
        return now_usec >= since_usec && now_usec - since_usec >= s * USEC_PER_SEC;
}

void arbiter_domain_init(ArbiterDomain *a, const DomainPolicy *policy)
{
        *a = (ArbiterDomain){ .policy = *policy, .level = _LEVEL_INVALID };
        a->entitlement_kb = policy->entitlement_mb * KB_PER_MB;
}

uint64_t arbiter_loan_kb(const ArbiterDomain *a)
{
        return a->actual_kb > a->entitlement_kb ? a->actual_kb - a->entitlement_kb : 0;
}

static void set_target(ArbiterDomain *a, uint64_t target_kb)
{
        a->have_target = true;
        a->target_kb = target_kb;
        a->closest_kb = distance(a->actual_kb, target_kb);
        a->adopting = false;
}

void arbiter_note_target(ArbiterDomain *a, uint64_t target_kb)
{
        set_target(a, target_kb);
        a->reclaiming = false;
}

static void adopt(ArbiterDomain *a, bool *first)
{
        *first = !a->adopting;
        if (*first)
                a->adoptions++;
        a->adopting = true;
        a->entitlement_kb = min_u64(a->actual_kb, a->maximum_kb ? a->maximum_kb : a->actual_kb);
        a->have_target = false;
        a->settled_kb = a->actual_kb;
        a->reclaiming = false;
}

bool arbiter_observe(ArbiterDomain *a, uint64_t actual_kb, uint64_t maximum_kb, uint64_t now_usec)
{
        bool first = false;

        a->actual_kb = actual_kb;
        a->maximum_kb = maximum_kb;
        if (!a->seen) {
                a->seen = true;
                if (a->entitlement_kb == 0)
                        a->entitlement_kb = actual_kb;
                a->settled_kb = actual_kb;
                return false;
        }
        /* Arrived: the step counts from here, so that only a report sent
         * after the balloon took the memory is read as its effect. */
        if (a->reclaiming && (actual_kb <= a->reclaim_target_kb + ARBITER_TOLERANCE_KB ||
                              passed(a->last_step_usec, now_usec, ARBITER_STEP_TIMEOUT_S))) {
                a->reclaiming = false;
                a->last_step_usec = now_usec;
        }
        /* Our target: the balloon walks toward it (or stays, when the guest
         * cannot move it). Walking away from it is another controller's
         * target (virsh setmem, MoM, Proxmox), or the guest deflating on
         * OOM: either way not ours to undo. */
        if (a->have_target) {
                uint64_t d = distance(actual_kb, a->target_kb);

                if (d > a->closest_kb + ARBITER_TOLERANCE_KB)
                        adopt(a, &first);
                else
                        a->closest_kb = min_u64(a->closest_kb, d);
        } else if (a->policy.entitlement_mb &&
                   distance(actual_kb, a->entitlement_kb) < distance(a->settled_kb, a->entitlement_kb)) {
                /* Converging on the entitlement host.ini sets (the domain
                 * still settling at boot): that is the promise, not a
                 * foreign move. */
                a->settled_kb = actual_kb;
        } else if (distance(actual_kb, a->settled_kb) > ARBITER_TOLERANCE_KB)
                adopt(a, &first);
        return first;
}

/* The guest's balloon figure against the hypervisor's: the pages in the
 * balloon are maximum - actual (QEMU's virtio_balloon_stat "actual" is
 * ram_size minus the guest's num_pages). A few MiB drift while it moves. */
static bool figures_agree(const ArbiterDomain *a, const ArbiterReport *r)
{
        uint64_t slack = ARBITER_TOLERANCE_KB + a->maximum_kb / 32;

        if (!a->seen || r->balloon_kb < 0 || a->maximum_kb < a->actual_kb)
                return false;
        if (r->mem_total_kb >= 0 && (uint64_t)r->mem_total_kb > a->maximum_kb)
                return false;
        return distance(a->maximum_kb - a->actual_kb, (uint64_t)r->balloon_kb) <= slack;
}

/* Spare to give, at normal or at a warn level only held up after a burst
 * (the guard reports spare only when its thresholds say normal). */
static bool comfortable(const ArbiterDomain *a)
{
        return a->level >= LEVEL_NORMAL && a->level <= LEVEL_WARN && a->spare_kb >= ARBITER_MIN_STEP_KB;
}

void arbiter_note_report(ArbiterDomain *a, const ArbiterReport *r, uint64_t now_usec)
{
        uint64_t spare = r->spare_kb > 0 ? (uint64_t)r->spare_kb : 0;

        a->have_report = true;
        a->report_usec = now_usec;
        a->level = r->level;
        a->agrees = figures_agree(a, r);
        /* Never more than its own MemAvailable, nor than it has. */
        if (r->mem_available_kb >= 0)
                spare = min_u64(spare, (uint64_t)r->mem_available_kb);
        spare = min_u64(spare, a->actual_kb);
        a->spare_kb = a->agrees ? spare : 0;
        a->cache_kb = r->cache_kb > 0 ? (uint64_t)r->cache_kb : 0;
        if (comfortable(a)) {
                if (!a->have_spare_since)
                        a->spare_since_usec = now_usec;
                a->have_spare_since = true;
        } else
                a->have_spare_since = false;
}

void arbiter_note_level(ArbiterDomain *a, Level level, uint64_t now_usec)
{
        a->have_report = true;  /* agrees and spare stay as the last report left them */
        a->report_usec = now_usec;
        a->level = level;
        if (!comfortable(a))
                a->have_spare_since = false;
}

bool arbiter_note_request(ArbiterDomain *a, uint64_t now_usec)
{
        bool caused = a->have_step && (a->reclaiming || !passed(a->last_step_usec, now_usec, ARBITER_CAUSED_S));

        a->have_request = true;
        a->last_request_usec = now_usec;
        a->reclaiming = false;
        a->have_spare_since = false;
        if (caused) {
                /* The goal is none; if one happens, the next reclaim of this
                 * domain waits twice as long each time. */
                a->caused_requests++;
                a->hold_until_usec = now_usec + (max_u64(a->policy.reclaim_after_s, 1) << a->hold_shift) *
                                                        USEC_PER_SEC;
                if (a->hold_shift < ARBITER_MAX_HOLD_SHIFT)
                        a->hold_shift++;
        }
        return caused;
}

static bool fresh(const ArbiterDomain *a, uint64_t now_usec)
{
        return a->have_report && !passed(a->report_usec, now_usec, ARBITER_REPORT_STALE_S);
}

bool arbiter_trusted(const ArbiterDomain *a, uint64_t now_usec)
{
        return fresh(a, now_usec) && a->agrees;
}

/* A report that came after the last step (and after its balloon
 * arrived): only it shows what the step left. */
static bool report_after_step(const ArbiterDomain *a)
{
        return !a->have_step || a->report_usec > a->last_step_usec;
}

static bool asked_recently(const ArbiterDomain *a, uint64_t now_usec)
{
        return a->have_request && !passed(a->last_request_usec, now_usec, max_u64(a->policy.reclaim_after_s,
                                                                                   ARBITER_CAUSED_S));
}

static bool consents(const ArbiterDomain *a, uint64_t now_usec)
{
        uint64_t after = a->policy.reclaim_after_s;

        return after > 0 && a->seen && fresh(a, now_usec) && a->agrees && comfortable(a) && a->have_spare_since && passed(a->spare_since_usec, now_usec, after) &&
               !(a->have_request && !passed(a->last_request_usec, now_usec, after)) &&
               now_usec >= a->hold_until_usec && !a->reclaiming && report_after_step(a);
}

static void take(ArbiterDomain *a, size_t index, ReclaimKind kind, uint64_t kb, uint64_t now_usec, ReclaimStep *ret)
{
        *ret = (ReclaimStep){ .index = index, .kind = kind, .from_kb = a->actual_kb, .target_kb = a->actual_kb - kb };
        set_target(a, ret->target_kb);
        a->have_step = true;
        a->last_step_usec = now_usec;
        if (kind == RECLAIM_STOP) {
                a->stops++;
                a->reclaiming = false;
                return;
        }
        a->reclaiming = true;
        a->reclaim_target_kb = ret->target_kb;
        a->steps++;
        a->reclaimed_kb += kb;
}

/* How much a short host may take from a domain now; 0: nothing. */
static uint64_t short_take_kb(const ArbiterDomain *a, uint64_t now_usec)
{
        uint64_t minimum_kb = a->policy.minimum_mb ? min_u64(a->policy.minimum_mb * KB_PER_MB, a->entitlement_kb)
                                                   : a->entitlement_kb;
        uint64_t floor_kb;

        if (!a->seen || a->reclaiming || asked_recently(a, now_usec) || now_usec < a->hold_until_usec)
                return 0;
        if (fresh(a, now_usec) && a->level > LEVEL_WARN)
                return 0;       /* in trouble already */
        if (!arbiter_trusted(a, now_usec)) {
                /* Silent, or its figures disagree: its loan only, never
                 * below what the host promised, at a slow pace. */
                if (a->have_step && !passed(a->last_step_usec, now_usec, ARBITER_BLIND_STEP_S))
                        return 0;
                return arbiter_loan_kb(a);
        }
        if (!report_after_step(a) || !comfortable(a))
                return 0;
        floor_kb = max_u64(minimum_kb, a->actual_kb - a->spare_kb);
        return a->actual_kb > floor_kb ? a->actual_kb - floor_kb : 0;
}

/* Taken first when short: the least important, then the largest loan. */
static bool take_before(const ArbiterDomain *x, const ArbiterDomain *y)
{
        if (x->policy.priority != y->policy.priority)
                return x->policy.priority < y->policy.priority;
        return arbiter_loan_kb(x) > arbiter_loan_kb(y);
}

size_t arbiter_decide(const HostPolicy *hp, ArbiterDomain *const *doms, size_t n, uint64_t host_available_kb,
                      uint64_t now_usec, ReclaimStep *ret)
{
        uint64_t short_below_kb = (hp->release_below_mb ? hp->release_below_mb : hp->floor_available_mb) * KB_PER_MB;
        uint64_t short_kb = host_available_kb < short_below_kb ? short_below_kb - host_available_kb : 0;
        size_t order[HOST_POLICY_MAX_DOMAINS];
        bool stepped[HOST_POLICY_MAX_DOMAINS] = { false };
        size_t n_steps = 0;

        if (n > HOST_POLICY_MAX_DOMAINS)
                n = HOST_POLICY_MAX_DOMAINS;
        for (size_t i = 0; i < n; i++) {
                ArbiterDomain *a = doms[i];
                uint64_t kb;

                if (!a->seen)
                        continue;
                /* Mid-step and the guest left normal: the balloon stops
                 * where it is, now, not at the end of the step. */
                if (a->reclaiming && fresh(a, now_usec) && a->report_usec > a->last_step_usec && !comfortable(a)) {
                        take(a, i, RECLAIM_STOP, 0, now_usec, &ret[n_steps++]);
                        stepped[i] = true;
                        continue;
                }
                if (!consents(a, now_usec))
                        continue;
                /* The guest's own word bounds a step with its consent;
                 * the grant step does not (a loan lent at once by the
                 * critical path comes back at once too). */
                kb = min_u64(a->spare_kb, arbiter_loan_kb(a));
                if (kb < ARBITER_MIN_STEP_KB)
                        continue;
                take(a, i, RECLAIM_CONSENT, kb, now_usec, &ret[n_steps++]);
                stepped[i] = true;
                short_kb -= min_u64(short_kb, kb);
        }
        if (short_kb == 0)
                return n_steps;

        for (size_t i = 0; i < n; i++) {
                size_t j = i;

                while (j > 0 && take_before(doms[i], doms[order[j - 1]])) {
                        order[j] = order[j - 1];
                        j--;
                }
                order[j] = i;
        }
        for (size_t k = 0; k < n && short_kb > 0; k++) {
                ArbiterDomain *a = doms[order[k]];
                uint64_t kb;

                if (stepped[order[k]])
                        continue;
                kb = min_u64(min_u64(short_take_kb(a, now_usec), short_kb), a->policy.step_mb * KB_PER_MB);
                if (kb < ARBITER_MIN_STEP_KB)
                        continue;
                take(a, order[k], RECLAIM_SHORT, kb, now_usec, &ret[n_steps++]);
                short_kb -= kb;
        }
        return n_steps;
}

void arbiter_step_failed(ArbiterDomain *a)
{
        a->reclaiming = false;
        a->have_target = false;
        a->settled_kb = a->actual_kb;
}
