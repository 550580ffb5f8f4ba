/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "decide.h"
#include "spare.h"

#include <string.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC UINT64_C(1000000)
#define MAX_BACKOFF_SHIFT 4     /* cooldown at most 16x */

static const char *const action_names[_ACTION_MAX] = {
        [ACTION_BALLOON] = "balloon_deflate",
        [ACTION_DROP_CACHES] = "drop_caches",
        [ACTION_COMPACT] = "compact",
        [ACTION_KILL] = "kill",
};

static const char *const reason_names[_REASON_MAX] = {
        [REASON_NONE] = "none",
        [REASON_HEADROOM_LOW] = "headroom_low",
        [REASON_HEADROOM_MIN] = "headroom_min",
        [REASON_PSI_SOME] = "psi_some",
        [REASON_PSI_FULL] = "psi_full",
        [REASON_TIME_TO_MIN] = "time_to_min",
        [REASON_ORDER] = "order",
        [REASON_RECOVERED] = "recovered",
};

static const char *const skip_names[_SKIP_MAX][2] = {
        [SKIP_NONE] = { "none", "planned" },
        [SKIP_DISABLED] = { "disabled", "disabled in the policy" },
        [SKIP_BELOW_LEVEL] = { "below_level", "the thresholds are below its level" },
        [SKIP_RECOVERED] = { "recovered", "the thresholds say normal again; the level is only held" },
        [SKIP_COOLDOWN] = { "cooldown", "in cooldown" },
        [SKIP_HOST_REFUSED] = { "host_refused", "the host refused or did not answer; waiting longer each time" },
        [SKIP_BALLOON_EMPTY] = { "balloon_empty", "the balloon is empty" },
        [SKIP_BALLOON_PENDING] = { "balloon_pending", "waiting for the host's answer to the last request" },
        [SKIP_POST_ACTION_DELAY] = { "post_action_delay", "another action ran just before; PSI lags by about 2 s" },
        [SKIP_ORDER_OK] = { "order_ok", "no fragmentation: some zone serves the order at low" },
        [SKIP_NOTHING_FREE] = { "nothing_free", "below min: no free memory to compact into" },
        [SKIP_CACHE_SMALL] = { "cache_small", "clean cache below min_file_pct of guest RAM" },
        [SKIP_REFAULTING] = { "refaulting", "file refaults above max_refault_per_s: the cache is the working set" },
        [SKIP_OTHER_ACTION] = { "other_action", "one local action per evaluation, and another one runs" },
        [SKIP_HELD_FOR_HOST] = { "held_for_host", "a deflate request is pending and the level is below critical" },
};

const char *skip_reason_name(SkipReason r)
{
        return r >= 0 && r < _SKIP_MAX ? skip_names[r][0] : "?";
}

const char *skip_reason_text(SkipReason r)
{
        return r >= 0 && r < _SKIP_MAX ? skip_names[r][1] : "?";
}

const char *action_name(ActionKind a)
{
        return a >= 0 && a < _ACTION_MAX ? action_names[a] : "?";
}

const char *reason_name(Reason r)
{
        return r >= 0 && r < _REASON_MAX ? reason_names[r] : "?";
}

void decide_state_init(DecideState *st)
{
        memset(st, 0, sizeof(*st));
        st->level = LEVEL_NORMAL;
        st->next_request_id = 1;
}

/* Rates from the previous sample: how fast headroom above min shrinks, and
 * how fast evicted file pages come back (refaults). */
