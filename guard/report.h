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
#define OOMGUARD_MESSAGE_SKIP "5e0b9d2c7a3f4e81b6c4d9a07f2e1b35"
#define OOMGUARD_MESSAGE_STEER "a7c31f6e0d8b4c29b5e2f41d6c9a0e73"

typedef struct ReportSink {
        bool journal;           /* sd_journal_sendv() */
        FILE *lines;            /* also the MESSAGE line here (a terminal, --once), or NULL */
} ReportSink;

typedef struct ActionOutcome {
        const char *result;     /* "done", "failed", "dry-run", "sent", "waiting-for-agent", "no-agent",
                                 * "granted", "refused" */
        const char *detail;     /* what was done to whom, or NULL */
        const char *why;        /* kill: why that process, or NULL */
        int victim_pid;         /* kill: the process chosen, 0 if none */
        int64_t freed_kb;       /* MemFree after - before; 0 when not measured */
        uint64_t latency_usec;  /* from the wake-up to the action done */
} ActionOutcome;

void report_level(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d);
void report_action(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d,
                   const PlannedAction *a, const ActionOutcome *o);
/* An action not taken: its reason, when it may run again (until_usec on
 * the same clock as in->now_usec), and what the host said last if it
 * refused (or NULL). */
void report_skip(const ReportSink *sink, const Sample *s, const Pressure *in, const Decision *d, ActionKind kind,
                 const ActionVerdict *v, const char *host_said);
/* oom_score_adj changes, each process named: "sshd[100] 0 -> -900 (protect)" */
void report_steer(const ReportSink *sink, bool dry_run, unsigned changed, unsigned matched, unsigned failed,
                  const char *named);

/* "node 0 DMA32: free 43.2 MiB is 0.1 MiB below min 43.3 MiB (low 54.1,
 * high 65.0); Normal absent; PSI full 5.20%; balloon holds 384.0 MiB";
 * with a decision (or NULL), also "time to min 8.2 s at 12.3 MiB/s". */
void report_format_state(char *buf, size_t size, const Sample *s, const Pressure *in, const Decision *d);

/* "skipped: in cooldown; may run again in 12.5 s" */
void report_format_skip(char *buf, size_t size, const ActionVerdict *v, uint64_t now_usec, const char *host_said);

/* "killed 42 (hog, ...); chosen as the highest oom_score ..." into buf;
 * either part may be NULL or empty. */
void report_join_detail(char *buf, size_t size, const char *detail, const char *why);
