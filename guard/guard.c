/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "guard.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <systemd/sd-daemon.h>
#include <systemd/sd-event.h>
#include <time.h>
#include <unistd.h>

#include "act.h"
#include "config-file.h"
#include "agent-link.h"
#include "decide.h"
#include "kernel-parse.h"
#include "model.h"
#include "policy.h"
#include "pressure.h"
#include "psi-trigger.h"
#include "report.h"
#include "sample-read.h"
#include "steer.h"
#include "sysroot.h"
#include "wire-report.h"

#define USEC_PER_MSEC UINT64_C(1000)
#define MAX_PSI_SOURCES (2 + POLICY_MAX_CGROUPS)

struct Guard {
        GuardOptions opt;
        sd_event *event;
        SysRoot *root;
        Policy policy;
        ReportSink sink;
        int self;

        Sample *sample, *scratch;       /* allocated once: the pressure path allocates nothing */
        Model *model;
        Pressure pressure;
        DecideState state;
        Decision decision;
        bool have_sample;

        Steer *steer;
        AgentLink agent;
        ActionTally tally;
        uint64_t report_seq, last_report_usec, last_release_usec;
        bool released_once;

        unsigned n_psi;
        sd_event_source *psi[MAX_PSI_SOURCES];
        sd_event_source *sample_timer, *poll_timer, *agent_source;
        bool said_polling, said_window;
        uint64_t last_sample_usec, last_steer_usec;
        unsigned sample_failures;
};

static uint64_t now_usec(Guard *g)
{
        uint64_t t = 0;

        if (g->event && sd_event_now(g->event, CLOCK_MONOTONIC, &t) >= 0)
                return t;
        {
                struct timespec ts;

                clock_gettime(CLOCK_MONOTONIC, &ts);
                return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
        }
}

static uint64_t monotonic_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}


int guard_load_policy(const char *path, bool required, void *policy_out, FILE *err)
{
        int r = config_file_load(path, required, policy_parse_any, policy_out, err);

        if (r == -ENOENT && !required) {
                policy_init_shipped(policy_out);
                return 0;
        }
        return r;
}

