/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One evaluation: sample -> policy_step() -> act -> report. */
#include "guard-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "sample-read.h"

/* Reads a sample into the scratch buffer and swaps it in. On error the last
 * good sample stays: one odd kernel line degrades a sample, it never stops
 * the guard. */
static int take_sample(Guard *g)
{
        SampleError e;
        char msg[256];
        Sample *t;
        int r;

        /* the static parts travel with the sample */
        g->scratch->kernel = g->sample->kernel;
        g->scratch->kernel_known = g->sample->kernel_known;
        g->scratch->page_size_kb = g->sample->page_size_kb;
        g->scratch->balloon = g->sample->balloon;
        g->scratch->nodes_online_mask = g->sample->nodes_online_mask;
        g->scratch->has_nodes_online = g->sample->has_nodes_online;
        r = sample_read(g->root, g->scratch, 0, &e);
        if (r < 0) {
                if (g->sample_failures++ % 100 == 0) {
                        sample_error_format(&e, msg, sizeof(msg));
                        guard_log(g, 3, "cannot sample, keeping the last good sample: %s", msg);
                }
                return r;
        }
        t = g->sample;
        g->sample = g->scratch;
        g->scratch = t;
        return 0;
}

static int64_t mem_free_kb(Guard *g)
{
        MeminfoSample m;

        return guard_read_meminfo(g, &m) < 0 ? -1 : (int64_t)m.mem_free_kb;
}

/* Carries out one action; reporting waits until every action is done, so
 * that under pressure the guard acts before it writes about it. */
static void carry_out(Guard *g, const PlannedAction *a, uint64_t wake_usec, ActionOutcome *out, ActResult *res_out)
{
        ActionOutcome o = { .result = "dry-run" };
        ActResult res = { 0 };
        int64_t after;

        if (a->kind == ACTION_BALLOON) {
                guard_send_balloon_request(g, a, &o);
                o.latency_usec = guard_monotonic_usec() - wake_usec;
        } else if (g->opt.dry_run && a->kind == ACTION_KILL) {
                /* a dry run names whom it would kill, and why */
                (void)act_name_victim(g->root, &g->policy, g->self, &res);
                res.error = 0;
                o.latency_usec = guard_monotonic_usec() - wake_usec;
        } else if (!g->opt.dry_run) {
                (void)act_run(g->root, &g->policy, g->self, a, &res);
                /* wake-up to the action done; measuring its effect comes after */
                o.latency_usec = guard_monotonic_usec() - wake_usec;
                o.result = res.error ? "failed" : "done";
                after = mem_free_kb(g);
                if (after >= 0)
                        o.freed_kb = after - (int64_t)g->sample->meminfo.mem_free_kb;
                decide_action_result(&g->state, a->kind, o.freed_kb > 0 ? (uint64_t)o.freed_kb : 0,
                                     g->step.pressure.guest_ram_kb);
        } else
                o.latency_usec = guard_monotonic_usec() - wake_usec;
        if (!g->opt.dry_run &&
            (a->kind == ACTION_BALLOON ? !strcmp(o.result, "sent") || !strcmp(o.result, "waiting-for-agent")
                                       : !res.error) &&
            a->kind < _ACTION_MAX) {
                g->tally.count[a->kind]++;
                g->tally.last_usec[a->kind] = guard_now_usec(g);
        }
        *res_out = res;
        *out = o;
        if (res.detail[0])
                out->detail = res_out->detail;
        if (res.why[0])
                out->why = res_out->why;
        out->victim_pid = res.victim_pid;
}

/* Remembers what each action did; reports each skip once per change of
 * reason or retry time. Back at normal the skips are wiped (the last runs
 * stay), so the next episode says everything again. */
static void log_actions(Guard *g, const ActionOutcome *outcomes)
{
        const Decision *d = &g->step.decision;
        uint64_t now = g->step.pressure.now_usec;

        for (unsigned i = 0; i < d->n_actions; i++) {
                const ActionOutcome *o = &outcomes[i];
                ActionLog *l;

                if (d->actions[i].kind >= _ACTION_MAX)
                        continue;
                l = &g->actions[d->actions[i].kind];
                l->ran = true;
                l->outcome = !strcmp(o->result, "dry-run") ? "would" : o->result;
                l->ran_usec = now;
                if (d->actions[i].kind == ACTION_BALLOON)
                        snprintf(l->detail, sizeof(l->detail), "request %" PRIu64 " for %" PRIu64 " kB",
                                 d->actions[i].request_id, d->actions[i].amount_kb);
                else
                        report_join_detail(l->detail, sizeof(l->detail), o->detail, o->why);
                l->skipped = l->skip_reported = false;
        }
        for (int k = 0; k < _ACTION_MAX; k++) {
                const ActionVerdict *v = &d->verdicts[k];
                ActionLog *l = &g->actions[k];

                if (!d->evaluated) {
                        l->skipped = l->skip_reported = false;
                        continue;
                }
                if (v->skip == SKIP_NONE)
                        continue;
                if (l->skip_reported && l->skip == v->skip && l->until_usec == v->until_usec)
                        continue;
                report_skip(&g->sink, g->sample, &g->step.pressure, d, (ActionKind)k, v, g->host_said);
                g->counters.skips[k]++;
                l->skipped = l->skip_reported = true;
                l->skip = v->skip;
                l->skip_usec = now;
                l->until_usec = v->until_usec;
                report_format_skip(l->skip_text, sizeof(l->skip_text), v, now,
                                   v->skip == SKIP_HOST_REFUSED ? g->host_said : NULL);
        }
}

