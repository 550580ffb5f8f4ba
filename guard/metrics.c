/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config-errors.h"
#include "wire.h"

typedef struct Text {
        char *buf;
        size_t size, used;
        bool overflow;
} Text;

static void add(Text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void add(Text *t, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (t->overflow)
                return;
        va_start(ap, fmt);
        n = vsnprintf(t->buf + t->used, t->size - t->used, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= t->size - t->used)
                t->overflow = true;
        else
                t->used += (size_t)n;
}

static void gauge(Text *t, const char *name, const char *help, double v)
{
        add(t, "# HELP %s %s\n# TYPE %s gauge\n%s %.6g\n", name, help, name, name, v);
}

int metrics_format(char *buf, size_t size, const Pressure *in, const Decision *d, const ActionTally *tally,
                   const MetricsCounters *c)
{
        Text t = { .buf = buf, .size = size };

        gauge(&t, "oomguard_level", "0 normal, 1 warn, 2 act, 3 critical", (double)d->level);
        gauge(&t, "oomguard_headroom_min_bytes",
              "Free memory above the min watermarks (and reserves) that user allocations can take",
              (double)in->headroom_min_kb * 1024);
        gauge(&t, "oomguard_headroom_low_bytes", "The same above the low watermarks", (double)in->headroom_low_kb * 1024);
        if (d->time_to_min_ms >= 0)
                gauge(&t, "oomguard_time_to_min_seconds", "At the current decline, when headroom above min runs out",
                      (double)d->time_to_min_ms / 1000);
        gauge(&t, "oomguard_decline_bytes_per_second", "How fast headroom above min shrinks (smoothed)",
              (double)d->decline_kb_per_s * 1024);
        if (in->psi_present) {
                gauge(&t, "oomguard_psi_some_avg10_ratio", "PSI memory some avg10", (double)in->psi_some_avg10 / 10000);
                gauge(&t, "oomguard_psi_full_avg10_ratio", "PSI memory full avg10", (double)in->psi_full_avg10 / 10000);
        }
        gauge(&t, "oomguard_balloon_bytes", "What the balloon holds", (double)in->balloon_kb * 1024);
        add(&t, "# HELP oomguard_actions_total Actions carried out (a balloon request counts when sent)\n"
                "# TYPE oomguard_actions_total counter\n");
        for (int k = 0; k < _ACTION_MAX; k++)
                add(&t, "oomguard_actions_total{action=\"%s\"} %" PRIu32 "\n", action_name((ActionKind)k), tally->count[k]);
        add(&t, "# HELP oomguard_action_skips_total Times an action was due to be considered and was not (once per change)\n"
                "# TYPE oomguard_action_skips_total counter\n");
        for (int k = 0; k < _ACTION_MAX; k++)
                add(&t, "oomguard_action_skips_total{action=\"%s\"} %" PRIu64 "\n", action_name((ActionKind)k), c->skips[k]);
        add(&t, "# HELP oomguard_balloon_requests_total Deflate requests sent to the host\n"
                "# TYPE oomguard_balloon_requests_total counter\noomguard_balloon_requests_total %" PRIu32 "\n",
            tally->count[ACTION_BALLOON]);
        add(&t, "# HELP oomguard_balloon_grants_total Deflate requests the host granted\n"
                "# TYPE oomguard_balloon_grants_total counter\noomguard_balloon_grants_total %" PRIu64 "\n",
            c->grants);
        add(&t, "# HELP oomguard_balloon_refusals_total Deflate requests the host refused, by its reason\n"
                "# TYPE oomguard_balloon_refusals_total counter\n");
        for (uint32_t r = 1; r < METRICS_REFUSALS_MAX; r++)
                if (strcmp(wire_refusal_name(r), "?") != 0)
                        add(&t, "oomguard_balloon_refusals_total{reason=\"%s\"} %" PRIu64 "\n", wire_refusal_name(r),
                            c->refusals[r]);
        return t.overflow ? -ENOBUFS : (int)t.used;
}

int metrics_write(const char *path, const char *text, size_t len)
{
        char tmp[CONFIG_PATH_MAX + 8];
        ssize_t n;
        int fd, r = 0;

        if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
                return -ENAMETOOLONG;
        fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
                return -errno;
        n = write(fd, text, len);
        if (n < 0)
                r = -errno;
        else if ((size_t)n != len)
                r = -EIO;
        if (close(fd) < 0 && r == 0)
                r = -errno;
        if (r == 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void)unlink(tmp);
        return r;
}
