/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/zoneinfo, then the whole model over whatever it accepted: hostile
 * but well-formed numbers must not overflow the watermark arithmetic. */
#include "fuzz-common.h"
#include "kernel-parse.h"
#include "model.h"

static Sample sample;
static Model model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size);
        ParseError e;

        if (!b)
                return 0;
        sample.page_size_kb = 4;
        /* the era changes the arithmetic: let the input's length pick one */
        sample.kernel = (KernelVersion[]){ KV(3, 10, 0), KV(4, 9, 0), KV(5, 10, 0), KV(6, 18, 0) }[size % 4];
        if (parse_zoneinfo(b, size, &sample, &e) == 0) {
                (void)model_build(&sample, &model);
                for (int k = 0; k < _REQ_KIND_MAX; k++)
                        for (unsigned o = 0; o < 4; o++)
                                (void)zonelist_admits(&sample, sample.nodes[0].id, (RequestKind)k, REQ_CLASS_ATOMIC,
                                                      o, WMARK_MIN, NULL);
        }
        free(b);
        return 0;
}
