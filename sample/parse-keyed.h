/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Table-driven "key value" files: /proc/meminfo ("Key:   123 kB") and
 * /proc/vmstat ("key 123"). Keys match whole words at the start of a line,
 * never as substrings ("Cached" is not "SwapCached"). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "parse-util.h"

enum {
        KEY_REQUIRED = 1u << 0,
        KEY_SUM = 1u << 1,      /* several keys add into one field */
};

typedef struct KeyField {
        const char *key;
        size_t key_len;
        size_t offset;          /* of a uint64_t in the target struct */
        ptrdiff_t has_offset;   /* of a bool set when seen, or -1 */
        unsigned flags;
} KeyField;

/* Tables are sorted by key (strcmp order) and searched by bisection:
 * /proc/vmstat has ~190 lines and most are not ours. */
typedef struct KeyedFormat {
        const char *name;       /* for messages */
        bool colon;             /* meminfo: "Key:" */
        bool kb_suffix;         /* meminfo: optional " kB" */
        const KeyField *fields;
        size_t n_fields;
} KeyedFormat;

/* The target must be zeroed by the caller. */
int parse_keyed(const KeyedFormat *fmt, const char *buf, size_t len, void *target, ParseError *err);

/* 0 if the table is sorted with no duplicate key, else -EINVAL (for tests). */
int keyed_format_check(const KeyedFormat *fmt);

extern const KeyedFormat meminfo_format, vmstat_format;
