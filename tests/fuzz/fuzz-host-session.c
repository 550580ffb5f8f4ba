/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Arbitrary guest bytes into oomguard-host's session, through the relay
 * with a fake hypervisor. The first byte chooses whether the session is
 * synchronised first and how the rest is cut into reads; between reads the
 * clock moves, due resyncs (a timeout, a 0xFF while synchronised) are sent
 * with id 77 and rounds are decided. Besides crashes, the grant rules are
 * checked: no target above the maximum, no step larger than the policy's
 * (unless a trusted critical request), no reclaim below the entitlement or
 * beyond the reported spare, no balloon change for an id that was already
 * answered. */
#include <glib.h>
#include <stdio.h>

#include "fuzz-common.h"
#include "hostlog.h"
#include "reclaim.h"
#include "relay.h"

#define MB UINT64_C(1024)
#define SYNC "\xff{\"return\":77}\n"

typedef struct Fake {
        uint64_t actual_kb, maximum_kb, step_kb, entitlement_kb;
        uint64_t last_target_kb;
        unsigned set_calls;
        const RelayDomain *d;   /* the grants waiting for this move: each is at most a step */
} Fake;

static void broken(const char *what, const Fake *f, uint64_t target_kb)
{
        fprintf(stderr, "%s rule broken: target %llu kB, actual %llu kB, maximum %llu kB, step %llu kB\n", what,
                (unsigned long long)target_kb, (unsigned long long)f->actual_kb, (unsigned long long)f->maximum_kb,
                (unsigned long long)f->step_kb);
        __builtin_trap();
}

static int fake_get_memory(void *handle, uint64_t *actual, uint64_t *maximum)
{
        Fake *f = handle;

        *actual = f->actual_kb;
        *maximum = f->maximum_kb;
        return 0;
}

static int fake_set_target(void *handle, uint64_t target_kb)
{
        Fake *f = handle;
        uint64_t grants = f->d->pending.n_ids;

        /* Growing: never above the maximum, only for grants waiting for
         * this move, by at most a step each unless the guest's figures agree
         * with ours and it is critical (then the host's room bounds it, and
         * the maximum is below that here). */
        if (target_kb > f->actual_kb &&
            (target_kb > f->maximum_kb || grants == 0 ||
             (target_kb - f->actual_kb > f->step_kb * grants && !f->d->grant.trusted)))
                broken("grant", f, target_kb);
        /* Shrinking (the host is never short here): never below the
         * entitlement (the balloon when first seen), never more than the
         * guest said it can spare. */
        if (target_kb < f->actual_kb &&
            (target_kb < f->entitlement_kb || f->actual_kb - target_kb > f->d->arb.spare_kb))
                broken("reclaim", f, target_kb);
        f->set_calls++;
        f->actual_kb = target_kb;       /* the balloon moves at once */
        return 0;
}

static int fake_send(void *handle, const char *data, size_t len)
{
        return 0;
}

/* every resync uses the id the input can answer with SYNC */
static uint64_t sync_id(void)
{
        return 77;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const Backend backend = { .get_memory = fake_get_memory, .set_target = fake_set_target, .send = fake_send };
        HostPolicy hp;
        Relay relay;
        RelayDomain *d;
        Fake fake = { .actual_kb = 1024 * MB, .maximum_kb = 2048 * MB };
        uint64_t now = UINT64_C(1000000000), grants;
        char *copy;
        size_t pos = 1, chunk;

        if (size == 0)
                return 0;
        copy = fuzz_copy(data, size);
        host_policy_init_defaults(&hp);
        hp.defaults.rate_s = 0;         /* let every request through to the clamps */
        fake.step_kb = hp.defaults.step_mb * MB;
        relay_init(&relay, &hp, &backend);
        relay.log_flags = getenv("FUZZ_LOG") ? HOSTLOG_STDERR : 0;
        d = relay_add(&relay, "fuzz", &fake, now);
        if (!d || !copy)
                goto out;
        fake.d = d;
        fake.entitlement_kb = fake.actual_kb;
        relay_reclaim(&relay, 8192 * MB, now);  /* first seen: the entitlement */
        relay_connected(&relay, d, 77, now);
        if (!(data[0] & 1))
                relay_feed(&relay, d, SYNC, strlen(SYNC), now);
        chunk = (data[0] >> 1) ? (size_t)(data[0] >> 1) * 97 : size;
        while (pos < size) {
                size_t n = size - pos < chunk ? size - pos : chunk;

                relay_feed(&relay, d, copy + pos, n, now);
                pos += n;
                now += 150000;
                relay_check_syncs(&relay, sync_id, now);
                relay_run_round(&relay, 8192 * MB, now, false);
                /* a reclaim pass per read, seconds apart, so that spare
                 * reported over a few reads is acted on */
                now += 4000000;
                relay_reclaim(&relay, 8192 * MB, now);
        }
        relay_run_round(&relay, 8192 * MB, now, true);
        /* Each grant is one remembered id, each reclaim step or stop one
         * decision; moves never outnumber them (a domain's grants of one
         * round share one move), and a grant is never counted without a
         * move. */
        grants = d->stats.grants + d->arb.steps + d->arb.stops;
        if (fake.set_calls > grants || (d->stats.grants > 0 && fake.set_calls == 0))
                __builtin_trap();
out:
        relay_done(&relay);
        free(copy);
        return 0;
}
