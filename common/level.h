/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The guard's pressure levels: the one word guard, agent and host share for
 * how close a guest is to the kernel's OOM killer. */

#include <stddef.h>

typedef enum Level {
        LEVEL_NORMAL,
        LEVEL_WARN,     /* kswapd territory: headroom above low is thin */
        LEVEL_ACT,      /* near min: act before direct reclaim stalls everyone */
        LEVEL_CRITICAL, /* at min: the kernel's OOM killer is next */
        _LEVEL_MAX,
        _LEVEL_INVALID = -1,
} Level;

const char *level_name(Level l);
Level level_from_name(const char *s, size_t len);
