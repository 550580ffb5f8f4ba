/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "meminfo.h"

int host_mem_available(const char *proc_dir, uint64_t *ret_kb)
{
        char path[4096], buf[8192], *line, *end;
        ssize_t n;
        int fd;

        if ((size_t)snprintf(path, sizeof(path), "%s/meminfo", proc_dir) >= sizeof(path))
                return -ENAMETOOLONG;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        /* Anchored at a line start: "MemAvailable:" must not match inside
         * another key. */
        for (line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                unsigned long long v;

                if (strncmp(line, "MemAvailable:", 13) != 0)
                        continue;
                errno = 0;
                v = strtoull(line + 13, &end, 10);
                if (errno || end == line + 13)
                        return -EINVAL;
                *ret_kb = v;
                return 0;
        }
        return -ENODATA;
}
