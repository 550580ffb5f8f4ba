/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "proc-scan.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int proc_read(SysRoot *root, int pid, bool want_cgroup, ProcEntry *e, char *cgroup, size_t cgroup_size)
{
        char path[64];
        const char *buf;
        size_t len;
        int r;

        e->pid = pid;
        e->cgroup = NULL;
        snprintf(path, sizeof(path), "proc/%d/stat", pid);
        if ((r = sysroot_read_path(root, path, &buf, &len)) < 0 || (r = parse_proc_stat(buf, len, &e->stat)) < 0)
                return r;
        if (want_cgroup) {
                snprintf(path, sizeof(path), "proc/%d/cgroup", pid);
                if (sysroot_read_path(root, path, &buf, &len) >= 0 &&
                    parse_proc_cgroup(buf, len, cgroup, cgroup_size) >= 0)
                        e->cgroup = cgroup;
        }
        return 0;
}

int proc_scan(SysRoot *root, int self, bool want_cgroup, ProcVisit visit, void *userdata)
{
        char cgroup[PROC_CGROUP_MAX];
        struct dirent *de;
        DIR *d;
        int fd;

        fd = sysroot_open_dir(root, "proc");
        if (fd < 0)
                return fd;
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return -errno;
        }
        while ((de = readdir(d))) {
                ProcEntry e;
                char *end;
                long pid = strtol(de->d_name, &end, 10);

                if (*end || pid <= 0 || pid > INT32_MAX || pid == self)
                        continue;
                if (proc_read(root, (int)pid, want_cgroup, &e, cgroup, sizeof(cgroup)) < 0)
                        continue;
                /* kernel threads cannot be steered or killed; zombies and
                 * dead tasks (fs/proc/array.c: task_state_array) hold no memory */
                if ((e.stat.flags & PROC_PF_KTHREAD) || e.stat.state == 'Z' || e.stat.state == 'X')
                        continue;
                if (!visit(root, &e, userdata))
                        break;
        }
        closedir(d);
        return 0;
}
