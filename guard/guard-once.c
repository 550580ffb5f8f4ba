/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --once: one evaluation from a fresh state, explained, changing nothing. */
#include "guard-internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* What each action would do, or why not, as the daemon's log would say it. */
static void fill_actions(Guard *g)
{
        const Decision *d = &g->step.decision;
        uint64_t now = g->step.pressure.now_usec;

        memset(g->actions, 0, sizeof(g->actions));
        for (unsigned i = 0; i < d->n_actions; i++) {
                const PlannedAction *a = &d->actions[i];
                ActionLog *l = &g->actions[a->kind];
                ActResult res = { 0 };

                l->ran = true;
                l->outcome = "would";
                l->ran_usec = now;
                if (a->kind == ACTION_BALLOON)
                        snprintf(l->detail, sizeof(l->detail), "ask the host for %" PRIu64 " kB", a->amount_kb);
                else if (a->kind == ACTION_KILL) {
                        (void)act_name_victim(g->root, &g->policy, g->self, &res);
                        report_join_detail(l->detail, sizeof(l->detail), res.detail, res.why);
                }
        }
        if (!d->evaluated)
                return;
        for (int k = 0; k < _ACTION_MAX; k++) {
                const ActionVerdict *v = &d->verdicts[k];
                ActionLog *l = &g->actions[k];

                if (v->skip == SKIP_NONE)
                        continue;
                l->skipped = true;
                l->skip = v->skip;
                l->skip_usec = now;
                l->until_usec = v->until_usec;
                report_format_skip(l->skip_text, sizeof(l->skip_text), v, now, NULL);
        }
}

int guard_once(Guard *g, FILE *f, bool json)
{
        const Decision *d = &g->step.decision;
        char state[640];
        StatusView v;
        int r;

        r = policy_step(&g->policy, g->sample, guard_monotonic_usec(), &g->state, &g->step);
        if (r < 0)
                return r;
        fill_actions(g);
        if (json) {
                guard_status_view(g, "once", &v);
                r = status_format_json(g->status_buf, sizeof(g->status_buf), &v);
                if (r < 0)
                        return r;
                fputs(g->status_buf, f);
                return 0;
        }
        report_format_state(state, sizeof(state), g->sample, &g->step.pressure, d);
        fprintf(f, "level %s (%s)\n%s\n", level_name(d->level), reason_name(d->reason), state);
        if (g->notes[0])
                fprintf(f, "note: %s\n", g->notes);
        if (!d->evaluated)
                fprintf(f, "no action: the level is normal\n");
        for (int k = 0; k < _ACTION_MAX; k++) {
                const ActionLog *l = &g->actions[k];

                if (l->ran)
                        fprintf(f, "would %s%s%s\n", action_name((ActionKind)k), l->detail[0] ? ": " : "", l->detail);
                else if (l->skipped)
                        fprintf(f, "%s %s\n", action_name((ActionKind)k), l->skip_text);
        }
        return 0;
}
