/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Packs what the guard knows into the fixed records of wire.h. No I/O: the
 * caller sends. */

#include <stdint.h>

#include "decide.h"
#include "model.h"
#include "pressure.h"
#include "sample.h"
#include "wire.h"

typedef struct ActionTally {
        uint32_t count[_ACTION_MAX];
        uint64_t last_usec[_ACTION_MAX];        /* valid when count > 0 */
} ActionTally;

/* The report of one sample. Zones: the populated ones, in node then zone
 * order, at most WIRE_MAX_ZONES (a larger machine reports its first ones;
 * headroom_min_kb still covers all). */
void wire_report_build(const Sample *s, const Model *m, const Pressure *p, const Decision *d,
                       const ActionTally *t, uint64_t now_usec, uint64_t seq, WireReport *ret);

void wire_header_init(WireHeader *h, uint16_t type);

/* The spare record that goes just before the report of seq. */
void wire_spare_build(uint64_t seq, uint64_t spare_kb, uint64_t cache_kb, WireSpare *ret);

/* Validates one packet from the agent: an answer or a release request.
 * Returns the record type, or -EBADMSG. */
int wire_parse_inbound(const void *buf, size_t len, WireDeflateAnswer *ans, WireRelease *rel);
