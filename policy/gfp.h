/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* GFP masks by kernel era (include/linux/gfp.h, gfp_types.h): what a raw
 * mask means for the allocator, and its name as the kernel's %pGg prints it
 * (lib/vsprintf.c: format_flags() over mmflags.h's __def_gfpflag_names). */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel-version.h"
#include "sample.h"

typedef struct GfpInfo {
        ZoneKind highest_zone;          /* gfp_zone(): GFP_ZONE_TABLE */
        bool movable;                   /* __GFP_MOVABLE: may use CMA and the Movable zone */
        bool high;                      /* __GFP_HIGH */
        bool can_reclaim;               /* __GFP_WAIT (<= 4.3) / __GFP_DIRECT_RECLAIM */
        bool atomic;                    /* gets "harder": __GFP_ATOMIC, or no __GFP_WAIT (<= 4.3) */
        bool thisnode;                  /* __GFP_THISNODE: no fallback, never OOM-kills */
        bool nofail, retry_mayfail, noretry;
        bool fs;                        /* __GFP_FS: global OOM needs it */
} GfpInfo;

void gfp_decode(uint32_t mask, KernelVersion kv, GfpInfo *ret);

/* "GFP_HIGHUSER_MOVABLE|__GFP_COLD" for mask on kernel kv: composites first,
 * then single flags, then any unknown remainder as hex. */
void gfp_format(uint32_t mask, KernelVersion kv, char *buf, size_t size);

/* The mask that the kernel's %pGg names stand for on kernel kv
 * ("GFP_HIGHUSER_MOVABLE|__GFP_ZERO", a hex remainder allowed): 0, or
 * -ENOENT with *mask holding the names it knew when one is not of kv's era. */
int gfp_from_names(const char *names, KernelVersion kv, uint32_t *mask);

/* The oldest era whose layout makes names stand for mask (the kernel printed
 * both), or 0 when none does. */
KernelVersion gfp_era_of(uint32_t mask, const char *names);

/* The oldest kernel whose bit layout this is, for each era. */
KernelVersion gfp_era_start(KernelVersion kv);
