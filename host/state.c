/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The text form of a domain's grant state (state.h):
 *
 *   oomguard-host-state 1
 *   boot 0f1e...-...
 *   target_kb 1114112
 *   grant 1 5000000000 65536         have_grant, last_grant_usec, last_grant_kb
 *   budget 1 -4096 5000000000        have_budget, budget_kbms (< 0: a debt), budget_usec
 *   cooldown_until_usec 0
 *   arbiter 655360 640 1 720896      entitlement_kb, host.ini's entitlement_mb, have_target, target_kb
 *   answer 7 granted 65536 1114112   id, granted_kb, target_kb  (0..32 lines, oldest first)
 *   answer 8 refused rate-limit      id, refusal
 *   pending 1114112 1048576 1048576 7   target_kb, previous_target_kb, before_kb, ids (optional;
 *                                       no id: a reclaim step)
 *   end
 *
 * One space between fields, '\n' after every line, nothing after "end". */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "state.h"

#define LINE_MAX_BYTES 1024
#define FIELDS_MAX (5 + GRANT_REMEMBER)
#define KB_MAX (UINT64_C(1) << 50)              /* 1 EiB: more than any domain */
#define VALUE_MAX ((uint64_t)INT64_MAX)

static void copy_answers(DomainState *st, const GrantDomain *g)
{
        /* the ring, oldest first: full, it starts at next_answer */
        unsigned first = g->n_answers == GRANT_REMEMBER ? g->next_answer : 0;

        st->n_answers = g->n_answers;
        for (unsigned i = 0; i < g->n_answers; i++)
                st->answers[i] = g->answers[(first + i) % GRANT_REMEMBER];
}

void state_capture(DomainState *st, const GrantDomain *g, const StatePending *pending, const char *boot_id)
{
        *st = (DomainState){
                .target_kb = g->target_kb,
                .have_grant = g->have_grant,
                .last_grant_usec = g->last_grant_usec,
                .last_grant_kb = g->last_grant_kb,
                .have_budget = g->have_budget,
                .budget_kbms = g->budget_kbms,
                .budget_usec = g->budget_usec,
                .cooldown_until_usec = g->cooldown_until_usec,
        };
        snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id);
        copy_answers(st, g);
        if (pending && pending->active)
                st->pending = *pending;
}

void state_restore(const DomainState *st, GrantDomain *g, StatePending *pending, const char *boot_id,
                   uint64_t now_usec)
{
        bool same_boot = strcmp(st->boot_id, boot_id) == 0;

        g->target_kb = st->target_kb;
        g->have_grant = st->have_grant;
        g->last_grant_usec = same_boot ? st->last_grant_usec : now_usec;
        g->last_grant_kb = st->last_grant_kb;
        g->have_budget = st->have_budget;
        g->budget_kbms = st->budget_kbms;
        g->budget_usec = same_boot ? st->budget_usec : now_usec;
        g->cooldown_until_usec = same_boot ? st->cooldown_until_usec : 0;
        g->n_answers = st->n_answers;
        g->next_answer = st->n_answers % GRANT_REMEMBER;
        for (unsigned i = 0; i < st->n_answers; i++)
                g->answers[i] = st->answers[i];
        *pending = st->pending;
}

void state_capture_arbiter(DomainState *st, const ArbiterDomain *a)
{
        st->entitlement_kb = a->entitlement_kb;
        st->policy_entitlement_mb = a->policy.entitlement_mb;
        st->have_target = a->have_target;
        st->arbiter_target_kb = a->target_kb;
}

void state_restore_arbiter(const DomainState *st, ArbiterDomain *a)
{
        if (st->entitlement_kb && st->policy_entitlement_mb == a->policy.entitlement_mb)
                a->entitlement_kb = st->entitlement_kb;
        a->have_target = st->have_target;
        a->target_kb = st->arbiter_target_kb;
}

/* ---- printing ------------------------------------------------------------ */

typedef struct Out {
        char *buf;
        size_t size, len;
        bool full;
} Out;

__attribute__((format(printf, 2, 3))) static void out(Out *o, const char *fmt, ...)
{
        va_list ap;
        int n;

        if (o->full)
                return;
        va_start(ap, fmt);
        n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
        va_end(ap);
        if (n < 0 || (size_t)n >= o->size - o->len)
                o->full = true;
        else
                o->len += (size_t)n;
}