static void log_line(Guard *g, int priority, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Messages about the guard itself (not decisions): the journal gets them
 * through stderr under systemd; in a terminal they show as they are. */
static void log_line(Guard *g, int priority, const char *fmt, ...)
{
        va_list ap;

        (void)g;
        if (getenv("JOURNAL_STREAM"))
                fprintf(stderr, "<%d>", priority);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static int take_sample(Guard *g, unsigned flags)
{
        SampleError e;
        char msg[256];
        Sample *t;
        int r;

        r = sample_read(g->root, g->scratch, flags, &e);
        if (r < 0) {
                /* One odd kernel line degrades a sample; it never stops the guard. */
                if (g->sample_failures++ % 100 == 0) {
                        sample_error_format(&e, msg, sizeof(msg));
                        log_line(g, 3, "cannot sample, keeping the last good sample: %s", msg);
                }
                return r;
        }
        t = g->sample;
        g->sample = g->scratch;
        g->scratch = t;
        /* the static parts travel with the sample */
        g->scratch->kernel = g->sample->kernel;
        g->scratch->kernel_known = g->sample->kernel_known;
        g->scratch->page_size_kb = g->sample->page_size_kb;
        g->scratch->balloon = g->sample->balloon;
        g->scratch->nodes_online_mask = g->sample->nodes_online_mask;
        g->scratch->has_nodes_online = g->sample->has_nodes_online;
        r = model_build(g->sample, g->model);
        if (r < 0)
                return r;
        pressure_from(g->sample, g->model, (unsigned)g->policy.order, now_usec(g), &g->pressure);
        g->have_sample = true;
        return 0;
}

static int read_meminfo_now(Guard *g, MeminfoSample *m)
{
        const char *buf;
        size_t len;
        int r;

        r = sysroot_read(g->root, SF_MEMINFO, &buf, &len);
        return r < 0 ? r : parse_meminfo(buf, len, m, NULL);
}

static int64_t mem_free_kb(Guard *g)
{
        MeminfoSample m;

        return read_meminfo_now(g, &m) < 0 ? -1 : (int64_t)m.mem_free_kb;
}

static void notify_status(Guard *g)
{
        char status[160];

        snprintf(status, sizeof(status), "STATUS=level %s (%s), headroom above min %" PRId64 " MiB%s",
                 level_name(g->decision.level), reason_name(g->decision.reason), g->pressure.headroom_min_kb / 1024,
                 g->opt.dry_run ? ", dry run" : "");
        (void)sd_notify(0, status);
}

static void send_balloon_request(Guard *g, const PlannedAction *a, ActionOutcome *o);
static int on_agent(sd_event_source *s, int fd, uint32_t revents, void *userdata);

/* Carries out one action; reporting waits until every action is done, so
 * that under pressure the guard acts before it writes about it. */
static void carry_out(Guard *g, const PlannedAction *a, uint64_t wake_usec, ActionOutcome *out, ActResult *res_out)
{
        ActionOutcome o = { .result = "dry-run" };
        ActResult res = { 0 };
        int64_t after;

        if (a->kind == ACTION_BALLOON) {
                send_balloon_request(g, a, &o);
                o.latency_usec = monotonic_usec() - wake_usec;
        } else if (!g->opt.dry_run) {
                switch (a->kind) {
                case ACTION_DROP_CACHES:
                        (void)act_drop_caches(g->root, &res);
                        break;
                case ACTION_COMPACT:
                        (void)act_compact(g->root, a->nodes, &res);
                        break;
                case ACTION_KILL:
                case ACTION_BALLOON:
                case _ACTION_MAX:
                default:
                        (void)act_kill(g->root, &g->policy, g->self, &res);
                        break;
                }
                /* wake-up to the action done; measuring its effect comes after */
                o.latency_usec = monotonic_usec() - wake_usec;
                o.result = res.error ? "failed" : "done";
                after = mem_free_kb(g);
                if (after >= 0)
                        o.freed_kb = after - (int64_t)g->sample->meminfo.mem_free_kb;
                decide_action_result(&g->state, a->kind, o.freed_kb > 0 ? (uint64_t)o.freed_kb : 0,
                                     g->pressure.guest_ram_kb);
        } else
                o.latency_usec = monotonic_usec() - wake_usec;
        if (!g->opt.dry_run && (a->kind == ACTION_BALLOON ? !strcmp(o.result, "sent") : !res.error)) {
                g->tally.count[a->kind]++;
                g->tally.last_usec[a->kind] = now_usec(g);
        }
        *res_out = res;
        *out = o;
        if (res.detail[0])
                out->detail = res_out->detail;
}

static void schedule_poll(Guard *g);
static void watch_agent(Guard *g);
static int agent_send(Guard *g, const void *record, size_t len);

/* The host hears from the guard every report interval, and at once on a
 * level change. Nobody listening is normal (no host relay configured). */
static void send_report(Guard *g, bool level_changed)
{
        WireReport rep;
        uint64_t now = now_usec(g);

        if (!level_changed && g->report_seq && now - g->last_report_usec < g->policy.report_interval_ms * USEC_PER_MSEC)
                return;
        g->last_report_usec = now;
        wire_report_build(g->sample, g->model, &g->pressure, &g->decision, &g->tally, now, ++g->report_seq, &rep);
        (void)agent_send(g, &rep, sizeof(rep));
}

/* sample -> model -> decide -> act -> report */
static void steer_now(Guard *g);

static void tick(Guard *g, uint64_t wake_usec)
{
        ActionOutcome outcomes[_ACTION_MAX];
        ActResult results[_ACTION_MAX];

        if (take_sample(g, 0) < 0)
                return;
        decide(&g->policy, &g->pressure, &g->state, &g->decision);
        for (unsigned i = 0; i < g->decision.n_actions; i++)
                carry_out(g, &g->decision.actions[i], wake_usec, &outcomes[i], &results[i]);
        /* A process started since the last scan may be what is pushing the
         * level up (a hog at 200 MiB/s reaches the OOM killer within a
         * second or two, well inside rescan_ms): steer it now, before the
         * kernel has to choose. */
        if (g->decision.level_changed && g->decision.level > g->decision.previous) {
                steer_now(g);
                g->last_steer_usec = monotonic_usec();
        }
        if (g->decision.level_changed) {
                report_level(&g->sink, g->sample, &g->pressure, &g->decision);
                notify_status(g);
        }
        for (unsigned i = 0; i < g->decision.n_actions; i++)
                report_action(&g->sink, g->sample, &g->pressure, &g->decision, &g->decision.actions[i], &outcomes[i]);
        send_report(g, g->decision.level_changed);
        schedule_poll(g);
}

static int on_psi(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        uint64_t wake = monotonic_usec();

        if (revents & (EPOLLERR | EPOLLHUP)) {
                /* the trigger is gone (PSI disabled at runtime, cgroup removed) */
                log_line(g, 4, "a PSI trigger failed; sampling on timers instead");
                sd_event_source_set_enabled(s, SD_EVENT_OFF);
                schedule_poll(g);
                return 0;
        }
        (void)fd;
        tick(g, wake);
        return 0;
}

/* The slow timer: the periodic sample and, when due, the scan for new
 * processes to steer, in one wake-up. */
static uint64_t slow_period_ms(const Policy *p)
{
        return p->steer_enabled && p->steer_rescan_ms < p->sample_interval_ms ? p->steer_rescan_ms : p->sample_interval_ms;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
        Guard *g = userdata;
        uint64_t now = monotonic_usec();

        (void)usec;
        if (s != g->sample_timer) {
                tick(g, now);
                return 0;
        }
        if (now - g->last_sample_usec + 1000 >= g->policy.sample_interval_ms * USEC_PER_MSEC) {
                tick(g, now);
                g->last_sample_usec = now;
        }
        if (now - g->last_steer_usec + 1000 >= g->policy.steer_rescan_ms * USEC_PER_MSEC) {
                steer_now(g);
                g->last_steer_usec = now;
        }
        sd_event_source_set_time_relative(s, slow_period_ms(&g->policy) * USEC_PER_MSEC);
        return 0;
}

static bool psi_armed(Guard *g)
{
        for (unsigned i = 0; i < g->n_psi; i++) {
                int enabled = SD_EVENT_OFF;

                if (sd_event_source_get_enabled(g->psi[i], &enabled) >= 0 && enabled != SD_EVENT_OFF)
                        return true;
        }
        return false;
}

/* Above normal, sample fast to act and to see recovery (PSI events come at
 * most once per window). At normal the interval follows the headroom: fast
 * near the warn threshold, slow far from it, PSI triggers or not. PSI
 * reports a stall once there is one; a workload taking 200 MiB/s can go
 * from plenty of headroom to the min watermark in two seconds without a
 * stall to report, and only a sample sees that decline (and its
 * time-to-min) early enough for the host to answer first. */
static void schedule_poll(Guard *g)
{
        const Policy *p = &g->policy;
        uint64_t ms;

        if (g->decision.level > LEVEL_NORMAL)
                ms = p->fast_poll_ms;
        else {
                int64_t h = g->pressure.headroom_low_kb, span = (int64_t)p->warn_headroom_low_kb * 2;

                if (h <= 0 || span <= 0)
                        ms = h <= 0 ? p->fast_poll_ms : p->slow_poll_ms;
                else if (h >= span)
                        ms = p->slow_poll_ms;
                else
                        ms = p->fast_poll_ms + (p->slow_poll_ms - p->fast_poll_ms) * (uint64_t)h / (uint64_t)span;
        }
        sd_event_source_set_time_relative(g->poll_timer, ms * USEC_PER_MSEC);
        sd_event_source_set_enabled(g->poll_timer, SD_EVENT_ONESHOT);
}

static void steer_now(Guard *g)
{
        SteerStats st;

        if (!g->policy.steer_enabled || (!g->policy.protect.n_rules && !g->policy.prefer.n_rules))
                return;
        if (steer_apply(g->steer, g->root, &g->policy, g->opt.dry_run, g->self, &st) == 0 && (st.changed || st.failed))
                log_line(g, 6, "oom_score_adj: %s %u of %u matching processes%s", g->opt.dry_run ? "would set" : "set",
                         st.changed, st.matched, st.failed ? " (some could not be changed)" : "");
}

static void disarm_psi(Guard *g)
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
                        log_line(g, 5,
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

static void arm_psi(Guard *g)
{
        int failure = 0;

        disarm_psi(g);
        add_trigger(g, "proc/pressure/memory", "some", g->policy.psi_some_stall_ms, &failure);
        add_trigger(g, "proc/pressure/memory", "full", g->policy.psi_full_stall_ms, &failure);
        for (unsigned i = 0; i < g->policy.n_pressure_cgroups; i++) {
                char path[CONFIG_PATH_MAX * 2 + 32];

                /* relative to the root: "/sys/fs/cgroup/x" -> "sys/fs/cgroup/x/memory.pressure" */
                snprintf(path, sizeof(path), "%s/memory.pressure", g->policy.pressure_cgroups[i] + 1);
                add_trigger(g, path, "some", g->policy.psi_some_stall_ms, &failure);
        }
        if (!psi_armed(g) && !g->said_polling) {
                log_line(g, 5, "no PSI trigger could be armed (%s); sampling on timers, every %" PRIu64 "-%" PRIu64 " ms",
                         failure ? strerror(-failure) : "disabled in the policy", g->policy.fast_poll_ms,
                         g->policy.slow_poll_ms);
                g->said_polling = true;
        }
}

static void watch_agent(Guard *g)
{
        if (!g->agent_source && g->agent.fd >= 0) {
                if (sd_event_add_io(g->event, &g->agent_source, g->agent.fd, EPOLLIN, on_agent, g) >= 0)
                        sd_event_source_set_description(g->agent_source, "agent");
        }
}

/* Every send goes through here: a failed send closes the link, and its
 * watch must go with it, or a reconnect that gets the same fd number back
 * would never be watched (and a later unref would remove someone else's). */
static int agent_send(Guard *g, const void *record, size_t len)
{
        int r = agent_link_send(&g->agent, record, len);

        if (g->agent.fd < 0)
                g->agent_source = sd_event_source_disable_unref(g->agent_source);
        else
                watch_agent(g);
        return r;
}

static void send_balloon_request(Guard *g, const PlannedAction *a, ActionOutcome *o)
{
        WireDeflateRequest req = {
                .h = { .magic = WIRE_MAGIC, .version = WIRE_VERSION, .type = WIRE_DEFLATE_REQUEST },
                .id = a->request_id,
                .bytes = a->amount_kb * 1024,
                .level = (uint32_t)g->decision.level,
                .reason = (uint32_t)a->reason,
                .headroom_min_kb = g->pressure.headroom_min_kb,
                .balloon_kb = g->pressure.balloon_kb,
                .psi_full_avg10 = g->pressure.psi_full_avg10,
        };
        int r;

        if (g->opt.dry_run) {
                o->result = "dry-run";
                decide_balloon_answer(&g->state, a->request_id, false, now_usec(g));
                return;
        }
        r = agent_send(g, &req, sizeof(req));
        if (r < 0) {
                /* No one to ask: settle the request now so that local
                 * actions, and a kill if allowed, are not held for it. */
                o->result = r == -ENOENT || r == -ECONNREFUSED ? "no-agent" : "failed";
                /* like a refusal: ask less often (cooldown doubles, up to 16x) */
                decide_balloon_answer(&g->state, a->request_id, false, now_usec(g));
                return;
        }
        o->result = "sent";
}

/* The host is short and asks for memory back: make what the guest does not
 * need easy to take (clean cache dropped, free memory compacted) so the
 * balloon can inflate without pushing the guest into reclaim. Never above
 * warn, and at most once per release_cooldown_ms. */
static void release_for_host(Guard *g, const WireRelease *rel)
{
        WireReleaseDone done = { .id = rel->id };
        MeminfoSample before, after;
        ActResult res = { 0 };
        uint64_t now = now_usec(g);
        const char *what = "nothing (dry run)";

        wire_header_init(&done.h, WIRE_RELEASE_DONE);
        if (g->decision.level > LEVEL_WARN)
                what = "nothing: the guest is under pressure itself";
        else if (g->released_once && now - g->last_release_usec < g->policy.release_cooldown_ms * USEC_PER_MSEC)
                what = "nothing: released recently";
        else if (!g->opt.dry_run && read_meminfo_now(g, &before) >= 0) {
                g->released_once = true;
                g->last_release_usec = now;
                done.dropped_caches = act_drop_caches(g->root, &res) == 0;
                done.compacted = act_compact(g->root, 0, &res) == 0;
                if (read_meminfo_now(g, &after) >= 0)
                        done.freed_kb = (int64_t)after.mem_available_kb - (int64_t)before.mem_available_kb;
                what = done.dropped_caches || done.compacted ? "dropped caches and compacted" : "tried, and failed";
        }
        log_line(g, 6, "host asked for memory back (release %" PRIu64 ", %" PRIu64 " kB): %s, MemAvailable %+" PRId64 " kB",
                 rel->id, rel->bytes / 1024, what, done.freed_kb);
        (void)agent_send(g, &done, sizeof(done));
}

static int on_agent(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        WireDeflateAnswer ans;
        WireRelease rel;
        int r;

        (void)fd;
        (void)revents;
        while ((r = agent_link_receive(&g->agent, &ans, &rel)) != 0) {
                if (r == -EBADMSG) {
                        log_line(g, 4, "dropped a malformed record from the agent");
                        continue;
                }
                if (r < 0)
                        break;
                if (r == WIRE_RELEASE) {
                        release_for_host(g, &rel);
                        continue;
                }
                decide_balloon_answer(&g->state, ans.id, ans.granted, now_usec(g));
                if (ans.granted)
                        log_line(g, 6, "host granted deflate request %" PRIu64 " (%" PRIu64 " kB)", ans.id,
                                 ans.granted_bytes / 1024);
                else
                        log_line(g, 6, "host refused deflate request %" PRIu64 " (%s)", ans.id,
                                 wire_refusal_name(ans.refusal));
        }
        if (g->agent.fd < 0)
                g->agent_source = sd_event_source_disable_unref(s);
        return 0;
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
        Guard *g = userdata;
        Policy *next = malloc(sizeof(*next));
        SteerStats st;

        (void)s;
        (void)si;
        if (!next)
                return 0;
        (void)sd_notify(0, "RELOADING=1");
        if (guard_load_policy(g->opt.policy_path, g->opt.policy_required, next, stderr) < 0)
                log_line(g, 3, "%s: not loaded; the running policy stays", g->opt.policy_path);
        else {
                /* Undo the old rules' changes before the new rules apply
                 * (a dry run changed nothing, and only forgets). */
                if (g->opt.dry_run)
                        g->steer->n = 0;
                else
                        (void)steer_restore(g->steer, g->root, &st);
                g->policy = *next;
                g->agent_source = sd_event_source_disable_unref(g->agent_source);
                agent_link_close(&g->agent);
                agent_link_init(&g->agent, g->policy.agent_socket);
                arm_psi(g);
                steer_now(g);
                log_line(g, 5, "%s: loaded", g->opt.policy_path);
        }
        free(next);
        (void)sd_notify(0, "READY=1");
        notify_status(g);
        schedule_poll(g);
        return 0;
}

static int setup_event_loop(Guard *g)
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
                                            slow_period_ms(&g->policy) * USEC_PER_MSEC, 0, on_timer, g)) < 0)
                return r;
        sd_event_source_set_enabled(g->sample_timer, SD_EVENT_ON);
        sd_event_source_set_description(g->sample_timer, "sample");
        if ((r = sd_event_add_time_relative(g->event, &g->poll_timer, CLOCK_MONOTONIC, 0, 0, on_timer, g)) < 0)
                return r;
        sd_event_source_set_description(g->poll_timer, "poll");
        sd_event_source_set_enabled(g->poll_timer, SD_EVENT_OFF);
        return 0;
}

