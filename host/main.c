/* SPDX-License-Identifier: GPL-2.0-or-later */
/* oomguard-host: answers the deflate requests of oomguard guests.
 *   oomguard-host [--policy FILE] [--connect URI]            libvirt, every domain with the port
 *   oomguard-host --qmp SOCKET --channel SOCKET [--name N]    one plain QEMU guest
 *   (both: [--state-dir DIR], default /var/lib/oomguard-host)
 *   oomguard-host --check-policy [--policy FILE]
 * Exit status: 0 on SIGTERM/SIGINT, 1 bad options or policy, 2 backend or state directory failure. */
#include <errno.h>
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "backend.h"
#include "cgroup-watch.h"
#include "hostlog.h"
#include "meminfo.h"
#include "reclaim.h"
#include "metrics.h"
#include "policy-file.h"
#include "state-file.h"

#define TICK_MS 100     /* rounds are RELAY_ROUND_USEC long; sync timeouts are seconds */
#define USEC_PER_SEC UINT64_C(1000000)

typedef struct Host {
        Relay relay;
        CgroupWatch cgroups;
        HostPolicy policy;
        const char *proc_dir;
        uint64_t next_release_usec, next_metrics_usec;
        int metrics_error;              /* the last failure said, so it is said once */
        bool meminfo_warned;
        GMainLoop *loop;
} Host;

static bool read_available(Host *h, uint64_t *ret_kb)
{
        int k = host_mem_available(h->proc_dir, ret_kb);

        if (k < 0 && !h->meminfo_warned)
                hostlog(h->relay.log_flags, LOG_ERR, NULL, "cannot read %s/meminfo: %s; granting nothing", h->proc_dir,
                        strerror(-k));
        h->meminfo_warned = k < 0;
        return k >= 0;
}

