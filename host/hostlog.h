/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The relay's one logging layer: journald with structured fields
 * (DOMAIN=, REQUEST_ID=, GRANTED_KB=, REFUSAL=, BALLOON_BEFORE_KB=,
 * BALLOON_AFTER_KB=), and stderr with --verbose or when there is no
 * journal. No state of its own: the caller passes its flags. */

#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>

#include "grant.h"

enum {
        HOSTLOG_JOURNAL = 1 << 0,
        HOSTLOG_STDERR = 1 << 1,
        HOSTLOG_DEBUG = 1 << 2,         /* LOG_DEBUG lines too */
};

void hostlog(unsigned flags, int priority, const char *domain, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* One line per decided request, with every field a grep or a dashboard needs. */
void hostlog_answer(unsigned flags, const char *domain, const GrantAnswer *a, uint64_t before_kb, uint64_t after_kb);

/* Whether the n-th event of a repeating kind (n >= 1) is logged: the 1st,
 * 2nd, 4th, 8th..., so that a flood or a QEMU gone for hours costs the
 * journal a line per doubling. */
static inline bool hostlog_nth_is_said(uint64_t n)
{
        return (n & (n - 1)) == 0;
}
