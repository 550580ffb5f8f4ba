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
};

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
        uint32_t pad;
} WireDeflateAnswer;