void guard_steer_now(Guard *g)
{
        SteerStats st;
        char named[512];

        if (!g->policy.steer_enabled || (!g->policy.protect.n_rules && !g->policy.prefer.n_rules))
                return;
        if (steer_apply(g->steer, g->root, &g->policy, g->opt.dry_run, g->self, &st) < 0 || !(st.changed || st.failed))
                return;
        steer_format_changes(&st, named, sizeof(named));
        report_steer(&g->sink, g->opt.dry_run, st.changed, st.matched, st.failed, named);
}

/* decide() lets a deflate request go once balloon timeout_ms passed
 * without an answer, and counts it as refused. Said, because the host may
 * still grant it (an agent killed with the answer on its way, say): a
 * grant the guard never reads is then a request it gave up on, not a lost
 * one. */
static void say_given_up(Guard *g, bool was_pending, uint64_t id, uint64_t sent_usec)
{
        const DecideState *st = &g->state;

        if (was_pending && (!st->balloon_pending || st->balloon_id != id) &&
            g->step.pressure.now_usec - sent_usec >= g->policy.balloon_timeout_ms * USEC_PER_MSEC)
                guard_log(g, 5, "no answer to deflate request %" PRIu64 " within %" PRIu64 " ms: counted as refused",
                          id, g->policy.balloon_timeout_ms);
}

void guard_tick(Guard *g, uint64_t wake_usec)
{
        const Decision *d = &g->step.decision;
        ActionOutcome outcomes[_ACTION_MAX];
        ActResult results[_ACTION_MAX];
        bool was_pending = g->state.balloon_pending;
        uint64_t waited_id = g->state.balloon_id, sent_usec = g->state.balloon_sent_usec;

        if (take_sample(g) < 0)
                return;
        if (policy_step(&g->policy, g->sample, guard_now_usec(g), &g->state, &g->step) < 0)
                return;
        say_given_up(g, was_pending, waited_id, sent_usec);
        for (unsigned i = 0; i < d->n_actions; i++)
                carry_out(g, &d->actions[i], wake_usec, &outcomes[i], &results[i]);
        /* A process started since the last scan may be what is pushing the
         * level up (a hog at 200 MiB/s reaches the OOM killer within a
         * second or two, well inside rescan_ms): steer it now, before the
         * kernel has to choose. */
        if (d->level_changed && d->level > d->previous) {
                guard_steer_now(g);
                g->last_steer_usec = guard_monotonic_usec();
        }
        if (d->level_changed) {
                report_level(&g->sink, g->sample, &g->step.pressure, d);
                guard_notify_status(g);
        }
        for (unsigned i = 0; i < d->n_actions; i++)
                report_action(&g->sink, g->sample, &g->step.pressure, d, &d->actions[i], &outcomes[i]);
        log_actions(g, outcomes);
        guard_resend_pending(g);
        guard_send_report(g, d->level_changed);
        guard_write_metrics(g, d->level_changed);
        guard_schedule_poll(g);
}

void guard_write_metrics(Guard *g, bool level_changed)
{
        uint64_t now = guard_now_usec(g);
        int n, r;

        if (!g->policy.metrics_file[0])
                return;
        if (!level_changed && g->metrics_written &&
            now - g->last_metrics_usec < g->policy.report_interval_ms * USEC_PER_MSEC)
                return;
        g->last_metrics_usec = now;
        g->metrics_written = true;
        n = metrics_format(g->metrics_buf, sizeof(g->metrics_buf), &g->step.pressure, &g->step.decision, &g->tally,
                           &g->counters);
        r = n < 0 ? n : metrics_write(g->policy.metrics_file, g->metrics_buf, (size_t)n);
        if (r < 0 && !g->said_metrics_error) {
                guard_log(g, 4, "%s: cannot write metrics: %s", g->policy.metrics_file, strerror(-r));
                g->said_metrics_error = true;
        }
}
