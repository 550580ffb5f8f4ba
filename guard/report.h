/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Every level change and every action is one journald record with a fixed
 * MESSAGE_ID and the figures behind it; its MESSAGE says the same in one
 * line, in the kernel's terms. The only place that writes such records. */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "decide.h"
#include "sample.h"

/* journalctl MESSAGE_ID=... finds them. */
#define OOMGUARD_MESSAGE_LEVEL "3b2d6c41a9f24b4f9e6a0c5e1d7f8a21"
#define OOMGUARD_MESSAGE_ACTION "8c4f2e7d1b6a4c3e9f0d5a2b7e1c6d94"

typedef struct ReportSink {
        bool journal;           /* sd_journal_sendv() */
        FILE *lines;            /* also the MESSAGE line here (a terminal, --once), or NULL */
} ReportSink;

typedef struct ActionOutcome {
        const char *result;     /* "done", "failed", "dry-run", "sent", "no-agent", "granted", "refused" */
        const char *detail;     /* what was done to whom, or NULL */
        const char *why;        /* kill: why that process, or NULL */
        int64_t freed_kb;       /* MemFree after - before; 0 when not measured */
        uint64_t latency_usec;  /* from the wake-up to the action done */
} ActionOutcome;

void report_level(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d);
void report_action(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d,
                   const PlannedAction *a, const ActionOutcome *o);

/* "node 0 DMA32: free 43.2 MiB is 0.1 MiB below min 43.3 MiB (low 54.1,
 * high 65.0); Normal absent; PSI full 5.20%; balloon holds 384.0 MiB" */
void report_format_state(char *buf, size_t size, const Sample *s, const Pressure *in);
