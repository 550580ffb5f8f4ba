/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "sample-read.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "kernel-parse.h"

#define VIRTIO_ID_BALLOON 5
/* include/uapi/linux/virtio_balloon.h */
#define VIRTIO_BALLOON_F_STATS_VQ 1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_FREE_PAGE_HINT 3
#define VIRTIO_BALLOON_F_REPORTING 5

static int set_error(SampleError *e, const char *path, int r)
{
        if (e) {
                e->path = path;
                e->error = r;
        }
        return r;
}

static bool is_absent(int r)
{
        /* not there, not for us, or PSI compiled in but disabled (5.3-5.4) */
        return r == -ENOENT || r == -EACCES || r == -EPERM || r == -ENOTDIR || r == -EOPNOTSUPP;
}

typedef int (*BufferParser)(const char *buf, size_t len, void *target, ParseError *err);

/* Reads and parses one known file. Returns 1 when parsed, 0 when the file is
 * absent and optional, or a negative errno. */
static int read_one(SysRoot *r, SysFile f, bool required, BufferParser parse, void *target, SampleError *e)
{
        const char *buf;
        size_t len;
        int ret;

        ret = sysroot_read(r, f, &buf, &len);
        if (ret < 0) {
                if (!required && is_absent(ret))
                        return 0;
                return set_error(e, sysfile_path(f), ret);
        }
        ret = parse(buf, len, target, e ? &e->parse : NULL);
        if (ret < 0)
                return set_error(e, sysfile_path(f), ret);
        return 1;
}

/* Adapters from the typed parsers to BufferParser: calling a function
 * through a pointer of another type is undefined, so no casts. */
#define BUFFER_PARSER(name, parser, type)                                                   \
        static int name(const char *buf, size_t len, void *target, ParseError *err)        \
        {                                                                                   \
                return parser(buf, len, (type *)target, err);                               \
        }
BUFFER_PARSER(bp_meminfo, parse_meminfo, MeminfoSample)
BUFFER_PARSER(bp_vmstat, parse_vmstat, VmstatSample)
BUFFER_PARSER(bp_psi, parse_psi, PsiSample)
BUFFER_PARSER(bp_zoneinfo, parse_zoneinfo, Sample)
BUFFER_PARSER(bp_buddyinfo, parse_buddyinfo, Sample)
BUFFER_PARSER(bp_pagetypeinfo, parse_pagetypeinfo, Sample)
BUFFER_PARSER(bp_u64, parse_single_u64, uint64_t)
BUFFER_PARSER(bp_online, parse_node_list, uint64_t)

static int read_u64(SysRoot *r, SysFile f, uint64_t *v, bool *has, SampleError *e)
{
        int ret = read_one(r, f, false, bp_u64, v, e);

        if (ret >= 0)
                *has = ret > 0;
        return ret;
}

static int parse_ratio(const char *buf, size_t len, void *target, ParseError *err)
{
        VmSysctl *sc = target;

        return parse_u64_list(buf, len, sc->lowmem_reserve_ratio, OG_MAX_ZONES, &sc->n_lowmem_reserve_ratio, err);
}

static int parse_osrelease(const char *buf, size_t len, void *target, ParseError *err)
{
        int r = kernel_version_parse(buf, len, target);

        if (r < 0)
                parse_error_set(err, 1, NULL, 0, "not a kernel release");
        return r;
}

/* Finds the virtio balloon among the virtio devices and reads the features
 * the driver negotiated. No balloon is not an error. */
static int read_balloon(SysRoot *r, BalloonSample *b, SampleError *e)
{
        static const char dir_path[] = "sys/bus/virtio/devices";
        struct dirent *de;
        DIR *d;
        int fd;

        memset(b, 0, sizeof(*b));
        fd = sysroot_open_dir(r, dir_path);
        if (fd < 0)
                return is_absent(fd) ? 0 : set_error(e, dir_path, fd);
        d = fdopendir(fd);
        if (!d) {
                close(fd);
                return set_error(e, dir_path, -errno);
        }
        while ((de = readdir(d))) {
                char path[sizeof(dir_path) + sizeof(de->d_name) + 16];
                const char *buf;
                size_t len;
                uint32_t id;
                uint64_t bits;

                if (de->d_name[0] == '.')
                        continue;
                snprintf(path, sizeof(path), "%s/%s/device", dir_path, de->d_name);
                if (sysroot_read_path(r, path, &buf, &len) < 0 || parse_hex_u32(buf, len, &id, NULL) < 0 ||
                    id != VIRTIO_ID_BALLOON)
                        continue;
                b->device_present = true;
                snprintf(path, sizeof(path), "%s/%s/features", dir_path, de->d_name);
                if (sysroot_read_path(r, path, &buf, &len) < 0 || parse_virtio_features(buf, len, &bits, NULL) < 0) {
                        /* driver not bound, or a file we cannot read: the
                         * features are unknown, and sample_gaps() says so */
                        b->features_unreadable = true;
                        break;
                }
                b->stats_vq = bits & (UINT64_C(1) << VIRTIO_BALLOON_F_STATS_VQ);
                b->deflate_on_oom = bits & (UINT64_C(1) << VIRTIO_BALLOON_F_DEFLATE_ON_OOM);
                b->free_page_hint = bits & (UINT64_C(1) << VIRTIO_BALLOON_F_FREE_PAGE_HINT);
                b->page_reporting = bits & (UINT64_C(1) << VIRTIO_BALLOON_F_REPORTING);
                break;
        }
        closedir(d);
        return 0;
}

