/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The guard's figures for node-exporter's textfile collector: a .prom file
 * written whole (to NAME.tmp, then renamed, so the collector never reads a
 * half-written file). Off unless [guard] metrics_file names one. */

#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "pressure.h"
#include "wire-report.h"

#define METRICS_REFUSALS_MAX 8  /* WIRE_REFUSED_* codes counted, others in the last */

typedef struct MetricsCounters {
        uint64_t grants;
        uint64_t refusals[METRICS_REFUSALS_MAX];       /* by WIRE_REFUSED_* code */
        uint64_t skips[_ACTION_MAX];                    /* skip records written */
} MetricsCounters;

/* Prometheus text exposition format into buf; returns its length, or
 * -ENOBUFS. */
int metrics_format(char *buf, size_t size, const Pressure *in, const Decision *d, const ActionTally *t,
                   const MetricsCounters *c);

/* Writes text to path atomically (path.tmp, then rename). Returns 0 or a
 * negative errno. */
int metrics_write(const char *path, const char *text, size_t len);
