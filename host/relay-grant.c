/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A round's requests decided durably, and the balloons moved: every domain
 * decided in a round has its state file written before any balloon moves
 * (a relay killed from then on gives a resent id the same answer after its
 * restart, and moves nothing for it); each domain's grants of the round
 * wait for one balloon command, to the largest target; the guest is told
 * "granted" only once the hypervisor confirmed that command; and while it
 * is out, the domain's next requests wait. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "hostlog.h"
#include "reclaim.h"
#include "relay.h"
#include "state-file.h"

#define RESUME_INTERVAL_USEC UINT64_C(1000000)

bool relay_refresh(Relay *r, RelayDomain *d)
{
        uint64_t actual, maximum;
        int k = r->backend->get_memory(d->handle, &actual, &maximum);

        if (k < 0) {
                /* A QEMU that is gone is asked every second. */
                uint64_t n = ++d->refresh_failures;

                if (hostlog_nth_is_said(n))
                        hostlog(r->log_flags, LOG_WARNING, d->name, "cannot read the balloon: %s (%" PRIu64 " in a row)",
                                strerror(-k), n);
                return false;
        }
        if (d->refresh_failures > 0)
                hostlog(r->log_flags, LOG_INFO, d->name, "the balloon can be read again after %" PRIu64 " failures",
                        d->refresh_failures);
        d->refresh_failures = 0;
        d->grant.actual_kb = d->stats.actual_kb = actual;
        d->grant.maximum_kb = d->stats.maximum_kb = maximum;
        return true;
}

void relay_state_load(Relay *r, RelayDomain *d, uint64_t now_usec)
{
        DomainState st;
        char err[200] = "";
        int k;

        if (r->state_dir_fd < 0)
                return;
        k = state_file_load(r->state_dir_fd, d->name, &st, err, sizeof(err));
        if (k == -ENOENT)
                return;
        if (k < 0) {
                /* Without it a resent id could be granted again: the budget
                 * starts spent, so at most one step a rate_s goes out, as
                 * if a grant had just been made. */
                hostlog(r->log_flags, LOG_ERR, d->name, "cannot read its state file: %s; the rate budget starts empty",
                        err[0] ? err : strerror(-k));
                d->grant.have_budget = true;
                d->grant.budget_kbms = 0;
                d->grant.budget_usec = now_usec;
                return;
        }
        state_restore(&st, &d->grant, &d->pending, r->boot_id, now_usec);
        state_restore_arbiter(&st, &d->arb);
        d->pending_unknown = d->pending.active;
        d->pending_retry_usec = 0;
        hostlog(r->log_flags, LOG_INFO, d->name, "state restored: %u answers remembered%s", st.n_answers,
                d->pending.active ? ", a balloon command to confirm" : "");
}

int relay_state_save(Relay *r, RelayDomain *d)
{
        DomainState st;
        int k;

        if (r->state_dir_fd < 0)
                return 0;
        state_capture(&st, &d->grant, &d->pending, r->boot_id);
        state_capture_arbiter(&st, &d->arb);
        k = state_file_save(r->state_dir_fd, d->name, &st);
        if (k < 0)
                hostlog(r->log_flags, LOG_ERR, d->name, "cannot write its state file: %s", strerror(-k));
        return k;
}

/* Counts, logs and sends one answer. */
static void answer(Relay *r, RelayDomain *d, const GrantAnswer *a, uint64_t before_kb, uint64_t after_kb)
{
        if (!a->repeated) {
                if (a->granted)
                        d->stats.grants++;
                else
                        d->stats.refusals[a->refusal]++;
        }
        hostlog_answer(r->log_flags, d->name, a, before_kb, after_kb);
        (void)session_answer(&d->session, a);
}

/* The hypervisor refused: the pending grants become refusals ("other") and
 * the target goes back (grant_failed). */
