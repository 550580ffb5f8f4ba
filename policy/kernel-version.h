/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A kernel release packed like the kernel's own KERNEL_VERSION(a, b, c):
 * comparisons are plain integer comparisons. The sublevel is clamped to 255
 * (4.9.229 and 4.14.336 exist; the era rules never depend on the sublevel). */
typedef uint32_t KernelVersion;

#define KV(a, b, c) ((KernelVersion)(((uint32_t)(a) << 16) | ((uint32_t)(b) << 8) | \
                                     ((uint32_t)(c) > 255 ? 255u : (uint32_t)(c))))
#define KV_MAJOR(v) ((unsigned)((v) >> 16))
#define KV_MINOR(v) ((unsigned)(((v) >> 8) & 0xff))
#define KV_SUBLEVEL(v) ((unsigned)((v) & 0xff))

/* The newest kernel whose memory model policy/ mirrors; used when the
 * release is unknown, because a modern guest is the common case. */
#define KV_DEFAULT KV(6, 18, 0)

/* Parses "6.1.0-56-cloud-amd64", "3.10.0-1160.2.2.el7.x86_64", "4.9" ...
 * Needs at least "major.minor" with major in 2..99 and minor in 0..255.
 * Returns 0 or -EINVAL. */
int kernel_version_parse(const char *s, size_t len, KernelVersion *ret);
