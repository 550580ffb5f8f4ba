/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The guard's state as one JSON object: what `oomguardctl status` gets from
 * the running guard, and what `oomguard --once --json` prints. Written into
 * a caller's buffer with no allocation, so the guard can answer while under
 * the pressure it is there for. The shape is tests/guard/status.schema.json. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "model.h"
#include "policy.h"
#include "pressure.h"
#include "sample.h"

#define STATUS_JSON_MAX 16384

/* The last time an action ran, and why it does not run now. */
typedef struct ActionLog {
        bool ran;
        const char *outcome;            /* "done", "would", "failed", "sent", "waiting-for-agent", "no-agent" */
        uint64_t ran_usec;
        char detail[200];

        bool skipped;                   /* at the last evaluation above normal */
        SkipReason skip;
        uint64_t skip_usec, until_usec;
        char skip_text[200];
        bool skip_reported;             /* this skip (reason, until) is in the journal */
} ActionLog;

typedef struct StatusView {
        const char *mode;               /* "daemon" or "once" */
        int pid;
        bool dry_run;
        uint64_t now_usec;              /* the clock of the times below */
        const Sample *s;
        const Model *m;
        const Pressure *in;
        const Decision *d;
        const DecideState *st;
        const ActionLog *actions;       /* _ACTION_MAX of them */
        const char *host_refusal;       /* or NULL */
        const char *policy_path;
        bool policy_from_file;          /* false: the shipped defaults */
        int64_t policy_loaded_unix;     /* wall clock, seconds */
        const char *notes;              /* sample_gaps_format() text, or "" */
} StatusView;

/* Returns the length written (NUL-terminated), or -ENOBUFS when size is
 * too small (buf then holds a cut, invalid object). */
int status_format_json(char *buf, size_t size, const StatusView *v);
