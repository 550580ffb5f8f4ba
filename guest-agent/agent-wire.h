/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The guard's records (common/wire.h) as the agent sees them: validation of
 * what arrives on the local socket, the JSON event data each one becomes
 * (PROTOCOL.md §2.5), and the records the agent sends back. No I/O. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-glib/json-glib.h>

#include "wire.h"

#define AGENT_MAX_BYTES (UINT64_C(1) << 50)     /* "bytes" in either direction */

/* One packet from the guard, copied out of the receive buffer. */
typedef union AgentGuardRecord {
        WireHeader h;
        WireDeflateRequest request;
        WireReport report;
        WireReleaseDone release_done;
        WireSpare spare;
} AgentGuardRecord;

/* Checks length, magic, version, type (only the guard-to-agent types) and
 * the ranges of every field the JSON carries: ids 1..2^63-1, levels 0..3,
 * reasons 0..7, n_zones <= WIRE_MAX_ZONES, spare and cache <= 2^40 kB, zone names NUL-terminated
 * printable ASCII, flags 0/1, unsigned counters <= 2^63-1. Returns the record
 * type with *ret filled, or -EBADMSG with a one-line reason in err. */
int agent_wire_parse(const void *buf, size_t len, AgentGuardRecord *ret, char *err, size_t errlen);

/* Names as in policy/ (Level, Reason, in enum order); NULL when out of range. */
const char *agent_level_name(uint32_t level);
const char *agent_reason_name(uint32_t reason);
/* The host's "refusal" string as WIRE_REFUSED_*; an unknown one is OTHER. */
uint32_t agent_refusal_from_name(const char *s);

/* The "data" of each event; the caller owns the node. spare: the spare
 * record of the same seq, or NULL (an older guard sends none). */
JsonNode *agent_wire_report_data(const WireReport *r, const WireSpare *spare);
JsonNode *agent_wire_level_data(const WireReport *r);
JsonNode *agent_wire_request_data(const WireDeflateRequest *r);
JsonNode *agent_wire_release_done_data(const WireReleaseDone *r);

void agent_wire_answer(uint64_t id, bool granted, uint64_t granted_bytes, uint32_t refusal, WireDeflateAnswer *ret);
void agent_wire_release(uint64_t id, uint64_t bytes, WireRelease *ret);
