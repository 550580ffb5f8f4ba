/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What a domain's grant state must keep across a relay restart, and its
 * text form. Pure: no I/O and no clock (state-file.c reads and writes the
 * files). A restarted relay that forgot the answers it gave, the target it
 * set or the budget it spent would grant a resent request id again.
 *
 * The file is input as well: the parser takes exactly what the printer
 * writes, line by line in a fixed order, and refuses anything else with
 * the line and the reason: unknown or repeated lines, numbers with signs
 * (but for the budget, which a critical grant takes into debt), leading zeros or out of range, more answers than are remembered, a
 * missing "end". */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arbiter.h"
#include "grant.h"

#define STATE_VERSION 2
#define STATE_MAX_BYTES 8192            /* the largest state is about 3 KiB */
#define STATE_BOOT_ID_MAX 36            /* /proc/sys/kernel/random/boot_id: a UUID */

/* The grants whose balloon command is out and not yet confirmed: one
 * command per domain moves the balloon to the largest target of a round,
 * and every grant of that round waits for it. Without ids: a reclaim
 * step's command (reclaim.c). */
typedef struct StatePending {
        bool active;
        uint64_t target_kb;             /* the command's target */
        uint64_t previous_target_kb;    /* GrantDomain.target_kb before the round, for grant_failed() */
        uint64_t before_kb;             /* the balloon's actual size when it was sent, for the log */
        unsigned n_ids;
        uint64_t ids[GRANT_REMEMBER];
} StatePending;

typedef struct DomainState {
        unsigned version;               /* of the file read (1 or 2); state_format() writes STATE_VERSION */
        char boot_id[STATE_BOOT_ID_MAX + 1];    /* the monotonic times below are of this boot */
        uint64_t target_kb;
        bool have_grant;
        uint64_t last_grant_usec, last_grant_kb;
        bool have_budget;
        int64_t budget_kbms;            /* below 0: a critical grant's debt */
        uint64_t budget_usec;
        uint64_t cooldown_until_usec;
        /* The arbiter's: a restarted relay that took the balloon it finds
         * as the entitlement would turn a loan into a promise, and one that
         * forgot its own target would read the balloon still moving toward
         * it as another controller's move. */
        uint64_t entitlement_kb;        /* 0: not known yet */
        uint64_t policy_entitlement_mb; /* host.ini's when it was saved: a changed one wins */
        bool have_target;
        uint64_t arbiter_target_kb;
        unsigned n_answers;
        GrantAnswer answers[GRANT_REMEMBER];    /* oldest first */
        StatePending pending;
} DomainState;

/* Takes what must survive from g (and the pending balloon command). */
void state_capture(DomainState *st, const GrantDomain *g, const StatePending *pending, const char *boot_id);

/* Puts it back into g (whose policy and figures stay). The times are of
 * CLOCK_MONOTONIC: from another boot they mean nothing, and are taken as
 * "now" (the budget as spent then, no cooldown). */
void state_restore(const DomainState *st, GrantDomain *g, StatePending *pending, const char *boot_id,
                   uint64_t now_usec);

/* The same for the arbiter's entitlement and target; a domain's
 * entitlement_mb in host.ini, when it changed since, wins. */
void state_capture_arbiter(DomainState *st, const ArbiterDomain *a);
void state_restore_arbiter(const DomainState *st, ArbiterDomain *a);

/* The text, NUL-terminated; returns its length, or -ENOBUFS. */
int state_format(const DomainState *st, char *buf, size_t size);

/* Parses a whole file's bytes. Returns 0, or -EBADMSG with "line N: why"
 * in err. */
int state_parse(const char *text, size_t len, DomainState *ret, char *err, size_t errlen);
