/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One connection to one guest's oomguard-agent (PROTOCOL.md §2): resync
 * with 0xFF + guest-sync-delimited, then validated events in and commands
 * out. No I/O and no clock: bytes come in through session_feed(), go out
 * through ops->send(), and the time is passed in. Every byte is hostile:
 * each problem is refused, counted and reported through ops->problem(). */

#include <stdbool.h>
#include <stdint.h>

#include "bucket.h"
#include "grant.h"
#include "jsonline.h"
#include "level.h"

#define SESSION_SYNC_TIMEOUT_USEC (UINT64_C(2) * 1000000)      /* doubled per failed attempt */
#define SESSION_SYNC_TIMEOUT_MAX_USEC (UINT64_C(64) * 1000000)

typedef enum SessionState {
        SESSION_IDLE,           /* not started, or the connection is gone */
        SESSION_SYNCING,        /* sent 0xFF + guest-sync-delimited, discarding until the answer */
        SESSION_READY,
} SessionState;

typedef enum SessionProblem {
        PROBLEM_MALFORMED,      /* invalid JSON, wrong type, out of range, unknown event */
        PROBLEM_OVERSIZED,      /* a line over 64 KiB */
        PROBLEM_FLOOD,          /* over the token bucket */
        _PROBLEM_MAX,
} SessionProblem;

const char *session_problem_name(SessionProblem p);

/* What a report or level event said; logged and exported, never used to
 * size a grant (PROTOCOL.md §2.7). */
typedef struct SessionReport {
        Level level;
        uint64_t seq;
        int64_t balloon_kb, mem_total_kb, mem_available_kb, headroom_min_kb;    /* -1: absent */
        int64_t spare_kb, cache_kb;     /* protocol 2; -1: absent (an older guest) */
        bool level_only;                /* an oomguard-level event: only the level is news */
} SessionReport;

typedef struct SessionOps {
        /* Queues one line (or 0xFF + line) for the guest; < 0 ends the session. */
        int (*send)(void *user, const char *data, size_t len);
        /* A deflate request with a valid id; bytes or urgency may still be
         * invalid (0 / _LEVEL_INVALID) so that grant_decide() refuses it and
         * the guest gets an answer. */
        void (*deflate_request)(void *user, const GrantRequest *req, int64_t guest_balloon_kb, uint64_t now_usec);
        void (*report)(void *user, const SessionReport *r, uint64_t now_usec);
        void (*release_done)(void *user, uint64_t id, int64_t freed_kb);  /* MemAvailable change: may be negative */
        void (*synced)(void *user);
        void (*problem)(void *user, SessionProblem p, const char *why);
} SessionOps;

typedef struct Session {
        const SessionOps *ops;
        void *user;
        TokenBucket *bucket;    /* the domain's: survives reconnects */
        JsonLineFramer framer;
        SessionState state;
        uint64_t sync_id;
        bool after_sync_byte;   /* SYNCING: a 0xFF arrived; the next line may be the answer */
        unsigned sync_attempts;
        uint64_t sync_deadline_usec;
        bool guest_restarted;   /* a 0xFF while READY: a new agent, resync at once */
        uint64_t next_command_id;
        unsigned replies_due;   /* commands sent whose reply has not come: replies cost no token */
        uint64_t problems[_PROBLEM_MAX];
} Session;

int session_init(Session *s, const SessionOps *ops, void *user, TokenBucket *bucket);
void session_done(Session *s);

/* (Re)starts synchronisation with a fresh random id (63 bits, the caller's
 * RNG); the first attempt after a connect resets the backoff. */
int session_start(Session *s, uint64_t sync_id, uint64_t now_usec, bool reconnect);
/* The connection went away: back to IDLE. */
void session_stop(Session *s);
/* SYNCING and past the attempt's deadline, or a new agent announced
 * itself (guest_restarted): the caller restarts. */
bool session_sync_expired(const Session *s, uint64_t now_usec);

/* Bytes from the guest. Returns 0, or the negative errno of ops->send(). */
int session_feed(Session *s, const char *data, size_t len, uint64_t now_usec);

/* {"execute":"oomguard-deflate-answer",...}; only when READY. */
int session_answer(Session *s, const GrantAnswer *a);
/* {"execute":"oomguard-release","arguments":{"id":N,"bytes":B}}. */
int session_release(Session *s, uint64_t id, uint64_t bytes);
