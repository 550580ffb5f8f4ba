/* SPDX-License-Identifier: GPL-2.0-or-later */
/* /proc/buddyinfo and /proc/pagetypeinfo against a fixed zoneinfo (they
 * only name zones zoneinfo already gave). */
#include "fuzz-common.h"
#include "kernel-parse.h"
#include "model.h"

static const char zoneinfo[] =
        "Node 0, zone      DMA\n  pages free 3840\n min 48\n low 60\n high 72\n spanned 4095\n present 3998\n"
        " managed 3840\n protection: (0, 3019, 5195, 5195, 5195)\n"
        "Node 0, zone   Normal\n  pages free 59182\n min 7056\n low 8820\n high 10584\n spanned 5505024\n"
        " present 5505024\n managed 557056\n protection: (0, 0, 0, 0, 0)\n";
static Sample sample;
static Model model;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        char *b = fuzz_copy(data, size);
        ParseError e;

        if (!b)
                return 0;
        sample.kernel = KV(6, 1, 0);
        sample.page_size_kb = 4;
        if (parse_zoneinfo(zoneinfo, sizeof(zoneinfo) - 1, &sample, &e) == 0) {
                if (parse_buddyinfo(b, size, &sample, &e) == 0)
                        (void)model_build(&sample, &model);
        }
        if (parse_zoneinfo(zoneinfo, sizeof(zoneinfo) - 1, &sample, &e) == 0) {
                if (parse_pagetypeinfo(b, size, &sample, &e) == 0) {
                        (void)model_build(&sample, &model);
                        (void)zonelist_admits(&sample, 0, REQ_KIND_KERNEL, REQ_CLASS_NORMAL, 3, WMARK_LOW, NULL);
                }
        }
        free(b);
        return 0;
}
