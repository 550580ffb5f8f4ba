/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The host's answer to a guest's deflate request, and its own requests to
 * release memory. Pure: the caller passes the hypervisor's figures (never
 * the guest's), host MemAvailable and the time; the functions only update
 * the per-domain state they are given. The caller moves the balloon. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bucket.h"
#include "host-policy.h"
#include "level.h"
#include "wire.h"

#define GRANT_REMEMBER 32       /* answers kept per domain for repeated ids (guest-agent/PROTOCOL.md §2.6) */
#define GRANT_MAX_ROUND HOST_POLICY_MAX_DOMAINS

/* Why the host refused. Numbered and named by the one table in wire.h
 * (WIRE_REFUSED_*), which is what the agent hands the guard, so the
 * strings on the port (guest-agent/PROTOCOL.md, "refusal") and the
 * guard's numbers cannot drift apart. The host never says "no-host". */
typedef enum Refusal {
        REFUSAL_NONE = WIRE_REFUSED_NONE,
        REFUSAL_AT_MAXIMUM = WIRE_REFUSED_AT_MAXIMUM,   /* the domain already has its maximum */
        REFUSAL_HOST_SHORT = WIRE_REFUSED_HOST_SHORT,   /* host MemAvailable at its floor, or the cgroup at its margin */
        REFUSAL_RATE_LIMIT = WIRE_REFUSED_RATE_LIMIT,   /* rate or cooldown */
        REFUSAL_INVALID = WIRE_REFUSED_INVALID,         /* id 0, 0 bytes, or more than the domain's maximum */
        REFUSAL_OTHER = WIRE_REFUSED_OTHER,             /* never decided here: the hypervisor failed to move the balloon */
        _REFUSAL_MAX,
} Refusal;

/* wire_refusal_name(); anything out of range is "other". */
const char *refusal_name(Refusal r);

typedef struct GrantRequest {
        uint64_t id;            /* 1..2^63-1 */
        uint64_t bytes;         /* what the guest asks for; caps the grant, never sizes more */
        Level urgency;          /* warn, act or critical */
} GrantRequest;

typedef struct GrantAnswer {
        uint64_t id;
        bool granted;
        Refusal refusal;        /* REFUSAL_NONE when granted */
        uint64_t granted_kb;    /* what the target moves by */
        uint64_t target_kb;     /* the new balloon target; 0 when refused */
        bool repeated;          /* the id was answered before: nothing may move */
} GrantAnswer;

typedef struct GrantDomain {
        DomainPolicy policy;    /* resolved by host_policy_for_domain() */

        /* From the hypervisor, refreshed by the caller before each round. */
        uint64_t actual_kb;     /* the balloon's current size: what the guest has now */
        uint64_t maximum_kb;    /* the domain's maximum memory */

        /* The room under the limit of the domain's memory cgroup (the
         * limit less the cgroup's working set), when it has one; the
         * caller refreshes it. A grant leaves cgroup_margin_mb of it, as
         * it leaves floor_available_mb of the host's MemAvailable. */
        bool have_cgroup;
        uint64_t cgroup_room_kb;
        /* When the balloon was last inflated to keep the cgroup off its
         * limit (cgroup-watch.c): warn and act requests wait cooldown_s
         * after it, so a grant does not undo the step at once. */
        bool have_cgroup_step;
        uint64_t cgroup_step_usec;

        uint64_t target_kb;     /* the last target we set; the balloon may still be moving */
        bool have_grant;
        uint64_t last_grant_usec;
        uint64_t last_grant_kb;
        /* The rate: step_mb per rate_s, as a budget that refills
         * continuously up to one step. A small grant leaves the rest of
         * the step for the next request; a guest that escalates right
         * after one is not refused for having asked little first. */
        int64_t budget_kbms;            /* kB x ms per rate_ms; below 0: a critical grant's debt */
        uint64_t budget_usec;           /* up to when it was refilled */
        bool have_budget;
        uint64_t cooldown_until_usec;   /* after a refusal */
        /* Set by the caller before each round: the guest's reports agree
         * with the hypervisor's figures (arbiter_trusted()). A critical
         * request of such a guest is granted what it asks, up to the
         * host's room, at once; the budget goes into debt for it. */
        bool trusted;
        bool have_release;
        uint64_t last_release_usec;

        GrantAnswer answers[GRANT_REMEMBER];    /* ring */
        unsigned n_answers, next_answer;

        TokenBucket bucket;     /* flood control for the session; rules/bucket.h */
} GrantDomain;

void grant_domain_init(GrantDomain *d, const DomainPolicy *policy, uint64_t now_usec);

/* The remembered answer to id, or NULL. */
const GrantAnswer *grant_lookup(const GrantDomain *d, uint64_t id);

/* Decides one request and records the answer under its id. A repeated id
 * returns the first answer with repeated set, and changes nothing. */
void grant_decide(const HostPolicy *hp, GrantDomain *d, const GrantRequest *req, uint64_t host_available_kb,
                  uint64_t now_usec, GrantAnswer *ret);

/* Decides the requests that arrived in one round: when the host cannot
 * satisfy all, higher priority goes first, then higher urgency, then
 * arrival order. Each grant lowers the MemAvailable the next one sees.
 * doms[i] asked reqs[i]; answers[i] is its answer. n ≤ GRANT_MAX_ROUND;
 * the same domain may appear twice (its budget then limits the second,
 * unless rate_s is 0). order[k] is the k-th request decided: apply grants in
 * that order, so that each domain's target only grows (the second grant of
 * a domain is sized on top of the first). */
void grant_decide_round(const HostPolicy *hp, GrantDomain *const *doms, const GrantRequest *reqs, size_t n,
                        uint64_t host_available_kb, uint64_t now_usec, GrantAnswer *answers, size_t *order);

/* The hypervisor could not apply the grant of answer id: the remembered
 * answer becomes a refusal (REFUSAL_OTHER), so a repeated id does not claim
 * a grant that never happened, and the target goes back. */
void grant_failed(GrantDomain *d, uint64_t id, uint64_t previous_target_kb);

typedef struct ReleaseAsk {
        size_t index;           /* into the doms array */
        uint64_t bytes;
} ReleaseAsk;

/* Whether host_available_kb is under release_below_mb at all. */
bool grant_release_due(const HostPolicy *hp, uint64_t host_available_kb);

/* When MemAvailable is under release_below_mb: which domains to ask to
 * release, lowest priority first (then the larger balloon), each at most
 * once per release_cooldown_s, each for at most its step, until the
 * shortfall is covered. Returns how many asks were written to ret (≤ n). */
size_t grant_release(const HostPolicy *hp, GrantDomain *const *doms, size_t n, uint64_t host_available_kb,
                     uint64_t now_usec, ReleaseAsk *ret);
