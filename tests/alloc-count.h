/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Counts heap allocations for tests linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (alloc_count_dep): every
 * allocation made by the code under test passes through the wrappers. */

unsigned long alloc_count(void);
