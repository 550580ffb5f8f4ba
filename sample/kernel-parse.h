/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* Parsers for the kernel's memory files. Each takes a buffer and its length
 * (no NUL needed), fills its part of a Sample, and returns 0 or a negative
 * errno: -EINVAL for malformed text, -ERANGE for a number out of range,
 * -ENODATA for a required field that is missing, -E2BIG for more nodes, zones
 * or orders than a Sample holds. On error *err says where. They never
 * allocate and never read outside [buf, buf + len). */

#include <stddef.h>

#include "parse-util.h"
#include "sample.h"

int parse_meminfo(const char *buf, size_t len, MeminfoSample *ret, ParseError *err);
int parse_vmstat(const char *buf, size_t len, VmstatSample *ret, ParseError *err);
int parse_psi(const char *buf, size_t len, PsiSample *ret, ParseError *err);

/* Replaces s->nodes with the zones of /proc/zoneinfo. */
int parse_zoneinfo(const char *buf, size_t len, Sample *s, ParseError *err);
/* Fill free blocks into zones that parse_zoneinfo() found. */
int parse_buddyinfo(const char *buf, size_t len, Sample *s, ParseError *err);
int parse_pagetypeinfo(const char *buf, size_t len, Sample *s, ParseError *err);

/* A file holding one unsigned number (/proc/sys/vm/min_free_kbytes ...). */
int parse_single_u64(const char *buf, size_t len, uint64_t *ret, ParseError *err);
/* /proc/sys/vm/lowmem_reserve_ratio: numbers separated by blanks. */
int parse_u64_list(const char *buf, size_t len, uint64_t *ret, unsigned max, unsigned *ret_n, ParseError *err);
/* A sysfs node list such as "0-3,5" (/sys/devices/system/node/online). */
int parse_node_list(const char *buf, size_t len, uint64_t *ret_mask, ParseError *err);
/* /sys/bus/virtio/devices/X/features: one '0'/'1' per feature bit. */
int parse_virtio_features(const char *buf, size_t len, uint64_t *ret_bits, ParseError *err);
/* /sys/bus/virtio/devices/X/device: "0x0005". */
int parse_hex_u32(const char *buf, size_t len, uint32_t *ret, ParseError *err);
