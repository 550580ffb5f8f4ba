/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Glue between sessions, the grant policy and the backend. Requests are
 * collected for RELAY_ROUND_USEC so that guests asking at the same moment
 * are decided together, by priority, when the host is short. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hostlog.h"
#include "reclaim.h"
#include "relay.h"

void relay_init(Relay *r, const HostPolicy *policy, const Backend *backend)
{
        *r = (Relay){ .policy = policy,
                      .backend = backend,
                      .log_flags = HOSTLOG_JOURNAL,
                      .next_release_id = 1,
                      .state_dir_fd = -1 };
}

void relay_done(Relay *r)
{
        while (r->n_domains > 0)
                relay_remove(r, r->domains[r->n_domains - 1]);
}

static int domain_send(void *user, const char *data, size_t len)
{
        RelayDomain *d = user;

        return d->relay->backend->send(d->handle, data, len);
}

static void domain_deflate_request(void *user, const GrantRequest *req, int64_t guest_balloon_kb, uint64_t now_usec)
{
        RelayDomain *d = user;
        Relay *r = d->relay;

        hostlog(r->log_flags, LOG_INFO, d->name,
                "deflate request %" PRIu64 ": %" PRIu64 " bytes, urgency %s, guest says balloon %" PRId64 " kB", req->id,
                req->bytes, req->urgency >= 0 ? level_name(req->urgency) : "invalid", guest_balloon_kb);
        reclaim_note_request(d, now_usec);
        /* The round is decided by the main loop, with the host's figures of
         * then, never from here. A full one is due at once; a request that
         * does not fit is refused "rate-limit" (the guard asks again after
         * its cooldown), not remembered, so a resent id is decided anew. */
        if (r->n_round >= GRANT_MAX_ROUND) {
                r->round_due_usec = now_usec;
                hostlog(r->log_flags, LOG_WARNING, d->name,
                        "deflate request %" PRIu64 " refused rate-limit: %d requests wait for a round", req->id,
                        GRANT_MAX_ROUND);
                (void)session_answer(&d->session, &(GrantAnswer){ .id = req->id, .refusal = REFUSAL_RATE_LIMIT });
                d->stats.refusals[REFUSAL_RATE_LIMIT]++;
                return;
        }
        if (r->n_round == 0)
                r->round_due_usec = now_usec + RELAY_ROUND_USEC;
        r->round_domain[r->n_round] = d;
        r->round_req[r->n_round] = *req;
        r->n_round++;
}

static void domain_report(void *user, const SessionReport *rep, uint64_t now_usec)
{
        RelayDomain *d = user;

        if (rep->level != d->stats.level)
                hostlog(d->relay->log_flags, LOG_INFO, d->name, "guest level %s", level_name(rep->level));
        d->stats.level = rep->level;
        reclaim_note_report(d, rep, now_usec);
        if (rep->balloon_kb >= 0)
                d->stats.guest_balloon_kb = rep->balloon_kb;
        if (rep->mem_available_kb >= 0)
                d->stats.guest_available_kb = rep->mem_available_kb;
}

static void domain_release_done(void *user, uint64_t id, int64_t freed_kb)
{
        RelayDomain *d = user;

        hostlog(d->relay->log_flags, LOG_INFO, d->name, "release %" PRIu64 " done: MemAvailable %+" PRId64 " kB", id,
                freed_kb);
}

static void domain_synced(void *user)
{
        RelayDomain *d = user;

        hostlog(d->relay->log_flags, LOG_INFO, d->name, "guest agent synchronised");
}

static void domain_problem(void *user, SessionProblem p, const char *why)
{
        RelayDomain *d = user;
        uint64_t n = ++d->stats.problems[p];

        /* A hostile guest must not flood the journal. */
        if (hostlog_nth_is_said(n))
                hostlog(d->relay->log_flags, LOG_WARNING, d->name, "refused %s message (%" PRIu64 " so far): %s",
                        session_problem_name(p), n, why);
}

static const SessionOps domain_ops = {
        .send = domain_send,
        .deflate_request = domain_deflate_request,
        .report = domain_report,
        .release_done = domain_release_done,
        .synced = domain_synced,
        .problem = domain_problem,
};

void relay_problem(RelayDomain *d, SessionProblem p, const char *why)
{
        domain_problem(d, p, why);
}

RelayDomain *relay_find(Relay *r, const char *name)
{
        for (unsigned i = 0; i < r->n_domains; i++)
                if (strcmp(r->domains[i]->name, name) == 0)
                        return r->domains[i];
        return NULL;
}

