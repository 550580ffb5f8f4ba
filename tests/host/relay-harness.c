/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The relay under test (relay-harness.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "metrics.h"
#include "reclaim.h"
#include "relay-harness.h"
#include "state-file.h"


static int fake_get_memory(void *handle, uint64_t *actual, uint64_t *maximum)
{
        Fake *f = handle;

        if (f->get_result < 0)
                return f->get_result;
        *actual = f->actual_kb;
        *maximum = f->maximum_kb;
        return 0;
}

static int fake_set_target(void *handle, uint64_t target_kb)
{
        Fake *f = handle;

        f->set_calls++;
        f->last_target_kb = target_kb;
        return f->set_result;
}

static int fake_send(void *handle, const char *data, size_t len)
{
        Fake *f = handle;

        g_string_append_len(f->sent, data, (gssize)len);
        return 0;
}

int setup(void **state)
{
        Fake *f = g_new0(Fake, 1);

        host_policy_init_defaults(&f->hp);
        f->backend = (Backend){ .get_memory = fake_get_memory, .set_target = fake_set_target, .send = fake_send };
        relay_init(&f->relay, &f->hp, &f->backend);
        f->relay.log_flags = 0;
        f->sent = g_string_new(NULL);
        f->actual_kb = 1024 * MB;
        f->maximum_kb = 4096 * MB;
        f->d = relay_add(&f->relay, "vm", f, T0);
        assert_non_null(f->d);
        *state = f;
        return 0;
}

int teardown(void **state)
{
        Fake *f = *state;

        relay_done(&f->relay);
        g_string_free(f->sent, TRUE);
        g_free(f);
        return 0;
}

void feed(Fake *f, const char *s, uint64_t now)
{
        assert_int_equal(relay_feed(&f->relay, f->d, s, strlen(s), now), 0);
}

void connect_and_sync(Fake *f, uint64_t now)
{
        char expect[128];

        g_string_truncate(f->sent, 0);
        assert_int_equal(relay_connected(&f->relay, f->d, SYNC_ID, now), 0);
        snprintf(expect, sizeof(expect), "\xff{\"execute\":\"guest-sync-delimited\",\"arguments\":{\"id\":%llu},",
                 (unsigned long long)SYNC_ID);
        assert_memory_equal(f->sent->str, expect, strlen(expect));
        assert_int_equal(f->sent->str[f->sent->len - 1], '\n');
        assert_int_equal(f->d->session.state, SESSION_SYNCING);
        feed(f, "\xff{\"return\":4242424242}\n", now);
        assert_int_equal(f->d->session.state, SESSION_READY);
        g_string_truncate(f->sent, 0);
}

const char *request(uint64_t id, uint64_t bytes)
{
        static char buf[256];

        snprintf(buf, sizeof(buf),
                 "{\"event\":\"oomguard-deflate-request\",\"data\":{\"id\":%llu,\"bytes\":%llu,\"urgency\":\"act\","
                 "\"reason\":\"headroom-min\",\"headroom_min_kb\":900,\"balloon_kb\":524288},"
                 "\"timestamp\":{\"seconds\":1795000000,\"microseconds\":12}}\n",
                 (unsigned long long)id, (unsigned long long)bytes);
        return buf;
}

const char *report_line(Fake *f, uint64_t seq, const char *level, int64_t spare_kb)
{
        static char buf[512];
        char spare[96] = "";

        if (spare_kb >= 0)
                snprintf(spare, sizeof(spare), ",\"spare_kb\":%lld,\"cache_kb\":1000", (long long)spare_kb);
        snprintf(buf, sizeof(buf),
                 "{\"event\":\"oomguard-report\",\"data\":{\"seq\":%llu,\"level\":\"%s\",\"reason\":\"none\","
                 "\"mem_total_kb\":%llu,\"mem_available_kb\":%llu,\"balloon_kb\":%llu%s},"
                 "\"timestamp\":{\"seconds\":1795000000,\"microseconds\":12}}\n",
                 (unsigned long long)seq, level, (unsigned long long)f->actual_kb, (unsigned long long)f->actual_kb,
                 (unsigned long long)(f->maximum_kb - f->actual_kb), spare);
        return buf;
}
