/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Records between the guard and oomguard-agent on a local SOCK_SEQPACKET
 * socket: small, fixed, versioned. Host-controlled bytes never reach the
 * guard; the agent turns the host's JSON into these. One record per packet;
 * a packet whose size, magic or version does not match is dropped. */

#include <stdint.h>

#define WIRE_MAGIC UINT32_C(0x474d4f4f)        /* "OOMG" little-endian */
#define WIRE_VERSION 1

enum {
        WIRE_DEFLATE_REQUEST = 1,       /* guard -> agent */
        WIRE_DEFLATE_ANSWER = 2,        /* agent -> guard */
        WIRE_REPORT = 3,                /* guard -> agent: the current picture */
        WIRE_RELEASE = 4,               /* agent -> guard: the host asks the guest to free memory */
        WIRE_RELEASE_DONE = 5,          /* guard -> agent */
        /* guard -> agent, just before the WIRE_REPORT of the same seq. A
         * record of its own rather than a longer WireReport, so that an
         * agent that does not know it drops it (and logs it once) and
         * still forwards the reports, and a guard that never sends it
         * leaves the report as it was (PROTOCOL.md §3). */
        WIRE_SPARE = 6,
};

/* Why the host refused; carried in WireDeflateAnswer.refusal. The agent maps
 * the host's "refusal" string onto these; anything else is WIRE_REFUSED_OTHER. */
enum {
        WIRE_REFUSED_NONE = 0,
        WIRE_REFUSED_AT_MAXIMUM = 1,    /* the domain already has its maximum */
        WIRE_REFUSED_HOST_SHORT = 2,    /* host MemAvailable at its floor */
        WIRE_REFUSED_RATE_LIMIT = 3,    /* step/rate/cooldown of the host policy */
        WIRE_REFUSED_INVALID = 4,       /* the host found the request malformed */
        WIRE_REFUSED_OTHER = 5,
        WIRE_REFUSED_NO_HOST = 6,       /* no host relay answered (agent-generated) */
};

/* The names of WIRE_REFUSED_*: the host's "refusal" strings on the port
 * (guest-agent/PROTOCOL.md), and what the guard's log says. */
static inline const char *wire_refusal_name(uint32_t refusal)
{
        static const char *const names[] = {
                [WIRE_REFUSED_NONE] = "none",
                [WIRE_REFUSED_AT_MAXIMUM] = "at-maximum",
                [WIRE_REFUSED_HOST_SHORT] = "host-short",
                [WIRE_REFUSED_RATE_LIMIT] = "rate-limit",
                [WIRE_REFUSED_INVALID] = "invalid",
                [WIRE_REFUSED_OTHER] = "other",
                [WIRE_REFUSED_NO_HOST] = "no-host",
        };

        return refusal < sizeof(names) / sizeof(names[0]) ? names[refusal] : "?";
}

typedef struct WireHeader {
        uint32_t magic;
        uint16_t version;
        uint16_t type;
} WireHeader;

typedef struct WireDeflateRequest {
        WireHeader h;
        uint64_t id;                    /* idempotent: a resend keeps the id */
        uint64_t bytes;
        uint32_t level;                 /* Level */
        uint32_t reason;                /* Reason */
        int64_t headroom_min_kb;
        uint64_t balloon_kb;
        uint32_t psi_full_avg10;        /* hundredths of % */
        uint32_t pad;
} WireDeflateRequest;

typedef struct WireDeflateAnswer {
        WireHeader h;
        uint64_t id;
        uint64_t granted_bytes;
        uint32_t granted;               /* 1 granted, 0 refused */
        uint32_t refusal;               /* WIRE_REFUSED_*, 0 when granted */
} WireDeflateAnswer;

#define WIRE_MAX_ZONES 8
#define WIRE_ZONE_NAME 12               /* "DMA32", "Normal", "Movable"... NUL-padded */
#define WIRE_NEVER UINT32_MAX           /* WireActionTally.age_s of an action never taken */

typedef struct WireZone {
        uint32_t node;
        char name[WIRE_ZONE_NAME];
        int64_t free_kb, min_kb, low_kb, high_kb;
} WireZone;

typedef struct WireActionTally {
        uint32_t count;                 /* since the guard started */
        uint32_t age_s;                 /* seconds since the last one, or WIRE_NEVER */
} WireActionTally;

/* Sent every report interval and at once when the level changes. */
typedef struct WireReport {
        WireHeader h;
        uint64_t seq;                   /* +1 per report since the guard started */
        uint32_t level;                 /* Level */
        uint32_t previous_level;        /* == level unless this report is a change */
        uint32_t reason;                /* Reason of the last level change */
        uint32_t psi_some_avg10;        /* hundredths of % */
        uint32_t psi_full_avg10;
        uint32_t n_zones;               /* <= WIRE_MAX_ZONES valid entries in zones[] */
        int64_t headroom_min_kb;        /* worst zone: free - (min + reserve) */
        uint64_t mem_total_kb;
        uint64_t mem_available_kb;
        uint64_t balloon_kb;
        WireActionTally actions[4];     /* by ActionKind: balloon, drop_caches, compact, kill */
        WireZone zones[WIRE_MAX_ZONES];
} WireReport;

typedef struct WireRelease {
        WireHeader h;
        uint64_t id;
        uint64_t bytes;                 /* what the host would like back; a hint */
} WireRelease;

typedef struct WireReleaseDone {
        WireHeader h;
        uint64_t id;
        int64_t freed_kb;               /* MemAvailable after - before; may be negative */
        uint32_t dropped_caches;        /* 1 when caches were dropped */
        uint32_t compacted;             /* 1 when compaction ran */
} WireReleaseDone;

/* What the guest can give back without its level leaving normal
 * (policy/spare.h), for the report of the same seq. */
typedef struct WireSpare {
        WireHeader h;
        uint64_t seq;                   /* the WireReport it goes with */
        uint64_t spare_kb;              /* headroom over the thresholds less the expected demand */
        uint64_t cache_kb;              /* clean inactive file pages, dropped first if asked */
} WireSpare;
