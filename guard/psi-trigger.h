/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

#include "sysroot.h"

/* Arms a PSI trigger (kernel/sched/psi.c: psi_trigger_create()) on a
 * pressure file under the root: "some|full STALL_US WINDOW_US". The fd
 * reports POLLPRI when the stall is exceeded; the caller polls and closes
 * it. Only on real procfs or cgroupfs (fstatfs): a fixture tree is never
 * written to. Returns the fd or a negative errno (-ENOTSUP off procfs,
 * -EINVAL from kernels that refuse the window, -EACCES without privilege). */
int psi_trigger_open(SysRoot *root, const char *relpath, const char *kind, uint64_t stall_us, uint64_t window_us);
