/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cgroup-watch.h"
#include "hostlog.h"
#include "reclaim.h"

#define KB_PER_MB UINT64_C(1024)
#define FIND_AGAIN_USEC (UINT64_C(10) * 1000000)
/* A PSI trigger (Documentation/accounting/psi.rst): 100 ms of "some"
 * memory stall within 1 s wakes the relay before its next poll. */
#define PRESSURE_TRIGGER "some 100000 1000000"

int cgroup_watch_init(CgroupWatch *w, Relay *relay, const char *root)
{
        *w = (CgroupWatch){ .relay = relay };
        return sysroot_open(root, &w->root);
}

static void unwatch(CgroupLink *l)
{
        if (l->pressure_watch)
                host_source_remove(l->pressure_watch);
        if (l->events_watch)
                host_source_remove(l->events_watch);
        if (l->pressure_fd >= 0)
                close(l->pressure_fd);
        if (l->events_fd >= 0)
                close(l->events_fd);
        l->pressure_watch = l->events_watch = 0;
        l->pressure_fd = l->events_fd = -1;
}

static void link_free(CgroupLink *l)
{
        unwatch(l);
        free(l);
}

void cgroup_watch_done(CgroupWatch *w)
{
        for (unsigned i = 0; i < w->n_links; i++)
                link_free(w->links[i]);
        w->n_links = 0;
        w->root = sysroot_free(w->root);
}

static gboolean on_event(gint fd, GIOCondition cond, gpointer user)
{
        CgroupLink *l = user;
        char buf[512];

        /* kernfs keeps signalling a changed file until it is read again
         * (fs/kernfs/file.c: kernfs_generic_poll()). */
        if (fd == l->events_fd && pread(fd, buf, sizeof(buf), 0) < 0)
                return G_SOURCE_CONTINUE;
        l->watch->wake = true;
        return G_SOURCE_CONTINUE;
}

/* v2 only, and only on the live system: a fixture's regular file has
 * nothing to notify, and must not get a trigger written into it. kernfs
 * signals a changed memory.events, and a PSI trigger, with POLLPRI. */
static void watch_events(CgroupWatch *w, CgroupLink *l)
{
        char path[CGROUP_DIR_MAX + 32];
        int dirfd;

        if (l->ref.version != CGROUP_V2 || !sysroot_is_live(w->root))
                return;
        snprintf(path, sizeof(path), "%s/memory.pressure", l->ref.limit_dir);
        l->pressure_fd = sysroot_open_rw(w->root, path);
        if (l->pressure_fd >= 0 && write(l->pressure_fd, PRESSURE_TRIGGER, strlen(PRESSURE_TRIGGER) + 1) < 0) {
                close(l->pressure_fd);
                l->pressure_fd = -1;
        }
        if (l->pressure_fd >= 0)
                l->pressure_watch = host_fd_add(l->pressure_fd, G_IO_PRI, on_event, l);
        dirfd = sysroot_open_dir(w->root, l->ref.limit_dir);
        if (dirfd >= 0) {
                l->events_fd = openat(dirfd, "memory.events", O_RDONLY | O_CLOEXEC);
                close(dirfd);
        }
        if (l->events_fd >= 0)
                l->events_watch = host_fd_add(l->events_fd, G_IO_PRI, on_event, l);
}

static CgroupLink *link_of(CgroupWatch *w, RelayDomain *d)
{
        CgroupLink *l;

        for (unsigned i = 0; i < w->n_links; i++)
                if (w->links[i]->domain == d)
                        return w->links[i];
        if (w->n_links >= HOST_POLICY_MAX_DOMAINS || !(l = calloc(1, sizeof(*l))))
                return NULL;
        l->watch = w;
        l->domain = d;
        l->pressure_fd = l->events_fd = -1;
        cgroup_guard_init(&l->guard);
        w->links[w->n_links++] = l;
        return l;
}

/* Links of domains the relay no longer has go. */
static void prune(CgroupWatch *w)
{
        for (unsigned i = 0; i < w->n_links;) {
                bool alive = false;

                for (unsigned k = 0; k < w->relay->n_domains; k++)
                        alive |= w->relay->domains[k] == w->links[i]->domain;
                if (alive) {
                        i++;
                        continue;
                }
                link_free(w->links[i]);
                w->links[i] = w->links[--w->n_links];
        }
}

/* (Re)finds the cgroup when the domain's QEMU is a new process, or the
 * last attempt failed long enough ago. */
static bool find(CgroupWatch *w, CgroupLink *l, uint64_t now_usec)
{
        Relay *r = w->relay;
        const char *name = l->domain->name;
        int pid = -1, k;

        if (!r->backend->get_pid || r->backend->get_pid(l->domain->handle, &pid) < 0 || pid <= 0)
                return l->found;        /* not known now: keep what was found */
        if (l->found && pid == l->pid)
                return true;
        if (!l->found && pid == l->pid && now_usec < l->next_find_usec)
                return false;
        unwatch(l);
        l->pid = pid;
        l->found = false;
        l->next_find_usec = now_usec + FIND_AGAIN_USEC;
        cgroup_guard_init(&l->guard);
        k = cgroup_find(w->root, pid, &l->ref);
        if (k < 0) {
                if (k != l->find_error)
                        hostlog(r->log_flags, LOG_WARNING, name, "no memory cgroup for QEMU pid %d: %s", pid,
                                strerror(-k));
                l->find_error = k;
                return false;
        }
        l->find_error = 0;
        l->found = true;
        l->have_oom_kills = false;
        hostlog(r->log_flags, LOG_INFO, name, "QEMU pid %d: memory cgroup v%d %s, limit %s%s", pid,
                l->ref.version == CGROUP_V1 ? 1 : 2, l->ref.dir, l->ref.has_limit ? "from " : "none",
                l->ref.has_limit ? l->ref.limit_dir : "");
        watch_events(w, l);
        return true;
}

