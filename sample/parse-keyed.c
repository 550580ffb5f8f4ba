/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "parse-keyed.h"

#include <errno.h>
#include <string.h>

#define MAX_KEYED_FIELDS 64

/* A 256-bit filter over (length, first and last byte) of the table's keys:
 * most vmstat lines are not ours and are turned away without a search. */
typedef struct KeyFilter {
        uint64_t bits[4];
} KeyFilter;

static unsigned key_hash(const char *w, size_t n)
{
        return ((unsigned)n * 31u + (unsigned char)w[0] * 7u + (unsigned char)w[n - 1]) & 255u;
}

static void key_filter_init(KeyFilter *kf, const KeyedFormat *fmt)
{
        memset(kf, 0, sizeof(*kf));
        for (size_t i = 0; i < fmt->n_fields; i++) {
                unsigned h = key_hash(fmt->fields[i].key, fmt->fields[i].key_len);

                kf->bits[h >> 6] |= UINT64_C(1) << (h & 63);
        }
}

static bool key_filter_may_contain(const KeyFilter *kf, const char *w, size_t n)
{
        unsigned h = key_hash(w, n);

        return kf->bits[h >> 6] & (UINT64_C(1) << (h & 63));
}

static int compare_key(const char *w, size_t n, const KeyField *f)
{
        int c = (unsigned char)w[0] - (unsigned char)f->key[0];

        if (c != 0)
                return c;
        c = memcmp(w, f->key, n < f->key_len ? n : f->key_len);

        if (c != 0)
                return c;
        return n < f->key_len ? -1 : n > f->key_len;
}

static const KeyField *find_field(const KeyedFormat *fmt, const char *w, size_t n, size_t *ret_i)
{
        size_t lo = 0, hi = fmt->n_fields;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = compare_key(w, n, &fmt->fields[mid]);

                if (c == 0) {
                        *ret_i = mid;
                        return &fmt->fields[mid];
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        return NULL;
}

int keyed_format_check(const KeyedFormat *fmt)
{
        for (size_t i = 0; i < fmt->n_fields; i++) {
                if (strlen(fmt->fields[i].key) != fmt->fields[i].key_len)
                        return -EINVAL;
                if (i > 0 && strcmp(fmt->fields[i - 1].key, fmt->fields[i].key) >= 0)
                        return -EINVAL;
        }
        return fmt->n_fields <= MAX_KEYED_FIELDS ? 0 : -E2BIG;
}

int parse_keyed(const KeyedFormat *fmt, const char *buf, size_t len, void *target, ParseError *err)
{
        bool seen[MAX_KEYED_FIELDS] = { false };
        const char *line;
        size_t n;
        LineCursor c;
        KeyFilter kf;

        if (fmt->n_fields > MAX_KEYED_FIELDS)
                return -E2BIG;
        key_filter_init(&kf, fmt);
        line_cursor_init(&c, buf, len);
        while (line_next(&c, &line, &n)) {
                const char *p = line, *end = line + n, *key;
                size_t key_len, i;
                const KeyField *f;
                uint64_t v, *slot;
                int r;

                if (!take_word(&p, end, &key, &key_len))
                        continue;       /* blank line */
                if (fmt->colon) {
                        if (key[key_len - 1] != ':')
                                continue;       /* not ours; a later kernel's format */
                        key_len--;
                }
                if (key_len == 0 || !key_filter_may_contain(&kf, key, key_len))
                        continue;
                f = find_field(fmt, key, key_len, &i);
                if (!f)
                        continue;
                if (seen[i]) {
                        parse_error_set(err, c.lineno, key, key_len, "appears twice");
                        return -EINVAL;
                }
                skip_blanks(&p, end);
                r = take_u64(&p, end, OG_MAX_COUNT, &v);
                if (r < 0) {
                        parse_error_set(err, c.lineno, key, key_len,
                                        r == -ERANGE ? "number out of range" : "not a number");
                        return r;
                }
                skip_blanks(&p, end);
                if (fmt->kb_suffix)
                        (void)take_literal(&p, end, "kB");
                if (!at_end(p, end)) {
                        parse_error_set(err, c.lineno, key, key_len, "trailing text after the number");
                        return -EINVAL;
                }
                slot = (uint64_t *)((char *)target + f->offset);
                if (f->flags & KEY_SUM) {
                        /* the caller zeroed the target; sums stay bounded */
                        if (*slot > OG_MAX_COUNT - v) {
                                parse_error_set(err, c.lineno, key, key_len, "sum out of range");
                                return -ERANGE;
                        }
                        *slot += v;
                } else
                        *slot = v;
                seen[i] = true;
                if (f->has_offset >= 0)
                        *(bool *)((char *)target + f->has_offset) = true;
        }
        for (size_t i = 0; i < fmt->n_fields; i++)
                if ((fmt->fields[i].flags & KEY_REQUIRED) && !seen[i]) {
                        parse_error_set(err, 0, fmt->fields[i].key, strlen(fmt->fields[i].key),
                                        "required field missing");
                        return -ENODATA;
                }
        return 0;
}
