/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Bounded scanners over [p, e) for the OOM report parser. */
#include <string.h>

#include "oomreport-parser.h"
#include "parse-util.h"

const char *txt_find(const char *p, const char *e, const char *needle)
{
        size_t n = strlen(needle);

        /* !p: callers pass the result of an earlier find */
        if (!p || p >= e || (size_t)(e - p) < n)
                return NULL;
        return memmem(p, (size_t)(e - p), needle, n);
}

const char *txt_after(const char *p, const char *e, const char *needle)
{
        const char *q = txt_find(p, e, needle);

        return q ? q + strlen(needle) : NULL;
}

bool txt_starts(const char *p, const char *e, const char *prefix)
{
        size_t n = strlen(prefix);

        return p && p <= e && (size_t)(e - p) >= n && memcmp(p, prefix, n) == 0;
}

const char *txt_skip_prefix(const char *p, const char *e, const char *prefix)
{
        return txt_starts(p, e, prefix) ? p + strlen(prefix) : NULL;
}

void txt_copy(char *dst, size_t size, const char *p, const char *e)
{
        size_t n = (size_t)(e - p);

        if (n >= size)
                n = size - 1;
        memcpy(dst, p, n);
        dst[n] = '\0';
        for (size_t i = 0; i < n; i++)
                if ((unsigned char)dst[i] < 0x20)
                        dst[i] = '?';
}

const char *txt_span_end(const char *p, const char *e, const char *accept)
{
        while (p < e && *p && strchr(accept, *p))
                p++;
        return p;
}

bool txt_is_digit(char c)
{
        return c >= '0' && c <= '9';
}

bool txt_u64_after(const char *p, const char *e, const char *name, uint64_t *v)
{
        const char *q = txt_after(p, e, name);

        if (!q)
                return false;
        skip_blanks(&q, e);
        return take_u64(&q, e, UINT64_MAX / 2, v) == 0;
}

bool txt_int_after(const char *p, const char *e, const char *name, int *v)
{
        const char *q = txt_after(p, e, name);

        if (!q)
                return false;
        skip_blanks(&q, e);
        return take_int(&q, e, 1 << 30, v) == 0;
}

static bool key_char(char c)
{
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '(' || c == ')' || c == '?' ||
               c == '+';
}

bool kv_next(const char **pp, const char *e, Kv *kv)
{
        const char *p = *pp;

        while (p < e) {
                const char *k, *q;

                while (p < e && !key_char(*p))
                        p++;
                k = p;
                while (p < e && (key_char(*p) || (p > k && txt_is_digit(*p))))
                        p++;
                if (p >= e || *p != ':' || p == k)
                        continue;
                kv->key = k;
                kv->key_len = (size_t)(p - k);
                q = p + 1;
                skip_blanks(&q, e);
                kv->number = take_u64(&q, e, UINT64_MAX / 2, &kv->value) == 0;
                kv->yes = !kv->number && txt_starts(q, e, "yes");
                *pp = q;
                return true;
        }
        *pp = e;
        return false;
}

bool kv_is(const Kv *kv, const char *name)
{
        size_t n = strlen(name);

        return kv->key_len == n && memcmp(kv->key, name, n) == 0;
}