static void fail_pending(Relay *r, RelayDomain *d)
{
        StatePending p = d->pending;

        d->pending = (StatePending){ 0 };
        d->pending_unknown = false;
        for (unsigned i = 0; i < p.n_ids; i++)
                grant_failed(&d->grant, p.ids[i], p.previous_target_kb);
        if (p.n_ids == 0) {     /* a reclaim step */
                d->grant.target_kb = p.previous_target_kb;
                arbiter_step_failed(&d->arb);
        }
        (void)relay_state_save(r, d);
        for (unsigned i = 0; i < p.n_ids; i++)
                answer(r, d, &(GrantAnswer){ .id = p.ids[i], .refusal = REFUSAL_OTHER }, p.before_kb, p.before_kb);
}

static void confirm_pending(Relay *r, RelayDomain *d)
{
        StatePending p = d->pending;

        d->pending = (StatePending){ 0 };
        d->pending_unknown = false;
        /* If this write fails the file still says "pending", and a
         * restarted relay confirms from the balloon's size. */
        (void)relay_state_save(r, d);
        for (unsigned i = 0; i < p.n_ids; i++) {
                const GrantAnswer *known = grant_lookup(&d->grant, p.ids[i]);

                if (known)
                        answer(r, d, known, p.before_kb, p.target_kb);
        }
}

void relay_send_pending(Relay *r, RelayDomain *d)
{
        int k = r->backend->set_target(d->handle, d->pending.target_kb);

        if (k != RELAY_TARGET_SENT)
                relay_target_done(r, d, k);
}

void relay_target_done(Relay *r, RelayDomain *d, int result)
{
        if (!d->pending.active)
                return;
        if (result == 0)
                confirm_pending(r, d);
        else if (result == -ECONNRESET) {
                hostlog(r->log_flags, LOG_WARNING, d->name,
                        "the reply to the balloon command (%" PRIu64 " kB) was lost; checking the balloon",
                        d->pending.target_kb);
                d->pending_unknown = true;
        } else {
                hostlog(r->log_flags, LOG_ERR, d->name, "cannot set the balloon to %" PRIu64 " kB: %s",
                        d->pending.target_kb, strerror(-result));
                fail_pending(r, d);
        }
}

void relay_resume(Relay *r, uint64_t now_usec)
{
        for (unsigned i = 0; i < r->n_domains; i++) {
                RelayDomain *d = r->domains[i];

                if (!d->pending.active || !d->pending_unknown || now_usec < d->pending_retry_usec)
                        continue;
                d->pending_retry_usec = now_usec + RESUME_INTERVAL_USEC;
                if (!relay_refresh(r, d))
                        continue;       /* the hypervisor is not reachable yet */
                if (d->pending.n_ids == 0) {
                        /* A reclaim step is taken on the guest's consent of
                         * then: it is not sent again, the arbiter asks anew
                         * (and knows its target, should the first arrive). */
                        hostlog(r->log_flags, LOG_NOTICE, d->name,
                                "the reclaim step to %" PRIu64 " kB was not confirmed: not sent again; the balloon is at %" PRIu64 " kB",
                                d->pending.target_kb, d->grant.actual_kb);
                        relay_target_done(r, d, 0);
                        continue;
                }
                if (d->grant.actual_kb >= d->pending.target_kb) {
                        hostlog(r->log_flags, LOG_INFO, d->name, "the balloon is at %" PRIu64 " kB: the pending grants stand",
                                d->grant.actual_kb);
                        relay_target_done(r, d, 0);
                        continue;
                }
                /* An absolute target: if the first command arrived, this one
                 * moves nothing. */
                hostlog(r->log_flags, LOG_NOTICE, d->name,
                        "the balloon is at %" PRIu64 " kB, below the pending target %" PRIu64 " kB: setting it again",
                        d->grant.actual_kb, d->pending.target_kb);
                d->pending_unknown = false;
                relay_send_pending(r, d);
        }
}

static bool first_of_domain(RelayDomain *const *dom, size_t i)
{
        for (size_t j = 0; j < i; j++)
                if (dom[j] == dom[i])
                        return false;
        return true;
}

/* Adds a new grant to its domain's pending command; false when it cannot
 * wait there (more grants in one round than are remembered). */
