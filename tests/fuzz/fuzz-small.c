/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one-line files: sysctls, node lists, virtio attributes, osrelease. */
#include "fuzz-common.h"
#include "kernel-parse.h"
#include "kernel-version.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size);
        uint64_t v, list[OG_MAX_ZONES];
        uint32_t id;
        unsigned n;
        KernelVersion kv;

        if (!b)
                return 0;
        (void)parse_single_u64(b, size, &v, NULL);
        (void)parse_u64_list(b, size, list, OG_MAX_ZONES, &n, NULL);
        (void)parse_node_list(b, size, &v, NULL);
        (void)parse_virtio_features(b, size, &v, NULL);
        (void)parse_hex_u32(b, size, &id, NULL);
        (void)kernel_version_parse(b, size, &kv);
        free(b);
        return 0;
}