static void update_rates(DecideState *st, const Pressure *in)
{
        if (st->have_prev && in->now_usec > st->prev_usec) {
                uint64_t dt = in->now_usec - st->prev_usec;
                /* What the balloon took or gave is the host's doing, not
                 * demand: deflating it (a grant) would hide what the
                 * workload ate, and inflating it by what the guest offered
                 * (a reclaim with consent, policy/spare.c) would look like a
                 * leak and ask the memory straight back. Inflation beyond
                 * the offer (a blind host) still counts: it is coming. */
                int64_t ballooned = (int64_t)in->balloon_kb - (int64_t)st->prev_balloon_kb;

                if (ballooned > (int64_t)st->prev_spare_kb)
                        ballooned = (int64_t)st->prev_spare_kb;
                int64_t inst = (st->prev_headroom_min_kb - in->headroom_min_kb - ballooned) * (int64_t)USEC_PER_SEC /
                               (int64_t)dt;
                uint64_t refaults = in->refault_pages >= st->prev_refault_pages ?
                                            in->refault_pages - st->prev_refault_pages : 0;

                /* Equal weight to the newest sample: a leak shows within two
                 * samples, one quiet sample halves the estimate. */
                st->decline_kb_per_s = (st->decline_kb_per_s + inst) / 2;
                st->last_decline_kb_per_s = inst;
                st->refault_per_s = refaults * USEC_PER_SEC / dt;
        }
        st->have_prev = true;
        st->prev_usec = in->now_usec;
        st->prev_headroom_min_kb = in->headroom_min_kb;
        st->prev_balloon_kb = in->balloon_kb;
        st->prev_refault_pages = in->refault_pages;
}

/* The level the thresholds give, with headroom thresholds raised by extra_kb
 * (the hysteresis when deciding whether a level may be left). */
static Level level_for(const Policy *p, const Pressure *in, int64_t time_to_min_ms, uint64_t extra_kb,
                       Reason *reason)
{
        int64_t hmin = in->headroom_min_kb, hlow = in->headroom_low_kb;

        if (p->critical_headroom_min_kb && hmin <= (int64_t)(p->critical_headroom_min_kb + extra_kb))
                return *reason = REASON_HEADROOM_MIN, LEVEL_CRITICAL;
        if (in->psi_present && p->critical_psi_full_avg10 && in->psi_full_avg10 >= p->critical_psi_full_avg10)
                return *reason = REASON_PSI_FULL, LEVEL_CRITICAL;
        if (p->act_headroom_min_kb && hmin <= (int64_t)(p->act_headroom_min_kb + extra_kb))
                return *reason = REASON_HEADROOM_MIN, LEVEL_ACT;
        if (in->psi_present && p->act_psi_full_avg10 && in->psi_full_avg10 >= p->act_psi_full_avg10)
                return *reason = REASON_PSI_FULL, LEVEL_ACT;
        if (p->act_time_to_min_s && time_to_min_ms >= 0 && time_to_min_ms <= (int64_t)(p->act_time_to_min_s * 1000))
                return *reason = REASON_TIME_TO_MIN, LEVEL_ACT;
        if (p->warn_headroom_low_kb && hlow <= (int64_t)(p->warn_headroom_low_kb + extra_kb))
                return *reason = REASON_HEADROOM_LOW, LEVEL_WARN;
        if (in->psi_present && p->warn_psi_some_avg10 && in->psi_some_avg10 >= p->warn_psi_some_avg10)
                return *reason = REASON_PSI_SOME, LEVEL_WARN;
        if (p->warn_time_to_min_s && time_to_min_ms >= 0 && time_to_min_ms <= (int64_t)(p->warn_time_to_min_s * 1000))
                return *reason = REASON_TIME_TO_MIN, LEVEL_WARN;
        if (!in->order_ok_low)
                return *reason = REASON_ORDER, LEVEL_WARN;
        return *reason = REASON_NONE, LEVEL_NORMAL;
}

static uint64_t cooldown_until(const DecideState *st, const ActionPolicy *a, ActionKind kind)
{
        return st->last_action_usec[kind] + (a->cooldown_ms << st->backoff_shift[kind]) * USEC_PER_MSEC;
}