static void log_figures(const Relay *r, const char *name, int priority, const CgroupFigures *f,
                        const CgroupStep *s, const char *what)
{
        char psi[48] = "";

        if (f->have_psi)
                snprintf(psi, sizeof(psi), ", PSI some avg10 %u.%02u%%", f->psi_some_avg10 / 100, f->psi_some_avg10 % 100);
        hostlog(r->log_flags, priority, name,
                "cgroup usage %" PRIu64 " kB, inactive file %" PRIu64 " kB, limit %" PRIu64 " kB, room %" PRIu64
                " kB, rising %" PRId64 " kB/s%s: %s",
                f->usage_kb, f->inactive_file_kb, f->limit_kb, s->room_kb, s->rise_kbps, psi, what);
}

static void act(CgroupWatch *w, CgroupLink *l, const CgroupFigures *f, const CgroupStep *s, uint64_t now_usec)
{
        Relay *r = w->relay;
        RelayDomain *d = l->domain;
        char what[256];
        uint64_t id = r->next_release_id++;
        int k;

        k = session_release(&d->session, id, s->release_bytes);
        if (k >= 0)
                d->stats.releases++;
        snprintf(what, sizeof(what), "near the limit: asked release %" PRIu64 " of %" PRIu64 " kB%s", id,
                 s->release_bytes / 1024, k < 0 ? " (not sent)" : "");
        if (s->target_kb) {
                /* saved and confirmed like a grant; the arbiter knows it
                 * for its own move, not another controller's */
                k = reclaim_move(r, d, s->target_kb);
                snprintf(what + strlen(what), sizeof(what) - strlen(what),
                         "; balloon %" PRIu64 " -> %" PRIu64 " kB (guest available %" PRId64 " kB)%s",
                         d->grant.actual_kb, s->target_kb, d->stats.guest_available_kb,
                         k == -EBUSY ? ": waits, a balloon command is out" : k < 0 ? ": failed" : "");
                if (k >= 0) {
                        arbiter_note_target(&d->arb, s->target_kb);
                        d->grant.have_cgroup_step = true;
                        d->grant.cgroup_step_usec = now_usec;
                }
        } else
                snprintf(what + strlen(what), sizeof(what) - strlen(what),
                         "; balloon stays (guest available %" PRId64 " kB: nothing to spare)", d->stats.guest_available_kb);
        log_figures(r, d->name, LOG_WARNING, f, s, what);
}

static void check(CgroupWatch *w, CgroupLink *l, uint64_t now_usec)
{
        Relay *r = w->relay;
        RelayDomain *d = l->domain;
        CgroupFigures f;
        CgroupStep s;
        CgroupVmView v;
        uint64_t actual, maximum;
        int k;

        d->grant.have_cgroup = false;
        if (!find(w, l, now_usec))
                return;
        k = cgroup_read(w->root, &l->ref, &f);
        if (k < 0) {
                hostlog(r->log_flags, LOG_WARNING, d->name, "cannot read %s: %s; looking for it again", l->ref.limit_dir,
                        strerror(-k));
                l->found = false;
                l->pid = -1;
                return;
        }
        d->stats.have_cgroup = true;
        d->stats.cgroup_usage_kb = f.usage_kb;
        d->stats.cgroup_limit_kb = f.limit_kb;
        if (f.have_oom_kills) {
                if (l->have_oom_kills && f.oom_kills > l->oom_kills_seen) {
                        d->stats.cgroup_oom_kills += f.oom_kills - l->oom_kills_seen;
                        hostlog(r->log_flags, LOG_ERR, d->name, "the host's OOM killer acted in %s (oom_kill %" PRIu64 ")",
                                l->ref.limit_dir, f.oom_kills);
                }
                l->have_oom_kills = true;
                l->oom_kills_seen = f.oom_kills;
        }
        if (!l->ref.has_limit && !f.limit_kb && !f.high_kb)
                return;
        /* A balloon command is out: its reply comes first, and the domain
         * can take no other step meanwhile (the room is read again then). */
        if (d->pending.active || !relay_refresh(r, d))
                return;
        actual = d->grant.actual_kb;
        maximum = d->grant.maximum_kb;
        v = (CgroupVmView){ .actual_kb = actual, .maximum_kb = maximum, .guest_available_kb = d->stats.guest_available_kb,
                            .guest_ready = d->session.state == SESSION_READY };
        cgroup_guard_decide(r->policy, &l->guard, &f, &v, d->grant.policy.step_mb * KB_PER_MB, now_usec, &s);
        d->grant.have_cgroup = s.room_kb != UINT64_MAX;
        d->grant.cgroup_room_kb = s.room_kb;
        d->stats.cgroup_near_misses = l->guard.near_misses;
        if (s.act)
                act(w, l, &f, &s, now_usec);
        else if (s.new_episode)
                log_figures(r, d->name, LOG_WARNING, &f, &s,
                            v.guest_ready ? "near the limit" : "near the limit; the guest agent is not synchronised");
}

void cgroup_watch_tick(CgroupWatch *w, uint64_t now_usec, bool force)
{
        if (!w->root || (!force && !w->wake && now_usec < w->next_usec))
                return;
        w->wake = false;
        w->next_usec = now_usec + CGROUP_WATCH_USEC;
        prune(w);
        for (unsigned i = 0; i < w->relay->n_domains; i++) {
                CgroupLink *l = link_of(w, w->relay->domains[i]);

                if (l)
                        check(w, l, now_usec);
        }
}
