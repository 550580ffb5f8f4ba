/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Start-up, --once, the run and the shutdown of the daemon. */
#include "guard-internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "config-file.h"
#include "kernel-parse.h"
#include "log-line.h"
#include "sample-gaps.h"
#include "sample-read.h"

uint64_t guard_monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t guard_now_usec(Guard *g)
{
        uint64_t t = 0;

        if (g->event && sd_event_now(g->event, CLOCK_MONOTONIC, &t) >= 0)
                return t;
        return guard_monotonic_usec();
}

int guard_load_policy(const char *path, bool required, void *policy_out, FILE *err)
{
        int r = config_file_load(path, required, policy_parse_any, policy_out, err);

        if (r == -ENOENT && !required) {
                policy_init_shipped(policy_out);
                return 0;
        }
        return r < 0 ? r : 1;
}

void guard_log(Guard *g, int priority, const char *fmt, ...)
{
        va_list ap;

        (void)g;
        va_start(ap, fmt);
        log_line_v(priority, fmt, ap);
        va_end(ap);
}

int guard_read_meminfo(Guard *g, MeminfoSample *m)
{
        const char *buf;
        size_t len;
        int r;

        r = sysroot_read(g->root, SF_MEMINFO, &buf, &len);
        return r < 0 ? r : parse_meminfo(buf, len, m, NULL);
}

void guard_notify_status(Guard *g)
{
        char status[160];

        snprintf(status, sizeof(status), "STATUS=level %s (%s), headroom above min %" PRId64 " MiB%s",
                 level_name(g->step.decision.level), reason_name(g->step.decision.reason),
                 g->step.pressure.headroom_min_kb / 1024, g->opt.dry_run ? ", dry run" : "");
        (void)sd_notify(0, status);
}

/* The host remembers its answers by request id for as long as the domain
 * lives, across guard restarts: a restarted guard counting from 1 again
 * would be handed old answers. Start somewhere random below 2^52 (exact in
 * any JSON reader). */
static uint64_t first_request_id(void)
{
        uint64_t seed = 0;

        if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
                return (seed & ((UINT64_C(1) << 52) - 1)) + 1;
        return guard_monotonic_usec() + 1;
}

/* What the sample lacks and the model fills in with a default is said at
 * start-up: a guard that decides on a guessed reserve must say so. */
static void say_gaps(Guard *g)
{
        SampleGaps gaps;

        sample_gaps(g->sample, &gaps);
        if (sample_gaps_format(&gaps, g->notes, sizeof(g->notes)))
                guard_log(g, 4, "%s: %s", g->opt.root, g->notes);
}

int guard_new(const GuardOptions *opt, Guard **ret, GuardFailure *why)
{
        Guard *g = calloc(1, sizeof(*g));
        SampleError e = { 0 };
        char msg[256];
        int r;

        if (!g)
                return -ENOMEM;
        g->opt = *opt;
        g->self = getpid();
        g->status_fd = -1;
        g->sink.journal = true;
        g->sink.lines = opt->lines_to_stderr ? stderr : NULL;
        decide_state_init(&g->state);
        g->state.next_request_id = first_request_id();
        *why = GUARD_FAILED_OTHER;
        if ((r = guard_load_policy(opt->policy_path, opt->policy_required, &g->policy, stderr)) < 0) {
                *why = r == -ENOMEM ? GUARD_FAILED_OTHER : GUARD_FAILED_POLICY;
                goto fail;
        }
        g->policy_from_file = r > 0;
        g->policy_loaded_unix = (int64_t)time(NULL);
        agent_link_init(&g->agent, g->policy.agent_socket);
        g->sample = calloc(1, sizeof(Sample));
        g->scratch = calloc(1, sizeof(Sample));
        g->step.model = calloc(1, sizeof(Model));
        g->steer = calloc(1, sizeof(Steer));
        if (!g->sample || !g->scratch || !g->step.model || !g->steer) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = sysroot_open(opt->root, &g->root)) < 0) {
                fprintf(stderr, "%s: %s\n", opt->root, strerror(-r));
                goto fail;
        }
        /* The first sample must be whole: a guard that starts on a kernel
         * file it cannot read would decide on zeros. */
        if ((r = sample_read_static(g->root, g->sample, &e)) < 0 || (r = sample_read(g->root, g->sample, 0, &e)) < 0) {
                sample_error_format(&e, msg, sizeof(msg));
                fprintf(stderr, "%s: cannot read memory state: %s\n", opt->root, msg);
                *why = GUARD_FAILED_KERNEL_FILE;
                goto fail;
        }
        if ((r = model_build(g->sample, g->step.model)) < 0) {
                fprintf(stderr, "%s: cannot read memory state: proc/zoneinfo: no zone to model\n", opt->root);
                *why = GUARD_FAILED_KERNEL_FILE;
                goto fail;
        }
        g->have_sample = true;
        say_gaps(g);
        *ret = g;
        return 0;
fail:
        guard_free(g);
        return r;
}

Guard *guard_free(Guard *g)
{
        if (!g)
                return NULL;
        guard_disarm_psi(g);
        guard_status_close(g);
        sd_event_source_disable_unref(g->sample_timer);
        sd_event_source_disable_unref(g->poll_timer);
        g->agent_source = sd_event_source_disable_unref(g->agent_source);
        agent_link_close(&g->agent);
        sd_event_unref(g->event);
        sysroot_free(g->root);
        free(g->sample);
        free(g->scratch);
        free(g->step.model);
        free(g->steer);
        free(g);
        return NULL;
}

int guard_run(Guard *g)
{
        SteerStats st;
        int r;

        /* The guard must keep working under the pressure it is there for:
         * lock everything (ONFAULT: pages as they are touched, 4.4+). */
        if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) < 0 && mlockall(MCL_CURRENT | MCL_FUTURE) < 0)
                guard_log(g, 4, "mlockall: %s; pages of the guard may be reclaimed under pressure", strerror(errno));
        if ((r = guard_setup_event_loop(g)) < 0) {
                guard_log(g, 3, "cannot set up the event loop: %s", strerror(-r));
                return r;
        }
        guard_arm_psi(g);
        (void)guard_status_open(g);
        guard_steer_now(g);
        g->last_steer_usec = g->last_sample_usec = guard_monotonic_usec();
        guard_tick(g, g->last_sample_usec);
        guard_log(g, 6, "watching %u node%s, level %s, headroom above min %" PRId64 " MiB; woken by %s%s",
                  g->sample->n_nodes, g->sample->n_nodes == 1 ? "" : "s", level_name(g->step.decision.level),
                  g->step.pressure.headroom_min_kb / 1024,
                  guard_psi_armed(g) ? "PSI triggers and a periodic sample" : "timers",
                  g->opt.dry_run ? "; dry run: changing nothing" : "");
        (void)sd_notify(0, "READY=1");
        guard_notify_status(g);
        r = sd_event_loop(g->event);
        (void)sd_notify(0, "STOPPING=1");
        if (!g->opt.dry_run && steer_restore(g->steer, g->root, &st) == 0 && st.restored)
                guard_log(g, 6, "restored oom_score_adj of %u processes", st.restored);
        return r;
}

