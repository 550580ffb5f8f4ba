/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bucket.h"

void token_bucket_init(TokenBucket *b, uint64_t per_s, uint64_t burst, uint64_t now_usec)
{
        *b = (TokenBucket){
                .per_s = per_s,
                .burst = burst,
                .micro_tokens = burst * 1000000,        /* a new session may start with a burst */
                .last_usec = now_usec,
        };
}

bool token_bucket_take(TokenBucket *b, uint64_t now_usec)
{
        uint64_t cap = b->burst * 1000000;

        /* A clock that went back refills nothing rather than wrapping. */
        if (now_usec > b->last_usec) {
                uint64_t elapsed = now_usec - b->last_usec;

                /* per_s tokens/s = per_s micro-tokens/us: exact, so no
                 * fraction is lost between close calls. elapsed is capped
                 * first so the product cannot overflow after a long idle. */
                if (elapsed > 3600ULL * 1000000)
                        elapsed = 3600ULL * 1000000;
                b->micro_tokens += elapsed * b->per_s;
                if (b->micro_tokens > cap)
                        b->micro_tokens = cap;
                b->last_usec = now_usec;
        }
        if (b->micro_tokens < 1000000)
                return false;
        b->micro_tokens -= 1000000;
        return true;
}
