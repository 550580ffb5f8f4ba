/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The arbiter: memory flows back. Each domain has an entitlement (what the
 * host promises it); a grant above it is a loan. A loan is taken back with
 * the guest's consent: it has reported spare for reclaim_after_s, at the
 * normal level, and has not asked in that time; the balloon is then
 * inflated toward the entitlement in steps no larger than the spare it
 * reported. When the host is short, lowest priority first, a domain may
 * go below its entitlement, down to its minimum and never by more than the
 * spare it reported. A balloon target that moves without us is someone
 * else's decision: it becomes the entitlement and is never fought.
 *
 * Pure like grant.c: the caller passes the hypervisor's figures, the
 * guest's reports, the host's MemAvailable and the time, and applies the
 * steps it is given through its backend. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "host-policy.h"
#include "level.h"

/* The smallest reclaim step worth moving a balloon for. */
#define ARBITER_MIN_STEP_KB (UINT64_C(8) * 1024)
/* A balloon this close to our target has arrived; one that walks this much
 * further away from it than it has been was moved by someone else. */
#define ARBITER_TOLERANCE_KB (UINT64_C(32) * 1024)
/* A report older than this says nothing about now (the guard reports every
 * 10 s by default, and at once when its level changes). */
#define ARBITER_REPORT_STALE_S 25
/* A request this soon after a reclaim step's balloon arrived is counted
 * as caused by it: two of the guard's samples (sample_interval_ms 5 s). */
#define ARBITER_CAUSED_S 10
/* A guest that does not answer (or whose figures disagree with the
 * hypervisor's) gives back its loan only when the host is short, one step
 * per this interval. */
#define ARBITER_BLIND_STEP_S 10

/* What one report said, as validated by the session; -1: absent. */
typedef struct ArbiterReport {
        Level level;
        int64_t spare_kb;               /* what the guest can give and stay normal */
        int64_t cache_kb;               /* clean cache it would drop first; logged only */
        int64_t balloon_kb;             /* the guest's balloon figure */
        int64_t mem_total_kb, mem_available_kb;
} ArbiterReport;

typedef struct ArbiterDomain {
        DomainPolicy policy;

        /* The hypervisor's figures, from arbiter_observe(). */
        bool seen;
        uint64_t actual_kb, maximum_kb;
        uint64_t entitlement_kb;

        /* The last target we set (a grant or a reclaim step), and how
         * close the balloon has come to it since. */
        bool have_target;
        uint64_t target_kb, closest_kb;
        uint64_t settled_kb;            /* without a target of ours: where the balloon was */
        bool adopting;                  /* a foreign move was adopted and logged; cleared by our next target */

        /* The last report. */
        bool have_report;
        uint64_t report_usec;
        Level level;
        uint64_t spare_kb;              /* bounded by the guest's own figures; 0 when they disagree */
        uint64_t cache_kb;
        bool agrees;                    /* its balloon figure matches the hypervisor's */
        bool have_spare_since;
        uint64_t spare_since_usec;      /* normal with spare in every report since */

        bool have_request;
        uint64_t last_request_usec;

        bool reclaiming;                /* a step's target is below the balloon still */
        uint64_t reclaim_target_kb;
        bool have_step;
        uint64_t last_step_usec;
        uint64_t hold_until_usec;       /* no reclaim before: a reclaim caused a request */
        unsigned hold_shift;

        /* Counters for the metrics. */
        uint64_t steps, reclaimed_kb, stops, caused_requests, adoptions;
} ArbiterDomain;

typedef enum ReclaimKind {
        RECLAIM_CONSENT,        /* a loan, with the guest's consent */
        RECLAIM_SHORT,          /* the host is short */
        RECLAIM_STOP,           /* the guest left normal mid-step: hold the balloon where it is */
} ReclaimKind;

typedef struct ReclaimStep {
        size_t index;           /* into the doms array */
        ReclaimKind kind;
        uint64_t target_kb;     /* the new balloon target */
        uint64_t from_kb;       /* the balloon's actual size when decided */
} ReclaimStep;

const char *reclaim_kind_name(ReclaimKind k);

void arbiter_domain_init(ArbiterDomain *a, const DomainPolicy *policy);

/* The hypervisor's figures (a refresh, or a BALLOON_CHANGE event). The
 * first call fixes the entitlement when host.ini left it unset. Returns
 * true when a move nobody here made was adopted as the new entitlement,
 * once per such move (the caller logs it). */
bool arbiter_observe(ArbiterDomain *a, uint64_t actual_kb, uint64_t maximum_kb, uint64_t now_usec);

/* We set the balloon to target_kb (a grant). */
void arbiter_note_target(ArbiterDomain *a, uint64_t target_kb);

void arbiter_note_report(ArbiterDomain *a, const ArbiterReport *r, uint64_t now_usec);
/* A level change alone (the report with the figures follows). */
void arbiter_note_level(ArbiterDomain *a, Level level, uint64_t now_usec);

/* The guest asked for memory. Stops a reclaim; returns true when the
 * request came within ARBITER_CAUSED_S of a reclaim step (counted, and
 * reclaim of that domain is held off, twice as long each time). */
bool arbiter_note_request(ArbiterDomain *a, uint64_t now_usec);

/* Whether the guest's last report agrees with the hypervisor: what a
 * critical request needs to be granted at once (grant.c). */
bool arbiter_trusted(const ArbiterDomain *a, uint64_t now_usec);

uint64_t arbiter_loan_kb(const ArbiterDomain *a);

/* Decides over all domains at once. Writes at most one step per domain to
 * ret (≤ n), records them as taken, and returns how many. The caller
 * moves each balloon to target_kb and calls arbiter_step_failed() when
 * that fails. */
size_t arbiter_decide(const HostPolicy *hp, ArbiterDomain *const *doms, size_t n, uint64_t host_available_kb,
                      uint64_t now_usec, ReclaimStep *ret);

void arbiter_step_failed(ArbiterDomain *a);
