/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "port.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define PORT_FLAGS (O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)

static bool name_ok(const char *name)
{
        return name[0] && !strchr(name, '/') && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}

static int open_at(int dirfd, const char *relpath)
{
        int fd = openat(dirfd, relpath, PORT_FLAGS);

        return fd < 0 ? -errno : fd;
}

/* The sysfs attribute appears only once the host has named the port, with
 * a '\n' after the name. */
static bool name_matches(int sysfd, const char *entry, const char *name)
{
        g_autofree char *rel = g_strdup_printf("%s/name", entry);
        char buf[256];
        ssize_t n;
        int fd = openat(sysfd, rel, O_RDONLY | O_CLOEXEC | O_NOCTTY);

        if (fd < 0)
                return false;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n <= 0)
                return false;
        buf[n] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        return strcmp(buf, name) == 0;
}

static int scan_sysfs(int rootfd, const char *name, char **ret_entry)
{
        int sysfd = openat(rootfd, "sys/class/virtio-ports", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;
        struct dirent *de;
        int r = -ENOENT;

        if (sysfd < 0)
                return -ENOENT;
        d = fdopendir(sysfd);
        if (!d) {
                close(sysfd);
                return -ENOMEM;
        }
        while ((de = readdir(d))) {
                if (de->d_name[0] == '.' || !name_ok(de->d_name))
                        continue;
                if (name_matches(sysfd, de->d_name, name)) {
                        *ret_entry = g_strdup(de->d_name);
                        r = 0;
                        break;
                }
        }
        closedir(d);
        return r;
}

int port_open(const char *root, const char *name, char **ret_path)
{
        g_autofree char *link = NULL, *entry = NULL, *dev = NULL;
        int rootfd, fd, r;

        if (!name_ok(name))
                return -EINVAL;
        rootfd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (rootfd < 0)
                return -errno;
        link = g_strdup_printf("dev/virtio-ports/%s", name);
        fd = open_at(rootfd, link);
        if (fd != -ENOENT) {
                close(rootfd);
                if (fd >= 0 && ret_path)
                        *ret_path = g_build_filename(root, link, NULL);
                return fd;
        }
        /* no udev (initramfs, minimal guests): devtmpfs has the node, not the link */
        r = scan_sysfs(rootfd, name, &entry);
        if (r < 0) {
                close(rootfd);
                return r;
        }
        dev = g_strdup_printf("dev/%s", entry);
        fd = open_at(rootfd, dev);
        close(rootfd);
        if (fd >= 0 && ret_path)
                *ret_path = g_build_filename(root, dev, NULL);
        return fd;
}

static int connect_socket(const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd;

        if (strlen(path) >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, strlen(path));
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
                int e = -errno;

                close(fd);
                return e;
        }
        return fd;
}

int port_open_path(const char *path, bool *ret_is_socket)
{
        struct stat st;
        int fd;

        if (stat(path, &st) < 0)
                return -errno;
        *ret_is_socket = S_ISSOCK(st.st_mode);
        if (*ret_is_socket)
                return connect_socket(path);
        fd = open(path, PORT_FLAGS);
        return fd < 0 ? -errno : fd;
}

int port_flush(int fd, GString *queue)
{
        size_t done = 0;
        int r = 0;

        while (done < queue->len) {
                size_t n = MIN(queue->len - done, PORT_WRITE_CHUNK);
                ssize_t w = write(fd, queue->str + done, n);

                if (w < 0) {
                        if (errno == EINTR)
                                continue;
                        if (errno != EAGAIN)
                                r = -errno;
                        break;
                }
                done += (size_t)w;
        }
        g_string_erase(queue, 0, (gssize)done);
        if (r < 0)
                return r;
        return queue->len > 0;
}

int port_send(int fd, GString *queue, const char *data, size_t len)
{
        if (queue->len + len > PORT_QUEUE_MAX)
                return -ENOBUFS;
        g_string_append_len(queue, data, (gssize)len);
        return port_flush(fd, queue);
}
