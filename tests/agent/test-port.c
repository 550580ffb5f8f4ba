/* SPDX-License-Identifier: GPL-2.0-or-later */
/* guest-agent/port.c: finding the port in a fixture tree, and writing
 * without blocking. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "port.h"

static void put(const char *root, const char *rel, const char *content)
{
        g_autofree char *path = g_build_filename(root, rel, NULL);
        g_autofree char *dir = g_path_get_dirname(path);

        assert_int_equal(g_mkdir_with_parents(dir, 0755), 0);
        assert_true(g_file_set_contents(path, content, -1, NULL));
}

static char *read_fd(int fd)
{
        char buf[64];
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

        assert_true(n >= 0);
        buf[n] = '\0';
        return g_strdup(buf);
}

static void discovery(void **state)
{
        g_autofree char *root = g_dir_make_tmp("oomguard-port-XXXXXX", NULL);
        g_autofree char *path = NULL, *got = NULL;
        g_autofree char *rm = NULL;
        int fd;

        assert_non_null(root);
        assert_int_equal(port_open(root, "org.oomguard.0", &path), -ENOENT);
        assert_int_equal(port_open(root, "../x", &path), -EINVAL);
        assert_int_equal(port_open(root, "", &path), -EINVAL);
        assert_int_equal(port_open("/nonexistent-root", "org.oomguard.0", &path), -ENOENT);

        /* no udev: the sysfs name leads to /dev/ENTRY */
        put(root, "sys/class/virtio-ports/vport0p1/name", "org.qemu.guest_agent.0\n");
        put(root, "sys/class/virtio-ports/vport0p2/name", "org.oomguard.0\n");
        put(root, "sys/class/virtio-ports/vport0p3", "");       /* not a directory: skipped */
        put(root, "dev/vport0p1", "qga");
        put(root, "dev/vport0p2", "ours");
        fd = port_open(root, "org.oomguard.0", &path);
        assert_true(fd >= 0);
        got = read_fd(fd);
        assert_string_equal(got, "ours");
        assert_true(g_str_has_suffix(path, "/dev/vport0p2"));
        assert_true(fcntl(fd, F_GETFL) & O_NONBLOCK);
        assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
        close(fd);
        g_clear_pointer(&path, g_free);
        g_clear_pointer(&got, g_free);
        assert_int_equal(port_open(root, "org.oomguard.1", &path), -ENOENT);

        /* the udev link wins */
        put(root, "dev/virtio-ports/org.oomguard.0", "link");
        fd = port_open(root, "org.oomguard.0", NULL);
        assert_true(fd >= 0);
        got = read_fd(fd);
        assert_string_equal(got, "link");
        close(fd);

        rm = g_strdup_printf("rm -rf '%s'", root);
        assert_int_equal(system(rm), 0);
}

static void writes(void **state)
{
        int p[2];
        GString *q = g_string_new(NULL);
        size_t total = 0, pipe_size;
        char *big = g_malloc(PORT_QUEUE_MAX);
        char buf[65536];
        int r;

        memset(big, 'x', PORT_QUEUE_MAX);
        assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
        pipe_size = (size_t)fcntl(p[1], F_GETPIPE_SZ);

        assert_int_equal(port_send(p[1], q, "abc\n", 4), 0);
        assert_int_equal(q->len, 0);
        assert_int_equal(read(p[0], buf, sizeof(buf)), 4);

        /* more than the pipe takes: the rest is queued */
        r = port_send(p[1], q, big, pipe_size + 1000);
        assert_int_equal(r, 1);
        assert_int_equal(q->len, 1000);
        /* the queue is bounded; what does not fit is dropped whole */
        assert_int_equal(port_send(p[1], q, big, PORT_QUEUE_MAX), -ENOBUFS);
        assert_int_equal(q->len, 1000);
        assert_int_equal(port_send(p[1], q, "y\n", 2), 1);
        assert_int_equal(q->len, 1002);

        /* drain; the queue follows in order */
        for (;;) {
                ssize_t n = read(p[0], buf, sizeof(buf));

                if (n <= 0)
                        break;
                total += (size_t)n;
        }
        assert_int_equal(total, pipe_size);
        assert_int_equal(port_flush(p[1], q), 0);
        assert_int_equal(q->len, 0);
        assert_int_equal(read(p[0], buf, sizeof(buf)), 1002);
        assert_memory_equal(buf + 1000, "y\n", 2);

        close(p[0]);
        assert_int_equal(port_send(p[1], q, "z", 1), -EPIPE);
        close(p[1]);
        g_string_free(q, TRUE);
        g_free(big);
}

int main(void)
{
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(discovery),
                cmocka_unit_test(writes),
        };

        /* a closed pipe must give EPIPE, not kill the test */
        signal(SIGPIPE, SIG_IGN);
        return cmocka_run_group_tests(tests, NULL, NULL);
}
