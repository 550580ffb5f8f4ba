/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics.h"

/* Label values are domain names from the policy or libvirt; escape what the
 * text format requires anyway. */
static void append_label(GString *out, const char *name)
{
        for (const char *p = name; *p; p++) {
                if (*p == '\\' || *p == '"')
                        g_string_append_c(out, '\\');
                if (*p == '\n')
                        g_string_append(out, "\\n");
                else
                        g_string_append_c(out, *p);
        }
}

static void sample(GString *out, const char *metric, const char *domain, const char *extra_label,
                   const char *extra_value, uint64_t value)
{
        g_string_append_printf(out, "%s{domain=\"", metric);
        append_label(out, domain);
        if (extra_label)
                g_string_append_printf(out, "\",%s=\"%s", extra_label, extra_value);
        g_string_append_printf(out, "\"} %" PRIu64 "\n", value);
}

static void header(GString *out, const char *metric, const char *type, const char *help)
{
        g_string_append_printf(out, "# HELP %s %s\n# TYPE %s %s\n", metric, help, metric, type);
}

/* Entitlement, loan, spare and reclaim (rules/arbiter.h), one family each. */
static void render_arbiter(const Relay *r, GString *out)
{
        static const struct {
                const char *name, *type, *help;
                size_t offset;          /* of a uint64_t in ArbiterDomain; SIZE_MAX: the loan */
        } families[] = {
                { "oomguard_host_entitlement_kb", "gauge", "Memory the host promises the domain, kB",
                  offsetof(ArbiterDomain, entitlement_kb) },
                { "oomguard_host_loan_kb", "gauge", "Balloon above the entitlement, kB", SIZE_MAX },
                { "oomguard_host_spare_kb", "gauge",
                  "What the guest last said it can give and stay normal, within its own figures, kB",
                  offsetof(ArbiterDomain, spare_kb) },
                { "oomguard_host_clean_cache_kb", "gauge", "Clean cache the guest last reported, kB",
                  offsetof(ArbiterDomain, cache_kb) },
                { "oomguard_host_reclaimed_kb_total", "counter", "Memory taken back by reclaim steps, kB",
                  offsetof(ArbiterDomain, reclaimed_kb) },
                { "oomguard_host_reclaim_steps_total", "counter", "Reclaim steps", offsetof(ArbiterDomain, steps) },
                { "oomguard_host_reclaim_stops_total", "counter", "Reclaim steps stopped: the guest left normal",
                  offsetof(ArbiterDomain, stops) },
                { "oomguard_host_reclaim_caused_requests_total", "counter",
                  "Requests within 10 s of a reclaim step (the goal is none)",
                  offsetof(ArbiterDomain, caused_requests) },
                { "oomguard_host_adoptions_total", "counter",
                  "Balloon moves made by another controller, adopted as the entitlement",
                  offsetof(ArbiterDomain, adoptions) },
        };

        for (size_t f = 0; f < sizeof(families) / sizeof(families[0]); f++) {
                header(out, families[f].name, families[f].type, families[f].help);
                for (unsigned i = 0; i < r->n_domains; i++) {
                        const ArbiterDomain *a = &r->domains[i]->arb;
                        uint64_t v;

                        if (families[f].offset == SIZE_MAX)
                                v = arbiter_loan_kb(a);
                        else
                                memcpy(&v, (const char *)a + families[f].offset, sizeof(v));
                        sample(out, families[f].name, r->domains[i]->name, NULL, NULL, v);
                }
        }
}

