/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "kernel-version.h"

#include <errno.h>

static int take_number(const char **p, const char *end, unsigned max, unsigned *ret)
{
        unsigned v = 0;
        const char *s = *p;

        if (s >= end || *s < '0' || *s > '9')
                return -EINVAL;
        while (s < end && *s >= '0' && *s <= '9') {
                v = v * 10 + (unsigned)(*s - '0');
                if (v > max)
                        return -EINVAL;
                s++;
        }
        *p = s;
        *ret = v;
        return 0;
}

int kernel_version_parse(const char *s, size_t len, KernelVersion *ret)
{
        const char *p = s, *end = s + len;
        unsigned major, minor, sub = 0;

        if (take_number(&p, end, 99, &major) < 0 || major < 2)
                return -EINVAL;
        if (p >= end || *p != '.')
                return -EINVAL;
        p++;
        if (take_number(&p, end, 255, &minor) < 0)
                return -EINVAL;
        if (p < end && *p == '.') {
                p++;
                /* Sublevels above 255 are clamped, not refused. */
                if (take_number(&p, end, 999999, &sub) < 0)
                        sub = 0;
        }
        *ret = KV(major, minor, sub);
        return 0;
}
