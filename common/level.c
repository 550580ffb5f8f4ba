/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "level.h"

#include <string.h>

static const char *const level_names[_LEVEL_MAX] = {
        [LEVEL_NORMAL] = "normal",
        [LEVEL_WARN] = "warn",
        [LEVEL_ACT] = "act",
        [LEVEL_CRITICAL] = "critical",
};

const char *level_name(Level l)
{
        return l >= 0 && l < _LEVEL_MAX ? level_names[l] : "?";
}

Level level_from_name(const char *s, size_t len)
{
        for (int l = 0; l < _LEVEL_MAX; l++)
                if (strlen(level_names[l]) == len && memcmp(s, level_names[l], len) == 0)
                        return (Level)l;
        return _LEVEL_INVALID;
}
