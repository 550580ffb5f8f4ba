/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The agent protocol under test: an AgentProto and what it wrote, driven
 * by host lines and guard records on a fake clock, with the lines it sent
 * the host parsed back. test-agent-proto.c and test-agent-records.c. */

#include <stdbool.h>
#include <stdint.h>

#include "agent-proto.h"
#include "jsonline.h"

#define SEC UINT64_C(1000000)
#define REALTIME INT64_C(1795000000000012)

typedef struct T {
        AgentProto p;
        AgentOut out;
        uint64_t now;
        GPtrArray *msgs;        /* JsonNode of each line written to the host */
        bool sync_byte;         /* a 0xFF was written */
} T;

int setup(void **state);
int teardown(void **state);
/* Feeds the agent one host line, or one guard record on connection conn;
 * what it wrote the host is parsed into t->msgs. */
void host(T *t, const char *line);
/* Parses what the agent wrote the host into t->msgs, then empties it. */
void collect(T *t);
void guard(T *t, uint64_t conn, const void *rec, size_t len);
JsonObject *msg(T *t, guint i);
char *line(T *t, guint i);
void assert_line(T *t, guint i, const char *want);
const char *error_class(T *t, guint i);
const char *error_desc(T *t, guint i);
WireDeflateRequest request(uint64_t id, uint64_t bytes);
WireReport report(uint64_t seq, uint32_t level, uint32_t previous);
const AgentGuardOut *guard_out(T *t, guint i);
/* A guest-sync-delimited with id n, answered. */
void sync_host(T *t, int64_t n);
