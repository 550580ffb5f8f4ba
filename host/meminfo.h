/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

#include <stdint.h>

/* The host's MemAvailable (kB) from PROC_DIR/meminfo; --proc points
 * PROC_DIR at a fixture in tests. Returns 0 or a negative errno. */
int host_mem_available(const char *proc_dir, uint64_t *ret_kb);
