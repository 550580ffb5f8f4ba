/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The decision: a pure function of (policy, pressure, state, now). It
 * returns the level and the actions to take, each with its reason; the
 * caller carries them out and reports what they achieved. No I/O, no clock:
 * the time comes in Pressure.now_usec. */

#include <stdbool.h>
#include <stdint.h>

#include "policy.h"
#include "pressure.h"

typedef enum ActionKind {
        ACTION_BALLOON,         /* ask the host to deflate */
        ACTION_DROP_CACHES,
        ACTION_COMPACT,
        ACTION_KILL,
        _ACTION_MAX,
} ActionKind;

typedef enum Reason {
        REASON_NONE,
        REASON_HEADROOM_LOW,    /* headroom above low under warn_headroom_low_kb */
        REASON_HEADROOM_MIN,    /* headroom above min under act/critical */
        REASON_PSI_SOME,
        REASON_PSI_FULL,
        REASON_TIME_TO_MIN,     /* the decline reaches min soon */
        REASON_ORDER,           /* no zone serves the policy's order at low */
        REASON_RECOVERED,       /* back under the level's thresholds, with hysteresis */
        _REASON_MAX,
} Reason;

/* Why an enabled action was not planned at an evaluation above normal. */
typedef enum SkipReason {
        SKIP_NONE,              /* planned */
        SKIP_DISABLED,          /* enabled = no in the policy */
        SKIP_BELOW_LEVEL,       /* the thresholds are below the action's level */
        SKIP_RECOVERED,         /* the thresholds say normal; only the level is held */
        SKIP_COOLDOWN,          /* until: its cooldown (doubled while it achieves little) */
        SKIP_HOST_REFUSED,      /* balloon: until: the host refused, the cooldown doubles */
        SKIP_BALLOON_EMPTY,     /* balloon: nothing to deflate */
        SKIP_BALLOON_PENDING,   /* balloon: until: the last request is unanswered (timeout) */
        SKIP_POST_ACTION_DELAY, /* until: another local action ran within post_action_delay_ms */
        SKIP_ORDER_OK,          /* compact: every order the policy names is served */
        SKIP_NOTHING_FREE,      /* compact: below min, no free memory to compact into */
        SKIP_CACHE_SMALL,       /* drop_caches: file pages below min_file_pct of guest RAM */
        SKIP_REFAULTING,        /* drop_caches: the cache is the working set */
        SKIP_OTHER_ACTION,      /* one local action per evaluation, and another one runs */
        SKIP_HELD_FOR_HOST,     /* kill: a deflate request is pending and the level is below critical */
        _SKIP_MAX,
} SkipReason;

const char *action_name(ActionKind a);
const char *reason_name(Reason r);
/* "cooldown", "balloon_empty", ... for fields; skip_reason_text() in words. */
const char *skip_reason_name(SkipReason r);
const char *skip_reason_text(SkipReason r);

typedef struct PlannedAction {
        ActionKind kind;
        Reason reason;
        uint64_t amount_kb;     /* balloon: how much to ask for */
        uint64_t nodes;         /* compact: bit per node, 0 = all */
        uint64_t request_id;    /* balloon */
} PlannedAction;

typedef struct ActionVerdict {
        SkipReason skip;        /* SKIP_NONE: planned */
        uint64_t until_usec;    /* when it may run again; 0: no time known */
} ActionVerdict;

typedef struct Decision {
        Level level, previous;
        Reason reason;          /* why the level is what it is */
        bool level_changed;
        int64_t time_to_min_ms; /* -1: not declining */
        int64_t decline_kb_per_s;       /* the smoothed decline behind time_to_min_ms */
        uint32_t refault_per_s;
        /* Above normal, each action's verdict at this evaluation. */
        bool evaluated;
        ActionVerdict verdicts[_ACTION_MAX];
        unsigned n_actions;
        PlannedAction actions[_ACTION_MAX];
        bool kill_held_for_host;        /* a kill was due, but a deflate request is pending */
} Decision;

typedef struct DecideState {
        Level level;
        Reason reason;
        uint64_t level_since_usec;

        bool have_prev;
        uint64_t prev_usec;
        int64_t prev_headroom_min_kb;
        uint64_t prev_balloon_kb;       /* the balloon's own moves are not demand */
        uint64_t prev_spare_kb;         /* spare_kb() at the last sample: what the host may take */
        int64_t decline_kb_per_s;       /* smoothed; > 0 while headroom shrinks */
        int64_t last_decline_kb_per_s;  /* over the last interval alone */
        uint64_t prev_refault_pages;
        uint64_t refault_per_s;

        uint64_t last_action_usec[_ACTION_MAX];
        bool acted[_ACTION_MAX];
        uint64_t last_local_action_usec;
        bool any_local_action;
        uint64_t backoff_shift[_ACTION_MAX];    /* cooldown doubles while an action achieves little */

        bool balloon_pending;
        bool balloon_refused_last;      /* the backoff comes from a refusal (or no answer) */
        uint64_t balloon_id, balloon_sent_usec, balloon_kb;
        uint64_t balloon_size_at_request_kb;    /* what the balloon held when asked */
        uint64_t next_request_id;
        uint64_t grant_latency_usec;    /* request to grant, the last time one was granted */
} DecideState;

void decide_state_init(DecideState *st);

/* Decides for one sample; updates *st (levels, rates, what was planned). */
void decide(const Policy *p, const Pressure *in, DecideState *st, Decision *ret);

/* What an action achieved: freed_kb below 1/256 of guest RAM counts as
 * little and doubles that action's cooldown (up to 16x); more resets it. */
void decide_action_result(DecideState *st, ActionKind kind, uint64_t freed_kb, uint64_t guest_ram_kb);

/* The host's answer to a deflate request (or its failure to answer). A
 * grant resets the request's backoff; a refusal (and a request that could
 * not be sent, or timed out) doubles its cooldown, up to 16x. */
void decide_balloon_answer(DecideState *st, uint64_t request_id, bool granted, uint64_t now_usec);
