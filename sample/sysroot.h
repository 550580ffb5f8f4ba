/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* The root that every procfs and sysfs read goes through: "/" in production,
 * a fixture tree in tests (--root). The only place that opens kernel files.
 * Hot files are opened once and re-read with pread() from offset 0 into one
 * buffer owned by the root: steady-state reads neither open nor allocate
 * (the buffer grows only if a file outgrows every earlier read of it). */

#include <stdbool.h>
#include <stddef.h>

typedef enum SysFile {
        SF_MEMINFO,
        SF_VMSTAT,
        SF_PRESSURE_MEMORY,
        SF_ZONEINFO,
        SF_BUDDYINFO,
        SF_PAGETYPEINFO,
        SF_MIN_FREE_KBYTES,
        SF_WATERMARK_SCALE_FACTOR,
        SF_WATERMARK_BOOST_FACTOR,
        SF_LOWMEM_RESERVE_RATIO,
        SF_OSRELEASE,
        SF_NODE_ONLINE,
        _SF_MAX,
} SysFile;

typedef struct SysRoot SysRoot;

/* Opens the root directory. Returns 0 or a negative errno. */
int sysroot_open(const char *path, SysRoot **ret);
SysRoot *sysroot_free(SysRoot *r);

/* The root's path as given, and its page size in kB: the running kernel's
 * for "/", 4 for fixture trees (all captured on 4 KiB-page machines). */
const char *sysroot_path(const SysRoot *r);
unsigned sysroot_page_size_kb(const SysRoot *r);
/* A fixture tree taken on a 16 or 64 KiB-page kernel (arm64, ppc64le) says
 * so here; the live root always has the running kernel's. */
void sysroot_set_page_size_kb(SysRoot *r, unsigned kb);

/* Path of a known file relative to the root, e.g. "proc/zoneinfo". */
const char *sysfile_path(SysFile f);

/* Reads a whole file into the root's buffer; *ret_buf stays valid until the
 * next read. Returns 0, -ENOENT/-EACCES/... from the kernel, or -EFBIG for a
 * file over 16 MiB. */
int sysroot_read(SysRoot *r, SysFile f, const char **ret_buf, size_t *ret_len);
/* The same for any path relative to the root, without caching the fd. */
int sysroot_read_path(SysRoot *r, const char *relpath, const char **ret_buf, size_t *ret_len);
/* Writes data to an existing file under the root (no O_CREAT: a missing
 * kernel file is an error, and fixture trees are never grown by accident).
 * Returns 0 or a negative errno. */
int sysroot_write_path(SysRoot *r, const char *relpath, const char *data, size_t len);
/* Opens a file under the root for reading and writing, for PSI triggers;
 * the caller owns the fd. */
int sysroot_open_rw(SysRoot *r, const char *relpath);
/* Whether the root is the live system: "/" itself, where procfs is real. */
bool sysroot_is_live(const SysRoot *r);

/* A directory under the root, for listing; returns an fd the caller closes. */
int sysroot_open_dir(SysRoot *r, const char *relpath);