int sample_read_static(SysRoot *r, Sample *s, SampleError *e)
{
        int ret;

        if (e)
                memset(e, 0, sizeof(*e));
        s->page_size_kb = sysroot_page_size_kb(r);
        ret = read_one(r, SF_OSRELEASE, false, parse_osrelease, &s->kernel, e);
        if (ret < 0)
                return ret;
        s->kernel_known = ret > 0;
        if (!s->kernel_known)
                s->kernel = KV_DEFAULT;
        ret = read_one(r, SF_NODE_ONLINE, false, bp_online, &s->nodes_online_mask, e);
        if (ret < 0)
                return ret;
        s->has_nodes_online = ret > 0;
        return read_balloon(r, &s->balloon, e);
}

static int read_sysctls(SysRoot *r, VmSysctl *sc, unsigned flags, SampleError *e)
{
        int ret;

        if ((ret = read_u64(r, SF_MIN_FREE_KBYTES, &sc->min_free_kbytes, &sc->has_min_free_kbytes, e)) < 0)
                return ret;
        if ((ret = read_u64(r, SF_WATERMARK_SCALE_FACTOR, &sc->watermark_scale_factor, &sc->has_scale_factor, e)) <
            0)
                return ret;
        if ((ret = read_u64(r, SF_WATERMARK_BOOST_FACTOR, &sc->watermark_boost_factor, &sc->has_boost_factor, e)) <
            0)
                return ret;
        sc->n_lowmem_reserve_ratio = 0;
        if (!(flags & SAMPLE_LOWMEM_RESERVE_RATIO))
                return 0;
        ret = read_one(r, SF_LOWMEM_RESERVE_RATIO, false, parse_ratio, sc, e);
        return ret < 0 ? ret : 0;
}


int sample_read(SysRoot *r, Sample *s, unsigned flags, SampleError *e)
{
        int ret;

        if (e)
                memset(e, 0, sizeof(*e));
        if ((ret = read_one(r, SF_MEMINFO, true, bp_meminfo, &s->meminfo, e)) < 0)
                return ret;
        if ((ret = read_one(r, SF_VMSTAT, true, bp_vmstat, &s->vmstat, e)) < 0)
                return ret;
        ret = read_one(r, SF_PRESSURE_MEMORY, false, bp_psi, &s->psi, e);
        if (ret < 0)
                return ret;
        if (ret == 0)
                memset(&s->psi, 0, sizeof(s->psi));
        if ((ret = read_sysctls(r, &s->sysctl, flags, e)) < 0)
                return ret;
        /* zoneinfo first: buddyinfo and pagetypeinfo name its zones */
        if ((ret = read_one(r, SF_ZONEINFO, true, bp_zoneinfo, s, e)) < 0)
                return ret;
        if ((ret = read_one(r, SF_BUDDYINFO, false, bp_buddyinfo, s, e)) < 0)
                return ret;
        if (flags & SAMPLE_PAGETYPEINFO) {
                ret = read_one(r, SF_PAGETYPEINFO, false, bp_pagetypeinfo, s, e);
                if (ret < 0)
                        return ret;
        }
        return 0;
}

void sample_error_format(const SampleError *e, char *buf, size_t size)
{
        if (e->parse.reason) {
                if (e->parse.line)
                        snprintf(buf, size, "%s:%u: %s%s%s", e->path ? e->path : "?", e->parse.line, e->parse.field,
                                 e->parse.field[0] ? ": " : "", e->parse.reason);
                else
                        snprintf(buf, size, "%s: %s%s%s", e->path ? e->path : "?", e->parse.field,
                                 e->parse.field[0] ? ": " : "", e->parse.reason);
        } else
                snprintf(buf, size, "%s: %s", e->path ? e->path : "?", strerror(-e->error));
}
