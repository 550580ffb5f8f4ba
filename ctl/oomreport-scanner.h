/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Outside a report, jump to the next line that can start or belong to one.
 * A log is mostly other messages, so finding the next such line is most of
 * the work: one pass for all the strings, skipping up to 8 bytes at a time
 * on a table of 2-byte blocks (Wu and Manber's multi-pattern search, 1994),
 * instead of one memmem() pass per string. */
#define N_TRIGGERS 8
#define SCAN_MIN 9      /* the shortest trigger */

typedef struct TriggerScanner {
        uint8_t shift[1 << 16];
        size_t len[N_TRIGGERS];
        uint16_t tail[N_TRIGGERS];      /* the block that ends each trigger's first SCAN_MIN bytes */
} TriggerScanner;

void scanner_init(TriggerScanner *sc);
/* The first trigger at or after p, or NULL. */
const char *scanner_next(const TriggerScanner *sc, const char *p, const char *end);
