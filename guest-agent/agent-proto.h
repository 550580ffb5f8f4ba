/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The agent's protocol logic without I/O (PROTOCOL.md §2.3-2.6): host
 * commands in, replies and events out; guard records in, records back. Every
 * effect is returned as data in an AgentOut, which the daemon carries out;
 * the clocks are arguments. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "agent-wire.h"

#define AGENT_VERSION "0.1.0"
#define AGENT_PROTOCOL 2        /* 2: reports carry spare_kb and cache_kb */
#define AGENT_PENDING_MAX 8
#define AGENT_PENDING_TIMEOUT_USEC (UINT64_C(30) * 1000000)
#define AGENT_DESC_MAX 256
#define AGENT_GUARD_ANY UINT64_C(0)     /* AgentGuardOut.conn: any connected guard */

typedef struct AgentGuardOut {
        uint64_t conn;                  /* the guard connection to answer, or AGENT_GUARD_ANY */
        size_t len;
        union {
                WireHeader h;
                WireDeflateAnswer answer;
                WireRelease release;
        } rec;
} AgentGuardOut;

typedef struct AgentOut {
        GString *host;                  /* bytes for the port, in order: lines and 0xFF */
        GArray *guard;                  /* AgentGuardOut, in order */
        GPtrArray *log;                 /* lines for stderr, g_free'd */
} AgentOut;

void agent_out_init(AgentOut *o);
void agent_out_clear(AgentOut *o);      /* empties, keeps the containers */
void agent_out_done(AgentOut *o);

typedef struct AgentPending {
        WireDeflateRequest req;
        uint64_t since_usec;            /* CLOCK_MONOTONIC of its first arrival */
        uint64_t conn;                  /* the guard connection that sent it */
} AgentPending;

typedef struct AgentProto {
        bool synced;                    /* guest-sync-delimited seen on this host connection */
        bool have_report;
        WireReport report;              /* the latest, for oomguard-status */
        bool have_spare;
        WireSpare spare;                /* the latest; goes with the report of its seq */
        AgentPending pending[AGENT_PENDING_MAX];
        size_t n_pending;               /* oldest first */
        unsigned guards;                /* connected guards; the daemon keeps it */
        uint64_t host_lines, host_malformed, host_errors;
        uint64_t guard_records, guard_malformed;
} AgentProto;

void agent_proto_init(AgentProto *p);

/* The host side went away or sent 0xFF: events wait until it syncs again. */
void agent_proto_host_reset(AgentProto *p);

/* One line from the host, without '\n'. */
void agent_proto_host_line(AgentProto *p, const char *line, size_t len, uint64_t now_usec,
                           int64_t realtime_usec, AgentOut *out);

/* The framer dropped a line over JSONLINE_MAX. */
void agent_proto_host_oversized(AgentProto *p, AgentOut *out);

/* One packet from guard connection conn (never AGENT_GUARD_ANY). */
void agent_proto_guard_packet(AgentProto *p, uint64_t conn, const void *buf, size_t len, uint64_t now_usec,
                              int64_t realtime_usec, AgentOut *out);

/* Answers WIRE_REFUSED_NO_HOST to requests pending longer than
 * AGENT_PENDING_TIMEOUT_USEC. */
void agent_proto_tick(AgentProto *p, uint64_t now_usec, AgentOut *out);
