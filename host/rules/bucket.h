/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* A token bucket: at most `burst` events at once, refilled at `per_s`
 * tokens a second. Pure: the caller passes the time. */

#include <stdbool.h>
#include <stdint.h>

typedef struct TokenBucket {
        uint64_t per_s, burst;
        uint64_t micro_tokens;  /* millionths: refilling by elapsed µs × per_s loses nothing */
        uint64_t last_usec;
} TokenBucket;

void token_bucket_init(TokenBucket *b, uint64_t per_s, uint64_t burst, uint64_t now_usec);

/* Takes one token; false when the bucket is empty (the event is refused). */
bool token_bucket_take(TokenBucket *b, uint64_t now_usec);
