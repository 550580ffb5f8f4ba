/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sysroot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SYSROOT_BUF_INITIAL (64u * 1024)       /* zoneinfo of a 2-CPU guest is ~6 KiB */
#define SYSROOT_BUF_MAX (16u * 1024 * 1024)

struct SysRoot {
        int dirfd;
        char *path;
        unsigned page_size_kb;
        int fds[_SF_MAX];
        char *buf;
        size_t cap;
};

static const char *const sysfile_paths[_SF_MAX] = {
        [SF_MEMINFO] = "proc/meminfo",
        [SF_VMSTAT] = "proc/vmstat",
        [SF_PRESSURE_MEMORY] = "proc/pressure/memory",
        [SF_ZONEINFO] = "proc/zoneinfo",
        [SF_BUDDYINFO] = "proc/buddyinfo",
        [SF_PAGETYPEINFO] = "proc/pagetypeinfo",
        [SF_MIN_FREE_KBYTES] = "proc/sys/vm/min_free_kbytes",
        [SF_WATERMARK_SCALE_FACTOR] = "proc/sys/vm/watermark_scale_factor",
        [SF_WATERMARK_BOOST_FACTOR] = "proc/sys/vm/watermark_boost_factor",
        [SF_LOWMEM_RESERVE_RATIO] = "proc/sys/vm/lowmem_reserve_ratio",
        [SF_OSRELEASE] = "proc/sys/kernel/osrelease",
        [SF_NODE_ONLINE] = "sys/devices/system/node/online",
};

const char *sysfile_path(SysFile f)
{
        return f >= 0 && f < _SF_MAX ? sysfile_paths[f] : "?";
}

int sysroot_open(const char *path, SysRoot **ret)
{
        SysRoot *r = calloc(1, sizeof(*r));
        long page_size;

        if (!r)
                return -ENOMEM;
        for (int i = 0; i < _SF_MAX; i++)
                r->fds[i] = -1;
        r->dirfd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
        if (r->dirfd < 0) {
                int e = -errno;

                free(r);
                return e;
        }
        r->path = strdup(path);
        r->cap = SYSROOT_BUF_INITIAL;
        r->buf = malloc(r->cap);
        if (!r->path || !r->buf) {
                sysroot_free(r);
                return -ENOMEM;
        }
        page_size = sysconf(_SC_PAGESIZE);
        r->page_size_kb = strcmp(path, "/") == 0 && page_size >= 1024 ? (unsigned)(page_size / 1024) : 4;
        *ret = r;
        return 0;
}

SysRoot *sysroot_free(SysRoot *r)
{
        if (!r)
                return NULL;
        for (int i = 0; i < _SF_MAX; i++)
                if (r->fds[i] >= 0)
                        close(r->fds[i]);
        if (r->dirfd >= 0)
                close(r->dirfd);
        free(r->buf);
        free(r->path);
        free(r);
        return NULL;
}

const char *sysroot_path(const SysRoot *r)
{
        return r->path;
}

unsigned sysroot_page_size_kb(const SysRoot *r)
{
        return r->page_size_kb;
}

void sysroot_set_page_size_kb(SysRoot *r, unsigned kb)
{
        if (kb)
                r->page_size_kb = kb;
}

/* seq_file answers a read at offset 0 with a fresh snapshot; a file that
 * fills the buffer is read again from 0 with a larger one so that the
 * snapshot is never stitched from two generations. */
static int read_fd(SysRoot *r, int fd, const char **ret_buf, size_t *ret_len)
{
        for (;;) {
                size_t total = 0;

                for (;;) {
                        ssize_t n = pread(fd, r->buf + total, r->cap - total, (off_t)total);

                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                return -errno;
                        }
                        if (n == 0)
                                break;
                        total += (size_t)n;
                        if (total == r->cap)
                                break;
                }
                if (total < r->cap) {
                        *ret_buf = r->buf;
                        *ret_len = total;
                        return 0;
                }
                if (r->cap >= SYSROOT_BUF_MAX)
                        return -EFBIG;
                char *bigger = realloc(r->buf, r->cap * 2);
                if (!bigger)
                        return -ENOMEM;
                r->buf = bigger;
                r->cap *= 2;
        }
}

int sysroot_read(SysRoot *r, SysFile f, const char **ret_buf, size_t *ret_len)
{
        if (f < 0 || f >= _SF_MAX)
                return -EINVAL;
        if (r->fds[f] < 0) {
                r->fds[f] = openat(r->dirfd, sysfile_paths[f], O_RDONLY | O_CLOEXEC | O_NOCTTY);
                if (r->fds[f] < 0)
                        return -errno;
        }
        return read_fd(r, r->fds[f], ret_buf, ret_len);
}

int sysroot_read_path(SysRoot *r, const char *relpath, const char **ret_buf, size_t *ret_len)
{
        int fd = openat(r->dirfd, relpath, O_RDONLY | O_CLOEXEC | O_NOCTTY), ret;

        if (fd < 0)
                return -errno;
        ret = read_fd(r, fd, ret_buf, ret_len);
        close(fd);
        return ret;
}

int sysroot_open_dir(SysRoot *r, const char *relpath)
{
        int fd = openat(r->dirfd, relpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        return fd < 0 ? -errno : fd;
}

int sysroot_write_path(SysRoot *r, const char *relpath, const char *data, size_t len)
{
        /* Kernel files take a write as a whole value; a fixture's regular
         * file would keep the tail of a longer old value ("0\n" over
         * "500\n" leaves "0\n0\n"), so there the file is truncated. */
        int flags = O_WRONLY | O_CLOEXEC | O_NOCTTY | (sysroot_is_live(r) ? 0 : O_TRUNC);
        int fd = openat(r->dirfd, relpath, flags), ret = 0;
        ssize_t n;

        if (fd < 0)
                return -errno;
        n = write(fd, data, len);
        if (n < 0)
                ret = -errno;
        else if ((size_t)n != len)
                ret = -EIO;
        close(fd);
        return ret;
}

int sysroot_open_rw(SysRoot *r, const char *relpath)
{
        int fd = openat(r->dirfd, relpath, O_RDWR | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

        return fd < 0 ? -errno : fd;
}

bool sysroot_is_live(const SysRoot *r)
{
        return strcmp(r->path, "/") == 0;
}
