/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small files: sysctls, sysfs node lists and virtio device attributes. */
#include <errno.h>

#include "kernel-parse.h"

/* sysfs and procfs end these files with one newline. */
static const char *trim_end(const char *buf, size_t len)
{
        const char *end = buf + len;

        while (end > buf && (end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
        return end;
}

int parse_single_u64(const char *buf, size_t len, uint64_t *ret, ParseError *err)
{
        const char *p = buf, *end = trim_end(buf, len);
        int r;

        skip_blanks(&p, end);
        if ((r = take_u64(&p, end, UINT64_MAX, ret)) < 0 || p != end) {
                parse_error_set(err, 1, NULL, 0, r == -ERANGE ? "number out of range" : "expected one number");
                return r < 0 ? r : -EINVAL;
        }
        return 0;
}

int parse_u64_list(const char *buf, size_t len, uint64_t *ret, unsigned max, unsigned *ret_n, ParseError *err)
{
        const char *p = buf, *end = trim_end(buf, len);
        unsigned n = 0;
        int r;

        for (;;) {
                skip_blanks(&p, end);
                if (p >= end)
                        break;
                if (n >= max) {
                        parse_error_set(err, 1, NULL, 0, "more numbers than oomguard holds");
                        return -E2BIG;
                }
                if ((r = take_u64(&p, end, UINT64_MAX, &ret[n])) < 0) {
                        parse_error_set(err, 1, NULL, 0, "not a number");
                        return r;
                }
                n++;
        }
        if (n == 0) {
                parse_error_set(err, 1, NULL, 0, "no numbers");
                return -ENODATA;
        }
        *ret_n = n;
        return 0;
}

/* lib/bitmap.c: bitmap_print_to_pagebuf() list format, "0-3,5" or "" */
int parse_node_list(const char *buf, size_t len, uint64_t *ret_mask, ParseError *err)
{
        const char *p = buf, *end = trim_end(buf, len);
        uint64_t mask = 0;

        while (p < end) {
                uint64_t a, b;

                if (take_u64(&p, end, 63, &a) < 0) {
                        parse_error_set(err, 1, NULL, 0, "node id not a number below 64");
                        return -EINVAL;
                }
                b = a;
                if (take_literal(&p, end, "-") && (take_u64(&p, end, 63, &b) < 0 || b < a)) {
                        parse_error_set(err, 1, NULL, 0, "bad node range");
                        return -EINVAL;
                }
                for (uint64_t i = a; i <= b; i++)
                        mask |= UINT64_C(1) << i;
                if (p < end && !take_literal(&p, end, ",")) {
                        parse_error_set(err, 1, NULL, 0, "expected ',' between node ranges");
                        return -EINVAL;
                }
        }
        *ret_mask = mask;
        return 0;
}

/* drivers/virtio/virtio.c: features_show() prints one '0'/'1' per bit, 64 of
 * them on 4.x-6.x (128 on 6.15+ with extended features); we keep the first 64. */
int parse_virtio_features(const char *buf, size_t len, uint64_t *ret_bits, ParseError *err)
{
        const char *end = trim_end(buf, len);
        uint64_t bits = 0;
        size_t n = (size_t)(end - buf);

        if (n == 0 || n > 1024) {
                parse_error_set(err, 1, NULL, 0, "feature string empty or too long");
                return -EINVAL;
        }
        for (size_t i = 0; i < n; i++) {
                if (buf[i] != '0' && buf[i] != '1') {
                        parse_error_set(err, 1, NULL, 0, "feature string has a character other than 0 or 1");
                        return -EINVAL;
                }
                if (buf[i] == '1' && i < 64)
                        bits |= UINT64_C(1) << i;
        }
        *ret_bits = bits;
        return 0;
}

int parse_hex_u32(const char *buf, size_t len, uint32_t *ret, ParseError *err)
{
        const char *p = buf, *end = trim_end(buf, len);
        uint32_t v = 0;

        if (!take_literal(&p, end, "0x") || p >= end || end - p > 8) {
                parse_error_set(err, 1, NULL, 0, "expected 0x and up to 8 hex digits");
                return -EINVAL;
        }
        for (; p < end; p++) {
                char ch = *p;
                unsigned d;

                if (ch >= '0' && ch <= '9')
                        d = (unsigned)(ch - '0');
                else if (ch >= 'a' && ch <= 'f')
                        d = (unsigned)(ch - 'a' + 10);
                else if (ch >= 'A' && ch <= 'F')
                        d = (unsigned)(ch - 'A' + 10);
                else {
                        parse_error_set(err, 1, NULL, 0, "not a hex digit");
                        return -EINVAL;
                }
                v = v << 4 | d;
        }
        *ret = v;
        return 0;
}
