/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host-policy.h"

/* The defaults packaging/host.ini documents; keep the two in step. */
void host_policy_init_defaults(HostPolicy *hp)
{
        *hp = (HostPolicy){
                .floor_available_mb = 1024,
                .release_below_mb = 2048,
                .release_cooldown_s = 60,
                .metrics_path = "/run/oomguard-host/metrics.prom",
                .metrics_interval_s = 15,
                /* QEMU's own memory grows outside the guest's view (TCG
                 * translation cache, block and virtio buffers) and the
                 * cgroup's figures are up to a second old: 128 MiB covers a
                 * second of the fastest guest writing, so a grant never
                 * leaves the host's OOM killer one burst away. */
                .cgroup_margin_mb = 128,
                .cgroup_act_mb = 256,
                /* 256 MiB every 10 s: a guest at its act level gets room within
                 * seconds, and a lying guest gains at most 1.5 GiB a minute. */
                .defaults = {
                        .step_mb = 256,
                        .rate_s = 10,
                        .cooldown_s = 30,
                        .priority = 100,
                        /* Two reports of the guard (every 10 s) with spare
                         * in a row: a burst over, not a pause in it. */
                        .reclaim_after_s = 10,
                },
        };
}

void host_policy_for_domain(const HostPolicy *hp, const char *name, DomainPolicy *ret)
{
        *ret = hp->defaults;
        for (unsigned i = 0; i < hp->n_domains; i++) {
                const DomainOverride *o = &hp->domains[i];

                if (strcmp(o->name, name) != 0)
                        continue;
                if (o->set & DOMAIN_SET_STEP)
                        ret->step_mb = o->p.step_mb;
                if (o->set & DOMAIN_SET_RATE)
                        ret->rate_s = o->p.rate_s;
                if (o->set & DOMAIN_SET_COOLDOWN)
                        ret->cooldown_s = o->p.cooldown_s;
                if (o->set & DOMAIN_SET_PRIORITY)
                        ret->priority = o->p.priority;
                if (o->set & DOMAIN_SET_ENTITLEMENT)
                        ret->entitlement_mb = o->p.entitlement_mb;
                if (o->set & DOMAIN_SET_MINIMUM)
                        ret->minimum_mb = o->p.minimum_mb;
                if (o->set & DOMAIN_SET_RECLAIM_AFTER)
                        ret->reclaim_after_s = o->p.reclaim_after_s;
                return;
        }
}

/* "4096 on line 2" or "4096 by default" */
static void setting(char *buf, size_t size, uint64_t value, unsigned line)
{
        if (line)
                snprintf(buf, size, "%" PRIu64 " on line %u", value, line);
        else
                snprintf(buf, size, "%" PRIu64 " by default", value);
}

int host_policy_validate(const HostPolicy *hp, const HostPolicyLines *lines, ConfigErrors *errs)
{
        const HostPolicyLines none = { 0 };
        unsigned before = errs->n;
        char release[48], floor[48];

        if (!lines)
                lines = &none;
        /* Releasing only below the floor would mean grants had already
         * stopped before any guest was asked to give memory back. */
        if (hp->release_below_mb != 0 && hp->release_below_mb < hp->floor_available_mb) {
                setting(release, sizeof(release), hp->release_below_mb, lines->release_below_mb);
                setting(floor, sizeof(floor), hp->floor_available_mb, lines->floor_available_mb);
                config_error_add(errs, lines->release_below_mb ? lines->release_below_mb : lines->floor_available_mb, "host",
                                 "release_below_mb", "%s must be 0 or at least floor_available_mb, %s", release, floor);
        }
        if (hp->cgroup_act_mb != 0 && hp->cgroup_act_mb < hp->cgroup_margin_mb) {
                setting(release, sizeof(release), hp->cgroup_act_mb, lines->cgroup_act_mb);
                setting(floor, sizeof(floor), hp->cgroup_margin_mb, lines->cgroup_margin_mb);
                config_error_add(errs, lines->cgroup_act_mb ? lines->cgroup_act_mb : lines->cgroup_margin_mb, "host",
                                 "cgroup_act_mb", "%s must be 0 or at least cgroup_margin_mb, %s", release, floor);
        }
        return errs->n > before ? -EINVAL : 0;
}
