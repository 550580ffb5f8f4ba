/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The two ways to reach the hypervisor, each feeding one Relay from the
 * GLib main loop: plain QEMU (a QMP monitor socket and the chardev socket
 * of the port) or libvirt (every running domain with an org.oomguard.0
 * channel). */

#include <glib-unix.h>
#include <stdint.h>

#include "relay.h"

#define OOMGUARD_PORT_NAME "org.oomguard.0"

typedef struct QmpBackend QmpBackend;
typedef struct LibvirtBackend LibvirtBackend;

/* Sources on the thread-default main context: the libvirt backend runs
 * libvirt's event loop on the global default context in its own thread,
 * so the relay's own sources must not land there. */
guint host_fd_add(int fd, GIOCondition cond, GUnixFDSourceFunc fn, gpointer user);
guint host_timeout_add(guint ms, GSourceFunc fn, gpointer user);
guint host_signal_add(int signum, GSourceFunc fn, gpointer user);
void host_source_remove(guint id);

/* A 63-bit id for guest-sync-delimited, from getrandom(). */
uint64_t host_random_id(void);
/* CLOCK_MONOTONIC in microseconds. */
uint64_t host_now_usec(void);

/* name: the domain name the policy's [domain NAME] sections match. */
int qmp_backend_new(Relay *relay, const char *name, const char *qmp_path, const char *channel_path,
                    QmpBackend **ret);
void qmp_backend_free(QmpBackend *b);
extern const Backend qmp_backend_ops;

int libvirt_backend_new(Relay *relay, const char *uri, LibvirtBackend **ret);
void libvirt_backend_free(LibvirtBackend *b);
extern const Backend libvirt_backend_ops;