RelayDomain *relay_add(Relay *r, const char *name, void *handle, uint64_t now_usec)
{
        DomainPolicy dp;
        RelayDomain *d;

        if (r->n_domains >= HOST_POLICY_MAX_DOMAINS || strlen(name) >= HOST_POLICY_NAME_MAX)
                return NULL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return NULL;
        strcpy(d->name, name);
        d->relay = r;
        d->handle = handle;
        d->stats.level = _LEVEL_INVALID;
        d->stats.guest_balloon_kb = d->stats.guest_available_kb = -1;
        host_policy_for_domain(r->policy, name, &dp);
        grant_domain_init(&d->grant, &dp, now_usec);
        reclaim_domain_init(d);
        relay_state_load(r, d, now_usec);
        if (session_init(&d->session, &domain_ops, d, &d->grant.bucket) < 0) {
                free(d);
                return NULL;
        }
        r->domains[r->n_domains++] = d;
        return d;
}

void relay_remove(Relay *r, RelayDomain *d)
{
        size_t k = 0;

        /* Its pending requests go with it. */
        for (size_t i = 0; i < r->n_round; i++)
                if (r->round_domain[i] != d) {
                        r->round_domain[k] = r->round_domain[i];
                        r->round_req[k++] = r->round_req[i];
                }
        r->n_round = k;
        for (unsigned i = 0; i < r->n_domains; i++)
                if (r->domains[i] == d) {
                        r->domains[i] = r->domains[--r->n_domains];
                        break;
                }
        session_done(&d->session);
        free(d);
}

int relay_connected(Relay *r, RelayDomain *d, uint64_t sync_id, uint64_t now_usec)
{
        hostlog(r->log_flags, LOG_DEBUG, d->name, "channel connected, synchronising");
        return session_start(&d->session, sync_id, now_usec, true);
}

void relay_disconnected(Relay *r, RelayDomain *d)
{
        hostlog(r->log_flags, LOG_DEBUG, d->name, "channel disconnected");
        session_stop(&d->session);
}

int relay_feed(Relay *r, RelayDomain *d, const char *data, size_t len, uint64_t now_usec)
{
        return session_feed(&d->session, data, len, now_usec);
}

void relay_release(Relay *r, uint64_t host_available_kb, uint64_t now_usec)
{
        GrantDomain *doms[HOST_POLICY_MAX_DOMAINS];
        RelayDomain *ready[HOST_POLICY_MAX_DOMAINS];
        ReleaseAsk asks[HOST_POLICY_MAX_DOMAINS];
        size_t n = 0, n_asks;

        /* The hypervisor is asked for figures only when there is a shortfall. */
        if (!grant_release_due(r->policy, host_available_kb))
                return;
        for (unsigned i = 0; i < r->n_domains; i++)
                /* not while a balloon command is out: the monitor may be
                 * sitting on it, and a query would wait behind it */
                if (r->domains[i]->session.state == SESSION_READY && !r->domains[i]->pending.active &&
                    relay_refresh(r, r->domains[i])) {
                        ready[n] = r->domains[i];
                        doms[n++] = &r->domains[i]->grant;
                }
        n_asks = grant_release(r->policy, doms, n, host_available_kb, now_usec, asks);
        for (size_t i = 0; i < n_asks; i++) {
                RelayDomain *d = ready[asks[i].index];
                uint64_t id = r->next_release_id++;

                hostlog(r->log_flags, LOG_NOTICE, d->name,
                        "host MemAvailable %" PRIu64 " kB: asking release %" PRIu64 " of %" PRIu64 " bytes",
                        host_available_kb, id, asks[i].bytes);
                if (session_release(&d->session, id, asks[i].bytes) >= 0)
                        d->stats.releases++;
        }
}

void relay_check_syncs(Relay *r, uint64_t (*random_id)(void), uint64_t now_usec)
{
        for (unsigned i = 0; i < r->n_domains; i++) {
                RelayDomain *d = r->domains[i];

                bool restarted = d->session.guest_restarted;

                if (!session_sync_expired(&d->session, now_usec))
                        continue;
                if (restarted)
                        hostlog(r->log_flags, LOG_INFO, d->name, "guest agent started again, synchronising");
                else
                        hostlog(r->log_flags, LOG_DEBUG, d->name, "no answer to guest-sync-delimited, trying again");
                (void)session_start(&d->session, random_id(), now_usec, restarted);
        }
}