static bool add_pending(RelayDomain *d, const GrantAnswer *a, uint64_t previous_target_kb)
{
        StatePending *p = &d->pending;

        if (!p->active)
                *p = (StatePending){ .active = true,
                                     .previous_target_kb = previous_target_kb,
                                     .before_kb = d->grant.actual_kb };
        if (p->n_ids == GRANT_REMEMBER)
                return false;
        p->ids[p->n_ids++] = a->id;
        p->target_kb = a->target_kb;    /* in decision order: the last is the largest */
        /* saved with it: a restarted relay knows the balloon moving toward
         * it is our move, not another controller's */
        reclaim_granted(d, p->target_kb);
        return true;
}

/* Writes the state of every domain the round changed; a domain whose file
 * cannot be written moves nothing. */
static void save_round(Relay *r, RelayDomain *const *dom, const GrantAnswer *answers, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                bool changed = false;

                if (!first_of_domain(dom, i))
                        continue;
                for (size_t j = i; j < n; j++)
                        changed |= dom[j] == dom[i] && !answers[j].repeated;
                if (changed && relay_state_save(r, dom[i]) < 0 && dom[i]->pending.active)
                        fail_pending(r, dom[i]);
        }
}

void relay_run_round(Relay *r, uint64_t host_available_kb, uint64_t now_usec, bool force)
{
        RelayDomain *dom[GRANT_MAX_ROUND];
        GrantDomain *gdoms[GRANT_MAX_ROUND];
        GrantRequest reqs[GRANT_MAX_ROUND];
        uint64_t before_target[GRANT_MAX_ROUND];
        GrantAnswer answers[GRANT_MAX_ROUND];
        size_t order[GRANT_MAX_ROUND], n = 0, kept = 0;

        if (r->n_round == 0 || (!force && now_usec < r->round_due_usec))
                return;
        for (size_t i = 0; i < r->n_round; i++) {
                if (r->round_domain[i]->pending.active) {
                        r->round_domain[kept] = r->round_domain[i];
                        r->round_req[kept++] = r->round_req[i];
                } else {
                        dom[n] = r->round_domain[i];
                        reqs[n++] = r->round_req[i];
                }
        }
        r->n_round = kept;
        r->round_due_usec = kept ? now_usec + RELAY_ROUND_USEC : 0;
        if (n == 0)
                return;
        for (size_t i = 0; i < n; i++) {
                /* Without the hypervisor's figures nothing can be sized:
                 * the request is decided against a maximum of 0, so
                 * refused, never granted from guess work. */
                if (!relay_refresh(r, dom[i]))
                        dom[i]->grant.maximum_kb = dom[i]->grant.actual_kb = 0;
                else
                        reclaim_before_round(dom[i], now_usec);
                gdoms[i] = &dom[i]->grant;
                before_target[i] = dom[i]->grant.target_kb;
        }
        grant_decide_round(r->policy, gdoms, reqs, n, host_available_kb, now_usec, answers, order);
        for (size_t k = 0; k < n; k++) {
                size_t i = order[k];

                if (!answers[i].granted || answers[i].repeated)
                        continue;
                if (!add_pending(dom[i], &answers[i], before_target[i])) {
                        grant_failed(&dom[i]->grant, answers[i].id, dom[i]->pending.target_kb);
                        answers[i] = (GrantAnswer){ .id = answers[i].id, .refusal = REFUSAL_OTHER };
                }
        }
        save_round(r, dom, answers, n);
        /* refusals and repeats go out now, grants once their command is confirmed */
        for (size_t k = 0; k < n; k++) {
                size_t i = order[k];

                if (!answers[i].granted || answers[i].repeated)
                        answer(r, dom[i], &answers[i], dom[i]->grant.actual_kb, dom[i]->grant.actual_kb);
        }
        for (size_t i = 0; i < n; i++)
                if (first_of_domain(dom, i) && dom[i]->pending.active)
                        relay_send_pending(r, dom[i]);
}