static gboolean tick(gpointer user)
{
        Host *h = user;
        uint64_t now = host_now_usec(), avail = 0;

        relay_check_syncs(&h->relay, host_random_id, now);
        relay_resume(&h->relay, now);
        /* A round about to be decided needs the cgroup's room as it is now. */
        cgroup_watch_tick(&h->cgroups, now, h->relay.n_round > 0 && now >= h->relay.round_due_usec);
        if (h->relay.n_round > 0 && now >= h->relay.round_due_usec)
                /* Without the host's figure, a round sees 0 kB available: all refused. */
                relay_run_round(&h->relay, read_available(h, &avail) ? avail : 0, now, false);
        if (now >= h->next_release_usec) {
                h->next_release_usec = now + USEC_PER_SEC;
                if (read_available(h, &avail)) {
                        relay_release(&h->relay, avail, now);
                        relay_reclaim(&h->relay, avail, now);
                }
        }
        if (h->policy.metrics_path[0] && now >= h->next_metrics_usec) {
                int k = metrics_write(&h->relay, h->policy.metrics_path);

                h->next_metrics_usec = now + h->policy.metrics_interval_s * USEC_PER_SEC;
                if (k < 0 && k != h->metrics_error)
                        hostlog(h->relay.log_flags, LOG_WARNING, NULL, "cannot write %s: %s (said once)",
                                h->policy.metrics_path, strerror(-k));
                h->metrics_error = k < 0 ? k : 0;
        }
        return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer user)
{
        Host *h = user;

        g_main_loop_quit(h->loop);
        return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
        /* GOption overwrites a string without freeing it: defaults come after. */
        g_autofree char *policy_path = NULL, *qmp = NULL, *channel = NULL, *name = NULL, *uri = NULL, *proc_dir = NULL,
                         *state_dir = NULL, *sysroot = NULL;
        gboolean check = FALSE, verbose = FALSE, debug = FALSE;
        GOptionEntry entries[] = {
                { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy_path, "Host policy (default /etc/oomguard/host.ini)", "FILE" },
                { "check-policy", 0, 0, G_OPTION_ARG_NONE, &check, "Check the policy file and exit", NULL },
                { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log to stderr as well", NULL },
                { "debug", 0, 0, G_OPTION_ARG_NONE, &debug, "Log debug messages too", NULL },
                { "connect", 'c', 0, G_OPTION_ARG_STRING, &uri, "libvirt URI (default: libvirt's default)", "URI" },
                { "qmp", 0, 0, G_OPTION_ARG_FILENAME, &qmp, "Plain QEMU: the QMP monitor socket", "SOCKET" },
                { "channel", 0, 0, G_OPTION_ARG_FILENAME, &channel, "Plain QEMU: the chardev socket of the port", "SOCKET" },
                { "name", 0, 0, G_OPTION_ARG_STRING, &name, "Plain QEMU: the domain name for the policy (default qemu)", "NAME" },
                { "proc", 0, 0, G_OPTION_ARG_FILENAME, &proc_dir, "Where meminfo is (default /proc)", "DIR" },
                { "state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
                  "Where answers, targets and budgets outlive a restart (default /var/lib/oomguard-host)", "DIR" },
                { "sysroot", 0, 0, G_OPTION_ARG_FILENAME, &sysroot, "Where proc/PID/cgroup and sys/fs/cgroup are (default /)", "DIR" },
                { NULL, 0, 0, 0, NULL, NULL, NULL },
        };
        g_autoptr(GOptionContext) ctx = g_option_context_new("- grant oomguard guests' balloon deflate requests");
        g_autoptr(GError) error = NULL;
        QmpBackend *qb = NULL;
        LibvirtBackend *lb = NULL;
        GMainContext *ctx_main;
        Host *h;
        int k, status = 0;

        g_option_context_add_main_entries(ctx, entries, NULL);
        if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1 || (!qmp != !channel) || (qmp && uri)) {
                fprintf(stderr, "%s\n", error ? error->message : "--qmp and --channel go together, without --connect");
                return 1;
        }
        if (!policy_path)
                policy_path = g_strdup("/etc/oomguard/host.ini");
        if (!name)
                name = g_strdup("qemu");
        if (!proc_dir)
                proc_dir = g_strdup("/proc");
        if (!state_dir)
                state_dir = g_strdup("/var/lib/oomguard-host");
        h = g_new0(Host, 1);
        h->proc_dir = proc_dir;
        if (host_policy_load(policy_path, check, &h->policy, stderr) < 0) {
                g_free(h);
                return 1;
        }
        if (check) {
                g_free(h);
                return 0;
        }
        relay_init(&h->relay, &h->policy, qmp ? &qmp_backend_ops : &libvirt_backend_ops);
        h->relay.log_flags = HOSTLOG_JOURNAL | (verbose || debug ? HOSTLOG_STDERR : 0) | (debug ? HOSTLOG_DEBUG : 0);
        /* Before any domain is added: each reads its state file. Without
         * the directory a restart could grant a resent id twice, so the
         * relay does not start. */
        h->relay.state_dir_fd = state_dir_open(state_dir);
        if (h->relay.state_dir_fd < 0) {
                hostlog(h->relay.log_flags | HOSTLOG_STDERR, LOG_ERR, NULL, "cannot open the state directory %s: %s",
                        state_dir, strerror(-h->relay.state_dir_fd));
                g_free(h);
                return 2;
        }
        k = state_boot_id(h->relay.boot_id, sizeof(h->relay.boot_id));
        if (k < 0)
                hostlog(h->relay.log_flags, LOG_WARNING, NULL,
                        "cannot read the boot id: %s; saved times are taken as of this boot", strerror(-k));
        k = cgroup_watch_init(&h->cgroups, &h->relay, sysroot ? sysroot : "/");
        if (k < 0)
                hostlog(h->relay.log_flags, LOG_WARNING, NULL, "cannot open %s: %s; memory cgroups not watched",
                        sysroot ? sysroot : "/", strerror(-k));
        signal(SIGPIPE, SIG_IGN);
        /* Our own context: libvirt's event thread iterates the global default one. */
        ctx_main = g_main_context_new();
        g_main_context_push_thread_default(ctx_main);
        h->loop = g_main_loop_new(ctx_main, FALSE);
        k = qmp ? qmp_backend_new(&h->relay, name, qmp, channel, &qb) : libvirt_backend_new(&h->relay, uri, &lb);
        if (k < 0) {
                hostlog(h->relay.log_flags | HOSTLOG_STDERR, LOG_ERR, NULL, "cannot start: %s", strerror(-k));
                status = 2;
        } else {
                hostlog(h->relay.log_flags, LOG_INFO, NULL, "oomguard-host started (%s)", qmp ? "QMP" : "libvirt");
                host_timeout_add(TICK_MS, tick, h);
                host_signal_add(SIGTERM, on_signal, h);
                host_signal_add(SIGINT, on_signal, h);
                g_main_loop_run(h->loop);
        }
        qmp_backend_free(qb);
        libvirt_backend_free(lb);
        cgroup_watch_done(&h->cgroups);
        relay_done(&h->relay);
        close(h->relay.state_dir_fd);
        g_main_loop_unref(h->loop);
        g_main_context_pop_thread_default(ctx_main);
        g_main_context_unref(ctx_main);
        g_free(h);
        return status;
}
