/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* One Relay with one domain "vm" on a fake backend that records every
 * balloon command, driven by the guest's lines on a fake clock:
 * test-host-session.c and test-relay-reclaim.c. */

#include <glib.h>
#include <stdint.h>

#include "relay.h"

#define S UINT64_C(1000000)
#define T0 (UINT64_C(5000) * S)
#define MB UINT64_C(1024)
#define SYNC_ID UINT64_C(4242424242)

typedef struct Fake {
        HostPolicy hp;
        Backend backend;
        Relay relay;
        RelayDomain *d;
        GString *sent;
        uint64_t actual_kb, maximum_kb;
        unsigned set_calls;
        uint64_t last_target_kb;
        int set_result;                 /* what set_target returns: 0, RELAY_TARGET_SENT, -errno */
        int get_result;                 /* < 0: get_memory fails with it (QEMU gone) */
        uint64_t next_id;
} Fake;

int setup(void **state);
int teardown(void **state);
void feed(Fake *f, const char *s, uint64_t now);
/* Connects "vm" and answers its sync; f->sent is emptied. */
void connect_and_sync(Fake *f, uint64_t now);
/* A deflate request at act (a static buffer). */
const char *request(uint64_t id, uint64_t bytes);
/* A report at level whose figures match f's balloon; spare_kb < 0: none
 * (a protocol 1 guest). */
const char *report_line(Fake *f, uint64_t seq, const char *level, int64_t spare_kb);