/* The gates every action passes: enabled, at its level, cooled down. */
static SkipReason gate(const DecideState *st, const ActionPolicy *a, ActionKind kind, Level level, uint64_t now,
                       uint64_t *until)
{
        *until = 0;
        if (!a->enabled)
                return SKIP_DISABLED;
        if ((uint64_t)level < a->level)
                return SKIP_BELOW_LEVEL;
        if (st->acted[kind] && now < cooldown_until(st, a, kind)) {
                *until = cooldown_until(st, a, kind);
                return kind == ACTION_BALLOON && st->balloon_refused_last ? SKIP_HOST_REFUSED : SKIP_COOLDOWN;
        }
        return SKIP_NONE;
}

static void verdict(Decision *d, ActionKind kind, SkipReason why, uint64_t until)
{
        d->verdicts[kind].skip = why;
        d->verdicts[kind].until_usec = until;
}

static void plan(Decision *d, DecideState *st, ActionKind kind, Reason reason, uint64_t now)
{
        PlannedAction *a = &d->actions[d->n_actions++];

        memset(a, 0, sizeof(*a));
        a->kind = kind;
        a->reason = reason;
        verdict(d, kind, SKIP_NONE, 0);
        st->acted[kind] = true;
        st->last_action_usec[kind] = now;
        if (kind != ACTION_BALLOON) {
                st->any_local_action = true;
                st->last_local_action_usec = now;
        }
}

/* Enough to bring headroom above the high watermarks back to the warn
 * margin (plus hysteresis, so the level can drop), and the demand the
 * current decline expects over the horizon; never more than the balloon.
 * The decline is the faster of the smoothed one and the last interval's:
 * a workload that has just started shows in one interval, the smoothing
 * halves it, and a host that grants once per rate_s would answer the
 * half-sized request and refuse the next one while the guest runs out. */
static uint64_t balloon_request_kb(const Policy *p, const Pressure *in, const DecideState *st)
{
        int64_t want = (int64_t)(p->warn_headroom_low_kb + p->hysteresis_kb) - in->headroom_high_kb;
        int64_t decline = st->decline_kb_per_s > st->last_decline_kb_per_s ? st->decline_kb_per_s
                                                                             : st->last_decline_kb_per_s;
        uint64_t kb;

        /* The demand until a grant can arrive counts too: the time the
         * last grant took (request to answer), the loop's own limit. */
        if (decline > 0)
                want += decline * (int64_t)(p->balloon_horizon_ms + st->grant_latency_usec / USEC_PER_MSEC) / 1000;
        kb = want > 0 ? (uint64_t)want : 0;
        if (kb < p->balloon_min_request_kb)
                kb = p->balloon_min_request_kb;
        return kb < in->balloon_kb ? kb : in->balloon_kb;
}

