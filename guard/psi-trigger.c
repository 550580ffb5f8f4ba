/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "psi-trigger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <sys/vfs.h>
#include <unistd.h>

#define PROC_SUPER_MAGIC 0x9fa0
#define CGROUP2_SUPER_MAGIC 0x63677270

int psi_trigger_open(SysRoot *root, const char *relpath, const char *kind, uint64_t stall_us, uint64_t window_us)
{
        char text[64];
        struct statfs sfs;
        int fd, n;

        fd = sysroot_open_rw(root, relpath);
        if (fd < 0)
                return fd;
        if (fstatfs(fd, &sfs) < 0 || (sfs.f_type != PROC_SUPER_MAGIC && sfs.f_type != CGROUP2_SUPER_MAGIC)) {
                close(fd);
                return -ENOTSUP;
        }
        n = snprintf(text, sizeof(text), "%s %" PRIu64 " %" PRIu64, kind, stall_us, window_us);
        /* psi_write() copies at most 32 bytes and overwrites the last one
         * with NUL: send the terminating NUL too, or the window loses its
         * last digit. */
        if (write(fd, text, (size_t)n + 1) < 0) {
                int e = -errno;

                close(fd);
                return e;
        }
        return fd;
}