int state_format(const DomainState *st, char *buf, size_t size)
{
        Out o = { .buf = buf, .size = size };

        if (size == 0)
                return -ENOBUFS;
        /* "-": the boot id could not be read (an empty field would not parse) */
        out(&o, "oomguard-host-state %d\nboot %s\ntarget_kb %" PRIu64 "\n", STATE_VERSION,
            st->boot_id[0] ? st->boot_id : "-", st->target_kb);
        out(&o, "grant %d %" PRIu64 " %" PRIu64 "\n", st->have_grant, st->last_grant_usec, st->last_grant_kb);
        out(&o, "budget %d %" PRId64 " %" PRIu64 "\n", st->have_budget, st->budget_kbms, st->budget_usec);
        out(&o, "cooldown_until_usec %" PRIu64 "\n", st->cooldown_until_usec);
        out(&o, "arbiter %" PRIu64 " %" PRIu64 " %d %" PRIu64 "\n", st->entitlement_kb, st->policy_entitlement_mb,
            st->have_target, st->arbiter_target_kb);
        for (unsigned i = 0; i < st->n_answers && i < GRANT_REMEMBER; i++) {
                const GrantAnswer *a = &st->answers[i];

                if (a->granted)
                        out(&o, "answer %" PRIu64 " granted %" PRIu64 " %" PRIu64 "\n", a->id, a->granted_kb,
                            a->target_kb);
                else
                        out(&o, "answer %" PRIu64 " refused %s\n", a->id, refusal_name(a->refusal));
        }
        if (st->pending.active) {
                out(&o, "pending %" PRIu64 " %" PRIu64 " %" PRIu64, st->pending.target_kb,
                    st->pending.previous_target_kb, st->pending.before_kb);
                for (unsigned i = 0; i < st->pending.n_ids && i < GRANT_REMEMBER; i++)
                        out(&o, " %" PRIu64, st->pending.ids[i]);
                out(&o, "\n");
        }
        out(&o, "end\n");
        return o.full ? -ENOBUFS : (int)o.len;
}

/* ---- parsing ------------------------------------------------------------- */

typedef struct Line {
        unsigned no;
        unsigned n;
        const char *f[FIELDS_MAX];
        size_t flen[FIELDS_MAX];
} Line;

__attribute__((format(printf, 4, 5))) static int bad(char *err, size_t errlen, unsigned line, const char *fmt, ...)
{
        char why[160];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(why, sizeof(why), fmt, ap);
        va_end(ap);
        snprintf(err, errlen, "line %u: %s", line, why);
        return -EBADMSG;
}

/* Splits at single spaces; an empty field (two spaces, a space at either
 * end) or more than FIELDS_MAX fields is refused. */
static int split(const char *s, size_t len, Line *l)
{
        size_t start = 0;

        l->n = 0;
        for (size_t i = 0; i <= len; i++) {
                if (i < len && s[i] != ' ')
                        continue;
                if (i == start || l->n == FIELDS_MAX)
                        return -EBADMSG;
                l->f[l->n] = s + start;
                l->flen[l->n++] = i - start;
                start = i + 1;
        }
        return 0;
}

static bool field_is(const Line *l, unsigned i, const char *word)
{
        return i < l->n && l->flen[i] == strlen(word) && memcmp(l->f[i], word, l->flen[i]) == 0;
}

/* Decimal, digits only, no leading zero, at most max. */
static bool number(const Line *l, unsigned i, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;

        if (i >= l->n || l->flen[i] == 0 || l->flen[i] > 20 || (l->f[i][0] == '0' && l->flen[i] > 1))
                return false;
        for (size_t k = 0; k < l->flen[i]; k++) {
                unsigned dgt = (unsigned char)l->f[i][k] - '0';

                if (dgt > 9 || dgt > max || v > (max - dgt) / 10)
                        return false;
                v = v * 10 + dgt;
        }
        *ret = v;
        return true;
}

/* The same with an optional '-' ("-0" is refused: one text per value). */
static bool signed_number(const Line *l, unsigned i, int64_t *ret)
{
        Line rest = *l;
        uint64_t v;

        if (i >= l->n || l->flen[i] == 0 || l->f[i][0] != '-')
                return number(l, i, VALUE_MAX, &v) && (*ret = (int64_t)v, true);
        rest.f[i]++;
        rest.flen[i]--;
        if (!number(&rest, i, VALUE_MAX, &v) || v == 0)
                return false;
        *ret = -(int64_t)v;
        return true;
}

static bool flag(const Line *l, unsigned i, bool *ret)
{
        uint64_t v;

        if (!number(l, i, 1, &v))
                return false;
        *ret = v == 1;
        return true;
}