/* The ladder, cheapest first; every action gets a verdict. */
static void decide_actions(const Policy *p, const Pressure *in, DecideState *st, Decision *d, Level raw,
                           Reason raw_reason)
{
        uint64_t now = in->now_usec, until, delay_until;
        SkipReason why;
        bool local_ok;

        /* 1. Ask the host: the cheapest action for the guest, and the only
         *    one that adds memory. Runs beside the local ones. */
        why = gate(st, &p->balloon, ACTION_BALLOON, raw, now, &until);
        if (why == SKIP_NONE && in->balloon_kb == 0)
                why = SKIP_BALLOON_EMPTY;
        else if (why == SKIP_NONE && st->balloon_pending) {
                why = SKIP_BALLOON_PENDING;
                until = st->balloon_sent_usec + p->balloon_timeout_ms * USEC_PER_MSEC;
        }
        if (why == SKIP_NONE) {
                plan(d, st, ACTION_BALLOON, raw_reason, now);
                d->actions[d->n_actions - 1].amount_kb = balloon_request_kb(p, in, st);
                d->actions[d->n_actions - 1].request_id = st->next_request_id;
                st->balloon_pending = true;
                st->balloon_id = st->next_request_id++;
                st->balloon_sent_usec = now;
                st->balloon_kb = d->actions[d->n_actions - 1].amount_kb;
                st->balloon_size_at_request_kb = in->balloon_kb;
        } else
                verdict(d, ACTION_BALLOON, why, until);

        /* Local actions, one per decision, and none within the post-action
         * delay of the last: PSI needs ~2 s to show what an action did. */
        local_ok = !st->any_local_action || now - st->last_local_action_usec >= p->post_action_delay_ms * USEC_PER_MSEC;
        delay_until = st->last_local_action_usec + p->post_action_delay_ms * USEC_PER_MSEC;

        /* 2. Fragmentation: order-0 memory is there, the blocks are not. */
        why = gate(st, &p->compact, ACTION_COMPACT, raw, now, &until);
        if (why == SKIP_NONE && in->order_ok_low)
                why = SKIP_ORDER_OK;
        else if (why == SKIP_NONE && in->headroom_min_kb <= 0)
                why = SKIP_NOTHING_FREE;
        else if (why == SKIP_NONE && !local_ok)
                why = SKIP_POST_ACTION_DELAY, until = delay_until;
        if (why == SKIP_NONE) {
                plan(d, st, ACTION_COMPACT, REASON_ORDER, now);
                d->actions[d->n_actions - 1].nodes = in->order_fail_nodes;
                local_ok = false;
                delay_until = 0;
        } else
                verdict(d, ACTION_COMPACT, why, until);

        /* 3. Clean page cache, when there is a lot of it and it is not the
         *    working set (evicted pages do not come back as refaults). */
        why = gate(st, &p->drop_caches, ACTION_DROP_CACHES, raw, now, &until);
        if (why == SKIP_NONE && (!in->guest_ram_kb || in->file_kb * 100 < p->drop_file_min_pct * in->guest_ram_kb))
                why = SKIP_CACHE_SMALL;
        else if (why == SKIP_NONE && st->refault_per_s > p->drop_max_refault_per_s)
                why = SKIP_REFAULTING;
        else if (why == SKIP_NONE && !local_ok)
                why = delay_until ? SKIP_POST_ACTION_DELAY : SKIP_OTHER_ACTION, until = delay_until;
        if (why == SKIP_NONE) {
                plan(d, st, ACTION_DROP_CACHES, raw_reason, now);
                local_ok = false;
                delay_until = 0;
        } else
                verdict(d, ACTION_DROP_CACHES, why, until);

        /* 4. Last resort. Never while the host may still give memory, unless
         *    the kernel's OOM killer is next anyway. */
        why = gate(st, &p->kill, ACTION_KILL, raw, now, &until);
        if (why == SKIP_NONE && !local_ok)
                why = delay_until ? SKIP_POST_ACTION_DELAY : SKIP_OTHER_ACTION, until = delay_until;
        else if (why == SKIP_NONE && st->balloon_pending && raw < LEVEL_CRITICAL) {
                d->kill_held_for_host = true;
                why = SKIP_HELD_FOR_HOST;
                until = st->balloon_sent_usec + p->balloon_timeout_ms * USEC_PER_MSEC;
        }
        if (why == SKIP_NONE)
                plan(d, st, ACTION_KILL, raw_reason, now);
        else
                verdict(d, ACTION_KILL, why, until);
}

