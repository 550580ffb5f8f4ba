/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The daemon: one Guard owns the event loop and everything it watches. Each
 * wake-up runs sample -> model -> decide -> act -> report, in that order. */

#include <stdbool.h>
#include <stdio.h>

typedef struct GuardOptions {
        const char *root;               /* "/" or a fixture tree */
        const char *policy_path;
        bool policy_required;           /* given with --policy: a missing file is an error */
        bool dry_run;                   /* decide and log, change nothing */
        bool lines_to_stderr;           /* also print each record's MESSAGE */
} GuardOptions;

typedef struct Guard Guard;

/* What stopped guard_new(), for the exit status. */
typedef enum GuardFailure {
        GUARD_FAILED_OTHER,
        GUARD_FAILED_POLICY,            /* the policy file does not validate */
        GUARD_FAILED_KERNEL_FILE,       /* a kernel file cannot be read or understood */
} GuardFailure;

/* Reads the policy and the first sample; returns 0 or a negative errno
 * after printing why (file and line for a policy that does not validate,
 * file, line and field for a kernel file), and says which in *why. */
int guard_new(const GuardOptions *opt, Guard **ret, GuardFailure *why);
Guard *guard_free(Guard *g);

/* Runs until SIGTERM/SIGINT; restores every oom_score_adj it changed. */
int guard_run(Guard *g);

/* --once: one sample, one decision from a fresh state, printed with its
 * explanation to f (as text, or the status JSON); nothing is changed. */
int guard_once(Guard *g, FILE *f, bool json);

/* Reads and validates a policy file; on failure prints every error as
 * "FILE:LINE: [section] key: message" to err. Returns 1 when read from
 * path, 0 for the shipped defaults (path absent and not required). */
int guard_load_policy(const char *path, bool required, void *policy_out, FILE *err);
