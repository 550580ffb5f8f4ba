/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The host relay's policy: what /etc/oomguard/host.ini says, validated.
 * Pure like policy.h: parsed from a buffer the caller read. Units are the
 * ones of the keys (MB, seconds) so the file and the struct read alike;
 * grant.c converts. Errors reuse ConfigErrors: line, section, key, text. */

#include <stdbool.h>
#include <stdint.h>

#include "config-errors.h"

#define HOST_POLICY_MAX_DOMAINS 64
#define HOST_POLICY_NAME_MAX 64         /* libvirt domain names are longer in theory; ours must fit */

typedef struct DomainPolicy {
        uint64_t step_mb;       /* at most this much per grant */
        uint64_t rate_s;        /* at most step_mb per this many seconds (a refilling budget) */
        uint64_t cooldown_s;    /* no grant for this long after a refusal */
        uint64_t priority;      /* higher is served first when the host is short, released last */
        uint64_t entitlement_mb;        /* what the host promises; 0: the balloon when first seen */
        uint64_t minimum_mb;            /* a short host reclaims down to this; 0: the entitlement */
        uint64_t reclaim_after_s;       /* spare this long, no request: take the loan back; 0: never */
} DomainPolicy;

/* Which DomainPolicy fields a [domain NAME] section set; the rest inherit
 * [defaults], whatever order the sections come in. */
enum {
        DOMAIN_SET_STEP = 1 << 0,
        DOMAIN_SET_RATE = 1 << 1,
        DOMAIN_SET_COOLDOWN = 1 << 2,
        DOMAIN_SET_PRIORITY = 1 << 3,
        DOMAIN_SET_ENTITLEMENT = 1 << 4,
        DOMAIN_SET_MINIMUM = 1 << 5,
        DOMAIN_SET_RECLAIM_AFTER = 1 << 6,
};

typedef struct DomainOverride {
        char name[HOST_POLICY_NAME_MAX];
        unsigned set;           /* DOMAIN_SET_* */
        DomainPolicy p;
} DomainOverride;

typedef struct HostPolicy {
        uint64_t floor_available_mb;    /* a grant never takes host MemAvailable below this */
        uint64_t release_below_mb;      /* under this, ask guests to release; 0: never */
        uint64_t release_cooldown_s;    /* per domain, between two release requests */
        char metrics_path[CONFIG_PATH_MAX];     /* empty: no metrics file */
        uint64_t metrics_interval_s;
        uint64_t cgroup_margin_mb;      /* a grant leaves this much room under the VM's memory cgroup limit */
        uint64_t cgroup_act_mb;         /* under this much room (or soon, at the rate it falls): release; 0: never */

        DomainPolicy defaults;
        unsigned n_domains;
        DomainOverride domains[HOST_POLICY_MAX_DOMAINS];
} HostPolicy;

void host_policy_init_defaults(HostPolicy *hp);

/* The effective policy of one domain: its [domain NAME] keys over [defaults]. */
void host_policy_for_domain(const HostPolicy *hp, const char *name, DomainPolicy *ret);

/* Parses host.ini text over the defaults. Returns 0, or -EINVAL with every
 * problem in errs (line, section, key, message), or -ENOMEM. Unknown
 * sections and keys are errors. */
int host_policy_parse(const char *text, HostPolicy *ret, ConfigErrors *errs);

/* Where the [host] keys of the cross-field rules were set, 0 for a
 * default, so that an error names the line of every key involved. */
typedef struct HostPolicyLines {
        unsigned floor_available_mb, release_below_mb;
        unsigned cgroup_margin_mb, cgroup_act_mb;
} HostPolicyLines;

/* Cross-field rules; host_policy_parse() calls it. lines may be NULL. */
int host_policy_validate(const HostPolicy *hp, const HostPolicyLines *lines, ConfigErrors *errs);
