/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The status socket: each connection gets the guard's state as one JSON
 * object and is closed. The guard reads nothing from it, formats into a
 * buffer it owns and sends without waiting: a slow or hostile client can
 * neither block the loop nor make it allocate. */
#include "guard-internal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

void guard_status_view(Guard *g, const char *mode, StatusView *v)
{
        *v = (StatusView){
                .mode = mode,
                .pid = g->self,
                .dry_run = g->opt.dry_run,
                /* the running guard: now; --once: its one evaluation */
                .now_usec = g->event ? guard_now_usec(g) : g->step.pressure.now_usec,
                .s = g->sample,
                .m = g->step.model,
                .in = &g->step.pressure,
                .d = &g->step.decision,
                .st = &g->state,
                .actions = g->actions,
                .host_refusal = g->host_said,
                .policy_path = g->opt.policy_path,
                .policy_from_file = g->policy_from_file,
                .policy_loaded_unix = g->policy_loaded_unix,
                .notes = g->notes,
        };
}

static int on_status(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
        Guard *g = userdata;
        StatusView v;
        int c, n;

        (void)s;
        (void)revents;
        c = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (c < 0)
                return 0;
        guard_status_view(g, "daemon", &v);
        n = status_format_json(g->status_buf, sizeof(g->status_buf), &v);
        /* 16 KiB fits a fresh socket's send buffer: MSG_DONTWAIT never
         * leaves half an answer behind in practice, and never waits */
        if (n > 0)
                (void)send(c, g->status_buf, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL);
        close(c);
        return 0;
}

int guard_status_open(Guard *g)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = g->policy.status_socket;
        char dir[CONFIG_PATH_MAX];
        char *slash;
        int fd, r;

        guard_status_close(g);
        if (!path[0] || strlen(path) >= sizeof(sa.sun_path))
                return 0;
        /* /run/oomguard: RuntimeDirectory= under systemd; made here when
         * run by hand. World-readable: status is for any local user. */
        snprintf(dir, sizeof(dir), "%s", path);
        slash = strrchr(dir, '/');
        if (slash && slash != dir) {
                *slash = '\0';
                if (mkdir(dir, 0755) == 0)
                        (void)chmod(dir, 0755);         /* whatever the umask (the unit's is 0077) */
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                goto fail;
        (void)unlink(path);     /* a stale socket of an earlier run */
        if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || chmod(path, 0666) < 0 || listen(fd, 8) < 0)
                goto fail;
        r = sd_event_add_io(g->event, &g->status_source, fd, EPOLLIN, on_status, g);
        if (r < 0) {
                errno = -r;
                goto fail;
        }
        sd_event_source_set_description(g->status_source, "status");
        g->status_fd = fd;
        snprintf(g->status_socket, sizeof(g->status_socket), "%s", path);
        return 0;
fail:
        r = -errno;
        if (fd >= 0)
                close(fd);
        guard_log(g, 4, "%s: cannot serve status: %s", path, strerror(-r));
        return r;
}

void guard_status_close(Guard *g)
{
        g->status_source = sd_event_source_disable_unref(g->status_source);
        if (g->status_fd >= 0) {
                close(g->status_fd);
                g->status_fd = -1;
                (void)unlink(g->status_socket);
        }
}
