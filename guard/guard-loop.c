/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The event loop's timers and signals, and policy reloads on SIGHUP. */
#include "guard-internal.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "poll-schedule.h"

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Guard *g = userdata;
        uint64_t now = guard_monotonic_usec();

        (void)usec;
        if (s != g->sample_timer) {
                guard_tick(g, now);
                return 0;
        }
        if (now - g->last_sample_usec + 1000 >= g->policy.sample_interval_ms * USEC_PER_MSEC) {
                guard_tick(g, now);
                g->last_sample_usec = now;
        }
        if (now - g->last_steer_usec + 1000 >= g->policy.steer_rescan_ms * USEC_PER_MSEC) {
                guard_steer_now(g);
                g->last_steer_usec = now;
        }
        sd_event_source_set_time_relative(s, poll_slow_period_ms(&g->policy) * USEC_PER_MSEC);
        return 0;
}

void guard_schedule_poll(Guard *g)
{
        uint64_t ms = poll_interval_ms(&g->policy, g->step.decision.level, g->step.pressure.headroom_low_kb);

        sd_event_source_set_time_relative(g->poll_timer, ms * USEC_PER_MSEC);
        sd_event_source_set_enabled(g->poll_timer, SD_EVENT_ONESHOT);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Guard *g = userdata;
        Policy *next = malloc(sizeof(*next));
        SteerStats st;
        int r;

        (void)s;
        (void)si;
        if (!next)
                return 0;
        (void)sd_notify(0, "RELOADING=1");
        r = guard_load_policy(g->opt.policy_path, g->opt.policy_required, next, stderr);
        if (r < 0)
                guard_log(g, 3, "%s: not loaded; the running policy stays", g->opt.policy_path);
        else {
                g->policy_from_file = r > 0;
                g->policy_loaded_unix = (int64_t)time(NULL);
                /* Undo the old rules' changes before the new rules apply
                 * (a dry run changed nothing, and only forgets). */
                if (g->opt.dry_run)
                        steer_forget(g->steer);
                else
                        (void)steer_restore(g->steer, g->root, &st);
                g->policy = *next;
                guard_reconnect_agent(g);
                (void)guard_status_open(g);     /* status_socket may have changed */
                guard_arm_psi(g);
                guard_steer_now(g);
                guard_log(g, 5, "%s: loaded", g->opt.policy_path);
        }
        free(next);
        (void)sd_notify(0, "READY=1");
        guard_notify_status(g);
        guard_schedule_poll(g);
        return 0;
}

int guard_setup_event_loop(Guard *g)
{
        sigset_t ss;
        int r;

        sigemptyset(&ss);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        if (sigprocmask(SIG_BLOCK, &ss, NULL) < 0)
                return -errno;
        if ((r = sd_event_default(&g->event)) < 0)
                return r;
        if ((r = sd_event_set_watchdog(g->event, true)) < 0)
                return r;
        if ((r = sd_event_add_signal(g->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(g->event, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(g->event, NULL, SIGHUP, on_sighup, g)) < 0)
                return r;
        if ((r = sd_event_add_time_relative(g->event, &g->sample_timer, CLOCK_MONOTONIC,
                                            poll_slow_period_ms(&g->policy) * USEC_PER_MSEC, 0, on_timer, g)) < 0)
                return r;
        sd_event_source_set_enabled(g->sample_timer, SD_EVENT_ON);
        sd_event_source_set_description(g->sample_timer, "sample");
        if ((r = sd_event_add_time_relative(g->event, &g->poll_timer, CLOCK_MONOTONIC, 0, 0, on_timer, g)) < 0)
                return r;
        sd_event_source_set_description(g->poll_timer, "poll");
        sd_event_source_set_enabled(g->poll_timer, SD_EVENT_OFF);
        return 0;
}
