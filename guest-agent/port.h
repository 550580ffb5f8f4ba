/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The virtio-serial port to the host: finding it, opening it, and writing
 * to it without blocking (PROTOCOL.md §2.1). */

#include <stdbool.h>
#include <stddef.h>

#include <glib.h>

#define PORT_WRITE_CHUNK (32u * 1024)   /* virtio_console takes at most this per write() */
#define PORT_QUEUE_MAX (1024u * 1024)   /* output held while the host does not read */

/* Opens port name below root ("/" in production, a fixture tree in tests):
 * root/dev/virtio-ports/NAME (the udev link), else the root/dev/ENTRY whose
 * root/sys/class/virtio-ports/ENTRY/name holds NAME (no udev). Opened
 * O_RDWR|O_NONBLOCK|O_CLOEXEC|O_NOCTTY. Returns the fd, with the path opened
 * in *ret_path (g_free) if ret_path is not NULL; -ENOENT when no such port
 * exists; -EINVAL for a name with '/' or an empty one; -EBUSY when another
 * process holds it; another negative errno. */
int port_open(const char *root, const char *name, char **ret_path);

/* Opens path directly: a character device (or other file), or a unix
 * stream socket, which is connected to (tests play the host through one).
 * *ret_is_socket tells which. Returns the fd or a negative errno. */
int port_open_path(const char *path, bool *ret_is_socket);

/* Appends data to queue and writes as much of the queue as fd takes now,
 * looping over short writes of at most PORT_WRITE_CHUNK. Returns 0 when
 * everything is written, 1 when bytes remain queued (wait for POLLOUT and
 * call port_flush()), -ENOBUFS when the queue would exceed PORT_QUEUE_MAX
 * (data dropped whole, nothing of it queued), or another negative errno
 * from write() (EAGAIN is not one). */
int port_send(int fd, GString *queue, const char *data, size_t len);
int port_flush(int fd, GString *queue);
