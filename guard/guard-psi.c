/* SPDX-License-Identifier: GPL-2.0-or-later */
/* PSI triggers (kernel/sched/psi.c: psi_trigger_create()): the wake-ups
 * on memory stalls, on top of the timers. */
#include "guard-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config-file.h"
#include "psi-trigger.h"

static int on_psi(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        uint64_t wake = guard_monotonic_usec();

        if (revents & (EPOLLERR | EPOLLHUP)) {
                /* the trigger is gone (PSI disabled at runtime, cgroup removed) */
                guard_log(g, 4, "a PSI trigger failed; sampling on timers instead");
                sd_event_source_set_enabled(s, SD_EVENT_OFF);
                guard_schedule_poll(g);
                return 0;
        }
        (void)fd;
        guard_tick(g, wake);
        return 0;
}

bool guard_psi_armed(Guard *g)
{
        for (unsigned i = 0; i < g->n_psi; i++) {
                int enabled = SD_EVENT_OFF;

                if (sd_event_source_get_enabled(g->psi[i], &enabled) >= 0 && enabled != SD_EVENT_OFF)
                        return true;
        }
        return false;
}

void guard_disarm_psi(Guard *g)
{
        for (unsigned i = 0; i < g->n_psi; i++)
                g->psi[i] = sd_event_source_disable_unref(g->psi[i]);
        g->n_psi = 0;
}

/* 6.5+ (psi_trigger_create()): an opener without CAP_SYS_RESOURCE (root in
 * many containers and sandboxes) must use a window that is a multiple of
 * 2 s. When the kernel refuses the policy's window, the trigger is armed on
 * the next such window with the stall scaled alike, and that is said once. */
#define PSI_UNPRIVILEGED_WINDOW_MS 2000

static void add_trigger(Guard *g, const char *path, const char *kind, uint64_t stall_ms, int *failure)
{
        uint64_t window_ms = g->policy.psi_window_ms;
        int fd, r;

        if (!stall_ms || g->n_psi >= MAX_PSI_SOURCES)
                return;
        fd = psi_trigger_open(g->root, path, kind, stall_ms * USEC_PER_MSEC, window_ms * USEC_PER_MSEC);
        if (fd == -EINVAL && window_ms % PSI_UNPRIVILEGED_WINDOW_MS) {
                uint64_t wider = (window_ms / PSI_UNPRIVILEGED_WINDOW_MS + 1) * PSI_UNPRIVILEGED_WINDOW_MS;
                uint64_t stall = stall_ms * wider / window_ms;

                fd = psi_trigger_open(g->root, path, kind, stall * USEC_PER_MSEC, wider * USEC_PER_MSEC);
                if (fd >= 0 && !g->said_window)
                        guard_log(g, 5,
                                 "the kernel refused a %" PRIu64 " ms PSI window (without CAP_SYS_RESOURCE it takes "
                                 "multiples of 2 s); using %" PRIu64 " ms with the stall scaled to %" PRIu64 " ms",
                                 window_ms, wider, stall);
                g->said_window = fd >= 0 || g->said_window;
        }
        if (fd < 0) {
                *failure = fd;
                return;
        }
        r = sd_event_add_io(g->event, &g->psi[g->n_psi], fd, EPOLLPRI, on_psi, g);
        if (r < 0) {
                close(fd);
                *failure = r;
                return;
        }
        sd_event_source_set_io_fd_own(g->psi[g->n_psi], true);
        sd_event_source_set_description(g->psi[g->n_psi], "psi-trigger");
        g->n_psi++;
}

void guard_arm_psi(Guard *g)
{
        int failure = 0;

        guard_disarm_psi(g);
        add_trigger(g, "proc/pressure/memory", "some", g->policy.psi_some_stall_ms, &failure);
        add_trigger(g, "proc/pressure/memory", "full", g->policy.psi_full_stall_ms, &failure);
        for (unsigned i = 0; i < g->policy.n_pressure_cgroups; i++) {
                char path[CONFIG_PATH_MAX * 2 + 32];

                /* relative to the root: "/sys/fs/cgroup/x" -> "sys/fs/cgroup/x/memory.pressure" */
                snprintf(path, sizeof(path), "%s/memory.pressure", g->policy.pressure_cgroups[i] + 1);
                add_trigger(g, path, "some", g->policy.psi_some_stall_ms, &failure);
        }
        if (!guard_psi_armed(g) && !g->said_polling) {
                guard_log(g, 5, "no PSI trigger could be armed (%s); sampling on timers, every %" PRIu64 "-%" PRIu64 " ms",
                         failure ? strerror(-failure) : "disabled in the policy", g->policy.fast_poll_ms,
                         g->policy.slow_poll_ms);
                g->said_polling = true;
        }
}

