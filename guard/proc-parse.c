/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc-parse.h"

#include <errno.h>
#include <string.h>

int parse_proc_stat(const char *buf, size_t len, ProcStat *ret)
{
        const char *open = memchr(buf, '(', len), *close = NULL, *p, *end = buf + len;
        uint64_t v;
        unsigned field;
        size_t n;

        /* fs/proc/array.c: do_task_stat() prints "%d (%s) %c ..." */
        for (const char *s = buf; s < end; s++)
                if (*s == ')')
                        close = s;
        if (!open || !close || close < open)
                return -EINVAL;
        memset(ret, 0, sizeof(*ret));
        n = (size_t)(close - open - 1);
        if (n >= PROC_COMM_MAX)
                n = PROC_COMM_MAX - 1;
        memcpy(ret->comm, open + 1, n);
        ret->comm[n] = '\0';
        p = close + 1;
        /* field 3 is the state; count from there */
        skip_blanks(&p, end);
        if (p >= end)
                return -EINVAL;
        ret->state = *p++;
        for (field = 4; field <= 24; field++) {
                int r;

                skip_blanks(&p, end);
                if (p < end && *p == '-') {     /* some fields are signed */
                        p++;
                        v = 0;
                        r = take_u64(&p, end, UINT64_MAX, &v);
                        v = 0;
                } else
                        r = take_u64(&p, end, UINT64_MAX, &v);
                if (r < 0)
                        return -EINVAL;
                if (field == 4)
                        ret->ppid = v > INT32_MAX ? -1 : (int)v;
                else if (field == 9)
                        ret->flags = (unsigned)v;
                else if (field == 22)
                        ret->starttime = v;
                else if (field == 24)
                        ret->rss_pages = v;
        }
        return 0;
}

int parse_proc_cgroup(const char *buf, size_t len, char *path, size_t path_size)
{
        const char *line, *found = NULL;
        size_t n, found_len = 0;
        LineCursor c;

        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *colon1 = memchr(line, ':', n), *colon2;

                if (!colon1)
                        return -EINVAL;
                colon2 = memchr(colon1 + 1, ':', n - (size_t)(colon1 + 1 - line));
                if (!colon2)
                        return -EINVAL;
                if (colon1 - line == 1 && line[0] == '0' && colon2 == colon1 + 1) {
                        found = colon2 + 1;     /* "0::/path": cgroup v2 wins */
                        found_len = n - (size_t)(found - line);
                        break;
                }
                if ((size_t)(colon2 - colon1 - 1) == strlen("name=systemd") &&
                    memcmp(colon1 + 1, "name=systemd", strlen("name=systemd")) == 0) {
                        found = colon2 + 1;
                        found_len = n - (size_t)(found - line);
                }
        }
        if (!found || found_len == 0 || found[0] != '/')
                return -ENODATA;
        if (found_len >= path_size)
                return -E2BIG;
        memcpy(path, found, found_len);
        path[found_len] = '\0';
        return 0;
}

int parse_oom_score_adj(const char *buf, size_t len, int *ret)
{
        const char *p = buf, *end = buf + len;

        while (end > p && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        if (take_int(&p, end, 1000, ret) < 0 || p != end || *ret < -1000)
                return -EINVAL;
        return 0;
}