void decide(const Policy *p, const Pressure *in, DecideState *st, Decision *d)
{
        uint64_t now = in->now_usec;
        Reason raw_reason, down_reason;
        Level raw, down;

        memset(d, 0, sizeof(*d));
        update_rates(st, in);
        d->time_to_min_ms = st->decline_kb_per_s > 0 ? in->headroom_min_kb * 1000 / st->decline_kb_per_s : -1;
        d->decline_kb_per_s = st->decline_kb_per_s;
        d->refault_per_s = st->refault_per_s > UINT32_MAX ? UINT32_MAX : (uint32_t)st->refault_per_s;
        if (d->time_to_min_ms < -1)
                d->time_to_min_ms = 0;  /* already below */

        /* Levels rise at once and fall only after hold_ms, and only once the
         * thresholds are cleared by the hysteresis margin. */
        raw = level_for(p, in, d->time_to_min_ms, 0, &raw_reason);
        down = level_for(p, in, d->time_to_min_ms, p->hysteresis_kb, &down_reason);
        d->previous = st->level;
        if (raw > st->level) {
                st->level = raw;
                st->reason = raw_reason;
                st->level_since_usec = now;
        } else if (down < st->level && now - st->level_since_usec >= p->hold_ms * USEC_PER_MSEC) {
                st->level = down;
                st->reason = down == LEVEL_NORMAL ? REASON_RECOVERED : down_reason;
                st->level_since_usec = now;
        }
        d->level = st->level;
        d->reason = st->reason;
        d->level_changed = d->level != d->previous;
        st->prev_spare_kb = spare_kb(p, in, st);

        /* A pending deflate request times out into "refused"; one made
         * while the host was still inflating is superseded once the balloon
         * has grown by a request's worth: what was asked no longer helps. */
        if (st->balloon_pending && now - st->balloon_sent_usec >= p->balloon_timeout_ms * USEC_PER_MSEC) {
                st->balloon_pending = false;
                st->balloon_refused_last = true;
                if (st->backoff_shift[ACTION_BALLOON] < MAX_BACKOFF_SHIFT)
                        st->backoff_shift[ACTION_BALLOON]++;    /* no answer is no better than a refusal */
        }
        if (st->balloon_pending && in->balloon_kb >= st->balloon_size_at_request_kb + p->balloon_min_request_kb) {
                st->balloon_pending = false;
                st->acted[ACTION_BALLOON] = false;      /* no cooldown for a superseded request */
        }

        /* Actions follow what the thresholds say now (raw), not the held
         * level: the hold keeps the level and the log from flapping, but
         * memory that came back during it needs no request, no dropped
         * cache and no kill. */
        if (d->level == LEVEL_NORMAL && raw == LEVEL_NORMAL)
                return;
        d->evaluated = true;
        if (raw == LEVEL_NORMAL) {
                for (int k = 0; k < _ACTION_MAX; k++)
                        verdict(d, (ActionKind)k, SKIP_RECOVERED, 0);
                return;
        }
        decide_actions(p, in, st, d, raw, raw_reason);
}

void decide_action_result(DecideState *st, ActionKind kind, uint64_t freed_kb, uint64_t guest_ram_kb)
{
        if (kind < 0 || kind >= _ACTION_MAX)
                return;
        if (guest_ram_kb && freed_kb * 256 < guest_ram_kb) {
                if (st->backoff_shift[kind] < MAX_BACKOFF_SHIFT)
                        st->backoff_shift[kind]++;
        } else
                st->backoff_shift[kind] = 0;
}

void decide_balloon_answer(DecideState *st, uint64_t request_id, bool granted, uint64_t now_usec)
{
        if (!st->balloon_pending || request_id != st->balloon_id)
                return; /* late or repeated answer: the request is settled */
        st->balloon_pending = false;
        st->balloon_refused_last = !granted;
        if (granted) {
                st->backoff_shift[ACTION_BALLOON] = 0;
                if (now_usec >= st->balloon_sent_usec)
                        st->grant_latency_usec = now_usec - st->balloon_sent_usec;
                return;
        }
        /* Refused: wait a full cooldown from now before asking again, and
         * twice as long after each refusal in a row (up to 16x). A host
         * at its rate limit or at the domain's maximum says the same thing
         * again if asked every cooldown_ms. */
        st->last_action_usec[ACTION_BALLOON] = now_usec;
        if (st->backoff_shift[ACTION_BALLOON] < MAX_BACKOFF_SHIFT)
                st->backoff_shift[ACTION_BALLOON]++;
}
