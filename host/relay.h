/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The relay: every domain's session, grant state and counters, the
 * rounds of deflate requests and the release asks. It reaches the
 * hypervisor only through Backend, and takes the time and the host's
 * MemAvailable as arguments, so tests and the fuzzer drive it with fakes. */

#include <stdbool.h>
#include <stdint.h>

#include "arbiter.h"
#include "grant.h"
#include "host-policy.h"
#include "session.h"
#include "state.h"

typedef struct RelayDomain RelayDomain;
typedef struct Relay Relay;

typedef struct Backend {
        /* The hypervisor's figures: the balloon's actual size and the
         * domain's maximum, both in kB. */
        int (*get_memory)(void *handle, uint64_t *ret_actual_kb, uint64_t *ret_maximum_kb);
        /* Moves the balloon target (kB): 0 when done, RELAY_TARGET_SENT when
         * the hypervisor's confirmation comes later, through
         * relay_target_done() (one command per domain at a time). */
        int (*set_target)(void *handle, uint64_t target_kb);
        /* Queues bytes for the guest's channel; < 0: drop the connection. */
        int (*send)(void *handle, const char *data, size_t len);
        /* The pid of the domain's QEMU, for its memory cgroup; NULL or < 0: unknown. */
        int (*get_pid)(void *handle, int *ret_pid);
} Backend;

#define RELAY_TARGET_SENT 1

typedef struct DomainStats {
        Level level;                    /* last reported; _LEVEL_INVALID before the first */
        int64_t guest_balloon_kb;       /* what the guest said, for the log and metrics only */
        uint64_t actual_kb, maximum_kb; /* the hypervisor's, at the last round */
        uint64_t grants;
        uint64_t refusals[_REFUSAL_MAX];
        uint64_t problems[_PROBLEM_MAX];
        uint64_t releases;
        int64_t guest_available_kb;     /* the guest's last MemAvailable, -1 before it: sizes a cgroup inflation */
        bool have_cgroup;               /* the memory cgroup's figures below are known (cgroup-watch.c) */
        uint64_t cgroup_usage_kb, cgroup_limit_kb, cgroup_near_misses, cgroup_oom_kills;
} DomainStats;

struct RelayDomain {
        Relay *relay;
        char name[HOST_POLICY_NAME_MAX];
        void *handle;           /* the backend's */
        Session session;
        GrantDomain grant;
        ArbiterDomain arb;      /* entitlement, loan, spare, reclaim: reclaim.c */
        /* The guest's last report, judged against the balloon at the next
         * read of it (reclaim.c), not from inside the session's callback. */
        bool have_report;
        ArbiterReport report;
        uint64_t report_usec;
        DomainStats stats;
        /* The grants waiting for their balloon command (relay-grant.c);
         * the domain's requests wait meanwhile. */
        StatePending pending;
        bool pending_unknown;           /* sent by a relay or a monitor connection that is gone */
        uint64_t refresh_failures;      /* reads of the balloon that failed in a row, for the log */
        uint64_t pending_retry_usec;
};

#define RELAY_ROUND_USEC (UINT64_C(200) * 1000)  /* requests within this window share a round */

struct Relay {
        const HostPolicy *policy;
        const Backend *backend;
        unsigned log_flags;     /* HOSTLOG_* */
        unsigned n_domains;
        RelayDomain *domains[HOST_POLICY_MAX_DOMAINS];

        size_t n_round;
        RelayDomain *round_domain[GRANT_MAX_ROUND];
        GrantRequest round_req[GRANT_MAX_ROUND];
        uint64_t round_due_usec;        /* 0: no round pending */
        uint64_t next_release_id;
        int state_dir_fd;               /* -1: nothing is kept across restarts */
        char boot_id[STATE_BOOT_ID_MAX + 1];
};

void relay_init(Relay *r, const HostPolicy *policy, const Backend *backend);
void relay_done(Relay *r);

/* Adds a domain (by name, for the policy); NULL when full or out of memory. */
RelayDomain *relay_add(Relay *r, const char *name, void *handle, uint64_t now_usec);
void relay_remove(Relay *r, RelayDomain *d);
/* A problem found outside the session (the backend), counted and logged
 * like the session's own. */
void relay_problem(RelayDomain *d, SessionProblem p, const char *why);

RelayDomain *relay_find(Relay *r, const char *name);

/* The channel (re)connected: starts the sync. sync_id is random. */
int relay_connected(Relay *r, RelayDomain *d, uint64_t sync_id, uint64_t now_usec);
void relay_disconnected(Relay *r, RelayDomain *d);
/* Bytes the guest sent. */
int relay_feed(Relay *r, RelayDomain *d, const char *data, size_t len, uint64_t now_usec);

/* Decides the pending round when it is due (or at once with force);
 * host_available_kb is the host's MemAvailable. relay-grant.c. */
void relay_run_round(Relay *r, uint64_t host_available_kb, uint64_t now_usec, bool force);
/* The hypervisor confirmed (0) or refused (< 0) the balloon command of a
 * domain's pending grants, or (-ECONNRESET) its reply was lost with the
 * connection: then relay_resume() finds out. */
void relay_target_done(Relay *r, RelayDomain *d, int result);
/* Settles pending grants whose command's fate is unknown (after a restart
 * or a lost monitor connection): the balloon at the target confirms them,
 * otherwise the same target is sent once more, which moves nothing if the
 * first command arrived. Called from the main loop's tick. */
void relay_resume(Relay *r, uint64_t now_usec);
/* The state file of d, read when d is added and written before any
 * balloon of d moves (state.h). relay-grant.c. */
void relay_state_load(Relay *r, RelayDomain *d, uint64_t now_usec);
int relay_state_save(Relay *r, RelayDomain *d);
/* Refreshes the hypervisor's figures; false when they cannot be had. */
bool relay_refresh(Relay *r, RelayDomain *d);
/* Sends the balloon command of d->pending (saved before: relay_state_save). */
void relay_send_pending(Relay *r, RelayDomain *d);
/* Asks guests to release memory when the policy says so. */
void relay_release(Relay *r, uint64_t host_available_kb, uint64_t now_usec);
/* relay_reclaim(): reclaim.h. */
/* Restarts syncs whose attempt timed out; random_id() gives fresh ids. */
void relay_check_syncs(Relay *r, uint64_t (*random_id)(void), uint64_t now_usec);
