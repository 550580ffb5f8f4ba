/* SPDX-License-Identifier: GPL-2.0-or-later */
#pragma once

/* libFuzzer harness helpers. The data is copied into an exact-size heap
 * buffer (libFuzzer already does this, but the copy keeps the guarantee
 * explicit), so ASan reports any read past the length we pass. */

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
        char *b = malloc(size ? size : 1);

        if (b && size)
                memcpy(b, data, size);
        return b;
}
