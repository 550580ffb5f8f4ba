/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <string.h>

#include "cgroup-parse.h"
#include "parse-util.h"

#define UNLIMITED_FROM (UINT64_C(1) << 62)

/* A path a caller can put under a root directory handle without leaving
 * it: absolute, no "." or ".." component, no control byte. */
static int take_path(const char *p, const char *end, char *ret, size_t size)
{
        size_t n = (size_t)(end - p);

        if (n == 0 || p[0] != '/' || n >= size)
                return -EINVAL;
        for (const char *s = p; s < end; s++)
                if ((unsigned char)*s < 0x20 || *s == 0x7f)
                        return -EINVAL;
        for (const char *s = p; s < end;) {
                const char *c = s + 1, *e = memchr(c, '/', (size_t)(end - c));
                size_t cl;

                if (!e)
                        e = end;
                cl = (size_t)(e - c);
                if ((cl == 1 && c[0] == '.') || (cl == 2 && c[0] == '.' && c[1] == '.'))
                        return -EINVAL;
                s = e;
        }
        memcpy(ret, p, n);
        ret[n] = '\0';
        return 0;
}

/* Whether the comma-separated list [p, end) names "memory". */
static bool names_memory(const char *p, const char *end)
{
        while (p < end) {
                const char *e = memchr(p, ',', (size_t)(end - p));

                if (!e)
                        e = end;
                if (WORD_IS(p, (size_t)(e - p), "memory"))
                        return true;
                p = e + 1;
        }
        return false;
}

int cgroup_parse_proc(const char *buf, size_t len, CgroupVersion *ret_version, char *ret_path, size_t path_size)
{
        CgroupVersion found = CGROUP_NONE;
        const char *line;
        size_t n;
        LineCursor c;
        int r;

        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *end = line + n, *c1, *c2;

                if (n == 0)
                        continue;
                c1 = memchr(line, ':', n);
                c2 = c1 ? memchr(c1 + 1, ':', (size_t)(end - c1 - 1)) : NULL;
                if (!c2)
                        return -EINVAL;
                if (names_memory(c1 + 1, c2)) {
                        if ((r = take_path(c2 + 1, end, ret_path, path_size)) < 0)
                                return r;
                        *ret_version = CGROUP_V1;
                        return 0;
                }
                /* v2: hierarchy 0, no controller list. A v1 memory line may
                 * still follow (hybrid layouts), so keep looking. */
                if (c2 == c1 + 1 && c1 - line == 1 && line[0] == '0' && found == CGROUP_NONE) {
                        if ((r = take_path(c2 + 1, end, ret_path, path_size)) < 0)
                                return r;
                        found = CGROUP_V2;
                }
        }
        if (found == CGROUP_NONE)
                return -ENOENT;
        *ret_version = found;
        return 0;
}

int cgroup_parse_bytes(const char *buf, size_t len, uint64_t *ret)
{
        const char *p = buf, *end = buf + len;
        uint64_t v;
        int r;

        while (end > p && (end[-1] == '\n' || end[-1] == ' '))
                end--;
        if (WORD_IS(p, (size_t)(end - p), "max")) {
                *ret = CGROUP_UNLIMITED;
                return 0;
        }
        if ((r = take_u64(&p, end, UINT64_MAX, &v)) < 0)
                return r;
        if (p != end)
                return -EINVAL;
        *ret = v >= UNLIMITED_FROM ? CGROUP_UNLIMITED : v;
        return 0;
}

int cgroup_parse_key(const char *buf, size_t len, const char *key, uint64_t *ret)
{
        size_t key_len = strlen(key);
        const char *line;
        size_t n;
        LineCursor c;

        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *p = line, *end = line + n;

                if (n <= key_len || memcmp(line, key, key_len) != 0 || (line[key_len] != ' ' && line[key_len] != '\t'))
                        continue;
                p += key_len;
                skip_blanks(&p, end);
                if (take_u64(&p, end, UINT64_MAX, ret) < 0 || !at_end(p, end))
                        return -EINVAL;
                return 0;
        }
        return -ENOENT;
}