static bool boot_id(const Line *l, DomainState *st)
{
        if (l->n != 2 || l->flen[1] > STATE_BOOT_ID_MAX)
                return false;
        for (size_t k = 0; k < l->flen[1]; k++)
                if (!strchr("0123456789abcdef-", l->f[1][k]) || l->f[1][k] == '\0')
                        return false;
        if (l->flen[1] == 1 && l->f[1][0] == '-') {
                st->boot_id[0] = '\0';
                return true;
        }
        memcpy(st->boot_id, l->f[1], l->flen[1]);
        st->boot_id[l->flen[1]] = '\0';
        return true;
}

static const GrantAnswer *known_answer(const DomainState *st, uint64_t id)
{
        for (unsigned i = 0; i < st->n_answers; i++)
                if (st->answers[i].id == id)
                        return &st->answers[i];
        return NULL;
}

static int answer_line(const Line *l, DomainState *st, char *err, size_t errlen)
{
        GrantAnswer a = { 0 };

        if (st->n_answers == GRANT_REMEMBER)
                return bad(err, errlen, l->no, "more than %d answers", GRANT_REMEMBER);
        if (!number(l, 1, VALUE_MAX, &a.id) || a.id == 0)
                return bad(err, errlen, l->no, "answer id must be 1..2^63-1");
        if (known_answer(st, a.id))
                return bad(err, errlen, l->no, "answer %" PRIu64 " given twice", a.id);
        if (field_is(l, 2, "granted")) {
                if (l->n != 5 || !number(l, 3, KB_MAX, &a.granted_kb) || !number(l, 4, KB_MAX, &a.target_kb))
                        return bad(err, errlen, l->no, "expected: answer ID granted KB TARGET_KB");
                a.granted = true;
        } else if (field_is(l, 2, "refused") && l->n == 4) {
                for (Refusal r = REFUSAL_AT_MAXIMUM; r < _REFUSAL_MAX; r++)
                        if (field_is(l, 3, refusal_name(r)))
                                a.refusal = r;
                if (a.refusal == REFUSAL_NONE)
                        return bad(err, errlen, l->no, "unknown refusal");
        } else
                return bad(err, errlen, l->no, "expected: answer ID granted KB TARGET_KB | answer ID refused WHY");
        st->answers[st->n_answers++] = a;
        return 0;
}

static int pending_line(const Line *l, DomainState *st, char *err, size_t errlen)
{
        StatePending *p = &st->pending;

        /* no id: a reclaim step's command */
        if (l->n < 4 || l->n > 4 + GRANT_REMEMBER || !number(l, 1, KB_MAX, &p->target_kb) ||
            !number(l, 2, KB_MAX, &p->previous_target_kb) || !number(l, 3, KB_MAX, &p->before_kb))
                return bad(err, errlen, l->no, "expected: pending TARGET_KB PREVIOUS_KB BEFORE_KB [ID...]");
        for (unsigned i = 4; i < l->n; i++) {
                const GrantAnswer *a;
                uint64_t id;

                /* every pending id is one of the answers, a grant */
                if (!number(l, i, VALUE_MAX, &id) || !(a = known_answer(st, id)) || !a->granted)
                        return bad(err, errlen, l->no, "pending id %u is not a granted answer", i - 3);
                for (unsigned k = 0; k < p->n_ids; k++)
                        if (p->ids[k] == id)
                                return bad(err, errlen, l->no, "pending id %" PRIu64 " given twice", id);
                p->ids[p->n_ids++] = id;
        }
        p->active = true;
        return 0;
}

enum {
        STEP_HEADER,
        STEP_BOOT,
        STEP_TARGET,
        STEP_GRANT,
        STEP_BUDGET,
        STEP_COOLDOWN,
        STEP_ARBITER,
        STEP_ANSWERS,
        STEP_END,
        STEP_DONE
};