/* The domain's memory cgroup (the one whose limit binds QEMU), when found. */
static void cgroup_metrics(const Relay *r, GString *out)
{
        static const struct {
                const char *name, *type, *help;
                size_t offset;
        } m[] = {
                { "oomguard_host_cgroup_usage_kb", "gauge", "Usage of the memory cgroup whose limit binds QEMU, kB",
                  offsetof(DomainStats, cgroup_usage_kb) },
                { "oomguard_host_cgroup_limit_kb", "gauge", "Its limit, kB; 0: none",
                  offsetof(DomainStats, cgroup_limit_kb) },
                { "oomguard_host_cgroup_near_misses_total", "counter",
                  "Times the room under the cgroup's limit fell under cgroup_act_mb (or was about to)",
                  offsetof(DomainStats, cgroup_near_misses) },
                { "oomguard_host_cgroup_oom_kills_total", "counter", "OOM kills in that cgroup seen by the relay",
                  offsetof(DomainStats, cgroup_oom_kills) },
        };

        for (size_t k = 0; k < sizeof(m) / sizeof(m[0]); k++) {
                header(out, m[k].name, m[k].type, m[k].help);
                for (unsigned i = 0; i < r->n_domains; i++) {
                        const DomainStats *st = &r->domains[i]->stats;
                        uint64_t v;

                        if (!st->have_cgroup)
                                continue;
                        memcpy(&v, (const char *)st + m[k].offset, sizeof(v));
                        sample(out, m[k].name, r->domains[i]->name, NULL, NULL, v);
                }
        }
}

void metrics_render(const Relay *r, GString *out)
{
        header(out, "oomguard_host_level", "gauge",
               "Last level the guest reported: 0 normal, 1 warn, 2 act, 3 critical; absent before the first report");
        for (unsigned i = 0; i < r->n_domains; i++)
                if (r->domains[i]->stats.level >= 0)
                        sample(out, "oomguard_host_level", r->domains[i]->name, NULL, NULL,
                               (uint64_t)r->domains[i]->stats.level);
        header(out, "oomguard_host_balloon_kb", "gauge", "Balloon size (guest memory) the hypervisor reported, kB");
        for (unsigned i = 0; i < r->n_domains; i++)
                sample(out, "oomguard_host_balloon_kb", r->domains[i]->name, NULL, NULL, r->domains[i]->stats.actual_kb);
        render_arbiter(r, out);
        header(out, "oomguard_host_grants_total", "counter", "Deflate requests granted");
        for (unsigned i = 0; i < r->n_domains; i++)
                sample(out, "oomguard_host_grants_total", r->domains[i]->name, NULL, NULL, r->domains[i]->stats.grants);
        header(out, "oomguard_host_refusals_total", "counter", "Deflate requests refused, by reason");
        for (unsigned i = 0; i < r->n_domains; i++)
                for (int k = REFUSAL_NONE + 1; k < _REFUSAL_MAX; k++)
                        sample(out, "oomguard_host_refusals_total", r->domains[i]->name, "reason",
                               refusal_name((Refusal)k), r->domains[i]->stats.refusals[k]);
        header(out, "oomguard_host_malformed_total", "counter",
               "Guest messages refused: malformed, oversized or over the rate");
        for (unsigned i = 0; i < r->n_domains; i++)
                for (int k = 0; k < _PROBLEM_MAX; k++)
                        sample(out, "oomguard_host_malformed_total", r->domains[i]->name, "kind",
                               session_problem_name((SessionProblem)k), r->domains[i]->stats.problems[k]);
        header(out, "oomguard_host_releases_total", "counter", "Release requests sent to the guest");
        for (unsigned i = 0; i < r->n_domains; i++)
                sample(out, "oomguard_host_releases_total", r->domains[i]->name, NULL, NULL,
                       r->domains[i]->stats.releases);
        cgroup_metrics(r, out);
}

int metrics_write(const Relay *r, const char *path)
{
        g_autoptr(GString) text = g_string_new(NULL);
        g_autofree char *tmp = g_strdup_printf("%s.tmp", path);
        ssize_t n;
        int fd, k = 0;

        metrics_render(r, text);
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 && errno == ENOENT) {
                /* Outside its unit nothing made RuntimeDirectory= for us:
                 * make the file's own directory (one level, like systemd). */
                g_autofree char *dir = g_path_get_dirname(path);

                if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                        return -errno;
                fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        }
        if (fd < 0)
                return -errno;
        n = write(fd, text->str, text->len);
        if (n < 0)
                k = -errno;
        else if ((size_t)n != text->len)
                k = -EIO;
        if (close(fd) < 0 && k == 0)
                k = -errno;
        if (k == 0 && rename(tmp, path) < 0)
                k = -errno;
        if (k < 0)
                (void)unlink(tmp);
        return k;
}
