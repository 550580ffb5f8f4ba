/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <sys/random.h>
#include <time.h>

#include "backend.h"

uint64_t host_random_id(void)
{
        uint64_t v = 0;

        /* A predictable id would let a guest pre-send a matching answer:
         * getrandom() blocks only before the pool is initialised at boot. */
        ssize_t n;

        do
                n = getrandom(&v, sizeof(v), 0);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof(v))
                /* no getrandom (seccomp, ENOSYS): the clock's low bits,
                 * weaker, but the sync id only has to differ per session */
                v = host_now_usec() * UINT64_C(6364136223846793005) + (uint64_t)time(NULL);
        return v & INT64_MAX;
}

uint64_t host_now_usec(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static guint attach(GSource *s, GSourceFunc fn, gpointer user)
{
        guint id;

        g_source_set_callback(s, fn, user, NULL);
        id = g_source_attach(s, g_main_context_get_thread_default());
        g_source_unref(s);
        return id;
}

guint host_fd_add(int fd, GIOCondition cond, GUnixFDSourceFunc fn, gpointer user)
{
        return attach(g_unix_fd_source_new(fd, cond), G_SOURCE_FUNC(fn), user);
}

guint host_timeout_add(guint ms, GSourceFunc fn, gpointer user)
{
        return attach(g_timeout_source_new(ms), fn, user);
}

guint host_signal_add(int signum, GSourceFunc fn, gpointer user)
{
        return attach(g_unix_signal_source_new(signum), fn, user);
}

void host_source_remove(guint id)
{
        GSource *s = g_main_context_find_source_by_id(g_main_context_get_thread_default(), id);

        if (s)
                g_source_destroy(s);
}