static int parse_line(Line *l, unsigned *step, DomainState *st, char *err, size_t errlen)
{
        uint64_t v;

        switch (*step) {
        case STEP_HEADER:
                if (!field_is(l, 0, "oomguard-host-state") || l->n != 2)
                        return bad(err, errlen, l->no, "not an oomguard-host state file");
                /* version 1, of the relay before the arbiter, is read too: an
                 * upgrade must not forget the answers it gave */
                if (!number(l, 1, 1000, &v) || v < 1 || v > STATE_VERSION)
                        return bad(err, errlen, l->no, "version %.*s, this relay reads 1 to %d", (int)l->flen[1],
                                   l->f[1], STATE_VERSION);
                st->version = (unsigned)v;
                break;
        case STEP_BOOT:
                if (!field_is(l, 0, "boot") || !boot_id(l, st))
                        return bad(err, errlen, l->no, "expected: boot BOOT_ID");
                break;
        case STEP_TARGET:
                if (!field_is(l, 0, "target_kb") || l->n != 2 || !number(l, 1, KB_MAX, &st->target_kb))
                        return bad(err, errlen, l->no, "expected: target_kb KB");
                break;
        case STEP_GRANT:
                if (st->version == 1) { /* no last grant's size */
                        if (!field_is(l, 0, "grant") || l->n != 3 || !flag(l, 1, &st->have_grant) ||
                            !number(l, 2, VALUE_MAX, &st->last_grant_usec))
                                return bad(err, errlen, l->no, "expected: grant 0|1 USEC (version 1)");
                        break;
                }
                if (!field_is(l, 0, "grant") || l->n != 4 || !flag(l, 1, &st->have_grant) ||
                    !number(l, 2, VALUE_MAX, &st->last_grant_usec) || !number(l, 3, KB_MAX, &st->last_grant_kb))
                        return bad(err, errlen, l->no, "expected: grant 0|1 USEC KB");
                break;
        case STEP_BUDGET:
                if (!field_is(l, 0, "budget") || l->n != 4 || !flag(l, 1, &st->have_budget) ||
                    !signed_number(l, 2, &st->budget_kbms) || !number(l, 3, VALUE_MAX, &st->budget_usec))
                        return bad(err, errlen, l->no, "expected: budget 0|1 [-]KBMS USEC");
                break;
        case STEP_COOLDOWN:
                if (!field_is(l, 0, "cooldown_until_usec") || l->n != 2 ||
                    !number(l, 1, VALUE_MAX, &st->cooldown_until_usec))
                        return bad(err, errlen, l->no, "expected: cooldown_until_usec USEC");
                if (st->version == 1)
                        (*step)++;      /* version 1: no arbiter line */
                break;
        case STEP_ARBITER:
                if (!field_is(l, 0, "arbiter") || l->n != 5 || !number(l, 1, KB_MAX, &st->entitlement_kb) ||
                    !number(l, 2, KB_MAX, &st->policy_entitlement_mb) || !flag(l, 3, &st->have_target) ||
                    !number(l, 4, KB_MAX, &st->arbiter_target_kb))
                        return bad(err, errlen, l->no, "expected: arbiter ENTITLEMENT_KB ENTITLEMENT_MB 0|1 TARGET_KB");
                break;
        case STEP_ANSWERS:
                if (field_is(l, 0, "answer"))
                        return answer_line(l, st, err, errlen);     /* stays in this step */
                if (field_is(l, 0, "pending"))
                        return pending_line(l, st, err, errlen) < 0 ? -EBADMSG : (*step = STEP_END, 0);
                __attribute__((fallthrough));   /* no pending line */
        case STEP_END:
                if (!field_is(l, 0, "end") || l->n != 1)
                        return bad(err, errlen, l->no, "unexpected line");
                *step = STEP_DONE;
                return 0;
        default:
                return bad(err, errlen, l->no, "text after \"end\"");
        }
        (*step)++;
        return 0;
}

int state_parse(const char *text, size_t len, DomainState *ret, char *err, size_t errlen)
{
        unsigned step = STEP_HEADER, no = 0;
        size_t pos = 0;

        *ret = (DomainState){ 0 };
        if (len > STATE_MAX_BYTES)
                return bad(err, errlen, 0, "longer than %d bytes", STATE_MAX_BYTES);
        while (pos < len) {
                const char *s = text + pos, *nl = memchr(s, '\n', len - pos);
                Line l = { .no = ++no };
                size_t n;

                if (!nl)
                        return bad(err, errlen, no, "no newline at the end");
                n = (size_t)(nl - s);
                pos += n + 1;
                if (n > LINE_MAX_BYTES || memchr(s, '\0', n))
                        return bad(err, errlen, no, "line too long or holding a NUL");
                if (step == STEP_DONE)
                        return bad(err, errlen, no, "text after \"end\"");
                if (split(s, n, &l) < 0)
                        return bad(err, errlen, no, "fields must be separated by single spaces");
                if (parse_line(&l, &step, ret, err, errlen) < 0)
                        return -EBADMSG;
        }
        if (step != STEP_DONE)
                return bad(err, errlen, no, "truncated: no \"end\" line");
        return 0;
}