int guard_new(const GuardOptions *opt, Guard **ret)
{
        Guard *g = calloc(1, sizeof(*g));
        SampleError e;
        char msg[256];
        int r;

        if (!g)
                return -ENOMEM;
        g->opt = *opt;
        g->self = getpid();
        g->sink.journal = true;
        g->sink.lines = opt->lines_to_stderr ? stderr : NULL;
        decide_state_init(&g->state);
        {
                /* The host remembers its answers by request id for as long as
                 * the domain lives, across guard restarts: a restarted guard
                 * counting from 1 again would be handed old answers. Start
                 * somewhere random below 2^52 (exact in any JSON reader). */
                uint64_t seed = 0;

                if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
                        g->state.next_request_id = (seed & ((UINT64_C(1) << 52) - 1)) + 1;
                else
                        g->state.next_request_id = monotonic_usec() + 1;
        }
        if ((r = guard_load_policy(opt->policy_path, opt->policy_required, &g->policy, stderr)) < 0)
                goto fail;
        agent_link_init(&g->agent, g->policy.agent_socket);
        g->sample = calloc(1, sizeof(Sample));
        g->scratch = calloc(1, sizeof(Sample));
        g->model = calloc(1, sizeof(Model));
        g->steer = calloc(1, sizeof(Steer));
        if (!g->sample || !g->scratch || !g->model || !g->steer) {
                r = -ENOMEM;
                goto fail;
        }
        if ((r = sysroot_open(opt->root, &g->root)) < 0) {
                fprintf(stderr, "%s: %s\n", opt->root, strerror(-r));
                goto fail;
        }
        if ((r = sample_read_static(g->root, g->scratch, &e)) < 0 || (r = take_sample(g, 0)) < 0) {
                sample_error_format(&e, msg, sizeof(msg));
                if (r != -EINVAL || !g->have_sample)
                        fprintf(stderr, "%s: cannot read memory state: %s\n", opt->root, msg);
                goto fail;
        }
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
        disarm_psi(g);
        sd_event_source_disable_unref(g->sample_timer);
        sd_event_source_disable_unref(g->poll_timer);
        g->agent_source = sd_event_source_disable_unref(g->agent_source);
        agent_link_close(&g->agent);
        sd_event_unref(g->event);
        sysroot_free(g->root);
        free(g->sample);
        free(g->scratch);
        free(g->model);
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
                log_line(g, 4, "mlockall: %s; pages of the guard may be reclaimed under pressure", strerror(errno));
        if ((r = setup_event_loop(g)) < 0) {
                log_line(g, 3, "cannot set up the event loop: %s", strerror(-r));
                return r;
        }
        arm_psi(g);
        steer_now(g);
        g->last_steer_usec = g->last_sample_usec = monotonic_usec();
        tick(g, g->last_sample_usec);
        log_line(g, 6, "watching %u node%s, level %s, headroom above min %" PRId64 " MiB; woken by %s%s", g->sample->n_nodes,
                 g->sample->n_nodes == 1 ? "" : "s", level_name(g->decision.level), g->pressure.headroom_min_kb / 1024,
                 psi_armed(g) ? "PSI triggers and a periodic sample" : "timers", g->opt.dry_run ? "; dry run: changing nothing" : "");
        (void)sd_notify(0, "READY=1");
        notify_status(g);
        r = sd_event_loop(g->event);
        (void)sd_notify(0, "STOPPING=1");
        if (!g->opt.dry_run && steer_restore(g->steer, g->root, &st) == 0 && st.restored)
                log_line(g, 6, "restored oom_score_adj of %u processes", st.restored);
        return r;
}

int guard_once(Guard *g, FILE *f)
{
        char state[512];

        decide(&g->policy, &g->pressure, &g->state, &g->decision);
        report_format_state(state, sizeof(state), g->sample, &g->pressure);
        fprintf(f, "level %s (%s)\n%s\n", level_name(g->decision.level), reason_name(g->decision.reason), state);
        if (g->decision.n_actions == 0)
                fprintf(f, "no action\n");
        for (unsigned i = 0; i < g->decision.n_actions; i++) {
                const PlannedAction *a = &g->decision.actions[i];

                fprintf(f, "would %s (%s)", action_name(a->kind), reason_name(a->reason));
                if (a->kind == ACTION_BALLOON)
                        fprintf(f, ": ask the host for %" PRIu64 " kB", a->amount_kb);
                fputc('\n', f);
        }
        if (g->decision.kill_held_for_host)
                fprintf(f, "a kill would wait for the host's answer\n");
        return 0;
}
