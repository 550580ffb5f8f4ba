/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* What a sample lacks that the model then fills with a default: a zone
 * without its protection: line (reserve taken as 0), a balloon whose
 * features cannot be read (deflate-on-oom taken as off), an online node
 * with no zones, zones whose managed pages do not add up to MemTotal (a
 * truncated zoneinfo, or memory the zones do not count yet). Each is said,
 * never silently modelled. */

#include <stddef.h>
#include <stdint.h>

#include "sample.h"

typedef enum SampleGapKind {
        GAP_NO_PROTECTION,
        GAP_BALLOON_FEATURES,
        GAP_NODE_WITHOUT_ZONES,
        GAP_ZONES_NOT_MEMTOTAL,
        _GAP_MAX,
} SampleGapKind;

typedef struct SampleGaps {
        unsigned mask;                  /* bit per SampleGapKind */
        unsigned n_no_protection;
        int no_protection_node;         /* the first such zone */
        char no_protection_zone[OG_ZONE_NAME_MAX];
        int node_without_zones;         /* the first such node */
        uint64_t managed_kb, mem_total_kb;
} SampleGaps;

/* Managed pages and MemTotal differ by more than this share (1/64) or
 * 16 MiB, whichever is larger, before it is said. */
void sample_gaps(const Sample *s, SampleGaps *ret);

/* One sentence per gap, "; "-separated; empty when there is none.
 * Returns the number of gaps. */
unsigned sample_gaps_format(const SampleGaps *g, char *buf, size_t size);

/* The gap's name for JSON and journal fields: "no_protection", ... */
const char *sample_gap_name(SampleGapKind k);
