/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Every domain's memory cgroup, watched from the relay's main loop: found
 * from its QEMU's pid (Backend.get_pid), read every second (v1 has no
 * notifications) and at once when a v2 cgroup's memory.events changes or
 * its memory.pressure trigger fires. The room under the limit goes to the
 * grant rules; rules/cgroup-guard.c decides, this file asks the guest to
 * release and moves the balloon, and logs each step with the figures. */

#include <glib.h>

#include "cgroup.h"
#include "relay.h"

typedef struct CgroupWatch CgroupWatch;

typedef struct CgroupLink {
        CgroupWatch *watch;
        RelayDomain *domain;
        int pid;
        CgroupRef ref;
        bool found;
        int find_error;                 /* the last failure said, so it is said once */
        uint64_t next_find_usec;
        uint64_t oom_kills_seen;
        bool have_oom_kills;
        CgroupGuard guard;
        int pressure_fd, events_fd;     /* v2, live system only; -1: none */
        guint pressure_watch, events_watch;
} CgroupLink;

struct CgroupWatch {
        Relay *relay;
        SysRoot *root;
        uint64_t next_usec;
        bool wake;                      /* a v2 event came: read at the next tick */
        unsigned n_links;
        CgroupLink *links[HOST_POLICY_MAX_DOMAINS];
};

#define CGROUP_WATCH_USEC (UINT64_C(1000000))

/* root: "/" in production. Returns 0 or a negative errno. */
int cgroup_watch_init(CgroupWatch *w, Relay *relay, const char *root);
void cgroup_watch_done(CgroupWatch *w);
/* Reads every domain's cgroup when a second has passed, an event came, or
 * force (a grant round is due: it needs fresh room). */
void cgroup_watch_tick(CgroupWatch *w, uint64_t now_usec, bool force);
