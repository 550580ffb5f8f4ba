/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "decide-run.h"

void run_init(Run *r)
{
        memset(r, 0, sizeof(*r));
        policy_init_defaults(&r->p);
        decide_state_init(&r->st);
        r->in.headroom_min_kb = r->in.headroom_low_kb = r->in.headroom_high_kb = 600 * MIB;
        r->in.order = 3;
        r->in.order_ok_low = true;
        r->in.guest_ram_kb = 1024 * MIB;
        r->in.now_usec = 1000 * SEC;
}

void run_step(Run *r, uint64_t at_usec, int64_t headroom_min_mib)
{
        r->in.now_usec = at_usec;
        r->in.headroom_min_kb = headroom_min_mib * MIB;
        r->in.headroom_low_kb = headroom_min_mib * MIB - 10 * MIB;
        r->in.headroom_high_kb = headroom_min_mib * MIB - 20 * MIB;
        decide(&r->p, &r->in, &r->st, &r->d);
}
